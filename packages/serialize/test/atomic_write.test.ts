import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  removeTempFiles,
  tempFileTarget,
  writeFileAtomic,
} from '../src/index.js';
import { useTempFolder } from './temp_folder.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

describe('writeFileAtomic', () => {
  const folder = useTempFolder();

  it('writes a new file', async () => {
    const path = join(folder.path, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));

    expect([...(await fs.readFile(path))]).toEqual([1, 2, 3]);
  });

  it('replaces an existing file', async () => {
    const path = join(folder.path, 'a.bin');
    await fs.writeFile(path, 'old contents');
    await writeFileAtomic(path, new Uint8Array([9]));

    expect([...(await fs.readFile(path))]).toEqual([9]);
    expect(await fs.readdir(folder.path)).toEqual(['a.bin']);
  });

  it('keeps the old file when rename fails', async () => {
    const path = join(folder.path, 'a.bin');
    await fs.writeFile(path, 'old contents');
    vi.mocked(fs.rename).mockRejectedValueOnce(new Error('simulated crash'));

    await expect(writeFileAtomic(path, new Uint8Array([9]))).rejects.toThrow(
      'simulated crash',
    );
    expect(await fs.readFile(path, 'utf8')).toBe('old contents');
    expect(await fs.readdir(folder.path)).toEqual(['a.bin']);
  });

  it('fails for a missing folder', async () => {
    const path = join(folder.path, 'missing', 'a.bin');

    await expect(writeFileAtomic(path, new Uint8Array(1))).rejects.toThrow(
      /ENOENT/,
    );
  });
});

describe('removeTempFiles', () => {
  const folder = useTempFolder();

  it('removes only temporary files', async () => {
    const names = [
      '.a.bin.0123456789abcdef.tmp',
      '.b.bin.fedcba9876543210.tmp',
      'a.bin',
      '.a.bin.tmp',
    ];
    for (const name of names) {
      await fs.writeFile(join(folder.path, name), '');
    }
    const removed = await removeTempFiles(folder.path);

    expect(removed.sort()).toEqual([
      join(folder.path, '.a.bin.0123456789abcdef.tmp'),
      join(folder.path, '.b.bin.fedcba9876543210.tmp'),
    ]);
    expect((await fs.readdir(folder.path)).sort()).toEqual([
      '.a.bin.tmp',
      'a.bin',
    ]);
  });

  it('filters by destination name', async () => {
    await fs.writeFile(join(folder.path, '.a.bin.0123456789abcdef.tmp'), '');
    await fs.writeFile(join(folder.path, '.b.bin.0123456789abcdef.tmp'), '');
    await removeTempFiles(folder.path, 'a.bin');

    expect(await fs.readdir(folder.path)).toEqual([
      '.b.bin.0123456789abcdef.tmp',
    ]);
  });
});

describe('tempFileTarget', () => {
  it('returns the destination name', () => {
    expect(tempFileTarget('.model.safetensors.0123456789abcdef.tmp')).toBe(
      'model.safetensors',
    );
  });

  it('rejects other names', () => {
    expect(tempFileTarget('model.safetensors')).toBeUndefined();
    expect(tempFileTarget('.model.safetensors.xyz.tmp')).toBeUndefined();
  });
});
