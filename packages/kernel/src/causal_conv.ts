import {
  customGrad,
  engine,
  type GradSaveFunc,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
} from '@tensorflow/tfjs-core';
import { SsmError } from './errors.js';
import {
  CAUSAL_CONV,
  CAUSAL_CONV_BACKPROP,
  type CausalConvAttrs,
} from './fft/causal_conv_kernels.js';
import { fftSizeFor } from './fft/pffft.js';
import { releaseSpectra, reserveSpectra } from './fft/spectrum_cache.js';

/**
 * Convolves each channel of `u` causally with its kernel, with no
 * wrap-around:
 *
 * `y[b, t, h] = sum_{s=0..t} kernel[h, s] * u[b, t - s, h]`
 *
 * Runs as a registered tfjs kernel on the `wasm` and `cpu` backends, through
 * PFFFT real transforms of the next size of at least `2 * length` that PFFFT
 * accepts, so cost grows as `length * log(length)` and any length works.
 * Differentiable with respect to both arguments. While a gradient tape is
 * recording, the spectra of `u` and `kernel` stay in PFFFT's heap until the
 * backward pass. They take about twice the memory of `u` and `kernel`, and at
 * most 512 MiB for all pending passes. Copies of `u` and `kernel` stay on the
 * tape.
 *
 * @example
 * const y = causalConv(tf.ones([1, 3, 1]), tf.tensor2d([[1, 0.5, 0.25]]));
 * // y = [[[1], [1.5], [1.75]]]
 *
 * @param u Input, float32 `[batch, length, channels]`.
 * @param kernel Per-channel kernel, float32 `[channels, length]`.
 * @returns `y`, `[batch, length, channels]`.
 * @throws SsmError if a rank, dtype or size does not match.
 */
export function causalConv(u: Tensor3D, kernel: Tensor2D): Tensor3D {
  checkFloat32('u', u);
  checkFloat32('kernel', kernel);
  if (u.rank !== 3) {
    throw new SsmError(
      'causalConv: u must have rank 3 [batch, length, channels], ' +
        `got shape ${shapeText(u)}.`,
    );
  }
  if (kernel.rank !== 2) {
    throw new SsmError(
      'causalConv: kernel must have rank 2 [channels, length], ' +
        `got shape ${shapeText(kernel)}.`,
    );
  }

  const [, length, channels] = u.shape;
  const expected =
    `causalConv: kernel must have shape [${channels}, ${length}] ` +
    `for u of shape ${shapeText(u)}`;
  if (kernel.shape[0] !== channels) {
    throw new SsmError(
      `${expected} (one row per channel of u), got ${shapeText(kernel)}.`,
    );
  }
  if (kernel.shape[1] !== length) {
    throw new SsmError(
      `${expected} (kernel length must equal the sequence length of u), ` +
        `got ${shapeText(kernel)}.`,
    );
  }
  if (!isRecordingGradients()) {
    return runForward(u, kernel, 0);
  }
  return differentiableConv(u, kernel) as Tensor3D;
}

function runForward(u: Tensor, kernel: Tensor, spectraId: number): Tensor3D {
  const attrs: CausalConvAttrs = { spectraId };
  return engine().runKernel(
    CAUSAL_CONV,
    { u, kernel },
    attrs as unknown as Record<string, number>,
  ) as Tensor3D;
}

/**
 * The convolution with its gradient. The forward kernel leaves the spectra
 * of `u` and `kernel` in PFFFT's heap, and the backward kernel reads and
 * frees them. Both gradients come from that one kernel because they share
 * the transform of `dy`, and tfjs disposes the one that no input needs.
 */
// NOTE: the backward kernel has no gradient of its own, so second-order
// gradients through causalConv fail with tfjs's "gradient function not found".
const differentiableConv = customGrad(
  (...args: Array<Tensor | GradSaveFunc>) => {
    const [u, kernel, save] = args as [Tensor, Tensor, GradSaveFunc];
    const [batch = 0, length = 0, channels = 0] = u.shape;
    let spectraId = 0;

    const gradFunc = (dy: Tensor, saved: Tensor[]) => {
      const [savedU, savedKernel] = saved as [Tensor, Tensor];
      const attrs: CausalConvAttrs = { spectraId };
      try {
        return engine().runKernel(
          CAUSAL_CONV_BACKPROP,
          { dy, u: savedU, kernel: savedKernel },
          attrs as unknown as Record<string, number>,
        ) as Tensor[];
      } finally {
        releaseSpectra(spectraId);
      }
    };

    // u and kernel are saved too, because the cache drops the oldest spectra
    // when full, and the backward kernel then recomputes them.
    const spectra = reserveSpectra(
      batch,
      channels,
      fftSizeFor(length),
      gradFunc,
    );
    spectraId = spectra?.id ?? 0;
    const y = runForward(u, kernel, spectraId);
    save([u, kernel]);
    return { value: y, gradFunc };
  },
);

/**
 * Tells whether tfjs is recording operations for a gradient, the condition
 * under which it saves tensors for the backward pass.
 */
function isRecordingGradients(): boolean {
  // NOTE: `isTapeOn` is internal to tfjs-core's Engine (checked in 4.22.0);
  // without it, every call caches spectra, which stay in PFFFT's heap until
  // garbage collection when no backward pass follows.
  const internals = engine() as unknown as { isTapeOn?: () => boolean };
  return internals.isTapeOn?.() ?? true;
}

function checkFloat32(name: string, value: unknown): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    !('dtype' in value) ||
    !('shape' in value)
  ) {
    throw new SsmError(
      `causalConv: ${name} must be a tfjs Tensor, got ${describe(value)}.`,
    );
  }
  const tensor = value as Tensor;
  if (tensor.dtype !== 'float32') {
    throw new SsmError(
      `causalConv: ${name} must have dtype float32, got ${tensor.dtype} ` +
        `(shape ${shapeText(tensor)}).`,
    );
  }
}

function shapeText(tensor: Tensor): string {
  return `[${tensor.shape.join(', ')}]`;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value;
}
