import { describe, expect, it } from 'vitest';
import {
  parseModelConfig,
  parseTrainingConfig,
  type TrainingConfig,
  trainingConfigSchema,
} from '../src/index.js';
import { problemsOf } from './helpers.js';

const EXPECTED_TOP_LEVEL: Omit<TrainingConfig, 'model' | 'dataset'> = {
  learningRate: 0.003,
  ssmLearningRate: 0.001,
  weightDecay: 0.01,
  ssmWeightDecay: 0,
  batchSize: 32,
  epochs: 1,
  maxSteps: null,
  warmupSteps: 100,
  schedule: 'cosine',
  gradClipNorm: 1,
  seed: 0,
  evalInterval: 200,
  checkpointDir: 'runs',
  checkpointInterval: 200,
  keepCheckpoints: 3,
  workers: null,
};

const CSV = {
  kind: 'csv',
  path: 'data/weather.csv',
  target: 'weather',
  task: 'classification',
  window: 30,
} as const;

describe('parseTrainingConfig defaults', () => {
  const config = parseTrainingConfig({});

  it.each(Object.entries(EXPECTED_TOP_LEVEL))('fills %s', (key, expected) => {
    expect(config[key as keyof TrainingConfig]).toBe(expected);
  });

  it('fills the model defaults without embedDim', () => {
    const { embedDim: _, ...modelDefaults } = parseModelConfig({ embedDim: 1 });
    expect(config.model).toEqual(modelDefaults);
  });

  it('leaves embedDim out of the model', () => {
    expect(Object.hasOwn(config.model, 'embedDim')).toBe(false);
  });

  it('uses MNIST pixels by default', () => {
    expect(config.dataset).toEqual({
      kind: 'mnist',
      variant: 'pixels',
      trainSize: 8000,
      testSize: 2000,
      splitSeed: 0,
    });
  });

  it('returns exactly the known fields', () => {
    expect(Object.keys(config).sort()).toEqual(
      [...Object.keys(EXPECTED_TOP_LEVEL), 'model', 'dataset'].sort(),
    );
  });

  it('is idempotent', () => {
    expect(parseTrainingConfig(config)).toEqual(config);
  });

  it('accepts and drops $schema', () => {
    const parsed = parseTrainingConfig({ $schema: 'x.json' });
    expect(parsed).toEqual(config);
  });

  it('matches trainingConfigSchema', () => {
    expect(trainingConfigSchema.parse({})).toEqual(config);
  });
});

describe('parseTrainingConfig model', () => {
  it('keeps a given embedDim', () => {
    const config = parseTrainingConfig({ model: { embedDim: 28 } });
    expect(config.model.embedDim).toBe(28);
  });

  it('completes to a model config', () => {
    // The trainer's flow: take embedDim from the data, then parse again.
    const { model } = parseTrainingConfig({ model: { hiddenSize: 64 } });
    const config = parseModelConfig({ ...model, embedDim: 784 });
    expect(config).toEqual(parseModelConfig({ hiddenSize: 64, embedDim: 784 }));
  });

  it('fills seqLen from windowSize', () => {
    const config = parseTrainingConfig({ model: { windowSize: 784 } });
    expect(config.model.seqLen).toBe(784);
  });

  it('rejects $schema inside the model', () => {
    expect(
      problemsOf(() => parseTrainingConfig({ model: { $schema: 'x' } })),
    ).toEqual([
      {
        path: 'model.$schema',
        value: 'x',
        message: expect.stringMatching(/^unknown key; expected one of /),
      },
    ]);
  });

  it.each([
    ['stateSize', 7, '7 is odd; S4D needs an even state size'],
    ['embedDim', 0, '0 is too small; the minimum is 1'],
    ['dropout', 1.5, '1.5 is too large; it must be less than 1'],
  ])('rejects model.%s = %j', (key, value, message) => {
    const input = { model: { [key]: value } };
    expect(problemsOf(() => parseTrainingConfig(input))).toEqual([
      { path: `model.${key}`, value, message },
    ]);
  });

  it('rejects dtMin above dtMax', () => {
    const input = { model: { dtMin: 0.5, dtMax: 0.25 } };
    expect(problemsOf(() => parseTrainingConfig(input))).toEqual([
      {
        path: 'model.dtMin',
        value: 0.5,
        message:
          '0.5 is not below dtMax 0.25; the timestep range needs dtMin < dtMax',
      },
    ]);
  });

  it('rejects a model that is not an object', () => {
    expect(problemsOf(() => parseTrainingConfig({ model: 'small' }))).toEqual([
      { path: 'model', value: 'small', message: '"small" is not an object' },
    ]);
  });
});

