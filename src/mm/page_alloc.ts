/**
 * The physical page allocator: the buddy system's free lists per zone, order and migratetype,
 * merging on free and splitting on allocation, the migratetype fallbacks that steal and claim
 * pageblocks, the MIGRATE_HIGHATOMIC reserve, the per-CPU page lists (pcp) in front of the buddy
 * lists, the watermark checks, and __alloc_pages with its fast path (get_page_from_freelist) and
 * its slow path, whose reclaim, compaction, kswapd and OOM steps call the hooks in alloc_hooks.ts.
 *
 * @kernel mm/page_alloc.c __free_one_page, buddy_merge_likely, expand, __rmqueue_smallest, fallbacks,
 *   move_freepages, move_freepages_block, can_steal_fallback, steal_suitable_fallback,
 *   find_suitable_fallback, reserve_highatomic_pageblock, unreserve_highatomic_pageblock,
 *   __rmqueue_fallback, __rmqueue, rmqueue_bulk, free_pcppages_bulk, free_one_page,
 *   __free_pages_ok, __free_pages_core, free_unref_page, free_unref_page_commit, nr_pcp_free,
 *   nr_pcp_high, rmqueue_pcplist, rmqueue_buddy, rmqueue, zone_statistics, __zone_watermark_ok,
 *   zone_watermark_fast, zone_watermark_ok_safe, alloc_flags_nofragment, get_page_from_freelist,
 *   gfp_to_alloc_flags, __gfp_pfmemalloc_flags, __alloc_pages_slowpath, should_reclaim_retry,
 *   should_compact_retry, __alloc_pages_direct_reclaim, __alloc_pages_direct_compact,
 *   __alloc_pages_may_oom, warn_alloc, prepare_alloc_pages, __alloc_pages, __free_pages,
 *   prep_new_page, prep_compound_page, split_page, drain_local_pages, drain_all_pages,
 *   zone_batchsize, zone_highsize, setup_per_cpu_pageset, zone_pcp_update, nr_free_zone_pages
 * @kernel mm/internal.h ALLOC_WMARK_MIN … ALLOC_KSWAPD (Debian's 6.1.x has the ALLOC_NON_BLOCK /
 *   ALLOC_MIN_RESERVE split backported from 6.3: this file follows that source, not 6.1.0's
 *   ALLOC_HARDER / ALLOC_HIGH)
 * @kernel include/trace/events/kmem.h mm_page_alloc, mm_page_free, mm_page_alloc_zone_locked,
 *   mm_page_pcpu_drain, mm_page_alloc_extfrag
 *
 * Deferred struct page init: fresh MAX_ORDER-1 blocks from boot stay unlinked at their free
 * list's tail until reached (deferred_tail in mmzone.ts, the linking in mm_init.ts), so boot
 * touches no per-page column; free_list_first and free_area_empty here see them.
 *
 * Representation: a free block is its head pfn on `zone.free_area[order].free_list[mt]`, linked
 * through `mem_map.lru`, with PG_buddy set and the order in `mem_map.private`. The list a page is
 * on (buddy or pcp) is remembered in `mem_map.index` — the kernel keeps the pcp migratetype there
 * too (set_pcppage_migratetype); here buddy pages use it as well, because our list_del needs the
 * list head the kernel's does not. A compound page's order is kept in the first tail's `index`
 * (the kernel's page[1].compound_order), read with `compound_order`.
 *
 * Simplified: one thread, so zone->lock and pcp locks are not modelled and the pcp trylock always
 * succeeds; no CMA (Debian has none), no page reporting, no debug_pagealloc guard pages, no KASAN,
 * page_owner only as its allocation time (MemMap.page_owner_ts, for the explorer), no compaction capture; no cpusets (cpusets_enabled() is false without child
 * cpusets); realtime tasks are not distinguished (rt_task); zone
 * counters are exact (no per-cpu drift, so zone_watermark_ok_safe equals zone_watermark_ok);
 * page contents are not modelled, so __GFP_ZERO and init_on_alloc zero nothing; bad-page reports
 * are KernelBug throws (they mean a bug in the model); the `%p` of trace events prints the
 * unhashed vmemmap address (as with no_hash_pointers and nokaslr).
 */
import { __memcg_kmem_charge_page, mem_cgroup_uncharge_at_free } from "./memcontrol.js";
import { BUG_ON, KernelBug } from "../kernel/bug.js";
import { node_distance } from "../arch/x86/numa.js";
import { deferred_append, deferred_block_at, deferred_in_range, deferred_link_first, deferred_link_zone, deferred_nr_free } from "./mm_init.js";
import { ___ratelimit } from "../lib/ratelimit.js";
import { bitmap_list_string } from "../lib/vsprintf.js";
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { KERN_WARNING } from "../kernel/printk.js";
import { check_preempt_tick, cond_resched } from "../kernel/kthread.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import {
  type alloc_context,
  COMPACT_SKIPPED,
  COMPACT_DEFERRED,
  compaction_failed,
  compaction_made_progress,
  compaction_needs_reclaim,
  compaction_withdrawn,
  DEF_COMPACT_PRIORITY,
  INIT_COMPACT_PRIORITY,
  MIN_COMPACT_COSTLY_PRIORITY,
  MIN_COMPACT_PRIORITY,
  NODE_RECLAIM_FULL,
  NODE_RECLAIM_NOSCAN,
  PF_MEMALLOC,
} from "./alloc_hooks.js";
import {
  __GFP_ATOMIC,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_DMA,
  __GFP_HARDWALL,
  __GFP_HIGH,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  __GFP_ACCOUNT,
  __GFP_WRITE,
  __GFP_IO,
  format_gfp_flags,
  gfp_migratetype,
  gfp_zone,
  GFP_MOVABLE_MASK,
  GFP_MOVABLE_SHIFT,
  GFP_USER,
  GFP_ZONE_TABLE,
  GFP_ZONEMASK,
  show_gfp_flags,
} from "./gfp.js";
import { F, LRU_GEN_MASK, page_flags, PG_active, PG_buddy, PG_head, PG_hugetlb, PG_locked, PG_lru, PG_mlocked, PG_private, PG_private_2, PG_reserved, PG_slab, PG_tail, PG_transhuge, PG_unevictable, PG_writeback } from "./memmap.js";
import {
  free_area,
  high_wmark_pages,
  MAX_NR_ZONES,
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_TYPES,
  MIGRATE_UNMOVABLE,
  min_wmark_pages,
  low_wmark_pages,
  NR_LOWORDER_PCP_LISTS,
  NR_PCP_LISTS,
  PCP_BATCH,
  PCP_COUNT,
  PCP_FREE_FACTOR,
  PCP_HIGH,
  PCP_STRIDE,
  type per_cpu_pages,
  zone_pagesets_alloc,
  type pglist_data,
  wmark_pages,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  type zone,
  ZONE_BOOSTED_WATERMARK,
  ZONE_DMA32,
  ZONE_NORMAL,
  ZONE_RECLAIM_ACTIVE,
} from "./mmzone.js";
import { boost_watermark } from "./watermark.js";
import { MAX_ORDER, NO_PFN, PAGE_ALLOC_COSTLY_ORDER, pageblock_nr_pages, pageblock_order, PAGE_SIZE, MiB } from "./types.js";
import { clamp } from "../lib/math.js";
import {
  COMPACTFAIL,
  COMPACTSTALL,
  COMPACTSUCCESS,
  NR_FREE_PAGES,
  NR_MLOCK,
  NUMA_FOREIGN,
  NUMA_HIT,
  NUMA_LOCAL,
  NUMA_MISS,
  NUMA_OTHER,
  PGALLOC_DMA,
  PGFREE,
  UNEVICTABLE_PGCLEARED,
} from "./vmstat_items.js";

// ---------------------------------------------------------------------------------------------
// alloc_flags (mm/internal.h)

/** The low two bits index zone->_watermark. */
export const ALLOC_WMARK_MIN = WMARK_MIN;
export const ALLOC_WMARK_LOW = WMARK_LOW;
export const ALLOC_WMARK_HIGH = WMARK_HIGH;
/** Don't check watermarks at all (PF_MEMALLOC, __GFP_MEMALLOC). */
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
/** An OOM victim: may use half of what is left below min. */
export const ALLOC_OOM = 0x08;
/** The caller cannot block (no __GFP_DIRECT_RECLAIM): a further quarter of min. */
export const ALLOC_NON_BLOCK = 0x10;
/** __GFP_HIGH: may use half of the min reserve. */
export const ALLOC_MIN_RESERVE = 0x20;
/** Check the cpuset (no cpusets are modelled; kept for the flag's value). */
export const ALLOC_CPUSET = 0x40;
/** May use CMA areas (none in Debian's build). */
export const ALLOC_CMA = 0x80;
/** Avoid mixing pageblock migratetypes (only with ZONE_DMA32 next to ZONE_NORMAL). */
export const ALLOC_NOFRAGMENT = 0x100;
/** May use and create MIGRATE_HIGHATOMIC reserves. */
export const ALLOC_HIGHATOMIC = 0x200;
/** May wake kswapd (same bit as __GFP_KSWAPD_RECLAIM). */
export const ALLOC_KSWAPD = 0x800;
/** Any of the flags that give access to reserves below min. */
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

// fpi_t: free page internal flags.
export const FPI_NONE = 0;
/** Don't tell page reporting about the freed block. */
export const FPI_SKIP_REPORT_NOTIFY = 1 << 0;
/** Put the freed block at the tail of its free list (boot and memory onlining). */
export const FPI_TO_TAIL = 1 << 1;
export const FPI_SKIP_KASAN_POISON = 1 << 2;

/** Pageset values before setup_per_cpu_pageset: every free goes straight to the buddy lists. */
export const BOOT_PAGESET_HIGH = 0;
export const BOOT_PAGESET_BATCH = 1;
/** CONFIG_PCP_BATCH_SCALE_MAX=5 in Debian's config: free batches grow up to 32x. */
export const CONFIG_PCP_BATCH_SCALE_MAX = 5;
/** Reclaim rounds without progress before the allocator considers OOM. @kernel mm/internal.h */
export const MAX_RECLAIM_RETRIES = 16;
/** Compaction rounds with progress before OOM is considered. */
export const MAX_COMPACT_RETRIES = 16;

/** Flags a page must not have when freed. @kernel include/linux/page-flags.h PAGE_FLAGS_CHECK_AT_FREE */
export const PAGE_FLAGS_CHECK_AT_FREE =
  F(PG_lru) |
  F(PG_locked) |
  F(PG_private) |
  F(PG_private_2) |
  F(PG_writeback) |
  F(PG_reserved) |
  F(PG_slab) |
  F(PG_active) |
  F(PG_unevictable) |
  F(PG_mlocked) |
  F(PG_hugetlb) |
  F(PG_transhuge);

// Hot constants as module-local literals: V8 loads an imported binding from its module cell on
// every use, where a local const folds into the compiled code.
const __GFP_THISNODE_ = 0x200000;
const GFP_MOVABLE_MASK_ = 0x18;
const GFP_MOVABLE_SHIFT_ = 3;
const MIGRATE_PCPTYPES_ = 3;
const NR_PCP_LISTS_ = 14;
const MAX_NR_ZONES_ = 5;
const PCP_STRIDE_ = 18;
const PCP_COUNT_ = 14;
const PCP_HIGH_ = 15;
const PCP_BATCH_ = 16;
const PCP_FREE_FACTOR_ = 17;
const NR_FREE_PAGES_ = 0;
const WMARK_LOW_ = 1;
const PGALLOC_DMA_ = 4;
const PGFREE_ = 19;
const NUMA_HIT_ = 0;
const NUMA_LOCAL_ = 4;
const NUMA_OTHER_ = 5;
const ZONE_BOOSTED_WATERMARK_MASK = 1 << 0;
const ZONE_RECLAIM_ACTIVE_MASK = 1 << 1;
const NO_PFN_ = -1;
const pageblock_order_ = 9;
const MAX_ORDER_NR_PAGES_ = 1 << 10;
/** pageblock_zone's mark for a pageblock in no zone (a hole). */
const NO_ZONE_ = 255;
const GFP_ZONEMASK_ = 0x0f;
const GFP_ZONES_SHIFT_ = 2;
const GFP_ZONES_MASK_ = (1 << GFP_ZONES_SHIFT_) - 1;
/** GFP_ZONE_TABLE (gfp.ts) as a literal: 2 bits per zone-modifier combination. */
const GFP_ZONE_TABLE_ = 0x1320122;
/** __GFP_ACCOUNT (0x400000). */
const __GFP_ACCOUNT_ = 0x400000;
// The literals must stay equal to the names they stand for: checked once at load.
BUG_ON(
  __GFP_THISNODE_ !== __GFP_THISNODE ||
    __GFP_ACCOUNT_ !== __GFP_ACCOUNT ||
    GFP_MOVABLE_MASK_ !== GFP_MOVABLE_MASK ||
    GFP_MOVABLE_SHIFT_ !== GFP_MOVABLE_SHIFT ||
    MIGRATE_PCPTYPES_ !== MIGRATE_PCPTYPES ||
    NR_PCP_LISTS_ !== NR_PCP_LISTS ||
    MAX_NR_ZONES_ !== MAX_NR_ZONES ||
    PCP_STRIDE_ !== PCP_STRIDE ||
    PCP_COUNT_ !== PCP_COUNT ||
    PCP_HIGH_ !== PCP_HIGH ||
    PCP_BATCH_ !== PCP_BATCH ||
    PCP_FREE_FACTOR_ !== PCP_FREE_FACTOR ||
    NR_FREE_PAGES_ !== NR_FREE_PAGES ||
    WMARK_LOW_ !== WMARK_LOW ||
    PGALLOC_DMA_ !== PGALLOC_DMA ||
    PGFREE_ !== PGFREE ||
    NUMA_HIT_ !== NUMA_HIT ||
    NUMA_LOCAL_ !== NUMA_LOCAL ||
    NUMA_OTHER_ !== NUMA_OTHER ||
    ZONE_BOOSTED_WATERMARK_MASK !== 1 << ZONE_BOOSTED_WATERMARK ||
    ZONE_RECLAIM_ACTIVE_MASK !== 1 << ZONE_RECLAIM_ACTIVE ||
    NO_PFN_ !== NO_PFN ||
    pageblock_order_ !== pageblock_order ||
    MAX_ORDER_NR_PAGES_ !== 1 << (MAX_ORDER - 1) ||
    GFP_ZONEMASK_ !== GFP_ZONEMASK ||
    GFP_ZONE_TABLE_ !== GFP_ZONE_TABLE ||
    // every zone-modifier combination decodes as gfp_zone does
    [...Array(16).keys()].some((g) => ((GFP_ZONE_TABLE_ >>> (g * GFP_ZONES_SHIFT_)) & GFP_ZONES_MASK_) !== gfp_zone(g)),
  "page_alloc: a hot-path literal differs from its kernel constant",
);

