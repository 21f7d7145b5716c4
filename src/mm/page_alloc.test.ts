import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../kernel/trace.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import {
  __GFP_COMP,
  __GFP_NORETRY,
  __GFP_THISNODE,
  __GFP_NOWARN,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_TRANSHUGE_LIGHT,
  __GFP_RECLAIMABLE,
} from "./gfp.js";
import { F, PG_buddy, PG_head, PG_lru, PG_tail } from "./memmap.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  WMARK_LOW,
  WMARK_MIN,
  ZONE_BOOSTED_WATERMARK,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_NORMAL,
} from "./mmzone.js";
import {
  __alloc_pages,
  __free_pages,
  __rmqueue,
  __rmqueue_smallest,
  __zone_watermark_ok,
  ALLOC_CPUSET,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_WMARK_MIN,
  alloc_pages,
  compound_order,
  drain_all_pages,
  free_unref_page,
  get_pageblock_migratetype,
  gfp_to_alloc_flags,
  nodemask_pbl,
  order_to_pindex,
  pindex_to_order,
  put_page,
  split_page,
  zone_batchsize,
  zone_highsize,
  zone_watermark_ok,
} from "./page_alloc.js";
import { freeRange, makeTestMachine } from "./page_alloc.testutil.js";
import { MAX_ORDER, MiB, NO_PFN, pageblock_nr_pages } from "./types.js";
import { NR_FREE_PAGES, NUMA_FOREIGN, NUMA_HIT, NUMA_LOCAL, NUMA_MISS, NUMA_OTHER, PGALLOC_DMA, PGALLOC_DMA32, PGFREE, COMPACTSTALL } from "./vmstat_items.js";

const nrFree = (z: { free_area: { nr_free: number }[] }): number[] => z.free_area.map((a) => a.nr_free);

describe("boot freeing (__free_pages_core)", () => {
  it("hands DMA [1, 4096) to the buddy lists as maximal aligned blocks", () => {
    const k = makeTestMachine();
    const dma = k.zones[ZONE_DMA];
    // 1, 2, 4 … 512 (orders 0..9), then 1024, 2048, 3072 at order 10.
    expect(nrFree(dma)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3]);
    expect(dma.managed_pages).toBe(4095);
    expect(dma.vm_stat[NR_FREE_PAGES]).toBe(4095);
    checkBuddy(k);
  });
});

describe("__rmqueue_smallest and expand", () => {
  it("splits an order-3 block into 4+2+1 when order 0 is requested", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    const z = k.zones[ZONE_DMA32];
    freeRange(k, 4096, 4104);
    expect(nrFree(z).slice(0, 4)).toEqual([0, 0, 0, 1]);
    const pfn = __rmqueue_smallest(k, z, 0, MIGRATE_MOVABLE);
    expect(pfn).toBe(4096);
    expect(nrFree(z).slice(0, 4)).toEqual([1, 1, 1, 0]);
    expect(z.free_area[2].free_list[MIGRATE_MOVABLE]).toBe(4100);
    expect(z.free_area[1].free_list[MIGRATE_MOVABLE]).toBe(4098);
    expect(z.free_area[0].free_list[MIGRATE_MOVABLE]).toBe(4097);
    expect(k.mem_map.private[4100]).toBe(2);
    expect(k.mem_map.flags[4100] & F(PG_buddy)).not.toBe(0);
  });

  it("returns NO_PFN when no list of the migratetype has a block that large", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    freeRange(k, 4096, 4104);
    expect(__rmqueue_smallest(k, k.zones[ZONE_DMA32], 4, MIGRATE_MOVABLE)).toBe(NO_PFN);
    expect(__rmqueue_smallest(k, k.zones[ZONE_DMA32], 0, MIGRATE_UNMOVABLE)).toBe(NO_PFN);
  });
});

