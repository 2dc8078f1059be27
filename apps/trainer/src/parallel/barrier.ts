/** Indices of the barrier's counters in its `Int32Array`. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;

/** Number of `Int32Array` elements a barrier needs. */
export const BARRIER_LENGTH = 3;

/** Raised in a worker waiting at a barrier that the main thread aborted. */
export class BarrierAbortedError extends Error {
  override name = 'BarrierAbortedError';
}

/**
 * A reusable barrier for `parties` worker threads over a shared
 * `Int32Array`, with `Atomics.wait`. The main thread is not a party: it
 * aborts the barrier when a worker dies, so that the others wake up.
 */
export class Barrier {
  /**
   * @param cells A shared array of `BARRIER_LENGTH` elements, zeroed.
   * @param parties Number of threads that meet at the barrier.
   */
  constructor(
    private readonly cells: Int32Array,
    private readonly parties: number,
  ) {}

  /**
   * Waits until all parties have arrived.
   *
   * @throws BarrierAbortedError if the barrier is aborted.
   */
  arrive(): void {
    const generation = Atomics.load(this.cells, GENERATION);
    if (Atomics.add(this.cells, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(this.cells, ARRIVED, 0);
      Atomics.add(this.cells, GENERATION, 1);
      Atomics.notify(this.cells, GENERATION);
    } else {
      while (
        Atomics.load(this.cells, GENERATION) === generation &&
        Atomics.load(this.cells, ABORTED) === 0
      ) {
        Atomics.wait(this.cells, GENERATION, generation);
      }
    }
    if (Atomics.load(this.cells, ABORTED) !== 0) {
      throw new BarrierAbortedError('the barrier was aborted');
    }
  }

  /** Wakes every waiting party with `BarrierAbortedError`, for good. */
  abort(): void {
    Atomics.store(this.cells, ABORTED, 1);
    Atomics.add(this.cells, GENERATION, 1);
    Atomics.notify(this.cells, GENERATION);
  }
}
