/**
 * khugepaged: the kernel thread that collapses runs of small anonymous pages into THPs, and its
 * part in the reserves.
 *
 * The reserves: while THP is enabled and khugepaged runs, min_free_kbytes is raised so that each
 * zone up to Normal keeps free pageblocks for huge page allocations (w0-m1024: 512 pages * 2
 * zones * (2 + 3 * 3) = 11264 pages = 45056 kB).
 *
 * The scan: an mm is registered (MMF_VM_HUGEPAGE) when one of its VMAs first could take a THP
 * (the first THP fault, MADV_HUGEPAGE, fork of a registered mm). Each wakeup scans up to
 * pages_to_scan (4096) pages' worth — 512 per aligned 2 MiB looked at — from a cursor that
 * walks the registered mms in order; between wakeups it sleeps scan_sleep_millisecs (10 s). An
 * aligned 2 MiB of PTEs is collapsed when at most max_ptes_none (511) PTEs are empty or map the
 * zero page, at most max_ptes_swap (64) are swapped out, at most max_ptes_shared (256) pages are
 * shared, some PTE is writable and some page young. MADV_COLLAPSE runs the same collapse at once,
 * ignoring the limits and the sysfs mode.
 *
 * Simplified: no file or shmem collapse (hpage_collapse_scan_file; shmem huge=never), no
 * collapse_pte_mapped_thp (file only in 6.1), no memcg charge; a collapse takes no modelled
 * time; the mmap lock is not modelled (a collapse still ends the mm's scan for this wakeup, as
 * dropping the lock does); the allocation failure's alloc_sleep_millisecs sleep is taken at the
 * end of the turn.
 * @kernel mm/khugepaged.c set_recommended_min_free_kbytes, start_stop_khugepaged,
 *   khugepaged_min_free_kbytes_update, khugepaged, khugepaged_do_scan, khugepaged_scan_mm_slot,
 *   hpage_collapse_scan_pmd, find_pmd_or_thp_or_none, is_refcount_suitable, collapse_huge_page,
 *   hugepage_vma_revalidate, __collapse_huge_page_isolate, __collapse_huge_page_copy,
 *   __collapse_huge_page_swapin, alloc_charge_hpage, hpage_collapse_alloc_page,
 *   khugepaged_enter_vma, __khugepaged_enter, __khugepaged_exit, collect_mm_slot,
 *   madvise_collapse, madvise_collapse_errno, khugepaged_wait_work
 * @kernel include/trace/events/huge_memory.h mm_khugepaged_scan_pmd, mm_collapse_huge_page
 */
import { flush_tlb_range } from "../arch/x86/tlb.js";
import { count_memcg_page_event, mem_cgroup_charge } from "./memcontrol.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SPECIAL,
  _PAGE_UFFD_WP,
  entry_table,
  NO_TABLE,
  pgtable_trans_huge_deposit,
  pmd_mkhuge,
  pmd_offset,
  pmd_populate,
  pmd_trans_huge,
  pmdp_collapse_flush,
  pte_clear,
  set_pte_at,
} from "../arch/x86/pgtable.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { kthread_run, type kthread } from "../kernel/kthread.js";
import { KERN_INFO } from "../kernel/printk.js";
import { asDoubles } from "../kernel/shape.js";
import { kstrtoul10 } from "../lib/kstrtox.js";
import { GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT } from "./gfp.js";
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_ORDER,
  HPAGE_PMD_SIZE,
  hugepage_flags_enabled,
  hugepage_vma_check,
  MMF_VM_HUGEPAGE,
  prep_transhuge_page,
  TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG,
  transhuge_vma_suitable,
} from "./huge_memory.js";
import { compound_head, copy_page_content, F, folio_nr_pages, page_flags, set_page_content, PG_head, PG_locked, PG_lru, PG_referenced, PG_swapcache, PG_tail, PG_uptodate } from "./memmap.js";
import { FAULT_FLAG_ALLOW_RETRY, FAULT_FLAG_TRIED, handle_mm_fault, is_zero_pfn, VM_FAULT_ERROR, VM_FAULT_RETRY } from "./memory.js";
import { MM_ANONPAGES, type mm_struct, type vm_area_struct, VM_WRITE, vma_is_anonymous } from "./mm_types.js";
import { find_vma } from "./mmap.js";
import { userfaultfd_armed } from "./userfaultfd.js";
import { MIGRATE_PCPTYPES, NO_PFN, ZONE_NORMAL } from "./mmzone.js";
import { __alloc_pages, nr_free_buffer_pages } from "./page_alloc.js";
import { folio_mapcount, mod_page_node_state, page_add_new_anon_rmap, page_mapcount, page_remove_rmap, PageAnon } from "./rmap.js";
import { folio_putback_lru, lru_add_drain_all, lru_cache_add_inactive_or_unevictable, put_page } from "./swap.js";
import { folio_isolate_lru } from "./vmscan.js";
import { folio_free_swap } from "./swapfile.js";
import { PAGE_SHIFT, pageblock_nr_pages } from "./types.js";
import { NR_ISOLATED_ANON, THP_COLLAPSE_ALLOC, THP_COLLAPSE_ALLOC_FAILED, THP_SCAN_EXCEED_NONE_PTE, THP_SCAN_EXCEED_SHARED_PTE, THP_SCAN_EXCEED_SWAP_PTE } from "./vmstat_items.js";
import { calculate_min_free_kbytes, setup_per_zone_wmarks } from "./watermark.js";

const { EINVAL, ENOMEM, EBUSY, EAGAIN } = errnoValues;

/**
 * With THP enabled, min_free_kbytes is raised so that each zone up to Normal keeps 2 free
 * pageblocks plus 3x3 for migratetype fallbacks, but at most 5% of lowmem.
 * @kernel mm/khugepaged.c set_recommended_min_free_kbytes
 */
