import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate } from "./engine.js";
import { generateKeys, parseGeneratorSpec } from "./generate.js";
import { curveError, logSizes, lruMissRatioCurve, shardsMissRatioCurve, stackDistances } from "./mrc.js";
import { Lru } from "./policy/lru.js";
import { traceFromKeys } from "./trace.js";

describe("stack distances", () => {
  it("counts distinct keys since the last request, itself included", () => {
    // A B C A B C A: three cold misses, then every request has distance 3.
    const a = stackDistances(Int32Array.from([0, 1, 2, 0, 1, 2, 0]), 3);
    expect(a.cold).toBe(3);
    expect(Array.from(a.hist)).toEqual([0, 0, 0, 4]);
    // A B B A: the second B has distance 1, the second A distance 2 (B in between).
    expect(Array.from(stackDistances(Int32Array.from([0, 1, 1, 0]), 2).hist)).toEqual([0, 1, 1]);
  });

  it("gives LRU's misses at every cache size (Mattson's curve against the list LRU), through renumbering", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 0, max: 50 }), (keys, warm) => {
        const t = traceFromKeys(keys);
        const warmup = Math.min(warm, t.n - 1);
        const curve = lruMissRatioCurve(t, warmup);
        for (let c = 1; c <= t.nKeys; c++) {
          const lru = new Lru(c, t.nKeys);
          lru.run(t.ids, 0, warmup);
          if (curve.missesAt(c) !== lru.run(t.ids, warmup, t.n)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it("agrees with LRU on a trace long enough to renumber its positions many times", () => {
    // 3,000 keys: 8,192 positions, renumbered every few thousand requests over 300,000.
    const t = traceFromKeys(generateKeys(parseGeneratorSpec("zipf,alpha=0.8,keys=3000,requests=300k,seed=9")));
    const curve = lruMissRatioCurve(t);
    for (const c of [1, 7, 100, 999, 2500, t.nKeys]) expect(curve.missesAt(c)).toBe(simulate(t, "lru", c).misses);
  });
});

describe("SHARDS sampled curves", () => {
  it("at rate 1 is the exact curve", () => {
    const keys = generateKeys(parseGeneratorSpec("zipf,keys=5000,requests=50k,seed=2"));
    const exact = lruMissRatioCurve(traceFromKeys(keys));
    const sampled = shardsMissRatioCurve(traceFromKeys(keys, { sampleRate: 1 }));
    for (let c = 1; c <= exact.maxSize; c += 37) expect(sampled.at(c)).toBe(exact.at(c));
  });

  it("places a loop's cliff where binomial sampling error allows", () => {
    // A loop over K = 20,000 keys misses everything below K and nothing above (after the first
    // pass). Sampled at R = 0.1, the loop has K' ~ Binomial(K, R) keys, so the estimated cliff
    // K'/R is within 5 standard deviations, 5·sqrt(K·R·(1−R))/R = 2,121 keys, of K.
    const K = 20000;
    const keys = Array.from({ length: 10 * K }, (_, i) => i % K);
    const s = shardsMissRatioCurve(traceFromKeys(keys, { sampleRate: 0.1 }));
    const cliff = logSizes(1, 2 * K, 4000).find((c) => s.at(c) < 0.5) ?? Infinity;
    expect(Math.abs(cliff - K)).toBeLessThan(2121);
  });

  it("estimates a Zipf trace's curve within 0.05 mean absolute error at R = 0.1 (docs/replay.md)", () => {
    // Zipf α = 1 is a hard case for spatial sampling: a few keys carry much of the traffic and
    // are either in the sample or not. Measured on this trace: 0.016 with SHARDS_adj, 0.021
    // without; the documented bound is 0.05 over sizes from 1/R to the distinct keys.
    const keys = generateKeys(parseGeneratorSpec("zipf,alpha=1,keys=100k,requests=1M,seed=1"));
    const exact = lruMissRatioCurve(traceFromKeys(keys));
    const sampled = traceFromKeys(keys, { sampleRate: 0.1 });
    const adj = curveError(exact, shardsMissRatioCurve(sampled), exact.maxSize, 100, 10);
    const raw = curveError(exact, shardsMissRatioCurve(sampled, false), exact.maxSize, 100, 10);
    expect(adj.mean).toBeLessThan(0.05);
    expect(adj.mean).toBeLessThanOrEqual(raw.mean);
  });
});
