import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These tests run the built command line, so `pnpm build` must come first.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const run = promisify(execFile);
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 's4d-bench-cli-'));
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function bench(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run('node', [main, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return failure;
  }
}

describe('s4d-bench command', () => {
  it('prints the usage for --help', async () => {
    const { code, stdout } = await bench(['--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: s4d-bench');
  });

  it('exits with 2 on a usage error', async () => {
    const { code, stderr } = await bench(['--suite', 'gpu']);

    expect(code).toBe(2);
    expect(stderr).toContain('s4d-bench: --suite: unknown suite "gpu"');
  });

  it('writes the report files of a filtered quick run', async () => {
    const { code, stdout } = await bench([
      '--quick',
      '--suite',
      'kernel',
      '--filter',
      'L16',
      '--out-dir',
      outDir,
    ]);
    const files = await readdir(outDir);

    expect(code).toBe(0);
    expect(stdout).toContain('kernel / length sweep forward');
    expect(files.sort()).toEqual([
      'benchmark-time-per-token.svg',
      'benchmarks.json',
      'benchmarks.md',
    ]);
  }, 120_000);

  it('renders markdown again from the JSON', async () => {
    await rm(path.join(outDir, 'benchmarks.md'), { force: true });
    const { code } = await bench([
      'render',
      path.join(outDir, 'benchmarks.json'),
    ]);
    const files = await readdir(outDir);

    expect(code).toBe(0);
    expect(files).toContain('benchmarks.md');
  }, 60_000);
});
