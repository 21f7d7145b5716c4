/**
 * Each policy on a short trace whose outcome is worked out by hand in the comments (the
 * definitions are in each policy's file and docs/replay.md), then properties every policy must
 * keep on random traces. Keys are letters, A = id 0, B = id 1, …; an outcome string has one
 * letter per request, H for a hit and m for a miss.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Arc } from "./arc.js";
import { Clock } from "./clock.js";
import { Fifo } from "./fifo.js";
import { createPolicy, nextUses, POLICY_NAMES, type Policy } from "./index.js";
import { Lfu } from "./lfu.js";
import { Lirs } from "./lirs.js";
import { Lru } from "./lru.js";
import { Opt } from "./opt.js";
import { RandomPolicy } from "./random.js";
import { S3Fifo } from "./s3fifo.js";
import { Sieve } from "./sieve.js";
import { TwoQ } from "./twoq.js";
import { traceFromKeys } from "../trace.js";

/** "ABCA" → Int32Array [0, 1, 2, 0]. */
function ids(letters: string): Int32Array {
  return Int32Array.from(letters, (c) => c.charCodeAt(0) - 65);
}

/** The hit/miss string of a policy on `letters`, one request at a time through access(). */
function outcome(p: Policy, letters: string): string {
  return Array.from(ids(letters), (id) => (p.access(id) ? "H" : "m")).join("");
}

/** The same trace through run() in one batch: the misses must agree with access(). */
function batchMisses(p: Policy, letters: string): number {
  const t = ids(letters);
  return p.run(t, 0, t.length);
}

describe("LRU", () => {
  it("evicts the least recently used: A B C A D B E A with 3 objects hits once", () => {
    // A B C miss: [C B A] (newest first). A hits: [A C B]. D misses, evicts B: [D A C].
    // B misses, evicts C: [B D A]. E misses, evicts A: [E B D]. A misses, evicts D.
    const trace = "ABCADBEA";
    expect(outcome(new Lru(3, 5), trace)).toBe("mmmHmmmm");
    expect(batchMisses(new Lru(3, 5), trace)).toBe(7);
  });

  it("keeps a re-used object that FIFO evicts: A B C A D A B C with 3 objects hits twice", () => {
    // [C B A]; A hits: [A C B]; D evicts B: [D A C]; A hits: [A D C]; B evicts C: [B A D];
    // C evicts D. (FIFO below hits only once on the same trace.)
    expect(outcome(new Lru(3, 4), "ABCADABC")).toBe("mmmHmHmm");
  });
});

describe("FIFO", () => {
  it("evicts in admission order whatever the hits: A B C A D A B C with 3 objects hits once", () => {
    // A B C fill [A B C] (oldest first). A hits, changes nothing. D evicts A: [B C D].
    // A evicts B: [C D A]. B evicts C: [D A B]. C evicts D: [A B C].
    expect(outcome(new Fifo(3, 4), "ABCADABC")).toBe("mmmHmmmm");
    expect(batchMisses(new Fifo(3, 4), "ABCADABC")).toBe(7);
  });
});

describe("CLOCK", () => {
  it("gives a referenced object one more sweep, new objects start unreferenced: A B C A D B A E", () => {
    // Ring slots 0..2 = A B C, bits 0, hand at 0. A hits: bit(A) = 1.
    // D: hand at A (bit 1) clears it and moves on; B (bit 0) is evicted; D takes slot 1
    //    with bit 0; hand at 2. Ring A D C.
    // B: hand at C (bit 0): C evicted, B in slot 2; hand at 0. Ring A D B.
    // A hits: bit(A) = 1.
    // E: A's bit cleared, hand to D (bit 0): D evicted, E in slot 1. Ring A E B.
    // Hits: the 4th and 7th requests. (Were new objects' bits set, D's sweep would have cleared
    // A, B and C and evicted A.)
    expect(outcome(new Clock(3, 5), "ABCADBAE")).toBe("mmmHmmHm");
    expect(batchMisses(new Clock(3, 5), "ABCADBAE")).toBe(6);
  });
});

