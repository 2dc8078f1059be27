import cliProgress from 'cli-progress';

/** Values shown for the latest step. */
export interface ProgressValues {
  step: number;
  loss: number;
  sequencesPerSecond: number;
}

/** Shows training progress: a bar on a terminal, periodic lines elsewhere. */
export interface Progress {
  update(values: ProgressValues): void;
  /** Prints a line above the bar (or as a plain line). */
  log(line: string): void;
  stop(): void;
}

/**
 * Creates a progress display for `totalSteps` steps starting at `firstStep`.
 * On a TTY it is a `cli-progress` bar with step, loss, throughput and ETA;
 * otherwise a plain line every `intervalSeconds` and at the last step.
 */
export function createProgress(
  totalSteps: number,
  firstStep: number,
  options: {
    tty: boolean;
    intervalSeconds?: number;
    write?: (line: string) => void;
  },
): Progress {
  const write = options.write ?? ((line: string) => console.log(line));
  if (options.tty) {
    return new BarProgress(totalSteps, firstStep);
  }
  return new LineProgress(
    totalSteps,
    firstStep,
    options.intervalSeconds ?? 10,
    write,
  );
}

class BarProgress implements Progress {
  private readonly bars: cliProgress.MultiBar;
  private readonly bar: cliProgress.SingleBar;

  constructor(total: number, first: number) {
    this.bars = new cliProgress.MultiBar(
      {
        format:
          'step {value}/{total} [{bar}] loss {loss} | {speed} seq/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(total, first, { loss: '-', speed: '-' });
  }

  update(values: ProgressValues): void {
    this.bar.update(values.step, {
      loss: values.loss.toFixed(4),
      speed: values.sequencesPerSecond.toFixed(1),
    });
  }

  log(line: string): void {
    this.bars.log(`${line}\n`);
  }

  stop(): void {
    this.bars.stop();
  }
}

class LineProgress implements Progress {
  private lastPrint = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly first: number,
    private readonly intervalSeconds: number,
    private readonly write: (line: string) => void,
  ) {}

  update(values: ProgressValues): void {
    const now = Date.now();
    const due = now - this.lastPrint >= this.intervalSeconds * 1000;
    if (!due && values.step < this.total) {
      return;
    }
    this.lastPrint = now;
    const done = values.step - this.first;
    const elapsed = (now - this.started) / 1000;
    const eta =
      done > 0 ? ((this.total - values.step) * elapsed) / done : Number.NaN;
    this.write(
      `step ${values.step}/${this.total} loss ${values.loss.toFixed(4)} ` +
        `${values.sequencesPerSecond.toFixed(1)} seq/s ETA ${formatSeconds(eta)}`,
    );
  }

  log(line: string): void {
    this.write(line);
  }

  stop(): void {}
}

/** Formats seconds as `1h02m03s`, `2m05s` or `7s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return '-';
  }
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) {
    return `${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
  }
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
