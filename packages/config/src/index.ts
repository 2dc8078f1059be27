export { configHash, configToJson } from './canonical_json.js';
export { ConfigError, type ConfigProblem } from './config_error.js';
export type {
  CsvDatasetConfig,
  DatasetConfig,
  MnistDatasetConfig,
} from './dataset_config.js';
export {
  type JsonSchema,
  modelConfigJsonSchema,
  trainingConfigJsonSchema,
} from './json_schema.js';
export {
  type Discretization,
  type FfnKind,
  type ModelConfig,
  type ModelConfigInput,
  type ModelOutput,
  modelConfigSchema,
  parseModelConfig,
  recommendedDefaults,
  type SsmInit,
  type SsmOutput,
  type TrainingModelConfig,
} from './model_config.js';
export {
  type LearningRateSchedule,
  parseTrainingConfig,
  type TrainingConfig,
  type TrainingConfigInput,
  trainingConfigSchema,
} from './training_config.js';
