import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderMarkdown } from './format/markdown.js';
import { lengthSweepSeries, renderLogLogSvg } from './format/svg.js';
import { type BenchReport, REPORT_VERSION } from './report.js';

/** File names the harness writes into its output folder. */
export const REPORT_FILES = {
  json: 'benchmarks.json',
  markdown: 'benchmarks.md',
  plot: 'benchmark-time-per-token.svg',
} as const;

/**
 * Writes the JSON, markdown and SVG files of a report into `outDir`. The
 * SVG is left out when the report has no length sweep to plot.
 *
 * @param report The report.
 * @param outDir The folder, created if missing.
 * @returns The paths written.
 */
export async function writeReportFiles(
  report: BenchReport,
  outDir: string,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const jsonPath = path.join(outDir, REPORT_FILES.json);
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return [jsonPath, ...(await writeRenderedFiles(report, outDir))];
}

/**
 * Writes the markdown and SVG files of a report, leaving the JSON as it is.
 *
 * @param report The report.
 * @param outDir The folder, created if missing.
 * @returns The paths written.
 */
export async function writeRenderedFiles(
  report: BenchReport,
  outDir: string,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];

  const series = lengthSweepSeries(report.cases);
  let plot: string | undefined;
  if (series.length > 0) {
    const svg = renderLogLogSvg(series, {
      title: 'SSM layer: time per token against length (batch 1)',
      x: 'length L (tokens)',
      y: 'seconds per token',
    });
    const svgPath = path.join(outDir, REPORT_FILES.plot);
    await writeFile(svgPath, svg);
    written.push(svgPath);
    plot = REPORT_FILES.plot;
  }

  const markdown = renderMarkdown(report, {
    json: REPORT_FILES.json,
    ...(plot === undefined ? {} : { plot }),
  });
  const markdownPath = path.join(outDir, REPORT_FILES.markdown);
  await writeFile(markdownPath, markdown);
  written.push(markdownPath);
  return written;
}

/**
 * Reads a report JSON written by `writeReportFiles`.
 *
 * @param jsonPath The file.
 * @returns The report.
 * @throws Error if the file is not valid JSON or has another report version.
 */
export async function readReport(jsonPath: string): Promise<BenchReport> {
  const text = await readFile(jsonPath, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${jsonPath} is not valid JSON: ${String(error)}`);
  }
  const version = (parsed as { version?: unknown }).version;
  if (version !== REPORT_VERSION) {
    throw new Error(
      `${jsonPath}: expected report version ${REPORT_VERSION}, got ${JSON.stringify(version)}.`,
    );
  }
  return parsed as BenchReport;
}
