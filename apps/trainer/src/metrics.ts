import {
  appendFileSync,
  existsSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';

/** One training step's record in `metrics.jsonl`. */
export interface TrainRecord {
  kind: 'train';
  step: number;
  epoch: number;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate of the `other` group at this step. */
  learningRate: number;
  /** Training throughput in sequences per second. */
  sequencesPerSecond: number;
}

/** One evaluation's record in `metrics.jsonl`. */
export interface EvalRecord {
  kind: 'eval';
  step: number;
  epoch: number;
  loss: number;
  accuracy?: number;
  /** Root mean squared error in the target's unit (regression only). */
  rmse?: number;
}

/** A line of `metrics.jsonl`. */
export type MetricsRecord = TrainRecord | EvalRecord;

/** Appends metric records to a JSON lines file, one object per line. */
export class MetricsLog {
  constructor(readonly path: string) {}

  /** Appends one record. */
  append(record: MetricsRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /** Returns every record in the file, or none if it does not exist. */
  read(): MetricsRecord[] {
    if (!existsSync(this.path)) {
      return [];
    }
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as MetricsRecord);
  }

  /**
   * Drops the records after `step`, so a resumed run continues the file
   * without the steps it is about to repeat.
   */
  truncateAfter(step: number): void {
    const kept = this.read().filter((record) => record.step <= step);
    writeFileSync(
      this.path,
      kept.map((record) => `${JSON.stringify(record)}\n`).join(''),
    );
  }
}
