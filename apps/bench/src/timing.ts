import type * as tfc from '@tensorflow/tfjs-core';
import type { MemoryUsage } from './report.js';
import { summarize, type TimingSummary } from './stats.js';

type Tf = typeof tfc;

/** Result of one workload run: tensors that the harness reads back. */
export type RunOutput = tfc.Tensor | tfc.Tensor[] | undefined;

/**
 * One prepared benchmark workload. `run` does the measured work and returns
 * its result tensors, which the harness reads back (so asynchronous backend
 * work is counted) and then disposes.
 */
export interface Workload {
  run(): RunOutput | Promise<RunOutput>;
  /** Releases the inputs and weights that setup created. */
  dispose(): void;
  /** Values measured by the last run other than its time, such as accuracy. */
  metrics?(): Record<string, number>;
}

/** How many runs to make. */
export interface TimingOptions {
  /** Untimed runs before timing, at least 0. */
  warmup: number;
  /**
   * Seconds of untimed runs, at least 0 (default 0): after `warmup` runs,
   * warm-up goes on until this much time has passed. V8 compiles WASM and
   * hot JavaScript in tiers, in the background, so the first runs of a fast
   * case can take twice as long as later ones.
   */
  warmupSeconds?: number;
  /** Timed runs, at least 1. */
  repeats: number;
}

/** Timings of a workload and what it leaked. */
export interface TimingResult {
  seconds: TimingSummary;
  /** Tensors alive after the runs that were not alive before them. */
  leakedTensors: number;
}

/**
 * Runs `workload` `warmup` times untimed, and on untimed until
 * `warmupSeconds` have passed, then `repeats` times timed.
 *
 * Each timed run starts the clock, calls `run`, waits for every returned
 * tensor's data to be read back, stops the clock and disposes the tensors.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param workload The prepared work.
 * @param options Warm-up and timed run counts.
 * @returns The timing summary in seconds and the leaked tensor count.
 * @throws RangeError if `warmup` or `warmupSeconds` is negative or
 *   `repeats` is below 1.
 */
export async function timeWorkload(
  tf: Tf,
  workload: Workload,
  options: TimingOptions,
): Promise<TimingResult> {
  checkTimingOptions(options);

  const warmupStart = performance.now();
  for (let i = 0; i < options.warmup; i++) {
    await runOnce(tf, workload);
  }
  const warmupMs = (options.warmupSeconds ?? 0) * 1000;
  while (performance.now() - warmupStart < warmupMs) {
    await runOnce(tf, workload);
  }

  const before = tf.memory().numTensors;
  const samples: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    samples.push(await runOnce(tf, workload));
  }
  const leakedTensors = tf.memory().numTensors - before;

  return { seconds: summarize(samples), leakedTensors };
}

/**
 * Runs `workload` once under `tf.profile` and samples the process memory.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param workload The prepared work.
 * @returns tfjs's peak tensor bytes, the resident set size after the run and
 *   the process's peak resident set size so far.
 */
export async function measureMemory(
  tf: Tf,
  workload: Workload,
): Promise<MemoryUsage> {
  const profile = await tf.profile(async () => {
    const output = await workload.run();
    await readBack(output);
    disposeOutput(tf, output);
  });

  return {
    peakTensorBytes: profile.peakBytes,
    rssBytes: process.memoryUsage().rss,
    // resourceUsage reports maxRSS in kilobytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function runOnce(tf: Tf, workload: Workload): Promise<number> {
  const start = performance.now();
  const output = await workload.run();
  await readBack(output);
  const seconds = (performance.now() - start) / 1000;

  disposeOutput(tf, output);
  return seconds;
}

async function readBack(output: RunOutput): Promise<void> {
  if (output === undefined) {
    return;
  }
  const tensors = Array.isArray(output) ? output : [output];
  await Promise.all(tensors.map((tensor) => tensor.data()));
}

function disposeOutput(tf: Tf, output: RunOutput): void {
  if (output !== undefined) {
    tf.dispose(output);
  }
}

function checkTimingOptions(options: TimingOptions): void {
  if (!Number.isInteger(options.warmup) || options.warmup < 0) {
    throw new RangeError(
      `timeWorkload: options.warmup must be an integer >= 0, got ${options.warmup}.`,
    );
  }
  const warmupSeconds = options.warmupSeconds ?? 0;
  if (!(Number.isFinite(warmupSeconds) && warmupSeconds >= 0)) {
    throw new RangeError(
      `timeWorkload: options.warmupSeconds must be a finite number >= 0, got ${warmupSeconds}.`,
    );
  }
  if (!Number.isInteger(options.repeats) || options.repeats < 1) {
    throw new RangeError(
      `timeWorkload: options.repeats must be an integer >= 1, got ${options.repeats}.`,
    );
  }
}