export function set_recommended_min_free_kbytes(k: Kernel): void {
  if (!hugepage_flags_enabled(k)) {
    calculate_min_free_kbytes(k);
  } else {
    let nr_zones = 0;
    for (const z of k.zones) {
      if (!z.populated_zone()) continue;
      // ZONE_MOVABLE holds only movable pages: nothing to defragment for (gfp_zone(GFP_USER)).
      if (z.zone_idx > ZONE_NORMAL) continue;
      nr_zones++;
    }
    let recommended_min = pageblock_nr_pages * nr_zones * 2;
    recommended_min += pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    recommended_min = Math.min(recommended_min, Math.floor(nr_free_buffer_pages(k) / 20));
    recommended_min <<= PAGE_SHIFT - 10;
    if (recommended_min > k.vm.min_free_kbytes) {
      if (k.user_min_free_kbytes >= 0)
        k.log.printk(
          KERN_INFO,
          `raising min_free_kbytes from ${k.vm.min_free_kbytes} to ${recommended_min} to help transparent hugepage allocations`,
        );
      k.vm.min_free_kbytes = recommended_min;
    }
  }
  setup_per_zone_wmarks(k);
}

/**
 * Starts or stops khugepaged to match the THP mode, then resets min_free_kbytes to what that
 * mode recommends. Called by hugepage_init and by writes to the THP "enabled" file.
 * @kernel mm/khugepaged.c start_stop_khugepaged
 */
export function start_stop_khugepaged(k: Kernel): void {
  k.thp.khugepaged_running = hugepage_flags_enabled(k);
  const s = k.khugepaged;
  if (k.thp.khugepaged_running) {
    if (s.thread === null) {
      s.thread = new khugepaged_thread();
      kthread_run(k, s.thread);
    }
    // The thread starts by scanning (an empty list sends it straight back to sleep).
    if (khugepaged_has_work(k)) s.thread.wake(k);
  } else if (s.thread !== null) {
    // kthread_stop: the thread ends; its mm slots stay for a later start.
    const i = k.kthreads.indexOf(s.thread);
    if (i >= 0) k.kthreads.splice(i, 1);
    s.thread = null;
    s.scan_mm = null;
  }
  set_recommended_min_free_kbytes(k);
}

/** After init_per_zone_wmark_min: keep khugepaged's raise if it runs. @kernel mm/khugepaged.c khugepaged_min_free_kbytes_update */
export function khugepaged_min_free_kbytes_update(k: Kernel): void {
  if (hugepage_flags_enabled(k) && k.thp.khugepaged_running) set_recommended_min_free_kbytes(k);
}

// ---------------------------------------------------------------------------------------------
// khugepaged: the scanner and the collapse
// ---------------------------------------------------------------------------------------------

// enum scan_result (mm/khugepaged.c), the values the model returns.
export const SCAN_FAIL = 0;
export const SCAN_SUCCEED = 1;
export const SCAN_PMD_NULL = 2;
export const SCAN_PMD_NONE = 3;
export const SCAN_PMD_MAPPED = 4;
export const SCAN_EXCEED_NONE_PTE = 5;
export const SCAN_EXCEED_SWAP_PTE = 6;
export const SCAN_EXCEED_SHARED_PTE = 7;
export const SCAN_PTE_NON_PRESENT = 8;
export const SCAN_PTE_UFFD_WP = 9;
export const SCAN_PTE_MAPPED_HUGEPAGE = 10;
export const SCAN_PAGE_RO = 11;
export const SCAN_LACK_REFERENCED_PAGE = 12;
export const SCAN_PAGE_NULL = 13;
export const SCAN_SCAN_ABORT = 14;
export const SCAN_PAGE_COUNT = 15;
export const SCAN_PAGE_LRU = 16;
export const SCAN_PAGE_LOCK = 17;
export const SCAN_PAGE_ANON = 18;
export const SCAN_PAGE_COMPOUND = 19;
export const SCAN_ANY_PROCESS = 20;
export const SCAN_VMA_NULL = 21;
export const SCAN_VMA_CHECK = 22;
export const SCAN_ADDRESS_RANGE = 23;
export const SCAN_DEL_PAGE_LRU = 24;
export const SCAN_ALLOC_HUGE_PAGE_FAIL = 25;
export const SCAN_CGROUP_CHARGE_FAIL = 26;

/**
 * mm/khugepaged.c's statics: the tunables of /sys/kernel/mm/transparent_hugepage/khugepaged/,
 * its counters, and khugepaged_scan (the registered mms in order and the cursor).
 * @kernel mm/khugepaged.c khugepaged_init, struct khugepaged_scan
 */
export class khugepaged_state {
  /** pages_to_scan: HPAGE_PMD_NR * 8 per wakeup. */
  pages_to_scan = HPAGE_PMD_NR * 8;
  scan_sleep_millisecs = 10000;
  alloc_sleep_millisecs = 60000;
  /** max_ptes_none: HPAGE_PMD_NR - 1. */
  max_ptes_none = HPAGE_PMD_NR - 1;
  /** max_ptes_swap: HPAGE_PMD_NR / 8. */
  max_ptes_swap = HPAGE_PMD_NR / 8;
  /** max_ptes_shared: HPAGE_PMD_NR / 2. */
  max_ptes_shared = HPAGE_PMD_NR / 2;
  pages_collapsed = 0;
  full_scans = 0;
  /** khugepaged_scan.mm_head: the mm slots, in the order they were registered. */
  readonly mm_head: mm_struct[] = [];
  /** khugepaged_scan.mm_slot: the mm being scanned, or null between passes. */
  scan_mm: mm_struct | null = null;
  /** khugepaged_scan.address. */
  scan_address = 0;
  /** khugepaged_sleep_expire, in ns; the thread's next wakeup while it has work. */
  sleep_expire = 0;
  /** The kthread (khugepaged_thread), null while THP is off. */
  thread: khugepaged_thread | null = null;
  /** find_pmd_or_thp_or_none's *pmd out-parameter (the PMD entry's index). */
  readonly pmd_out = new Int32Array(1);
  /** __collapse_huge_page_isolate's compound_pagelist and isolated pages, reused per collapse. */
  readonly compound_pagelist: number[] = [];
  constructor() {
    asDoubles<khugepaged_state>(this, "scan_address", "sleep_expire");
  }
}

