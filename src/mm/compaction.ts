/**
 * Memory compaction: two scanners walk a zone towards each other, the migration scanner from the
 * start isolating movable pages (isolate_migratepages_block), the free scanner from the end
 * isolating free pages to move them into (isolate_freepages_block); migrate_pages moves each
 * isolated page to a free one until the scanners meet (or, for an allocation, until a free block
 * of the wanted order exists). Pageblock skip bits and the zone's cached scanner positions keep
 * repeated runs from rescanning blocks that failed; compaction_suitable and the fragmentation
 * index decide whether a run is worth starting; compaction_deferred backs off after failures.
 *
 * Entry points here: /proc/sys/vm/compact_memory and /sys/devices/system/node/nodeN/compact
 * (compact_nodes, compact_node: order -1, MIGRATE_SYNC, the whole zone, skip hints ignored), and
 * try_to_compact_pages for the allocator's slow path (compact_zone_order per zone).
 *
 * Counters: compact_migrate_scanned and compact_free_scanned (every pfn each scanner looked at,
 * a free block counting once for its head in the migration scanner and all its pages in the free
 * scanner), compact_isolated (pages isolated by either scanner), pgmigrate_success/fail
 * (migrate.ts), compact_stall/fail/success (the allocator).
 *
 * Simplified: no fast searches (fast_isolate_freepages and fast_find_migrateblock work only for
 * direct compaction of order > 0 / costly orders with skip hints honoured; compact_memory uses
 * neither, and the model scans linearly in every case); no capture_control (the allocator's next
 * get_page_from_freelist finds the compacted block); no non-LRU movable pages; no lock
 * contention, so COMPACT_CONTENDED comes only from a fatal signal; too_many_isolated aborts the
 * run instead of throttling (nothing else in the single-threaded model would release isolated
 * pages); no cond_resched inside a run (kthreads do not run in the middle of a compaction).
 * @kernel mm/compaction.c compact_zone, compact_finished, __compact_finished, compaction_suitable,
 *   __compaction_suitable, compaction_zonelist_suitable, isolate_migratepages,
 *   isolate_migratepages_block, isolate_freepages, isolate_freepages_block, compaction_alloc,
 *   compaction_free, release_freepages, split_map_pages, suitable_migration_source,
 *   suitable_migration_target, isolation_suitable, reset_cached_positions,
 *   pageblock_skip_persistent, __reset_isolation_pfn, __reset_isolation_suitable,
 *   reset_isolation_suitable, test_and_set_skip, update_cached_migrate, update_pageblock_skip,
 *   defer_compaction, compaction_deferred, compaction_defer_reset, compaction_restarting,
 *   compact_scanners_met, too_many_isolated, compact_zone_order, try_to_compact_pages,
 *   compact_node, compact_nodes, sysctl_compaction_handler, compact_store,
 *   isolate_migratepages_range, isolate_freepages_range
 * @kernel mm/vmstat.c fill_contig_page_info, __fragmentation_index, fragmentation_index,
 *   extfrag_for_order
 * @kernel mm/internal.h struct compact_control, compact_gap
 * @kernel include/trace/events/compaction.h mm_compaction_begin, mm_compaction_end,
 *   mm_compaction_isolate_migratepages, mm_compaction_isolate_freepages,
 *   mm_compaction_migratepages, mm_compaction_suitable, mm_compaction_finished
 */
import type { Kernel } from "../kernel/kernel.js";
import { pow2 } from "../lib/bitops.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import { registerVmSysctlEffect } from "../kernel/sysctl.js";
import { __GFP_FS, __GFP_IO, GFP_KERNEL } from "../include/linux/gfp_types.js";
import {
  type alloc_context,
  COMPACT_COMPLETE,
  COMPACT_CONTENDED,
  COMPACT_CONTINUE,
  COMPACT_DEFERRED,
  COMPACT_NO_SUITABLE_PAGE,
  COMPACT_NOT_SUITABLE_ZONE,
  COMPACT_PARTIAL_SKIPPED,
  COMPACT_PRIO_ASYNC,
  COMPACT_SKIPPED,
  COMPACT_SUCCESS,
  MIN_COMPACT_PRIORITY,
} from "./alloc_hooks.js";
import { gfp_migratetype } from "./gfp.js";
import { compound_head, F, folio_nr_pages, page_flags, PG_dirty, PG_head, PG_hugetlb, PG_lru, PG_swapbacked, PG_swapcache, PG_tail, PG_unevictable, PG_writeback } from "./memmap.js";
import { isolate_or_dissolve_huge_page } from "./hugetlb.js";
import { folio_mapcount } from "./rmap.js";
import { lruvec_del_folio } from "./mm_inline.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MIGRATE_SYNC_LIGHT, MR_COMPACTION, migrate_pages, putback_movable_pages } from "./migrate.js";
import { newListHeads } from "./list.js";
import { MIGRATE_MOVABLE, type pglist_data, type zone, low_wmark_pages, min_wmark_pages, wmark_pages, zone_names } from "./mmzone.js";
import { kthread_run, type kthread } from "../kernel/kthread.js";
import { asDoubles } from "../kernel/shape.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import {
  __isolate_free_page,
  __zone_watermark_ok,
  ALLOC_CMA,
  ALLOC_WMARK_MASK,
  buddy_order,
  drain_all_pages,
  drain_local_pages,
  find_suitable_fallback,
  free_area_empty,
  get_pageblock_migratetype,
  PageBuddy,
  post_alloc_hook,
  put_page,
  split_page,
  zone_watermark_ok,
} from "./page_alloc.js";
import { __GFP_MOVABLE } from "../include/linux/gfp_types.js";
import { lru_add_drain, lru_add_drain_all } from "./swap.js";
import { MAX_ORDER, NO_PFN, PAGE_ALLOC_COSTLY_ORDER, pageblock_nr_pages, pageblock_order } from "./types.js";
import {
  COMPACTFREE_SCANNED,
  COMPACTISOLATED,
  COMPACTMIGRATE_SCANNED,
  KCOMPACTD_FREE_SCANNED,
  KCOMPACTD_MIGRATE_SCANNED,
  KCOMPACTD_WAKE,
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
} from "./vmstat_items.js";
import { fatal_signal_pending, get_current } from "../kernel/sched.js";
import type { task_struct } from "../kernel/sched.js";

/** COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX: pages isolated per migration batch. */
export const COMPACT_CLUSTER_MAX = 32;
/** The deferral limit is 1 << 6 = 64 attempts. */
export const COMPACT_MAX_DEFER_SHIFT = 6;
/** isolate_mode_t bits (include/linux/mmzone.h). */
const ISOLATE_ASYNC_MIGRATE = 0x4;
const ISOLATE_UNEVICTABLE = 0x8;

/** The list indices of a compact_control's heads. */
const MIGRATEPAGES = 0;
const FREEPAGES = 1;

const EAGAIN = errnoValues.EAGAIN;
const EINTR = errnoValues.EINTR;
const ENOMEM = errnoValues.ENOMEM;
const EBUSY = errnoValues.EBUSY;

/** enum compact_result as the tracepoints print it (COMPACTION_STATUS). */
const compact_result_names: readonly string[] = Object.freeze([
  "not_suitable_zone",
  "skipped",
  "deferred",
  "no_suitable_page",
  "continue",
  "complete",
  "partial_skipped",
  "contended",
  "success",
]);

/**
 * One compaction run's state.
 * @kernel mm/internal.h struct compact_control
 */
export class compact_control {
  /** Heads of cc->migratepages [0] and cc->freepages [1], threaded through the lru links. */
  readonly lists = newListHeads(2);
  nr_freepages = 0;
  nr_migratepages = 0;
  free_pfn = 0;
  migrate_pfn = 0;
  total_migrate_scanned = 0;
  total_free_scanned = 0;
  /** -1: compact everything (compact_memory, proactive). */
  order = 0;
  gfp_mask = GFP_KERNEL;
  alloc_flags = 0;
  highest_zoneidx = 0;
  migratetype = MIGRATE_MOVABLE;
  mode = MIGRATE_SYNC;
  ignore_skip_hint = false;
  no_set_skip_hint = false;
  ignore_block_suitable = false;
  direct_compaction = false;
  proactive_compaction = false;
  whole_zone = false;
  contended = false;
  rescan = false;
  alloc_contig = false;
  /** isolate_freepages' `&isolate_start_pfn`, handed to isolate_freepages_block. */
  readonly isolate_start_pfn = new Float64Array(1);
  /** Out-parameter of migrate_pages. */
  readonly nr_succeeded = new Int32Array(1);
  constructor(
    public zone: zone,
    /** The task compacting (fatal_signal_pending), or null for a kernel thread. */
    public current_task: task_struct | null = null,
  ) {}
}

const pageblock_start_pfn = (pfn: number): number => pfn - (pfn & (pageblock_nr_pages - 1));
const pageblock_end_pfn = (pfn: number): number => pageblock_start_pfn(pfn) + pageblock_nr_pages;
const pageblock_aligned = (pfn: number): boolean => (pfn & (pageblock_nr_pages - 1)) === 0;
/** block_start_pfn / block_end_pfn of the cc->order-aligned block (order -1 counts as 0). */
const block_start_pfn = (pfn: number, order: number): number => pfn - (pfn & ((1 << Math.max(order, 0)) - 1));
const block_end_pfn = (pfn: number, order: number): number => block_start_pfn(pfn, order) + (1 << Math.max(order, 0));

function zone_end_pfn(z: zone): number {
  return z.zone_start_pfn + z.spanned_pages;
}

function is_via_compact_memory(order: number): boolean {
  return order === -1;
}

/** compact_gap: twice the request, room for the free pages migration needs. */
export function compact_gap(order: number): number {
  return 2 << order;
}

function fatal_pending(cc: compact_control): boolean {
  return cc.current_task !== null && fatal_signal_pending(cc.current_task);
}

