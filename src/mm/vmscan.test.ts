import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { checkMm } from "../sim/invariants/mm.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { follow_pte } from "./memory.js";
import { F, PG_active, PG_lru, PG_swapbacked } from "./memmap.js";
import { lruvec_add_folio } from "./mm_inline.js";
import { alloc_pages } from "./page_alloc.js";
import { MM_SWAPENTS } from "./mm_types.js";
import { high_wmark_pages, low_wmark_pages, LRU_INACTIVE_ANON, lruvec, type pglist_data } from "./mmzone.js";
import { NR_ZONE_LRU_BASE } from "./mm_inline.js";
import { lru_add_drain } from "./swap.js";
import { inactive_is_low, pgdat_balanced, try_to_free_pages } from "./vmscan.js";
import { shmem_nr_swapped } from "./shmem.js";
import { global_node_page_state } from "./vmstat.js";
import { ALLOCSTALL_NORMAL, NR_ACTIVE_ANON, NR_FREE_PAGES, NR_INACTIVE_ANON, PAGEOUTRUN, PGSCAN_DIRECT, PGSTEAL_DIRECT, PSWPOUT } from "./vmstat_items.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "./gfp.js";
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_FILE } from "./mmzone.js";
import type { Kernel } from "../kernel/kernel.js";
import { kernelOf, taskOf } from "../api/internals.js";

const MiB = 1 << 20;

function withSwap(memory: string, swap: string): Machine {
  return Machine.boot({ memory, swap: { size: swap } });
}

describe("inactive_is_low", () => {
  it("wants inactive ≥ active below 1 GiB of LRU, and a √(10·GB) : 1 ratio above (3:1 at 1 GiB)", () => {
    const pg = { vm_stat: new Float64Array(64) } as unknown as pglist_data;
    pg.vm_stat[LRU_INACTIVE_ANON] = 1000;
    pg.vm_stat[LRU_INACTIVE_ANON + 1] = 1001;
    expect(inactive_is_low(new lruvec(), pg, LRU_INACTIVE_ANON)).toBe(true);
    pg.vm_stat[LRU_INACTIVE_ANON + 1] = 1000;
    expect(inactive_is_low(new lruvec(), pg, LRU_INACTIVE_ANON)).toBe(false);
    // 1 GiB in all: int_sqrt(10) = 3, so 70000 inactive against 192144 active is still enough.
    pg.vm_stat[LRU_INACTIVE_ANON] = 70000;
    pg.vm_stat[LRU_INACTIVE_ANON + 1] = 262144 - 70000;
    expect(inactive_is_low(new lruvec(), pg, LRU_INACTIVE_ANON)).toBe(false);
    pg.vm_stat[LRU_INACTIVE_ANON] = 60000;
    pg.vm_stat[LRU_INACTIVE_ANON + 1] = 262144 - 60000;
    expect(inactive_is_low(new lruvec(), pg, LRU_INACTIVE_ANON)).toBe(true);
  });
});

describe("LRU membership through a process's life", () => {
  it("puts faulted pages on the inactive anon list after the batch drains, and takes them off at exit", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const before = global_node_page_state(k, NR_INACTIVE_ANON);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(4 * MiB);
    p.write(a, 4 * MiB);
    lru_add_drain(k);
    const pfn = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(k.mem_map.flags[pfn] & F(PG_lru)).not.toBe(0);
    expect(k.mem_map.flags[pfn] & F(PG_active)).toBe(0);
    expect(global_node_page_state(k, NR_INACTIVE_ANON) - before).toBeGreaterThanOrEqual(1024);
    checkMm(k);
    p.exit(0);
    checkMm(k);
    // The 1024 pages are gone; what stays is the program's own binary, cached as a (shmem) file.
    expect(global_node_page_state(k, NR_INACTIVE_ANON)).toBeLessThan(before + 256);
  });
});

