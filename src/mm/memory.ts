/**
 * Page faults and the page-table side of a process's life: handle_mm_fault down to
 * do_anonymous_page (the shared zero page on reads), do_wp_page with 6.1's reuse rules
 * (PageAnonExclusive, refcount), do_fault for shmem-backed files (read with fault-around, CoW and
 * shared write faults), do_swap_page, zap_pte_range and unmap_vmas, free_pgtables, and
 * copy_page_range for fork. The x86 fault entry that calls handle_mm_fault is
 * arch/x86/fault.ts; the MMU that raises faults is arch/x86/mmu.ts.
 *
 * Speed without a second semantics: runs of first-touch / CoW write faults go through one loop
 * (anon_write_run, called by the MMU) that does per page what do_anonymous_page and do_wp_page
 * do; handle_mm_fault_in_table is handle_mm_fault for a fault whose PTE table the caller already
 * holds. memory.fastpath.test.ts runs random programs both ways and requires identical state.
 *
 * Counting, as 6.1 counts: PGFAULT on every handle_mm_fault call; the task's min_flt/maj_flt
 * in mm_account_fault unless the fault failed (VM_FAULT_ERROR) or must retry; PGREUSE in
 * wp_page_reuse; rss counters per mm; NR_ANON_MAPPED/NR_FILE_MAPPED via rmap.ts; NR_SHMEM and
 * NR_FILE_PAGES when a shmem fault adds a page to the page cache (shmem.ts).
 *
 * Swap: do_swap_page swaps a page in (swap cache or swapin_readahead, VM_FAULT_RETRY after
 * waiting for the read, as 6.1's folio_lock_or_retry), zap_pte_range frees swap entries
 * (free_swap_and_cache) and fork duplicates them (copy_nonpresent_pte's swap_duplicate).
 *
 * LRU: new anonymous pages (first touch, CoW, private file copies) join the LRU through
 * lru_cache_add_inactive_or_unevictable, which mlocks them first in a VM_LOCKED VMA; shmem pages
 * through folio_add_lru as they enter the page cache (swap.ts batches them).
 *
 * The PMD level: __handle_mm_fault allocates the PUD and PMD tables, then an empty PMD in a
 * THP-eligible VMA goes to huge_memory.ts (do_huge_pmd_anonymous_page; VM_FAULT_FALLBACK sends
 * the fault on to the PTE path), a huge PMD takes huge_pmd_set_accessed or do_huge_pmd_wp_page
 * (which may split it and fall back), and hugetlb VMAs go to hugetlb_fault. Zap, fork and the
 * PTE paths handle huge PMDs and the subpages of a PTE-mapped THP (whose references, anon_vma
 * and index are its head's).
 *
 * Content tokens (MemMap.content_rel): a zeroed anonymous page gets a fresh one, a CoW copy its
 * source's, so migration tests can follow the data.
 *
 * userfaultfd: an empty PTE of a VM_UFFD_MISSING VMA (do_anonymous_page, and shmem's ->fault) and
 * a write to a _PAGE_UFFD_WP PTE of a VM_UFFD_WP VMA (do_wp_page) go to handle_userfault
 * (fs/userfaultfd.ts) at the points 6.1 tests userfaultfd_missing / userfaultfd_pte_wp; fork
 * clears the child's uffd-wp bits; WP and MINOR ranges get no fault-around.
 *
 * Simplified: no NUMA-balancing hint faults, no mlock of file
 * pages mapped into a VM_LOCKED VMA here (the Process API's mlock_faulted_range does it after the
 * access), no modelled time per fault. The zero page is a page taken from the buddy on first use
 * and marked PG_reserved (the kernel's lives in its image's .bss).
 * @kernel mm/memory.c handle_mm_fault, __handle_mm_fault, handle_pte_fault, do_anonymous_page,
 *   do_wp_page, wp_page_reuse, wp_page_copy, wp_page_shared, do_fault, do_read_fault,
 *   do_cow_fault, do_shared_fault, do_set_pte, do_fault_around, mm_account_fault, vm_normal_page,
 *   do_swap_page, should_try_to_free_swap, copy_nonpresent_pte,
 *   unmap_vmas, unmap_single_vma, zap_pmd_range, zap_pte_range, zap_page_range, free_pgtables,
 *   copy_page_range, copy_pmd_range, copy_pte_range, copy_present_pte, vma_needs_copy,
 *   create_huge_pmd, wp_huge_pmd
 * @kernel mm/filemap.c filemap_map_pages
 * @kernel mm/shmem.c shmem_fault
 */
import {
  _PAGE_ACCESSED,
  _PAGE_DEVMAP,
  _PAGE_DIRTY,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SPECIAL,
  _PAGE_UFFD_WP,
  _PAGE_USER,
  free_pgd_range,
  NO_TABLE,
  pgd_alloc,
  pmd_alloc,
  pmd_offset,
  pmd_trans_huge,
  PMD_SIZE,
  pte_alloc_table,
  pte_index,
  pte_table_lookup,
  set_pte_at,
  type PgtablePool,
} from "../arch/x86/pgtable.js";
import { copy_huge_pmd, do_huge_pmd_anonymous_page, do_huge_pmd_wp_page, hugepage_vma_check, huge_pmd_set_accessed, VM_FAULT_FALLBACK, zap_huge_pmd, __split_huge_pmd } from "./huge_memory.js";
import { copy_hugetlb_page_range, hugetlb_fault, __unmap_hugepage_range } from "./hugetlb.js";
import { KernelBug } from "../kernel/bug.js";
import {
  charge_memcg,
  consume_stock_page,
  count_memcg_event_mm,
  mem_cgroup_charge,
  mem_cgroup_handle_over_high,
  memcg_account_fault_run,
  memcg_count_fault,
  memcg_event_counters,
} from "./memcontrol.js";
import { cond_resched } from "../kernel/kthread.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { __GFP_COMP, __GFP_ZERO, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "./gfp.js";
import { compound_head, copy_new_page_content, F, page_flags, set_new_page_content, PG_dirty, PG_head, PG_locked, PG_lru, PG_mlocked, PG_reserved, PG_swapbacked, PG_swapcache, PG_tail, PG_uptodate, PG_writeback, PG_anon_exclusive } from "./memmap.js";
import {
  anon_vma_chain_singular,
  anon_vma_prepare,
  type anon_vma,
  MM_ANONPAGES,
  MM_SWAPENTS,
  type mm_struct,
  update_hiwater_rss,
  type vm_area_struct,
  VM_EXEC,
  VM_HUGETLB,
  VM_LOCKED,
  VM_MAYWRITE,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_RAND_READ,
  VM_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_UFFD_MISSING,
  VM_UFFD_WP,
  VM_WRITE,
  VM_WIPEONFORK,
} from "./mm_types.js";
import { handle_userfault } from "../fs/userfaultfd.js";
import { uffd_disable_fault_around, userfaultfd_wp } from "./userfaultfd.js";
import { vma_next, vma_prev } from "./mmap.js";
import { flush_tlb_page, type mmu_gather } from "../arch/x86/tlb.js";
import { tlb_end_vma, tlb_finish_mmu, tlb_flush_pmd_range, tlb_gather_mmu, tlb_zap_huge_pmd, tlb_zap_pte_table } from "./mmu_gather.js";
import { vma_has_page_mkwrite, vma_pages } from "./mm_types.js";
import { __free_pages, alloc_page_pcp_fast, alloc_pages } from "./page_alloc.js";
import { folio_add_lru_new, folio_mark_accessed, get_page, lru_add_drain, lru_add_room, lru_cache_add_inactive_or_unevictable, put_page } from "./swap.js";
import { shmem_fault } from "./shmem.js";
import { filemap_fault, filemap_map_pages, filemap_page_mkwrite, folio_wait_locked } from "./filemap.js";
import { balance_dirty_pages_ratelimited, folio_mark_dirty } from "./page-writeback.js";
import type { address_space, file } from "../fs/fs.js";
import {
  linear_page_index,
  mm_counter,
  mod_page_node_state,
  page_add_anon_rmap,
  page_add_file_rmap,
  page_add_new_anon_rmap,
  page_dup_file_rmap,
  page_move_anon_rmap,
  page_remove_rmap,
  page_try_dup_anon_rmap,
  PageAnon,
  PageAnonExclusive,
} from "./rmap.js";
import { NO_PFN } from "./types.js";
import { NR_ANON_MAPPED, OOM_KILL, PGFAULT, PGMAJFAULT, PGREUSE } from "./vmstat_items.js";
import { free_swap_cache, swap_cache_get_folio, swapin_readahead } from "./swap_state.js";
import { folio_free_swap, free_swap_and_cache, get_swap_device, swap_duplicate, swap_free, SWP_STABLE_WRITES, vm_swap_full } from "./swapfile.js";
import { pte_swp_clear_exclusive, pte_swp_exclusive, pte_swp_soft_dirty, pte_to_swp_entry } from "./swapops.js";

// ---- vm_fault_t (include/linux/mm_types.h) ----
export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_MAJOR = 0x000004;
/** The fault made the PTE writable (wp reuse/copy), for get_user_pages. */
export const VM_FAULT_WRITE = 0x000008;
export const VM_FAULT_HWPOISON = 0x000010;
export const VM_FAULT_HWPOISON_LARGE = 0x000020;
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_NOPAGE = 0x000100;
export const VM_FAULT_LOCKED = 0x000200;
export const VM_FAULT_RETRY = 0x000400;
export const VM_FAULT_ERROR =
  VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE;

// ---- enum fault_flag ----
export const FAULT_FLAG_WRITE = 1 << 0;
export const FAULT_FLAG_MKWRITE = 1 << 1;
export const FAULT_FLAG_ALLOW_RETRY = 1 << 2;
export const FAULT_FLAG_KILLABLE = 1 << 4;
export const FAULT_FLAG_TRIED = 1 << 5;
export const FAULT_FLAG_USER = 1 << 6;
export const FAULT_FLAG_REMOTE = 1 << 7;
export const FAULT_FLAG_INSTRUCTION = 1 << 8;
export const FAULT_FLAG_UNSHARE = 1 << 10;

/** fault_around_bytes: 64 KiB, so read faults on file pages map up to 16 cached pages. */
export const fault_around_bytes = 65536;

