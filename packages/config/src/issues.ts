import type { z } from 'zod';
import { type ConfigProblem, problemAt } from './config_error.js';
import { formatValue, valueAt } from './format.js';
import { suggestKey } from './suggest.js';

/**
 * Returns the keys allowed in the object at `path` inside `input`, for
 * suggesting a replacement for an unknown key.
 */
export type KnownKeys = (
  path: readonly PropertyKey[],
  input: unknown,
) => readonly string[];

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

function describeType(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function listValues(values: readonly unknown[]): string {
  return values.map((v) => formatValue(v)).join(', ');
}

function describeTooSmall(
  issue: z.core.$ZodIssueTooSmall,
  formatted: string,
): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === 'string') {
    return minimum === 1
      ? `${formatted} is empty; expected a non-empty string`
      : `${formatted} is too short; expected at least ${minimum} characters`;
  }
  if (issue.origin === 'array') {
    return minimum === 1
      ? `${formatted} is empty; expected at least one item`
      : `${formatted} is too short; expected at least ${minimum} items`;
  }
  return issue.inclusive
    ? `${formatted} is too small; the minimum is ${minimum}`
    : `${formatted} is too small; it must be greater than ${minimum}`;
}

function describeTooBig(
  issue: z.core.$ZodIssueTooBig,
  formatted: string,
): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === 'string' || issue.origin === 'array') {
    return `${formatted} is too long; the maximum length is ${maximum}`;
  }
  return issue.inclusive
    ? `${formatted} is too large; the maximum is ${maximum}`
    : `${formatted} is too large; it must be less than ${maximum}`;
}

function describeUnion(options: readonly unknown[], value: unknown): string {
  return value === undefined
    ? `missing; expected one of ${listValues(options)}`
    : `${formatValue(value)} is not one of ${listValues(options)}`;
}

/**
 * Writes the message for one zod issue from the value it is about. Given to
 * `safeParse` as its error map, so a message set in the schema itself, as
 * for an odd `stateSize`, takes precedence.
 */
export const configErrorMap: z.core.$ZodErrorMap = (rawIssue) => {
  const issue = rawIssue as z.core.$ZodIssue;
  const value = rawIssue.input;
  const formatted = formatValue(value);

  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? `missing; expected ${describeType(issue.expected)}`
        : `${formatted} is not ${describeType(issue.expected)}`;
    case 'too_small':
      return describeTooSmall(issue, formatted);
    case 'too_big':
      return describeTooBig(issue, formatted);
    case 'invalid_value':
      if (issue.values.length === 1 && value !== undefined) {
        return `${formatted} is not ${formatValue(issue.values[0])}`;
      }
      return describeUnion(issue.values, value);
    case 'not_multiple_of':
      return `${formatted} is not a multiple of ${issue.divisor}`;
    default:
      return `${formatted} is invalid`;
  }
};

/** Returns the allowed values of a discriminator that matched no option. */
function discriminatorOptions(issue: z.core.$ZodIssue): unknown[] | undefined {
  if (issue.code !== 'invalid_union') {
    return undefined;
  }
  const options = (issue as { options?: unknown }).options;
  return Array.isArray(options) ? options : undefined;
}

function describeUnknownKey(key: string, known: readonly string[]): string {
  const suggestion = suggestKey(key, known);
  if (suggestion !== undefined) {
    return `unknown key; did you mean "${suggestion}"?`;
  }
  return `unknown key; expected one of ${known.join(', ')}`;
}

/**
 * Converts the issues of a parse with {@link configErrorMap} into problems
 * that show the given value at each path: one problem per unknown key, with
 * a suggested known key where one is close.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  knownKeys: KnownKeys,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path, input);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const value = valueAt(input, path);
        problems.push(problemAt(path, value, describeUnknownKey(key, known)));
      }
      continue;
    }

    // A discriminator issue reports the whole object as its input, so its
    // message is written here from the discriminator's own value.
    const value = valueAt(input, issue.path);
    const options = discriminatorOptions(issue);
    const message =
      options === undefined ? issue.message : describeUnion(options, value);
    problems.push(problemAt(issue.path, value, message));
  }
  return problems;
}

/** Appends the problems of `extra` that `problems` does not list yet. */
export function mergeProblems(
  problems: ConfigProblem[],
  extra: readonly ConfigProblem[],
): ConfigProblem[] {
  const seen = new Set(problems.map((p) => `${p.path}\n${p.message}`));
  for (const problem of extra) {
    const key = `${problem.path}\n${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}
