import { configToJson, type ModelConfig } from '@s4d/config';
import { build, type S4DModel } from '@s4d/model';
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint } from './checkpoint_codec.js';
import {
  checkFormat,
  FORMAT_KEY,
  FORMAT_VERSION,
  FORMAT_VERSION_KEY,
  MODEL_CONFIG_KEY,
  readModelConfig,
} from './s4d_metadata.js';
import { BUFFER_SOURCE, SafetensorsError } from './safetensors_error.js';
import {
  parseSafetensors,
  type SafetensorsContents,
  type SafetensorsTensor,
} from './safetensors_reader.js';
import {
  serializeSafetensors,
  type TensorToWrite,
} from './safetensors_writer.js';
import { SerializeError } from './serialize_error.js';
import {
  checkNotDisposed,
  shapeMismatch,
  tensorToWrite,
  valuesFor,
} from './tensor_codec.js';

/** The part of a model that `saveModel` reads: its config and parameters. */
export interface SerializableModel {
  /** The resolved model config. */
  readonly config: ModelConfig;
  /** The trainable parameters by hierarchical name. */
  parameters(): Map<string, tf.Variable>;
}

/**
 * Serializes a model into safetensors bytes: every parameter under its
 * hierarchical name (such as `blocks.0.ssm.log_A_real`, [H, M]), with the
 * model config as JSON and the format version in `__metadata__`. The SSM
 * tensors keep the reference layout: `log_dt` [H], `log_A_real` [H, M],
 * `A_imag` [H, M], `C` [H, M, 2], `D` [H].
 *
 * @param model The model to save.
 * @param source The destination name used in errors.
 * @returns The whole file.
 * @throws SerializeError if a parameter was disposed.
 */
export function modelToSafetensors(
  model: SerializableModel,
  source = BUFFER_SOURCE,
): Uint8Array {
  checkNotDisposed(
    model.parameters(),
    'modelToSafetensors',
    'parameter',
    'save the model before disposing it',
  );
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, variable] of model.parameters()) {
    tensors.set(name, tensorToWrite(name, variable, source));
  }
  return serializeSafetensors(tensors, {
    source,
    metadata: {
      [FORMAT_KEY]: 'model',
      [FORMAT_VERSION_KEY]: String(FORMAT_VERSION),
      [MODEL_CONFIG_KEY]: configToJson(model.config),
    },
  });
}

/**
 * Rebuilds a model from safetensors bytes written by `modelToSafetensors`.
 *
 * @param bytes The whole file.
 * @param source The name used in errors.
 * @returns A new model, which the caller disposes.
 * @throws SafetensorsError if the file is invalid, is not an S4D model file,
 *   or its tensors do not match the config.
 * @throws ConfigError if the stored config is invalid.
 */
export function modelFromSafetensors(
  bytes: ArrayBuffer | Uint8Array,
  source = BUFFER_SOURCE,
): S4DModel {
  return modelFromContents(parseSafetensors(bytes, { source }));
}

/**
 * Replaces the values of `parameters` with the tensors of a parsed file,
 * all or nothing: names, shapes and dtypes are checked and every tensor is
 * decoded before any variable is assigned.
 *
 * @param parameters The variables to assign, by name.
 * @param tensors The file's tensors, by the same names.
 * @param source The file name used in errors.
 * @throws SerializeError if a parameter was disposed.
 * @throws SafetensorsError listing every missing, extra or mismatched tensor.
 */
export function assignParameters(
  parameters: Map<string, tf.Variable>,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  source: string,
): void {
  checkNotDisposed(
    parameters,
    'assignParameters',
    'parameter',
    'load into a model that is not disposed',
  );
  const problems = findMismatches(parameters, tensors, 'file');
  if (problems.length > 0) {
    throw new SafetensorsError(
      source,
      undefined,
      `file does not match the model, which was left unchanged (${describeCount(problems)}): ${problems.join('; ')}`,
    );
  }

  const decoded = new Map<string, Float32Array | Int32Array | Uint8Array>();
  for (const [name, variable] of parameters) {
    decoded.set(
      name,
      valuesFor(tensors.get(name) as SafetensorsTensor, variable.dtype),
    );
  }

  for (const [name, variable] of parameters) {
    tf.tidy(() => {
      const values = decoded.get(name) as Float32Array;
      variable.assign(tf.tensor(values, variable.shape, variable.dtype));
    });
  }
}

