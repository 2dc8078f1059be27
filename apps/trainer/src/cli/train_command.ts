import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { latestCheckpoint } from '@s4d/serialize';
import {
  createCheckpointStore,
  loadCheckpointFile,
} from '../checkpoint_store.js';
import type { TrainingConfig } from '../config.js';
import type { Tf } from '../contracts.js';
import { majorityBaseline } from '../data/dataset.js';
import { DEFAULT_CONFIG } from '../default_config.js';
import { TrainerError, WorkerError } from '../errors.js';
import { MetricsLog } from '../metrics.js';
import { startWorkerPool, type WorkerPool } from '../parallel/worker_pool.js';
import { renderPlot } from '../plot.js';
import { createProgress, formatSeconds } from '../progress.js';
import { stepCounts, type TrainingState, train } from '../trainer.js';
import { applyOverrides, type CliOptions } from './args.js';
import type { Logger } from './logger.js';
import { prepareLearner, resolveConfig, restoreParameters } from './setup.js';

/** Files in a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoints: 'checkpoints',
  plot: 'plot.svg',
  summary: 'summary.json',
} as const;

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT). */
export const INTERRUPTED_STATUS = 130;

/**
 * Runs `train`: resolves the config, loads the data, builds the model,
 * trains with checkpoints and writes the run folder.
 *
 * @returns The process exit status: 0, or 130 after a Ctrl-C.
 */
export async function trainCommand(
  tf: Tf,
  cli: CliOptions,
  log: Logger,
): Promise<number> {
  const { config, runDir, source } = prepareRun(cli);
  const { data, learner } = prepareLearner(tf, config);
  log.info(`data: ${data.description}`);
  const resolved = { ...config, model: learner.model.config };
  writeFileSync(
    join(runDir, RUN_FILES.config),
    `${JSON.stringify(resolved, null, 2)}\n`,
  );
  log.info(`config (${source}):\n${JSON.stringify(resolved, null, 2)}`);

  const metrics = new MetricsLog(join(runDir, RUN_FILES.metrics));
  const checkpointFolder = join(runDir, RUN_FILES.checkpoints);
  let resume: TrainingState | undefined;
  if (cli.resume !== undefined) {
    const latest = await latestCheckpoint(checkpointFolder);
    if (latest === null) {
      throw new TrainerError(
        `Run folder ${runDir} has no checkpoint to resume from. Start a new run without --resume.`,
      );
    }
    const checkpoint = await loadCheckpointFile(latest);
    restoreParameters(learner, checkpoint.parameters, latest);
    tf.dispose([...checkpoint.parameters.values()]);
    resume = checkpoint.state;
    metrics.truncateAfter(resume.step);
    log.info(`resuming from ${latest} at step ${resume.step}`);
  } else if (existsSync(metrics.path)) {
    throw new TrainerError(
      `Run folder ${runDir} already contains a run. Resume it with --resume ${runDir} or pick another --run-dir.`,
    );
  }

  const store = createCheckpointStore(
    checkpointFolder,
    () => learner.parameters(),
    { model: learner.model.config, training: config },
    {
      keep: config.keepCheckpoints,
      mode: data.task === 'classification' ? 'max' : 'min',
    },
  );

  const { totalSteps } = stepCounts(config, data.train.count);
  const parameterCount = [...learner.parameters().values()].reduce(
    (sum, variable) => sum + variable.size,
    0,
  );
  log.info(
    `model: ${parameterCount} parameters; ${totalSteps} steps of batch ${config.batchSize}; run folder ${runDir}`,
  );
  const workers = workerCount(config);
  let pool: WorkerPool | undefined;
  if (workers > 1) {
    pool = await startWorkerPool(
      tf,
      workers,
      config,
      { ...learner.model.config },
      learner.parameters(),
      data.test.count,
    );
    log.info(`data-parallel: ${workers} worker threads`);
  }

  const stop = { requested: false };
  const onInterrupt = () => {
    if (stop.requested) {
      log.error('Second Ctrl-C: exiting without a checkpoint.');
      process.exit(INTERRUPTED_STATUS);
    }
    stop.requested = true;
    log.info(
      'Ctrl-C: saving a checkpoint after this step (press Ctrl-C again to exit at once).',
    );
  };
  process.on('SIGINT', onInterrupt);

  const progress = createProgress(totalSteps, resume?.step ?? 0, {
    tty: process.stdout.isTTY === true,
  });
  const started = performance.now();
  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train({
      tf,
      learner,
      data,
      config,
      metrics,
      store,
      progress,
      resume,
      stop,
      engine: pool?.engine,
    });
  } catch (error) {
    if (error instanceof WorkerError) {
      throw new TrainerError(
        `${error.message.replace(/\.$/, '')}. ${await resumeHint(checkpointFolder, runDir)}`,
      );
    }
    throw error;
  } finally {
    await pool?.close();
    process.off('SIGINT', onInterrupt);
    writeFileSync(
      join(runDir, RUN_FILES.plot),
      renderPlot(metrics.read(), `S4D: ${data.description}`),
    );
    learner.dispose();
  }
  const seconds = (performance.now() - started) / 1000;

  const summary: Record<string, unknown> = {
    workers,
    steps: result.steps,
    totalSteps: result.totalSteps,
    interrupted: result.interrupted,
    seconds,
    sequencesPerSecond: result.sequencesPerSecond,
    finalEval: result.finalEval,
    bestMetric: result.bestMetric,
    lastCheckpoint: result.lastCheckpoint,
  };
  if (data.task === 'classification') {
    summary.majorityBaseline = majorityBaseline(data);
  }
  writeFileSync(
    join(runDir, RUN_FILES.summary),
    `${JSON.stringify(summary, null, 2)}\n`,
  );

  if (result.interrupted) {
    log.info(
      `Stopped at step ${result.steps} of ${result.totalSteps}; checkpoint ${result.lastCheckpoint}. ` +
        `Continue with: s4d-train --resume ${runDir}`,
    );
    return INTERRUPTED_STATUS;
  }
  const evalLine = describeEval(result.finalEval, data.task);
  log.info(
    `done: ${result.steps} steps in ${formatSeconds(seconds)} ` +
      `(${result.sequencesPerSecond.toFixed(1)} seq/s); held-out ${evalLine}`,
  );
  if (data.task === 'classification') {
    const baseline = majorityBaseline(data);
    log.info(
      `baseline: always predicting the most frequent training class ` +
        `(${baseline.className}) scores ${(100 * baseline.accuracy).toFixed(2)}%`,
    );
  }
  log.info(
    `wrote ${join(runDir, RUN_FILES.metrics)}, ${join(runDir, RUN_FILES.plot)} and checkpoints in ${checkpointFolder}`,
  );
  return 0;
}

