/**
 * vmscan.ts's list-scanning paths (issue 12: the mutation score of shrink_lruvec, get_scan_count,
 * prepare_scan_count, shrink_inactive_list / shrink_active_list and memcg reclaim), each against
 * the 6.1 function it models (mm/vmscan.c unless named). As in vmscan.paths.test.ts, each test
 * builds the state a branch needs by hand — pages put on a memcg's lists, a scan_control filled
 * in — and calls the function, so the file runs in a few seconds; the expected values are worked
 * out from the kernel source in the comments.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { kernelOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { F, PG_active, PG_locked, PG_lru, PG_mlocked, PG_reclaim, PG_swapbacked, PG_unevictable, PG_workingset, PG_writeback } from "./memmap.js";
import { lruvec_add_folio } from "./mm_inline.js";
import { lru_add_drain } from "./swap.js";
import { alloc_pages } from "./page_alloc.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../include/linux/gfp_types.js";
import { cgroup_lookup } from "../kernel/cgroup/cgroup.js";
import { MEMCG_RECLAIM_MAY_SWAP, mem_cgroup_calculate_protection, type mem_cgroup } from "./memcontrol.js";
import { PF_MEMALLOC } from "./alloc_hooks.js";
import { high_wmark_pages, LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, LRU_UNEVICTABLE, LRUVEC_CONGESTED, NR_LRU_LISTS, PGDAT_WRITEBACK, type lruvec, type pglist_data } from "./mmzone.js";
import { DEF_PRIORITY, get_scan_count, prepare_scan_count, reclaim_current_flags, reclaim_throttle, scan_control, try_to_free_mem_cgroup_pages, shrink_active_list, shrink_inactive_list, shrink_lruvec, SWAP_CLUSTER_MAX, VMSCAN_THROTTLE_NOPROGRESS, VMSCAN_THROTTLE_WRITEBACK, zone_reclaimable_pages } from "./vmscan.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_FREE_PAGES, NR_INACTIVE_ANON, NR_INACTIVE_FILE, NR_ISOLATED_ANON, NR_THROTTLED_WRITTEN, NR_VMSCAN_WRITE, NR_ZONE_INACTIVE_FILE, NR_ZONE_WRITE_PENDING, WORKINGSET_ACTIVATE_ANON, WORKINGSET_ACTIVATE_FILE } from "./vmstat_items.js";

const JIFFY = 4_000_000; // HZ = 250 (config-6.1.0-56-amd64: CONFIG_HZ=250)
const DEACTIVATE_ANON = 1; // mm/vmscan.c: #define DEACTIVATE_ANON 1
const DEACTIVATE_FILE = 2;

function boot(swap: boolean): { m: Machine; k: Kernel; pgdat: pglist_data } {
  const m = swap ? Machine.boot({ memory: "128M", swap: { size: "64M" } }) : Machine.boot({ memory: "128M" });
  const k = kernelOf(m);
  return { m, k, pgdat: k.node_data[0] };
}

/** A memcg /g with no pages of its own yet: its lruvec on node 0 holds only what a test puts there. */
function group(m: Machine, k: Kernel): { memcg: mem_cgroup; lv: lruvec } {
  m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
  m.mkdir("/sys/fs/cgroup/g");
  const memcg = cgroup_lookup(k, ["g"])!.memcg!;
  return { memcg, lv: memcg.nodeinfo[0] };
}

/**
 * `n` pages of the memcg on list `lru`, made by hand (no mapping, the buddy's reference only).
 * The inactive ones are locked, so shrink_folio_list keeps each without looking further
 * (`if (!folio_trylock(folio)) goto keep;`): scanning them reclaims nothing. The active ones are
 * unmapped, so shrink_active_list deactivates each.
 */
function onLru(k: Kernel, memcg: mem_cgroup, lru: number, n: number): void {
  const anon = lru === LRU_INACTIVE_ANON || lru === LRU_ACTIVE_ANON;
  const active = lru === LRU_ACTIVE_ANON || lru === LRU_ACTIVE_FILE;
  const flags = F(PG_lru) | (anon ? F(PG_swapbacked) : 0) | (active ? F(PG_active) : F(PG_locked));
  for (let i = 0; i < n; i++) {
    const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    k.mem_map.flags[pfn] = flags;
    k.mem_map.memcg[pfn] = memcg.id;
    lruvec_add_folio(k, pfn);
  }
}

