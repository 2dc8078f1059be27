import type { Tensor3D, Tensor2D } from '@tensorflow/tfjs-core';

/**
 * Convolves each channel of `u` causally with its kernel.
 *
 * @param u Input, [batch, length, channels].
 * @param kernel Per-channel kernel, [channels, length].
 * @returns `y[b, t, h] = sum_{s <= t} kernel[h, s] * u[b, t - s, h]`,
 *   [batch, length, channels].
 */
export function causalConv(u: Tensor3D, kernel: Tensor2D): Tensor3D {
  // TODO: placeholder until the FFT convolution lands; every caller fails.
  throw new Error(
    `causalConv: not implemented yet (u ${u.shape}, kernel ${kernel.shape}).`,
  );
}
