import { describe, expect, it } from "vitest";
import { TraceError } from "./errors.js";
import { describeGenerator, generateKeys, parseGeneratorSpec } from "./generate.js";

describe("generated traces", () => {
  it("are the same for the same spec and seed, and differ with the seed", () => {
    const a = generateKeys(parseGeneratorSpec("zipf,keys=1000,requests=5000,seed=3"));
    expect(generateKeys(parseGeneratorSpec("zipf,keys=1000,requests=5000,seed=3"))).toEqual(a);
    expect(generateKeys(parseGeneratorSpec("zipf,keys=1000,requests=5000,seed=4"))).not.toEqual(a);
  });

  it("zipf with alpha 1 requests rank k about 1/k as often as rank 1", () => {
    const keys = generateKeys(parseGeneratorSpec("zipf,alpha=1,keys=1000,requests=1M,seed=1"));
    const count = new Float64Array(1001);
    for (const k of keys) count[k]++;
    // p(k) = 1/(k·H_1000) with H_1000 = 7.4855: rank 1 gets 13.36% of 1M requests, rank 10 1.336%.
    expect(count[1] / 1e6).toBeCloseTo(1 / 7.4855, 2);
    expect(count[10] / 1e6).toBeCloseTo(0.1 / 7.4855, 3);
    expect(keys.every((k) => k >= 1 && k <= 1000)).toBe(true);
  });

  it("loop: hot keys 1…hot at the hot fraction, the loop hot+1…hot+loop in order otherwise", () => {
    const keys = generateKeys(parseGeneratorSpec("loop,loop=5,hot=2,hot-fraction=0.5,requests=10000,seed=1"));
    const loop = Array.from(keys).filter((k) => k > 2);
    expect(loop.slice(0, 7)).toEqual([3, 4, 5, 6, 7, 3, 4]);
    // Binomial(10000, 0.5): sd 50.
    expect(Math.abs(keys.length - loop.length - 5000)).toBeLessThan(250);
  });

  it("parses counts with k/M/G suffixes and rejects bad specs", () => {
    expect(parseGeneratorSpec("zipf,keys=1M,requests=2.5k")).toEqual({ kind: "zipf", alpha: 1, keys: 1_000_000, requests: 2500, seed: 1 });
    expect(describeGenerator(parseGeneratorSpec("loop"))).toBe("loop(loop=20000, hot=1000, hot-fraction=0.5, requests=1000000, seed=1)");
    expect(() => parseGeneratorSpec("pareto")).toThrow(TraceError);
    expect(() => parseGeneratorSpec("zipf,keys=many")).toThrow(/not a count/);
    expect(() => parseGeneratorSpec("zipf,colour=blue")).toThrow(/unknown field colour/);
    expect(() => parseGeneratorSpec("zipf,requests=0")).toThrow(/requests must be/);
    expect(() => parseGeneratorSpec("loop,hot-fraction=2")).toThrow(/hot-fraction/);
  });
});
