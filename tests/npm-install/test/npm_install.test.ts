import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repositoryRoot = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../..',
);
const publishedPackages = ['runtime', 'config', 'kernel', 'model', 'serialize'];

// A user's script: plain Node ESM, no bundler, no loader flags.
const userScript = `
import { initBackend, runtimeInfo } from '@s4d/runtime';
import { build } from '@s4d/model';

const tf = await initBackend();
const w = tf.variable(tf.scalar(3));
const optimizer = tf.train.sgd(0.1);
const before = (w.dataSync())[0];
optimizer.minimize(() => tf.square(w));
const after = (w.dataSync())[0];

const model = build({ embedDim: 3, hiddenSize: 8, stateSize: 4, numLayers: 1, windowSize: 16 });
const x = tf.randomNormal([2, 16, 3], 0, 1, 'float32', 1);
const target = tf.zeros([2, 8]);
const adam = tf.train.adam(0.01);
const loss = () => tf.mean(tf.square(tf.sub(model.apply(x, { training: true, seed: 1 }), target)));
const first = adam.minimize(loss, true).dataSync()[0];
const second = adam.minimize(loss, true).dataSync()[0];

console.log(JSON.stringify({ info: runtimeInfo(), before, after, first, second }));
`;

describe('packages installed from tarballs with npm', () => {
  const workDir = mkdtempSync(join(tmpdir(), 's4d-npm-install-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('train one step in plain node', () => {
    const tarballDir = join(workDir, 'tarballs');
    for (const name of publishedPackages) {
      execFileSync('pnpm', ['pack', '--pack-destination', tarballDir], {
        cwd: join(repositoryRoot, 'packages', name),
        stdio: 'pipe',
      });
    }
    const tarballs = readdirSync(tarballDir).map((file) =>
      join(tarballDir, file),
    );

    const appDir = join(workDir, 'app');
    execFileSync('mkdir', ['-p', appDir]);
    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', ...tarballs], {
      cwd: appDir,
      stdio: 'pipe',
    });
    writeFileSync(join(appDir, 'train.mjs'), userScript);

    const output = execFileSync('node', ['train.mjs'], {
      cwd: appDir,
      encoding: 'utf8',
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');

    expect(tarballs).toHaveLength(publishedPackages.length);
    expect(result.info.backend).toBe('wasm');
    expect(result.info.gradients).toBe(true);
    expect(result.after).toBeCloseTo(3 - 0.1 * 6, 5);
    expect(result.second).toBeLessThan(result.first);
  }, 600_000);
});
