import { describe, expect, it } from 'vitest';
import { lengthSweepSeries, renderLogLogSvg } from '../src/format/svg.js';
import type { CaseResult } from '../src/report.js';

const titles = { title: 'T <1>', x: 'length', y: 'seconds' };

function sweepCase(
  implementation: string,
  length: number,
  secondsPerToken: number,
): CaseResult {
  return {
    suite: 'kernel',
    group: 'length sweep forward',
    name: `${implementation} ${length}`,
    implementation,
    backend: 'wasm',
    params: { length, pass: 'forward' },
    status: 'ok',
    tokens: length,
    secondsPerToken,
  };
}

describe('lengthSweepSeries', () => {
  it('makes one sorted series per implementation', () => {
    const series = lengthSweepSeries([
      sweepCase('a', 256, 1e-6),
      sweepCase('b', 64, 3e-6),
      sweepCase('a', 64, 2e-6),
      { ...sweepCase('a', 1024, 1e-6), group: 'batch sweep' },
    ]);

    expect(series.map((s) => s.label)).toEqual(['a fwd', 'b fwd']);
    expect(series[0]?.points).toEqual([
      { x: 64, y: 2e-6 },
      { x: 256, y: 1e-6 },
    ]);
  });
});

describe('renderLogLogSvg', () => {
  const svg = renderLogLogSvg(
    [
      {
        label: 'a & b',
        points: [
          { x: 64, y: 1e-6 },
          { x: 16384, y: 3e-6 },
        ],
      },
    ],
    titles,
  );

  it('is a standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(
      true,
    );
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('draws one polyline per series', () => {
    expect(svg.match(/<polyline /g)?.length).toBe(1);
  });

  it('labels every decade of both axes', () => {
    for (const tick of ['1e1', '1e5', '1e-6', '1e-5']) {
      expect(svg).toContain(`>${tick}</text>`);
    }
  });

  it('escapes text', () => {
    expect(svg).toContain('T &lt;1&gt;');
    expect(svg).toContain('a &amp; b');
  });

  it('rejects an empty plot', () => {
    expect(() => renderLogLogSvg([], titles)).toThrow(
      'renderLogLogSvg: expected at least one point, got none.',
    );
  });

  it('rejects a non-positive value', () => {
    const series = [{ label: 'a', points: [{ x: 0, y: 1 }] }];
    expect(() => renderLogLogSvg(series, titles)).toThrow(
      'renderLogLogSvg: expected positive values, got (0, 1).',
    );
  });
});
