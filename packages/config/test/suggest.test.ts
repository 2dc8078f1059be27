import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey } from '../src/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['ab', 'ba', 1],
    ['hiddenSzie', 'hiddenSize', 1],
    ['ca', 'abc', 3],
  ])('%s to %s is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });

  it('is symmetric', () => {
    expect(editDistance('dropout', 'droput')).toBe(
      editDistance('droput', 'dropout'),
    );
  });
});

describe('suggestKey', () => {
  const known = ['seed', 'seqLen', 'epochs', 'ffn'];

  it('picks the closest key', () => {
    expect(suggestKey('seqlen', known)).toBe('seqLen');
  });

  it('ignores case and separators', () => {
    expect(suggestKey('SEQ_LEN', known)).toBe('seqLen');
  });

  it('rejects a distant key', () => {
    expect(suggestKey('learningRate', known)).toBeUndefined();
  });

  it('needs less than half a short key to change', () => {
    expect(suggestKey('ab', ['ax'])).toBeUndefined();
  });

  it('accepts one change in a three-letter key', () => {
    expect(suggestKey('fan', ['ffn'])).toBe('ffn');
  });

  it('prefers the earlier key on a tie', () => {
    expect(suggestKey('abcd', ['abcx', 'abxd'])).toBe('abcx');
  });

  it('returns undefined without known keys', () => {
    expect(suggestKey('a', [])).toBeUndefined();
  });
});
