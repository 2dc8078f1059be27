import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/** The backends that the kernels of this package are registered for. */
export const KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/** The part of the WASM backend's interface that the kernels use. */
interface WasmOutputs {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The part of the CPU backend's interface that the kernels use. */
interface CpuOutputs {
  makeTensorInfo(
    shape: number[],
    dtype: 'float32',
    values: Float32Array,
  ): TensorInfo;
}

/** The shape and values of one kernel output, in row-major order. */
export interface OutputValues {
  shape: number[];
  values: Float32Array | Float64Array;
}

/**
 * Reads a float32 kernel input. The result may share memory with the backend,
 * so callers must not write to it.
 */
export function readValues(
  backend: KernelBackend,
  info: TensorInfo,
): Float32Array {
  return backend.readSync(info.dataId) as Float32Array;
}

/**
 * Copies computed values into new float32 tensors of `backend`, rounding
 * float64 values to float32.
 */
export function writeOutputs(
  backend: KernelBackend,
  outputs: OutputValues[],
): TensorInfo[] {
  if ('makeOutput' in backend && 'typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmOutputs;
    const infos = outputs.map(({ shape }) => wasm.makeOutput(shape, 'float32'));

    // A heap view is valid only until the next allocation grows the WASM
    // memory, so the views are taken after every output is allocated.
    infos.forEach((info, index) => {
      wasm.typedArrayFromHeap(info).set(outputs[index]?.values ?? []);
    });
    return infos;
  }

  const cpu = backend as unknown as CpuOutputs;
  return outputs.map(({ shape, values }) =>
    cpu.makeTensorInfo(
      shape,
      'float32',
      values instanceof Float32Array ? values : Float32Array.from(values),
    ),
  );
}
