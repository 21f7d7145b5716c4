/**
 * mlock, munlock, mlock2, mlockall, munlockall: VM_LOCKED / VM_LOCKONFAULT on VMAs (split and
 * merged like mprotect), mm->locked_vm against RLIMIT_MEMLOCK, and the page side: an mlocked
 * page has PG_mlocked, counts in NR_MLOCK (Mlocked) and, once on an LRU, sits on the unevictable
 * list (NR_UNEVICTABLE, Unevictable). Also the populate path (mm/gup.c) that MAP_POPULATE,
 * MAP_LOCKED, mlock and mlockall use to fault pages in: a write fault for private writable VMAs
 * (breaking copy-on-write now), a read fault otherwise.
 *
 * Simplified: no per-page mlock_count (6.1 keeps it in the unevictable page's lru.prev and lets
 * reclaim fix undercounts): munlocking a page clears PG_mlocked at once, as 6.1 does when the
 * count was 1, which it is unless two VM_LOCKED VMAs map the page. The kernel's per-cpu mlock
 * pagevec is drained immediately. New anonymous pages of a VM_LOCKED VMA are mlocked by the fault
 * path (lru_cache_add_inactive_or_unevictable → mlock_new_page); file pages it maps are mlocked by
 * the Process API's mlock_faulted_range after the access, where 6.1 does it in
 * page_add_file_rmap. A page not yet on an LRU (still in a per-CPU batch, or isolated by reclaim)
 * only gets PG_mlocked/NR_MLOCK; lru_add_fn (or reclaim's putback) culls it to the unevictable
 * list.
 * @kernel mm/mlock.c do_mlock, apply_vma_lock_flags, mlock_fixup, mlock_vma_pages_range,
 *   mlock_pte_range, mlock_page, mlock_new_page, munlock_page, __mlock_page, __munlock_page,
 *   apply_mlockall_flags, can_do_mlock, count_mm_mlocked_page_nr
 * @kernel mm/gup.c populate_vma_page_range, __mm_populate
 */
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { capable, fatal_signal_pending, rlimit, RLIMIT_MEMLOCK, type task_struct } from "../kernel/sched.js";
import { _PAGE_RW, _PAGE_SPECIAL, pte_offset_map, pte_present, walk_present_ptes } from "../arch/x86/pgtable.js";
import { F, folio_nr_pages, page_flags, PG_active, PG_lru, PG_head, PG_mlocked, PG_tail, PG_unevictable } from "./memmap.js";
import { mlock_vma_huge_pmds } from "./huge_memory.js";
import { lru_relist } from "./mm_inline.js";
import { type mm_struct, type vm_area_struct, VM_IO, VM_LOCKED, VM_LOCKED_MASK, VM_LOCKONFAULT, VM_PFNMAP, VM_READ, VM_EXEC, VM_SHARED, VM_SPECIAL, VM_WRITE, VM_HUGETLB, vma_pages } from "./mm_types.js";
import { find_vma, find_vma_intersection, find_vma_prev, offset_in_page, PAGE_ALIGN, split_vma, vma_merge } from "./mmap.js";
import { FAULT_FLAG_WRITE, handle_mm_fault, VM_FAULT_ERROR, VM_FAULT_OOM } from "./memory.js";
import { NR_MLOCK, UNEVICTABLE_PGMLOCKED, UNEVICTABLE_PGMUNLOCKED, UNEVICTABLE_PGRESCUED, UNEVICTABLE_PGSTRANDED } from "./vmstat_items.js";
import { PAGE_SIZE } from "./types.js";

const { EINVAL, ENOMEM, EPERM, EAGAIN, EINTR } = errnoValues;
/** mlock2 flag: lock pages as they fault in. */
export const MLOCK_ONFAULT = 0x01;
/** mlockall flags. */
export const MCL_CURRENT = 1;
export const MCL_FUTURE = 2;
export const MCL_ONFAULT = 4;

const MLOCKED = F(PG_mlocked);
const UNEVICTABLE = F(PG_unevictable);
const LRU = F(PG_lru);
const ACTIVE = F(PG_active);
const TAIL = F(PG_tail);
const HEAD = F(PG_head);

/**
 * mlock_page (+ __mlock_page as the pagevec drains): PG_mlocked, NR_MLOCK, and onto the
 * unevictable list if the page is on an LRU. A THP (its head) counts folio_nr_pages: 512 in
 * Mlocked and unevictable_pgs_mlocked (mlock_folio's zone_stat_mod_folio).
 * @kernel mm/mlock.c mlock_folio
 */