const PG_buddy_mask = F(PG_buddy);
const PG_head_mask = F(PG_head);
const PG_tail_mask = F(PG_tail);
const PG_mlocked_mask = F(PG_mlocked);

// ---------------------------------------------------------------------------------------------
// Pageblock migratetypes and page helpers

/** The migratetype of the pageblock holding pfn. @kernel mm/page_alloc.c get_pfnblock_migratetype */
export function get_pageblock_migratetype(k: Kernel, pfn: number): number {
  return k.mem_map.pageblock_mt[pfn >>> pageblock_order];
}

/** Sets the migratetype of the pageblock holding pfn. @kernel mm/page_alloc.c set_pageblock_migratetype */
export function set_pageblock_migratetype(k: Kernel, pfn: number, migratetype: number): void {
  k.mem_map.pageblock_mt[pfn >>> pageblock_order] = migratetype;
}

/** Whether pfn heads a free buddy block. @kernel include/linux/page-flags.h PageBuddy */
export function PageBuddy(k: Kernel, pfn: number): boolean {
  return (k.mem_map.flags[pfn] & PG_buddy_mask) !== 0 || deferred_block_at(k, pfn);
}

/** The order of a free block's head. @kernel mm/internal.h buddy_order */
export function buddy_order(k: Kernel, pfn: number): number {
  return deferred_block_at(k, pfn) ? MAX_ORDER - 1 : k.mem_map.private[pfn];
}

/** The order of a compound page (0 for a base page). @kernel include/linux/mm.h compound_order */
export function compound_order(k: Kernel, pfn: number): number {
  return (k.mem_map.flags[pfn] & PG_head_mask) !== 0 ? k.mem_map.index[pfn + 1] : 0;
}

/** Only the first three migratetypes may merge with each other. @kernel include/linux/mmzone.h migratetype_is_mergeable */
function migratetype_is_mergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}

/** The pcp list for an order and migratetype: order * 3 + mt, THP (order 9) in lists 12 and 13. @kernel mm/page_alloc.c order_to_pindex */
export function order_to_pindex(migratetype: number, order: number): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (migratetype === MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + migratetype;
}

/** The order of a pcp list. @kernel mm/page_alloc.c pindex_to_order */
export function pindex_to_order(pindex: number): number {
  return pindex >= NR_LOWORDER_PCP_LISTS ? pageblock_order : (pindex / MIGRATE_PCPTYPES) | 0;
}

/** Orders cached on pcp lists: 0..3 and the THP order. @kernel mm/page_alloc.c pcp_allowed_order */
export function pcp_allowed_order(order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || order === pageblock_order;
}

/** The NUMA node of a CPU, from k.cpu_to_node (every CPU on node 0 when it is empty). @kernel include/linux/topology.h cpu_to_node */
export function cpu_to_node(k: Kernel, cpu: number): number {
  return k.cpu_to_node[cpu] ?? 0;
}

/** The node of the running CPU. @kernel include/linux/topology.h numa_node_id */
export function numa_node_id(k: Kernel): number {
  return cpu_to_node(k, k.cpu);
}

/** The CPUs of a node. @kernel include/linux/topology.h cpumask_of_node */
function nr_cpus_of_node(k: Kernel, nid: number): number {
  let n = 0;
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++) if (cpu_to_node(k, cpu) === nid) n++;
  return n;
}

/** The struct page address as the kernel's `%p` would show it unhashed: vmemmap + pfn * 64. */
export function page_ptr_string(pfn: number): string {
  return pfn < 0 ? "0000000000000000" : "ffffea" + (pfn * 64).toString(16).padStart(10, "0");
}

// ---------------------------------------------------------------------------------------------
// Free lists

/** The first block of a free list (NO_PFN when empty), linking it if it was deferred. @kernel include/linux/list.h list_first_entry_or_null */
function free_list_first(k: Kernel, area: free_area, order: number, mt: number): number {
  const pfn = area.free_list[mt];
  if (pfn !== NO_PFN || order !== MAX_ORDER - 1 || k.mem_map.nr_deferred_blocks === 0) return pfn;
  const t = area.deferred?.[mt];
  return t === undefined || t.nr === 0 ? NO_PFN : deferred_link_first(k, area, mt, t);
}

/** Whether a free list is empty, deferred blocks included. @kernel mm/page_alloc.c free_area_empty */
export function free_area_empty(area: free_area, order: number, mt: number): boolean {
  return area.free_list[mt] === NO_PFN && (order !== MAX_ORDER - 1 || deferred_nr_free(area, mt) === 0);
}

/** Puts a free block at the head of its list. @kernel mm/page_alloc.c add_to_free_list */
function add_to_free_list(k: Kernel, pfn: number, z: zone, order: number, migratetype: number): void {
  const area = z.free_area[order];
  k.mem_map.lru.list_add(area.free_list, migratetype, pfn);
  k.mem_map.index[pfn] = migratetype;
  area.nr_free++;
}

/** Puts a free block at the tail, where it is taken last. @kernel mm/page_alloc.c add_to_free_list_tail */
function add_to_free_list_tail(k: Kernel, pfn: number, z: zone, order: number, migratetype: number): void {
  const area = z.free_area[order];
  if (order === MAX_ORDER - 1 && k.mem_map.nr_deferred_blocks !== 0 && deferred_nr_free(area, migratetype) !== 0) {
    // The list's tail is unlinked: the block goes after it (its head is already written).
    k.mem_map.index[pfn] = migratetype;
    deferred_append(k, area, migratetype, pfn);
    area.nr_free++;
    return;
  }
  k.mem_map.lru.list_add_tail(area.free_list, migratetype, pfn);
  k.mem_map.index[pfn] = migratetype;
  area.nr_free++;
}

/** Moves a free block to the tail of another migratetype's list. @kernel mm/page_alloc.c move_to_free_list */
function move_to_free_list(k: Kernel, pfn: number, z: zone, order: number, migratetype: number): void {
  const area = z.free_area[order];
  const mm = k.mem_map;
  if (order === MAX_ORDER - 1 && mm.nr_deferred_blocks !== 0 && deferred_nr_free(area, migratetype) !== 0) {
    mm.lru.list_del(area.free_list, mm.index[pfn], pfn);
    mm.index[pfn] = migratetype;
    deferred_append(k, area, migratetype, pfn);
    return;
  }
  mm.lru.list_move_tail(area.free_list, mm.index[pfn], area.free_list, migratetype, pfn);
  mm.index[pfn] = migratetype;
}

/** Takes a free block off its list and clears its buddy state. @kernel mm/page_alloc.c del_page_from_free_list */
function del_page_from_free_list(k: Kernel, pfn: number, z: zone, order: number): void {
  const mm = k.mem_map;
  const area = z.free_area[order];
  mm.lru.list_del(area.free_list, mm.index[pfn], pfn);
  mm.flags[pfn] &= ~PG_buddy_mask;
  mm.private[pfn] = 0;
  area.nr_free--;
}

/**
 * Whether `buddy` is a free block of exactly `order` in the same zone as `pfn`, so the two can
 * merge. @kernel mm/page_alloc.c page_is_buddy, find_buddy_page_pfn
 */
function page_is_buddy(k: Kernel, pfn: number, buddy: number, order: number): boolean {
  const mm = k.mem_map;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the memmap's typed arrays are max_pfn long, so a buddy at or past max_pfn reads flags undefined, no PG_buddy: false either way
  if (buddy >= mm.max_pfn) return false;
  if ((mm.flags[buddy] & PG_buddy_mask) === 0 || mm.private[buddy] !== order) return false;
  return mm.pageblock_zone[buddy >>> pageblock_order] === mm.pageblock_zone[pfn >>> pageblock_order];
}

/**
 * Whether the block of the next order up is likely to merge soon: if the buddy of the combined
 * block is free, this block goes to the list tail so it stays free long enough to merge.
 * Freeing pfn 8 at order 1 (buddy 10 busy): the combined block is 8 at order 2, whose buddy is
 * 8 ^ 4 = 12; if 12 is a free order-2 block, pfn 8 goes to the tail.
 * @kernel mm/page_alloc.c buddy_merge_likely
 */
function buddy_merge_likely(k: Kernel, pfn: number, buddy_pfn: number, order: number): boolean {
  if (order >= MAX_ORDER - 2) return false;
  const higher = buddy_pfn & pfn;
  return page_is_buddy(k, higher, higher ^ (1 << (order + 1)), order + 1);
}

/**
 * Frees a block into the buddy lists, merging it with its buddy (pfn ^ (1 << order)) for as long
 * as the buddy is a free block of the same order: freeing pfn 8 at order 0 when 9 is free gives
 * 8 at order 1, and if 10 is free at order 1, 8 at order 2. Blocks of pageblock size or more do
 * not merge across an isolated or highatomic pageblock boundary.
 * @kernel mm/page_alloc.c __free_one_page
 */
export function __free_one_page(k: Kernel, pfn: number, z: zone, order: number, migratetype: number, fpi_flags: number): void {
  const mm = k.mem_map;
  if (migratetype !== MIGRATE_ISOLATE) z.vm_stat[NR_FREE_PAGES] += 1 << order;
  while (order < MAX_ORDER - 1) {
    const buddy = pfn ^ (1 << order);
    if (!page_is_buddy(k, pfn, buddy, order)) break;
    if (order >= pageblock_order) {
      const buddy_mt = mm.pageblock_mt[buddy >>> pageblock_order];
      if (migratetype !== buddy_mt && (!migratetype_is_mergeable(migratetype) || !migratetype_is_mergeable(buddy_mt))) break;
    }
    del_page_from_free_list(k, buddy, z, order);
    pfn &= buddy;
    order++;
  }
  // set_buddy_order
  mm.private[pfn] = order;
  mm.flags[pfn] |= PG_buddy_mask;
  let to_tail: boolean;
  if (fpi_flags & FPI_TO_TAIL) to_tail = true;
  else to_tail = buddy_merge_likely(k, pfn, pfn ^ (1 << order), order);
  if (to_tail) add_to_free_list_tail(k, pfn, z, order, migratetype);
  else add_to_free_list(k, pfn, z, order, migratetype);
}

/**
 * Splits a block of order `high` down to `low`, returning the upper halves to the free lists:
 * taking order 0 from a free order-3 block at pfn 0 frees 4 (order 2), 2 (order 1) and 1 (order 0).
 * @kernel mm/page_alloc.c expand
 */
function expand(k: Kernel, z: zone, pfn: number, low: number, high: number, migratetype: number): void {
  const mm = k.mem_map;
  let size = 1 << high;
  while (high > low) {
    high--;
    size >>= 1;
    const p = pfn + size;
    add_to_free_list(k, p, z, high, migratetype);
    mm.private[p] = high;
    mm.flags[p] |= PG_buddy_mask;
  }
}

/**
 * Takes the smallest free block of at least `order` from one migratetype's lists and splits it.
 * @kernel mm/page_alloc.c __rmqueue_smallest
 */
export function __rmqueue_smallest(k: Kernel, z: zone, order: number, migratetype: number): number {
  for (let current_order = order; current_order < MAX_ORDER; ++current_order) {
    const pfn = free_list_first(k, z.free_area[current_order], current_order, migratetype);
    if (pfn === NO_PFN) continue;
    del_page_from_free_list(k, pfn, z, current_order);
    expand(k, z, pfn, order, current_order, migratetype);
    // set_pcppage_migratetype
    k.mem_map.index[pfn] = migratetype;
    if (k.trace.pageEvents && k.trace.enabled("mm_page_alloc_zone_locked")) {
      const percpu_refill = pcp_allowed_order(order) && migratetype < MIGRATE_PCPTYPES ? 1 : 0;
      k.trace.emit(
        "mm_page_alloc_zone_locked",
        { pfn, order, migratetype, percpu_refill },
        `page=${page_ptr_string(pfn)} pfn=0x${pfn.toString(16)} order=${order} migratetype=${migratetype} percpu_refill=${percpu_refill}`,
      );
    }
    return pfn;
  }
  return NO_PFN;
}

/**
 * Where each migratetype falls back to when its own lists are empty, in order.
 * @kernel mm/page_alloc.c fallbacks
 */
export const fallbacks: ReadonlyArray<readonly number[]> = Object.freeze([
  /* MIGRATE_UNMOVABLE */ Object.freeze([MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, MIGRATE_TYPES]),
  /* MIGRATE_MOVABLE */ Object.freeze([MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, MIGRATE_TYPES]),
  /* MIGRATE_RECLAIMABLE */ Object.freeze([MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_TYPES]),
]);

/**
 * Moves every free block in [start_pfn, end_pfn] to the tail of `migratetype`'s lists; counts the
 * allocated pages that look movable (on an LRU). Returns the free pages moved.
 * @kernel mm/page_alloc.c move_freepages
 */
function move_freepages(k: Kernel, z: zone, start_pfn: number, end_pfn: number, migratetype: number, num_movable: Int32Array | null): number {
  const mm = k.mem_map;
  let pages_moved = 0;
  // The walk reads struct pages: link any deferred block it could meet first.
  if (deferred_in_range(k, z, start_pfn, end_pfn)) deferred_link_zone(k, z);
  for (let pfn = start_pfn; pfn <= end_pfn; ) {
    if ((mm.flags[pfn] & PG_buddy_mask) === 0) {
      if (num_movable !== null && (mm.flags[pfn] & F(PG_lru)) !== 0) num_movable[0]++;
      pfn++;
      continue;
    }
    const order = mm.private[pfn];
    move_to_free_list(k, pfn, z, order, migratetype);
    pfn += 1 << order;
    pages_moved += 1 << order;
  }
  return pages_moved;
}

