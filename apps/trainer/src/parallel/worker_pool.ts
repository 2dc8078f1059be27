import { Worker } from 'node:worker_threads';
import type * as tfc from '@tensorflow/tfjs-core';
import type { TrainingConfig } from '../config.js';
import type { Tf } from '../contracts.js';
import { TrainerError } from '../errors.js';
import type { Gradients } from '../learner.js';
import type { GradientEngine } from '../trainer.js';
import type { StepRequest, WorkerReply, WorkerSetup } from './protocol.js';

/** The worker entry point, compiled; the same path from `src/` and `dist/`. */
const WORKER_URL = new URL('../../dist/parallel/worker.js', import.meta.url);

/** A set of worker threads that compute gradients in parallel. */
export interface WorkerPool {
  /** Computes the averaged gradients of a batch, split across the workers. */
  engine: GradientEngine;
  /** Stops the workers. */
  close(): Promise<void>;
}

/**
 * Starts `count` worker threads, each with its own tfjs WASM backend, its own
 * copy of the training set and a replica of the learner, and returns an
 * engine for `train`.
 *
 * Each step the main thread writes its parameters into a shared buffer, each
 * worker copies them into its replica, computes the gradients of its
 * contiguous share of the batch and writes them into its slot of a second
 * shared buffer. The engine returns their average weighted by share size,
 * which is the gradient of the whole batch's mean loss, so the main
 * thread's update is the single-process one up to float32 rounding.
 *
 * @param parameters The main thread's learner parameters, in buffer order.
 * @throws TrainerError naming the worker if one fails to start.
 */
export async function startWorkerPool(
  tf: Tf,
  count: number,
  config: TrainingConfig,
  modelConfig: Record<string, unknown>,
  parameters: Map<string, tfc.Variable>,
): Promise<WorkerPool> {
  const names = [...parameters.keys()];
  const total = names.reduce(
    (sum, name) => sum + (parameters.get(name) as tfc.Variable).size,
    0,
  );
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  const sharedParameters = new SharedArrayBuffer(total * bytes);
  const sharedGradients = new SharedArrayBuffer(count * total * bytes);
  const parameterView = new Float32Array(sharedParameters);
  const gradientViews = Array.from(
    { length: count },
    (_, index) =>
      new Float32Array(sharedGradients, index * total * bytes, total),
  );

  const workers: Worker[] = [];
  const pending = new Map<number, (reply: WorkerReply) => void>();
  let failure: TrainerError | undefined;
  const fail = (index: number, reason: string) => {
    failure ??= new TrainerError(`Worker ${index} failed: ${reason}`);
    for (const resolve of pending.values()) {
      resolve({ type: 'error', message: reason });
    }
    pending.clear();
  };

  const ready: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const setup: WorkerSetup = {
      index,
      config,
      modelConfig,
      names,
      parameters: sharedParameters,
      gradients: sharedGradients,
    };
    const worker = new Worker(WORKER_URL, { workerData: setup });
    workers.push(worker);
    worker.on('error', (error) => fail(index, error.message));
    worker.on('exit', (code) => {
      if (code !== 0) {
        fail(index, `exited with code ${code}`);
      }
    });
    ready.push(
      new Promise((resolve, reject) => {
        worker.once('message', (reply: WorkerReply) => {
          if (reply.type === 'ready') {
            resolve();
          } else {
            reject(
              new TrainerError(
                `Worker ${index} failed to start: ${reply.type === 'error' ? reply.message : reply.type}`,
              ),
            );
          }
        });
        worker.once('error', (error) =>
          reject(
            new TrainerError(
              `Worker ${index} failed to start: ${error.message}`,
            ),
          ),
        );
        worker.once('exit', (code) =>
          reject(
            new TrainerError(
              `Worker ${index} failed to start: exited with code ${code}`,
            ),
          ),
        );
      }),
    );
    worker.on('message', (reply: WorkerReply) => {
      const resolve = pending.get(index);
      if (resolve !== undefined) {
        pending.delete(index);
        resolve(reply);
      }
    });
  }

  const close = async () => {
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await close();
    throw error;
  }

  const engine: GradientEngine = async (indices, dropoutSeed) => {
    if (failure !== undefined) {
      throw failure;
    }
    let offset = 0;
    for (const name of names) {
      const variable = parameters.get(name) as tfc.Variable;
      parameterView.set(variable.dataSync() as Float32Array, offset);
      offset += variable.size;
    }

    const share = Math.ceil(indices.length / count);
    const replies: Promise<{ index: number; reply: WorkerReply }>[] = [];
    for (let index = 0; index < count; index++) {
      const shard = indices.slice(index * share, (index + 1) * share);
      if (shard.length === 0) {
        continue;
      }
      replies.push(
        new Promise((resolve) => {
          pending.set(index, (reply) => resolve({ index, reply }));
          const request: StepRequest = {
            type: 'step',
            indices: shard,
            dropoutSeed,
            syncParameters: true,
          };
          (workers[index] as Worker).postMessage(request);
        }),
      );
    }
    const results = await Promise.all(replies);

    const sum = new Float64Array(total);
    let size = 0;
    let lossSum = 0;
    for (const { index, reply } of results) {
      if (reply.type !== 'gradients') {
        const reason = reply.type === 'error' ? reply.message : reply.type;
        failure ??= new TrainerError(`Worker ${index} failed: ${reason}`);
        throw failure;
      }
      const view = gradientViews[index] as Float32Array;
      for (let i = 0; i < total; i++) {
        sum[i] = (sum[i] as number) + reply.size * (view[i] as number);
      }
      size += reply.size;
      lossSum += reply.size * reply.loss;
    }

    const grads = new Map<string, tfc.Tensor>();
    offset = 0;
    for (const name of names) {
      const variable = parameters.get(name) as tfc.Variable;
      const values = new Float32Array(variable.size);
      for (let i = 0; i < variable.size; i++) {
        values[i] = (sum[offset + i] as number) / size;
      }
      grads.set(name, tf.tensor(values, variable.shape));
      offset += variable.size;
    }
    const result: Gradients = { loss: lossSum / size, size, grads };
    return result;
  };

  return { engine, close };
}
