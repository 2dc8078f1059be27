import {
  ConfigError,
  configToJson,
  type ModelConfig,
  parseModelConfig,
} from '@s4d/config';
import * as tf from '@tensorflow/tfjs-core';
import { checkJsonValue, type JsonValue } from './json_value.js';
import {
  checkFormat,
  FORMAT_KEY,
  FORMAT_VERSION,
  FORMAT_VERSION_KEY,
  MODEL_CONFIG_KEY,
  readModelConfig,
} from './s4d_metadata.js';
import { BUFFER_SOURCE, SafetensorsError } from './safetensors_error.js';
import type { SafetensorsContents } from './safetensors_reader.js';
import {
  serializeSafetensors,
  type TensorToWrite,
} from './safetensors_writer.js';
import { SerializeError } from './serialize_error.js';
import { naturalDtype, tensorToWrite, valuesFor } from './tensor_codec.js';

/** Everything a training run needs to continue exactly where it stopped. */
export interface Checkpoint {
  /** The model parameters by hierarchical name, such as `norm.weight`. */
  parameters: Map<string, tf.Tensor>;
  /** The resolved model config. */
  modelConfig: ModelConfig;
  /**
   * The optimizer state as named tensors, such as the AdamW moments
   * `input.weight.m` and `input.weight.v`.
   */
  optimizerState: Map<string, tf.Tensor>;
  /** Training steps completed. */
  step: number;
  /** The epoch the next step belongs to. */
  epoch: number;
  /** The random number generator state, any plain JSON value. */
  rngState: JsonValue;
  /** The training config, any plain JSON value. */
  trainingConfig: JsonValue;
  /** The best held-out metric so far, or `null` before any evaluation. */
  bestMetric: number | null;
  /** The held-out metric at this step, or `null` if none was computed. */
  metric: number | null;
}

/**
 * The input of `saveCheckpoint`: a checkpoint whose metrics are optional and
 * whose `rngState` and `trainingConfig` are checked to be plain JSON when
 * saved (see `checkJsonValue`), so config interfaces need no cast.
 */
export type CheckpointInput = Omit<
  Checkpoint,
  'bestMetric' | 'metric' | 'rngState' | 'trainingConfig'
> & {
  rngState: unknown;
  trainingConfig: unknown;
  bestMetric?: number | null | undefined;
  metric?: number | null | undefined;
};

/** The metadata key of a checkpoint's own metric, JSON-encoded. */
export const METRIC_KEY = 'metric';

const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.';
const STEP_KEY = 'step';
const EPOCH_KEY = 'epoch';
const RNG_STATE_KEY = 'rng_state';
const TRAINING_CONFIG_KEY = 'training_config';
const BEST_METRIC_KEY = 'best_metric';

/**
 * Serializes a checkpoint into safetensors bytes, in the layout that
 * `saveCheckpoint` describes.
 *
 * @param checkpoint The state to save.
 * @param source The destination name used in errors.
 * @throws SerializeError if a field is invalid or a tensor was disposed.
 */
export function checkpointToSafetensors(
  checkpoint: CheckpointInput,
  source = BUFFER_SOURCE,
): Uint8Array {
  checkCounter(checkpoint.step, 'checkpoint.step');
  checkCounter(checkpoint.epoch, 'checkpoint.epoch');
  checkJsonValue(checkpoint.rngState, 'checkpoint.rngState');
  checkJsonValue(checkpoint.trainingConfig, 'checkpoint.trainingConfig');
  const metric = checkMetric(checkpoint.metric, 'checkpoint.metric');
  const bestMetric = checkMetric(
    checkpoint.bestMetric,
    'checkpoint.bestMetric',
  );
  const modelConfig = checkModelConfig(checkpoint.modelConfig);

  const tensors = new Map<string, TensorToWrite>();
  for (const [prefix, group, field] of [
    [MODEL_PREFIX, checkpoint.parameters, 'parameters'],
    [OPTIMIZER_PREFIX, checkpoint.optimizerState, 'optimizerState'],
  ] as const) {
    if (!(group instanceof Map)) {
      throw new SerializeError(
        `saveCheckpoint: checkpoint.${field} must be a Map of tensors, got ${typeof group}`,
      );
    }
    for (const [name, tensor] of group) {
      if (tensor.isDisposed) {
        throw new SerializeError(
          `saveCheckpoint: tensor '${prefix}${name}' was disposed; save the checkpoint before disposing its tensors`,
        );
      }
      tensors.set(
        `${prefix}${name}`,
        tensorToWrite(`${prefix}${name}`, tensor, source),
      );
    }
  }

  return serializeSafetensors(tensors, {
    source,
    metadata: {
      [FORMAT_KEY]: 'checkpoint',
      [FORMAT_VERSION_KEY]: String(FORMAT_VERSION),
      [MODEL_CONFIG_KEY]: configToJson(modelConfig),
      [STEP_KEY]: String(checkpoint.step),
      [EPOCH_KEY]: String(checkpoint.epoch),
      [RNG_STATE_KEY]: JSON.stringify(checkpoint.rngState),
      [TRAINING_CONFIG_KEY]: JSON.stringify(checkpoint.trainingConfig),
      [METRIC_KEY]: encodeMetric(metric),
      [BEST_METRIC_KEY]: encodeMetric(bestMetric),
    },
  });
}

