/**
 * Page reclaim, the classic two-list LRU of 6.1 (Debian builds MGLRU but leaves it off): kswapd
 * and direct reclaim scan each node's lruvec from the tail, deactivating active pages into the
 * inactive lists and freeing inactive ones — clean file pages dropped, anonymous pages written to
 * swap first — with get_scan_count balancing anon against file by swappiness and by what reclaim
 * of each has cost recently.
 *
 * The flow, as in the kernel: the allocator's slow path wakes kswapd below the low watermark
 * (wakeup_kswapd) and, below min, reclaims itself (try_to_free_pages → do_try_to_free_pages →
 * shrink_zones → shrink_node → shrink_lruvec → shrink_list → shrink_active_list /
 * shrink_inactive_list → isolate_lru_folios → shrink_folio_list → add_to_swap, try_to_unmap,
 * pageout, __remove_mapping). kswapd's balance_pgdat raises priority from DEF_PRIORITY (scan
 * 1/4096 of each list) down to 1 until some zone of the node meets its high watermark.
 *
 * Isolated pages are threaded on local list heads through the same page->lru columns, as the
 * kernel's LIST_HEAD(folio_list) is. Reclaim costs simulated time (RECLAIM_COST below): direct
 * reclaim's is the allocating task's stall, kswapd's is CPU the tasks do not get.
 *
 * Simplified: one lruvec per node (no memcg, so no protection, soft limits or cgroup reclaim), no
 * compaction (order > 0 reclaim never reports compaction_ready and should_continue_reclaim is
 * false), no vmpressure events, no NUMA demotion (dirty file pages are kept, marked PG_reclaim,
 * and the flushers woken when every folio taken was dirty and unqueued), no pfmemalloc throttling of direct reclaimers (throttle_direct_reclaim), no
 * large folios, no node_reclaim.
 * @kernel mm/vmscan.c shrink_folio_list, folio_check_references, pageout, __remove_mapping,
 *   isolate_lru_folios, move_folios_to_lru, too_many_isolated, shrink_inactive_list,
 *   shrink_active_list, shrink_list, inactive_is_low, prepare_scan_count, get_scan_count,
 *   shrink_lruvec, shrink_node, shrink_zones, do_try_to_free_pages, try_to_free_pages,
 *   zone_reclaimable_pages, can_reclaim_anon_pages, can_age_anon_pages, reclaim_throttle,
 *   __acct_reclaim_writeback, snapshot_refaults, pgdat_balanced, pgdat_watermark_boosted,
 *   prepare_kswapd_sleep, kswapd_shrink_node, kswapd_age_node, balance_pgdat,
 *   kswapd_try_to_sleep, kswapd, wakeup_kswapd
 */
import { shr } from "../lib/bitops.js";
import { shrink_slab } from "./shrinker.js";
import { wakeup_flusher_threads, WB_REASON_VMSCAN } from "../fs/fs-writeback.js";
import { KernelBug } from "../kernel/bug.js";
import { int_sqrt } from "../lib/math.js";
import type { Kernel } from "../kernel/kernel.js";
import { check_preempt_tick, cond_resched, kthread_run, run_irqs, schedule_timeout } from "../kernel/kthread.js";
import { asDoubles } from "../kernel/shape.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import type { alloc_context } from "./alloc_hooks.js";
import { PF_MEMALLOC } from "./alloc_hooks.js";
import { __GFP_DIRECT_RECLAIM, __GFP_FS, __GFP_IO, gfp_zone, GFP_KERNEL, show_gfp_flags } from "./gfp.js";
import { pageblock_order } from "./types.js";
import {
  F,
  folio_nr_pages,
  PG_active,
  PG_dirty,
  PG_head,
  PG_locked,
  PG_lru,
  PG_mlocked,
  PG_private,
  PG_referenced,
  PG_reclaim,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_workingset,
  PG_writeback,
} from "./memmap.js";
import { folio_evictable, folio_is_file_lru, folio_zone, lruvec_add_folio, lruvec_del_folio, lruvec_lru_pages, update_lru_size } from "./mm_inline.js";
import {
  __GFP_ATOMIC,
  __GFP_HIGH,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOLOCKDEP,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RETRY_MAYFAIL,
  GFP_HIGHUSER_MOVABLE,
} from "../include/linux/gfp_types.js";
import { VM_EXEC, VM_LOCKED } from "./mm_types.js";
import {
  type lruvec,
  high_wmark_pages,
  LRU_ACTIVE,
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  LRU_UNEVICTABLE,
  LRUVEC_CONGESTED,
  MAX_NR_ZONES,
  NO_PFN,
  NR_LRU_LISTS,
  PGDAT_DIRTY,
  PGDAT_WRITEBACK,
  type pglist_data,
  type zone,
} from "./mmzone.js";
import { swap_writepage } from "./page_io.js";
import { cpu_to_node, zone_watermark_ok_safe } from "./page_alloc.js";
import { folio_mapped, folio_referenced, try_to_unmap, try_to_unmap_flush, try_to_unmap_flush_dirty, TTU_BATCH_FLUSH } from "./rmap.js";
import { folio_add_lru, lru_add_drain, lru_note_cost, put_page } from "./swap.js";
import { __delete_from_swap_cache, add_to_swap } from "./swap_state.js";
import { folio_free_swap, get_nr_swap_pages, put_swap_folio, vm_swap_full } from "./swapfile.js";
import {
  ALLOCSTALL_DMA,
  KSWAPD_HIGH_WMARK_HIT_QUICKLY,
  KSWAPD_LOW_WMARK_HIT_QUICKLY,
  NR_ACTIVE_FILE,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  NR_THROTTLED_WRITTEN,
  NR_VMSCAN_IMMEDIATE,
  NR_VMSCAN_WRITE,
  NR_ZONE_ACTIVE_ANON,
  NR_ZONE_WRITE_PENDING,
  NR_ZONE_ACTIVE_FILE,
  NR_ZONE_INACTIVE_ANON,
  NR_ZONE_INACTIVE_FILE,
  PAGEOUTRUN,
  PGACTIVATE,
  PGDEACTIVATE,
  PGLAZYFREED,
  PGREFILL,
  PGSCAN_ANON,
  PGSCAN_DIRECT,
  PGSCAN_KSWAPD,
  PGSCAN_SKIP_DMA,
  PGSTEAL_ANON,
  PGSTEAL_DIRECT,
  PGSTEAL_KSWAPD,
  WORKINGSET_ACTIVATE_ANON,
  WORKINGSET_ACTIVATE_FILE,
  THP_SWPOUT_FALLBACK,
} from "./vmstat_items.js";
import { split_huge_page_to_list } from "./huge_memory.js";
import {
  __count_memcg_events,
  mem_cgroup_below_low,
  mem_cgroup_below_min,
  mem_cgroup_calculate_protection,
  mem_cgroup_flush_stats,
  mem_cgroup_from_id,
  mem_cgroup_get_nr_swap_pages,
  mem_cgroup_protection,
  mem_cgroup_subtree,
  MEMCG_LOW,
  memcg_memory_event,
  MEMCG_RECLAIM_MAY_SWAP,
  MEMCG_RECLAIM_PROACTIVE,
  lruvec_page_state,
  type mem_cgroup,
} from "./memcontrol.js";
import { page_counter_read } from "./page_counter.js";
import { workingset_eviction } from "./workingset.js";
import { __filemap_remove_folio } from "./filemap.js";
import { try_to_free_buffers } from "../fs/buffer.js";
import { AOP_WRITEPAGE_ACTIVATE, AS_EXITING, mapping_by_id, WB_SYNC_NONE, type writeback_control } from "../fs/fs.js";
import { lru_gen_age_node, lru_gen_enabled, lru_gen_shrink_lruvec } from "./lru_gen.js";

/** Scan 1/2^priority of each list per pass; kswapd and direct reclaim start here. */
export const DEF_PRIORITY = 12;
/** Pages per isolation batch, and direct reclaim's target. */
export const SWAP_CLUSTER_MAX = 32;
/** kswapd gives up on a node after this many balance_pgdat runs that reclaimed nothing. */
export const MAX_RECLAIM_RETRIES = 16;

/**
 * What reclaim costs in simulated time, per page. Orders of magnitude, not measurements: a page
 * isolated and checked (flags, the rmap walk for its accessed bits) ~0.1 µs; unmapping it from its
 * PTEs and freeing it ~0.5 µs; building and submitting a swap write ~1 µs of CPU (the device's
 * latency comes on top, asynchronously). 32 anonymous pages swapped out take ≈ 32 × 1.6 ≈ 51 µs,
 * so kswapd's 3 ms slice frees about 1900 pages — less than the ~4300 a task faulting at 0.7 µs
 * a page allocates meanwhile, which is why a fast writer still meets direct reclaim.
 */
export const RECLAIM_COST = Object.freeze({
  scan_ns: 100,
  unmap_ns: 500,
  pageout_ns: 1000,
  /**
   * One shrink_node call's fixed work, whatever it finds to scan: get_scan_count, the memcg
   * walk, shrink_slab's count_objects over the ~40 registered shrinkers, vmpressure. Direct
   * reclaim's priority loop makes 13 of them (26 µs) before an allocation that finds nothing to
   * reclaim retries, so the 16 retries of should_reclaim_retry before an OOM kill take ~0.4 ms of
   * the allocating task's time rather than none.
   */
  shrink_node_ns: 2000,
} as const);

// sc->may_deactivate bits
/** isolate_mode_t: isolate only folios no page table maps (reclaim that may not unmap). @kernel include/linux/mmzone.h ISOLATE_UNMAPPED */
const ISOLATE_UNMAPPED = 0x2;

const DEACTIVATE_ANON = 1;
const DEACTIVATE_FILE = 2;
// enum scan_balance
const SCAN_EQUAL = 0;
const SCAN_FRACT = 1;
const SCAN_ANON = 2;
const SCAN_FILE = 3;
// enum folio_references
const FOLIOREF_RECLAIM = 0;
const FOLIOREF_RECLAIM_CLEAN = 1;
const FOLIOREF_KEEP = 2;
const FOLIOREF_ACTIVATE = 3;
/** The writeback_control pageout hands ->writepage: one page, for reclaim, not waited on. */
const RECLAIM_WBC: writeback_control = Object.freeze({
  nr_to_write: 0x7fffffff, // SWAP_CLUSTER_MAX in 6.1; ->writepage does not count it down
  pages_skipped: 0,
  range_start: 0,
  range_end: Number.MAX_SAFE_INTEGER,
  sync_mode: WB_SYNC_NONE,
  for_kupdate: false,
  for_background: false,
  tagged_writepages: false,
  for_reclaim: true,
  range_cyclic: false,
  for_sync: false,
});

// pageout_t
const PAGE_KEEP = 0;
const PAGE_ACTIVATE = 1;
const PAGE_SUCCESS = 2;
const PAGE_CLEAN = 3;
// enum vmscan_throttle_state
export const VMSCAN_THROTTLE_WRITEBACK = 0;
export const VMSCAN_THROTTLE_ISOLATED = 1;
export const VMSCAN_THROTTLE_NOPROGRESS = 2;
export const VMSCAN_THROTTLE_CONGESTED = 3;
/** HZ = 250 on Debian's build: one jiffy is 4 ms. */
const JIFFY_NS = 4_000_000;

const LRU = F(PG_lru);
const HEAD = F(PG_head);
const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const SWAPBACKED = F(PG_swapbacked);
const SWAPCACHE = F(PG_swapcache);
const DIRTY = F(PG_dirty);
const WRITEBACK = F(PG_writeback);
const RECLAIM = F(PG_reclaim);
const REFERENCED = F(PG_referenced);
const LOCKED = F(PG_locked);
const MLOCKED = F(PG_mlocked);
const WORKINGSET = F(PG_workingset);
const PRIVATE = F(PG_private);

/**
 * One reclaim invocation's parameters and running totals.
 * @kernel mm/vmscan.c struct scan_control
 */
