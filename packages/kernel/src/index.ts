export { causalConv } from './causal_conv.js';
export { computeKernel } from './compute_kernel.js';
export { type DiscreteSsm, discretize } from './discretize.js';
export { SsmError } from './errors.js';
export { type InitSsmParamsOptions, initSsmParams } from './init.js';
export type {
  Discretization,
  DiscretizationOptions,
  SsmInit,
  SsmParams,
  SsmState,
} from './params.js';
export { ssmForward } from './ssm_forward.js';
export { initSsmState, ssmAdvance, ssmStep } from './step.js';
