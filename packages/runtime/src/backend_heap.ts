import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Direct access to the memory of tfjs's WASM backend, for kernels that run
 * their own WASM code on tensors where they lie, without copies. Only
 * `@tensorflow/tfjs-backend-wasm` 4.22.0 was checked; `backendHeap` returns
 * null for any backend that does not expose these internals.
 */
export interface BackendHeap {
  /** The backend's memory; it can grow, which detaches earlier views. */
  memory: WebAssembly.Memory;
  /** Allocates `bytes` bytes in the heap; returns 0 when it cannot. */
  malloc(bytes: number): number;
  /** Frees an allocation of `malloc`. */
  free(pointer: number): void;
  /**
   * The byte offset of a tensor's data in the heap. Data on another backend
   * is moved to this one first, as tfjs's own kernels do.
   *
   * @throws Error if the tensor's data was disposed.
   */
  offsetOf(info: TensorInfo): number;
  /** Allocates an output tensor of the backend, for a kernel to fill. */
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

/** The parts of tfjs's WASM backend that `backendHeap` uses. */
interface WasmBackendInternals {
  wasm?: {
    asm?: { memory?: unknown };
    _malloc?: (bytes: number) => number;
    _free?: (pointer: number) => void;
  };
  dataIdMap?: {
    has(dataId: object): boolean;
    get(dataId: object): { memoryOffset?: number } | undefined;
  };
  makeOutput?: (shape: number[], dtype: 'float32') => TensorInfo;
}

const heaps = new WeakMap<object, BackendHeap>();

/**
 * Returns the heap of a tfjs WASM backend, or null for other backends.
 *
 * @param backend The backend that a kernel function receives.
 */
export function backendHeap(backend: object): BackendHeap | null {
  const cached = heaps.get(backend);
  if (cached !== undefined) {
    return cached;
  }
  const internals = backend as WasmBackendInternals;
  const memory = internals.wasm?.asm?.memory;
  const malloc = internals.wasm?._malloc;
  const free = internals.wasm?._free;
  const dataIdMap = internals.dataIdMap;
  const makeOutput = internals.makeOutput;
  if (
    !(memory instanceof WebAssembly.Memory) ||
    malloc === undefined ||
    free === undefined ||
    dataIdMap === undefined ||
    makeOutput === undefined
  ) {
    return null;
  }

  const heap: BackendHeap = {
    memory,
    malloc: (bytes) => malloc(bytes),
    free: (pointer) => free(pointer),
    offsetOf(info) {
      // For an id that this backend lacks, `get` makes the engine move the
      // data from the backend that has it. For disposed data that move
      // fails inside tfjs with an unrelated TypeError.
      let offset: number | undefined;
      try {
        offset = dataIdMap.get(info.dataId)?.memoryOffset;
      } catch {
        offset = undefined;
      }
      if (offset === undefined) {
        throw new Error(
          'backendHeap: the tensor has no data in the WASM heap and none ' +
            'to move there; it was disposed.',
        );
      }
      return offset;
    },
    makeOutput: (shape, dtype) => makeOutput.call(backend, shape, dtype),
  };
  heaps.set(backend, heap);
  return heap;
}

const modules = new Map<string, WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, object>>();
/** Modules that need imports other than `env.memory`. */
const failedLinks = new WeakSet<WebAssembly.Module>();

/**
 * Compiles a WASM module from base64-encoded bytes, once per text, or
 * returns null when it does not compile here, for example where the runtime
 * has no WASM SIMD.
 *
 * @param base64 The module's bytes, base64-encoded.
 * @throws DOMException if `base64` is not valid base64.
 */
export function compileModule(base64: string): WebAssembly.Module | null {
  let module = modules.get(base64);
  if (module === undefined) {
    try {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      if (!(error instanceof WebAssembly.CompileError)) {
        throw error;
      }
      module = null;
    }
    modules.set(base64, module);
  }
  return module;
}

/**
 * Instantiates a WASM module that imports `env.memory` on the backend's
 * memory, once per module and memory, and returns its exports. Returns null
 * when the module does not compile here (see `compileModule`) or needs
 * imports other than `env.memory`, so the caller can fall back to
 * JavaScript.
 *
 * @param heap The heap from `backendHeap`.
 * @param base64 The module's bytes, base64-encoded.
 * @throws DOMException if `base64` is not valid base64.
 */
export function instantiateOnHeap<Exports extends object>(
  heap: BackendHeap,
  base64: string,
): Exports | null {
  const module = compileModule(base64);
  if (module === null) {
    return null;
  }
  if (failedLinks.has(module)) {
    return null;
  }

  let byModule = instances.get(heap.memory);
  if (byModule === undefined) {
    byModule = new Map();
    instances.set(heap.memory, byModule);
  }
  let exports = byModule.get(base64);
  if (exports === undefined) {
    try {
      exports = new WebAssembly.Instance(module, {
        env: { memory: heap.memory },
      }).exports;
    } catch (error) {
      if (!(error instanceof WebAssembly.LinkError)) {
        throw error;
      }
      failedLinks.add(module);
      return null;
    }
    byModule.set(base64, exports);
  }
  return exports as Exports;
}
