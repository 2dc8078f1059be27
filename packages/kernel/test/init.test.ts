import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSsmParams, SsmError, type SsmInit } from '../src/index.js';

let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend();
});

const values = (tensor: Tensor) => Array.from(tensor.dataSync());

describe('initSsmParams', () => {
  it('gives LegS imaginary parts for N = 8', () => {
    const params = initSsmParams({ channels: 2, stateSize: 8, seed: 1 });
    const imag = values(params.aImag).slice(0, 4);
    const expected = [19.857, 5.354, 1.958, 0.427];

    expected.forEach((value, n) => {
      expect(imag[n]).toBeCloseTo(value, 3);
    });
    tf.dispose(Object.values(params));
  });

  it('gives LegS real parts of -1/2', () => {
    const params = initSsmParams({ channels: 2, stateSize: 8, seed: 1 });
    for (const logReal of values(params.logAReal)) {
      expect(-Math.exp(logReal)).toBeCloseTo(-0.5, 6);
    }
    tf.dispose(Object.values(params));
  });

  it('gives Inv imaginary parts for N = 8', () => {
    const params = initSsmParams({
      channels: 1,
      stateSize: 8,
      init: 'inv',
      seed: 1,
    });
    const imag = values(params.aImag);
    const expected = [17.825, 4.244, 1.528, 0.364];

    expected.forEach((value, n) => {
      expect(imag[n]).toBeCloseTo(value, 3);
    });
    tf.dispose(Object.values(params));
  });

  it('gives Lin imaginary parts pi * n', () => {
    const params = initSsmParams({
      channels: 1,
      stateSize: 8,
      init: 'lin',
      seed: 1,
    });
    const imag = values(params.aImag);

    imag.forEach((value, n) => {
      expect(value).toBeCloseTo(Math.PI * n, 5);
    });
    tf.dispose(Object.values(params));
  });

  it('gives Real A = -(n + 1)', () => {
    const params = initSsmParams({
      channels: 1,
      stateSize: 8,
      init: 'real',
      seed: 1,
    });
    const real = values(params.logAReal).map((x) => -Math.exp(x));

    real.forEach((value, n) => {
      expect(value).toBeCloseTo(-(n + 1), 5);
    });
    expect(values(params.aImag)).toEqual([0, 0, 0, 0]);
    tf.dispose(Object.values(params));
  });

  it('matches the LegS eigenvalues for N = 64', () => {
    // The normal part is -1/2 I + S with S skew-symmetric, so the largest
    // Im A squared is the largest eigenvalue of S^T S, found here by power
    // iteration.
    const stateSize = 64;
    const params = initSsmParams({ channels: 1, stateSize, seed: 1 });
    const imag = values(params.aImag);
    const skew = (n: number, k: number) =>
      n === k
        ? 0
        : (Math.sign(k - n) * Math.sqrt((2 * n + 1) * (2 * k + 1))) / 2;
    let vector = Array.from({ length: stateSize }, (_, i) => 1 + i / 7);
    let eigenvalue = 0;
    for (let iteration = 0; iteration < 2000; iteration++) {
      const sv = vector.map((_, n) =>
        vector.reduce((total, x, k) => total + skew(n, k) * x, 0),
      );
      const stsv = sv.map((_, n) =>
        sv.reduce((total, x, k) => total + skew(k, n) * x, 0),
      );
      const norm = Math.hypot(...stsv);
      eigenvalue = norm / Math.hypot(...vector);
      vector = stsv.map((x) => x / norm);
    }

    expect(imag[0]).toBeCloseTo(Math.sqrt(eigenvalue), 2);
    expect(imag.every((w, n) => n === 0 || w < (imag[n - 1] as number))).toBe(
      true,
    );
    tf.dispose(Object.values(params));
  });

  it('has the documented shapes', () => {
    const params = initSsmParams({
      channels: 3,
      stateSize: 10,
      seed: 2,
      withB: true,
    });

    expect(params.logDt.shape).toEqual([3]);
    expect(params.logAReal.shape).toEqual([3, 5]);
    expect(params.aImag.shape).toEqual([3, 5]);
    expect(params.c.shape).toEqual([3, 5, 2]);
    expect(params.d.shape).toEqual([3]);
    expect(params.b?.shape).toEqual([3, 5, 2]);
    tf.dispose(Object.values(params));
  });

  it('omits b without withB', () => {
    const params = initSsmParams({ channels: 3, stateSize: 10, seed: 2 });
    expect(params.b).toBeUndefined();
    tf.dispose(Object.values(params));
  });

  it('gives B = 1 for inv, lin and real', () => {
    for (const init of ['inv', 'lin', 'real'] as SsmInit[]) {
      const params = initSsmParams({
        channels: 2,
        stateSize: 4,
        init,
        seed: 3,
        withB: true,
      });
      expect(values(params.b as Tensor)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
      tf.dispose(Object.values(params));
    }
  });

  it('gives a real positive LegS B', () => {
    const params = initSsmParams({
      channels: 1,
      stateSize: 8,
      seed: 3,
      withB: true,
    });
    const b = values(params.b as Tensor);
    for (let n = 0; n < 4; n++) {
      expect(b[2 * n]).toBeGreaterThan(0);
      expect(b[2 * n + 1]).toBe(0);
    }
    tf.dispose(Object.values(params));
  });

  it('keeps the total LegS input energy', () => {
    // The eigenvectors are orthonormal and come in conjugate pairs, so
    // 2 * sum_n |B_n|^2 equals |B_hippo|^2 = sum_n (2n + 1) = N^2.
    const stateSize = 16;
    const params = initSsmParams({
      channels: 1,
      stateSize,
      seed: 3,
      withB: true,
    });
    const b = values(params.b as Tensor);
    const energy = 2 * b.reduce((total, x) => total + x * x, 0);

    expect(energy).toBeCloseTo(stateSize * stateSize, 2);
    tf.dispose(Object.values(params));
  });

  it('is deterministic for a seed', () => {
    const first = initSsmParams({ channels: 4, stateSize: 8, seed: 7 });
    const second = initSsmParams({ channels: 4, stateSize: 8, seed: 7 });
    const third = initSsmParams({ channels: 4, stateSize: 8, seed: 8 });

    expect(values(second.c)).toEqual(values(first.c));
    expect(values(second.logDt)).toEqual(values(first.logDt));
    expect(values(second.d)).toEqual(values(first.d));
    expect(values(third.c)).not.toEqual(values(first.c));
    tf.dispose([first, second, third].flatMap((p) => Object.values(p)));
  });

  it('draws logDt within [ln dtMin, ln dtMax]', () => {
    const params = initSsmParams({
      channels: 200,
      stateSize: 2,
      seed: 4,
      dtMin: 0.01,
      dtMax: 0.2,
    });
    const logDt = values(params.logDt);

    expect(Math.min(...logDt)).toBeGreaterThanOrEqual(Math.log(0.01) - 1e-6);
    expect(Math.max(...logDt)).toBeLessThanOrEqual(Math.log(0.2) + 1e-6);
    tf.dispose(Object.values(params));
  });

  it('draws C with variance 1/2 per part', () => {
    const params = initSsmParams({ channels: 100, stateSize: 200, seed: 5 });
    const c = values(params.c);
    const mean = c.reduce((total, x) => total + x, 0) / c.length;
    const variance =
      c.reduce((total, x) => total + (x - mean) ** 2, 0) / c.length;

    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 0.5)).toBeLessThan(0.01);
    tf.dispose(Object.values(params));
  });
});

