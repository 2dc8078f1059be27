import { type BackendName, initBackend } from '@s4d/runtime';
import type { BenchCase, Tf } from './cases/bench_case.js';
import { CaseSkipped } from './cases/bench_case.js';
import type { CaseResult, MemoryUsage, Roofline } from './report.js';
import { measureRoofline } from './roofline.js';
import { measureMemory, type TimingOptions, timeWorkload } from './timing.js';

/** Settings of `runCases`. */
export interface RunCasesOptions extends TimingOptions {
  /** matMul shape `[m, k, n]` of each backend's roofline. */
  roofline: Record<BackendName, [number, number, number]>;
  /** Receives one progress line per case. */
  log: (message: string) => void;
}

/** The measurements of `runCases`. */
export interface RunCasesResult {
  cases: CaseResult[];
  rooflines: Roofline[];
}

/**
 * Runs each case on its backend: setup, one profiled run for memory, the
 * rest of the warm-up runs, the timed runs, dispose. A case whose setup throws `CaseSkipped`
 * is recorded as skipped and any other error as failed, so one broken case
 * does not stop the run. Each backend's roofline is measured before its
 * first case and again after the last one, and the faster of the two is
 * the ceiling for the rates.
 *
 * @param cases The cases, in run order.
 * @param options Run counts, roofline shapes and the progress logger.
 * @returns One result per case, and the rooflines.
 */
export async function runCases(
  cases: readonly BenchCase[],
  options: RunCasesOptions,
): Promise<RunCasesResult> {
  const rooflines = new Map<BackendName, Roofline>();
  const results: CaseResult[] = [];

  for (const [index, benchCase] of cases.entries()) {
    const backend = benchCase.backend ?? 'wasm';
    const tf = await initBackend({ backend });

    if (!rooflines.has(backend)) {
      const roofline = await measureRoofline(
        tf,
        options.roofline[backend],
        options,
      );
      rooflines.set(backend, roofline);
      options.log(
        `roofline ${backend}: ${roofline.gflopsPerSecond.toFixed(1)} GFLOP/s`,
      );
    }

    const result = await runCase(tf, benchCase, options);
    results.push(result);
    options.log(`[${index + 1}/${cases.length}] ${describeOutcome(result)}`);
  }

  // Measure each roofline again and keep the better one, because another
  // process may have slowed one of the two measurements.
  for (const [backend, first] of rooflines) {
    const tf = await initBackend({ backend });
    const again = await measureRoofline(tf, first.shape, options);
    if (again.gflopsPerSecond > first.gflopsPerSecond) {
      rooflines.set(backend, again);
    }
  }

  // Leave the default backend active for whatever runs next.
  await initBackend();
  return {
    cases: results.map((result) =>
      withRates(result, rooflines.get(result.backend as BackendName)),
    ),
    rooflines: [...rooflines.values()],
  };
}

async function runCase(
  tf: Tf,
  benchCase: BenchCase,
  options: RunCasesOptions,
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
    warmupSeconds: options.warmupSeconds ?? 0,
    repeats: Math.min(options.repeats, maxRepeats ?? options.repeats),
  };

  let workload: Awaited<ReturnType<BenchCase['setup']>> | undefined;
  try {
    workload = await benchCase.setup(tf);
    // The profiled run for memory doubles as the first warm-up run, so slow
    // cases cost no extra run; without warm-up it follows the timed runs.
    let memory: MemoryUsage | undefined;
    let warmup = timingOptions.warmup;
    if (profileMemory && warmup > 0) {
      memory = await measureMemory(tf, workload);
      warmup -= 1;
    }
    const timing = await timeWorkload(tf, workload, {
      warmup,
      warmupSeconds: timingOptions.warmupSeconds ?? 0,
      repeats: timingOptions.repeats,
    });
    const metrics = workload.metrics?.();
    if (profileMemory && memory === undefined) {
      memory = await measureMemory(tf, workload);
    }
    return {
      ...base,
      seconds: timing.seconds,
      leakedTensors: timing.leakedTensors,
      ...(memory === undefined ? {} : { memory }),
      ...(metrics === undefined ? {} : { metrics }),
    };
  } catch (error) {
    const status = error instanceof CaseSkipped ? 'skipped' : 'failed';
    return { ...base, status, reason: errorMessage(error) };
  } finally {
    workload?.dispose();
  }
}

function withRates(
  result: CaseResult,
  roofline: Roofline | undefined,
): CaseResult {
  const median = result.seconds?.median;
  if (median === undefined || median <= 0) {
    return result;
  }

  const rated: CaseResult = { ...result };
  if (result.tokens > 0) {
    rated.secondsPerToken = median / result.tokens;
  }
  if (result.flops !== undefined && roofline !== undefined) {
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
