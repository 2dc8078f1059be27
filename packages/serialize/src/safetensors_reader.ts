import { BUFFER_SOURCE } from './safetensors_error.js';
import {
  parseHeader,
  readHeaderLength,
  type SafetensorsTensorInfo,
} from './safetensors_header.js';

/** One tensor of a parsed safetensors file, with its raw bytes. */
export interface SafetensorsTensor extends SafetensorsTensorInfo {
  /** The file path, or `<buffer>`, used in error messages. */
  source: string;
  /**
   * The tensor's little-endian element bytes: a view into the parsed buffer,
   * not a copy. `decodeTensorData` turns it into a typed array.
   */
  bytes: Uint8Array;
}

/** The validated contents of a safetensors file. */
export interface SafetensorsContents {
  /** The file path, or `<buffer>`, used in error messages. */
  source: string;
  /** The tensors in the order of their data offsets. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` object, or `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** Options for `parseSafetensors`. */
export interface ParseOptions {
  /** The name used in error messages, such as a file path. */
  source?: string;
}

/**
 * Parses and validates a safetensors file held in memory.
 *
 * The layout is an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON, then the data section. Every rule that `parseHeader` lists is checked
 * before any tensor is returned. The tensors' `bytes` are views into `bytes`,
 * so the buffer must not change while they are in use.
 *
 * @example
 * const file = parseSafetensors(await response.arrayBuffer());
 * const weight = decodeTensorData(file.tensors.get('input.weight')!);
 *
 * @param bytes The whole file, as a Uint8Array, another ArrayBuffer view or
 *   an ArrayBuffer.
 * @param options `source`, the name used in errors (default `<buffer>`).
 * @returns The tensors and the metadata.
 * @throws TypeError if `bytes` is of another type.
 * @throws SafetensorsError naming the source, the tensor and the rule that
 *   failed.
 */
export function parseSafetensors(
  bytes: ArrayBufferLike | ArrayBufferView,
  options: ParseOptions = {},
): SafetensorsContents {
  const source = options.source ?? BUFFER_SOURCE;
  const view = toByteView(bytes);

  const headerLength = readHeaderLength(
    view.subarray(0, 8),
    view.length,
    source,
  );
  const dataStart = 8 + headerLength;
  const header = parseHeader(
    view.subarray(8, dataStart),
    view.length - dataStart,
    source,
  );

  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, info] of header.tensors) {
    const [begin, end] = info.dataOffsets;
    tensors.set(name, {
      ...info,
      source,
      bytes: view.subarray(dataStart + begin, dataStart + end),
    });
  }

  return { source, tensors, metadata: header.metadata };
}

/**
 * Views `bytes` as a Uint8Array without copying.
 *
 * @throws TypeError if `bytes` is neither an ArrayBuffer view nor an
 *   ArrayBuffer, because `new Uint8Array` would give an empty or unrelated
 *   array for such a value.
 */
function toByteView(bytes: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (bytes instanceof Uint8Array) {
    return bytes;
  }
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (
    bytes instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' &&
      bytes instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(bytes);
  }
  let actual: string;
  if (bytes === null) {
    actual = 'null';
  } else if (typeof bytes !== 'object') {
    actual = typeof bytes;
  } else {
    actual = (bytes as object).constructor?.name ?? 'object';
  }
  throw new TypeError(
    `parseSafetensors: bytes must be a Uint8Array, another ArrayBuffer view or an ArrayBuffer, got ${actual}`,
  );
}
