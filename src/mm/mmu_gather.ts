/**
 * The mmu_gather: how munmap, exit, MADV_DONTNEED, the OOM reaper and mprotect batch their TLB
 * flushes. A gather collects the range of entries cleared and what kind (PTEs, PMDs, freed page
 * tables), and the pages to free once no TLB can reach them; it flushes when a VMA's zap ends
 * (tlb_end_vma: x86 has no CONFIG_MMU_GATHER_MERGE_VMAS), when its page batches fill, when a
 * dirty file page was zapped (zap_pte_range's force_flush), and at tlb_finish_mmu. exit_mmap's
 * gather is fullmm: no flush until the end, then one of everything.
 *
 * Worked numbers: the batches hold MMU_GATHER_BUNDLE = 8 pages on the stack, then up to
 * MAX_GATHER_BATCH_COUNT = 10000 / 510 = 19 pages of MAX_GATHER_BATCH = (4096 - 16) / 8 = 510
 * pointers: 8 + 19 × 510 = 9698 pages before a forced flush. So exit of a 64 MiB process (16384
 * pages) flushes once mid-zap and once at the end.
 *
 * Simplified: the batch pages are not allocated (the kernel takes them with GFP_NOWAIT and
 * stops batching when that fails; here it never fails and takes no page from the buddy), and
 * pages are freed as they are zapped, as before this model had a TLB: only the flush count and
 * ranges follow the batches. A batch that fills in the middle of a PTE table flushes after that
 * table (the kernel breaks out of the table at once): the range it flushes is larger, and both
 * are past the 33-page ceiling, so either is a full flush. No RCU table freeing
 * (tlb_remove_table): tables are freed at once, and freed_tables makes the flush reach lazy
 * CPUs as 6.1's does.
 * @kernel mm/mmu_gather.c tlb_gather_mmu, tlb_gather_mmu_fullmm, tlb_finish_mmu, tlb_flush_mmu,
 *   tlb_next_batch
 * @kernel include/asm-generic/tlb.h __tlb_reset_range, __tlb_adjust_range, tlb_flush_mmu_tlbonly,
 *   tlb_flush_pte_range, tlb_flush_pmd_range, tlb_get_unmap_shift, tlb_end_vma,
 *   tlb_remove_tlb_entry, MMU_GATHER_BUNDLE, MAX_GATHER_BATCH, MAX_GATHER_BATCH_COUNT
 * @kernel arch/x86/include/asm/tlb.h tlb_flush
 */
import type { Kernel } from "../kernel/kernel.js";
import { flush_tlb_mm_range, mmu_gather, TLB_CLEARED_P4DS, TLB_CLEARED_PMDS, TLB_CLEARED_PTES, TLB_CLEARED_PUDS, TLB_FLUSH_ALL, TLB_FREED_TABLES } from "../arch/x86/tlb.js";
import type { mm_struct } from "./mm_types.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./types.js";
import { TASK_SIZE } from "./mm_types.js";

/** Pages in the gather's on-stack batch. */
export const MMU_GATHER_BUNDLE = 8;
/** Pages per batch page: (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *) = (4096 - 16) / 8. */
export const MAX_GATHER_BATCH = (4096 - 16) / 8;
/** Batch pages at most: 10000 / 510 = 19. */
export const MAX_GATHER_BATCH_COUNT = Math.floor(10000 / MAX_GATHER_BATCH);
/** Pages the batches hold before __tlb_remove_page says "full": 8 + 19 × 510 = 9698. */
export const MMU_GATHER_CAPACITY = MMU_GATHER_BUNDLE + MAX_GATHER_BATCH_COUNT * MAX_GATHER_BATCH;

const PMD_SHIFT = 21;
const PUD_SHIFT = 30;
const P4D_SHIFT = 39;
/** fullmm's start and end (~0). */
const ALL_ONES = Number.MAX_SAFE_INTEGER;

/** __tlb_reset_range: an empty range (fullmm: ~0 both ends), nothing cleared. */
function __tlb_reset_range(tlb: mmu_gather): void {
  if (tlb.fullmm) {
    tlb.start = tlb.end = ALL_ONES;
  } else {
    tlb.start = TASK_SIZE;
    tlb.end = 0;
  }
  tlb.cleared = 0;
}

/**
 * Starts a gather for `mm` (the next free one of the machine's, by nesting depth).
 * @kernel mm/mmu_gather.c tlb_gather_mmu, tlb_gather_mmu_fullmm, __tlb_gather_mmu
 */
export function tlb_gather_mmu(k: Kernel, mm: mm_struct, fullmm = false): mmu_gather {
  const s = k.tlb;
  if (s.gatherDepth === s.gathers.length) s.gathers.push(new mmu_gather());
  const tlb = s.gathers[s.gatherDepth++];
  tlb.mm = mm;
  tlb.fullmm = fullmm;
  tlb.need_flush_all = false;
  tlb.nr_pages = 0;
  __tlb_reset_range(tlb);
  return tlb;
}

