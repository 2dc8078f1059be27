import { describe, expect, it } from 'vitest';
import {
  type DecodeTarget,
  decodeTensorData,
  parseSafetensors,
  type SafetensorsDtype,
  type SafetensorsTensor,
  serializeSafetensors,
  type TensorArray,
} from '../src/index.js';
import { rawFile, thrown } from './helpers.js';

/** Writes and reads back one rank-1 tensor named `x`. */
function roundTrip(
  dtype: SafetensorsDtype,
  data: TensorArray,
): SafetensorsTensor {
  const bytes = serializeSafetensors(
    new Map([['x', { dtype, shape: [data.length], data }]]),
  );
  const tensor = parseSafetensors(bytes).tensors.get('x');
  if (tensor === undefined) throw new Error('tensor x missing');
  return tensor;
}

/** Returns the message of the error that decoding `tensor` raises. */
function decodeError(tensor: SafetensorsTensor, target?: DecodeTarget): string {
  return thrown(() => decodeTensorData(tensor, target)).message;
}

describe('decodeTensorData', () => {
  it('copies the data out of the file', () => {
    const tensor = roundTrip('F32', new Float32Array([1, 2]));
    const first = decodeTensorData(tensor);
    tensor.bytes.fill(0);

    expect(first).toEqual(new Float32Array([1, 2]));
  });

  it('reads I64 as BigInt64Array', () => {
    const values = new BigInt64Array([-(2n ** 62n), 5n]);

    expect(decodeTensorData(roundTrip('I64', values))).toEqual(values);
  });

  it('rejects BOOL bytes other than 0 or 1', () => {
    const header = { x: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } };
    const file = parseSafetensors(rawFile(header, new Uint8Array([0, 7])));
    const tensor = file.tensors.get('x');
    if (tensor === undefined) throw new Error('tensor x missing');

    expect(decodeError(tensor)).toBe(
      "<buffer>: tensor 'x': value 7 at flat index 1 is not a BOOL (expected 0 or 1)",
    );
  });

  it('rejects an unknown target', () => {
    const tensor = roundTrip('F32', new Float32Array(1));

    expect(decodeError(tensor, 'float16' as DecodeTarget)).toBe(
      "<buffer>: tensor 'x': target must be 'float32', 'int32' or undefined, got \"float16\"",
    );
  });
});

