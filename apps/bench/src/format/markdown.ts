import type { Highlight } from '../highlights.js';
import type { BenchReport } from '../report.js';
import { groupCases, groupTable } from './table.js';
import { formatNumber, formatPercent, formatSeconds } from './units.js';

/** Links from the markdown report to its companion files. */
export interface MarkdownLinks {
  /** Path of the JSON the report is rendered from, relative to the page. */
  json: string;
  /** Path of the time-per-token plot, relative to the page; none if absent. */
  plot?: string;
}

/**
 * Renders a benchmark report as a markdown page: how it was produced, the
 * machine, the headline figures, the rooflines, the plot and one table per
 * suite and group.
 *
 * @param report The report, as written to JSON.
 * @param links Relative paths of the JSON and the plot.
 * @returns The page text, ending in a newline.
 */
export function renderMarkdown(
  report: BenchReport,
  links: MarkdownLinks,
): string {
  const { machine } = report;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `This page is generated from [\`${links.json}\`](${links.json}) by ` +
      '`apps/bench`, so edit the harness, not this page. `pnpm bench` ' +
      'measures again, and `node apps/bench/dist/main.js render ' +
      'PATH/TO/benchmarks.json` rewrites the page from the JSON. ' +
      'Absolute times ' +
      'depend on the machine and on what else runs on it. Ratios between ' +
      'cases of the same run are the figures to compare.',
    '',
    '## Run',
    '',
    `- Command: \`${report.command}\``,
    `- Date: ${report.date}`,
    `- Revision: \`${report.revision}\``,
    `- Mode: ${report.quick ? 'quick (tiny sizes, one run each; not a measurement)' : 'full'}`,
    `- Suites: ${report.suites.join(', ')}`,
    `- Runs per case: ${report.warmup} warm-up${report.warmupSeconds ? ` and more for at least ${report.warmupSeconds} s` : ''}, then up to ${report.repeats} timed`,
    `- Duration: ${formatSeconds(report.durationSeconds)}`,
    `- One-minute load average: ${machine.loadAverage.start.toFixed(2)} at the start, ` +
      `${machine.loadAverage.end.toFixed(2)} at the end, on ${machine.cores} cores. ` +
      'Other processes may have been running.',
    '',
    '## Machine',
    '',
    ...formatMarkdownTable(
      ['item', 'value'],
      [
        ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
        ['memory', `${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB`],
        ['platform', machine.platform],
        ['Node', machine.node],
        ['tfjs-core', machine.tfjsCore],
        ['tfjs-layers', machine.tfjsLayers],
        [
          'WASM backend',
          `SIMD ${machine.wasmSimd ? 'on' : 'off'}, ${machine.wasmThreads} thread(s)`,
        ],
      ],
    ),
    '',
    '## Headline figures',
    '',
  ];

  if (report.highlights.length === 0) {
    lines.push('No headline figure: the cases they need did not run.', '');
  } else {
    const rows = report.highlights.map((highlight) => [
      highlight.label,
      formatHighlight(highlight),
      highlight.detail,
    ]);
    lines.push(
      ...formatMarkdownTable(['figure', 'value', 'context'], rows, [1]),
      '',
    );
  }

  lines.push(
    '## Roofline',
    '',
    'The ceiling is the measured rate of one 2-D `tf.matMul` on each ' +
      'backend: its fastest timed run, measured before the first case and ' +
      'after the last, keeping the faster. ' +
      "The `of matMul` column of the tables below is a case's estimated " +
      'GFLOP/s over this rate.',
    '',
  );
  const rooflineRows = report.rooflines.map((roofline) => {
    const [m, k, n] = roofline.shape;
    return [
      roofline.backend,
      `[${m}, ${k}] x [${k}, ${n}]`,
      formatNumber(roofline.gflopsPerSecond),
    ];
  });
  lines.push(
    ...formatMarkdownTable(
      ['backend', 'matMul shape', 'GFLOP/s'],
      rooflineRows,
      [2],
    ),
    '',
  );

  if (links.plot !== undefined) {
    lines.push(
      '## Time per token against length',
      '',
      `![Time per token against length, log-log](${links.plot})`,
      '',
    );
  }

  lines.push('## Cases', '');
  for (const [title, members] of groupCases(report.cases)) {
    lines.push(`### ${title}`, '');
    const { header, rows } = groupTable(members);
    const rightAligned = header.map((_, column) => column).slice(1);
    lines.push(...formatMarkdownTable(header, rows, rightAligned), '');
  }

  const leaking = report.cases.filter(
    (result) => (result.leakedTensors ?? 0) !== 0,
  );
  if (leaking.length > 0) {
    const list = leaking
      .map((result) => `${result.name} (${result.leakedTensors})`)
      .join(', ');
    lines.push(
      `Tensors left alive by the timed runs: ${list}. A training case ` +
        'without warm-up counts its optimizer slots here.',
      '',
    );
  }

  lines.push(
    '## Method',
    '',
    '- Each case prepares its inputs and weights, runs the warm-up runs, ' +
      'then times each run from the call to the read-back of every output ' +
      'tensor, so work the backend does asynchronously is counted. Inputs ' +
      'are standard normal with fixed seeds.',
    '- `fwd+bwd` computes the gradients of `sum(y)` with respect to the ' +
      'input and every parameter. A training step is one Adam update on a ' +
      'mean squared error against a fixed random target.',
    '- `per token` is the median over batch times length. `GFLOP/s` comes ' +
      'from an operation count, not a counter: the FFT convolution model ' +
      'for `ssmForward` (kernel, three real FFTs of size 2L per row, spectral ' +
      'product, skip), the executed dense DFT matMuls for the plain-ops ' +
      'layer, the gate matMuls for GRU and LSTM, and 2 per parameter and ' +
      'token plus the FFT model for the S4D model. A backward pass counts ' +
      'twice its forward.',
    "- `peak tensors` is the peak of tfjs's live tensor bytes during one " +
      'run under `tf.profile`: the first warm-up run, or a run after the ' +
      'timed ones when there is no warm-up. `RSS` is the resident set size ' +
      'after that run. The WASM heap never shrinks, so it also carries ' +
      'earlier cases. The process peak is in the JSON as `maxRssBytes`.',
    '- The plain-ops layer materializes [channels, modes, length] ' +
      'Vandermonde tensors and [length, 2 (length + 1)] DFT matrices, so it ' +
      'runs only at the lengths that fit in memory.',
    '- `@s4d/kernel` registers the same kernel functions for both ' +
      'backends, and its convolution runs in its own PFFFT WASM module on ' +
      'either. Its CPU rows therefore differ from WASM only in the ' +
      'surrounding tfjs ops, and can pass 100% of the CPU matMul rate. The ' +
      'plain-ops rows show the speed of the backends themselves.',
    '- The tfjs-layers GRU and LSTM use Glorot-uniform recurrent weights ' +
      'instead of the orthogonal default, which needs chained tensor methods ' +
      "that tfjs-core's Node entry does not register; the cost per step is " +
      'the same.',
    '',
  );
  return lines.join('\n');
}