describe("SIEVE", () => {
  it("evicts the first unvisited object from the hand, keeping visited ones in place", () => {
    // Queue newest first [C B A], hand at the tail (A). A hits: visited(A).
    // D: hand at A (visited) clears it, moves newer to B (unvisited): B evicted; the hand stays
    //    at B's newer neighbour C. D enters at the head: [D C A].
    // B: hand at C (unvisited): C evicted; hand to D. [B D A].
    // A hits: visited(A) again (A never moved).
    // E: hand at D (unvisited): D evicted; hand to B. [E B A].
    // C: hand at B: B evicted. [C E A].
    expect(outcome(new Sieve(3, 5), "ABCADBAEC")).toBe("mmmHmmHmm");
  });

  it("wraps the hand from the head back to the tail", () => {
    // Two objects [B A], both hit (visited). C: hand at A clears it, moves to B, clears it,
    // passes the head and wraps to the tail A (now unvisited): A evicted, hand at B. [C B].
    // A: hand at B (unvisited): B evicted, hand to C. [A C]. B: hand at C: C evicted.
    expect(outcome(new Sieve(2, 3), "ABABCAB")).toBe("mmHHmmm");
    expect(batchMisses(new Sieve(2, 3), "ABABCAB")).toBe(5);
  });
});

describe("Random", () => {
  it("hits what any choice of victim keeps: A B A C C with 2 objects", () => {
    // A, B miss; A hits; C misses and evicts A or B, whichever the generator picks; C hits.
    for (let seed = 0; seed < 20; seed++) expect(outcome(new RandomPolicy(2, 3, seed), "ABACC")).toBe("mmHmH");
  });

  it("is deterministic per seed and depends on it", () => {
    const t = Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 97);
    const a = new RandomPolicy(10, 97, 42).run(t, 0, t.length);
    expect(new RandomPolicy(10, 97, 42).run(t, 0, t.length)).toBe(a);
    const others = [1, 2, 3, 4, 5].map((s) => new RandomPolicy(10, 97, s).run(t, 0, t.length));
    expect(others.some((m) => m !== a)).toBe(true);
  });
});

describe("LFU", () => {
  it("evicts the smallest count: A A B B C D C E A with 3 objects", () => {
    // A (1), A hit (2), B (1), B hit (2), C (1). D evicts C, the only count-1 object: {A2 B2 D1}.
    // C evicts D: {A2 B2 C1}. E evicts C: {A2 B2 E1}. A hits (3).
    expect(outcome(new Lfu(3, 5), "AABBCDCEA")).toBe("mHmHmmmmH");
  });

  it("breaks ties by the time an object reached its count (LRU among equals), not insertion", () => {
    // A (1) and B (1); B hits first (B reaches 2 at request 3), then A (request 4).
    // C misses with A and B tied at 2: B reached 2 earlier and is evicted, though A was
    // admitted first. B then misses and evicts C (count 1); A hits.
    expect(outcome(new Lfu(2, 3), "ABBACBA")).toBe("mmHHmmH");
  });

  it("forgets counts on eviction (in-cache LFU)", () => {
    // A gets count 3, is the only object, then B and C alternate with 1 slot: each evicts
    // the other, and when A returns it starts again at 1.
    expect(outcome(new Lfu(1, 3), "AAABCA")).toBe("mHHmmm");
  });
});