export function mlock_page(k: Kernel, pfn: number): void {
  const mm = k.mem_map;
  const flags = mm.flags[pfn];
  if ((flags & MLOCKED) === 0) {
    mm.flags[pfn] = flags | MLOCKED;
    const nr = folio_nr_pages(mm, pfn);
    const z = k.page_zone(pfn);
    if (z) z.vm_stat[NR_MLOCK] += nr;
    k.vm_events[UNEVICTABLE_PGMLOCKED] += nr;
  }
  const f = mm.flags[pfn];
  // __mlock_folio: off its list, no longer active, onto the unevictable list.
  if (f & LRU && !(f & UNEVICTABLE)) lru_relist(k, pfn, (f & ~ACTIVE) | UNEVICTABLE);
}

/**
 * mlock_new_page: a page faulted into a VM_LOCKED VMA starts mlocked; it is not on an LRU yet,
 * so lru_add_fn puts it on the unevictable list when its batch drains.
 * @kernel mm/mlock.c mlock_new_folio
 */
export function mlock_new_page(k: Kernel, pfn: number): void {
  mlock_page(k, pfn);
}

/**
 * munlock_page (+ __munlock_page): clear PG_mlocked and NR_MLOCK, and rescue the page from the
 * unevictable list back to its evictable one. Counted unevictable_pgs_munlocked, or
 * unevictable_pgs_stranded for a page isolated off the LRU while still unevictable (a page
 * migration is moving: its new page is mlocked again when mapped).
 */
export function munlock_page(k: Kernel, pfn: number): void {
  const mm = k.mem_map;
  const f = mm.flags[pfn];
  const nr = folio_nr_pages(mm, pfn);
  if (f & MLOCKED) {
    mm.flags[pfn] = f & ~MLOCKED;
    const z = k.page_zone(pfn);
    if (z) z.vm_stat[NR_MLOCK] -= nr;
    // "if (isolated || !PageUnevictable(page))": a page someone else holds off the LRU (migration
    // or reclaim isolated it) that is still marked unevictable is stranded there until that
    // holder puts it back.
    k.vm_events[(f & LRU) === 0 && (f & UNEVICTABLE) !== 0 ? UNEVICTABLE_PGSTRANDED : UNEVICTABLE_PGMUNLOCKED] += nr;
  }
  const g = mm.flags[pfn];
  if (g & UNEVICTABLE) {
    if (lru_relist(k, pfn, g & ~UNEVICTABLE)) k.vm_events[UNEVICTABLE_PGRESCUED] += nr;
  }
}

/**
 * mlock_vma_pages_range (mlock_pte_range): set the VMA's new flags and mlock or munlock every
 * normal page mapped in [start, end) (not the zero page, which is _PAGE_SPECIAL).
 */
export function mlock_vma_pages_range(k: Kernel, vma: vm_area_struct, start: number, end: number, newflags: number): void {
  vma.vm_flags = newflags;
  const mm = vma.vm_mm;
  if (mm.pgd < 0) return;
  const pool = k.pgtables;
  const lock = (newflags & VM_LOCKED) !== 0;
  // mlock_pte_range's huge-PMD branch: a PMD-mapped THP is (un)locked whole.
  mlock_vma_huge_pmds(k, vma, start, end, lock);
  walk_present_ptes(k, mm.pgd, start, end, (_addr, i) => {
    if (pool.ent_flags[i] & _PAGE_SPECIAL) return;
    const pfn = pool.ent_pfn[i];
    // A subpage of a PTE-mapped THP is left alone (PageTransCompound: continue).
    if (page_flags(k.mem_map, pfn) & (TAIL | HEAD)) return;
    if (lock) {
      // mlock_pte_range skips pages also mapped elsewhere without lock (only a full folio...):
      // for small pages it mlocks every mapped page.
      mlock_page(k, pfn);
    } else {
      munlock_page(k, pfn);
    }
  });
}

/** munlock every normal page mapped in [start, end) of a VMA, leaving its flags alone. */
export function munlock_vma_range(k: Kernel, vma: vm_area_struct, start: number, end: number): void {
  const mm = vma.vm_mm;
  if (mm.pgd < 0) return;
  const pool = k.pgtables;
  mlock_vma_huge_pmds(k, vma, start, end, false);
  walk_present_ptes(k, mm.pgd, start, end, (_addr, i) => {
    if (!(pool.ent_flags[i] & _PAGE_SPECIAL) && !(page_flags(k.mem_map, pool.ent_pfn[i]) & (TAIL | HEAD))) munlock_page(k, pool.ent_pfn[i]);
  });
}

