import createPffft, { type PffftModule } from '@echogarden/pffft-wasm/simd';

// NOTE: PFFFT runs in its own WASM instance, loaded here with top-level await
// from the `pffft.wasm` file next to the package's script. A browser bundler
// must serve that file; this module has no option to point elsewhere yet.
const pffft: PffftModule = await createPffft();

/** PFFFT's `pffft_transform_t` value for a real transform. */
const PFFFT_REAL = 0;

/** PFFFT's `pffft_direction_t` values. */
export const FORWARD = 0;
export const BACKWARD = 1;

/**
 * Channels processed together by one pass of the convolution loops. Sixteen
 * float32 channels fill one 64-byte cache line of a `[batch, length, H]` row.
 */
const TILE_CHANNELS = 16;

/**
 * Transform size above which tiles get fewer channels. A workspace holds
 * about `(4 * tileChannels + 2) * size` floats, so it stays near 16 MiB up to
 * size 2^20, where tiles reach one channel.
 */
const FULL_TILE_MAX_SIZE = 1 << 16;

/** Workspaces kept alive for reuse, one per transform size. */
const MAX_CACHED_WORKSPACES = 4;

/**
 * Buffers in PFFFT's heap for convolutions of one transform size: a PFFFT
 * setup, its work area and groups of per-channel buffers. Every offset counts
 * float32 elements from the start of `pffft.HEAPF32`.
 */
export interface FftWorkspace {
  /** The real transform size. */
  size: number;
  /** The PFFFT setup pointer (bytes) for `size`. */
  setup: number;
  /** Channels per tile, and buffers per group. */
  tileChannels: number;
  /** Distance in floats between two channels' buffers of one group. */
  stride: number;
  /** Scratch area that PFFFT needs for one transform. */
  work: number;
  /** A spectrum shared by all channels of a tile. */
  spectrum: number;
  /**
   * `tileChannels` spectra, `size` apart with no padding, so a tile of
   * `[batch, channels, size]` spectra moves in one copy.
   */
  spectra: number;
  /** Per-channel groups, `tileChannels` buffers each, `stride` apart. */
  signalA: number;
  signalB: number;
  product: number;
  /** The allocation that every offset above points into (bytes). */
  block: number;
}

const workspaces = new Map<number, FftWorkspace>();
let liveBlocks = 0;

/** Returns the current float32 view of PFFFT's heap. */
export function pffftHeap(): Float32Array {
  return pffft.HEAPF32;
}

/** Exposes PFFFT's functions; pointers are byte offsets into its heap. */
export function pffftModule(): PffftModule {
  return pffft;
}

/**
 * Finds the smallest real transform size of at least `2 * length` that PFFFT
 * accepts: `32 * 2^a * 3^b * 5^c`.
 *
 * A size of `2 * length` or more keeps a linear convolution of two length-L
 * signals free of wrap-around in its first L outputs.
 */
export function fftSizeFor(length: number): number {
  let size = Math.max(32, Math.ceil((2 * length) / 32) * 32);
  while (!isSmooth(size / 32)) {
    size += 32;
  }
  return size;
}

function isSmooth(value: number): boolean {
  let rest = value;
  for (const factor of [2, 3, 5]) {
    while (rest % factor === 0) {
      rest /= factor;
    }
  }
  return rest === 1;
}

/**
 * Returns the workspace for transform size `size`, creating it on first use.
 * The few most recently used sizes stay allocated, so repeated calls at one
 * length allocate nothing.
 */
export function acquireWorkspace(size: number): FftWorkspace {
  const cached = workspaces.get(size);
  if (cached !== undefined) {
    workspaces.delete(size);
    workspaces.set(size, cached);
    return cached;
  }

  const workspace = createWorkspace(size);
  workspaces.set(size, workspace);
  for (const [oldSize, old] of workspaces) {
    if (workspaces.size <= MAX_CACHED_WORKSPACES) {
      break;
    }
    destroyWorkspace(old);
    workspaces.delete(oldSize);
  }
  return workspace;
}

function createWorkspace(size: number): FftWorkspace {
  const setup = pffft._pffft_new_setup(size, PFFFT_REAL);
  if (setup === 0) {
    throw new Error(`PFFFT rejected the real transform size ${size}.`);
  }

  // 16 floats of padding keep the 16-byte alignment that PFFFT needs and stop
  // buffers that are a power of two apart from sharing cache sets.
  const stride = size + 16;
  const tileChannels =
    size <= FULL_TILE_MAX_SIZE
      ? TILE_CHANNELS
      : Math.max(1, Math.floor((TILE_CHANNELS * FULL_TILE_MAX_SIZE) / size));
  const groupFloats = tileChannels * stride;
  const totalFloats = 2 * stride + tileChannels * size + 3 * groupFloats;
  const block = pffft._pffft_aligned_malloc(totalFloats * 4);
  if (block === 0) {
    pffft._pffft_destroy_setup(setup);
    throw new Error(
      `PFFFT could not allocate ${totalFloats * 4} bytes for size ${size}.`,
    );
  }
  liveBlocks++;

  const base = block / 4;
  const groups = base + 2 * stride + tileChannels * size;
  pffft.HEAPF32.fill(0, base, base + totalFloats);
  return {
    size,
    setup,
    tileChannels,
    stride,
    block,
    work: base,
    spectrum: base + stride,
    spectra: base + 2 * stride,
    signalA: groups,
    signalB: groups + groupFloats,
    product: groups + 2 * groupFloats,
  };
}

function destroyWorkspace(workspace: FftWorkspace): void {
  pffft._pffft_aligned_free(workspace.block);
  pffft._pffft_destroy_setup(workspace.setup);
  liveBlocks--;
}

/** Memory held in PFFFT's heap, for tests that check for leaks. */
export interface PffftMemory {
  /** Size of PFFFT's WASM heap in bytes; it grows and never shrinks. */
  heapBytes: number;
  /** Workspaces currently allocated. */
  workspaces: number;
}

/** Reports how much of PFFFT's heap the workspaces hold. */
export function pffftMemory(): PffftMemory {
  return { heapBytes: pffft.HEAPF32.byteLength, workspaces: liveBlocks };
}
