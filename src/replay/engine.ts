/**
 * The replay engine: runs a policy over a dense trace at one cache size, resolves cache sizes
 * given as fractions of the trace's distinct keys, and writes a trace back out in a format
 * other simulators read (to compare them on the same requests).
 */
import { TraceError, groupDigits } from "./errors.js";
import { createPolicy, type PolicyName } from "./policy/index.js";
import { NEVER, nextUses } from "./policy/opt.js";
import type { DenseTrace } from "./trace.js";

/** One policy at one size over one trace. */
export interface SimulationResult {
  /** The policy's display name. */
  policy: string;
  /** Cache size in objects. */
  capacity: number;
  /** Requests counted (after warmup). */
  requests: number;
  /** Of those, misses. */
  misses: number;
  /** misses / requests. */
  missRatio: number;
}

/** Options of `simulate`. */
export interface SimulateOptions {
  /** Requests that warm the cache without being counted. */
  warmup?: number;
  /** Random's seed. */
  seed?: number;
  /** OPT's next uses, when already computed for this trace (nextUses). */
  nextUse?: Int32Array;
  /** LIRS as libCacheSim runs it (policy/lirs.ts). */
  libCacheSimLirs?: boolean;
}

/**
 * Runs `name` with `capacity` objects over the trace; the first `warmup` requests are not counted.
 * Simplified: every object has size 1 (libCacheSim's --ignore-obj-size); byte-weighted caches
 * are not modelled.
 */
export function simulate(trace: DenseTrace, name: PolicyName, capacity: number, opts: SimulateOptions = {}): SimulationResult {
  const warmup = opts.warmup ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new TraceError(`warmup must be a whole number of requests, got ${warmup}`);
  if (warmup >= trace.n) throw new TraceError(`warmup of ${groupDigits(warmup)} requests leaves none of the trace's ${groupDigits(trace.n)} to measure`);
  const p = createPolicy(name, capacity, trace, { seed: opts.seed, nextUse: opts.nextUse, libCacheSimLirs: opts.libCacheSimLirs });
  if (warmup > 0) p.run(trace.ids, 0, warmup, trace.writes);
  const misses = p.run(trace.ids, warmup, trace.n, trace.writes);
  const requests = trace.n - warmup;
  return { policy: p.name, capacity, requests, misses, missRatio: misses / requests };
}

/** A cache size as given and as resolved. */
export interface CacheSize {
  /** Objects. */
  capacity: number;
  /** What the user wrote ("1%", "10000"). */
  spec: string;
}

/**
 * Resolves a cache size: a whole number of objects ("10000"), a percentage of the trace's
 * distinct keys ("1%", "0.5%"), or a fraction below 1 ("0.01", as libCacheSim's cachesim reads
 * a size with a decimal point). Fractions round down, as libCacheSim's (uint64_t)(wss * f).
 * @throws TraceError for 0 objects, a size above the distinct keys, or a malformed size.
 */
export function resolveCacheSize(spec: string, distinct: number): CacheSize {
  const s = spec.trim();
  let capacity: number;
  let m: RegExpExecArray | null;
  if ((m = /^(\d+(?:\.\d*)?|\.\d+)%$/.exec(s))) {
    const pct = Number(m[1]);
    capacity = Math.floor((distinct * pct) / 100 + 1e-9);
    if (capacity < 1) throw new TraceError(`cache size ${s} of ${groupDigits(distinct)} distinct keys is less than one object`);
  } else if ((m = /^(0?\.\d+)$/.exec(s))) {
    capacity = Math.floor(distinct * Number(m[1]) + 1e-9);
    if (capacity < 1) throw new TraceError(`cache size ${s} of ${groupDigits(distinct)} distinct keys is less than one object`);
  } else if (/^\d+$/.test(s)) {
    capacity = Number(s);
    if (capacity < 1) throw new TraceError(`cache size must be at least 1 object, got ${s}`);
  } else {
    throw new TraceError(`cache size "${spec}" is not a number of objects, a percentage (1%) or a fraction below 1 (0.01)`);
  }
  if (capacity > distinct) throw new TraceError(`cache size ${s} (${groupDigits(capacity)} objects) is larger than the trace's ${groupDigits(distinct)} distinct keys`);
  return { capacity, spec: s };
}

/** Formats `saveTrace` writes. */
export const SAVE_FORMATS = Object.freeze(["u32", "u64", "oracleGeneral"] as const);
export type SaveFormat = (typeof SAVE_FORMATS)[number];

/**
 * Writes the trace with its original keys, in chunks handed to `out`: raw u32 or u64 keys, or
 * oracleGeneral records (timestamp = request number, object size 1, next-access vtime = the
 * 1-based number of the next request for the same key or -1, as libCacheSim's traceConv writes
 * it), which libCacheSim's Belady needs.
 */
export function saveTrace(trace: DenseTrace, format: SaveFormat, out: (bytes: Uint8Array) => void): void {
  const keys = trace.keys;
  if (keys === null) throw new TraceError("this trace has no key map to write its keys from");
  const rec = format === "u32" ? 4 : format === "u64" ? 8 : 24;
  const per = 4096;
  const buf = new Uint8Array(per * rec);
  const v = new DataView(buf.buffer);
  const next = format === "oracleGeneral" ? nextUses(trace.ids, trace.n, trace.nKeys) : null;
  let off = 0;
  for (let i = 0; i < trace.n; i++) {
    const id = trace.ids[i];
    const lo = keys.keyLo(id);
    const hi = keys.keyHi(id);
    if (format === "u32") {
      if (hi !== 0) throw new TraceError(`request ${groupDigits(i)}: key ${hi * 4294967296 + lo} does not fit in 32 bits; save as u64`);
      v.setUint32(off, lo, true);
    } else if (format === "u64") {
      v.setUint32(off, lo, true);
      v.setUint32(off + 4, hi, true);
    } else {
      v.setUint32(off, i, true);
      v.setUint32(off + 4, lo, true);
      v.setUint32(off + 8, hi, true);
      v.setUint32(off + 12, 1, true);
      const nu = next === null ? NEVER : next[i];
      if (nu === NEVER) {
        v.setInt32(off + 16, -1, true);
        v.setInt32(off + 20, -1, true);
      } else {
        v.setUint32(off + 16, nu + 1, true);
        v.setUint32(off + 20, 0, true);
      }
    }
    off += rec;
    if (off === buf.length) {
      out(buf);
      off = 0;
    }
  }
  if (off > 0) out(buf.subarray(0, off));
}
