import { TrainerError } from '../errors.js';
import type { SequenceSet, SplitDataset, Task } from './dataset.js';
import {
  columnIndex,
  numericColumn,
  readTable,
  type Table,
  type TableFormat,
} from './table.js';

/** Options for `loadTableDataset`, as in the `csv` dataset config. */
export interface TableDatasetOptions {
  path: string;
  format?: TableFormat;
  /**
   * Numeric feature columns, in input-channel order, or `null` for every
   * column other than the target whose values are all numbers.
   */
  features: string[] | null;
  target: string;
  task: Task;
  /** Rows per input window. */
  window: number;
  /** Fraction of rows, taken from the end, that are held out. */
  testFraction: number;
}

/**
 * Loads a time series table as windows: the input is `window` consecutive
 * rows of the feature columns and the target is the target column at the
 * next row (a class for classification, the next value for regression).
 *
 * The first `1 - testFraction` of the rows are the training part and the rest
 * the held-out part. Every window lies wholly inside one part, so no held-out
 * row is ever seen in training. Features (and a regression target) are
 * standardized with the mean and standard deviation of the training rows.
 *
 * @returns Sequences `[count, window, features]`.
 * @throws TrainerError for a missing file, a missing column, a non-numeric
 *   feature or a window that does not fit in either part.
 */
export function loadTableDataset(options: TableDatasetOptions): SplitDataset {
  const table = readTable(options.path, options.format);
  const targetColumn = columnIndex(table, options.target, 'target');
  const featureColumns =
    options.features === null
      ? numericColumns(table, targetColumn)
      : options.features.map((name) => columnIndex(table, name, 'feature'));

  const rows = table.rows.length;
  const trainRows = Math.floor(rows * (1 - options.testFraction));
  const testRows = rows - trainRows;
  const window = options.window;
  if (window + 1 > trainRows || window + 1 > testRows) {
    throw new TrainerError(
      `dataset.window ${window} is too long for ${options.path}: its ${rows} ` +
        `rows split into ${trainRows} training and ${testRows} held-out rows, ` +
        `and each part needs at least window + 1 = ${window + 1}. Use a ` +
        'window of at most ' +
        `${Math.max(0, Math.min(trainRows, testRows) - 1)} or more data.`,
    );
  }

  const features = featureColumns.map((column) => numericColumn(table, column));
  const featureStats = features.map((values) => meanStd(values, trainRows));

  let targets: Float64Array;
  let classNames: string[] | undefined;
  let targetMean: number | undefined;
  let targetStd: number | undefined;
  if (options.task === 'classification') {
    classNames = [
      ...new Set(table.rows.map((row) => row[targetColumn] as string)),
    ].sort();
    const lookup = new Map(classNames.map((name, index) => [name, index]));
    targets = Float64Array.from(
      table.rows,
      (row) => lookup.get(row[targetColumn] as string) as number,
    );
  } else {
    const raw = numericColumn(table, targetColumn);
    const stats = meanStd(raw, trainRows);
    targetMean = stats.mean;
    targetStd = stats.std;
    targets = raw.map((value) => (value - stats.mean) / stats.std);
  }

  const makeWindows = (start: number, end: number): SequenceSet => {
    const count = end - start - window;
    const width = features.length;
    const inputs = new Float32Array(count * window * width);
    const windowTargets = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const first = start + i;
      for (let t = 0; t < window; t++) {
        for (let f = 0; f < width; f++) {
          const { mean, std } = featureStats[f] as {
            mean: number;
            std: number;
          };
          const value = (features[f] as Float64Array)[first + t] as number;
          inputs[(i * window + t) * width + f] = (value - mean) / std;
        }
      }
      windowTargets[i] = targets[first + window] as number;
    }
    return {
      inputs,
      targets: windowTargets,
      count,
      length: window,
      features: width,
    };
  };

  const train = makeWindows(0, trainRows);
  const test = makeWindows(trainRows, rows);
  const result: SplitDataset = {
    task: options.task,
    train,
    test,
    outputs: classNames?.length ?? 1,
    description:
      `${options.path} (${options.task}, window ${window}, target ` +
      `${options.target}): ${train.count} train, ${test.count} held-out windows`,
  };
  if (classNames !== undefined) {
    result.classNames = classNames;
  }
  if (targetMean !== undefined && targetStd !== undefined) {
    result.targetMean = targetMean;
    result.targetStd = targetStd;
  }
  return result;
}

/**
 * Returns the columns other than `exclude` whose every value is a number.
 *
 * @throws TrainerError if there is none.
 */
function numericColumns(table: Table, exclude: number): number[] {
  const columns: number[] = [];
  table.columns.forEach((_, column) => {
    const numeric = table.rows.every((row) => {
      const text = (row[column] as string).trim();
      return text !== '' && Number.isFinite(Number(text));
    });
    if (column !== exclude && numeric) {
      columns.push(column);
    }
  });
  if (columns.length === 0) {
    throw new TrainerError(
      `${table.path} has no numeric column besides the target. List the ` +
        'feature columns with --features or dataset.features.',
    );
  }
  return columns;
}

/** Mean and standard deviation of the first `count` values; std is 1 for a constant column. */
function meanStd(
  values: Float64Array,
  count: number,
): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    sum += values[i] as number;
  }
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) {
    const d = (values[i] as number) - mean;
    squares += d * d;
  }
  const std = Math.sqrt(squares / count);
  return { mean, std: std > 1e-8 ? std : 1 };
}
