import {
  acquireWorkspace,
  BACKWARD,
  type FftWorkspace,
  FORWARD,
  fftSizeFor,
  pffftHeap,
  pffftModule,
} from './pffft.js';
import type { CachedSpectra } from './spectrum_cache.js';
import {
  gather,
  gatherReversed,
  scatter,
  scatterReversed,
  type TileLayout,
} from './strided_copy.js';

/** The sizes of a `[batch, length, channels]` signal. */
export interface ConvShape {
  batch: number;
  length: number;
  channels: number;
}

/**
 * Computes the causal convolution of every channel with PFFFT real
 * transforms of size `n >= 2 * length`, so the circular convolution has no
 * wrap-around in the first `length` outputs:
 *
 * `y[b, t, h] = sum_{s=0..t} kernel[h, s] * u[b, t - s, h]`
 *
 * @param u Input, `[batch, length, channels]`, row-major.
 * @param kernel Per-channel kernels, `[channels, length]`, row-major.
 * @param y Output, `[batch, length, channels]`; every element is written.
 * @param spectra Where to leave the spectra of `u` and `kernel` for
 *   `convolveBackward`, or null to keep them only while they are used.
 */
export function convolveForward(
  u: Float32Array,
  kernel: Float32Array,
  y: Float32Array,
  spectra: CachedSpectra | null,
  shape: ConvShape,
): void {
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride, tileChannels } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();
  const scale = 1 / size;

  zeroRange(heap, workspace.signalA, stride, length, size, tileChannels);

  for (let h0 = 0; h0 < channels; h0 += tileChannels) {
    const count = Math.min(tileChannels, channels - h0);
    const kernelGroup =
      spectra === null ? workspace.kernel : spectra.kernel + h0 * size;
    const kernelStride = spectra === null ? stride : size;
    loadKernelSpectra(
      workspace,
      kernel,
      length,
      h0,
      count,
      kernelGroup,
      kernelStride,
    );
    const input = tileLayout(workspace, shape, h0, count, workspace.signalA);
    const output = tileLayout(workspace, shape, h0, count, workspace.product);

    for (let b = 0; b < batch; b++) {
      input.rowStart = b * length * channels + h0;
      output.rowStart = input.rowStart;
      gather(heap, u, input);

      const spectrumGroup =
        spectra === null
          ? workspace.spectra
          : spectra.u + (b * channels + h0) * size;
      for (let j = 0; j < count; j++) {
        const product = workspace.product + j * stride;
        const spectrum = spectrumGroup + j * size;
        pffft._pffft_transform(
          setup,
          4 * (workspace.signalA + j * stride),
          4 * spectrum,
          4 * workspace.work,
          FORWARD,
        );
        heap.fill(0, product, product + size);
        pffft._pffft_zconvolve_accumulate(
          setup,
          4 * spectrum,
          4 * (kernelGroup + j * kernelStride),
          4 * product,
          scale,
        );
        pffft._pffft_transform(
          setup,
          4 * product,
          4 * product,
          4 * workspace.work,
          BACKWARD,
        );
      }

      scatter(heap, y, output);
    }
  }

  if (spectra !== null) {
    spectra.filled = true;
  }
}

/** Inputs and outputs of `convolveBackward`; null marks one not needed. */
export interface BackwardArrays {
  /** Output gradient, `[batch, length, channels]`. */
  dy: Float32Array;
  /** Forward kernels, `[channels, length]`, for `du` without `spectra`. */
  kernel: Float32Array | null;
  /** Forward input, `[batch, length, channels]`, for `dkernel` without `spectra`. */
  u: Float32Array | null;
  /** Spectra that `convolveForward` filled for these inputs, if any. */
  spectra: CachedSpectra | null;
  /** Input gradient to write, `[batch, length, channels]`. */
  du: Float32Array | null;
  /** Kernel gradient to write, `[channels, length]`. */
  dkernel: Float32Array | null;
}

/**
 * Computes the gradients of `convolveForward` from the output gradient `dy`:
 *
 * `du[b, t, h] = sum_{s>=t} dy[b, s, h] * kernel[h, s - t]`
 * `dkernel[h, s] = sum_b sum_{t>=s} dy[b, t, h] * u[b, t - s, h]`
 *
 * Both are correlations with `dy`. With `dy_r[i] = dy[-i mod n]`, a circular
 * convolution gives `conv(dy_r, x)[-t mod n] = sum_s dy[s] * x[s - t]`, so
 * one forward transform of the reversed `dy` serves both gradients, with the
 * kernel's spectrum and with `u`'s. The spectrum of `dkernel` is summed over
 * the batch before one inverse transform per channel.
 */
