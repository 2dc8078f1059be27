import * as tf from '@tensorflow/tfjs-core';
import {
  erf,
  fillOutputs,
  registerKernels,
  shapeOf,
  sigmoid,
} from './kernel_io.js';

// Fused forward-only kernels for streaming inference. At batch 1 a model step
// is dominated by tfjs's per-op dispatch cost, not arithmetic, so each of
// these replaces a chain of 3 to 8 elementwise ops with one plain-JS loop.
// They have no gradients; training goes through tfjs op compositions and the
// kernels of `fused_kernels.ts`.

const GELU = 'S4dGeluInference';
const GLU_RESIDUAL = 'S4dGluResidualInference';
const SWIGLU_PAIR = 'S4dSwigluPairInference';

const kernels: Omit<tf.KernelConfig, 'backendName'>[] = [
  {
    kernelName: GELU,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as Record<string, tf.TensorInfo>;
      const [y] = fillOutputs(backend, [shapeOf(x)], [x], ([out], [xs]) => {
        const output = out as Float32Array;
        const values = xs as Float32Array;
        for (let i = 0; i < values.length; i++) {
          const value = values[i] as number;
          output[i] = 0.5 * value * (1 + erf(value * Math.SQRT1_2));
        }
      });
      return y as tf.TensorInfo;
    },
  },
  {
    kernelName: GLU_RESIDUAL,
    kernelFunc: ({ inputs, backend }) => {
      const { residual, projected } = inputs as Record<string, tf.TensorInfo>;
      const shape = shapeOf(residual);
      const size = shape[shape.length - 1] ?? 1;
      const [y] = fillOutputs(
        backend,
        [shape],
        [residual, projected],
        ([out], [base, values]) => {
          const output = out as Float32Array;
          const pairs = values as Float32Array;
          for (let row = 0; row < output.length / size; row++) {
            for (let i = 0; i < size; i++) {
              const value = pairs[2 * row * size + i] ?? 0;
              const gate = pairs[2 * row * size + size + i] ?? 0;
              output[row * size + i] =
                ((base as Float32Array)[row * size + i] ?? 0) +
                value * sigmoid(gate);
            }
          }
        },
      );
      return y as tf.TensorInfo;
    },
  },
  {
    kernelName: SWIGLU_PAIR,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as Record<string, tf.TensorInfo>;
      const shape = shapeOf(x);
      const size = (shape[shape.length - 1] ?? 2) / 2;
      const [y] = fillOutputs(
        backend,
        [[...shape.slice(0, -1), size]],
        [x],
        ([out], [values]) => {
          const output = out as Float32Array;
          const pairs = values as Float32Array;
          for (let row = 0; row < output.length / size; row++) {
            for (let i = 0; i < size; i++) {
              const g = pairs[2 * row * size + i] ?? 0;
              const up = pairs[2 * row * size + size + i] ?? 0;
              output[row * size + i] = g * sigmoid(g) * up;
            }
          }
        },
      );
      return y as tf.TensorInfo;
    },
  },
];

registerKernels(kernels);

/**
 * Applies exact GELU, forward only.
 *
 * @param x Any shape.
 * @returns The same shape.
 */
export function geluInference(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU, { x }) as tf.Tensor;
}

/**
 * Computes `residual + value * sigmoid(gate)`, where `value` and `gate` are
 * the two halves of the last axis of `projected`, forward only.
 *
 * @param residual [..., size].
 * @param projected [..., 2 * size].
 * @returns [..., size].
 */
export function gluResidualInference(
  residual: tf.Tensor,
  projected: tf.Tensor,
): tf.Tensor {
  return tf
    .engine()
    .runKernel(GLU_RESIDUAL, { residual, projected }) as tf.Tensor;
}

/**
 * Computes `silu(gate) * up`, where `gate` and `up` are the two halves of the
 * last axis of `x`, forward only.
 *
 * @param x [..., 2 * size].
 * @returns [..., size].
 */
export function swigluPairInference(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SWIGLU_PAIR, { x }) as tf.Tensor;
}
