import * as tf from '@tensorflow/tfjs-core';
import { ModelError } from '../errors.js';
import {
  fillOutputs,
  registerGradients,
  registerKernels,
  shapeOf,
  weightedGradient,
  withSigmoid,
} from './kernel_io.js';
import { LAYER_NORM_EPSILON } from './layer_norm_epsilon.js';

// Layer norm and GLU as one kernel call forward and one backward. As tfjs op
// compositions each took tens of kernel calls per training step, and at the
// model sizes this package targets that dispatch cost outweighed their
// arithmetic. Fused, they also run faster at batch 16 and 32. (GELU and
// SwiGLU stay compositions: their transcendentals are faster in tfjs's
// vectorized kernels than in a JS loop.) The kernels compute in float64 and
// round their outputs to float32. The backward kernels have no gradients of
// their own, so these layers support first-order gradients only.

const LAYER_NORM = 'S4dLayerNorm';
const LAYER_NORM_GRAD = 'S4dLayerNormGrad';
const GLU = 'S4dGlu';
const GLU_GRAD = 'S4dGluGrad';

type Inputs = Record<string, tf.TensorInfo | undefined>;

/** Returns the size of the last axis of a shape. */
function lastAxis(shape: number[]): number {
  return shape[shape.length - 1] ?? 1;
}

/**
 * Returns the mean and the reciprocal standard deviation of `size` values
 * from `start`. One pass of float64 sums serves for most rows. Where the
 * variance is below 1e-6 of the squared mean, that formula loses accuracy,
 * so a second pass sums the centered squares.
 */
function rowMoments(
  xs: Float32Array,
  start: number,
  size: number,
): { mean: number; inverse: number } {
  let sum = 0;
  let squares = 0;
  for (let i = start; i < start + size; i++) {
    const value = xs[i] as number;
    sum += value;
    squares += value * value;
  }
  const mean = sum / size;
  let variance = squares / size - mean * mean;
  if (variance < 1e-6 * mean * mean) {
    variance = 0;
    for (let i = start; i < start + size; i++) {
      const centered = (xs[i] as number) - mean;
      variance += centered * centered;
    }
    variance /= size;
  }
  return { mean, inverse: 1 / Math.sqrt(variance + LAYER_NORM_EPSILON) };
}

