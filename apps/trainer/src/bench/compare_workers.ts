#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { initBackend } from '@s4d/runtime';
import {
  buildLearner,
  loadDataset,
  modelConfigFor,
  resolveConfig,
} from '../cli/setup.js';
import { DEFAULT_CONFIG } from '../default_config.js';
import { AdamW } from '../optim/adamw.js';
import { startWorkerPool } from '../parallel/worker_pool.js';
import { Rng } from '../rng.js';
import { localEngine, optimizerGroups, type StepEngine } from '../trainer.js';

/**
 * Compares the training throughput of the default job's config in this
 * thread with that of `--workers` worker threads, in the same process and
 * the same minutes. Rounds alternate a block of steps in this thread, a
 * block on the workers and another block in this thread, so that a slow
 * spell of a shared host falls on both sides of each ratio. Warm-up rounds
 * come first and are not counted.
 *
 * Usage: node dist/bench/compare_workers.js [--workers N] [--rounds R]
 *   [--block K] [--warmup-rounds W]
 *
 * Prints one line per round and the median of the rounds' ratios. It times
 * steps only: no evaluation, checkpoint or metrics file.
 */
async function compareWorkers(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '12' },
      block: { type: 'string', default: '25' },
      'warmup-rounds': { type: 'string', default: '2' },
    },
  });
  const workers = positiveInteger('--workers', values.workers);
  const rounds = positiveInteger('--rounds', values.rounds);
  const block = positiveInteger('--block', values.block);
  const warmupRounds = positiveInteger(
    '--warmup-rounds',
    values['warmup-rounds'],
    0,
  );

  const tf = await initBackend();
  const config = resolveConfig(structuredClone(DEFAULT_CONFIG), 'default');
  if (workers > config.batchSize) {
    throw new Error(
      `--workers ${workers} is more than the batch size ${config.batchSize}. Lower --workers.`,
    );
  }
  const data = loadDataset(config);
  const modelConfig = modelConfigFor(config, data);
  const learner = buildLearner(
    tf,
    modelConfig,
    data.task,
    data.outputs,
    config.seed,
  );
  const optimizer = new AdamW(tf, learner.parameters(), {
    groups: optimizerGroups(config, learner.parameterGroups()),
  });
  const local = localEngine({ tf, learner, data, config }, optimizer);
  const pool = await startWorkerPool(
    tf,
    workers,
    config,
    modelConfig,
    learner.parameters(),
    data.test.count,
  );

  try {
    await pool.engine.load(optimizer);
    const order = new Rng(config.seed).permutation(data.train.count);
    const batches = Math.floor(data.train.count / config.batchSize);
    let next = 0;

    // Returns the sequences per second of `block` steps of `engine`.
    const timeBlock = async (engine: StepEngine): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < block; i++) {
        const offset = (next % batches) * config.batchSize;
        next++;
        await engine.step(
          order.subarray(offset, offset + config.batchSize),
          next,
          1,
        );
        // The trainer yields to the event loop between steps too.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - started) / 1000;
      return (block * config.batchSize) / seconds;
    };

    const ratios: number[] = [];
    console.log(
      `batch ${config.batchSize}, ${block} steps per block, 1 thread against ${workers} workers`,
    );
    for (let round = 0; round < warmupRounds + rounds; round++) {
      const before = await timeBlock(local);
      const parallel = await timeBlock(pool.engine);
      const after = await timeBlock(local);
      if (round < warmupRounds) {
        continue;
      }
      const single = (before + after) / 2;
      ratios.push(parallel / single);
      console.log(
        `round ${round - warmupRounds + 1}: 1 thread ${single.toFixed(0)} seq/s, ` +
          `${workers} workers ${parallel.toFixed(0)} seq/s, ratio ${(parallel / single).toFixed(2)}`,
      );
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)] as number;
    console.log(
      `median ratio ${median.toFixed(2)} (min ${(ratios[0] as number).toFixed(2)}, ` +
        `max ${(ratios[ratios.length - 1] as number).toFixed(2)}) over ${rounds} rounds`,
    );
  } finally {
    await pool.close();
    optimizer.dispose();
    learner.dispose();
  }
}

function positiveInteger(flag: string, text: string, minimum = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(
      `${flag} must be an integer of at least ${minimum}, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

try {
  await compareWorkers(process.argv.slice(2));
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
}