/** Pages scanned per list as the tracepoints report them: [inactive anon, active anon, inactive file, active file]. */
function scanned(k: Kernel): number[] {
  const out = [0, 0, 0, 0];
  k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void (out[e.message.endsWith("RECLAIM_WB_FILE|RECLAIM_WB_ASYNC") ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON] += Number(e.fields.nr_scanned)));
  k.trace.on("mm_vmscan_lru_shrink_active", (e) => void (out[e.message.endsWith("RECLAIM_WB_FILE|RECLAIM_WB_ASYNC") ? LRU_ACTIVE_FILE : LRU_ACTIVE_ANON] += Number(e.fields.nr_taken)));
  return out;
}

describe("shrink_lruvec's proportional scan once nr_to_reclaim is met", () => {
  /**
   * A cgroup reclaim (not proportional_reclaim) of /g at priority 0 with swap (get_scan_count's
   * SCAN_EQUAL: each target is the list's size), nr_to_reclaim 0 (so the first round meets it),
   * both kinds deactivatable.
   */
  function run(sizes: [number, number, number, number], opts: { may_deactivate?: number } = {}) {
    const { m, k, pgdat } = boot(true);
    const { memcg, lv } = group(m, k);
    sizes.forEach((n, lru) => onLru(k, memcg, lru, n));
    const sc = new scan_control();
    sc.target_mem_cgroup = memcg;
    sc.priority = 0;
    sc.nr_to_reclaim = 0;
    sc.may_deactivate = opts.may_deactivate ?? DEACTIVATE_ANON | DEACTIVATE_FILE;
    const out = scanned(k);
    shrink_lruvec(k, lv, pgdat, sc);
    return { out, sc };
  }

  it("stops the smaller kind and scans the rest of the larger by the smaller's unscanned percentage (file the larger)", () => {
    // targets: IA 60, AA 40, IF 90, AF 80. Round one scans 32 of each: left 28, 8, 58, 48.
    // nr_file = 58 + 48 = 106 > nr_anon = 28 + 8 = 36: scan_target = 60 + 40 + 1 = 101,
    // percentage = 36 * 100 / 101 = 35; anon stops (nr[IA] = nr[AA] = 0);
    // nr[IF] = 90 * 65 / 100 = 58 less the 32 scanned = 26; nr[AF] = 80 * 65 / 100 = 52 - 32 = 20.
    // Round two scans those; then nr_anon is 0: `if (!nr_file || !nr_anon) break;` — all zero anyway.
    expect(run([60, 40, 90, 80]).out).toEqual([32, 32, 32 + 26, 32 + 20]);
  });

  it("the same with anon the larger: file stops, anon scales down", () => {
    // targets: IA 90, AA 80, IF 60, AF 40; left after round one 58, 48, 28, 8.
    // nr_file = 36 <= nr_anon = 106: scan_target = 60 + 40 + 1 = 101, percentage = 35; file stops;
    // nr[IA] = 90 * 65 / 100 - 32 = 26, nr[AA] = 80 * 65 / 100 - 32 = 20.
    expect(run([90, 80, 60, 40]).out).toEqual([32 + 26, 32 + 20, 32, 32]);
  });

  it("takes the file side's branch only when file is strictly larger: equal, anon scales", () => {
    // targets IA 60, AA 40, IF 50, AF 50; left 28, 8, 18, 18: nr_file = 36 = nr_anon, so
    // `if (nr_file > nr_anon)` is false: scan_target = 50 + 50 + 1 = 101, percentage = 35, file
    // stops; nr[IA] = 60 * 65 / 100 = 39 - 32 = 7, nr[AA] = 40 * 65 / 100 = 26 - min(26, 32) = 0.
    expect(run([60, 40, 50, 50]).out).toEqual([32 + 7, 32, 32, 32]);
  });

  it("counts an active list it may not deactivate as scanned, skipping it (skipped_deactivate)", () => {
    // shrink_list: `if (sc->may_deactivate & (1 << is_file_lru(lru))) shrink_active_list(…);
    // else sc->skipped_deactivate = 1; return 0;` — nr[AF] still goes down by nr_to_scan.
    // targets IA 0, AA 0, IF 40, AF 40: round one takes 32 of each (left 8, 8); nr_anon = 0: break.
    const r = run([0, 0, 40, 40], { may_deactivate: DEACTIVATE_ANON });
    expect(r.out).toEqual([0, 0, 32, 0]);
    expect(r.sc.skipped_deactivate).toBe(true);
    const d = run([0, 0, 40, 40]);
    expect(d.out).toEqual([0, 0, 32, 32]);
    expect(d.sc.skipped_deactivate).toBe(false);
    // The anon bit for an anon list: targets IA 0, AA 40, IF 40, AF 0 with only DEACTIVATE_FILE.
    // Round one: AA's 32 skipped, IF 32; nr_file = 8 <= nr_anon = 8: scan_target = 41,
    // percentage = 800 / 41 = 19, file stops; nr[AA] = 40 * 81 / 100 = 32 - min(32, 32) = 0.
    const a = run([0, 40, 40, 0], { may_deactivate: DEACTIVATE_FILE });
    expect(a.out).toEqual([0, 0, 32, 0]);
    expect(a.sc.skipped_deactivate).toBe(true);
  });
});

