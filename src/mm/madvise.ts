/**
 * madvise: advice that changes VMA flags (NORMAL/RANDOM/SEQUENTIAL, DONTFORK/DOFORK,
 * WIPEONFORK/KEEPONFORK, DONTDUMP/DODUMP, HUGEPAGE/NOHUGEPAGE, MERGEABLE/UNMERGEABLE) by
 * splitting and merging VMAs like mprotect, and advice that acts on pages: DONTNEED (zap the
 * range, PT's zap_page_range), FREE (clean the PTEs and make the pages lazily freeable),
 * WILLNEED, COLD, PAGEOUT, REMOVE, POPULATE_READ/WRITE.
 *
 * Simplified: WILLNEED has nothing to read ahead (no swap, no page cache I/O yet) and returns 0;
 * COLD and PAGEOUT check the VMA as 6.1 does and clear the PTEs' accessed bits; COLD deactivates
 * the pages, PAGEOUT reclaims them (vmscan.ts reclaim_pages: swapped out if there is swap); FREE's
 * lazy-free move needs the page on an LRU (as lru_lazyfree_fn does), so before the LRU exists it
 * only cleans the PTEs; COLLAPSE is khugepaged.ts's madvise_collapse; HWPOISON/SOFT_OFFLINE need
 * CAP_SYS_ADMIN and are otherwise no-ops (no memory-failure model); KSM flags are kept but no
 * merging happens.
 * @kernel mm/madvise.c do_madvise, madvise_walk_vmas, madvise_vma_behavior, madvise_update_vma,
 *   madvise_dontneed_free, madvise_dontneed_free_valid_vma, madvise_free_single_vma,
 *   madvise_free_pte_range, madvise_cold, madvise_pageout, madvise_cold_or_pageout_pte_range,
 *   madvise_willneed, madvise_remove, madvise_populate, madvise_behavior_valid
 * @kernel mm/khugepaged.c hugepage_madvise
 * @kernel mm/ksm.c ksm_madvise
 * @kernel mm/swap.c mark_page_lazyfree, lru_lazyfree_fn, deactivate_page
 */
import { khugepaged_enter_vma, madvise_collapse } from "./khugepaged.js";
import type { Kernel } from "../kernel/kernel.js";
import { lru_relist } from "./mm_inline.js";
import { lru_gen_enabled } from "./lru_gen.js";
import { NO_PFN } from "./mmzone.js";
import { get_page, lru_add_drain, put_page } from "./swap.js";
import { HPAGE_PMD_SIZE, is_huge_zero_page, madvise_free_huge_pmd, pmd_addr_end, pmd_trans_huge_lock, split_huge_page } from "./huge_memory.js";
import { page_mapcount } from "./rmap.js";
import { folio_isolate_lru, reclaim_pages } from "./vmscan.js";
import { errnoValues } from "../kernel/errno.js";
import { capable, type task_struct } from "../kernel/sched.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_SPECIAL, walk_present_ptes } from "../arch/x86/pgtable.js";
import { compound_head, F, folio_nr_pages, page_flags, PG_active, PG_head, PG_tail, PG_lru, PG_referenced, PG_swapbacked, PG_swapcache, PG_unevictable } from "./memmap.js";
import {
  FMODE_WRITE,
  type mm_struct,
  type vm_area_struct,
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_HUGEPAGE,
  VM_HUGETLB,
  VM_IO,
  VM_LOCKED,
  VM_MAYSHARE,
  VM_MERGEABLE,
  VM_MIXEDMAP,
  VM_NOHUGEPAGE,
  VM_PFNMAP,
  VM_RAND_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_SPECIAL,
  VM_WIPEONFORK,
  VM_WRITE,
  vma_is_anonymous,
} from "./mm_types.js";
import { __split_vma, find_vma, find_vma_prev, PAGE_ALIGN, vma_merge } from "./mmap.js";
import { faultin_range, munlock_vma_range } from "./mlock.js";
import { zap_page_range } from "./memory.js";
import {
  PGDEACTIVATE,
  PGLAZYFREE,
} from "./vmstat_items.js";
import { PAGE_SIZE } from "./types.js";

const { EINVAL, ENOMEM, EAGAIN, EACCES, EPERM, EFAULT, EINTR } = errnoValues;
const COMPOUND = F(PG_head) | F(PG_tail);

