/**
 * Reverse mapping: the per-page side of rmap (mapcount, page->mapping and page->index, the
 * PageAnonExclusive bit, NR_ANON_MAPPED / NR_FILE_MAPPED) and the walk that finds every PTE
 * mapping a page, which reclaim uses through folio_referenced and try_to_unmap.
 *
 * page->mapping encoding (shared with mm_types.ts and shmem.ts): an anonymous page holds
 * -anon_vma.id (the kernel's anon_vma pointer | PAGE_MAPPING_ANON), a file page the positive id
 * of its address_space, 0 none. The anon_vma lifecycle (prepare, clone, fork, unlink) lives in
 * mm_types.ts beside the shapes; this file adds what a page needs.
 *
 * page->index of an anonymous page is its linear page index, the virtual page number (up to
 * 2^35). The memmap column is 32 bits, so it holds the index modulo 2^32; vma_address computes
 * (index - vm_pgoff) in 32-bit arithmetic, which is exact for any VMA under 2^32 pages (16 TiB).
 *
 * Compound pages (THP) as 6.1 counts them: a PMD mapping counts in the head's
 * compound_mapcount (page[1].private here) and moves NR_ANON_THPS and NR_ANON_MAPPED by 512 when
 * it is the first or the last; a PTE mapping of a subpage counts in the subpage's own mapcount
 * and NR_ANON_MAPPED by one. While PMD and PTE mappings coexist (PG_double_map on page[1]), every
 * subpage carries one extra mapcount, so NR_ANON_MAPPED counts each page once (6.1's DoubleMap;
 * see __split_huge_pmd_locked). PageAnon, the index and the anon_vma of a subpage are its head's.
 * A subpage that loses its last PTE mapping queues the THP for a deferred split.
 *
 * Simplified: no KSM, no page pinning (so page_try_dup_anon_rmap never fails), no mlock
 * bookkeeping on unmap (munlock_vma_page belongs to mlock.ts's LRU work), rmap walks without
 * anon_vma/i_mmap locks (the model is single-threaded).
 * @kernel mm/rmap.c page_add_new_anon_rmap, page_add_anon_rmap, __page_set_anon_rmap,
 *   page_move_anon_rmap, page_add_file_rmap, page_remove_rmap, rmap_walk_anon, rmap_walk_file,
 *   folio_referenced, folio_referenced_one, try_to_unmap, try_to_unmap_one, vma_address
 * @kernel include/linux/rmap.h page_dup_file_rmap, page_try_dup_anon_rmap, __page_dup_rmap
 * @kernel include/linux/page-flags.h PageAnonExclusive
 * @kernel mm/rmap.c page_remove_anon_compound_rmap
 * @kernel mm/util.c __page_mapcount, folio_mapcount, folio_mapped
 */
import { __mod_memcg_page_state } from "./memcontrol.js";
import { pow2 } from "../lib/bitops.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_SOFT_DIRTY,
  huge_pmd_lookup,
  pmd_trans_huge,
  pte_clear,
  pte_index,
  pte_present,
  pte_table_lookup,
  NO_TABLE,
  set_pte_at,
} from "../arch/x86/pgtable.js";
import { compound_head, F, page_flags, PG_anon_exclusive, PG_dirty, PG_double_map, PG_head, PG_hugetlb, PG_swapbacked, PG_swapcache, PG_tail } from "./memmap.js";
import { deferred_split_huge_page } from "./huge_memory.js";
import { anon_vma_vmas, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type vm_area_struct, VM_LOCKED, VM_RAND_READ, VM_SEQ_READ } from "./mm_types.js";
import { mapping_by_id } from "../fs/fs.js";
import { lru_gen_enabled, lru_gen_look_around } from "./lru_gen.js";
import { mlock_page } from "./mlock.js";
import { folio_mark_dirty } from "./page-writeback.js";
import { swp_entry_to_pte_flags, swp_offset } from "./swapops.js";
import { swap_duplicate } from "./swapfile.js";
import { NR_ANON_MAPPED, NR_ANON_THPS, NR_FILE_MAPPED } from "./vmstat_items.js";
import { arch_tlbbatch_add_mm, arch_tlbbatch_flush, cpumask_any_but, flush_tlb_page } from "../arch/x86/tlb.js";
import type { mm_struct } from "./mm_types.js";

