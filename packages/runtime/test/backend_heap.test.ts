import { describe, expect, it } from 'vitest';
import {
  backendHeap,
  compileModule,
  initBackend,
  instantiateOnHeap,
} from '../src/index.js';

const tf = await initBackend({ backend: 'wasm' });

/** A module that imports env.memory and exports `first()`, the word at 0. */
const READ_FIRST_WORD = btoa(
  String.fromCharCode(
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // Type section: () -> i32.
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f],
    // Import section: env.memory, at least 0 pages.
    ...[0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06],
    ...[0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00],
    // Function and export sections: `first` is function 0.
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x07, 0x09, 0x01, 0x05, 0x66, 0x69, 0x72, 0x73, 0x74, 0x00, 0x00],
    // Code section: i32.const 0, i32.load, end.
    ...[0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b],
  ),
);

describe('backendHeap', () => {
  it('finds a tensor where it lies in the WASM heap', () => {
    const heap = backendHeap(tf.backend());
    const x = tf.tensor1d([1.5, -2]);

    if (heap === null) {
      throw new Error('no WASM heap');
    }
    const view = new Float32Array(heap.memory.buffer, heap.offsetOf(x), 2);
    expect(Array.from(view)).toEqual([1.5, -2]);
    x.dispose();
  });

  it('names a disposed tensor', () => {
    const heap = backendHeap(tf.backend());
    const x = tf.tensor1d([1]);
    x.dispose();

    expect(() => heap?.offsetOf(x)).toThrow(
      'backendHeap: the tensor has no data in the WASM heap and none to move there; it was disposed.',
    );
  });

  it('moves data from the CPU backend first', async () => {
    await initBackend({ backend: 'cpu' });
    const x = tf.tensor1d([3, 4]);
    await initBackend({ backend: 'wasm' });
    const heap = backendHeap(tf.backend());
    if (heap === null) {
      throw new Error('no WASM heap');
    }
    const view = new Float32Array(heap.memory.buffer, heap.offsetOf(x), 2);

    expect(Array.from(view)).toEqual([3, 4]);
    x.dispose();
  });

  it('returns null for the CPU backend', async () => {
    await initBackend({ backend: 'cpu' });
    try {
      expect(backendHeap(tf.backend())).toBeNull();
    } finally {
      await initBackend({ backend: 'wasm' });
    }
  });
});

describe('compileModule', () => {
  it('compiles each text once', () => {
    const first = compileModule(READ_FIRST_WORD);

    expect(first).toBeInstanceOf(WebAssembly.Module);
    expect(compileModule(READ_FIRST_WORD)).toBe(first);
  });

  it('returns null for bytes that do not compile', () => {
    const broken = btoa(
      String.fromCharCode(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7),
    );

    expect(compileModule(broken)).toBeNull();
  });
});

describe('instantiateOnHeap', () => {
  it('runs a module on the backend memory, once per memory', () => {
    const heap = backendHeap(tf.backend());
    if (heap === null) {
      throw new Error('no WASM heap');
    }
    const first = instantiateOnHeap<{ first(): number }>(heap, READ_FIRST_WORD);
    const again = instantiateOnHeap<{ first(): number }>(heap, READ_FIRST_WORD);

    expect(first).not.toBeNull();
    expect(again).toBe(first);
    expect(first?.first()).toBe(new Int32Array(heap.memory.buffer, 0, 1)[0]);
  });

  it('returns null for bytes that do not compile', () => {
    const heap = backendHeap(tf.backend());
    if (heap === null) {
      throw new Error('no WASM heap');
    }
    const broken = btoa(
      String.fromCharCode(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99),
    );

    expect(instantiateOnHeap(heap, broken)).toBeNull();
  });

  it('returns null for a module with other imports', () => {
    const heap = backendHeap(tf.backend());
    if (heap === null) {
      throw new Error('no WASM heap');
    }
    // Imports the function env.f, which the heap does not provide.
    const other = btoa(
      String.fromCharCode(
        ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
        ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00],
        ...[0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00],
      ),
    );

    expect(instantiateOnHeap(heap, other)).toBeNull();
  });
});
