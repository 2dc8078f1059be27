import type * as tfc from '@tensorflow/tfjs-core';
import type { Roofline } from './report.js';
import { type TimingOptions, timeWorkload } from './timing.js';

/**
 * Measures the 2-D matMul rate of the active backend, the ceiling that the
 * roofline fractions refer to.
 *
 * @param tf The tfjs namespace, with the backend to measure active.
 * @param shape `[m, k, n]` for an `[m, k] x [k, n]` product.
 * @param options Warm-up and timed run counts.
 * @returns The backend, the shape and `2 m k n / min seconds` in GFLOP/s:
 *   the fastest run, because a ceiling should not count time lost to other
 *   processes.
 */
export async function measureRoofline(
  tf: typeof tfc,
  shape: [number, number, number],
  options: TimingOptions,
): Promise<Roofline> {
  const [m, k, n] = shape;
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 3);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 4);
  const workload = { run: () => tf.matMul(a, b), dispose: () => {} };

  try {
    const { seconds } = await timeWorkload(tf, workload, options);
    return {
      backend: tf.getBackend(),
      shape,
      gflopsPerSecond: (2 * m * k * n) / seconds.min / 1e9,
    };
  } finally {
    tf.dispose([a, b]);
  }
}