describe("__free_one_page", () => {
  it("merges a freed page with its free buddies back into the order-3 block", () => {
    const k = makeTestMachine({ free: false, pcp: false, minDma32: 0 });
    const z = k.zones[ZONE_DMA32];
    freeRange(k, 4096, 4104);
    const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    expect(pfn).toBe(4096);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(7);
    __free_pages(k, pfn, 0);
    expect(nrFree(z).slice(0, 4)).toEqual([0, 0, 0, 1]);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(8);
    checkBuddy(k);
  });

  it("does not merge with a buddy that is allocated, and merges once it is freed", () => {
    const k = makeTestMachine({ free: false, pcp: false, minDma32: 0 });
    const z = k.zones[ZONE_DMA32];
    freeRange(k, 4096, 4098); // one order-1 block: 4096, 4097
    const a = alloc_pages(k, GFP_KERNEL, 0);
    const b = alloc_pages(k, GFP_KERNEL, 0);
    expect([a, b].sort()).toEqual([4096, 4097]);
    __free_pages(k, a, 0);
    expect(nrFree(z).slice(0, 2)).toEqual([1, 0]);
    __free_pages(k, b, 0);
    expect(nrFree(z).slice(0, 2)).toEqual([0, 1]);
    checkBuddy(k);
  });
});

