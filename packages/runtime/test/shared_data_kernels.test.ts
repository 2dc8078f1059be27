import { describe, expect, it } from 'vitest';
import { backendHeap, initBackend } from '../src/index.js';

const tf = await initBackend({ backend: 'wasm' });

describe('Identity and Cast on the WASM backend', () => {
  it('shares the data of a cloned tensor', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(x);
    const heap = backendHeap(tf.backend());

    expect(heap?.offsetOf(copy)).toBe(heap?.offsetOf(x));
    tf.dispose([x, copy]);
  });

  it('keeps the values after the original is disposed', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const copy = tf.clone(x);
    x.dispose();

    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
    expect(copy.shape).toEqual([2, 2]);
    copy.dispose();
  });

  it('frees the data once every tensor is disposed', () => {
    const before = tf.memory().numBytes;
    const x = tf.ones([256]);
    const copies = [tf.clone(x), tf.clone(x)];
    x.dispose();
    tf.dispose(copies);

    expect(tf.memory().numBytes).toBe(before);
  });

  it('still gives gradients that need saved tensors', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const dx = tf.grad((input) => tf.sum(tf.mul(tf.exp(input), input)))(x);
    const expected = [0.5, -1, 2].map((v) => Math.exp(v) * (1 + v));
    const values = dx.dataSync();

    expected.forEach((value, i) => {
      expect(Math.abs((values[i] ?? 0) - value)).toBeLessThan(1e-5);
    });
    tf.dispose([x, dx]);
  });

  it('shares data in a cast to the same dtype', () => {
    const x = tf.tensor1d([1.5, 2.5]);
    const same = tf.cast(x, 'float32');
    const heap = backendHeap(tf.backend());

    expect(heap?.offsetOf(same)).toBe(heap?.offsetOf(x));
    tf.dispose([x, same]);
  });

  it('still converts in a cast to another dtype', () => {
    const x = tf.tensor1d([1.5, -2.5]);
    const converted = tf.cast(x, 'int32');
    const heap = backendHeap(tf.backend());

    expect(heap?.offsetOf(converted)).not.toBe(heap?.offsetOf(x));
    expect(converted.dtype).toBe('int32');
    expect(Array.from(converted.dataSync())).toEqual([1, -2]);
    tf.dispose([x, converted]);
  });

  it('still copies string tensors', () => {
    const x = tf.tensor1d(['a', 'b'], 'string');
    const copy = tf.clone(x);
    x.dispose();

    expect(copy.dataSync()).toEqual(['a', 'b']);
    copy.dispose();
  });
});