// ---------------------------------------------------------------------------------------------
// Small page helpers
// ---------------------------------------------------------------------------------------------

/**
 * The shared zero page every read fault on untouched anonymous memory maps: k.zero_pfn, taken
 * from the buddy on first use and never freed (see the header).
 * @kernel include/linux/pgtable.h my_zero_pfn
 * @kernel mm/memory.c zero_pfn, init_zero_pfn
 */
export function my_zero_pfn(k: Kernel): number {
  const zero = k.zero_pfn;
  if (zero !== NO_PFN) return zero;
  const pfn = alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 0);
  if (pfn === NO_PFN) return NO_PFN;
  k.mem_map.flags[pfn] |= F(PG_reserved) | F(PG_uptodate);
  k.zero_pfn = pfn;
  return pfn;
}

/** Is `pfn` the zero page? (Never before the first read fault made it.) @kernel include/linux/pgtable.h is_zero_pfn */
export function is_zero_pfn(k: Kernel, pfn: number): boolean {
  return pfn === k.zero_pfn && pfn !== NO_PFN;
}

/**
 * The struct page behind a present PTE, or NO_PFN for special mappings (the zero page, PFNMAP).
 * @kernel mm/memory.c vm_normal_page
 */
export function vm_normal_page(flags: number, pfn: number): number {
  return (flags & _PAGE_SPECIAL) !== 0 ? NO_PFN : pfn;
}

export { put_page };

/** is_cow_mapping: private and may become writable, so fork must write-protect it. @kernel include/linux/mm.h */
export function is_cow_mapping(vm_flags: number): boolean {
  return (vm_flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/** maybe_mkwrite: writable only if the VMA is. */
function maybe_mkwrite(flags: number, vma: vm_area_struct): number {
  return (vma.vm_flags & VM_WRITE) !== 0 ? flags | _PAGE_RW : flags;
}

/** pte_mkdirty: the hardware dirty bit and the soft-dirty bit together. */
function pte_mkdirty(flags: number): number {
  return flags | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
}

// ---------------------------------------------------------------------------------------------
// anon_vma_prepare with 6.1's neighbour reuse
// ---------------------------------------------------------------------------------------------

/**
 * An anon_vma a neighbour could share: adjacent, same file, flags equal but for access bits and
 * soft-dirty, contiguous pgoff, and the neighbour's chain a single anon_vma (never forked).
 * @kernel mm/mmap.c find_mergeable_anon_vma, reusable_anon_vma, anon_vma_compatible
 */
export function find_mergeable_anon_vma(vma: vm_area_struct): anon_vma | null {
  const mm = vma.vm_mm;
  const ACCESS = VM_READ | VM_WRITE | VM_EXEC;
  const compatible = (a: vm_area_struct, b: vm_area_struct): boolean =>
    a.vm_end === b.vm_start &&
    a.vm_file === b.vm_file &&
    ((a.vm_flags ^ b.vm_flags) & ~(ACCESS | VM_SOFTDIRTY)) === 0 &&
    b.vm_pgoff === a.vm_pgoff + (b.vm_start - a.vm_start) / 4096;
  const next = vma_next(mm, vma);
  if (next && next.anon_vma && compatible(vma, next) && anon_vma_chain_singular(next)) return next.anon_vma;
  const prev = vma_prev(mm, vma);
  if (prev && prev.anon_vma && compatible(prev, vma) && anon_vma_chain_singular(prev)) return prev.anon_vma;
  return null;
}

/** anon_vma_prepare for the fault path: reuse a neighbour's anon_vma when 6.1 would. */
export function fault_anon_vma_prepare(k: Kernel, vma: vm_area_struct): void {
  if (vma.anon_vma === null) anon_vma_prepare(k.anon_vmas, vma, find_mergeable_anon_vma(vma));
}

// ---------------------------------------------------------------------------------------------
// The fault handler
// ---------------------------------------------------------------------------------------------

/**
 * Resolves a fault on `addr` in `vma` (which the caller checked allows the access): counts
 * PGFAULT, walks/allocates the tables, handles the PTE, and accounts min_flt/maj_flt.
 * `t` may be null for faults no task is charged for. Returns a vm_fault_t.
 * @kernel mm/memory.c handle_mm_fault, mm_account_fault
 */
export function handle_mm_fault(k: Kernel, t: task_struct | null, vma: vm_area_struct, addr: number, flags: number): number {
  k.vm_events[PGFAULT]++;
  if (k.memcg.nr_memcgs !== 0) count_memcg_event_mm(k, vma.vm_mm, PGFAULT);
  lru_gen_enter_fault(k, vma);
  const ret = (vma.vm_flags & VM_HUGETLB) !== 0 ? hugetlb_fault(k, vma, addr, flags) : __handle_mm_fault(k, vma, addr, flags);
  k.in_lru_fault = false; // lru_gen_exit_fault
  if (t !== null && (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) === 0) {
    // PGMAJFAULT is counted where the I/O is started (do_swap_page, filemap_fault), not here.
    if ((ret & VM_FAULT_MAJOR) !== 0 || (flags & FAULT_FLAG_TRIED) !== 0) {
      t.maj_flt++;
    } else {
      t.min_flt++;
    }
  }
  return ret;
}

/**
 * handle_mm_fault for a fault whose PTE table exists and whose entry index `i` the caller holds
 * (the MMU, inside the VMA of its last fault): __handle_mm_fault's walk would return that table
 * unchanged, so what remains is PGFAULT, handle_pte_fault and mm_account_fault. `t` is charged.
 * @kernel mm/memory.c handle_mm_fault, mm_account_fault
 */
export function handle_mm_fault_in_table(k: Kernel, t: task_struct, vma: vm_area_struct, addr: number, flags: number, i: number): number {
  k.vm_events[PGFAULT]++;
  if (k.memcg.nr_memcgs !== 0) count_memcg_event_mm(k, vma.vm_mm, PGFAULT);
  lru_gen_enter_fault(k, vma);
  const ret = handle_pte_fault(k, vma, addr, flags, i);
  k.in_lru_fault = false; // lru_gen_exit_fault
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) === 0) {
    if ((ret & VM_FAULT_MAJOR) !== 0 || (flags & FAULT_FLAG_TRIED) !== 0) t.maj_flt++;
    else t.min_flt++;
  }
  return ret;
}

/**
 * The multi-gen LRU applies to this fault's pages unless the VMA is read sequentially or randomly
 * (current->in_lru_fault; lru_gen_exit_fault clears it).
 * @kernel mm/memory.c lru_gen_enter_fault
 */
function lru_gen_enter_fault(k: Kernel, vma: vm_area_struct): void {
  k.in_lru_fault = (vma.vm_flags & (VM_SEQ_READ | VM_RAND_READ)) === 0;
}

/**
 * The table walk with allocation (pud_alloc, pmd_alloc, pte_alloc), then handle_pte_fault.
 * @kernel mm/memory.c __handle_mm_fault
 */
function __handle_mm_fault(k: Kernel, vma: vm_area_struct, addr: number, flags: number): number {
  const mm = vma.vm_mm;
  if (mm.pgd === NO_TABLE && !pgd_alloc(k, mm)) return VM_FAULT_OOM;
  // A PTE table already under the PMD: neither pmd_none nor huge, straight to handle_pte_fault.
  let t = pte_table_lookup(k, mm.pgd, addr);
  if (t === NO_TABLE) {
    const pmdi = pmd_alloc(k, mm, addr);
    if (pmdi < 0) return VM_FAULT_OOM;
    const pool = k.pgtables;
    const f = pool.ent_flags[pmdi];
    if (f === 0 && pool.ent_pfn[pmdi] === 0) {
      if (hugepage_vma_check(k, vma, vma.vm_flags, false, true, true)) {
        // create_huge_pmd: anonymous VMAs only (no file THP in the model).
        if (vma.vm_file === null) {
          const ret = do_huge_pmd_anonymous_page(k, vma, addr, flags, pmdi);
          if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
        }
      }
    } else if (pmd_trans_huge(f)) {
      if ((flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) !== 0 && (f & _PAGE_RW) === 0) {
        // wp_huge_pmd: the anonymous case; do_huge_pmd_wp_page splits the PMD on fallback.
        const ret = do_huge_pmd_wp_page(k, vma, addr, pmdi);
        if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
      } else {
        huge_pmd_set_accessed(k, pmdi, (flags & FAULT_FLAG_WRITE) !== 0);
        return 0;
      }
    }
    t = pte_alloc_table(k, mm, addr);
    if (t === NO_TABLE) return VM_FAULT_OOM;
  }
  return handle_pte_fault(k, vma, addr, flags, t * 512 + pte_index(addr));
}

/**
 * What to do with the PTE: fill an empty one (anonymous or file), break CoW on a write to a
 * read-only one, or just mark it young/dirty (a spurious fault).
 * @kernel mm/memory.c handle_pte_fault
 */
export function handle_pte_fault(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number): number {
  const pool = k.pgtables;
  const f = pool.ent_flags[i];
  const p = pool.ent_pfn[i];
  if (f === 0 && p === 0) {
    return vma.vm_file === null ? do_anonymous_page(k, vma, addr, flags, i) : do_fault(k, vma, addr, flags, i);
  }
  if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) return do_swap_page(k, vma, addr, flags, i);
  if ((flags & FAULT_FLAG_WRITE) !== 0) {
    if ((f & _PAGE_RW) === 0) return do_wp_page(k, vma, addr, flags, i);
    pool.ent_flags[i] = pte_mkdirty(f) | _PAGE_ACCESSED;
    return 0;
  }
  pool.ent_flags[i] = f | _PAGE_ACCESSED;
  return 0;
}

/**
 * Should a swapped-in page leave the swap cache at once? When swap is half full, the VMA or page
 * is mlocked (it will never be swapped out again soon), or a write fault would otherwise find
 * the cache's reference in the way of reusing the page.
 * @kernel mm/memory.c should_try_to_free_swap
 */