describe("per-cpu pagesets", () => {
  it("sizes batch and high as w0's zoneinfo shows (DMA 1/27, DMA32 31/816)", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const [dma, dma32] = [k.zones[ZONE_DMA], k.zones[ZONE_DMA32]];
    expect([dma.per_cpu_pageset[0].batch, dma.per_cpu_pageset[0].high]).toEqual([1, 27]);
    expect([dma32.per_cpu_pageset[0].batch, dma32.per_cpu_pageset[0].high]).toEqual([31, 816]);
    checkBuddy(k);
  });

  it("computes zone_batchsize 63 for 2 GiB (capped at 1 MiB) and high from the low watermark", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    z.managed_pages = 499760;
    expect(zone_batchsize(z)).toBe(63);
    z._watermark[WMARK_LOW] = 13971;
    expect(zone_highsize(k, z, 63, 0)).toBe(13971);
    k.vm.percpu_pagelist_high_fraction = 8;
    expect(zone_highsize(k, z, 63, 0)).toBe(Math.floor(499760 / 8));
    z.managed_pages = 3840;
    expect(zone_batchsize(z)).toBe(0);
  });

  it("refills an empty list with a batch and serves the rest from the pcp list", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    const pcp = z.per_cpu_pageset[0];
    const before = z.vm_stat[NR_FREE_PAGES];
    const p = alloc_pages(k, GFP_KERNEL, 0);
    expect(p).not.toBe(NO_PFN);
    expect(pcp.count).toBe(pcp.batch - 1);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(before - pcp.batch);
    const q = alloc_pages(k, GFP_KERNEL, 0);
    expect(q).toBe(p + 1); // rmqueue_bulk keeps physical order
    expect(pcp.count).toBe(pcp.batch - 2);
    checkBuddy(k);
  });

  it("counts on the order-0 fast paths what rmqueue and free_unref_page count: one pgalloc, numa_hit and numa_local per page, one pgfree", () => {
    // mm/page_alloc.c rmqueue: __count_zid_vm_events(PGALLOC, page_zonenum(page), 1 << order)
    // and zone_statistics(preferred_zone, zone) (numa_hit + numa_local on the local preferred
    // zone); free_unref_page → free_unref_page_commit: __count_vm_events(PGFREE, 1 << order).
    const k = start_kernel({ memory: 512 * MiB });
    expect(k.fastPaths).toBe(true);
    const z = k.zones[ZONE_DMA32];
    const pcp = z.per_cpu_pageset[0];
    expect(pcp.batch).toBe(31); // w0's zoneinfo
    drain_all_pages(k, null);
    const first = alloc_pages(k, GFP_KERNEL, 0); // refills the list: the general path
    expect(pcp.count).toBe(pcp.batch - 1);
    const pgalloc = k.vm_events[PGALLOC_DMA32];
    const pgfree = k.vm_events[PGFREE];
    const hit = z.vm_numa_event[NUMA_HIT];
    const local = z.vm_numa_event[NUMA_LOCAL];
    const free = z.vm_stat[NR_FREE_PAGES];
    const pages: number[] = [];
    for (let i = 0; i < 10; i++) pages.push(alloc_pages(k, GFP_KERNEL, 0)); // pcp hits: the fast path
    expect(pcp.count).toBe(pcp.batch - 11);
    expect(k.vm_events[PGALLOC_DMA32] - pgalloc).toBe(10);
    expect(z.vm_numa_event[NUMA_HIT] - hit).toBe(10);
    expect(z.vm_numa_event[NUMA_LOCAL] - local).toBe(10);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free); // pcp pages are already off NR_FREE_PAGES
    for (const p of pages) __free_pages(k, p, 0);
    expect(k.vm_events[PGFREE] - pgfree).toBe(10);
    expect(pcp.count).toBe(pcp.batch - 1);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free);
    __free_pages(k, first, 0);
    checkBuddy(k);
  });

  it("checks a page when rmqueue_bulk puts it on a pcp list (check_pcp_refill, Debian has no DEBUG_VM)", () => {
    const k = makeTestMachine();
    const pcp = k.zones[ZONE_DMA32].per_cpu_pageset[0];
    const p = alloc_pages(k, GFP_KERNEL, 0);
    while (pcp.count > 0) alloc_pages(k, GFP_KERNEL, 0);
    // The next refill continues in physical order from p + batch: make that page look mapped.
    k.mem_map.mapcount[p + pcp.batch] = 1;
    expect(() => alloc_pages(k, GFP_KERNEL, 0)).toThrow(/bad page state at pcp refill/);
  });

  it("keeps freed pages on the pcp list until high, then spills a batch to the buddy lists", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    const pcp = z.per_cpu_pageset[0];
    pcp.high = 8;
    pcp.batch = 3;
    const pages: number[] = [];
    for (let i = 0; i < 20; i++) pages.push(alloc_pages(k, GFP_KERNEL, 0));
    drain_all_pages(k, null);
    expect(pcp.count).toBe(0);
    for (let i = 0; i < 7; i++) __free_pages(k, pages[i], 0);
    expect(pcp.count).toBe(7);
    __free_pages(k, pages[7], 0); // count reaches high 8: free batch << free_factor
    expect(pcp.count).toBeLessThan(8);
    expect(pcp.count).toBeGreaterThanOrEqual(3);
    checkBuddy(k);
  });

  it("maps orders to pcp lists as 6.1 (order * 3 + mt, THP in 12/13)", () => {
    expect(order_to_pindex(MIGRATE_MOVABLE, 0)).toBe(1);
    expect(order_to_pindex(MIGRATE_RECLAIMABLE, 3)).toBe(11);
    expect(order_to_pindex(MIGRATE_UNMOVABLE, 9)).toBe(12);
    expect(order_to_pindex(MIGRATE_MOVABLE, 9)).toBe(13);
    expect(pindex_to_order(11)).toBe(3);
    expect(pindex_to_order(13)).toBe(9);
  });

  it("drain_all_pages returns every pcp page to the buddy lists", () => {
    const k = makeTestMachine({ cpus: 2 });
    const z = k.zones[ZONE_DMA32];
    const a = alloc_pages(k, GFP_KERNEL, 0);
    k.cpu = 1;
    const b = alloc_pages(k, GFP_KERNEL, 1);
    __free_pages(k, a, 0);
    __free_pages(k, b, 1);
    expect(z.per_cpu_pageset[0].count + z.per_cpu_pageset[1].count).toBeGreaterThan(0);
    drain_all_pages(k, null);
    expect(z.per_cpu_pageset[0].count + z.per_cpu_pageset[1].count).toBe(0);
    expect(z.vm_stat[NR_FREE_PAGES] + k.zones[ZONE_DMA].vm_stat[NR_FREE_PAGES]).toBe(16383);
    checkBuddy(k);
  });

  it("stops a drain with KernelBug when pcp->count claims more pages than its lists hold", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    __free_pages(k, alloc_pages(k, GFP_KERNEL, 0), 0);
    const pcp = z.per_cpu_pageset[0];
    pcp.count += 5;
    expect(() => drain_all_pages(k, null)).toThrow(/pcp count exceeds the pages on its lists/);
  });
});

