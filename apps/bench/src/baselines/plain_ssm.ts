import type * as tfc from '@tensorflow/tfjs-core';

type Tf = typeof tfc;

/**
 * Parameters of one diagonal SSM layer, named after the reference
 * (`log_dt`, `log_A_real`, `A_imag`, `C`, `D`), with `B` fixed to ones.
 */
export interface PlainSsmParams {
  /** [channels] */
  logDt: tfc.Tensor1D;
  /** [channels, modes]; Re A = -exp(logAReal). */
  logAReal: tfc.Tensor2D;
  /** [channels, modes] */
  aImag: tfc.Tensor2D;
  /** [channels, modes, 2], real and imaginary parts. */
  c: tfc.Tensor3D;
  /** [channels] */
  d: tfc.Tensor1D;
}

/** Sizes for `initPlainSsmParams`. */
export interface PlainSsmOptions {
  channels: number;
  /** State size N, even; the layer keeps N / 2 complex modes. */
  stateSize: number;
  seed?: number;
}

/**
 * Creates S4D-Lin parameters: dt log-uniform on [0.001, 0.1], Re A = -0.5,
 * Im A = pi * n, C complex normal with variance 1/2 per part, D standard
 * normal.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param options Channels H, state size N and a seed.
 * @returns Tensors with the shapes documented on `PlainSsmParams`, M = N / 2.
 * @throws RangeError if `channels` is not a positive integer or `stateSize`
 *   is not a positive even integer.
 */
export function initPlainSsmParams(
  tf: Tf,
  options: PlainSsmOptions,
): PlainSsmParams {
  const { channels, stateSize } = options;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(
      `initPlainSsmParams: channels must be a positive integer, got ${channels}.`,
    );
  }
  if (!Number.isInteger(stateSize) || stateSize < 2 || stateSize % 2 !== 0) {
    throw new RangeError(
      `initPlainSsmParams: stateSize must be a positive even integer, got ${stateSize}.`,
    );
  }

  const modes = stateSize / 2;
  const seed = options.seed ?? 0;
  const logDtMin = Math.log(0.001);
  const logDtMax = Math.log(0.1);

  return tf.tidy(() => {
    const logDt = tf.randomUniform(
      [channels],
      logDtMin,
      logDtMax,
      'float32',
      seed,
    ) as tfc.Tensor1D;
    const logAReal = tf.fill([channels, modes], Math.log(0.5)) as tfc.Tensor2D;
    const aImag = tf.tile(
      tf.reshape(tf.mul(tf.range(0, modes), Math.PI), [1, modes]),
      [channels, 1],
    ) as tfc.Tensor2D;
    const c = tf.randomNormal(
      [channels, modes, 2],
      0,
      Math.SQRT1_2,
      'float32',
      seed + 1,
    ) as tfc.Tensor3D;
    const d = tf.randomNormal([channels], 0, 1, 'float32', seed + 2);
    return { logDt, logAReal, aImag, c, d: d as tfc.Tensor1D };
  });
}

/**
 * Computes the ZOH kernel with plain tfjs ops, materializing the
 * Vandermonde matrix as [channels, modes, length] real and imaginary parts:
 *
 *     K[h, l] = 2 * Re( sum_n C[h, n] * Bbar[h, n] * exp(l * dt_h * A[h, n]) )
 *
 * with Bbar = (exp(dt A) - 1) / A and B = 1.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param params The layer parameters.
 * @param length Kernel length L, a positive integer.
 * @returns The kernel, [channels, length].
 */
export function plainSsmKernel(
  tf: Tf,
  params: PlainSsmParams,
  length: number,
): tfc.Tensor2D {
  return tf.tidy(() => {
    const dt = tf.expandDims(tf.exp(params.logDt), 1);
    const aReal = tf.neg(tf.exp(params.logAReal));
    const aImag = params.aImag;

    // dtA = dt * A, [channels, modes].
    const dtAReal = tf.mul(dt, aReal);
    const dtAImag = tf.mul(dt, aImag);

    // Bbar = (exp(dtA) - 1) / A, a complex division.
    const growth = tf.exp(dtAReal);
    const numeratorReal = tf.sub(tf.mul(growth, tf.cos(dtAImag)), 1);
    const numeratorImag = tf.mul(growth, tf.sin(dtAImag));
    const aNorm = tf.add(tf.square(aReal), tf.square(aImag));
    const bBarReal = tf.div(
      tf.add(tf.mul(numeratorReal, aReal), tf.mul(numeratorImag, aImag)),
      aNorm,
    );
    const bBarImag = tf.div(
      tf.sub(tf.mul(numeratorImag, aReal), tf.mul(numeratorReal, aImag)),
      aNorm,
    );

    // C * Bbar, [channels, modes, 1] each part.
    const [cReal, cImag] = tf.unstack(params.c, 2) as [
      tfc.Tensor2D,
      tfc.Tensor2D,
    ];
    const weightReal = tf.expandDims(
      tf.sub(tf.mul(cReal, bBarReal), tf.mul(cImag, bBarImag)),
      2,
    );
    const weightImag = tf.expandDims(
      tf.add(tf.mul(cReal, bBarImag), tf.mul(cImag, bBarReal)),
      2,
    );

    // Vandermonde powers exp(l * dtA), [channels, modes, length].
    const positions = tf.reshape(tf.range(0, length), [1, 1, length]);
    const magnitude = tf.exp(tf.mul(tf.expandDims(dtAReal, 2), positions));
    const angle = tf.mul(tf.expandDims(dtAImag, 2), positions);
    const termReal = tf.mul(
      magnitude,
      tf.sub(
        tf.mul(weightReal, tf.cos(angle)),
        tf.mul(weightImag, tf.sin(angle)),
      ),
    );

    return tf.mul(tf.sum(termReal, 1), 2) as tfc.Tensor2D;
  });
}