describe('parseTrainingConfig rules', () => {
  const cases: [string, unknown, string][] = [
    ['learningRate', 0, '0 is too small; it must be greater than 0'],
    ['learningRate', '1e-3', '"1e-3" is not a number'],
    [
      'ssmLearningRate',
      -0.001,
      '-0.001 is too small; it must be greater than 0',
    ],
    ['weightDecay', -1, '-1 is too small; the minimum is 0'],
    ['ssmWeightDecay', -0.5, '-0.5 is too small; the minimum is 0'],
    ['batchSize', 0, '0 is too small; the minimum is 1'],
    ['batchSize', 8.5, '8.5 is not an integer'],
    ['epochs', 0, '0 is too small; the minimum is 1'],
    ['maxSteps', 0, '0 is too small; the minimum is 1'],
    ['maxSteps', 'none', '"none" is not a number or null'],
    ['warmupSteps', -1, '-1 is too small; the minimum is 0'],
    ['warmupSteps', 0.5, '0.5 is not an integer'],
    ['schedule', 'linear', '"linear" is not one of "cosine", "constant"'],
    ['gradClipNorm', 0, '0 is too small; it must be greater than 0'],
    ['gradClipNorm', false, 'false is not a number or null'],
    ['seed', -1, '-1 is too small; the minimum is 0'],
    ['seed', 2 ** 32, '4294967296 is too large; the maximum is 4294967295'],
    ['seed', 0.5, '0.5 is not an integer'],
    ['evalInterval', 0, '0 is too small; the minimum is 1'],
    ['checkpointDir', '', '"" is empty; expected a non-empty string'],
    ['checkpointDir', 3, '3 is not a string'],
    ['checkpointInterval', 0, '0 is too small; the minimum is 1'],
    ['keepCheckpoints', 0, '0 is too small; the minimum is 1'],
    ['workers', 0, '0 is too small; the minimum is 1'],
    ['workers', 'auto', '"auto" is not a number or null'],
  ];

  it.each(cases)('rejects %s = %j', (path, value, message) => {
    expect(problemsOf(() => parseTrainingConfig({ [path]: value }))).toEqual([
      { path, value, message },
    ]);
  });

  it.each([
    ['maxSteps', 1000],
    ['gradClipNorm', null],
    ['workers', 2],
    ['schedule', 'constant'],
    ['warmupSteps', 0],
    ['seed', 2 ** 32 - 1],
  ])('accepts %s = %j', (key, value) => {
    const config = parseTrainingConfig({ [key]: value });
    expect(config[key as keyof TrainingConfig]).toBe(value);
  });
});

describe('parseTrainingConfig mnist', () => {
  it('fills the defaults of a partial dataset', () => {
    const config = parseTrainingConfig({
      dataset: { kind: 'mnist', variant: 'rows' },
    });
    expect(config.dataset).toEqual({
      kind: 'mnist',
      variant: 'rows',
      trainSize: 8000,
      testSize: 2000,
      splitSeed: 0,
    });
  });

  it('accepts all 10000 digits', () => {
    const dataset = { kind: 'mnist', trainSize: 9000, testSize: 1000 };
    const config = parseTrainingConfig({ dataset });
    expect(config.dataset).toMatchObject(dataset);
  });

  it('rejects more than 10000 digits', () => {
    const dataset = { kind: 'mnist', trainSize: 9000 };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      {
        path: 'dataset.trainSize',
        value: 9000,
        message:
          '9000 plus testSize 2000 is 11000, more than the 10000 MNIST digits; lower trainSize or testSize',
      },
    ]);
  });

  it.each([
    ['variant', 'columns', '"columns" is not one of "pixels", "rows"'],
    ['trainSize', 0, '0 is too small; the minimum is 1'],
    ['testSize', 10.5, '10.5 is not an integer'],
    ['splitSeed', -3, '-3 is too small; the minimum is 0'],
  ])('rejects dataset.%s = %j', (key, value, message) => {
    const dataset = { kind: 'mnist', [key]: value };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      { path: `dataset.${key}`, value, message },
    ]);
  });
});

