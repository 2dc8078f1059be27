import type * as tfc from '@tensorflow/tfjs-core';
import {
  createRecurrentModel,
  type RecurrentKind,
  recurrentFlops,
  trainableVariables,
} from '../baselines/recurrent.js';
import { FORWARD_BACKWARD_FACTOR, ssmFftFlops } from '../flops.js';
import type { Workload } from '../timing.js';
import {
  type BenchCase,
  CaseSkipped,
  collectTensors,
  type Tf,
} from './bench_case.js';
import type { ModelApi, ModelLike } from './workspace.js';

/** The model package as loaded at run time, or why it is missing. */
export type ModelSource = { api: ModelApi } | { missing: string };

/** Sizes of the model cases. */
export interface ModelSizes {
  embedDim: number;
  hiddenSize: number;
  stateSize: number;
  numLayers: number;
  /** Window length of the batched cases and of the recompute case. */
  windowSize: number;
  batch: number;
}

const SUITE = 'model';
const LEARNING_RATE = 1e-3;

/**
 * Describes the model suite: the S4D model's forward pass and training step
 * at `sizes.batch`, its per-frame `step` at batch 1 against recomputing the
 * whole window, and tfjs-layers GRU and LSTM models of the same width on the
 * same input.
 *
 * @param model The loaded model package, or why it is missing; a missing
 *   package makes the S4D cases skip.
 * @param sizes Model and input sizes.
 * @returns The cases, in run order.
 */
export function modelCases(model: ModelSource, sizes: ModelSizes): BenchCase[] {
  const { batch, windowSize } = sizes;
  const options = modelOptions(sizes);
  const params = { ...options, batch };
  const tokens = batch * windowSize;
  const flops = (batchSize: number) => modelFlops(model, sizes, batchSize);

  const cases: BenchCase[] = [
    {
      suite: SUITE,
      group: 'forward and training',
      name: `S4D model fwd B${batch} W${windowSize}`,
      implementation: '@s4d/model',
      params,
      tokens,
      ...flops(batch),
      setup: (tf) => {
        const built = buildModel(model, options);
        const x = randomInput(tf, batch, windowSize, sizes.embedDim);
        return {
          run: () => tf.tidy(() => built.apply(x, { training: false })),
          dispose: () => disposeAll(tf, built, [x]),
        };
      },
    },
    {
      suite: SUITE,
      group: 'forward and training',
      name: `S4D model train step B${batch} W${windowSize}`,
      implementation: '@s4d/model',
      params: { ...params, optimizer: 'adam' },
      tokens,
      ...scaled(flops(batch), FORWARD_BACKWARD_FACTOR),
      setup: (tf) => {
        const built = buildModel(model, options);
        const variables = [...built.parameters().values()];
        return trainingWorkload(tf, sizes, variables, built, (x) =>
          single(built.apply(x, { training: true })),
        );
      },
    },
    {
      suite: SUITE,
      group: 'streaming at batch 1',
      name: 'S4D model step B1',
      implementation: '@s4d/model',
      params: { ...options, batch: 1 },
      tokens: 1,
      setup: (tf) => stepWorkload(tf, buildModel(model, options), sizes),
    },
    {
      suite: SUITE,
      group: 'streaming at batch 1',
      name: `S4D model recompute window B1 W${windowSize}`,
      implementation: '@s4d/model',
      params: { ...options, batch: 1 },
      tokens: windowSize,
      ...flops(1),
      setup: (tf) => {
        const built = buildModel(model, options);
        const x = randomInput(tf, 1, windowSize, sizes.embedDim);
        return {
          run: () => tf.tidy(() => built.apply(x, { training: false })),
          dispose: () => disposeAll(tf, built, [x]),
        };
      },
    },
  ];

  for (const kind of ['gru', 'lstm'] as const) {
    cases.push(...recurrentCases(kind, sizes));
  }
  return cases;
}

function recurrentCases(kind: RecurrentKind, sizes: ModelSizes): BenchCase[] {
  const { batch, windowSize } = sizes;
  const recurrent = {
    kind,
    inputSize: sizes.embedDim,
    units: sizes.hiddenSize,
    length: windowSize,
  };
  const label = kind.toUpperCase();
  const params = {
    embedDim: sizes.embedDim,
    hiddenSize: sizes.hiddenSize,
    windowSize,
    batch,
  };
  const flops = recurrentFlops(recurrent, batch);

  return [
    {
      suite: SUITE,
      group: 'forward and training',
      name: `${label} fwd B${batch} W${windowSize}`,
      implementation: `tfjs-layers ${label}`,
      params,
      tokens: batch * windowSize,
      flops,
      flopsModel: 'gate matMuls',
      setup: (tf) => {
        const layers = createRecurrentModel(recurrent);
        const x = randomInput(tf, batch, windowSize, sizes.embedDim);
        return {
          run: () => tf.tidy(() => single(layers.predict(x))),
          dispose: () => {
            tf.dispose(x);
            layers.dispose();
          },
        };
      },
    },
    {
      suite: SUITE,
      group: 'forward and training',
      name: `${label} train step B${batch} W${windowSize}`,
      implementation: `tfjs-layers ${label}`,
      params: { ...params, optimizer: 'adam' },
      tokens: batch * windowSize,
      flops: flops * FORWARD_BACKWARD_FACTOR,
      flopsModel: 'gate matMuls',
      setup: (tf) => {
        const layers = createRecurrentModel(recurrent);
        return trainingWorkload(
          tf,
          sizes,
          trainableVariables(layers),
          { dispose: () => layers.dispose() },
          (x) => single(layers.apply(x, { training: true }) as tfc.Tensor),
        );
      },
    },
  ];
}