/**
 * move_freepages over the whole pageblock holding pfn, not crossing the zone's edges.
 * @kernel mm/page_alloc.c move_freepages_block
 */
export function move_freepages_block(k: Kernel, z: zone, pfn: number, migratetype: number, num_movable: Int32Array | null): number {
  if (num_movable !== null) num_movable[0] = 0;
  let start_pfn = pfn & ~(pageblock_nr_pages - 1);
  const end_pfn = start_pfn + pageblock_nr_pages - 1;
  if (!z.zone_spans_pfn(start_pfn)) start_pfn = pfn;
  if (!z.zone_spans_pfn(end_pfn)) return 0;
  return move_freepages(k, z, start_pfn, end_pfn, migratetype, num_movable);
}

/** Marks every pageblock of a block of order >= pageblock_order. @kernel mm/page_alloc.c change_pageblock_range */
function change_pageblock_range(k: Kernel, pfn: number, start_order: number, migratetype: number): void {
  let nr_pageblocks = 1 << (start_order - pageblock_order);
  while (nr_pageblocks--) {
    set_pageblock_migratetype(k, pfn, migratetype);
    pfn += pageblock_nr_pages;
  }
}

/**
 * Whether a fallback may take over the whole pageblock: always for blocks of order >= 4 (half a
 * pageblock's order), and for unmovable and reclaimable allocations at any order, since their
 * pollution of movable blocks is the worse fragmentation.
 * @kernel mm/page_alloc.c can_steal_fallback
 */
export function can_steal_fallback(order: number, start_mt: number): boolean {
  if (order >= pageblock_order) return true;
  // pageblock_order / 2 is C's integer division: 9 / 2 = 4, so an order-4 block may be claimed.
  return order >= pageblock_order >> 1 || start_mt === MIGRATE_RECLAIMABLE || start_mt === MIGRATE_UNMOVABLE;
}

/**
 * Takes a fallback block for `start_type`: whole pageblocks outright for blocks of pageblock size;
 * otherwise the block's free pages move over and the pageblock itself changes type when at least
 * half of it (256 pages) is free or compatible with the allocation.
 * @kernel mm/page_alloc.c steal_suitable_fallback
 */
function steal_suitable_fallback(k: Kernel, z: zone, pfn: number, alloc_flags: number, start_type: number, whole_block: boolean): void {
  const current_order = k.mem_map.private[pfn];
  const old_block_type = get_pageblock_migratetype(k, pfn);
  single: {
    if (old_block_type === MIGRATE_HIGHATOMIC) break single;
    if (current_order >= pageblock_order) {
      change_pageblock_range(k, pfn, current_order, start_type);
      break single;
    }
    if (boost_watermark(k, z) && alloc_flags & ALLOC_KSWAPD) z.flags |= 1 << ZONE_BOOSTED_WATERMARK;
    if (!whole_block) break single;
    const movable = k.num_movable_out;
    const free_pages = move_freepages_block(k, z, pfn, start_type, movable);
    const movable_pages = movable[0];
    let alike_pages: number;
    if (start_type === MIGRATE_MOVABLE) alike_pages = movable_pages;
    else if (old_block_type === MIGRATE_MOVABLE) alike_pages = pageblock_nr_pages - (free_pages + movable_pages);
    else alike_pages = 0;
    if (!free_pages) break single;
    if (free_pages + alike_pages >= 1 << (pageblock_order - 1)) set_pageblock_migratetype(k, pfn, start_type);
    return;
  }
  move_to_free_list(k, pfn, z, current_order, start_type);
}

/**
 * The first fallback migratetype with a free block at this order, or -1; `can_steal[0]` says
 * whether the whole pageblock may be claimed.
 * @kernel mm/page_alloc.c find_suitable_fallback
 */
export function find_suitable_fallback(area: free_area, order: number, migratetype: number, only_stealable: boolean, can_steal: Uint8Array): number {
  if (area.nr_free === 0) return -1;
  can_steal[0] = 0;
  const fb = fallbacks[migratetype];
  for (let i = 0; ; i++) {
    const fallback_mt = fb[i];
    if (fallback_mt === MIGRATE_TYPES) break;
    if (free_area_empty(area, order, fallback_mt)) continue;
    if (can_steal_fallback(order, migratetype)) can_steal[0] = 1;
    if (!only_stealable) return fallback_mt;
    if (can_steal[0]) return fallback_mt;
  }
  return -1;
}

/**
 * After a successful high-order atomic allocation, reserves its pageblock for future ones, up to
 * 1% of the zone plus one pageblock.
 * @kernel mm/page_alloc.c reserve_highatomic_pageblock
 */
export function reserve_highatomic_pageblock(k: Kernel, pfn: number, z: zone): void {
  const max_managed = Math.floor(z.managed_pages / 100) + pageblock_nr_pages;
  if (z.nr_reserved_highatomic >= max_managed) return;
  const mt = get_pageblock_migratetype(k, pfn);
  if (migratetype_is_mergeable(mt)) {
    z.nr_reserved_highatomic += pageblock_nr_pages;
    set_pageblock_migratetype(k, pfn, MIGRATE_HIGHATOMIC);
    move_freepages_block(k, z, pfn, MIGRATE_HIGHATOMIC, null);
  }
}

/**
 * Gives a highatomic pageblock back to ordinary use when an allocation is about to fail; keeps
 * one pageblock per zone unless `force`.
 * @kernel mm/page_alloc.c unreserve_highatomic_pageblock
 */
export function unreserve_highatomic_pageblock(k: Kernel, ac: alloc_context, force: boolean): boolean {
  for (let i = 0; i < ac.zonelist.length; i++) {
    const z = ac.zonelist[i];
    if (!zoneref_ok(z, ac)) continue;
    if (!force && z.nr_reserved_highatomic <= pageblock_nr_pages) continue;
    for (let order = 0; order < MAX_ORDER; order++) {
      const pfn = free_list_first(k, z.free_area[order], order, MIGRATE_HIGHATOMIC);
      if (pfn === NO_PFN) continue;
      if (get_pageblock_migratetype(k, pfn) === MIGRATE_HIGHATOMIC) {
        z.nr_reserved_highatomic -= Math.min(pageblock_nr_pages, z.nr_reserved_highatomic);
      }
      set_pageblock_migratetype(k, pfn, ac.migratetype);
      const ret = move_freepages_block(k, z, pfn, ac.migratetype, null);
      if (ret) return true;
    }
  }
  return false;
}

/**
 * When a migratetype's lists are empty, finds the largest block on a fallback type's lists (the
 * largest approximates the pageblock with most free pages), steals it, and lets
 * __rmqueue_smallest take it from the now-refilled list. A movable allocation that cannot claim
 * the whole block takes the smallest fallback block instead, to fragment less.
 * @kernel mm/page_alloc.c __rmqueue_fallback
 */
function __rmqueue_fallback(k: Kernel, z: zone, order: number, start_migratetype: number, alloc_flags: number): boolean {
  const can_steal = k.can_steal_out;
  let min_order = order;
  if (order < pageblock_order && alloc_flags & ALLOC_NOFRAGMENT) min_order = pageblock_order;
  let current_order: number;
  // Stryker disable next-line UnaryOperator: written by the search before any read
  let fallback_mt = -1;
  let area: free_area | undefined;
  let found = false;
  for (current_order = MAX_ORDER - 1; current_order >= min_order; --current_order) {
    area = z.free_area[current_order];
    fallback_mt = find_suitable_fallback(area, current_order, start_migratetype, false, can_steal);
    if (fallback_mt === -1) continue;
    found = true;
    if (!can_steal[0] && start_migratetype === MIGRATE_MOVABLE && current_order > order) {
      // find_smallest
      // Stryker disable next-line EqualityOperator: the loop breaks at the block the search above found, below MAX_ORDER
      for (current_order = order; current_order < MAX_ORDER; current_order++) {
        area = z.free_area[current_order];
        fallback_mt = find_suitable_fallback(area, current_order, start_migratetype, false, can_steal);
        if (fallback_mt !== -1) break;
      }
      // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable, the largest-first search above found a block at an order >= order
      BUG_ON(current_order === MAX_ORDER, "__rmqueue_fallback: fallback vanished");
    }
    break;
  }
  if (!found || area === undefined) return false;
  const pfn = free_list_first(k, area, current_order, fallback_mt);
  steal_suitable_fallback(k, z, pfn, alloc_flags, start_migratetype, can_steal[0] !== 0);
  // Stryker disable next-line ConditionalExpression: emit with no listener does nothing (the test only saves building the text)
  if (k.trace.enabled("mm_page_alloc_extfrag")) {
    const change_ownership = start_migratetype === get_pageblock_migratetype(k, pfn) ? 1 : 0;
    const fragmenting = current_order < pageblock_order ? 1 : 0;
    k.trace.emit(
      "mm_page_alloc_extfrag",
      { pfn, alloc_order: order, fallback_order: current_order, alloc_migratetype: start_migratetype, fallback_migratetype: fallback_mt, fragmenting, change_ownership },
      `page=${page_ptr_string(pfn)} pfn=0x${pfn.toString(16)} alloc_order=${order} fallback_order=${current_order} pageblock_order=${pageblock_order} alloc_migratetype=${start_migratetype} fallback_migratetype=${fallback_mt} fragmenting=${fragmenting} change_ownership=${change_ownership}`,
    );
  }
  return true;
}

/** Takes a block from the buddy lists, falling back to other migratetypes. @kernel mm/page_alloc.c __rmqueue */
export function __rmqueue(k: Kernel, z: zone, order: number, migratetype: number, alloc_flags: number): number {
  for (;;) {
    const pfn = __rmqueue_smallest(k, z, order, migratetype);
    if (pfn !== NO_PFN) return pfn;
    if (!__rmqueue_fallback(k, z, order, migratetype, alloc_flags)) return NO_PFN;
  }
}

/**
 * A page joining a pcp list must be clean: no flags, no references, unmapped. Without
 * CONFIG_DEBUG_VM (Debian's config) the kernel checks a page here, when it joins the list, and
 * not when it leaves, which is what lets rmqueue_pcplist_fast skip the check.
 * @kernel mm/page_alloc.c check_pcp_refill, check_new_page
 */
function check_pcp_refill(k: Kernel, pfn: number, order: number): void {
  const mm = k.mem_map;
  if (mm.flags[pfn] !== 0 || mm._refcount[pfn] !== 0 || mm.mapcount[pfn] !== 0) {
    throw new KernelBug("bad page state at pcp refill", { pfn, order, flags: mm.flags[pfn] >>> 0, refcount: mm._refcount[pfn] });
  }
}

/**
 * rmqueue_bulk's loop for order 0 with __rmqueue_smallest's search written out: each order's
 * list head read straight from its free_area (free_list_first only for the top order, which may
 * hold unlinked boot blocks), no __rmqueue call or tracepoint test per page. On fresh memory the
 * refill is the larger part of a first-touch fault (each page splits a block, two or three heads
 * looked at per page); this loop makes those faults 1.14× faster. Same list operations in the
 * same order as the general loop. Stops at the first page __rmqueue_smallest would not find
 * (the caller's loop then goes on through __rmqueue and the fallbacks) and expects nobody to
 * listen to mm_page_alloc_zone_locked, which the general loop emits per page (the caller checks
 * trace.pageEvents). Returns the pages added.
 * @kernel mm/page_alloc.c rmqueue_bulk, __rmqueue_smallest
 */
function rmqueue_bulk_order0_fast(k: Kernel, z: zone, count: number, pcp: per_cpu_pages, migratetype: number): number {
  const mm = k.mem_map;
  const lru = mm.lru;
  const index = mm.index;
  const areas = z.free_area;
  const pcpList = pcp.lists;
  let i = 0;
  for (; i < count; ++i) {
    let order = 0;
    let pfn = NO_PFN_;
    for (; order < MAX_ORDER - 1; ++order) {
      pfn = areas[order].free_list[migratetype];
      if (pfn !== NO_PFN_) break;
    }
    // The top order may hold boot blocks not linked yet: free_list_first links one.
    // Stryker disable next-line all: free_list_first of a lower order returns that head too, and NO_PFN stops this loop for the general one
    if (pfn === NO_PFN_) pfn = free_list_first(k, areas[order], order, migratetype);
    if (pfn === NO_PFN_) break;
    del_page_from_free_list(k, pfn, z, order);
    expand(k, z, pfn, 0, order, migratetype);
    index[pfn] = migratetype; // set_pcppage_migratetype
    check_pcp_refill(k, pfn, 0);
    lru.list_add_tail(pcpList, migratetype, pfn); // pindex == migratetype at order 0
  }
  return i;
}

/**
 * Refills a pcp list with up to `count` blocks, appended in physical order so the list is handed
 * out in ascending pfns. NR_FREE_PAGES drops by what left the buddy lists.
 * @kernel mm/page_alloc.c rmqueue_bulk
 */
function rmqueue_bulk(k: Kernel, z: zone, order: number, count: number, pcp: per_cpu_pages, pindex: number, migratetype: number, alloc_flags: number): number {
  const mm = k.mem_map;
  const lru = mm.lru;
  let i = 0;
  if (order === 0 && k.fastPaths && !k.trace.pageEvents) i = rmqueue_bulk_order0_fast(k, z, count, pcp, migratetype);
  for (; i < count; ++i) {
    const pfn = __rmqueue(k, z, order, migratetype, alloc_flags);
    if (pfn === NO_PFN) break;
    check_pcp_refill(k, pfn, order);
    lru.list_add_tail(pcp.lists, pindex, pfn);
  }
  z.vm_stat[NR_FREE_PAGES] -= i << order;
  return i;
}

// ---------------------------------------------------------------------------------------------
// Freeing

/** Emits mm_page_free when someone listens. @kernel include/trace/events/kmem.h mm_page_free */
function trace_mm_page_free(k: Kernel, pfn: number, order: number): void {
  if (!k.trace.enabled("mm_page_free")) return;
  k.trace.emit("mm_page_free", { pfn, order }, `page=${page_ptr_string(pfn)} pfn=0x${pfn.toString(16)} order=${order}`);
}

