import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { dense } from '../src/layers/dense_kernel.js';
import { glu, layerNorm } from '../src/layers/fused_kernels.js';

const tf = await initBackend();

/** Float64 layer norm of each row of a row-major [rows, size] array. */
function layerNormFloat64(
  x: Float64Array,
  size: number,
  weight: Float64Array,
  bias: Float64Array,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let start = 0; start < x.length; start += size) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += x[start + i] ?? 0;
    mean /= size;
    let variance = 0;
    for (let i = 0; i < size; i++)
      variance += ((x[start + i] ?? 0) - mean) ** 2;
    variance /= size;
    for (let i = 0; i < size; i++) {
      out[start + i] =
        (((x[start + i] ?? 0) - mean) / Math.sqrt(variance + 1e-5)) *
          (weight[i] ?? 0) +
        (bias[i] ?? 0);
    }
  }
  return out;
}

/** Float64 `x W + b` of a row-major [rows, n] array and an [n, m] weight. */
function denseFloat64(
  x: Float64Array,
  weight: Float64Array,
  bias: Float64Array,
): Float64Array {
  const n = weight.length / bias.length;
  const m = bias.length;
  const rows = x.length / n;
  const out = new Float64Array(rows * m);
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < m; j++) {
      let sum = bias[j] ?? 0;
      for (let k = 0; k < n; k++) {
        sum += (x[row * n + k] ?? 0) * (weight[k * m + j] ?? 0);
      }
      out[row * m + j] = sum;
    }
  }
  return out;
}

/** Float64 GLU of each row of a row-major [rows, 2 * size] array. */
function gluFloat64(x: Float64Array, size: number): Float64Array {
  const out = new Float64Array(x.length / 2);
  for (let row = 0; row < out.length / size; row++) {
    for (let i = 0; i < size; i++) {
      const value = x[2 * row * size + i] ?? 0;
      const gate = x[2 * row * size + size + i] ?? 0;
      out[row * size + i] = value / (1 + Math.exp(-gate));
    }
  }
  return out;
}

/**
 * Gradient of `sum(dy * f(inputs))` with respect to every input, by central
 * differences in float64 with step 1e-5.
 */
function finiteDifferences(
  f: (inputs: Float64Array[]) => Float64Array,
  inputs: Float64Array[],
  dy: Float64Array,
): Float64Array[] {
  const objective = () => {
    const y = f(inputs);
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += (dy[i] ?? 0) * (y[i] ?? 0);
    return sum;
  };
  const step = 1e-5;
  return inputs.map((input) => {
    const grad = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const saved = input[i] ?? 0;
      input[i] = saved + step;
      const up = objective();
      input[i] = saved - step;
      const down = objective();
      input[i] = saved;
      grad[i] = (up - down) / (2 * step);
    }
    return grad;
  });
}

/** Largest absolute difference, relative to the largest expected value. */
function relativeError(actual: ArrayLike<number>, expected: Float64Array) {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(
      difference,
      Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)),
    );
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return difference / scale;
}

