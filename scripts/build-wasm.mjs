// Compiles each `wasm/NAME.wat` of the package in the current folder into
// `src/wasm/NAME_module.ts`, which exports the module's bytes as base64, so
// that the package builds and runs without a WASM toolchain.
//
// Usage: node ../../scripts/build-wasm.mjs [--check]
// With --check it writes nothing: it compiles every source and exits with
// status 1 when a committed module differs from its source or has none.
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
if (!existsSync('wasm')) {
  console.error(
    `No wasm/ folder in ${process.cwd()}; run this from a package that has one.`,
  );
  process.exit(1);
}
const sources = readdirSync('wasm').filter((file) => file.endsWith('.wat'));
const targetFolder = join('src', 'wasm');
const wabt = await initWabt();
let problems = 0;

for (const file of sources) {
  const name = basename(file, '.wat');
  const text = readFileSync(join('wasm', file), 'utf8');
  let buffer;
  try {
    const module = wabt.parseWat(file, text, { simd: true });
    module.validate();
    buffer = module.toBinary({}).buffer;
    module.destroy();
  } catch (error) {
    // wabt's messages carry the file, line and column; its stack is noise.
    console.error(`wasm/${file}: ${error.message}`);
    problems += 1;
    continue;
  }

  const constant = `${name.replace(/_(\w)/g, (_, c) => c.toUpperCase())}ModuleBase64`;
  const target = join(targetFolder, `${name}_module.ts`);
  const content =
    `// Generated from wasm/${file} by scripts/build-wasm.mjs; do not edit.\n\n` +
    `/** The bytes of the compiled \`wasm/${file}\`, base64-encoded. */\n` +
    `export const ${constant} =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === content) {
    continue;
  }
  if (check) {
    console.error(
      `${target} is out of date with wasm/${file}; run ` +
        'node ../../scripts/build-wasm.mjs without --check to update it.',
    );
    problems += 1;
  } else {
    mkdirSync(targetFolder, { recursive: true });
    writeFileSync(target, content);
    console.log(`wrote ${target} (${buffer.length} bytes)`);
  }
}

// A generated module whose source was removed would still be built and
// shipped.
const generated = existsSync(targetFolder)
  ? readdirSync(targetFolder).filter((file) => file.endsWith('_module.ts'))
  : [];
for (const file of generated) {
  const source = `${basename(file, '_module.ts')}.wat`;
  if (!sources.includes(source)) {
    console.error(
      `${join(targetFolder, file)} has no source wasm/${source}; delete it.`,
    );
    problems += 1;
  }
}
process.exit(problems === 0 ? 0 : 1);
