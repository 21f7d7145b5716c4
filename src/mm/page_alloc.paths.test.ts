/**
 * Paths of the buddy allocator that page_alloc.test.ts does not pin down, written from the
 * survivors of a mutation run (docs/architecture.md, "Mutation testing"): each test builds the
 * free-list state a branch of mm/page_alloc.c needs and checks what 6.1 does there — which list a
 * freed block joins and at which end, when blocks merge, when a fallback claims a pageblock, the
 * highatomic reserve's bounds, the tracepoint text. Expected values come from the 6.1 source named
 * beside each test, never from running the model.
 */
import { describe, expect, it } from "vitest";
import type { alloc_context } from "./alloc_hooks.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import type { TraceRecord } from "../kernel/trace.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { errnoValues } from "../kernel/errno.js";
import {
  __GFP_ACCOUNT,
  __GFP_COMP,
  __GFP_DMA32,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_TRANSHUGE_LIGHT,
} from "./gfp.js";
import { F, PG_buddy, PG_head, PG_lru, PG_mlocked, PG_reserved, PG_tail } from "./memmap.js";
import { COMPACT_COMPLETE, COMPACT_DEFERRED, COMPACT_SKIPPED, COMPACT_SUCCESS, NODE_RECLAIM_FULL, NODE_RECLAIM_NOSCAN, NODE_RECLAIM_SUCCESS, PF_MEMALLOC } from "./alloc_hooks.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  ZONE_BOOSTED_WATERMARK,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  ZONE_RECLAIM_ACTIVE,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  MAX_NR_ZONES,
  pglist_data,
  type zone,
} from "./mmzone.js";
import {
  __alloc_pages,
  __free_one_page,
  __isolate_free_page,
  __putback_isolated_page,
  alloc_page_pcp_fast,
  nr_free_buffer_pages,
  nr_free_zone_pages,
  __rmqueue,
  __rmqueue_smallest,
  __free_pages,
  __zone_watermark_ok,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_WMARK_LOW,
  ALLOC_CPUSET,
  ALLOC_WMARK_MIN,
  ALLOC_NOFRAGMENT,
  alloc_page,
  alloc_pages,
  drain_all_pages,
  drain_local_pages,
  drain_zone_pages,
  get_page_from_freelist,
  free_pcppages_bulk,
  order_to_pindex,
  put_page,
  buddy_order,
  can_steal_fallback,
  compound_order,
  find_suitable_fallback,
  FPI_NONE,
  free_one_page,
  post_alloc_hook,
  FPI_TO_TAIL,
  get_pageblock_migratetype,
  gfp_pfmemalloc_allowed,
  gfp_to_alloc_flags,
  move_freepages_block,
  page_ptr_string,
  PageBuddy,
  pcp_allowed_order,
  pindex_to_order,
  reserve_highatomic_pageblock,
  split_free_page,
  split_page,
  unreserve_highatomic_pageblock,
  totalram_pages,
  warn_alloc,
  zone_highsize,
  zone_pcp_update,
  zone_watermark_fast,
  zone_watermark_ok_safe,
} from "./page_alloc.js";
import { freeRange, makeTestMachine } from "./page_alloc.testutil.js";
import { cachePreferredZones } from "./mm_init.js";
import { __GFP_ATOMIC, __GFP_FS, __GFP_IO, __GFP_KSWAPD_RECLAIM, __GFP_MOVABLE, __GFP_DIRECT_RECLAIM, __GFP_HARDWALL } from "../include/linux/gfp_types.js";
import { Machine } from "../sim/machine.js";
import { kernelOf } from "../api/internals.js";
import { MEMCG_DATA_KMEM } from "./memcontrol.js";
import { KernelBug } from "../kernel/bug.js";
import { task_struct } from "../kernel/sched.js";
import { MAX_ORDER, MiB, NO_PFN, pageblock_nr_pages } from "./types.js";
import { COMPACTFAIL, COMPACTSTALL, COMPACTSUCCESS, NR_FREE_PAGES, NR_MLOCK, NUMA_HIT, NUMA_LOCAL, NUMA_OTHER, PGALLOC_DMA32, PGFREE, UNEVICTABLE_PGCLEARED } from "./vmstat_items.js";

const ENOENT = errnoValues.ENOENT;

/** A machine with no free memory and no pcp lists: each test frees exactly the blocks it needs. */
const bare = (o: { nrPages?: number } = {}): Kernel => makeTestMachine({ free: false, pcp: false, ...o });
const dma32 = (k: Kernel): zone => k.zones[ZONE_DMA32];
/** The blocks on one free list, head first. */
function list(k: Kernel, z: zone, order: number, mt: number): number[] {
  const out: number[] = [];
  const heads = z.free_area[order].free_list;
  for (let p = heads[mt]; p !== NO_PFN && out.length < 10000; p = k.mem_map.lru.list_next(heads, mt, p)) out.push(p);
  return out;
}
/** An alloc_context over node 0's zonelist, as prepare_alloc_pages fills it for GFP_KERNEL. */
function ac(k: Kernel, migratetype: number, highest_zoneidx = ZONE_DMA32): alloc_context {
  return { zonelist: k.node_data[0].node_zonelists, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype, highest_zoneidx, spread_dirty_pages: false };
}

describe("small helpers", () => {
  it("prints a NULL page as 16 zeros and pfn 0 at vmemmap's start (%p, no_hash_pointers)", () => {
    // include/trace/events/kmem.h mm_page_alloc: page=%p of a failed allocation is NULL.
    expect(page_ptr_string(-1)).toBe("0000000000000000");
    expect(page_ptr_string(0)).toBe("ffffea0000000000");
    expect(page_ptr_string(1)).toBe("ffffea0000000040");
  });

  it("caches orders 0-3 and pageblock_order on pcp lists (pcp_allowed_order), THP lists at 12 and 13", () => {
    expect([0, 1, 2, 3, 4, 8, 9, 10].map(pcp_allowed_order)).toEqual([true, true, true, true, false, false, true, false]);
    // pindex_to_order: NR_LOWORDER_PCP_LISTS = 3 * 4 = 12; 12 and 13 are order 9, 11 is order 3.
    expect([0, 11, 12, 13].map(pindex_to_order)).toEqual([0, 3, 9, 9]);
  });

  it("reads a compound order only from a head page (compound_order)", () => {
    const k = bare();
    k.mem_map.index[4097] = 5; // page[1].index of a page that is no head
    expect(compound_order(k, 4096)).toBe(0);
  });

  it("lets an order-4 block be claimed whole: can_steal_fallback's pageblock_order / 2 is 4 in C", () => {
    // mm/page_alloc.c can_steal_fallback: order >= pageblock_order (9) → true; then
    // order >= pageblock_order / 2 (integer 4) or an unmovable/reclaimable start type.
    expect(can_steal_fallback(9, MIGRATE_MOVABLE)).toBe(true);
    expect(can_steal_fallback(4, MIGRATE_MOVABLE)).toBe(true);
    expect(can_steal_fallback(3, MIGRATE_MOVABLE)).toBe(false);
    expect(can_steal_fallback(0, MIGRATE_RECLAIMABLE)).toBe(true);
    expect(can_steal_fallback(0, MIGRATE_UNMOVABLE)).toBe(true);
  });

  it("splits pcp high over the CPUs of the zone's node only (zone_highsize, cpumask_of_node)", () => {
    const k = makeTestMachine({ cpus: 4 });
    k.cpu_to_node = [0, 1, 0, 1];
    const z = dma32(k);
    // low watermark 160 (min 128 + 128/4) over node 0's two CPUs: 80; at least 4 batches.
    expect(zone_highsize(k, z, 3, 0)).toBe(80);
    expect(zone_highsize(k, z, 3, 1)).toBe(53); // a third CPU coming up: 160 / 3
    expect(zone_highsize(k, z, 30, 0)).toBe(120); // batch << 2
  });
});

describe("__free_one_page", () => {
  it("puts boot frees (FPI_TO_TAIL) at the tail and other frees at the head of their list", () => {
    const k = bare();
    const z = dma32(k);
    // 4096 and 4098 at order 0: the buddy of the combined block 4098|4099 → 4096 (order 1) is
    // not free, so buddy_merge_likely is false and only FPI_TO_TAIL decides.
    freeRange(k, 4096, 4097);
    freeRange(k, 4098, 4099);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4096, 4098]);
    // 4104 freed without FPI_TO_TAIL (its order-1 buddy 4106 is not free: no merge likely).
    __free_one_page(k, 4104, z, 0, MIGRATE_MOVABLE, FPI_NONE);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4104, 4096, 4098]);
    __free_one_page(k, 4108, z, 0, MIGRATE_MOVABLE, FPI_TO_TAIL);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4104, 4096, 4098, 4108]);
  });

  it("puts a block at the tail when the next order's buddy is free (buddy_merge_likely), below MAX_ORDER - 2", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4112, 4113); // the list's head before the frees below
    freeRange(k, 4098, 4100); // 4098 at order 1
    // 4097 at order 0 (4096 allocated): combined block 4096 at order 1, whose buddy 4096 ^ 2 =
    // 4098 is a free order-1 block → tail.
    __free_one_page(k, 4097, z, 0, MIGRATE_MOVABLE, FPI_NONE);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4112, 4097]);
    // 4101 at order 0 (4100 allocated): combined block 4100 at order 1, buddy 4102 not free → head.
    __free_one_page(k, 4101, z, 0, MIGRATE_MOVABLE, FPI_NONE);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4101, 4112, 4097]);
  });

  it("does not look for a likely merge at order MAX_ORDER - 2 (9) and above", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 6656, 7168); // an order-9 block heading the list
    freeRange(k, 5120, 6144); // order 10 at 5120: the buddy of 4096's order-10 block
    // 4096 at order 9 (4608 allocated): 6.1's buddy_merge_likely returns false at
    // order >= MAX_ORDER - 2 = 9 although 4096's order-10 buddy 5120 is free → head.
    __free_one_page(k, 4096, z, 9, MIGRATE_MOVABLE, FPI_NONE);
    expect(list(k, z, 9, MIGRATE_MOVABLE)).toEqual([4096, 6656]);
  });

  it("merges pageblock-sized buddies only between mergeable migratetypes", () => {
    // mm/page_alloc.c __free_one_page: at order >= pageblock_order, a buddy of another
    // migratetype merges unless either is not migratetype_is_mergeable (HIGHATOMIC, ISOLATE).
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4608, 5120);
    __free_one_page(k, 4096, z, 9, MIGRATE_UNMOVABLE, FPI_NONE);
    expect([z.free_area[9].nr_free, z.free_area[10].nr_free]).toEqual([0, 1]);

    const k2 = bare();
    const z2 = dma32(k2);
    k2.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    freeRange(k2, 4608, 5120); // movable
    __free_one_page(k2, 4096, z2, 9, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect([z2.free_area[9].nr_free, z2.free_area[10].nr_free]).toEqual([2, 0]);

    // The other way round: a movable block whose buddy pageblock is highatomic.
    const k3 = bare();
    const z3 = dma32(k3);
    k3.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k3, 4608, z3, 9, MIGRATE_HIGHATOMIC, FPI_NONE);
    __free_one_page(k3, 4096, z3, 9, MIGRATE_MOVABLE, FPI_NONE);
    expect([z3.free_area[9].nr_free, z3.free_area[10].nr_free]).toEqual([2, 0]);
  });

  it("does not merge with a free buddy in another zone (page_is_buddy's page_zone_id test)", () => {
    const k = bare();
    // Make pageblock 4608 part of ZONE_DMA: 4096 (DMA32) and 4608 are order-9 buddies.
    k.mem_map.pageblock_zone[4608 >>> 9] = ZONE_DMA;
    freeRange(k, 4608, 5120);
    freeRange(k, 4096, 4608);
    expect(k.zones[ZONE_DMA].free_area[9].nr_free).toBe(1);
    expect(dma32(k).free_area[9].nr_free).toBe(1);
    expect(dma32(k).free_area[10].nr_free).toBe(0);
  });

  it("counts an isolated block's pages in no NR_FREE_PAGES (__mod_zone_freepage_state skipped)", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_ISOLATE;
    __putback_isolated_page(k, 4096, 3, MIGRATE_ISOLATE);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(0);
    expect(list(k, z, 3, MIGRATE_ISOLATE)).toEqual([4096]);
    __putback_isolated_page(k, 4608, 3, MIGRATE_MOVABLE);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(8);
  });
});

describe("mm_page_alloc_zone_locked", () => {
  it("traces each block __rmqueue_smallest takes, percpu_refill 1 only for a pcp order and type", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 4096 + 64);
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k, 4608, z, 0, MIGRATE_HIGHATOMIC, FPI_NONE);
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_alloc_zone_locked", (r) => recs.push(r));
    // mm/page_alloc.c __rmqueue_smallest: percpu_refill = pcp_allowed_order(order) && migratetype < MIGRATE_PCPTYPES.
    expect(__rmqueue_smallest(k, z, 0, MIGRATE_MOVABLE)).toBe(4096);
    expect(__rmqueue_smallest(k, z, 4, MIGRATE_MOVABLE)).toBe(4096 + 16);
    expect(__rmqueue_smallest(k, z, 0, MIGRATE_HIGHATOMIC)).toBe(4608);
    expect(recs.map((r) => r.message)).toEqual([
      "page=ffffea0000040000 pfn=0x1000 order=0 migratetype=1 percpu_refill=1",
      "page=ffffea0000040400 pfn=0x1010 order=4 migratetype=1 percpu_refill=0",
      "page=ffffea0000048000 pfn=0x1200 order=0 migratetype=3 percpu_refill=0",
    ]);
    expect(recs[0].event).toBe("mm_page_alloc_zone_locked");
    expect(recs[1].fields).toEqual({ pfn: 4112, order: 4, migratetype: 1, percpu_refill: 0 });
  });
});

describe("find_suitable_fallback", () => {
  it("returns the first fallback type with a block, and with only_stealable only a claimable one", () => {
    const k = bare();
    const z = dma32(k);
    const can_steal = new Uint8Array(1);
    // An empty area: -1 before *can_steal is touched (6.1 tests area->nr_free first).
    can_steal[0] = 1;
    expect(find_suitable_fallback(z.free_area[0], 0, MIGRATE_MOVABLE, false, can_steal)).toBe(-1);
    expect(can_steal[0]).toBe(1);
    // One movable order-0 block: movable has no fallback of its own type.
    freeRange(k, 4096, 4097);
    expect(find_suitable_fallback(z.free_area[0], 0, MIGRATE_MOVABLE, false, can_steal)).toBe(-1);
    // fallbacks[MIGRATE_UNMOVABLE] = { RECLAIMABLE, MOVABLE }: reclaimable is empty.
    expect(find_suitable_fallback(z.free_area[0], 0, MIGRATE_UNMOVABLE, true, can_steal)).toBe(MIGRATE_MOVABLE);
    expect(can_steal[0]).toBe(1);
    // A movable request on an unmovable order-0 block: found, but not claimable (order < 4).
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4608, 4609);
    expect(find_suitable_fallback(z.free_area[0], 0, MIGRATE_MOVABLE, false, can_steal)).toBe(MIGRATE_UNMOVABLE);
    expect(can_steal[0]).toBe(0);
    expect(find_suitable_fallback(z.free_area[0], 0, MIGRATE_MOVABLE, true, can_steal)).toBe(-1);
  });
});

