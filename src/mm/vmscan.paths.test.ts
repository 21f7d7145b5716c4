/**
 * vmscan.ts's paths one at a time (issue 12: its StrykerJS mutation score), each against the 6.1
 * function it models (mm/vmscan.c unless named). The tests build the state a branch needs on a
 * small machine — pages put on a list by hand, a scan_control filled in, a zone's counters set —
 * and call the exported function, so each runs in milliseconds; the expected values come from the
 * kernel source, quoted where the number is not obvious.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { kernelOf } from "../api/internals.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { F, PG_active, PG_dirty, PG_head, PG_locked, PG_lru, PG_mlocked, PG_private, PG_reclaim, PG_referenced, PG_swapbacked, PG_swapcache, PG_unevictable, PG_writeback } from "./memmap.js";
import { lruvec_add_folio, lruvec_add_folio_tail, lruvec_del_folio } from "./mm_inline.js";
import { lru_add_drain } from "./swap.js";
import { follow_pte } from "./memory.js";
import { folio_referenced } from "./rmap.js";
import { taskOf } from "../api/internals.js";
import { mapping_by_id } from "../fs/fs.js";
import { WB_REASON_VMSCAN } from "../fs/fs-writeback.js";
import { xa_load_value } from "../lib/xarray.js";
import { cgroup_lookup } from "../kernel/cgroup/cgroup.js";
import { MEMCG_RECLAIM_MAY_SWAP, mem_cgroup_calculate_protection } from "./memcontrol.js";
import { alloc_pages } from "./page_alloc.js";
import { __GFP_DIRECT_RECLAIM, __GFP_DMA, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_NOWAIT } from "../include/linux/gfp_types.js";
import {
  high_wmark_pages,
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  LRU_UNEVICTABLE,
  LRUVEC_CONGESTED,
  MAX_NR_ZONES,
  lruvec,
  NO_PFN,
  NR_LRU_LISTS,
  PGDAT_DIRTY,
  PGDAT_WRITEBACK,
  type pglist_data,
  type zone,
} from "./mmzone.js";
import {
  DEF_PRIORITY,
  free_folio_list,
  get_scan_count,
  isolate_lru_folios,
  move_folios_to_lru,
  reclaim_current_flags,
  reclaim_stat,
  reclaim_throttle,
  scan_control,
  shrink_folio_list,
  SWAP_CLUSTER_MAX,
  MAX_RECLAIM_RETRIES,
  VMSCAN_THROTTLE_CONGESTED,
  VMSCAN_THROTTLE_ISOLATED,
  VMSCAN_THROTTLE_NOPROGRESS,
  VMSCAN_THROTTLE_WRITEBACK,
  wakeup_kswapd,
  zone_reclaimable_pages,
  folio_isolate_lru,
  pgdat_balanced,
  inactive_is_low,
  try_to_free_pages,
  try_to_free_mem_cgroup_pages,
  reclaim_pages,
} from "./vmscan.js";
import {
  ALLOCSTALL_DMA,
  ALLOCSTALL_NORMAL,
  NR_ISOLATED_ANON,
  PGSCAN_ANON,
  PGDEACTIVATE,
  PGREFILL,
  PGSCAN_DIRECT,
  PGSCAN_FILE,
  PGSCAN_KSWAPD,
  PGSTEAL_ANON,
  PGSTEAL_DIRECT,
  PGSTEAL_FILE,
  PGSTEAL_KSWAPD,
  PSWPOUT,
  KSWAPD_HIGH_WMARK_HIT_QUICKLY,
  KSWAPD_LOW_WMARK_HIT_QUICKLY,
  PAGEOUTRUN,
  NR_FREE_PAGES,
  NR_THROTTLED_WRITTEN,
  THP_SWPOUT_FALLBACK,
  NR_ACTIVE_ANON,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ACTIVE_FILE,
  WORKINGSET_ACTIVATE_ANON,
  WORKINGSET_ACTIVATE_FILE,
  NR_VMSCAN_WRITE,
  PGLAZYFREED,
  NR_VMSCAN_IMMEDIATE,
  NR_ZONE_ACTIVE_ANON,
  NR_ZONE_ACTIVE_FILE,
  NR_ZONE_INACTIVE_ANON,
  NR_ZONE_INACTIVE_FILE,
  NR_ZONE_WRITE_PENDING,
  PGACTIVATE,
  PGSCAN_SKIP_DMA,
  PGSCAN_SKIP_DMA32,
} from "./vmstat_items.js";
import { PF_MEMALLOC } from "./alloc_hooks.js";

const JIFFY = 4_000_000; // HZ = 250 (config-6.1.0-56-amd64: CONFIG_HZ=250)

function boot(swap: boolean, memory = "128M"): { m: Machine; k: Kernel; pgdat: pglist_data } {
  const m = swap ? Machine.boot({ memory, swap: { size: "64M" } }) : Machine.boot({ memory });
  const k = kernelOf(m);
  return { m, k, pgdat: k.node_data[0] };
}

/** A page taken from the buddy allocator (DMA32, or DMA with `dma`) with exactly these flags. */
function page(k: Kernel, flags: number, dma = false): number {
  const pfn = alloc_pages(k, dma ? GFP_KERNEL | __GFP_DMA : GFP_HIGHUSER_MOVABLE, 0);
  k.mem_map.flags[pfn] = flags;
  return pfn;
}

/** A page on its LRU list (the one its flags name), holding the buddy's one reference. */
function lruPage(k: Kernel, flags: number, dma = false): number {
  const pfn = page(k, flags | F(PG_lru), dma);
  lruvec_add_folio(k, pfn);
  return pfn;
}

/** The pfns on local list `h`, head to tail. */
function listed(k: Kernel, lists: Int32Array, h: number): number[] {
  const out: number[] = [];
  for (let p = lists[h]; p !== NO_PFN; p = k.mem_map.lru.list_next(lists, h, p)) out.push(p);
  return out;
}

/** A fake zone for zone_reclaimable_pages: only its counters are read. */
function zoneWith(counts: Record<number, number>): zone {
  const vm_stat = new Float64Array(64);
  for (const [i, n] of Object.entries(counts)) vm_stat[Number(i)] = n;
  return { vm_stat } as unknown as zone;
}

describe("zone_reclaimable_pages", () => {
  it("counts file LRU pages, anon only while swap has free slots, and the free pages when that is 0", () => {
    // mm/vmscan.c zone_reclaimable_pages: nr = INACTIVE_FILE + ACTIVE_FILE; if
    // (can_reclaim_anon_pages(NULL, zone_to_nid(zone), NULL)) nr += INACTIVE_ANON + ACTIVE_ANON;
    // and Debian's 6.1 backport returns NR_FREE_PAGES when nr is 0.
    const z = zoneWith({ [NR_ZONE_INACTIVE_FILE]: 3, [NR_ZONE_ACTIVE_FILE]: 5, [NR_ZONE_INACTIVE_ANON]: 7, [NR_ZONE_ACTIVE_ANON]: 11, [NR_FREE_PAGES]: 1000 });
    const { k } = boot(true);
    expect(zone_reclaimable_pages(k, z)).toBe(3 + 5 + 7 + 11);
    // can_reclaim_anon_pages: get_nr_swap_pages() > 0 — a full swap device counts as none.
    k.nr_swap_pages = 0;
    expect(zone_reclaimable_pages(k, z)).toBe(3 + 5);
    k.nr_swap_pages = 1;
    expect(zone_reclaimable_pages(k, z)).toBe(26);
    const anonOnly = zoneWith({ [NR_ZONE_INACTIVE_ANON]: 7, [NR_ZONE_ACTIVE_ANON]: 11, [NR_FREE_PAGES]: 1000 });
    k.nr_swap_pages = 0;
    expect(zone_reclaimable_pages(k, anonOnly)).toBe(1000);
    expect(zone_reclaimable_pages(k, zoneWith({ [NR_ZONE_ACTIVE_FILE]: 1, [NR_FREE_PAGES]: 1000 }))).toBe(1);
  });
});

describe("reclaim_throttle", () => {
  it("sleeps HZ/50 for isolated pages, one jiffy without progress, HZ/10 for writeback", () => {
    const { k, pgdat } = boot(false);
    // NOPROGRESS sleeps only while 2 * write_pending > reclaimable (skip_throttle_noprogress).
    const z = pgdat.node_zones[1];
    const reclaimable = pgdat.node_zones.filter((x) => x.managed_zone()).reduce((s, x) => s + zone_reclaimable_pages(k, x), 0);
    z.vm_stat[NR_ZONE_WRITE_PENDING] = Math.floor(reclaimable / 2) + 1;
    let t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_ISOLATED);
    expect(k.now_ns - t).toBe(5 * JIFFY); // HZ/50
    t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    expect(k.now_ns - t).toBe(JIFFY);
    t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_CONGESTED);
    expect(k.now_ns - t).toBe(JIFFY);
    // Nothing written meanwhile: the whole HZ/10 timeout; the sleeper count is back to 0 after.
    t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
    expect(k.now_ns - t).toBe(25 * JIFFY);
    expect(pgdat.nr_writeback_throttled).toBe(0);
  });

  it("does not sleep without progress when write-pending pages are at most half the reclaimable, or kswapd gave up", () => {
    const { k, pgdat } = boot(false);
    const z = pgdat.node_zones[1];
    const reclaimable = pgdat.node_zones.filter((x) => x.managed_zone()).reduce((s, x) => s + zone_reclaimable_pages(k, x), 0);
    expect(reclaimable).toBeGreaterThan(0);
    // skip_throttle_noprogress: `if (2 * write_pending <= reclaimable) return true;`
    z.vm_stat[NR_ZONE_WRITE_PENDING] = Math.floor(reclaimable / 2);
    const t = k.now_ns;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_CONGESTED);
    expect(k.now_ns).toBe(t);
    z.vm_stat[NR_ZONE_WRITE_PENDING] = reclaimable;
    // `if (pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES) return true;`
    pgdat.kswapd_failures = MAX_RECLAIM_RETRIES;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    expect(k.now_ns).toBe(t);
    pgdat.kswapd_failures = MAX_RECLAIM_RETRIES - 1;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
    expect(k.now_ns - t).toBe(JIFFY);
  });

  it("wakes a writeback sleeper once SWAP_CLUSTER_MAX pages per sleeper were written since the first slept", () => {
    // reclaim_throttle: the first sleeper records nr_reclaim_start = NR_THROTTLED_WRITTEN;
    // __acct_reclaim_writeback wakes them when written - start > SWAP_CLUSTER_MAX * nr_throttled.
    const { k, pgdat } = boot(false);
    pgdat.vm_stat[NR_THROTTLED_WRITTEN] = 1000;
    pgdat.nr_reclaim_start = 0;
    // A clock the test moves: 33 pages written after 1 ms, seen at the sleeper's next poll.
    const t = k.now_ns;
    const tick = { irq: true, on_cpu: false, comm: "t", pid: 0, next_ns: () => (pgdat.vm_stat[NR_THROTTLED_WRITTEN] === 1000 ? t + 1_000_000 : Infinity), run: () => void (pgdat.vm_stat[NR_THROTTLED_WRITTEN] += SWAP_CLUSTER_MAX) };
    k.kthreads.push(tick as never);
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
    // 32 written is not enough (`<=`): it sleeps the full HZ/10.
    expect(k.now_ns - t).toBe(25 * JIFFY);
    expect(pgdat.nr_reclaim_start).toBe(1000);
    pgdat.vm_stat[NR_THROTTLED_WRITTEN] = 1000;
    tick.run = () => void (pgdat.vm_stat[NR_THROTTLED_WRITTEN] += SWAP_CLUSTER_MAX + 1);
    const t2 = k.now_ns;
    tick.next_ns = () => (pgdat.vm_stat[NR_THROTTLED_WRITTEN] === 1000 ? t2 + 1_000_000 : Infinity);
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
    expect(k.now_ns - t2).toBeGreaterThanOrEqual(1_000_000);
    expect(k.now_ns - t2).toBeLessThan(2_000_000);
    expect(pgdat.nr_writeback_throttled).toBe(0);
    k.kthreads.splice(k.kthreads.indexOf(tick as never), 1);
  });
});

