import { z } from 'zod';
import { type ConfigProblem, problemAt } from './config_error.js';
import { formatValue } from './format.js';

/** A broken rule that involves more than one field, found by a {@link CrossFieldRule}. */
export interface RuleViolation {
  /** Path of the offending field, relative to the checked object. */
  path: PropertyKey[];
  value: unknown;
  message: string;
}

/**
 * Checks a rule across the fields of one object. It receives values that may
 * have failed their own field rules, so it must check their types itself.
 */
export type CrossFieldRule = (
  value: Readonly<Record<string, unknown>>,
) => RuleViolation[];

/** Tests for a finite number greater than zero. */
export function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Wraps a cross-field rule as a zod check that reports `custom` issues. */
export function checkRule<T extends object>(
  rule: CrossFieldRule,
): (payload: z.core.ParsePayload<T>) => void {
  return (payload) => {
    const value = payload.value as Readonly<Record<string, unknown>>;
    for (const violation of rule(value)) {
      payload.issues.push({
        code: 'custom',
        path: violation.path,
        message: violation.message,
        input: violation.value,
      });
    }
  };
}

/**
 * Runs a cross-field rule on raw input, with `defaults` standing in for
 * absent fields, and returns its problems under `prefix`.
 *
 * zod 4.6.7 skips an object's checks once a field fails a type check, so
 * the parsers call this as well to list every problem at once.
 */
export function applyRuleToInput(
  rule: CrossFieldRule,
  input: unknown,
  defaults: Readonly<Record<string, unknown>>,
  prefix: readonly PropertyKey[] = [],
): ConfigProblem[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return [];
  }

  const value = { ...defaults, ...(input as Record<string, unknown>) };
  return rule(value).map((v) =>
    problemAt([...prefix, ...v.path], v.value, v.message),
  );
}

/**
 * Returns a zod error function for a required field whose message for a
 * missing value names what to give: `missing; expected ${what}`. Other issues
 * keep the parser's messages.
 */
export function missingMessage(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `missing; expected ${what}` : undefined;
}

/**
 * Returns a number schema for a field that also accepts `null`, whose type
 * error mentions null: `"any" is not a number or null`.
 */
export function numberOrNull() {
  return z.number({
    error: (issue) =>
      issue.code === 'invalid_type' && issue.expected === 'number'
        ? `${formatValue(issue.input)} is not a number or null`
        : undefined,
  });
}
