import {
  getKernel,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  type ConvShape,
  convolveBackward,
  convolveForward,
} from './causal_conv_fft.js';
import { acquireWorkspace, fftSizeFor } from './pffft.js';
import { type CachedSpectra, findSpectra } from './spectrum_cache.js';
import { jsTileCopier, type TileCopier } from './strided_copy.js';
import { createHeapTileCopier } from './wasm_copy.js';

/**
 * Kernel name of the causal convolution. Inputs `u` `[batch, length,
 * channels]` and `kernel` `[channels, length]`; output `y` `[batch, length,
 * channels]`. See `CausalConvAttrs` for the spectra it can leave behind.
 */
export const CAUSAL_CONV = 'S4dCausalConv';

/**
 * Kernel name of both gradients of the causal convolution. Inputs `dy`
 * `[batch, length, channels]`, `u` and `kernel`; outputs `du` `[batch,
 * length, channels]` and `dkernel` `[channels, length]`. It reads the spectra
 * that the forward kernel cached when they are still there, and otherwise
 * recomputes them from `u` and `kernel`.
 */
export const CAUSAL_CONV_BACKPROP = 'S4dCausalConvBackprop';

/** Kernel name of the input gradient alone; inputs `dy` and `kernel`. */
export const CAUSAL_CONV_BACKPROP_INPUT = 'S4dCausalConvBackpropInput';

/** Kernel name of the kernel gradient alone; inputs `dy` and `u`. */
export const CAUSAL_CONV_BACKPROP_KERNEL = 'S4dCausalConvBackpropKernel';

/** The backends that the kernels are registered for. */
const BACKENDS = ['wasm', 'cpu'] as const;

/** The part of the WASM backend that the kernels use. */
interface WasmBackendAccess {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The part of the CPU backend that the kernels use. */
interface CpuBackendAccess {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(
    shape: number[],
    dtype: 'float32',
    values: Float32Array,
  ): TensorInfo;
}

/**
 * Hands float32 views of `inputs` and of new outputs of `outputShapes` to
 * `compute`, which must write every output element, and returns the outputs.
 * `compute` also gets the tile copier for those arrays and for convolutions
 * of shape `shape`.
 *
 * On the WASM backend the views point into its heap, so no copy is made. The
 * outputs and the copier's staging area are allocated before any view is
 * taken, because an allocation can grow the heap and detach older views. On
 * the CPU backend the inputs are its stored arrays, and the outputs are new
 * arrays handed over afterwards. Neither path checks shapes, so callers pass
 * inputs that `causalConv` has validated.
 */
function withBackendArrays(
  backend: object,
  inputs: TensorInfo[],
  outputShapes: number[][],
  shape: ConvShape,
  compute: (
    inputs: Float32Array[],
    outputs: Float32Array[],
    copier: TileCopier,
  ) => void,
): TensorInfo[] {
  if ('typedArrayFromHeap' in backend && 'makeOutput' in backend) {
    const wasm = backend as unknown as WasmBackendAccess;
    const workspace = acquireWorkspace(fftSizeFor(shape.length));
    const copier = createHeapTileCopier(
      backend,
      shape.length * shape.channels,
      workspace.tileChannels * workspace.stride,
    );
    try {
      const outputs = outputShapes.map((outputShape) =>
        wasm.makeOutput(outputShape, 'float32'),
      );
      compute(
        inputs.map((info) => wasm.typedArrayFromHeap(info)),
        outputs.map((info) => wasm.typedArrayFromHeap(info)),
        copier ?? jsTileCopier,
      );
      return outputs;
    } finally {
      copier?.release();
    }
  }

  const cpu = backend as unknown as CpuBackendAccess;
  const values = outputShapes.map(
    (shape) => new Float32Array(shape.reduce((size, dim) => size * dim, 1)),
  );
  compute(
    inputs.map((info) => cpu.data.get(info.dataId).values as Float32Array),
    values,
    jsTileCopier,
  );
  return outputShapes.map((shape, index) =>
    cpu.makeTensorInfo(shape, 'float32', values[index] as Float32Array),
  );
}

function shapeOf(u: TensorInfo): ConvShape {
  const [batch = 0, length = 0, channels = 0] = u.shape;
  return { batch, length, channels };
}

/** Attributes of the `CAUSAL_CONV` and `CAUSAL_CONV_BACKPROP` kernels. */
export interface CausalConvAttrs {
  /**
   * The `reserveSpectra` entry that the forward kernel fills with the
   * spectra of `u` and `kernel` and the backward kernel reads, or 0 for none.
   */
  spectraId: number;
}

function spectraFor(attrs: unknown, shape: ConvShape): CachedSpectra | null {
  const { spectraId } = attrs as CausalConvAttrs;
  if (!(spectraId > 0)) {
    return null;
  }
  const size = fftSizeFor(shape.length);
  return findSpectra(spectraId, shape.batch, shape.channels, size) ?? null;
}

const causalConvKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { u, kernel } = inputs as { u: TensorInfo; kernel: TensorInfo };
  const shape = shapeOf(u);
  return withBackendArrays(
    backend,
    [u, kernel],
    [u.shape],
    shape,
    ([uValues, kernelValues], [y], copier) => {
      convolveForward(
        uValues as Float32Array,
        kernelValues as Float32Array,
        y as Float32Array,
        spectraFor(attrs, shape),
        shape,
        copier,
      );
    },
  )[0] as TensorInfo;
};

const causalConvBackpropKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, u, kernel } = inputs as {
    dy: TensorInfo;
    u: TensorInfo;
    kernel: TensorInfo;
  };
  const shape = shapeOf(dy);
  const cached = spectraFor(attrs, shape);
  return withBackendArrays(
    backend,
    [dy, u, kernel],
    [dy.shape, kernel.shape],
    shape,
    ([dyValues, uValues, kernelValues], [du, dkernel], copier) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: kernelValues as Float32Array,
          u: uValues as Float32Array,
          spectra: cached?.filled ? cached : null,
          du: du as Float32Array,
          dkernel: dkernel as Float32Array,
        },
        shape,
        copier,
      );
    },
  );
};

const causalConvBackpropInputKernel: KernelFunc = ({ inputs, backend }) => {
  const { dy, kernel } = inputs as { dy: TensorInfo; kernel: TensorInfo };
  return withBackendArrays(
    backend,
    [dy, kernel],
    [dy.shape],
    shapeOf(dy),
    ([dyValues, kernelValues], [du], copier) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: kernelValues as Float32Array,
          u: null,
          spectra: null,
          du: du as Float32Array,
          dkernel: null,
        },
        shapeOf(dy),
        copier,
      );
    },
  )[0] as TensorInfo;
};

const causalConvBackpropKernelKernel: KernelFunc = ({ inputs, backend }) => {
  const { dy, u } = inputs as { dy: TensorInfo; u: TensorInfo };
  const { length, channels } = shapeOf(u);
  return withBackendArrays(
    backend,
    [dy, u],
    [[channels, length]],
    shapeOf(u),
    ([dyValues, uValues], [dkernel], copier) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: null,
          u: uValues as Float32Array,
          spectra: null,
          du: null,
          dkernel: dkernel as Float32Array,
        },
        shapeOf(u),
        copier,
      );
    },
  )[0] as TensorInfo;
};

function registerKernelOnce(kernelName: string, kernelFunc: KernelFunc): void {
  for (const backendName of BACKENDS) {
    // A second copy of this package shares tfjs's global registry, and tfjs
    // warns on a duplicate registration.
    if (getKernel(kernelName, backendName) === undefined) {
      registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

registerKernelOnce(CAUSAL_CONV, causalConvKernel);
registerKernelOnce(CAUSAL_CONV_BACKPROP, causalConvBackpropKernel);
registerKernelOnce(CAUSAL_CONV_BACKPROP_INPUT, causalConvBackpropInputKernel);
registerKernelOnce(CAUSAL_CONV_BACKPROP_KERNEL, causalConvBackpropKernelKernel);
