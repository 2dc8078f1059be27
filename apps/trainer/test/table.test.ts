import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnIndex, numericColumn, readTable } from '../src/data/table.js';

const dir = mkdtempSync(join(tmpdir(), 's4d-table-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readTable', () => {
  it('reads a CSV header and rows', () => {
    const table = readTable(write('a.csv', 'x,y\n1,2\n3,4\n'));

    expect(table.columns).toEqual(['x', 'y']);
    expect(table.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(table.lines).toEqual([2, 3]);
  });

  it('reads quoted fields', () => {
    const table = readTable(write('q.csv', 'a,b\r\n"x, ""y""",2\r\n'));

    expect(table.rows[0]).toEqual(['x, "y"', '2']);
  });

  it('reads JSON lines', () => {
    const table = readTable(
      write('a.jsonl', '{"x": 1, "y": "rain"}\n\n{"x": 2, "y": "sun"}\n'),
    );

    expect(table.columns).toEqual(['x', 'y']);
    expect(table.rows).toEqual([
      ['1', 'rain'],
      ['2', 'sun'],
    ]);
  });

  it('rejects a missing file', () => {
    const path = join(dir, 'missing.csv');

    expect(() => readTable(path)).toThrow(
      `Data file not found: ${path}. Check the path given to --data or dataset.path.`,
    );
  });

  it('rejects a row with too few fields', () => {
    const path = write('short.csv', 'x,y\n1,2\n3\n');

    expect(() => readTable(path)).toThrow(
      `Malformed CSV in ${path} line 3: expected 2 fields like the header, got 1.`,
    );
  });

  it('rejects an unclosed quote', () => {
    const path = write('quote.csv', 'x,y\n"1,2\n');

    expect(() => readTable(path)).toThrow(
      `Malformed CSV in ${path}: a quoted field opened on line 2 is never closed.`,
    );
  });

  it('rejects a file with only a header', () => {
    const path = write('header.csv', 'x,y\n');

    expect(() => readTable(path)).toThrow(
      `Data file ${path} has no data rows.`,
    );
  });

  it('rejects a malformed JSON line', () => {
    const path = write('bad.jsonl', '{"x": 1}\n{"x": \n');

    expect(() => readTable(path)).toThrow(`Malformed JSON in ${path} line 2:`);
  });

  it('rejects a JSON line that is not an object', () => {
    const path = write('array.jsonl', '[1, 2]\n');

    expect(() => readTable(path)).toThrow(
      `Malformed JSON lines in ${path} line 1: expected an object, got an array.`,
    );
  });
});

describe('columnIndex', () => {
  it('rejects a column that does not exist', () => {
    const path = write('c.csv', 'x,y\n1,2\n');
    const table = readTable(path);

    expect(() => columnIndex(table, 'z', 'feature')).toThrow(
      `The feature column "z" does not exist in ${path}. Available columns: x, y.`,
    );
  });
});

describe('numericColumn', () => {
  it('converts numbers', () => {
    const table = readTable(write('n.csv', 'x\n1.5\n-2e3\n'));

    expect([...numericColumn(table, 0)]).toEqual([1.5, -2000]);
  });

  it('rejects a non-numeric value', () => {
    const path = write('nan.csv', 'x\n1\nabc\n');
    const table = readTable(path);

    expect(() => numericColumn(table, 0)).toThrow(
      `Non-numeric value "abc" in column "x" of ${path} line 3.`,
    );
  });

  it('rejects an empty value', () => {
    const path = write('empty.csv', 'x,y\n1,2\n,3\n');
    const table = readTable(path);

    expect(() => numericColumn(table, 0)).toThrow(
      `Non-numeric value "" in column "x" of ${path} line 3.`,
    );
  });
});