/**
 * Rebuilds a checkpoint from a parsed file.
 *
 * @throws SafetensorsError if the file is not an S4D checkpoint or a field
 *   is missing or invalid.
 */
export function checkpointFromContents(
  contents: SafetensorsContents,
): Checkpoint {
  checkFormat(contents, 'checkpoint');
  const { source, metadata } = contents;
  const modelConfig = readModelConfig(contents);

  const readJson = (key: string): JsonValue => {
    const text = metadata[key];
    try {
      if (text !== undefined) {
        return JSON.parse(text) as JsonValue;
      }
    } catch {
      // Reported below, with the key.
    }
    throw new SafetensorsError(
      source,
      undefined,
      `metadata ${key} must be JSON, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`,
    );
  };
  const readCounter = (key: string): number => {
    const text = metadata[key];
    if (
      text === undefined ||
      !/^(0|[1-9]\d*)$/.test(text) ||
      !Number.isSafeInteger(Number(text))
    ) {
      throw new SafetensorsError(
        source,
        undefined,
        `metadata ${key} must be a non-negative integer, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`,
      );
    }
    return Number(text);
  };

  const step = readCounter(STEP_KEY);
  const epoch = readCounter(EPOCH_KEY);
  const rngState = readJson(RNG_STATE_KEY);
  const trainingConfig = readJson(TRAINING_CONFIG_KEY);
  const metric = decodeMetric(metadata[METRIC_KEY], source, METRIC_KEY);
  const bestMetric = decodeMetric(
    metadata[BEST_METRIC_KEY],
    source,
    BEST_METRIC_KEY,
  );

  const decoded: [
    string,
    ReturnType<typeof valuesFor>,
    number[],
    tf.DataType,
  ][] = [];
  for (const [name, tensor] of contents.tensors) {
    if (!name.startsWith(MODEL_PREFIX) && !name.startsWith(OPTIMIZER_PREFIX)) {
      throw new SafetensorsError(
        source,
        name,
        `checkpoint tensor names must start with '${MODEL_PREFIX}' or '${OPTIMIZER_PREFIX}'`,
      );
    }
    const dtype = naturalDtype(tensor);
    decoded.push([name, valuesFor(tensor, dtype), tensor.shape, dtype]);
  }

  const parameters = new Map<string, tf.Tensor>();
  const optimizerState = new Map<string, tf.Tensor>();
  for (const [name, values, shape, dtype] of decoded) {
    const tensor = tf.tensor(values, shape, dtype);
    if (name.startsWith(MODEL_PREFIX)) {
      parameters.set(name.slice(MODEL_PREFIX.length), tensor);
    } else {
      optimizerState.set(name.slice(OPTIMIZER_PREFIX.length), tensor);
    }
  }

  return {
    parameters,
    modelConfig,
    optimizerState,
    step,
    epoch,
    rngState,
    trainingConfig,
    bestMetric,
    metric,
  };
}

/**
 * Checks a checkpoint's `step` or `epoch`.
 *
 * @throws SerializeError if `value` is not a non-negative safe integer.
 */
export function checkCounter(value: unknown, path: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new SerializeError(
      `saveCheckpoint: ${path} must be a non-negative integer, got ${String(value)}`,
    );
  }
}

/**
 * Resolves a checkpoint's model config as `loadCheckpoint` will, so that a
 * config it would reject is never written.
 *
 * @throws SerializeError with the config problems.
 */
function checkModelConfig(value: unknown): ModelConfig {
  try {
    return parseModelConfig(value);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new SerializeError(
        `saveCheckpoint: checkpoint.modelConfig is invalid. ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

function checkMetric(value: unknown, path: string): number | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'number') {
    throw new SerializeError(
      `saveCheckpoint: ${path} must be a number, null or undefined, got ${typeof value}`,
    );
  }
  return value;
}

/**
 * Encodes a metric for `__metadata__`. JSON has no NaN or infinities, and
 * `JSON.stringify(-0)` is `"0"`, so those values are stored as JSON strings.
 */
export function encodeMetric(value: number | null): string {
  if (value === null) {
    return 'null';
  }
  if (!Number.isFinite(value) || Object.is(value, -0)) {
    return JSON.stringify(Object.is(value, -0) ? '-0' : String(value));
  }
  return JSON.stringify(value);
}

/**
 * Decodes a metric stored by `encodeMetric`.
 *
 * @returns The number, or `null` for no metric.
 * @throws SafetensorsError naming `source` and `key` if the text is not a
 *   metric.
 */
export function decodeMetric(
  text: string | undefined,
  source: string,
  key: string,
): number | null {
  const special: Record<string, number> = {
    NaN: Number.NaN,
    Infinity: Infinity,
    '-Infinity': -Infinity,
    '-0': -0,
  };
  let value: unknown;
  try {
    value = text === undefined ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }

  if (value === null || typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && Object.hasOwn(special, value)) {
    return special[value] as number;
  }
  throw new SafetensorsError(
    source,
    undefined,
    `metadata '${key}' must be a JSON number, null, or one of "NaN", "Infinity", "-Infinity", "-0", got ${text === undefined ? 'nothing' : JSON.stringify(text)}`,
  );
}

/** Disposes the parameter and optimizer tensors of a loaded checkpoint. */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  for (const tensor of checkpoint.parameters.values()) {
    tensor.dispose();
  }
  for (const tensor of checkpoint.optimizerState.values()) {
    tensor.dispose();
  }
}