/**
 * Checks a page about to be freed and clears its allocation-time state: compound head/tail marks,
 * a stray PG_mlocked (counted as unevictable_pgs_cleared), then every page flag.
 * @kernel mm/page_alloc.c free_pages_prepare, free_tail_pages_check, page_expected_state
 */
function free_pages_prepare(k: Kernel, pfn: number, order: number): void {
  const mm = k.mem_map;
  const flags = mm.flags;
  if (k.trace.pageEvents) trace_mm_page_free(k, pfn, order);
  let f = flags[pfn];
  if (page_flags(mm, pfn) & PG_tail_mask) throw new KernelBug("freeing a tail page", { pfn, order });
  if (f & PG_mlocked_mask) {
    // folio_nr_pages: the compound page's pages, or 1 for a page that is not compound.
    const nr = f & PG_head_mask ? 1 << order : 1;
    f &= ~PG_mlocked_mask;
    const z = k.page_zone(pfn);
    if (z) z.vm_stat[NR_MLOCK] -= nr;
    k.vm_events[UNEVICTABLE_PGCLEARED] += nr;
  }
  if (f & PG_head_mask) {
    const nr = 1 << order;
    // free_tail_pages_check: page[1] must hold no PMD mapping, page[2] no deferred-list link.
    if (mm.private[pfn + 1] !== 0 || (nr > 2 && mm.private[pfn + 2] !== 0)) {
      throw new KernelBug("bad page state: compound page still mapped or queued at free", { pfn, compound_mapcount: mm.private[pfn + 1] });
    }
    // A THP's tails have PG_tail implied (MemMap.pageblock_thp): that ends here with the page.
    const implied = order === pageblock_order && mm.pageblock_thp[pfn >>> pageblock_order] !== 0;
    const tail = implied ? 0 : PG_tail_mask;
    if (implied) mm.pageblock_thp[pfn >>> pageblock_order] = 0;
    for (let i = 1; i < nr; i++) {
      if ((flags[pfn + i] & PG_tail_mask) !== tail || mm.mapcount[pfn + i] !== 0) throw new KernelBug("bad page state: tail page", { pfn: pfn + i, head: pfn, flags: (flags[pfn + i] | (PG_tail_mask - tail)) >>> 0, mapcount: mm.mapcount[pfn + i] });
      flags[pfn + i] = 0;
      mm.index[pfn + i] = 0;
      mm.private[pfn + i] = 0;
    }
    f &= ~PG_head_mask;
  }
  // LRU_GEN_MASK is in PAGE_FLAGS_CHECK_AT_FREE; the model keeps it in a column of its own.
  if (f & PAGE_FLAGS_CHECK_AT_FREE || f & PG_buddy_mask || (mm.lru_gen_flags[pfn] & LRU_GEN_MASK) !== 0 || mm._refcount[pfn] !== 0 || mm.mapcount[pfn] !== 0 || ((pfn & (MAX_ORDER_NR_PAGES_ - 1)) === 0 && deferred_block_at(k, pfn))) {
    throw new KernelBug("bad page state at free", { pfn, order, flags: f >>> 0, refcount: mm._refcount[pfn], mapcount: mm.mapcount[pfn] });
  }
  flags[pfn] = 0;
  // PAGE_FLAGS_CHECK_AT_PREP's LRU_REFS_MASK: a tier's refs do not outlive the page
  mm.lru_gen_flags[pfn] = 0;
  mm.mapping[pfn] = 0;
  // The page's memcg charge goes with it (see mm/memcontrol.ts on where the kernel uncharges).
  if (mm.memcg[pfn] !== 0) mem_cgroup_uncharge_at_free(k, pfn, order);
}

/**
 * Frees pages from a pcp list back to the buddy lists, `count` base pages' worth, taking lists
 * round-robin starting with `pindex` and each list from its tail (the coldest pages).
 * @kernel mm/page_alloc.c free_pcppages_bulk
 */
export function free_pcppages_bulk(k: Kernel, z: zone, count: number, pcp: per_cpu_pages, pindex: number): void {
  const mm = k.mem_map;
  const lru = mm.lru;
  let min_pindex = 0;
  let max_pindex = NR_PCP_LISTS - 1;
  count = Math.min(pcp.count, count);
  pindex = pindex - 1;
  const isolated_pageblocks = z.nr_isolate_pageblock !== 0;
  const tracing = k.trace.pageEvents && k.trace.enabled("mm_page_pcpu_drain");
  while (count > 0) {
    for (;;) {
      // Every list empty while count says otherwise: the kernel would spin here forever (and
      // the model would then read the pageset's numbers after the heads as list heads).
      if (min_pindex > max_pindex) throw new KernelBug("free_pcppages_bulk: pcp count exceeds the pages on its lists", { zone: z.name, pcp_count: pcp.count, count });
      if (++pindex > max_pindex) pindex = min_pindex;
      if (pcp.lists[pindex] !== NO_PFN) break;
      if (pindex === max_pindex) max_pindex--;
      if (pindex === min_pindex) min_pindex++;
    }
    const order = pindex_to_order(pindex);
    const nr_pages = 1 << order;
    do {
      const pfn = lru.list_last_entry(pcp.lists, pindex);
      let mt = mm.index[pfn];
      lru.list_del(pcp.lists, pindex, pfn);
      count -= nr_pages;
      pcp.count -= nr_pages;
      if (isolated_pageblocks) mt = mm.pageblock_mt[pfn >>> pageblock_order];
      __free_one_page(k, pfn, z, order, mt, FPI_NONE);
      if (tracing) {
        k.trace.emit("mm_page_pcpu_drain", { pfn, order, migratetype: mt }, `page=${page_ptr_string(pfn)} pfn=0x${pfn.toString(16)} order=${order} migratetype=${mt}`);
      }
    } while (count > 0 && pcp.lists[pindex] !== NO_PFN);
  }
}

/** Frees a block straight to the buddy lists. @kernel mm/page_alloc.c free_one_page */
export function free_one_page(k: Kernel, z: zone, pfn: number, order: number, migratetype: number, fpi_flags: number): void {
  if (z.nr_isolate_pageblock !== 0 || migratetype === MIGRATE_ISOLATE) migratetype = get_pageblock_migratetype(k, pfn);
  __free_one_page(k, pfn, z, order, migratetype, fpi_flags);
}

/** Frees a block that bypasses the pcp lists (orders 4–8 and 10, and boot). @kernel mm/page_alloc.c __free_pages_ok */
export function __free_pages_ok(k: Kernel, pfn: number, order: number, fpi_flags: number): void {
  const z = zoneOf(k, pfn);
  free_pages_prepare(k, pfn, order);
  const migratetype = get_pageblock_migratetype(k, pfn);
  __free_one_page(k, pfn, z, order, migratetype, fpi_flags);
  k.vm_events[PGFREE] += 1 << order;
}

/**
 * Hands a block of boot memory to the buddy allocator: the pages become free (refcount 0, no
 * PG_reserved), join the zone's managed pages, and go to the free lists' tails.
 * @kernel mm/page_alloc.c __free_pages_core
 */
export function __free_pages_core(k: Kernel, pfn: number, order: number): void {
  const nr_pages = 1 << order;
  const mm = k.mem_map;
  const fresh = k.mm_init !== null && k.mm_init.fresh_memmap;
  if (fresh) {
    // memblock_free_all / deferred_init_memmap: struct pages just initialised, never used, so
    // already in the freed state (flags, refcount, mapping all 0); nothing to clear.
    const z = zoneOf(k, pfn);
    const migratetype = mm.pageblock_mt[pfn >>> pageblock_order];
    if (order === MAX_ORDER - 1 && migratetype !== MIGRATE_ISOLATE && k.deferredLinking) {
      // __free_pages_ok → __free_one_page (no merging above MAX_ORDER - 1) → add to the tail,
      // deferred: the head is written when the block is first reached (see deferred_tail).
      z.managed_pages += nr_pages;
      if (k.trace.pageEvents) trace_mm_page_free(k, pfn, order);
      z.vm_stat[NR_FREE_PAGES] += nr_pages;
      deferred_append(k, z.free_area[order], migratetype, pfn);
      z.free_area[order].nr_free++;
      k.vm_events[PGFREE] += nr_pages;
      return;
    }
    z.managed_pages += nr_pages;
  } else {
    // __init_single_page left only PG_reserved set; clearing every flag is the same and is a memset.
    mm.flags.fill(0, pfn, pfn + nr_pages);
    mm._refcount.fill(0, pfn, pfn + nr_pages);
    zoneOf(k, pfn).managed_pages += nr_pages;
  }
  __free_pages_ok(k, pfn, order, FPI_TO_TAIL | FPI_SKIP_KASAN_POISON);
}

/**
 * How many pages a pcp list full at `high` frees: a batch doubled for each free in a row without
 * an allocation (free_factor, up to 2^5), kept between batch and high - batch.
 * @kernel mm/page_alloc.c nr_pcp_free
 */
