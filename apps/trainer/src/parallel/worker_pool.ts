import { Worker } from 'node:worker_threads';
import type * as tfc from '@tensorflow/tfjs-core';
import type { TrainingConfig } from '../config.js';
import type { Tf } from '../contracts.js';
import { TrainerError, WorkerError } from '../errors.js';
import type { EvalMetrics } from '../learner.js';
import type { AdamW } from '../optim/adamw.js';
import { type FlatSlice, flatLayout } from '../optim/flat_adamw.js';
import { deriveSeed } from '../rng.js';
import type { StepEngine } from '../trainer.js';
import { BARRIER_LENGTH, Barrier } from './barrier.js';
import {
  contiguousRanges,
  SHARE_FIELDS,
  type WorkerReply,
  type WorkerRequest,
  type WorkerSetup,
} from './protocol.js';

/** The worker entry point, compiled; the same path from `src/` and `dist/`. */
const WORKER_URL = new URL('../../dist/parallel/worker.js', import.meta.url);

/** A set of worker threads that train replicas of the learner. */
export interface WorkerPool {
  /** Runs the steps and evaluations of `train` on the workers. */
  engine: StepEngine;
  /** Stops the workers. */
  close(): Promise<void>;
}

/**
 * Starts `count` worker threads, each with its own tfjs WASM backend, its own
 * copy of the data set, a replica of the learner and its own optimizer
 * state, and returns an engine for `train`.
 *
 * A step sends each worker a contiguous share of the batch. Each worker
 * writes its gradients into its slot of a shared buffer and waits at a
 * barrier. Then each worker averages the slots weighted by share size (the
 * gradient of the whole batch's mean loss) for its own part of a shared
 * buffer of parameters and moments, clips that part and applies AdamW to
 * it. Every worker copies the new parameters into its replica, so the
 * replicas stay identical and the main thread does no work per step.
 * For checkpoints, `store` copies the shared parameters and moments into the
 * main thread's learner and optimizer, with worker 0's update count.
 * Evaluation splits the held-out set across the workers.
 *
 * @param parameters The main thread's learner parameters, in buffer order.
 * @param testCount Number of sequences in the held-out set.
 * @throws TrainerError naming the worker if one fails to start.
 */
