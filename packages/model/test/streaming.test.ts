import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { build, ModelError } from '../src/index.js';

const tf = await initBackend();

function maxAbs(a: Tensor, b: Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN,
  );
}

/** Steps through every frame of x and stacks the outputs, [batch, length, hidden]. */
function stepAll(
  model: ReturnType<typeof build>,
  x: Tensor,
  start?: ReturnType<ReturnType<typeof build>['initState']>,
) {
  const [batch, length] = x.shape as [number, number, number];
  let state = start ?? model.initState(batch);
  const outputs: Tensor[] = [];
  for (let t = 0; t < length; t++) {
    const frame = tf.tidy(() =>
      tf.squeeze(tf.slice(x, [0, t, 0], [batch, 1, -1]), [1]),
    );
    const result = model.step(state, frame);
    frame.dispose();
    if (state !== start) state.dispose();
    state = result.state;
    outputs.push(result.output);
  }
  const stacked = tf.stack(outputs, 1);
  tf.dispose(outputs);
  return { stacked, state };
}

describe('step', () => {
  it('matches apply for the default config', () => {
    const sequence = build({ embedDim: 287, output: 'sequence' }, { seed: 3 });
    const x = tf.randomNormal([2, 60, 287], 0, 1, 'float32', 11);
    const expected = sequence.apply(x);
    const { stacked, state } = stepAll(sequence, x);

    expect(maxAbs(stacked, expected)).toBeLessThan(1e-4);
    tf.dispose([x, expected, stacked]);
    state.dispose();
    sequence.dispose();
  });

  it('continues after prefill', () => {
    const model = build({
      embedDim: 7,
      hiddenSize: 32,
      stateSize: 16,
      numLayers: 2,
      output: 'sequence',
      seqLen: null,
    });
    const x = tf.randomNormal([2, 50, 7], 0, 1, 'float32', 12);
    const expected = tf.slice(model.apply(x), [0, 30, 0], [2, 20, 32]);
    const prefix = tf.slice(x, [0, 0, 0], [2, 30, 7]);
    const rest = tf.slice(x, [0, 30, 0], [2, 20, 7]);
    const prefilled = model.prefill(prefix);
    const { stacked, state } = stepAll(model, rest, prefilled);

    expect(maxAbs(stacked, expected)).toBeLessThan(1e-4);
    tf.dispose([x, expected, prefix, rest, stacked]);
    prefilled.dispose();
    state.dispose();
    model.dispose();
  });

  it('returns the running mean for output mean', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 1,
      output: 'mean',
      seqLen: null,
    });
    const x = tf.randomNormal([2, 12, 4], 0, 1, 'float32', 13);
    const expected = model.apply(x);
    const { stacked, state } = stepAll(model, x);
    const last = tf.squeeze(tf.slice(stacked, [0, 11, 0], [2, 1, 16]), [1]);

    expect(maxAbs(last, expected)).toBeLessThan(1e-4);
    tf.dispose([x, expected, stacked, last]);
    state.dispose();
    model.dispose();
  });

  it('leaks no tensors over repeated frames', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
    });
    const frame = tf.randomNormal([1, 4]);
    let state = model.initState(1);
    const first = model.step(state, frame);
    state.dispose();
    state = first.state;
    first.output.dispose();
    const before = tf.memory().numTensors;

    for (let i = 0; i < 5; i++) {
      const result = model.step(state, frame);
      state.dispose();
      state = result.state;
      result.output.dispose();
    }

    expect(tf.memory().numTensors).toBe(before);
    state.dispose();
    frame.dispose();
    model.dispose();
  });

  it('rejects a state from another model', () => {
    const first = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const second = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const state = second.initState(1);
    const frame = tf.zeros([1, 4]);

    expect(() => first.step(state, frame)).toThrow(ModelError);
    expect(() => first.step(state, frame)).toThrow(
      'step: the state was not made by this model; create one with model.initState(batch).',
    );
    tf.dispose(frame);
    state.dispose();
    first.dispose();
    second.dispose();
  });

  it('rejects a frame of the wrong shape', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const state = model.initState(2);
    const frame = tf.zeros([2, 5]);

    expect(() => model.step(state, frame)).toThrow(
      'step: frame must have shape [2,4], got [2,5].',
    );
    tf.dispose(frame);
    state.dispose();
    model.dispose();
  });

  it('rejects a disposed state', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const state = model.initState(1);
    state.dispose();
    const frame = tf.zeros([1, 4]);

    expect(() => model.step(state, frame)).toThrow(
      'step: the state was disposed.',
    );
    tf.dispose(frame);
    model.dispose();
  });

  it('rejects a batch that is not a positive integer', () => {
    const model = build({
      embedDim: 4,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });

    expect(() => model.initState(0)).toThrow(
      'initState: batch must be a positive integer, got 0.',
    );
    model.dispose();
  });
});
