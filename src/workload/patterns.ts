/**
 * Access-pattern generators: which page of a window a program touches next. Each generator is a
 * small object whose `next()` returns a page index in [0, nPages) without allocating, so a
 * touch of millions of accesses costs the model's fault path and nothing else. Randomness comes
 * from a seeded Prng (src/kernel/random.ts) the runner gives each process, so a pattern's
 * sequence depends only on the scenario seed and the process, not on how much randomness the
 * kernel itself drew meanwhile.
 *
 * - sequential: 0, 1, 2, … n-1, then again from 0.
 * - random: uniform over the pages, with repetition (like a hash table's probes).
 * - stride: every s-th page, then the next offset: with s = 4 and n = 10,
 *   0 4 8 1 5 9 2 6 3 7 — one pass visits every page once, in the order a column-major walk
 *   of a row-major matrix does.
 * - zipf(alpha): page k-1 with probability ∝ 1/k^alpha (page 0 hottest); alpha ≈ 1 is the
 *   classic web/cache popularity skew. Sampled by rejection-inversion (Hörmann and Derflinger,
 *   "Rejection-inversion to generate variates from monotone discrete distributions", 1996), which
 *   needs O(1) memory for any n: no table of n cumulative weights.
 *
 * Simplified: accesses are page-granular (one access = one page touched); cache lines and TLB
 * reach are not modelled.
 */
import type { Prng } from "../sim/index.js";
import type { PatternSpec } from "./schema.js";

export const PAGE_SIZE = 4096;

/** An endless stream of page indices in [0, nPages). */
export interface PageGenerator {
  readonly nPages: number;
  next(): number;
}

export class Sequential implements PageGenerator {
  private i = 0;
  constructor(readonly nPages: number) {}
  next(): number {
    const v = this.i;
    this.i = v + 1 === this.nPages ? 0 : v + 1;
    return v;
  }
}

export class UniformRandom implements PageGenerator {
  constructor(
    readonly nPages: number,
    private readonly rng: Prng,
  ) {}
  next(): number {
    return this.rng.below(this.nPages);
  }
}

export class Stride implements PageGenerator {
  private base = 0;
  private cur = 0;
  private readonly step: number;
  constructor(
    readonly nPages: number,
    strideBytes: number,
  ) {
    this.step = Math.max(1, Math.floor(strideBytes / PAGE_SIZE));
  }
  next(): number {
    const v = this.cur;
    let n = v + this.step;
    if (n >= this.nPages) {
      // Next column; after the last column, start over at page 0.
      this.base = this.base + 1 >= this.step || this.base + 1 >= this.nPages ? 0 : this.base + 1;
      n = this.base;
    }
    this.cur = n;
    return v;
  }
}

/** H(x) = ∫ x^-s dx in a form stable near s = 1. */
function hIntegral(x: number, s: number): number {
  const logX = Math.log(x);
  return helper2((1 - s) * logX) * logX;
}
function h(x: number, s: number): number {
  return Math.exp(-s * Math.log(x));
}
function hIntegralInverse(x: number, s: number): number {
  let t = x * (1 - s);
  if (t < -1) t = -1;
  return Math.exp(helper1(t) * x);
}
/** log1p(x)/x, with its series near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}
/** expm1(x)/x, with its series near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x * (1 + 0.25 * x)) / 3);
}

/** Zipf over ranks 1..n with exponent alpha, by rejection-inversion; returns rank-1. */
export class Zipf implements PageGenerator {
  private readonly hX1: number;
  private readonly hN: number;
  private readonly sCoef: number;
  constructor(
    readonly nPages: number,
    private readonly alpha: number,
    private readonly rng: Prng,
  ) {
    const s = alpha;
    this.hX1 = hIntegral(1.5, s) - 1;
    this.hN = hIntegral(nPages + 0.5, s);
    this.sCoef = 2 - hIntegralInverse(hIntegral(2.5, s) - h(2, s), s);
  }
  next(): number {
    const s = this.alpha;
    const n = this.nPages;
    for (;;) {
      const u = this.hN + this.rng.float() * (this.hX1 - this.hN);
      const x = hIntegralInverse(u, s);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= this.sCoef || u >= hIntegral(k + 0.5, s) - h(k, s)) return k - 1;
    }
  }
}

/** The generator for a touch's pattern over `nPages` pages. */
export function makeGenerator(p: PatternSpec, nPages: number, rng: Prng): PageGenerator {
  if (!(nPages >= 1)) throw new RangeError(`a pattern needs at least one page, got ${nPages}`);
  switch (p.kind) {
    case "sequential":
      return new Sequential(nPages);
    case "random":
      return new UniformRandom(nPages, rng);
    case "stride":
      return new Stride(nPages, p.stride);
    case "zipf":
      return new Zipf(nPages, p.alpha, rng);
  }
}
