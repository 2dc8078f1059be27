import { describe, expect, it } from 'vitest';
import {
  decodeTensorData,
  MAX_HEADER_LENGTH,
  parseSafetensors,
  SafetensorsError,
} from '../src/index.js';
import { float32Bytes, rawBytes, rawFile, thrown } from './helpers.js';

const validHeader = {
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
};
const validData = float32Bytes([1, 2, 3]);

/** Returns the message of the error that parsing `bytes` raises. */
function parseError(bytes: Uint8Array): string {
  return thrown(() => parseSafetensors(bytes)).message;
}

/** Builds a file whose only header entry, `x`, is `entry`. */
function entryFile(entry: unknown, data = new Uint8Array(0)): Uint8Array {
  return rawFile({ x: entry }, data);
}

describe('parseSafetensors', () => {
  it('reads tensors and metadata', () => {
    const file = parseSafetensors(rawFile(validHeader, validData));
    const a = file.tensors.get('a');

    expect([...file.tensors.keys()]).toEqual(['a', 'b']);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(a?.shape).toEqual([2]);
    expect(a?.dtype).toBe('F32');
    expect(a?.source).toBe('<buffer>');
  });

  it('accepts an ArrayBuffer', () => {
    const bytes = rawFile(validHeader, validData);
    const file = parseSafetensors(bytes.slice().buffer);

    expect(file.tensors.size).toBe(2);
  });

  it('accepts a DataView', () => {
    const bytes = rawFile(validHeader, validData);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 3);
    const view = new DataView(padded.buffer, 3, bytes.length);
    const file = parseSafetensors(view);
    const b = file.tensors.get('b');
    if (b === undefined) throw new Error('tensor b missing');

    expect(decodeTensorData(b)).toEqual(new Float32Array([3]));
  });

  it('rejects bytes of another type', () => {
    const cases: [unknown, string][] = [
      ['abc', 'string'],
      [null, 'null'],
      [[1, 2], 'Array'],
    ];
    for (const [bytes, shown] of cases) {
      const error = thrown(() => parseSafetensors(bytes as Uint8Array));

      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(
        `parseSafetensors: bytes must be a Uint8Array, another ArrayBuffer view or an ArrayBuffer, got ${shown}`,
      );
    }
  });

  it('accepts a view into a larger buffer', () => {
    const bytes = rawFile(validHeader, validData);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 3);
    const file = parseSafetensors(padded.subarray(3, 3 + bytes.length));
    const b = file.tensors.get('b');
    if (b === undefined) throw new Error('tensor b missing');

    expect(decodeTensorData(b)).toEqual(new Float32Array([3]));
  });

  it('returns tensors in data order', () => {
    const header = {
      z: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      '1': { dtype: 'U8', shape: [1], data_offsets: [1, 2] },
    };
    const file = parseSafetensors(rawFile(header, new Uint8Array([5, 6])));

    expect([...file.tensors.keys()]).toEqual(['z', '1']);
  });

  it('decodes data after an unaligned header', () => {
    const header = JSON.stringify(validHeader);
    expect((8 + header.length) % 4).not.toBe(0);
    const file = parseSafetensors(rawFile(header, validData));
    const b = file.tensors.get('b');
    if (b === undefined) throw new Error('tensor b missing');

    expect(decodeTensorData(b)).toEqual(new Float32Array([3]));
  });

  it('reads scalars and empty tensors', () => {
    const header = {
      empty: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] },
      scalar: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
    };
    const file = parseSafetensors(rawFile(header, float32Bytes([7])));
    const scalar = file.tensors.get('scalar');
    const empty = file.tensors.get('empty');
    if (scalar === undefined || empty === undefined) throw new Error('missing');

    expect(decodeTensorData(scalar)).toEqual(new Float32Array([7]));
    expect(decodeTensorData(empty)).toEqual(new Float32Array(0));
  });

  it('reads a file with no tensors', () => {
    const file = parseSafetensors(rawFile({}));

    expect(file.tensors.size).toBe(0);
    expect(file.metadata).toEqual({});
  });

  it('names the source option in errors', () => {
    const error = thrown(() =>
      parseSafetensors(new Uint8Array(3), { source: 'weights.safetensors' }),
    );

    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error.message).toMatch(/^weights\.safetensors: /);
  });

  it('sets the tensor field on tensor errors', () => {
    const error = thrown(() =>
      parseSafetensors(
        entryFile({ dtype: 'Q8', shape: [], data_offsets: [0, 0] }),
      ),
    ) as SafetensorsError;

    expect(error.source).toBe('<buffer>');
    expect(error.tensor).toBe('x');
  });
});

