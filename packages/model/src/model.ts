import type { ModelConfig } from '@s4d/config';
import type { SsmState } from '@s4d/kernel';
import * as tf from '@tensorflow/tfjs-core';
import { S4DBlock } from './block.js';
import { describeValue, ModelError } from './errors.js';
import { Dense } from './layers/dense.js';
import { LayerNorm } from './layers/layer_norm.js';
import { addPrefixed, type ParameterMap } from './layers/parameters.js';
import { SSM_TIMESCALE_NAMES } from './ssm_layer.js';
import { S4DState } from './state.js';

/** Options of `S4DModel.apply`. */
export interface ApplyOptions {
  /** Whether dropout is active (default false, which is deterministic). */
  training?: boolean;
  /**
   * Valid length of each sequence of a right-padded batch, each in
   * [1, length]. `last` then takes each sequence's last valid position and
   * `mean` averages only the valid positions.
   */
  lengths?: readonly number[];
  /** Seed of the dropout masks, so a training run can be repeated exactly. */
  seed?: number;
}

/** The parameter names of a model split into optimizer groups. */
export interface ParameterGroups {
  /** `log_dt`, `log_A_real` and `A_imag` of every block (and `B`, if a block had one). */
  ssm: string[];
  /** Every other parameter. */
  other: string[];
}

/** The result of one streaming step. */
export interface StepResult {
  /** The model's output for the frame, [batch, hiddenSize]. */
  output: tf.Tensor2D;
  /** The state after the frame. */
  state: S4DState;
}

/**
 * An S4D sequence model: an input projection (a dense layer, only when
 * `embedDim` differs from `hiddenSize`), `numLayers` S4D blocks, a final
 * LayerNorm, and the output that `config.output` selects.
 */
export class S4DModel {
  /** The resolved config the model was built from. */
  readonly config: ModelConfig;
  readonly input: Dense | undefined;
  readonly blocks: readonly S4DBlock[];
  readonly norm: LayerNorm;
  private readonly identity = Symbol('S4DModel');
  private disposed = false;

  /**
   * @param config A resolved config, as `parseModelConfig` returns it.
   * @param seed Seed of the initialization.
   */
  constructor(config: ModelConfig, seed: number) {
    this.config = Object.freeze({ ...config });
    this.input =
      config.embedDim === config.hiddenSize
        ? undefined
        : new Dense(config.embedDim, config.hiddenSize, 'input', seed);
    const blocks: S4DBlock[] = [];
    for (let index = 0; index < config.numLayers; index++) {
      blocks.push(new S4DBlock(config, index, seed));
    }
    this.blocks = blocks;
    this.norm = new LayerNorm(config.hiddenSize, 'norm');
  }

  /**
   * Runs the model over a batch of sequences.
   *
   * @param x Input, [batch, length, embedDim]; `length` must equal
   *   `config.seqLen` unless that is null.
   * @param options Training mode, valid lengths and dropout seed.
   * @returns [batch, hiddenSize] for `output: 'last' | 'mean'`, or
   *   [batch, length, hiddenSize] for `output: 'sequence'`.
   * @throws ModelError for a wrong rank, embedDim or length, or bad lengths.
   */
  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    this.checkAlive('apply');
    this.checkInput('apply', x);
    checkApplyOptions(options);
    const [batch, length] = x.shape as [number, number, number];
    const lengths = this.checkLengths(options.lengths, batch, length);
    const training = options.training ?? false;

