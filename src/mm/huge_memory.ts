/**
 * Transparent huge pages: the policy (transparent_hugepage_flags, the `transparent_hugepage=`
 * boot option, hugepage_init's rule that turns THP off below 512 MiB of RAM: a "512M" guest has
 * 468 MiB and boots with `always madvise [never]`), its sysfs files, and the mechanism: the PMD
 * fault (do_huge_pmd_anonymous_page with the huge zero page on read faults, vma_thp_gfp_mask's
 * five defrag modes, fallback to small pages), the huge PMD's write fault (reuse or split and
 * copy 4 KiB, as 6.1 does), zap, fork's copy, mprotect's change and mremap's move of a huge PMD,
 * the PMD split (__split_huge_pmd: one PTE per subpage, DoubleMap when other PMDs still map the
 * page), the page split (split_huge_page_to_list: the compound page becomes 512 pages, the
 * unmapped ones freed) and the deferred split queue with its shrinker.
 *
 * Worked numbers: w1t touches 128 MiB at 0x7fffefff9000-0x7ffff7ff9000; the 2 MiB-aligned part
 * 0x7ffff0000000-0x7ffff7e00000 is 63 huge PMDs (thp_fault_alloc 63, AnonHugePages 129024 kB),
 * the 7 pages below and the 505 above fault 4 KiB each. Each huge PMD deposits a PTE table, so
 * the page tables are those of the small-page run (VmPTE 284 kB in both w1 and w1t).
 *
 * The flags live on the Kernel as `k.thp` (with the huge zero page's refcount); khugepaged is
 * khugepaged.ts. fs/proc/init.ts creates the sysfs files at boot (hugepage_init_sysfs).
 * @kernel mm/huge_memory.c transparent_hugepage_flags, setup_transparent_hugepage, hugepage_init,
 *   enabled_show, enabled_store, defrag_show, defrag_store, single_hugepage_flag_show,
 *   single_hugepage_flag_store, hpage_pmd_size_show, hugepage_vma_check, vma_thp_gfp_mask,
 *   get_huge_zero_page, put_huge_zero_page, mm_get_huge_zero_page, mm_put_huge_zero_page,
 *   shrink_huge_zero_page_count, shrink_huge_zero_page_scan, do_huge_pmd_anonymous_page,
 *   __do_huge_pmd_anonymous_page, set_huge_zero_page, huge_pmd_set_accessed, touch_pmd,
 *   do_huge_pmd_wp_page, zap_huge_pmd, zap_deposited_table, copy_huge_pmd, change_huge_pmd,
 *   move_huge_pmd, madvise_free_huge_pmd, __split_huge_pmd, __split_huge_pmd_locked,
 *   __split_huge_zero_page_pmd, split_huge_pmd_address, split_huge_pmd_if_needed,
 *   vma_adjust_trans_huge, can_split_folio, split_huge_page_to_list, __split_huge_page,
 *   __split_huge_page_tail, lru_add_page_tail, prep_transhuge_page, free_transhuge_page,
 *   deferred_split_huge_page, deferred_split_count, deferred_split_scan,
 *   set_pmd_migration_entry, remove_migration_pmd
 * @kernel include/linux/huge_mm.h enum transparent_hugepage_flag, hugepage_flags_enabled,
 *   transhuge_vma_suitable
 * @kernel mm/mempolicy.c vma_alloc_folio (the hugepage branch: this node first, no reclaim)
 *
 * Simplified: no sysfs kobjects; no memcg charge (thp_fault_fallback_charge stays 0); no file
 * or shmem THP (huge=never everywhere); no PUD-sized THP; no NUMA hinting. split_huge_page does
 * not go through migration entries: unmap_folio and remap_page bracket nothing a single-threaded
 * model could run in between, so the folio is dissolved in place and every PTE kept, which is
 * the state remap_page leaves (PMD mappings are split first, as unmap_folio's TTU_SPLIT_HUGE_PMD
 * does). The mmu_gather's batching of freed pages is not modelled: a zapped THP's reference goes
 * at once. As in 6.1, `transparent_hugepage=always` on the command line does not survive
 * hugepage_init on a machine below 512 MiB; write "always" to the enabled file afterwards.
 */
import { flush_tlb_range } from "../arch/x86/tlb.js";
import { pow2 } from "../lib/bitops.js";
import { count_memcg_event_mm, mem_cgroup_charge } from "./memcontrol.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_PSE,
  _PAGE_SPECIAL,
  huge_pmd_lookup,
  NO_TABLE,
  pgtable_trans_huge_deposit,
  pgtable_trans_huge_withdraw,
  pmd_mkhuge,
  pmd_offset,
  pmd_populate,
  pmd_trans_huge,
  pte_alloc_one,
  pte_clear,
  pte_free,
  set_pte_at,
} from "../arch/x86/pgtable.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { sysfs_streq } from "../lib/string.js";
import { __GFP_DIRECT_RECLAIM, __GFP_MOVABLE, __GFP_NORETRY, __GFP_THISNODE, __GFP_ZERO, __GFP_KSWAPD_RECLAIM, GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT } from "./gfp.js";
import { khugepaged_enter_vma } from "./khugepaged.js";
import {
  F,
  LRU_GEN_MASK,
  PG_active,
  PG_anon_exclusive,
  PG_arch_2,
  PG_dirty,
  PG_double_map,
  PG_head,
  PG_locked,
  PG_lru,
  PG_mlocked,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_transhuge,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  content_materialize,
  fresh_page_contents,
} from "./memmap.js";
import { folio_lru_list, folio_lruvec, folio_zone } from "./mm_inline.js";
import { lru_gen_folio_list, lru_gen_set_folio_list } from "./lru_gen.js";
import { anon_vma_vmas, MM_ANONPAGES, type mm_struct, type vm_area_struct, VM_HUGEPAGE, VM_HUGETLB, VM_LOCKED, VM_NOHUGEPAGE, VM_STACK_INCOMPLETE_SETUP, VM_UFFD_MISSING, VM_WRITE, vma_is_anonymous } from "./mm_types.js";
import { handle_userfault } from "../fs/userfaultfd.js";
import { type deferred_split, NO_PFN, type pglist_data } from "./mmzone.js";
import { __alloc_pages, __free_pages, numa_node_id } from "./page_alloc.js";
import { folio_mapcount, mod_page_node_state, page_add_anon_rmap, page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap, page_try_dup_anon_rmap, PageAnon, PageAnonExclusive } from "./rmap.js";
import { get_page, lru_cache_add_inactive_or_unevictable, put_page } from "./swap.js";
import { fault_anon_vma_prepare, my_zero_pfn } from "./memory.js";
import { mlock_page, munlock_page } from "./mlock.js";
import { PAGE_SHIFT, pageblock_order } from "./types.js";
import { DEFAULT_SEEKS, register_shrinker, shrinker, type shrink_control, SHRINKER_MEMCG_AWARE, SHRINKER_NONSLAB, SHRINKER_NUMA_AWARE, SHRINK_STOP, type shrinker_operations } from "./shrinker.js";
import { NR_ANON_THPS, THP_DEFERRED_SPLIT_PAGE, THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_FAULT_FALLBACK_CHARGE, THP_SPLIT_PAGE, THP_SPLIT_PAGE_FAILED, THP_SPLIT_PMD, THP_ZERO_PAGE_ALLOC, THP_ZERO_PAGE_ALLOC_FAILED } from "./vmstat_items.js";

const { EBUSY, EAGAIN, ENOMEM } = errnoValues;

/** HPAGE_PMD_ORDER: a PMD maps 2^9 pages. */
export const HPAGE_PMD_ORDER = 9;
/** HPAGE_PMD_NR: 512 base pages in a PMD-sized THP. */
export const HPAGE_PMD_NR = 512;
/** HPAGE_PMD_SIZE: 2 MiB. */
export const HPAGE_PMD_SIZE = 2 ** 21; // PMD_SIZE (a literal: pgtable.ts may still be loading when this module is)

// vm_fault_t bits this file returns (include/linux/mm_types.h; memory.ts has the rest).
const VM_FAULT_OOM = 0x000001;
const VM_FAULT_WRITE = 0x000008;
/** The huge fault could not be served with a huge page: fall back to the PTE path. */
export const VM_FAULT_FALLBACK = 0x000800;
const FAULT_FLAG_WRITE = 1 << 0;