describe("isolate_lru_folios", () => {
  it("takes pages from the tail with a reference and PG_lru cleared, skipping zones above reclaim_idx to the head", () => {
    const { k, pgdat } = boot(false);
    const lv = pgdat.__lruvec;
    const mem = k.mem_map;
    // Build a list of our own: empty the inactive file list first (it holds boot's page cache).
    const saved = lv.lists[LRU_INACTIVE_FILE];
    lv.lists[LRU_INACTIVE_FILE] = NO_PFN;
    const a = lruPage(k, 0); // DMA32, added first: the tail
    const dmaPage = lruPage(k, 0, true);
    const b = lruPage(k, 0);
    expect(k.page_zone(dmaPage)?.zone_idx).toBe(0);
    expect(k.page_zone(a)?.zone_idx).toBe(1);
    const sc = new scan_control();
    sc.reclaim_idx = 0; // ZONE_DMA only
    sc.order = 2;
    const traced: Array<[string, Record<string, unknown>]> = [];
    k.trace.on("mm_vmscan_lru_isolate", (e) => void traced.push([e.message, { ...e.fields }]));
    const lists = new Int32Array(4).fill(NO_PFN);
    const size0 = lv.lru_zone_size[0 * NR_LRU_LISTS + LRU_INACTIVE_FILE];
    const size1 = lv.lru_zone_size[1 * NR_LRU_LISTS + LRU_INACTIVE_FILE];
    const skip1 = k.vm_events[PGSCAN_SKIP_DMA32];
    const taken = isolate_lru_folios(k, 1, lv, pgdat, lists, 0, sc.nr_scanned_out, sc, LRU_INACTIVE_FILE);
    // a is skipped (zone 1 > reclaim_idx 0) and does not count against nr_to_scan; the DMA page
    // is taken; b is not reached (scan == nr_to_scan).
    expect(taken).toBe(1);
    expect(listed(k, lists, 0)).toEqual([dmaPage]);
    expect(sc.nr_scanned_out[0]).toBe(2); // total_scan counts the skipped page
    expect(k.vm_events[PGSCAN_SKIP_DMA32] - skip1).toBe(1);
    expect(k.vm_events[PGSCAN_SKIP_DMA]).toBe(0);
    expect(mem._refcount[dmaPage]).toBe(2);
    expect(mem.flags[dmaPage] & F(PG_lru)).toBe(0);
    expect(lv.lru_zone_size[0 * NR_LRU_LISTS + LRU_INACTIVE_FILE]).toBe(size0 - 1);
    expect(lv.lru_zone_size[1 * NR_LRU_LISTS + LRU_INACTIVE_FILE]).toBe(size1);
    // list_splice(&folios_skipped, src): the skipped page goes to the head, before b.
    expect(listed(k, lv.lists, LRU_INACTIVE_FILE)).toEqual([a, b]);
    // More asked than there are: `while (scan < nr_to_scan && !list_empty(src))` stops when the
    // list is empty (both skipped, nothing taken).
    const lists2 = new Int32Array(4).fill(NO_PFN);
    expect(isolate_lru_folios(k, 10, lv, pgdat, lists2, 0, sc.nr_scanned_out, sc, LRU_INACTIVE_FILE)).toBe(0);
    expect(sc.nr_scanned_out[0]).toBe(2);
    expect(listed(k, lv.lists, LRU_INACTIVE_FILE).sort()).toEqual([a, b].sort());
    // trace_mm_vmscan_lru_isolate's TP_printk, isolate_mode 0 (may_unmap), classzone = reclaim_idx.
    const msg = "isolate_mode=0 classzone=0 order=2 nr_requested=1 nr_scanned=2 nr_skipped=1 nr_taken=1 lru=inactive_file";
    expect(traced.slice(0, 1)).toEqual([[msg, { isolate_mode: "0", classzone: "0", order: "2", nr_requested: "1", nr_scanned: "2", nr_skipped: "1", nr_taken: "1", lru: "inactive_file" }]]);
    lv.lists[LRU_INACTIVE_FILE] = saved;
  });

  it("rotates pages it may not take: not PG_lru, being freed (refcount 0), mapped when it may not unmap", () => {
    const { m, k, pgdat } = boot(false);
    const lv = pgdat.__lruvec;
    const mem = k.mem_map;
    const saved = lv.lists[LRU_INACTIVE_ANON];
    lv.lists[LRU_INACTIVE_ANON] = NO_PFN;
    const ok = lruPage(k, F(PG_swapbacked));
    const noLru = lruPage(k, F(PG_swapbacked));
    mem.flags[noLru] &= ~F(PG_lru);
    const dying = lruPage(k, F(PG_swapbacked));
    mem._refcount[dying] = 0;
    const sc = new scan_control();
    const lists = new Int32Array(4).fill(NO_PFN);
    const taken = isolate_lru_folios(k, 3, lv, pgdat, lists, 0, sc.nr_scanned_out, sc, LRU_INACTIVE_ANON);
    expect(taken).toBe(1);
    expect(listed(k, lists, 0)).toEqual([ok]);
    expect(sc.nr_scanned_out[0]).toBe(3);
    expect(mem._refcount[dying]).toBe(0);
    expect(mem._refcount[noLru]).toBe(1);
    // Both rotated to the head (list_move(&folio->lru, src)), one after the other from the tail:
    // noLru first, then dying in front of it.
    expect(listed(k, lv.lists, LRU_INACTIVE_ANON)).toEqual([dying, noLru]);
    mem._refcount[dying] = 1;
    mem.flags[noLru] |= F(PG_lru);
    // A mapped anonymous page is taken only when reclaim may unmap.
    const p = m.spawn({ comm: "p" });
    const addr = p.mmap(1 << 20);
    p.write(addr, 4096);
    lv.lists[LRU_INACTIVE_ANON] = NO_PFN;
    const mapped = lruPage(k, F(PG_swapbacked));
    // Borrow the process's page's mapcount onto ours: folio_mapped reads mapcount.
    mem.mapcount[mapped] = 1;
    const modes: unknown[] = [];
    k.trace.on("mm_vmscan_lru_isolate", (e) => void modes.push(e.fields.isolate_mode));
    sc.may_unmap = false;
    expect(isolate_lru_folios(k, 1, lv, pgdat, lists, 1, sc.nr_scanned_out, sc, LRU_INACTIVE_ANON)).toBe(0);
    expect(mem.flags[mapped] & F(PG_lru)).not.toBe(0);
    sc.may_unmap = true;
    expect(isolate_lru_folios(k, 1, lv, pgdat, lists, 1, sc.nr_scanned_out, sc, LRU_INACTIVE_ANON)).toBe(1);
    // The tracepoint's isolate_mode: `sc->may_unmap ? 0 : ISOLATE_UNMAPPED` (0x2, mmzone.h).
    expect(modes).toEqual(["2", "0"]);
    expect(listed(k, lists, 1)).toEqual([mapped]);
    mem.mapcount[mapped] = 0;
    lv.lists[LRU_INACTIVE_ANON] = saved;
  });
});

describe("move_folios_to_lru and free_folio_list", () => {
  it("puts pages back with their reference dropped, leaves the last-reference ones for freeing, and ages the clock per active page", () => {
    const { k, pgdat } = boot(false);
    const mem = k.mem_map;
    const lv = pgdat.__lruvec;
    const lists = new Int32Array(4).fill(NO_PFN);
    const keep = page(k, F(PG_swapbacked) | F(PG_active));
    mem._refcount[keep] = 2; // the isolation reference and another
    const last = page(k, F(PG_swapbacked) | F(PG_active) | F(PG_unevictable)); // refcount 1: ours is the last
    const inactive = page(k, F(PG_swapbacked));
    mem._refcount[inactive] = 2;
    for (const p of [keep, last, inactive]) mem.lru.list_add(lists, 0, p);
    const age = lv.nonresident_age;
    expect(move_folios_to_lru(k, lists, 0, 2)).toBe(2);
    expect(lv.nonresident_age - age).toBe(1); // only `keep` is active
    expect(mem._refcount[keep]).toBe(1);
    expect(mem.flags[keep] & F(PG_lru)).not.toBe(0);
    expect(mem._refcount[inactive]).toBe(1);
    // __folio_clear_lru_flags: PG_active and PG_unevictable cleared on the page to free.
    expect(listed(k, lists, 2)).toEqual([last]);
    expect(mem.flags[last] & (F(PG_active) | F(PG_unevictable))).toBe(0);
    expect(mem.flags[last] & F(PG_swapbacked)).not.toBe(0);
    const free = mem.lru;
    void free;
    free_folio_list(k, lists, 2);
    expect(lists[2]).toBe(NO_PFN);
    expect(mem._refcount[last]).toBe(0);
  });

  it("throws KernelBug for a page already on an LRU, and for freeing a page someone else holds", () => {
    const { k } = boot(false);
    const mem = k.mem_map;
    const lists = new Int32Array(4).fill(NO_PFN);
    const onLru = page(k, F(PG_lru));
    mem._refcount[onLru] = 2;
    mem.lru.list_add(lists, 0, onLru);
    expect(() => move_folios_to_lru(k, lists, 0, 2)).toThrow(KernelBug);
    expect(() => move_folios_to_lru(k, lists, 0, 2)).toThrow(`move_folios_to_lru: page already on an LRU {"pfn":${onLru}}`);
    const held = page(k, 0);
    mem._refcount[held] = 2;
    mem.lru.list_add(lists, 3, held);
    expect(() => free_folio_list(k, lists, 3)).toThrow(new KernelBug("reclaim freeing a page someone else holds", { pfn: held, refcount: 2 }));
  });

  it("sends an isolated unevictable (mlocked) page back through the lru_add batch to the unevictable list", () => {
    const { k, pgdat } = boot(false);
    const mem = k.mem_map;
    const lists = new Int32Array(4).fill(NO_PFN);
    const p = page(k, F(PG_swapbacked) | F(PG_mlocked));
    mem._refcount[p] = 2;
    mem.lru.list_add(lists, 0, p);
    expect(move_folios_to_lru(k, lists, 0, 2)).toBe(0);
    expect(lists[2]).toBe(NO_PFN);
    // folio_putback_lru = folio_add_lru (the batch's reference) + folio_put (ours); the drain
    // puts it on the unevictable list and drops the batch's.
    lru_add_drain(k);
    expect(mem._refcount[p]).toBe(1);
    expect(mem.flags[p] & (F(PG_lru) | F(PG_unevictable))).toBe(F(PG_lru) | F(PG_unevictable));
    expect(listed(k, pgdat.__lruvec.lists, LRU_UNEVICTABLE)).toContain(p);
  });
});

describe("folio_isolate_lru", () => {
  it("takes a page off its LRU with a reference, and refuses one not on an LRU", () => {
    const { k } = boot(false);
    const mem = k.mem_map;
    const p = lruPage(k, F(PG_swapbacked));
    expect(folio_isolate_lru(k, p)).toBe(true);
    expect(mem._refcount[p]).toBe(2);
    expect(mem.flags[p] & F(PG_lru)).toBe(0);
    expect(folio_isolate_lru(k, p)).toBe(false);
    expect(mem._refcount[p]).toBe(2);
  });
});

describe("get_scan_count's balance", () => {
  /** Pages on each evictable list of the node's lruvec: `n[lru]` of them in DMA32. */
  function lists(k: Kernel, n: Record<number, number>): void {
    for (const [lru, count] of Object.entries(n)) {
      const l = Number(lru);
      const flags = (l === LRU_ACTIVE_ANON || l === LRU_INACTIVE_ANON ? F(PG_swapbacked) : 0) | (l === LRU_ACTIVE_ANON || l === LRU_ACTIVE_FILE ? F(PG_active) : 0);
      for (let i = 0; i < count; i++) lruPage(k, flags);
    }
  }
  const sizes = (k: Kernel, pgdat: pglist_data, zid: number): number[] => [0, 1, 2, 3].map((l) => pgdat.__lruvec.lru_zone_size[zid * NR_LRU_LISTS + l]);

  it("scans only file without swap or may_swap, every list's size >> priority", () => {
    const { k, pgdat } = boot(false);
    lists(k, { [LRU_INACTIVE_ANON]: 4096, [LRU_INACTIVE_FILE]: 4096 });
    const sc = new scan_control();
    sc.reclaim_idx = 1;
    sc.priority = 2;
    const nr = new Float64Array(NR_LRU_LISTS).fill(-1);
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    const s = [0, 1, 2, 3].map((l) => sizes(k, pgdat, 0)[l] + sizes(k, pgdat, 1)[l]);
    expect([...nr]).toEqual([0, 0, s[2] >> 2, s[3] >> 2, 0]);
  });

  it("SCAN_EQUAL at priority 0 with swappiness, SCAN_ANON when the file cache is tiny, SCAN_FILE in cache_trim_mode", () => {
    const { k, pgdat } = boot(true);
    lists(k, { [LRU_INACTIVE_ANON]: 4096, [LRU_ACTIVE_ANON]: 2048, [LRU_INACTIVE_FILE]: 4096 });
    const s = [0, 1, 2, 3].map((l) => sizes(k, pgdat, 0)[l] + sizes(k, pgdat, 1)[l]);
    const nr = new Float64Array(NR_LRU_LISTS);
    const sc = new scan_control();
    sc.reclaim_idx = 1;
    sc.priority = 0;
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect([...nr]).toEqual([s[0], s[1], s[2], s[3], 0]);
    // `!sc->priority && swappiness`: swappiness 0 falls through to SCAN_FRACT (ap = 0: no anon).
    k.vm.swappiness = 0;
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect(nr[0]).toBe(0);
    expect(nr[1]).toBe(0);
    expect(nr[2]).toBe(s[2]);
    k.vm.swappiness = 60;
    sc.priority = 1;
    sc.file_is_tiny = true;
    sc.cache_trim_mode = true; // file_is_tiny wins: it is tested first
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect([...nr]).toEqual([s[0] >> 1, s[1] >> 1, 0, 0, 0]);
    sc.file_is_tiny = false;
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect([...nr]).toEqual([0, 0, s[2] >> 1, s[3] >> 1, 0]);
    sc.cache_trim_mode = false;
    sc.may_swap = false;
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect([...nr]).toEqual([0, 0, s[2] >> 1, s[3] >> 1, 0]);
    // Only the zones up to reclaim_idx count (lruvec_lru_size(lruvec, lru, sc->reclaim_idx)).
    sc.may_swap = true;
    sc.priority = 0;
    sc.reclaim_idx = 0;
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    expect([...nr]).toEqual([...sizes(k, pgdat, 0), 0]);
  });

  it("SCAN_FRACT: ap = swappiness·(total+1)/(anon_cost'+1), fp = (200−swappiness)·(total+1)/(file_cost'+1)", () => {
    const { k, pgdat } = boot(true);
    lists(k, { [LRU_INACTIVE_ANON]: 4000, [LRU_INACTIVE_FILE]: 2000 });
    const s = [0, 1, 2, 3].map((l) => sizes(k, pgdat, 0)[l] + sizes(k, pgdat, 1)[l]);
    const sc = new scan_control();
    sc.reclaim_idx = 1;
    sc.priority = 0;
    k.vm.swappiness = 100;
    // priority 0 with swappiness is SCAN_EQUAL; use priority 1 (sizes >> 1).
    sc.priority = 1;
    sc.anon_cost = 30;
    sc.file_cost = 10;
    // total = 40; anon' = 70, file' = 50, total' = 120; ap = 100·121/71 = 170, fp = 100·121/51 = 237.
    const nr = new Float64Array(NR_LRU_LISTS);
    get_scan_count(k, pgdat.__lruvec, pgdat, sc, nr);
    const ap = 170;
    const fp = 237;
    expect(nr[LRU_INACTIVE_ANON]).toBe(Math.floor(((s[0] >> 1) * ap) / (ap + fp)));
    expect(nr[LRU_INACTIVE_FILE]).toBe(Math.floor(((s[2] >> 1) * fp) / (ap + fp)));
    expect(nr[LRU_ACTIVE_FILE]).toBe(Math.floor(((s[3] >> 1) * fp) / (ap + fp)));
    expect(nr[LRU_UNEVICTABLE]).toBe(0);
  });
});

describe("pgdat_balanced", () => {
  it("is true for a node with no managed zone up to highest_zoneidx, and reads only zones up to it", () => {
    const { k, pgdat } = boot(false);
    // The DMA zone alone, held below its high watermark: unbalanced.
    const dma = pgdat.node_zones[0];
    const dma32 = pgdat.node_zones[1];
    const saved = [dma.vm_stat[NR_FREE_PAGES], dma32.vm_stat[NR_FREE_PAGES]];
    dma.vm_stat[NR_FREE_PAGES] = 0;
    expect(pgdat_balanced(k, pgdat, 0, 0)).toBe(false);
    // DMA32 well above its mark balances highest_zoneidx 1, not 0.
    dma32.vm_stat[NR_FREE_PAGES] = high_wmark_pages(dma32) + 100000;
    expect(pgdat_balanced(k, pgdat, 0, 1)).toBe(true);
    expect(pgdat_balanced(k, pgdat, 0, 0)).toBe(false);
    // ZONE_NORMAL on a 128M machine is empty: `if (!managed_zone(zone)) continue;` … return true
    // when no zone was looked at (mark == -1 in 6.1).
    const emptyIdx = pgdat.node_zones.findIndex((z) => !z.managed_zone());
    expect(emptyIdx).toBeGreaterThan(1);
    dma.vm_stat[NR_FREE_PAGES] = saved[0];
    dma32.vm_stat[NR_FREE_PAGES] = saved[1];
  });
});

describe("reclaim_current_flags", () => {
  it("is PF_MEMALLOC only while reclaim runs on this context", () => {
    const { k } = boot(false);
    expect(reclaim_current_flags(k)).toBe(0);
    k.reclaim_depth = 1;
    expect(reclaim_current_flags(k)).toBe(PF_MEMALLOC);
    k.reclaim_depth = 0;
  });
});


