/**
 * Page migration: moving the contents and the mappings of an isolated folio to a new page, as
 * compaction (mm/compaction.ts) and alloc_contig_range (mm/page_isolation.ts) ask. One folio at a
 * time, as unmap_and_move does it: lock, unmap every PTE through rmap leaving a migration entry
 * (try_to_migrate), move the page cache / swap cache slot and the refcounts
 * (folio_migrate_mapping), copy the flags and the contents (folio_migrate_copy), then walk rmap
 * from the new folio and turn each migration entry back into a PTE for it
 * (remove_migration_ptes). The old page's last reference goes with the isolation's.
 *
 * What cannot move, and the kernel's answer:
 * - a page somebody else holds (a reference beyond its mappings, the isolation's and its cache's:
 *   a pin, an I/O in flight): folio_migrate_mapping's refcount test fails with -EAGAIN, retried
 *   up to 10 passes, then counted in pgmigrate_fail;
 * - a page under writeback: -EBUSY unless mode is MIGRATE_SYNC (see Simplified);
 * - a locked page in MIGRATE_ASYNC mode: -EAGAIN;
 * - unmovable and mlocked pages never get here: isolate_migratepages_block leaves pages off the
 *   LRU (kernel allocations, page tables) and, with compact_unevictable_allowed=0, unevictable ones.
 *
 * Migration entries exist only inside one call (the model runs one thread, so no fault can meet
 * one): the PTE holds a non-swap entry of type SWP_MIGRATION_READ, _READ_EXCLUSIVE or _WRITE
 * whose offset is the old pfn, with the young and dirty bits kept as 6.1 keeps them on x86
 * (migration_entry_supports_ad) and the soft-dirty bit as on a swap PTE.
 *
 * Large folios: a THP (only alloc_contig_range isolates one; compaction skips compound pages,
 * as 6.1) moves whole to a THP target however it is mapped, by huge PMDs, PTEs or both
 * (unmap_and_move_thp); with no target, migrate_pages splits it and moves its pages
 * (thp_migration_success / _fail / _split).
 *
 * hugetlb pages in use (alloc_contig_range isolates them: hugetlb.ts folio_isolate_hugetlb) are
 * migrated first (migrate_hugetlbs, unmap_and_move_huge_page): each huge PTE becomes a migration
 * entry and then maps the new page, a pool page or a temporary fresh one; pgmigrate_success
 * counts their 512 pages each, no THP counter moves.
 *
 * Simplified: no non-LRU movable
 * pages (no zsmalloc or balloon in the model); a page under writeback is not waited for even in
 * MIGRATE_SYNC (the model's writeback completes through the block layer's clock, which migration
 * does not advance), so it fails with -EBUSY; page cache folios with private data (buffer heads)
 * fail with -EBUSY instead of going through buffer_migrate_folio; no NUMA-balancing, memory
 * tiering or cpupid; the caller's folio is copied by its content token (memmap.ts content).
 * @kernel mm/migrate.c migrate_pages, migrate_pages_batch, migrate_hugetlbs, unmap_and_move_huge_page,
 *   migrate_folio_unmap, __migrate_folio_unmap,
 *   migrate_folio_move, __migrate_folio_move, move_to_new_folio,
 *   folio_migrate_mapping, folio_migrate_flags, folio_migrate_copy, migrate_folio,
 *   remove_migration_pte, remove_migration_ptes, putback_movable_pages, folio_expected_refs,
 *   migrate_folio_done, try_split_folio
 * @kernel mm/rmap.c try_to_migrate, try_to_migrate_one
 * @kernel include/linux/swapops.h make_readable_migration_entry, make_writable_migration_entry,
 *   make_readable_exclusive_migration_entry, is_migration_entry
 * @kernel include/linux/migrate_mode.h enum migrate_mode
 * @kernel include/linux/migrate.h enum migrate_reason
 * @kernel include/trace/events/migrate.h mm_migrate_pages
 */
import { flush_tlb_page } from "../arch/x86/tlb.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, _PAGE_SOFT_DIRTY, _PAGE_SWP_SOFT_DIRTY, __swp_type, NO_TABLE, pmd_mkhuge, pmd_offset, pte_present, set_pte_at, swp_entry_flags } from "../arch/x86/pgtable.js";
import { xa_erase, xa_store_folio } from "../lib/xarray.js";
import { mapping_by_id } from "../fs/fs.js";
import {
  F,
  PG_active,
  PG_anon_exclusive,
  PG_dirty,
  PG_error,
  PG_head,
  PG_locked,
  PG_private,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_tail,
  PG_transhuge,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  PG_double_map,
  PG_hugetlb,
  compound_head,
  copy_folio_content,
  copy_page_content,
  folio_nr_pages,
  page_flags,
  type MemMap,
} from "./memmap.js";
import { remove_migration_pmds, set_pmd_migration_entries, split_huge_page_to_list } from "./huge_memory.js";
import { folio_putback_hugetlb, hugetlb_page_inode, migrate_huge_page_move_mapping, move_hugetlb_state, PageHeadHuge, put_huge_page } from "./hugetlb.js";
import { mlock_page, munlock_page } from "./mlock.js";
import { VM_LOCKED, VM_WRITE, type vm_area_struct } from "./mm_types.js";
import { page_add_anon_rmap, page_add_file_rmap, page_remove_rmap, rmap_pte_slot, rmap_vmas, rmap_walk, vma_address } from "./rmap.js";
import { folio_add_lru, folio_putback_lru, put_page } from "./swap.js";
import { get_swap_device } from "./swapfile.js";
import { swp_offset } from "./swapops.js";
import { NO_PFN } from "./types.js";
import { NR_FILE_DIRTY, NR_FILE_PAGES, NR_ISOLATED_ANON, NR_ISOLATED_FILE, NR_SHMEM, NR_SWAPCACHE, PGMIGRATE_FAIL, PGMIGRATE_SUCCESS, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS } from "./vmstat_items.js";

// enum migrate_mode
export const MIGRATE_ASYNC = 0;
export const MIGRATE_SYNC_LIGHT = 1;
export const MIGRATE_SYNC = 2;
export const MIGRATE_SYNC_NO_COPY = 3;

