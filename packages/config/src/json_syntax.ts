/** Position and reason of the first error in a text that is not valid JSON (RFC 8259). */
export interface JsonSyntaxError {
  /** Offset of the offending character, in UTF-16 code units. */
  offset: number;
  /** 1-based line of the offending character. */
  line: number;
  /** 1-based column of the offending character, in UTF-16 code units. */
  column: number;
  /** Description of the error at that position. */
  reason: string;
}

class SyntaxFailure extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER_PATTERN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4_PATTERN = /[0-9a-fA-F]{4}/y;
// A bare word such as `tru`, `NaN` or an unquoted key, shown whole in messages.
const WORD_PATTERN = /[A-Za-z_$][\w$]*/y;

/** A recursive-descent checker of JSON text that stops at the first error. */
class JsonScanner {
  private offset = 0;

  constructor(private readonly text: string) {}

  check(): void {
    this.skipWhitespace();
    this.value();
    this.skipWhitespace();
    if (this.offset < this.text.length) {
      this.fail('unexpected text after the JSON value');
    }
  }

  private fail(reason: string, offset = this.offset): never {
    throw new SyntaxFailure(offset, reason);
  }

  private describeHere(): string {
    const char = this.text[this.offset];
    if (char === undefined) {
      return 'the end of the file';
    }
    if (char === '/' && ['/', '*'].includes(this.text[this.offset + 1] ?? '')) {
      return 'a comment, which JSON does not allow';
    }
    if (char < ' ') {
      return JSON.stringify(char);
    }
    if (char === "'") {
      return `"'"`;
    }
    WORD_PATTERN.lastIndex = this.offset;
    const word = WORD_PATTERN.exec(this.text)?.[0] ?? char;
    return `'${word}'`;
  }

  private skipWhitespace(): void {
    while (WHITESPACE.has(this.text[this.offset] ?? '')) {
      this.offset++;
    }
  }

  private value(): void {
    const char = this.text[this.offset];
    if (char === '{') {
      this.object();
    } else if (char === '[') {
      this.array();
    } else if (char === '"') {
      this.string();
    } else if (
      char === '-' ||
      (char !== undefined && char >= '0' && char <= '9')
    ) {
      this.number();
    } else if (
      !this.literal('true') &&
      !this.literal('false') &&
      !this.literal('null')
    ) {
      this.fail(`expected a JSON value, found ${this.describeHere()}`);
    }
  }

  private literal(word: string): boolean {
    if (this.text.startsWith(word, this.offset)) {
      this.offset += word.length;
      return true;
    }
    return false;
  }

  private number(): void {
    NUMBER_PATTERN.lastIndex = this.offset;
    const match = NUMBER_PATTERN.exec(this.text);
    if (match === null) {
      this.fail('invalid number');
    }
    this.offset += match[0].length;
  }

  private string(): void {
    const start = this.offset;
    this.offset++;
    for (;;) {
      const char = this.text[this.offset];
      if (char === undefined) {
        this.fail('unterminated string', start);
      }
      if (char === '"') {
        this.offset++;
        return;
      }
      if (char < ' ') {
        this.fail('control character in a string; escape it, e.g. \\n');
      }
      if (char === '\\') {
        this.escape();
      } else {
        this.offset++;
      }
    }
  }

  private escape(): void {
    const code = this.text[this.offset + 1] ?? '';
    if (ESCAPES.has(code)) {
      this.offset += 2;
      return;
    }
    if (code === 'u') {
      HEX4_PATTERN.lastIndex = this.offset + 2;
      if (HEX4_PATTERN.test(this.text)) {
        this.offset += 6;
        return;
      }
    }
    this.fail('invalid escape sequence in a string');
  }

  private object(): void {
    this.offset++;
    this.skipWhitespace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return;
    }
    for (;;) {
      if (this.text[this.offset] !== '"') {
        this.fail(
          `expected a property name in double quotes, found ${this.describeHere()}`,
        );
      }
      this.string();
      this.skipWhitespace();
      if (this.text[this.offset] !== ':') {
        this.fail(
          `expected ':' after the property name, found ${this.describeHere()}`,
        );
      }
      this.offset++;
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();

      const next = this.text[this.offset];
      if (next === '}') {
        this.offset++;
        return;
      }
      if (next !== ',') {
        this.fail(
          `expected ',' or '}' after a property value, found ${this.describeHere()}`,
        );
      }
      const comma = this.offset;
      this.offset++;
      this.skipWhitespace();
      if (this.text[this.offset] === '}') {
        this.fail("trailing comma before '}'", comma);
      }
    }
  }

  private array(): void {
    this.offset++;
    this.skipWhitespace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return;
    }
    for (;;) {
      this.value();
      this.skipWhitespace();

      const next = this.text[this.offset];
      if (next === ']') {
        this.offset++;
        return;
      }
      if (next !== ',') {
        this.fail(
          `expected ',' or ']' after an array item, found ${this.describeHere()}`,
        );
      }
      const comma = this.offset;
      this.offset++;
      this.skipWhitespace();
      if (this.text[this.offset] === ']') {
        this.fail("trailing comma before ']'", comma);
      }
    }
  }
}

/** Converts an offset in `text` to a 1-based line and column; lines end at `\n`, `\r\n` or `\r`. */
export function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const char = text[i];
    if (char === '\n' || (char === '\r' && text[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Finds the first syntax error of a JSON text, or returns `undefined` when
 * the text is valid JSON. `JSON.parse` in Node 20.20 gives no position for
 * some errors (`Unexpected token '}', "{"a": tru}" is not valid JSON`), so
 * this scanner locates the error itself.
 *
 * NOTE: nesting deeper than the call stack allows ends the scan early with
 * `undefined`; config files never come close.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new JsonScanner(text).check();
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxFailure) {
      return {
        ...lineAndColumn(text, error.offset),
        offset: error.offset,
        reason: error.reason,
      };
    }
    if (error instanceof RangeError) {
      return undefined;
    }
    throw error;
  }
}
