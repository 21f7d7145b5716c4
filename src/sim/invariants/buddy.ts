/**
 * The buddy allocator's invariants, checked from scratch over the whole machine: what the
 * kernel's CONFIG_DEBUG_VM checks spread over its fast paths (VM_BUG_ON_PAGE in __free_one_page,
 * expand, check_new_page), gathered into one walk for tests and fuzzing.
 *
 * For every zone:
 * - each free list holds heads with PG_buddy, private == the list's order, the list's migratetype
 *   remembered in index, aligned to their order, inside the zone, refcount 0 on every page;
 * - the blocks on the lists of an order number exactly free_area[order].nr_free;
 * - no two free blocks (or pcp pages) overlap;
 * - a free block's buddy is never also a free block of the same order (they would have merged),
 *   except across a pageblock-sized boundary between non-mergeable migratetypes;
 * - the free pages on the buddy lists (isolated ones excepted) equal NR_FREE_PAGES;
 * - a free block is on a MIGRATE_ISOLATE list if and only if its pageblock is isolated;
 * - every pcp list's pages × 2^order add up to pcp->count; pcp pages are not PG_buddy, have
 *   refcount 0 and sit on the list of their migratetype (highatomic/isolate pages on movable);
 * - PG_buddy is set exactly on free block heads.
 * @kernel mm/page_alloc.c __free_one_page, expand, check_new_page, free_pcppages_bulk
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, PG_buddy } from "../../mm/memmap.js";
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, MIGRATE_TYPES, NR_PCP_LISTS, type zone } from "../../mm/mmzone.js";
import { deferred_link_all } from "../../mm/mm_init.js";
import { pindex_to_order } from "../../mm/page_alloc.js";
import { MAX_ORDER, NO_PFN, pageblock_order } from "../../mm/types.js";
import { NR_FREE_PAGES } from "../../mm/vmstat_items.js";

const PG_buddy_mask = F(PG_buddy);

/** Throws KernelBug with context on the first broken buddy-allocator invariant. */
export function checkBuddy(k: Kernel): void {
  // The check walks every struct page and list: link the blocks boot deferred first (nothing
  // observable changes; see page_alloc.ts deferred_tail).
  deferred_link_all(k);
  const mm = k.mem_map;
  // 1 = covered by a free block or pcp page, 2 = head of a buddy free block.
  const seen = new Uint8Array(mm.max_pfn);
  for (let zi = 0; zi < k.zones.length; zi++) {
    const z = k.zones[zi];
    if (z === undefined) continue;
    checkZoneFreeLists(k, z, zi, seen);
    checkZonePcp(k, z, zi, seen);
  }
  // PG_buddy exactly on the heads found on the lists.
  for (let pfn = 0; pfn < mm.max_pfn; pfn++) {
    const isBuddy = (mm.flags[pfn] & PG_buddy_mask) !== 0;
    if (isBuddy !== (seen[pfn] === 2)) {
      throw new KernelBug(isBuddy ? "PG_buddy on a page that heads no free block" : "free block head without PG_buddy", { pfn });
    }
  }
}

function inZone(k: Kernel, z: zone, zi: number, pfn: number): boolean {
  return z.zone_spans_pfn(pfn) && k.mem_map.pageblock_zone[pfn >>> pageblock_order] === zi;
}

