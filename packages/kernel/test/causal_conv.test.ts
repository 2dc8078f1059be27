import { initBackend } from '@s4d/runtime';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalConv } from '../src/causal_conv.js';
import { SsmError } from '../src/errors.js';
import {
  CAUSAL_CONV_BACKPROP,
  CAUSAL_CONV_BACKPROP_INPUT,
  CAUSAL_CONV_BACKPROP_KERNEL,
} from '../src/fft/causal_conv_kernels.js';
import { fftSizeFor, pffftMemory } from '../src/fft/pffft.js';
import { cachedSpectra } from '../src/fft/spectrum_cache.js';
import { createHeapTileCopier } from '../src/fft/wasm_copy.js';

type Tf = Awaited<ReturnType<typeof initBackend>>;

let tf: Tf;

beforeAll(async () => {
  tf = await initBackend();
});

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A seeded uniform generator on [-1, 1) (mulberry32), for reproducibility. */
function randomValues(count: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    values[i] = (((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

/** Rounds to float32, the precision that the tensors store. */
function toFloat32(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

interface Shape {
  batch: number;
  length: number;
  channels: number;
}

/** Direct float64 sum: `y[b, t, h] = sum_{s<=t} k[h, s] u[b, t-s, h]`. */
function convolveFloat64(
  u: Float64Array,
  kernel: Float64Array,
  { batch, length, channels }: Shape,
): Float64Array {
  const y = new Float64Array(batch * length * channels);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      for (let h = 0; h < channels; h++) {
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          sum +=
            (kernel[h * length + s] as number) *
            (u[(b * length + t - s) * channels + h] as number);
        }
        y[(b * length + t) * channels + h] = sum;
      }
    }
  }
  return y;
}

/** Direct float64 sum: `du[b, t, h] = sum_{s>=t} dy[b, s, h] k[h, s-t]`. */
function inputGradientFloat64(
  dy: Float64Array,
  kernel: Float64Array,
  { batch, length, channels }: Shape,
): Float64Array {
  const du = new Float64Array(batch * length * channels);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      for (let h = 0; h < channels; h++) {
        let sum = 0;
        for (let s = t; s < length; s++) {
          sum +=
            (dy[(b * length + s) * channels + h] as number) *
            (kernel[h * length + s - t] as number);
        }
        du[(b * length + t) * channels + h] = sum;
      }
    }
  }
  return du;
}

/** Direct float64 sum: `dk[h, s] = sum_b sum_{t>=s} dy[b, t, h] u[b, t-s, h]`. */
function kernelGradientFloat64(
  dy: Float64Array,
  u: Float64Array,
  { batch, length, channels }: Shape,
): Float64Array {
  const dkernel = new Float64Array(channels * length);
  for (let h = 0; h < channels; h++) {
    for (let s = 0; s < length; s++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        for (let t = s; t < length; t++) {
          sum +=
            (dy[(b * length + t) * channels + h] as number) *
            (u[(b * length + t - s) * channels + h] as number);
        }
      }
      dkernel[h * length + s] = sum;
    }
  }
  return dkernel;
}

