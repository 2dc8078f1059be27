import type { TileCopier } from './strided_copy.js';

/**
 * A WASM module, assembled by `assembleCopyModule` on first use, that
 * imports a memory as `env.memory` and exports
 * `copy2d(src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol)`. For every
 * r < rows and c < cols it copies the float32 at byte
 * `src + r * srcRow + c * srcCol` to byte `dst + r * dstRow + c * dstCol`,
 * with the column loop inside. Strides may be negative.
 */
let copyModule: WebAssembly.Module | undefined;

type Copy2d = (
  src: number,
  dst: number,
  rows: number,
  cols: number,
  srcRow: number,
  srcCol: number,
  dstRow: number,
  dstCol: number,
) => void;

const copiesByMemory = new WeakMap<WebAssembly.Memory, Copy2d>();

/** The part of the WASM backend's Emscripten module that the copier uses. */
interface WasmModuleAccess {
  asm?: { memory?: unknown };
  _malloc?: (bytes: number) => number;
  _free?: (pointer: number) => void;
}

/**
 * Copies tiles between tensors in the heap of tfjs's WASM backend and
 * PFFFT's heap, through staging areas in the backend's heap.
 *
 * A tile of 16 channels reads 64 bytes from each `[length, channels]` row,
 * which misses the cache on nearly every row. So the copier first copies a
 * whole batch row contiguously into a staging slab, then a compiled WASM loop
 * transposes each tile out of that cached slab, and one contiguous copy per
 * channel or tile crosses to PFFFT's heap. Scatters go the other way, into an
 * output slab that `flushScatter` writes to the tensor. The caller must visit
 * all tiles of one batch row before the next, and scatter every channel of
 * a row before calling `flushScatter`.
 *
 * In a scratch benchmark (Node 20.20, 2-core AMD EPYC shared with other
 * jobs, batch 16, 256 channels, length 1024) one pass of each copy over the
 * batch took about half the time of the JavaScript loops of `jsTileCopier`.
 */
export interface HeapTileCopier extends TileCopier {
  /** Frees the staging areas; call it once the kernel is done. */
  release(): void;
}

/** A staged batch row of one input array. */
interface StagedSlab {
  array: Float32Array | null;
  slabStart: number;
  /** Byte offset of the staged copy in the backend's heap. */
  pointer: number;
}

/**
 * Allocates staging areas in the heap of the WASM backend `backend` for
 * arrays of `slabFloats` floats per batch row (`length * channels`) and tiles
 * of `tileFloats` floats, and returns a copier for tensors in that heap.
 * Returns null when the backend does not expose its memory and allocator
 * (only `@tensorflow/tfjs-backend-wasm` 4.22.0 was checked). Call it before
 * taking any heap view, because the allocation can grow the heap and detach
 * them.
 */
