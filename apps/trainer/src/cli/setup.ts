import { ConfigError, parseTrainingConfig } from '@s4d/config';
import { build } from '@s4d/model';
import type { TrainingConfig } from '../config.js';
import type { SequenceModel, Tf } from '../contracts.js';
import type { SplitDataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { formatFromPath } from '../data/table.js';
import { loadTableDataset } from '../data/windows.js';
import { TrainerError } from '../errors.js';
import { Learner } from '../learner.js';
import { deriveSeed } from '../rng.js';

/** Seed stream of the head's initialization. */
const HEAD_STREAM = 1 << 29;

/**
 * Validates a raw training config with `@s4d/config`.
 *
 * @throws TrainerError carrying the ConfigError's list of problems.
 */
export function resolveConfig(raw: unknown, source: string): TrainingConfig {
  const dataset = (raw as { dataset?: Record<string, unknown> }).dataset;
  if (
    dataset?.kind === 'csv' &&
    typeof dataset.path === 'string' &&
    dataset.format === undefined
  ) {
    dataset.format = formatFromPath(dataset.path);
  }
  try {
    return parseTrainingConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new TrainerError(
        `${error.message.replace('training config', `training config (${source})`)}\n` +
          'Fix the values listed above in the config file or the flags.',
      );
    }
    throw error;
  }
}

/** Loads the dataset a config names. */
export function loadDataset(config: TrainingConfig): SplitDataset {
  const dataset = config.dataset;
  if (dataset.kind === 'mnist') {
    return loadMnist(dataset);
  }
  return loadTableDataset(dataset);
}

/** Returns the model config with `embedDim` taken from the data. */
export function modelConfigFor(
  config: TrainingConfig,
  data: SplitDataset,
): Record<string, unknown> {
  if (config.model.output === 'sequence') {
    throw new TrainerError(
      'model.output "sequence" returns every position, but the trainer ' +
        'needs one vector per sequence. Use "last" or "mean".',
    );
  }
  return { ...config.model, embedDim: data.train.features };
}

/** Builds an S4D encoder with a head for the data's task. */
export function buildLearner(
  tf: Tf,
  modelConfig: Record<string, unknown>,
  task: SplitDataset['task'],
  outputs: number,
  seed: number,
): Learner {
  let model: SequenceModel;
  try {
    model = build(modelConfig as unknown as Parameters<typeof build>[0], {
      seed,
    }) as unknown as SequenceModel;
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new TrainerError(
        `${error.message}\nFix the model section of the config.`,
      );
    }
    throw error;
  }
  return new Learner(tf, model, task, outputs, deriveSeed(seed, HEAD_STREAM));
}

/**
 * Loads the dataset a config names and builds a learner for it, with
 * `model.embedDim` taken from the data.
 */
export function prepareLearner(
  tf: Tf,
  config: TrainingConfig,
): {
  data: SplitDataset;
  modelConfig: Record<string, unknown>;
  learner: Learner;
} {
  const data = loadDataset(config);
  const modelConfig = modelConfigFor(config, data);
  const learner = buildLearner(
    tf,
    modelConfig,
    data.task,
    data.outputs,
    config.seed,
  );
  return { data, modelConfig, learner };
}

/**
 * Copies saved parameters into a learner's variables.
 *
 * @throws TrainerError if a parameter is missing or has another shape.
 */
export function restoreParameters(
  learner: Learner,
  saved: Map<string, import('@tensorflow/tfjs-core').Tensor>,
  source: string,
): void {
  for (const [name, variable] of learner.parameters()) {
    const value = saved.get(name);
    if (value === undefined) {
      throw new TrainerError(
        `Checkpoint ${source} has no parameter ${name}. It was written for another model.`,
      );
    }
    if (value.shape.join(',') !== variable.shape.join(',')) {
      throw new TrainerError(
        `Checkpoint ${source} stores ${name} with shape [${value.shape}], ` +
          `but the model expects [${variable.shape}]. It was written for another model.`,
      );
    }
    variable.assign(value);
  }
}
