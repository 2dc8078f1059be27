import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  configToJson,
  modelConfigJsonSchema,
  parseModelConfig,
  parseTrainingConfig,
  trainingConfigJsonSchema,
} from '../src/index.js';

const require = createRequire(import.meta.url);

/** Reads a schema file the way a consumer finds it: through the exports map. */
function readShippedSchema(name: string): Record<string, unknown> {
  const path = require.resolve(`@s4d/config/schema/${name}`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

function errorKeywords(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
}

describe('model config JSON Schema', () => {
  let schema: Record<string, unknown>;
  let validate: ValidateFunction;

  beforeAll(() => {
    schema = readShippedSchema('model-config.schema.json');
    validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  });

  it('matches the generated schema', () => {
    expect(schema).toEqual(modelConfigJsonSchema());
  });

  it('requires only embedDim', () => {
    expect(schema.required).toEqual(['embedDim']);
  });

  it('accepts a config of defaults', () => {
    expect(validate({ embedDim: 8 })).toBe(true);
  });

  it('accepts a resolved config', () => {
    const config = parseModelConfig({ embedDim: 8, seqLen: null });
    expect(validate(JSON.parse(configToJson(config)))).toBe(true);
  });

  it('accepts $schema', () => {
    const file = { $schema: './model-config.schema.json', embedDim: 8 };
    expect(validate(file)).toBe(true);
  });

  it('rejects an odd stateSize', () => {
    validate({ embedDim: 8, stateSize: 63 });
    expect(errorKeywords(validate)).toEqual(['/stateSize multipleOf']);
  });

  it('rejects an unknown key', () => {
    validate({ embedDim: 8, hiddenSzie: 64 });
    expect(errorKeywords(validate)).toEqual([' additionalProperties']);
  });

  it('rejects a bad enum value', () => {
    validate({ embedDim: 8, init: 'hippo' });
    expect(errorKeywords(validate)).toEqual(['/init enum']);
  });

  it('rejects a missing embedDim', () => {
    validate({});
    expect(errorKeywords(validate)).toEqual([' required']);
  });

  it('rejects a dropout of 1', () => {
    validate({ embedDim: 8, dropout: 1 });
    expect(errorKeywords(validate)).toEqual(['/dropout exclusiveMaximum']);
  });

  it('gives the parser defaults', () => {
    const config: Record<string, unknown> = {
      ...parseModelConfig({ embedDim: 1 }),
    };
    const properties = schema.properties as Record<
      string,
      { default?: unknown }
    >;
    for (const [key, property] of Object.entries(properties)) {
      if ('default' in property) {
        expect(property.default, key).toEqual(config[key]);
      }
    }
  });

  it('describes every field', () => {
    const properties = schema.properties as Record<string, object>;
    for (const [key, property] of Object.entries(properties)) {
      expect(property, key).toHaveProperty('description');
    }
  });
});

describe('training config JSON Schema', () => {
  let schema: Record<string, unknown>;
  let validate: ValidateFunction;

  beforeAll(() => {
    schema = readShippedSchema('training-config.schema.json');
    validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  });

  it('matches the generated schema', () => {
    expect(schema).toEqual(trainingConfigJsonSchema());
  });

  it('requires nothing', () => {
    expect(schema.required ?? []).toEqual([]);
  });

  it('gives the parser defaults', () => {
    const config = parseTrainingConfig({}) as unknown as Record<
      string,
      unknown
    >;
    const properties = schema.properties as Record<
      string,
      { default?: unknown }
    >;
    const defaults = Object.entries(properties).filter(
      ([key, property]) =>
        'default' in property && key !== 'model' && key !== 'dataset',
    );
    expect(defaults).toHaveLength(16);
    for (const [key, property] of defaults) {
      expect(property.default, key).toEqual(config[key]);
    }
  });

  it('accepts an empty config', () => {
    expect(validate({})).toBe(true);
  });

  it('accepts the resolved defaults', () => {
    const config = JSON.parse(configToJson(parseTrainingConfig({})));
    expect(validate(config)).toBe(true);
  });

  it('accepts a csv dataset', () => {
    const file = {
      $schema: './training-config.schema.json',
      model: { hiddenSize: 64 },
      dataset: {
        kind: 'csv',
        path: 'weather.csv',
        target: 'weather',
        task: 'classification',
        window: 14,
      },
    };
    expect(validate(file)).toBe(true);
  });

  it('accepts a resolved csv dataset', () => {
    const config = parseTrainingConfig({
      dataset: {
        kind: 'csv',
        path: 'weather.csv',
        target: 'weather',
        task: 'classification',
        window: 14,
      },
    });
    expect(validate(JSON.parse(configToJson(config)))).toBe(true);
  });

  it('rejects a bad file', () => {
    const file = {
      batchSize: 0,
      schedule: 'linear',
      model: { stateSize: 3 },
      dataset: { kind: 'mnist', window: 3 },
    };
    expect(validate(file)).toBe(false);
  });

  it('names each problem of a bad file', () => {
    validate({ batchSize: 0, schedule: 'linear', model: { stateSize: 3 } });
    expect(errorKeywords(validate)).toEqual([
      '/batchSize minimum',
      '/schedule enum',
      '/model/stateSize multipleOf',
    ]);
  });

  it('rejects an unknown dataset kind', () => {
    expect(validate({ dataset: { kind: 'cifar' } })).toBe(false);
  });

  it('rejects a csv dataset without a target', () => {
    const dataset = {
      kind: 'csv',
      path: 'a.csv',
      task: 'regression',
      window: 2,
    };
    expect(validate({ dataset })).toBe(false);
  });

  it('rejects $schema inside the model', () => {
    expect(validate({ model: { $schema: 'x' } })).toBe(false);
  });
});
