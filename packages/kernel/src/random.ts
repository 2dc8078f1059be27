/**
 * A seeded pseudo-random generator: Mulberry32 (32-bit state, period 2^32)
 * for uniforms, and the Box-Muller transform for normals. The same seed gives
 * the same numbers on every platform, which is what an initialization needs.
 * It is not meant for statistics or cryptography.
 */
export class SeededRandom {
  private state: number;
  private spareNormal: number | undefined;

  /** @param seed Any finite number; its low 32 bits seed the generator. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Draws a uniform number in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Draws a standard normal number. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }

    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