describe('parseTrainingConfig csv', () => {
  it('fills the csv defaults', () => {
    const config = parseTrainingConfig({ dataset: CSV });
    expect(config.dataset).toEqual({
      ...CSV,
      format: 'csv',
      features: null,
      testFraction: 0.2,
    });
  });

  it.each([
    ['data.jsonl', 'jsonl'],
    ['DATA.JSONL', 'jsonl'],
    ['data.ndjson', 'jsonl'],
    ['data.csv', 'csv'],
    ['data.tsv', 'csv'],
    ['data', 'csv'],
  ])('takes the format of %s', (path, format) => {
    const config = parseTrainingConfig({ dataset: { ...CSV, path } });
    expect(config.dataset).toMatchObject({ format });
  });

  it('keeps a given format', () => {
    const dataset = { ...CSV, path: 'a.jsonl', format: 'csv' };
    const config = parseTrainingConfig({ dataset });
    expect(config.dataset).toMatchObject({ format: 'csv' });
  });

  it('keeps given features', () => {
    const dataset = { ...CSV, features: ['temp_max', 'wind'] };
    const config = parseTrainingConfig({ dataset });
    expect(config.dataset).toMatchObject({ features: ['temp_max', 'wind'] });
  });

  it('keeps null features', () => {
    const config = parseTrainingConfig({ dataset: { ...CSV, features: null } });
    expect(config.dataset).toMatchObject({ features: null });
  });

  it('requires path, target, task and window', () => {
    expect(
      problemsOf(() => parseTrainingConfig({ dataset: { kind: 'csv' } })),
    ).toEqual([
      {
        path: 'dataset.path',
        value: undefined,
        message: 'missing; expected the path of the data file',
      },
      {
        path: 'dataset.target',
        value: undefined,
        message: 'missing; expected the name of the column to predict',
      },
      {
        path: 'dataset.task',
        value: undefined,
        message: 'missing; expected one of "classification", "regression"',
      },
      {
        path: 'dataset.window',
        value: undefined,
        message: 'missing; expected the window length in rows, an integer >= 1',
      },
    ]);
  });

  it.each([
    ['path', '', '"" is empty; expected a non-empty string'],
    ['format', 'parquet', '"parquet" is not one of "csv", "jsonl"'],
    ['features', [], '[] is empty; expected at least one item'],
    ['features', 'wind', '"wind" is not an array'],
    ['target', '', '"" is empty; expected a non-empty string'],
    [
      'task',
      'ranking',
      '"ranking" is not one of "classification", "regression"',
    ],
    ['window', 0, '0 is too small; the minimum is 1'],
    ['window', 2.5, '2.5 is not an integer'],
    ['testFraction', 0, '0 is too small; it must be greater than 0'],
    ['testFraction', 1, '1 is too large; it must be less than 1'],
  ])('rejects dataset.%s = %j', (key, value, message) => {
    const dataset = { ...CSV, [key]: value };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      { path: `dataset.${key}`, value, message },
    ]);
  });

  it('rejects a feature name that is not a string', () => {
    const dataset = { ...CSV, features: ['wind', 3] };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      { path: 'dataset.features[1]', value: 3, message: '3 is not a string' },
    ]);
  });

  it('rejects a class target among the features', () => {
    const dataset = { ...CSV, features: ['wind', 'weather'] };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      {
        path: 'dataset.features[1]',
        value: 'weather',
        message:
          '"weather" is the target; only a regression target can also be a feature',
      },
    ]);
  });

  it('accepts a regression target among the features', () => {
    const dataset = {
      ...CSV,
      task: 'regression',
      target: 'temp',
      features: ['wind', 'temp'],
    };
    const parsed = parseTrainingConfig({ dataset }).dataset;
    expect(parsed.kind).toBe('csv');
    expect(parsed.kind === 'csv' ? parsed.features : null).toEqual([
      'wind',
      'temp',
    ]);
  });

  it('rejects a feature listed twice', () => {
    const dataset = { ...CSV, features: ['wind', 'temp', 'wind'] };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      {
        path: 'dataset.features[2]',
        value: 'wind',
        message: '"wind" is listed twice',
      },
    ]);
  });
});

describe('parseTrainingConfig dataset kind', () => {
  it('rejects an unknown kind', () => {
    const dataset = { kind: 'cifar' };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      {
        path: 'dataset.kind',
        value: 'cifar',
        message: '"cifar" is not one of "mnist", "csv"',
      },
    ]);
  });

  it('requires a kind', () => {
    expect(problemsOf(() => parseTrainingConfig({ dataset: {} }))).toEqual([
      {
        path: 'dataset.kind',
        value: undefined,
        message: 'missing; expected one of "mnist", "csv"',
      },
    ]);
  });

  it('rejects a csv key in an mnist dataset', () => {
    const dataset = { kind: 'mnist', window: 10 };
    expect(problemsOf(() => parseTrainingConfig({ dataset }))).toEqual([
      {
        path: 'dataset.window',
        value: 10,
        message:
          'unknown key; expected one of kind, variant, trainSize, testSize, splitSeed',
      },
    ]);
  });

  it('rejects a dataset that is not an object', () => {
    expect(problemsOf(() => parseTrainingConfig({ dataset: 'mnist' }))).toEqual(
      [
        {
          path: 'dataset',
          value: 'mnist',
          message: '"mnist" is not an object',
        },
      ],
    );
  });
});