const kernels: Omit<tf.KernelConfig, 'backendName'>[] = [
  {
    kernelName: LAYER_NORM,
    kernelFunc: ({ inputs, backend }) => {
      const { x, weight, bias } = inputs as Inputs;
      const shape = shapeOf(x);
      const size = lastAxis(shape);
      const [y] = fillOutputs(
        backend,
        [shape],
        [x, weight, bias],
        ([out], [xs, scale, shift]) => {
          const output = out as Float32Array;
          const values = xs as Float32Array;
          for (let start = 0; start < values.length; start += size) {
            const { mean, inverse } = rowMoments(values, start, size);
            for (let i = 0; i < size; i++) {
              output[start + i] =
                ((values[start + i] as number) - mean) *
                  inverse *
                  ((scale as Float32Array)[i] as number) +
                ((shift as Float32Array)[i] as number);
            }
          }
        },
      );
      return y as tf.TensorInfo;
    },
  },
  {
    kernelName: LAYER_NORM_GRAD,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, weight } = inputs as Inputs;
      const shape = shapeOf(x);
      const size = lastAxis(shape);
      return fillOutputs(
        backend,
        [shape, [size], [size]],
        [dy, x, weight],
        ([dxOut, dWeightOut, dBiasOut], [dys, xs, scale]) => {
          const dx = dxOut as Float32Array;
          const grads = dys as Float32Array;
          const values = xs as Float32Array;
          const w = scale as Float32Array;
          const dWeight = new Float64Array(size);
          const dBias = new Float64Array(size);
          for (let start = 0; start < values.length; start += size) {
            const { mean, inverse } = rowMoments(values, start, size);
            let meanGrad = 0;
            let meanGradNormed = 0;
            for (let i = 0; i < size; i++) {
              const g = grads[start + i] as number;
              const normed = ((values[start + i] as number) - mean) * inverse;
              const scaled = g * (w[i] as number);
              meanGrad += scaled;
              meanGradNormed += scaled * normed;
              dWeight[i] = (dWeight[i] as number) + g * normed;
              dBias[i] = (dBias[i] as number) + g;
            }
            meanGrad /= size;
            meanGradNormed /= size;
            for (let i = 0; i < size; i++) {
              const g = grads[start + i] as number;
              const normed = ((values[start + i] as number) - mean) * inverse;
              dx[start + i] =
                inverse *
                (g * (w[i] as number) - meanGrad - normed * meanGradNormed);
            }
          }
          (dWeightOut as Float32Array).set(dWeight);
          (dBiasOut as Float32Array).set(dBias);
        },
      );
    },
  },
  {
    kernelName: GLU,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as Inputs;
      const shape = shapeOf(x);
      const size = lastAxis(shape) / 2;
      // The sigmoid of both halves costs less than a strided copy of one.
      const [y] = withSigmoid(backend, x, (gates) =>
        fillOutputs(
          backend,
          [[...shape.slice(0, -1), size]],
          [x, gates],
          ([out], [xs, sigmoids]) => {
            const output = out as Float32Array;
            const pairs = xs as Float32Array;
            const s = sigmoids as Float32Array;
            for (let row = 0; row < output.length / size; row++) {
              const start = 2 * row * size;
              for (let i = 0; i < size; i++) {
                output[row * size + i] =
                  (pairs[start + i] as number) *
                  (s[start + size + i] as number);
              }
            }
          },
        ),
      );
      return y as tf.TensorInfo;
    },
  },
  {
    kernelName: GLU_GRAD,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as Inputs;
      const shape = shapeOf(x);
      const size = lastAxis(shape) / 2;
      const [dx] = withSigmoid(backend, x, (gates) =>
        fillOutputs(
          backend,
          [shape],
          [dy, x, gates],
          ([out], [dys, xs, sigmoids]) => {
            const output = out as Float32Array;
            const grads = dys as Float32Array;
            const pairs = xs as Float32Array;
            const s = sigmoids as Float32Array;
            for (let row = 0; row < grads.length / size; row++) {
              const start = 2 * row * size;
              for (let i = 0; i < size; i++) {
                const g = grads[row * size + i] as number;
                const gate = s[start + size + i] as number;
                output[start + i] = g * gate;
                output[start + size + i] =
                  g * (pairs[start + i] as number) * gate * (1 - gate);
              }
            }
          },
        ),
      );
      return dx as tf.TensorInfo;
    },
  },
];

registerKernels(kernels);

const run = (name: string, inputs: tf.NamedTensorMap) =>
  tf.engine().runKernel(name, inputs);

registerGradients([
  weightedGradient(LAYER_NORM, LAYER_NORM_GRAD),
  {
    kernelName: GLU,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () =>
        run(GLU_GRAD, {
          dy: dy as tf.Tensor,
          x: saved[0] as tf.Tensor,
        }) as tf.Tensor,
    }),
  },
]);

/**
 * Layer normalization over the last axis, `(x - mean) / sqrt(var + 1e-5) *
 * weight + bias`, as one kernel with a fused gradient.
 *
 * @param x Input, [..., size].
 * @param weight Scale, [size].
 * @param bias Shift, [size].
 * @returns Output, [..., size].
 * @throws ModelError if `weight` or `bias` is not [size].
 */
export function layerNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor {
  const size = lastAxis(x.shape);
  for (const [name, tensor] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (tensor.rank !== 1 || tensor.shape[0] !== size) {
      throw new ModelError(
        `layerNorm: ${name} must have shape [${size}] to match the last axis of x, got [${tensor.shape}].`,
      );
    }
  }
  return run(LAYER_NORM, { x, weight, bias }) as tf.Tensor;
}

/**
 * GLU over the last axis: the first half times the sigmoid of the second,
 * as one kernel with a fused gradient.
 *
 * @param x Input, [..., 2 * size].
 * @returns Output, [..., size].
 * @throws ModelError if the last axis of `x` is odd.
 */
export function glu(x: tf.Tensor): tf.Tensor {
  if (x.rank === 0 || lastAxis(x.shape) % 2 !== 0) {
    throw new ModelError(
      `glu: the last axis of x must have an even size, got shape [${x.shape}].`,
    );
  }
  return run(GLU, { x }) as tf.Tensor;
}