// ---- the batched unmap flush (CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH) ----

/** try_to_unmap's flag: defer the flush to try_to_unmap_flush (shrink_folio_list sets it). */
export const TTU_BATCH_FLUSH = 0x40;

/**
 * Defer this unmap's flush? Only when asked (TTU_BATCH_FLUSH) and some other CPU may hold the
 * mm's translations: a flush that would stay local is cheap enough to do at once.
 * @kernel mm/rmap.c should_defer_flush
 */
export function should_defer_flush(k: Kernel, mm: mm_struct, flags: number): boolean {
  if ((flags & TTU_BATCH_FLUSH) === 0) return false;
  return cpumask_any_but(mm.cpu_bitmap, k.cpu);
}

/**
 * Adds the mm's CPUs to the batch (current->tlb_ubc) and notes that a flush is due, and whether
 * a writable (dirty) entry was among those cleared.
 * Simplified: mm->tlb_flush_batched (for flush_tlb_batched_pending, when a zap or mprotect of the
 * mm races the batch) is not kept: the batch is flushed before shrink_folio_list returns, and
 * nothing runs in between in the model.
 * @kernel mm/rmap.c set_tlb_ubc_flush_pending
 */
export function set_tlb_ubc_flush_pending(k: Kernel, mm: mm_struct, writable: boolean): void {
  arch_tlbbatch_add_mm(k, mm);
  k.tlb.ubc_flush_required = true;
  if (writable) k.tlb.ubc_writable = true;
}

/**
 * Flushes the batch, if one is due: one arch_tlbbatch_flush (one IPI per CPU gathered) for
 * every page unmapped since the last.
 * @kernel mm/rmap.c try_to_unmap_flush
 */
export function try_to_unmap_flush(k: Kernel): void {
  if (!k.tlb.ubc_flush_required) return;
  arch_tlbbatch_flush(k);
  k.tlb.ubc_flush_required = false;
  k.tlb.ubc_writable = false;
}

/**
 * Flushes the batch before a dirty page is written out, if a writable entry was cleared: no CPU
 * may go on writing through a stale entry while the I/O runs.
 * @kernel mm/rmap.c try_to_unmap_flush_dirty
 */
export function try_to_unmap_flush_dirty(k: Kernel): void {
  if (k.tlb.ubc_writable) try_to_unmap_flush(k);
}

const ANON_EXCL = F(PG_anon_exclusive);
const SWAPBACKED = F(PG_swapbacked);
const COMPOUND = F(PG_head) | F(PG_tail);
const DOUBLE_MAP = F(PG_double_map);

/** PageAnon: the mapping column (of the head, for a compound page) holds a negative anon_vma id. */
export function PageAnon(k: Kernel, pfn: number): boolean {
  const mem = k.mem_map;
  return mem.mapping[(page_flags(mem, pfn) & COMPOUND) !== 0 ? compound_head(mem, pfn) : pfn] < 0;
}

/** PageDoubleMap: page[1]'s PG_double_map. @kernel include/linux/page-flags.h PageDoubleMap */
export function PageDoubleMap(k: Kernel, head: number): boolean {
  return (k.mem_map.flags[head + 1] & DOUBLE_MAP) !== 0;
}

/**
 * How many times a page is mapped: its PTE mappings, plus its compound page's PMD mappings for a
 * subpage of an anonymous or hugetlb compound page (less the DoubleMap extra).
 * @kernel include/linux/mm.h page_mapcount
 * @kernel mm/util.c __page_mapcount
 */
export function page_mapcount(k: Kernel, pfn: number): number {
  const mem = k.mem_map;
  let ret = mem.mapcount[pfn];
  if ((page_flags(mem, pfn) & COMPOUND) === 0) return ret;
  const head = compound_head(mem, pfn);
  if (mem.mapping[head] >= 0 && (mem.flags[head] & F(PG_hugetlb)) === 0) return ret;
  ret += mem.private[head + 1];
  if ((mem.flags[head + 1] & DOUBLE_MAP) !== 0) ret--;
  return ret;
}

