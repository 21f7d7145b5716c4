/**
 * Dirty pages and their writeback (mm/page-writeback.c): marking a page cache folio dirty and
 * the accounting that goes with it (NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING, NR_DIRTIED, the wb's
 * WB_RECLAIMABLE and WB_DIRTIED, the task's write_bytes and nr_dirtied, the PAGECACHE_TAG_DIRTY
 * mark, the inode's dirty state), its undoing when a dirty folio is truncated
 * (folio_account_cleaned) or written (folio_clear_dirty_for_io), writeback's start and end on a
 * file folio (the wb's WB_WRITEBACK and WB_WRITTEN, the WRITEBACK tag), write_cache_pages (the
 * walk of a mapping's dirty folios every ->writepages uses), and the writer's throttle:
 * balance_dirty_pages with 6.1's limits.
 *
 * The throttle, as 6.1 has it (worked for pc-dirty's 512 MiB guest: 106.1k dirtyable pages):
 * - the global limits are dirty_ratio and dirty_background_ratio of global_dirtyable_memory
 *   (free pages above the reserves plus the file LRU), or dirty_bytes / dirty_background_bytes
 *   (thresh 21229, bg_thresh 10601 pages at the start of pc-dirty);
 * - a writer enters balance_dirty_pages once it has dirtied nr_dirtied_pause pages (or the CPU
 *   ratelimit_pages); above bg_thresh it wakes the flusher; at or below the freerun ceiling
 *   (thresh + bg_thresh) / 2 = 15915 pages it returns at once and sets its next check by
 *   dirty_poll_interval (√(thresh − dirty) rounded to a power of two: 64 pages at 10k dirty);
 * - above the ceiling the writer is paced: task_ratelimit = dirty_ratelimit × pos_ratio, where
 *   pos_ratio is the cubic of wb_position_ratio around the setpoint (freerun + limit) / 2, and
 *   the writer sleeps (io_schedule_timeout on the simulated clock, at most MAX_PAUSE = 200 ms)
 *   so that it dirties no faster than task_ratelimit; the flusher and the disk's completions run
 *   meanwhile. dirty_ratelimit follows the wb's write bandwidth as wb_update_dirty_ratelimit
 *   steers it, re-estimated every BANDWIDTH_INTERVAL (200 ms) from WB_WRITTEN.
 *
 * Only mappings that can write back account their dirty pages (mapping_can_writeback: a disk's
 * backing_dev_info has BDI_CAP_WRITEBACK); tmpfs folios are dirty but never counted in Dirty,
 * as on the real kernel (noop_dirty_folio).
 *
 * Simplified: one wb per disk and no cgroup writeback domains (mdtc); the wb's share of the
 * global threshold (__wb_calc_thresh's fprop fraction of writeout completions) is taken as the
 * whole of it — exact with one disk being written, as in every capture (pc-dirty's bdi stats
 * show BdiDirtyThresh = DirtyThresh); no BDI_CAP_STRICTLIMIT (FUSE), no laptop_mode, no
 * real-time tasks' bonus, no PF_LOCAL_THROTTLE, one CPU's bdp_ratelimits. The pause is slept
 * on the simulated clock in one piece (io_schedule_timeout), its jiffies of 4 ms (HZ=250).
 * @kernel mm/page-writeback.c folio_account_dirtied, folio_account_cleaned, __folio_mark_dirty,
 *   filemap_dirty_folio, folio_mark_dirty, noop_dirty_folio, balance_dirty_pages_ratelimited,
 *   balance_dirty_pages_ratelimited_flags, balance_dirty_pages, dirty_freerun_ceiling,
 *   hard_dirty_limit, pos_ratio_polynom, wb_position_ratio, wb_update_write_bandwidth,
 *   update_dirty_limit, domain_update_dirty_limit, wb_update_dirty_ratelimit,
 *   __wb_update_bandwidth, wb_update_bandwidth, wb_bandwidth_estimate_start, dirty_poll_interval,
 *   wb_max_pause, wb_min_pause, wb_dirty_limits, wb_over_bg_thresh, writeback_set_ratelimit,
 *   tag_pages_for_writeback, write_cache_pages, do_writepages, folio_clear_dirty_for_io,
 *   __folio_start_writeback, __folio_end_writeback, __wb_writeout_add, folio_wait_writeback
 */
import type { Kernel } from "../kernel/kernel.js";
import { kthread_run, schedule_timeout } from "../kernel/kthread.js";
import { HZ, registerVmSysctlEffect } from "../kernel/sysctl.js";
import { fatal_signal_pending, get_current, type task_struct } from "../kernel/sched.js";
import { type address_space, I_DIRTY_PAGES, type inode, WB_SYNC_ALL, WB_SYNC_NONE, type writeback_control } from "../fs/fs.js";
import { __mark_inode_dirty, wakeup_flusher_threads_sysctl, wb_start_background_writeback, writeback_in_progress, writeback_worker_init } from "../fs/fs-writeback.js";
import { type bdi_writeback, WB_DIRTIED, WB_RECLAIMABLE, WB_WRITEBACK, WB_WRITTEN } from "../block/blk.js";
import { fls_long, pow2, shr } from "../lib/bitops.js";
import { XA_MARK_0, xa_clear_mark, xa_find_marked, xa_get_mark, xa_load_folio, xa_set_mark, XA_MAX_INDEX } from "../lib/xarray.js";
import { folio_end_writeback, folio_start_writeback } from "./filemap.js";
import { F, PG_dirty, PG_reclaim, PG_writeback } from "./memmap.js";
import { folio_wait_writeback } from "./page_io.js";
import { mod_page_node_state, rmap_walk } from "./rmap.js";
import { VM_SHARED } from "./mm_types.js";
import { _PAGE_DIRTY, _PAGE_RW } from "../arch/x86/pgtable.js";
import { global_node_page_state, __mod_zone_page_state } from "./vmstat.js";
import { global_dirtyable_memory } from "./vmstat_show.js";
import { NR_DIRTIED, NR_FILE_DIRTY, NR_WRITEBACK, NR_ZONE_WRITE_PENDING } from "./vmstat_items.js";
import { clamp } from "../lib/math.js";

/** PAGECACHE_TAG_DIRTY: the xarray mark of dirty folios (XA_MARK_0). */
export const PAGECACHE_TAG_DIRTY = XA_MARK_0;
/** PAGECACHE_TAG_WRITEBACK (XA_MARK_1). */
export const PAGECACHE_TAG_WRITEBACK = 1;
/** PAGECACHE_TAG_TOWRITE (XA_MARK_2). */
export const PAGECACHE_TAG_TOWRITE = 2;

