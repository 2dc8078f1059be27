import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmarks } from './bench.js';
import { parseCommand, USAGE, UsageError } from './cli.js';
import { formatTerminalReport } from './format/table.js';
import { readReport, writeRenderedFiles, writeReportFiles } from './output.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function main(args: string[]): Promise<void> {
  const command = parseCommand(args);
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }

  if (command.kind === 'render') {
    const report = await readReport(command.jsonPath);
    const outDir = command.outDir ?? path.dirname(command.jsonPath);
    for (const written of await writeRenderedFiles(report, outDir)) {
      log(`wrote ${written}`);
    }
    return;
  }

  const script = path.relative(repositoryRoot, fileURLToPath(import.meta.url));
  const report = await runBenchmarks({
    ...command,
    command: ['node', script, ...args].join(' '),
    log,
  });
  process.stdout.write(`${formatTerminalReport(report.cases)}\n`);

  // Only a full, unfiltered run replaces the committed report by default.
  const partial = command.quick || command.filter !== undefined;
  const outDir =
    command.outDir ?? (partial ? undefined : path.join(repositoryRoot, 'docs'));
  if (outDir !== undefined) {
    for (const written of await writeReportFiles(report, outDir)) {
      log(`wrote ${written}`);
    }
  }

  const failed = report.cases.filter((result) => result.status === 'failed');
  if (failed.length > 0) {
    log(`${failed.length} case(s) failed; see the table`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`s4d-bench: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  log(
    `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
