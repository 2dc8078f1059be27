import {
  acquireWorkspace,
  BACKWARD,
  type FftWorkspace,
  FORWARD,
  fftSizeFor,
  pffftHeap,
  pffftModule,
  TILE_CHANNELS,
} from './pffft.js';

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
 */
export function convolveForward(
  u: Float32Array,
  kernel: Float32Array,
  y: Float32Array,
  shape: ConvShape,
): void {
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();
  const scale = 1 / size;

  zeroRange(heap, workspace.signalA, stride, length, size);

  for (let h0 = 0; h0 < channels; h0 += TILE_CHANNELS) {
    const count = Math.min(TILE_CHANNELS, channels - h0);
    loadKernelSpectra(workspace, kernel, h0, count, length, false);

    for (let b = 0; b < batch; b++) {
      gather(heap, u, workspace.signalA, stride, shape, b, h0, count);

      for (let j = 0; j < count; j++) {
        const product = workspace.product + j * stride;
        pffft._pffft_transform(
          setup,
          4 * (workspace.signalA + j * stride),
          4 * workspace.spectrumA,
          4 * workspace.work,
          FORWARD,
        );
        heap.fill(0, product, product + size);
        pffft._pffft_zconvolve_accumulate(
          setup,
          4 * workspace.spectrumA,
          4 * (workspace.kernel + j * stride),
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

      scatter(heap, y, workspace.product, stride, shape, b, h0, count);
    }
  }
}

/**
 * Computes the gradients of `convolveForward` from the output gradient `dy`:
 *
 * `du[b, t, h] = sum_{s>=t} dy[b, s, h] * kernel[h, s - t]`
 * `dkernel[h, s] = sum_b sum_{t>=s} dy[b, t, h] * u[b, t - s, h]`
 *
 * Both are correlations, computed as convolutions with a time-reversed
 * signal (`x_r[i] = x[-i mod n]`, whose spectrum is the conjugate of `x`'s).
 * `dkernel`'s spectrum is summed over the batch before one inverse transform
 * per channel.
 *
 * @param dy Output gradient, `[batch, length, channels]`.
 * @param u Forward input, `[batch, length, channels]`.
 * @param kernel Forward kernels, `[channels, length]`.
 * @param du Input gradient, `[batch, length, channels]`, or null to skip it.
 * @param dkernel Kernel gradient, `[channels, length]`, or null to skip it.
 */
export function convolveBackward(
  dy: Float32Array,
  u: Float32Array,
  kernel: Float32Array,
  du: Float32Array | null,
  dkernel: Float32Array | null,
  shape: ConvShape,
): void {
  const { batch, length, channels } = shape;
  const workspace = acquireWorkspace(fftSizeFor(length));
  const { size, setup, stride } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();
  const scale = 1 / size;

  // signalA holds dy with zeros after it; signalB holds u reversed, so its
  // samples sit at 0 and at size - length + 1 .. size - 1.
  zeroRange(heap, workspace.signalA, stride, length, size);
  zeroRange(heap, workspace.signalB, stride, 1, size - length + 1);

  for (let h0 = 0; h0 < channels; h0 += TILE_CHANNELS) {
    const count = Math.min(TILE_CHANNELS, channels - h0);
    if (du !== null) {
      loadKernelSpectra(workspace, kernel, h0, count, length, true);
    }
    if (dkernel !== null) {
      zeroRange(heap, workspace.accumulator, stride, 0, size, count);
    }

    for (let b = 0; b < batch; b++) {
      gather(heap, dy, workspace.signalA, stride, shape, b, h0, count);
      if (dkernel !== null) {
        gatherReversed(heap, u, workspace.signalB, workspace, shape, b, h0);
      }

      for (let j = 0; j < count; j++) {
        pffft._pffft_transform(
          setup,
          4 * (workspace.signalA + j * stride),
          4 * workspace.spectrumA,
          4 * workspace.work,
          FORWARD,
        );

        if (du !== null) {
          const product = workspace.product + j * stride;
          heap.fill(0, product, product + size);
          pffft._pffft_zconvolve_accumulate(
            setup,
            4 * workspace.spectrumA,
            4 * (workspace.kernel + j * stride),
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
          pffft._pffft_transform(
            setup,
            4 * (workspace.signalB + j * stride),
            4 * workspace.spectrumB,
            4 * workspace.work,
            FORWARD,
          );
          pffft._pffft_zconvolve_accumulate(
            setup,
            4 * workspace.spectrumA,
            4 * workspace.spectrumB,
            4 * (workspace.accumulator + j * stride),
            scale,
          );
        }
      }

      if (du !== null) {
        scatter(heap, du, workspace.product, stride, shape, b, h0, count);
      }
    }

    if (dkernel !== null) {
      for (let j = 0; j < count; j++) {
        const accumulator = workspace.accumulator + j * stride;
        pffft._pffft_transform(
          setup,
          4 * accumulator,
          4 * accumulator,
          4 * workspace.work,
          BACKWARD,
        );
        dkernel.set(
          heap.subarray(accumulator, accumulator + length),
          (h0 + j) * length,
        );
      }
    }
  }
}

/** Zeroes `[start, end)` of `count` buffers that are `stride` apart. */
function zeroRange(
  heap: Float32Array,
  group: number,
  stride: number,
  start: number,
  end: number,
  count = TILE_CHANNELS,
): void {
  for (let j = 0; j < count; j++) {
    const offset = group + j * stride;
    heap.fill(0, offset + start, offset + end);
  }
}

/**
 * Transforms the kernels of channels `h0 .. h0 + count - 1`, zero-padded to
 * the transform size, into the workspace's kernel group. With `reversed`,
 * the transformed signal is `kernel[h, -i mod n]`, whose spectrum is the
 * conjugate of the kernel's, so multiplying by it correlates.
 */
function loadKernelSpectra(
  workspace: FftWorkspace,
  kernel: Float32Array,
  h0: number,
  count: number,
  length: number,
  reversed: boolean,
): void {
  const { size, setup, stride } = workspace;
  const heap = pffftHeap();
  const pffft = pffftModule();

  for (let j = 0; j < count; j++) {
    const offset = workspace.kernel + j * stride;
    const source = kernel.subarray((h0 + j) * length, (h0 + j + 1) * length);
    heap.fill(0, offset, offset + size);
    if (reversed) {
      if (length > 0) {
        heap[offset] = source[0] ?? 0;
      }
      for (let s = 1; s < length; s++) {
        heap[offset + size - s] = source[s] ?? 0;
      }
    } else {
      heap.set(source, offset);
    }
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
 * Copies `source[b, t, h0 + j]` for `t < length` into buffer `j` of `group`
 * at position `t`.
 */
function gather(
  heap: Float32Array,
  source: Float32Array,
  group: number,
  stride: number,
  shape: ConvShape,
  b: number,
  h0: number,
  count: number,
): void {
  const { length, channels } = shape;
  for (let j = 0; j < count; j++) {
    const offset = group + j * stride;
    let index = b * length * channels + h0 + j;
    for (let t = 0; t < length; t++) {
      heap[offset + t] = source[index] as number;
      index += channels;
    }
  }
}

/**
 * Copies `source[b, t, h0 + j]` into buffer `j` of `group` at position
 * `-t mod n`, the time-reversed signal of a circular transform of size n.
 */
function gatherReversed(
  heap: Float32Array,
  source: Float32Array,
  group: number,
  workspace: FftWorkspace,
  shape: ConvShape,
  b: number,
  h0: number,
): void {
  const { size, stride } = workspace;
  const { length, channels } = shape;
  const count = Math.min(TILE_CHANNELS, channels - h0);
  for (let j = 0; j < count; j++) {
    const offset = group + j * stride;
    let index = b * length * channels + h0 + j;
    if (length > 0) {
      heap[offset] = source[index] as number;
    }
    for (let t = 1; t < length; t++) {
      index += channels;
      heap[offset + size - t] = source[index] as number;
    }
  }
}

/**
 * Copies position `t < length` of buffer `j` of `group` into
 * `target[b, t, h0 + j]`.
 */
function scatter(
  heap: Float32Array,
  target: Float32Array,
  group: number,
  stride: number,
  shape: ConvShape,
  b: number,
  h0: number,
  count: number,
): void {
  const { length, channels } = shape;
  for (let j = 0; j < count; j++) {
    const offset = group + j * stride;
    let index = b * length * channels + h0 + j;
    for (let t = 0; t < length; t++) {
      target[index] = heap[offset + t] as number;
      index += channels;
    }
  }
}