/** A jiffy at CONFIG_HZ (kernel/sysctl.ts's HZ, Debian's 250): 4 ms. */
export const TICK_NS = 1e9 / HZ;
/** MAX_PAUSE: a throttled writer sleeps at most HZ/5 jiffies (200 ms) at a time. */
export const MAX_PAUSE = Math.max(HZ / 5, 1);
/** DIRTY_POLL_THRESH: keep balance_dirty_pages calls at least this many pages apart (128 KiB). */
const DIRTY_POLL_THRESH = 128 >> (12 - 10);
/** BANDWIDTH_INTERVAL: the bandwidth is estimated every 200 ms. */
export const BANDWIDTH_INTERVAL = Math.max(HZ / 5, 1);
const RATELIMIT_CALC_SHIFT = 10;
/** WB_BANDWIDTH_IDLE_JIF: a wb idle this long restarts its bandwidth estimate. */
const WB_BANDWIDTH_IDLE_JIF = HZ;
/** roundup_pow_of_two(3 * HZ), roundup_pow_of_two(1 + HZ / 8), roundup_pow_of_two(HZ) at HZ=250. */
const BW_PERIOD = 1024;
const POW2_HZ_8 = 32;
const POW2_HZ = 256;

/** The jiffies counter of the simulated clock (whole 4 ms ticks since boot). */
export function jiffies(k: Kernel): number {
  return Math.floor(k.now_ns / TICK_NS);
}

function ilog2(x: number): number {
  return fls_long(x) - 1;
}

/**
 * The dirty_throttle_control of one balance_dirty_pages round: the domain's figures and the
 * wb's. Reused (one per machine) so the throttle allocates nothing.
 * @kernel mm/page-writeback.c struct dirty_throttle_control
 */
export class dirty_throttle_control {
  avail = 0;
  dirty = 0;
  thresh = 0;
  bg_thresh = 0;
  wb_dirty = 0;
  wb_thresh = 0;
  wb_bg_thresh = 0;
  pos_ratio = 0;
}

/**
 * The machine's writeback statics: the global wb_domain's dirty_limit (which follows the
 * threshold up at once and down slowly), ratelimit_pages, and the CPU's bdp_ratelimits and
 * dirty_throttle_leaks counters.
 * @kernel include/linux/writeback.h struct wb_domain
 */
export class writeback_globals {
  /** balance_dirty_pages' and wb_over_bg_thresh's dirty_throttle_control, and an out-parameter. */
  readonly dtc = new dirty_throttle_control();
  readonly out = new Float64Array(1);
  /** global_wb_domain.dirty_limit and dirty_limit_tstamp (jiffies). */
  dirty_limit = 0;
  dirty_limit_tstamp = 0;
  /** ratelimit_pages: 32 until writeback_set_ratelimit runs at boot. */
  ratelimit_pages = 32;
  /** The per-CPU bdp_ratelimits (one CPU's worth): pages dirtied since a balance_dirty_pages. */
  bdp_ratelimits = 0;
  /** dirty_throttle_leaks: pages dirtied by exited tasks, charged to the next writer. */
  dirty_throttle_leaks = 0;
}

/** Does the mapping's backing device write back (BDI_CAP_WRITEBACK)? A disk's does; tmpfs's does not. @kernel include/linux/backing-dev.h mapping_can_writeback */
export function mapping_can_writeback(mapping: address_space): boolean {
  const host = mapping.host;
  if (host === null) return false;
  return (host.i_bdev ?? host.i_sb.s_bdev) !== null;
}

/** The wb an inode writes back through (its disk's), or null for tmpfs and the like. @kernel include/linux/backing-dev.h inode_to_wb */
export function inode_to_wb(ino: inode): bdi_writeback | null {
  const bdev = ino.i_bdev ?? ino.i_sb.s_bdev;
  return bdev === null ? null : bdev.bdi.wb;
}

function mapping_wb(mapping: address_space): bdi_writeback | null {
  return mapping.host === null ? null : inode_to_wb(mapping.host);
}

/** The disk name a writeback tracepoint prints as its bdi ("254:0"). */
export function bdi_dev_name(ino: inode | null): string {
  const bdev = ino === null ? null : (ino.i_bdev ?? ino.i_sb.s_bdev);
  return bdev === null ? "(unknown)" : bdev.bdi.name;
}

/**
 * The accounting of a folio becoming dirty.
 * @kernel mm/page-writeback.c folio_account_dirtied
 */
function folio_account_dirtied(k: Kernel, pfn: number, mapping: address_space): void {
  if (!mapping_can_writeback(mapping)) return;
  const host = mapping.host as inode;
  if (k.trace.enabled("writeback_dirty_folio")) {
    const name = bdi_dev_name(host);
    const index = k.mem_map.index[pfn];
    k.trace.emit("writeback_dirty_folio", { name, ino: host.i_ino, index }, `bdi ${name}: ino=${host.i_ino} index=${index}`);
  }
  mod_page_node_state(k, pfn, NR_FILE_DIRTY, 1);
  const z = k.page_zone(pfn);
  if (z !== undefined) __mod_zone_page_state(z, NR_ZONE_WRITE_PENDING, 1);
  mod_page_node_state(k, pfn, NR_DIRTIED, 1);
  const wb = inode_to_wb(host);
  if (wb !== null) {
    wb.stat[WB_RECLAIMABLE]++;
    wb.stat[WB_DIRTIED]++;
  }
  const t = get_current(k);
  if (t !== undefined) {
    t.ioac.write_bytes += 4096; // task_io_account_write
    t.nr_dirtied++;
  }
  k.wbg.bdp_ratelimits++;
}

/**
 * A dirty folio leaves the page cache without being written (truncation): its dirty accounting
 * is undone and the bytes count as cancelled writes.
 * @kernel mm/page-writeback.c folio_account_cleaned
 */
export function folio_account_cleaned(k: Kernel, pfn: number): void {
  mod_page_node_state(k, pfn, NR_FILE_DIRTY, -1);
  const z = k.page_zone(pfn);
  if (z !== undefined) __mod_zone_page_state(z, NR_ZONE_WRITE_PENDING, -1);
  const mapping = k.vfs.mappings.get(k.mem_map.mapping[pfn]);
  const wb = mapping === undefined ? null : mapping_wb(mapping);
  if (wb !== null) wb.stat[WB_RECLAIMABLE]--;
  const t = get_current(k);
  if (t !== undefined) t.ioac.cancelled_write_bytes += 4096;
}

