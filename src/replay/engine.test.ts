import { describe, expect, it } from "vitest";
import { resolveCacheSize, saveTrace, simulate } from "./engine.js";
import { TraceError } from "./errors.js";
import { createTraceReader } from "./readers.js";
import { TraceBuilder, traceFromKeys } from "./trace.js";

describe("resolveCacheSize", () => {
  it("reads objects, percentages and fractions of the distinct keys, rounding down as libCacheSim does", () => {
    expect(resolveCacheSize("100", 1000).capacity).toBe(100);
    expect(resolveCacheSize("1%", 80885).capacity).toBe(808);
    expect(resolveCacheSize("0.5%", 1000).capacity).toBe(5);
    expect(resolveCacheSize("0.1", 80885).capacity).toBe(8088);
    expect(resolveCacheSize("100%", 7).capacity).toBe(7);
  });

  it("refuses 0, sizes above the key space and what is not a size", () => {
    expect(() => resolveCacheSize("0", 10)).toThrow(new TraceError("cache size must be at least 1 object, got 0"));
    expect(() => resolveCacheSize("11", 10)).toThrow(new TraceError("cache size 11 (11 objects) is larger than the trace's 10 distinct keys"));
    expect(() => resolveCacheSize("1%", 50)).toThrow(/less than one object/);
    expect(() => resolveCacheSize("110%", 50)).toThrow(/larger than the trace.s 50 distinct keys/);
    expect(() => resolveCacheSize("ten", 50)).toThrow(/is not a number of objects/);
    expect(() => resolveCacheSize("-1", 50)).toThrow(TraceError);
  });
});

describe("simulate", () => {
  it("does not count the warmup requests but lets them fill the cache", () => {
    // LRU with 2 objects on A B A B: warm with A B, then A and B both hit.
    const t = traceFromKeys([1, 2, 1, 2]);
    expect(simulate(t, "lru", 2)).toMatchObject({ requests: 4, misses: 2, missRatio: 0.5 });
    expect(simulate(t, "lru", 2, { warmup: 2 })).toMatchObject({ requests: 2, misses: 0, missRatio: 0 });
    expect(simulate(t, "opt", 1, { warmup: 1 })).toMatchObject({ requests: 3, misses: 3 });
    expect(() => simulate(t, "lru", 2, { warmup: 4 })).toThrow(/leaves none/);
  });
});

describe("saveTrace", () => {
  function bytesOf(write: (out: (b: Uint8Array) => void) => void): Uint8Array {
    const parts: number[] = [];
    write((b) => parts.push(...b));
    return Uint8Array.from(parts);
  }

  it("writes the original keys back, in each format, so a reader gets the same trace", () => {
    const keys = [2 ** 40 + 5, 9, 2 ** 40 + 5, 12, 9];
    const t = traceFromKeys(keys);
    for (const f of ["u64", "oracleGeneral"] as const) {
      const b = new TraceBuilder();
      const r = createTraceReader(f, b);
      r.push(bytesOf((out) => saveTrace(t, f, out)));
      r.end();
      const back = b.finish();
      expect(Array.from(back.ids)).toEqual(Array.from(t.ids));
      expect([0, 1, 2].map((id) => back.keys?.keyLo(id))).toEqual([5, 9, 12]);
    }
    expect(() => saveTrace(t, "u32", () => {})).toThrow(/does not fit in 32 bits/);
  });

  it("writes oracleGeneral next-access vtimes as libCacheSim's traceConv does: 1-based, -1 for none", () => {
    const b = bytesOf((out) => saveTrace(traceFromKeys([7, 8, 7]), "oracleGeneral", out));
    const v = new DataView(b.buffer);
    expect(b.length).toBe(72);
    // Request 0 (key 7) is next requested at request 2, the third: vtime 3.
    expect([v.getUint32(0, true), v.getUint32(12, true), Number(v.getBigInt64(16, true))]).toEqual([0, 1, 3]);
    expect(Number(v.getBigInt64(24 + 16, true))).toBe(-1);
    expect(Number(v.getBigInt64(48 + 16, true))).toBe(-1);
  });
});
