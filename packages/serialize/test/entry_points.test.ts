import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceFolder = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Returns every module specifier that `file` and its local imports import. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const specifiers = new Set<string>();
  if (seen.has(file)) {
    return specifiers;
  }
  seen.add(file);

  const text = readFileSync(join(sourceFolder, file), 'utf8');
  for (const match of text.matchAll(/from '([^']+)'/g)) {
    const specifier = match[1] as string;
    if (specifier.startsWith('./')) {
      const local = specifier.slice(2).replace(/\.js$/, '.ts');
      for (const nested of importsOf(local, seen)) {
        specifiers.add(nested);
      }
    } else {
      specifiers.add(specifier);
    }
  }
  return specifiers;
}

describe('entry points', () => {
  it('keeps the browser entry free of Node', () => {
    const nodeImports = [...importsOf('browser.ts')].filter((specifier) =>
      specifier.startsWith('node:'),
    );

    expect(nodeImports).toEqual([]);
  });

  it('keeps the safetensors entry dependency-free', () => {
    expect([...importsOf('safetensors.ts')]).toEqual([]);
  });
});
