import {
  type ModelConfig,
  type ModelConfigInput,
  parseModelConfig,
} from '@s4d/config';
import { S4DBlock } from './block.js';
import { describeValue as describe, ModelError } from './errors.js';
import { Dense } from './layers/dense.js';
import { LayerNorm } from './layers/layer_norm.js';
import { S4DModel } from './model.js';

/** Options of `build` and `buildBlock` that are not part of the config. */
export interface BuildOptions {
  /**
   * Seed of the initialization (default 0): the same config and seed give the
   * same parameters.
   */
  seed?: number;
}

/**
 * Builds an S4D sequence model.
 *
 * @example
 * const model = build({ embedDim: 3, hiddenSize: 64, numLayers: 2 });
 * const y = model.apply(tf.randomNormal([8, 60, 3])); // [8, 64]
 *
 * @param options The model config; validated, with defaults filled.
 * @param buildOptions The initialization seed.
 * @returns A model whose input is [batch, seqLen, embedDim].
 * @throws ConfigError listing every invalid option.
 */
export function build(
  options: ModelConfigInput,
  buildOptions: BuildOptions = {},
): S4DModel {
  return new S4DModel(
    parseModelConfig(options),
    checkSeed('build', buildOptions),
  );
}

/**
 * Builds one S4D block: `x + dropout(ssm(norm(x)))`, then
 * `x + dropout(ffn(ffn_norm(x)))`. Its input and output are
 * [batch, length, hiddenSize].
 *
 * @param options The model config; validated, with defaults filled.
 * @param index Position of the block, which names its variables
 *   `blocks.<index>.*` and offsets its seeds.
 * @param buildOptions The initialization seed.
 * @throws ConfigError listing every invalid option.
 */
export function buildBlock(
  options: ModelConfigInput,
  index = 0,
  buildOptions: BuildOptions = {},
): S4DBlock {
  if (!Number.isInteger(index) || index < 0) {
    throw new ModelError(
      `buildBlock: index must be a non-negative integer, got ${describe(index)}.`,
    );
  }
  return new S4DBlock(
    parseModelConfig(options),
    index,
    checkSeed('buildBlock', buildOptions),
  );
}

/** Largest seed: the blocks offset it, and tfjs seeds must stay exact integers. */
const MAX_SEED = 2 ** 31;

function checkSeed(caller: string, buildOptions: BuildOptions): number {
  if (typeof buildOptions !== 'object' || buildOptions === null) {
    throw new ModelError(
      `${caller}: buildOptions must be an object such as { seed: 0 }, got ${describe(buildOptions)}.`,
    );
  }
  for (const key of Object.keys(buildOptions)) {
    if (key !== 'seed') {
      throw new ModelError(
        `${caller}: unknown build option ${JSON.stringify(key)}; the only option is seed.`,
      );
    }
  }
  const seed = buildOptions.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= MAX_SEED) {
    throw new ModelError(
      `${caller}: seed must be an integer in [0, 2^31), got ${describe(seed)}.`,
    );
  }
  return seed;
}

/**
 * Returns the size of the last axis of the model's output: `hiddenSize`.
 *
 * @throws ConfigError listing every invalid option.
 */
export function outputSize(options: ModelConfigInput): number {
  return parseModelConfig(options).hiddenSize;
}

/**
 * Counts the model's trainable scalars from its options alone, exactly:
 * biases, norms and SSM parameters included.
 *
 * @throws ConfigError listing every invalid option.
 */
export function paramCount(options: ModelConfigInput): number {
  const config: ModelConfig = parseModelConfig(options);
  const input =
    config.embedDim === config.hiddenSize
      ? 0
      : Dense.paramCount(config.embedDim, config.hiddenSize);
  const blocks = config.numLayers * S4DBlock.paramCount(config);
  return input + blocks + LayerNorm.paramCount(config.hiddenSize);
}
