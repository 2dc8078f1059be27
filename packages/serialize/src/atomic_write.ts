import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The pattern of temporary files that `writeFileAtomic` creates. */
const TEMP_FILE = /^\.(.+)\.[0-9a-f]{16}\.tmp$/;

/**
 * Writes a file so that readers see either the old contents or the new ones,
 * never a partial file.
 *
 * The bytes go to a temporary file `.NAME.RANDOM.tmp` in the same folder,
 * which is flushed to disk (fsync) and renamed over `path`. The folder is
 * then flushed so the rename itself survives a power loss. If any step
 * throws, the temporary file is removed and `path` is unchanged. A process
 * killed before the rename leaves the temporary file behind, which
 * `removeTempFiles` cleans up.
 *
 * @param path The destination file.
 * @param bytes The new contents.
 * @throws The file system error of the step that failed.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const folder = dirname(path);
  const suffix = randomBytes(8).toString('hex');
  const tempPath = join(folder, `.${basename(path)}.${suffix}.tmp`);

  try {
    const handle = await open(tempPath, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }

  await syncFolder(folder);
}

/**
 * Removes the temporary files that interrupted `writeFileAtomic` calls left
 * in `folder`.
 *
 * NOTE: a write still in progress in another process has a temporary file of
 * the same form, so calling this while another process writes to the same
 * folder makes that write fail.
 *
 * @param folder The folder to clean.
 * @param target Only remove temporary files for this destination name, such
 *   as `model.safetensors`; a predicate for destination names; or every
 *   temporary file when omitted.
 * @returns The paths removed.
 */
export async function removeTempFiles(
  folder: string,
  target?: string | ((name: string) => boolean),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(folder)) {
    const destination = tempFileTarget(name);
    if (destination === undefined) {
      continue;
    }
    const matches =
      target === undefined ||
      (typeof target === 'string'
        ? destination === target
        : target(destination));
    if (matches) {
      const path = join(folder, name);
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}

/**
 * Returns the destination name of a `writeFileAtomic` temporary file, or
 * `undefined` if `name` is not one.
 */
export function tempFileTarget(name: string): string | undefined {
  return TEMP_FILE.exec(name)?.[1];
}

/**
 * Flushes a folder's entries to disk, so a rename inside it is durable.
 *
 * NOTE: Windows cannot open a folder for fsync (EISDIR or EPERM), so there
 * the rename is atomic but may not survive a power loss.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}
