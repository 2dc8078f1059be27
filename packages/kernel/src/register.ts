import {
  type GradConfig,
  getGradient,
  getKernel,
  type KernelFunc,
  registerGradient,
  registerKernel,
} from '@tensorflow/tfjs-core';
import { KERNEL_BACKENDS } from './backend_io.js';

/**
 * Registers `kernelFunc` under `kernelName` for the WASM and CPU backends,
 * unless a kernel of that name is already there (a second copy of this
 * package shares tfjs's global registry, and tfjs warns on a duplicate).
 */
export function registerKernelOnce(
  kernelName: string,
  kernelFunc: KernelFunc,
): void {
  for (const backendName of KERNEL_BACKENDS) {
    if (getKernel(kernelName, backendName) == null) {
      registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

/** Registers a gradient unless one is registered for its kernel already. */
export function registerGradientOnce(config: GradConfig): void {
  if (getGradient(config.kernelName) == null) {
    registerGradient(config);
  }
}
