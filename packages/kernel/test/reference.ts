// Float64 references for the SSM math, written directly from the formulas
// and independent of the code under test: powers of Abar come from exp and
// log, not from a recurrence.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Discretization, SsmParams } from '../src/index.js';

/** A complex number as [real, imaginary]. */
export type Complex = [number, number];

/** Plain float64 copies of the parameters. */
export interface ParamValues {
  channels: number;
  modes: number;
  logDt: number[];
  logAReal: number[];
  aImag: number[];
  c: number[];
  d: number[];
  b: number[] | undefined;
}

export function toValues(params: SsmParams): ParamValues {
  const flat = (tensor: Tensor) => Array.from(tensor.dataSync());
  const [channels, modes] = params.logAReal.shape;
  return {
    channels,
    modes,
    logDt: flat(params.logDt),
    logAReal: flat(params.logAReal),
    aImag: flat(params.aImag),
    c: flat(params.c),
    d: flat(params.d),
    b: params.b === undefined ? undefined : flat(params.b),
  };
}

export function cMul(x: Complex, y: Complex): Complex {
  return [x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]];
}

export function cDiv(x: Complex, y: Complex): Complex {
  const norm = y[0] * y[0] + y[1] * y[1];
  return [
    (x[0] * y[0] + x[1] * y[1]) / norm,
    (x[1] * y[0] - x[0] * y[1]) / norm,
  ];
}

export function cExp(x: Complex): Complex {
  const magnitude = Math.exp(x[0]);
  return [magnitude * Math.cos(x[1]), magnitude * Math.sin(x[1])];
}

/** Computes the principal logarithm. */
export function cLog(x: Complex): Complex {
  return [Math.log(Math.hypot(x[0], x[1])), Math.atan2(x[1], x[0])];
}

/** Abar, Bbar and log(Abar) of mode (h, n). */
export function discreteMode(
  values: ParamValues,
  h: number,
  n: number,
  method: Discretization,
): { aBar: Complex; bBar: Complex; logABar: Complex } {
  const k = h * values.modes + n;
  const dt = Math.exp(values.logDt[h] as number);
  const a: Complex = [
    -Math.exp(values.logAReal[k] as number),
    values.aImag[k] as number,
  ];
  const b: Complex =
    values.b === undefined
      ? [1, 0]
      : [values.b[2 * k] as number, values.b[2 * k + 1] as number];
  const dtA: Complex = [dt * a[0], dt * a[1]];

  if (method === 'zoh') {
    const aBar = cExp(dtA);
    const bBar = cMul(cDiv([aBar[0] - 1, aBar[1]], a), b);
    return { aBar, bBar, logABar: dtA };
  }
  const denominator: Complex = [1 - dtA[0] / 2, -dtA[1] / 2];
  const aBar = cDiv([1 + dtA[0] / 2, dtA[1] / 2], denominator);
  const bBar = cMul(cDiv([dt, 0], denominator), b);
  return { aBar, bBar, logABar: cLog(aBar) };
}

/**
 * K[h][l] = 2 Re(sum_n C Bbar Abar^l), with Abar^l = exp(l * log Abar).
 */
export function referenceKernel(
  values: ParamValues,
  length: number,
  method: Discretization,
): number[][] {
  const kernel: number[][] = [];
  for (let h = 0; h < values.channels; h++) {
    const row = new Array<number>(length).fill(0);
    for (let n = 0; n < values.modes; n++) {
      const k = h * values.modes + n;
      const { bBar, logABar } = discreteMode(values, h, n, method);
      const cb = cMul(
        [values.c[2 * k] as number, values.c[2 * k + 1] as number],
        bBar,
      );
      for (let l = 0; l < length; l++) {
        const power = cExp([l * logABar[0], l * logABar[1]]);
        row[l] = (row[l] as number) + 2 * cMul(cb, power)[0];
      }
    }
    kernel.push(row);
  }
  return kernel;
}

/**
 * y[b][t][h] = sum_(s <= t) K[h][s] u[b][t - s][h] + D[h] u[b][t][h], the
 * direct causal convolution sum.
 */
export function referenceForward(
  values: ParamValues,
  u: number[][][],
  method: Discretization,
): number[][][] {
  const length = u[0]?.length ?? 0;
  const kernel = referenceKernel(values, length, method);
  return u.map((sequence) =>
    sequence.map((_, t) =>
      Array.from({ length: values.channels }, (_unused, h) => {
        let total = (values.d[h] as number) * (sequence[t]?.[h] as number);
        for (let s = 0; s <= t; s++) {
          total +=
            (kernel[h]?.[s] as number) * (sequence[t - s]?.[h] as number);
        }
        return total;
      }),
    ),
  );
}

/**
 * Runs x_t = Abar x_(t-1) + Bbar u_t, y_t = 2 Re(sum_n C x_t) + D u_t from
 * `state` ([batch][h][n] complex), and returns the outputs and final state.
 */
export function referenceRecurrence(
  values: ParamValues,
  state: Complex[][][],
  u: number[][][],
  method: Discretization,
): { y: number[][][]; state: Complex[][][] } {
  const x = state.map((perBatch) =>
    perBatch.map((perChannel) => perChannel.map((z): Complex => [...z])),
  );
  const y = u.map((sequence, b) =>
    sequence.map((ut) =>
      ut.map((value, h) => {
        let total = (values.d[h] as number) * value;
        for (let n = 0; n < values.modes; n++) {
          const k = h * values.modes + n;
          const { aBar, bBar } = discreteMode(values, h, n, method);
          const row = x[b]?.[h] as Complex[];
          const next = cMul(aBar, row[n] as Complex);
          next[0] += bBar[0] * value;
          next[1] += bBar[1] * value;
          row[n] = next;
          total +=
            2 *
            cMul(
              [values.c[2 * k] as number, values.c[2 * k + 1] as number],
              next,
            )[0];
        }
        return total;
      }),
    ),
  );
  return { y, state: x };
}

/** max |actual - expected| / max |expected|. */
export function relativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  let maxDifference = 0;
  let maxExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDifference = Math.max(
      maxDifference,
      Math.abs((actual[i] as number) - (expected[i] as number)),
    );
    maxExpected = Math.max(maxExpected, Math.abs(expected[i] as number));
  }
  return maxDifference / maxExpected;
}

/** Generates a deterministic pseudo-random array in [-1, 1). */
export function testSignal(size: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2147483648 - 1;
  });
}
