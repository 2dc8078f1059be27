export { type BenchOptions, runBenchmarks } from './bench.js';
export {
  type Command,
  parseCommand,
  USAGE,
  UsageError,
} from './cli.js';
export { renderMarkdown } from './format/markdown.js';
export { lengthSweepSeries, renderLogLogSvg } from './format/svg.js';
export { formatTerminalReport, formatTextTable } from './format/table.js';
export type * from './report.js';
export { median, summarize, type TimingSummary } from './stats.js';
export { measureMemory, timeWorkload, type Workload } from './timing.js';