describe("migratetype fallback", () => {
  it("claims a whole movable pageblock for an unmovable allocation and traces mm_page_alloc_extfrag", () => {
    const k = makeTestMachine({ pcp: false });
    const events: TraceRecord[] = [];
    k.trace.on("mm_page_alloc_extfrag", (r) => events.push(r));
    const pfn = alloc_pages(k, GFP_KERNEL, 0);
    expect(pfn).not.toBe(NO_PFN);
    // The largest movable block (order 10 = two pageblocks) was taken over entirely.
    expect(get_pageblock_migratetype(k, pfn)).toBe(MIGRATE_UNMOVABLE);
    expect(get_pageblock_migratetype(k, pfn + pageblock_nr_pages)).toBe(MIGRATE_UNMOVABLE);
    expect(pfn).toBeGreaterThanOrEqual(4096);
    expect(events).toHaveLength(1);
    expect(events[0].message).toMatch(
      /^page=ffffea[0-9a-f]{10} pfn=0x[0-9a-f]+ alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1$/,
    );
    checkBuddy(k);
  });

  it("takes a whole pageblock-sized fallback block over for a movable allocation", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    const z = k.zones[ZONE_DMA32];
    // Unmovable pageblocks holding an order-1 block and an order-9 block: the largest-first
    // search finds order 9, which can_steal_fallback allows at any start type.
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4098);
    freeRange(k, 4608, 5120);
    const pfn = __rmqueue(k, z, 0, MIGRATE_MOVABLE, 0);
    expect(pfn).toBe(4608);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_MOVABLE);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_UNMOVABLE);
  });

  it("takes the smallest fallback block when the largest cannot be claimed", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    const z = k.zones[ZONE_DMA32];
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4098); // order 1 at 4096
    freeRange(k, 4104, 4112); // order 3 at 4104
    const pfn = __rmqueue(k, z, 0, MIGRATE_MOVABLE, 0);
    expect(pfn).toBe(4096); // the order-1 block, not the order-3 one
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_UNMOVABLE);
    expect(z.free_area[0].free_list[MIGRATE_MOVABLE]).toBe(4097);
  });

  it("claims a partly used pageblock only when half of it is free or alike", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    // A movable pageblock at 4096 with 128 free pages (order 7 at 4096) and 384 allocated pages
    // of which 300 are on the LRU (movable): unmovable alike = 512 - (128 + 300) = 84 → 212 < 256.
    freeRange(k, 4096, 4224);
    for (let p = 4224; p < 4608; p++) k.mem_map._refcount[p] = 1;
    for (let p = 4224; p < 4524; p++) k.mem_map.flags[p] |= F(PG_lru);
    __rmqueue(k, k.zones[ZONE_DMA32], 0, MIGRATE_UNMOVABLE, 0);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_MOVABLE);
    // Same with only 100 LRU pages: alike = 512 - 228 = 284, + 127 free ≥ 256 → claimed.
    const k2 = makeTestMachine({ free: false, pcp: false });
    freeRange(k2, 4096, 4224);
    for (let p = 4224; p < 4608; p++) k2.mem_map._refcount[p] = 1;
    for (let p = 4224; p < 4324; p++) k2.mem_map.flags[p] |= F(PG_lru);
    __rmqueue(k2, k2.zones[ZONE_DMA32], 0, MIGRATE_UNMOVABLE, 0);
    expect(get_pageblock_migratetype(k2, 4096)).toBe(MIGRATE_UNMOVABLE);
  });

  it("boosts the watermark on a fragmenting fallback and wakes kswapd on the next allocation", () => {
    const k = makeTestMachine({ nrPages: 65536, pcp: false });
    const z = k.zones[ZONE_DMA32];
    let woken = 0;
    k.mmHooks.wakeup_kswapd = () => void woken++;
    // Fill the movable lists' big blocks as reclaimable so an unmovable request falls back at a
    // fragmenting order: make every free block small by allocating order 3 everywhere first.
    const held: number[] = [];
    for (;;) {
      const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 3);
      if (p === NO_PFN) break;
      held.push(p);
    }
    for (let i = 0; i < held.length; i += 2) __free_pages(k, held[i], 3);
    const before = z.watermark_boost;
    woken = 0;
    const p = alloc_pages(k, GFP_ATOMIC, 0);
    expect(p).not.toBe(NO_PFN);
    expect(z.watermark_boost).toBeGreaterThan(before);
    expect(z.flags & (1 << ZONE_BOOSTED_WATERMARK)).toBe(0);
    expect(woken).toBeGreaterThanOrEqual(1);
    checkBuddy(k);
  });
});