describe('initSsmParams input checks', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'odd state size',
      { channels: 2, stateSize: 7 },
      /initSsmParams: stateSize must be a positive even integer, got 7\./,
    ],
    [
      'zero state size',
      { channels: 2, stateSize: 0 },
      /initSsmParams: stateSize must be a positive even integer, got 0\./,
    ],
    [
      'zero channels',
      { channels: 0, stateSize: 8 },
      /initSsmParams: channels must be a positive integer, got 0\./,
    ],
    [
      'unknown init',
      { channels: 2, stateSize: 8, init: 'fourier' },
      /initSsmParams: init must be one of 'legs', 'inv', 'lin', 'real', got 'fourier'\./,
    ],
    [
      'reversed step sizes',
      { channels: 2, stateSize: 8, dtMin: 0.1, dtMax: 0.01 },
      /initSsmParams: dtMin and dtMax must satisfy 0 < dtMin <= dtMax < Infinity, got dtMin 0\.1 and dtMax 0\.01\./,
    ],
    [
      'non-finite seed',
      { channels: 2, stateSize: 8, seed: Number.NaN },
      /initSsmParams: seed must be a finite number, got NaN\./,
    ],
  ];

  for (const [name, options, message] of cases) {
    it(`rejects ${name}`, () => {
      const attempt = () =>
        initSsmParams(
          options as unknown as Parameters<typeof initSsmParams>[0],
        );
      expect(attempt).toThrow(SsmError);
      expect(attempt).toThrow(message);
    });
  }
});
