import { availableParallelism } from 'node:os';
import { parseTrainingConfig } from '@s4d/config';
import { describe, expect, it } from 'vitest';
import { workerCount } from '../src/cli/train_command.js';
import { shareSeed } from '../src/parallel/worker_pool.js';

describe('shareSeed', () => {
  it('keeps the step seed for the first share', () => {
    expect(shareSeed(1234, 0)).toBe(1234);
  });

  it('gives every share start its own seed', () => {
    const seeds = [0, 6, 12, 16, 32].map((start) => shareSeed(1234, start));

    expect(new Set(seeds).size).toBe(seeds.length);
  });
});

describe('workerCount', () => {
  it('caps the default at the batch size', () => {
    const config = parseTrainingConfig({ batchSize: 1 });

    expect(workerCount(config)).toBe(1);
  });

  it('defaults to the logical CPUs for large batches', () => {
    const config = parseTrainingConfig({ batchSize: 4096 });

    expect(workerCount(config)).toBe(Math.min(availableParallelism(), 4096));
  });

  it('keeps an explicit count up to the batch size', () => {
    const config = parseTrainingConfig({ batchSize: 8, workers: 8 });

    expect(workerCount(config)).toBe(8);
  });

  it('rejects a count above the batch size', () => {
    const config = parseTrainingConfig({ batchSize: 8, workers: 9 });

    expect(() => workerCount(config)).toThrow(
      '--workers 9 is more than --batch-size 8;',
    );
  });
});