describe("highatomic reserves", () => {
  it("reserves the pageblock of a high-order atomic allocation and gives it back before OOM", () => {
    const k = makeTestMachine({ pcp: false, minDma32: 8 });
    const z = k.zones[ZONE_DMA32];
    // Fast path fails on purpose: run the slow path, which sets ALLOC_HIGHATOMIC.
    z._watermark[WMARK_LOW] = 1e9;
    k.zones[ZONE_DMA]._watermark[WMARK_LOW] = 1e9;
    const pfn = __alloc_pages(k, GFP_ATOMIC, 1, 0, null);
    expect(pfn).not.toBe(NO_PFN);
    expect(z.nr_reserved_highatomic).toBe(pageblock_nr_pages);
    expect(get_pageblock_migratetype(k, pfn)).toBe(MIGRATE_HIGHATOMIC);
    checkBuddy(k);
    // Highatomic free pages are hidden from ordinary watermark checks.
    const free = z.vm_stat[NR_FREE_PAGES];
    expect(__zone_watermark_ok(z, 0, free - 100, ZONE_DMA32, 0, free)).toBe(false);
    expect(__zone_watermark_ok(z, 0, free - 100, ZONE_DMA32, ALLOC_OOM, free)).toBe(true);
  });
});

describe("watermarks", () => {
  it("applies the reserve discounts of __GFP_HIGH, non-blocking and OOM callers", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    // min 100: plain needs free > 100; __GFP_HIGH > 50; GFP_ATOMIC > 50 - 12 = 38; OOM > 50.
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, 0, 101)).toBe(true);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, 0, 100)).toBe(false);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, ALLOC_MIN_RESERVE, 51)).toBe(true);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, ALLOC_MIN_RESERVE, 50)).toBe(false);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 39)).toBe(true);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 38)).toBe(false);
    expect(__zone_watermark_ok(z, 0, 100, ZONE_DMA32, ALLOC_OOM, 51)).toBe(true);
  });

  it("counts only the pages an order-N request could use and needs a free block of that order", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    const z = k.zones[ZONE_DMA32];
    freeRange(k, 4096, 4096 + 64); // one order-6 block
    // order 6 discounts 63 pages: 1 free page left to compare with the mark
    expect(zone_watermark_ok(z, 6, 0, ZONE_DMA32, 0)).toBe(true);
    expect(zone_watermark_ok(z, 6, 1, ZONE_DMA32, 0)).toBe(false);
    expect(zone_watermark_ok(z, 5, 0, ZONE_DMA32, 0)).toBe(true);
    // order 3 discounts 7 pages: 64 - 7 = 57 > 56, not > 57
    expect(zone_watermark_ok(z, 3, 56, ZONE_DMA32, 0)).toBe(true);
    expect(zone_watermark_ok(z, 3, 57, ZONE_DMA32, 0)).toBe(false);
    freeRange(k, 4096 + 128, 4096 + 128 + 64); // a second order-6 block: 128 free, none of order 7
    expect(zone_watermark_ok(z, 7, 0, ZONE_DMA32, 0)).toBe(false);
  });

  it("keeps lowmem_reserve pages of DMA from allocations that could use DMA32", () => {
    const k = makeTestMachine();
    const dma = k.zones[ZONE_DMA];
    expect(zone_watermark_ok(dma, 0, 8, ZONE_DMA, 0)).toBe(true);
    dma.lowmem_reserve[ZONE_DMA32] = 5000;
    expect(zone_watermark_ok(dma, 0, 8, ZONE_DMA32, 0)).toBe(false);
    expect(zone_watermark_ok(dma, 0, 8, ZONE_DMA, 0)).toBe(true);
  });

  it("derives alloc_flags from gfp as the 6.1.x slow path does", () => {
    expect(gfp_to_alloc_flags(GFP_KERNEL, 0)).toBe(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    expect(gfp_to_alloc_flags(GFP_ATOMIC, 0)).toBe(ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
    expect(gfp_to_alloc_flags(GFP_ATOMIC, 2)).toBe(ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC);
    expect(gfp_to_alloc_flags(GFP_NOWAIT, 0)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
    expect(gfp_to_alloc_flags(GFP_TRANSHUGE_LIGHT, 9)).toBe(ALLOC_CPUSET);
  });
});

describe("__alloc_pages", () => {
  it("uses the zonelist: DMA32 first, DMA only for GFP_DMA or when DMA32 is exhausted", () => {
    const k = makeTestMachine();
    expect(alloc_pages(k, GFP_KERNEL, 0)).toBeGreaterThanOrEqual(4096);
    expect(alloc_pages(k, GFP_DMA, 0)).toBeLessThan(4096);
    expect(k.vm_events[PGALLOC_DMA]).toBe(1);
    expect(k.vm_events[PGALLOC_DMA32]).toBe(1);
    expect(k.zones[ZONE_DMA32].vm_numa_event[NUMA_HIT]).toBe(1);
    expect(k.zones[ZONE_DMA32].vm_numa_event[NUMA_LOCAL]).toBe(1);
  });

  it("counts pgalloc per zone and pgfree in base pages", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 2);
    expect(k.vm_events[PGALLOC_DMA32]).toBe(4);
    __free_pages(k, p, 2);
    expect(k.vm_events[PGFREE]).toBe(4 + 16383); // boot frees count too
  });

  it("fails once memory is exhausted and logs one rate-limited warn_alloc line", () => {
    const k = makeTestMachine({ pcp: false });
    k.currentComm = "memC";
    let n = 0;
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN) n++;
    // DMA's reserve against DMA32 allocations (64 + min 8) and DMA32's min share stay free.
    expect(n).toBeGreaterThan(15000);
    expect(k.log.records).toHaveLength(0);
    expect(alloc_pages(k, GFP_KERNEL, 0)).toBe(NO_PFN);
    expect(alloc_pages(k, GFP_KERNEL, 0)).toBe(NO_PFN);
    const lines = k.log.records.map((r) => r.text);
    expect(lines).toEqual(["memC: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0"]);
    k.now_ns += 11e9;
    expect(alloc_pages(k, GFP_KERNEL, 0)).toBe(NO_PFN);
    expect(k.log.records.map((r) => r.text).slice(1)).toEqual([
      "warn_alloc: 1 callbacks suppressed",
      "memC: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0",
    ]);
    checkBuddy(k);
  });

  it("calls the reclaim, compaction and OOM hooks in the slow path's order", () => {
    const k = makeTestMachine({ pcp: false });
    const calls: string[] = [];
    k.mmHooks.wakeup_kswapd = () => void calls.push("kswapd");
    k.mmHooks.try_to_free_pages = () => (calls.push("reclaim"), 0);
    k.mmHooks.try_to_compact_pages = () => (calls.push("compact"), 1);
    k.mmHooks.out_of_memory = () => (calls.push("oom"), false);
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN);
    calls.length = 0;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(calls[0]).toBe("kswapd");
    expect(calls).toContain("reclaim");
    expect(calls.at(-1)).toBe("oom");
    // Order 0 never compacts; no OOM for costly orders.
    expect(calls).not.toContain("compact");
    calls.length = 0;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 4)).toBe(NO_PFN);
    expect(calls).toContain("compact");
    expect(calls).not.toContain("oom");
    expect(k.vm_events[COMPACTSTALL]).toBe(0); // COMPACT_SKIPPED is not a stall
  });

  it("retries after the OOM killer makes progress and succeeds once it frees memory", () => {
    const k = makeTestMachine({ pcp: false });
    const held: number[] = [];
    for (let p; (p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)) !== NO_PFN; ) held.push(p);
    k.mmHooks.out_of_memory = (kk) => {
      for (let i = 0; i < 500; i++) __free_pages(kk, held.pop() ?? NO_PFN, 0);
      return true;
    };
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
  });

  it("gives up at once with __GFP_NORETRY after reclaim fails", () => {
    const k = makeTestMachine({ pcp: false });
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN);
    let ooms = 0;
    k.mmHooks.out_of_memory = () => (ooms++, false);
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(ooms).toBe(0);
  });

  it("traces mm_page_alloc and mm_page_free in ftrace's format", () => {
    const k = makeTestMachine();
    const msgs: string[] = [];
    k.trace.on("mm_page_alloc", (r) => msgs.push(r.message));
    k.trace.on("mm_page_free", (r) => msgs.push(r.message));
    const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
    __free_pages(k, p, 0);
    const hex = p.toString(16);
    const ptr = "ffffea" + (p * 64).toString(16).padStart(10, "0");
    expect(msgs).toEqual([
      `page=${ptr} pfn=0x${hex} order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO`,
      `page=${ptr} pfn=0x${hex} order=0`,
    ]);
  });

  it("rejects orders of MAX_ORDER and above", () => {
    const k = makeTestMachine();
    expect(alloc_pages(k, GFP_KERNEL, MAX_ORDER)).toBe(NO_PFN);
  });
});