/**
 * Sets PG_dirty on a page cache folio, accounts it and tags it dirty, then marks its inode
 * dirty. False if it already was dirty.
 * @kernel mm/page-writeback.c filemap_dirty_folio, __folio_mark_dirty
 */
export function filemap_dirty_folio(k: Kernel, mapping: address_space, pfn: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_dirty)) !== 0) return false;
  mem.flags[pfn] |= F(PG_dirty);
  if (mem.mapping[pfn] === mapping.id) {
    folio_account_dirtied(k, pfn, mapping);
    xa_set_mark(mapping.i_pages, mem.index[pfn], PAGECACHE_TAG_DIRTY);
  }
  if (mapping.host !== null) __mark_inode_dirty(k, mapping.host, I_DIRTY_PAGES);
  return true;
}

/** The dirty_folio of mappings with no writeback (tmpfs): the flag alone. @kernel mm/page-writeback.c noop_dirty_folio */
export function noop_dirty_folio(k: Kernel, _mapping: address_space, pfn: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_dirty)) !== 0) return false;
  mem.flags[pfn] |= F(PG_dirty);
  return true;
}

/**
 * Marks a page cache folio dirty through its mapping's a_ops->dirty_folio (clearing a stale
 * PG_reclaim, which shares its bit with PG_readahead).
 * @kernel mm/page-writeback.c folio_mark_dirty
 */
export function folio_mark_dirty(k: Kernel, mapping: address_space, pfn: number): boolean {
  const mem = k.mem_map;
  mem.flags[pfn] &= ~F(PG_reclaim);
  const dirty = mapping.a_ops.dirty_folio;
  return dirty ? dirty(k, mapping, pfn) : noop_dirty_folio(k, mapping, pfn);
}

/**
 * Write-protects and cleans every shared PTE mapping the folio (page_mkclean_one), so the next
 * write through a mapping faults (wp_page_shared) and dirties the folio again. True if a PTE was
 * dirty: its dirt belongs to the folio.
 * @kernel mm/rmap.c folio_mkclean, page_mkclean_one, page_vma_mkclean_one
 */
export function folio_mkclean(k: Kernel, pfn: number): boolean {
  if (k.mem_map.mapcount[pfn] <= 0) return false;
  const pool = k.pgtables;
  let cleaned = 0;
  rmap_walk(k, pfn, (vma, _addr, i) => {
    if ((vma.vm_flags & VM_SHARED) === 0) return true;
    const f = pool.ent_flags[i];
    if ((f & (_PAGE_DIRTY | _PAGE_RW)) !== 0) {
      if ((f & _PAGE_DIRTY) !== 0) cleaned++;
      pool.ent_flags[i] = f & ~(_PAGE_DIRTY | _PAGE_RW);
    }
    return true;
  });
  return cleaned > 0;
}

/**
 * Clears PG_dirty of a folio about to be written, moving its dirty accounting off (the write
 * makes it clean): its mappings are write-protected first (folio_mkclean), a dirty PTE's dirt
 * passing to the folio. False if it was not dirty.
 * @kernel mm/page-writeback.c folio_clear_dirty_for_io
 */
export function folio_clear_dirty_for_io(k: Kernel, mapping: address_space, pfn: number): boolean {
  const mem = k.mem_map;
  if (mapping_can_writeback(mapping) && folio_mkclean(k, pfn)) folio_mark_dirty(k, mapping, pfn);
  if ((mem.flags[pfn] & F(PG_dirty)) === 0) return false;
  mem.flags[pfn] &= ~F(PG_dirty);
  if (mapping_can_writeback(mapping)) {
    mod_page_node_state(k, pfn, NR_FILE_DIRTY, -1);
    const z = k.page_zone(pfn);
    if (z !== undefined) __mod_zone_page_state(z, NR_ZONE_WRITE_PENDING, -1);
    const wb = mapping_wb(mapping);
    if (wb !== null) wb.stat[WB_RECLAIMABLE]--;
  }
  return true;
}

/**
 * Starts writeback of a locked, just-cleaned page cache folio: PG_writeback (NR_WRITEBACK), the
 * wb's WB_WRITEBACK, the WRITEBACK tag on, the DIRTY and TOWRITE tags off.
 * @kernel mm/page-writeback.c __folio_start_writeback
 */
export function __folio_start_writeback(k: Kernel, mapping: address_space, pfn: number): void {
  if (!folio_start_writeback(k, pfn)) return;
  const xa = mapping.i_pages;
  const index = k.mem_map.index[pfn];
  xa_set_mark(xa, index, PAGECACHE_TAG_WRITEBACK);
  if ((k.mem_map.flags[pfn] & F(PG_dirty)) === 0) xa_clear_mark(xa, index, PAGECACHE_TAG_DIRTY);
  xa_clear_mark(xa, index, PAGECACHE_TAG_TOWRITE);
  const wb = mapping_wb(mapping);
  if (wb !== null) wb.stat[WB_WRITEBACK]++;
}

/**
 * A page cache folio's write completed (the bio's end_io): the wb's WB_WRITEBACK and
 * WB_WRITTEN (__wb_writeout_add), the WRITEBACK tag off, then folio_end_writeback (NR_WRITEBACK
 * to NR_WRITTEN, a PG_reclaim folio rotated to the inactive tail).
 * @kernel mm/page-writeback.c __folio_end_writeback, __wb_writeout_add
 */
export function end_page_writeback_file(k: Kernel, pfn: number): void {
  const mapping = k.vfs.mappings.get(k.mem_map.mapping[pfn]);
  if (mapping !== undefined) {
    xa_clear_mark(mapping.i_pages, k.mem_map.index[pfn], PAGECACHE_TAG_WRITEBACK);
    const wb = mapping_wb(mapping);
    if (wb !== null) {
      wb.stat[WB_WRITEBACK]--;
      wb.stat[WB_WRITTEN]++;
    }
  }
  folio_end_writeback(k, pfn);
}

// ---------------------------------------------------------------------------------------------
// The dirty limits and the throttle
// ---------------------------------------------------------------------------------------------

/**
 * thresh and bg_thresh of the global domain from dtc.avail: dirty_bytes (rounded up to pages) or
 * dirty_ratio per-PAGE_SIZE of the dirtyable memory, likewise the background pair; a background
 * threshold at or above the foreground one is halved from it.
 * Simplified: no real-time bonus (bg_thresh += bg_thresh / 4 + dirty_limit / 32 for rt tasks).
 * @kernel mm/page-writeback.c domain_dirty_limits
 */
