import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeMeminfo, si_mem_available, procpsFree } from "./meminfo.js";
import { decodeZoneinfo } from "./zoneinfo.js";
import { decodeBuddyinfo, decodePagetypeinfo } from "./buddyinfo.js";
import { decodeKeyValue, decodePressure, decodeSmaps, decodeStatus, decodeSwaps } from "./procfiles.js";
import { decode, detectKind } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const rk = path.resolve(repoRoot, "test/realkernel/data");
const fx = path.join(repoRoot, "test/fixtures/decode/proc");
const rkRead = (p: string): string => readFileSync(path.join(rk, p), "utf8");
const fxRead = (p: string): string => readFileSync(path.join(fx, p), "utf8");
const W0 = ["w0", "w0-m256", "w0-m1024", "w0-m2048", "w0-numa2"];

describe("meminfo: MemAvailable as si_mem_available computes it", () => {
  it.each(W0)("%s: recomputed from meminfo + zoneinfo equals the printed MemAvailable exactly", (w) => {
    const r = decodeMeminfo(rkRead(`${w}/meminfo`), decodeZoneinfo(rkRead(`${w}/zoneinfo`)));
    expect(r.memAvailable?.watermarksKnown).toBe(true);
    expect(r.memAvailable?.computed_kB).toBe(r.fields.MemAvailable);
    expect(r.warnings).toEqual([]);
  });
  it("w0: totalreserve is max(lowmem_reserve) + high per zone, capped at managed (calculate_totalreserve_pages)", () => {
    // DMA: max(0,432,…) + high 32 = 464; DMA32: 0 + 979 = 979; empty zones 0 → 1443 pages.
    const z = decodeZoneinfo(rkRead("w0/zoneinfo"));
    expect(z.totalreserve_pages).toBe(1443);
    expect(z.wmark_low_pages).toBe(27 + 816);
    expect(z.zones.find((x) => x.zone === "DMA32")?.high).toBe(979);
  });
  it("every real meminfo there is decodes with each field explained", () => {
    const files = readdirSync(rk).flatMap((w) => (statSync(path.join(rk, w)).isDirectory() ? readdirSync(path.join(rk, w)).filter((f) => f.startsWith("meminfo")).map((f) => `${w}/${f}`) : []));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const r = decodeMeminfo(rkRead(f));
      expect(r.warnings, f).toEqual([]);
      expect(r.docs.every((d) => d.meaning !== undefined), f).toBe(true);
      // Without zoneinfo the reserves are unknown and the computed value bounds the printed one.
      expect(r.memAvailable!.computed_kB!).toBeGreaterThanOrEqual(r.fields.MemAvailable);
    }
  });
  it("reads a pre-3.14 meminfo (no MemAvailable) and an arm64 6.x one", () => {
    const old = decodeMeminfo(fxRead("meminfo-ubuntu-2.6-nomemavailable.txt"));
    expect(old.fields.MemAvailable).toBeUndefined();
    expect(old.memAvailable?.note).toMatch(/before 3.14/);
    // free: used = total − free when MemAvailable is missing (procps treats 0 as MemFree).
    expect(old.free).toMatchObject({ total: 4060612, free: 3216380, used: 4060612 - 3216380, buff_cache: 88632 + 353116 + 45108 });
    const arm = decodeMeminfo(fxRead("meminfo-arm64-6.x-tmpfs-noswap.txt"));
    expect(arm.free).toMatchObject({ used: 2010376 - 1637744, shared: 290276, available: 1637744, swap_total: 0 });
  });
  it("si_mem_available keeps min(half, wmark_low) of cache and reclaimable slab", () => {
    const { kB, terms } = si_mem_available({ MemFree: 1000, "Active(file)": 400, "Inactive(file)": 400, SReclaimable: 200 }, 300, 100);
    expect(terms.pagecache_kept).toBe(-300);
    expect(terms.reclaimable_kept).toBe(-100);
    expect(kB).toBe(1000 - 100 + 800 - 300 + 200 - 100);
    expect(procpsFree({ MemTotal: 100, MemFree: 10, MemAvailable: 200 }).available).toBe(10);
  });
});

