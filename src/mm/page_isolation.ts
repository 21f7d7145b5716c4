/**
 * Page isolation (mm/page_isolation.c) and the contiguous-range allocator built on it
 * (alloc_contig_range and alloc_contig_pages, CONFIG_CONTIG_ALLOC in mm/page_alloc.c).
 *
 * Isolating a pageblock sets its migratetype to MIGRATE_ISOLATE and moves its free blocks to the
 * MIGRATE_ISOLATE free lists, which the allocator never takes from; those free pages leave
 * NR_FREE_PAGES (so MemFree drops by them while they are isolated), and pages freed into an
 * isolated block later go there too, uncounted (__free_one_page, free_unref_page). Undoing it
 * moves them back and counts them again. alloc_contig_range isolates [start, end), migrates the
 * movable pages in it elsewhere (migrate_pages with a fresh page from the allocator for each),
 * checks that every page is now free and isolated (test_pages_isolated), takes them off the
 * free lists as order-0 pages with a reference each, and undoes the isolation. hugetlb's
 * runtime 1 GiB pages come from alloc_contig_pages, which tries each 1 GiB-aligned range of each
 * zone in turn.
 *
 * alloc_contig_range and its helpers live here rather than in page_alloc.ts: they drive
 * compaction's scanners and migration, which import page_alloc.ts.
 *
 * Simplified: no CMA (no MIGRATE_CMA pageblocks or cma_alloc); no memory hotplug
 * (MEMORY_OFFLINE is accepted and does nothing: there are no HWPoison or PageOffline pages);
 * THPs in the range migrate (whole, or split: see migrate.ts), free hugetlb pages are
 * dissolved and hugetlb pages in use migrated (hugetlb.ts isolate_or_dissolve_huge_page; as in
 * 6.1, one moved to a free pool page leaves its old copy in the pool, inside the range, so the
 * attempt ends -EBUSY and the next one dissolves it); a compound page straddling the range's
 * edge fails with -EBUSY after isolate_single_pageblock's migration attempt, as in 6.1 on x86-64,
 * where only a 1 GiB hugetlb page can straddle a pageblock edge and it is refused;
 * reclaim_clean_pages_from_list is not run first, so clean page-cache pages
 * are migrated rather than dropped; no lru_cache_disable beyond draining the LRU batches (nothing
 * else runs meanwhile); no dump_page on failure.
 * @kernel mm/page_isolation.c has_unmovable_pages, set_migratetype_isolate,
 *   unset_migratetype_isolate, __first_valid_page, isolate_single_pageblock,
 *   start_isolate_page_range, undo_isolate_page_range, __test_page_isolated_in_pageblock,
 *   test_pages_isolated
 * @kernel mm/page_alloc.c alloc_contig_range, __alloc_contig_migrate_range, __alloc_contig_pages,
 *   pfn_range_valid_contig, zone_spans_last_pfn, alloc_contig_pages, free_contig_range
 * @kernel mm/migrate.c alloc_migration_target
 * @kernel include/trace/events/page_isolation.h test_pages_isolated
 */
import type { Kernel } from "../kernel/kernel.js";
import { pow2 } from "../lib/bitops.js";
import { errnoValues } from "../kernel/errno.js";
import { KERN_WARNING } from "../kernel/printk.js";
import { GFP_TRANSHUGE, GFP_USER, __GFP_MOVABLE, __GFP_RECLAIM, __GFP_RETRY_MAYFAIL, __GFP_THISNODE } from "../include/linux/gfp_types.js";
import { prep_transhuge_page } from "./huge_memory.js";
import { alloc_huge_page_nodemask } from "./hugetlb.js";
import { compound_head, F, page_flags, PG_head, PG_hugetlb, PG_lru, PG_reserved, PG_tail } from "./memmap.js";
import { KernelBug } from "../kernel/bug.js";
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, ZONE_MOVABLE, type zone } from "./mmzone.js";
import { MAX_ORDER, NO_PFN, pageblock_nr_pages, pageblock_order } from "./types.js";
import { NR_FREE_PAGES } from "./vmstat_items.js";
import {
  __alloc_pages,
  __free_pages,
  __isolate_free_page,
  __putback_isolated_page,
  buddy_order,
  drain_all_pages,
  get_pageblock_migratetype,
  move_freepages_block,
  PageBuddy,
  set_pageblock_migratetype,
  split_free_page,
} from "./page_alloc.js";
import { compact_control, isolate_freepages_range, isolate_migratepages_range } from "./compaction.js";
import { MIGRATE_SYNC, MR_CONTIG_RANGE, migrate_pages, putback_movable_pages } from "./migrate.js";
import { lru_add_drain_all } from "./swap.js";
import { gfp_zone } from "./gfp.js";
import { deferred_in_range, deferred_link_zone } from "./mm_init.js";

