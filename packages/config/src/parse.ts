import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config_error.js';
import {
  configErrorMap,
  type KnownKeys,
  mergeProblems,
  problemsFromIssues,
} from './issues.js';

/** Schema, error subject and key lookup of one kind of config, for {@link parseWithSchema}. */
export interface ConfigKind<T> {
  /** Name used in error messages, e.g. `model config`. */
  subject: string;
  schema: z.ZodType<T>;
  knownKeys: KnownKeys;
  /** Cross-field rules run on the raw input; see `applyRuleToInput`. */
  crossFieldProblems: (input: unknown) => ConfigProblem[];
}

/**
 * Parses `input` with a config schema.
 *
 * @throws ConfigError listing every problem found.
 */
export function parseWithSchema<T>(kind: ConfigKind<T>, input: unknown): T {
  const result = kind.schema.safeParse(input, { error: configErrorMap });
  if (result.success) {
    return result.data;
  }

  const problems = problemsFromIssues(
    result.error.issues,
    input,
    kind.knownKeys,
  );
  mergeProblems(problems, kind.crossFieldProblems(input));
  throw new ConfigError(kind.subject, problems);
}