describe("__rmqueue_fallback and steal_suitable_fallback", () => {
  it("claims a pageblock for a movable request whose largest fallback block is order 4 (can_steal_fallback)", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    // 16 order-4 blocks, every other 16 pages: 256 free pages, none larger than order 4.
    for (let i = 0; i < 16; i++) freeRange(k, 4096 + 32 * i, 4096 + 32 * i + 16);
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_alloc_extfrag", (r) => recs.push(r));
    // steal_suitable_fallback: whole_block → move_freepages_block moves 256 free pages; a movable
    // start counts the LRU pages (none) as alike; 256 >= 1 << (9 - 1) → the pageblock is claimed.
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4096);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_MOVABLE);
    expect(z.free_area[4].nr_free).toBe(15);
    expect(list(k, z, 4, MIGRATE_UNMOVABLE)).toEqual([]);
    expect(recs.map((r) => r.message)).toEqual([
      "page=ffffea0000040000 pfn=0x1000 alloc_order=0 fallback_order=4 pageblock_order=9 alloc_migratetype=1 fallback_migratetype=0 fragmenting=1 change_ownership=1",
    ]);
    expect(recs[0].fields).toEqual({ pfn: 4096, alloc_order: 0, fallback_order: 4, alloc_migratetype: 1, fallback_migratetype: 0, fragmenting: 1, change_ownership: 1 });
  });

  it("moves only the chosen block when the pageblock cannot be claimed (whole_block false)", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4098); // order 1
    freeRange(k, 4104, 4112); // order 3
    const recs: string[] = [];
    k.trace.on("mm_page_alloc_extfrag", (r) => recs.push(r.message));
    // Movable at order 0: the largest block (order 3) cannot be claimed, so find_smallest takes
    // the order-1 block, and only it moves to the movable list (move_to_free_list).
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4096);
    expect(list(k, z, 3, MIGRATE_UNMOVABLE)).toEqual([4104]);
    expect(list(k, z, 0, MIGRATE_MOVABLE)).toEqual([4097]);
    expect(recs[0]).toMatch(/ fallback_order=1 .* fragmenting=1 change_ownership=0$/);
  });

  it("counts allocated LRU pages as alike for a movable request, and only those", () => {
    const k = bare();
    const z = dma32(k);
    // Unmovable pageblock 4096: order 7 free at 4096 (128 pages), the other 384 allocated, 200
    // of them on an LRU. Movable request: alike = movable_pages = 200; 128 + 200 >= 256 → claimed.
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4224);
    for (let p = 4224; p < 4608; p++) k.mem_map._refcount[p] = 1;
    for (let p = 4224; p < 4424; p++) k.mem_map.flags[p] |= F(PG_lru);
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4096);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_MOVABLE);
    // Unmovable pageblock 4608 the same without LRU pages: alike 0 (movable_pages counted afresh
    // by move_freepages_block), 128 < 256 → stays unmovable.
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4608, 4736);
    for (let p = 4736; p < 5120; p++) k.mem_map._refcount[p] = 1;
    while (list(k, z, 0, MIGRATE_MOVABLE).length + list(k, z, 1, MIGRATE_MOVABLE).length > 0 || z.free_area[2].nr_free + z.free_area[3].nr_free + z.free_area[4].nr_free + z.free_area[5].nr_free + z.free_area[6].nr_free > 0) {
      __rmqueue_smallest(k, z, 0, MIGRATE_MOVABLE); // use up the first pageblock's pages
    }
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4608);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_UNMOVABLE);
  });

  it("counts no alike pages for an unmovable request in a reclaimable pageblock", () => {
    const k = bare();
    const z = dma32(k);
    // Reclaimable pageblock, 16 free pages, the rest allocated: unmovable → reclaimable is a
    // fallback where 6.1 cannot tell the non-movable pages' types: alike 0, 16 < 256.
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_RECLAIMABLE;
    freeRange(k, 4096, 4112);
    for (let p = 4112; p < 4608; p++) k.mem_map._refcount[p] = 1;
    expect(__rmqueue(k, z, 0, MIGRATE_UNMOVABLE, 0)).toBe(4096);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_RECLAIMABLE);
    // From a movable pageblock the same request counts the 496 non-free, non-LRU pages as alike.
    freeRange(k, 4608, 4624);
    for (let p = 4624; p < 5120; p++) k.mem_map._refcount[p] = 1;
    while (z.free_area[0].nr_free + z.free_area[1].nr_free + z.free_area[2].nr_free + z.free_area[3].nr_free > 0) __rmqueue_smallest(k, z, 0, MIGRATE_UNMOVABLE);
    expect(__rmqueue(k, z, 0, MIGRATE_UNMOVABLE, 0)).toBe(4608);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_UNMOVABLE);
  });

  it("takes a whole pageblock-sized block over without boosting the watermark", () => {
    const k = bare();
    const z = dma32(k);
    z.managed_pages = 12288; // as a full test machine's DMA32: boost_watermark would boost
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4608, 5120);
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, ALLOC_KSWAPD)).toBe(4608);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_MOVABLE);
    expect(z.watermark_boost).toBe(0);
    expect(z.flags & (1 << ZONE_BOOSTED_WATERMARK)).toBe(0);
  });

  it("boosts on a fragmenting fallback but flags ZONE_BOOSTED_WATERMARK only with ALLOC_KSWAPD", () => {
    const k = bare();
    const z = dma32(k);
    z.managed_pages = 12288;
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4104);
    // boost_watermark: max_boost = high 192 * 15000 / 10000 = 288, at least a pageblock: 512.
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4096);
    expect(z.watermark_boost).toBe(pageblock_nr_pages);
    expect(z.flags & (1 << ZONE_BOOSTED_WATERMARK)).toBe(0);
  });

  it("leaves a highatomic pageblock's type alone when its block is on another list", () => {
    const k = bare();
    const z = dma32(k);
    // A race in 6.1 (a pcp drain) can leave a highatomic pageblock's block on an unmovable list;
    // steal_suitable_fallback then only moves the block (single_page).
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k, 4608, z, 9, MIGRATE_UNMOVABLE, FPI_NONE);
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4608);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_HIGHATOMIC);
  });

  it("does not claim a pageblock that runs past the zone's end (move_freepages_block returns 0)", () => {
    const k = bare({ nrPages: 16640 });
    const z = dma32(k);
    // Pageblock 32 = [16384, 16896) but DMA32 ends at 16640.
    k.mem_map.pageblock_zone[32] = ZONE_DMA32;
    k.mem_map.pageblock_mt[32] = MIGRATE_MOVABLE;
    freeRange(k, 16384, 16640); // order 8
    expect(move_freepages_block(k, z, 16400, MIGRATE_UNMOVABLE, null)).toBe(0);
    expect(list(k, z, 8, MIGRATE_MOVABLE)).toEqual([16384]);
    // The unmovable request takes the block alone; free_pages 0 → single_page, type unchanged.
    expect(__rmqueue(k, z, 0, MIGRATE_UNMOVABLE, 0)).toBe(16384);
    expect(get_pageblock_migratetype(k, 16384)).toBe(MIGRATE_MOVABLE);
  });

  it("with ALLOC_NOFRAGMENT falls back only to blocks of pageblock_order and more", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4097); // an order-0 unmovable block, the only free memory
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, ALLOC_NOFRAGMENT)).toBe(NO_PFN);
    // Without it the order-0 block is the fallback (the search goes down to min_order 0).
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(4096);
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(NO_PFN);
  });
});

describe("move_freepages_block", () => {
  it("moves every free block of the pageblock, the last page included, from any pfn inside it", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 4112); // order 4 at the pageblock's start
    freeRange(k, 4607, 4608); // order 0 at its last page
    for (let p = 4112; p < 4607; p++) k.mem_map._refcount[p] = 1;
    for (let p = 4200; p < 4300; p++) k.mem_map.flags[p] |= F(PG_lru);
    const movable = new Int32Array([7]);
    expect(move_freepages_block(k, z, 4400, MIGRATE_RECLAIMABLE, movable)).toBe(17);
    expect(movable[0]).toBe(100);
    expect(list(k, z, 4, MIGRATE_RECLAIMABLE)).toEqual([4096]);
    expect(list(k, z, 0, MIGRATE_RECLAIMABLE)).toEqual([4607]);
  });

  it("links a deferred boot block before walking it, and moves it whole", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const z = dma32(k);
    const area = z.free_area[MAX_ORDER - 1];
    const t = area.deferred?.[MIGRATE_MOVABLE];
    expect(t?.nr).toBeGreaterThan(1);
    const pfn = t?.start[t.first] ?? NO_PFN;
    // A free order-10 block's head, as 6.1's struct page says (PageBuddy, buddy_order 10).
    expect(PageBuddy(k, pfn)).toBe(true);
    expect(buddy_order(k, pfn)).toBe(MAX_ORDER - 1);
    expect(PageBuddy(k, pfn + 1)).toBe(false);
    // move_freepages meets the order-10 head and moves 1 << 10 pages.
    expect(move_freepages_block(k, z, pfn, MIGRATE_RECLAIMABLE, null)).toBe(1024);
    expect(list(k, z, MAX_ORDER - 1, MIGRATE_RECLAIMABLE)).toContain(pfn);
    checkBuddy(k);
  });
});

describe("deferred boot blocks keep the eager list's order", () => {
  /** Takes every order-10 block of the list, in the order __rmqueue_smallest hands them out. */
  const drain10 = (k: Kernel, z: zone, mt: number): number[] => {
    const out: number[] = [];
    const n = z.free_area[MAX_ORDER - 1].nr_free;
    for (let i = 0; i < n + 1; i++) {
      const p = __rmqueue_smallest(k, z, MAX_ORDER - 1, mt);
      if (p === NO_PFN) break;
      out.push(p);
    }
    return out;
  };

  it("a block freed to the tail comes out after the unlinked boot blocks (add_to_free_list_tail)", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const z = dma32(k);
    const first = __rmqueue_smallest(k, z, MAX_ORDER - 1, MIGRATE_MOVABLE);
    const nr = z.free_area[MAX_ORDER - 1].nr_free;
    __free_one_page(k, first, z, MAX_ORDER - 1, MIGRATE_MOVABLE, FPI_TO_TAIL);
    expect(z.free_area[MAX_ORDER - 1].nr_free).toBe(nr + 1);
    const order = drain10(k, z, MIGRATE_MOVABLE);
    expect(order.at(-1)).toBe(first);
    expect(order.length).toBeGreaterThan(2);
    // Empty now, deferred runs included: NO_PFN, not a stale run.
    expect(__rmqueue_smallest(k, z, MAX_ORDER - 1, MIGRATE_MOVABLE)).toBe(NO_PFN);
    expect(z.free_area[MAX_ORDER - 1].nr_free).toBe(nr + 1 - order.length);
  });

  it("a block moved to a list with unlinked boot blocks goes after them (move_to_free_list)", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const z = dma32(k);
    const x = __rmqueue_smallest(k, z, MAX_ORDER - 1, MIGRATE_MOVABLE);
    k.mem_map.pageblock_mt[x >>> 9] = MIGRATE_HIGHATOMIC;
    k.mem_map.pageblock_mt[(x >>> 9) + 1] = MIGRATE_HIGHATOMIC;
    __free_one_page(k, x, z, MAX_ORDER - 1, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect(list(k, z, MAX_ORDER - 1, MIGRATE_HIGHATOMIC)).toEqual([x]);
    // list_move_tail onto the movable list, whose tail is the unlinked boot blocks.
    expect(move_freepages_block(k, z, x, MIGRATE_MOVABLE, null)).toBe(1024);
    const order = drain10(k, z, MIGRATE_MOVABLE);
    expect(order.at(-1)).toBe(x);
    expect(order.length).toBeGreaterThan(2);
  });
});

describe("highatomic reserve", () => {
  it("reserves at most 1% of the zone plus a pageblock, and only mergeable pageblocks", () => {
    const k = makeTestMachine({ pcp: false });
    const z = dma32(k);
    // max_managed = 12288 / 100 + 512 = 634 (integer division).
    expect(z.managed_pages).toBe(12288);
    reserve_highatomic_pageblock(k, 4100, z);
    expect(z.nr_reserved_highatomic).toBe(512);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_HIGHATOMIC);
    // move_freepages_block from a pfn inside the block moved its free blocks to the highatomic lists.
    expect(list(k, z, 10, MIGRATE_HIGHATOMIC)).toEqual([4096]);
    reserve_highatomic_pageblock(k, 5120, z); // 512 < 634
    expect(z.nr_reserved_highatomic).toBe(1024);
    reserve_highatomic_pageblock(k, 6144, z); // 1024 >= 634
    expect(z.nr_reserved_highatomic).toBe(1024);
    expect(get_pageblock_migratetype(k, 6144)).toBe(MIGRATE_MOVABLE);
    z.nr_reserved_highatomic = 634; // exactly at the bound: >= returns
    reserve_highatomic_pageblock(k, 6144, z);
    expect(z.nr_reserved_highatomic).toBe(634);
    z.nr_reserved_highatomic = 0;
    // A highatomic or isolated pageblock is not migratetype_is_mergeable: nothing is reserved.
    reserve_highatomic_pageblock(k, 4096, z);
    k.mem_map.pageblock_mt[7168 >>> 9] = MIGRATE_ISOLATE;
    reserve_highatomic_pageblock(k, 7168, z);
    expect(z.nr_reserved_highatomic).toBe(0);
    expect(get_pageblock_migratetype(k, 7168)).toBe(MIGRATE_ISOLATE);
  });

  it("unreserves a pageblock only past the first one unless forced", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    freeRange(k, 4096, 4608);
    z.nr_reserved_highatomic = 512;
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_MOVABLE), false)).toBe(false);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_HIGHATOMIC);
    // A zone above the allocation's highest zone is not looked at, forced or not.
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_MOVABLE, ZONE_DMA), true)).toBe(false);
    expect(z.nr_reserved_highatomic).toBe(512);
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_MOVABLE), true)).toBe(true);
    expect(z.nr_reserved_highatomic).toBe(0);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_MOVABLE);
    expect(list(k, z, 9, MIGRATE_MOVABLE)).toEqual([4096]);
  });

  it("unreserves past the first pageblock without force, and never below zero", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    freeRange(k, 4096, 4112);
    z.nr_reserved_highatomic = 1024;
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_UNMOVABLE), false)).toBe(true);
    expect(z.nr_reserved_highatomic).toBe(512);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_UNMOVABLE);
    // nr_reserved_highatomic below a pageblock: min(pageblock_nr_pages, nr) guards the underflow.
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    freeRange(k, 4608, 4616);
    z.nr_reserved_highatomic = 100;
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_MOVABLE), true)).toBe(true);
    expect(z.nr_reserved_highatomic).toBe(0);
  });

  it("leaves the count alone for a highatomic-list block whose pageblock is no longer highatomic", () => {
    const k = bare();
    const z = dma32(k);
    __free_one_page(k, 4096, z, 3, MIGRATE_HIGHATOMIC, FPI_NONE); // pageblock stays movable
    z.nr_reserved_highatomic = 512;
    expect(unreserve_highatomic_pageblock(k, ac(k, MIGRATE_MOVABLE), true)).toBe(true);
    expect(z.nr_reserved_highatomic).toBe(512);
    expect(list(k, z, 3, MIGRATE_MOVABLE)).toEqual([4096]);
  });
});

// Order-0 frees take free_unref_page_fast when k.fastPaths is set and free_unref_page_commit
// otherwise: both must give 6.1's numbers.
describe.each([true, false])("pcp high and the spill size (free_unref_page_commit, nr_pcp_high, nr_pcp_free), fastPaths %s", (fastPaths) => {
  /** A test machine whose DMA32 pcp list has the given high and batch, emptied. */
  const pcpMachine = (high: number, batch: number) => {
    const k = makeTestMachine();
    k.fastPaths = fastPaths;
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const pages: number[] = [];
    for (let i = 0; i < 64; i++) pages.push(alloc_pages(k, GFP_KERNEL, 0));
    drain_all_pages(k, null);
    pcp.high = high;
    pcp.batch = batch;
    pcp.free_factor = 0;
    return { k, z, pcp, pages };
  };

  it("spills batch << free_factor, clamped to [batch, high - batch], and grows free_factor while it fits", () => {
    const { k, pcp, pages } = pcpMachine(8, 3);
    for (let i = 0; i < 7; i++) __free_pages(k, pages[i], 0);
    expect(pcp.count).toBe(7);
    // count 8 >= high 8: nr_pcp_free: min 3, max 8 - 3 = 5, batch 3 << 0 = 3 < 5 → free_factor 1; 3 freed.
    __free_pages(k, pages[7], 0);
    expect([pcp.count, pcp.free_factor]).toEqual([5, 1]);
    for (let i = 8; i < 10; i++) __free_pages(k, pages[i], 0);
    expect(pcp.count).toBe(7);
    // count 8 again: 3 << 1 = 6, not < 5 → free_factor stays 1; clamp(6, 3, 5) = 5 freed.
    __free_pages(k, pages[10], 0);
    expect([pcp.count, pcp.free_factor]).toEqual([3, 1]);
    // An allocation halves free_factor (rmqueue_pcplist: pcp->free_factor >>= 1).
    alloc_pages(k, GFP_KERNEL, 0);
    expect(pcp.free_factor).toBe(0);
  });

  it("caps free_factor at CONFIG_PCP_BATCH_SCALE_MAX (5)", () => {
    const { k, pcp, pages } = pcpMachine(1000, 1);
    pcp.free_factor = 5;
    for (let i = 0; i < 64 && pcp.count < 999; i++) __free_pages(k, pages[i], 0);
    pcp.count = 999; // as if 999 pages were on the lists: nr_pcp_free only reads the count
    // 1 << 5 = 32 < max 999, but free_factor is already 5: it stays.
    expect(pcp.free_factor).toBe(5);
  });

  it("frees high - batch when high is below two batches, none at high == batch (6.1's clamp: hi first)", () => {
    // nr_pcp_free: clamp(batch, min_nr_free = batch, max_nr_free = high - batch); minmax.h's
    // __clamp is `val >= hi ? hi : val <= lo ? lo : val`, so lo > hi gives hi.
    const a = pcpMachine(5, 3);
    for (let i = 0; i < 5; i++) __free_pages(a.k, a.pages[i], 0);
    expect(a.pcp.count).toBe(3); // 5 reached high: 2 freed
    const b = pcpMachine(3, 3);
    for (let i = 0; i < 4; i++) __free_pages(b.k, b.pages[i], 0);
    expect(b.pcp.count).toBe(4); // high 3 reached twice, 0 freed each time
  });

  it("grows free_factor only while batch << free_factor stays below high - batch, and never past 5", () => {
    // `if (batch < max_nr_free && pcp->free_factor < CONFIG_PCP_BATCH_SCALE_MAX) free_factor++`.
    const a = pcpMachine(6, 2);
    a.pcp.free_factor = 1; // 2 << 1 = 4 == max_nr_free 4: no growth; clamp → 4 freed
    for (let i = 0; i < 6; i++) __free_pages(a.k, a.pages[i], 0);
    expect([a.pcp.count, a.pcp.free_factor]).toEqual([2, 1]);
    const b = pcpMachine(40, 1);
    b.pcp.free_factor = 5; // 1 << 5 = 32 < 39, but 5 is the cap; 32 freed
    for (let i = 0; i < 40; i++) __free_pages(b.k, b.pages[i], 0);
    expect([b.pcp.count, b.pcp.free_factor]).toEqual([8, 5]);
  });

  it("frees the whole list after an order-3 free with free_factor set (free_high up to PAGE_ALLOC_COSTLY_ORDER)", () => {
    const { k, pcp } = pcpMachine(1000, 31);
    const p = alloc_pages(k, GFP_KERNEL, 3);
    drain_all_pages(k, null);
    pcp.free_factor = 1;
    __free_pages(k, p, 3);
    expect(pcp.count).toBe(0);
  });

  it("frees one page at a time when high is below batch (nr_pcp_free's boot-pageset case)", () => {
    const { k, pcp, pages } = pcpMachine(2, 3);
    __free_pages(k, pages[0], 0);
    expect(pcp.count).toBe(1);
    // count 2 >= high 2, high < batch → 1 page freed.
    __free_pages(k, pages[1], 0);
    expect(pcp.count).toBe(1);
  });

  it("keeps nothing on a pcp list whose high is 0", () => {
    const { k, pcp, pages } = pcpMachine(0, 1);
    __free_pages(k, pages[0], 0);
    __free_pages(k, pages[1], 0);
    expect(pcp.count).toBe(0);
  });

  it("limits the list to batch * 4 while kswapd reclaims the zone (ZONE_RECLAIM_ACTIVE)", () => {
    const { k, z, pcp, pages } = pcpMachine(100, 3);
    z.flags |= 1 << ZONE_RECLAIM_ACTIVE;
    for (let i = 0; i < 11; i++) __free_pages(k, pages[i], 0);
    expect(pcp.count).toBe(11);
    // count 12 >= min(3 << 2, 100) = 12: nr_pcp_free(high 12, batch 3) = clamp(3, 3, 9) = 3.
    __free_pages(k, pages[11], 0);
    expect(pcp.count).toBe(9);
    z.flags &= ~(1 << ZONE_RECLAIM_ACTIVE);
    for (let i = 12; i < 20; i++) __free_pages(k, pages[i], 0);
    expect(pcp.count).toBe(17);
  });

  it("frees the whole list for a costly-free high order page after frees without allocation (free_high)", () => {
    const { k, pcp, pages } = pcpMachine(100, 3);
    __free_pages(k, pages[0], 0);
    const p1 = alloc_pages(k, GFP_KERNEL, 1);
    const p9 = alloc_pages(k, GFP_TRANSHUGE_LIGHT | __GFP_COMP, 9);
    drain_all_pages(k, null);
    __free_pages(k, pages[1], 0);
    __free_pages(k, pages[2], 0);
    pcp.free_factor = 0;
    pcp.high = 2000;
    // free_factor 0: an order-1 page is kept.
    __free_pages(k, p1, 1);
    expect(pcp.count).toBe(4);
    // free_high = free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER; a THP (order 9) is not.
    pcp.free_factor = 1;
    put_page(k, p9);
    expect(pcp.count).toBe(4 + 512);
    const p2 = alloc_pages(k, GFP_KERNEL, 2);
    pcp.free_factor = 1;
    // nr_pcp_high = 0 → nr_pcp_free returns pcp->count: everything goes.
    __free_pages(k, p2, 2);
    expect(pcp.count).toBe(0);
  });
});

