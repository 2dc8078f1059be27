/**
 * Types for the SIMD build of PFFFT in `@echogarden/pffft-wasm` 0.4.2, which
 * ships no declarations. Only the functions that this package calls are
 * listed; pointers are byte offsets into the module's own WASM heap.
 */
declare module '@echogarden/pffft-wasm/simd' {
  /** The Emscripten module with PFFFT's exported C functions. */
  export interface PffftModule {
    /** A float32 view of the module's heap, replaced when the heap grows. */
    HEAPF32: Float32Array;
    _pffft_new_setup(size: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    _pffft_transform(
      setup: number,
      input: number,
      output: number,
      work: number,
      direction: number,
    ): void;
    _pffft_zconvolve_accumulate(
      setup: number,
      dftA: number,
      dftB: number,
      dftAB: number,
      scaling: number,
    ): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(pointer: number): void;
    _pffft_simd_size(): number;
  }

  /** Instantiates the WASM module; each call creates a separate heap. */
  export default function createPffft(
    options?: Record<string, unknown>,
  ): Promise<PffftModule>;
}
