import { initBackend } from '@s4d/runtime';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Discretization,
  initSsmParams,
  initSsmState,
  SsmError,
  type SsmParams,
  type SsmState,
  ssmAdvance,
  ssmStep,
} from '../src/index.js';
import {
  type Complex,
  referenceRecurrence,
  relativeError,
  testSignal,
  toValues,
} from './reference.js';

let tf: Awaited<ReturnType<typeof initBackend>>;

beforeAll(async () => {
  tf = await initBackend();
});

const METHODS: Discretization[] = ['zoh', 'bilinear'];

function disposeParams(params: SsmParams): void {
  tf.dispose(Object.values(params));
}

/** [batch][length][channels] from a flat signal. */
function nested(
  flat: number[],
  batch: number,
  length: number,
  channels: number,
): number[][][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length }, (_unused, t) =>
      flat.slice((b * length + t) * channels, (b * length + t + 1) * channels),
    ),
  );
}

/** Creates a random state [batch, H, M, 2] and its nested form. */
function randomState(
  batch: number,
  channels: number,
  modes: number,
  seed: number,
): { tensor: SsmState; nested: Complex[][][] } {
  const flat = testSignal(batch * channels * modes * 2, seed);
  const tensor = tf.tensor4d(flat, [batch, channels, modes, 2]);
  const values = Array.from(tensor.dataSync());
  const nestedState = Array.from({ length: batch }, (_, b) =>
    Array.from({ length: channels }, (_unused, h) =>
      Array.from({ length: modes }, (_ignored, n): Complex => {
        const s = 2 * ((b * channels + h) * modes + n);
        return [values[s] as number, values[s + 1] as number];
      }),
    ),
  );
  return { tensor, nested: nestedState };
}

describe('initSsmState', () => {
  it('gives zeros of shape [batch, H, M, 2]', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(2, params);

    expect(state.shape).toEqual([2, 3, 4, 2]);
    expect(Array.from(state.dataSync()).every((x) => x === 0)).toBe(true);
    tf.dispose(state);
    disposeParams(params);
  });

  it('rejects a zero batch', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const attempt = () => initSsmState(0, params);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'initSsmState: batch must be a positive integer, got 0.',
    );
    disposeParams(params);
  });
});

