import { describe, expect, it } from 'vitest';
import { ssmCaseName } from '../src/cases/ssm_cases.js';
import { QUICK_SIZES } from '../src/cases/suites.js';
import { computeHighlights } from '../src/highlights.js';
import type { CaseResult } from '../src/report.js';

function timed(name: string, median: number, tokens = 1): CaseResult {
  return {
    suite: 'kernel',
    group: 'reference size',
    name,
    implementation: 'impl',
    backend: 'wasm',
    params: {},
    status: 'ok',
    tokens,
    seconds: { median, min: median, max: median, runs: 1 },
    secondsPerToken: median / tokens,
  };
}

describe('computeHighlights', () => {
  const reference = QUICK_SIZES.reference;
  const fwd = ssmCaseName('ssmForward', 'forward', reference);
  const plainFwd = ssmCaseName('plain ops', 'forward', reference);
  const bwd = ssmCaseName('ssmForward', 'forward+backward', reference);

  it('reports the kernel time at the reference size', () => {
    const [first] = computeHighlights([timed(bwd, 0.1)], QUICK_SIZES);

    expect(first?.label).toBe('ssmForward forward plus backward, B2 H8 N4 L16');
    expect(first?.value).toBe(0.1);
    expect(first?.unit).toBe('seconds');
  });

  it('divides plain ops by ssmForward', () => {
    const highlights = computeHighlights(
      [timed(fwd, 0.5), timed(plainFwd, 2)],
      QUICK_SIZES,
    );
    const ratio = highlights.find((h) => h.label.startsWith('plain ops over'));

    expect(ratio?.value).toBe(4);
    expect(ratio?.unit).toBe('ratio');
  });

  it('leaves out figures whose cases did not run', () => {
    const skipped: CaseResult = { ...timed(bwd, 1), status: 'skipped' };
    expect(computeHighlights([skipped], QUICK_SIZES)).toEqual([]);
  });

  it('reports mnist accuracy as a fraction', () => {
    const mnist: CaseResult = {
      ...timed('GRU sMNIST', 3),
      suite: 'mnist',
      implementation: 'tfjs-layers GRU',
      params: { length: 49 },
      metrics: { accuracy: 0.25, trainSeconds: 2, samples: 64 },
    };
    const [accuracy] = computeHighlights([mnist], QUICK_SIZES);

    expect(accuracy?.value).toBe(0.25);
    expect(accuracy?.unit).toBe('fraction');
    expect(accuracy?.detail).toBe(
      'after 2 s of training on 64 samples, length 49',
    );
  });
});