/** Max abs difference divided by the reference's max abs value. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  let maxDifference = 0;
  let maxValue = 0;
  for (let i = 0; i < expected.length; i++) {
    const value = expected[i] as number;
    maxDifference = Math.max(
      maxDifference,
      Math.abs((actual[i] as number) - value),
    );
    maxValue = Math.max(maxValue, Math.abs(value));
  }
  return maxValue === 0 ? maxDifference : maxDifference / maxValue;
}

interface Problem {
  shape: Shape;
  u: Float64Array;
  kernel: Float64Array;
  dy: Float64Array;
}

function makeProblem(shape: Shape, seed: number): Problem {
  const size = shape.batch * shape.length * shape.channels;
  return {
    shape,
    u: toFloat32(randomValues(size, seed)),
    kernel: toFloat32(randomValues(shape.channels * shape.length, seed + 1)),
    dy: toFloat32(randomValues(size, seed + 2)),
  };
}

function tensorsOf(problem: Problem) {
  const { batch, length, channels } = problem.shape;
  return {
    u: tf.tensor3d(Float32Array.from(problem.u), [batch, length, channels]),
    kernel: tf.tensor2d(Float32Array.from(problem.kernel), [channels, length]),
    dy: tf.tensor3d(Float32Array.from(problem.dy), [batch, length, channels]),
  };
}

/** Runs the forward pass and both gradients of `sum(dy * y)`. */
function runConvolution(problem: Problem) {
  const { u, kernel, dy } = tensorsOf(problem);
  const y = causalConv(u, kernel);
  const gradients = tf.grads((a: Tensor, b: Tensor) =>
    tf.sum(tf.mul(causalConv(a as Tensor3D, b as Tensor2D), dy)),
  )([u, kernel]);
  const result = {
    y: y.dataSync(),
    du: gradients[0]?.dataSync() ?? new Float32Array(0),
    dkernel: gradients[1]?.dataSync() ?? new Float32Array(0),
  };
  tf.dispose([u, kernel, dy, y, ...gradients]);
  return result;
}

const TOLERANCE = 1e-5;

describe('causalConv', () => {
  it('computes the documented example', () => {
    const y = causalConv(tf.ones([1, 3, 1]), tf.tensor2d([[1, 0.5, 0.25]]));
    expect(Array.from(y.dataSync())).toEqual([1, 1.5, 1.75]);
    expect(y.shape).toEqual([1, 3, 1]);
  });

  for (const length of [1, 2, 60, 784, 1000, 1024]) {
    it(`matches a direct sum at length ${length}`, () => {
      const problem = makeProblem({ batch: 2, length, channels: 3 }, length);
      const { u, kernel } = tensorsOf(problem);
      const y = causalConv(u, kernel);

      const expected = convolveFloat64(
        problem.u,
        problem.kernel,
        problem.shape,
      );
      expect(y.shape).toEqual([2, length, 3]);
      expect(relativeError(y.dataSync(), expected)).toBeLessThan(TOLERANCE);
      tf.dispose([u, kernel, y]);
    });
  }

  it('matches a direct sum at length 16384', () => {
    const shape = { batch: 1, length: 16384, channels: 2 };
    const problem = makeProblem(shape, 7);
    const { u, kernel } = tensorsOf(problem);
    const y = causalConv(u, kernel).dataSync();

    // Every 61st time step and the last 61 steps keep the reference fast.
    const actual: number[] = [];
    const expected: number[] = [];
    for (let t = 0; t < shape.length; t += t + 61 < shape.length ? 61 : 1) {
      for (let h = 0; h < shape.channels; h++) {
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          sum +=
            (problem.kernel[h * shape.length + s] as number) *
            (problem.u[(t - s) * shape.channels + h] as number);
        }
        expected.push(sum);
        actual.push(y[t * shape.channels + h] as number);
      }
    }
    expect(relativeError(actual, expected)).toBeLessThan(TOLERANCE);
    tf.dispose([u, kernel]);
  });

  it('matches a direct sum at length 65536', () => {
    // Transforms of size 131072 use tiles of 8 channels, so 9 channels make
    // one full tile and one partial one.
    const shape = { batch: 1, length: 65536, channels: 9 };
    const problem = makeProblem(shape, 17);
    const { u, kernel } = tensorsOf(problem);
    const y = causalConv(u, kernel).dataSync();

    const actual: number[] = [];
    const expected: number[] = [];
    for (const t of [0, 1, 4095, 32768, 65534, 65535]) {
      for (let h = 0; h < shape.channels; h++) {
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          sum +=
            (problem.kernel[h * shape.length + s] as number) *
            (problem.u[(t - s) * shape.channels + h] as number);
        }
        expected.push(sum);
        actual.push(y[t * shape.channels + h] as number);
      }
    }
    expect(relativeError(actual, expected)).toBeLessThan(TOLERANCE);
    tf.dispose([u, kernel]);
  });

  for (const length of [60, 1000]) {
    it(`leaks nothing backward in time at length ${length}`, () => {
      const values = new Float32Array(length);
      values[length - 1] = 1;
      const u = tf.tensor3d(values, [1, length, 1]);
      const kernel = tf.ones([1, length]) as Tensor2D;
      const y = causalConv(u, kernel).dataSync();

      const early = Math.max(
        ...Array.from(y.subarray(0, length - 1), Math.abs),
      );
      expect(early).toBeLessThan(1e-6);
      expect(y[length - 1]).toBeCloseTo(1, 6);
      tf.dispose([u, kernel]);
    });
  }

  for (const [batch, length, channels] of [
    [0, 5, 2],
    [2, 0, 3],
    [2, 5, 0],
  ] as const) {
    it(`handles the empty shape [${batch}, ${length}, ${channels}]`, () => {
      const u = tf.zeros([batch, length, channels]) as Tensor3D;
      const kernel = tf.zeros([channels, length]) as Tensor2D;
      const dy = tf.zeros([batch, length, channels]);
      const y = causalConv(u, kernel);
      const [du, dkernel] = tf.grads((a: Tensor, b: Tensor) =>
        causalConv(a as Tensor3D, b as Tensor2D),
      )([u, kernel], dy);

      expect(y.shape).toEqual([batch, length, channels]);
      expect(du?.shape).toEqual([batch, length, channels]);
      expect(dkernel?.shape).toEqual([channels, length]);
      expect(Array.from(dkernel?.dataSync() ?? [1]).every((v) => v === 0)).toBe(
        true,
      );
      tf.dispose([u, kernel, dy, y, du as Tensor, dkernel as Tensor]);
    });
  }

  it('uses transforms of at least twice the length', () => {
    for (const length of [1, 60, 784, 1000, 1024, 16384]) {
      expect(fftSizeFor(length)).toBeGreaterThanOrEqual(2 * length);
    }
    expect(fftSizeFor(784)).toBe(1600);
    expect(fftSizeFor(1024)).toBe(2048);
  });
});

