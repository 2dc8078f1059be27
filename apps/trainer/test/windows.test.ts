import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { majorityBaseline } from '../src/data/dataset.js';
import { loadTableDataset } from '../src/data/windows.js';

const dir = mkdtempSync(join(tmpdir(), 's4d-windows-'));

/** 20 rows: t = 0..19, a = t, label alternates by t mod 3 == 0. */
function writeSeries(): string {
  const lines = ['t,a,label'];
  for (let t = 0; t < 20; t++) {
    lines.push(`${t},${t * 2},${t % 3 === 0 ? 'yes' : 'no'}`);
  }
  const path = join(dir, 'series.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const path = writeSeries();
const base = {
  path,
  features: ['t', 'a'],
  target: 'label',
  task: 'classification' as const,
  window: 3,
  testFraction: 0.25,
};

describe('loadTableDataset', () => {
  it('cuts windows inside each part', () => {
    const data = loadTableDataset(base);

    expect(data.train.count).toBe(15 - 3);
    expect(data.test.count).toBe(5 - 3);
    expect(data.train.length).toBe(3);
    expect(data.train.features).toBe(2);
  });

  it('never feeds held-out rows to training windows', () => {
    const data = loadTableDataset(base);
    const mean = 7;
    const std = Math.sqrt(
      Array.from({ length: 15 }, (_, t) => (t - mean) ** 2).reduce(
        (a, b) => a + b,
      ) / 15,
    );
    const lastTrainWindow = data.train.inputs.subarray(
      (data.train.count - 1) * 6,
    );
    const lastRowT = (lastTrainWindow[4] as number) * std + mean;

    expect(lastRowT).toBeCloseTo(13, 4);
    expect(data.train.targets[data.train.count - 1]).toBe(0);
  });

  it('starts held-out windows at the split', () => {
    const data = loadTableDataset(base);
    const mean = 7;
    const std = Math.sqrt(
      Array.from({ length: 15 }, (_, t) => (t - mean) ** 2).reduce(
        (a, b) => a + b,
      ) / 15,
    );
    const firstRowT = (data.test.inputs[0] as number) * std + mean;

    expect(firstRowT).toBeCloseTo(15, 4);
    expect(data.test.targets[0]).toBe(1);
  });

  it('standardizes with training statistics', () => {
    const data = loadTableDataset(base);
    const firstTrain = data.train.inputs[0] as number;
    const std = Math.sqrt(
      Array.from({ length: 15 }, (_, t) => (t - 7) ** 2).reduce(
        (a, b) => a + b,
      ) / 15,
    );

    expect(firstTrain).toBeCloseTo(-7 / std, 5);
  });

  it('sorts class names', () => {
    expect(loadTableDataset(base).classNames).toEqual(['no', 'yes']);
  });

  it('standardizes a regression target', () => {
    const data = loadTableDataset({
      ...base,
      target: 'a',
      task: 'regression',
    });

    expect(data.outputs).toBe(1);
    expect(data.targetMean).toBeCloseTo(14, 10);
    expect(
      (data.train.targets[0] as number) * (data.targetStd ?? Number.NaN) + 14,
    ).toBeCloseTo(6, 4);
  });

  it('picks numeric columns when features is null', () => {
    const data = loadTableDataset({ ...base, features: null });

    expect(data.train.features).toBe(2);
  });

  it('rejects a window longer than the data', () => {
    expect(() => loadTableDataset({ ...base, window: 5 })).toThrow(
      `dataset.window 5 is too long for ${path}: its 20 rows split into ` +
        '15 training and 5 held-out rows, and each part needs at least ' +
        'window + 1 = 6. Use a window of at most 4 or more data.',
    );
  });

  it('rejects a missing target column', () => {
    expect(() => loadTableDataset({ ...base, target: 'weather' })).toThrow(
      `The target column "weather" does not exist in ${path}.`,
    );
  });

  it('rejects a categorical feature', () => {
    expect(() =>
      loadTableDataset({ ...base, features: ['t', 'label'] }),
    ).toThrow(`Non-numeric value "yes" in column "label" of ${path} line 2.`);
  });
});

describe('majorityBaseline', () => {
  it('predicts the most frequent training class', () => {
    const baseline = majorityBaseline(loadTableDataset(base));

    expect(baseline.className).toBe('no');
    expect(baseline.accuracy).toBeCloseTo(0.5, 10);
  });
});
