import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeCheckpoint, loadCheckpoint } from '@s4d/serialize';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import type { MetricsRecord, TrainRecord } from '../src/metrics.js';
import { FAULT_VARIABLE } from '../src/parallel/protocol.js';

const dir = mkdtempSync(join(tmpdir(), 's4d-cli-train-'));
const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A small model and a short MNIST subset, so a run takes seconds. */
const SMALL = [
  '--variant',
  'rows',
  '--train-size',
  '96',
  '--test-size',
  '32',
  '--hidden-size',
  '16',
  '--state-size',
  '8',
  '--num-layers',
  '1',
  '--batch-size',
  '16',
  '--warmup-steps',
  '2',
  '--lr',
  '0.01',
  '--workers',
  '1',
];

async function runQuiet(args: string[]): Promise<number> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return await main(args);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function trainLosses(runDir: string): number[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord)
    .filter((record): record is TrainRecord => record.kind === 'train')
    .map((record) => record.loss);
}

/**
 * Trains one run whole and one that Ctrl-C stops and `--resume` finishes,
 * and checks that their training losses agree to 1e-6.
 *
 * @param name Prefix of the two run folders.
 */
async function expectResumeMatches(args: string[], name: string) {
  const whole = join(dir, `${name}-whole`);
  expect(await runQuiet([...args, '--run-dir', whole])).toBe(0);

  const parted = join(dir, `${name}-parted`);
  const code = await interruptAfter([...args, '--run-dir', parted], 5);
  const stoppedAt = trainLosses(parted).length;
  expect(code).toBe(130);
  expect(stoppedAt).toBeLessThan(180);
  expect(await runQuiet(['--resume', parted])).toBe(0);

  const expected = trainLosses(whole);
  const actual = trainLosses(parted);
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(
    ...actual.map((loss, i) => Math.abs(loss - (expected[i] as number))),
  );
  expect(worst).toBeLessThanOrEqual(1e-6);
}

/**
 * Starts the trainer in a child process, sends it Ctrl-C once its metrics
 * file has `lines` lines, and returns its exit status.
 *
 * @param args The command line; it must name a `--run-dir`.
 */
async function interruptAfter(
  args: string[],
  lines: number,
): Promise<number | null> {
  const runDir = args[args.indexOf('--run-dir') + 1] as string;
  const child = spawn(process.execPath, [entry, ...args], { stdio: 'ignore' });
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
  });
  const metricsPath = join(runDir, 'metrics.jsonl');
  while (
    !existsSync(metricsPath) ||
    readFileSync(metricsPath, 'utf8').split('\n').length < lines
  ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGINT');
  return exit;
}

/** Reads the parameters and optimizer state of a run's last checkpoint. */
async function finalState(runDir: string): Promise<Map<string, Float32Array>> {
  const folder = join(runDir, 'checkpoints');
  const last = readdirSync(folder).sort().at(-1) as string;
  const checkpoint = await loadCheckpoint(join(folder, last));
  const values = new Map<string, Float32Array>();
  for (const [prefix, tensors] of [
    ['model', checkpoint.parameters],
    ['optimizer', checkpoint.optimizerState],
  ] as const) {
    for (const [name, tensor] of tensors) {
      values.set(`${prefix}.${name}`, tensor.dataSync() as Float32Array);
    }
  }
  disposeCheckpoint(checkpoint);
  return values;
}

function summary(runDir: string) {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
}

