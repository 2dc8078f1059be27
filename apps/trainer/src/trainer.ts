import type * as tfc from '@tensorflow/tfjs-core';
import type { TrainingConfig } from './config.js';
import type { Tf } from './contracts.js';
import { gatherBatch, type SplitDataset } from './data/dataset.js';
import { DivergenceError } from './errors.js';
import type { EvalMetrics, Learner } from './learner.js';
import type { EvalRecord, MetricsLog } from './metrics.js';
import { AdamW, type ParameterGroup } from './optim/adamw.js';
import { clipByGlobalNorm } from './optim/clip.js';
import { learningRateFactor } from './optim/schedule.js';
import type { Progress } from './progress.js';
import { deriveSeed, Rng } from './rng.js';

/** Offset of the dropout seeds' streams, apart from the epochs' streams. */
const DROPOUT_STREAM = 1 << 30;

/** The state a checkpoint stores and a resumed run restores. */
export interface TrainingState {
  /** Steps completed. */
  step: number;
  epoch: number;
  /** Generator state: the seed and the step it has reached. */
  rngState: { seed: number; step: number };
  /** Optimizer moments; the store disposes them after saving. */
  optimizer: Map<string, tfc.Tensor>;
  /** The held-out metric of this checkpoint, if it was evaluated. */
  metric?: number | undefined;
  /** The best held-out metric so far. */
  bestMetric?: number | undefined;
}

/** The checkpoint store, which `@s4d/serialize` implements for the CLI. */
export interface CheckpointStore {
  /** Saves the learner's parameters and the state; `best` marks a new best. */
  save(state: TrainingState, best: boolean): Promise<string>;
}

