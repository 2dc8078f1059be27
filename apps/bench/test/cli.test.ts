import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli.js';

describe('parseCommand', () => {
  it('defaults to a full run of the default suites', () => {
    expect(parseCommand([])).toEqual({
      kind: 'run',
      quick: false,
      suites: ['kernel', 'model', 'backend'],
      warmup: 1,
      warmupSeconds: 3,
      repeats: 5,
      mnistSeconds: 60,
    });
  });

  it('uses one run per case in quick mode', () => {
    const command = parseCommand(['--quick']);
    expect(command).toMatchObject({
      quick: true,
      warmup: 0,
      warmupSeconds: 0,
      repeats: 1,
    });
  });

  it('parses suites, counts and the output folder', () => {
    const command = parseCommand([
      'run',
      '--suite',
      'mnist,kernel,mnist',
      '--repeats',
      '3',
      '--warmup',
      '0',
      '--warmup-seconds',
      '1.5',
      '--out-dir',
      'out',
      '--filter',
      'L1024',
    ]);
    expect(command).toMatchObject({
      filter: 'L1024',
      suites: ['mnist', 'kernel'],
      repeats: 3,
      warmup: 0,
      warmupSeconds: 1.5,
      outDir: 'out',
    });
  });

  it('parses render with a JSON path', () => {
    expect(parseCommand(['render', 'docs/benchmarks.json'])).toEqual({
      kind: 'render',
      jsonPath: 'docs/benchmarks.json',
    });
  });

  it('drops a leading separator', () => {
    expect(parseCommand(['--', '--quick'])).toMatchObject({ quick: true });
  });

  it('parses help', () => {
    expect(parseCommand(['-h'])).toEqual({ kind: 'help' });
  });

  it('rejects an unknown suite', () => {
    expect(() => parseCommand(['--suite', 'gpu'])).toThrow(
      '--suite: unknown suite "gpu"; expected one of kernel, model, backend, mnist.',
    );
  });

  it('rejects an empty suite list', () => {
    expect(() => parseCommand(['--suite', ','])).toThrow(
      '--suite must name at least one suite, got none.',
    );
  });

  it('rejects a zero repeat count', () => {
    expect(() => parseCommand(['--repeats', '0'])).toThrow(
      '--repeats must be an integer >= 1, got "0".',
    );
  });

  it('rejects warm-up seconds that are not a number', () => {
    expect(() => parseCommand(['--warmup-seconds', 'abc'])).toThrow(
      '--warmup-seconds must be a number of seconds >= 0, got "abc".',
    );
  });

  it('rejects a fractional warm-up count', () => {
    expect(() => parseCommand(['--warmup', '1.5'])).toThrow(
      '--warmup must be an integer >= 0, got "1.5".',
    );
  });

  it('rejects an unknown option', () => {
    expect(() => parseCommand(['--fast'])).toThrow(
      /^Unknown option '--fast'\..* Run with --help for the options\.$/,
    );
  });

  it('rejects an unknown command', () => {
    expect(() => parseCommand(['plot'])).toThrow(
      'unknown command "plot"; expected run or render.',
    );
  });

  it('rejects render without a path', () => {
    expect(() => parseCommand(['render'])).toThrow(
      'render expects exactly one JSON path, got 0.',
    );
  });

  it('rejects positional arguments to run', () => {
    expect(() => parseCommand(['run', 'extra'])).toThrow(
      'run takes no positional arguments, got "extra".',
    );
  });
});
