/**
 * An error the user can fix: a bad flag, file, column or config value. The
 * command line prints its message as one line, without a stack trace unless
 * `--verbose` is given, and exits with status 1.
 */
export class TrainerError extends Error {
  override name = 'TrainerError';
}

/** Raised when the loss becomes NaN or infinite; names the step. */
export class DivergenceError extends TrainerError {
  override name = 'DivergenceError';

  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `The training loss became ${loss} at step ${step}. The last good ` +
        'checkpoint is kept in the run folder. Lower the learning rate or ' +
        'gradClipNorm and resume or start again.',
    );
  }
}
