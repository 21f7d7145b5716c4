/**
 * mprotect: change the access permissions of a range of VMAs, splitting and merging them, and
 * rewrite the PTEs of pages already mapped (change_protection) the way the MMU will then see
 * them. A private writable VMA's vm_page_prot has no _PAGE_RW (writes must fault for
 * copy-on-write), so change_pte_range makes a PTE writable directly only when
 * can_change_pte_writable says the page is this process's alone: anonymous, PageAnonExclusive,
 * already dirty.
 *
 * Protection keys are answered as 6.1 answers them on a CPU without PKU (arch/x86/pkeys.ts):
 * pkey_mprotect with any key but -1 is EINVAL, since mm_pkey_is_allocated is false for all.
 * Simplified: no NUMA-balancing prot_numa path; no huge PMDs.
 * @kernel mm/mprotect.c do_mprotect_pkey, mprotect_fixup, change_protection, change_pte_range,
 *   can_change_pte_writable
 * @kernel arch/x86/include/asm/pgtable.h pte_modify
 */
import { pte_needs_flush } from "../arch/x86/tlb.js";
import { tlb_end_vma, tlb_finish_mmu, tlb_flush_pmd_range, tlb_flush_pte_range, tlb_gather_mmu } from "./mmu_gather.js";
import type { Kernel } from "../kernel/kernel.js";
import { mm_pkey_is_allocated } from "../arch/x86/pkeys.js";
import { errnoValues } from "../kernel/errno.js";
import type { task_struct } from "../kernel/sched.js";
import {
  _PAGE_CHG_MASK,
  _PAGE_DIRTY,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SPECIAL,
  _PAGE_UFFD_WP,
  pmd_leaf,
  pmd_offset,
  PMD_SIZE,
  walk_present_ptes,
} from "../arch/x86/pgtable.js";
import { __split_huge_pmd, change_huge_pmd } from "./huge_memory.js";
import { F, PG_anon_exclusive } from "./memmap.js";
import {
  type vm_area_struct,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_GROWSUP,
  VM_HUGETLB,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_NORESERVE,
  VM_READ,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_UFFD_WP,
  VM_WRITE,
} from "./mm_types.js";
import {
  calc_vm_prot_bits,
  find_vma,
  find_vma_prev,
  may_expand_vm,
  PAGE_ALIGN,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_SEM,
  PROT_WRITE,
  READ_IMPLIES_EXEC,
  split_vma,
  vm_stat_account,
  vma_merge,
  vma_set_page_prot,
  vma_wants_writenotify,
} from "./mmap.js";
import { populate_vma_page_range } from "./mlock.js";
import { security_vm_enough_memory_mm, vm_unacct_memory } from "./util.js";
import { PAGE_SIZE } from "./types.js";

const { EINVAL, ENOMEM, EACCES } = errnoValues;
/** VM_READ | VM_WRITE | VM_EXEC: the flags mprotect sets (VM_ACCESS_FLAGS). */
const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/** pte_modify: keep the old PTE's state bits, take the protection from newprot (int32, as stored). */
export function pte_modify(oldflags: number, newprot: number): number {
  return (oldflags & _PAGE_CHG_MASK) | (newprot & ~_PAGE_CHG_MASK);
}

/**
 * can_change_pte_writable: may mprotect set _PAGE_RW without a write fault? Only a dirty PTE of
 * an exclusive anonymous page (private) or any dirty PTE (shared), and only when soft-dirty
 * tracking does not need the fault (a VMA with VM_SOFTDIRTY set is not being tracked).
 */
function can_change_pte_writable(k: Kernel, vma: vm_area_struct, ptent: number, pfn: number): boolean {
  if ((ptent & 0x1) === 0 || (ptent & _PAGE_DIRTY) === 0) return false; // pte_protnone or clean
  if (!(vma.vm_flags & VM_SOFTDIRTY) && (ptent & _PAGE_SOFT_DIRTY) === 0) return false;
  // Writes to a uffd-wp protected PTE must fault to userland (userfaultfd_pte_wp).
  if ((vma.vm_flags & VM_UFFD_WP) !== 0 && (ptent & _PAGE_UFFD_WP) !== 0) return false;
  if (!(vma.vm_flags & VM_SHARED)) {
    if ((ptent & _PAGE_SPECIAL) !== 0) return false; // the zero page
    const mm = k.mem_map;
    if (mm.mapping[pfn] >= 0) return false; // !PageAnon
    if ((mm.flags[pfn] & F(PG_anon_exclusive)) === 0) return false;
  }
  return true;
}

