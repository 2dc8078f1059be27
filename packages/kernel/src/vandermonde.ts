import type { DiscreteModes, ModeValues } from './modes.js';
import type { Discretization } from './params.js';

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

/** |Abar^l|^2 below which the rest of a mode's sum is dropped. */
const NEGLIGIBLE_POWER_SQUARED = 1e-60;

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
 */
export function vandermondeForward(
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

  return chainToParams(values, method, {
    sumRe,
    sumIm,
    weightedRe,
    weightedIm,
  });
}

/** The per-mode sums S and T of `vandermondeBackward`, [H * M] each. */
interface PowerSums {
  sumRe: Float64Array;
  sumIm: Float64Array;
  weightedRe: Float64Array;
  weightedIm: Float64Array;
}

/**
 * Applies the chain rule from the power sums S and T to the parameters.
 * With Bbar = G * B and z = Abar:
 * `dF/dA = 2 C B (G_A S + G T z_A)`, `dF/ddt = 2 C B (G_dt S + G T z_dt)`,
 * `dF/dC = 2 B G S` and `dF/dB = 2 C G S`.
 */
function chainToParams(
  values: ModeValues,
  method: Discretization,
  sums: PowerSums,
): ParamGradients {
  const { channels, modes, dt, aRe, aIm, cRe, cIm, bRe, bIm } = values;
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
      const a: Complex = [aRe[k] as number, aIm[k] as number];
      const c: Complex = [cRe[k] as number, cIm[k] as number];
      const b: Complex = [bRe[k] as number, bIm[k] as number];
      const s: Complex = [sums.sumRe[k] as number, sums.sumIm[k] as number];
      const t: Complex = [
        sums.weightedRe[k] as number,
        sums.weightedIm[k] as number,
      ];
      const d = modeDerivatives(step, a, method);

      const twoCB = scale(mul(c, b), 2);
      const gT = mul(d.g, t);
      const dFdA = mul(twoCB, add(mul(d.gA, s), mul(gT, d.zA)));
      const dFdDt = mul(twoCB, add(mul(d.gDt, s), mul(gT, d.zDt)));
      const twoGS = scale(mul(d.g, s), 2);
      const dFdC = mul(b, twoGS);
      const dFdB = mul(c, twoGS);

      gradients.logAReal[k] = a[0] * dFdA[0];
      gradients.aImag[k] = -dFdA[1];
      logDtGradient += step * dFdDt[0];
      gradients.c[2 * k] = dFdC[0];
      gradients.c[2 * k + 1] = -dFdC[1];
      gradients.b[2 * k] = dFdB[0];
      gradients.b[2 * k + 1] = -dFdB[1];
    }
    gradients.logDt[h] = logDtGradient;
  }
  return gradients;
}

/** A complex number as [real, imaginary]. */
type Complex = [number, number];

/** z = Abar and G = Bbar / B of one mode, with their partial derivatives. */
interface ModeDerivatives {
  g: Complex;
  zA: Complex;
  zDt: Complex;
  gA: Complex;
  gDt: Complex;
}

/**
 * ZOH: `z_A = dt z`, `z_dt = A z`, `G_A = (dt z - G) / A`, `G_dt = z`.
 * Bilinear, with `q = 1 - dt A / 2`: `z_A = dt / q^2`, `z_dt = A / q^2`,
 * `G_A = dt^2 / (2 q^2)`, `G_dt = 1 / q^2`.
 */
function modeDerivatives(
  step: number,
  a: Complex,
  method: Discretization,
): ModeDerivatives {
  if (method === 'zoh') {
    const dtA = scale(a, step);
    const z = scale([Math.cos(dtA[1]), Math.sin(dtA[1])], Math.exp(dtA[0]));
    const zMinusOne: Complex = [
      Math.expm1(dtA[0]) - 2 * Math.exp(dtA[0]) * Math.sin(dtA[1] / 2) ** 2,
      z[1],
    ];
    const g = div(zMinusOne, a);
    return {
      g,
      zA: scale(z, step),
      zDt: mul(a, z),
      gA: div(add(scale(z, step), scale(g, -1)), a),
      gDt: z,
    };
  }

  const q: Complex = [1 - (step * a[0]) / 2, -(step * a[1]) / 2];
  const inverseSquare = div([1, 0], mul(q, q));
  return {
    g: div([step, 0], q),
    zA: scale(inverseSquare, step),
    zDt: mul(a, inverseSquare),
    gA: scale(inverseSquare, (step * step) / 2),
    gDt: inverseSquare,
  };
}

function add(x: Complex, y: Complex): Complex {
  return [x[0] + y[0], x[1] + y[1]];
}

function scale(x: Complex, factor: number): Complex {
  return [x[0] * factor, x[1] * factor];
}

function mul(x: Complex, y: Complex): Complex {
  return [x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]];
}

function div(x: Complex, y: Complex): Complex {
  const norm = y[0] * y[0] + y[1] * y[1];
  return [
    (x[0] * y[0] + x[1] * y[1]) / norm,
    (x[1] * y[0] - x[0] * y[1]) / norm,
  ];
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
