/**
 * LFU, in-cache frequencies, O(1) (Shah, Mitra and Matani, "An O(1) algorithm for implementing
 * the LFU cache eviction scheme", 2010): an object's count starts at 1 when it is admitted and
 * grows by one per hit; on a miss with the cache full, the object with the smallest count is
 * evicted. Counts are forgotten on eviction (no "perfect LFU" history).
 *
 * Ties: among objects with the smallest count, the one that reached that count longest ago —
 * since reaching a count is a request, the least recently used of them. Each count has a FIFO
 * bucket (appended at the tail when an object arrives, evicted from the front), which is what
 * libCacheSim LFU.c does (append_obj_to_tail, evict first_obj of the min-frequency node).
 * Other simulators break ties by insertion order or at random; LRU among equals is the choice
 * that matches the simulator the results are checked against.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";

export class Lfu extends BatchPolicy {
  readonly name = "LFU";
  /** freq[id] is 0 when id is not cached. */
  private readonly freq: Int32Array;
  /** Each count's bucket is a circular list through next/prev; first[f] is its oldest entry or -1. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private first: Int32Array;
  private minFreq = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("LFU", capacity, nKeys);
    this.freq = new Int32Array(nKeys);
    this.next = new Int32Array(nKeys);
    this.prev = new Int32Array(nKeys);
    this.first = new Int32Array(1024).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.freq[id] > 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const freq = this.freq;
    const next = this.next;
    const prev = this.prev;
    const cap = this.capacity;
    let first = this.first;
    let minFreq = this.minFreq;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      let f = freq[id];
      if (f > 0) {
        // Hit: from bucket f to the tail of bucket f + 1.
        const n = next[id];
        if (n === id) {
          first[f] = -1;
          if (minFreq === f) minFreq = f + 1;
        } else {
          const p = prev[id];
          next[p] = n;
          prev[n] = p;
          if (first[f] === id) first[f] = n;
        }
        f++;
        if (f === first.length) {
          const grown = new Int32Array(first.length * 2).fill(-1);
          grown.set(first);
          first = this.first = grown;
        }
      } else {
        misses++;
        if (count === cap) {
          // Evict the oldest of the smallest count's bucket.
          const v = first[minFreq];
          const n = next[v];
          if (n === v) first[minFreq] = -1;
          else {
            const p = prev[v];
            next[p] = n;
            prev[n] = p;
            first[minFreq] = n;
          }
          freq[v] = 0;
        } else count++;
        f = 1;
        minFreq = 1;
      }
      freq[id] = f;
      const h = first[f];
      if (h < 0) {
        first[f] = id;
        next[id] = id;
        prev[id] = id;
      } else {
        const t = prev[h];
        next[t] = id;
        prev[id] = t;
        next[id] = h;
        prev[h] = id;
      }
    }
    this.minFreq = minFreq;
    this.count = count;
    return misses;
  }
}
