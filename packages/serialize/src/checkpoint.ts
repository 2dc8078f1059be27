import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTempFiles, writeFileAtomic } from './atomic_write.js';
import {
  type Checkpoint,
  type CheckpointInput,
  checkCounter,
  checkpointFromContents,
  checkpointToSafetensors,
} from './checkpoint_codec.js';
import {
  checkPruneOptions,
  checkpointFileName,
  isCheckpointFileName,
  type MetricMode,
  pruneCheckpoints,
} from './checkpoint_files.js';
import { readSafetensorsFile } from './safetensors_file.js';

/** Options for `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /**
   * How many of the newest checkpoints to keep after saving; the best one is
   * kept too. Every checkpoint is kept when this is left out.
   */
  keep?: number;
  /** Whether a lower (`'min'`, the default) or higher metric is better. */
  mode?: MetricMode;
}

/**
 * Saves a training checkpoint as `checkpoint-<step>.safetensors` in `folder`
 * and, with `keep`, prunes older ones (see `pruneCheckpoints`).
 *
 * The file contains the parameters under `model.<name>`, the optimizer state
 * under `optimizer.<name>`, and the other fields JSON-encoded in
 * `__metadata__` with the format version. The write is atomic, so a crash
 * during it leaves every earlier checkpoint intact, and temporary files of
 * earlier interrupted saves are removed first. The tensors are read, not
 * disposed.
 *
 * @param folder The checkpoint folder, created if missing.
 * @param checkpoint The state to save.
 * @param options `keep` and `mode` for pruning.
 * @returns The path of the new checkpoint.
 * @throws SerializeError if a field or an option is invalid; nothing is
 *   written then.
 * @throws The file system error if the write fails.
 */
export async function saveCheckpoint(
  folder: string,
  checkpoint: CheckpointInput,
  options: SaveCheckpointOptions = {},
): Promise<string> {
  const prune =
    options.keep === undefined
      ? undefined
      : checkPruneOptions(
          { keep: options.keep, mode: options.mode },
          'saveCheckpoint',
        );
  checkCounter(checkpoint.step, 'checkpoint.step');
  const path = join(folder, checkpointFileName(checkpoint.step));
  const bytes = checkpointToSafetensors(checkpoint, path);

  await mkdir(folder, { recursive: true });
  await removeTempFiles(folder, isCheckpointFileName);
  await writeFileAtomic(path, bytes);

  if (prune !== undefined) {
    await pruneCheckpoints(folder, prune);
  }
  return path;
}

/**
 * Loads a checkpoint saved by `saveCheckpoint`. Every tensor and field comes
 * back bit for bit as saved.
 *
 * @param path The checkpoint file, for example from `latestCheckpoint`.
 * @returns The checkpoint; its tensors belong to the caller (see
 *   `disposeCheckpoint`).
 * @throws SafetensorsError if the file is invalid or not an S4D checkpoint.
 * @throws ConfigError if the stored model config is invalid.
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return checkpointFromContents(await readSafetensorsFile(path));
}
