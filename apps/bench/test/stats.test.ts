import { describe, expect, it } from 'vitest';
import { median, summarize } from '../src/stats.js';

describe('median', () => {
  it('takes the middle of an odd count', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('returns the only sample', () => {
    expect(median([0.25])).toBe(0.25);
  });

  it('leaves its input unsorted', () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(
      'median: expected at least one sample, got none.',
    );
  });

  it('rejects a non-finite sample', () => {
    expect(() => median([1, Number.NaN])).toThrow(
      'median: expected finite samples, got NaN at index 1.',
    );
  });
});

describe('summarize', () => {
  it('reports median, min, max and runs', () => {
    const summary = summarize([0.3, 0.1, 0.2, 0.5]);

    expect(summary.median).toBeCloseTo(0.25, 12);
    expect(summary.min).toBe(0.1);
    expect(summary.max).toBe(0.5);
    expect(summary.runs).toBe(4);
  });

  it('rejects an infinite sample', () => {
    expect(() => summarize([Number.POSITIVE_INFINITY])).toThrow(
      'summarize: expected finite samples, got Infinity at index 0.',
    );
  });
});
