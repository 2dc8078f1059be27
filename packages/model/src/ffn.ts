import type { ModelConfig } from '@s4d/config';
import * as tf from '@tensorflow/tfjs-core';
import { gelu, silu } from './layers/activations.js';
import { Dense } from './layers/dense.js';
import {
  geluInference,
  swigluPairInference,
} from './layers/inference_kernels.js';
import { addPrefixed, type ParameterMap } from './layers/parameters.js';
import { StepMatMul } from './layers/step_matmul.js';

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
  /** `gate` and `up` as one matMul, for streaming steps. */
  private readonly gateUp: StepMatMul | undefined;

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
    this.gateUp =
      this.gate === undefined
        ? undefined
        : new StepMatMul([this.gate, this.up]);
  }

  /** Returns the layer's variables: `gate.*` (SwiGLU only), `up.*` and `down.*`. */
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
   * Applies the network in a streaming step: forward only, one matMul kernel
   * call per dense layer (`gate` and `up` fused) and no reshapes.
   *
   * @param x Input, [1, batch, hiddenSize].
   * @returns Output, [1, batch, hiddenSize].
   */
  applyStep(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      if (this.gateUp === undefined) {
        const inner = geluInference(this.up.step.apply(x)) as tf.Tensor3D;
        return this.down.step.apply(inner);
      }
      const inner = swigluPairInference(this.gateUp.apply(x)) as tf.Tensor3D;
      return this.down.step.apply(inner);
    });
  }

  /** Frees the cached weights of the streaming path. */
  disposeStepCache(): void {
    this.gateUp?.dispose();
    this.gate?.step.dispose();
    this.up.step.dispose();
    this.down.step.dispose();
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