/** collapse_control: who collapses (khugepaged applies the max_ptes_* limits, MADV_COLLAPSE not) and the node load. */
interface collapse_control {
  is_khugepaged: boolean;
  node_load: Int32Array;
  /** hpage_collapse_scan_pmd's *mmap_locked: false once collapse_huge_page has run (it drops the lock). */
  mmap_locked: boolean;
}

/** An mm is going away (mm_users 0): khugepaged drops it. @kernel mm/khugepaged.c hpage_collapse_test_exit */
function hpage_collapse_test_exit(mm: mm_struct): boolean {
  return mm.mm_users === 0;
}

/** khugepaged_has_work: some mm is registered. */
function khugepaged_has_work(k: Kernel): boolean {
  return k.khugepaged.mm_head.length !== 0;
}

/**
 * Registers an mm with khugepaged (MMF_VM_HUGEPAGE), behind the cursor; the first one wakes it.
 * @kernel mm/khugepaged.c __khugepaged_enter
 */
export function __khugepaged_enter(k: Kernel, mm: mm_struct): void {
  if ((mm.flags & (1 << MMF_VM_HUGEPAGE)) !== 0) return;
  mm.flags |= 1 << MMF_VM_HUGEPAGE;
  const s = k.khugepaged;
  const wakeup = s.mm_head.length === 0;
  s.mm_head.push(mm);
  if (wakeup) s.thread?.wake(k);
}

/**
 * A VMA THP may back (sysfs allowing) registers its mm with khugepaged: on the first THP fault,
 * on MADV_HUGEPAGE, on a merge or split that makes one.
 * @kernel mm/khugepaged.c khugepaged_enter_vma
 */
export function khugepaged_enter_vma(k: Kernel, vma: vm_area_struct, vm_flags: number): void {
  if ((vma.vm_mm.flags & (1 << MMF_VM_HUGEPAGE)) === 0 && hugepage_flags_enabled(k)) {
    if (hugepage_vma_check(k, vma, vm_flags, false, false, true)) __khugepaged_enter(k, vma.vm_mm);
  }
}

/** fork: the child is registered if the parent was. @kernel include/linux/khugepaged.h khugepaged_fork */
export function khugepaged_fork(k: Kernel, mm: mm_struct, oldmm: mm_struct): void {
  if ((oldmm.flags & (1 << MMF_VM_HUGEPAGE)) !== 0) __khugepaged_enter(k, mm);
}

/**
 * An mm's last user goes: its slot is dropped, unless khugepaged is scanning it right now (it
 * then collects it itself when it sees mm_users at 0).
 * @kernel mm/khugepaged.c __khugepaged_exit
 */
export function khugepaged_exit(k: Kernel, mm: mm_struct): void {
  if ((mm.flags & (1 << MMF_VM_HUGEPAGE)) === 0) return;
  const s = k.khugepaged;
  if (s.scan_mm === mm) return;
  const i = s.mm_head.indexOf(mm);
  if (i >= 0) s.mm_head.splice(i, 1);
  mm.flags &= ~(1 << MMF_VM_HUGEPAGE);
}

/** collect_mm_slot: drop an exiting mm's slot. */
function collect_mm_slot(k: Kernel, mm: mm_struct): void {
  if (!hpage_collapse_test_exit(mm)) return;
  const s = k.khugepaged;
  const i = s.mm_head.indexOf(mm);
  if (i >= 0) s.mm_head.splice(i, 1);
  mm.flags &= ~(1 << MMF_VM_HUGEPAGE);
}

/** khugepaged's GFP mask: GFP_TRANSHUGE with its defrag flag set (the default), else the light one. @kernel include/linux/khugepaged.h alloc_hugepage_khugepaged_gfpmask */
function alloc_hugepage_khugepaged_gfpmask(k: Kernel): number {
  return (k.thp.transparent_hugepage_flags & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG)) !== 0 ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT;
}

/**
 * Where `address`'s PMD stands: SCAN_SUCCEED for a PTE table, SCAN_PMD_NONE, SCAN_PMD_MAPPED
 * for a huge PMD, SCAN_PMD_NULL when the upper tables are missing. `out[0]` gets the entry.
 * @kernel mm/khugepaged.c find_pmd_or_thp_or_none
 */
function find_pmd_or_thp_or_none(k: Kernel, mm: mm_struct, address: number, out: Int32Array): number {
  if (mm.pgd === NO_TABLE) return SCAN_PMD_NULL;
  const pmdi = pmd_offset(k, mm.pgd, address);
  out[0] = pmdi;
  if (pmdi < 0) return SCAN_PMD_NULL;
  const pool = k.pgtables;
  const f = pool.ent_flags[pmdi];
  if (f === 0 && pool.ent_pfn[pmdi] === 0) return SCAN_PMD_NONE;
  if (pmd_trans_huge(f)) return SCAN_PMD_MAPPED;
  if ((f & _PAGE_PRESENT) === 0) return SCAN_PMD_NULL;
  return SCAN_SUCCEED;
}

/** Every reference is a mapping (plus the swap cache's). @kernel mm/khugepaged.c is_refcount_suitable */
function is_refcount_suitable(k: Kernel, head: number): boolean {
  const mem = k.mem_map;
  let expected = folio_mapcount(k, head);
  if ((mem.flags[head] & F(PG_swapcache)) !== 0) expected += folio_nr_pages(mem, head);
  return mem._refcount[head] === expected;
}

/**
 * Looks at the 512 PTEs of one aligned 2 MiB and decides whether to collapse them: khugepaged
 * (not MADV_COLLAPSE) allows at most max_ptes_none empty or zero-page PTEs, max_ptes_swap swap
 * entries and max_ptes_shared shared pages, and wants some young page; every mapped page must be
 * an anonymous LRU page whose references are all mappings; some PTE must be writable. Then
 * collapse_huge_page.
 * @kernel mm/khugepaged.c hpage_collapse_scan_pmd
 */
