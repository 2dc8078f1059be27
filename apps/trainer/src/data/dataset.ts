/** The prediction task of a dataset. */
export type Task = 'classification' | 'regression';

/**
 * A set of equal-length sequences held in flat arrays.
 *
 * `inputs` is `[count, length, features]` in row-major order. `targets` is
 * `[count]`: a class index for classification, a value for regression.
 */
export interface SequenceSet {
  inputs: Float32Array;
  targets: Float32Array;
  count: number;
  length: number;
  features: number;
}

/** A dataset split into a training part and a held-out part. */
export interface SplitDataset {
  task: Task;
  train: SequenceSet;
  test: SequenceSet;
  /** Number of classes for classification, 1 for regression. */
  outputs: number;
  /** Class names in index order (classification only). */
  classNames?: string[];
  /**
   * Mean and standard deviation of the regression target in the training
   * part. Targets are stored standardized, so errors in the original unit
   * are the standardized ones times `targetStd`.
   */
  targetMean?: number;
  targetStd?: number;
  /** One line for the log, e.g. `MNIST pixels: 8000 train, 2000 test`. */
  description: string;
}

/** A batch copied out of a `SequenceSet`. */
export interface Batch {
  /** `[size, length, features]`. */
  inputs: Float32Array;
  /** `[size]`. */
  targets: Float32Array;
  size: number;
}

/** Copies the sequences at `indices` into a contiguous batch. */
export function gatherBatch(
  set: SequenceSet,
  indices: ArrayLike<number>,
): Batch {
  const stride = set.length * set.features;
  const inputs = new Float32Array(indices.length * stride);
  const targets = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    inputs.set(
      set.inputs.subarray(index * stride, (index + 1) * stride),
      i * stride,
    );
    targets[i] = set.targets[index] as number;
  }
  return { inputs, targets, size: indices.length };
}

/** Returns the first `count` sequences of a set without copying. */
export function takeFirst(set: SequenceSet, count: number): SequenceSet {
  const n = Math.min(count, set.count);
  const stride = set.length * set.features;
  return {
    inputs: set.inputs.subarray(0, n * stride),
    targets: set.targets.subarray(0, n),
    count: n,
    length: set.length,
    features: set.features,
  };
}

/** Returns the fraction of targets equal to the most frequent training class. */
export function majorityBaseline(data: SplitDataset): {
  className: string;
  accuracy: number;
} {
  const counts = new Map<number, number>();
  for (const target of data.train.targets) {
    counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [label, count] of counts) {
    if (count > bestCount || (count === bestCount && label < best)) {
      best = label;
      bestCount = count;
    }
  }
  let hits = 0;
  for (const target of data.test.targets) {
    if (target === best) {
      hits++;
    }
  }
  return {
    className: data.classNames?.[best] ?? String(best),
    accuracy: data.test.count === 0 ? 0 : hits / data.test.count,
  };
}
