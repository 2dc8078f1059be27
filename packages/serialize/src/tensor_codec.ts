import type { DataType, Tensor } from '@tensorflow/tfjs-core';
import type { SafetensorsDtype } from './dtypes.js';
import { SafetensorsError } from './safetensors_error.js';
import { formatShape } from './safetensors_header.js';
import type { SafetensorsTensor } from './safetensors_reader.js';
import type { TensorToWrite } from './safetensors_writer.js';
import { SerializeError } from './serialize_error.js';
import { decodeTensorData } from './tensor_data.js';

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F16', 'BF16', 'F32', 'F64'];

/**
 * Checks that no tensor in `tensors` is disposed. In tfjs 4.22.0, reading a
 * disposed tensor throws a bare "Tensor is disposed", and assigning one to a
 * variable succeeds but overflows the stack on the next read.
 *
 * @param caller The function name that starts the message.
 * @param kind What the tensors are, `parameter` or `tensor`.
 * @param fix What the caller should do instead.
 * @throws SerializeError naming the first disposed tensor.
 */
export function checkNotDisposed(
  tensors: Iterable<[string, Tensor]>,
  caller: string,
  kind: string,
  fix: string,
): void {
  for (const [name, tensor] of tensors) {
    if (tensor.isDisposed) {
      throw new SerializeError(
        `${caller}: ${kind} '${name}' was disposed; ${fix}`,
      );
    }
  }
}

/**
 * Copies a tfjs tensor's values into a tensor to write: float32 as F32,
 * int32 as I32 and bool as BOOL.
 *
 * @param name The tensor name, for errors.
 * @param tensor The tensor; it is read, not disposed.
 * @param source The destination, for errors.
 * @throws SafetensorsError for complex64 and string tensors.
 */
export function tensorToWrite(
  name: string,
  tensor: Tensor,
  source: string,
): TensorToWrite {
  const shape = [...tensor.shape];
  switch (tensor.dtype) {
    case 'float32':
      return { dtype: 'F32', shape, data: tensor.dataSync() as Float32Array };
    case 'int32':
      return { dtype: 'I32', shape, data: tensor.dataSync() as Int32Array };
    case 'bool':
      return { dtype: 'BOOL', shape, data: tensor.dataSync() as Uint8Array };
    default:
      throw new SafetensorsError(
        source,
        name,
        `tfjs dtype ${tensor.dtype} cannot be saved (expected float32, int32 or bool)`,
      );
  }
}

/**
 * Decodes a file tensor into values for a tfjs tensor of `dtype`. Any float
 * dtype decodes to float32 and any integer dtype to int32 (see
 * `decodeTensorData` for the range checks).
 *
 * @throws SafetensorsError if the file dtype cannot become `dtype`.
 */
export function valuesFor(
  tensor: SafetensorsTensor,
  dtype: DataType,
): Float32Array | Int32Array | Uint8Array {
  const isFloat = FLOAT_DTYPES.includes(tensor.dtype);
  if (dtype === 'float32' && isFloat) {
    return decodeTensorData(tensor, 'float32');
  }
  if (dtype === 'int32' && !isFloat && tensor.dtype !== 'BOOL') {
    return decodeTensorData(tensor, 'int32');
  }
  if (dtype === 'bool' && tensor.dtype === 'BOOL') {
    return decodeTensorData(tensor as SafetensorsTensor & { dtype: 'BOOL' });
  }
  throw new SafetensorsError(
    tensor.source,
    tensor.name,
    `dtype ${tensor.dtype} cannot be loaded as tfjs ${dtype}`,
  );
}

/** Returns the tfjs dtype a file tensor loads as when no target is given. */
export function naturalDtype(tensor: SafetensorsTensor): DataType {
  if (FLOAT_DTYPES.includes(tensor.dtype)) {
    return 'float32';
  }
  return tensor.dtype === 'BOOL' ? 'bool' : 'int32';
}

/** Describes a shape mismatch between a file tensor and an expected shape. */
export function shapeMismatch(
  name: string,
  actual: readonly number[],
  expected: readonly number[],
): string | undefined {
  const same =
    actual.length === expected.length &&
    actual.every((size, axis) => size === expected[axis]);
  if (same) {
    return undefined;
  }
  return `tensor '${name}' has shape ${formatShape(actual)}, but the model expects ${formatShape(expected)}`;
}