export class scan_control {
  nr_to_reclaim = 0;
  nodemask: number[] | null = null;
  gfp_mask = 0;
  order = 0;
  priority = DEF_PRIORITY;
  /** The highest zone reclaim may take pages from. */
  // Stryker disable next-line ArithmeticOperator: no zone lies above MAX_NR_ZONES - 1 and lruvec_lru_size stops there, so a larger reclaim_idx is the same
  reclaim_idx = MAX_NR_ZONES - 1;
  may_writepage = true;
  may_unmap = true;
  may_swap = true;
  may_deactivate = 0;
  force_deactivate = false;
  skipped_deactivate = false;
  cache_trim_mode = false;
  file_is_tiny = false;
  compaction_ready = false;
  anon_cost = 0;
  file_cost = 0;
  nr_scanned = 0;
  nr_reclaimed = 0;
  /** current_is_kswapd(). */
  kswapd = false;
  /** The memcg whose limit reclaim works for (null: global reclaim). cgroup_reclaim(sc) is target_mem_cgroup !== null. */
  target_mem_cgroup: mem_cgroup | null = null;
  /** memory.reclaim's proactive reclaim. */
  // Stryker disable next-line BooleanLiteral: nothing in the model reads sc.proactive (6.1 reads it only to skip vmpressure, which is not modelled)
  proactive = false;
  /** Reclaim may take from memcgs within memory.low (the second pass); one was skipped. */
  memcg_low_reclaim = false;
  memcg_low_skipped = false;
  // sc->nr: what the last shrink_node saw of dirty and writeback pages.
  nr_dirty = 0;
  nr_unqueued_dirty = 0;
  nr_congested = 0;
  nr_writeback = 0;
  nr_immediate = 0;
  nr_file_taken = 0;
  nr_taken = 0;
  /** MGLRU: lru_gen_age_node may skip the aging when the eviction found enough without it (starts clear). */
  memcgs_need_aging = false;
  /** MGLRU: nr_reclaimed when kswapd last aged (should_abort_scan's progress this round). */
  last_reclaimed = 0;

  // The locals of the functions reclaim runs per batch, made once per reclaim (the kernel's are
  // on its stack), so a batch allocates only its list heads: isolate_lru_folios' *nr_scanned
  // out-parameter and its nr_zone_taken[] / nr_skipped[], folio_referenced's *vm_flags, and
  // shrink_lruvec's nr[] and targets[] (get_scan_count's answer and its copy).
  readonly nr_scanned_out = new Float64Array(1);
  readonly nr_zone_taken = new Float64Array(MAX_NR_ZONES);
  readonly nr_skipped = new Float64Array(MAX_NR_ZONES);
  readonly vm_flags_out = new Int32Array(1);
  readonly lruvec_nr = new Float64Array(NR_LRU_LISTS);
  readonly lruvec_targets = new Float64Array(NR_LRU_LISTS);
  // The local list heads (LIST_HEAD(...)) of the isolating functions (shrink_inactive_list,
  // shrink_active_list: neither runs inside the other) and of the shrink_folio_list they call:
  // an invocation's sc is its own and none of these calls itself (a reclaim nested in one,
  // direct reclaim by a task kswapd woke, has a scan_control of its own), so each set is free
  // when its function is entered. A typed array per call cost about 1% of a replay's run
  // (bench/replay.bench.ts, 7 December 2026).
  readonly isolated_lists = new Int32Array(4);
  readonly folio_ret_lists = new Int32Array(4);
}

/** What one shrink_folio_list pass found. @kernel include/linux/vmstat.h struct reclaim_stat */
export class reclaim_stat {
  nr_dirty = 0;
  nr_unqueued_dirty = 0;
  nr_congested = 0;
  nr_writeback = 0;
  nr_immediate = 0;
  nr_pageout = 0;
  // Stryker disable next-line ArrayDeclaration: shrink_folio_list resets the stat it fills (reset() below) before anything reads it
  readonly nr_activate = [0, 0];
  nr_ref_keep = 0;
  nr_unmap_fail = 0;
  reset(): void {
    this.nr_dirty = this.nr_unqueued_dirty = this.nr_congested = this.nr_writeback = this.nr_immediate = 0;
    this.nr_pageout = this.nr_ref_keep = this.nr_unmap_fail = 0;
    this.nr_activate[0] = this.nr_activate[1] = 0;
  }
}

// Local list heads (LIST_HEAD(…) in the kernel functions): a set of four, kept on the
// scan_control (see there), emptied on entry.
const L_SRC = 0; // the isolated pages being worked on (folio_list / l_hold)
const L_RET = 1; // ret_folios / l_active
const L_FREE = 2; // free_folios / l_inactive
const L_SKIPPED = 3; // folios_skipped
function local_lists(lists: Int32Array): Int32Array {
  return lists.fill(NO_PFN);
}