/** Isolates the pages (folio_isolate_lru) onto local list 0 of a fresh set, in order: the first is the tail. */
function isolated(k: Kernel, pfns: number[]): Int32Array {
  const lists = new Int32Array(4).fill(NO_PFN);
  for (const p of pfns) {
    if (!folio_isolate_lru(k, p)) throw new Error(`pfn ${p} not on an LRU`);
    k.mem_map.lru.list_add(lists, 0, p);
  }
  return lists;
}

/** A page made for shrink_folio_list: off any LRU, our (isolation) reference only, on local list 0. */
function onList(k: Kernel, lists: Int32Array, flags: number): number {
  const pfn = page(k, flags);
  k.mem_map.lru.list_add(lists, 0, pfn);
  return pfn;
}

describe("shrink_folio_list, page by page", () => {
  it("keeps a locked page unscanned, and throws KernelBug for an active page on the inactive list", () => {
    const { k, pgdat } = boot(false);
    const lists = new Int32Array(4).fill(NO_PFN);
    const locked = onList(k, lists, F(PG_locked));
    const sc = new scan_control();
    const stat = new reclaim_stat();
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    // `if (!folio_trylock(folio)) goto keep;` comes before `sc->nr_scanned += nr_pages`.
    expect(sc.nr_scanned).toBe(0);
    expect(listed(k, lists, 0)).toEqual([locked]);
    expect(k.mem_map.flags[locked] & F(PG_active)).toBe(0);
    k.mem_map.lru.list_del(lists, 0, locked);
    const act = onList(k, lists, F(PG_active));
    expect(() => shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toThrow(`shrink_folio_list: active page on the inactive list {"pfn":${act}}`);
  });

  it("sends an mlocked page back without PG_active (activate_locked skips mlocked folios)", () => {
    const { k, pgdat } = boot(false);
    const lists = new Int32Array(4).fill(NO_PFN);
    const p = onList(k, lists, F(PG_swapbacked) | F(PG_mlocked));
    const sc = new scan_control();
    const stat = new reclaim_stat();
    const act = k.vm_events[PGACTIVATE];
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    expect(sc.nr_scanned).toBe(1);
    expect(k.mem_map.flags[p] & F(PG_active)).toBe(0);
    expect(stat.nr_activate).toEqual([0, 0]);
    expect(k.vm_events[PGACTIVATE]).toBe(act);
    expect(listed(k, lists, 0)).toEqual([p]);
  });

  it("counts file pages under writeback (dirty, congested, writeback; immediate for kswapd's own) and activates them", () => {
    const { k, pgdat } = boot(false);
    const mem = k.mem_map;
    const lists = new Int32Array(4).fill(NO_PFN);
    // Case 2 (global reclaim: writeback_throttling_sane): folio_set_reclaim, nr_writeback.
    const wb = onList(k, lists, F(PG_writeback));
    const wbReclaim = onList(k, lists, F(PG_writeback) | F(PG_reclaim));
    const dirtyWb = onList(k, lists, F(PG_writeback) | F(PG_dirty));
    // folio_check_dirty_writeback reports neither for anon (swap-backed) folios.
    const anonWb = onList(k, lists, F(PG_writeback) | F(PG_swapbacked));
    const sc = new scan_control();
    const stat = new reclaim_stat();
    const act = k.vm_events[PGACTIVATE];
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    expect(stat.nr_dirty).toBe(3);
    expect(stat.nr_unqueued_dirty).toBe(0);
    expect(stat.nr_congested).toBe(1);
    expect(stat.nr_writeback).toBe(4);
    expect(stat.nr_immediate).toBe(0);
    expect(stat.nr_activate).toEqual([1, 3]);
    expect(k.vm_events[PGACTIVATE] - act).toBe(4);
    for (const p of [wb, wbReclaim, dirtyWb, anonWb]) expect(mem.flags[p] & (F(PG_reclaim) | F(PG_active))).toBe(F(PG_reclaim) | F(PG_active));
    // Case 1: kswapd meets a PG_reclaim page under writeback while the node is PGDAT_WRITEBACK.
    const lists2 = new Int32Array(4).fill(NO_PFN);
    const again = onList(k, lists2, F(PG_writeback) | F(PG_reclaim));
    const fresh = onList(k, lists2, F(PG_writeback));
    sc.kswapd = true;
    pgdat.flags |= PGDAT_WRITEBACK;
    shrink_folio_list(k, lists2, 0, pgdat, sc, stat);
    expect(stat.nr_immediate).toBe(1);
    expect(stat.nr_writeback).toBe(1);
    expect(mem.flags[again] & F(PG_active)).not.toBe(0);
    expect(mem.flags[fresh] & F(PG_active)).not.toBe(0);
    // Without PGDAT_WRITEBACK even kswapd's own goes the case-2 way.
    const lists3 = new Int32Array(4).fill(NO_PFN);
    onList(k, lists3, F(PG_writeback) | F(PG_reclaim));
    pgdat.flags &= ~PGDAT_WRITEBACK;
    shrink_folio_list(k, lists3, 0, pgdat, sc, stat);
    expect(stat.nr_immediate).toBe(0);
    expect(stat.nr_writeback).toBe(1);
  });

  it("activates a dirty file page direct reclaim meets (NR_VMSCAN_IMMEDIATE, PG_reclaim), and counts it unqueued", () => {
    const { k, pgdat } = boot(false);
    const mem = k.mem_map;
    const lists = new Int32Array(4).fill(NO_PFN);
    const d = onList(k, lists, F(PG_dirty));
    const sc = new scan_control();
    const stat = new reclaim_stat();
    const imm = pgdat.vm_stat[NR_VMSCAN_IMMEDIATE];
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(stat.nr_dirty).toBe(1);
    expect(stat.nr_unqueued_dirty).toBe(1);
    expect(stat.nr_congested).toBe(0);
    expect(pgdat.vm_stat[NR_VMSCAN_IMMEDIATE] - imm).toBe(1);
    expect(mem.flags[d] & (F(PG_reclaim) | F(PG_active))).toBe(F(PG_reclaim) | F(PG_active));
    // kswapd, the page PG_reclaim already and the node PGDAT_DIRTY: no longer immediate. It was
    // PG_referenced (FOLIOREF_RECLAIM_CLEAN for an unmapped file page): kept, not activated.
    const lists2 = new Int32Array(4).fill(NO_PFN);
    const d2 = onList(k, lists2, F(PG_dirty) | F(PG_reclaim) | F(PG_referenced));
    sc.kswapd = true;
    pgdat.flags |= PGDAT_DIRTY;
    shrink_folio_list(k, lists2, 0, pgdat, sc, stat);
    expect(pgdat.vm_stat[NR_VMSCAN_IMMEDIATE] - imm).toBe(1);
    expect(mem.flags[d2] & F(PG_active)).toBe(0);
    expect(mem.flags[d2] & F(PG_referenced)).toBe(0); // folio_check_references clears it
    // Any one of the three conditions missing makes it immediate again.
    for (const [kswapd, flags, pgflags] of [
      [false, F(PG_dirty) | F(PG_reclaim), PGDAT_DIRTY],
      [true, F(PG_dirty), PGDAT_DIRTY],
      [true, F(PG_dirty) | F(PG_reclaim), 0],
    ] as const) {
      const l = new Int32Array(4).fill(NO_PFN);
      const x = onList(k, l, flags);
      sc.kswapd = kswapd;
      pgdat.flags = (pgdat.flags & ~PGDAT_DIRTY) | pgflags;
      const before = pgdat.vm_stat[NR_VMSCAN_IMMEDIATE];
      shrink_folio_list(k, l, 0, pgdat, sc, stat);
      expect(pgdat.vm_stat[NR_VMSCAN_IMMEDIATE] - before, `kswapd ${kswapd} flags ${flags} pgdat ${pgflags}`).toBe(1);
      expect(mem.flags[x] & F(PG_active)).not.toBe(0);
    }
  });
});


/** A machine with an ext2 disk holding /mnt/d/f (4 MiB unless told), read once: its pages are on the inactive file list. */
function withFile(swap: boolean, mib = 4): { m: Machine; k: Kernel; pgdat: pglist_data; pages: number[] } {
  const { m, k, pgdat } = boot(swap);
  m.addDisk("/dev/vdc", { size: `${mib + 4}M`, ext2: { files: [{ path: "f", size: `${mib}M` }] } });
  const p = m.spawn({ comm: "r", image: null });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc", readonly: true });
  const fd = p.open("/mnt/d/f", "r");
  while (p.readFd(fd, 1 << 20) > 0);
  lru_add_drain(k);
  // The newest pages on the inactive file list, head first: the file's (clean, unmapped, in cache).
  const mem = k.mem_map;
  const pages = listed(k, pgdat.__lruvec.lists, LRU_INACTIVE_FILE)
    .filter((x) => mem.mapping[x] > 0 && (mem.flags[x] & (F(PG_dirty) | F(PG_writeback) | F(PG_locked))) === 0 && mem.mapcount[x] === 0 && mem._refcount[x] === 1)
    .slice(0, 16);
  return { m, k, pgdat, pages };
}

describe("shrink_folio_list and the page cache", () => {
  it("frees clean unmapped file pages, leaving a workingset shadow in their slot", () => {
    const { k, pgdat, pages } = withFile(false);
    const mem = k.mem_map;
    expect(pages.length).toBe(16);
    const four = pages.slice(0, 4);
    const mappings = four.map((x) => mem.mapping[x]);
    const indices = four.map((x) => mem.index[x]);
    // One of them PG_referenced: unmapped file → FOLIOREF_RECLAIM_CLEAN, still freed when clean.
    mem.flags[four[1]] |= F(PG_referenced);
    const lists = isolated(k, four);
    const sc = new scan_control();
    const stat = new reclaim_stat();
    const age = pgdat.__lruvec.nonresident_age;
    const t0 = k.now_ns;
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(4);
    // RECLAIM_COST: 0.1 µs to check a page, 0.5 µs to free it — 4 × 0.6 µs of simulated time.
    expect(k.now_ns - t0).toBe(4 * 600);
    expect(lists[0]).toBe(NO_PFN);
    expect(sc.nr_scanned).toBe(4);
    for (const x of four) expect(mem._refcount[x]).toBe(0);
    // workingset_eviction ages the lruvec once per page it evicts.
    expect(pgdat.__lruvec.nonresident_age - age).toBe(4);
    expect(new Set(mappings).size).toBe(1);
    // __remove_mapping(…, reclaimed = true) of a file folio: workingset_eviction's shadow in the slot.
    const mapping = mapping_by_id(k, mappings[0])!;
    for (const i of indices) expect(xa_load_value(mapping.i_pages, i)).not.toBe(0);
  });

  it("keeps a file page someone else holds, and activates a dirty one whose mapping has no ->writepage", () => {
    const { k, pgdat, pages } = withFile(false);
    const mem = k.mem_map;
    const [held, dirty, nofs, nowrite] = pages;
    mem._refcount[held]++; // __remove_mapping's folio_ref_freeze(folio, 2) fails
    // Dirty, PG_reclaim, and not PG_referenced (read() marked them accessed): FOLIOREF_RECLAIM.
    for (const x of [dirty, nofs, nowrite]) mem.flags[x] = (mem.flags[x] & ~F(PG_referenced)) | F(PG_dirty) | F(PG_reclaim);
    const sc = new scan_control();
    sc.kswapd = true;
    sc.gfp_mask = GFP_KERNEL;
    pgdat.flags |= PGDAT_DIRTY; // kswapd may write it: PG_reclaim, PGDAT_DIRTY
    const stat = new reclaim_stat();
    let lists = isolated(k, [held, dirty]);
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    expect(mem.flags[held] & F(PG_active)).toBe(0); // keep_locked
    // pageout: `if (mapping->a_ops->writepage == NULL) return PAGE_ACTIVATE;` (the model's ext2
    // leaves dirty pages to the flushers).
    expect(mem.flags[dirty] & F(PG_active)).not.toBe(0);
    expect(stat.nr_activate).toEqual([0, 1]);
    expect(stat.nr_pageout).toBe(0);
    // may_enter_fs: without __GFP_FS a file page is kept; without may_writepage too.
    sc.gfp_mask = GFP_NOFS;
    lists = isolated(k, [nofs]);
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(mem.flags[nofs] & F(PG_active)).toBe(0);
    sc.gfp_mask = GFP_KERNEL;
    sc.may_writepage = false;
    lists = isolated(k, [nowrite]);
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(mem.flags[nowrite] & F(PG_active)).toBe(0);
    expect(stat.nr_activate).toEqual([0, 0]);
  });
});

/** A process with `n` anonymous pages written (young PTEs, dirty), on the inactive anon list. */
function anonPages(m: Machine, k: Kernel, n: number): number[] {
  const p = m.spawn({ comm: "a", image: null });
  const a = p.mmap(n * 4096);
  p.write(a, n * 4096);
  lru_add_drain(k);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
  return out;
}

describe("shrink_folio_list and anonymous pages", () => {
  it("keeps a once-referenced page, swaps it out on the next pass (kept under writeback), frees it on the third", () => {
    const { m, k, pgdat } = boot(true);
    const mem = k.mem_map;
    const pages = anonPages(m, k, 4);
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const stat = new reclaim_stat();
    // folio_check_references: one young PTE, no PG_referenced → FOLIOREF_KEEP, PG_referenced set.
    let lists = isolated(k, pages);
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    expect(stat.nr_ref_keep).toBe(4);
    for (const x of pages) expect(mem.flags[x] & (F(PG_referenced) | F(PG_active))).toBe(F(PG_referenced));
    move_folios_to_lru(k, lists, 0, 2);
    // Second pass: PTEs old, PG_referenced only → anon FOLIOREF_RECLAIM: add_to_swap, unmap,
    // pageout → swap_writepage: PAGE_SUCCESS under writeback, kept for now.
    const writes = pgdat.vm_stat[NR_VMSCAN_WRITE];
    lists = isolated(k, pages);
    const t0 = k.now_ns;
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    // RECLAIM_COST's "32 × 1.6 µs": check 0.1, unmap 0.5, build and submit the write 1.0 µs a page.
    expect(k.now_ns - t0).toBe(4 * 1600);
    expect(stat.nr_pageout).toBe(4);
    expect(stat.nr_ref_keep).toBe(0);
    expect(pgdat.vm_stat[NR_VMSCAN_WRITE] - writes).toBe(4);
    for (const x of pages) {
      expect(mem.mapcount[x]).toBe(0);
      expect(mem.flags[x] & F(PG_swapcache)).not.toBe(0);
      expect(mem.flags[x] & F(PG_active)).toBe(0);
    }
    for (const x of pages) expect(mem.flags[x] & (F(PG_writeback) | F(PG_reclaim))).toBe(F(PG_writeback) | F(PG_reclaim));
    move_folios_to_lru(k, lists, 0, 2);
    // The writes complete (folio_rotate_reclaimable's batch moves them to the tail; drain it).
    m.advance("50ms");
    lru_add_drain(k);
    // Third pass: clean, unmapped, in the swap cache: __remove_mapping takes it out of the cache
    // (leaving the workingset shadow in the slot) and it is freed.
    const free = k.nr_swap_pages;
    lists = isolated(k, pages);
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(4);
    for (const x of pages) expect(mem._refcount[x]).toBe(0);
    // The slots stay allocated: the process's swap PTEs hold them.
    expect(k.nr_swap_pages).toBe(free);
  });

  it("activates a page referenced twice, keeps one when it may not do I/O, and keeps a mapped one when it may not unmap", () => {
    const { m, k, pgdat } = boot(true);
    const mem = k.mem_map;
    const [twice, noio, nounmap] = anonPages(m, k, 3);
    mem.flags[twice] |= F(PG_referenced); // young PTE + PG_referenced → FOLIOREF_ACTIVATE
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const stat = new reclaim_stat();
    let lists = isolated(k, [twice]);
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(mem.flags[twice] & F(PG_active)).not.toBe(0);
    expect(stat.nr_activate).toEqual([1, 0]);
    // Old PTE, no PG_referenced: FOLIOREF_RECLAIM; GFP_NOIO → `if (!(sc->gfp_mask & __GFP_IO)) goto keep_locked`.
    mem.flags[noio] &= ~F(PG_referenced);
    folio_referenced(k, noio); // clears the young bit
    sc.gfp_mask = GFP_NOIO;
    lists = isolated(k, [noio]);
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(mem.flags[noio] & (F(PG_swapcache) | F(PG_active))).toBe(0);
    expect(mem.mapcount[noio]).toBe(1);
    // !sc->may_unmap && folio_mapped → keep_locked before anything else.
    sc.gfp_mask = GFP_KERNEL;
    sc.may_unmap = false;
    lists = isolated(k, [nounmap]);
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    expect(mem.flags[nounmap] & (F(PG_swapcache) | F(PG_active) | F(PG_referenced))).toBe(0);
    expect(stat.nr_ref_keep).toBe(0);
  });

  it("discards a clean MADV_FREE page (PGLAZYFREED) without swap", () => {
    const { m, k, pgdat } = boot(false);
    const mem = k.mem_map;
    const p = m.spawn({ comm: "l", image: null });
    const a = p.mmap(4 * 4096);
    p.write(a, 4 * 4096);
    lru_add_drain(k); // lru_lazyfree only moves pages already on an LRU
    const pages = [0, 1, 2, 3].map((i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
    p.madvise(a, 4 * 4096, "free");
    lru_add_drain(k);
    for (const x of pages) expect(mem.flags[x] & F(PG_swapbacked)).toBe(0);
    for (const x of pages) folio_referenced(k, x);
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const lazy = k.vm_events[PGLAZYFREED];
    const lists = isolated(k, pages);
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, new reclaim_stat())).toBe(4);
    expect(k.vm_events[PGLAZYFREED] - lazy).toBe(4);
  });
});


/** One turn of kswapd on the CPU, as the kthread scheduler gives it (on_cpu: not re-entered meanwhile). */
function turn(k: Kernel, t: NonNullable<pglist_data["kswapd"]>): void {
  t.on_cpu = true;
  try {
    t.run(k);
  } finally {
    t.on_cpu = false;
  }
}

/** Records kcompactd wakeups on the node instead of making them. */
function spyKcompactd(pgdat: pglist_data): Array<[number, number]> {
  const calls: Array<[number, number]> = [];
  const kc = pgdat.kcompactd;
  if (kc === null) throw new Error("no kcompactd");
  kc.wakeup = (_k: Kernel, order: number, idx: number) => void calls.push([order, idx]);
  kc.reset_isolation_suitable = () => void calls.push([-1, -1]);
  return calls;
}

/** Holds every managed zone of the node below its high watermark (free pages 0) until `restore`. */
function starve(pgdat: pglist_data): () => void {
  const saved = pgdat.node_zones.map((z) => z.vm_stat[NR_FREE_PAGES]);
  for (const z of pgdat.node_zones) z.vm_stat[NR_FREE_PAGES] = 0;
  return () => pgdat.node_zones.forEach((z, i) => (z.vm_stat[NR_FREE_PAGES] = saved[i]));
}

describe("wakeup_kswapd", () => {
  it("records the highest zone and order asked for, and wakes kswapd only for an unbalanced node", () => {
    const { m, k, pgdat } = boot(false);
    const t = pgdat.kswapd!;
    const calls = spyKcompactd(pgdat);
    const woke: string[] = [];
    m.trace.on("mm_vmscan_wakeup_kswapd", (e) => void woke.push(`${e.message} ${JSON.stringify(e.fields)}`));
    const dma32 = pgdat.node_zones[1];
    const empty = pgdat.node_zones.find((z) => !z.managed_zone())!;
    expect(t.is_running()).toBe(false);
    // `if (!managed_zone(zone)) return;` before anything is recorded.
    wakeup_kswapd(k, empty, GFP_KERNEL, 3, 2);
    expect(pgdat.kswapd_order).toBe(0);
    expect(pgdat.kswapd_highest_zoneidx).toBe(MAX_NR_ZONES); // nothing asked yet
    // Balanced and unboosted: recorded, no wakeup; kcompactd only for a request that may not
    // compact itself (no __GFP_DIRECT_RECLAIM).
    wakeup_kswapd(k, dma32, GFP_KERNEL, 2, 1);
    expect(pgdat.kswapd_order).toBe(2);
    expect(pgdat.kswapd_highest_zoneidx).toBe(1);
    expect(calls).toEqual([]);
    wakeup_kswapd(k, dma32, GFP_NOWAIT, 1, 0);
    expect(calls).toEqual([[1, 0]]);
    // A lower zone or order does not lower what was asked (curr_idx < highest_zoneidx; kswapd_order < order).
    expect(pgdat.kswapd_order).toBe(2);
    expect(pgdat.kswapd_highest_zoneidx).toBe(1);
    wakeup_kswapd(k, dma32, GFP_NOWAIT, 2, 2);
    expect(pgdat.kswapd_highest_zoneidx).toBe(2);
    expect(woke).toEqual([]);
    expect(t.is_running()).toBe(false);
    // Boosted: woken though balanced.
    dma32.watermark_boost = 1;
    expect(pgdat_balanced(k, pgdat, 0, 1)).toBe(true);
    wakeup_kswapd(k, dma32, GFP_KERNEL, 0, 1);
    expect(t.is_running()).toBe(true);
    expect(woke).toEqual(['nid=0 order=0 gfp_flags=GFP_KERNEL {"nid":0,"zid":1,"order":0,"gfp_flags":"GFP_KERNEL"}']);
    // Already runnable (!waitqueue_active): recorded, not woken again.
    wakeup_kswapd(k, dma32, GFP_KERNEL, 5, 1);
    expect(pgdat.kswapd_order).toBe(5);
    expect(woke.length).toBe(1);
    dma32.watermark_boost = 0;
  });

  it("traces the allocation's highest_zoneidx as zid, not the index of the zone it was called for", () => {
    const { m, k, pgdat } = boot(false);
    const zids: unknown[] = [];
    m.trace.on("mm_vmscan_wakeup_kswapd", (e) => void zids.push(e.fields.zid));
    const restore = starve(pgdat);
    // wake_all_kswapds: wakeup_kswapd(zone, gfp_mask, order, ac->highest_zoneidx), here a
    // GFP_KERNEL allocation (ZONE_NORMAL) that met DMA32 first: trace_mm_vmscan_wakeup_kswapd(
    // pgdat->node_id, highest_zoneidx, order, gfp_flags).
    wakeup_kswapd(k, pgdat.node_zones[1], GFP_KERNEL, 0, 2);
    expect(zids).toEqual([2]);
    restore();
  });

  it("wakes kswapd for a node below its high watermarks, unless it has failed MAX_RECLAIM_RETRIES times", () => {
    const { m, k, pgdat } = boot(false);
    const t = pgdat.kswapd!;
    const calls = spyKcompactd(pgdat);
    let woke = 0;
    m.trace.on("mm_vmscan_wakeup_kswapd", () => void woke++);
    const restore = starve(pgdat);
    pgdat.kswapd_failures = MAX_RECLAIM_RETRIES;
    wakeup_kswapd(k, pgdat.node_zones[1], GFP_KERNEL, 0, 1);
    expect(woke).toBe(0);
    expect(calls).toEqual([]); // __GFP_DIRECT_RECLAIM: no kcompactd
    wakeup_kswapd(k, pgdat.node_zones[1], GFP_KERNEL & ~__GFP_DIRECT_RECLAIM, 0, 1);
    expect(calls).toEqual([[0, 1]]);
    expect(t.is_running()).toBe(false);
    pgdat.kswapd_failures = MAX_RECLAIM_RETRIES - 1;
    wakeup_kswapd(k, pgdat.node_zones[1], GFP_KERNEL, 0, 1);
    expect(woke).toBe(1);
    expect(t.is_running()).toBe(true);
    restore();
  });
});

describe("kswapd's turns", () => {
  it("balances nothing on a balanced node, naps HZ/10, then sleeps; a wakeup during the nap counts low_wmark_hit_quickly", () => {
    const { m, k, pgdat } = boot(false);
    const t = pgdat.kswapd!;
    const calls = spyKcompactd(pgdat);
    const seen: string[] = [];
    for (const ev of ["mm_vmscan_kswapd_wake", "mm_vmscan_kswapd_sleep"]) m.trace.on(ev, (e) => void seen.push(`${ev} ${e.message} ${JSON.stringify(e.fields)}`));
    expect(t.next_ns(k)).toBe(Infinity);
    pgdat.kswapd_order = 3;
    pgdat.kswapd_highest_zoneidx = 1;
    pgdat.flags |= PGDAT_DIRTY | PGDAT_WRITEBACK;
    pgdat.__lruvec.flags |= LRUVEC_CONGESTED;
    const runs = k.vm_events[PAGEOUTRUN];
    t.wake(k);
    expect(t.next_ns(k)).toBe(k.now_ns);
    turn(k, t);
    expect(k.vm_events[PAGEOUTRUN] - runs).toBe(1);
    // What it was woken for is taken and reset (kswapd(): kswapd_order = 0, highest = MAX_NR_ZONES).
    expect(pgdat.kswapd_order).toBe(0);
    expect(pgdat.kswapd_highest_zoneidx).toBe(MAX_NR_ZONES);
    expect(t.highest_zoneidx).toBe(1);
    // trace_mm_vmscan_kswapd_wake(pgdat->node_id, highest_zoneidx, alloc_order)
    expect(seen).toEqual(['mm_vmscan_kswapd_wake nid=0 order=3 {"nid":0,"zid":1,"order":3}']);
    // prepare_kswapd_sleep on a balanced node clears the congestion flags.
    expect(pgdat.flags & (PGDAT_DIRTY | PGDAT_WRITEBACK)).toBe(0);
    expect(pgdat.__lruvec.flags & LRUVEC_CONGESTED).toBe(0);
    // kswapd_try_to_sleep: reset_isolation_suitable and wakeup_kcompactd(pgdat, alloc_order, highest_zoneidx) before the HZ/10 nap.
    expect(calls).toEqual([[-1, -1], [3, 1]]);
    expect(t.is_running()).toBe(false);
    expect(t.next_ns(k)).toBe(k.now_ns + 25 * JIFFY);
    // A wakeup while napping: KSWAPD_LOW_WMARK_HIT_QUICKLY.
    const low = k.vm_events[KSWAPD_LOW_WMARK_HIT_QUICKLY];
    t.wake(k);
    expect(k.vm_events[KSWAPD_LOW_WMARK_HIT_QUICKLY] - low).toBe(1);
    turn(k, t);
    // The nap ends balanced: schedule() for real, with the sleep tracepoint.
    seen.length = 0;
    k.now_ns = t.next_ns(k);
    turn(k, t);
    expect(seen).toEqual(['mm_vmscan_kswapd_sleep nid=0 {"nid":0}']);
    expect(t.next_ns(k)).toBe(Infinity);
    // Asleep, a wakeup is not "quickly".
    t.wake(k);
    expect(k.vm_events[KSWAPD_LOW_WMARK_HIT_QUICKLY] - low).toBe(1);
  });

  it("asks for the CPU at once when woken only if it has not had more than its share (fair_at)", () => {
    const { k, pgdat } = boot(false);
    const t = pgdat.kswapd!;
    k.need_resched = false;
    t.fair_at = k.now_ns + 1;
    t.wake(k);
    expect(k.need_resched).toBe(false);
    expect(t.next_ns(k)).toBe(k.now_ns + 1);
    t.fair_at = k.now_ns;
    t.wake(k);
    expect(k.need_resched).toBe(true);
    expect(t.next_ns(k)).toBe(k.now_ns);
    t.on_cpu = true;
    expect(t.is_running()).toBe(true);
  });

  it("counts high_wmark_hit_quickly when a nap ends unbalanced, and stays runnable", () => {
    const { k, pgdat } = boot(false);
    const t = pgdat.kswapd!;
    spyKcompactd(pgdat);
    t.wake(k);
    turn(k, t); // balanced: napping
    const restore = starve(pgdat);
    const high = k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY];
    k.now_ns = t.next_ns(k);
    turn(k, t);
    expect(k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY] - high).toBeGreaterThanOrEqual(1);
    expect(t.is_running()).toBe(true);
    restore();
  });
});


