import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from '../src/index.js';

/** IEEE half bits to a float64 value, from the definition of the format. */
function halfReference(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) {
    return fraction === 0 ? sign * Infinity : Number.NaN;
  }
  if (exponent === 0) {
    return sign * fraction * 2 ** -24;
  }
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

describe('float16BitsToFloat32', () => {
  // Hand-computed values of half-precision bit patterns.
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x3bff, 0.99951171875],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x0400, 2 ** -14],
    [0x0001, 2 ** -24],
    [0x0002, 2 ** -23],
    [0x0155, 341 * 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x8001, -(2 ** -24)],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];

  for (const [bits, value] of cases) {
    it(`converts 0x${bits.toString(16).padStart(4, '0')}`, () => {
      const output = float16BitsToFloat32(new Uint16Array([bits]));

      expect(output[0]).toBe(value);
      expect(output[0]).toBe(halfReference(bits));
    });
  }

  it('keeps negative zero', () => {
    const output = float16BitsToFloat32(new Uint16Array([0x8000]));

    expect(Object.is(output[0], -0)).toBe(true);
  });

  it('converts NaN with its payload', () => {
    const output = float16BitsToFloat32(new Uint16Array([0x7e00, 0xfc01]));
    const bits = new Uint32Array(output.buffer);

    expect(Number.isNaN(output[0])).toBe(true);
    expect(bits[0]).toBe(0x7fc00000);
    expect(bits[1]).toBe(0xff802000);
  });

  it('matches the definition on every pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const output = float16BitsToFloat32(all);
    let mismatches = 0;
    for (let i = 0; i < all.length; i++) {
      const expected = halfReference(i);
      const actual = output[i] as number;
      const same = Number.isNaN(expected)
        ? Number.isNaN(actual)
        : Object.is(actual, expected);
      if (!same) {
        mismatches++;
      }
    }

    expect(mismatches).toBe(0);
  });
});

describe('bfloat16BitsToFloat32', () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3f80, 1],
    [0xc000, -2],
    [0x3eab, 0.333984375],
    [0x4049, 3.140625],
    [0x7f7f, 3.3895313892515355e38],
    [0x0080, 2 ** -126],
    [0x0001, 2 ** -133],
    [0x7f80, Infinity],
    [0xff80, -Infinity],
  ];

  for (const [bits, value] of cases) {
    it(`converts 0x${bits.toString(16).padStart(4, '0')}`, () => {
      const output = bfloat16BitsToFloat32(new Uint16Array([bits]));

      expect(output[0]).toBe(value);
    });
  }

  it('keeps negative zero and NaN', () => {
    const output = bfloat16BitsToFloat32(new Uint16Array([0x8000, 0x7fc1]));
    const bits = new Uint32Array(output.buffer);

    expect(Object.is(output[0], -0)).toBe(true);
    expect(bits[1]).toBe(0x7fc10000);
  });
});
