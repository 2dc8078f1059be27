import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMetric, encodeMetric } from '../src/checkpoint_codec.js';
import {
  bestCheckpoint,
  checkpointFileName,
  latestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  writeSafetensorsFile,
} from '../src/index.js';
import { useTempFolder } from './temp_folder.js';

/** Writes an empty checkpoint file for `step` with `metric`. */
async function writeStub(
  folder: string,
  step: number,
  metric: number | null,
): Promise<void> {
  const path = join(folder, checkpointFileName(step));
  await writeSafetensorsFile(path, new Map(), {
    metadata: { metric: encodeMetric(metric) },
  });
}

/** Returns the sorted names of the files in `folder`. */
async function namesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).sort();
}

describe('checkpointFileName', () => {
  it('pads the step', () => {
    expect(checkpointFileName(1200)).toBe('checkpoint-000001200.safetensors');
  });

  it('rejects a negative step', () => {
    expect(() => checkpointFileName(-1)).toThrow(
      'checkpointFileName: step must be a non-negative integer, got -1',
    );
  });

  it('rejects a fractional step', () => {
    expect(() => checkpointFileName(1.5)).toThrow(
      'checkpointFileName: step must be a non-negative integer, got 1.5',
    );
  });
});

describe('listCheckpoints', () => {
  const folder = useTempFolder();

  it('sorts by step and ignores other files', async () => {
    await writeStub(folder.path, 20, null);
    await writeStub(folder.path, 3, null);
    await writeFile(join(folder.path, 'notes.txt'), '');
    await writeFile(
      join(
        folder.path,
        '.checkpoint-000000030.safetensors.0123456789abcdef.tmp',
      ),
      'partial',
    );
    const checkpoints = await listCheckpoints(folder.path);

    expect(checkpoints.map((file) => file.step)).toEqual([3, 20]);
  });

  it('orders steps past the padding numerically', async () => {
    await writeFile(join(folder.path, 'checkpoint-1000000000.safetensors'), '');
    await writeStub(folder.path, 999_999_999, null);
    const steps = (await listCheckpoints(folder.path)).map((f) => f.step);

    expect(steps).toEqual([999_999_999, 1_000_000_000]);
  });

  it('returns nothing for a missing folder', async () => {
    expect(await listCheckpoints(join(folder.path, 'missing'))).toEqual([]);
  });
});

describe('latestCheckpoint', () => {
  const folder = useTempFolder();

  it('returns the highest step', async () => {
    await writeStub(folder.path, 5, null);
    await writeStub(folder.path, 40, null);

    expect(await latestCheckpoint(folder.path)).toBe(
      join(folder.path, checkpointFileName(40)),
    );
  });

  it('returns null for an empty folder', async () => {
    expect(await latestCheckpoint(folder.path)).toBeNull();
  });
});

describe('bestCheckpoint', () => {
  const folder = useTempFolder();

  it('picks the lowest metric by default', async () => {
    await writeStub(folder.path, 1, 0.5);
    await writeStub(folder.path, 2, 0.25);
    await writeStub(folder.path, 3, 0.75);

    expect(await bestCheckpoint(folder.path)).toBe(
      join(folder.path, checkpointFileName(2)),
    );
  });

  it('picks the highest metric in max mode', async () => {
    await writeStub(folder.path, 1, 0.5);
    await writeStub(folder.path, 2, 0.25);
    await writeStub(folder.path, 3, 0.75);

    expect(await bestCheckpoint(folder.path, { mode: 'max' })).toBe(
      join(folder.path, checkpointFileName(3)),
    );
  });

  it('keeps the earliest of equal metrics', async () => {
    await writeStub(folder.path, 1, 0.5);
    await writeStub(folder.path, 2, 0.5);

    expect(await bestCheckpoint(folder.path)).toBe(
      join(folder.path, checkpointFileName(1)),
    );
  });

  it('skips null and NaN metrics', async () => {
    await writeStub(folder.path, 1, null);
    await writeStub(folder.path, 2, Number.NaN);
    await writeStub(folder.path, 3, Infinity);

    expect(await bestCheckpoint(folder.path)).toBe(
      join(folder.path, checkpointFileName(3)),
    );
  });

  it('returns null without metrics', async () => {
    await writeStub(folder.path, 1, null);

    expect(await bestCheckpoint(folder.path)).toBeNull();
  });

  it('rejects an unknown mode', async () => {
    await expect(
      bestCheckpoint(folder.path, { mode: 'lowest' as 'min' }),
    ).rejects.toThrow(
      "bestCheckpoint: options.mode must be 'min' or 'max', got \"lowest\"",
    );
  });
});

