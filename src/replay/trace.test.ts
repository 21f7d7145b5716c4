import { describe, expect, it } from "vitest";
import { TraceError } from "./errors.js";
import { TraceBuilder, traceFromKeys } from "./trace.js";

function feed(b: TraceBuilder, keys: number[], flags: number[] = []): void {
  b.keys(Uint32Array.from(keys), new Uint32Array(keys.length), Uint8Array.from(keys.map((_, i) => flags[i] ?? 0)), keys.length);
}

describe("TraceBuilder", () => {
  it("remaps keys to dense ids and keeps write flags when asked", () => {
    const b = new TraceBuilder({ keepWrites: true });
    feed(b, [900, 5, 900, 6], [0, 1, 1, 0]);
    const t = b.finish();
    expect(Array.from(t.ids)).toEqual([0, 1, 0, 2]);
    expect(Array.from(t.writes ?? [])).toEqual([0, 1, 1, 0]);
    expect([t.n, t.nKeys, t.totalRequests, t.sampleRate]).toEqual([4, 3, 4, 1]);
  });

  it("takes only the first `limit` requests and says when it is full", () => {
    const b = new TraceBuilder({ limit: 3 });
    feed(b, [1, 2]);
    expect(b.full).toBe(false);
    feed(b, [3, 4, 5]);
    expect(b.full).toBe(true);
    expect(Array.from(b.finish().ids)).toEqual([0, 1, 2]);
  });

  it("refuses more requests than its cap, and an empty trace", () => {
    const b = new TraceBuilder({ maxRequests: 4 });
    expect(() => feed(b, [1, 2, 3, 4, 5])).toThrow(/more than 4 requests/);
    expect(() => new TraceBuilder().finish()).toThrow(new TraceError("the trace holds no requests"));
  });

  it("samples keys, not requests: a sampled key keeps all its requests, at about the rate", () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => i % 20_000);
    const t = traceFromKeys(keys, { sampleRate: 0.1 });
    // Every kept key appears exactly 10 times (all of its requests).
    const counts = new Int32Array(t.nKeys);
    for (const id of t.ids) counts[id]++;
    expect(counts.every((c) => c === 10)).toBe(true);
    expect(t.totalRequests).toBe(200_000);
    // 2,000 keys expected; a binomial(20000, 0.1) sd is 42: within 5 sd.
    expect(Math.abs(t.nKeys - 2000)).toBeLessThan(5 * 42);
  });
});
