import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from '../src/rng.js';

describe('Rng', () => {
  it('repeats draws for equal seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const drawsA = Array.from({ length: 5 }, () => a.next());
    const drawsB = Array.from({ length: 5 }, () => b.next());

    expect(drawsA).toEqual(drawsB);
  });

  it('draws floats in [0, 1)', () => {
    const rng = new Rng(7);
    const draws = Array.from({ length: 1000 }, () => rng.next());

    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });

  it('continues the sequence after setState', () => {
    const rng = new Rng(3);
    rng.next();
    const state = rng.getState();
    const expected = [rng.next(), rng.next()];
    const restored = new Rng(99);
    restored.setState(state);

    expect([restored.next(), restored.next()]).toEqual(expected);
  });

  it('rejects a non-integer state', () => {
    expect(() => new Rng(1).setState(1.5)).toThrow(
      'Rng.setState: state must be an unsigned 32-bit integer, got 1.5.',
    );
  });

  it('makes a permutation', () => {
    const order = [...new Rng(5).permutation(50)];

    expect([...order].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(order).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('deriveSeed', () => {
  it('differs across streams', () => {
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
  });

  it('is deterministic', () => {
    expect(deriveSeed(123, 4)).toBe(deriveSeed(123, 4));
  });
});
