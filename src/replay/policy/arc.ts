/**
 * ARC (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003),
 * the paper's Fig. 4 with c objects: T1 (seen once recently) and T2 (seen at least twice) hold
 * the cached objects, B1 and B2 the ghosts of objects evicted from them; p, the target size of
 * T1, moves toward whichever ghost list is hit.
 *
 * - Hit in T1 or T2: move to the MRU end of T2.
 * - Miss in B1: p = min(p + max(|B2|/|B1|, 1), c); REPLACE; move x to T2's MRU end.
 * - Miss in B2: p = max(p − max(|B1|/|B2|, 1), 0); REPLACE; move x to T2's MRU end.
 * - Miss elsewhere, cache full: if |T1| + |B1| = c, drop B1's LRU and REPLACE when B1 is not
 *   empty, else evict T1's LRU with no ghost; otherwise, when |T1|+|T2|+|B1|+|B2| = 2c drop
 *   B2's LRU, then REPLACE. Then x goes to T1's MRU end.
 * - REPLACE: evict T1's LRU into B1 when T1 is not empty and (|T1| > p, or |T1| = p and x was
 *   in B2), or when T2 is empty; else evict T2's LRU into B2.
 *
 * p is a real number (the deltas are ratios), as in the paper and libCacheSim ARC.c; the guard
 * "or T2 is empty" is libCacheSim's, for the corner the paper leaves undefined. Nothing is evicted
 * while the cache has room, so the directory cases only arise once it is full (as in the paper,
 * where ghosts exist only after the cache first fills).
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, newest, oldest, pushNewest, unlink } from "./lists.js";

const NONE = 0;
const T1 = 1;
const T2 = 2;
const B1 = 3;
const B2 = 4;

export class Arc extends BatchPolicy {
  readonly name = "ARC";
  /** The lists' links (./lists.ts). */
  private readonly links: Int32Array;
  /** Which list each id is on (NONE, T1, T2, B1, B2). */
  private readonly where: Uint8Array;
  /** Sentinels of T1, T2, B1, B2. */
  private readonly hT1: number;
  private readonly hT2: number;
  private readonly hB1: number;
  private readonly hB2: number;
  private t1 = 0;
  private t2 = 0;
  private b1 = 0;
  private b2 = 0;
  /** Target size of T1. */
  private p = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("ARC", capacity, nKeys);
    this.links = makeLinks(nKeys, 4);
    this.where = new Uint8Array(nKeys);
    this.hT1 = nKeys;
    this.hT2 = nKeys + 1;
    this.hB1 = nKeys + 2;
    this.hB2 = nKeys + 3;
  }

  get size(): number {
    return this.t1 + this.t2;
  }

  has(id: number): boolean {
    const w = this.where[id];
    return w === T1 || w === T2;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const l = this.links;
    const where = this.where;
    const c = this.capacity;
    const hT1 = this.hT1;
    const hT2 = this.hT2;
    const hB1 = this.hB1;
    const hB2 = this.hB2;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const x = ids[i];
      const w = where[x];
      if (w === T1) {
        unlink(l, x);
        pushNewest(l, hT2, x);
        where[x] = T2;
        this.t1--;
        this.t2++;
        continue;
      }
      if (w === T2) {
        if (newest(l, hT2) !== x) {
          unlink(l, x);
          pushNewest(l, hT2, x);
        }
        continue;
      }
      misses++;
      if (w === B1 || w === B2) {
        if (w === B1) {
          this.p = Math.min(this.p + Math.max(this.b2 / this.b1, 1), c);
          this.b1--;
        } else {
          this.p = Math.max(this.p - Math.max(this.b1 / this.b2, 1), 0);
          this.b2--;
        }
        unlink(l, x);
        if (this.t1 + this.t2 >= c) this.replace(w === B2);
        pushNewest(l, hT2, x);
        where[x] = T2;
        this.t2++;
        continue;
      }
      if (this.t1 + this.t2 >= c) {
        if (this.t1 + this.b1 >= c) {
          if (this.b1 > 0) {
            this.dropOldest(hB1);
            this.b1--;
            this.replace(false);
          } else {
            // |T1| = c: evict T1's LRU with no ghost.
            this.dropOldest(hT1);
            this.t1--;
          }
        } else {
          if (this.t1 + this.t2 + this.b1 + this.b2 >= 2 * c && this.b2 > 0) {
            this.dropOldest(hB2);
            this.b2--;
          }
          this.replace(false);
        }
      }
      pushNewest(l, hT1, x);
      where[x] = T1;
      this.t1++;
    }
    return misses;
  }

  /** REPLACE(x, p): demote T1's or T2's LRU object to its ghost list. */
  private replace(xInB2: boolean): void {
    const t1 = this.t1;
    if ((t1 > 0 && (t1 > this.p || (t1 === this.p && xInB2))) || this.t2 === 0) {
      this.demote(this.hT1, this.hB1, B1);
      this.t1--;
      this.b1++;
    } else {
      this.demote(this.hT2, this.hB2, B2);
      this.t2--;
      this.b2++;
    }
  }

  private demote(from: number, ghost: number, kind: number): void {
    const v = oldest(this.links, from);
    unlink(this.links, v);
    pushNewest(this.links, ghost, v);
    this.where[v] = kind;
  }

  private dropOldest(h: number): void {
    const v = oldest(this.links, h);
    unlink(this.links, v);
    this.where[v] = NONE;
  }
}
