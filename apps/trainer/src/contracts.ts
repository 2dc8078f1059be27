import type { ModelConfig } from '@s4d/config';
import type * as tfc from '@tensorflow/tfjs-core';

/** The tfjs-core namespace as `initBackend()` returns it. */
export type Tf = typeof tfc;

/**
 * The part of `@s4d/model`'s `S4DModel` that training uses: a sequence
 * encoder `[batch, length, embedDim]` to `[batch, hiddenSize]` with named
 * trainable variables split into the SSM group and the rest.
 */
export interface SequenceModel {
  readonly config: ModelConfig;
  apply(
    x: tfc.Tensor3D,
    options?: { training?: boolean; lengths?: number[]; seed?: number },
  ): tfc.Tensor;
  parameters(): Map<string, tfc.Variable>;
  parameterGroups(): { ssm: string[]; other: string[] };
  dispose(): void;
}

/** Builds a model from a model config and a seed for its initialization. */
export type ModelFactory = (
  config: Record<string, unknown>,
  seed: number,
) => SequenceModel;
