import { compileModule } from '@s4d/runtime';
import {
  type DiscreteModes,
  type ModeValues,
  NEGLIGIBLE_POWER_SQUARED,
} from './modes.js';
import { vandermondeModuleBase64 } from './wasm/vandermonde_module.js';

/** The per-mode power sums S and T of the kernel's gradient, [H * M] each. */
export interface PowerSums {
  sumRe: Float64Array;
  sumIm: Float64Array;
  weightedRe: Float64Array;
  weightedIm: Float64Array;
}

/** The exports of `wasm/vandermonde.wat`. */
interface VandermondeExports {
  memory: WebAssembly.Memory;
  matmul(
    a: number,
    b: number,
    c: number,
    rows: number,
    inner: number,
    cols: number,
  ): void;
}

/**
 * Positions per block: a kernel row of length L is computed as a
 * [ceil(L / BLOCK), BLOCK] matrix.
 */
const BLOCK = 32;

/**
 * |x|^2 below which a power is set to 0. Products of two unflushed powers
 * stay above 1e-300, clear of subnormal numbers, which are slow, and the
 * terms dropped are far below float32 resolution.
 */
const FLUSH_SQUARED = 1e-300;

/**
 * Returns the number of block rows a channel needs, even and at most
 * `rows`: the rows up to the first one where every mode's |z^(BLOCK a)| is
 * below 1e-30. Rows past it contribute nothing, so fast-decaying channels
 * of long kernels cost their decay length, not L.
 */
function activeRows(
  aBarRe: Float64Array,
  aBarIm: Float64Array,
  start: number,
  modes: number,
  rows: number,
): number {
  let needed = 0;
  for (let n = start; n < start + modes; n++) {
    const zr = aBarRe[n] as number;
    const zi = aBarIm[n] as number;
    const squared = zr * zr + zi * zi;
    if (squared >= 1) {
      return rows;
    }
    // |z|^(2 BLOCK a) <= 1e-60 from a = log(1e-60) / (BLOCK log |z|^2) on.
    const decayed =
      squared === 0
        ? 1
        : Math.ceil(
            Math.log(NEGLIGIBLE_POWER_SQUARED) / (BLOCK * Math.log(squared)),
          ) + 1;
    needed = Math.max(needed, decayed);
    if (needed >= rows) {
      return rows;
    }
  }
  return Math.min(rows, needed + (needed % 2));
}

const PAGE_BYTES = 65536;

/** The instance, null where WASM SIMD does not compile, or not yet made. */
let simd: VandermondeExports | null | undefined;

/**
 * Returns the WASM SIMD Vandermonde code, compiling it on first use, or null
 * where the runtime has no WASM SIMD. Its memory contains one channel's
 * matrices at a time, at most about 40 bytes per position plus 32 KiB at
 * 32 modes, and grows to the longest kernel so far.
 */
function simdModule(): VandermondeExports | null {
  if (simd === undefined) {
    const module = compileModule(vandermondeModuleBase64);
    simd =
      module === null
        ? null
        : (new WebAssembly.Instance(module)
            .exports as unknown as VandermondeExports);
  }
  return simd;
}

/** Tells whether `simdForward` and `simdPowerSums` can run here. */
export function hasSimdVandermonde(): boolean {
  return simdModule() !== null;
}

/**
 * Lays out consecutive float64 areas of the given sizes in the module's
 * memory, growing it when needed, and returns their byte offsets.
 */
function allocate(module: VandermondeExports, floats: number[]): number[] {
  const offsets: number[] = [];
  let end = 0;
  for (const count of floats) {
    offsets.push(end);
    // 16-byte steps keep every area aligned for v128 loads.
    end += Math.ceil((count * 8) / 16) * 16;
  }
  const pages = Math.ceil(end / PAGE_BYTES);
  const current = module.memory.buffer.byteLength / PAGE_BYTES;
  if (pages > current) {
    module.memory.grow(pages - current);
  }
  return offsets;
}

/** Returns the number of rows of the blocked matrices, even for the matmul. */
function blockRows(length: number): number {
  const rows = Math.ceil(length / BLOCK);
  return rows + (rows % 2);
}

/**
 * Computes the kernel `K[h, l] = 2 * Re(sum_n W[h, n] * Abar[h, n]^l)`,
 * [H * length], with W = C * Bbar, as one float64 matrix product per channel
 * in WASM SIMD.
 * Returns null where the runtime has no WASM SIMD.
 *
 * With l = BLOCK * a + b, `z^l = z^(BLOCK a) * z^b`, so
 * `K[a, b] = 2 * sum_n (Re P[a, n] Re Q[n, b] - Im P[a, n] Im Q[n, b])`
 * with `P[a, n] = W_n z_n^(BLOCK a)` and `Q[n, b] = z_n^b`: a real product
 * of [rows, 2 M] and [2 M, BLOCK] matrices. The powers come from short
 * recurrences (BLOCK steps of z, then steps of z^BLOCK), so no [H, M, L]
 * array is made and the rounding error grows with BLOCK + L / BLOCK, not L.
 */
