import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Discretization,
  discretize,
  initSsmParams,
  SsmError,
  type SsmParams,
} from '../src/index.js';
import { discreteMode, relativeError, toValues } from './reference.js';

let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend();
});

describe('discretize', () => {
  for (const method of ['zoh', 'bilinear'] as Discretization[]) {
    for (const withB of [false, true]) {
      it(`matches the formulas, ${method}, withB ${withB}`, () => {
        const params = initSsmParams({
          channels: 3,
          stateSize: 10,
          init: 'inv',
          seed: 9,
          withB,
          dtMin: 0.01,
          dtMax: 1,
        });
        const { aBar, bBar } = discretize(params, method);
        const values = toValues(params);
        const expectedA: number[] = [];
        const expectedB: number[] = [];
        for (let h = 0; h < 3; h++) {
          for (let n = 0; n < 5; n++) {
            const mode = discreteMode(values, h, n, method);
            expectedA.push(...mode.aBar);
            expectedB.push(...mode.bBar);
          }
        }

        expect(aBar.shape).toEqual([3, 5, 2]);
        expect(bBar.shape).toEqual([3, 5, 2]);
        expect(relativeError(aBar.dataSync(), expectedA)).toBeLessThan(1e-6);
        expect(relativeError(bBar.dataSync(), expectedB)).toBeLessThan(1e-6);
        tf.dispose([aBar, bBar, ...Object.values(params)]);
      });
    }
  }

  it('keeps |Abar| below 1', () => {
    const params = initSsmParams({ channels: 4, stateSize: 16, seed: 2 });
    for (const method of ['zoh', 'bilinear'] as Discretization[]) {
      const { aBar, bBar } = discretize(params, method);
      const values = aBar.dataSync();
      let maxMagnitude = 0;
      for (let i = 0; i < values.length; i += 2) {
        maxMagnitude = Math.max(
          maxMagnitude,
          Math.hypot(values[i] as number, values[i + 1] as number),
        );
      }
      expect(maxMagnitude).toBeLessThan(1);
      tf.dispose([aBar, bBar]);
    }
    tf.dispose(Object.values(params));
  });

  it('follows a changed parameter', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const logDt = tf.variable(params.logDt);
    const first = discretize({ ...params, logDt }, 'zoh');
    logDt.assign(tf.add(logDt, 1));
    const second = discretize({ ...params, logDt }, 'zoh');

    expect(second.aBar.dataSync()).not.toEqual(first.aBar.dataSync());
    tf.dispose([first.aBar, first.bBar, second.aBar, second.bBar, logDt]);
    tf.dispose(Object.values(params));
  });

  it('keeps the tensor count stable', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const { aBar, bBar } = discretize(params, 'bilinear');
      tf.dispose([aBar, bBar]);
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(params));
  });

  it('rejects an unknown method', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const attempt = () =>
      discretize(params, 'forward-euler' as unknown as Discretization);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      "discretize: discretization must be 'zoh' or 'bilinear', got 'forward-euler'.",
    );
    tf.dispose(Object.values(params));
  });

  it('rejects a non-finite parameter', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const bad = {
      ...params,
      logAReal: tf.tensor2d([0, 0, 0, Number.NEGATIVE_INFINITY], [2, 2]),
    } as SsmParams;

    expect(() => discretize(bad, 'zoh')).toThrow(
      'discretize: params.logAReal must be finite, got -Infinity at flat index 3.',
    );
    tf.dispose([bad.logAReal, ...Object.values(params)]);
  });

  it('rejects a b of the wrong shape', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const bad = { ...params, b: tf.ones([2, 2, 3]) } as SsmParams;

    expect(() => discretize(bad, 'zoh')).toThrow(
      'discretize: params.b must have shape [2,2,2], got [2,2,3].',
    );
    tf.dispose([bad.b as Tensor, ...Object.values(params)]);
  });
});
