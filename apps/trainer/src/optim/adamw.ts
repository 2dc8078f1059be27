import type * as tfc from '@tensorflow/tfjs-core';
import { ADAMW_UPDATE, type AdamWUpdateAttrs } from './adamw_kernel.js';

type Tf = typeof tfc;

/** The hyperparameters of one parameter group. */
export interface ParameterGroup {
  /** Parameter names in this group. */
  names: string[];
  learningRate: number;
  weightDecay: number;
}

/** The usual betas and epsilon of Adam, which `AdamW` and `FlatAdamW` use. */
export const ADAMW_DEFAULTS = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
} as const;

/** Options of `AdamW`; the betas and epsilon default to `ADAMW_DEFAULTS`. */
export interface AdamWOptions {
  groups: ParameterGroup[];
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight
 * Decay Regularization", ICLR 2019), per parameter group. At step t (1-based)
 * with factor s from the schedule, lr = s * group.learningRate, and for each
 * parameter p with gradient g:
 *
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     p = p - lr * weightDecay * p
 *           - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
 *
 * The moments are the optimizer state that a checkpoint stores. Each
 * parameter's update is one kernel call (`ADAMW_UPDATE`), in float64.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly groups: ParameterGroup[];
  private readonly moments = new Map<
    string,
    { m: tfc.Variable; v: tfc.Variable }
  >();
  private steps = 0;

  constructor(
    private readonly tf: Tf,
    private readonly parameters: Map<string, tfc.Variable>,
    options: AdamWOptions,
  ) {
    this.beta1 = options.beta1 ?? ADAMW_DEFAULTS.beta1;
    this.beta2 = options.beta2 ?? ADAMW_DEFAULTS.beta2;
    this.epsilon = options.epsilon ?? ADAMW_DEFAULTS.epsilon;
    this.groups = options.groups;

    const seen = new Set<string>();
    for (const group of this.groups) {
      for (const name of group.names) {
        const parameter = parameters.get(name);
        if (parameter === undefined) {
          throw new RangeError(
            `AdamW: group parameter ${JSON.stringify(name)} is not a model parameter.`,
          );
        }
        if (seen.has(name)) {
          throw new RangeError(
            `AdamW: parameter ${JSON.stringify(name)} is in more than one group.`,
          );
        }
        seen.add(name);
        const zeros = tf.zerosLike(parameter);
        this.moments.set(name, {
          m: tf.variable(zeros, false),
          v: tf.variable(zeros, false),
        });
        zeros.dispose();
      }
    }
    for (const name of parameters.keys()) {
      if (!seen.has(name)) {
        throw new RangeError(
          `AdamW: parameter ${JSON.stringify(name)} is in no group.`,
        );
      }
    }
  }

  /** Number of updates applied so far (t of the last update). */
  get iterations(): number {
    return this.steps;
  }

  /**
   * Applies one update from `grads` (the caller keeps ownership of them).
   *
   * @param grads A gradient for every parameter, keyed by parameter name.
   * @param factor The schedule's factor on every group's learning rate.
   */
  apply(grads: Map<string, tfc.Tensor>, factor: number): void {
    const tf = this.tf;
    this.steps++;
    const t = this.steps;
    const correction1 = 1 - this.beta1 ** t;
    const correction2 = 1 - this.beta2 ** t;

    for (const group of this.groups) {
      const lr = factor * group.learningRate;
      for (const name of group.names) {
        const grad = grads.get(name);
        if (grad === undefined) {
          throw new RangeError(
            `AdamW.apply: no gradient for parameter ${JSON.stringify(name)}.`,
          );
        }
        const parameter = this.parameters.get(name) as tfc.Variable;
        const { m, v } = this.moments.get(name) as {
          m: tfc.Variable;
          v: tfc.Variable;
        };
        if (grad.shape.join(',') !== parameter.shape.join(',')) {
          throw new RangeError(
            `AdamW.apply: the gradient of ${JSON.stringify(name)} must have shape [${parameter.shape}], got [${grad.shape}].`,
          );
        }
        const attrs: AdamWUpdateAttrs = {
          beta1: this.beta1,
          beta2: this.beta2,
          epsilon: this.epsilon,
          correction1,
          correction2,
          learningRate: lr,
          weightDecay: group.weightDecay,
        };
        const next = tf
          .engine()
          .runKernel(
            ADAMW_UPDATE,
            { parameter, m, v, grad },
            attrs as unknown as tfc.NamedAttrMap,
          ) as tfc.Tensor[];
        parameter.assign(next[0] as tfc.Tensor);
        m.assign(next[1] as tfc.Tensor);
        v.assign(next[2] as tfc.Tensor);
        tf.dispose(next);
      }
    }
  }

  /**
   * Returns copies of the moments keyed `<name>.m` and `<name>.v`, which the
   * caller owns, for a checkpoint.
   */
  getState(): Map<string, tfc.Tensor> {
    const state = new Map<string, tfc.Tensor>();
    for (const [name, { m, v }] of this.moments) {
      state.set(`${name}.m`, this.tf.clone(m));
      state.set(`${name}.v`, this.tf.clone(v));
    }
    return state;
  }

  /**
   * Restores moments saved by `getState` and the update count.
   *
   * @throws RangeError if a moment is missing or has another shape.
   */
  setState(state: Map<string, tfc.Tensor>, iterations: number): void {
    for (const [name, moment] of this.moments) {
      for (const key of ['m', 'v'] as const) {
        const saved = state.get(`${name}.${key}`);
        if (saved === undefined) {
          throw new RangeError(
            `AdamW.setState: missing optimizer state ${name}.${key}.`,
          );
        }
        const target = moment[key];
        if (saved.shape.join(',') !== target.shape.join(',')) {
          throw new RangeError(
            `AdamW.setState: ${name}.${key} must have shape [${target.shape}], got [${saved.shape}].`,
          );
        }
        target.assign(saved);
      }
    }
    this.steps = iterations;
  }

  /** Releases the moment variables. */
  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}