/** Emits a vmscan tracepoint whose message is its "name=value" fields. */
function trace(k: Kernel, event: string, message: string): void {
  if (!k.trace.enabled(event)) return;
  const fields: Record<string, string> = {};
  for (const kv of message.split(" ")) {
    const eq = kv.indexOf("=");
    // Stryker disable next-line ConditionalExpression,EqualityOperator: every word of a vmscan tracepoint message is name=value with a name
    if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  k.trace.emit(event, fields, message);
}

/**
 * Adds simulated time for reclaim work done by the current context; I/O that completes meanwhile
 * runs its completion (end_swap_bio_write) at once, as the interrupt would.
 */
export function reclaim_cost(k: Kernel, ns: number): void {
  k.now_ns += ns;
  run_irqs(k);
}

/** Is any swap space left? @kernel mm/vmscan.c can_reclaim_anon_pages */
function can_reclaim_anon_pages(k: Kernel): boolean {
  return get_nr_swap_pages(k) > 0;
}

/**
 * can_reclaim_anon_pages with a reclaim's scan_control: a memcg reclaim needs swap the memcg may
 * still use (memory.swap.max), global reclaim free swap.
 * @kernel mm/vmscan.c can_reclaim_anon_pages
 */
function can_reclaim_anon_pages_sc(k: Kernel, sc: scan_control): boolean {
  // Stryker disable next-line ConditionalExpression: for no memcg mem_cgroup_get_nr_swap_pages is get_nr_swap_pages
  if (sc.target_mem_cgroup !== null) return mem_cgroup_get_nr_swap_pages(k, sc.target_mem_cgroup) > 0;
  return get_nr_swap_pages(k) > 0;
}

/** Is aging the anon lists worth it? Only with swap configured. @kernel mm/vmscan.c can_age_anon_pages */
function can_age_anon_pages(k: Kernel): boolean {
  return k.total_swap_pages > 0;
}

/**
 * Pages reclaim could free in a zone: its file LRU pages, plus anon when swap has room; if that
 * is 0, its free pages (Debian's 6.1.x backport, so zones with free memory but no LRU pages are
 * not written off by should_reclaim_retry).
 * @kernel mm/vmscan.c zone_reclaimable_pages
 */
export function zone_reclaimable_pages(k: Kernel, z: zone): number {
  let nr = z.vm_stat[NR_ZONE_INACTIVE_FILE] + z.vm_stat[NR_ZONE_ACTIVE_FILE];
  if (can_reclaim_anon_pages(k)) nr += z.vm_stat[NR_ZONE_INACTIVE_ANON] + z.vm_stat[NR_ZONE_ACTIVE_ANON];
  return nr === 0 ? z.vm_stat[NR_FREE_PAGES] : nr;
}

/**
 * The size of a lruvec's list `lru` counting only zones up to `zone_idx`: its own pages
 * (mem_cgroup_get_zone_lru_size), which for a machine with no groups are the zones' counters.
 * @kernel mm/vmscan.c lruvec_lru_size
 */
function lruvec_lru_size(lv: lruvec, pgdat: pglist_data, lru: number, zone_idx: number): number {
  let size = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: zone_idx (sc.reclaim_idx) is at most MAX_NR_ZONES - 1, so the second bound never stops the loop
  for (let zid = 0; zid <= zone_idx && zid < MAX_NR_ZONES; zid++) {
    const z = pgdat.node_zones[zid];
    // Stryker disable next-line ConditionalExpression: a zone without managed pages has no LRU pages to count
    if (!z.managed_zone()) continue;
    size += lv.lru_zone_size[zid * NR_LRU_LISTS + lru];
  }
  return size;
}

/**
 * Sleeps a reclaimer waiting for progress elsewhere: writeback completing (up to HZ/10, or until
 * enough throttled writeback finished), isolated pages coming back (HZ/50), or a jiffy when
 * reclaim is making no progress. kswapd's naps let the tasks run.
 * @kernel mm/vmscan.c reclaim_throttle
 */
export function reclaim_throttle(k: Kernel, pgdat: pglist_data, reason: number): void {
  let timeout: number;
  switch (reason) {
    case VMSCAN_THROTTLE_WRITEBACK:
      timeout = 25 * JIFFY_NS; // HZ/10
      if (++pgdat.nr_writeback_throttled === 1) pgdat.nr_reclaim_start = pgdat.vm_stat[NR_THROTTLED_WRITTEN];
      break;
    case VMSCAN_THROTTLE_ISOLATED:
      timeout = 5 * JIFFY_NS; // HZ/50
      break;
    default:
      // CONGESTED, NOPROGRESS: one jiffy, unless waiting would not help (then only a
      // scheduling point).
      if (skip_throttle_noprogress(k, pgdat)) {
        check_preempt_tick(k);
        cond_resched(k);
        return;
      }
      timeout = JIFFY_NS;
  }
  if (reason === VMSCAN_THROTTLE_WRITEBACK) {
    // __acct_reclaim_writeback wakes the throttled once SWAP_CLUSTER_MAX pages per sleeper have
    // been written: sleep until then, or the timeout.
    const deadline = k.now_ns + timeout;
    const want = pgdat.nr_reclaim_start + SWAP_CLUSTER_MAX * pgdat.nr_writeback_throttled;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: at the deadline the body sleeps 0 ns, which breaks the loop
    while (k.now_ns < deadline && pgdat.vm_stat[NR_THROTTLED_WRITTEN] <= want) {
      const before = k.now_ns;
      // Stryker disable next-line ArithmeticOperator: the timeouts (HZ/10) are whole multiples of the 100 µs poll, so the last poll ends at the deadline either way
      schedule_timeout(k, Math.min(deadline - k.now_ns, 100_000));
      if (k.now_ns === before) break;
    }
    pgdat.nr_writeback_throttled--;
  } else {
    schedule_timeout(k, timeout);
  }
}

/**
 * Throttling a reclaimer without progress only helps while much of what is reclaimable is
 * waiting for writeback; with kswapd given up on the node the system is near OOM anyway.
 * @kernel mm/vmscan.c skip_throttle_noprogress
 */
function skip_throttle_noprogress(k: Kernel, pgdat: pglist_data): boolean {
  if (pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES) return true;
  let reclaimable = 0;
  let write_pending = 0;
  for (const z of pgdat.node_zones) {
    // Stryker disable next-line ConditionalExpression: a zone without managed pages has no reclaimable, free or write-pending pages
    if (!z.managed_zone()) continue;
    reclaimable += zone_reclaimable_pages(k, z);
    write_pending += z.vm_stat[NR_ZONE_WRITE_PENDING];
  }
  return 2 * write_pending <= reclaimable;
}

// ---------------------------------------------------------------------------------------------
// Isolation and putback
// ---------------------------------------------------------------------------------------------

/**
 * Takes up to `nr_to_scan` pages from the tail of list `lru` onto local list `dst`, each with a
 * reference and PG_lru cleared. Pages of zones above reclaim_idx are skipped (and put back at the
 * head, PGSCAN_SKIP_*); pages reclaim may not unmap rotate to the head. Returns the pages taken;
 * `nr_scanned[0]` gets the pages looked at, skipped ones included.
 * @kernel mm/vmscan.c isolate_lru_folios
 */
export function isolate_lru_folios(
  k: Kernel,
  nr_to_scan: number,
  lv: lruvec,
  pgdat: pglist_data,
  lists: Int32Array,
  dst: number,
  nr_scanned: Float64Array,
  sc: scan_control,
  lru: number,
): number {
  const mem = k.mem_map;
  const links = mem.lru;
  const src = lv.lists;
  const nr_zone_taken = sc.nr_zone_taken;
  const nr_skipped = sc.nr_skipped;
  nr_zone_taken.fill(0);
  nr_skipped.fill(0);
  let nr_taken = 0;
  let total_scan = 0;
  let scan = 0;
  while (scan < nr_to_scan && src[lru] !== NO_PFN) {
    const pfn = links.prev[src[lru]]; // lru_to_folio: the tail
    total_scan++;
    const zid = folio_zone(k, pfn).zone_idx;
    if (zid > sc.reclaim_idx) {
      nr_skipped[zid]++;
      links.list_move(src, lru, lists, L_SKIPPED, pfn);
      continue;
    }
    scan++;
    // folio_mapped, not the page's own mapcount: a PMD-mapped THP's head has mapcount 0 (its
    // mapping is counted in compound_mapcount), and must not pass for unmapped.
    if ((mem.flags[pfn] & LRU) === 0 || (!sc.may_unmap && folio_mapped(k, pfn)) || mem._refcount[pfn] === 0) {
      // move_to = src: rotate it to the head.
      links.list_move(src, lru, src, lru, pfn);
      continue;
    }
    mem._refcount[pfn]++;
    mem.flags[pfn] &= ~LRU;
    // A THP counts its folio_nr_pages, as the LRU sizes do.
    const nr_pages = (mem.flags[pfn] & HEAD) === 0 ? 1 : folio_nr_pages(mem, pfn);
    nr_taken += nr_pages;
    nr_zone_taken[zid] += nr_pages;
    links.list_move(src, lru, lists, dst, pfn);
  }
  if (lists[L_SKIPPED] !== NO_PFN) {
    links.list_splice(lists, L_SKIPPED, src, lru);
    for (let zid = 0; zid < MAX_NR_ZONES; zid++) if (nr_skipped[zid]) k.vm_events[PGSCAN_SKIP_DMA + zid] += nr_skipped[zid];
  }
  for (let zid = 0; zid < MAX_NR_ZONES; zid++) if (nr_zone_taken[zid]) update_lru_size(k, lv, pgdat.node_zones[zid], lru, -nr_zone_taken[zid]);
  nr_scanned[0] = total_scan;
  if (k.trace.active) {
    trace(k, "mm_vmscan_lru_isolate", `isolate_mode=${sc.may_unmap ? 0 : ISOLATE_UNMAPPED} classzone=${sc.reclaim_idx} order=${sc.order} nr_requested=${nr_to_scan} nr_scanned=${total_scan} nr_skipped=${total_scan - scan} nr_taken=${nr_taken} lru=${lru_names[lru]}`);
  }
  return nr_taken;
}

const lru_names = Object.freeze(["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"]);

/**
 * Puts isolated pages back on the lists their flags name, dropping the isolation reference;
 * pages whose last reference that was are left on `list` for the caller to free. Active pages
 * age the workingset clock. Returns the number put back.
 * @kernel mm/vmscan.c move_folios_to_lru
 */
export function move_folios_to_lru(k: Kernel, lists: Int32Array, list: number, keepFree: number): number {
  const mem = k.mem_map;
  const links = mem.lru;
  let nr_moved = 0;
  while (lists[list] !== NO_PFN) {
    const pfn = links.prev[lists[list]];
    if (mem.flags[pfn] & LRU) throw new KernelBug("move_folios_to_lru: page already on an LRU", { pfn });
    links.list_del(lists, list, pfn);
    if (!folio_evictable(k, pfn)) {
      // folio_putback_lru: through the lru_add batch, which culls it to the unevictable list.
      folio_add_lru(k, pfn);
      put_page(k, pfn);
      continue;
    }
    if (mem._refcount[pfn] === 1) {
      // folio_put_testzero hit 0: __folio_clear_lru_flags, then the caller frees it.
      mem.flags[pfn] &= ~(ACTIVE | UNEVICTABLE);
      links.list_add(lists, keepFree, pfn);
      continue;
    }
    mem._refcount[pfn]--;
    mem.flags[pfn] |= LRU;
    lruvec_add_folio(k, pfn);
    nr_moved++;
    if (mem.flags[pfn] & ACTIVE) folio_zone(k, pfn).zone_pgdat.__lruvec.nonresident_age++;
  }
  return nr_moved;
}

/** free_unref_page_list for reclaimed pages: each holds exactly the one reference we drop. */
export function free_folio_list(k: Kernel, lists: Int32Array, list: number): void {
  const links = k.mem_map.lru;
  while (lists[list] !== NO_PFN) {
    const pfn = lists[list];
    links.list_del(lists, list, pfn);
    if (k.mem_map._refcount[pfn] !== 1) throw new KernelBug("reclaim freeing a page someone else holds", { pfn, refcount: k.mem_map._refcount[pfn] });
    put_page(k, pfn);
  }
}

// ---------------------------------------------------------------------------------------------
// shrink_folio_list
// ---------------------------------------------------------------------------------------------

/**
 * Was the page used since reclaim last looked? Mapped pages referenced twice (two young PTEs, or
 * a young PTE and PG_referenced) are activated, once are kept for another trip; unreferenced ones
 * are reclaimed.
 * @kernel mm/vmscan.c folio_check_references
 */
function folio_check_references(k: Kernel, pfn: number, sc: scan_control): number {
  const mem = k.mem_map;
  const vm_flags_out = sc.vm_flags_out;
  vm_flags_out[0] = 0;
  const referenced_ptes = folio_mapped(k, pfn) ? folio_referenced(k, pfn, vm_flags_out) : 0;
  const referenced_folio = (mem.flags[pfn] & REFERENCED) !== 0;
  mem.flags[pfn] &= ~REFERENCED;
  const vm_flags = vm_flags_out[0];
  if (vm_flags & VM_LOCKED) return FOLIOREF_ACTIVATE;
  if (referenced_ptes) {
    mem.flags[pfn] |= REFERENCED;
    if (referenced_folio || referenced_ptes > 1) return FOLIOREF_ACTIVATE;
    if (vm_flags & VM_EXEC && folio_is_file_lru(mem.flags[pfn])) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  if (referenced_folio && folio_is_file_lru(mem.flags[pfn])) return FOLIOREF_RECLAIM_CLEAN;
  return FOLIOREF_RECLAIM;
}

/**
 * Writes a dirty page out. Swap-cache pages go to their slot (swap_writepage); a page cache
 * folio goes to its mapping's ->writepage (shmem_writepage: to swap), and one whose mapping has
 * none (the block filesystems', written by the flushers) is activated.
 * @kernel mm/vmscan.c pageout
 */
function pageout(k: Kernel, pfn: number): number {
  const mem = k.mem_map;
  // is_page_cache_freeable: our isolation reference and the cache's, nobody else's.
  if (mem._refcount[pfn] !== 2) return PAGE_KEEP;
  const f = mem.flags[pfn];
  if ((f & SWAPCACHE) === 0) {
    const mapping = mem.mapping[pfn] > 0 ? mapping_by_id(k, mem.mapping[pfn]) : undefined;
    if (mapping === undefined) return PAGE_KEEP;
    const writepage = mapping.a_ops.writepage;
    if (writepage === undefined) return PAGE_ACTIVATE;
    if ((f & DIRTY) === 0) return PAGE_CLEAN;
    // folio_clear_dirty_for_io (a mapping with a ->writepage, shmem's, has no dirty accounting),
    // folio_set_reclaim.
    mem.flags[pfn] = (f & ~DIRTY) | RECLAIM;
    if (writepage(k, mapping, pfn, RECLAIM_WBC) === AOP_WRITEPAGE_ACTIVATE) {
      mem.flags[pfn] &= ~RECLAIM;
      return PAGE_ACTIVATE;
    }
  } else {
    if ((f & DIRTY) === 0) return PAGE_CLEAN;
    mem.flags[pfn] = (f & ~DIRTY) | RECLAIM; // folio_clear_dirty_for_io, folio_set_reclaim
    swap_writepage(k, pfn);
  }
  if ((mem.flags[pfn] & WRITEBACK) === 0) mem.flags[pfn] &= ~RECLAIM;
  folio_zone(k, pfn).zone_pgdat.vm_stat[NR_VMSCAN_WRITE]++;
  reclaim_cost(k, RECLAIM_COST.pageout_ns);
  return PAGE_SUCCESS;
}

/**
 * Detaches a clean, unused page from its mapping, leaving a shadow entry. For a swap-cache page:
 * the slot keeps the shadow and loses the cache's claim. Fails if someone else holds a reference
 * or the page was dirtied again. On success the page holds only the caller's reference.
 * @kernel mm/vmscan.c __remove_mapping
 */
function __remove_mapping(k: Kernel, pfn: number, reclaimed: boolean): boolean {
  const mem = k.mem_map;
  // folio_ref_freeze(folio, 1 + nr_pages): the isolation reference and the cache's.
  if (mem._refcount[pfn] !== 2) return false;
  const f = mem.flags[pfn];
  if (f & DIRTY) return false;
  if (f & SWAPCACHE) {
    const entry = mem.private[pfn];
    const shadow = reclaimed ? workingset_eviction(k, pfn) : 0;
    __delete_from_swap_cache(k, pfn, entry, shadow);
    put_swap_folio(k, pfn, entry);
    mem._refcount[pfn]--; // the cache's reference
    return true;
  }
  // A page cache folio (clean: shmem's stay dirty while cached and never get here). Reclaim of a
  // file-LRU folio leaves a workingset shadow in its slot, which a refault reads back.
  const mapping = mapping_by_id(k, mem.mapping[pfn]);
  if (mapping === undefined) return false;
  const shadow = reclaimed && (f & SWAPBACKED) === 0 && (mapping.flags & AS_EXITING) === 0 ? workingset_eviction(k, pfn) : 0;
  __filemap_remove_folio(k, pfn, shadow);
  mem._refcount[pfn]--; // the cache's reference
  return true;
}

/**
 * Tries to free each isolated page; returns how many it freed. Survivors go back on `list` with
 * PG_active set for those to activate. `ignore_references` (reclaim_pages) only turns off
 * MGLRU's check for pages its aging promoted meanwhile.
 * @kernel mm/vmscan.c shrink_folio_list
 */
export function shrink_folio_list(k: Kernel, lists: Int32Array, list: number, pgdat: pglist_data, sc: scan_control, stat: reclaim_stat, ignore_references = false): number {
  const mem = k.mem_map;
  const links = mem.lru;
  const ret = local_lists(sc.folio_ret_lists);
  let nr_reclaimed = 0;
  let cost = 0;
  stat.reset();
  while (lists[list] !== NO_PFN) {
    const pfn = links.prev[lists[list]];
    links.list_del(lists, list, pfn);
    cost += RECLAIM_COST.scan_ns;
    let f = mem.flags[pfn];
    // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
    let action: "keep" | "keep_locked" | "activate" | "free" = "keep";
    let references = FOLIOREF_RECLAIM;
    decide: {
      if (f & LOCKED) break decide; // folio_trylock failed (I/O in flight): keep
      if (f & ACTIVE) throw new KernelBug("shrink_folio_list: active page on the inactive list", { pfn });
      sc.nr_scanned++;
      if (!folio_evictable(k, pfn)) {
        action = "activate";
        break decide;
      }
      if (!sc.may_unmap && folio_mapped(k, pfn)) {
        // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
        action = "keep_locked";
        break decide;
      }
      // folio_update_gen() tried to promote this page?
      if (!ignore_references && folio_mapped(k, pfn) && (f & REFERENCED) !== 0 && lru_gen_enabled(k)) {
        // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
        action = "keep_locked";
        break decide;
      }
      // folio_check_dirty_writeback: anon pages report neither (their writeback is swap's).
      const file = folio_is_file_lru(f);
      const dirty = file && (f & DIRTY) !== 0;
      const writeback = file && (f & WRITEBACK) !== 0;
      if (dirty || writeback) stat.nr_dirty++;
      if (dirty && !writeback) stat.nr_unqueued_dirty++;
      if (writeback && f & RECLAIM) stat.nr_congested++;

      if (f & WRITEBACK) {
        if (sc.kswapd && f & RECLAIM && pgdat.flags & PGDAT_WRITEBACK) {
          // Case 1: kswapd keeps meeting pages under writeback it started: throttle later.
          stat.nr_immediate++;
        } else {
          // Case 2: global reclaim never waits on a page; mark it so its completion rotates it.
          mem.flags[pfn] = f | RECLAIM;
          stat.nr_writeback++;
        }
        action = "activate";
        break decide;
      }

      references = folio_check_references(k, pfn, sc);
      f = mem.flags[pfn];
      if (references === FOLIOREF_ACTIVATE) {
        action = "activate";
        break decide;
      }
      if (references === FOLIOREF_KEEP) {
        stat.nr_ref_keep++;
        // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
        action = "keep_locked";
        break decide;
      }

      const anon = mem.mapping[pfn] < 0;
      if (anon && f & SWAPBACKED && (f & SWAPCACHE) === 0) {
        if ((sc.gfp_mask & __GFP_IO) === 0) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        if (f & HEAD) {
          // Simplified: 6.1 (THP_SWAP) first tries to swap the THP out whole; the model's swap
          // takes single pages, so it splits the folio onto this list as 6.1 does when that
          // fails (split_folio_to_list, thp_swpout_fallback), and goes on with the head page.
          if (split_huge_page_to_list(k, pfn, lists, list) !== 0) {
            action = "activate";
            break decide;
          }
          k.vm_events[THP_SWPOUT_FALLBACK]++;
          f = mem.flags[pfn];
        }
        if (!add_to_swap(k, pfn)) {
          action = "activate";
          break decide;
        }
        f = mem.flags[pfn];
      }

      if (mem.mapcount[pfn] > 0) {
        cost += RECLAIM_COST.unmap_ns;
        try_to_unmap(k, pfn, TTU_BATCH_FLUSH);
        if (mem.mapcount[pfn] > 0) {
          stat.nr_unmap_fail++;
          action = "activate";
          break decide;
        }
        f = mem.flags[pfn];
      }

      if (f & DIRTY) {
        if (folio_is_file_lru(f) && (!sc.kswapd || !(f & RECLAIM) || !(pgdat.flags & PGDAT_DIRTY))) {
          pgdat.vm_stat[NR_VMSCAN_IMMEDIATE]++;
          mem.flags[pfn] = f | RECLAIM;
          action = "activate";
          break decide;
        }
        if (references === FOLIOREF_RECLAIM_CLEAN) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        // may_enter_fs: swap-cache pages on a block device need only __GFP_IO, others __GFP_FS.
        if ((sc.gfp_mask & __GFP_FS) === 0 && ((f & SWAPCACHE) === 0 || (sc.gfp_mask & __GFP_IO) === 0)) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        if (!sc.may_writepage) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        // The folio is dirty: flush the batch first if a writable entry may still be cached, so
        // no CPU writes to it after the I/O starts.
        try_to_unmap_flush_dirty(k);
        const r = pageout(k, pfn);
        if (r === PAGE_KEEP) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        if (r === PAGE_ACTIVATE) {
          action = "activate";
          break decide;
        }
        if (r === PAGE_SUCCESS) {
          stat.nr_pageout++;
          f = mem.flags[pfn];
          if (f & (WRITEBACK | DIRTY)) break decide; // keep: the write completes later
        }
        // PAGE_CLEAN, or a write that completed at once: free it below.
      }

      // Buffer heads attached (a block device's metadata page, a written ext2 page): release them
      // first; a held or dirty buffer keeps the folio (filemap_release_folio → try_to_free_buffers).
      if (f & PRIVATE) {
        if (!try_to_free_buffers(k, pfn)) {
          action = "activate";
          break decide;
        }
        f = mem.flags[pfn];
      }

      if (anon && (f & SWAPBACKED) === 0) {
        // MADV_FREE page left clean: discard it (folio_ref_freeze(folio, 1)).
        if (mem._refcount[pfn] !== 1) {
          // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
          action = "keep_locked";
          break decide;
        }
        k.vm_events[PGLAZYFREED]++;
      } else if (!__remove_mapping(k, pfn, true)) {
        // Stryker disable next-line StringLiteral: "keep" and "keep_locked" differ only in folio_unlock, which the model has no lock for
        action = "keep_locked";
        break decide;
      }
      action = "free";
    }
    if (action === "free") {
      nr_reclaimed++;
      cost += RECLAIM_COST.unmap_ns;
      links.list_add(ret, L_FREE, pfn);
      continue;
    }
    if (action === "activate") {
      f = mem.flags[pfn];
      if (f & SWAPCACHE && (vm_swap_full(k) || f & MLOCKED)) folio_free_swap(k, pfn);
      if ((mem.flags[pfn] & MLOCKED) === 0) {
        mem.flags[pfn] |= ACTIVE;
        stat.nr_activate[folio_is_file_lru(mem.flags[pfn]) ? 1 : 0]++;
      }
    }
    links.list_add(ret, L_RET, pfn);
  }
  // One flush for the whole batch's unmaps, before any of its pages is freed.
  try_to_unmap_flush(k);
  free_folio_list(k, ret, L_FREE);
  if (ret[L_RET] !== NO_PFN) links.list_splice(ret, L_RET, lists, list);
  k.vm_events[PGACTIVATE] += stat.nr_activate[0] + stat.nr_activate[1];
  reclaim_cost(k, cost);
  return nr_reclaimed;
}

// ---------------------------------------------------------------------------------------------
// The inactive and active lists
// ---------------------------------------------------------------------------------------------

/**
 * A memcg's lruvec on a node: the node's own for the root (and for global reclaim's target).
 * @kernel include/linux/memcontrol.h mem_cgroup_lruvec
 */
export function mem_cgroup_lruvec(memcg: mem_cgroup | null, pgdat: pglist_data): lruvec {
  return memcg === null || memcg.id === 0 ? pgdat.__lruvec : memcg.nodeinfo[pgdat.node_id];
}


/** Clears LRUVEC_CONGESTED on every memcg's lruvec of the node (kswapd found it balanced). @kernel mm/vmscan.c clear_pgdat_congested */
function clear_lruvec_congested(k: Kernel, pgdat: pglist_data): void {
  pgdat.__lruvec.flags &= ~LRUVEC_CONGESTED;
  // Stryker disable next-line ConditionalExpression: with no memcg, byId holds the root (skipped by its id) and freed ids (null), so the loop clears nothing either
  if (k.memcg.nr_memcgs === 0) return;
  for (const memcg of k.memcg.byId) if (memcg !== null && memcg.id !== 0) memcg.nodeinfo[pgdat.node_id].flags &= ~LRUVEC_CONGESTED;
}

/**
 * get_scan_count's protection: a memcg with an effective min or low (one below them was skipped
 * by shrink_node_memcgs unless this pass may reclaim from it) is scanned in proportion to its
 * usage above the protection — low, or min in the memcg_low_reclaim pass or when min ≥ low:
 * scan = lruvec_size - lruvec_size * protection / (max(usage, protection) + 1), at least
 * SWAP_CLUSTER_MAX, then >> priority. E.g. 4096 pages above a 2048-page low, usage 4100:
 * 4096 - 4096 · 2048 / 4101 = 2051.
 * @kernel mm/vmscan.c get_scan_count
 */
function protected_scan(k: Kernel, lv: lruvec, sc: scan_control, lruvec_size: number, scan: number): number {
  const memcg = lv.memcg;
  // Stryker disable next-line ConditionalExpression: only a memcg's lruvec gets here (get_scan_count tests memcg_id), and its memcg is never null
  if (memcg === null) return scan;
  const pr = mem_cgroup_protection(sc.target_mem_cgroup, memcg);
  const min = pr[0];
  const low = pr[1];
  if (!min && !low) return scan;
  // memory.low scaling: the pass that skipped it is retried with memcg_low_reclaim if nothing
  // else was freed (do_try_to_free_pages), as for a group below its low.
  let protection = min;
  if (!sc.memcg_low_reclaim && low > min) {
    protection = low;
    sc.memcg_low_skipped = true;
  }
  // "Avoid TOCTOU with earlier protection check": the usage, at least the protection applied.
  const cgroup_size = Math.max(page_counter_read(memcg.memory), protection);
  let s = lruvec_size - Math.floor((lruvec_size * protection) / (cgroup_size + 1));
  s = Math.max(s, SWAP_CLUSTER_MAX);
  void k;
  return shr(s, sc.priority);
}

/**
 * One node's reclaim over every memcg of the target's subtree (the whole hierarchy for global
 * reclaim), each in turn: skipped below its effective memory.min; below memory.low skipped too
 * unless this is the pass after one that found nothing else (memcg_low_reclaim), which counts a
 * MEMCG_LOW event. mem_cgroup_iter walks groups, not pages.
 * @kernel mm/vmscan.c shrink_node_memcgs
 */
function shrink_node_memcgs(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  const target = sc.target_mem_cgroup;
  // Stryker disable next-line ConditionalExpression,BlockStatement: with no memcg the loop below visits the root alone, whose lruvec is the node's: the same shrink_lruvec
  if (k.memcg.nr_memcgs === 0) {
    // The root alone: its lruvec is the node's.
    shrink_lruvec(k, pgdat.__lruvec, pgdat, sc);
    return;
  }
  // A full mem_cgroup_iter loop, its order worked out once per pass.
  for (const memcg of mem_cgroup_subtree(k, target)) {
    mem_cgroup_calculate_protection(k, target, memcg);
    if (mem_cgroup_below_min(target, memcg)) continue;
    if (mem_cgroup_below_low(target, memcg)) {
      if (!sc.memcg_low_reclaim) {
        sc.memcg_low_skipped = true;
        continue;
      }
      memcg_memory_event(memcg, MEMCG_LOW);
    }
    shrink_lruvec(k, mem_cgroup_lruvec(memcg, pgdat), pgdat, sc);
  }
}

/**
 * Reclaim for a memcg over its limit (memory.max, memory.high, memory.reclaim): at least
 * SWAP_CLUSTER_MAX pages from the memcg's subtree on every node, as the charging task
 * (PF_MEMALLOC, a memory stall for PSI). Returns the pages reclaimed.
 * @kernel mm/vmscan.c try_to_free_mem_cgroup_pages
 */
export function try_to_free_mem_cgroup_pages(k: Kernel, memcg: mem_cgroup, nr_pages: number, gfp_mask: number, reclaim_options: number): number {
  const sc = new scan_control();
  sc.nr_to_reclaim = Math.max(nr_pages, SWAP_CLUSTER_MAX);
  // (current_gfp_context(gfp_mask) & GFP_RECLAIM_MASK) | (GFP_HIGHUSER_MOVABLE & ~GFP_RECLAIM_MASK)
  sc.gfp_mask = (gfp_mask & GFP_RECLAIM_MASK_) | (GFP_HIGHUSER_MOVABLE & ~GFP_RECLAIM_MASK_);
  // Stryker disable next-line ArithmeticOperator: no zone lies above MAX_NR_ZONES - 1 and lruvec_lru_size stops there, so a larger reclaim_idx is the same
  sc.reclaim_idx = MAX_NR_ZONES - 1;
  sc.target_mem_cgroup = memcg;
  sc.priority = DEF_PRIORITY;
  sc.may_writepage = true;
  sc.may_unmap = true;
  sc.may_swap = (reclaim_options & MEMCG_RECLAIM_MAY_SWAP) !== 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: nothing in the model reads sc.proactive (6.1 reads it only to skip vmpressure, which is not modelled)
  sc.proactive = (reclaim_options & MEMCG_RECLAIM_PROACTIVE) !== 0;
  // node_zonelist(numa_node_id(), sc.gfp_mask)
  const zonelist = k.node_data[cpu_to_node(k, k.cpu)].node_zonelists;
  const pflags = psi_memstall_enter(k);
  k.reclaim_depth++;
  let nr_reclaimed: number;
  try {
    nr_reclaimed = do_try_to_free_pages(k, zonelist, sc);
  } finally {
    k.reclaim_depth--;
    psi_memstall_leave(k, pflags);
  }
  return nr_reclaimed;
}

/** GFP_RECLAIM_MASK (mm/internal.h): the bits reclaim keeps from the caller's mask. */
const GFP_RECLAIM_MASK_ =
  __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_ATOMIC | __GFP_NOLOCKDEP;

/**
 * Direct reclaimers wait while more pages are isolated than an eighth of the inactive list
 * (all of it without __GFP_IO|__GFP_FS), so many of them do not strip the lists at once.
 * @kernel mm/vmscan.c too_many_isolated
 */
function too_many_isolated(k: Kernel, pgdat: pglist_data, file: boolean, sc: scan_control): boolean {
  if (sc.kswapd) return false;
  let inactive = pgdat.vm_stat[file ? NR_INACTIVE_FILE : NR_INACTIVE_ANON];
  const isolated = pgdat.vm_stat[NR_ISOLATED_ANON + (file ? 1 : 0)];
  if ((sc.gfp_mask & (__GFP_IO | __GFP_FS)) === (__GFP_IO | __GFP_FS)) inactive = Math.floor(inactive / 8);
  return isolated > inactive;
}

/**
 * Scans up to nr_to_scan pages from the tail of an inactive list and reclaims what it can.
 * @kernel mm/vmscan.c shrink_inactive_list
 */
export function shrink_inactive_list(k: Kernel, nr_to_scan: number, lv: lruvec, pgdat: pglist_data, sc: scan_control, lru: number): number {
  const file = lru === LRU_INACTIVE_FILE;
  const ft = file ? 1 : 0;
  let stalled = false;
  while (too_many_isolated(k, pgdat, file, sc)) {
    if (stalled) return 0;
    stalled = true;
    reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_ISOLATED);
  }
  lru_add_drain(k);
  const lists = local_lists(sc.isolated_lists);
  const nr_taken = isolate_lru_folios(k, nr_to_scan, lv, pgdat, lists, L_SRC, sc.nr_scanned_out, sc, lru);
  const nr_scanned = sc.nr_scanned_out[0];
  pgdat.vm_stat[NR_ISOLATED_ANON + ft] += nr_taken;
  const scan_item = sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT;
  if (sc.target_mem_cgroup === null) k.vm_events[scan_item] += nr_scanned;
  // Stryker disable next-line ConditionalExpression: __count_memcg_events ignores the root memcg (id 0) itself
  if (lv.memcg_id !== 0) __count_memcg_events(k, mem_cgroup_from_id(k, lv.memcg_id), scan_item, nr_scanned);
  k.vm_events[PGSCAN_ANON + ft] += nr_scanned;
  if (nr_taken === 0) return 0;

  const stat = new reclaim_stat();
  const nr_reclaimed = shrink_folio_list(k, lists, L_SRC, pgdat, sc, stat);
  move_folios_to_lru(k, lists, L_SRC, L_FREE);
  pgdat.vm_stat[NR_ISOLATED_ANON + ft] -= nr_taken;
  const steal_item = sc.kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT;
  if (sc.target_mem_cgroup === null) k.vm_events[steal_item] += nr_reclaimed;
  // Stryker disable next-line ConditionalExpression: __count_memcg_events ignores the root memcg (id 0) itself
  if (lv.memcg_id !== 0) __count_memcg_events(k, mem_cgroup_from_id(k, lv.memcg_id), steal_item, nr_reclaimed);
  k.vm_events[PGSTEAL_ANON + ft] += nr_reclaimed;
  lru_note_cost(k, lv, pgdat, file, stat.nr_pageout);
  free_folio_list(k, lists, L_FREE);

  // Dirty folios reached the LRU's tail before the flusher wrote them (every one taken was dirty
  // and not queued): nudge the flushers in case they sleep.
  if (stat.nr_unqueued_dirty === nr_taken) wakeup_flusher_threads(k, WB_REASON_VMSCAN);
  sc.nr_dirty += stat.nr_dirty;
  sc.nr_congested += stat.nr_congested;
  sc.nr_unqueued_dirty += stat.nr_unqueued_dirty;
  sc.nr_writeback += stat.nr_writeback;
  sc.nr_immediate += stat.nr_immediate;
  sc.nr_taken += nr_taken;
  if (file) sc.nr_file_taken += nr_taken;
  if (k.trace.active) {
    trace(
      k,
      "mm_vmscan_lru_shrink_inactive",
      `nid=${pgdat.node_id} nr_scanned=${nr_scanned} nr_reclaimed=${nr_reclaimed} nr_dirty=${stat.nr_dirty} nr_writeback=${stat.nr_writeback} nr_congested=${stat.nr_congested} nr_immediate=${stat.nr_immediate} nr_activate_anon=${stat.nr_activate[0]} nr_activate_file=${stat.nr_activate[1]} nr_ref_keep=${stat.nr_ref_keep} nr_unmap_fail=${stat.nr_unmap_fail} priority=${sc.priority} flags=${file ? "RECLAIM_WB_FILE|RECLAIM_WB_ASYNC" : "RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"}`,
    );
  }
  return nr_reclaimed;
}

/**
 * Moves pages from an active list to the inactive one (marking them PG_workingset), except
 * referenced executable file pages, which get another round on the active list.
 * @kernel mm/vmscan.c shrink_active_list
 */
export function shrink_active_list(k: Kernel, nr_to_scan: number, lv: lruvec, pgdat: pglist_data, sc: scan_control, lru: number): void {
  const file = lru === LRU_ACTIVE_FILE;
  const ft = file ? 1 : 0;
  const mem = k.mem_map;
  const links = mem.lru;
  lru_add_drain(k);
  const lists = local_lists(sc.isolated_lists);
  const nr_taken = isolate_lru_folios(k, nr_to_scan, lv, pgdat, lists, L_SRC, sc.nr_scanned_out, sc, lru);
  const nr_scanned = sc.nr_scanned_out[0];
  pgdat.vm_stat[NR_ISOLATED_ANON + ft] += nr_taken;
  // Global PGREFILL only for global reclaim (`if (!cgroup_reclaim(sc))`), as shrink_inactive_list counts PGSCAN_*.
  if (sc.target_mem_cgroup === null) k.vm_events[PGREFILL] += nr_scanned;
  // Stryker disable next-line ConditionalExpression: __count_memcg_events ignores the root memcg (id 0) itself
  if (lv.memcg_id !== 0) __count_memcg_events(k, mem_cgroup_from_id(k, lv.memcg_id), PGREFILL, nr_scanned);
  let nr_rotated = 0;
  while (lists[L_SRC] !== NO_PFN) {
    const pfn = links.prev[lists[L_SRC]];
    links.list_del(lists, L_SRC, pfn);
    if (!folio_evictable(k, pfn)) {
      folio_add_lru(k, pfn);
      put_page(k, pfn);
      continue;
    }
    if (folio_mapped(k, pfn)) {
      const vm_flags = sc.vm_flags_out;
      vm_flags[0] = 0;
      if (folio_referenced(k, pfn, vm_flags) !== 0 && vm_flags[0] & VM_EXEC && folio_is_file_lru(mem.flags[pfn])) {
        nr_rotated++;
        links.list_add(lists, L_RET, pfn);
        continue;
      }
    }
    mem.flags[pfn] = (mem.flags[pfn] & ~ACTIVE) | WORKINGSET;
    links.list_add(lists, L_FREE, pfn); // l_inactive
  }
  const nr_activate = move_folios_to_lru(k, lists, L_RET, L_SKIPPED);
  const nr_deactivate = move_folios_to_lru(k, lists, L_FREE, L_SKIPPED);
  k.vm_events[PGDEACTIVATE] += nr_deactivate;
  // Stryker disable next-line ConditionalExpression: __count_memcg_events ignores the root memcg (id 0) itself
  if (lv.memcg_id !== 0) __count_memcg_events(k, mem_cgroup_from_id(k, lv.memcg_id), PGDEACTIVATE, nr_deactivate);
  pgdat.vm_stat[NR_ISOLATED_ANON + ft] -= nr_taken;
  free_folio_list(k, lists, L_SKIPPED);
  reclaim_cost(k, nr_scanned * RECLAIM_COST.scan_ns);
  if (k.trace.active) {
    trace(
      k,
      "mm_vmscan_lru_shrink_active",
      `nid=${pgdat.node_id} nr_taken=${nr_taken} nr_active=${nr_activate} nr_deactivated=${nr_deactivate} nr_referenced=${nr_rotated} priority=${sc.priority} flags=${file ? "RECLAIM_WB_FILE|RECLAIM_WB_ASYNC" : "RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"}`,
    );
  }
}

/** @kernel mm/vmscan.c shrink_list */
function shrink_list(k: Kernel, lru: number, nr_to_scan: number, lv: lruvec, pgdat: pglist_data, sc: scan_control): number {
  if (lru === LRU_ACTIVE_ANON || lru === LRU_ACTIVE_FILE) {
    if (sc.may_deactivate & (lru === LRU_ACTIVE_FILE ? DEACTIVATE_FILE : DEACTIVATE_ANON)) shrink_active_list(k, nr_to_scan, lv, pgdat, sc, lru);
    else sc.skipped_deactivate = true;
    return 0;
  }
  return shrink_inactive_list(k, nr_to_scan, lv, pgdat, sc, lru);
}

/**
 * Is the inactive list too small against the active one? The target ratio grows with the
 * square root of the LRU size in GiB: 1:1 under 1 GiB, 1:3 at 1 GiB, 1:10 at 10 GiB.
 * @kernel mm/vmscan.c inactive_is_low
 */
export function inactive_is_low(lv: lruvec, pgdat: pglist_data, inactive_lru: number): boolean {
  const inactive = lruvec_lru_pages(lv, pgdat, inactive_lru);
  const active = lruvec_lru_pages(lv, pgdat, inactive_lru + LRU_ACTIVE);
  const gb = Math.floor((inactive + active) / 262144);
  const inactive_ratio = gb ? int_sqrt(10 * gb) : 1;
  return inactive * inactive_ratio < active;
}

/**
 * Decides, per node, whether the active lists may be deactivated (they may when refaults showed
 * the workingset changing, or the inactive list is low) and whether the file cache is so small
 * that only anon can be reclaimed.
 * @kernel mm/vmscan.c prepare_scan_count
 */
export function prepare_scan_count(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  if (lru_gen_enabled(k)) return;
  // target_lruvec: the lruvec of the memcg reclaim works for (the node's own for global reclaim).
  const lv = mem_cgroup_lruvec(sc.target_mem_cgroup, pgdat);
  // "Flush the memory cgroup stats, so that we read accurate per-memcg lruvec stats for
  // heuristics" — every reclaim pass, global too: inactive_is_low reads memcg lruvecs' flushed
  // subtree counters (lruvec_lru_pages). Without memcgs there is nothing to flush.
  if (k.memcg.nr_memcgs !== 0) mem_cgroup_flush_stats(k);
  sc.anon_cost = lv.anon_cost;
  sc.file_cost = lv.file_cost;
  if (!sc.force_deactivate) {
    let refaults = lruvec_page_state(lv, pgdat, WORKINGSET_ACTIVATE_ANON);
    if (refaults !== lv.refaults[0] || inactive_is_low(lv, pgdat, LRU_INACTIVE_ANON)) sc.may_deactivate |= DEACTIVATE_ANON;
    else sc.may_deactivate &= ~DEACTIVATE_ANON;
    refaults = lruvec_page_state(lv, pgdat, WORKINGSET_ACTIVATE_FILE);
    if (refaults !== lv.refaults[1] || inactive_is_low(lv, pgdat, LRU_INACTIVE_FILE)) sc.may_deactivate |= DEACTIVATE_FILE;
    else sc.may_deactivate &= ~DEACTIVATE_FILE;
  } else {
    sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
  }
  let file = lruvec_lru_pages(lv, pgdat, LRU_INACTIVE_FILE);
  sc.cache_trim_mode = shr(file, sc.priority) > 0 && (sc.may_deactivate & DEACTIVATE_FILE) === 0;
  // The file_is_tiny check is for global reclaim only (!cgroup_reclaim(sc)).
  if (sc.target_mem_cgroup !== null) {
    sc.file_is_tiny = false;
    return;
  }

  let total_high_wmark = 0;
  let free = 0;
  for (const z of pgdat.node_zones) {
    free += z.vm_stat[NR_FREE_PAGES];
    if (z.managed_zone()) total_high_wmark += high_wmark_pages(z);
  }
  file = pgdat.vm_stat[NR_ACTIVE_FILE] + pgdat.vm_stat[NR_INACTIVE_FILE];
  const anon = pgdat.vm_stat[NR_INACTIVE_ANON];
  sc.file_is_tiny = file + free <= total_high_wmark && (sc.may_deactivate & DEACTIVATE_ANON) === 0 && shr(anon, sc.priority) > 0;
}

/**
 * How many pages of each evictable list to scan at this priority, into nr[lru] (nr[] of
 * NR_LRU_LISTS, as the kernel's `unsigned long *nr`): each list's size >> priority,
 * split between anon and file by swappiness and cost (SCAN_FRACT), or all one kind when swap is
 * unavailable (SCAN_FILE), the file cache is tiny (SCAN_ANON), there is plenty of inactive file
 * to trim (SCAN_FILE), or priority reached 0 with swappiness set (SCAN_EQUAL).
 *
 * Worked SCAN_FRACT example at swappiness 60 with equal costs (anon_cost = file_cost = c):
 * total = 2c, anon_cost' = file_cost' = 3c, total' = 6c; ap = 60 (6c + 1) / (3c + 1) ≈ 120,
 * fp = 140 (6c + 1) / (3c + 1) ≈ 280, so anon gets 120/400 = 30% of its share, file 70%.
 * @kernel mm/vmscan.c get_scan_count
 */
export function get_scan_count(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, nr: Float64Array): void {
  const swappiness = k.vm.swappiness;
  let scan_balance: number;
  let fraction0 = 0;
  let fraction1 = 0;
  let denominator = 1;
  if (!sc.may_swap || !can_reclaim_anon_pages_sc(k, sc)) scan_balance = SCAN_FILE;
  else if (!sc.priority && swappiness) scan_balance = SCAN_EQUAL;
  else if (sc.file_is_tiny) scan_balance = SCAN_ANON;
  else if (sc.cache_trim_mode) scan_balance = SCAN_FILE;
  else {
    scan_balance = SCAN_FRACT;
    let total_cost = sc.anon_cost + sc.file_cost;
    const anon_cost = total_cost + sc.anon_cost;
    const file_cost = total_cost + sc.file_cost;
    total_cost = anon_cost + file_cost;
    const ap = Math.floor((swappiness * (total_cost + 1)) / (anon_cost + 1));
    const fp = Math.floor(((200 - swappiness) * (total_cost + 1)) / (file_cost + 1));
    fraction0 = ap;
    fraction1 = fp;
    denominator = ap + fp;
  }
  for (let lru = LRU_INACTIVE_ANON; lru <= LRU_ACTIVE_FILE; lru++) {
    const file = lru >= LRU_INACTIVE_FILE;
    const lruvec_size = lruvec_lru_size(lv, pgdat, lru, sc.reclaim_idx);
    let scan = shr(lruvec_size, sc.priority);
    // Memory protection (memory.min/low): scan a protected memcg in proportion to how far its
    // usage exceeds its protection.
    // Stryker disable next-line ConditionalExpression: the root's lruvec has no memcg, for which protected_scan returns scan unchanged
    if (lv.memcg_id !== 0) scan = protected_scan(k, lv, sc, lruvec_size, scan);
    switch (scan_balance) {
      case SCAN_EQUAL:
        break;
      case SCAN_FRACT:
        // The root memcg is online: div64_u64, rounding down.
        scan = denominator ? Math.floor((scan * (file ? fraction1 : fraction0)) / denominator) : 0;
        break;
      default:
        if ((scan_balance === SCAN_FILE) !== file) scan = 0;
    }
    nr[lru] = scan;
  }
  nr[LRU_UNEVICTABLE] = 0;
}

/**
 * Scans the node's lists in SWAP_CLUSTER_MAX bites, round-robin, until get_scan_count's targets
 * are met — or, once enough was reclaimed (not in proportional direct reclaim at DEF_PRIORITY),
 * stops the smaller kind and scales the other down to keep the anon:file ratio. Then ages the
 * active anon list if the inactive one is low.
 * @kernel mm/vmscan.c shrink_lruvec
 */
export function shrink_lruvec(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control): void {
  if (lru_gen_enabled(k)) {
    lru_gen_shrink_lruvec(k, lv, pgdat, sc);
    return;
  }
  const nr = sc.lruvec_nr;
  const targets = sc.lruvec_targets;
  get_scan_count(k, lv, pgdat, sc, nr);
  targets.set(nr);
  let nr_reclaimed = 0;
  const nr_to_reclaim = sc.nr_to_reclaim;
  // Global direct reclaim at DEF_PRIORITY scans the whole proportion (cgroup and proactive reclaim stop at the target).
  const proportional_reclaim = sc.target_mem_cgroup === null && !sc.kswapd && sc.priority === DEF_PRIORITY;
  while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
    for (let lru = LRU_INACTIVE_ANON; lru <= LRU_ACTIVE_FILE; lru++) {
      if (nr[lru]) {
        const nr_to_scan = Math.min(nr[lru], SWAP_CLUSTER_MAX);
        nr[lru] -= nr_to_scan;
        nr_reclaimed += shrink_list(k, lru, nr_to_scan, lv, pgdat, sc);
      }
    }
    if (nr_reclaimed < nr_to_reclaim || proportional_reclaim) continue;
    const nr_file = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
    const nr_anon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
    if (!nr_file || !nr_anon) break;
    let lru: number;
    let percentage: number;
    if (nr_file > nr_anon) {
      const scan_target = targets[LRU_INACTIVE_ANON] + targets[LRU_ACTIVE_ANON] + 1;
      lru = LRU_INACTIVE_ANON;
      percentage = Math.floor((nr_anon * 100) / scan_target);
    } else {
      const scan_target = targets[LRU_INACTIVE_FILE] + targets[LRU_ACTIVE_FILE] + 1;
      lru = LRU_INACTIVE_FILE;
      percentage = Math.floor((nr_file * 100) / scan_target);
    }
    nr[lru] = 0;
    nr[lru + LRU_ACTIVE] = 0;
    lru = lru === LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
    let nr_scanned = targets[lru] - nr[lru];
    nr[lru] = Math.floor((targets[lru] * (100 - percentage)) / 100);
    nr[lru] -= Math.min(nr[lru], nr_scanned);
    lru += LRU_ACTIVE;
    nr_scanned = targets[lru] - nr[lru];
    nr[lru] = Math.floor((targets[lru] * (100 - percentage)) / 100);
    nr[lru] -= Math.min(nr[lru], nr_scanned);
  }
  sc.nr_reclaimed += nr_reclaimed;
  if (can_age_anon_pages(k) && inactive_is_low(lv, pgdat, LRU_INACTIVE_ANON)) shrink_active_list(k, SWAP_CLUSTER_MAX, lv, pgdat, sc, LRU_ACTIVE_ANON);
}

