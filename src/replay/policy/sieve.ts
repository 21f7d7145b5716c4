/**
 * SIEVE (Zhang et al., "SIEVE is Simpler than LRU", NSDI 2024): a FIFO queue with one visited
 * bit per object and a hand. New objects enter at the head with the bit clear; a hit sets the
 * bit and moves nothing. To evict, the hand walks from where it stopped (the tail at first)
 * toward the head, clearing set bits, and evicts the first object whose bit is clear; the hand
 * stays at the next newer object and wraps to the tail past the head. Unlike CLOCK, survivors
 * keep their place and new objects go to the head, not to the hand (libCacheSim Sieve.c).
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, pushNewest, unlink } from "./lists.js";

/** The hand when it has no position: start at the tail. */
const AT_TAIL = -1;

const NOT_CACHED = 0;
const CACHED = 1;
const VISITED = 2;

export class Sieve extends BatchPolicy {
  readonly name = "SIEVE";
  /** The queue, newest first (./lists.ts): links[2·id] leads toward older objects, links[2·id + 1] toward newer. */
  private readonly links: Int32Array;
  /** Per id: NOT_CACHED, CACHED or VISITED (cached and requested since the hand last passed). A
   * hit touches only this byte array. */
  private readonly state: Uint8Array;
  private readonly head: number;
  private hand = AT_TAIL;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("SIEVE", capacity, nKeys);
    this.links = makeLinks(nKeys, 1);
    this.state = new Uint8Array(nKeys);
    this.head = nKeys;
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.state[id] !== undefined && this.state[id] !== NOT_CACHED;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const l = this.links;
    const state = this.state;
    const h = this.head;
    const cap = this.capacity;
    let hand = this.hand;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      if (state[id] !== NOT_CACHED) {
        state[id] = VISITED;
        continue;
      }
      misses++;
      if (count === cap) {
        let o = hand === AT_TAIL ? l[(h << 1) + 1] : hand;
        while (state[o] === VISITED) {
          state[o] = CACHED;
          o = l[(o << 1) + 1];
          if (o === h) o = l[(h << 1) + 1];
        }
        const newer = l[(o << 1) + 1];
        hand = newer === h ? AT_TAIL : newer;
        unlink(l, o);
        state[o] = NOT_CACHED;
      } else count++;
      pushNewest(l, h, id);
      state[id] = CACHED;
    }
    this.hand = hand;
    this.count = count;
    return misses;
  }
}