const ac = (k: Kernel) => ({ zonelist: k.node_data[0].node_zonelists, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: 0, highest_zoneidx: 2, spread_dirty_pages: false });

describe("try_to_free_pages", () => {
  it("reclaims clean file pages as the allocating task: allocstall, pgscan/pgsteal_direct and _file, PF_MEMALLOC, the begin/end tracepoints", () => {
    const { m, k, pgdat } = withFile(false);
    const seen: string[] = [];
    let memalloc = 0;
    m.trace.on("mm_vmscan_direct_reclaim_begin", (e) => void seen.push(`begin ${e.message} ${JSON.stringify(e.fields)}`));
    m.trace.on("mm_vmscan_direct_reclaim_end", (e) => void seen.push(`end ${e.message} ${JSON.stringify(e.fields)}`));
    m.trace.on("mm_vmscan_lru_isolate", () => void (memalloc |= reclaim_current_flags(k)));
    const ev = [...k.vm_events];
    const got = try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    // do_try_to_free_pages stops once nr_reclaimed >= nr_to_reclaim (SWAP_CLUSTER_MAX).
    expect(got).toBeGreaterThanOrEqual(SWAP_CLUSTER_MAX);
    expect(seen).toEqual(['begin order=0 gfp_flags=GFP_KERNEL {"order":0,"gfp_flags":"GFP_KERNEL"}', `end nr_reclaimed=${got} {"nr_reclaimed":${got}}`]);
    expect(memalloc).toBe(PF_MEMALLOC);
    expect(reclaim_current_flags(k)).toBe(0);
    const d = (i: number): number => k.vm_events[i] - ev[i];
    expect(d(ALLOCSTALL_NORMAL)).toBe(1); // gfp_zone(GFP_KERNEL) = ZONE_NORMAL
    expect(d(ALLOCSTALL_DMA)).toBe(0);
    expect(d(PGSTEAL_DIRECT)).toBe(got);
    expect(d(PGSTEAL_FILE)).toBe(got);
    expect(d(PGSTEAL_ANON)).toBe(0);
    expect(d(PGSTEAL_KSWAPD)).toBe(0);
    expect(d(PGSCAN_DIRECT)).toBe(d(PGSCAN_FILE));
    expect(d(PGSCAN_DIRECT)).toBeGreaterThanOrEqual(got);
    expect(d(PGSCAN_KSWAPD)).toBe(0);
    expect(d(PGSCAN_ANON)).toBe(0);
    expect(pgdat.vm_stat[NR_ISOLATED_ANON]).toBe(0);
    expect(pgdat.vm_stat[NR_ISOLATED_ANON + 1]).toBe(0);
    // A ZONE_DMA request counts ALLOCSTALL_DMA (count_vm_event(ALLOCSTALL_NORMAL - ZONE_NORMAL + sc->reclaim_idx)).
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL | __GFP_DMA);
    expect(d(ALLOCSTALL_DMA)).toBe(1);
    expect(d(ALLOCSTALL_NORMAL)).toBe(1);
  });

  it("scans from DEF_PRIORITY down to 0 when nothing can be freed, the isolate trace naming each priority's target", () => {
    const { m, k } = boot(false);
    const priorities = new Set<number>();
    m.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void priorities.add(Number(e.fields.priority)));
    const file = k.node_data[0].__lruvec;
    void file;
    // No swap: anon is never scanned (SCAN_FILE); the boot's file cache cannot all be dropped at once.
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    expect(Math.max(...priorities)).toBeLessThanOrEqual(DEF_PRIORITY);
  });
});

