import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configErrorMap } from '../src/issues.js';

/** Parses `input` with `schema` and the config error map; returns the first message. */
function firstMessage(schema: z.ZodType, input: unknown): string | undefined {
  const result = schema.safeParse(input, { error: configErrorMap });
  return result.error?.issues[0]?.message;
}

describe('configErrorMap', () => {
  // Branches that the config schemas do not reach today but a new field may.
  it.each([
    [z.literal('a'), 'b', '"b" is not "a"'],
    [z.strictObject({ k: z.literal('a') }), {}, 'missing; expected one of "a"'],
    [z.number().multipleOf(3), 4, '4 is not a multiple of 3'],
    [
      z.string().min(3),
      'ab',
      '"ab" is too short; expected at least 3 characters',
    ],
    [
      z.array(z.number()).min(2),
      [1],
      '[1] is too short; expected at least 2 items',
    ],
    [z.string().max(2), 'abc', '"abc" is too long; the maximum length is 2'],
    [
      z.array(z.number()).max(1),
      [1, 2],
      '[1,2] is too long; the maximum length is 1',
    ],
    [z.number().max(5), 6, '6 is too large; the maximum is 5'],
    [z.boolean(), 'yes', '"yes" is not a boolean'],
    [z.email(), 'x', '"x" is invalid'],
  ])('describes %#', (schema, input, message) => {
    expect(firstMessage(schema, input)).toBe(message);
  });
});
