/**
 * An error the user can fix: a bad flag, file, column or config value. The
 * command line prints its message as one line, without a stack trace unless
 * `--verbose` is given, and exits with status 1.
 */
export class TrainerError extends Error {
  override name = 'TrainerError';
}

/**
 * Raised when the loss or the gradient norm becomes NaN or infinite; names
 * the step and the quantity.
 */
export class DivergenceError extends TrainerError {
  override name = 'DivergenceError';

  constructor(
    readonly step: number,
    readonly value: number,
    readonly quantity: 'training loss' | 'gradient norm' = 'training loss',
  ) {
    super(
      `The ${quantity} became ${value} at step ${step}. The last good ` +
        'checkpoint is kept in the run folder. Lower the learning rate or ' +
        'gradClipNorm and resume or start again.',
    );
  }
}

/**
 * Raised when a worker thread throws or exits during a run. The message
 * names the worker and its error.
 */
export class WorkerError extends TrainerError {
  override name = 'WorkerError';

  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`Worker ${index} failed: ${reason}`);
  }
}
