/**
 * mremap: shrink a mapping in place, grow it in place when the space after it is free
 * (vma_expandable, merging the extension with vma_merge), or move it (MREMAP_MAYMOVE, to a chosen
 * address with MREMAP_FIXED, leaving the old range mapped but empty with MREMAP_DONTUNMAP):
 * copy_vma makes the destination VMA and move_page_tables carries the PTEs across, so the pages
 * themselves never move and rmap still finds them (vm_pgoff travels with the VMA).
 *
 * Simplified: no hugetlb VMAs, no PMD-level moves (the kernel moves whole PMD tables when both
 * ranges are 2 MiB aligned; the model always moves PTE by PTE: the result is the same mappings,
 * only the page-table page count can differ transiently), no userfaultfd events (a moved VMA
 * loses its registration, as mremap_userfaultfd_prep does without UFFD_FEATURE_EVENT_REMAP).
 * @kernel mm/mremap.c SYSCALL_DEFINE5(mremap), mremap_to, move_vma, vma_to_resize,
 *   vma_expandable, move_page_tables, move_ptes, move_soft_dirty_pte
 * @kernel fs/userfaultfd.c mremap_userfaultfd_prep
 */
import { dup_userfaultfd } from "../fs/userfaultfd.js";
import { flush_tlb_range } from "../arch/x86/tlb.js";
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import type { task_struct } from "../kernel/sched.js";
import { _PAGE_SOFT_DIRTY, pmd_offset, pmd_trans_huge, pte_alloc_map, pte_clear, pte_offset_map, set_pte_at, _PAGE_PRESENT, _PAGE_PROTNONE } from "../arch/x86/pgtable.js";
import { __split_huge_pmd } from "./huge_memory.js";
import { TASK_SIZE, type vm_area_struct, VM_ACCOUNT, VM_DONTEXPAND, VM_HUGETLB, VM_LOCKED, VM_LOCKED_MASK, VM_MAYSHARE, VM_PFNMAP, VM_SHARED, unlink_anon_vmas, vma_is_anonymous } from "./mm_types.js";
import {
  copy_vma,
  do_munmap,
  find_vma,
  find_vma_intersection,
  get_unmapped_area,
  MAP_FIXED,
  MAP_SHARED,
  may_expand_vm,
  mlock_future_check,
  offset_in_page,
  PAGE_ALIGN,
  split_vma,
  vm_stat_account,
  vma_lookup,
  vma_merge,
} from "./mmap.js";
import { __mm_populate } from "./mlock.js";
import { security_vm_enough_memory_mm, vm_acct_memory, vm_unacct_memory } from "./util.js";
import { PAGE_SIZE } from "./types.js";

const { EINVAL, ENOMEM, EFAULT, EAGAIN } = errnoValues;

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

/**
 * get_extent(NORMAL_PMD): how far from `old` one move_ptes call reaches: to the next PMD boundary
 * of the old or the new address, whichever is nearer, and never past old_end.
 */
function get_extent(old: number, neu: number, old_end: number): number {
  const toOld = (Math.floor(old / 2097152) + 1) * 2097152 - old;
  const toNew = (Math.floor(neu / 2097152) + 1) * 2097152 - neu;
  return Math.min(toOld, toNew, old_end - old);
}

/**
 * move_page_tables (move_ptes): move every non-empty PTE of [old_addr, old_addr + len) to the
 * same offset from new_addr, marking moved entries soft-dirty. Returns the bytes moved (len, or
 * less when a page table could not be allocated). Each extent (get_extent: up to the nearer PMD
 * boundary) that moved a present PTE is flushed at its end, flush_tlb_range(vma, old_end - len,
 * old_end) as move_ptes does.
 * Simplified: 6.1 moves a whole aligned PTE table at once (move_normal_pmd) and then flushes its
 * 2 MiB even when nothing in it was present; here the table's entries move one by one and only
 * an extent with a present entry is flushed.
 * @kernel mm/mremap.c move_page_tables, move_ptes, get_extent
 */
