/** Sizes of one diagonal SSM layer call. */
export interface SsmSize {
  batch: number;
  /** Channels H. */
  channels: number;
  /** State size N; the layer keeps N / 2 complex modes. */
  stateSize: number;
  /** Sequence length L. */
  length: number;
}

/**
 * Estimates the floating-point operations of one SSM layer forward pass
 * computed by FFT: the Vandermonde kernel (8 per mode and position), real
 * FFTs of size n = 2L (2.5 n log2 n each: one per input row, one per
 * kernel row and one inverse per output row), the spectral product (6 per
 * frequency) and the D skip (2 per element).
 *
 * @param size Batch, channels, state size and length.
 * @returns The estimated count. A backward pass is counted as twice the
 *   forward by the callers.
 */
export function ssmFftFlops(size: SsmSize): number {
  const { batch, channels, stateSize, length } = size;
  const modes = stateSize / 2;
  const transformSize = 2 * length;
  const perTransform = 2.5 * transformSize * Math.log2(transformSize);

  const kernel = 8 * channels * modes * length;
  const transforms = (2 * batch + 1) * channels * perTransform;
  const product = 6 * batch * channels * (length + 1);
  const skip = 2 * batch * channels * length;
  return kernel + transforms + product + skip;
}

/**
 * Counts the floating-point operations that the plain-ops baseline
 * executes: its dense DFT matMuls (input, kernel and inverse) plus the
 * Vandermonde kernel at 8 per mode and position.
 *
 * @param size Batch, channels, state size and length.
 * @returns The count for one forward pass.
 */
export function ssmDenseDftFlops(size: SsmSize): number {
  const { batch, channels, stateSize, length } = size;
  const spectrumWidth = 2 * (length + 1);

  const kernel = 8 * channels * (stateSize / 2) * length;
  const forward = 2 * (batch + 1) * channels * length * spectrumWidth;
  const inverse = 2 * batch * channels * spectrumWidth * length;
  return kernel + forward + inverse;
}

/** Multiplier from a forward pass's count to forward plus backward. */
export const FORWARD_BACKWARD_FACTOR = 3;
