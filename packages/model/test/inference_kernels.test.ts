import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gelu, glu, silu } from '../src/layers/activations.js';
import {
  geluInference,
  gluResidualInference,
  layerNormInference,
  swigluInference,
} from '../src/layers/inference_kernels.js';

const tf = await initBackend();

function maxAbs(a: Tensor, b: Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN,
  );
}

/** Float64 layer norm of each row of a row-major [rows, size] array. */
function layerNormFloat64(
  values: Float32Array,
  size: number,
  weight: Float32Array,
  bias: Float32Array,
): Float64Array {
  const out = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += size) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += values[start + i] ?? 0;
    mean /= size;
    let variance = 0;
    for (let i = 0; i < size; i++)
      variance += ((values[start + i] ?? 0) - mean) ** 2;
    variance /= size;
    for (let i = 0; i < size; i++) {
      out[start + i] =
        (((values[start + i] ?? 0) - mean) / Math.sqrt(variance + 1e-5)) *
          (weight[i] ?? 0) +
        (bias[i] ?? 0);
    }
  }
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`inference kernels on ${backend}`, () => {
    it('layer norm matches float64', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([3, 5, 16], 2, 3, 'float32', 1);
      const weight = tf.randomNormal([16], 1, 0.5, 'float32', 2);
      const bias = tf.randomNormal([16], 0, 1, 'float32', 3);
      const expected = layerNormFloat64(
        x.dataSync() as Float32Array,
        16,
        weight.dataSync() as Float32Array,
        bias.dataSync() as Float32Array,
      );
      const actual = layerNormInference(x, weight, bias).dataSync();

      let max = 0;
      for (let i = 0; i < expected.length; i++)
        max = Math.max(max, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
      expect(max).toBeLessThan(1e-5);
      tf.dispose([x, weight, bias]);
      await initBackend();
    });

    it('gelu matches the erf composition', async () => {
      await initBackend({ backend });
      const x = tf.randomNormal([4, 64], 0, 3, 'float32', 4);

      expect(maxAbs(geluInference(x), gelu(x))).toBeLessThan(1e-6);
      await initBackend();
    });

    it('glu residual matches the composition', async () => {
      await initBackend({ backend });
      const residual = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 5);
      const projected = tf.randomNormal([2, 3, 16], 0, 2, 'float32', 6);
      const expected = tf.add(residual, glu(projected));

      expect(
        maxAbs(gluResidualInference(residual, projected), expected),
      ).toBeLessThan(1e-6);
      await initBackend();
    });

    it('swiglu matches the composition', async () => {
      await initBackend({ backend });
      const gate = tf.randomNormal([2, 32], 0, 2, 'float32', 7);
      const up = tf.randomNormal([2, 32], 0, 2, 'float32', 8);
      const expected = tf.mul(silu(gate), up);

      expect(maxAbs(swigluInference(gate, up), expected)).toBeLessThan(1e-6);
      await initBackend();
    });
  });
}
