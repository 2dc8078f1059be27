import { describe, expect, it } from 'vitest';
import { learningRateFactor } from '../src/optim/schedule.js';

const cosine = {
  schedule: 'cosine' as const,
  warmupSteps: 10,
  totalSteps: 110,
};

describe('learningRateFactor', () => {
  it('warms up linearly', () => {
    expect(learningRateFactor(0, cosine)).toBeCloseTo(0.1, 12);
    expect(learningRateFactor(4, cosine)).toBeCloseTo(0.5, 12);
  });

  it('starts the decay at 1', () => {
    expect(learningRateFactor(10, cosine)).toBeCloseTo(1, 12);
  });

  it('is one half midway through the decay', () => {
    expect(learningRateFactor(60, cosine)).toBeCloseTo(0.5, 12);
  });

  it('reaches 0 at the last step', () => {
    expect(learningRateFactor(110, cosine)).toBeCloseTo(0, 12);
  });

  it('stays flat for constant', () => {
    const constant = { ...cosine, schedule: 'constant' as const };

    expect(learningRateFactor(90, constant)).toBe(1);
  });

  it('has no warmup when warmupSteps is 0', () => {
    expect(
      learningRateFactor(0, { ...cosine, warmupSteps: 0, totalSteps: 100 }),
    ).toBeCloseTo(1, 12);
  });
});