    return tf.tidy(() => {
      let h = (this.input?.apply(x) ?? x) as tf.Tensor3D;
      for (const block of this.blocks) {
        h = block.apply(h, training, options.seed);
      }
      return this.readOut(h, lengths);
    });
  }

  /**
   * Returns the model's trainable variables under stable hierarchical names,
   * such as
   * `input.weight`, `blocks.0.ssm.log_dt` and `norm.bias`, in a fixed order.
   * Model files use the same names. After `dispose` the variables are
   * disposed (`isDisposed` is true).
   */
  parameters(): Map<string, tf.Variable> {
    const map: ParameterMap = new Map();
    if (this.input !== undefined) {
      addPrefixed(map, 'input', this.input.parameters());
    }
    for (const block of this.blocks) {
      addPrefixed(map, `blocks.${block.index}`, block.parameters());
    }
    addPrefixed(map, 'norm', this.norm.parameters());
    return map;
  }

  /**
   * Splits the parameter names into the SSM timescale group (`log_dt`,
   * `log_A_real`, `A_imag`: a learning rate of at most 0.001 and no weight
   * decay, as in the reference) and the rest.
   */
  parameterGroups(): ParameterGroups {
    const groups: ParameterGroups = { ssm: [], other: [] };
    for (const name of this.parameters().keys()) {
      const leaf = name.slice(name.lastIndexOf('.') + 1);
      const isSsm =
        name.includes('.ssm.') && SSM_TIMESCALE_NAMES.includes(leaf);
      (isSsm ? groups.ssm : groups.other).push(name);
    }
    return groups;
  }

  /**
   * Makes the zero state for streaming with `step`.
   *
   * @param batch Batch size, a positive integer.
   */
  initState(batch: number): S4DState {
    this.checkAlive('initState');
    if (!Number.isInteger(batch) || batch < 1) {
      throw new ModelError(
        `initState: batch must be a positive integer, got ${describeValue(batch)}.`,
      );
    }
    const ssm = this.blocks.map((block) => block.ssm.initState(batch));
    const sum =
      this.config.output === 'mean'
        ? (tf.zeros([batch, this.config.hiddenSize]) as tf.Tensor2D)
        : undefined;
    return new S4DState(this.identity, batch, ssm, 0, sum);
  }

  /**
   * Consumes one frame in recurrent mode, at a cost per frame that does not
   * depend on how many frames came before. Inference only (no dropout).
   *
   * @param state The state after the previous frames; left as it is, so
   *   dispose it when it is no longer needed.
   * @param frame The next input frame, [batch, embedDim].
   * @returns The output for this frame, [batch, hiddenSize] (for `mean`, the
   *   mean over every frame so far), and the next state.
   * @throws ModelError for a state of another model or batch size, or a
   *   frame of the wrong shape.
   */
  step(state: S4DState, frame: tf.Tensor): StepResult {
    this.checkAlive('step');
    this.checkState(state, 'step');
    if (!(frame instanceof tf.Tensor) || frame.isDisposed) {
      throw new ModelError('step: frame must be a live tf.Tensor.');
    }
    if (frame.dtype !== 'float32') {
      throw new ModelError(`step: frame must be float32, got ${frame.dtype}.`);
    }
    const expected = [state.batch, this.config.embedDim];
    if (
      frame.rank !== 2 ||
      frame.shape[0] !== state.batch ||
      frame.shape[1] !== this.config.embedDim
    ) {
      throw new ModelError(
        `step: frame must have shape [${expected}], got [${frame.shape}].`,
      );
    }

    const next: SsmState[] = [];
    const batch = state.batch;
    let h = tf.tidy(() => {
      const rows = tf.reshape(frame, [
        1,
        batch,
        this.config.embedDim,
      ]) as tf.Tensor3D;
      return this.input === undefined ? rows : this.input.step.apply(rows);
    });
    for (const [index, block] of this.blocks.entries()) {
      const result = block.step(state.ssm[index] as SsmState, h);
      h.dispose();
      h = result.y;
      next.push(result.state);
    }
    const normed = tf.tidy(() =>
      tf.reshape(this.norm.apply(h), [batch, this.config.hiddenSize]),
    ) as tf.Tensor2D;
    h.dispose();
    return this.finishFrames(state, next, normed);
  }

  /**
   * Consumes a window in recurrent mode and returns the state after it, so
   * a caller can continue frame by frame with `step`.
   *
   * @param x The window, [batch, length, embedDim].
   * @param state The state to start from (default: the zero state); left as
   *   it is.
   * @returns The state after the window.
   * @throws ModelError for a wrong input or a state of another model.
   */
  prefill(x: tf.Tensor, state?: S4DState): S4DState {
    this.checkAlive('prefill');
    this.checkInput('prefill', x, false);
    const batch = x.shape[0] as number;
    const start = state ?? this.initState(batch);
    if (state !== undefined) {
      this.checkState(state, 'prefill');
      if (state.batch !== batch) {
        throw new ModelError(
          `prefill: x has batch ${batch} but the state was made for batch ${state.batch}.`,
        );
      }
    }

    const next: SsmState[] = [];
    let h = (this.input?.apply(x) ?? tf.clone(x)) as tf.Tensor3D;
    for (const [index, block] of this.blocks.entries()) {
      const result = block.advance(start.ssm[index] as SsmState, h);
      h.dispose();
      h = result.y;
      next.push(result.state);
    }
    const frames = start.frames + (x.shape[1] as number);
    let sum: tf.Tensor2D | undefined;
    if (start.outputSum !== undefined) {
      const chunkSum = tf.tidy(() => tf.sum(this.norm.apply(h), 1));
      sum = tf.add(start.outputSum, chunkSum) as tf.Tensor2D;
      chunkSum.dispose();
    }
    h.dispose();
    if (state === undefined) {
      start.dispose();
    }
    return new S4DState(this.identity, batch, next, frames, sum);
  }

  /** Frees every variable of the model. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    for (const variable of this.parameters().values()) {
      variable.dispose();
    }
    this.input?.step.dispose();
    for (const block of this.blocks) {
      block.disposeStepCache();
    }
    this.disposed = true;
  }

  /** Builds the step result from the normalized output of the frame. */
  private finishFrames(
    state: S4DState,
    ssm: SsmState[],
    frameOutput: tf.Tensor2D,
  ): StepResult {
    const total = state.frames + 1;
    if (state.outputSum === undefined) {
      return {
        output: frameOutput,
        state: new S4DState(this.identity, state.batch, ssm, total, undefined),
      };
    }
    const sum = tf.add(state.outputSum, frameOutput) as tf.Tensor2D;
    frameOutput.dispose();
    const output = tf.div(sum, total) as tf.Tensor2D;
    return {
      output,
      state: new S4DState(this.identity, state.batch, ssm, total, sum),
    };
  }

  private readOut(h: tf.Tensor3D, lengths: number[] | undefined): tf.Tensor {
    const [batch, length, hidden] = h.shape;
    const output = this.config.output;

    if (output === 'sequence') {
      return this.norm.apply(h);
    }

    if (output === 'last') {
      if (lengths === undefined) {
        const last = tf.reshape(
          tf.slice(h, [0, length - 1, 0], [batch, 1, hidden]),
          [batch, hidden],
        );
        return this.norm.apply(last);
      }
      // A one-hot mask instead of tf.gather: gather has no gradient on the
      // WASM backend, and the mask keeps the model trainable.
      const positions = tf.tensor1d(
        lengths.map((n) => n - 1),
        'int32',
      );
      const mask = tf.expandDims(tf.oneHot(positions, length), 2);
      return this.norm.apply(tf.sum(tf.mul(h, mask), 1));
    }

    const normed = this.norm.apply(h);
    if (lengths === undefined) {
      return tf.mean(normed, 1);
    }
    const steps = tf.range(0, length, 1, 'int32');
    const valid = tf.less(
      tf.expandDims(steps, 0),
      tf.expandDims(tf.tensor1d(lengths, 'int32'), 1),
    );
    const mask = tf.expandDims(tf.cast(valid, 'float32'), 2);
    const counts = tf.expandDims(tf.tensor1d(lengths, 'float32'), 1);
    return tf.div(tf.sum(tf.mul(normed, mask), 1), counts);
  }

  private checkInput(method: string, x: tf.Tensor, fixedLength = true): void {
    const { embedDim, seqLen } = this.config;
    if (!(x instanceof tf.Tensor)) {
      throw new ModelError(
        `${method}: x must be a tf.Tensor, got ${describeValue(x)}.`,
      );
    }
    if (x.isDisposed) {
      throw new ModelError(`${method}: x was disposed.`);
    }
    if (x.rank !== 3) {
      throw new ModelError(
        `${method}: x must have rank 3, [batch, length, ${embedDim}], got shape [${x.shape}].`,
      );
    }
    if (x.shape[2] !== embedDim) {
      throw new ModelError(
        `${method}: x must have embedDim ${embedDim} on its last axis, got shape [${x.shape}].`,
      );
    }
    if ((x.shape[0] ?? 0) < 1 || (x.shape[1] ?? 0) < 1) {
      throw new ModelError(
        `${method}: x must have at least one sequence and one step, got shape [${x.shape}].`,
      );
    }
    if (x.dtype !== 'float32') {
      throw new ModelError(`${method}: x must be float32, got ${x.dtype}.`);
    }
    if (fixedLength && seqLen !== null && x.shape[1] !== seqLen) {
      throw new ModelError(
        `${method}: x must have length ${seqLen} (config.seqLen), got ${x.shape[1]}; ` +
          'build the model with seqLen: null for any length.',
      );
    }
  }

  private checkLengths(
    lengths: readonly number[] | undefined,
    batch: number,
    length: number,
  ): number[] | undefined {
    if (lengths === undefined) {
      return undefined;
    }
    if (!Array.isArray(lengths)) {
      throw new ModelError(
        `apply: options.lengths must be an array of ${batch} integers, got ${describeValue(lengths)}.`,
      );
    }
    if (lengths.length !== batch) {
      throw new ModelError(
        `apply: options.lengths must have one entry per sequence (${batch}), got ${lengths.length}.`,
      );
    }
    for (const [index, value] of lengths.entries()) {
      if (!Number.isInteger(value) || value < 1 || value > length) {
        throw new ModelError(
          `apply: options.lengths[${index}] must be an integer in [1, ${length}], got ${describeValue(value)}.`,
        );
      }
    }
    return [...lengths];
  }

  private checkState(state: S4DState, method: string): void {
    if (!(state instanceof S4DState) || state.owner !== this.identity) {
      throw new ModelError(
        `${method}: the state was not made by this model; create one with model.initState(batch).`,
      );
    }
    if (state.isDisposed) {
      throw new ModelError(`${method}: the state was disposed.`);
    }
  }

  private checkAlive(method: string): void {
    if (this.disposed) {
      throw new ModelError(`${method}: the model was disposed.`);
    }
  }
}

const APPLY_OPTION_NAMES: readonly string[] = ['training', 'lengths', 'seed'];

function checkApplyOptions(options: ApplyOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ModelError(
      `apply: options must be an object such as { training: true }, got ${describeValue(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!APPLY_OPTION_NAMES.includes(key)) {
      throw new ModelError(
        `apply: unknown option ${JSON.stringify(key)}; the options are ${APPLY_OPTION_NAMES.join(', ')}.`,
      );
    }
  }
  if (options.training !== undefined && typeof options.training !== 'boolean') {
    throw new ModelError(
      `apply: options.training must be true or false, got ${describeValue(options.training)}.`,
    );
  }
  const seed = options.seed;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) {
    throw new ModelError(
      `apply: options.seed must be a non-negative integer, got ${describeValue(seed)}.`,
    );
  }
}