export function domain_dirty_limits(k: Kernel, dtc: dirty_throttle_control): void {
  const ratio = Math.floor((k.vm.dirty_ratio * 4096) / 100);
  const bg_ratio = Math.floor((k.vm.dirty_background_ratio * 4096) / 100);
  let thresh = k.vm.dirty_bytes ? Math.ceil(k.vm.dirty_bytes / 4096) : Math.floor((ratio * dtc.avail) / 4096);
  let bg_thresh = k.vm.dirty_background_bytes ? Math.ceil(k.vm.dirty_background_bytes / 4096) : Math.floor((bg_ratio * dtc.avail) / 4096);
  if (thresh > 0xffffffff) thresh = 0xffffffff;
  if (bg_thresh >= thresh) bg_thresh = Math.floor(thresh / 2);
  dtc.thresh = thresh;
  dtc.bg_thresh = bg_thresh;
}

/** Below this the writer runs free: halfway between the two thresholds. @kernel mm/page-writeback.c dirty_freerun_ceiling */
export function dirty_freerun_ceiling(thresh: number, bg_thresh: number): number {
  return Math.floor((thresh + bg_thresh) / 2);
}

/** @kernel mm/page-writeback.c hard_dirty_limit */
function hard_dirty_limit(k: Kernel, thresh: number): number {
  return Math.max(thresh, k.wbg.dirty_limit);
}

/**
 * The wb's share of the thresholds and its dirty count (WB_RECLAIMABLE + WB_WRITEBACK).
 * Simplified: the share is the whole (see the header).
 * @kernel mm/page-writeback.c wb_dirty_limits, __wb_calc_thresh
 */
function wb_dirty_limits(wb: bdi_writeback, dtc: dirty_throttle_control): void {
  dtc.wb_thresh = dtc.thresh;
  dtc.wb_bg_thresh = dtc.thresh ? Math.floor((dtc.wb_thresh * dtc.bg_thresh) / dtc.thresh) : 0;
  dtc.wb_dirty = wb.stat[WB_RECLAIMABLE] + wb.stat[WB_WRITEBACK];
}

/**
 * 1 + ((setpoint - dirty) / (limit - setpoint))^3 in units of 1 << RATELIMIT_CALC_SHIFT,
 * clamped to [0, 2]: 1.0 at the setpoint, 2.0 at the freerun end, 0 at the limit.
 * @kernel mm/page-writeback.c pos_ratio_polynom
 */
export function pos_ratio_polynom(setpoint: number, dirty: number, limit: number): number {
  const x = Math.trunc(((setpoint - dirty) * (1 << RATELIMIT_CALC_SHIFT)) / ((limit - setpoint) | 1));
  let pos_ratio = x;
  pos_ratio = Math.floor((pos_ratio * x) / 1024);
  pos_ratio = Math.floor((pos_ratio * x) / 1024);
  pos_ratio += 1 << RATELIMIT_CALC_SHIFT;
  return clamp(pos_ratio, 0, 2 << RATELIMIT_CALC_SHIFT);
}

/**
 * The position ratio: the global control line (pos_ratio_polynom around the setpoint) scaled
 * by the wb's own line, which aims its dirty pages at wb_setpoint and slopes over a span of
 * eight times its write bandwidth.
 * @kernel mm/page-writeback.c wb_position_ratio
 */
function wb_position_ratio(k: Kernel, wb: bdi_writeback, dtc: dirty_throttle_control): void {
  const write_bw = wb.avg_write_bandwidth;
  const freerun = dirty_freerun_ceiling(dtc.thresh, dtc.bg_thresh);
  const limit = hard_dirty_limit(k, dtc.thresh);
  let wb_thresh = dtc.wb_thresh;
  dtc.pos_ratio = 0;
  if (dtc.dirty >= limit) return;
  const setpoint = Math.floor((freerun + limit) / 2);
  let pos_ratio = pos_ratio_polynom(setpoint, dtc.dirty, limit);
  if (wb_thresh > dtc.thresh) wb_thresh = dtc.thresh;
  wb_thresh = Math.max(wb_thresh, Math.floor((limit - dtc.dirty) / 8));
  const x = Math.floor((wb_thresh * 65536) / (dtc.thresh | 1));
  const wb_setpoint = Math.floor((setpoint * x) / 65536);
  const span = Math.floor(((dtc.thresh - wb_thresh + 8 * write_bw) * x) / 65536);
  let x_intercept = wb_setpoint + span;
  if (dtc.wb_dirty < x_intercept - Math.floor(span / 4)) {
    pos_ratio = Math.floor((pos_ratio * (x_intercept - dtc.wb_dirty)) / ((x_intercept - wb_setpoint) | 1));
  } else {
    pos_ratio = Math.floor(pos_ratio / 4);
  }
  x_intercept = Math.floor(wb_thresh / 2);
  if (dtc.wb_dirty < x_intercept) {
    if (dtc.wb_dirty > Math.floor(x_intercept / 8)) pos_ratio = Math.floor((pos_ratio * x_intercept) / dtc.wb_dirty);
    else pos_ratio *= 8;
  }
  dtc.pos_ratio = pos_ratio;
}

/**
 * The write bandwidth over the last `elapsed` jiffies, smoothed over a 3 s (1024-jiffy) period,
 * and its slower average.
 * @kernel mm/page-writeback.c wb_update_write_bandwidth
 */
function wb_update_write_bandwidth(wb: bdi_writeback, elapsed: number, written: number): void {
  let avg = wb.avg_write_bandwidth;
  const old = wb.write_bandwidth;
  let bw = (written - Math.min(written, wb.written_stamp)) * HZ;
  if (elapsed > BW_PERIOD) {
    bw = Math.floor(bw / elapsed);
    avg = bw;
  } else {
    bw += wb.write_bandwidth * (BW_PERIOD - elapsed);
    bw = Math.floor(bw / BW_PERIOD);
    if (avg > old && old >= bw) avg -= (avg - old) >> 3;
    if (avg < old && old <= bw) avg += (old - avg) >> 3;
  }
  avg = Math.max(avg, 1);
  wb.write_bandwidth = bw;
  wb.avg_write_bandwidth = avg;
}

/**
 * The global domain's dirty_limit follows a rising threshold at once and a falling one by 1/32
 * of the gap per BANDWIDTH_INTERVAL, never below the dirty pages.
 * @kernel mm/page-writeback.c update_dirty_limit, domain_update_dirty_limit
 */
