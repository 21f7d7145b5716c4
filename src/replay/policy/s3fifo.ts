/**
 * S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023): a small
 * FIFO S (10% of the cache), a main FIFO M (the rest) and a ghost FIFO G of ids (90% of the
 * cache, in entries); a 2-bit frequency per cached object, incremented on each hit up to 3.
 *
 * - Miss: while the cache is full, evict; then an id found in G goes to M's head, any other
 *   object to S's head, with frequency 0.
 * - Evict: from M when M holds more than its share (c − |S target|) or S is empty, else from S.
 * - Evict from S: take S's tail; with frequency ≥ 2 (the promotion threshold) it moves to M's
 *   head with frequency 0 and the next tail is tried; otherwise its id goes to G's head (G drops
 *   its tail beyond its size) and the object leaves the cache.
 * - Evict from M: take M's tail; with frequency ≥ 1 it is reinserted at M's head with its
 *   frequency minus one; otherwise it leaves the cache.
 *
 * These are the authors' own rules as libCacheSim S3FIFO.c implements them (the paper's
 * pseudo-code keeps the frequency of an object moved to M and makes room in M at once; the
 * reference code clears it and lets M run over its share until the next eviction). Sizes:
 * |S| = ⌊0.1c⌋ and |G| = ⌊0.9c⌋ as libCacheSim computes them, but |S| is at least 1: below
 * c = 20 libCacheSim's S holds at most one object and its S3FIFO_insert admits nothing
 * "larger or equal" to S, so it caches nothing at all there.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, oldest, pushNewest, unlink } from "./lists.js";

const NONE = 0;
const SMALL = 1;
const MAIN = 2;
const GHOST = 3;

/** Promotion threshold: an object hit this often while in S moves to M. */
const MOVE_TO_MAIN = 2;

export class S3Fifo extends BatchPolicy {
  readonly name = "S3-FIFO";
  /** The lists' links (./lists.ts). */
  private readonly links: Int32Array;
  private readonly where: Uint8Array;
  private readonly freq: Uint8Array;
  private readonly hS: number;
  private readonly hM: number;
  private readonly hG: number;
  /** Target sizes of S and M, and G's size. */
  readonly smallSize: number;
  readonly mainSize: number;
  readonly ghostSize: number;
  private nS = 0;
  private nM = 0;
  private nG = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("S3-FIFO", capacity, nKeys);
    this.links = makeLinks(nKeys, 3);
    this.where = new Uint8Array(nKeys);
    this.freq = new Uint8Array(nKeys);
    this.hS = nKeys;
    this.hM = nKeys + 1;
    this.hG = nKeys + 2;
    this.smallSize = Math.max(1, Math.floor(capacity * 0.1));
    this.mainSize = capacity - this.smallSize;
    this.ghostSize = Math.floor(capacity * 0.9);
  }

  get size(): number {
    return this.nS + this.nM;
  }

  has(id: number): boolean {
    const w = this.where[id];
    return w === SMALL || w === MAIN;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const l = this.links;
    const where = this.where;
    const freq = this.freq;
    const c = this.capacity;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const x = ids[i];
      const w = where[x];
      if (w === SMALL || w === MAIN) {
        if (freq[x] < 3) freq[x]++;
        continue;
      }
      misses++;
      if (w === GHOST) {
        unlink(l, x);
        this.nG--;
      }
      while (this.nS + this.nM >= c) {
        if (this.nM > this.mainSize || this.nS === 0) this.evictMain();
        else this.evictSmall();
      }
      freq[x] = 0;
      if (w === GHOST) {
        pushNewest(l, this.hM, x);
        where[x] = MAIN;
        this.nM++;
      } else {
        pushNewest(l, this.hS, x);
        where[x] = SMALL;
        this.nS++;
      }
    }
    return misses;
  }

  /** Moves S's tail objects seen twice to M until one leaves the cache (or S is empty). */
  private evictSmall(): void {
    const l = this.links;
    while (this.nS > 0) {
      const t = oldest(l, this.hS);
      unlink(l, t);
      this.nS--;
      if (this.freq[t] >= MOVE_TO_MAIN) {
        pushNewest(l, this.hM, t);
        this.where[t] = MAIN;
        this.freq[t] = 0;
        this.nM++;
        continue;
      }
      if (this.ghostSize > 0) {
        pushNewest(l, this.hG, t);
        this.where[t] = GHOST;
        if (++this.nG > this.ghostSize) {
          const g = oldest(l, this.hG);
          unlink(l, g);
          this.where[g] = NONE;
          this.nG--;
        }
      } else this.where[t] = NONE;
      return;
    }
  }

  /** Reinserts M's tail objects that were hit (one less each time) until one leaves the cache. */
  private evictMain(): void {
    const l = this.links;
    while (this.nM > 0) {
      const t = oldest(l, this.hM);
      unlink(l, t);
      const f = this.freq[t];
      if (f >= 1) {
        pushNewest(l, this.hM, t);
        this.freq[t] = f - 1;
        continue;
      }
      this.where[t] = NONE;
      this.nM--;
      return;
    }
  }
}