function should_try_to_free_swap(k: Kernel, pfn: number, vma: vm_area_struct, flags: number): boolean {
  const mem = k.mem_map;
// Stryker disable next-line ConditionalExpression,BooleanLiteral: do_swap_page calls this only for a folio it has checked is in the swap cache
  if ((mem.flags[pfn] & F(PG_swapcache)) === 0) return false;
  if (vm_swap_full(k) || (vma.vm_flags & VM_LOCKED) !== 0 || (mem.flags[pfn] & F(PG_mlocked)) !== 0) return true;
  return (flags & FAULT_FLAG_WRITE) !== 0 && mem._refcount[pfn] === 2;
}

/**
 * A fault on a swap PTE: find the page in the swap cache (a minor fault, maybe a readahead hit)
 * or read it, with readahead, from the swap device (a major fault: PGMAJFAULT). If the read is
 * still in flight the task sleeps until it completes (schedule_timeout) and, on a first attempt
 * that may retry, returns VM_FAULT_RETRY so the fault is taken again as 6.1's
 * folio_lock_or_retry does. Then the entry's reference goes (swap_free), the swap cache copy too
 * when should_try_to_free_swap says so, MM_SWAPENTS becomes MM_ANONPAGES, and the page is mapped
 * — writable at once for a write fault when it is certainly exclusive (the swap PTE said so, or
 * ours is its only reference), else through do_wp_page.
 * Simplified: no SWP_SYNCHRONOUS_IO devices (zram) and so no swapcache-skipping path, no KSM
 * copy, no uffd-wp bit, no hwpoison or migration entries.
 * @kernel mm/memory.c do_swap_page
 * @kernel mm/filemap.c __folio_lock_or_retry
 */
function do_swap_page(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number): number {
  const pool = k.pgtables;
  const orig_f = pool.ent_flags[i];
  const orig_p = pool.ent_pfn[i];
  const entry = pte_to_swp_entry(orig_f, orig_p);
  // get_swap_device: an entry of no swap area is a bad PTE; the kernel prints it and the access
  // faults again forever, which the model reports as SIGBUS instead.
  const si = get_swap_device(k, entry);
  if (si === null) return VM_FAULT_SIGBUS;
  let ret = 0;
  const mem = k.mem_map;
  let page = swap_cache_get_folio(k, entry, vma, addr);
  if (page === NO_PFN) {
    k.inSwapin = true; // for the OOM report's call trace
    try {
      page = swapin_readahead(k, entry, GFP_HIGHUSER_MOVABLE, vma, addr);
    } finally {
      k.inSwapin = false;
    }
    if (page === NO_PFN) {
      // Back out if the PTE changed meanwhile (it cannot, single-threaded): out of memory.
      return pool.ent_flags[i] === orig_f && pool.ent_pfn[i] === orig_p ? VM_FAULT_OOM : 0;
    }
    // Had to read the page from swap: a major fault.
    ret = VM_FAULT_MAJOR;
    k.vm_events[PGMAJFAULT]++;
    if (k.memcg.nr_memcgs !== 0) count_memcg_event_mm(k, vma.vm_mm, PGMAJFAULT);
  }
  // folio_lock_or_retry: a page still being read is waited for; on a first attempt that may
  // retry, the fault then starts over (with FAULT_FLAG_TRIED) instead of taking the lock.
  if ((mem.flags[page] & F(PG_locked)) !== 0) {
    folio_wait_locked(k, page);
    if ((flags & (FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_TRIED)) === FAULT_FLAG_ALLOW_RETRY) {
      put_page(k, page);
      return ret | VM_FAULT_RETRY;
    }
  }
  mem.flags[page] |= F(PG_locked);
  // The page may have left the swap cache, or been reused for another entry, while we waited.
// Stryker disable next-line ConditionalExpression,LogicalOperator: nothing runs between the lookup and here that could take a page we hold a reference to out of the swap cache (reclaim needs the refcount we keep): a second thread's swapoff or reclaim in 6.1
  if ((mem.flags[page] & F(PG_swapcache)) === 0 || mem.private[page] !== entry) return swap_out_page(k, page, ret);
  // Mapping it writable needs the refcount to tell: take the LRU batch's reference out first.
  if ((flags & FAULT_FLAG_WRITE) !== 0 && (mem.flags[page] & F(PG_lru)) === 0) lru_add_drain(k);
// Stryker disable next-line ConditionalExpression,LogicalOperator: only another thread of the mm could change this swap PTE while the fault waited (reclaim does not touch swap PTEs): the model runs one at a time
  if (pool.ent_flags[i] !== orig_f || pool.ent_pfn[i] !== orig_p) return swap_out_page(k, page, ret);
  if ((mem.flags[page] & F(PG_uptodate)) === 0) return swap_out_page(k, page, VM_FAULT_SIGBUS);
  if (PageAnon(k, page) && PageAnonExclusive(k, page)) throw new KernelBug("do_swap_page: swap PTE of an exclusive page", { pfn: page });
  let exclusive = pte_swp_exclusive(orig_f);
  // Devices that need stable pages under writeback may not have it written while mapped writable.
  if (exclusive && (mem.flags[page] & F(PG_writeback)) !== 0 && (si.flags & SWP_STABLE_WRITES) !== 0) exclusive = false;
  swap_free(k, entry);
  if (should_try_to_free_swap(k, page, vma, flags)) folio_free_swap(k, page);
  const rss = vma.vm_mm.rss_stat;
  rss[MM_ANONPAGES]++;
  rss[MM_SWAPENTS]--;
  let pte = vma.vm_page_prot;
  let rmap_exclusive = false;
  if (exclusive || mem._refcount[page] === 1) {
    if ((flags & FAULT_FLAG_WRITE) !== 0) {
      pte = maybe_mkwrite(pte_mkdirty(pte), vma);
      flags &= ~FAULT_FLAG_WRITE;
      ret |= VM_FAULT_WRITE;
    }
    rmap_exclusive = true;
  }
  if (pte_swp_soft_dirty(orig_f)) pte |= _PAGE_SOFT_DIRTY;
  page_add_anon_rmap(k, page, vma, addr, rmap_exclusive);
  set_pte_at(pool, i, page, pte);
  mem.flags[page] &= ~F(PG_locked);
  if ((flags & FAULT_FLAG_WRITE) !== 0) {
    ret |= do_wp_page(k, vma, addr, flags, i);
    if ((ret & VM_FAULT_ERROR) !== 0) ret &= VM_FAULT_ERROR;
  }
  return ret;
}

/** do_swap_page's out_page / out_nomap: unlock and drop the lookup's reference. */
function swap_out_page(k: Kernel, page: number, ret: number): number {
  k.mem_map.flags[page] &= ~F(PG_locked);
  put_page(k, page);
  return ret;
}

/**
 * vmf_insert_mixed for a device pfn (pfn_t PFN_DEV | PFN_MAP, so pfn_t_devmap): insert_pfn makes
 * a devmap PTE (pte_mkdevmap: _PAGE_SPECIAL | _PAGE_DEVMAP) of the VMA's protection, not young,
 * not dirty (mkwrite false: the MMU sets those on the access), and takes no reference, no rmap
 * and no rss: vm_normal_page of a devmap PTE is NULL, so zap, smaps, fork and reclaim never see a
 * page behind it. A PTE already there (another thread's fault) is left. VM_FAULT_NOPAGE.
 * @kernel mm/memory.c vmf_insert_mixed, __vm_insert_mixed, insert_pfn, vm_mixed_ok
 */
export function vmf_insert_mixed(k: Kernel, vma: vm_area_struct, i: number, pfn: number): number {
  const pool = k.pgtables;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: do_fault calls ->fault only for an empty PTE; a PTE filled meanwhile needs another thread
  if (pool.ent_flags[i] === 0 && pool.ent_pfn[i] === 0) set_pte_at(pool, i, pfn, vma.vm_page_prot | _PAGE_SPECIAL | _PAGE_DEVMAP);
  return VM_FAULT_NOPAGE;
}

/**
 * A first touch of private anonymous memory: reads map the shared zero page read-only; writes
 * get a zeroed page of their own, mapped writable and dirty.
 * @kernel mm/memory.c do_anonymous_page
 */
function do_anonymous_page(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number): number {
// Stryker disable next-line ConditionalExpression: a shared anonymous VMA is shmem's (shmem_zero_setup gives it a file), so handle_pte_fault sends it to do_fault, never here
  if ((vma.vm_flags & VM_SHARED) !== 0) return VM_FAULT_SIGBUS;
  const pool = k.pgtables;
  if ((flags & FAULT_FLAG_WRITE) === 0) {
    const zero = my_zero_pfn(k);
    if (zero === NO_PFN) return VM_FAULT_OOM;
    // Deliver the fault to userland (userfaultfd_missing), instead of mapping the zero page.
    if ((vma.vm_flags & VM_UFFD_MISSING) !== 0) return handle_userfault(k, vma, addr, flags, "missing");
    set_pte_at(pool, i, zero, vma.vm_page_prot | _PAGE_SPECIAL);
    return 0;
  }
  fault_anon_vma_prepare(k, vma);
  // alloc_zeroed_user_highpage_movable → vma_alloc_folio, which adds __GFP_COMP (w3a's report
  // shows gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO)).
  const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO, 0);
  if (pfn === NO_PFN) return VM_FAULT_OOM;
  if (mem_cgroup_charge(k, pfn, vma.vm_mm, GFP_KERNEL) !== 0) {
    put_page(k, pfn);
    return VM_FAULT_OOM;
  }
  // 6.1 checks userfaultfd_missing under the PTE lock, after the page was allocated and charged:
  // the page goes back (pgalloc and pgfree both count it) and the fault goes to userland.
  if ((vma.vm_flags & VM_UFFD_MISSING) !== 0) {
    put_page(k, pfn);
    return handle_userfault(k, vma, addr, flags, "missing");
  }
  k.mem_map.flags[pfn] |= F(PG_uptodate);
  set_new_page_content(k.mem_map, pfn, ++k.content_seq);
  let entry = vma.vm_page_prot;
  if ((vma.vm_flags & VM_WRITE) !== 0) entry = pte_mkdirty(entry) | _PAGE_RW;
  vma.vm_mm.rss_stat[MM_ANONPAGES]++;
  page_add_new_anon_rmap(k, pfn, vma, addr);
  lru_cache_add_inactive_or_unevictable(k, pfn, vma);
  set_pte_at(pool, i, pfn, entry);
  return 0;
}

