import type { BackendName } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import {
  createDftPlan,
  initPlainSsmParams,
  plainSsmForward,
} from '../baselines/plain_ssm.js';
import {
  FORWARD_BACKWARD_FACTOR,
  type SsmSize,
  ssmDenseDftFlops,
  ssmFftFlops,
} from '../flops.js';
import type { Workload } from '../timing.js';
import {
  type BenchCase,
  CaseSkipped,
  collectTensors,
  mapTensors,
  type Tf,
} from './bench_case.js';
import type { KernelApi } from './workspace.js';

/** Forward only, or forward plus the gradients of all inputs. */
export type PassMode = 'forward' | 'forward+backward';

/** Suite, group, pass and backend of an SSM case. */
export interface SsmCaseOptions {
  suite: string;
  group: string;
  mode: PassMode;
  backend?: BackendName;
  maxRepeats?: number;
}

/** The kernel package as loaded at run time, or why it is missing. */
export type KernelSource = { api: KernelApi } | { missing: string };

/**
 * Describes a case that times `ssmForward` from `@s4d/kernel`, forward or
 * forward plus backward (gradients of `sum(y)` with respect to the input
 * and every parameter tensor).
 *
 * @param kernel The loaded kernel package, or why it is missing; a missing
 *   package makes the case skip.
 * @param size Batch, channels, state size and length.
 * @param options Suite, group, pass and backend.
 * @returns The case.
 */
export function kernelSsmCase(
  kernel: KernelSource,
  size: SsmSize,
  options: SsmCaseOptions,
): BenchCase {
  const flops = ssmFftFlops(size) * passFactor(options.mode);
  return {
    ...describeSsmCase('ssmForward', '@s4d/kernel', size, options),
    flops,
    flopsModel: 'FFT convolution model',
    setup: (tf) => {
      if ('missing' in kernel) {
        throw new CaseSkipped(kernel.missing);
      }
      const { api } = kernel;
      const params = api.initSsmParams({
        channels: size.channels,
        stateSize: size.stateSize,
        seed: 0,
      });
      const forward = (u: tfc.Tensor3D, p: unknown) =>
        api.ssmForward(u, p as never, { discretization: 'zoh' });
      return ssmWorkload(tf, size, options.mode, params, forward);
    },
  };
}

/**
 * Describes a case that times the plain-tfjs-ops S4D layer core
 * (Vandermonde kernel from exp, cos and sin; causal convolution by dense
 * DFT matMuls).
 *
 * @param size Batch, channels, state size and length.
 * @param options Suite, group, pass and backend.
 * @returns The case.
 */
export function plainSsmCase(
  size: SsmSize,
  options: SsmCaseOptions,
): BenchCase {
  const flops = ssmDenseDftFlops(size) * passFactor(options.mode);
  return {
    ...describeSsmCase('plain ops', 'plain tfjs ops', size, options),
    flops,
    flopsModel: 'dense DFT matMul, executed',
    setup: (tf) => {
      const params = initPlainSsmParams(tf, {
        channels: size.channels,
        stateSize: size.stateSize,
        seed: 0,
      });
      const plan = createDftPlan(tf, size.length);
      const forward = (u: tfc.Tensor3D, p: unknown) =>
        plainSsmForward(tf, u, p as typeof params, plan);
      const workload = ssmWorkload(tf, size, options.mode, params, forward);
      return {
        run: workload.run,
        dispose: () => {
          workload.dispose();
          tf.dispose([plan.forward, plan.inverse]);
        },
      };
    },
  };
}

/**
 * Names an SSM case, e.g. `ssmForward fwd+bwd B16 H256 N64 L1024`, with the
 * backend appended unless it is `wasm`.
 *
 * @param label `ssmForward` or `plain ops`.
 * @param mode The pass.
 * @param size Batch, channels, state size and length.
 * @param backend The backend; `wasm` unless given.
 * @returns The case name.
 */
export function ssmCaseName(
  label: string,
  mode: PassMode,
  size: SsmSize,
  backend: BackendName = 'wasm',
): string {
  const suffix = backend === 'wasm' ? '' : ` (${backend})`;
  const pass = mode === 'forward' ? 'fwd' : 'fwd+bwd';
  return (
    `${label} ${pass} B${size.batch} H${size.channels} ` +
    `N${size.stateSize} L${size.length}${suffix}`
  );
}

function describeSsmCase(
  label: string,
  implementation: string,
  size: SsmSize,
  options: SsmCaseOptions,
): Omit<BenchCase, 'setup'> {
  const backend = options.backend ?? 'wasm';
  return {
    suite: options.suite,
    group: options.group,
    name: ssmCaseName(label, options.mode, size, backend),
    implementation,
    backend,
    params: { ...size, pass: options.mode },
    tokens: size.batch * size.length,
    ...(options.maxRepeats === undefined
      ? {}
      : { maxRepeats: options.maxRepeats }),
  };
}

function passFactor(mode: PassMode): number {
  return mode === 'forward' ? 1 : FORWARD_BACKWARD_FACTOR;
}

/**
 * Builds the timed work for an SSM layer: its input is a standard normal
 * [batch, length, channels] tensor.
 */
function ssmWorkload(
  tf: Tf,
  size: SsmSize,
  mode: PassMode,
  params: unknown,
  forward: (u: tfc.Tensor3D, params: unknown) => tfc.Tensor3D,
): Workload {
  const u = tf.randomNormal(
    [size.batch, size.length, size.channels],
    0,
    1,
    'float32',
    1,
  ) as tfc.Tensor3D;
  const paramTensors = collectTensors(tf, params);
  const dispose = () => tf.dispose([u, ...paramTensors]);

  if (mode === 'forward') {
    return { run: () => tf.tidy(() => forward(u, params)), dispose };
  }

  // Differentiate sum(y) with respect to u and every parameter tensor, by
  // rebuilding the parameter object from the tensors that tf.grads passes.
  const loss = (...inputs: tfc.Tensor[]) => {
    const [input, ...rest] = inputs;
    const replacements = new Map(paramTensors.map((t, i) => [t, rest[i]]));
    const rebuilt = mapTensors(
      tf,
      params,
      (tensor) => replacements.get(tensor) ?? tensor,
    );
    return tf.sum(forward(input as tfc.Tensor3D, rebuilt));
  };
  const gradients = tf.grads(loss);
  return { run: () => gradients([u, ...paramTensors]), dispose };
}