const EBUSY = errnoValues.EBUSY;
const EAGAIN = errnoValues.EAGAIN;
const ENOMEM = errnoValues.ENOMEM;

/** isol_flags: isolate to offline memory (hotplug; nothing to skip in the model). */
export const MEMORY_OFFLINE = 0x1;
/** isol_flags: report (dump_page) the unmovable page that failed the isolation. */
export const REPORT_FAILURE = 0x2;

/** cc->migratepages in compact_control.lists. */
const MIGRATEPAGES = 0;

const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);
const pageblock_start_pfn = (pfn: number): number => pfn - (pfn & (pageblock_nr_pages - 1));
const pageblock_end_pfn = (pfn: number): number => pageblock_start_pfn(pfn) + pageblock_nr_pages;
const pageblock_align = (pfn: number): number => pageblock_start_pfn(pfn + pageblock_nr_pages - 1);

/** The zone of a pfn, or undefined for a hole (pfn_to_online_page returns NULL). */
function online_zone(k: Kernel, pfn: number): zone | undefined {
  if (pfn < 0 || pfn >= k.mem_map.max_pfn) return undefined;
  return k.page_zone(pfn);
}

/** The first pfn of [pfn, pfn + nr_pages) with a struct page in a zone, or NO_PFN. @kernel mm/page_isolation.c __first_valid_page */
function __first_valid_page(k: Kernel, pfn: number, nr_pages: number): number {
  for (let i = 0; i < nr_pages; i++) if (online_zone(k, pfn + i) !== undefined) return pfn + i;
  return NO_PFN;
}

function is_migrate_isolate_page(k: Kernel, pfn: number): boolean {
  return get_pageblock_migratetype(k, pfn) === MIGRATE_ISOLATE;
}

/**
 * The first page of [start_pfn, end_pfn) (one pageblock) that cannot be moved away, or NO_PFN:
 * reserved pages (boot allocations, holes), and any page in use that is not on an LRU (kernel
 * allocations, page tables). Free pages and LRU pages (a THP counted whole) are movable; in
 * ZONE_MOVABLE everything not reserved is assumed to be.
 * @kernel mm/page_isolation.c has_unmovable_pages
 */
function has_unmovable_pages(k: Kernel, z: zone, start_pfn: number, end_pfn: number): number {
  const mem = k.mem_map;
  for (let pfn = start_pfn; pfn < end_pfn; pfn++) {
    const f = mem.flags[pfn];
    if ((f & F(PG_reserved)) !== 0) return pfn;
    if (z.zone_idx === ZONE_MOVABLE) continue;
    if ((f & (F(PG_head) | F(PG_tail))) !== 0) {
      // Hugetlb pages and THPs on the LRU are movable (alloc_contig_range migrates them);
      // tails are skipped with their head.
      const head = compound_head(mem, pfn);
      const order = mem.index[head + 1];
      if ((mem.flags[head] & F(PG_hugetlb)) === 0 && (mem.flags[head] & F(PG_lru)) === 0) return pfn;
      pfn = head + pow2(order) - 1;
      continue;
    }
    if (mem._refcount[pfn] === 0) {
      if (PageBuddy(k, pfn)) pfn += (1 << buddy_order(k, pfn)) - 1;
      continue;
    }
    if ((f & F(PG_lru)) !== 0) continue;
    return pfn;
  }
  return NO_PFN;
}

