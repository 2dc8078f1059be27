import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** The S4D-LegS values of one mode set. */
export interface LegsModes {
  /** Im A of the M = N / 2 modes, in descending order; Re A is -1/2. */
  aImag: Float64Array;
  /** |B| of each mode, in the order of `aImag`. */
  b: Float64Array;
}

/**
 * Computes the S4D-LegS modes: the eigenvalues of the normal part of the
 * HiPPO-LegS matrix, `A_normal = A_LegS + P P^T` with `P_n = sqrt(n + 1/2)`,
 * which is `-1/2 I` plus a skew-symmetric matrix with entries
 * `-sign(n - k) sqrt((2n + 1)(2k + 1)) / 2`. Its eigenvalues come in conjugate
 * pairs `-1/2 +- i w`, and this keeps the one with `w > 0` of each pair.
 *
 * B is the HiPPO input `B_n = sqrt(2n + 1)` in the eigenvector basis,
 * `v^H B` for each unit eigenvector v. An eigenvector is fixed only up to a
 * complex phase, so this returns the magnitude, the value for the phase that
 * makes it real and positive.
 *
 * @param stateSize N, a positive even integer.
 */
export function legsModes(stateSize: number): LegsModes {
  let modes = computed.get(stateSize);
  if (modes === undefined) {
    modes = computeLegsModes(stateSize);
    computed.set(stateSize, modes);
  }
  return modes;
}

// The modes depend only on the state size, and the eigenvalue decomposition
// took 0.17 s at N = 64 in one run on a busy 2-core machine, so every layer
// of a model shares one result.
// Callers copy the arrays into tensors and never modify them.
const computed = new Map<number, LegsModes>();

function computeLegsModes(stateSize: number): LegsModes {
  const matrix = new Matrix(stateSize, stateSize);
  for (let n = 0; n < stateSize; n++) {
    for (let k = 0; k < stateSize; k++) {
      const offDiagonal = Math.sqrt((2 * n + 1) * (2 * k + 1)) / 2;
      if (n > k) {
        matrix.set(n, k, -offDiagonal);
      } else if (n < k) {
        matrix.set(n, k, offDiagonal);
      } else {
        matrix.set(n, k, -0.5);
      }
    }
  }

  const decomposition = new EigenvalueDecomposition(matrix);
  const imaginary = decomposition.imaginaryEigenvalues;
  const vectors = decomposition.eigenvectorMatrix;

  // For a conjugate pair at columns j and j + 1 with Im > 0 at j, column j is
  // the real part and column j + 1 the imaginary part of the eigenvector.
  const found: { w: number; b: number }[] = [];
  for (let j = 0; j < stateSize; j++) {
    const w = imaginary[j] as number;
    if (w <= 0) {
      continue;
    }
    let normSquared = 0;
    let projectionRe = 0;
    let projectionIm = 0;
    for (let n = 0; n < stateSize; n++) {
      const re = vectors.get(n, j);
      const im = vectors.get(n, j + 1);
      const input = Math.sqrt(2 * n + 1);
      normSquared += re * re + im * im;
      projectionRe += re * input;
      projectionIm += im * input;
    }
    found.push({
      w,
      b: Math.hypot(projectionRe, projectionIm) / Math.sqrt(normSquared),
    });
  }

  const modes = stateSize / 2;
  if (found.length !== modes) {
    throw new Error(
      `legsModes: expected ${modes} conjugate eigenvalue pairs for state ` +
        `size ${stateSize}, got ${found.length}.`,
    );
  }
  found.sort((x, y) => y.w - x.w);
  return {
    aImag: Float64Array.from(found, (mode) => mode.w),
    b: Float64Array.from(found, (mode) => mode.b),
  };
}