describe('causalConv gradients', () => {
  for (const length of [1, 2, 60, 1000]) {
    it(`match direct sums at length ${length}`, () => {
      const problem = makeProblem(
        { batch: 3, length, channels: 4 },
        100 + length,
      );
      const { du, dkernel } = runConvolution(problem);

      const expectedInput = inputGradientFloat64(
        problem.dy,
        problem.kernel,
        problem.shape,
      );
      const expectedKernel = kernelGradientFloat64(
        problem.dy,
        problem.u,
        problem.shape,
      );
      expect(relativeError(du, expectedInput)).toBeLessThan(TOLERANCE);
      expect(relativeError(dkernel, expectedKernel)).toBeLessThan(TOLERANCE);
    });
  }

  it('match central differences of a float64 loss', () => {
    // loss = sum(w * y^2), so dy = 2 w y flows through tfjs ops first.
    const shape = { batch: 2, length: 5, channels: 2 };
    const problem = makeProblem(shape, 42);
    const weights = problem.dy;
    const lossFloat64 = (u: Float64Array, kernel: Float64Array) => {
      const y = convolveFloat64(u, kernel, shape);
      let total = 0;
      for (let i = 0; i < y.length; i++) {
        total += (weights[i] as number) * (y[i] as number) ** 2;
      }
      return total;
    };
    const centralDifference = (
      f: (x: Float64Array) => number,
      x: Float64Array,
    ) => {
      const step = 1e-6;
      return Array.from(x, (_, i) => {
        const plus = x.slice();
        const minus = x.slice();
        plus[i] = (plus[i] as number) + step;
        minus[i] = (minus[i] as number) - step;
        return (f(plus) - f(minus)) / (2 * step);
      });
    };

    const { u, kernel, dy: w } = tensorsOf(problem);
    const [du, dkernel] = tf.grads((a: Tensor, b: Tensor) => {
      const y = causalConv(a as Tensor3D, b as Tensor2D);
      return tf.sum(tf.mul(w, tf.square(y)));
    })([u, kernel]);

    const expectedInput = centralDifference(
      (x) => lossFloat64(x, problem.kernel),
      problem.u,
    );
    const expectedKernel = centralDifference(
      (x) => lossFloat64(problem.u, x),
      problem.kernel,
    );
    expect(relativeError(du?.dataSync() ?? [], expectedInput)).toBeLessThan(
      1e-4,
    );
    expect(
      relativeError(dkernel?.dataSync() ?? [], expectedKernel),
    ).toBeLessThan(1e-4);
    tf.dispose([u, kernel, w, du as Tensor, dkernel as Tensor]);
  });

  it('match direct sums across channel tiles', () => {
    // 37 channels span two full tiles of 16 and a partial one.
    const problem = makeProblem({ batch: 2, length: 60, channels: 37 }, 21);
    const { y, du, dkernel } = runConvolution(problem);
    const { shape } = problem;

    expect(
      relativeError(y, convolveFloat64(problem.u, problem.kernel, shape)),
    ).toBeLessThan(TOLERANCE);
    expect(
      relativeError(
        du,
        inputGradientFloat64(problem.dy, problem.kernel, shape),
      ),
    ).toBeLessThan(TOLERANCE);
    expect(
      relativeError(
        dkernel,
        kernelGradientFloat64(problem.dy, problem.u, shape),
      ),
    ).toBeLessThan(TOLERANCE);
  });

  it('work with a constant kernel', () => {
    const problem = makeProblem({ batch: 2, length: 33, channels: 3 }, 9);
    const { u, kernel, dy } = tensorsOf(problem);
    const du = tf.grad((a: Tensor) =>
      tf.sum(tf.mul(causalConv(a as Tensor3D, kernel), dy)),
    )(u);

    const expected = inputGradientFloat64(
      problem.dy,
      problem.kernel,
      problem.shape,
    );
    expect(relativeError(du.dataSync(), expected)).toBeLessThan(TOLERANCE);
    tf.dispose([u, kernel, dy, du]);
  });

  it('recompute spectra missing from the cache', () => {
    const problem = makeProblem({ batch: 2, length: 45, channels: 19 }, 23);
    const { u, kernel, dy } = tensorsOf(problem);
    const [du, dkernel] = tf
      .engine()
      .runKernel(
        CAUSAL_CONV_BACKPROP,
        { dy, u, kernel },
        { spectraId: 0 },
      ) as Tensor[];

    const { shape } = problem;
    expect(
      relativeError(
        du?.dataSync() ?? [],
        inputGradientFloat64(problem.dy, problem.kernel, shape),
      ),
    ).toBeLessThan(TOLERANCE);
    expect(
      relativeError(
        dkernel?.dataSync() ?? [],
        kernelGradientFloat64(problem.dy, problem.u, shape),
      ),
    ).toBeLessThan(TOLERANCE);
    tf.dispose([u, kernel, dy, du as Tensor, dkernel as Tensor]);
  });

  it('run as separate backprop kernels', () => {
    const problem = makeProblem({ batch: 2, length: 47, channels: 5 }, 11);
    const { u, kernel, dy } = tensorsOf(problem);
    const du = tf.engine().runKernel(CAUSAL_CONV_BACKPROP_INPUT, {
      dy,
      kernel,
    }) as Tensor;
    const dkernel = tf.engine().runKernel(CAUSAL_CONV_BACKPROP_KERNEL, {
      dy,
      u,
    }) as Tensor;

    const expectedInput = inputGradientFloat64(
      problem.dy,
      problem.kernel,
      problem.shape,
    );
    const expectedKernel = kernelGradientFloat64(
      problem.dy,
      problem.u,
      problem.shape,
    );
    expect(du.shape).toEqual([2, 47, 5]);
    expect(dkernel.shape).toEqual([5, 47]);
    expect(relativeError(du.dataSync(), expectedInput)).toBeLessThan(TOLERANCE);
    expect(relativeError(dkernel.dataSync(), expectedKernel)).toBeLessThan(
      TOLERANCE,
    );
    tf.dispose([u, kernel, dy, du, dkernel]);
  });
});

