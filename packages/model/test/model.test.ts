import { initBackend } from '@s4d/runtime';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  build,
  buildBlock,
  outputSize,
  paramCount,
  recommendedDefaults,
} from '../src/index.js';

const tf = await initBackend();

function maxAbs(a: Tensor, b: Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN,
  );
}

function sizeOf(shape: number[]): number {
  return shape.reduce((product, extent) => product * extent, 1);
}

describe('build', () => {
  it('returns [batch, hiddenSize] from the last position', () => {
    const model = build({
      embedDim: 5,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 2,
    });
    const x = tf.randomNormal([3, 60, 5]);
    const y = model.apply(x);

    expect(y.shape).toEqual([3, 16]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('returns every position for output sequence', () => {
    const model = build({
      embedDim: 5,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 1,
      output: 'sequence',
      seqLen: null,
    });
    const x = tf.randomNormal([2, 37, 5]);
    const y = model.apply(x);

    expect(y.shape).toEqual([2, 37, 16]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('skips the input projection when sizes match', () => {
    const same = build({
      embedDim: 16,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 1,
    });
    const different = build({
      embedDim: 5,
      hiddenSize: 16,
      stateSize: 8,
      numLayers: 1,
    });

    expect(same.parameters().has('input.weight')).toBe(false);
    expect(different.parameters().get('input.weight')?.shape).toEqual([5, 16]);
    expect(different.parameters().get('input.bias')?.shape).toEqual([16]);
    same.dispose();
    different.dispose();
  });

  it('names parameters hierarchically with reference SSM names', () => {
    const model = build({
      embedDim: 3,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 1,
    });
    const names = [...model.parameters().keys()];

    expect(names).toEqual([
      'input.weight',
      'input.bias',
      'blocks.0.norm.weight',
      'blocks.0.norm.bias',
      'blocks.0.ssm.log_dt',
      'blocks.0.ssm.log_A_real',
      'blocks.0.ssm.A_imag',
      'blocks.0.ssm.C',
      'blocks.0.ssm.D',
      'blocks.0.ssm.output.weight',
      'blocks.0.ssm.output.bias',
      'blocks.0.ffn_norm.weight',
      'blocks.0.ffn_norm.bias',
      'blocks.0.ffn.gate.weight',
      'blocks.0.ffn.gate.bias',
      'blocks.0.ffn.up.weight',
      'blocks.0.ffn.up.bias',
      'blocks.0.ffn.down.weight',
      'blocks.0.ffn.down.bias',
      'norm.weight',
      'norm.bias',
    ]);
    expect(model.parameters().get('blocks.0.ssm.C')?.shape).toEqual([8, 2, 2]);
    model.dispose();
  });

  it('groups the SSM timescales apart', () => {
    const model = build({
      embedDim: 3,
      hiddenSize: 8,
      stateSize: 4,
      numLayers: 2,
    });
    const groups = model.parameterGroups();

    expect(groups.ssm).toEqual([
      'blocks.0.ssm.log_dt',
      'blocks.0.ssm.log_A_real',
      'blocks.0.ssm.A_imag',
      'blocks.1.ssm.log_dt',
      'blocks.1.ssm.log_A_real',
      'blocks.1.ssm.A_imag',
    ]);
    expect(groups.other).toContain('blocks.0.ssm.C');
    expect(groups.ssm.length + groups.other.length).toBe(
      model.parameters().size,
    );
    model.dispose();
  });

  it('gives the same parameters for the same seed', () => {
    const first = build(
      { embedDim: 3, hiddenSize: 8, stateSize: 4, numLayers: 1 },
      { seed: 7 },
    );
    const second = build(
      { embedDim: 3, hiddenSize: 8, stateSize: 4, numLayers: 1 },
      { seed: 7 },
    );

    for (const [name, variable] of first.parameters()) {
      const other = second.parameters().get(name);
      expect(other, name).toBeDefined();
      expect(maxAbs(variable, other as typeof variable), name).toBe(0);
    }
    first.dispose();
    second.dispose();
  });
});

describe('paramCount', () => {
  const combinations = [];
  for (const ffn of ['swiglu', 'gelu', 'none'] as const) {
    for (const ssmOutput of ['glu', 'linear', 'none'] as const) {
      for (const embedDim of [6, 12]) {
        combinations.push({
          embedDim,
          hiddenSize: 12,
          stateSize: 6,
          numLayers: 2,
          ffn,
          ssmOutput,
          ffnExpansion: 3,
        });
      }
    }
  }

  for (const options of combinations) {
    it(`counts ffn ${options.ffn}, ssmOutput ${options.ssmOutput}, embedDim ${options.embedDim}`, () => {
      const model = build(options);
      let total = 0;
      for (const variable of model.parameters().values()) {
        total += sizeOf(variable.shape);
      }

      expect(paramCount(options)).toBe(total);
      model.dispose();
    });
  }

  it('counts the defaults with embedDim 287 exactly', () => {
    const hidden = 256;
    const modes = 32;
    const inner = 1024;
    const input = 287 * hidden + hidden;
    const ssm = hidden + 4 * hidden * modes + hidden;
    const glu = hidden * 2 * hidden + 2 * hidden;
    const swiglu = 2 * (hidden * inner + inner) + inner * hidden + hidden;
    const block = 2 * hidden + ssm + glu + 2 * hidden + swiglu;

    expect(paramCount({ embedDim: 287 })).toBe(input + 4 * block + 2 * hidden);
  });
});

describe('outputSize and recommendedDefaults', () => {
  it('returns hiddenSize', () => {
    expect(outputSize({ embedDim: 3, hiddenSize: 48 })).toBe(48);
  });

  it('returns the Edifice-compatible defaults', () => {
    expect(recommendedDefaults()).toEqual({
      hiddenSize: 256,
      stateSize: 64,
      numLayers: 4,
      windowSize: 60,
      dropout: 0.1,
    });
  });
});

describe('buildBlock', () => {
  it('maps [batch, length, hiddenSize] to the same shape', () => {
    const block = buildBlock({ embedDim: 3, hiddenSize: 8, stateSize: 4 }, 2);
    const x = tf.randomNormal([2, 10, 8]);
    const y = block.apply(x as never, false);

    expect(y.shape).toEqual([2, 10, 8]);
    expect([...block.parameters().keys()]).toContain('ssm.log_dt');
    tf.dispose([x, y, ...block.parameters().values()]);
  });
});