/** MMF_HUGE_ZERO_PAGE: the mm holds a reference to the huge zero page. @kernel include/linux/sched/coredump.h */
export const MMF_HUGE_ZERO_PAGE = 23;
/** MMF_DISABLE_THP: prctl(PR_SET_THP_DISABLE). */
export const MMF_DISABLE_THP = 24;
/** MMF_VM_HUGEPAGE: the mm is registered with khugepaged. */
export const MMF_VM_HUGEPAGE = 17;

/**
 * VM_NO_KHUGEPAGED: VMAs THP never backs (special mappings and hugetlb). @kernel include/linux/mm.h
 * Written out (VM_PFNMAP 0x400 | VM_IO 0x4000 | VM_DONTEXPAND 0x40000 | VM_HUGETLB 0x400000 |
 * VM_MIXEDMAP 0x10000000) rather than computed from mm_types' bindings: mm_types and this file
 * sit in one import cycle, and a top-level read of an imported binding throws under plain Node
 * when mm_types.js is the module a program imports first. huge_memory.test.ts checks the sum.
 */
export const VM_NO_KHUGEPAGED = 0x10444400;

const HEAD = F(PG_head);
const LRU = F(PG_lru);
const TRANSHUGE = F(PG_transhuge);
const ANON_EXCL = F(PG_anon_exclusive);
const DOUBLE_MAP = F(PG_double_map);

// enum transparent_hugepage_flag
export const TRANSPARENT_HUGEPAGE_NEVER_DAX = 0;
export const TRANSPARENT_HUGEPAGE_FLAG = 1;
export const TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG = 2;
export const TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG = 3;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG = 4;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG = 5;
export const TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG = 6;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG = 7;
export const TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG = 8;

/** The compiled-in default for CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS: always, defrag madvise. */
export const THP_FLAGS_DEFAULT =
  (1 << TRANSPARENT_HUGEPAGE_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);

export type ThpMode = "always" | "madvise" | "never";

/** The machine's THP state: mm/huge_memory.c's statics. */
export class thp_state {
  /** transparent_hugepage_flags. */
  transparent_hugepage_flags = THP_FLAGS_DEFAULT;
  /** Whether khugepaged runs (khugepaged_thread != NULL). */
  khugepaged_running = false;
  /** huge_zero_pfn: the huge zero page, NO_PFN until the first read fault that maps it. */
  huge_zero_pfn = -1;
  /** huge_zero_refcount: 1 for the shrinker's own hold plus one per mm holding it; 0 = none. */
  huge_zero_refcount = 0;
  /** huge_zero_page_shrinker (not NUMA-aware: one nr_deferred), registered by hugepage_init. */
  readonly huge_zero_page_shrinker = new shrinker(huge_zero_page_shrinker_ops, DEFAULT_SEEKS, 0, 0, null);
  /** deferred_split_shrinker (NUMA-aware: nr_deferred per node; memcg-aware and NONSLAB too). */
  readonly deferred_split_shrinker = new shrinker(deferred_split_shrinker_ops, DEFAULT_SEEKS, 0, SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB, null);
}

/** THP on for all or for madvised ranges. @kernel include/linux/huge_mm.h hugepage_flags_enabled */
export function hugepage_flags_enabled(k: Kernel): boolean {
  return (k.thp.transparent_hugepage_flags & ((1 << TRANSPARENT_HUGEPAGE_FLAG) | (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG))) !== 0;
}
/** THP on for everything. @kernel include/linux/huge_mm.h hugepage_flags_always */
export function hugepage_flags_always(k: Kernel): boolean {
  return (k.thp.transparent_hugepage_flags & (1 << TRANSPARENT_HUGEPAGE_FLAG)) !== 0;
}

/** Applies an enabled mode to the flags as enabled_store does. */
function set_enabled(flags: number, mode: ThpMode): number {
  flags &= ~((1 << TRANSPARENT_HUGEPAGE_FLAG) | (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG));
  if (mode === "always") flags |= 1 << TRANSPARENT_HUGEPAGE_FLAG;
  else if (mode === "madvise") flags |= 1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG;
  return flags;
}

/**
 * The `transparent_hugepage=` boot option: sets the enabled bits before hugepage_init runs.
 * @kernel mm/huge_memory.c setup_transparent_hugepage
 */
export function setup_transparent_hugepage(k: Kernel, mode: ThpMode): void {
  k.thp.transparent_hugepage_flags = set_enabled(k.thp.transparent_hugepage_flags, mode);
}

/**
 * THP's subsys_initcall: below 512 MiB of totalram all flags are cleared (enabled and defrag
 * both read "never"); otherwise khugepaged starts if THP is enabled. Returns whether
 * start_stop_khugepaged should run (the caller runs it: watermark.ts, which needs the zones).
 * @kernel mm/huge_memory.c hugepage_init
 */
export function hugepage_init(k: Kernel, totalram_pages: number): boolean {
  register_shrinker(k, k.thp.huge_zero_page_shrinker);
  register_shrinker(k, k.thp.deferred_split_shrinker);
  if (totalram_pages < 512 << (20 - PAGE_SHIFT)) {
    k.thp.transparent_hugepage_flags = 0;
    return false;
  }
  return true;
}

/** The "enabled" file: `[always] madvise never`. @kernel mm/huge_memory.c enabled_show */
export function thp_enabled_show(k: Kernel): string {
  const f = k.thp.transparent_hugepage_flags;
  if (f & (1 << TRANSPARENT_HUGEPAGE_FLAG)) return "[always] madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG)) return "always [madvise] never\n";
  return "always madvise [never]\n";
}

/** The "defrag" file. @kernel mm/huge_memory.c defrag_show */
export function thp_defrag_show(k: Kernel): string {
  const f = k.thp.transparent_hugepage_flags;
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG)) return "[always] defer defer+madvise madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG)) return "always [defer] defer+madvise madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG)) return "always defer [defer+madvise] madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG)) return "always defer defer+madvise [madvise] never\n";
  return "always defer defer+madvise madvise [never]\n";
}

/**
 * A write to the "enabled" file: changes the mode; the caller then runs start_stop_khugepaged
 * (watermark.ts) as enabled_store does. Returns false for a value the kernel rejects (EINVAL).
 * @kernel mm/huge_memory.c enabled_store
 */
export function thp_enabled_store(k: Kernel, value: string): boolean {
  const v = value.replace(/\n$/, "");
  if (v !== "always" && v !== "madvise" && v !== "never") return false;
  k.thp.transparent_hugepage_flags = set_enabled(k.thp.transparent_hugepage_flags, v);
  return true;
}

/** The defrag flags, one of which (or none) is set. */
const DEFRAG_BITS =
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG);
/** defrag_store's words and the flag each sets, in the order it tries them. */
const DEFRAG_MODES: Readonly<Record<string, number>> = Object.freeze({
  always: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
  defer: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
  "defer+madvise": 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
  madvise: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
  never: 0,
});

/** Sets one of the five defrag modes, clearing the others; -EINVAL for any other word. @kernel mm/huge_memory.c defrag_store */
export function thp_defrag_store(k: Kernel, buf: string): number {
  for (const [mode, bit] of Object.entries(DEFRAG_MODES)) {
    if (!sysfs_streq(buf, mode)) continue;
    k.thp.transparent_hugepage_flags = (k.thp.transparent_hugepage_flags & ~DEFRAG_BITS) | bit;
    return 0;
  }
  return -22;
}

/** The "use_zero_page" file: 1 or 0. @kernel mm/huge_memory.c use_zero_page_show, single_hugepage_flag_show */
export function use_zero_page_show(k: Kernel): string {
  return `${(k.thp.transparent_hugepage_flags >> TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG) & 1}\n`;
}

/**
 * A write to "use_zero_page": kstrtoul(buf, 10) (an optional '+', digits, one optional
 * newline), then 0 or 1 only; -EINVAL otherwise.
 * @kernel mm/huge_memory.c use_zero_page_store, single_hugepage_flag_store
 */
export function use_zero_page_store(k: Kernel, buf: string): number {
  const v = /^\+?(\d+)\n?$/.exec(buf);
  if (!v || Number(v[1]) > 1) return -22;
  const bit = 1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG;
  k.thp.transparent_hugepage_flags = Number(v[1]) ? k.thp.transparent_hugepage_flags | bit : k.thp.transparent_hugepage_flags & ~bit;
  return 0;
}

