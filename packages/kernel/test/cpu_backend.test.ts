import { initBackend } from '@s4d/runtime';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeKernel,
  discretize,
  initSsmParams,
  initSsmState,
  type SsmParams,
  ssmAdvance,
  ssmForward,
  ssmStep,
} from '../src/index.js';
import {
  discreteMode,
  referenceForward,
  referenceKernel,
  relativeError,
  testSignal,
  toValues,
} from './reference.js';

// Vitest runs each test file in its own process, so switching this file to
// the cpu backend leaves the other files on wasm.
let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend({ backend: 'cpu' });
});

function disposeParams(params: SsmParams): void {
  tf.dispose(Object.values(params));
}

describe('cpu backend', () => {
  it('runs on cpu', () => {
    expect(tf.getBackend()).toBe('cpu');
  });

  it('matches the Vandermonde sum', () => {
    const params = initSsmParams({
      channels: 2,
      stateSize: 8,
      seed: 4,
      withB: true,
    });
    const kernel = computeKernel(params, 100, { discretization: 'bilinear' });
    const expected = referenceKernel(toValues(params), 100, 'bilinear');

    expect(relativeError(kernel.dataSync(), expected.flat())).toBeLessThan(
      1e-5,
    );
    tf.dispose(kernel);
    disposeParams(params);
  });

  it('discretizes', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 4 });
    const { aBar, bBar } = discretize(params, 'zoh');
    const values = toValues(params);
    const mode = discreteMode(values, 1, 1, 'zoh');
    const a = aBar.dataSync();
    const b = bBar.dataSync();

    expect(a[6]).toBeCloseTo(mode.aBar[0], 6);
    expect(a[7]).toBeCloseTo(mode.aBar[1], 6);
    expect(b[6]).toBeCloseTo(mode.bBar[0], 6);
    expect(b[7]).toBeCloseTo(mode.bBar[1], 6);
    tf.dispose([aBar, bBar]);
    disposeParams(params);
  });

  it('matches the direct convolution', () => {
    const [batch, length, channels] = [2, 50, 2];
    const params = initSsmParams({ channels, stateSize: 6, seed: 9 });
    const flat = testSignal(batch * length * channels, 3);
    const u = tf.tensor3d(flat, [batch, length, channels]) as Tensor3D;
    const y = ssmForward(u, params);
    const inputs = u.dataSync();
    const nested = Array.from({ length: batch }, (_, b) =>
      Array.from({ length }, (_unused, t) =>
        Array.from(
          { length: channels },
          (_ignored, h) => inputs[(b * length + t) * channels + h] as number,
        ),
      ),
    );
    const expected = referenceForward(toValues(params), nested, 'zoh');

    expect(relativeError(y.dataSync(), expected.flat(2))).toBeLessThan(1e-5);
    tf.dispose([u, y]);
    disposeParams(params);
  });

  it('differentiates the kernel', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const [dLogDt] = tf.grads((logDt: Tensor) =>
      tf.sum(computeKernel({ ...params, logDt } as SsmParams, 20)),
    )([params.logDt]);

    expect(dLogDt?.shape).toEqual([2]);
    expect(Array.from(dLogDt?.dataSync() ?? []).every(Number.isFinite)).toBe(
      true,
    );
    tf.dispose(dLogDt);
    disposeParams(params);
  });

  it('steps like it advances', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 2 });
    const u = tf.tensor3d(testSignal(6, 1), [1, 3, 2]) as Tensor3D;
    const zero = initSsmState(1, params);
    const chunk = ssmAdvance(zero, u, params);

    let state = zero;
    const outputs: number[] = [];
    for (let t = 0; t < 3; t++) {
      const ut = tf.tensor2d(
        Array.from(u.dataSync()).slice(2 * t, 2 * t + 2),
        [1, 2],
      ) as Tensor2D;
      const step = ssmStep(state, ut, params);
      outputs.push(...step.y.dataSync());
      tf.dispose([ut, step.y]);
      if (state !== zero) {
        state.dispose();
      }
      state = step.state;
    }

    expect(relativeError(outputs, chunk.y.dataSync())).toBeLessThan(1e-6);
    expect(
      relativeError(state.dataSync(), chunk.state.dataSync()),
    ).toBeLessThan(1e-6);
    tf.dispose([u, zero, chunk.y, chunk.state, state]);
    disposeParams(params);
  });
});
