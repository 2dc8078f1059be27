import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 's4d-cli-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const series = write(
  'series.csv',
  `${[
    'a,b,label,note',
    ...Array.from(
      { length: 30 },
      (_, t) => `${t},${t % 4},${t % 2 ? 'x' : 'y'},${t === 3 ? 'n/a' : t}`,
    ),
  ].join('\n')}\n`,
);

/** Runs the CLI and returns its exit status and everything it printed to stderr. */
async function runCli(args: string[]) {
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...parts) => {
    errors.push(parts.join(' '));
  });
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const status = await main(args);
  spy.mockRestore();
  log.mockRestore();
  return { status, stderr: errors.join('\n') };
}

const csvArgs = (path: string, extra: string[] = []) => [
  '--data',
  path,
  '--target',
  'label',
  '--task',
  'classification',
  '--window',
  '4',
  '--run-dir',
  join(dir, `run-${Math.random().toString(36).slice(2)}`),
  ...extra,
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('command-line errors', () => {
  it('reports a missing data file', async () => {
    const missing = join(dir, 'nope.csv');
    const { status, stderr } = await runCli(csvArgs(missing));

    expect(status).toBe(1);
    expect(stderr).toBe(
      `error: Data file not found: ${missing}. Check the path given to --data or dataset.path.`,
    );
  });

  it('reports a malformed data file', async () => {
    const path = write('bad.csv', 'a,b,label\n1,2\n');
    const { status, stderr } = await runCli(csvArgs(path));

    expect(status).toBe(1);
    expect(stderr).toContain(
      `Malformed CSV in ${path} line 2: expected 3 fields like the header, got 2.`,
    );
  });

  it('reports a column that does not exist', async () => {
    const { status, stderr } = await runCli(
      csvArgs(series, ['--features', 'a,c']),
    );

    expect(status).toBe(1);
    expect(stderr).toContain(
      `The feature column "c" does not exist in ${series}. Available columns: a, b, label, note.`,
    );
  });

  it('reports a window longer than the data', async () => {
    const { status, stderr } = await runCli(
      csvArgs(series, ['--window', '10']),
    );

    expect(status).toBe(1);
    expect(stderr).toContain(
      `dataset.window 10 is too long for ${series}: its 30 rows split into 24 training and 6 held-out rows`,
    );
  });

  it('reports a non-numeric feature value', async () => {
    const { status, stderr } = await runCli(
      csvArgs(series, ['--features', 'a,note']),
    );

    expect(status).toBe(1);
    expect(stderr).toContain(
      `Non-numeric value "n/a" in column "note" of ${series} line 5.`,
    );
  });

  it('reports an invalid config', async () => {
    const config = write(
      'config.json',
      '{"batchSize": 0, "model": {"stateSize": 63}}',
    );
    const { status, stderr } = await runCli(['--config', config]);

    expect(status).toBe(1);
    expect(stderr).toContain('batchSize');
    expect(stderr).toContain('model.stateSize');
    expect(stderr).toContain('Fix the values listed above');
  });

  it('reports a config file that is not JSON', async () => {
    const config = write('broken.json', '{"batchSize": ');
    const { status, stderr } = await runCli(['--config', config]);

    expect(status).toBe(1);
    expect(stderr).toContain(`--config file ${config} is not valid JSON:`);
  });

  it('reports an unknown flag', async () => {
    const { status, stderr } = await runCli(['--bogus']);

    expect(status).toBe(1);
    expect(stderr).toContain("Unknown option '--bogus'");
  });

  it('reports a flag value of the wrong kind', async () => {
    const { status, stderr } = await runCli(['--batch-size', 'many']);

    expect(status).toBe(1);
    expect(stderr).toBe('error: --batch-size must be an integer, got "many".');
  });

  it('reports evaluate without a checkpoint', async () => {
    const { status, stderr } = await runCli(['evaluate']);

    expect(status).toBe(1);
    expect(stderr).toBe(
      'error: evaluate needs --checkpoint FILE or --checkpoint RUN (a run folder).',
    );
  });

  it('reports resume of a folder without checkpoints', async () => {
    const run = mkdtempSync(join(dir, 'empty-run-'));
    const { status, stderr } = await runCli(['--resume', run]);

    expect(status).toBe(1);
    expect(stderr).toContain(
      `--resume ${run}: the run folder's config file not found`,
    );
  });

  it('rejects more workers than the batch size', async () => {
    const { status, stderr } = await runCli(
      csvArgs(series, ['--batch-size', '4', '--workers', '5']),
    );

    expect(status).toBe(1);
    expect(stderr).toContain(
      '--workers 5 is more than --batch-size 4; each worker needs at least one sequence of the batch.',
    );
  });

  it('prints no stack trace without --verbose', async () => {
    const { stderr } = await runCli(csvArgs(join(dir, 'nope.csv')));

    expect(stderr).not.toContain('    at ');
  });

  it('prints the stack trace with --verbose', async () => {
    const { stderr } = await runCli(
      csvArgs(join(dir, 'nope.csv'), ['--verbose']),
    );

    expect(stderr).toContain('    at ');
  });
});