/** THP may back VMAs with VM_HUGEPAGE only, or all. @kernel include/linux/huge_mm.h transparent_hugepage_use_zero_page */
export function transparent_hugepage_use_zero_page(k: Kernel): boolean {
  return (k.thp.transparent_hugepage_flags & (1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG)) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Eligibility and the allocation mask
// ---------------------------------------------------------------------------------------------

/**
 * Could a huge PMD at `addr` fit `vma`: the aligned 2 MiB around it inside the VMA, and for a
 * file mapping the file offset aligned too.
 * @kernel include/linux/huge_mm.h transhuge_vma_suitable
 */
export function transhuge_vma_suitable(vma: vm_area_struct, addr: number): boolean {
  if (!vma_is_anonymous(vma)) {
    if (((((vma.vm_start / 4096 - vma.vm_pgoff) % HPAGE_PMD_NR) + HPAGE_PMD_NR) % HPAGE_PMD_NR) !== 0) return false;
  }
  const haddr = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  return haddr >= vma.vm_start && haddr + HPAGE_PMD_SIZE <= vma.vm_end;
}

/**
 * May THP back this VMA? `smaps` for THPeligible, `in_pf` for the fault (which checks the size
 * itself), `enforce_sysfs` false for MADV_COLLAPSE, which ignores the enabled setting.
 * Simplified: no DAX, no shmem or regular-file THP (huge=never, READ_ONLY_THP_FOR_FS off).
 * @kernel mm/huge_memory.c hugepage_vma_check
 */
export function hugepage_vma_check(k: Kernel, vma: vm_area_struct, vm_flags: number, smaps: boolean, in_pf: boolean, enforce_sysfs: boolean): boolean {
  if ((vm_flags & VM_NOHUGEPAGE) !== 0 || (vma.vm_mm.flags & (1 << MMF_DISABLE_THP)) !== 0) return false;
  if ((k.thp.transparent_hugepage_flags & (1 << TRANSPARENT_HUGEPAGE_NEVER_DAX)) !== 0) return false;
  if ((vm_flags & VM_NO_KHUGEPAGED) !== 0) return false;
  if (!in_pf && !transhuge_vma_suitable(vma, vma.vm_end - HPAGE_PMD_SIZE)) return false;
  // shmem_huge_enabled: the model's tmpfs has no huge= option (never).
  if (!in_pf && vma.vm_file !== null && vma.vm_file.f_inode.shmem) return false;
  if (enforce_sysfs && (!hugepage_flags_enabled(k) || ((vm_flags & VM_HUGEPAGE) === 0 && !hugepage_flags_always(k)))) return false;
  if (!vma_is_anonymous(vma)) return false;
  // vma_is_temporary_stack
  if ((vma.vm_flags & 0x100) !== 0 && (vma.vm_flags & VM_STACK_INCOMPLETE_SETUP) === VM_STACK_INCOMPLETE_SETUP) return false;
  if (vma.anon_vma === null) return smaps || in_pf;
  return true;
}

/**
 * The GFP mask of a THP fault, from the defrag setting: always compacts synchronously
 * (__GFP_NORETRY unless madvised), defer wakes kswapd/kcompactd and fails fast, defer+madvise
 * and madvise compact synchronously only for VM_HUGEPAGE, never only takes free blocks.
 * @kernel mm/huge_memory.c vma_thp_gfp_mask
 */
export function vma_thp_gfp_mask(k: Kernel, vma: vm_area_struct | null): number {
  const vma_madvised = vma !== null && (vma.vm_flags & VM_HUGEPAGE) !== 0;
  const f = k.thp.transparent_hugepage_flags;
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG)) return GFP_TRANSHUGE | (vma_madvised ? 0 : __GFP_NORETRY);
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG)) return GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM;
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG)) return GFP_TRANSHUGE_LIGHT | (vma_madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG)) return GFP_TRANSHUGE_LIGHT | (vma_madvised ? __GFP_DIRECT_RECLAIM : 0);
  return GFP_TRANSHUGE_LIGHT;
}

/** Marks a freshly allocated compound page a THP (its destructor leaves the deferred queue). @kernel mm/huge_memory.c prep_transhuge_page */
export function prep_transhuge_page(k: Kernel, head: number): void {
  k.mem_map.flags[head] |= TRANSHUGE;
}

/**
 * A THP for a fault at `haddr` under the default mempolicy: this node first with
 * __GFP_THISNODE | __GFP_NORETRY (compaction but no reclaim), then, if the mask allows direct
 * reclaim, any node. NO_PFN on failure.
 * @kernel mm/mempolicy.c vma_alloc_folio
 */
export function vma_alloc_folio_thp(k: Kernel, gfp: number): number {
  const nid = numa_node_id(k);
  let pfn = __alloc_pages(k, gfp | __GFP_THISNODE | __GFP_NORETRY, HPAGE_PMD_ORDER, nid, null);
  if (pfn === NO_PFN && (gfp & __GFP_DIRECT_RECLAIM) !== 0) pfn = __alloc_pages(k, gfp, HPAGE_PMD_ORDER, nid, null);
  if (pfn !== NO_PFN) prep_transhuge_page(k, pfn);
  return pfn;
}

/**
 * clear_huge_page: each subpage gets fresh contents (an identity token, see MemMap.content_rel),
 * the next nr tokens in subpage order, as clear_user_highpage on each subpage in turn would.
 * @kernel mm/memory.c clear_huge_page
 */
export function clear_huge_page(k: Kernel, head: number, nr: number): void {
  fresh_page_contents(k.mem_map, k, head, nr);
}

// ---------------------------------------------------------------------------------------------
// The huge zero page
// ---------------------------------------------------------------------------------------------

/** Is `pfn` the huge zero page? @kernel include/linux/huge_mm.h is_huge_zero_page */
export function is_huge_zero_page(k: Kernel, pfn: number): boolean {
  return pfn === k.thp.huge_zero_pfn && pfn !== NO_PFN;
}

/**
 * A reference to the huge zero page, allocating it (order 9, zeroed, not movable) on first use:
 * THP_ZERO_PAGE_ALLOC, or THP_ZERO_PAGE_ALLOC_FAILED.
 * @kernel mm/huge_memory.c get_huge_zero_page
 */
