/** An error raised by `@s4d/model` for invalid options or inputs. */
export class ModelError extends Error {
  override name = 'ModelError';
}