describe("shrink_lruvec's proportional_reclaim (global direct reclaim at DEF_PRIORITY)", () => {
  /**
   * 41 · 4096 locked pages on /g's inactive file list and no swap (get_scan_count: SCAN_FILE),
   * so at DEF_PRIORITY the file target is 41 (size >> 12): more than one SWAP_CLUSTER_MAX batch.
   * nr_to_reclaim 0, met by the first batch.
   */
  function scans(opts: { cgroup?: boolean; kswapd?: boolean; priority?: number }): number {
    const m = Machine.boot({ memory: "1G" });
    const k = kernelOf(m);
    const { memcg, lv } = group(m, k);
    onLru(k, memcg, LRU_INACTIVE_FILE, 41 * 4096);
    const sc = new scan_control();
    sc.target_mem_cgroup = opts.cgroup ? memcg : null;
    sc.kswapd = opts.kswapd ?? false;
    sc.priority = opts.priority ?? DEF_PRIORITY;
    sc.nr_to_reclaim = 0;
    const out = scanned(k);
    shrink_lruvec(k, lv, k.node_data[0], sc);
    return out[LRU_INACTIVE_FILE];
  }

  it("scans the whole target for global direct reclaim at DEF_PRIORITY, and stops after a batch otherwise", () => {
    // proportional_reclaim = (!cgroup_reclaim(sc) && !current_is_kswapd() && sc->priority == DEF_PRIORITY):
    // `if (nr_reclaimed < nr_to_reclaim || proportional_reclaim) continue;` scans 32, then 9.
    expect(scans({})).toBe(41);
    // Otherwise the first batch met nr_to_reclaim: nr_anon is 0, `if (!nr_file || !nr_anon) break;`.
    expect(scans({ kswapd: true })).toBe(32);
    expect(scans({ cgroup: true })).toBe(32);
    expect(scans({ priority: DEF_PRIORITY - 1 })).toBe(32); // target 82
  });
});

describe("shrink_lruvec's aging of the anon lists", () => {
  /**
   * The node's lruvec (global reclaim) with unmapped active anon pages added: as many as the
   * inactive anon list holds after boot, plus `more`. Priority 12 scans none of the lists (each
   * under 4096 pages), so only the aging after the loop runs.
   */
  function aged(swap: boolean, more: number): number[] {
    const { k, pgdat } = boot(swap);
    const lv = pgdat.__lruvec;
    const inactive = pgdat.vm_stat[NR_INACTIVE_ANON];
    expect(inactive).toBeLessThan(4096 - 64);
    expect(pgdat.vm_stat[NR_ACTIVE_ANON]).toBe(0);
    for (let i = 0; i < inactive + more; i++) {
      const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
      k.mem_map.flags[pfn] = F(PG_lru) | F(PG_swapbacked) | F(PG_active);
      lruvec_add_folio(k, pfn);
    }
    const sc = new scan_control();
    sc.kswapd = true;
    sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
    const out = scanned(k);
    shrink_lruvec(k, lv, pgdat, sc);
    return out;
  }

  it("deactivates SWAP_CLUSTER_MAX active anon pages after the scan when the inactive list is low, with swap only", () => {
    // `if (can_age_anon_pages(lruvec_pgdat(lruvec), sc) && inactive_is_low(lruvec, LRU_INACTIVE_ANON))
    //   shrink_active_list(SWAP_CLUSTER_MAX, lruvec, sc, LRU_ACTIVE_ANON);` — inactive_is_low under
    // 1 GiB: inactive * 1 < active.
    expect(aged(true, 1)).toEqual([0, 32, 0, 0]);
    expect(aged(true, 0)).toEqual([0, 0, 0, 0]);
    expect(aged(false, 1)).toEqual([0, 0, 0, 0]); // can_age_anon_pages: total_swap_pages > 0
  });
});