// enum migrate_reason
export const MR_COMPACTION = 0;
export const MR_MEMORY_FAILURE = 1;
export const MR_MEMORY_HOTPLUG = 2;
export const MR_SYSCALL = 3;
export const MR_MEMPOLICY_MBIND = 4;
export const MR_NUMA_MISPLACED = 5;
export const MR_CONTIG_RANGE = 6;
export const MR_LONGTERM_PIN = 7;
export const MR_DEMOTION = 8;
/** The reasons as trace_mm_migrate_pages prints them (MIGRATE_REASON). */
export const migrate_reason_names: readonly string[] = Object.freeze([
  "compaction",
  "memory_failure",
  "memory_hotplug",
  "syscall_or_cpuset",
  "mempolicy_mbind",
  "numa_misplaced",
  "contig_range",
  "longterm_pin",
  "demotion",
]);
const migrate_mode_names: readonly string[] = Object.freeze(["MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC", "MIGRATE_SYNC_NO_COPY"]);

/**
 * The non-swap entry types of a migration (include/linux/swap.h): after the 22 swap files and
 * SWP_HWPOISON, SWP_MIGRATION_READ = 23, SWP_MIGRATION_READ_EXCLUSIVE = 24, SWP_MIGRATION_WRITE = 25.
 */
export const SWP_MIGRATION_READ = 23;
export const SWP_MIGRATION_READ_EXCLUSIVE = 24;
export const SWP_MIGRATION_WRITE = 25;
/**
 * SWP_MIG_YOUNG_BIT and SWP_MIG_DIRTY_BIT: the accessed and dirty bits of the PTE a migration
 * entry replaced. Simplified: the kernel keeps them in the entry's offset bits; the model's PTE
 * keeps the offset (the old pfn) in ent_pfn, so they sit in the flag word's own A and D bits,
 * which a non-present entry does not otherwise use.
 */
// (Plain numbers, not `= _PAGE_ACCESSED`: migrate.ts sits in an import cycle with pgtable.ts,
// and a top-level read of an imported binding fails when this module is evaluated first.)
const SWP_MIG_YOUNG = 0x020; // _PAGE_ACCESSED
const SWP_MIG_DIRTY = 0x040; // _PAGE_DIRTY

/** NR_MAX_MIGRATE_PAGES_RETRY: passes over the list while pages answer -EAGAIN. */
const NR_MAX_MIGRATE_PAGES_RETRY = 10;

const EAGAIN = errnoValues.EAGAIN;
const EBUSY = errnoValues.EBUSY;
const ENOMEM = errnoValues.ENOMEM;
const ENOSYS = errnoValues.ENOSYS;

/** Whether a PTE's flags hold a migration entry. @kernel include/linux/swapops.h is_migration_entry */
export function is_migration_entry_flags(flags: number): boolean {
  if (pte_present(flags) || flags === 0) return false;
  const t = __swp_type(flags);
  return t >= SWP_MIGRATION_READ && t <= SWP_MIGRATION_WRITE;
}

/** A new page for `src`, or NO_PFN (compaction_alloc, alloc_migration_target). */
export type new_page_t<T> = (k: Kernel, src: number, priv: T) => number;
/** Gives back a new page migration did not use (compaction_free); null: put_page. */
export type free_page_t<T> = ((k: Kernel, pfn: number, priv: T) => void) | null;

const COMPOUND = F(PG_head) | F(PG_tail);
const ANON_EXCL = F(PG_anon_exclusive);

/** folio_test_anon: the mapping column holds an anon_vma id. */
function folio_test_anon(k: Kernel, pfn: number): boolean {
  return k.mem_map.mapping[pfn] < 0;
}

/**
 * Unmaps `src` from every PTE mapping it, leaving migration entries: a dirty PTE dirties the
 * folio, an exclusive anonymous page stays exclusive through the entry's type
 * (page_try_share_anon_rmap clears the page's bit; the model has no pins, so that never fails),
 * and each mapping's rmap count and reference go. RSS counters stay: a migration entry is still
 * the mm's page. A VM_LOCKED mapping munlocks the page as 6.1's page_remove_rmap does.
 * @kernel mm/rmap.c try_to_migrate, try_to_migrate_one
 */
export function try_to_migrate(k: Kernel, src: number): void {
  const mem = k.mem_map;
  const pool = k.pgtables;
  // A subpage of a PTE-mapped THP: the folio's flags and reference are its head's; it is not
  // munlocked here (munlock_vma_page leaves a PTE-mapped large folio alone).
  const large = (page_flags(mem, src) & COMPOUND) !== 0;
  const head = large ? compound_head(mem, src) : src;
  const anon = folio_test_anon(k, head);
  rmap_walk(k, src, (vma, addr, i) => {
    const pteval = pool.ent_flags[i];
    // ptep_clear_flush: migration never batches its flushes (no TTU_BATCH_FLUSH in 6.1).
    flush_tlb_page(k, vma, addr);
    if ((pteval & _PAGE_DIRTY) !== 0) mem.flags[head] |= F(PG_dirty);
    const anon_exclusive = anon && (mem.flags[src] & ANON_EXCL) !== 0;
    if (anon_exclusive) mem.flags[src] &= ~ANON_EXCL; // page_try_share_anon_rmap
    const type = (pteval & _PAGE_RW) !== 0 ? SWP_MIGRATION_WRITE : anon_exclusive ? SWP_MIGRATION_READ_EXCLUSIVE : SWP_MIGRATION_READ;
    let flags = swp_entry_flags(type) | (pteval & (SWP_MIG_YOUNG | SWP_MIG_DIRTY));
    if ((pteval & _PAGE_SOFT_DIRTY) !== 0) flags |= _PAGE_SWP_SOFT_DIRTY;
    set_pte_at(pool, i, src, flags);
    page_remove_rmap(k, src);
    if ((vma.vm_flags & VM_LOCKED) !== 0 && !large) munlock_page(k, src);
    mem._refcount[head]--;
    return true;
  });
}

/**
 * The PTE index where `vma` holds a migration entry for `old`, or -1.
 * @kernel mm/page_vma_mapped.c page_vma_mapped_walk (PVMW_MIGRATION)
 */
