import type * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A recurrent layer from tfjs-layers. */
export type RecurrentKind = 'gru' | 'lstm';

/** Sizes of a one-layer recurrent model. */
export interface RecurrentOptions {
  kind: RecurrentKind;
  /** Features per time step. */
  inputSize: number;
  /** Hidden units, the output width. */
  units: number;
  /** Time steps per sequence. */
  length: number;
  /** Return every step's output instead of the last one. */
  returnSequences?: boolean;
}

/**
 * Builds a one-layer tfjs-layers GRU or LSTM that maps
 * [batch, length, inputSize] to [batch, units] (the last step).
 *
 * NOTE: the recurrent weights use Glorot-uniform instead of the layers'
 * default orthogonal initializer, because that initializer calls chained
 * tensor methods that tfjs-core's Node entry does not register. It changes
 * no cost of a forward or backward pass.
 *
 * @param options Layer kind and sizes.
 * @returns A built `tfl.Sequential` model.
 * @throws RangeError if a size is not a positive integer.
 */
export function createRecurrentModel(
  options: RecurrentOptions,
): tfl.Sequential {
  for (const key of ['inputSize', 'units', 'length'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `createRecurrentModel: options.${key} must be a positive integer, got ${value}.`,
      );
    }
  }

  const model = tfl.sequential();
  const config = {
    units: options.units,
    inputShape: [options.length, options.inputSize],
    returnSequences: options.returnSequences ?? false,
    recurrentInitializer: 'glorotUniform' as const,
  };
  model.add(
    options.kind === 'gru' ? tfl.layers.gru(config) : tfl.layers.lstm(config),
  );
  return model;
}

/**
 * Lists the trainable variables of a tfjs-layers model, for an optimizer's
 * `varList`.
 *
 * @param model A built model.
 * @returns The underlying `tf.Variable` of every trainable weight.
 */
export function trainableVariables(model: tfl.LayersModel): tfc.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tfc.Variable);
}

/**
 * Estimates the matMul floating-point operations of a recurrent forward
 * pass: `2 * gates * units * (inputSize + units)` per token, with 3 gates
 * for a GRU and 4 for an LSTM. Biases and elementwise gate math are left
 * out.
 *
 * @param options Layer kind and sizes.
 * @param batch Sequences per run.
 * @returns The estimated count.
 */
export function recurrentFlops(
  options: RecurrentOptions,
  batch: number,
): number {
  const gates = options.kind === 'gru' ? 3 : 4;
  const perToken =
    2 * gates * options.units * (options.inputSize + options.units);
  return perToken * batch * options.length;
}

/** The tfjs-layers version the baselines run on. */
export const tfjsLayersVersion: string = tfl.version_layers;