export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;
export const MADV_POPULATE_READ = 22;
export const MADV_POPULATE_WRITE = 23;
export const MADV_DONTNEED_LOCKED = 24;
export const MADV_COLLAPSE = 25;
export const MADV_HWPOISON = 100;
export const MADV_SOFT_OFFLINE = 101;

/** madvise_behavior_valid: the advice Debian's 6.1 (KSM, THP, MEMORY_FAILURE) accepts. */
export function madvise_behavior_valid(behavior: number): boolean {
  return (behavior >= 0 && behavior <= 4) || (behavior >= 8 && behavior <= 25) || behavior === 100 || behavior === 101;
}

/**
 * madvise_update_vma: give [start, end) of `vma` new_flags, merging with neighbours or splitting
 * (within max_map_count: -ENOMEM, which madvise_vma_behavior reports as EAGAIN).
 */
function madvise_update_vma(k: Kernel, vma: vm_area_struct, prev: { v: vm_area_struct | null }, start: number, end: number, new_flags: number): number {
  const mm = vma.vm_mm;
  if (new_flags === vma.vm_flags) {
    prev.v = vma;
    return 0;
  }
  const pgoff = vma.vm_pgoff + (start - vma.vm_start) / PAGE_SIZE;
  const merged = vma_merge(k, mm, prev.v, start, end, new_flags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged) {
    prev.v = merged;
    merged.vm_flags = new_flags | 0;
    return 0;
  }
  prev.v = vma;
  if (start !== vma.vm_start) {
    if (mm.map_count >= k.vm.max_map_count) return -ENOMEM;
    __split_vma(k, mm, vma, start, true);
  }
  if (end !== vma.vm_end) {
    if (mm.map_count >= k.vm.max_map_count) return -ENOMEM;
    __split_vma(k, mm, vma, end, false);
  }
  vma.vm_flags = new_flags | 0;
  return 0;
}

/**
 * mark_page_lazyfree (lru_lazyfree_fn as the batch drains): an anonymous swap-backed page on an
 * LRU, not in the swap cache and evictable, moves to the inactive file list without
 * PG_swapbacked (reclaim may then drop it without writing it anywhere); PGLAZYFREE counts its
 * pages (512 for a THP).
 * @kernel mm/swap.c mark_page_lazyfree, lru_lazyfree_fn
 */
function mark_page_lazyfree(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  const pf = mem.flags[pfn];
  const want = F(PG_lru) | F(PG_swapbacked);
  if (mem.mapping[pfn] < 0 && (pf & want) === want && !(pf & F(PG_swapcache)) && !(pf & F(PG_unevictable))) {
    lru_relist(k, pfn, pf & ~(F(PG_active) | F(PG_referenced) | F(PG_swapbacked)));
    k.vm_events[PGLAZYFREE] += folio_nr_pages(mem, pfn);
  }
}

/**
 * The PTE loops' PageTransCompound case (madvise_free_pte_range, madvise_cold_or_pageout_pte_range):
 * a subpage of a PTE-mapped THP mapped only here splits the THP (then the loop goes on with the
 * page as a small one: true); one mapped elsewhere too, or a split that fails, ends the loop of
 * this PMD's PTEs (false).
 */
function split_pte_mapped_thp(k: Kernel, pfn: number): boolean {
  if (page_mapcount(k, pfn) !== 1) return false;
  const head = compound_head(k.mem_map, pfn);
  get_page(k, head);
  const err = split_huge_page(k, head);
  put_page(k, head);
  return err === 0;
}

/**
 * madvise_free_pte_range over each PMD of the range: a huge PMD goes to madvise_free_huge_pmd
 * (the whole THP cleaned and made lazily freeable, or split when only part of it is covered,
 * then the PTEs below); for pages only this mapping maps, clear the PTE's accessed and dirty bits
 * and mark_page_lazyfree. A later write (which dirties the PTE again) keeps the page.
 * @kernel mm/madvise.c madvise_free_pte_range
 */