function migration_pte(k: Kernel, newpfn: number, old: number, vma: vm_area_struct): number {
  const i = rmap_pte_slot(k, newpfn, vma);
  if (i < 0) return -1;
  const pool = k.pgtables;
  return is_migration_entry_flags(pool.ent_flags[i]) && pool.ent_pfn[i] === old ? i : -1;
}

/**
 * Turns every migration entry for `src` into a PTE mapping `dst` (which may be `src` itself when
 * the migration failed): the VMA's protection, write access back only for a writable entry
 * (maybe_mkwrite), old unless the entry was young, dirty only if the folio is, soft-dirty
 * carried; an anonymous folio mapped exclusive unless the entry was a plain read one. A
 * VM_LOCKED mapping mlocks the page again (page_add_anon_rmap's mlock_vma_page).
 * @kernel mm/migrate.c remove_migration_ptes, remove_migration_pte
 */
export function remove_migration_ptes(k: Kernel, src: number, dst: number): void {
  const vmas = rmap_vmas(k, dst);
  if (vmas === null) return;
  const mem = k.mem_map;
  const pool = k.pgtables;
  // A subpage of a THP: the folio's reference and dirty bit are its head's, and a PTE-mapped
  // large folio is not mlocked (mlock_vma_page).
  const large = (page_flags(mem, dst) & COMPOUND) !== 0;
  const head = large ? compound_head(mem, dst) : dst;
  const anon = folio_test_anon(k, head);
  for (const vma of vmas) {
    const i = migration_pte(k, dst, src, vma);
    if (i < 0) continue;
    const entry = pool.ent_flags[i];
    const type = __swp_type(entry);
    mem._refcount[head]++; // folio_get
    let pte = vma.vm_page_prot;
    if ((entry & _PAGE_SWP_SOFT_DIRTY) !== 0) pte |= _PAGE_SOFT_DIRTY;
    if ((entry & SWP_MIG_YOUNG) === 0) pte &= ~_PAGE_ACCESSED;
    else pte |= _PAGE_ACCESSED;
    if ((mem.flags[head] & F(PG_dirty)) !== 0 && (entry & SWP_MIG_DIRTY) !== 0) pte |= _PAGE_DIRTY;
    if (type === SWP_MIGRATION_WRITE) {
      if ((vma.vm_flags & VM_WRITE) !== 0) pte |= _PAGE_RW;
    } else pte &= ~_PAGE_RW;
    if (anon) page_add_anon_rmap(k, dst, vma, vma_address(k, dst, vma), type !== SWP_MIGRATION_READ);
    else page_add_file_rmap(k, dst);
    set_pte_at(pool, i, dst, pte);
    if ((vma.vm_flags & VM_LOCKED) !== 0 && !large) mlock_page(k, dst);
  }
}

/**
 * The references a folio of this kind holds when nobody but migration has it: the isolation's,
 * plus the page cache's or swap cache's (one per page), plus one for private data.
 * @kernel mm/migrate.c folio_expected_refs
 */
function folio_expected_refs(k: Kernel, pfn: number, has_mapping: boolean): number {
  let refs = 1;
  if (!has_mapping) return refs;
  refs += 1;
  if ((k.mem_map.flags[pfn] & F(PG_private)) !== 0) refs++;
  return refs;
}

/** Moves a node counter from src's node to dst's when they differ. */
function move_node_stat(k: Kernel, src: number, dst: number, item: number): void {
  const a = k.page_zone(src);
  const b = k.page_zone(dst);
  if (a === undefined || b === undefined) throw new KernelBug("migration of a page in a hole", { src, dst });
  if (a.zone_pgdat === b.zone_pgdat) return;
  a.zone_pgdat.vm_stat[item]--;
  b.zone_pgdat.vm_stat[item]++;
}

/**
 * Moves the folio's place in its mapping to `dst`: for an anonymous folio outside the swap cache
 * only mapping and index; for a swap cache or page cache folio the cache slot, the cache's
 * reference, PG_swapcache and the entry, and the node counters when the nodes differ. Fails
 * with -EAGAIN when the folio holds a reference beyond the expected ones.
 * @kernel mm/migrate.c folio_migrate_mapping
 */
function folio_migrate_mapping(k: Kernel, dst: number, src: number): number {
  const mem = k.mem_map;
  const f = mem.flags[src];
  const swapcache = (f & F(PG_swapcache)) !== 0;
  const file = mem.mapping[src] > 0;
  const expected = folio_expected_refs(k, src, swapcache || file);
  if (!swapcache && !file) {
    if (mem._refcount[src] !== expected) return -EAGAIN;
    mem.index[dst] = mem.index[src];
    mem.mapping[dst] = mem.mapping[src];
    if ((f & F(PG_swapbacked)) !== 0) mem.flags[dst] |= F(PG_swapbacked);
    return 0;
  }
  if (mem._refcount[src] !== expected) return -EAGAIN;
  // folio_ref_add(newfolio, nr): the cache's reference moves.
  mem._refcount[dst] += 1;
  mem.index[dst] = mem.index[src];
  mem.mapping[dst] = mem.mapping[src];
  if ((f & F(PG_swapbacked)) !== 0) mem.flags[dst] |= F(PG_swapbacked);
  if (swapcache) {
    const entry = mem.private[src];
    const si = get_swap_device(k, entry);
    if (si === null || si.cache_pfn[swp_offset(entry)] !== src) throw new KernelBug("folio_migrate_mapping: swap cache slot does not hold the folio", { src, entry });
    mem.flags[dst] |= F(PG_swapcache);
    mem.private[dst] = entry;
    si.cache_pfn[swp_offset(entry)] = dst;
    move_node_stat(k, src, dst, NR_SWAPCACHE);
  } else {
    const as = mapping_by_id(k, mem.mapping[src]);
    if (as === undefined) throw new KernelBug("folio_migrate_mapping: page cache folio without its mapping", { src });
    xa_erase(as.i_pages, mem.index[src]);
    xa_store_folio(as.i_pages, mem.index[src], dst);
    if ((f & F(PG_swapbacked)) !== 0) move_node_stat(k, src, dst, NR_SHMEM);
  }
  // The dirty bit moves with the mapping (its NR_FILE_DIRTY with it).
  if ((f & F(PG_dirty)) !== 0) {
    mem.flags[src] &= ~F(PG_dirty);
    mem.flags[dst] |= F(PG_dirty);
    if (file && (f & F(PG_swapbacked)) === 0) move_node_stat(k, src, dst, NR_FILE_DIRTY);
  }
  move_node_stat(k, src, dst, NR_FILE_PAGES);
  // The cache's reference leaves the old folio.
  mem._refcount[src] -= 1;
  return 0;
}

