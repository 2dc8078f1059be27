import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type S4DModel } from '@s4d/model';
import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assignTensors,
  decodeTensorData,
  disposeCheckpoint,
  loadCheckpoint,
  loadModel,
  loadParametersInto,
  modelFromCheckpoint,
  readSafetensorsFile,
  SafetensorsError,
  SerializeError,
  saveCheckpoint,
  saveModel,
  serializeSafetensors,
  type TensorToWrite,
} from '../src/index.js';
import { useTempFolder } from './temp_folder.js';

/** A small model config: H = 8, N = 4 (M = 2), two blocks. */
const config = {
  embedDim: 3,
  hiddenSize: 8,
  stateSize: 4,
  numLayers: 2,
  windowSize: 6,
  dropout: 0,
};

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

/** Returns every parameter's values by name, as plain arrays. */
function snapshot(model: S4DModel): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const [name, variable] of model.parameters()) {
    values.set(name, [...variable.dataSync()]);
  }
  return values;
}

/** Returns the model output for a fixed input of shape [2, 6, 3]. */
function outputOf(model: S4DModel): number[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 7) as tfc.Tensor3D;
    return [...model.apply(x).dataSync()];
  });
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

/** Writes the parameters of `model` as plain F32 safetensors, no metadata. */
async function writePlain(
  path: string,
  model: S4DModel,
  change: (tensors: Map<string, TensorToWrite>) => void = () => {},
): Promise<void> {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, variable] of model.parameters()) {
    const data = variable.dataSync() as Float32Array;
    tensors.set(name, { dtype: 'F32', shape: variable.shape, data });
  }
  change(tensors);
  await writeFile(path, serializeSafetensors(tensors));
}

