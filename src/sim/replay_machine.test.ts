import { describe, expect, it } from "vitest";
import { COST } from "./cost.js";
import { ReplayMachine } from "./replay_machine.js";

const PAGE = 4096;

describe("ReplayMachine", () => {
  // The calibration measures the cache on a scratch mapping; these check it on the trace's own
  // mapping, which calibration never touched: writing new keys one by one (a miss each, with its
  // simulated time spent as the replay spends it), the
  // trace's resident count peaks at the cache size asked for, give or take the pages the
  // per-CPU free lists hold (the watermark checks do not see them, so when reclaim starts moves
  // with them): at most the zone's pcp high mark, read from /proc/zoneinfo. The calibrated peak
  // itself is never above the size asked for, and is exactly it where the ballast can hit it.
  it.each([
    ["classic", 64, true],
    ["classic", 100, false],
    ["classic", 808, true],
    ["mglru", 64, false],
    ["mglru", 808, true],
  ] as const)("%s, %i pages: the trace's own mapping peaks at the cache size", (lru, cachePages, exact) => {
    const rm = ReplayMachine.boot({ cachePages, keys: 4 * cachePages + 1024, lru });
    const pcpHigh = Math.max(...[...rm.machine.read("/proc/zoneinfo").matchAll(/^\s+high:\s+(\d+)$/gm)].map((m) => Number(m[1])));
    expect(pcpHigh).toBeGreaterThan(0);
    expect(rm.info.cachePages).toBeLessThanOrEqual(cachePages);
    if (exact) expect(rm.info.cachePages).toBe(cachePages);
    else expect(rm.info.cachePages).toBeGreaterThanOrEqual(cachePages - pcpHigh);
    expect(rm.info.boots).toBeLessThanOrEqual(12);
    expect(rm.process.status().vmRssKb).toBe(0);
    let peak = 0;
    for (let i = 0; i < cachePages + 512; i++) {
      const r = rm.process.write(rm.base + i * PAGE, PAGE);
      rm.machine.advance(COST.access_ns + r.minflt * COST.minor_fault_ns + r.majflt * COST.major_fault_ns);
      peak = Math.max(peak, rm.process.status().vmRssKb / 4);
    }
    expect(Math.abs(peak - cachePages)).toBeLessThanOrEqual(pcpHigh);
    expect(rm.machine.read("/sys/kernel/mm/lru_gen/enabled").trim()).toBe(lru === "mglru" ? "0x0007" : "0x0000");
  });

  it("is deterministic: the same options give the same machine", () => {
    const a = ReplayMachine.boot({ cachePages: 100, keys: 1000, lru: "mglru" });
    const b = ReplayMachine.boot({ cachePages: 100, keys: 1000, lru: "mglru" });
    expect(b.info).toEqual(a.info);
    expect(b.machine.read("/proc/vmstat")).toBe(a.machine.read("/proc/vmstat"));
  });

  it("refuses a cache that is not a whole number of pages ≥ 1, or larger than the keys", () => {
    expect(() => ReplayMachine.boot({ cachePages: 0, keys: 10, lru: "classic" })).toThrow(RangeError);
    expect(() => ReplayMachine.boot({ cachePages: 1.5, keys: 10, lru: "classic" })).toThrow(RangeError);
    expect(() => ReplayMachine.boot({ cachePages: 11, keys: 10, lru: "classic" })).toThrow(/larger than the 10 keys/);
    expect(() => ReplayMachine.boot({ cachePages: 1, keys: 2 ** 25 + 1, lru: "classic" })).toThrow(RangeError);
  });

  it("refuses a cache smaller than reclaim can keep, naming the closest it found", () => {
    // A ballast that leaves the trace 2 pages leaves the classic LRU nothing to work with: the
    // OOM killer ends the ballast, or mlock cannot fault it all in (MGLRU gets down to 1 page).
    expect(() => ReplayMachine.boot({ cachePages: 2, keys: 100, lru: "classic" })).toThrow(/cannot hold as few as 2 pages \(reclaim needs some to work with\): the closest above it found is \d+/);
  });
});