/**
 * The flags a migration carries to the new folio: error, referenced, uptodate, workingset,
 * PageAnonExclusive, dirty; active or unevictable moves (cleared on the old one, so putting it
 * back does not count it there); and the memcg (mem_cgroup_migrate). Shared by the order-0 and
 * the whole-THP paths.
 * @kernel mm/migrate.c folio_migrate_flags
 * @kernel mm/memcontrol.c mem_cgroup_migrate
 */
function folio_migrate_flags(mem: MemMap, dst: number, src: number): void {
  const f = mem.flags[src];
  let d = mem.flags[dst] | (f & (F(PG_error) | F(PG_referenced) | F(PG_uptodate) | F(PG_workingset) | F(PG_anon_exclusive) | F(PG_dirty)));
  let s = f;
  if ((f & F(PG_active)) !== 0) {
    s &= ~F(PG_active);
    d |= F(PG_active);
  } else if ((f & F(PG_unevictable)) !== 0) {
    s &= ~F(PG_unevictable);
    d |= F(PG_unevictable);
  }
  mem.flags[src] = s;
  mem.flags[dst] = d;
  mem.memcg[dst] = mem.memcg[src];
}

/**
 * Copies the folio's state to `dst`: error, referenced, uptodate, active or unevictable (cleared
 * on the old one), workingset, mappedtodisk (PageAnonExclusive of an anonymous page), dirty,
 * then the contents and page_owner's allocation time; the old folio loses PG_swapcache and its
 * private value.
 * @kernel mm/migrate.c folio_migrate_flags, folio_migrate_copy
 * @kernel mm/page_owner.c __folio_copy_owner
 */
function folio_migrate_copy(k: Kernel, dst: number, src: number): void {
  const mem = k.mem_map;
  folio_migrate_flags(mem, dst, src);
  mem.flags[src] &= ~(F(PG_swapcache) | F(PG_private));
  mem.private[src] = 0;
  copy_page_content(mem, dst, src); // folio_copy
  mem.page_owner_ts[dst] = mem.page_owner_ts[src]; // folio_copy_owner: the page keeps its allocation time
}

/**
 * Migrates one isolated order-0 folio to a page from `get_new_page` (6.1.0's unmap_and_move;
 * 6.1.176 splits it into migrate_folio_unmap and migrate_folio_move around a batch). 0 on success (the old
 * folio's isolation reference dropped, the new one back on the LRU); -EAGAIN (retry),
 * -EBUSY or -ENOMEM (give up) otherwise, the old folio still isolated and mapped.
 * @kernel mm/migrate.c migrate_folio_unmap, __migrate_folio_unmap, migrate_folio_move,
 *   __migrate_folio_move, move_to_new_folio, migrate_folio,
 *   migrate_folio_done
 */
function unmap_and_move<T>(k: Kernel, get_new_page: new_page_t<T>, put_new_page: free_page_t<T>, priv: T, src: number, _mode: number): number {
  const mem = k.mem_map;
  const f = mem.flags[src];
  if (mem._refcount[src] === 1) {
    // The folio was freed from under us (every mapping went while it was isolated).
    mem.flags[src] = f & ~(F(PG_active) | F(PG_unevictable));
    dec_isolated(k, src);
    put_page(k, src);
    return 0;
  }
  if ((page_flags(mem, src) & COMPOUND) !== 0) return (f & F(PG_transhuge)) !== 0 ? unmap_and_move_thp(k, get_new_page, priv, src) : -EBUSY;
  const dst = get_new_page(k, src, priv);
  if (dst === NO_PFN) return -ENOMEM;
  let rc = 0;
  if ((f & F(PG_locked)) !== 0) rc = -EAGAIN; // folio_trylock failed; sync modes would wait, the model never holds it
  else if ((f & F(PG_writeback)) !== 0) rc = -EBUSY;
  else if (mem.mapping[src] > 0 && (f & F(PG_private)) !== 0) rc = -EBUSY;
  if (rc === 0) {
    const was_mapped = mem.mapcount[src] > 0;
    if (was_mapped) try_to_migrate(k, src);
    if (mem.mapcount[src] !== 0) rc = -EAGAIN;
    else {
      rc = folio_migrate_mapping(k, dst, src);
      if (rc === 0) folio_migrate_copy(k, dst, src);
    }
    if (was_mapped) remove_migration_ptes(k, src, rc === 0 ? dst : src);
  }
  if (rc !== 0) {
    if (put_new_page !== null) put_new_page(k, dst, priv);
    else put_page(k, dst);
    return rc;
  }
  // The new folio goes on the LRU with the isolation reference of the old one's list.
  dec_isolated(k, src);
  folio_putback_lru(k, dst);
  // migrate_folio_done + folio_put: the isolation reference was the last.
  put_page(k, src);
  return 0;
}