describe('parseSafetensors length prefix', () => {
  it('rejects a file under 8 bytes', () => {
    expect(parseError(new Uint8Array(5))).toBe(
      '<buffer>: file is 5 bytes, shorter than the 8-byte header length prefix',
    );
  });

  it('rejects a header over 100 MB first', () => {
    const bytes = rawFile('{}', new Uint8Array(0), MAX_HEADER_LENGTH + 1);

    expect(parseError(bytes)).toBe(
      '<buffer>: header length 100000001 exceeds the maximum of 100000000 bytes',
    );
  });

  it('rejects a length beyond 2^53', () => {
    const bytes = rawFile('{}', new Uint8Array(0), 2n ** 63n);

    expect(parseError(bytes)).toMatch(
      /header length 9223372036854775808 exceeds the maximum/,
    );
  });

  it('rejects a length past the file end', () => {
    const bytes = rawFile('{}', new Uint8Array(0), 40);

    expect(parseError(bytes)).toBe(
      '<buffer>: header length 40 exceeds the 2 bytes after the length prefix (truncated file or corrupt prefix)',
    );
  });

  it('rejects a length that cuts the JSON', () => {
    const text = JSON.stringify(validHeader);
    const bytes = rawFile(text, validData, text.length - 3);

    expect(parseError(bytes)).toMatch(/^<buffer>: header is not valid JSON \(/);
  });

  it('allows a length of exactly 100 MB', () => {
    const bytes = rawFile('{}', new Uint8Array(0), MAX_HEADER_LENGTH);

    expect(parseError(bytes)).toBe(
      '<buffer>: header length 100000000 exceeds the 2 bytes after the length prefix (truncated file or corrupt prefix)',
    );
  });

  it('rejects a length that shifts the data', () => {
    const text = `${JSON.stringify(validHeader)}    `;
    const bytes = rawFile(text, validData, text.length - 2);

    expect(parseError(bytes)).toBe(
      '<buffer>: tensors cover 12 bytes, but the data section is 14 bytes',
    );
  });

  it('rejects a truncated file', () => {
    const bytes = rawFile(validHeader, validData).subarray(0, -2);

    expect(parseError(bytes)).toBe(
      "<buffer>: tensor 'b': data ends at byte 12, past the end of the 10-byte data section (truncated file?)",
    );
  });
});

describe('parseSafetensors header', () => {
  it('rejects invalid UTF-8', () => {
    const header = new Uint8Array([0x7b, 0xff, 0x7d]);

    expect(parseError(rawBytes(header, new Uint8Array(0), 3))).toBe(
      '<buffer>: header is not valid UTF-8',
    );
  });

  it('rejects an empty header', () => {
    expect(parseError(rawFile(''))).toMatch(/header is not valid JSON/);
  });

  it('rejects a non-object header', () => {
    expect(parseError(rawFile([1, 2]))).toBe(
      '<buffer>: header must be a JSON object, got [1,2]',
    );
  });

  it('rejects duplicate names', () => {
    const text =
      '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' +
      '"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';

    expect(parseError(rawFile(text, new Uint8Array(1)))).toBe(
      "<buffer>: tensor 'a': name appears more than once in the header",
    );
  });

  it('detects duplicates written with escapes', () => {
    const text =
      '{"a\\"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' +
      '"a\\u0022b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';

    expect(parseError(rawFile(text, new Uint8Array(1)))).toBe(
      `<buffer>: tensor 'a"b': name appears more than once in the header`,
    );
  });

  it('allows repeated keys in nested objects', () => {
    const text =
      '{"__metadata__":{"k":"{\\"a\\":1}"},' +
      '"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' +
      '"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    const file = parseSafetensors(rawFile(text, new Uint8Array(2)));

    expect(file.tensors.size).toBe(2);
  });

  it('rejects non-object metadata', () => {
    expect(parseError(rawFile({ __metadata__: 'x' }))).toBe(
      '<buffer>: __metadata__ must be an object of strings, got "x"',
    );
  });

  it('rejects non-string metadata values', () => {
    expect(parseError(rawFile({ __metadata__: { step: 3 } }))).toBe(
      "<buffer>: __metadata__ value 'step' must be a string, got 3",
    );
  });
});

describe('parseSafetensors entries', () => {
  const cases: [string, unknown, string][] = [
    ['a non-object entry', 5, 'header entry must be an object, got 5'],
    [
      'an unexpected field',
      { dtype: 'U8', shape: [], data_offsets: [0, 1], extra: 1 },
      "unexpected field 'extra' (expected only dtype, shape, data_offsets)",
    ],
    [
      'a missing dtype',
      { shape: [1], data_offsets: [0, 1] },
      'missing field dtype',
    ],
    [
      'an unknown dtype',
      { dtype: 'Q8', shape: [1], data_offsets: [0, 1] },
      'unknown dtype "Q8" (expected one of BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64)',
    ],
    [
      'a lowercase dtype',
      { dtype: 'f32', shape: [1], data_offsets: [0, 4] },
      'unknown dtype "f32" (expected one of BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64)',
    ],
    [
      'an unsupported dtype',
      { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] },
      'dtype F8_E4M3 is not supported by this reader',
    ],
    [
      'a missing shape',
      { dtype: 'U8', data_offsets: [0, 1] },
      'missing field shape',
    ],
    [
      'a negative dimension',
      { dtype: 'U8', shape: [-1], data_offsets: [0, 1] },
      'shape must be an array of non-negative integers, got [-1]',
    ],
    [
      'a fractional dimension',
      { dtype: 'U8', shape: [1.5], data_offsets: [0, 1] },
      'shape must be an array of non-negative integers, got [1.5]',
    ],
    [
      'a non-array shape',
      { dtype: 'U8', shape: 1, data_offsets: [0, 1] },
      'shape must be an array of non-negative integers, got 1',
    ],
    [
      'missing offsets',
      { dtype: 'U8', shape: [1] },
      'missing field data_offsets',
    ],
    [
      'three offsets',
      { dtype: 'U8', shape: [1], data_offsets: [0, 1, 2] },
      'data_offsets must be two non-negative integers [begin, end], got [0,1,2]',
    ],
    [
      'negative offsets',
      { dtype: 'U8', shape: [1], data_offsets: [-1, 0] },
      'data_offsets must be two non-negative integers [begin, end], got [-1,0]',
    ],
    [
      'reversed offsets',
      { dtype: 'U8', shape: [0], data_offsets: [1, 0] },
      'data_offsets [1, 0] end before they begin',
    ],
    [
      'a wrong byte length',
      { dtype: 'F32', shape: [2, 3], data_offsets: [0, 12] },
      'data_offsets [0, 12] span 12 bytes, but shape [2, 3] of F32 needs 24',
    ],
    [
      'an element count past 2^53',
      { dtype: 'U8', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 1] },
      'shape [1073741824, 1073741824, 1073741824] has too many elements',
    ],
  ];

  for (const [name, entry, rule] of cases) {
    it(`rejects ${name}`, () => {
      expect(parseError(entryFile(entry, new Uint8Array(1)))).toBe(
        `<buffer>: tensor 'x': ${rule}`,
      );
    });
  }
});