describe("free_pcppages_bulk", () => {
  it("drains the asked list first, from its tail, then round-robin, and traces mm_page_pcpu_drain", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const u = [alloc_pages(k, GFP_KERNEL, 0), alloc_pages(k, GFP_KERNEL, 0)];
    const m = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    const o1 = alloc_pages(k, GFP_KERNEL, 1);
    drain_all_pages(k, null);
    pcp.high = 1000;
    for (const p of u) __free_pages(k, p, 0); // pindex 0: [u1, u0] (list_add at the head)
    __free_pages(k, m, 0); // pindex 1
    __free_pages(k, o1, 1); // pindex 3 (order 1, unmovable)
    expect(pcp.count).toBe(5);
    const msgs: string[] = [];
    k.trace.on("mm_page_pcpu_drain", (r) => msgs.push(r.message));
    // count 3 from pindex 1: m (1 page), then pindex 2 (empty), 3: o1 (2 pages) → count 0.
    free_pcppages_bulk(k, z, 3, pcp, 1);
    expect(pcp.count).toBe(2);
    const hex = (p: number) => p.toString(16);
    expect(msgs).toEqual([
      `page=${page_ptr_string(m)} pfn=0x${hex(m)} order=0 migratetype=1`,
      `page=${page_ptr_string(o1)} pfn=0x${hex(o1)} order=1 migratetype=0`,
    ]);
    // pindex 0 from its tail: u0 first (the coldest), and count is capped at pcp->count.
    free_pcppages_bulk(k, z, 50, pcp, 0);
    expect(msgs.slice(2).map((s) => s.split(" ")[1])).toEqual([`pfn=0x${hex(u[0])}`, `pfn=0x${hex(u[1])}`]);
    expect(pcp.count).toBe(0);
    checkBuddy(k);
  });

  it("frees into the pageblock's current type when the zone has isolated pageblocks", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(p + 1); // held: p cannot merge
    drain_all_pages(k, null);
    __free_pages(k, p, 0);
    expect(pcp.count).toBe(1);
    const free = z.vm_stat[NR_FREE_PAGES];
    k.mem_map.pageblock_mt[p >>> 9] = MIGRATE_ISOLATE;
    z.nr_isolate_pageblock = 1;
    free_pcppages_bulk(k, z, 1, pcp, 1);
    expect(list(k, z, 0, MIGRATE_ISOLATE)).toEqual([p]);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free); // an isolated page is not counted free
  });
});

describe("free_unref_page", () => {
  it("puts a highatomic page on the movable pcp list, and it drains back to the highatomic list", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(p + 1); // held: p cannot merge
    drain_all_pages(k, null);
    k.mem_map.pageblock_mt[p >>> 9] = MIGRATE_HIGHATOMIC;
    __free_pages(k, p, 0);
    expect(pcp.lists[order_to_pindex(MIGRATE_MOVABLE, 0)]).toBe(p);
    // get_pcppage_migratetype keeps the pageblock's type: the drain frees into MIGRATE_HIGHATOMIC.
    drain_all_pages(k, null);
    expect(list(k, z, 0, MIGRATE_HIGHATOMIC)).toContain(p);
  });

  it("frees an isolated page straight to the buddy lists, without a pgfree (free_one_page)", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(p + 1); // held: p cannot merge
    drain_all_pages(k, null);
    k.mem_map.pageblock_mt[p >>> 9] = MIGRATE_ISOLATE;
    const pgfree = k.vm_events[PGFREE];
    const free = z.vm_stat[NR_FREE_PAGES];
    __free_pages(k, p, 0);
    expect(pcp.count).toBe(0);
    expect(k.vm_events[PGFREE]).toBe(pgfree);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free);
    expect(list(k, z, 0, MIGRATE_ISOLATE)).toEqual([p]);
  });

  it("clears a stray PG_mlocked at free and counts unevictable_pgs_cleared per folio page (free_pages_prepare)", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    z.vm_stat[NR_MLOCK] = 10;
    // A non-compound order-2 allocation: folio_nr_pages of its first page is 1.
    const p = alloc_pages(k, GFP_KERNEL, 2);
    k.mem_map.flags[p] |= F(PG_mlocked);
    __free_pages(k, p, 2);
    expect(k.vm_events[UNEVICTABLE_PGCLEARED]).toBe(1);
    expect(z.vm_stat[NR_MLOCK]).toBe(9);
    expect(k.mem_map.flags[p]).toBe(0);
    // A compound order-2 page: folio_nr_pages = 4.
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.flags[c] |= F(PG_mlocked);
    put_page(k, c);
    expect(k.vm_events[UNEVICTABLE_PGCLEARED]).toBe(5);
    expect(z.vm_stat[NR_MLOCK]).toBe(5);
  });
});

describe("free_pages_prepare's checks and clearing", () => {
  it("clears a compound page's tails, and a THP's implied PG_tail, when it is freed", () => {
    const k = makeTestMachine();
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 3);
    expect(k.mem_map.index[c + 1]).toBe(3);
    put_page(k, c);
    for (let i = 1; i < 8; i++) expect([k.mem_map.flags[c + i], k.mem_map.index[c + i], k.mem_map.private[c + i]]).toEqual([0, 0, 0]);
    const t = alloc_pages(k, GFP_TRANSHUGE_LIGHT | __GFP_COMP, 9);
    expect(k.mem_map.pageblock_thp[t >>> 9]).toBe(1);
    put_page(k, t);
    expect(k.mem_map.pageblock_thp[t >>> 9]).toBe(0);
    checkBuddy(k);
  });

  it("refuses a tail page, a mapped or queued compound page, and a page still mapped or on an LRU generation", () => {
    const k = makeTestMachine();
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map._refcount[c + 1] = 1;
    expect(() => __free_pages(k, c + 1, 0)).toThrow(/freeing a tail page/);
    k.mem_map.private[c + 1] = 1; // compound_mapcount
    expect(() => put_page(k, c)).toThrow(/compound page still mapped or queued/);
    const d = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.private[d + 2] = 1; // page[2]: the deferred-split list
    expect(() => put_page(k, d)).toThrow(/compound page still mapped or queued/);
    const e = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.mapcount[e + 3] = 1;
    expect(() => put_page(k, e)).toThrow(/bad page state: tail page/);
    const f = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 1); // order 1: no page[2] to look at
    k.mem_map.private[f + 2] = 7;
    put_page(k, f);
    const g = alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map.mapcount[g] = 1;
    expect(() => __free_pages(k, g, 0)).toThrow(/bad page state at free/);
    const h = alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map.lru_gen_flags[h] = 1;
    expect(() => __free_pages(k, h, 0)).toThrow(/bad page state at free/);
  });

  it("clears the page's mapping and MGLRU refs when it is freed", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 1);
    k.mem_map.mapping[p] = 5;
    k.mem_map.lru_gen_flags[p] = 1 << 3; // LRU_REFS: not in the free check, cleared at free
    __free_pages(k, p, 1);
    expect([k.mem_map.mapping[p], k.mem_map.lru_gen_flags[p]]).toEqual([0, 0]);
    // The same for an order-0 page, which k.fastPaths frees through free_unref_page_fast.
    expect(k.fastPaths).toBe(true);
    const q = alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map.mapping[q] = 5;
    k.mem_map.lru_gen_flags[q] = 1 << 3;
    __free_pages(k, q, 0);
    expect([k.mem_map.mapping[q], k.mem_map.lru_gen_flags[q]]).toEqual([0, 0]);
  });

  it("frees nothing of a compound page whose head is still referenced, and refuses a refcount underflow", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const free = () => z.vm_stat[NR_FREE_PAGES] + z.per_cpu_pageset[0].count;
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    const before = free();
    k.mem_map._refcount[c]++;
    __free_pages(k, c, 2);
    expect(free()).toBe(before);
    __free_pages(k, c, 2);
    expect(free()).toBe(before + 4);
    expect(() => __free_pages(k, c, 2)).toThrow(/refcount underflow/);
  });

  it("split_page refuses a compound page and a free page", () => {
    const k = makeTestMachine();
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    expect(() => split_page(k, c, 2)).toThrow(/split_page of a compound page/);
    expect(() => split_page(k, c + 1, 0)).toThrow(/split_page of a compound page/);
    const p = alloc_pages(k, GFP_KERNEL, 2);
    __free_pages(k, p, 2);
    expect(() => split_page(k, p, 2)).toThrow(/split_page of a free page/);
  });
});

describe("__isolate_free_page and split_free_page", () => {
  it("takes a free block only above the unboosted min watermark plus the block (__isolate_free_page)", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 4096 + 256); // order 8: 256 free
    freeRange(k, 4608, 4608 + 8); // order 3: 8 free → 264
    // watermark = min + (1 << order); zone_watermark_ok(order 0, ALLOC_CMA): free 264 > mark + lowmem_reserve[0] (0).
    z._watermark[WMARK_MIN] = 264 - 8 - 1; // 255 + 8 = 263 < 264: allowed
    z.watermark_boost = 1000; // not part of the test: _watermark, not wmark_pages
    expect(__isolate_free_page(k, 4608, 3)).toBe(8);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(256);
    expect(z.free_area[3].nr_free).toBe(0);
    freeRange(k, 4608, 4608 + 8);
    z._watermark[WMARK_MIN] = 264 - 8; // 256 + 8 = 264, not < 264: refused
    expect(__isolate_free_page(k, 4608, 3)).toBe(0);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(264);
    expect(z.free_area[3].nr_free).toBe(1);
  });

  it("makes the pageblock of a block of pageblock_order - 1 or more movable, unless isolated", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4096 + 256); // order 8 = pageblock_order - 1
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4608, 4608 + 128); // order 7
    freeRange(k, 7168, 7680); // room above the watermark: zone_watermark_ok needs free > 0 + (1 << order)
    z._watermark[WMARK_MIN] = 0;
    expect(__isolate_free_page(k, 4096, 8)).toBe(256);
    expect(get_pageblock_migratetype(k, 4096)).toBe(MIGRATE_MOVABLE);
    expect(__isolate_free_page(k, 4608, 7)).toBe(128);
    expect(get_pageblock_migratetype(k, 4608)).toBe(MIGRATE_UNMOVABLE);
    // An order-10 block spans two pageblocks: both become movable; an isolated block is taken
    // without a watermark check or NR_FREE_PAGES change, and its type stays.
    k.mem_map.pageblock_mt[5120 >>> 9] = MIGRATE_RECLAIMABLE;
    k.mem_map.pageblock_mt[5632 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 5120, 6144);
    expect(__isolate_free_page(k, 5120, 10)).toBe(1024);
    expect([get_pageblock_migratetype(k, 5120), get_pageblock_migratetype(k, 5632)]).toEqual([MIGRATE_MOVABLE, MIGRATE_MOVABLE]);
    k.mem_map.pageblock_mt[6144 >>> 9] = MIGRATE_ISOLATE;
    __putback_isolated_page(k, 6144, 9, MIGRATE_ISOLATE);
    z._watermark[WMARK_MIN] = 1e9;
    const free = z.vm_stat[NR_FREE_PAGES];
    expect(__isolate_free_page(k, 6144, 9)).toBe(512);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free);
    expect(get_pageblock_migratetype(k, 6144)).toBe(MIGRATE_ISOLATE);
  });

  it("splits a block straddling an isolated pageblock into each pageblock's list (split_free_page)", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 5120); // order 10 over pageblocks 8 (movable) and 9
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_ISOLATE;
    expect(split_free_page(k, 4096, 10, 0)).toBe(0); // nothing to split
    expect(z.free_area[10].nr_free).toBe(1);
    expect(split_free_page(k, 4096, 9, 512)).toBe(-ENOENT); // not a free block of that order
    expect(split_free_page(k, 4097, 10, 512)).toBe(-ENOENT);
    // 6.1: NR_FREE_PAGES - 1024 for the movable head, + 512 back for the movable half.
    expect(split_free_page(k, 4096, 10, 512)).toBe(0);
    expect(list(k, z, 9, MIGRATE_MOVABLE)).toEqual([4096]);
    expect(list(k, z, 9, MIGRATE_ISOLATE)).toEqual([4608]);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(512);
  });

  it("splits at an offset that is no power of two into the largest aligned blocks", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 4104);
    // Order 3 at 4096 split at 3: [4096, 4099) → 4096 (order min(__ffs 12, __fls 3 = 1) = 1),
    // 4098 (0); then [4099, 4104) → 4099 (0), 4100 (2). All movable, so each free merges with
    // the ones before: the last rebuilds the order-3 block, with NR_FREE_PAGES - 8 + 8.
    expect(split_free_page(k, 4096, 3, 3)).toBe(0);
    expect(list(k, z, 3, MIGRATE_MOVABLE)).toEqual([4096]);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(8);
    checkBuddy(k);
  });
});

describe("pageset sizing and draining", () => {
  it("splits pcp high over every possible CPU for a node without CPUs (zone_highsize)", () => {
    const k = makeTestMachine({ cpus: 2 });
    k.cpu_to_node = [1, 1]; // node 0 (the zone's) has no CPU: nr_split_cpus = nr_cpu_ids
    // low 160 / 2 = 80.
    expect(zone_highsize(k, dma32(k), 3, 0)).toBe(80);
    // percpu_pagelist_high_fraction 8: managed 12288 / 8 = 1536, / 2 CPUs = 768.
    k.vm.percpu_pagelist_high_fraction = 8;
    expect(zone_highsize(k, dma32(k), 3, 0)).toBe(768);
  });

  it("rewrites the pagesets only when the zone's high or batch changes (zone_pcp_update)", () => {
    const k = makeTestMachine({ cpus: 2 });
    const z = dma32(k);
    // makeTestMachine's DMA32: managed 12288 → batch 12 / 4 = 3 → 3 + 1 = 4 → 4 - 1 = 3; high 160 / 2 = 80.
    expect([z.pageset_batch, z.pageset_high]).toEqual([3, 80]);
    z.per_cpu_pageset[1].high = 5; // as if someone had changed one CPU's
    zone_pcp_update(k, z, 0);
    expect(z.per_cpu_pageset[1].high).toBe(5);
    z._watermark[WMARK_LOW] = 400; // → high 200
    zone_pcp_update(k, z, 0);
    expect(z.per_cpu_pageset.map((p) => [p.high, p.batch])).toEqual([[200, 3], [200, 3]]);
    z.managed_pages = 4096 * 16; // → batch 64 / 4 = 16 → 24 → 15
    zone_pcp_update(k, z, 0);
    expect(z.per_cpu_pageset.map((p) => [p.high, p.batch])).toEqual([[200, 15], [200, 15]]);
  });

  it("drains a batch from a remote pageset (drain_zone_pages) and only the asked CPU's or zone's lists", () => {
    const k = makeTestMachine({ cpus: 2 });
    const z = dma32(k);
    const [pcp0, pcp1] = z.per_cpu_pageset;
    for (const p of z.per_cpu_pageset) p.high = 1000;
    const pages: number[] = [];
    for (let i = 0; i < 8; i++) pages.push(alloc_pages(k, GFP_KERNEL, 0));
    const d = alloc_pages(k, GFP_DMA, 0);
    drain_all_pages(k, null);
    for (const p of pages) __free_pages(k, p, 0);
    __free_pages(k, d, 0);
    expect(k.zones[ZONE_DMA].per_cpu_pageset[0].count).toBeGreaterThan(0);
    k.cpu = 1;
    const q = alloc_pages(k, GFP_KERNEL, 0);
    __free_pages(k, q, 0);
    const c1 = pcp1.count;
    expect(c1).toBeGreaterThan(0);
    // drain_zone_pages: min(count, batch 3).
    drain_zone_pages(k, z, pcp0);
    expect(pcp0.count).toBe(8 - 3);
    // drain_local_pages(zone): CPU 1's list of that zone only.
    drain_local_pages(k, z);
    expect([pcp0.count, pcp1.count]).toEqual([5, 0]);
    // drain_all_pages(zone): every CPU, that zone only.
    drain_all_pages(k, z);
    expect(pcp0.count).toBe(0);
    expect(k.zones[ZONE_DMA].per_cpu_pageset[0].count).toBeGreaterThan(0);
    k.cpu = 0;
    drain_local_pages(k, null);
    expect(k.zones[ZONE_DMA].per_cpu_pageset[0].count).toBe(0);
    checkBuddy(k);
  });
});

