import type { TrainingConfig } from '../config.js';

/** Environment variable that injects a worker failure, for tests. */
export const FAULT_VARIABLE = 'S4D_TRAINER_WORKER_FAULT';

/** The start-up data of a worker, passed as `workerData`. */
export interface WorkerSetup {
  /** The worker's index, used in error messages. */
  index: number;
  config: TrainingConfig;
  modelConfig: Record<string, unknown>;
  /** Parameter names in the order of the flat buffers. */
  names: string[];
  /** Parameters, written by the main thread before each step: `[P]`. */
  parameters: SharedArrayBuffer;
  /** Gradients, one slot of `P` floats per worker: `[workers, P]`. */
  gradients: SharedArrayBuffer;
}

/** A request from the main thread to compute the gradients of a shard. */
export interface StepRequest {
  type: 'step';
  /** Training-set indices of this worker's share of the batch. */
  indices: Int32Array;
  dropoutSeed: number;
  /** Whether to copy the parameters buffer into the replica first. */
  syncParameters: boolean;
}

/** A message from a worker to the main thread. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'gradients'; loss: number; size: number }
  | { type: 'error'; message: string };