/**
 * change_protection: rewrite every present PTE of [start, end) with newprot (pte_modify), making
 * it writable where allowed. Returns the number of PTEs changed. Each change a TLB may cache
 * stale (pte_needs_flush: RW, present, dirty…) joins the gather's range, flushed when the VMA is
 * done (change_protection_range's tlb_end_vma): one flush per VMA, of that range, or of
 * everything past 33 pages.
 * @kernel mm/mprotect.c change_protection, change_protection_range, change_pte_range
 */
export function change_protection(k: Kernel, vma: vm_area_struct, start: number, end: number, newprot: number, try_change_writable: boolean): number {
  const mm = vma.vm_mm;
  if (mm.pgd < 0) return 0;
  const pool = k.pgtables;
  let pages = 0;
  const tlb = tlb_gather_mmu(k, mm);
  // change_pmd_range: a huge PMD (THP or hugetlb) the range covers whole takes the protection at
  // once (change_huge_pmd); one it covers in part is split first (the VMA split before has done
  // that for THP already).
  for (let a = start; a < end; ) {
    const next = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    const pmdi = pmd_offset(k, mm.pgd, a);
    if (pmdi >= 0 && pmd_leaf(pool.ent_flags[pmdi])) {
      if (next - a === PMD_SIZE) {
        const n = change_huge_pmd(k, pmdi, newprot, _PAGE_CHG_MASK);
        // change_huge_pmd: huge_pmd_needs_flush → tlb_flush_pmd_range.
        if (n !== 0) tlb_flush_pmd_range(tlb, a, PMD_SIZE);
        pages += n;
      } else if ((vma.vm_flags & VM_HUGETLB) === 0) __split_huge_pmd(k, vma, pmdi, a);
    }
    a = next;
  }
  walk_present_ptes(k, mm.pgd, start, end, (addr, i) => {
    const old = pool.ent_flags[i];
    let ptent = pte_modify(old, newprot);
    if (try_change_writable && (ptent & _PAGE_RW) === 0 && can_change_pte_writable(k, vma, ptent, pool.ent_pfn[i])) {
      ptent |= _PAGE_RW;
    }
    if (ptent !== old) {
      if (pte_needs_flush(old, pool.ent_pfn[i], ptent, pool.ent_pfn[i])) tlb_flush_pte_range(tlb, addr, PAGE_SIZE);
      pool.ent_flags[i] = ptent;
      pages++;
    }
  });
  tlb_end_vma(k, tlb);
  tlb_finish_mmu(k, tlb);
  return pages;
}

/**
 * mprotect_fixup: give [start, end) of `vma` the flags newflags: charge Committed_AS when a
 * private mapping first becomes writable, merge with neighbours or split out the range, then
 * rewrite the PTEs. Returns 0 or a negative errno and the VMA now covering the range (pprev).
 */