describe("rmqueue", () => {
  it("refills an order-N pcp list with max(batch >> N, 2) blocks, and a batch of 1 unscaled", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    pcp.batch = 31;
    pcp.high = 10000;
    drain_all_pages(k, null);
    alloc_pages(k, GFP_KERNEL, 1); // 31 >> 1 = 15 order-1 blocks, one handed out: 14 * 2 pages
    expect(pcp.count).toBe(28);
    alloc_pages(k, GFP_KERNEL, 3); // 31 >> 3 = 3 blocks of 8: two left
    expect(pcp.count).toBe(28 + 16);
    alloc_pages(k, GFP_KERNEL, 2); // 31 >> 2 = 7 blocks of 4: six left
    expect(pcp.count).toBe(28 + 16 + 24);
    pcp.batch = 4;
    alloc_pages(k, GFP_KERNEL | __GFP_RECLAIMABLE, 3); // max(4 >> 3, 2) = 2 blocks: one left
    expect(pcp.count).toBe(28 + 16 + 24 + 8);
    drain_all_pages(k, null);
    pcp.batch = 1;
    alloc_pages(k, GFP_KERNEL, 2); // batch 1 is not scaled: one block, none left
    expect(pcp.count).toBe(0);
  });

  it("takes highatomic blocks for ALLOC_HIGHATOMIC first, and for OOM or non-blocking callers last", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k, 4096, z, 4, MIGRATE_HIGHATOMIC, FPI_NONE);
    z.vm_stat[NR_FREE_PAGES] = 16;
    const a = ac(k, MIGRATE_UNMOVABLE);
    const gfp = GFP_KERNEL;
    // Only a highatomic block is free: a plain request (no watermark check) does not get it.
    expect(get_page_from_freelist(k, gfp, 4, ALLOC_NO_WATERMARKS, a)).toBe(NO_PFN);
    expect(get_page_from_freelist(k, gfp, 4, ALLOC_NO_WATERMARKS | ALLOC_OOM, a)).toBe(4096);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(0);
    expect(k.vm_events[PGALLOC_DMA32]).toBe(16);
    expect(z.vm_numa_event[NUMA_HIT]).toBe(1);
    __free_pages(k, 4096, 4);
    expect(get_page_from_freelist(k, gfp, 4, ALLOC_NO_WATERMARKS | ALLOC_NON_BLOCK, a)).toBe(4096);
    __free_pages(k, 4096, 4);
    // With ordinary memory free too, ALLOC_HIGHATOMIC still takes the reserve first.
    freeRange(k, 4608, 4608 + 16);
    expect(get_page_from_freelist(k, gfp, 4, ALLOC_NO_WATERMARKS | ALLOC_HIGHATOMIC, a)).toBe(4096);
    expect(get_page_from_freelist(k, gfp, 4, ALLOC_NO_WATERMARKS | ALLOC_HIGHATOMIC, a)).toBe(4608);
  });

  it("counts no NUMA events with vm.numa_stat 0", () => {
    const k = makeTestMachine();
    k.vm.numa_stat = 0;
    alloc_pages(k, GFP_KERNEL, 0);
    alloc_pages(k, GFP_KERNEL, 5);
    expect(Array.from(dma32(k).vm_numa_event).every((v) => v === 0)).toBe(true);
  });

  it("wakes kswapd for a boosted zone after the allocation and clears the flag (rmqueue)", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const woken: number[][] = [];
    k.mmHooks.wakeup_kswapd = (_k, zz, gfp, order, hz) => void woken.push([zz.zone_idx, gfp, order, hz]);
    z.flags |= 1 << ZONE_BOOSTED_WATERMARK;
    expect(get_page_from_freelist(k, GFP_KERNEL, 5, ALLOC_WMARK_MIN, ac(k, MIGRATE_UNMOVABLE))).not.toBe(NO_PFN);
    // 6.1: wakeup_kswapd(zone, 0, 0, zone_idx(zone)).
    expect(woken).toEqual([[ZONE_DMA32, 0, 0, ZONE_DMA32]]);
    expect(z.flags & (1 << ZONE_BOOSTED_WATERMARK)).toBe(0);
  });
});

describe("prep_new_page and page_owner", () => {
  it("stamps every page of a plain block, only the head of a compound one, in µs + 1 saturating", () => {
    const k = makeTestMachine();
    k.now_ns = 5_000_999; // 5000 µs → 5001
    const p = alloc_pages(k, GFP_KERNEL, 2);
    expect(Array.from(k.mem_map.page_owner_ts.subarray(p, p + 4))).toEqual([5001, 5001, 5001, 5001]);
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    expect(Array.from(k.mem_map.page_owner_ts.subarray(c, c + 4))).toEqual([5001, 0, 0, 0]);
    k.now_ns = 2 ** 53;
    const q = alloc_pages(k, GFP_KERNEL, 0);
    expect(k.mem_map.page_owner_ts[q]).toBe(0xffffffff);
  });

  it("makes compound pages of order 1, 3 and 10 with PG_tail stored and the order in page[1]", () => {
    const k = makeTestMachine({ nrPages: 65536 });
    for (const order of [1, 3, 10]) {
      const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, order);
      expect(compound_order(k, c)).toBe(order);
      expect(k.mem_map.flags[c] & F(PG_head)).not.toBe(0);
      for (let i = 1; i < 1 << order; i++) expect(k.mem_map.flags[c + i]).toBe(F(PG_tail));
      expect(k.mem_map.pageblock_thp[c >>> 9]).toBe(0);
      put_page(k, c);
    }
    // A non-compound block has no head and its page[1] index untouched by prep.
    const p = alloc_pages(k, GFP_KERNEL, 1);
    expect(k.mem_map.flags[p]).toBe(0);
    expect(compound_order(k, p)).toBe(0);
    checkBuddy(k);
  });

  it("refuses to hand out a page that is still referenced or mapped (check_new_page)", () => {
    const k = makeTestMachine({ pcp: false });
    const z = dma32(k);
    const head = list(k, z, 10, MIGRATE_MOVABLE)[0];
    k.mem_map.mapcount[head] = 1;
    expect(() => alloc_pages(k, GFP_HIGHUSER_MOVABLE, 10)).toThrow(/bad page state at allocation/);
  });
});

describe("watermark checks", () => {
  it("counts the highatomic reserve as unusable except for callers with reserve rights", () => {
    const k = bare();
    const z = dma32(k);
    z.nr_reserved_highatomic = 512;
    // order 0: free 1000 - 512 = 488 > 400; not > 488.
    expect(__zone_watermark_ok(z, 0, 487, ZONE_DMA32, 0, 1000)).toBe(true);
    expect(__zone_watermark_ok(z, 0, 488, ZONE_DMA32, 0, 1000)).toBe(false);
    // ALLOC_RESERVES (here ALLOC_HIGHATOMIC, no discount of its own): all 1000 count.
    expect(__zone_watermark_ok(z, 0, 999, ZONE_DMA32, ALLOC_HIGHATOMIC, 1000)).toBe(true);
    expect(__zone_watermark_ok(z, 0, 1000, ZONE_DMA32, ALLOC_HIGHATOMIC, 1000)).toBe(false);
  });

  it("finds a high-order block of a higher order, or a highatomic one only for ALLOC_HIGHATOMIC and ALLOC_OOM", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 5120, 6144); // one order-10 block
    expect(__zone_watermark_ok(z, 3, 0, ZONE_DMA32, 0, 2000)).toBe(true);
    const k2 = bare();
    const z2 = dma32(k2);
    k2.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k2, 4096, z2, 4, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect(__zone_watermark_ok(z2, 2, 0, ZONE_DMA32, 0, 2000)).toBe(false);
    expect(__zone_watermark_ok(z2, 2, 0, ZONE_DMA32, ALLOC_HIGHATOMIC, 2000)).toBe(true);
    expect(__zone_watermark_ok(z2, 2, 0, ZONE_DMA32, ALLOC_OOM, 2000)).toBe(true);
    expect(__zone_watermark_ok(z2, 2, 0, ZONE_DMA32, ALLOC_NON_BLOCK, 2000)).toBe(false);
  });

  it("gives the discounts in 6.1's order: __GFP_HIGH halves, non-blocking takes a quarter more, OOM halves", () => {
    const k = bare();
    const z = dma32(k);
    // min 1000: MIN_RESERVE → 1000 - 500 = 500; + NON_BLOCK → 500 - 125 = 375; OOM → 1000 - 500 = 500;
    // MIN_RESERVE | OOM → 500 - 250 = 250; NON_BLOCK alone gives no discount.
    const edge = (flags: number) => {
      let m = 0;
      while (!__zone_watermark_ok(z, 0, 1000, ZONE_DMA32, flags, m)) m++;
      return m - 1;
    };
    expect(edge(ALLOC_MIN_RESERVE)).toBe(500);
    expect(edge(ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(375);
    expect(edge(ALLOC_OOM)).toBe(500);
    expect(edge(ALLOC_MIN_RESERVE | ALLOC_OOM)).toBe(250);
    expect(edge(ALLOC_NON_BLOCK)).toBe(1000);
  });

  it("checks GFP_ATOMIC order-0 requests against the unboosted min watermark (zone_watermark_fast)", () => {
    const k = bare();
    const z = dma32(k);
    z.vm_stat[NR_FREE_PAGES] = 500;
    z._watermark[WMARK_MIN] = 100;
    z.watermark_boost = 1000;
    const mark = 1100; // min_wmark_pages: _watermark + boost
    expect(zone_watermark_fast(z, 0, mark, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_KERNEL)).toBe(false);
    expect(zone_watermark_fast(z, 0, mark, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_ATOMIC)).toBe(true);
    expect(zone_watermark_fast(z, 0, mark, ZONE_DMA32, ALLOC_WMARK_LOW, GFP_ATOMIC)).toBe(false);
    z.watermark_boost = 0;
    expect(zone_watermark_fast(z, 0, mark, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_ATOMIC)).toBe(false);
    // Order 0's quick test: usable = free - min(free, highatomic reserve) > mark + lowmem_reserve.
    z.nr_reserved_highatomic = 600;
    expect(zone_watermark_fast(z, 0, 0, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_KERNEL)).toBe(false);
    z.nr_reserved_highatomic = 100;
    expect(zone_watermark_fast(z, 0, 399, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_KERNEL)).toBe(true);
    expect(zone_watermark_fast(z, 0, 400, ZONE_DMA32, ALLOC_WMARK_MIN, GFP_KERNEL)).toBe(false);
    expect(zone_watermark_ok_safe(z, 0, 399, ZONE_DMA32)).toBe(true);
    expect(zone_watermark_ok_safe(z, 0, 400, ZONE_DMA32)).toBe(false);
  });
});

describe("get_page_from_freelist's zonelist walk", () => {
  it("returns NO_PFN without a usable zone and skips zones above highest_zoneidx or outside the nodemask", () => {
    const k = makeTestMachine();
    const a = ac(k, MIGRATE_UNMOVABLE);
    a.preferred_zoneref = -1;
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBe(NO_PFN);
    const b = ac(k, MIGRATE_UNMOVABLE, ZONE_DMA);
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, b)).toBeLessThan(4096);
    const c = ac(k, MIGRATE_UNMOVABLE);
    c.nodemask = [1];
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, c)).toBe(NO_PFN);
    c.nodemask = [0];
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, c)).toBeGreaterThanOrEqual(4096);
    const d = ac(k, MIGRATE_UNMOVABLE);
    d.thisnode = 1;
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, d)).toBe(NO_PFN);
  });

  it("tries node_reclaim on a zone below its watermark only with zone_reclaim_mode, and rechecks the same mark after it", () => {
    const k = makeTestMachine({ pcp: false });
    const z = dma32(k);
    const held: number[] = [];
    for (let i = 0; i < 40; i++) held.push(alloc_pages(k, GFP_KERNEL, 0));
    // min = free: free <= min, the zone fails; freeing pages in node_reclaim lifts it over.
    z._watermark[WMARK_MIN] = z.vm_stat[NR_FREE_PAGES];
    const calls: number[] = [];
    let ret = NODE_RECLAIM_SUCCESS;
    let frees = 0;
    k.mmHooks.node_reclaim = (kk, zz) => {
      calls.push(zz.zone_idx);
      for (let i = 0; i < frees; i++) __free_pages(kk, held.pop() ?? NO_PFN, 0);
      return ret;
    };
    const a = ac(k, MIGRATE_UNMOVABLE);
    // Mode 0: DMA32 fails its watermark, the walk goes on to DMA.
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBeLessThan(4096);
    expect(calls).toEqual([]);
    k.vm.zone_reclaim_mode = 1;
    // SUCCESS but nothing freed: still below the mark, on to DMA.
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBeLessThan(4096);
    expect(calls).toEqual([ZONE_DMA32]);
    // NOSCAN and FULL skip the zone without a recheck, even when pages were freed.
    frees = 5;
    for (const r of [NODE_RECLAIM_NOSCAN, NODE_RECLAIM_FULL]) {
      ret = r;
      expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBeLessThan(4096);
      z._watermark[WMARK_MIN] = z.vm_stat[NR_FREE_PAGES];
    }
    // SUCCESS with 5 pages freed: free > min now, DMA32 serves.
    ret = NODE_RECLAIM_SUCCESS;
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBeGreaterThanOrEqual(4096);
    // ALLOC_NO_WATERMARKS takes the zone without asking.
    calls.length = 0;
    z._watermark[WMARK_MIN] = 1e9;
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_NO_WATERMARKS, a)).toBeGreaterThanOrEqual(4096);
    expect(calls).toEqual([]);
  });

  it("does not node_reclaim a zone further than RECLAIM_DISTANCE from the preferred one", () => {
    const k = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    k.vm.zone_reclaim_mode = 1;
    const calls: number[] = [];
    k.mmHooks.node_reclaim = (_k, zz) => (calls.push(zz.node), NODE_RECLAIM_NOSCAN);
    for (const z of k.node_data[0].node_zones) z._watermark[WMARK_MIN] = 1e9;
    const a: alloc_context = { zonelist: k.node_data[0].node_zonelists, nodemask: null, preferred_zoneref: 0, thisnode: -1, migratetype: MIGRATE_UNMOVABLE, highest_zoneidx: ZONE_DMA32, spread_dirty_pages: false };
    // Default distances: 10 local, 20 remote, both <= 30: node 0's zones are asked.
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).not.toBe(NO_PFN);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((n) => n === 0)).toBe(true);
    calls.length = 0;
    for (const z of k.node_data[1].node_zones) z._watermark[WMARK_MIN] = 1e9;
    k.numa_distance = [[10, 31], [31, 10]];
    expect(get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a)).toBe(NO_PFN);
    expect(calls.every((n) => n === 0)).toBe(true);
    k.numa_distance = [[10, 30], [30, 10]];
    calls.length = 0;
    get_page_from_freelist(k, GFP_KERNEL, 0, ALLOC_WMARK_MIN, a);
    expect(calls).toContain(1);
  });
});

