/**
 * A trace as the policies see it: the requests as dense ids (0 … nKeys-1, in order of first
 * appearance) in one Int32Array, built from a reader's keys by TraceBuilder. Holding the
 * remapped trace costs 4 bytes per request (5 with write flags) and lets every policy and
 * every cache size run over the same array with no hashing, and OPT find next accesses in
 * one backward pass; MAX_TRACE_REQUESTS bounds it (a longer trace is an error that suggests
 * --limit, or --sample for the LRU curve).
 *
 * Sampling is SHARDS' spatial sampling (Waldspurger et al., "Efficient MRC Construction with
 * SHARDS", FAST 2015): a key is kept iff hash(key) mod 2^24 < R·2^24, so a kept key keeps all
 * its requests and reuse distances shrink by R on average.
 */
import { KeyMap } from "./keymap.js";
import { KEY_WRITE, type KeySink } from "./readers.js";
import { TraceError, groupDigits } from "./errors.js";

/** Requests one replay holds at most (1 GiB of ids). */
export const MAX_TRACE_REQUESTS = 2 ** 28;

/** Sampling resolution: rates are multiples of 2^-24. */
const SAMPLE_MOD = 1 << 24;

/** A trace ready for the policies. */
export interface DenseTrace {
  /** The requests' dense ids (exactly `n` long). */
  readonly ids: Int32Array;
  /** Per request, KEY_WRITE when it wrote; null when not kept. */
  readonly writes: Uint8Array | null;
  /** Number of requests. */
  readonly n: number;
  /** Distinct keys: ids are below this. */
  readonly nKeys: number;
  /** id → original key, when the trace was read through a KeyMap. */
  readonly keys: KeyMap | null;
  /** The SHARDS sampling rate the trace was built with (1: every key). */
  readonly sampleRate: number;
  /** Requests read before sampling (equals n when sampleRate is 1). */
  readonly totalRequests: number;
}

/** Options of TraceBuilder. */
export interface TraceBuilderOptions {
  /** Keep only the first `limit` requests of the input. */
  limit?: number;
  /** Fail past this many (sampled) requests; default MAX_TRACE_REQUESTS. */
  maxRequests?: number;
  /** SHARDS spatial sampling rate in (0, 1]; default 1. */
  sampleRate?: number;
  /** Keep the per-request write flags (the classic policies ignore them). */
  keepWrites?: boolean;
}

/**
 * The sampling hash: independent of the KeyMap's slot hash (hashKey), or every sampled key
 * would have a small slot hash too and the table would cluster.
 */
export function sampleHash(lo: number, hi: number): number {
  let h = Math.imul(hi ^ 0x6a09e667, 0xcc9e2d51) ^ Math.imul(lo ^ 0xbb67ae85, 0x1b873593);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A KeySink that remaps keys to dense ids and stores the trace. */
export class TraceBuilder implements KeySink {
  private ids = new Int32Array(1 << 16);
  private writes: Uint8Array | null;
  private n = 0;
  private seen = 0;
  readonly keyMap = new KeyMap();
  private readonly limit: number;
  private readonly maxRequests: number;
  private readonly sampleRate: number;
  private readonly threshold: number;

  constructor(opts: TraceBuilderOptions = {}) {
    this.limit = opts.limit ?? Infinity;
    this.maxRequests = opts.maxRequests ?? MAX_TRACE_REQUESTS;
    const r = opts.sampleRate ?? 1;
    if (!(r > 0 && r <= 1)) throw new TraceError(`sampling rate must be in (0, 1], got ${r}`);
    this.sampleRate = r;
    this.threshold = Math.round(r * SAMPLE_MOD);
    if (this.threshold === 0) throw new TraceError(`sampling rate ${r} is below 2^-24`);
    this.writes = opts.keepWrites ? new Uint8Array(1 << 16) : null;
  }

  /** True once `limit` requests were taken: the rest of the input can be skipped. */
  get full(): boolean {
    return this.seen >= this.limit;
  }

  keys(lo: Uint32Array, hi: Uint32Array, flags: Uint8Array, count: number): void {
    const take = Math.min(count, this.limit - this.seen);
    if (take <= 0) return;
    this.seen += take;
    if (this.n + take > this.ids.length) this.grow(this.n + take);
    const ids = this.ids;
    const writes = this.writes;
    const map = this.keyMap;
    let n = this.n;
    const sampled = this.threshold < SAMPLE_MOD;
    for (let i = 0; i < take; i++) {
      if (sampled && (sampleHash(lo[i], hi[i]) & (SAMPLE_MOD - 1)) >= this.threshold) continue;
      ids[n] = map.idOf(lo[i], hi[i]);
      if (writes !== null) writes[n] = flags[i] & KEY_WRITE;
      n++;
    }
    this.n = n;
    if (n > this.maxRequests) {
      throw new TraceError(
        `the trace has more than ${groupDigits(this.maxRequests)} requests, the most one replay holds (4 bytes each): replay a prefix with --limit, or sample with --sample`,
      );
    }
  }

  /** Room for `need` requests: doubling, but not far past the cap (a batch may overshoot it before the check). */
  private grow(need: number): void {
    let len = this.ids.length;
    while (len < need) len *= 2;
    len = Math.max(need, Math.min(len, this.maxRequests));
    const ids = new Int32Array(len);
    ids.set(this.ids.subarray(0, this.n));
    this.ids = ids;
    if (this.writes !== null) {
      const w = new Uint8Array(len);
      w.set(this.writes.subarray(0, this.n));
      this.writes = w;
    }
  }

  /** The trace built so far. @throws TraceError when it holds no request. */
  finish(): DenseTrace {
    if (this.n === 0) {
      throw new TraceError(this.seen === 0 ? "the trace holds no requests" : `sampling at rate ${this.sampleRate} kept none of the ${groupDigits(this.seen)} requests`);
    }
    return {
      ids: this.ids.subarray(0, this.n),
      writes: this.writes === null ? null : this.writes.subarray(0, this.n),
      n: this.n,
      nKeys: this.keyMap.size,
      keys: this.keyMap,
      sampleRate: this.sampleRate,
      totalRequests: this.seen,
    };
  }
}

/** A trace from keys already in memory (generated traces, tests): keys are remapped to dense ids. */
export function traceFromKeys(keys: ArrayLike<number>, opts: TraceBuilderOptions = {}): DenseTrace {
  const b = new TraceBuilder({ ...opts, maxRequests: Math.max(keys.length, 1) });
  const lo = new Uint32Array(4096);
  const hi = new Uint32Array(4096);
  const flags = new Uint8Array(4096);
  for (let s = 0; s < keys.length; s += 4096) {
    const m = Math.min(4096, keys.length - s);
    for (let i = 0; i < m; i++) {
      const k = keys[s + i];
      lo[i] = k % 4294967296;
      hi[i] = Math.floor(k / 4294967296);
    }
    b.keys(lo, hi, flags, m);
  }
  return b.finish();
}
