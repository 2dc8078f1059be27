import { availableParallelism } from 'node:os';
import { parseTrainingConfig } from '@s4d/config';
import { describe, expect, it } from 'vitest';
import { workerCount } from '../src/cli/train_command.js';
import { contiguousRanges } from '../src/parallel/protocol.js';
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

describe('contiguousRanges', () => {
  it('splits a batch of 16 in three', () => {
    expect(contiguousRanges(16, 3)).toEqual([
      { start: 0, end: 6 },
      { start: 6, end: 12 },
      { start: 12, end: 16 },
    ]);
  });

  it('aligns parts to a multiple', () => {
    expect(contiguousRanges(70, 2, 32)).toEqual([
      { start: 0, end: 64 },
      { start: 64, end: 70 },
    ]);
  });

  it('leaves trailing parts empty', () => {
    expect(contiguousRanges(1, 3)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 1 },
      { start: 1, end: 1 },
    ]);
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
