/**
 * LIRS (Jiang and Zhang, "LIRS: An Efficient Low Inter-reference Recency Set Replacement Policy
 * to Improve Buffer Cache Performance", SIGMETRICS 2002). Blocks with a small inter-reference
 * recency (LIR, at most Llirs of them) stay cached; the rest of the cache, Lhirs = 1% of it
 * (at least one object, as libCacheSim LIRS.c sizes it), holds resident HIR blocks in the FIFO
 * list Q. The stack S orders LIR blocks and recently seen HIR blocks (resident or not) by
 * recency; its bottom is always a LIR block ("stack pruning" removes HIR entries below the
 * lowest LIR block).
 *
 * - Hit on a LIR block: move it to the top of S; prune if it was at the bottom.
 * - Hit on a resident HIR block in S: it becomes LIR (leaves Q, goes to the top of S); the LIR
 *   block at the bottom of S becomes a resident HIR at the end of Q; prune.
 * - Hit on a resident HIR block not in S: push it on S, move it to the end of Q.
 * - Miss: when the cache is full, the resident HIR block at the front of Q leaves the cache (it
 *   stays in S, non-resident, if it was there). While the LIR set is not full (the cache's first
 *   fill), x becomes LIR. Else, if x is in S (non-resident), it becomes LIR and the bottom LIR
 *   block moves to Q as above; otherwise x becomes a resident HIR at the top of S and the end
 *   of Q.
 * - S is bounded: past 2c entries, the non-resident HIR entry that became non-resident longest
 *   ago leaves S (as libCacheSim's limitStack and Cacheus's LIRS bound it; the paper leaves S
 *   unbounded in principle).
 *
 * libCacheSim's LIRS.c differs in one rule: on a hit to a resident HIR block that is not in S
 * (hit_RD_HIRinQ) it also demotes LIR blocks until the LIR set has room for one more, which
 * the paper does not do; a later new block then fills the LIR set directly. With the option
 * `libCacheSimQHit` this class follows that rule too, and then reproduces libCacheSim's miss
 * counts exactly (docs/replay.md) for caches of 200 objects or more (Lhirs ≥ 2); without it,
 * it is the paper's LIRS.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, oldest, pushNewest, unlink } from "./lists.js";

/** st[] bits. */
const LIR = 1;
const RES = 2;
const IN_S = 4;
const IN_Q = 8;
const IN_NH = 16;

