import type { DiscreteModes, ModeValues } from './modes.js';
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
  forward(
    zRe: number,
    zIm: number,
    wRe: number,
    wIm: number,
    channels: number,
    groups: number,
    length: number,
    row: number,
    out: number,
  ): void;
  backward(
    zRe: number,
    zIm: number,
    grad: number,
    channels: number,
    groups: number,
    length: number,
    sRe: number,
    sIm: number,
    tRe: number,
    tIm: number,
  ): void;
}

/** Modes per group in the WASM code: two vectors of two float64 lanes. */
const GROUP = 4;

const PAGE_BYTES = 65536;

/** The instance, null where WASM SIMD does not compile, or not yet made. */
let simd: VandermondeExports | null | undefined;

/**
 * Returns the WASM SIMD Vandermonde code, compiling it on first use, or null
 * where the runtime has no WASM SIMD. Its memory grows to the largest call
 * so far and is kept for later calls: about 40 bytes per (h, l) of the
 * longest kernel.
 */
function simdModule(): VandermondeExports | null {
  if (simd === undefined) {
    try {
      const bytes = Uint8Array.from(atob(vandermondeModuleBase64), (char) =>
        char.charCodeAt(0),
      );
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      simd = instance.exports as unknown as VandermondeExports;
    } catch (error) {
      if (!(error instanceof WebAssembly.CompileError)) {
        throw error;
      }
      simd = null;
    }
  }
  return simd;
}

/** Whether `simdForward` and `simdPowerSums` can run here. */
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

/** Copies [H * M] mode values into [H, groups, 4] with zero padding. */
function writePadded(
  target: Float64Array,
  source: Float64Array,
  channels: number,
  modes: number,
  padded: number,
): void {
  for (let h = 0; h < channels; h++) {
    target.set(source.subarray(h * modes, (h + 1) * modes), h * padded);
    target.fill(0, h * padded + modes, (h + 1) * padded);
  }
}

/** Copies [H, groups, 4] padded values back to [H * M]. */
function readPadded(
  source: Float64Array,
  channels: number,
  modes: number,
  padded: number,
): Float64Array {
  const target = new Float64Array(channels * modes);
  for (let h = 0; h < channels; h++) {
    target.set(source.subarray(h * padded, h * padded + modes), h * modes);
  }
  return target;
}

/**
 * The kernel `K[h, l] = 2 * Re(sum_n W[h, n] * Abar[h, n]^l)`, [H * length],
 * computed as `vandermondeForward` describes, four modes at a time in WASM
 * SIMD. Returns null where the runtime has no WASM SIMD.
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
  const groups = Math.ceil(modes / GROUP);
  const padded = groups * GROUP;
  const size = channels * padded;
  const [zRe, zIm, wRe, wIm, row, out] = allocate(module, [
    size,
    size,
    size,
    size,
    2 * length,
    channels * length,
  ]) as [number, number, number, number, number, number];

  const view = (offset: number, count: number) =>
    new Float64Array(module.memory.buffer, offset, count);
  const wReValues = new Float64Array(channels * modes);
  const wImValues = new Float64Array(channels * modes);
  for (let k = 0; k < channels * modes; k++) {
    const cr = cRe[k] as number;
    const ci = cIm[k] as number;
    const br = bBarRe[k] as number;
    const bi = bBarIm[k] as number;
    wReValues[k] = cr * br - ci * bi;
    wImValues[k] = cr * bi + ci * br;
  }
  writePadded(view(zRe, size), aBarRe, channels, modes, padded);
  writePadded(view(zIm, size), aBarIm, channels, modes, padded);
  writePadded(view(wRe, size), wReValues, channels, modes, padded);
  writePadded(view(wIm, size), wImValues, channels, modes, padded);

  module.forward(zRe, zIm, wRe, wIm, channels, groups, length, row, out);
  return view(out, channels * length).slice();
}

/**
 * The power sums `S = sum_l dK[l] * z^l` and
 * `T = sum_l l * dK[l] * z^(l-1)` of every mode (z = Abar), as
 * `vandermondeBackward` describes, four modes at a time in WASM SIMD.
 * Returns null where the runtime has no WASM SIMD.
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
  const groups = Math.ceil(modes / GROUP);
  const padded = groups * GROUP;
  const size = channels * padded;
  const [zRe, zIm, sRe, sIm, tRe, tIm, grad] = allocate(module, [
    size,
    size,
    size,
    size,
    size,
    size,
    Math.ceil((channels * length) / 2),
  ]) as [number, number, number, number, number, number, number];

  const view = (offset: number) =>
    new Float64Array(module.memory.buffer, offset, size);
  writePadded(view(zRe), discrete.aBarRe, channels, modes, padded);
  writePadded(view(zIm), discrete.aBarIm, channels, modes, padded);
  new Float32Array(module.memory.buffer, grad, channels * length).set(
    dKernel.subarray(0, channels * length),
  );

  module.backward(zRe, zIm, grad, channels, groups, length, sRe, sIm, tRe, tIm);
  return {
    sumRe: readPadded(view(sRe), channels, modes, padded),
    sumIm: readPadded(view(sIm), channels, modes, padded),
    weightedRe: readPadded(view(tRe), channels, modes, padded),
    weightedIm: readPadded(view(tIm), channels, modes, padded),
  };
}