describe("balance_pgdat's boost reclaim", () => {
  it("reclaims a watermark boost without swap, clears the boost and wakes kcompactd for a pageblock", () => {
    // 32 MiB of file: 8192 pages, so DEF_PRIORITY's first pass scans some (8192 >> 12 = 2 per list
    // and round); boosted reclaim stops at the first pass that frees nothing.
    const { m, k, pgdat } = withFile(true, 32);
    const calls = spyKcompactd(pgdat);
    anonPages(m, k, 256);
    const dma32 = pgdat.node_zones[1];
    dma32.watermark_boost = 64;
    const ev = [...k.vm_events];
    const t = pgdat.kswapd!;
    pgdat.kswapd_highest_zoneidx = 1;
    const priorities: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void priorities.push(Number(e.fields.priority)));
    t.wake(k);
    turn(k, t);
    const d = (i: number): number => k.vm_events[i] - ev[i];
    expect(d(PAGEOUTRUN)).toBe(1);
    // balance_pgdat: boosted reclaim runs with may_swap = may_writepage = false: file only.
    expect(d(PGSTEAL_KSWAPD)).toBeGreaterThan(0);
    expect(d(PGSCAN_ANON)).toBe(0);
    expect(d(PSWPOUT)).toBe(0);
    expect(dma32.watermark_boost).toBe(0);
    // "Limit the priority of boosting to avoid reclaim writeback": from DEF_PRIORITY - 2 on,
    // raise_priority = false while boosted, so the passes stay at 10 until the boost is met.
    expect(Math.min(...priorities)).toBe(DEF_PRIORITY - 2);
    expect(priorities.filter((x) => x === DEF_PRIORITY - 2).length).toBeGreaterThan(1);
    // wakeup_kcompactd(pgdat, pageblock_order, highest_zoneidx) after a boosted run.
    expect(calls[0]).toEqual([9, 1]);
  });
});

describe("memcg reclaim (try_to_free_mem_cgroup_pages)", () => {
  /** Group /g with a process whose `n` anonymous pages are charged to it, `active` of them on the active list. */
  function group(n: number, active: number) {
    const { m, k, pgdat } = boot(true);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(n * 4096);
    p.write(a, n * 4096);
    lru_add_drain(k);
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    const pages: number[] = [];
    for (let i = 0; i < n; i++) pages.push(follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
    const lists = isolated(k, pages.slice(0, active));
    for (const x of pages.slice(0, active)) k.mem_map.flags[x] |= F(PG_active);
    move_folios_to_lru(k, lists, 0, 2);
    return { m, k, pgdat, memcg, pages };
  }
  const stat = (m: Machine): Record<string, number> => Object.fromEntries(m.read("/sys/fs/cgroup/g/memory.stat").trim().split("\n").map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));

  it("counts pgscan, pgsteal, pgrefill and pgdeactivate to the group; of the global events only pgdeactivate", () => {
    // 6.1: shrink_inactive_list counts PGSCAN_*/PGSTEAL_* globally only `if (!cgroup_reclaim(sc))`,
    // shrink_active_list PGREFILL the same way; PGDEACTIVATE is counted globally always. The
    // memcg's own events are counted in every case.
    const { m, k, memcg, pages } = group(512, 300);
    const ev = [...k.vm_events];
    const before = stat(m);
    const msgs: string[] = [];
    for (const e of ["mm_vmscan_lru_shrink_inactive", "mm_vmscan_lru_shrink_active"]) k.trace.on(e, (r) => void msgs.push(`${e} ${r.message}`));
    const got = try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    // The group has anon pages only: show_reclaim_flags gives RECLAIM_WB_ANON|RECLAIM_WB_ASYNC.
    expect(msgs.some((x) => x.startsWith("mm_vmscan_lru_shrink_inactive nid=0 "))).toBe(true);
    expect(msgs.some((x) => x.startsWith("mm_vmscan_lru_shrink_active nid=0 "))).toBe(true);
    for (const x of msgs) expect(x.endsWith(" flags=RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"), x).toBe(true);
    const after = stat(m);
    const d = (i: number): number => k.vm_events[i] - ev[i];
    expect(after.pgrefill - before.pgrefill).toBeGreaterThan(0);
    expect(after.pgdeactivate - before.pgdeactivate).toBeGreaterThan(0);
    expect(d(PGDEACTIVATE)).toBe(after.pgdeactivate - before.pgdeactivate);
    expect(d(PGREFILL)).toBe(0);
    expect(d(PGSCAN_DIRECT)).toBe(0);
    expect(d(PGSTEAL_DIRECT)).toBe(0);
    expect(d(ALLOCSTALL_NORMAL)).toBe(0); // do_try_to_free_pages counts allocstall only for global reclaim
    expect(after.pgscan - before.pgscan).toBeGreaterThan(0);
    expect(after.pgsteal - before.pgsteal).toBe(got);
    // PGSCAN_ANON / PGSTEAL_ANON are counted in both (count_vm_events(PGSCAN_ANON + file, …)).
    expect(d(PGSCAN_ANON)).toBe(after.pgscan - before.pgscan);
    expect(d(PGSTEAL_ANON)).toBe(got);
    expect(pages.length).toBe(512);
  });
});

describe("prepare_scan_count and the retry in do_try_to_free_pages", () => {
  it("trims only the file cache while its inactive list is large and nothing refaults (cache_trim_mode), and scans anon once file refaults", () => {
    const { m, k, pgdat } = withFile(true, 32);
    anonPages(m, k, 2048);
    let ev = [...k.vm_events];
    const d = (i: number): number => k.vm_events[i] - ev[i];
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    // file >> priority && !(may_deactivate & DEACTIVATE_FILE): SCAN_FILE though swap has room.
    expect(d(PGSCAN_FILE)).toBeGreaterThan(0);
    expect(d(PGSCAN_ANON)).toBe(0);
    // A file refault since the last snapshot (refaults != target_lruvec->refaults[WORKINGSET_FILE])
    // lets the active file list be deactivated: no cache_trim_mode, SCAN_FRACT scans anon too.
    pgdat.vm_stat[WORKINGSET_ACTIVATE_FILE] += 1;
    ev = [...k.vm_events];
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    expect(d(PGSCAN_ANON)).toBeGreaterThan(0);
    // snapshot_refaults took the new count: the next pass is back in cache_trim_mode.
    ev = [...k.vm_events];
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    expect(d(PGSCAN_ANON)).toBe(0);
  });

  it("scans only anon when file and free pages are within the high watermarks (file_is_tiny)", () => {
    const { m, k, pgdat } = boot(true);
    anonPages(m, k, 4096);
    const total_high = pgdat.node_zones.filter((z) => z.managed_zone()).reduce((s, z) => s + high_wmark_pages(z), 0);
    const file = pgdat.vm_stat[NR_INACTIVE_FILE] + pgdat.vm_stat[NR_ACTIVE_FILE];
    expect(file).toBeLessThan(total_high);
    const restore = starve(pgdat);
    const ev = [...k.vm_events];
    const d = (i: number): number => k.vm_events[i] - ev[i];
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    restore();
    expect(d(PGSCAN_ANON)).toBeGreaterThan(0);
    expect(d(PGSCAN_FILE)).toBe(0);
  });

  it("retries once with force_deactivate when a pass freed nothing and skipped the active lists (two allocstalls)", () => {
    const { k, pgdat } = boot(false);
    // Unfreeable file pages (no mapping: __remove_mapping fails), more inactive than active so the
    // active list is not deactivated on the first pass (inactive_is_low false) …
    // (12 MiB in all: more would wake kswapd, which deactivates them first.)
    for (let i = 0; i < 1024; i++) lruPage(k, F(PG_active));
    for (let i = 0; i < 2048; i++) lruPage(k, 0);
    // … and no refaults since the last snapshot (snapshot_refaults' values).
    pgdat.__lruvec.refaults[0] = pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON];
    pgdat.__lruvec.refaults[1] = pgdat.vm_stat[WORKINGSET_ACTIVATE_FILE];
    const ev = [...k.vm_events];
    const d = (i: number): number => k.vm_events[i] - ev[i];
    const refills: number[] = [];
    const stallsAt: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_active", () => void (refills.push(d(PGREFILL)), stallsAt.push(d(ALLOCSTALL_NORMAL))));
    const inactiveMsgs: string[] = [];
    const activeMsgs: string[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void inactiveMsgs.push(e.message));
    k.trace.on("mm_vmscan_lru_shrink_active", (e) => void activeMsgs.push(e.message));
    expect(try_to_free_pages(k, ac(k), 0, GFP_KERNEL)).toBe(0);
    // do_try_to_free_pages: `if (sc->skipped_deactivate) { sc->priority = initial_priority;
    // sc->force_deactivate = 1; sc->skipped_deactivate = 0; goto retry; }`, and retry: counts
    // ALLOCSTALL again. The active list is scanned only in the second round.
    expect(d(ALLOCSTALL_NORMAL)).toBe(2);
    expect(refills.length).toBeGreaterThan(0);
    expect(stallsAt.every((n) => n === 2)).toBe(true);
    expect(d(PGDEACTIVATE)).toBe(d(PGREFILL));
    // The two tracepoints' TP_printk, with show_reclaim_flags of a file list; the first inactive
    // scan is priority 11's (2048 >> 12 = 0, 2048 >> 11 = 1).
    expect(inactiveMsgs[0], inactiveMsgs[0]).toMatch(
      /^nid=0 nr_scanned=[1-9]\d* nr_reclaimed=0 nr_dirty=0 nr_writeback=0 nr_congested=0 nr_immediate=0 nr_activate_anon=0 nr_activate_file=0 nr_ref_keep=0 nr_unmap_fail=0 priority=11 flags=RECLAIM_WB_FILE\|RECLAIM_WB_ASYNC$/,
    );
    expect(activeMsgs[0]).toMatch(/^nid=0 nr_taken=([1-9]\d*) nr_active=0 nr_deactivated=\1 nr_referenced=0 priority=\d+ flags=RECLAIM_WB_FILE\|RECLAIM_WB_ASYNC$/);
  });
});

describe("shrink_node's verdicts on dirty and writeback pages", () => {
  /** `n` file pages at the tail of the inactive file list with these flags (reclaim meets them first). */
  function atTail(k: Kernel, n: number, flags: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const pfn = page(k, flags | F(PG_lru));
      lruvec_add_folio_tail(k, pfn);
      out.push(pfn);
    }
    return out;
  }

  /** pgdat->flags as each shrink_inactive_list ends: [i] shows what the shrink_node before it decided. */
  function flagsSeen(k: Kernel, pgdat: pglist_data): number[] {
    const seen: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void seen.push(pgdat.flags));
    return seen;
  }

  it("kswapd marks the node PGDAT_WRITEBACK and its lruvec congested when all it took was under writeback, then waits on its own", () => {
    const { k, pgdat } = boot(false);
    spyKcompactd(pgdat);
    atTail(k, 4096, F(PG_writeback) | F(PG_reclaim)); // 4096: priority 12 already scans one
    const restore = starve(pgdat);
    pgdat.kswapd_order = 2;
    const high = k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY];
    pgdat.flags = 0;
    const seen = flagsSeen(k, pgdat);
    const congested: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void congested.push(pgdat.__lruvec.flags & LRUVEC_CONGESTED));
    const t = pgdat.kswapd!;
    t.wake(k);
    const t0 = k.now_ns;
    turn(k, t);
    restore();
    // The first shrink_node (priority 12: size >> 12 of the file list) took only writeback pages.
    // current_is_kswapd(): nr.writeback == nr.taken → PGDAT_WRITEBACK; nr.unqueued_dirty (0) !=
    // nr.file_taken (2) → no PGDAT_DIRTY; nr.dirty == nr.congested → LRUVEC_CONGESTED.
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[0] & (PGDAT_WRITEBACK | PGDAT_DIRTY)).toBe(0);
    expect(seen[1] & (PGDAT_WRITEBACK | PGDAT_DIRTY)).toBe(PGDAT_WRITEBACK);
    expect(congested[0]).toBe(0);
    expect(congested[1]).toBe(LRUVEC_CONGESTED);
    // The next pass meets PG_reclaim pages with the node PGDAT_WRITEBACK: nr_immediate, and
    // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) sleeps HZ/10 (nothing is being written).
    expect(k.now_ns - t0).toBeGreaterThanOrEqual(25 * JIFFY);
    // That was past kswapd's slice (KSWAPD_SLICE_NS): preempted, it stays runnable and gets the
    // CPU back once the task has had as long (CFS's fair share), still owing the order it was woken for.
    expect(t.is_running()).toBe(true);
    expect(t.next_ns(k) - k.now_ns).toBe(k.now_ns - t0);
    expect(pgdat.kswapd_order).toBe(2);
    expect(k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY]).toBe(high);
  });

  it("kswapd marks the node PGDAT_DIRTY when every file page it took was dirty and not queued for writeback", () => {
    const { k, pgdat } = boot(false);
    spyKcompactd(pgdat);
    atTail(k, 4096, F(PG_dirty));
    const restore = starve(pgdat);
    pgdat.flags = 0;
    const seen = flagsSeen(k, pgdat);
    const congested: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void congested.push(pgdat.__lruvec.flags & LRUVEC_CONGESTED));
    const t = pgdat.kswapd!;
    t.wake(k);
    turn(k, t);
    restore();
    expect(seen[1] & (PGDAT_WRITEBACK | PGDAT_DIRTY)).toBe(PGDAT_DIRTY);
    // Dirty but none congested (nr.congested counts writeback + PG_reclaim): not congested.
    expect(congested[1]).toBe(0);
  });

  it("direct reclaim on a congested lruvec sleeps a jiffy when much of what is reclaimable waits for writeback", () => {
    const run = (pending: boolean): number => {
      const { k, pgdat } = boot(false);
      pgdat.__lruvec.flags |= LRUVEC_CONGESTED;
      const reclaimable = pgdat.node_zones.filter((x) => x.managed_zone()).reduce((s, x) => s + zone_reclaimable_pages(k, x), 0);
      if (pending) pgdat.node_zones[1].vm_stat[NR_ZONE_WRITE_PENDING] = reclaimable;
      const t0 = k.now_ns;
      try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
      return k.now_ns - t0;
    };
    // Each shrink_node of a direct reclaimer: `if (!current_is_kswapd() && … test_bit(LRUVEC_CONGESTED))
    // reclaim_throttle(pgdat, VMSCAN_THROTTLE_CONGESTED)`: one jiffy each unless skip_throttle_noprogress.
    expect(run(true) - run(false)).toBeGreaterThanOrEqual(JIFFY);
  });
});

