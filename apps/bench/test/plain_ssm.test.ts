import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDftPlan,
  initPlainSsmParams,
  type PlainSsmParams,
  plainCausalConv,
  plainSsmForward,
  plainSsmKernel,
} from '../src/baselines/plain_ssm.js';

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

interface Float64Params {
  logDt: number[];
  logAReal: number[][];
  aImag: number[][];
  c: number[][][];
  d: number[];
}

async function toFloat64(params: PlainSsmParams): Promise<Float64Params> {
  return {
    logDt: (await params.logDt.array()) as number[],
    logAReal: (await params.logAReal.array()) as number[][],
    aImag: (await params.aImag.array()) as number[][],
    c: (await params.c.array()) as number[][][],
    d: (await params.d.array()) as number[],
  };
}

/**
 * Computes the ZOH kernel in float64, with Abar^l built by repeated complex
 * multiplication instead of the exp, cos and sin of the code under test.
 */
function kernelFloat64(p: Float64Params, length: number): number[][] {
  return p.logDt.map((logDt, h) => {
    const dt = Math.exp(logDt);
    const kernel = new Array<number>(length).fill(0);
    const modes = p.aImag[h]?.length ?? 0;
    for (let n = 0; n < modes; n++) {
      const aRe = -Math.exp(p.logAReal[h]?.[n] ?? 0);
      const aIm = p.aImag[h]?.[n] ?? 0;
      const growth = Math.exp(dt * aRe);
      const barRe = growth * Math.cos(dt * aIm);
      const barIm = growth * Math.sin(dt * aIm);
      // Bbar = (Abar - 1) / A.
      const norm = aRe * aRe + aIm * aIm;
      const bRe = ((barRe - 1) * aRe + barIm * aIm) / norm;
      const bIm = (barIm * aRe - (barRe - 1) * aIm) / norm;
      const [cRe = 0, cIm = 0] = p.c[h]?.[n] ?? [];
      let wRe = cRe * bRe - cIm * bIm;
      let wIm = cRe * bIm + cIm * bRe;
      for (let l = 0; l < length; l++) {
        kernel[l] = (kernel[l] ?? 0) + 2 * wRe;
        const nextRe = wRe * barRe - wIm * barIm;
        wIm = wRe * barIm + wIm * barRe;
        wRe = nextRe;
      }
    }
    return kernel;
  });
}

/** Direct causal convolution in float64, [batch][length][channels]. */
function convFloat64(u: number[][][], kernel: number[][]): number[][][] {
  return u.map((sequence) =>
    sequence.map((_, t) =>
      kernel.map((row, h) => {
        let total = 0;
        for (let s = 0; s <= t; s++) {
          total += (row[s] ?? 0) * (sequence[t - s]?.[h] ?? 0);
        }
        return total;
      }),
    ),
  );
}

function maxAbsDifference(a: number[], b: number[]): number {
  return Math.max(...a.map((value, i) => Math.abs(value - (b[i] ?? 0))));
}

describe('plainSsmKernel', () => {
  it('matches a float64 recurrence', async () => {
    const params = initPlainSsmParams(tf, {
      channels: 3,
      stateSize: 8,
      seed: 4,
    });
    const length = 20;
    const expected = kernelFloat64(await toFloat64(params), length).flat();
    const kernel = plainSsmKernel(tf, params, length);
    const actual = Array.from(await kernel.data());

    expect(kernel.shape).toEqual([3, length]);
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
    tf.dispose([kernel, ...Object.values(params)]);
  });
});

describe('plainCausalConv', () => {
  it('matches a direct sum', async () => {
    const u = tf.randomNormal([2, 12, 3], 0, 1, 'float32', 7) as tfc.Tensor3D;
    const kernel = tf.randomNormal([3, 12], 0, 1, 'float32', 8) as tfc.Tensor2D;
    const plan = createDftPlan(tf, 12);
    const expected = convFloat64(
      (await u.array()) as number[][][],
      (await kernel.array()) as number[][],
    ).flat(2);
    const y = plainCausalConv(tf, u, kernel, plan);
    const actual = Array.from(await y.data());

    expect(y.shape).toEqual([2, 12, 3]);
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
    tf.dispose([u, kernel, y, plan.forward, plan.inverse]);
  });

  it('rejects a kernel of another shape', () => {
    const u = tf.zeros([1, 4, 2]) as tfc.Tensor3D;
    const kernel = tf.zeros([3, 4]) as tfc.Tensor2D;
    const plan = createDftPlan(tf, 4);

    expect(() => plainCausalConv(tf, u, kernel, plan)).toThrow(
      'plainCausalConv: kernel must have shape [2, 4], got [3,4].',
    );
    tf.dispose([u, kernel, plan.forward, plan.inverse]);
  });

  it('rejects a plan for another length', () => {
    const u = tf.zeros([1, 4, 2]) as tfc.Tensor3D;
    const kernel = tf.zeros([2, 4]) as tfc.Tensor2D;
    const plan = createDftPlan(tf, 5);

    expect(() => plainCausalConv(tf, u, kernel, plan)).toThrow(
      'plainCausalConv: plan must be for length 4, got 5.',
    );
    tf.dispose([u, kernel, plan.forward, plan.inverse]);
  });
});

