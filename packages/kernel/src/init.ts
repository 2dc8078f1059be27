import { tensor1d, tensor2d, tensor3d } from '@tensorflow/tfjs-core';
import { SsmError } from './errors.js';
import { legsModes } from './hippo.js';
import type { SsmInit, SsmParams } from './params.js';
import { describeValue } from './params.js';
import { SeededRandom } from './random.js';

/** Options for `initSsmParams`. */
export interface InitSsmParamsOptions {
  /** H, the number of channels. */
  channels: number;
  /** N, the state size, a positive even integer; M = N / 2 modes. */
  stateSize: number;
  /** The initialization of A; `legs` by default. */
  init?: SsmInit;
  /** The smallest initial step size; 0.001 by default. */
  dtMin?: number;
  /** The largest initial step size; 0.1 by default. */
  dtMax?: number;
  /**
   * Seed of the generator for logDt, C and D. The same seed gives the same
   * parameters; when absent, the seed is drawn from `Math.random`.
   */
  seed?: number;
  /** Whether to create B (otherwise it is all ones and not a parameter). */
  withB?: boolean;
}

const INITS: readonly SsmInit[] = ['legs', 'inv', 'lin', 'real'];

/**
 * Creates the parameters of one diagonal SSM layer with an S4D
 * initialization, with n = 0 .. M - 1:
 *
 * - A: `legs` gives Re A = -1/2 and Im A from the normal part of HiPPO-LegS;
 *   `inv` gives Re A = -1/2, `Im A = (N / pi) * (N / (2n + 1) - 1)`; `lin`
 *   gives Re A = -1/2, `Im A = pi * n`; `real` gives `A = -(n + 1)`.
 * - logDt: uniform on [ln dtMin, ln dtMax].
 * - C: real and imaginary parts normal with variance 1/2.
 * - D: standard normal.
 * - B, with `withB`: 1 + 0i, except for `legs`, where it is the HiPPO-LegS
 *   input in the eigenvector basis (real and positive).
 *
 * The numbers come from a seeded Mulberry32 generator, drawn in the order
 * logDt, C, D, so a seed fixes the result.
 *
 * @example
 * const params = initSsmParams({ channels: 256, stateSize: 64, seed: 42 });
 *
 * @returns New float32 tensors (not variables): logDt [H], logAReal [H, M],
 *   aImag [H, M], c [H, M, 2], d [H] and, with `withB`, b [H, M, 2].
 * @throws SsmError on a non-positive channel count, an odd or non-positive
 *   state size, an unknown init, or step sizes that are not
 *   0 < dtMin <= dtMax.
 */
export function initSsmParams(options: InitSsmParamsOptions): SsmParams {
  const {
    channels,
    stateSize,
    init = 'legs',
    dtMin = 0.001,
    dtMax = 0.1,
    withB = false,
  } = options;
  checkOptions(options, init, dtMin, dtMax);

  const modes = stateSize / 2;
  const size = channels * modes;
  const seed = options.seed ?? Math.floor(Math.random() * 4294967296);
  const random = new SeededRandom(seed);

  const logDt = new Float32Array(channels);
  const logDtMin = Math.log(dtMin);
  const logDtMax = Math.log(dtMax);
  for (let h = 0; h < channels; h++) {
    logDt[h] = logDtMin + random.uniform() * (logDtMax - logDtMin);
  }

  const c = new Float32Array(2 * size);
  for (let i = 0; i < c.length; i++) {
    c[i] = random.normal() * Math.SQRT1_2;
  }

  const d = new Float32Array(channels);
  for (let h = 0; h < channels; h++) {
    d[h] = random.normal();
  }

  const legs = init === 'legs' ? legsModes(stateSize) : undefined;
  const logAReal = new Float32Array(size);
  const aImag = new Float32Array(size);
  const b = new Float32Array(2 * size);
  for (let h = 0; h < channels; h++) {
    for (let n = 0; n < modes; n++) {
      const k = h * modes + n;
      logAReal[k] = init === 'real' ? Math.log(n + 1) : Math.log(0.5);
      aImag[k] = initialImag(init, n, stateSize, legs);
      b[2 * k] = legs === undefined ? 1 : (legs.b[n] as number);
    }
  }

  const params: SsmParams = {
    logDt: tensor1d(logDt),
    logAReal: tensor2d(logAReal, [channels, modes]),
    aImag: tensor2d(aImag, [channels, modes]),
    c: tensor3d(c, [channels, modes, 2]),
    d: tensor1d(d),
  };
  if (withB) {
    params.b = tensor3d(b, [channels, modes, 2]);
  }
  return params;
}

function initialImag(
  init: SsmInit,
  n: number,
  stateSize: number,
  legs: { aImag: Float64Array } | undefined,
): number {
  switch (init) {
    case 'legs':
      return legs?.aImag[n] as number;
    case 'inv':
      return (stateSize / Math.PI) * (stateSize / (2 * n + 1) - 1);
    case 'lin':
      return Math.PI * n;
    case 'real':
      return 0;
  }
}

function checkOptions(
  options: InitSsmParamsOptions,
  init: unknown,
  dtMin: number,
  dtMax: number,
): void {
  const { channels, stateSize, seed } = options;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new SsmError(
      `initSsmParams: channels must be a positive integer, got ` +
        `${describeValue(channels)}.`,
    );
  }
  if (!Number.isInteger(stateSize) || stateSize < 2 || stateSize % 2 !== 0) {
    throw new SsmError(
      `initSsmParams: stateSize must be a positive even integer, got ` +
        `${describeValue(stateSize)}.`,
    );
  }
  if (!INITS.includes(init as SsmInit)) {
    throw new SsmError(
      `initSsmParams: init must be one of ${INITS.map((name) => `'${name}'`).join(', ')}, ` +
        `got ${describeValue(init)}.`,
    );
  }
  if (!(dtMin > 0 && dtMin <= dtMax && Number.isFinite(dtMax))) {
    throw new SsmError(
      `initSsmParams: dtMin and dtMax must satisfy 0 < dtMin <= dtMax < ` +
        `Infinity, got dtMin ${describeValue(dtMin)} and dtMax ` +
        `${describeValue(dtMax)}.`,
    );
  }
  if (seed !== undefined && !Number.isFinite(seed)) {
    throw new SsmError(
      `initSsmParams: seed must be a finite number, got ` +
        `${describeValue(seed)}.`,
    );
  }
}