/**
 * Isolates the pageblock holding pfn unless [start_pfn, end_pfn) has an unmovable page in it:
 * MIGRATE_ISOLATE, nr_isolate_pageblock + 1, its free blocks moved to the isolate lists and out
 * of NR_FREE_PAGES. -EBUSY if it was isolated already or cannot be.
 * @kernel mm/page_isolation.c set_migratetype_isolate
 */
function set_migratetype_isolate(k: Kernel, pfn: number, isol_flags: number, start_pfn: number, end_pfn: number): number {
  const z = online_zone(k, pfn);
  if (z === undefined) return -EBUSY;
  if (is_migrate_isolate_page(k, pfn)) return -EBUSY;
  const check_start = Math.max(pfn, start_pfn);
  const check_end = Math.min(pageblock_end_pfn(pfn), end_pfn);
  const unmovable = has_unmovable_pages(k, z, check_start, check_end);
  if (unmovable === NO_PFN) {
    const mt = get_pageblock_migratetype(k, pfn);
    set_pageblock_migratetype(k, pfn, MIGRATE_ISOLATE);
    z.nr_isolate_pageblock++;
    const nr_pages = move_freepages_block(k, z, pfn, MIGRATE_ISOLATE, null);
    // __mod_zone_freepage_state(zone, -nr_pages, mt): no CMA, so only NR_FREE_PAGES
    if (mt !== MIGRATE_ISOLATE) z.vm_stat[NR_FREE_PAGES] -= nr_pages;
    return 0;
  }
  if (isol_flags & REPORT_FAILURE) k.log.printk(KERN_WARNING, `page:${unmovable.toString(16)} unmovable page`);
  return -EBUSY;
}

/**
 * Gives an isolated pageblock its migratetype back: its free blocks return to that type's lists
 * and to NR_FREE_PAGES. A free block of pageblock order or more whose buddy is not isolated is
 * taken off and freed again instead, so that it can merge now.
 * @kernel mm/page_isolation.c unset_migratetype_isolate
 */
export function unset_migratetype_isolate(k: Kernel, pfn: number, migratetype: number): void {
  const z = online_zone(k, pfn);
  if (z === undefined || !is_migrate_isolate_page(k, pfn)) return;
  let isolated_page = false;
  let order = 0;
  if (PageBuddy(k, pfn)) {
    order = buddy_order(k, pfn);
    if (order >= pageblock_order && order < MAX_ORDER - 1) {
      const buddy = pfn ^ (1 << order);
      if (PageBuddy(k, buddy) && online_zone(k, buddy) === z && !is_migrate_isolate_page(k, buddy)) {
        // Watermarks do not apply to an isolated block: this always succeeds.
        isolated_page = __isolate_free_page(k, pfn, order) !== 0;
      }
    }
  }
  if (!isolated_page) {
    const nr_pages = move_freepages_block(k, z, pfn, migratetype, null);
    z.vm_stat[NR_FREE_PAGES] += nr_pages;
  }
  set_pageblock_migratetype(k, pfn, migratetype);
  if (isolated_page) __putback_isolated_page(k, pfn, order, migratetype);
  z.nr_isolate_pageblock--;
}

/**
 * The compact_control alloc_contig_range and isolate_single_pageblock both declare (6.1 spells
 * out the same initializer in each): no target order, synchronous migration, the skip hints
 * neither read nor written, and cc->alloc_contig so that isolation takes compound pages whole.
 * @kernel mm/page_alloc.c alloc_contig_range
 * @kernel mm/page_isolation.c isolate_single_pageblock
 */
function alloc_contig_compact_control(z: zone, gfp_mask: number): compact_control {
  const cc = new compact_control(z, null);
  cc.order = -1;
  cc.mode = MIGRATE_SYNC;
  cc.ignore_skip_hint = true;
  cc.no_set_skip_hint = true;
  cc.gfp_mask = gfp_mask;
  cc.alloc_contig = true;
  return cc;
}

