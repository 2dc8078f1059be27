import * as tf from '@tensorflow/tfjs-core';
import { canGemv, gemvInference, packGemvWeight } from './gemv.js';

/**
 * Cached weights of one or more dense layers (concatenated along the output
 * axis) and their biases, for streaming steps. The caches are rebuilt
 * whenever one of the source variables gets new data (tfjs gives every
 * `Variable.assign` new data), so they never outlive a parameter update.
 */
export class StepMatMul {
  private sources: object[] = [];
  /** [1, in, out], for tfjs's matMul; built on first use. */
  private weight: tf.Tensor3D | undefined;
  /** The weights packed for `gemvInference`; built on first use. */
  private packed: tf.Tensor1D | undefined;
  private bias: tf.Tensor1D | undefined;

  /**
   * @param layers The dense layers whose outputs are concatenated, each with
   *   `weight` [in, out_i] and `bias` [out_i].
   */
  constructor(
    private readonly layers: readonly {
      weight: tf.Variable;
      bias: tf.Variable;
    }[],
  ) {}

  /**
   * Multiplies the last axis of `x` by the weights and adds the biases, with
   * one kernel call and no reshape: the WASM SIMD `gemvInference` for one
   * row, where it runs, and tfjs's fused matMul otherwise.
   *
   * @param x Input, [1, rows, in].
   * @returns Output, [1, rows, sum of out_i].
   */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    this.refresh();
    const bias = this.bias as tf.Tensor1D;
    const inputs = this.layers[0]?.weight.shape[0] ?? 0;
    const outputs = bias.shape[0];
    if (x.shape[1] === 1 && canGemv(outputs)) {
      this.packed ??= keep(() =>
        tf.tensor1d(packGemvWeight(this.joined().dataSync(), inputs, outputs)),
      );
      return gemvInference(x, this.packed, bias, inputs, outputs);
    }

    this.weight ??= keep(() => tf.expandDims<tf.Tensor3D>(this.joined(), 0));
    return tf.engine().runKernel(
      '_FusedMatMul',
      { a: x, b: this.weight as tf.Tensor3D, bias },
      {
        transposeA: false,
        transposeB: false,
        activation: 'linear',
        leakyreluAlpha: 0,
      },
    ) as tf.Tensor3D;
  }

  /** Frees the cached weights and bias. */
  dispose(): void {
    tf.dispose(
      [this.weight, this.packed, this.bias].filter((t) => t !== undefined),
    );
    this.weight = undefined;
    this.packed = undefined;
    this.bias = undefined;
    this.sources = [];
  }

  /** Joins the weights along the output axis, [in, out]; call it in a tidy. */
  private joined(): tf.Tensor2D {
    const weights = this.layers.map(({ weight }) => weight);
    return weights.length === 1
      ? (weights[0] as unknown as tf.Tensor2D)
      : tf.concat2d(weights as unknown as tf.Tensor2D[], 1);
  }

  private refresh(): void {
    const sources = this.layers.flatMap(({ weight, bias }) => [
      weight.dataId,
      bias.dataId,
    ]);
    const fresh =
      this.bias !== undefined &&
      sources.every((id, index) => id === this.sources[index]);
    if (fresh) {
      return;
    }

    this.dispose();
    const biases = this.layers.map(({ bias }) => bias);
    this.bias = keep(() =>
      biases.length === 1
        ? tf.clone(biases[0] as unknown as tf.Tensor1D)
        : tf.concat1d(biases as unknown as tf.Tensor1D[]),
    );
    this.sources = sources;
  }
}

/**
 * Runs `make` in a tidy and keeps its result: the first call may come inside
 * a caller's tf.tidy, which would otherwise dispose the cache when it ends.
 */
function keep<T extends tf.Tensor>(make: () => T): T {
  return tf.keep(tf.tidy(make));
}