describe('decodeTensorData to float32', () => {
  it('converts F16 and BF16 exactly', () => {
    const half = roundTrip('F16', new Uint16Array([0x3c00, 0x0001]));
    const brain = roundTrip('BF16', new Uint16Array([0xc000]));

    expect(decodeTensorData(half, 'float32')).toEqual(
      new Float32Array([1, 2 ** -24]),
    );
    expect(decodeTensorData(brain, 'float32')).toEqual(new Float32Array([-2]));
  });

  it('rounds F64 to nearest', () => {
    const tensor = roundTrip('F64', new Float64Array([0.1, -1 / 3, 1e-50]));
    const output = decodeTensorData(tensor, 'float32');

    expect(output[0]).toBe(Math.fround(0.1));
    expect(output[1]).toBe(Math.fround(-1 / 3));
    expect(output[2]).toBe(0);
  });

  it('keeps F64 infinities and NaN', () => {
    const values = new Float64Array([Infinity, -Infinity, Number.NaN]);
    const output = decodeTensorData(roundTrip('F64', values), 'float32');

    expect(output[0]).toBe(Infinity);
    expect(output[1]).toBe(-Infinity);
    expect(Number.isNaN(output[2])).toBe(true);
  });

  it('rejects F64 values that overflow', () => {
    const tensor = roundTrip('F64', new Float64Array([1, -1e39]));

    expect(decodeError(tensor, 'float32')).toBe(
      "<buffer>: tensor 'x': value -1e+39 at flat index 1 overflows float32",
    );
  });

  it('converts I64 values up to 2^24', () => {
    const values = new BigInt64Array([-(2n ** 24n), 0n, 2n ** 24n, 2n ** 40n]);

    expect(decodeTensorData(roundTrip('I64', values), 'float32')).toEqual(
      new Float32Array([-(2 ** 24), 0, 2 ** 24, 2 ** 40]),
    );
  });

  it('rejects I64 values float32 cannot hold', () => {
    const values = new BigInt64Array([0n, 2n ** 24n + 1n]);

    expect(decodeError(roundTrip('I64', values), 'float32')).toBe(
      "<buffer>: tensor 'x': value 16777217 at flat index 1 is not exactly representable as float32",
    );
  });

  it('rejects I64 values past 2^53', () => {
    const values = new BigInt64Array([2n ** 60n + 1n]);

    expect(decodeError(roundTrip('I64', values), 'float32')).toBe(
      "<buffer>: tensor 'x': value 1152921504606846977 at flat index 0 is not exactly representable as float32",
    );
  });

  it('rejects I32 values float32 cannot hold', () => {
    const values = new Int32Array([2 ** 31 - 1]);

    expect(decodeError(roundTrip('I32', values), 'float32')).toBe(
      "<buffer>: tensor 'x': value 2147483647 at flat index 0 is not exactly representable as float32",
    );
  });

  it('converts small integers and BOOL', () => {
    const bools = roundTrip('BOOL', new Uint8Array([1, 0]));
    const bytes = roundTrip('I8', new Int8Array([-128, 127]));

    expect(decodeTensorData(bools, 'float32')).toEqual(
      new Float32Array([1, 0]),
    );
    expect(decodeTensorData(bytes, 'float32')).toEqual(
      new Float32Array([-128, 127]),
    );
  });
});

describe('decodeTensorData to int32', () => {
  it('converts I64 values in range', () => {
    const values = new BigInt64Array([-(2n ** 31n), 0n, 2n ** 31n - 1n]);

    expect(decodeTensorData(roundTrip('I64', values), 'int32')).toEqual(
      new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]),
    );
  });

  it('rejects I64 values above the range', () => {
    const values = new BigInt64Array([1n, 2n ** 31n]);

    expect(decodeError(roundTrip('I64', values), 'int32')).toBe(
      "<buffer>: tensor 'x': value 2147483648 at flat index 1 is outside the int32 range [-2147483648, 2147483647]",
    );
  });

  it('rejects I64 values below the range', () => {
    const values = new BigInt64Array([-(2n ** 31n) - 1n]);

    expect(decodeError(roundTrip('I64', values), 'int32')).toBe(
      "<buffer>: tensor 'x': value -2147483649 at flat index 0 is outside the int32 range [-2147483648, 2147483647]",
    );
  });

  it('rejects U32 values above the range', () => {
    const values = new Uint32Array([2 ** 32 - 1]);

    expect(decodeError(roundTrip('U32', values), 'int32')).toBe(
      "<buffer>: tensor 'x': value 4294967295 at flat index 0 is outside the int32 range [-2147483648, 2147483647]",
    );
  });

  it('converts U64, U16 and BOOL', () => {
    const big = roundTrip('U64', new BigUint64Array([7n]));
    const short = roundTrip('U16', new Uint16Array([65535]));
    const bools = roundTrip('BOOL', new Uint8Array([1]));

    expect(decodeTensorData(big, 'int32')).toEqual(new Int32Array([7]));
    expect(decodeTensorData(short, 'int32')).toEqual(new Int32Array([65535]));
    expect(decodeTensorData(bools, 'int32')).toEqual(new Int32Array([1]));
  });

  it('rejects float dtypes', () => {
    const tensor = roundTrip('F32', new Float32Array([1]));

    expect(decodeError(tensor, 'int32')).toBe(
      "<buffer>: tensor 'x': cannot convert float dtype F32 to int32; decode it as float32 instead",
    );
  });
});
