/**
 * The safetensors element types this package reads and writes: booleans,
 * signed and unsigned integers of 8 to 64 bits, and floats of 16 (IEEE half
 * and bfloat16), 32 and 64 bits.
 */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'U16'
  | 'I16'
  | 'F16'
  | 'BF16'
  | 'U32'
  | 'I32'
  | 'F32'
  | 'U64'
  | 'I64'
  | 'F64';

/** Bytes per element of each dtype. */
export const DTYPE_SIZES: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
  F64: 8,
};

/**
 * Dtypes that the safetensors format defines but this package does not
 * decode, so a file using them gets a specific error rather than "unknown".
 */
export const UNSUPPORTED_DTYPES: readonly string[] = [
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
];

/** Tests whether `value` names a dtype in `SafetensorsDtype`. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZES, value);
}

/** The typed array that stores the elements of each dtype in memory. */
export interface DtypeArrays {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  U16: Uint16Array;
  I16: Int16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  U32: Uint32Array;
  I32: Int32Array;
  F32: Float32Array;
  U64: BigUint64Array;
  I64: BigInt64Array;
  F64: Float64Array;
}

/** Any typed array that `DtypeArrays` maps a dtype to. */
export type TensorArray = DtypeArrays[SafetensorsDtype];

type ArrayConstructor = new (
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
) => TensorArray;

/**
 * The typed array constructor for each dtype. F16 and BF16 are stored as
 * their raw 16-bit patterns because JavaScript on Node 20 has no 16-bit float
 * array.
 */
export const DTYPE_ARRAYS: Readonly<
  Record<SafetensorsDtype, ArrayConstructor>
> = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  U16: Uint16Array,
  I16: Int16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  U32: Uint32Array,
  I32: Int32Array,
  F32: Float32Array,
  U64: BigUint64Array,
  I64: BigInt64Array,
  F64: Float64Array,
};

/**
 * Whether this machine stores numbers little-endian, as safetensors does.
 * Typed arrays use the host byte order.
 */
export const HOST_IS_LITTLE_ENDIAN =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts IEEE 754 half-precision bit patterns to float32 exactly.
 *
 * Every half value, subnormals included, is representable in float32, so the
 * conversion only moves bits. The sign stays, the exponent is rebased from
 * bias 15 to bias 127, and the 10-bit fraction moves to the top of the 23-bit
 * fraction. Infinities stay infinite and NaNs keep their payload.
 *
 * @param bits Half-precision bit patterns.
 * @returns The same values as float32.
 */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const output = new Float32Array(bits.length);
  const outputBits = new Uint32Array(output.buffer);

  for (let i = 0; i < bits.length; i++) {
    const half = bits[i] as number;
    const sign = (half & 0x8000) << 16;
    const exponent = (half >> 10) & 0x1f;
    let fraction = half & 0x3ff;

    if (exponent === 0x1f) {
      outputBits[i] = sign | 0x7f800000 | (fraction << 13);
    } else if (exponent !== 0) {
      outputBits[i] = sign | ((exponent + 112) << 23) | (fraction << 13);
    } else if (fraction === 0) {
      outputBits[i] = sign;
    } else {
      // A subnormal half is fraction * 2^-24. Shift the fraction until its
      // leading one reaches the implicit-bit position, lowering the exponent
      // once per shift, to get a normal float32.
      let shifted = 1;
      while ((fraction & 0x400) === 0) {
        fraction <<= 1;
        shifted--;
      }
      fraction &= 0x3ff;
      outputBits[i] = sign | ((shifted + 112) << 23) | (fraction << 13);
    }
  }

  return output;
}

/**
 * Converts bfloat16 bit patterns to float32 exactly. A bfloat16 value is the
 * top half of a float32, so each pattern is shifted left by 16 bits.
 *
 * @param bits bfloat16 bit patterns.
 * @returns The same values as float32.
 */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const output = new Float32Array(bits.length);
  const outputBits = new Uint32Array(output.buffer);
  for (let i = 0; i < bits.length; i++) {
    outputBits[i] = (bits[i] as number) << 16;
  }
  return output;
}