export function simdForward(
  values: ModeValues,
  discrete: DiscreteModes,
  length: number,
): Float64Array | null {
  const module = simdModule();
  if (module === null) {
    return null;
  }
  const { channels, modes, cRe, cIm } = values;
  const { aBarRe, aBarIm, bBarRe, bBarIm } = discrete;
  // An even mode count keeps the matmul's column count a multiple of 8 in
  // the backward pass; the extra mode is zero.
  const padded = modes + (modes % 2);
  const inner = 2 * padded;
  const rows = blockRows(length);
  const [pOffset, qOffset, kOffset] = allocate(module, [
    rows * inner,
    inner * BLOCK,
    rows * BLOCK,
  ]) as [number, number, number];
  const buffer = module.memory.buffer;
  const p = new Float64Array(buffer, pOffset, rows * inner);
  const q = new Float64Array(buffer, qOffset, inner * BLOCK);
  const k = new Float64Array(buffer, kOffset, rows * BLOCK);
  const kernel = new Float64Array(channels * length);

  for (let h = 0; h < channels; h++) {
    const active = activeRows(aBarRe, aBarIm, h * modes, modes, rows);
    for (let n = 0; n < padded; n++) {
      const index = h * modes + n;
      const real = n < modes;
      const zr = real ? (aBarRe[index] as number) : 0;
      const zi = real ? (aBarIm[index] as number) : 0;

      // Q[n, b] = z^b, real parts in row n and imaginary ones in padded + n.
      let pr = 1;
      let pi = 0;
      for (let b = 0; b < BLOCK; b++) {
        q[n * BLOCK + b] = pr;
        q[(padded + n) * BLOCK + b] = pi;
        const nr = pr * zr - pi * zi;
        pi = pr * zi + pi * zr;
        pr = nr;
        if (pr * pr + pi * pi < FLUSH_SQUARED) {
          pr = 0;
          pi = 0;
        }
      }

      // P[a, n] = W z^(BLOCK a), with z^BLOCK = (pr, pi) now.
      const cr = real ? (cRe[index] as number) : 0;
      const ci = real ? (cIm[index] as number) : 0;
      const br = real ? (bBarRe[index] as number) : 0;
      const bi = real ? (bBarIm[index] as number) : 0;
      let wr = cr * br - ci * bi;
      let wi = cr * bi + ci * br;
      for (let a = 0; a < active; a++) {
        p[a * inner + n] = wr;
        p[a * inner + padded + n] = -wi;
        const nr = wr * pr - wi * pi;
        wi = wr * pi + wi * pr;
        wr = nr;
        if (wr * wr + wi * wi < FLUSH_SQUARED) {
          wr = 0;
          wi = 0;
        }
      }
    }

    module.matmul(pOffset, qOffset, kOffset, active, inner, BLOCK);
    // The kernel stays 0 past the active rows.
    const offset = h * length;
    const end = Math.min(length, active * BLOCK);
    for (let l = 0; l < end; l++) {
      kernel[offset + l] = 2 * (k[l] as number);
    }
  }
  return kernel;
}

/**
 * Computes the power sums `S = sum_l dK[l] * z^l` and
 * `T = sum_l l * dK[l] * z^(l-1)` of every mode (z = Abar), with one
 * float64 matrix product per channel in WASM SIMD. Returns null where the
 * runtime has no WASM SIMD.
 *
 * With l = BLOCK * a + b and dK as a [rows, BLOCK] matrix G, the product
 * of G with the [BLOCK, 4 M] matrix of z^b and b z^(b-1) gives, per row a,
 * `G1[a] = sum_b G[a, b] z^b` and `G2[a] = sum_b G[a, b] b z^(b-1)`. Then
 * `S = sum_a z^(BLOCK a) G1[a]` and, since
 * `l z^(l-1) = BLOCK a z^(BLOCK a - 1) z^b + z^(BLOCK a) b z^(b-1)`,
 * `T = sum_a (BLOCK a z^(BLOCK a - 1) G1[a] + z^(BLOCK a) G2[a])`.
 *
 * @param dKernel The upstream gradient, [H * length].
 */
