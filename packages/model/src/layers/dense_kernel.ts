import * as tf from '@tensorflow/tfjs-core';
import { ModelError } from '../errors.js';
import {
  registerGradients,
  registerKernels,
  runBackendKernel,
  weightedGradient,
} from './kernel_io.js';

// A dense layer, `x W + b` over the last axis of `x`, as one kernel call
// forward and one backward. Each runs the backend's own matMul kernels on
// reshaped views of its inputs, outside the engine. As tfjs ops, one layer
// took about 25 kernel calls per training step, counting the reshapes around
// a fused matMul and their tape entries. Now it takes six, counting the
// engine's copies of the two saved inputs. The backward kernel has no
// gradient of its own, so the layer supports first-order gradients only.

const DENSE = 'S4dDense';
const DENSE_GRAD = 'S4dDenseGrad';

/** Returns a view of `info` as a [1, rows, columns] matrix, sharing its data. */
function matrix(
  info: tf.TensorInfo,
  rows: number,
  columns: number,
): tf.TensorInfo {
  return { dataId: info.dataId, shape: [1, rows, columns], dtype: 'float32' };
}

/** Returns the sizes of a dense kernel's operands. */
function sizes(x: tf.TensorInfo, weight: tf.TensorInfo) {
  const inFeatures = weight.shape[0] ?? 1;
  const outFeatures = weight.shape[1] ?? 1;
  const rows = tf.util.sizeFromShape(x.shape) / inFeatures;
  return { inFeatures, outFeatures, rows };
}

const kernels: Omit<tf.KernelConfig, 'backendName'>[] = [
  {
    kernelName: DENSE,
    kernelFunc: ({ inputs, backend }) => {
      const { x, weight, bias } = inputs as Record<
        'x' | 'weight' | 'bias',
        tf.TensorInfo
      >;
      const { inFeatures, outFeatures, rows } = sizes(x, weight);
      const y = runBackendKernel(
        '_FusedMatMul',
        backend,
        {
          a: matrix(x, rows, inFeatures),
          b: matrix(weight, inFeatures, outFeatures),
          bias,
        },
        { transposeA: false, transposeB: false, activation: 'linear' },
      );
      y.shape = [...x.shape.slice(0, -1), outFeatures];
      return y;
    },
  },
  {
    kernelName: DENSE_GRAD,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, weight } = inputs as Record<
        'dy' | 'x' | 'weight',
        tf.TensorInfo
      >;
      const { inFeatures, outFeatures, rows } = sizes(x, weight);
      const dyMatrix = matrix(dy, rows, outFeatures);
      const dx = runBackendKernel(
        'BatchMatMul',
        backend,
        { a: dyMatrix, b: matrix(weight, inFeatures, outFeatures) },
        { transposeA: false, transposeB: true },
      );
      dx.shape = [...x.shape];
      const dWeight = runBackendKernel(
        'BatchMatMul',
        backend,
        { a: matrix(x, rows, inFeatures), b: dyMatrix },
        { transposeA: true, transposeB: false },
      );
      dWeight.shape = [inFeatures, outFeatures];

      const dBias = runBackendKernel(
        'Sum',
        backend,
        {
          x: {
            dataId: dy.dataId,
            shape: [rows, outFeatures],
            dtype: 'float32',
          },
        },
        { axis: [0], keepDims: false },
      );
      return [dx, dWeight, dBias];
    },
  },
];

registerKernels(kernels);

registerGradients([weightedGradient(DENSE, DENSE_GRAD)]);

/**
 * Applies `x W + b` to the last axis of `x` as one kernel with a fused
 * gradient.
 *
 * @param x Input, [..., inFeatures], float32.
 * @param weight [inFeatures, outFeatures].
 * @param bias [outFeatures].
 * @returns Output, [..., outFeatures].
 * @throws ModelError if the shapes do not fit together.
 */
export function dense(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor {
  const [inFeatures, outFeatures] = weight.shape;
  if (weight.rank !== 2 || x.rank === 0 || x.shape[x.rank - 1] !== inFeatures) {
    throw new ModelError(
      `dense: x [${x.shape}] and weight [${weight.shape}] must be [..., n] and [n, m].`,
    );
  }
  if (bias.rank !== 1 || bias.shape[0] !== outFeatures) {
    throw new ModelError(
      `dense: bias must have shape [${outFeatures}], got [${bias.shape}].`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new ModelError(`dense: x must be float32, got ${x.dtype}.`);
  }
  return tf.engine().runKernel(DENSE, { x, weight, bias }) as tf.Tensor;
}
