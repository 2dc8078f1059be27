import type { ModelConfig } from '@s4d/config';
import {
  initSsmParams,
  initSsmState,
  type SsmParams,
  type SsmState,
  ssmAdvance,
  ssmForward,
  ssmStep,
} from '@s4d/kernel';
import * as tf from '@tensorflow/tfjs-core';
import { dropout, gelu } from './layers/activations.js';
import { Dense } from './layers/dense.js';
import { glu } from './layers/fused_kernels.js';
import {
  geluInference,
  gluResidualInference,
} from './layers/inference_kernels.js';
import { makeVariable, type ParameterMap } from './layers/parameters.js';

/** Names of the SSM parameters, as the reference implementation spells them. */
export const SSM_PARAMETER_NAMES = {
  logDt: 'log_dt',
  logAReal: 'log_A_real',
  aImag: 'A_imag',
  c: 'C',
  d: 'D',
  b: 'B',
} as const;

/** The SSM parameters that take the lower SSM learning rate and no weight decay. */
export const SSM_TIMESCALE_NAMES: readonly string[] = [
  'log_dt',
  'log_A_real',
  'A_imag',
  'B',
];

/**
 * The S4D layer of one block:
 * `y = project(dropout(gelu(causal_conv(u, K) + D * u)))`, where the output
 * projection is a GLU of a dense layer H -> 2H, a dense layer H -> H, or
 * nothing, as `config.ssmOutput` selects.
 */
export class SsmLayer {
  readonly params: SsmParams;
  readonly output: Dense | undefined;
  private readonly config: ModelConfig;

  /**
   * @param config The resolved model config.
   * @param name Name prefix of the variables.
   * @param seed Seed of the initialization.
   */
  constructor(config: ModelConfig, name: string, seed: number) {
    this.config = config;
    const initial = initSsmParams({
      channels: config.hiddenSize,
      stateSize: config.stateSize,
      init: config.init,
      dtMin: config.dtMin,
      dtMax: config.dtMax,
      seed,
    });
    this.params = {
      logDt: makeVariable(
        initial.logDt,
        `${name}.log_dt`,
      ) as tf.Variable<tf.Rank.R1>,
      logAReal: makeVariable(
        initial.logAReal,
        `${name}.log_A_real`,
      ) as tf.Variable<tf.Rank.R2>,
      aImag: makeVariable(
        initial.aImag,
        `${name}.A_imag`,
      ) as tf.Variable<tf.Rank.R2>,
      c: makeVariable(initial.c, `${name}.C`) as tf.Variable<tf.Rank.R3>,
      d: makeVariable(initial.d, `${name}.D`) as tf.Variable<tf.Rank.R1>,
    };

    const hidden = config.hiddenSize;
    if (config.ssmOutput === 'glu') {
      this.output = new Dense(hidden, 2 * hidden, `${name}.output`, seed + 101);
    } else if (config.ssmOutput === 'linear') {
      this.output = new Dense(hidden, hidden, `${name}.output`, seed + 101);
    } else {
      this.output = undefined;
    }
  }

  /** Returns the layer's variables: `log_dt`, `log_A_real`, `A_imag`, `C`, `D`, `output.*`. */
  parameters(): ParameterMap {
    const map: ParameterMap = new Map([
      ['log_dt', this.params.logDt as tf.Variable],
      ['log_A_real', this.params.logAReal as tf.Variable],
      ['A_imag', this.params.aImag as tf.Variable],
      ['C', this.params.c as tf.Variable],
      ['D', this.params.d as tf.Variable],
    ]);
    if (this.output !== undefined) {
      for (const [key, variable] of this.output.parameters()) {
        map.set(`output.${key}`, variable);
      }
    }
    return map;
  }

  /**
   * Runs the layer over a whole sequence.
   *
   * @param u Input, [batch, length, hiddenSize].
   * @param training Whether dropout is active.
   * @param seed Seed of the dropout mask.
   * @returns Output, [batch, length, hiddenSize].
   */
  apply(u: tf.Tensor3D, training: boolean, seed?: number): tf.Tensor3D {
    return tf.tidy(() => {
      const y = ssmForward(u, this.params, {
        discretization: this.config.discretization,
      });
      return this.project(y, training, seed) as tf.Tensor3D;
    });
  }

