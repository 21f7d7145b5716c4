import { describe, it, expect } from "vitest";
import { Prng } from "../kernel/random.js";
import { makeGenerator } from "./patterns.js";

function take(n: number, next: () => number): number[] {
  return Array.from({ length: n }, () => next());
}

describe("access patterns", () => {
  it("sequential visits 0..n-1 and wraps to 0", () => {
    const g = makeGenerator({ kind: "sequential" }, 3, new Prng(1));
    expect(take(7, () => g.next())).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it("stride walks column by column and one pass covers every page once", () => {
    const g = makeGenerator({ kind: "stride", stride: 4 * 4096 }, 10, new Prng(1));
    expect(take(10, () => g.next())).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 3, 7]);
    expect(g.next()).toBe(0);
    const h = makeGenerator({ kind: "stride", stride: 64 * 4096 }, 1000, new Prng(1));
    const seen = new Set(take(1000, () => h.next()));
    expect(seen.size).toBe(1000);
  });

  it("random stays in range and is the same sequence for the same seed", () => {
    const a = makeGenerator({ kind: "random" }, 100, new Prng(7));
    const b = makeGenerator({ kind: "random" }, 100, new Prng(7));
    const sa = take(1000, () => a.next());
    expect(sa).toEqual(take(1000, () => b.next()));
    expect(Math.min(...sa)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sa)).toBeLessThan(100);
    expect(new Set(sa).size).toBeGreaterThan(90);
  });

  it("zipf(1) makes page 0 about twice as popular as page 1 and 10x page 9", () => {
    const g = makeGenerator({ kind: "zipf", alpha: 1 }, 1000, new Prng(3));
    const counts = new Float64Array(1000);
    const N = 200000;
    for (let i = 0; i < N; i++) counts[g.next()]++;
    // P(k) = k^-1 / H_1000, H_1000 ≈ 7.4855
    expect(counts[0] / N).toBeCloseTo(1 / 7.4855, 2);
    expect(counts[0] / counts[1]).toBeGreaterThan(1.8);
    expect(counts[0] / counts[1]).toBeLessThan(2.2);
    expect(counts[0] / counts[9]).toBeGreaterThan(8.5);
    expect(counts[0] / counts[9]).toBeLessThan(11.5);
  });

  it("zipf with a large alpha concentrates on the first pages; a small alpha spreads", () => {
    const steep = makeGenerator({ kind: "zipf", alpha: 3 }, 10000, new Prng(5));
    const flat = makeGenerator({ kind: "zipf", alpha: 0.2 }, 10000, new Prng(5));
    const s = take(20000, () => steep.next());
    const f = take(20000, () => flat.next());
    expect(s.filter((x) => x === 0).length / 20000).toBeGreaterThan(0.8);
    expect(new Set(f).size).toBeGreaterThan(5000);
    expect(Math.max(...f)).toBeLessThan(10000);
  });

  it("refuses an empty window", () => {
    expect(() => makeGenerator({ kind: "sequential" }, 0, new Prng(1))).toThrow(RangeError);
  });
});
