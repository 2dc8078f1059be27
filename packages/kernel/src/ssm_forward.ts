import { type Tensor3D, tidy } from '@tensorflow/tfjs-core';
import { causalConv } from './causal_conv.js';
import { runVandermonde } from './compute_kernel.js';
import { SsmError } from './errors.js';
import {
  checkParams,
  checkTensor,
  type DiscretizationOptions,
  type SsmParams,
} from './params.js';

/**
 * Applies the diagonal SSM to a batch of sequences in convolution mode:
 * `y = causalConv(u, K) + D * u`, where K = `computeKernel(params, length)`
 * and D scales each channel.
 *
 * Differentiable with respect to `u` and every field of `params`.
 *
 * @example
 * const params = initSsmParams({ channels: 8, stateSize: 16, seed: 0 });
 * const y = ssmForward(tf.randomNormal([2, 100, 8]), params); // [2, 100, 8]
 *
 * @param u The input, [batch, length, H].
 * @param params The layer parameters, with H channels and M modes.
 * @param options `discretization`: `zoh` (default) or `bilinear`.
 * @returns y, [batch, length, H].
 * @throws SsmError on a shape, rank or dtype mismatch, a non-finite parameter
 *   or an unknown discretization.
 */
export function ssmForward(
  u: Tensor3D,
  params: SsmParams,
  options: DiscretizationOptions = {},
): Tensor3D {
  const { channels } = checkParams('ssmForward', params);
  checkTensor('ssmForward', 'u', u, 3);
  const [batch, length, inputChannels] = u.shape;
  if (inputChannels !== channels || batch < 1 || length < 1) {
    throw new SsmError(
      `ssmForward: u must have shape [batch >= 1, length >= 1, ${channels}], ` +
        `got [${u.shape}].`,
    );
  }

  // D joins the kernel at lag 0, so the convolution also adds D * u, and its
  // backward pass gives the gradients of u and D without extra passes over
  // [batch, length, H].
  return tidy(() => {
    const kernel = runVandermonde('ssmForward', params, length, options, true);
    return causalConv(u, kernel);
  });
}