describe('ssmStep', () => {
  for (const method of METHODS) {
    it(`matches the float64 recurrence, ${method}`, () => {
      const [batch, length, channels] = [2, 30, 3];
      const params = initSsmParams({
        channels,
        stateSize: 8,
        init: 'lin',
        seed: 4,
        withB: true,
        dtMin: 0.01,
        dtMax: 0.5,
      });
      const start = randomState(batch, channels, 4, 8);
      const uFlat = testSignal(batch * length * channels, 6);
      const u = tf.tensor3d(uFlat, [batch, length, channels]);
      const expected = referenceRecurrence(
        toValues(params),
        start.nested,
        nested(Array.from(u.dataSync()), batch, length, channels),
        method,
      );

      let state = start.tensor;
      const outputs: number[][] = [];
      for (let t = 0; t < length; t++) {
        const ut = tf.tidy(() =>
          tf.reshape(tf.slice(u, [0, t, 0], [batch, 1, channels]), [
            batch,
            channels,
          ]),
        ) as Tensor2D;
        const step = ssmStep(state, ut, params, { discretization: method });
        outputs.push(Array.from(step.y.dataSync()));
        tf.dispose([ut, step.y, state]);
        state = step.state;
      }

      const actual: number[] = [];
      const reference: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < length; t++) {
          for (let h = 0; h < channels; h++) {
            actual.push(outputs[t]?.[b * channels + h] as number);
            reference.push(expected.y[b]?.[t]?.[h] as number);
          }
        }
      }
      expect(relativeError(actual, reference)).toBeLessThan(1e-5);
      expect(
        relativeError(state.dataSync(), expected.state.flat(3)),
      ).toBeLessThan(1e-5);
      tf.dispose([state, u]);
      disposeParams(params);
    });
  }

  it('follows a variable update', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 6 });
    const logDt = tf.variable(params.logDt);
    const live = { ...params, logDt } as SsmParams;
    const state = tf.tensor4d(testSignal(8, 1), [1, 2, 2, 2]);
    const ut = tf.ones([1, 2]) as Tensor2D;
    const before = ssmStep(state, ut, live);
    logDt.assign(tf.tensor1d([-1, -2]));
    const after = ssmStep(state, ut, live);
    const freshLogDt = tf.tensor1d([-1, -2]);
    const fresh = ssmStep(state, ut, {
      ...params,
      logDt: freshLogDt,
    } as SsmParams);

    expect(after.y.dataSync()).not.toEqual(before.y.dataSync());
    expect(Array.from(after.y.dataSync())).toEqual(
      Array.from(fresh.y.dataSync()),
    );
    tf.dispose([before.y, before.state, after.y, after.state]);
    tf.dispose([fresh.y, fresh.state, freshLogDt, state, ut, logDt]);
    disposeParams(params);
  });

  it('follows a changed C with shared A', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 6 });
    const otherC = tf.tensor3d(testSignal(8, 2), [2, 2, 2]);
    const state = tf.tensor4d(testSignal(8, 1), [1, 2, 2, 2]);
    const ut = tf.ones([1, 2]) as Tensor2D;
    const first = ssmStep(state, ut, params);
    const second = ssmStep(state, ut, { ...params, c: otherC } as SsmParams);
    const expected = referenceRecurrence(
      toValues({ ...params, c: otherC } as SsmParams),
      [
        [
          [
            [state.dataSync()[0] as number, state.dataSync()[1] as number],
            [state.dataSync()[2] as number, state.dataSync()[3] as number],
          ],
          [
            [state.dataSync()[4] as number, state.dataSync()[5] as number],
            [state.dataSync()[6] as number, state.dataSync()[7] as number],
          ],
        ],
      ],
      [[[1, 1]]],
      'zoh',
    );

    expect(relativeError(second.y.dataSync(), expected.y.flat(2))).toBeLessThan(
      1e-5,
    );
    tf.dispose([first.y, first.state, second.y, second.state]);
    tf.dispose([otherC, state, ut]);
    disposeParams(params);
  });

  it('follows a changed discretization', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 6 });
    const state = initSsmState(1, params);
    const ut = tf.ones([1, 2]) as Tensor2D;
    const zoh = ssmStep(state, ut, params);
    const bilinear = ssmStep(state, ut, params, {
      discretization: 'bilinear',
    });
    const expected = referenceRecurrence(
      toValues(params),
      [
        [
          [
            [0, 0],
            [0, 0],
          ],
          [
            [0, 0],
            [0, 0],
          ],
        ],
      ],
      [[[1, 1]]],
      'bilinear',
    );

    expect(
      relativeError(bilinear.y.dataSync(), expected.y.flat(2)),
    ).toBeLessThan(1e-5);
    tf.dispose([zoh.y, zoh.state, bilinear.y, bilinear.state, state, ut]);
    disposeParams(params);
  });

  it('keeps the tensor count stable', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const ut = tf.ones([1, 3]) as Tensor2D;
    let state = initSsmState(1, params);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      const step = ssmStep(state, ut, params);
      tf.dispose([step.y, state]);
      state = step.state;
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ut, state]);
    disposeParams(params);
  });

  it('rejects a mismatched H in ut', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(1, params);
    const ut = tf.ones([1, 4]) as Tensor2D;
    const attempt = () => ssmStep(state, ut, params);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'ssmStep: ut must have shape [batch, 3], got [1,4].',
    );
    tf.dispose([state, ut]);
    disposeParams(params);
  });

  it('rejects a state of another batch', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(2, params);
    const ut = tf.ones([1, 3]) as Tensor2D;

    expect(() => ssmStep(state, ut, params)).toThrow(
      'ssmStep: state must have shape [1,3,4,2], got [2,3,4,2].',
    );
    tf.dispose([state, ut]);
    disposeParams(params);
  });

  it('rejects a ut of rank 3', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(1, params);
    const ut = tf.ones([1, 1, 3]) as unknown as Tensor2D;

    expect(() => ssmStep(state, ut, params)).toThrow(
      'ssmStep: ut must have rank 2, got rank 3 (shape [1,1,3]).',
    );
    tf.dispose([state, ut]);
    disposeParams(params);
  });

  it('rejects a non-finite D', () => {
    const params = initSsmParams({ channels: 2, stateSize: 4, seed: 1 });
    const bad = { ...params, d: tf.tensor1d([1, Number.NaN]) } as SsmParams;
    const state = initSsmState(1, params);
    const ut = tf.ones([1, 2]) as Tensor2D;

    expect(() => ssmStep(state, ut, bad)).toThrow(
      'ssmStep: params.d must be finite, got NaN at flat index 1.',
    );
    tf.dispose([state, ut, bad.d]);
    disposeParams(params);
  });
});

