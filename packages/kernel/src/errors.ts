/** An error raised by `@s4d/kernel` for invalid arguments. */
export class SsmError extends Error {
  override name = 'SsmError';
}