function nr_pcp_free(pcp: per_cpu_pages, high: number, batch: number, free_high: boolean): number {
  if (free_high) return pcp.count;
  if (high < batch) return 1;
  const min_nr_free = batch;
  const max_nr_free = high - batch;
  batch <<= pcp.free_factor;
  if (batch < max_nr_free && pcp.free_factor < CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_factor++;
  // With high below 2 * batch, lo > hi and clamp's hi wins: high 5, batch 3 frees 2 pages;
  // high == batch frees none.
  return clamp(batch, min_nr_free, max_nr_free);
}

/** The pcp high mark in force: 0 when draining high orders, batch * 4 while kswapd reclaims. @kernel mm/page_alloc.c nr_pcp_high */
function nr_pcp_high(pcp: per_cpu_pages, z: zone, free_high: boolean): number {
  const high = pcp.high;
  if (!high || free_high) return 0;
  if ((z.flags & (1 << ZONE_RECLAIM_ACTIVE)) === 0) return high;
  return Math.min(pcp.batch << 2, high);
}

/** Puts a freed page on its pcp list and spills a batch once the list reaches high. @kernel mm/page_alloc.c free_unref_page_commit */
function free_unref_page_commit(k: Kernel, z: zone, pcp: per_cpu_pages, pfn: number, migratetype: number, order: number): void {
  k.vm_events[PGFREE] += 1 << order;
  const pindex = order_to_pindex(migratetype, order);
  k.mem_map.lru.list_add(pcp.lists, pindex, pfn);
  pcp.count += 1 << order;
  const free_high = pcp.free_factor !== 0 && order !== 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
  const high = nr_pcp_high(pcp, z, free_high);
  if (pcp.count >= high) {
    free_pcppages_bulk(k, z, nr_pcp_free(pcp, high, pcp.batch, free_high), pcp, pindex);
  }
}

/**
 * Frees a page (refcount already 0) of a pcp-cached order to this CPU's pcp list. Highatomic
 * pages go to the movable list; isolated ones straight to the buddy lists.
 * @kernel mm/page_alloc.c free_unref_page, free_unref_page_prepare
 */
export function free_unref_page(k: Kernel, pfn: number, order: number): void {
  free_pages_prepare(k, pfn, order);
  const mm = k.mem_map;
  const migratetype = mm.pageblock_mt[pfn >>> pageblock_order];
  mm.index[pfn] = migratetype;
  let pcpmigratetype = migratetype;
  const z = zoneOf(k, pfn);
  if (migratetype >= MIGRATE_PCPTYPES) {
    if (migratetype === MIGRATE_ISOLATE) {
      free_one_page(k, z, pfn, order, migratetype, FPI_NONE);
      return;
    }
    pcpmigratetype = MIGRATE_MOVABLE;
  }
  const pcp = z.per_cpu_pageset[k.cpu];
  if (pcp === undefined) {
    // The boot pageset (high 0, batch 1) spills every page at once: the same as freeing directly.
    k.vm_events[PGFREE] += 1 << order;
    free_one_page(k, z, pfn, order, migratetype, FPI_NONE);
    return;
  }
  free_unref_page_commit(k, z, pcp, pfn, pcpmigratetype, order);
}

/**
 * free_unref_page for the common order-0 case folded into one function: a clean page (no flag
 * free_pages_prepare would act on or complain about, unmapped) in a pcp-type pageblock of a zone
 * with pcp lists. It makes the same changes in the same order as free_pages_prepare →
 * free_unref_page → free_unref_page_commit; for any other page it returns false before changing
 * anything and the caller takes the general path.
 * @kernel mm/page_alloc.c free_unref_page, free_unref_page_commit
 */
function free_unref_page_fast(k: Kernel, pfn: number): boolean {
  const mm = k.mem_map;
  const block = pfn >>> pageblock_order_;
  const zi = mm.pageblock_zone[block];
  if (zi === NO_ZONE_) return false;
  const z = k.zones[zi];
  const cpu = k.cpu;
  // The CPU's pageset in the zone's flat array (none: the boot pageset, take the general path).
  const area = z.pcp_area;
  const base = cpu * PCP_STRIDE_;
  if (base >= area.length) return false;
  // lru_gen_flags too: free_pages_prepare checks LRU_GEN_MASK and clears LRU_REFS_MASK (both in
  // PAGE_FLAGS_CHECK_AT_PREP), so a page with either takes the general path.
  if ((mm.flags[pfn] | mm.mapcount[pfn] | mm.memcg[pfn] | mm.lru_gen_flags[pfn]) !== 0) return false;
  // A deferred block's head looks clean: let the general path report the double free.
  if ((pfn & (MAX_ORDER_NR_PAGES_ - 1)) === 0 && mm.nr_deferred_blocks !== 0) return false;
  const migratetype = mm.pageblock_mt[block];
  if (migratetype >= MIGRATE_PCPTYPES_) return false;
  if (k.trace.pageEvents) trace_mm_page_free(k, pfn, 0);
  mm.mapping[pfn] = 0;
  mm.index[pfn] = migratetype;
  k.vm_events[PGFREE_] += 1;
  // list_add at the head of the order-0 list (pindex == migratetype).
  mm.lru.list_add(area, base + migratetype, pfn);
  const count = area[base + PCP_COUNT_] + 1;
  area[base + PCP_COUNT_] = count;
  // nr_pcp_high(pcp, z, false): high, or batch * 4 while kswapd reclaims the zone.
  let high = area[base + PCP_HIGH_];
  if (high !== 0 && (z.flags & ZONE_RECLAIM_ACTIVE_MASK) !== 0) high = Math.min(area[base + PCP_BATCH_] << 2, high);
  if (count >= high) {
    const pcp = z.per_cpu_pageset[cpu];
    free_pcppages_bulk(k, z, nr_pcp_free(pcp, high, pcp.batch, false), pcp, migratetype);
  }
  return true;
}

/** Frees by the pcp lists when the order allows. @kernel mm/page_alloc.c free_the_page */
function free_the_page(k: Kernel, pfn: number, order: number): void {
  if (pcp_allowed_order(order)) free_unref_page(k, pfn, order);
  else __free_pages_ok(k, pfn, order, FPI_NONE);
}

/**
 * Drops a reference to an allocation of 2^order pages and frees it at zero. If someone else still
 * holds the head of a non-compound allocation, the rest (which nobody refers to) is freed in
 * halves: order 3 → 4 pages at +4, 2 at +2, 1 at +1.
 * @kernel mm/page_alloc.c __free_pages
 */
export function __free_pages(k: Kernel, pfn: number, order: number): void {
  const mm = k.mem_map;
  const ref = --mm._refcount[pfn];
  if (ref === 0) {
    if (order !== 0 || !k.fastPaths || !free_unref_page_fast(k, pfn)) free_the_page(k, pfn, order);
  } else if (ref < 0) throw new KernelBug("__free_pages: refcount underflow", { pfn, order });
  else if (order > 0 && (mm.flags[pfn] & PG_head_mask) === 0) __free_pages_rest(k, pfn, order);
}

/** The pages of a non-compound allocation nobody refers to, freed in halves. */
function __free_pages_rest(k: Kernel, pfn: number, order: number): void {
  while (order-- > 0) free_the_page(k, pfn + (1 << order), order);
}

/** Drops a reference to a page; frees a compound page at its own order. @kernel include/linux/mm.h put_page */
export function put_page(k: Kernel, pfn: number): void {
  __free_pages(k, pfn, compound_order(k, pfn));
}

/**
 * Turns a non-compound order-N allocation into 2^N independent order-0 pages, each with its own
 * reference. @kernel mm/page_alloc.c split_page
 */
export function split_page(k: Kernel, pfn: number, order: number): void {
  const mm = k.mem_map;
  BUG_ON((page_flags(mm, pfn) & (PG_head_mask | PG_tail_mask)) !== 0, "split_page of a compound page", { pfn });
  BUG_ON(mm._refcount[pfn] === 0, "split_page of a free page", { pfn });
  for (let i = 1; i < 1 << order; i++) mm._refcount[pfn + i] = 1;
}

/**
 * Takes a free block off the buddy lists for compaction or page isolation, which split it
 * themselves: refused (0) when that would leave the zone below its unboosted min watermark plus
 * the block; a block of half a pageblock or more turns its pageblocks MOVABLE (where the type is
 * a mergeable one), as the free scanner's targets are movable. Returns the pages taken.
 * @kernel mm/page_alloc.c __isolate_free_page
 */
export function __isolate_free_page(k: Kernel, pfn: number, order: number): number {
  const z = zoneOf(k, pfn);
  const mt = get_pageblock_migratetype(k, pfn);
  if (mt !== MIGRATE_ISOLATE) {
    const watermark = z._watermark[WMARK_MIN] + (1 << order);
    if (!zone_watermark_ok(z, 0, watermark, 0, ALLOC_CMA)) return 0;
    z.vm_stat[NR_FREE_PAGES] -= 1 << order;
  }
  del_page_from_free_list(k, pfn, z, order);
  if (order >= pageblock_order - 1) {
    const end = pfn + (1 << order) - 1;
    for (let p = pfn; p < end; p += pageblock_nr_pages) {
      if (migratetype_is_mergeable(get_pageblock_migratetype(k, p))) set_pageblock_migratetype(k, p, MIGRATE_MOVABLE);
    }
  }
  return 1 << order;
}

/**
 * Gives back a block taken with __isolate_free_page (page isolation's merge step in
 * unset_migratetype_isolate): freed into the buddy lists as any free block, counted in
 * NR_FREE_PAGES unless its pageblock is isolated.
 * @kernel mm/page_alloc.c __putback_isolated_page
 */
export function __putback_isolated_page(k: Kernel, pfn: number, order: number, mt: number): void {
  __free_one_page(k, pfn, zoneOf(k, pfn), order, mt, FPI_SKIP_REPORT_NOTIFY);
}

/**
 * Splits the free block of `order` at `pfn` in two at `split_pfn_offset` pages from its start,
 * each part freed again as the largest aligned blocks that fit, each into the free list of its
 * own pageblock's migratetype (page isolation splits a block that straddles the edge of the
 * range it isolates). -ENOENT if the block changed meanwhile.
 * @kernel mm/page_alloc.c split_free_page
 */
export function split_free_page(k: Kernel, pfn: number, order: number, split_pfn_offset: number): number {
  if (split_pfn_offset === 0) return 0;
  const mm = k.mem_map;
  const z = zoneOf(k, pfn);
  if ((mm.flags[pfn] & PG_buddy_mask) === 0 || mm.private[pfn] !== order) return -errnoValues.ENOENT;
  const mt = get_pageblock_migratetype(k, pfn);
  if (mt !== MIGRATE_ISOLATE) z.vm_stat[NR_FREE_PAGES] -= 1 << order;
  del_page_from_free_list(k, pfn, z, order);
  const free_page_pfn = pfn;
  for (let p = free_page_pfn; p < free_page_pfn + (1 << order); ) {
    const pmt = get_pageblock_migratetype(k, p);
    // min(pfn ? __ffs(pfn) : order, __fls(split_pfn_offset))
    const ffs = p ? 31 - Math.clz32(p & -p) : order;
    const fls = 31 - Math.clz32(split_pfn_offset);
    const free_page_order = Math.min(ffs, fls);
    __free_one_page(k, p, z, free_page_order, pmt, FPI_NONE);
    p += 1 << free_page_order;
    split_pfn_offset -= 1 << free_page_order;
    // we have done the first part, now switch to second part
    if (split_pfn_offset === 0) split_pfn_offset = (1 << order) - (p - free_page_pfn);
  }
  return 0;
}

/**
 * What the allocator does to a block it hands out, for blocks taken with __isolate_free_page:
 * refcount 1, private and index cleared.
 * @kernel mm/page_alloc.c post_alloc_hook
 */
export function post_alloc_hook(k: Kernel, pfn: number, order: number, gfp_flags: number): void {
  prep_new_page(k, pfn, order, gfp_flags & ~__GFP_COMP, 0);
}

function zoneOf(k: Kernel, pfn: number): zone {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("pfn in no zone", { pfn });
  return z;
}

// ---------------------------------------------------------------------------------------------
// Per-CPU pagesets

/**
 * The pcp batch: ~0.1% of the zone capped at 1 MiB, a quarter of that, then rounded to 2^n - 1.
 * w0's DMA32 (113264 managed pages): min(110, 256) / 4 = 27 → rounddown_pow_of_two(40) - 1 = 31.
 * @kernel mm/page_alloc.c zone_batchsize
 */
export function zone_batchsize(z: zone): number {
  let batch = Math.min(Math.floor(z.managed_pages / 1024), (1 * MiB) / PAGE_SIZE);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  const x = batch + Math.floor(batch / 2);
  return (1 << (31 - Math.clz32(x))) - 1;
}

/**
 * The pcp high mark: the zone's low watermark (or managed / percpu_pagelist_high_fraction) split
 * over the node's CPUs, at least 4 batches. w0's DMA32: low 816, one CPU → 816.
 * @kernel mm/page_alloc.c zone_highsize
 */
export function zone_highsize(k: Kernel, z: zone, batch: number, cpu_online: number): number {
  const fraction = k.vm.percpu_pagelist_high_fraction;
  const total_pages = !fraction ? low_wmark_pages(z) : Math.floor(z.managed_pages / fraction);
  let nr_split_cpus = nr_cpus_of_node(k, z.node) + cpu_online;
  if (!nr_split_cpus) nr_split_cpus = k.nr_cpu_ids;
  const high = Math.floor(total_pages / nr_split_cpus);
  return Math.max(high, batch << 2);
}

/** Sets every CPU's pcp high and batch for a zone. @kernel mm/page_alloc.c __zone_set_pageset_high_and_batch */
function __zone_set_pageset_high_and_batch(z: zone, high: number, batch: number): void {
  for (const pcp of z.per_cpu_pageset) {
    pcp.batch = batch;
    pcp.high = high;
  }
}

/**
 * Recomputes pcp high and batch from the zone's size and watermarks. Called by
 * setup_per_cpu_pageset, after the watermarks change (setup_per_zone_wmarks), on a
 * percpu_pagelist_high_fraction write and on CPU hotplug (cpu_online = 1 while a CPU comes up).
 * Takes the Kernel too, since the kernel's globals (the sysctl, the CPU masks) live there.
 * @kernel mm/page_alloc.c zone_pcp_update, zone_set_pageset_high_and_batch
 */
export function zone_pcp_update(k: Kernel, z: zone, cpu_online = 0): void {
  const new_batch = Math.max(1, zone_batchsize(z));
  const new_high = zone_highsize(k, z, new_batch, cpu_online);
  if (z.pageset_high === new_high && z.pageset_batch === new_batch) return;
  z.pageset_high = new_high;
  z.pageset_batch = new_batch;
  __zone_set_pageset_high_and_batch(z, new_high, new_batch);
}

/** Gives a zone its per-CPU pagesets, sized from the zone. @kernel mm/page_alloc.c setup_zone_pageset */
export function setup_zone_pageset(k: Kernel, z: zone): void {
  for (const pcp of zone_pagesets_alloc(z, k.nr_cpu_ids)) {
    pcp.high = BOOT_PAGESET_HIGH;
    pcp.batch = BOOT_PAGESET_BATCH;
  }
  z.pageset_high = BOOT_PAGESET_HIGH;
  z.pageset_batch = BOOT_PAGESET_BATCH;
  zone_pcp_update(k, z, 0);
}

/**
 * Allocates the per-CPU pagesets of every populated zone; until then frees go straight to the
 * buddy lists (the boot pageset).
 * @kernel mm/page_alloc.c setup_per_cpu_pageset
 */
export function setup_per_cpu_pageset(k: Kernel): void {
  for (const z of k.zones) if (z.populated_zone()) setup_zone_pageset(k, z);
}

/** Empties one CPU's pcp lists of a zone, a batch << 5 at a time. @kernel mm/page_alloc.c drain_pages_zone */
export function drain_pages_zone(k: Kernel, cpu: number, z: zone): void {
  const pcp = z.per_cpu_pageset[cpu];
  if (pcp === undefined) return;
  let count = pcp.count;
  while (count) {
    const to_drain = Math.min(count, pcp.batch << CONFIG_PCP_BATCH_SCALE_MAX);
    free_pcppages_bulk(k, z, to_drain, pcp, 0);
    count = pcp.count;
  }
}

/** Frees up to a batch from a pcp list (vmstat's periodic drain of remote pagesets). @kernel mm/page_alloc.c drain_zone_pages */
export function drain_zone_pages(k: Kernel, z: zone, pcp: per_cpu_pages): void {
  const to_drain = Math.min(pcp.count, pcp.batch);
  if (to_drain > 0) free_pcppages_bulk(k, z, to_drain, pcp, 0);
}

/** Empties the running CPU's pcp lists (of one zone, or all when z is null). @kernel mm/page_alloc.c drain_local_pages */
export function drain_local_pages(k: Kernel, z: zone | null): void {
  if (z) drain_pages_zone(k, k.cpu, z);
  else for (const zz of k.zones) if (zz.populated_zone()) drain_pages_zone(k, k.cpu, zz);
}

/** Empties every CPU's pcp lists (of one zone, or all when z is null). @kernel mm/page_alloc.c drain_all_pages */
export function drain_all_pages(k: Kernel, z: zone | null): void {
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++) {
    if (z) drain_pages_zone(k, cpu, z);
    else for (const zz of k.zones) if (zz.populated_zone()) drain_pages_zone(k, cpu, zz);
  }
}

// ---------------------------------------------------------------------------------------------
// Allocation from a zone

/**
 * NUMA hit/miss accounting for an allocation that wanted `preferred` and got `z`: numa_hit or
 * numa_miss on z (numa_foreign on the preferred zone), and numa_local or numa_other by whether z
 * is on the running CPU's node.
 * @kernel mm/page_alloc.c zone_statistics
 */
function zone_statistics(k: Kernel, preferred: zone, z: zone, nr_account: number): void {
  if (!k.vm.numa_stat) return;
  const nid = z.node;
  const ev = z.vm_numa_event;
  // The common case, the preferred zone itself, is one comparison.
  if (z === preferred || nid === preferred.node) ev[NUMA_HIT_] += nr_account;
  else {
    ev[NUMA_MISS] += nr_account;
    preferred.vm_numa_event[NUMA_FOREIGN] += nr_account;
  }
  ev[nid !== numa_node_id(k) ? NUMA_OTHER_ : NUMA_LOCAL_] += nr_account;
}

/**
 * Allocates straight from the buddy lists: highatomic reserves first for ALLOC_HIGHATOMIC, and as
 * a last resort for OOM victims and non-blocking callers.
 * @kernel mm/page_alloc.c rmqueue_buddy
 */
function rmqueue_buddy(k: Kernel, preferred: zone, z: zone, order: number, alloc_flags: number, migratetype: number): number {
  let pfn = NO_PFN;
  if (alloc_flags & ALLOC_HIGHATOMIC) pfn = __rmqueue_smallest(k, z, order, MIGRATE_HIGHATOMIC);
  if (pfn === NO_PFN) {
    pfn = __rmqueue(k, z, order, migratetype, alloc_flags);
    if (pfn === NO_PFN && alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)) pfn = __rmqueue_smallest(k, z, order, MIGRATE_HIGHATOMIC);
    if (pfn === NO_PFN) return NO_PFN;
  }
  z.vm_stat[NR_FREE_PAGES] -= 1 << order;
  k.vm_events[PGALLOC_DMA + z.zone_idx] += 1 << order;
  zone_statistics(k, preferred, z, 1);
  return pfn;
}

