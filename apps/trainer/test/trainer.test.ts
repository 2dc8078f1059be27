import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainingConfig } from '@s4d/config';
import { initBackend } from '@s4d/runtime';
import { describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../src/config.js';
import type { SplitDataset } from '../src/data/dataset.js';
import { Learner } from '../src/learner.js';
import { MetricsLog } from '../src/metrics.js';
import {
  type StepEngine,
  stepCounts,
  type TrainingState,
  train,
} from '../src/trainer.js';
import { buildFixtureModel } from './fixture_model.js';

const tf = await initBackend();

/** Two classes separated by the sign of the sequence mean of feature 0. */
function makeData(count: number, length: number): SplitDataset {
  const make = (n: number, offset: number) => {
    const inputs = new Float32Array(n * length * 2);
    const targets = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const label = (i + offset) % 2;
      targets[i] = label;
      for (let t = 0; t < length; t++) {
        const noise = Math.sin(13.7 * (i + offset) + 3.1 * t);
        inputs[(i * length + t) * 2] = (label === 1 ? 1 : -1) + 0.5 * noise;
        inputs[(i * length + t) * 2 + 1] = noise;
      }
    }
    return { inputs, targets, count: n, length, features: 2 };
  };
  return {
    task: 'classification',
    train: make(count, 0),
    test: make(16, 1),
    outputs: 2,
    description: 'fixture',
  };
}

const config: TrainingConfig = parseTrainingConfig({
  learningRate: 0.05,
  ssmLearningRate: 0.001,
  weightDecay: 0.01,
  batchSize: 8,
  epochs: 3,
  warmupSteps: 2,
  gradClipNorm: 1,
  seed: 5,
  evalInterval: 4,
  checkpointInterval: 4,
});

async function run(
  options: {
    config?: TrainingConfig;
    data?: SplitDataset;
    resume?: TrainingState;
    stopAfter?: number;
    engine?: StepEngine;
  } = {},
) {
  const data = options.data ?? makeData(32, 5);
  const runConfig = options.config ?? config;
  const learner = new Learner(
    tf,
    buildFixtureModel(tf, 2, 6, 11),
    'classification',
    2,
    12,
  );
  const saved: TrainingState[] = [];
  const dir = mkdtempSync(join(tmpdir(), 's4d-train-'));
  const stop = { requested: false };
  const metrics = new MetricsLog(join(dir, 'metrics.jsonl'));
  let steps = 0;
  const result = await train({
    tf,
    learner,
    data,
    config: runConfig,
    metrics,
    store: {
      save: async (state) => {
        saved.push(state);
        return `checkpoint-${state.step}`;
      },
    },
    progress: {
      log: () => undefined,
      stop: () => undefined,
      update: () => {
        steps++;
        if (options.stopAfter !== undefined && steps >= options.stopAfter) {
          stop.requested = true;
        }
      },
    },
    resume: options.resume,
    stop,
    engine: options.engine,
  });
  return { result, saved, learner, metrics };
}

describe('stepCounts', () => {
  it('drops the last partial batch', () => {
    expect(stepCounts({ ...config, batchSize: 10 }, 35).stepsPerEpoch).toBe(3);
  });

  it('caps the total at maxSteps', () => {
    expect(stepCounts({ ...config, maxSteps: 5 }, 32).totalSteps).toBe(5);
  });
});

describe('train', () => {
  it('lowers the loss', async () => {
    const { result, learner } = await run();
    const first = result.losses[0] as number;
    const last = result.losses[result.losses.length - 1] as number;

    expect(result.steps).toBe(12);
    expect(last).toBeLessThan(first);
    learner.dispose();
  });

  it('repeats losses for a seed', async () => {
    const a = await run();
    const b = await run();

    expect(b.result.losses).toEqual(a.result.losses);
    a.learner.dispose();
    b.learner.dispose();
  });

  it('checkpoints at the interval and the end', async () => {
    const { saved, learner } = await run();

    expect(saved.map((state) => state.step)).toEqual([4, 8, 12]);
    learner.dispose();
  });

  it('writes train and eval records', async () => {
    const { metrics, learner } = await run();
    const records = metrics.read();

    expect(records.filter((r) => r.kind === 'train')).toHaveLength(12);
    expect(records.filter((r) => r.kind === 'eval')).toHaveLength(3);
    learner.dispose();
  });

  it('stops with a checkpoint on request', async () => {
    const { result, saved, learner } = await run({ stopAfter: 3 });

    expect(result.interrupted).toBe(true);
    expect(result.steps).toBe(3);
    expect(saved.at(-1)?.step).toBe(3);
    learner.dispose();
  });

  it('names the step where the loss is NaN', async () => {
    const data = makeData(32, 5);
    data.train.inputs.fill(Number.NaN);

    await expect(run({ data })).rejects.toThrow(
      'The training loss became NaN at step 1.',
    );
  });

  it('names the step where the gradient norm is infinite', async () => {
    let updates = 0;
    const engine: StepEngine = {
      load: async () => undefined,
      store: async () => undefined,
      evaluate: async () => ({ loss: 1 }),
      step: async () => {
        updates++;
        return {
          loss: 0.5,
          size: 16,
          gradNorm: updates === 2 ? Number.POSITIVE_INFINITY : 1,
        };
      },
    };

    await expect(run({ engine })).rejects.toThrow(
      'The gradient norm became Infinity at step 2.',
    );
  });

  it('keeps the tensor count across runs', async () => {
    const release = async () => {
      const { learner, saved } = await run();
      learner.dispose();
      for (const state of saved) {
        tf.dispose([...state.optimizer.values()]);
      }
    };
    await release();
    const before = tf.memory().numTensors;
    await release();

    expect(tf.memory().numTensors).toBe(before);
  });
});
