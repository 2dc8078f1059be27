import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic_write.js';
import { SafetensorsError } from './safetensors_error.js';
import {
  parseHeader,
  readHeaderLength,
  type SafetensorsHeader,
} from './safetensors_header.js';
import {
  parseSafetensors,
  type SafetensorsContents,
} from './safetensors_reader.js';
import {
  type SerializeOptions,
  serializeSafetensors,
  type TensorToWrite,
} from './safetensors_writer.js';

/**
 * Reads and validates a safetensors file.
 *
 * The length prefix and the header are checked before the data section is
 * read, so an oversized or corrupt header costs no more than 100 MB of
 * reading. Errors name the file by `path`.
 *
 * @param path The file to read.
 * @returns The tensors and the metadata.
 * @throws SafetensorsError if the file is missing, a folder or invalid, or
 *   the file system error if it cannot be read for another reason.
 */
export async function readSafetensorsFile(
  path: string,
): Promise<SafetensorsContents> {
  const { handle, size } = await openFile(path);
  try {
    await readHeaderFrom(handle, size, path);

    const bytes = new Uint8Array(size);
    await readExactly(handle, bytes, 0, path);
    return parseSafetensors(bytes, { source: path });
  } finally {
    await handle.close();
  }
}

/**
 * Reads and validates the header of a safetensors file without reading its
 * data, for example to inspect the metadata of many checkpoints.
 *
 * @param path The file to read.
 * @returns The validated header.
 * @throws SafetensorsError if the file is missing or a folder, or if its
 *   header is invalid or does not match the file size.
 * @throws The file system error if the file cannot be read for another reason.
 */
export async function readSafetensorsHeader(
  path: string,
): Promise<SafetensorsHeader> {
  const { handle, size } = await openFile(path);
  try {
    return await readHeaderFrom(handle, size, path);
  } finally {
    await handle.close();
  }
}

/**
 * Serializes tensors with `serializeSafetensors` and writes them to `path`
 * atomically with `writeFileAtomic`.
 *
 * @param path The destination file.
 * @param tensors Tensors by name.
 * @param options The metadata to store in the header.
 * @throws SafetensorsError if a tensor is invalid, or the file system error
 *   if the write fails, in which case `path` is unchanged.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite>,
  options: Omit<SerializeOptions, 'source'> = {},
): Promise<void> {
  const bytes = serializeSafetensors(tensors, { ...options, source: path });
  await writeFileAtomic(path, bytes);
}

type FileHandle = Awaited<ReturnType<typeof open>>;

async function readHeaderFrom(
  handle: FileHandle,
  size: number,
  path: string,
): Promise<SafetensorsHeader> {
  const prefix = new Uint8Array(Math.min(8, size));
  await readExactly(handle, prefix, 0, path);
  const headerLength = readHeaderLength(prefix, size, path);

  const headerBytes = new Uint8Array(headerLength);
  await readExactly(handle, headerBytes, 8, path);
  return parseHeader(headerBytes, size - 8 - headerLength, path);
}

/** Fills `buffer` from the file at `position`, looping over short reads. */
async function readExactly(
  handle: FileHandle,
  buffer: Uint8Array,
  position: number,
  path: string,
): Promise<void> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(
      buffer,
      filled,
      buffer.length - filled,
      position + filled,
    );
    if (bytesRead === 0) {
      throw new SafetensorsError(
        path,
        undefined,
        `file ended after ${position + filled} bytes while reading, so it changed or was truncated during the read`,
      );
    }
    filled += bytesRead;
  }
}

/** Opens a file for reading, with clear errors for a missing path or a folder. */
async function openFile(
  path: string,
): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SafetensorsError(path, undefined, 'file not found', {
        cause: error,
      });
    }
    throw error;
  }

  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SafetensorsError(
      path,
      undefined,
      'is a folder, not a safetensors file',
    );
  }
  return { handle, size: stats.size };
}
