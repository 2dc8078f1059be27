import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DiscreteModes, ModeValues } from '../src/modes.js';
import { scalarForward, scalarPowerSums } from '../src/vandermonde.js';
import {
  hasSimdVandermonde,
  simdForward,
  simdPowerSums,
} from '../src/vandermonde_simd.js';

/** Uniform values in [0, 1) from a fixed seed (a Lehmer generator). */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

/**
 * Random modes with |Abar| between `minMagnitude` and 1, so some modes
 * decay below the cut-offs and flush thresholds within the length and
 * others never do.
 */
function randomModes(
  channels: number,
  modes: number,
  minMagnitude: number,
  seed: number,
): { values: ModeValues; discrete: DiscreteModes } {
  const next = uniform(seed);
  const size = channels * modes;
  const random = (scale = 1, shift = 0) =>
    Float64Array.from({ length: size }, () => scale * next() + shift);
  const magnitude = random(1 - minMagnitude, minMagnitude);
  const angle = random(2 * Math.PI);
  const values: ModeValues = {
    channels,
    modes,
    dt: new Float64Array(channels).fill(0.1),
    aRe: random(-1),
    aIm: random(),
    cRe: random(2, -1),
    cIm: random(2, -1),
    bRe: random(2, -1),
    bIm: random(2, -1),
  };
  const discrete: DiscreteModes = {
    aBarRe: magnitude.map((m, k) => m * Math.cos(angle[k] as number)),
    aBarIm: magnitude.map((m, k) => m * Math.sin(angle[k] as number)),
    bBarRe: random(2, -1),
    bBarIm: random(2, -1),
  };
  return { values, discrete };
}

/** max |a - b| / max |b|, and 0 where a and b are equal. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>) {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    difference = Math.max(difference, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return difference === 0 ? 0 : difference / scale;
}

// Odd and even mode counts (the SIMD code pads to even ones), and lengths
// below, at and past its blocks of 32 positions.
const CASES = [
  { modes: 1, length: 1 },
  { modes: 3, length: 2 },
  { modes: 4, length: 33 },
  { modes: 5, length: 64 },
  { modes: 32, length: 300 },
];

describe('WASM SIMD Vandermonde code', () => {
  it('compiles here', () => {
    expect(hasSimdVandermonde()).toBe(true);
  });

  for (const { modes, length } of CASES) {
    for (const minMagnitude of [1e-3, 0.5, 0.999]) {
      const label = `${modes} modes, length ${length}, |Abar| >= ${minMagnitude}`;
      const { values, discrete } = randomModes(3, modes, minMagnitude, 7);

      it(`gives the scalar kernel, ${label}`, () => {
        const simd = simdForward(values, discrete, length);
        const scalar = scalarForward(values, discrete, length);

        expect(simd).not.toBeNull();
        expect(simd?.length).toBe(scalar.length);
        expect(relativeDifference(simd ?? [], scalar)).toBeLessThan(1e-12);
      });

      it(`gives the scalar power sums, ${label}`, () => {
        const next = uniform(3);
        const dKernel = Float32Array.from(
          { length: 3 * length },
          () => next() - 0.5,
        );
        const simd = simdPowerSums(values, discrete, length, dKernel);
        const scalar = scalarPowerSums(values, discrete, length, dKernel);

        expect(simd).not.toBeNull();
        for (const key of Object.keys(scalar) as (keyof typeof scalar)[]) {
          expect(simd?.[key].length).toBe(scalar[key].length);
          expect(
            relativeDifference(simd?.[key] ?? [], scalar[key]),
          ).toBeLessThan(1e-12);
        }
      });
    }
  }

  it('was assembled from the committed source', () => {
    // The script exits with status 1, which throws here, when the module
    // in src/wasm differs from what wasm/vandermonde.wat compiles to.
    expect(() =>
      execFileSync(
        process.execPath,
        ['../../scripts/build-wasm.mjs', '--check'],
        {
          stdio: 'pipe',
        },
      ),
    ).not.toThrow();
  });
});