// ---- the fragmentation index (mm/vmstat.c) ----

/**
 * Free blocks, free pages, and how many order-`suitable_order` blocks the free blocks make.
 * @kernel mm/vmstat.c fill_contig_page_info
 */
export function fill_contig_page_info(z: zone, suitable_order: number, info: Float64Array): void {
  let free_blocks_total = 0;
  let free_pages = 0;
  let free_blocks_suitable = 0;
  for (let order = 0; order < MAX_ORDER; order++) {
    const blocks = z.free_area[order].nr_free;
    free_blocks_total += blocks;
    free_pages += blocks * pow2(order);
    if (order >= suitable_order) free_blocks_suitable += blocks * pow2(order - suitable_order);
  }
  info[0] = free_blocks_total;
  info[1] = free_pages;
  info[2] = free_blocks_suitable;
}

/**
 * The fragmentation index for an order-`order` request, times 1000: -1000 when a block is free,
 * towards 0 when the failure is for lack of memory, towards 1000 when it is fragmentation.
 * 60367 free order-0 pages and nothing else, order 9: 1000 - (1000 + 60367000/512) / 60367
 * = 1000 - 1 = 999 (integer division), far above extfrag_threshold's 500.
 * @kernel mm/vmstat.c __fragmentation_index, fragmentation_index
 */
export function fragmentation_index(z: zone, order: number): number {
  const info = new Float64Array(3);
  fill_contig_page_info(z, order, info);
  return __fragmentation_index(order, info);
}

/** The index from fill_contig_page_info's three numbers. @kernel mm/vmstat.c __fragmentation_index */
function __fragmentation_index(order: number, info: Float64Array): number {
  if (order >= MAX_ORDER) return 0;
  if (!info[0]) return 0;
  if (info[2]) return -1000;
  return 1000 - Math.floor((1000 + Math.floor((info[1] * 1000) / pow2(order))) / info[0]);
}

/**
 * The percentage of free memory in blocks too small for an order-`order` request.
 * @kernel mm/vmstat.c extfrag_for_order
 */
export function extfrag_for_order(z: zone, order: number): number {
  const info = new Float64Array(3);
  fill_contig_page_info(z, order, info);
  if (info[1] === 0) return 0;
  return Math.floor(((info[1] - info[2] * pow2(order)) * 100) / info[1]);
}

// ---- /sys/kernel/debug/extfrag (mm/vmstat.c, CONFIG_DEBUG_FS) ----

/**
 * The unusable free space index, times 1000: the share of free memory in blocks smaller than
 * 2^order pages (1000 with no free memory at all).
 * @kernel mm/vmstat.c unusable_free_index
 */
function unusable_free_index(order: number, info: Float64Array): number {
  if (info[1] === 0) return 1000;
  return Math.floor(((info[1] - info[2] * pow2(order)) * 1000) / info[1]);
}

/**
 * printf("%Wd.%03d ", index / 1000, index % 1000) for the indexes here: -1000, or 0 to 1000
 * (C's division truncates towards zero, as Math.trunc; -1000 % 1000 is 0).
 */
function thousandths(index: number, width: number): string {
  return `${String(Math.trunc(index / 1000)).padStart(width)}.${String(Math.abs(index % 1000)).padStart(3, "0")} `;
}

/**
 * One zone's line of /sys/kernel/debug/extfrag/unusable_index ("%d.%03d " per order) or of
 * extfrag_index ("%2d.%03d ", the fragmentation index, -1.000 where a block is free).
 * @kernel mm/vmstat.c unusable_show_print, extfrag_show_print
 */
export function extfrag_zone_line(nid: number, z: zone, unusable: boolean): string {
  const info = new Float64Array(3);
  let line = `Node ${nid}, zone ${z.name.padStart(8)} `;
  for (let order = 0; order < MAX_ORDER; order++) {
    fill_contig_page_info(z, order, info);
    line += unusable ? thousandths(unusable_free_index(order, info), 1) : thousandths(__fragmentation_index(order, info), 2);
  }
  return `${line}\n`;
}

/**
 * /sys/kernel/debug/extfrag/unusable_index: a line per populated zone of each node with memory.
 * @kernel mm/vmstat.c unusable_show, extfrag_debug_init
 */
export function unusable_show(k: Kernel): string {
  let out = "";
  for (const pgdat of k.node_data) {
    if (pgdat.node_present_pages === 0) continue;
    for (const z of pgdat.node_zones) if (z.populated_zone()) out += extfrag_zone_line(pgdat.node_id, z, true);
  }
  return out;
}

/**
 * /sys/kernel/debug/extfrag/extfrag_index: a line per populated zone.
 * @kernel mm/vmstat.c extfrag_show
 */
export function extfrag_show(k: Kernel): string {
  let out = "";
  for (const pgdat of k.node_data) for (const z of pgdat.node_zones) if (z.populated_zone()) out += extfrag_zone_line(pgdat.node_id, z, false);
  return out;
}

// ---- deferral ----

/** A failure: back off for twice as many attempts (up to 64). @kernel mm/compaction.c defer_compaction */
export function defer_compaction(z: zone, order: number): void {
  z.compact_considered = 0;
  z.compact_defer_shift++;
  if (order < z.compact_order_failed) z.compact_order_failed = order;
  if (z.compact_defer_shift > COMPACT_MAX_DEFER_SHIFT) z.compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
}

/** Whether this attempt is skipped: orders at or above the failed one, until the limit is counted out. @kernel mm/compaction.c compaction_deferred */
export function compaction_deferred(z: zone, order: number): boolean {
  const defer_limit = pow2(z.compact_defer_shift);
  if (order < z.compact_order_failed) return false;
  if (++z.compact_considered >= defer_limit) {
    z.compact_considered = defer_limit;
    return false;
  }
  return true;
}

/** A success (or a likely one): orders up to this one are no longer deferred. @kernel mm/compaction.c compaction_defer_reset */
export function compaction_defer_reset(z: zone, order: number, alloc_success: boolean): void {
  if (alloc_success) {
    z.compact_considered = 0;
    z.compact_defer_shift = 0;
  }
  if (order >= z.compact_order_failed) z.compact_order_failed = order + 1;
}

/** Fully backed off and counted out: the skip bits are cleared before trying again. @kernel mm/compaction.c compaction_restarting */
function compaction_restarting(z: zone, order: number): boolean {
  if (order < z.compact_order_failed) return false;
  return z.compact_defer_shift === COMPACT_MAX_DEFER_SHIFT && z.compact_considered >= pow2(z.compact_defer_shift);
}

// ---- skip hints ----

function get_pageblock_skip(k: Kernel, pfn: number): boolean {
  return k.mem_map.pageblock_skip[pfn >>> pageblock_order] !== 0;
}
function set_pageblock_skip(k: Kernel, pfn: number): void {
  k.mem_map.pageblock_skip[pfn >>> pageblock_order] = 1;
}
function clear_pageblock_skip(k: Kernel, pfn: number): void {
  k.mem_map.pageblock_skip[pfn >>> pageblock_order] = 0;
}

/** @kernel mm/compaction.c isolation_suitable */
function isolation_suitable(k: Kernel, cc: compact_control, pfn: number): boolean {
  if (cc.ignore_skip_hint) return true;
  return !get_pageblock_skip(k, pfn);
}

/** @kernel mm/compaction.c reset_cached_positions */
function reset_cached_positions(z: zone): void {
  z.compact_cached_migrate_pfn[0] = z.zone_start_pfn;
  z.compact_cached_migrate_pfn[1] = z.zone_start_pfn;
  z.compact_cached_free_pfn = pageblock_start_pfn(zone_end_pfn(z) - 1);
}

/** A pageblock inside a compound page of pageblock order or more keeps its skip bit. @kernel mm/compaction.c pageblock_skip_persistent */
function pageblock_skip_persistent(k: Kernel, pfn: number): boolean {
  const mem = k.mem_map;
  if ((page_flags(mem, pfn) & (F(PG_head) | F(PG_tail))) === 0) return false;
  let head = pfn;
  if ((page_flags(mem, pfn) & F(PG_tail)) !== 0) {
    // compound_head without the import cycle: heads are naturally aligned.
    for (let o = 1; o <= 18; o++) {
      const h = pfn - (pfn & ((1 << o) - 1));
      if ((mem.flags[h] & F(PG_head)) !== 0 && h + pow2(mem.index[h + 1]) > pfn) {
        head = h;
        break;
      }
    }
  }
  return mem.index[head + 1] >= pageblock_order;
}

/** Whether `pfn` lies in zone z (the model keeps the zone per pageblock). */
function pfn_in_zone(k: Kernel, z: zone, pfn: number): boolean {
  return pfn >= z.zone_start_pfn && pfn < zone_end_pfn(z) && k.page_zone(pfn) === z;
}

/** @kernel mm/compaction.c __reset_isolation_pfn */
function __reset_isolation_pfn(k: Kernel, z: zone, pfn: number, check_source: boolean, check_target: boolean): boolean {
  if (!pfn_in_zone(k, z, pfn)) return false;
  if (pageblock_skip_persistent(k, pfn)) return false;
  if (check_source && check_target && !get_pageblock_skip(k, pfn)) return true;
  if (!check_source && check_target && get_pageblock_migratetype(k, pfn) !== MIGRATE_MOVABLE) return false;
  let p = Math.max(pageblock_start_pfn(pfn), z.zone_start_pfn);
  const end = Math.min(pageblock_end_pfn(p) - 1, zone_end_pfn(z) - 1);
  const flags = k.mem_map.flags;
  do {
    if (check_source && (flags[p] & F(PG_lru)) !== 0) {
      clear_pageblock_skip(k, p);
      return true;
    }
    if (check_target && PageBuddy(k, p)) {
      clear_pageblock_skip(k, p);
      return true;
    }
    p += 1 << PAGE_ALLOC_COSTLY_ORDER;
  } while (p <= end);
  return false;
}