function domain_update_dirty_limit(k: Kernel, dtc: dirty_throttle_control, now: number): void {
  const g = k.wbg;
  if (now < g.dirty_limit_tstamp + BANDWIDTH_INTERVAL) return;
  let limit = g.dirty_limit;
  if (limit < dtc.thresh) limit = dtc.thresh;
  else {
    const thresh = Math.max(dtc.thresh, dtc.dirty);
    if (limit > thresh) limit -= (limit - thresh) >> 5;
  }
  g.dirty_limit = limit;
  g.dirty_limit_tstamp = now;
}

/**
 * Steers dirty_ratelimit toward the balanced rate (the one at which the writers' dirtying
 * matches the wb's write bandwidth at the current position), by steps of at most 1/8 of the
 * gap, only when the balanced rate, the task's rate and the last balanced rate agree.
 * @kernel mm/page-writeback.c wb_update_dirty_ratelimit
 */
function wb_update_dirty_ratelimit(k: Kernel, wb: bdi_writeback, dtc: dirty_throttle_control, dirtied: number, elapsed: number): void {
  const dirty = dtc.dirty;
  const freerun = dirty_freerun_ceiling(dtc.thresh, dtc.bg_thresh);
  const limit = hard_dirty_limit(k, dtc.thresh);
  const setpoint = Math.floor((freerun + limit) / 2);
  const write_bw = wb.avg_write_bandwidth;
  let dirty_ratelimit = wb.dirty_ratelimit;
  const dirty_rate = Math.floor(((dirtied - wb.dirtied_stamp) * HZ) / elapsed);
  let task_ratelimit = Math.floor((dirty_ratelimit * dtc.pos_ratio) / 1024);
  task_ratelimit++;
  let balanced_dirty_ratelimit = Math.floor((task_ratelimit * write_bw) / (dirty_rate | 1));
  if (balanced_dirty_ratelimit > write_bw) balanced_dirty_ratelimit = write_bw;
  let step = 0;
  if (dirty < setpoint) {
    const x = Math.min(wb.balanced_dirty_ratelimit, balanced_dirty_ratelimit, task_ratelimit);
    if (dirty_ratelimit < x) step = x - dirty_ratelimit;
  } else {
    const x = Math.max(wb.balanced_dirty_ratelimit, balanced_dirty_ratelimit, task_ratelimit);
    if (dirty_ratelimit > x) step = dirty_ratelimit - x;
  }
  const shift = Math.floor(dirty_ratelimit / (2 * step + 1));
  step = shift < 64 ? Math.ceil(shr(step, shift) / 8) : 0;
  if (dirty_ratelimit < balanced_dirty_ratelimit) dirty_ratelimit += step;
  else dirty_ratelimit -= step;
  wb.dirty_ratelimit = Math.max(dirty_ratelimit, 1);
  wb.balanced_dirty_ratelimit = balanced_dirty_ratelimit;
  if (k.trace.enabled("bdi_dirty_ratelimit")) {
    const kb = (p: number): number => p * 4;
    k.trace.emit(
      "bdi_dirty_ratelimit",
      { write_bw: kb(wb.write_bandwidth), avg_write_bw: kb(write_bw), dirty_rate: kb(dirty_rate), dirty_ratelimit: kb(wb.dirty_ratelimit), task_ratelimit: kb(task_ratelimit), balanced_dirty_ratelimit: kb(balanced_dirty_ratelimit) },
      `bdi ${wb_name(k, wb)}: write_bw=${kb(wb.write_bandwidth)} awrite_bw=${kb(write_bw)} dirty_rate=${kb(dirty_rate)} dirty_ratelimit=${kb(wb.dirty_ratelimit)} task_ratelimit=${kb(task_ratelimit)} balanced_dirty_ratelimit=${kb(balanced_dirty_ratelimit)} cgroup_ino=1`,
    );
  }
}

/** The bdi name of a wb, for tracepoints. */
function wb_name(k: Kernel, wb: bdi_writeback): string {
  for (const d of k.blk.disks) if (d.bdi.wb === wb) return d.bdi.name;
  return "(unknown)";
}

/**
 * Re-estimates the wb's write bandwidth (and, from balance_dirty_pages, the domain's
 * dirty_limit and the wb's dirty_ratelimit) from the pages dirtied and written since the last
 * estimate.
 * @kernel mm/page-writeback.c __wb_update_bandwidth, wb_update_bandwidth
 */
export function __wb_update_bandwidth(k: Kernel, wb: bdi_writeback, dtc: dirty_throttle_control | null): void {
  const now = jiffies(k);
  const elapsed = Math.max(now - wb.bw_time_stamp, 1);
  const dirtied = wb.stat[WB_DIRTIED];
  const written = wb.stat[WB_WRITTEN];
  if (dtc !== null) {
    domain_update_dirty_limit(k, dtc, now);
    wb_update_dirty_ratelimit(k, wb, dtc, dirtied, elapsed);
  }
  wb_update_write_bandwidth(wb, elapsed, written);
  wb.dirtied_stamp = dirtied;
  wb.written_stamp = written;
  wb.bw_time_stamp = now;
}

/**
 * Writeback starts on an idle wb: its estimate's stamps restart, so the idle time does not
 * count as time the disk wrote nothing.
 * @kernel mm/page-writeback.c wb_bandwidth_estimate_start
 */
export function wb_bandwidth_estimate_start(k: Kernel, wb: bdi_writeback): void {
  const now = jiffies(k);
  if (now - wb.bw_time_stamp > WB_BANDWIDTH_IDLE_JIF && wb.stat[WB_WRITEBACK] === 0) {
    wb.dirtied_stamp = wb.stat[WB_DIRTIED];
    wb.written_stamp = wb.stat[WB_WRITTEN];
    wb.bw_time_stamp = now;
  }
}

/** How many pages a free-running writer may dirty before looking again: ~√(thresh − dirty). @kernel mm/page-writeback.c dirty_poll_interval */
export function dirty_poll_interval(dirty: number, thresh: number): number {
  if (thresh > dirty) return pow2(ilog2(thresh - dirty) >> 1);
  return 1;
}

/** The longest pause: the time the wb takes to write its dirty pages / 8, at most MAX_PAUSE. @kernel mm/page-writeback.c wb_max_pause */
function wb_max_pause(wb: bdi_writeback, wb_dirty: number): number {
  const bw = wb.avg_write_bandwidth;
  let t = Math.floor(wb_dirty / (1 + Math.floor(bw / POW2_HZ_8)));
  t++;
  return Math.min(t, MAX_PAUSE);
}

