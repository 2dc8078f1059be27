import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/optim/adamw.js';
import { clipByGlobalNorm, globalNorm } from '../src/optim/clip.js';

const tf = await initBackend();

/** Returns a map entry that the test expects to exist. */
function lookup<T>(map: Map<string, T>, name: string): T {
  const value = map.get(name);
  if (value === undefined) {
    throw new Error(`missing ${name}`);
  }
  return value;
}

/** Float64 AdamW with decoupled decay on one parameter vector. */
function adamwReference(
  start: number[],
  grads: number[][],
  lr: number,
  weightDecay: number,
  factors: number[],
): number[] {
  const p = [...start];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, index) => {
    const t = index + 1;
    const rate = lr * (factors[index] as number);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] as number;
      m[i] = 0.9 * (m[i] as number) + 0.1 * gi;
      v[i] = 0.999 * (v[i] as number) + 0.001 * gi * gi;
      const mHat = (m[i] as number) / (1 - 0.9 ** t);
      const vHat = (v[i] as number) / (1 - 0.999 ** t);
      p[i] =
        (p[i] as number) * (1 - rate * weightDecay) -
        (rate * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
  });
  return p;
}

function makeOptimizer() {
  const parameters = new Map<string, tfc.Variable>([
    ['a', tf.variable(tf.tensor1d([0.5, -1.0, 2.0]))],
    ['b', tf.variable(tf.tensor1d([1.5, 0.25]))],
  ]);
  const optimizer = new AdamW(tf, parameters, {
    groups: [
      { names: ['a'], learningRate: 0.01, weightDecay: 0.1 },
      { names: ['b'], learningRate: 0.001, weightDecay: 0 },
    ],
  });
  return { parameters, optimizer };
}

const gradsA = [
  [0.3, -0.2, 1.0],
  [0.1, 0.4, -0.5],
  [-0.7, 0.2, 0.05],
];
const gradsB = [
  [1.0, -2.0],
  [0.5, 0.5],
  [-1.0, 0.25],
];
const factors = [1, 0.5, 0.25];

function runSteps(optimizer: AdamW, from = 0) {
  for (let step = from; step < 3; step++) {
    const grads = new Map<string, tfc.Tensor>([
      ['a', tf.tensor1d(gradsA[step] as number[])],
      ['b', tf.tensor1d(gradsB[step] as number[])],
    ]);
    optimizer.apply(grads, factors[step] as number);
    tf.dispose([...grads.values()]);
  }
}

describe('AdamW', () => {
  it('matches a float64 reference per group', () => {
    const { parameters, optimizer } = makeOptimizer();
    runSteps(optimizer);
    const expectedA = adamwReference([0.5, -1, 2], gradsA, 0.01, 0.1, factors);
    const expectedB = adamwReference([1.5, 0.25], gradsB, 0.001, 0, factors);
    const actualA = [...lookup(parameters, 'a').dataSync()];
    const actualB = [...lookup(parameters, 'b').dataSync()];

    actualA.forEach((value, i) => {
      expect(Math.abs(value - (expectedA[i] as number))).toBeLessThan(1e-6);
    });
    actualB.forEach((value, i) => {
      expect(Math.abs(value - (expectedB[i] as number))).toBeLessThan(1e-6);
    });
  });

  it('resumes from saved state', () => {
    const whole = makeOptimizer();
    runSteps(whole.optimizer);

    const first = makeOptimizer();
    for (let step = 0; step < 1; step++) {
      const grads = new Map<string, tfc.Tensor>([
        ['a', tf.tensor1d(gradsA[step] as number[])],
        ['b', tf.tensor1d(gradsB[step] as number[])],
      ]);
      first.optimizer.apply(grads, factors[step] as number);
      tf.dispose([...grads.values()]);
    }
    const state = first.optimizer.getState();
    const second = makeOptimizer();
    lookup(second.parameters, 'a').assign(lookup(first.parameters, 'a'));
    lookup(second.parameters, 'b').assign(lookup(first.parameters, 'b'));
    second.optimizer.setState(state, 1);
    runSteps(second.optimizer, 1);

    expect([...lookup(second.parameters, 'a').dataSync()]).toEqual([
      ...lookup(whole.parameters, 'a').dataSync(),
    ]);
    tf.dispose([...state.values()]);
  });

  it('gives the same update on the CPU backend', async () => {
    const onWasm = makeOptimizer();
    runSteps(onWasm.optimizer);
    const expected = [...lookup(onWasm.parameters, 'a').dataSync()];

    await initBackend({ backend: 'cpu' });
    try {
      const onCpu = makeOptimizer();
      runSteps(onCpu.optimizer);
      const actual = [...lookup(onCpu.parameters, 'a').dataSync()];
      actual.forEach((value, i) => {
        expect(Math.abs(value - (expected[i] as number))).toBeLessThan(1e-7);
      });
    } finally {
      await initBackend({ backend: 'wasm' });
    }
  });

  it('rejects a gradient of another shape', () => {
    const { optimizer } = makeOptimizer();
    const grads = new Map<string, tfc.Tensor>([
      ['a', tf.tensor1d([1, 2])],
      ['b', tf.tensor1d([1, 2])],
    ]);

    expect(() => optimizer.apply(grads, 1)).toThrow(
      'AdamW.apply: the gradient of "a" must have shape [3], got [2].',
    );
    tf.dispose([...grads.values()]);
  });

  it('keeps the tensor count across steps', () => {
    const { optimizer } = makeOptimizer();
    runSteps(optimizer);
    const before = tf.memory().numTensors;
    runSteps(optimizer);

    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a parameter in no group', () => {
    const parameters = new Map([['a', tf.variable(tf.zeros([2]))]]);

    expect(() => new AdamW(tf, parameters, { groups: [] })).toThrow(
      'AdamW: parameter "a" is in no group.',
    );
  });

  it('rejects an unknown group name', () => {
    const parameters = new Map([['a', tf.variable(tf.zeros([2]))]]);
    const groups = [{ names: ['a', 'z'], learningRate: 1, weightDecay: 0 }];

    expect(() => new AdamW(tf, parameters, { groups })).toThrow(
      'AdamW: group parameter "z" is not a model parameter.',
    );
  });

  it('rejects state of another shape', () => {
    const { optimizer } = makeOptimizer();
    const state = optimizer.getState();
    state.set('a.m', tf.zeros([4]));

    expect(() => optimizer.setState(state, 1)).toThrow(
      'AdamW.setState: a.m must have shape [3], got [4].',
    );
  });
});

describe('clipByGlobalNorm', () => {
  const make = () =>
    new Map<string, tfc.Tensor>([
      ['x', tf.tensor1d([3, 0])],
      ['y', tf.tensor1d([0, 4])],
    ]);

  it('computes the global norm', () => {
    expect(globalNorm(tf, make())).toBeCloseTo(5, 5);
  });

  it('scales down to the limit', () => {
    const { grads, norm } = clipByGlobalNorm(tf, make(), 1);

    expect(norm).toBeCloseTo(5, 5);
    expect([...lookup(grads, 'x').dataSync()][0]).toBeCloseTo(0.6, 6);
    expect(globalNorm(tf, grads)).toBeCloseTo(1, 5);
  });

  it('leaves gradients under the limit', () => {
    const input = make();
    const { grads } = clipByGlobalNorm(tf, input, 10);

    expect(grads).toBe(input);
  });
});