const float64 = (t: Tensor) => Float64Array.from(t.dataSync());

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused kernels on ${backend}`, () => {
    it('layer norm and its gradients match float64', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([2, 3, 8], 2, 3, 'float32', 1);
      const weight = tf.randomNormal([8], 1, 0.5, 'float32', 2);
      const bias = tf.randomNormal([8], 0, 1, 'float32', 3);
      const dy = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 4);
      const f = ([xs, w, b]: Float64Array[]) =>
        layerNormFloat64(
          xs as Float64Array,
          8,
          w as Float64Array,
          b as Float64Array,
        );
      const inputs = [float64(x), float64(weight), float64(bias)];
      const expected = finiteDifferences(f, inputs, float64(dy));

      const y = layerNorm(x, weight, bias);
      const grads = tf.grads((a: Tensor, w: Tensor, b: Tensor) =>
        layerNorm(a, w, b),
      )([x, weight, bias], dy);

      expect(relativeError(y.dataSync(), f(inputs))).toBeLessThan(1e-6);
      grads.forEach((grad, index) => {
        expect(
          relativeError(grad.dataSync(), expected[index] as Float64Array),
        ).toBeLessThan(1e-5);
      });
      tf.dispose([x, weight, bias, dy, y, ...grads]);
      await initBackend();
    });

    it('layer norm of rows with a large mean matches float64', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([4, 16], 1000, 0.01, 'float32', 8);
      const weight = tf.ones([16]);
      const bias = tf.zeros([16]);
      const expected = layerNormFloat64(
        float64(x),
        16,
        float64(weight),
        float64(bias),
      );

      expect(
        relativeError(layerNorm(x, weight, bias).dataSync(), expected),
      ).toBeLessThan(1e-5);
      tf.dispose([x, weight, bias]);
      await initBackend();
    });

    it('dense and its gradients match float64', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 9);
      const weight = tf.randomNormal([5, 4], 0, 1, 'float32', 10);
      const bias = tf.randomNormal([4], 0, 1, 'float32', 11);
      const dy = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 12);
      const f = ([xs, w, b]: Float64Array[]) =>
        denseFloat64(xs as Float64Array, w as Float64Array, b as Float64Array);
      const inputs = [float64(x), float64(weight), float64(bias)];
      const expected = finiteDifferences(f, inputs, float64(dy));

      const y = dense(x, weight, bias);
      const grads = tf.grads((a: Tensor, w: Tensor, b: Tensor) =>
        dense(a, w, b),
      )([x, weight, bias], dy);

      expect(y.shape).toEqual([2, 3, 4]);
      expect(relativeError(y.dataSync(), f(inputs))).toBeLessThan(1e-6);
      grads.forEach((grad, index) => {
        expect(grad.shape).toEqual([x, weight, bias][index]?.shape);
        expect(
          relativeError(grad.dataSync(), expected[index] as Float64Array),
        ).toBeLessThan(1e-5);
      });
      tf.dispose([x, weight, bias, dy, y, ...grads]);
      await initBackend();
    });

    it('glu and its gradient match float64', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([2, 3, 12], 0, 2, 'float32', 5);
      const dy = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 6);
      const f = ([xs]: Float64Array[]) => gluFloat64(xs as Float64Array, 6);
      const inputs = [float64(x)];
      const [expected] = finiteDifferences(f, inputs, float64(dy));

      const y = glu(x);
      const [grad] = tf.grads((a: Tensor) => glu(a))([x], dy);

      expect(y.shape).toEqual([2, 3, 6]);
      expect(relativeError(y.dataSync(), f(inputs))).toBeLessThan(1e-6);
      expect(
        relativeError((grad as Tensor).dataSync(), expected as Float64Array),
      ).toBeLessThan(1e-5);
      tf.dispose([x, dy, y, grad as Tensor]);
      await initBackend();
    });

    it('frees every intermediate tensor', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([4, 16], 0, 1, 'float32', 7);
      const weight = tf.randomNormal([16, 16], 0, 1, 'float32', 13);
      const bias = tf.zeros([16]);
      const scale = tf.ones([16]);
      const run = () =>
        tf.dispose(
          tf.grads((a: Tensor, w: Tensor, b: Tensor) =>
            glu(layerNorm(dense(a, w, b), scale, b)),
          )([x, weight, bias]),
        );
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) run();

      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, weight, bias, scale]);
      await initBackend();
    });
  });
}

describe('fused kernel inputs', () => {
  it('rejects a layer norm weight of the wrong size', () => {
    const x = tf.zeros([2, 8]);
    const weight = tf.ones([6]);
    const bias = tf.zeros([8]);

    expect(() => layerNorm(x, weight, bias)).toThrow(ModelError);
    expect(() => layerNorm(x, weight, bias)).toThrow(
      'layerNorm: weight must have shape [8] to match the last axis of x, got [6].',
    );
    tf.dispose([x, weight, bias]);
  });

  it('rejects dense operands that do not fit', () => {
    const x = tf.zeros([2, 5]);
    const weight = tf.zeros([4, 3]);
    const bias = tf.zeros([2]);

    expect(() => dense(x, weight, tf.zeros([3]))).toThrow(
      'dense: x [2,5] and weight [4,3] must be [..., n] and [n, m].',
    );
    expect(() => dense(tf.zeros([2, 4]), weight, bias)).toThrow(
      'dense: bias must have shape [3], got [2].',
    );
    tf.dispose([x, weight, bias]);
  });

  it('rejects a glu input with an odd last axis', () => {
    const x = tf.zeros([2, 7]);

    expect(() => glu(x)).toThrow(
      'glu: the last axis of x must have an even size, got shape [2,7].',
    );
    x.dispose();
  });
});
