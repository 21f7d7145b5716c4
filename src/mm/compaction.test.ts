import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { checkLru } from "../sim/invariants/lru.js";
import { checkMm } from "../sim/invariants/mm.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { kernelOf, taskOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { COMPACT_CONTINUE, COMPACT_SKIPPED, COMPACT_SUCCESS } from "./alloc_hooks.js";
import {
  compaction_defer_reset,
  compaction_deferred,
  compaction_suitable,
  defer_compaction,
  extfrag_for_order,
  fragmentation_index,
  fragmentation_score_node,
  fragmentation_score_wmark,
  wakeup_kcompactd,
} from "./compaction.js";
import { follow_pte } from "./memory.js";
import { F, page_content, PG_mlocked } from "./memmap.js";
import { drain_all_pages, ALLOC_WMARK_LOW } from "./page_alloc.js";
import { MAX_ORDER } from "./types.js";
import { zone } from "./mmzone.js";
import { pglist_data } from "./mmzone.js";
import { COMPACTISOLATED, PGMIGRATE_SUCCESS } from "./vmstat_items.js";
import type { Process } from "../sim/process.js";

/** A zone whose free lists hold `counts[order]` blocks (no pages behind them: for the index math). */
function zoneWith(counts: number[]): zone {
  const z = new zone(new pglist_data(0), 1);
  for (let o = 0; o < MAX_ORDER; o++) z.free_area[o].nr_free = counts[o] ?? 0;
  return z;
}

/** The order-9-and-up free blocks of the Normal/DMA32 zones, from /proc/buddyinfo's last zone. */
function highOrderBlocks(m: Machine): number {
  const last = m.read("/proc/buddyinfo").trim().split("\n").at(-1)!.trim().split(/\s+/).slice(4).map(Number);
  return last[9] + 2 * last[10];
}

/** Touches `pages` pages and frees every other one: half-used pageblocks all through. */
function fragment(m: Machine, pages: number): { p: Process; a: number } {
  const p = m.spawn({ comm: "frag" });
  const a = p.mmap(pages * 4096);
  p.madvise(a, pages * 4096, "nohugepage");
  p.write(a, pages * 4096);
  for (let i = 1; i < pages; i += 2) p.madvise(a + i * 4096, 4096, "dontneed");
  return { p, a };
}

/** virtual page → content token of every kept page. */
function tokens(k: Kernel, p: Process, a: number, pages: number): Map<number, number> {
  const out = new Map<number, number>();
  const mm = taskOf(p).mm!;
  for (let i = 0; i < pages; i += 2) out.set(i, page_content(k.mem_map, follow_pte(k, mm, a + i * 4096)!.pfn));
  return out;
}

