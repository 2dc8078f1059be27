import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend, runtimeInfo } from '../src/index.js';

/** f(x) = sum(sin(x) * exp(x) + x^2 / 2), evaluated in float64. */
function compositeFloat64(x: number[]): number {
  let total = 0;
  for (const value of x) {
    total += Math.sin(value) * Math.exp(value) + (value * value) / 2;
  }
  return total;
}

describe('initBackend', () => {
  it('reports the wasm backend with gradients', async () => {
    await initBackend();
    const info = runtimeInfo();

    expect(info.backend).toBe('wasm');
    expect(info.gradients).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.tfjsVersion).toBe('4.22.0');
  });

  it('is harmless when called twice', async () => {
    const first = await initBackend();
    const before = first.memory().numTensors;
    const second = await initBackend();

    expect(second).toBe(first);
    expect(second.getBackend()).toBe('wasm');
    expect(second.memory().numTensors).toBe(before);
  });

  it('matches finite differences for a composite gradient', async () => {
    const tf = await initBackend();
    const point = [-0.7, 0.1, 0.4, 1.3];
    const f = (x: Tensor) =>
      tf.sum(tf.add(tf.mul(tf.sin(x), tf.exp(x)), tf.div(tf.square(x), 2)));

    const gradient = tf.grad(f)(tf.tensor1d(point));
    const actual = Array.from(await gradient.data());
    gradient.dispose();

    const h = 1e-6;
    for (let i = 0; i < point.length; i++) {
      const plus = point.slice();
      const minus = point.slice();
      plus[i] = (plus[i] ?? 0) + h;
      minus[i] = (minus[i] ?? 0) - h;
      const expected =
        (compositeFloat64(plus) - compositeFloat64(minus)) / (2 * h);
      expect(actual[i]).toBeCloseTo(expected, 5);
    }
  });

  it('trains a tiny function with a decreasing loss', async () => {
    const tf = await initBackend();
    const xs = tf.tensor2d([[0], [1], [2], [3]]);
    const ys = tf.tensor2d([[1], [3], [5], [7]]);
    const weight = tf.variable(tf.zeros([1, 1]));
    const bias = tf.variable(tf.zeros([1]));
    const optimizer = tf.train.adam(0.1);

    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      const loss = optimizer.minimize(
        () =>
          tf.mean(tf.square(tf.sub(tf.add(tf.matMul(xs, weight), bias), ys))),
        true,
      );
      losses.push((await loss?.data())?.[0] ?? Number.NaN);
      loss?.dispose();
    }

    expect(losses[49]).toBeLessThan((losses[0] ?? 0) / 10);
    expect(losses[49]).toBeLessThan(losses[25] ?? 0);
    tf.dispose([xs, ys, weight, bias]);
    optimizer.dispose();
  });

  it('switches to the cpu backend and back', async () => {
    const tf = await initBackend({ backend: 'cpu' });
    expect(runtimeInfo().backend).toBe('cpu');
    expect(runtimeInfo().simd).toBe(false);

    await initBackend();
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown backend name', async () => {
    await expect(
      initBackend({ backend: 'webgl' as unknown as 'wasm' }),
    ).rejects.toThrow(
      "initBackend: options.backend must be 'wasm' or 'cpu', got \"webgl\".",
    );
  });

  it('rejects a misspelled option', async () => {
    const options = { bakend: 'cpu' } as unknown as { backend: 'cpu' };

    await expect(initBackend(options)).rejects.toThrow(
      "initBackend: unknown option 'bakend'; the options are backend and wasmPaths.",
    );
  });

  it('rejects options that are not an object', async () => {
    const cases: [unknown, string][] = [
      ['cpu', '"cpu"'],
      [null, 'null'],
      [[], '[]'],
    ];
    for (const [options, shown] of cases) {
      await expect(initBackend(options as { backend: 'cpu' })).rejects.toThrow(
        `initBackend: options must be an object such as { backend: 'cpu' }, got ${shown}.`,
      );
    }
  });

  it('rejects wasmPaths of another type', async () => {
    const options = { wasmPaths: 5 } as unknown as { wasmPaths: string };

    await expect(initBackend(options)).rejects.toThrow(
      'initBackend: options.wasmPaths must be a URL prefix string or a map from .wasm file name to URL, got 5.',
    );
  });
});