export function move_page_tables(k: Kernel, vma: vm_area_struct, old_addr: number, new_vma: vm_area_struct, new_addr: number, len: number): number {
  const mm = vma.vm_mm;
  if (mm.pgd < 0) return len;
  const pool = k.pgtables;
  const old_end = old_addr + len;
  // The extent being moved and whether it moved a present entry (move_ptes' force_flush).
  let extStart = old_addr;
  let extEnd = old_addr + get_extent(old_addr, new_addr, old_end);
  let force_flush = false;
  for (let off = 0; off < len; off += PAGE_SIZE) {
    while (old_addr + off >= extEnd) {
      if (force_flush) flush_tlb_range(k, vma, extStart, extEnd);
      force_flush = false;
      extStart = extEnd;
      extEnd = extStart + get_extent(extStart, new_addr + (extStart - old_addr), old_end);
    }
    let oi = pte_offset_map(k, mm.pgd, old_addr + off);
    if (oi < 0 && (vma.vm_flags & VM_HUGETLB) === 0) {
      // move_pmd / move_huge_pmd: simplified, a huge PMD is split and its PTEs moved (6.1 moves
      // an aligned one whole; the pages and their contents end up the same).
      const pmdi = pmd_offset(k, mm.pgd, old_addr + off);
      if (pmdi >= 0 && pmd_trans_huge(pool.ent_flags[pmdi])) {
        __split_huge_pmd(k, vma, pmdi, old_addr + off);
        oi = pte_offset_map(k, mm.pgd, old_addr + off);
      }
    }
    if (oi < 0) {
      // No PTE table here: skip to the next 2 MiB boundary.
      const next = (Math.floor((old_addr + off) / 2097152) + 1) * 2097152;
      off = next - old_addr - PAGE_SIZE;
      continue;
    }
    const fl = pool.ent_flags[oi];
    const pfn = pool.ent_pfn[oi];
    if (fl === 0 && pfn === 0) continue;
    const ni = pte_alloc_map(k, new_vma.vm_mm, new_addr + off);
    if (ni < 0) {
      if (force_flush) flush_tlb_range(k, vma, extStart, extEnd);
      return off;
    }
    // The pool may have grown: re-read through it (set_pte_at/pte_clear index the live arrays).
    const oi2 = pte_offset_map(k, mm.pgd, old_addr + off);
    const moved = fl & (_PAGE_PRESENT | _PAGE_PROTNONE) ? fl | _PAGE_SOFT_DIRTY : fl;
    if ((fl & _PAGE_PRESENT) !== 0) force_flush = true;
    pte_clear(pool, oi2);
    set_pte_at(pool, ni, pfn, moved);
  }
  if (force_flush) flush_tlb_range(k, vma, extStart, extEnd);
  return len;
}

/**
 * vma_to_resize: the VMA at addr if [addr, addr + old_len) lies in it and it may take new_len.
 * Returns the VMA or a negative errno.
 */
function vma_to_resize(t: task_struct, addr: number, old_len: number, new_len: number, flags: number): vm_area_struct | number {
  const mm = t.mm!;
  const vma = vma_lookup(mm, addr);
  if (!vma) return -EFAULT;
  // old_len 0 duplicates a shared mapping; a private one cannot be duplicated.
  if (!old_len && !(vma.vm_flags & (VM_SHARED | VM_MAYSHARE))) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP && vma.vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) return -EINVAL;
  if (old_len > vma.vm_end - addr) return -EFAULT;
  if (new_len === old_len) return vma;
  if (vma.vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) return -EFAULT;
  if (mlock_future_check(t, mm, vma.vm_flags, new_len - old_len)) return -EAGAIN;
  if (!may_expand_vm(t, mm, vma.vm_flags, (new_len - old_len) / PAGE_SIZE)) return -ENOMEM;
  return vma;
}

/** What mremap asks its caller to populate afterwards (an mlocked mapping that grew). */
export interface MremapResult {
  populateAddr: number;
  populateLen: number;
}

/**
 * move_vma: move [old_addr, +old_len) of vma to new_addr with new_len, then unmap the old range
 * (unless MREMAP_DONTUNMAP). Commit accounting moves with it: the kernel charges the new size and
 * lets do_munmap unaccount the old one. Returns new_addr or a negative errno.
 */
