export {
  removeTempFiles,
  tempFileTarget,
  writeFileAtomic,
} from './atomic_write.js';
export * from './browser.js';
export {
  loadCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './checkpoint.js';
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
export {
  loadModel,
  loadParametersInto,
  saveModel,
} from './model_file.js';
export {
  readSafetensorsFile,
  readSafetensorsHeader,
  writeSafetensorsFile,
} from './safetensors_file.js';