/**
 * Isolates the pageblock before or after a range edge, first making sure no free block crosses
 * that edge (split_free_page): the part outside the range must stay on its own free list. An
 * in-use compound page across the edge is migrated if it is a hugetlb page or on the LRU
 * (its pageblock isolated meanwhile, __alloc_contig_migrate_range over the page), as 6.1 does;
 * anything else fails the isolation with -EBUSY.
 *
 * On x86-64 the migration never succeeds: a compound page across a pageblock edge is larger
 * than a pageblock (2 MiB, the order of a THP and of a 2 MiB hugetlb page, which are aligned
 * to it), so it is a 1 GiB hugetlb page, which isolate_or_dissolve_huge_page refuses
 * (-ENOMEM), or a kernel allocation, which is not movable. What 6.1 does on the way is kept:
 * the page's pageblock isolated and restored, the per-CPU LRU batches drained
 * (__alloc_contig_migrate_range's lru_cache_disable), then -EBUSY.
 * @kernel mm/page_isolation.c isolate_single_pageblock
 */
function isolate_single_pageblock(k: Kernel, boundary_pfn: number, flags: number, gfp_flags: number, isolate_before: boolean, skip_isolation: boolean, migratetype: number): number {
  const mem = k.mem_map;
  const isolate_pageblock = isolate_before ? boundary_pfn - pageblock_nr_pages : boundary_pfn;
  const z = online_zone(k, isolate_pageblock);
  if (z === undefined) return -EBUSY;
  // From the MAX_ORDER-aligned start, so that a free or in-use block across the edge is seen
  // from its head; the to-be-isolated pageblocks are all in one zone.
  const start_pfn = Math.max(isolate_pageblock - (isolate_pageblock & (MAX_ORDER_NR_PAGES - 1)), z.zone_start_pfn);
  if (!skip_isolation) {
    const ret = set_migratetype_isolate(k, isolate_pageblock, flags, isolate_pageblock, isolate_pageblock + pageblock_nr_pages);
    if (ret) return ret;
  }
  // No block across boundary_pfn when the other side is not online.
  if (online_zone(k, isolate_before ? boundary_pfn : boundary_pfn - 1) === undefined) return 0;
  for (let pfn = start_pfn; pfn < boundary_pfn; ) {
    pfn = __first_valid_page(k, pfn, boundary_pfn - pfn);
    if (pfn === NO_PFN) break;
    if (PageBuddy(k, pfn)) {
      const order = buddy_order(k, pfn);
      // free page changed before split, check it again
      if (pfn + (1 << order) > boundary_pfn && split_free_page(k, pfn, order, boundary_pfn - pfn)) continue;
      pfn += 1 << order;
      continue;
    }
    if ((page_flags(mem, pfn) & (F(PG_head) | F(PG_tail))) !== 0) {
      const head = compound_head(mem, pfn);
      const nr_pages = pow2(mem.index[head + 1]);
      if (head + nr_pages <= boundary_pfn) {
        pfn = head + nr_pages;
        continue;
      }
      // hugetlb and LRU compound pages can be migrated (no non-LRU movable pages in the model).
      if ((mem.flags[head] & (F(PG_hugetlb) | F(PG_lru))) !== 0) {
        const page_mt = get_pageblock_migratetype(k, pfn);
        const isolate_page = !is_migrate_isolate_page(k, pfn);
        const hz = online_zone(k, head);
        let ret = -EBUSY;
        if (hz !== undefined && (!isolate_page || set_migratetype_isolate(k, pfn, flags, head, head + nr_pages) === 0)) {
          ret = __alloc_contig_migrate_range(k, alloc_contig_compact_control(hz, gfp_flags), head, head + nr_pages);
          if (isolate_page) unset_migratetype_isolate(k, pfn, page_mt);
        }
        if (ret === 0) {
          // 6.1 would go on from the head of the free page the migration left. See above: no
          // migratable compound page crosses a pageblock edge on x86-64.
          throw new KernelBug("isolate_single_pageblock: migrated a compound page across a pageblock edge", { pfn: head, nr_pages });
        }
      }
      if (!skip_isolation) unset_migratetype_isolate(k, isolate_pageblock, migratetype);
      return -EBUSY;
    }
    pfn++;
  }
  return 0;
}

/**
 * Marks every pageblock of [start_pfn, end_pfn) MIGRATE_ISOLATE (the edge blocks first, free
 * blocks across the edges split), so that their free pages, now and when freed later, are never
 * allocated. Fails with -EBUSY, everything undone, if a pageblock has an unmovable page or is
 * isolated already.
 * @kernel mm/page_isolation.c start_isolate_page_range
 */
