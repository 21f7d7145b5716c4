/**
 * CLOCK with one reference bit (second chance). The cache is a ring with a hand at the oldest
 * slot; a hit sets the object's bit; a miss on a full cache sweeps the hand, clearing set bits,
 * to the first slot whose bit is clear, and puts the new object there with its bit clear.
 *
 * The new object's bit starts clear, as in libCacheSim (Clock.c: `obj->clock.freq = 0` on
 * insert, FIFO-reinsertion with a 1-bit counter) and Corbató's original; some textbook variants
 * set it on insertion, which protects every new object for one sweep. Clearing a bit and moving
 * the hand past it is libCacheSim's "move the tail to the head", so the two agree exactly.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";

export class Clock extends BatchPolicy {
  readonly name = "CLOCK";
  private readonly ring: Int32Array;
  private readonly ref: Uint8Array;
  /** slotOf[id] is -1 when id is not cached. */
  private readonly slotOf: Int32Array;
  private hand = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("CLOCK", capacity, nKeys);
    this.ring = new Int32Array(capacity);
    this.ref = new Uint8Array(capacity);
    this.slotOf = new Int32Array(nKeys).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.slotOf[id] >= 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const ring = this.ring;
    const ref = this.ref;
    const slotOf = this.slotOf;
    const cap = this.capacity;
    let hand = this.hand;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      const s = slotOf[id];
      if (s >= 0) {
        ref[s] = 1;
        continue;
      }
      misses++;
      if (count < cap) {
        ring[count] = id;
        ref[count] = 0;
        slotOf[id] = count++;
        continue;
      }
      while (ref[hand] === 1) {
        ref[hand] = 0;
        hand = hand + 1 === cap ? 0 : hand + 1;
      }
      slotOf[ring[hand]] = -1;
      ring[hand] = id;
      slotOf[id] = hand;
      hand = hand + 1 === cap ? 0 : hand + 1;
    }
    this.hand = hand;
    this.count = count;
    return misses;
  }
}
