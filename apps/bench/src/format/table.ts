import type { CaseResult } from '../report.js';
import {
  formatMebibytes,
  formatNumber,
  formatPercent,
  formatSeconds,
} from './units.js';

/** Column headings of the case table, shared by the terminal and markdown. */
export const CASE_COLUMNS = [
  'case',
  'median',
  'min',
  'max',
  'per token',
  'GFLOP/s',
  'of matMul',
  'peak tensors',
  'RSS',
] as const;

/**
 * Turns a case result into the cells of one table row, in `CASE_COLUMNS`
 * order. A skipped or failed case shows its status and reason.
 *
 * @param result One case result.
 * @returns The cells as text.
 */
export function caseRow(result: CaseResult): string[] {
  if (result.status !== 'ok' || result.seconds === undefined) {
    const note = `${result.status}: ${result.reason ?? 'no reason given'}`;
    return [result.name, note, '', '', '', '', '', '', ''];
  }
  const { seconds } = result;
  return [
    result.name,
    formatSeconds(seconds.median),
    formatSeconds(seconds.min),
    formatSeconds(seconds.max),
    formatSeconds(result.secondsPerToken),
    formatNumber(result.gflopsPerSecond),
    formatPercent(result.rooflineFraction),
    formatMebibytes(result.memory?.peakTensorBytes),
    formatMebibytes(result.memory?.rssBytes),
  ];
}

/**
 * Formats the extra metrics of a case, such as `accuracy 81.0%, steps 120`.
 * Keys named `accuracy` print as percentages.
 *
 * @param metrics The metrics, or undefined.
 * @returns The text; empty when there is no metric.
 */
export function formatMetrics(
  metrics: Record<string, number> | undefined,
): string {
  if (metrics === undefined) {
    return '';
  }
  return Object.entries(metrics)
    .map(([key, value]) =>
      key === 'accuracy'
        ? `${key} ${formatPercent(value)}`
        : `${key} ${formatNumber(value)}`,
    )
    .join(', ');
}

/**
 * Chooses the columns and rows of one group's table: `CASE_COLUMNS`, plus a
 * `metrics` column when a case of the group has metrics.
 *
 * @param members The cases of the group.
 * @returns The header and the rows.
 */
export function groupTable(members: readonly CaseResult[]): {
  header: string[];
  rows: string[][];
} {
  const withMetrics = members.some((result) => result.metrics !== undefined);
  const header: string[] = [...CASE_COLUMNS];
  if (withMetrics) {
    header.push('metrics');
  }
  const rows = members.map((result) => {
    const row = caseRow(result);
    return withMetrics ? [...row, formatMetrics(result.metrics)] : row;
  });
  return { header, rows };
}

/**
 * Lays out rows as a plain-text table with columns padded to a common
 * width: text columns left-aligned, the rest right-aligned.
 *
 * @param header Column headings.
 * @param rows Cells, each row as long as `header`.
 * @param leftAligned How many leading columns are left-aligned.
 * @returns The table, one line per row after a heading and a rule.
 */
export function formatTextTable(
  header: readonly string[],
  rows: readonly string[][],
  leftAligned = 1,
): string {
  const widths = header.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column < leftAligned ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();

  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Formats all case results as one terminal table per suite and group.
 *
 * @param cases The results, in run order.
 * @returns The tables, each under a `suite / group` title.
 */
export function formatTerminalReport(cases: readonly CaseResult[]): string {
  const sections: string[] = [];
  for (const [title, members] of groupCases(cases)) {
    const { header, rows } = groupTable(members);
    const table = formatTextTable(header, rows);
    sections.push(`${title}\n${table}`);
  }
  return sections.join('\n\n');
}

/**
 * Groups case results by suite and group, keeping the order of first
 * appearance.
 *
 * @param cases The results, in run order.
 * @returns A map from `suite / group` to its cases.
 */
export function groupCases(
  cases: readonly CaseResult[],
): Map<string, CaseResult[]> {
  const groups = new Map<string, CaseResult[]>();
  for (const result of cases) {
    const title = `${result.suite} / ${result.group}`;
    const members = groups.get(title) ?? [];
    members.push(result);
    groups.set(title, members);
  }
  return groups;
}
