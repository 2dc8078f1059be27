import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, lineAndColumn } from '../src/json_syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    '{}',
    '[]',
    '0',
    '-0.5e+10',
    '"a\\n\\u00e9\\"b"',
    'true',
    'null',
    ' \t\r\n{ "a" : [ 1 , { "b" : null } ] } \n',
    '{"nested":{"deep":[[[]]]}}',
  ])('accepts %j', (text) => {
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  // Each row: text, line, column, reason.
  const cases: [string, number, number, string][] = [
    ['', 1, 1, 'expected a JSON value, found the end of the file'],
    [
      '{',
      1,
      2,
      'expected a property name in double quotes, found the end of the file',
    ],
    ['{\n  "a": 1,\n}', 2, 9, "trailing comma before '}'"],
    ['[1, 2,]', 1, 6, "trailing comma before ']'"],
    ['{"a" 1}', 1, 6, "expected ':' after the property name, found '1'"],
    [
      '{"a": 1 "b": 2}',
      1,
      9,
      "expected ',' or '}' after a property value, found '\"'",
    ],
    ['[1 2]', 1, 4, "expected ',' or ']' after an array item, found '2'"],
    ["{'a': 1}", 1, 2, `expected a property name in double quotes, found "'"`],
    ['{a: 1}', 1, 2, "expected a property name in double quotes, found 'a'"],
    ['{"a": 1} x', 1, 10, 'unexpected text after the JSON value'],
    ['{"a": "b', 1, 7, 'unterminated string'],
    ['"a\tb"', 1, 3, 'control character in a string; escape it, e.g. \\n'],
    ['"\\x"', 1, 2, 'invalid escape sequence in a string'],
    ['"\\u12g4"', 1, 2, 'invalid escape sequence in a string'],
    ['{"a": tru}', 1, 7, "expected a JSON value, found 'tru'"],
    [
      '{"a": 01}',
      1,
      8,
      "expected ',' or '}' after a property value, found '1'",
    ],
    ['{"a": .5}', 1, 7, "expected a JSON value, found '.'"],
    ['{"a": -}', 1, 7, 'invalid number'],
    ['{"a": NaN}', 1, 7, "expected a JSON value, found 'NaN'"],
    [
      '{\n  // note\n  "a": 1\n}',
      2,
      3,
      'expected a property name in double quotes, found a comment, which JSON does not allow',
    ],
    [
      '{"a": 1 /* x */}',
      1,
      9,
      "expected ',' or '}' after a property value, found a comment, which JSON does not allow",
    ],
    ['\r\n\r\n  ]', 3, 3, "expected a JSON value, found ']'"],
  ];

  it.each(cases)('locates %j', (text, line, column, reason) => {
    const error = findJsonSyntaxError(text);
    expect(error).toMatchObject({ line, column, reason });
  });

  it('agrees with JSON.parse on mutated configs', () => {
    const base = '{"a": [1, -2.5e3, true, null], "b": {"c": "x\\"y"}}';
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '1',
      '-',
      '.',
      'e',
      ' ',
      '\\',
      'n',
    ];
    // A fixed linear congruential sequence keeps the cases the same every run.
    let state = 12345;
    const next = (bound: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % bound;
    };

    let disagreements = 0;
    let validCount = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const chars = [...base];
      const position = next(chars.length);
      const operation = next(3);
      const char = alphabet[next(alphabet.length)] as string;
      if (operation === 0) {
        chars.splice(position, 1);
      } else if (operation === 1) {
        chars.splice(position, 0, char);
      } else {
        chars[position] = char;
      }
      const text = chars.join('');

      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      if (valid) {
        validCount++;
      }
      if (valid !== (findJsonSyntaxError(text) === undefined)) {
        disagreements++;
      }
    }
    expect(disagreements).toBe(0);
    // Both outcomes must occur, or the comparison proves nothing.
    expect(validCount).toBeGreaterThan(100);
    expect(validCount).toBeLessThan(1900);
  });
});

describe('lineAndColumn', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['a\nbc', 3, 2, 2],
    ['a\r\nbc', 3, 2, 1],
    ['a\rb', 2, 2, 1],
    ['\n\n', 2, 3, 1],
  ])('places offset %#', (text, offset, line, column) => {
    expect(lineAndColumn(text, offset)).toEqual({ line, column });
  });
});
