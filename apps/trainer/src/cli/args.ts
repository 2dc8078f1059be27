import { parseArgs } from 'node:util';
import { TrainerError } from '../errors.js';

/** The trainer's command-line options, before they are merged into a config. */
export interface CliOptions {
  command: 'train' | 'evaluate' | 'help';
  verbose: boolean;
  config?: string;
  resume?: string;
  runDir?: string;
  checkpoint?: string;
  /** Values that override fields of the training config, keyed by path. */
  overrides: Override[];
}

/** One config field set from the command line. */
export interface Override {
  path: string[];
  value: unknown;
}

type Kind = 'integer' | 'number' | 'string' | 'list' | 'nullableInteger';

/** Flags that set a config field: flag name, config path, value kind. */
const CONFIG_FLAGS: [string, string[], Kind][] = [
  ['epochs', ['epochs'], 'integer'],
  ['max-steps', ['maxSteps'], 'nullableInteger'],
  ['batch-size', ['batchSize'], 'integer'],
  ['lr', ['learningRate'], 'number'],
  ['ssm-lr', ['ssmLearningRate'], 'number'],
  ['weight-decay', ['weightDecay'], 'number'],
  ['warmup-steps', ['warmupSteps'], 'integer'],
  ['schedule', ['schedule'], 'string'],
  ['grad-clip', ['gradClipNorm'], 'number'],
  ['seed', ['seed'], 'integer'],
  ['eval-interval', ['evalInterval'], 'integer'],
  ['checkpoint-interval', ['checkpointInterval'], 'integer'],
  ['keep-checkpoints', ['keepCheckpoints'], 'integer'],
  ['checkpoint-dir', ['checkpointDir'], 'string'],
  ['workers', ['workers'], 'integer'],
  ['hidden-size', ['model', 'hiddenSize'], 'integer'],
  ['state-size', ['model', 'stateSize'], 'integer'],
  ['num-layers', ['model', 'numLayers'], 'integer'],
  ['dropout', ['model', 'dropout'], 'number'],
  ['output', ['model', 'output'], 'string'],
  ['variant', ['dataset', 'variant'], 'string'],
  ['train-size', ['dataset', 'trainSize'], 'integer'],
  ['test-size', ['dataset', 'testSize'], 'integer'],
  ['split-seed', ['dataset', 'splitSeed'], 'integer'],
  ['data', ['dataset', 'path'], 'string'],
  ['format', ['dataset', 'format'], 'string'],
  ['features', ['dataset', 'features'], 'list'],
  ['target', ['dataset', 'target'], 'string'],
  ['task', ['dataset', 'task'], 'string'],
  ['window', ['dataset', 'window'], 'integer'],
  ['test-fraction', ['dataset', 'testFraction'], 'number'],
];

/** The help text printed by `--help`. */
export const HELP = `Usage: s4d-train [train] [options]
       s4d-train evaluate --checkpoint FILE|RUN [options]

Trains an S4D classifier or regressor. With no options it trains on
sequential MNIST with the embedded default config.

Run options:
  --config FILE             training config JSON (validated by @s4d/config)
  --run-dir DIR             run folder (default: <checkpointDir>/<time>)
  --resume RUN              continue the run in folder RUN from its latest
                            checkpoint, with the config saved in it
  --checkpoint FILE|RUN     (evaluate) a checkpoint file, or a run folder
                            for its best checkpoint
  --verbose                 print stack traces with errors
  -h, --help                print this help

Config overrides (each sets the config field named in brackets):
  --epochs N [epochs]  --max-steps N [maxSteps]  --batch-size N [batchSize]
  --lr X [learningRate]  --ssm-lr X [ssmLearningRate]
  --weight-decay X [weightDecay]  --warmup-steps N [warmupSteps]
  --schedule cosine|constant  --grad-clip X [gradClipNorm]  --seed N
  --eval-interval N  --checkpoint-interval N  --keep-checkpoints N
  --checkpoint-dir DIR
  --workers N               worker threads that share each batch
                            (default: one per logical CPU, at most
                            the batch size)
  --hidden-size N  --state-size N  --num-layers N  --dropout P
  --output last|mean [model.output]

Data (MNIST):
  --variant pixels|rows  --train-size N  --test-size N  --split-seed N
Data (your own table; --data switches dataset.kind to csv):
  --data FILE               CSV with a header row, or JSON lines (.jsonl)
  --format csv|jsonl        file format (default: from the extension)
  --features A,B,...        numeric feature columns (default: all numeric)
  --target NAME             column to predict
  --task classification|regression
                            a class of the next row, or the target's next
                            value (mean squared error)
  --window N                rows per input window
  --test-fraction F         fraction of rows held out, from the end
`;

