/** Maximum length of a value rendered inside a problem message, in characters. */
const MAX_VALUE_LENGTH = 60;

/**
 * Renders a config value for a problem message: strings JSON-quoted, numbers
 * and literals as written, objects and arrays as compact JSON, `undefined` as
 * `missing`. A rendering longer than 60 characters is cut short with `...`.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) {
    return 'missing';
  }

  let text: string;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    text = String(value);
  } else if (typeof value === 'bigint') {
    text = `${value}n`;
  } else if (typeof value === 'function' || typeof value === 'symbol') {
    text = `a ${typeof value}`;
  } else {
    text = safeStringify(value);
  }

  if (text.length > MAX_VALUE_LENGTH) {
    return `${text.slice(0, MAX_VALUE_LENGTH - 3)}...`;
  }
  return text;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle, or a toJSON that throws.
    return Object.prototype.toString.call(value);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Joins a property path the way it is written in JavaScript:
 * `dataset.features[2]`, with a key that is not an identifier quoted, as in
 * `model["hidden size"]`. The empty path, the config itself, is `<root>`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
    } else if (typeof key === 'symbol' || !IDENTIFIER.test(key)) {
      text += `[${JSON.stringify(String(key))}]`;
    } else if (text === '') {
      text = key;
    } else {
      text += `.${key}`;
    }
  }
  return text === '' ? '<root>' : text;
}

/** Reads the value at `path` inside `root`, or `undefined` where it is absent. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    if (!Object.hasOwn(current, key)) {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
