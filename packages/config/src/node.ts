import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config_error.js';
import { findJsonSyntaxError } from './json_syntax.js';
import { type ModelConfig, parseModelConfig } from './model_config.js';
import { parseTrainingConfig, type TrainingConfig } from './training_config.js';

/**
 * The error that the config file readers throw when a file cannot be read or
 * is not valid JSON. An invalid config in a valid file is a
 * {@link ConfigError} instead.
 */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';

  /**
   * @param file The file, as the caller named it.
   * @param line 1-based line of a JSON syntax error, or `null`.
   * @param column 1-based column of a JSON syntax error, or `null`.
   */
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'file not found; check the path',
  ENOTDIR: 'a folder in the path is a file; check the path',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

function displayName(path: string | URL): string {
  if (!(path instanceof URL)) {
    return path;
  }
  if (path.protocol !== 'file:') {
    throw new ConfigFileError(
      `Cannot read config file ${path.href}: only file: URLs can be read; download the file first`,
      path.href,
      null,
      null,
    );
  }
  return fileURLToPath(path);
}

async function readText(file: string, path: string | URL): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = READ_FAILURES[code] ?? (error as Error).message;
    throw new ConfigFileError(
      `Cannot read config file ${file}: ${reason}`,
      file,
      null,
      null,
      { cause: error },
    );
  }
}

function parseJson(file: string, text: string): unknown {
  // Editors on Windows may start a UTF-8 file with a byte order mark.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const syntax = findJsonSyntaxError(body);
    if (syntax === undefined) {
      throw new ConfigFileError(
        `Invalid JSON in config file ${file}: ${(error as Error).message}`,
        file,
        null,
        null,
        { cause: error },
      );
    }
    throw new ConfigFileError(
      `Invalid JSON in config file ${file} at line ${syntax.line}, column ${syntax.column}: ${syntax.reason}`,
      file,
      syntax.line,
      syntax.column,
      { cause: error },
    );
  }
}

async function readConfigFile<T>(
  path: string | URL,
  kind: string,
  parse: (input: unknown) => T,
): Promise<T> {
  const file = displayName(path);
  const input = parseJson(file, await readText(file, path));
  try {
    return parse(input);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(`${kind} file ${file}`, error.problems, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Reads a model config from a JSON file (UTF-8, an optional byte order mark)
 * and parses it with `parseModelConfig`.
 *
 * @param path File path or `file:` URL.
 * @throws ConfigFileError when the file cannot be read, or is not valid JSON
 *   (with the line and column of the error).
 * @throws ConfigError, naming the file, when the config is invalid.
 */
export function readModelConfigFile(path: string | URL): Promise<ModelConfig> {
  return readConfigFile(path, 'model config', parseModelConfig);
}

/**
 * Reads a training config from a JSON file and parses it with
 * `parseTrainingConfig`. Paths inside it, such as `dataset.path`, are
 * returned as written, not resolved against the file's folder.
 *
 * @param path File path or `file:` URL.
 * @throws ConfigFileError when the file cannot be read, or is not valid JSON
 *   (with the line and column of the error).
 * @throws ConfigError, naming the file, when the config is invalid.
 */
export function readTrainingConfigFile(
  path: string | URL,
): Promise<TrainingConfig> {
  return readConfigFile(path, 'training config', parseTrainingConfig);
}