describe("direct reclaim", () => {
  it("swaps out the oldest anonymous pages, counts allocstall, pgscan/pgsteal_direct and a PSI memory stall", () => {
    const m = withSwap("256M", "256M");
    const k = kernelOf(m);
    const p = m.spawn({ comm: "hog" });
    const a = p.mmap(128 * MiB);
    p.write(a, 128 * MiB);
    lru_add_drain(k);
    const z = k.node_data[0].node_zones;
    const zonelist = k.node_data[0].node_zonelists;
    const got = try_to_free_pages(k, { zonelist, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: 0, highest_zoneidx: 2, spread_dirty_pages: false }, 0, GFP_KERNEL);
    m.advance("10ms"); // writeback completes; a second pass frees what it wrote
    const got2 = try_to_free_pages(k, { zonelist, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: 0, highest_zoneidx: 2, spread_dirty_pages: false }, 0, GFP_KERNEL);
    expect(got + got2).toBeGreaterThanOrEqual(32);
    expect(k.vm_events[ALLOCSTALL_NORMAL]).toBe(2);
    expect(k.vm_events[PGSCAN_DIRECT]).toBeGreaterThan(0);
    expect(k.vm_events[PGSTEAL_DIRECT]).toBe(got + got2);
    expect(k.vm_events[PSWPOUT]).toBeGreaterThanOrEqual(32);
    // The oldest pages on the inactive anon list are the initramfs's tmpfs pages (boot's), which
    // shmem_writepage sends to swap before the hog's: every page written is one or the other.
    const swapped = taskOf(p).mm!.rss_stat[MM_SWAPENTS] + shmem_nr_swapped(k);
    expect(swapped).toBe(k.total_swap_pages - k.nr_swap_pages);
    expect(swapped).toBeGreaterThanOrEqual(32);
    expect(z.length).toBeGreaterThan(0);
    checkMm(k);
    check_swap_invariants(k);
  });

  it("frees nothing from anonymous memory without swap (get_scan_count: SCAN_FILE, and no file pages)", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "hog" });
    const a = p.mmap(64 * MiB);
    p.write(a, 64 * MiB);
    const zonelist = k.node_data[0].node_zonelists;
    expect(try_to_free_pages(k, { zonelist, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: 0, highest_zoneidx: 2, spread_dirty_pages: false }, 0, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[PGSCAN_DIRECT]).toBe(0);
  });
});

