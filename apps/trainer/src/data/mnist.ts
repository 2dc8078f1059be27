import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TrainerError } from '../errors.js';
import { Rng } from '../rng.js';
import type { SequenceSet, SplitDataset } from './dataset.js';

/** The layout of a 28x28 digit as a sequence. */
export type MnistVariant = 'pixels' | 'rows';

/** Options for `loadMnist`, as in the `mnist` dataset config. */
export interface MnistOptions {
  /** `pixels`: 784 steps of one pixel; `rows`: 28 steps of 28 pixels. */
  variant: MnistVariant;
  trainSize: number;
  testSize: number;
  /** Seed of the permutation that assigns digits to the two parts. */
  splitSeed: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The digits of the `mnist` 1.1.0 package: pixels in [0, 1] and labels. */
interface Digits {
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
}

let cached: Digits | undefined;

/**
 * Reads the 10,000 digits of the `mnist` package from its ten JSON files
 * (`src/digits/<label>.json`, each `{ data: number[] }` with 784 values per
 * digit).
 */
function readDigits(): Digits {
  if (cached !== undefined) {
    return cached;
  }
  const require = createRequire(import.meta.url);
  const parts: number[][] = [];
  let count = 0;
  for (let label = 0; label < 10; label++) {
    const file = require.resolve(`mnist/src/digits/${label}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] })
      .data;
    parts.push(data);
    count += Math.floor(data.length / PIXELS);
  }

  const pixels = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let offset = 0;
  for (let label = 0; label < 10; label++) {
    const data = parts[label] as number[];
    const digits = Math.floor(data.length / PIXELS);
    pixels.set(data.slice(0, digits * PIXELS), offset * PIXELS);
    labels.fill(label, offset, offset + digits);
    offset += digits;
  }
  cached = { pixels, labels, count };
  return cached;
}

/**
 * Loads sequential MNIST: the `mnist` package's digits, split by a seeded
 * permutation into disjoint training and held-out parts, and standardized
 * with the mean and standard deviation of the training pixels.
 *
 * @returns Sequences `[count, 784, 1]` for `pixels` or `[count, 28, 28]` for
 *   `rows`, with class indices 0 to 9 as targets.
 * @throws TrainerError if the two parts need more digits than there are.
 */
export function loadMnist(options: MnistOptions): SplitDataset {
  const digits = readDigits();
  const { trainSize, testSize } = options;
  if (trainSize + testSize > digits.count) {
    throw new TrainerError(
      `dataset.trainSize + dataset.testSize must be at most ${digits.count} ` +
        `(the digits in the mnist package), got ${trainSize} + ${testSize}. ` +
        'Lower one of them.',
    );
  }

  const order = new Rng(options.splitSeed).permutation(digits.count);
  const trainIndices = order.subarray(0, trainSize);
  const testIndices = order.subarray(trainSize, trainSize + testSize);

  let sum = 0;
  let sumSquares = 0;
  for (const index of trainIndices) {
    for (let p = 0; p < PIXELS; p++) {
      const value = digits.pixels[index * PIXELS + p] as number;
      sum += value;
      sumSquares += value * value;
    }
  }
  const n = Math.max(1, trainSize * PIXELS);
  const mean = sum / n;
  const std = Math.sqrt(Math.max(sumSquares / n - mean * mean, 1e-12));

  const shape =
    options.variant === 'pixels'
      ? { length: PIXELS, features: 1 }
      : { length: SIDE, features: SIDE };
  const select = (indices: Int32Array): SequenceSet => {
    const inputs = new Float32Array(indices.length * PIXELS);
    const targets = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i] as number;
      for (let p = 0; p < PIXELS; p++) {
        inputs[i * PIXELS + p] =
          ((digits.pixels[index * PIXELS + p] as number) - mean) / std;
      }
      targets[i] = digits.labels[index] as number;
    }
    return { inputs, targets, count: indices.length, ...shape };
  };

  return {
    task: 'classification',
    train: select(trainIndices),
    test: select(testIndices),
    outputs: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    description:
      `sequential MNIST (${options.variant}, ${shape.length} steps of ` +
      `${shape.features}): ${trainSize} train, ${testSize} held out`,
  };
}
