import * as tf from '@tensorflow/tfjs-core';

let patched = false;

/** The part of the WASM backend that the shared-data kernels use. */
interface RefCountedBackend {
  incRef(dataId: object): void;
}

/**
 * Replaces the WASM backend's Identity kernel, and its Cast kernel for a
 * cast to the same dtype, which both copy their input. The new kernels share
 * the input's data and count one more reference to it, as the backend's own
 * Reshape and the CPU backend's Identity and Cast do. tfjs never writes into
 * the data of an existing tensor, so the two tensors cannot be told apart.
 *
 * tfjs's tape clones every tensor that a gradient needs later, and its
 * gradients cast to float32 what already is float32. For a small S4D model
 * at batch 16 that was 238 Identity and 61 Cast copies per training step.
 * String tensors and casts to another dtype keep the original kernels.
 * Safe to call more than once.
 */
export function patchSharedDataKernels(): void {
  if (patched) {
    return;
  }
  replace('Identity', () => true);
  replace('Cast', (x, attrs) => attrs?.dtype === x.dtype);
  patched = true;
}

/**
 * Registers a WASM kernel under `kernelName` that shares its input `x` when
 * `shares` holds for a non-string input, and runs the original otherwise.
 */
function replace(
  kernelName: string,
  shares: (x: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined) => boolean,
): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (original === undefined) {
    return;
  }
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string' || !shares(x, args.attrs)) {
        return original.kernelFunc(args);
      }
      (args.backend as unknown as RefCountedBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  });
}