  /**
   * Runs the layer on one frame in recurrent mode and adds the result to
   * `residual`, with fused forward-only kernels.
   *
   * @param state The SSM state, [batch, hiddenSize, stateSize / 2, 2].
   * @param frame Input, [1, batch, hiddenSize].
   * @param residual Added to the output, [1, batch, hiddenSize].
   * @returns `residual + layer(frame)`, [1, batch, hiddenSize], and the next
   *   state.
   */
  step(
    state: SsmState,
    frame: tf.Tensor3D,
    residual: tf.Tensor3D,
  ): { y: tf.Tensor3D; state: SsmState } {
    const [, batch, hidden] = frame.shape;
    const next = tf.tidy(() => {
      const rows = tf.reshape(frame, [batch, hidden]) as tf.Tensor2D;
      return ssmStep(state, rows, this.params, {
        discretization: this.config.discretization,
      });
    });
    const y = tf.tidy(() => {
      const activated = tf.reshape(geluInference(next.y), [
        1,
        batch,
        hidden,
      ]) as tf.Tensor3D;
      if (this.output === undefined) {
        return tf.add(residual, activated) as tf.Tensor3D;
      }
      const projected = this.output.step.apply(activated);
      if (this.config.ssmOutput === 'glu') {
        return gluResidualInference(residual, projected) as tf.Tensor3D;
      }
      return tf.add(residual, projected) as tf.Tensor3D;
    });
    next.y.dispose();
    return { y, state: next.state };
  }

  /**
   * Consumes a chunk in recurrent mode and adds the result to `residual`.
   *
   * @param state The SSM state, [batch, hiddenSize, stateSize / 2, 2].
   * @param u Input, [batch, length, hiddenSize].
   * @param residual Added to the output, [batch, length, hiddenSize].
   * @returns `residual + layer(u)`, [batch, length, hiddenSize], and the
   *   state after the chunk.
   */
  advance(
    state: SsmState,
    u: tf.Tensor3D,
    residual: tf.Tensor3D,
  ): { y: tf.Tensor3D; state: SsmState } {
    const next = ssmAdvance(state, u, this.params, {
      discretization: this.config.discretization,
    });
    const y = this.projectInference(next.y, residual) as tf.Tensor3D;
    next.y.dispose();
    return { y, state: next.state };
  }

  /**
   * Makes the zero state of this layer.
   *
   * @param batch Batch size.
   * @returns Zeros, [batch, hiddenSize, stateSize / 2, 2].
   */
  initState(batch: number): SsmState {
    return initSsmState(batch, this.params);
  }

  private project(y: tf.Tensor, training: boolean, seed?: number): tf.Tensor {
    let x = gelu(y);
    if (training) {
      x = dropout(x, this.config.dropout, seed);
    }
    if (this.output === undefined) {
      return x;
    }
    const projected = this.output.apply(x);
    return this.config.ssmOutput === 'glu' ? glu(projected) : projected;
  }

  /** Frees the cached weights of the streaming path. */
  disposeStepCache(): void {
    this.output?.step.dispose();
  }

  private projectInference(y: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const activated = geluInference(y);
      if (this.output === undefined) {
        return tf.add(residual, activated);
      }
      const projected = this.output.apply(activated);
      if (this.config.ssmOutput === 'glu') {
        return gluResidualInference(residual, projected);
      }
      return tf.add(residual, projected);
    });
  }

  /** Number of trainable scalars of one SSM layer for `config`. */
  static paramCount(config: ModelConfig): number {
    const hidden = config.hiddenSize;
    const modes = config.stateSize / 2;
    const ssm = hidden + 2 * hidden * modes + 2 * hidden * modes + hidden;
    if (config.ssmOutput === 'glu') {
      return ssm + Dense.paramCount(hidden, 2 * hidden);
    }
    if (config.ssmOutput === 'linear') {
      return ssm + Dense.paramCount(hidden, hidden);
    }
    return ssm;
  }
}
