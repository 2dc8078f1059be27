import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { readValues } from './backend_io.js';
import { SsmError } from './errors.js';
import type { Discretization } from './params.js';

/** The kernel inputs that hold the SSM parameters. */
export interface ParamInputs {
  logDt: TensorInfo;
  logAReal: TensorInfo;
  aImag: TensorInfo;
  c: TensorInfo;
  b?: TensorInfo;
}

/**
 * The continuous parameters of every mode in float64, with the flat index
 * `h * modes + n` for channel h and mode n.
 */
export interface ModeValues {
  channels: number;
  modes: number;
  /** Step size per channel, exp(logDt), [H]. */
  dt: Float64Array;
  /** A = aRe + i * aIm, with aRe = -exp(logAReal), [H * M]. */
  aRe: Float64Array;
  aIm: Float64Array;
  /** C, [H * M]. */
  cRe: Float64Array;
  cIm: Float64Array;
  /** B, [H * M]; all ones when the parameters have none. */
  bRe: Float64Array;
  bIm: Float64Array;
}

/** Abar and Bbar of every mode, [H * M] each. */
export interface DiscreteModes {
  aBarRe: Float64Array;
  aBarIm: Float64Array;
  bBarRe: Float64Array;
  bBarIm: Float64Array;
}

/**
 * |Abar^l|^2 below which the rest of a mode's kernel sum is dropped: once
 * |Abar^l| < 1e-30 the terms left are far below float32 resolution.
 */
export const NEGLIGIBLE_POWER_SQUARED = 1e-60;

/** ln(Number.MAX_VALUE), rounded: Math.exp overflows to Infinity above it. */
const MAX_LOG = 709.78;

/** Math.exp rounds to 0 below about this (exp(-745.14) is 0). */
const MIN_LOG = -745.13;

/**
 * Reads the parameter inputs of a kernel into float64 mode values.
 *
 * @param caller The public function name that error messages start with.
 * @throws SsmError if a parameter contains NaN or an infinity, or if dt or A
 *   overflows, or A underflows to 0.
 */
export function readModes(
  caller: string,
  backend: KernelBackend,
  inputs: ParamInputs,
): ModeValues {
  const logDt = readFinite(caller, 'params.logDt', backend, inputs.logDt);
  const logAReal = readFinite(
    caller,
    'params.logAReal',
    backend,
    inputs.logAReal,
  );
  const aImag = readFinite(caller, 'params.aImag', backend, inputs.aImag);
  const c = readFinite(caller, 'params.c', backend, inputs.c);
  const b =
    inputs.b === undefined
      ? undefined
      : readFinite(caller, 'params.b', backend, inputs.b);

  const channels = logDt.length;
  const modes = logAReal.length / channels;
  const size = channels * modes;
  const values: ModeValues = {
    channels,
    modes,
    dt: new Float64Array(channels),
    aRe: new Float64Array(size),
    aIm: new Float64Array(size),
    cRe: new Float64Array(size),
    cIm: new Float64Array(size),
    bRe: new Float64Array(size).fill(1),
    bIm: new Float64Array(size),
  };

  for (let h = 0; h < channels; h++) {
    const dt = Math.exp(logDt[h] as number);
    if (dt === Number.POSITIVE_INFINITY) {
      throw new SsmError(
        `${caller}: params.logDt must be below about ${MAX_LOG}, so that ` +
          `exp(logDt) is finite, got ${logDt[h]} at flat index ${h}.`,
      );
    }
    values.dt[h] = dt;
  }
  for (let k = 0; k < size; k++) {
    const aRe = -Math.exp(logAReal[k] as number);
    const aIm = aImag[k] as number;
    if (aRe === Number.NEGATIVE_INFINITY) {
      throw new SsmError(
        `${caller}: params.logAReal must be below about ${MAX_LOG}, so that ` +
          `exp(logAReal) is finite, got ${logAReal[k]} at flat index ${k}.`,
      );
    }
    if (aRe === 0 && aIm === 0) {
      // Bbar divides by A.
      throw new SsmError(
        `${caller}: params.logAReal must be above about ${MIN_LOG} where ` +
          `aImag is 0, so that A is non-zero, got ${logAReal[k]} at flat ` +
          `index ${k}.`,
      );
    }
    values.aRe[k] = aRe;
    values.aIm[k] = aIm;
    values.cRe[k] = c[2 * k] as number;
    values.cIm[k] = c[2 * k + 1] as number;
    if (b !== undefined) {
      values.bRe[k] = b[2 * k] as number;
      values.bIm[k] = b[2 * k + 1] as number;
    }
  }
  return values;
}

