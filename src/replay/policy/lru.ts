/**
 * LRU: on a miss with the cache full, evict the object whose last request is the oldest.
 * One list, newest first; a hit moves the object to the newest end. This is the definition
 * every simulator shares (libCacheSim LRU.c: move_obj_to_head on a hit, evict q_tail), and the
 * exact curve of ../mrc.ts (Mattson's stack distances) must agree with it at every size.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, pushNewest, unlink } from "./lists.js";

export class Lru extends BatchPolicy {
  readonly name = "LRU";
  /** The list, newest first (./lists.ts); links[2·id] is -1 when id is not cached. */
  private readonly links: Int32Array;
  private readonly head: number;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("LRU", capacity, nKeys);
    this.links = makeLinks(nKeys, 1);
    for (let id = 0; id < nKeys; id++) this.links[id << 1] = -1;
    this.head = nKeys;
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.head && this.links[id << 1] >= 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const l = this.links;
    const h = this.head;
    const cap = this.capacity;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      if (l[id << 1] >= 0) {
        if (l[(id << 1) + 1] === h) continue; // already the newest
        unlink(l, id);
      } else {
        misses++;
        if (count === cap) {
          const victim = l[(h << 1) + 1];
          unlink(l, victim);
          l[victim << 1] = -1;
        } else count++;
      }
      pushNewest(l, h, id);
    }
    this.count = count;
    return misses;
  }
}