/**
 * Every mapping of a folio: PMD mappings plus each subpage's PTE mappings (less the DoubleMap
 * extras), as can_split_folio compares with the references.
 * @kernel mm/util.c folio_mapcount
 */
export function folio_mapcount(k: Kernel, head: number): number {
  const mem = k.mem_map;
  if ((mem.flags[head] & F(PG_head)) === 0) return mem.mapcount[head];
  const compound = mem.private[head + 1];
  if ((mem.flags[head] & F(PG_hugetlb)) !== 0) return compound;
  const nr = pow2(mem.index[head + 1]);
  let ret = compound;
  for (let i = 0; i < nr; i++) ret += mem.mapcount[head + i];
  if (mem.mapping[head] >= 0) return ret - compound * nr;
  if ((mem.flags[head + 1] & DOUBLE_MAP) !== 0) ret -= nr;
  return ret;
}

/**
 * Is any page of the folio mapped: its own mapcount for a small page; for a compound page a PMD
 * mapping or a PTE mapping of any subpage (a PMD-mapped THP's per-page column stays 0).
 * @kernel mm/util.c folio_mapped
 */
export function folio_mapped(k: Kernel, head: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[head] & F(PG_head)) === 0) return mem.mapcount[head] > 0;
  if (mem.private[head + 1] > 0) return true;
  if ((mem.flags[head] & F(PG_hugetlb)) !== 0) return false;
  const nr = pow2(mem.index[head + 1]);
  for (let i = 0; i < nr; i++) if (mem.mapcount[head + i] > 0) return true;
  return false;
}

/** PageAnonExclusive: only one mm can map this anonymous page, so a write may reuse it. */
export function PageAnonExclusive(k: Kernel, pfn: number): boolean {
  return (k.mem_map.flags[pfn] & ANON_EXCL) !== 0;
}

/** Adds `delta` to a node counter of the node holding `pfn` (__mod_lruvec_page_state). */
export function mod_page_node_state(k: Kernel, pfn: number, item: number, delta: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("page in a hole", { pfn });
  z.zone_pgdat.vm_stat[item] += delta;
  // __mod_memcg_lruvec_state: and to the memcg the page is charged to.
  const v = k.mem_map.memcg[pfn];
  if (v !== 0) __mod_memcg_page_state(k, v, item, delta, z.zone_pgdat.node_id);
}

/**
 * The page index a VMA gives `addr`: ((addr - vm_start) >> PAGE_SHIFT) + vm_pgoff, stored mod 2^32.
 * @kernel include/linux/pagemap.h linear_page_index
 */
export function linear_page_index(vma: vm_area_struct, addr: number): number {
  return ((addr - vma.vm_start) / 4096 + vma.vm_pgoff) | 0;
}

/**
 * Where `vma` maps page `pfn`, or -1 when the page's index falls outside it.
 * @kernel mm/internal.h vma_address
 */
export function vma_address(k: Kernel, pfn: number, vma: vm_area_struct): number {
  const mem = k.mem_map;
  const head = (page_flags(mem, pfn) & COMPOUND) !== 0 ? compound_head(mem, pfn) : pfn;
  // page_to_pgoff: a subpage's index is its head's plus its offset in the folio.
  const off = (mem.index[head] + (pfn - head) - (vma.vm_pgoff | 0)) | 0;
  const addr = vma.vm_start + off * 4096;
  return off < 0 || addr >= vma.vm_end ? -1 : addr;
}

/**
 * Points a page at its anon_vma and index. An exclusive page names the VMA's own anon_vma and
 * gets PageAnonExclusive; a shared one names the root (the kernel's choice for pages that may be
 * mapped from several processes).
 * @kernel mm/rmap.c __page_set_anon_rmap
 */
function __page_set_anon_rmap(k: Kernel, pfn: number, vma: vm_area_struct, addr: number, exclusive: boolean): void {
  const av = vma.anon_vma;
  if (av === null) throw new KernelBug("anonymous rmap on a VMA without anon_vma", { vm_start: vma.vm_start });
  const mm = k.mem_map;
  // A subpage of an anonymous THP is already anonymous through its head: only the flag is set.
  if (!PageAnon(k, pfn)) {
    mm.mapping[pfn] = -(exclusive ? av.id : av.root.id);
    mm.index[pfn] = linear_page_index(vma, addr);
  }
  if (exclusive) mm.flags[pfn] |= ANON_EXCL;
}

