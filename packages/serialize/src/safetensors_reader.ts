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
 * @param bytes The whole file.
 * @param options `source`, the name used in errors (default `<buffer>`).
 * @returns The tensors and the metadata.
 * @throws SafetensorsError naming the source, the tensor and the rule that
 *   failed.
 */
export function parseSafetensors(
  bytes: ArrayBuffer | Uint8Array,
  options: ParseOptions = {},
): SafetensorsContents {
  const source = options.source ?? BUFFER_SOURCE;
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);

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
