import { backendHeap, instantiateOnHeap } from '@s4d/runtime';
import * as tf from '@tensorflow/tfjs-core';
import { gemvModuleBase64 } from '../wasm/gemv_module.js';

// At batch 1 a streaming step multiplies one row by every weight matrix, so
// it reads every weight once. The WASM SIMD loop of `wasm/gemv.wat` reads
// packed weights in one sequential pass where they lie in the backend's
// heap. For the default model's 13 products it took 1.08 ms per step, and
// tfjs's WASM matMul 1.34 ms (2-core AMD EPYC, quiet host).

const GEMV = 'S4dGemvInference';

/** The exports of `wasm/gemv.wat`. */
interface GemvExports {
  gemv(
    x: number,
    w: number,
    bias: number,
    y: number,
    inputs: number,
    outputs: number,
  ): void;
}

function gemvFor(backend: object): {
  heap: NonNullable<ReturnType<typeof backendHeap>>;
  module: GemvExports;
} | null {
  const heap = backendHeap(backend);
  if (heap === null) {
    return null;
  }
  const module = instantiateOnHeap<GemvExports>(heap, gemvModuleBase64);
  return module === null ? null : { heap, module };
}

/** The attributes of the GEMV kernel. */
interface GemvAttrs {
  inputs: number;
  outputs: number;
}

if (tf.getKernel(GEMV, 'wasm') === undefined) {
  tf.registerKernel({
    kernelName: GEMV,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, weight, bias } = inputs as Record<string, tf.TensorInfo>;
      const { inputs: size, outputs } = attrs as unknown as GemvAttrs;
      const gemv = gemvFor(backend);
      if (gemv === null || x === undefined || weight === undefined) {
        throw new Error(`${GEMV}: the WASM SIMD code is not available.`);
      }
      const { heap, module } = gemv;
      const y = heap.makeOutput([1, 1, outputs], 'float32');
      module.gemv(
        heap.offsetOf(x),
        heap.offsetOf(weight),
        heap.offsetOf(bias as tf.TensorInfo),
        heap.offsetOf(y),
        size,
        outputs,
      );
      return y;
    },
  });
}

/**
 * Tells whether `gemvInference` can run on the active backend for `outputs`
 * output columns: on the WASM backend with WASM SIMD, for a multiple of 4.
 */
export function canGemv(outputs: number): boolean {
  return (
    outputs % 4 === 0 &&
    tf.getBackend() === 'wasm' &&
    gemvFor(tf.backend()) !== null
  );
}

/**
 * Packs a row-major weight matrix [inputs, outputs] for `gemvInference`:
 * each block of four rows becomes tiles of 16 floats, the four rows' values
 * for four columns in turn, and the last `inputs % 4` rows follow in
 * row-major order. The loop then reads the weights in one sequential pass.
 *
 * @param outputs A multiple of 4.
 */
export function packGemvWeight(
  weight: ArrayLike<number>,
  inputs: number,
  outputs: number,
): Float32Array {
  const packed = new Float32Array(inputs * outputs);
  const blocks = Math.floor(inputs / 4);
  let target = 0;
  for (let block = 0; block < blocks; block++) {
    for (let column = 0; column < outputs; column += 4) {
      for (let row = 4 * block; row < 4 * block + 4; row++) {
        for (let c = column; c < column + 4; c++) {
          packed[target++] = weight[row * outputs + c] as number;
        }
      }
    }
  }
  for (let i = 4 * blocks * outputs; i < inputs * outputs; i++) {
    packed[target++] = weight[i] as number;
  }
  return packed;
}

/**
 * Multiplies one row by a weight matrix and adds a bias, forward only.
 * Check `canGemv` first.
 *
 * @param x Input, [1, 1, inputs].
 * @param packed The weights [inputs, outputs], packed by `packGemvWeight`.
 * @param bias Bias, [outputs].
 * @returns Output, [1, 1, outputs].
 */
export function gemvInference(
  x: tf.Tensor3D,
  packed: tf.Tensor1D,
  bias: tf.Tensor1D,
  inputs: number,
  outputs: number,
): tf.Tensor3D {
  const attrs: GemvAttrs = { inputs, outputs };
  return tf
    .engine()
    .runKernel(
      GEMV,
      { x, weight: packed, bias },
      attrs as unknown as tf.NamedAttrMap,
    ) as unknown as tf.Tensor3D;
}