/**
 * Takes the first page of this CPU's pcp list for (order, migratetype), refilling the list with a
 * batch (scaled down by order, at least 2) when it is empty.
 * @kernel mm/page_alloc.c rmqueue_pcplist, __rmqueue_pcplist
 */
function rmqueue_pcplist(k: Kernel, preferred: zone, z: zone, order: number, migratetype: number, alloc_flags: number): number {
  const pcp = z.per_cpu_pageset[k.cpu];
  if (pcp === undefined) return NO_PFN;
  pcp.free_factor >>= 1;
  const pindex = order_to_pindex(migratetype, order);
  const lists = pcp.lists;
  if (lists[pindex] === NO_PFN) {
    let batch = pcp.batch;
    if (batch > 1) batch = Math.max(batch >> order, 2);
    const alloced = rmqueue_bulk(k, z, order, batch, pcp, pindex, migratetype, alloc_flags);
    pcp.count += alloced << order;
    if (lists[pindex] === NO_PFN) return NO_PFN;
  }
  const pfn = lists[pindex];
  k.mem_map.lru.list_del(lists, pindex, pfn);
  pcp.count -= 1 << order;
  k.vm_events[PGALLOC_DMA + z.zone_idx] += 1 << order;
  zone_statistics(k, preferred, z, 1);
  return pfn;
}

/**
 * Allocates from one zone: through the pcp lists for pcp orders, else the buddy lists; wakes
 * kswapd if a fallback just boosted the watermark.
 * @kernel mm/page_alloc.c rmqueue
 */
function rmqueue(k: Kernel, preferred: zone, z: zone, order: number, alloc_flags: number, migratetype: number): number {
  let pfn = NO_PFN;
  if (pcp_allowed_order(order)) pfn = rmqueue_pcplist(k, preferred, z, order, migratetype, alloc_flags);
  if (pfn === NO_PFN) pfn = rmqueue_buddy(k, preferred, z, order, alloc_flags, migratetype);
  if (z.flags & (1 << ZONE_BOOSTED_WATERMARK)) {
    z.flags &= ~(1 << ZONE_BOOSTED_WATERMARK);
    k.mmHooks.wakeup_kswapd(k, z, 0, 0, z.zone_idx);
  }
  return pfn;
}

/**
 * Stamps the allocation time on a block (MemMap.page_owner_ts: µs + 1, saturating): every page
 * of a plain block, only the head of a compound one. __set_page_owner_handle writes each page's
 * page_ext; in the model a compound head's stamp stands for its tails (page_owner_ts_of reads a
 * tail through compound_head, as the kernel's folio API reads a tail's fields through the head),
 * so a THP fault stamps one page, not 512 (issue 17: the fill was ~10% of a THP fault), and
 * __split_huge_page writes the stamp into each tail as the folio dissolves (split_page_owner).
 * Simplified: only the time — no stack handle, gfp mask or pid, and nothing printed.
 * @kernel mm/page_owner.c __set_page_owner, __set_page_owner_handle
 */
function set_page_owner(k: Kernel, pfn: number, order: number, compound: boolean): void {
  const ts = Math.min(0xffffffff, Math.floor(k.now_ns / 1000) + 1);
  // An order-0 page (every page-cache and anonymous page) is one store, not a call of fill.
  if (order === 0 || compound) k.mem_map.page_owner_ts[pfn] = ts;
  else k.mem_map.page_owner_ts.fill(ts, pfn, pfn + (1 << order));
}

/**
 * Readies a freshly allocated block: refcount 1, private cleared, and for __GFP_COMP a compound
 * page (PG_head, PG_tail on the rest, the order in page[1]). Simplified: page contents are not
 * modelled, so __GFP_ZERO and init_on_alloc (on in Debian) have nothing to zero; pfmemalloc is not
 * tracked.
 *
 * prep_compound_tail also sets each tail's private to 0; the model writes it only where a tail's
 * private means something while the page is compound, page[1] (compound_mapcount) and page[2]
 * (the deferred-split mark). No reader looks at another tail's private (a tail is never a
 * buddy, swap-cache, slab or buffer-head page), and the folio's end writes every tail's before
 * anyone could (free_pages_prepare, __split_huge_page), so the 510 other stores are left out.
 * @kernel mm/page_alloc.c prep_new_page, post_alloc_hook, prep_compound_page, prep_compound_tail, check_new_page
 */
export function prep_new_page(k: Kernel, pfn: number, order: number, gfp_flags: number, _alloc_flags: number): void {
  const mm = k.mem_map;
  if (mm.flags[pfn] !== 0 || mm._refcount[pfn] !== 0 || mm.mapcount[pfn] !== 0) {
    throw new KernelBug("bad page state at allocation", { pfn, order, flags: mm.flags[pfn] >>> 0, refcount: mm._refcount[pfn] });
  }
  mm.private[pfn] = 0;
  mm.index[pfn] = 0;
  mm._refcount[pfn] = 1;
  const compound = order !== 0 && (gfp_flags & __GFP_COMP) !== 0;
  set_page_owner(k, pfn, order, compound);
  if (compound) {
    mm.flags[pfn] |= PG_head_mask;
    const nr = 1 << order;
    // prep_compound_tail for each tail. A free page's flags are 0 (free_pages_prepare cleared
    // them, and the buddy allocator leaves PG_buddy only on free block heads, none of which is
    // inside a block being handed out). A pageblock-order page (a THP) gets its tails' PG_tail
    // implied by MemMap.pageblock_thp, one byte, so a THP fault writes no tail's memmap word
    // (issue 17); a smaller one (slab) or a larger one (gigantic hugetlb, made elsewhere) has
    // PG_tail stored in each tail, a fill.
    if (order === pageblock_order) mm.pageblock_thp[pfn >>> pageblock_order] = 1;
    else mm.flags.fill(PG_tail_mask, pfn + 1, pfn + nr);
    mm.private[pfn + 1] = 0;
    if (nr > 2) mm.private[pfn + 2] = 0;
    mm.index[pfn + 1] = order;
  }
}

// ---------------------------------------------------------------------------------------------
// Watermarks

/** Free pages an allocation may not count: the highatomic reserve unless it may use reserves. @kernel mm/page_alloc.c __zone_watermark_unusable_free */
function __zone_watermark_unusable_free(z: zone, order: number, alloc_flags: number): number {
  let unusable_free = (1 << order) - 1;
  if (!(alloc_flags & ALLOC_RESERVES)) unusable_free += z.nr_reserved_highatomic;
  return unusable_free;
}

/**
 * Whether `free_pages` stays above `mark` plus the lowmem reserve against highest_zoneidx after
 * this allocation, with the reserve discounts (__GFP_HIGH: min/2; non-blocking: a further
 * quarter; OOM victims: half again), and for order > 0 whether a block of that order is free.
 * GFP_ATOMIC at min 22: 22 - 11 = 11, then 11 - 2 = 9 pages must stay free.
 * @kernel mm/page_alloc.c __zone_watermark_ok
 */
export function __zone_watermark_ok(z: zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number, free_pages: number): boolean {
  let min = mark;
  free_pages -= __zone_watermark_unusable_free(z, order, alloc_flags);
  if (alloc_flags & ALLOC_RESERVES) {
    if (alloc_flags & ALLOC_MIN_RESERVE) {
      min -= Math.floor(min / 2);
      if (alloc_flags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
    }
    if (alloc_flags & ALLOC_OOM) min -= Math.floor(min / 2);
  }
  if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]) return false;
  if (!order) return true;
  for (let o = order; o < MAX_ORDER; o++) {
    const area = z.free_area[o];
    if (!area.nr_free) continue;
    for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!free_area_empty(area, o, mt)) return true;
    if (alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && !free_area_empty(area, o, MIGRATE_HIGHATOMIC)) return true;
  }
  return false;
}

/** __zone_watermark_ok against the zone's NR_FREE_PAGES. @kernel mm/page_alloc.c zone_watermark_ok */
export function zone_watermark_ok(z: zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number): boolean {
  return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, z.vm_stat[NR_FREE_PAGES]);
}

/**
 * The fast path's check: a cheap order-0 test first, and GFP_ATOMIC order-0 allocations checked
 * against the unboosted min watermark.
 * @kernel mm/page_alloc.c zone_watermark_fast
 */
export function zone_watermark_fast(z: zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number, gfp_mask: number): boolean {
  const free_pages = z.vm_stat[NR_FREE_PAGES];
  if (!order) {
    const reserved = __zone_watermark_unusable_free(z, 0, alloc_flags);
    const usable_free = free_pages - Math.min(free_pages, reserved);
    if (usable_free > mark + z.lowmem_reserve[highest_zoneidx]) return true;
  }
  if (__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages)) return true;
  if (!order && gfp_mask & __GFP_ATOMIC && z.watermark_boost && (alloc_flags & ALLOC_WMARK_MASK) === WMARK_MIN) {
    return __zone_watermark_ok(z, order, z._watermark[WMARK_MIN], highest_zoneidx, alloc_flags, free_pages);
  }
  return false;
}

/**
 * zone_watermark_ok with the exact free count. Simplified: counters have no per-cpu drift here,
 * so this equals zone_watermark_ok with alloc_flags 0.
 * @kernel mm/page_alloc.c zone_watermark_ok_safe
 */
export function zone_watermark_ok_safe(z: zone, order: number, mark: number, highest_zoneidx: number): boolean {
  return __zone_watermark_ok(z, order, mark, highest_zoneidx, 0, z.vm_stat[NR_FREE_PAGES]);
}

// ---------------------------------------------------------------------------------------------
// The zonelist walk

/** Whether a zonelist entry is usable for this allocation (zone index, nodemask, __GFP_THISNODE). */
function zoneref_ok(z: zone, ac: alloc_context): boolean {
  if (z.zone_idx > ac.highest_zoneidx) return false;
  const nid = z.node;
  if (ac.thisnode >= 0 && nid !== ac.thisnode) return false;
  return ac.nodemask === null || ac.nodemask.includes(nid);
}

/** Index of the first usable zone in the zonelist, or -1. @kernel include/linux/mmzone.h first_zones_zonelist */
function first_zones_zonelist(ac: alloc_context): number {
  const zl = ac.zonelist;
  for (let i = 0; i < zl.length; i++) if (zoneref_ok(zl[i], ac)) return i;
  return -1;
}

/**
 * ALLOC_NOFRAGMENT for allocations preferring ZONE_NORMAL when a DMA32 zone sits below it: they
 * first try to avoid fragmenting fallbacks, as the lower zone can absorb them.
 * @kernel mm/page_alloc.c alloc_flags_nofragment
 */
function alloc_flags_nofragment(k: Kernel, z: zone | undefined, gfp_mask: number): number {
  let alloc_flags = gfp_mask & __GFP_KSWAPD_RECLAIM;
  if (z === undefined || z.zone_idx !== ZONE_NORMAL) return alloc_flags;
  if (k.node_data.length > 1 && !z.zone_pgdat.node_zones[ZONE_DMA32].populated_zone()) return alloc_flags;
  alloc_flags |= ALLOC_NOFRAGMENT;
  return alloc_flags;
}

/**
 * Walks the zonelist from the preferred zone and allocates from the first zone whose watermark
 * allows it (or any zone with ALLOC_NO_WATERMARKS). With ALLOC_NOFRAGMENT, the first pass avoids
 * fragmenting fallbacks and a second pass allows them.
 * Simplified: no dirty-page spreading (node_dirty_ok) until page-writeback exists.
 * @kernel mm/page_alloc.c get_page_from_freelist
 */
export function get_page_from_freelist(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context): number {
  const zl = ac.zonelist;
  if (ac.preferred_zoneref < 0) return NO_PFN;
  const preferred = zl[ac.preferred_zoneref];
  const multinode = k.node_data.length > 1;
  for (;;) {
    const no_fallback = (alloc_flags & ALLOC_NOFRAGMENT) !== 0;
    let restart = false;
    for (let i = ac.preferred_zoneref; i < zl.length; i++) {
      const z = zl[i];
      if (!zoneref_ok(z, ac)) continue;
      if (no_fallback && multinode && z !== preferred && z.zone_pgdat !== preferred.zone_pgdat) {
        // Locality matters more than fragmentation: retry the walk allowing fallbacks.
        alloc_flags &= ~ALLOC_NOFRAGMENT;
        restart = true;
        break;
      }
      const mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
      if (!zone_watermark_fast(z, order, mark, ac.highest_zoneidx, alloc_flags, gfp_mask)) {
        if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
          if (!k.vm.zone_reclaim_mode || !zone_allows_reclaim(k, preferred, z)) continue;
          const ret = k.mmHooks.node_reclaim(k, z, gfp_mask, order);
          if (ret === NODE_RECLAIM_NOSCAN || ret === NODE_RECLAIM_FULL) continue;
          if (!zone_watermark_ok(z, order, mark, ac.highest_zoneidx, alloc_flags)) continue;
        }
      }
      const pfn = rmqueue(k, preferred, z, order, alloc_flags, ac.migratetype);
      if (pfn !== NO_PFN) {
        prep_new_page(k, pfn, order, gfp_mask, alloc_flags);
        if (alloc_flags & ALLOC_HIGHATOMIC) reserve_highatomic_pageblock(k, pfn, z);
        return pfn;
      }
    }
    if (restart) continue;
    if (no_fallback) {
      alloc_flags &= ~ALLOC_NOFRAGMENT;
      continue;
    }
    return NO_PFN;
  }
}

/** Nodes further apart than this are not reclaimed from by node_reclaim. @kernel include/linux/topology.h RECLAIM_DISTANCE */
export const RECLAIM_DISTANCE = 30;

/** node_reclaim only on nodes within RECLAIM_DISTANCE of the preferred one. @kernel mm/page_alloc.c zone_allows_reclaim */
function zone_allows_reclaim(k: Kernel, local: zone, z: zone): boolean {
  return node_distance(k, local.node, z.node) <= RECLAIM_DISTANCE;
}

// ---------------------------------------------------------------------------------------------
// The slow path

/**
 * The slow path's alloc_flags: the min watermark, __GFP_HIGH as ALLOC_MIN_RESERVE, kswapd waking,
 * and for callers that cannot block ALLOC_NON_BLOCK (plus ALLOC_HIGHATOMIC for high-order
 * __GFP_HIGH). GFP_ATOMIC order 0 → 0x20 | 0x800 | 0x10 = 0x830 (ALLOC_CPUSET dropped).
 * @kernel mm/page_alloc.c gfp_to_alloc_flags
 */