describe("prep_new_page and freeing compound and split pages", () => {
  it("makes a __GFP_COMP allocation a compound page that put_page frees whole", () => {
    const k = makeTestMachine();
    const z = k.zones[ZONE_DMA32];
    const free = z.vm_stat[NR_FREE_PAGES] + z.per_cpu_pageset[0].count;
    const p = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    expect(k.mem_map._refcount[p]).toBe(1);
    expect(k.mem_map.flags[p] & F(PG_head)).not.toBe(0);
    for (let i = 1; i < 4; i++) expect(k.mem_map.flags[p + i] & F(PG_tail)).not.toBe(0);
    expect(compound_order(k, p)).toBe(2);
    put_page(k, p);
    expect(k.mem_map.flags[p + 1]).toBe(0);
    expect(z.vm_stat[NR_FREE_PAGES] + z.per_cpu_pageset[0].count).toBe(free);
    checkBuddy(k);
  });

  it("frees the unreferenced rest of a non-compound block when the head is still held", () => {
    const k = makeTestMachine({ pcp: false });
    const z = k.zones[ZONE_DMA32];
    const free = z.vm_stat[NR_FREE_PAGES];
    const p = alloc_pages(k, GFP_KERNEL, 3);
    k.mem_map._refcount[p]++; // someone else holds the first page
    __free_pages(k, p, 3);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free - 1);
    __free_pages(k, p, 0);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free);
    checkBuddy(k);
  });

  it("split_page gives each page its own reference", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 2);
    split_page(k, p, 2);
    for (let i = 0; i < 4; i++) expect(k.mem_map._refcount[p + i]).toBe(1);
    for (let i = 3; i >= 0; i--) __free_pages(k, p + i, 0);
    checkBuddy(k);
  });

  it("refuses to free a referenced page through free_unref_page and a freed page twice", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 0);
    expect(() => free_unref_page(k, p, 0)).toThrow(/bad page state/);
    k.mem_map._refcount[p] = 1;
    __free_pages(k, p, 0);
    expect(() => __free_pages(k, p, 0)).toThrow(/refcount underflow/);
  });

  it("gives reclaimable allocations their own migratetype", () => {
    const k = makeTestMachine({ pcp: false });
    const p = alloc_pages(k, GFP_KERNEL | __GFP_RECLAIMABLE, 0);
    expect(get_pageblock_migratetype(k, p)).toBe(MIGRATE_RECLAIMABLE);
  });
});