describe('plainSsmForward', () => {
  it('matches the float64 layer core', async () => {
    const params = initPlainSsmParams(tf, {
      channels: 2,
      stateSize: 4,
      seed: 1,
    });
    const u = tf.randomNormal([2, 10, 2], 0, 1, 'float32', 3) as tfc.Tensor3D;
    const plan = createDftPlan(tf, 10);
    const p = await toFloat64(params);
    const uValues = (await u.array()) as number[][][];
    const conv = convFloat64(uValues, kernelFloat64(p, 10));
    const expected = conv
      .map((sequence, b) =>
        sequence.map((row, t) =>
          row.map(
            (value, h) => value + (p.d[h] ?? 0) * (uValues[b]?.[t]?.[h] ?? 0),
          ),
        ),
      )
      .flat(2);
    const y = plainSsmForward(tf, u, params, plan);
    const actual = Array.from(await y.data());

    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
    tf.dispose([y, u, plan.forward, plan.inverse, ...Object.values(params)]);
  });

  it('has gradients that match finite differences', async () => {
    const params = initPlainSsmParams(tf, {
      channels: 2,
      stateSize: 4,
      seed: 2,
    });
    const u = tf.randomNormal([1, 6, 2], 0, 1, 'float32', 5) as tfc.Tensor3D;
    const plan = createDftPlan(tf, 6);
    const p = await toFloat64(params);
    const uValues = (await u.array()) as number[][][];
    const loss = (logDt: number[]) => {
      const kernel = kernelFloat64({ ...p, logDt }, 6);
      return convFloat64(uValues, kernel)
        .flat(2)
        .reduce((a, b) => a + b, 0);
    };
    const step = 1e-5;
    const expected = p.logDt.map((_, h) => {
      const plus = p.logDt.map((v, i) => (i === h ? v + step : v));
      const minus = p.logDt.map((v, i) => (i === h ? v - step : v));
      return (loss(plus) - loss(minus)) / (2 * step);
    });

    const gradient = tf.grad((logDt: tfc.Tensor) =>
      tf.sum(
        plainSsmForward(
          tf,
          u,
          { ...params, logDt: logDt as tfc.Tensor1D },
          plan,
        ),
      ),
    )(params.logDt);
    const actual = Array.from(await gradient.data());

    for (const [h, value] of expected.entries()) {
      expect(actual[h]).toBeCloseTo(value, 2);
    }
    tf.dispose([
      gradient,
      u,
      plan.forward,
      plan.inverse,
      ...Object.values(params),
    ]);
  });

  it('leaks no tensor across calls', () => {
    const params = initPlainSsmParams(tf, { channels: 2, stateSize: 4 });
    const u = tf.ones([1, 8, 2]) as tfc.Tensor3D;
    const plan = createDftPlan(tf, 8);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(plainSsmForward(tf, u, params, plan));
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([u, plan.forward, plan.inverse, ...Object.values(params)]);
  });
});

describe('initPlainSsmParams', () => {
  it('creates S4D-Lin shapes and values', async () => {
    const params = initPlainSsmParams(tf, { channels: 3, stateSize: 6 });
    const aImag = (await params.aImag.array()) as number[][];

    expect(params.logDt.shape).toEqual([3]);
    expect(params.logAReal.shape).toEqual([3, 3]);
    expect(params.c.shape).toEqual([3, 3, 2]);
    expect(params.d.shape).toEqual([3]);
    expect(aImag[1]?.[2]).toBeCloseTo(2 * Math.PI, 5);
    tf.dispose(Object.values(params));
  });

  it('rejects an odd state size', () => {
    expect(() => initPlainSsmParams(tf, { channels: 2, stateSize: 5 })).toThrow(
      'initPlainSsmParams: stateSize must be a positive even integer, got 5.',
    );
  });

  it('rejects zero channels', () => {
    expect(() => initPlainSsmParams(tf, { channels: 0, stateSize: 4 })).toThrow(
      'initPlainSsmParams: channels must be a positive integer, got 0.',
    );
  });
});

describe('createDftPlan', () => {
  it('rejects a non-integer length', () => {
    expect(() => createDftPlan(tf, 2.5)).toThrow(
      'createDftPlan: length must be a positive integer, got 2.5.',
    );
  });
});