/**
 * After a direct compaction met its scanners (compact_blockskip_flush), clears the skip bits of
 * blocks a sample shows to hold LRU or free pages, and sets the restart points from both ends.
 * @kernel mm/compaction.c __reset_isolation_suitable
 */
function __reset_isolation_suitable(k: Kernel, z: zone): void {
  let migrate_pfn = z.zone_start_pfn;
  let free_pfn = zone_end_pfn(z) - 1;
  let reset_migrate = free_pfn;
  let reset_free = migrate_pfn;
  let source_set = false;
  let free_set = false;
  if (!z.compact_blockskip_flush) return;
  z.compact_blockskip_flush = false;
  for (; migrate_pfn < free_pfn; migrate_pfn += pageblock_nr_pages, free_pfn -= pageblock_nr_pages) {
    if (__reset_isolation_pfn(k, z, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
      source_set = true;
      reset_migrate = migrate_pfn;
      z.compact_init_migrate_pfn = reset_migrate;
      z.compact_cached_migrate_pfn[0] = reset_migrate;
      z.compact_cached_migrate_pfn[1] = reset_migrate;
    }
    if (__reset_isolation_pfn(k, z, free_pfn, free_set, true) && free_pfn > reset_free) {
      free_set = true;
      reset_free = free_pfn;
      z.compact_init_free_pfn = reset_free;
      z.compact_cached_free_pfn = reset_free;
    }
  }
  if (reset_migrate >= reset_free) {
    z.compact_cached_migrate_pfn[0] = migrate_pfn;
    z.compact_cached_migrate_pfn[1] = migrate_pfn;
    z.compact_cached_free_pfn = free_pfn;
  }
}

/** kswapd going to sleep: flush the skip bits of zones a full compaction finished in. @kernel mm/compaction.c reset_isolation_suitable */
export function reset_isolation_suitable(k: Kernel, pgdat: pglist_data): void {
  for (const z of pgdat.node_zones) {
    if (!z.populated_zone()) continue;
    if (z.compact_blockskip_flush) __reset_isolation_suitable(k, z);
  }
}

/** @kernel mm/compaction.c test_and_set_skip */
function test_and_set_skip(k: Kernel, cc: compact_control, pfn: number): boolean {
  if (cc.ignore_skip_hint) return false;
  if (!pageblock_aligned(pfn)) return false;
  const skip = get_pageblock_skip(k, pfn);
  if (!skip && !cc.no_set_skip_hint) set_pageblock_skip(k, pfn);
  return skip;
}

/** @kernel mm/compaction.c update_cached_migrate */
function update_cached_migrate(cc: compact_control, pfn: number): void {
  const z = cc.zone;
  pfn = pageblock_end_pfn(pfn);
  if (cc.no_set_skip_hint) return;
  if (pfn > z.compact_cached_migrate_pfn[0]) z.compact_cached_migrate_pfn[0] = pfn;
  if (cc.mode !== MIGRATE_ASYNC && pfn > z.compact_cached_migrate_pfn[1]) z.compact_cached_migrate_pfn[1] = pfn;
}

/** @kernel mm/compaction.c update_pageblock_skip */
function update_pageblock_skip(k: Kernel, cc: compact_control, pfn: number): void {
  const z = cc.zone;
  if (cc.no_set_skip_hint) return;
  set_pageblock_skip(k, pfn);
  if (pfn < z.compact_cached_free_pfn) z.compact_cached_free_pfn = pfn;
}

// ---- the free scanner ----

/**
 * Isolates the free blocks of [start_pfn[0], end_pfn), every `stride` pfns (1 when strict),
 * until the free pages cover the pages to migrate. Each block leaves the buddy whole
 * (__isolate_free_page), its order kept in private, for split_map_pages. Strict mode (page
 * isolation) fails on the first pfn that is not free. Returns the pages isolated; start_pfn[0]
 * gets where the scan stopped.
 * @kernel mm/compaction.c isolate_freepages_block
 */
export function isolate_freepages_block(k: Kernel, cc: compact_control, start_pfn: Float64Array, end_pfn: number, stride: number, strict: boolean): number {
  const mem = k.mem_map;
  let nr_scanned = 0;
  let total_isolated = 0;
  let blockpfn = start_pfn[0];
  if (strict) stride = 1;
  for (; blockpfn < end_pfn; blockpfn += stride) {
    if (blockpfn % COMPACT_CLUSTER_MAX === 0 && fatal_pending(cc)) {
      cc.contended = true;
      break;
    }
    nr_scanned++;
    const f = mem.flags[blockpfn];
    if ((f & (F(PG_head) | F(PG_tail))) !== 0) {
      if ((f & F(PG_head)) !== 0) {
        const order = mem.index[blockpfn + 1];
        if (order < MAX_ORDER) blockpfn += (1 << order) - 1;
      }
      if (strict) break;
      continue;
    }
    if (!PageBuddy(k, blockpfn)) {
      if (strict) break;
      continue;
    }
    const order = buddy_order(k, blockpfn);
    const isolated = __isolate_free_page(k, blockpfn, order);
    if (!isolated) break;
    mem.private[blockpfn] = order; // set_page_private
    nr_scanned += isolated - 1;
    total_isolated += isolated;
    cc.nr_freepages += isolated;
    mem.lru.list_add_tail(cc.lists, FREEPAGES, blockpfn);
    if (!strict && cc.nr_migratepages <= cc.nr_freepages) {
      blockpfn += isolated;
      break;
    }
    blockpfn += isolated - 1;
  }
  if (blockpfn > end_pfn) blockpfn = end_pfn;
  if (k.trace.enabled("mm_compaction_isolate_freepages")) {
    k.trace.emit(
      "mm_compaction_isolate_freepages",
      { start_pfn: start_pfn[0], end_pfn: blockpfn, nr_scanned, nr_taken: total_isolated },
      `range=(0x${start_pfn[0].toString(16)} ~ 0x${blockpfn.toString(16)}) nr_scanned=${nr_scanned} nr_taken=${total_isolated}`,
    );
  }
  start_pfn[0] = blockpfn;
  if (strict && blockpfn < end_pfn) total_isolated = 0;
  cc.total_free_scanned += nr_scanned;
  if (total_isolated) k.vm_events[COMPACTISOLATED] += total_isolated;
  return total_isolated;
}

/** Whether the free scanner may take pages from the pageblock at pfn. @kernel mm/compaction.c suitable_migration_target */
function suitable_migration_target(k: Kernel, cc: compact_control, pfn: number): boolean {
  if (PageBuddy(k, pfn) && buddy_order(k, pfn) >= pageblock_order) return false;
  if (cc.ignore_block_suitable) return true;
  return get_pageblock_migratetype(k, pfn) === MIGRATE_MOVABLE;
}

/** The first page of [start, end) if the range lies in the zone, else NO_PFN. @kernel mm/page_alloc.c __pageblock_pfn_to_page */
function pageblock_pfn_to_page(k: Kernel, start: number, end: number, z: zone): number {
  if (!pfn_in_zone(k, z, start) || !pfn_in_zone(k, z, end - 1)) return NO_PFN;
  return start;
}

/**
 * Fills cc->freepages from the top of the zone down, a pageblock at a time, until there are as
 * many free pages as pages to migrate or the scanner reaches the migration scanner's block.
 * @kernel mm/compaction.c isolate_freepages
 */
function isolate_freepages(k: Kernel, cc: compact_control): void {
  const z = cc.zone;
  const pos = cc.isolate_start_pfn;
  let isolate_start_pfn = cc.free_pfn;
  let block_start = pageblock_start_pfn(isolate_start_pfn);
  let block_end = Math.min(block_start + pageblock_nr_pages, zone_end_pfn(z));
  const low_pfn = pageblock_end_pfn(cc.migrate_pfn);
  let stride = cc.mode === MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;
  for (; block_start >= low_pfn; block_end = block_start, block_start -= pageblock_nr_pages, isolate_start_pfn = block_start) {
    if (pageblock_pfn_to_page(k, block_start, block_end, z) === NO_PFN) continue;
    if (!suitable_migration_target(k, cc, block_start)) continue;
    if (!isolation_suitable(k, cc, block_start)) continue;
    pos[0] = isolate_start_pfn;
    const nr_isolated = isolate_freepages_block(k, cc, pos, block_end, stride, false);
    isolate_start_pfn = pos[0];
    if (isolate_start_pfn === block_end) update_pageblock_skip(k, cc, block_start);
    if (cc.nr_freepages >= cc.nr_migratepages) {
      if (isolate_start_pfn >= block_end) isolate_start_pfn = block_start - pageblock_nr_pages;
      break;
    } else if (isolate_start_pfn < block_end) break;
    if (nr_isolated) {
      stride = 1;
      continue;
    }
    stride = Math.min(COMPACT_CLUSTER_MAX, stride << 1);
  }
  cc.free_pfn = isolate_start_pfn;
  split_map_pages(k, cc.lists, FREEPAGES);
}

/**
 * Turns the isolated free blocks on list h into order-0 pages, each allocated (refcount 1), in
 * pfn order within a block.
 * @kernel mm/compaction.c split_map_pages
 */
export function split_map_pages(k: Kernel, heads: Int32Array, h: number): void {
  const mem = k.mem_map;
  const tmp = newListHeads(1);
  for (let p = heads[h]; p !== NO_PFN; p = heads[h]) {
    mem.lru.list_del(heads, h, p);
    const order = mem.private[p];
    const nr = 1 << order;
    post_alloc_hook(k, p, order, __GFP_MOVABLE);
    if (order) split_page(k, p, order);
    for (let i = 0; i < nr; i++) mem.lru.list_add_tail(tmp, 0, p + i);
  }
  mem.lru.list_splice(tmp, 0, heads, h);
}

/** Frees the unused isolated pages; returns the highest pfn freed. @kernel mm/compaction.c release_freepages */
export function release_freepages(k: Kernel, heads: Int32Array, h: number): number {
  const mem = k.mem_map;
  let high_pfn = 0;
  for (let p = heads[h]; p !== NO_PFN; p = heads[h]) {
    mem.lru.list_del(heads, h, p);
    if (p > high_pfn) high_pfn = p;
    put_page(k, p);
  }
  return high_pfn;
}

/** migrate_pages' new-page callback: the next isolated free page, isolating more when out. @kernel mm/compaction.c compaction_alloc */
function compaction_alloc(k: Kernel, _src: number, cc: compact_control): number {
  const heads = cc.lists;
  if (heads[FREEPAGES] === NO_PFN) {
    isolate_freepages(k, cc);
    if (heads[FREEPAGES] === NO_PFN) return NO_PFN;
  }
  const p = heads[FREEPAGES];
  k.mem_map.lru.list_del(heads, FREEPAGES, p);
  cc.nr_freepages--;
  return p;
}

/** migrate_pages' callback for a new page it did not use. @kernel mm/compaction.c compaction_free */
function compaction_free(k: Kernel, pfn: number, cc: compact_control): void {
  k.mem_map.lru.list_add(cc.lists, FREEPAGES, pfn);
  cc.nr_freepages++;
}

// ---- the migration scanner ----

/** More isolated than half the LRU pages: wait (here: stop). @kernel mm/compaction.c too_many_isolated */
function too_many_isolated(pgdat: pglist_data): boolean {
  const v = pgdat.vm_stat;
  const inactive = v[NR_INACTIVE_FILE] + v[NR_INACTIVE_ANON];
  const active = v[NR_ACTIVE_FILE] + v[NR_ACTIVE_ANON];
  const isolated = v[NR_ISOLATED_FILE] + v[NR_ISOLATED_ANON];
  return isolated > (inactive + active) / 2;
}

/**
 * Isolates the movable LRU pages of [low_pfn, end_pfn) onto cc->migratepages, up to
 * COMPACT_CLUSTER_MAX at a time: free blocks and compound pages are stepped over (for
 * alloc_contig_range, cc->alloc_contig, a THP on the LRU is isolated whole and a hugetlb page
 * goes to isolate_or_dissolve_huge_page: one in use is isolated, a free one dissolved, -ENOMEM is
 * returned), pages off the
 * LRU (kernel allocations, page tables, pages in a per-CPU batch) cannot move, an anonymous
 * page with references beyond its mappings is pinned, mapped file pages need __GFP_FS, and
 * unevictable pages need ISOLATE_UNEVICTABLE (compact_unevictable_allowed); async mode leaves
 * pages under writeback and dirty file pages alone. A block scanned to its end with nothing
 * isolated gets its skip bit. Returns 0, or -EAGAIN / -EINTR to abort.
 * @kernel mm/compaction.c isolate_migratepages_block
 */
export function isolate_migratepages_block(k: Kernel, cc: compact_control, low_pfn: number, end_pfn: number, mode: number): number {
  const mem = k.mem_map;
  const flags = mem.flags;
  const pgdat = cc.zone.zone_pgdat;
  let nr_scanned = 0;
  let nr_isolated = 0;
  let valid_page = NO_PFN;
  const start_pfn = low_pfn;
  let skip_on_failure = false;
  let next_skip_pfn = 0;
  let skip_updated = false;
  let ret = 0;
  let aborted = false;
  cc.migrate_pfn = low_pfn;
  if (too_many_isolated(pgdat)) return -EAGAIN;
  if (cc.direct_compaction && cc.mode === MIGRATE_ASYNC) {
    skip_on_failure = true;
    next_skip_pfn = block_end_pfn(low_pfn, cc.order);
  }
  scan: for (; low_pfn < end_pfn; low_pfn++) {
    if (skip_on_failure && low_pfn >= next_skip_pfn) {
      if (nr_isolated) break;
      next_skip_pfn = block_end_pfn(low_pfn, cc.order);
    }
    if (low_pfn % COMPACT_CLUSTER_MAX === 0 && fatal_pending(cc)) {
      cc.contended = true;
      ret = -EINTR;
      cc.total_migrate_scanned += nr_scanned;
      if (nr_isolated) k.vm_events[COMPACTISOLATED] += nr_isolated;
      cc.migrate_pfn = low_pfn;
      return ret;
    }
    nr_scanned++;
    if (valid_page === NO_PFN && pageblock_aligned(low_pfn)) {
      if (!isolation_suitable(k, cc, low_pfn)) {
        low_pfn = end_pfn;
        aborted = true;
        break;
      }
      valid_page = low_pfn;
    }
    let f = page_flags(mem, low_pfn);
    let fail = false;
    // Pages of the folio to isolate (1, or a THP's 512 for alloc_contig); 0 while none.
    let isolate = 0;
    if (cc.alloc_contig && (f & (F(PG_head) | F(PG_tail))) !== 0 && (flags[compound_head(mem, low_pfn)] & F(PG_hugetlb)) !== 0) {
      // A hugetlb page in the way of alloc_contig_range: one in use is isolated onto
      // cc->migratepages (isolate_success_no_list: counted in the scan and compact_isolated, not
      // in NR_ISOLATED_*); a free one is dissolved into the (isolated) free lists after a
      // replacement joins the pool, and the buddy check below steps over it. Otherwise low_pfn
      // skips the page and, except for -EBUSY, the error is reported (-ENOMEM: no replacement,
      // or a gigantic page).
      const head = compound_head(mem, low_pfn);
      const nr = folio_nr_pages(mem, head);
      const r = isolate_or_dissolve_huge_page(k, head, cc.lists, MIGRATEPAGES);
      if (r < 0) {
        if (r !== -EBUSY) ret = r;
        low_pfn = head + nr - 1;
        fail = true;
      } else if ((flags[head] & F(PG_hugetlb)) !== 0) {
        low_pfn = head + nr - 1;
        cc.nr_migratepages += nr;
        nr_isolated += nr;
        nr_scanned += nr - 1;
        if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX && !cc.rescan && !cc.contended) {
          ++low_pfn;
          break;
        }
        continue;
      }
      f = page_flags(mem, low_pfn);
    }
    if (fail) {
      // isolate_fail below
    } else if (PageBuddy(k, low_pfn)) {
      const freepage_order = buddy_order(k, low_pfn);
      if (freepage_order > 0 && freepage_order < MAX_ORDER) low_pfn += (1 << freepage_order) - 1;
      continue;
    } else if ((f & (F(PG_head) | F(PG_tail))) !== 0 && !cc.alloc_contig) {
      if ((f & F(PG_head)) !== 0) {
        const order = mem.index[low_pfn + 1];
        if (order < MAX_ORDER) low_pfn += (1 << order) - 1;
      }
      fail = true;
    } else if ((f & F(PG_lru)) === 0 || (f & F(PG_tail)) !== 0) {
      // Not on an LRU (and no non-LRU movable pages in the model), or a tail, whose own
      // reference count is 0 (get_page_unless_zero fails): a THP is isolated from its head.
      fail = true;
    } else if ((f & F(PG_head)) !== 0) {
      // alloc_contig: a THP on the LRU is isolated whole (its 512 pages counted in
      // NR_ISOLATED_ANON and in the scan), unless pinned beyond its mappings.
      if (mem._refcount[low_pfn] > folio_mapcount(k, low_pfn)) fail = true;
      else if ((mode & ISOLATE_UNEVICTABLE) === 0 && (f & F(PG_unevictable)) !== 0) fail = true;
      else isolate = folio_nr_pages(mem, low_pfn);
    } else {
      // get_page_unless_zero, then the checks that may put it back.
      const file_mapping = mem.mapping[low_pfn] > 0;
      const has_mapping = file_mapping || (f & F(PG_swapcache)) !== 0;
      if (!has_mapping && mem._refcount[low_pfn] > mem.mapcount[low_pfn]) fail = true; // pinned
      else if ((cc.gfp_mask & __GFP_FS) === 0 && has_mapping) fail = true;
      else if ((mode & ISOLATE_UNEVICTABLE) === 0 && (f & F(PG_unevictable)) !== 0) fail = true;
      else if ((mode & ISOLATE_ASYNC_MIGRATE) !== 0 && (f & F(PG_writeback)) !== 0) fail = true;
      else if ((mode & ISOLATE_ASYNC_MIGRATE) !== 0 && (f & F(PG_dirty)) !== 0 && file_mapping && (f & F(PG_swapbacked)) === 0) {
        // Only mappings with a migrate_folio callback migrate dirty pages without blocking:
        // shmem has one; the model's ext2 and block device mappings use buffer heads.
        fail = true;
      } else isolate = 1;
    }
    if (isolate !== 0) {
      if (!skip_updated) {
        skip_updated = true;
        if (test_and_set_skip(k, cc, low_pfn)) {
          aborted = true;
          break scan;
        }
      }
      // isolate_success: off the LRU with a reference, its pages counted in NR_ISOLATED_* and
      // in the scan (a whole THP, for alloc_contig).
      mem._refcount[low_pfn]++;
      lruvec_del_folio(k, low_pfn);
      flags[low_pfn] &= ~F(PG_lru);
      pgdat.vm_stat[(flags[low_pfn] & F(PG_swapbacked)) !== 0 ? NR_ISOLATED_ANON : NR_ISOLATED_FILE] += isolate;
      mem.lru.list_add(cc.lists, MIGRATEPAGES, low_pfn);
      low_pfn += isolate - 1;
      nr_scanned += isolate - 1;
      cc.nr_migratepages += isolate;
      nr_isolated += isolate;
      if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX && !cc.rescan && !cc.contended) {
        ++low_pfn;
        break;
      }
      continue;
    }
    // isolate_fail:
    if (!fail || !skip_on_failure) continue;
    if (nr_isolated) {
      putback_movable_pages(k, cc.lists, MIGRATEPAGES);
      cc.nr_migratepages = 0;
      nr_isolated = 0;
    }
    if (low_pfn < next_skip_pfn) {
      low_pfn = next_skip_pfn - 1;
      next_skip_pfn += 1 << cc.order;
    }
  }
  if (!aborted && low_pfn > end_pfn) low_pfn = end_pfn;
  if (low_pfn === end_pfn && (!nr_isolated || cc.rescan)) {
    if (valid_page !== NO_PFN && !skip_updated) set_pageblock_skip(k, valid_page);
    update_cached_migrate(cc, low_pfn);
  }
  if (k.trace.enabled("mm_compaction_isolate_migratepages")) {
    k.trace.emit(
      "mm_compaction_isolate_migratepages",
      { start_pfn, end_pfn: low_pfn, nr_scanned, nr_taken: nr_isolated },
      `range=(0x${start_pfn.toString(16)} ~ 0x${low_pfn.toString(16)}) nr_scanned=${nr_scanned} nr_taken=${nr_isolated}`,
    );
  }
  cc.total_migrate_scanned += nr_scanned;
  if (nr_isolated) k.vm_events[COMPACTISOLATED] += nr_isolated;
  cc.migrate_pfn = low_pfn;
  return ret;
}