describe("shrink_active_list, called directly", () => {
  it("takes NR_ISOLATED_FILE back to where it was and charges RECLAIM_COST.scan_ns a page scanned", () => {
    const { k, pgdat } = boot(false);
    for (let i = 0; i < 40; i++) {
      const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
      k.mem_map.flags[pfn] = F(PG_lru) | F(PG_active);
      lruvec_add_folio(k, pfn);
    }
    lru_add_drain(k);
    const iso = [-1, 0, 1].map((d) => pgdat.vm_stat[NR_ISOLATED_ANON + d]);
    const msgs: string[] = [];
    k.trace.on("mm_vmscan_lru_shrink_active", (e) => void msgs.push(e.message));
    const t0 = k.now_ns;
    shrink_active_list(k, SWAP_CLUSTER_MAX, pgdat.__lruvec, pgdat, new scan_control(), LRU_ACTIVE_FILE);
    // __mod_node_page_state(pgdat, NR_ISOLATED_ANON + file, nr_taken), then -nr_taken.
    expect([-1, 0, 1].map((d) => pgdat.vm_stat[NR_ISOLATED_ANON + d])).toEqual(iso);
    // The model's cost of the batch: 100 ns for each page looked at (RECLAIM_COST.scan_ns).
    expect(k.now_ns - t0).toBe(32 * 100);
    expect(msgs).toEqual(["nid=0 nr_taken=32 nr_active=0 nr_deactivated=32 nr_referenced=0 priority=12 flags=RECLAIM_WB_FILE|RECLAIM_WB_ASYNC"]);
  });

  it("puts an unevictable (mlocked) page back through folio_putback_lru, neither deactivated nor marked workingset", () => {
    const { k, pgdat } = boot(false);
    const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    k.mem_map.flags[pfn] = F(PG_lru) | F(PG_swapbacked) | F(PG_active);
    lruvec_add_folio(k, pfn);
    // mlocked after it was put on the active list (mlock_folio's isolation is still to come).
    k.mem_map.flags[pfn] |= F(PG_mlocked);
    const msgs: string[] = [];
    k.trace.on("mm_vmscan_lru_shrink_active", (e) => void msgs.push(e.message));
    shrink_active_list(k, SWAP_CLUSTER_MAX, pgdat.__lruvec, pgdat, new scan_control(), LRU_ACTIVE_ANON);
    lru_add_drain(k);
    // `if (unlikely(!folio_evictable(folio))) { folio_putback_lru(folio); continue; }`: lru_add_fn
    // puts it on the unevictable list; folio_set_workingset is never reached.
    const f = k.mem_map.flags[pfn];
    expect(f & F(PG_unevictable)).toBe(F(PG_unevictable));
    expect(f & (F(PG_workingset) | F(PG_active))).toBe(0);
    expect(pgdat.__lruvec.lru_zone_size[1 * NR_LRU_LISTS + LRU_UNEVICTABLE] + pgdat.__lruvec.lru_zone_size[0 * NR_LRU_LISTS + LRU_UNEVICTABLE]).toBe(1);
    expect(msgs).toEqual(["nid=0 nr_taken=1 nr_active=0 nr_deactivated=0 nr_referenced=0 priority=12 flags=RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"]);
  });
});

