import { ADAMW_DEFAULTS, type ParameterGroup } from './adamw.js';
import { adamwUpdate } from './adamw_kernel.js';

/** The place of one parameter in a flat buffer of all parameters. */
export interface FlatSlice {
  name: string;
  /** Index of its first element. */
  offset: number;
  /** Number of elements. */
  size: number;
}

/**
 * Lays the named parameters out end to end, in the order of `names`.
 *
 * @returns Each parameter's slice, and `P`, the number of elements in all.
 */
export function flatLayout(
  names: string[],
  parameters: Map<string, { size: number }>,
): { slices: FlatSlice[]; total: number } {
  const slices: FlatSlice[] = [];
  let total = 0;
  for (const name of names) {
    const size = (parameters.get(name) as { size: number }).size;
    slices.push({ name, offset: total, size });
    total += size;
  }
  return { slices, total };
}

/** Parameters and their moments, each end to end in one buffer, `[P]`. */
export interface FlatState {
  parameters: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/**
 * AdamW on parameters, gradients and moments laid out end to end in flat
 * float32 buffers, for workers that update shared state. Each element's
 * update is the float64 formula of `AdamW` (`adamwUpdate`) with its
 * parameter's group learning rate and weight decay, so the two optimizers
 * agree up to float32 rounding of their inputs. An update can cover a range
 * of elements, so that workers can split one update between them.
 */
export class FlatAdamW {
  private readonly settings: {
    slice: FlatSlice;
    learningRate: number;
    weightDecay: number;
  }[] = [];

  /**
   * @param slices Every parameter's place in the flat buffers.
   * @param groups The parameter groups, by the slices' names.
   * @throws RangeError if a slice is in no group.
   */
  constructor(slices: FlatSlice[], groups: ParameterGroup[]) {
    for (const slice of slices) {
      const group = groups.find((entry) => entry.names.includes(slice.name));
      if (group === undefined) {
        throw new RangeError(
          `FlatAdamW: parameter ${JSON.stringify(slice.name)} is in no group.`,
        );
      }
      this.settings.push({
        slice,
        learningRate: group.learningRate,
        weightDecay: group.weightDecay,
      });
    }
  }

  /**
   * Applies update number `iteration` (1-based) to the elements
   * `[start, end)` of the state, in place.
   *
   * @param grad The gradients of all parameters, `[P]`.
   * @param factor The schedule's factor on every group's learning rate.
   */
  apply(
    state: FlatState,
    grad: Float32Array,
    factor: number,
    iteration: number,
    start = 0,
    end = grad.length,
  ): void {
    const { beta1, beta2, epsilon } = ADAMW_DEFAULTS;
    const correction1 = 1 - beta1 ** iteration;
    const correction2 = 1 - beta2 ** iteration;

    for (const { slice, learningRate, weightDecay } of this.settings) {
      const from = Math.max(start, slice.offset);
      const to = Math.min(end, slice.offset + slice.size);
      if (from >= to) {
        continue;
      }
      const range = (array: Float32Array) => array.subarray(from, to);
      const parameters = range(state.parameters);
      const m = range(state.m);
      const v = range(state.v);
      adamwUpdate(
        {
          beta1,
          beta2,
          epsilon,
          correction1,
          correction2,
          learningRate: factor * learningRate,
          weightDecay,
        },
        parameters,
        m,
        v,
        range(grad),
        parameters,
        m,
        v,
      );
    }
  }
}
