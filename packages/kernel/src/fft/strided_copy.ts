/**
 * Copies between one batch row of a `[batch, length, channels]` array and a
 * group of per-channel buffers in PFFFT's heap.
 *
 * Every loop walks 8 time steps of all channels of a tile at a time, so the
 * 8 source rows stay in cache while each channel takes its samples. In a
 * scratch benchmark (Node 20.20, 2-core AMD EPYC, batch 16, 256 channels,
 * length 1024) this was about 1.7 times as fast as copying one channel's
 * column at a time.
 */

/** Offsets and sizes of one channel tile of one batch row. */
export interface TileLayout {
  /** Length of the time axis. */
  length: number;
  /** Channels of the `[batch, length, channels]` array. */
  channels: number;
  /** Offset of element `[b, 0, h0]` of the array. */
  rowStart: number;
  /** Channels in the tile, at most the group's buffer count. */
  count: number;
  /** Offset of buffer 0 of the group in the heap. */
  group: number;
  /** Distance between two buffers of the group. */
  stride: number;
  /** The transform size, for the time-reversed copies. */
  size: number;
}

/** Copies `array[b, t, h0 + j]` to position `t` of buffer `j`. */
export function gather(
  heap: Float32Array,
  array: Float32Array,
  tile: TileLayout,
): void {
  const { length, channels, rowStart, count, group, stride } = tile;
  const blockEnd = length - (length % 8);
  for (let t0 = 0; t0 < blockEnd; t0 += 8) {
    const row = rowStart + t0 * channels;
    for (let j = 0; j < count; j++) {
      const offset = group + j * stride + t0;
      let index = row + j;
      heap[offset] = array[index] as number;
      index += channels;
      heap[offset + 1] = array[index] as number;
      index += channels;
      heap[offset + 2] = array[index] as number;
      index += channels;
      heap[offset + 3] = array[index] as number;
      index += channels;
      heap[offset + 4] = array[index] as number;
      index += channels;
      heap[offset + 5] = array[index] as number;
      index += channels;
      heap[offset + 6] = array[index] as number;
      index += channels;
      heap[offset + 7] = array[index] as number;
    }
  }
  for (let t = blockEnd; t < length; t++) {
    const row = rowStart + t * channels;
    for (let j = 0; j < count; j++) {
      heap[group + j * stride + t] = array[row + j] as number;
    }
  }
}

/** Copies position `t` of buffer `j` to `array[b, t, h0 + j]`. */
export function scatter(
  heap: Float32Array,
  array: Float32Array,
  tile: TileLayout,
): void {
  const { length, channels, rowStart, count, group, stride } = tile;
  const blockEnd = length - (length % 8);
  for (let t0 = 0; t0 < blockEnd; t0 += 8) {
    const row = rowStart + t0 * channels;
    for (let j = 0; j < count; j++) {
      const offset = group + j * stride + t0;
      let index = row + j;
      array[index] = heap[offset] as number;
      index += channels;
      array[index] = heap[offset + 1] as number;
      index += channels;
      array[index] = heap[offset + 2] as number;
      index += channels;
      array[index] = heap[offset + 3] as number;
      index += channels;
      array[index] = heap[offset + 4] as number;
      index += channels;
      array[index] = heap[offset + 5] as number;
      index += channels;
      array[index] = heap[offset + 6] as number;
      index += channels;
      array[index] = heap[offset + 7] as number;
    }
  }
  for (let t = blockEnd; t < length; t++) {
    const row = rowStart + t * channels;
    for (let j = 0; j < count; j++) {
      array[row + j] = heap[group + j * stride + t] as number;
    }
  }
}

/**
 * Copies `array[b, t, h0 + j]` to position `-t mod size` of buffer `j`: the
 * time-reversed signal of a circular transform, whose spectrum is the
 * complex conjugate of the signal's.
 */
export function gatherReversed(
  heap: Float32Array,
  array: Float32Array,
  tile: TileLayout,
): void {
  const { length, channels, rowStart, count, group, stride, size } = tile;
  if (length === 0) {
    return;
  }

  for (let j = 0; j < count; j++) {
    heap[group + j * stride] = array[rowStart + j] as number;
  }
  const blockEnd = length - ((length - 1) % 8);
  for (let t0 = 1; t0 < blockEnd; t0 += 8) {
    const row = rowStart + t0 * channels;
    for (let j = 0; j < count; j++) {
      const offset = group + j * stride + size - t0;
      let index = row + j;
      heap[offset] = array[index] as number;
      index += channels;
      heap[offset - 1] = array[index] as number;
      index += channels;
      heap[offset - 2] = array[index] as number;
      index += channels;
      heap[offset - 3] = array[index] as number;
      index += channels;
      heap[offset - 4] = array[index] as number;
      index += channels;
      heap[offset - 5] = array[index] as number;
      index += channels;
      heap[offset - 6] = array[index] as number;
      index += channels;
      heap[offset - 7] = array[index] as number;
    }
  }
  for (let t = blockEnd; t < length; t++) {
    const row = rowStart + t * channels;
    for (let j = 0; j < count; j++) {
      heap[group + j * stride + size - t] = array[row + j] as number;
    }
  }
}

/** Copies position `-t mod size` of buffer `j` to `array[b, t, h0 + j]`. */
export function scatterReversed(
  heap: Float32Array,
  array: Float32Array,
  tile: TileLayout,
): void {
  const { length, channels, rowStart, count, group, stride, size } = tile;
  if (length === 0) {
    return;
  }

  for (let j = 0; j < count; j++) {
    array[rowStart + j] = heap[group + j * stride] as number;
  }
  const blockEnd = length - ((length - 1) % 8);
  for (let t0 = 1; t0 < blockEnd; t0 += 8) {
    const row = rowStart + t0 * channels;
    for (let j = 0; j < count; j++) {
      const offset = group + j * stride + size - t0;
      let index = row + j;
      array[index] = heap[offset] as number;
      index += channels;
      array[index] = heap[offset - 1] as number;
      index += channels;
      array[index] = heap[offset - 2] as number;
      index += channels;
      array[index] = heap[offset - 3] as number;
      index += channels;
      array[index] = heap[offset - 4] as number;
      index += channels;
      array[index] = heap[offset - 5] as number;
      index += channels;
      array[index] = heap[offset - 6] as number;
      index += channels;
      array[index] = heap[offset - 7] as number;
    }
  }
  for (let t = blockEnd; t < length; t++) {
    const row = rowStart + t * channels;
    for (let j = 0; j < count; j++) {
      array[row + j] = heap[group + j * stride + size - t] as number;
    }
  }
}

/**
 * The four tile copies, so a backend can bring faster ones. `array` is the
 * `[batch, length, channels]` array and `heap` PFFFT's heap. A copier may
 * hold scattered values back until `flushScatter`, which the caller runs
 * once every channel of a batch row has been scattered.
 */
export interface TileCopier {
  flushScatter(): void;
  gather(heap: Float32Array, array: Float32Array, tile: TileLayout): void;
  scatter(heap: Float32Array, array: Float32Array, tile: TileLayout): void;
  gatherReversed(
    heap: Float32Array,
    array: Float32Array,
    tile: TileLayout,
  ): void;
  scatterReversed(
    heap: Float32Array,
    array: Float32Array,
    tile: TileLayout,
  ): void;
}

/** The JavaScript copies above, which work on arrays of any backend. */
export const jsTileCopier: TileCopier = {
  flushScatter() {},
  gather,
  scatter,
  gatherReversed,
  scatterReversed,
};