/**
 * Migrates an isolated anonymous THP whole to a THP from `get_new_page` (a folio of the same
 * order), however it is mapped: by huge PMDs, by PTEs (its PMD split, by mprotect of part of it
 * say), or both at once (DoubleMap: one process's PMD split while another's still maps it
 * whole). As 6.1's migrate_folio_unmap does through try_to_migrate, every PTE of every subpage
 * and every huge PMD becomes a migration entry, dropping its rmap count, mlock and reference;
 * then folio_migrate_mapping's reference test (only the isolation's may be left: -EAGAIN
 * otherwise, and everything is mapped back to the old folio); then the mapping, index, flags,
 * memcg, page_owner stamp and the 512 pages' contents, the new folio onto the LRU (before its
 * mappings come back, so that an mlocked one is mlocked there), and each entry maps the same
 * subpage of the new folio again (remove_migration_ptes, remove_migration_pmd), mlocked again in
 * a VM_LOCKED VMA. The old folio is freed. 0 on success; -EAGAIN when it is locked or pinned;
 * -EBUSY under writeback; -ENOMEM when no target could be had, which migrate_pages answers by
 * splitting the THP and migrating its pages; -ENOSYS for what the model cannot have (a file THP,
 * a THP in the swap cache: reclaim splits a THP before swap-out).
 *
 * 6.1's counters through a DoubleMap THP's migration: unmapping its last PMD clears PG_double_map
 * and, its PTEs already gone, takes its 512 pages out of NR_ANON_MAPPED; the new folio gets its
 * PMDs (+512) and its PTEs (+1 for each subpage a PTE maps) back without PG_double_map, so
 * AnonPages counts those subpages twice until the last PMD goes. The model does the same.
 * Unmapping a PTE-mapped THP queues it for a deferred split as in 6.1 (page_remove_rmap of a
 * subpage: thp_deferred_split_page + 1 if it was not queued); the new folio is not queued.
 * @kernel mm/migrate.c migrate_folio_unmap, migrate_folio_move, folio_migrate_flags, folio_copy
 * @kernel mm/rmap.c try_to_migrate, try_to_migrate_one
 */
function unmap_and_move_thp<T>(k: Kernel, get_new_page: new_page_t<T>, priv: T, src: number): number {
  const mem = k.mem_map;
  const f = mem.flags[src];
  const nr = folio_nr_pages(mem, src);
  if ((f & F(PG_locked)) !== 0) return -EAGAIN;
  if ((f & F(PG_writeback)) !== 0) return -EBUSY;
  if (mem.mapping[src] >= 0 || (f & F(PG_swapcache)) !== 0) return -ENOSYS;
  const dst = get_new_page(k, src, priv);
  if (dst === NO_PFN) return -ENOMEM;
  if ((mem.flags[dst] & F(PG_head)) === 0 || folio_nr_pages(mem, dst) !== nr) throw new KernelBug("THP migration target is not a folio of the same order", { src, dst });
  // try_to_migrate: the subpages' PTEs (a subpage's mapcount holds one more than its PTEs
  // under DoubleMap), then the PMDs.
  const double = (mem.flags[src + 1] & F(PG_double_map)) !== 0 ? 1 : 0;
  // page_was_mapped, for the PTE half: whether any subpage had a PTE to turn back.
  let pte_mapped = false;
  for (let i = 0; i < nr; i++) {
    if (mem.mapcount[src + i] <= double) continue;
    pte_mapped = true;
    try_to_migrate(k, src + i);
  }
  const pmds = set_pmd_migration_entries(k, src);
  // folio_migrate_mapping's reference test: only the isolation's may be left.
  let rc = mem._refcount[src] === 1 ? 0 : -EAGAIN;
  for (let i = 0; i < nr && rc === 0; i++) if (mem.mapcount[src + i] !== 0) rc = -EAGAIN;
  if (rc !== 0) {
    remove_migration_pmds(k, pmds, src);
    if (pte_mapped) for (let i = 0; i < nr; i++) remove_migration_ptes(k, src + i, src + i);
    put_page(k, dst);
    return rc;
  }
  // folio_migrate_mapping for an anonymous folio outside the swap cache: mapping and index.
  mem.mapping[dst] = mem.mapping[src];
  mem.index[dst] = mem.index[src];
  // folio_migrate_mapping's __folio_set_swapbacked of an anonymous folio, then the flags.
  mem.flags[dst] |= f & F(PG_swapbacked);
  folio_migrate_flags(mem, dst, src);
  copy_folio_content(mem, dst, src, nr); // folio_copy
  mem.page_owner_ts[dst] = mem.page_owner_ts[src]; // folio_copy_owner: the head's stamp stands for the tails'
  // migrate_folio_move: "push dst to LRU immediately: so that if it turns out to be an mlocked
  // page, remove_migration_ptes() will automatically build up the correct dst->mlock_count".
  dec_isolated(k, src);
  folio_add_lru(k, dst);
  remove_migration_pmds(k, pmds, dst);
  if (pte_mapped) for (let i = 0; i < nr; i++) remove_migration_ptes(k, src + i, dst + i);
  // "If migration is successful, decrease refcount of dst, which will not free the page
  // because new page owner increased refcounter."
  put_page(k, dst);
  put_page(k, src);
  return 0;
}

/**
 * The PMD slot where `vma` maps hugetlb page `head` (whatever it holds now), or -1 when its index
 * falls outside the VMA or no PMD table covers the address.
 * @kernel mm/page_vma_mapped.c page_vma_mapped_walk (the hugetlb case)
 */
/** The VMAs that may map hugetlb page `head`: its anon_vma's, or its hugetlbfs file's i_mmap. */
function hugetlb_rmap_vmas(k: Kernel, head: number): Iterable<vm_area_struct> | null {
  if (k.mem_map.mapping[head] > 0) return hugetlb_page_inode(k, head)?.i_mapping.i_mmap ?? null;
  return rmap_vmas(k, head);
}

function hugetlb_pmd_slot(k: Kernel, head: number, vma: vm_area_struct): number {
  const addr = vma_address(k, head, vma);
  if (addr < 0 || vma.vm_mm.pgd === NO_TABLE) return -1;
  return pmd_offset(k, vma.vm_mm.pgd, addr);
}

/**
 * try_to_migrate for a hugetlb page: each huge PTE (a PMD leaf) mapping it becomes a migration
 * entry as for a base page (write, exclusive-read or read; young, dirty and soft-dirty kept; a
 * dirty PTE dirties the folio), the compound mapcount and the mapping's reference go.
 * hugetlb_usage stays: the entry is still the mm's page.
 * @kernel mm/rmap.c try_to_migrate, try_to_migrate_one (the hugetlb case)
 */
