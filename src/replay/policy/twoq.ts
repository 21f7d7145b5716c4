/**
 * 2Q, the full version (Johnson and Shasha, "2Q: A Low Overhead High Performance Buffer
 * Management Replacement Algorithm", VLDB 1994): A1in, a FIFO of objects seen once (Kin = 25%
 * of the cache); A1out, a FIFO of the ids (ghosts) of objects evicted from A1in (Kout = 50% of
 * the cache, counted in entries); Am, an LRU of objects seen again after leaving A1in.
 *
 * - Hit in Am: move to Am's MRU end. Hit in A1in: nothing (the paper's correlated references).
 * - Miss in A1out: reclaim a slot, put x at Am's MRU end.
 * - Miss elsewhere: reclaim a slot, put x at the head of A1in.
 * - Reclaim (only when the cache is full): if |A1in| > Kin, page out A1in's tail and remember
 *   its id at the head of A1out (dropping A1out's tail beyond Kout); else page out Am's LRU.
 *
 * Kin = ⌊0.25c⌋ and Kout = ⌊0.5c⌋, as libCacheSim TwoQ.c computes them. Below c = 4, Kin is 0:
 * this code still admits new objects through A1in (the paper's rule), where libCacheSim's
 * TwoQ_can_insert refuses every object larger than Kin, so its 2Q caches nothing there.
 */
import { BatchPolicy, checkGeometry } from "./policy.js";
import { makeLinks, newest, oldest, pushNewest, unlink } from "./lists.js";

const NONE = 0;
const AIN = 1;
const AOUT = 2;
const AM = 3;

export class TwoQ extends BatchPolicy {
  readonly name = "2Q";
  /** The lists' links (./lists.ts). */
  private readonly links: Int32Array;
  private readonly where: Uint8Array;
  private readonly hIn: number;
  private readonly hOut: number;
  private readonly hAm: number;
  readonly kin: number;
  readonly kout: number;
  private nIn = 0;
  private nOut = 0;
  private nAm = 0;

  constructor(
    readonly capacity: number,
    nKeys: number,
  ) {
    super();
    checkGeometry("2Q", capacity, nKeys);
    this.links = makeLinks(nKeys, 3);
    this.where = new Uint8Array(nKeys);
    this.hIn = nKeys;
    this.hOut = nKeys + 1;
    this.hAm = nKeys + 2;
    this.kin = Math.floor(capacity * 0.25);
    this.kout = Math.floor(capacity * 0.5);
  }

  get size(): number {
    return this.nIn + this.nAm;
  }

  has(id: number): boolean {
    const w = this.where[id];
    return w === AIN || w === AM;
  }

  run(ids: Int32Array, from: number, to: number): number {
    const l = this.links;
    const where = this.where;
    const c = this.capacity;
    const hIn = this.hIn;
    const hOut = this.hOut;
    const hAm = this.hAm;
    const kin = this.kin;
    const kout = this.kout;
    let nIn = this.nIn;
    let nOut = this.nOut;
    let nAm = this.nAm;
    let misses = 0;
    for (let i = from; i < to; i++) {
      const x = ids[i];
      const w = where[x];
      if (w === AIN) continue;
      if (w === AM) {
        if (newest(l, hAm) !== x) {
          unlink(l, x);
          pushNewest(l, hAm, x);
        }
        continue;
      }
      misses++;
      if (w === AOUT) {
        unlink(l, x);
        nOut--;
      }
      if (nIn + nAm >= c) {
        if (nIn > kin) {
          const y = oldest(l, hIn);
          unlink(l, y);
          nIn--;
          pushNewest(l, hOut, y);
          where[y] = AOUT;
          if (++nOut > kout) {
            const z = oldest(l, hOut);
            unlink(l, z);
            where[z] = NONE;
            nOut--;
          }
        } else {
          const y = oldest(l, hAm);
          unlink(l, y);
          where[y] = NONE;
          nAm--;
        }
      }
      if (w === AOUT) {
        pushNewest(l, hAm, x);
        where[x] = AM;
        nAm++;
      } else {
        pushNewest(l, hIn, x);
        where[x] = AIN;
        nIn++;
      }
    }
    this.nIn = nIn;
    this.nOut = nOut;
    this.nAm = nAm;
    return misses;
  }
}
