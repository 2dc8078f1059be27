import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { TrainerError } from '../errors.js';

/** A file format the trainer reads. */
export type TableFormat = 'csv' | 'jsonl';

/**
 * Rows of named columns as read from a file, every value kept as a string
 * until a column is converted. `lines[i]` is the 1-based file line of row i,
 * for error messages.
 */
export interface Table {
  path: string;
  columns: string[];
  rows: string[][];
  lines: number[];
}

/** Picks the format from the file extension: `.jsonl` or `.ndjson`, else CSV. */
export function formatFromPath(path: string): TableFormat {
  const extension = extname(path).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'csv';
}

/**
 * Reads a CSV file (header row, comma separated, RFC 4180 double quotes) or a
 * JSON lines file (one object per line, the first object's keys as columns).
 *
 * @throws TrainerError if the file is missing, empty or malformed.
 */
export function readTable(path: string, format?: TableFormat): Table {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new TrainerError(
        `Data file not found: ${path}. Check the path given to --data or dataset.path.`,
      );
    }
    throw new TrainerError(
      `Cannot read data file ${path}: ${(error as Error).message}.`,
    );
  }
  const resolved = format ?? formatFromPath(path);
  const table =
    resolved === 'jsonl' ? parseJsonLines(path, text) : parseCsv(path, text);
  if (table.rows.length === 0) {
    throw new TrainerError(
      `Data file ${path} has no data rows. Give a file with a header and at least one row.`,
    );
  }
  return table;
}

/** Splits CSV text into records of fields; quotes may span lines. */
function parseCsv(path: string, text: string): Table {
  const records: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const endRecord = () => {
    record.push(field);
    field = '';
    const blank = record.length === 1 && record[0] === '';
    if (!blank) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
  };

  for (; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n') {
          line++;
        }
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') {
        i++;
      }
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
    }
  }
  if (quoted) {
    throw new TrainerError(
      `Malformed CSV in ${path}: a quoted field opened on line ${recordLine} ` +
        'is never closed. Close the quote with ".',
    );
  }
  if (field !== '' || record.length > 0) {
    endRecord();
  }

  const header = records.shift();
  lines.shift();
  if (header === undefined) {
    throw new TrainerError(
      `Data file ${path} is empty. Give a CSV file with a header row.`,
    );
  }
  const columns = header.map((name) => name.trim());
  records.forEach((row, index) => {
    if (row.length !== columns.length) {
      throw new TrainerError(
        `Malformed CSV in ${path} line ${lines[index]}: expected ` +
          `${columns.length} fields like the header, got ${row.length}. ` +
          'Fix the row or quote fields that contain commas.',
      );
    }
  });
  return { path, columns, rows: records, lines };
}

/** Reads one JSON object per non-blank line. */
function parseJsonLines(path: string, text: string): Table {
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((source, index) => {
    if (source.trim() === '') {
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new TrainerError(
        `Malformed JSON in ${path} line ${index + 1}: ${(error as Error).message}. ` +
          'Each line must be one JSON object.',
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TrainerError(
        `Malformed JSON lines in ${path} line ${index + 1}: expected an ` +
          `object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`,
      );
    }
    objects.push(value as Record<string, unknown>);
    lines.push(index + 1);
  });
  const first = objects[0];
  if (first === undefined) {
    return { path, columns: [], rows: [], lines: [] };
  }
  const columns = Object.keys(first);
  const rows = objects.map((object) =>
    columns.map((column) => {
      const value = object[column];
      return value === undefined || value === null ? '' : String(value);
    }),
  );
  return { path, columns, rows, lines };
}

/**
 * Returns the index of a column.
 *
 * @throws TrainerError naming the available columns if it does not exist.
 */
export function columnIndex(table: Table, name: string, role: string): number {
  const index = table.columns.indexOf(name);
  if (index < 0) {
    throw new TrainerError(
      `The ${role} column ${JSON.stringify(name)} does not exist in ` +
        `${table.path}. Available columns: ${table.columns.join(', ')}.`,
    );
  }
  return index;
}

/**
 * Converts a column to numbers.
 *
 * @throws TrainerError naming the line and value of the first entry that is
 *   not a finite number.
 */
export function numericColumn(table: Table, column: number): Float64Array {
  const values = new Float64Array(table.rows.length);
  table.rows.forEach((row, index) => {
    const text = (row[column] as string).trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) {
      throw new TrainerError(
        `Non-numeric value ${JSON.stringify(row[column])} in column ` +
          `${JSON.stringify(table.columns[column])} of ${table.path} line ` +
          `${table.lines[index]}. Features must be numbers: fix the value, ` +
          'drop the row or leave the column out of dataset.features.',
      );
    }
    values[index] = value;
  });
  return values;
}