/**
 * The shortest pause worth taking (10 ms, more when the write bandwidth is far above the dirty
 * ratelimit), and in `out[0]` the pages the writer may dirty before its next check.
 * @kernel mm/page-writeback.c wb_min_pause
 */
function wb_min_pause(wb: bdi_writeback, max_pause: number, task_ratelimit: number, dirty_ratelimit: number, out: Float64Array): number {
  const hi = ilog2(wb.avg_write_bandwidth);
  const lo = ilog2(wb.dirty_ratelimit);
  let t = Math.max(1, Math.floor(HZ / 100));
  if (hi > lo) t += Math.floor(((hi - lo) * (10 * HZ)) / 1024);
  t = Math.min(t, 1 + Math.floor(max_pause / 2));
  let pages = Math.floor((dirty_ratelimit * t) / POW2_HZ);
  if (pages < DIRTY_POLL_THRESH) {
    t = max_pause;
    pages = Math.floor((dirty_ratelimit * t) / POW2_HZ);
    if (pages > DIRTY_POLL_THRESH) {
      pages = DIRTY_POLL_THRESH;
      t = Math.floor((HZ * DIRTY_POLL_THRESH) / dirty_ratelimit);
    }
  }
  const pause = Math.floor((HZ * pages) / (task_ratelimit + 1));
  if (pause > max_pause) {
    t = max_pause;
    pages = Math.floor((task_ratelimit * t) / POW2_HZ);
  }
  out[0] = pages;
  return pages >= DIRTY_POLL_THRESH ? 1 + Math.floor(t / 2) : t;
}

/** wb_stat_error: the per-CPU counters' slack, WB_STAT_BATCH for one CPU. @kernel include/linux/backing-dev.h wb_stat_error */
const WB_STAT_ERROR = 8;

/** Emits the balance_dirty_pages tracepoint (times in ms). */
function trace_balance_dirty_pages(k: Kernel, t: task_struct, wb: bdi_writeback, dtc: dirty_throttle_control, dirty_ratelimit: number, task_ratelimit: number, dirtied: number, period: number, pause: number, start_time: number): void {
  if (!k.trace.enabled("balance_dirty_pages")) return;
  const now = jiffies(k);
  const freerun = dirty_freerun_ceiling(dtc.thresh, dtc.bg_thresh);
  const limit = k.wbg.dirty_limit;
  const setpoint = Math.floor((limit + freerun) / 2);
  const bdi_setpoint = Math.floor((setpoint * dtc.wb_thresh) / (dtc.thresh + 1));
  const think = t.dirty_paused_when === 0 ? 0 : Math.trunc(((now - t.dirty_paused_when) * 1000) / HZ);
  const f = {
    bdi: wb_name(k, wb),
    limit,
    setpoint,
    dirty: dtc.dirty,
    bdi_setpoint,
    bdi_dirty: dtc.wb_dirty,
    dirty_ratelimit: dirty_ratelimit * 4,
    task_ratelimit: task_ratelimit * 4,
    dirtied,
    dirtied_pause: t.nr_dirtied_pause,
    paused: Math.floor(((now - start_time) * 1000) / HZ),
    pause: Math.trunc((pause * 1000) / HZ),
    period: Math.floor((period * 1000) / HZ),
    think,
  };
  k.trace.emit(
    "balance_dirty_pages",
    f,
    `bdi ${f.bdi}: limit=${f.limit} setpoint=${f.setpoint} dirty=${f.dirty} bdi_setpoint=${f.bdi_setpoint} bdi_dirty=${f.bdi_dirty} dirty_ratelimit=${f.dirty_ratelimit} task_ratelimit=${f.task_ratelimit} dirtied=${f.dirtied} dirtied_pause=${f.dirtied_pause} paused=${f.paused} pause=${f.pause} period=${f.period} think=${f.think} cgroup_ino=1`,
  );
}

/**
 * The writer `t` has dirtied `pages_dirtied` pages: compare the dirty pages with the limits,
 * wake the flusher above the background threshold, and — above the freerun ceiling — sleep as
 * long as dirtying that many pages at task_ratelimit would take, less the time already spent
 * since the last pause. Loops while the wb stays far over its limit with no rate to give.
 * @kernel mm/page-writeback.c balance_dirty_pages
 */
function balance_dirty_pages(k: Kernel, t: task_struct, wb: bdi_writeback, pages_dirtied: number): void {
  const dtc = k.wbg.dtc;
  const start_time = jiffies(k);
  for (;;) {
    let now = jiffies(k);
    const nr_reclaimable = global_node_page_state(k, NR_FILE_DIRTY);
    dtc.avail = global_dirtyable_memory(k);
    dtc.dirty = nr_reclaimable + global_node_page_state(k, NR_WRITEBACK);
    domain_dirty_limits(k, dtc);
    const dirty = dtc.dirty;
    const thresh = dtc.thresh;
    const bg_thresh = dtc.bg_thresh;
    if (k.vm.laptop_mode === 0 && nr_reclaimable > bg_thresh && !writeback_in_progress(wb)) wb_start_background_writeback(k, wb);
    if (dirty <= dirty_freerun_ceiling(thresh, bg_thresh)) {
      t.dirty_paused_when = now;
      t.nr_dirtied = 0;
      t.nr_dirtied_pause = dirty_poll_interval(dirty, thresh);
      break;
    }
    if (!writeback_in_progress(wb)) wb_start_background_writeback(k, wb);
    wb_dirty_limits(wb, dtc);
    const dirty_exceeded = dtc.wb_dirty > dtc.wb_thresh && dtc.dirty > dtc.thresh;
    wb_position_ratio(k, wb, dtc);
    wb.dirty_exceeded = dirty_exceeded;
    if (wb.bw_time_stamp + BANDWIDTH_INTERVAL < now) __wb_update_bandwidth(k, wb, dtc);
    const dirty_ratelimit = wb.dirty_ratelimit;
    const task_ratelimit = Math.floor((dirty_ratelimit * dtc.pos_ratio) / 1024);
    const max_pause = wb_max_pause(wb, dtc.wb_dirty);
    const out = k.wbg.out;
    const min_pause = wb_min_pause(wb, max_pause, task_ratelimit, dirty_ratelimit, out);
    const nr_dirtied_pause = out[0];
    let period: number;
    let pause: number;
    if (task_ratelimit === 0) {
      period = max_pause;
      pause = max_pause;
    } else {
      period = Math.floor((HZ * pages_dirtied) / task_ratelimit);
      pause = period;
      if (t.dirty_paused_when) pause -= now - t.dirty_paused_when;
      if (pause < min_pause) {
        trace_balance_dirty_pages(k, t, wb, dtc, dirty_ratelimit, task_ratelimit, pages_dirtied, period, Math.min(pause, 0), start_time);
        if (pause < -HZ) {
          t.dirty_paused_when = now;
          t.nr_dirtied = 0;
        } else if (period) {
          t.dirty_paused_when += period;
          t.nr_dirtied = 0;
        } else if (t.nr_dirtied_pause <= pages_dirtied) t.nr_dirtied_pause += pages_dirtied;
        break;
      }
      if (pause > max_pause) {
        now += Math.min(pause - max_pause, max_pause);
        pause = max_pause;
      }
    }
    trace_balance_dirty_pages(k, t, wb, dtc, dirty_ratelimit, task_ratelimit, pages_dirtied, period, pause, start_time);
    wb.dirty_sleep = now;
    // io_schedule_timeout: the flusher and the disk's completions run while the writer sleeps.
    schedule_timeout(k, pause * TICK_NS);
    k.currentPid = t.pid;
    k.currentComm = t.comm;
    t.dirty_paused_when = now + pause;
    t.nr_dirtied = 0;
    t.nr_dirtied_pause = nr_dirtied_pause;
    if (task_ratelimit) break;
    if (dtc.wb_dirty <= WB_STAT_ERROR) break;
    if (fatal_signal_pending(t)) break;
  }
}

