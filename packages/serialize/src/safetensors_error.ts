/**
 * An error raised for an invalid safetensors file, or for data that cannot be
 * written to one.
 *
 * The message starts with the file path (or `<buffer>` for in-memory bytes)
 * and, when one tensor is at fault, its name, then states the rule that
 * failed.
 */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';

  /** The file path, or `<buffer>` for bytes that did not come from a file. */
  readonly source: string;

  /** The tensor at fault, or `undefined` for a problem with the whole file. */
  readonly tensor: string | undefined;

  constructor(
    source: string,
    tensor: string | undefined,
    rule: string,
    options?: ErrorOptions,
  ) {
    const where =
      tensor === undefined ? source : `${source}: tensor '${tensor}'`;
    super(`${where}: ${rule}`, options);
    this.source = source;
    this.tensor = tensor;
  }
}

/** The source name used in errors for bytes that did not come from a file. */
export const BUFFER_SOURCE = '<buffer>';
