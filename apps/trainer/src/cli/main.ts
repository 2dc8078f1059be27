import { initBackend } from '@s4d/runtime';
import { TrainerError } from '../errors.js';
import { HELP, parseCli } from './args.js';
import { evaluateCommand } from './evaluate_command.js';
import { createLogger } from './logger.js';
import { trainCommand } from './train_command.js';

/**
 * Runs the command line and returns the exit status. A `TrainerError` is a
 * problem the user can fix, so it prints as one message, with the stack
 * trace only under `--verbose`. Other errors also suggest `--verbose`.
 */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const log = createLogger(verbose);
  try {
    const cli = parseCli(argv);
    if (cli.command === 'help') {
      console.log(HELP);
      return 0;
    }
    const tf = await initBackend();
    if (cli.command === 'evaluate') {
      await evaluateCommand(tf, cli, log);
      return 0;
    }
    return await trainCommand(tf, cli, log);
  } catch (error) {
    if (error instanceof TrainerError) {
      log.error(error.message);
      if (verbose && error.stack !== undefined) {
        console.error(error.stack);
      }
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    log.error(message);
    if (verbose && error instanceof Error && error.stack !== undefined) {
      console.error(error.stack);
    } else {
      console.error('Run again with --verbose for the stack trace.');
    }
    return 1;
  }
}
