import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeKernel,
  type Discretization,
  initSsmParams,
  SsmError,
  type SsmInit,
  type SsmParams,
} from '../src/index.js';
import {
  type ParamValues,
  referenceKernel,
  relativeError,
  testSignal,
  toValues,
} from './reference.js';

let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend();
});

const INITS: SsmInit[] = ['legs', 'inv', 'lin', 'real'];
const METHODS: Discretization[] = ['zoh', 'bilinear'];

function disposeParams(params: SsmParams): void {
  tf.dispose(Object.values(params));
}

describe('computeKernel', () => {
  for (const init of INITS) {
    for (const method of METHODS) {
      it(`matches the Vandermonde sum, ${init}, ${method}`, () => {
        const params = initSsmParams({
          channels: 3,
          stateSize: 16,
          init,
          seed: 11,
          withB: true,
          dtMin: 0.01,
          dtMax: 0.5,
        });
        const kernel = computeKernel(params, 300, { discretization: method });
        const expected = referenceKernel(toValues(params), 300, method).flat();

        expect(kernel.shape).toEqual([3, 300]);
        expect(relativeError(kernel.dataSync(), expected)).toBeLessThan(1e-5);
        kernel.dispose();
        disposeParams(params);
      });
    }
  }

  it('uses B = 1 when b is absent', () => {
    const params = initSsmParams({ channels: 2, stateSize: 8, seed: 3 });
    const kernel = computeKernel(params, 64);
    const expected = referenceKernel(toValues(params), 64, 'zoh').flat();

    expect(relativeError(kernel.dataSync(), expected)).toBeLessThan(1e-5);
    kernel.dispose();
    disposeParams(params);
  });

  for (const method of METHODS) {
    it(`stays accurate at length 16384, ${method}`, () => {
      // Small steps keep the slow modes alive to the end of the kernel, where
      // the power recurrence has taken 16383 multiplications. The reference
      // computes each power as exp(l * log Abar).
      const params = initSsmParams({
        channels: 2,
        stateSize: 64,
        seed: 5,
        dtMin: 0.0001,
        dtMax: 0.0002,
      });
      const length = 16384;
      const kernel = computeKernel(params, length, { discretization: method });
      const actual = kernel.dataSync();
      const expected = referenceKernel(toValues(params), length, method);
      const tailStart = length - 1024;

      for (let h = 0; h < 2; h++) {
        const row = expected[h] as number[];
        const actualRow = actual.subarray(h * length, (h + 1) * length);
        expect(relativeError(actualRow, row)).toBeLessThan(1e-5);
        expect(
          relativeError(actualRow.subarray(tailStart), row.slice(tailStart)),
        ).toBeLessThan(1e-5);
      }
      kernel.dispose();
      disposeParams(params);
    });
  }

  it('drops decayed modes exactly', () => {
    // S4D-Real with large steps: every mode falls below 1e-30 long before
    // the end of the kernel, the fastest within a few dozen positions, while
    // the reference sums every position.
    const length = 4096;
    const params = initSsmParams({
      channels: 2,
      stateSize: 64,
      init: 'real',
      seed: 8,
      dtMin: 0.05,
      dtMax: 0.1,
    });
    const kernel = computeKernel(params, length);
    const expected = referenceKernel(toValues(params), length, 'zoh').flat();

    expect(relativeError(kernel.dataSync(), expected)).toBeLessThan(1e-5);
    kernel.dispose();
    disposeParams(params);
  });

  it('keeps the tensor count stable', () => {
    const params = initSsmParams({ channels: 2, stateSize: 8, seed: 3 });
    tf.dispose(computeKernel(params, 32));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(computeKernel(params, 32));
    }

    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });

  it('keeps the tensor count stable with gradients', () => {
    const params = initSsmParams({
      channels: 2,
      stateSize: 8,
      seed: 3,
      withB: true,
    });
    const loss = (logDt: Tensor, c: Tensor) =>
      tf.sum(
        tf.square(computeKernel({ ...params, logDt, c } as SsmParams, 32)),
      );
    const gradient = tf.grads(loss);
    tf.dispose(gradient([params.logDt, params.c]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(gradient([params.logDt, params.c]));
    }

    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });
});

