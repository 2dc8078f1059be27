import type * as tfc from '@tensorflow/tfjs-core';
import type { SequenceModel, Tf } from './contracts.js';
import type { Batch, SequenceSet, Task } from './data/dataset.js';
import { gatherBatch } from './data/dataset.js';
import { Rng } from './rng.js';

/** Loss and gradients of one batch, before averaging or applying. */
export interface Gradients {
  /** Mean loss over the batch. */
  loss: number;
  /** Number of sequences the loss and gradients average over. */
  size: number;
  /** Gradient of the mean loss for every parameter; the caller disposes. */
  grads: Map<string, tfc.Tensor>;
}

/** Metrics of a model on a set of sequences. */
export interface EvalMetrics {
  /** Mean cross-entropy (classification) or mean squared error (regression). */
  loss: number;
  /** Fraction of correct classes (classification only). */
  accuracy?: number;
}

/**
 * An S4D encoder with a dense head on its output, `logits = h W + b` with
 * `W` `[hiddenSize, outputs]`: softmax cross-entropy over the classes for
 * classification, mean squared error on one output for regression.
 */
export class Learner {
  private readonly headWeight: tfc.Variable;
  private readonly headBias: tfc.Variable;

  /**
   * @param model The encoder; the learner owns it from now on.
   * @param outputs Number of classes, or 1 for regression.
   * @param seed Seed of the head's initialization.
   */
  constructor(
    private readonly tf: Tf,
    readonly model: SequenceModel,
    readonly task: Task,
    readonly outputs: number,
    seed: number,
  ) {
    const hidden = model.config.hiddenSize;
    const rng = new Rng(seed);
    const limit = Math.sqrt(6 / (hidden + outputs));
    const weights = new Float32Array(hidden * outputs);
    for (let i = 0; i < weights.length; i++) {
      weights[i] = (2 * rng.next() - 1) * limit;
    }
    const initialWeight = tf.tensor2d(weights, [hidden, outputs]);
    const initialBias = tf.zeros([outputs]);
    this.headWeight = tf.variable(initialWeight, true);
    this.headBias = tf.variable(initialBias, true);
    tf.dispose([initialWeight, initialBias]);
  }

  /** The encoder's parameters plus `head.weight` and `head.bias`, by name. */
  parameters(): Map<string, tfc.Variable> {
    const parameters = new Map(this.model.parameters());
    parameters.set('head.weight', this.headWeight);
    parameters.set('head.bias', this.headBias);
    return parameters;
  }

  /** The model's SSM group, and every other parameter including the head. */
  parameterGroups(): { ssm: string[]; other: string[] } {
    const groups = this.model.parameterGroups();
    return {
      ssm: groups.ssm,
      other: [...groups.other, 'head.weight', 'head.bias'],
    };
  }

  /**
   * Runs the encoder and the head.
   *
   * @param inputs `[batch, length, features]`.
   * @returns Logits or predictions `[batch, outputs]`.
   */
  forward(
    inputs: tfc.Tensor3D,
    training: boolean,
    seed?: number,
  ): tfc.Tensor2D {
    const tf = this.tf;
    const options = seed === undefined ? { training } : { training, seed };
    const encoded = this.model.apply(inputs, options) as tfc.Tensor2D;
    const output = tf.add(tf.matMul(encoded, this.headWeight), this.headBias);
    return output as tfc.Tensor2D;
  }

  /**
   * Returns the mean loss of `[batch, outputs]` predictions against
   * `[batch]` targets (class indices or standardized values).
   */
  loss(predictions: tfc.Tensor2D, targets: tfc.Tensor1D): tfc.Scalar {
    const tf = this.tf;
    if (this.task === 'regression') {
      return tf.mean(
        tf.square(tf.sub(tf.reshape(predictions, [-1]), targets)),
      ) as tfc.Scalar;
    }
    const labels = tf.oneHot(tf.cast(targets, 'int32'), this.outputs);
    const logProbabilities = tf.logSoftmax(predictions);
    return tf.neg(
      tf.mean(tf.sum(tf.mul(labels, logProbabilities), -1)),
    ) as tfc.Scalar;
  }

  /**
   * Computes the mean loss of a batch and its gradients in training mode,
   * with dropout masks drawn from `seed`.
   */
  computeGradients(
    batch: Batch,
    length: number,
    features: number,
    seed: number,
  ): Gradients {
    const tf = this.tf;
    const parameters = this.parameters();
    const names = [...parameters.keys()];
    const { value, grads } = tf.tidy(() => {
      const inputs = tf.tensor3d(batch.inputs, [batch.size, length, features]);
      const targets = tf.tensor1d(batch.targets);
      return tf.variableGrads(
        () => this.loss(this.forward(inputs, true, seed), targets),
        names.map((name) => parameters.get(name) as tfc.Variable),
      );
    });
    const loss = (value.dataSync() as Float32Array)[0] as number;
    value.dispose();

    const byName = new Map<string, tfc.Tensor>();
    for (const [variableName, grad] of Object.entries(grads)) {
      byName.set(variableName, grad);
    }
    const result = new Map<string, tfc.Tensor>();
    for (const name of names) {
      const variable = parameters.get(name) as tfc.Variable;
      const grad = byName.get(variable.name);
      result.set(name, grad ?? tf.zerosLike(variable));
    }
    return { loss, size: batch.size, grads: result };
  }

  /**
   * Evaluates in batches of `batchSize`, without dropout, on the sequences
   * `[range.start, range.end)` of a set (by default all of them).
   */
  evaluate(
    set: SequenceSet,
    batchSize: number,
    range: { start: number; end: number } = { start: 0, end: set.count },
  ): EvalMetrics {
    const tf = this.tf;
    const count = Math.max(0, range.end - range.start);
    let lossSum = 0;
    let correct = 0;
    for (let start = range.start; start < range.end; start += batchSize) {
      const size = Math.min(batchSize, range.end - start);
      const indices = Array.from({ length: size }, (_, i) => start + i);
      const batch = gatherBatch(set, indices);
      const [lossValue, predicted] = tf.tidy(() => {
        const inputs = tf.tensor3d(batch.inputs, [
          size,
          set.length,
          set.features,
        ]);
        const targets = tf.tensor1d(batch.targets);
        const predictions = this.forward(inputs, false);
        const loss = this.loss(predictions, targets);
        const classes =
          this.task === 'classification'
            ? tf.argMax(predictions, -1)
            : tf.zeros([size]);
        return [loss, classes];
      });
      lossSum += ((readValues(lossValue) as Float32Array)[0] as number) * size;
      if (this.task === 'classification') {
        const classes = readValues(predicted);
        for (let i = 0; i < size; i++) {
          if (classes[i] === batch.targets[i]) {
            correct++;
          }
        }
      }
      lossValue.dispose();
      predicted.dispose();
    }
    const metrics: EvalMetrics = { loss: lossSum / Math.max(1, count) };
    if (this.task === 'classification') {
      metrics.accuracy = correct / Math.max(1, count);
    }
    return metrics;
  }

  /** Releases the model and the head. */
  dispose(): void {
    this.model.dispose();
    this.headWeight.dispose();
    this.headBias.dispose();
  }
}

function readValues(tensor: tfc.Tensor): ArrayLike<number> {
  return tensor.dataSync() as ArrayLike<number>;
}
