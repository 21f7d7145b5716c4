/**
 * Address-space layout and the VMA operations of mm/mmap.c: the VMA set and its lookups,
 * get_unmapped_area (x86-64's top-down allocator below mmap_base, the bottom-up fallback, hint
 * addresses, MAP_FIXED), do_mmap / mmap_region with 6.1's merge-by-expansion, vma_merge and
 * __vma_adjust's eight cases, __split_vma, munmap (do_mas_munmap / do_mas_align_munmap), brk,
 * the growsdown stack (expand_downwards with stack_guard_gap), vm_stat_account, may_expand_vm
 * and exit_mmap. Page tables are PT's: unmapping calls memory.ts (unmap_vmas, free_pgtables).
 *
 * Worked numbers for the default layout (no randomisation, 8 MiB stack rlimit):
 * TASK_SIZE = 2^47 - 4096 = 0x7ffffffff000; mmap_base's gap = 8 MiB + stack_guard_gap (1 MiB)
 * = 9 MiB, raised to the 128 MiB minimum, so mmap_base = 0x7ffffffff000 - 0x8000000 =
 * 0x7ffff7fff000: the first mappings land right below it, as w1's [vdso] at 0x7ffff7ffd000 does.
 *
 * Fast paths (Kernel.fastPaths, on by default): mmap of private anonymous memory without a hint
 * (mmap_anon_fast) and munmap of one whole anonymous VMA (munmap_vma_fast) skip the steps that
 * cannot apply to them; they make the same choices in the same order, and mmap.fastpath.test.ts
 * runs them beside the general path on random sequences.
 *
 * Simplified: no mmap_lock, no userfaultfd, no uprobes/perf events, no mempolicy (every VMA has
 * the default policy, so mpol_equal always holds), no MAP_32BIT-specific
 * randomisation, no arch_unmap/arch_mmap_check (no-ops on x86-64), security hooks reduced to
 * cap_mmap_addr's mmap_min_addr check (against vm.mmap_min_addr, the DAC value, as
 * cap_mmap_addr does; hints and stack growth use the effective floor, raised to
 * CONFIG_LSM_MMAP_MIN_ADDR = 64K: writing 0 lets root map page 0 but moves no hint below 64K).
 * @kernel mm/mmap.c do_mmap, mmap_region, vma_merge, __vma_adjust, vma_expand, __split_vma,
 *   do_mas_align_munmap, do_mas_munmap, brk, do_brk_flags, vm_brk_flags, expand_downwards,
 *   acct_stack_growth, exit_mmap, find_vma, find_vma_prev, find_vma_intersection,
 *   may_expand_vm, vm_stat_account, unmapped_area, unmapped_area_topdown, get_unmapped_area
 * @kernel arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area, arch_get_unmapped_area_topdown
 * @kernel arch/x86/mm/mmap.c arch_pick_mmap_layout, mmap_base, mmap_address_hint_valid
 */
import { fput } from "../fs/file_table.js";
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { mmap_min_addr } from "../kernel/sysctl.js";
import { KernelBug } from "../kernel/bug.js";
import { ADDR_NO_RANDOMIZE, capable, PF_RANDOMIZE, rlimit, RLIMIT_AS, RLIMIT_DATA, RLIMIT_MEMLOCK, RLIMIT_STACK } from "../kernel/sched.js";
import type { task_struct } from "../kernel/sched.js";
import type { userfaultfd_ctx } from "../fs/userfaultfd.js";
import { pgprot_modify, PMD_SIZE, vm_get_page_prot } from "../arch/x86/pgtable.js";
import { mapping_can_writeback } from "./page-writeback.js";
import { userfaultfd_wp } from "./userfaultfd.js";
import {
  type file,
  type vm_unmapped_area_info,
  mm_struct,
  type vm_area_struct,
  anon_vma_clone,
  FMODE_READ,
  FMODE_WRITE,
  MMF_OOM_SKIP,
  TASK_SIZE,
  unlink_anon_vmas,
  update_hiwater_rss,
  update_hiwater_vm,
  allocate_mm,
  vm_area_alloc,
  vm_area_dup,
  vm_area_free,
  VM_ACCOUNT,
  VM_DATA_DEFAULT_FLAGS,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_GROWSUP,
  VM_HUGETLB,
  VM_LOCKED,
  VM_LOCKED_MASK,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_NORESERVE,
  VM_READ,
  VM_PFNMAP,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_SPECIAL,
  VM_STACK,
  VM_SYNC,
  VM_WRITE,
  vma_pages,
  vma_has_page_mkwrite,
} from "./mm_types.js";
import { free_pgtables, unmap_vmas } from "./memory.js";
import { tlb_finish_mmu, tlb_gather_mmu } from "./mmu_gather.js";
import { vma_adjust_trans_huge } from "./huge_memory.js";
import { hugetlb_vm_op_close, hugetlb_vm_op_split, is_file_hugepages } from "./hugetlb.js";
import { lru_add_drain } from "./swap.js";
import { munlock_vma_range } from "./mlock.js";
import { shmem_zero_setup } from "./shmem.js";
import { security_vm_enough_memory_mm, vm_unacct_memory } from "./util.js";
import { global_zone_page_state } from "./vmstat.js";
import { NR_FREE_PAGES } from "./vmstat_items.js";
import { PAGE_SIZE } from "./types.js";


const { EINVAL, ENOMEM, EEXIST, EPERM, EAGAIN, EACCES, ENODEV, EOVERFLOW, EOPNOTSUPP, EFAULT } = errnoValues;

// ---------------------------------------------------------------------------------------------
// uapi: PROT_* and MAP_* (include/uapi/asm-generic/mman-common.h, linux/mman.h, x86 asm/mman.h)
// ---------------------------------------------------------------------------------------------

export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_32BIT = 0x40;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x008000;
export const MAP_NONBLOCK = 0x010000;
export const MAP_STACK = 0x020000;
export const MAP_HUGETLB = 0x040000;
export const MAP_SYNC = 0x080000;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_UNINITIALIZED = 0x4000000;
/** The flags MAP_SHARED accepts without validation (include/linux/mman.h LEGACY_MAP_MASK). */
export const LEGACY_MAP_MASK =
  MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE |
  MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |
  MAP_STACK | MAP_HUGETLB;

/** READ_IMPLIES_EXEC personality bit. */
export const READ_IMPLIES_EXEC = 0x0400000;

/** Gap kept below a growsdown stack: 256 pages = 1 MiB (stack_guard_gap). */
export const stack_guard_gap = 256 * PAGE_SIZE;
/** No user mappings below this on x86-64 (FIRST_USER_ADDRESS = 0). */
export const FIRST_USER_ADDRESS = 0;
/** 0 means "the top of the address space" to free_pgtables (USER_PGTABLES_CEILING). */
export const USER_PGTABLES_CEILING = 0;
// The two below are TASK_SIZE (mm_types.ts) written out: mmap.ts and mm_types.ts are in an import
// cycle, and reading TASK_SIZE here at module evaluation throws when mm_types.js is imported
// first (test/import_first.test.ts, and `node -e "import('./dist/mm/mm_types.js')"`).
/** 47-bit default window (DEFAULT_MAP_WINDOW = TASK_SIZE_LOW on 4-level paging): 2^47 - 4096. */
export const DEFAULT_MAP_WINDOW = 2 ** 47 - 4096;
/** Bottom-up allocator base: PAGE_ALIGN(TASK_SIZE / 3) (__TASK_UNMAPPED_BASE) = 0x2aaaaaaab000. */
export const TASK_UNMAPPED_BASE = Math.ceil(Math.floor((2 ** 47 - 4096) / 3) / 4096) * 4096;
const SIZE_128M = 128 * 1024 * 1024;
const SZ_1G = 1024 * 1024 * 1024;

/** Rounds up to a page (PAGE_ALIGN); addresses exceed 2^32, so no bit operations. */
export function PAGE_ALIGN(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * offset_in_page: x % PAGE_SIZE, written with a truncating division because addresses exceed
 * 2^31 and V8 turns `%` on such doubles into a call to fmod (a fifth of an mmap+munmap pair).
 * Dividing by 4096 is exact below 2^53, so the result equals `x % 4096`, sign included.
 */
export function offset_in_page(x: number): number {
  return x - Math.trunc(x / PAGE_SIZE) * PAGE_SIZE;
}

/** calc_vm_prot_bits: PROT_* to VM_* (pkey 0 on a CPU without PKU: no pkey bits). */
export function calc_vm_prot_bits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** calc_vm_flag_bits: MAP_GROWSDOWN, MAP_LOCKED, MAP_SYNC to VM_*. */
export function calc_vm_flag_bits(flags: number): number {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) | (flags & MAP_SYNC ? VM_SYNC : 0);
}

// ---------------------------------------------------------------------------------------------
// The VMA set: lib/maple_tree.ts's tree, mm->mm_mt (see mm_types.ts)
// ---------------------------------------------------------------------------------------------

/** find_vma: the VMA containing addr, or the first one above it, or null. */
export function find_vma(mm: mm_struct, addr: number): vm_area_struct | null {
  const c = mm.cache;
  if (c !== null && c.vm_start <= addr && c.vm_end > addr && c.vm_mm === mm) return c;
  const v = mm.mm_mt.mt_find(addr);
  if (v !== null && v.vm_start <= addr) mm.cache = v;
  return v;
}

/** find_vma_prev: find_vma and the VMA before it (the last one ending at or below addr). */
export function find_vma_prev(mm: mm_struct, addr: number): { vma: vm_area_struct | null; prev: vm_area_struct | null } {
  const vma = mm.mm_mt.mt_find(addr);
  return { vma, prev: mm.mm_mt.mt_prev(vma) };
}

/** find_vma_intersection: the first VMA overlapping [start, end), or null. */
export function find_vma_intersection(mm: mm_struct, start: number, end: number): vm_area_struct | null {
  const v = find_vma(mm, start);
  return v !== null && v.vm_start < end ? v : null;
}

/** vma_lookup: the VMA containing addr, or null. */
export function vma_lookup(mm: mm_struct, addr: number): vm_area_struct | null {
  const v = find_vma(mm, addr);
  return v !== null && v.vm_start <= addr ? v : null;
}

/** The VMA after `vma` in address order (mas_next / vma->vm_next of old). */
export function vma_next(mm: mm_struct, vma: vm_area_struct): vm_area_struct | null {
  return mm.mm_mt.mt_next(vma);
}

/** The VMA before `vma` (mas_prev). */
export function vma_prev(mm: mm_struct, vma: vm_area_struct): vm_area_struct | null {
  return mm.mm_mt.mt_prev(vma);
}

