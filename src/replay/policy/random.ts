/**
 * Random: on a miss with the cache full, evict an object chosen uniformly at random, from the
 * replay's own seeded generator (xoshiro128**, src/kernel/random.ts), so a seed gives the same
 * misses every run. Simulators agree on the definition but not on the random numbers:
 * libCacheSim seeds from the clock and picks a random hash bucket's first object, so its figure
 * varies run to run and only the distribution can be compared (docs/replay.md).
 */
import { Prng } from "../../kernel/random.js";
import { BatchPolicy, checkGeometry } from "./policy.js";

export class RandomPolicy extends BatchPolicy {
  readonly name = "Random";
  private readonly slots: Int32Array;
  /** slotOf[id] is -1 when id is not cached. */
  private readonly slotOf: Int32Array;
  private readonly rng: Prng;
  private count = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
    seed = 1,
  ) {
    super();
    checkGeometry("Random", capacity, nKeys);
    this.slots = new Int32Array(capacity);
    this.slotOf = new Int32Array(nKeys).fill(-1);
    this.rng = new Prng(seed);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.slotOf[id] >= 0;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const slots = this.slots;
    const slotOf = this.slotOf;
    const cap = this.capacity;
    const rng = this.rng;
    let count = this.count;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      if (slotOf[id] >= 0) continue;
      misses++;
      let s: number;
      if (count < cap) s = count++;
      else {
        s = rng.below(cap);
        slotOf[slots[s]] = -1;
      }
      slots[s] = id;
      slotOf[id] = s;
    }
    this.count = count;
    return misses;
  }
}
