import { backendHeap } from '@s4d/runtime';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel name of one AdamW update of a parameter tensor: inputs
 * `parameter`, `m`, `v` and `grad` of one shape, outputs the new parameter,
 * m and v. Registered for the WASM and CPU backends.
 */
export const ADAMW_UPDATE = 'S4dAdamWUpdate';

/** The scalars of one update; see `AdamW` for the formula. */
export interface AdamWUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  correction1: number;
  correction2: number;
  learningRate: number;
  weightDecay: number;
}

/**
 * Writes the update of every element in float64. One kernel call replaces
 * the 12 elementwise tfjs ops per parameter that an op composition needs,
 * whose dispatch cost dominated the optimizer step for small models.
 *
 * The outputs may be the inputs themselves: each element is read before it
 * is written.
 */
export function adamwUpdate(
  attrs: AdamWUpdateAttrs,
  parameter: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grad: Float32Array,
  nextParameter: Float32Array,
  nextM: Float32Array,
  nextV: Float32Array,
): void {
  const { beta1, beta2, epsilon, correction1, correction2 } = attrs;
  const { learningRate, weightDecay } = attrs;
  const decay = 1 - learningRate * weightDecay;
  const size = parameter.length;
  for (let i = 0; i < size; i++) {
    const g = grad[i] as number;
    const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
    const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
    const step = mi / correction1 / (Math.sqrt(vi / correction2) + epsilon);
    nextParameter[i] = (parameter[i] as number) * decay - learningRate * step;
    nextM[i] = mi;
    nextV[i] = vi;
  }
}

/** The part of the CPU backend that the kernel uses. */
interface CpuBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(
    shape: number[],
    dtype: 'float32',
    values: Float32Array,
  ): tf.TensorInfo;
}

/** Calls `adamwUpdate` on inputs `[parameter, m, v, grad]` and three outputs. */
function runUpdate(
  settings: AdamWUpdateAttrs,
  inputs: Float32Array[],
  outputs: Float32Array[],
): void {
  const [parameter, m, v, grad] = inputs as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const [nextParameter, nextM, nextV] = outputs as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  adamwUpdate(settings, parameter, m, v, grad, nextParameter, nextM, nextV);
}

const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { parameter, m, v, grad } = inputs as Record<string, tf.TensorInfo>;
  const infos = [parameter, m, v, grad] as tf.TensorInfo[];
  const shape = (parameter as tf.TensorInfo).shape;
  const size = tf.util.sizeFromShape(shape);
  const settings = attrs as unknown as AdamWUpdateAttrs;

  const heap = backendHeap(backend);
  if (heap !== null) {
    // Views are taken after the outputs exist, because an allocation can
    // grow the heap and detach older views.
    const outputs = [0, 1, 2].map(() => heap.makeOutput(shape, 'float32'));
    const view = (info: tf.TensorInfo) =>
      new Float32Array(heap.memory.buffer, heap.offsetOf(info), size);
    runUpdate(settings, infos.map(view), outputs.map(view));
    return outputs;
  }

  const cpu = backend as unknown as CpuBackend;
  const values = [0, 1, 2].map(() => new Float32Array(size));
  runUpdate(
    settings,
    infos.map((info) => cpu.readSync(info.dataId) as Float32Array),
    values,
  );
  return values.map((array) => cpu.makeTensorInfo(shape, 'float32', array));
};

for (const backendName of ['wasm', 'cpu']) {
  if (tf.getKernel(ADAMW_UPDATE, backendName) === undefined) {
    tf.registerKernel({ kernelName: ADAMW_UPDATE, backendName, kernelFunc });
  }
}
