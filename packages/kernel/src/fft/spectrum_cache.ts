import { pffftModule } from './pffft.js';

/**
 * Spectra that the forward pass leaves in PFFFT's heap for the backward
 * pass, so neither pass copies them through a tfjs tensor. Offsets count
 * float32 elements from the start of PFFFT's heap.
 */
export interface CachedSpectra {
  /** The key that the forward and backward kernels receive as an attribute. */
  id: number;
  batch: number;
  channels: number;
  /** The transform size. */
  size: number;
  /** Spectra of `u`, `[batch, channels, size]`, in PFFFT's internal order. */
  u: number;
  /** Spectra of the kernels, `[channels, size]`. */
  kernel: number;
  /** Whether the forward kernel has written both spectra. */
  filled: boolean;
  /** The allocation (bytes) that `u` and `kernel` point into. */
  block: number;
  bytes: number;
}

/**
 * Maximum bytes of cached spectra. Past it the oldest entries are dropped,
 * and their backward passes recompute the spectra from `u` and the kernel.
 */
const MAX_CACHED_BYTES = 512 * 1024 * 1024;

const entries = new Map<number, CachedSpectra>();
let cachedBytes = 0;
let nextId = 1;

// A forward pass whose backward pass never runs (its tape was dropped) frees
// its entry when the gradient closure that stores the id is collected.
const abandoned = new FinalizationRegistry<number>((id) => {
  releaseSpectra(id);
});

/**
 * Allocates room for the spectra of one forward pass and returns its entry,
 * or undefined if the spectra alone would pass the cache's size limit.
 *
 * @param owner The object whose garbage collection frees the entry if
 *   `releaseSpectra` is never called.
 */
export function reserveSpectra(
  batch: number,
  channels: number,
  size: number,
  owner: object,
): CachedSpectra | undefined {
  const floats = (batch + 1) * channels * size;
  const bytes = floats * 4;
  if (bytes > MAX_CACHED_BYTES || floats === 0) {
    return undefined;
  }
  for (const [id, entry] of entries) {
    if (cachedBytes + bytes <= MAX_CACHED_BYTES) {
      break;
    }
    freeEntry(entry);
    entries.delete(id);
  }

  const pffft = pffftModule();
  const block = pffft._pffft_aligned_malloc(bytes);
  if (block === 0) {
    return undefined;
  }
  const u = block / 4;
  const entry: CachedSpectra = {
    id: nextId++,
    batch,
    channels,
    size,
    u,
    kernel: u + batch * channels * size,
    filled: false,
    block,
    bytes,
  };
  entries.set(entry.id, entry);
  cachedBytes += bytes;
  abandoned.register(owner, entry.id);
  return entry;
}

/**
 * Returns entry `id` if it is still cached and matches the shape, otherwise
 * undefined. Check `filled` before reading its spectra.
 */
export function findSpectra(
  id: number,
  batch: number,
  channels: number,
  size: number,
): CachedSpectra | undefined {
  const entry = entries.get(id);
  if (
    entry === undefined ||
    entry.batch !== batch ||
    entry.channels !== channels ||
    entry.size !== size
  ) {
    return undefined;
  }
  return entry;
}

/** Frees entry `id`; does nothing if it is gone already. */
export function releaseSpectra(id: number): void {
  const entry = entries.get(id);
  if (entry !== undefined) {
    freeEntry(entry);
    entries.delete(id);
  }
}

/** Reports the cached entries and their bytes, for tests that check leaks. */
export function cachedSpectra(): { entries: number; bytes: number } {
  return { entries: entries.size, bytes: cachedBytes };
}

function freeEntry(entry: CachedSpectra): void {
  pffftModule()._pffft_aligned_free(entry.block);
  cachedBytes -= entry.bytes;
}
