import {
  engine,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type NamedTensorMap,
  type Tensor,
  type Tensor3D,
} from '@tensorflow/tfjs-core';
import { writeOutputs } from './backend_io.js';
import { modesFor } from './mode_cache.js';
import type { ParamInputs } from './modes.js';
import {
  checkDiscretization,
  checkParams,
  type Discretization,
  type SsmParams,
} from './params.js';
import { registerKernelOnce } from './register.js';

/** The tfjs kernel that discretizes the SSM parameters. */
export const DISCRETIZE_KERNEL = 'S4dDiscretize';

/** The discretized state matrix and input matrix of a layer. */
export interface DiscreteSsm {
  /** Abar, [H, M, 2]. */
  aBar: Tensor3D;
  /** Bbar, [H, M, 2]. */
  bBar: Tensor3D;
}

/**
 * Discretizes the diagonal SSM with step size dt = exp(logDt), using
 * dtA = dt * A and A = -exp(logAReal) + i * aImag:
 *
 * - `zoh`: `Abar = exp(dtA)`, `Bbar = (exp(dtA) - 1) / A * B`.
 * - `bilinear`: `Abar = (1 + dtA / 2) / (1 - dtA / 2)`,
 *   `Bbar = dt / (1 - dtA / 2) * B`.
 *
 * Computes in float64 in one registered kernel. The result always follows
 * the current parameters: a repeated call on the same tensors reuses the
 * values, and tfjs gives every new tensor and every `Variable.assign` new
 * data. It has no gradient, because `computeKernel` and `ssmForward`
 * differentiate through the same formulas themselves.
 *
 * @param params The layer parameters, with H channels and M modes.
 * @param method `zoh` or `bilinear`.
 * @returns Abar and Bbar, [H, M, 2] each.
 * @throws SsmError on invalid `params`, a non-finite parameter or an unknown
 *   method.
 */
export function discretize(
  params: SsmParams,
  method: Discretization,
): DiscreteSsm {
  checkParams('discretize', params);
  const discretization = checkDiscretization('discretize', method);
  const inputs: Partial<Record<keyof ParamInputs, Tensor>> = {
    logDt: params.logDt,
    logAReal: params.logAReal,
    aImag: params.aImag,
    c: params.c,
  };
  if (params.b !== undefined) {
    inputs.b = params.b;
  }

  const [aBar, bBar] = engine().runKernel(
    DISCRETIZE_KERNEL,
    inputs as unknown as NamedTensorMap,
    { discretization } as unknown as NamedAttrMap,
  ) as Tensor3D[];
  return { aBar: aBar as Tensor3D, bBar: bBar as Tensor3D };
}

function discretizeKernel(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}) {
  const backend = args.backend as KernelBackend;
  const { discretization } = args.attrs as unknown as {
    discretization: Discretization;
  };
  const { values, discrete } = modesFor(
    'discretize',
    backend,
    args.inputs as unknown as ParamInputs,
    discretization,
  );

  const size = values.channels * values.modes;
  const aBar = new Float32Array(2 * size);
  const bBar = new Float32Array(2 * size);
  for (let k = 0; k < size; k++) {
    aBar[2 * k] = discrete.aBarRe[k] as number;
    aBar[2 * k + 1] = discrete.aBarIm[k] as number;
    bBar[2 * k] = discrete.bBarRe[k] as number;
    bBar[2 * k + 1] = discrete.bBarIm[k] as number;
  }

  const shape = [values.channels, values.modes, 2];
  return writeOutputs(backend, [
    { shape, values: aBar },
    { shape, values: bBar },
  ]);
}

registerKernelOnce(DISCRETIZE_KERNEL, discretizeKernel);
