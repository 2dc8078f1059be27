export {
  removeTempFiles,
  tempFileTarget,
  writeFileAtomic,
} from './atomic_write.js';
export {
  bestCheckpoint,
  type CheckpointFile,
  checkpointFileName,
  latestCheckpoint,
  listCheckpoints,
  type MetricMode,
  type PruneOptions,
  pruneCheckpoints,
} from './checkpoint_files.js';
export * from './safetensors.js';
export {
  readSafetensorsFile,
  readSafetensorsHeader,
  writeSafetensorsFile,
} from './safetensors_file.js';
export { SerializeError } from './serialize_error.js';