describe("the slow path", () => {
  /** A test machine (no pcp lists) allocated down to the min watermark; the pages are returned. */
  const exhausted = () => {
    const k = makeTestMachine({ pcp: false });
    const held: number[] = [];
    for (let p; (p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)) !== NO_PFN; ) held.push(p);
    k.log.records.length = 0;
    return { k, held };
  };

  it("derives alloc_flags for __GFP_NOMEMALLOC and non-__GFP_HIGH non-blocking callers (gfp_to_alloc_flags)", () => {
    // !__GFP_DIRECT_RECLAIM with __GFP_NOMEMALLOC: no ALLOC_NON_BLOCK nor ALLOC_HIGHATOMIC; the
    // cpuset is still dropped for __GFP_HIGH.
    expect(gfp_to_alloc_flags(GFP_ATOMIC | __GFP_NOMEMALLOC, 2)).toBe(ALLOC_MIN_RESERVE | ALLOC_KSWAPD);
    expect(gfp_to_alloc_flags(GFP_NOWAIT | __GFP_NOMEMALLOC, 1)).toBe(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    // GFP_NOWAIT at order 1: non-blocking, but no __GFP_HIGH, so no ALLOC_HIGHATOMIC.
    expect(gfp_to_alloc_flags(GFP_NOWAIT, 1)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
  });

  it("grants reserves to __GFP_MEMALLOC, PF_MEMALLOC tasks and OOM victims, never with __GFP_NOMEMALLOC", () => {
    const k = makeTestMachine();
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL)).toBe(false);
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL | __GFP_MEMALLOC)).toBe(true);
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC)).toBe(false);
    k.mmHooks.current_flags = () => PF_MEMALLOC;
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL)).toBe(true);
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL | __GFP_NOMEMALLOC)).toBe(false);
    k.mmHooks.current_flags = () => 0;
    k.mmHooks.tsk_is_oom_victim = () => true;
    expect(gfp_pfmemalloc_allowed(k, GFP_KERNEL)).toBe(true);
  });

  it("lets a PF_MEMALLOC task allocate below the min watermark without reclaiming", () => {
    const { k } = exhausted();
    const calls: string[] = [];
    k.mmHooks.try_to_free_pages = () => (calls.push("reclaim"), 0);
    k.mmHooks.out_of_memory = () => (calls.push("oom"), false);
    k.mmHooks.current_flags = () => PF_MEMALLOC;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(calls).toEqual([]);
    // A __GFP_NOMEMALLOC request of the same task gets no reserves, and PF_MEMALLOC does not
    // reclaim (nopage).
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOMEMALLOC | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(calls).toEqual([]);
  });

  it("fails a non-blocking request without reclaim, and an OOM victim's once its reserves are gone", () => {
    const { k } = exhausted();
    const calls: string[] = [];
    k.mmHooks.wakeup_kswapd = () => void calls.push("kswapd");
    k.mmHooks.try_to_free_pages = () => (calls.push("reclaim"), 0);
    k.mmHooks.out_of_memory = () => (calls.push("oom"), true);
    expect(alloc_pages(k, GFP_NOWAIT | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(calls.every((c) => c === "kswapd")).toBe(true);
    // An OOM victim with ALLOC_OOM: the reserves (min / 2) first, then nopage instead of looping.
    k.mmHooks.tsk_is_oom_victim = () => true;
    let n = 0;
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN) n++;
    expect(n).toBeGreaterThan(0);
    expect(calls.filter((c) => c === "oom").length).toBe(1);
  });

  it("wakes each node's kswapd once per pass over the zonelist (wake_all_kswapds)", () => {
    const k = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    const woken: Array<[number, number, number]> = [];
    k.mmHooks.wakeup_kswapd = (_k, z, _gfp, order, hz) => void woken.push([z.node, order, hz]);
    for (const pg of k.node_data) for (const z of pg.node_zones) z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 1e9;
    k.mmHooks.try_to_free_pages = () => 0;
    k.mmHooks.out_of_memory = () => false;
    expect(__alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 1, 0, null)).toBe(NO_PFN);
    // Two passes (the first try and `retry:`), each waking node 0 then node 1, at order 1 for
    // GFP_KERNEL's highest zone (ZONE_NORMAL).
    expect(woken).toEqual([[0, 1, ZONE_NORMAL], [1, 1, ZONE_NORMAL], [0, 1, ZONE_NORMAL], [1, 1, ZONE_NORMAL]]);
    woken.length = 0;
    expect(__alloc_pages(k, GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN, 0, 1, null)).toBe(NO_PFN);
    expect(woken.every(([n]) => n === 1)).toBe(true);
  });

  it("drains the pcp lists and retries after reclaim made progress (__alloc_pages_direct_reclaim)", () => {
    const k = makeTestMachine({ cpus: 2 });
    const z = dma32(k);
    for (const p of z.per_cpu_pageset) p.high = 100000;
    const held: number[] = [];
    for (let p; (p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)) !== NO_PFN; ) held.push(p);
    // CPU 1 frees 500 pages: they sit on its pcp list, not in NR_FREE_PAGES.
    k.cpu = 1;
    const dma32Pages = held.filter((p) => p >= 4096);
    for (let i = 0; i < 500; i++) __free_pages(k, dma32Pages.pop() ?? NO_PFN, 0);
    expect(z.per_cpu_pageset[1].count).toBe(500);
    k.cpu = 0;
    let progress = 0;
    k.mmHooks.try_to_free_pages = () => progress;
    k.mmHooks.out_of_memory = () => false;
    // No progress: no drain (the allocation fails at the OOM step, which frees nothing).
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(z.per_cpu_pageset[1].count).toBe(500);
    progress = 1;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)).not.toBe(NO_PFN);
    expect(z.per_cpu_pageset[1].count).toBe(0);
  });

  it("counts compact_stall, compact_success and compact_fail and resets the deferral on success", () => {
    const { k, held } = exhausted();
    const z = dma32(k);
    const resets: Array<[number, number, boolean]> = [];
    k.mmHooks.compaction_defer_reset = (zz, order, ok) => void resets.push([zz.zone_idx, order, ok]);
    k.mmHooks.try_to_free_pages = () => 0;
    k.mmHooks.out_of_memory = () => false;
    let depth = -1;
    let compactFrees = false;
    const mine = new Set(held);
    k.mmHooks.try_to_compact_pages = (kk) => {
      depth = kk.reclaim_depth;
      if (compactFrees) {
        // "Compaction" frees an aligned order-2 block of DMA32 pages and the zone passes its marks.
        let base = 4096;
        while (![0, 1, 2, 3].every((j) => mine.has(base + j))) base += 4;
        for (let j = 0; j < 4; j++) __free_pages(kk, base + j, 0);
        z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 0;
      }
      return COMPACT_COMPLETE;
    };
    // Order 2, unmovable: compaction before reclaim, and again after it; __GFP_NORETRY then fails.
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 2)).toBe(NO_PFN);
    expect(depth).toBe(1); // memalloc_noreclaim_save around compaction
    expect(k.reclaim_depth).toBe(0);
    expect([k.vm_events[COMPACTSTALL], k.vm_events[COMPACTSUCCESS], k.vm_events[COMPACTFAIL]]).toEqual([2, 0, 2]);
    expect(resets).toEqual([]);
    compactFrees = true;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 2)).not.toBe(NO_PFN);
    expect([k.vm_events[COMPACTSTALL], k.vm_events[COMPACTSUCCESS], k.vm_events[COMPACTFAIL]]).toEqual([3, 1, 2]);
    expect(resets).toEqual([[ZONE_DMA32, 2, true]]);
  });

  it("does not OOM for lowmem-only, __GFP_RETRY_MAYFAIL or __GFP_THISNODE requests (__alloc_pages_may_oom)", () => {
    const { k } = exhausted();
    let ooms = 0;
    k.mmHooks.out_of_memory = () => (ooms++, false);
    k.mmHooks.try_to_free_pages = () => 0;
    // GFP_DMA32's highest zone is ZONE_DMA32 < ZONE_NORMAL: 6.1 does not OOM for it.
    expect(alloc_pages(k, GFP_KERNEL | __GFP_DMA32 | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(alloc_pages(k, GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(alloc_pages(k, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(ooms).toBe(0);
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(ooms).toBe(1);
  });

  it("gives __GFP_NOFAIL the reserves after an OOM that freed nothing", () => {
    const { k } = exhausted();
    let ooms = 0;
    k.mmHooks.out_of_memory = () => (ooms++, false);
    k.mmHooks.try_to_free_pages = () => 0;
    // __alloc_pages_may_oom: __GFP_NOFAIL → __alloc_pages_cpuset_fallback(ALLOC_NO_WATERMARKS).
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOFAIL, 0)).not.toBe(NO_PFN);
    expect(ooms).toBe(1);
  });
});

describe("freeing paths the general tests do not reach", () => {
  it("clears PG_reserved and the reference of boot pages handed to the buddy lists (__free_pages_core)", () => {
    const k = bare();
    // __init_single_page leaves a reserved page with refcount 1 and PG_reserved; memblock_free_all
    // hands it over: __free_pages_core clears both, then frees.
    for (let p = 4096; p < 4104; p++) {
      k.mem_map.flags[p] = F(PG_reserved);
      k.mem_map._refcount[p] = 1;
    }
    freeRange(k, 4096, 4104);
    expect(list(k, dma32(k), 3, MIGRATE_MOVABLE)).toEqual([4096]);
    expect(k.mem_map.flags[4100] & ~F(PG_buddy)).toBe(0);
    expect(k.mem_map._refcount[4100]).toBe(0);
    expect(dma32(k).managed_pages).toBe(8);
    expect(k.vm_events[PGFREE]).toBe(8);
  });

  it("counts every page a real boot frees as pgfree", () => {
    const k = start_kernel({ memory: 512 * MiB });
    // __free_pages_core → __free_pages_ok counts PGFREE for each boot block (deferred or not).
    let managed = 0;
    for (const z of k.zones) managed += z.managed_pages;
    expect(k.vm_events[PGFREE]).toBeGreaterThanOrEqual(managed);
  });

  it("frees orders 4-8 straight to the buddy lists, with pgfree, and counts pgfree on the boot pageset", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const p = alloc_pages(k, GFP_KERNEL, 4);
    const count = pcp.count;
    const free = z.vm_stat[NR_FREE_PAGES];
    const pgfree = k.vm_events[PGFREE];
    __free_pages(k, p, 4);
    expect(pcp.count).toBe(count);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(free + 16);
    expect(k.vm_events[PGFREE]).toBe(pgfree + 16);
    // No pagesets (the boot pageset): an order-1 free goes straight to the buddy lists.
    const b = makeTestMachine({ pcp: false });
    const q = alloc_pages(b, GFP_KERNEL, 1);
    const before = b.vm_events[PGFREE];
    const bfree = dma32(b).vm_stat[NR_FREE_PAGES];
    __free_pages(b, q, 1);
    expect(b.vm_events[PGFREE]).toBe(before + 2);
    expect(dma32(b).vm_stat[NR_FREE_PAGES]).toBe(bfree + 2);
  });

  it("sends an order-0 page with flags through the general free path (free_unref_page_fast declines)", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    z.vm_stat[NR_MLOCK] = 3;
    const p = alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map.flags[p] = F(PG_mlocked);
    __free_pages(k, p, 0);
    expect(k.vm_events[UNEVICTABLE_PGCLEARED]).toBe(1);
    expect(z.vm_stat[NR_MLOCK]).toBe(2);
  });

  it("reports a page in no zone, and a second free of a deferred boot block", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map.pageblock_zone[p >>> 9] = 255; // NO_ZONE: a hole
    expect(() => __free_pages(k, p, 0)).toThrow(/pfn in no zone/);
    const b = start_kernel({ memory: 512 * MiB });
    const t = dma32(b).free_area[MAX_ORDER - 1].deferred?.[MIGRATE_MOVABLE];
    const head = t?.start[t.first] ?? NO_PFN;
    expect(PageBuddy(b, head)).toBe(true);
    b.mem_map._refcount[head] = 1;
    expect(() => __free_pages(b, head, 0)).toThrow(/bad page state at free/);
  });

  it("stops a pcp drain after count pages, mid-list", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const ps = [alloc_pages(k, GFP_KERNEL, 0), alloc_pages(k, GFP_KERNEL, 0), alloc_pages(k, GFP_KERNEL, 0)];
    drain_all_pages(k, null);
    pcp.high = 1000;
    for (const p of ps) __free_pages(k, p, 0);
    free_pcppages_bulk(k, z, 2, pcp, 0);
    expect(pcp.count).toBe(1);
    expect(pcp.lists[0]).toBe(ps[2]); // the hottest (last freed, at the head) stays
  });

  it("checks each page rmqueue_bulk puts on a pcp list for a reference or flags, on both refill loops", () => {
    for (const fastPaths of [true, false]) {
      const k = makeTestMachine();
      k.fastPaths = fastPaths;
      const pcp = dma32(k).per_cpu_pageset[0];
      const p = alloc_pages(k, GFP_KERNEL, 0);
      while (pcp.count > 0) alloc_pages(k, GFP_KERNEL, 0);
      k.mem_map._refcount[p + pcp.batch] = 1;
      expect(() => alloc_pages(k, GFP_KERNEL, 0)).toThrow(/bad page state at pcp refill/);
      const k2 = makeTestMachine();
      k2.fastPaths = fastPaths;
      const pcp2 = dma32(k2).per_cpu_pageset[0];
      const q = alloc_pages(k2, GFP_KERNEL, 0);
      while (pcp2.count > 0) alloc_pages(k2, GFP_KERNEL, 0);
      k2.mem_map.flags[q + pcp2.batch] = F(PG_reserved);
      expect(() => alloc_pages(k2, GFP_KERNEL, 0)).toThrow(/bad page state at pcp refill/);
    }
  });

  it("refills a pcp list smallest block first, on both refill loops (rmqueue_bulk)", () => {
    for (const fastPaths of [true, false]) {
      const k = makeTestMachine({ free: false });
      k.fastPaths = fastPaths;
      const pcp = dma32(k).per_cpu_pageset[0];
      pcp.batch = 3;
      pcp.high = 100;
      freeRange(k, 4096, 5120); // order 10
      freeRange(k, 5126, 5128); // order 1
      // __rmqueue_smallest: the order-1 block (5126, then its half 5127) before splitting 4096.
      expect([0, 1, 2].map(() => alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0))).toEqual([5126, 5127, 4096]);
    }
  });

  it("emits mm_page_alloc_zone_locked for every page of a pcp refill (the general refill loop)", () => {
    const k = makeTestMachine();
    const pcp = dma32(k).per_cpu_pageset[0];
    const recs: string[] = [];
    k.trace.on("mm_page_alloc_zone_locked", (r) => recs.push(r.message));
    const p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
    expect(recs.length).toBe(pcp.batch);
    expect(recs[0]).toBe(`page=${page_ptr_string(p)} pfn=0x${p.toString(16)} order=0 migratetype=1 percpu_refill=1`);
  });
});

describe("entry points and totals", () => {
  it("sums managed pages above the high watermark per zone (nr_free_zone_pages, nr_free_buffer_pages)", () => {
    const k = makeTestMachine();
    const dma = k.zones[ZONE_DMA];
    // DMA: 4095 - high (8 + 8/2 = 12) = 4083; DMA32: 12288 - (128 + 64) = 12096.
    expect(totalram_pages(k)).toBe(16383);
    expect(nr_free_zone_pages(k, ZONE_DMA)).toBe(4083);
    expect(nr_free_zone_pages(k, ZONE_DMA32)).toBe(4083 + 12096);
    expect(nr_free_buffer_pages(k)).toBe(4083 + 12096); // GFP_USER: up to ZONE_NORMAL
    dma._watermark[WMARK_HIGH] = 4095; // not above: nothing from DMA
    expect(nr_free_zone_pages(k, ZONE_DMA32)).toBe(12096);
    dma._watermark[WMARK_HIGH] = 5000; // below the mark: nothing either, not 4095 - 5000
    expect(nr_free_zone_pages(k, ZONE_DMA32)).toBe(12096);
  });

  it("traces a failed allocation with a NULL page and pfn 0 (mm_page_alloc)", () => {
    const k = makeTestMachine({ pcp: false });
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN);
    const msgs: string[] = [];
    k.trace.on("mm_page_alloc", (r) => msgs.push(r.message));
    k.mmHooks.out_of_memory = () => false;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)).toBe(NO_PFN);
    expect(msgs).toEqual(["page=0000000000000000 pfn=0x0 order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_NOWARN"]);
  });

  it("takes the pcp fast path only above the low watermark, else the slow path wakes kswapd", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    let woken = 0;
    k.mmHooks.wakeup_kswapd = () => void woken++;
    Object.assign(z.per_cpu_pageset[0], { batch: 31, high: 1000 });
    k.zones[ZONE_DMA]._watermark[WMARK_LOW] = 1e9; // no fallback to DMA at the low mark
    alloc_pages(k, GFP_KERNEL, 0); // refill the list
    const free = z.vm_stat[NR_FREE_PAGES];
    // low = free: the fast path's usable_free > low fails; get_page_from_freelist at
    // ALLOC_WMARK_LOW fails too, and __alloc_pages_slowpath wakes kswapd, then succeeds at min.
    z._watermark[WMARK_LOW] = free;
    z._watermark[WMARK_MIN] = 0;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(woken).toBe(1);
    z._watermark[WMARK_LOW] = free - 1;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(woken).toBe(1);
    // The boost counts in the fast path's mark too (wmark_pages adds watermark_boost).
    z.watermark_boost = 1;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(woken).toBe(2);
    z.watermark_boost = 0;
    // The highatomic reserve is unusable for it (no reserve rights at ALLOC_WMARK_LOW).
    z.nr_reserved_highatomic = 1;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(woken).toBe(3);
  });

  it("counts NUMA events and wakes kswapd for a boosted zone on a pcp hit too", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    Object.assign(z.per_cpu_pageset[0], { batch: 31, high: 1000 });
    alloc_pages(k, GFP_KERNEL, 0); // refill
    const hit = z.vm_numa_event[NUMA_HIT];
    const local = z.vm_numa_event[NUMA_LOCAL];
    alloc_pages(k, GFP_KERNEL, 0);
    expect([z.vm_numa_event[NUMA_HIT] - hit, z.vm_numa_event[NUMA_LOCAL] - local]).toEqual([1, 1]);
    k.vm.numa_stat = 0;
    alloc_pages(k, GFP_KERNEL, 0);
    expect([z.vm_numa_event[NUMA_HIT] - hit, z.vm_numa_event[NUMA_LOCAL] - local]).toEqual([1, 1]);
    const woken: number[][] = [];
    k.mmHooks.wakeup_kswapd = (_k, zz, gfp, order, hz) => void woken.push([zz.zone_idx, gfp, order, hz]);
    z.flags |= 1 << ZONE_BOOSTED_WATERMARK;
    expect(z.per_cpu_pageset[0].count).toBeGreaterThan(0);
    alloc_pages(k, GFP_KERNEL, 0);
    expect(woken).toEqual([[ZONE_DMA32, 0, 0, ZONE_DMA32]]);
    expect(z.flags & (1 << ZONE_BOOSTED_WATERMARK)).toBe(0);
  });

  it("counts numa_other for a pcp hit on another node's zone", () => {
    const k = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    const z1 = k.node_data[1].node_zones[ZONE_DMA32];
    k.cpu = 0;
    __alloc_pages(k, GFP_KERNEL, 0, 1, null); // fill node 1's pcp list for CPU 0
    const other = z1.vm_numa_event[NUMA_OTHER];
    const local = z1.vm_numa_event[NUMA_LOCAL];
    expect(z1.per_cpu_pageset[0].count).toBeGreaterThan(0);
    __alloc_pages(k, GFP_KERNEL, 0, 1, null);
    expect([z1.vm_numa_event[NUMA_OTHER] - other, z1.vm_numa_event[NUMA_LOCAL] - local]).toEqual([1, 0]);
  });

  it("alloc_page_pcp_fast serves an order-0 page from the pcp list, and nothing for __GFP_ACCOUNT or without fast paths", () => {
    const k = makeTestMachine();
    const pcp = dma32(k).per_cpu_pageset[0];
    alloc_pages(k, GFP_KERNEL, 0);
    const head = pcp.lists[0];
    const msgs: string[] = [];
    k.trace.on("mm_page_alloc", (r) => msgs.push(r.message));
    expect(alloc_page_pcp_fast(k, GFP_KERNEL | __GFP_ACCOUNT)).toBe(NO_PFN);
    k.fastPaths = false;
    expect(alloc_page_pcp_fast(k, GFP_KERNEL)).toBe(NO_PFN);
    k.fastPaths = true;
    expect(alloc_page_pcp_fast(k, GFP_KERNEL)).toBe(head);
    expect(k.mem_map._refcount[head]).toBe(1);
    expect(msgs).toEqual([`page=${page_ptr_string(head)} pfn=0x${head.toString(16)} order=0 migratetype=0 gfp_flags=GFP_KERNEL`]);
  });

  it("skips warn_alloc for GFP_DMA when no zone DMA has managed pages, and prints a nodemask", () => {
    const k = makeTestMachine({ pcp: false });
    k.currentComm = "t";
    warn_alloc(k, GFP_KERNEL, [0], "page allocation failure: order:0");
    expect(k.log.records.map((r) => r.text)).toEqual(["t: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=0,cpuset=/,mems_allowed=0"]);
    k.log.records.length = 0;
    k.now_ns += 20e9;
    k.zones[ZONE_DMA].managed_pages = 0;
    warn_alloc(k, GFP_DMA, null, "page allocation failure: order:0");
    expect(k.log.records).toEqual([]);
    k.zones[ZONE_DMA].managed_pages = 1;
    warn_alloc(k, GFP_DMA, null, "page allocation failure: order:0");
    expect(k.log.records.length).toBe(1);
  });
});