/**
 * Reads a float32 input and checks that every value is finite.
 *
 * @throws SsmError naming the argument, the first bad value and its index.
 */
export function readFinite(
  caller: string,
  name: string,
  backend: KernelBackend,
  info: TensorInfo,
): Float32Array {
  const values = readValues(backend, info);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      throw new SsmError(
        `${caller}: ${name} must be finite, got ${value} at flat index ${i}.`,
      );
    }
  }
  return values;
}

/**
 * Discretizes every mode in float64, with dtA = dt * A:
 * ZOH `Abar = exp(dtA)`, `Bbar = (exp(dtA) - 1) / A * B`;
 * bilinear `Abar = (1 + dtA / 2) / (1 - dtA / 2)`,
 * `Bbar = dt / (1 - dtA / 2) * B`.
 */
export function discretizeModes(
  values: ModeValues,
  method: Discretization,
): DiscreteModes {
  const { channels, modes, dt, aRe, aIm, bRe, bIm } = values;
  const size = channels * modes;
  const result: DiscreteModes = {
    aBarRe: new Float64Array(size),
    aBarIm: new Float64Array(size),
    bBarRe: new Float64Array(size),
    bBarIm: new Float64Array(size),
  };

  for (let h = 0; h < channels; h++) {
    const step = dt[h] as number;
    for (let k = h * modes; k < (h + 1) * modes; k++) {
      const ar = aRe[k] as number;
      const ai = aIm[k] as number;
      let zr: number;
      let zi: number;
      let gr: number;
      let gi: number;

      if (method === 'zoh') {
        // With x + iy = dtA, s = sin(y / 2) and c = cos(y / 2):
        // cos y = 1 - 2 s^2, sin y = 2 s c, and
        // Re(z - 1) = expm1(x) - 2 exp(x) s^2, which stays accurate for a
        // small dtA, where exp(x) cos(y) - 1 would cancel.
        const expm1 = Math.expm1(step * ar);
        const magnitude = expm1 + 1;
        const s = Math.sin((step * ai) / 2);
        const c = Math.cos((step * ai) / 2);
        zr = magnitude * (1 - 2 * s * s);
        zi = magnitude * 2 * s * c;

        // G = (z - 1) / A.
        const numRe = expm1 - 2 * magnitude * s * s;
        const norm = ar * ar + ai * ai;
        gr = (numRe * ar + zi * ai) / norm;
        gi = (zi * ar - numRe * ai) / norm;
      } else {
        const denRe = 1 - (step * ar) / 2;
        const denIm = -(step * ai) / 2;
        const norm = denRe * denRe + denIm * denIm;
        const numRe = 1 + (step * ar) / 2;
        const numIm = (step * ai) / 2;
        zr = (numRe * denRe + numIm * denIm) / norm;
        zi = (numIm * denRe - numRe * denIm) / norm;
        gr = (step * denRe) / norm;
        gi = (-step * denIm) / norm;
      }

      const br = bRe[k] as number;
      const bi = bIm[k] as number;
      result.aBarRe[k] = zr;
      result.aBarIm[k] = zi;
      result.bBarRe[k] = gr * br - gi * bi;
      result.bBarIm[k] = gr * bi + gi * br;
    }
  }
  return result;
}