function hpage_collapse_scan_pmd(k: Kernel, mm: mm_struct, vma: vm_area_struct, address: number, cc: collapse_control): number {
  const s = k.khugepaged;
  const out = k.khugepaged.pmd_out;
  let result = find_pmd_or_thp_or_none(k, mm, address, out);
  if (result !== SCAN_SUCCEED) return result;
  const pool = k.pgtables;
  const mem = k.mem_map;
  const base = entry_table(pool, out[0]) * 512;
  cc.node_load.fill(0);
  let none_or_zero = 0;
  const armed = userfaultfd_armed(vma);
  let shared = 0;
  let unmapped = 0;
  let referenced = 0;
  let writable = false;
  result = SCAN_SUCCEED;
  for (let j = 0; j < HPAGE_PMD_NR; j++) {
    const f = pool.ent_flags[base + j];
    const p = pool.ent_pfn[base + j];
    if (f === 0 && p === 0) {
      // A uffd-armed VMA's holes stay holes: filling them would hide faults from the uffd.
      if (armed) ++none_or_zero;
      else if (!cc.is_khugepaged || ++none_or_zero <= s.max_ptes_none) continue;
      result = SCAN_EXCEED_NONE_PTE;
      k.vm_events[THP_SCAN_EXCEED_NONE_PTE]++;
      break;
    }
    if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
      ++unmapped;
      if (!cc.is_khugepaged || unmapped <= s.max_ptes_swap) continue;
      result = SCAN_EXCEED_SWAP_PTE;
      k.vm_events[THP_SCAN_EXCEED_SWAP_PTE]++;
      break;
    }
    if (is_zero_pfn(k, p)) {
      ++none_or_zero;
      if (!armed && (!cc.is_khugepaged || none_or_zero <= s.max_ptes_none)) continue;
      result = SCAN_EXCEED_NONE_PTE;
      k.vm_events[THP_SCAN_EXCEED_NONE_PTE]++;
      break;
    }
    // Never collapse over a PTE armed with uffd write protection.
    if ((f & _PAGE_UFFD_WP) !== 0) {
      result = SCAN_PTE_UFFD_WP;
      break;
    }
    if ((f & _PAGE_RW) !== 0) writable = true;
    if ((f & _PAGE_SPECIAL) !== 0) {
      result = SCAN_PAGE_NULL;
      break;
    }
    if (page_mapcount(k, p) > 1) {
      ++shared;
      if (cc.is_khugepaged && shared > s.max_ptes_shared) {
        result = SCAN_EXCEED_SHARED_PTE;
        k.vm_events[THP_SCAN_EXCEED_SHARED_PTE]++;
        break;
      }
    }
    const head = compound_head(mem, p);
    const z = k.page_zone(head);
    if (z !== undefined) cc.node_load[z.node]++;
    const hf = mem.flags[head];
    if ((hf & F(PG_lru)) === 0) result = SCAN_PAGE_LRU;
    else if ((hf & F(PG_locked)) !== 0) result = SCAN_PAGE_LOCK;
    else if (!PageAnon(k, head)) result = SCAN_PAGE_ANON;
    else if (!is_refcount_suitable(k, head)) result = SCAN_PAGE_COUNT;
    if (result !== SCAN_SUCCEED) break;
    if (cc.is_khugepaged && ((f & _PAGE_ACCESSED) !== 0 || (hf & F(PG_referenced)) !== 0)) referenced++;
  }
  if (result === SCAN_SUCCEED) {
    if (!writable) result = SCAN_PAGE_RO;
    else if (cc.is_khugepaged && (!referenced || (unmapped && referenced < HPAGE_PMD_NR / 2))) result = SCAN_LACK_REFERENCED_PAGE;
  }
  if (k.trace.enabled("mm_khugepaged_scan_pmd")) {
    k.trace.emit("mm_khugepaged_scan_pmd", { address, result }, `mm=${mm.owner} addr=0x${address.toString(16)} writable=${writable ? 1 : 0} referenced=${referenced} none_or_zero=${none_or_zero} status=${scan_status[result]} unmapped=${unmapped}`);
  }
  if (result === SCAN_SUCCEED) {
    result = collapse_huge_page(k, mm, address, unmapped, cc);
    cc.mmap_locked = false;
  }
  return result;
}

/** The tracepoints' names of the scan results (SCAN_STATUS in include/trace/events/huge_memory.h). */
const scan_status: readonly string[] = Object.freeze([
  "failed", "succeeded", "pmd_null", "pmd_none", "page_pmd_mapped", "exceed_none_pte", "exceed_swap_pte", "exceed_shared_pte",
  "pte_non_present", "pte_uffd_wp", "pte_mapped_hugepage", "no_writable_page", "lack_referenced_page", "page_null", "scan_aborted",
  "not_suitable_page_count", "page_not_in_lru", "page_locked", "page_not_anon", "page_compound", "no_process_for_page", "vma_null",
  "vma_check_failed", "not_suitable_address_range", "page_not_in_lru", "alloc_huge_page_failed", "ccgroup_charge_failed",
]);

/**
 * Re-checks the VMA at `address` after the allocation: it must still hold the aligned 2 MiB,
 * pass hugepage_vma_check (sysfs enforced for khugepaged only) and be anonymous with an
 * anon_vma.
 * @kernel mm/khugepaged.c hugepage_vma_revalidate
 */
function hugepage_vma_revalidate(k: Kernel, mm: mm_struct, address: number, cc: collapse_control): vm_area_struct | number {
  if (hpage_collapse_test_exit(mm)) return SCAN_ANY_PROCESS;
  const vma = find_vma(mm, address);
  if (vma === null) return SCAN_VMA_NULL;
  if (!transhuge_vma_suitable(vma, address)) return SCAN_ADDRESS_RANGE;
  if (!hugepage_vma_check(k, vma, vma.vm_flags, false, false, cc.is_khugepaged)) return SCAN_VMA_CHECK;
  if (vma.anon_vma === null || !vma_is_anonymous(vma)) return SCAN_PAGE_ANON;
  return vma;
}

/**
 * Replaces the 512 PTEs of one aligned 2 MiB by a huge PMD: a THP allocated on the node most of
 * the pages are on (thp_collapse_alloc, or thp_collapse_alloc_failed and SCAN_ALLOC_HUGE_PAGE_FAIL),
 * swapped-out pages read back first, the PTE table detached (it becomes the new PMD's deposit),
 * the small pages isolated and copied (empty and zero-page PTEs become zeroed subpages and add to
 * MM_ANONPAGES), then freed, and the THP mapped writable and dirty.
 * @kernel mm/khugepaged.c collapse_huge_page, alloc_charge_hpage, hpage_collapse_alloc_page,
 *   __collapse_huge_page_swapin, __collapse_huge_page_isolate, __collapse_huge_page_copy,
 *   release_pte_pages
 */