function get_huge_zero_page(k: Kernel): boolean {
  if (k.thp.huge_zero_refcount > 0) {
    k.thp.huge_zero_refcount++;
    return true;
  }
  const pfn = __alloc_pages(k, (GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE, HPAGE_PMD_ORDER, numa_node_id(k), null);
  if (pfn === NO_PFN) {
    k.vm_events[THP_ZERO_PAGE_ALLOC_FAILED]++;
    return false;
  }
  k.thp.huge_zero_pfn = pfn;
  // The extra reference is the shrinker's.
  k.thp.huge_zero_refcount = 2;
  k.vm_events[THP_ZERO_PAGE_ALLOC]++;
  return true;
}

/** The huge zero page for `mm`, taking the mm's one reference (MMF_HUGE_ZERO_PAGE). @kernel mm/huge_memory.c mm_get_huge_zero_page */
export function mm_get_huge_zero_page(k: Kernel, mm: mm_struct): number {
  if ((mm.flags & (1 << MMF_HUGE_ZERO_PAGE)) !== 0) return k.thp.huge_zero_pfn;
  if (!get_huge_zero_page(k)) return NO_PFN;
  mm.flags |= 1 << MMF_HUGE_ZERO_PAGE;
  return k.thp.huge_zero_pfn;
}

/** An mm going away gives its reference back. @kernel mm/huge_memory.c mm_put_huge_zero_page */
export function mm_put_huge_zero_page(k: Kernel, mm: mm_struct): void {
  if ((mm.flags & (1 << MMF_HUGE_ZERO_PAGE)) === 0) return;
  mm.flags &= ~(1 << MMF_HUGE_ZERO_PAGE);
  k.thp.huge_zero_refcount--;
}

/**
 * The huge zero page's shrinker: once only its own reference is left, the page is freed (512
 * pages). Returns the pages freed.
 * @kernel mm/huge_memory.c shrink_huge_zero_page_count, shrink_huge_zero_page_scan
 */
export function shrink_huge_zero_page(k: Kernel): number {
  if (k.thp.huge_zero_refcount !== 1) return 0;
  const pfn = k.thp.huge_zero_pfn;
  k.thp.huge_zero_refcount = 0;
  k.thp.huge_zero_pfn = NO_PFN;
  __free_pages(k, pfn, HPAGE_PMD_ORDER);
  return HPAGE_PMD_NR;
}

// ---------------------------------------------------------------------------------------------
// Faults on huge PMDs
// ---------------------------------------------------------------------------------------------

/** pmd_mkdirty: hardware dirty and soft-dirty. */
function pmd_mkdirty(flags: number): number {
  return flags | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
}

/** maybe_pmd_mkwrite: writable only in a writable VMA. */
function maybe_pmd_mkwrite(flags: number, vma: vm_area_struct): number {
  return (vma.vm_flags & VM_WRITE) !== 0 ? flags | _PAGE_RW : flags;
}

/**
 * A fault on an empty PMD of a THP-eligible anonymous VMA: a read maps the huge zero page
 * (with a deposited PTE table), a write a freshly allocated, zeroed THP. VM_FAULT_FALLBACK when
 * the 2 MiB does not fit the VMA or no huge page could be had (thp_fault_fallback): the caller
 * then takes the PTE path.
 * @kernel mm/huge_memory.c do_huge_pmd_anonymous_page, set_huge_zero_page
 */
export function do_huge_pmd_anonymous_page(k: Kernel, vma: vm_area_struct, addr: number, flags: number, pmdi: number): number {
  const haddr = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  if (!transhuge_vma_suitable(vma, haddr)) return VM_FAULT_FALLBACK;
  const mm = vma.vm_mm;
  fault_anon_vma_prepare(k, vma);
  khugepaged_enter_vma(k, vma, vma.vm_flags);
  if ((flags & FAULT_FLAG_WRITE) === 0 && transparent_hugepage_use_zero_page(k)) {
    const pgtable = pte_alloc_one(k, mm);
    if (pgtable === NO_TABLE) return VM_FAULT_OOM;
    // The kernel's small zero page is in its image; the model's is made on first use, and a
    // split of the huge zero PMD needs it, so it is made now if it does not exist yet.
    if (my_zero_pfn(k) === NO_PFN) {
      pte_free(k, mm, pgtable);
      return VM_FAULT_OOM;
    }
    const zero = mm_get_huge_zero_page(k, mm);
    if (zero === NO_PFN) {
      pte_free(k, mm, pgtable);
      k.vm_events[THP_FAULT_FALLBACK]++;
      return VM_FAULT_FALLBACK;
    }
    const pool = k.pgtables;
    if (pool.ent_flags[pmdi] === 0 && pool.ent_pfn[pmdi] === 0 && (vma.vm_flags & VM_UFFD_MISSING) !== 0) {
      // userfaultfd_missing: the read goes to userland instead of mapping the huge zero page.
      pte_free(k, mm, pgtable);
      return handle_userfault(k, vma, addr, flags, "missing");
    }
    if (pool.ent_flags[pmdi] === 0 && pool.ent_pfn[pmdi] === 0) {
      // set_huge_zero_page: mk_pmd + pmd_mkhuge, read-only as the VMA's protection is.
      pgtable_trans_huge_deposit(pool, pmdi, pgtable);
      set_pte_at(pool, pmdi, zero, pmd_mkhuge(vma.vm_page_prot));
    } else {
      pte_free(k, mm, pgtable);
    }
    return 0;
  }
  const gfp = vma_thp_gfp_mask(k, vma);
  const folio = vma_alloc_folio_thp(k, gfp);
  if (folio === NO_PFN) {
    k.vm_events[THP_FAULT_FALLBACK]++;
    return VM_FAULT_FALLBACK;
  }
  return __do_huge_pmd_anonymous_page(k, vma, haddr, pmdi, folio, addr, flags);
}

/**
 * Maps a new THP at the huge PMD: a deposited PTE table, the page zeroed, the PMD writable and
 * dirty in a writable VMA, MM_ANONPAGES + 512, thp_fault_alloc.
 * @kernel mm/huge_memory.c __do_huge_pmd_anonymous_page
 */
function __do_huge_pmd_anonymous_page(k: Kernel, vma: vm_area_struct, haddr: number, pmdi: number, page: number, addr: number, flags: number): number {
  const mm = vma.vm_mm;
  if (k.memcg.nr_memcgs !== 0 && mem_cgroup_charge(k, page, mm, vma_thp_gfp_mask(k, vma)) !== 0) {
    put_page(k, page);
    k.vm_events[THP_FAULT_FALLBACK]++;
    k.vm_events[THP_FAULT_FALLBACK_CHARGE]++;
    return VM_FAULT_FALLBACK;
  }
  const pgtable = pte_alloc_one(k, mm);
  if (pgtable === NO_TABLE) {
    put_page(k, page);
    return VM_FAULT_OOM;
  }
  clear_huge_page(k, page, HPAGE_PMD_NR);
  k.mem_map.flags[page] |= F(PG_uptodate);
  const pool = k.pgtables;
  if (pool.ent_flags[pmdi] !== 0 || pool.ent_pfn[pmdi] !== 0) {
    pte_free(k, mm, pgtable);
    put_page(k, page);
    return 0;
  }
  // userfaultfd_missing, checked once the huge page is allocated, charged and cleared: it goes
  // back and the fault goes to userland.
  if ((vma.vm_flags & VM_UFFD_MISSING) !== 0) {
    put_page(k, page);
    pte_free(k, mm, pgtable);
    return handle_userfault(k, vma, addr, flags, "missing");
  }
  const entry = maybe_pmd_mkwrite(pmd_mkdirty(pmd_mkhuge(vma.vm_page_prot)), vma);
  page_add_new_anon_rmap(k, page, vma, haddr);
  lru_cache_add_inactive_or_unevictable(k, page, vma);
  pgtable_trans_huge_deposit(pool, pmdi, pgtable);
  set_pte_at(pool, pmdi, page, entry);
  mm.rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
  k.vm_events[THP_FAULT_ALLOC]++;
  count_memcg_event_mm(k, mm, THP_FAULT_ALLOC);
  return 0;
}

/**
 * A fault on a huge PMD that allows the access (a spurious fault): young, and dirty for writes.
 * @kernel mm/huge_memory.c huge_pmd_set_accessed, touch_pmd
 */
export function huge_pmd_set_accessed(k: Kernel, pmdi: number, write: boolean): void {
  const pool = k.pgtables;
  let f = pool.ent_flags[pmdi] | _PAGE_ACCESSED;
  if (write) f = pmd_mkdirty(f);
  pool.ent_flags[pmdi] = f;
}

/**
 * A write to a read-only huge PMD: an exclusive THP (or one whose only reference is this
 * mapping) is made writable in place; anything else — the huge zero page, a THP shared after
 * fork — has its PMD split, and the caller's PTE path then copies the one 4 KiB page written
 * (6.1 does not copy whole huge pages on write faults).
 * @kernel mm/huge_memory.c do_huge_pmd_wp_page
 * @kernel mm/memory.c wp_huge_pmd
 */
export function do_huge_pmd_wp_page(k: Kernel, vma: vm_area_struct, addr: number, pmdi: number): number {
  const pool = k.pgtables;
  const mem = k.mem_map;
  const orig = pool.ent_flags[pmdi];
  const page = pool.ent_pfn[pmdi];
  if (vma.anon_vma === null) throw new KernelBug("do_huge_pmd_wp_page: VMA without anon_vma", { addr });
  if (!is_huge_zero_page(k, page)) {
    if ((mem.flags[page] & HEAD) === 0) throw new KernelBug("do_huge_pmd_wp_page: huge PMD of a non-head page", { pfn: page });
    let reuse = PageAnonExclusive(k, page);
    // Not exclusive: reusable only if this mapping holds the only reference (the LRU batches
    // never hold a THP: adding one drains them). The model's THPs never sit in the swap cache.
    if (!reuse && (mem.flags[page] & F(PG_locked)) === 0 && mem._refcount[page] === 1) {
      page_move_anon_rmap(k, page, vma);
      reuse = true;
    }
    if (reuse) {
      pool.ent_flags[pmdi] = maybe_pmd_mkwrite(pmd_mkdirty(orig | _PAGE_ACCESSED), vma);
      return VM_FAULT_WRITE;
    }
  }
  __split_huge_pmd(k, vma, pmdi, addr);
  return VM_FAULT_FALLBACK;
}

// ---------------------------------------------------------------------------------------------
// Zap, fork, mprotect, mremap, MADV_FREE
// ---------------------------------------------------------------------------------------------

/** Frees the PTE table deposited under a huge PMD. @kernel mm/huge_memory.c zap_deposited_table */
function zap_deposited_table(k: Kernel, mm: mm_struct, pmdi: number): void {
  pte_free(k, mm, pgtable_trans_huge_withdraw(k.pgtables, pmdi));
}

/**
 * Unmaps a whole huge PMD: the entry cleared, its deposited table freed, the THP's PMD mapping
 * and this mapping's reference dropped, MM_ANONPAGES - 512. The huge zero page only loses the
 * entry (the mm keeps its reference until exit).
 * @kernel mm/huge_memory.c zap_huge_pmd
 */
export function zap_huge_pmd(k: Kernel, vma: vm_area_struct, pmdi: number): void {
  const pool = k.pgtables;
  const mm = vma.vm_mm;
  const page = pool.ent_pfn[pmdi];
  pte_clear(pool, pmdi);
  if (is_huge_zero_page(k, page)) {
    zap_deposited_table(k, mm, pmdi);
    return;
  }
  page_remove_rmap(k, page, true);
  if (PageAnon(k, page)) {
    zap_deposited_table(k, mm, pmdi);
    mm.rss_stat[MM_ANONPAGES] -= HPAGE_PMD_NR;
  }
  // tlb_remove_page_size: the mapping's reference (the mmu_gather's batching is not modelled).
  put_page(k, page);
}

/**
 * fork's copy of a huge PMD: the child gets the same THP mapped read-only (and old), with a PTE
 * table deposited for it; the parent's PMD is write-protected; the page's PMD mapcount and
 * refcount grow and it stops being exclusive. The huge zero page is shared the same way. Returns
 * 0 or -ENOMEM.
 * @kernel mm/huge_memory.c copy_huge_pmd
 */
export function copy_huge_pmd(k: Kernel, dst_vma: vm_area_struct, src_pmdi: number, dst_pmdi: number): number {
  const dmm = dst_vma.vm_mm;
  if (!vma_is_anonymous(dst_vma)) return 0;
  const pgtable = pte_alloc_one(k, dmm);
  if (pgtable === NO_TABLE) return -ENOMEM;
  const pool = k.pgtables;
  let pmd = pool.ent_flags[src_pmdi];
  const page = pool.ent_pfn[src_pmdi];
  if (is_huge_zero_page(k, page)) {
    mm_get_huge_zero_page(k, dmm);
  } else {
    get_page(k, page);
    page_try_dup_anon_rmap(k, page, true);
    dmm.rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
  }
  pgtable_trans_huge_deposit(pool, dst_pmdi, pgtable);
  // pmdp_set_wrprotect on the parent, then the child's copy old and read-only.
  pool.ent_flags[src_pmdi] = pmd & ~_PAGE_RW;
  pmd = pmd & ~(_PAGE_RW | _PAGE_ACCESSED);
  set_pte_at(pool, dst_pmdi, page, pmd);
  return 0;
}

/**
 * mprotect of a whole huge PMD: the new protection, the state bits kept (pte_modify's
 * _PAGE_CHG_MASK, PSE included). Returns the pages changed (512) or 0.
 * @kernel mm/huge_memory.c change_huge_pmd
 */
export function change_huge_pmd(k: Kernel, pmdi: number, newprot: number, chg_mask: number): number {
  const pool = k.pgtables;
  const old = pool.ent_flags[pmdi];
  // pmd_modify keeps _HPAGE_CHG_MASK: the PTE mask plus _PAGE_PSE.
  const keep = chg_mask | _PAGE_PSE;
  pool.ent_flags[pmdi] = (old & keep) | (newprot & ~keep);
  return HPAGE_PMD_NR;
}

/**
 * mremap of a whole huge PMD: the entry and its deposited table move to the new PMD (which must
 * be empty). Returns false if there was no huge PMD to move.
 * @kernel mm/huge_memory.c move_huge_pmd
 */
export function move_huge_pmd(k: Kernel, old_pmdi: number, new_pmdi: number): boolean {
  const pool = k.pgtables;
  if (!pmd_trans_huge(pool.ent_flags[old_pmdi])) return false;
  if (pool.ent_flags[new_pmdi] !== 0 || pool.ent_pfn[new_pmdi] !== 0) throw new KernelBug("move_huge_pmd: destination PMD not empty");
  const f = pool.ent_flags[old_pmdi];
  const p = pool.ent_pfn[old_pmdi];
  pte_clear(pool, old_pmdi);
  if ((old_pmdi >>> 9) !== (new_pmdi >>> 9)) pgtable_trans_huge_deposit(pool, new_pmdi, pgtable_trans_huge_withdraw(pool, old_pmdi));
  set_pte_at(pool, new_pmdi, p, f);
  return true;
}

/**
 * MADV_FREE over a huge PMD mapped only here: the whole range cleans the PMD and makes the THP
 * lazily freeable (returns true); part of it splits the THP first (false: the caller goes on
 * with the PTEs).
 * @kernel mm/huge_memory.c madvise_free_huge_pmd
 */
export function madvise_free_huge_pmd(k: Kernel, vma: vm_area_struct, pmdi: number, addr: number, next: number, mark_page_lazyfree: (pfn: number) => void): boolean {
  const pool = k.pgtables;
  const mem = k.mem_map;
  const orig = pool.ent_flags[pmdi];
  const page = pool.ent_pfn[pmdi];
  if (is_huge_zero_page(k, page)) return false;
  if (folio_mapcount(k, page) !== 1) return false;
  if ((mem.flags[page] & F(PG_locked)) !== 0) return false;
  if (next - addr !== HPAGE_PMD_SIZE) {
    get_page(k, page);
    split_huge_page(k, page);
    put_page(k, page);
    return false;
  }
  mem.flags[page] &= ~F(PG_dirty);
  if ((orig & (_PAGE_ACCESSED | _PAGE_DIRTY)) !== 0) pool.ent_flags[pmdi] = orig & ~(_PAGE_ACCESSED | _PAGE_DIRTY);
  void vma;
  mark_page_lazyfree(page);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Splitting a PMD
// ---------------------------------------------------------------------------------------------

/**
 * Replaces the huge PMD at `pmdi` by its deposited PTE table mapping the same pages one by one,
 * if it is a huge PMD.
 * @kernel mm/huge_memory.c __split_huge_pmd
 */
export function __split_huge_pmd(k: Kernel, vma: vm_area_struct, pmdi: number, addr: number): void {
  if (!pmd_trans_huge(k.pgtables.ent_flags[pmdi])) return;
  __split_huge_pmd_locked(k, vma, pmdi, Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE);
}

/**
 * The PMD split: thp_split_pmd; the huge zero page becomes 512 zero-page PTEs; a THP becomes
 * 512 PTEs with the PMD's write, young and soft-dirty bits (dirty moves to the page, not the
 * PTEs), each subpage gaining a mapcount (and the folio 511 references), exclusive if the THP
 * was. If other PMDs still map the THP, PG_double_map gives every subpage one more mapcount;
 * the last PMD mapping gone takes NR_ANON_THPS down (page_remove_rmap's compound half).
 * @kernel mm/huge_memory.c __split_huge_pmd_locked, __split_huge_zero_page_pmd
 */
function __split_huge_pmd_locked(k: Kernel, vma: vm_area_struct, pmdi: number, haddr: number): void {
  const pool = k.pgtables;
  const mem = k.mem_map;
  k.vm_events[THP_SPLIT_PMD]++;
  if (!vma_is_anonymous(vma)) throw new KernelBug("__split_huge_pmd: file THP is not modelled", { haddr });
  // pmdp_invalidate (a THP) or pmdp_huge_clear_flush (the huge zero page): the huge entry goes
  // from every TLB before the PTEs replace it: flush_pmd_tlb_range over the 2 MiB, 512 base
  // pages, past the ceiling: a full flush.
  flush_tlb_range(k, vma, haddr, haddr + HPAGE_PMD_SIZE);
  const old = pool.ent_flags[pmdi];
  const page = pool.ent_pfn[pmdi];
  const pgtable = pgtable_trans_huge_withdraw(pool, pmdi);
  const base = pgtable * 512;
  if (is_huge_zero_page(k, page)) {
    const zero = k.zero_pfn;
    for (let i = 0; i < HPAGE_PMD_NR; i++) set_pte_at(pool, base + i, zero, vma.vm_page_prot | _PAGE_SPECIAL);
    pmd_populate(pool, pmdi, pgtable);
    return;
  }
  if ((old & _PAGE_DIRTY) !== 0) mem.flags[page] |= F(PG_dirty);
  const write = (old & _PAGE_RW) !== 0;
  const young = (old & _PAGE_ACCESSED) !== 0;
  const soft_dirty = (old & _PAGE_SOFT_DIRTY) !== 0;
  mem._refcount[page] += HPAGE_PMD_NR - 1;
  const anon_exclusive = PageAnon(k, page) && PageAnonExclusive(k, page);
  let entry = maybe_pmd_mkwrite(vma.vm_page_prot, vma);
  if (!write) entry &= ~_PAGE_RW;
  if (!young) entry &= ~_PAGE_ACCESSED;
  if (soft_dirty) entry |= _PAGE_SOFT_DIRTY;
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    if (anon_exclusive) mem.flags[page + i] |= ANON_EXCL;
    set_pte_at(pool, base + i, page + i, entry);
    mem.mapcount[page + i]++;
  }
  if (mem.private[page + 1] > 1 && (mem.flags[page + 1] & DOUBLE_MAP) === 0) {
    mem.flags[page + 1] |= DOUBLE_MAP;
    for (let i = 0; i < HPAGE_PMD_NR; i++) mem.mapcount[page + i]++;
  }
  if (--mem.private[page + 1] === 0) {
    mod_page_node_state(k, page, NR_ANON_THPS, -HPAGE_PMD_NR);
    if ((mem.flags[page + 1] & DOUBLE_MAP) !== 0) {
      mem.flags[page + 1] &= ~DOUBLE_MAP;
      for (let i = 0; i < HPAGE_PMD_NR; i++) mem.mapcount[page + i]--;
    }
  }
  // munlock_vma_page(page, vma, true): a VM_LOCKED mapping's PMD no longer holds the folio.
  if ((vma.vm_flags & VM_LOCKED) !== 0) munlock_page(k, page);
  // The PMD now points to the table (set_pte_at counted its entries; the PMD stays non-empty).
  pool.ent_flags[pmdi] = 0;
  pool.ent_pfn[pmdi] = 0;
  pool.tbl_used[pmdi >>> 9]--;
  pmd_populate(pool, pmdi, pgtable);
}

/** Splits the huge PMD mapping `address` in `vma`, if there is one. @kernel mm/huge_memory.c split_huge_pmd_address */
export function split_huge_pmd_address(k: Kernel, vma: vm_area_struct, address: number): void {
  const mm = vma.vm_mm;
  if (mm.pgd === NO_TABLE) return;
  const pmdi = pmd_offset(k, mm.pgd, address);
  if (pmdi < 0) return;
  __split_huge_pmd(k, vma, pmdi, address);
}

/** A VMA boundary moving to an unaligned `address` splits the huge PMD across it. @kernel mm/huge_memory.c split_huge_pmd_if_needed */
function split_huge_pmd_if_needed(k: Kernel, vma: vm_area_struct, address: number): void {
  if (address % HPAGE_PMD_SIZE === 0) return;
  const lo = Math.floor(address / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  if (lo >= vma.vm_start && lo + HPAGE_PMD_SIZE <= vma.vm_end) split_huge_pmd_address(k, vma, address);
}

/**
 * Before a VMA's bounds move to [start, end) (and, with adjust_next > 0, the next VMA's start
 * by adjust_next), split the huge PMDs the new boundaries would cut.
 * @kernel mm/huge_memory.c vma_adjust_trans_huge
 */
export function vma_adjust_trans_huge(k: Kernel, vma: vm_area_struct, start: number, end: number, adjust_next: number, next: vm_area_struct | null): void {
  split_huge_pmd_if_needed(k, vma, start);
  split_huge_pmd_if_needed(k, vma, end);
  if (adjust_next > 0 && next !== null) split_huge_pmd_if_needed(k, next, next.vm_start + adjust_next);
}

// ---------------------------------------------------------------------------------------------
// Splitting a page
// ---------------------------------------------------------------------------------------------

/**
 * May the folio be split: every reference but the caller's (and the swap cache's) is a mapping.
 * @kernel mm/huge_memory.c can_split_folio
 */
export function can_split_folio(k: Kernel, head: number): boolean {
  const mem = k.mem_map;
  const nr = pow2(mem.index[head + 1]);
  const extra_pins = PageAnon(k, head) ? ((mem.flags[head] & F(PG_swapcache)) !== 0 ? nr : 0) : nr;
  return folio_mapcount(k, head) === mem._refcount[head] - extra_pins - 1;
}

/** split_huge_page: split_huge_page_to_list with no list (the pieces stay on the LRU). */
export function split_huge_page(k: Kernel, head: number): number {
  return split_huge_page_to_list(k, head, null, 0);
}

/**
 * Splits a THP the caller holds a reference to into 2^order pages: the PMDs mapping it are split
 * first, then every subpage becomes a page of its own, with the head's flags, mapping and
 * index + i, a reference per PTE mapping it; subpages no PTE maps are freed. The pieces go on
 * the LRU beside the head, or, for reclaim, onto `lists[list]` with a reference each.
 * 0, or -EBUSY / -EAGAIN (thp_split_page_failed) when the page cannot be split.
 * @kernel mm/huge_memory.c split_huge_page_to_list, can_split_folio, unmap_folio, remap_page
 */
export function split_huge_page_to_list(k: Kernel, head: number, lists: Int32Array | null, list: number): number {
  const mem = k.mem_map;
  if ((mem.flags[head] & HEAD) === 0) throw new KernelBug("split_huge_page of a page that is not a compound head", { pfn: head });
  let ret = 0;
  if (is_huge_zero_page(k, head)) return -EBUSY;
  if ((mem.flags[head] & F(PG_writeback)) !== 0) return -EBUSY;
  if (!PageAnon(k, head)) ret = -EBUSY;
  else if (!can_split_folio(k, head)) ret = -EAGAIN;
  if (ret !== 0) {
    k.vm_events[THP_SPLIT_PAGE_FAILED]++;
    return ret;
  }
  unmap_folio_pmds(k, head);
  deferred_split_del(k, head);
  __split_huge_page(k, head, lists, list);
  k.vm_events[THP_SPLIT_PAGE]++;
  return 0;
}

/** unmap_folio's TTU_SPLIT_HUGE_PMD: every huge PMD mapping the folio becomes PTEs. */
function unmap_folio_pmds(k: Kernel, head: number): void {
  const mem = k.mem_map;
  if (mem.private[head + 1] === 0) return;
  const av = k.anon_vmas.get(-mem.mapping[head]);
  if (av === undefined) throw new KernelBug("split_huge_page: anonymous THP without anon_vma", { pfn: head });
  for (const vma of anon_vma_vmas(k.anon_vmas, av)) {
    if (mem.private[head + 1] === 0) break;
    const off = (mem.index[head] - (vma.vm_pgoff | 0)) | 0;
    const addr = vma.vm_start + off * 4096;
    if (addr < vma.vm_start || addr + HPAGE_PMD_SIZE > vma.vm_end || vma.vm_mm.pgd === NO_TABLE) continue;
    const pmdi = pmd_offset(k, vma.vm_mm.pgd, addr);
    if (pmdi >= 0 && pmd_trans_huge(k.pgtables.ent_flags[pmdi]) && k.pgtables.ent_pfn[pmdi] === head) __split_huge_pmd(k, vma, pmdi, addr);
  }
  if (mem.private[head + 1] !== 0) throw new KernelBug("split_huge_page: a PMD mapping was not found by rmap", { pfn: head });
}

/**
 * A huge PMD of a THP being migrated: where it is and what its migration entry holds. The model's
 * stand-in for the non-present PMD set_pmd_migration_entry writes (a record, not a kernel struct:
 * nothing reads the PMD between the unmap and remove_migration_pmds).
 */
export interface PmdMigrationEntry {
  readonly vma: vm_area_struct;
  /** The huge page's address in the VMA (pvmw.address) and its PMD entry's index. */
  readonly address: number;
  readonly pmdi: number;
  /** The PMD's flag word when it was unmapped (young, dirty, soft-dirty and write carried back). */
  readonly pmdval: number;
  /** Not a plain readable entry (writable, or readable-exclusive): RMAP_EXCLUSIVE when restored. */
  readonly exclusive: boolean;
}

/**
 * try_to_migrate's PMD half for an anonymous THP: every huge PMD mapping `page` becomes a
 * migration entry (set_pmd_migration_entry). The folio loses PageAnonExclusive into the entry
 * (page_try_share_anon_rmap), a dirty PMD dirties it, and each mapping's rmap count (the last
 * one takes NR_ANON_THPS and, under DoubleMap, each subpage's extra count), mlock (a VM_LOCKED
 * VMA's munlock_vma_page) and reference go. The model keeps each PMD's slot and bits in the
 * returned records instead of a non-present PMD: nothing runs between this and
 * remove_migration_pmds.
 * @kernel mm/huge_memory.c set_pmd_migration_entry
 */
export function set_pmd_migration_entries(k: Kernel, page: number): PmdMigrationEntry[] {
  const mem = k.mem_map;
  const pool = k.pgtables;
  const out: PmdMigrationEntry[] = [];
  const want = mem.private[page + 1];
  if (want === 0) return out;
  const av = k.anon_vmas.get(-mem.mapping[page]);
  if (av === undefined) throw new KernelBug("set_pmd_migration_entry: anonymous THP without anon_vma", { pfn: page });
  for (const vma of anon_vma_vmas(k.anon_vmas, av)) {
    const off = (mem.index[page] - (vma.vm_pgoff | 0)) | 0;
    const addr = vma.vm_start + off * 4096;
    if (addr < vma.vm_start || addr + HPAGE_PMD_SIZE > vma.vm_end || vma.vm_mm.pgd === NO_TABLE) continue;
    const pmdi = pmd_offset(k, vma.vm_mm.pgd, addr);
    if (pmdi < 0 || !pmd_trans_huge(pool.ent_flags[pmdi]) || pool.ent_pfn[pmdi] !== page) continue;
    const pmdval = pool.ent_flags[pmdi];
    // See page_try_share_anon_rmap(): invalidate PMD first.
    const anon_exclusive = (mem.flags[page] & ANON_EXCL) !== 0;
    if (anon_exclusive) mem.flags[page] &= ~ANON_EXCL;
    if ((pmdval & _PAGE_DIRTY) !== 0) mem.flags[page] |= F(PG_dirty); // set_page_dirty
    out.push({ vma, address: addr, pmdi, pmdval, exclusive: (pmdval & _PAGE_RW) !== 0 || anon_exclusive });
    page_remove_rmap(k, page, true);
    if ((vma.vm_flags & VM_LOCKED) !== 0) munlock_page(k, page); // munlock_vma_page(compound)
    mem._refcount[page]--; // put_page
  }
  if (out.length !== want) throw new KernelBug("set_pmd_migration_entry: a PMD mapping was not found by rmap", { pfn: page, compound_mapcount: want, found: out.length });
  return out;
}

/**
 * remove_migration_ptes' PMD half: each PMD set_pmd_migration_entries unmapped maps `dst` (the
 * new folio, or the old one when the migration failed) with the bits it had — young, soft-dirty,
 * dirty when the folio is, write back for a writable entry (the VMA cannot have changed in
 * between) — and page_add_anon_rmap(RMAP_COMPOUND, exclusive unless it was a plain read entry),
 * which mlocks the folio again in a VM_LOCKED VMA (mlock_vma_page), with a reference each.
 * @kernel mm/huge_memory.c remove_migration_pmd
 */
export function remove_migration_pmds(k: Kernel, pmds: readonly PmdMigrationEntry[], dst: number): void {
  const mem = k.mem_map;
  const pool = k.pgtables;
  for (const m of pmds) {
    mem._refcount[dst]++; // get_page
    let pmde = m.pmdval;
    if ((mem.flags[dst] & F(PG_dirty)) === 0) pmde &= ~_PAGE_DIRTY;
    page_add_anon_rmap(k, dst, m.vma, m.address, m.exclusive, true);
    if ((m.vma.vm_flags & VM_LOCKED) !== 0) mlock_page(k, dst);
    set_pte_at(pool, m.pmdi, dst, pmde);
  }
}

/** The head's flags a tail inherits as it becomes a page of its own. @kernel mm/huge_memory.c __split_huge_page_tail */
const TAIL_INHERITS =
  F(PG_referenced) | F(PG_swapbacked) | F(PG_swapcache) | F(PG_mlocked) | F(PG_uptodate) | F(PG_active) | F(PG_workingset) | F(PG_locked) | F(PG_unevictable) | F(PG_arch_2) | F(PG_dirty);

/**
 * Dissolves the compound page (its PMDs already split): tails from the last to the first take
 * the head's flags, mapping and index + i and a reference for each PTE mapping them plus one,
 * which the end drops (freeing unmapped ones). PG_anon_exclusive survives where a PTE maps the
 * subpage (the kernel carries it in the migration entry), goes where none does.
 * @kernel mm/huge_memory.c __split_huge_page, __split_huge_page_tail, lru_add_page_tail
 */
function __split_huge_page(k: Kernel, head: number, lists: Int32Array | null, list: number): void {
  const mem = k.mem_map;
  const nr = pow2(mem.index[head + 1]);
  // Each subpage's content word becomes its own (PG_uniform_content off): the kernel writes
  // every tail here too (__split_huge_page_tail).
  content_materialize(mem, head);
  // The tails' PG_tail, implied for a THP (MemMap.pageblock_thp), goes with the compound page;
  // each tail's word is written below.
  if (nr === 1 << pageblock_order) mem.pageblock_thp[head >>> pageblock_order] = 0;
  const hflags = mem.flags[head];
  const onLru = (hflags & LRU) !== 0;
  if (lists === null && !onLru) throw new KernelBug("split_huge_page: head neither on an LRU nor isolated by the caller", { pfn: head });
  // The memcg's lruvec the THP is on. A THP in a multi-gen LRU generation is on
  // lrugen.folios[genList]; its tails join it there.
  const lv = folio_lruvec(k, head);
  const genList = onLru && (mem.lru_gen_flags[head] & LRU_GEN_MASK) !== 0 ? lru_gen_folio_list(k, head) : -1;
  const lruHeads = genList >= 0 ? lv.lrugen.folios : lv.lists;
  const lru = genList >= 0 ? genList : folio_lru_list(hflags);
  const links = mem.lru;
  const headIndex = mem.index[head];
  for (let i = nr - 1; i >= 1; i--) {
    const t = head + i;
    const keepExcl = mem.mapcount[t] > 0 ? mem.flags[t] & ANON_EXCL : 0;
    mem.flags[t] = (hflags & TAIL_INHERITS) | keepExcl;
    // and LRU_GEN_MASK | LRU_REFS_MASK, in the model's column of their own
    mem.lru_gen_flags[t] = mem.lru_gen_flags[head];
    mem.mapping[t] = mem.mapping[head];
    mem.index[t] = (headIndex + i) | 0;
    mem.private[t] = 0;
    // split_page_owner: the head's allocation stamp, which stood for the tails', becomes each one's.
    mem.page_owner_ts[t] = mem.page_owner_ts[head];
    mem._refcount[t] = 1 + mem.mapcount[t];
    if (lists !== null) {
      // lru_add_page_tail for reclaim: onto its list, with a reference.
      mem._refcount[t]++;
      links.list_add_tail(lists, list, t);
    } else {
      // list_add_tail(&tail->lru, &head->lru): just before the head in its list.
      const prev = links.prev[head];
      links.next[prev] = t;
      links.prev[t] = prev;
      links.next[t] = head;
      links.prev[head] = t;
      if (lruHeads[lru] === head) lruHeads[lru] = t;
      if (genList >= 0) lru_gen_set_folio_list(k, t, genList);
      mem.flags[t] |= LRU;
    }
  }
  // ClearPageCompound; the head keeps the caller's reference and one per PTE mapping it.
  mem.flags[head] = hflags & ~(HEAD | TRANSHUGE);
  if (mem.mapcount[head] === 0) mem.flags[head] &= ~ANON_EXCL;
  mem._refcount[head] = 1 + mem.mapcount[head];
  for (let i = 1; i < nr; i++) put_page(k, head + i);
}

// ---------------------------------------------------------------------------------------------
// The deferred split queue
// ---------------------------------------------------------------------------------------------

/** The node's queue for a page. @kernel mm/huge_memory.c get_deferred_split_queue */
function get_deferred_split_queue(k: Kernel, head: number): deferred_split {
  return folio_zone(k, head).zone_pgdat.deferred_split_queue;
}

/** Takes a THP off its deferred split queue if it is on it. */
function deferred_split_del(k: Kernel, head: number): void {
  const mem = k.mem_map;
  if (mem.private[head + 2] === 0) return;
  const q = get_deferred_split_queue(k, head);
  mem.lru.list_del(q.split_queue, 0, head + 2);
  mem.private[head + 2] = 0;
  q.split_queue_len--;
}

/**
 * Queues a partly unmapped THP for the shrinker to split (thp_deferred_split_page), unless it is
 * queued already or in the swap cache (reclaim is handling it).
 * @kernel mm/huge_memory.c deferred_split_huge_page
 */
export function deferred_split_huge_page(k: Kernel, head: number): void {
  const mem = k.mem_map;
  if ((mem.flags[head] & TRANSHUGE) === 0) return;
  if ((mem.flags[head] & F(PG_swapcache)) !== 0) return;
  if (mem.private[head + 2] !== 0) return;
  const q = get_deferred_split_queue(k, head);
  k.vm_events[THP_DEFERRED_SPLIT_PAGE]++;
  mem.lru.list_add_tail(q.split_queue, 0, head + 2);
  mem.private[head + 2] = 1;
  q.split_queue_len++;
}

/** A THP's last reference: off the deferred queue, then freed. @kernel mm/huge_memory.c free_transhuge_page */
export function free_transhuge_page(k: Kernel, head: number): void {
  deferred_split_del(k, head);
  k.mem_map.flags[head] &= ~TRANSHUGE;
  __free_pages(k, head, HPAGE_PMD_ORDER);
}

/** THPs waiting on a node's queue. @kernel mm/huge_memory.c deferred_split_count */
export function deferred_split_count(pgdat: pglist_data): number {
  return pgdat.deferred_split_queue.split_queue_len;
}

/**
 * The deferred split shrinker: splits up to nr_to_scan queued THPs of the node, freeing their
 * unmapped subpages; those that cannot be split go back on the queue. Returns the number split.
 * @kernel mm/huge_memory.c deferred_split_scan
 */
export function deferred_split_scan(k: Kernel, pgdat: pglist_data, nr_to_scan: number): number {
  const mem = k.mem_map;
  const q = pgdat.deferred_split_queue;
  const local = new Int32Array(1).fill(NO_PFN);
  while (q.split_queue[0] !== NO_PFN && nr_to_scan-- > 0) {
    const p2 = q.split_queue[0];
    mem.lru.list_move_tail(q.split_queue, 0, local, 0, p2);
    mem._refcount[p2 - 2]++; // get_page_unless_zero
  }
  let split = 0;
  while (local[0] !== NO_PFN) {
    const p2 = local[0];
    const head = p2 - 2;
    mem.lru.list_del(local, 0, p2);
    // Still queued as far as split_huge_page is concerned: put it back on the queue first.
    mem.lru.list_add_tail(q.split_queue, 0, p2);
    if ((mem.flags[head] & F(PG_locked)) === 0 && split_huge_page(k, head) === 0) split++;
    put_page(k, head);
  }
  return split;
}

// ---------------------------------------------------------------------------------------------
// The two THP shrinkers (shrinker.ts runs them from shrink_slab)
// ---------------------------------------------------------------------------------------------

/**
 * The deferred split shrinker: counts the node's queued THPs; a scan splits up to nr_to_scan of
 * them, freeing their unmapped subpages (thp_split_page), and stops the shrinker when it split
 * nothing and the queue is empty.
 * Simplified: the node's queue only (no per-memcg queues).
 * @kernel mm/huge_memory.c deferred_split_count, deferred_split_scan
 */
export const deferred_split_shrinker_ops: shrinker_operations = Object.freeze({
  name: "deferred_split_scan",
  count_objects: (k: Kernel, _s: shrinker, sc: shrink_control): number => deferred_split_count(k.node_data[sc.nid]),
  scan_objects: (k: Kernel, _s: shrinker, sc: shrink_control): number => {
    const pgdat = k.node_data[sc.nid];
    const split = deferred_split_scan(k, pgdat, sc.nr_to_scan);
    return split === 0 && pgdat.deferred_split_queue.split_queue_len === 0 ? SHRINK_STOP : split;
  },
});

/**
 * The huge zero page shrinker: 512 objects while only its own reference holds the page; the scan
 * frees it. Not NUMA-aware: shrink_slab runs it for every node with nr_deferred[0]. A worked
 * case: at priority 12 its delta is (512 >> 12) * 4 / 2 = 0; at priority 0 (drop_caches) 1024,
 * capped at 1024: one scan frees the page.
 * @kernel mm/huge_memory.c shrink_huge_zero_page_count, shrink_huge_zero_page_scan
 */
export const huge_zero_page_shrinker_ops: shrinker_operations = Object.freeze({
  name: "shrink_huge_zero_page_scan",
  count_objects: (k: Kernel): number => (k.thp.huge_zero_refcount === 1 ? HPAGE_PMD_NR : 0),
  scan_objects: (k: Kernel): number => shrink_huge_zero_page(k),
});

// ---------------------------------------------------------------------------------------------
// mlock of a PMD-mapped THP
// ---------------------------------------------------------------------------------------------

/** mlock_pte_range's huge-PMD branch: the whole folio (un)locked. @kernel mm/mlock.c mlock_pte_range */
export function mlock_huge_pmd(k: Kernel, pmdi: number, lock: boolean): void {
  const page = k.pgtables.ent_pfn[pmdi];
  if (is_huge_zero_page(k, page)) return;
  if (lock) mlock_page(k, page);
  else munlock_page(k, page);
}

/**
 * mlock_pte_range over [start, end) of `vma`, its huge-PMD half: every PMD-mapped THP the range
 * touches is mlocked (PG_mlocked on the head, Mlocked + 512, onto the unevictable list) or
 * munlocked whole, as pmd_trans_huge_lock's branch does even for a range covering part of it.
 * The huge zero page is left alone. (mlock.ts walks the PTEs.)
 * @kernel mm/mlock.c mlock_pte_range
 */
export function mlock_vma_huge_pmds(k: Kernel, vma: vm_area_struct, start: number, end: number, lock: boolean): void {
  for (let addr = start; addr < end; addr = pmd_addr_end(addr, end)) {
    const pmdi = pmd_trans_huge_lock(k, vma, addr);
    if (pmdi >= 0) mlock_huge_pmd(k, pmdi, lock);
  }
}

/** The end of the PMD range holding `addr`, capped at `end`. @kernel include/linux/pgtable.h pmd_addr_end */
export function pmd_addr_end(addr: number, end: number): number {
  const boundary = (Math.floor(addr / HPAGE_PMD_SIZE) + 1) * HPAGE_PMD_SIZE;
  return boundary < end ? boundary : end;
}

/**
 * The THP of the huge PMD mapping `addr` in an anonymous (not hugetlb) VMA's page tables: the
 * PMD's entry index, or -1 when `addr` goes through a PTE table or nothing.
 * @kernel mm/huge_memory.c __pmd_trans_huge_lock
 */
export function pmd_trans_huge_lock(k: Kernel, vma: vm_area_struct, addr: number): number {
  const pgd = vma.vm_mm.pgd;
  if (pgd === NO_TABLE || (vma.vm_flags & VM_HUGETLB) !== 0) return -1;
  const pmdi = huge_pmd_lookup(k, pgd, addr);
  return pmdi >= 0 && pmd_trans_huge(k.pgtables.ent_flags[pmdi]) ? pmdi : -1;
}