/** sum_(h, l) w[h, l] K[h, l] in float64, for finite differences. */
function weightedKernel(
  values: ParamValues,
  weights: number[],
  length: number,
  method: Discretization,
): number {
  const kernel = referenceKernel(values, length, method).flat();
  return kernel.reduce((total, k, i) => total + k * (weights[i] as number), 0);
}

type ParamField = 'logDt' | 'logAReal' | 'aImag' | 'c' | 'b';
const FIELDS: ParamField[] = ['logDt', 'logAReal', 'aImag', 'c', 'b'];

describe('computeKernel gradient', () => {
  for (const init of ['legs', 'real'] as SsmInit[]) {
    for (const method of METHODS) {
      it(`matches finite differences, ${init}, ${method}`, () => {
        const length = 40;
        const params = initSsmParams({
          channels: 2,
          stateSize: 6,
          init,
          seed: 21,
          withB: true,
          dtMin: 0.05,
          dtMax: 0.3,
        });
        const weights = testSignal(2 * length, 4);
        const weightTensor = tf.tensor2d(weights, [2, length]);

        const loss = (...fields: Tensor[]) => {
          const replaced = { ...params } as Record<string, Tensor>;
          FIELDS.forEach((name, i) => {
            replaced[name] = fields[i] as Tensor;
          });
          const kernel = computeKernel(
            replaced as unknown as SsmParams,
            length,
            { discretization: method },
          );
          return tf.sum(tf.mul(kernel, weightTensor));
        };
        const gradients = tf.grads(loss)(
          FIELDS.map((name) => params[name] as Tensor),
        );

        const values = toValues(params);
        const step = 1e-6;
        FIELDS.forEach((name, fieldIndex) => {
          const field = values[name] as number[];
          const actual = Array.from(
            (gradients[fieldIndex] as Tensor).dataSync(),
          );
          const expected = field.map((original, i) => {
            field[i] = original + step;
            const plus = weightedKernel(values, weights, length, method);
            field[i] = original - step;
            const minus = weightedKernel(values, weights, length, method);
            field[i] = original;
            return (plus - minus) / (2 * step);
          });
          expect(relativeError(actual, expected), name).toBeLessThan(1e-5);
        });

        tf.dispose([...gradients, weightTensor]);
        disposeParams(params);
      });
    }
  }

  it('matches finite differences after decay', () => {
    // Large steps over a long kernel, so every mode stops early in the
    // backward pass.
    const length = 600;
    const params = initSsmParams({
      channels: 1,
      stateSize: 4,
      init: 'real',
      seed: 5,
      dtMin: 0.5,
      dtMax: 0.5,
    });
    const weights = testSignal(length, 6);
    const weightTensor = tf.tensor2d(weights, [1, length]);
    const [dLogDt, dLogAReal] = tf.grads((logDt: Tensor, logAReal: Tensor) =>
      tf.sum(
        tf.mul(
          computeKernel({ ...params, logDt, logAReal } as SsmParams, length),
          weightTensor,
        ),
      ),
    )([params.logDt, params.logAReal]);

    const values = toValues(params);
    const step = 1e-6;
    const central = (field: number[], i: number) => {
      const original = field[i] as number;
      field[i] = original + step;
      const plus = weightedKernel(values, weights, length, 'zoh');
      field[i] = original - step;
      const minus = weightedKernel(values, weights, length, 'zoh');
      field[i] = original;
      return (plus - minus) / (2 * step);
    };
    const expectedLogDt = [central(values.logDt, 0)];
    const expectedLogAReal = [0, 1].map((i) => central(values.logAReal, i));

    expect(
      relativeError((dLogDt as Tensor).dataSync(), expectedLogDt),
    ).toBeLessThan(1e-5);
    expect(
      relativeError((dLogAReal as Tensor).dataSync(), expectedLogAReal),
    ).toBeLessThan(1e-5);
    tf.dispose([dLogDt as Tensor, dLogAReal as Tensor, weightTensor]);
    disposeParams(params);
  });

  it('gives a zero gradient for d', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const [dD] = tf.grads((d: Tensor) =>
      tf.sum(computeKernel({ ...params, d } as SsmParams, 16)),
    )([params.d]);

    expect(Array.from(dD?.dataSync() ?? [])).toEqual([0, 0]);
    tf.dispose(dD);
    disposeParams(params);
  });

  it('gives gradients without b', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const [dLogDt] = tf.grads((logDt: Tensor) =>
      tf.sum(computeKernel({ ...params, logDt } as SsmParams, 16)),
    )([params.logDt]);

    expect(dLogDt?.shape).toEqual([2]);
    tf.dispose(dLogDt);
    disposeParams(params);
  });
});

