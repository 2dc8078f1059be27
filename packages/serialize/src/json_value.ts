import { SerializeError } from './serialize_error.js';

/** A value that `JSON.stringify` and `JSON.parse` round-trip unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Checks that `value` is plain JSON, so that storing it as text loses
 * nothing. Functions, BigInts, NaN, infinities, class instances, cycles and
 * `undefined` are rejected, because `JSON.stringify` would turn them into
 * `null`, drop them or throw. The exception is an object member whose value
 * is `undefined`, which is accepted and dropped, as optional fields are.
 *
 * @param value The value to check.
 * @param path The argument name used in errors, such as `checkpoint.rngState`.
 * @throws SerializeError naming the first invalid member's path.
 */
export function checkJsonValue(
  value: unknown,
  path: string,
  seen: Set<object> = new Set(),
): asserts value is JsonValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new SerializeError(
        `${path} must be JSON-serializable, but it is ${value}, which JSON cannot store`,
      );
    }
    return;
  }
  if (typeof value !== 'object') {
    throw new SerializeError(
      `${path} must be JSON-serializable, but it is ${value === undefined ? 'undefined' : `a ${typeof value}`}`,
    );
  }

  if (seen.has(value)) {
    throw new SerializeError(
      `${path} must be JSON-serializable, but it is a cycle`,
    );
  }
  const prototype = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    seen.add(value);
    value.forEach((item, index) => {
      checkJsonValue(item, `${path}[${index}]`, seen);
    });
    seen.delete(value);
    return;
  }
  if (prototype !== Object.prototype && prototype !== null) {
    throw new SerializeError(
      `${path} must be JSON-serializable, but it is a ${value.constructor?.name ?? 'class instance'}`,
    );
  }
  seen.add(value);
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) {
      checkJsonValue(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(value);
}
