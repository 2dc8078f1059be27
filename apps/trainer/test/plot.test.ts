import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../src/metrics.js';
import { renderPlot } from '../src/plot.js';

const records: MetricsRecord[] = [
  ...Array.from({ length: 10 }, (_, i) => ({
    kind: 'train' as const,
    step: i + 1,
    epoch: 0,
    loss: 2 / (i + 1),
    gradNorm: 1,
    learningRate: 0.01,
    sequencesPerSecond: 10,
  })),
  { kind: 'eval', step: 5, epoch: 0, loss: 0.6, accuracy: 0.7 },
  { kind: 'eval', step: 10, epoch: 0, loss: 0.4, accuracy: 0.9 },
];

describe('renderPlot', () => {
  it('makes an SVG document', () => {
    const svg = renderPlot(records, 'run');

    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(
      true,
    );
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('draws both curves and accuracy', () => {
    const svg = renderPlot(records, 'run');

    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain('held-out accuracy');
  });

  it('escapes the title', () => {
    expect(renderPlot(records, 'a<b')).toContain('a&lt;b');
  });

  it('handles a run without records', () => {
    expect(renderPlot([], 'empty')).toContain('no loss recorded');
  });
});
