/**
 * FIFO: evict the object admitted longest ago; hits change nothing. A ring of `capacity`
 * slots whose hand points at the oldest object: a miss on a full cache overwrites the slot
 * under the hand and moves the hand on (libCacheSim FIFO.c: insert at the head, evict the tail).
 */
import { BatchPolicy, checkGeometry } from "./policy.js";

export class Fifo extends BatchPolicy {
  readonly name = "FIFO";
  private readonly ring: Int32Array;
  private readonly cached: Uint8Array;
  private hand = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("FIFO", capacity, nKeys);
    this.ring = new Int32Array(capacity);
    this.cached = new Uint8Array(nKeys);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.cached[id] === 1;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const ring = this.ring;
    const cached = this.cached;
    const cap = this.capacity;
    let hand = this.hand;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      if (cached[id] === 1) continue;
      misses++;
      if (count < cap) ring[count++] = id;
      else {
        cached[ring[hand]] = 0;
        ring[hand] = id;
        hand = hand + 1 === cap ? 0 : hand + 1;
      }
      cached[id] = 1;
    }
    this.hand = hand;
    this.count = count;
    return misses;
  }
}
