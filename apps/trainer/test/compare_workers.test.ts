import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(
  new URL('../dist/bench/compare_workers.js', import.meta.url),
);

/** Runs the compiled comparison script and returns its status and output. */
function runScript(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

describe('compare_workers', () => {
  const invalid: [string, string[], string][] = [
    [
      'zero rounds',
      ['--rounds', '0'],
      'error: --rounds must be an integer of at least 1, got "0".',
    ],
    [
      'a fractional block',
      ['--block', '2.5'],
      'error: --block must be an integer of at least 1, got "2.5".',
    ],
    [
      'more workers than the batch size',
      ['--workers', '33'],
      'error: --workers 33 is more than the batch size 32. Lower --workers.',
    ],
    [
      'negative warm-up rounds',
      ['--warmup-rounds=-1'],
      'error: --warmup-rounds must be an integer of at least 0, got "-1".',
    ],
    [
      'a non-numeric worker count',
      ['--workers', 'two'],
      'error: --workers must be an integer of at least 1, got "two".',
    ],
    [
      'an unsafe integer',
      ['--workers', '99999999999999999999'],
      'error: --workers must be an integer of at least 1, got "99999999999999999999".',
    ],
    ['an unknown option', ['--epochs', '3'], "Unknown option '--epochs'"],
  ];

  it.each(invalid)('rejects %s', (_, args, message) => {
    const { status, stderr } = runScript(args);
    expect(status).toBe(1);
    expect(stderr).toContain(message);
  });

  it('prints the usage with --help', () => {
    const { status, stdout } = runScript(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('Usage: node dist/bench/compare_workers.js');
    expect(stdout).toContain('--warmup-rounds W');
  });

  it('runs one round of one-step blocks', () => {
    const { status, stdout } = runScript([
      '--workers',
      '2',
      '--rounds',
      '1',
      '--block',
      '1',
      '--warmup-rounds',
      '0',
    ]);
    expect(status).toBe(0);
    expect(stdout).toContain(
      'batch size 32; steps per block: 1; worker threads: 2',
    );
    expect(stdout).toMatch(/round 1: 1 thread \d+ seq\/s, workers \d+ seq\/s/);
    expect(stdout).toMatch(/median ratio \d+\.\d\d .*rounds: 1/);
  });
});
