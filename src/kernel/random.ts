/**
 * The machine's only source of randomness: a seeded xoshiro128** generator, so the same seed
 * gives the same run byte for byte. Simplified: the kernel's get_random_* draw from a CRNG;
 * determinism matters more here than unpredictability.
 * @kernel drivers/char/random.c get_random_u32
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the 128-bit state; an all-zero state would stick at 0.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  get_random_u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n), n ≤ 2^32, without modulo bias worth noticing at this size. */
  below(n: number): number {
    return Math.floor((this.get_random_u32() / 4294967296) * n);
  }

  /** A uniform double in [0, 1). */
  float(): number {
    return this.get_random_u32() / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
