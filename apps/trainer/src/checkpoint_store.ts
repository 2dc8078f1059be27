import type { ModelConfig } from '@s4d/config';
import { loadCheckpoint, saveCheckpoint } from '@s4d/serialize';
import type * as tfc from '@tensorflow/tfjs-core';
import type { TrainingConfig } from './config.js';
import { TrainerError } from './errors.js';
import type { CheckpointStore, TrainingState } from './trainer.js';

/** A checkpoint read back from a file. */
export interface LoadedCheckpoint {
  path: string;
  /** Model and head parameters by name; the caller disposes them. */
  parameters: Map<string, tfc.Tensor>;
  state: TrainingState;
  modelConfig: ModelConfig;
  trainingConfig: TrainingConfig;
}

/**
 * Creates a store that saves checkpoints with `@s4d/serialize`'s
 * `saveCheckpoint` into `folder`: the learner's parameters (the head's as
 * `head.weight` and `head.bias`), the AdamW moments, step, epoch, generator
 * state, training config and metrics. After each save it prunes to the
 * newest `keep` checkpoints plus the best one, ranked by `mode`.
 *
 * @param parameters The learner's parameters, read at each save.
 */
export function createCheckpointStore(
  folder: string,
  parameters: () => Map<string, tfc.Variable>,
  configs: { model: ModelConfig; training: TrainingConfig },
  options: { keep: number; mode: 'max' | 'min' },
): CheckpointStore {
  return {
    async save(state: TrainingState): Promise<string> {
      try {
        return await saveCheckpoint(
          folder,
          {
            parameters: parameters(),
            modelConfig: configs.model,
            optimizerState: state.optimizer,
            step: state.step,
            epoch: state.epoch,
            rngState: state.rngState,
            trainingConfig: configs.training as never,
            metric: state.metric ?? null,
            bestMetric: state.bestMetric ?? null,
          },
          options,
        );
      } finally {
        for (const moment of state.optimizer.values()) {
          moment.dispose();
        }
      }
    },
  };
}

/**
 * Reads a checkpoint saved by `createCheckpointStore`.
 *
 * @throws TrainerError if the file is missing or is not an S4D checkpoint.
 */
export async function loadCheckpointFile(
  path: string,
): Promise<LoadedCheckpoint> {
  let checkpoint: Awaited<ReturnType<typeof loadCheckpoint>>;
  try {
    checkpoint = await loadCheckpoint(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new TrainerError(
      `Cannot read checkpoint ${path}: ${reason}. Give a ` +
        'checkpoint-*.safetensors file written by s4d-train, or a run folder.',
    );
  }
  const rngState = checkpoint.rngState as { seed: number; step: number };
  return {
    path,
    parameters: checkpoint.parameters,
    state: {
      step: checkpoint.step,
      epoch: checkpoint.epoch,
      rngState,
      optimizer: checkpoint.optimizerState,
      metric: checkpoint.metric ?? undefined,
      bestMetric: checkpoint.bestMetric ?? undefined,
    },
    modelConfig: checkpoint.modelConfig,
    trainingConfig: checkpoint.trainingConfig as unknown as TrainingConfig,
  };
}
