import type { ModelConfig } from '@s4d/config';
import * as tf from '@tensorflow/tfjs-core';
import { gelu, silu } from './layers/activations.js';
import { Dense } from './layers/dense.js';
import { geluInference, swigluInference } from './layers/inference_kernels.js';
import { addPrefixed, type ParameterMap } from './layers/parameters.js';

/**
 * The feed-forward network of a block, of inner width
 * `ffnExpansion * hiddenSize`:
 * - `swiglu`: `down(silu(gate(x)) * up(x))`;
 * - `gelu`: `down(gelu(up(x)))`.
 * Every dense layer has a bias.
 */
export class FeedForward {
  readonly gate: Dense | undefined;
  readonly up: Dense;
  readonly down: Dense;

  /**
   * @param config The resolved model config; `ffn` must not be `none`.
   * @param name Name prefix of the variables.
   * @param seed Seed of the initialization.
   */
  constructor(config: ModelConfig, name: string, seed: number) {
    const hidden = config.hiddenSize;
    const inner = config.ffnExpansion * hidden;
    this.gate =
      config.ffn === 'swiglu'
        ? new Dense(hidden, inner, `${name}.gate`, seed)
        : undefined;
    this.up = new Dense(hidden, inner, `${name}.up`, seed + 2);
    this.down = new Dense(inner, hidden, `${name}.down`, seed + 4);
  }

  /** The layer's variables: `gate.*` (SwiGLU only), `up.*` and `down.*`. */
  parameters(): ParameterMap {
    const map: ParameterMap = new Map();
    if (this.gate !== undefined) {
      addPrefixed(map, 'gate', this.gate.parameters());
    }
    addPrefixed(map, 'up', this.up.parameters());
    addPrefixed(map, 'down', this.down.parameters());
    return map;
  }

  /**
   * Applies the network to the last axis of `x`.
   *
   * @param x Input, [..., hiddenSize].
   * @returns Output, [..., hiddenSize].
   */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.gate === undefined) {
        return this.down.apply(gelu(this.up.apply(x)));
      }
      const hidden = tf.mul(silu(this.gate.apply(x)), this.up.apply(x));
      return this.down.apply(hidden);
    });
  }

  /**
   * Applies the network with fused kernels, forward only (no gradient), for
   * streaming inference.
   *
   * @param x Input, [..., hiddenSize].
   * @returns Output, [..., hiddenSize].
   */
  applyInference(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.gate === undefined) {
        return this.down.apply(geluInference(this.up.apply(x)));
      }
      return this.down.apply(
        swigluInference(this.gate.apply(x), this.up.apply(x)),
      );
    });
  }

  /** Number of trainable scalars of the network for `config` (0 for `none`). */
  static paramCount(config: ModelConfig): number {
    const hidden = config.hiddenSize;
    const inner = config.ffnExpansion * hidden;
    const upDown =
      Dense.paramCount(hidden, inner) + Dense.paramCount(inner, hidden);
    if (config.ffn === 'swiglu') {
      return upDown + Dense.paramCount(hidden, inner);
    }
    if (config.ffn === 'gelu') {
      return upDown;
    }
    return 0;
  }
}