describe("shrink_inactive_list, called directly", () => {
  function setup() {
    const { m, k, pgdat } = boot(false);
    const { memcg, lv } = group(m, k);
    return { m, k, pgdat, memcg, lv };
  }

  it("returns at once when it took nothing: no tracepoint, no flusher wakeup", () => {
    const { k, pgdat, lv } = setup();
    const msgs: string[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void msgs.push(e.message));
    const sc = new scan_control();
    // `if (nr_taken == 0) return 0;` comes before `if (stat.nr_unqueued_dirty == nr_taken)
    // wakeup_flusher_threads(…)` and the tracepoint.
    expect(shrink_inactive_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_INACTIVE_FILE)).toBe(0);
    expect(msgs).toEqual([]);
    expect(sc.nr_taken).toBe(0);
  });

  it("adds what it took to sc->nr.taken, and to nr.file_taken only for a file list", () => {
    const { k, pgdat, memcg, lv } = setup();
    onLru(k, memcg, LRU_INACTIVE_ANON, 5);
    onLru(k, memcg, LRU_INACTIVE_FILE, 7);
    const sc = new scan_control();
    sc.kswapd = true;
    const msgs: string[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void msgs.push(e.message));
    shrink_inactive_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_INACTIVE_ANON);
    expect([sc.nr_taken, sc.nr_file_taken]).toEqual([5, 0]);
    // The locked pages were kept, not scanned by shrink_folio_list: a fresh reclaim_stat's zeros.
    expect(msgs).toEqual(["nid=0 nr_scanned=5 nr_reclaimed=0 nr_dirty=0 nr_writeback=0 nr_congested=0 nr_immediate=0 nr_activate_anon=0 nr_activate_file=0 nr_ref_keep=0 nr_unmap_fail=0 priority=12 flags=RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"]);
    shrink_inactive_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_INACTIVE_FILE);
    expect([sc.nr_taken, sc.nr_file_taken]).toEqual([12, 7]);
  });

  it("adds kswapd's pages under writeback it had marked to sc->nr.immediate", () => {
    const { k, pgdat, memcg, lv } = setup();
    for (let i = 0; i < 3; i++) {
      const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
      k.mem_map.flags[pfn] = F(PG_lru) | F(PG_writeback) | F(PG_reclaim);
      k.mem_map.memcg[pfn] = memcg.id;
      lruvec_add_folio(k, pfn);
    }
    pgdat.flags |= PGDAT_WRITEBACK;
    const sc = new scan_control();
    sc.kswapd = true;
    sc.nr_immediate = 1;
    shrink_inactive_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_INACTIVE_FILE);
    // shrink_folio_list's case 1 (kswapd, PG_reclaim, PGDAT_WRITEBACK): stat->nr_immediate += 3;
    // shrink_inactive_list: sc->nr.immediate += stat.nr_immediate.
    expect(sc.nr_immediate).toBe(1 + 3);
  });

  it("stalls a direct reclaimer only while NR_ISOLATED_FILE is above inactive / 8, not at it", () => {
    const run = (over: number) => {
      const { k, pgdat, memcg, lv } = setup();
      onLru(k, memcg, LRU_INACTIVE_FILE, 64);
      const sc = new scan_control();
      sc.gfp_mask = GFP_KERNEL;
      // too_many_isolated: `if (gfp_has_io_fs) inactive >>= 3; too_many = isolated > inactive;`
      pgdat.vm_stat[NR_ISOLATED_ANON + 1] = Math.floor(pgdat.vm_stat[NR_INACTIVE_FILE] / 8) + over;
      const t0 = k.now_ns;
      shrink_inactive_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_INACTIVE_FILE);
      return { taken: sc.nr_taken, ns: k.now_ns - t0 };
    };
    const at = run(0);
    expect(at.taken).toBe(32);
    expect(at.ns).toBeLessThan(5 * JIFFY);
    // Above: reclaim_throttle(pgdat, VMSCAN_THROTTLE_ISOLATED) once (HZ/50), then `if (stalled) return 0;`.
    const above = run(1);
    expect(above.taken).toBe(0);
    expect(above.ns).toBe(5 * JIFFY);
  });
});

