import type { MetricsRecord } from './metrics.js';

/** A named line on a chart. */
interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { left: 64, right: 16, top: 32, bottom: 40 };

/**
 * Renders the training and evaluation curves of a run as a standalone SVG
 * document: loss against step on top (training and held-out), and held-out
 * accuracy (classification) or RMSE (regression) below.
 */
export function renderPlot(records: MetricsRecord[], title: string): string {
  const train = records.filter((record) => record.kind === 'train');
  const evals = records.filter((record) => record.kind === 'eval');

  const lossChart = renderChart(
    'loss',
    [
      {
        name: 'train loss',
        color: '#1f77b4',
        points: smooth(train.map((record) => [record.step, record.loss])),
      },
      {
        name: 'held-out loss',
        color: '#d62728',
        points: evals.map((record) => [record.step, record.loss]),
      },
    ],
    0,
  );

  const accuracy = evals.filter((record) => record.accuracy !== undefined);
  const second =
    accuracy.length > 0
      ? {
          name: 'held-out accuracy',
          points: accuracy.map(
            (record) =>
              [record.step, record.accuracy as number] as [number, number],
          ),
        }
      : {
          name: 'held-out RMSE',
          points: evals
            .filter((record) => record.rmse !== undefined)
            .map(
              (record) =>
                [record.step, record.rmse as number] as [number, number],
            ),
        };
  const metricChart = renderChart(
    second.name,
    [{ name: second.name, color: '#2ca02c', points: second.points }],
    HEIGHT,
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${2 * HEIGHT + 24}" viewBox="0 0 ${WIDTH} ${2 * HEIGHT + 24}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="12">${escapeXml(shorten(title, 96))}</text>`,
    `<g transform="translate(0, 24)">`,
    lossChart,
    metricChart,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** Averages noisy per-step losses over windows, keeping up to 400 points. */
function smooth(points: [number, number][]): [number, number][] {
  const window = Math.max(1, Math.ceil(points.length / 400));
  const result: [number, number][] = [];
  for (let start = 0; start < points.length; start += window) {
    const slice = points.slice(start, start + window);
    const mean = slice.reduce((sum, [, y]) => sum + y, 0) / slice.length;
    result.push([(slice[slice.length - 1] as [number, number])[0], mean]);
  }
  return result;
}

/** Renders one chart with axes, ticks and a legend at vertical offset `top`. */
function renderChart(label: string, series: Series[], top: number): string {
  const finite = series.flatMap((line) =>
    line.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const parts: string[] = [`<g transform="translate(0, ${top})">`];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;

  if (finite.length === 0) {
    parts.push(
      `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no ${escapeXml(label)} recorded</text>`,
      '</g>',
    );
    return parts.join('\n');
  }

  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const toX = (x: number) =>
    MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const toY = (y: number) =>
    MARGIN.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;

  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    const x = xMin + ((xMax - xMin) * i) / 4;
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${toY(y) + 4}" text-anchor="end">${formatTick(y)}</text>`,
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${toY(y)}" y2="${toY(y)}" stroke="#eee"/>`,
      `<text x="${toX(x)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${Math.round(x)}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">step</text>`,
  );

  series.forEach((line, index) => {
    const points = line.points.filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y),
    );
    if (points.length > 0) {
      const path = points
        .map(([x, y]) => `${toX(x).toFixed(1)},${toY(y).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<polyline points="${path}" fill="none" stroke="${line.color}" stroke-width="1.5"/>`,
      );
      if (points.length === 1) {
        const [x, y] = points[0] as [number, number];
        parts.push(
          `<circle cx="${toX(x)}" cy="${toY(y)}" r="3" fill="${line.color}"/>`,
        );
      }
    }
    const legendX = MARGIN.left + 8 + index * 150;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 20}" y1="${MARGIN.top - 12}" y2="${MARGIN.top - 12}" stroke="${line.color}" stroke-width="2"/>`,
      `<text x="${legendX + 24}" y="${MARGIN.top - 8}">${escapeXml(line.name)}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** Cuts a title to `max` characters, keeping its end, which names the data. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(text.length - max + 3)}`;
}

function formatTick(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