export function mprotect_fixup(
  k: Kernel,
  t: task_struct,
  vma: vm_area_struct,
  pprev: { v: vm_area_struct | null },
  start: number,
  end: number,
  newflags: number,
): number {
  const mm = vma.vm_mm;
  const oldflags = vma.vm_flags;
  const nrpages = (end - start) / PAGE_SIZE;
  let charged = 0;
  if (newflags === oldflags) {
    pprev.v = vma;
    return 0;
  }
  if (newflags & VM_WRITE) {
    if (!may_expand_vm(t, mm, newflags, nrpages) && may_expand_vm(t, mm, oldflags, nrpages)) return -ENOMEM;
    if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
      charged = nrpages;
      if (security_vm_enough_memory_mm(k, t, mm, charged)) return -ENOMEM;
      newflags |= VM_ACCOUNT;
    }
  }
  const pgoff = vma.vm_pgoff + (start - vma.vm_start) / PAGE_SIZE;
  const merged = vma_merge(k, mm, pprev.v, start, end, newflags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged) {
    vma = merged;
    pprev.v = merged;
  } else {
    pprev.v = vma;
    if (start !== vma.vm_start) {
      const r = split_vma(k, mm, vma, start, true);
      if (typeof r === "number") {
        vm_unacct_memory(k, charged);
        return r;
      }
    }
    if (end !== vma.vm_end) {
      const r = split_vma(k, mm, vma, end, false);
      if (typeof r === "number") {
        vm_unacct_memory(k, charged);
        return r;
      }
    }
  }
  vma.vm_flags = newflags | 0;
  // We want to check manually if we can change individual PTEs writable if we can't do that
  // automatically for all PTEs in a mapping. For private mappings, that's always the case when
  // we have write permissions as we properly have to handle COW. (A shared mapping asks with its
  // old vm_page_prot, as 6.1 does.)
  const try_change_writable = vma.vm_flags & VM_SHARED ? vma_wants_writenotify(vma, vma.vm_page_prot) : (vma.vm_flags & VM_WRITE) !== 0;
  // A shared writable mapping of a disk file gets the read-only protection: its clean pages must
  // fault on the first write (page_mkwrite, dirty accounting); its dirty PTEs stay writable
  // (can_change_pte_writable).
  vma_set_page_prot(vma);
  change_protection(k, vma, start, end, vma.vm_page_prot, try_change_writable);
  // A private mlocked VMA turning writable breaks CoW now to avoid a fault later.
  if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newflags & VM_WRITE) {
    populate_vma_page_range(k, t, vma, start, end);
  }
  vm_stat_account(mm, oldflags, -nrpages);
  vm_stat_account(mm, newflags, nrpages);
  return 0;
}

/**
 * do_mprotect_pkey: the mprotect syscall. 0 or a negative errno: EINVAL for an unaligned start,
 * unknown prot bits or both GROWS flags; ENOMEM when part of the range is unmapped; EACCES when
 * the new protection exceeds what the mapping allows (VM_MAY*).
 */
export function do_mprotect_pkey(k: Kernel, t: task_struct, start: number, len: number, prot: number, pkey: number): number {
  const mm = t.mm!;
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  const rier = (t.personality & READ_IMPLIES_EXEC) !== 0 && (prot & PROT_READ) !== 0;
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (start % PAGE_SIZE) return -EINVAL;
  if (!len) return 0;
  len = PAGE_ALIGN(len);
  let end = start + len;
  if (end <= start || end > 2 ** 64) return -ENOMEM;
  // arch_validate_prot: only READ, WRITE, EXEC and SEM.
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;
  const reqprot = prot;
  // If userspace did not allocate the pkey, do not let it use it (none is, on a CPU without PKU).
  if (pkey !== -1 && !mm_pkey_is_allocated(mm, pkey)) return -EINVAL;

  let vma = find_vma(mm, start);
  if (!vma) return -ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    if (vma.vm_start >= end) return -ENOMEM;
    start = vma.vm_start;
    if (!(vma.vm_flags & VM_GROWSDOWN)) return -EINVAL;
  } else {
    if (vma.vm_start > start) return -ENOMEM;
    if (grows & PROT_GROWSUP) {
      end = vma.vm_end;
      if (!(vma.vm_flags & VM_GROWSUP)) return -EINVAL;
    }
  }
  const pprev: { v: vm_area_struct | null } = { v: start > vma.vm_start ? vma : find_vma_prev(mm, start).prev };
  let error = 0;
  for (let nstart = start; ; ) {
    if (rier && vma.vm_flags & VM_MAYEXEC) prot |= PROT_EXEC;
    let newflags = calc_vm_prot_bits(prot);
    newflags |= vma.vm_flags & ~VM_ACCESS_FLAGS;
    // newflags >> 4 puts VM_MAY* where VM_* are: asking for more than allowed is EACCES.
    if (newflags & ~(newflags >> 4) & VM_ACCESS_FLAGS) {
      error = -EACCES;
      break;
    }
    const tmp = Math.min(vma.vm_end, end);
    error = mprotect_fixup(k, t, vma, pprev, nstart, tmp, newflags);
    if (error) break;
    nstart = tmp;
    const prev = pprev.v!;
    if (nstart < prev.vm_end) nstart = prev.vm_end;
    if (nstart >= end) break;
    const next = find_vma(mm, prev.vm_end);
    if (!next || next.vm_start !== nstart) {
      error = -ENOMEM;
      break;
    }
    vma = next;
    prot = reqprot;
  }
  return error;
}
