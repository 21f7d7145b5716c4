/**
 * The LRU list primitives every mechanism shares: which list a page belongs on (from its
 * PG_swapbacked / PG_active / PG_unevictable bits), and adding and removing it with the node and
 * zone counters kept in step (update_lru_size). A page is on a list exactly when PG_lru is set,
 * and its list is always folio_lru_list(flags) — so changing a listed page's list-deciding bits
 * goes through lru_relist, never a bare flag write.
 *
 * A transparent huge page is one entry on its list, its head, and counts folio_nr_pages (512)
 * in the list sizes, as a folio does.
 *
 * Each memcg has a lruvec per node (mem_cgroup_lruvec); a page's is named by its memcg column.
 *
 * With the multi-gen LRU on (lru_gen.ts), lruvec_add_folio and lruvec_del_folio hand evictable
 * pages to lru_gen_add_folio / lru_gen_del_folio first, as 6.1's do: a folio is then on one of
 * lrugen.folios[] (its gen in the flags' LRU_GEN_MASK, PG_active clear) and counted, with its
 * folio_nr_pages, on the active or inactive counter its generation says.
 *
 * Each memcg's lruvec has generations of its own, as in 6.1 (the root's are the node's).
 * @kernel include/linux/mm_inline.h folio_is_file_lru, folio_lru_list, update_lru_size,
 *   lruvec_add_folio, lruvec_add_folio_tail, lruvec_del_folio, folio_evictable
 * @kernel include/linux/memcontrol.h folio_lruvec
 */
import { KernelBug } from "../kernel/bug.js";
import { pow2 } from "../lib/bitops.js";
import type { Kernel } from "../kernel/kernel.js";
import { F, LRU_GEN_MASK, PG_active, PG_head, PG_lru, PG_mlocked, PG_swapbacked, PG_unevictable } from "./memmap.js";
import { LRU_ACTIVE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, LRU_UNEVICTABLE, NR_LRU_LISTS, type lruvec, type pglist_data, type zone } from "./mmzone.js";
import { NR_INACTIVE_ANON, NR_ZONE_INACTIVE_ANON } from "./vmstat_items.js";
import { __mod_memcg_page_state, lruvec_page_state, MEM_CGROUP_ID_MAX } from "./memcontrol.js";
import { lru_gen_add_folio, lru_gen_del_folio } from "./lru_gen.js";

const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const SWAPBACKED = F(PG_swapbacked);
const LRU = F(PG_lru);
const MLOCKED = F(PG_mlocked);
const HEAD = F(PG_head);

/** folio_nr_pages of an LRU page: 2^order for a compound head (order in page[1]), else 1. */
function lru_nr_pages(k: Kernel, pfn: number, flags: number): number {
  return (flags & HEAD) === 0 ? 1 : pow2(k.mem_map.index[pfn + 1]);
}

/** NR_LRU_BASE and NR_ZONE_LRU_BASE: the first LRU counter of each enum, lists in lru order after it. */
export const NR_LRU_BASE = NR_INACTIVE_ANON;
export const NR_ZONE_LRU_BASE = NR_ZONE_INACTIVE_ANON;

/** A page cache page not backed by swap: the file lists. Shmem and anon pages are swap-backed. */
export function folio_is_file_lru(flags: number): boolean {
  return (flags & SWAPBACKED) === 0;
}

/** The list a page with these flags belongs on. @kernel include/linux/mm_inline.h folio_lru_list */
export function folio_lru_list(flags: number): number {
  if (flags & UNEVICTABLE) return LRU_UNEVICTABLE;
  const lru = flags & SWAPBACKED ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
  return flags & ACTIVE ? lru + LRU_ACTIVE : lru;
}

/** May reclaim ever take this page? Not while mlocked (no unevictable mappings in the model). */
export function folio_evictable(k: Kernel, pfn: number): boolean {
  return (k.mem_map.flags[pfn] & MLOCKED) === 0;
}

/** The zone of a page on or leaving an LRU (a hole here is a model bug). @kernel include/linux/mm.h folio_zone */
export function folio_zone(k: Kernel, pfn: number): zone {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("LRU page in a hole", { pfn });
  return z;
}

/**
 * The lruvec a page belongs to: its memcg's on its node (the memmap's memcg column; the root's
 * is the node's own).
 * @kernel include/linux/memcontrol.h folio_lruvec, mem_cgroup_lruvec
 */
export function folio_lruvec(k: Kernel, pfn: number): lruvec {
  const z = folio_zone(k, pfn);
  const v = k.mem_map.memcg[pfn];
  return v === 0 ? z.zone_pgdat.__lruvec : mem_cgroup_lruvec_of(k, v, z.zone_pgdat.node_id);
}

/** The lruvec of the memcg a column value names, on node nid. @kernel include/linux/memcontrol.h mem_cgroup_lruvec */
function mem_cgroup_lruvec_of(k: Kernel, v: number, nid: number): lruvec {
  const memcg = k.memcg.byId[v & MEM_CGROUP_ID_MAX];
  if (memcg === null || memcg === undefined) throw new KernelBug("LRU page of a freed memcg", { id: v });
  return memcg.nodeinfo[nid];
}

/**
 * The list sizes: the lruvec's own per zone (mem_cgroup_update_lru_size), the node's and zone's
 * (the sums over memcgs), and the memcg's statistics for a non-root lruvec.
 * @kernel include/linux/mm_inline.h update_lru_size
 * @kernel mm/memcontrol.c mem_cgroup_update_lru_size
 */