/**
 * A write to a present read-only PTE: reuse the page when this mapping is its only user (6.1:
 * PageAnonExclusive, or an anonymous page whose sole reference is ours), else copy it.
 * @kernel mm/memory.c do_wp_page
 */
function do_wp_page(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number): number {
  const pool = k.pgtables;
  // A write to a PTE write-protected through the uffd (userfaultfd_pte_wp) goes to userland.
  if ((vma.vm_flags & VM_UFFD_WP) !== 0 && (pool.ent_flags[i] & _PAGE_UFFD_WP) !== 0) return handle_userfault(k, vma, addr, flags, "wp");
  const page = vm_normal_page(pool.ent_flags[i], pool.ent_pfn[i]);
  if (page === NO_PFN) {
    // The zero page (or a PFNMAP page): never written in place in a private mapping.
    if ((vma.vm_flags & (VM_WRITE | VM_SHARED)) === (VM_WRITE | VM_SHARED)) {
      wp_page_reuse(k, vma, i);
      return VM_FAULT_WRITE;
    }
    return wp_page_copy(k, vma, addr, i, NO_PFN);
  }
  const mem = k.mem_map;
  if (PageAnon(k, page)) {
    if (!PageAnonExclusive(k, page)) {
      if (!wp_can_reuse_anon_page(k, page)) return wp_page_copy(k, vma, addr, i, page);
      page_move_anon_rmap(k, page, vma);
    }
    wp_page_reuse(k, vma, i);
    return VM_FAULT_WRITE;
  }
  if ((vma.vm_flags & (VM_WRITE | VM_SHARED)) === (VM_WRITE | VM_SHARED)) return wp_page_shared(k, vma, addr, flags, i, page);
  void mem;
  return wp_page_copy(k, vma, addr, i, page);
}

/**
 * May a write fault reuse a shared-looking anonymous page in place? Only if no other reference
 * is left once the LRU batches have let go of it (a fresh page sits in one, holding a reference)
 * and the swap cache's reference, if any, can be dropped. No KSM or page pinning in the model.
 * @kernel mm/memory.c do_wp_page
 */
function wp_can_reuse_anon_page(k: Kernel, page: number): boolean {
  const mem = k.mem_map;
  // The folio's references: a subpage of a PTE-mapped THP counts its whole THP's.
  const folio = compound_head(mem, page);
  if (mem._refcount[folio] > 3) return false;
  if ((mem.flags[folio] & F(PG_lru)) === 0) lru_add_drain(k);
// Stryker disable next-line ConditionalExpression: counting 1 for a folio not in the swap cache lets one more reference past the early test, but folio_free_swap then does nothing and `_refcount === 1` below still refuses it
  const swapcache = (mem.flags[folio] & F(PG_swapcache)) !== 0 ? 1 : 0;
  if (mem._refcount[folio] > 1 + swapcache) return false;
  if ((mem.flags[folio] & F(PG_locked)) !== 0) return false; // folio_trylock failed
// Stryker disable next-line ConditionalExpression: folio_free_swap returns at once for a folio not in the swap cache
  if (swapcache) folio_free_swap(k, folio);
  return mem._refcount[folio] === 1;
}

/**
 * Makes the faulting PTE young, dirty and writable in place. Counts PGREUSE.
 * @kernel mm/memory.c wp_page_reuse
 */
function wp_page_reuse(k: Kernel, vma: vm_area_struct, i: number): void {
  const pool = k.pgtables;
  k.vm_events[PGREUSE]++;
  pool.ent_flags[i] = maybe_mkwrite(pte_mkdirty(pool.ent_flags[i] | _PAGE_ACCESSED), vma);
}

/**
 * Copy-on-write: a new page (zeroed when the old one is the zero page), mapped writable in
 * place of the old one, which loses this mapping and its reference.
 * @kernel mm/memory.c wp_page_copy
 */
function wp_page_copy(k: Kernel, vma: vm_area_struct, addr: number, i: number, old: number): number {
  fault_anon_vma_prepare(k, vma);
  const pool = k.pgtables;
  const orig_flags = pool.ent_flags[i];
  const orig_pfn = pool.ent_pfn[i];
  const oldIsZero = is_zero_pfn(k, orig_pfn);
  const gfp = oldIsZero ? GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO : GFP_HIGHUSER_MOVABLE | __GFP_COMP;
  // do_wp_page's get_page(vmf->page): the old page (a THP's, for a subpage) is held while the
  // allocation may reclaim, so reclaim can neither free nor split it.
  if (old !== NO_PFN) get_page(k, old);
  const pfn = alloc_pages(k, gfp, 0);
  if (pfn === NO_PFN) {
    if (old !== NO_PFN) put_page(k, old);
    return VM_FAULT_OOM;
  }
  // mem_cgroup_charge comes before the PTE lock, as in 6.1; its reclaim too runs with old held.
  if (mem_cgroup_charge(k, pfn, vma.vm_mm, GFP_KERNEL) !== 0) {
    put_page(k, pfn);
    if (old !== NO_PFN) put_page(k, old);
    return VM_FAULT_OOM;
  }
  // pte_same(*vmf->pte, vmf->orig_pte): the allocation's reclaim may have changed the entry
  // meanwhile (unmapped the page to swap, aged its accessed bit). Then nothing is copied and the
  // access faults again.
  if (pool.ent_flags[i] !== orig_flags || pool.ent_pfn[i] !== orig_pfn) {
    put_page(k, pfn);
    if (old !== NO_PFN) put_page(k, old);
    return 0;
  }
  k.mem_map.flags[pfn] |= F(PG_uptodate);
  // copy_user_highpage, or a zeroed page in place of the zero page.
  if (old !== NO_PFN) copy_new_page_content(k.mem_map, pfn, old);
  else set_new_page_content(k.mem_map, pfn, ++k.content_seq);
  const rss = vma.vm_mm.rss_stat;
  if (old !== NO_PFN) {
// Stryker disable next-line ConditionalExpression: for an anonymous old page mm_counter is MM_ANONPAGES, so the two updates cancel
    if (!PageAnon(k, old)) {
      rss[mm_counter(k, old)]--;
      rss[MM_ANONPAGES]++;
    }
  } else {
    rss[MM_ANONPAGES]++;
  }
  const entry = maybe_mkwrite(pte_mkdirty(vma.vm_page_prot), vma);
  // ptep_clear_flush_notify: the old, present entry goes and every CPU holding it flushes it
  // before the new page is mapped (one page: flush_tlb_page).
  flush_tlb_page(k, vma, addr);
  page_add_new_anon_rmap(k, pfn, vma, addr);
  lru_cache_add_inactive_or_unevictable(k, pfn, vma);
  set_pte_at(pool, i, pfn, entry);
  if (old !== NO_PFN) {
    page_remove_rmap(k, old);
    // the mapping's reference, then do_wp_page's
    put_page(k, old);
    put_page(k, old);
  }
  return VM_FAULT_WRITE;
}

// ---------------------------------------------------------------------------------------------
// File faults
// ---------------------------------------------------------------------------------------------

/**
 * The state of one fault on a file mapping, as ->fault and ->map_pages see it: the VMA, the
 * address and its page offset in the file, the fault flags, the PTE's entry index, and what the
 * handler found (the page cache folio, the CoW copy).
 * @kernel include/linux/mm.h struct vm_fault
 */
export class vm_fault {
  /** The folio ->fault returned (with a reference), or NO_PFN. */
  page = NO_PFN;
  /** do_cow_fault's private copy. */
  cow_page = NO_PFN;
  constructor(
    readonly vma: vm_area_struct,
    /** The faulting address, page aligned. */
    readonly address: number,
    /** Its page index in the file (linear_page_index). */
    readonly pgoff: number,
    readonly flags: number,
    /** The PTE's entry index in the page-table pool. */
    readonly pte: number,
  ) {}
}

/**
 * Installs a file page (or a CoW copy) in the PTE: young (x86 maps prefaulted pages young too),
 * dirty and writable for writes; a private write installs the new anonymous copy.
 * @kernel mm/memory.c do_set_pte
 */
export function do_set_pte(k: Kernel, vma: vm_area_struct, addr: number, i: number, pfn: number, write: boolean): void {
  const pool = k.pgtables;
  let entry = vma.vm_page_prot;
  if (write) entry = maybe_mkwrite(pte_mkdirty(entry), vma);
  const rss = vma.vm_mm.rss_stat;
  if (write && (vma.vm_flags & VM_SHARED) === 0) {
    rss[MM_ANONPAGES]++;
    page_add_new_anon_rmap(k, pfn, vma, addr);
    lru_cache_add_inactive_or_unevictable(k, pfn, vma);
  } else {
    rss[mm_counter(k, pfn)]++;
    page_add_file_rmap(k, pfn);
  }
  set_pte_at(pool, i, pfn, entry);
}

/**
 * The VMA's ->fault: shmem_fault for tmpfs files, filemap_fault for the rest.
 * @kernel mm/memory.c __do_fault
 */
function __do_fault(k: Kernel, vmf: vm_fault): number {
  const file = vmf.vma.vm_file as file;
  return file.f_inode.shmem ? shmem_fault(k, vmf) : filemap_fault(k, vmf);
}

/**
 * Maps the fault's page once ->fault found it: the CoW copy for a private write, the page cache
 * folio otherwise, unless the PTE was filled meanwhile (VM_FAULT_NOPAGE).
 * @kernel mm/memory.c finish_fault
 */
function finish_fault(k: Kernel, vmf: vm_fault): number {
  const write = (vmf.flags & FAULT_FLAG_WRITE) !== 0;
  const page = write && (vmf.vma.vm_flags & VM_SHARED) === 0 ? vmf.cow_page : vmf.page;
  const pool = k.pgtables;
// Stryker disable next-line ConditionalExpression,LogicalOperator: only another thread could fill the PTE while ->fault ran (do_fault found it empty); the model runs one fault at a time
  if (pool.ent_flags[vmf.pte] !== 0 || pool.ent_pfn[vmf.pte] !== 0) return VM_FAULT_NOPAGE;
  do_set_pte(k, vmf.vma, vmf.address, vmf.pte, page, write);
  return 0;
}

/**
 * Before reading a missing page, map whatever of the fault_around_bytes window around it is
 * cached and ready (->map_pages): the window is aligned, clipped to the VMA and the PTE table.
 * @kernel mm/memory.c do_fault_around, should_fault_around
 */
