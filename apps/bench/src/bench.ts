import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { initBackend } from '@s4d/runtime';
import type { BenchCase } from './cases/bench_case.js';
import {
  backendSuite,
  FULL_SIZES,
  kernelSuite,
  modelSuite,
  QUICK_SIZES,
  type SuiteName,
} from './cases/suites.js';
import { loadKernel, loadModel } from './cases/workspace.js';
import { computeHighlights } from './highlights.js';
import { describeMachine } from './machine.js';
import { mnistCases } from './mnist/mnist_cases.js';
import { type BenchReport, REPORT_VERSION } from './report.js';
import { runCases } from './runner.js';

/** Settings of one benchmark run. */
export interface BenchOptions {
  quick: boolean;
  suites: SuiteName[];
  warmup: number;
  /** Minimum seconds of untimed runs per case. */
  warmupSeconds: number;
  repeats: number;
  /** Seconds of training per model in the `mnist` suite. */
  mnistSeconds: number;
  /** Runs only the cases whose name contains this text. */
  filter?: string;
  /** The command line to record in the report. */
  command: string;
  /** Receives progress lines. */
  log: (message: string) => void;
}

/**
 * Runs the selected suites and collects everything into one report.
 *
 * @param options Suites, sizes, run counts and the progress logger.
 * @returns The report, ready to write as JSON.
 */
export async function runBenchmarks(
  options: BenchOptions,
): Promise<BenchReport> {
  const started = performance.now();
  const date = new Date().toISOString();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;

  await initBackend();
  const kernel = await loadKernel();
  const model = await loadModel();
  for (const loaded of [kernel, model]) {
    if ('missing' in loaded) {
      options.log(`note: ${loaded.missing}; its cases are skipped`);
    }
  }

  const cases: BenchCase[] = [];
  for (const suite of options.suites) {
    if (suite === 'kernel') {
      cases.push(...kernelSuite(kernel, sizes));
    } else if (suite === 'model') {
      cases.push(...modelSuite(model, sizes));
    } else if (suite === 'backend') {
      cases.push(...backendSuite(kernel, sizes));
    } else {
      cases.push(
        ...mnistCases(model, {
          quick: options.quick,
          seconds: options.mnistSeconds,
        }),
      );
    }
  }

  const filter = options.filter;
  const selected =
    filter === undefined
      ? cases
      : cases.filter((benchCase) => benchCase.name.includes(filter));
  const measured = await runCases(selected, {
    warmup: options.warmup,
    warmupSeconds: options.warmupSeconds,
    repeats: options.repeats,
    roofline: sizes.roofline,
    log: options.log,
  });

  const tf = await initBackend();
  return {
    version: REPORT_VERSION,
    date,
    command: options.command,
    revision: describeRevision(),
    quick: options.quick,
    warmup: options.warmup,
    warmupSeconds: options.warmupSeconds,
    repeats: options.repeats,
    suites: [...options.suites],
    machine: describeMachine(tf, loadAtStart),
    rooflines: measured.rooflines,
    highlights: computeHighlights(measured.cases, sizes),
    cases: measured.cases,
    durationSeconds: (performance.now() - started) / 1000,
  };
}

function describeRevision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