function madvise_free_single_vma(k: Kernel, vma: vm_area_struct, start: number, end: number): number {
  if (!vma_is_anonymous(vma)) return -EINVAL;
  const s = Math.max(vma.vm_start, start);
  if (s >= vma.vm_end) return -EINVAL;
  const e = Math.min(vma.vm_end, end);
  if (e <= vma.vm_start) return -EINVAL;
  const mm = vma.vm_mm;
  if (mm.pgd < 0) return 0;
  const pool = k.pgtables;
  const mem = k.mem_map;
  let stop = false;
  const pte_entry = (_addr: number, i: number): void => {
    if (stop) return;
    const f = pool.ent_flags[i];
    if (f & _PAGE_SPECIAL) return; // the zero page
    const pfn = pool.ent_pfn[i];
    if (page_flags(mem, pfn) & COMPOUND && !split_pte_mapped_thp(k, pfn)) {
      stop = true; // goto out
      return;
    }
    if (mem.mapcount[pfn] !== 1) return; // shared with a fork: leave it alone
    if (f & (_PAGE_ACCESSED | _PAGE_DIRTY)) pool.ent_flags[i] = f & ~(_PAGE_ACCESSED | _PAGE_DIRTY);
    // The page is clean now as far as the model knows (folio_clear_dirty).
    mark_page_lazyfree(k, pfn);
  };
  for (let addr = s; addr < e; addr = pmd_addr_end(addr, e)) {
    const next = pmd_addr_end(addr, e);
    const pmdi = pmd_trans_huge_lock(k, vma, addr);
    if (pmdi >= 0 && madvise_free_huge_pmd(k, vma, pmdi, addr, next, (page) => mark_page_lazyfree(k, page))) continue;
    // pmd_trans_unstable: a huge PMD still there (the huge zero page, a shared THP) is skipped.
    if (pmd_trans_huge_lock(k, vma, addr) >= 0) continue;
    stop = false;
    walk_present_ptes(k, mm.pgd, addr, next, pte_entry);
  }
  return 0;
}

/** can_madv_lru_vma: COLD/PAGEOUT refuse locked, PFN-mapped and hugetlb VMAs. */
function can_madv_lru_vma(vma: vm_area_struct): boolean {
  return !(vma.vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB));
}

/**
 * madvise_cold / madvise_pageout: after draining this CPU's LRU batches, for every page on an LRU
 * mapped only here, clear the PTE's accessed bit and PG_referenced; COLD then deactivates it
 * (deactivate_page), PAGEOUT isolates it and hands the lot to reclaim_pages, which swaps out
 * anonymous pages if there is swap and activates them if not. A huge PMD mapped only here is
 * handled whole when the range covers all of it (its PMD made old, the THP deactivated: 512 in
 * pgdeactivate; or reclaimed, which splits it before swap-out) and split first when it covers
 * part; a PTE-mapped THP is split when the loop meets it.
 * @kernel mm/madvise.c madvise_cold, madvise_pageout, madvise_cold_or_pageout_pte_range
 * @kernel mm/swap.c deactivate_page, lru_deactivate_fn
 */
function madvise_cold_range(k: Kernel, vma: vm_area_struct, start: number, end: number, pageout: boolean): void {
  const mm = vma.vm_mm;
  lru_add_drain(k);
  if (mm.pgd < 0) return;
  const pool = k.pgtables;
  const mem = k.mem_map;
  const list = pageout ? new Int32Array(1).fill(NO_PFN) : null;
  /** One page (or THP head) of the range: made old, then deactivated or isolated for reclaim. */
  const cold_page = (pfn: number): void => {
    const pf = mem.flags[pfn] & ~F(PG_referenced);
    mem.flags[pfn] = pf;
    if (list !== null) {
      if (pf & F(PG_unevictable)) return; // isolated and put straight back: unevictable stays
      folio_isolate_lru(k, pfn);
      mem.lru.list_add(list, 0, pfn);
    } else if ((pf & F(PG_active) || lru_gen_enabled(k)) && !(pf & F(PG_unevictable))) {
      // lru_deactivate_fn: with MGLRU every LRU page is deactivated (to an older generation)
      lru_relist(k, pfn, pf & ~F(PG_active));
      k.vm_events[PGDEACTIVATE] += folio_nr_pages(mem, pfn);
    }
  };
  let stop = false;
  const pte_entry = (_addr: number, i: number): void => {
    if (stop) return;
    const f = pool.ent_flags[i];
    if (f & _PAGE_SPECIAL) return;
    const pfn = pool.ent_pfn[i];
    if (page_flags(mem, pfn) & COMPOUND && !split_pte_mapped_thp(k, pfn)) {
      stop = true; // break
      return;
    }
    if (!(mem.flags[pfn] & F(PG_lru)) || mem.mapcount[pfn] !== 1) return;
    if (f & _PAGE_ACCESSED) pool.ent_flags[i] = f & ~_PAGE_ACCESSED;
    cold_page(pfn);
  };
  for (let addr = start; addr < end; addr = pmd_addr_end(addr, end)) {
    const next = pmd_addr_end(addr, end);
    const pmdi = pmd_trans_huge_lock(k, vma, addr);
    if (pmdi >= 0) {
      const page = pool.ent_pfn[pmdi];
      if (is_huge_zero_page(k, page) || page_mapcount(k, page) !== 1) continue;
      if (next - addr !== HPAGE_PMD_SIZE) {
        get_page(k, page);
        const err = split_huge_page(k, page);
        put_page(k, page);
        if (err !== 0) continue;
      } else {
        pool.ent_flags[pmdi] &= ~_PAGE_ACCESSED; // pmd_mkold
        if (mem.flags[page] & F(PG_lru)) cold_page(page);
        continue;
      }
    }
    stop = false;
    walk_present_ptes(k, mm.pgd, addr, next, pte_entry);
  }
  if (list !== null) reclaim_pages(k, list, 0);
}

