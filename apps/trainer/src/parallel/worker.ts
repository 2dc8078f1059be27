import { parentPort, workerData } from 'node:worker_threads';
import { backendHeap, initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { buildLearner, loadDataset } from '../cli/setup.js';
import type { Tf } from '../contracts.js';
import { gatherBatch } from '../data/dataset.js';
import type { Learner } from '../learner.js';
import { clipFactor } from '../optim/clip.js';
import {
  FlatAdamW,
  type FlatSlice,
  type FlatState,
  flatLayout,
} from '../optim/flat_adamw.js';
import { optimizerGroups } from '../trainer.js';
import { Barrier } from './barrier.js';
import {
  contiguousRanges,
  FAULT_VARIABLE,
  SHARE_FIELDS,
  type StepRequest,
  type WorkerReply,
  type WorkerRequest,
  type WorkerSetup,
} from './protocol.js';

/** A parameter's variable and its place in the flat buffers. */
interface ReplicaSlice extends FlatSlice {
  variable: tfc.Variable;
}

/**
 * The entry point of a data-parallel worker thread. It keeps a replica of
 * the learner and the data set. In each step it writes the gradients of its
 * share of the batch into its slot of the shared buffer. Then the workers
 * average the slots, clip and apply one AdamW update to the shared state,
 * each on its own part. Every worker copies the new parameters into its
 * replica, so the replicas stay identical.
 */
async function run(): Promise<void> {
  const port = parentPort;
  if (port === null) {
    throw new Error('worker.js must run as a worker thread.');
  }
  const setup = workerData as WorkerSetup;
  const reply = (message: WorkerReply) => port.postMessage(message);

  try {
    const tf = await initBackend();
    const data = loadDataset(setup.config);
    const learner = buildLearner(
      tf,
      setup.modelConfig,
      data.task,
      data.outputs,
      setup.config.seed,
    );
    const replica = new Replica(tf, learner, setup);
    const fault = parseFault(process.env[FAULT_VARIABLE], setup.index);
    let steps = 0;

    port.on('message', (request: WorkerRequest) => {
      try {
        if (request.type === 'step') {
          steps++;
          const injected =
            steps === fault.step
              ? () => {
                  if (fault.exit) {
                    process.exit(3);
                  }
                  throw new Error(
                    `injected fault at step ${steps} (${FAULT_VARIABLE})`,
                  );
                }
              : undefined;
          reply(replica.step(request, data, injected));
        } else if (request.type === 'load') {
          replica.load(request.iterations);
          reply({ type: 'loaded' });
        } else if (request.type === 'save') {
          reply({ type: 'saved', iterations: replica.save() });
        } else {
          const metrics = learner.evaluate(data.test, request.batchSize, {
            start: request.start,
            end: request.end,
          });
          reply({
            type: 'evaluated',
            ...metrics,
            count: request.end - request.start,
          });
        }
      } catch (error) {
        reply({ type: 'error', message: (error as Error).message });
      }
    });
    reply({ type: 'ready' });
  } catch (error) {
    reply({ type: 'error', message: (error as Error).message });
  }
}

/** A worker's learner, its views of the shared buffers and its part. */
class Replica {
  private readonly slices: ReplicaSlice[];
  /** The elements `[start, end)` that this worker averages and updates. */
  private readonly start: number;
  private readonly end: number;
  private readonly state: FlatState;
  /** The averaged gradient; this worker fills its own part. */
  private readonly average: Float32Array;
  /** The float64 sums of this worker's part, before rounding. */
  private readonly sums: Float64Array;
  private readonly slots: Float32Array[];
  private readonly shares: Float64Array;
  private readonly barrier: Barrier;
  private readonly optimizer: FlatAdamW;
  private iterations = 0;

  constructor(
    private readonly tf: Tf,
    private readonly learner: Learner,
    private readonly setup: WorkerSetup,
  ) {
    const variables = learner.parameters();
    const { slices, total } = flatLayout(setup.names, variables);
    this.slices = slices.map((slice) => ({
      ...slice,
      variable: variables.get(slice.name) as tfc.Variable,
    }));
    const part = contiguousRanges(total, setup.workers)[setup.index] as {
      start: number;
      end: number;
    };
    this.start = part.start;
    this.end = part.end;

    const all = new Float32Array(setup.state);
    this.state = {
      parameters: all.subarray(0, total),
      m: all.subarray(total, 2 * total),
      v: all.subarray(2 * total, 3 * total),
    };
    this.average = new Float32Array(total);
    this.sums = new Float64Array(part.end - part.start);
    const bytes = total * Float32Array.BYTES_PER_ELEMENT;
    this.slots = Array.from(
      { length: setup.workers },
      (_, index) => new Float32Array(setup.gradients, index * bytes, total),
    );
    this.shares = new Float64Array(setup.shares);
    this.barrier = new Barrier(new Int32Array(setup.barrier), setup.workers);
    this.optimizer = new FlatAdamW(
      this.slices,
      optimizerGroups(setup.config, learner.parameterGroups()),
    );
  }

  /** Copies the state buffer's parameters into the replica and sets the update count. */
  load(iterations: number): void {
    this.iterations = iterations;
    this.writeVariables();
  }

  /** Returns the update count; the state buffer is current between steps. */
  save(): number {
    return this.iterations;
  }

  /**
   * Computes this worker's gradients, then, with the other workers, averages
   * them, clips them and applies the update, each worker on its part of the
   * state, with barriers between the stages.
   *
   * @param fault Called before the gradients, to inject a failure.
   */
  step(
    request: StepRequest,
    data: ReturnType<typeof loadDataset>,
    fault?: () => void,
  ): WorkerReply {
    const index = this.setup.index;
    fault?.();
    this.computeGradients(request, data);
    this.barrier.arrive();

    let size = 0;
    let lossSum = 0;
    for (let worker = 0; worker < this.setup.workers; worker++) {
      const share = this.shares[SHARE_FIELDS * worker + 1] as number;
      if (share > 0) {
        lossSum += share * (this.shares[SHARE_FIELDS * worker] as number);
        size += share;
      }
    }
    const loss = lossSum / size;
    if (!Number.isFinite(loss)) {
      return { type: 'stepped', loss, size, gradNorm: Number.NaN };
    }

    this.shares[SHARE_FIELDS * index + 2] = this.averagePart(size);
    this.barrier.arrive();

    let squares = 0;
    for (let worker = 0; worker < this.setup.workers; worker++) {
      squares += this.shares[SHARE_FIELDS * worker + 2] as number;
    }
    const gradNorm = Math.sqrt(squares);
    if (!Number.isFinite(gradNorm)) {
      return { type: 'stepped', loss, size, gradNorm };
    }
    const scale = clipFactor(gradNorm, this.setup.config.gradClipNorm ?? 0);
    if (scale !== 1) {
      for (let i = this.start; i < this.end; i++) {
        this.average[i] = (this.average[i] as number) * scale;
      }
    }
    this.iterations++;
    this.optimizer.apply(
      this.state,
      this.average,
      request.factor,
      this.iterations,
      this.start,
      this.end,
    );
    this.barrier.arrive();

    this.writeVariables();
    return { type: 'stepped', loss, size, gradNorm };
  }

  /** Writes this worker's gradients into its slot, its loss and its size. */
  private computeGradients(
    request: StepRequest,
    data: ReturnType<typeof loadDataset>,
  ): void {
    const index = this.setup.index;
    const slot = this.slots[index] as Float32Array;
    let loss = 0;
    let size = 0;
    if (request.indices.length > 0) {
      const result = this.learner.computeGradients(
        gatherBatch(data.train, request.indices),
        data.train.length,
        data.train.features,
        request.dropoutSeed,
      );
      // Copies straight from the backend's memory where it can: a dataSync
      // copy per gradient would allocate and collect about P floats a step.
      const heap = backendHeap(this.tf.backend());
      for (const { name, offset, size } of this.slices) {
        const grad = result.grads.get(name) as tfc.Tensor;
        slot.set(
          heap === null
            ? (grad.dataSync() as Float32Array)
            : new Float32Array(heap.memory.buffer, heap.offsetOf(grad), size),
          offset,
        );
      }
      this.tf.dispose([...result.grads.values()]);
      loss = result.loss;
      size = result.size;
    }
    this.shares[SHARE_FIELDS * index] = loss;
    this.shares[SHARE_FIELDS * index + 1] = size;
  }

  /**
   * Writes this worker's part of the mean of the slots, weighted by share
   * size and summed in float64 in worker order.
   *
   * @returns The part's sum of squares, for the global norm.
   */
  private averagePart(size: number): number {
    const { start, end, sums } = this;
    let first = true;
    for (let worker = 0; worker < this.setup.workers; worker++) {
      const share = this.shares[SHARE_FIELDS * worker + 1] as number;
      if (share > 0) {
        const slot = this.slots[worker] as Float32Array;
        addWeighted(sums, slot, share / size, start, end, first);
        first = false;
      }
    }
    return roundSums(sums, this.average, start, end);
  }

  /** Assigns the state buffer's parameters to the learner's variables. */
  private writeVariables(): void {
    const tf = this.tf;
    for (const { offset, size, variable } of this.slices) {
      const values = tf.tensor(
        this.state.parameters.subarray(offset, offset + size),
        variable.shape,
      );
      variable.assign(values);
      values.dispose();
    }
  }
}

/**
 * Adds `weight * slot[i]` to `sums[i - start]` for `i` in `[start, end)`,
 * or stores it when `first`. Called once per slot in worker order, it gives
 * the same float64 sums as a loop over the slots for each element, at a
 * fraction of the cost. (A module-level function: V8 optimizes its loops
 * once, where a closure made per call can stay unoptimized.)
 */
function addWeighted(
  sums: Float64Array,
  slot: Float32Array,
  weight: number,
  start: number,
  end: number,
  first: boolean,
): void {
  if (first) {
    for (let i = start; i < end; i++) {
      sums[i - start] = weight * (slot[i] as number);
    }
    return;
  }
  for (let i = start; i < end; i++) {
    sums[i - start] =
      (sums[i - start] as number) + weight * (slot[i] as number);
  }
}

/**
 * Rounds `sums` to float32 into `average[start, end)`.
 *
 * @returns The sum of squares of the rounded values.
 */
function roundSums(
  sums: Float64Array,
  average: Float32Array,
  start: number,
  end: number,
): number {
  let squares = 0;
  for (let i = start; i < end; i++) {
    const rounded = Math.fround(sums[i - start] as number);
    average[i] = rounded;
    squares += rounded * rounded;
  }
  return squares;
}

/**
 * Reads the fault-injection variable, `<worker index>:<step>[:exit]`.
 *
 * @returns The step that fails for this worker (0 for none) and whether the
 *   thread exits instead of throwing.
 */
function parseFault(
  value: string | undefined,
  index: number,
): { step: number; exit: boolean } {
  const match = /^(\d+):(\d+)(:exit)?$/.exec(value ?? '');
  if (match === null || Number(match[1]) !== index) {
    return { step: 0, exit: false };
  }
  return { step: Number(match[2]), exit: match[3] !== undefined };
}

await run();
