import type {
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  Tensor4D,
} from '@tensorflow/tfjs-core';
import { SsmError } from './errors.js';

/**
 * The parameters of one diagonal SSM layer with H channels and M = N / 2
 * complex modes per channel (N is the state size). Complex values are stored
 * as real and imaginary parts on a last axis of 2.
 *
 * The state matrix is `A = -exp(logAReal) + i * aImag`, the step size is
 * `dt = exp(logDt)`, and B is all ones when `b` is absent. Any `Tensor` works,
 * so a model passes `tf.Variable`s to train them.
 */
export interface SsmParams {
  /** Log of the step size, [H]. */
  logDt: Tensor1D;
  /** Log of minus the real part of A, [H, M]. */
  logAReal: Tensor2D;
  /** Imaginary part of A, [H, M]. */
  aImag: Tensor2D;
  /** Output matrix C, [H, M, 2]. */
  c: Tensor3D;
  /** Skip connection D, [H]. */
  d: Tensor1D;
  /** Input matrix B, [H, M, 2]; all ones (imaginary part 0) when absent. */
  b?: Tensor3D;
}

/**
 * An S4D initialization of A: `legs` (the normal part of HiPPO-LegS), `inv`
 * (S4D-Inv), `lin` (S4D-Lin) or `real` (S4D-Real, A_n = -(n + 1)).
 */
export type SsmInit = 'legs' | 'inv' | 'lin' | 'real';

/**
 * How the continuous system is discretized: `zoh` (zero-order hold) or
 * `bilinear` (the Tustin transform).
 */
export type Discretization = 'zoh' | 'bilinear';

/** Options shared by the functions that discretize the parameters. */
export interface DiscretizationOptions {
  /** The discretization method; `zoh` when absent. */
  discretization?: Discretization;
}

/**
 * The recurrent state of a layer: one complex value per batch item, channel
 * and mode, [batch, H, M, 2].
 */
export type SsmState = Tensor4D;

/** The sizes that a valid `SsmParams` fixes. */
export interface SsmSizes {
  /** Channels, H. */
  channels: number;
  /** Complex modes per channel, M = N / 2. */
  modes: number;
}

/**
 * Checks the ranks, shapes and dtypes of `params` and returns its sizes.
 *
 * @param caller The public function name that error messages start with.
 * @throws SsmError naming the field, the expected shape and the actual one.
 */
export function checkParams(caller: string, params: SsmParams): SsmSizes {
  if (typeof params !== 'object' || params === null) {
    throw new SsmError(
      `${caller}: params must be an SsmParams object, got ${String(params)}.`,
    );
  }

  const logDt = checkTensor(caller, 'params.logDt', params.logDt, 1);
  const channels = logDt.shape[0] ?? 0;
  const logAReal = checkTensor(caller, 'params.logAReal', params.logAReal, 2);
  const modes = logAReal.shape[1] ?? 0;
  if (channels < 1 || modes < 1) {
    throw new SsmError(
      `${caller}: params need at least one channel and one mode, got ` +
        `logAReal of shape [${logAReal.shape}].`,
    );
  }

  expectShape(caller, 'params.logAReal', logAReal, [channels, modes]);
  const aImag = checkTensor(caller, 'params.aImag', params.aImag, 2);
  expectShape(caller, 'params.aImag', aImag, [channels, modes]);
  const c = checkTensor(caller, 'params.c', params.c, 3);
  expectShape(caller, 'params.c', c, [channels, modes, 2]);
  const d = checkTensor(caller, 'params.d', params.d, 1);
  expectShape(caller, 'params.d', d, [channels]);
  if (params.b !== undefined) {
    const b = checkTensor(caller, 'params.b', params.b, 3);
    expectShape(caller, 'params.b', b, [channels, modes, 2]);
  }
  return { channels, modes };
}

/**
 * Checks that `value` is a float32 tensor of the given rank.
 *
 * @throws SsmError naming the argument, the expected rank and the actual one.
 */
export function checkTensor(
  caller: string,
  name: string,
  value: unknown,
  rank: number,
): Tensor {
  if (!isTensor(value)) {
    throw new SsmError(
      `${caller}: ${name} must be a Tensor of rank ${rank}, got ` +
        `${describeValue(value)}.`,
    );
  }
  if (value.rank !== rank) {
    throw new SsmError(
      `${caller}: ${name} must have rank ${rank}, got rank ${value.rank} ` +
        `(shape [${value.shape}]).`,
    );
  }
  if (value.dtype !== 'float32') {
    throw new SsmError(
      `${caller}: ${name} must have dtype float32, got ${value.dtype}.`,
    );
  }
  if (value.isDisposed) {
    throw new SsmError(`${caller}: ${name} is disposed.`);
  }
  return value;
}

/**
 * Checks that `tensor` has exactly the expected shape.
 *
 * @throws SsmError naming the argument, the expected shape and the actual one.
 */
export function expectShape(
  caller: string,
  name: string,
  tensor: Tensor,
  expected: readonly number[],
): void {
  const matches =
    tensor.shape.length === expected.length &&
    tensor.shape.every((size, axis) => size === expected[axis]);
  if (!matches) {
    throw new SsmError(
      `${caller}: ${name} must have shape [${expected}], got ` +
        `[${tensor.shape}].`,
    );
  }
}

/**
 * Checks the discretization option and returns it, `zoh` when absent.
 *
 * @throws SsmError if it is neither `zoh` nor `bilinear`.
 */
export function checkDiscretization(
  caller: string,
  value: unknown,
): Discretization {
  if (value === undefined) {
    return 'zoh';
  }
  if (value !== 'zoh' && value !== 'bilinear') {
    throw new SsmError(
      `${caller}: discretization must be 'zoh' or 'bilinear', got ` +
        `${describeValue(value)}.`,
    );
  }
  return value;
}

/** Formats a value for an error message. */
export function describeValue(value: unknown): string {
  if (isTensor(value)) {
    return `a ${value.dtype} Tensor of shape [${value.shape}]`;
  }
  if (typeof value === 'string') {
    return `'${value}'`;
  }
  return String(value);
}

function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    'dataId' in value &&
    'shape' in value &&
    'dtype' in value &&
    Array.isArray((value as Tensor).shape)
  );
}
