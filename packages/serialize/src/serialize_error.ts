/**
 * An error raised for an invalid argument to a model file or checkpoint
 * function. The message names the function, the argument, the expected value
 * and the actual one. Problems inside a file raise `SafetensorsError`
 * instead.
 */
export class SerializeError extends Error {
  override name = 'SerializeError';
}
