export { causalConv } from './causal_conv.js';
