import * as tf from '@tensorflow/tfjs-core';
import { LAYER_NORM_EPSILON } from './layer_norm_epsilon.js';

// Fused forward-only kernels for streaming inference. At batch 1 a model step
// is dominated by tfjs's per-op dispatch cost, not arithmetic, so each of
// these replaces a chain of 3 to 8 elementwise ops with one plain-JS loop.
// They have no gradients: training goes through the tfjs op compositions.

const LAYER_NORM = 'S4dLayerNormInference';
const GELU = 'S4dGeluInference';
const GLU_RESIDUAL = 'S4dGluResidualInference';
const SWIGLU = 'S4dSwigluInference';
const SWIGLU_PAIR = 'S4dSwigluPairInference';

interface WasmBackendIo {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuBackendIo {
  makeTensorInfo(
    shape: number[],
    dtype: 'float32',
    values: Float32Array,
  ): tf.TensorInfo;
}

/**
 * Allocates an output, lets `fill` write it from the input values, and
 * returns it. On WASM the inputs are read and the output written where they
 * lie in the backend's heap, with no copies. The input views are taken after
 * the output is allocated, because that can grow the heap and detach older
 * views.
 * The input views may alias backend memory, so `fill` must not write them.
 */
function output(
  backend: object,
  shape: number[],
  inputs: (tf.TensorInfo | undefined)[],
  fill: (values: Float32Array, ...inputs: Float32Array[]) => void,
): tf.TensorInfo {
  const present = inputs.map((info) => {
    if (info === undefined) {
      throw new Error('inference kernel: missing input.');
    }
    return info;
  });
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmBackendIo;
    const info = wasm.makeOutput(shape, 'float32');
    fill(
      wasm.typedArrayFromHeap(info),
      ...present.map((input) => wasm.typedArrayFromHeap(input)),
    );
    return info;
  }
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  const cpu = backend as tf.KernelBackend;
  fill(
    values,
    ...present.map((input) => cpu.readSync(input.dataId) as Float32Array),
  );
  return (backend as unknown as CpuBackendIo).makeTensorInfo(
    shape,
    'float32',
    values,
  );
}

/**
 * Approximates erf(x) with Abramowitz and Stegun's formula 7.1.26 (absolute
 * error below 1.5e-7, under float32 rounding of the GELU inputs here).
 */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t *
    (0.254829592 +
      t *
        (-0.284496736 +
          t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

function shapeOf(info: tf.TensorInfo | undefined): number[] {
  return info?.shape ?? [];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const kernels: Omit<tf.KernelConfig, 'backendName'>[] = [
  {
    kernelName: LAYER_NORM,
    kernelFunc: ({ inputs, backend }) => {
      const { x, weight, bias } = inputs as Record<string, tf.TensorInfo>;
      const shape = shapeOf(x);
      const size = shape[shape.length - 1] ?? 1;
      return output(
        backend,
        shape,
        [x, weight, bias],
        (out, xs, scale, shift) => {
          for (let start = 0; start < xs.length; start += size) {
            let mean = 0;
            for (let i = 0; i < size; i++) mean += xs[start + i] ?? 0;
            mean /= size;
            let variance = 0;
            for (let i = 0; i < size; i++) {
              const centered = (xs[start + i] ?? 0) - mean;
              variance += centered * centered;
            }
            const inverse = 1 / Math.sqrt(variance / size + LAYER_NORM_EPSILON);
            for (let i = 0; i < size; i++) {
              out[start + i] =
                ((xs[start + i] ?? 0) - mean) * inverse * (scale[i] ?? 1) +
                (shift[i] ?? 0);
            }
          }
        },
      );
    },
  },
  {
    kernelName: GELU,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as Record<string, tf.TensorInfo>;
      return output(backend, shapeOf(x), [x], (out, xs) => {
        for (let i = 0; i < xs.length; i++) {
          const value = xs[i] ?? 0;
          out[i] = 0.5 * value * (1 + erf(value * Math.SQRT1_2));
        }
      });
    },
  },
  {
    kernelName: GLU_RESIDUAL,
    kernelFunc: ({ inputs, backend }) => {
      const { residual, projected } = inputs as Record<string, tf.TensorInfo>;
      const shape = shapeOf(residual);
      const size = shape[shape.length - 1] ?? 1;
      return output(
        backend,
        shape,
        [residual, projected],
        (out, base, pairs) => {
          for (let row = 0; row < base.length / size; row++) {
            for (let i = 0; i < size; i++) {
              const value = pairs[2 * row * size + i] ?? 0;
              const gate = pairs[2 * row * size + size + i] ?? 0;
              out[row * size + i] =
                (base[row * size + i] ?? 0) + value * sigmoid(gate);
            }
          }
        },
      );
    },
  },
  {
    kernelName: SWIGLU,
    kernelFunc: ({ inputs, backend }) => {
      const { gate, up } = inputs as Record<string, tf.TensorInfo>;
      return output(backend, shapeOf(gate), [gate, up], (out, gates, ups) => {
        for (let i = 0; i < gates.length; i++) {
          const g = gates[i] ?? 0;
          out[i] = g * sigmoid(g) * (ups[i] ?? 0);
        }
      });
    },
  },
  {
    kernelName: SWIGLU_PAIR,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as Record<string, tf.TensorInfo>;
      const shape = shapeOf(x);
      const size = (shape[shape.length - 1] ?? 2) / 2;
      return output(
        backend,
        [...shape.slice(0, -1), size],
        [x],
        (out, pairs) => {
          for (let row = 0; row < pairs.length / (2 * size); row++) {
            for (let i = 0; i < size; i++) {
              const g = pairs[2 * row * size + i] ?? 0;
              const up = pairs[2 * row * size + size + i] ?? 0;
              out[row * size + i] = g * sigmoid(g) * up;
            }
          }
        },
      );
    },
  },
];

for (const backendName of ['wasm', 'cpu']) {
  for (const kernel of kernels) {
    if (tf.getKernel(kernel.kernelName, backendName) === undefined) {
      tf.registerKernel({ ...kernel, backendName });
    }
  }
}

/**
 * Applies layer normalization over the last axis, forward only.
 *
 * @param x Input, [..., size].
 * @param weight Scale, [size].
 * @param bias Shift, [size].
 * @returns Output, [..., size].
 */
export function layerNormInference(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor {
  return tf.engine().runKernel(LAYER_NORM, { x, weight, bias }) as tf.Tensor;
}

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
 * Computes `silu(gate) * up`, forward only.
 *
 * @param gate Any shape.
 * @param up The shape of `gate`.
 * @returns The same shape.
 */
export function swigluInference(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SWIGLU, { gate, up }) as tf.Tensor;
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