describe('ssmAdvance', () => {
  for (const method of METHODS) {
    it(`equals ssmStep from a non-zero state, ${method}`, () => {
      const [batch, length, channels] = [2, 25, 3];
      const params = initSsmParams({
        channels,
        stateSize: 6,
        seed: 12,
        withB: true,
        dtMin: 0.01,
        dtMax: 0.5,
      });
      const start = randomState(batch, channels, 3, 2);
      const u = tf.tensor3d(testSignal(batch * length * channels, 3), [
        batch,
        length,
        channels,
      ]) as Tensor3D;
      const chunk = ssmAdvance(start.tensor, u, params, {
        discretization: method,
      });

      let state = start.tensor;
      const stepped: Tensor[] = [];
      for (let t = 0; t < length; t++) {
        const ut = tf.tidy(() =>
          tf.reshape(tf.slice(u, [0, t, 0], [batch, 1, channels]), [
            batch,
            channels,
          ]),
        ) as Tensor2D;
        const step = ssmStep(state, ut, params, { discretization: method });
        stepped.push(step.y);
        if (state !== start.tensor) {
          state.dispose();
        }
        ut.dispose();
        state = step.state;
      }
      const steppedY = tf.stack(stepped, 1);

      expect(chunk.y.shape).toEqual([batch, length, channels]);
      expect(
        relativeError(chunk.y.dataSync(), steppedY.dataSync()),
      ).toBeLessThan(1e-5);
      expect(
        relativeError(chunk.state.dataSync(), state.dataSync()),
      ).toBeLessThan(1e-5);
      tf.dispose([...stepped, steppedY, state, chunk.y, chunk.state]);
      tf.dispose([start.tensor, u]);
      disposeParams(params);
    });
  }

  it('continues a prefilled window step by step', () => {
    const [length, channels] = [40, 2];
    const params = initSsmParams({ channels, stateSize: 8, seed: 3 });
    const u = tf.tensor3d(testSignal(length * channels, 9), [
      1,
      length,
      channels,
    ]) as Tensor3D;
    const zero = initSsmState(1, params);
    const whole = ssmAdvance(zero, u, params);
    const head = tf.slice(u, [0, 0, 0], [1, 30, channels]) as Tensor3D;
    const tail = tf.slice(u, [0, 30, 0], [1, 10, channels]) as Tensor3D;
    const first = ssmAdvance(zero, head, params);
    const second = ssmAdvance(first.state, tail, params);
    const joined = tf.concat([first.y, second.y], 1);

    expect(relativeError(joined.dataSync(), whole.y.dataSync())).toBeLessThan(
      1e-6,
    );
    expect(
      relativeError(second.state.dataSync(), whole.state.dataSync()),
    ).toBeLessThan(1e-6);
    tf.dispose([u, zero, whole.y, whole.state, head, tail, joined]);
    tf.dispose([first.y, first.state, second.y, second.state]);
    disposeParams(params);
  });

  it('keeps the tensor count stable', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const u = tf.ones([2, 5, 3]) as Tensor3D;
    const state = initSsmState(2, params);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const result = ssmAdvance(state, u, params);
      tf.dispose([result.y, result.state]);
    }

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([u, state]);
    disposeParams(params);
  });

  it('rejects a mismatched H in u', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(1, params);
    const u = tf.ones([1, 5, 2]) as Tensor3D;
    const attempt = () => ssmAdvance(state, u, params);

    expect(attempt).toThrow(SsmError);
    expect(attempt).toThrow(
      'ssmAdvance: u must have shape [batch, length >= 1, 3], got [1,5,2].',
    );
    tf.dispose([state, u]);
    disposeParams(params);
  });

  it('rejects an empty chunk', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = initSsmState(1, params);
    const u = tf.zeros([1, 0, 3]) as Tensor3D;

    expect(() => ssmAdvance(state, u, params)).toThrow(
      'ssmAdvance: u must have shape [batch, length >= 1, 3], got [1,0,3].',
    );
    tf.dispose([state, u]);
    disposeParams(params);
  });

  it('rejects a state of the wrong rank', () => {
    const params = initSsmParams({ channels: 3, stateSize: 8, seed: 1 });
    const state = tf.zeros([1, 3, 8]) as unknown as SsmState;
    const u = tf.ones([1, 5, 3]) as Tensor3D;

    expect(() => ssmAdvance(state, u, params)).toThrow(
      'ssmAdvance: state must have rank 4, got rank 3 (shape [1,3,8]).',
    );
    tf.dispose([state, u]);
    disposeParams(params);
  });
});