function collapse_huge_page(k: Kernel, mm: mm_struct, address: number, unmapped: number, cc: collapse_control): number {
  const gfp = cc.is_khugepaged ? alloc_hugepage_khugepaged_gfpmask(k) : GFP_TRANSHUGE;
  let node = 0;
  for (let n = 1; n < cc.node_load.length; n++) if (cc.node_load[n] > cc.node_load[node]) node = n;
  if (node >= k.node_data.length) node = 0;
  const hpage = __alloc_pages(k, gfp, HPAGE_PMD_ORDER, node, null);
  if (hpage === NO_PFN) {
    k.vm_events[THP_COLLAPSE_ALLOC_FAILED]++;
    trace_collapse(k, mm, false, SCAN_ALLOC_HUGE_PAGE_FAIL);
    return SCAN_ALLOC_HUGE_PAGE_FAIL;
  }
  prep_transhuge_page(k, hpage);
  k.vm_events[THP_COLLAPSE_ALLOC]++;
  // alloc_charge_hpage: the new THP is charged to the mm's memcg before the collapse.
  if (k.memcg.nr_memcgs !== 0) {
    if (mem_cgroup_charge(k, hpage, mm, gfp) !== 0) {
      put_page(k, hpage);
      trace_collapse(k, mm, false, SCAN_CGROUP_CHARGE_FAIL);
      return SCAN_CGROUP_CHARGE_FAIL;
    }
    count_memcg_page_event(k, hpage, THP_COLLAPSE_ALLOC, 1);
  }
  const result = collapse_into(k, mm, address, unmapped, cc, hpage);
  if (result !== SCAN_SUCCEED) put_page(k, hpage);
  trace_collapse(k, mm, result === SCAN_SUCCEED, result);
  return result;
}

function trace_collapse(k: Kernel, mm: mm_struct, isolated: boolean, result: number): void {
  if (k.trace.enabled("mm_collapse_huge_page")) {
    k.trace.emit("mm_collapse_huge_page", { isolated: isolated ? 1 : 0, result, status: scan_status[result] }, `mm=${mm.owner}, isolated=${isolated ? 1 : 0}, status=${scan_status[result]}`);
  }
}

/** collapse_huge_page after the allocation: revalidate, swap in, isolate, copy, map. */
function collapse_into(k: Kernel, mm: mm_struct, address: number, unmapped: number, cc: collapse_control, hpage: number): number {
  const r = hugepage_vma_revalidate(k, mm, address, cc);
  if (typeof r === "number") return r;
  const vma = r;
  const out = k.khugepaged.pmd_out;
  let result = find_pmd_or_thp_or_none(k, mm, address, out);
  if (result !== SCAN_SUCCEED) return result;
  if (unmapped && !__collapse_huge_page_swapin(k, vma, address, out[0])) return SCAN_FAIL;
  result = find_pmd_or_thp_or_none(k, mm, address, out);
  if (result !== SCAN_SUCCEED) return result;
  const pool = k.pgtables;
  const pmdi = out[0];
  const pgtable = pmdp_collapse_flush(pool, pmdi);
  // pmdp_collapse_flush's flush: flush_tlb_range over the 2 MiB (past the ceiling: all of it).
  flush_tlb_range(k, vma, address, address + 2097152);
  const base = pgtable * 512;
  const isolated = k.khugepaged.compound_pagelist;
  result = __collapse_huge_page_isolate(k, vma, base, cc, isolated);
  if (result !== SCAN_SUCCEED) {
    pmd_populate(pool, pmdi, pgtable);
    return result;
  }
  __collapse_huge_page_copy(k, vma, address, base, hpage, isolated);
  k.mem_map.flags[hpage] |= F(PG_uptodate);
  const entry = (vma.vm_flags & VM_WRITE) !== 0 ? pmd_mkhuge(vma.vm_page_prot) | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_RW : pmd_mkhuge(vma.vm_page_prot) | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
  page_add_new_anon_rmap(k, hpage, vma, address);
  lru_cache_add_inactive_or_unevictable(k, hpage, vma);
  pgtable_trans_huge_deposit(pool, pmdi, pgtable);
  set_pte_at(pool, pmdi, hpage, entry);
  return SCAN_SUCCEED;
}

/**
 * Reads back the swapped-out pages of the range before a collapse, one fault each (a read
 * fault, FAULT_FLAG_ALLOW_RETRY, as do_swap_page's retry wants). False if one fails.
 * @kernel mm/khugepaged.c __collapse_huge_page_swapin
 */