/**
 * A freshly allocated anonymous page enters its first mapping: mapcount 1, swap-backed,
 * exclusive, NR_ANON_MAPPED + 1.
 * @kernel mm/rmap.c page_add_new_anon_rmap
 */
export function page_add_new_anon_rmap(k: Kernel, pfn: number, vma: vm_area_struct, addr: number): void {
  if (addr < vma.vm_start || addr >= vma.vm_end) throw new KernelBug("page_add_new_anon_rmap outside the VMA", { addr });
  const mm = k.mem_map;
  mm.flags[pfn] |= SWAPBACKED;
  let nr = 1;
  if ((mm.flags[pfn] & F(PG_head)) !== 0) {
    // A THP's first mapping is its PMD: compound_mapcount 1, NR_ANON_THPS + 512.
    nr = pow2(mm.index[pfn + 1]);
    mm.private[pfn + 1] = 1;
    mod_page_node_state(k, pfn, NR_ANON_THPS, nr);
  } else {
    mm.mapcount[pfn] = 1;
  }
  mod_page_node_state(k, pfn, NR_ANON_MAPPED, nr);
  __page_set_anon_rmap(k, pfn, vma, addr, true);
}

/**
 * An existing anonymous page gains a mapping (swap-in, remove_migration_pte).
 * @kernel mm/rmap.c page_add_anon_rmap
 */
export function page_add_anon_rmap(k: Kernel, pfn: number, vma: vm_area_struct, addr: number, exclusive: boolean, compound = false): void {
  const mm = k.mem_map;
  let first: boolean;
  let nr = 1;
  if (compound) {
    // RMAP_COMPOUND: a PMD mapping of a THP (remove_migration_pmd, collapse).
    first = mm.private[pfn + 1]++ === 0;
    nr = pow2(mm.index[pfn + 1]);
    if (first) mod_page_node_state(k, pfn, NR_ANON_THPS, nr);
  } else {
    first = mm.mapcount[pfn]++ === 0;
  }
  if (first) {
    mod_page_node_state(k, pfn, NR_ANON_MAPPED, nr);
    __page_set_anon_rmap(k, pfn, vma, addr, exclusive);
  } else if (exclusive) {
    mm.flags[pfn] |= ANON_EXCL;
  }
}

/**
 * A file (page cache) page gains a mapping: NR_FILE_MAPPED counts it once, on the first.
 * @kernel mm/rmap.c page_add_file_rmap
 */
export function page_add_file_rmap(k: Kernel, pfn: number): void {
  if (k.mem_map.mapcount[pfn]++ === 0) mod_page_node_state(k, pfn, NR_FILE_MAPPED, 1);
}

/**
 * fork's copy of a file page's mapping: one more mapcount.
 * @kernel include/linux/rmap.h page_dup_file_rmap
 */
export function page_dup_file_rmap(k: Kernel, pfn: number): void {
  k.mem_map.mapcount[pfn]++;
}

/**
 * fork's copy of an anonymous page's mapping: the page stops being exclusive, so whichever
 * process writes first copies it (or, once alone again, reuses it). Returns 0; the kernel
 * returns -EBUSY for a page that may be DMA-pinned, which the model never pins.
 * @kernel include/linux/rmap.h page_try_dup_anon_rmap
 */
export function page_try_dup_anon_rmap(k: Kernel, pfn: number, compound = false): number {
  const mm = k.mem_map;
  mm.flags[pfn] &= ~ANON_EXCL;
  if (compound) mm.private[pfn + 1]++;
  else mm.mapcount[pfn]++;
  return 0;
}

/** page_dup_rmap: the duplicate of either kind, for callers that know the page is shareable. */
export function page_dup_rmap(k: Kernel, pfn: number): void {
  k.mem_map.mapcount[pfn]++;
}

