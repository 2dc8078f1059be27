/** Options of the learning-rate schedule. */
export interface ScheduleOptions {
  /** `cosine`: warmup then cosine decay to 0; `constant`: warmup then flat. */
  schedule: 'cosine' | 'constant';
  warmupSteps: number;
  totalSteps: number;
}

/**
 * Returns the factor, in [0, 1], that multiplies every base learning rate at
 * a step (0-based): linear warmup `(step + 1) / warmupSteps`, then for
 * `cosine` the decay `0.5 * (1 + cos(pi * progress))` where progress runs
 * from 0 after warmup to 1 at `totalSteps`.
 */
export function learningRateFactor(
  step: number,
  options: ScheduleOptions,
): number {
  const { warmupSteps, totalSteps } = options;
  if (step < warmupSteps) {
    return (step + 1) / warmupSteps;
  }
  if (options.schedule === 'constant') {
    return 1;
  }
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  return 0.5 * (1 + Math.cos(Math.PI * progress));
}
