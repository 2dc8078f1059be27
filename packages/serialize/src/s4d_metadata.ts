import { type ModelConfig, parseModelConfig } from '@s4d/config';
import { SafetensorsError } from './safetensors_error.js';
import type { SafetensorsContents } from './safetensors_reader.js';

/** The metadata key that names the kind of S4D file. */
export const FORMAT_KEY = 's4d_format';
/** The metadata key of the file format version. */
export const FORMAT_VERSION_KEY = 's4d_format_version';
/** The metadata key of the model config, as JSON. */
export const MODEL_CONFIG_KEY = 'model_config';
/** The format version this package writes and the newest it reads. */
export const FORMAT_VERSION = 1;

/**
 * Reads and checks the S4D format metadata of a parsed file.
 *
 * @param expected The format kind the caller needs, `model` or `checkpoint`.
 * @throws SafetensorsError if the kind is missing or different, or the version
 *   is missing, malformed or newer than `FORMAT_VERSION`.
 */
export function checkFormat(
  contents: Pick<SafetensorsContents, 'source' | 'metadata'>,
  expected: 'model' | 'checkpoint',
): void {
  const { source, metadata } = contents;
  const kind = metadata[FORMAT_KEY];
  if (kind !== expected) {
    const found =
      kind === undefined
        ? `no ${FORMAT_KEY} metadata`
        : `${FORMAT_KEY} '${kind}'`;
    throw new SafetensorsError(
      source,
      undefined,
      `expected an S4D ${expected} file (metadata ${FORMAT_KEY} '${expected}'), found ${found}`,
    );
  }

  const text = metadata[FORMAT_VERSION_KEY];
  const version = Number(text);
  if (text === undefined || !/^[1-9]\d*$/.test(text)) {
    throw new SafetensorsError(
      source,
      undefined,
      `metadata ${FORMAT_VERSION_KEY} must be a positive integer, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`,
    );
  }
  if (version > FORMAT_VERSION) {
    throw new SafetensorsError(
      source,
      undefined,
      `format version ${version} is newer than ${FORMAT_VERSION}, the newest this version of @s4d/serialize reads; upgrade @s4d/serialize`,
    );
  }
}

/**
 * Parses the model config stored in a file's metadata.
 *
 * @throws SafetensorsError if it is missing or not JSON.
 * @throws ConfigError if it is not a valid model config.
 */
export function readModelConfig(
  contents: Pick<SafetensorsContents, 'source' | 'metadata'>,
): ModelConfig {
  const text = contents.metadata[MODEL_CONFIG_KEY];
  if (text === undefined) {
    throw new SafetensorsError(
      contents.source,
      undefined,
      `metadata ${MODEL_CONFIG_KEY} is missing`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(
      contents.source,
      undefined,
      `metadata ${MODEL_CONFIG_KEY} is not valid JSON (${(error as Error).message})`,
    );
  }
  return parseModelConfig(json);
}
