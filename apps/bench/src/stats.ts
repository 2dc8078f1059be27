/** Summary statistics of repeated timings, in seconds. */
export interface TimingSummary {
  /** Median of the samples; the mean of the two middle ones for an even count. */
  median: number;
  /** Fastest sample. */
  min: number;
  /** Slowest sample. */
  max: number;
  /** Number of timed samples. */
  runs: number;
}

/**
 * Computes the median of `values`.
 *
 * @param values At least one finite number, in any order.
 * @returns The middle value, or the mean of the two middle values for an even
 *   count.
 * @throws RangeError if `values` is empty or contains a non-finite number.
 */
export function median(values: readonly number[]): number {
  checkSamples('median', values);

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) {
    return sorted[middle] as number;
  }
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Summarizes timing samples as median, min and max.
 *
 * @param samples Durations in seconds, at least one.
 * @returns The median, min, max and count of `samples`.
 * @throws RangeError if `samples` is empty or contains a non-finite number.
 */
export function summarize(samples: readonly number[]): TimingSummary {
  checkSamples('summarize', samples);

  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
  };
}

function checkSamples(caller: string, values: readonly number[]): void {
  if (values.length === 0) {
    throw new RangeError(`${caller}: expected at least one sample, got none.`);
  }
  const index = values.findIndex((value) => !Number.isFinite(value));
  if (index !== -1) {
    throw new RangeError(
      `${caller}: expected finite samples, got ${values[index]} at index ${index}.`,
    );
  }
}
