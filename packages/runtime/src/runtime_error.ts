/** An error raised when the tfjs runtime cannot be prepared. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}