/** Inserts a VMA at its place (vma_mas_store of a new VMA); KernelBug if it overlaps one. */
function mt_insert(mm: mm_struct, vma: vm_area_struct): void {
  mm.mm_mt.mtree_insert(vma);
}

/** Removes a VMA from the set (vma_mas_remove). */
function mt_remove(mm: mm_struct, vma: vm_area_struct): void {
  mm.mm_mt.mtree_erase(vma);
  if (mm.cache === vma) mm.cache = null;
}

/** vma_link: insert a new VMA and hook it to its file's i_mmap. */
export function vma_link(mm: mm_struct, vma: vm_area_struct): void {
  mt_insert(mm, vma);
  mm.map_count++;
  if (vma.vm_file) __vma_link_file(vma);
}

/**
 * dup_mmap's vma_link: the child's VMAs arrive in address order, stored with the tree's bulk
 * mode (mas_expected_entries, then a mas_store of each) instead of one insertion each.
 * @kernel kernel/fork.c dup_mmap
 */
export function vma_link_bulk(mm: mm_struct, vma: vm_area_struct): void {
  mm.mm_mt.mas_store_append(vma);
  mm.map_count++;
  if (vma.vm_file) __vma_link_file(vma);
}

/** A shared mapping that may write (VM_SHARED and VM_MAYWRITE) counts in i_mmap_writable. @kernel include/linux/mm.h is_shared_maywrite */
function is_shared_maywrite(vm_flags: number): boolean {
  return (vm_flags & (VM_SHARED | VM_MAYWRITE)) === (VM_SHARED | VM_MAYWRITE);
}

function __vma_link_file(vma: vm_area_struct): void {
  const mapping = vma.vm_file!.f_inode.i_mapping;
  if (is_shared_maywrite(vma.vm_flags)) mapping.i_mmap_writable++;
  mapping.i_mmap.add(vma);
}

/** __remove_shared_vm_struct (unlink_file_vma): unhook a VMA from its file; idempotent. */
export function __remove_shared_vm_struct(vma: vm_area_struct): void {
  const mapping = vma.vm_file!.f_inode.i_mapping;
  if (!mapping.i_mmap.delete(vma)) return;
  if (is_shared_maywrite(vma.vm_flags)) mapping.i_mmap_writable--;
}

/** vm_start_gap: a growsdown VMA's start less the guard gap (clamped at 0). */
export function vm_start_gap(vma: vm_area_struct): number {
  let s = vma.vm_start;
  if (vma.vm_flags & VM_GROWSDOWN) {
    s -= stack_guard_gap;
    if (s > vma.vm_start) s = 0;
    if (s < 0) s = 0;
  }
  return s;
}

/** vm_end_gap: x86 has no VM_GROWSUP, so it is vm_end. */
export function vm_end_gap(vma: vm_area_struct): number {
  return vma.vm_end;
}

// ---------------------------------------------------------------------------------------------
// Accounting
// ---------------------------------------------------------------------------------------------

/** is_exec_mapping: executable, not writable, not stack. */
export function is_exec_mapping(flags: number): boolean {
  return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) === VM_EXEC;
}
/** is_stack_mapping. */
export function is_stack_mapping(flags: number): boolean {
  return (flags & VM_STACK) === VM_STACK;
}
/** is_data_mapping: private writable, not stack. */
export function is_data_mapping(flags: number): boolean {
  return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) === VM_WRITE;
}

/** vm_stat_account: total_vm and the exec/stack/data split. */
export function vm_stat_account(mm: mm_struct, flags: number, npages: number): void {
  mm.total_vm += npages;
  if (is_exec_mapping(flags)) mm.exec_vm += npages;
  else if (is_stack_mapping(flags)) mm.stack_vm += npages;
  else if (is_data_mapping(flags)) mm.data_vm += npages;
}

/** may_expand_vm: RLIMIT_AS and RLIMIT_DATA. */
export function may_expand_vm(t: task_struct, mm: mm_struct, flags: number, npages: number): boolean {
  if (mm.total_vm + npages > Math.floor(rlimit(t, RLIMIT_AS) / PAGE_SIZE)) return false;
  if (is_data_mapping(flags) && mm.data_vm + npages > Math.floor(rlimit(t, RLIMIT_DATA) / PAGE_SIZE)) {
    // The Valgrind workaround: a zero soft limit defers to the hard limit.
    if (rlimit(t, RLIMIT_DATA) === 0 && mm.data_vm + npages <= Math.floor(t.signal.rlim_max[RLIMIT_DATA] / PAGE_SIZE)) {
      return true;
    }
    return false; // ignore_rlimit_data is off by default
  }
  return true;
}

/** mlock_future_check: would locking `len` more bytes exceed RLIMIT_MEMLOCK? -EAGAIN if so. */
export function mlock_future_check(t: task_struct, mm: mm_struct, flags: number, len: number): number {
  if (flags & VM_LOCKED) {
    const locked = len / PAGE_SIZE + mm.locked_vm;
    const lock_limit = Math.floor(rlimit(t, RLIMIT_MEMLOCK) / PAGE_SIZE);
    if (locked > lock_limit && !capable(t)) return -EAGAIN;
  }
  return 0;
}

/**
 * accountable_mapping: private writable without MAP_NORESERVE is charged to Committed_AS —
 * except a hugetlbfs file (MAP_HUGETLB makes one), which "has its own accounting separate from
 * the core VM" (the pool's reservations): realkernel's hugetlb-pool run left Committed_AS where it
 * was (+336 kB) after 32 MiB and 160 MiB of MAP_HUGETLB mappings.
 * @kernel mm/mmap.c accountable_mapping
 */
export function accountable_mapping(file: file | null, flags: number): boolean {
  // hugetlb has its own accounting separate from the core VM
  if (file !== null && is_file_hugepages(file)) return false;
  return (flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) === VM_WRITE;
}