/**
 * The migration scanner over [start_pfn, end_pfn) for alloc_contig_range, a pageblock at a
 * time, unevictable pages included, until COMPACT_CLUSTER_MAX pages are isolated; cc.migrate_pfn
 * gets where it stopped. Returns 0, or -EAGAIN / -EINTR.
 * @kernel mm/compaction.c isolate_migratepages_range
 */
export function isolate_migratepages_range(k: Kernel, cc: compact_control, start_pfn: number, end_pfn: number): number {
  let pfn = start_pfn;
  let block_start = pageblock_start_pfn(pfn);
  if (block_start < cc.zone.zone_start_pfn) block_start = cc.zone.zone_start_pfn;
  let block_end = pageblock_end_pfn(pfn);
  let ret = 0;
  for (; pfn < end_pfn; pfn = block_end, block_start = block_end, block_end += pageblock_nr_pages) {
    block_end = Math.min(block_end, end_pfn);
    if (pageblock_pfn_to_page(k, block_start, block_end, cc.zone) === NO_PFN) continue;
    ret = isolate_migratepages_block(k, cc, pfn, block_end, ISOLATE_UNEVICTABLE);
    if (ret) break;
    if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX) break;
  }
  return ret;
}

/**
 * Takes every free page of [start_pfn, end_pfn) off the buddy lists (strict: the first page
 * that is not free fails it all) and makes them order-0 pages with a reference each, as
 * alloc_contig_range hands them out. Returns the pfn where the isolated free blocks end (past
 * end_pfn when a block straddles it), or 0 on failure, with nothing kept.
 * @kernel mm/compaction.c isolate_freepages_range
 */
