import {
  DTYPE_SIZES,
  isSafetensorsDtype,
  type SafetensorsDtype,
  UNSUPPORTED_DTYPES,
} from './dtypes.js';
import { SafetensorsError } from './safetensors_error.js';

/**
 * The maximum header length accepted, in bytes (100 MB). A larger length
 * prefix is rejected before any of the header is read, so a corrupt or
 * hostile prefix cannot make a reader allocate gigabytes.
 */
export const MAX_HEADER_LENGTH = 100_000_000;

/** The key of the optional string-to-string metadata object in the header. */
export const METADATA_KEY = '__metadata__';

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** The tensor name, the key of its header entry. */
  name: string;
  /** The element type. */
  dtype: SafetensorsDtype;
  /** The dimensions, outermost first; `[]` for a scalar. */
  shape: number[];
  /**
   * The first byte and one past the last byte of the tensor, relative to the
   * start of the data section.
   */
  dataOffsets: [number, number];
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** The file path, or `<buffer>`, used in error messages. */
  source: string;
  /** The byte length of the JSON header, without the 8-byte prefix. */
  headerLength: number;
  /** The tensor entries in the order of their data offsets. */
  tensors: Map<string, SafetensorsTensorInfo>;
  /** The `__metadata__` object, or `{}` when the file has none. */
  metadata: Record<string, string>;
}

/**
 * Reads and checks the 8-byte little-endian header length at the start of a
 * safetensors file.
 *
 * @param prefix The first 8 bytes of the file, or fewer if the file is shorter.
 * @param fileLength The total byte length of the file.
 * @param source The file path, or `<buffer>`, for error messages.
 * @returns The header length in bytes.
 * @throws SafetensorsError if the file is shorter than 8 bytes, or the length
 *   exceeds `MAX_HEADER_LENGTH` or the bytes that follow the prefix.
 */
export function readHeaderLength(
  prefix: Uint8Array,
  fileLength: number,
  source: string,
): number {
  if (fileLength < 8 || prefix.length < 8) {
    throw new SafetensorsError(
      source,
      undefined,
      `file is ${fileLength} bytes, shorter than the 8-byte header length prefix`,
    );
  }

  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);

  if (length > BigInt(MAX_HEADER_LENGTH)) {
    throw new SafetensorsError(
      source,
      undefined,
      `header length ${length} exceeds the maximum of ${MAX_HEADER_LENGTH} bytes`,
    );
  }
  if (length > BigInt(fileLength - 8)) {
    throw new SafetensorsError(
      source,
      undefined,
      `header length ${length} exceeds the ${fileLength - 8} bytes after the length prefix (truncated file or corrupt prefix)`,
    );
  }
  return Number(length);
}

/**
 * Parses and validates the JSON header of a safetensors file.
 *
 * Checks that the header is UTF-8 JSON, an object without duplicate keys,
 * and that `__metadata__` maps strings to strings. Every entry must have
 * exactly `dtype`, `shape` and `data_offsets`, with a known dtype, a shape of
 * non-negative integers and a byte length equal to the element count times
 * the dtype size. The entries must tile the data section with no gap, no
 * overlap and no bytes left over.
 *
 * @param headerBytes The header, without the length prefix.
 * @param dataLength The byte length of the data section after the header.
 * @param source The file path, or `<buffer>`, for error messages.
 * @returns The validated header.
 * @throws SafetensorsError naming the source, the tensor and the rule that
 *   failed.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  source: string,
): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, undefined, 'header is not valid UTF-8');
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafetensorsError(
      source,
      undefined,
      `header is not valid JSON (${reason})`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(
      source,
      undefined,
      `header must be a JSON object, got ${describeJson(json)}`,
    );
  }

  const duplicate = findDuplicateTopLevelKey(text);
  if (duplicate !== undefined) {
    throw new SafetensorsError(
      source,
      duplicate,
      'name appears more than once in the header',
    );
  }

  const entries = json as Record<string, unknown>;
  const metadata = parseMetadata(entries[METADATA_KEY], source);
  const infos: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (name !== METADATA_KEY) {
      infos.push(parseTensorInfo(name, entry, source));
    }
  }

  checkTiling(infos, dataLength, source);

  return {
    source,
    headerLength: headerBytes.length,
    tensors: new Map(infos.map((info) => [info.name, info])),
    metadata,
  };
}

/** Computes the element count of `shape`, or `undefined` past 2^53. */
export function elementCount(shape: readonly number[]): number | undefined {
  let count = 1;
  for (const size of shape) {
    count *= size;
  }
  return Number.isSafeInteger(count) ? count : undefined;
}