describe("fragmentation_index and extfrag_for_order", () => {
  it("gives 999 for 60367 free order-0 pages at order 9 (hp-compact's frag step), -1000 once a block is free", () => {
    expect(fragmentation_index(zoneWith([60367]), 9)).toBe(999);
    expect(fragmentation_index(zoneWith([60367, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 9)).toBe(-1000);
    // No free memory: 0 (lack of memory, not fragmentation).
    expect(fragmentation_index(zoneWith([]), 9)).toBe(0);
    // 4 free order-8 blocks, order 9: 1000 - (1000 + 1024 * 1000 / 512) / 4 = 1000 - 750 = 250.
    expect(fragmentation_index(zoneWith([0, 0, 0, 0, 0, 0, 0, 0, 4]), 9)).toBe(250);
  });
  it("gives the share of free memory in blocks below the order", () => {
    // 512 free order-0 pages and one free order-9 block: half the free memory is unusable.
    expect(extfrag_for_order(zoneWith([512, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 9)).toBe(50);
    expect(extfrag_for_order(zoneWith([]), 9)).toBe(0);
  });
});

describe("compaction_deferred", () => {
  it("backs off 1, 2, 4 … 64 attempts after repeated failures, for the failed order and above", () => {
    const z = zoneWith([]);
    const skipped = (order: number): number => {
      let n = 0;
      while (compaction_deferred(z, order)) n++;
      return n;
    };
    // A success at order 8 sets compact_order_failed to 9: order 9 and up may be deferred.
    compaction_defer_reset(z, 8, true);
    expect(compaction_deferred(z, 9)).toBe(false);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      defer_compaction(z, 9);
      seen.push(skipped(9));
    }
    // defer_limit = 1 << shift: shift 1 skips 1 attempt, 2 skips 3, … capped at shift 6 (63).
    expect(seen).toEqual([1, 3, 7, 15, 31, 63, 63, 63]);
    // Orders below the failed one are never deferred.
    defer_compaction(z, 9);
    expect(compaction_deferred(z, 4)).toBe(false);
    compaction_defer_reset(z, 9, true);
    expect(compaction_deferred(z, 9)).toBe(false);
  });
});

describe("compaction_suitable", () => {
  it("answers SUCCESS when the watermark is met, CONTINUE when only fragmentation stands in the way, SKIPPED without free pages", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const z = k.node_data[0].node_zones[1];
    expect(compaction_suitable(k, z, 9, ALLOC_WMARK_LOW, 1)).toBe(COMPACT_SUCCESS);
    fragment(m, 40000);
    drain_all_pages(k, null);
    // Only order-0 pages left free above the order-9 watermark... or too few of them.
    const r = compaction_suitable(k, z, 9, ALLOC_WMARK_LOW, 1);
    expect([COMPACT_CONTINUE, COMPACT_SUCCESS, COMPACT_SKIPPED]).toContain(r);
    // extfrag_threshold 1000: an index of 999 is "lack of memory", so costly orders skip.
    m.write("/proc/sys/vm/extfrag_threshold", "1000\n");
    if (r === COMPACT_CONTINUE) expect(compaction_suitable(k, z, 9, ALLOC_WMARK_LOW, 1)).toBe(COMPACT_SKIPPED);
  });
});

describe("compact_memory", () => {
  it("makes order-9 blocks out of half-used pageblocks, and every kept page keeps its data", () => {
    const m = Machine.boot({ memory: "288M" }); // 288M: ~205 MiB free beside the kernel's own memory, as the 256M machine had before it
    const k = kernelOf(m);
    const pages = 40000;
    const { p, a } = fragment(m, pages);
    drain_all_pages(k, null);
    const before = tokens(k, p, a, pages);
    const blocks0 = highOrderBlocks(m);
    const moved0 = k.vm_events[PGMIGRATE_SUCCESS];
    m.write("/proc/sys/vm/compact_memory", "1\n");
    const moved = k.vm_events[PGMIGRATE_SUCCESS] - moved0;
    // About half of the 20000 kept pages sit below where the scanners meet.
    expect(moved).toBeGreaterThan(5000);
    expect(k.vm_events[COMPACTISOLATED]).toBeGreaterThanOrEqual(2 * moved);
    // Each 512 pages moved out empties a pageblock whose other half was free already.
    expect(highOrderBlocks(m) - blocks0).toBeGreaterThan(moved / 512 / 2);
    expect(tokens(k, p, a, pages)).toEqual(before);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("leaves mlocked pages where they are with compact_unevictable_allowed=0, moves them with 1", () => {
    const run = (allowed: string): number => {
      const m = Machine.boot({ memory: "256M" });
      const k = kernelOf(m);
      m.write("/proc/sys/vm/compact_unevictable_allowed", allowed);
      const pages = 20000;
      const { p, a } = fragment(m, pages);
      // MLOCK_ONFAULT: the present pages are mlocked and the freed ones stay free.
      p.mlock(a, pages * 4096, { onFault: true });
      drain_all_pages(k, null);
      const mm = taskOf(p).mm!;
      const pfn0 = Array.from({ length: pages / 2 }, (_, i) => follow_pte(k, mm, a + 2 * i * 4096)!.pfn);
      m.write("/proc/sys/vm/compact_memory", "1\n");
      let movedPages = 0;
      pfn0.forEach((pfn, i) => {
        const now = follow_pte(k, mm, a + 2 * i * 4096)!.pfn;
        if (now !== pfn) movedPages++;
        expect(k.mem_map.flags[now] & F(PG_mlocked)).not.toBe(0);
      });
      checkMm(k);
      checkLru(k);
      return movedPages;
    };
    expect(run("0\n")).toBe(0);
    expect(run("1\n")).toBeGreaterThan(1000);
  });

  it("compacts on any write, as the kernel does not parse the value", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    fragment(m, 20000);
    drain_all_pages(k, null);
    const moved0 = k.vm_events[PGMIGRATE_SUCCESS];
    m.write("/proc/sys/vm/compact_memory", "garbage\n");
    expect(k.vm_events[PGMIGRATE_SUCCESS]).toBeGreaterThan(moved0);
  });

  it("compacts one node through /sys/devices/system/node/nodeN/compact, which cannot be read", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    fragment(m, 20000);
    drain_all_pages(k, null);
    const moved0 = k.vm_events[PGMIGRATE_SUCCESS];
    m.write("/sys/devices/system/node/node0/compact", "1\n");
    expect(k.vm_events[PGMIGRATE_SUCCESS]).toBeGreaterThan(moved0);
    expect(() => m.read("/sys/devices/system/node/node0/compact")).toThrow(/EACCES/);
  });
});

describe("direct compaction (__alloc_pages_direct_compact → try_to_compact_pages)", () => {
  /** THP faults on a machine whose free memory is all order-0 holes but five order-10 blocks. */
  const thpFaults = (defrag: string): Map<string, number> => {
    const m = Machine.boot({ memory: "256M" });
    m.write("/sys/kernel/mm/transparent_hugepage/enabled", "always");
    m.write("/sys/kernel/mm/transparent_hugepage/defrag", defrag);
    fragment(m, 40000);
    const q = m.spawn({ comm: "thp" });
    const b = q.mmap(40 << 20);
    q.write(b, 40 << 20);
    checkMm(kernelOf(m));
    return new Map(m.read("/proc/vmstat").trim().split("\n").map((l) => [l.split(" ")[0], Number(l.split(" ")[1])] as [string, number]));
  };

  it("compacts for THP faults when defrag=always lets them reclaim, and counts the stalls", () => {
    const v = thpFaults("always");
    expect(v.get("compact_stall")).toBeGreaterThan(0);
    expect(v.get("compact_success")).toBeGreaterThan(0);
    expect(v.get("compact_stall")).toBe(v.get("compact_success")! + v.get("compact_fail")!);
    expect(v.get("pgmigrate_success")).toBeGreaterThan(0);
    // Compaction made huge pages where defrag=never has to fall back.
    expect(v.get("thp_fault_alloc")).toBeGreaterThan(thpFaults("never").get("thp_fault_alloc")!);
  });

  it("never stalls with defrag=never: the faults fall back to small pages instead", () => {
    const v = thpFaults("never");
    expect(v.get("compact_stall")).toBe(0);
    expect(v.get("pgmigrate_success")).toBe(0);
    expect(v.get("thp_fault_fallback")).toBeGreaterThan(0);
  });
});

describe("kcompactd and proactive compaction", () => {
  const vm = (m: Machine, name: string): number => Number(m.read("/proc/vmstat").match(new RegExp(`^${name} (\\d+)$`, "m"))![1]);

  it("compacts proactively at the 500 ms check once the node's score passes the high mark (90 at proactiveness 20)", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const pages = 40000;
    const { p, a } = fragment(m, pages);
    drain_all_pages(k, null);
    const pgdat = k.node_data[0];
    // About 20000 free order-0 pages in DMA32 and little else: 93 after weighting by zone size.
    const score0 = fragmentation_score_node(pgdat);
    expect(fragmentation_score_wmark(k, false)).toBe(90);
    expect(fragmentation_score_wmark(k, true)).toBe(80);
    expect(score0).toBeGreaterThan(90);
    const before = tokens(k, p, a, pages);
    const moved0 = vm(m, "pgmigrate_success");
    const t = pgdat.kcompactd!;
    // Its 500 ms check has been due since boot ended: the next scheduling point runs it.
    expect(t.next_ns(k)).toBeLessThanOrEqual(k.now_ns);
    m.advance("1ms");
    expect(vm(m, "pgmigrate_success")).toBeGreaterThan(moved0);
    // Proactive rounds count only in compact_*_scanned, never in the compact_daemon_* counters.
    expect(vm(m, "compact_migrate_scanned")).toBeGreaterThan(0);
    expect(vm(m, "compact_daemon_wake")).toBe(0);
    expect(vm(m, "compact_daemon_migrate_scanned")).toBe(0);
    expect(tokens(k, p, a, pages)).toEqual(before);
    // This round met the free scanner's stride gap (compact_memory does the same here; see
    // docs/fidelity/compaction.md) and left the score where it was, so kcompactd backs off for
    // 500 ms << COMPACT_MAX_DEFER_SHIFT = 32 s.
    expect(fragmentation_score_node(pgdat)).toBe(score0);
    expect(t.wait_until - k.now_ns).toBeGreaterThan(31e9);
    expect(t.wait_until - k.now_ns).toBeLessThanOrEqual(32e9);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("leaves a node scoring under the high mark alone, and waits without a timeout at proactiveness 0", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    fragment(m, 20000);
    expect(fragmentation_score_node(k.node_data[0])).toBeLessThanOrEqual(90);
    const scanned0 = vm(m, "compact_migrate_scanned");
    m.advance("2s");
    expect(vm(m, "compact_migrate_scanned")).toBe(scanned0);
    expect(k.node_data[0].kcompactd!.wait_until - k.now_ns).toBeLessThanOrEqual(500e6);
    m.write("/proc/sys/vm/compaction_proactiveness", "0\n");
    m.advance("1s");
    expect(k.node_data[0].kcompactd!.next_ns(k)).toBe(Infinity);
  });

  it("runs a proactive round at once when compaction_proactiveness is written (proactive_compact_trigger)", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    fragment(m, 20000);
    drain_all_pages(k, null);
    m.advance("1ms"); // the first check, below the high mark: nothing
    const moved0 = vm(m, "pgmigrate_success");
    const score0 = fragmentation_score_node(k.node_data[0]);
    // 100: low mark max(0, 5) = 5, high 15.
    m.write("/proc/sys/vm/compaction_proactiveness", "100\n");
    expect(fragmentation_score_wmark(k, true)).toBe(5);
    m.advance("1ms");
    expect(vm(m, "pgmigrate_success") - moved0).toBeGreaterThan(1000);
    expect(vm(m, "compact_daemon_wake")).toBe(0);
    // Progress (the score went down): the next check comes in 500 ms.
    expect(fragmentation_score_node(k.node_data[0])).toBeLessThan(score0);
    expect(k.node_data[0].kcompactd!.wait_until - k.now_ns).toBeLessThanOrEqual(500e6);
    expect(() => m.write("/proc/sys/vm/compaction_proactiveness", "101\n")).toThrow(/EINVAL/);
  });

  it("wakeup_kcompactd: a waiting kcompactd compacts for the order asked (kcompactd_do_work, compact_daemon_*)", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    m.write("/proc/sys/vm/compaction_proactiveness", "0\n");
    fragment(m, 36000);
    drain_all_pages(k, null);
    const lines: string[] = [];
    for (const e of ["mm_compaction_wakeup_kcompactd", "mm_compaction_kcompactd_wake", "mm_compaction_kcompactd_sleep"]) m.trace.on(e, (r) => lines.push(`${e}: ${r.message}`));
    const pgdat = k.node_data[0];
    const dma32 = pgdat.node_zones[1];
    // The hugetlb pool takes DMA32's remaining free blocks of order 9 and up.
    m.write("/proc/sys/vm/nr_hugepages", `${dma32.free_area[9].nr_free + 2 * dma32.free_area[10].nr_free}\n`);
    expect(dma32.free_area[9].nr_free + dma32.free_area[10].nr_free).toBe(0);
    expect(vm(m, "compact_stall")).toBe(0);
    // Order 0 asks nothing.
    wakeup_kcompactd(k, pgdat, 0, 1);
    expect(lines).toEqual([]);
    wakeup_kcompactd(k, pgdat, 9, 1);
    expect(lines).toEqual(["mm_compaction_wakeup_kcompactd: nid=0 order=9 classzone_idx=DMA32   "]);
    m.advance("1ms");
    expect(lines.slice(1)).toEqual(["mm_compaction_kcompactd_wake: nid=0 order=9 classzone_idx=DMA32   ", "mm_compaction_kcompactd_sleep: nid=0"]);
    expect(vm(m, "compact_daemon_wake")).toBe(1);
    expect(vm(m, "compact_daemon_migrate_scanned")).toBeGreaterThan(0);
    expect(vm(m, "compact_daemon_free_scanned")).toBeGreaterThan(0);
    expect(vm(m, "compact_daemon_migrate_scanned")).toBe(vm(m, "compact_migrate_scanned"));
    // It stopped once DMA32 had a free block of order 9 (COMPACT_SUCCESS), and asks nothing more.
    expect(dma32.free_area[9].nr_free + dma32.free_area[10].nr_free).toBeGreaterThan(0);
    expect(pgdat.kcompactd!.kcompactd_max_order).toBe(0);
    checkBuddy(k);
  });

  it("is woken by kswapd going to sleep after reclaiming for THP faults with defrag=defer", () => {
    const m = Machine.boot({ memory: "256M", swap: { size: "256M" } });
    const k = kernelOf(m);
    m.write("/proc/sys/vm/compaction_proactiveness", "0\n");
    m.write("/sys/kernel/mm/transparent_hugepage/enabled", "always");
    m.write("/sys/kernel/mm/transparent_hugepage/defrag", "defer");
    fragment(m, 44000);
    const woke: string[] = [];
    m.trace.on("mm_compaction_wakeup_kcompactd", (r) => woke.push(r.comm));
    const q = m.spawn({ comm: "thp" });
    const b = q.mmap(64 << 20);
    q.write(b, 64 << 20);
    m.advance("10ms");
    // defer: the faults never compact themselves; kswapd reclaims (order 9 → 0 once it freed
    // compact_gap = 1024 pages), then wakes kcompactd for order 9 as it goes to sleep.
    expect(vm(m, "compact_stall")).toBe(0);
    expect(vm(m, "thp_fault_fallback")).toBeGreaterThan(0);
    expect(woke[0]).toBe("kswapd0");
    expect(vm(m, "compact_daemon_wake")).toBeGreaterThan(0);
    expect(vm(m, "compact_daemon_migrate_scanned")).toBeGreaterThan(0);
    checkMm(k);
  });
});
