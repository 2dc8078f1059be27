import {
  engine,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type NamedTensorMap,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  zeros,
} from '@tensorflow/tfjs-core';
import { readValues, writeOutputs } from './backend_io.js';
import { SsmError } from './errors.js';
import { modesFor } from './mode_cache.js';
import { type ParamInputs, readFinite } from './modes.js';
import {
  checkDiscretization,
  checkParams,
  checkTensor,
  type Discretization,
  type DiscretizationOptions,
  describeValue,
  expectShape,
  type SsmParams,
  type SsmSizes,
  type SsmState,
} from './params.js';
import { runRecurrence } from './recurrence.js';
import { registerKernelOnce } from './register.js';
import { simdStep } from './step_simd.js';

/** The tfjs kernel that runs the SSM recurrence over a chunk. */
export const RECURRENCE_KERNEL = 'S4dRecurrence';

interface RecurrenceAttrs {
  discretization: Discretization;
  caller: string;
}

/**
 * Creates the zero state that a sequence starts from.
 *
 * @param batch The batch size, a positive integer.
 * @param params The layer parameters, with H channels and M modes.
 * @returns Zeros, [batch, H, M, 2].
 * @throws SsmError on an invalid batch size or invalid `params`.
 */
export function initSsmState(batch: number, params: SsmParams): SsmState {
  const { channels, modes } = checkParams('initSsmState', params);
  checkBatch('initSsmState', batch);
  return zeros([batch, channels, modes, 2]);
}

/**
 * Advances the recurrence by one step:
 * `x_t = Abar * x_(t-1) + Bbar * u_t` and
 * `y_t = 2 * Re(sum_n C * x_t) + D * u_t`, with Abar and Bbar discretized
 * from the current `params`.
 *
 * Runs as one registered tfjs kernel in float64. Consecutive calls on the
 * same parameter tensors reuse their discretization, and an update (a new
 * tensor or `Variable.assign`) always recomputes it. It has no gradient, so
 * it serves inference; train with `ssmForward`.
 *
 * @param state x_(t-1), [batch, H, M, 2].
 * @param ut u_t, [batch, H].
 * @param params The layer parameters, with H channels and M modes.
 * @param options `discretization`: `zoh` (default) or `bilinear`.
 * @returns y_t, [batch, H], and x_t, [batch, H, M, 2].
 * @throws SsmError on a shape, rank or dtype mismatch, a non-finite parameter
 *   or an unknown discretization.
 */
export function ssmStep(
  state: SsmState,
  ut: Tensor2D,
  params: SsmParams,
  options: DiscretizationOptions = {},
): { y: Tensor2D; state: SsmState } {
  const sizes = checkParams('ssmStep', params);
  const { channels } = sizes;
  checkTensor('ssmStep', 'ut', ut, 2);
  if (ut.shape[1] !== channels) {
    throw new SsmError(
      `ssmStep: ut must have shape [batch, ${channels}], got [${ut.shape}].`,
    );
  }
  const [y, next] = runRecurrenceKernel(
    'ssmStep',
    sizes,
    state,
    ut,
    params,
    options,
  );
  return { y: y as Tensor2D, state: next };
}

/**
 * Consumes a chunk of inputs with the recurrence of `ssmStep`, so that a
 * window can be prefilled and then continued step by step. The outputs and
 * the final state equal those of `ssmStep` applied to each position in turn,
 * starting from `state`.
 *
 * Runs as one registered tfjs kernel, in float64 within the chunk, at about
 * 14 flops per (batch, channel, mode, position). It has no gradient.
 *
 * @param state The state before the chunk, [batch, H, M, 2].
 * @param u The chunk, [batch, length, H].
 * @param params The layer parameters, with H channels and M modes.
 * @param options `discretization`: `zoh` (default) or `bilinear`.
 * @returns y, [batch, length, H], and the state after the last position,
 *   [batch, H, M, 2].
 * @throws SsmError on a shape, rank or dtype mismatch, a non-finite parameter
 *   or an unknown discretization.
 */
export function ssmAdvance(
  state: SsmState,
  u: Tensor3D,
  params: SsmParams,
  options: DiscretizationOptions = {},
): { y: Tensor3D; state: SsmState } {
  const sizes = checkParams('ssmAdvance', params);
  const { channels } = sizes;
  checkTensor('ssmAdvance', 'u', u, 3);
  if (u.shape[2] !== channels || (u.shape[1] ?? 0) < 1) {
    throw new SsmError(
      `ssmAdvance: u must have shape [batch, length >= 1, ${channels}], ` +
        `got [${u.shape}].`,
    );
  }
  const [y, next] = runRecurrenceKernel(
    'ssmAdvance',
    sizes,
    state,
    u,
    params,
    options,
  );
  return { y: y as Tensor3D, state: next };
}

/** Checks the state and options and runs the recurrence kernel. */
function runRecurrenceKernel(
  caller: string,
  { channels, modes }: SsmSizes,
  state: SsmState,
  u: Tensor,
  params: SsmParams,
  options: DiscretizationOptions,
): [Tensor, SsmState] {
  const discretization = checkDiscretization(caller, options.discretization);
  const batch = u.shape[0] ?? 0;
  checkBatch(caller, batch);
  checkTensor(caller, 'state', state, 4);
  expectShape(caller, 'state', state, [batch, channels, modes, 2]);

  const inputs: Partial<
    Record<keyof ParamInputs | 'd' | 'state' | 'u', Tensor>
  > = {
    state,
    u,
    logDt: params.logDt,
    logAReal: params.logAReal,
    aImag: params.aImag,
    c: params.c,
    d: params.d,
  };
  if (params.b !== undefined) {
    inputs.b = params.b;
  }
  const attrs: RecurrenceAttrs = { discretization, caller };
  return engine().runKernel(
    RECURRENCE_KERNEL,
    inputs as unknown as NamedTensorMap,
    attrs as unknown as NamedAttrMap,
  ) as [Tensor, SsmState];
}

function checkBatch(caller: string, batch: unknown): void {
  if (!Number.isInteger(batch) || (batch as number) < 1) {
    throw new SsmError(
      `${caller}: batch must be a positive integer, got ` +
        `${describeValue(batch)}.`,
    );
  }
}

function recurrenceKernel(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}) {
  const backend = args.backend as KernelBackend;
  const { discretization, caller } = args.attrs as unknown as RecurrenceAttrs;
  const inputs = args.inputs as unknown as ParamInputs & {
    d: Tensor;
    state: Tensor;
    u: Tensor;
  };
  const modes = modesFor(caller, backend, inputs, discretization);
  const { values, discrete } = modes;
  const d = readFinite(caller, 'params.d', backend, inputs.d);

  const shape = inputs.u.shape;
  const batch = shape[0] as number;
  const length = shape.length === 3 ? (shape[1] as number) : 1;
  if (length === 1) {
    const outputs = simdStep(backend, modes, {
      d: inputs.d,
      state: inputs.state,
      u: inputs.u,
    });
    if (outputs !== null) {
      return outputs;
    }
  }
  const result = runRecurrence(
    values,
    discrete,
    d,
    readValues(backend, inputs.state),
    readValues(backend, inputs.u),
    batch,
    length,
  );
  return writeOutputs(backend, [
    { shape, values: result.y },
    { shape: inputs.state.shape, values: result.state },
  ]);
}

registerKernelOnce(RECURRENCE_KERNEL, recurrenceKernel);