function __collapse_huge_page_swapin(k: Kernel, vma: vm_area_struct, address: number, pmdi: number): boolean {
  const pool = k.pgtables;
  for (let j = 0; j < HPAGE_PMD_NR; j++) {
    const t = entry_table(pool, pmdi);
    if (t === NO_TABLE) return false;
    const f = pool.ent_flags[t * 512 + j];
    const p = pool.ent_pfn[t * 512 + j];
    if ((f === 0 && p === 0) || (f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) continue;
    let flags = FAULT_FLAG_ALLOW_RETRY;
    let ret = handle_mm_fault(k, null, vma, address + j * 4096, flags);
    while ((ret & VM_FAULT_RETRY) !== 0) {
      flags |= FAULT_FLAG_TRIED;
      ret = handle_mm_fault(k, null, vma, address + j * 4096, flags);
    }
    if ((ret & VM_FAULT_ERROR) !== 0) return false;
  }
  return true;
}

/**
 * Isolates every page the (detached) PTE table maps from the LRU, checking them again; on
 * failure puts back what it took (release_pte_pages). `isolated` collects the compound heads
 * (compound_pagelist) so a PTE-mapped THP is isolated once.
 * @kernel mm/khugepaged.c __collapse_huge_page_isolate, release_pte_pages
 */
function __collapse_huge_page_isolate(k: Kernel, vma: vm_area_struct, base: number, cc: collapse_control, isolated: number[]): number {
  const pool = k.pgtables;
  const mem = k.mem_map;
  const s = k.khugepaged;
  let none_or_zero = 0;
  let shared = 0;
  let referenced = 0;
  let writable = false;
  let result = SCAN_SUCCEED;
  isolated.length = 0;
  let j = 0;
  for (; j < HPAGE_PMD_NR; j++) {
    const f = pool.ent_flags[base + j];
    const p = pool.ent_pfn[base + j];
    if ((f === 0 && p === 0) || ((f & _PAGE_PRESENT) !== 0 && is_zero_pfn(k, p))) {
      if (!cc.is_khugepaged || ++none_or_zero <= s.max_ptes_none) continue;
      result = SCAN_EXCEED_NONE_PTE;
      k.vm_events[THP_SCAN_EXCEED_NONE_PTE]++;
      break;
    }
    if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
      result = SCAN_PTE_NON_PRESENT;
      break;
    }
    if ((f & _PAGE_SPECIAL) !== 0) {
      result = SCAN_PAGE_NULL;
      break;
    }
    if (page_mapcount(k, p) > 1) {
      ++shared;
      if (cc.is_khugepaged && shared > s.max_ptes_shared) {
        result = SCAN_EXCEED_SHARED_PTE;
        k.vm_events[THP_SCAN_EXCEED_SHARED_PTE]++;
        break;
      }
    }
    const head = compound_head(mem, p);
    if (!isolated.includes(head)) {
      if ((mem.flags[head] & F(PG_locked)) !== 0) {
        result = SCAN_PAGE_LOCK;
        break;
      }
      if (!is_refcount_suitable(k, head)) {
        result = SCAN_PAGE_COUNT;
        break;
      }
      if (!folio_isolate_lru(k, head)) {
        result = SCAN_DEL_PAGE_LRU;
        break;
      }
      mod_page_node_state(k, head, NR_ISOLATED_ANON, folio_nr_pages(mem, head));
      isolated.push(head);
    }
    if (cc.is_khugepaged && ((f & _PAGE_ACCESSED) !== 0 || (mem.flags[head] & F(PG_referenced)) !== 0)) referenced++;
    if ((f & _PAGE_RW) !== 0) writable = true;
  }
  if (result === SCAN_SUCCEED) {
    if (!writable) result = SCAN_PAGE_RO;
    else if (cc.is_khugepaged && !referenced) result = SCAN_LACK_REFERENCED_PAGE;
  }
  if (result !== SCAN_SUCCEED) {
    // release_pte_pages: back on the LRU, unisolated.
    for (const head of isolated) {
      mod_page_node_state(k, head, NR_ISOLATED_ANON, -folio_nr_pages(mem, head));
      folio_putback_lru(k, head);
    }
    isolated.length = 0;
  }
  void vma;
  return result;
}

/**
 * Fills the new THP: each subpage copies its small page (content token and all), or is zeroed
 * for an empty or zero-page PTE (MM_ANONPAGES + 1); each old PTE is cleared, the page loses the
 * mapping and its reference and goes back to the LRU to be freed.
 * @kernel mm/khugepaged.c __collapse_huge_page_copy
 */
function __collapse_huge_page_copy(k: Kernel, vma: vm_area_struct, address: number, base: number, hpage: number, isolated: number[]): void {
  const pool = k.pgtables;
  const mem = k.mem_map;
  const rss = vma.vm_mm.rss_stat;
  for (let j = 0; j < HPAGE_PMD_NR; j++) {
    const f = pool.ent_flags[base + j];
    const p = pool.ent_pfn[base + j];
    if ((f === 0 && p === 0) || is_zero_pfn(k, p)) {
      set_page_content(mem, hpage + j, ++k.content_seq); // clear_user_highpage
      rss[MM_ANONPAGES]++;
      if (f !== 0 || p !== 0) pte_clear(pool, base + j);
      continue;
    }
    copy_page_content(mem, hpage + j, p); // copy_user_highpage
    const head = compound_head(mem, p);
    if (head === p && (page_flags(mem, p) & (F(PG_head) | F(PG_tail))) === 0) {
      // release_pte_page: no longer isolated, back to the LRU (to be freed just below).
      mod_page_node_state(k, p, NR_ISOLATED_ANON, -1);
      const i = isolated.indexOf(p);
      if (i >= 0) isolated.splice(i, 1);
      folio_putback_lru(k, p);
    }
    pte_clear(pool, base + j);
    page_remove_rmap(k, p);
    // free_page_and_swap_cache: the swap cache's copy goes with the last mapping.
    if ((mem.flags[head] & F(PG_swapcache)) !== 0 && page_mapcount(k, p) === 0) folio_free_swap(k, head);
    put_page(k, p);
  }
  for (const head of isolated) {
    mod_page_node_state(k, head, NR_ISOLATED_ANON, -folio_nr_pages(mem, head));
    folio_putback_lru(k, head);
  }
  isolated.length = 0;
  void address;
}

/**
 * One step of the scan: the mm at the cursor (or the first registered), its VMAs from the cursor
 * address on, each THP-eligible aligned 2 MiB scanned (progress 512 pages each) until `pages`
 * are done; an mm finished (or exiting) hands the cursor to the next, and the last completes a
 * full scan (full_scans). Returns the progress.
 * @kernel mm/khugepaged.c khugepaged_scan_mm_slot
 */
