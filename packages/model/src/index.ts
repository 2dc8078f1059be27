export { recommendedDefaults } from '@s4d/config';
export { S4DBlock } from './block.js';
export {
  type BuildOptions,
  build,
  buildBlock,
  outputSize,
  paramCount,
} from './build.js';
export { ModelError } from './errors.js';
export {
  type ApplyOptions,
  type ParameterGroups,
  S4DModel,
  type StepResult,
} from './model.js';
export { S4DState } from './state.js';
