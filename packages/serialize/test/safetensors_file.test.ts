import { stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeTensorData,
  readSafetensorsFile,
  readSafetensorsHeader,
  SafetensorsError,
  type TensorToWrite,
  writeSafetensorsFile,
} from '../src/index.js';
import { rawFile } from './helpers.js';
import { useTempFolder } from './temp_folder.js';

const tensors = new Map<string, TensorToWrite>([
  ['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
  ['n', { dtype: 'I64', shape: [1], data: new BigInt64Array([-5n]) }],
]);

describe('readSafetensorsFile', () => {
  const folder = useTempFolder();

  it('reads what writeSafetensorsFile wrote', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeSafetensorsFile(path, tensors, { metadata: { k: 'v' } });
    const file = await readSafetensorsFile(path);
    const w = file.tensors.get('w');
    if (w === undefined) throw new Error('tensor w missing');

    expect(file.metadata).toEqual({ k: 'v' });
    expect(file.source).toBe(path);
    expect(decodeTensorData(w)).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it('names the file in errors', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeSafetensorsFile(path, tensors);
    await truncate(path, 40);

    await expect(readSafetensorsFile(path)).rejects.toThrow(
      `${path}: header length`,
    );
  });

  it('rejects a truncated data section', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeSafetensorsFile(path, tensors);
    const { size } = await stat(path);
    await truncate(path, size - 1);

    await expect(readSafetensorsFile(path)).rejects.toThrow(
      `${path}: tensor 'w': data ends at byte 24, past the end of the 23-byte data section (truncated file?)`,
    );
  });

  it('rejects a huge header before reading it', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeFile(path, rawFile('{}', new Uint8Array(0), 2 ** 40));

    await expect(readSafetensorsFile(path)).rejects.toThrow(
      `${path}: header length 1099511627776 exceeds the maximum of 100000000 bytes`,
    );
  });

  it('throws SafetensorsError for an empty file', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeFile(path, '');
    const error = await readSafetensorsFile(path).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toBe(
      `${path}: file is 0 bytes, shorter than the 8-byte header length prefix`,
    );
  });

  it('fails for a missing file', async () => {
    const path = join(folder.path, 'missing.safetensors');
    const attempt = readSafetensorsFile(path);

    await expect(attempt).rejects.toBeInstanceOf(SafetensorsError);
    await expect(attempt).rejects.toThrow(`${path}: file not found`);
  });

  it('fails for a folder', async () => {
    const attempt = readSafetensorsFile(folder.path);

    await expect(attempt).rejects.toBeInstanceOf(SafetensorsError);
    await expect(attempt).rejects.toThrow(
      `${folder.path}: is a folder, not a safetensors file`,
    );
  });
});

describe('readSafetensorsHeader', () => {
  const folder = useTempFolder();

  it('reads the header only', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeSafetensorsFile(path, tensors, { metadata: { k: 'v' } });
    const header = await readSafetensorsHeader(path);

    expect(header.metadata).toEqual({ k: 'v' });
    expect(header.tensors.get('w')?.shape).toEqual([2, 2]);
    expect(header.headerLength % 8).toBe(0);
  });

  it('rejects a bad header', async () => {
    const path = join(folder.path, 'x.safetensors');
    await writeFile(path, rawFile('{"a":1}'));

    await expect(readSafetensorsHeader(path)).rejects.toThrow(
      `${path}: tensor 'a': header entry must be an object, got 1`,
    );
  });
});
