import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseModelConfig,
  parseTrainingConfig,
} from '../src/index.js';
import { messageOf, problemsOf } from './helpers.js';

describe('ConfigError', () => {
  it('lists one problem per line', () => {
    const error = new ConfigError('model config', [
      { path: 'stateSize', value: 63, message: 'is odd' },
      { path: 'dropout', value: 1, message: 'is large' },
    ]);
    expect(error.message).toBe(
      'Invalid model config (2 problems):\n  stateSize: is odd\n  dropout: is large',
    );
  });

  it('counts a single problem', () => {
    const error = new ConfigError('model config', [
      { path: 'a', value: 1, message: 'm' },
    ]);
    expect(error.message).toBe('Invalid model config (1 problem):\n  a: m');
  });

  it('keeps its subject', () => {
    expect(new ConfigError('model config', []).subject).toBe('model config');
  });

  it('is named ConfigError', () => {
    expect(new ConfigError('x', []).name).toBe('ConfigError');
  });

  it('is an Error', () => {
    expect(new ConfigError('x', [])).toBeInstanceOf(Error);
  });
});

describe('parse errors', () => {
  it('gives the documented stateSize line', () => {
    const message = messageOf(() =>
      parseModelConfig({ embedDim: 1, stateSize: 63 }),
    );
    expect(message).toBe(
      'Invalid model config (1 problem):\n  stateSize: 63 is odd; S4D needs an even state size',
    );
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      parseModelConfig({
        embedDim: 0,
        stateSize: 2.5,
        dropout: 2,
        init: 'x',
        dtMin: 1,
        hiddenSzie: 3,
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'embedDim',
      'stateSize',
      'dropout',
      'init',
      'hiddenSzie',
      'dtMin',
    ]);
  });

  it('reports a cross-field rule beside a type error', () => {
    // zod skips an object's own checks after a type error in a field, so the
    // parser runs the dtMin < dtMax rule on the raw input as well.
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 'x', dtMin: 1, dtMax: 0.5 }),
    );
    expect(problems).toContainEqual({
      path: 'dtMin',
      value: 1,
      message:
        '1 is not below dtMax 0.5; the timestep range needs dtMin < dtMax',
    });
  });

  it('reports a cross-field rule only once', () => {
    const problems = problemsOf(() =>
      parseTrainingConfig({ batchSize: 0, model: { dtMin: 1 } }),
    );
    expect(problems.filter((p) => p.path === 'model.dtMin')).toHaveLength(1);
  });

  it('lists nested problems with their paths', () => {
    const problems = problemsOf(() =>
      parseTrainingConfig({
        epochs: 0,
        model: { stateSize: 3, embedDim: 'x' },
        dataset: { kind: 'mnist', trainSize: 9999, variant: 'cols' },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'epochs',
      'model.embedDim',
      'model.stateSize',
      'dataset.variant',
      'dataset.trainSize',
    ]);
  });

  it('cuts a long value short', () => {
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, init: 'x'.repeat(100) }),
    );
    expect(problems[0]?.message).toBe(
      `"${'x'.repeat(56)}... is not one of "legs", "inv", "lin", "real"`,
    );
  });

  it('keeps the full value in the problem', () => {
    const value = 'x'.repeat(100);
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, init: value }),
    );
    expect(problems[0]?.value).toBe(value);
  });
});

describe('unknown keys', () => {
  it.each([
    ['hiddenSzie', 'hiddenSize'],
    ['hidden_size', 'hiddenSize'],
    ['HiddenSize', 'hiddenSize'],
    ['statesize', 'stateSize'],
    ['stateSz', 'stateSize'],
    ['numLayer', 'numLayers'],
    ['droput', 'dropout'],
    ['seq_len', 'seqLen'],
    ['dt_min', 'dtMin'],
    ['ffn_expansion', 'ffnExpansion'],
    ['schema', '$schema'],
  ])('suggests a fix for %s', (key, known) => {
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, [key]: 1 }),
    );
    expect(problems).toEqual([
      { path: key, value: 1, message: `unknown key; did you mean "${known}"?` },
    ]);
  });

  it('lists the known keys when none is close', () => {
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, optimizer: 'adam' }),
    );
    expect(problems).toEqual([
      {
        path: 'optimizer',
        value: 'adam',
        message:
          'unknown key; expected one of $schema, embedDim, hiddenSize, stateSize, numLayers, dropout, windowSize, seqLen, init, discretization, dtMin, dtMax, ffn, ffnExpansion, ssmOutput, output',
      },
    ]);
  });

  it('quotes a key that is not an identifier', () => {
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, 'hidden size': 1, 'a\nb': 2 }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      '["hidden size"]',
      '["a\\nb"]',
    ]);
  });

  it('still suggests for a quoted key', () => {
    const [problem] = problemsOf(() =>
      parseModelConfig({ embedDim: 1, 'hidden size': 1 }),
    );
    expect(problem?.message).toBe('unknown key; did you mean "hiddenSize"?');
  });

  it('quotes a nested key', () => {
    const [problem] = problemsOf(() =>
      parseTrainingConfig({ model: { 'state-size': 8 } }),
    );
    expect(problem?.path).toBe('model["state-size"]');
  });

  it('handles a very long key', () => {
    const key = 'k'.repeat(100_000);
    const [problem] = problemsOf(() =>
      parseModelConfig({ embedDim: 1, [key]: 1 }),
    );
    expect(problem?.message).toMatch(/^unknown key; expected one of /);
  });

  it('rejects __proto__ as a key', () => {
    const input = JSON.parse('{"embedDim": 1, "__proto__": {"hiddenSize": 8}}');
    const [problem] = problemsOf(() => parseModelConfig(input));
    expect(problem?.path).toBe('__proto__');
  });

  it('gives one problem per unknown key', () => {
    const problems = problemsOf(() =>
      parseModelConfig({ embedDim: 1, a: 1, droput: 0.2 }),
    );
    expect(problems.map((p) => p.path)).toEqual(['a', 'droput']);
  });

  it.each([
    [{ learning_rate: 0.1 }, 'learning_rate', 'learningRate'],
    [{ batchsize: 8 }, 'batchsize', 'batchSize'],
    [{ epoch: 2 }, 'epoch', 'epochs'],
    [{ warmup_steps: 2 }, 'warmup_steps', 'warmupSteps'],
    [{ checkpointDirectory: 'x' }, 'checkpointDirectory', undefined],
    [{ model: { hiddenSze: 8 } }, 'model.hiddenSze', 'hiddenSize'],
    [
      { dataset: { kind: 'mnist', trainsize: 8 } },
      'dataset.trainsize',
      'trainSize',
    ],
    [
      {
        dataset: {
          kind: 'csv',
          path: 'a',
          target: 'y',
          task: 'regression',
          window: 2,
          feature: ['x'],
        },
      },
      'dataset.feature',
      'features',
    ],
  ])('suggests in a training config: %j', (input, path, known) => {
    const [problem] = problemsOf(() => parseTrainingConfig(input));
    const expected =
      known === undefined
        ? expect.stringMatching(/^unknown key; expected one of /)
        : `unknown key; did you mean "${known}"?`;
    expect(problem).toEqual({
      path,
      value: expect.anything(),
      message: expected,
    });
  });
});
