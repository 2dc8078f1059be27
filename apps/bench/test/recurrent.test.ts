import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createRecurrentModel,
  recurrentFlops,
  trainableVariables,
} from '../src/baselines/recurrent.js';

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

describe('createRecurrentModel', () => {
  it('maps a sequence to its last output', () => {
    const model = createRecurrentModel({
      kind: 'gru',
      inputSize: 3,
      units: 5,
      length: 4,
    });
    const x = tf.ones([2, 4, 3]);
    const y = model.predict(x) as tfc.Tensor;

    expect(y.shape).toEqual([2, 5]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('shares the runtime tfjs-core and backend', () => {
    const before = tf.memory().numTensors;
    const model = createRecurrentModel({
      kind: 'lstm',
      inputSize: 2,
      units: 3,
      length: 2,
    });
    const variables = trainableVariables(model);

    expect(variables.length).toBe(3);
    for (const variable of variables) {
      expect(variable).toBeInstanceOf(tf.Variable);
    }
    expect(tf.memory().numTensors).toBe(before + 3);
    model.dispose();
  });

  it('rejects zero units', () => {
    expect(() =>
      createRecurrentModel({ kind: 'gru', inputSize: 2, units: 0, length: 2 }),
    ).toThrow(
      'createRecurrentModel: options.units must be a positive integer, got 0.',
    );
  });
});

describe('recurrentFlops', () => {
  it('counts three gates for a GRU', () => {
    const options = { kind: 'gru', inputSize: 3, units: 4, length: 5 } as const;
    expect(recurrentFlops(options, 2)).toBe(2 * 3 * 4 * 7 * 2 * 5);
  });

  it('counts four gates for an LSTM', () => {
    const options = {
      kind: 'lstm',
      inputSize: 3,
      units: 4,
      length: 5,
    } as const;
    expect(recurrentFlops(options, 1)).toBe(2 * 4 * 4 * 7 * 5);
  });
});