function try_to_migrate_hugetlb(k: Kernel, src: number): void {
  const vmas = hugetlb_rmap_vmas(k, src);
  if (vmas === null) return;
  const mem = k.mem_map;
  const pool = k.pgtables;
  const anon = folio_test_anon(k, src);
  for (const vma of vmas) {
    const i = hugetlb_pmd_slot(k, src, vma);
    if (i < 0) continue;
    const pteval = pool.ent_flags[i];
    if (!pte_present(pteval) || pool.ent_pfn[i] !== src) continue;
    flush_tlb_page(k, vma, vma_address(k, src, vma)); // huge_ptep_clear_flush
    if ((pteval & _PAGE_DIRTY) !== 0) mem.flags[src] |= F(PG_dirty); // folio_mark_dirty
    const anon_exclusive = anon && (mem.flags[src] & ANON_EXCL) !== 0;
    if (anon_exclusive) mem.flags[src] &= ~ANON_EXCL; // page_try_share_anon_rmap
    const type = (pteval & _PAGE_RW) !== 0 ? SWP_MIGRATION_WRITE : anon_exclusive ? SWP_MIGRATION_READ_EXCLUSIVE : SWP_MIGRATION_READ;
    let flags = swp_entry_flags(type) | (pteval & (SWP_MIG_YOUNG | SWP_MIG_DIRTY));
    if ((pteval & _PAGE_SOFT_DIRTY) !== 0) flags |= _PAGE_SWP_SOFT_DIRTY;
    set_pte_at(pool, i, src, flags);
    mem.private[src + 1]--; // page_remove_rmap(compound): the hugetlb compound mapcount
    mem._refcount[src]--; // folio_put
  }
}

/**
 * remove_migration_ptes for a hugetlb page: each migration entry for `src` becomes a huge PTE
 * for `dst` (`src` itself when the migration failed), built as for a base page (the VMA's
 * protection, write back only for a writable entry, old unless young, dirty if the folio and
 * the entry are) and made huge (arch_make_huge_pte); hugepage_add_anon_rmap (exclusive unless
 * the entry was a plain read one) or page_dup_file_rmap, a reference each.
 * @kernel mm/migrate.c remove_migration_ptes, remove_migration_pte (the hugetlb case)
 * @kernel mm/rmap.c hugepage_add_anon_rmap
 */
function remove_migration_ptes_hugetlb(k: Kernel, src: number, dst: number): void {
  const vmas = hugetlb_rmap_vmas(k, dst);
  if (vmas === null) return;
  const mem = k.mem_map;
  const pool = k.pgtables;
  const anon = folio_test_anon(k, dst);
  for (const vma of vmas) {
    const i = hugetlb_pmd_slot(k, dst, vma);
    if (i < 0) continue;
    const entry = pool.ent_flags[i];
    if (!is_migration_entry_flags(entry) || pool.ent_pfn[i] !== src) continue;
    const type = __swp_type(entry);
    mem._refcount[dst]++; // folio_get
    let pte = vma.vm_page_prot;
    if ((entry & _PAGE_SWP_SOFT_DIRTY) !== 0) pte |= _PAGE_SOFT_DIRTY;
    if ((entry & SWP_MIG_YOUNG) === 0) pte &= ~_PAGE_ACCESSED;
    else pte |= _PAGE_ACCESSED;
    if ((mem.flags[dst] & F(PG_dirty)) !== 0 && (entry & SWP_MIG_DIRTY) !== 0) pte |= _PAGE_DIRTY;
    if (type === SWP_MIGRATION_WRITE) {
      if ((vma.vm_flags & VM_WRITE) !== 0) pte |= _PAGE_RW;
    } else pte &= ~_PAGE_RW;
    // hugepage_add_anon_rmap: the first mapping sets PageAnonExclusive when asked (the folio's
    // mapping and index came over with folio_migrate_mapping); page_dup_file_rmap: the count.
    if (anon && ++mem.private[dst + 1] === 1 && type !== SWP_MIGRATION_READ) mem.flags[dst] |= ANON_EXCL;
    else if (!anon) mem.private[dst + 1]++;
    set_pte_at(pool, i, dst, pmd_mkhuge(pte));
  }
}

/**
 * move_to_new_folio for a hugetlb page: an anonymous one (migrate_folio) needs no reference but
 * the isolation's (-EAGAIN otherwise: pinned), then takes its mapping and index over; a shared
 * one moves its hugetlbfs page cache slot (hugetlbfs_migrate_folio). Then the flags, memcg,
 * contents and page_owner stamp (folio_migrate_copy); the hugetlb page flags in page->private
 * stay each page's own.
 * @kernel mm/migrate.c move_to_new_folio, migrate_folio, folio_migrate_mapping, folio_migrate_copy
 */
function move_to_new_hugetlb_folio(k: Kernel, dst: number, src: number, nr: number): number {
  const mem = k.mem_map;
  if (mem.mapping[src] > 0) {
    const rc = migrate_huge_page_move_mapping(k, dst, src);
    if (rc !== 0) return rc;
  } else {
    if (mem._refcount[src] !== 1) return -EAGAIN;
    mem.index[dst] = mem.index[src];
    mem.mapping[dst] = mem.mapping[src];
  }
  folio_migrate_flags(mem, dst, src);
  copy_folio_content(mem, dst, src, nr); // folio_copy
  mem.page_owner_ts[dst] = mem.page_owner_ts[src]; // folio_copy_owner
  return 0;
}

/**
 * Migrates one isolated hugetlb page in use to a page from `get_new_page` (a free pool page or a
 * temporary fresh one: hugetlb.ts alloc_huge_page_nodemask): every huge PTE becomes a migration
 * entry, the mapping and contents move, the entries point at the new page. On success the new
 * page takes the old one's place (move_hugetlb_state) and the old one, un-isolated, is freed by
 * its last reference: to the pool, or to the buddy allocator when surplus or temporary. -ENOMEM
 * when no target page could be had; -EAGAIN when it is pinned (a reference beyond its mappings,
 * its page cache and the isolation); the target goes back (folio_put) on failure.
 * Simplified: the model never holds a hugetlb page locked (no folio_trylock wait), and the
 * internal hugetlbfs mount has no subpool (so the page being freed check cannot fire).
 * @kernel mm/migrate.c unmap_and_move_huge_page
 */