export function createHeapTileCopier(
  backend: object,
  slabFloats: number,
  tileFloats: number,
): HeapTileCopier | null {
  const wasm = (backend as { wasm?: WasmModuleAccess }).wasm;
  const memory = wasm?.asm?.memory;
  const malloc = wasm?._malloc;
  const free = wasm?._free;
  if (
    !(memory instanceof WebAssembly.Memory) ||
    malloc === undefined ||
    free === undefined ||
    slabFloats === 0
  ) {
    return null;
  }
  const copy2d = copyFunctionFor(memory);
  // Two input slabs (dy and u in the backward pass), one output slab and
  // one tile.
  const block = malloc((3 * slabFloats + tileFloats) * 4);
  if (block === 0) {
    return null;
  }
  const inputs: StagedSlab[] = [0, 1].map((index) => ({
    array: null,
    slabStart: -1,
    pointer: block + index * slabFloats * 4,
  }));
  const output: StagedSlab = {
    array: null,
    slabStart: -1,
    pointer: block + 2 * slabFloats * 4,
  };
  const staging = block + 3 * slabFloats * 4;

  const stagingView = (floats: number) =>
    new Float32Array(memory.buffer, staging, floats);

  /** Returns the byte offset of `array[rowStart]` in its staged slab. */
  const stagedSource = (array: Float32Array, rowStart: number): number => {
    checkInMemory(array, memory);
    const slabStart = rowStart - (rowStart % slabFloats);
    let slab = inputs.find(
      (entry) => entry.array === array && entry.slabStart === slabStart,
    );
    if (slab === undefined) {
      // Replace the slab of the other array, or the older one.
      slab =
        inputs.find((entry) => entry.array === array) ??
        (inputs[0] as StagedSlab);
      inputs.splice(inputs.indexOf(slab), 1);
      inputs.push(slab);
      new Float32Array(memory.buffer, slab.pointer, slabFloats).set(
        array.subarray(slabStart, slabStart + slabFloats),
      );
      slab.array = array;
      slab.slabStart = slabStart;
    } else {
      inputs.splice(inputs.indexOf(slab), 1);
      inputs.push(slab);
    }
    return slab.pointer + (rowStart - slabStart) * 4;
  };

  /** Returns the byte offset of `array[rowStart]` in the output slab. */
  const stagedTarget = (array: Float32Array, rowStart: number): number => {
    checkInMemory(array, memory);
    const slabStart = rowStart - (rowStart % slabFloats);
    if (output.array !== null && output.slabStart !== slabStart) {
      throw new Error(
        'causalConv: scatter moved to another batch row before flushScatter.',
      );
    }
    output.array = array;
    output.slabStart = slabStart;
    return output.pointer + (rowStart - slabStart) * 4;
  };

  return {
    release() {
      free(block);
    },

    flushScatter() {
      const { array, slabStart } = output;
      if (array === null) {
        return;
      }
      checkInMemory(array, memory);
      array.set(
        new Float32Array(memory.buffer, output.pointer, slabFloats),
        slabStart,
      );
      output.array = null;
      output.slabStart = -1;
    },

    gather(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride } = tile;
      // Staging rows are `stride` apart like PFFFT's buffers, because rows a
      // power of two apart would share cache sets.
      copy2d(
        stagedSource(array, rowStart),
        staging,
        length,
        count,
        channels * 4,
        4,
        4,
        stride * 4,
      );
      const view = stagingView(count * stride);
      for (let j = 0; j < count; j++) {
        const row = j * stride;
        heap.set(view.subarray(row, row + length), group + row);
      }
    },

    gatherReversed(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride, size } = tile;
      if (length === 0) {
        return;
      }
      // Staging row j gets x[0], then x[length - 1] down to x[1], which is
      // the order of heap positions 0 and size - length + 1 .. size - 1.
      const source = stagedSource(array, rowStart);
      copy2d(source, staging, 1, count, 0, 4, 0, stride * 4);
      copy2d(
        source + channels * 4,
        staging + (length - 1) * 4,
        length - 1,
        count,
        channels * 4,
        4,
        -4,
        stride * 4,
      );
      const view = stagingView(count * stride);
      for (let j = 0; j < count; j++) {
        const row = j * stride;
        heap[group + row] = view[row] as number;
        heap.set(
          view.subarray(row + 1, row + length),
          group + row + size - length + 1,
        );
      }
    },

    scatter(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride } = tile;
      const target = stagedTarget(array, rowStart);
      stagingView(count * stride).set(
        heap.subarray(group, group + count * stride),
      );
      copy2d(staging, target, length, count, 4, stride * 4, channels * 4, 4);
    },

    scatterReversed(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride, size } = tile;
      if (length === 0) {
        return;
      }
      const target = stagedTarget(array, rowStart);
      stagingView(count * stride).set(
        heap.subarray(group, group + count * stride),
      );
      copy2d(staging, target, 1, count, 0, stride * 4, 0, 4);
      // Position size - t of each buffer goes to time step t >= 1.
      copy2d(
        staging + (size - 1) * 4,
        target + channels * 4,
        length - 1,
        count,
        -4,
        stride * 4,
        channels * 4,
        4,
      );
    },
  };
}

