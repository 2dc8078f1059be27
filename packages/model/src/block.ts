import type { ModelConfig } from '@s4d/config';
import type { SsmState } from '@s4d/kernel';
import * as tf from '@tensorflow/tfjs-core';
import { FeedForward } from './ffn.js';
import { dropout } from './layers/activations.js';
import { LayerNorm } from './layers/layer_norm.js';
import { addPrefixed, type ParameterMap } from './layers/parameters.js';
import { SsmLayer } from './ssm_layer.js';

/**
 * One pre-norm S4D block:
 * `x = x + dropout(ssm(norm(x)))`, then, unless `ffn` is `none`,
 * `x = x + dropout(ffn(ffn_norm(x)))`.
 */
export class S4DBlock {
  readonly norm: LayerNorm;
  readonly ssm: SsmLayer;
  readonly ffnNorm: LayerNorm | undefined;
  readonly ffn: FeedForward | undefined;

  /**
   * @param config The resolved model config.
   * @param index Position of the block in the model; names its variables
   *   `blocks.<index>.*` and offsets its seeds.
   * @param seed Seed of the model's initialization.
   */
  constructor(
    private readonly config: ModelConfig,
    readonly index: number,
    seed: number,
  ) {
    const name = `blocks.${index}`;
    const blockSeed = seed + 1000 * (index + 1);
    this.norm = new LayerNorm(config.hiddenSize, `${name}.norm`);
    this.ssm = new SsmLayer(config, `${name}.ssm`, blockSeed);
    if (config.ffn === 'none') {
      this.ffnNorm = undefined;
      this.ffn = undefined;
    } else {
      this.ffnNorm = new LayerNorm(config.hiddenSize, `${name}.ffn_norm`);
      this.ffn = new FeedForward(config, `${name}.ffn`, blockSeed + 500);
    }
  }

  /**
   * Returns the block's variables under `norm.*`, `ssm.*`, `ffn_norm.*` and
   * `ffn.*`.
   */
  parameters(): ParameterMap {
    const map: ParameterMap = new Map();
    addPrefixed(map, 'norm', this.norm.parameters());
    addPrefixed(map, 'ssm', this.ssm.parameters());
    if (this.ffnNorm !== undefined && this.ffn !== undefined) {
      addPrefixed(map, 'ffn_norm', this.ffnNorm.parameters());
      addPrefixed(map, 'ffn', this.ffn.parameters());
    }
    return map;
  }

  /**
   * Runs the block over a whole sequence.
   *
   * @param x Input, [batch, length, hiddenSize].
   * @param training Whether dropout is active.
   * @param seed Seed of this call's dropout masks.
   * @returns Output, [batch, length, hiddenSize].
   */
  apply(x: tf.Tensor3D, training: boolean, seed?: number): tf.Tensor3D {
    return tf.tidy(() => {
      const ssmSeed = seed === undefined ? undefined : seed + 10 * this.index;
      const ssmOut = this.ssm.apply(
        this.norm.apply(x) as tf.Tensor3D,
        training,
        ssmSeed,
      );
      let y = tf.add(x, this.dropout(ssmOut, training, ssmSeed, 1));
      if (this.ffnNorm !== undefined && this.ffn !== undefined) {
        const ffnOut = this.ffn.apply(this.ffnNorm.apply(y));
        y = tf.add(y, this.dropout(ffnOut, training, ssmSeed, 2));
      }
      return y as tf.Tensor3D;
    });
  }

  /**
   * Runs the block on one frame in recurrent mode (no dropout), with fused
   * forward-only kernels.
   *
   * @param state The SSM state, [batch, hiddenSize, stateSize / 2, 2].
   * @param frame Input, [1, batch, hiddenSize].
   * @returns The output [1, batch, hiddenSize] and the next state.
   */
  step(
    state: SsmState,
    frame: tf.Tensor3D,
  ): { y: tf.Tensor3D; state: SsmState } {
    const normed = this.norm.apply(frame) as tf.Tensor3D;
    const next = this.ssm.step(state, normed, frame);
    normed.dispose();
    const ffnNorm = this.ffnNorm;
    const ffn = this.ffn;
    if (ffnNorm === undefined || ffn === undefined) {
      return next;
    }
    const y = tf.tidy(() => {
      const inner = ffn.applyStep(ffnNorm.apply(next.y) as tf.Tensor3D);
      return tf.add(next.y, inner) as tf.Tensor3D;
    });
    next.y.dispose();
    return { y, state: next.state };
  }

  /** Frees the cached weights of the streaming path. */
  disposeStepCache(): void {
    this.ssm.disposeStepCache();
    this.ffn?.disposeStepCache();
  }

  /**
   * Consumes a chunk in recurrent mode (no dropout).
   *
   * @param state The SSM state, [batch, hiddenSize, stateSize / 2, 2].
   * @param x Input, [batch, length, hiddenSize].
   * @returns The output [batch, length, hiddenSize] and the state after it.
   */
  advance(
    state: SsmState,
    x: tf.Tensor3D,
  ): { y: tf.Tensor3D; state: SsmState } {
    const normed = this.norm.apply(x) as tf.Tensor3D;
    const next = this.ssm.advance(state, normed, x);
    normed.dispose();
    const y = this.residualFfn(next.y);
    next.y.dispose();
    return { y: y as tf.Tensor3D, state: next.state };
  }

  /** Computes `x + ffn(ffn_norm(x))` with the forward-only kernels; returns a new tensor. */
  private residualFfn(x: tf.Tensor): tf.Tensor {
    const ffnNorm = this.ffnNorm;
    const ffn = this.ffn;
    if (ffnNorm === undefined || ffn === undefined) {
      return tf.clone(x);
    }
    return tf.tidy(() => tf.add(x, ffn.apply(ffnNorm.apply(x))));
  }

  private dropout(
    x: tf.Tensor,
    training: boolean,
    seed: number | undefined,
    site: number,
  ): tf.Tensor {
    if (!training) {
      return x;
    }
    return dropout(
      x,
      this.config.dropout,
      seed === undefined ? undefined : seed + site,
    );
  }

  /** Number of trainable scalars of one block for `config`. */
  static paramCount(config: ModelConfig): number {
    const norm = LayerNorm.paramCount(config.hiddenSize);
    const ffnNorm = config.ffn === 'none' ? 0 : norm;
    return (
      norm +
      SsmLayer.paramCount(config) +
      ffnNorm +
      FeedForward.paramCount(config)
    );
  }
}
