import { type BackendName, initBackend } from '@s4d/runtime';
import type { BenchCase, Tf } from './cases/bench_case.js';
import { CaseSkipped } from './cases/bench_case.js';
import type { CaseResult, Roofline } from './report.js';
import { measureRoofline } from './roofline.js';
import { measureMemory, type TimingOptions, timeWorkload } from './timing.js';

/** Settings of `runCases`. */
export interface RunCasesOptions extends TimingOptions {
  /** matMul shape `[m, k, n]` of each backend's roofline. */
  roofline: Record<BackendName, [number, number, number]>;
  /** Receives one progress line per case. */
  log: (message: string) => void;
}

/** What `runCases` measured. */
export interface RunCasesResult {
  cases: CaseResult[];
  rooflines: Roofline[];
}

/**
 * Runs each case on its backend: setup, warm-up and timed runs, one
 * profiled run for memory, dispose. A case whose setup throws `CaseSkipped`
 * is recorded as skipped and any other error as failed, so one broken case
 * does not stop the run. Each backend's roofline is measured before its
 * first case.
 *
 * @param cases The cases, in run order.
 * @param options Run counts, roofline shapes and the progress logger.
 * @returns One result per case, and the rooflines.
 */
export async function runCases(
  cases: readonly BenchCase[],
  options: RunCasesOptions,
): Promise<RunCasesResult> {
  const rooflines = new Map<string, Roofline>();
  const results: CaseResult[] = [];

  for (const [index, benchCase] of cases.entries()) {
    const backend = benchCase.backend ?? 'wasm';
    const tf = await initBackend({ backend });

    let roofline = rooflines.get(backend);
    if (roofline === undefined) {
      roofline = await measureRoofline(tf, options.roofline[backend], options);
      rooflines.set(backend, roofline);
      options.log(
        `roofline ${backend}: ${roofline.gflopsPerSecond.toFixed(1)} GFLOP/s`,
      );
    }

    const result = await runCase(tf, benchCase, options, roofline);
    results.push(result);
    options.log(`[${index + 1}/${cases.length}] ${describeOutcome(result)}`);
  }

  // Leave the default backend active for whatever runs next.
  await initBackend();
  return { cases: results, rooflines: [...rooflines.values()] };
}

async function runCase(
  tf: Tf,
  benchCase: BenchCase,
  options: RunCasesOptions,
  roofline: Roofline,
): Promise<CaseResult> {
  const {
    setup: _,
    maxRepeats,
    runs,
    measureMemory: profileMemory = true,
    ...description
  } = benchCase;
  const base: CaseResult = {
    ...description,
    backend: benchCase.backend ?? 'wasm',
    status: 'ok',
  };
  const timingOptions = runs ?? {
    warmup: options.warmup,
    repeats: Math.min(options.repeats, maxRepeats ?? options.repeats),
  };

  let workload: Awaited<ReturnType<BenchCase['setup']>> | undefined;
  try {
    workload = await benchCase.setup(tf);
    const timing = await timeWorkload(tf, workload, timingOptions);
    const metrics = workload.metrics?.();
    const memory = profileMemory
      ? await measureMemory(tf, workload)
      : undefined;
    return withRates(
      {
        ...base,
        seconds: timing.seconds,
        leakedTensors: timing.leakedTensors,
        ...(memory === undefined ? {} : { memory }),
        ...(metrics === undefined ? {} : { metrics }),
      },
      roofline,
    );
  } catch (error) {
    const status = error instanceof CaseSkipped ? 'skipped' : 'failed';
    return { ...base, status, reason: errorMessage(error) };
  } finally {
    workload?.dispose();
  }
}

function withRates(result: CaseResult, roofline: Roofline): CaseResult {
  const median = result.seconds?.median;
  if (median === undefined || median <= 0) {
    return result;
  }

  const rated: CaseResult = {
    ...result,
    secondsPerToken: median / result.tokens,
  };
  if (result.flops !== undefined) {
    const gflopsPerSecond = result.flops / median / 1e9;
    rated.gflopsPerSecond = gflopsPerSecond;
    rated.rooflineFraction = gflopsPerSecond / roofline.gflopsPerSecond;
  }
  return rated;
}

function describeOutcome(result: CaseResult): string {
  if (result.status !== 'ok' || result.seconds === undefined) {
    return `${result.name}: ${result.status} (${result.reason ?? ''})`;
  }
  const milliseconds = result.seconds.median * 1000;
  return `${result.name}: ${milliseconds.toFixed(2)} ms median of ${result.seconds.runs}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
