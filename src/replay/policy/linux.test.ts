import { describe, expect, it } from "vitest";
import { generateKeys } from "../generate.js";
import { KEY_WRITE } from "../readers.js";
import { traceFromKeys } from "../trace.js";
import { LinuxPolicy } from "./linux.js";
import { Opt, nextUses } from "./opt.js";

function vmstat(p: LinuxPolicy, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, "m").exec(p.rm.machine.read("/proc/vmstat"));
  if (m === null) throw new Error(`no ${name} in /proc/vmstat`);
  return Number(m[1]);
}

function pcpHigh(p: LinuxPolicy): number {
  return Math.max(...[...p.rm.machine.read("/proc/zoneinfo").matchAll(/^\s+high:\s+(\d+)$/gm)].map((m) => Number(m[1])));
}

// 20,000 Zipf requests over 3,000 keys: enough reuse and enough misses to make reclaim work.
const trace = traceFromKeys(generateKeys({ kind: "zipf", alpha: 1, keys: 3000, requests: 20_000, seed: 7 }));

describe.each(["classic", "mglru"] as const)("the %s LRU as a replay policy", (lru) => {
  const cache = 200;

  it("counts a miss for each first request and each major fault, as /proc/vmstat does", () => {
    const p = new LinuxPolicy(cache, trace.nKeys, lru);
    const maj0 = vmstat(p, "pgmajfault");
    const swpin0 = vmstat(p, "pswpin");
    const misses = p.run(trace.ids, 0, trace.n);
    const refaults = vmstat(p, "pgmajfault") - maj0;
    expect(refaults).toBeGreaterThan(0);
    expect(misses).toBe(trace.nKeys + refaults);
    // page-cluster 0: each major fault read exactly its one page.
    expect(vmstat(p, "pswpin") - swpin0).toBe(refaults);
  });

  it("misses no less than Belady's OPT with the most pages the trace can hold", () => {
    const p = new LinuxPolicy(cache, trace.nKeys, lru);
    const misses = p.run(trace.ids, 0, trace.n);
    const opt = new Opt(cache + pcpHigh(p), trace.nKeys, trace.ids, nextUses(trace.ids, trace.n, trace.nKeys)).run(trace.ids, 0, trace.n);
    expect(misses).toBeGreaterThanOrEqual(opt);
    expect(misses).toBeLessThanOrEqual(trace.n);
  });

  it("has() (pagemap) agrees with size (the RSS), which stays near the cache size", () => {
    const p = new LinuxPolicy(cache, trace.nKeys, lru);
    p.run(trace.ids, 0, trace.n);
    let present = 0;
    for (let id = 0; id < trace.nKeys; id++) if (p.has(id)) present++;
    expect(present).toBe(p.size);
    expect(p.size).toBeLessThanOrEqual(cache + pcpHigh(p));
  });

  // The cache is the trace's resident peak, reached when reclaim starts; the trace's own
  // mapping reaches it give or take the per-CPU lists' pages (src/sim/replay_machine.test.ts:
  // at most the pcp high mark, 21 here), so 32 keys fit in 64 pages with room to spare. After
  // their first writes nothing allocates, nothing is reclaimed, and every request hits — even in
  // a cyclic order, which would miss every time if fewer than 32 pages were kept.
  it("hits every request once 32 keys are in a 64-page cache (no allocation, so nothing is reclaimed)", () => {
    const p = new LinuxPolicy(64, 64, lru);
    expect(pcpHigh(p)).toBeLessThanOrEqual(64 - 32);
    const ids = new Int32Array(1000).map((_, i) => (i * 7) & 31);
    expect(p.run(ids, 0, ids.length)).toBe(32);
    expect(p.access(0)).toBe(true);
    expect(p.access(1, true)).toBe(true);
  });

  it("is deterministic", () => {
    const a = new LinuxPolicy(cache, trace.nKeys, lru).run(trace.ids, 0, trace.n);
    const b = new LinuxPolicy(cache, trace.nKeys, lru).run(trace.ids, 0, trace.n);
    expect(b).toBe(a);
  });

  it("stores what the trace marks as writes: dirty pages cost reclaim swap writes that clean ones do not", () => {
    const reads = new LinuxPolicy(cache, trace.nKeys, lru);
    const out0 = vmstat(reads, "pswpout");
    reads.run(trace.ids, 0, trace.n);
    const writes = new LinuxPolicy(cache, trace.nKeys, lru);
    const out1 = vmstat(writes, "pswpout");
    writes.run(trace.ids, 0, trace.n, new Uint8Array(trace.n).fill(KEY_WRITE));
    expect(vmstat(writes, "pswpout") - out1).toBeGreaterThan(vmstat(reads, "pswpout") - out0);
  });
});
