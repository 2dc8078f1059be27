import * as tf from '@tensorflow/tfjs-core';

/**
 * A [1, in, out] view of one or more dense weights (concatenated along the
 * output axis) and their biases, for streaming steps. It is rebuilt whenever
 * one of the source variables gets new data (tfjs gives every
 * `Variable.assign` new data), so it never outlives a parameter update.
 */
export class StepMatMul {
  private sources: object[] = [];
  private weight: tf.Tensor3D | undefined;
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
   * one matMul kernel call and no reshape.
   *
   * @param x Input, [1, rows, in].
   * @returns Output, [1, rows, sum of out_i].
   */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    this.refresh();
    return tf.engine().runKernel(
      '_FusedMatMul',
      { a: x, b: this.weight as tf.Tensor3D, bias: this.bias as tf.Tensor1D },
      {
        transposeA: false,
        transposeB: false,
        activation: 'linear',
        leakyreluAlpha: 0,
      },
    ) as tf.Tensor3D;
  }

  /** Frees the cached weight and bias. */
  dispose(): void {
    tf.dispose([this.weight, this.bias].filter((t) => t !== undefined));
    this.weight = undefined;
    this.bias = undefined;
    this.sources = [];
  }

  private refresh(): void {
    const sources = this.layers.flatMap(({ weight, bias }) => [
      weight.dataId,
      bias.dataId,
    ]);
    const fresh =
      this.weight !== undefined &&
      sources.every((id, index) => id === this.sources[index]);
    if (fresh) {
      return;
    }

    this.dispose();
    const [weight, bias] = tf.tidy(() => {
      const weights = this.layers.map(({ weight }) => weight);
      const biases = this.layers.map(({ bias }) => bias);
      const joined =
        weights.length === 1
          ? (weights[0] as tf.Variable)
          : tf.concat(weights, 1);
      const joinedBias =
        biases.length === 1
          ? tf.clone(biases[0] as tf.Variable)
          : tf.concat(biases, 0);
      return [
        tf.expandDims(joined, 0) as tf.Tensor3D,
        joinedBias as tf.Tensor1D,
      ];
    });
    // keep: the first call may come inside a caller's tf.tidy, which would
    // otherwise dispose the cache when it ends.
    this.weight = tf.keep(weight);
    this.bias = tf.keep(bias);
    this.sources = sources;
  }
}
