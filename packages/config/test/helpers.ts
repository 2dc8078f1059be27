import { expect } from 'vitest';
import { ConfigError, type ConfigProblem } from '../src/index.js';

/** Runs `parse` and returns the problems of the ConfigError it throws. */
export function problemsOf(parse: () => unknown): readonly ConfigProblem[] {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError, but parsing succeeded');
}

/** Runs `parse` and returns the message of the ConfigError it throws. */
export function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, but parsing succeeded');
}
