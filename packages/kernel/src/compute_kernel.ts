import {
  engine,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type NamedTensorMap,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  type TensorInfo,
  tensor3d,
  tidy,
} from '@tensorflow/tfjs-core';
import { readValues, writeOutputs } from './backend_io.js';
import { SsmError } from './errors.js';
import { modesFor } from './mode_cache.js';
import { type ParamInputs, readFinite } from './modes.js';
import {
  checkDiscretization,
  checkParams,
  type Discretization,
  type DiscretizationOptions,
  describeValue,
  type SsmParams,
} from './params.js';
import { registerGradientOnce, registerKernelOnce } from './register.js';
import { vandermondeBackward, vandermondeForward } from './vandermonde.js';

/** The tfjs kernel that generates the SSM convolution kernel. */
export const VANDERMONDE_KERNEL = 'S4dVandermonde';

/** The tfjs kernel that computes the parameter gradients of the former. */
export const VANDERMONDE_GRAD_KERNEL = 'S4dVandermondeGrad';

interface VandermondeAttrs {
  length: number;
  discretization: Discretization;
  caller: string;
  /** Whether D is added to K[h, 0], which folds `D * u` into the convolution. */
  withSkip: boolean;
}

/**
 * Computes the SSM convolution kernel of every channel,
 * `K[h, l] = 2 * Re(sum_n C[h, n] * Bbar[h, n] * Abar[h, n]^l)` for
 * l = 0 .. length - 1, where Abar and Bbar are the discretization of `params`
 * (see `discretize`).
 *
 * Runs as one registered tfjs kernel on the WASM or CPU backend, in float64
 * from the float32 parameters, without an [H, M, length] tensor. It is
 * differentiable with respect to every field of `params`, and the gradient
 * with respect to `d` is zero because K does not depend on D.
 *
 * @example
 * const params = initSsmParams({ channels: 4, stateSize: 8, seed: 1 });
 * const k = computeKernel(params, 100); // [4, 100]
 *
 * @param params The layer parameters, with H channels and M modes.
 * @param length The kernel length L, a positive integer.
 * @param options `discretization`: `zoh` (default) or `bilinear`.
 * @returns K, [H, length].
 * @throws SsmError on a shape, rank or dtype mismatch in `params`, a
 *   non-finite parameter, an invalid length or an unknown discretization.
 */
export function computeKernel(
  params: SsmParams,
  length: number,
  options: DiscretizationOptions = {},
): Tensor2D {
  return runVandermonde('computeKernel', params, length, options);
}

/**
 * `computeKernel` with error messages that start with `caller`. With
 * `withSkip`, it returns K with D added to K[h, 0], so that
 * `causalConv(u, K)` also computes the skip term `D * u`, and the
 * gradient with respect to D is that of K[h, 0].
 *
 * @throws SsmError as `computeKernel` does, and on a non-finite D.
 */
export function runVandermonde(
  caller: string,
  params: SsmParams,
  length: number,
  options: DiscretizationOptions,
  withSkip = false,
): Tensor2D {
  const { channels, modes } = checkParams(caller, params);
  if (!Number.isInteger(length) || length < 1) {
    throw new SsmError(
      `${caller}: length must be a positive integer, got ` +
        `${describeValue(length)}.`,
    );
  }
  const discretization = checkDiscretization(caller, options.discretization);

  return tidy(() => {
    const b = params.b ?? onesB(channels, modes);
    const inputs: Record<keyof ParamInputs | 'd', Tensor> = {
      logDt: params.logDt,
      logAReal: params.logAReal,
      aImag: params.aImag,
      c: params.c,
      b,
      d: params.d,
    };
    const attrs: VandermondeAttrs = {
      length,
      discretization,
      caller,
      withSkip,
    };
    return engine().runKernel(
      VANDERMONDE_KERNEL,
      inputs,
      attrs as unknown as NamedAttrMap,
    ) as Tensor2D;
  });
}

/** B = 1 + 0i for every mode, [H, M, 2]. */
function onesB(channels: number, modes: number): Tensor3D {
  const values = new Float32Array(channels * modes * 2);
  for (let i = 0; i < values.length; i += 2) {
    values[i] = 1;
  }
  return tensor3d(values, [channels, modes, 2]);
}

function vandermondeKernel(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}) {
  const backend = args.backend as KernelBackend;
  const { length, discretization, caller, withSkip } =
    args.attrs as unknown as VandermondeAttrs;
  const inputs = args.inputs as unknown as ParamInputs & { d: TensorInfo };
  const { values, discrete } = modesFor(
    caller,
    backend,
    inputs,
    discretization,
  );
  const kernel = vandermondeForward(values, discrete, length);
  if (withSkip) {
    const d = readFinite(caller, 'params.d', backend, inputs.d);
    for (let h = 0; h < values.channels; h++) {
      kernel[h * length] = (kernel[h * length] as number) + (d[h] as number);
    }
  }
  const [output] = writeOutputs(backend, [
    { shape: [values.channels, length], values: kernel },
  ]);
  return output as NonNullable<typeof output>;
}

function vandermondeGradKernel(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}) {
  const backend = args.backend as KernelBackend;
  const { length, discretization, caller, withSkip } =
    args.attrs as unknown as VandermondeAttrs;
  const inputs = args.inputs as unknown as ParamInputs & { dy: TensorInfo };
  const { values, discrete } = modesFor(
    caller,
    backend,
    inputs,
    discretization,
  );
  const dKernel = readValues(backend, inputs.dy);
  const gradients = vandermondeBackward(
    values,
    discrete,
    discretization,
    length,
    dKernel,
  );

  const { channels, modes } = values;
  const dSkip = new Float32Array(channels);
  if (withSkip) {
    for (let h = 0; h < channels; h++) {
      dSkip[h] = dKernel[h * length] as number;
    }
  }
  return writeOutputs(backend, [
    { shape: [channels], values: gradients.logDt },
    { shape: [channels, modes], values: gradients.logAReal },
    { shape: [channels, modes], values: gradients.aImag },
    { shape: [channels, modes, 2], values: gradients.c },
    { shape: [channels, modes, 2], values: gradients.b },
    { shape: [channels], values: dSkip },
  ]);
}

registerKernelOnce(VANDERMONDE_KERNEL, vandermondeKernel);
registerKernelOnce(VANDERMONDE_GRAD_KERNEL, vandermondeGradKernel);
registerGradientOnce({
  kernelName: VANDERMONDE_KERNEL,
  inputsToSave: ['logDt', 'logAReal', 'aImag', 'c', 'b', 'd'],
  gradFunc: (dy, saved, attrs) => {
    const [logDt, logAReal, aImag, c, b, d] = saved as Tensor[];
    const gradients = engine().runKernel(
      VANDERMONDE_GRAD_KERNEL,
      {
        dy: dy as Tensor,
        logDt,
        logAReal,
        aImag,
        c,
        b,
        d,
      } as unknown as NamedTensorMap,
      attrs,
    ) as Tensor[];
    return {
      logDt: () => gradients[0] as Tensor,
      logAReal: () => gradients[1] as Tensor,
      aImag: () => gradients[2] as Tensor,
      c: () => gradients[3] as Tensor,
      b: () => gradients[4] as Tensor,
      d: () => gradients[5] as Tensor,
    };
  },
});