function formatHighlight(highlight: Highlight): string {
  if (highlight.unit === 'seconds') {
    return formatSeconds(highlight.value);
  }
  if (highlight.unit === 'fraction') {
    return formatPercent(highlight.value);
  }
  return `${formatNumber(highlight.value)}x`;
}

/**
 * Lays out a markdown table with every column padded to its widest cell, as
 * Biome's markdown formatter does, so a generated page passes `biome check`.
 *
 * @param header Column headings.
 * @param rows Cells, each row as long as `header`; `|` is escaped here.
 * @param rightAligned Indices of the columns to right-align.
 * @returns The table lines: heading, delimiter row, then one per row.
 */
export function formatMarkdownTable(
  header: readonly string[],
  rows: readonly string[][],
  rightAligned: readonly number[] = [],
): string[] {
  const escaped = [header, ...rows].map((row) => row.map(escapeCell));
  const widths = header.map((_, column) =>
    Math.max(3, ...escaped.map((row) => (row[column] ?? '').length)),
  );
  const right = new Set(rightAligned);
  const line = (cells: readonly string[]) => {
    const padded = widths.map((width, column) => {
      const cell = cells[column] ?? '';
      return right.has(column) ? cell.padStart(width) : cell.padEnd(width);
    });
    return `| ${padded.join(' | ')} |`;
  };
  const delimiter = widths.map((width, column) =>
    right.has(column) ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
  );

  const [headings = [], ...body] = escaped;
  return [line(headings), `| ${delimiter.join(' | ')} |`, ...body.map(line)];
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
