/**
 * Overcommit accounting and the mmap entry point of mm/util.c.
 *
 * vm_committed_as counts pages promised to accountable mappings (private writable, not
 * MAP_NORESERVE; shmem files unless VM_NORESERVE; stack growth; brk). __vm_enough_memory charges
 * a request first and takes it back if the policy refuses:
 * - OVERCOMMIT_GUESS (0): refuse only a single request larger than RAM + swap. On w9's 512 MiB
 *   guest totalram is 117104 pages (MemTotal 468416 kB): a 448 MiB (114688-page) mmap passes,
 *   512 MiB (131072 pages) fails, whatever is already committed.
 * - OVERCOMMIT_ALWAYS (1): never refuse.
 * - OVERCOMMIT_NEVER (2): refuse when the total would reach CommitLimit = totalram * ratio / 100
 *   (or overcommit_kbytes) + swap, less admin_reserve_kbytes for non-root and
 *   min(total_vm / 32, user_reserve_kbytes) for the calling mm.
 *
 * Simplified: vm_committed_as is an exact counter (the kernel's percpu_counter can lag by its
 * batch); hugetlb pages are not subtracted from totalram (none exist yet).
 * @kernel mm/util.c __vm_enough_memory, vm_commit_limit, vm_memory_committed, vm_mmap_pgoff
 * @kernel include/linux/mman.h vm_acct_memory, vm_unacct_memory
 * @kernel mm/mmap.c ksys_mmap_pgoff
 * @kernel arch/x86/kernel/sys_x86_64.c sys_mmap
 */
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { ___ratelimit } from "../lib/ratelimit.js";
import { capable, type task_struct } from "../kernel/sched.js";
import type { file, mm_struct } from "./mm_types.js";
import { __mm_populate } from "./mlock.js";
import { do_mmap, fput, MAP_ANONYMOUS, MAP_HUGETLB } from "./mmap.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./types.js";
import { default_hstate, hstate_file, huge_page_size, hugetlb_file_setup, hugetlb_total_pages, is_file_hugepages } from "./hugetlb.js";

/** MAP_HUGE_SHIFT and MAP_HUGE_MASK: the huge page size, as log2, in mmap's flags. @kernel include/uapi/asm-generic/hugetlb_encode.h HUGETLB_FLAG_ENCODE_SHIFT */
const MAP_HUGE_SHIFT = 26;
const MAP_HUGE_MASK = 0x3f;
import { totalram_pages } from "./page_alloc.js";


/** vm_acct_memory: charge pages to vm_committed_as. */
export function vm_acct_memory(k: Kernel, pages: number): void {
  k.vm_committed_as += pages;
}

/** vm_unacct_memory: give back pages charged before. */
export function vm_unacct_memory(k: Kernel, pages: number): void {
  k.vm_committed_as -= pages;
}

/** vm_memory_committed: Committed_AS in pages (percpu_counter_sum_positive). */
export function vm_memory_committed(k: Kernel): number {
  return Math.max(0, k.vm_committed_as);
}

/**
 * The commit limit under overcommit_memory=2 (CommitLimit): overcommit_kbytes if set, else
 * overcommit_ratio % of RAM outside the huge page pools, plus swap. w0: 117104 * 50 / 100 =
 * 58552 pages = 234208 kB.
 * @kernel mm/util.c vm_commit_limit
 */
export function vm_commit_limit(k: Kernel): number {
  let allowed: number;
  if (k.vm.overcommit_kbytes) allowed = Math.floor(k.vm.overcommit_kbytes / (PAGE_SIZE / 1024));
  else allowed = Math.floor(((totalram_pages(k) - hugetlb_total_pages(k)) * k.vm.overcommit_ratio) / 100);
  return allowed + k.total_swap_pages;
}

/**
 * __vm_enough_memory: charge `pages` and decide by the overcommit policy; 0 or -ENOMEM (the
 * charge is undone on refusal).
 */
