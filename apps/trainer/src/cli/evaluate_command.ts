import { statSync } from 'node:fs';
import { join } from 'node:path';
import { bestCheckpoint, latestCheckpoint } from '@s4d/serialize';
import { loadCheckpointFile } from '../checkpoint_store.js';
import type { Tf } from '../contracts.js';
import { majorityBaseline } from '../data/dataset.js';
import { TrainerError } from '../errors.js';
import { applyOverrides, type CliOptions } from './args.js';
import type { Logger } from './logger.js';
import {
  buildLearner,
  loadDataset,
  resolveConfig,
  restoreParameters,
} from './setup.js';
import { RUN_FILES } from './train_command.js';

/** Metrics that `evaluate` reports. */
export interface EvaluateReport {
  checkpoint: string;
  step: number;
  split: 'test';
  count: number;
  loss: number;
  accuracy?: number;
  /** Root mean squared error in the target's unit (regression). */
  rmse?: number;
  /** Accuracy of predicting the most frequent training class. */
  baselineAccuracy?: number;
}

/**
 * Runs `evaluate`. It loads a checkpoint (a file, or a run folder's best
 * checkpoint, else its latest) and rebuilds the model from the configs
 * stored in it. Then it reports the metrics on the held-out part of the
 * dataset, which flags such as `--data` may replace.
 */
export async function evaluateCommand(
  tf: Tf,
  cli: CliOptions,
  log: Logger,
): Promise<EvaluateReport> {
  const path = await findCheckpoint(tf, cli.checkpoint as string);
  const checkpoint = await loadCheckpointFile(path);
  const config = resolveConfig(
    applyOverrides(
      checkpoint.trainingConfig as unknown as Record<string, unknown>,
      cli.overrides,
    ),
    `checkpoint ${path}`,
  );
  const data = loadDataset(config);
  if (data.train.features !== checkpoint.modelConfig.embedDim) {
    throw new TrainerError(
      `The data has ${data.train.features} features per step, but the ` +
        `checkpoint's model expects embedDim ${String(checkpoint.modelConfig.embedDim)}. ` +
        'Evaluate on data with the same feature columns.',
    );
  }
  const outputs = checkpoint.parameters.get('head.bias')?.shape[0];
  if (data.outputs !== outputs) {
    throw new TrainerError(
      `The data has ${data.outputs} outputs (classes), but the checkpoint ` +
        `was trained for ${String(outputs)}. Evaluate on data with the same target.`,
    );
  }

  const learner = buildLearner(
    tf,
    { ...checkpoint.modelConfig },
    data.task,
    data.outputs,
    config.seed,
  );
  try {
    restoreParameters(learner, checkpoint.parameters, path);
    const metrics = learner.evaluate(data.test, config.batchSize);
    const report: EvaluateReport = {
      checkpoint: path,
      step: checkpoint.state.step,
      split: 'test',
      count: data.test.count,
      loss: metrics.loss,
    };
    if (metrics.accuracy !== undefined) {
      report.accuracy = metrics.accuracy;
      report.baselineAccuracy = majorityBaseline(data).accuracy;
    }
    if (data.task === 'regression') {
      report.rmse = Math.sqrt(metrics.loss) * (data.targetStd ?? 1);
    }
    log.info(`checkpoint ${path} (step ${report.step}) on ${data.description}`);
    log.info(JSON.stringify(report, null, 2));
    return report;
  } finally {
    learner.dispose();
    tf.dispose([...checkpoint.parameters.values()]);
    tf.dispose([...checkpoint.state.optimizer.values()]);
  }
}

/**
 * Resolves a checkpoint file, or a run folder to its best checkpoint (by
 * accuracy for classification, loss for regression), else its latest.
 */
async function findCheckpoint(tf: Tf, target: string): Promise<string> {
  let isFolder: boolean;
  try {
    isFolder = statSync(target).isDirectory();
  } catch {
    throw new TrainerError(
      `Checkpoint not found: ${target}. Give a checkpoint-*.safetensors file or a run folder.`,
    );
  }
  if (!isFolder) {
    return target;
  }
  const folder = join(target, RUN_FILES.checkpoints);
  const latest = await latestCheckpoint(folder);
  if (latest === null) {
    throw new TrainerError(
      `Run folder ${target} has no checkpoints in ${folder}. Train first or give a checkpoint file.`,
    );
  }
  const { trainingConfig, parameters, state } =
    await loadCheckpointFile(latest);
  tf.dispose([...parameters.values(), ...state.optimizer.values()]);
  const dataset = trainingConfig.dataset;
  const classification =
    dataset.kind === 'mnist' || dataset.task === 'classification';
  const mode = classification ? 'max' : 'min';
  return (await bestCheckpoint(folder, { mode })) ?? latest;
}
