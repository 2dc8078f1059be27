import { describe, expect, it } from 'vitest';
import {
  type ModelConfig,
  modelConfigSchema,
  parseModelConfig,
  recommendedDefaults,
} from '../src/index.js';
import { problemsOf } from './helpers.js';

const EXPECTED_DEFAULTS: ModelConfig = {
  embedDim: 8,
  hiddenSize: 256,
  stateSize: 64,
  numLayers: 4,
  dropout: 0.1,
  windowSize: 60,
  seqLen: 60,
  init: 'legs',
  discretization: 'zoh',
  dtMin: 0.001,
  dtMax: 0.1,
  ffn: 'swiglu',
  ffnExpansion: 4,
  ssmOutput: 'glu',
  output: 'last',
};

describe('parseModelConfig defaults', () => {
  const config = parseModelConfig({ embedDim: 8 });

  it.each(Object.entries(EXPECTED_DEFAULTS))('fills %s', (key, expected) => {
    expect(config[key as keyof ModelConfig]).toBe(expected);
  });

  it('returns exactly the known fields', () => {
    expect(Object.keys(config).sort()).toEqual(
      Object.keys(EXPECTED_DEFAULTS).sort(),
    );
  });

  it('keeps given values', () => {
    const explicit: ModelConfig = {
      embedDim: 3,
      hiddenSize: 32,
      stateSize: 2,
      numLayers: 1,
      dropout: 0,
      windowSize: 10,
      seqLen: 12,
      init: 'real',
      discretization: 'bilinear',
      dtMin: 0.01,
      dtMax: 0.5,
      ffn: 'none',
      ffnExpansion: 2,
      ssmOutput: 'linear',
      output: 'sequence',
    };
    expect(parseModelConfig(explicit)).toEqual(explicit);
  });

  it('accepts every enum value', () => {
    const values = {
      init: ['legs', 'inv', 'lin', 'real'],
      discretization: ['zoh', 'bilinear'],
      ffn: ['swiglu', 'gelu', 'none'],
      ssmOutput: ['glu', 'linear', 'none'],
      output: ['last', 'mean', 'sequence'],
    };
    for (const [key, options] of Object.entries(values)) {
      for (const option of options) {
        const parsed = parseModelConfig({ embedDim: 1, [key]: option });
        expect(parsed[key as keyof ModelConfig]).toBe(option);
      }
    }
  });

  it('is idempotent', () => {
    expect(parseModelConfig(config)).toEqual(config);
  });

  it('does not change its input', () => {
    const input = { embedDim: 2, hiddenSize: 16 };
    parseModelConfig(input);
    expect(input).toEqual({ embedDim: 2, hiddenSize: 16 });
  });
});

describe('parseModelConfig seqLen', () => {
  it('defaults to windowSize', () => {
    expect(parseModelConfig({ embedDim: 1, windowSize: 17 }).seqLen).toBe(17);
  });

  it('keeps null for any length', () => {
    expect(parseModelConfig({ embedDim: 1, seqLen: null }).seqLen).toBeNull();
  });

  it('keeps a value apart from windowSize', () => {
    const config = parseModelConfig({ embedDim: 1, seqLen: 5, windowSize: 9 });
    expect(config.seqLen).toBe(5);
  });
});

describe('parseModelConfig $schema', () => {
  it('accepts and drops $schema', () => {
    const config = parseModelConfig({
      $schema: './model-config.schema.json',
      embedDim: 4,
    });
    expect(config).toEqual({ ...EXPECTED_DEFAULTS, embedDim: 4 });
  });

  it('rejects a $schema that is not a string', () => {
    expect(
      problemsOf(() => parseModelConfig({ $schema: 1, embedDim: 4 })),
    ).toEqual([{ path: '$schema', value: 1, message: '1 is not a string' }]);
  });
});

