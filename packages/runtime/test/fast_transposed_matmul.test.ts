import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/index.js';

/** Row-major float64 product of [batch, m, k] and [batch, k, n]. */
function matMulFloat64(
  a: Float32Array,
  b: Float32Array,
  [batch, m, k, n]: [number, number, number, number],
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let total = 0;
        for (let q = 0; q < k; q++) {
          total +=
            (a[p * m * k + i * k + q] ?? 0) * (b[p * k * n + q * n + j] ?? 0);
        }
        out[p * m * n + i * n + j] = total;
      }
    }
  }
  return out;
}

function maxAbsDifference(
  actual: Float32Array,
  expected: Float64Array,
): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    max = Math.max(max, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
  }
  return max;
}

describe('matMul with transposed operands on wasm', () => {
  const cases: [boolean, boolean, number][] = [
    [false, true, 3],
    [false, true, 40],
    [true, false, 3],
    [true, false, 40],
    [true, true, 40],
  ];

  for (const [transposeA, transposeB, rows] of cases) {
    it(`matches float64 for transposeA=${transposeA} transposeB=${transposeB} rows=${rows}`, async () => {
      const tf = await initBackend();
      const [batch, k, n] = [2, 24, 18];
      const a = tf.randomNormal([batch, rows, k], 0, 1, 'float32', 1);
      const b = tf.randomNormal([batch, k, n], 0, 1, 'float32', 2);
      const expected = matMulFloat64(
        a.dataSync() as Float32Array,
        b.dataSync() as Float32Array,
        [batch, rows, k, n],
      );

      const aStored = transposeA ? tf.transpose(a, [0, 2, 1]) : a;
      const bStored = transposeB ? tf.transpose(b, [0, 2, 1]) : b;
      const before = tf.memory().numBytes;
      const product = tf.matMul(aStored, bStored, transposeA, transposeB);
      const actual = product.dataSync() as Float32Array;

      expect(product.shape).toEqual([batch, rows, n]);
      expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
      product.dispose();
      expect(tf.memory().numBytes).toBe(before);
      tf.dispose([a, b, aStored, bStored]);
    });
  }

  it('keeps the bias and activation of a fused matMul', async () => {
    const tf = await initBackend();
    const a = tf.randomNormal([32, 8], 0, 1, 'float32', 3);
    const b = tf.randomNormal([5, 8], 0, 1, 'float32', 4);
    const bias = tf.tensor1d([0.5, -1, 0, 2, -0.25]);

    const fused = tf.fused.matMul({
      a,
      b,
      transposeB: true,
      bias,
      activation: 'relu',
    });
    const reference = tf.relu(tf.add(tf.matMul(a, tf.transpose(b)), bias));

    const difference = tf.max(tf.abs(tf.sub(fused, reference))).dataSync()[0];
    expect(difference).toBeLessThan(1e-5);
    tf.dispose([a, b, bias, fused, reference]);
  });

  it('reports the caller shapes on a mismatch', async () => {
    const tf = await initBackend();
    const a = tf.zeros([3, 4]);
    const b = tf.zeros([3, 5]);
    const before = tf.memory().numTensors;

    expect(() => tf.matMul(a, b, true, true)).toThrow(
      'Error in matMul: inner shapes (3) and (5) of Tensors with shapes 3,4 and 3,5 and transposeA=true and transposeB=true must match.',
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
