import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTempFiles } from './atomic_write.js';
import { decodeMetric, METRIC_KEY } from './checkpoint_codec.js';
import { SafetensorsError } from './safetensors_error.js';
import { readSafetensorsHeader } from './safetensors_file.js';
import { SerializeError } from './serialize_error.js';

/** Checkpoint file names: the step, zero-padded so names sort by step. */
const CHECKPOINT_FILE = /^checkpoint-(\d+)\.safetensors$/;

/** The direction in which a metric improves: `min` or `max`. */
export type MetricMode = 'min' | 'max';

/** A checkpoint file found in a folder. */
export interface CheckpointFile {
  /** The file path. */
  path: string;
  /** The training step stored in the file name. */
  step: number;
}

/** Options for `pruneCheckpoints`. */
export interface PruneOptions {
  /** How many of the newest checkpoints to keep, at least 1. */
  keep: number;
  /** Whether a lower (`'min'`, the default) or higher metric is better. */
  mode?: MetricMode;
}

/**
 * Tests whether `name` is a checkpoint file name, such as
 * `checkpoint-000000100.safetensors`.
 */
export function isCheckpointFileName(name: string): boolean {
  return CHECKPOINT_FILE.test(name);
}

/**
 * Returns the file name of the checkpoint for `step`, such as
 * `checkpoint-000001200.safetensors`.
 *
 * @param step A non-negative integer training step.
 * @throws SerializeError if `step` is not a non-negative safe integer.
 */
export function checkpointFileName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new SerializeError(
      `checkpointFileName: step must be a non-negative integer, got ${String(step)}`,
    );
  }
  return `checkpoint-${String(step).padStart(9, '0')}.safetensors`;
}

/**
 * Lists the checkpoint files in `folder`, oldest step first. Other files,
 * including the temporary files of interrupted saves, are ignored.
 *
 * @param folder The checkpoint folder.
 * @returns The checkpoints, or `[]` if the folder does not exist.
 */
export async function listCheckpoints(
  folder: string,
): Promise<CheckpointFile[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }

  const checkpoints: CheckpointFile[] = [];
  for (const name of names) {
    const match = CHECKPOINT_FILE.exec(name);
    if (match?.[1] !== undefined) {
      checkpoints.push({ path: join(folder, name), step: Number(match[1]) });
    }
  }
  return checkpoints.sort((a, b) => a.step - b.step);
}

/**
 * Finds the checkpoint with the highest step in `folder`.
 *
 * @param folder The checkpoint folder.
 * @returns Its path, or `null` if there is none.
 */
export async function latestCheckpoint(folder: string): Promise<string | null> {
  const checkpoints = await listCheckpoints(folder);
  return checkpoints.at(-1)?.path ?? null;
}

/**
 * Finds the checkpoint with the best metric in `folder`, reading only the
 * headers. Checkpoints without a metric, or with NaN, are skipped. On a tie
 * the earliest step wins, because a later checkpoint replaces the best one
 * only when it improves on it.
 *
 * @param folder The checkpoint folder.
 * @param options `mode`: whether a lower (`'min'`, the default) or higher
 *   metric is better.
 * @returns Its path, or `null` if no checkpoint has a metric.
 * @throws SerializeError if `mode` is invalid.
 * @throws SafetensorsError if a checkpoint header is invalid.
 */
export async function bestCheckpoint(
  folder: string,
  options: { mode?: MetricMode } = {},
): Promise<string | null> {
  const mode = checkMode(options.mode, 'bestCheckpoint');
  const { readable } = await readMetrics(await listCheckpoints(folder));
  return pickBest(readable, mode)?.path ?? null;
}

/**
 * Deletes old checkpoints in `folder`, keeping the newest `keep` and the one
 * with the best metric, and removes temporary files that interrupted saves
 * left behind.
 *
 * @param folder The checkpoint folder.
 * @param options `keep`, the number of newest checkpoints to keep, and
 *   `mode`, which direction of the metric is better.
 * A file with a checkpoint's name but an unreadable header is neither
 * deleted nor chosen as the best: it may be a user's file, and deleting it
 * would lose data.
 *
 * @returns The paths deleted.
 * @throws SerializeError if `keep` or `mode` is invalid.
 */
export async function pruneCheckpoints(
  folder: string,
  options: PruneOptions,
): Promise<string[]> {
  const { keep, mode } = checkPruneOptions(options, 'pruneCheckpoints');

  const removed = await removeTempFiles(folder, isCheckpointFileName);
  const { readable, unreadable } = await readMetrics(
    await listCheckpoints(folder),
  );
  const checkpoints = readable;
  const keptPaths = new Set(checkpoints.slice(-keep).map((file) => file.path));
  for (const path of unreadable) {
    keptPaths.add(path);
  }
  const best = pickBest(checkpoints, mode);
  if (best !== undefined) {
    keptPaths.add(best.path);
  }

  for (const checkpoint of checkpoints) {
    if (!keptPaths.has(checkpoint.path)) {
      await rm(checkpoint.path, { force: true });
      removed.push(checkpoint.path);
    }
  }
  return removed;
}

interface CheckpointMetric extends CheckpointFile {
  metric: number | null;
}

/**
 * Reads the metric of every checkpoint. Files whose header cannot be read
 * as a checkpoint's are returned apart, by path.
 */
async function readMetrics(
  checkpoints: CheckpointFile[],
): Promise<{ readable: CheckpointMetric[]; unreadable: string[] }> {
  const readable: CheckpointMetric[] = [];
  const unreadable: string[] = [];
  for (const checkpoint of checkpoints) {
    try {
      const header = await readSafetensorsHeader(checkpoint.path);
      const metric = decodeMetric(
        header.metadata[METRIC_KEY] ?? 'null',
        checkpoint.path,
        METRIC_KEY,
      );
      readable.push({ ...checkpoint, metric });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        error instanceof SafetensorsError ||
        error instanceof SerializeError ||
        code === 'EISDIR'
      ) {
        unreadable.push(checkpoint.path);
        continue;
      }
      throw error;
    }
  }
  return { readable, unreadable };
}

/** Picks the best metric; on a tie the earliest step wins. */
function pickBest(
  checkpoints: CheckpointMetric[],
  mode: MetricMode,
): CheckpointMetric | undefined {
  let best: CheckpointMetric | undefined;
  let bestMetric = 0;
  for (const checkpoint of checkpoints) {
    const metric = checkpoint.metric;
    if (metric === null || Number.isNaN(metric)) {
      continue;
    }
    const better = mode === 'min' ? metric < bestMetric : metric > bestMetric;
    if (best === undefined || better) {
      best = checkpoint;
      bestMetric = metric;
    }
  }
  return best;
}

/**
 * Checks the options of `pruneCheckpoints` and fills in the default mode.
 *
 * @param caller The function name used in errors.
 * @throws SerializeError if `keep` or `mode` is invalid.
 */
export function checkPruneOptions(
  options: PruneOptions,
  caller: string,
): Required<PruneOptions> {
  const keep = options?.keep;
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new SerializeError(
      `${caller}: options.keep must be an integer of at least 1, got ${String(keep)}`,
    );
  }
  return { keep, mode: checkMode(options.mode, caller) };
}

function checkMode(mode: unknown, caller: string): MetricMode {
  if (mode === undefined) {
    return 'min';
  }
  if (mode !== 'min' && mode !== 'max') {
    throw new SerializeError(
      `${caller}: options.mode must be 'min' or 'max', got ${JSON.stringify(mode)}`,
    );
  }
  return mode;
}