describe("get_scan_count: the anon/file split (SCAN_FRACT)", () => {
  /**
   * Builds the lruvec directly: `n[lru]` pages on each list (file pages are not swap-backed, so
   * folio_lru_list puts them on the file lists). The pages have no mapping: reclaim isolates and
   * checks them but cannot free them (no swap slot for mapping-less anon, __remove_mapping fails
   * for the file ones), so every priority's scan targets show in the isolation trace.
   */
  function lruvec_with(k: Kernel, n: Record<number, number>): void {
    const mem = k.mem_map;
    for (const [lru, count] of Object.entries(n)) {
      const l = Number(lru);
      const flags = F(PG_lru) | (l === LRU_ACTIVE_ANON || l === LRU_INACTIVE_ANON ? F(PG_swapbacked) : 0) | (l === LRU_ACTIVE_ANON || l === LRU_ACTIVE_FILE ? F(PG_active) : 0);
      for (let i = 0; i < count; i++) {
        const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
        mem.flags[pfn] = flags;
        lruvec_add_folio(k, pfn);
      }
    }
  }

  /**
   * mm/vmscan.c get_scan_count, SCAN_FRACT, as 6.1 writes it:
   *   total_cost = sc->anon_cost + sc->file_cost;
   *   anon_cost = total_cost + sc->anon_cost;  file_cost = total_cost + sc->file_cost;
   *   total_cost = anon_cost + file_cost;
   *   ap = swappiness * (total_cost + 1);  ap /= anon_cost + 1;
   *   fp = (200 - swappiness) * (total_cost + 1);  fp /= file_cost + 1;
   *   fraction[0] = ap; fraction[1] = fp; denominator = ap + fp;
   * and per list: scan = lruvec_size >> priority; scan = div64_u64(scan * fraction[file], denominator).
   */
  function kernelScan(size: number, file: boolean, swappiness: number, anonCost: number, fileCost: number, priority: number): number {
    let total = anonCost + fileCost;
    const a = total + anonCost;
    const f = total + fileCost;
    total = a + f;
    const ap = Math.floor((swappiness * (total + 1)) / (a + 1));
    const fp = Math.floor(((200 - swappiness) * (total + 1)) / (f + 1));
    const scan = Math.floor(size / 2 ** priority);
    return Math.floor((scan * (file ? fp : ap)) / (ap + fp));
  }

  for (const [anonCost, fileCost] of [
    [0, 0],
    [1000, 0],
  ]) {
    it(`scans anon and file at DEF_PRIORITY in swappiness : 200 - swappiness, weighted by cost (anon_cost ${anonCost}, file_cost ${fileCost})`, () => {
      const m = withSwap("512M", "256M");
      const k = kernelOf(m);
      lru_add_drain(k);
      // 10, 0, 2 and 4 units of 4096 pages: >> DEF_PRIORITY (12) gives 10, 0, 2 and 4 pages to
      // split. More active than inactive file (inactive_is_low) lets the file lists be
      // deactivated, so cache_trim_mode stays off and the split is SCAN_FRACT.
      lruvec_with(k, { [LRU_INACTIVE_ANON]: 10 * 4096, [LRU_INACTIVE_FILE]: 2 * 4096, [LRU_ACTIVE_FILE]: 4 * 4096 });
      const lv = k.node_data[0].__lruvec;
      lv.anon_cost = anonCost;
      lv.file_cost = fileCost;
      const size = (lru: number): number => k.node_data[0].node_zones.reduce((s, z) => s + z.vm_stat[NR_ZONE_LRU_BASE + lru], 0);
      const sizes = [LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE].map(size);
      const want = sizes.map((s, lru) => kernelScan(s, lru >= LRU_INACTIVE_FILE, k.vm.swappiness, anonCost, fileCost, 12));
      expect(k.vm.swappiness).toBe(60);
      const first: Array<[string, number]> = [];
      const names = ["inactive_anon", "active_anon", "inactive_file", "active_file"];
      m.trace.on("mm_vmscan_lru_isolate", (e) => {
        if (first.length < want.filter((x) => x > 0).length) first.push([String(e.fields.lru), Number(e.fields.nr_requested)]);
      });
      const zonelist = k.node_data[0].node_zonelists;
      try_to_free_pages(k, { zonelist, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: 0, highest_zoneidx: 2, spread_dirty_pages: false }, 0, GFP_KERNEL);
      // shrink_lruvec's first round takes min(nr[lru], SWAP_CLUSTER_MAX) from each list with a
      // non-zero target, in lru order.
      expect(first).toEqual(want.map((n, lru) => [names[lru], n] as [string, number]).filter(([, n]) => n > 0));
      if (anonCost === 0) expect(want).toEqual([3, 0, 1, 2]); // 10·60/200, 2·140/200, 4·140/200
      else expect(want).toEqual([1, 0, 1, 3]); // ap = 89, fp = 419 of 508
    });
  }
});

describe("pgdat_balanced", () => {
  it("needs some zone above its high watermark plus lowmem_reserve, not its low one", () => {
    // mm/vmscan.c pgdat_balanced: mark = high_wmark_pages(zone) (+ watermark_boost), and
    // zone_watermark_ok_safe → __zone_watermark_ok: for order 0 false iff
    // free_pages <= mark + z->lowmem_reserve[highest_zoneidx] (no highatomic reserve here).
    const m = Machine.boot({ memory: "512M" });
    const k = kernelOf(m);
    const pgdat = k.node_data[0];
    const highest = 3;
    const zones = pgdat.node_zones.filter((z) => z.managed_zone() && z.zone_idx <= highest);
    expect(zones.length).toBeGreaterThan(1);
    const saved = zones.map((z) => z.vm_stat[NR_FREE_PAGES]);
    const at = (z: (typeof zones)[number], mark: number, extra: number): void => {
      z.vm_stat[NR_FREE_PAGES] = mark + z.lowmem_reserve[highest] + extra;
    };
    for (const z of zones) at(z, high_wmark_pages(z), 0);
    expect(pgdat_balanced(k, pgdat, 0, highest)).toBe(false);
    const dma32 = pgdat.node_zones[1];
    at(dma32, low_wmark_pages(dma32), 1); // above low, below high: still unbalanced
    expect(low_wmark_pages(dma32)).toBeLessThan(high_wmark_pages(dma32));
    expect(pgdat_balanced(k, pgdat, 0, highest)).toBe(false);
    at(dma32, high_wmark_pages(dma32), 1);
    expect(pgdat_balanced(k, pgdat, 0, highest)).toBe(true);
    // Any one zone will do: the lowest one balanced alone balances the node.
    at(dma32, high_wmark_pages(dma32), 0);
    at(zones[0], high_wmark_pages(zones[0]), 1);
    expect(pgdat_balanced(k, pgdat, 0, highest)).toBe(true);
    zones.forEach((z, i) => (z.vm_stat[NR_FREE_PAGES] = saved[i]));
  });
});