describe("ALLOC_NOFRAGMENT (alloc_flags_nofragment and get_page_from_freelist's passes)", () => {
  /**
   * A bare test machine re-cut with a ZONE_NORMAL: DMA [1, 4096), DMA32 [4096, normalFrom),
   * NORMAL [normalFrom, node1From) on node 0 and, when node1From < 16384, a second node whose
   * ZONE_NORMAL is [node1From, 16384), after node 0's zones in node 0's zonelist as
   * build_zonelists orders them (an empty DMA32 stays out of it: build_zonelists_node adds
   * managed zones only). Every watermark and lowmem reserve is 0, so only the free lists decide.
   */
  function layout(normalFrom: number, node1From = 16384): Kernel {
    const k = bare();
    const pgdat = k.node_data[0];
    const [dma, d32, normal] = [pgdat.node_zones[ZONE_DMA], pgdat.node_zones[ZONE_DMA32], pgdat.node_zones[ZONE_NORMAL]];
    d32.spanned_pages = d32.present_pages = normalFrom - 4096;
    normal.zone_start_pfn = normalFrom;
    normal.spanned_pages = normal.present_pages = node1From - normalFrom;
    pgdat.nr_zones = ZONE_NORMAL + 1;
    const zones = [...pgdat.node_zones];
    pgdat.node_zonelists = [normal, ...(d32.present_pages > 0 ? [d32] : []), dma];
    if (node1From < 16384) {
      const pgdat1 = new pglist_data(1);
      const n1 = pgdat1.node_zones[ZONE_NORMAL];
      n1.zone_start_pfn = node1From;
      n1.spanned_pages = n1.present_pages = 16384 - node1From;
      pgdat1.nr_zones = ZONE_NORMAL + 1;
      zones.push(...pgdat1.node_zones);
      k.node_data = [pgdat, pgdat1];
      pgdat.node_zonelists.push(n1);
      pgdat1.node_zonelists = [n1, ...pgdat.node_zonelists.slice(0, -1)];
    }
    k.zones = zones;
    for (let b = 4096 >>> 9; b < 16384 >>> 9; b++) {
      const pfn = b << 9;
      k.mem_map.pageblock_zone[b] = pfn < normalFrom ? ZONE_DMA32 : pfn < node1From ? ZONE_NORMAL : MAX_NR_ZONES + ZONE_NORMAL;
    }
    for (const z of zones) {
      z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 0;
      z.lowmem_reserve.fill(0);
    }
    cachePreferredZones(k);
    return k;
  }
  /** An order-3 block at `pfn` on the UNMOVABLE list of its pageblock: a fallback for a movable request. */
  const unmovableBlock = (k: Kernel, pfn: number): void => {
    k.mem_map.pageblock_mt[pfn >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, pfn, pfn + 8);
  };

  it("sends a movable request preferring NORMAL to DMA32 before it falls back in NORMAL (first pass)", () => {
    // alloc_flags_nofragment: the preferred zone is ZONE_NORMAL → ALLOC_NOFRAGMENT; then
    // __rmqueue_fallback's min_order is pageblock_order for an order-0 request, so NORMAL's
    // order-3 unmovable block is not taken and the walk goes on to DMA32's movable block.
    const k = layout(8192);
    unmovableBlock(k, 8192);
    freeRange(k, 4096, 4100); // order 2 at 4096, movable, in DMA32
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(4096);
    expect(list(k, k.zones[ZONE_NORMAL], 3, MIGRATE_UNMOVABLE)).toEqual([8192]);
    checkBuddy(k);
  });

  it("falls back in NORMAL on the second pass when no zone has a block of the request's type", () => {
    // get_page_from_freelist: `if (no_fallback) { alloc_flags &= ~ALLOC_NOFRAGMENT; goto retry; }`.
    // The second pass takes NORMAL's unmovable block (moved whole to the movable list, as the
    // order-3 steal is not a pageblock claim), so the page is its first.
    const k = layout(8192);
    unmovableBlock(k, 8192);
    const a = ac(k, MIGRATE_MOVABLE, ZONE_MOVABLE);
    a.zonelist = k.node_data[0].node_zonelists;
    expect(get_page_from_freelist(k, GFP_HIGHUSER_MOVABLE, 0, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, a)).toBe(8192);
    // The fallback itself never ran with ALLOC_NOFRAGMENT: without it, the same.
    const k2 = layout(8192);
    unmovableBlock(k2, 8192);
    expect(get_page_from_freelist(k2, GFP_HIGHUSER_MOVABLE, 0, ALLOC_WMARK_LOW, ac(k2, MIGRATE_MOVABLE, ZONE_MOVABLE))).toBe(8192);
  });

  it("sets no ALLOC_NOFRAGMENT for a request whose preferred zone is DMA32", () => {
    // alloc_flags_nofragment: zone_idx(zone) != ZONE_NORMAL → only ALLOC_KSWAPD. A movable
    // GFP_DMA32 request falls back inside DMA32 rather than moving on to DMA's movable page.
    const k = layout(8192);
    unmovableBlock(k, 4096);
    freeRange(k, 1, 2); // pfn 1, movable, in DMA
    expect(alloc_pages(k, GFP_KERNEL | __GFP_MOVABLE | __GFP_DMA32, 0)).toBe(4096);
    expect(PageBuddy(k, 1)).toBe(true);
  });

  it("assumes DMA32 on a one-node machine, and sets no ALLOC_NOFRAGMENT on a NUMA node without it", () => {
    // alloc_flags_nofragment: `if (nr_online_nodes > 1 && !populated_zone(--zone)) return`;
    // on UMA the flag is set without looking ("assume on UMA that if Normal is populated then so
    // is DMA32"). Here DMA32 is empty and NORMAL starts at 4096.
    const k = layout(4096);
    unmovableBlock(k, 4096);
    freeRange(k, 1, 2);
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(1); // ALLOC_NOFRAGMENT: DMA's movable page first
    const k2 = layout(4096);
    unmovableBlock(k2, 4096);
    freeRange(k2, 1, 2);
    k2.node_data.push(new pglist_data(1)); // a second node (memoryless: its zonelist is empty)
    expect(alloc_pages(k2, GFP_HIGHUSER_MOVABLE, 0)).toBe(4096); // no flag: the fallback in NORMAL
  });

  it("prefers a fragmenting fallback on the local node to a remote node's free page", () => {
    // get_page_from_freelist: with ALLOC_NOFRAGMENT, reaching a zone of another node than the
    // preferred zone's ("Locality is more important than fragmentation avoidance") retries the
    // walk without the flag, so node 0's NORMAL falls back instead of node 1 serving the request.
    const k = layout(8192, 12288);
    unmovableBlock(k, 8192);
    freeRange(k, 12288, 12292); // node 1's NORMAL: order 2, movable
    expect(alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0)).toBe(8192);
    expect(k.node_data[1].node_zones[ZONE_NORMAL].free_area[2].nr_free).toBe(1);
    // Without a fallback on node 0 the remote node serves it.
    const k2 = layout(8192, 12288);
    freeRange(k2, 12288, 12292);
    expect(alloc_pages(k2, GFP_HIGHUSER_MOVABLE, 0)).toBe(12288);
    // And a request preferring node 1 takes its own page (its walk meets no other node first).
    const k3 = layout(8192, 12288);
    unmovableBlock(k3, 8192);
    freeRange(k3, 12288, 12292);
    expect(__alloc_pages(k3, GFP_HIGHUSER_MOVABLE, 0, 1, null)).toBe(12288);
  });
});

describe("the slow path's retry decisions (should_reclaim_retry, should_compact_retry)", () => {
  /** makeTestMachine (no pcp lists) allocated down to its min watermarks, with counting hooks. */
  function exhausted(o: { progress?: (call: number) => number; reclaimable?: number; compact?: (call: number) => number; suitable?: (call: number) => boolean } = {}) {
    const k = makeTestMachine({ pcp: false });
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN);
    const seen = { reclaim: 0, prios: [] as number[], suitable: 0, ooms: 0 };
    k.mmHooks.try_to_free_pages = () => (o.progress ?? (() => 0))(++seen.reclaim);
    k.mmHooks.zone_reclaimable_pages = () => o.reclaimable ?? 0;
    k.mmHooks.try_to_compact_pages = (_k, _g, _o, _f, _ac, prio) => (seen.prios.push(prio), (o.compact ?? (() => COMPACT_COMPLETE))(seen.prios.length));
    k.mmHooks.compaction_zonelist_suitable = () => (o.suitable ?? (() => false))(++seen.suitable);
    k.mmHooks.out_of_memory = () => (seen.ooms++, false);
    return { k, seen };
  }
  const NOWARN = GFP_KERNEL | __GFP_NOWARN;

  it("retries reclaim 16 times without progress while reclaimable pages would pass the min watermark", () => {
    // should_reclaim_retry: no_progress_loops++ each round without progress; the zones are
    // checked while it is <= MAX_RECLAIM_RETRIES (16), so the 17th round gives up → OOM step.
    // Order 0: no compaction at all (__alloc_pages_direct_compact returns at !order).
    const a = exhausted({ reclaimable: 1 });
    expect(alloc_pages(a.k, NOWARN, 0)).toBe(NO_PFN);
    expect([a.seen.reclaim, a.seen.ooms, a.seen.prios.length]).toEqual([17, 1, 0]);
    // Nothing reclaimable: DMA32's free pages (at min) do not pass min, nor DMA's → OOM at once.
    const b = exhausted({ reclaimable: 0 });
    expect(alloc_pages(b.k, NOWARN, 0)).toBe(NO_PFN);
    expect([b.seen.reclaim, b.seen.ooms]).toEqual([1, 1]);
    // Five rounds with progress reset the count (order <= PAGE_ALLOC_COSTLY_ORDER): 5 + 17.
    const c = exhausted({ reclaimable: 1, progress: (n) => (n <= 5 ? 1 : 0) });
    expect(alloc_pages(c.k, NOWARN, 0)).toBe(NO_PFN);
    expect([c.seen.reclaim, c.seen.ooms]).toEqual([22, 1]);
  });

  it("raises the compaction priority after a failed or withdrawn compaction, down to MIN_COMPACT_PRIORITY", () => {
    // Order 2 unmovable: the early compaction at INIT_COMPACT_PRIORITY (async, 2), then the loop
    // at DEF_COMPACT_PRIORITY (sync-light, 1); COMPACT_COMPLETE (compaction_failed) and
    // COMPACT_DEFERRED (compaction_withdrawn) go to check_priority: 1 > MIN_COMPACT_PRIORITY (0)
    // → one more round at 0; at 0 should_compact_retry says no and the OOM step runs.
    // Reclaim "makes progress" (so should_compact_retry is asked) but nothing is reclaimable.
    for (const result of [COMPACT_COMPLETE, COMPACT_DEFERRED]) {
      const { k, seen } = exhausted({ progress: () => 1, compact: () => result });
      expect(alloc_pages(k, NOWARN, 2)).toBe(NO_PFN);
      expect([seen.prios, seen.reclaim, seen.ooms]).toEqual([[2, 1, 0], 2, 1]);
    }
  });

  it("retries compaction that made progress 16 times per priority (4 for costly orders)", () => {
    // should_compact_retry: COMPACT_SUCCESS counts a retry; while compaction_retries <=
    // MAX_COMPACT_RETRIES (16) it retries; the 17th goes to check_priority (1 → 0, retries 0),
    // then 17 more at priority 0, the last of which gives up.
    const a = exhausted({ progress: () => 1, compact: () => COMPACT_SUCCESS });
    expect(alloc_pages(a.k, NOWARN, 2)).toBe(NO_PFN);
    expect(a.seen.prios).toEqual([2, ...new Array<number>(17).fill(1), ...new Array<number>(17).fill(0)]);
    expect(a.seen.ooms).toBe(1);
    // Order 4 (costly) with __GFP_RETRY_MAYFAIL: max_retries / 4 = 4, so the fifth round at 1
    // goes to check_priority, where MIN_COMPACT_COSTLY_PRIORITY (1) stops it; no OOM for order > 3.
    const b = exhausted({ progress: () => 1, compact: () => COMPACT_SUCCESS });
    expect(alloc_pages(b.k, NOWARN | __GFP_RETRY_MAYFAIL, 4)).toBe(NO_PFN);
    expect([b.seen.prios, b.seen.ooms]).toEqual([[2, 1, 1, 1, 1, 1], 0]);
  });

  it("asks compaction_zonelist_suitable after a skipped compaction, at the same priority", () => {
    // compaction_needs_reclaim(COMPACT_SKIPPED): retry iff compaction_zonelist_suitable. A
    // skipped compaction counts no compact_stall (__alloc_pages_direct_compact returns first).
    const { k, seen } = exhausted({ progress: () => 1, compact: () => COMPACT_SKIPPED, suitable: (n) => n <= 3 });
    expect(alloc_pages(k, NOWARN, 2)).toBe(NO_PFN);
    expect([seen.prios, seen.suitable, seen.ooms]).toEqual([[2, 1, 1, 1, 1], 4, 1]);
    expect(k.vm_events[COMPACTSTALL]).toBe(0);
  });

  it("gives up a costly __GFP_NORETRY request after a skipped, deferred or THISNODE early compaction", () => {
    // __alloc_pages_slowpath: costly_order && __GFP_NORETRY after the early compaction:
    // COMPACT_SKIPPED / COMPACT_DEFERRED → nopage; __GFP_THISNODE → nopage; else one loop
    // round at INIT_COMPACT_PRIORITY (2) and __GFP_NORETRY ends it.
    for (const result of [COMPACT_SKIPPED, COMPACT_DEFERRED]) {
      const { k, seen } = exhausted({ progress: () => 1, compact: () => result });
      expect(alloc_pages(k, NOWARN | __GFP_NORETRY, 4)).toBe(NO_PFN);
      expect([seen.prios, seen.reclaim]).toEqual([[2], 0]);
    }
    const t = exhausted({ progress: () => 1 });
    expect(alloc_pages(t.k, NOWARN | __GFP_NORETRY | __GFP_THISNODE, 4)).toBe(NO_PFN);
    expect([t.seen.prios, t.seen.reclaim]).toEqual([[2], 0]);
    const c = exhausted({ progress: () => 1 });
    expect(alloc_pages(c.k, NOWARN | __GFP_NORETRY, 4)).toBe(NO_PFN);
    expect([c.seen.prios, c.seen.reclaim, c.seen.ooms]).toEqual([[2, 2], 1, 0]);
    // Not costly (order 3, unmovable): the early compaction's result does not end it.
    const d = exhausted({ progress: () => 1, compact: () => COMPACT_DEFERRED });
    expect(alloc_pages(d.k, NOWARN | __GFP_NORETRY, 3)).toBe(NO_PFN);
    expect([d.seen.prios, d.seen.reclaim]).toEqual([[2, 1], 1]);
  });

  it("compacts no earlier and retries no compaction without __GFP_IO (gfp_compaction_allowed)", () => {
    // GFP_NOIO: can_compact is false, so no early compaction and no should_compact_retry; the
    // loop's __alloc_pages_direct_compact still runs (try_to_compact_pages itself declines
    // such a mask in 6.1). A costly GFP_NOIO request stops after one round even with
    // __GFP_RETRY_MAYFAIL (`costly_order && (!can_compact || !__GFP_RETRY_MAYFAIL)`).
    const noio = (GFP_KERNEL & ~(__GFP_IO | __GFP_FS)) | __GFP_NOWARN;
    const a = exhausted({ progress: () => 1, compact: () => COMPACT_SUCCESS });
    expect(alloc_pages(a.k, noio, 2)).toBe(NO_PFN);
    expect([a.seen.prios, a.seen.reclaim, a.seen.ooms]).toEqual([[1], 1, 1]);
    const b = exhausted({ progress: () => 1, compact: () => COMPACT_SUCCESS });
    expect(alloc_pages(b.k, noio | __GFP_RETRY_MAYFAIL, 4)).toBe(NO_PFN);
    expect([b.seen.prios, b.seen.reclaim, b.seen.ooms]).toEqual([[1], 1, 0]);
    // The same costly request with __GFP_IO: the early compaction, and the loop retries.
    const c = exhausted({ progress: () => 1, compact: () => COMPACT_SUCCESS });
    expect(alloc_pages(c.k, NOWARN | __GFP_RETRY_MAYFAIL, 4)).toBe(NO_PFN);
    expect(c.seen.prios.length).toBe(6);
  });

  it("starts reclaim's 16 retries over after an OOM kill, and stops an OOM victim's __GFP_NOMEMALLOC request", () => {
    // __alloc_pages_slowpath after __alloc_pages_may_oom: `if (did_some_progress) {
    // no_progress_loops = 0; goto retry; }`, so a kill buys 17 more reclaim rounds; and
    // `if (tsk_is_oom_victim(current) && (alloc_flags & ALLOC_OOM || gfp_mask & __GFP_NOMEMALLOC))
    // goto nopage` before that.
    const a = exhausted({ reclaimable: 1 });
    let kills = 1;
    a.k.mmHooks.out_of_memory = () => (a.seen.ooms++, kills-- > 0);
    expect(alloc_pages(a.k, NOWARN, 0)).toBe(NO_PFN);
    expect([a.seen.reclaim, a.seen.ooms]).toEqual([34, 2]);
    // A victim asking with __GFP_NOMEMALLOC gets no ALLOC_OOM and fails after its first kill.
    const b = exhausted({ reclaimable: 0 });
    b.k.mmHooks.out_of_memory = () => (b.seen.ooms++, true);
    b.k.mmHooks.tsk_is_oom_victim = () => true;
    expect(alloc_pages(b.k, NOWARN | __GFP_NOMEMALLOC, 0)).toBe(NO_PFN);
    expect([b.seen.reclaim, b.seen.ooms]).toEqual([1, 1]);
  });

  it("drops __GFP_ATOMIC from a request that may also reclaim (the failure report shows the mask without it)", () => {
    // __alloc_pages_slowpath: (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM) both set → gfp_mask &=
    // ~__GFP_ATOMIC, and warn_alloc prints that mask: 0xcc0 | __GFP_NORETRY 0x10000.
    const { k } = exhausted();
    k.currentComm = "t";
    expect(alloc_pages(k, GFP_KERNEL | __GFP_ATOMIC | __GFP_NORETRY, 0)).toBe(NO_PFN);
    expect(k.log.records.map((r) => r.text)).toEqual(["t: page allocation failure: order:0, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), nodemask=(null),cpuset=/,mems_allowed=0"]);
  });

  it("declares a model livelock after 1000 rounds of a __GFP_NOFAIL request nothing can satisfy", () => {
    // docs/fidelity/page_alloc.md: more than 1000 rounds throw KernelBug where 6.1 loops for
    // ever. A machine with no free page at all: each round reclaims once (nothing), the OOM
    // step "progresses" for __GFP_NOFAIL and the reserves have nothing either.
    const k = bare();
    let reclaim = 0;
    k.mmHooks.try_to_free_pages = () => (reclaim++, 0);
    k.mmHooks.out_of_memory = () => false;
    let bug: unknown;
    try {
      alloc_pages(k, GFP_KERNEL | __GFP_NOFAIL, 0);
    } catch (e) {
      bug = e;
    }
    expect(bug).toBeInstanceOf(KernelBug);
    expect((bug as KernelBug).message).toMatch(/^page allocator livelock/);
    // The report names the request: gfp as %pGg prints it (0xcc0 | __GFP_NOFAIL 0x8000) and the order.
    expect((bug as KernelBug).context).toEqual({ gfp: "0x8cc0(GFP_KERNEL|__GFP_NOFAIL)", order: 0 });
    expect(reclaim).toBe(1000);
  });
});

