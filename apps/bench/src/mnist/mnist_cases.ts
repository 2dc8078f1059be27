import type * as tfc from '@tensorflow/tfjs-core';
import {
  createRecurrentModel,
  type RecurrentKind,
  trainableVariables,
} from '../baselines/recurrent.js';
import { type BenchCase, CaseSkipped, type Tf } from '../cases/bench_case.js';
import type { ModelSource } from '../cases/model_cases.js';
import type { Workload } from '../timing.js';
import { type DigitSet, loadDigits } from './data.js';

/** Settings of the sequential MNIST suite. */
export interface MnistOptions {
  quick: boolean;
  /** Training time per model, in seconds. */
  seconds: number;
}

/** Sizes of one sequential MNIST setting. */
interface MnistSizes {
  trainPerClass: number;
  testPerClass: number;
  pool: number;
  hiddenSize: number;
  stateSize: number;
  numLayers: number;
  batch: number;
}

const FULL: MnistSizes = {
  trainPerClass: 200,
  testPerClass: 50,
  pool: 4,
  hiddenSize: 64,
  stateSize: 64,
  numLayers: 2,
  batch: 32,
};

const QUICK: MnistSizes = {
  trainPerClass: 4,
  testPerClass: 2,
  pool: 7,
  hiddenSize: 8,
  stateSize: 4,
  numLayers: 1,
  batch: 8,
};

const LEARNING_RATE = 1e-3;
const CLASSES = 10;

/** A sequence encoder with its trainable variables. */
interface Encoder {
  /** [batch, length, 1] pixels to [batch, hiddenSize] features. */
  encode(x: tfc.Tensor3D, training: boolean): tfc.Tensor2D;
  variables: tfc.Variable[];
  dispose(): void;
}

/**
 * Describes the sequential MNIST suite: the S4D model, a tfjs-layers GRU
 * and an LSTM. Each trains from scratch for a fixed time on the same pixel
 * sequences of real MNIST digits (average-pooled, one pixel per step) and
 * is then scored on held-out digits. Each model ends in a dense layer
 * to 10 classes and trains with Adam on softmax cross-entropy.
 *
 * @param model The loaded model package, or why it is missing.
 * @param options Quick sizes or full, and the training time per model.
 * @returns One case per model; each runs once and reports `accuracy`.
 */
export function mnistCases(
  model: ModelSource,
  options: MnistOptions,
): BenchCase[] {
  const sizes = options.quick ? QUICK : FULL;
  const side = 28 / sizes.pool;
  const length = side * side;
  const params = {
    train: sizes.trainPerClass * CLASSES,
    test: sizes.testPerClass * CLASSES,
    length,
    hiddenSize: sizes.hiddenSize,
    batch: sizes.batch,
    budgetSeconds: options.seconds,
  };
  const describe = (label: string, implementation: string) => ({
    suite: 'mnist',
    group: 'sequential MNIST, fixed training time',
    name: `${label} sMNIST L${length}, ${options.seconds} s`,
    implementation,
    params,
    tokens: 0,
    runs: { warmup: 0, repeats: 1 },
    measureMemory: false,
  });

  const s4d: BenchCase = {
    ...describe('S4D model', '@s4d/model'),
    setup: (tf) => {
      if ('missing' in model) {
        throw new CaseSkipped(model.missing);
      }
      const built = model.api.build(
        {
          embedDim: 1,
          hiddenSize: sizes.hiddenSize,
          stateSize: sizes.stateSize,
          numLayers: sizes.numLayers,
          windowSize: length,
          dropout: 0,
        },
        { seed: 0 },
      );
      const encoder: Encoder = {
        encode: (x, training) => built.apply(x, { training }) as tfc.Tensor2D,
        variables: [...built.parameters().values()],
        dispose: () => built.dispose(),
      };
      return trainingRun(tf, encoder, sizes, options.seconds);
    },
  };

  const recurrent = (kind: RecurrentKind): BenchCase => ({
    ...describe(kind.toUpperCase(), `tfjs-layers ${kind.toUpperCase()}`),
    setup: (tf) => {
      const layers = createRecurrentModel({
        kind,
        inputSize: 1,
        units: sizes.hiddenSize,
        length,
      });
      const encoder: Encoder = {
        encode: (x, training) => layers.apply(x, { training }) as tfc.Tensor2D,
        variables: trainableVariables(layers),
        dispose: () => layers.dispose(),
      };
      return trainingRun(tf, encoder, sizes, options.seconds);
    },
  });

  return [s4d, recurrent('gru'), recurrent('lstm')];
}

