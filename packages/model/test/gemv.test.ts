import { execFileSync } from 'node:child_process';
import { initBackend } from '@s4d/runtime';
import type { Tensor1D, Tensor3D } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { build } from '../src/index.js';
import { canGemv, gemvInference, packGemvWeight } from '../src/layers/gemv.js';

const tf = await initBackend();

/** Float64 y = x w + bias for a row-major w [inputs, outputs]. */
function gemvFloat64(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  outputs: number,
): Float64Array {
  const y = Float64Array.from(bias);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < outputs; j++) {
      y[j] = (y[j] ?? 0) + (x[i] ?? 0) * (w[i * outputs + j] ?? 0);
    }
  }
  return y;
}

describe('packGemvWeight', () => {
  it('tiles blocks of four rows and keeps the last rows in order', () => {
    // 5 rows of 4 columns, w[i, j] = 10 * i + j.
    const w = Float32Array.from({ length: 20 }, (_, k) => {
      return 10 * Math.floor(k / 4) + (k % 4);
    });
    const packed = Array.from(packGemvWeight(w, 5, 4));

    expect(packed.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(packed.slice(4, 8)).toEqual([10, 11, 12, 13]);
    expect(packed.slice(12, 16)).toEqual([30, 31, 32, 33]);
    expect(packed.slice(16)).toEqual([40, 41, 42, 43]);
  });

  it('puts the next four columns after the first tile', () => {
    const w = Float32Array.from({ length: 32 }, (_, k) => k);
    const packed = Array.from(packGemvWeight(w, 4, 8));

    expect(packed.slice(0, 8)).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(packed.slice(16, 20)).toEqual([4, 5, 6, 7]);
  });
});

describe('gemvInference', () => {
  // Row counts with no full block, blocks only, and blocks with a remainder.
  for (const [inputs, outputs] of [
    [1, 4],
    [3, 8],
    [4, 12],
    [287, 256],
    [256, 2048],
  ] as const) {
    it(`matches float64 for [${inputs}, ${outputs}]`, async () => {
      await initBackend({ backend: 'wasm' });
      expect(canGemv(outputs)).toBe(true);
      const x = tf.randomNormal([1, 1, inputs], 0, 1, 'float32', 1) as Tensor3D;
      const w = tf.randomNormal([inputs, outputs], 0, 0.1, 'float32', 2);
      const bias = tf.randomNormal([outputs], 0, 1, 'float32', 3) as Tensor1D;
      const packed = tf.tensor1d(packGemvWeight(w.dataSync(), inputs, outputs));
      const before = tf.memory().numTensors;
      const y = gemvInference(x, packed, bias, inputs, outputs);

      expect(y.shape).toEqual([1, 1, outputs]);
      expect(tf.memory().numTensors).toBe(before + 1);
      const expected = gemvFloat64(
        x.dataSync() as Float32Array,
        w.dataSync() as Float32Array,
        bias.dataSync() as Float32Array,
        outputs,
      );
      const actual = y.dataSync();
      let error = 0;
      for (let j = 0; j < outputs; j++) {
        error = Math.max(
          error,
          Math.abs((actual[j] ?? 0) - (expected[j] ?? 0)),
        );
      }
      expect(error).toBeLessThan(1e-5);
      tf.dispose([x, w, bias, packed, y]);
    });
  }

  it('skips columns not a multiple of 4', async () => {
    await initBackend({ backend: 'wasm' });
    expect(canGemv(6)).toBe(false);
  });

  it('is unavailable on the CPU backend', async () => {
    await initBackend({ backend: 'cpu' });
    expect(canGemv(8)).toBe(false);
    await initBackend({ backend: 'wasm' });
  });

  it('steps a model built on the CPU backend', async () => {
    await initBackend({ backend: 'cpu' });
    const model = build(
      { embedDim: 5, hiddenSize: 8, numLayers: 1, output: 'sequence' },
      { seed: 1 },
    );
    const frame = tf.ones([1, 5]);
    const onCpu = model.step(model.initState(1), frame);
    const expected = onCpu.output.dataSync();

    await initBackend({ backend: 'wasm' });
    const onWasm = model.step(model.initState(1), frame);
    const actual = onWasm.output.dataSync();
    let error = 0;
    for (let j = 0; j < expected.length; j++) {
      error = Math.max(error, Math.abs((actual[j] ?? 0) - (expected[j] ?? 0)));
    }

    expect(error).toBeLessThan(1e-5);
    tf.dispose([onCpu.output, onWasm.output, frame]);
    onCpu.state.dispose();
    onWasm.state.dispose();
    model.dispose();
  });

  it('was assembled from the committed source', () => {
    // The script exits with status 1, which throws here, when the module
    // in src/wasm differs from what wasm/gemv.wat compiles to.
    expect(() =>
      execFileSync(
        process.execPath,
        ['../../scripts/build-wasm.mjs', '--check'],
        { stdio: 'pipe' },
      ),
    ).not.toThrow();
  });
});