describe("kswapd", () => {
  it("wakes below the low watermark, balances a zone to its high watermark and goes back to sleep", () => {
    const m = withSwap("512M", "1G");
    const k = kernelOf(m);
    const seen: string[] = [];
    for (const ev of ["mm_vmscan_wakeup_kswapd", "mm_vmscan_kswapd_wake", "mm_vmscan_kswapd_sleep"]) m.trace.on(ev, () => seen.push(ev));
    const p = m.spawn({ comm: "fill" });
    const a = p.mmap(560 * MiB);
    for (let off = 0; off < 560 * MiB; off += 4 * MiB) {
      p.write(a + off, 4 * MiB);
      m.advance("3ms");
    }
    m.advance("500ms");
    expect(seen).toContain("mm_vmscan_wakeup_kswapd");
    expect(seen).toContain("mm_vmscan_kswapd_wake");
    expect(seen[seen.length - 1]).toBe("mm_vmscan_kswapd_sleep");
    expect(k.vm_events[PAGEOUTRUN]).toBeGreaterThan(0);
    const pgdat = k.node_data[0];
    expect(pgdat_balanced(k, pgdat, 0, 3)).toBe(true);
    const dma32 = pgdat.node_zones[1];
    expect(dma32.vm_stat[0]).toBeGreaterThanOrEqual(high_wmark_pages(dma32) - 32);
    // balance_pgdat is a memory stall of kswapd's: it shows in "some" while the writer runs on,
    // so "some" grows beyond "full".
    const totals = [...m.read("/proc/pressure/memory").matchAll(/total=(\d+)/g)].map((x) => Number(x[1]));
    expect(totals[0]).toBeGreaterThan(totals[1]);
    checkMm(k);
    check_swap_invariants(k);
  });
});

describe("MADV_PAGEOUT", () => {
  it("swaps out the range's pages when there is swap (reclaim_pages); they stay in the swap cache", () => {
    const m = withSwap("256M", "256M");
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(8 * MiB);
    p.write(a, 8 * MiB);
    p.madvise(a, 8 * MiB, "pageout");
    m.advance("20ms"); // the writes complete
    expect(k.vm_events[PSWPOUT]).toBe(2048);
    expect(taskOf(p).mm!.rss_stat[MM_SWAPENTS]).toBe(2048);
    checkMm(k);
    check_swap_invariants(k);
    // Nothing reclaimed them after writeback: each access finds its page in the swap cache (a
    // minor fault), as on 6.1 until memory pressure frees the clean copies.
    const r = p.read(a, 8 * MiB);
    expect(r.majflt).toBe(0);
    expect(r.minflt).toBe(2048);
    expect(taskOf(p).mm!.rss_stat[MM_SWAPENTS]).toBe(0);
    checkMm(k);
    check_swap_invariants(k);
  });

  it("moves the pages to the active list when there is no swap to write them to", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(4 * MiB);
    p.write(a, 4 * MiB);
    const active0 = global_node_page_state(k, NR_ACTIVE_ANON);
    p.madvise(a, 4 * MiB, "pageout");
    expect(global_node_page_state(k, NR_ACTIVE_ANON) - active0).toBeGreaterThanOrEqual(1000);
    expect(k.vm_events[PSWPOUT]).toBe(0);
    checkMm(k);
  });
});