/** Formats a shape as `[2, 3]` for error messages. */
export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((size) => String(size)).join(', ')}]`;
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(
      source,
      undefined,
      `${METADATA_KEY} must be an object of strings, got ${describeJson(value)}`,
    );
  }

  const metadata: [string, string][] = [];
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new SafetensorsError(
        source,
        undefined,
        `${METADATA_KEY} value '${key}' must be a string, got ${describeJson(entry)}`,
      );
    }
    metadata.push([key, entry]);
  }
  return Object.fromEntries(metadata);
}

function parseTensorInfo(
  name: string,
  entry: unknown,
  source: string,
): SafetensorsTensorInfo {
  const fail = (rule: string): never => {
    throw new SafetensorsError(source, name, rule);
  };

  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    fail(`header entry must be an object, got ${describeJson(entry)}`);
  }
  const fields = entry as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
      fail(
        `unexpected field '${key}' (expected only dtype, shape, data_offsets)`,
      );
    }
  }

  const { dtype, shape, data_offsets: offsets } = fields;
  if (dtype === undefined) {
    fail('missing field dtype');
  }
  if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype)) {
    fail(`dtype ${dtype} is not supported by this reader`);
  }
  if (!isSafetensorsDtype(dtype)) {
    fail(
      `unknown dtype ${describeJson(dtype)} (expected one of ${Object.keys(DTYPE_SIZES).join(', ')})`,
    );
  }
  const knownDtype = dtype as SafetensorsDtype;

  if (shape === undefined) {
    fail('missing field shape');
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    fail(
      `shape must be an array of non-negative integers, got ${describeJson(shape)}`,
    );
  }
  const dimensions = shape as number[];

  if (offsets === undefined) {
    fail('missing field data_offsets');
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isNonNegativeInteger)
  ) {
    fail(
      `data_offsets must be two non-negative integers [begin, end], got ${describeJson(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    fail(`data_offsets [${begin}, ${end}] end before they begin`);
  }

  const count = elementCount(dimensions);
  const expectedBytes =
    count === undefined ? undefined : count * DTYPE_SIZES[knownDtype];
  if (expectedBytes === undefined || !Number.isSafeInteger(expectedBytes)) {
    fail(`shape ${formatShape(dimensions)} has too many elements`);
  }
  if (end - begin !== expectedBytes) {
    fail(
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape ${formatShape(dimensions)} of ${knownDtype} needs ${expectedBytes}`,
    );
  }

  return {
    name,
    dtype: knownDtype,
    shape: dimensions,
    dataOffsets: [begin, end],
  };
}

/**
 * Sorts `infos` by offset in place and checks that they cover
 * `[0, dataLength)` exactly once.
 */
function checkTiling(
  infos: SafetensorsTensorInfo[],
  dataLength: number,
  source: string,
): void {
  infos.sort(
    (a, b) =>
      a.dataOffsets[0] - b.dataOffsets[0] ||
      a.dataOffsets[1] - b.dataOffsets[1],
  );

  let position = 0;
  let previous: string | undefined;
  for (const info of infos) {
    const [begin, end] = info.dataOffsets;
    const after =
      previous === undefined
        ? 'the start of the data section'
        : `tensor '${previous}'`;
    if (begin > position) {
      throw new SafetensorsError(
        source,
        info.name,
        `data starts at byte ${begin}, leaving a gap after ${after}, which ends at byte ${position}`,
      );
    }
    if (begin < position) {
      throw new SafetensorsError(
        source,
        info.name,
        `data starts at byte ${begin}, overlapping ${after}, which ends at byte ${position}`,
      );
    }
    if (end > dataLength) {
      throw new SafetensorsError(
        source,
        info.name,
        `data ends at byte ${end}, past the end of the ${dataLength}-byte data section (truncated file?)`,
      );
    }
    position = end;
    previous = info.name;
  }

  if (position !== dataLength) {
    throw new SafetensorsError(
      source,
      undefined,
      `tensors cover ${position} bytes, but the data section is ${dataLength} bytes`,
    );
  }
}

/**
 * Returns the first key that occurs twice in the top-level object of the
 * JSON text, which must already be known to parse. `JSON.parse` silently
 * keeps the last duplicate, so the text is scanned directly: at depth 1, a
 * string token read where a key is expected is a key.
 */
function findDuplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') {
        i += text[i] === '\\' ? 2 : 1;
      }
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (seen.has(key)) {
          return key;
        }
        seen.add(key);
        expectKey = false;
      }
    } else if (char === '{' || char === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (char === '}' || char === ']') {
      depth--;
    } else if (char === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function describeJson(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
