// Times saving and loading an S4D model at the recommended defaults
// (embedDim 28), and decoding its tensors. Run after `pnpm build`:
//   node packages/serialize/bench/save-load.mjs
// Prints the median of 5 runs of each step, in milliseconds.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, paramCount } from '@s4d/model';
import { initBackend } from '@s4d/runtime';
import {
  decodeTensorData,
  float16BitsToFloat32,
  loadModel,
  loadParametersInto,
  modelToSafetensors,
  parseSafetensors,
  readSafetensorsFile,
  saveModel,
} from '../dist/index.js';

const REPEATS = 5;

async function median(run) {
  const times = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(REPEATS / 2)];
}

async function report(label, run) {
  const ms = await median(run);
  console.log(`${label.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms`);
}

await initBackend();
const options = { embedDim: 28 };
const model = build(options, { seed: 1 });
const folder = await mkdtemp(join(tmpdir(), 's4d-serialize-bench-'));
const path = join(folder, 'model.safetensors');

try {
  console.log(`parameters ${paramCount(options)}`);
  await report('saveModel', () => saveModel(model, path));
  console.log(`file size ${(await stat(path)).size} bytes`);
  await report('readSafetensorsFile', () => readSafetensorsFile(path));
  await report('loadModel', async () => (await loadModel(path)).dispose());
  await report('loadParametersInto', () => loadParametersInto(model, path));
  await report('build (for comparison)', () => build(options).dispose());

  const bytes = modelToSafetensors(model);
  await report('parseSafetensors', () => parseSafetensors(bytes));
  const file = parseSafetensors(bytes);
  await report('decode every tensor', () => {
    for (const tensor of file.tensors.values()) {
      decodeTensorData(tensor, 'float32');
    }
  });

  const halves = new Uint16Array(1 << 22).map((_, i) => i & 0xffff);
  await report('F16 to float32, 4M values', () => float16BitsToFloat32(halves));
} finally {
  model.dispose();
  await rm(folder, { recursive: true, force: true });
}
