import { describe, expect, it } from 'vitest';
import { formatMarkdownTable } from '../src/format/markdown.js';
import { caseRow, formatTextTable, groupCases } from '../src/format/table.js';
import {
  formatMebibytes,
  formatNumber,
  formatPercent,
  formatSeconds,
} from '../src/format/units.js';
import type { CaseResult } from '../src/report.js';

function result(overrides: Partial<CaseResult>): CaseResult {
  return {
    suite: 'kernel',
    group: 'length sweep forward',
    name: 'case',
    implementation: 'impl',
    backend: 'wasm',
    params: {},
    status: 'ok',
    tokens: 10,
    ...overrides,
  };
}

describe('formatSeconds', () => {
  it('picks a unit for each magnitude', () => {
    expect(formatSeconds(2.5)).toBe('2.5 s');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(4.56e-5)).toBe('45.6 us');
    expect(formatSeconds(7e-9)).toBe('7 ns');
  });

  it('rounds to whole units from 100', () => {
    expect(formatSeconds(0.1234)).toBe('123 ms');
  });

  it('prints a dash for missing values', () => {
    expect(formatSeconds(undefined)).toBe('-');
    expect(formatSeconds(Number.NaN)).toBe('-');
  });
});

describe('formatNumber', () => {
  it('keeps three significant digits', () => {
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatNumber(45.67)).toBe('45.7');
    expect(formatNumber(1234.5)).toBe('1235');
  });

  it('switches to an exponent outside 0.001 to 1e6', () => {
    expect(formatNumber(0.00012)).toBe('1.20e-4');
    expect(formatNumber(2.5e7)).toBe('2.50e+7');
  });
});

describe('formatMebibytes and formatPercent', () => {
  it('formats bytes in MiB', () => {
    expect(formatMebibytes(3 * 2 ** 20)).toBe('3.0 MiB');
  });

  it('formats a fraction as a percentage', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
  });

  it('print a dash for missing values', () => {
    expect(formatMebibytes(undefined)).toBe('-');
    expect(formatPercent(undefined)).toBe('-');
  });
});

describe('formatTextTable', () => {
  it('pads columns to a common width', () => {
    const table = formatTextTable(
      ['name', 'time'],
      [
        ['a', '1 s'],
        ['long name', '10 ms'],
      ],
    );

    expect(table.split('\n')).toEqual([
      'name        time',
      '---------  -----',
      'a            1 s',
      'long name  10 ms',
    ]);
  });
});

describe('caseRow', () => {
  it('formats a measured case', () => {
    const row = caseRow(
      result({
        name: 'x',
        seconds: { median: 0.002, min: 0.001, max: 0.003, runs: 3 },
        secondsPerToken: 0.0002,
        gflopsPerSecond: 1.5,
        rooflineFraction: 0.1,
        memory: { peakTensorBytes: 2 ** 20, rssBytes: 2 ** 21, maxRssBytes: 0 },
      }),
    );

    expect(row).toEqual([
      'x',
      '2 ms',
      '1 ms',
      '3 ms',
      '200 us',
      '1.5',
      '10.0%',
      '1.0 MiB',
      '2.0 MiB',
    ]);
  });

  it('shows the reason of a skipped case', () => {
    const row = caseRow(result({ status: 'skipped', reason: 'no kernel' }));
    expect(row[1]).toBe('skipped: no kernel');
  });
});

describe('groupCases', () => {
  it('keeps the order of first appearance', () => {
    const groups = groupCases([
      result({ name: 'a', group: 'one' }),
      result({ name: 'b', group: 'two' }),
      result({ name: 'c', group: 'one' }),
    ]);

    expect([...groups.keys()]).toEqual(['kernel / one', 'kernel / two']);
    expect(groups.get('kernel / one')?.map((r) => r.name)).toEqual(['a', 'c']);
  });
});

describe('formatMarkdownTable', () => {
  it('pads cells like the Biome formatter', () => {
    const lines = formatMarkdownTable(
      ['name', 'time'],
      [
        ['a|b', '1 s'],
        ['long name', '10 ms'],
      ],
      [1],
    );

    expect(lines).toEqual([
      '| name      |  time |',
      '| --------- | ----: |',
      '| a\\|b      |   1 s |',
      '| long name | 10 ms |',
    ]);
  });

  it('keeps columns at least three wide', () => {
    const lines = formatMarkdownTable(['a'], [['b']]);
    expect(lines).toEqual(['| a   |', '| --- |', '| b   |']);
  });
});
