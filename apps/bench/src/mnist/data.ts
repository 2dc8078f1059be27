import { createRequire } from 'node:module';

/** One digit class of the `mnist` package (1.1.0). */
interface MnistDigit {
  /** Samples of this class. */
  length: number;
  /** Pixels of sample `index`, 784 values in [0, 1], row-major 28 x 28. */
  get(index: number): number[];
}

/** Digits as pooled pixel sequences with integer labels. */
export interface DigitSet {
  /** Row-major pooled images, `count * sequenceLength` values in [0, 1]. */
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
  /** Pixels per sequence: (28 / pool)^2. */
  sequenceLength: number;
}

/** Sample range per class, and the pooling. */
export interface DigitSplit {
  /** First sample index within each class. */
  start: number;
  /** Samples per class. */
  perClass: number;
  /** Side of the square average pooling: 1, 2, 4, 7, 14 or 28. */
  pool: number;
}

const IMAGE_SIDE = 28;

/**
 * Loads real MNIST digits from the `mnist` package: `perClass` samples of
 * each class from index `start`, average-pooled to a side of 28 / pool and
 * interleaved by class (0, 1, ..., 9, 0, 1, ...).
 *
 * @param split Sample range and pooling.
 * @returns The images as pixel sequences and their labels.
 * @throws RangeError if `pool` does not divide 28 or the range exceeds the
 *   smallest class (863 samples in `mnist` 1.1.0).
 */
export function loadDigits(split: DigitSplit): DigitSet {
  const { start, perClass, pool } = split;
  if (!Number.isInteger(pool) || pool < 1 || IMAGE_SIDE % pool !== 0) {
    throw new RangeError(
      `loadDigits: pool must be a divisor of ${IMAGE_SIDE}, got ${pool}.`,
    );
  }
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const smallest = Math.min(...digits.slice(0, 10).map((d) => d.length));
  if (!Number.isInteger(start) || start < 0 || start + perClass > smallest) {
    throw new RangeError(
      `loadDigits: samples ${start} to ${start + perClass - 1} must lie within ` +
        `0 to ${smallest - 1}, the size of the smallest class.`,
    );
  }

  const side = IMAGE_SIDE / pool;
  const sequenceLength = side * side;
  const count = perClass * 10;
  const pixels = new Float32Array(count * sequenceLength);
  const labels = new Int32Array(count);

  for (let sample = 0; sample < perClass; sample++) {
    for (let label = 0; label < 10; label++) {
      const row = sample * 10 + label;
      const image = (digits[label] as MnistDigit).get(start + sample);
      labels[row] = label;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          let total = 0;
          for (let dy = 0; dy < pool; dy++) {
            for (let dx = 0; dx < pool; dx++) {
              total += image[(y * pool + dy) * IMAGE_SIDE + x * pool + dx] ?? 0;
            }
          }
          pixels[row * sequenceLength + y * side + x] = total / (pool * pool);
        }
      }
    }
  }
  return { pixels, labels, count, sequenceLength };
}