describe('train command', () => {
  it('writes a run folder and lowers the loss', async () => {
    const runDir = join(dir, 'smoke');
    const status = await runQuiet([
      ...SMALL,
      '--epochs',
      '4',
      '--eval-interval',
      '6',
      '--checkpoint-interval',
      '6',
      '--run-dir',
      runDir,
    ]);
    const losses = trainLosses(runDir);
    const mean = (values: number[]) =>
      values.reduce((a, b) => a + b, 0) / values.length;

    expect(status).toBe(0);
    expect(losses).toHaveLength(24);
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    expect(existsSync(join(runDir, 'config.json'))).toBe(true);
    expect(existsSync(join(runDir, 'plot.svg'))).toBe(true);
    expect(readdirSync(join(runDir, 'checkpoints')).length).toBeGreaterThan(0);
  }, 60_000);

  it('evaluates a saved run', async () => {
    const runDir = join(dir, 'smoke');
    const log: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((text) => {
      log.push(String(text));
    });
    const status = await main(['evaluate', '--checkpoint', runDir]);
    spy.mockRestore();
    const report = JSON.parse(log[log.length - 1] as string);

    expect(status).toBe(0);
    expect(report.count).toBe(32);
    expect(report.accuracy).toBeCloseTo(summary(runDir).finalEval.accuracy, 6);
  }, 60_000);

  it('resumes after Ctrl-C with the same losses', async () => {
    await expectResumeMatches(
      [...SMALL, '--epochs', '30', '--checkpoint-interval', '1000'],
      'resumed',
    );
  }, 120_000);
});