describe("ARC", () => {
  it("follows the paper's cases and p adaptation on A B A C B A C D B C with 2 objects", () => {
    // 1 A: T1 [A]. 2 B: T1 [B A]. 3 A hits in T1: to T2. T1 [B], T2 [A].
    // 4 C (new, full): |T1|+|B1| = 1 < 2, directory 2 < 4, REPLACE: |T1| = 1 > p = 0, so B → B1.
    //   T1 [C], T2 [A], B1 [B].
    // 5 B (in B1): p = min(0 + max(0/1, 1), 2) = 1. REPLACE: |T1| = 1 is not > p = 1 and B was
    //   not in B2, so T2's LRU A → B2. T2 [B], T1 [C], B2 [A].
    // 6 A (in B2): p = max(1 − max(0/1, 1), 0) = 0. REPLACE: |T1| = 1 > 0, C → B1. T2 [A B].
    // 7 C (in B1): p = 1. REPLACE: T1 empty, so T2's LRU B → B2. T2 [C A], B2 [B].
    // 8 D (new): |T1|+|B1| = 0, directory 3 < 4, REPLACE: T1 empty → A → B2 [A B]. T1 [D].
    // 9 B (in B2): p = max(1 − max(0/2, 1), 0) = 0. REPLACE: |T1| = 1 > 0 → D → B1. T2 [B C].
    // 10 C hits in T2.
    expect(outcome(new Arc(2, 4), "ABACBACDBC")).toBe("mmHmmmmmmH");
  });

  it("drops B1's LRU entry when |T1| + |B1| reaches c", () => {
    // c = 2, a scan A B C D: A, B fill T1. C: |T1|+|B1| = 2 = c, B1 empty → T1's LRU A is
    // evicted with no ghost. D: same, B goes. A again: it left no ghost, so it is new (miss),
    // and no request hits.
    const p = new Arc(2, 4);
    expect(outcome(p, "ABCDA")).toBe("mmmmm");
    expect(p.has(0)).toBe(true);
    expect(p.size).toBe(2);
  });
});

describe("2Q", () => {
  it("admits through A1in, promotes from A1out, and evicts Am's LRU only when A1in is at Kin", () => {
    // c = 4: Kin = 1, Kout = 2.
    // 1-4 A B C D: A1in [D C B A] (newest first). 5 A hits in A1in: nothing moves.
    // 6 E: |A1in| 4 > 1 → A out to A1out [A]; A1in [E D C B].
    // 7 A (in A1out): miss; B → A1out [B]; Am [A]. 8 B (A1out): C → A1out [C]; Am [B A].
    // 9 F: D → A1out [D C]; A1in [F E]. 10 B hits in Am.
    // 11 G: E → A1out [E D C] > 2, C dropped; A1in [G F]. 12 C (forgotten): miss; F → A1out
    //    [F E], D dropped; A1in [C G]. 13 A hits in Am: Am [A B].
    // 14 E (in A1out): G → A1out [G F]; Am [E A B]; A1in [C].
    // 15 D (forgotten): |A1in| = 1 is not > Kin, so Am's LRU B leaves; A1in [D C].
    // 16 B: forgotten again (Am evictions leave no ghost): C → A1out; miss.
    expect(outcome(new TwoQ(4, 8), "ABCDAEABFBGCAEDB")).toBe("mmmmHmmmmHmmHmmm");
  });
});

describe("S3-FIFO", () => {
  it("filters one-hit objects through S, promotes ghosts and reinserts hit objects in M", () => {
    // c = 5: |S| = max(1, ⌊0.5⌋) = 1, |M| = 4, |G| = ⌊4.5⌋ = 4. Keys X = id 23.
    // 1-7 A B A C B D E: S [E D C B A] (newest first); A and B hit (freq 1).
    // 8 F: full; S's tail A (freq 1 < 2) → G [A]. S [F E D C B].
    // 9 A (ghost): B (freq 1) → G [B]; A → M [A].  10, 11 C hits twice (freq 2).
    // 12 H: C (freq 2) moves to M [C A] with freq 0, then D (freq 0) → G [D B]. S [H F E].
    // 13 A hits in M (freq 1). 14 B (ghost): E → G [E D]; B → M [B C A].
    // 15 C hits in M (freq 1). 16 D (ghost): F → G [F E]; M [D B C A].
    // 17 E (ghost): |M| = 4 is not over its share, S [H] is not empty: H → G [H F]; M [E D B C A].
    // 18 X: |M| = 5 > 4: M's tail A (freq 1) goes back to the head with freq 0, then C (freq 1)
    //    likewise, then B (freq 0) leaves the cache (no ghost for M). S [X].
    // 19 B (not a ghost any more): X → G; S [B]. 20 A hits in M.
    const t = "ABACBDEFACCHABCDEXBA";
    const p = new S3Fifo(5, 24);
    expect(outcome(p, t)).toBe("mmHmHmmmmHHmHmHmmmmH");
    expect(batchMisses(new S3Fifo(5, 24), t)).toBe(13);
  });
});

