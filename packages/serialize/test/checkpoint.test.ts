import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig } from '@s4d/config';
import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Checkpoint,
  type CheckpointInput,
  checkpointFileName,
  decodeTensorData,
  disposeCheckpoint,
  latestCheckpoint,
  loadCheckpoint,
  readSafetensorsFile,
  saveCheckpoint,
  serializeSafetensors,
} from '../src/index.js';
import { useTempFolder } from './temp_folder.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const modelConfig = parseModelConfig({
  embedDim: 3,
  hiddenSize: 8,
  stateSize: 4,
  numLayers: 1,
  windowSize: 6,
  dropout: 0,
});

const trainingConfig = {
  learningRate: 0.001,
  schedule: { kind: 'cosine', warmupSteps: 10 },
  tags: ['mnist', 'small'],
  note: null,
};

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

/** Parameter names and shapes of a one-block model with H = 8, N = 4. */
const parameterShapes: [string, number[]][] = [
  ['input.weight', [3, 8]],
  ['input.bias', [8]],
  ['blocks.0.ssm.log_dt', [8]],
  ['blocks.0.ssm.log_A_real', [8, 2]],
  ['blocks.0.ssm.A_imag', [8, 2]],
  ['blocks.0.ssm.C', [8, 2, 2]],
  ['blocks.0.ssm.D', [8]],
  ['norm.weight', [8]],
];

/**
 * Builds a checkpoint with random parameters and AdamW-style moments, plus an
 * int32 and a bool tensor, whose values differ for each `step`.
 */
function makeCheckpoint(
  step: number,
  metric: number | null = null,
): Checkpoint {
  const parameters = new Map<string, tfc.Tensor>();
  for (const [name, shape] of parameterShapes) {
    const seed = step * 100 + parameters.size;
    parameters.set(name, tf.randomNormal(shape, 0, 1, 'float32', seed));
  }
  const optimizerState = new Map<string, tfc.Tensor>();
  for (const [name, variable] of parameters) {
    const seed = step * 1000 + optimizerState.size;
    optimizerState.set(
      `${name}.m`,
      tf.randomNormal(variable.shape, 0, 1, 'float32', seed),
    );
    optimizerState.set(
      `${name}.v`,
      tf.randomUniform(variable.shape, 0, 1, 'float32', seed + 1),
    );
  }
  optimizerState.set('iterations', tf.scalar(step, 'int32'));
  optimizerState.set('mask', tf.tensor1d([true, false, true], 'bool'));

  return {
    parameters,
    modelConfig,
    optimizerState,
    step,
    epoch: Math.floor(step / 10),
    rngState: { seed: 42, step, counters: [1, 2, 3] },
    trainingConfig,
    bestMetric: metric,
    metric,
  };
}

/** Returns the raw bytes of a tensor's values, so NaN and -0 compare. */
function bytesOf(tensor: tfc.Tensor): number[] {
  const values = tensor.dataSync();
  return [
    ...new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  ];
}

/** Checks that two tensor maps match in names, dtypes, shapes and bytes. */
function expectSameTensors(
  actual: Map<string, tfc.Tensor>,
  expected: Map<string, tfc.Tensor>,
): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, tensor] of expected) {
    const loaded = actual.get(name);
    if (loaded === undefined) throw new Error(`tensor ${name} missing`);
    expect(loaded.dtype, name).toBe(tensor.dtype);
    expect(loaded.shape, name).toEqual(tensor.shape);
    expect(bytesOf(loaded), name).toEqual(bytesOf(tensor));
  }
}

