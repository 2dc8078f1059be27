import { ssmCaseName } from './cases/ssm_cases.js';
import type { SizePreset } from './cases/suites.js';
import { formatNumber } from './format/units.js';
import type { CaseResult } from './report.js';

/** One headline figure of a run, computed from its case results. */
export interface Highlight {
  label: string;
  /** The figure: a duration in seconds, a ratio or a fraction of 1. */
  value: number;
  unit: 'seconds' | 'ratio' | 'fraction';
  /** Comparison or computation behind the figure. */
  detail: string;
}

/**
 * Forward plus backward time of one S4D layer core in PyTorch 1.13 (one
 * OpenBLAS thread) at batch 16, 256 channels, state size 64, length 1024,
 * measured on the project's development machine before this harness
 * existed. It is not re-measured by this harness.
 */
export const PYTORCH_REFERENCE_SECONDS = 0.7;

/** The project's target maximum for that case's median. */
export const KERNEL_FLOOR_SECONDS = 0.15;

/** The project's target maximum for one `step` at batch 1. */
export const STEP_FLOOR_SECONDS = 0.002;

/**
 * Computes the headline figures that the cases of a run allow. A figure
 * whose cases did not run is left out.
 *
 * @param cases The case results of the run.
 * @param sizes The size preset the run used.
 * @returns The figures, in a fixed order.
 */
export function computeHighlights(
  cases: readonly CaseResult[],
  sizes: SizePreset,
): Highlight[] {
  const median = (name: string) =>
    cases.find((result) => result.name === name && result.status === 'ok')
      ?.seconds?.median;
  const perToken = (name: string) =>
    cases.find((result) => result.name === name && result.status === 'ok')
      ?.secondsPerToken;
  const highlights: Highlight[] = [];
  const add = (highlight: Omit<Highlight, 'value'>, value?: number) => {
    if (value !== undefined && Number.isFinite(value)) {
      highlights.push({ ...highlight, value });
    }
  };
  const ratio = (numerator?: number, denominator?: number) =>
    numerator === undefined || denominator === undefined
      ? undefined
      : numerator / denominator;

  const reference = sizes.reference;
  const describe = `B${reference.batch} H${reference.channels} N${reference.stateSize} L${reference.length}`;
  const kernelBackward = median(
    ssmCaseName('ssmForward', 'forward+backward', reference),
  );
  add(
    {
      label: `ssmForward forward plus backward, ${describe}`,
      unit: 'seconds',
      detail:
        `project target at most ${KERNEL_FLOOR_SECONDS} s; PyTorch 1.13 on one ` +
        `thread took ${PYTORCH_REFERENCE_SECONDS} s (measured separately)`,
    },
    kernelBackward,
  );
  for (const mode of ['forward', 'forward+backward'] as const) {
    add(
      {
        label: `plain ops over ssmForward, ${mode}, ${describe}`,
        unit: 'ratio',
        detail: 'how many times slower the plain-tfjs-ops layer is',
      },
      ratio(
        median(ssmCaseName('plain ops', mode, reference)),
        median(ssmCaseName('ssmForward', mode, reference)),
      ),
    );
  }

  const { channels, stateSize, lengths } = sizes.sweep;
  const shortest = lengths[0];
  const longest = lengths[lengths.length - 1];
  if (shortest !== undefined && longest !== undefined) {
    for (const mode of ['forward', 'forward+backward'] as const) {
      const at = (length: number) =>
        perToken(
          ssmCaseName('ssmForward', mode, {
            batch: 1,
            channels,
            stateSize,
            length,
          }),
        );
      add(
        {
          label: `ssmForward ${mode} time per token, L${longest} over L${shortest}`,
          unit: 'ratio',
          detail: `B1 H${channels} N${stateSize}; 1 means cost per token independent of length`,
        },
        ratio(at(longest), at(shortest)),
      );
    }
  }

  const model = sizes.model;
  const window = `B${model.batch} W${model.windowSize}`;
  const modelForward = median(`S4D model fwd ${window}`);
  const modelTrain = median(`S4D model train step ${window}`);
  add(
    {
      label: `S4D model forward, ${window}`,
      unit: 'seconds',
      detail: `embedDim ${model.embedDim}, hiddenSize ${model.hiddenSize}, stateSize ${model.stateSize}, numLayers ${model.numLayers}`,
    },
    modelForward,
  );
  add(
    {
      label: `S4D model training step, ${window}`,
      unit: 'seconds',
      detail: 'Adam, mean squared error, dropout on',
    },
    modelTrain,
  );
  for (const kind of ['GRU', 'LSTM']) {
    add(
      {
        label: `tfjs-layers ${kind} over S4D model, forward, ${window}`,
        unit: 'ratio',
        detail: `${kind} time over S4D time, so below 1 means the ${kind} is faster. One ${kind} layer of ${model.hiddenSize} units`,
      },
      ratio(median(`${kind} fwd ${window}`), modelForward),
    );
    add(
      {
        label: `tfjs-layers ${kind} over S4D model, training step, ${window}`,
        unit: 'ratio',
        detail: `${kind} time over S4D time, so below 1 means the ${kind} is faster. One ${kind} layer of ${model.hiddenSize} units`,
      },
      ratio(median(`${kind} train step ${window}`), modelTrain),
    );
  }

  const step = median('S4D model step B1');
  add(
    {
      label: 'S4D model step, one frame at B1',
      unit: 'seconds',
      detail: `project target at most ${STEP_FLOOR_SECONDS * 1000} ms`,
    },
    step,
  );
  add(
    {
      label: `recomputing the W${model.windowSize} window over one step`,
      unit: 'ratio',
      detail: 'how many times slower a full forward at B1 is than one step',
    },
    ratio(median(`S4D model recompute window B1 W${model.windowSize}`), step),
  );

  for (const label of ['ssmForward', 'plain ops']) {
    for (const mode of ['forward', 'forward+backward'] as const) {
      add(
        {
          label: `${label} CPU over WASM, ${mode}`,
          unit: 'ratio',
          detail: `CPU time over WASM time at B${sizes.backend.batch} H${sizes.backend.channels} N${sizes.backend.stateSize} L${sizes.backend.length}`,
        },
        ratio(
          median(ssmCaseName(label, mode, sizes.backend, 'cpu')),
          median(ssmCaseName(label, mode, sizes.backend)),
        ),
      );
    }
  }
  for (const result of cases) {
    const accuracy = result.metrics?.accuracy;
    if (result.suite !== 'mnist' || result.status !== 'ok') {
      continue;
    }
    add(
      {
        label: `${result.implementation} sequential MNIST test accuracy`,
        unit: 'fraction',
        detail:
          `after ${formatNumber(result.metrics?.trainSeconds)} s of ` +
          `training on ${formatNumber(result.metrics?.samples)} samples, ` +
          `length ${result.params.length}`,
      },
      accuracy,
    );
  }
  return highlights;
}