describe("get_scan_count's memory.min/memory.low scaling of a protected memcg", () => {
  /**
   * mm/vmscan.c get_scan_count, 6.1, for a memcg with min or low protection:
   *   if (!sc->memcg_low_reclaim && low > min) { protection = low; sc->memcg_low_skipped = 1; }
   *   else protection = min;
   *   cgroup_size = max(cgroup_size, protection);
   *   scan = lruvec_size - lruvec_size * protection / (cgroup_size + 1);
   *   scan = max(scan, SWAP_CLUSTER_MAX);
   * then scan >>= sc->priority (priority 0 here, with swappiness: SCAN_EQUAL leaves it as is).
   */
  function kernelScan(size: number, usage: number, min: number, low: number, lowReclaim: boolean): number {
    const protection = !lowReclaim && low > min ? low : min;
    const cgroup_size = Math.max(usage, protection);
    return Math.max(size - Math.floor((size * protection) / (cgroup_size + 1)), SWAP_CLUSTER_MAX);
  }

  function setup(min: string, low: string) {
    const { m, k, pgdat } = boot(true);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    m.write("/sys/fs/cgroup/g/memory.min", min);
    m.write("/sys/fs/cgroup/g/memory.low", low);
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(4096 * 4096);
    p.write(a, 4096 * 4096);
    lru_add_drain(k);
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    mem_cgroup_calculate_protection(k, null, memcg);
    const lv = memcg.nodeinfo[0];
    const size = (lru: number): number => lv.lru_zone_size[1 * NR_LRU_LISTS + lru] + lv.lru_zone_size[0 * NR_LRU_LISTS + lru];
    const usage = Number(m.read("/sys/fs/cgroup/g/memory.current")) / 4096;
    return { k, pgdat, memcg, lv, size, usage };
  }

  it("scans a group above its memory.low in proportion to its excess, and notes the low protection it applied", () => {
    const { k, pgdat, lv, size, usage } = setup("0", "8M");
    const low = 2048;
    expect(usage).toBeGreaterThan(low);
    const sc = new scan_control();
    sc.reclaim_idx = 1;
    sc.priority = 0;
    const nr = new Float64Array(NR_LRU_LISTS);
    get_scan_count(k, lv, pgdat, sc, nr);
    for (const lru of [LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE]) expect(nr[lru], `lru ${lru}`).toBe(kernelScan(size(lru), usage, 0, low, false));
    expect(nr[LRU_INACTIVE_ANON]).toBeGreaterThan(SWAP_CLUSTER_MAX);
    expect(nr[LRU_INACTIVE_ANON]).toBeLessThan(size(LRU_INACTIVE_ANON));
    expect(sc.memcg_low_skipped).toBe(true);
    // The pass that may reclaim below low (memcg_low_reclaim) uses min: all of it.
    sc.memcg_low_skipped = false;
    sc.memcg_low_reclaim = true;
    get_scan_count(k, lv, pgdat, sc, nr);
    expect(nr[LRU_INACTIVE_ANON]).toBe(size(LRU_INACTIVE_ANON));
    expect(nr[LRU_ACTIVE_FILE]).toBe(SWAP_CLUSTER_MAX); // an empty list still gets SWAP_CLUSTER_MAX
    expect(sc.memcg_low_skipped).toBe(false);
  });

  it("scales by memory.min against the group's usage, not its larger memory.low, in the low-reclaim pass", () => {
    const { k, pgdat, lv, size, usage } = setup("4M", "64M");
    const min = 1024;
    const low = 16384;
    expect(usage).toBeGreaterThan(min);
    expect(usage).toBeLessThan(low);
    const sc = new scan_control();
    sc.reclaim_idx = 1;
    sc.priority = 0;
    sc.memcg_low_reclaim = true;
    const nr = new Float64Array(NR_LRU_LISTS);
    get_scan_count(k, lv, pgdat, sc, nr);
    expect(nr[LRU_INACTIVE_ANON]).toBe(kernelScan(size(LRU_INACTIVE_ANON), usage, min, low, true));
  });
});

describe("shrink_node_memcgs: memory.min and memory.low", () => {
  /** /p/a with the given protection and 1024 anonymous pages of a process in it. */
  function nested(file: "memory.min" | "memory.low", value: string) {
    const { m, k } = boot(true);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/p");
    m.write("/sys/fs/cgroup/p/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/p/a");
    m.write(`/sys/fs/cgroup/p/a/${file}`, value);
    const proc = m.spawn({ comm: "a", cgroup: "/p/a", image: null });
    const addr = proc.mmap(1024 * 4096);
    proc.write(addr, 1024 * 4096);
    lru_add_drain(k);
    const p = cgroup_lookup(k, ["p"])!.memcg!;
    const kv = (f: string): Record<string, number> => Object.fromEntries(m.read(`/sys/fs/cgroup/p/a/${f}`).trim().split("\n").map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));
    return { m, k, p, kv };
  }

  it("skips a group below its memory.low, then reclaims it in the retry when nothing else was freed, counting a low event", () => {
    const { k, p, kv } = nested("memory.low", "64M");
    const passes: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void passes.push(kv("memory.events").low));
    const got = try_to_free_mem_cgroup_pages(k, p, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    // The first round (sc->memcg_low_reclaim 0) skipped /p/a and set memcg_low_skipped; /p has no
    // pages of its own, so do_try_to_free_pages retried with memcg_low_reclaim = 1, which reclaims
    // /p/a after memcg_memory_event(memcg, MEMCG_LOW) — before any of its lists is scanned.
    expect(passes.length).toBeGreaterThan(0);
    expect(passes[0]).toBeGreaterThanOrEqual(1);
    expect(kv("memory.events").low).toBeGreaterThanOrEqual(1);
    expect(kv("memory.stat").pgscan).toBeGreaterThan(0);
    expect(got).toBe(kv("memory.stat").pgsteal);
  });

  it("never reclaims a group below its memory.min", () => {
    const { k, p, kv } = nested("memory.min", "64M");
    expect(try_to_free_mem_cgroup_pages(k, p, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP)).toBe(0);
    expect(kv("memory.stat").pgscan).toBe(0);
    expect(kv("memory.events").low).toBe(0);
  });

  it("scans no anon without MEMCG_RECLAIM_MAY_SWAP (sc.may_swap = 0: get_scan_count's SCAN_FILE)", () => {
    const { k, p, kv } = nested("memory.low", "0");
    expect(try_to_free_mem_cgroup_pages(k, p, 32, GFP_KERNEL, 0)).toBe(0);
    expect(kv("memory.stat").pgscan).toBe(0);
    // With it, the group's anon is scanned.
    try_to_free_mem_cgroup_pages(k, p, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    expect(kv("memory.stat").pgscan).toBeGreaterThan(0);
  });
});

describe("reclaim_pages (MADV_PAGEOUT)", () => {
  it("reclaims the isolated pages deactivated, returns what it freed and puts the rest back through the lru_add batch", () => {
    const { m, k, pages } = withFile(true);
    const mem = k.mem_map;
    const [f1, f2] = pages;
    const [anon] = anonPages(m, k, 1);
    folio_referenced(k, anon); // PTE old: FOLIOREF_RECLAIM, so it goes to swap
    const stuck = lruPage(k, 0); // no mapping: __remove_mapping fails, kept
    for (const x of [f1, f2]) mem.flags[x] &= ~F(PG_referenced);
    const lists = isolated(k, [f1, anon, stuck, f2]);
    // Active when isolated (madvise_cold_or_pageout_pte_range isolates active pages too):
    // reclaim_pages' folio_clear_active puts them through shrink_folio_list as inactive.
    for (const x of [anon, stuck]) mem.flags[x] |= F(PG_active);
    const depth = k.reclaim_depth;
    expect(reclaim_pages(k, lists, 0)).toBe(2);
    expect(lists[0]).toBe(NO_PFN);
    expect(k.reclaim_depth).toBe(depth);
    expect(mem._refcount[f1]).toBe(0);
    expect(mem._refcount[f2]).toBe(0);
    // The anonymous page was added to swap and written; under writeback it stays.
    expect(mem.flags[anon] & (F(PG_swapcache) | F(PG_active))).toBe(F(PG_swapcache));
    // folio_putback_lru: back on its (inactive) list once the batch drains, our reference gone.
    lru_add_drain(k);
    expect(mem.flags[stuck] & (F(PG_lru) | F(PG_active))).toBe(F(PG_lru));
    expect(mem._refcount[stuck]).toBe(1);
    expect(mem.flags[anon] & F(PG_lru)).not.toBe(0);
  });

  it("is PF_MEMALLOC while it works (memalloc_noreclaim_save)", () => {
    const { k, pages } = withFile(false);
    const lists = isolated(k, pages.slice(0, 1));
    let flags = -1;
    const spy = { irq: true, on_cpu: false, comm: "spy", pid: 0, next_ns: () => (flags < 0 ? k.now_ns : Infinity), run: () => void (flags = reclaim_current_flags(k)) };
    k.kthreads.push(spy as never);
    reclaim_pages(k, lists, 0);
    k.kthreads.splice(k.kthreads.indexOf(spy as never), 1);
    expect(flags).toBe(PF_MEMALLOC);
  });
});

describe("too_many_isolated", () => {
  /** Direct reclaim of the file cache with NR_ISOLATED_FILE set to `isolated(inactive file)`. */
  function run(gfp: number, isolated: (inactive: number) => number) {
    const { k, pgdat } = withFile(false, 16);
    const inactive = pgdat.vm_stat[NR_INACTIVE_FILE];
    pgdat.vm_stat[NR_ISOLATED_ANON + 1] = isolated(inactive);
    const ev = [...k.vm_events];
    const t0 = k.now_ns;
    const slab = k.slab.reclaimed_slab;
    const got = try_to_free_pages(k, ac(k), 0, gfp);
    // PGSCAN_DIRECT: kswapd may run while the reclaimer sleeps. (No swap: file pages only.)
    return { got, scanned: k.vm_events[PGSCAN_DIRECT] - ev[PGSCAN_DIRECT], ns: k.now_ns - t0, slab: k.slab.reclaimed_slab - slab };
  }

  it("stalls a direct reclaimer HZ/50 once, then gives up on the list, while more than inactive/8 pages are isolated", () => {
    // too_many_isolated: `if (gfp_has_io_fs(sc->gfp_mask)) inactive >>= 3; return isolated > inactive;`
    // (+64: deactivation moves a few pages to the inactive list as reclaim goes on.)
    const over = run(GFP_KERNEL, (inactive) => (inactive >> 3) + 64);
    expect(over.scanned).toBe(0);
    // What it freed, if anything, is the shrinkers' slab pages (current->reclaim_state->reclaimed_slab).
    expect(over.got).toBe(over.slab);
    expect(over.ns).toBeGreaterThanOrEqual(5 * JIFFY);
    const at = run(GFP_KERNEL, (inactive) => inactive >> 3);
    expect(at.scanned).toBeGreaterThan(0);
    expect(at.got).toBeGreaterThan(over.got);
  });

  it("compares with the whole inactive list for a reclaimer that may not do I/O and FS", () => {
    const r = run(GFP_NOFS, (inactive) => (inactive >> 3) + 64);
    expect(r.scanned).toBeGreaterThan(0);
    const full = run(GFP_NOFS, (inactive) => inactive + 64);
    expect(full.scanned).toBe(0);
  });
});

describe("balance_pgdat's passes", () => {
  /** Makes the first `n` of the pages active (isolate, PG_active, put back). */
  function activate(k: Kernel, pages: number[]): void {
    const lists = isolated(k, pages);
    for (const x of pages) k.mem_map.flags[x] |= F(PG_active);
    move_folios_to_lru(k, lists, 0, 2);
  }

  it("ages the active anon list by SWAP_CLUSTER_MAX before each pass when the inactive one is low, and only with swap", () => {
    for (const swap of [true, false]) {
      const { m, k, pgdat } = boot(swap);
      spyKcompactd(pgdat);
      // More active anon than all the inactive anon, the boot's tmpfs pages included.
      const pages = anonPages(m, k, 4096);
      activate(k, pages.slice(0, 4000));
      expect(pgdat.vm_stat[NR_ACTIVE_ANON]).toBeGreaterThan(pgdat.vm_stat[NR_INACTIVE_ANON]);
      const shrinks: string[] = [];
      k.trace.on("mm_vmscan_lru_shrink_active", (e) => void shrinks.push(e.message));
      const restore = starve(pgdat);
      const t = pgdat.kswapd!;
      t.wake(k);
      turn(k, t);
      restore();
      const anon = shrinks.filter((x) => x.endsWith("RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"));
      if (!swap) {
        // can_age_anon_pages: no swap, no aging (and get_scan_count scans no anon).
        expect(anon).toEqual([]);
        continue;
      }
      // kswapd_age_node: shrink_active_list(SWAP_CLUSTER_MAX, …, LRU_ACTIVE_ANON) at DEF_PRIORITY first.
      expect(anon[0]).toMatch(/^nid=0 nr_taken=32 nr_active=0 nr_deactivated=32 nr_referenced=0 priority=12 /);
    }
  });

  it("reclaims for order 0 once it freed compact_gap(order) pages, and counts a failure for a run that freed nothing", () => {
    {
      const { k, pgdat } = withFile(false, 16);
      spyKcompactd(pgdat);
      const restore = starve(pgdat);
      const t = pgdat.kswapd!;
      pgdat.kswapd_order = 3;
      pgdat.kswapd_failures = 5;
      const steal = k.vm_events[PGSTEAL_KSWAPD];
      t.wake(k);
      turn(k, t);
      restore();
      // kswapd_shrink_node: `if (sc->order && sc->nr_reclaimed >= compact_gap(sc->order)) sc->order = 0;` (2 << 3 = 16)
      expect(k.vm_events[PGSTEAL_KSWAPD] - steal).toBeGreaterThanOrEqual(16);
      expect(t.reclaim_order).toBe(0);
      // shrink_node: a pass that reclaimed resets kswapd_failures.
      expect(pgdat.kswapd_failures).toBe(0);
    }
    {
      // Nothing to reclaim: no swap, the page cache and slab dropped (drop_caches=3). The order
      // stays, and balance_pgdat's `if (!sc.nr_reclaimed) pgdat->kswapd_failures++`.
      const { m, k, pgdat } = boot(false);
      m.write("/proc/sys/vm/drop_caches", "3");
      spyKcompactd(pgdat);
      const restore = starve(pgdat);
      const t = pgdat.kswapd!;
      pgdat.kswapd_order = 3;
      t.wake(k);
      const before = pgdat.kswapd_failures;
      const steal = k.vm_events[PGSTEAL_KSWAPD];
      turn(k, t);
      restore();
      expect(k.vm_events[PGSTEAL_KSWAPD]).toBe(steal);
      expect(pgdat.kswapd_failures).toBe(before + 1);
      expect(t.reclaim_order).toBe(3);
    }
  });
});