describe('causalConv input checks', () => {
  const u = () => tf.zeros([2, 8, 3]) as Tensor3D;
  const kernel = () => tf.zeros([3, 8]) as Tensor2D;

  it('rejects u of rank 2', () => {
    expect(() =>
      causalConv(tf.zeros([8, 3]) as unknown as Tensor3D, kernel()),
    ).toThrow(
      new SsmError(
        'causalConv: u must have rank 3 [batch, length, channels], got shape [8, 3].',
      ),
    );
  });

  it('rejects a kernel of rank 3', () => {
    expect(() =>
      causalConv(u(), tf.zeros([1, 3, 8]) as unknown as Tensor2D),
    ).toThrow(
      new SsmError(
        'causalConv: kernel must have rank 2 [channels, length], got shape [1, 3, 8].',
      ),
    );
  });

  it('rejects a channel mismatch', () => {
    expect(() => causalConv(u(), tf.zeros([4, 8]) as Tensor2D)).toThrow(
      new SsmError(
        'causalConv: kernel must have shape [3, 8] for u of shape [2, 8, 3] (one row per channel of u), got [4, 8].',
      ),
    );
  });

  it('rejects a length mismatch', () => {
    expect(() => causalConv(u(), tf.zeros([3, 7]) as Tensor2D)).toThrow(
      new SsmError(
        'causalConv: kernel must have shape [3, 8] for u of shape [2, 8, 3] (kernel length must equal the sequence length of u), got [3, 7].',
      ),
    );
  });

  it('rejects an int32 input', () => {
    const ints = tf.zeros([2, 8, 3], 'int32') as Tensor3D;
    expect(() => causalConv(ints, kernel())).toThrow(
      new SsmError(
        'causalConv: u must have dtype float32, got int32 (shape [2, 8, 3]).',
      ),
    );
  });

  it('rejects an int32 kernel', () => {
    const ints = tf.zeros([3, 8], 'int32') as Tensor2D;
    expect(() => causalConv(u(), ints)).toThrow(
      new SsmError(
        'causalConv: kernel must have dtype float32, got int32 (shape [3, 8]).',
      ),
    );
  });

  it('rejects a plain array', () => {
    const array = [[[1]]] as unknown as Tensor3D;
    expect(() => causalConv(array, kernel())).toThrow(
      new SsmError('causalConv: u must be a tfjs Tensor, got an array.'),
    );
  });

  it('raises SsmError', () => {
    expect(() => causalConv(u(), tf.zeros([3, 7]) as Tensor2D)).toThrow(
      SsmError,
    );
  });
});

