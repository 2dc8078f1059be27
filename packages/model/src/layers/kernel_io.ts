import * as tf from '@tensorflow/tfjs-core';

/** The backends that the kernels of this package are registered for. */
const BACKENDS = ['wasm', 'cpu'] as const;

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
 * Allocates float32 outputs of the given shapes, lets `fill` write them from
 * the input values, and returns them. On WASM the inputs are read and the
 * outputs written where they lie in the backend's heap, with no copies. The
 * views are taken after every output is allocated, because an allocation
 * can grow the heap and detach older views.
 * The input views may alias backend memory, so `fill` must not write them.
 *
 * @throws Error if an input is missing.
 */
export function fillOutputs(
  backend: object,
  shapes: number[][],
  inputs: (tf.TensorInfo | undefined)[],
  fill: (outputs: Float32Array[], inputs: Float32Array[]) => void,
): tf.TensorInfo[] {
  const present = inputs.map((info, index) => {
    if (info === undefined) {
      throw new Error(`fused kernel: input ${index} is missing.`);
    }
    return info;
  });
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmBackendIo;
    const infos = shapes.map((shape) => wasm.makeOutput(shape, 'float32'));
    fill(
      infos.map((info) => wasm.typedArrayFromHeap(info)),
      present.map((input) => wasm.typedArrayFromHeap(input)),
    );
    return infos;
  }

  const values = shapes.map(
    (shape) => new Float32Array(tf.util.sizeFromShape(shape)),
  );
  const cpu = backend as tf.KernelBackend;
  fill(
    values,
    present.map((input) => cpu.readSync(input.dataId) as Float32Array),
  );
  return shapes.map((shape, index) =>
    (backend as unknown as CpuBackendIo).makeTensorInfo(
      shape,
      'float32',
      values[index] as Float32Array,
    ),
  );
}

/**
 * Registers each kernel for the WASM and CPU backends, unless a kernel of
 * that name is there already (a second copy of this package shares tfjs's
 * global registry, and tfjs warns on a duplicate).
 */
export function registerKernels(
  kernels: Omit<tf.KernelConfig, 'backendName'>[],
): void {
  for (const backendName of BACKENDS) {
    for (const kernel of kernels) {
      if (tf.getKernel(kernel.kernelName, backendName) == null) {
        tf.registerKernel({ ...kernel, backendName });
      }
    }
  }
}

/**
 * Returns the gradient config of a kernel with inputs `x`, `weight` and
 * `bias`, whose backward kernel `gradKernelName` takes `dy`, `x` and
 * `weight` and returns the gradients of `x`, `weight` and `bias`.
 */
export function weightedGradient(
  kernelName: string,
  gradKernelName: string,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved) => {
      const [x, weight] = saved as [tf.Tensor, tf.Tensor];
      const [dx, dWeight, dBias] = tf.engine().runKernel(gradKernelName, {
        dy: dy as tf.Tensor,
        x,
        weight,
      }) as tf.Tensor[];
      return {
        x: () => dx as tf.Tensor,
        weight: () => dWeight as tf.Tensor,
        bias: () => dBias as tf.Tensor,
      };
    },
  };
}

/** Registers each gradient unless its kernel has one already. */
export function registerGradients(configs: tf.GradConfig[]): void {
  for (const config of configs) {
    if (tf.getGradient(config.kernelName) == null) {
      tf.registerGradient(config);
    }
  }
}

/**
 * Runs the active backend's own kernel `name` on tensor infos, outside the
 * engine: no tape, no tracking, no dispatch cost. The caller frees the
 * result with `backend.disposeData(result.dataId)` or returns it from its
 * own kernel.
 *
 * @throws Error if the backend has no such kernel.
 */
export function runBackendKernel(
  name: string,
  backend: object,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const backendName = tf.getBackend();
  const kernel = tf.getKernel(name, backendName);
  if (kernel == null) {
    throw new Error(`fused kernel: backend ${backendName} has no ${name}.`);
  }
  return kernel.kernelFunc({
    inputs,
    attrs,
    backend: backend as tf.KernelBackend,
  }) as tf.TensorInfo;
}

/**
 * Computes the logistic function of every element of `x` with the
 * backend's own `Sigmoid` kernel (see `runBackendKernel`), passes the
 * result to `use`, and frees it. On WASM that kernel is vectorized and
 * about ten times faster than `Math.exp` in a JS loop.
 *
 * @throws Error if `x` is missing or the backend has no `Sigmoid` kernel.
 */
export function withSigmoid<T>(
  backend: object,
  x: tf.TensorInfo | undefined,
  use: (sigmoids: tf.TensorInfo) => T,
): T {
  if (x === undefined) {
    throw new Error('fused kernel: the input of Sigmoid is missing.');
  }
  const sigmoids = runBackendKernel('Sigmoid', backend, { x });
  try {
    return use(sigmoids);
  } finally {
    (backend as tf.KernelBackend).disposeData(sigmoids.dataId);
  }
}

/** Returns the shape of a kernel input, or `[]` if it is missing. */
export function shapeOf(info: tf.TensorInfo | undefined): number[] {
  return info?.shape ?? [];
}

/** The logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Approximates erf(x) with Abramowitz and Stegun's formula 7.1.26 (absolute
 * error below 1.5e-7, under float32 rounding of the GELU inputs here).
 */
export function erf(x: number): number {
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