export function gfp_to_alloc_flags(gfp_mask: number, order: number): number {
  let alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  alloc_flags |= gfp_mask & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
  if (!(gfp_mask & __GFP_DIRECT_RECLAIM)) {
    if (!(gfp_mask & __GFP_NOMEMALLOC)) {
      alloc_flags |= ALLOC_NON_BLOCK;
      if (order > 0 && alloc_flags & ALLOC_MIN_RESERVE) alloc_flags |= ALLOC_HIGHATOMIC;
    }
    if (alloc_flags & ALLOC_MIN_RESERVE) alloc_flags &= ~ALLOC_CPUSET;
  }
  return alloc_flags;
}

/**
 * Reserve access for the task itself: __GFP_MEMALLOC and PF_MEMALLOC tasks ignore watermarks; OOM
 * victims get ALLOC_OOM. Simplified: never in interrupt context.
 * @kernel mm/page_alloc.c __gfp_pfmemalloc_flags
 */
function __gfp_pfmemalloc_flags(k: Kernel, gfp_mask: number): number {
  if (gfp_mask & __GFP_NOMEMALLOC) return 0;
  if (gfp_mask & __GFP_MEMALLOC) return ALLOC_NO_WATERMARKS;
  if (k.mmHooks.current_flags(k) & PF_MEMALLOC) return ALLOC_NO_WATERMARKS;
  if (k.mmHooks.tsk_is_oom_victim(k)) return ALLOC_OOM;
  return 0;
}

/** Whether the task may use reserves. @kernel mm/page_alloc.c gfp_pfmemalloc_allowed */
export function gfp_pfmemalloc_allowed(k: Kernel, gfp_mask: number): boolean {
  return __gfp_pfmemalloc_flags(k, gfp_mask) !== 0;
}

/** Wakes kswapd once per node of the zonelist. @kernel mm/page_alloc.c wake_all_kswapds */
function wake_all_kswapds(k: Kernel, order: number, gfp_mask: number, ac: alloc_context): void {
  let last_pgdat: pglist_data | null = null;
  for (const z of ac.zonelist) {
    if (!zoneref_ok(z, ac) || !z.managed_zone()) continue;
    if (last_pgdat !== z.zone_pgdat) {
      k.mmHooks.wakeup_kswapd(k, z, gfp_mask, order, ac.highest_zoneidx);
      last_pgdat = z.zone_pgdat;
    }
  }
}

/**
 * Direct reclaim, then another try; if that fails, drain the pcp lists and unreserve highatomic
 * blocks once and try again. Returns the page and the reclaim progress.
 * @kernel mm/page_alloc.c __alloc_pages_direct_reclaim, __perform_reclaim
 */
function __alloc_pages_direct_reclaim(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context, progress: Float64Array): number {
  // __perform_reclaim: scheduling points on either side of the synchronous reclaim, where a
  // kswapd woken meanwhile gets the one CPU (its work moves the clock on).
  check_preempt_tick(k);
  cond_resched(k);
  progress[0] = k.mmHooks.try_to_free_pages(k, ac, order, gfp_mask);
  check_preempt_tick(k);
  cond_resched(k);
  if (!progress[0]) return NO_PFN;
  let pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
  if (pfn === NO_PFN) {
    unreserve_highatomic_pageblock(k, ac, false);
    drain_all_pages(k, null);
    pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
  }
  return pfn;
}

/**
 * Direct compaction for order > 0 (a memory stall, with PF_MEMALLOC so compaction's own work
 * does not recurse into reclaim), then another try; counts compact_stall/success/fail. A success
 * resets the zone's deferral for the order and cancels the pending skip-bit flush.
 * @kernel mm/page_alloc.c __alloc_pages_direct_compact
 */
function __alloc_pages_direct_compact(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context, prio: number, result: Int32Array): number {
  if (!order) return NO_PFN;
  const pflags = psi_memstall_enter(k);
  k.reclaim_depth++; // memalloc_noreclaim_save
  try {
    result[0] = k.mmHooks.try_to_compact_pages(k, gfp_mask, order, alloc_flags, ac, prio);
  } finally {
    k.reclaim_depth--;
    psi_memstall_leave(k, pflags);
  }
  if (result[0] === COMPACT_SKIPPED) return NO_PFN;
  k.vm_events[COMPACTSTALL]++;
  const pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
  if (pfn !== NO_PFN) {
    const z = zoneOf(k, pfn);
    z.compact_blockskip_flush = false;
    k.mmHooks.compaction_defer_reset(z, order, true);
    k.vm_events[COMPACTSUCCESS]++;
    return pfn;
  }
  k.vm_events[COMPACTFAIL]++;
  cond_resched(k);
  return NO_PFN;
}

/**
 * Whether compaction is worth another round: while it makes progress (up to 16 rounds, 4 for
 * costly orders), or at a higher priority after failing.
 * @kernel mm/page_alloc.c should_compact_retry
 */
function should_compact_retry(k: Kernel, ac: alloc_context, order: number, alloc_flags: number, compact_result: number, state: Int32Array): boolean {
  // state[0] = compact_priority, state[1] = compaction_retries
  if (!order) return false;
  if (compaction_made_progress(compact_result)) state[1]++;
  let check_priority = false;
  if (compaction_failed(compact_result)) check_priority = true;
  else if (compaction_needs_reclaim(compact_result)) return k.mmHooks.compaction_zonelist_suitable(k, ac, order, alloc_flags);
  else if (compaction_withdrawn(compact_result)) check_priority = true;
  if (!check_priority) {
    let max_retries = MAX_COMPACT_RETRIES;
    if (order > PAGE_ALLOC_COSTLY_ORDER) max_retries = Math.floor(max_retries / 4);
    if (state[1] <= max_retries) return true;
  }
  const min_priority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
  if (state[0] > min_priority) {
    state[0]--;
    state[1] = 0;
    return true;
  }
  return false;
}

/**
 * Whether reclaim is worth another round: fewer than 16 rounds in a row without progress, and
 * some zone would pass the min watermark if everything reclaimable were reclaimed. Before giving
 * up, the highatomic reserves are released.
 * @kernel mm/page_alloc.c should_reclaim_retry
 */
function should_reclaim_retry(k: Kernel, order: number, ac: alloc_context, alloc_flags: number, did_some_progress: boolean, loops: Int32Array): boolean {
  if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER) loops[0] = 0;
  else loops[0]++;
  let ret = false;
  if (loops[0] <= MAX_RECLAIM_RETRIES) {
    for (const z of ac.zonelist) {
      if (!zoneref_ok(z, ac)) continue;
      const available = k.mmHooks.zone_reclaimable_pages(k, z) + z.vm_stat[NR_FREE_PAGES];
      if (__zone_watermark_ok(z, order, min_wmark_pages(z), ac.highest_zoneidx, alloc_flags, available)) {
        ret = true;
        break;
      }
    }
    // A short sleep only for workqueue workers (PF_WQ_WORKER), which no model task is; else a
    // scheduling point before the allocator goes round again.
    check_preempt_tick(k);
    cond_resched(k);
  }
  if (!ret) return unreserve_highatomic_pageblock(k, ac, true);
  return ret;
}

/** Tries again with the cpuset ignored. @kernel mm/page_alloc.c __alloc_pages_cpuset_fallback */
function __alloc_pages_cpuset_fallback(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context): number {
  const pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags | ALLOC_CPUSET, ac);
  if (pfn !== NO_PFN) return pfn;
  return get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
}

/**
 * The OOM step: one last try at the high watermark (a parallel kill may have freed memory), then
 * the OOM killer, except for costly orders, __GFP_RETRY_MAYFAIL/__GFP_THISNODE and lowmem-only
 * allocations, which fail instead.
 * @kernel mm/page_alloc.c __alloc_pages_may_oom
 */
