import { initBackend } from '@s4d/runtime';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { build, ModelError } from '../src/index.js';

const tf = await initBackend();

function maxAbs(a: Tensor, b: Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN,
  );
}

const small = {
  embedDim: 4,
  hiddenSize: 16,
  stateSize: 8,
  numLayers: 2,
  seqLen: null,
};

describe('apply with lengths', () => {
  it('takes the last valid position for output last', () => {
    const model = build({ ...small, output: 'last' });
    const x = tf.randomNormal([2, 20, 4], 0, 1, 'float32', 1);
    const padded = model.apply(x, { lengths: [20, 13] });
    const truncated = model.apply(tf.slice(x, [1, 0, 0], [1, 13, 4]));
    const second = tf.slice(padded, [1, 0], [1, 16]);

    expect(maxAbs(second, truncated)).toBeLessThan(1e-5);
    tf.dispose([x, padded, truncated, second]);
    model.dispose();
  });

  it('averages only valid positions for output mean', () => {
    const model = build({ ...small, output: 'mean' });
    const x = tf.randomNormal([2, 20, 4], 0, 1, 'float32', 2);
    const padded = model.apply(x, { lengths: [20, 9] });
    const truncated = model.apply(tf.slice(x, [1, 0, 0], [1, 9, 4]));
    const second = tf.slice(padded, [1, 0], [1, 16]);

    expect(maxAbs(second, truncated)).toBeLessThan(1e-5);
    tf.dispose([x, padded, truncated, second]);
    model.dispose();
  });

  it('rejects lengths out of range', () => {
    const model = build(small);
    const x = tf.zeros([2, 10, 4]);

    expect(() => model.apply(x, { lengths: [10, 11] })).toThrow(
      'apply: options.lengths[1] must be an integer in [1, 10], got 11.',
    );
    expect(() => model.apply(x, { lengths: [10] })).toThrow(
      'apply: options.lengths must have one entry per sequence (2), got 1.',
    );
    x.dispose();
    model.dispose();
  });
});

describe('apply input checks', () => {
  it('rejects a wrong rank', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const x = tf.zeros([60, 4]);

    expect(() => model.apply(x)).toThrow(ModelError);
    expect(() => model.apply(x)).toThrow(
      'apply: x must have rank 3, [batch, length, 4], got shape [60,4].',
    );
    x.dispose();
    model.dispose();
  });

  it('rejects a wrong embedDim', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const x = tf.zeros([1, 60, 5]);

    expect(() => model.apply(x)).toThrow(
      'apply: x must have embedDim 4 on its last axis, got shape [1,60,5].',
    );
    x.dispose();
    model.dispose();
  });

  it('rejects a length other than a fixed seqLen', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
      windowSize: 30,
    });
    const x = tf.zeros([1, 31, 4]);

    expect(() => model.apply(x)).toThrow(
      'apply: x must have length 30 (config.seqLen), got 31; build the model with seqLen: null for any length.',
    );
    x.dispose();
    model.dispose();
  });

  it('rejects use after dispose', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    model.dispose();
    const x = tf.zeros([1, 60, 4]);

    expect(() => model.apply(x)).toThrow('apply: the model was disposed.');
    x.dispose();
  });
});

describe('apply modes', () => {
  it('is deterministic in inference', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
      dropout: 0.5,
    });
    const x = tf.randomNormal([2, 60, 4], 0, 1, 'float32', 3);
    const first = model.apply(x);
    const second = model.apply(x);

    expect(maxAbs(first, second)).toBe(0);
    tf.dispose([x, first, second]);
    model.dispose();
  });

  it('drops out only in training', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
      dropout: 0.5,
    });
    const x = tf.randomNormal([2, 60, 4], 0, 1, 'float32', 4);
    const inference = model.apply(x);
    const training = model.apply(x, { training: true, seed: 1 });
    const repeated = model.apply(x, { training: true, seed: 1 });

    expect(maxAbs(inference, training)).toBeGreaterThan(1e-3);
    expect(maxAbs(training, repeated)).toBe(0);
    tf.dispose([x, inference, training, repeated]);
    model.dispose();
  });
});

describe('training', () => {
  it('sends a gradient to every parameter', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
    });
    const x = tf.randomNormal([3, 60, 4], 0, 1, 'float32', 5);
    const target = tf.randomNormal([3, 16], 0, 1, 'float32', 6);
    const variables = [...model.parameters().values()];
    const { grads } = tf.variableGrads(
      () =>
        tf.mean(
          tf.square(
            tf.sub(model.apply(x, { training: true, seed: 2 }), target),
          ),
        ) as Scalar,
      variables,
    );

    for (const [name, variable] of model.parameters()) {
      const gradient = grads[variable.name];
      const norm =
        gradient === undefined
          ? 0
          : tf.tidy(() => tf.sum(tf.abs(gradient)).dataSync()[0] ?? 0);
      expect({ name, nonZero: norm > 0 }).toEqual({ name, nonZero: true });
    }
    tf.dispose([x, target, ...Object.values(grads)]);
    model.dispose();
  });

  it('leaks no tensors over apply and training steps', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
    });
    const x = tf.randomNormal([2, 60, 4], 0, 1, 'float32', 7);
    const target = tf.zeros([2, 16]);
    const optimizer = tf.train.adam(1e-3);
    const loss = () =>
      tf.mean(
        tf.square(tf.sub(model.apply(x, { training: true }), target)),
      ) as Scalar;
    tf.dispose(model.apply(x));
    tf.dispose(optimizer.minimize(loss, true) ?? []);
    const before = tf.memory().numTensors;

    for (let i = 0; i < 3; i++) {
      tf.dispose(model.apply(x));
      tf.dispose(optimizer.minimize(loss, true) ?? []);
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, target]);
    optimizer.dispose();
    model.dispose();
  });
});
