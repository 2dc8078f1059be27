export {
  type Checkpoint,
  type CheckpointInput,
  checkpointFromContents,
  checkpointToSafetensors,
  disposeCheckpoint,
} from './checkpoint_codec.js';
export type { JsonValue } from './json_value.js';
export {
  assignParameters,
  assignTensors,
  modelFromCheckpoint,
  modelFromContents,
  modelFromSafetensors,
  modelToSafetensors,
  type SerializableModel,
} from './model_codec.js';
export {
  FORMAT_KEY,
  FORMAT_VERSION,
  FORMAT_VERSION_KEY,
  MODEL_CONFIG_KEY,
} from './s4d_metadata.js';
export * from './safetensors.js';
export { SerializeError } from './serialize_error.js';
