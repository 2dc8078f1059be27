import { describe, expect, it } from 'vitest';
import { fnv1a64 } from '../src/canonical_json.js';
import {
  ConfigError,
  configHash,
  configToJson,
  parseModelConfig,
  parseTrainingConfig,
} from '../src/index.js';
import { problemsOf } from './helpers.js';

const encoder = new TextEncoder();

describe('configToJson', () => {
  it('sorts keys at every level', () => {
    const json = configToJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    expect(json).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}',
    );
  });

  it('ignores the key order of the input', () => {
    expect(configToJson({ x: 1, y: 2 })).toBe(configToJson({ y: 2, x: 1 }));
  });

  it('keeps array order', () => {
    expect(configToJson({ a: [3, 1, 2] })).toBe(
      '{\n  "a": [\n    3,\n    1,\n    2\n  ]\n}',
    );
  });

  it('leaves out undefined properties', () => {
    expect(configToJson({ a: undefined, b: 1 })).toBe('{\n  "b": 1\n}');
  });

  it('round-trips a model config', () => {
    const config = parseModelConfig({ embedDim: 3, seqLen: null, dtMin: 1e-4 });
    expect(parseModelConfig(JSON.parse(configToJson(config)))).toEqual(config);
  });

  it('round-trips a training config', () => {
    const config = parseTrainingConfig({
      maxSteps: 500,
      model: { embedDim: 1, init: 'inv' },
      dataset: {
        kind: 'csv',
        path: 'sp500.csv',
        target: 'price',
        task: 'regression',
        window: 20,
        features: ['price'.toUpperCase()],
      },
    });
    expect(parseTrainingConfig(JSON.parse(configToJson(config)))).toEqual(
      config,
    );
  });

  it('round-trips the default training config', () => {
    const config = parseTrainingConfig({});
    expect(parseTrainingConfig(JSON.parse(configToJson(config)))).toEqual(
      config,
    );
  });

  it('gives the same text after a round trip', () => {
    const json = configToJson(parseTrainingConfig({ seed: 7 }));
    const again = configToJson(parseTrainingConfig(JSON.parse(json)));
    expect(again).toBe(json);
  });

  it('keeps numbers exact', () => {
    const config = parseModelConfig({
      embedDim: 1,
      dtMin: 0.1 + 0.2 - 0.3 + 1e-9,
    });
    const restored = parseModelConfig(JSON.parse(configToJson(config)));
    expect(restored.dtMin).toBe(config.dtMin);
  });

  it('rejects values JSON cannot hold', () => {
    const problems = problemsOf(() =>
      configToJson({ a: Number.NaN, b: [Infinity], c: new Map(), d: 1n }),
    );
    expect(problems).toEqual([
      { path: 'a', value: Number.NaN, message: 'NaN is not valid in JSON' },
      {
        path: 'b[0]',
        value: Infinity,
        message: 'Infinity is not valid in JSON',
      },
      { path: 'c', value: new Map(), message: '{} is not a JSON value' },
      { path: 'd', value: 1n, message: '1n is not a JSON value' },
    ]);
  });

  it('rejects a circular reference', () => {
    const config: Record<string, unknown> = { a: { b: 1 } };
    (config.a as Record<string, unknown>).self = config;
    expect(problemsOf(() => configToJson(config))).toEqual([
      {
        path: 'a.self',
        value: config,
        message: 'circular reference to an enclosing object or array',
      },
    ]);
  });

  it('accepts a shared object that is not a cycle', () => {
    const shared = { x: 1 };
    expect(configToJson({ a: shared, b: [shared] })).toBe(
      configToJson({ a: { x: 1 }, b: [{ x: 1 }] }),
    );
  });

  it('names the config in its error', () => {
    expect(() => configToJson({ a: Number.NaN })).toThrow(
      new ConfigError('config for JSON', [
        { path: 'a', value: Number.NaN, message: 'NaN is not valid in JSON' },
      ]),
    );
  });
});

describe('fnv1a64', () => {
  // The published 64-bit FNV-1a test vectors.
  it.each([
    ['', 0xcbf29ce484222325n],
    ['a', 0xaf63dc4c8601ec8cn],
    ['foobar', 0x85944171f73967e8n],
  ])('hashes %j', (text, expected) => {
    expect(fnv1a64(encoder.encode(text))).toBe(expected);
  });
});

describe('configHash', () => {
  const config = parseModelConfig({ embedDim: 8 });

  it('is 16 hex digits', () => {
    expect(configHash(config)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('hashes the canonical JSON', () => {
    const canonical = JSON.stringify(JSON.parse(configToJson(config)));
    const expected = fnv1a64(encoder.encode(canonical))
      .toString(16)
      .padStart(16, '0');
    expect(configHash(config)).toBe(expected);
  });

  it('keeps its value for the default config', () => {
    // A new value here renames every run of the default model.
    expect(configHash(config)).toBe('ae9edaaea85fa4b4');
  });

  it('ignores key order', () => {
    expect(configHash({ a: 1, b: [1, 2] })).toBe(
      configHash({ b: [1, 2], a: 1 }),
    );
  });

  it('sees a changed value', () => {
    const other = parseModelConfig({ embedDim: 8, hiddenSize: 128 });
    expect(configHash(other)).not.toBe(configHash(config));
  });

  it('sees a spelled-out default as equal', () => {
    const spelled = parseModelConfig({ embedDim: 8, hiddenSize: 256 });
    expect(configHash(spelled)).toBe(configHash(config));
  });

  it('hashes non-ASCII text as UTF-8', () => {
    const expected = fnv1a64(encoder.encode('{"path":"données"}'))
      .toString(16)
      .padStart(16, '0');
    expect(configHash({ path: 'données' })).toBe(expected);
  });
});