function modelOptions(sizes: ModelSizes): Record<string, number> {
  return {
    embedDim: sizes.embedDim,
    hiddenSize: sizes.hiddenSize,
    stateSize: sizes.stateSize,
    numLayers: sizes.numLayers,
    windowSize: sizes.windowSize,
  };
}

function buildModel(
  model: ModelSource,
  options: Record<string, number>,
): ModelLike {
  if ('missing' in model) {
    throw new CaseSkipped(model.missing);
  }
  return model.api.build(options, { seed: 0 });
}

/**
 * Estimates a model forward pass as 2 operations per parameter and token
 * plus the FFT convolution model of every SSM layer.
 */
function modelFlops(
  model: ModelSource,
  sizes: ModelSizes,
  batch: number,
): { flops?: number; flopsModel?: string } {
  if ('missing' in model) {
    return {};
  }
  const parameters = model.api.paramCount(modelOptions(sizes));
  const ssm = ssmFftFlops({
    batch,
    channels: sizes.hiddenSize,
    stateSize: sizes.stateSize,
    length: sizes.windowSize,
  });
  return {
    flops: 2 * parameters * batch * sizes.windowSize + sizes.numLayers * ssm,
    flopsModel: '2 per parameter and token, plus FFT convolution model',
  };
}

function scaled(
  estimate: { flops?: number; flopsModel?: string },
  factor: number,
): { flops?: number; flopsModel?: string } {
  return estimate.flops === undefined
    ? estimate
    : { ...estimate, flops: estimate.flops * factor };
}

function randomInput(
  tf: Tf,
  batch: number,
  length: number,
  features: number,
): tfc.Tensor3D {
  return tf.randomNormal(
    [batch, length, features],
    0,
    1,
    'float32',
    2,
  ) as tfc.Tensor3D;
}

/** Takes the one output tensor of a model call. */
function single(output: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
  const tensor = Array.isArray(output) ? output[0] : output;
  if (tensor === undefined) {
    throw new Error('model call returned no tensor');
  }
  return tensor;
}

function disposeAll(
  tf: Tf,
  owner: { dispose(): void },
  tensors: tfc.Tensor[],
): void {
  tf.dispose(tensors);
  owner.dispose();
}

/**
 * Builds one Adam step on a mean squared error against a fixed random
 * target, [batch, hiddenSize], from a fixed random input.
 */
function trainingWorkload(
  tf: Tf,
  sizes: ModelSizes,
  variables: tfc.Variable[],
  owner: { dispose(): void },
  apply: (x: tfc.Tensor3D) => tfc.Tensor,
): Workload {
  const x = randomInput(tf, sizes.batch, sizes.windowSize, sizes.embedDim);
  const target = tf.randomNormal([sizes.batch, sizes.hiddenSize], 0, 1);
  const optimizer = tf.train.adam(LEARNING_RATE);

  return {
    run: () => {
      const loss = optimizer.minimize(
        () => tf.mean(tf.squaredDifference(apply(x), target)) as tfc.Scalar,
        true,
        variables,
      );
      return loss ?? undefined;
    },
    dispose: () => {
      optimizer.dispose();
      disposeAll(tf, owner, [x, target]);
    },
  };
}

/**
 * Builds one `step` per run from the state the previous run left, so the
 * timed work is exactly one frame at batch 1.
 */
function stepWorkload(tf: Tf, built: ModelLike, sizes: ModelSizes): Workload {
  const frame = tf.randomNormal([1, sizes.embedDim], 0, 1) as tfc.Tensor2D;
  let state: unknown = built.initState(1);

  return {
    run: () => {
      const result = built.step(state as never, frame);
      const { output, next } = splitStepResult(tf, result);
      disposeState(tf, state, next);
      state = next;
      return output;
    },
    dispose: () => {
      disposeState(tf, state, undefined);
      disposeAll(tf, built, [frame]);
    },
  };
}

/**
 * Frees a model state through its own `dispose` method when it has one,
 * otherwise frees the tensors inside it that `keep` does not share.
 */
function disposeState(tf: Tf, state: unknown, keep: unknown): void {
  const disposable = state as { dispose?: unknown } | null;
  if (
    disposable !== null &&
    typeof disposable === 'object' &&
    typeof disposable.dispose === 'function'
  ) {
    (disposable as { dispose(): void }).dispose();
    return;
  }
  const shared = new Set(collectTensors(tf, keep));
  tf.dispose(collectTensors(tf, state).filter((t) => !shared.has(t)));
}

/**
 * Separates a `step` result into its output and the next state. It accepts
 * `[output, state]` and `{ output | y, state }`.
 */
function splitStepResult(
  tf: Tf,
  result: unknown,
): { output: tfc.Tensor; next: unknown } {
  if (Array.isArray(result) && result[0] instanceof tf.Tensor) {
    return { output: result[0], next: result[1] };
  }
  if (result !== null && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    const output = record.output ?? record.y;
    if (output instanceof tf.Tensor && 'state' in record) {
      return { output, next: record.state };
    }
  }
  throw new Error(
    'model.step returned neither [output, state] nor { output, state }',
  );
}