describe("consider_reclaim_throttle", () => {
  /** A machine whose reclaim can free nothing (no swap, caches dropped), with write-pending pages. */
  function stuck() {
    const { m, k, pgdat } = boot(false);
    m.write("/proc/sys/vm/drop_caches", "3");
    const reclaimable = pgdat.node_zones.filter((x) => x.managed_zone()).reduce((s, x) => s + zone_reclaimable_pages(k, x), 0);
    pgdat.node_zones[1].vm_stat[NR_ZONE_WRITE_PENDING] = reclaimable;
    return { m, k, pgdat };
  }

  it("sleeps a direct reclaimer that freed nothing by priority 1 for a jiffy (VMSCAN_THROTTLE_NOPROGRESS)", () => {
    const { k } = stuck();
    const t0 = k.now_ns;
    expect(try_to_free_pages(k, ac(k), 0, GFP_KERNEL)).toBe(0);
    expect(k.now_ns - t0).toBeGreaterThanOrEqual(JIFFY);
  });

  it("does not throttle cgroup reclaim on no progress", () => {
    const { m, k } = stuck();
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    m.write("/sys/fs/cgroup/g/memory.min", "max"); // never reclaimed: no progress at any priority
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(64 * 4096);
    p.write(a, 64 * 4096);
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    const t0 = k.now_ns;
    expect(try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP)).toBe(0);
    // 6.1: `if (current_is_kswapd() || cgroup_reclaim(sc)) return;` — only the passes' own cost.
    expect(k.now_ns - t0).toBeLessThan(JIFFY);
  });
});

describe("pageout of a tmpfs page (shmem_writepage)", () => {
  function tmpfs(swap: boolean) {
    const { m, k, pgdat } = boot(swap);
    const p = m.spawn({ comm: "t", image: null });
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/f", "w|create");
    p.writeFd(fd, 8 * 4096);
    lru_add_drain(k);
    const mem = k.mem_map;
    // Its pages: swap-backed page cache (mapping > 0), dirty, at the head of the inactive anon list.
    const pages = listed(k, pgdat.__lruvec.lists, LRU_INACTIVE_ANON)
      .filter((x) => mem.mapping[x] > 0 && (mem.flags[x] & F(PG_dirty)) !== 0 && mem._refcount[x] === 1)
      .slice(0, 4);
    for (const x of pages) mem.flags[x] &= ~F(PG_referenced);
    return { m, k, pgdat, pages };
  }

  it("writes a dirty tmpfs page to swap through its mapping's ->writepage, and keeps it while written", () => {
    const { k, pgdat, pages } = tmpfs(true);
    const mem = k.mem_map;
    expect(pages.length).toBe(4);
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const stat = new reclaim_stat();
    const writes = pgdat.vm_stat[NR_VMSCAN_WRITE];
    const lists = isolated(k, pages);
    expect(shrink_folio_list(k, lists, 0, pgdat, sc, stat)).toBe(0);
    expect(stat.nr_pageout).toBe(4);
    expect(pgdat.vm_stat[NR_VMSCAN_WRITE] - writes).toBe(4);
    for (const x of pages) expect(mem.flags[x] & (F(PG_swapcache) | F(PG_dirty) | F(PG_active))).toBe(F(PG_swapcache));
  });

  it("keeps it without __GFP_FS, and activates it when there is no swap (AOP_WRITEPAGE_ACTIVATE)", () => {
    {
      const { k, pgdat, pages } = tmpfs(true);
      const sc = new scan_control();
      sc.gfp_mask = GFP_NOFS; // may_enter_fs: a page not in the swap cache needs __GFP_FS
      const stat = new reclaim_stat();
      shrink_folio_list(k, isolated(k, pages), 0, pgdat, sc, stat);
      expect(stat.nr_pageout).toBe(0);
      for (const x of pages) expect(k.mem_map.flags[x] & (F(PG_dirty) | F(PG_active) | F(PG_swapcache))).toBe(F(PG_dirty));
    }
    {
      const { k, pgdat, pages } = tmpfs(false);
      const sc = new scan_control();
      sc.gfp_mask = GFP_KERNEL;
      const stat = new reclaim_stat();
      shrink_folio_list(k, isolated(k, pages), 0, pgdat, sc, stat);
      expect(stat.nr_pageout).toBe(0);
      // pageout: folio_clear_reclaim after AOP_WRITEPAGE_ACTIVATE; still dirty; activated.
      for (const x of pages) expect(k.mem_map.flags[x] & (F(PG_dirty) | F(PG_active) | F(PG_reclaim))).toBe(F(PG_dirty) | F(PG_active));
      expect(stat.nr_activate).toEqual([4, 0]);
    }
  });
});

describe("prepare_kswapd_sleep", () => {
  it("clears LRUVEC_CONGESTED on every memcg's lruvec of a balanced node", () => {
    const { m, k, pgdat } = boot(false);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    spyKcompactd(pgdat);
    memcg.nodeinfo[0].flags |= LRUVEC_CONGESTED;
    pgdat.__lruvec.flags |= LRUVEC_CONGESTED;
    const t = pgdat.kswapd!;
    t.wake(k);
    turn(k, t);
    expect(memcg.nodeinfo[0].flags & LRUVEC_CONGESTED).toBe(0);
    expect(pgdat.__lruvec.flags & LRUVEC_CONGESTED).toBe(0);
  });
});

describe("shrink_active_list and executable file pages", () => {
  /** The 4 MiB file mapped with `prot` and read through the mapping (young PTEs), all of it active. */
  function mapped(prot: string) {
    const { m, k, pgdat } = withFile(false);
    const p = m.spawn({ comm: "x", image: null });
    const fd = p.open("/mnt/d/f", "r");
    const a = p.mmap(1 << 20, { prot, flags: "private", fd });
    p.read(a, 1 << 20);
    lru_add_drain(k);
    const pages: number[] = [];
    for (let i = 0; i < 256; i++) pages.push(follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
    const lists = isolated(k, pages);
    for (const x of pages) k.mem_map.flags[x] |= F(PG_active);
    move_folios_to_lru(k, lists, 0, 2);
    // The rest of the cache active too, so the file's inactive list is low (DEACTIVATE_FILE).
    const rest = listed(k, pgdat.__lruvec.lists, LRU_INACTIVE_FILE).filter((x) => k.mem_map._refcount[x] === 1).slice(0, 900);
    const l2 = isolated(k, rest);
    for (const x of rest) k.mem_map.flags[x] |= F(PG_active);
    move_folios_to_lru(k, l2, 0, 2);
    const msgs: Array<Record<string, number>> = [];
    k.trace.on("mm_vmscan_lru_shrink_active", (e) => {
      if (e.message.endsWith("RECLAIM_WB_FILE|RECLAIM_WB_ASYNC")) msgs.push(Object.fromEntries(Object.entries(e.fields).map(([f, v]) => [f, Number(v)])));
    });
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    return { k, pages, msgs };
  }

  it("keeps referenced pages of executable mappings on the active list (nr_referenced), deactivates the rest", () => {
    const exec = mapped("rx");
    const rotated = exec.msgs.reduce((s, x) => s + x.nr_referenced, 0);
    expect(rotated).toBeGreaterThan(0);
    for (const x of exec.msgs) expect(x.nr_active + x.nr_deactivated).toBe(x.nr_taken);
    expect(exec.msgs.reduce((s, x) => s + x.nr_active, 0)).toBe(rotated);
    // The same pages mapped without PROT_EXEC are deactivated though referenced.
    const plain = mapped("r");
    expect(plain.msgs.length).toBeGreaterThan(0);
    expect(plain.msgs.reduce((s, x) => s + x.nr_referenced + x.nr_active, 0)).toBe(0);
    expect(plain.msgs.reduce((s, x) => s + x.nr_deactivated, 0)).toBeGreaterThan(0);
  });
});

describe("a transparent huge page under reclaim", () => {
  function thp() {
    const { m, k, pgdat } = boot(true, "256M");
    // hugepage_init leaves THP off below 512 MiB of RAM; 6.1's sysfs switch turns it on.
    m.write("/sys/kernel/mm/transparent_hugepage/enabled", "always");
    const p = m.spawn({ comm: "h", image: null });
    const HP = 2 << 20;
    const raw = p.mmap(2 * HP);
    const a = Math.ceil(raw / HP) * HP;
    p.write(a, HP);
    lru_add_drain(k);
    const head = p.pagemap(a, 1).frame[0];
    expect(k.mem_map.flags[head] & F(PG_head)).not.toBe(0);
    return { m, k, pgdat, head };
  }

  it("is isolated as folio_nr_pages pages", () => {
    const { k, pgdat, head } = thp();
    const lv = pgdat.__lruvec;
    // To the tail of its list, where isolation starts.
    lruvec_del_folio(k, head);
    lruvec_add_folio_tail(k, head);
    const zid = k.page_zone(head)!.zone_idx;
    const size = lv.lru_zone_size[zid * NR_LRU_LISTS + LRU_INACTIVE_ANON];
    const sc = new scan_control();
    const lists = new Int32Array(4).fill(NO_PFN);
    expect(isolate_lru_folios(k, 1, lv, pgdat, lists, 0, sc.nr_scanned_out, sc, LRU_INACTIVE_ANON)).toBe(512);
    expect(lv.lru_zone_size[zid * NR_LRU_LISTS + LRU_INACTIVE_ANON]).toBe(size - 512);
    expect(listed(k, lists, 0)).toEqual([head]);
  });

  it("is split onto the list it is on when it is to be swapped (thp_swpout_fallback), its head going to swap", () => {
    const { k, pgdat, head } = thp();
    folio_referenced(k, head); // PMD old: FOLIOREF_RECLAIM
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const fallback = k.vm_events[THP_SWPOUT_FALLBACK];
    const lists = isolated(k, [head]);
    shrink_folio_list(k, lists, 0, pgdat, sc, new reclaim_stat());
    expect(k.vm_events[THP_SWPOUT_FALLBACK] - fallback).toBe(1);
    expect(k.mem_map.flags[head] & (F(PG_head) | F(PG_swapcache))).toBe(F(PG_swapcache));
    // split_folio_to_list put the 511 tail pages on the list being reclaimed: they were scanned too.
    expect(sc.nr_scanned).toBe(512);
  });
});

describe("too_many_isolated and kswapd", () => {
  it("never stalls kswapd, however many pages are isolated", () => {
    const { k, pgdat } = withFile(false, 16);
    spyKcompactd(pgdat);
    pgdat.vm_stat[NR_ISOLATED_ANON + 1] = pgdat.vm_stat[NR_INACTIVE_FILE] + 64;
    const restore = starve(pgdat);
    const scanned = k.vm_events[PGSCAN_KSWAPD];
    const t = pgdat.kswapd!;
    t.wake(k);
    turn(k, t);
    restore();
    expect(k.vm_events[PGSCAN_KSWAPD] - scanned).toBeGreaterThan(0);
  });
});

describe("memcg reclaim meeting writeback (writeback_throttling_sane on cgroup v2)", () => {
  it("marks the group's lruvec congested when all its dirty file pages were under writeback for reclaim, and clears it when done", () => {
    const { m, k } = boot(false);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(64 * 4096);
    p.write(a, 64 * 4096); // some usage: a group with none is "below min" and skipped
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    const lv = memcg.nodeinfo[0];
    // 4096 of the group's file pages under writeback that reclaim had marked, at the tail.
    for (let i = 0; i < 4096; i++) {
      const pfn = page(k, F(PG_lru) | F(PG_writeback) | F(PG_reclaim));
      k.mem_map.memcg[pfn] = memcg.id;
      lruvec_add_folio_tail(k, pfn);
    }
    const congested: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void congested.push(lv.flags & LRUVEC_CONGESTED));
    try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    // shrink_node: `if ((current_is_kswapd() || (cgroup_reclaim(sc) && writeback_throttling_sane(sc)))
    // && sc->nr.dirty && sc->nr.dirty == sc->nr.congested) set_bit(LRUVEC_CONGESTED, &target_lruvec->flags);`
    expect(congested[0]).toBe(0);
    expect(congested[1]).toBe(LRUVEC_CONGESTED);
    // do_try_to_free_pages clears the target's flag for cgroup reclaim as it snapshots the refaults.
    expect(lv.flags & LRUVEC_CONGESTED).toBe(0);
  });
});

describe("shrink_inactive_list wakes the flushers", () => {
  /**
   * A writable ext2 disk with 64 dirty file pages (under the background threshold: its flusher is
   * idle), and 4096 file pages with `flags` at the inactive tail. Returns the flusher's
   * start_all_reason as each shrink_inactive_list ends.
   */
  function firstBatch(flags: number): number[] {
    const { m, k } = boot(false);
    m.addDisk("/dev/vdc", { size: "16M", ext2: { files: [] } });
    const p = m.spawn({ comm: "w", image: null });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc" });
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 64 * 4096);
    for (let i = 0; i < 4096; i++) lruvec_add_folio_tail(k, page(k, flags | F(PG_lru)));
    const reasons: number[] = [];
    k.trace.on("mm_vmscan_lru_shrink_inactive", () => void reasons.push(Math.max(...k.blk.disks.map((d) => d.bdi.wb.start_all_reason))));
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    return reasons;
  }

  it("when every page it took was dirty and not yet queued (WB_REASON_VMSCAN), not when they were clean", () => {
    // `if (stat.nr_unqueued_dirty == nr_taken) wakeup_flusher_threads(WB_REASON_VMSCAN);`
    expect(firstBatch(F(PG_dirty))[0]).toBe(WB_REASON_VMSCAN);
    expect(firstBatch(0)[0]).toBe(-1);
  });
});