describe("prepare_scan_count, called directly", () => {
  /** The node's lruvec as boot leaves it (inactive anon only), with no refault since the last snapshot. */
  function node(swap = true) {
    const { m, k, pgdat } = boot(swap);
    const lv = pgdat.__lruvec;
    lv.refaults[0] = pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON];
    lv.refaults[1] = pgdat.vm_stat[WORKINGSET_ACTIVATE_FILE];
    expect(pgdat.vm_stat[NR_ACTIVE_ANON]).toBe(0);
    expect(pgdat.vm_stat[NR_ACTIVE_FILE] + pgdat.vm_stat[NR_INACTIVE_FILE]).toBe(0);
    return { m, k, pgdat, lv };
  }
  const prepared = (k: Kernel, pgdat: pglist_data, set: (sc: scan_control) => void): scan_control => {
    const sc = new scan_control();
    set(sc);
    prepare_scan_count(k, pgdat, sc);
    return sc;
  };

  it("sets each DEACTIVATE_ bit on a refault since the snapshot or a low inactive list, and clears it otherwise", () => {
    const { k, pgdat } = node();
    // Neither: `sc->may_deactivate &= ~DEACTIVATE_ANON` and `&= ~DEACTIVATE_FILE` leave nothing.
    expect(prepared(k, pgdat, (sc) => (sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE)).may_deactivate).toBe(0);
    // `refaults != target_lruvec->refaults[WORKINGSET_ANON]`: the anon bit alone.
    pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]++;
    expect(prepared(k, pgdat, (sc) => (sc.may_deactivate = 0)).may_deactivate).toBe(DEACTIVATE_ANON);
    pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]--;
    pgdat.vm_stat[WORKINGSET_ACTIVATE_FILE]++;
    expect(prepared(k, pgdat, (sc) => (sc.may_deactivate = 0)).may_deactivate).toBe(DEACTIVATE_FILE);
    pgdat.vm_stat[WORKINGSET_ACTIVATE_FILE]--;
    // inactive_is_low(LRU_INACTIVE_ANON): more active anon pages than inactive ones (under 1 GiB).
    const inactive = pgdat.vm_stat[NR_INACTIVE_ANON];
    for (let i = 0; i <= inactive; i++) {
      const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
      k.mem_map.flags[pfn] = F(PG_lru) | F(PG_swapbacked) | F(PG_active);
      lruvec_add_folio(k, pfn);
    }
    expect(prepared(k, pgdat, (sc) => (sc.may_deactivate = DEACTIVATE_FILE)).may_deactivate).toBe(DEACTIVATE_ANON);
    // force_deactivate: both, whatever the lists say.
    expect(prepared(k, pgdat, (sc) => (sc.force_deactivate = true)).may_deactivate).toBe(DEACTIVATE_ANON | DEACTIVATE_FILE);
  });

  it("finds the file cache tiny when file + free pages are at most the high watermarks, nothing deactivates anon and anon >> priority > 0", () => {
    const { m, k, pgdat } = node();
    const total_high = pgdat.node_zones.filter((z) => z.managed_zone()).reduce((s, z) => s + high_wmark_pages(z), 0);
    const anon = pgdat.vm_stat[NR_INACTIVE_ANON];
    // anon >> 10 is 1 here, anon >> 11 is 0 (the lists as boot leaves them).
    expect(anon >> 10).toBe(1);
    const free = (n: number): void => {
      for (const z of pgdat.node_zones) z.vm_stat[NR_FREE_PAGES] = 0;
      pgdat.node_zones[1].vm_stat[NR_FREE_PAGES] = n;
    };
    const tiny = (set: (sc: scan_control) => void = () => {}): boolean => prepared(k, pgdat, (sc) => ((sc.priority = 10), set(sc))).file_is_tiny;
    // `file + free <= total_high_wmark`, file 0 here.
    free(total_high);
    expect(tiny()).toBe(true);
    free(total_high + 1);
    expect(tiny()).toBe(false);
    free(total_high);
    expect(tiny((sc) => (sc.priority = 11))).toBe(false);
    pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]++; // DEACTIVATE_ANON
    expect(tiny()).toBe(false);
    pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]--;
    // Only for global reclaim (`if (!cgroup_reclaim(sc))`): a cgroup reclaim leaves it 0.
    const { memcg } = group(m, k);
    expect(tiny((sc) => ((sc.target_mem_cgroup = memcg), (sc.file_is_tiny = true)))).toBe(false);
  });

  it("trims the cache of a memcg target by its flushed statistics (mem_cgroup_flush_stats)", () => {
    const { m, k, pgdat } = node(false);
    const { memcg } = group(m, k);
    // 200 inactive file pages of /g: more than the flush threshold's batch, so the flush reads them.
    onLru(k, memcg, LRU_INACTIVE_FILE, 200);
    // `file >> sc->priority && !(sc->may_deactivate & DEACTIVATE_FILE)`: cache_trim_mode.
    const sc = prepared(k, pgdat, (s) => ((s.target_mem_cgroup = memcg), (s.priority = 0)));
    expect(sc.cache_trim_mode).toBe(true);
  });

  it("does nothing with the multi-gen LRU on (`if (lru_gen_enabled()) return;`)", () => {
    const { m, k, pgdat, lv } = node();
    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    lv.anon_cost = 5;
    pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]++;
    const sc = prepared(k, pgdat, () => {});
    expect([sc.may_deactivate, sc.anon_cost]).toEqual([0, 0]);
  });
});

describe("get_scan_count of a memcg's lruvec", () => {
  it("scans an unprotected group's list whole at priority 0, however small (no SWAP_CLUSTER_MAX floor)", () => {
    const { m, k, pgdat } = boot(false);
    const { memcg, lv } = group(m, k);
    onLru(k, memcg, LRU_INACTIVE_FILE, 5);
    const sc = new scan_control();
    sc.target_mem_cgroup = memcg;
    sc.priority = 0;
    const nr = new Float64Array(NR_LRU_LISTS);
    get_scan_count(k, lv, pgdat, sc, nr);
    // No swap: SCAN_FILE. `if (min || low) { … scan = max(scan, SWAP_CLUSTER_MAX); } else scan = lruvec_size;`
    expect([...nr]).toEqual([0, 0, 5, 0, 0]);
  });

  /** /g with memory.min and memory.low and 3000 anonymous pages of a process in it. */
  function protectedGroup(min: string, low: string) {
    const { m, k, pgdat } = boot(true);
    const { memcg, lv } = group(m, k);
    m.write("/sys/fs/cgroup/g/memory.min", min);
    m.write("/sys/fs/cgroup/g/memory.low", low);
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(3000 * 4096);
    p.write(a, 3000 * 4096);
    lru_add_drain(k);
    mem_cgroup_calculate_protection(k, null, memcg);
    const size = lv.lru_zone_size[1 * NR_LRU_LISTS + LRU_INACTIVE_ANON] + lv.lru_zone_size[0 * NR_LRU_LISTS + LRU_INACTIVE_ANON];
    const usage = Number(m.read("/sys/fs/cgroup/g/memory.current")) / 4096;
    const sc = new scan_control();
    sc.priority = 0;
    const nr = new Float64Array(NR_LRU_LISTS);
    get_scan_count(k, lv, pgdat, sc, nr);
    return { size, usage, sc, scan: nr[LRU_INACTIVE_ANON] };
  }

  it("scales by memory.min when it is at least memory.low, without noting a skipped low", () => {
    // `if (!sc->memcg_low_reclaim && low > min) { protection = low; sc->memcg_low_skipped = 1; } else protection = min;`
    // scan = lruvec_size - lruvec_size * protection / (max(usage, protection) + 1), at least 32.
    for (const [min, low] of [["8M", "8M"], ["8M", "4M"]] as const) {
      const r = protectedGroup(min, low);
      expect(r.size).toBe(3000);
      expect(r.usage).toBeGreaterThan(2048);
      expect(r.scan, `${min} ${low}`).toBe(r.size - Math.floor((r.size * 2048) / (r.usage + 1)));
      expect(r.sc.memcg_low_skipped, `${min} ${low}`).toBe(false);
    }
  });
});