/** count_vma_pages_range: pages of existing VMAs inside [addr, end). */
export function count_vma_pages_range(mm: mm_struct, addr: number, end: number): number {
  let n = 0;
  for (let v = mm.mm_mt.mt_find(addr); v !== null && v.vm_start < end; v = mm.mm_mt.mt_next(v)) {
    n += (Math.min(end, v.vm_end) - Math.max(addr, v.vm_start)) / PAGE_SIZE;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Layout and get_unmapped_area
// ---------------------------------------------------------------------------------------------

/**
 * arch_rnd: the random page offset of mmap_base, `rndbits` low bits of one draw, in pages, or 0
 * for a task without PF_RANDOMIZE. mmap_rnd_bits = 28 → up to 2^28 - 1 pages, just under 1 TiB.
 * Simplified: get_random_long is 64 bits; the model draws 32 (rndbits is at most 32, the
 * sysctl's max, so the masked value is the same kind of number).
 * @kernel arch/x86/mm/mmap.c arch_rnd
 */
export function arch_rnd(k: Kernel, t: task_struct, rndbits: number): number {
  if (!(t.flags & PF_RANDOMIZE)) return 0;
  const r = k.rng.get_random_u32();
  return (rndbits >= 32 ? r : r & ((1 << rndbits) >>> 0) - 1) * PAGE_SIZE;
}

/**
 * arch_pick_mmap_layout: top-down below the stack (legacy_va_layout = 0) with mmap_base 128 MiB
 * or more under TASK_SIZE, shifted down by arch_rnd when the task has PF_RANDOMIZE. With it,
 * the gap also keeps room for the stack's own randomisation (stack_maxrandom_size, 16 GiB:
 * __STACK_RND_MASK 0x3fffff pages), so an 8 MiB stack rlimit gives a gap of 8 MiB + 16 GiB
 * + 1 MiB - 4 KiB instead of the 128 MiB minimum.
 * Simplified: the compat (32-bit syscall) bases and their arch_rnd(mmap_rnd_compat_bits) draw
 * are not modelled (no 32-bit tasks).
 * @kernel arch/x86/mm/mmap.c arch_pick_mmap_layout, arch_pick_mmap_base, mmap_base, stack_maxrandom_size
 */
export function arch_pick_mmap_layout(k: Kernel, t: task_struct, mm: mm_struct): void {
  const randomize = (t.flags & PF_RANDOMIZE) !== 0;
  const rnd = arch_rnd(k, t, k.vm.mmap_rnd_bits);
  const task_size = TASK_SIZE;
  // arch_pick_mmap_base: the legacy base is always set; the top-down one only without legacy.
  mm.mmap_legacy_base = TASK_UNMAPPED_BASE + rnd;
  if (k.vm.legacy_va_layout) {
    mm.mmap_base = mm.mmap_legacy_base;
    mm.topdown = false;
    return;
  }
  let gap = rlimit(t, RLIMIT_STACK);
  // stack_maxrandom_size is 0 without PF_RANDOMIZE; with it, 16 GiB (__STACK_RND_MASK 0x3fffff pages).
  const pad = (randomize ? STACK_RND_MASK * PAGE_SIZE : 0) + stack_guard_gap;
  if (Number.isFinite(gap)) gap += pad;
  const gap_min = SIZE_128M;
  const gap_max = Math.floor(task_size / 6) * 5;
  if (gap < gap_min) gap = gap_min;
  else if (gap > gap_max) gap = gap_max;
  mm.mmap_base = PAGE_ALIGN(task_size - gap - rnd);
  mm.topdown = true;
}

/** STACK_RND_MASK for a 64-bit task: 22 bits of pages, 16 GiB. @kernel arch/x86/include/asm/elf.h __STACK_RND_MASK */
export const STACK_RND_MASK = 0x3fffff;

/**
 * randomize_stack_top: STACK_TOP less up to 16 GiB in whole pages with PF_RANDOMIZE.
 * @kernel mm/util.c randomize_stack_top
 */
export function randomize_stack_top(k: Kernel, t: task_struct, stack_top: number): number {
  let random_variable = 0;
  if (t.flags & PF_RANDOMIZE) random_variable = (k.rng.get_random_u32() & STACK_RND_MASK) * PAGE_SIZE;
  return PAGE_ALIGN(stack_top) - random_variable;
}

/**
 * arch_align_stack: below 8 KiB off the stack top when randomize_va_space is on and the
 * personality allows it (the test is not PF_RANDOMIZE), then 16-byte aligned.
 * @kernel arch/x86/kernel/process.c arch_align_stack
 */
export function arch_align_stack(k: Kernel, t: task_struct, sp: number): number {
  if (!(t.personality & ADDR_NO_RANDOMIZE) && k.randomize_va_space) sp -= k.rng.below(8192);
  return sp - (sp % 16);
}

/**
 * randomize_page: a page-aligned address in [start, start + range), range in bytes.
 * @kernel mm/util.c randomize_page
 */
export function randomize_page(k: Kernel, start: number, range: number): number {
  if (offset_in_page(start)) {
    range -= PAGE_ALIGN(start) - start;
    start = PAGE_ALIGN(start);
  }
  const pages = Math.floor(range / PAGE_SIZE);
  if (pages === 0) return start;
  return start + (k.rng.get_random_u32() % pages) * PAGE_SIZE;
}

/**
 * arch_randomize_brk: the heap's start somewhere in the 1 GiB above the end of bss (+ a page),
 * 262144 possible pages, for a 64-bit task. @kernel arch/x86/kernel/process.c arch_randomize_brk
 */
export function arch_randomize_brk(k: Kernel, mm: mm_struct): number {
  return randomize_page(k, mm.brk, SZ_1G);
}

/** unmapped_area: the lowest gap of `length` in [low_limit, high_limit). */
function unmapped_area(mm: mm_struct, info: vm_unmapped_area_info): number {
  const length = info.length + info.align_mask;
  let low_limit = info.low_limit;
  const mt = mm.mm_mt;
  for (;;) {
    // mas_empty_area: the first gap of at least `length` at or above low_limit.
    if (mt.mas_empty_area(low_limit, info.high_limit, length) !== 0) return -ENOMEM;
    let gap = mt.mas_index;
    if (info.align_mask !== 0) gap += (info.align_offset - gap) & info.align_mask;
    const tmp = mt.above; // mas_next: the VMA above the gap
    if (tmp && tmp.vm_flags & VM_GROWSDOWN) {
      if (vm_start_gap(tmp) < gap + length - 1) {
        low_limit = tmp.vm_end;
        continue;
      }
    }
    return gap;
  }
}

/** unmapped_area_topdown: the highest gap of `length` in [low_limit, high_limit). */
function unmapped_area_topdown(mm: mm_struct, info: vm_unmapped_area_info): number {
  const length = info.length + info.align_mask;
  let high_limit = info.high_limit;
  const mt = mm.mm_mt;
  for (;;) {
    // mas_empty_area_rev: the highest gap of at least `length` below high_limit (its end).
    if (mt.mas_empty_area_rev(info.low_limit, high_limit, length) !== 0) return -ENOMEM;
    let gap = mt.mas_last + 1 - info.length;
    // Without a mask the adjustment is 0; skipping it saves a double-to-int32 conversion.
    // Stryker disable next-line ArithmeticOperator: align_offset is 0 in every search with an align_mask (hugetlb's), so gap - 0 and gap + 0 are the same
    if (info.align_mask !== 0) gap -= (gap - info.align_offset) & info.align_mask;
    const gap_end = mt.mas_last;
    const tmp = mt.above; // mas_next: the VMA above the gap
    if (tmp && tmp.vm_flags & VM_GROWSDOWN) {
      if (vm_start_gap(tmp) <= gap_end) {
        high_limit = vm_start_gap(tmp);
        if (high_limit <= info.low_limit) return -ENOMEM;
        continue;
      }
    }
    return gap;
  }
}

/**
 * The search request: the kernel's struct vm_unmapped_area_info is a local; the model fills the
 * mm's one (the search never nests), so an mmap allocates nothing for it.
 */
function unmapped_info(mm: mm_struct, topdown: boolean, length: number, low: number, high: number, align_offset: number, align_mask = 0): vm_unmapped_area_info {
  const info = mm.unmapped_info;
  info.topdown = topdown;
  info.length = length;
  info.low_limit = low;
  info.high_limit = high;
  // x86-64 aligns file mappings only for AMD family 15h (va_align), off here: no mask unless the
  // caller (hugetlb) asks for one.
  info.align_mask = align_mask;
  info.align_offset = align_offset;
  return info;
}

/**
 * vm_unmapped_area with a power-of-two alignment (hugetlb_get_unmapped_area_topdown's
 * info.align_mask = PAGE_MASK & ~huge_page_mask): top-down below mmap_base, or at the hint when
 * it is free, falling back to bottom-up.
 * @kernel arch/x86/mm/hugetlbpage.c hugetlb_get_unmapped_area_topdown, hugetlb_get_unmapped_area_bottomup
 */
export function vm_unmapped_area_aligned(mm: mm_struct, hint: number, len: number, align: number): number {
  if (hint) {
    if (mmap_address_hint_valid(hint, len)) {
      const vma = find_vma(mm, hint);
      if (!vma || hint + len <= vm_start_gap(vma)) return hint;
    }
  }
  if (mm.topdown) {
    const r = vm_unmapped_area(mm, unmapped_info(mm, true, len, PAGE_SIZE, mm.mmap_base, 0, align - PAGE_SIZE));
    if (r >= 0) return r;
  }
  return vm_unmapped_area(mm, unmapped_info(mm, false, len, mm.mmap_legacy_base, TASK_SIZE, 0, align - PAGE_SIZE));
}

function vm_unmapped_area(mm: mm_struct, info: vm_unmapped_area_info): number {
  return info.topdown ? unmapped_area_topdown(mm, info) : unmapped_area(mm, info);
}

/** arch_get_unmapped_area: x86-64's bottom-up allocator (legacy layout and the fallback). */
function arch_get_unmapped_area(mm: mm_struct, filp: file | null, addr: number, len: number, pgoff: number, flags: number): number {
  if (flags & MAP_FIXED) return addr;
  let begin = mm.mmap_legacy_base;
  let end = TASK_SIZE;
  if (flags & MAP_32BIT) {
    begin = 0x40000000;
    end = 0x80000000;
  }
  if (len > end) return -ENOMEM;
  if (addr) {
    addr = PAGE_ALIGN(addr);
    const vma = find_vma(mm, addr);
    if (end - len >= addr && (!vma || addr + len <= vm_start_gap(vma))) return addr;
  }
  // Stryker disable next-line ArithmeticOperator: align_mask is 0 on this path (x86-64 aligns file mappings only for AMD family 15h), so align_offset is never read
  return vm_unmapped_area(mm, unmapped_info(mm, false, len, begin, end, (pgoff * PAGE_SIZE) % 2 ** 31));
}

/** mmap_address_hint_valid: the hint fits and does not straddle the 47-bit window. */
function mmap_address_hint_valid(addr: number, len: number): boolean {
  if (TASK_SIZE - len < addr) return false;
  // Stryker disable next-line ArithmeticOperator: TASK_SIZE equals DEFAULT_MAP_WINDOW (4-level paging), so past the line above addr + len <= DEFAULT_MAP_WINDOW and both sides stay false under either sign
  return addr > DEFAULT_MAP_WINDOW === addr + len > DEFAULT_MAP_WINDOW;
}

/** arch_get_unmapped_area_topdown: x86-64's default allocator. */
function arch_get_unmapped_area_topdown(mm: mm_struct, filp: file | null, addr0: number, len: number, pgoff: number, flags: number): number {
  let addr = addr0;
  if (len > TASK_SIZE) return -ENOMEM;
  if (flags & MAP_FIXED) return addr;
  if (!(flags & MAP_32BIT)) {
    if (addr) {
      // Stryker disable next-line ArithmeticOperator: every hint that gets here is page aligned already (do_mmap's round_hint_to_min, mremap_to's offset_in_page check)
      addr = addr - offset_in_page(addr);
      if (mmap_address_hint_valid(addr, len)) {
        const vma = find_vma(mm, addr);
        if (!vma || addr + len <= vm_start_gap(vma)) return addr;
      }
    }
    const r = vm_unmapped_area(mm, unmapped_info(mm, true, len, PAGE_SIZE, mm.mmap_base, 0));
    if (r >= 0) return r;
  }
  // A failed top-down search falls back to bottom-up from TASK_UNMAPPED_BASE.
  return arch_get_unmapped_area(mm, filp, addr0, len, pgoff, flags);
}

/** mm->get_unmapped_area: the top-down search (or the legacy bottom-up one). */
function mm_get_unmapped_area(mm: mm_struct, filp: file | null, addr: number, len: number, pgoff: number, flags: number): number {
  return mm.topdown ? arch_get_unmapped_area_topdown(mm, filp, addr, len, pgoff, flags) : arch_get_unmapped_area(mm, filp, addr, len, pgoff, flags);
}

/**
 * The get_unmapped_area of files that may be mapped with huge pages (ext2's and ext4's
 * file_operations in 6.1): a mapping covering at least one PMD-aligned 2 MiB of the file is
 * placed so that virtual and file offsets agree modulo 2 MiB — searched with 2 MiB of padding,
 * then shifted — unless the hint was free. This is why a 32 MiB file mapping starts on a 2 MiB
 * boundary, and fault-around's 64 KiB windows line up with the file's readahead windows.
 * Worked example: pgoff 0, the padded search returns 0x7fffd5ff9000, moved up by
 * (0 − 0x7fffd5ff9000) mod 2 MiB = 0x7000 to 0x7fffd6000000.
 * @kernel mm/huge_memory.c thp_get_unmapped_area, __thp_get_unmapped_area
 */
export function thp_get_unmapped_area(mm: mm_struct, filp: file | null, addr: number, len: number, pgoff: number, flags: number): number {
  const size = PMD_SIZE;
  const off = pgoff * PAGE_SIZE;
  const off_end = off + len;
  const off_align = Math.ceil(off / size) * size;
  if (off_end > off_align && off_end - off_align >= size) {
    const ret = mm_get_unmapped_area(mm, filp, addr, len + size, pgoff, flags);
    // A failure may be the padding's: retried below without it.
    if (ret >= 0) {
      if (ret === addr) return addr;
      return ret + ((((off - ret) % size) + size) % size);
    }
  }
  return mm_get_unmapped_area(mm, filp, addr, len, pgoff, flags);
}

/**
 * get_unmapped_area: choose (or check) the range a new mapping will occupy. Returns the address
 * or a negative errno. Shared anonymous mappings take shmem's path, which for small pages is the
 * mm's own allocator.
 */
export function get_unmapped_area(
  t: task_struct,
  mm: mm_struct,
  filp: file | null,
  addr: number,
  len: number,
  pgoff: number,
  flags: number,
  mmap_min_addr: number,
): number {
  if (len > TASK_SIZE) return -ENOMEM;
  // A file's own get_unmapped_area (ext2's thp_get_unmapped_area), else the mm's.
  const get_area = filp === null ? undefined : filp.f_op.get_unmapped_area;
  const r = get_area !== undefined ? get_area(mm, filp, addr, len, pgoff, flags) : mm_get_unmapped_area(mm, filp, addr, len, pgoff, flags);
  if (r < 0) return r;
  if (r > TASK_SIZE - len) return -ENOMEM;
  if (offset_in_page(r)) return -EINVAL;
  // security_mmap_addr → cap_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO.
  if (r < mmap_min_addr && !capable(t)) return -EPERM;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------------------------

/**
 * The userfaultfd side of a merge (vm_userfaultfd_ctx, and the high flag word that holds
 * VM_UFFD_MINOR), given by the callers that change it (fs/userfaultfd.ts). The other callers
 * (mprotect, madvise, mlock, mremap) pass none, where the kernel passes their VMA's context.
 * Simplified: then a registered neighbour never merges (no wrong merge, but an mprotect inside
 * a registered range leaves VMAs the kernel would have merged).
 */
export interface MergeUffd {
  readonly ctx: userfaultfd_ctx | null;
  readonly flags_hi: number;
}

/**
 * is_mergeable_vma: same flags (but VM_SOFTDIRTY), same file, no close hook, and — when the
 * caller gives it — the same userfaultfd context (is_mergeable_vm_userfaultfd_ctx) and high flags.
 */
function is_mergeable_vma(vma: vm_area_struct, filp: file | null, vm_flags: number, uffd?: MergeUffd): boolean {
  if ((vma.vm_flags ^ vm_flags) & ~VM_SOFTDIRTY) return false;
  if (vma.vm_file !== filp) return false;
  if (uffd === undefined ? vma.vm_userfaultfd_ctx !== null : vma.vm_userfaultfd_ctx !== uffd.ctx || vma.vm_flags_hi !== uffd.flags_hi) return false;
  return true;
}

/**
 * is_mergeable_anon_vma: either side without an anon_vma merges only if `vma` is not a forked
 * copy (its chain is a single link); otherwise the anon_vmas must be the same.
 */
function is_mergeable_anon_vma(av1: unknown, av2: unknown, vma: vm_area_struct | null): boolean {
  // list_is_singular(&vma->anon_vma_chain), or no chain at all: first and last the same slot
  if ((!av1 || !av2) && (!vma || vma.avc_first === vma.avc_last)) return true;
  return av1 === av2;
}

/** can_vma_merge_before: the new range can be glued in front of `vma`. */
function can_vma_merge_before(vma: vm_area_struct, vm_flags: number, anon_vma: unknown, filp: file | null, vm_pgoff: number, uffd?: MergeUffd): boolean {
  return is_mergeable_vma(vma, filp, vm_flags, uffd) && is_mergeable_anon_vma(anon_vma, vma.anon_vma, vma) && vma.vm_pgoff === vm_pgoff;
}

/** can_vma_merge_after: the new range can be glued after `vma`. */
function can_vma_merge_after(vma: vm_area_struct, vm_flags: number, anon_vma: unknown, filp: file | null, vm_pgoff: number, uffd?: MergeUffd): boolean {
  return (
    is_mergeable_vma(vma, filp, vm_flags, uffd) &&
    is_mergeable_anon_vma(anon_vma, vma.anon_vma, vma) &&
    vma.vm_pgoff + vma_pages(vma) === vm_pgoff
  );
}

/** remove_vma: drop a VMA that left the tree: its file reference, anon_vma chain and struct. */
export function remove_vma(k: Kernel, vma: vm_area_struct): void {
  // vm_ops->close: a private hugetlb mapping gives back the reservations it did not use.
  if (vma.vm_flags & VM_HUGETLB) hugetlb_vm_op_close(k, vma);
  if (vma.vm_file) fput(k, vma.vm_file);
  unlink_anon_vmas(k.anon_vmas, vma);
  vm_area_free(k, vma);
}

/**
 * vm_ops->may_split: a hugetlb VMA splits only at a huge page boundary (-EINVAL otherwise).
 * @kernel mm/mmap.c __split_vma
 */
export function vma_may_split(k: Kernel, vma: vm_area_struct, addr: number): number {
  return vma.vm_flags & VM_HUGETLB ? hugetlb_vm_op_split(k, vma, addr) : 0;
}

export { fput };

/** A VMA merged into its neighbour and freed (the remove_next branch of __vma_adjust). */
function vma_merge_remove(k: Kernel, mm: mm_struct, vma: vm_area_struct, removed: vm_area_struct): void {
  if (removed.vm_file) __remove_shared_vm_struct(removed);
  mt_remove(mm, removed);
  mm.map_count--;
  if (removed.vm_file) fput(k, removed.vm_file);
  // anon_vma_merge: both share the anon_vma by now, so dropping the chain is all it does.
  unlink_anon_vmas(k.anon_vmas, removed);
  vm_area_free(k, removed);
  void vma;
}

/** Imports exporter's anon_vma into importer before pages move across the boundary. */
function import_anon_vma(k: Kernel, importer: vm_area_struct, exporter: vm_area_struct | null): void {
  if (exporter && exporter.anon_vma && !importer.anon_vma) anon_vma_clone(k.anon_vmas, importer, exporter);
}

/**
 * __vma_adjust without `insert`: resize `vma` to [start, end) with `pgoff`, swallowing or
 * trimming the next VMA(s) as vma_merge's cases need. `expand` names the VMA that grows.
 */
function __vma_adjust(k: Kernel, vma: vm_area_struct, start: number, end: number, pgoff: number, expand: vm_area_struct): void {
  const mm = vma.vm_mm;
  let next = find_vma(mm, vma.vm_end);
  let next_next: vm_area_struct | null = null;
  let adjust_next = 0;
  let remove_next = 0;
  if (next) {
    if (end >= next.vm_end) {
      if (next === expand) {
        // Case 8: grow `next` down over vma and remove vma.
        remove_next = 3;
        const tmp = vma;
        vma = next;
        next = tmp;
      } else {
        remove_next = 1 + (end > next.vm_end ? 1 : 0);
        if (remove_next === 2) next_next = vma_next(mm, next);
      }
      let exporter: vm_area_struct | null = next;
      if (remove_next === 2 && !next.anon_vma) exporter = next_next;
      import_anon_vma(k, vma, exporter);
    } else if (end > next.vm_start) {
      adjust_next = end - next.vm_start; // case 5
      import_anon_vma(k, vma, next);
    } else if (end < vma.vm_end) {
      adjust_next = -(vma.vm_end - end); // case 4
      import_anon_vma(k, next, vma);
    }
  }
  vma_adjust_trans_huge(k, vma, start, end, adjust_next, next);
  vma.vm_start = start;
  vma.vm_end = end;
  vma.vm_pgoff = pgoff;
  // Stryker disable next-line LogicalOperator: with adjust_next 0 the block adds 0 to next's start and pgoff
  if (adjust_next && next) {
    next.vm_start += adjust_next;
    next.vm_pgoff += adjust_next / PAGE_SIZE;
  }
  if (remove_next && next) {
    vma_merge_remove(k, mm, vma, next);
    // Stryker disable next-line LogicalOperator: next_next is set only when remove_next is 2
    if (remove_next === 2 && next_next) vma_merge_remove(k, mm, vma, next_next);
  }
  // vma_mas_store of the moved boundaries: the tree's gaps follow them.
  mm.mm_mt.mt_store_gaps(vma);
  if (adjust_next && next) mm.mm_mt.mt_store_gaps(next);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: clearing find_vma's cache never changes an answer (a hit is re-checked against the address) and keeping an empty VMA there matches no address
  if (mm.cache && (mm.cache.vm_start >= mm.cache.vm_end)) mm.cache = null;
}

/**
 * vma_merge: can [addr, end) with these properties join its predecessor, its successor, or
 * both? Returns the resulting VMA or null (the caller then makes or keeps its own). Called for
 * mprotect/mlock/madvise flag changes over existing ranges and for mremap's copy_vma.
 */
export function vma_merge(
  k: Kernel,
  mm: mm_struct,
  prev: vm_area_struct | null,
  addr: number,
  end: number,
  vm_flags: number,
  anon_vma: unknown,
  filp: file | null,
  pgoff: number,
  uffd?: MergeUffd,
): vm_area_struct | null {
  const pglen = (end - addr) / PAGE_SIZE;
  if (vm_flags & VM_SPECIAL) return null;
  let next = find_vma(mm, prev ? prev.vm_end : 0);
  const mid = next;
  if (next && next.vm_end === end) next = vma_next(mm, next); // cases 6, 7, 8

  const merge_prev = prev !== null && prev.vm_end === addr && can_vma_merge_after(prev, vm_flags, anon_vma, filp, pgoff, uffd);
  const merge_next = next !== null && end === next.vm_start && can_vma_merge_before(next, vm_flags, anon_vma, filp, pgoff + pglen, uffd);
  if (merge_prev && merge_next && is_mergeable_anon_vma(prev!.anon_vma, next!.anon_vma, null)) {
    __vma_adjust(k, prev!, prev!.vm_start, next!.vm_end, prev!.vm_pgoff, prev!); // cases 1, 6
    return prev;
  } else if (merge_prev) {
    __vma_adjust(k, prev!, prev!.vm_start, end, prev!.vm_pgoff, prev!); // cases 2, 5, 7
    return prev;
  } else if (merge_next) {
    if (prev && addr < prev.vm_end) {
      __vma_adjust(k, prev, prev.vm_start, addr, prev.vm_pgoff, next!); // case 4
    } else {
      __vma_adjust(k, mid!, addr, next!.vm_end, next!.vm_pgoff - pglen, next!); // cases 3, 8
    }
    return next;
  }
  return null;
}

/**
 * vma_expand: grow `vma` to [start, end), swallowing `next` when it ends at `end`
 * (mmap_region's merge path, no new VMA allocated).
 */
function vma_expand(k: Kernel, vma: vm_area_struct, start: number, end: number, pgoff: number, next: vm_area_struct | null): void {
  const mm = vma.vm_mm;
  const remove_next = next !== null && vma !== next && end === next.vm_end;
  if (remove_next && next!.anon_vma && !vma.anon_vma) anon_vma_clone(k.anon_vmas, vma, next!);
  vma.vm_start = start;
  vma.vm_end = end;
  vma.vm_pgoff = pgoff;
  if (remove_next) vma_merge_remove(k, mm, vma, next!);
  mm.mm_mt.mt_store_gaps(vma); // vma_mas_store
}

// ---------------------------------------------------------------------------------------------
// Splitting and unmapping
// ---------------------------------------------------------------------------------------------

/**
 * __split_vma: cut `vma` at `addr`; the new VMA takes the lower part when new_below, else the
 * upper part. Both share the anon_vma (anon_vma_clone) and the file.
 */
export function __split_vma(k: Kernel, mm: mm_struct, vma: vm_area_struct, addr: number, new_below: boolean): vm_area_struct {
  // __vma_adjust's vma_adjust_trans_huge: a huge PMD across the cut becomes PTEs first.
  vma_adjust_trans_huge(k, vma, new_below ? addr : vma.vm_start, new_below ? vma.vm_end : addr, 0, null);
  const n = vm_area_dup(k, vma);
  if (new_below) {
    n.vm_end = addr;
    vma.vm_pgoff += (addr - vma.vm_start) / PAGE_SIZE;
    vma.vm_start = addr;
  } else {
    n.vm_start = addr;
    n.vm_pgoff += (addr - vma.vm_start) / PAGE_SIZE;
    vma.vm_end = addr;
  }
  n.anon_vma = null;
  anon_vma_clone(k.anon_vmas, n, vma);
  mt_insert(mm, n);
  mm.mm_mt.mt_store_gaps(vma); // vma_mas_store of the shrunk part
  mm.map_count++;
  if (n.vm_file) __vma_link_file(n);
  return n;
}

/** split_vma: __split_vma within max_map_count; -ENOMEM past it. */
export function split_vma(k: Kernel, mm: mm_struct, vma: vm_area_struct, addr: number, new_below: boolean): vm_area_struct | number {
  const err = vma_may_split(k, vma, addr);
  if (err) return err;
  if (mm.map_count >= k.vm.max_map_count) return -ENOMEM;
  return __split_vma(k, mm, vma, addr, new_below);
}

/** unmap_region: zap the pages of the detached VMAs and free the page tables nobody else needs. */
function unmap_region(
  k: Kernel,
  mm: mm_struct,
  vmas: vm_area_struct[],
  prev: vm_area_struct | null,
  next: vm_area_struct | null,
  start: number,
  end: number,
): void {
  lru_add_drain(k);
  // Stryker disable next-line ConditionalExpression: a shortcut; with no page tables unmap_vmas and free_pgtables return at once, rss is 0 and tlb_finish_mmu has nothing to flush
  if (mm.pgd < 0) return; // no page tables were ever made
  const tlb = tlb_gather_mmu(k, mm);
  update_hiwater_rss(mm);
  unmap_vmas(k, tlb, mm, vmas, start, end);
  free_pgtables(k, tlb, mm, vmas, prev ? prev.vm_end : FIRST_USER_ADDRESS, next ? next.vm_start : USER_PGTABLES_CEILING);
  tlb_finish_mmu(k, tlb);
}

/**
 * page_remove_rmap's munlock_vma_page: pages of a VM_LOCKED VMA being unmapped leave the
 * unevictable state (done here for the whole VMA, before the zap, which has the same effect).
 */
function munlock_detached(k: Kernel, vmas: readonly vm_area_struct[]): void {
  for (const v of vmas) if (v.vm_flags & VM_LOCKED) munlock_vma_range(k, v, v.vm_start, v.vm_end);
}

/** remove_mt: statistics for, and freeing of, detached VMAs. */
function remove_mt(k: Kernel, mm: mm_struct, vmas: vm_area_struct[]): void {
  let nr_accounted = 0;
  update_hiwater_vm(mm);
  for (let i = 0; i < vmas.length; i++) {
    const vma = vmas[i];
    const nrpages = vma_pages(vma);
    if (vma.vm_flags & VM_ACCOUNT) nr_accounted += nrpages;
    vm_stat_account(mm, vma.vm_flags, -nrpages);
    remove_vma(k, vma);
  }
  vm_unacct_memory(k, nr_accounted);
}

/**
 * do_mas_align_munmap: unmap the page-aligned [start, end), splitting the VMAs at either edge.
 * `vma` is the first VMA overlapping the range. Returns 0 or -ENOMEM (map count).
 */
function do_align_munmap(k: Kernel, mm: mm_struct, vma: vm_area_struct, start: number, end: number): number {
  if (start > vma.vm_start) {
    const err = vma_may_split(k, vma, start);
    if (err) return err;
    // Keep map_count within its limit on return (a middle split adds one VMA).
    if (end < vma.vm_end && mm.map_count >= k.vm.max_map_count) return -ENOMEM;
    __split_vma(k, mm, vma, start, false);
  }
  const mt = mm.mm_mt;
  let v = mt.mt_find(start);
  const prev = mt.mt_prev(v);
  // The detached VMAs (mt_detach): unmap_region and remove_mt read them.
  const detached = mm.detached;
  // Stryker disable next-line StringLiteral,ObjectLiteral,ConditionalExpression: a KernelBug guard only a broken invariant reaches (nothing unmaps while an unmap of the same mm is under way)
  if (detached.length !== 0) throw new KernelBug("do_align_munmap: nested on one mm", { start });
  let locked_vm = 0;
  // __split_vma at the end: a hugetlb VMA refuses an unaligned end before anything is detached.
  // Stryker disable next-line EqualityOperator: a VMA starting at end is asked about its own start, which may_split (hugetlb: a huge page boundary) always accepts
  for (let w = v; w !== null && w.vm_start < end; w = mt.mt_next(w)) {
    // Stryker disable next-line EqualityOperator: a VMA ending at end is asked about its own end, which may_split always accepts
    if (w.vm_end > end) {
      const err = vma_may_split(k, w, end);
      if (err) return err;
    }
  }
  while (v !== null && v.vm_start < end) {
    if (v.vm_end > end) v = __split_vma(k, mm, v, end, true); // the lower part is new
    if (v.vm_flags & VM_LOCKED) locked_vm += vma_pages(v);
    detached.push(v);
    v = mt.mt_next(v);
  }
  // The first VMA at or above end stays: it is the next of the unmapped range.
  const next = v;
  const count = detached.length;
  for (let j = 0; j < count; j++) mt.mtree_erase(detached[j]);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: clearing the last-hit cache more often changes no lookup (find_vma falls back to the tree); the mutants that keep a stale entry are killed
  if (mm.cache !== null && mm.cache.vm_start < end && mm.cache.vm_end > start) mm.cache = null;
  for (let j = 0; j < count; j++) if (detached[j].vm_file) __remove_shared_vm_struct(detached[j]);
  mm.locked_vm -= locked_vm;
  mm.map_count -= count;
  munlock_detached(k, detached); // only VM_LOCKED VMAs: nothing to do unless locked_vm > 0
  unmap_region(k, mm, detached, prev, next, start, end);
  remove_mt(k, mm, detached);
  // Stryker disable next-line EqualityOperator: one pop more, of an empty array, changes nothing
  for (let j = 0; j < count; j++) detached.pop();
  return 0;
}

/**
 * do_munmap (do_mas_munmap): unmap [start, start + len). -EINVAL for an unaligned start, a
 * range beyond TASK_SIZE or a zero length; 0 when nothing was mapped there.
 */
export function do_munmap(k: Kernel, mm: mm_struct, start: number, len: number): number {
  if (
    offset_in_page(start) ||
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with len >= 0, start >= TASK_SIZE is caught by the next test too (6.1 needs this one as its unsigned TASK_SIZE - start would wrap)
    start > TASK_SIZE ||
    len > TASK_SIZE - start
  ) {
    return -EINVAL;
  }
  const end = start + PAGE_ALIGN(len);
  if (end === start) return -EINVAL;
  const vma = find_vma(mm, start);
  if (!vma || vma.vm_start >= end) return 0;
  if (vma.vm_start === start && vma.vm_end === end && vma.vm_file === null && (vma.vm_flags & VM_LOCKED) === 0 && k.fastPaths) {
    return munmap_vma_fast(k, mm, vma, start, end);
  }
  return do_align_munmap(k, mm, vma, start, end);
}

/**
 * do_align_munmap when the range is exactly one anonymous, unlocked VMA (the munmap of a whole
 * earlier mmap): no split, one VMA detached, no file to unhook, nothing to munlock. The steps
 * and their order are do_align_munmap's and remove_mt's for that one VMA; mmap.fastpath.test.ts
 * checks the two paths agree.
 */
function munmap_vma_fast(k: Kernel, mm: mm_struct, vma: vm_area_struct, start: number, end: number): number {
  const mt = mm.mm_mt;
  mt.mtree_erase(vma); // KernelBug when vma is not in the tree
  const prev = mt.mas_prev_entry();
  const next = mt.mas_entry();
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: clearing the last-hit cache more often changes no lookup, and do_munmap's find_vma has just set it (never null here)
  if (mm.cache !== null && mm.cache.vm_start < end && mm.cache.vm_end > start) mm.cache = null;
  mm.map_count--;
  const detached = mm.detached;
  // Stryker disable next-line StringLiteral,ObjectLiteral,ConditionalExpression: a KernelBug guard only a broken invariant reaches (nothing unmaps while an unmap of the same mm is under way)
  if (detached.length !== 0) throw new KernelBug("munmap_vma_fast: nested on one mm", { start });
  detached.push(vma);
  unmap_region(k, mm, detached, prev, next, start, end);
  detached.pop();
  // remove_mt for the one VMA.
  update_hiwater_vm(mm);
  const nrpages = vma_pages(vma);
  vm_stat_account(mm, vma.vm_flags, -nrpages);
  unlink_anon_vmas(k.anon_vmas, vma);
  vm_area_free(k, vma);
  vm_unacct_memory(k, vma.vm_flags & VM_ACCOUNT ? nrpages : 0);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// mmap
// ---------------------------------------------------------------------------------------------

/**
 * Does a shared writable mapping want its pages mapped read-only, so that the first write to
 * each one faults (wp_page_shared) and the file hears of it? Yes when the backer has a
 * ->page_mkwrite (every page cache file of a disk filesystem: generic_file_vm_ops's
 * filemap_page_mkwrite), when userfaultfd write-protection is on, or when the mapping's pages are
 * dirty-accounted (mapping_can_writeback). tmpfs, shmem, hugetlbfs and device-dax mappings say
 * no: their vm_ops have no ->page_mkwrite and their backing device no writeback, so a read fault
 * maps their pages writable and writes dirty the PTE without a fault.
 * Simplified: vma_soft_dirty_enabled is always false (nothing in the model clears VM_SOFTDIRTY:
 * no /proc/PID/clear_refs), so soft-dirty tracking never asks for write faults.
 * @kernel mm/mmap.c vma_wants_writenotify
 */
export function vma_wants_writenotify(vma: vm_area_struct, vm_page_prot: number): boolean {
  const vm_flags = vma.vm_flags;
  const file = vma.vm_file;
  // If it was private or non-writable, the write bit is already clear
  if ((vm_flags & (VM_WRITE | VM_SHARED)) !== (VM_WRITE | VM_SHARED)) return false;
  // The backer wishes to know when pages are first written to?
  if (vma_has_page_mkwrite(vma)) return true;
  // The open routine did something to the protections that pgprot_modify won't preserve?
  if (vm_page_prot !== pgprot_modify(vm_page_prot, vm_get_page_prot(vm_flags))) return false;
  // Do we need write faults for uffd-wp tracking?
  if (userfaultfd_wp(vma)) return true;
  // Specialty mapping?
  if (vm_flags & VM_PFNMAP) return false;
  // Can the mapping track the dirty pages?
  return file !== null && mapping_can_writeback(file.f_mapping);
}

/**
 * Sets vm_page_prot from vm_flags (keeping the old value's _PAGE_CHG_MASK bits), as the private
 * (read-only) protection when the mapping wants write notification: the first write to each page
 * then takes a write-protect fault, wp_page_shared, and the page is dirtied and accounted there.
 * @kernel mm/mmap.c vma_set_page_prot, vm_pgprot_modify
 */
export function vma_set_page_prot(vma: vm_area_struct): void {
  let vm_flags = vma.vm_flags;
  let vm_page_prot = pgprot_modify(vma.vm_page_prot, vm_get_page_prot(vm_flags));
  if (vma_wants_writenotify(vma, vm_page_prot)) {
    vm_flags &= ~VM_SHARED;
    vm_page_prot = pgprot_modify(vm_page_prot, vm_get_page_prot(vm_flags));
  }
  vma.vm_page_prot = vm_page_prot;
}

/**
 * mmap_region (__mmap_region): map [addr, addr + len) with vm_flags, replacing whatever was
 * there, merging with a compatible neighbour by expanding it, charging Committed_AS for
 * private writable memory. Returns addr or a negative errno.
 */
export function mmap_region(
  k: Kernel,
  t: task_struct,
  filp: file | null,
  addr: number,
  len: number,
  vm_flags: number,
  pgoff: number,
): number {
  const mm = t.mm!;
  const pglen = len / PAGE_SIZE;
  const end = addr + len;
  let charged = 0;

  // Stryker disable next-line ConditionalExpression: may_expand_vm is monotonic in npages, so when it allows pglen it allows pglen - nr_pages too
  if (!may_expand_vm(t, mm, vm_flags, pglen)) {
    // MAP_FIXED may remove pages of mappings that intersect: count those as freed.
    const nr_pages = count_vma_pages_range(mm, addr, end);
    if (!may_expand_vm(t, mm, vm_flags, pglen - nr_pages)) return -ENOMEM;
  }

  // Clear the range (MAP_FIXED over existing mappings). do_munmap finds nothing to do when no
  // VMA overlaps, so only its argument checks are made then, and the slot found here is kept.
  let next = mm.mm_mt.mt_find(addr);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: when no VMA overlaps, do_munmap returns 0 having changed nothing (its argument checks pass, see below)
  if (next !== null && next.vm_start < end) {
    if (do_munmap(k, mm, addr, len)) return -ENOMEM;
    next = mm.mm_mt.mt_find(addr);
  // Stryker disable next-line all: do_mmap, the only caller, passes a range get_unmapped_area accepted, so every operand is false and no combination of them differs
  } else if (offset_in_page(addr) || addr > TASK_SIZE || len > TASK_SIZE - addr || PAGE_ALIGN(len) === 0) {
    // Stryker disable next-line all: unreachable (above)
    return -ENOMEM; // do_munmap's -EINVAL
  }

  if (accountable_mapping(filp, vm_flags)) {
    charged = pglen;
    if (security_vm_enough_memory_mm(k, t, mm, charged)) return -ENOMEM;
    vm_flags |= VM_ACCOUNT;
  }

  const prev = mm.mm_mt.mt_prev(next);
  let vma: vm_area_struct | null = null;

  // Stryker disable next-line ConditionalExpression: do_mmap's vm_flags (calc_vm_prot_bits, calc_vm_flag_bits, def_flags) never hold a VM_SPECIAL bit; only ->mmap sets one, later
  if (!(vm_flags & VM_SPECIAL)) {
    let merge_start = addr;
    let merge_end = end;
    let vm_pgoff = pgoff;
    if (next && next.vm_start === end && can_vma_merge_before(next, vm_flags, null, filp, pgoff + pglen)) {
      merge_end = next.vm_end;
      vma = next;
      vm_pgoff = next.vm_pgoff - pglen;
    }
    if (
      prev &&
      prev.vm_end === addr &&
      (vma ? can_vma_merge_after(prev, vm_flags, vma.anon_vma, filp, pgoff) : can_vma_merge_after(prev, vm_flags, null, filp, pgoff))
    ) {
      merge_start = prev.vm_start;
      vma = prev;
      vm_pgoff = prev.vm_pgoff;
    }
    if (vma) {
      vma_expand(k, vma, merge_start, merge_end, vm_pgoff, next);
    }
  }

  if (!vma) {
    vma = vm_area_alloc(k, mm, addr, end, vm_flags, pgoff);
    if (!vma.obj && k.slab.cachep.vm_area_cachep) {
      if (charged) vm_unacct_memory(k, charged);
      return -ENOMEM;
    }
    vma.vm_page_prot = vm_get_page_prot(vm_flags);
    if (filp) {
      vma.vm_file = filp;
      filp.f_count++;
      const mmapHook = filp.f_op.mmap;
      // Stryker disable next-line UnaryOperator: do_mmap has already returned -ENODEV for a file without ->mmap
      const error = mmapHook ? mmapHook(filp, vma, k) : -ENODEV;
      if (error) {
        fput(k, filp);
        vm_area_free(k, vma);
        // Stryker disable next-line ConditionalExpression: vm_unacct_memory(0) changes nothing
        if (charged) vm_unacct_memory(k, charged);
        return error;
      }
      vm_flags = vma.vm_flags;
    } else if (vm_flags & VM_SHARED) {
      const error = shmem_zero_setup(k, t, vma);
      if (error) {
        vm_area_free(k, vma);
        // Stryker disable next-line ConditionalExpression: shared memory is never accountable_mapping's, so charged is 0 here
        if (charged) vm_unacct_memory(k, charged);
        return error;
      }
    }
    // vma_link at the place found above (the tree has not changed since: the walk is not redone).
    mt_insert(mm, vma);
    mm.map_count++;
    if (vma.vm_file) __vma_link_file(vma);
  }
  // The next lookup is most likely of this mapping (a touch, a munmap): find_vma's last hit.
  mm.cache = vma;

  vm_stat_account(mm, vm_flags, pglen);
  if (vm_flags & VM_LOCKED) {
    if (vm_flags & VM_SPECIAL) vma.vm_flags &= ~VM_LOCKED_MASK;
    else mm.locked_vm += pglen;
  }
  // A new or expanded VMA is always soft-dirty.
  vma.vm_flags |= VM_SOFTDIRTY;
  vma_set_page_prot(vma);
  return addr;
}

/** round_hint_to_min: a non-zero hint below mmap_min_addr moves up to it. */
function round_hint_to_min(hint: number, mmap_min_addr: number): number {
  hint -= offset_in_page(hint);
  // Stryker disable next-line EqualityOperator: at hint == mmap_min_addr (so page aligned) PAGE_ALIGN(mmap_min_addr) is hint itself
  if (hint !== 0 && hint < mmap_min_addr) return PAGE_ALIGN(mmap_min_addr);
  return hint;
}

/** mmap_anon_fast's answer when the general path must decide (never an address or an errno). */
const FAST_MISS = 1;

/**
 * do_mmap + get_unmapped_area + mmap_region for the commonest request, with the steps that
 * cannot apply left out: private anonymous memory (flags exactly MAP_PRIVATE | MAP_ANONYMOUS,
 * prot only READ/WRITE/EXEC), no hint, the top-down layout, no def_flags, no personality. The
 * caller checks those; every other choice is made here exactly as the general path makes it, in
 * the same order, with the same errnos. Anything unusual (the top-down search failing, which
 * needs the bottom-up fallback; RLIMIT_AS or RLIMIT_DATA, which may count pages MAP_FIXED
 * would replace) returns FAST_MISS before anything has changed, and do_mmap then runs the
 * general path from the start. Equivalence: mmap.fastpath.test.ts runs both side by side.
 */
function mmap_anon_fast(k: Kernel, t: task_struct, mm: mm_struct, len: number, prot: number): number {
  len = PAGE_ALIGN(len);
  if (mm.map_count > k.vm.max_map_count) return -ENOMEM;
  // arch_get_unmapped_area_topdown without hint: vm_unmapped_area below mmap_base.
  const addr = unmapped_area_topdown(mm, unmapped_info(mm, true, len, PAGE_SIZE, mm.mmap_base, 0));
  if (addr < 0) return FAST_MISS;
  // get_unmapped_area's checks of the answer.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: the answer ends at or below mmap_base, itself below TASK_SIZE, so the test is false whatever the variant
  if (addr > TASK_SIZE - len) return -ENOMEM;
  // Stryker disable next-line ConditionalExpression,UnaryOperator: the gap search answers page-aligned addresses only
  if (offset_in_page(addr)) return -EINVAL;
  if (addr < k.vm.mmap_min_addr && !capable(t)) return -EPERM;
  return mmap_region_anon_fast(k, t, mm, addr, len, calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC);
}

/**
 * mmap_anon_fast's mmap_region, for a range get_unmapped_area just found free (a function of its
 * own so V8 optimises it, and inlines its helpers, apart from the gap search).
 */
function mmap_region_anon_fast(k: Kernel, t: task_struct, mm: mm_struct, addr: number, len: number, vm_flags: number): number {
  const pglen = len / PAGE_SIZE;
  // pgoff = addr / PAGE_SIZE for private anonymous memory.
  if (!may_expand_vm(t, mm, vm_flags, pglen)) return FAST_MISS;
  const mt = mm.mm_mt;
  const next = mt.mt_find(addr);
  const prev = mt.mas_prev_entry();
  const end = addr + len;
  // The gap is free, so do_munmap has nothing to do (checked, not assumed).
  // Stryker disable next-line all: next is the VMA above a free gap of len just found, so the test is false; any mutant that makes it true only hands the request to do_mmap's general path, which makes the same choices (mmap.fastpath.test.ts)
  if (next !== null && next.vm_start < end) return FAST_MISS;
  if (vm_flags & VM_WRITE) {
    if (security_vm_enough_memory_mm(k, t, mm, pglen)) return -ENOMEM;
    vm_flags |= VM_ACCOUNT;
  }
  const pgoff = addr / PAGE_SIZE;
  let vma: vm_area_struct | null = null;
  let merge_start = addr;
  let merge_end = end;
  let vm_pgoff = pgoff;
  if (next !== null && next.vm_start === end && can_vma_merge_before(next, vm_flags, null, null, pgoff + pglen)) {
    merge_end = next.vm_end;
    vma = next;
    vm_pgoff = next.vm_pgoff - pglen;
  }
  if (prev !== null && prev.vm_end === addr && can_vma_merge_after(prev, vm_flags, vma !== null ? vma.anon_vma : null, null, pgoff)) {
    merge_start = prev.vm_start;
    vma = prev;
    vm_pgoff = prev.vm_pgoff;
  }
  if (vma !== null) {
    vma_expand(k, vma, merge_start, merge_end, vm_pgoff, next);
  } else {
    vma = vm_area_alloc(k, mm, addr, end, vm_flags, pgoff);
    mt.mtree_insert(vma);
    mm.map_count++;
  }
  mm.cache = vma;
  vm_stat_account(mm, vm_flags, pglen);
  vma.vm_flags |= VM_SOFTDIRTY;
  vma.vm_page_prot = vm_get_page_prot(vma.vm_flags);
  return addr;
}

/** The result of do_mmap: the address (or negative errno) and how much to populate. */
export interface DoMmapResult {
  addr: number;
  populate: number;
}

/**
 * do_mmap: validate a mapping request, choose its place and flags, and call mmap_region.
 * `out.populate` is the length vm_mmap_pgoff should fault in (MAP_POPULATE or VM_LOCKED).
 */
export function do_mmap(
  k: Kernel,
  t: task_struct,
  filp: file | null,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  pgoff: number,
  out: DoMmapResult,
): number {
  const mm = t.mm!;
  out.populate = 0;
  if (!len) return (out.addr = -EINVAL);
  if (
    addr === 0 && filp === null && flags === (MAP_PRIVATE | MAP_ANONYMOUS) && (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) === 0 &&
    len <= TASK_SIZE && mm.topdown && mm.def_flags === 0 && t.personality === 0 && k.fastPaths
  ) {
    const r = mmap_anon_fast(k, t, mm, len, prot);
    if (r !== FAST_MISS) return (out.addr = r);
  }

  if (prot & PROT_READ && t.personality & READ_IMPLIES_EXEC) prot |= PROT_EXEC;
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  // the effective floor (the LSM's 64K at least); cap_mmap_addr below checks the sysctl's own value
  if (!(flags & MAP_FIXED)) addr = round_hint_to_min(addr, mmap_min_addr(k));

  // PAGE_ALIGN wraps to 0 for a length within a page of 2^64.
  len = PAGE_ALIGN(len);
  if (!len || len >= 2 ** 64) return (out.addr = -ENOMEM);
  // The pgoff + pages < pgoff overflow test cannot trigger: sys_mmap's byte offset is below 2^64.
  if (mm.map_count > k.vm.max_map_count) return (out.addr = -ENOMEM);

  addr = get_unmapped_area(t, mm, filp, addr, len, pgoff, flags, k.vm.mmap_min_addr);
  if (addr < 0) return (out.addr = addr);

  if (flags & MAP_FIXED_NOREPLACE) {
    if (find_vma_intersection(mm, addr, addr + len)) return (out.addr = -EEXIST);
  }

  let vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm.def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

  // MAP_LOCKED needs can_do_mlock: a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK.
  if (flags & MAP_LOCKED && !(capable(t) || rlimit(t, RLIMIT_MEMLOCK) !== 0)) return (out.addr = -EPERM);
  if (mlock_future_check(t, mm, vm_flags, len)) return (out.addr = -EAGAIN);

  if (filp) {
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE && type !== MAP_PRIVATE) return (out.addr = -EINVAL);
    // file_mmap_ok: a regular file's offset + length must stay within MAX_LFS_FILESIZE (2^63 - 1):
    // pgoff > (2^63 - 1 - len) >> PAGE_SHIFT fails. len is page aligned, so that bound is
    // (2^63 - len) / 4096 - 1, exact in a double (2^63 - len has at most 51 significant bits),
    // where 2^63 - 1 is not: for one page the last pgoff allowed is 2^51 - 2.
    if (pgoff > (2 ** 63 - len) / PAGE_SIZE - 1) return (out.addr = -EOVERFLOW);
    if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
      if (type === MAP_SHARED) flags &= LEGACY_MAP_MASK;
      // No file in the model supports MAP_SYNC (mmap_supported_flags = 0).
      if (flags & ~LEGACY_MAP_MASK) return (out.addr = -EOPNOTSUPP);
      if (prot & PROT_WRITE && !(filp.f_mode & FMODE_WRITE)) return (out.addr = -EACCES);
      vm_flags |= VM_SHARED | VM_MAYSHARE;
      if (!(filp.f_mode & FMODE_WRITE)) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
    }
    // MAP_PRIVATE, and MAP_SHARED falling through:
    if (!(filp.f_mode & FMODE_READ)) return (out.addr = -EACCES);
    if (!filp.f_op.mmap) return (out.addr = -ENODEV);
    if (vm_flags & (VM_GROWSDOWN | VM_GROWSUP)) return (out.addr = -EINVAL);
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (vm_flags & (VM_GROWSDOWN | VM_GROWSUP)) return (out.addr = -EINVAL);
        pgoff = 0;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = addr / PAGE_SIZE;
        break;
      default:
        return (out.addr = -EINVAL);
    }
  }

  if (flags & MAP_NORESERVE) {
    // Honoured unless overcommit is strict.
    if (k.vm.overcommit_memory !== OVERCOMMIT_NEVER) vm_flags |= VM_NORESERVE;
    // hugetlb applies strict overcommit unless MAP_NORESERVE: its pool reservation is skipped.
    if (filp !== null && is_file_hugepages(filp)) vm_flags |= VM_NORESERVE;
  }

  addr = mmap_region(k, t, filp, addr, len, vm_flags, pgoff);
  if (addr >= 0 && (vm_flags & VM_LOCKED || (flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE)) {
    out.populate = len;
  }
  return (out.addr = addr);
}

/** vm.overcommit_memory values. */
export const OVERCOMMIT_GUESS = 0;
export const OVERCOMMIT_ALWAYS = 1;
export const OVERCOMMIT_NEVER = 2;

// ---------------------------------------------------------------------------------------------
// brk
// ---------------------------------------------------------------------------------------------

/**
 * check_data_rlimit: would a data segment ending at `new` exceed RLIMIT_DATA? -ENOSPC if so,
 * as the brk syscall treats any non-zero result as failure.
 */
function check_data_rlimit(rlim: number, newv: number, start: number, end_data: number, start_data: number): number {
  // Stryker disable next-line ConditionalExpression: nothing exceeds an infinite limit (6.1 tests RLIM_INFINITY, which a sum of addresses cannot exceed)
  if (Number.isFinite(rlim)) {
    // Stryker disable next-line UnaryOperator: sys_brk reads only whether the result is non-zero
    if (newv - start + (end_data - start_data) > rlim) return -errnoValues.ENOSPC;
  }
  return 0;
}

/**
 * do_brk_flags: grow the heap VMA from addr by len, extending `vma` in place when it is the
 * heap's last VMA with matching flags, else creating a new anonymous VMA.
 */
function do_brk_flags(k: Kernel, t: task_struct, mm: mm_struct, vma: vm_area_struct | null, addr: number, len: number, flags: number): number {
  flags |= VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm.def_flags;
  const pages = len / PAGE_SIZE;
  if (!may_expand_vm(t, mm, flags, pages)) return -ENOMEM;
  if (mm.map_count > k.vm.max_map_count) return -ENOMEM;
  if (security_vm_enough_memory_mm(k, t, mm, pages)) return -ENOMEM;

  if (vma && vma.vm_end === addr && can_vma_merge_after(vma, flags, null, null, addr / PAGE_SIZE)) {
    vma.vm_end = addr + len;
    mm.mm_mt.mt_store_gaps(vma); // vma_mas_store
    vma.vm_flags |= VM_SOFTDIRTY;
  } else {
    vma = vm_area_alloc(k, mm, addr, addr + len, flags, addr / PAGE_SIZE);
    vma.vm_page_prot = vm_get_page_prot(flags);
    vma_link(mm, vma);
  }
  mm.total_vm += pages;
  mm.data_vm += pages;
  if (flags & VM_LOCKED) mm.locked_vm += pages;
  vma.vm_flags |= VM_SOFTDIRTY;
  return 0;
}

/** What sys_brk did: the new break and the range to populate (mlockall(MCL_FUTURE)). */
export interface BrkResult {
  brk: number;
  populateStart: number;
  populateLen: number;
}

/**
 * The brk syscall: set the program break. Returns the new break on success and the old one on
 * any failure, as the kernel does (a failed brk is not an errno). Shrinking always works;
 * growing checks RLIMIT_DATA, the address space, mlock limits, the stack guard gap of the next
 * VMA and overcommit.
 */
export function sys_brk(k: Kernel, t: task_struct, brk: number, out: BrkResult): number {
  const mm = t.mm!;
  const origbrk = mm.brk;
  out.populateLen = 0;
  const min_brk = mm.start_brk; // CONFIG_COMPAT_BRK is off
  if (brk < min_brk) return (out.brk = origbrk);
  if (check_data_rlimit(rlimit(t, RLIMIT_DATA), brk, mm.start_brk, mm.end_data, mm.start_data)) return (out.brk = origbrk);

  const newbrk = PAGE_ALIGN(brk);
  const oldbrk = PAGE_ALIGN(mm.brk);
  if (oldbrk === newbrk) {
    mm.brk = brk;
    return (out.brk = brk);
  }
  // Stryker disable next-line EqualityOperator: at brk == mm->brk the page-aligned breaks are equal, which returned above
  if (brk <= mm.brk) {
    // Shrink: the range must be the heap's own VMA.
    const brkvma = find_vma_intersection(mm, newbrk, oldbrk);
    if (
      !brkvma ||
      // Stryker disable next-line ConditionalExpression,EqualityOperator: find_vma_intersection(newbrk, oldbrk) answers only a VMA that starts below oldbrk
      brkvma.vm_start >= oldbrk
    ) {
      return (out.brk = origbrk);
    }
    mm.brk = brk;
    if (do_align_munmap(k, mm, brkvma, newbrk, oldbrk)) {
      mm.brk = origbrk;
      return (out.brk = origbrk);
    }
    return (out.brk = brk);
  }
  // check_brk_limits: the range must be placeable (MAP_FIXED semantics) and lockable.
  const chk = get_unmapped_area(t, mm, null, oldbrk, newbrk - oldbrk, 0, MAP_FIXED, k.vm.mmap_min_addr);
  if (chk < 0) return (out.brk = origbrk);
  if (mlock_future_check(t, mm, mm.def_flags, newbrk - oldbrk)) return (out.brk = origbrk);

  // The next VMA (and its guard gap) must not be within one page of the new break.
  const next = find_vma(mm, oldbrk);
  if (
    next &&
    // Stryker disable next-line ConditionalExpression,EqualityOperator: mas_find's limit; for a VMA at or past it vm_start_gap(next) >= newbrk + PAGE_SIZE, so the next test is false anyway
    next.vm_start < newbrk + PAGE_SIZE + stack_guard_gap &&
    newbrk + PAGE_SIZE > vm_start_gap(next)
  ) {
    return (out.brk = origbrk);
  }
  // mas_prev(&mas, mm->start_brk): the VMA below oldbrk, if it reaches above start_brk. A bss
  // VMA ending exactly at start_brk is not the heap, so the first brk makes a second VMA (w1's
  // two [heap] lines, 004aa000-004af000 and 004af000-004d1000).
  const { prev } = find_vma_prev(mm, oldbrk);
  const brkvma = prev && prev.vm_end > mm.start_brk ? prev : null;
  if (do_brk_flags(k, t, mm, brkvma, oldbrk, newbrk - oldbrk, 0) < 0) return (out.brk = origbrk);
  mm.brk = brk;
  if (mm.def_flags & VM_LOCKED) {
    out.populateStart = oldbrk;
    out.populateLen = newbrk - oldbrk;
  }
  return (out.brk = brk);
}

/**
 * vm_brk_flags: map anonymous memory at [addr, addr + request) as the ELF loader does for bss
 * (replacing what is there). Returns 0 or a negative errno.
 */
export function vm_brk_flags(k: Kernel, t: task_struct, addr: number, request: number, flags: number): number {
  const mm = t.mm!;
  const len = PAGE_ALIGN(request);
  if (!len) return 0;
  if (flags & ~VM_EXEC) return -EINVAL;
  const chk = get_unmapped_area(t, mm, null, addr, len, 0, MAP_FIXED, k.vm.mmap_min_addr);
  if (chk < 0) return chk;
  const lim = mlock_future_check(t, mm, mm.def_flags, len);
  if (lim) return lim;
  const ret = do_munmap(k, mm, addr, len);
  if (ret) return ret;
  const { prev } = find_vma_prev(mm, addr);
  return do_brk_flags(k, t, mm, prev, addr, len, flags);
}

// ---------------------------------------------------------------------------------------------
// The stack
// ---------------------------------------------------------------------------------------------

/**
 * acct_stack_growth: may the stack grow to `size` bytes by `grow` pages? Checks RLIMIT_AS,
 * RLIMIT_STACK, RLIMIT_MEMLOCK and overcommit (which charges the growth).
 */
function acct_stack_growth(k: Kernel, t: task_struct, vma: vm_area_struct, size: number, grow: number): number {
  const mm = vma.vm_mm;
  if (!may_expand_vm(t, mm, vma.vm_flags, grow)) return -ENOMEM;
  if (size > rlimit(t, RLIMIT_STACK)) return -ENOMEM;
  if (mlock_future_check(t, mm, vma.vm_flags, grow * PAGE_SIZE)) return -ENOMEM;
  if (security_vm_enough_memory_mm(k, t, mm, grow)) return -ENOMEM;
  return 0;
}

/**
 * expand_downwards: grow a VM_GROWSDOWN VMA down to cover `address`, keeping stack_guard_gap
 * from an accessible VMA below. 0, -EFAULT (not growsdown), -EPERM (below mmap_min_addr) or
 * -ENOMEM (limits or guard gap).
 */
export function expand_downwards(k: Kernel, t: task_struct, vma: vm_area_struct, address: number): number {
  const mm = vma.vm_mm;
  if (!(vma.vm_flags & VM_GROWSDOWN)) return -EFAULT;
  address -= offset_in_page(address);
  if (
    address < mmap_min_addr(k) ||
    // Stryker disable next-line ConditionalExpression,EqualityOperator: FIRST_USER_ADDRESS is 0 on x86-64, below the 64K mmap_min_addr floor tested first
    address < FIRST_USER_ADDRESS
  ) {
    return -EPERM;
  }
  const prev = vma_prev(mm, vma);
  if (prev) {
    const accessible = (prev.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
    if (!(prev.vm_flags & VM_GROWSDOWN) && accessible && address - prev.vm_end < stack_guard_gap) return -ENOMEM;
  }
  let error = 0;
  if (address < vma.vm_start) {
    const size = vma.vm_end - address;
    const grow = (vma.vm_start - address) / PAGE_SIZE;
    error = -ENOMEM;
    if (grow <= vma.vm_pgoff) {
      error = acct_stack_growth(k, t, vma, size, grow);
      if (!error) {
        if (vma.vm_flags & VM_LOCKED) mm.locked_vm += grow;
        vm_stat_account(mm, vma.vm_flags, grow);
        vma.vm_start = address;
        vma.vm_pgoff -= grow;
        mm.mm_mt.mt_store_gaps(vma); // vma_mas_store
      }
    }
  }
  return error;
}

/**
 * expand_stack: the fault path's lookup that grows the stack: the VMA containing addr, or the
 * growsdown VMA above it grown down to addr, or null (SIGSEGV).
 */
export function expand_stack(k: Kernel, t: task_struct, mm: mm_struct, addr: number): vm_area_struct | null {
  const vma = find_vma(mm, addr);
  if (vma && vma.vm_start <= addr) return vma;
  if (vma && !expand_downwards(k, t, vma, addr)) return vma;
  return null;
}

// ---------------------------------------------------------------------------------------------
// exit
// ---------------------------------------------------------------------------------------------

/** exit_mmap: tear down the whole address space: zap, free page tables, free VMAs, unaccount. */
export function exit_mmap(k: Kernel, mm: mm_struct): void {
  const vmas = mm.mm_mt.toArray();
  if (vmas.length === 0) return;
  munlock_detached(k, vmas);
  lru_add_drain(k);
  // tlb_gather_mmu_fullmm: the whole address space goes; one flush of everything at the end.
  const tlb = tlb_gather_mmu(k, mm, true);
  // Stryker disable next-line ConditionalExpression: unmap_vmas returns at once for an mm without page tables
  if (mm.pgd >= 0) {
    unmap_vmas(k, tlb, mm, vmas, 0, TASK_SIZE);
  }
  mm.flags |= 1 << MMF_OOM_SKIP;
  // Stryker disable next-line ConditionalExpression: free_pgtables returns at once for an mm without page tables
  if (mm.pgd >= 0) free_pgtables(k, tlb, mm, vmas, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING);
  tlb_finish_mmu(k, tlb);
  let nr_accounted = 0;
  for (const vma of vmas) {
    if (vma.vm_flags & VM_ACCOUNT) nr_accounted += vma_pages(vma);
    if (vma.vm_file) __remove_shared_vm_struct(vma);
    remove_vma(k, vma);
  }
  // Stryker disable next-line StringLiteral,ObjectLiteral,ConditionalExpression: a KernelBug guard only a broken invariant reaches (map_count is kept with the tree)
  if (vmas.length !== mm.map_count) throw new KernelBug("exit_mmap: map_count mismatch", { count: vmas.length, map_count: mm.map_count });
  mm.mm_mt.mtree_destroy();
  mm.map_count = 0;
  mm.cache = null;
  vm_unacct_memory(k, nr_accounted);
}

// ---------------------------------------------------------------------------------------------
// mremap's helper
// ---------------------------------------------------------------------------------------------

/**
 * copy_vma: a copy of `vma`'s [vma.vm_start, +len) placed at addr with pgoff, merged into a
 * neighbour when possible (mremap's move). Returns the new VMA and whether it merged into an
 * existing one that covers the old range (need_rmap_locks in the kernel).
 */
export function copy_vma(
  k: Kernel,
  vma: vm_area_struct,
  addr: number,
  len: number,
  pgoff: number,
): vm_area_struct {
  const mm = vma.vm_mm;
  // A not-yet-faulted anonymous VMA moves its pgoff with it, so it can merge at the new place.
  if (!vma.vm_file && !vma.anon_vma) pgoff = addr / PAGE_SIZE;
  const { prev } = find_vma_prev(mm, addr);
  const merged = vma_merge(k, mm, prev, addr, addr + len, vma.vm_flags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged) return merged;
  const n = vm_area_dup(k, vma);
  n.vm_start = addr;
  n.vm_end = addr + len;
  n.vm_pgoff = pgoff;
  n.anon_vma = null;
  anon_vma_clone(k.anon_vmas, n, vma);
  vma_link(mm, n);
  return n;
}

/** A fresh mm with the arch layout chosen for `t` (mm_alloc + arch_pick_mmap_layout: set PF_RANDOMIZE first). */
export function mm_alloc(k: Kernel, t: task_struct): mm_struct {
  const mm = new mm_struct();
  allocate_mm(k, mm);
  arch_pick_mmap_layout(k, t, mm);
  return mm;
}



/**
 * Boot-time user reserve: what overcommit mode 2 keeps back for a user to recover a runaway
 * process, 1/32 of free memory capped at 128 MiB. Runs at subsys_initcall, before the initrd and
 * init memory are freed: the real 512 MiB guest had ~451650 kB free then, giving 14114.
 * @kernel mm/mmap.c init_user_reserve
 */
export function init_user_reserve(k: Kernel): void {
  const free_kbytes = global_zone_page_state(k, NR_FREE_PAGES) * (PAGE_SIZE / 1024);
  k.vm.user_reserve_kbytes = Math.min(Math.floor(free_kbytes / 32), 1 << 17);
}

/**
 * Boot-time admin reserve: 1/32 of free memory capped at 8 MiB, so root can still log in.
 * @kernel mm/mmap.c init_admin_reserve
 */
export function init_admin_reserve(k: Kernel): void {
  const free_kbytes = global_zone_page_state(k, NR_FREE_PAGES) * (PAGE_SIZE / 1024);
  k.vm.admin_reserve_kbytes = Math.min(Math.floor(free_kbytes / 32), 1 << 13);
}