describe("the slow path's direct reclaim and compaction steps", () => {
  it("unreserves a highatomic pageblock and retries when reclaim progressed but the page is still missing", () => {
    // __alloc_pages_direct_reclaim: no page after progress → unreserve_highatomic_pageblock(ac,
    // false) (more than one pageblock reserved) and drain_all_pages, then one more try. Here
    // DMA32's only free memory is an order-10 block over two HIGHATOMIC pageblocks (1024
    // reserved, all unusable for GFP_KERNEL); the unreserve gives one pageblock to UNMOVABLE
    // (reserve 512), which leaves 1024 - 512 > min 128 usable, and the retry succeeds.
    // __GFP_NORETRY: without that step the request fails right after compaction.
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    freeRange(k, 4096, 5120);
    z.nr_reserved_highatomic = 1024;
    let reclaim = 0;
    k.mmHooks.try_to_free_pages = () => (reclaim++, 1);
    k.mmHooks.out_of_memory = () => false;
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)).toBe(4096);
    expect([reclaim, z.nr_reserved_highatomic]).toEqual([1, 512]);
    expect([get_pageblock_migratetype(k, 4096), get_pageblock_migratetype(k, 4608)]).toEqual([MIGRATE_UNMOVABLE, MIGRATE_HIGHATOMIC]);
  });

  it("counts direct compaction as a memory stall of the allocating task (psi_memstall_enter/leave)", () => {
    // __alloc_pages_direct_compact: psi_memstall_enter(&pflags) before try_to_compact_pages,
    // psi_memstall_leave after; the task is in_memstall exactly during compaction.
    const k = bare();
    const t = new task_struct(2, "alloc", 0, 1, null, 0);
    k.tasks.byPid.set(2, t);
    k.currentPid = 2;
    const during: boolean[] = [];
    k.mmHooks.try_to_free_pages = () => 0;
    k.mmHooks.out_of_memory = () => false;
    k.mmHooks.try_to_compact_pages = () => (during.push(t.in_memstall), COMPACT_COMPLETE);
    expect(alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 2)).toBe(NO_PFN);
    expect(during).toEqual([true, true]);
    expect(t.in_memstall).toBe(false);
  });

  it("clears the zone's pending skip-bit flush after a compaction that found the page", () => {
    // __alloc_pages_direct_compact: on success `zone->compact_blockskip_flush = false` and
    // compaction_defer_reset(zone, order, true); compact_stall and compact_success count once.
    // An order-2 unmovable request compacts before it reclaims (the early compaction).
    const k = bare();
    const z = dma32(k);
    z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 0;
    z.compact_blockskip_flush = true;
    let reclaim = 0;
    k.mmHooks.try_to_free_pages = () => (reclaim++, 0);
    k.mmHooks.try_to_compact_pages = (kk) => (freeRange(kk, 4096, 4100), COMPACT_SUCCESS);
    expect(alloc_pages(k, GFP_KERNEL, 2)).toBe(4096);
    expect(z.compact_blockskip_flush).toBe(false);
    expect([k.vm_events[COMPACTSTALL], k.vm_events[COMPACTSUCCESS], k.vm_events[COMPACTFAIL], reclaim]).toEqual([1, 1, 0, 0]);
  });
});

describe("the slow path's nodemask reset", () => {
  it("ignores the nodemask for requests without ALLOC_CPUSET or with reserve rights", () => {
    // __alloc_pages_slowpath, retry: `if (!(alloc_flags & ALLOC_CPUSET) || reserve_flags)
    // { ac->nodemask = NULL; ... }`. Node 1 cannot serve anything (marks at 1e9); a request
    // for node 1 with nodemask {1} then gets node 0's memory only if the mask is dropped:
    // GFP_ATOMIC (gfp_to_alloc_flags drops ALLOC_CPUSET for __GFP_HIGH) and an OOM victim's
    // GFP_KERNEL (reserve_flags ALLOC_OOM: half the min mark, still far above node 1's free
    // pages) do, GFP_KERNEL does not.
    const k = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    for (const z of k.node_data[1].node_zones) z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 1e9;
    k.mmHooks.try_to_free_pages = () => 0;
    k.mmHooks.out_of_memory = () => false;
    const node = (pfn: number) => (pfn === NO_PFN ? -1 : (k.page_zone(pfn)?.node ?? -2));
    expect(node(__alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0, 1, [1]))).toBe(-1);
    expect(node(__alloc_pages(k, GFP_ATOMIC | __GFP_NOWARN, 0, 1, [1]))).toBe(0);
    k.mmHooks.tsk_is_oom_victim = () => true;
    expect(node(__alloc_pages(k, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0, 1, [1]))).toBe(0);
  });
});

describe("the slow path's steps, one by one (from the survivors of 1604-2120)", () => {
  /** makeTestMachine (no pcp lists) allocated down to its min watermarks, with counting hooks. */
  function exhausted() {
    const k = makeTestMachine({ pcp: false });
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) !== NO_PFN);
    k.log.records.length = 0;
    const seen = { reclaim: 0, compact: 0, ooms: 0, woken: 0 };
    k.mmHooks.try_to_free_pages = () => (seen.reclaim++, 0);
    k.mmHooks.try_to_compact_pages = () => (seen.compact++, COMPACT_COMPLETE);
    k.mmHooks.out_of_memory = () => (seen.ooms++, false);
    k.mmHooks.wakeup_kswapd = () => void seen.woken++;
    return { k, seen };
  }
  const NOWARN = GFP_KERNEL | __GFP_NOWARN;

  it("wakes kswapd only for requests with __GFP_KSWAPD_RECLAIM (ALLOC_KSWAPD)", () => {
    // __alloc_pages_slowpath: `if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(...)` before
    // the first try and again at retry: two wakes for one failing GFP_KERNEL | __GFP_NORETRY.
    const a = exhausted();
    expect(alloc_pages(a.k, NOWARN | __GFP_NORETRY, 0)).toBe(NO_PFN);
    expect(a.seen.woken).toBe(2);
    const b = exhausted();
    expect(alloc_pages(b.k, (NOWARN | __GFP_NORETRY) & ~__GFP_KSWAPD_RECLAIM, 0)).toBe(NO_PFN);
    expect(b.seen.woken).toBe(0);
  });

  it("compacts early only for blocking, non-reserve, costly or unmovable high-order requests", () => {
    // `can_direct_reclaim && can_compact && (costly_order || (order > 0 && ac->migratetype !=
    // MIGRATE_MOVABLE)) && !gfp_pfmemalloc_allowed(gfp_mask)`. __GFP_NORETRY: one loop round
    // after it, whose compaction is the second call.
    const count = (gfp: number, order: number, pfmemalloc = false): number => {
      const { k, seen } = exhausted();
      if (pfmemalloc) k.mmHooks.current_flags = () => PF_MEMALLOC;
      alloc_pages(k, gfp | __GFP_NORETRY | __GFP_NOWARN, order);
      return seen.compact;
    };
    expect(count(GFP_KERNEL, 2)).toBe(2); // unmovable order 2: early + loop
    expect(count(GFP_HIGHUSER_MOVABLE, 2)).toBe(1); // movable, not costly: the loop's only
    expect(count(GFP_HIGHUSER_MOVABLE, 4)).toBe(2); // costly: early too (NORETRY after COMPLETE: one loop round)
    expect(count(GFP_KERNEL & ~__GFP_DIRECT_RECLAIM, 2)).toBe(0); // cannot reclaim: neither
    expect(count(GFP_KERNEL, 2, true)).toBe(0); // PF_MEMALLOC: reserves, and no reclaim loop
  });

  it("takes the OOM step for order 3 but not order 4, passing the request in oom_control", () => {
    // __alloc_pages_may_oom: `if (order > PAGE_ALLOC_COSTLY_ORDER) goto out` (3 is not costly);
    // oc = { .zonelist, .nodemask = ac->nodemask, .memcg = NULL, .gfp_mask, .order }.
    const a = exhausted();
    const got: Array<[number, number, number[] | null, unknown]> = [];
    a.k.mmHooks.out_of_memory = (_k, oc) => (got.push([oc.gfp_mask, oc.order, oc.nodemask, oc.memcg]), false);
    expect(alloc_pages(a.k, NOWARN, 3)).toBe(NO_PFN);
    expect(got).toEqual([[NOWARN, 3, null, null]]);
    const b = exhausted();
    expect(alloc_pages(b.k, NOWARN | __GFP_RETRY_MAYFAIL, 4)).toBe(NO_PFN);
    expect(b.seen.ooms).toBe(0);
  });

  it("takes a page the high-watermark try finds before the OOM killer", () => {
    // __alloc_pages_may_oom: get_page_from_freelist(..., ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac)
    // first; a page found there is the allocation and out_of_memory is not called. The 17th
    // reclaim (the round should_reclaim_retry gives up in) frees a page and lowers DMA32's marks
    // to 0 but reports no progress, so only that try can find the page.
    const { k, seen } = exhausted();
    const z = dma32(k);
    k.mmHooks.zone_reclaimable_pages = () => 1;
    let freed = -1;
    k.mmHooks.try_to_free_pages = (kk) => {
      if (++seen.reclaim === 17) {
        freed = 4096;
        while (kk.mem_map._refcount[freed] !== 1) freed++;
        __free_pages(kk, freed, 0);
        z._watermark[WMARK_MIN] = z._watermark[WMARK_LOW] = z._watermark[WMARK_HIGH] = 0;
      }
      return 0;
    };
    const pfn = alloc_pages(k, NOWARN, 0);
    expect(freed).toBeGreaterThanOrEqual(4096);
    expect([pfn, seen.reclaim, seen.ooms]).toEqual([freed, 17, 0]);
  });

  it("asks node_reclaim with the OOM step's mask: __GFP_HARDWALL added, __GFP_DIRECT_RECLAIM taken away", () => {
    // __alloc_pages_may_oom: get_page_from_freelist((gfp_mask | __GFP_HARDWALL) &
    // ~__GFP_DIRECT_RECLAIM, ...); under zone_reclaim_mode that mask reaches node_reclaim for
    // each zone below its (high) mark.
    const { k } = exhausted();
    k.vm.zone_reclaim_mode = 1;
    const gfps: number[] = [];
    k.mmHooks.node_reclaim = (_k, _z, gfp) => (gfps.push(gfp), NODE_RECLAIM_NOSCAN);
    expect(alloc_pages(k, NOWARN, 0)).toBe(NO_PFN);
    const last = (NOWARN | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM;
    expect(gfps.slice(-2)).toEqual([last, last]); // DMA32, then DMA
    expect(gfps.slice(0, -2).every((g) => g === NOWARN)).toBe(true);
  });

  it("fails at once when no zone is usable (preferred_zoneref NULL → nopage)", () => {
    // __alloc_pages_slowpath: `if (!ac->preferred_zoneref->zone) goto nopage;` — no kswapd,
    // no reclaim, no OOM; a nodemask of a node that does not exist leaves no zone.
    const { k, seen } = exhausted();
    expect(__alloc_pages(k, NOWARN, 0, 0, [5])).toBe(NO_PFN);
    expect(seen).toEqual({ reclaim: 0, compact: 0, ooms: 0, woken: 0 });
  });

  it("gives a __GFP_NOFAIL request the __GFP_HIGH reserves at nopage (__GFP_NORETRY sends it there)", () => {
    // nopage: `if (gfp_mask & __GFP_NOFAIL) { ... page = __alloc_pages_cpuset_fallback(gfp_mask,
    // order, ALLOC_MIN_RESERVE, ac); if (page) goto got_pg; ...}`: the exhausted zone (free =
    // min) passes min / 2, so one page comes out — exactly one — and no OOM step ran.
    const { k, seen } = exhausted();
    const free = dma32(k).vm_stat[NR_FREE_PAGES] + k.zones[ZONE_DMA].vm_stat[NR_FREE_PAGES];
    const pfn = alloc_pages(k, NOWARN | __GFP_NOFAIL | __GFP_NORETRY, 0);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(k.mem_map._refcount[pfn]).toBe(1);
    expect(dma32(k).vm_stat[NR_FREE_PAGES] + k.zones[ZONE_DMA].vm_stat[NR_FREE_PAGES]).toBe(free - 1);
    expect([seen.reclaim, seen.ooms]).toEqual([1, 0]);
    // The OOM step's __GFP_NOFAIL fallback (ALLOC_NO_WATERMARKS) takes exactly one page too.
    const b = exhausted();
    const free2 = dma32(b.k).vm_stat[NR_FREE_PAGES] + b.k.zones[ZONE_DMA].vm_stat[NR_FREE_PAGES];
    const pfn2 = alloc_pages(b.k, NOWARN | __GFP_NOFAIL, 0);
    expect(b.k.mem_map._refcount[pfn2]).toBe(1);
    expect(dma32(b.k).vm_stat[NR_FREE_PAGES] + b.k.zones[ZONE_DMA].vm_stat[NR_FREE_PAGES]).toBe(free2 - 1);
  });

  it("goes on after a kill only when the task is not a victim using its reserves", () => {
    // `if (tsk_is_oom_victim(current) && (alloc_flags & ALLOC_OOM || gfp_mask &
    // __GFP_NOMEMALLOC)) goto nopage;` then `if (did_some_progress) goto retry`. A machine with
    // no free page: a victim asking with __GFP_MEMALLOC (ALLOC_NO_WATERMARKS, not ALLOC_OOM)
    // goes on after its first kill; a non-victim's __GFP_NOMEMALLOC request too.
    for (const [victim, gfp] of [[true, __GFP_MEMALLOC], [false, __GFP_NOMEMALLOC]] as const) {
      const k = bare();
      let ooms = 0;
      k.mmHooks.try_to_free_pages = () => 0;
      k.mmHooks.out_of_memory = () => ++ooms === 1;
      k.mmHooks.tsk_is_oom_victim = () => victim;
      expect(alloc_pages(k, NOWARN | gfp, 0)).toBe(NO_PFN);
      expect(ooms).toBe(2);
    }
  });

  it("keeps __GFP_ATOMIC for a request that cannot reclaim (warn_alloc's mode)", () => {
    // Only (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM) both set lose __GFP_ATOMIC; GFP_ATOMIC keeps it.
    const k = bare();
    k.currentComm = "t";
    expect(alloc_pages(k, GFP_ATOMIC, 0)).toBe(NO_PFN);
    expect(k.log.records.map((r) => r.text)).toEqual(["t: page allocation failure: order:0, mode:0xa20(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0"]);
  });

  it("refuses an order of MAX_ORDER or more before anything else (no trace event, no reclaim)", () => {
    // __alloc_pages: `if (WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp)) return NULL;` before
    // trace_mm_page_alloc.
    const { k, seen } = exhausted();
    const msgs: string[] = [];
    k.trace.on("mm_page_alloc", (r) => msgs.push(r.message));
    expect(alloc_pages(k, NOWARN, MAX_ORDER)).toBe(NO_PFN);
    expect(alloc_pages(k, NOWARN, MAX_ORDER + 1)).toBe(NO_PFN);
    expect([msgs, seen.reclaim]).toEqual([[], 0]);
  });
});

describe("__alloc_pages' order-0 fast path and its callers", () => {
  it("uses no pcp page of a node outside the nodemask (the fast path is for nodemask NULL only)", () => {
    const k = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    k.cpu = 0;
    alloc_pages(k, GFP_KERNEL, 0); // node 0's pcp list for CPU 0 now holds pages
    expect(k.node_data[0].node_zones[ZONE_DMA32].per_cpu_pageset[0].count).toBeGreaterThan(0);
    const pfn = __alloc_pages(k, GFP_KERNEL, 0, 0, [1]);
    expect(k.page_zone(pfn)?.node).toBe(1);
  });

  it("traces a pcp hit (mm_page_alloc) and nothing for a fast path that found no page", () => {
    const k = makeTestMachine();
    alloc_pages(k, GFP_KERNEL, 0); // refill the pcp list
    const msgs: string[] = [];
    k.trace.on("mm_page_alloc", (r) => msgs.push(r.message));
    const pfn = alloc_pages(k, GFP_KERNEL, 0);
    expect(msgs).toEqual([`page=${page_ptr_string(pfn)} pfn=0x${pfn.toString(16)} order=0 migratetype=0 gfp_flags=GFP_KERNEL`]);
    // alloc_page_pcp_fast with an empty list: NO_PFN, and no event (the caller allocates next).
    const k2 = makeTestMachine();
    const msgs2: string[] = [];
    k2.trace.on("mm_page_alloc", (r) => msgs2.push(r.message));
    expect(alloc_page_pcp_fast(k2, GFP_KERNEL)).toBe(NO_PFN);
    expect(msgs2).toEqual([]);
  });

  it("gives the fields of mm_page_alloc to a listener", () => {
    const k = makeTestMachine();
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_alloc", (r) => recs.push(r));
    const pfn = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    expect(recs.map((r) => r.fields)).toEqual([{ pfn, order: 2, gfp_flags: GFP_KERNEL | __GFP_COMP, migratetype: MIGRATE_UNMOVABLE }]);
  });

  it("alloc_page allocates one order-0 page", () => {
    const k = makeTestMachine();
    const free = dma32(k).vm_stat[NR_FREE_PAGES];
    const pfn = alloc_page(k, GFP_KERNEL);
    expect(k.mem_map._refcount[pfn]).toBe(1);
    expect(compound_order(k, pfn)).toBe(0);
    // The first allocation refills the pcp list with a batch: NR_FREE_PAGES counts what left the buddy.
    expect(dma32(k).vm_stat[NR_FREE_PAGES]).toBeLessThan(free);
  });

  it("counts the lowmem reserve against the request's highest zone in the fast path's mark", () => {
    // zone_watermark_fast: usable_free > mark + z->lowmem_reserve[highest_zoneidx]. With
    // DMA32's reserve against NORMAL at 1 and low = free - 1, the fast path declines and the
    // slow path (which wakes kswapd) serves the page.
    const k = makeTestMachine();
    const z = dma32(k);
    let woken = 0;
    k.mmHooks.wakeup_kswapd = () => void woken++;
    Object.assign(z.per_cpu_pageset[0], { batch: 31, high: 1000 });
    k.zones[ZONE_DMA]._watermark[WMARK_LOW] = 1e9;
    alloc_pages(k, GFP_KERNEL, 0);
    z._watermark[WMARK_LOW] = z.vm_stat[NR_FREE_PAGES] - 1;
    z._watermark[WMARK_MIN] = 0;
    z.lowmem_reserve[ZONE_NORMAL] = 1;
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
    expect(woken).toBe(1);
  });

  it("charges a __GFP_ACCOUNT page to the current task's memcg on both paths, and no other page", () => {
    // __alloc_pages: `if (memcg_kmem_enabled() && (gfp & __GFP_ACCOUNT) && page &&
    // unlikely(__memcg_kmem_charge_page(page, gfp, order) != 0))` → the page is charged as
    // kernel memory (page->memcg_data with MEMCG_DATA_KMEM).
    const m = Machine.boot({ memory: "256M" });
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/rk");
    const p = m.spawn({ comm: "acct", cgroup: "/rk" });
    const k = kernelOf(m);
    k.currentPid = p.pid;
    const a = alloc_pages(k, GFP_KERNEL | __GFP_ACCOUNT, 0);
    const b = alloc_pages(k, GFP_KERNEL | __GFP_ACCOUNT, 1);
    const c = alloc_pages(k, GFP_KERNEL, 0);
    const d = alloc_pages(k, GFP_KERNEL, 1);
    expect([a, b, c, d].map((pfn) => (k.mem_map.memcg[pfn] & MEMCG_DATA_KMEM) !== 0)).toEqual([true, true, false, false]);
  });
});

