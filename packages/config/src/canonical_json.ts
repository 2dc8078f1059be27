import { ConfigError, type ConfigProblem, problemAt } from './config_error.js';
import { formatValue } from './format.js';

/**
 * Copies a JSON value with the keys of every object sorted by UTF-16 code
 * units, dropping object properties whose value is `undefined` (as
 * `JSON.stringify` does) and recording anything else JSON cannot represent.
 */
function sortKeys(
  value: unknown,
  path: PropertyKey[],
  problems: ConfigProblem[],
  ancestors: Set<object> = new Set(),
): unknown {
  if (value === null || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      problems.push(problemAt(path, value, `${value} is not valid in JSON`));
    }
    return value;
  }
  if (typeof value === 'object' && ancestors.has(value)) {
    problems.push(
      problemAt(
        path,
        value,
        'circular reference to an enclosing object or array',
      ),
    );
    return null;
  }
  if (Array.isArray(value)) {
    ancestors.add(value);
    const items = value.map((item, index) =>
      sortKeys(item, [...path, index], problems, ancestors),
    );
    ancestors.delete(value);
    return items;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    ancestors.add(value);
    const sorted: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      if (record[key] !== undefined) {
        sorted[key] = sortKeys(
          record[key],
          [...path, key],
          problems,
          ancestors,
        );
      }
    }
    ancestors.delete(value);
    return sorted;
  }

  problems.push(
    problemAt(path, value, `${formatValue(value)} is not a JSON value`),
  );
  return null;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function canonicalize(config: object): unknown {
  const problems: ConfigProblem[] = [];
  const sorted = sortKeys(config, [], problems);
  if (problems.length > 0) {
    throw new ConfigError('config for JSON', problems);
  }
  return sorted;
}

/**
 * Serializes a config as JSON with the keys of every object sorted and a
 * 2-space indent, so equal configs give equal text. There is no trailing
 * newline. `parseModelConfig(JSON.parse(configToJson(c)))` deep-equals a
 * parsed model config `c`, and likewise for training configs.
 *
 * @param config A config made of plain objects, arrays, strings, finite
 *   numbers, booleans and `null`; properties set to `undefined` are left out.
 * @throws ConfigError naming each value that JSON cannot represent, such as
 *   `NaN` or a `Map`.
 */
export function configToJson(config: object): string {
  return JSON.stringify(canonicalize(config), null, 2);
}

const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** Hashes bytes with 64-bit FNV-1a (Fowler, Noll and Vo). */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

/**
 * Returns a 16-digit lowercase hex hash of a config, for naming runs: the
 * 64-bit FNV-1a hash of the UTF-8 bytes of the config's canonical JSON (keys
 * sorted, no whitespace). Equal configs hash equally whatever their key
 * order, in Node and in browsers. Hash a parsed config, so that a default
 * left out and the same default written out give the same hash.
 *
 * NOTE: FNV-1a is not a cryptographic hash; it names runs and detects
 * accidental changes, but anyone can craft two configs with the same hash.
 *
 * @throws ConfigError naming each value that JSON cannot represent.
 */
export function configHash(config: object): string {
  const canonical = JSON.stringify(canonicalize(config));
  const hash = fnv1a64(new TextEncoder().encode(canonical));
  return hash.toString(16).padStart(16, '0');
}
