import type { TrainingConfig } from '../config.js';

/**
 * Environment variable that injects a worker failure, for tests:
 * `<worker index>:<step>` makes that worker throw in that step (counted from
 * 1 in this run), and `<worker index>:<step>:exit` makes its thread exit.
 */
export const FAULT_VARIABLE = 'S4D_TRAINER_WORKER_FAULT';

/**
 * Splits `[0, length)` into `parts` contiguous ranges, of equal sizes that
 * are multiples of `multiple` except for the last ones, which may be
 * shorter or empty. The main thread splits batches and the held-out set
 * this way, and each worker finds its part of the parameters.
 */
export function contiguousRanges(
  length: number,
  parts: number,
  multiple = 1,
): { start: number; end: number }[] {
  const size = multiple * Math.ceil(length / multiple / parts);
  return Array.from({ length: parts }, (_, index) => ({
    start: Math.min(length, index * size),
    end: Math.min(length, (index + 1) * size),
  }));
}

/** Number of float64 fields per worker in `WorkerSetup.shares`. */
export const SHARE_FIELDS = 3;

/** The start-up data of a worker, passed as `workerData`. */
export interface WorkerSetup {
  /** The worker's index, used in error messages. */
  index: number;
  /** Number of workers. */
  workers: number;
  config: TrainingConfig;
  modelConfig: Record<string, unknown>;
  /** Parameter names in the order of the flat buffers. */
  names: string[];
  /**
   * Parameters, first moments and second moments end to end, `[3, P]`
   * float32. The workers update it together each step and copy the
   * parameters into their replicas. The main thread loads and saves it.
   */
  state: SharedArrayBuffer;
  /** Gradients, one slot of `P` floats per worker: `[workers, P]`. */
  gradients: SharedArrayBuffer;
  /**
   * Each worker's mean loss, batch share and sum of squares of its part of
   * the averaged gradient, `[workers, 3]` float64.
   */
  shares: SharedArrayBuffer;
  /** The barrier's counters, `Int32Array` of `BARRIER_LENGTH`. */
  barrier: SharedArrayBuffer;
}

/** Copies the state buffer's parameters into the replica; every worker gets one. */
export interface LoadRequest {
  type: 'load';
  /** The optimizer's update count. */
  iterations: number;
}

/** One training step on the worker's share of the batch. */
export interface StepRequest {
  type: 'step';
  /** Training-set indices of this worker's share of the batch. */
  indices: Int32Array;
  dropoutSeed: number;
  /** The schedule's factor on the learning rates. */
  factor: number;
}

/** Evaluates the replica on a range of the held-out set. */
export interface EvaluateRequest {
  type: 'evaluate';
  start: number;
  end: number;
  batchSize: number;
}

/** Asks for the update count once the state buffer is current; worker 0 gets it. */
export interface SaveRequest {
  type: 'save';
}

/** A request from the main thread to a worker. */
export type WorkerRequest =
  | LoadRequest
  | StepRequest
  | EvaluateRequest
  | SaveRequest;

/** A message from a worker to the main thread. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'loaded' }
  /** The whole batch's loss and gradient norm, the same from every worker. */
  | { type: 'stepped'; loss: number; size: number; gradNorm: number }
  | { type: 'evaluated'; loss: number; accuracy?: number; count: number }
  | { type: 'saved'; iterations: number }
  | { type: 'error'; message: string };