export function convolveBackward(
  arrays: BackwardArrays,
  shape: ConvShape,
): void {
  const { dy, kernel, u, spectra, du, dkernel } = arrays;
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride, tileChannels } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();
  const scale = 1 / size;

  // Reversed dy occupies positions 0 and size - length + 1 .. size - 1.
  zeroRange(
    heap,
    workspace.signalA,
    stride,
    1,
    size - length + 1,
    tileChannels,
  );
  zeroRange(heap, workspace.signalB, stride, length, size, tileChannels);

  for (let h0 = 0; h0 < channels; h0 += tileChannels) {
    const count = Math.min(tileChannels, channels - h0);
    let kernelGroup = workspace.kernel;
    let kernelStride = stride;
    if (spectra !== null) {
      kernelGroup = spectra.kernel + h0 * size;
      kernelStride = size;
    } else if (du !== null && kernel !== null) {
      loadKernelSpectra(
        workspace,
        kernel,
        length,
        h0,
        count,
        kernelGroup,
        stride,
      );
    }
    if (dkernel !== null) {
      zeroRange(heap, workspace.accumulator, stride, 0, size, count);
    }
    const gradient = tileLayout(workspace, shape, h0, count, workspace.signalA);
    const input = tileLayout(workspace, shape, h0, count, workspace.signalB);
    const output = tileLayout(workspace, shape, h0, count, workspace.product);

    for (let b = 0; b < batch; b++) {
      const rowStart = b * length * channels + h0;
      gradient.rowStart = rowStart;
      input.rowStart = rowStart;
      output.rowStart = rowStart;
      gatherReversed(heap, dy, gradient);
      const spectrumGroup =
        spectra === null
          ? workspace.spectra
          : spectra.u + (b * channels + h0) * size;
      if (dkernel !== null && spectra === null && u !== null) {
        gather(heap, u, input);
      }

      for (let j = 0; j < count; j++) {
        pffft._pffft_transform(
          setup,
          4 * (workspace.signalA + j * stride),
          4 * workspace.spectrum,
          4 * workspace.work,
          FORWARD,
        );

        if (du !== null) {
          const product = workspace.product + j * stride;
          heap.fill(0, product, product + size);
          pffft._pffft_zconvolve_accumulate(
            setup,
            4 * workspace.spectrum,
            4 * (kernelGroup + j * kernelStride),
            4 * product,
            scale,
          );
          pffft._pffft_transform(
            setup,
            4 * product,
            4 * product,
            4 * workspace.work,
            BACKWARD,
          );
        }

        if (dkernel !== null) {
          const spectrum = spectrumGroup + j * size;
          if (spectra === null) {
            pffft._pffft_transform(
              setup,
              4 * (workspace.signalB + j * stride),
              4 * spectrum,
              4 * workspace.work,
              FORWARD,
            );
          }
          pffft._pffft_zconvolve_accumulate(
            setup,
            4 * workspace.spectrum,
            4 * spectrum,
            4 * (workspace.accumulator + j * stride),
            scale,
          );
        }
      }

      if (du !== null) {
        scatterReversed(heap, du, output);
      }
    }

    if (dkernel !== null) {
      storeKernelGradient(workspace, dkernel, h0, count, length);
    }
  }
}

function tileLayout(
  workspace: FftWorkspace,
  shape: ConvShape,
  h0: number,
  count: number,
  group: number,
): TileLayout {
  return {
    length: shape.length,
    channels: shape.channels,
    rowStart: h0,
    count,
    group,
    stride: workspace.stride,
    size: workspace.size,
  };
}

/** Zeroes `[start, end)` of `count` buffers that are `stride` apart. */
function zeroRange(
  heap: Float32Array,
  group: number,
  stride: number,
  start: number,
  end: number,
  count: number,
): void {
  for (let j = 0; j < count; j++) {
    const offset = group + j * stride;
    heap.fill(0, offset + start, offset + end);
  }
}

/**
 * Transforms the kernels of channels `h0 .. h0 + count - 1`, zero-padded to
 * the transform size, into `count` buffers `groupStride` apart from `group`.
 */
function loadKernelSpectra(
  workspace: FftWorkspace,
  kernel: Float32Array,
  length: number,
  h0: number,
  count: number,
  group: number,
  groupStride: number,
): void {
  const { size, setup } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();

  for (let j = 0; j < count; j++) {
    const offset = group + j * groupStride;
    const row = (h0 + j) * length;
    heap.set(kernel.subarray(row, row + length), offset);
    heap.fill(0, offset + length, offset + size);
    pffft._pffft_transform(
      setup,
      4 * offset,
      4 * offset,
      4 * workspace.work,
      FORWARD,
    );
  }
}

/**
 * Inverse-transforms the accumulated kernel-gradient spectra of channels
 * `h0 .. h0 + count - 1` and stores `dkernel[h, s] = result[-s mod n]`.
 */
function storeKernelGradient(
  workspace: FftWorkspace,
  dkernel: Float32Array,
  h0: number,
  count: number,
  length: number,
): void {
  const { size, setup, stride } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();

  for (let j = 0; j < count; j++) {
    const accumulator = workspace.accumulator + j * stride;
    pffft._pffft_transform(
      setup,
      4 * accumulator,
      4 * accumulator,
      4 * workspace.work,
      BACKWARD,
    );

    const row = (h0 + j) * length;
    if (length > 0) {
      dkernel[row] = heap[accumulator] as number;
    }
    for (let s = 1; s < length; s++) {
      dkernel[row + s] = heap[accumulator + size - s] as number;
    }
  }
}
