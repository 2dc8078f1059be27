import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  BARRIER_LENGTH,
  Barrier,
  BarrierAbortedError,
} from '../src/parallel/barrier.js';

const COMPILED = new URL('../dist/parallel/barrier.js', import.meta.url).href;

/**
 * Starts a thread that arrives at the barrier in `cells` `rounds` times and
 * posts `passed <round>` after each, or the error's name if one is thrown.
 */
function party(cells: Int32Array, parties: number, rounds: number): Worker {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then(({ Barrier }) => {
      const barrier = new Barrier(new Int32Array(workerData.buffer), workerData.parties);
      try {
        for (let round = 1; round <= workerData.rounds; round++) {
          barrier.arrive();
          parentPort.postMessage('passed ' + round);
        }
      } catch (error) {
        parentPort.postMessage(error.name);
      }
    });
  `;
  return new Worker(source, {
    eval: true,
    workerData: { url: COMPILED, buffer: cells.buffer, parties, rounds },
  });
}

function messages(worker: Worker, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const received: string[] = [];
    worker.on('message', (message: string) => {
      received.push(message);
      if (received.length === count) {
        resolve(received);
      }
    });
  });
}

function sharedCells(): Int32Array {
  return new Int32Array(
    new SharedArrayBuffer(BARRIER_LENGTH * Int32Array.BYTES_PER_ELEMENT),
  );
}

describe('Barrier', () => {
  it('lets two threads through together, round after round', async () => {
    const cells = sharedCells();
    const first = party(cells, 2, 3);
    const second = party(cells, 2, 3);
    const [a, b] = await Promise.all([messages(first, 3), messages(second, 3)]);
    await Promise.all([first.terminate(), second.terminate()]);

    expect(a).toEqual(['passed 1', 'passed 2', 'passed 3']);
    expect(b).toEqual(['passed 1', 'passed 2', 'passed 3']);
  });

  it('wakes a thread waiting for a missing party when aborted', async () => {
    const cells = sharedCells();
    const waiting = party(cells, 2, 1);
    const reply = messages(waiting, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    new Barrier(cells, 2).abort();

    expect(await reply).toEqual(['BarrierAbortedError']);
    await waiting.terminate();
  });

  it('throws at once after an abort', () => {
    const barrier = new Barrier(sharedCells(), 1);
    barrier.arrive();
    barrier.abort();
    expect(() => barrier.arrive()).toThrow(BarrierAbortedError);
    expect(() => barrier.arrive()).toThrow('the barrier was aborted');
  });
});
