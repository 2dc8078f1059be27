export { causalConv } from './causal_conv.js';
export { SsmError } from './errors.js';
