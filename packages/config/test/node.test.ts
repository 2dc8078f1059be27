import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseTrainingConfig } from '../src/index.js';
import {
  ConfigFileError,
  readModelConfigFile,
  readTrainingConfigFile,
} from '../src/node.js';

let folder: string;

async function writeConfig(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

/** Awaits `promise` and returns what it rejects with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 's4d-config-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('readModelConfigFile', () => {
  it('reads and parses a file', async () => {
    const path = await writeConfig('model.json', '{"embedDim": 28}');
    const config = await readModelConfigFile(path);
    expect(config.embedDim).toBe(28);
  });

  it('fills defaults', async () => {
    const path = await writeConfig('model-defaults.json', '{"embedDim": 1}');
    const config = await readModelConfigFile(path);
    expect(config.seqLen).toBe(60);
  });

  it('accepts a file URL', async () => {
    const path = await writeConfig('model-url.json', '{"embedDim": 2}');
    const config = await readModelConfigFile(pathToFileURL(path));
    expect(config.embedDim).toBe(2);
  });

  it('skips a byte order mark', async () => {
    const path = await writeConfig('model-bom.json', '\uFEFF{"embedDim": 3}');
    const config = await readModelConfigFile(path);
    expect(config.embedDim).toBe(3);
  });

  it('accepts $schema', async () => {
    const text = '{"$schema": "./model-config.schema.json", "embedDim": 4}';
    const path = await writeConfig('model-schema.json', text);
    const config = await readModelConfigFile(path);
    expect(config.embedDim).toBe(4);
  });

  it('names the file of an invalid config', async () => {
    const path = await writeConfig(
      'odd.json',
      '{"embedDim": 1, "stateSize": 63}',
    );
    const error = await rejectionOf(readModelConfigFile(path));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `Invalid model config file ${path} (1 problem):\n  stateSize: 63 is odd; S4D needs an even state size`,
    );
  });

  it('keeps the problems of an invalid config', async () => {
    const path = await writeConfig('typo.json', '{"embedDim": 1, "droput": 0}');
    const error = (await rejectionOf(readModelConfigFile(path))) as ConfigError;
    expect(error.problems).toEqual([
      {
        path: 'droput',
        value: 0,
        message: 'unknown key; did you mean "dropout"?',
      },
    ]);
  });

  it('reports a missing file', async () => {
    const path = join(folder, 'missing.json');
    const error = await rejectionOf(readModelConfigFile(path));
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toBe(
      `Cannot read config file ${path}: file not found; check the path`,
    );
  });

  it('keeps the cause of a read failure', async () => {
    const path = join(folder, 'missing-too.json');
    const error = (await rejectionOf(readModelConfigFile(path))) as Error;
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('reports a file used as a folder', async () => {
    const file = await writeConfig('plain.json', '{}');
    const path = join(file, 'inner.json');
    const error = await rejectionOf(readModelConfigFile(path));
    expect((error as Error).message).toBe(
      `Cannot read config file ${path}: a folder in the path is a file; check the path`,
    );
  });

  it('rejects a URL that is not a file URL', async () => {
    const url = new URL('https://config.invalid/model.json');
    const error = await rejectionOf(readModelConfigFile(url));
    expect((error as Error).message).toBe(
      'Cannot read config file https://config.invalid/model.json: only file: URLs can be read; download the file first',
    );
  });

  it('reports a directory', async () => {
    const path = join(folder, 'a-folder.json');
    await mkdir(path);
    const error = await rejectionOf(readModelConfigFile(path));
    expect((error as Error).message).toBe(
      `Cannot read config file ${path}: it is a directory, not a file`,
    );
  });

  it('gives the position of a syntax error', async () => {
    const text = '{\n  "embedDim": 1,\n  "hiddenSize": 64,\n}\n';
    const path = await writeConfig('comma.json', text);
    const error = await rejectionOf(readModelConfigFile(path));
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toBe(
      `Invalid JSON in config file ${path} at line 3, column 19: trailing comma before '}'`,
    );
  });

  it('sets line and column of a syntax error', async () => {
    const path = await writeConfig('quote.json', "{\n  'embedDim': 1\n}");
    const error = (await rejectionOf(
      readModelConfigFile(path),
    )) as ConfigFileError;
    expect({
      file: error.file,
      line: error.line,
      column: error.column,
    }).toEqual({ file: path, line: 2, column: 3 });
  });

  it('counts columns after a byte order mark', async () => {
    const path = await writeConfig('bom-error.json', '\uFEFF{"embedDim" 1}');
    const error = (await rejectionOf(
      readModelConfigFile(path),
    )) as ConfigFileError;
    expect([error.line, error.column]).toEqual([1, 13]);
  });

  it('reports an empty file', async () => {
    const path = await writeConfig('empty.json', '');
    const error = await rejectionOf(readModelConfigFile(path));
    expect((error as Error).message).toBe(
      `Invalid JSON in config file ${path} at line 1, column 1: expected a JSON value, found the end of the file`,
    );
  });

  it('has no position for a read failure', async () => {
    const path = join(folder, 'gone.json');
    const error = (await rejectionOf(
      readModelConfigFile(path),
    )) as ConfigFileError;
    expect([error.line, error.column]).toEqual([null, null]);
  });
});

describe('readTrainingConfigFile', () => {
  it('reads and parses a file', async () => {
    const text = JSON.stringify({
      $schema: './training-config.schema.json',
      epochs: 3,
      model: { stateSize: 32 },
      dataset: { kind: 'mnist', variant: 'rows' },
    });
    const path = await writeConfig('train.json', text);
    expect(await readTrainingConfigFile(path)).toEqual(
      parseTrainingConfig({
        epochs: 3,
        model: { stateSize: 32 },
        dataset: { kind: 'mnist', variant: 'rows' },
      }),
    );
  });

  it('keeps a relative dataset path as written', async () => {
    const dataset = {
      kind: 'csv',
      path: 'data/weather.csv',
      target: 'weather',
      task: 'classification',
      window: 7,
    };
    const path = await writeConfig('csv.json', JSON.stringify({ dataset }));
    const config = await readTrainingConfigFile(path);
    expect(config.dataset).toMatchObject({ path: 'data/weather.csv' });
  });

  it('names the file of an invalid config', async () => {
    const path = await writeConfig('bad-train.json', '{"batchSize": 0}');
    const error = await rejectionOf(readTrainingConfigFile(path));
    expect((error as Error).message).toBe(
      `Invalid training config file ${path} (1 problem):\n  batchSize: 0 is too small; the minimum is 1`,
    );
  });

  it('gives the position of a syntax error', async () => {
    const path = await writeConfig(
      'bad-syntax.json',
      '{"epochs": 1 "seed": 2}',
    );
    const error = await rejectionOf(readTrainingConfigFile(path));
    expect((error as Error).message).toBe(
      `Invalid JSON in config file ${path} at line 1, column 14: expected ',' or '}' after a property value, found '"'`,
    );
  });
});

describe('ConfigFileError', () => {
  it('is named ConfigFileError', () => {
    expect(new ConfigFileError('m', 'f', null, null).name).toBe(
      'ConfigFileError',
    );
  });
});
