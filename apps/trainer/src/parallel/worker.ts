import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { buildLearner, loadDataset } from '../cli/setup.js';
import { gatherBatch } from '../data/dataset.js';
import {
  FAULT_VARIABLE,
  type StepRequest,
  type WorkerReply,
  type WorkerSetup,
} from './protocol.js';

/**
 * The entry point of a data-parallel worker thread. It keeps a replica of
 * the learner and the training set, and for each request computes the
 * gradients of its share of the batch into its slot of the shared buffer.
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
    const variables = learner.parameters();
    const sharedParameters = new Float32Array(setup.parameters);
    const total = sharedParameters.length;
    const slot = new Float32Array(
      setup.gradients,
      setup.index * total * Float32Array.BYTES_PER_ELEMENT,
      total,
    );

    const fault = parseFault(process.env[FAULT_VARIABLE], setup.index);
    let requests = 0;

    port.on('message', (request: StepRequest) => {
      try {
        requests++;
        if (requests === fault) {
          throw new Error(
            `injected fault at request ${requests} (${FAULT_VARIABLE})`,
          );
        }
        if (request.syncParameters) {
          let offset = 0;
          for (const name of setup.names) {
            const variable = variables.get(name) as tfc.Variable;
            const values = sharedParameters.slice(
              offset,
              offset + variable.size,
            );
            const tensor = tf.tensor(values, variable.shape);
            variable.assign(tensor);
            tensor.dispose();
            offset += variable.size;
          }
        }
        const batch = gatherBatch(data.train, request.indices);
        const { loss, size, grads } = learner.computeGradients(
          batch,
          data.train.length,
          data.train.features,
          request.dropoutSeed,
        );
        let offset = 0;
        for (const name of setup.names) {
          const grad = grads.get(name) as tfc.Tensor;
          slot.set(grad.dataSync() as Float32Array, offset);
          offset += grad.size;
        }
        tf.dispose([...grads.values()]);
        reply({ type: 'gradients', loss, size });
      } catch (error) {
        reply({ type: 'error', message: (error as Error).message });
      }
    });
    reply({ type: 'ready' });
  } catch (error) {
    reply({ type: 'error', message: (error as Error).message });
  }
}

/**
 * Reads the fault-injection variable, `<worker index>:<request number>`,
 * which makes that worker throw at that request so tests can check how a
 * failing worker stops a run.
 *
 * @returns The request number that throws for this worker, or 0 for none.
 */
function parseFault(value: string | undefined, index: number): number {
  const match = /^(\d+):(\d+)$/.exec(value ?? '');
  return match !== null && Number(match[1]) === index ? Number(match[2]) : 0;
}

await run();