/**
 * Builds the one run of a case: train for `seconds`, then score the test
 * digits. Its metrics are the test accuracy, the steps and samples trained
 * and the training seconds.
 */
function trainingRun(
  tf: Tf,
  encoder: Encoder,
  sizes: MnistSizes,
  seconds: number,
): Workload {
  const train = loadDigits({
    start: 0,
    perClass: sizes.trainPerClass,
    pool: sizes.pool,
  });
  const test = loadDigits({
    start: sizes.trainPerClass,
    perClass: sizes.testPerClass,
    pool: sizes.pool,
  });
  const weight = tf.variable(
    tf.randomNormal(
      [sizes.hiddenSize, CLASSES],
      0,
      1 / Math.sqrt(sizes.hiddenSize),
      'float32',
      5,
    ),
  );
  const bias = tf.variable(tf.zeros([CLASSES]));
  const variables = [...encoder.variables, weight, bias];
  const optimizer = tf.train.adam(LEARNING_RATE);
  const logits = (x: tfc.Tensor3D, training: boolean) =>
    tf.add(tf.matMul(encoder.encode(x, training), weight), bias);
  let metrics: Record<string, number> = {};

  return {
    run: () => {
      const started = performance.now();
      let steps = 0;
      while ((performance.now() - started) / 1000 < seconds) {
        const rows = batchRows(steps, sizes.batch, train.count);
        tf.tidy(() => {
          const [x, labels] = batchTensors(tf, train, rows);
          optimizer.minimize(
            () => crossEntropy(tf, logits(x, true), labels),
            false,
            variables,
          );
        });
        steps += 1;
      }
      const trainSeconds = (performance.now() - started) / 1000;

      metrics = {
        accuracy: accuracy(tf, test, (x) => logits(x, false)),
        steps,
        samples: steps * sizes.batch,
        trainSeconds,
      };
      return undefined;
    },
    metrics: () => metrics,
    dispose: () => {
      optimizer.dispose();
      tf.dispose([weight, bias]);
      encoder.dispose();
    },
  };
}

/** Rows of training batch `step`: a fixed stride walk through the set. */
function batchRows(step: number, batch: number, count: number): number[] {
  // A stride coprime with the interleaved class order mixes the classes
  // within each batch without a random generator.
  const stride = 7;
  return Array.from(
    { length: batch },
    (_, i) => ((step * batch + i) * stride) % count,
  );
}

function batchTensors(
  tf: Tf,
  set: DigitSet,
  rows: number[],
): [tfc.Tensor3D, tfc.Tensor2D] {
  const length = set.sequenceLength;
  const pixels = new Float32Array(rows.length * length);
  rows.forEach((row, i) => {
    pixels.set(
      set.pixels.subarray(row * length, (row + 1) * length),
      i * length,
    );
  });
  const labels = Int32Array.from(rows, (row) => set.labels[row] ?? 0);
  return [
    tf.tensor3d(pixels, [rows.length, length, 1]),
    tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) as tfc.Tensor2D,
  ];
}

function crossEntropy(
  tf: Tf,
  logits: tfc.Tensor,
  labels: tfc.Tensor2D,
): tfc.Scalar {
  const logProbabilities = tf.logSoftmax(logits);
  const perSample = tf.sum(tf.mul(labels, logProbabilities), 1);
  return tf.neg(tf.mean(perSample)) as tfc.Scalar;
}

function accuracy(
  tf: Tf,
  set: DigitSet,
  logits: (x: tfc.Tensor3D) => tfc.Tensor,
): number {
  const evaluationBatch = 100;
  let correct = 0;
  for (let start = 0; start < set.count; start += evaluationBatch) {
    const rows = Array.from(
      { length: Math.min(evaluationBatch, set.count - start) },
      (_, i) => start + i,
    );
    correct += tf.tidy(() => {
      const [x, labels] = batchTensors(tf, set, rows);
      const hits = tf.equal(tf.argMax(logits(x), 1), tf.argMax(labels, 1));
      return tf.sum(tf.cast(hits, 'int32')).dataSync()[0] ?? 0;
    });
  }
  return correct / set.count;
}
