import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
);
const sourceFolder = new URL('../src/', import.meta.url);

describe('entry points', () => {
  it('keep Node modules out of the main entry', () => {
    // Every source file but node.ts is reachable from the main entry, which
    // must load in a browser.
    const files = readdirSync(sourceFolder).filter(
      (name) => name.endsWith('.ts') && name !== 'node.ts',
    );
    const offenders = files.filter((name) =>
      /from '(node:|fs|path|os|crypto)/.test(
        readFileSync(new URL(name, sourceFolder), 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it.each(['.', './node'])('export %s with types first', (entry) => {
    expect(Object.keys(packageJson.exports[entry])).toEqual([
      'types',
      'default',
    ]);
  });

  it.each(['model-config.schema.json', 'training-config.schema.json'])(
    'export schema/%s',
    (name) => {
      expect(packageJson.exports[`./schema/${name}`]).toBe(`./schema/${name}`);
    },
  );

  it('ship the schema folder', () => {
    expect(packageJson.files).toContain('schema');
  });
});