/**
 * One node's reclaim pass, and what kswapd learns from it: a pass whose isolated pages were all
 * under writeback marks the node PGDAT_WRITEBACK, and kswapd naps if it met pages it had already
 * queued for writeback (nr_immediate). A pass of kswapd or cgroup reclaim whose dirty file pages
 * were all congested (under writeback for reclaim) marks the target lruvec LRUVEC_CONGESTED, on
 * which the direct and cgroup reclaimers that follow wait a jiffy.
 * @kernel mm/vmscan.c shrink_node, shrink_node_memcgs
 */
function shrink_node(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  sc.nr_dirty = sc.nr_unqueued_dirty = sc.nr_congested = sc.nr_writeback = sc.nr_immediate = sc.nr_file_taken = sc.nr_taken = 0;
  const nr_reclaimed = sc.nr_reclaimed;
  const reclaimed_slab = k.slab.reclaimed_slab;
  reclaim_cost(k, RECLAIM_COST.shrink_node_ns);
  prepare_scan_count(k, pgdat, sc);
  shrink_node_memcgs(k, pgdat, sc);
  // shrink_slab: the registered shrinkers (shrinker.ts). Simplified: run once per pass as the
  // root memcg's shrink_slab, after every memcg's lruvec, and not in memcg reclaim (no shrinker
  // of the model is memcg-aware: shrink_slab_memcg would find none).
  if (sc.target_mem_cgroup === null) shrink_slab(k, sc.gfp_mask, pgdat.node_id, sc.priority);
  // current->reclaim_state: the slab pages the shrinkers' frees emptied count as reclaimed.
  sc.nr_reclaimed += k.slab.reclaimed_slab - reclaimed_slab;
  const reclaimable = sc.nr_reclaimed - nr_reclaimed > 0;
  if (sc.kswapd) {
    if (sc.nr_writeback && sc.nr_writeback === sc.nr_taken) pgdat.flags |= PGDAT_WRITEBACK;
    if (sc.nr_unqueued_dirty === sc.nr_file_taken) pgdat.flags |= PGDAT_DIRTY;
    if (sc.nr_immediate) reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_WRITEBACK);
  }
  const lv = mem_cgroup_lruvec(sc.target_mem_cgroup, pgdat);
  // Congested: every dirty file folio met was under writeback for reclaim. Cgroup reclaim marks
  // its target too (writeback_throttling_sane: cgroup v2), and do_try_to_free_pages clears it.
  if ((sc.kswapd || sc.target_mem_cgroup !== null) && sc.nr_dirty && sc.nr_dirty === sc.nr_congested) lv.flags |= LRUVEC_CONGESTED;
  if (!sc.kswapd && lv.flags & LRUVEC_CONGESTED) reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_CONGESTED);
  if (reclaimable) pgdat.kswapd_failures = 0;
}

