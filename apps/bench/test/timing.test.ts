import { initBackend } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureMemory, timeWorkload, type Workload } from '../src/timing.js';

let tf: typeof tfc;

beforeAll(async () => {
  tf = await initBackend();
});

function countingWorkload(): Workload & { calls: number } {
  const input = tf.ones([16, 16]);
  const workload = {
    calls: 0,
    run: () => {
      workload.calls += 1;
      return tf.matMul(input, input);
    },
    dispose: () => input.dispose(),
  };
  return workload;
}

describe('timeWorkload', () => {
  it('makes the warm-up and timed runs', async () => {
    const workload = countingWorkload();
    const result = await timeWorkload(tf, workload, { warmup: 2, repeats: 3 });

    expect(workload.calls).toBe(5);
    expect(result.seconds.runs).toBe(3);
    workload.dispose();
  });

  it('goes on warming up for warmupSeconds', async () => {
    const workload = countingWorkload();
    const start = performance.now();
    await timeWorkload(tf, workload, {
      warmup: 0,
      warmupSeconds: 0.05,
      repeats: 1,
    });

    expect(performance.now() - start).toBeGreaterThanOrEqual(50);
    expect(workload.calls).toBeGreaterThan(1);
    workload.dispose();
  });

  it('orders min, median and max', async () => {
    const workload = countingWorkload();
    const { seconds } = await timeWorkload(tf, workload, {
      warmup: 0,
      repeats: 4,
    });

    expect(seconds.min).toBeLessThanOrEqual(seconds.median);
    expect(seconds.median).toBeLessThanOrEqual(seconds.max);
    workload.dispose();
  });

  it('disposes what each run returns', async () => {
    const workload = countingWorkload();
    const before = tf.memory().numTensors;
    const result = await timeWorkload(tf, workload, { warmup: 1, repeats: 2 });

    expect(result.leakedTensors).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    workload.dispose();
  });

  it('counts tensors that a run leaks', async () => {
    const leaked: tfc.Tensor[] = [];
    const workload: Workload = {
      run: () => {
        leaked.push(tf.zeros([2]));
        return undefined;
      },
      dispose: () => tf.dispose(leaked),
    };
    const result = await timeWorkload(tf, workload, { warmup: 0, repeats: 3 });

    expect(result.leakedTensors).toBe(3);
    workload.dispose();
  });

  it('awaits an asynchronous run', async () => {
    const input = tf.ones([4]);
    const workload: Workload = {
      run: async () => tf.add(input, 1),
      dispose: () => input.dispose(),
    };
    const result = await timeWorkload(tf, workload, { warmup: 0, repeats: 1 });

    expect(result.leakedTensors).toBe(0);
    workload.dispose();
  });

  it('rejects a negative warm-up count', async () => {
    const workload = countingWorkload();
    await expect(
      timeWorkload(tf, workload, { warmup: -1, repeats: 1 }),
    ).rejects.toThrow(
      'timeWorkload: options.warmup must be an integer >= 0, got -1.',
    );
    workload.dispose();
  });

  it('rejects zero repeats', async () => {
    const workload = countingWorkload();
    await expect(
      timeWorkload(tf, workload, { warmup: 0, repeats: 0 }),
    ).rejects.toThrow(
      'timeWorkload: options.repeats must be an integer >= 1, got 0.',
    );
    workload.dispose();
  });

  it('rejects negative warm-up seconds', async () => {
    const workload = countingWorkload();
    await expect(
      timeWorkload(tf, workload, { warmup: 0, warmupSeconds: -1, repeats: 1 }),
    ).rejects.toThrow(
      'timeWorkload: options.warmupSeconds must be a finite number >= 0, got -1.',
    );
    workload.dispose();
  });
});

describe('measureMemory', () => {
  it('reports the peak tensor bytes of a run', async () => {
    const input = tf.ones([256]);
    const workload: Workload = {
      // Each intermediate is 1 KiB, and two are alive at the peak.
      run: () => tf.tidy(() => tf.add(tf.mul(input, 2), 1)),
      dispose: () => input.dispose(),
    };
    const memory = await measureMemory(tf, workload);

    expect(memory.peakTensorBytes).toBeGreaterThanOrEqual(1024 + 2048);
    expect(memory.rssBytes).toBeGreaterThan(0);
    expect(memory.maxRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
    workload.dispose();
  });
});
