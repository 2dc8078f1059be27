import {
  type DiscreteModes,
  type ModeValues,
  NEGLIGIBLE_POWER_SQUARED,
} from './modes.js';
import type { Discretization } from './params.js';
import {
  type PowerSums,
  simdForward,
  simdPowerSums,
} from './vandermonde_simd.js';

/** Gradients of a loss with respect to the SSM parameters. */
export interface ParamGradients {
  /** [H] */
  logDt: Float64Array;
  /** [H * M] */
  logAReal: Float64Array;
  /** [H * M] */
  aImag: Float64Array;
  /** [H * M * 2] */
  c: Float64Array;
  /** [H * M * 2] */
  b: Float64Array;
}

/** Positions between two checks of the decay of a mode. */
const DECAY_CHECK_INTERVAL = 32;

/**
 * Computes `K[h, l] = 2 * Re(sum_n W[h, n] * Abar[h, n]^l)` with
 * `W = C * Bbar`, [H * length] in row-major order.
 *
 * Each row is built with the power recurrence `p_l = p_(l-1) * Abar`, which
 * starts at `p_0 = W`, in float64: about 7 flops per (h, n, l), with no
 * [H, M, L] array. The rounding error of the recurrence grows about linearly
 * in l, times the float64 epsilon. A mode stops once |Abar^l| < 1e-30, when
 * the rest of its sum, at most 1e-30 |W| / (1 - |Abar|), is far below float32
 * resolution; this also keeps the loop out of slow subnormal arithmetic.
 *
 * Where WASM SIMD runs, `simdForward` computes the same sum as float64
 * matrix products of blocks of powers instead; elsewhere the scalar
 * JavaScript recurrence `scalarForward` runs.
 */
export function vandermondeForward(
  values: ModeValues,
  discrete: DiscreteModes,
  length: number,
): Float64Array {
  return (
    simdForward(values, discrete, length) ??
    scalarForward(values, discrete, length)
  );
}

/** `vandermondeForward` in scalar JavaScript, two modes at a time. */
export function scalarForward(
  values: ModeValues,
  discrete: DiscreteModes,
  length: number,
): Float64Array {
  const { channels, modes, cRe, cIm } = values;
  const { aBarRe, aBarIm, bBarRe, bBarIm } = discrete;
  const kernel = new Float64Array(channels * length);
  const row = new Float64Array(length);

  for (let h = 0; h < channels; h++) {
    row.fill(0);
    let n = 0;

    // Two modes per pass share the loads and stores of the row and give the
    // CPU two independent multiplication chains.
    for (; n + 1 < modes; n += 2) {
      const k = h * modes + n;
      const z1r = aBarRe[k] as number;
      const z1i = aBarIm[k] as number;
      const z2r = aBarRe[k + 1] as number;
      const z2i = aBarIm[k + 1] as number;
      let p1r = mulRe(cRe, cIm, bBarRe, bBarIm, k);
      let p1i = mulIm(cRe, cIm, bBarRe, bBarIm, k);
      let p2r = mulRe(cRe, cIm, bBarRe, bBarIm, k + 1);
      let p2i = mulIm(cRe, cIm, bBarRe, bBarIm, k + 1);
      const cut1 = NEGLIGIBLE_POWER_SQUARED * (p1r * p1r + p1i * p1i);
      const cut2 = NEGLIGIBLE_POWER_SQUARED * (p2r * p2r + p2i * p2i);
      for (let start = 0; start < length; start += DECAY_CHECK_INTERVAL) {
        const end = Math.min(start + DECAY_CHECK_INTERVAL, length);
        for (let l = start; l < end; l++) {
          row[l] = (row[l] as number) + p1r + p2r;
          const q1r = p1r * z1r - p1i * z1i;
          p1i = p1r * z1i + p1i * z1r;
          p1r = q1r;
          const q2r = p2r * z2r - p2i * z2i;
          p2i = p2r * z2i + p2i * z2r;
          p2r = q2r;
        }
        if (p1r * p1r + p1i * p1i <= cut1 && p2r * p2r + p2i * p2i <= cut2) {
          break;
        }
      }
    }

    for (; n < modes; n++) {
      const k = h * modes + n;
      const zr = aBarRe[k] as number;
      const zi = aBarIm[k] as number;
      let pr = mulRe(cRe, cIm, bBarRe, bBarIm, k);
      let pi = mulIm(cRe, cIm, bBarRe, bBarIm, k);
      const cut = NEGLIGIBLE_POWER_SQUARED * (pr * pr + pi * pi);
      for (let start = 0; start < length; start += DECAY_CHECK_INTERVAL) {
        const end = Math.min(start + DECAY_CHECK_INTERVAL, length);
        for (let l = start; l < end; l++) {
          row[l] = (row[l] as number) + pr;
          const qr = pr * zr - pi * zi;
          pi = pr * zi + pi * zr;
          pr = qr;
        }
        if (pr * pr + pi * pi <= cut) {
          break;
        }
      }
    }

    const offset = h * length;
    for (let l = 0; l < length; l++) {
      kernel[offset + l] = 2 * (row[l] as number);
    }
  }
  return kernel;
}