function unmap_and_move_huge_page<T>(k: Kernel, get_new_page: new_page_t<T>, put_new_page: free_page_t<T>, priv: T, src: number): number {
  const mem = k.mem_map;
  if (mem._refcount[src] === 1) {
    // The page was freed from under us (every mapping went while it was isolated).
    folio_putback_hugetlb(k, src);
    return 0;
  }
  const dst = get_new_page(k, src, priv);
  if (dst === NO_PFN) return -ENOMEM;
  const nr = folio_nr_pages(mem, src);
  if (!PageHeadHuge(k, dst) || folio_nr_pages(mem, dst) !== nr) throw new KernelBug("hugetlb migration target is not a hugetlb page of the same size", { src, dst });
  let rc = -EAGAIN;
  const was_mapped = mem.private[src + 1] > 0;
  if (was_mapped) try_to_migrate_hugetlb(k, src);
  if (mem.private[src + 1] === 0) rc = move_to_new_hugetlb_folio(k, dst, src, nr);
  if (was_mapped) remove_migration_ptes_hugetlb(k, src, rc === 0 ? dst : src);
  if (rc === 0) {
    move_hugetlb_state(k, src, dst);
    folio_putback_hugetlb(k, src);
    put_huge_page(k, dst);
  } else if (put_new_page !== null) put_new_page(k, dst, priv);
  else put_huge_page(k, dst);
  return rc;
}

/**
 * The hugetlb pages on list `from`, migrated before anything else on it: up to 10 passes while
 * some answer -EAGAIN; -ENOMEM stops everything; a page that fails stays on the list. Each
 * success counts its 512 pages in `stats[0]` (pgmigrate_success), each failure in `stats[1]`
 * (pgmigrate_fail); no THP counter moves. The number of pages that did not move, or -ENOMEM.
 * @kernel mm/migrate.c migrate_hugetlbs
 */
function migrate_hugetlbs<T>(k: Kernel, heads: Int32Array, from: number, get_new_page: new_page_t<T>, put_new_page: free_page_t<T>, priv: T, stats: Float64Array): number {
  const mem = k.mem_map;
  let retry = 1;
  let nr_failed = 0;
  let nr_retry_pages = 0;
  // Pages failed for good leave the walk (ret_folios); they join the list again at the end.
  const ret = new Int32Array([NO_PFN]);
  let rc = 0;
  outer: for (let pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
    retry = 0;
    nr_retry_pages = 0;
    for (let p = heads[from]; p !== NO_PFN; ) {
      const next = mem.lru.list_next(heads, from, p);
      if (!PageHeadHuge(k, p)) {
        p = next;
        continue;
      }
      const nr_pages = folio_nr_pages(mem, p);
      mem.lru.list_del(heads, from, p);
      rc = unmap_and_move_huge_page(k, get_new_page, put_new_page, priv, p);
      if (rc === 0) stats[0] += nr_pages;
      else if (rc === -EAGAIN || rc === -ENOMEM) {
        // Stays on the list, where it was.
        if (next === NO_PFN) mem.lru.list_add_tail(heads, from, p);
        else mem.lru.list_add_before(heads, from, next, p);
        if (rc === -ENOMEM) {
          stats[1] += nr_pages + nr_retry_pages;
          break outer;
        }
        retry++;
        nr_retry_pages += nr_pages;
      } else {
        nr_failed++;
        stats[1] += nr_pages;
        mem.lru.list_add_tail(ret, 0, p);
      }
      p = next;
    }
  }
  for (let p = ret[0]; p !== NO_PFN; p = ret[0]) {
    mem.lru.list_del(ret, 0, p);
    mem.lru.list_add_tail(heads, from, p);
  }
  if (rc === -ENOMEM) return -ENOMEM;
  nr_failed += retry;
  stats[1] += nr_retry_pages;
  return nr_failed;
}

/**
 * Splits an isolated large folio that could not move whole onto list `split` (head and tails,
 * each isolated with a reference), for migrate_pages to move page by page. Whether it split.
 * @kernel mm/migrate.c try_split_folio
 */
function try_split_folio(k: Kernel, head: number, split: Int32Array): boolean {
  if (split_huge_page_to_list(k, head, split, 0) !== 0) return false;
  k.mem_map.lru.list_add(split, 0, head);
  return true;
}

/** NR_ISOLATED_ANON / NR_ISOLATED_FILE down by the folio's pages as it leaves isolation. */
function dec_isolated(k: Kernel, pfn: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("isolated page in a hole", { pfn });
  z.zone_pgdat.vm_stat[(k.mem_map.flags[pfn] & F(PG_swapbacked)) !== 0 ? NR_ISOLATED_ANON : NR_ISOLATED_FILE] -= folio_nr_pages(k.mem_map, pfn);
}

/**
 * Puts isolated folios back: each off list `from` and onto its LRU, NR_ISOLATED_* down; a
 * hugetlb page back on its hstate's active list (folio_putback_hugetlb).
 * @kernel mm/migrate.c putback_movable_pages
 */
export function putback_movable_pages(k: Kernel, heads: Int32Array, from: number): void {
  const mem = k.mem_map;
  for (let p = heads[from]; p !== NO_PFN; p = heads[from]) {
    mem.lru.list_del(heads, from, p);
    if (PageHeadHuge(k, p)) {
      folio_putback_hugetlb(k, p);
      continue;
    }
    dec_isolated(k, p);
    folio_putback_lru(k, p);
  }
}

/**
 * Migrates every folio on list `from` (threaded through the lru links), each to a page from
 * `get_new_page`. Folios that answer -EAGAIN are tried again, up to 10 passes; -ENOMEM stops
 * everything. A THP that cannot move whole (-ENOMEM: no target THP; -ENOSYS: see
 * unmap_and_move_thp) is split and its pages migrated after the rest, in passes of their own
 * that count nothing as failed folios (thp_migration_fail and thp_migration_split + 1 each).
 * Folios that did not move stay on `from` for the caller's putback_movable_pages.
 * Returns the number of folios that did not move (a split THP whose pages all moved counts
 * none), or -ENOMEM; `nr_succeeded[0]` gets the pages moved. pgmigrate_success and
 * pgmigrate_fail count pages, thp_migration_success / _fail / _split THPs; on -ENOMEM only the
 * folio that met it and those waiting for a retry count as failed (hp-compact's real
 * pgmigrate_fail is 1 after a compact_memory run whose scanners met: the last batch ran out of
 * targets).
 * Simplified: one folio at a time; 6.1.176's migrate_pages_batch unmaps a whole batch before
 * moving it, which changes only the order in which the old pages are freed. hugetlb pages on the
 * list go first (migrate_hugetlbs) and count in pgmigrate_success / _fail only.
 * @kernel mm/migrate.c migrate_pages, migrate_pages_batch
 * @kernel include/trace/events/migrate.h mm_migrate_pages
 */
