import { describe, expect, it } from 'vitest';
import {
  decodeTensorData,
  parseSafetensors,
  type SafetensorsDtype,
  serializeSafetensors,
  type TensorArray,
  type TensorToWrite,
} from '../src/index.js';
import { thrown } from './helpers.js';

/** One tensor of each dtype, with values at the edges of its range. */
const everyDtype: [SafetensorsDtype, TensorArray][] = [
  ['BOOL', new Uint8Array([0, 1, 1, 0])],
  ['U8', new Uint8Array([0, 1, 128, 255])],
  ['I8', new Int8Array([-128, -1, 0, 127])],
  ['U16', new Uint16Array([0, 1, 32768, 65535])],
  ['I16', new Int16Array([-32768, -1, 0, 32767])],
  ['F16', new Uint16Array([0x3c00, 0x8001, 0x7c00, 0x7e00])],
  ['BF16', new Uint16Array([0x3f80, 0x0001, 0xff80, 0x7fc0])],
  ['U32', new Uint32Array([0, 1, 2 ** 31, 2 ** 32 - 1])],
  ['I32', new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1])],
  ['F32', new Float32Array([-0, 1.5, Number.NaN, -Infinity])],
  ['U64', new BigUint64Array([0n, 1n, 2n ** 63n, 2n ** 64n - 1n])],
  ['I64', new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n])],
  ['F64', new Float64Array([-0, 1e-310, Math.PI, Infinity])],
];

/** Returns the raw element bytes of an array, so NaN and -0 compare. */
function bytesOf(array: TensorArray): number[] {
  return [...new Uint8Array(array.buffer, array.byteOffset, array.byteLength)];
}

/** Serializes one tensor of shape [2, 2] under the name `x`. */
function writeOne(dtype: SafetensorsDtype, data: TensorArray): Uint8Array {
  return serializeSafetensors(new Map([['x', { dtype, shape: [2, 2], data }]]));
}

/** Returns the error message of serializing `tensor` as `name`. */
function writeError(tensor: TensorToWrite, name = 'x'): string {
  return thrown(() => serializeSafetensors(new Map([[name, tensor]]))).message;
}

describe('serializeSafetensors round trip', () => {
  for (const [dtype, data] of everyDtype) {
    it(`round-trips ${dtype}`, () => {
      const file = parseSafetensors(writeOne(dtype, data));
      const tensor = file.tensors.get('x');
      if (tensor === undefined) throw new Error('tensor x missing');

      expect(tensor.dtype).toBe(dtype);
      expect(tensor.shape).toEqual([2, 2]);
      expect([...tensor.bytes]).toEqual(bytesOf(data));
    });
  }

  it('decodes each dtype to its array type', () => {
    const expected: Record<SafetensorsDtype, string> = {
      BOOL: 'Uint8Array',
      U8: 'Uint8Array',
      I8: 'Int8Array',
      U16: 'Uint16Array',
      I16: 'Int16Array',
      F16: 'Float32Array',
      BF16: 'Float32Array',
      U32: 'Uint32Array',
      I32: 'Int32Array',
      F32: 'Float32Array',
      U64: 'BigUint64Array',
      I64: 'BigInt64Array',
      F64: 'Float64Array',
    };
    for (const [dtype, data] of everyDtype) {
      const tensor = parseSafetensors(writeOne(dtype, data)).tensors.get('x');
      if (tensor === undefined) throw new Error('tensor x missing');
      const decoded = decodeTensorData(tensor);

      expect(decoded.constructor.name, dtype).toBe(expected[dtype]);
    }
  });

  it('decodes integers and floats to their values', () => {
    for (const [dtype, data] of everyDtype) {
      if (dtype === 'F16' || dtype === 'BF16') continue;
      const tensor = parseSafetensors(writeOne(dtype, data)).tensors.get('x');
      if (tensor === undefined) throw new Error('tensor x missing');

      expect(bytesOf(decodeTensorData(tensor)), dtype).toEqual(bytesOf(data));
    }
  });

  it('round-trips metadata', () => {
    const metadata = { format: 'pt', note: 'ünïcode ✓', empty: '' };
    const bytes = serializeSafetensors(new Map(), { metadata });

    expect(parseSafetensors(bytes).metadata).toEqual(metadata);
  });

  it('round-trips the name __proto__', () => {
    const tensors = new Map<string, TensorToWrite>([
      ['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([5]) }],
    ]);
    const metadata = JSON.parse('{"__proto__": "kept"}');
    const file = parseSafetensors(serializeSafetensors(tensors, { metadata }));
    const stored = Object.getOwnPropertyDescriptor(file.metadata, '__proto__');

    expect([...file.tensors.keys()]).toEqual(['__proto__']);
    expect(stored?.value).toBe('kept');
  });

  it('round-trips scalars and empty tensors', () => {
    const tensors = new Map<string, TensorToWrite>([
      ['scalar', { dtype: 'F32', shape: [], data: new Float32Array([4]) }],
      ['empty', { dtype: 'I32', shape: [3, 0], data: new Int32Array(0) }],
    ]);
    const file = parseSafetensors(serializeSafetensors(tensors));

    expect(file.tensors.get('scalar')?.shape).toEqual([]);
    expect(file.tensors.get('empty')?.shape).toEqual([3, 0]);
    expect(file.tensors.get('empty')?.bytes.length).toBe(0);
  });

  it('writes a subarray view correctly', () => {
    const backing = new Float32Array([9, 1, 2, 3, 4, 9]);
    const bytes = serializeSafetensors(
      new Map([
        ['x', { dtype: 'F32', shape: [4], data: backing.subarray(1, 5) }],
      ]),
    );
    const tensor = parseSafetensors(bytes).tensors.get('x');
    if (tensor === undefined) throw new Error('tensor x missing');

    expect(decodeTensorData(tensor, 'float32')).toEqual(
      new Float32Array([1, 2, 3, 4]),
    );
  });
});

describe('serializeSafetensors layout', () => {
  const tensors = new Map<string, TensorToWrite>([
    ['b', { dtype: 'U8', shape: [3], data: new Uint8Array(3) }],
    ['a', { dtype: 'F32', shape: [1], data: new Float32Array(1) }],
    ['c', { dtype: 'F64', shape: [1], data: new Float64Array(1) }],
    ['d', { dtype: 'F32', shape: [1], data: new Float32Array(1) }],
  ]);

  it('pads the header to 8 bytes with spaces', () => {
    const bytes = serializeSafetensors(tensors);
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + length));

    expect(length % 8).toBe(0);
    expect(header).toMatch(/^\{.*\} *$/);
  });

  it('orders tensors by element size then name', () => {
    const file = parseSafetensors(serializeSafetensors(tensors));

    expect([...file.tensors.keys()]).toEqual(['c', 'a', 'd', 'b']);
  });

  it('ignores insertion order', () => {
    const reversed = new Map([...tensors.entries()].reverse());

    expect(serializeSafetensors(reversed)).toEqual(
      serializeSafetensors(tensors),
    );
  });

  it('puts metadata first in the header', () => {
    const bytes = serializeSafetensors(tensors, { metadata: { k: 'v' } });
    const header = new TextDecoder().decode(bytes.subarray(8, 40));

    expect(header.startsWith('{"__metadata__":{"k":"v"}')).toBe(true);
  });
});