export class Lirs extends BatchPolicy {
  readonly name = "LIRS";
  /** S, the LIRS stack (top = newest), through its own links (./lists.ts). */
  private readonly sLinks: Int32Array;
  /** Q (resident HIR blocks) and NH (non-resident HIR blocks still in S) share one link array. */
  private readonly qLinks: Int32Array;
  private readonly st: Uint8Array;
  private readonly hS: number;
  private readonly hQ: number;
  private readonly hNH: number;
  readonly lirsLimit: number;
  readonly hirsLimit: number;
  private nLir = 0;
  private nHir = 0;
  private nS = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
    /** Follow libCacheSim's hit_RD_HIRinQ (see above) instead of the paper. */
    private readonly libCacheSimQHit = false,
  ) {
    super();
    checkGeometry("LIRS", capacity, nKeys);
    this.sLinks = makeLinks(nKeys, 1);
    this.qLinks = makeLinks(nKeys, 2);
    this.st = new Uint8Array(nKeys);
    this.hS = nKeys;
    this.hQ = nKeys;
    this.hNH = nKeys + 1;
    this.hirsLimit = Math.max(1, Math.floor(capacity * 0.01));
    this.lirsLimit = capacity - this.hirsLimit;
  }

  get size(): number {
    return this.nLir + this.nHir;
  }

  has(id: number): boolean {
    return (this.st[id] & RES) !== 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const st = this.st;
    const sl = this.sLinks;
    const ql = this.qLinks;
    const hS = this.hS;
    const hQ = this.hQ;
    const c = this.capacity;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const x = ids[i];
      const s = st[x];
      if (s & LIR) {
        // The common case, written out: x moves to the top of S (a LIR block is always in S).
        const xi = x << 1;
        const n = sl[xi];
        const p = sl[xi + 1];
        if (p === hS) continue; // already on top
        sl[p << 1] = n;
        sl[(n << 1) + 1] = p;
        const f = sl[hS << 1];
        sl[xi] = f;
        sl[xi + 1] = hS;
        sl[(f << 1) + 1] = x;
        sl[hS << 1] = x;
        if (n === hS) this.prune(); // x was at the bottom
        continue;
      }
      if (s & RES) {
        if (s & IN_S) {
          // A resident HIR block seen again while in S: its recency beats the bottom LIR's.
          unlink(ql, x);
          this.nHir--;
          st[x] = (s & ~IN_Q) | LIR;
          this.nLir++;
          this.toTop(x);
          if (this.nLir > this.lirsLimit) this.demoteBottomLir();
        } else {
          unlink(ql, x);
          pushNewest(ql, hQ, x);
          // (With one HIR slot, Q's front would be x itself; libCacheSim corrupts its state there.)
          if (this.libCacheSimQHit && this.hirsLimit > 1) while (this.nLir >= this.lirsLimit && this.nLir > 0) this.demoteBottomLir();
          this.toTop(x);
          this.limitStack();
        }
        continue;
      }
      misses++;
      if (this.nLir + this.nHir >= c) this.evictQFront();
      if (s & IN_NH) {
        unlink(ql, x);
        st[x] = s & ~IN_NH;
      }
      if (this.nLir < this.lirsLimit || (s & IN_S) !== 0) {
        st[x] |= LIR | RES;
        this.nLir++;
        this.toTop(x);
        if (this.nLir > this.lirsLimit) this.demoteBottomLir();
      } else {
        st[x] = RES;
        this.toTop(x);
        pushNewest(ql, hQ, x);
        st[x] |= IN_Q;
        this.nHir++;
      }
      this.limitStack();
    }
    return misses;
  }

  /** Puts x at the top of S, adding it to S if it is not there. */
  private toTop(x: number): void {
    if (this.st[x] & IN_S) unlink(this.sLinks, x);
    else {
      this.st[x] |= IN_S;
      this.nS++;
    }
    pushNewest(this.sLinks, this.hS, x);
  }

  /** Removes HIR entries from the bottom of S until a LIR block is there. */
  private prune(): void {
    const st = this.st;
    const sl = this.sLinks;
    const hS = this.hS;
    for (;;) {
      const b = oldest(sl, hS);
      if (b === hS || st[b] & LIR) return;
      unlink(sl, b);
      this.nS--;
      if (st[b] & RES) st[b] &= ~IN_S;
      else {
        // A non-resident block out of S is forgotten altogether.
        unlink(this.qLinks, b);
        st[b] = 0;
      }
    }
  }

  /**
   * The bottom LIR block of S becomes a resident HIR block at the end of Q. In the paper's cases
   * Q has room (the block that became LIR left it, or the miss evicted Q's front); in
   * libCacheSim's extra demotion it may be full, and then Q's front leaves the cache first.
   */
  private demoteBottomLir(): void {
    this.prune();
    const b = oldest(this.sLinks, this.hS);
    unlink(this.sLinks, b);
    this.nS--;
    this.nLir--;
    if (this.nHir >= this.hirsLimit) this.evictQFront();
    this.st[b] = RES | IN_Q;
    pushNewest(this.qLinks, this.hQ, b);
    this.nHir++;
    this.prune();
  }

  /** The resident HIR block at the front of Q leaves the cache. */
  private evictQFront(): void {
    const y = oldest(this.qLinks, this.hQ);
    unlink(this.qLinks, y);
    this.nHir--;
    if (this.st[y] & IN_S) {
      this.st[y] = IN_S | IN_NH;
      pushNewest(this.qLinks, this.hNH, y);
    } else this.st[y] = 0;
  }

  /** Keeps S within 2c entries by forgetting the oldest non-resident blocks. */
  private limitStack(): void {
    while (this.nS > 2 * this.capacity) {
      const z = oldest(this.qLinks, this.hNH);
      if (z === this.hNH) return;
      unlink(this.qLinks, z);
      unlink(this.sLinks, z);
      this.nS--;
      this.st[z] = 0;
    }
  }
}