/**
 * Global direct reclaim that freed nothing by priority 1 (under an eighth of what it scanned)
 * waits a jiffy for writeback before the allocator retries.
 * @kernel mm/vmscan.c consider_reclaim_throttle
 */
function consider_reclaim_throttle(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  if (sc.nr_reclaimed > sc.nr_scanned / 8) return;
  // kswapd and cgroup reclaim throttle on VMSCAN_THROTTLE_WRITEBACK instead.
  if (sc.kswapd || sc.target_mem_cgroup !== null) return;
  if (sc.priority === 1 && !sc.nr_reclaimed) reclaim_throttle(k, pgdat, VMSCAN_THROTTLE_NOPROGRESS);
}

/**
 * Reclaims from each node of the zonelist once (zones up to reclaim_idx).
 * @kernel mm/vmscan.c shrink_zones
 */
function shrink_zones(k: Kernel, zonelist: readonly zone[], sc: scan_control): void {
  let last_pgdat: pglist_data | null = null;
  let first_pgdat: pglist_data | null = null;
  for (const z of zonelist) {
    if (z.zone_idx > sc.reclaim_idx || !z.managed_zone()) continue;
    if (sc.nodemask !== null && !sc.nodemask.includes(z.node)) continue;
    if (first_pgdat === null) first_pgdat = z.zone_pgdat;
    if (z.zone_pgdat === last_pgdat) continue;
    last_pgdat = z.zone_pgdat;
    shrink_node(k, z.zone_pgdat, sc);
  }
  if (first_pgdat !== null) consider_reclaim_throttle(k, first_pgdat, sc);
}

