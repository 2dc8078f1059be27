import * as tf from '@tensorflow/tfjs-core';

// Measured with tfjs 4.22.0 on one WASM thread (AVX2 machine), for
// [1920, 256] x [256, 1024]: matMul without transposes 46 ms, with
// transposeB 555 ms, with transposeA 2021 ms, and an explicit Transpose
// followed by a plain matMul 45 ms. tfjs's matMul gradients use the
// transposed forms, so training pays the slow path on every dense layer.
const PATCHED_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

// The transposed-B path costs about 0.3 ms per output row for a [1024, 256]
// operand, and transposing that operand costs 2.5 to 5 ms, so the explicit
// transpose pays from about 16 output rows on. The transposed-A path was
// slower than an explicit transpose at every size measured (1 to 256 rows).
const MIN_ROWS_TO_TRANSPOSE_B = 16;

let patched = false;

/**
 * Replaces the WASM backend's BatchMatMul and _FusedMatMul kernels with
 * versions that transpose an operand explicitly (a copy) and then run the
 * original kernel without that transpose flag: always for transposeA, and for
 * transposeB from 16 output rows on. Results are unchanged. Safe to call more
 * than once.
 */
export function patchTransposedMatMul(): void {
  if (patched) {
    return;
  }
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose === undefined) {
    return;
  }
  for (const kernelName of PATCHED_KERNELS) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (original === undefined) {
      continue;
    }
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => runUntransposed(args, original, transpose),
    });
  }
  patched = true;
}

type KernelArgs = Parameters<tf.KernelConfig['kernelFunc']>[0];
type WasmBackend = { disposeData(dataId: object): void };

function runUntransposed(
  args: KernelArgs,
  original: tf.KernelConfig,
  transpose: tf.KernelConfig,
): ReturnType<tf.KernelConfig['kernelFunc']> {
  const { inputs, backend, attrs = {} } = args;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  if (!transposeA && !transposeB) {
    return original.kernelFunc(args);
  }

  const swapLastTwo = (tensor: tf.TensorInfo): tf.TensorInfo => {
    const rank = tensor.shape.length;
    const perm = [...Array(rank).keys()];
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return transpose.kernelFunc({
      inputs: { x: tensor },
      backend,
      attrs: { perm },
    }) as tf.TensorInfo;
  };

  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const rows =
    a.shape.length < 2
      ? 1
      : tf.util.sizeFromShape(a.shape) /
        (a.shape[a.shape.length - (transposeA ? 2 : 1)] ?? 1);
  const explicitB = transposeB && rows >= MIN_ROWS_TO_TRANSPOSE_B;
  if (!transposeA && !explicitB) {
    return original.kernelFunc(args);
  }
  const aPlain = transposeA ? swapLastTwo(a) : a;
  const bPlain = explicitB ? swapLastTwo(b) : b;
  try {
    return original.kernelFunc({
      inputs: { ...inputs, a: aPlain, b: bPlain },
      backend,
      attrs: {
        ...attrs,
        transposeA: false,
        transposeB: transposeB && !explicitB,
      },
    });
  } catch {
    // Rerun on the caller's operands, so that tfjs's error message names the
    // shapes and transpose flags the caller passed, not those of the copies.
    return original.kernelFunc(args);
  } finally {
    const wasm = backend as unknown as WasmBackend;
    if (aPlain !== a) wasm.disposeData(aPlain.dataId);
    if (bPlain !== b) wasm.disposeData(bPlain.dataId);
  }
}