export async function startWorkerPool(
  tf: Tf,
  count: number,
  config: TrainingConfig,
  modelConfig: Record<string, unknown>,
  parameters: Map<string, tfc.Variable>,
  testCount: number,
): Promise<WorkerPool> {
  const names = [...parameters.keys()];
  const { slices, total } = flatLayout(names, parameters);
  const slicesByName = new Map(slices.map((slice) => [slice.name, slice]));
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  const sharedState = new SharedArrayBuffer(3 * total * bytes);
  const sharedBarrier = new SharedArrayBuffer(
    BARRIER_LENGTH * Int32Array.BYTES_PER_ELEMENT,
  );
  const state = new Float32Array(sharedState);
  const barrier = new Barrier(new Int32Array(sharedBarrier), count);

  const setupBase = {
    workers: count,
    config,
    modelConfig,
    names,
    state: sharedState,
    gradients: new SharedArrayBuffer(count * total * bytes),
    shares: new SharedArrayBuffer(
      SHARE_FIELDS * count * Float64Array.BYTES_PER_ELEMENT,
    ),
    barrier: sharedBarrier,
  };

  const workers: Worker[] = [];
  const pending = new Map<number, (reply: WorkerReply) => void>();
  let failure: WorkerError | undefined;
  let closing = false;
  const fail = (index: number, reason: string) => {
    failure ??= new WorkerError(index, reason);
    barrier.abort();
    for (const resolve of pending.values()) {
      resolve({ type: 'error', message: reason });
    }
    pending.clear();
  };

  const ready: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const setup: WorkerSetup = { ...setupBase, index };
    const worker = new Worker(WORKER_URL, { workerData: setup });
    workers.push(worker);
    worker.on('error', (error) => fail(index, error.message));
    worker.on('exit', (code) => {
      if (!closing) {
        fail(index, `exited with code ${code}`);
      }
    });
    ready.push(
      new Promise((resolve, reject) => {
        const rejectStart = (reason: string) =>
          reject(
            new TrainerError(`Worker ${index} failed to start: ${reason}`),
          );
        worker.once('message', (reply: WorkerReply) => {
          if (reply.type === 'ready') {
            resolve();
          } else {
            rejectStart(reply.type === 'error' ? reply.message : reply.type);
          }
        });
        worker.once('error', (error) => rejectStart(error.message));
        worker.once('exit', (code) => rejectStart(`exited with code ${code}`));
      }),
    );
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'error') {
        // Aborts the barrier at once: the other workers may be waiting there
        // for this one.
        fail(index, reply.message);
        return;
      }
      const resolve = pending.get(index);
      if (resolve !== undefined) {
        pending.delete(index);
        resolve(reply);
      }
    });
  }

  const close = async () => {
    closing = true;
    barrier.abort();
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await close();
    throw error;
  }

  /**
   * Sends one request per worker (`undefined` skips a worker) and returns
   * the replies in worker order.
   *
   * @throws WorkerError naming the first worker that failed.
   */
  const ask = async (
    requests: (WorkerRequest | undefined)[],
  ): Promise<WorkerReply[]> => {
    if (failure !== undefined) {
      throw failure;
    }
    const replies = await Promise.all(
      requests.map((request, index) =>
        request === undefined
          ? undefined
          : new Promise<WorkerReply>((resolve) => {
              pending.set(index, resolve);
              (workers[index] as Worker).postMessage(request);
            }),
      ),
    );
    replies.forEach((reply, index) => {
      if (reply?.type === 'error') {
        failure ??= new WorkerError(index, reply.message);
      }
    });
    if (failure !== undefined) {
      barrier.abort();
      throw failure;
    }
    return replies.filter((reply) => reply !== undefined);
  };
  const all = (request: WorkerRequest) => ask(workers.map(() => request));

  /** Returns the view of a parameter in part 0, 1 or 2 of the state buffer. */
  const slice = (part: number, name: string) => {
    const { offset, size } = slicesByName.get(name) as FlatSlice;
    const start = part * total + offset;
    return state.subarray(start, start + size);
  };

  const engine: StepEngine = {
    load: async (optimizer: AdamW) => {
      const moments = optimizer.getState();
      for (const name of names) {
        const variable = parameters.get(name) as tfc.Variable;
        slice(0, name).set(variable.dataSync() as Float32Array);
        for (const [part, key] of [
          [1, 'm'],
          [2, 'v'],
        ] as const) {
          const moment = moments.get(`${name}.${key}`) as tfc.Tensor;
          slice(part, name).set(moment.dataSync() as Float32Array);
        }
      }
      tf.dispose([...moments.values()]);
      await all({ type: 'load', iterations: optimizer.iterations });
    },

    step: async (indices, dropoutSeed, factor) => {
      const replies = await ask(
        contiguousRanges(indices.length, count).map(({ start, end }) => ({
          type: 'step',
          indices: indices.slice(start, end),
          dropoutSeed: shareSeed(dropoutSeed, start),
          factor,
        })),
      );
      const first = replies[0];
      if (first?.type !== 'stepped') {
        throw new WorkerError(
          0,
          `unexpected reply ${first?.type ?? 'none'} to a step`,
        );
      }
      return { loss: first.loss, size: first.size, gradNorm: first.gradNorm };
    },

    evaluate: async (batchSize) => {
      const replies = await ask(
        contiguousRanges(testCount, count, batchSize).map(({ start, end }) =>
          end > start ? { type: 'evaluate', start, end, batchSize } : undefined,
        ),
      );
      return combineMetrics(replies);
    },

    store: async (optimizer: AdamW) => {
      const [reply] = await ask([{ type: 'save' }]);
      if (reply?.type !== 'saved') {
        throw new WorkerError(
          0,
          `unexpected reply ${reply?.type ?? 'none'} to a save`,
        );
      }
      const moments = new Map<string, tfc.Tensor>();
      for (const name of names) {
        const variable = parameters.get(name) as tfc.Variable;
        const values = tf.tensor(slice(0, name), variable.shape);
        variable.assign(values);
        values.dispose();
        moments.set(`${name}.m`, tf.tensor(slice(1, name), variable.shape));
        moments.set(`${name}.v`, tf.tensor(slice(2, name), variable.shape));
      }
      optimizer.setState(moments, reply.iterations);
      tf.dispose([...moments.values()]);
    },
  };

  return { engine, close };
}

/**
 * Returns the dropout seed of the share that starts at batch index `start`:
 * the step's seed for the first share, and a seed derived from the start
 * for the others, so that no two shares draw the same masks.
 */
export function shareSeed(dropoutSeed: number, start: number): number {
  return start === 0 ? dropoutSeed : deriveSeed(dropoutSeed, start);
}

/** Combines the workers' metrics on their parts of the held-out set. */
function combineMetrics(replies: WorkerReply[]): EvalMetrics {
  let count = 0;
  let lossSum = 0;
  let correct = 0;
  let classified = false;
  for (const reply of replies) {
    if (reply.type !== 'evaluated') {
      continue;
    }
    count += reply.count;
    lossSum += reply.loss * reply.count;
    if (reply.accuracy !== undefined) {
      classified = true;
      correct += Math.round(reply.accuracy * reply.count);
    }
  }
  const metrics: EvalMetrics = { loss: lossSum / Math.max(1, count) };
  if (classified) {
    metrics.accuracy = correct / Math.max(1, count);
  }
  return metrics;
}
