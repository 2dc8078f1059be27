import { parseArgs } from 'node:util';
import { DEFAULT_SUITES, SUITE_NAMES, type SuiteName } from './cases/suites.js';

/** Raised for invalid command-line arguments; its message is the fix. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A parsed `run` command: measure, print and write the report. */
export interface RunCommand {
  kind: 'run';
  quick: boolean;
  suites: SuiteName[];
  /** Folder for the JSON, markdown and SVG files; none writes no file. */
  outDir?: string;
  warmup: number;
  /** Minimum seconds of untimed runs per case. */
  warmupSeconds: number;
  repeats: number;
  /** Seconds of training per model in the `mnist` suite. */
  mnistSeconds: number;
  /** Runs only the cases whose name contains this text. */
  filter?: string;
}

/** A parsed `render` command: rewrite the markdown and SVG from a JSON. */
export interface RenderCommand {
  kind: 'render';
  jsonPath: string;
  outDir?: string;
}

/** A parsed `help` command. */
export interface HelpCommand {
  kind: 'help';
}

/** Any parsed command. */
export type Command = RunCommand | RenderCommand | HelpCommand;

/** The usage text printed by `--help`. */
export const USAGE = `Usage: s4d-bench [run] [options]
       s4d-bench render <benchmarks.json> [--out-dir DIR]

Runs the S4D benchmarks, prints a table and writes benchmarks.json,
benchmarks.md and benchmark-time-per-token.svg.

Options:
  --quick           every case once at tiny sizes, in seconds; checks the
                    harness, measures nothing (writes files only with --out-dir)
  --suite LIST      comma-separated suites: ${SUITE_NAMES.join(', ')}
                    (default: ${DEFAULT_SUITES.join(',')})
  --out-dir DIR     folder for the report files (default: the repository's
                    docs/ folder for a full run without --filter)
  --warmup N        untimed runs per case before timing (default 1; quick 0)
  --warmup-seconds S then untimed runs until S seconds have passed, so V8
                    has compiled the hot code (default 3; quick 0)
  --repeats N       timed runs per case, at most (default 5; quick 1)
  --mnist-seconds S training time per model in the mnist suite (default 60;
                    quick 2)
  --filter TEXT     run only the cases whose name contains TEXT
  -h, --help        show this text
`;

/**
 * Parses the command-line arguments of the harness.
 *
 * @param args The arguments after the script name.
 * @returns The command with every default filled in.
 * @throws UsageError for an unknown option, suite or command, or a count
 *   that is not a valid integer.
 */
export function parseCommand(args: readonly string[]): Command {
  // pnpm forwards the `--` of `pnpm bench -- --quick` to the script.
  const options = args[0] === '--' ? args.slice(1) : args;
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}. Run with --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { kind: 'help' };
  }

  const [verb = 'run', ...rest] = positionals;
  const outDir = values['out-dir'];
  if (verb === 'render') {
    const [jsonPath, ...extra] = rest;
    if (jsonPath === undefined || extra.length > 0) {
      throw new UsageError(
        `render expects exactly one JSON path, got ${rest.length}.`,
      );
    }
    return { kind: 'render', jsonPath, ...(outDir ? { outDir } : {}) };
  }
  if (verb !== 'run') {
    throw new UsageError(
      `unknown command ${JSON.stringify(verb)}; expected run or render.`,
    );
  }
  if (rest.length > 0) {
    throw new UsageError(
      `run takes no positional arguments, got ${JSON.stringify(rest.join(' '))}.`,
    );
  }

  const quick = values.quick ?? false;
  const filter = values.filter;
  return {
    kind: 'run',
    quick,
    suites: parseSuites(values.suite),
    ...(outDir ? { outDir } : {}),
    ...(filter ? { filter } : {}),
    warmup: parseCount('--warmup', values.warmup, quick ? 0 : 1, 0),
    warmupSeconds: parseSeconds(
      '--warmup-seconds',
      values['warmup-seconds'],
      quick ? 0 : 3,
    ),
    repeats: parseCount('--repeats', values.repeats, quick ? 1 : 5, 1),
    mnistSeconds: parseCount(
      '--mnist-seconds',
      values['mnist-seconds'],
      quick ? 2 : 60,
      1,
    ),
  };
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      suite: { type: 'string' },
      'out-dir': { type: 'string' },
      warmup: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      repeats: { type: 'string' },
      'mnist-seconds': { type: 'string' },
      filter: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parseSuites(value: string | undefined): SuiteName[] {
  if (value === undefined) {
    return [...DEFAULT_SUITES];
  }
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw new UsageError('--suite must name at least one suite, got none.');
  }
  for (const name of names) {
    if (!(SUITE_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--suite: unknown suite ${JSON.stringify(name)}; expected one of ${SUITE_NAMES.join(', ')}.`,
      );
    }
  }
  return [...new Set(names)] as SuiteName[];
}

function parseSeconds(
  option: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) {
    return fallback;
  }
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(seconds)) {
    throw new UsageError(
      `${option} must be a number of seconds >= 0, got ${JSON.stringify(value)}.`,
    );
  }
  return seconds;
}

function parseCount(
  option: string,
  value: string | undefined,
  fallback: number,
  minimum: number,
): number {
  if (value === undefined) {
    return fallback;
  }
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < minimum) {
    throw new UsageError(
      `${option} must be an integer >= ${minimum}, got ${JSON.stringify(value)}.`,
    );
  }
  return count;
}