/** Returns the message of the rejection of `promise`. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error.message;
}

describe('saveCheckpoint round trip', () => {
  const folder = useTempFolder();

  it('restores every tensor bit for bit', async () => {
    const checkpoint = makeCheckpoint(7, 0.25);
    const path = await saveCheckpoint(folder.path, checkpoint);
    const loaded = await loadCheckpoint(path);

    expectSameTensors(loaded.parameters, checkpoint.parameters);
    expectSameTensors(loaded.optimizerState, checkpoint.optimizerState);
    disposeCheckpoint(loaded);
    disposeCheckpoint(checkpoint);
  });

  it('restores every field', async () => {
    const checkpoint = makeCheckpoint(7, 0.1 + 0.2);
    const path = await saveCheckpoint(folder.path, {
      ...checkpoint,
      bestMetric: 1 / 3,
    });
    const loaded = await loadCheckpoint(path);

    expect(loaded.step).toBe(7);
    expect(loaded.epoch).toBe(0);
    expect(loaded.rngState).toEqual({ seed: 42, step: 7, counters: [1, 2, 3] });
    expect(loaded.trainingConfig).toEqual(trainingConfig);
    expect(loaded.modelConfig).toEqual(modelConfig);
    expect(loaded.metric).toBe(0.1 + 0.2);
    expect(loaded.bestMetric).toBe(1 / 3);
    disposeCheckpoint(loaded);
    disposeCheckpoint(checkpoint);
  });

  it('restores missing and infinite metrics', async () => {
    const checkpoint = makeCheckpoint(3);
    const { metric: _metric, bestMetric: _best, ...rest } = checkpoint;
    const input: CheckpointInput = { ...rest, bestMetric: Infinity };
    const loaded = await loadCheckpoint(
      await saveCheckpoint(folder.path, input),
    );

    expect(loaded.metric).toBeNull();
    expect(loaded.bestMetric).toBe(Infinity);
    disposeCheckpoint(loaded);
    disposeCheckpoint(checkpoint);
  });

  it('drops undefined config members', async () => {
    const checkpoint = makeCheckpoint(4);
    const input = {
      ...checkpoint,
      trainingConfig: { lr: 0.1, resume: undefined },
    };
    const loaded = await loadCheckpoint(
      await saveCheckpoint(folder.path, input),
    );

    expect(loaded.trainingConfig).toStrictEqual({ lr: 0.1 });
    disposeCheckpoint(loaded);
    disposeCheckpoint(checkpoint);
  });

  it('names the file by step', async () => {
    const checkpoint = makeCheckpoint(120);
    const path = await saveCheckpoint(
      join(folder.path, 'new', 'run'),
      checkpoint,
    );
    disposeCheckpoint(checkpoint);

    expect(path).toBe(join(folder.path, 'new', 'run', checkpointFileName(120)));
  });

  it('stores fields as metadata strings', async () => {
    const checkpoint = makeCheckpoint(7, 0.5);
    const path = await saveCheckpoint(folder.path, checkpoint);
    const { metadata, tensors } = await readSafetensorsFile(path);
    disposeCheckpoint(checkpoint);

    expect(metadata.s4d_format).toBe('checkpoint');
    expect(metadata.s4d_format_version).toBe('1');
    expect(metadata.step).toBe('7');
    expect(metadata.metric).toBe('0.5');
    expect(JSON.parse(metadata.rng_state ?? '')).toEqual({
      seed: 42,
      step: 7,
      counters: [1, 2, 3],
    });
    expect(tensors.has('model.norm.weight')).toBe(true);
    expect(tensors.has('optimizer.norm.weight.m')).toBe(true);
  });

  it('leaks no tensors', async () => {
    const checkpoint = makeCheckpoint(1);
    const path = await saveCheckpoint(folder.path, checkpoint);
    disposeCheckpoint(await loadCheckpoint(path));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await saveCheckpoint(folder.path, checkpoint);
      disposeCheckpoint(await loadCheckpoint(path));
    }

    expect(tf.memory().numTensors).toBe(before);
    disposeCheckpoint(checkpoint);
  });
});

describe('saveCheckpoint pruning', () => {
  const folder = useTempFolder();

  it('keeps the newest and the best', async () => {
    const metrics = [0.9, 0.2, 0.5, 0.4, 0.3];
    for (const [index, metric] of metrics.entries()) {
      const checkpoint = makeCheckpoint(index + 1, metric);
      await saveCheckpoint(folder.path, checkpoint, { keep: 2 });
      disposeCheckpoint(checkpoint);
    }

    expect((await fs.readdir(folder.path)).sort()).toEqual([
      checkpointFileName(2),
      checkpointFileName(4),
      checkpointFileName(5),
    ]);
  });

  it('keeps the best in max mode', async () => {
    for (const [index, metric] of [0.9, 0.2, 0.5].entries()) {
      const checkpoint = makeCheckpoint(index + 1, metric);
      await saveCheckpoint(folder.path, checkpoint, { keep: 1, mode: 'max' });
      disposeCheckpoint(checkpoint);
    }

    expect((await fs.readdir(folder.path)).sort()).toEqual([
      checkpointFileName(1),
      checkpointFileName(3),
    ]);
  });

  it('keeps everything without keep', async () => {
    for (const step of [1, 2, 3]) {
      const checkpoint = makeCheckpoint(step);
      await saveCheckpoint(folder.path, checkpoint);
      disposeCheckpoint(checkpoint);
    }

    expect(await fs.readdir(folder.path)).toHaveLength(3);
  });
});

describe('saveCheckpoint interrupted', () => {
  const folder = useTempFolder();

  it('keeps the previous checkpoint loadable', async () => {
    const first = makeCheckpoint(1, 0.5);
    const second = makeCheckpoint(2, 0.4);
    await saveCheckpoint(folder.path, first);
    vi.mocked(fs.rename).mockRejectedValueOnce(new Error('killed'));

    expect(await rejection(saveCheckpoint(folder.path, second))).toBe('killed');
    const latest = await latestCheckpoint(folder.path);
    expect(latest).toBe(join(folder.path, checkpointFileName(1)));
    const loaded = await loadCheckpoint(latest as string);
    expectSameTensors(loaded.parameters, first.parameters);
    expect(await fs.readdir(folder.path)).toEqual([checkpointFileName(1)]);
    disposeCheckpoint(loaded);
    disposeCheckpoint(first);
    disposeCheckpoint(second);
  });

  it('ignores and cleans a leftover temporary file', async () => {
    const first = makeCheckpoint(1);
    const second = makeCheckpoint(2);
    await saveCheckpoint(folder.path, first);
    const leftover = `.${checkpointFileName(2)}.0123456789abcdef.tmp`;
    await fs.writeFile(join(folder.path, leftover), 'half a checkpoint');

    const latest = await latestCheckpoint(folder.path);
    expect(latest).toBe(join(folder.path, checkpointFileName(1)));
    const loaded = await loadCheckpoint(latest as string);
    expect(loaded.step).toBe(1);
    await saveCheckpoint(folder.path, second);
    expect((await fs.readdir(folder.path)).sort()).toEqual([
      checkpointFileName(1),
      checkpointFileName(2),
    ]);
    disposeCheckpoint(loaded);
    disposeCheckpoint(first);
    disposeCheckpoint(second);
  });
});

describe('saveCheckpoint errors', () => {
  const folder = useTempFolder();

  const cases: [string, (c: Checkpoint) => unknown, string][] = [
    [
      'a negative step',
      (c) => ({ ...c, step: -1 }),
      'saveCheckpoint: checkpoint.step must be a non-negative integer, got -1',
    ],
    [
      'a fractional epoch',
      (c) => ({ ...c, epoch: 0.5 }),
      'saveCheckpoint: checkpoint.epoch must be a non-negative integer, got 0.5',
    ],
    [
      'a NaN in rngState',
      (c) => ({ ...c, rngState: { seed: Number.NaN } }),
      'checkpoint.rngState.seed must be JSON-serializable, but it is NaN, which JSON cannot store',
    ],
    [
      'a BigInt in rngState',
      (c) => ({ ...c, rngState: [1n] }),
      'checkpoint.rngState[0] must be JSON-serializable, but it is a bigint',
    ],
    [
      'undefined in an array',
      (c) => ({ ...c, trainingConfig: { tags: ['a', undefined] } }),
      'checkpoint.trainingConfig.tags[1] must be JSON-serializable, but it is undefined',
    ],
    [
      'an undefined rngState',
      (c) => ({ ...c, rngState: undefined }),
      'checkpoint.rngState must be JSON-serializable, but it is undefined',
    ],
    [
      'a Date in trainingConfig',
      (c) => ({ ...c, trainingConfig: { start: new Date(0) } }),
      'checkpoint.trainingConfig.start must be JSON-serializable, but it is a Date',
    ],
    [
      'a cycle in trainingConfig',
      (c) => {
        const config: Record<string, unknown> = {};
        config.self = config;
        return { ...c, trainingConfig: config };
      },
      'checkpoint.trainingConfig.self must be JSON-serializable, but it is a cycle',
    ],
    [
      'a string metric',
      (c) => ({ ...c, metric: '0.5' }),
      'saveCheckpoint: checkpoint.metric must be a number, null or undefined, got string',
    ],
    [
      'an invalid modelConfig',
      (c) => ({ ...c, modelConfig: { ...c.modelConfig, stateSize: 3 } }),
      'saveCheckpoint: checkpoint.modelConfig is invalid. Invalid model config (1 problem):\n  stateSize: 3 is odd; S4D needs an even state size',
    ],
    [
      'a missing modelConfig',
      (c) => ({ ...c, modelConfig: undefined }),
      'saveCheckpoint: checkpoint.modelConfig is invalid. Invalid model config (1 problem):\n  <root>: missing; expected an object',
    ],
    [
      'parameters that are not a Map',
      (c) => ({ ...c, parameters: {} }),
      'saveCheckpoint: checkpoint.parameters must be a Map of tensors, got object',
    ],
  ];

  for (const [name, change, message] of cases) {
    it(`rejects ${name}`, async () => {
      const checkpoint = makeCheckpoint(1);
      const input = change(checkpoint) as CheckpointInput;
      const actual = await rejection(saveCheckpoint(folder.path, input));
      disposeCheckpoint(checkpoint);

      expect(actual).toBe(message);
      expect(await fs.readdir(folder.path)).toEqual([]);
    });
  }

  it('rejects a string tensor', async () => {
    const checkpoint = makeCheckpoint(1);
    checkpoint.optimizerState.set('z', tf.tensor(['a']));
    const message = await rejection(saveCheckpoint(folder.path, checkpoint));
    disposeCheckpoint(checkpoint);

    expect(message).toBe(
      `${join(folder.path, checkpointFileName(1))}: tensor 'optimizer.z': tfjs dtype string cannot be saved (expected float32, int32 or bool)`,
    );
  });

  it('rejects a bad keep before writing', async () => {
    const checkpoint = makeCheckpoint(1);
    const message = await rejection(
      saveCheckpoint(folder.path, checkpoint, { keep: 0 }),
    );
    disposeCheckpoint(checkpoint);

    expect(message).toBe(
      'saveCheckpoint: options.keep must be an integer of at least 1, got 0',
    );
    expect(await fs.readdir(folder.path)).toEqual([]);
  });
});

describe('loadCheckpoint errors', () => {
  const folder = useTempFolder();

  /** Writes a checkpoint's tensors with edited metadata or extra tensors. */
  async function writeEdited(
    edit: (metadata: Record<string, string>) => void,
    extraTensor = false,
  ): Promise<string> {
    const checkpoint = makeCheckpoint(1);
    const original = await saveCheckpoint(folder.path, checkpoint);
    disposeCheckpoint(checkpoint);
    const file = await readSafetensorsFile(original);
    const metadata = { ...file.metadata };
    edit(metadata);
    const tensors = new Map(
      [...file.tensors].map(([name, tensor]) => [
        name,
        {
          dtype: tensor.dtype,
          shape: tensor.shape,
          data: decodeTensorData(tensor),
        },
      ]),
    );
    if (extraTensor) {
      tensors.set('stray', {
        dtype: 'F32',
        shape: [1],
        data: new Float32Array(1),
      });
    }
    const path = join(folder.path, 'edited.safetensors');
    await fs.writeFile(
      path,
      serializeSafetensors(tensors as never, { metadata }),
    );
    return path;
  }

  it('rejects a model file', async () => {
    const path = join(folder.path, 'model.safetensors');
    const metadata = { s4d_format: 'model', s4d_format_version: '1' };
    await fs.writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: expected an S4D checkpoint file (metadata s4d_format 'checkpoint'), found s4d_format 'model'`,
    );
  });

  it('rejects a missing step', async () => {
    const path = await writeEdited((metadata) => {
      delete metadata.step;
    });

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: metadata step must be a non-negative integer, got nothing`,
    );
  });

  it('rejects a malformed epoch', async () => {
    const path = await writeEdited((metadata) => {
      metadata.epoch = '-1';
    });

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: metadata epoch must be a non-negative integer, got "-1"`,
    );
  });

  it('rejects rng_state that is not JSON', async () => {
    const path = await writeEdited((metadata) => {
      metadata.rng_state = '{seed: 1}';
    });

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: metadata rng_state must be JSON, got "{seed: 1}"`,
    );
  });

  it('rejects a bad metric', async () => {
    const path = await writeEdited((metadata) => {
      metadata.best_metric = 'high';
    });

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: metadata 'best_metric' must be a JSON number, null, or one of "NaN", "Infinity", "-Infinity", "-0", got "high"`,
    );
  });

  it('rejects a tensor without a prefix', async () => {
    const path = await writeEdited(() => {}, true);

    expect(await rejection(loadCheckpoint(path))).toBe(
      `${path}: tensor 'stray': checkpoint tensor names must start with 'model.' or 'optimizer.'`,
    );
  });

  it('leaks no tensors on failure', async () => {
    const path = await writeEdited(() => {}, true);
    const before = tf.memory().numTensors;
    await rejection(loadCheckpoint(path));

    expect(tf.memory().numTensors).toBe(before);
  });
});