function move_vma(k: Kernel, t: task_struct, vma: vm_area_struct, old_addr: number, old_len: number, new_len: number, new_addr: number, flags: number, res: MremapResult): number {
  const mm = vma.vm_mm;
  let to_account = new_len - old_len;
  const vm_flags = vma.vm_flags;
  let excess = 0;
  let split = false;
  if (mm.map_count >= k.vm.max_map_count - 3) return -ENOMEM;
  if (flags & MREMAP_DONTUNMAP) to_account = new_len;
  const split_before = vma.vm_start !== old_addr;
  const split_after = vma.vm_end !== old_addr + old_len;
  if (flags & MREMAP_DONTUNMAP && vma.vm_flags & VM_LOCKED) {
    if (split_before) {
      const r = split_vma(k, mm, vma, old_addr, true);
      if (typeof r === "number") return r;
    }
    if (split_after) {
      const r = split_vma(k, mm, vma, old_addr + old_len, false);
      if (typeof r === "number") return r;
    }
  }
  if (vm_flags & VM_ACCOUNT) {
    if (security_vm_enough_memory_mm(k, t, mm, to_account / PAGE_SIZE)) return -ENOMEM;
  }
  const new_pgoff = vma.vm_pgoff + (old_addr - vma.vm_start) / PAGE_SIZE;
  const new_vma = copy_vma(k, vma, new_addr, new_len, new_pgoff);
  // copy_vma may have merged into a VMA that also covers the source (the kernel's *vmap update).
  if (new_vma.vm_start <= old_addr && new_vma.vm_end >= old_addr + old_len) vma = new_vma;
  const moved_len = move_page_tables(k, vma, old_addr, new_vma, new_addr, old_len);
  if (moved_len < old_len) {
    move_page_tables(k, new_vma, new_addr, vma, old_addr, moved_len);
    if (vm_flags & VM_ACCOUNT) vm_unacct_memory(k, to_account / PAGE_SIZE);
    return -ENOMEM;
  }
  // mremap_userfaultfd_prep: without UFFD_FEATURE_EVENT_REMAP (never sent in the model) the moved
  // VMA is no longer registered.
  if (new_vma.vm_userfaultfd_ctx !== null) dup_userfaultfd(new_vma);
  if (vm_flags & VM_ACCOUNT && !(flags & MREMAP_DONTUNMAP)) {
    // The old range's charge is dropped by do_munmap only if it still has VM_ACCOUNT; clearing
    // it stops a double unaccount, and the rest of the VMA gets it back below.
    vma.vm_flags &= ~VM_ACCOUNT;
    excess = vma.vm_end - vma.vm_start - old_len;
    if (old_addr > vma.vm_start && old_addr + old_len < vma.vm_end) split = true;
  }
  const hiwater_vm = mm.hiwater_vm;
  vm_stat_account(mm, vma.vm_flags, new_len / PAGE_SIZE);
  if (flags & MREMAP_DONTUNMAP) {
    vma.vm_flags &= ~VM_LOCKED_MASK;
    if (vma.vm_start === old_addr && vma.vm_end === old_addr + old_len) {
      // The emptied source forgets its anon_vma so it faults fresh zero pages.
      unlink_anon_vmas(k.anon_vmas, vma);
      if (vma_is_anonymous(vma)) vma.vm_pgoff = vma.vm_start / PAGE_SIZE;
    }
    return new_addr;
  }
  if (do_munmap(k, mm, old_addr, old_len) < 0) {
    if (vm_flags & VM_ACCOUNT) vm_acct_memory(k, old_len / PAGE_SIZE);
    excess = 0;
  }
  if (vm_flags & VM_LOCKED) {
    mm.locked_vm += new_len / PAGE_SIZE;
    if (new_len > old_len) {
      res.populateAddr = new_addr + old_len;
      res.populateLen = new_len - old_len;
    }
  }
  mm.hiwater_vm = hiwater_vm;
  if (excess) {
    vma.vm_flags |= VM_ACCOUNT;
    if (split) {
      const after = find_vma(mm, vma.vm_end);
      if (after) after.vm_flags |= VM_ACCOUNT;
    }
  }
  return new_addr;
}

/** mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP. */
function mremap_to(k: Kernel, t: task_struct, addr: number, old_len: number, new_addr: number, new_len: number, flags: number, res: MremapResult): number {
  const mm = t.mm!;
  if (offset_in_page(new_addr)) return -EINVAL;
  if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len) return -EINVAL;
  // The ranges may not overlap.
  if (addr + old_len > new_addr && new_addr + new_len > addr) return -EINVAL;
  if (mm.map_count + 2 >= k.vm.max_map_count - 3) return -ENOMEM;
  let ret: number;
  if (flags & MREMAP_FIXED) {
    ret = do_munmap(k, mm, new_addr, new_len);
    if (ret) return ret;
  }
  if (old_len > new_len) {
    ret = do_munmap(k, mm, addr + new_len, old_len - new_len);
    if (ret) return ret;
    old_len = new_len;
  }
  const vma = vma_to_resize(t, addr, old_len, new_len, flags);
  if (typeof vma === "number") return vma;
  if (flags & MREMAP_DONTUNMAP && !may_expand_vm(t, mm, vma.vm_flags, old_len / PAGE_SIZE)) return -ENOMEM;
  let map_flags = 0;
  if (flags & MREMAP_FIXED) map_flags |= MAP_FIXED;
  if (vma.vm_flags & VM_MAYSHARE) map_flags |= MAP_SHARED;
  ret = get_unmapped_area(t, mm, vma.vm_file, new_addr, new_len, vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE, map_flags, k.vm.mmap_min_addr);
  if (ret < 0) return ret;
  if (!(flags & MREMAP_FIXED)) new_addr = ret;
  return move_vma(k, t, vma, addr, old_len, new_len, new_addr, flags, res);
}