describe("freeing paths, from the survivors of 744-1197", () => {
  /** The free block (head, order, migratetype) that contains pfn, or null. */
  function blockOf(k: Kernel, z: zone, pfn: number): [number, number, number] | null {
    for (let o = 0; o < MAX_ORDER; o++) {
      for (let mt = 0; mt < 6; mt++) {
        for (const h of list(k, z, o, mt)) if (h <= pfn && pfn < h + (1 << o)) return [h, o, mt];
      }
    }
    return null;
  }
  /** The KernelBug fn throws (or undefined). */
  function bugOf(fn: () => void): KernelBug | undefined {
    try {
      fn();
    } catch (e) {
      if (e instanceof KernelBug) return e;
      throw e;
    }
    return undefined;
  }
  /** pfns on one pcp list, head first. */
  function pcpList(k: Kernel, lists: Int32Array | number[], pindex: number): number[] {
    const out: number[] = [];
    for (let p = lists[pindex]; p !== NO_PFN && out.length < 10000; p = k.mem_map.lru.list_next(lists as Int32Array, pindex, p)) out.push(p);
    return out;
  }

  it("says what it refused in each bad-page KernelBug's context", () => {
    // Each case on a machine of its own (a refused free leaves the state half-done).
    let k = makeTestMachine();
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map._refcount[c + 1] = 1;
    expect(bugOf(() => __free_pages(k, c + 1, 0))?.context).toEqual({ pfn: c + 1, order: 0 });
    k = makeTestMachine();
    const d = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.private[d + 1] = 1;
    expect(bugOf(() => put_page(k, d))?.context).toEqual({ pfn: d, compound_mapcount: 1 });
    k = makeTestMachine();
    const e = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.mapcount[e + 3] = 1;
    expect(bugOf(() => put_page(k, e))?.context).toEqual({ pfn: e + 3, head: e, flags: F(PG_tail), mapcount: 1 });
    // A tail that lost its PG_tail (free_tail_pages_check: "corrupted mapping in tail page").
    k = makeTestMachine();
    const t = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.flags[t + 2] &= ~F(PG_tail);
    expect(bugOf(() => put_page(k, t))?.context).toEqual({ pfn: t + 2, head: t, flags: 0, mapcount: 0 });
    k = makeTestMachine();
    const g = alloc_pages(k, GFP_KERNEL, 1);
    k.mem_map.mapcount[g] = 2;
    expect(bugOf(() => __free_pages(k, g, 1))?.context).toEqual({ pfn: g, order: 1, flags: 0, refcount: 0, mapcount: 2 });
    k = makeTestMachine();
    const h = alloc_pages(k, GFP_KERNEL, 2);
    __free_pages(k, h, 2);
    expect(bugOf(() => __free_pages(k, h, 2))?.context).toEqual({ pfn: h, order: 2 });
    k = makeTestMachine();
    const sp = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    expect(bugOf(() => split_page(k, sp, 2))?.context).toEqual({ pfn: sp });
    const fp = alloc_pages(k, GFP_KERNEL, 2);
    __free_pages(k, fp, 2);
    expect(bugOf(() => split_page(k, fp, 2))?.context).toEqual({ pfn: fp });
    k = makeTestMachine();
    const nz = alloc_pages(k, GFP_KERNEL, 2);
    k.mem_map.pageblock_zone[nz >>> 9] = 255;
    expect(bugOf(() => __free_pages(k, nz, 2))?.context).toEqual({ pfn: nz });
    // pcp refill: the first page after the list's batch carries a reference.
    k = makeTestMachine();
    const pcp = dma32(k).per_cpu_pageset[0];
    const q = alloc_pages(k, GFP_KERNEL, 0);
    while (pcp.count > 0) alloc_pages(k, GFP_KERNEL, 0);
    k.mem_map._refcount[q + pcp.batch] = 1;
    expect(bugOf(() => alloc_pages(k, GFP_KERNEL, 0))?.context).toEqual({ pfn: q + pcp.batch, order: 0, flags: 0, refcount: 1 });
    // A pcp count 5 above what the lists hold: drain_pages asks for the whole count.
    k = makeTestMachine();
    __free_pages(k, alloc_pages(k, GFP_KERNEL, 0), 0);
    const pcp3 = dma32(k).per_cpu_pageset[0];
    pcp3.count += 5;
    const claimed = pcp3.count;
    const ctx = bugOf(() => drain_all_pages(k, null))?.context;
    expect(ctx?.zone).toBe("DMA32");
    expect([ctx?.pcp_count, ctx?.count]).toEqual([5, 5]); // what is left after the real pages went
    expect(claimed).toBeGreaterThan(5);
  });

  it("refuses to free a page with a flag PAGE_FLAGS_CHECK_AT_FREE lists or PG_buddy, compound or not", () => {
    // free_pages_prepare → free_page_is_bad: page->flags & PAGE_FLAGS_CHECK_AT_FREE (PG_lru
    // among them) is bad; so is a page already free (PG_buddy: page_expected_state's mapcount).
    const k = makeTestMachine();
    const a = alloc_pages(k, GFP_KERNEL, 1);
    k.mem_map.flags[a] |= F(PG_lru);
    expect(() => __free_pages(k, a, 1)).toThrow(/bad page state at free/);
    const b = alloc_pages(k, GFP_KERNEL, 1);
    k.mem_map.flags[b] |= F(PG_buddy);
    expect(() => __free_pages(k, b, 1)).toThrow(/bad page state at free/);
    // A compound head with PG_lru: the head and tail marks go, the rest is checked.
    const c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    k.mem_map.flags[c] |= F(PG_lru);
    expect(() => put_page(k, c)).toThrow(/bad page state at free/);
  });

  it("frees compound pages of order 2 and 9, and a page at a MAX_ORDER boundary that is no boot block", () => {
    // Only a THP (pageblock_thp set) has its tails' PG_tail implied; a __GFP_COMP block of
    // pageblock_order from alloc_pages stores it like any compound page.
    const k = makeTestMachine();
    const z = dma32(k);
    const free = () => z.vm_stat[NR_FREE_PAGES] + z.per_cpu_pageset[0].count;
    const before = free();
    put_page(k, alloc_pages(k, GFP_KERNEL | __GFP_COMP, 9));
    const c2 = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    put_page(k, c2);
    expect(free()).toBe(before);
    // A block at a MAX_ORDER_NR_PAGES boundary that is no deferred boot block frees normally.
    const b = bare();
    freeRange(b, 4096, 4100);
    b.zones[ZONE_DMA32]._watermark.fill(0);
    const p = alloc_pages(b, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 2);
    expect(p).toBe(4096);
    __free_pages(b, p, 2);
    expect(list(b, dma32(b), 2, MIGRATE_MOVABLE)).toEqual([4096]);
  });

  it("uncharges a __GFP_ACCOUNT page's memcg when it is freed", () => {
    const m = Machine.boot({ memory: "256M" });
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/rk");
    const proc = m.spawn({ comm: "acct", cgroup: "/rk" });
    const k = kernelOf(m);
    k.currentPid = proc.pid;
    const a = alloc_pages(k, GFP_KERNEL | __GFP_ACCOUNT, 1);
    expect(k.mem_map.memcg[a]).not.toBe(0);
    __free_pages(k, a, 1);
    expect(k.mem_map.memcg[a]).toBe(0);
  });

  it("traces mm_page_free with its fields for a freed block", () => {
    const k = makeTestMachine();
    const p = alloc_pages(k, GFP_KERNEL, 2);
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_free", (r) => recs.push(r));
    __free_pages(k, p, 2);
    expect(recs.map((r) => [r.message, r.fields])).toEqual([[`page=${page_ptr_string(p)} pfn=0x${p.toString(16)} order=2`, { pfn: p, order: 2 }]]);
  });

  it("drains one pcp list until it is empty before the next, into the list the page was freed to", () => {
    // free_pcppages_bulk: `do { ... } while (count > 0 && !list_empty(list))` per list; the
    // migratetype is get_pcppage_migratetype (set at free), the pageblock's only when the zone
    // has isolated pageblocks; mm_page_pcpu_drain carries pfn, order and migratetype.
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const u = [0, 1, 2].map(() => alloc_pages(k, GFP_KERNEL, 0));
    const mv = [0, 1, 2].map(() => alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0));
    drain_all_pages(k, null);
    pcp.high = 1000;
    for (const p of [...u, ...mv]) __free_pages(k, p, 0);
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_pcpu_drain", (r) => recs.push(r));
    free_pcppages_bulk(k, z, 4, pcp, 0);
    expect([pcpList(k, pcp.lists, 0).length, pcpList(k, pcp.lists, 1).length]).toEqual([0, 2]);
    expect(recs[0].fields).toEqual({ pfn: u[0], order: 0, migratetype: MIGRATE_UNMOVABLE });
    // A movable page whose pageblock became unmovable after the free goes back as movable.
    const k2 = makeTestMachine();
    const z2 = dma32(k2);
    const p2 = alloc_pages(k2, GFP_HIGHUSER_MOVABLE, 0);
    drain_all_pages(k2, null);
    z2.per_cpu_pageset[0].high = 1000;
    __free_pages(k2, p2, 0);
    k2.mem_map.pageblock_mt[p2 >>> 9] = MIGRATE_UNMOVABLE;
    drain_all_pages(k2, null);
    expect(blockOf(k2, z2, p2)?.[2]).toBe(MIGRATE_MOVABLE);
  });

  it("drains a pcp list that is the last one (the THP movable list, pindex 13) alone", () => {
    const k = makeTestMachine();
    const z = dma32(k);
    const pcp = z.per_cpu_pageset[0];
    const t = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 9);
    drain_all_pages(k, null);
    pcp.high = 100000;
    __free_pages(k, t, 9);
    expect(pcpList(k, pcp.lists, order_to_pindex(MIGRATE_MOVABLE, 9))).toEqual([t]);
    expect(order_to_pindex(MIGRATE_MOVABLE, 9)).toBe(13);
    free_pcppages_bulk(k, z, 512, pcp, 0);
    expect(pcp.count).toBe(0);
    checkBuddy(k);
  });

  it("frees straight to the pageblock's list when the zone has isolated pageblocks or the type is ISOLATE (free_one_page)", () => {
    // free_one_page: `if (unlikely(has_isolate_pageblock(zone) || is_migrate_isolate(migratetype)))
    // migratetype = get_pfnblock_migratetype(page, pfn);`
    const run = (isolated: number, mt: number): number | undefined => {
      const k = bare();
      const z = dma32(k);
      k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
      z.nr_isolate_pageblock = isolated;
      free_one_page(k, z, 4096, 0, mt, FPI_NONE);
      return blockOf(k, z, 4096)?.[2];
    };
    expect(run(0, MIGRATE_MOVABLE)).toBe(MIGRATE_MOVABLE);
    expect(run(1, MIGRATE_MOVABLE)).toBe(MIGRATE_UNMOVABLE);
    expect(run(0, MIGRATE_ISOLATE)).toBe(MIGRATE_UNMOVABLE);
  });

  it("turns only the isolated block's own pageblocks movable (__isolate_free_page's endpage)", () => {
    // for (; page < endpage; page += pageblock_nr_pages) with endpage = page + (1 << order) - 1.
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    k.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4608);
    freeRange(k, 6144, 6656); // more free memory: min (0) + 512 must stay below what is free
    z._watermark.fill(0);
    expect(__isolate_free_page(k, 4096, 9)).toBe(512);
    expect([get_pageblock_migratetype(k, 4096), get_pageblock_migratetype(k, 4608)]).toEqual([MIGRATE_MOVABLE, MIGRATE_UNMOVABLE]);
  });

  it("split_free_page: -ENOENT for a block that is not free at that order; an isolated block's pages stay uncounted", () => {
    const k = bare();
    const z = dma32(k);
    freeRange(k, 4096, 5120);
    expect(split_free_page(k, 4100, 10, 512)).toBe(-ENOENT); // not a buddy head
    expect(split_free_page(k, 4096, 9, 256)).toBe(-ENOENT); // head, but of order 10
    // Isolated pageblocks' free pages are not in NR_FREE_PAGES (__mod_zone_freepage_state
    // skips MIGRATE_ISOLATE), and split_free_page neither takes them off nor adds them back.
    const k2 = bare();
    const z2 = dma32(k2);
    k2.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_ISOLATE;
    k2.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_ISOLATE;
    __free_one_page(k2, 4096, z2, 10, MIGRATE_ISOLATE, FPI_NONE);
    const free = z2.vm_stat[NR_FREE_PAGES];
    expect(split_free_page(k2, 4096, 10, 512)).toBe(0);
    expect(z2.vm_stat[NR_FREE_PAGES]).toBe(free);
    expect(z.vm_stat[NR_FREE_PAGES]).toBe(1024);
  });

  it("post_alloc_hook makes an isolated block a plain allocated one (refcount 1, never compound)", () => {
    const k = bare();
    freeRange(k, 4096, 4100);
    freeRange(k, 6144, 6656);
    dma32(k)._watermark.fill(0);
    expect(__isolate_free_page(k, 4096, 2)).toBe(4);
    post_alloc_hook(k, 4096, 2, GFP_KERNEL | __GFP_COMP);
    expect([k.mem_map._refcount[4096], k.mem_map.private[4096], compound_order(k, 4096)]).toEqual([1, 0, 0]);
    expect(k.mem_map.flags[4096] & F(PG_head)).toBe(0);
  });
});

describe("buddy lists, from the survivors of 1-743", () => {
  it("counts only the node's own CPUs in zone_highsize (cpumask_of_node), three of four here", () => {
    // zone_highsize: nr_split_cpus = cpumask_weight(cpumask_of_node(zone_to_nid(zone))) + cpu_online;
    // low watermark 160 over node 0's three CPUs: 53.
    const k = makeTestMachine({ cpus: 4 });
    k.cpu_to_node = [0, 0, 0, 1];
    expect(zone_highsize(k, dma32(k), 3, 0)).toBe(53);
  });

  it("merges buddies below pageblock_order whatever migratetype the free names, and same-type highatomic ones above", () => {
    // __free_one_page: the migratetype test is only `if (unlikely(order >= pageblock_order))`, and
    // there only for *different* types one of which is not mergeable.
    const k = bare();
    const z = dma32(k);
    __free_one_page(k, 4096, z, 0, MIGRATE_MOVABLE, FPI_NONE);
    __free_one_page(k, 4097, z, 0, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect([z.free_area[0].nr_free, z.free_area[1].nr_free]).toEqual([0, 1]);
    const k2 = bare();
    const z2 = dma32(k2);
    k2.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    k2.mem_map.pageblock_mt[4608 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k2, 4608, z2, 9, MIGRATE_HIGHATOMIC, FPI_NONE);
    __free_one_page(k2, 4096, z2, 9, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect([z2.free_area[9].nr_free, z2.free_area[10].nr_free]).toEqual([0, 1]);
  });

  it("moves the last pageblock of a zone (move_freepages_block's end_pfn is the block's last page)", () => {
    // end_pfn = pageblock_end_pfn(pfn) - 1 = start + 511, inside the zone for its last block.
    const k = bare();
    const z = dma32(k);
    freeRange(k, 15872, 16384);
    expect(move_freepages_block(k, z, 15872, MIGRATE_UNMOVABLE, null)).toBe(512);
    expect(list(k, z, 9, MIGRATE_UNMOVABLE)).toEqual([15872]);
  });

  it("finds no fallback in highatomic blocks for a movable request (__rmqueue returns NULL)", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_HIGHATOMIC;
    __free_one_page(k, 4096, z, 3, MIGRATE_HIGHATOMIC, FPI_NONE);
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).toBe(NO_PFN);
    expect(list(k, z, 3, MIGRATE_HIGHATOMIC)).toEqual([4096]);
  });

  it("traces a fallback from a whole pageblock as not fragmenting (fallback_order < pageblock_order only)", () => {
    const k = bare();
    const z = dma32(k);
    k.mem_map.pageblock_mt[4096 >>> 9] = MIGRATE_UNMOVABLE;
    freeRange(k, 4096, 4608); // order 9, unmovable
    const recs: TraceRecord[] = [];
    k.trace.on("mm_page_alloc_extfrag", (r) => recs.push(r));
    expect(__rmqueue(k, z, 0, MIGRATE_MOVABLE, 0)).not.toBe(NO_PFN);
    expect(recs.map((r) => [r.fields.fallback_order, r.fields.fragmenting])).toEqual([[9, 0]]);
  });
});