describe("buddyinfo: the indices debugfs extfrag/ prints", () => {
  const parseDebug = (t: string): number[][] => t.trim().split("\n").map((l) => l.trim().split(/\s+/).slice(4).map((x) => Math.round(Number(x) * 1000)));
  it.each(W0)("%s: unusable_free_index and fragmentation index per order equal debugfs", (w) => {
    const b = decodeBuddyinfo(rkRead(`${w}/buddyinfo`));
    const unusable = parseDebug(rkRead(`${w}/debug_extfrag/unusable_index`));
    const extfrag = parseDebug(rkRead(`${w}/debug_extfrag/extfrag_index`));
    expect(b.zones.map((z) => z.fragmentation)).toEqual(extfrag);
    b.zones.forEach((z, i) => {
      // The DMA zone is idle, so buddyinfo and debugfs (read a moment apart) see the same lists
      // and agree to the thousandth; DMA32 is live (numa2 shifts by up to 0.009 at order 10) and moves in between.
      if (z.zone === "DMA") expect(z.unusable).toEqual(unusable[i]);
      else z.unusable.forEach((u, o) => expect(Math.abs(u - unusable[i][o]), `${z.zone} order ${o}`).toBeLessThanOrEqual(10));
    });
  });
  it("a zone with only small blocks: order 3 fails for fragmentation, not lack of memory", () => {
    const b = decodeBuddyinfo("Node 0, zone   Normal    100     50      0      0      0      0      0      0      0      0      0");
    const z = b.zones[0];
    expect(z.largestFreeOrder).toBe(1);
    expect(z.fragmentation[3]).toBe(1000 - Math.floor((1000 + Math.floor((200 * 1000) / 8)) / 150));
    expect(z.unusable[2]).toBe(1000);
  });
  it("with a zoneinfo, says per order whether the watermark check passes (w0 DMA: free 3808, min 22, low 27)", () => {
    const b = decodeBuddyinfo(rkRead("w0/buddyinfo"), decodeZoneinfo(rkRead("w0/zoneinfo")));
    const dma = b.zones[0];
    // Blocks exist at orders 5,6,7,9,10 only, so orders 0–10 all find a block ≥ N; free − (2^10 − 1) = 2785 > 27.
    expect(dma.watermarkOk?.low.every(Boolean)).toBe(true);
    const tight = decodeBuddyinfo("Node 0, zone   Normal     30      0      2      0      0      0      0      0      0      0      0",
      decodeZoneinfo("Node 0, zone   Normal\n  pages free     38\n        min      30\n        low      36\n        high     42\n"));
    // 38 free pages (30 single pages, two order-2 blocks). Order 1 leaves 37 > 36: passes both marks;
    // order 2 leaves 35: above min 30, not above low 36; order 3 leaves 31 > 30 but has no block ≥ 3.
    expect(tight.zones[0].watermarkOk).toEqual({
      min: [true, true, true, false, false, false, false, false, false, false, false],
      low: [true, true, false, false, false, false, false, false, false, false, false],
    });
  });
  it("reads the public partial buddyinfo and pagetypeinfo with CMA", () => {
    expect(decodeBuddyinfo(fxRead("buddyinfo-stag-partial.txt")).zones.map((z) => z.zone)).toEqual(["DMA32", "Normal"]);
    const p = decodePagetypeinfo(fxRead("pagetypeinfo-cma-stag.txt"));
    expect(p.pageblockOrder).toBe(9);
    expect(p.blocks.find((b) => b.zone === "Normal")?.byType).toEqual({ Unmovable: 102, Movable: 13856, Reclaimable: 506, HighAtomic: 0, CMA: 0, Isolate: 0 });
    expect(p.freePagesByType.find((z) => z.zone === "DMA")?.byType.Movable).toBe(2 ** 9 + 3 * 2 ** 10);
    expect(p.warnings).toEqual([]);
  });
  it.each(W0)("%s: real pagetypeinfo free counts add up to buddyinfo", (w) => {
    const p = decodePagetypeinfo(rkRead(`${w}/pagetypeinfo`));
    const b = decodeBuddyinfo(rkRead(`${w}/buddyinfo`));
    expect(p.warnings).toEqual([]);
    for (const z of b.zones) {
      const sum = Object.values(p.freePagesByType.find((x) => x.zone === z.zone && x.node === z.node)!.byType).reduce((a, x) => a + x, 0);
      // The two files are read a moment apart; allow the per-cpu churn of a quiet machine.
      expect(Math.abs(sum - z.free_pages)).toBeLessThanOrEqual(64);
    }
  });
});