describe("shrink_node_memcgs: a group below memory.low beside one above it", () => {
  it("reclaims the unprotected group and leaves the protected one alone when that is enough (no retry, no low event)", () => {
    const { m, k } = boot(true);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/p");
    m.write("/sys/fs/cgroup/p/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/p/a");
    m.mkdir("/sys/fs/cgroup/p/b");
    m.write("/sys/fs/cgroup/p/a/memory.low", "64M");
    const pa = m.spawn({ comm: "a", cgroup: "/p/a", image: null });
    const addr = pa.mmap(1024 * 4096);
    pa.write(addr, 1024 * 4096);
    // /p/b: 4 MiB of clean file cache read from an ext2 disk.
    m.addDisk("/dev/vdc", { size: "8M", ext2: { files: [{ path: "f", size: "4M" }] } });
    const pb = m.spawn({ comm: "b", cgroup: "/p/b", image: null });
    pb.mkdir("/mnt/d");
    pb.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc", readonly: true });
    const fd = pb.open("/mnt/d/f", "r");
    while (pb.readFd(fd, 1 << 20) > 0);
    lru_add_drain(k);
    const kv = (g: string, f: string): Record<string, number> => Object.fromEntries(m.read(`/sys/fs/cgroup/p/${g}/${f}`).trim().split("\n").map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));
    const p = cgroup_lookup(k, ["p"])!.memcg!;
    const got = try_to_free_mem_cgroup_pages(k, p, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    // mem_cgroup_below_low(/p/a): skipped in the first round (memcg_low_skipped); /p/b gave the
    // 32 pages, so do_try_to_free_pages returned before its `if (sc->memcg_low_skipped)` retry.
    expect(got).toBeGreaterThanOrEqual(32);
    expect(kv("b", "memory.stat").pgsteal).toBe(got);
    expect(kv("a", "memory.stat").pgscan).toBe(0);
    expect(kv("a", "memory.events").low).toBe(0);
    expect(kv("b", "memory.events").low).toBe(0);
  });
});

describe("try_to_free_mem_cgroup_pages", () => {
  /** /g holding `mib` MiB of clean file cache it read. */
  function cache(mib: number) {
    const { m, k } = boot(true);
    const { memcg } = group(m, k);
    m.addDisk("/dev/vdc", { size: `${mib + 4}M`, ext2: { files: [{ path: "f", size: `${mib}M` }] } });
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc", readonly: true });
    const fd = p.open("/mnt/d/f", "r");
    while (p.readFd(fd, 1 << 20) > 0);
    lru_add_drain(k);
    return { m, k, memcg };
  }

  it("reclaims at least nr_pages when that is above SWAP_CLUSTER_MAX (nr_to_reclaim = max(nr_pages, SWAP_CLUSTER_MAX))", () => {
    const { k, memcg } = cache(8);
    expect(try_to_free_mem_cgroup_pages(k, memcg, 100, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP)).toBeGreaterThanOrEqual(100);
  });

  it("runs as PF_MEMALLOC (memalloc_noreclaim_save) and restores the flags after", () => {
    const { k, memcg } = cache(4);
    const seen: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void seen.push(reclaim_current_flags(k)));
    expect(reclaim_current_flags(k)).toBe(0);
    try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((f) => f === PF_MEMALLOC)).toBe(true);
    expect(reclaim_current_flags(k)).toBe(0);
  });

  it("may write pages from its first priority on (may_writepage = !laptop_mode)", () => {
    // /g's 32 MiB of tmpfs pages: dirty, swap-backed, on its inactive anon list.
    const { m, k, pgdat } = boot(true);
    const { memcg } = group(m, k);
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/f", "w|create");
    p.writeFd(fd, 8192 * 4096);
    lru_add_drain(k);
    const writes: Array<[number, number]> = [];
    let w = pgdat.vm_stat[NR_VMSCAN_WRITE];
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => {
      writes.push([Number(e.fields.priority), pgdat.vm_stat[NR_VMSCAN_WRITE] - w]);
      w = pgdat.vm_stat[NR_VMSCAN_WRITE];
    });
    try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    // do_try_to_free_pages sets may_writepage itself only below DEF_PRIORITY - 2; the first
    // batch scanned, at a higher priority, already writes.
    expect(writes.length).toBeGreaterThan(0);
    expect(writes[0][0]).toBeGreaterThanOrEqual(DEF_PRIORITY - 2);
    expect(writes[0][1]).toBeGreaterThan(0);
  });
});

