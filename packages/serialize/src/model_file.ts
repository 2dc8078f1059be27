import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { S4DModel } from '@s4d/model';
import { writeFileAtomic } from './atomic_write.js';
import {
  assignParameters,
  modelFromContents,
  modelToSafetensors,
  type SerializableModel,
} from './model_codec.js';
import { readSafetensorsFile } from './safetensors_file.js';
import { checkNotDisposed } from './tensor_codec.js';

/**
 * Saves a model to a `.safetensors` file atomically (see `writeFileAtomic`),
 * in the layout `modelToSafetensors` describes. The file is plain
 * safetensors, the format that `safetensors.torch.load_file` reads.
 *
 * @example
 * await saveModel(model, 'runs/mnist/model.safetensors');
 * const restored = await loadModel('runs/mnist/model.safetensors');
 *
 * @param model The model to save.
 * @param path The destination file; its folder is created if missing.
 * @throws SerializeError if a parameter was disposed.
 * @throws The file system error if the write fails; `path` is then unchanged.
 */
export async function saveModel(
  model: SerializableModel,
  path: string,
): Promise<void> {
  checkNotDisposed(
    model.parameters(),
    'saveModel',
    'parameter',
    'save the model before disposing it',
  );
  const bytes = modelToSafetensors(model, path);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, bytes);
}

/**
 * Loads a model saved by `saveModel`, rebuilding it from the config in the
 * file and then loading every parameter.
 *
 * @param path The model file.
 * @returns A new model, which the caller disposes.
 * @throws SafetensorsError if the file is invalid, is not an S4D model file,
 *   or its tensors do not match the config.
 * @throws ConfigError if the stored config is invalid.
 */
export async function loadModel(path: string): Promise<S4DModel> {
  return modelFromContents(await readSafetensorsFile(path));
}

/**
 * Loads parameters from a safetensors file into an existing model.
 *
 * Every model parameter must appear in the file with the same shape, and the
 * file must hold no other tensor. All of that is checked, and every tensor
 * decoded, before the first parameter changes, so on any error the model is
 * unchanged. Float tensors of any width load into float32 parameters. The
 * file needs no S4D metadata, so a PyTorch state dict saved with the same
 * names loads too.
 *
 * @param model The model whose parameters are replaced.
 * @param path The safetensors file.
 * @throws SerializeError if the model was disposed.
 * @throws SafetensorsError listing every missing, extra or mismatched tensor.
 */
export async function loadParametersInto(
  model: SerializableModel,
  path: string,
): Promise<void> {
  const contents = await readSafetensorsFile(path);
  assignParameters(model.parameters(), contents.tensors, contents.source);
}