function checkZoneFreeLists(k: Kernel, z: zone, zi: number, seen: Uint8Array): void {
  const mm = k.mem_map;
  const lru = mm.lru;
  let free = 0;
  for (let order = 0; order < MAX_ORDER; order++) {
    const area = z.free_area[order];
    let blocks = 0;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      const heads = area.free_list;
      let n = 0;
      for (let pfn = heads[mt]; pfn !== NO_PFN; pfn = lru.list_next(heads, mt, pfn)) {
        const ctx = { zone: z.name, node: z.node, order, migratetype: mt, pfn };
        if (++n > mm.max_pfn) throw new KernelBug("free list does not end", ctx);
        if ((mm.flags[pfn] & PG_buddy_mask) === 0) throw new KernelBug("free block head without PG_buddy", ctx);
        if (mm.private[pfn] !== order) throw new KernelBug("free block on the wrong order's list", { ...ctx, private: mm.private[pfn] });
        if (mm.index[pfn] !== mt) throw new KernelBug("free block's remembered list differs from its list", { ...ctx, index: mm.index[pfn] });
        if ((pfn & ((1 << order) - 1)) !== 0) throw new KernelBug("free block not aligned to its order", ctx);
        const nr = 1 << order;
        if (!inZone(k, z, zi, pfn) || !inZone(k, z, zi, pfn + nr - 1)) throw new KernelBug("free block outside its zone", ctx);
        for (let i = 0; i < nr; i++) {
          if (seen[pfn + i] !== 0) throw new KernelBug("free blocks overlap", { ...ctx, at: pfn + i });
          seen[pfn + i] = i === 0 ? 2 : 1;
          if (mm._refcount[pfn + i] !== 0) throw new KernelBug("free page with a reference", { ...ctx, at: pfn + i, refcount: mm._refcount[pfn + i] });
        }
        if (order < MAX_ORDER - 1) {
          const buddy = pfn ^ nr;
          if (buddy < mm.max_pfn && (mm.flags[buddy] & PG_buddy_mask) !== 0 && mm.private[buddy] === order && inZone(k, z, zi, buddy)) {
            const mergeable = order < pageblock_order || mergeableTypes(mm.pageblock_mt[pfn >>> pageblock_order], mm.pageblock_mt[buddy >>> pageblock_order]);
            if (mergeable) throw new KernelBug("buddies both free at the same order", { ...ctx, buddy });
          }
        }
        // A free block is on the MIGRATE_ISOLATE list exactly when its pageblock is isolated
        // (set_migratetype_isolate moves them there; frees into it land there), so the
        // allocator never hands out an isolated page.
        if ((mm.pageblock_mt[pfn >>> pageblock_order] === MIGRATE_ISOLATE) !== (mt === MIGRATE_ISOLATE)) {
          throw new KernelBug("free block on the wrong side of page isolation", { ...ctx, pageblock_mt: mm.pageblock_mt[pfn >>> pageblock_order] });
        }
        if (mt !== MIGRATE_ISOLATE) free += nr;
        blocks++;
      }
    }
    if (blocks !== area.nr_free) throw new KernelBug("nr_free differs from the free lists", { zone: z.name, node: z.node, order, nr_free: area.nr_free, onLists: blocks });
  }
  if (free !== z.vm_stat[NR_FREE_PAGES]) throw new KernelBug("NR_FREE_PAGES differs from the free lists", { zone: z.name, node: z.node, nr_free_pages: z.vm_stat[NR_FREE_PAGES], onLists: free });
}

function mergeableTypes(a: number, b: number): boolean {
  return a === b || (a < MIGRATE_PCPTYPES && b < MIGRATE_PCPTYPES);
}

function checkZonePcp(k: Kernel, z: zone, zi: number, seen: Uint8Array): void {
  const mm = k.mem_map;
  const lru = mm.lru;
  z.per_cpu_pageset.forEach((pcp, cpu) => {
    let count = 0;
    for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
      const order = pindex_to_order(pindex);
      const nr = 1 << order;
      const listMt = pindex < MIGRATE_PCPTYPES * 4 ? pindex % MIGRATE_PCPTYPES : pindex === MIGRATE_PCPTYPES * 4 ? -1 : MIGRATE_MOVABLE;
      let n = 0;
      for (let pfn = pcp.lists[pindex]; pfn !== NO_PFN; pfn = lru.list_next(pcp.lists, pindex, pfn)) {
        const ctx = { zone: z.name, node: z.node, cpu, pindex, pfn };
        if (++n > mm.max_pfn) throw new KernelBug("pcp list does not end", ctx);
        if (!inZone(k, z, zi, pfn)) throw new KernelBug("pcp page outside its zone", ctx);
        if ((pfn & (nr - 1)) !== 0) throw new KernelBug("pcp block not aligned to its order", ctx);
        const mt = mm.index[pfn];
        const expected = mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE;
        // The THP lists are split movable / not movable rather than by migratetype.
        const ok = listMt === -1 ? expected !== MIGRATE_MOVABLE : expected === listMt;
        if (!ok) throw new KernelBug("pcp page on the wrong migratetype's list", { ...ctx, migratetype: mt });
        for (let i = 0; i < nr; i++) {
          if (seen[pfn + i] !== 0) throw new KernelBug("pcp page also free elsewhere", { ...ctx, at: pfn + i });
          seen[pfn + i] = 1;
          if (mm._refcount[pfn + i] !== 0) throw new KernelBug("pcp page with a reference", { ...ctx, at: pfn + i });
        }
        count += nr;
      }
    }
    if (count !== pcp.count) throw new KernelBug("pcp->count differs from its lists", { zone: z.name, node: z.node, cpu, count: pcp.count, onLists: count });
  });
}