export function simdPowerSums(
  values: ModeValues,
  discrete: DiscreteModes,
  length: number,
  dKernel: Float32Array,
): PowerSums | null {
  const module = simdModule();
  if (module === null) {
    return null;
  }
  const { channels, modes } = values;
  const { aBarRe, aBarIm } = discrete;
  const padded = modes + (modes % 2);
  const cols = 4 * padded;
  const rows = blockRows(length);
  const [gOffset, bOffset, cOffset] = allocate(module, [
    rows * BLOCK,
    BLOCK * cols,
    rows * cols,
  ]) as [number, number, number];
  const buffer = module.memory.buffer;
  const g = new Float64Array(buffer, gOffset, rows * BLOCK);
  const powers = new Float64Array(buffer, bOffset, BLOCK * cols);
  const c = new Float64Array(buffer, cOffset, rows * cols);

  const size = channels * modes;
  const sums: PowerSums = {
    sumRe: new Float64Array(size),
    sumIm: new Float64Array(size),
    weightedRe: new Float64Array(size),
    weightedIm: new Float64Array(size),
  };
  // z^BLOCK and z^(BLOCK - 1) of each mode of the current channel.
  const blockRe = new Float64Array(padded);
  const blockIm = new Float64Array(padded);
  const beforeRe = new Float64Array(padded);
  const beforeIm = new Float64Array(padded);

  for (let h = 0; h < channels; h++) {
    const active = activeRows(aBarRe, aBarIm, h * modes, modes, rows);
    const used = Math.min(length, active * BLOCK);
    g.set(dKernel.subarray(h * length, h * length + used));
    g.fill(0, used, active * BLOCK);

    for (let n = 0; n < padded; n++) {
      const index = h * modes + n;
      const real = n < modes;
      const zr = real ? (aBarRe[index] as number) : 0;
      const zi = real ? (aBarIm[index] as number) : 0;
      // Columns n and padded + n get z^b, 2 padded + n and 3 padded + n get
      // b z^(b-1), from the power before (pr, pi).
      let pr = 1;
      let pi = 0;
      let previousRe = 0;
      let previousIm = 0;
      for (let b = 0; b < BLOCK; b++) {
        const row = b * cols;
        powers[row + n] = pr;
        powers[row + padded + n] = pi;
        powers[row + 2 * padded + n] = b * previousRe;
        powers[row + 3 * padded + n] = b * previousIm;
        previousRe = pr;
        previousIm = pi;
        const nr = pr * zr - pi * zi;
        pi = pr * zi + pi * zr;
        pr = nr;
        if (pr * pr + pi * pi < FLUSH_SQUARED) {
          pr = 0;
          pi = 0;
        }
      }
      blockRe[n] = pr;
      blockIm[n] = pi;
      beforeRe[n] = previousRe;
      beforeIm[n] = previousIm;
    }

    module.matmul(gOffset, bOffset, cOffset, active, BLOCK, cols);

    for (let n = 0; n < modes; n++) {
      const zBr = blockRe[n] as number;
      const zBi = blockIm[n] as number;
      const zPr = beforeRe[n] as number;
      const zPi = beforeIm[n] as number;
      // Z = z^(BLOCK a) and D = BLOCK a z^(BLOCK a - 1), from Z = 1, D = 0.
      let zr = 1;
      let zi = 0;
      let dr = 0;
      let di = 0;
      let sr = 0;
      let si = 0;
      let tr = 0;
      let ti = 0;
      for (let a = 0; a < active; a++) {
        const row = a * cols;
        const g1r = c[row + n] as number;
        const g1i = c[row + padded + n] as number;
        const g2r = c[row + 2 * padded + n] as number;
        const g2i = c[row + 3 * padded + n] as number;
        sr += zr * g1r - zi * g1i;
        si += zr * g1i + zi * g1r;
        tr += dr * g1r - di * g1i + (zr * g2r - zi * g2i);
        ti += dr * g1i + di * g1r + (zr * g2i + zi * g2r);

        const scale = BLOCK * (a + 1);
        dr = scale * (zr * zPr - zi * zPi);
        di = scale * (zr * zPi + zi * zPr);
        const nr = zr * zBr - zi * zBi;
        zi = zr * zBi + zi * zBr;
        zr = nr;
        if (zr * zr + zi * zi < FLUSH_SQUARED) {
          zr = 0;
          zi = 0;
        }
        if (dr * dr + di * di < FLUSH_SQUARED) {
          dr = 0;
          di = 0;
        }
      }
      const index = h * modes + n;
      sums.sumRe[index] = sr;
      sums.sumIm[index] = si;
      sums.weightedRe[index] = tr;
      sums.weightedIm[index] = ti;
    }
  }
  return sums;
}