describe("LIRS", () => {
  it("keeps the low-IRR set and cycles HIR blocks through Q: A B C A D C B E A D B C with 3 objects", () => {
    // c = 3: Lhirs = 1, Llirs = 2. S top first; L = LIR, h = resident HIR, n = non-resident.
    // 1 A, 2 B: LIR (the LIR set fills first). S [B A].  3 C: HIR. S [C B A], Q [C].
    // 4 A hits (LIR, at the bottom): S [A C B]; bottom B is LIR, nothing pruned.
    // 5 D: Q's front C leaves the cache (stays in S, non-resident); D is HIR: S [D A C B], Q [D].
    // 6 C (non-resident, in S): D leaves (non-resident); C becomes LIR: S [C D A B]; the bottom
    //   LIR B becomes HIR in Q [B]: S [C D A].
    // 7 B hits (resident HIR not in S): S [B C D A], Q [B].
    // 8 E: B leaves (non-resident in S); E HIR: S [E B C D A], Q [E].
    // 9 A hits (LIR at the bottom): S [A E B C D]; pruning removes D (non-resident): S [A E B C].
    // 10 D (forgotten): E leaves; D HIR: S [D A E B C], Q [D].
    // 11 B (non-resident in S): D leaves; B LIR: S [B D A E C]; bottom LIR C → Q [C]; pruning
    //    removes E: S [B D A].
    // 12 C hits (resident HIR not in S).
    expect(outcome(new Lirs(3, 5), "ABCADCBEADBC")).toBe("mmmHmmHmHmmH");
  });
});

describe("OPT", () => {
  it("evicts the object used furthest in the future: A B C A B C A with 2 objects", () => {
    // C: A is next needed at request 4, B at 5: B goes. A hits. B: C is needed at 6, A at 7:
    // A goes. C hits. A: neither C nor B is needed again; either goes. (LRU misses all 7.)
    const t = ids("ABCABCA");
    const p = new Opt(2, 3, t, nextUses(t, t.length, 3));
    expect(Array.from(t, (id) => (p.access(id) ? "H" : "m")).join("")).toBe("mmmHmHm");
    expect(outcome(new Lru(2, 3), "ABCABCA")).toBe("mmmmmmm");
  });

  it("refuses requests out of its trace's order", () => {
    const t = ids("ABAB");
    const p = new Opt(1, 2, t, nextUses(t, 4, 2));
    expect(() => p.access(1)).toThrow(RangeError);
  });
});

describe("every policy", () => {
  const ALL = POLICY_NAMES;

  it("hits exactly when the object was cached, never holds more than its capacity, and run agrees with access", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 12 }), (keys, cap) => {
        const trace = traceFromKeys(keys);
        const capacity = Math.min(cap, trace.nKeys);
        for (const name of ALL) {
          const p = createPolicy(name, capacity, trace);
          let misses = 0;
          for (let i = 0; i < trace.n; i++) {
            const id = trace.ids[i];
            const wasCached = p.has(id);
            const hit = name === "opt" ? p.run(trace.ids, i, i + 1) === 0 : p.access(id);
            if (hit !== wasCached) return false;
            if (!hit) misses++;
            if (!p.has(id) || p.size > capacity) return false;
          }
          const q = createPolicy(name, capacity, trace);
          if (q.run(trace.ids, 0, trace.n) !== misses) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it("misses only the first request of each key when the cache holds every key", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => (i * 37) % 50);
    const trace = traceFromKeys(keys);
    for (const name of ALL) expect(createPolicy(name, 50, trace).run(trace.ids, 0, trace.n), name).toBe(50);
  });

  it("OPT misses no more than any other policy", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 20 }), (keys, cap) => {
        const trace = traceFromKeys(keys);
        const capacity = Math.min(cap, trace.nKeys);
        const opt = createPolicy("opt", capacity, trace).run(trace.ids, 0, trace.n);
        return ALL.every((n) => createPolicy(n, capacity, trace).run(trace.ids, 0, trace.n) >= opt);
      }),
      { numRuns: 100 },
    );
  });
});