function do_fault_around(k: Kernel, vmf: vm_fault): number {
  const vma = vmf.vma;
  const nr_pages = fault_around_bytes / 4096;
// Stryker disable next-line ConditionalExpression,EqualityOperator: fault_around_bytes is the constant 65536 here (6.1 tunes it only through debugfs), so nr_pages is 16
  if (nr_pages <= 1) return 0;
  const mask = nr_pages * 4096;
  const address = Math.max(Math.floor(vmf.address / mask) * mask, vma.vm_start);
  const off = ((vmf.address - address) / 4096) & 511;
  const start_pgoff = vmf.pgoff - off;
  let end_pgoff = start_pgoff - ((address / 4096) & 511) + 511;
  end_pgoff = Math.min(end_pgoff, vma_pages(vma) + vma.vm_pgoff - 1, start_pgoff + nr_pages - 1);
  return filemap_map_pages(k, vmf, start_pgoff, end_pgoff);
}

/**
 * A read fault on a file mapping: fault-around first; if that did not map the faulting page,
 * ->fault fetches it, and it is mapped.
 * @kernel mm/memory.c do_read_fault
 */
function do_read_fault(k: Kernel, vmf: vm_fault): number {
  let ret = 0;
  // should_fault_around: not where every fault must reach the uffd (uffd_disable_fault_around).
  if (!uffd_disable_fault_around(vmf.vma)) {
    ret = do_fault_around(k, vmf);
    if (ret !== 0) return ret;
  }
  ret = __do_fault(k, vmf);
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) return ret;
  ret |= finish_fault(k, vmf);
// Stryker disable next-line ConditionalExpression,BlockStatement: ->fault's own errors returned above, so only finish_fault's VM_FAULT_NOPAGE could be set, and that needs another thread (see finish_fault)
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) put_page(k, vmf.page);
  return ret;
}

/**
 * A private write fault on a file page: a new anonymous page with the file page's contents,
 * mapped writable; the page cache folio stays as it is.
 * @kernel mm/memory.c do_cow_fault
 */
function do_cow_fault(k: Kernel, vmf: vm_fault): number {
  fault_anon_vma_prepare(k, vmf.vma);
  const cow = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
  if (cow === NO_PFN) return VM_FAULT_OOM;
  if (mem_cgroup_charge(k, cow, vmf.vma.vm_mm, GFP_KERNEL) !== 0) {
    put_page(k, cow);
    return VM_FAULT_OOM;
  }
  vmf.cow_page = cow;
  let ret = __do_fault(k, vmf);
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) {
    __free_pages(k, cow, 0);
    return ret;
  }
  // copy_user_highpage, __SetPageUptodate
  k.mem_map.flags[cow] |= F(PG_uptodate);
  copy_new_page_content(k.mem_map, cow, vmf.page);
  ret |= finish_fault(k, vmf);
  put_page(k, vmf.page);
// Stryker disable next-line ConditionalExpression,BlockStatement: ->fault's own errors returned above, so only finish_fault's VM_FAULT_NOPAGE could be set, and that needs another thread (see finish_fault)
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) __free_pages(k, cow, 0);
  return ret;
}

/**
 * A shared write fault: the page cache folio itself becomes writable and dirty — page_mkwrite
 * (filemap_page_mkwrite dirties it through its mapping) where the file has one, else
 * fault_dirty_shared_page's set_page_dirty — and the writer meets the dirty throttle.
 * @kernel mm/memory.c do_shared_fault, do_page_mkwrite, fault_dirty_shared_page
 */
function do_shared_fault(k: Kernel, vmf: vm_fault): number {
  let ret = __do_fault(k, vmf);
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) return ret;
  const file = vmf.vma.vm_file as file;
  const mapping = file.f_mapping;
  const mkwrite = vma_has_page_mkwrite(vmf.vma);
  // Stryker disable next-line ConditionalExpression,BlockStatement: filemap_page_mkwrite only dirties the folio here (its VM_FAULT_NOPAGE needs a concurrent truncation), which folio_mark_dirty below does as well; the throttle reads `mkwrite`, not this call
  if (mkwrite) {
    const tmp = filemap_page_mkwrite(k, vmf);
    // Stryker disable next-line ConditionalExpression,BlockStatement: VM_FAULT_NOPAGE needs a truncation while the fault waits for the folio lock, which a single-threaded model cannot have
    if ((tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) !== 0) {
      put_page(k, vmf.page);
      return tmp;
    }
  }
  ret |= finish_fault(k, vmf);
  // Stryker disable next-line ConditionalExpression,BlockStatement: ->fault's own errors returned above, so only finish_fault's VM_FAULT_NOPAGE could be set, and that needs another thread (see finish_fault)
  if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) {
    put_page(k, vmf.page);
    return ret;
  }
  // The ->fault reference is the new PTE's now (as in do_read_fault): nothing to put.
  const dirtied = folio_mark_dirty(k, mapping, vmf.page);
  // Stryker disable next-line ConditionalExpression: true for every file but shmem, whose mapping has no writeback (balance_dirty_pages_ratelimited returns at once)
  if (dirtied || mkwrite) balance_dirty_pages_ratelimited(k, mapping);
  return ret;
}

/**
 * A fault on an empty PTE of a file mapping: read, private write (CoW), or shared write.
 * @kernel mm/memory.c do_fault
 */
function do_fault(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number): number {
  // Stryker disable next-line ConditionalExpression: handle_pte_fault sends only VMAs with a file here
  if (vma.vm_file === null) return VM_FAULT_SIGBUS;
  const vmf = new vm_fault(vma, Math.floor(addr / 4096) * 4096, linear_page_index(vma, addr), flags, i);
  // A driver's vm_ops->fault (device-dax) maps its own pfns, read or write alike.
  const fault = vma.vm_file.f_op.fault;
  if (fault !== undefined) return fault(k, vmf);
  if ((flags & FAULT_FLAG_WRITE) === 0) return do_read_fault(k, vmf);
  if ((vma.vm_flags & VM_SHARED) === 0) return do_cow_fault(k, vmf);
  return do_shared_fault(k, vmf);
}

/**
 * A write to a present, read-only PTE of a shared file mapping (write-protected after writeback
 * cleaned the page): page_mkwrite dirties the folio again, then the PTE becomes writable.
 * @kernel mm/memory.c wp_page_shared
 */
function wp_page_shared(k: Kernel, vma: vm_area_struct, addr: number, flags: number, i: number, page: number): number {
  // do_wp_page sends only a page cache folio (not anonymous, vm_normal_page non-NULL) of a
  // shared writable VMA here, and such a VMA has a file (a shared anonymous one, shmem's).
  const file = vma.vm_file as file;
  const mapping = file.f_mapping;
  const page_mkwrite = vma_has_page_mkwrite(vma);
  // Stryker disable next-line ConditionalExpression,BlockStatement: filemap_page_mkwrite only dirties the folio here (its VM_FAULT_NOPAGE needs a concurrent truncation), which folio_mark_dirty below does as well; the throttle reads `page_mkwrite`, not this call
  if (page_mkwrite) {
    // Stryker disable next-line ArithmeticOperator: filemap_page_mkwrite reads only vmf.page and the VMA, not the address
    const vmf = new vm_fault(vma, Math.floor(addr / 4096) * 4096, linear_page_index(vma, addr), flags | FAULT_FLAG_MKWRITE, i);
    vmf.page = page;
    const tmp = filemap_page_mkwrite(k, vmf);
    // Stryker disable next-line ConditionalExpression: VM_FAULT_NOPAGE needs a truncation while the fault waits for the folio lock, which a single-threaded model cannot have
    if ((tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) !== 0) return tmp;
  }
  wp_page_reuse(k, vma, i);
  // fault_dirty_shared_page: the writer meets the dirty throttle when set_page_dirty dirtied the
  // folio, or when ->page_mkwrite did (it always has then, so set_page_dirty found it dirty).
  const dirtied = folio_mark_dirty(k, mapping, page);
  // Stryker disable next-line ConditionalExpression: true for every file but shmem, whose mapping has no writeback (balance_dirty_pages_ratelimited returns at once)
  if (dirtied || page_mkwrite) balance_dirty_pages_ratelimited(k, mapping);
  return VM_FAULT_WRITE;
}

/**
 * Marks a page dirty because a PTE mapping it was dirty (zap, unmap): through its mapping's
 * dirty_folio for a page cache page (the dirty accounting), the flag alone otherwise.
 * @kernel mm/page-writeback.c set_page_dirty
 */
export function set_page_dirty(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  // folio_mapping: a page cache folio's address_space (an anonymous folio's mapping is its
  // anon_vma's negative id, never a key of mappings). shmem's dirty_folio is noop_dirty_folio.
  const mapping = k.vfs.mappings.get(mem.mapping[pfn]);
  if (mapping !== undefined) folio_mark_dirty(k, mapping, pfn);
  else mem.flags[pfn] |= F(PG_dirty);
}

/**
 * Zaps the PTEs of `vma` that map page indexes [first, last] of its file: the file's own pages,
 * and with `even_cows` the private copies made of them too.
 * @kernel mm/memory.c unmap_mapping_range_vma, zap_page_range_single
 */
function zap_file_vma(k: Kernel, vma: vm_area_struct, first: number, last: number, even_cows: boolean): void {
  const vstart = vma.vm_pgoff;
  // Stryker disable next-line ArithmeticOperator: a window past the VMA's end is clipped to vm_end by unmap_single_vma
  const vend = vma.vm_pgoff + vma_pages(vma) - 1;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a window outside the VMA gives s >= e, on which unmap_single_vma returns before touching anything
  if (last < vstart || first > vend) return;
  const s = vma.vm_start + (Math.max(first, vstart) - vstart) * 4096;
  const e = vma.vm_start + (Math.min(last, vend) - vstart + 1) * 4096;
  // zap_page_range_single: a gather of its own for the one VMA.
  const tlb = tlb_gather_mmu(k, vma.vm_mm);
  // Stryker disable next-line ConditionalExpression: every VMA on a mapping's i_mmap has a file
  unmap_single_vma(k, tlb, vma, s, e, even_cows ? 0 : vma.vm_file === null ? 0 : vma.vm_file.f_mapping.id);
  tlb_finish_mmu(k, tlb);
}