describe('causalConv memory', () => {
  it('keeps the tensor count stable', () => {
    const problem = makeProblem({ batch: 2, length: 100, channels: 3 }, 5);
    runConvolution(problem);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      runConvolution(problem);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps no spectra outside a gradient tape', () => {
    const problem = makeProblem({ batch: 2, length: 64, channels: 3 }, 8);
    const { u, kernel, dy } = tensorsOf(problem);
    const before = tf.memory().numTensors;
    const y = causalConv(u, kernel);

    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([u, kernel, dy, y]);
  });

  it('frees tensors of an unused convolution', () => {
    const problem = makeProblem({ batch: 2, length: 64, channels: 3 }, 10);
    const { u, kernel, dy } = tensorsOf(problem);
    const before = tf.memory().numTensors;
    // The convolution is recorded on the tape but does not reach the loss.
    const gradient = tf.grad((x: Tensor) => {
      causalConv(x as Tensor3D, kernel);
      return tf.sum(tf.square(x));
    })(u);

    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([u, kernel, dy, gradient]);
  });

  it('frees cached spectra after the backward pass', () => {
    const problem = makeProblem({ batch: 2, length: 64, channels: 3 }, 12);
    const before = cachedSpectra();
    runConvolution(problem);
    const after = cachedSpectra();

    expect(after.entries).toBe(before.entries);
    expect(after.bytes).toBe(before.bytes);
  });

  it('caches spectra while a tape records', () => {
    const problem = makeProblem({ batch: 2, length: 64, channels: 3 }, 15);
    const { u, kernel, dy } = tensorsOf(problem);
    const before = cachedSpectra().entries;
    let during = -1;
    const gradient = tf.grad((x: Tensor) => {
      const y = causalConv(x as Tensor3D, kernel);
      during = cachedSpectra().entries;
      return tf.sum(tf.mul(y, dy));
    })(u);

    expect(during).toBe(before + 1);
    expect(cachedSpectra().entries).toBe(before);
    tf.dispose([u, kernel, dy, gradient]);
  });

  it('keeps the PFFFT heap stable', () => {
    const problem = makeProblem({ batch: 2, length: 300, channels: 20 }, 6);
    runConvolution(problem);
    const before = pffftMemory();
    for (let i = 0; i < 5; i++) {
      runConvolution(problem);
    }
    const after = pffftMemory();
    expect(after.heapBytes).toBe(before.heapBytes);
    expect(after.workspaces).toBe(before.workspaces);
  });

  it('stages copies in the wasm heap', () => {
    const copier = createHeapTileCopier(tf.backend(), 64, 64);
    expect(copier).not.toBeNull();
    copier?.release();
  });

  it('bounds the cached workspaces', () => {
    for (const length of [3, 20, 50, 100, 200, 400, 800]) {
      runConvolution(makeProblem({ batch: 1, length, channels: 2 }, length));
    }
    expect(pffftMemory().workspaces).toBeLessThanOrEqual(4);
  });
});

