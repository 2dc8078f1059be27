import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmarks } from '../src/bench.js';
import { REPORT_FILES, readReport, writeReportFiles } from '../src/output.js';
import type { BenchReport } from '../src/report.js';

// The quick run checks that the harness works end to end; it asserts no time.
let report: BenchReport;
let outDir: string;
const messages: string[] = [];

beforeAll(async () => {
  report = await runBenchmarks({
    quick: true,
    suites: ['kernel', 'model', 'backend', 'mnist'],
    warmup: 0,
    warmupSeconds: 0,
    repeats: 1,
    mnistSeconds: 1,
    command: 'quick test',
    log: (message) => messages.push(message),
  });
  outDir = await mkdtemp(path.join(os.tmpdir(), 's4d-bench-'));
  await writeReportFiles(report, outDir);
}, 300_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('quick run', () => {
  it('runs every suite', () => {
    const suites = new Set(report.cases.map((result) => result.suite));
    expect([...suites]).toEqual(['kernel', 'model', 'backend', 'mnist']);
  });

  it('fails no case', () => {
    const failed = report.cases.filter((result) => result.status === 'failed');
    expect(failed.map((result) => `${result.name}: ${result.reason}`)).toEqual(
      [],
    );
  });

  it('times every case that ran', () => {
    for (const result of report.cases.filter((r) => r.status === 'ok')) {
      expect(result.seconds?.runs, result.name).toBe(1);
      expect(result.seconds?.median, result.name).toBeGreaterThan(0);
    }
  });

  it('rates tokens only where counted', () => {
    for (const result of report.cases.filter((r) => r.status === 'ok')) {
      const rated = result.secondsPerToken !== undefined;
      expect(rated, result.name).toBe(result.tokens > 0);
    }
  });

  it('names every case once', () => {
    const names = report.cases.map((result) => result.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('measures a roofline per backend', () => {
    const backends = report.rooflines.map((roofline) => roofline.backend);
    expect(backends).toEqual(['wasm', 'cpu']);
  });

  it('lists mnist accuracy in the markdown', async () => {
    const markdown = await readFile(
      path.join(outDir, REPORT_FILES.markdown),
      'utf8',
    );
    const line = markdown
      .split('\n')
      .find((row) => row.startsWith('| GRU sMNIST'));
    expect(line).toMatch(/accuracy \d+\.\d%/);
  });

  it('reports an accuracy per mnist model', () => {
    const mnist = report.cases.filter(
      (result) => result.suite === 'mnist' && result.status === 'ok',
    );
    for (const result of mnist) {
      const accuracy = result.metrics?.accuracy ?? -1;
      expect(accuracy, result.name).toBeGreaterThanOrEqual(0);
      expect(accuracy, result.name).toBeLessThanOrEqual(1);
    }
  });

  it('logs one line per case', () => {
    const caseLines = messages.filter((message) =>
      /^\[\d+\/\d+\]/.test(message),
    );
    expect(caseLines.length).toBe(report.cases.length);
  });
});

describe('report files', () => {
  it('write JSON that reads back equal', async () => {
    const read = await readReport(path.join(outDir, REPORT_FILES.json));
    expect(read).toEqual(report);
  });

  it('write markdown with every section', async () => {
    const markdown = await readFile(
      path.join(outDir, REPORT_FILES.markdown),
      'utf8',
    );
    expect(markdown.startsWith('# Benchmarks\n')).toBe(true);
    for (const heading of [
      '## Run',
      '## Machine',
      '## Headline figures',
      '## Roofline',
      '## Time per token against length',
      '## Cases',
      '### kernel / length sweep forward',
      '### mnist / sequential MNIST, fixed training time',
      '## Method',
    ]) {
      expect(markdown).toContain(`\n${heading}\n`);
    }
  });

  it('write markdown tables with even columns', async () => {
    const markdown = await readFile(
      path.join(outDir, REPORT_FILES.markdown),
      'utf8',
    );
    const tables = markdown
      .split('\n\n')
      .filter((block) => block.startsWith('|'));
    for (const table of tables) {
      const rows = table.split('\n');
      const columns = (row: string) =>
        row.replaceAll('\\|', '').split('|').length;
      const first = columns(rows[0] ?? '');
      expect(rows.map(columns), rows[0]).toEqual(rows.map(() => first));
    }
  });

  it('write the time-per-token plot', async () => {
    const svg = await readFile(path.join(outDir, REPORT_FILES.plot), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
  });
});

describe('readReport', () => {
  it('rejects another report version', async () => {
    const file = path.join(outDir, 'old.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, JSON.stringify({ version: 0 })),
    );
    await expect(readReport(file)).rejects.toThrow(
      `${file}: expected report version 1, got 0.`,
    );
  });
});
