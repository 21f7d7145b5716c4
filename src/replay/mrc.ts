/**
 * LRU miss-ratio curves for every cache size in one pass: Mattson's stack distances (Mattson
 * et al., "Evaluation techniques for storage hierarchies", IBM Systems Journal 1970). LRU is a
 * stack algorithm: a cache of c objects holds exactly the c most recently used keys, so a
 * request hits at size c iff its stack distance — the number of distinct keys requested since
 * the previous request for the same key, itself included — is at most c. One histogram of
 * distances gives the misses at every size: misses(c) = cold + Σ_{d > c} hist[d].
 *
 * The distance is counted over time positions marked "dead" once their key is requested again:
 * of the t − p − 1 requests between a key's previous request p and now (t), the live ones are
 * distinct keys, so the distance is t − p − (dead positions after p). Dead positions are one
 * bit each, with a Fenwick tree of counts per 32-position block over them, so a request costs
 * one popcount, one prefix query and one update of a tree 32 times smaller than the positions
 * (it stays in cache). There are 2·nKeys positions; when time reaches the end, the live
 * positions (one per key seen) are renumbered 0 … live−1 in order and the marks cleared, which
 * costs O(nKeys) at most once per nKeys requests: O(log nKeys) per request. For a b b a: the second
 * a has p = 0, t = 3, one dead position (the first b) after p, so distance 3 − 0 − 1 = 2.
 *
 * Sampled curves (SHARDS, Waldspurger et al., FAST 2015) run the same code on a spatially
 * sampled trace (src/replay/trace.ts keeps a key iff its hash is below R·2^24): a sampled
 * distance d stands for d/R, so size c hits iff d ≤ c·R. SHARDS_adj's correction adds the
 * difference between the expected (R·N) and the actual number of sampled requests to the
 * distance-1 bucket, which removes most of the error from sampling hot keys more or less often
 * than their share.
 */
import type { DenseTrace } from "./trace.js";

/** The LRU stack-distance histogram of a trace. */
export interface StackDistances {
  /** hist[d]: counted requests at stack distance d (1 … nKeys); hist[0] is unused. */
  readonly hist: Float64Array;
  /** Counted requests for keys not seen before. */
  readonly cold: number;
  /** Counted requests (those from `from` on). */
  readonly requests: number;
}

/**
 * Stack distances of ids[0 … to), counting requests from `from` on (the ones before warm the
 * stack, as --warmup does for the policies).
 */
export function stackDistances(ids: Int32Array, nKeys: number, from = 0, to = ids.length): StackDistances {
  let size = 1024;
  while (size < 2 * nKeys) size *= 2;
  const blocks = size >>> 5;
  /** One bit per position, set when the request there is no longer its key's latest. */
  const deadBits = new Int32Array(blocks);
  /** Fenwick tree (1-based) of dead counts per 32-position block. */
  const tree = new Int32Array(blocks + 1);
  const last = new Int32Array(nKeys).fill(-1);
  const posId = new Int32Array(size);
  const hist = new Float64Array(nKeys + 1);
  let cold = 0;
  let deadTotal = 0;
  let t = 0;
  for (let i = 0; i < to; i++) {
    // Renumber between requests, when the positions are consistent.
    if (t === size) {
      t = compact(last, posId, t);
      deadBits.fill(0);
      tree.fill(0);
      deadTotal = 0;
    }
    const id = ids[i];
    const p = last[id];
    if (p >= 0) {
      // Distinct keys since p, this one included: the t − p positions after p, less the dead ones.
      const b = p >>> 5;
      const bit = p & 31;
      let deadUpToP = popcount32(deadBits[b] & (bit === 31 ? -1 : (2 << bit) - 1));
      for (let j = b; j > 0; j -= j & -j) deadUpToP += tree[j];
      if (i >= from) hist[t - p - (deadTotal - deadUpToP)]++;
      deadBits[b] |= 1 << bit;
      for (let j = b + 1; j <= blocks; j += j & -j) tree[j]++;
      deadTotal++;
    } else if (i >= from) cold++;
    last[id] = t;
    posId[t] = id;
    t++;
  }
  return { hist, cold, requests: Math.max(0, to - from) };
}

