/** Leveled console output of the command line; errors go to stderr. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** Creates a logger; `debug` lines print only when `verbose` is set. */
export function createLogger(verbose: boolean): Logger {
  return {
    info: (message) => console.log(message),
    warn: (message) => console.error(`warning: ${message}`),
    error: (message) => console.error(`error: ${message}`),
    debug: (message) => {
      if (verbose) {
        console.error(message);
      }
    },
  };
}
