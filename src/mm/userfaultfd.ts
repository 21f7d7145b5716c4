/**
 * userfaultfd's memory side: the constants of include/uapi/linux/userfaultfd.h, the VMA tests of
 * include/linux/userfaultfd_k.h (userfaultfd_missing, userfaultfd_wp, userfaultfd_minor,
 * userfaultfd_armed, userfaultfd_pte_wp, uffd_disable_fault_around, vma_can_userfault), and
 * mm/userfaultfd.c: the page fills the UFFDIO_COPY, UFFDIO_ZEROPAGE and UFFDIO_CONTINUE ioctls
 * make (__mcopy_atomic → mfill_atomic_pte → mcopy_atomic_pte / mfill_zeropage_pte /
 * mcontinue_atomic_pte → mfill_atomic_install_pte) and UFFDIO_WRITEPROTECT's
 * mwriteprotect_range → uffd_wp_range. The file descriptor, its context, fault delivery and the
 * ioctls' argument checks are fs/userfaultfd.ts.
 *
 * What a UFFDIO_COPY page costs and counts, as 6.1: a page from the buddy (GFP_HIGHUSER_MOVABLE,
 * pgalloc_*), charged to the mm's memcg (mem_cgroup_charge), PG_uptodate, anonymous rmap
 * (page_add_new_anon_rmap: PageAnonExclusive, NR_ANON_MAPPED), the LRU
 * (lru_cache_add_inactive_or_unevictable), MM_ANONPAGES, and a dirty PTE, writable if the VMA is
 * (and not UFFDIO_COPY_MODE_WP). No pgfault: the fault that waited counts its own, twice (the
 * first attempt and the retry), and the retry is a major fault for the task (mm_account_fault:
 * FAULT_FLAG_TRIED), with no PGMAJFAULT.
 *
 * A shared tmpfs (shmem) VMA gets the page in its file instead (shmem_mfill_atomic_pte): added
 * to the page cache and accounted as a shmem page, then mapped (page_add_file_rmap,
 * MM_SHMEMPAGES); a private one gets an anonymous page, as the kernel's comment explains.
 *
 * Simplified:
 * - copy_from_user of the source reads the source pages' content tokens where they are mapped
 *   and zeros where not; it never faults source pages in (the kernel's -ENOENT retry outside the
 *   mmap lock is not needed: nothing runs concurrently) — a source outside every readable VMA is
 *   EFAULT;
 * - UFFDIO_WRITEPROTECT acts on anonymous VMAs only (vma_can_userfault refuses WP registration
 *   elsewhere, as a kernel without CONFIG_PTE_MARKER_UFFD_WP does; Debian's has it): no PTE
 *   markers, so write-protecting an empty PTE protects nothing, and a protected page that is
 *   swapped out loses its uffd-wp bit (the model's swap PTEs carry no _PAGE_SWP_UFFD_WP);
 * - a huge PMD in a range being write-protected is split first (the kernel protects it whole);
 * - no hugetlb: registering a hugetlbfs VMA is allowed by vma_can_userfault, but UFFDIO_COPY,
 *   ZEROPAGE and CONTINUE into one answer EINVAL, and its faults are not delivered.
 * @kernel mm/userfaultfd.c find_dst_vma, mfill_atomic_install_pte, mcopy_atomic_pte,
 *   mfill_zeropage_pte, mcontinue_atomic_pte, mfill_atomic_pte, __mcopy_atomic, mcopy_atomic,
 *   mfill_zeropage, mcopy_continue, uffd_wp_range, mwriteprotect_range
 * @kernel mm/shmem.c shmem_mfill_atomic_pte
 * @kernel include/linux/userfaultfd_k.h
 * @kernel include/uapi/linux/userfaultfd.h
 */