describe("shrink_zones", () => {
  /** Unfreeable file pages at the inactive tail (no mapping): every priority scans and keeps them. */
  function unfreeable(k: Kernel): void {
    for (let i = 0; i < 4096; i++) lruvec_add_folio_tail(k, page(k, F(PG_lru)));
  }

  it("shrinks each node of the zonelist once per priority, not once per zone", () => {
    const { k } = boot(false);
    unfreeable(k);
    const perPriority = new Map<number, number>();
    k.trace.on("mm_vmscan_lru_shrink_inactive", (e) => void perPriority.set(Number(e.fields.priority), (perPriority.get(Number(e.fields.priority)) ?? 0) + 1));
    try_to_free_pages(k, ac(k), 0, GFP_KERNEL);
    // DMA32 and DMA are both node 0's: `if (zone->zone_pgdat == last_pgdat) continue;`. At
    // priority 12 the file list's target (< SWAP_CLUSTER_MAX) is one batch.
    expect(perPriority.get(DEF_PRIORITY)).toBe(1);
  });

  it("skips the nodes outside the allocation's nodemask", () => {
    const { k } = boot(false);
    unfreeable(k);
    const ev = [...k.vm_events];
    expect(try_to_free_pages(k, { ...ac(k), nodemask: [1] }, 0, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[PGSCAN_DIRECT] - ev[PGSCAN_DIRECT]).toBe(0);
    expect(k.vm_events[ALLOCSTALL_NORMAL] - ev[ALLOCSTALL_NORMAL]).toBe(1);
    try_to_free_pages(k, { ...ac(k), nodemask: [0] }, 0, GFP_KERNEL);
    expect(k.vm_events[PGSCAN_DIRECT] - ev[PGSCAN_DIRECT]).toBeGreaterThan(0);
  });
});

describe("memcg reclaim and the group's swap", () => {
  it("scans no anon once the group may not swap (memory.swap.max 0: mem_cgroup_get_nr_swap_pages)", () => {
    const { m, k } = boot(true);
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/g");
    m.write("/sys/fs/cgroup/g/memory.swap.max", "0");
    const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
    const a = p.mmap(512 * 4096);
    p.write(a, 512 * 4096);
    lru_add_drain(k);
    const memcg = cgroup_lookup(k, ["g"])!.memcg!;
    const pgscan = (): number => Number(/^pgscan (\d+)$/m.exec(m.read("/sys/fs/cgroup/g/memory.stat"))![1]);
    expect(try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP)).toBe(0);
    expect(pgscan()).toBe(0);
    m.write("/sys/fs/cgroup/g/memory.swap.max", "max");
    try_to_free_mem_cgroup_pages(k, memcg, 32, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP);
    expect(pgscan()).toBeGreaterThan(0);
  });

  it("keeps the caller's I/O and FS bits: a group's tmpfs pages are written only with __GFP_FS", () => {
    const run = (gfp: number): number => {
      const { m, k, pgdat } = boot(true);
      m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
      m.mkdir("/sys/fs/cgroup/g");
      const p = m.spawn({ comm: "g", cgroup: "/g", image: null });
      p.mkdir("/mnt/t");
      p.mount("/mnt/t", { fstype: "tmpfs" });
      const fd = p.open("/mnt/t/f", "w|create");
      p.writeFd(fd, 1024 * 4096);
      lru_add_drain(k);
      const memcg = cgroup_lookup(k, ["g"])!.memcg!;
      const w = pgdat.vm_stat[NR_VMSCAN_WRITE];
      try_to_free_mem_cgroup_pages(k, memcg, 32, gfp, MEMCG_RECLAIM_MAY_SWAP);
      return pgdat.vm_stat[NR_VMSCAN_WRITE] - w;
    };
    // sc.gfp_mask = (current_gfp_context(gfp_mask) & GFP_RECLAIM_MASK) | (GFP_HIGHUSER_MOVABLE & ~GFP_RECLAIM_MASK)
    expect(run(GFP_KERNEL)).toBeGreaterThan(0);
    expect(run(GFP_NOFS)).toBe(0);
  });
});

describe("inactive_is_low", () => {
  it("wants inactive * int_sqrt(10 * gb) >= active, gb the lists' GiB (1 below 1 GiB)", () => {
    // mm/vmscan.c inactive_is_low: gb = (inactive + active) >> (30 - PAGE_SHIFT);
    // inactive_ratio = gb ? int_sqrt(10 * gb) : 1; return inactive * inactive_ratio < active.
    const pg = { vm_stat: new Float64Array(64) } as unknown as pglist_data;
    const low = (inactive: number, active: number, lru = LRU_INACTIVE_FILE): boolean => {
      pg.vm_stat[lru] = inactive;
      pg.vm_stat[lru + 1] = active;
      return inactive_is_low(new lruvec(), pg, lru);
    };
    expect(low(100, 101)).toBe(true);
    expect(low(100, 100)).toBe(false);
    expect(low(0, 0)).toBe(false);
    // 262143 pages in all: still gb 0, ratio 1.
    expect(low(131071, 131072)).toBe(true);
    // 1 GiB: ratio int_sqrt(10) = 3; 10 GiB: int_sqrt(100) = 10; 4 GiB: int_sqrt(40) = 6.
    expect(low(65536, 262144 - 65536)).toBe(false); // 65536 · 3 = 196608 ≥ 196608
    expect(low(65535, 262144 - 65535)).toBe(true); // 196605 < 196609
    expect(low(238313, 2621440 - 238313)).toBe(false); // · 10 = 2383130 ≥ 2383127
    expect(low(238312, 2621440 - 238312)).toBe(true);
    expect(low(149797, 1048576 - 149797, LRU_INACTIVE_ANON)).toBe(false); // · 6 = 898782 ≥ 898779
    expect(low(149796, 1048576 - 149796, LRU_INACTIVE_ANON)).toBe(true);
  });
});

describe("shrink_folio_list, more paths", () => {
  it("releases a block device page's buffer heads before freeing it (filemap_release_folio)", () => {
    const { k, pgdat } = withFile(false);
    const mem = k.mem_map;
    const withBuffers = listed(k, pgdat.__lruvec.lists, LRU_INACTIVE_FILE).filter((x) => (mem.flags[x] & F(PG_private)) !== 0);
    expect(withBuffers.length).toBeGreaterThan(0);
    const lists = isolated(k, withBuffers);
    const freed = shrink_folio_list(k, lists, 0, pgdat, new scan_control(), new reclaim_stat());
    const kept = listed(k, lists, 0);
    expect(freed + kept.length).toBe(withBuffers.length);
    expect(freed).toBeGreaterThan(0);
    for (const x of withBuffers.filter((y) => !kept.includes(y))) expect(mem._refcount[x]).toBe(0);
    // A buffer still held (the mounted superblock's) keeps its page: activate_locked.
    for (const x of kept) expect(mem.flags[x] & (F(PG_private) | F(PG_active))).toBe(F(PG_private) | F(PG_active));
  });

  it("activates a once-referenced page of an executable file mapping, keeps one of a plain mapping", () => {
    for (const [prot, active] of [
      ["rx", true],
      ["r", false],
    ] as const) {
      const { m, k, pgdat } = withFile(false);
      const p = m.spawn({ comm: "x", image: null });
      const fd = p.open("/mnt/d/f", "r");
      const a = p.mmap(16 * 4096, { prot, flags: "private", fd });
      p.read(a, 16 * 4096);
      lru_add_drain(k);
      const pages = [0, 1, 2, 3].map((i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
      for (const x of pages) k.mem_map.flags[x] &= ~F(PG_referenced);
      const stat = new reclaim_stat();
      shrink_folio_list(k, isolated(k, pages), 0, pgdat, new scan_control(), stat);
      // folio_check_references: one young PTE; `if ((vm_flags & VM_EXEC) && folio_is_file_lru(folio)) return FOLIOREF_ACTIVATE;` else FOLIOREF_KEEP.
      expect(stat.nr_activate[1], prot).toBe(active ? 4 : 0);
      expect(stat.nr_ref_keep, prot).toBe(active ? 0 : 4);
    }
  });

  it("keeps a dirty file page pageout may not write because someone else holds it (is_page_cache_freeable)", () => {
    const { k, pgdat, pages } = withFile(false);
    const mem = k.mem_map;
    const [held, crafted] = [pages[0], page(k, F(PG_dirty) | F(PG_reclaim))];
    mem.flags[held] = (mem.flags[held] & ~F(PG_referenced)) | F(PG_dirty) | F(PG_reclaim);
    mem._refcount[held]++;
    const sc = new scan_control();
    sc.kswapd = true;
    pgdat.flags |= PGDAT_DIRTY;
    const lists = isolated(k, [held]);
    mem._refcount[crafted]++; // the cache's reference would make 2, but it has no mapping
    mem.lru.list_add(lists, 0, crafted);
    const stat = new reclaim_stat();
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    // pageout → PAGE_KEEP for both (refcount 3; no mapping): keep_locked, not activated, not written.
    expect(stat.nr_activate).toEqual([0, 0]);
    expect(stat.nr_pageout).toBe(0);
    for (const x of [held, crafted]) expect(mem.flags[x] & (F(PG_dirty) | F(PG_active))).toBe(F(PG_dirty));
  });

  it("keeps an unmapped MADV_FREE page someone else holds; a mapped one fails to unmap and is activated swap-backed again", () => {
    const { m, k, pgdat } = boot(false);
    const mem = k.mem_map;
    const p = m.spawn({ comm: "l", image: null });
    const a = p.mmap(2 * 4096);
    p.write(a, 2 * 4096);
    lru_add_drain(k);
    const [x, y] = [0, 1].map((i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
    p.madvise(a, 2 * 4096, "free");
    lru_add_drain(k);
    for (const z of [x, y]) {
      folio_referenced(k, z);
      mem._refcount[z]++; // a pin: folio_ref_freeze(folio, 1) / try_to_unmap_one's ref_count == 1 + map_count fail
    }
    p.munmap(a, 4096); // x: unmapped, alive through the pin
    expect(mem.mapcount[x]).toBe(0);
    const lazy = k.vm_events[PGLAZYFREED];
    const stat = new reclaim_stat();
    expect(shrink_folio_list(k, isolated(k, [x, y]), 0, pgdat, new scan_control(), stat)).toBe(0);
    expect(k.vm_events[PGLAZYFREED]).toBe(lazy);
    expect(mem.flags[x] & (F(PG_active) | F(PG_swapbacked))).toBe(0);
    // try_to_unmap_one: "If the folio was redirtied, it cannot be discarded": folio_set_swapbacked, remap, fail.
    expect(stat.nr_unmap_fail).toBe(1);
    expect(mem.flags[y] & (F(PG_active) | F(PG_swapbacked))).toBe(F(PG_active) | F(PG_swapbacked));
  });

  it("keeps a mapped PG_referenced page the multi-gen LRU's aging promoted (lru_gen_enabled)", () => {
    const { m, k, pgdat } = boot(true);
    const [x] = anonPages(m, k, 1);
    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    const mem = k.mem_map;
    // Off the MGLRU lists by hand: what shrink_folio_list is handed.
    const lists = new Int32Array(4).fill(NO_PFN);
    if (!folio_isolate_lru(k, x)) throw new Error("not on an LRU");
    mem.lru.list_add(lists, 0, x);
    // (MGLRU marks its young generations' pages PG_active; evict_folios hands them over cleared.)
    mem.flags[x] = (mem.flags[x] & ~F(PG_active)) | F(PG_referenced);
    const stat = new reclaim_stat();
    const sc = new scan_control();
    shrink_folio_list(k, lists, 0, pgdat, sc, stat);
    // `if (lru_gen_enabled() && !ignore_references && folio_mapped(folio) && folio_test_referenced(folio)) goto keep_locked;`
    expect(sc.nr_scanned).toBe(1);
    expect(stat.nr_ref_keep).toBe(0);
    expect(mem.flags[x] & (F(PG_active) | F(PG_swapcache))).toBe(0);
    expect(mem.mapcount[x]).toBe(1);
  });
});

describe("shrink_folio_list, the last paths", () => {
  it("activates a page two processes reference (two young PTEs), without PG_referenced", () => {
    const { m, k, pgdat } = boot(true);
    const p = m.spawn({ comm: "a", image: null });
    const a = p.mmap(4096);
    p.write(a, 4096);
    const c = p.fork();
    c.read(a, 4096); // both PTEs young, the page shared until a write
    lru_add_drain(k);
    const x = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(x);
    k.mem_map.flags[x] &= ~F(PG_referenced);
    const stat = new reclaim_stat();
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    shrink_folio_list(k, isolated(k, [x]), 0, pgdat, sc, stat);
    // folio_check_references: `if (referenced_folio || referenced_ptes > 1) return FOLIOREF_ACTIVATE;`
    expect(stat.nr_activate).toEqual([1, 0]);
    expect(stat.nr_ref_keep).toBe(0);
  });

  it("keeps a dirty PG_referenced file page kswapd may write (FOLIOREF_RECLAIM_CLEAN), and an mlocked clean one", () => {
    const { k, pgdat, pages } = withFile(false);
    const mem = k.mem_map;
    const [refd, locked] = pages;
    mem.flags[refd] |= F(PG_dirty) | F(PG_reclaim) | F(PG_referenced);
    mem.flags[locked] |= F(PG_mlocked);
    const sc = new scan_control();
    sc.kswapd = true;
    pgdat.flags |= PGDAT_DIRTY;
    const stat = new reclaim_stat();
    expect(shrink_folio_list(k, isolated(k, [refd, locked]), 0, pgdat, sc, stat)).toBe(0);
    // RECLAIM_CLEAN: `if (references == FOLIOREF_RECLAIM_CLEAN) goto keep_locked;` before pageout
    // (whose PAGE_ACTIVATE would have activated it); an unevictable folio goes to activate_locked,
    // which leaves an mlocked one inactive.
    expect(mem.flags[refd] & (F(PG_active) | F(PG_dirty))).toBe(F(PG_dirty));
    expect(mem.flags[locked] & F(PG_active)).toBe(0);
    expect(mem._refcount[locked]).toBe(2);
    expect(stat.nr_activate).toEqual([0, 0]);
  });

  it("swaps out anonymous pages under GFP_NOFS (a swap-cache page needs only __GFP_IO)", () => {
    const { m, k, pgdat } = boot(true);
    const pages = anonPages(m, k, 4);
    for (const x of pages) folio_referenced(k, x);
    const sc = new scan_control();
    sc.gfp_mask = GFP_NOFS;
    const stat = new reclaim_stat();
    shrink_folio_list(k, isolated(k, pages), 0, pgdat, sc, stat);
    expect(stat.nr_pageout).toBe(4);
  });

  it("frees the swap slot of a swap-cache page it activates when the page is mlocked", () => {
    const { m, k, pgdat } = boot(true);
    const mem = k.mem_map;
    const p = m.spawn({ comm: "a", image: null });
    const a = p.mmap(4096);
    p.write(a, 4096);
    lru_add_drain(k);
    const x0 = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    folio_referenced(k, x0);
    const sc = new scan_control();
    sc.gfp_mask = GFP_KERNEL;
    const lists = isolated(k, [x0]);
    shrink_folio_list(k, lists, 0, pgdat, sc, new reclaim_stat()); // to swap, under writeback
    move_folios_to_lru(k, lists, 0, 2);
    m.advance("50ms");
    p.read(a, 4096); // back from the swap cache: mapped, still in it (its slot held by the cache only)
    lru_add_drain(k);
    const x = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(mem.flags[x] & F(PG_swapcache)).not.toBe(0);
    // activate_locked: `if (folio_test_swapcache(folio) && (mem_cgroup_swap_full(folio) || folio_test_mlocked(folio))) folio_free_swap(folio);`
    const l2 = isolated(k, [x]);
    mem.flags[x] |= F(PG_mlocked);
    const free = k.nr_swap_pages;
    shrink_folio_list(k, l2, 0, pgdat, sc, new reclaim_stat());
    expect(mem.flags[x] & F(PG_swapcache)).toBe(0);
    expect(k.nr_swap_pages).toBe(free + 1);
  });
});
