import * as tf from '@tensorflow/tfjs-core';

/**
 * Applies GELU in its exact form, `x / 2 * (1 + erf(x / sqrt(2)))`.
 *
 * @param x Any shape.
 * @returns The same shape.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const cdf = tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)));
    return tf.mul(tf.mul(x, 0.5), cdf);
  });
}

/**
 * Applies SiLU (swish), `x * sigmoid(x)`.
 *
 * @param x Any shape.
 * @returns The same shape.
 */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/**
 * Applies inverted dropout with drop probability `rate`: kept values are
 * scaled by `1 / (1 - rate)`.
 *
 * @param x Any shape.
 * @param rate Drop probability in [0, 1).
 * @param seed Seed of the dropout mask; a fixed seed gives a fixed mask.
 * @returns The same shape; `x` itself when `rate` is 0.
 */
export function dropout(x: tf.Tensor, rate: number, seed?: number): tf.Tensor {
  if (rate === 0) {
    return x;
  }
  return tf.dropout(x, rate, undefined, seed);
}
