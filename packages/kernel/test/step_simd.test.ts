import { initBackend } from '@s4d/runtime';
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  initSsmParams,
  type SsmParams,
  type SsmState,
  ssmAdvance,
  ssmStep,
} from '../src/index.js';

const tf = await initBackend({ backend: 'wasm' });

/** Runs `run` on the CPU backend, where steps use the JavaScript loop. */
async function onCpu<T>(run: () => T): Promise<T> {
  await initBackend({ backend: 'cpu' });
  try {
    return run();
  } finally {
    await initBackend({ backend: 'wasm' });
  }
}

/** Copies tensors to the active backend by value. */
function copy<T extends SsmParams>(params: T): T {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      tf.tensor(value.dataSync(), value.shape),
    ]),
  ) as unknown as T;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  for (let i = 0; i < a.length; i++) {
    difference = Math.max(difference, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  }
  return difference;
}

describe('ssmStep on the WASM backend (WASM SIMD loop)', () => {
  for (const batch of [1, 3]) {
    it(`matches the JavaScript loop at batch ${batch}`, async () => {
      const params = initSsmParams({
        channels: 5,
        stateSize: 6,
        seed: 4,
        withB: true,
      });
      const state = tf.randomNormal([batch, 5, 3, 2], 0, 1, 'float32', 5);
      const ut = tf.randomNormal([batch, 5], 0, 1, 'float32', 6) as Tensor2D;
      const simd = ssmStep(state as SsmState, ut, params);

      const [y, next] = await onCpu(() => {
        const result = ssmStep(
          tf.tensor(state.dataSync(), state.shape) as unknown as SsmState,
          tf.tensor(ut.dataSync(), ut.shape) as Tensor2D,
          copy(params),
        );
        return [result.y.dataSync(), result.state.dataSync()];
      });

      expect(simd.y.shape).toEqual([batch, 5]);
      expect(simd.state.shape).toEqual([batch, 5, 3, 2]);
      expect(maxDifference(simd.y.dataSync(), y ?? [])).toBeLessThan(1e-6);
      expect(maxDifference(simd.state.dataSync(), next ?? [])).toBeLessThan(
        1e-6,
      );
      tf.dispose([state, ut, simd.y, simd.state, ...Object.values(params)]);
    });
  }

  it('gives ssmAdvance over one position the [batch, 1, H] shape', () => {
    const params = initSsmParams({ channels: 4, stateSize: 8, seed: 2 });
    const state = tf.zeros([2, 4, 4, 2]) as SsmState;
    const u = tf.randomNormal([2, 1, 4], 0, 1, 'float32', 3) as Tensor3D;
    const stepped = ssmStep(state, tf.reshape(u, [2, 4]) as Tensor2D, params);
    const advanced = ssmAdvance(state, u, params);

    expect(advanced.y.shape).toEqual([2, 1, 4]);
    expect(
      maxDifference(advanced.y.dataSync(), stepped.y.dataSync()),
    ).toBeLessThan(1e-7);
    tf.dispose([
      state,
      u,
      stepped.y,
      stepped.state,
      advanced.y,
      advanced.state,
    ]);
    tf.dispose(Object.values(params));
  });

  it('moves tensors made on the CPU backend', async () => {
    const cpuInputs = await onCpu(() => {
      const params = initSsmParams({ channels: 3, stateSize: 4, seed: 8 });
      const state = tf.zeros([1, 3, 2, 2]) as SsmState;
      const ut = tf.ones([1, 3]) as Tensor2D;
      const step = ssmStep(state, ut, params);
      const expected = step.y.dataSync();
      tf.dispose([step.y, step.state]);
      return { params, state, ut, expected };
    });
    const { y, state: next } = ssmStep(
      cpuInputs.state,
      cpuInputs.ut,
      cpuInputs.params,
    );

    expect(maxDifference(y.dataSync(), cpuInputs.expected)).toBeLessThan(1e-6);
    tf.dispose([
      y,
      next,
      cpuInputs.state,
      cpuInputs.ut,
      ...Object.values(cpuInputs.params),
    ]);
  });

  it('rejects a disposed state', () => {
    const params = initSsmParams({ channels: 2, stateSize: 2, seed: 1 });
    const state = tf.zeros([1, 2, 1, 2]) as SsmState;
    const ut = tf.ones([1, 2]) as Tensor2D;
    state.dispose();

    expect(() => ssmStep(state, ut, params)).toThrow(
      'ssmStep: state is disposed.',
    );
    tf.dispose([ut, ...Object.values(params)]);
  });

  it('leaves no tensors behind over repeated steps', () => {
    const params = initSsmParams({ channels: 8, stateSize: 16, seed: 1 });
    const ut = tf.ones([1, 8]) as Tensor2D;
    let state = tf.zeros([1, 8, 8, 2]) as SsmState;
    const step = () => {
      const { y, state: next } = ssmStep(state, ut, params);
      y.dispose();
      state.dispose();
      state = next;
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      step();
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ut, state, ...Object.values(params)]);
  });
});