export function __vm_enough_memory(k: Kernel, mm: mm_struct | null, pages: number, cap_sys_admin: boolean): number {
  vm_acct_memory(k, pages);
  const mode = k.vm.overcommit_memory;
  if (mode === 1) return 0;
  // Both policies refuse through the kernel's `error:` label, warning included (w9's dmesg has
  // the warning for each of its seven overcommit_memory=0 refusals).
  error: {
    if (mode === 0) {
      if (pages > totalram_pages(k) + k.total_swap_pages) break error;
      return 0;
    }
    let allowed = vm_commit_limit(k);
    if (!cap_sys_admin) allowed -= Math.floor(k.vm.admin_reserve_kbytes / (PAGE_SIZE / 1024));
    if (mm) {
      const reserve = Math.floor(k.vm.user_reserve_kbytes / (PAGE_SIZE / 1024));
      allowed -= Math.min(Math.floor(mm.total_vm / 32), reserve);
    }
    if (vm_memory_committed(k) < allowed) return 0;
  }
  // pr_warn_ratelimited: its static state is k.vm_enough_memory_rs. w9's dmesg shows exactly ten
  // "no enough memory" lines for its eleven-plus refusals.
  if (___ratelimit(k, k.vm_enough_memory_rs, "__vm_enough_memory")) {
    k.log.printk(4, `__vm_enough_memory: pid: ${k.currentPid}, comm: ${k.currentComm}, no enough memory for the allocation`);
  }
  vm_unacct_memory(k, pages);
  return -errnoValues.ENOMEM;
}

/** security_vm_enough_memory_mm: cap_vm_enough_memory's CAP_SYS_ADMIN test, then the policy. */
export function security_vm_enough_memory_mm(k: Kernel, t: task_struct, mm: mm_struct, pages: number): number {
  return __vm_enough_memory(k, mm, pages, capable(t));
}

/** A file descriptor stand-in: the Process API passes the file object itself. */
export type MmapFile = file | null;

/**
 * vm_mmap_pgoff: do_mmap, then fault in what it asked to populate (MAP_POPULATE, VM_LOCKED),
 * ignoring populate errors as mm_populate does. Returns the address or a negative errno.
 */
export function vm_mmap_pgoff(k: Kernel, t: task_struct, f: MmapFile, addr: number, len: number, prot: number, flags: number, pgoff: number): number {
  const out = { addr: 0, populate: 0 };
  const ret = do_mmap(k, t, f, addr, len, prot, flags, pgoff, out);
  if (ret >= 0 && out.populate) __mm_populate(k, t, ret, out.populate, true);
  return ret;
}

/**
 * The x86-64 mmap syscall: sys_mmap's offset alignment, then ksys_mmap_pgoff (a file for
 * non-anonymous mappings, else EBADF; MAP_HUGETLB) and vm_mmap_pgoff. `f` stands for the fd.
 * Anonymous MAP_HUGETLB maps an unlinked file of the internal hugetlbfs mount (hugetlb_file_setup)
 * of the size MAP_HUGE_SHIFT names (the default hstate for 0; EINVAL for a size with no hstate),
 * the length rounded up to that size; the reservation is hugetlbfs_file_mmap's (ENOMEM without a
 * pool). MAP_HUGETLB on a regular file is EINVAL.
 * @kernel mm/mmap.c ksys_mmap_pgoff
 * @kernel mm/hugetlb.c hstate_sizelog
 */
export function sys_mmap(k: Kernel, t: task_struct, addr: number, len: number, prot: number, flags: number, f: MmapFile, off: number): number {
  if (off % PAGE_SIZE) return -errnoValues.EINVAL;
  if (!(flags & MAP_ANONYMOUS)) {
    if (!f) return -errnoValues.EBADF;
    if (is_file_hugepages(f)) len = Math.ceil(len / huge_page_size(hstate_file(f))) * huge_page_size(hstate_file(f));
    else if (flags & MAP_HUGETLB) return -errnoValues.EINVAL;
  } else if (flags & MAP_HUGETLB) {
    const sizelog = Math.floor(flags / 2 ** MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    const hs = sizelog === 0 ? default_hstate(k) : k.hugetlb.hstates.find((h) => h.order === sizelog - PAGE_SHIFT);
    if (hs === undefined) return -errnoValues.EINVAL;
    const size = huge_page_size(hs);
    if (len > Number.MAX_SAFE_INTEGER - size) return -errnoValues.ENOMEM;
    len = Math.ceil(len / size) * size;
    const hf = hugetlb_file_setup(k, len, hs);
    const ret = vm_mmap_pgoff(k, t, hf, addr, len, prot, flags, off / PAGE_SIZE);
    fput(k, hf);
    return ret;
  } else {
    f = null;
  }
  return vm_mmap_pgoff(k, t, f, addr, len, prot, flags, off / PAGE_SIZE);
}