describe('train command with workers', () => {
  const args = [...SMALL, '--epochs', '2'];

  it('matches one worker with two', async () => {
    const one = join(dir, 'one-worker');
    const two = join(dir, 'two-workers');
    expect(await runQuiet([...args, '--workers', '1', '--run-dir', one])).toBe(
      0,
    );
    expect(await runQuiet([...args, '--workers', '2', '--run-dir', two])).toBe(
      0,
    );
    const expected = trainLosses(one);
    const actual = trainLosses(two);

    expect(actual).toHaveLength(expected.length);
    actual.forEach((loss, i) => {
      expect(Math.abs(loss - (expected[i] as number))).toBeLessThan(1e-5);
    });
    const evalOne = summary(one).finalEval;
    const evalTwo = summary(two).finalEval;
    expect(Math.abs(evalTwo.loss - evalOne.loss)).toBeLessThan(1e-5);
    expect(evalTwo.accuracy).toBe(evalOne.accuracy);

    const stateOne = await finalState(one);
    const stateTwo = await finalState(two);
    expect([...stateTwo.keys()]).toEqual([...stateOne.keys()]);
    for (const [name, values] of stateOne) {
      const other = stateTwo.get(name) as Float32Array;
      const worst = Math.max(
        ...values.map((value, i) => Math.abs(value - (other[i] as number))),
      );
      expect(worst, name).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('matches one worker with three uneven shares', async () => {
    // A batch of 16 splits into shares of 6, 6 and 4 sequences.
    const one = join(dir, 'one-worker-uneven');
    const three = join(dir, 'three-workers');
    expect(await runQuiet([...args, '--workers', '1', '--run-dir', one])).toBe(
      0,
    );
    expect(
      await runQuiet([...args, '--workers', '3', '--run-dir', three]),
    ).toBe(0);
    const expected = trainLosses(one);
    const actual = trainLosses(three);

    expect(actual).toHaveLength(expected.length);
    actual.forEach((loss, i) => {
      expect(Math.abs(loss - (expected[i] as number))).toBeLessThan(1e-5);
    });
  }, 120_000);

  it('resumes a two-worker run after Ctrl-C with the same losses', async () => {
    await expectResumeMatches(
      [
        ...SMALL,
        '--epochs',
        '30',
        '--checkpoint-interval',
        '1000',
        '--workers',
        '2',
      ],
      'resumed-two',
    );
  }, 180_000);

  it('stops when a worker throws', async () => {
    const { status, errors, runDir } = await runFaulty('1:3', 'faulty-worker');

    expect(status).toBe(1);
    expect(errors).toContain('Worker 1 failed: injected fault at step 3');
    expect(errors).toContain(
      `The last checkpoint, ${join(runDir, 'checkpoints', 'checkpoint-000000002.safetensors')}, is kept.`,
    );
    expect(errors).toContain(`Continue with: s4d-train --resume ${runDir}`);
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual([
      'checkpoint-000000002.safetensors',
    ]);
  }, 120_000);

  it('reports no checkpoint before the first save', async () => {
    const { status, errors, runDir } = await runFaulty('1:1', 'early-fault');

    expect(status).toBe(1);
    expect(errors).toContain('Worker 1 failed: injected fault at step 1');
    expect(errors).toContain(
      'No checkpoint was saved yet, so start the run again.',
    );
    expect(existsSync(join(runDir, 'checkpoints'))).toBe(false);
  }, 120_000);

  it('stops without hanging when a worker thread exits', async () => {
    const { status, errors, runDir } = await runFaulty(
      '0:3:exit',
      'exited-worker',
    );

    expect(status).toBe(1);
    expect(errors).toContain('Worker 0 failed: exited with code 3');
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual([
      'checkpoint-000000002.safetensors',
    ]);
  }, 120_000);

  /** Runs two workers with a checkpoint every 2 steps and an injected fault. */
  async function runFaulty(fault: string, name: string) {
    process.env[FAULT_VARIABLE] = fault;
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((text) => {
      errors.push(String(text));
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const runDir = join(dir, name);
    try {
      const status = await main([
        ...args,
        '--workers',
        '2',
        '--checkpoint-interval',
        '2',
        '--run-dir',
        runDir,
      ]);
      return { status, errors: errors.join('\n'), runDir };
    } finally {
      delete process.env[FAULT_VARIABLE];
      spy.mockRestore();
      log.mockRestore();
    }
  }
});

/** 120 rows of two noisy sine features; the class is the sign of the next `a`. */
function writeSineTable(): string {
  const lines = ['a,b,label,next'];
  for (let t = 0; t < 120; t++) {
    const a = Math.sin(t / 3);
    const b = Math.cos(t / 5) + 0.1 * Math.sin(7 * t);
    const next = Math.sin((t + 1) / 3);
    lines.push(`${a},${b},${a > 0 ? 'up' : 'down'},${next}`);
  }
  const path = join(dir, 'sine.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('train command on a table', () => {
  const table = writeSineTable();
  const common = [
    '--data',
    table,
    '--features',
    'a,b',
    '--window',
    '8',
    '--hidden-size',
    '16',
    '--state-size',
    '8',
    '--num-layers',
    '1',
    '--batch-size',
    '8',
    '--epochs',
    '3',
    '--warmup-steps',
    '2',
    '--workers',
    '1',
  ];

  it('trains a classifier', async () => {
    const runDir = join(dir, 'table-class');
    const status = await runQuiet([
      ...common,
      '--target',
      'label',
      '--task',
      'classification',
      '--run-dir',
      runDir,
    ]);
    const result = summary(runDir);

    expect(status).toBe(0);
    expect(result.finalEval.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.majorityBaseline.className).toMatch(/^(up|down)$/);
  });

  it('trains a regressor', async () => {
    const runDir = join(dir, 'table-reg');
    const status = await runQuiet([
      ...common,
      '--target',
      'next',
      '--task',
      'regression',
      '--run-dir',
      runDir,
    ]);
    const losses = trainLosses(runDir);

    expect(status).toBe(0);
    expect(Number.isFinite(summary(runDir).finalEval.loss)).toBe(true);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
  });

  it('runs on seattle-weather.csv', async () => {
    const entryFile = fileURLToPath(import.meta.resolve('vega-datasets'));
    const weather = join(entryFile, '..', '..', 'data', 'seattle-weather.csv');
    const runDir = join(dir, 'weather');
    const status = await runQuiet([
      '--data',
      weather,
      '--features',
      'precipitation,temp_max,temp_min,wind',
      '--target',
      'weather',
      '--task',
      'classification',
      '--window',
      '60',
      '--hidden-size',
      '16',
      '--state-size',
      '8',
      '--num-layers',
      '1',
      '--max-steps',
      '10',
      '--run-dir',
      runDir,
    ]);
    const result = summary(runDir);

    expect(status).toBe(0);
    expect(result.majorityBaseline.className).toBe('rain');
    expect(result.finalEval.accuracy).toBeGreaterThan(0);
  }, 60_000);
});
