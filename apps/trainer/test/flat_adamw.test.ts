import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW, type ParameterGroup } from '../src/optim/adamw.js';
import { clipFactor } from '../src/optim/clip.js';
import {
  FlatAdamW,
  type FlatState,
  flatLayout,
} from '../src/optim/flat_adamw.js';

const tf = await initBackend();

const START = { a: [0.5, -1.0, 2.0], b: [1.5, 0.25] };
const GROUPS: ParameterGroup[] = [
  { names: ['a'], learningRate: 0.01, weightDecay: 0.1 },
  { names: ['b'], learningRate: 0.001, weightDecay: 0 },
];
const SLICES = [
  { name: 'a', offset: 0, size: 3 },
  { name: 'b', offset: 3, size: 2 },
];
const GRADS = [
  [0.3, -0.2, 1.0, 1.0, -2.0],
  [0.1, 0.4, -0.5, 0.5, 0.5],
  [-0.7, 0.2, 0.05, -1.0, 0.25],
];
const FACTORS = [1, 0.5, 0.25];

function flatState(): FlatState {
  return {
    parameters: Float32Array.from([...START.a, ...START.b]),
    m: new Float32Array(5),
    v: new Float32Array(5),
  };
}

describe('FlatAdamW', () => {
  it('gives the same parameters as AdamW on tensors', () => {
    const parameters = new Map<string, tfc.Variable>([
      ['a', tf.variable(tf.tensor1d(START.a))],
      ['b', tf.variable(tf.tensor1d(START.b))],
    ]);
    const tensors = new AdamW(tf, parameters, { groups: GROUPS });
    const flat = new FlatAdamW(SLICES, GROUPS);
    const state = flatState();

    GRADS.forEach((grad, step) => {
      const grads = new Map<string, tfc.Tensor>([
        ['a', tf.tensor1d(grad.slice(0, 3))],
        ['b', tf.tensor1d(grad.slice(3))],
      ]);
      tensors.apply(grads, FACTORS[step] as number);
      tf.dispose([...grads.values()]);
      flat.apply(
        state,
        Float32Array.from(grad),
        FACTORS[step] as number,
        step + 1,
      );
    });

    const expected = [
      ...(parameters.get('a') as tfc.Variable).dataSync(),
      ...(parameters.get('b') as tfc.Variable).dataSync(),
    ];
    expect([...state.parameters]).toEqual(expected);
    tensors.dispose();
    tf.dispose([...parameters.values()]);
  });

  it('gives the same result when ranges split the update', () => {
    const whole = flatState();
    const split = flatState();
    const optimizer = new FlatAdamW(SLICES, GROUPS);

    GRADS.forEach((values, step) => {
      const grad = Float32Array.from(values);
      const factor = FACTORS[step] as number;
      optimizer.apply(whole, grad, factor, step + 1);
      // The cut at 2 falls inside parameter a.
      optimizer.apply(split, grad, factor, step + 1, 0, 2);
      optimizer.apply(split, grad, factor, step + 1, 2, 5);
    });

    expect([...split.parameters]).toEqual([...whole.parameters]);
    expect([...split.m]).toEqual([...whole.m]);
    expect([...split.v]).toEqual([...whole.v]);
  });

  it('rejects a parameter that is in no group', () => {
    expect(
      () =>
        new FlatAdamW([...SLICES, { name: 'c', offset: 5, size: 1 }], GROUPS),
    ).toThrow('FlatAdamW: parameter "c" is in no group.');
  });
});

describe('flatLayout', () => {
  it('places parameters end to end', () => {
    const sizes = new Map([
      ['a', { size: 3 }],
      ['b', { size: 2 }],
    ]);

    expect(flatLayout(['a', 'b'], sizes)).toEqual({
      slices: SLICES,
      total: 5,
    });
  });
});

describe('clipFactor', () => {
  it('scales a norm above the limit down to it', () => {
    expect(clipFactor(5, 1)).toBeCloseTo(0.2, 12);
  });

  it('keeps small norms and a zero limit', () => {
    expect(clipFactor(1, 1)).toBe(1);
    expect(clipFactor(0.5, 1)).toBe(1);
    expect(clipFactor(5, 0)).toBe(1);
  });
});
