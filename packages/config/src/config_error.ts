import { formatPath } from './format.js';

/** One reason a config was rejected. */
export interface ConfigProblem {
  /** Path of the value, e.g. `stateSize` or `dataset.features[2]`; `<root>` for the config itself. */
  path: string;
  /** The value given at `path`, or `undefined` when it is missing. */
  value: unknown;
  /** Description of the fault and the rule, e.g. `63 is odd; S4D needs an even state size`. */
  message: string;
}

/**
 * The error that the config parsers throw. `problems` lists every problem
 * found, and the message has one line per problem, `path: message`, under a
 * line naming the config.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';

  /** Name of the parsed config, e.g. `model config`. */
  readonly subject: string;

  /** Every problem found, in the order that validation found them. */
  readonly problems: ConfigProblem[];

  /**
   * @param subject Name of the parsed config, e.g. `model config` or
   *   `training config file runs/job.json`.
   * @param problems At least one problem; the error keeps this array.
   */
  constructor(
    subject: string,
    problems: ConfigProblem[],
    options?: ErrorOptions,
  ) {
    const count =
      problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
    super(`Invalid ${subject} (${count}):\n${lines.join('\n')}`, options);
    this.subject = subject;
    this.problems = problems;
  }
}

/** Builds a problem from a path given as keys. */
export function problemAt(
  path: readonly PropertyKey[],
  value: unknown,
  message: string,
): ConfigProblem {
  return { path: formatPath(path), value, message };
}