/**
 * Computes the gradients of `sum_(h, l) dK[h, l] * K[h, l]` with respect to
 * every parameter, for the kernel of `vandermondeForward`.
 *
 * Per mode it accumulates `S = sum_l dK[l] * z^l` and
 * `T = sum_l l * dK[l] * z^(l-1)` (z = Abar) with the same power recurrence,
 * and stops a mode once |z^l| < 1e-30 as the forward pass does.
 * With F = 2 * C * B * G * S, where Bbar = G * B, the loss is Re(F), so the
 * gradient with respect to a real parameter p is Re(dF/dp), and with respect
 * to the real and imaginary parts of C or B it is conj(dF/dC) or conj(dF/dB).
 */
export function vandermondeBackward(
  values: ModeValues,
  discrete: DiscreteModes,
  method: Discretization,
  length: number,
  dKernel: Float32Array,
): ParamGradients {
  const sums =
    simdPowerSums(values, discrete, length, dKernel) ??
    scalarPowerSums(values, discrete, length, dKernel);
  return chainToParams(values, method, sums);
}

/** Computes the power sums of `vandermondeBackward` in scalar JavaScript. */
export function scalarPowerSums(
  values: ModeValues,
  discrete: DiscreteModes,
  length: number,
  dKernel: Float32Array,
): PowerSums {
  const { channels, modes } = values;
  const { aBarRe, aBarIm } = discrete;
  const size = channels * modes;
  const sumRe = new Float64Array(size);
  const sumIm = new Float64Array(size);
  const weightedRe = new Float64Array(size);
  const weightedIm = new Float64Array(size);

  const gradientRow = new Float64Array(length);
  const weightedRow = new Float64Array(length);
  for (let h = 0; h < channels; h++) {
    const offset = h * length;
    for (let l = 0; l < length; l++) {
      const g = dKernel[offset + l] as number;
      gradientRow[l] = g;
      weightedRow[l] = l * g;
    }

    // One mode at a time: unlike the forward pass, which stores into the row
    // for every mode, this loop only reads the rows, and pairing modes did not
    // make it faster. The loop starts at l = 1 with p = z^0, and T uses p
    // before it is multiplied by z.
    for (let n = 0; n < modes; n++) {
      const k = h * modes + n;
      const zr = aBarRe[k] as number;
      const zi = aBarIm[k] as number;
      let pr = 1;
      let pi = 0;
      let sr = gradientRow[0] as number;
      let si = 0;
      let tr = 0;
      let ti = 0;
      for (let start = 1; start < length; start += DECAY_CHECK_INTERVAL) {
        const end = Math.min(start + DECAY_CHECK_INTERVAL, length);
        for (let l = start; l < end; l++) {
          const g = gradientRow[l] as number;
          const lg = weightedRow[l] as number;
          tr += lg * pr;
          ti += lg * pi;
          const qr = pr * zr - pi * zi;
          pi = pr * zi + pi * zr;
          pr = qr;
          sr += g * pr;
          si += g * pi;
        }
        if (pr * pr + pi * pi <= NEGLIGIBLE_POWER_SQUARED) {
          break;
        }
      }
      sumRe[k] = sr;
      sumIm[k] = si;
      weightedRe[k] = tr;
      weightedIm[k] = ti;
    }
  }

  return { sumRe, sumIm, weightedRe, weightedIm };
}

/**
 * Applies the chain rule from the power sums S and T to the parameters.
 * With Bbar = G * B and z = Abar:
 * `dF/dA = 2 C B (G_A S + G T z_A)`, `dF/ddt = 2 C B (G_dt S + G T z_dt)`,
 * `dF/dC = 2 B G S` and `dF/dB = 2 C G S`, where for ZOH
 * `z_A = dt z`, `z_dt = A z`, `G_A = (dt z - G) / A`, `G_dt = z`, and for
 * bilinear, with `q = 1 - dt A / 2`,
 * `z_A = dt / q^2`, `z_dt = A / q^2`, `G_A = dt^2 / (2 q^2)`, `G_dt = 1 / q^2`.
 *
 * The complex arithmetic is written out in real and imaginary parts, because
 * this runs for every mode on every backward pass, and small arrays per
 * complex number cost as much as the power sums at short lengths.
 */