/** vma_expandable: nothing mapped in the delta bytes after the VMA, and the range is valid. */
function vma_expandable(k: Kernel, t: task_struct, vma: vm_area_struct, delta: number): boolean {
  const end = vma.vm_end + delta;
  if (find_vma_intersection(vma.vm_mm, vma.vm_end, end)) return false;
  return get_unmapped_area(t, vma.vm_mm, null, vma.vm_start, end - vma.vm_start, 0, MAP_FIXED, k.vm.mmap_min_addr) >= 0;
}

/**
 * The mremap syscall: the new address or a negative errno. EINVAL for bad flags, an unaligned
 * addr or a zero new_len; EFAULT when addr is not mapped or the old range runs past its VMA;
 * ENOMEM when growing in place is impossible and MREMAP_MAYMOVE was not given.
 */
export function sys_mremap(k: Kernel, t: task_struct, addr: number, old_len: number, new_len: number, flags: number, new_addr: number, res: MremapResult): number {
  const mm = t.mm!;
  res.populateLen = 0;
  if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) return -EINVAL;
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP && (!(flags & MREMAP_MAYMOVE) || old_len !== new_len)) return -EINVAL;
  if (offset_in_page(addr)) return -EINVAL;
  old_len = PAGE_ALIGN(old_len);
  new_len = PAGE_ALIGN(new_len);
  if (!new_len) return -EINVAL;
  let vma = vma_lookup(mm, addr);
  if (!vma) return -EFAULT;

  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
    const ret = mremap_to(k, t, addr, old_len, new_addr, new_len, flags, res);
    if (ret >= 0 && res.populateLen) __mm_populate(k, t, res.populateAddr, res.populateLen, true);
    return ret;
  }

  if (old_len >= new_len) {
    const retval = do_munmap(k, mm, addr + new_len, old_len - new_len);
    if (retval < 0 && old_len !== new_len) return retval;
    return addr;
  }
  const r = vma_to_resize(t, addr, old_len, new_len, flags);
  if (typeof r === "number") return r;
  vma = r;
  if (old_len === vma.vm_end - addr && vma_expandable(k, t, vma, new_len - old_len)) {
    const pages = (new_len - old_len) / PAGE_SIZE;
    const extension_start = addr + old_len;
    const extension_end = addr + new_len;
    const extension_pgoff = vma.vm_pgoff + (extension_start - vma.vm_start) / PAGE_SIZE;
    if (vma.vm_flags & VM_ACCOUNT && security_vm_enough_memory_mm(k, t, mm, pages)) return -ENOMEM;
    const merged = vma_merge(k, mm, vma, extension_start, extension_end, vma.vm_flags, vma.anon_vma, vma.vm_file, extension_pgoff);
    if (!merged) {
      // Only VM_SPECIAL mappings fail to merge with themselves here.
      if (vma.vm_flags & VM_ACCOUNT) vm_unacct_memory(k, pages);
      return -ENOMEM;
    }
    vm_stat_account(mm, merged.vm_flags, pages);
    if (merged.vm_flags & VM_LOCKED) {
      mm.locked_vm += pages;
      res.populateAddr = addr + old_len;
      res.populateLen = new_len - old_len;
      __mm_populate(k, t, res.populateAddr, res.populateLen, true);
    }
    return addr;
  }
  if (flags & MREMAP_MAYMOVE) {
    let map_flags = 0;
    if (vma.vm_flags & VM_MAYSHARE) map_flags |= MAP_SHARED;
    const na = get_unmapped_area(t, mm, vma.vm_file, 0, new_len, vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE, map_flags, k.vm.mmap_min_addr);
    if (na < 0) return na;
    const ret = move_vma(k, t, vma, addr, old_len, new_len, na, flags, res);
    if (ret >= 0 && res.populateLen) __mm_populate(k, t, res.populateAddr, res.populateLen, true);
    return ret;
  }
  return -ENOMEM;
}
