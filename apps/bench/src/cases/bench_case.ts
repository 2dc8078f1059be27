import type { BackendName } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import type { CaseParams } from '../report.js';
import type { TimingOptions, Workload } from '../timing.js';

/** The tfjs namespace from `initBackend`. */
export type Tf = typeof tfc;

/** One benchmark case: what to measure and how to prepare it. */
export interface BenchCase {
  suite: string;
  group: string;
  name: string;
  implementation: string;
  /** Backend to run on; `wasm` unless set. */
  backend?: BackendName;
  params: CaseParams;
  /** Tokens (batch times length) one run processes. */
  tokens: number;
  flops?: number;
  flopsModel?: string;
  /** Cap on timed runs for slow cases; the run's `repeats` otherwise. */
  maxRepeats?: number;
  /** Exact warm-up and timed runs, overriding the run's settings. */
  runs?: TimingOptions;
  /** Whether to make the extra profiled run for memory; true unless set. */
  measureMemory?: boolean;
  /** Creates inputs and weights; throw `CaseSkipped` to skip the case. */
  setup(tf: Tf): Workload | Promise<Workload>;
}

/** Thrown by a case's setup when the case cannot run here, with the reason. */
export class CaseSkipped extends Error {
  override name = 'CaseSkipped';
}

/**
 * Collects every tensor inside `value`, searching arrays, maps and plain
 * objects.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param value Any value, such as a parameter object or a model state.
 * @returns The tensors found, in traversal order, each once.
 */
export function collectTensors(tf: Tf, value: unknown): tfc.Tensor[] {
  const found = new Set<tfc.Tensor>();
  const visit = (item: unknown): void => {
    if (item instanceof tf.Tensor) {
      found.add(item);
    } else if (Array.isArray(item)) {
      item.forEach(visit);
    } else if (item instanceof Map) {
      item.forEach(visit);
    } else if (isPlainObject(item)) {
      Object.values(item).forEach(visit);
    }
  };
  visit(value);
  return [...found];
}

/**
 * Copies `value`, replacing each tensor inside it by `replace(tensor)`, in
 * the same traversal order as `collectTensors`.
 *
 * @param tf The tfjs namespace from `initBackend`.
 * @param value A parameter object or array.
 * @param replace Maps an original tensor to its replacement.
 * @returns The copy.
 */
export function mapTensors(
  tf: Tf,
  value: unknown,
  replace: (tensor: tfc.Tensor) => tfc.Tensor,
): unknown {
  if (value instanceof tf.Tensor) {
    return replace(value);
  }
  if (Array.isArray(value)) {
    return value.map((item) => mapTensors(tf, item, replace));
  }
  if (value instanceof Map) {
    return new Map(
      [...value].map(([key, item]) => [key, mapTensors(tf, item, replace)]),
    );
  }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = mapTensors(tf, item, replace);
    }
    return copy;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
