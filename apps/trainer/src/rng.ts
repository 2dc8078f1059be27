/**
 * A seeded pseudo-random generator (mulberry32, 32 bits of state) whose state
 * is a plain number, so a checkpoint can store it and a resumed run draws the
 * same sequence as an uninterrupted one.
 */
export class Rng {
  private state: number;

  /** Creates a generator from an integer seed; equal seeds give equal draws. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a float uniform on [0, 1) and advances the state. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns an integer uniform on [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Returns a random 32-bit unsigned integer, used to seed tfjs ops. */
  nextSeed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** Returns a random permutation of 0 .. n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      order[i] = i;
    }
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const swap = order[i] as number;
      order[i] = order[j] as number;
      order[j] = swap;
    }
    return order;
  }

  /** The generator state, for a checkpoint. */
  getState(): number {
    return this.state;
  }

  /** Restores a state returned by `getState`. */
  setState(state: number): void {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new RangeError(
        `Rng.setState: state must be an unsigned 32-bit integer, got ${JSON.stringify(state)}.`,
      );
    }
    this.state = state;
  }
}

/** Mixes a seed and a stream index into a new seed, so streams do not overlap. */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