/**
 * Called by every writer after it dirtied pages of `mapping`: once the task has dirtied
 * nr_dirtied_pause pages (8 while its wb is over its limit), or the CPU ratelimit_pages, it
 * goes through balance_dirty_pages.
 * @kernel mm/page-writeback.c balance_dirty_pages_ratelimited, balance_dirty_pages_ratelimited_flags
 */
export function balance_dirty_pages_ratelimited(k: Kernel, mapping: address_space): void {
  const wb = mapping_wb(mapping);
  if (wb === null) return; // !BDI_CAP_WRITEBACK
  const t = get_current(k);
  if (t === undefined) return;
  const g = k.wbg;
  let ratelimit = t.nr_dirtied_pause;
  if (wb.dirty_exceeded) ratelimit = Math.min(ratelimit, 32 >> (12 - 10));
  if (t.nr_dirtied >= ratelimit) g.bdp_ratelimits = 0;
  else if (g.bdp_ratelimits >= g.ratelimit_pages) {
    g.bdp_ratelimits = 0;
    ratelimit = 0;
  }
  if (g.dirty_throttle_leaks > 0 && t.nr_dirtied < ratelimit) {
    const n = Math.min(g.dirty_throttle_leaks, ratelimit - t.nr_dirtied);
    g.dirty_throttle_leaks -= n;
    t.nr_dirtied += n;
  }
  if (t.nr_dirtied >= ratelimit) balance_dirty_pages(k, t, wb, t.nr_dirtied);
}

/**
 * Is the wb over the background threshold (global dirty pages, or its own share)?
 * @kernel mm/page-writeback.c wb_over_bg_thresh
 */
export function wb_over_bg_thresh(k: Kernel, wb: bdi_writeback): boolean {
  const dtc = k.wbg.dtc;
  dtc.avail = global_dirtyable_memory(k);
  dtc.dirty = global_node_page_state(k, NR_FILE_DIRTY);
  domain_dirty_limits(k, dtc);
  if (dtc.dirty > dtc.bg_thresh) return true;
  // wb_calc_thresh(wb, bg_thresh): the whole of it (see the header)
  return wb.stat[WB_RECLAIMABLE] > dtc.bg_thresh;
}

/**
 * ratelimit_pages: how many pages a CPU may dirty before someone checks the limits,
 * dirty_thresh / (CPUs × 32), at least 16.
 * @kernel mm/page-writeback.c writeback_set_ratelimit
 */
export function writeback_set_ratelimit(k: Kernel): void {
  const dtc = k.wbg.dtc;
  dtc.avail = global_dirtyable_memory(k);
  domain_dirty_limits(k, dtc);
  k.wbg.dirty_limit = dtc.thresh;
  k.wbg.ratelimit_pages = Math.max(16, Math.floor(dtc.thresh / (k.nr_cpu_ids * 32)));
}

/** The writeback_set_ratelimit sysctl effect (vm.dirty_ratio, vm.dirty_bytes). */
export function writeback_set_ratelimit_effect(k: Kernel): void {
  writeback_set_ratelimit(k);
}

/**
 * Boot: ratelimit_pages from the first dirty threshold, the sysctl effects, and the writeback
 * workqueue's worker that runs every disk's flusher (`comm`, an unbound kworker).
 * @kernel mm/page-writeback.c page_writeback_init
 * @kernel mm/backing-dev.c default_bdi_init
 */
export function page_writeback_init(k: Kernel, comm: string): void {
  writeback_set_ratelimit(k);
  registerVmSysctlEffect(k, "writeback_set_ratelimit", writeback_set_ratelimit_effect);
  registerVmSysctlEffect(k, "wakeup_flusher_threads", wakeup_flusher_threads_sysctl);
  kthread_run(k, writeback_worker_init(k, comm));
}

/** A task exits with pages it dirtied not yet balanced: they are charged to the next writer. @kernel kernel/exit.c do_exit (dirty_throttle_leaks) */
export function dirty_throttle_leak(k: Kernel, t: task_struct): void {
  if (t.nr_dirtied) k.wbg.dirty_throttle_leaks += t.nr_dirtied;
}

// ---------------------------------------------------------------------------------------------
// Writing a mapping's dirty pages
// ---------------------------------------------------------------------------------------------

/**
 * Marks the dirty folios of [start, end] TOWRITE, so a data-integrity pass writes exactly the
 * pages dirty when it began and is not livelocked by a writer dirtying more.
 * @kernel mm/page-writeback.c tag_pages_for_writeback
 */
export function tag_pages_for_writeback(mapping: address_space, start: number, end: number): void {
  const xa = mapping.i_pages;
  for (let i = xa_find_marked(xa, start, end, PAGECACHE_TAG_DIRTY); i >= 0; i = xa_find_marked(xa, i + 1, end, PAGECACHE_TAG_DIRTY)) {
    xa_set_mark(xa, i, PAGECACHE_TAG_TOWRITE);
  }
}

/** A filesystem's per-folio write: start writeback of the (cleaned, locked) folio `pfn`; 0 or -errno. */
export type writepage_t = (k: Kernel, mapping: address_space, pfn: number, wbc: writeback_control) => number;

