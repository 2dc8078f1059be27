import {
  DTYPE_ARRAYS,
  DTYPE_SIZES,
  HOST_IS_LITTLE_ENDIAN,
  isSafetensorsDtype,
  type SafetensorsDtype,
  type TensorArray,
} from './dtypes.js';
import { BUFFER_SOURCE, SafetensorsError } from './safetensors_error.js';
import {
  elementCount,
  formatShape,
  METADATA_KEY,
} from './safetensors_header.js';

/**
 * A tensor to write. `data` is the typed array that `DtypeArrays` maps the
 * dtype to (F16 and BF16 as `Uint16Array` bit patterns), in row-major order.
 */
export interface TensorToWrite {
  /** The element type. */
  dtype: SafetensorsDtype;
  /** The dimensions, outermost first; `[]` for a scalar. */
  shape: readonly number[];
  /** The elements, `product(shape)` of them. */
  data: TensorArray;
}

/** Options for `serializeSafetensors`. */
export interface SerializeOptions {
  /** String key-value pairs stored in the header's `__metadata__`. */
  metadata?: Record<string, string>;
  /** The name used in error messages, such as the destination path. */
  source?: string;
}

/**
 * Serializes tensors into the bytes of a safetensors file.
 *
 * Tensors are laid out by element size, largest first, then by name, so the
 * output does not depend on insertion order and every tensor starts at a
 * multiple of its element size. The JSON header is padded with spaces to a
 * multiple of 8 bytes, so the data section is 8-byte aligned.
 *
 * @example
 * const bytes = serializeSafetensors(
 *   new Map([['D', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]),
 *   { metadata: { format_version: '1' } },
 * );
 *
 * @param tensors Tensors by name. A name must be non-empty and not
 *   `__metadata__`.
 * @param options The metadata and the name used in errors.
 * @returns The whole file.
 * @throws SafetensorsError if a name, dtype, shape, array type or element
 *   count is invalid, or a metadata value is not a string.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  options: SerializeOptions = {},
): Uint8Array {
  const source = options.source ?? BUFFER_SOURCE;
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new SafetensorsError(
      source,
      undefined,
      'this host is big-endian, and writing safetensors data needs a little-endian host',
    );
  }

  const entries = [...tensors.entries()];
  for (const [name, tensor] of entries) {
    checkTensor(name, tensor, source);
  }
  entries.sort(([nameA, a], [nameB, b]) => {
    const bySize = DTYPE_SIZES[b.dtype] - DTYPE_SIZES[a.dtype];
    if (bySize !== 0) {
      return bySize;
    }
    if (nameA === nameB) {
      return 0;
    }
    return nameA < nameB ? -1 : 1;
  });

  // The header is built from entries because assigning a key such as
  // `__proto__` to a plain object would change its prototype instead.
  const headerEntries: [string, unknown][] = [];
  if (options.metadata !== undefined) {
    headerEntries.push([METADATA_KEY, checkMetadata(options.metadata, source)]);
  }
  let offset = 0;
  for (const [name, tensor] of entries) {
    const end = offset + tensor.data.byteLength;
    headerEntries.push([
      name,
      {
        dtype: tensor.dtype,
        shape: [...tensor.shape],
        data_offsets: [offset, end],
      },
    ]);
    offset = end;
  }

  const header = Object.fromEntries(headerEntries);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const output = new Uint8Array(8 + headerLength + offset);

  new DataView(output.buffer).setBigUint64(0, BigInt(headerLength), true);
  output.set(json, 8);
  output.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const [, tensor] of entries) {
    const { buffer, byteOffset, byteLength } = tensor.data;
    output.set(new Uint8Array(buffer, byteOffset, byteLength), position);
    position += byteLength;
  }
  return output;
}

function checkTensor(
  name: string,
  tensor: TensorToWrite,
  source: string,
): void {
  if (name === '' || name === METADATA_KEY) {
    throw new SafetensorsError(
      source,
      name,
      `tensor name must be non-empty and not ${METADATA_KEY}`,
    );
  }

  const { dtype, shape, data } = tensor;
  if (!isSafetensorsDtype(dtype)) {
    throw new SafetensorsError(
      source,
      name,
      `unknown dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPE_SIZES).join(', ')})`,
    );
  }
  if (
    !Array.isArray(shape) ||
    !shape.every((size) => Number.isSafeInteger(size) && size >= 0)
  ) {
    throw new SafetensorsError(
      source,
      name,
      `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }

  const Expected = DTYPE_ARRAYS[dtype];
  if (!(data instanceof Expected)) {
    const actual =
      typeof data === 'object' && data !== null
        ? data.constructor.name
        : typeof data;
    throw new SafetensorsError(
      source,
      name,
      `data for dtype ${dtype} must be a ${Expected.name}, got ${actual}`,
    );
  }

  const count = elementCount(shape);
  if (count !== data.length) {
    throw new SafetensorsError(
      source,
      name,
      `shape ${formatShape(shape)} needs ${count ?? 'over 2^53'} elements, but data has ${data.length}`,
    );
  }

  if (dtype === 'BOOL') {
    const index = (data as Uint8Array).findIndex((value) => value > 1);
    if (index !== -1) {
      throw new SafetensorsError(
        source,
        name,
        `value ${data[index]} at flat index ${index} is not a BOOL (expected 0 or 1)`,
      );
    }
  }
}

function checkMetadata(
  metadata: Record<string, string>,
  source: string,
): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null) {
    throw new SafetensorsError(
      source,
      undefined,
      `metadata must be an object of strings, got ${JSON.stringify(metadata)}`,
    );
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        source,
        undefined,
        `metadata value '${key}' must be a string, got ${typeof value}`,
      );
    }
  }
  return { ...metadata };
}