describe('serializeSafetensors errors', () => {
  const f32 = (data: TensorArray, shape = [1]) =>
    ({ dtype: 'F32', shape, data }) as TensorToWrite;

  it('rejects an empty name', () => {
    expect(writeError(f32(new Float32Array(1)), '')).toBe(
      "<buffer>: tensor '': tensor name must be non-empty and not __metadata__",
    );
  });

  it('rejects the metadata key as a name', () => {
    expect(writeError(f32(new Float32Array(1)), '__metadata__')).toBe(
      "<buffer>: tensor '__metadata__': tensor name must be non-empty and not __metadata__",
    );
  });

  it('rejects an unknown dtype', () => {
    const tensor = { dtype: 'F8', shape: [1], data: new Uint8Array(1) };

    expect(writeError(tensor as unknown as TensorToWrite)).toBe(
      '<buffer>: tensor \'x\': unknown dtype "F8" (expected one of BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64)',
    );
  });

  it('rejects a bad shape', () => {
    expect(writeError(f32(new Float32Array(1), [-1]))).toBe(
      "<buffer>: tensor 'x': shape must be an array of non-negative integers, got [-1]",
    );
  });

  it('rejects the wrong array type', () => {
    expect(writeError(f32(new Float64Array(1) as unknown as TensorArray))).toBe(
      "<buffer>: tensor 'x': data for dtype F32 must be a Float32Array, got Float64Array",
    );
  });

  it('rejects a plain array', () => {
    expect(writeError(f32([1] as unknown as TensorArray))).toBe(
      "<buffer>: tensor 'x': data for dtype F32 must be a Float32Array, got Array",
    );
  });

  it('rejects a count that misses the shape', () => {
    expect(writeError(f32(new Float32Array(5), [2, 3]))).toBe(
      "<buffer>: tensor 'x': shape [2, 3] needs 6 elements, but data has 5",
    );
  });

  it('rejects a BOOL value other than 0 or 1', () => {
    const tensor = { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 2]) };

    expect(writeError(tensor as TensorToWrite)).toBe(
      "<buffer>: tensor 'x': value 2 at flat index 1 is not a BOOL (expected 0 or 1)",
    );
  });

  it('rejects a non-string metadata value', () => {
    const metadata = { step: 3 } as unknown as Record<string, string>;
    const error = thrown(() =>
      serializeSafetensors(new Map(), { metadata, source: 'out.safetensors' }),
    );

    expect(error.message).toBe(
      "out.safetensors: metadata value 'step' must be a string, got number",
    );
  });
});
