// Times the default model (embedDim 287): forward at batch 32 and window 60,
// a training step, and one streaming step at batch 1 against recomputing the
// window. Run after `pnpm build`: node bench/streaming.mjs
import { initBackend } from '@s4d/runtime';
import { build } from '../dist/index.js';

const tf = await initBackend();

function median(fn, repeats) {
  for (let i = 0; i < 3; i++) fn();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(repeats / 2)];
}

const model = build({ embedDim: 287 }, { seed: 0 });
const x = tf.randomNormal([32, 60, 287]);
const forward = median(() => tf.tidy(() => model.apply(x).dataSync()), 10);

const target = tf.randomNormal([32, 256]);
const optimizer = tf.train.adam(1e-3);
const train = median(() => {
  const loss = optimizer.minimize(
    () =>
      tf.mean(tf.square(tf.sub(model.apply(x, { training: true }), target))),
    true,
  );
  loss.dataSync();
  loss.dispose();
}, 5);

const frame = tf.randomNormal([1, 287]);
let state = model.initState(1);
const step = median(() => {
  const result = model.step(state, frame);
  result.output.dataSync();
  result.output.dispose();
  state.dispose();
  state = result.state;
}, 200);

const window = tf.randomNormal([1, 60, 287]);
const recompute = median(
  () => tf.tidy(() => model.apply(window).dataSync()),
  20,
);

console.log(`forward, batch 32, window 60: ${forward.toFixed(1)} ms`);
console.log(`training step, batch 32, window 60: ${train.toFixed(1)} ms`);
console.log(`step, batch 1: ${step.toFixed(3)} ms per frame`);
console.log(
  `recompute the 60-frame window, batch 1: ${recompute.toFixed(2)} ms`,
);