function checkInMemory(array: Float32Array, memory: WebAssembly.Memory): void {
  if (array.buffer !== memory.buffer) {
    throw new Error(
      'causalConv: a tensor view is not in the current WASM heap; ' +
        'the heap grew after the view was taken.',
    );
  }
}

function copyFunctionFor(memory: WebAssembly.Memory): Copy2d {
  let copy2d = copiesByMemory.get(memory);
  if (copy2d === undefined) {
    copyModule ??= assembleCopyModule();
    const instance = new WebAssembly.Instance(copyModule, {
      env: { memory },
    });
    copy2d = instance.exports.copy2d as Copy2d;
    copiesByMemory.set(memory, copy2d);
  }
  return copy2d;
}

// WASM opcodes and type codes used by the module below.
const I32 = 0x7f;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const LOOP = 0x03;
const BLOCK_TYPE_EMPTY = 0x40;
const END = 0x0b;
const BR_IF = 0x0d;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const F32_LOAD = 0x2a;
const F32_STORE = 0x38;
/** Memory immediates: 4-byte alignment (log2 = 2) and offset 0. */
const ALIGN_4_OFFSET_0 = [0x02, 0x00];

function assembleCopyModule(): WebAssembly.Module {
  // Parameters 0-7 as in the `copyModule` comment, then locals.
  const [src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol] = [
    0, 1, 2, 3, 4, 5, 6, 7,
  ];
  const [source, target, column] = [8, 9, 10];
  const addTo = (local: number, step: number) => [
    LOCAL_GET,
    local,
    LOCAL_GET,
    step,
    I32_ADD,
    LOCAL_SET,
    local,
  ];
  const decrementAndTest = (local: number) => [
    LOCAL_GET,
    local,
    I32_CONST,
    1,
    I32_SUB,
    LOCAL_TEE,
    local,
    BR_IF,
    0,
  ];
  const body = [
    // Three i32 locals.
    1,
    3,
    I32,
    // Return at once when rows or cols is 0 (br_if 0 leaves the function).
    LOCAL_GET,
    rows,
    I32_EQZ,
    BR_IF,
    0,
    LOCAL_GET,
    cols,
    I32_EQZ,
    BR_IF,
    0,
    LOOP,
    BLOCK_TYPE_EMPTY,
    LOCAL_GET,
    src,
    LOCAL_SET,
    source,
    LOCAL_GET,
    dst,
    LOCAL_SET,
    target,
    LOCAL_GET,
    cols,
    LOCAL_SET,
    column,
    LOOP,
    BLOCK_TYPE_EMPTY,
    LOCAL_GET,
    target,
    LOCAL_GET,
    source,
    F32_LOAD,
    ...ALIGN_4_OFFSET_0,
    F32_STORE,
    ...ALIGN_4_OFFSET_0,
    ...addTo(source, srcCol),
    ...addTo(target, dstCol),
    ...decrementAndTest(column),
    END,
    ...addTo(src, srcRow),
    ...addTo(dst, dstRow),
    ...decrementAndTest(rows),
    END,
    END,
  ];

  const name = (text: string) => [
    text.length,
    ...Array.from(text, (char) => char.charCodeAt(0)),
  ];
  const section = (id: number, content: number[]) => [
    id,
    ...unsignedLeb128(content.length),
    ...content,
  ];
  const bytes = [
    // Magic number and version 1.
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // Type section: one function type, eight i32 parameters, no results.
    ...section(1, [1, 0x60, 8, ...new Array(8).fill(I32), 0]),
    // Import section: env.memory, a memory of at least 0 pages and no maximum.
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    // Function section: one function of type 0.
    ...section(3, [1, 0]),
    // Export section: function 0 as copy2d.
    ...section(7, [1, ...name('copy2d'), 0x00, 0]),
    // Code section: one body.
    ...section(10, [1, ...unsignedLeb128(body.length), ...body]),
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}

function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) {
      byte |= 0x80;
    }
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}
