import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/data/mnist.js';

const options = {
  variant: 'rows' as const,
  trainSize: 300,
  testSize: 100,
  splitSeed: 1,
};

describe('loadMnist', () => {
  it('splits into the requested sizes', () => {
    const data = loadMnist(options);

    expect(data.train.count).toBe(300);
    expect(data.test.count).toBe(100);
  });

  it('shapes rows as 28 steps of 28', () => {
    const data = loadMnist(options);

    expect(data.train.length).toBe(28);
    expect(data.train.features).toBe(28);
    expect(data.train.inputs.length).toBe(300 * 784);
  });

  it('shapes pixels as 784 steps of 1', () => {
    const data = loadMnist({ ...options, variant: 'pixels' });

    expect(data.train.length).toBe(784);
    expect(data.train.features).toBe(1);
  });

  it('is deterministic for a seed', () => {
    const a = loadMnist(options);
    const b = loadMnist(options);

    expect([...a.test.targets]).toEqual([...b.test.targets]);
  });

  it('depends on the split seed', () => {
    const a = loadMnist(options);
    const b = loadMnist({ ...options, splitSeed: 2 });

    expect([...a.test.targets]).not.toEqual([...b.test.targets]);
  });

  it('holds every class in training', () => {
    const classes = new Set(loadMnist(options).train.targets);

    expect(classes.size).toBe(10);
  });

  it('rejects more digits than the package has', () => {
    expect(() =>
      loadMnist({ ...options, trainSize: 9000, testSize: 2000 }),
    ).toThrow(
      'dataset.trainSize + dataset.testSize must be at most 10000 (the ' +
        'digits in the mnist package), got 9000 + 2000. Lower one of them.',
    );
  });
});