/** madvise_remove: punch a hole in a shared writable shmem mapping (the pages go). */
function madvise_remove(k: Kernel, vma: vm_area_struct, start: number, end: number): number {
  if (vma.vm_flags & VM_LOCKED) return -EINVAL;
  const f = vma.vm_file;
  if (!f) return -EINVAL;
  // vma_is_shared_maywrite: VM_SHARED with VM_MAYWRITE.
  if ((vma.vm_flags & (VM_SHARED | 0x20)) !== (VM_SHARED | 0x20)) return -EACCES;
  if (!(f.f_mode & FMODE_WRITE)) return -EACCES;
  // Simplified: the hole is punched in this mapping only (zap); other mappings of the file keep
  // their pages until the page cache can drop them from every mapping.
  zap_page_range(k, vma, start, end - start);
  return 0;
}

/** madvise_vma_behavior: apply one advice to [start, end) of one VMA. */
function madvise_vma_behavior(k: Kernel, t: task_struct, vma: vm_area_struct, prev: { v: vm_area_struct | null }, start: number, end: number, behavior: number): number {
  let new_flags = vma.vm_flags;
  switch (behavior) {
    case MADV_REMOVE:
      prev.v = null; // madvise_remove drops mmap_lock: the walk looks the VMA up again
      return madvise_remove(k, vma, start, end);
    case MADV_WILLNEED:
      prev.v = vma;
      return 0;
    case MADV_COLD:
    case MADV_PAGEOUT:
      prev.v = vma;
      if (!can_madv_lru_vma(vma)) return -EINVAL;
      // can_do_pageout: anonymous memory, or a file the caller could write (shmem here: always).
      madvise_cold_range(k, vma, start, end, behavior === MADV_PAGEOUT);
      return 0;
    case MADV_FREE:
    case MADV_DONTNEED:
    case MADV_DONTNEED_LOCKED: {
      prev.v = vma;
      let forbidden = VM_PFNMAP;
      if (behavior !== MADV_DONTNEED_LOCKED) forbidden |= VM_LOCKED;
      if (vma.vm_flags & forbidden) return -EINVAL;
      if (start === end) return 0;
      if (behavior === MADV_FREE) return madvise_free_single_vma(k, vma, start, end);
      // page_remove_rmap's munlock_vma_page for MADV_DONTNEED_LOCKED on a VM_LOCKED VMA.
      if (vma.vm_flags & VM_LOCKED) munlock_vma_range(k, vma, start, end);
      zap_page_range(k, vma, start, end - start);
      return 0;
    }
    case MADV_POPULATE_READ:
    case MADV_POPULATE_WRITE: {
      prev.v = vma;
      const write = behavior === MADV_POPULATE_WRITE;
      // faultin_vma_page_range: VM_IO/VM_PFNMAP and missing permissions are EINVAL.
      if (vma.vm_flags & (VM_IO | VM_PFNMAP)) return -EINVAL;
      if (write && !(vma.vm_flags & VM_WRITE)) return -EINVAL;
      if (!write && !(vma.vm_flags & 0x1)) return -EINVAL;
      // madvise_populate's loop: a partial populate (SIGKILL pending) comes back for the rest,
      // which then fails with -EINTR.
      while (start < end) {
        const r = faultin_range(k, t, vma, start, end, write);
        if (r < 0) return r === -EFAULT || r === -EINTR ? r : -ENOMEM;
        start += r * PAGE_SIZE;
      }
      return 0;
    }
    case MADV_NORMAL:
      new_flags = new_flags & ~VM_RAND_READ & ~VM_SEQ_READ;
      break;
    case MADV_SEQUENTIAL:
      new_flags = (new_flags & ~VM_RAND_READ) | VM_SEQ_READ;
      break;
    case MADV_RANDOM:
      new_flags = (new_flags & ~VM_SEQ_READ) | VM_RAND_READ;
      break;
    case MADV_DONTFORK:
      new_flags |= VM_DONTCOPY;
      break;
    case MADV_DOFORK:
      if (vma.vm_flags & VM_IO) return -EINVAL;
      new_flags &= ~VM_DONTCOPY;
      break;
    case MADV_WIPEONFORK:
      if (vma.vm_file || vma.vm_flags & VM_SHARED) return -EINVAL;
      new_flags |= VM_WIPEONFORK;
      break;
    case MADV_KEEPONFORK:
      new_flags &= ~VM_WIPEONFORK;
      break;
    case MADV_DONTDUMP:
      new_flags |= VM_DONTDUMP;
      break;
    case MADV_DODUMP:
      if (new_flags & VM_SPECIAL) return -EINVAL;
      new_flags &= ~VM_DONTDUMP;
      break;
    case MADV_MERGEABLE:
      // ksm_madvise: silently ignored on mappings KSM cannot handle.
      if (!(vma.vm_flags & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP))) {
        new_flags |= VM_MERGEABLE;
      }
      break;
    case MADV_UNMERGEABLE:
      new_flags &= ~VM_MERGEABLE;
      break;
    case MADV_HUGEPAGE:
      // hugepage_madvise: the mm joins khugepaged's scan if the VMA now qualifies.
      new_flags = (new_flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
      khugepaged_enter_vma(k, vma, new_flags);
      break;
    case MADV_NOHUGEPAGE:
      new_flags = (new_flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
      break;
    case MADV_COLLAPSE:
      prev.v = vma;
      return madvise_collapse(k, vma, start, end);
  }
  const error = madvise_update_vma(k, vma, prev, start, end, new_flags);
  return error === -ENOMEM ? -EAGAIN : error;
}

/**
 * madvise_walk_vmas: visit every VMA of [start, end). A hole in the range does not stop the
 * walk but makes the result ENOMEM (after the rest was advised), as 6.1 does.
 */
function madvise_walk_vmas(k: Kernel, t: task_struct, mm: mm_struct, start: number, end: number, behavior: number): number {
  const fp = find_vma_prev(mm, start);
  let vma = fp.vma;
  const prev: { v: vm_area_struct | null } = { v: vma && start > vma.vm_start ? vma : fp.prev };
  let unmapped_error = 0;
  for (;;) {
    if (!vma) return -ENOMEM;
    if (start < vma.vm_start) {
      unmapped_error = -ENOMEM;
      start = vma.vm_start;
      if (start >= end) break;
    }
    const tmp = Math.min(vma.vm_end, end);
    const error = madvise_vma_behavior(k, t, vma, prev, start, tmp, behavior);
    if (error) return error;
    start = tmp;
    const p = prev.v;
    if (p && start < p.vm_end) start = p.vm_end;
    if (start >= end) break;
    vma = p ? find_vma(mm, p.vm_end) : find_vma(mm, start);
  }
  return unmapped_error;
}

/**
 * do_madvise: the madvise syscall. 0 or a negative errno: EINVAL for unknown advice, an
 * unaligned start or a length that wraps; ENOMEM when part of the range is unmapped; EINVAL,
 * EACCES or EAGAIN from the advice itself.
 */
export function do_madvise(k: Kernel, t: task_struct, start: number, len_in: number, behavior: number): number {
  const mm = t.mm!;
  if (!madvise_behavior_valid(behavior)) return -EINVAL;
  if (start % PAGE_SIZE) return -EINVAL;
  const len = PAGE_ALIGN(len_in);
  if (len_in && !len) return -EINVAL;
  const end = start + len;
  if (end < start || end > 2 ** 64) return -EINVAL;
  if (end === start) return 0;
  if (behavior === MADV_HWPOISON || behavior === MADV_SOFT_OFFLINE) {
    return capable(t) ? 0 : -EPERM;
  }
  return madvise_walk_vmas(k, t, mm, start, end, behavior);
}
