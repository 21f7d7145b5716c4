/**
 * The seams where the page allocator's slow path calls into mechanisms that live elsewhere in mm/:
 * kswapd (vmscan.c), direct reclaim (vmscan.c), direct compaction (compaction.c), node reclaim,
 * the OOM killer (oom_kill.c), and the few facts about the current task the allocator reads
 * (PF_MEMALLOC, being an OOM victim). Each hook is named as the kernel function it stands for.
 *
 * The defaults are what a kernel without those mechanisms does: kswapd is not there to wake,
 * reclaim finds nothing to reclaim (0 pages), compaction is skipped, there is no OOM killer to free
 * memory (so the allocation fails), and the current task is an ordinary one. At boot oom_kill.ts
 * (oom_init) and vmscan.ts (kswapd_init) put the real ones in; tests can still swap a hook out.
 *
 * @kernel mm/vmscan.c wakeup_kswapd, try_to_free_pages, zone_reclaimable_pages, node_reclaim
 * @kernel mm/compaction.c try_to_compact_pages, compaction_zonelist_suitable, compaction_defer_reset
 * @kernel mm/oom_kill.c out_of_memory
 * @kernel include/linux/compaction.h enum compact_result, enum compact_priority
 */
import type { mem_cgroup } from "./memcontrol.js";
import type { Kernel } from "../kernel/kernel.js";
import type { zone } from "./mmzone.js";
import { NR_FREE_PAGES, NR_ZONE_ACTIVE_FILE, NR_ZONE_INACTIVE_FILE } from "./vmstat_items.js";

// enum compact_result (include/linux/compaction.h)
export const COMPACT_NOT_SUITABLE_ZONE = 0;
export const COMPACT_SKIPPED = 1;
export const COMPACT_DEFERRED = 2;
export const COMPACT_NO_SUITABLE_PAGE = 3;
export const COMPACT_CONTINUE = 4;
export const COMPACT_COMPLETE = 5;
export const COMPACT_PARTIAL_SKIPPED = 6;
export const COMPACT_CONTENDED = 7;
export const COMPACT_SUCCESS = 8;

// enum compact_priority: lower is more thorough.
export const COMPACT_PRIO_SYNC_FULL = 0;
export const MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL;
export const COMPACT_PRIO_SYNC_LIGHT = 1;
export const MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
export const DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
export const COMPACT_PRIO_ASYNC = 2;
export const INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC;

/** Compaction did something useful. @kernel include/linux/compaction.h compaction_made_progress */
export function compaction_made_progress(result: number): boolean {
  return result === COMPACT_SUCCESS;
}
/** Compaction scanned whole zones and failed. @kernel include/linux/compaction.h compaction_failed */
export function compaction_failed(result: number): boolean {
  return result === COMPACT_COMPLETE;
}
/** Too few free order-0 pages to compact with. @kernel include/linux/compaction.h compaction_needs_reclaim */
export function compaction_needs_reclaim(result: number): boolean {
  return result === COMPACT_SKIPPED;
}
/** Compaction backed off early. @kernel include/linux/compaction.h compaction_withdrawn */
export function compaction_withdrawn(result: number): boolean {
  return result === COMPACT_DEFERRED || result === COMPACT_CONTENDED || result === COMPACT_PARTIAL_SKIPPED;
}

// node_reclaim() results (mm/internal.h)
export const NODE_RECLAIM_NOSCAN = -2;
export const NODE_RECLAIM_FULL = -1;
export const NODE_RECLAIM_SOME = 0;
export const NODE_RECLAIM_SUCCESS = 1;

/** task_struct->flags bits the allocator reads. @kernel include/linux/sched.h PF_MEMALLOC */
export const PF_MEMALLOC = 0x00000800;
export const PF_EXITING = 0x00000004;

/**
 * The allocation a slow-path hook is called for: the zonelist (zones in fallback order, see
 * pglist_data.node_zonelists), the nodemask (null = all nodes), the highest usable zone index and
 * the preferred migratetype.
 * @kernel mm/internal.h struct alloc_context
 */
export interface alloc_context {
  zonelist: zone[];
  nodemask: number[] | null;
  /** Index in `zonelist` of the first usable zone (first_zones_zonelist), -1 when none. */
  preferred_zoneref: number;
  /** For __GFP_THISNODE: only zones of this node are used (ZONELIST_NOFALLBACK); -1 otherwise. */
  thisnode: number;
  migratetype: number;
  highest_zoneidx: number;
  spread_dirty_pages: boolean;
}

/**
 * What the allocator hands the OOM killer.
 * @kernel include/linux/oom.h struct oom_control
 */
export interface oom_control {
  zonelist: zone[];
  nodemask: number[] | null;
  /** null: a global OOM; else the memcg over its limit (mem_cgroup_out_of_memory). */
  memcg: mem_cgroup | null;
  gfp_mask: number;
  order: number;
}