/**
 * Rebuilds the model stored in a checkpoint, for resuming training or for
 * evaluation.
 *
 * @param checkpoint A checkpoint from `loadCheckpoint`. Its tensors stay
 *   owned by the caller, who may dispose them afterwards.
 * @returns A new model, which the caller disposes.
 * @throws SerializeError if the parameters do not match the model config;
 *   nothing is leaked then.
 * @throws ConfigError if the model config is invalid.
 */
export function modelFromCheckpoint(
  checkpoint: Pick<Checkpoint, 'modelConfig' | 'parameters'>,
): S4DModel {
  const model = build(checkpoint.modelConfig);
  try {
    assignTensors(model.parameters(), checkpoint.parameters, 'checkpoint');
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Assigns tfjs tensors to the variables of the same names, all or nothing:
 * every name, shape and dtype is checked before any variable is assigned.
 *
 * @param parameters The variables to assign, by name.
 * @param tensors The new values by the same names. They stay owned by the
 *   caller, who may dispose them afterwards.
 * @param source What the tensors came from, for errors.
 * @throws SerializeError if a parameter was disposed, or listing every
 *   missing, extra, mismatched or disposed tensor.
 */
export function assignTensors(
  parameters: Map<string, tf.Variable>,
  tensors: ReadonlyMap<string, tf.Tensor>,
  source: string,
): void {
  checkNotDisposed(
    parameters,
    'assignTensors',
    'parameter',
    'assign to a model that is not disposed',
  );
  const problems = findMismatches(parameters, tensors, source);
  if (problems.length > 0) {
    throw new SerializeError(
      `assignTensors: the ${source} tensors do not match the model, which was left unchanged (${describeCount(problems)}): ${problems.join('; ')}`,
    );
  }
  for (const [name, variable] of parameters) {
    variable.assign(tensors.get(name) as tf.Tensor);
  }
}

/**
 * Lists how `tensors` differs from `parameters`: missing or extra names,
 * other shapes and, for tfjs tensors, other dtypes and disposed tensors.
 *
 * @param origin Where the tensors came from, used in the messages.
 */
function findMismatches(
  parameters: Map<string, tf.Variable>,
  tensors: ReadonlyMap<string, { shape: number[]; dtype: string }>,
  origin: string,
): string[] {
  const problems: string[] = [];
  for (const [name, variable] of parameters) {
    const tensor = tensors.get(name);
    if (tensor === undefined) {
      problems.push(`parameter '${name}' is missing from the ${origin}`);
      continue;
    }
    if (tensor instanceof tf.Tensor && tensor.isDisposed) {
      problems.push(`tensor '${name}' was disposed`);
      continue;
    }
    const mismatch = shapeMismatch(name, tensor.shape, variable.shape);
    if (mismatch !== undefined) {
      problems.push(mismatch);
    }
    if (tensor instanceof tf.Tensor && tensor.dtype !== variable.dtype) {
      problems.push(
        `tensor '${name}' has dtype ${tensor.dtype}, but the model expects ${variable.dtype}`,
      );
    }
  }
  for (const name of tensors.keys()) {
    if (!parameters.has(name)) {
      problems.push(`tensor '${name}' is not a parameter of the model`);
    }
  }
  return problems;
}

function describeCount(problems: string[]): string {
  return `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`;
}

/**
 * Rebuilds a model from a parsed S4D model file.
 *
 * @returns A new model, which the caller disposes.
 * @throws SafetensorsError if the file is not an S4D model file or its
 *   tensors do not match the config.
 * @throws ConfigError if the stored config is invalid.
 */
export function modelFromContents(contents: SafetensorsContents): S4DModel {
  checkFormat(contents, 'model');
  const model = build(readModelConfig(contents));
  try {
    assignParameters(model.parameters(), contents.tensors, contents.source);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