export function start_isolate_page_range(k: Kernel, start_pfn: number, end_pfn: number, migratetype: number, flags: number, gfp_flags: number = GFP_USER): number {
  const isolate_start = pageblock_start_pfn(start_pfn);
  const isolate_end = pageblock_align(end_pfn);
  // The model keeps boot's MAX_ORDER blocks unlinked until reached: link this zone's first, so
  // the walks below see every free block's head.
  const z = online_zone(k, isolate_start);
  if (z !== undefined && deferred_in_range(k, z, isolate_start - MAX_ORDER_NR_PAGES, isolate_end)) deferred_link_zone(k, z);
  let skip_isolation = false;
  let ret = isolate_single_pageblock(k, isolate_start, flags, gfp_flags, false, skip_isolation, migratetype);
  if (ret) return ret;
  if (isolate_start === isolate_end - pageblock_nr_pages) skip_isolation = true;
  ret = isolate_single_pageblock(k, isolate_end, flags, gfp_flags, true, skip_isolation, migratetype);
  if (ret) {
    unset_migratetype_isolate(k, isolate_start, migratetype);
    return ret;
  }
  // skip isolated pageblocks at the beginning and end
  for (let pfn = isolate_start + pageblock_nr_pages; pfn < isolate_end - pageblock_nr_pages; pfn += pageblock_nr_pages) {
    const page = __first_valid_page(k, pfn, pageblock_nr_pages);
    if (page !== NO_PFN && set_migratetype_isolate(k, page, flags, start_pfn, end_pfn)) {
      undo_isolate_page_range(k, isolate_start, pfn, migratetype);
      unset_migratetype_isolate(k, isolate_end - pageblock_nr_pages, migratetype);
      return -EBUSY;
    }
  }
  return 0;
}

/** Makes isolated pageblocks of [start_pfn, end_pfn) available again. @kernel mm/page_isolation.c undo_isolate_page_range */
export function undo_isolate_page_range(k: Kernel, start_pfn: number, end_pfn: number, migratetype: number): void {
  const isolate_end = pageblock_align(end_pfn);
  for (let pfn = pageblock_start_pfn(start_pfn); pfn < isolate_end; pfn += pageblock_nr_pages) {
    const page = __first_valid_page(k, pfn, pageblock_nr_pages);
    if (page === NO_PFN || !is_migrate_isolate_page(k, page)) continue;
    unset_migratetype_isolate(k, page, migratetype);
  }
}

/** The first pfn of [pfn, end_pfn) that is not free. @kernel mm/page_isolation.c __test_page_isolated_in_pageblock */
function __test_page_isolated_in_pageblock(k: Kernel, pfn: number, end_pfn: number): number {
  while (pfn < end_pfn) {
    if (!PageBuddy(k, pfn)) break;
    // If the page is on a free list, it has to be on the correct MIGRATE_ISOLATE freelist.
    pfn += 1 << buddy_order(k, pfn);
  }
  return pfn;
}

/**
 * 0 if every pageblock of [start_pfn, end_pfn) is isolated and every page in it free, else
 * -EBUSY. Tracepoint test_pages_isolated.
 * @kernel mm/page_isolation.c test_pages_isolated
 */
export function test_pages_isolated(k: Kernel, start_pfn: number, end_pfn: number): number {
  let pfn = start_pfn;
  for (; pfn < end_pfn; pfn += pageblock_nr_pages) {
    const page = __first_valid_page(k, pfn, pageblock_nr_pages);
    if (page !== NO_PFN && !is_migrate_isolate_page(k, page)) break;
  }
  const page = __first_valid_page(k, start_pfn, end_pfn - start_pfn);
  let ret: number;
  if (pfn < end_pfn || page === NO_PFN) ret = -EBUSY;
  else {
    pfn = __test_page_isolated_in_pageblock(k, start_pfn, end_pfn);
    ret = pfn < end_pfn ? -EBUSY : 0;
  }
  if (k.trace.enabled("test_pages_isolated")) {
    k.trace.emit(
      "test_pages_isolated",
      { start_pfn, end_pfn, fin_pfn: pfn },
      `start_pfn=0x${start_pfn.toString(16)} end_pfn=0x${end_pfn.toString(16)} fin_pfn=0x${pfn.toString(16)} ret=${pfn >= end_pfn ? "success" : "fail"}`,
    );
  }
  return ret;
}

