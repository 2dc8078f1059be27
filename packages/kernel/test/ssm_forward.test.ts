import { initBackend } from '@s4d/runtime';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Discretization,
  initSsmParams,
  initSsmState,
  SsmError,
  type SsmInit,
  type SsmParams,
  ssmAdvance,
  ssmForward,
  ssmStep,
} from '../src/index.js';
import {
  type ParamValues,
  referenceForward,
  relativeError,
  testSignal,
  toValues,
} from './reference.js';

let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend();
});

const INITS: SsmInit[] = ['legs', 'inv', 'lin', 'real'];
const METHODS: Discretization[] = ['zoh', 'bilinear'];

function disposeParams(params: SsmParams): void {
  tf.dispose(Object.values(params));
}

function nested(
  flat: ArrayLike<number>,
  batch: number,
  length: number,
  channels: number,
): number[][][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length }, (_unused, t) =>
      Array.from(
        { length: channels },
        (_ignored, h) => flat[(b * length + t) * channels + h] as number,
      ),
    ),
  );
}

describe('ssmForward', () => {
  for (const init of INITS) {
    for (const method of METHODS) {
      it(`matches the direct convolution, ${init}, ${method}`, () => {
        const [batch, length, channels] = [2, 60, 3];
        const params = initSsmParams({
          channels,
          stateSize: 8,
          init,
          seed: 13,
          withB: true,
          dtMin: 0.01,
          dtMax: 0.3,
        });
        const u = tf.tensor3d(testSignal(batch * length * channels, 5), [
          batch,
          length,
          channels,
        ]) as Tensor3D;
        const y = ssmForward(u, params, { discretization: method });
        const expected = referenceForward(
          toValues(params),
          nested(u.dataSync(), batch, length, channels),
          method,
        ).flat(2);

        expect(y.shape).toEqual([batch, length, channels]);
        expect(relativeError(y.dataSync(), expected)).toBeLessThan(1e-5);
        tf.dispose([u, y]);
        disposeParams(params);
      });
    }
  }

  for (const length of [1, 7, 784, 1000]) {
    it(`handles length ${length}`, () => {
      const params = initSsmParams({ channels: 2, stateSize: 4, seed: 3 });
      const u = tf.tensor3d(testSignal(length * 2, 1), [
        1,
        length,
        2,
      ]) as Tensor3D;
      const y = ssmForward(u, params);
      const expected = referenceForward(
        toValues(params),
        nested(u.dataSync(), 1, length, 2),
        'zoh',
      ).flat(2);

      expect(relativeError(y.dataSync(), expected)).toBeLessThan(1e-5);
      tf.dispose([u, y]);
      disposeParams(params);
    });
  }

  for (const method of METHODS) {
    it(`equals step mode at length 4096, ${method}`, () => {
      const [length, channels] = [4096, 2];
      const params = initSsmParams({
        channels,
        stateSize: 8,
        seed: 17,
        dtMin: 0.001,
        dtMax: 0.01,
      });
      const u = tf.tensor3d(testSignal(length * channels, 2), [
        1,
        length,
        channels,
      ]) as Tensor3D;
      const y = ssmForward(u, params, { discretization: method });
      const zero = initSsmState(1, params);
      const chunk = ssmAdvance(zero, u, params, { discretization: method });

      const inputs = u.dataSync();
      const stepped = new Float32Array(length * channels);
      let state = zero;
      for (let t = 0; t < length; t++) {
        const ut = tf.tensor2d(
          inputs.subarray(t * channels, (t + 1) * channels),
          [1, channels],
        ) as Tensor2D;
        const step = ssmStep(state, ut, params, { discretization: method });
        stepped.set(step.y.dataSync(), t * channels);
        tf.dispose([ut, step.y]);
        if (state !== zero) {
          state.dispose();
        }
        state = step.state;
      }
      const forward = y.dataSync();

      expect(relativeError(chunk.y.dataSync(), forward)).toBeLessThan(1e-5);
      expect(relativeError(stepped, forward)).toBeLessThan(1e-5);
      tf.dispose([u, y, zero, chunk.y, chunk.state, state]);
      disposeParams(params);
    });
  }

  it('keeps the tensor count stable with gradients', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 3 });
    const u = tf.ones([1, 16, 2]) as Tensor3D;
    const gradient = tf.grads((x: Tensor, logDt: Tensor) =>
      tf.sum(ssmForward(x as Tensor3D, { ...params, logDt } as SsmParams)),
    );
    tf.dispose(gradient([u, params.logDt]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(gradient([u, params.logDt]));
      tf.dispose(ssmForward(u, params));
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(u);
    disposeParams(params);
  });
});

