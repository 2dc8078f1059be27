import type { SsmState } from '@s4d/kernel';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The recurrent state of an `S4DModel`: one SSM state per block, plus, for a
 * model with `output: 'mean'`, the running sum of the outputs so far.
 */
export class S4DState {
  private disposed = false;

  /**
   * @param owner Identity of the model that made the state.
   * @param batch Batch size the state was made for.
   * @param ssm One state per block, each [batch, hiddenSize, stateSize / 2, 2].
   * @param frames Frames consumed so far.
   * @param outputSum Running sum of the outputs, [batch, hiddenSize], for
   *   `output: 'mean'`; undefined otherwise.
   */
  constructor(
    readonly owner: symbol,
    readonly batch: number,
    readonly ssm: readonly SsmState[],
    readonly frames: number,
    readonly outputSum: tf.Tensor2D | undefined,
  ) {}

  /** Whether `dispose` was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the state's tensors. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    tf.dispose([...this.ssm]);
    this.outputSum?.dispose();
  }
}
