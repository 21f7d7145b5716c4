/**
 * Dense ids for trace keys. Traces name objects with 64-bit keys (page numbers, object ids);
 * the policies index typed arrays by key, so the reader side turns each key into a small id,
 * 0, 1, 2, … in order of first appearance, once, while the trace is read. Every policy then
 * runs on the dense ids with no hashing at all on its hot path.
 *
 * The table is open addressing with linear probing over one Int32Array of triples (key low
 * half, key high half, id), so a probe is one cache line, and it doubles when half full. A key
 * is given as two u32 halves because JavaScript numbers hold integers exactly only up to 2^53,
 * and trace keys are full u64s (oracleGeneral object ids, lackey addresses).
 *
 * Memory: 12 bytes per slot at most 50% full (24–48 bytes per distinct key) plus 8 bytes per
 * key for the reverse map (id → key, which --save-trace needs to write the original keys).
 */
import { TraceError, groupDigits } from "./errors.js";

/** Most distinct keys one trace may have (the table is then 2^26 slots, 768 MiB). */
export const MAX_DISTINCT_KEYS = 1 << 25;

const EMPTY = -1;

/**
 * A 32-bit hash of a 64-bit key: the halves mixed by multiplication, then murmur3's fmix32
 * finaliser, so keys that differ only in high bits (page numbers of one region) still spread.
 */
export function hashKey(lo: number, hi: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 64-bit key → dense id, assigned in order of first appearance. */
export class KeyMap {
  /** Slots of (lo, hi, id); id EMPTY marks a free slot. */
  private table: Int32Array;
  private mask: number;
  private count = 0;
  /** id → key halves, for writing a trace back out with its original keys. */
  private revLo: Uint32Array;
  private revHi: Uint32Array;

  constructor(
    initialCapacity = 1 << 16,
    /** The cap on distinct keys; passing it is a TraceError naming the limit. */
    private readonly maxKeys = MAX_DISTINCT_KEYS,
  ) {
    let slots = 1024;
    while (slots < initialCapacity * 2) slots *= 2;
    this.table = new Int32Array(slots * 3).fill(EMPTY);
    this.mask = slots - 1;
    // The table grows once more than half full, so at most slots/2 + 1 ids exist before it does.
    this.revLo = new Uint32Array((slots >>> 1) + 1);
    this.revHi = new Uint32Array((slots >>> 1) + 1);
  }

  /** Distinct keys seen so far (the next id to be given out). */
  get size(): number {
    return this.count;
  }

  /** The id of key (lo, hi), given a new one if the key is new. */
  idOf(lo: number, hi: number): number {
    const s = this.probe(lo, hi);
    const t = this.table;
    const b = s * 3;
    if (t[b + 2] !== EMPTY) return t[b + 2];
    // A new key: the slot found is free.
    const id = this.count;
    if (id >= this.maxKeys) throw new TraceError(`more than ${groupDigits(this.maxKeys)} distinct keys (the replay limit)`);
    t[b] = lo;
    t[b + 1] = hi;
    t[b + 2] = id;
    this.revLo[id] = lo;
    this.revHi[id] = hi;
    this.count = id + 1;
    if (this.count * 2 > this.mask + 1) this.grow();
    return id;
  }

  /** The id of key (lo, hi), or -1 when the key was never seen. */
  find(lo: number, hi: number): number {
    return this.table[this.probe(lo, hi) * 3 + 2];
  }

  /** The slot holding key (lo, hi), or the free slot where it would go. */
  private probe(lo: number, hi: number): number {
    const t = this.table;
    const mask = this.mask;
    let s = hashKey(lo, hi) & mask;
    for (;;) {
      const b = s * 3;
      if (t[b + 2] === EMPTY || (t[b] === (lo | 0) && t[b + 1] === (hi | 0))) return s;
      s = (s + 1) & mask;
    }
  }

  /** The low 32 bits of the key with this id. */
  keyLo(id: number): number {
    return this.revLo[id];
  }

  /** The high 32 bits of the key with this id. */
  keyHi(id: number): number {
    return this.revHi[id];
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const t = new Int32Array(slots * 3).fill(EMPTY);
    const mask = slots - 1;
    for (let b = 0; b < old.length; b += 3) {
      const id = old[b + 2];
      if (id === EMPTY) continue;
      let s = hashKey(old[b], old[b + 1]) & mask;
      while (t[s * 3 + 2] !== EMPTY) s = (s + 1) & mask;
      t[s * 3] = old[b];
      t[s * 3 + 1] = old[b + 1];
      t[s * 3 + 2] = id;
    }
    this.table = t;
    this.mask = mask;
    const lo = new Uint32Array((slots >>> 1) + 1);
    const hi = new Uint32Array((slots >>> 1) + 1);
    lo.set(this.revLo);
    hi.set(this.revHi);
    this.revLo = lo;
    this.revHi = hi;
  }
}
