import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectTensors, mapTensors } from '../src/cases/bench_case.js';

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

describe('collectTensors', () => {
  it('finds tensors in nested containers once', () => {
    const a = tf.zeros([1]);
    const b = tf.ones([2]);
    const found = collectTensors(tf, {
      a,
      list: [b, a],
      map: new Map([['b', b]]),
      label: 'text',
    });

    expect(found).toEqual([a, b]);
    tf.dispose([a, b]);
  });

  it('skips class instances', () => {
    const a = tf.zeros([1]);
    class Holder {
      constructor(readonly tensor: tfc.Tensor) {}
    }
    expect(collectTensors(tf, new Holder(a))).toEqual([]);
    a.dispose();
  });
});

describe('mapTensors', () => {
  it('replaces tensors and keeps other values', () => {
    const a = tf.zeros([1]);
    const b = tf.ones([1]);
    const copy = mapTensors(tf, { a, n: 3, list: [a] }, () => b) as {
      a: tfc.Tensor;
      n: number;
      list: tfc.Tensor[];
    };

    expect(copy.a).toBe(b);
    expect(copy.n).toBe(3);
    expect(copy.list[0]).toBe(b);
    tf.dispose([a, b]);
  });
});