describe("smaller /proc and cgroup files", () => {
  it("smaps sums to smaps_rollup (w1, w2, w3a, w4, w5)", () => {
    for (const base of ["w1/proc", "w2/parent", "w2/child", "w3a/A.AB", "w4/hold24", "w5/proc"]) {
      const s = decodeSmaps(rkRead(`${base}.smaps`));
      const r = decodeSmaps(rkRead(`${base}.smaps_rollup`));
      expect(s.kind).toBe("smaps");
      expect(r.kind).toBe("smaps_rollup");
      expect(s.rss_kB, base).toBe(r.rss_kB);
      expect(Math.abs(s.pss_kB - r.pss_kB), base).toBeLessThanOrEqual(s.vmas.length); // per-vma rounding
      expect(s.uss_kB, base).toBe(r.uss_kB);
      expect(s.warnings, base).toEqual([]);
    }
    const pub = decodeSmaps(fxRead("smaps_rollup-shmem-heavy.txt"));
    expect(pub).toMatchObject({ kind: "smaps_rollup", rss_kB: 391088, pss_kB: 380165, uss_kB: 628 + 371656, swap_kB: 836004 });
  });
  it("status: VmRSS = RssAnon + RssFile + RssShmem on every real status", () => {
    for (const f of ["w1/proc.status", "w2/parent.status", "w3a/A.AB.status", "w3a/B.after.status", "w4/hold24.status", "w5/proc.status", "w0/self.status"]) {
      const s = decodeStatus(rkRead(f));
      expect(s.fields.VmRSS, f).toBe(s.fields.RssAnon + s.fields.RssFile + s.fields.RssShmem);
      expect(s.warnings, f).toEqual([]);
    }
  });
  it("swaps: real and public", () => {
    const h = decodeSwaps(rkRead("w5/swaps.holding"));
    expect(h.devices).toEqual([{ filename: "/dev/vda", type: "partition", size_kB: 524284, used_kB: 220500, priority: -2 }]);
    expect(decodeSwaps(rkRead("w0/swaps")).devices).toEqual([]);
    expect(decodeSwaps(fxRead("swaps-2009-ramzswap.txt")).total_kB).toBe(512144 + 730916);
    expect(decodeSwaps(fxRead("swaps-dm1-used.txt")).used_kB).toBe(142592);
  });
  it("pressure: real 6.1 and an Android ANR dump without total=", () => {
    expect(decodePressure(rkRead("w0/pressure/memory"))).toMatchObject({ some: { avg10: 0, total_us: 0 }, full: { avg300: 0 }, warnings: [] });
    const a = decodePressure(fxRead("pressure-memory-android-anr.txt"));
    expect(a.some?.avg10).toBe(82.71);
    expect(a.full?.avg60).toBe(34.93);
    expect(a.warnings.length).toBe(2);
  });
  it("vmstat, memory.stat and memory.events of the real kernel decode without complaint", () => {
    for (const f of ["w0/vmstat", "w1/vmstat.holding", "w6/vmstat.tmpfs"]) expect(decodeKeyValue(rkRead(f), "vmstat").warnings).toEqual([]);
    const st = decodeKeyValue(rkRead("w4/cg.hold24.memory.stat"), "memory.stat");
    expect(st.warnings).toEqual([]);
    expect(st.docs.find((d) => d.key === "anon")?.unit).toBe("bytes");
    const ev = decodeKeyValue(rkRead("w4/cg.afteroom.memory.events"), "memory.events");
    expect(ev.fields).toEqual({ low: 0, high: 0, max: 35, oom: 1, oom_kill: 1, oom_group_kill: 0 });
  });
});