describe('computeKernel input checks', () => {
  it('rejects a mismatched H', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const bad = { ...params, d: tf.zeros([4]) } as SsmParams;
    const attempt = () => computeKernel(bad, 10);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'computeKernel: params.d must have shape [3], got [4].',
    );
    tf.dispose(bad.d);
    disposeParams(params);
  });

  it('rejects a mismatched M', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const bad = { ...params, c: tf.zeros([3, 5, 2]) } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.c must have shape [3,4,2], got [3,5,2].',
    );
    tf.dispose(bad.c);
    disposeParams(params);
  });

  it('rejects a wrong rank', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const bad = {
      ...params,
      aImag: tf.zeros([3, 4, 1]),
    } as unknown as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.aImag must have rank 2, got rank 3 (shape [3,4,1]).',
    );
    tf.dispose(bad.aImag);
    disposeParams(params);
  });

  it('rejects a missing field', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const bad = { ...params, logDt: undefined } as unknown as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logDt must be a Tensor of rank 1, got undefined.',
    );
    disposeParams(params);
  });

  it('rejects an int32 parameter', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const bad = { ...params, logDt: tf.zeros([3], 'int32') } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logDt must have dtype float32, got int32.',
    );
    tf.dispose(bad.logDt);
    disposeParams(params);
  });

  it('rejects a non-finite parameter', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = {
      ...params,
      aImag: tf.tensor2d([0, 1, Number.NaN, 2], [2, 2]),
    } as SsmParams;
    const attempt = () => computeKernel(bad, 10);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'computeKernel: params.aImag must be finite, got NaN at flat index 2.',
    );
    tf.dispose(bad.aImag);
    disposeParams(params);
  });

  it('rejects an infinite step', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = {
      ...params,
      logDt: tf.tensor1d([0, Number.POSITIVE_INFINITY]),
    } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logDt must be finite, got Infinity at flat index 1.',
    );
    tf.dispose(bad.logDt);
    disposeParams(params);
  });

  it('rejects a logDt that overflows', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = { ...params, logDt: tf.tensor1d([0, 800]) } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logDt must be below about 709.78, so that exp(logDt) is finite, got 800 at flat index 1.',
    );
    tf.dispose(bad.logDt);
    disposeParams(params);
  });

  it('rejects a logAReal that overflows', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = {
      ...params,
      logAReal: tf.tensor2d([0, 0, 750, 0], [2, 2]),
    } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logAReal must be below about 709.78, so that exp(logAReal) is finite, got 750 at flat index 2.',
    );
    tf.dispose(bad.logAReal);
    disposeParams(params);
  });

  it('rejects an A of zero', () => {
    const params = initSsmParams({
      channels: 1,
      stateSize: 4,
      init: 'real',
      seed: 1,
    });
    const bad = {
      ...params,
      logAReal: tf.tensor2d([[0, -800]]),
    } as SsmParams;

    expect(() => computeKernel(bad, 10)).toThrow(
      'computeKernel: params.logAReal must be above about -745.13 where aImag is 0, so that A is non-zero, got -800 at flat index 1.',
    );
    tf.dispose(bad.logAReal);
    disposeParams(params);
  });

  for (const length of [0, -3, 2.5, Number.NaN]) {
    it(`rejects length ${length}`, () => {
      const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });

      expect(() => computeKernel(params, length)).toThrow(
        `computeKernel: length must be a positive integer, got ${length}.`,
      );
      disposeParams(params);
    });
  }

  it('rejects an unknown discretization', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const options = { discretization: 'euler' } as unknown as {
      discretization: Discretization;
    };

    expect(() => computeKernel(params, 8, options)).toThrow(
      "computeKernel: discretization must be 'zoh' or 'bilinear', got 'euler'.",
    );
    disposeParams(params);
  });

  it('leaves no tensors after a rejection', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = {
      ...params,
      c: tf.fill([2, 2, 2], Number.NaN),
    } as SsmParams;
    const before = tf.memory().numTensors;

    expect(() => computeKernel(bad, 10)).toThrow(SsmError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(bad.c);
    disposeParams(params);
  });
});