function chainToParams(
  values: ModeValues,
  method: Discretization,
  sums: PowerSums,
): ParamGradients {
  const { channels, modes, dt, aRe, aIm, cRe, cIm, bRe, bIm } = values;
  const { sumRe, sumIm, weightedRe, weightedIm } = sums;
  const size = channels * modes;
  const gradients: ParamGradients = {
    logDt: new Float64Array(channels),
    logAReal: new Float64Array(size),
    aImag: new Float64Array(size),
    c: new Float64Array(2 * size),
    b: new Float64Array(2 * size),
  };

  for (let h = 0; h < channels; h++) {
    const step = dt[h] as number;
    let logDtGradient = 0;
    for (let k = h * modes; k < (h + 1) * modes; k++) {
      const ar = aRe[k] as number;
      const ai = aIm[k] as number;

      // G, z_A, z_dt, G_A and G_dt of this mode.
      let gr: number;
      let gi: number;
      let zAr: number;
      let zAi: number;
      let zDtr: number;
      let zDti: number;
      let gAr: number;
      let gAi: number;
      let gDtr: number;
      let gDti: number;
      if (method === 'zoh') {
        const expm1 = Math.expm1(step * ar);
        const magnitude = expm1 + 1;
        const s = Math.sin((step * ai) / 2);
        const c = Math.cos((step * ai) / 2);
        const zr = magnitude * (1 - 2 * s * s);
        const zi = magnitude * 2 * s * c;
        const zMinusOneRe = expm1 - 2 * magnitude * s * s;
        const norm = ar * ar + ai * ai;
        gr = (zMinusOneRe * ar + zi * ai) / norm;
        gi = (zi * ar - zMinusOneRe * ai) / norm;
        zAr = step * zr;
        zAi = step * zi;
        zDtr = ar * zr - ai * zi;
        zDti = ar * zi + ai * zr;
        const ur = step * zr - gr;
        const ui = step * zi - gi;
        gAr = (ur * ar + ui * ai) / norm;
        gAi = (ui * ar - ur * ai) / norm;
        gDtr = zr;
        gDti = zi;
      } else {
        const qr = 1 - (step * ar) / 2;
        const qi = -(step * ai) / 2;
        const qNorm = qr * qr + qi * qi;
        const q2r = qr * qr - qi * qi;
        const q2i = 2 * qr * qi;
        const q2Norm = q2r * q2r + q2i * q2i;
        const inverseRe = q2r / q2Norm;
        const inverseIm = -q2i / q2Norm;
        gr = (step * qr) / qNorm;
        gi = (-step * qi) / qNorm;
        zAr = step * inverseRe;
        zAi = step * inverseIm;
        zDtr = ar * inverseRe - ai * inverseIm;
        zDti = ar * inverseIm + ai * inverseRe;
        gAr = ((step * step) / 2) * inverseRe;
        gAi = ((step * step) / 2) * inverseIm;
        gDtr = inverseRe;
        gDti = inverseIm;
      }

      const cr = cRe[k] as number;
      const ci = cIm[k] as number;
      const br = bRe[k] as number;
      const bi = bIm[k] as number;
      const sr = sumRe[k] as number;
      const si = sumIm[k] as number;
      const tr = weightedRe[k] as number;
      const ti = weightedIm[k] as number;

      // 2 C B, and G T.
      const cbr = 2 * (cr * br - ci * bi);
      const cbi = 2 * (cr * bi + ci * br);
      const gtr = gr * tr - gi * ti;
      const gti = gr * ti + gi * tr;

      // dF/dA = 2 C B (G_A S + G T z_A).
      const xAr = gAr * sr - gAi * si + (gtr * zAr - gti * zAi);
      const xAi = gAr * si + gAi * sr + (gtr * zAi + gti * zAr);
      const dAr = cbr * xAr - cbi * xAi;
      const dAi = cbr * xAi + cbi * xAr;

      // Re(dF/ddt), with dF/ddt = 2 C B (G_dt S + G T z_dt).
      const xDtr = gDtr * sr - gDti * si + (gtr * zDtr - gti * zDti);
      const xDti = gDtr * si + gDti * sr + (gtr * zDti + gti * zDtr);
      logDtGradient += step * (cbr * xDtr - cbi * xDti);

      // dF/dC = B (2 G S) and dF/dB = C (2 G S).
      const gsr = 2 * (gr * sr - gi * si);
      const gsi = 2 * (gr * si + gi * sr);
      gradients.logAReal[k] = ar * dAr;
      gradients.aImag[k] = -dAi;
      gradients.c[2 * k] = br * gsr - bi * gsi;
      gradients.c[2 * k + 1] = -(br * gsi + bi * gsr);
      gradients.b[2 * k] = cr * gsr - ci * gsi;
      gradients.b[2 * k + 1] = -(cr * gsi + ci * gsr);
    }
    gradients.logDt[h] = logDtGradient;
  }
  return gradients;
}

function mulRe(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  k: number,
): number {
  return (
    (xr[k] as number) * (yr[k] as number) -
    (xi[k] as number) * (yi[k] as number)
  );
}

function mulIm(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  k: number,
): number {
  return (
    (xr[k] as number) * (yi[k] as number) +
    (xi[k] as number) * (yr[k] as number)
  );
}