export function isolate_freepages_range(k: Kernel, cc: compact_control, start_pfn: number, end_pfn: number): number {
  const freelist = newListHeads(1);
  // isolate_freepages_block puts what it takes on cc->freepages: keep those apart.
  const saved = cc.lists[FREEPAGES];
  cc.lists[FREEPAGES] = NO_PFN;
  let pfn = start_pfn;
  let block_start = pageblock_start_pfn(pfn);
  if (block_start < cc.zone.zone_start_pfn) block_start = cc.zone.zone_start_pfn;
  let block_end = pageblock_end_pfn(pfn);
  const pos = new Float64Array(1);
  for (let isolated = 0; pfn < end_pfn; pfn += isolated, block_start = block_end, block_end += pageblock_nr_pages) {
    pos[0] = pfn;
    block_end = Math.min(block_end, end_pfn);
    // pfn can pass block_end when an isolated free block is larger than a pageblock
    if (pfn >= block_end) {
      block_start = pageblock_start_pfn(pfn);
      block_end = Math.min(pageblock_end_pfn(pfn), end_pfn);
    }
    if (pageblock_pfn_to_page(k, block_start, block_end, cc.zone) === NO_PFN) break;
    isolated = isolate_freepages_block(k, cc, pos, block_end, 0, true);
    // Strict: 0 when the block holds anything that is not free.
    if (!isolated) break;
  }
  k.mem_map.lru.list_splice(cc.lists, FREEPAGES, freelist, 0);
  cc.lists[FREEPAGES] = saved;
  // __isolate_free_page does not map the pages
  split_map_pages(k, freelist, 0);
  if (pfn < end_pfn) {
    release_freepages(k, freelist, 0);
    return 0;
  }
  return pfn;
}

/** Whether the migration scanner may take pages from the pageblock at pfn. @kernel mm/compaction.c suitable_migration_source */
function suitable_migration_source(k: Kernel, cc: compact_control, pfn: number): boolean {
  if (pageblock_skip_persistent(k, pfn)) return false;
  if (cc.mode !== MIGRATE_ASYNC || !cc.direct_compaction) return true;
  const block_mt = get_pageblock_migratetype(k, pfn);
  if (cc.migratetype === MIGRATE_MOVABLE) return block_mt === MIGRATE_MOVABLE;
  return block_mt === cc.migratetype;
}

const ISOLATE_ABORT = 0;
const ISOLATE_NONE = 1;
const ISOLATE_SUCCESS = 2;

/**
 * Moves the migration scanner to the next suitable pageblock below the free scanner and
 * isolates from it.
 * @kernel mm/compaction.c isolate_migratepages
 */
