import * as tf from '@tensorflow/tfjs-core';
import { dense } from './dense_kernel.js';
import { makeVariable, type ParameterMap } from './parameters.js';
import { StepMatMul } from './step_matmul.js';

/**
 * A fully connected layer, `y = x W + b`, with `weight` [inFeatures,
 * outFeatures] (the transpose of PyTorch's `nn.Linear.weight`, because a
 * matMul with a transposed operand is slow on the WASM backend) and `bias`
 * [outFeatures], both initialized as PyTorch does, uniform on
 * [-1/sqrt(inFeatures), 1/sqrt(inFeatures)].
 */
export class Dense {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  /** The layer as one matMul kernel call, for streaming steps. */
  readonly step: StepMatMul;

  /**
   * @param inFeatures Size of the input's last axis.
   * @param outFeatures Size of the output's last axis.
   * @param name Name prefix of the variables, for tfjs's registry.
   * @param seed Seed of the uniform initialization.
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    name: string,
    seed: number,
  ) {
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = makeVariable(
      tf.randomUniform(
        [inFeatures, outFeatures],
        -bound,
        bound,
        'float32',
        seed,
      ),
      `${name}.weight`,
    );
    this.bias = makeVariable(
      tf.randomUniform([outFeatures], -bound, bound, 'float32', seed + 1),
      `${name}.bias`,
    );
    this.step = new StepMatMul([this]);
  }

  /** Returns the layer's variables under the names `weight` and `bias`. */
  parameters(): ParameterMap {
    return new Map([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }

  /**
   * Applies the layer to the last axis of `x`, as one kernel with a fused
   * gradient.
   *
   * @param x Input, [..., inFeatures].
   * @returns Output, [..., outFeatures].
   */
  apply(x: tf.Tensor): tf.Tensor {
    return dense(x, this.weight, this.bias);
  }

  /** Number of trainable scalars of a layer of this size. */
  static paramCount(inFeatures: number, outFeatures: number): number {
    return inFeatures * outFeatures + outFeatures;
  }
}
