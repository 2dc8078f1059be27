import * as tf from '@tensorflow/tfjs-core';
import { patchTransposedMatMul } from './fast_transposed_matmul.js';
import { RuntimeError } from './runtime_error.js';
import { patchSharedDataKernels } from './shared_data_kernels.js';

/** A tfjs backend that `initBackend` can set up. */
export type BackendName = 'wasm' | 'cpu';

/** Options for `initBackend`. */
export interface InitBackendOptions {
  /**
   * The backend to use: `wasm` (default) for speed, `cpu` (pure JavaScript,
   * needs `@tensorflow/tfjs-backend-cpu`) for debugging and comparison.
   */
  backend?: BackendName;
  /**
   * Location of the WASM backend's `.wasm` files: a URL prefix ending in
   * `/`, or a map from file name to URL. Needed in a browser when a bundler
   * does not serve the files next to the script. Node loads them from the
   * installed package unless this is set.
   */
  wasmPaths?: string | Partial<Record<WasmFileName, string>>;
}

type WasmFileName =
  | 'tfjs-backend-wasm.wasm'
  | 'tfjs-backend-wasm-simd.wasm'
  | 'tfjs-backend-wasm-threaded-simd.wasm';

/** The runtime state that `initBackend` set up. */
export interface RuntimeInfo {
  /** The active tfjs backend. */
  backend: BackendName;
  /** The tfjs-core version in use. */
  tfjsVersion: string;
  /** Whether the WASM binary with SIMD instructions is in use (false on cpu). */
  simd: boolean;
  /** Threads the backend computes with; the WASM backend in Node uses one. */
  threads: number;
  /** Whether tfjs-core's gradients are registered, so `tf.grad` works. */
  gradients: boolean;
}

type Tf = typeof tf;

let gradientsLoaded: Promise<void> | undefined;
const backendsLoaded = new Map<BackendName, Promise<void>>();

/**
 * Prepares tfjs-core for training and resolves to its namespace.
 *
 * Registers tfjs-core's gradients (its Node entry registers none), loads the
 * requested backend and makes it active. On the WASM backend it also routes
 * matMul with transposed operands through an explicit transpose, which is
 * 10 to 40 times faster there and is what every matMul gradient uses. Calling it again is harmless; a call
 * with another backend switches to it.
 *
 * @example
 * const tf = await initBackend();
 * const dx = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
 *
 * @param options The backend and, in a browser, where its `.wasm` files are.
 * @returns The `@tensorflow/tfjs-core` namespace with the backend active.
 * @throws RuntimeError if the backend package is missing or its WASM binary
 *   cannot be loaded or started.
 */
export async function initBackend(
  options: InitBackendOptions = {},
): Promise<Tf> {
  checkOptions(options);
  const backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw new RuntimeError(
      `initBackend: options.backend must be 'wasm' or 'cpu', got ${JSON.stringify(backend)}.`,
    );
  }

  gradientsLoaded ??= loadGradients();
  await gradientsLoaded;

  if (tf.getBackend() === backend && backendsLoaded.has(backend)) {
    return tf;
  }

  let loaded = backendsLoaded.get(backend);
  if (loaded === undefined) {
    loaded = loadBackend(backend, options).catch((error: unknown) => {
      backendsLoaded.delete(backend);
      throw error;
    });
    backendsLoaded.set(backend, loaded);
  }
  await loaded;

  const { result: ready, output } = await quietly(() => tf.setBackend(backend));
  if (!ready) {
    backendsLoaded.delete(backend);
    tf.removeBackend(backend);
    throw new RuntimeError(startFailureMessage(backend, output));
  }
  if (backend === 'cpu') {
    silenceCpuBanner();
  } else {
    patchTransposedMatMul();
    patchSharedDataKernels();
  }
  return tf;
}

const OPTION_NAMES: readonly string[] = ['backend', 'wasmPaths'];

/**
 * Checks the shape of `initBackend`'s options, so that a misspelled key
 * raises an error instead of leaving the default backend active.
 *
 * @throws RuntimeError naming the first invalid option.
 */