function isolate_migratepages(k: Kernel, cc: compact_control): number {
  const isolate_mode = (k.vm.compact_unevictable_allowed ? ISOLATE_UNEVICTABLE : 0) | (cc.mode !== MIGRATE_SYNC ? ISOLATE_ASYNC_MIGRATE : 0);
  let low_pfn = cc.migrate_pfn;
  let block_start = pageblock_start_pfn(low_pfn);
  if (block_start < cc.zone.zone_start_pfn) block_start = cc.zone.zone_start_pfn;
  let block_end = pageblock_end_pfn(low_pfn);
  for (; block_end <= cc.free_pfn; cc.migrate_pfn = low_pfn = block_end, block_start = block_end, block_end += pageblock_nr_pages) {
    if (pageblock_pfn_to_page(k, block_start, block_end, cc.zone) === NO_PFN) continue;
    if (pageblock_aligned(low_pfn) && !isolation_suitable(k, cc, block_start)) continue;
    if (!suitable_migration_source(k, cc, block_start)) {
      update_cached_migrate(cc, block_end);
      continue;
    }
    if (isolate_migratepages_block(k, cc, low_pfn, block_end, isolate_mode)) return ISOLATE_ABORT;
    break;
  }
  return cc.nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

// ---- finishing and suitability ----

/** @kernel mm/compaction.c compact_scanners_met */
function compact_scanners_met(cc: compact_control): boolean {
  return cc.free_pfn >>> pageblock_order <= cc.migrate_pfn >>> pageblock_order;
}

/** @kernel mm/compaction.c __compact_finished */
function __compact_finished(k: Kernel, cc: compact_control): number {
  const migratetype = cc.migratetype;
  if (compact_scanners_met(cc)) {
    reset_cached_positions(cc.zone);
    if (cc.direct_compaction) cc.zone.compact_blockskip_flush = true;
    return cc.whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
  }
  if (cc.proactive_compaction) {
    // Proactive compaction runs until this zone's score is down to the low mark, and yields to
    // a kswapd that has work (its reclaim would undo what compaction gathers).
    const pgdat = cc.zone.zone_pgdat;
    if (kswapd_is_running(pgdat)) return COMPACT_PARTIAL_SKIPPED;
    const ret = fragmentation_score_zone(cc.zone) > fragmentation_score_wmark(k, true) ? COMPACT_CONTINUE : COMPACT_SUCCESS;
    return cc.contended || fatal_pending(cc) ? COMPACT_CONTENDED : ret;
  }
  if (is_via_compact_memory(cc.order)) return COMPACT_CONTINUE;
  if (!pageblock_aligned(cc.migrate_pfn)) return COMPACT_CONTINUE;
  let ret = COMPACT_NO_SUITABLE_PAGE;
  const can_steal = k.can_steal_out;
  for (let order = cc.order; order < MAX_ORDER; order++) {
    const area = cc.zone.free_area[order];
    if (!free_area_empty(area, order, migratetype)) return COMPACT_SUCCESS;
    if (find_suitable_fallback(area, order, migratetype, true, can_steal) !== -1) return COMPACT_SUCCESS;
  }
  if (cc.contended || fatal_pending(cc)) ret = COMPACT_CONTENDED;
  return ret;
}

/** @kernel mm/compaction.c compact_finished */
function compact_finished(k: Kernel, cc: compact_control): number {
  let ret = __compact_finished(k, cc);
  if (k.trace.enabled("mm_compaction_finished")) {
    k.trace.emit("mm_compaction_finished", { nid: cc.zone.node, order: cc.order, ret }, `node=${cc.zone.node} zone=${cc.zone.name.padEnd(8)} order=${cc.order} ret=${compact_result_names[ret]}`);
  }
  if (ret === COMPACT_NO_SUITABLE_PAGE) ret = COMPACT_CONTINUE;
  return ret;
}

/**
 * Whether compaction can help: the request's watermark already met (COMPACT_SUCCESS), too few
 * free order-0 pages above the min (low, for costly orders) watermark plus twice the request to
 * migrate into (COMPACT_SKIPPED), or COMPACT_CONTINUE.
 * @kernel mm/compaction.c __compaction_suitable
 */
function __compaction_suitable(z: zone, order: number, alloc_flags: number, highest_zoneidx: number, wmark_target: number): number {
  if (is_via_compact_memory(order)) return COMPACT_CONTINUE;
  let watermark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
  if (zone_watermark_ok(z, order, watermark, highest_zoneidx, alloc_flags)) return COMPACT_SUCCESS;
  watermark = order > PAGE_ALLOC_COSTLY_ORDER ? low_wmark_pages(z) : min_wmark_pages(z);
  watermark += compact_gap(order);
  if (!__zone_watermark_ok(z, 0, watermark, highest_zoneidx, ALLOC_CMA, wmark_target)) return COMPACT_SKIPPED;
  return COMPACT_CONTINUE;
}

/**
 * __compaction_suitable, and for costly orders the fragmentation index: at or below
 * extfrag_threshold (500) the failure is for lack of memory, not fragmentation, and compaction
 * is skipped.
 * @kernel mm/compaction.c compaction_suitable
 */
export function compaction_suitable(k: Kernel, z: zone, order: number, alloc_flags: number, highest_zoneidx: number): number {
  let ret = __compaction_suitable(z, order, alloc_flags, highest_zoneidx, z.vm_stat[NR_FREE_PAGES]);
  if (ret === COMPACT_CONTINUE && order > PAGE_ALLOC_COSTLY_ORDER) {
    const fragindex = fragmentation_index(z, order);
    if (fragindex >= 0 && fragindex <= k.vm.extfrag_threshold) ret = COMPACT_NOT_SUITABLE_ZONE;
  }
  if (k.trace.enabled("mm_compaction_suitable")) {
    k.trace.emit("mm_compaction_suitable", { nid: z.node, order, ret }, `node=${z.node} zone=${z.name.padEnd(8)} order=${order} ret=${compact_result_names[ret]}`);
  }
  if (ret === COMPACT_NOT_SUITABLE_ZONE) ret = COMPACT_SKIPPED;
  return ret;
}

/**
 * Would some zone be worth compacting if reclaim freed pages first (a share of its reclaimable
 * pages counted as free)?
 * @kernel mm/compaction.c compaction_zonelist_suitable
 */
export function compaction_zonelist_suitable(k: Kernel, ac: alloc_context, order: number, alloc_flags: number): boolean {
  for (const z of ac.zonelist) {
    if (z.zone_idx > ac.highest_zoneidx) continue;
    if (ac.nodemask !== null && !ac.nodemask.includes(z.node)) continue;
    if (ac.thisnode >= 0 && z.node !== ac.thisnode) continue;
    let available = Math.floor(k.mmHooks.zone_reclaimable_pages(k, z) / order);
    available += z.vm_stat[NR_FREE_PAGES];
    if (__compaction_suitable(z, order, alloc_flags, ac.highest_zoneidx, available) === COMPACT_CONTINUE) return true;
  }
  return false;
}

// ---- one zone ----

/**
 * Compacts one zone: checks suitability, places the scanners (the whole zone, or the cached
 * positions), then isolates and migrates batch by batch until compact_finished says stop.
 * Unused free pages go back at the end, and the scanned counts go into the vm events.
 * @kernel mm/compaction.c compact_zone
 */
export function compact_zone(k: Kernel, cc: compact_control): number {
  const z = cc.zone;
  const start_pfn = z.zone_start_pfn;
  const end_pfn = zone_end_pfn(z);
  const sync = cc.mode !== MIGRATE_ASYNC;
  cc.total_migrate_scanned = 0;
  cc.total_free_scanned = 0;
  cc.nr_migratepages = 0;
  cc.nr_freepages = 0;
  cc.lists.fill(NO_PFN);
  cc.migratetype = gfp_migratetype(cc.gfp_mask);
  let ret = compaction_suitable(k, z, cc.order, cc.alloc_flags, cc.highest_zoneidx);
  if (ret === COMPACT_SUCCESS || ret === COMPACT_SKIPPED) return ret;
  if (compaction_restarting(z, cc.order)) __reset_isolation_suitable(k, z);
  if (cc.whole_zone) {
    cc.migrate_pfn = start_pfn;
    cc.free_pfn = pageblock_start_pfn(end_pfn - 1);
  } else {
    cc.migrate_pfn = z.compact_cached_migrate_pfn[sync ? 1 : 0];
    cc.free_pfn = z.compact_cached_free_pfn;
    if (cc.free_pfn < start_pfn || cc.free_pfn >= end_pfn) {
      cc.free_pfn = pageblock_start_pfn(end_pfn - 1);
      z.compact_cached_free_pfn = cc.free_pfn;
    }
    if (cc.migrate_pfn < start_pfn || cc.migrate_pfn >= end_pfn) {
      cc.migrate_pfn = start_pfn;
      z.compact_cached_migrate_pfn[0] = cc.migrate_pfn;
      z.compact_cached_migrate_pfn[1] = cc.migrate_pfn;
    }
    if (cc.migrate_pfn <= z.compact_init_migrate_pfn) cc.whole_zone = true;
  }
  let last_migrated_pfn = 0;
  let update_cached = !sync && z.compact_cached_migrate_pfn[0] === z.compact_cached_migrate_pfn[1];
  if (k.trace.enabled("mm_compaction_begin")) {
    k.trace.emit(
      "mm_compaction_begin",
      { zone_start: start_pfn, migrate_pfn: cc.migrate_pfn, free_pfn: cc.free_pfn, zone_end: end_pfn, sync: sync ? 1 : 0 },
      `zone_start=0x${start_pfn.toString(16)} migrate_pfn=0x${cc.migrate_pfn.toString(16)} free_pfn=0x${cc.free_pfn.toString(16)} zone_end=0x${end_pfn.toString(16)}, mode=${sync ? "sync" : "async"}`,
    );
  }
  lru_add_drain(k);
  out: while ((ret = compact_finished(k, cc)) === COMPACT_CONTINUE) {
    const iteration_start_pfn = cc.migrate_pfn;
    cc.rescan = pageblock_start_pfn(last_migrated_pfn) === pageblock_start_pfn(iteration_start_pfn);
    const isolated = isolate_migratepages(k, cc);
    if (isolated === ISOLATE_ABORT) {
      ret = COMPACT_CONTENDED;
      putback_movable_pages(k, cc.lists, MIGRATEPAGES);
      cc.nr_migratepages = 0;
      break out;
    }
    if (isolated === ISOLATE_NONE) {
      if (update_cached) z.compact_cached_migrate_pfn[1] = z.compact_cached_migrate_pfn[0];
    } else {
      update_cached = false;
      last_migrated_pfn = iteration_start_pfn;
      const err = migrate_pages(k, cc.lists, MIGRATEPAGES, compaction_alloc, compaction_free, cc, cc.mode, MR_COMPACTION, cc.nr_succeeded);
      if (k.trace.enabled("mm_compaction_migratepages")) {
        const failed = err < 0 ? cc.nr_migratepages - cc.nr_succeeded[0] : err;
        k.trace.emit("mm_compaction_migratepages", { nr_migrated: cc.nr_succeeded[0], nr_failed: failed }, `nr_migrated=${cc.nr_succeeded[0]} nr_failed=${failed}`);
      }
      cc.nr_migratepages = 0;
      if (err) {
        putback_movable_pages(k, cc.lists, MIGRATEPAGES);
        if (err === -ENOMEM && !compact_scanners_met(cc)) {
          ret = COMPACT_CONTENDED;
          break out;
        }
        if (cc.direct_compaction && cc.mode === MIGRATE_ASYNC) {
          cc.migrate_pfn = block_end_pfn(cc.migrate_pfn - 1, cc.order);
          last_migrated_pfn = 0;
        }
      }
    }
    // check_drain: the model's lru_add_drain_cpu_zone drains this CPU's pcp lists of the zone.
    if (cc.order > 0 && last_migrated_pfn) {
      const current_block_start = block_start_pfn(cc.migrate_pfn, cc.order);
      if (last_migrated_pfn < current_block_start) {
        lru_add_drain(k);
        drain_local_pages(k, z);
        last_migrated_pfn = 0;
      }
    }
  }
  if (cc.nr_freepages > 0) {
    let free_pfn = release_freepages(k, cc.lists, FREEPAGES);
    cc.nr_freepages = 0;
    if (free_pfn === 0) throw new KernelBug("compact_zone: released free pages without a pfn");
    free_pfn = pageblock_start_pfn(free_pfn);
    if (free_pfn > z.compact_cached_free_pfn) z.compact_cached_free_pfn = free_pfn;
  }
  k.vm_events[COMPACTMIGRATE_SCANNED] += cc.total_migrate_scanned;
  k.vm_events[COMPACTFREE_SCANNED] += cc.total_free_scanned;
  if (k.trace.enabled("mm_compaction_end")) {
    k.trace.emit(
      "mm_compaction_end",
      { zone_start: start_pfn, migrate_pfn: cc.migrate_pfn, free_pfn: cc.free_pfn, zone_end: end_pfn, sync: sync ? 1 : 0, status: ret },
      `zone_start=0x${start_pfn.toString(16)} migrate_pfn=0x${cc.migrate_pfn.toString(16)} free_pfn=0x${cc.free_pfn.toString(16)} zone_end=0x${end_pfn.toString(16)}, mode=${sync ? "sync" : "async"} status=${compact_result_names[ret]}`,
    );
  }
  return ret;
}

/**
 * Direct compaction of one zone for an allocation: async at COMPACT_PRIO_ASYNC, sync-light
 * otherwise; at MIN_COMPACT_PRIORITY the whole zone with skip hints and block suitability
 * ignored.
 * @kernel mm/compaction.c compact_zone_order
 */
export function compact_zone_order(k: Kernel, z: zone, order: number, gfp_mask: number, prio: number, alloc_flags: number, highest_zoneidx: number): number {
  const cc = new compact_control(z, get_current(k) ?? null);
  cc.order = order;
  cc.gfp_mask = gfp_mask;
  cc.mode = prio === COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT;
  cc.alloc_flags = alloc_flags;
  cc.highest_zoneidx = highest_zoneidx;
  cc.direct_compaction = true;
  cc.whole_zone = prio === MIN_COMPACT_PRIORITY;
  cc.ignore_skip_hint = prio === MIN_COMPACT_PRIORITY;
  cc.ignore_block_suitable = prio === MIN_COMPACT_PRIORITY;
  return compact_zone(k, cc);
}

/**
 * The allocator's direct compaction: each usable zone of the zonelist in turn (deferred zones
 * skipped above MIN_COMPACT_PRIORITY), stopping at the first that reports success.
 * @kernel mm/compaction.c try_to_compact_pages
 */
export function try_to_compact_pages(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context, prio: number): number {
  let rc = COMPACT_SKIPPED;
  if ((gfp_mask & __GFP_IO) === 0) return COMPACT_SKIPPED;
  for (const z of ac.zonelist) {
    if (z.zone_idx > ac.highest_zoneidx || !z.managed_zone()) continue;
    if (ac.nodemask !== null && !ac.nodemask.includes(z.node)) continue;
    if (ac.thisnode >= 0 && z.node !== ac.thisnode) continue;
    if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(z, order)) {
      rc = Math.max(COMPACT_DEFERRED, rc);
      continue;
    }
    const status = compact_zone_order(k, z, order, gfp_mask, prio, alloc_flags, ac.highest_zoneidx);
    rc = Math.max(status, rc);
    if (status === COMPACT_SUCCESS) {
      compaction_defer_reset(z, order, false);
      break;
    }
    if (prio !== COMPACT_PRIO_ASYNC && (status === COMPACT_COMPLETE || status === COMPACT_PARTIAL_SKIPPED)) defer_compaction(z, order);
    const cur = get_current(k);
    if (cur !== undefined && fatal_signal_pending(cur)) break;
  }
  return rc;
}