type Field = 'u' | 'logDt' | 'logAReal' | 'aImag' | 'c' | 'd' | 'b';
const FIELDS: Field[] = ['u', 'logDt', 'logAReal', 'aImag', 'c', 'd', 'b'];

describe('ssmForward gradient', () => {
  for (const method of METHODS) {
    it(`matches finite differences, ${method}`, () => {
      const [batch, length, channels] = [2, 24, 2];
      const params = initSsmParams({
        channels,
        stateSize: 6,
        init: 'inv',
        seed: 31,
        withB: true,
        dtMin: 0.05,
        dtMax: 0.3,
      });
      const u = tf.tensor3d(testSignal(batch * length * channels, 7), [
        batch,
        length,
        channels,
      ]) as Tensor3D;
      const weights = testSignal(batch * length * channels, 8);
      const weightTensor = tf.tensor3d(weights, [batch, length, channels]);

      const loss = (...tensors: Tensor[]) => {
        const [x, ...fields] = tensors;
        const replaced = { ...params } as Record<string, Tensor>;
        FIELDS.slice(1).forEach((name, i) => {
          replaced[name] = fields[i] as Tensor;
        });
        const y = ssmForward(x as Tensor3D, replaced as unknown as SsmParams, {
          discretization: method,
        });
        return tf.sum(tf.mul(y, weightTensor));
      };
      const gradients = tf.grads(loss)([
        u,
        ...FIELDS.slice(1).map(
          (name) => params[name as keyof SsmParams] as Tensor,
        ),
      ]);

      const values = toValues(params) as ParamValues & { u: number[] };
      values.u = Array.from(u.dataSync());
      const evaluate = () =>
        referenceForward(
          values,
          nested(values.u, batch, length, channels),
          method,
        )
          .flat(2)
          .reduce((total, y, i) => total + y * (weights[i] as number), 0);
      const step = 1e-6;
      FIELDS.forEach((name, fieldIndex) => {
        const field = values[name] as number[];
        const expected = field.map((original, i) => {
          field[i] = original + step;
          const plus = evaluate();
          field[i] = original - step;
          const minus = evaluate();
          field[i] = original;
          return (plus - minus) / (2 * step);
        });
        const actual = (gradients[fieldIndex] as Tensor).dataSync();
        expect(relativeError(actual, expected), name).toBeLessThan(1e-5);
      });

      tf.dispose([...gradients, u, weightTensor]);
      disposeParams(params);
    });
  }
});

describe('ssmForward input checks', () => {
  it('rejects a mismatched H', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const u = tf.ones([2, 10, 4]) as Tensor3D;
    const attempt = () => ssmForward(u, params);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'ssmForward: u must have shape [batch >= 1, length >= 1, 3], got [2,10,4].',
    );
    tf.dispose(u);
    disposeParams(params);
  });

  it('rejects a u of rank 2', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const u = tf.ones([10, 3]) as unknown as Tensor3D;

    expect(() => ssmForward(u, params)).toThrow(
      'ssmForward: u must have rank 3, got rank 2 (shape [10,3]).',
    );
    tf.dispose(u);
    disposeParams(params);
  });

  it('rejects an empty sequence', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const u = tf.zeros([1, 0, 3]) as Tensor3D;

    expect(() => ssmForward(u, params)).toThrow(
      'ssmForward: u must have shape [batch >= 1, length >= 1, 3], got [1,0,3].',
    );
    tf.dispose(u);
    disposeParams(params);
  });

  it('rejects a non-finite C', () => {
    const params = initSsmParams({ channels: 1, stateSize: 2, seed: 1 });
    const bad = { ...params, c: tf.tensor3d([[[Number.NaN, 0]]]) } as SsmParams;
    const u = tf.ones([1, 4, 1]) as Tensor3D;

    expect(() => ssmForward(u, bad)).toThrow(
      'ssmForward: params.c must be finite, got NaN at flat index 0.',
    );
    tf.dispose([u, bad.c]);
    disposeParams(params);
  });
});