describe('parseSafetensors data section', () => {
  it('rejects a gap at the start', () => {
    const header = { a: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } };

    expect(parseError(rawFile(header, new Uint8Array(2)))).toBe(
      "<buffer>: tensor 'a': data starts at byte 1, leaving a gap after the start of the data section, which ends at byte 0",
    );
  });

  it('rejects a gap between tensors', () => {
    const header = {
      a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      b: { dtype: 'U8', shape: [1], data_offsets: [2, 3] },
    };

    expect(parseError(rawFile(header, new Uint8Array(3)))).toBe(
      "<buffer>: tensor 'b': data starts at byte 2, leaving a gap after tensor 'a', which ends at byte 1",
    );
  });

  it('rejects overlapping tensors', () => {
    const header = {
      a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
      b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
    };

    expect(parseError(rawFile(header, new Uint8Array(3)))).toBe(
      "<buffer>: tensor 'b': data starts at byte 1, overlapping tensor 'a', which ends at byte 2",
    );
  });

  it('rejects two tensors sharing bytes', () => {
    const header = {
      a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      b: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
    };

    expect(parseError(rawFile(header, new Uint8Array(1)))).toMatch(
      /tensor 'b': data starts at byte 0, overlapping tensor 'a'/,
    );
  });

  it('rejects trailing bytes', () => {
    const bytes = rawFile(validHeader, float32Bytes([1, 2, 3, 4]));

    expect(parseError(bytes)).toBe(
      '<buffer>: tensors cover 12 bytes, but the data section is 16 bytes',
    );
  });

  it('rejects data with no tensors', () => {
    expect(parseError(rawFile({}, new Uint8Array(4)))).toBe(
      '<buffer>: tensors cover 0 bytes, but the data section is 4 bytes',
    );
  });
});