/** Remembers the refault counts, so the next prepare_scan_count sees only new refaults. @kernel mm/vmscan.c snapshot_refaults */
function snapshot_refaults(k: Kernel, target: mem_cgroup | null, pgdat: pglist_data): void {
  if (lru_gen_enabled(k)) return;
  const lv = mem_cgroup_lruvec(target, pgdat);
  lv.refaults[0] = lruvec_page_state(lv, pgdat, WORKINGSET_ACTIVATE_ANON);
  lv.refaults[1] = lruvec_page_state(lv, pgdat, WORKINGSET_ACTIVATE_FILE);
}

/**
 * Direct reclaim's priority loop: shrink the zonelist at DEF_PRIORITY, then harder, until
 * nr_to_reclaim pages are freed; retry once forcing deactivation if it had skipped the active
 * lists.
 * @kernel mm/vmscan.c do_try_to_free_pages
 */
function do_try_to_free_pages(k: Kernel, zonelist: readonly zone[], sc: scan_control): number {
  const initial_priority = sc.priority;
  for (;;) {
    if (sc.target_mem_cgroup === null) k.vm_events[ALLOCSTALL_DMA + sc.reclaim_idx]++;
    do {
      sc.nr_scanned = 0;
      shrink_zones(k, zonelist, sc);
      if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
      if (sc.compaction_ready) break;
      // (Equivalent here: both callers start with may_writepage = !laptop_mode, which is true.)
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: may_writepage is already true in every caller (no laptop_mode)
      if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
    } while (--sc.priority >= 0);
    let last: pglist_data | null = null;
    for (const z of zonelist) {
      if (z.zone_idx > sc.reclaim_idx || z.zone_pgdat === last) continue;
      last = z.zone_pgdat;
      snapshot_refaults(k, sc.target_mem_cgroup, z.zone_pgdat);
      if (sc.target_mem_cgroup !== null) mem_cgroup_lruvec(sc.target_mem_cgroup, z.zone_pgdat).flags &= ~LRUVEC_CONGESTED;
    }
    if (sc.nr_reclaimed) return sc.nr_reclaimed;
    if (sc.compaction_ready) return 1;
    if (sc.skipped_deactivate) {
      sc.priority = initial_priority;
      sc.force_deactivate = true;
      sc.skipped_deactivate = false;
      continue;
    }
    // Untapped memory.low reserves: retry, now reclaiming from the protected memcgs too.
    if (sc.memcg_low_skipped) {
      sc.priority = initial_priority;
      sc.force_deactivate = false;
      sc.memcg_low_reclaim = true;
      sc.memcg_low_skipped = false;
      continue;
    }
    return 0;
  }
}