import { _PAGE_ACCESSED, _PAGE_DEVMAP, _PAGE_DIRTY, _PAGE_PCD, _PAGE_PRESENT, _PAGE_PWT, _PAGE_RW, _PAGE_SOFT_DIRTY, _PAGE_SPECIAL, _PAGE_UFFD_WP, NO_TABLE, pmd_alloc, pmd_leaf, pmd_offset, pmd_trans_huge, PMD_SIZE, pte_alloc_table, pte_index, pte_table_lookup, set_pte_at, vm_get_page_prot, walk_present_ptes } from "../arch/x86/pgtable.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { fatal_signal_pending, get_current, type task_struct } from "../kernel/sched.js";
import { __GFP_COMP, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "./gfp.js";
import { __split_huge_pmd } from "./huge_memory.js";
import { mem_cgroup_charge } from "./memcontrol.js";
import { copy_page_content, F, PG_uptodate, set_page_content } from "./memmap.js";
import { fault_anon_vma_prepare, my_zero_pfn } from "./memory.js";
import { find_vma } from "./mmap.js";
import { type mm_struct, type vm_area_struct, VM_HUGETLB, VM_READ, VM_SHARED, VM_UFFD_MINOR_HI, VM_UFFD_MISSING, VM_UFFD_WP, VM_WRITE, vma_is_anonymous, vma_is_shmem } from "./mm_types.js";
import { alloc_pages } from "./page_alloc.js";
import { linear_page_index, mm_counter, page_add_file_rmap, page_add_new_anon_rmap } from "./rmap.js";
import { SGP_CACHE, SGP_NOALLOC, shmem_get_folio_gfp } from "./shmem.js";
import { lru_cache_add_inactive_or_unevictable, put_page } from "./swap.js";
import { NO_PFN } from "./types.js";
import type { userfaultfd_ctx } from "../fs/userfaultfd.js";

// ---- include/uapi/linux/userfaultfd.h ----
/** The one API version there is. */
export const UFFD_API = 0xaa;
export const UFFD_EVENT_PAGEFAULT = 0x12;
export const UFFD_EVENT_FORK = 0x13;
export const UFFD_EVENT_REMAP = 0x14;
export const UFFD_EVENT_REMOVE = 0x15;
export const UFFD_EVENT_UNMAP = 0x16;
export const UFFD_PAGEFAULT_FLAG_WRITE = 1 << 0;
export const UFFD_PAGEFAULT_FLAG_WP = 1 << 1;
export const UFFD_PAGEFAULT_FLAG_MINOR = 1 << 2;
export const UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1 << 0;
export const UFFD_FEATURE_EVENT_FORK = 1 << 1;
export const UFFD_FEATURE_EVENT_REMAP = 1 << 2;
export const UFFD_FEATURE_EVENT_REMOVE = 1 << 3;
export const UFFD_FEATURE_MISSING_HUGETLBFS = 1 << 4;
export const UFFD_FEATURE_MISSING_SHMEM = 1 << 5;
export const UFFD_FEATURE_EVENT_UNMAP = 1 << 6;
export const UFFD_FEATURE_SIGBUS = 1 << 7;
export const UFFD_FEATURE_THREAD_ID = 1 << 8;
export const UFFD_FEATURE_MINOR_HUGETLBFS = 1 << 9;
export const UFFD_FEATURE_MINOR_SHMEM = 1 << 10;
export const UFFD_FEATURE_EXACT_ADDRESS = 1 << 11;
export const UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1 << 12;
/**
 * UFFD_API_FEATURES: every feature 6.1 knows. Debian's config has HAVE_ARCH_USERFAULTFD_WP,
 * HAVE_ARCH_USERFAULTFD_MINOR and PTE_MARKER_UFFD_WP, so userfaultfd_api masks none out: 0x1fff.
 */
export const UFFD_API_FEATURES = 0x1fff;
export const UFFDIO_REGISTER_MODE_MISSING = 1 << 0;
export const UFFDIO_REGISTER_MODE_WP = 1 << 1;
export const UFFDIO_REGISTER_MODE_MINOR = 1 << 2;
export const UFFD_API_REGISTER_MODES = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP | UFFDIO_REGISTER_MODE_MINOR;
export const UFFDIO_COPY_MODE_DONTWAKE = 1 << 0;
export const UFFDIO_COPY_MODE_WP = 1 << 1;
export const UFFDIO_ZEROPAGE_MODE_DONTWAKE = 1 << 0;
export const UFFDIO_WRITEPROTECT_MODE_WP = 1 << 0;
export const UFFDIO_WRITEPROTECT_MODE_DONTWAKE = 1 << 1;
export const UFFDIO_CONTINUE_MODE_DONTWAKE = 1 << 0;
/** userfaultfd(2)'s own flag: only faults from user mode are delivered. */
export const UFFD_USER_MODE_ONLY = 1;
// The ioctl numbers (_UFFDIO_*): bit n of an `ioctls` mask is ioctl n.
export const _UFFDIO_REGISTER = 0x00;
export const _UFFDIO_UNREGISTER = 0x01;
export const _UFFDIO_WAKE = 0x02;
export const _UFFDIO_COPY = 0x03;
export const _UFFDIO_ZEROPAGE = 0x04;
export const _UFFDIO_WRITEPROTECT = 0x06;
export const _UFFDIO_CONTINUE = 0x07;
export const _UFFDIO_API = 0x3f;
/** The names of the ioctl numbers, for the masks the API and REGISTER ioctls answer with. */
export const UFFDIO_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [_UFFDIO_REGISTER]: "UFFDIO_REGISTER",
  [_UFFDIO_UNREGISTER]: "UFFDIO_UNREGISTER",
  [_UFFDIO_WAKE]: "UFFDIO_WAKE",
  [_UFFDIO_COPY]: "UFFDIO_COPY",
  [_UFFDIO_ZEROPAGE]: "UFFDIO_ZEROPAGE",
  [_UFFDIO_WRITEPROTECT]: "UFFDIO_WRITEPROTECT",
  [_UFFDIO_CONTINUE]: "UFFDIO_CONTINUE",
  [_UFFDIO_API]: "UFFDIO_API",
});
/** UFFD_API_IOCTLS: REGISTER, UNREGISTER and API (bit 63), as ioctl numbers (a 64-bit mask does not fit a double's integers). */
export const UFFD_API_IOCTLS: readonly number[] = Object.freeze([_UFFDIO_REGISTER, _UFFDIO_UNREGISTER, _UFFDIO_API]);
/** UFFD_API_RANGE_IOCTLS: what a registered range supports. */
export const UFFD_API_RANGE_IOCTLS: readonly number[] = Object.freeze([_UFFDIO_WAKE, _UFFDIO_COPY, _UFFDIO_ZEROPAGE, _UFFDIO_WRITEPROTECT, _UFFDIO_CONTINUE]);
/** UFFD_API_RANGE_IOCTLS_BASIC: a range with hugetlb VMAs (no ZEROPAGE). */
export const UFFD_API_RANGE_IOCTLS_BASIC: readonly number[] = Object.freeze([_UFFDIO_WAKE, _UFFDIO_COPY, _UFFDIO_CONTINUE, _UFFDIO_WRITEPROTECT]);
/**
 * UFFD_API_IOCTLS | UFFD_API_RANGE_IOCTLS as fdinfo's %Lx prints it: bits 0-4, 6, 7 and 63 =
 * 0x80000000000000df.
 */
