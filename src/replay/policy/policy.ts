/**
 * What every replacement policy offers the replay engine. A policy caches up to `capacity`
 * objects of size 1, named by dense ids below `nKeys` (src/replay/trace.ts), and answers each
 * request with hit or miss; on a miss the object is always admitted (evicting first when full),
 * as in the simulators the results are compared with.
 *
 * `run` is the batch entry point the engine uses: one call per trace (or per warmup and
 * measured part), the policy's loop keeping its arrays in locals. `access` is one request, for
 * callers that interleave a policy with something else; phase 2's policies that are simulated
 * machines implement the same two calls.
 */
export interface Policy {
  /** The policy's display name ("LRU", "S3-FIFO"). */
  readonly name: string;
  /** Objects the cache holds at most. */
  readonly capacity: number;
  /** Objects cached now (ghost entries are not counted). */
  readonly size: number;
  /** Whether `id` is cached now (a ghost entry is not). */
  has(id: number): boolean;
  /** One request for `id`: true on a hit. `isWrite` is ignored by the classic policies. */
  access(id: number, isWrite?: boolean): boolean;
  /** The requests ids[from], …, ids[to - 1] in order; returns how many missed. */
  run(ids: Int32Array, from: number, to: number, writes?: Uint8Array | null): number;
}

/** Checks a cache size and key count; the policies size their arrays from them. */
export function checkGeometry(name: string, capacity: number, nKeys: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${name}: cache size must be a whole number of objects ≥ 1, got ${capacity}`);
  if (!Number.isInteger(nKeys) || nKeys < 1) throw new RangeError(`${name}: key count must be a whole number ≥ 1, got ${nKeys}`);
}

/** Gives `access` to policies that implement `run`: one request is a run of length one. */
export abstract class BatchPolicy implements Policy {
  abstract readonly name: string;
  abstract readonly capacity: number;
  abstract readonly size: number;
  abstract has(id: number): boolean;
  abstract run(ids: Int32Array, from: number, to: number, writes?: Uint8Array | null): number;
  private readonly one = new Int32Array(1);

  access(id: number): boolean {
    this.one[0] = id;
    return this.run(this.one, 0, 1) === 0;
  }
}
