import { describe, expect, it } from 'vitest';
import { loadDigits } from '../src/mnist/data.js';

describe('loadDigits', () => {
  const set = loadDigits({ start: 10, perClass: 3, pool: 4 });

  it('pools images to the requested side', () => {
    expect(set.sequenceLength).toBe(49);
    expect(set.pixels.length).toBe(30 * 49);
    expect(set.count).toBe(30);
  });

  it('interleaves the classes', () => {
    expect(Array.from(set.labels.slice(0, 12))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
    ]);
  });

  it('keeps pixels in [0, 1] with ink in every image', () => {
    expect(Math.min(...set.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...set.pixels)).toBeLessThanOrEqual(1);
    for (let row = 0; row < set.count; row++) {
      const image = set.pixels.subarray(row * 49, (row + 1) * 49);
      expect(Math.max(...image)).toBeGreaterThan(0);
    }
  });

  it('averages each pooling window', () => {
    const full = loadDigits({ start: 10, perClass: 1, pool: 1 });
    const halved = loadDigits({ start: 10, perClass: 1, pool: 2 });
    const at = (x: number, y: number) => full.pixels[y * 28 + x] ?? 0;
    const expected = (at(10, 12) + at(11, 12) + at(10, 13) + at(11, 13)) / 4;

    expect(halved.pixels[6 * 14 + 5]).toBeCloseTo(expected, 6);
  });

  it('rejects a pool that does not divide 28', () => {
    expect(() => loadDigits({ start: 0, perClass: 1, pool: 3 })).toThrow(
      'loadDigits: pool must be a divisor of 28, got 3.',
    );
  });

  it('rejects a range past the smallest class', () => {
    expect(() => loadDigits({ start: 860, perClass: 5, pool: 1 })).toThrow(
      'loadDigits: samples 860 to 864 must lie within 0 to 862, the size of the smallest class.',
    );
  });
});
