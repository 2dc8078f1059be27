import type { TileCopier } from './strided_copy.js';

/**
 * A WASM module, assembled by `assembleCopyModule` on first use, that
 * imports a memory as `env.memory` and exports
 * `copy2d(src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol)`. For every
 * r < rows and c < cols it copies the float32 at byte
 * `src + r * srcRow + c * srcCol` to byte `dst + r * dstRow + c * dstCol`,
 * with the column loop inside. Strides may be negative. It also exports the
 * SIMD transposes `transpose4` and `transpose4Rows` (see `transpose4Body`),
 * so it needs WASM SIMD. Where it fails to compile, `createHeapTileCopier`
 * returns null and the caller falls back to the JavaScript copies.
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

type Transpose4 = (
  src: number,
  dst: number,
  rowBlocks: number,
  colBlocks: number,
  srcRow: number,
  dstCol: number,
) => void;

/** The exported functions of one instance of the copy module. */
interface CopyFunctions {
  copy2d: Copy2d;
  /** Walks column blocks in its inner loop. */
  transpose4: Transpose4;
  /** The same copy with row blocks in the inner loop. */
  transpose4Rows: Transpose4;
}

const copiesByMemory = new WeakMap<WebAssembly.Memory, CopyFunctions>();

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
 * whole batch row contiguously into a staging slab, then WASM SIMD code
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
 * (only `@tensorflow/tfjs-backend-wasm` 4.22.0 was checked) or the runtime
 * has no WASM SIMD. Call it before taking any heap view, because the
 * allocation can grow the heap and detach them.
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
  const functions = copyFunctionsFor(memory);
  if (functions === null) {
    return null;
  }
  const { copy2d } = functions;
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

  // One view of the staging tile, remade only when the heap grows and
  // detaches it, so that copying a tile of short rows allocates no view.
  let stagingArray = new Float32Array(memory.buffer, staging, tileFloats);
  const stagingView = () => {
    if (stagingArray.buffer !== memory.buffer) {
      stagingArray = new Float32Array(memory.buffer, staging, tileFloats);
    }
    return stagingArray;
  };

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
      transpose(
        functions,
        false,
        stagedSource(array, rowStart),
        staging,
        length,
        count,
        channels * 4,
        stride * 4,
      );
      const view = stagingView();
      for (let j = 0; j < count; j++) {
        const row = j * stride;
        copyFloats(view, row, heap, group + row, length);
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
      transpose(
        functions,
        false,
        source + (length - 1) * channels * 4,
        staging + 4,
        length - 1,
        count,
        -channels * 4,
        stride * 4,
      );
      const view = stagingView();
      for (let j = 0; j < count; j++) {
        const row = j * stride;
        heap[group + row] = view[row] as number;
        copyFloats(
          view,
          row + 1,
          heap,
          group + row + size - length + 1,
          length - 1,
        );
      }
    },

    scatter(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride } = tile;
      const target = stagedTarget(array, rowStart);
      // Only the first `length` positions of each buffer are output.
      const view = stagingView();
      for (let j = 0; j < count; j++) {
        const row = group + j * stride;
        copyFloats(heap, row, view, j * stride, length);
      }
      // Channels inside, so each pass writes whole rows of the slab.
      transpose(
        functions,
        true,
        staging,
        target,
        count,
        length,
        stride * 4,
        channels * 4,
      );
    },

    scatterReversed(heap, array, tile) {
      const { length, channels, rowStart, count, group, stride, size } = tile;
      if (length === 0) {
        return;
      }
      const target = stagedTarget(array, rowStart);
      // Only positions 0 and size - length + 1 .. size - 1 are output.
      const view = stagingView();
      for (let j = 0; j < count; j++) {
        const row = group + j * stride;
        view[j * stride] = heap[row] as number;
        copyFloats(
          heap,
          row + size - length + 1,
          view,
          j * stride + size - length + 1,
          length - 1,
        );
      }
      copy2d(staging, target, 1, count, 0, stride * 4, 0, 4);
      // Positions size - length + 1 .. size - 1 of each buffer go to time
      // steps length - 1 down to 1.
      transpose(
        functions,
        true,
        staging + (size - length + 1) * 4,
        target + (length - 1) * channels * 4,
        count,
        length - 1,
        stride * 4,
        -channels * 4,
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

function copyFunctionsFor(memory: WebAssembly.Memory): CopyFunctions | null {
  let functions = copiesByMemory.get(memory);
  if (functions === undefined) {
    if (copyModule === undefined) {
      try {
        copyModule = assembleCopyModule();
      } catch (error) {
        if (error instanceof WebAssembly.CompileError) {
          return null;
        }
        throw error;
      }
    }
    const instance = new WebAssembly.Instance(copyModule, {
      env: { memory },
    });
    functions = {
      copy2d: instance.exports.copy2d as Copy2d,
      transpose4: instance.exports.transpose4 as Transpose4,
      transpose4Rows: instance.exports.transpose4Rows as Transpose4,
    };
    copiesByMemory.set(memory, functions);
  }
  return functions;
}

/**
 * Copies the float32 at byte `src + r * srcRow + 4 * c` to byte
 * `dst + c * dstCol + 4 * r` for r < rows and c < cols: SIMD 4x4 blocks,
 * then scalar loops for the last `rows % 4` rows and `cols % 4` columns.
 * `rowsInside` picks the loop order of the blocks.
 */
function transpose(
  { copy2d, transpose4, transpose4Rows }: CopyFunctions,
  rowsInside: boolean,
  src: number,
  dst: number,
  rows: number,
  cols: number,
  srcRow: number,
  dstCol: number,
): void {
  const rowBlocks = rows >> 2;
  const colBlocks = cols >> 2;
  (rowsInside ? transpose4Rows : transpose4)(
    src,
    dst,
    rowBlocks,
    colBlocks,
    srcRow,
    dstCol,
  );
  copy2d(
    src + 16 * colBlocks,
    dst + 4 * colBlocks * dstCol,
    rows,
    cols - 4 * colBlocks,
    srcRow,
    4,
    4,
    dstCol,
  );
  copy2d(
    src + 4 * rowBlocks * srcRow,
    dst + 16 * rowBlocks,
    rows - 4 * rowBlocks,
    4 * colBlocks,
    srcRow,
    4,
    4,
    dstCol,
  );
}

// WASM opcodes and type codes used by the module below.
const I32 = 0x7f;
const V128 = 0x7b;
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
const I32_MUL = 0x6c;
const F32_LOAD = 0x2a;
const F32_STORE = 0x38;
const SIMD_PREFIX = 0xfd;
const V128_LOAD = [SIMD_PREFIX, 0x00];
const V128_STORE = [SIMD_PREFIX, 0x0b];
const I8X16_SHUFFLE = [SIMD_PREFIX, 0x0d];
/** Memory immediates: 4-byte alignment (log2 = 2) and offset 0. */
const ALIGN_4_OFFSET_0 = [0x02, 0x00];

/** `local += step`, both i32 locals. */
function addTo(local: number, step: number): number[] {
  return [LOCAL_GET, local, LOCAL_GET, step, I32_ADD, LOCAL_SET, local];
}

/** `local -= 1`, then continue the innermost loop unless it reached 0. */
function decrementAndTest(local: number): number[] {
  return [LOCAL_GET, local, I32_CONST, 1, I32_SUB, LOCAL_TEE, local, BR_IF, 0];
}

/** Returns at once when any of the i32 `locals` is 0. */
function returnIfZero(...locals: number[]): number[] {
  return locals.flatMap((local) => [LOCAL_GET, local, I32_EQZ, BR_IF, 0]);
}

/** `target = factor * local`, both i32 locals. */
function setProduct(target: number, local: number, factor: number): number[] {
  return [LOCAL_GET, local, I32_CONST, factor, I32_MUL, LOCAL_SET, target];
}

function copy2dBody(): number[] {
  // Parameters 0-7 as in the `copyModule` comment, then locals.
  const [src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol] = [
    0, 1, 2, 3, 4, 5, 6, 7,
  ];
  const [source, target, column] = [8, 9, 10];
  return [
    // One group of three i32 locals.
    1,
    3,
    I32,
    ...returnIfZero(rows, cols),
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
}

/**
 * Assembles the body of
 * `transpose4(src, dst, rowBlocks, colBlocks, srcRow, dstCol)`,
 * which copies the float32 at byte `src + r * srcRow + 4 * c` to byte
 * `dst + c * dstCol + 4 * r` for r < 4 * rowBlocks and c < 4 * colBlocks,
 * one 4x4 block at a time with SIMD shuffles. Both strides may be negative.
 * With `rowsInside`, the inner loop walks row blocks, so each pass writes
 * whole lines of a destination whose columns are far apart.
 */
function transpose4Body(rowsInside: boolean): number[] {
  const [src, dst, rowBlocks, colBlocks, srcRow, dstCol] = [0, 1, 2, 3, 4, 5];
  const [source, target, counter] = [6, 7, 8];
  const [srcRow2, srcRow3, srcRow4, dstCol2, dstCol3, dstCol4] = [
    9, 10, 11, 12, 13, 14,
  ];
  const sixteen = 15;
  const rowVectors = [16, 17, 18, 19];
  const [pairLow, pairHigh, pairLow2, pairHigh2] = [20, 21, 22, 23];
  const rowOffsets = [-1, srcRow, srcRow2, srcRow3];
  const colOffsets = [-1, dstCol, dstCol2, dstCol3];
  // Byte lanes that interleave two vectors' floats 0, 1 or 2, 3, and that
  // join the low or high halves of two vectors.
  const interleaveLow = [
    0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23,
  ];
  const interleaveHigh = [
    8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31,
  ];
  const joinLow = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const joinHigh = [
    8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31,
  ];

  const address = (base: number, offset: number) =>
    offset < 0
      ? [LOCAL_GET, base]
      : [LOCAL_GET, base, LOCAL_GET, offset, I32_ADD];
  const shuffle = (a: number, b: number, lanes: number[]) => [
    LOCAL_GET,
    a,
    LOCAL_GET,
    b,
    ...I8X16_SHUFFLE,
    ...lanes,
  ];
  // Rows r0..r3 of four floats become columns c0..c3: pairs (r0, r1) and
  // (r2, r3) are interleaved, then the halves of the pairs are joined.
  const loads = rowVectors.flatMap((vector, i) => [
    ...address(source, rowOffsets[i] as number),
    ...V128_LOAD,
    ...ALIGN_4_OFFSET_0,
    LOCAL_SET,
    vector,
  ]);
  const [r0, r1, r2, r3] = rowVectors as [number, number, number, number];
  const pairs = [
    ...shuffle(r0, r1, interleaveLow),
    LOCAL_SET,
    pairLow,
    ...shuffle(r0, r1, interleaveHigh),
    LOCAL_SET,
    pairHigh,
    ...shuffle(r2, r3, interleaveLow),
    LOCAL_SET,
    pairLow2,
    ...shuffle(r2, r3, interleaveHigh),
    LOCAL_SET,
    pairHigh2,
  ];
  const columns = [
    shuffle(pairLow, pairLow2, joinLow),
    shuffle(pairLow, pairLow2, joinHigh),
    shuffle(pairHigh, pairHigh2, joinLow),
    shuffle(pairHigh, pairHigh2, joinHigh),
  ];
  const stores = columns.flatMap((column, i) => [
    ...address(target, colOffsets[i] as number),
    ...column,
    ...V128_STORE,
    ...ALIGN_4_OFFSET_0,
  ]);

  // Steps of the inner and outer loops for the source and the target.
  const innerCount = rowsInside ? rowBlocks : colBlocks;
  const outerCount = rowsInside ? colBlocks : rowBlocks;
  const innerSource = rowsInside ? srcRow4 : sixteen;
  const innerTarget = rowsInside ? sixteen : dstCol4;
  const outerSource = rowsInside ? sixteen : srcRow4;
  const outerTarget = rowsInside ? dstCol4 : sixteen;

  return [
    // Groups of 10 i32 and 8 v128 locals.
    2,
    10,
    I32,
    8,
    V128,
    ...returnIfZero(rowBlocks, colBlocks),
    ...setProduct(srcRow2, srcRow, 2),
    ...setProduct(srcRow3, srcRow, 3),
    ...setProduct(srcRow4, srcRow, 4),
    ...setProduct(dstCol2, dstCol, 2),
    ...setProduct(dstCol3, dstCol, 3),
    ...setProduct(dstCol4, dstCol, 4),
    I32_CONST,
    16,
    LOCAL_SET,
    sixteen,
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
    innerCount,
    LOCAL_SET,
    counter,
    LOOP,
    BLOCK_TYPE_EMPTY,
    ...loads,
    ...pairs,
    ...stores,
    ...addTo(source, innerSource),
    ...addTo(target, innerTarget),
    ...decrementAndTest(counter),
    END,
    ...addTo(src, outerSource),
    ...addTo(dst, outerTarget),
    ...decrementAndTest(outerCount),
    END,
    END,
  ];
}

function assembleCopyModule(): WebAssembly.Module {
  const copy2d = copy2dBody();
  const transpose4 = transpose4Body(false);
  const transpose4Rows = transpose4Body(true);
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
    // Type section: eight and six i32 parameters, no results.
    ...section(1, [
      2,
      0x60,
      8,
      ...new Array(8).fill(I32),
      0,
      0x60,
      6,
      ...new Array(6).fill(I32),
      0,
    ]),
    // Import section: env.memory, a memory of at least 0 pages and no maximum.
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    // Function section: function 0 of type 0, functions 1 and 2 of type 1.
    ...section(3, [3, 0, 1, 1]),
    // Export section: the three functions.
    ...section(7, [
      3,
      ...name('copy2d'),
      0x00,
      0,
      ...name('transpose4'),
      0x00,
      1,
      ...name('transpose4Rows'),
      0x00,
      2,
    ]),
    // Code section: the three bodies.
    ...section(10, [
      3,
      ...unsignedLeb128(copy2d.length),
      ...copy2d,
      ...unsignedLeb128(transpose4.length),
      ...transpose4,
      ...unsignedLeb128(transpose4Rows.length),
      ...transpose4Rows,
    ]),
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

/**
 * Runs shorter than this are copied by a loop, longer ones by `set`.
 * NOTE: 64 is a judgment, not a measured crossover.
 */
const SHORT_RUN = 64;

/**
 * Copies `count` floats from `source[sourceStart]` to `target[targetStart]`.
 * Short runs use a loop, because `set` needs a `subarray` view per run. In a
 * training step at length 28 those views were about a quarter of the bytes
 * allocated, and the garbage collector's work grows with them.
 *
 * @throws RangeError if either run leaves its array, as `set` would.
 */
function copyFloats(
  source: Float32Array,
  sourceStart: number,
  target: Float32Array,
  targetStart: number,
  count: number,
): void {
  if (count >= SHORT_RUN) {
    target.set(source.subarray(sourceStart, sourceStart + count), targetStart);
    return;
  }
  if (
    sourceStart < 0 ||
    targetStart < 0 ||
    sourceStart + count > source.length ||
    targetStart + count > target.length
  ) {
    throw new RangeError(
      `copyFloats: ${count} floats from ${sourceStart} to ${targetStart} ` +
        `do not fit arrays of ${source.length} and ${target.length}.`,
    );
  }
  for (let i = 0; i < count; i++) {
    target[targetStart + i] = source[sourceStart + i] as number;
  }
}