describe("clear_pgdat_congested over the memcgs", () => {
  it("skips the ids of groups already freed", () => {
    const { m, k, pgdat } = boot(false);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/a");
    m.mkdir("/sys/fs/cgroup/b");
    const b = cgroup_lookup(k, ["b"])!.memcg!;
    m.rmdir("/sys/fs/cgroup/a");
    expect(k.memcg.byId.includes(null)).toBe(true);
    b.nodeinfo[0].flags |= LRUVEC_CONGESTED;
    const kc = pgdat.kcompactd!;
    kc.wakeup = () => {};
    const t = pgdat.kswapd!;
    t.wake(k);
    t.on_cpu = true;
    t.run(k);
    t.on_cpu = false;
    // A balanced node: prepare_kswapd_sleep → clear_pgdat_congested → every memcg's lruvec.
    expect(b.nodeinfo[0].flags & LRUVEC_CONGESTED).toBe(0);
  });
});


describe("reclaim_throttle and skip_throttle_noprogress at their bounds", () => {
  it("wakes the second of two writeback sleepers only after 2 · SWAP_CLUSTER_MAX pages were written", () => {
    // __acct_reclaim_writeback: `if (nr_written > SWAP_CLUSTER_MAX * nr_throttled) wake_up_all(wqh)`,
    // nr_written counted from the first sleeper's NR_THROTTLED_WRITTEN (pgdat->nr_reclaim_start).
    const { k, pgdat } = boot(false);
    pgdat.vm_stat[NR_THROTTLED_WRITTEN] = 1000;
    pgdat.nr_reclaim_start = 1000; // the first sleeper's
    pgdat.nr_writeback_throttled = 1;
    let add = SWAP_CLUSTER_MAX + 1; // enough for one sleeper, not for two
    let t = k.now_ns;
    // A clock the test moves: `add` pages written 1 ms into the sleep.
    const tick = { irq: true, on_cpu: false, comm: "t", pid: 0, next_ns: () => (pgdat.vm_stat[NR_THROTTLED_WRITTEN] === 1000 ? t + 1_000_000 : Infinity), run: () => void (pgdat.vm_stat[NR_THROTTLED_WRITTEN] += add) };
    k.kthreads.push(tick as never);
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
    expect(k.now_ns - t).toBe(25 * JIFFY); // HZ/10
    expect(pgdat.vm_stat[NR_THROTTLED_WRITTEN]).toBe(1000 + add);
    expect(pgdat.nr_writeback_throttled).toBe(1);
    pgdat.vm_stat[NR_THROTTLED_WRITTEN] = 1000;
    add = 2 * SWAP_CLUSTER_MAX + 1;
    t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
    expect(k.now_ns - t).toBeGreaterThanOrEqual(1_000_000);
    expect(k.now_ns - t).toBeLessThan(2_000_000);
    k.kthreads.splice(k.kthreads.indexOf(tick as never), 1);
  });

  it("does not throttle without progress when write-pending pages are exactly half the reclaimable ones", () => {
    const { k, pgdat } = boot(false);
    const z = pgdat.node_zones[1];
    const reclaimable = (): number => pgdat.node_zones.filter((x) => x.managed_zone()).reduce((s, x) => s + zone_reclaimable_pages(k, x), 0);
    if (reclaimable() % 2 !== 0) z.vm_stat[NR_ZONE_INACTIVE_FILE]++;
    // skip_throttle_noprogress: `if (2 * write_pending <= reclaimable) return true;`
    z.vm_stat[NR_ZONE_WRITE_PENDING] = reclaimable() / 2;
    const t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    expect(k.now_ns).toBe(t);
    z.vm_stat[NR_ZONE_WRITE_PENDING]++;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    expect(k.now_ns - t).toBe(JIFFY);
  });
});
