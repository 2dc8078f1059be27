import { initBackend } from '@s4d/runtime';
import { describe, expect, it } from 'vitest';
import { build, buildBlock, ModelError } from '../src/index.js';

const tf = await initBackend();

const small = { embedDim: 3, hiddenSize: 8, stateSize: 4, numLayers: 1 };

describe('build options', () => {
  const bad: [unknown, string][] = [
    [Number.NaN, 'build: seed must be an integer in [0, 2^31), got NaN.'],
    ['x', 'build: seed must be an integer in [0, 2^31), got "x".'],
    [1.5, 'build: seed must be an integer in [0, 2^31), got 1.5.'],
    [-1, 'build: seed must be an integer in [0, 2^31), got -1.'],
  ];

  for (const [seed, message] of bad) {
    it(`rejects seed ${String(seed)} without leaking`, () => {
      const before = tf.memory().numTensors;

      expect(() => build(small, { seed } as never)).toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('rejects an unknown build option', () => {
    expect(() => build(small, { sead: 1 } as never)).toThrow(
      'build: unknown build option "sead"; the only option is seed.',
    );
  });

  it('rejects a negative block index', () => {
    expect(() => buildBlock(small, -1)).toThrow(
      'buildBlock: index must be a non-negative integer, got -1.',
    );
  });

  it('freezes the config', () => {
    const model = build(small);

    expect(Object.isFrozen(model.config)).toBe(true);
    model.dispose();
  });
});

describe('apply options', () => {
  const model = build({ ...small, seqLen: null });
  const x = tf.zeros([2, 5, 3]);

  const bad: [unknown, string][] = [
    [
      { lenghts: [5, 5] },
      'apply: unknown option "lenghts"; the options are training, lengths, seed.',
    ],
    [
      { training: 'yes' },
      'apply: options.training must be true or false, got "yes".',
    ],
    [
      { seed: -1 },
      'apply: options.seed must be a non-negative integer, got -1.',
    ],
    [
      { lengths: null },
      'apply: options.lengths must be an array of 2 integers, got null.',
    ],
    [
      { lengths: ['5', 5] },
      'apply: options.lengths[0] must be an integer in [1, 5], got "5".',
    ],
    [
      'training',
      'apply: options must be an object such as { training: true }, got "training".',
    ],
  ];

  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)}`, () => {
      expect(() => model.apply(x, options as never)).toThrow(ModelError);
      expect(() => model.apply(x, options as never)).toThrow(message);
    });
  }

  it('rejects an empty batch or length', () => {
    const empty = tf.zeros([1, 0, 3]);

    expect(() => model.apply(empty)).toThrow(
      'apply: x must have at least one sequence and one step, got shape [1,0,3].',
    );
    expect(() => model.prefill(empty)).toThrow(
      'prefill: x must have at least one sequence and one step, got shape [1,0,3].',
    );
    empty.dispose();
  });

  it('rejects a value that is not a tensor', () => {
    expect(() => model.apply(null as never)).toThrow(
      'apply: x must be a tf.Tensor, got null.',
    );
  });

  it('rejects a disposed input', () => {
    const disposed = tf.zeros([2, 5, 3]);
    disposed.dispose();

    expect(() => model.apply(disposed)).toThrow('apply: x was disposed.');
  });
});

describe('disposed model', () => {
  it('marks parameters disposed after dispose', () => {
    const model = build(small);
    model.dispose();
    const variables = [...model.parameters().values()];

    expect(variables.every((variable) => variable.isDisposed)).toBe(true);
  });

  it('is harmless to dispose twice', () => {
    const model = build(small);
    const before = tf.memory().numTensors;
    model.dispose();
    const after = tf.memory().numTensors;
    model.dispose();

    expect(before - after).toBe(21);
    expect(tf.memory().numTensors).toBe(after);
  });
});

describe('step input checks', () => {
  it('rejects an int32 frame', () => {
    const model = build(small);
    const state = model.initState(1);
    const frame = tf.zeros([1, 3], 'int32');

    expect(() => model.step(state, frame)).toThrow(
      'step: frame must be float32, got int32.',
    );
    frame.dispose();
    state.dispose();
    model.dispose();
  });

  it('shows a string batch as a string', () => {
    const model = build(small);

    expect(() => model.initState('2' as never)).toThrow(
      'initState: batch must be a positive integer, got "2".',
    );
    model.dispose();
  });
});