/**
 * Walks the mapping's dirty folios (TOWRITE-tagged ones for WB_SYNC_ALL) from writeback_index
 * (range_cyclic) or range_start, cleans each (folio_clear_dirty_for_io) and hands it to
 * `writepage`, until nr_to_write runs out (WB_SYNC_NONE) or the range ends; WB_SYNC_ALL waits
 * for a folio already under writeback first. writeback_index remembers where a cyclic pass
 * stopped. Returns 0 or the first error.
 * @kernel mm/page-writeback.c write_cache_pages
 */
export function write_cache_pages(k: Kernel, mapping: address_space, wbc: writeback_control, writepage: writepage_t): number {
  const mem = k.mem_map;
  const xa = mapping.i_pages;
  let index: number;
  let end: number;
  const range_whole = !wbc.range_cyclic && wbc.range_start === 0 && wbc.range_end >= Number.MAX_SAFE_INTEGER;
  if (wbc.range_cyclic) {
    index = mapping.writeback_index;
    end = XA_MAX_INDEX;
  } else {
    index = Math.floor(wbc.range_start / 4096);
    end = Math.min(XA_MAX_INDEX, Math.floor(wbc.range_end / 4096));
  }
  const tag = wbc.sync_mode === WB_SYNC_ALL || wbc.tagged_writepages ? PAGECACHE_TAG_TOWRITE : PAGECACHE_TAG_DIRTY;
  if (tag === PAGECACHE_TAG_TOWRITE) tag_pages_for_writeback(mapping, index, end);
  let done_index = index;
  let done = false;
  let ret = 0;
  while (!done && index <= end) {
    const i = xa_find_marked(xa, index, end, tag);
    if (i < 0) break;
    index = i + 1;
    done_index = i;
    const pfn = xa_load_folio(xa, i);
    if (pfn < 0 || mem.mapping[pfn] !== mapping.id) {
      xa_clear_mark(xa, i, tag);
      continue;
    }
    if ((mem.flags[pfn] & F(PG_dirty)) === 0) {
      // someone wrote it already
      xa_clear_mark(xa, i, PAGECACHE_TAG_TOWRITE);
      continue;
    }
    if ((mem.flags[pfn] & F(PG_writeback)) !== 0) {
      if (wbc.sync_mode === WB_SYNC_NONE) continue;
      folio_wait_writeback(k, pfn);
    }
    if (!folio_clear_dirty_for_io(k, mapping, pfn)) continue;
    const err = writepage(k, mapping, pfn, wbc);
    if (err < 0 && ret === 0) {
      ret = err;
      done_index = i + 1;
      done = true;
      break;
    }
    wbc.nr_to_write--;
    if (wbc.nr_to_write <= 0 && wbc.sync_mode === WB_SYNC_NONE) {
      done_index = i + 1;
      done = true;
    }
  }
  if (wbc.range_cyclic || (range_whole && wbc.nr_to_write > 0)) mapping.writeback_index = done ? done_index : 0;
  return ret;
}

/**
 * ->writepages of the mapping, with the wb's bandwidth estimate started and updated around it.
 * A mapping with no writepages (tmpfs) writes nothing.
 * @kernel mm/page-writeback.c do_writepages
 */
export function do_writepages(k: Kernel, mapping: address_space, wbc: writeback_control): number {
  if (wbc.nr_to_write <= 0) return 0;
  const writepages = mapping.a_ops.writepages;
  if (writepages === undefined) return 0;
  const wb = mapping_wb(mapping);
  if (wb !== null) wb_bandwidth_estimate_start(k, wb);
  const ret = writepages(k, mapping, wbc);
  if (wb !== null && jiffies(k) - wb.bw_time_stamp >= BANDWIDTH_INTERVAL) __wb_update_bandwidth(k, wb, null);
  return ret;
}

/** A writeback_control for a range, as filemap_fdatawrite_wbc's callers build it. */
export function wbc_range(sync_mode: number, start: number, end: number, nr_to_write = Number.MAX_SAFE_INTEGER): writeback_control {
  return {
    nr_to_write,
    pages_skipped: 0,
    range_start: start,
    range_end: end,
    sync_mode,
    for_kupdate: false,
    for_background: false,
    tagged_writepages: false,
    for_reclaim: false,
    range_cyclic: false,
    for_sync: false,
  };
}

/**
 * Starts writeback of the mapping's dirty pages in [start, end] (bytes, inclusive).
 * @kernel mm/filemap.c __filemap_fdatawrite_range, filemap_fdatawrite_wbc
 */
export function __filemap_fdatawrite_range(k: Kernel, mapping: address_space, start: number, end: number, sync_mode: number): number {
  if (!mapping_can_writeback(mapping) || !xa_marked_dirty(mapping)) return 0;
  return do_writepages(k, mapping, wbc_range(sync_mode, start, end));
}

function xa_marked_dirty(mapping: address_space): boolean {
  return mapping.i_pages.mark_total[PAGECACHE_TAG_DIRTY] > 0;
}

/**
 * Waits for every page of [start, end] under writeback to complete.
 * @kernel mm/filemap.c filemap_fdatawait_range, __filemap_fdatawait_range
 */
export function filemap_fdatawait_range(k: Kernel, mapping: address_space, start: number, end: number): number {
  const xa = mapping.i_pages;
  const last = Math.min(XA_MAX_INDEX, Math.floor(end / 4096));
  for (let i = xa_find_marked(xa, Math.floor(start / 4096), last, PAGECACHE_TAG_WRITEBACK); i >= 0; i = xa_find_marked(xa, i + 1, last, PAGECACHE_TAG_WRITEBACK)) {
    const pfn = xa_load_folio(xa, i);
    if (pfn >= 0 && (k.mem_map.flags[pfn] & F(PG_writeback)) !== 0) folio_wait_writeback(k, pfn);
  }
  return 0;
}

/**
 * Writes the range and waits for it: what fsync's data part and O_SYNC writes do.
 * @kernel mm/filemap.c file_write_and_wait_range, filemap_write_and_wait_range
 */
export function filemap_write_and_wait_range(k: Kernel, mapping: address_space, start: number, end: number): number {
  const err = __filemap_fdatawrite_range(k, mapping, start, end, WB_SYNC_ALL);
  const err2 = filemap_fdatawait_range(k, mapping, start, end);
  return err < 0 ? err : err2;
}

/** Is page `index` of the mapping tagged dirty? (for checkers) */
export function mapping_tagged_dirty(mapping: address_space, index: number): boolean {
  return xa_get_mark(mapping.i_pages, index, PAGECACHE_TAG_DIRTY);
}