/**
 * The fault path's mlock (folio_add_lru_vma → mlock_new_folio): pages faulted into a VM_LOCKED
 * VMA (MLOCK_ONFAULT, MCL_ONFAULT, a CoW copy in a locked VMA) become mlocked. memory.ts does not
 * do it per fault yet, so the MMU's caller runs this over the accessed range afterwards; it
 * costs nothing unless a VM_LOCKED VMA overlaps the range.
 */
export function mlock_faulted_range(k: Kernel, mm: mm_struct, start: number, end: number): void {
  const mt = mm.mm_mt;
  for (let v = mt.mt_find(start); v !== null && v.vm_start < end; v = mt.mt_next(v)) {
    if (!(v.vm_flags & VM_LOCKED) || v.vm_flags & VM_SPECIAL) continue;
    const s = Math.max(start, v.vm_start);
    const e = Math.min(end, v.vm_end);
    const pool = k.pgtables;
    walk_present_ptes(k, mm.pgd, s, e, (_addr, j) => {
      if (!(pool.ent_flags[j] & _PAGE_SPECIAL) && !(page_flags(k.mem_map, pool.ent_pfn[j]) & (TAIL | HEAD))) mlock_page(k, pool.ent_pfn[j]);
    });
  }
}

/** can_do_mlock: a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK. */
export function can_do_mlock(t: task_struct): boolean {
  return rlimit(t, RLIMIT_MEMLOCK) !== 0 || capable(t);
}

/**
 * mlock_fixup: give [start, end) of `vma` newflags' lock bits, merging or splitting, adjust
 * locked_vm and (un)lock the mapped pages. VM_SPECIAL and hugetlb VMAs are left alone.
 */
function mlock_fixup(k: Kernel, vma: vm_area_struct, prev: { v: vm_area_struct | null }, start: number, end: number, newflags: number): number {
  const mm = vma.vm_mm;
  const oldflags = vma.vm_flags;
  let ret = 0;
  if (newflags === oldflags || oldflags & VM_SPECIAL || oldflags & VM_HUGETLB) {
    prev.v = vma;
    return 0;
  }
  const pgoff = vma.vm_pgoff + (start - vma.vm_start) / PAGE_SIZE;
  const merged = vma_merge(k, mm, prev.v, start, end, newflags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged) {
    vma = merged;
  } else {
    if (start !== vma.vm_start) {
      const r = split_vma(k, mm, vma, start, true);
      if (typeof r === "number") ret = r;
    }
    if (!ret && end !== vma.vm_end) {
      const r = split_vma(k, mm, vma, end, false);
      if (typeof r === "number") ret = r;
    }
    if (ret) {
      prev.v = vma;
      return ret;
    }
  }
  let nr_pages = (end - start) / PAGE_SIZE;
  if (!(newflags & VM_LOCKED)) nr_pages = -nr_pages;
  else if (oldflags & VM_LOCKED) nr_pages = 0;
  mm.locked_vm += nr_pages;
  if (newflags & VM_LOCKED && oldflags & VM_LOCKED) vma.vm_flags = newflags;
  else mlock_vma_pages_range(k, vma, start, end, newflags);
  prev.v = vma;
  return 0;
}

/** apply_vma_lock_flags: mlock_fixup over every VMA of [start, start + len); -ENOMEM on a hole. */
function apply_vma_lock_flags(k: Kernel, mm: mm_struct, start: number, len: number, flags: number): number {
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end === start) return 0;
  let vma = find_vma(mm, start);
  if (!vma || vma.vm_start > start) return -ENOMEM;
  const prev: { v: vm_area_struct | null } = { v: start > vma.vm_start ? vma : find_vma_prev(mm, start).prev };
  let error = 0;
  for (let nstart = start; ; ) {
    const newflags = (vma.vm_flags & ~VM_LOCKED_MASK) | flags;
    const tmp = Math.min(vma.vm_end, end);
    error = mlock_fixup(k, vma, prev, nstart, tmp, newflags);
    if (error) break;
    nstart = tmp;
    const p = prev.v!;
    if (nstart < p.vm_end) nstart = p.vm_end;
    if (nstart >= end) break;
    const next = find_vma(mm, p.vm_end);
    if (!next || next.vm_start !== nstart) {
      error = -ENOMEM;
      break;
    }
    vma = next;
  }
  return error;
}