/**
 * Parses the command line.
 *
 * @throws TrainerError for an unknown flag, a missing value or a value of
 *   the wrong kind, naming the flag.
 */
export function parseCli(argv: string[]): CliOptions {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string }
  > = {
    config: { type: 'string' },
    'run-dir': { type: 'string' },
    resume: { type: 'string' },
    checkpoint: { type: 'string' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const [flag] of CONFIG_FLAGS) {
    options[flag] = { type: 'string' };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true });
  } catch (error) {
    throw new TrainerError(
      `${(error as Error).message.replace(/\.$/, '')}. Run with --help for the options.`,
    );
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;

  const [first, ...rest] = parsed.positionals;
  if (rest.length > 0) {
    throw new TrainerError(
      `Unexpected argument ${JSON.stringify(rest[0])}. Run with --help for the options.`,
    );
  }
  if (first !== undefined && first !== 'train' && first !== 'evaluate') {
    throw new TrainerError(
      `Unknown command ${JSON.stringify(first)}: expected train or evaluate.`,
    );
  }

  const overrides: Override[] = [];
  for (const [flag, path, kind] of CONFIG_FLAGS) {
    const text = values[flag];
    if (typeof text === 'string') {
      overrides.push({ path, value: convert(flag, text, kind) });
    }
  }

  const result: CliOptions = {
    command:
      values.help === true
        ? 'help'
        : first === 'evaluate'
          ? 'evaluate'
          : 'train',
    verbose: values.verbose === true,
    overrides,
  };
  for (const [flag, key] of [
    ['config', 'config'],
    ['resume', 'resume'],
    ['run-dir', 'runDir'],
    ['checkpoint', 'checkpoint'],
  ] as const) {
    const value = values[flag];
    if (typeof value === 'string') {
      result[key] = value;
    }
  }
  if (result.command === 'evaluate' && result.checkpoint === undefined) {
    throw new TrainerError(
      'evaluate needs --checkpoint FILE or --checkpoint RUN (a run folder).',
    );
  }
  if (result.resume !== undefined && result.config !== undefined) {
    throw new TrainerError(
      '--resume uses the config saved in the run folder; drop --config.',
    );
  }
  return result;
}

function convert(flag: string, text: string, kind: Kind): unknown {
  if (kind === 'string') {
    return text;
  }
  if (kind === 'list') {
    return text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }
  if (kind === 'nullableInteger' && text === 'none') {
    return null;
  }
  const value = Number(text);
  const integer = kind !== 'number';
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value))
  ) {
    throw new TrainerError(
      `--${flag} must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

/**
 * Applies overrides to a raw config object (parsed JSON), returning a copy.
 * `--data` also sets `dataset.kind` to `csv`, dropping the MNIST fields.
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  overrides: Override[],
): Record<string, unknown> {
  const config = structuredClone(raw);
  const dataOverride = overrides.some(
    (override) => override.path.join('.') === 'dataset.path',
  );
  if (dataOverride) {
    const dataset = (config.dataset ?? {}) as Record<string, unknown>;
    if (dataset.kind !== 'csv') {
      config.dataset = { kind: 'csv' };
    }
  }
  for (const { path, value } of overrides) {
    let node = config;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        node[key] = {};
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return config;
}