/**
 * The target of a contiguous-range migration: a fresh page on the same node, for a THP a
 * fresh THP of its order (GFP_TRANSHUGE without the caller's __GFP_RECLAIM bits, as regular THP
 * allocations; prep_transhuge_page), for a hugetlb page a pool page or a temporary fresh one
 * (hugetlb.ts alloc_huge_page_nodemask); NO_PFN when none can be had.
 * @kernel mm/migrate.c alloc_migration_target
 */
function alloc_migration_target(k: Kernel, src: number, nid: number): number {
  const gfp_mask = GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL;
  const mem = k.mem_map;
  if ((mem.flags[src] & F(PG_head)) === 0) return __alloc_pages(k, gfp_mask, 0, nid, null);
  if ((mem.flags[src] & F(PG_hugetlb)) !== 0) return alloc_huge_page_nodemask(k, src, nid, gfp_mask);
  const pfn = __alloc_pages(k, (gfp_mask & ~__GFP_RECLAIM) | GFP_TRANSHUGE, mem.index[src + 1], nid, null);
  if (pfn !== NO_PFN) prep_transhuge_page(k, pfn);
  return pfn;
}

/**
 * Migrates every movable page of [start, end) out of it: the migration scanner isolates up to
 * 32 at a time, migrate_pages moves them; a batch that keeps failing five times is -EBUSY,
 * running out of target pages -ENOMEM.
 * @kernel mm/page_alloc.c __alloc_contig_migrate_range
 */
export function __alloc_contig_migrate_range(k: Kernel, cc: compact_control, start: number, end: number): number {
  const heads = cc.lists;
  let pfn = start;
  let tries = 0;
  let ret = 0;
  // lru_cache_disable: pages still in a per-CPU LRU batch could not be isolated.
  lru_add_drain_all(k);
  while (pfn < end || heads[MIGRATEPAGES] !== NO_PFN) {
    if (heads[MIGRATEPAGES] === NO_PFN) {
      cc.nr_migratepages = 0;
      ret = isolate_migratepages_range(k, cc, pfn, end);
      if (ret && ret !== -EAGAIN) break;
      // Simplified: too_many_isolated's -EAGAIN with nothing isolated would have 6.1 try again
      // after others let their isolated pages go; nothing else runs here, so it is -EBUSY.
      if (ret === -EAGAIN && heads[MIGRATEPAGES] === NO_PFN) {
        ret = -EBUSY;
        break;
      }
      pfn = cc.migrate_pfn;
      tries = 0;
    } else if (++tries === 5) {
      ret = -EBUSY;
      break;
    }
    ret = migrate_pages(k, heads, MIGRATEPAGES, alloc_migration_target, null, cc.zone.node, cc.mode, MR_CONTIG_RANGE, cc.nr_succeeded);
    if (ret === -ENOMEM) break;
  }
  if (ret < 0) {
    putback_movable_pages(k, heads, MIGRATEPAGES);
    return ret;
  }
  return 0;
}

/**
 * Allocates the pages [start, end) (one zone's), whatever they hold now: isolates the range,
 * drains the pcp lists, migrates what is in use, checks that all is free, and takes it, each
 * page order 0 with a reference (free_contig_range gives them back). The parts of free blocks
 * outside the range are freed again. 0 or -EBUSY (-ENOMEM); the range is never left
 * isolated.
 * @kernel mm/page_alloc.c alloc_contig_range
 */
