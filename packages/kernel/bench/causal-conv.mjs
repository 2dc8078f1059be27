// Times causalConv from the built package (`pnpm --filter @s4d/kernel build`
// first) on one WASM thread and prints medians in milliseconds.
//
// Usage: node bench/causal-conv.mjs [--channels 256] [--tokens 16384]
//          [--repeats 7] [--lengths 64,128,...] [--backend wasm|cpu]
//          [--baseline-max 256] [--batch B]
//
// Each length runs with batch = tokens / length (at least 1), or with a fixed
// --batch, and the column in microseconds per token compares lengths. With a
// fixed token count, long lengths run at small batches, where the per-channel
// kernel work (its transforms and its gradient) weighs as much as the input's.
// "fwd+bwd" is one tf.grads call of causalConv with respect to u and the
// kernel, given the output gradient dy, so it times the forward pass and both
// gradients. Besides wall time, each cell reports the process's CPU time
// (user plus system), which varies less than wall time on a machine shared
// with other jobs.
// The baseline is a direct depthwise convolution (tfjs-core ops only,
// forward only, cost length^2 per token), run up to --baseline-max.
import { initBackend } from '@s4d/runtime';
import { causalConv } from '../dist/index.js';

const options = parseArguments(process.argv.slice(2));
const tf = await initBackend({ backend: options.backend });

console.log(
  `backend ${tf.getBackend()}, channels ${options.channels}, ` +
    (options.batch === undefined
      ? `tokens ${options.tokens}`
      : `batch ${options.batch}`) +
    `, median of ${options.repeats} runs`,
);
console.log(
  [
    'length',
    'batch',
    'fwd ms',
    'fwd cpu ms',
    'fwd+bwd ms',
    'fwd+bwd cpu ms',
    'fwd+bwd us/token',
    'baseline fwd ms',
  ].join('\t'),
);

for (const length of options.lengths) {
  const batch =
    options.batch ?? Math.max(1, Math.floor(options.tokens / length));
  const u = tf.randomNormal([batch, length, options.channels]);
  const kernel = tf.randomNormal([options.channels, length]);
  const dy = tf.randomNormal([batch, length, options.channels]);
  const gradients = tf.grads((x, k) => causalConv(x, k));

  const forward = median(options.repeats, () => {
    const y = causalConv(u, kernel);
    y.dataSync();
    y.dispose();
  });
  const forwardBackward = median(options.repeats, () => {
    const [du, dk] = gradients([u, kernel], dy);
    du.dataSync();
    dk.dataSync();
    tf.dispose([du, dk]);
  });
  const baseline =
    length <= options.baselineMax
      ? median(3, () => {
          const y = depthwiseBaseline(u, kernel);
          y.dataSync();
          y.dispose();
        }).wall.toFixed(1)
      : '-';

  const tokens = batch * length;
  console.log(
    [
      length,
      batch,
      forward.wall.toFixed(1),
      forward.cpu.toFixed(1),
      forwardBackward.wall.toFixed(1),
      forwardBackward.cpu.toFixed(1),
      ((1000 * forwardBackward.wall) / tokens).toFixed(3),
      baseline,
    ].join('\t'),
  );
  tf.dispose([u, kernel, dy]);
}

/** Computes the same convolution as a depthwise conv2d of a padded input. */
function depthwiseBaseline(u, kernel) {
  return tf.tidy(() => {
    const [batch, length, channels] = u.shape;
    const padded = tf.pad(u, [
      [0, 0],
      [length - 1, 0],
      [0, 0],
    ]);
    const input = tf.reshape(padded, [batch, 1, 2 * length - 1, channels]);
    // conv2d correlates, so the kernel is reversed in time.
    const filter = tf.reshape(tf.transpose(tf.reverse(kernel, 1)), [
      1,
      length,
      channels,
      1,
    ]);
    const y = tf.depthwiseConv2d(input, filter, 1, 'valid');
    return tf.reshape(y, [batch, length, channels]);
  });
}

/** Runs `run` once to warm up, then returns median wall and CPU times. */
function median(repeats, run) {
  run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < repeats; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    run();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const middle = (values) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { wall: middle(wall), cpu: middle(cpu) };
}

function parseArguments(args) {
  const parsed = {
    channels: 256,
    tokens: 16384,
    repeats: 7,
    backend: 'wasm',
    baselineMax: 256,
    batch: undefined,
    lengths: [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
  };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    if (value === undefined) {
      throw new Error(`Missing value for ${name}; see the usage at the top.`);
    }
    switch (name) {
      case '--channels':
        parsed.channels = Number(value);
        break;
      case '--tokens':
        parsed.tokens = Number(value);
        break;
      case '--repeats':
        parsed.repeats = Number(value);
        break;
      case '--backend':
        parsed.backend = value;
        break;
      case '--batch':
        parsed.batch = Number(value);
        break;
      case '--baseline-max':
        parsed.baselineMax = Number(value);
        break;
      case '--lengths':
        parsed.lengths = value.split(',').map(Number);
        break;
      default:
        throw new Error(`Unknown option ${name}; see the usage at the top.`);
    }
  }
  return parsed;
}