export interface mm_hooks {
  /** Wake the node's kswapd for a zone that fell below its low watermark. */
  wakeup_kswapd(k: Kernel, z: zone, gfp_flags: number, order: number, highest_zoneidx: number): void;
  /** Direct reclaim: returns the number of pages reclaimed (progress). */
  try_to_free_pages(k: Kernel, ac: alloc_context, order: number, gfp_mask: number): number;
  /**
   * Direct compaction: returns an enum compact_result. Simplified: no capture_control, so a
   * compacted page is found by the allocator's following get_page_from_freelist.
   */
  try_to_compact_pages(k: Kernel, gfp_mask: number, order: number, alloc_flags: number, ac: alloc_context, prio: number): number;
  /** Would compaction have a chance in some zone if reclaim freed order-0 pages first? */
  compaction_zonelist_suitable(k: Kernel, ac: alloc_context, order: number, alloc_flags: number): boolean;
  /** After a compacted allocation: the zone's deferral for the order is over. */
  compaction_defer_reset(z: zone, order: number, alloc_success: boolean): void;
  /** The OOM killer: true when it made progress (killed or found a victim already dying). */
  out_of_memory(k: Kernel, oc: oom_control): boolean;
  /** Pages reclaim could free in a zone. */
  zone_reclaimable_pages(k: Kernel, z: zone): number;
  /** zone_reclaim_mode's node-local reclaim: an NODE_RECLAIM_* value. */
  node_reclaim(k: Kernel, z: zone, gfp_mask: number, order: number): number;
  /** current->flags (PF_MEMALLOC, PF_EXITING…). */
  current_flags(k: Kernel): number;
  /** tsk_is_oom_victim(current). */
  tsk_is_oom_victim(k: Kernel): boolean;
}

/**
 * zone_reclaimable_pages of Debian's 6.1.x: the file LRU pages, plus anon when swap could take
 * them, and, if that is 0, the zone's free pages (a stable backport so zones with no LRU pages but
 * free memory are not written off by should_reclaim_retry). This default, for a kernel without
 * reclaim, leaves anon out as a kernel without swap does; vmscan.ts's counts it when swap has room.
 * @kernel mm/vmscan.c zone_reclaimable_pages
 */
export function default_zone_reclaimable_pages(_k: Kernel, z: zone): number {
  const nr = z.vm_stat[NR_ZONE_INACTIVE_FILE] + z.vm_stat[NR_ZONE_ACTIVE_FILE];
  return nr === 0 ? z.vm_stat[NR_FREE_PAGES] : nr;
}

// The hooks of a kernel built without the mechanism (the !CONFIG_ stubs of the headers). They are
// named module functions, not closures, so a machine's hooks table is data a snapshot can name
// (src/sim/snapshot_registry.ts lists them).
/** No kswapd to wake. */
export function no_wakeup_kswapd(): void {}
/** No reclaim: no progress. */
export function no_try_to_free_pages(): number {
  return 0;
}
/** !CONFIG_COMPACTION's try_to_compact_pages: COMPACT_SKIPPED (include/linux/compaction.h). */
export function no_try_to_compact_pages(): number {
  return COMPACT_SKIPPED;
}
/** !CONFIG_COMPACTION's compaction_zonelist_suitable. */
export function no_compaction_zonelist_suitable(): boolean {
  return false;
}
/** !CONFIG_COMPACTION: nothing deferred, nothing to reset. */
export function no_compaction_defer_reset(): void {}
/** No OOM killer: no progress. */
export function no_out_of_memory(): boolean {
  return false;
}
/** !CONFIG_NUMA's node_reclaim: NODE_RECLAIM_NOSCAN (mm/internal.h). */
export function no_node_reclaim(): number {
  return NODE_RECLAIM_NOSCAN;
}
/** current->flags with nothing setting PF_MEMALLOC. */
export function no_current_flags(): number {
  return 0;
}
/** No OOM killer: no victims. */
export function no_tsk_is_oom_victim(): boolean {
  return false;
}

/** Hooks for a kernel with no kswapd, reclaim, compaction or OOM killer yet. */
export function default_mm_hooks(): mm_hooks {
  return {
    wakeup_kswapd: no_wakeup_kswapd,
    try_to_free_pages: no_try_to_free_pages,
    try_to_compact_pages: no_try_to_compact_pages,
    compaction_zonelist_suitable: no_compaction_zonelist_suitable,
    compaction_defer_reset: no_compaction_defer_reset,
    out_of_memory: no_out_of_memory,
    zone_reclaimable_pages: default_zone_reclaimable_pages,
    node_reclaim: no_node_reclaim,
    current_flags: no_current_flags,
    tsk_is_oom_victim: no_tsk_is_oom_victim,
  };
}