export function migrate_pages<T>(
  k: Kernel,
  heads: Int32Array,
  from: number,
  get_new_page: new_page_t<T>,
  put_new_page: free_page_t<T>,
  priv: T,
  mode: number,
  reason: number,
  nr_succeeded: Int32Array,
): number {
  const mem = k.mem_map;
  const nosplit = reason === MR_NUMA_MISPLACED;
  // split_folios: a list of its own, made only when a THP is split (not a hot path).
  let split: Int32Array | null = null;
  let nr_failed = 0;
  let nr_large_failed = 0;
  let nr_failed_pages = 0;
  let succeeded = 0;
  let thp_succeeded = 0;
  let thp_failed = 0;
  let thp_split = 0;
  let rc = 0;
  let list = heads;
  let li = from;
  let no_split_folio_counting = false;
  // The hugetlb pages first (migrate_hugetlbs); the walk below steps over those that stay.
  let hugetlb_failed = 0;
  for (let p = heads[from]; p !== NO_PFN; p = mem.lru.list_next(heads, from, p)) {
    if (!PageHeadHuge(k, p)) continue;
    const stats = new Float64Array(2);
    hugetlb_failed = migrate_hugetlbs(k, heads, from, get_new_page, put_new_page, priv, stats);
    succeeded += stats[0];
    nr_failed_pages += stats[1];
    if (hugetlb_failed < 0) rc = hugetlb_failed;
    break;
  }
  for (; rc === 0; ) {
    let retry = 1;
    let large_retry = 1;
    let thp_retry = 0;
    let nr_retry_pages = 0;
    outer: for (let pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && (retry || large_retry); pass++) {
      retry = 0;
      large_retry = 0;
      thp_retry = 0;
      nr_retry_pages = 0;
      for (let p = list[li]; p !== NO_PFN; ) {
        const next = mem.lru.list_next(list, li, p);
        const is_large = (mem.flags[p] & F(PG_head)) !== 0;
        if (is_large && (mem.flags[p] & F(PG_hugetlb)) !== 0) {
          // Retried hugetlb pages are kept on the list.
          p = next;
          continue;
        }
        const is_thp = is_large && (mem.flags[p] & F(PG_transhuge)) !== 0 ? 1 : 0;
        const nr_pages = folio_nr_pages(mem, p);
        // The folio leaves the list for the attempt and comes back to it when it fails.
        mem.lru.list_del(list, li, p);
        const r = unmap_and_move(k, get_new_page, put_new_page, priv, p, mode);
        if (r === 0) {
          succeeded += nr_pages;
          thp_succeeded += is_thp;
          p = next;
          continue;
        }
        if (is_large && (r === -ENOSYS || r === -ENOMEM)) {
          nr_large_failed++;
          thp_failed += is_thp;
          // NUMA-balancing faults do not split a THP to retry it.
          if (r === -ENOSYS || !nosplit) {
            split ??= new Int32Array([NO_PFN]);
            if (try_split_folio(k, p, split)) {
              thp_split += is_thp;
              p = next;
              continue;
            }
          }
        }
        if (next === NO_PFN) mem.lru.list_add_tail(list, li, p);
        else mem.lru.list_add_before(list, li, next, p);
        if (r === -EAGAIN) {
          if (is_large) {
            large_retry++;
            thp_retry += is_thp;
          } else if (!no_split_folio_counting) retry++;
          nr_retry_pages += nr_pages;
        } else if (r === -ENOMEM) {
          // Out of target pages: this folio and the ones waiting for a retry count as failed,
          // the rest are simply handed back (migrate_pages_batch's -ENOMEM).
          if (!is_large && !no_split_folio_counting) nr_failed++;
          nr_failed_pages += nr_pages + nr_retry_pages;
          nr_failed += retry;
          nr_large_failed += large_retry;
          thp_failed += thp_retry;
          rc = -ENOMEM;
          break outer;
        } else {
          if (is_large) {
            if (r !== -ENOSYS) {
              nr_large_failed++;
              thp_failed += is_thp;
            }
          } else if (!no_split_folio_counting) nr_failed++;
          nr_failed_pages += nr_pages;
        }
        p = next;
      }
    }
    if (rc === 0) {
      nr_failed += retry;
      nr_large_failed += large_retry;
      thp_failed += thp_retry;
      nr_failed_pages += nr_retry_pages;
    }
    // Then the pages of the THPs split above, counting no folio as failed (the THP was).
    if (rc !== 0 || split === null || split[0] === NO_PFN || list === split) break;
    list = split;
    li = 0;
    no_split_folio_counting = true;
  }
  // What is left of split THPs joins the caller's list for its putback.
  if (split !== null) {
    for (let p = split[0]; p !== NO_PFN; p = split[0]) {
      mem.lru.list_del(split, 0, p);
      mem.lru.list_add_tail(heads, from, p);
    }
  }
  let ret = rc === 0 ? hugetlb_failed + nr_failed + nr_large_failed : rc;
  if (rc === 0 && heads[from] === NO_PFN) ret = 0;
  k.vm_events[PGMIGRATE_SUCCESS] += succeeded;
  k.vm_events[PGMIGRATE_FAIL] += nr_failed_pages;
  k.vm_events[THP_MIGRATION_SUCCESS] += thp_succeeded;
  k.vm_events[THP_MIGRATION_FAIL] += thp_failed;
  k.vm_events[THP_MIGRATION_SPLIT] += thp_split;
  nr_succeeded[0] = succeeded;
  if (k.trace.enabled("mm_migrate_pages")) {
    k.trace.emit(
      "mm_migrate_pages",
      { succeeded, failed: nr_failed_pages, mode, reason },
      `nr_succeeded=${succeeded} nr_failed=${nr_failed_pages} nr_thp_succeeded=${thp_succeeded} nr_thp_failed=${thp_failed} nr_thp_split=${thp_split} mode=${migrate_mode_names[mode]} reason=${migrate_reason_names[reason]}`,
    );
  }
  return ret;
}