function khugepaged_scan_mm_slot(k: Kernel, pages: number, res: Int32Array, cc: collapse_control): number {
  const s = k.khugepaged;
  res[0] = SCAN_FAIL;
  if (s.scan_mm === null) {
    s.scan_mm = s.mm_head[0];
    s.scan_address = 0;
  }
  const mm = s.scan_mm;
  let progress = 1;
  let vma: vm_area_struct | null = null;
  outer: if (!hpage_collapse_test_exit(mm)) {
    const mt = mm.mm_mt;
    for (let v = mt.mt_find(s.scan_address); v !== null; v = mt.mt_next(v)) {
      vma = v;
      if (hpage_collapse_test_exit(mm)) {
        progress++;
        break;
      }
      if (!hugepage_vma_check(k, vma, vma.vm_flags, false, false, true)) {
        progress++;
        continue;
      }
      const hstart = Math.ceil(vma.vm_start / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
      const hend = Math.floor(vma.vm_end / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
      if (s.scan_address > hend) {
        progress++;
        continue;
      }
      if (s.scan_address < hstart) s.scan_address = hstart;
      while (s.scan_address < hend) {
        cc.mmap_locked = true;
        res[0] = hpage_collapse_scan_pmd(k, mm, vma, s.scan_address, cc);
        if (res[0] === SCAN_SUCCEED) s.pages_collapsed++;
        s.scan_address += HPAGE_PMD_SIZE;
        progress += HPAGE_PMD_NR;
        // collapse_huge_page drops mmap_lock (it always does once it is called): the scan of
        // this mm stops here and goes on at the next address next time.
        if (!cc.mmap_locked) return progress;
        if (progress >= pages) break outer;
      }
    }
    vma = null;
  }
  // Done with this mm (or it is exiting): the cursor moves on.
  if (hpage_collapse_test_exit(mm) || vma === null) {
    const i = s.mm_head.indexOf(mm);
    if (i >= 0 && i + 1 < s.mm_head.length) {
      s.scan_mm = s.mm_head[i + 1];
      s.scan_address = 0;
    } else {
      s.scan_mm = null;
      s.full_scans++;
    }
    collect_mm_slot(k, mm);
  }
  return progress;
}

/**
 * One wakeup's work: LRU batches drained, then mm slots scanned until pages_to_scan pages are
 * done or the list has been passed twice; a failed allocation sleeps alloc_sleep_millisecs once,
 * and ends the scan if it fails again.
 * @kernel mm/khugepaged.c khugepaged_do_scan
 */
function khugepaged_do_scan(k: Kernel, cc: collapse_control): void {
  const s = k.khugepaged;
  const pages = s.pages_to_scan;
  let progress = 0;
  let pass_through_head = 0;
  let wait = true;
  const res = new Int32Array(1).fill(SCAN_SUCCEED);
  lru_add_drain_all(k);
  for (;;) {
    if (s.scan_mm === null) pass_through_head++;
    if (khugepaged_has_work(k) && pass_through_head < 2) progress += khugepaged_scan_mm_slot(k, pages - progress, res, cc);
    else progress = pages;
    if (progress >= pages) break;
    if (res[0] === SCAN_ALLOC_HUGE_PAGE_FAIL) {
      if (!wait) break;
      wait = false;
      // khugepaged_alloc_sleep: the model's khugepaged is one turn; it sleeps at its end instead.
      s.sleep_expire = Math.max(s.sleep_expire, k.now_ns + s.alloc_sleep_millisecs * 1e6);
    }
  }
}

/** khugepaged's wait states. */
const KHUGEPAGED_IDLE = 0; // wait_event(khugepaged_wait_event): nothing registered
const KHUGEPAGED_SLEEPING = 1; // wait_event_timeout: scan_sleep_millisecs until the next scan
const KHUGEPAGED_RUNNABLE = 2; // woken

/**
 * The khugepaged kernel thread: scans, then sleeps scan_sleep_millisecs while some mm is
 * registered, or until one is. Nice 19: a wakeup does not preempt the running task (it runs at
 * the next time the clock passes).
 * @kernel mm/khugepaged.c khugepaged, khugepaged_wait_work
 */
export class khugepaged_thread implements kthread {
  readonly comm = "khugepaged";
  pid = 0;
  on_cpu = false;
  state = KHUGEPAGED_IDLE;
  /** When a wakeup asked it to run. */
  woken_at = 0;
  readonly cc: collapse_control = { is_khugepaged: true, node_load: new Int32Array(64), mmap_locked: true };
  constructor() {
    asDoubles<khugepaged_thread>(this, "woken_at");
  }
  next_ns(k: Kernel): number {
    if (this.state === KHUGEPAGED_RUNNABLE) return Math.max(this.woken_at, k.khugepaged.sleep_expire);
    if (this.state === KHUGEPAGED_SLEEPING) return k.khugepaged.sleep_expire;
    return Infinity;
  }
  run(k: Kernel): void {
    if (!k.thp.khugepaged_running) {
      this.state = KHUGEPAGED_IDLE;
      return;
    }
    khugepaged_do_scan(k, this.cc);
    // khugepaged_wait_work
    if (khugepaged_has_work(k)) {
      const s = k.khugepaged;
      s.sleep_expire = Math.max(s.sleep_expire, k.now_ns + s.scan_sleep_millisecs * 1e6);
      this.state = s.scan_sleep_millisecs === 0 ? KHUGEPAGED_RUNNABLE : KHUGEPAGED_SLEEPING;
      this.woken_at = k.now_ns;
    } else {
      this.state = KHUGEPAGED_IDLE;
    }
  }
  /** wake_up_interruptible(&khugepaged_wait). */
  wake(k: Kernel): void {
    if (this.state === KHUGEPAGED_IDLE) {
      this.state = KHUGEPAGED_RUNNABLE;
      this.woken_at = k.now_ns;
    }
  }
}

/**
 * MADV_COLLAPSE: collapse every aligned 2 MiB of [start, end) in `vma` now, ignoring the THP
 * sysfs mode and khugepaged's limits; a range already mapped by a huge PMD counts as done.
 * 0 when all of them are huge afterwards, else the errno of the last failure (ENOMEM for an
 * allocation, EAGAIN for a busy page, EINVAL otherwise).
 * @kernel mm/khugepaged.c madvise_collapse, madvise_collapse_errno
 */
export function madvise_collapse(k: Kernel, vma: vm_area_struct, start: number, end: number): number {
  if (!hugepage_vma_check(k, vma, vma.vm_flags, false, false, false)) return -EINVAL;
  const cc: collapse_control = { is_khugepaged: false, node_load: new Int32Array(64), mmap_locked: true };
  const mm = vma.vm_mm;
  lru_add_drain_all(k);
  const hstart = Math.ceil(start / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  let hend = Math.floor(end / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  let thps = 0;
  let last_fail = SCAN_FAIL;
  const total = Math.max(0, (hend - hstart) / HPAGE_PMD_SIZE);
  for (let addr = hstart; addr < hend; addr += HPAGE_PMD_SIZE) {
    // collapse_huge_page dropped mmap_lock after the previous range: look the VMA up again.
    const r = hugepage_vma_revalidate(k, mm, addr, cc);
    if (typeof r === "number") {
      last_fail = r;
      break;
    }
    vma = r;
    hend = Math.min(hend, Math.floor(vma.vm_end / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE);
    const result = hpage_collapse_scan_pmd(k, mm, vma, addr, cc);
    if (result === SCAN_SUCCEED || result === SCAN_PMD_MAPPED) {
      thps++;
      continue;
    }
    last_fail = result;
    if (!madvise_collapse_continues(result)) break;
  }
  return thps === total ? 0 : madvise_collapse_errno(last_fail);
}

/** The results after which madvise_collapse goes on to the next range. */
function madvise_collapse_continues(result: number): boolean {
  switch (result) {
    case SCAN_PMD_NULL:
    case SCAN_PTE_NON_PRESENT:
    case SCAN_PTE_UFFD_WP:
    case SCAN_PAGE_RO:
    case SCAN_LACK_REFERENCED_PAGE:
    case SCAN_PAGE_NULL:
    case SCAN_PAGE_COUNT:
    case SCAN_PAGE_LOCK:
    case SCAN_PAGE_COMPOUND:
    case SCAN_PAGE_LRU:
    case SCAN_DEL_PAGE_LRU:
      return true;
  }
  return false;
}

/** @kernel mm/khugepaged.c madvise_collapse_errno */
function madvise_collapse_errno(r: number): number {
  switch (r) {
    case SCAN_ALLOC_HUGE_PAGE_FAIL:
      return -ENOMEM;
    case SCAN_CGROUP_CHARGE_FAIL:
      return -EBUSY;
    case SCAN_PAGE_COUNT:
    case SCAN_PAGE_LOCK:
    case SCAN_PAGE_LRU:
    case SCAN_DEL_PAGE_LRU:
      return -EAGAIN;
  }
  return -EINVAL;
}

// ---------------------------------------------------------------------------------------------
// /sys/kernel/mm/transparent_hugepage/khugepaged/
// ---------------------------------------------------------------------------------------------

/** The khugepaged directory's files: name → show and store (sysfs_emit "%u\n"). */
export const khugepaged_attrs: readonly string[] = Object.freeze([
  "alloc_sleep_millisecs",
  "defrag",
  "full_scans",
  "max_ptes_none",
  "max_ptes_shared",
  "max_ptes_swap",
  "pages_collapsed",
  "pages_to_scan",
  "scan_sleep_millisecs",
]);

/**
 * Reads one khugepaged attribute.
 * @kernel mm/khugepaged.c scan_sleep_millisecs_show, alloc_sleep_millisecs_show, pages_to_scan_show,
 *   pages_collapsed_show, full_scans_show, defrag_show, max_ptes_none_show, max_ptes_swap_show,
 *   max_ptes_shared_show
 */
export function khugepaged_attr_show(k: Kernel, name: string): string {
  const s = k.khugepaged;
  switch (name) {
    case "scan_sleep_millisecs": return `${s.scan_sleep_millisecs}\n`;
    case "alloc_sleep_millisecs": return `${s.alloc_sleep_millisecs}\n`;
    case "pages_to_scan": return `${s.pages_to_scan}\n`;
    case "pages_collapsed": return `${s.pages_collapsed}\n`;
    case "full_scans": return `${s.full_scans}\n`;
    case "defrag": return `${(k.thp.transparent_hugepage_flags >> TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) & 1}\n`;
    case "max_ptes_none": return `${s.max_ptes_none}\n`;
    case "max_ptes_swap": return `${s.max_ptes_swap}\n`;
    case "max_ptes_shared": return `${s.max_ptes_shared}\n`;
  }
  return "";
}

/**
 * Writes one khugepaged attribute: 0 or -EINVAL (a value the kernel's kstrto* rejects, a zero
 * pages_to_scan, a max_ptes_* above HPAGE_PMD_NR - 1). The sleep times wake khugepaged.
 * @kernel mm/khugepaged.c scan_sleep_millisecs_store, alloc_sleep_millisecs_store,
 *   pages_to_scan_store, defrag_store, max_ptes_none_store, max_ptes_swap_store, max_ptes_shared_store
 */
export function khugepaged_attr_store(k: Kernel, name: string, buf: string): number {
  const s = k.khugepaged;
  if (name === "defrag") {
    const v = kstrtoul10(buf);
    if (typeof v !== "number") return v.err;
    if (v > 1) return -EINVAL;
    const bit = 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG;
    k.thp.transparent_hugepage_flags = v ? k.thp.transparent_hugepage_flags | bit : k.thp.transparent_hugepage_flags & ~bit;
    return 0;
  }
  const uint = name === "scan_sleep_millisecs" || name === "alloc_sleep_millisecs" || name === "pages_to_scan";
  const v = kstrtoul10(buf, uint ? "uint" : "ulong");
  if (typeof v !== "number") return -EINVAL;
  switch (name) {
    case "scan_sleep_millisecs":
    case "alloc_sleep_millisecs":
      if (name === "scan_sleep_millisecs") s.scan_sleep_millisecs = v;
      else s.alloc_sleep_millisecs = v;
      s.sleep_expire = 0;
      s.thread?.wake(k);
      if (s.thread !== null && s.thread.state === KHUGEPAGED_SLEEPING) s.thread.state = KHUGEPAGED_RUNNABLE;
      return 0;
    case "pages_to_scan":
      if (v === 0) return -EINVAL;
      s.pages_to_scan = v;
      return 0;
    case "max_ptes_none":
    case "max_ptes_swap":
    case "max_ptes_shared":
      if (v > HPAGE_PMD_NR - 1) return -EINVAL;
      if (name === "max_ptes_none") s.max_ptes_none = v;
      else if (name === "max_ptes_swap") s.max_ptes_swap = v;
      else s.max_ptes_shared = v;
      return 0;
  }
  return -EINVAL;
}