/** Set bits of a 32-bit word. */
function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Renumbers the live positions 0 … live−1 in order; returns the new time. */
function compact(last: Int32Array, posId: Int32Array, t: number): number {
  let k = 0;
  for (let pos = 0; pos < t; pos++) {
    const id = posId[pos];
    if (last[id] !== pos) continue;
    posId[k] = id;
    last[id] = k;
    k++;
  }
  return k;
}

/** Miss ratio at any cache size, from a (possibly sampled) stack-distance histogram. */
export class MissRatioCurve {
  /** beyond[s]: requests that miss at sampled size s (cold + distances above s). */
  private readonly beyond: Float64Array;

  constructor(
    sd: StackDistances,
    /** Sampling rate the distances were measured at (1: exact). */
    readonly rate = 1,
    /** Requests the ratio is taken over (the sampled count, or R·N with SHARDS_adj). */
    readonly total = sd.requests,
    /** Largest meaningful cache size (the trace's distinct keys, scaled up when sampled). */
    readonly maxSize = Math.round((sd.hist.length - 1) / rate),
  ) {
    const h = sd.hist;
    const beyond = new Float64Array(h.length);
    let acc = sd.cold;
    for (let s = h.length - 1; s >= 0; s--) {
      beyond[s] = acc;
      acc += h[s];
    }
    this.beyond = beyond;
  }

  /** Misses at a cache of `size` objects (exact for unsampled curves; scaled estimate when sampled). */
  missesAt(size: number): number {
    const s = Math.min(Math.floor(size * this.rate + 1e-9), this.beyond.length - 1);
    return this.beyond[Math.max(0, s)] / this.rate;
  }

  /** Miss ratio at a cache of `size` objects. */
  at(size: number): number {
    const s = Math.min(Math.floor(size * this.rate + 1e-9), this.beyond.length - 1);
    return this.total > 0 ? this.beyond[Math.max(0, s)] / this.total : 0;
  }
}

/** The exact LRU miss-ratio curve of a trace (requests from `warmup` on count). */
export function lruMissRatioCurve(trace: DenseTrace, warmup = 0): MissRatioCurve {
  return new MissRatioCurve(stackDistances(trace.ids, trace.nKeys, warmup, trace.n));
}

/**
 * The SHARDS estimate of the LRU curve from a trace sampled at trace.sampleRate (built with
 * TraceBuilder's sampleRate). With `adjust` (SHARDS_adj, the default), the distance-1 bucket
 * absorbs the difference between R·N expected and the sampled requests.
 */
export function shardsMissRatioCurve(trace: DenseTrace, adjust = true): MissRatioCurve {
  const r = trace.sampleRate;
  const sd = stackDistances(trace.ids, trace.nKeys);
  if (!adjust) return new MissRatioCurve(sd, r, sd.requests);
  const expected = trace.totalRequests * r;
  const hist = sd.hist.slice();
  // The first bucket takes the surplus or deficit (never below zero).
  const diff = Math.max(expected - sd.requests, -hist[1]);
  if (hist.length > 1) hist[1] += diff;
  return new MissRatioCurve({ hist, cold: sd.cold, requests: sd.requests + diff }, r, sd.requests + diff);
}

/**
 * Mean and largest absolute difference between two curves over sizes minSize … maxSize (every
 * size when there are few, else `points` sizes spread evenly on a log scale). A sampled curve
 * resolves sizes from 1/R up, so compare it from there.
 */
export function curveError(a: MissRatioCurve, b: MissRatioCurve, maxSize: number, points = 1000, minSize = 1): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  let n = 0;
  const sizes = maxSize - minSize < points ? Array.from({ length: maxSize - minSize + 1 }, (_, i) => i + minSize) : logSizes(minSize, maxSize, points);
  for (const s of sizes) {
    const e = Math.abs(a.at(s) - b.at(s));
    sum += e;
    if (e > max) max = e;
    n++;
  }
  return { mean: n > 0 ? sum / n : 0, max };
}

/** `points` distinct integer sizes from lo to hi, evenly spread on a log scale. */
export function logSizes(lo: number, hi: number, points: number): number[] {
  const out: number[] = [];
  const a = Math.log(lo);
  const b = Math.log(hi);
  for (let i = 0; i < points; i++) {
    const s = Math.round(Math.exp(a + ((b - a) * i) / Math.max(1, points - 1)));
    if (out.length === 0 || s > out[out.length - 1]) out.push(s);
  }
  return out;
}