/**
 * Returns `workers`, or by default one per logical CPU but no more than the
 * batch has sequences, since a worker without a share only costs memory.
 *
 * @throws TrainerError if `workers` exceeds the batch size.
 */
export function workerCount(config: TrainingConfig): number {
  if (config.workers === null || config.workers === undefined) {
    return Math.min(availableParallelism(), config.batchSize);
  }
  if (config.workers > config.batchSize) {
    throw new TrainerError(
      `--workers ${config.workers} is more than --batch-size ${config.batchSize}; ` +
        'each worker needs at least one sequence of the batch. Lower --workers or raise --batch-size.',
    );
  }
  return config.workers;
}

function describeEval(
  metrics: { loss: number; accuracy?: number } | undefined,
  task: string,
): string {
  if (metrics === undefined) {
    return 'not evaluated';
  }
  if (task === 'classification') {
    return `accuracy ${(100 * (metrics.accuracy ?? 0)).toFixed(2)}%, loss ${metrics.loss.toFixed(4)}`;
  }
  return `MSE ${metrics.loss.toFixed(4)} (standardized)`;
}

/**
 * Resolves the config and the run folder: a new run from the embedded
 * default or `--config`, or a resumed run from its saved `config.json`,
 * with the command-line overrides applied in both cases.
 */
function prepareRun(cli: CliOptions): {
  config: TrainingConfig;
  runDir: string;
  source: string;
} {
  let raw: Record<string, unknown>;
  let source: string;
  if (cli.resume !== undefined) {
    source = join(cli.resume, RUN_FILES.config);
    raw = readJson(source, `--resume ${cli.resume}: the run folder's config`);
  } else if (cli.config !== undefined) {
    source = cli.config;
    raw = readJson(cli.config, '--config');
  } else {
    source = 'embedded default';
    raw = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  }
  if (cli.overrides.length > 0) {
    source += ' with command-line flags';
  }
  const config = resolveConfig(applyOverrides(raw, cli.overrides), source);

  const runDir =
    cli.resume ??
    cli.runDir ??
    join(
      config.checkpointDir,
      new Date().toISOString().replace(/[:.]/g, '-').replace('Z', ''),
    );
  mkdirSync(runDir, { recursive: true });
  return { config, runDir, source };
}

/**
 * Reads a JSON object from a file.
 *
 * @throws TrainerError if the file is missing or not a JSON object.
 */
export function readJson(path: string, role: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TrainerError(
      code === 'ENOENT'
        ? `${role} file not found: ${path}. Check the path.`
        : `Cannot read ${role} file ${path}: ${(error as Error).message}.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrainerError(
      `${role} file ${path} is not valid JSON: ${(error as Error).message}. Fix the syntax.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TrainerError(
      `${role} file ${path} must contain a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Returns a sentence with the run's latest checkpoint and the `--resume`
 * command that continues from it, or one saying that there is none.
 */
async function resumeHint(
  checkpointFolder: string,
  runDir: string,
): Promise<string> {
  const latest = await latestCheckpoint(checkpointFolder);
  if (latest === null) {
    return 'No checkpoint was saved yet, so start the run again.';
  }
  return `The last checkpoint, ${latest}, is kept. Continue with: s4d-train --resume ${runDir}`;
}