/**
 * Real DFT matrices for a causal convolution of length L through a
 * transform of size 2L, applied by matMul.
 */
export interface DftPlan {
  length: number;
  /** [length, 2 * (length + 1)]: `[cos | -sin]` of the first L inputs. */
  forward: tfc.Tensor2D;
  /** [2 * (length + 1), length]: the inverse, keeping the first L outputs. */
  inverse: tfc.Tensor2D;
}

/**
 * Builds the DFT matrices for `plainCausalConv`, computed in float64.
 *
 * With n = 2L and F = L + 1 frequencies, the forward matrix maps a signal
 * whose second half is zero to its spectrum, and the inverse maps a spectrum
 * back to the first L samples:
 *
 *     y[t] = (1/n) sum_k w_k (Re Y_k cos(2 pi k t / n) - Im Y_k sin(2 pi k t / n))
 *
 * with w_0 = w_L = 1 and w_k = 2 otherwise.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param length Sequence length L, a positive integer.
 * @returns The plan; its tensors hold 4 * L * (L + 1) floats each.
 * @throws RangeError if `length` is not a positive integer.
 */
export function createDftPlan(tf: Tf, length: number): DftPlan {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(
      `createDftPlan: length must be a positive integer, got ${length}.`,
    );
  }

  const size = 2 * length;
  const frequencies = length + 1;
  const forward = new Float32Array(length * 2 * frequencies);
  const inverse = new Float32Array(2 * frequencies * length);

  for (let t = 0; t < length; t++) {
    for (let k = 0; k < frequencies; k++) {
      // Reduce k * t modulo n first so the angle stays accurate for large L.
      const angle = (2 * Math.PI * ((k * t) % size)) / size;
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      forward[t * 2 * frequencies + k] = cos;
      forward[t * 2 * frequencies + frequencies + k] = -sin;

      const weight = (k === 0 || k === length ? 1 : 2) / size;
      inverse[k * length + t] = weight * cos;
      inverse[(frequencies + k) * length + t] = -weight * sin;
    }
  }

  return {
    length,
    forward: tf.tensor2d(forward, [length, 2 * frequencies]),
    inverse: tf.tensor2d(inverse, [2 * frequencies, length]),
  };
}

/**
 * Convolves each channel causally with its kernel through dense DFT
 * matMuls, the way plain tfjs ops can do it on the WASM backend (which has
 * no FFT kernel): `y[b, t, h] = sum_{s <= t} kernel[h, s] * u[b, t - s, h]`.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param u Input, [batch, length, channels].
 * @param kernel Per-channel kernel, [channels, length].
 * @param plan DFT matrices for this length.
 * @returns The convolution, [batch, length, channels].
 * @throws RangeError if the shapes disagree with each other or the plan.
 */
export function plainCausalConv(
  tf: Tf,
  u: tfc.Tensor3D,
  kernel: tfc.Tensor2D,
  plan: DftPlan,
): tfc.Tensor3D {
  const [batch, length, channels] = u.shape;
  if (kernel.shape[0] !== channels || kernel.shape[1] !== length) {
    throw new RangeError(
      `plainCausalConv: kernel must have shape [${channels}, ${length}], got [${kernel.shape}].`,
    );
  }
  if (plan.length !== length) {
    throw new RangeError(
      `plainCausalConv: plan must be for length ${length}, got ${plan.length}.`,
    );
  }

  return tf.tidy(() => {
    const frequencies = length + 1;

    // Spectra of the input rows, [batch, channels, 2F], and of the kernel.
    const rows = tf.reshape(tf.transpose(u, [0, 2, 1]), [
      batch * channels,
      length,
    ]);
    const inputSpectrum = tf.reshape(tf.matMul(rows, plan.forward), [
      batch,
      channels,
      2 * frequencies,
    ]);
    const kernelSpectrum = tf.matMul(kernel, plan.forward);

    // Complex product, split into real and imaginary halves.
    const [inputReal, inputImag] = tf.split(inputSpectrum, 2, 2);
    const [kernelReal, kernelImag] = tf.split(kernelSpectrum, 2, 1);
    const productReal = tf.sub(
      tf.mul(inputReal as tfc.Tensor, kernelReal as tfc.Tensor),
      tf.mul(inputImag as tfc.Tensor, kernelImag as tfc.Tensor),
    );
    const productImag = tf.add(
      tf.mul(inputReal as tfc.Tensor, kernelImag as tfc.Tensor),
      tf.mul(inputImag as tfc.Tensor, kernelReal as tfc.Tensor),
    );

    // Inverse transform of the first L samples, back to [batch, length, channels].
    const product = tf.reshape(tf.concat([productReal, productImag], 2), [
      batch * channels,
      2 * frequencies,
    ]);
    const output = tf.reshape(tf.matMul(product, plan.inverse), [
      batch,
      channels,
      length,
    ]);
    return tf.transpose(output, [0, 2, 1]) as tfc.Tensor3D;
  });
}

/**
 * Runs the SSM layer core with plain tfjs ops:
 * `y = causal_conv(u, K) + D * u`.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param u Input, [batch, length, channels].
 * @param params The layer parameters.
 * @param plan DFT matrices for this length.
 * @returns The output, [batch, length, channels].
 */
export function plainSsmForward(
  tf: Tf,
  u: tfc.Tensor3D,
  params: PlainSsmParams,
  plan: DftPlan,
): tfc.Tensor3D {
  return tf.tidy(() => {
    const kernel = plainSsmKernel(tf, params, u.shape[1]);
    const convolved = plainCausalConv(tf, u, kernel, plan);
    return tf.add(convolved, tf.mul(u, params.d)) as tfc.Tensor3D;
  });
}