// ---- compact_memory and the node files ----

/**
 * Compacts every populated zone of a node completely: order -1, MIGRATE_SYNC, skip hints
 * ignored. One compact_control serves all the zones, as in the kernel.
 * @kernel mm/compaction.c compact_node
 */
export function compact_node(k: Kernel, nid: number): void {
  const pgdat = k.node_data[nid];
  let cc: compact_control | null = null;
  for (const z of pgdat.node_zones) {
    if (!z.populated_zone()) continue;
    if (cc === null) {
      cc = new compact_control(z, get_current(k) ?? null);
      cc.order = -1;
      cc.mode = MIGRATE_SYNC;
      cc.ignore_skip_hint = true;
      cc.whole_zone = true;
      cc.gfp_mask = GFP_KERNEL;
    }
    cc.zone = z;
    compact_zone(k, cc);
  }
}

/** Every node, after flushing the per-CPU LRU batches. @kernel mm/compaction.c compact_nodes */
export function compact_nodes(k: Kernel): void {
  lru_add_drain_all(k);
  for (const pgdat of k.node_data) compact_node(k, pgdat.node_id);
}

/**
 * A write to /sys/devices/system/node/nodeN/compact: the node's LRU batches flushed, then the
 * node compacted; the written text is not looked at. Returns 0 (the whole write accepted).
 * @kernel mm/compaction.c compact_store
 */
export function compact_store(k: Kernel, nid: number): number {
  if (nid >= 0 && nid < k.node_data.length) {
    lru_add_drain_all(k);
    compact_node(k, nid);
  }
  return 0;
}

/**
 * Compaction at boot: the compact_memory and compaction_proactiveness sysctl effects, kcompactd
 * on every node, and the allocator's direct compaction
 * seams (try_to_compact_pages, compaction_zonelist_suitable), which a kernel without
 * CONFIG_COMPACTION answers with COMPACT_SKIPPED.
 * @kernel mm/compaction.c kcompactd_init
 */
export function compaction_init(k: Kernel): void {
  registerVmSysctlEffect(k, "compact_nodes", compact_nodes_effect);
  registerVmSysctlEffect(k, "wakeup_kcompactd_proactive", compaction_proactiveness_effect);
  kcompactd_init(k);
  k.mmHooks.try_to_compact_pages = try_to_compact_pages;
  k.mmHooks.compaction_zonelist_suitable = compaction_zonelist_suitable;
  k.mmHooks.compaction_defer_reset = compaction_defer_reset;
}

/** The sysctl effect: a named function, so a snapshot can name the table's entries. */
export function compact_nodes_effect(k: Kernel): void {
  compact_nodes(k);
}

// ---- proactive compaction and kcompactd ----

/** How often kcompactd wakes to check the fragmentation score: 500 ms (125 jiffies at HZ=250). */
export const HPAGE_FRAG_CHECK_INTERVAL_MSEC = 500;
/** The order the fragmentation score is taken for: HPAGE_PMD_ORDER (CONFIG_TRANSPARENT_HUGEPAGE). */
export const COMPACTION_HPAGE_ORDER = 9;

/**
 * A zone's fragmentation score: the share (0-100) of its free memory in blocks smaller than a
 * huge page.
 * @kernel mm/compaction.c fragmentation_score_zone
 */
export function fragmentation_score_zone(z: zone): number {
  return extfrag_for_order(z, COMPACTION_HPAGE_ORDER);
}

/**
 * The zone's score scaled by its share of the node's pages, so that a small zone (DMA, or DMA32
 * beside a large Normal) never pushes the node over the mark alone. 6.1 divides by
 * node_present_pages + 1: on a 1 GiB node with DMA32 at 258048 of 262015 present pages, a DMA32
 * score of 98 weighs 258048 * 98 / 262016 = 96.
 * @kernel mm/compaction.c fragmentation_score_zone_weighted
 */
function fragmentation_score_zone_weighted(z: zone): number {
  return Math.floor((z.present_pages * fragmentation_score_zone(z)) / (z.zone_pgdat.node_present_pages + 1));
}

/** @kernel mm/compaction.c fragmentation_score_node */
export function fragmentation_score_node(pgdat: pglist_data): number {
  let score = 0;
  for (const z of pgdat.node_zones) score += fragmentation_score_zone_weighted(z);
  return score;
}

/**
 * The low mark (100 - compaction_proactiveness, at least 5) proactive compaction works down to,
 * or the high one (low + 10, at most 100) that starts it: 80 and 90 at the default 20.
 * @kernel mm/compaction.c fragmentation_score_wmark
 */
export function fragmentation_score_wmark(k: Kernel, low: boolean): number {
  const wmark_low = Math.max(100 - k.vm.compaction_proactiveness, 5);
  return low ? wmark_low : Math.min(wmark_low + 10, 100);
}

/**
 * Is the node's kswapd on the CPU or waiting for it? Proactive compaction stands aside meanwhile.
 * @kernel mm/compaction.c kswapd_is_running
 */
function kswapd_is_running(pgdat: pglist_data): boolean {
  return pgdat.kswapd !== null && pgdat.kswapd.is_running();
}

/** @kernel mm/compaction.c should_proactive_compact_node */
function should_proactive_compact_node(k: Kernel, pgdat: pglist_data): boolean {
  if (!k.vm.compaction_proactiveness || kswapd_is_running(pgdat)) return false;
  return fragmentation_score_node(pgdat) > fragmentation_score_wmark(k, false);
}

/**
 * Compacts each populated zone of the node until its score reaches the low mark: order -1,
 * MIGRATE_SYNC_LIGHT, whole zone, skip hints ignored. No counters of its own in 6.1: its scans
 * count in compact_migrate_scanned / compact_free_scanned only.
 * @kernel mm/compaction.c proactive_compact_node
 */
export function proactive_compact_node(k: Kernel, pgdat: pglist_data): void {
  let cc: compact_control | null = null;
  for (const z of pgdat.node_zones) {
    if (!z.populated_zone()) continue;
    if (cc === null) {
      cc = new compact_control(z, null);
      cc.order = -1;
      cc.mode = MIGRATE_SYNC_LIGHT;
      cc.ignore_skip_hint = true;
      cc.whole_zone = true;
      cc.gfp_mask = GFP_KERNEL;
      cc.proactive_compaction = true;
    }
    cc.zone = z;
    compact_zone(k, cc);
  }
}

/** Is some zone up to kcompactd_highest_zoneidx worth compacting for kcompactd_max_order? @kernel mm/compaction.c kcompactd_node_suitable */
function kcompactd_node_suitable(k: Kernel, t: kcompactd_thread): boolean {
  const pgdat = t.pgdat;
  for (let zoneid = 0; zoneid <= t.kcompactd_highest_zoneidx; zoneid++) {
    const z = pgdat.node_zones[zoneid];
    if (!z.populated_zone()) continue;
    if (compaction_suitable(k, z, t.kcompactd_max_order, 0, t.kcompactd_highest_zoneidx) === COMPACT_CONTINUE) return true;
  }
  return false;
}

/** @kernel mm/compaction.c kcompactd_work_requested */
function kcompactd_work_requested(t: kcompactd_thread): boolean {
  return t.kcompactd_max_order > 0 || t.proactive_compact_trigger;
}

/** "nid=0 order=9 classzone_idx=Normal  ": kcompactd_wake_template's format. */
function kcompactd_wake_text(nid: number, order: number, highest_zoneidx: number): string {
  return `nid=${nid} order=${order} classzone_idx=${(zone_names[highest_zoneidx] ?? String(highest_zoneidx)).padEnd(8)}`;
}

