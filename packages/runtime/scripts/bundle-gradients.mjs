// Bundles tfjs-core's gradient registrations into one ESM file that plain
// Node can import.
//
// tfjs-core's Node entry (dist/tf-core.node.js) registers no gradients, and
// its ESM tree (dist/register_all_gradients.js) uses import specifiers
// without file extensions, which Node's ESM loader rejects. esbuild resolves
// those specifiers at build time. The bundled copy of the op code reaches the
// same engine and gradient registry as the user's tfjs-core, because tfjs
// keeps both on globalThis, so the registrations land where `tf.grad` and the
// optimizers look for them.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(packageRoot, 'package.json'));
const corePackage = require.resolve('@tensorflow/tfjs-core/package.json');
const coreVersion = require(corePackage).version;
const entry = join(dirname(corePackage), 'dist', 'register_all_gradients.js');
const outfile = join(packageRoot, 'vendor', 'tfjs-core-gradients.js');

await mkdir(dirname(outfile), { recursive: true });
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  minify: true,
  legalComments: 'eof',
  banner: {
    js: `// tfjs-core ${coreVersion} gradient registrations (Apache-2.0), bundled by @s4d/runtime.`,
  },
  logLevel: 'warning',
});
await writeFile(
  join(packageRoot, 'vendor', 'tfjs-core-version.json'),
  `${JSON.stringify({ version: coreVersion })}\n`,
);