/**
 * The allocator's direct reclaim: free SWAP_CLUSTER_MAX pages from the zones the allocation may
 * use, as the allocating task (PF_MEMALLOC, a memory stall for PSI).
 * @kernel mm/vmscan.c try_to_free_pages
 * @kernel mm/page_alloc.c __perform_reclaim
 */
export function try_to_free_pages(k: Kernel, ac: alloc_context, order: number, gfp_mask: number): number {
  const sc = new scan_control();
  sc.nr_to_reclaim = SWAP_CLUSTER_MAX;
  sc.gfp_mask = gfp_mask;
  sc.reclaim_idx = gfp_zone(gfp_mask);
  sc.order = order;
  sc.nodemask = ac.nodemask;
  sc.priority = DEF_PRIORITY;
  sc.may_writepage = true;
  sc.may_unmap = true;
  sc.may_swap = true;
  if (k.trace.enabled("mm_vmscan_direct_reclaim_begin")) k.trace.emit("mm_vmscan_direct_reclaim_begin", { order, gfp_flags: show_gfp_flags(gfp_mask) }, `order=${order} gfp_flags=${show_gfp_flags(gfp_mask)}`);
  const pflags = psi_memstall_enter(k);
  k.reclaim_depth++;
  let nr_reclaimed: number;
  try {
    nr_reclaimed = do_try_to_free_pages(k, ac.zonelist, sc);
  } finally {
    k.reclaim_depth--;
    psi_memstall_leave(k, pflags);
  }
  if (k.trace.enabled("mm_vmscan_direct_reclaim_end")) k.trace.emit("mm_vmscan_direct_reclaim_end", { nr_reclaimed }, `nr_reclaimed=${nr_reclaimed}`);
  return nr_reclaimed;
}

/**
 * Takes one page off its LRU for a caller that will put it back (or free it): a reference, PG_lru
 * cleared. False if it was not on an LRU.
 * @kernel mm/vmscan.c folio_isolate_lru
 */
export function folio_isolate_lru(k: Kernel, pfn: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & LRU) === 0) return false;
  mem._refcount[pfn]++;
  lruvec_del_folio(k, pfn);
  mem.flags[pfn] &= ~LRU;
  return true;
}

/**
 * Reclaims the isolated pages on local list `list` (MADV_PAGEOUT): each node's pages go through
 * shrink_folio_list deactivated, with writeback, unmapping and swap allowed, as if reclaim had
 * found them; what cannot be freed goes back to the LRU (folio_putback_lru).
 * @kernel mm/vmscan.c reclaim_pages, reclaim_folio_list
 */
export function reclaim_pages(k: Kernel, lists: Int32Array, list: number): number {
  const mem = k.mem_map;
  const links = mem.lru;
  let nr_reclaimed = 0;
  const node = new Int32Array(1).fill(NO_PFN);
  k.reclaim_depth++; // memalloc_noreclaim_save
  try {
    while (lists[list] !== NO_PFN) {
      const nid = folio_zone(k, links.prev[lists[list]]).node;
      // Gather this node's pages (deactivated) in list order.
      for (let p = lists[list]; p !== NO_PFN; ) {
        const next = links.list_next(lists, list, p);
        if (folio_zone(k, p).node === nid) {
          mem.flags[p] &= ~ACTIVE;
          links.list_move_tail(lists, list, node, 0, p);
        }
        p = next;
      }
      const sc = new scan_control();
      sc.gfp_mask = GFP_KERNEL;
      sc.may_writepage = sc.may_unmap = sc.may_swap = true;
      nr_reclaimed += shrink_folio_list(k, node, 0, k.node_data[nid], sc, new reclaim_stat(), true);
      while (node[0] !== NO_PFN) {
        const p = links.prev[node[0]];
        links.list_del(node, 0, p);
        folio_add_lru(k, p);
        put_page(k, p);
      }
    }
  } finally {
    k.reclaim_depth--;
  }
  return nr_reclaimed;
}

// ---------------------------------------------------------------------------------------------
// kswapd
// ---------------------------------------------------------------------------------------------

/** Is any zone of the node up to highest_zoneidx boosted? @kernel mm/vmscan.c pgdat_watermark_boosted */
function pgdat_watermark_boosted(pgdat: pglist_data, highest_zoneidx: number): boolean {
  for (let i = highest_zoneidx; i >= 0; i--) {
    const z = pgdat.node_zones[i];
    if (z.managed_zone() && z.watermark_boost) return true;
  }
  return false;
}

/**
 * Balanced: some managed zone up to highest_zoneidx meets its high watermark at `order`.
 * @kernel mm/vmscan.c pgdat_balanced
 */
export function pgdat_balanced(k: Kernel, pgdat: pglist_data, order: number, highest_zoneidx: number): boolean {
  let any = false;
  for (let i = 0; i <= highest_zoneidx && i < MAX_NR_ZONES; i++) {
    const z = pgdat.node_zones[i];
    if (!z.managed_zone()) continue;
    any = true;
    if (zone_watermark_ok_safe(z, order, high_wmark_pages(z), highest_zoneidx)) return true;
  }
  return !any;
}

/** May kswapd sleep? Once balanced (clearing the congestion flags), or after giving up. @kernel mm/vmscan.c prepare_kswapd_sleep */
function prepare_kswapd_sleep(k: Kernel, pgdat: pglist_data, order: number, highest_zoneidx: number): boolean {
  if (pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES) return true;
  if (pgdat_balanced(k, pgdat, order, highest_zoneidx)) {
    clear_lruvec_congested(k, pgdat);
    pgdat.flags &= ~(PGDAT_DIRTY | PGDAT_WRITEBACK);
    return true;
  }
  return false;
}

/**
 * One kswapd pass over the node: target the zones' high watermarks, then shrink.
 * Returns whether it scanned at least its target (no need to raise priority).
 * @kernel mm/vmscan.c kswapd_shrink_node
 */
function kswapd_shrink_node(k: Kernel, pgdat: pglist_data, sc: scan_control): boolean {
  sc.nr_to_reclaim = 0;
  for (let z = 0; z <= sc.reclaim_idx; z++) {
    const zn = pgdat.node_zones[z];
    if (!zn.managed_zone()) continue;
    sc.nr_to_reclaim += Math.max(high_wmark_pages(zn), SWAP_CLUSTER_MAX);
  }
  shrink_node(k, pgdat, sc);
  if (sc.order && sc.nr_reclaimed >= 2 << sc.order) sc.order = 0; // compact_gap
  return sc.nr_scanned >= sc.nr_to_reclaim;
}

/** kswapd ages the active anon list each pass when the inactive one is low. @kernel mm/vmscan.c kswapd_age_node */
function kswapd_age_node(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  if (lru_gen_enabled(k)) {
    lru_gen_age_node(k, pgdat, sc);
    return;
  }
  if (!can_age_anon_pages(k)) return;
  if (!inactive_is_low(pgdat.__lruvec, pgdat, LRU_INACTIVE_ANON)) return;
  // Every memcg's active anon list, in mem_cgroup_iter order from the root.
  for (const memcg of mem_cgroup_subtree(k, null)) {
    shrink_active_list(k, SWAP_CLUSTER_MAX, mem_cgroup_lruvec(memcg, pgdat), pgdat, sc, LRU_ACTIVE_ANON);
  }
}

/**
 * kswapd's work: from DEF_PRIORITY down, shrink the node until a zone meets its high watermark
 * (first only reclaiming the watermark boost, without writeback or swap). Returns the order it
 * reclaimed for.
 * @kernel mm/vmscan.c balance_pgdat
 */