describe('parseModelConfig rules', () => {
  // Each row: a field, a bad value, and the one problem it must give.
  const cases: [string, unknown, string][] = [
    ['embedDim', 0, '0 is too small; the minimum is 1'],
    ['embedDim', 1.5, '1.5 is not an integer'],
    ['embedDim', '8', '"8" is not a number'],
    ['hiddenSize', 0, '0 is too small; the minimum is 1'],
    ['hiddenSize', 2.5, '2.5 is not an integer'],
    ['hiddenSize', null, 'null is not a number'],
    ['stateSize', 63, '63 is odd; S4D needs an even state size'],
    ['stateSize', 0, '0 is too small; the minimum is 2'],
    ['stateSize', 2.5, '2.5 is not an integer'],
    ['stateSize', '64', '"64" is not a number'],
    ['numLayers', 0, '0 is too small; the minimum is 1'],
    ['numLayers', 1.5, '1.5 is not an integer'],
    ['dropout', -0.1, '-0.1 is too small; the minimum is 0'],
    ['dropout', 1, '1 is too large; it must be less than 1'],
    ['dropout', '0.1', '"0.1" is not a number'],
    ['windowSize', 0, '0 is too small; the minimum is 1'],
    ['windowSize', 60.5, '60.5 is not an integer'],
    ['seqLen', 0, '0 is too small; the minimum is 1'],
    ['seqLen', 1.5, '1.5 is not an integer'],
    ['seqLen', 'any', '"any" is not a number or null'],
    ['init', 'hippo', '"hippo" is not one of "legs", "inv", "lin", "real"'],
    ['init', 1, '1 is not one of "legs", "inv", "lin", "real"'],
    ['discretization', 'euler', '"euler" is not one of "zoh", "bilinear"'],
    ['dtMin', 0, '0 is too small; it must be greater than 0'],
    ['dtMin', -1, '-1 is too small; it must be greater than 0'],
    ['dtMax', 0, '0 is too small; it must be greater than 0'],
    ['ffn', 'relu', '"relu" is not one of "swiglu", "gelu", "none"'],
    ['ffnExpansion', 0, '0 is too small; the minimum is 1'],
    ['ffnExpansion', 1.5, '1.5 is not an integer'],
    ['ssmOutput', 'gelu', '"gelu" is not one of "glu", "linear", "none"'],
    ['output', 'first', '"first" is not one of "last", "mean", "sequence"'],
  ];

  it.each(cases)('rejects %s = %j', (path, value, message) => {
    const input = { embedDim: 1, [path]: value };
    expect(problemsOf(() => parseModelConfig(input))).toEqual([
      { path, value, message },
    ]);
  });

  it('rejects stateSize 1 as small and odd', () => {
    expect(
      problemsOf(() => parseModelConfig({ embedDim: 1, stateSize: 1 })),
    ).toEqual([
      {
        path: 'stateSize',
        value: 1,
        message: '1 is too small; the minimum is 2',
      },
      {
        path: 'stateSize',
        value: 1,
        message: '1 is odd; S4D needs an even state size',
      },
    ]);
  });

  it('requires embedDim', () => {
    expect(problemsOf(() => parseModelConfig({}))).toEqual([
      {
        path: 'embedDim',
        value: undefined,
        message:
          'missing; expected the width of the input features, an integer >= 1',
      },
    ]);
  });

  it('rejects dtMin at or above dtMax', () => {
    const input = { embedDim: 1, dtMin: 0.2, dtMax: 0.2 };
    expect(problemsOf(() => parseModelConfig(input))).toEqual([
      {
        path: 'dtMin',
        value: 0.2,
        message:
          '0.2 is not below dtMax 0.2; the timestep range needs dtMin < dtMax',
      },
    ]);
  });

  it('checks dtMin against the default dtMax', () => {
    const input = { embedDim: 1, dtMin: 0.5 };
    expect(problemsOf(() => parseModelConfig(input))).toEqual([
      {
        path: 'dtMin',
        value: 0.5,
        message:
          '0.5 is not below dtMax 0.1; the timestep range needs dtMin < dtMax',
      },
    ]);
  });

  it('rejects NaN and Infinity', () => {
    const input = { embedDim: 1, dropout: Number.NaN, dtMax: Infinity };
    expect(problemsOf(() => parseModelConfig(input))).toEqual([
      { path: 'dropout', value: Number.NaN, message: 'NaN is not a number' },
      {
        path: 'dtMax',
        value: Infinity,
        message: 'Infinity is not a number',
      },
    ]);
  });

  it.each([
    [5, '5 is not an object'],
    [null, 'null is not an object'],
    [[1], '[1] is not an object'],
    ['{}', '"{}" is not an object'],
    [undefined, 'missing; expected an object'],
  ])('rejects the config %j', (input, message) => {
    expect(problemsOf(() => parseModelConfig(input))).toEqual([
      { path: '<root>', value: input, message },
    ]);
  });
});

describe('modelConfigSchema', () => {
  it('parses to the same config as parseModelConfig', () => {
    const input = { embedDim: 3, windowSize: 7 };
    expect(modelConfigSchema.parse(input)).toEqual(parseModelConfig(input));
  });

  it('applies the dt range rule itself', () => {
    const result = modelConfigSchema.safeParse({ embedDim: 1, dtMin: 1 });
    expect(result.success).toBe(false);
  });
});

describe('recommendedDefaults', () => {
  it('returns the recommended size', () => {
    expect(recommendedDefaults()).toEqual({
      hiddenSize: 256,
      stateSize: 64,
      numLayers: 4,
      windowSize: 60,
      dropout: 0.1,
    });
  });

  it('matches the parser defaults', () => {
    const config = parseModelConfig({ embedDim: 1 });
    for (const [key, value] of Object.entries(recommendedDefaults())) {
      expect(config[key as keyof ModelConfig]).toBe(value);
    }
  });

  it('returns a fresh object', () => {
    const first = recommendedDefaults();
    first.hiddenSize = 1;
    expect(recommendedDefaults().hiddenSize).toBe(256);
  });
});