describe('causalConv on the cpu backend', () => {
  it('matches the wasm backend', async () => {
    const problem = makeProblem({ batch: 2, length: 77, channels: 18 }, 13);
    await initBackend({ backend: 'wasm' });
    const wasm = runConvolution(problem);
    await initBackend({ backend: 'cpu' });
    const cpu = runConvolution(problem);
    await initBackend({ backend: 'wasm' });

    expect(relativeError(cpu.y, wasm.y)).toBeLessThan(1e-6);
    expect(relativeError(cpu.du, wasm.du)).toBeLessThan(1e-6);
    expect(relativeError(cpu.dkernel, wasm.dkernel)).toBeLessThan(1e-6);
  });

  it('matches a direct sum', async () => {
    const problem = makeProblem({ batch: 2, length: 50, channels: 3 }, 14);
    await initBackend({ backend: 'cpu' });
    const { y, du, dkernel } = runConvolution(problem);
    await initBackend({ backend: 'wasm' });

    const { shape } = problem;
    expect(
      relativeError(y, convolveFloat64(problem.u, problem.kernel, shape)),
    ).toBeLessThan(TOLERANCE);
    expect(
      relativeError(
        du,
        inputGradientFloat64(problem.dy, problem.kernel, shape),
      ),
    ).toBeLessThan(TOLERANCE);
    expect(
      relativeError(
        dkernel,
        kernelGradientFloat64(problem.dy, problem.u, shape),
      ),
    ).toBeLessThan(TOLERANCE);
  });
});