describe('pruneCheckpoints', () => {
  const folder = useTempFolder();

  it('keeps the newest and the best', async () => {
    const metrics = [0.9, 0.1, 0.8, 0.7, 0.6];
    for (const [index, metric] of metrics.entries()) {
      await writeStub(folder.path, (index + 1) * 10, metric);
    }
    const removed = await pruneCheckpoints(folder.path, { keep: 2 });

    expect(await namesIn(folder.path)).toEqual([
      checkpointFileName(20),
      checkpointFileName(40),
      checkpointFileName(50),
    ]);
    expect(removed.sort()).toEqual([
      join(folder.path, checkpointFileName(10)),
      join(folder.path, checkpointFileName(30)),
    ]);
  });

  it('keeps the best by max mode', async () => {
    for (const [index, metric] of [0.9, 0.1, 0.2].entries()) {
      await writeStub(folder.path, index, metric);
    }
    await pruneCheckpoints(folder.path, { keep: 1, mode: 'max' });

    expect(await namesIn(folder.path)).toEqual([
      checkpointFileName(0),
      checkpointFileName(2),
    ]);
  });

  it('leaves an unreadable checkpoint file alone', async () => {
    await writeStub(folder.path, 10, 0.5);
    await writeStub(folder.path, 20, 0.4);
    await writeStub(folder.path, 30, 0.3);
    await writeFile(
      join(folder.path, checkpointFileName(15)),
      'not a checkpoint',
    );
    const removed = await pruneCheckpoints(folder.path, { keep: 1 });

    expect(await namesIn(folder.path)).toEqual([
      checkpointFileName(15),
      checkpointFileName(30),
    ]);
    expect(removed.sort()).toEqual([
      join(folder.path, checkpointFileName(10)),
      join(folder.path, checkpointFileName(20)),
    ]);
    expect(await bestCheckpoint(folder.path)).toBe(
      join(folder.path, checkpointFileName(30)),
    );
  });

  it('removes leftover temporary files', async () => {
    await writeStub(folder.path, 1, null);
    const leftover = '.checkpoint-000000002.safetensors.0123456789abcdef.tmp';
    const other = '.notes.txt.0123456789abcdef.tmp';
    await writeFile(join(folder.path, leftover), 'partial');
    await writeFile(join(folder.path, other), 'partial');
    await pruneCheckpoints(folder.path, { keep: 3 });

    expect(await namesIn(folder.path)).toEqual([other, checkpointFileName(1)]);
  });

  it('rejects keep below 1', async () => {
    await expect(pruneCheckpoints(folder.path, { keep: 0 })).rejects.toThrow(
      'pruneCheckpoints: options.keep must be an integer of at least 1, got 0',
    );
  });

  it('rejects a fractional keep', async () => {
    await expect(pruneCheckpoints(folder.path, { keep: 2.5 })).rejects.toThrow(
      'pruneCheckpoints: options.keep must be an integer of at least 1, got 2.5',
    );
  });

  it('rejects an unknown mode', async () => {
    const options = { keep: 1, mode: 'best' as 'min' };

    await expect(pruneCheckpoints(folder.path, options)).rejects.toThrow(
      "pruneCheckpoints: options.mode must be 'min' or 'max', got \"best\"",
    );
  });
});

describe('encodeMetric', () => {
  const values = [0.1, -3, 1e-300, Infinity, -Infinity, -0, 0, null];

  for (const value of values) {
    it(`round-trips ${Object.is(value, -0) ? '-0' : String(value)}`, () => {
      const decoded = decodeMetric(encodeMetric(value), 'f', 'metric');

      expect(Object.is(decoded, value)).toBe(true);
    });
  }

  it('round-trips NaN', () => {
    const decoded = decodeMetric(encodeMetric(Number.NaN), 'f', 'metric');

    expect(Number.isNaN(decoded)).toBe(true);
  });

  it('rejects other text', () => {
    expect(() => decodeMetric('"fast"', 'f', 'metric')).toThrow(
      `f: metadata 'metric' must be a JSON number, null, or one of "NaN", "Infinity", "-Infinity", "-0", got "\\"fast\\""`,
    );
  });
});