/** count_mm_mlocked_page_nr: pages already VM_LOCKED inside [start, start + len). */
function count_mm_mlocked_page_nr(mm: mm_struct, start: number, len: number): number {
  const end = start + len;
  let count = 0;
  for (const vma of mm.mm_mt) {
    if (vma.vm_start >= end) break;
    if (vma.vm_end <= start || !(vma.vm_flags & VM_LOCKED)) continue;
    count += vma_pages(vma);
    if (vma.vm_start < start) count -= (start - vma.vm_start) / PAGE_SIZE;
    if (vma.vm_end > end) count -= (vma.vm_end - end) / PAGE_SIZE;
  }
  return count;
}

/** __mlock_posix_error_return: populate's EFAULT/ENOMEM become ENOMEM, EAGAIN stays. */
function __mlock_posix_error_return(retval: number): number {
  if (retval === -errnoValues.EFAULT) return -ENOMEM;
  if (retval === -ENOMEM) return -EAGAIN;
  return retval;
}

/** do_mlock: mlock/mlock2. 0 or -EPERM/-ENOMEM/-EAGAIN/-EINVAL. */
export function do_mlock(k: Kernel, t: task_struct, start: number, len: number, flags: number): number {
  const mm = t.mm!;
  if (!can_do_mlock(t)) return -EPERM;
  len = PAGE_ALIGN(len + offset_in_page(start));
  start -= offset_in_page(start);
  const lock_limit = Math.floor(rlimit(t, RLIMIT_MEMLOCK) / PAGE_SIZE);
  let locked = len / PAGE_SIZE + mm.locked_vm;
  if (locked > lock_limit && !capable(t)) locked -= count_mm_mlocked_page_nr(mm, start, len);
  let error = -ENOMEM;
  if (locked <= lock_limit || capable(t)) error = apply_vma_lock_flags(k, mm, start, len, flags);
  if (error) return error;
  error = __mm_populate(k, t, start, len, false);
  if (error) return __mlock_posix_error_return(error);
  return 0;
}

/** sys_mlock2: flags may only be MLOCK_ONFAULT. */
export function sys_mlock2(k: Kernel, t: task_struct, start: number, len: number, flags: number): number {
  if (flags & ~MLOCK_ONFAULT) return -EINVAL;
  return do_mlock(k, t, start, len, VM_LOCKED | (flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0));
}

/** sys_munlock. */
export function sys_munlock(k: Kernel, t: task_struct, start: number, len: number): number {
  len = PAGE_ALIGN(len + offset_in_page(start));
  start -= offset_in_page(start);
  return apply_vma_lock_flags(k, t.mm!, start, len, 0);
}

/** apply_mlockall_flags: def_flags for MCL_FUTURE, and every VMA for MCL_CURRENT (or unlock all). */
function apply_mlockall_flags(k: Kernel, mm: mm_struct, flags: number): void {
  mm.def_flags &= ~VM_LOCKED_MASK;
  if (flags & MCL_FUTURE) {
    mm.def_flags |= VM_LOCKED;
    if (flags & MCL_ONFAULT) mm.def_flags |= VM_LOCKONFAULT;
    if (!(flags & MCL_CURRENT)) return;
  }
  let to_add = 0;
  if (flags & MCL_CURRENT) {
    to_add |= VM_LOCKED;
    if (flags & MCL_ONFAULT) to_add |= VM_LOCKONFAULT;
  }
  const prev: { v: vm_area_struct | null } = { v: null };
  for (const vma of mm.mm_mt.slice()) {
    if (!mm.mm_mt.includes(vma)) continue; // merged away by an earlier fixup
    const newflags = (vma.vm_flags & ~VM_LOCKED_MASK) | to_add;
    mlock_fixup(k, vma, prev, vma.vm_start, vma.vm_end, newflags); // errors ignored
  }
}

/** sys_mlockall. */
export function sys_mlockall(k: Kernel, t: task_struct, flags: number): number {
  const mm = t.mm!;
  if (!flags || flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || flags === MCL_ONFAULT) return -EINVAL;
  if (!can_do_mlock(t)) return -EPERM;
  const lock_limit = Math.floor(rlimit(t, RLIMIT_MEMLOCK) / PAGE_SIZE);
  if (!(flags & MCL_CURRENT) || mm.total_vm <= lock_limit || capable(t)) {
    apply_mlockall_flags(k, mm, flags);
    if (flags & MCL_CURRENT) __mm_populate(k, t, 0, 2 ** 47, true);
    return 0;
  }
  return -ENOMEM;
}