function checkOptions(options: unknown): void {
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options)
  ) {
    throw new RuntimeError(
      `initBackend: options must be an object such as { backend: 'cpu' }, got ${describeValue(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new RuntimeError(
        `initBackend: unknown option '${key}'; the options are backend and wasmPaths.`,
      );
    }
  }

  const { wasmPaths } = options as { wasmPaths?: unknown };
  const isPathMap =
    typeof wasmPaths === 'object' &&
    wasmPaths !== null &&
    !Array.isArray(wasmPaths) &&
    Object.values(wasmPaths).every((url) => typeof url === 'string');
  if (wasmPaths !== undefined && typeof wasmPaths !== 'string' && !isPathMap) {
    throw new RuntimeError(
      `initBackend: options.wasmPaths must be a URL prefix string or a map from .wasm file name to URL, got ${describeValue(wasmPaths)}.`,
    );
  }
}

function describeValue(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * Reports what `initBackend` set up.
 *
 * @returns The backend, tfjs-core version, SIMD, thread count and whether
 *   gradients are registered.
 * @throws RuntimeError if `initBackend` has not completed yet.
 */
export function runtimeInfo(): RuntimeInfo {
  const backend = tf.getBackend();
  if (
    gradientsLoaded === undefined ||
    (backend !== 'wasm' && backend !== 'cpu')
  ) {
    throw new RuntimeError(
      'runtimeInfo: the runtime is not ready; await initBackend() first.',
    );
  }

  const gradients = tf.getGradient('Sum') !== undefined;
  if (backend === 'cpu') {
    return {
      backend,
      tfjsVersion: tf.version_core,
      simd: false,
      threads: 1,
      gradients,
    };
  }

  const wasmBackend = tf.backend() as unknown as WasmBackendInternals;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ?? false;
  const threads = wasmBackend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  return { backend, tfjsVersion: tf.version_core, simd, threads, gradients };
}

interface WasmBackendInternals {
  wasm?: { tfjs?: { getThreadsCount?: () => number } };
}

async function loadGradients(): Promise<void> {
  // The bundled file registers every tfjs-core gradient into the registry
  // that tfjs keeps on globalThis; see scripts/bundle-gradients.mjs.
  const url = new URL('../vendor/tfjs-core-gradients.js', import.meta.url);
  try {
    await import(url.href);
  } catch (error) {
    throw new RuntimeError(
      `initBackend: could not load tfjs-core's gradients from ${url.href} ` +
        `(${errorMessage(error)}). Reinstall @s4d/runtime; in a checkout, ` +
        'run `pnpm build` first.',
      { cause: error },
    );
  }
}

async function loadBackend(
  backend: BackendName,
  options: InitBackendOptions,
): Promise<void> {
  if (backend === 'cpu') {
    await importBackendPackage('@tensorflow/tfjs-backend-cpu');
    return;
  }

  const wasm = (await importBackendPackage(
    '@tensorflow/tfjs-backend-wasm',
  )) as typeof import('@tensorflow/tfjs-backend-wasm');
  if (options.wasmPaths !== undefined) {
    wasm.setWasmPaths(options.wasmPaths);
  }
}

async function importBackendPackage(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    throw new RuntimeError(
      `initBackend: could not load ${name} (${errorMessage(error)}). ` +
        `Install it with \`npm install ${name}@${tf.version_core}\`.`,
      { cause: error },
    );
  }
}

function startFailureMessage(backend: BackendName, output: string[]): string {
  const cause = output.length > 0 ? ` Cause: ${output[0]}` : '';
  if (backend === 'cpu') {
    return `initBackend: the tfjs cpu backend failed to start.${cause}`;
  }
  return (
    'initBackend: the tfjs WASM backend failed to start because its .wasm ' +
    'binary is missing or could not be compiled. In Node, reinstall ' +
    '@tensorflow/tfjs-backend-wasm so that its dist/*.wasm files are present; ' +
    'in a browser, pass options.wasmPaths pointing at a folder that serves ' +
    `them.${cause}`
  );
}

/**
 * Runs `fn` while collecting what tfjs and the Emscripten loader would print
 * on the console, so that a failed backend start reaches the caller as an
 * error message instead of console output.
 */
async function quietly<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; output: string[] }> {
  const output: string[] = [];
  const collect = (...parts: unknown[]) => {
    output.push(parts.map(String).join(' '));
  };
  const { warn, error } = console;
  console.warn = collect;
  console.error = collect;
  try {
    const result = await fn();
    return { result, output };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

/**
 * Writes one tensor with warnings off: the cpu backend prints a banner that
 * recommends tfjs-node on its first write in Node.
 */
function silenceCpuBanner(): void {
  const environment = tf.env();
  const wasProd = environment.getBool('PROD');
  environment.set('PROD', true);
  tf.dispose(tf.scalar(0));
  environment.set('PROD', wasProd);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
