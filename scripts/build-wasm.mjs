// Compiles each `wasm/NAME.wat` of the package in the current folder into
// `src/wasm/NAME_module.ts`, which exports the module's bytes as base64, so
// that the package builds and runs without a WASM toolchain.
//
// Usage: node ../../scripts/build-wasm.mjs [--check]
// With --check it compiles every source and exits with status 1 when a
// committed module differs from its source, without writing anything.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import initWabt from 'wabt';

const check = process.argv.includes('--check');
const sources = readdirSync('wasm').filter((file) => file.endsWith('.wat'));
const wabt = await initWabt();
let stale = 0;

mkdirSync(join('src', 'wasm'), { recursive: true });
for (const file of sources) {
  const name = basename(file, '.wat');
  const text = readFileSync(join('wasm', file), 'utf8');
  const module = wabt.parseWat(file, text, { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();

  const constant = `${name.replace(/_(\w)/g, (_, c) => c.toUpperCase())}ModuleBase64`;
  const target = join('src', 'wasm', `${name}_module.ts`);
  const content =
    `// Generated from wasm/${file} by scripts/build-wasm.mjs; do not edit.\n\n` +
    `/** The bytes of the compiled \`wasm/${file}\`, base64-encoded. */\n` +
    `export const ${constant} =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === content) {
    continue;
  }
  if (check) {
    console.error(`${target} is out of date with wasm/${file}`);
    stale += 1;
  } else {
    writeFileSync(target, content);
    console.log(`wrote ${target} (${buffer.length} bytes)`);
  }
}
process.exit(stale === 0 ? 0 : 1);
