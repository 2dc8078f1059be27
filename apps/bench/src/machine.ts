import os from 'node:os';
import { runtimeInfo } from '@s4d/runtime';
import type * as tfc from '@tensorflow/tfjs-core';
import { tfjsLayersVersion } from './baselines/recurrent.js';
import type { MachineInfo } from './report.js';

/**
 * Describes this machine and the software versions, with the WASM backend
 * active so that its SIMD and thread settings can be read.
 *
 * @param tf The tfjs namespace from `initBackend()`.
 * @param loadAtStart One-minute load average when the run started.
 * @returns The machine description; `loadAverage.end` is read now.
 */
export function describeMachine(
  tf: typeof tfc,
  loadAtStart: number,
): MachineInfo {
  const cpus = os.cpus();
  const info = runtimeInfo();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjsCore: tf.version_core,
    tfjsLayers: tfjsLayersVersion,
    wasmSimd: info.backend === 'wasm' ? info.simd : false,
    wasmThreads: info.backend === 'wasm' ? info.threads : 0,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
  };
}
