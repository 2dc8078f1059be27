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
import { fftSizeFor } from './pffft.js';

/**
 * Kernel name of the causal convolution. Inputs `u` `[batch, length,
 * channels]` and `kernel` `[channels, length]`; outputs `y` `[batch, length,
 * channels]` and the spectra of `u` and `kernel` (see `CausalConvAttrs`).
 */
export const CAUSAL_CONV = 'S4dCausalConv';

/**
 * Kernel name of both gradients of the causal convolution. Inputs `dy`
 * `[batch, length, channels]`, `uSpectrum` and `kernelSpectrum` (the second
 * and third outputs of `CAUSAL_CONV`); outputs `du` `[batch, length,
 * channels]` and `dkernel` `[channels, length]`.
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
 *
 * On the WASM backend the views point into its heap, so no copy is made. The
 * outputs are allocated before any view is taken, because an allocation can
 * grow the heap and detach older views. On the CPU backend the inputs are its
 * stored arrays, and the outputs are new arrays handed over afterwards.
 * Neither path checks shapes, so callers pass inputs that `causalConv`
 * has validated.
 */
function withBackendArrays(
  backend: object,
  inputs: TensorInfo[],
  outputShapes: number[][],
  compute: (inputs: Float32Array[], outputs: Float32Array[]) => void,
): TensorInfo[] {
  if ('typedArrayFromHeap' in backend && 'makeOutput' in backend) {
    const wasm = backend as unknown as WasmBackendAccess;
    const outputs = outputShapes.map((shape) =>
      wasm.makeOutput(shape, 'float32'),
    );
    compute(
      inputs.map((info) => wasm.typedArrayFromHeap(info)),
      outputs.map((info) => wasm.typedArrayFromHeap(info)),
    );
    return outputs;
  }

  const cpu = backend as unknown as CpuBackendAccess;
  const values = outputShapes.map(
    (shape) => new Float32Array(shape.reduce((size, dim) => size * dim, 1)),
  );
  compute(
    inputs.map((info) => cpu.data.get(info.dataId).values as Float32Array),
    values,
  );
  return outputShapes.map((shape, index) =>
    cpu.makeTensorInfo(shape, 'float32', values[index] as Float32Array),
  );
}

function shapeOf(u: TensorInfo): ConvShape {
  const [batch = 0, length = 0, channels = 0] = u.shape;
  return { batch, length, channels };
}

/** Attributes of the `CAUSAL_CONV` kernel. */
export interface CausalConvAttrs {
  /**
   * Whether to output the spectra of `u`, `[batch, channels, n]`, and of the
   * kernel, `[channels, n]`, in PFFFT's internal order, for
   * `CAUSAL_CONV_BACKPROP`. Otherwise those outputs have shape `[0]`.
   */
  saveSpectrum: boolean;
}

const causalConvKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { u, kernel } = inputs as { u: TensorInfo; kernel: TensorInfo };
  const { saveSpectrum } = attrs as unknown as CausalConvAttrs;
  const shape = shapeOf(u);
  const size = fftSizeFor(shape.length);
  const uSpectrumShape = saveSpectrum
    ? [shape.batch, shape.channels, size]
    : [0];
  const kernelSpectrumShape = saveSpectrum ? [shape.channels, size] : [0];
  return withBackendArrays(
    backend,
    [u, kernel],
    [u.shape, uSpectrumShape, kernelSpectrumShape],
    ([uValues, kernelValues], [y, uSpectrum, kernelSpectrum]) => {
      const spectra = saveSpectrum
        ? {
            u: uSpectrum as Float32Array,
            kernel: kernelSpectrum as Float32Array,
          }
        : null;
      convolveForward(
        uValues as Float32Array,
        kernelValues as Float32Array,
        y as Float32Array,
        spectra,
        shape,
      );
    },
  );
};

const causalConvBackpropKernel: KernelFunc = ({ inputs, backend }) => {
  const { dy, uSpectrum, kernelSpectrum } = inputs as {
    dy: TensorInfo;
    uSpectrum: TensorInfo;
    kernelSpectrum: TensorInfo;
  };
  const { length, channels } = shapeOf(dy);
  return withBackendArrays(
    backend,
    [dy, uSpectrum, kernelSpectrum],
    [dy.shape, [channels, length]],
    ([dyValues, uSpectrumValues, kernelSpectrumValues], [du, dkernel]) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: null,
          kernelSpectrum: kernelSpectrumValues as Float32Array,
          u: null,
          uSpectrum: uSpectrumValues as Float32Array,
          du: du as Float32Array,
          dkernel: dkernel as Float32Array,
        },
        shapeOf(dy),
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
    ([dyValues, kernelValues], [du]) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: kernelValues as Float32Array,
          kernelSpectrum: null,
          u: null,
          uSpectrum: null,
          du: du as Float32Array,
          dkernel: null,
        },
        shapeOf(dy),
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
    ([dyValues, uValues], [dkernel]) => {
      convolveBackward(
        {
          dy: dyValues as Float32Array,
          kernel: null,
          kernelSpectrum: null,
          u: uValues as Float32Array,
          uSpectrum: null,
          du: null,
          dkernel: dkernel as Float32Array,
        },
        shapeOf(u),
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
