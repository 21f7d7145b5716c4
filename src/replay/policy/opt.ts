/**
 * Belady's OPT (MIN): on a miss with the cache full, evict the cached object whose next request
 * is furthest in the future (never requested again counts as furthest). Every miss admits the
 * object (demand paging, no bypass), as libCacheSim Belady.c does; with that rule the number
 * of misses is the minimum any demand-paging policy can reach, and it does not depend on how
 * ties are broken (only objects never requested again can tie).
 *
 * The next request of every position is computed in a first, backward pass over the trace
 * (nextUse); the cache is a binary max-heap of its objects keyed by their next request, with
 * each object's heap position kept per id so a hit can update its key in place.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";

/** The next-use time of a request whose object is never requested again. */
export const NEVER = 0x7fffffff;

/** nextUse[i]: the position of the next request for ids[i] after i, or NEVER. One backward pass. */
export function nextUses(ids: Int32Array, n: number, nKeys: number): Int32Array {
  const next = new Int32Array(n);
  const seen = new Int32Array(nKeys).fill(NEVER);
  for (let i = n - 1; i >= 0; i--) {
    const id = ids[i];
    next[i] = seen[id];
    seen[id] = i;
  }
  return next;
}

/**
 * Moves the hole at heap index k up past parents whose keys are below `nu`; returns where an
 * entry with key `nu` belongs.
 */
function siftUp(heap: Int32Array, key: Int32Array, pos: Int32Array, k: number, nu: number): number {
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (key[parent] >= nu) break;
    const pid = heap[parent];
    heap[k] = pid;
    key[k] = key[parent];
    pos[pid] = k;
    k = parent;
  }
  return k;
}

export class Opt extends BatchPolicy {
  readonly name = "OPT";
  /** heap[k]: an id; heapKey[k]: its next use. The largest key is at 0. */
  private readonly heap: Int32Array;
  private readonly heapKey: Int32Array;
  /** pos[id]: its heap index, or -1 when not cached. */
  private readonly pos: Int32Array;
  private count = 0;
  /** The trace position of the next request: OPT must see the trace it was built for, in order. */
  private at = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
    private readonly trace: Int32Array,
    private readonly nextUse: Int32Array,
  ) {
    super();
    checkGeometry("OPT", capacity, nKeys);
    this.heap = new Int32Array(capacity);
    this.heapKey = new Int32Array(capacity);
    this.pos = new Int32Array(nKeys).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.pos[id] >= 0;
  }

  override access(id: number): boolean {
    if (this.trace[this.at] !== id) throw new RangeError(`OPT: request ${this.at} of its trace is ${this.trace[this.at]}, not ${id}`);
    return this.run(this.trace, this.at, this.at + 1) === 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    if (ids !== this.trace || from !== this.at) throw new RangeError(`OPT replays its own trace in order: expected requests from ${this.at}`);
    const heap = this.heap;
    const key = this.heapKey;
    const pos = this.pos;
    const nextUse = this.nextUse;
    const cap = this.capacity;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      const nu = nextUse[i];
      let k = pos[id];
      if (k >= 0) {
        // Hit: the key grows from i to nu.
        k = siftUp(heap, key, pos, k, nu);
      } else if (count < cap) {
        misses++;
        k = siftUp(heap, key, pos, count++, nu);
      } else {
        misses++;
        // Evict the root (furthest next use) and put the new object in its place: sift down.
        pos[heap[0]] = -1;
        k = 0;
        for (;;) {
          let child = 2 * k + 1;
          if (child >= cap) break;
          if (child + 1 < cap && key[child + 1] > key[child]) child++;
          if (key[child] <= nu) break;
          const cid = heap[child];
          heap[k] = cid;
          key[k] = key[child];
          pos[cid] = k;
          k = child;
        }
      }
      heap[k] = id;
      key[k] = nu;
      pos[id] = k;
    }
    this.count = count;
    this.at = to;
    return misses;
  }
}
