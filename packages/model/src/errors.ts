/** An error raised by `@s4d/model` for invalid options or inputs. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** Formats a value for an error message, quoting strings so their type shows. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
