import type * as tfc from '@tensorflow/tfjs-core';

/**
 * The part of `@s4d/kernel` the benchmarks call. The harness checks for it
 * at run time, so that it builds and runs its other cases before the kernel
 * package exports these functions.
 */
export interface KernelApi {
  initSsmParams(options: {
    channels: number;
    stateSize: number;
    seed?: number;
  }): unknown;
  /** u [batch, length, channels] to y [batch, length, channels]. */
  ssmForward(
    u: tfc.Tensor3D,
    params: never,
    options?: { discretization?: 'zoh' | 'bilinear' },
  ): tfc.Tensor3D;
}

/** A built S4D model, as far as the benchmarks use it. */
export interface ModelLike {
  apply(
    x: tfc.Tensor3D,
    options?: { training?: boolean },
  ): tfc.Tensor | tfc.Tensor[];
  parameters(): Map<string, tfc.Variable>;
  initState(batch: number): unknown;
  step(state: never, frame: tfc.Tensor2D): unknown;
  dispose(): void;
}

/** The part of `@s4d/model` the benchmarks call. */
export interface ModelApi {
  build(options: Record<string, unknown>, extra?: { seed?: number }): ModelLike;
  paramCount(options: Record<string, unknown>): number;
}

type Loaded<T> = { api: T } | { missing: string };

/**
 * Imports `@s4d/kernel` and checks that it exports `initSsmParams` and
 * `ssmForward`.
 *
 * @returns The API, or the reason it is unavailable.
 */
export async function loadKernel(): Promise<Loaded<KernelApi>> {
  return loadModule('@s4d/kernel', ['initSsmParams', 'ssmForward']);
}

/**
 * Imports `@s4d/model` and checks that it exports `build` and `paramCount`.
 *
 * @returns The API, or the reason it is unavailable.
 */
export async function loadModel(): Promise<Loaded<ModelApi>> {
  return loadModule('@s4d/model', ['build', 'paramCount']);
}

async function loadModule<T>(
  name: string,
  exportsNeeded: string[],
): Promise<Loaded<T>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(name)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { missing: `${name} failed to load (${message}); run pnpm build` };
  }

  const absent = exportsNeeded.filter(
    (key) => typeof module[key] !== 'function',
  );
  if (absent.length > 0) {
    return {
      missing: `${name} does not export ${absent.join(', ')} yet; rebuild it with pnpm --filter ${name} build`,
    };
  }
  return { api: module as T };
}
