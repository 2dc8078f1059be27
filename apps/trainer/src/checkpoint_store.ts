import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkpointFileName,
  decodeTensorData,
  pruneCheckpoints,
  readSafetensorsFile,
  type TensorToWrite,
  writeSafetensorsFile,
} from '@s4d/serialize';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './contracts.js';
import { TrainerError } from './errors.js';
import type { CheckpointStore, TrainingState } from './trainer.js';

/** Prefixes of the tensor names in a checkpoint file. */
const PARAMETER_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.';

/**
 * The metadata key that `@s4d/serialize`'s `bestCheckpoint` and
 * `pruneCheckpoints` rank checkpoints by, a JSON number or `null`.
 */
const METRIC_KEY = 'metric';

function encodeMetric(value: number | null): string {
  return value !== null && Number.isFinite(value)
    ? JSON.stringify(value)
    : 'null';
}

function decodeMetric(text: string | undefined): number | null {
  const value: unknown = text === undefined ? null : JSON.parse(text);
  return typeof value === 'number' ? value : null;
}

/** What a checkpoint file stores besides the training state. */
export interface CheckpointContext {
  /** The resolved model config, `embedDim` filled. */
  modelConfig: Record<string, unknown>;
  /** The resolved training config. */
  trainingConfig: unknown;
  task: string;
  outputs: number;
  classNames?: string[] | undefined;
  /** Whether a higher metric (accuracy) or a lower one (loss) is better. */
  mode: 'max' | 'min';
}

/** A checkpoint read back from a file. */
export interface LoadedCheckpoint {
  path: string;
  /** Model and head parameters by name; the caller disposes. */
  parameters: Map<string, tfc.Tensor>;
  state: TrainingState;
  modelConfig: Record<string, unknown>;
  trainingConfig: unknown;
  task: string;
  outputs: number;
  classNames?: string[] | undefined;
}

/**
 * Creates a store that writes each checkpoint as one safetensors file in
 * `folder` (named by `@s4d/serialize`'s `checkpointFileName`): tensors
 * `model.<parameter>` and `optimizer.<parameter>.m|v`, and the step, epoch,
 * generator state, configs and metrics as JSON in the metadata. After each
 * save it prunes to the newest `keep` files plus the best one.
 *
 * @param parameters The learner's parameters, read at each save.
 */
export function createCheckpointStore(
  folder: string,
  parameters: () => Map<string, tfc.Variable>,
  context: CheckpointContext,
  keep: number,
): CheckpointStore {
  return {
    async save(state: TrainingState): Promise<string> {
      await mkdir(folder, { recursive: true });
      const tensors = new Map<string, TensorToWrite>();
      const add = (name: string, tensor: tfc.Tensor) => {
        tensors.set(name, {
          dtype: 'F32',
          shape: tensor.shape,
          data: tensor.dataSync() as Float32Array,
        });
      };
      for (const [name, variable] of parameters()) {
        add(`${PARAMETER_PREFIX}${name}`, variable);
      }
      for (const [name, moment] of state.optimizer) {
        add(`${OPTIMIZER_PREFIX}${name}`, moment);
        moment.dispose();
      }

      const path = join(folder, checkpointFileName(state.step));
      await writeSafetensorsFile(path, tensors, {
        metadata: {
          format: 's4d-trainer-checkpoint',
          [METRIC_KEY]: encodeMetric(state.metric ?? null),
          best_metric: encodeMetric(state.bestMetric ?? null),
          step: String(state.step),
          epoch: String(state.epoch),
          rng: JSON.stringify(state.rngState),
          model_config: JSON.stringify(context.modelConfig),
          training_config: JSON.stringify(context.trainingConfig),
          task: context.task,
          outputs: String(context.outputs),
          class_names: JSON.stringify(context.classNames ?? null),
        },
      });
      await pruneCheckpoints(folder, { keep, mode: context.mode });
      return path;
    },
  };
}

/**
 * Reads a checkpoint file written by `createCheckpointStore`.
 *
 * @throws TrainerError if the file is missing or is not a trainer checkpoint.
 */
export async function loadCheckpointFile(
  tf: Tf,
  path: string,
): Promise<LoadedCheckpoint> {
  let contents: Awaited<ReturnType<typeof readSafetensorsFile>>;
  try {
    contents = await readSafetensorsFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new TrainerError(
      `Cannot read checkpoint ${path}: ${reason}. Give a checkpoint-*.safetensors file or a run folder.`,
    );
  }
  const metadata = contents.metadata;
  if (metadata.format !== 's4d-trainer-checkpoint') {
    throw new TrainerError(
      `${path} is not a trainer checkpoint (its metadata has no format ` +
        '"s4d-trainer-checkpoint"). Give a checkpoint written by s4d-train.',
    );
  }

  const parameters = new Map<string, tfc.Tensor>();
  const optimizer = new Map<string, tfc.Tensor>();
  for (const [name, tensor] of contents.tensors) {
    const value = tf.tensor(decodeTensorData(tensor, 'float32'), tensor.shape);
    if (name.startsWith(PARAMETER_PREFIX)) {
      parameters.set(name.slice(PARAMETER_PREFIX.length), value);
    } else if (name.startsWith(OPTIMIZER_PREFIX)) {
      optimizer.set(name.slice(OPTIMIZER_PREFIX.length), value);
    } else {
      value.dispose();
    }
  }

  const metric = decodeMetric(metadata[METRIC_KEY]);
  const bestMetric = decodeMetric(metadata.best_metric);
  const classNames = JSON.parse(metadata.class_names ?? 'null') as
    | string[]
    | null;
  return {
    path,
    parameters,
    state: {
      step: Number(metadata.step),
      epoch: Number(metadata.epoch),
      rngState: JSON.parse(metadata.rng ?? 'null'),
      optimizer,
      metric: metric ?? undefined,
      bestMetric: bestMetric ?? undefined,
    },
    modelConfig: JSON.parse(metadata.model_config ?? '{}'),
    trainingConfig: JSON.parse(metadata.training_config ?? 'null'),
    task: metadata.task ?? 'classification',
    outputs: Number(metadata.outputs),
    classNames: classNames ?? undefined,
  };
}