export function alloc_contig_range(k: Kernel, start: number, end: number, migratetype: number, gfp_mask: number): number {
  const z = online_zone(k, start);
  if (z === undefined) return -EBUSY;
  const cc = alloc_contig_compact_control(z, gfp_mask);
  let ret = start_isolate_page_range(k, start, end, migratetype, 0, gfp_mask);
  if (ret) return ret;
  done: {
    drain_all_pages(k, z);
    ret = __alloc_contig_migrate_range(k, cc, start, end);
    if (ret && ret !== -EBUSY) break done;
    ret = 0;
    // Pages freed by the migration are on the isolated free lists, maybe merged into blocks
    // that begin below start: find such a block's head.
    let order = 0;
    let outer_start = start;
    while (!PageBuddy(k, outer_start)) {
      if (++order >= MAX_ORDER) {
        outer_start = start;
        break;
      }
      outer_start &= ~0 << order;
    }
    if (outer_start !== start) {
      order = buddy_order(k, outer_start);
      // A buddy page that does not reach start is not ours.
      if (outer_start + (1 << order) <= start) outer_start = start;
    }
    // Make sure the range is really isolated.
    if (test_pages_isolated(k, outer_start, end)) {
      ret = -EBUSY;
      break done;
    }
    // Grab the isolated pages.
    const outer_end = isolate_freepages_range(k, cc, outer_start, end);
    if (!outer_end) {
      ret = -EBUSY;
      break done;
    }
    // Free the head and tail that are not in the range.
    if (start !== outer_start) free_contig_range(k, outer_start, start - outer_start);
    if (end !== outer_end) free_contig_range(k, end, outer_end - end);
  }
  undo_isolate_page_range(k, start, end, migratetype);
  return ret;
}

/** Frees nr_pages order-0 pages from pfn on (alloc_contig_range's pages). @kernel mm/page_alloc.c free_contig_range */
export function free_contig_range(k: Kernel, pfn: number, nr_pages: number): void {
  let count = 0;
  const mem = k.mem_map;
  for (; nr_pages--; pfn++) {
    if (mem._refcount[pfn] !== 1) count++;
    __free_pages(k, pfn, 0);
  }
  if (count !== 0) k.log.printk(KERN_WARNING, `${count} pages are still in use!`);
}

/** Whether [start_pfn, start_pfn + nr_pages) could be allocated whole: in zone z, no hole, no reserved or hugetlb page. @kernel mm/page_alloc.c pfn_range_valid_contig */
function pfn_range_valid_contig(k: Kernel, z: zone, start_pfn: number, nr_pages: number): boolean {
  const mem = k.mem_map;
  const end_pfn = start_pfn + nr_pages;
  // A pageblock wholly in the zone has each page in it: test the zone a pageblock at a time.
  for (let b = start_pfn; b < end_pfn; b += pageblock_nr_pages) if (online_zone(k, b) !== z) return false;
  for (let i = start_pfn; i < end_pfn; i++) {
    if ((mem.flags[i] & (F(PG_reserved) | F(PG_hugetlb))) !== 0) return false;
  }
  return true;
}

/**
 * nr_pages contiguous pages, aligned to nr_pages, from the zones the GFP mask allows on node nid
 * (highest first): each aligned range wholly in a zone and free of reserved and hugetlb pages
 * is tried with alloc_contig_range until one succeeds. The first pfn, or NO_PFN.
 * @kernel mm/page_alloc.c alloc_contig_pages, __alloc_contig_pages, zone_spans_last_pfn
 */
export function alloc_contig_pages(k: Kernel, nr_pages: number, gfp_mask: number, nid: number, nodemask: readonly number[] | null): number {
  const highest = gfp_zone(gfp_mask);
  const pgdat = k.node_data[nid];
  for (const z of pgdat.node_zonelists) {
    if (z.zone_idx > highest || !z.spanned_pages) continue;
    if ((gfp_mask & __GFP_THISNODE) !== 0 && z.node !== nid) continue;
    if (nodemask !== null && !nodemask.includes(z.node)) continue;
    let pfn = Math.ceil(z.zone_start_pfn / nr_pages) * nr_pages;
    // zone_spans_last_pfn
    while (z.zone_spans_pfn(pfn + nr_pages - 1)) {
      if (pfn_range_valid_contig(k, z, pfn, nr_pages) && alloc_contig_range(k, pfn, pfn + nr_pages, MIGRATE_MOVABLE, gfp_mask) === 0) return pfn;
      pfn += nr_pages;
    }
  }
  return NO_PFN;
}
