import type { CaseResult } from '../report.js';

/** One line of the plot: points sorted by x. */
export interface PlotSeries {
  label: string;
  points: { x: number; y: number }[];
}

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 80, right: 210, top: 40, bottom: 56 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/**
 * Collects the length sweeps of a run as plot series: time per token
 * against length, one series per implementation and pass.
 *
 * @param cases The case results of the run.
 * @returns The series with at least one point, sorted by x.
 */
export function lengthSweepSeries(cases: readonly CaseResult[]): PlotSeries[] {
  const series = new Map<string, PlotSeries>();
  for (const result of cases) {
    const length = result.params.length;
    if (
      !result.group.startsWith('length sweep') ||
      result.status !== 'ok' ||
      result.secondsPerToken === undefined ||
      typeof length !== 'number'
    ) {
      continue;
    }
    const pass = result.params.pass === 'forward' ? 'fwd' : 'fwd+bwd';
    const label = `${result.implementation} ${pass}`;
    const entry = series.get(label) ?? { label, points: [] };
    entry.points.push({ x: length, y: result.secondsPerToken });
    series.set(label, entry);
  }
  return [...series.values()].map((entry) => ({
    ...entry,
    points: [...entry.points].sort((a, b) => a.x - b.x),
  }));
}

/**
 * Draws series on log-log axes as a standalone SVG document, with a tick
 * and grid line at every power of ten and a legend on the right.
 *
 * @param series Lines to draw; every value must be positive.
 * @param titles The plot title and the axis labels.
 * @returns The SVG text.
 * @throws RangeError if there is no point or a value is not positive.
 */
export function renderLogLogSvg(
  series: readonly PlotSeries[],
  titles: { title: string; x: string; y: string },
): string {
  const points = series.flatMap((entry) => entry.points);
  if (points.length === 0) {
    throw new RangeError(
      'renderLogLogSvg: expected at least one point, got none.',
    );
  }
  const bad = points.find((point) => !(point.x > 0 && point.y > 0));
  if (bad !== undefined) {
    throw new RangeError(
      `renderLogLogSvg: expected positive values, got (${bad.x}, ${bad.y}).`,
    );
  }

  const xRange = decadeRange(points.map((point) => point.x));
  const yRange = decadeRange(points.map((point) => point.y));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const toX = (x: number) =>
    MARGIN.left +
    ((Math.log10(x) - xRange.low) / (xRange.high - xRange.low)) * plotWidth;
  const toY = (y: number) =>
    MARGIN.top +
    plotHeight -
    ((Math.log10(y) - yRange.low) / (yRange.high - yRange.low)) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(titles.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(titles.title)}</text>`,
  ];

  for (let power = xRange.low; power <= xRange.high; power++) {
    const x = toX(10 ** power).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${x}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">1e${power}</text>`,
    );
  }
  for (let power = yRange.low; power <= yRange.high; power++) {
    const y = toY(10 ** power).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotWidth}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">1e${power}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(titles.x)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(titles.y)}</text>`,
  );

  series.forEach((entry, index) => {
    const color = COLORS[index % COLORS.length] as string;
    const path = entry.points
      .map((point) => `${toX(point.x).toFixed(1)},${toY(point.y).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const point of entry.points) {
      parts.push(
        `<circle cx="${toX(point.x).toFixed(1)}" cy="${toY(point.y).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    }
    const legendY = MARGIN.top + 12 + index * 20;
    const legendX = MARGIN.left + plotWidth + 12;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 20}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 26}" y="${legendY}" dominant-baseline="middle">${escapeXml(entry.label)}</text>`,
    );
  });

  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Finds the powers of ten just below and above the values, at least one apart. */
function decadeRange(values: number[]): { low: number; high: number } {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return { low, high: Math.max(high, low + 1) };
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