/** The outcome of one training step. */
export interface StepResult {
  /** Mean loss of the batch. */
  loss: number;
  /** Number of sequences in the batch. */
  size: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * Runs the steps and evaluations of `train`: the learner in this process
 * (the default), or worker threads that each keep a replica
 * (`startWorkerPool`).
 */
export interface StepEngine {
  /** Takes the learner's parameters and the optimizer's state, once first. */
  load(optimizer: AdamW): Promise<void>;
  /**
   * Computes the gradients of a batch, clips them by `gradClipNorm` and
   * applies one AdamW update with the schedule's `factor`. Makes no update
   * when the loss or the gradient norm is not finite.
   */
  step(
    indices: Int32Array,
    dropoutSeed: number,
    factor: number,
  ): Promise<StepResult>;
  /** Evaluates on the held-out set in batches of `batchSize`. */
  evaluate(batchSize: number): Promise<EvalMetrics>;
  /**
   * Writes the engine's parameters and optimizer state into the learner and
   * the optimizer, before a checkpoint is saved from them.
   */
  store(optimizer: AdamW): Promise<void>;
}

/** Inputs of `train`. */
export interface TrainOptions {
  tf: Tf;
  learner: Learner;
  data: SplitDataset;
  config: TrainingConfig;
  metrics: MetricsLog;
  store: CheckpointStore;
  progress: Progress;
  /** State of a checkpoint to continue from. */
  resume?: TrainingState | undefined;
  /** Set `requested` to stop after the current step with a checkpoint. */
  stop?: { requested: boolean };
  /** The engine that runs steps; by default the learner in this process. */
  engine?: StepEngine | undefined;
}

/** The outcome of `train`. */
export interface TrainResult {
  /** Steps completed, including those before a resume. */
  steps: number;
  totalSteps: number;
  /** True when a stop request ended the run before `totalSteps`. */
  interrupted: boolean;
  /** Training loss of every step run in this call, in order. */
  losses: number[];
  finalEval?: EvalMetrics | undefined;
  bestMetric?: number | undefined;
  /** Mean training throughput of this call in sequences per second. */
  sequencesPerSecond: number;
  lastCheckpoint?: string | undefined;
}

/** Returns the steps per epoch (full batches only) and the total steps. */
export function stepCounts(
  config: TrainingConfig,
  trainCount: number,
): { stepsPerEpoch: number; totalSteps: number } {
  const stepsPerEpoch = Math.max(1, Math.floor(trainCount / config.batchSize));
  const byEpochs = config.epochs * stepsPerEpoch;
  const totalSteps =
    config.maxSteps === undefined || config.maxSteps === null
      ? byEpochs
      : Math.min(byEpochs, config.maxSteps);
  return { stepsPerEpoch, totalSteps };
}

/**
 * Trains a learner with AdamW on the model's two parameter groups, warmup
 * plus cosine schedule and gradient-norm clipping, evaluating on the
 * held-out part every `evalInterval` steps and checkpointing every
 * `checkpointInterval` steps and at the end.
 *
 * Each epoch's batch order is a permutation seeded by `(seed, epoch)` and
 * each step's dropout masks are seeded by `(seed, step)`, so a run resumed
 * at any step sees the same batches and masks as an uninterrupted one.
 *
 * @throws DivergenceError when a loss or a gradient norm is NaN or
 *   infinite; no update or
 *   checkpoint is made from that step, so the last checkpoint stays good.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { tf, learner, data, config, metrics, store, progress } = options;
  const { stepsPerEpoch, totalSteps } = stepCounts(config, data.train.count);
  const parameters = learner.parameters();
  const optimizer = new AdamW(tf, parameters, {
    groups: optimizerGroups(config, learner.parameterGroups()),
  });
  const engine = options.engine ?? localEngine(options, optimizer);

  let step = 0;
  let bestMetric: number | undefined;
  if (options.resume !== undefined) {
    optimizer.setState(options.resume.optimizer, options.resume.step);
    step = options.resume.step;
    bestMetric = options.resume.bestMetric;
  }
  await engine.load(optimizer);

  const losses: number[] = [];
  let order: Int32Array | undefined;
  let orderEpoch = -1;
  let finalEval: EvalMetrics | undefined;
  let lastCheckpoint: string | undefined;
  let lastMetric: number | undefined;
  const started = performance.now();
  let sequences = 0;

  const evaluate = async (): Promise<EvalRecord> => {
    const result = await engine.evaluate(config.batchSize);
    finalEval = result;
    const record: EvalRecord = {
      kind: 'eval',
      step,
      epoch: Math.floor(step / stepsPerEpoch),
      loss: result.loss,
    };
    if (result.accuracy !== undefined) {
      record.accuracy = result.accuracy;
    }
    if (data.task === 'regression') {
      record.rmse = Math.sqrt(result.loss) * (data.targetStd ?? 1);
    }
    metrics.append(record);
    progress.log(formatEval(record));
    return record;
  };

  const checkpoint = async (record: EvalRecord | undefined) => {
    let best = false;
    if (record !== undefined) {
      lastMetric = metricOf(record);
      if (
        bestMetric === undefined ||
        isBetter(record, lastMetric, bestMetric)
      ) {
        bestMetric = lastMetric;
        best = true;
      }
    }
    await engine.store(optimizer);
    lastCheckpoint = await store.save(
      {
        step,
        epoch: Math.floor(step / stepsPerEpoch),
        rngState: { seed: config.seed, step },
        optimizer: optimizer.getState(),
        metric: lastMetric,
        bestMetric,
      },
      best,
    );
  };

  try {
    while (step < totalSteps) {
      const epoch = Math.floor(step / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = new Rng(deriveSeed(config.seed, epoch)).permutation(
          data.train.count,
        );
        orderEpoch = epoch;
      }
      const offset = (step % stepsPerEpoch) * config.batchSize;
      const indices = (order as Int32Array).subarray(
        offset,
        offset + config.batchSize,
      );

      const dropoutSeed = deriveSeed(config.seed, DROPOUT_STREAM + step);
      const factor = learningRateFactor(step, {
        schedule: config.schedule,
        warmupSteps: config.warmupSteps,
        totalSteps,
      });
      const { loss, size, gradNorm } = await engine.step(
        indices,
        dropoutSeed,
        factor,
      );
      if (!Number.isFinite(loss)) {
        throw new DivergenceError(step + 1, loss);
      }
      if (!Number.isFinite(gradNorm)) {
        throw new DivergenceError(step + 1, gradNorm, 'gradient norm');
      }

      step++;
      sequences += size;
      losses.push(loss);
      const seconds = (performance.now() - started) / 1000;
      const sequencesPerSecond = sequences / Math.max(seconds, 1e-9);
      metrics.append({
        kind: 'train',
        step,
        epoch,
        loss,
        gradNorm,
        learningRate: factor * config.learningRate,
        sequencesPerSecond,
      });
      progress.update({ step, loss, sequencesPerSecond });

      const last = step === totalSteps;
      const evalDue = last || step % config.evalInterval === 0;
      const record = evalDue ? await evaluate() : undefined;
      const stopping = options.stop?.requested === true;
      if (last || stopping || step % config.checkpointInterval === 0) {
        await checkpoint(record);
      }
      if (stopping && !last) {
        break;
      }

      // Yields to the event loop so a Ctrl-C handler can run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    progress.stop();
    optimizer.dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    steps: step,
    totalSteps,
    interrupted: step < totalSteps,
    losses,
    finalEval,
    bestMetric,
    sequencesPerSecond: sequences / Math.max(seconds, 1e-9),
    lastCheckpoint,
  };
}

/**
 * Returns the optimizer's two groups: the SSM parameters with `ssmLearningRate` and
 * `ssmWeightDecay`, and the rest with `learningRate` and `weightDecay`.
 */
export function optimizerGroups(
  config: TrainingConfig,
  groups: { ssm: string[]; other: string[] },
): ParameterGroup[] {
  return [
    {
      names: groups.ssm,
      learningRate: config.ssmLearningRate,
      weightDecay: config.ssmWeightDecay,
    },
    {
      names: groups.other,
      learningRate: config.learningRate,
      weightDecay: config.weightDecay,
    },
  ];
}

/** Runs the steps on the learner and optimizer of this process. */
export function localEngine(
  options: Pick<TrainOptions, 'tf' | 'learner' | 'data' | 'config'>,
  optimizer: AdamW,
): StepEngine {
  const { tf, learner, data, config } = options;
  return {
    load: async () => undefined,
    store: async () => undefined,
    evaluate: async (batchSize) => learner.evaluate(data.test, batchSize),
    step: async (indices, dropoutSeed, factor) => {
      const { loss, size, grads } = learner.computeGradients(
        gatherBatch(data.train, indices),
        data.train.length,
        data.train.features,
        dropoutSeed,
      );
      if (!Number.isFinite(loss)) {
        tf.dispose([...grads.values()]);
        return { loss, size, gradNorm: Number.NaN };
      }
      const clipped = clipByGlobalNorm(tf, grads, config.gradClipNorm ?? 0);
      if (Number.isFinite(clipped.norm)) {
        optimizer.apply(clipped.grads, factor);
      }
      tf.dispose([...clipped.grads.values()]);
      return { loss, size, gradNorm: clipped.norm };
    },
  };
}

/** The metric that ranks checkpoints: accuracy, else held-out loss. */
function metricOf(record: EvalRecord): number {
  return record.accuracy ?? record.loss;
}

function isBetter(record: EvalRecord, value: number, best: number): boolean {
  return record.accuracy !== undefined ? value > best : value < best;
}

/** Formats an evaluation record as one log line. */
export function formatEval(record: EvalRecord): string {
  const parts = [`eval step ${record.step}: loss ${record.loss.toFixed(4)}`];
  if (record.accuracy !== undefined) {
    parts.push(`accuracy ${(100 * record.accuracy).toFixed(2)}%`);
  }
  if (record.rmse !== undefined) {
    parts.push(`RMSE ${record.rmse.toPrecision(4)}`);
  }
  return parts.join(', ');
}