/**
 * kcompactd's work when woken for an order: each zone up to the highest asked for that is not
 * deferred and that compaction_suitable finds worth it is compacted (MIGRATE_SYNC_LIGHT, skip
 * hints honoured, cached positions used) until a block of the order is free. Success resets the
 * deferral; a run that met the scanners drains the pcp lists (free pages stranded there could
 * merge) and defers the zone. compact_daemon_wake counts the runs, compact_daemon_*_scanned what
 * they scanned (besides compact_*_scanned, which compact_zone counts).
 * @kernel mm/compaction.c kcompactd_do_work
 */
export function kcompactd_do_work(k: Kernel, t: kcompactd_thread): void {
  const pgdat = t.pgdat;
  const order = t.kcompactd_max_order;
  const highest_zoneidx = t.kcompactd_highest_zoneidx;
  if (k.trace.enabled("mm_compaction_kcompactd_wake")) {
    k.trace.emit("mm_compaction_kcompactd_wake", { nid: pgdat.node_id, order, highest_zoneidx }, kcompactd_wake_text(pgdat.node_id, order, highest_zoneidx));
  }
  k.vm_events[KCOMPACTD_WAKE]++;
  let cc: compact_control | null = null;
  for (let zoneid = 0; zoneid <= highest_zoneidx; zoneid++) {
    const z = pgdat.node_zones[zoneid];
    if (!z.populated_zone()) continue;
    if (compaction_deferred(z, order)) continue;
    if (compaction_suitable(k, z, order, 0, zoneid) !== COMPACT_CONTINUE) continue;
    if (cc === null) {
      cc = new compact_control(z, null);
      cc.order = order;
      cc.highest_zoneidx = highest_zoneidx;
      cc.mode = MIGRATE_SYNC_LIGHT;
      cc.ignore_skip_hint = false;
      cc.gfp_mask = GFP_KERNEL;
    }
    cc.zone = z;
    const status = compact_zone(k, cc);
    if (status === COMPACT_SUCCESS) {
      compaction_defer_reset(z, order, false);
    } else if (status === COMPACT_PARTIAL_SKIPPED || status === COMPACT_COMPLETE) {
      drain_all_pages(k, z);
      defer_compaction(z, order);
    }
    k.vm_events[KCOMPACTD_MIGRATE_SCANNED] += cc.total_migrate_scanned;
    k.vm_events[KCOMPACTD_FREE_SCANNED] += cc.total_free_scanned;
  }
  // Done until woken again, unless a wakeup meanwhile asked for more.
  if (t.kcompactd_max_order <= order) t.kcompactd_max_order = 0;
  if (t.kcompactd_highest_zoneidx >= highest_zoneidx) t.kcompactd_highest_zoneidx = pgdat.nr_zones - 1;
}

/**
 * Asks the node's kcompactd for a free block of `order`: the request is recorded (the highest
 * order, the lowest zone index), and kcompactd woken if it is waiting and some zone is worth
 * compacting. Called by kswapd as it goes to sleep (for the order it was woken for), after a
 * boosted balance_pgdat (pageblock_order), and by wakeup_kswapd for a request that may not
 * reclaim directly on a balanced node. Order 0 asks nothing.
 * @kernel mm/compaction.c wakeup_kcompactd
 */
export function wakeup_kcompactd(k: Kernel, pgdat: pglist_data, order: number, highest_zoneidx: number): void {
  if (!order) return;
  const t = pgdat.kcompactd;
  if (t === null) return;
  if (t.kcompactd_max_order < order) t.kcompactd_max_order = order;
  if (t.kcompactd_highest_zoneidx > highest_zoneidx) t.kcompactd_highest_zoneidx = highest_zoneidx;
  // wq_has_sleeper: only a kcompactd waiting on its queue (not one about to run) is woken.
  if (t.state !== KCOMPACTD_WAITING) return;
  if (!kcompactd_node_suitable(k, t)) return;
  if (k.trace.enabled("mm_compaction_wakeup_kcompactd")) {
    k.trace.emit("mm_compaction_wakeup_kcompactd", { nid: pgdat.node_id, order, highest_zoneidx }, kcompactd_wake_text(pgdat.node_id, order, highest_zoneidx));
  }
  t.wake(k);
}

/**
 * A non-zero write to vm.compaction_proactiveness: each node's kcompactd is woken for a
 * proactive round at once (proactive_compact_trigger), not at its next 500 ms check.
 * @kernel mm/compaction.c compaction_proactiveness_sysctl_handler
 */
export function compaction_proactiveness_effect(k: Kernel): void {
  for (const pgdat of k.node_data) {
    const t = pgdat.kcompactd;
    if (t === null || t.proactive_compact_trigger) continue;
    t.proactive_compact_trigger = true;
    t.wake(k);
  }
}

/** kcompactd's wait: on its queue (with the timeout in wait_until), or woken and runnable. */
const KCOMPACTD_WAITING = 0;
const KCOMPACTD_RUNNABLE = 1;

/**
 * The node's compaction daemon. Its loop, one turn per run(): it waits on kcompactd_wait for
 * HPAGE_FRAG_CHECK_INTERVAL_MSEC (for ever when compaction_proactiveness is 0, 64 times as long
 * after a proactive round that did not lower the score); woken with an order requested (and no
 * proactive trigger), it runs kcompactd_do_work under a PSI memory stall; otherwise (timeout, or
 * the sysctl's trigger) it runs proactive_compact_node if the node's score is above the high
 * mark. A timeout that finds an order requested meanwhile (wakeup_kcompactd recorded it without
 * waking) does the work too, as wait_event_freezable_timeout returns true for a condition that
 * holds when the time runs out.
 *
 * Simplified: kcompactd runs when the clock next passes its time (like khugepaged, no wakeup
 * preemption of the running task), and compaction costs no simulated time (compact_zone never
 * has); the timeout is not rounded to jiffies beyond HZ=250's exact 125.
 * @kernel mm/compaction.c kcompactd, kcompactd_run, kcompactd_init
 * @kernel include/trace/events/compaction.h mm_compaction_kcompactd_sleep,
 *   mm_compaction_kcompactd_wake, mm_compaction_wakeup_kcompactd
 */
export class kcompactd_thread implements kthread {
  readonly comm: string;
  pid = 0;
  on_cpu = false;
  state = KCOMPACTD_WAITING;
  /** When the timed wait ends (Infinity: MAX_SCHEDULE_TIMEOUT). */
  wait_until = 0;
  /** The timeout its next wait takes, in ns. */
  timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1e6;
  /** pgdat->kcompactd_max_order: the highest order asked for since the last run. */
  kcompactd_max_order = 0;
  /** pgdat->kcompactd_highest_zoneidx: the lowest highest_zoneidx asked for. */
  kcompactd_highest_zoneidx: number;
  /** pgdat->proactive_compact_trigger: the proactiveness sysctl asked for a round now. */
  proactive_compact_trigger = false;
  constructor(readonly pgdat: pglist_data) {
    this.comm = `kcompactd${pgdat.node_id}`;
    this.kcompactd_highest_zoneidx = pgdat.nr_zones - 1;
    asDoubles<kcompactd_thread>(this, "wait_until", "timeout_ns");
  }

  next_ns(k: Kernel): number {
    return this.state === KCOMPACTD_RUNNABLE ? k.now_ns : this.wait_until;
  }

  run(k: Kernel): void {
    const pgdat = this.pgdat;
    const default_timeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1e6;
    this.state = KCOMPACTD_RUNNABLE;
    if (kcompactd_work_requested(this) && !this.proactive_compact_trigger) {
      const pflags = psi_memstall_enter(k);
      kcompactd_do_work(k, this);
      psi_memstall_leave(k, pflags);
      this.timeout_ns = default_timeout;
    } else {
      this.timeout_ns = default_timeout;
      if (should_proactive_compact_node(k, pgdat)) {
        const prev_score = fragmentation_score_node(pgdat);
        proactive_compact_node(k, pgdat);
        const score = fragmentation_score_node(pgdat);
        // No progress: back off 64 times as long (32 s).
        if (score >= prev_score) this.timeout_ns = default_timeout * 2 ** COMPACT_MAX_DEFER_SHIFT;
      }
      this.proactive_compact_trigger = false;
    }
    this.sleep(k);
  }

  /** The top of kcompactd's loop: wait for work or the timeout (none with proactiveness 0). */
  sleep(k: Kernel): void {
    if (!k.vm.compaction_proactiveness) this.timeout_ns = Infinity;
    if (k.trace.enabled("mm_compaction_kcompactd_sleep")) k.trace.emit("mm_compaction_kcompactd_sleep", { nid: this.pgdat.node_id }, `nid=${this.pgdat.node_id}`);
    // wait_event checks the condition before sleeping: work asked for meanwhile runs at once.
    if (kcompactd_work_requested(this)) {
      this.state = KCOMPACTD_RUNNABLE;
      return;
    }
    this.state = KCOMPACTD_WAITING;
    this.wait_until = k.now_ns + this.timeout_ns;
  }

  /** wake_up_interruptible(&pgdat->kcompactd_wait). */
  wake(_k: Kernel): void {
    this.state = KCOMPACTD_RUNNABLE;
  }

  /** wakeup_kcompactd for this node (kswapd's entry: it reaches compaction through pgdat). */
  wakeup(k: Kernel, order: number, highest_zoneidx: number): void {
    wakeup_kcompactd(k, this.pgdat, order, highest_zoneidx);
  }

  /** reset_isolation_suitable for this node, as kswapd calls it going to sleep. */
  reset_isolation_suitable(k: Kernel): void {
    reset_isolation_suitable(k, this.pgdat);
  }
}

/**
 * Starts kcompactd<nid> for every node (kcompactd_init → kcompactd_run), waiting from boot.
 * @kernel mm/compaction.c kcompactd_run
 */
function kcompactd_init(k: Kernel): void {
  for (const pgdat of k.node_data) {
    if (pgdat.kcompactd !== null) continue;
    const t = new kcompactd_thread(pgdat);
    pgdat.kcompactd = t;
    kthread_run(k, t);
    t.sleep(k);
  }
}

