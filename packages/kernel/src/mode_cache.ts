import type { DataId, KernelBackend } from '@tensorflow/tfjs-core';
import {
  type DiscreteModes,
  discretizeModes,
  type ModeValues,
  type ParamInputs,
  readModes,
} from './modes.js';
import type { Discretization } from './params.js';

/** The float64 mode values of a parameter set and their discretization. */
export interface Modes {
  values: ModeValues;
  discrete: DiscreteModes;
}

interface CacheEntry extends Modes {
  backend: KernelBackend;
  method: Discretization;
  dataIds: (DataId | undefined)[];
}

// Entries are keyed by the data of logAReal and hold the data ids of every
// other parameter. tfjs never writes into the data of an existing tensor: a
// new tensor, and `Variable.assign`, always get a new data id. So a hit means
// the parameter values are exactly those of the entry, and any update misses.
const cache = new WeakMap<DataId, CacheEntry[]>();
const MAX_ENTRIES_PER_KEY = 2;

/**
 * Reads and discretizes the parameters of a kernel call, reusing the result
 * of an earlier call on the same tensor data. Step mode at batch 1 calls this
 * once per frame, where the exp, cos and sin of every mode would otherwise
 * cost more than the recurrence.
 *
 * The same object comes back for as long as the entry lives, so callers can
 * key their own per-parameter data on it.
 *
 * @throws SsmError if a parameter contains NaN or an infinity.
 */
export function modesFor(
  caller: string,
  backend: KernelBackend,
  inputs: ParamInputs,
  method: Discretization,
): Modes {
  const dataIds = [
    inputs.logDt.dataId,
    inputs.aImag.dataId,
    inputs.c.dataId,
    inputs.b?.dataId,
  ];
  const key = inputs.logAReal.dataId;
  const entries = cache.get(key) ?? [];
  const hit = entries.find(
    (entry) =>
      entry.backend === backend &&
      entry.method === method &&
      entry.dataIds.every((id, i) => id === dataIds[i]),
  );
  if (hit !== undefined) {
    return hit;
  }

  const values = readModes(caller, backend, inputs);
  const discrete = discretizeModes(values, method);
  const entry = { backend, method, dataIds, values, discrete };
  entries.unshift(entry);
  entries.length = Math.min(entries.length, MAX_ENTRIES_PER_KEY);
  cache.set(key, entries);
  return entry;
}