export const UFFD_ALL_IOCTLS_HEX = "80000000000000df";

// ---- include/linux/userfaultfd_k.h ----
/**
 * __VM_UFFD_FLAGS of the low vm_flags word (VM_UFFD_MINOR is in vm_flags_hi): VM_UFFD_MISSING |
 * VM_UFFD_WP, written out because this module sits in an import cycle with mm_types.ts (a
 * module-level expression over its bindings could run before they exist).
 */
export const __VM_UFFD_FLAGS_LO = 0x00000200 | 0x00001000;

/** The VMA delivers missing-page faults. @kernel include/linux/userfaultfd_k.h userfaultfd_missing */
export function userfaultfd_missing(vma: vm_area_struct): boolean {
  return (vma.vm_flags & VM_UFFD_MISSING) !== 0;
}
/** The VMA delivers write-protect faults. @kernel include/linux/userfaultfd_k.h userfaultfd_wp */
export function userfaultfd_wp(vma: vm_area_struct): boolean {
  return (vma.vm_flags & VM_UFFD_WP) !== 0;
}
/** The VMA delivers minor faults (a page in the cache, none in the page table). @kernel include/linux/userfaultfd_k.h userfaultfd_minor */
export function userfaultfd_minor(vma: vm_area_struct): boolean {
  return (vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0;
}
/** Registered in any mode. @kernel include/linux/userfaultfd_k.h userfaultfd_armed */
export function userfaultfd_armed(vma: vm_area_struct): boolean {
  return (vma.vm_flags & __VM_UFFD_FLAGS_LO) !== 0 || (vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0;
}
/** A write to this PTE must go to the uffd: the VMA tracks writes and the PTE is protected. @kernel include/linux/userfaultfd_k.h userfaultfd_pte_wp */
export function userfaultfd_pte_wp(vma: vm_area_struct, pte_flags: number): boolean {
  return (vma.vm_flags & VM_UFFD_WP) !== 0 && (pte_flags & _PAGE_UFFD_WP) !== 0;
}
/** No fault-around where each fault must be seen: WP and MINOR ranges. @kernel include/linux/userfaultfd_k.h uffd_disable_fault_around */
export function uffd_disable_fault_around(vma: vm_area_struct): boolean {
  return (vma.vm_flags & VM_UFFD_WP) !== 0 || (vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0;
}

/**
 * May this VMA be registered in these modes (low word `vm_flags`, `minor` for VM_UFFD_MINOR)?
 * MINOR needs shmem or hugetlb; anonymous, shmem and hugetlb VMAs take the rest. WP is refused
 * outside anonymous memory in the model (see the header: no PTE markers).
 * @kernel include/linux/userfaultfd_k.h vma_can_userfault
 */
export function vma_can_userfault(vma: vm_area_struct, vm_flags: number, minor: boolean): boolean {
  const hugetlb = (vma.vm_flags & VM_HUGETLB) !== 0;
  if (minor && !hugetlb && !vma_is_shmem(vma)) return false;
  if ((vm_flags & VM_UFFD_WP) !== 0 && !vma_is_anonymous(vma)) return false;
  return vma_is_anonymous(vma) || hugetlb || vma_is_shmem(vma);
}

// ---- mm/userfaultfd.c ----

/** The three kinds of fill __mcopy_atomic makes. */
export const MCOPY_ATOMIC_NORMAL = 0;
export const MCOPY_ATOMIC_ZEROPAGE = 1;
export const MCOPY_ATOMIC_CONTINUE = 2;

/**
 * The registered VMA holding all of [dst_start, dst_start + len), or null.
 * @kernel mm/userfaultfd.c find_dst_vma
 */
function find_dst_vma(mm: mm_struct, dst_start: number, len: number): vm_area_struct | null {
  const vma = find_vma(mm, dst_start);
  if (vma === null) return null;
  if (dst_start < vma.vm_start || dst_start + len > vma.vm_end) return null;
  if (vma.vm_userfaultfd_ctx === null) return null;
  return vma;
}

/**
 * Maps `page` at PTE index `i`: dirty; writable if the VMA is, unless a private mapping of a
 * page cache page or a write-protected copy (which also gets _PAGE_UFFD_WP); -EEXIST if the
 * PTE is not empty. An anonymous page gets its rmap and the LRU; a page cache page its file
 * rmap (and the LRU when newly allocated and not there yet). The mm counter follows.
 * @kernel mm/userfaultfd.c mfill_atomic_install_pte
 */
function mfill_atomic_install_pte(k: Kernel, vma: vm_area_struct, addr: number, i: number, page: number, page_in_cache: boolean, wp_copy: boolean): number {
  const pool = k.pgtables;
  let writable = (vma.vm_flags & VM_WRITE) !== 0;
  const vm_shared = (vma.vm_flags & VM_SHARED) !== 0;
  // mk_pte + pte_mkdirty (the hardware and the soft dirty bit, as x86's pte_mkdirty).
  // mk_pte + pte_mkdirty, and pte_wrprotect unless made writable below.
  let entry = pte_mkdirty(vma.vm_page_prot) & ~_PAGE_RW;
  if (page_in_cache && !vm_shared) writable = false;
  if (wp_copy) {
    entry |= _PAGE_UFFD_WP;
    writable = false;
  }
  if (writable) entry |= _PAGE_RW;
  if (pool.ent_flags[i] !== 0 || pool.ent_pfn[i] !== 0) return -errnoValues.EEXIST;
  if (page_in_cache) {
    page_add_file_rmap(k, page);
  } else {
    page_add_new_anon_rmap(k, page, vma, addr);
    lru_cache_add_inactive_or_unevictable(k, page, vma);
  }
  vma.vm_mm.rss_stat[mm_counter(k, page)]++;
  set_pte_at(pool, i, page, entry);
  return 0;
}

/** x86 pte_mkdirty: the hardware and the soft-dirty bit. */
function pte_mkdirty(flags: number): number {
  return flags | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
}

/**
 * The content of the source page at `src_addr` of the current task's mm (copy_from_user), as a
 * content token: the mapped page's, or a fresh one (zeros) where nothing is mapped; -EFAULT when
 * no readable VMA holds it. See the header: no fault is taken on the source.
 */
function copy_from_user_token(k: Kernel, src_mm: mm_struct, src_addr: number): number {
  const vma = find_vma(src_mm, src_addr);
  if (vma === null || vma.vm_start > src_addr || (vma.vm_flags & VM_READ) === 0) return -errnoValues.EFAULT;
  const t = pte_table_lookup(k, src_mm.pgd, src_addr);
  if (t !== NO_TABLE) {
    const i = t * 512 + pte_index(src_addr);
    const f = k.pgtables.ent_flags[i];
    // A present page (the zero page reads as zeros, a fresh token): its contents.
    if ((f & _PAGE_PRESENT) !== 0 && (f & _PAGE_SPECIAL) === 0) return -1 - k.pgtables.ent_pfn[i];
  }
  return 0;
}

/**
 * UFFDIO_COPY of one page into an anonymous (or private) VMA: a new page with the source's
 * contents, charged, then mapped. 0 or -ENOMEM, -EEXIST, -EFAULT.
 * @kernel mm/userfaultfd.c mcopy_atomic_pte
 */
function mcopy_atomic_pte(k: Kernel, src_mm: mm_struct, vma: vm_area_struct, dst_addr: number, i: number, src_addr: number, wp_copy: boolean): number {
  const src = copy_from_user_token(k, src_mm, src_addr);
  if (src === -errnoValues.EFAULT) return src;
  const page = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_COMP, 0);
  if (page === NO_PFN) return -errnoValues.ENOMEM;
  const mem = k.mem_map;
  if (src < 0) copy_page_content(mem, page, -1 - src);
  else set_page_content(mem, page, ++k.content_seq);
  mem.flags[page] |= F(PG_uptodate);
  if (mem_cgroup_charge(k, page, vma.vm_mm, GFP_KERNEL) !== 0) {
    put_page(k, page);
    return -errnoValues.ENOMEM;
  }
  const ret = mfill_atomic_install_pte(k, vma, dst_addr, i, page, false, wp_copy);
  if (ret !== 0) put_page(k, page);
  return ret;
}

/**
 * UFFDIO_ZEROPAGE of one page: the shared zero page, mapped special and read-only (the
 * protection the VMA's vm_page_prot gives a private mapping); -EEXIST if the PTE is not empty,
 * -EFAULT past the end of a shmem file.
 * @kernel mm/userfaultfd.c mfill_zeropage_pte
 */
function mfill_zeropage_pte(k: Kernel, vma: vm_area_struct, dst_addr: number, i: number): number {
  const zero = my_zero_pfn(k);
  if (zero === NO_PFN) return -errnoValues.ENOMEM;
  const file = vma.vm_file;
  if (file !== null && linear_page_index(vma, dst_addr) >= Math.ceil(file.f_inode.i_size / 4096)) return -errnoValues.EFAULT;
  const pool = k.pgtables;
  if (pool.ent_flags[i] !== 0 || pool.ent_pfn[i] !== 0) return -errnoValues.EEXIST;
  set_pte_at(pool, i, zero, vma.vm_page_prot | _PAGE_SPECIAL);
  return 0;
}

/**
 * UFFDIO_COPY into a shared shmem VMA: the page goes into the file (past its end: -EFAULT; a
 * page already there: -EEXIST), accounted as shmem_alloc_and_acct_folio accounts, on the LRU,
 * then mapped with its file rmap.
 * @kernel mm/shmem.c shmem_mfill_atomic_pte
 */
function shmem_mfill_atomic_pte(k: Kernel, src_mm: mm_struct, vma: vm_area_struct, dst_addr: number, i: number, src_addr: number, zeropage: boolean, wp_copy: boolean): number {
  const ino = (vma.vm_file as NonNullable<vm_area_struct["vm_file"]>).f_inode;
  const pgoff = linear_page_index(vma, dst_addr);
  if (pgoff >= Math.ceil(ino.i_size / 4096)) return -errnoValues.EFAULT;
  const src = zeropage ? 0 : copy_from_user_token(k, src_mm, src_addr);
  if (src === -errnoValues.EFAULT) return src;
  // Already in the file: shmem_add_to_page_cache's -EEXIST.
  const present = shmem_get_folio_gfp(k, ino, pgoff, SGP_NOALLOC);
  if (present >= 0) {
    put_page(k, present);
    return -errnoValues.EEXIST;
  }
  const page = shmem_get_folio_gfp(k, ino, pgoff, SGP_CACHE);
  if (page < 0) return page === -errnoValues.ENOSPC ? -errnoValues.ENOMEM : page;
  if (src < 0) copy_page_content(k.mem_map, page, -1 - src);
  const ret = mfill_atomic_install_pte(k, vma, dst_addr, i, page, true, wp_copy);
  if (ret !== 0) put_page(k, page);
  return ret;
}

/**
 * UFFDIO_CONTINUE of one page of a shmem VMA: the page already in the file is mapped (-EFAULT
 * when there is none).
 * @kernel mm/userfaultfd.c mcontinue_atomic_pte
 */
function mcontinue_atomic_pte(k: Kernel, vma: vm_area_struct, dst_addr: number, i: number, wp_copy: boolean): number {
  const ino = (vma.vm_file as NonNullable<vm_area_struct["vm_file"]>).f_inode;
  const page = shmem_get_folio_gfp(k, ino, linear_page_index(vma, dst_addr), SGP_NOALLOC);
  if (page < 0 || page === NO_PFN) return -errnoValues.EFAULT;
  const ret = mfill_atomic_install_pte(k, vma, dst_addr, i, page, true, wp_copy);
  if (ret !== 0) put_page(k, page);
  return ret;
}

/**
 * The fills of UFFDIO_COPY (NORMAL), UFFDIO_ZEROPAGE and UFFDIO_CONTINUE over
 * [dst_start, dst_start + len), a page at a time: the range must lie in one registered VMA
 * (-ENOENT), anonymous or shmem (-EINVAL; CONTINUE shmem only; COPY_MODE_WP only into a WP
 * range); each page needs its PMD (a huge PMD there: -EEXIST) and PTE table (-ENOMEM). Returns
 * the bytes filled, or the first page's errno when none was; a fatal signal stops it (-EINTR).
 * `mmap_changing` non-zero: -EAGAIN.
 * @kernel mm/userfaultfd.c __mcopy_atomic, mfill_atomic_pte
 */
export function __mcopy_atomic(k: Kernel, ctx: userfaultfd_ctx, dst_start: number, src_start: number, len: number, mcopy_mode: number, mode: number): number {
  const mm = ctx.mm;
  if (ctx.mmap_changing !== 0) return -errnoValues.EAGAIN;
  const vma = find_dst_vma(mm, dst_start, len);
  if (vma === null) return -errnoValues.ENOENT;
  const wp_copy = (mode & UFFDIO_COPY_MODE_WP) !== 0;
  if (wp_copy && (vma.vm_flags & VM_UFFD_WP) === 0) return -errnoValues.EINVAL;
  // Simplified: no hugetlb fills (__mcopy_atomic_hugetlb); see the header.
  if ((vma.vm_flags & VM_HUGETLB) !== 0) return -errnoValues.EINVAL;
  if (!vma_is_anonymous(vma) && !vma_is_shmem(vma)) return -errnoValues.EINVAL;
  if (!vma_is_shmem(vma) && mcopy_mode === MCOPY_ATOMIC_CONTINUE) return -errnoValues.EINVAL;
  if ((vma.vm_flags & VM_SHARED) === 0) fault_anon_vma_prepare(k, vma);
  const current = get_current(k);
  const src_mm = current?.mm ?? mm;
  const pool = k.pgtables;
  let copied = 0;
  let err = 0;
  for (let off = 0; off < len; off += 4096) {
    const dst_addr = dst_start + off;
    if (mm.pgd === NO_TABLE) {
      err = -errnoValues.ENOMEM;
      break;
    }
    const pmdi = pmd_alloc(k, mm, dst_addr);
    if (pmdi < 0) {
      err = -errnoValues.ENOMEM;
      break;
    }
    // A huge PMD already maps it: don't override it, be strict.
    if (pmd_trans_huge(pool.ent_flags[pmdi])) {
      err = -errnoValues.EEXIST;
      break;
    }
    const t = pte_alloc_table(k, mm, dst_addr);
    if (t === NO_TABLE) {
      err = -errnoValues.ENOMEM;
      break;
    }
    const i = t * 512 + pte_index(dst_addr);
    if (mcopy_mode === MCOPY_ATOMIC_CONTINUE) err = mcontinue_atomic_pte(k, vma, dst_addr, i, wp_copy);
    else if ((vma.vm_flags & VM_SHARED) === 0) {
      err = mcopy_mode === MCOPY_ATOMIC_NORMAL ? mcopy_atomic_pte(k, src_mm, vma, dst_addr, i, src_start + off, wp_copy) : mfill_zeropage_pte(k, vma, dst_addr, i);
    } else if (mcopy_mode === MCOPY_ATOMIC_NORMAL) {
      err = shmem_mfill_atomic_pte(k, src_mm, vma, dst_addr, i, src_start + off, false, wp_copy);
    } else {
      // shmem_mfill_atomic_pte's ZEROPAGE on a shared mapping: a zeroed page in the file.
      err = shmem_mfill_atomic_pte(k, src_mm, vma, dst_addr, i, 0, true, wp_copy);
    }
    if (err !== 0) break;
    copied += 4096;
    if (current !== undefined && fatal_signal_pending(current)) {
      err = -errnoValues.EINTR;
      break;
    }
  }
  return copied !== 0 ? copied : err;
}

/**
 * Write-protects (or unprotects) the present PTEs of [start, start + len) of `vma`: protection
 * takes _PAGE_RW away and sets _PAGE_UFFD_WP; resolving clears _PAGE_UFFD_WP only (change_protection
 * with MM_CP_UFFD_WP_RESOLVE and without MM_CP_TRY_CHANGE_WRITABLE), so the next write takes an
 * ordinary write fault (do_wp_page reuses the exclusive page: PGREUSE).
 * @kernel mm/userfaultfd.c uffd_wp_range
 * @kernel mm/mprotect.c change_pte_range (MM_CP_UFFD_WP, MM_CP_UFFD_WP_RESOLVE)
 */
export function uffd_wp_range(k: Kernel, vma: vm_area_struct, start: number, len: number, enable_wp: boolean): void {
  const mm = vma.vm_mm;
  if (mm.pgd === NO_TABLE) return;
  const newprot = vm_get_page_prot(enable_wp ? vma.vm_flags & ~VM_WRITE : vma.vm_flags);
  const pool = k.pgtables;
  const end = start + len;
  // Simplified: a huge PMD in the range is split (the kernel's change_huge_pmd protects it whole).
  for (let a = Math.floor(start / PMD_SIZE) * PMD_SIZE; a < end; a += PMD_SIZE) {
    const pmdi = pmd_offset(k, mm.pgd, a);
    if (pmdi >= 0 && pmd_leaf(pool.ent_flags[pmdi])) __split_huge_pmd(k, vma, pmdi, a);
  }
  walk_present_ptes(k, mm.pgd, start, end, (_addr, i) => {
    // pte_modify (mm/mprotect.ts's, with its _PAGE_CHG_MASK): keep the state bits, take the protection.
    const chg = _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_DEVMAP | _PAGE_UFFD_WP;
    let ptent = (pool.ent_flags[i] & chg) | (newprot & ~chg);
    if (enable_wp) ptent = (ptent & ~_PAGE_RW) | _PAGE_UFFD_WP;
    else ptent &= ~_PAGE_UFFD_WP;
    pool.ent_flags[i] = ptent;
  });
}

/**
 * UFFDIO_WRITEPROTECT's work: the range must lie in one registered VMA in WP mode (-ENOENT),
 * then uffd_wp_range. -EAGAIN while mappings change.
 * @kernel mm/userfaultfd.c mwriteprotect_range
 */
export function mwriteprotect_range(k: Kernel, ctx: userfaultfd_ctx, start: number, len: number, enable_wp: boolean): number {
  if (ctx.mmap_changing !== 0) return -errnoValues.EAGAIN;
  const vma = find_dst_vma(ctx.mm, start, len);
  if (vma === null || (vma.vm_flags & VM_UFFD_WP) === 0) return -errnoValues.ENOENT;
  if (!vma_can_userfault(vma, vma.vm_flags, userfaultfd_minor(vma))) return -errnoValues.ENOENT;
  uffd_wp_range(k, vma, start, len, enable_wp);
  return 0;
}

/**
 * The end of a task's wait in handle_userfault (it retries its fault now, or was killed): the
 * wait is no longer the task's, it leaves any queue it is still on, and its reference on the
 * context goes. Here rather than in fs/userfaultfd.ts so the x86 fault entry can call it.
 * @kernel fs/userfaultfd.c handle_userfault (after schedule()), userfaultfd_ctx_put
 */
export function userfaultfd_finish_wait(t: task_struct): void {
  const uwq = t.uffd_wait;
  if (uwq === null) return;
  t.uffd_wait = null;
  const ctx = uwq.ctx;
  for (const q of [ctx.fault_pending_wqh, ctx.fault_wqh]) {
    const j = q.indexOf(uwq);
    if (j >= 0) q.splice(j, 1);
  }
  // userfaultfd_ctx_put: the model keeps no object to free when it reaches zero.
  ctx.refcount--;
}
