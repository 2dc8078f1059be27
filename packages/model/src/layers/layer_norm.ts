import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from './fused_kernels.js';
import { makeVariable, type ParameterMap } from './parameters.js';

/**
 * Layer normalization over the last axis with a learned scale and shift:
 * `y = (x - mean) / sqrt(var + 1e-5) * weight + bias`, with `weight` [size]
 * starting at ones and `bias` [size] at zeros.
 */
export class LayerNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  /**
   * @param size Size of the normalized last axis.
   * @param name Name prefix of the variables, for tfjs's registry.
   */
  constructor(
    readonly size: number,
    name: string,
  ) {
    this.weight = makeVariable(tf.ones([size]), `${name}.weight`);
    this.bias = makeVariable(tf.zeros([size]), `${name}.bias`);
  }

  /** Returns the layer's variables under the names `weight` and `bias`. */
  parameters(): ParameterMap {
    return new Map([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }

  /**
   * Normalizes the last axis of `x` with one fused kernel, which has a
   * fused gradient too.
   *
   * @param x Input, [..., size].
   * @returns Output, [..., size].
   */
  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight, this.bias);
  }

  /** Number of trainable scalars of a layer norm over `size` features. */
  static paramCount(size: number): number {
    return 2 * size;
  }
}
