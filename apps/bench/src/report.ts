import type { Highlight } from './highlights.js';
import type { TimingSummary } from './stats.js';

/** The JSON schema version that `BenchReport` follows. */
export const REPORT_VERSION = 1;

/** Parameter values that identify a case, such as batch or length. */
export type CaseParams = Record<string, number | string>;

/** Memory measured over one untimed run of a case. */
export interface MemoryUsage {
  /** tfjs's peak bytes held by live tensors during the run (`tf.profile`). */
  peakTensorBytes: number;
  /** Resident set size right after the run, in bytes. */
  rssBytes: number;
  /**
   * Peak resident set size of the whole process so far, in bytes
   * (`process.resourceUsage().maxRSS`). It only grows, so it bounds this
   * case together with every case before it.
   */
  maxRssBytes: number;
}

/** The outcome of one benchmark case. */
export interface CaseResult {
  /** Suite the case belongs to: `kernel`, `model`, `baseline` or `mnist`. */
  suite: string;
  /** Group of comparable cases within the suite, e.g. `length sweep`. */
  group: string;
  /** Short unique name, e.g. `ssmForward fwd+bwd B16 H256 N64 L1024`. */
  name: string;
  /** Implementation being measured, e.g. `@s4d/kernel` or `tfjs-layers GRU`. */
  implementation: string;
  /** tfjs backend the case ran on. */
  backend: string;
  /** Sizes and settings of the case. */
  params: CaseParams;
  /** Whether the case ran, was skipped (with `reason`) or failed. */
  status: 'ok' | 'skipped' | 'failed';
  /** Reason for a skip, or the error message of a failure. */
  reason?: string;
  /**
   * Tokens (batch times length) one run processes, or 0 for a case without
   * a fixed count, such as a training run with a time budget.
   */
  tokens: number;
  /** Wall-clock seconds per run. */
  seconds?: TimingSummary;
  /** Median seconds divided by `tokens`; absent when `tokens` is 0. */
  secondsPerToken?: number;
  /** Estimated floating-point operations of one run; see `flopsModel`. */
  flops?: number;
  /** Counting method behind `flops`. */
  flopsModel?: string;
  /** `flops` divided by the median seconds, in GFLOP/s. */
  gflopsPerSecond?: number;
  /** `gflopsPerSecond` over the measured 2-D matMul rate of the backend. */
  rooflineFraction?: number;
  /** Memory of the case. */
  memory?: MemoryUsage;
  /**
   * Tensors still alive after the timed runs that were not before them. A
   * training case without warm-up counts its optimizer's new slot variables
   * here.
   */
  leakedTensors?: number;
  /** Extra measured values, such as accuracy for `mnist`. */
  metrics?: Record<string, number>;
}

/** The machine and software a report was measured on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  platform: string;
  node: string;
  tfjsCore: string;
  tfjsLayers: string;
  /** Whether the WASM backend ran its SIMD binary. */
  wasmSimd: boolean;
  /** Threads of the WASM backend. */
  wasmThreads: number;
  /** One-minute load average when the run started and when it ended. */
  loadAverage: { start: number; end: number };
}

/**
 * The measured 2-D matMul rate that roofline fractions refer to, from the
 * fastest timed run.
 */
export interface Roofline {
  backend: string;
  /** The matMul shape, `[m, k] x [k, n]`. */
  shape: [number, number, number];
  gflopsPerSecond: number;
}

/** Everything one benchmark run measured; the JSON the reports come from. */
export interface BenchReport {
  version: number;
  /** ISO 8601 time the run started. */
  date: string;
  /** The command line that produced the report. */
  command: string;
  /**
   * `git describe --always --dirty` of the checkout, or `unknown` outside a
   * git checkout. A `-dirty` suffix means uncommitted changes were built.
   */
  revision: string;
  quick: boolean;
  /** Warm-up and timed runs per case. */
  warmup: number;
  /** Minimum seconds of warm-up per case; absent in older reports. */
  warmupSeconds?: number;
  repeats: number;
  suites: string[];
  machine: MachineInfo;
  rooflines: Roofline[];
  /** Headline figures computed from `cases`. */
  highlights: Highlight[];
  cases: CaseResult[];
  /** Total wall-clock seconds of the run. */
  durationSeconds: number;
}