/**
 * A mapping goes away. The last one takes the page out of NR_ANON_MAPPED / NR_FILE_MAPPED;
 * page->mapping stays until the page is freed, as the kernel leaves it.
 * @kernel mm/rmap.c page_remove_rmap, page_remove_file_rmap
 */
export function page_remove_rmap(k: Kernel, pfn: number, compound = false): void {
  const mm = k.mem_map;
  if (compound) {
    if (mm.mapping[pfn] < 0) page_remove_anon_compound_rmap(k, pfn);
    else if (--mm.private[pfn + 1] < 0) throw new KernelBug("page_remove_rmap: compound mapcount underflow", { pfn });
    return;
  }
  const left = --mm.mapcount[pfn];
  if (left < 0) throw new KernelBug("page_remove_rmap: mapcount underflow", { pfn });
  if (left !== 0) return;
  if ((page_flags(mm, pfn) & COMPOUND) === 0) {
    mod_page_node_state(k, pfn, mm.mapping[pfn] < 0 ? NR_ANON_MAPPED : NR_FILE_MAPPED, -1);
    return;
  }
  const head = compound_head(mm, pfn);
  const anon = mm.mapping[head] < 0;
  mod_page_node_state(k, pfn, anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, -1);
  // PageTransCompound: a partly unmapped THP is queued for the deferred split.
  if (anon) deferred_split_huge_page(k, head);
}

/**
 * The last PMD mapping of an anonymous THP goes: NR_ANON_THPS - 512, and NR_ANON_MAPPED less
 * the pages no PTE maps. With DoubleMap set, each subpage drops its extra count and the THP is
 * queued for a split if some but not all are still mapped.
 * @kernel mm/rmap.c page_remove_anon_compound_rmap
 */
function page_remove_anon_compound_rmap(k: Kernel, head: number): void {
  const mm = k.mem_map;
  const left = --mm.private[head + 1];
  if (left < 0) throw new KernelBug("page_remove_rmap: compound mapcount underflow", { pfn: head });
  if (left !== 0) return;
  if ((mm.flags[head] & F(PG_hugetlb)) !== 0) return;
  const nr_pages = pow2(mm.index[head + 1]);
  mod_page_node_state(k, head, NR_ANON_THPS, -nr_pages);
  let nr = nr_pages;
  if ((mm.flags[head + 1] & DOUBLE_MAP) !== 0) {
    mm.flags[head + 1] &= ~DOUBLE_MAP;
    nr = 0;
    for (let i = 0; i < nr_pages; i++) if (--mm.mapcount[head + i] === 0) nr++;
    if (nr && nr < nr_pages) deferred_split_huge_page(k, head);
  }
  if (nr) mod_page_node_state(k, head, NR_ANON_MAPPED, -nr);
}

/**
 * A write fault found the page mapped only here: it becomes this VMA's own exclusive page.
 * @kernel mm/rmap.c page_move_anon_rmap
 */
export function page_move_anon_rmap(k: Kernel, pfn: number, vma: vm_area_struct): void {
  if (vma.anon_vma === null) throw new KernelBug("page_move_anon_rmap without anon_vma");
  const mem = k.mem_map;
  // The folio's anon_vma moves (the head's mapping); the exclusive bit is the page's own.
  mem.mapping[(page_flags(mem, pfn) & COMPOUND) !== 0 ? compound_head(mem, pfn) : pfn] = -vma.anon_vma.id;
  mem.flags[pfn] |= ANON_EXCL;
}