describe("on a two-node boot (w0-numa2 layout)", () => {
  const boot = () =>
    start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });

  it("sizes each node's pcp lists from its own CPU, as w0-numa2's zoneinfo shows", () => {
    const k = boot();
    const hb = (nid: number, zid: number) => k.node_data[nid].node_zones[zid].per_cpu_pageset.map((p) => [p.high, p.batch]);
    // Real: node 0 DMA high 237 batch 1, DMA32 6926/31; node 1 DMA32 7965/31, on both CPUs.
    expect(hb(0, ZONE_DMA)).toEqual([[237, 1], [237, 1]]);
    expect(hb(0, ZONE_DMA32)).toEqual([[6926, 31], [6926, 31]]);
    expect(hb(1, ZONE_DMA32)).toEqual([[7965, 31], [7965, 31]]);
  });

  it("counts numa_hit/local on the preferred node and numa_miss/foreign/other off it", () => {
    const k = boot();
    const z0 = k.node_data[0].node_zones[ZONE_DMA32];
    const z1 = k.node_data[1].node_zones[ZONE_DMA32];
    // Boot's own allocations (the slab, kernel stacks, the second CPU's idle task) counted some
    // already: the expectations are what the allocations below add.
    const e0 = Float64Array.from(z0.vm_numa_event);
    const e1 = Float64Array.from(z1.vm_numa_event);
    for (let i = 0; i < e0.length; i++) {
      z0.vm_numa_event[i] -= e0[i];
      z1.vm_numa_event[i] -= e1[i];
    }
    k.cpu = 0;
    const a = __alloc_pages(k, GFP_KERNEL, 0, 1, null); // wants node 1 from CPU 0: hit, other
    expect(k.page_zone(a)).toBe(z1);
    expect(z1.vm_numa_event[NUMA_HIT]).toBe(1);
    expect(z1.vm_numa_event[NUMA_OTHER]).toBe(1);
    const b = __alloc_pages(k, GFP_KERNEL, 0, 0, [1]); // prefers node 0, nodemask only node 1
    expect(k.page_zone(b)).toBe(z1);
    expect(z1.vm_numa_event[NUMA_MISS]).toBe(0); // preferred zone is the first allowed: node 1
    // Exhaust node 1 for __GFP_THISNODE: it fails rather than fall back to node 0.
    k.cpu = 1;
    let n = 0;
    while (__alloc_pages(k, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 3, 1, null) !== NO_PFN) n++;
    expect(n).toBeGreaterThan(1000);
    const c = __alloc_pages(k, GFP_KERNEL, 0, 1, null); // falls back to node 0: miss + foreign
    expect(k.page_zone(c)?.node).toBe(0);
    expect(z0.vm_numa_event[NUMA_MISS]).toBe(1);
    expect(z1.vm_numa_event[NUMA_FOREIGN]).toBe(1);
    expect(z0.vm_numa_event[NUMA_OTHER]).toBe(1);
    checkBuddy(k);
  });
});

describe("on a real boot (start_kernel, w0 layout)", () => {
  it("allocates and frees through every path with the invariants intact", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const held: Array<[number, number]> = [];
    const gfps = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_TRANSHUGE_LIGHT | __GFP_COMP];
    for (let i = 0; i < 2000; i++) {
      const order = [0, 0, 1, 3, 9][i % 5];
      const p = alloc_pages(k, gfps[i % gfps.length], order);
      if (p !== NO_PFN) held.push([p, order]);
      if (i % 3 === 0 && held.length) {
        const [q, o] = held.splice(k.rng.below(held.length), 1)[0];
        if (k.mem_map.flags[q] & F(PG_head)) put_page(k, q);
        else __free_pages(k, q, o);
      }
    }
    checkBuddy(k);
    expect(k.zones[ZONE_NORMAL].vm_stat[NR_FREE_PAGES]).toBe(0);
    expect(nodemask_pbl([0, 1, 2, 5])).toBe("0-2,5");
    expect(k.zones[ZONE_DMA32].watermark_boost).toBeGreaterThanOrEqual(0);
    expect(k.zones[ZONE_DMA32]._watermark[WMARK_MIN]).toBeGreaterThan(0);
  });
});