function balance_pgdat(k: Kernel, pgdat: pglist_data, order: number, highest_zoneidx: number): number {
  const sc = new scan_control();
  sc.gfp_mask = GFP_KERNEL;
  sc.order = order;
  sc.may_unmap = true;
  sc.kswapd = true;
  const pflags = psi_memstall_enter(k);
  k.vm_events[PAGEOUTRUN]++;
  const zone_boosts = new Float64Array(MAX_NR_ZONES);
  let nr_boost_reclaim = 0;
  for (let i = 0; i <= highest_zoneidx; i++) {
    const z = pgdat.node_zones[i];
    if (!z.managed_zone()) continue;
    nr_boost_reclaim += z.watermark_boost;
    zone_boosts[i] = z.watermark_boost;
  }
  const boosted = nr_boost_reclaim > 0;
  const start = k.now_ns;
  const kswapd = pgdat.kswapd;
  if (kswapd !== null) kswapd.preempted = false;
  k.reclaim_depth++;
  try {
    // The `for (;;)` → `for (; false;)` mutant cannot be instrumented: Stryker's switch puts the
    // label on an `if`, and `continue restart` below then fails to parse, so no test runs at all.
    // Stryker disable next-line ConditionalExpression: not instrumentable (see above)
    restart: for (;;) {
      sc.priority = DEF_PRIORITY;
      do {
        let nr_reclaimed = sc.nr_reclaimed;
        let raise_priority = true;
        sc.reclaim_idx = highest_zoneidx;
        const balanced = pgdat_balanced(k, pgdat, sc.order, highest_zoneidx);
        if (!balanced && nr_boost_reclaim) {
          nr_boost_reclaim = 0;
          continue restart;
        }
        if (!nr_boost_reclaim && balanced) break restart;
        if (nr_boost_reclaim && sc.priority === DEF_PRIORITY - 2) raise_priority = false;
        sc.may_writepage = !nr_boost_reclaim;
        sc.may_swap = !nr_boost_reclaim;
        kswapd_age_node(k, pgdat, sc);
        // (Equivalent here: below DEF_PRIORITY - 2 the boost is spent — boosted passes stop
        // raising the priority there — so may_writepage = !nr_boost_reclaim was just set true.)
        // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: may_writepage is already true below DEF_PRIORITY - 2
        if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
        sc.nr_scanned = 0;
        if (kswapd_shrink_node(k, pgdat, sc)) raise_priority = false;
        nr_reclaimed = sc.nr_reclaimed - nr_reclaimed;
        nr_boost_reclaim -= Math.min(nr_boost_reclaim, nr_reclaimed);
        if (nr_boost_reclaim && !nr_reclaimed) break;
        if (raise_priority || !nr_reclaimed) sc.priority--;
        // Preempted: kswapd has had its CFS slice and the allocating task gets the CPU.
        if (k.now_ns - start >= KSWAPD_SLICE_NS) {
          if (kswapd !== null) kswapd.preempted = true;
          break restart;
        }
      } while (sc.priority >= 1);
      if (!sc.nr_reclaimed) pgdat.kswapd_failures++;
      break;
    }
  } finally {
    k.reclaim_depth--;
  }
  if (boosted) {
    for (let i = 0; i <= highest_zoneidx; i++) {
      if (!zone_boosts[i]) continue;
      const z = pgdat.node_zones[i];
      z.watermark_boost -= Math.min(z.watermark_boost, zone_boosts[i]);
    }
    // As there is now likely space, kcompactd defragments pageblocks.
    // Stryker disable next-line OptionalChaining: compaction_init gives every node its kcompactd at boot
    pgdat.kcompactd?.wakeup(k, pageblock_order, highest_zoneidx);
  }
  snapshot_refaults(k, null, pgdat);
  psi_memstall_leave(k, pflags);
  return sc.order;
}

/**
 * How long kswapd runs before the scheduler gives the CPU back to the task it preempted: CFS's
 * slice with two runnable tasks, sysctl_sched_latency (6 ms) / 2. On the one CPU the model runs,
 * this is what lets an allocator outrun kswapd and fall into direct reclaim, as on w5's guest.
 * Simplified: a preempted balance_pgdat is not resumed where it stopped; kswapd's next turn
 * starts a new one (another pageoutrun).
 * @kernel kernel/sched/fair.c sched_slice
 */
export const KSWAPD_SLICE_NS = 3_000_000;
/** kswapd's wait-queue state per node (the kernel keeps it in the kthread's stack frame). */
const KSWAPD_SLEEPING = 0; // schedule(): only a wakeup brings it back
const KSWAPD_NAPPING = 1; // schedule_timeout(HZ/10) in kswapd_try_to_sleep
const KSWAPD_RUNNABLE = 2; // woken, or never balanced: runs at the next scheduling point

export class kswapd_thread {
  state = KSWAPD_SLEEPING;
  /** In the middle of a turn (kthread.on_cpu). */
  on_cpu = false;
  /** When the HZ/10 nap ends. */
  nap_until = 0;
  /** When a preempted kswapd gets the CPU back. */
  resume_at = 0;
  /** Until when the task is owed the CPU for kswapd's last run (CFS's fair share). */
  fair_at = 0;
  /** The last balance_pgdat ended because kswapd's slice ran out (the scheduler preempted it). */
  preempted = false;
  alloc_order = 0;
  reclaim_order = 0;
  highest_zoneidx = MAX_NR_ZONES - 1;
  constructor(
    readonly pgdat: pglist_data,
    readonly comm: string,
    public pid: number,
  ) {
    // Nanosecond times: doubles from the start, so the clock passing 2^31 ns mid-run does not
    // change kswapd's shape and deoptimise the scheduler loop (shape.ts).
    asDoubles<kswapd_thread>(this, "nap_until", "resume_at", "fair_at");
  }

  next_ns(k: Kernel): number {
    if (this.state === KSWAPD_RUNNABLE) return Math.max(k.now_ns, this.resume_at);
    if (this.state === KSWAPD_NAPPING) return this.nap_until;
    return Infinity;
  }

  /**
   * One turn of kswapd's loop: finish a nap (short sleep) or run balance_pgdat for what it was
   * woken for, then try to sleep again.
   * @kernel mm/vmscan.c kswapd, kswapd_try_to_sleep
   */
  run(k: Kernel): void {
    const pgdat = this.pgdat;
    if (this.state === KSWAPD_NAPPING) {
      // The HZ/10 nap ran out without a wakeup: if still balanced, sleep for real.
      if (prepare_kswapd_sleep(k, pgdat, this.reclaim_order, this.highest_zoneidx)) {
        if (k.trace.enabled("mm_vmscan_kswapd_sleep")) k.trace.emit("mm_vmscan_kswapd_sleep", { nid: pgdat.node_id }, `nid=${pgdat.node_id}`);
        this.state = KSWAPD_SLEEPING;
        return;
      }
      k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
    }
    // Woken (or never balanced): take what wakeup_kswapd asked for.
    this.alloc_order = pgdat.kswapd_order;
    this.highest_zoneidx = pgdat.kswapd_highest_zoneidx === MAX_NR_ZONES ? this.highest_zoneidx : pgdat.kswapd_highest_zoneidx;
    pgdat.kswapd_order = 0;
    pgdat.kswapd_highest_zoneidx = MAX_NR_ZONES;
    if (k.trace.enabled("mm_vmscan_kswapd_wake")) k.trace.emit("mm_vmscan_kswapd_wake", { nid: pgdat.node_id, zid: this.highest_zoneidx, order: this.alloc_order }, `nid=${pgdat.node_id} order=${this.alloc_order}`);
    const start = k.now_ns;
    this.reclaim_order = balance_pgdat(k, pgdat, this.alloc_order, this.highest_zoneidx);
    // CFS shares the CPU evenly between kswapd and the task it competes with: having run for
    // `used`, kswapd waits as long before a wakeup may preempt the task again.
    const used = k.now_ns - start;
    this.fair_at = k.now_ns + used;
    if (this.preempted) {
      // Still runnable: back on the CPU once the task has had its slice.
      this.state = KSWAPD_RUNNABLE;
      this.resume_at = this.fair_at;
      pgdat.kswapd_order = Math.max(pgdat.kswapd_order, this.alloc_order);
      return;
    }
    // kswapd_try_to_sleep: balanced (or given up) → nap HZ/10 on the wait queue; otherwise stay
    // runnable and loop at the next scheduling point, letting the tasks have the CPU meanwhile.
    if (prepare_kswapd_sleep(k, pgdat, this.reclaim_order, this.highest_zoneidx)) {
      // Compaction may succeed now: forget the blocks it failed on, and ask kcompactd for the
      // order kswapd was woken for.
      // (Both through the node's kcompactd object: vmscan.ts importing compaction.ts would close
      // an import cycle through the page tables.)
      // Stryker disable next-line OptionalChaining: compaction_init gives every node its kcompactd at boot
      pgdat.kcompactd?.reset_isolation_suitable(k);
      // Stryker disable next-line OptionalChaining: compaction_init gives every node its kcompactd at boot
      pgdat.kcompactd?.wakeup(k, this.alloc_order, this.highest_zoneidx);
      this.state = KSWAPD_NAPPING;
      this.nap_until = k.now_ns + 25 * JIFFY_NS;
    } else {
      // Neither check let it sleep and no nap was taken (remaining == 0): "high wmark hit quickly".
      k.vm_events[KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
      this.state = KSWAPD_RUNNABLE;
    }
  }

  /** task_is_running: on the CPU or waiting for it (TASK_RUNNING), not asleep or napping. */
  is_running(): boolean {
    return this.state === KSWAPD_RUNNABLE || this.on_cpu;
  }

  /** wake_up_interruptible(&pgdat->kswapd_wait). */
  wake(k: Kernel): void {
    if (this.state === KSWAPD_NAPPING) k.vm_events[KSWAPD_LOW_WMARK_HIT_QUICKLY]++;
    this.state = KSWAPD_RUNNABLE;
    // Wakeup preemption only if kswapd has not had more than its share of the CPU lately
    // (its vruntime is behind the task's); otherwise it waits for the task's turn to end.
    this.resume_at = this.fair_at;
    if (this.fair_at <= k.now_ns) k.need_resched = true;
  }
}

/**
 * Wakes the node's kswapd for an allocation that found a zone below its low watermark — unless
 * it is already running, has given up on the node, or the node is balanced and unboosted.
 * @kernel mm/vmscan.c wakeup_kswapd
 */
export function wakeup_kswapd(k: Kernel, z: zone, gfp_flags: number, order: number, highest_zoneidx: number): void {
  if (!z.managed_zone()) return;
  const pgdat = z.zone_pgdat;
  const curr_idx = pgdat.kswapd_highest_zoneidx;
  if (curr_idx === MAX_NR_ZONES || curr_idx < highest_zoneidx) pgdat.kswapd_highest_zoneidx = highest_zoneidx;
  if (pgdat.kswapd_order < order) pgdat.kswapd_order = order;
  const t = pgdat.kswapd;
  // !waitqueue_active: kswapd is running or about to (it waits on kswapd_wait only in
  // kswapd_try_to_sleep, asleep or napping).
  if (t === null || t.state === KSWAPD_RUNNABLE) return;
  // Balanced and unboosted, or given up: memory may be free but too fragmented, so a request
  // that may not compact itself wakes kcompactd (compaction_suitable decides).
  if (pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES || (pgdat_balanced(k, pgdat, order, highest_zoneidx) && !pgdat_watermark_boosted(pgdat, highest_zoneidx))) {
    // Stryker disable next-line OptionalChaining: compaction_init gives every node its kcompactd at boot
    if ((gfp_flags & __GFP_DIRECT_RECLAIM) === 0) pgdat.kcompactd?.wakeup(k, order, highest_zoneidx);
    return;
  }
  // The tracepoint's zid is the allocation's highest_zoneidx, not the zone's own index.
  if (k.trace.enabled("mm_vmscan_wakeup_kswapd")) k.trace.emit("mm_vmscan_wakeup_kswapd", { nid: pgdat.node_id, zid: highest_zoneidx, order, gfp_flags: show_gfp_flags(gfp_flags) }, `nid=${pgdat.node_id} order=${order} gfp_flags=${show_gfp_flags(gfp_flags)}`);
  t.wake(k);
}

/**
 * Starts kswapd<nid> for every node with memory and gives the allocator's slow path the real
 * reclaim: wakeup_kswapd, try_to_free_pages, zone_reclaimable_pages, and PF_MEMALLOC while
 * reclaiming (so reclaim's own allocations do not recurse into reclaim).
 * @kernel mm/vmscan.c kswapd_init, kswapd_run
 */
export function kswapd_init(k: Kernel): void {
  for (const pgdat of k.node_data) {
    pgdat.kswapd = new kswapd_thread(pgdat, `kswapd${pgdat.node_id}`, 0);
    kthread_run(k, pgdat.kswapd);
  }
  const hooks = k.mmHooks;
  hooks.wakeup_kswapd = wakeup_kswapd;
  hooks.try_to_free_pages = try_to_free_pages;
  hooks.zone_reclaimable_pages = zone_reclaimable_pages;
  hooks.current_flags = reclaim_current_flags;
}

/**
 * current->flags as far as the allocator asks: PF_MEMALLOC while reclaim runs on this context
 * (the only flag the model sets; reclaim sets and clears it around its work). A named function,
 * not a closure, so the hooks table stays data a snapshot can name.
 */
export function reclaim_current_flags(k: Kernel): number {
  return k.reclaim_depth > 0 ? PF_MEMALLOC : 0;
}
