import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(
  new URL('../dist/bench/compare_workers.js', import.meta.url),
);

/** Runs the compiled comparison script and returns its status and stderr. */
function runScript(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('compare_workers', () => {
  it('rejects zero rounds', () => {
    const { status, stderr } = runScript(['--rounds', '0']);
    expect(status).toBe(1);
    expect(stderr).toContain(
      'error: --rounds must be an integer of at least 1, got "0".',
    );
  });

  it('rejects a fractional block', () => {
    const { status, stderr } = runScript(['--block', '2.5']);
    expect(status).toBe(1);
    expect(stderr).toContain(
      'error: --block must be an integer of at least 1, got "2.5".',
    );
  });

  it('rejects more workers than sequences', () => {
    const { status, stderr } = runScript(['--workers', '33']);
    expect(status).toBe(1);
    expect(stderr).toContain(
      'error: --workers 33 is more than the batch size 32. Lower --workers.',
    );
  });

  it('rejects an unknown option', () => {
    const { status, stderr } = runScript(['--epochs', '3']);
    expect(status).toBe(1);
    expect(stderr).toContain("Unknown option '--epochs'");
  });
});
