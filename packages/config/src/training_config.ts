import { z } from 'zod';
import type { ConfigProblem } from './config_error.js';
import {
  type DatasetConfig,
  DEFAULT_DATASET,
  datasetConfigSchema,
  datasetCrossFieldProblems,
  datasetKeys,
  seedSchema,
} from './dataset_config.js';
import { valueAt } from './format.js';
import {
  modelCrossFieldProblems,
  TRAINING_MODEL_CONFIG_KEYS,
  type TrainingModelConfig,
  trainingModelConfigSchema,
} from './model_config.js';
import { type ConfigKind, parseWithSchema } from './parse.js';
import { numberOrNull } from './rules.js';

/** Learning-rate schedule after warmup. */
export type LearningRateSchedule = 'cosine' | 'constant';

/** A resolved training config: every field present, defaults filled. */
export interface TrainingConfig {
  /** Peak learning rate of the parameters outside the SSMs. */
  learningRate: number;
  /** Peak learning rate of the SSM parameters `log_dt`, `log_A_real`, `A_imag` and `B`. */
  ssmLearningRate: number;
  /** Decoupled (AdamW) weight decay of the parameters outside the SSMs. */
  weightDecay: number;
  /** Decoupled weight decay of the SSM parameters. */
  ssmWeightDecay: number;
  /** Sequences per optimizer step. */
  batchSize: number;
  /** Passes over the training set. */
  epochs: number;
  /** Optimizer steps after which training stops, or `null` for no cap. */
  maxSteps: number | null;
  /** Steps of linear warmup from 0 to the peak learning rates. */
  warmupSteps: number;
  /** Learning-rate schedule after warmup. */
  schedule: LearningRateSchedule;
  /** Maximum global gradient norm, or `null` for no clipping. */
  gradClipNorm: number | null;
  /** Seed of parameter initialization, dropout and batch order. */
  seed: number;
  /** Optimizer steps between evaluations on the held-out set. */
  evalInterval: number;
  /** Folder that run folders and checkpoints are written under. */
  checkpointDir: string;
  /** Optimizer steps between checkpoints. */
  checkpointInterval: number;
  /** Checkpoints kept besides the best one. */
  keepCheckpoints: number;
  /** Worker threads for data-parallel training, or `null` for one per logical CPU, at most the batch size. */
  workers: number | null;
  /** The model; `embedDim` may be absent, for the trainer to take from the data. */
  model: TrainingModelConfig;
  /** The data. */
  dataset: DatasetConfig;
}

function positiveInteger() {
  return z.number().int().min(1);
}

const trainingObject = z.strictObject({
  $schema: z
    .string()
    .optional()
    .describe('JSON Schema of this file, for editors; ignored.'),
  learningRate: z
    .number()
    .gt(0)
    .default(0.003)
    .describe('Peak learning rate of the parameters outside the SSMs. > 0.'),
  ssmLearningRate: z
    .number()
    .gt(0)
    .default(0.001)
    .describe(
      'Peak learning rate of the SSM parameters log_dt, log_A_real, A_imag and B. > 0.',
    ),
  weightDecay: z
    .number()
    .min(0)
    .default(0.01)
    .describe('Decoupled weight decay outside the SSMs. >= 0.'),
  ssmWeightDecay: z
    .number()
    .min(0)
    .default(0)
    .describe('Decoupled weight decay of the SSM parameters. >= 0.'),
  batchSize: positiveInteger()
    .default(32)
    .describe('Sequences per optimizer step. Integer >= 1.'),
  epochs: positiveInteger()
    .default(1)
    .describe('Passes over the training set. Integer >= 1.'),
  maxSteps: numberOrNull()
    .int()
    .min(1)
    .nullable()
    .default(null)
    .describe(
      'Optimizer steps after which training stops, or null for no cap.',
    ),
  warmupSteps: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('Steps of linear learning-rate warmup. Integer >= 0.'),
  schedule: z
    .enum(['cosine', 'constant'])
    .default('cosine')
    .describe('Learning-rate schedule after warmup.'),
  gradClipNorm: numberOrNull()
    .gt(0)
    .nullable()
    .default(1)
    .describe('Maximum global gradient norm, or null for no clipping. > 0.'),
  seed: seedSchema()
    .default(0)
    .describe(
      'Seed of initialization, dropout and batch order. Integer in [0, 2^32).',
    ),
  evalInterval: positiveInteger()
    .default(200)
    .describe('Optimizer steps between evaluations. Integer >= 1.'),
  checkpointDir: z
    .string()
    .min(1)
    .default('runs')
    .describe('Folder that runs and checkpoints are written under.'),
  checkpointInterval: positiveInteger()
    .default(200)
    .describe('Optimizer steps between checkpoints. Integer >= 1.'),
  keepCheckpoints: positiveInteger()
    .default(3)
    .describe('Checkpoints kept besides the best one. Integer >= 1.'),
  workers: numberOrNull()
    .int()
    .min(1)
    .nullable()
    .default(null)
    .describe(
      'Worker threads for data-parallel training, or null for one per logical CPU, at most the batch size.',
    ),
  model: trainingModelConfigSchema.prefault({}),
  dataset: datasetConfigSchema.prefault(DEFAULT_DATASET),
});

/**
 * The zod schema of a training config. Its output is a
 * {@link TrainingConfig} with every default filled and `$schema` dropped;
 * unknown keys are rejected at every level.
 */
export const trainingConfigSchema = trainingObject
  .transform(({ $schema: _, ...config }): TrainingConfig => config)
  .meta({
    title: 'S4D training config',
    description:
      'Settings of a training run: optimizer, schedule, checkpoints, model and dataset. Every field has a default.',
  });

/** A training config as a user writes it: every field may be left out. */
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;

const TRAINING_CONFIG_KEYS: readonly string[] = Object.keys(
  trainingObject.shape,
);

function trainingKnownKeys(
  path: readonly PropertyKey[],
  input: unknown,
): readonly string[] {
  const [first] = path;
  if (path.length === 0) {
    return TRAINING_CONFIG_KEYS;
  }
  if (path.length === 1 && first === 'model') {
    return TRAINING_MODEL_CONFIG_KEYS;
  }
  if (path.length === 1 && first === 'dataset') {
    return datasetKeys(valueAt(input, ['dataset', 'kind']));
  }
  return [];
}

function trainingCrossFieldProblems(input: unknown): ConfigProblem[] {
  return [
    ...modelCrossFieldProblems(valueAt(input, ['model']), ['model']),
    ...datasetCrossFieldProblems(valueAt(input, ['dataset']), ['dataset']),
  ];
}

const trainingConfigKind: ConfigKind<TrainingConfig> = {
  subject: 'training config',
  schema: trainingConfigSchema,
  knownKeys: trainingKnownKeys,
  crossFieldProblems: trainingCrossFieldProblems,
};

/**
 * Validates a training config and fills its defaults, those of its `model`
 * (with the model config's rules, `embedDim` optional) and of its `dataset`
 * (MNIST when absent). A `$schema` key is allowed and dropped.
 *
 * @param input A training config as written by a user, e.g. parsed JSON.
 * @returns The resolved config.
 * @throws ConfigError listing every problem, with paths such as
 *   `model.stateSize` or `dataset.trainSize`.
 */
export function parseTrainingConfig(input: unknown): TrainingConfig {
  return parseWithSchema(trainingConfigKind, input);
}