/**
 * Unmaps bytes [holebegin, holebegin + holelen) of a file from every mapping of it (holelen 0:
 * to the end); `even_cows` also zaps the private copies (truncation), else only the file's pages.
 * @kernel mm/memory.c unmap_mapping_range, unmap_mapping_pages
 */
export function unmap_mapping_range(k: Kernel, mapping: address_space, holebegin: number, holelen: number, even_cows: boolean): void {
  const first = Math.floor(holebegin / 4096);
  const last = holelen === 0 ? 2 ** 53 : first + Math.ceil(holelen / 4096) - 1;
  for (const vma of [...mapping.i_mmap]) zap_file_vma(k, vma, first, last, even_cows);
}

/** Unmaps one page cache folio from every mapping of its file. @kernel mm/memory.c unmap_mapping_folio */
export function unmap_mapping_folio(k: Kernel, mapping: address_space, pfn: number): void {
  const index = k.mem_map.index[pfn];
  for (const vma of [...mapping.i_mmap]) zap_file_vma(k, vma, index, index, false);
}

const UPTODATE = F(PG_uptodate);
const COMPOUND = F(PG_head) | F(PG_tail);
const SWAPBACKED = F(PG_swapbacked);
const ANON_EXCL = F(PG_anon_exclusive);
const GFP_ANON_ZERO = GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO;
const GFP_ANON_COPY = GFP_HIGHUSER_MOVABLE | __GFP_COMP;

/**
 * Write accesses to PTEs j0 .. j1-1 of PTE table `table` (PTE j0 maps `addr0`), all inside `vma`, for as long as each
 * is one of the two commonest faults, each done exactly as the MMU's fault_in_table →
 * handle_mm_fault_in_table → handle_pte_fault would do it, then the access the MMU retries
 * (accessed + dirty):
 * - an empty PTE in a private anonymous VMA: do_anonymous_page's write branch (a zeroed page,
 *   PG_uptodate, page_add_new_anon_rmap, MM_ANONPAGES, a writable dirty PTE);
 * - a present, read-only, non-special PTE of an anonymous page: do_wp_page (reuse or copy).
 * Each fault counts PGFAULT and min_flt as mm_account_fault does. The caller has checked what
 * do_user_addr_fault checks (the VMA holds the range, nobody listens to page_fault_user, VM_WRITE). Returns the
 * number of pages done (0: the first PTE is of another kind, the caller takes the general path),
 * or -(m + 1) when the allocation for page j0 + m failed (VM_FAULT_OOM, PGFAULT counted, no
 * min_flt, the pages before it done).
 * @kernel mm/memory.c do_anonymous_page, do_wp_page, wp_page_reuse, wp_page_copy
 * @kernel mm/rmap.c page_add_new_anon_rmap, __page_set_anon_rmap, page_remove_rmap
 */
export function anon_write_run(
  k: Kernel,
  t: task_struct,
  vma: vm_area_struct,
  pool: PgtablePool,
  table: number,
  j0: number,
  j1: number,
  addr0: number,
): number {
  const av = vma.anon_vma;
  // A registered VMA (VM_UFFD_MISSING / VM_UFFD_WP) takes the general path: its faults may go
  // to userland. Same one test as before, with two more bits in the mask.
  if (vma.vm_file !== null || (vma.vm_flags & (VM_WRITE | VM_SHARED | VM_UFFD_MISSING | VM_UFFD_WP)) !== VM_WRITE || av === null) return 0;
  // do_anonymous_page's entry, with the MMU's accessed/dirty on top; both wp paths give the same.
  const entry = pte_mkdirty(vma.vm_page_prot) | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  if ((entry & (_PAGE_PRESENT | _PAGE_USER)) !== (_PAGE_PRESENT | _PAGE_USER)) return 0;
  // Each fault of the run is a handle_mm_fault: lru_gen_enter_fault until the run ends.
  lru_gen_enter_fault(k, vma);
  const mem = k.mem_map;
  const mflags = mem.flags;
  const mapping = mem.mapping;
  const mapcount = mem.mapcount;
  const refcount = mem._refcount;
  const index = mem.index;
  const rss = vma.vm_mm.rss_stat;
  const events = k.vm_events;
  const base = table * 512;
  const avId = -av.id;
  const kills0 = events[OOM_KILL];
  const locked = (vma.vm_flags & VM_LOCKED) !== 0;
  // count_memcg_event_mm(PGFAULT) and mem_cgroup_charge's memcg, resolved once for the run.
  const memcgEvents = k.memcg.nr_memcgs !== 0 ? memcg_event_counters(k, vma.vm_mm) : null;
  // In a memcg, the run's PGFAULT, PGPGIN and NR_ANON_MAPPED updates of it are counted here and
  // handed over together (memcg_account_fault_run) before anything else can read or update memcg
  // statistics: an allocation past the pcp list (it may reclaim), a charge past the stock, a page
  // freed, an LRU batch moved, a kthread's turn, memory.high's reclaim, the end of the run. What
  // a flush finds is then what per-page updates would have left (issue 15: per page, these
  // three updates were a third of the memcg's cost of a first-touch fault). On a machine of
  // several nodes each update goes the per-page way.
  const batchMemcg = memcgEvents !== null && memcgEvents.lruvec_state_pending === null ? memcgEvents : null;
  // The machine's one node, whose NR_ANON_MAPPED count is held with the memcg's (the node and
  // memcg halves of one __mod_lruvec_page_state go together).
  const pgdat0 = k.node_data[0];
  let heldFaults = 0;
  let heldCharges = 0;
  let heldAnon = 0;
  // How many more pages folio_add_lru_new takes before one fills this CPU's batch and moves it
  // (with the memcg's LRU-size updates) onto the LRU: the held statistics go before that one.
  // -1: to be asked (lru_add_room), after anything but this loop's own adds may have moved batches.
  let lruRoom = -1;
  // linear_page_index of PTE j0, advancing one per PTE.
  let idx = linear_page_index(vma, addr0);
  let j = j0;
  for (; j < j1; j++, idx = (idx + 1) | 0) {
    const i = base + j;
    const f = pool.ent_flags[i];
    const old = pool.ent_pfn[i];
    let oldAnon = false;
    if (f === 0 && old === 0) {
      // do_anonymous_page
    } else if ((f & (_PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_SPECIAL)) === (_PAGE_PRESENT | _PAGE_USER) && mapping[old] < 0 && (page_flags(mem, old) & COMPOUND) === 0) {
      // do_wp_page on an anonymous page: reuse when exclusive, or when ours is the only reference.
      const excl = (mflags[old] & ANON_EXCL) !== 0;
      // wp_can_reuse_anon_page may drain the LRU batches: the held statistics go first.
      if (!excl && batchMemcg !== null) {
        if (heldFaults + heldCharges + heldAnon !== 0) {
          memcg_account_fault_run(k, batchMemcg, pgdat0, heldFaults, heldCharges, heldAnon);
          heldFaults = heldCharges = heldAnon = 0;
        }
        lruRoom = -1;
      }
      if (excl || wp_can_reuse_anon_page(k, old)) {
        events[PGFAULT]++;
        if (batchMemcg !== null) heldFaults++;
        else if (memcgEvents !== null) memcg_count_fault(k, memcgEvents);
        if (!excl) {
          mapping[old] = avId; // page_move_anon_rmap
          mflags[old] |= ANON_EXCL;
        }
        events[PGREUSE]++; // wp_page_reuse: maybe_mkwrite(pte_mkdirty(pte_mkyoung)), then the MMU's bits
        pool.ent_flags[i] = f | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_RW;
        t.min_flt++;
        continue;
      }
      oldAnon = true;
    } else {
      break;
    }
    events[PGFAULT]++;
    if (batchMemcg !== null) heldFaults++;
    else if (memcgEvents !== null) memcg_count_fault(k, memcgEvents);
    const zeroed = !oldAnon || is_zero_pfn(k, old);
    // do_wp_page's get_page: the old page is held while the allocation may reclaim.
    if (oldAnon) refcount[old]++;
    const gfp = zeroed ? GFP_ANON_ZERO : GFP_ANON_COPY;
    let pfn = batchMemcg !== null ? alloc_page_pcp_fast(k, gfp) : NO_PFN;
    if (pfn === NO_PFN) {
      if (heldFaults + heldCharges + heldAnon !== 0) {
        memcg_account_fault_run(k, batchMemcg!, pgdat0, heldFaults, heldCharges, heldAnon);
        heldFaults = heldCharges = heldAnon = 0;
      }
      lruRoom = -1;
      pfn = alloc_pages(k, gfp, 0);
    }
    // mem_cgroup_charge: to the memcg resolved for the run (the mm's owner cannot change groups
    // inside it); nothing to do in the root. Its reclaim, like the allocation's, runs with the
    // old page held. From the stock, charge_memcg is the stock's page, the page's memcg id
    // and PGPGIN (held with the rest).
    let charged = true;
    if (pfn !== NO_PFN && memcgEvents !== null) {
      if (batchMemcg !== null && consume_stock_page(k, batchMemcg)) {
        mem.memcg[pfn] = batchMemcg.id; // commit_charge
        heldCharges++;
      } else {
        if (heldFaults + heldCharges + heldAnon !== 0) {
          memcg_account_fault_run(k, batchMemcg!, pgdat0, heldFaults, heldCharges, heldAnon);
          heldFaults = heldCharges = heldAnon = 0;
        }
        lruRoom = -1;
        charged = charge_memcg(k, pfn, memcgEvents, GFP_KERNEL) === 0;
      }
    }
    // Each way on from here may free a page or leave the run: the held statistics go first.
    if (heldFaults + heldCharges + heldAnon !== 0 && (oldAnon || pfn === NO_PFN || !charged || pool.ent_flags[i] !== f || pool.ent_pfn[i] !== old)) {
      memcg_account_fault_run(k, batchMemcg!, pgdat0, heldFaults, heldCharges, heldAnon);
      heldFaults = heldCharges = heldAnon = 0;
    }
    if (oldAnon) {
      lruRoom = -1;
      if (refcount[old] > 1) refcount[old]--;
      else put_page(k, old);
    }
    if (pfn === NO_PFN || !charged) {
      if (pfn !== NO_PFN) put_page(k, pfn);
      k.in_lru_fault = false;
      return -(j - j0 + 1);
    }
    if (pool.ent_flags[i] !== f || pool.ent_pfn[i] !== old) {
      // do_anonymous_page's !pte_none / wp_page_copy's !pte_same after the allocation: its
      // reclaim changed the entry (the old page swapped out, its accessed bit aged). The new page
      // goes back and the access faults again, past this run.
      put_page(k, pfn);
      t.min_flt++;
      break;
    }
    if (zeroed) set_new_page_content(mem, pfn, ++k.content_seq);
    else copy_new_page_content(mem, pfn, old);
    // page_add_new_anon_rmap + __page_set_anon_rmap (exclusive): the VMA's own anon_vma.
    mflags[pfn] |= UPTODATE | SWAPBACKED | ANON_EXCL;
    mapcount[pfn] = 1;
    if (batchMemcg !== null && !oldAnon) {
      // mod_page_node_state, held: the node's and the memcg's counts (the page is charged to
      // batchMemcg) go over with the rest.
      heldAnon++;
    } else {
      mod_page_node_state(k, pfn, NR_ANON_MAPPED, 1);
    }
    mapping[pfn] = avId;
    index[pfn] = idx;
    if (batchMemcg !== null) {
      if (lruRoom < 0) lruRoom = locked ? 0 : lru_add_room(k);
      if (lruRoom === 0) {
        if (heldFaults + heldCharges + heldAnon !== 0) {
          memcg_account_fault_run(k, batchMemcg, pgdat0, heldFaults, heldCharges, heldAnon);
          heldFaults = heldCharges = heldAnon = 0;
        }
        lruRoom = -1;
      } else {
        lruRoom--;
      }
    }
    if (locked) lru_cache_add_inactive_or_unevictable(k, pfn, vma);
    else folio_add_lru_new(k, pfn);
    pool.ent_pfn[i] = pfn;
    pool.ent_flags[i] = entry;
    if (oldAnon) {
      // wp_page_copy's ptep_clear_flush_notify: the old entry was present (write-protected), so
      // the CPUs holding it flush that page (a first touch, over an empty PTE, flushes nothing).
      flush_tlb_page(k, vma, addr0 + (j - j0) * 4096);
      // wp_page_copy: the old anonymous page loses this mapping and our reference (rss unchanged).
      const left = --mapcount[old];
      if (left === 0) mod_page_node_state(k, old, NR_ANON_MAPPED, -1);
      else if (left < 0) throw new KernelBug("page_remove_rmap: mapcount underflow", { pfn: old });
      // put_page: while another mapping holds the page (the usual CoW case) it is only a decrement.
      if (refcount[old] > 1) refcount[old]--;
      else put_page(k, old);
    } else {
      rss[MM_ANONPAGES]++;
      pool.tbl_used[table]++;
    }
    t.min_flt++;
    // The return to user space after this fault (see the MMU's fault_and_retry).
    if (k.need_resched || t.memcg_nr_pages_over_high !== 0) {
      if (heldFaults + heldCharges + heldAnon !== 0) {
        memcg_account_fault_run(k, batchMemcg!, pgdat0, heldFaults, heldCharges, heldAnon);
        heldFaults = heldCharges = heldAnon = 0;
      }
      lruRoom = -1;
    }
    if (k.need_resched) cond_resched(k);
    if (t.memcg_nr_pages_over_high !== 0) mem_cgroup_handle_over_high(k, t, GFP_KERNEL);
    // The allocation ran the OOM killer: the caller checks whether this task was its victim.
    if (events[OOM_KILL] !== kills0) {
      j++;
      break;
    }
  }
  if (heldFaults + heldCharges + heldAnon !== 0) memcg_account_fault_run(k, batchMemcg!, pgdat0, heldFaults, heldCharges, heldAnon);
  k.in_lru_fault = false;
  return j - j0;
}

