import type { BackendName } from '@s4d/runtime';
import type { SsmSize } from '../flops.js';
import type { BenchCase } from './bench_case.js';
import {
  type ModelSizes,
  type ModelSource,
  modelCases,
} from './model_cases.js';
import {
  type KernelSource,
  kernelSsmCase,
  type PassMode,
  plainSsmCase,
} from './ssm_cases.js';

/** The suites the harness can run. */
export const SUITE_NAMES = ['kernel', 'model', 'backend', 'mnist'] as const;

/** One suite name. */
export type SuiteName = (typeof SUITE_NAMES)[number];

/** Suites run when `--suite` is not given. */
export const DEFAULT_SUITES: SuiteName[] = ['kernel', 'model', 'backend'];

/** Case sizes of a full or a quick run. */
export interface SizePreset {
  /** Channels, state size and the lengths of the length sweep at batch 1. */
  sweep: { channels: number; stateSize: number; lengths: number[] };
  /**
   * The plain-ops baseline runs only up to these lengths. Its Vandermonde
   * tensors and DFT matrices grow with L and L^2: at L 4096 one forward
   * pass at batch 1 peaked at 1.4 GiB of tensors and took 8 s of CPU time
   * on the 2-core development machine.
   */
  plainMaxLength: Record<PassMode, number>;
  /** The batch and state-size sweeps around one reference size. */
  reference: SsmSize;
  batches: number[];
  stateSizes: number[];
  model: ModelSizes;
  /** The SSM size of the WASM against CPU comparison. */
  backend: SsmSize;
  /** matMul shapes `[m, k, n]` of the roofline, per backend. */
  roofline: Record<BackendName, [number, number, number]>;
}

/** Sizes of the full run. */
export const FULL_SIZES: SizePreset = {
  sweep: {
    channels: 256,
    stateSize: 64,
    lengths: [64, 256, 1024, 4096, 16384],
  },
  plainMaxLength: { forward: 1024, 'forward+backward': 1024 },
  reference: { batch: 16, channels: 256, stateSize: 64, length: 1024 },
  batches: [4, 16],
  stateSizes: [16, 256],
  model: {
    embedDim: 287,
    hiddenSize: 256,
    stateSize: 64,
    numLayers: 4,
    windowSize: 60,
    batch: 32,
  },
  backend: { batch: 1, channels: 64, stateSize: 64, length: 256 },
  roofline: { wasm: [4096, 256, 256], cpu: [512, 256, 256] },
};

/** Tiny sizes for `--quick`, which only checks that every case runs. */
export const QUICK_SIZES: SizePreset = {
  sweep: { channels: 8, stateSize: 4, lengths: [16, 32] },
  plainMaxLength: { forward: 32, 'forward+backward': 16 },
  reference: { batch: 2, channels: 8, stateSize: 4, length: 16 },
  batches: [2],
  stateSizes: [8],
  model: {
    embedDim: 6,
    hiddenSize: 8,
    stateSize: 4,
    numLayers: 1,
    windowSize: 8,
    batch: 2,
  },
  backend: { batch: 1, channels: 4, stateSize: 4, length: 16 },
  roofline: { wasm: [64, 64, 64], cpu: [64, 64, 64] },
};

/** Cap on timed runs for the slowest cases. */
const SLOW_CASE_REPEATS = 3;

/**
 * Lists the cases of the kernel suite: a length sweep at batch 1, then
 * batch and state-size sweeps around the reference size, each with the
 * plain-ops baseline beside `ssmForward` where it fits in memory.
 *
 * @param kernel The loaded kernel package, or why it is missing.
 * @param sizes The size preset.
 * @returns The cases, in run order.
 */
export function kernelSuite(
  kernel: KernelSource,
  sizes: SizePreset,
): BenchCase[] {
  const cases: BenchCase[] = [];
  const modes: PassMode[] = ['forward', 'forward+backward'];
  const { channels, stateSize, lengths } = sizes.sweep;

  for (const mode of modes) {
    for (const length of lengths) {
      const size = { batch: 1, channels, stateSize, length };
      const options = { suite: 'kernel', group: `length sweep ${mode}`, mode };
      cases.push(kernelSsmCase(kernel, size, options));
      if (length <= sizes.plainMaxLength[mode]) {
        cases.push(
          plainSsmCase(size, { ...options, maxRepeats: SLOW_CASE_REPEATS }),
        );
      }
    }
  }

  const reference = sizes.reference;
  for (const batch of sizes.batches) {
    const size = { ...reference, batch };
    const options = {
      suite: 'kernel',
      group: 'batch sweep',
      mode: 'forward+backward' as const,
    };
    cases.push(kernelSsmCase(kernel, size, options));
  }
  for (const mode of modes) {
    const options = { suite: 'kernel', group: 'reference size', mode };
    cases.push(
      plainSsmCase(reference, { ...options, maxRepeats: SLOW_CASE_REPEATS }),
    );
    if (mode === 'forward') {
      cases.push(kernelSsmCase(kernel, reference, options));
    }
  }
  for (const stateSize of sizes.stateSizes) {
    const size = { ...reference, stateSize };
    const options = {
      suite: 'kernel',
      group: 'state size sweep',
      mode: 'forward+backward' as const,
    };
    cases.push(kernelSsmCase(kernel, size, options));
  }
  return cases;
}

/**
 * Lists the cases of the backend suite: the same SSM layer with
 * `ssmForward` and with plain ops, on the WASM and on the CPU backend.
 *
 * @param kernel The loaded kernel package, or why it is missing.
 * @param sizes The size preset.
 * @returns The cases, in run order.
 */
export function backendSuite(
  kernel: KernelSource,
  sizes: SizePreset,
): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const mode of ['forward', 'forward+backward'] as const) {
      const options = {
        suite: 'backend',
        group: 'WASM against CPU',
        mode,
        backend,
        maxRepeats: SLOW_CASE_REPEATS,
      };
      cases.push(kernelSsmCase(kernel, sizes.backend, options));
      cases.push(plainSsmCase(sizes.backend, options));
    }
  }
  return cases;
}

/**
 * Lists the cases of the model suite, capping the training steps and the
 * tfjs-layers cases at three timed runs because each takes seconds.
 *
 * @param model The loaded model package, or why it is missing.
 * @param sizes The size preset.
 * @returns The cases, in run order.
 */
export function modelSuite(model: ModelSource, sizes: SizePreset): BenchCase[] {
  return modelCases(model, sizes.model).map((benchCase) => {
    const slow =
      benchCase.implementation.startsWith('tfjs-layers') ||
      benchCase.name.includes('train step');
    return slow ? { ...benchCase, maxRepeats: SLOW_CASE_REPEATS } : benchCase;
  });
}