/** The rss counter a page is charged to: anon, shmem or file (its head's kind, for a subpage). @kernel include/linux/mm.h mm_counter */
export function mm_counter(k: Kernel, pfn: number): number {
  const mem = k.mem_map;
  const head = (page_flags(mem, pfn) & COMPOUND) !== 0 ? compound_head(mem, pfn) : pfn;
  if (mem.mapping[head] < 0) return MM_ANONPAGES;
  return (mem.flags[head] & SWAPBACKED) !== 0 ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/** Called for each mapping of a page: the VMA, the address, and the PTE's entry index. Return false to stop. */
export type RmapVisitor = (vma: vm_area_struct, addr: number, pte: number) => boolean;

/**
 * The VMAs that may map `pfn`: for an anonymous page, each VMA chained to its anon_vma (which,
 * through anon_vma_fork's chains, includes forked children); for a file page, each VMA in its
 * address_space's i_mmap. Null for a page with no mapping.
 * @kernel mm/rmap.c rmap_walk_anon, rmap_walk_file
 */
export function rmap_vmas(k: Kernel, pfn: number): Iterable<vm_area_struct> | null {
  const mem = k.mem_map;
  const id = mem.mapping[(page_flags(mem, pfn) & COMPOUND) !== 0 ? compound_head(mem, pfn) : pfn];
  if (id < 0) {
    const av = k.anon_vmas.get(-id);
    return av === undefined ? null : anon_vma_vmas(k.anon_vmas, av);
  }
  if (id > 0) return mapping_by_id(k, id)?.i_mmap ?? null;
  return null;
}

/**
 * The PTE slot where `vma` would map `pfn` (whatever it holds), or -1 when the page's index
 * falls outside the VMA or no PTE table covers the address.
 * @kernel mm/page_vma_mapped.c page_vma_mapped_walk
 */
export function rmap_pte_slot(k: Kernel, pfn: number, vma: vm_area_struct): number {
  const addr = vma_address(k, pfn, vma);
  if (addr < 0) return -1;
  const t = pte_table_lookup(k, vma.vm_mm.pgd, addr);
  if (t === NO_TABLE) return -1;
  return t * 512 + pte_index(addr);
}

/** The PTE index of `vma`'s mapping of `pfn`, or -1 when this VMA does not map it there. */
function rmap_pte(k: Kernel, pfn: number, vma: vm_area_struct): number {
  const i = rmap_pte_slot(k, pfn, vma);
  if (i < 0) return -1;
  const pool = k.pgtables;
  return pte_present(pool.ent_flags[i]) && pool.ent_pfn[i] === pfn ? i : -1;
}

/**
 * Visits every PTE that maps `pfn`. The visitor may change the PTEs but not the VMA set.
 * Return false from it to stop.
 * @kernel mm/rmap.c rmap_walk, rmap_walk_anon, rmap_walk_file, page_vma_mapped_walk
 */
export function rmap_walk(k: Kernel, pfn: number, visit: RmapVisitor): void {
  const vmas = rmap_vmas(k, pfn);
  if (vmas === null) return;
  for (const vma of vmas) {
    const i = rmap_pte(k, pfn, vma);
    if (i < 0) continue;
    if (!visit(vma, vma_address(k, pfn, vma), i)) return;
  }
}

/**
 * How many mappings of the page were young: clears each PTE's accessed bit on the way, as
 * reclaim's aging does, and ORs the VMAs' flags into `vm_flags_out[0]` (VM_LOCKED tells reclaim
 * to keep the page). Like the kernel's walk it stops once every mapping has been seen. With the
 * multi-gen LRU on, a young PTE also has its neighbours aged (lru_gen_look_around).
 * @kernel mm/rmap.c folio_referenced, folio_referenced_one
 */
export function folio_referenced(k: Kernel, pfn: number, vm_flags_out?: Int32Array): number {
  if ((k.mem_map.flags[pfn] & HEAD) !== 0) return folio_referenced_large(k, pfn, vm_flags_out);
  let mapcount = k.mem_map.mapcount[pfn];
  if (mapcount === 0) return 0;
  const vmas = rmap_vmas(k, pfn);
  if (vmas === null) return 0;
  const pool = k.pgtables;
  let referenced = 0;
  let flags = 0;
  for (const vma of vmas) {
    const i = rmap_pte(k, pfn, vma);
    if (i < 0) continue;
    if (vma.vm_flags & VM_LOCKED) {
      // folio_referenced_one: a VM_LOCKED mapping ends the walk; reclaim will mlock the page.
      flags |= VM_LOCKED;
      break;
    }
    if ((pool.ent_flags[i] & _PAGE_ACCESSED) !== 0) {
      let young = false;
      // MGLRU ages the young PTEs around this one too (which clears this one's accessed bit).
      if ((vma.vm_flags & (VM_SEQ_READ | VM_RAND_READ)) === 0 && lru_gen_enabled(k)) {
        lru_gen_look_around(k, pfn, vma, vma_address(k, pfn, vma), i);
        young = true;
      }
      if ((pool.ent_flags[i] & _PAGE_ACCESSED) !== 0) {
        pool.ent_flags[i] &= ~_PAGE_ACCESSED;
        if ((vma.vm_flags & VM_SEQ_READ) === 0) young = true;
      }
      if (young) {
        referenced++;
        flags |= vma.vm_flags & ~VM_LOCKED;
      }
    }
    if (--mapcount === 0) break;
  }
  if (vm_flags_out) vm_flags_out[0] = flags;
  return referenced;
}

const HEAD = F(PG_head);

/**
 * folio_referenced for a compound folio (a THP): page_vma_mapped_walk finds, in each VMA, the
 * huge PMD mapping the folio (pmdp_clear_flush_young_notify clears its accessed bit) or the PTEs
 * mapping any of its subpages (a PMD split without a page split, DoubleMap). As in 6.1, a VMA
 * counts once in the result however many of its entries were young, the walk stops when
 * folio_mapcount mappings were seen, and VM_LOCKED ends it only for a PMD mapping (a PTE-mapped
 * large folio is not mlocked through one PTE). A young huge PMD is seen through VM_SEQ_READ too:
 * the kernel's VM_SEQ_READ test is on the PTE branch only. Hugetlb folios are not on the LRU and
 * never come here.
 * @kernel mm/rmap.c folio_referenced_one
 * @kernel mm/page_vma_mapped.c page_vma_mapped_walk
 * @kernel include/linux/mmu_notifier.h pmdp_clear_flush_young_notify
 */
function folio_referenced_large(k: Kernel, head: number, vm_flags_out?: Int32Array): number {
  const mem = k.mem_map;
  let mapcount = folio_mapcount(k, head);
  if (vm_flags_out) vm_flags_out[0] = 0;
  if (mapcount === 0) return 0;
  const vmas = rmap_vmas(k, head);
  if (vmas === null) return 0;
  const pool = k.pgtables;
  const nr = pow2(mem.index[head + 1]);
  let referenced = 0;
  let flags = 0;
  for (const vma of vmas) {
    const pgd = vma.vm_mm.pgd;
    if (pgd === NO_TABLE) continue;
    // Where the head would sit in this VMA (it may lie outside: a split VMA keeps a part).
    const off = (mem.index[head] - (vma.vm_pgoff | 0)) | 0;
    const haddr = vma.vm_start + off * 4096;
    if (haddr + nr * 4096 <= vma.vm_start || haddr >= vma.vm_end) continue;
    let young = 0;
    const pmdi = haddr >= vma.vm_start ? huge_pmd_lookup(k, pgd, haddr) : -1;
    if (pmdi >= 0 && pmd_trans_huge(pool.ent_flags[pmdi]) && pool.ent_pfn[pmdi] === head) {
      if (vma.vm_flags & VM_LOCKED) {
        flags |= VM_LOCKED;
        break;
      }
      if ((pool.ent_flags[pmdi] & _PAGE_ACCESSED) !== 0) {
        pool.ent_flags[pmdi] &= ~_PAGE_ACCESSED;
        young++;
      }
      mapcount--;
    }
    const first = Math.max(0, (vma.vm_start - haddr) / 4096);
    const last = Math.min(nr, (vma.vm_end - haddr) / 4096);
    for (let j = first; j < last && mapcount > 0; j++) {
      if (mem.mapcount[head + j] === 0) continue;
      const i = rmap_pte(k, head + j, vma);
      if (i < 0) continue;
      if ((pool.ent_flags[i] & _PAGE_ACCESSED) !== 0) {
        pool.ent_flags[i] &= ~_PAGE_ACCESSED;
        if ((vma.vm_flags & VM_SEQ_READ) === 0) young++;
      }
      mapcount--;
    }
    if (young !== 0) {
      referenced++;
      flags |= vma.vm_flags & ~VM_LOCKED;
    }
    if (mapcount <= 0) break;
  }
  if (vm_flags_out) vm_flags_out[0] = flags;
  return referenced;
}

/**
 * Unmaps the page from every PTE that maps it. A dirty PTE dirties the page. An anonymous page
 * in the swap cache leaves its swap entry in each PTE (one swap_map reference each, MM_SWAPENTS,
 * _PAGE_SWP_EXCLUSIVE if the page was exclusive, soft-dirty carried over); a clean MADV_FREE page
 * is simply dropped, and one written since the madvise becomes swap-backed again and stays. A
 * VM_LOCKED mapping stops the unmap (the page is mlocked instead). Each mapping's reference goes;
 * the caller holds its own. Returns whether the page ended up unmapped.
 *
 * Each PTE cleared is flushed: at once (ptep_clear_flush: flush_tlb_page), or, with
 * TTU_BATCH_FLUSH (reclaim) when a CPU other than this one may hold the mm's translations,
 * later and for the whole batch (set_tlb_ubc_flush_pending; try_to_unmap_flush). A redirtied
 * MADV_FREE page is flushed too before it stays: the kernel clears its PTE first and puts it
 * back.
 * @kernel mm/rmap.c try_to_unmap, try_to_unmap_one
 */
export function try_to_unmap(k: Kernel, pfn: number, flags = 0): boolean {
  const mem = k.mem_map;
  const vmas = rmap_vmas(k, pfn);
  if (vmas === null) return mem.mapcount[pfn] === 0;
  const anon = PageAnon(k, pfn);
  const pool = k.pgtables;
  for (const vma of vmas) {
    if (mem.mapcount[pfn] === 0) break;
    const i = rmap_pte(k, pfn, vma);
    if (i < 0) continue;
    if (vma.vm_flags & VM_LOCKED) {
      // mlock_vma_folio: reclaim met a VM_LOCKED mapping; the page (isolated) becomes mlocked
      // and the caller puts it back on the unevictable list.
      mlock_page(k, pfn);
      return false;
    }
    const f = pool.ent_flags[i];
    // ptep_clear_flush, or ptep_get_and_clear with the flush deferred to the batch.
    const mm = vma.vm_mm;
    if (should_defer_flush(k, mm, flags)) set_tlb_ubc_flush_pending(k, mm, (f & _PAGE_DIRTY) !== 0);
    else flush_tlb_page(k, vma, vma_address(k, pfn, vma));
    if ((f & _PAGE_DIRTY) !== 0) {
      // folio_mark_dirty: a file folio's dirt is accounted (NR_FILE_DIRTY) through its mapping
      const m = !anon && (mem.flags[pfn] & SWAPBACKED) === 0 ? mapping_by_id(k, mem.mapping[pfn]) : undefined;
      if (m !== undefined) folio_mark_dirty(k, m, pfn);
      else mem.flags[pfn] |= F(PG_dirty);
    }
    const rss = vma.vm_mm.rss_stat;
    if (anon) {
      const pf = mem.flags[pfn];
      if ((pf & SWAPBACKED) === 0) {
        // MADV_FREE: discard if nobody dirtied it or holds it beyond the mappings and us.
        if ((pf & F(PG_dirty)) !== 0 || mem._refcount[pfn] !== 1 + mem.mapcount[pfn]) {
          mem.flags[pfn] = pf | SWAPBACKED;
          return false;
        }
        pte_clear(pool, i);
        rss[MM_ANONPAGES]--;
      } else {
        if ((pf & F(PG_swapcache)) === 0) throw new KernelBug("try_to_unmap: anonymous page without a swap entry", { pfn });
        const entry = mem.private[pfn];
        if (swap_duplicate(k, entry) < 0) return false;
        const excl = (pf & ANON_EXCL) !== 0;
        if (excl) mem.flags[pfn] = pf & ~ANON_EXCL; // page_try_share_anon_rmap
        set_pte_at(pool, i, swp_offset(entry), swp_entry_to_pte_flags(entry, excl, (f & _PAGE_SOFT_DIRTY) !== 0));
        rss[MM_ANONPAGES]--;
        rss[MM_SWAPENTS]++;
      }
    } else {
      pte_clear(pool, i);
      rss[mm_counter(k, pfn)]--;
    }
    page_remove_rmap(k, pfn);
    mem._refcount[pfn]--;
  }
  return mem.mapcount[pfn] === 0;
}