// ---------------------------------------------------------------------------------------------
// Unmapping and freeing page tables
// ---------------------------------------------------------------------------------------------

/**
 * Clears every PTE of [start, end) in one VMA: drops rss, rmap and the mapping's reference, and
 * moves dirty bits of file PTEs to their pages. Swap entries are dropped from MM_SWAPENTS and their slots freed (free_swap_and_cache).
 * The gather `tlb` records what was cleared (tlb_remove_tlb_entry: the present PTEs' range; a
 * huge PMD's) and flushes at the VMA's end (tlb_end_vma), when its batches fill, or after a table
 * with a dirty file page (force_flush).
 * @kernel mm/memory.c unmap_single_vma, unmap_page_range, zap_pmd_range, zap_pte_range
 * @kernel mm/swap_state.c free_pages_and_swap_cache
 */
export function unmap_single_vma(k: Kernel, tlb: mmu_gather, vma: vm_area_struct, start: number, end: number, only_mapping = 0): void {
  const s = Math.max(start, vma.vm_start);
  const e = Math.min(end, vma.vm_end);
// Stryker disable next-line ConditionalExpression,EqualityOperator: an empty range clears nothing, and tlb_end_vma returns for a gather that cleared nothing
  if (s >= e) return;
  const mm = vma.vm_mm;
  if (mm.pgd === NO_TABLE) return;
  if ((vma.vm_flags & VM_HUGETLB) !== 0) {
    // __unmap_hugepage_range: tlb_remove_huge_tlb_entry over what was mapped, then its own flush
    // of the range (the kernel's __unmap_hugepage_range_final through the gather).
    const before = mm.hugetlb_usage;
    __unmap_hugepage_range(k, vma, s, e);
    if (mm.hugetlb_usage !== before) tlb_flush_pmd_range(tlb, s, e - s);
    tlb_end_vma(k, tlb);
    return;
  }
  const pool = k.pgtables;
  const mem = k.mem_map;
  const rss = mm.rss_stat;
  for (let a = s; a < e; ) {
    const next = Math.min(e, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    let table = pte_table_lookup(k, mm.pgd, a);
    if (table === NO_TABLE) {
      // zap_pmd_range: a huge PMD goes whole, or is split when only part of it is zapped.
      const pmdi = pmd_offset(k, mm.pgd, a);
      if (pmdi >= 0 && pmd_trans_huge(pool.ent_flags[pmdi])) {
        if (next - a === PMD_SIZE) {
          zap_huge_pmd(k, vma, pmdi);
          tlb_zap_huge_pmd(k, tlb, a);
          a = next;
          continue;
        }
        __split_huge_pmd(k, vma, pmdi, a);
        table = pte_table_lookup(k, mm.pgd, a);
      }
    }
    if (table !== NO_TABLE && pool.tbl_used[table] !== 0) {
      const base = table * 512;
      const j0 = pte_index(a);
      const j1 = j0 + (next - a) / 4096;
      // tlb_remove_tlb_entry's range (the first and last present entries), the pages for the
      // gather's batches, and zap_pte_range's force_flush for a dirty file page.
      let lo = -1;
      let hi = -1;
      let pages = 0;
      let force = false;
      for (let j = j0; j < j1; j++) {
        const i = base + j;
        const f = pool.ent_flags[i];
        const p = pool.ent_pfn[i];
        if (f === 0 && p === 0) continue;
        // zap_skip_check_mapping: a zap of one file's pages leaves the rest (its private copies).
        if (only_mapping !== 0 && ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0 || (f & _PAGE_SPECIAL) !== 0 || mem.mapping[p] !== only_mapping)) continue;
        pool.ent_flags[i] = 0;
        pool.ent_pfn[i] = 0;
        pool.tbl_used[table]--;
        if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
          // A genuine swap entry, hence a private anonymous page: drop the entry's reference.
          rss[MM_SWAPENTS]--;
          if (!free_swap_and_cache(k, pte_to_swp_entry(f, p))) throw new KernelBug("zap_pte_range: bad swap PTE", { flags: f, offset: p });
          continue;
        }
        if (lo < 0) lo = j;
        hi = j;
        if ((f & _PAGE_SPECIAL) !== 0) continue; // the zero page: no rss, no rmap
        pages++;
        if ((page_flags(mem, p) & COMPOUND) !== 0) {
          // A subpage of a PTE-mapped THP: its folio's counter, rmap and reference.
          rss[mm_counter(k, p)]--;
          page_remove_rmap(k, p);
          put_page(k, p);
          continue;
        }
// Stryker disable next-line EqualityOperator: no mapped normal page has mapping 0 (page cache pages have their mapping's id, anonymous ones a negative anon_vma id)
        if (mem.mapping[p] < 0) {
          // The common anonymous case of mm_counter + page_remove_rmap, inlined for exit's speed.
          rss[MM_ANONPAGES]--;
          const left = --mem.mapcount[p];
          if (left === 0) {
            mod_page_node_state(k, p, NR_ANON_MAPPED, -1);
            // free_pages_and_swap_cache: an unmapped swap-cache page gives its slot back now.
  // Stryker disable next-line ConditionalExpression: free_swap_cache tests PG_swapcache itself
            if ((mem.flags[p] & F(PG_swapcache)) !== 0) free_swap_cache(k, p);
// Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,ObjectLiteral: an invariant check (left 0 is the branch above); no model path unmaps a page more often than it mapped it
          } else if (left < 0) throw new KernelBug("zap: mapcount underflow", { pfn: p });
          // put_page of a page another mapping still holds (a forked child's exit: the parent's
          // copy-on-write share): only the decrement, without the two calls.
// Stryker disable next-line ConditionalExpression,BlockStatement: a shortcut: put_page of an order-0 page another reference holds only decrements its count
          if (mem._refcount[p] > 1) {
            mem._refcount[p]--;
            continue;
          }
        } else {
          if ((f & _PAGE_DIRTY) !== 0) {
            set_page_dirty(k, p);
            force = true;
          }
          // zap_pte_range: a young file PTE counts as a use (mark_page_accessed) unless VM_SEQ_READ.
          if ((f & _PAGE_ACCESSED) !== 0 && (vma.vm_flags & VM_SEQ_READ) === 0) folio_mark_accessed(k, p);
          rss[mm_counter(k, p)]--;
          page_remove_rmap(k, p);
        }
        put_page(k, p);
      }
      if (lo >= 0) {
        const abase = a - (j0 << 12);
        tlb_zap_pte_table(k, tlb, abase + lo * 4096, abase + hi * 4096, pages, force);
      }
    }
    a = next;
  }
  tlb_end_vma(k, tlb);
}

