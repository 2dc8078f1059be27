#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { initBackend } from '@s4d/runtime';
import { prepareLearner, resolveConfig } from '../cli/setup.js';
import { DEFAULT_CONFIG } from '../default_config.js';
import { AdamW } from '../optim/adamw.js';
import { startWorkerPool } from '../parallel/worker_pool.js';
import { Rng } from '../rng.js';
import { localEngine, optimizerGroups, type StepEngine } from '../trainer.js';

/** The help text printed by `--help`. */
const USAGE = `Usage: node dist/bench/compare_workers.js [options]

Compares the training throughput of the default job's config in this thread
(what --workers 1 runs) with that of worker threads, in one process. Each
round times a block of steps in this thread, a block on the workers and
another block in this thread, and divides the workers' sequences per second
by the mean of the two single-thread blocks. It times steps only: no
evaluation, checkpoint or metrics file.

Options:
  --workers N         worker threads (default 2, at most the batch size)
  --rounds R          counted rounds (default 12)
  --block K           training steps per block (default 25)
  --warmup-rounds W   uncounted rounds first (default 2); with 0 the first
                      round includes the workers' start-up
  -h, --help          print this help
`;

/**
 * Compares one thread with worker threads in alternating blocks of steps,
 * so that a slow spell of a shared host falls on both sides of each ratio.
 * Prints one line per round and the median of the rounds' ratios.
 *
 * @throws Error for an invalid option, or when a step's loss or gradient
 *   norm is not finite, because such a step skips its update and would
 *   time less work.
 */
async function compareWorkers(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '12' },
      block: { type: 'string', default: '25' },
      'warmup-rounds': { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const workers = integerOption('--workers', values.workers as string, 1);
  const rounds = integerOption('--rounds', values.rounds as string, 1);
  const block = integerOption('--block', values.block as string, 1);
  const warmupRounds = integerOption(
    '--warmup-rounds',
    values['warmup-rounds'] as string,
    0,
  );

  const config = resolveConfig(structuredClone(DEFAULT_CONFIG), 'default');
  if (workers > config.batchSize) {
    throw new Error(
      `--workers ${workers} is more than the batch size ${config.batchSize}. Lower --workers.`,
    );
  }

  const tf = await initBackend();
  const { data, modelConfig, learner } = prepareLearner(tf, config);
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
        const { loss, gradNorm } = await engine.step(
          order.subarray(offset, offset + config.batchSize),
          next,
          1,
        );
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          throw new Error(
            `Step ${next} had loss ${loss} and gradient norm ${gradNorm}. ` +
              'A step with a non-finite value makes no update, so the ' +
              'comparison stopped.',
          );
        }
        // The trainer yields to the event loop between steps too.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - started) / 1000;
      return (block * config.batchSize) / seconds;
    };

    const ratios: number[] = [];
    console.log(
      `batch size ${config.batchSize}; steps per block: ${block}; ` +
        `worker threads: ${workers}`,
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
          `workers ${parallel.toFixed(0)} seq/s, ratio ${(parallel / single).toFixed(2)}`,
      );
    }
    ratios.sort((a, b) => a - b);
    const middle = Math.floor(ratios.length / 2);
    const median =
      ratios.length % 2 === 1
        ? (ratios[middle] as number)
        : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2;
    console.log(
      `median ratio ${median.toFixed(2)} (min ${(ratios[0] as number).toFixed(2)}, ` +
        `max ${(ratios[ratios.length - 1] as number).toFixed(2)}); rounds: ${rounds}`,
    );
  } finally {
    await pool.close();
    optimizer.dispose();
    learner.dispose();
  }
}

/**
 * Parses an integer option of at least `minimum`.
 *
 * @throws Error naming the option and quoting the text as given.
 */
function integerOption(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
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