/** __tlb_adjust_range: the range grows to cover [address, address + size). */
export function __tlb_adjust_range(tlb: mmu_gather, address: number, size: number): void {
  if (address < tlb.start) tlb.start = address;
  if (address + size > tlb.end) tlb.end = address + size;
}

/** tlb_flush_pte_range (and tlb_remove_tlb_entry's range): PTEs of [address, +size) were cleared. */
export function tlb_flush_pte_range(tlb: mmu_gather, address: number, size: number): void {
  __tlb_adjust_range(tlb, address, size);
  tlb.cleared |= TLB_CLEARED_PTES;
}

/** tlb_flush_pmd_range: PMD entries (a huge PMD, or a PTE table's pointer) of [address, +size) were cleared. */
export function tlb_flush_pmd_range(tlb: mmu_gather, address: number, size: number): void {
  __tlb_adjust_range(tlb, address, size);
  tlb.cleared |= TLB_CLEARED_PMDS;
}

/** tlb_get_unmap_shift: the stride of the flush, from the smallest level cleared. */
function tlb_get_unmap_shift(tlb: mmu_gather): number {
  const c = tlb.cleared;
  if (c & TLB_CLEARED_PTES) return PAGE_SHIFT;
  if (c & TLB_CLEARED_PMDS) return PMD_SHIFT;
  if (c & TLB_CLEARED_PUDS) return PUD_SHIFT;
  if (c & TLB_CLEARED_P4DS) return P4D_SHIFT;
  return PAGE_SHIFT;
}

/**
 * Flushes what the gather cleared, if anything: the range (all of it for fullmm), then starts an
 * empty range.
 * @kernel include/asm-generic/tlb.h tlb_flush_mmu_tlbonly
 * @kernel arch/x86/include/asm/tlb.h tlb_flush
 */
export function tlb_flush_mmu_tlbonly(k: Kernel, tlb: mmu_gather): void {
  if (tlb.cleared === 0) return;
  let start = 0;
  let end = TLB_FLUSH_ALL;
  if (!tlb.fullmm && !tlb.need_flush_all) {
    start = tlb.start;
    end = tlb.end;
  }
  flush_tlb_mm_range(k, tlb.mm!, start, end, tlb_get_unmap_shift(tlb), (tlb.cleared & TLB_FREED_TABLES) !== 0);
  __tlb_reset_range(tlb);
}

/** tlb_flush_mmu: the flush, then the batched pages go (tlb_batch_pages_flush). */
export function tlb_flush_mmu(k: Kernel, tlb: mmu_gather): void {
  tlb_flush_mmu_tlbonly(k, tlb);
  tlb.nr_pages = 0;
}

/** tlb_end_vma: a VMA's zap is done; without MMU_GATHER_MERGE_VMAS, flush now (not for fullmm). */
export function tlb_end_vma(k: Kernel, tlb: mmu_gather): void {
  if (tlb.fullmm || tlb.cleared === 0) return;
  tlb_flush_mmu_tlbonly(k, tlb);
}

/** tlb_finish_mmu: the last flush and free; the gather is released. */
export function tlb_finish_mmu(k: Kernel, tlb: mmu_gather): void {
  if (tlb.cleared !== 0) tlb_flush_mmu_tlbonly(k, tlb);
  tlb.nr_pages = 0;
  tlb.mm = null;
  k.tlb.gatherDepth--;
}

/**
 * The end of zap_pte_range over one PTE table: PTEs [lo, hi] (addresses of the first and last
 * present entries cleared) were removed with tlb_remove_tlb_entry, `pages` of them had a page
 * for the batches (__tlb_remove_page), and `force` says a dirty file page was among them. Flushes
 * as zap_pte_range does when the batches fill or force_flush is set.
 * @kernel mm/memory.c zap_pte_range
 */
export function tlb_zap_pte_table(k: Kernel, tlb: mmu_gather, lo: number, hi: number, pages: number, force: boolean): void {
  tlb_flush_pte_range(tlb, lo, hi + PAGE_SIZE - lo);
  tlb.nr_pages += pages;
  while (tlb.nr_pages >= MMU_GATHER_CAPACITY) {
    // The batches are full: flush and free them, then carry on with the rest.
    tlb.nr_pages -= MMU_GATHER_CAPACITY;
    const rest = tlb.nr_pages;
    tlb_flush_mmu(k, tlb);
    tlb.nr_pages = rest;
    force = false;
  }
  if (force) tlb_flush_mmu(k, tlb);
}

/** A huge PMD zapped (zap_huge_pmd): tlb_remove_pmd_tlb_entry and one batch entry. */
export function tlb_zap_huge_pmd(k: Kernel, tlb: mmu_gather, haddr: number): void {
  tlb_flush_pmd_range(tlb, haddr, 1 << PMD_SHIFT);
  if (++tlb.nr_pages >= MMU_GATHER_CAPACITY) tlb_flush_mmu(k, tlb);
}