/** sys_munlockall. */
export function sys_munlockall(k: Kernel, t: task_struct): number {
  apply_mlockall_flags(k, t.mm!, 0);
  return 0;
}

/**
 * populate_vma_page_range: fault in [start, end) of one VMA as get_user_pages does, with a
 * write fault for private writable VMAs. Returns pages done or a negative errno (-EFAULT for an
 * inaccessible VMA, -ENOMEM when a fault fails).
 */
export function populate_vma_page_range(k: Kernel, t: task_struct, vma: vm_area_struct, start: number, end: number): number {
  if (vma.vm_flags & VM_LOCKONFAULT) return (end - start) / PAGE_SIZE;
  const write = (vma.vm_flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
  // check_vma_flags: without FOLL_FORCE (given only to accessible VMAs) an unreadable VMA fails.
  if (!(vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC))) return -errnoValues.EFAULT;
  return faultin_range(k, t, vma, start, end, write);
}

/**
 * faultin_vma_page_range / __get_user_pages: fault every page of [start, end) that is not
 * mapped with enough permission (a write needs _PAGE_RW), then mlock pages that land in a
 * VM_LOCKED VMA (the fault path's mlock_new_page). Returns pages done or a negative errno. Like
 * __get_user_pages it stops before each page once the task has SIGKILL pending ("don't keep
 * faulting pages and potentially allocating memory"): the pages done so far, or -EINTR when
 * none were (the OOM killer chose this task during one of its faults; the syscall then returns
 * and the signal kills it on the way back to user mode, Process's syscall exit).
 */
export function faultin_range(k: Kernel, t: task_struct, vma: vm_area_struct, start: number, end: number, write: boolean): number {
  const nr_pages = (end - start) / PAGE_SIZE;
  const mm = vma.vm_mm;
  const pool = k.pgtables;
  const locked = (vma.vm_flags & VM_LOCKED) !== 0;
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    if (fatal_signal_pending(t)) {
      const done = (addr - start) / PAGE_SIZE;
      return done > 0 ? done : -EINTR;
    }
    let i = mm.pgd >= 0 ? pte_offset_map(k, mm.pgd, addr) : -1;
    if (i >= 0) {
      const fl = pool.ent_flags[i];
      if ((fl & 1) !== 0 && (!write || (fl & _PAGE_RW) !== 0)) {
        // A PTE-mapped THP's subpage is not mlocked (6.1's mlock_pte_range skips it too).
        if (locked && !(fl & _PAGE_SPECIAL) && !(page_flags(k.mem_map, pool.ent_pfn[i]) & (TAIL | HEAD))) mlock_page(k, pool.ent_pfn[i]);
        continue;
      }
    }
    const ret = handle_mm_fault(k, t, vma, addr, write ? FAULT_FLAG_WRITE : 0);
    if (ret & VM_FAULT_ERROR) {
      const done = (addr - start) / PAGE_SIZE;
      return done > 0 ? done : ret & VM_FAULT_OOM ? -ENOMEM : -errnoValues.EFAULT;
    }
    if (locked) {
      i = pte_offset_map(k, mm.pgd, addr);
      if (i >= 0 && pte_present(pool.ent_flags[i]) && !(pool.ent_flags[i] & _PAGE_SPECIAL) && !(page_flags(k.mem_map, pool.ent_pfn[i]) & (TAIL | HEAD))) mlock_page(k, pool.ent_pfn[i]);
    }
  }
  return nr_pages;
}

/**
 * __mm_populate: populate every VMA overlapping [start, start + len). An error stops it unless
 * ignore_errors (mm_populate, used after mmap/brk/mlockall), which goes on at the next VMA. A
 * partial populate (SIGKILL arrived) comes back for the rest, which then fails with -EINTR.
 */
export function __mm_populate(k: Kernel, t: task_struct, start: number, len: number, ignore_errors: boolean): number {
  const mm = t.mm!;
  const end = start + len;
  let nend = 0;
  for (let nstart = start; nstart < end; nstart = nend) {
    const vma = find_vma_intersection(mm, nstart, end);
    if (!vma) break;
    nend = Math.min(end, vma.vm_end);
    if (vma.vm_flags & (VM_IO | VM_PFNMAP)) continue;
    if (nstart < vma.vm_start) nstart = vma.vm_start;
    const ret = populate_vma_page_range(k, t, vma, nstart, nend);
    if (ret < 0) {
      if (ignore_errors) continue; // continue at next VMA
      return ret;
    }
    nend = nstart + ret * PAGE_SIZE;
  }
  return 0;
}
