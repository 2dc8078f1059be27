import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gelu, silu } from '../src/layers/activations.js';
import { glu } from '../src/layers/fused_kernels.js';
import {
  geluInference,
  gluResidualInference,
  swigluPairInference,
} from '../src/layers/inference_kernels.js';

const tf = await initBackend();

function maxAbs(a: Tensor, b: Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN,
  );
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`inference kernels on ${backend}`, () => {
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

    it('swiglu of a gate-up pair matches the composition', async () => {
      await initBackend({ backend });
      const gate = tf.randomNormal([2, 32], 0, 2, 'float32', 7);
      const up = tf.randomNormal([2, 32], 0, 2, 'float32', 8);
      const expected = tf.mul(silu(gate), up);
      const pair = tf.concat([gate, up], -1);

      expect(maxAbs(swigluPairInference(pair), expected)).toBeLessThan(1e-6);
      await initBackend();
    });
  });
}
