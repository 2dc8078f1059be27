// Times the S4D layer math from the built package (`pnpm --filter
// @s4d/kernel build` first) and prints medians in milliseconds.
//
// Usage: node bench/ssm-forward.mjs [--channels 256] [--state-size 64]
//          [--tokens 16384] [--repeats 5] [--lengths 64,256,1024,4096,16384]
//          [--backend wasm|cpu] [--with-b]
//
// Three tables:
// - layer: ssmForward forward, and forward plus backward with respect to u
//   and every parameter for a given upstream gradient dy (no loss ops in the
//   timing), with batch = tokens / length (at least 1), so the
//   microseconds per token compare lengths at equal work. With the defaults,
//   length 1024 is the batch 16, H 256, N 64 case.
// - kernel generation: computeKernel alone, forward and forward plus backward.
// - step mode: one ssmStep at batch 1, and ssmAdvance over a window of 60.
import { initBackend } from '@s4d/runtime';
import {
  computeKernel,
  initSsmParams,
  initSsmState,
  ssmAdvance,
  ssmForward,
  ssmStep,
} from '../dist/index.js';

const options = parseArguments(process.argv.slice(2));
const tf = await initBackend({ backend: options.backend });
const params = initSsmParams({
  channels: options.channels,
  stateSize: options.stateSize,
  seed: 1,
  withB: options.withB,
});
const fields = ['logDt', 'logAReal', 'aImag', 'c', 'd'];
if (options.withB) {
  fields.push('b');
}

console.log(
  `backend ${tf.getBackend()}, channels ${options.channels}, state size ` +
    `${options.stateSize}, tokens ${options.tokens}, B ${options.withB ? 'trained' : 'ones'}, ` +
    `median of ${options.repeats} runs`,
);

console.log('\nlayer (ssmForward)');
console.log(
  [
    'length',
    'batch',
    'fwd ms',
    'fwd+bwd ms',
    'fwd+bwd cpu ms',
    'fwd+bwd us/token',
  ].join('\t'),
);
for (const length of options.lengths) {
  const batch = Math.max(1, Math.floor(options.tokens / length));
  const u = tf.randomNormal([batch, length, options.channels]);
  const dy = tf.randomNormal([batch, length, options.channels]);
  const gradients = tf.grads((x, ...values) => {
    const replaced = { ...params };
    fields.forEach((name, i) => {
      replaced[name] = values[i];
    });
    return ssmForward(x, replaced);
  });

  const forward = median(options.repeats, () => {
    const y = ssmForward(u, params);
    y.dataSync();
    y.dispose();
  });
  const forwardBackward = median(options.repeats, () => {
    const result = gradients([u, ...fields.map((name) => params[name])], dy);
    for (const gradient of result) {
      gradient.dataSync();
    }
    tf.dispose(result);
  });
  const forwardBackwardCpu = median.cpu;

  const tokens = batch * length;
  console.log(
    [
      length,
      batch,
      forward.toFixed(1),
      forwardBackward.toFixed(1),
      forwardBackwardCpu.toFixed(1),
      ((forwardBackward * 1000) / tokens).toFixed(3),
    ].join('\t'),
  );
  tf.dispose([u, dy]);
}

console.log('\nkernel generation (computeKernel)');
console.log(['length', 'fwd ms', 'fwd+bwd ms', 'fwd+bwd cpu ms'].join('\t'));
const kernelFields = fields.filter((name) => name !== 'd');
for (const length of options.lengths) {
  const dk = tf.randomNormal([options.channels, length]);
  const gradients = tf.grads((...values) => {
    const replaced = { ...params };
    kernelFields.forEach((name, i) => {
      replaced[name] = values[i];
    });
    return computeKernel(replaced, length);
  });

  const forward = median(options.repeats, () => {
    const kernel = computeKernel(params, length);
    kernel.dataSync();
    kernel.dispose();
  });
  const forwardBackward = median(options.repeats, () => {
    const result = gradients(
      kernelFields.map((name) => params[name]),
      dk,
    );
    for (const gradient of result) {
      gradient.dataSync();
    }
    tf.dispose(result);
  });
  console.log(
    [
      length,
      forward.toFixed(2),
      forwardBackward.toFixed(2),
      median.cpu.toFixed(2),
    ].join('\t'),
  );
  dk.dispose();
}

console.log('\nstep mode (batch 1)');
const state = initSsmState(1, params);
const ut = tf.randomNormal([1, options.channels]);
const window = tf.randomNormal([1, 60, options.channels]);
const steps = 50;
const step = median(options.repeats, () => {
  let current = state;
  for (let i = 0; i < steps; i++) {
    const next = ssmStep(current, ut, params);
    next.y.dispose();
    if (current !== state) {
      current.dispose();
    }
    current = next.state;
  }
  current.dataSync();
  current.dispose();
});
const stepCpu = median.cpu;
// Step-mode calls are short, so more repeats give the JIT time to optimize.
const advance = median(Math.max(options.repeats, 25), () => {
  const result = ssmAdvance(state, window, params);
  result.y.dataSync();
  tf.dispose([result.y, result.state]);
});
console.log('\twall ms\tcpu ms');
console.log(
  `ssmStep, per call\t${(step / steps).toFixed(3)}\t` +
    `${(stepCpu / steps).toFixed(3)}`,
);
console.log(
  `ssmAdvance, 60 steps\t${advance.toFixed(2)}\t${median.cpu.toFixed(2)}`,
);

/**
 * Runs `run` once to warm up, then `repeats` times, and returns the median
 * wall time in milliseconds. `median.cpu` holds the median CPU time of the
 * process for the same runs, which a busy shared machine inflates less.
 */
function median(repeats, run) {
  run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    run();
    const usage = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((usage.user + usage.system) / 1000);
  }
  const middle = (values) =>
    values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
  median.cpu = middle(cpu);
  return middle(wall);
}

function parseArguments(argv) {
  const parsed = {
    channels: 256,
    stateSize: 64,
    tokens: 16384,
    repeats: 5,
    lengths: [64, 256, 1024, 4096, 16384],
    backend: 'wasm',
    withB: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--channels':
        parsed.channels = Number(value);
        i++;
        break;
      case '--state-size':
        parsed.stateSize = Number(value);
        i++;
        break;
      case '--tokens':
        parsed.tokens = Number(value);
        i++;
        break;
      case '--repeats':
        parsed.repeats = Number(value);
        i++;
        break;
      case '--lengths':
        parsed.lengths = String(value).split(',').map(Number);
        i++;
        break;
      case '--backend':
        parsed.backend = value;
        i++;
        break;
      case '--with-b':
        parsed.withB = true;
        break;
      default:
        throw new Error(
          `ssm-forward: unknown option ${flag}; see the usage at the top of bench/ssm-forward.mjs.`,
        );
    }
  }
  return parsed;
}