/**
 * Zaps [start, end) across the VMAs (munmap, exit).
 * @kernel mm/memory.c unmap_vmas
 */
export function unmap_vmas(k: Kernel, tlb: mmu_gather, mm: mm_struct, vmas: readonly vm_area_struct[], start: number, end: number): void {
  // Stryker disable next-line ConditionalExpression: a shortcut; unmap_single_vma returns at once for an mm without page tables
  if (mm.pgd === NO_TABLE) return;
  for (const vma of vmas) unmap_single_vma(k, tlb, vma, start, end);
}

/**
 * Zaps part of one VMA (madvise MADV_DONTNEED): the pages go, the VMA and tables stay.
 * @kernel mm/memory.c zap_page_range
 */
export function zap_page_range(k: Kernel, vma: vm_area_struct, start: number, size: number): void {
  lru_add_drain(k);
  const tlb = tlb_gather_mmu(k, vma.vm_mm);
  update_hiwater_rss(vma.vm_mm);
  unmap_single_vma(k, tlb, vma, start, start + size);
  tlb_finish_mmu(k, tlb);
}

/**
 * Frees the page tables under the (already zapped) VMAs, in address order, gathering VMAs less
 * than a PMD apart into one call as 6.1 does. floor is the end of the VMA before them (0 at the
 * bottom), ceiling the start of the one after (0 = the top). Unlinking anon_vmas is left to
 * mmap.ts's remove_vma, which runs right after.
 * @kernel mm/memory.c free_pgtables
 */
export function free_pgtables(k: Kernel, tlb: mmu_gather, mm: mm_struct, vmas: readonly vm_area_struct[], floor: number, ceiling: number): void {
  if (mm.pgd === NO_TABLE) return;
  let n = 0;
  while (n < vmas.length) {
    const addr = vmas[n].vm_start;
    let last = vmas[n];
    n++;
    while (n < vmas.length && vmas[n].vm_start <= last.vm_end + PMD_SIZE) last = vmas[n++];
    free_pgd_range(k, mm, addr, last.vm_end, floor, n < vmas.length ? vmas[n].vm_start : ceiling, tlb);
  }
}

// ---------------------------------------------------------------------------------------------
// fork
// ---------------------------------------------------------------------------------------------

/**
 * Does fork copy this VMA's PTEs? Only where a fault could not recreate them, or 6.1 chooses to
 * copy anyway: a child VMA tracking uffd-wp (the PTE bits hold the protection), hugetlb, PFN and
 * mixed mappings, and anonymous pages (anon_vma set). Private untouched file mappings and shared
 * (shmem, file) mappings are refaulted by the child.
 * @kernel mm/memory.c vma_needs_copy
 */
export function vma_needs_copy(dst: vm_area_struct, src: vm_area_struct): boolean {
// Stryker disable next-line ConditionalExpression,BooleanLiteral: fork's dup_userfaultfd disarms the child's VMA (no UFFD_FEATURE_EVENT_FORK in the model), so dst never tracks uffd-wp
  if (userfaultfd_wp(dst)) return true;
  if ((src.vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP)) !== 0) return true;
  return src.anon_vma !== null;
}

/**
 * Copies the parent's PTEs of one VMA into the child's tables: each mapped page gains a
 * reference and a mapcount, anonymous pages lose PageAnonExclusive, and in a CoW mapping both
 * sides lose write permission, so the first write on either side faults. The child's PTEs are
 * old (not accessed), and clean in shared mappings. Returns 0 or -ENOMEM.
 * @kernel mm/memory.c copy_page_range, copy_pte_range, copy_present_pte
 */
export function copy_page_range(k: Kernel, dst: vm_area_struct, src: vm_area_struct): number {
  if (!vma_needs_copy(dst, src)) return 0;
// Stryker disable next-line ConditionalExpression: dup_mmap calls copy_page_range only for VMAs without VM_WIPEONFORK
  if ((dst.vm_flags & VM_WIPEONFORK) !== 0) return 0;
  const smm = src.vm_mm;
  const dmm = dst.vm_mm;
  if (smm.pgd === NO_TABLE) return 0;
  if (dmm.pgd === NO_TABLE && !pgd_alloc(k, dmm)) return -errnoValues.ENOMEM;
  if ((src.vm_flags & VM_HUGETLB) !== 0) return copy_hugetlb_page_range(k, dst, src);
  const pool = k.pgtables;
  const mem = k.mem_map;
  const cow = is_cow_mapping(src.vm_flags);
// Stryker disable next-line ConditionalExpression: a shared VMA is copied only when hugetlb (returned above) or PFN/mixed (special PTEs, skipped below), so `shared` is false wherever it is read
  const shared = (src.vm_flags & VM_SHARED) !== 0;
  const drss = dmm.rss_stat;
  const flagsRef = mem.flags;
  const refcount = mem._refcount;
  const mapcount = mem.mapcount;
  const mapping = mem.mapping;
  const SWAPBACKED = F(PG_swapbacked);
  const EXCL = F(PG_anon_exclusive);
  // pte_mkold, and pte_clear_uffd_wp unless the child's VMA tracks writes (dup_userfaultfd
  // disarmed it: no UFFD_FEATURE_EVENT_FORK in the model).
  const CLEAR = _PAGE_ACCESSED | ((dst.vm_flags & VM_UFFD_WP) === 0 ? _PAGE_UFFD_WP : 0);
  for (let a = src.vm_start; a < src.vm_end; ) {
    const next = Math.min(src.vm_end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    const st = pte_table_lookup(k, smm.pgd, a);
    if (st === NO_TABLE) {
      // copy_pmd_range: a huge PMD is copied whole (copy_huge_pmd).
      const spmdi = pmd_offset(k, smm.pgd, a);
      if (spmdi >= 0 && pmd_trans_huge(pool.ent_flags[spmdi])) {
        if (next - a !== PMD_SIZE) throw new KernelBug("copy_pmd_range: huge PMD across a VMA boundary", { addr: a });
        const dpmdi = pmd_alloc(k, dmm, a);
        if (dpmdi < 0 || copy_huge_pmd(k, dst, spmdi, dpmdi) < 0) return -errnoValues.ENOMEM;
        a = next;
        continue;
      }
    }
    if (st !== NO_TABLE && pool.tbl_used[st] !== 0) {
      const dt = pte_alloc_table(k, dmm, a);
      if (dt === NO_TABLE) return -errnoValues.ENOMEM;
      // pte_alloc_table may have grown the pool's columns: read them after it.
      const ef = pool.ent_flags;
      const ep = pool.ent_pfn;
      const j0 = pte_index(a);
      const j1 = j0 + (next - a) / 4096;
      const sb = st * 512;
      const db = dt * 512;
      let added = 0;
      let anon = 0;
      for (let j = j0; j < j1; j++) {
        let f = ef[sb + j];
        const p = ep[sb + j];
        if (f === 0 && p === 0) continue;
        added++;
        if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
          // copy_nonpresent_pte: one more reference to the entry, which both sides now share.
          if (swap_duplicate(k, pte_to_swp_entry(f, p)) < 0) return -errnoValues.EIO;
// Stryker disable next-line ConditionalExpression: clearing the bit of an entry that does not have it writes back the same value
          if (pte_swp_exclusive(f)) {
            f = pte_swp_clear_exclusive(f);
            ef[sb + j] = f;
          }
          drss[MM_SWAPENTS]++;
        } else if ((f & _PAGE_SPECIAL) === 0 && (page_flags(mem, p) & COMPOUND) !== 0) {
          // A subpage of a PTE-mapped THP: the folio's reference, the subpage's mapcount.
          refcount[compound_head(mem, p)]++;
          mapcount[p]++;
          if (PageAnon(k, p)) {
            flagsRef[p] &= ~EXCL; // page_try_dup_anon_rmap
            anon++;
          } else {
            drss[mm_counter(k, p)]++;
          }
          if (cow && (f & _PAGE_RW) !== 0) {
            f &= ~_PAGE_RW;
            ef[sb + j] = f;
          }
          if (shared) f &= ~_PAGE_DIRTY;
          f &= ~CLEAR;
        } else if ((f & _PAGE_SPECIAL) === 0) {
          refcount[p]++;
          mapcount[p]++;
// Stryker disable next-line EqualityOperator: no mapped normal page has mapping 0
          if (mapping[p] < 0) {
            const pf = flagsRef[p];
// Stryker disable next-line ConditionalExpression: clearing a clear PG_anon_exclusive writes the same flags
            if ((pf & EXCL) !== 0) flagsRef[p] = pf & ~EXCL; // page_try_dup_anon_rmap
            anon++;
          } else {
            drss[(flagsRef[p] & SWAPBACKED) !== 0 ? 3 : 0]++; // MM_SHMEMPAGES : MM_FILEPAGES
          }
// Stryker disable next-line ConditionalExpression,LogicalOperator: a VMA copied here that is not a CoW mapping lacks VM_MAYWRITE, so none of its PTEs is writable
          if (cow && (f & _PAGE_RW) !== 0) {
            f &= ~_PAGE_RW;
            ef[sb + j] = f; // ptep_set_wrprotect on the parent
          }
          if (shared) f &= ~_PAGE_DIRTY; // pte_mkclean
          f &= ~CLEAR; // pte_mkold, pte_clear_uffd_wp
        }
        ef[db + j] = f;
        ep[db + j] = p;
      }
      drss[MM_ANONPAGES] += anon;
      pool.tbl_used[dt] += added;
    }
    a = next;
  }
  return 0;
}

/** For tests and the invariant checker: PTE flags and pfn at `addr` of `mm`, or null if no table. */
export function follow_pte(k: Kernel, mm: mm_struct, addr: number): { flags: number; pfn: number } | null {
  const t = pte_table_lookup(k, mm.pgd, addr);
  if (t === NO_TABLE) return null;
  const pool = k.pgtables;
  const i = t * 512 + pte_index(addr);
  return { flags: pool.ent_flags[i], pfn: pool.ent_pfn[i] };
}

export { page_dup_file_rmap, page_try_dup_anon_rmap };