describe('saveModel', () => {
  const folder = useTempFolder();

  it('stores the reference SSM layout', async () => {
    const model = build(config, { seed: 1 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const file = await readSafetensorsFile(path);
    model.dispose();

    expect(file.tensors.get('blocks.0.ssm.log_dt')?.shape).toEqual([8]);
    expect(file.tensors.get('blocks.0.ssm.log_A_real')?.shape).toEqual([8, 2]);
    expect(file.tensors.get('blocks.1.ssm.A_imag')?.shape).toEqual([8, 2]);
    expect(file.tensors.get('blocks.1.ssm.C')?.shape).toEqual([8, 2, 2]);
    expect(file.tensors.get('blocks.1.ssm.D')?.shape).toEqual([8]);
    expect(file.tensors.get('blocks.0.ssm.C')?.dtype).toBe('F32');
    expect(file.tensors.has('blocks.0.ssm.B')).toBe(false);
  });

  it('stores every parameter', async () => {
    const model = build(config, { seed: 1 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const file = await readSafetensorsFile(path);
    const names = [...model.parameters().keys()].sort();
    model.dispose();

    expect([...file.tensors.keys()].sort()).toEqual(names);
  });

  it('stores the config and version', async () => {
    const model = build(config, { seed: 1 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const { metadata } = await readSafetensorsFile(path);
    const stored = JSON.parse(metadata.model_config ?? 'null');
    const resolved = JSON.parse(JSON.stringify(model.config));
    model.dispose();

    expect(metadata.s4d_format).toBe('model');
    expect(metadata.s4d_format_version).toBe('1');
    expect(stored).toEqual(resolved);
  });
});

describe('loadModel', () => {
  const folder = useTempFolder();

  it('restores identical parameters', async () => {
    const model = build(config, { seed: 3 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const loaded = await loadModel(path);

    expect(snapshot(loaded)).toEqual(snapshot(model));
    model.dispose();
    loaded.dispose();
  });

  it('gives identical outputs', async () => {
    const model = build(config, { seed: 3 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const loaded = await loadModel(path);

    expect(outputOf(loaded)).toEqual(outputOf(model));
    expect(loaded.config).toEqual(model.config);
    model.dispose();
    loaded.dispose();
  });

  it('leaks no tensors', async () => {
    const model = build(config, { seed: 3 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    (await loadModel(path)).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await saveModel(model, path);
      (await loadModel(path)).dispose();
    }
    model.dispose();

    expect(tf.memory().numTensors).toBe(before - model.parameters().size);
  });

  it('rejects a file without S4D metadata', async () => {
    const model = build(config, { seed: 3 });
    const path = join(folder.path, 'plain.safetensors');
    await writePlain(path, model);
    model.dispose();

    expect(await rejection(loadModel(path))).toBe(
      `${path}: expected an S4D model file (metadata s4d_format 'model'), found no s4d_format metadata`,
    );
  });

  it('rejects a newer format version', async () => {
    const path = join(folder.path, 'future.safetensors');
    const metadata = { s4d_format: 'model', s4d_format_version: '2' };
    await writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadModel(path))).toBe(
      `${path}: format version 2 is newer than 1, the newest this version of @s4d/serialize reads; upgrade @s4d/serialize`,
    );
  });

  it('rejects a malformed format version', async () => {
    const path = join(folder.path, 'bad.safetensors');
    const metadata = { s4d_format: 'model', s4d_format_version: '1.0' };
    await writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadModel(path))).toBe(
      `${path}: metadata s4d_format_version must be a positive integer, got "1.0"`,
    );
  });

  it('rejects a missing config', async () => {
    const path = join(folder.path, 'bad.safetensors');
    const metadata = { s4d_format: 'model', s4d_format_version: '1' };
    await writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadModel(path))).toBe(
      `${path}: metadata model_config is missing`,
    );
  });

  it('rejects a config that is not JSON', async () => {
    const path = join(folder.path, 'bad.safetensors');
    const metadata = {
      s4d_format: 'model',
      s4d_format_version: '1',
      model_config: '{embedDim: 3}',
    };
    await writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadModel(path))).toMatch(
      /: metadata model_config is not valid JSON \(/,
    );
  });

  it('rejects a checkpoint file', async () => {
    const path = join(folder.path, 'checkpoint.safetensors');
    const metadata = { s4d_format: 'checkpoint', s4d_format_version: '1' };
    await writeFile(path, serializeSafetensors(new Map(), { metadata }));

    expect(await rejection(loadModel(path))).toBe(
      `${path}: expected an S4D model file (metadata s4d_format 'model'), found s4d_format 'checkpoint'`,
    );
  });

  it('disposes the model when tensors mismatch', async () => {
    const model = build(config, { seed: 3 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(model, path);
    const file = await readSafetensorsFile(path);
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, tensor] of file.tensors) {
      if (name !== 'norm.weight') {
        const data = decodeTensorData(tensor, 'float32');
        tensors.set(name, { dtype: 'F32', shape: tensor.shape, data });
      }
    }
    await writeFile(
      path,
      serializeSafetensors(tensors, { metadata: file.metadata }),
    );
    const before = tf.memory().numTensors;
    const message = await rejection(loadModel(path));
    model.dispose();

    expect(message).toBe(
      `${path}: file does not match the model, which was left unchanged (1 problem): parameter 'norm.weight' is missing from the file`,
    );
    expect(tf.memory().numTensors).toBe(before - model.parameters().size);
  });
});

describe('loadParametersInto', () => {
  const folder = useTempFolder();

  it('loads a plain safetensors file', async () => {
    const source = build(config, { seed: 5 });
    const target = build(config, { seed: 6 });
    const path = join(folder.path, 'plain.safetensors');
    await writePlain(path, source);
    await loadParametersInto(target, path);

    expect(outputOf(target)).toEqual(outputOf(source));
    source.dispose();
    target.dispose();
  });

  it('converts F64 tensors to float32', async () => {
    const source = build(config, { seed: 5 });
    const target = build(config, { seed: 6 });
    const path = join(folder.path, 'f64.safetensors');
    await writePlain(path, source, (tensors) => {
      const weight = tensors.get('norm.weight');
      if (weight === undefined) throw new Error('norm.weight missing');
      const data = Float64Array.from(
        weight.data as Float32Array,
        (v) => v + 1e-12,
      );
      tensors.set('norm.weight', { dtype: 'F64', shape: weight.shape, data });
    });
    await loadParametersInto(target, path);

    expect(snapshot(target)).toEqual(snapshot(source));
    source.dispose();
    target.dispose();
  });

  it('changes nothing on a mismatch', async () => {
    const source = build(config, { seed: 5 });
    const target = build(config, { seed: 6 });
    const before = snapshot(target);
    const path = join(folder.path, 'bad.safetensors');
    await writePlain(path, source, (tensors) => {
      tensors.delete('input.weight');
    });
    await rejection(loadParametersInto(target, path));

    expect(snapshot(target)).toEqual(before);
    source.dispose();
    target.dispose();
  });

  it('lists every problem', async () => {
    const source = build(config, { seed: 5 });
    const path = join(folder.path, 'bad.safetensors');
    await writePlain(path, source, (tensors) => {
      tensors.delete('input.weight');
      tensors.set('extra', {
        dtype: 'F32',
        shape: [1],
        data: new Float32Array(1),
      });
      tensors.set('norm.weight', {
        dtype: 'F32',
        shape: [4],
        data: new Float32Array(4),
      });
    });
    const message = await rejection(loadParametersInto(source, path));
    source.dispose();

    expect(message).toBe(
      `${path}: file does not match the model, which was left unchanged (3 problems): ` +
        "parameter 'input.weight' is missing from the file; " +
        "tensor 'norm.weight' has shape [4], but the model expects [8]; " +
        "tensor 'extra' is not a parameter of the model",
    );
  });

  it('rejects a model of another size', async () => {
    const small = build(config, { seed: 5 });
    const wide = build({ ...config, hiddenSize: 16 }, { seed: 5 });
    const path = join(folder.path, 'small.safetensors');
    await saveModel(small, path);
    const message = await rejection(loadParametersInto(wide, path));
    small.dispose();
    wide.dispose();

    expect(message).toMatch(
      /tensor 'blocks\.0\.ssm\.log_dt' has shape \[8\], but the model expects \[16\]/,
    );
  });

  it('rejects integer tensors for float parameters', async () => {
    const source = build(config, { seed: 5 });
    const target = build(config, { seed: 6 });
    const before = snapshot(target);
    const path = join(folder.path, 'int.safetensors');
    await writePlain(path, source, (tensors) => {
      const weight = tensors.get('norm.weight');
      if (weight === undefined) throw new Error('norm.weight missing');
      tensors.set('norm.weight', {
        dtype: 'I32',
        shape: weight.shape,
        data: new Int32Array(weight.data.length),
      });
    });
    const message = await rejection(loadParametersInto(target, path));

    expect(message).toBe(
      `${path}: tensor 'norm.weight': dtype I32 cannot be loaded as tfjs float32`,
    );
    expect(snapshot(target)).toEqual(before);
    source.dispose();
    target.dispose();
  });

  it('throws SafetensorsError', async () => {
    const model = build(config, { seed: 5 });
    const path = join(folder.path, 'empty.safetensors');
    await writeFile(path, serializeSafetensors(new Map()));
    const error = await loadParametersInto(model, path).catch((e) => e);
    model.dispose();

    expect(error).toBeInstanceOf(SafetensorsError);
  });
});

describe('modelFromCheckpoint', () => {
  const folder = useTempFolder();

  it('gives identical outputs', async () => {
    const model = build(config, { seed: 8 });
    const path = await saveCheckpoint(folder.path, {
      parameters: model.parameters(),
      modelConfig: model.config,
      optimizerState: new Map(),
      step: 10,
      epoch: 1,
      rngState: 12345,
      trainingConfig: {},
    });
    const checkpoint = await loadCheckpoint(path);
    const restored = modelFromCheckpoint(checkpoint);
    disposeCheckpoint(checkpoint);

    expect(outputOf(restored)).toEqual(outputOf(model));
    model.dispose();
    restored.dispose();
  });

  it('rejects missing parameters without leaking', async () => {
    const model = build(config, { seed: 8 });
    const parameters = new Map(model.parameters());
    parameters.delete('norm.weight');
    const before = tf.memory().numTensors;
    let message = '';
    try {
      modelFromCheckpoint({ modelConfig: model.config, parameters });
    } catch (error) {
      message = (error as Error).message;
    }
    model.dispose();

    expect(message).toBe(
      "assignTensors: the checkpoint tensors do not match the model, which was left unchanged (1 problem): parameter 'norm.weight' is missing from the checkpoint",
    );
    expect(tf.memory().numTensors).toBe(before - model.parameters().size);
  });
});

describe('assignTensors', () => {
  it('keeps values after the source is disposed', () => {
    const source = build(config, { seed: 9 });
    const target = build(config, { seed: 10 });
    const expected = snapshot(source);
    assignTensors(target.parameters(), source.parameters(), 'test');
    source.dispose();

    expect(snapshot(target)).toEqual(expected);
    target.dispose();
  });

  it('rejects another dtype', () => {
    const model = build(config, { seed: 9 });
    const before = snapshot(model);
    const tensors = new Map<string, tfc.Tensor>(model.parameters());
    const shape = model.parameters().get('norm.weight')?.shape ?? [];
    const wrong = tf.zeros(shape, 'int32');
    tensors.set('norm.weight', wrong);
    const error = (() => {
      try {
        assignTensors(model.parameters(), tensors, 'test');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(SerializeError);
    expect((error as Error).message).toBe(
      "assignTensors: the test tensors do not match the model, which was left unchanged (1 problem): tensor 'norm.weight' has dtype int32, but the model expects float32",
    );
    expect(snapshot(model)).toEqual(before);
    wrong.dispose();
    model.dispose();
  });
});

describe('disposed tensors', () => {
  const folder = useTempFolder();

  it('saveModel rejects a disposed model', async () => {
    const model = build(config, { seed: 11 });
    model.dispose();
    const path = join(folder.path, 'model.safetensors');
    const error = await saveModel(model, path).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(SerializeError);
    expect((error as Error).message).toBe(
      "saveModel: parameter 'input.weight' was disposed; save the model before disposing it",
    );
    expect(await readdir(folder.path)).toEqual([]);
  });

  it('loadParametersInto rejects a disposed model', async () => {
    const source = build(config, { seed: 11 });
    const path = join(folder.path, 'model.safetensors');
    await saveModel(source, path);
    source.dispose();
    const model = build(config, { seed: 12 });
    model.dispose();
    const before = tf.memory().numTensors;
    const error = await loadParametersInto(model, path).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(SerializeError);
    expect((error as Error).message).toBe(
      "assignParameters: parameter 'input.weight' was disposed; load into a model that is not disposed",
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('assignTensors rejects a disposed source', () => {
    const source = build(config, { seed: 13 });
    const target = build(config, { seed: 14 });
    const expected = snapshot(target);
    const tensors = new Map<string, tfc.Tensor>();
    for (const [name, variable] of source.parameters()) {
      tensors.set(name, tf.clone(variable));
    }
    tensors.get('blocks.1.ssm.D')?.dispose();
    const error = (() => {
      try {
        assignTensors(target.parameters(), tensors, 'test');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(SerializeError);
    expect((error as Error).message).toBe(
      "assignTensors: the test tensors do not match the model, which was left unchanged (1 problem): tensor 'blocks.1.ssm.D' was disposed",
    );
    expect(snapshot(target)).toEqual(expected);
    tf.dispose([...tensors.values()]);
    source.dispose();
    target.dispose();
  });

  it('modelFromCheckpoint rejects a disposed checkpoint', async () => {
    const model = build(config, { seed: 15 });
    const path = await saveCheckpoint(folder.path, {
      parameters: model.parameters(),
      modelConfig: model.config,
      optimizerState: new Map(),
      step: 1,
      epoch: 0,
      rngState: null,
      trainingConfig: {},
    });
    model.dispose();
    const checkpoint = await loadCheckpoint(path);
    disposeCheckpoint(checkpoint);
    const before = tf.memory().numTensors;

    expect(() => modelFromCheckpoint(checkpoint)).toThrow(
      /tensor 'input\.weight' was disposed/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saveCheckpoint rejects a disposed tensor', async () => {
    const model = build(config, { seed: 16 });
    const moment = tf.zeros([2]);
    moment.dispose();
    const error = await saveCheckpoint(folder.path, {
      parameters: model.parameters(),
      modelConfig: model.config,
      optimizerState: new Map([['input.weight.m', moment]]),
      step: 1,
      epoch: 0,
      rngState: null,
      trainingConfig: {},
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    model.dispose();

    expect(error).toBeInstanceOf(SerializeError);
    expect((error as Error).message).toBe(
      "saveCheckpoint: tensor 'optimizer.input.weight.m' was disposed; save the checkpoint before disposing its tensors",
    );
    expect(await readdir(folder.path)).toEqual([]);
  });
});

describe('saveModel folders', () => {
  const folder = useTempFolder();

  it('creates a missing folder', async () => {
    const model = build(config, { seed: 17 });
    const path = join(folder.path, 'runs', 'mnist', 'model.safetensors');
    await saveModel(model, path);
    const restored = await loadModel(path);

    expect(outputOf(restored)).toEqual(outputOf(model));
    model.dispose();
    restored.dispose();
  });
});
