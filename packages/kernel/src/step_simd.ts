import { backendHeap, instantiateOnHeap } from '@s4d/runtime';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Modes } from './mode_cache.js';
import { recurrenceModuleBase64 } from './wasm/recurrence_module.js';

/** The exports of `wasm/recurrence.wat`. */
interface RecurrenceExports {
  step(
    table: number,
    d: number,
    state: number,
    u: number,
    y: number,
    next: number,
    batch: number,
    channels: number,
    modes: number,
  ): void;
}

/** Bytes per mode in a step table: four float64 pairs. */
const TABLE_BYTES_PER_MODE = 64;

/** A step table in a backend's heap. */
interface StepTable {
  memory: WebAssembly.Memory;
  pointer: number;
}

const tables = new WeakMap<Modes, StepTable>();

/**
 * Frees a table once its modes are garbage-collected: the mode cache drops
 * modes when their parameter tensors are gone or updated.
 */
const release = new FinalizationRegistry<() => void>((free) => free());

/**
 * Runs one step of the recurrence (see `ssmStep`) for every sequence in the
 * WASM backend's heap with WASM SIMD, reading the state and input tensors
 * where they lie. Returns y, with the shape of u, and the next state
 * [batch, H, M, 2], or null on any backend or runtime where that code cannot
 * run, so the caller falls back to `runRecurrence`.
 *
 * @param modes The cached modes of the parameters. The step table of Abar,
 *   Bbar and C is built once per modes object and kept with it.
 * @param inputs d [H], state [batch, H, M, 2] and u [batch, H] or
 *   [batch, 1, H]; y gets the shape of u.
 */
export function simdStep(
  backend: object,
  modes: Modes,
  inputs: { d: TensorInfo; state: TensorInfo; u: TensorInfo },
): [TensorInfo, TensorInfo] | null {
  const heap = backendHeap(backend);
  if (heap === null) {
    return null;
  }
  const module = instantiateOnHeap<RecurrenceExports>(
    heap,
    recurrenceModuleBase64,
  );
  if (module === null) {
    return null;
  }
  const { channels, modes: count } = modes.values;
  const batch = inputs.u.shape[0] as number;
  const table = tableFor(heap, modes);
  if (table === null) {
    return null;
  }

  const y = heap.makeOutput(inputs.u.shape, 'float32');
  const next = heap.makeOutput(inputs.state.shape, 'float32');
  module.step(
    table.pointer,
    heap.offsetOf(inputs.d),
    heap.offsetOf(inputs.state),
    heap.offsetOf(inputs.u),
    heap.offsetOf(y),
    heap.offsetOf(next),
    batch,
    channels,
    count,
  );
  return [y, next];
}

function tableFor(
  heap: NonNullable<ReturnType<typeof backendHeap>>,
  modes: Modes,
): StepTable | null {
  const cached = tables.get(modes);
  if (cached !== undefined && cached.memory === heap.memory) {
    return cached;
  }
  const { channels, modes: count, cRe, cIm } = modes.values;
  const { aBarRe, aBarIm, bBarRe, bBarIm } = modes.discrete;
  const size = channels * count;
  const pointer = heap.malloc(size * TABLE_BYTES_PER_MODE);
  if (pointer === 0) {
    return null;
  }
  const values = new Float64Array(heap.memory.buffer, pointer, size * 8);
  for (let k = 0; k < size; k++) {
    const zr = aBarRe[k] as number;
    const zi = aBarIm[k] as number;
    values.set(
      [
        zr,
        zr,
        -zi,
        zi,
        bBarRe[k] as number,
        bBarIm[k] as number,
        2 * (cRe[k] as number),
        -2 * (cIm[k] as number),
      ],
      8 * k,
    );
  }
  const table = { memory: heap.memory, pointer };
  tables.set(modes, table);
  release.register(modes, () => heap.free(pointer));
  return table;
}
