import {
  bfloat16BitsToFloat32,
  DTYPE_ARRAYS,
  type DtypeArrays,
  float16BitsToFloat32,
  HOST_IS_LITTLE_ENDIAN,
  type SafetensorsDtype,
  type TensorArray,
} from './dtypes.js';
import { SafetensorsError } from './safetensors_error.js';
import type { SafetensorsTensor } from './safetensors_reader.js';

/**
 * The array `decodeTensorData` returns for each dtype when no conversion is
 * requested. F16 and BF16 widen to float32, which represents every value of
 * both exactly.
 */
export interface DecodedArrays extends Omit<DtypeArrays, 'F16' | 'BF16'> {
  F16: Float32Array;
  BF16: Float32Array;
}

/** A conversion that `decodeTensorData` can apply. */
export type DecodeTarget = 'float32' | 'int32';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Decodes a tensor's bytes into a new typed array.
 *
 * Without `target`, each dtype decodes to its natural array (see
 * `DecodedArrays`): I64 to `BigInt64Array`, U64 to `BigUint64Array`, F16 and
 * BF16 exactly to `Float32Array`, BOOL to a `Uint8Array` of 0 and 1.
 *
 * With `target` `'float32'`, every dtype converts to `Float32Array`. F64
 * rounds to nearest, and integers must be exactly representable in float32.
 * With `'int32'`, integer and BOOL dtypes convert to `Int32Array` and every
 * value must lie in [-2^31, 2^31 - 1]; float dtypes are rejected.
 *
 * @param tensor A tensor from `parseSafetensors`.
 * @param target The array type to convert to, if any.
 * @returns A new array with `product(tensor.shape)` elements in row-major
 *   order.
 * @throws SafetensorsError if a BOOL byte is not 0 or 1, a value does not fit
 *   `target`, or `target` is `'int32'` for a float dtype.
 */
export function decodeTensorData<D extends SafetensorsDtype>(
  tensor: SafetensorsTensor & { dtype: D },
): DecodedArrays[D];
export function decodeTensorData(
  tensor: SafetensorsTensor,
  target: 'float32',
): Float32Array;
export function decodeTensorData(
  tensor: SafetensorsTensor,
  target: 'int32',
): Int32Array;
export function decodeTensorData(
  tensor: SafetensorsTensor,
  target?: DecodeTarget,
): DecodedArrays[SafetensorsDtype];
export function decodeTensorData(
  tensor: SafetensorsTensor,
  target?: DecodeTarget,
): DecodedArrays[SafetensorsDtype] {
  const natural = decodeNatural(tensor);
  if (target === undefined) {
    return natural;
  }
  if (target === 'float32') {
    return toFloat32(tensor, natural);
  }
  if (target === 'int32') {
    return toInt32(tensor, natural);
  }
  throw new SafetensorsError(
    tensor.source,
    tensor.name,
    `target must be 'float32', 'int32' or undefined, got ${JSON.stringify(target)}`,
  );
}

/**
 * Copies the tensor's bytes into an aligned buffer and views them with the
 * dtype's typed array. The copy also detaches the result from the file
 * buffer.
 */
function decodeRaw(tensor: SafetensorsTensor): TensorArray {
  assertLittleEndianHost(tensor);
  const copy = tensor.bytes.slice();
  const Constructor = DTYPE_ARRAYS[tensor.dtype];
  const elementSize = (Constructor as unknown as { BYTES_PER_ELEMENT: number })
    .BYTES_PER_ELEMENT;
  return new Constructor(copy.buffer, 0, copy.length / elementSize);
}

function decodeNatural(
  tensor: SafetensorsTensor,
): DecodedArrays[SafetensorsDtype] {
  const raw = decodeRaw(tensor);
  switch (tensor.dtype) {
    case 'F16':
      return float16BitsToFloat32(raw as Uint16Array);
    case 'BF16':
      return bfloat16BitsToFloat32(raw as Uint16Array);
    case 'BOOL':
      checkBool(tensor, raw as Uint8Array);
      return raw;
    default:
      return raw;
  }
}

function toFloat32(
  tensor: SafetensorsTensor,
  values: DecodedArrays[SafetensorsDtype],
): Float32Array {
  if (values instanceof Float32Array) {
    return values;
  }

  const output = new Float32Array(values.length);
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
        throw valueError(tensor, i, value, 'overflows float32');
      }
      output[i] = value;
    }
    return output;
  }

  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number | bigint;
    const asNumber = Number(value);
    const exact =
      Math.fround(asNumber) === asNumber &&
      (typeof value === 'number' || BigInt(asNumber) === value);
    if (!exact) {
      throw valueError(
        tensor,
        i,
        value,
        'is not exactly representable as float32',
      );
    }
    output[i] = asNumber;
  }
  return output;
}

function toInt32(
  tensor: SafetensorsTensor,
  values: DecodedArrays[SafetensorsDtype],
): Int32Array {
  if (
    tensor.dtype === 'F16' ||
    tensor.dtype === 'BF16' ||
    tensor.dtype === 'F32' ||
    tensor.dtype === 'F64'
  ) {
    throw new SafetensorsError(
      tensor.source,
      tensor.name,
      `cannot convert float dtype ${tensor.dtype} to int32; decode it as float32 instead`,
    );
  }
  if (values instanceof Int32Array) {
    return values;
  }

  const output = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number | bigint;
    const asNumber = Number(value);
    if (asNumber < INT32_MIN || asNumber > INT32_MAX) {
      throw valueError(
        tensor,
        i,
        value,
        'is outside the int32 range [-2147483648, 2147483647]',
      );
    }
    output[i] = asNumber;
  }
  return output;
}

function checkBool(tensor: SafetensorsTensor, values: Uint8Array): void {
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) > 1) {
      throw valueError(
        tensor,
        i,
        values[i] as number,
        'is not a BOOL (expected 0 or 1)',
      );
    }
  }
}

function valueError(
  tensor: SafetensorsTensor,
  index: number,
  value: number | bigint,
  rule: string,
): SafetensorsError {
  return new SafetensorsError(
    tensor.source,
    tensor.name,
    `value ${value} at flat index ${index} ${rule}`,
  );
}

// NOTE: big-endian hosts are rejected rather than byte-swapped, because no
// supported JavaScript runtime here is big-endian and the swap would be
// untested.
function assertLittleEndianHost(tensor: SafetensorsTensor): void {
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new SafetensorsError(
      tensor.source,
      tensor.name,
      'this host is big-endian, and decoding safetensors data needs a little-endian host',
    );
  }
}
