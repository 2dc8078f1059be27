import { z } from 'zod';
import { modelConfigSchema } from './model_config.js';
import { trainingConfigSchema } from './training_config.js';

/** A JSON Schema document (draft 2020-12), as a plain JSON object. */
export type JsonSchema = Record<string, unknown>;

/**
 * Generates the JSON Schema (draft 2020-12) of what a user may write in a
 * model config file. Fields with defaults are optional and carry their
 * `default`; unknown keys are rejected, `$schema` aside.
 *
 * NOTE: JSON Schema cannot express the rules that span fields (dtMin < dtMax),
 * so a file the schema accepts may still fail `parseModelConfig`.
 */
export function modelConfigJsonSchema(): JsonSchema {
  return z.toJSONSchema(modelConfigSchema, { io: 'input' }) as JsonSchema;
}

/**
 * Generates the JSON Schema (draft 2020-12) of what a user may write in a
 * training config file, its `model` and `dataset` included.
 *
 * NOTE: the rules that span fields (dtMin < dtMax, trainSize + testSize <=
 * 10000, features apart from the target) are checked only by
 * `parseTrainingConfig`.
 */
export function trainingConfigJsonSchema(): JsonSchema {
  return z.toJSONSchema(trainingConfigSchema, { io: 'input' }) as JsonSchema;
}
