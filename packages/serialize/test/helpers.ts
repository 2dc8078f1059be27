/**
 * Builds safetensors bytes by hand, so tests can produce files that the
 * writer would never emit.
 *
 * @param header The JSON header as an object, or as exact text.
 * @param data The data section.
 * @param headerLength The value of the length prefix; the true header
 *   length unless a test needs a prefix that lies.
 */
export function rawFile(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: number | bigint,
): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  return rawBytes(json, data, headerLength ?? json.length);
}

/** Builds a file from raw header bytes, for headers that are not UTF-8. */
export function rawBytes(
  headerBytes: Uint8Array,
  data: Uint8Array,
  headerLength: number | bigint,
): Uint8Array {
  const output = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(output.buffer).setBigUint64(0, BigInt(headerLength), true);
  output.set(headerBytes, 8);
  output.set(data, 8 + headerBytes.length);
  return output;
}

/** Returns the bytes of a float32 array, for data sections. */
export function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Returns the error `run` throws, or fails the test if it throws nothing. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) {
      return error;
    }
    throw new Error(`expected an Error, got ${String(error)}`);
  }
  throw new Error('expected the call to throw');
}