export function update_lru_size(k: Kernel, lv: lruvec, z: zone, lru: number, nr: number): void {
  z.zone_pgdat.vm_stat[NR_LRU_BASE + lru] += nr;
  z.vm_stat[NR_ZONE_LRU_BASE + lru] += nr;
  lv.lru_zone_size[z.zone_idx * NR_LRU_LISTS + lru] += nr;
  if (lv.memcg_id !== 0) __mod_memcg_page_state(k, lv.memcg_id, NR_LRU_BASE + lru, nr, z.zone_pgdat.node_id);
}

/**
 * Puts a page at the head of its list (the young end; reclaim takes from the tail). The caller
 * sets PG_lru, as the kernel's callers do.
 * @kernel include/linux/mm_inline.h lruvec_add_folio
 */
export function lruvec_add_folio(k: Kernel, pfn: number): void {
  const z = folio_zone(k, pfn);
  const lv = lruvec_of(k, z, pfn);
  if (lv.lrugen.enabled && lru_gen_add_folio(k, lv, z, pfn, false)) return;
  const f = k.mem_map.flags[pfn];
  const lru = folio_lru_list(f);
  k.mem_map.lru.list_add(lv.lists, lru, pfn);
  update_lru_size(k, lv, z, lru, lru_nr_pages(k, pfn, f));
}

/** folio_lruvec once the zone is known. */
function lruvec_of(k: Kernel, z: zone, pfn: number): lruvec {
  const v = k.mem_map.memcg[pfn];
  return v === 0 ? z.zone_pgdat.__lruvec : mem_cgroup_lruvec_of(k, v, z.zone_pgdat.node_id);
}

/**
 * lruvec_add_folio for pfns[start .. start + n), in order, when the caller knows they are all
 * pages of zone `z` bound for list `lru`: the lists and counters n calls would leave, with the
 * list joined in one splice (list_add_run) and each counter moved once.
 * @kernel include/linux/mm_inline.h lruvec_add_folio
 */
export function lruvec_add_folio_run(k: Kernel, z: zone, lru: number, pfns: Int32Array, start: number, n: number): void {
  const lv = lruvec_of(k, z, pfns[start]);
  if (lv.lrugen.enabled) {
    for (let i = 0; i < n; i++) lruvec_add_folio(k, pfns[start + i]);
    return;
  }
  k.mem_map.lru.list_add_run(lv.lists, lru, pfns, start, n);
  update_lru_size(k, lv, z, lru, n);
}

/** Puts a page at the tail of its list: the next to be scanned. @kernel include/linux/mm_inline.h lruvec_add_folio_tail */
export function lruvec_add_folio_tail(k: Kernel, pfn: number): void {
  const z = folio_zone(k, pfn);
  const lv = lruvec_of(k, z, pfn);
  if (lv.lrugen.enabled && lru_gen_add_folio(k, lv, z, pfn, true)) return;
  const f = k.mem_map.flags[pfn];
  const lru = folio_lru_list(f);
  k.mem_map.lru.list_add_tail(lv.lists, lru, pfn);
  update_lru_size(k, lv, z, lru, lru_nr_pages(k, pfn, f));
}

/** Takes a page off its list. The caller clears PG_lru. @kernel include/linux/mm_inline.h lruvec_del_folio */
export function lruvec_del_folio(k: Kernel, pfn: number): void {
  const z = folio_zone(k, pfn);
  const f = k.mem_map.flags[pfn];
  const lv = lruvec_of(k, z, pfn);
  if ((k.mem_map.lru_gen_flags[pfn] & LRU_GEN_MASK) !== 0 && lru_gen_del_folio(k, lv, z, pfn, false)) return;
  const lru = folio_lru_list(f);
  k.mem_map.lru.list_del(lv.lists, lru, pfn);
  update_lru_size(k, lv, z, lru, -lru_nr_pages(k, pfn, f));
}

/**
 * Changes the flags of a page and, if it is on an LRU, moves it to the list the new flags name
 * (the del / flag change / add sequence of folio_activate_fn, __munlock_folio, lru_lazyfree_fn…).
 * Returns whether the page was on an LRU.
 */
export function lru_relist(k: Kernel, pfn: number, newFlags: number, tail = false): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & LRU) === 0) {
    mem.flags[pfn] = newFlags;
    return false;
  }
  lruvec_del_folio(k, pfn);
  // A generation page leaves its generation on the way (lru_gen_del_folio clears the gen bits).
  mem.flags[pfn] = newFlags | LRU;
  if (tail) lruvec_add_folio_tail(k, pfn);
  else lruvec_add_folio(k, pfn);
  return true;
}

/** The pages on list `lru` of a lruvec: lruvec_page_state of its NR_LRU_BASE + lru counter. */
export function lruvec_lru_pages(lv: lruvec, pgdat: pglist_data, lru: number): number {
  return lruvec_page_state(lv, pgdat, NR_LRU_BASE + lru);
}

/** The four evictable lists' pages (lru_note_cost's lrusize). */
export function lruvec_evictable_size(lv: lruvec, pgdat: pglist_data): number {
  return lruvec_lru_pages(lv, pgdat, LRU_INACTIVE_ANON) + lruvec_lru_pages(lv, pgdat, LRU_INACTIVE_ANON + LRU_ACTIVE) + lruvec_lru_pages(lv, pgdat, LRU_INACTIVE_FILE) + lruvec_lru_pages(lv, pgdat, LRU_INACTIVE_FILE + LRU_ACTIVE);
}

/** The parent memcg's lruvec on the same node; null for the root's. @kernel include/linux/memcontrol.h parent_lruvec */
export function parent_lruvec(k: Kernel, lv: lruvec, pgdat: pglist_data): lruvec | null {
  if (lv.memcg_id === 0) return null;
  const memcg = k.memcg.byId[lv.memcg_id];
  const parent = memcg?.parent ?? null;
  if (parent === null) return null;
  return parent.id === 0 ? pgdat.__lruvec : parent.nodeinfo[pgdat.node_id];
}
