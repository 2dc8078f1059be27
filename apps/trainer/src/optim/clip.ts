import type * as tfc from '@tensorflow/tfjs-core';

type Tf = typeof tfc;

/**
 * Returns the global L2 norm of the gradients, `sqrt(sum_i ||g_i||^2)`.
 */
export function globalNorm(tf: Tf, grads: Map<string, tfc.Tensor>): number {
  const total = tf.tidy(() => {
    let sum: tfc.Tensor = tf.scalar(0);
    for (const grad of grads.values()) {
      sum = tf.add(sum, tf.sum(tf.square(grad)));
    }
    return tf.sqrt(sum);
  });
  const value = (total.dataSync() as Float32Array)[0] as number;
  total.dispose();
  return value;
}

/**
 * Scales the gradients by `maxNorm / norm` when their global norm exceeds
 * `maxNorm` (gradient-norm clipping), disposing the originals it replaces.
 * A `maxNorm` of 0 or less turns clipping off.
 *
 * @returns The gradients to apply and their norm before clipping.
 */
export function clipByGlobalNorm(
  tf: Tf,
  grads: Map<string, tfc.Tensor>,
  maxNorm: number,
): { grads: Map<string, tfc.Tensor>; norm: number } {
  const norm = globalNorm(tf, grads);
  const scale = clipFactor(norm, maxNorm);
  if (scale === 1) {
    return { grads, norm };
  }
  const clipped = new Map<string, tfc.Tensor>();
  for (const [name, grad] of grads) {
    clipped.set(name, tf.mul(grad, scale));
    grad.dispose();
  }
  return { grads: clipped, norm };
}

/**
 * Returns the factor that clipping by `maxNorm` puts on gradients of global
 * norm `norm`: `maxNorm / norm` when the norm exceeds `maxNorm`, else 1. A
 * `maxNorm` of 0 or less turns clipping off.
 */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
}