describe("every /proc and cgroup file of the real 6.1 captures", () => {
  const kinds: Array<[RegExp, string]> = [
    [/(^|\/)meminfo(\.\w+)?$/, "meminfo"], [/(^|\/)buddyinfo(\.\w+)?$/, "buddyinfo"], [/(^|\/)pagetypeinfo$/, "pagetypeinfo"],
    [/(^|\/)zoneinfo(\.\w+)?$/, "zoneinfo"], [/(^|\/)vmstat(\.\w+)?$/, "vmstat"], [/\.?status$/, "status"], [/\.smaps$/, "smaps"],
    [/\.smaps_rollup$/, "smaps_rollup"], [/(^|\/)swaps(\.\w+)?$/, "swaps"], [/pressure\/memory$/, "pressure"],
    [/memory\.stat(\.empty)?$/, "memory.stat"], [/memory\.events(\.local)?$/, "memory.events"],
  ];
  const walk = (dir: string): string[] =>
    readdirSync(path.join(rk, dir)).flatMap((f) => {
      const rel = dir === "" ? f : `${dir}/${f}`;
      return statSync(path.join(rk, rel)).isDirectory() ? walk(rel) : [rel];
    });
  const files = walk("").filter((f) => kinds.some(([re]) => re.test(f)));
  it("covers the captures' memory files", () => expect(files.length).toBeGreaterThan(80));
  it.each(files)("%s decodes as its kind without a complaint", (f) => {
    const want = kinds.find(([re]) => re.test(f))![1];
    const text = rkRead(f);
    // A node's vmstat holds node counters only (no nr_free_pages): read it as vmstat explicitly.
    const forced = /node\/node\d+\/vmstat$/.test(f);
    if (!forced) expect(detectKind(text)).toBe(want);
    const r = decode(text, forced ? { kind: "vmstat" } : {});
    expect(r.kind).toBe(want);
    expect(r.warnings).toEqual([]);
  });
});

describe("detection from content", () => {
  const cases: Array<[string, string]> = [
    ["w0/meminfo", "meminfo"], ["w0/buddyinfo", "buddyinfo"], ["w0/pagetypeinfo", "pagetypeinfo"], ["w0/zoneinfo", "zoneinfo"],
    ["w0/vmstat", "vmstat"], ["w0/self.status", "status"], ["w1/proc.smaps", "smaps"], ["w1/proc.smaps_rollup", "smaps_rollup"],
    ["w5/swaps.holding", "swaps"], ["w0/pressure/memory", "pressure"], ["w4/cg.hold24.memory.stat", "memory.stat"],
    ["w4/cg.afteroom.memory.events", "memory.events"], ["w3a/oom_report.1", "oom"], ["w4/oom_report.1", "oom"], ["w3a/dmesg", "oom"],
  ];
  it.each(cases)("%s is %s", (f, kind) => expect(detectKind(rkRead(f))).toBe(kind));
  it("every public fixture is detected as what its name says", () => {
    for (const f of readdirSync(fx)) {
      const want = f.split("-")[0].replace(/\.txt$/, "");
      expect(detectKind(fxRead(f)), f).toBe(want);
    }
    const oomDir = path.join(repoRoot, "test/fixtures/decode/oom");
    for (const f of readdirSync(oomDir)) expect(detectKind(readFileSync(path.join(oomDir, f), "utf8")), f).toBe("oom");
  });
  it("decode() routes by kind and says so when it cannot", () => {
    expect(decode("hello world").kind).toBe("unknown");
    expect(decode("hello world").missing[0].message).toMatch(/--kind/);
    expect(decode(rkRead("w0/meminfo"), { zoneinfoText: rkRead("w0/zoneinfo") })).toMatchObject({ kind: "meminfo", memAvailable: { watermarksKnown: true } });
    expect(existsSync(path.join(rk, "w0/meminfo"))).toBe(true);
  });
});
