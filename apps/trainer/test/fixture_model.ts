import { parseModelConfig } from '@s4d/config';
import type * as tfc from '@tensorflow/tfjs-core';
import type { SequenceModel, Tf } from '../src/contracts.js';
import { Rng } from '../src/rng.js';

/**
 * A small sequence encoder with the `SequenceModel` shape, for testing the
 * training loop without the S4D layers: `h = tanh(mean_t(x W + b) * exp(s))`
 * where `s` (`blocks.0.ssm.log_dt`) stands in for the SSM group.
 */
export function buildFixtureModel(
  tf: Tf,
  embedDim: number,
  hiddenSize: number,
  seed: number,
): SequenceModel {
  const rng = new Rng(seed);
  const values = Float32Array.from(
    { length: embedDim * hiddenSize },
    () => (2 * rng.next() - 1) / Math.sqrt(embedDim),
  );
  const initialWeight = tf.tensor2d(values, [embedDim, hiddenSize]);
  const initialZeros = tf.zeros([hiddenSize]);
  const weight = tf.variable(initialWeight, true);
  const bias = tf.variable(initialZeros, true);
  const logDt = tf.variable(initialZeros, true);
  tf.dispose([initialWeight, initialZeros]);
  const parameters = new Map<string, tfc.Variable>([
    ['blocks.0.ssm.log_dt', logDt],
    ['input.bias', bias],
    ['input.weight', weight],
  ]);
  return {
    config: parseModelConfig({ embedDim, hiddenSize, output: 'mean' }),
    apply(x: tfc.Tensor3D): tfc.Tensor {
      return tf.tidy(() => {
        const [batch, length] = x.shape;
        const flat = tf.reshape(x, [batch * length, embedDim]);
        const projected = tf.add(tf.matMul(flat, weight), bias);
        const pooled = tf.mean(
          tf.reshape(projected, [batch, length, hiddenSize]),
          1,
        );
        return tf.tanh(tf.mul(pooled, tf.exp(logDt)));
      });
    },
    parameters: () => new Map(parameters),
    parameterGroups: () => ({
      ssm: ['blocks.0.ssm.log_dt'],
      other: ['input.bias', 'input.weight'],
    }),
    dispose: () => {
      for (const variable of parameters.values()) {
        variable.dispose();
      }
    },
  };
}
