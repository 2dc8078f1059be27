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
  jsTileCopier,
  type TileCopier,
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
 * @param copier The copies between `u` or `y` and PFFFT's heap.
 */
export function convolveForward(
  u: Float32Array,
  kernel: Float32Array,
  y: Float32Array,
  spectra: CachedSpectra | null,
  shape: ConvShape,
  copier: TileCopier = jsTileCopier,
): void {
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride, tileChannels } = workspace;
  const pffft = pffftModule();
  const scale = 1 / size;

  // Every batch row visits every channel, so the kernel spectra of all
  // channels stay in the heap, `size` apart.
  const kernelBlock = spectra === null ? allocateFloats(channels * size) : 0;
  try {
    const kernelSpectra = spectra === null ? kernelBlock / 4 : spectra.kernel;
    loadKernelSpectra(
      workspace,
      kernel,
      length,
      0,
      channels,
      kernelSpectra,
      size,
    );
    // Taken after the allocation, which can grow the heap.
    const heap = pffftHeap();
    zeroRange(heap, workspace.signalA, stride, length, size, tileChannels);

    // Batch rows outside, so a copier can stage one contiguous row of u and
    // y for all of its channel tiles.
    for (let b = 0; b < batch; b++) {
      for (let h0 = 0; h0 < channels; h0 += tileChannels) {
        const count = Math.min(tileChannels, channels - h0);
        const input = tileLayout(
          workspace,
          shape,
          h0,
          count,
          workspace.signalA,
        );
        const output = tileLayout(
          workspace,
          shape,
          h0,
          count,
          workspace.product,
        );
        input.rowStart = b * length * channels + h0;
        output.rowStart = input.rowStart;
        copier.gather(heap, u, input);

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
            4 * (kernelSpectra + (h0 + j) * size),
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

        copier.scatter(heap, y, output);
      }
      copier.flushScatter();
    }
  } finally {
    if (kernelBlock !== 0) {
      pffft._pffft_aligned_free(kernelBlock);
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
  copier: TileCopier = jsTileCopier,
): void {
  const { dy, kernel, u, spectra, du, dkernel } = arrays;
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride, tileChannels } = workspace;
  const pffft = pffftModule();
  const scale = 1 / size;

  // Every batch row visits every channel, so the kernel spectra and the
  // kernel-gradient spectra of all channels stay in the heap, `size` apart.
  const loadKernels = du !== null && spectra === null && kernel !== null;
  const kernelBlock = loadKernels ? allocateFloats(channels * size) : 0;
  const accumulatorBlock =
    dkernel !== null ? allocateFloats(channels * size) : 0;
  try {
    let kernelSpectra = spectra?.kernel ?? 0;
    if (loadKernels) {
      kernelSpectra = kernelBlock / 4;
      loadKernelSpectra(
        workspace,
        kernel,
        length,
        0,
        channels,
        kernelSpectra,
        size,
      );
    }
    const accumulators = accumulatorBlock / 4;
    // Taken after the allocations, which can grow the heap.
    const heap = pffftHeap();
    if (dkernel !== null) {
      heap.fill(0, accumulators, accumulators + channels * size);
    }

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

    // Batch rows outside, so a copier can stage one contiguous row of dy, u
    // and du for all of its channel tiles.
    for (let b = 0; b < batch; b++) {
      for (let h0 = 0; h0 < channels; h0 += tileChannels) {
        const count = Math.min(tileChannels, channels - h0);
        const rowStart = b * length * channels + h0;
        const gradient = tileLayout(
          workspace,
          shape,
          h0,
          count,
          workspace.signalA,
        );
        const input = tileLayout(
          workspace,
          shape,
          h0,
          count,
          workspace.signalB,
        );
        const output = tileLayout(
          workspace,
          shape,
          h0,
          count,
          workspace.product,
        );
        gradient.rowStart = rowStart;
        input.rowStart = rowStart;
        output.rowStart = rowStart;
        copier.gatherReversed(heap, dy, gradient);
        const spectrumGroup =
          spectra === null
            ? workspace.spectra
            : spectra.u + (b * channels + h0) * size;
        if (dkernel !== null && spectra === null && u !== null) {
          copier.gather(heap, u, input);
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
              4 * (kernelSpectra + (h0 + j) * size),
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
              4 * (accumulators + (h0 + j) * size),
              scale,
            );
          }
        }

        if (du !== null) {
          copier.scatterReversed(heap, du, output);
        }
      }
      copier.flushScatter();
    }

    if (dkernel !== null) {
      storeKernelGradient(workspace, dkernel, channels, length, accumulators);
    }
  } finally {
    if (kernelBlock !== 0) {
      pffft._pffft_aligned_free(kernelBlock);
    }
    if (accumulatorBlock !== 0) {
      pffft._pffft_aligned_free(accumulatorBlock);
    }
  }
}

/**
 * Allocates `floats` float32 elements in PFFFT's heap and returns the
 * allocation's byte offset. The allocation can grow the heap, so take heap
 * views after it.
 */
function allocateFloats(floats: number): number {
  const block = pffftModule()._pffft_aligned_malloc(floats * 4);
  if (block === 0) {
    throw new Error(`PFFFT could not allocate ${floats * 4} bytes.`);
  }
  return block;
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
 * Inverse-transforms the accumulated kernel-gradient spectra of all
 * channels, `size` apart from `accumulators`, and stores
 * `dkernel[h, s] = result[-s mod n]`.
 */
function storeKernelGradient(
  workspace: FftWorkspace,
  dkernel: Float32Array,
  channels: number,
  length: number,
  accumulators: number,
): void {
  const { size, setup } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();

  for (let h = 0; h < channels; h++) {
    const accumulator = accumulators + h * size;
    pffft._pffft_transform(
      setup,
      4 * accumulator,
      4 * accumulator,
      4 * workspace.work,
      BACKWARD,
    );

    const row = h * length;
    if (length > 0) {
      dkernel[row] = heap[accumulator] as number;
    }
    for (let s = 1; s < length; s++) {
      dkernel[row + s] = heap[accumulator + size - s] as number;
    }
  }
}