function __alloc_pages_may_oom(k: Kernel, gfp_mask: number, order: number, ac: alloc_context, progress: Float64Array): number {
  progress[0] = 0;
  let pfn = get_page_from_freelist(k, (gfp_mask | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM, order, ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
  if (pfn !== NO_PFN) return pfn;
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NO_PFN;
  if (gfp_mask & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) return NO_PFN;
  if (ac.highest_zoneidx < ZONE_NORMAL) return NO_PFN;
  const oc = { zonelist: ac.zonelist, nodemask: ac.nodemask, memcg: null, gfp_mask, order };
  if (k.mmHooks.out_of_memory(k, oc) || gfp_mask & __GFP_NOFAIL) {
    progress[0] = 1;
    if (gfp_mask & __GFP_NOFAIL) pfn = __alloc_pages_cpuset_fallback(k, gfp_mask, order, ALLOC_NO_WATERMARKS, ac);
  }
  return pfn;
}

/** Whether direct compaction may run: it needs __GFP_IO. @kernel include/linux/gfp.h gfp_compaction_allowed */
function gfp_compaction_allowed(gfp_mask: number): boolean {
  return (gfp_mask & __GFP_IO) !== 0;
}

/**
 * Rounds of the slow path after which a __GFP_NOFAIL allocation that cannot make progress is
 * declared a model deadlock. The kernel would loop forever; a simulation must not hang.
 */
const NOFAIL_LIVELOCK_ROUNDS = 1000;

/**
 * The slow path: wake kswapd, retry at the min watermark with the caller's reserve rights,
 * compact costly or unmovable high-order requests first, then loop reclaim → compaction →
 * retry decisions → OOM killer, and finally fail with warn_alloc (or loop for __GFP_NOFAIL).
 * @kernel mm/page_alloc.c __alloc_pages_slowpath
 */
export function __alloc_pages_slowpath(k: Kernel, gfp_mask: number, order: number, ac: alloc_context): number {
  const can_direct_reclaim = (gfp_mask & __GFP_DIRECT_RECLAIM) !== 0;
  const can_compact = gfp_compaction_allowed(gfp_mask);
  const costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
  if ((gfp_mask & (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) === (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) gfp_mask &= ~__GFP_ATOMIC;

  const progress = new Float64Array(1);
  const compact = new Int32Array(2); // [compact_priority, compaction_retries]
  const compact_result = new Int32Array(1);
  const no_progress_loops = new Int32Array(1);
  let pfn = NO_PFN;
  let rounds = 0;

  compact[1] = 0;
  no_progress_loops[0] = 0;
  compact_result[0] = COMPACT_SKIPPED;
  compact[0] = DEF_COMPACT_PRIORITY;
  let alloc_flags = gfp_to_alloc_flags(gfp_mask, order);
  ac.preferred_zoneref = first_zones_zonelist(ac);

  // The kernel's labels: `retry` is the top of the loop, `nopage` sets nopage and continues, and
  // `got_pg` breaks out of `got`.
  let nopage = false;
  got: {
    if (ac.preferred_zoneref < 0) nopage = true;
    else {
      if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(k, order, gfp_mask, ac);
      pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
      if (pfn !== NO_PFN) break got;
      if (can_direct_reclaim && can_compact && (costly_order || (order > 0 && ac.migratetype !== MIGRATE_MOVABLE)) && !gfp_pfmemalloc_allowed(k, gfp_mask)) {
        pfn = __alloc_pages_direct_compact(k, gfp_mask, order, alloc_flags, ac, INIT_COMPACT_PRIORITY, compact_result);
        if (pfn !== NO_PFN) break got;
        if (costly_order && gfp_mask & __GFP_NORETRY) {
          if (compact_result[0] === COMPACT_SKIPPED || compact_result[0] === COMPACT_DEFERRED) nopage = true;
          else if (gfp_mask & __GFP_THISNODE) nopage = true;
          else compact[0] = INIT_COMPACT_PRIORITY;
        }
      }
    }
    for (;;) {
      if (++rounds > NOFAIL_LIVELOCK_ROUNDS) {
        throw new KernelBug("page allocator livelock: the slow path cannot make progress", { gfp: format_gfp_flags(gfp_mask), order });
      }
      if (nopage) {
        nopage = false;
        if (!(gfp_mask & __GFP_NOFAIL) || !can_direct_reclaim) break;
        // Non-failing allocations get the __GFP_HIGH share of the reserves, then go round again.
        pfn = __alloc_pages_cpuset_fallback(k, gfp_mask, order, ALLOC_MIN_RESERVE, ac);
        if (pfn !== NO_PFN) break got;
        if (ac.preferred_zoneref < 0) break;
      }
      // retry:
      if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(k, order, gfp_mask, ac);
      const reserve_flags = __gfp_pfmemalloc_flags(k, gfp_mask);
      if (reserve_flags) alloc_flags = reserve_flags | (alloc_flags & ALLOC_KSWAPD);
      if (!(alloc_flags & ALLOC_CPUSET) || reserve_flags) {
        ac.nodemask = null;
        ac.preferred_zoneref = first_zones_zonelist(ac);
      }
      pfn = get_page_from_freelist(k, gfp_mask, order, alloc_flags, ac);
      if (pfn !== NO_PFN) break got;
      if (!can_direct_reclaim || k.mmHooks.current_flags(k) & PF_MEMALLOC) {
        nopage = true;
        continue;
      }
      pfn = __alloc_pages_direct_reclaim(k, gfp_mask, order, alloc_flags, ac, progress);
      if (pfn !== NO_PFN) break got;
      pfn = __alloc_pages_direct_compact(k, gfp_mask, order, alloc_flags, ac, compact[0], compact_result);
      if (pfn !== NO_PFN) break got;
      if (gfp_mask & __GFP_NORETRY || (costly_order && (!can_compact || !(gfp_mask & __GFP_RETRY_MAYFAIL)))) {
        nopage = true;
        continue;
      }
      if (should_reclaim_retry(k, order, ac, alloc_flags, progress[0] > 0, no_progress_loops)) continue;
      if (progress[0] > 0 && can_compact && should_compact_retry(k, ac, order, alloc_flags, compact_result[0], compact)) continue;
      pfn = __alloc_pages_may_oom(k, gfp_mask, order, ac, progress);
      if (pfn !== NO_PFN) break got;
      if (k.mmHooks.tsk_is_oom_victim(k) && (alloc_flags & ALLOC_OOM || gfp_mask & __GFP_NOMEMALLOC)) {
        nopage = true;
        continue;
      }
      if (progress[0]) {
        no_progress_loops[0] = 0;
        continue;
      }
      nopage = true;
    }
    // fail:
    warn_alloc(k, gfp_mask, ac.nodemask, `page allocation failure: order:${order}`);
  }
  return pfn;
}

/** The kernel's `%*pbl` of a nodemask: ranges "0-1,3"; a null mask prints "(null)". */
export function nodemask_pbl(nodemask: readonly number[] | null): string {
  return nodemask === null ? "(null)" : bitmap_list_string(nodemask);
}

/**
 * Logs an allocation failure, at most once per 10 s (the burst of nopage_rs is 1), unless
 * __GFP_NOWARN: `memC: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL),
 * nodemask=(null),cpuset=/,mems_allowed=0`. Simplified: the stack dump and show_mem that follow
 * in the kernel's report are not printed; every task is in the root cpuset, allowed every node.
 * @kernel mm/page_alloc.c warn_alloc
 */
export function warn_alloc(k: Kernel, gfp_mask: number, nodemask: number[] | null, msg: string): void {
  if (gfp_mask & __GFP_NOWARN) return;
  if (gfp_mask & __GFP_DMA && !has_managed_dma(k)) return;
  if (!___ratelimit(k, k.nopage_rs, "warn_alloc")) return;
  const mems_allowed = nodemask_pbl(k.node_data.map((p) => p.node_id));
  k.log.printk(
    KERN_WARNING,
    `${k.currentComm}: ${msg}, mode:${format_gfp_flags(gfp_mask)}, nodemask=${nodemask_pbl(nodemask)},cpuset=/,mems_allowed=${mems_allowed}`,
  );
}

/** Whether any node has a ZONE_DMA with managed pages. @kernel mm/page_alloc.c has_managed_dma */
function has_managed_dma(k: Kernel): boolean {
  for (const p of k.node_data) if (p.node_zones[0].managed_zone()) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** A blank alloc_context for k.acPool. */
function newAc(): alloc_context {
  // Stryker disable next-line all: prepare_alloc_pages writes every field before any read
  return { zonelist: [], nodemask: null, preferred_zoneref: -1, thisnode: -1, migratetype: 0, highest_zoneidx: 0, spread_dirty_pages: false };
}

/**
 * The common case of __alloc_pages, folded into one function: an order-0 allocation without
 * nodemask or __GFP_THISNODE whose preferred zone passes the cheap order-0 watermark test and whose
 * pcp list has a page. It does exactly what prepare_alloc_pages → get_page_from_freelist →
 * rmqueue → rmqueue_pcplist → prep_new_page do on their first zone in that case, in the same
 * order: the preferred zone is the first zone of the zonelist at or below gfp_zone; its alloc_flags
 * (ALLOC_WMARK_LOW | ALLOC_KSWAPD | ALLOC_NOFRAGMENT) hold no reserve bits, so the unusable part is
 * nr_reserved_highatomic; a pcp hit needs none of the other flags. Anything else (empty pcp list,
 * a failing watermark, no pcp) returns NO_PFN before any state changes, and the caller takes the
 * general path, which then does all of it.
 * @kernel mm/page_alloc.c __alloc_pages, get_page_from_freelist, zone_watermark_fast, rmqueue_pcplist
 */
function rmqueue_pcplist_fast(k: Kernel, gfp: number, preferred_nid: number): number {
  const migratetype = (gfp & GFP_MOVABLE_MASK_) >>> GFP_MOVABLE_SHIFT_;
  if ((gfp & __GFP_THISNODE_) !== 0 || migratetype >= MIGRATE_PCPTYPES_) return NO_PFN_;
  // gfp_zone: GFP_KERNEL has no zone modifier → entry 0 of the table, ZONE_NORMAL.
  const highest_zoneidx = (GFP_ZONE_TABLE_ >>> ((gfp & GFP_ZONEMASK_) * GFP_ZONES_SHIFT_)) & GFP_ZONES_MASK_;
  // first_zones_zonelist without a nodemask: the first zone at or below highest_zoneidx, as
  // cachePreferredZones worked it out when the zonelists were built (-1, or nothing yet: decline).
  const zi = k.preferredZoneOf[preferred_nid * MAX_NR_ZONES_ + highest_zoneidx];
  if (!(zi >= 0)) return NO_PFN_;
  const z = k.zones[zi];
  const cpu = k.cpu;
  // The CPU's pageset in the zone's flat array (none: the boot pageset); pcp->lists[pindex] is
  // at base + pindex, and for order 0 pindex == migratetype.
  const area = z.pcp_area;
  const base = cpu * PCP_STRIDE_;
  if (base >= area.length) return NO_PFN_;
  const pfn = area[base + migratetype];
  if (pfn === NO_PFN_) return NO_PFN_;
  const free_pages = z.vm_stat[NR_FREE_PAGES_];
  const reserved = z.nr_reserved_highatomic;
  const usable_free = free_pages - (free_pages < reserved ? free_pages : reserved);
  if (!(usable_free > z._watermark[WMARK_LOW_] + z.watermark_boost + z.lowmem_reserve[highest_zoneidx])) return NO_PFN_;
  area[base + PCP_FREE_FACTOR_] >>= 1;
  const mm = k.mem_map;
  mm.lru.list_del(area, base + migratetype, pfn);
  area[base + PCP_COUNT_] -= 1;
  k.vm_events[PGALLOC_DMA_ + z.zone_idx] += 1;
  // zone_statistics(z, z): the preferred zone itself, so a numa_hit.
  if (k.vm.numa_stat) {
    const ev = z.vm_numa_event;
    ev[NUMA_HIT_] += 1;
    ev[z.node === numa_node_id(k) ? NUMA_LOCAL_ : NUMA_OTHER_] += 1;
  }
  if (z.flags & ZONE_BOOSTED_WATERMARK_MASK) {
    z.flags &= ~ZONE_BOOSTED_WATERMARK_MASK;
    k.mmHooks.wakeup_kswapd(k, z, 0, 0, z.zone_idx);
  }
  // prep_new_page for order 0. No check_new_pcp: without CONFIG_DEBUG_VM the kernel checks a page
  // when rmqueue_bulk puts it on the list (check_pcp_refill), and so does the model.
  mm.private[pfn] = 0;
  mm.index[pfn] = 0;
  mm._refcount[pfn] = 1;
  // Stryker disable next-line BooleanLiteral: at order 0 set_page_owner stores one stamp, compound or not
  set_page_owner(k, pfn, 0, false);
  return pfn;
}

/**
 * Fills the allocation context: highest zone from the gfp zone bits, the preferred node's
 * zonelist (only its own zones for __GFP_THISNODE), migratetype, and the first usable zone.
 * @kernel mm/page_alloc.c prepare_alloc_pages
 */
function prepare_alloc_pages(k: Kernel, gfp_mask: number, preferred_nid: number, nodemask: number[] | null, ac: alloc_context): void {
  ac.highest_zoneidx = gfp_zone(gfp_mask);
  ac.zonelist = k.node_data[preferred_nid].node_zonelists;
  ac.thisnode = gfp_mask & __GFP_THISNODE ? preferred_nid : -1;
  ac.nodemask = nodemask;
  ac.migratetype = gfp_migratetype(gfp_mask);
  // Stryker disable next-line all: nothing reads spread_dirty_pages yet (no node_dirty_ok, docs/fidelity/page_alloc.md)
  ac.spread_dirty_pages = (gfp_mask & __GFP_WRITE) !== 0;
  ac.preferred_zoneref = first_zones_zonelist(ac);
}

/**
 * Allocates 2^order contiguous pages: the fast path at the low watermark, then the slow path.
 * Returns the first pfn (refcount 1) or NO_PFN. Emits mm_page_alloc either way.
 * A __GFP_ACCOUNT allocation is charged to the current task's memcg (memcg_kmem_charge_or_free).
 * @kernel mm/page_alloc.c __alloc_pages
 */
export function __alloc_pages(k: Kernel, gfp: number, order: number, preferred_nid: number, nodemask: number[] | null): number {
  if (order === 0 && nodemask === null && k.fastPaths) {
    const pfn = rmqueue_pcplist_fast(k, gfp, preferred_nid);
    if (pfn !== NO_PFN_) {
      if (k.trace.pageEvents) trace_mm_page_alloc(k, pfn, 0, gfp, (gfp & GFP_MOVABLE_MASK_) >>> GFP_MOVABLE_SHIFT_);
      return (gfp & __GFP_ACCOUNT_) !== 0 && k.memcg.nr_memcgs !== 0 ? memcg_kmem_charge_or_free(k, pfn, gfp, 0) : pfn;
    }
  }
  const pfn = __alloc_pages_general(k, gfp, order, preferred_nid, nodemask);
  return pfn !== NO_PFN_ && (gfp & __GFP_ACCOUNT_) !== 0 && k.memcg.nr_memcgs !== 0 ? memcg_kmem_charge_or_free(k, pfn, gfp, order) : pfn;
}


/**
 * __alloc_pages' kmem accounting: a __GFP_ACCOUNT page is charged to the current task's memcg,
 * or freed again when the charge fails (the allocation fails).
 * @kernel mm/page_alloc.c __alloc_pages
 */
function memcg_kmem_charge_or_free(k: Kernel, pfn: number, gfp: number, order: number): number {
  if (__memcg_kmem_charge_page(k, pfn, gfp, order) === 0) return pfn;
  __free_pages(k, pfn, order);
  return NO_PFN_;
}

/** __alloc_pages after the fast path declined: the whole of it, from prepare_alloc_pages on. */
function __alloc_pages_general(k: Kernel, gfp: number, order: number, preferred_nid: number, nodemask: number[] | null): number {
  if (order >= MAX_ORDER) return NO_PFN;
  // The kernel's alloc_context is on the stack; the machine keeps one per nesting depth (reclaim
  // and the OOM killer can allocate in turn), so the general path allocates nothing.
  const depth = k.acDepth;
  const ac = k.acPool[depth] ?? (k.acPool[depth] = newAc());
  // Stryker disable next-line ArithmeticOperator: any slot no enclosing call uses will do; depth - 1 is one
  k.acDepth = depth + 1;
  prepare_alloc_pages(k, gfp, preferred_nid, nodemask, ac);
  let alloc_flags = ALLOC_WMARK_LOW;
  alloc_flags |= alloc_flags_nofragment(k, ac.preferred_zoneref >= 0 ? ac.zonelist[ac.preferred_zoneref] : undefined, gfp);
  let pfn = get_page_from_freelist(k, gfp, order, alloc_flags, ac);
  if (pfn === NO_PFN) {
    // Stryker disable next-line BooleanLiteral: nothing reads spread_dirty_pages yet (no node_dirty_ok)
    ac.spread_dirty_pages = false;
    ac.nodemask = nodemask;
    pfn = __alloc_pages_slowpath(k, gfp, order, ac);
  }
  const migratetype = ac.migratetype;
  ac.nodemask = null;
  k.acDepth = depth;
  if (k.trace.pageEvents) trace_mm_page_alloc(k, pfn, order, gfp, migratetype);
  return pfn;
}

/** Emits mm_page_alloc when someone listens. @kernel include/trace/events/kmem.h mm_page_alloc */
function trace_mm_page_alloc(k: Kernel, pfn: number, order: number, gfp: number, migratetype: number): void {
  if (!k.trace.enabled("mm_page_alloc")) return;
  k.trace.emit(
    "mm_page_alloc",
    { pfn, order, gfp_flags: gfp, migratetype },
    `page=${page_ptr_string(pfn)} pfn=0x${(pfn < 0 ? 0 : pfn).toString(16)} order=${order} migratetype=${migratetype} gfp_flags=${show_gfp_flags(gfp)}`,
  );
}

/**
 * __alloc_pages' first step alone for an order-0 page: one from this CPU's pcp list, or NO_PFN
 * with nothing changed, and the caller goes on with alloc_pages (which takes the same first
 * step). For a caller that must act before an allocation that may reclaim (memory.ts anon_write_run).
 * @kernel mm/page_alloc.c __alloc_pages, rmqueue_pcplist
 */
export function alloc_page_pcp_fast(k: Kernel, gfp: number): number {
  if (!k.fastPaths || (gfp & __GFP_ACCOUNT_) !== 0) return NO_PFN_;
  const pfn = rmqueue_pcplist_fast(k, gfp, numa_node_id(k));
  if (pfn !== NO_PFN_ && k.trace.pageEvents) trace_mm_page_alloc(k, pfn, 0, gfp, (gfp & GFP_MOVABLE_MASK_) >>> GFP_MOVABLE_SHIFT_);
  return pfn;
}

/** __alloc_pages on the running CPU's node with no nodemask. @kernel include/linux/gfp.h alloc_pages */
export function alloc_pages(k: Kernel, gfp: number, order: number): number {
  return __alloc_pages(k, gfp, order, numa_node_id(k), null);
}

/** An order-0 page. @kernel include/linux/gfp.h alloc_page */
export function alloc_page(k: Kernel, gfp: number): number {
  return __alloc_pages(k, gfp, 0, numa_node_id(k), null);
}

// ---------------------------------------------------------------------------------------------
// Totals

/** Pages the buddy allocator manages in all zones (MemTotal). @kernel include/linux/mm.h totalram_pages */
export function totalram_pages(k: Kernel): number {
  let sum = 0;
  for (const z of k.zones) sum += z.managed_pages;
  return sum;
}

/**
 * Managed pages above the high watermark in zones up to `offset` of the running node's zonelist.
 * @kernel mm/page_alloc.c nr_free_zone_pages
 */
export function nr_free_zone_pages(k: Kernel, offset: number): number {
  let sum = 0;
  for (const z of k.node_data[numa_node_id(k)].node_zonelists) {
    if (z.zone_idx > offset) continue;
    const size = z.managed_pages;
    const high = high_wmark_pages(z);
    if (size > high) sum += size - high;
  }
  return sum;
}

/** nr_free_zone_pages for GFP_USER's zones (DMA..NORMAL). @kernel mm/page_alloc.c nr_free_buffer_pages */
export function nr_free_buffer_pages(k: Kernel): number {
  return nr_free_zone_pages(k, gfp_zone(GFP_USER));
}

