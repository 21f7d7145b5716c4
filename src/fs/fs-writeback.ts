/**
 * The flusher and the writeback of inodes (fs/fs-writeback.c), as far as memory sees them: an
 * inode whose pages (or metadata) become dirty gets I_DIRTY_* in i_state and, the first time,
 * its dirtied_when and a place at the tail of its disk's b_dirty list; the flusher (wb_workfn,
 * one kworker of the writeback workqueue for every disk's bdi_writeback) moves inodes to b_io
 * and writes their pages with ->writepages:
 * - queued work first (wakeup_flusher_threads' "start all": WB_REASON_SYNC, WB_REASON_VMSCAN);
 * - periodic ("kupdate") writeback every dirty_writeback_centisecs (5 s) of the inodes first
 *   dirtied more than dirty_expire_centisecs (30 s) ago;
 * - background writeback while the dirty pages are over the background threshold
 *   (wb_over_bg_thresh), woken by balance_dirty_pages.
 * Each inode gets a chunk of pages per turn (writeback_chunk_size: half a second of the wb's
 * bandwidth or 1/8 of the dirty limit, whichever is less, rounded to 4 MiB), then goes back
 * to b_more_io if it has more, or to b_dirty; the pages are written by the disk on the simulated
 * clock and complete through the block layer (end_page_writeback_file). tmpfs inodes have no
 * writeback (noop_backing_dev_info): their dirty pages are never written back, so they are put
 * on no list.
 *
 * sync(2), syncfs(2), fsync(2) and fdatasync(2) (fs/sync.c) write and wait for what they cover.
 *
 * Simplified: the flusher's CPU work costs no simulated time (only the disk's transfers take
 * time), so a pass never stops at writeback_sb_inodes' HZ/10 slice; sync_inodes_sb does its
 * WB_SYNC_ALL work in the caller instead of queueing it to the flusher and waiting (the same
 * pages written in the same order); no lazytime (b_dirty_time), no cgroup writeback, no
 * I_SYNC contention (a pass runs to its end before any task runs). An inode dirtied by more
 * than its pages (I_DIRTY_SYNC/DATASYNC) has its metadata written by the filesystem's
 * write_inode after its pages, as __writeback_single_inode does.
 * @kernel fs/fs-writeback.c __mark_inode_dirty, inode_io_list_move_locked, inode_io_list_del,
 *   wb_wakeup, wb_wakeup_delayed, wb_start_background_writeback, wakeup_flusher_threads,
 *   wb_workfn, wb_do_writeback, wb_check_start_all, wb_check_old_data_flush,
 *   wb_check_background_flush, wb_writeback, queue_io, move_expired_inodes,
 *   writeback_sb_inodes, writeback_chunk_size, __writeback_single_inode, writeback_single_inode,
 *   sync_inode_metadata, requeue_inode,
 *   redirty_tail, requeue_io, sync_inodes_sb, writeback_inodes_sb, get_nr_dirty_inodes
 * @kernel fs/sync.c ksys_sync, sync_filesystem, vfs_fsync_range, do_fsync, sync_blockdev
 * @kernel include/linux/backing-dev.h writeback_in_progress
 */
import { inode_add_lru } from "./dcache.js";
import type { Kernel } from "../kernel/kernel.js";
import type { kthread } from "../kernel/kthread.js";
import { errnoValues } from "../kernel/errno.js";
import type { task_struct } from "../kernel/sched.js";
import { fget } from "./file_table.js";
import type { bdi_writeback, block_device, wb_writeback_work } from "../block/blk.js";
import { WB_RECLAIMABLE } from "../block/blk.js";
import { do_writepages, filemap_fdatawait_range, filemap_write_and_wait_range, inode_to_wb, PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK, wb_over_bg_thresh, wbc_range } from "../mm/page-writeback.js";
import { global_node_page_state } from "../mm/vmstat.js";
import { NR_FILE_DIRTY } from "../mm/vmstat_items.js";
import { xa_marked } from "../lib/xarray.js";
import { type file, I_DIRTY, I_DIRTY_DATASYNC, I_DIRTY_PAGES, I_FREEING, type inode, SB_RDONLY, type super_block, WB_SYNC_ALL, WB_SYNC_NONE } from "./fs.js";
import { sync_mapping_buffers } from "./buffer.js";

/** enum wb_reason. */
export const WB_REASON_BACKGROUND = 0;
export const WB_REASON_VMSCAN = 1;
export const WB_REASON_SYNC = 2;
export const WB_REASON_PERIODIC = 3;
const WB_REASON_NAMES: readonly string[] = Object.freeze(["background", "vmscan", "sync", "periodic", "laptop_timer", "fs_free_space", "forker_thread", "foreign_flush"]);

/** MIN_WRITEBACK_PAGES: a chunk is a multiple of 4 MiB. */
const MIN_WRITEBACK_PAGES = 4096 >> (12 - 10);
/** DIRTY_SCOPE: a chunk is at most 1/8 of the dirty limit. */
const DIRTY_SCOPE = 8;
/** LONG_MAX as the model counts pages. */
const ALL_PAGES = Number.MAX_SAFE_INTEGER;

/** Which of the wb's lists an inode is on (inode.i_io_list). */
export const IO_LIST_NONE = 0;
export const IO_LIST_DIRTY = 1;
export const IO_LIST_IO = 2;
export const IO_LIST_MORE_IO = 3;

function inode_bdev(ino: inode): block_device | null {
  return ino.i_bdev ?? ino.i_sb.s_bdev;
}

/** Does the wb have inodes to write (wb_has_dirty_io)? */
function wb_has_dirty_io(bdev: block_device): boolean {
  return bdev.bdi.b_dirty.length > 0 || bdev.bdi.wb.b_io.length > 0 || bdev.bdi.wb.b_more_io.length > 0;
}

/** Takes `ino` off whichever of its wb's lists it is on. */
function list_del(bdev: block_device, ino: inode): void {
  const l = ino.i_io_list === IO_LIST_DIRTY ? bdev.bdi.b_dirty : ino.i_io_list === IO_LIST_IO ? bdev.bdi.wb.b_io : ino.i_io_list === IO_LIST_MORE_IO ? bdev.bdi.wb.b_more_io : null;
  if (l !== null) {
    const i = l.indexOf(ino);
    if (i >= 0) l.splice(i, 1);
  }
  ino.i_io_list = IO_LIST_NONE;
}

/**
 * Marks `ino` dirty with `flags` (I_DIRTY_PAGES, I_DIRTY_SYNC…); the first dirtying stamps
 * dirtied_when and queues it on its disk's b_dirty list, and a wb that had nothing to write
 * arms the flusher's periodic wakeup.
 * @kernel fs/fs-writeback.c __mark_inode_dirty, inode_io_list_move_locked
 */
export function __mark_inode_dirty(k: Kernel, ino: inode, flags: number): void {
  if ((ino.i_state & flags) === flags) return;
  const was_dirty = ino.i_state & I_DIRTY;
  ino.i_state |= flags;
  if (was_dirty || (ino.i_state & I_FREEING) !== 0) return;
  const bdev = inode_bdev(ino);
  if (bdev === null) return; // noop_backing_dev_info: no writeback
  if (ino.i_io_list !== IO_LIST_NONE) return; // being written: requeue_inode places it
  const wakeup = !wb_has_dirty_io(bdev);
  ino.dirtied_when = k.now_ns;
  bdev.bdi.b_dirty.push(ino);
  ino.i_io_list = IO_LIST_DIRTY;
  if (wakeup) wb_wakeup_delayed(k, bdev.bdi.wb);
}

/** Takes an inode off its disk's writeback lists (it is being evicted). @kernel fs/fs-writeback.c inode_io_list_del */
export function inode_io_list_del(ino: inode): void {
  const bdev = inode_bdev(ino);
  if (bdev !== null) list_del(bdev, ino);
  ino.i_state &= ~I_DIRTY;
}

// ---- waking the flusher ----

/** The flusher runs now (mod_delayed_work with no delay), at the next scheduling point. @kernel fs/fs-writeback.c wb_wakeup */
export function wb_wakeup(k: Kernel, wb: bdi_writeback): void {
  wb.wakeup_ns = k.now_ns;
  k.need_resched = true;
}

/**
 * Arms the flusher's periodic run dirty_writeback_centisecs from now, unless it is already
 * queued (queue_delayed_work leaves a pending timer alone).
 * @kernel mm/backing-dev.c wb_wakeup_delayed
 */
export function wb_wakeup_delayed(k: Kernel, wb: bdi_writeback): void {
  if (wb.wakeup_ns !== Infinity) return;
  wb.wakeup_ns = k.now_ns + k.vm.dirty_writeback_centisecs * 10_000_000;
}

/** Is the flusher inside wb_writeback for this wb (WB_writeback_running)? @kernel include/linux/backing-dev.h writeback_in_progress */
export function writeback_in_progress(wb: bdi_writeback): boolean {
  return wb.writeback_running;
}

/** Background writeback is wanted: wake the flusher. @kernel fs/fs-writeback.c wb_start_background_writeback */
export function wb_start_background_writeback(k: Kernel, wb: bdi_writeback): void {
  if (k.trace.enabled("writeback_wake_background")) {
    const name = wb_bdi_name(k, wb);
    k.trace.emit("writeback_wake_background", { name }, `bdi ${name}: cgroup_ino=1`);
  }
  wb_wakeup(k, wb);
}

function wb_bdi_name(k: Kernel, wb: bdi_writeback): string {
  for (const d of k.blk.disks) if (d.bdi.wb === wb) return d.bdi.name;
  return "(unknown)";
}

/**
 * Asks every disk's flusher to write everything (WB_start_all), for sync(2) and for reclaim
 * that met dirty pages (WB_REASON_VMSCAN).
 * @kernel fs/fs-writeback.c wakeup_flusher_threads, __wakeup_flusher_threads_bdi, wb_start_writeback
 */
export function wakeup_flusher_threads(k: Kernel, reason: number): void {
  for (const d of k.blk.disks) {
    if (!wb_has_dirty_io(d)) continue;
    const wb = d.bdi.wb;
    if (wb.start_all_reason >= 0) continue;
    wb.start_all_reason = reason;
    wb_wakeup(k, wb);
  }
}

// ---- the flusher ----

/** Emits a writeback_work_class event (the caller tests that it is enabled). */
function trace_work(k: Kernel, event: string, wb: bdi_writeback, work: wb_writeback_work): void {
  const name = wb_bdi_name(k, wb);
  const sb = work.sb_dev ?? "0:0";
  const reason = WB_REASON_NAMES[work.reason] ?? String(work.reason);
  const nr = work.nr_pages >= ALL_PAGES ? "9223372036854775807" : String(work.nr_pages);
  k.trace.emit(
    event,
    { name, nr_pages: work.nr_pages, sb_dev: sb, sync_mode: work.sync_mode, for_kupdate: work.for_kupdate ? 1 : 0, range_cyclic: work.range_cyclic ? 1 : 0, for_background: work.for_background ? 1 : 0, reason },
    `bdi ${name}: sb_dev ${sb} nr_pages=${nr} sync_mode=${work.sync_mode} kupdate=${work.for_kupdate ? 1 : 0} range_cyclic=${work.range_cyclic ? 1 : 0} background=${work.for_background ? 1 : 0} reason=${reason} cgroup_ino=1`,
  );
}

function new_work(nr_pages: number, sync_mode: number, reason: number, o: Partial<wb_writeback_work> = {}): wb_writeback_work {
  return { nr_pages, sb_dev: null, sync_mode, tagged_writepages: false, for_kupdate: false, range_cyclic: true, for_background: false, for_sync: false, reason, ...o };
}

/**
 * Moves the inodes of b_dirty first dirtied at or before `dirtied_before` (ns) to b_io, oldest
 * first. Returns how many moved.
 * @kernel fs/fs-writeback.c move_expired_inodes
 */
function move_expired_inodes(bdev: block_device, dirtied_before: number, sb_dev: string | null): number {
  const from = bdev.bdi.b_dirty;
  const to = bdev.bdi.wb.b_io;
  let moved = 0;
  for (let i = 0; i < from.length; ) {
    const ino = from[i];
    if (ino.dirtied_when > dirtied_before) break;
    if (sb_dev !== null && sb_dev_of(ino.i_sb) !== sb_dev) {
      i++;
      continue;
    }
    from.splice(i, 1);
    to.push(ino);
    ino.i_io_list = IO_LIST_IO;
    moved++;
  }
  return moved;
}

function sb_dev_of(sb: super_block): string {
  return `${sb.s_dev_major}:${sb.s_dev_minor}`;
}

/**
 * Refills b_io: the inodes left on b_more_io, then the expired ones of b_dirty.
 * @kernel fs/fs-writeback.c queue_io
 */
function queue_io(bdev: block_device, work: wb_writeback_work, dirtied_before: number): number {
  const wb = bdev.bdi.wb;
  for (const ino of wb.b_more_io) {
    wb.b_io.push(ino);
    ino.i_io_list = IO_LIST_IO;
  }
  wb.b_more_io.length = 0;
  return move_expired_inodes(bdev, dirtied_before, work.sb_dev);
}

/**
 * Pages to write from one inode per turn: all of them for data integrity, else half a second
 * of the wb's bandwidth or 1/8 of the dirty limit, whichever is less, rounded to MIN_WRITEBACK_PAGES
 * (pc-dirty at the start: min(25600 / 2, 21229 / 8) = 2653 → 3072 pages).
 * @kernel fs/fs-writeback.c writeback_chunk_size
 */
function writeback_chunk_size(k: Kernel, wb: bdi_writeback, work: wb_writeback_work): number {
  if (work.sync_mode === WB_SYNC_ALL || work.tagged_writepages) return ALL_PAGES;
  let pages = Math.min(Math.floor(wb.avg_write_bandwidth / 2), Math.floor(k.wbg.dirty_limit / DIRTY_SCOPE));
  pages = Math.min(pages, work.nr_pages);
  return Math.floor((pages + MIN_WRITEBACK_PAGES) / MIN_WRITEBACK_PAGES) * MIN_WRITEBACK_PAGES;
}

/**
 * Writes one inode's pages as `wbc` asks (waiting for them for data integrity), then recomputes
 * its dirty state: I_DIRTY_PAGES stays while pages are still tagged dirty.
 * @kernel fs/fs-writeback.c __writeback_single_inode
 */
function __writeback_single_inode(k: Kernel, ino: inode, wbc: ReturnType<typeof wbc_range>): number {
  const mapping = ino.i_mapping;
  let ret = do_writepages(k, mapping, wbc);
  if (wbc.sync_mode === WB_SYNC_ALL && !wbc.for_sync) filemap_fdatawait_range(k, mapping, 0, Number.MAX_SAFE_INTEGER);
  const dirty = ino.i_state & I_DIRTY;
  ino.i_state &= ~I_DIRTY;
  if (xa_marked(mapping.i_pages, PAGECACHE_TAG_DIRTY)) ino.i_state |= I_DIRTY_PAGES;
  // Don't write the inode if only I_DIRTY_PAGES was set
  if ((dirty & ~I_DIRTY_PAGES) !== 0) {
    const write_inode = ino.i_sb.s_op.write_inode;
    const err = write_inode === undefined ? 0 : write_inode(k, ino, wbc.sync_mode === WB_SYNC_ALL);
    if (ret === 0) ret = err;
  }
  if ((ino.i_state & I_DIRTY) === 0) inode_add_lru(k, ino); // inode_sync_complete: clean and unused, it may join the LRU
  return ret;
}

/**
 * Writes one inode now, outside the flusher's lists (fsync's metadata half): nothing to do if it
 * is clean with no pages under writeback; afterwards a clean inode leaves its wb's lists, a
 * still-dirty one goes to the tail of b_dirty.
 * @kernel fs/fs-writeback.c writeback_single_inode
 */
function writeback_single_inode(k: Kernel, ino: inode, wbc: ReturnType<typeof wbc_range>): number {
  if ((ino.i_state & I_DIRTY) === 0 && (wbc.sync_mode !== WB_SYNC_ALL || !xa_marked(ino.i_mapping.i_pages, PAGECACHE_TAG_WRITEBACK))) return 0;
  const ret = __writeback_single_inode(k, ino, wbc);
  const bdev = inode_bdev(ino);
  if ((ino.i_state & I_FREEING) !== 0 || bdev === null) return ret;
  if ((ino.i_state & I_DIRTY) === 0) list_del(bdev, ino);
  else if (ino.i_io_list === IO_LIST_NONE) {
    // redirty_tail_locked
    const d = bdev.bdi.b_dirty;
    if (d.length > 0 && ino.dirtied_when < d[d.length - 1].dirtied_when) ino.dirtied_when = k.now_ns;
    d.push(ino);
    ino.i_io_list = IO_LIST_DIRTY;
  }
  return ret;
}

/**
 * Writes an inode's own metadata for data integrity (metadata only: nr_to_write 0, the range
 * the zeroed writeback_control leaves, page 0) and waits for it.
 * @kernel fs/fs-writeback.c sync_inode_metadata
 */
export function sync_inode_metadata(k: Kernel, ino: inode, wait: boolean): number {
  return writeback_single_inode(k, ino, wbc_range(wait ? WB_SYNC_ALL : WB_SYNC_NONE, 0, 0, 0));
}

/**
 * Puts an inode back after its turn: to b_more_io if it ran out of chunk with pages left, to
 * b_dirty (redirty_tail) if it still has dirty pages for another reason, off the lists if clean.
 * @kernel fs/fs-writeback.c requeue_inode, redirty_tail, requeue_io
 */
function requeue_inode(k: Kernel, bdev: block_device, ino: inode, nr_to_write: number): void {
  list_del(bdev, ino);
  if ((ino.i_state & I_FREEING) !== 0) return;
  const wb = bdev.bdi.wb;
  if (xa_marked(ino.i_mapping.i_pages, PAGECACHE_TAG_DIRTY) || (ino.i_state & I_DIRTY) !== 0) {
    if (nr_to_write <= 0 && (ino.i_state & I_DIRTY_PAGES) !== 0) {
      wb.b_more_io.push(ino);
      ino.i_io_list = IO_LIST_MORE_IO;
      return;
    }
    // redirty_tail: newest on b_dirty, its dirtied_when no older than the one before it
    const d = bdev.bdi.b_dirty;
    if (d.length > 0 && ino.dirtied_when < d[d.length - 1].dirtied_when) ino.dirtied_when = k.now_ns;
    d.push(ino);
    ino.i_io_list = IO_LIST_DIRTY;
  }
}

/**
 * Writes the inodes of b_io in turn, a chunk each, until the work's pages run out.
 * Returns the pages written.
 * @kernel fs/fs-writeback.c writeback_sb_inodes, __writeback_inodes_wb
 */
function writeback_sb_inodes(k: Kernel, bdev: block_device, work: wb_writeback_work): number {
  const wb = bdev.bdi.wb;
  let wrote = 0;
  while (wb.b_io.length > 0) {
    const ino = wb.b_io[0];
    if ((ino.i_state & I_FREEING) !== 0) {
      list_del(bdev, ino);
      continue;
    }
    const write_chunk = writeback_chunk_size(k, wb, work);
    const wbc = wbc_range(work.sync_mode, 0, Number.MAX_SAFE_INTEGER, write_chunk);
    wbc.tagged_writepages = work.tagged_writepages;
    wbc.for_kupdate = work.for_kupdate;
    wbc.for_background = work.for_background;
    wbc.for_sync = work.for_sync;
    wbc.range_cyclic = work.range_cyclic;
    __writeback_single_inode(k, ino, wbc);
    const n = write_chunk - wbc.nr_to_write;
    if (work.nr_pages < ALL_PAGES) work.nr_pages -= n;
    wrote += n;
    requeue_inode(k, bdev, ino, wbc.nr_to_write);
    if (wrote > 0 && work.nr_pages <= 0) break;
  }
  return wrote;
}

/**
 * Runs one piece of work: refills b_io as needed and writes until the work is done, background
 * writeback gets under the background threshold, or nothing is left to write.
 * @kernel fs/fs-writeback.c wb_writeback
 */
function wb_writeback(k: Kernel, bdev: block_device, work: wb_writeback_work): number {
  const wb = bdev.bdi.wb;
  const nr_pages = work.nr_pages;
  let dirtied_before = k.now_ns;
  let total = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    if (work.nr_pages <= 0) break;
    if ((work.for_background || work.for_kupdate) && wb.work_list.length > 0) break;
    if (work.for_background && !wb_over_bg_thresh(k, wb)) break;
    if (work.for_kupdate) dirtied_before = k.now_ns - k.vm.dirty_expire_centisecs * 10_000_000;
    else if (work.for_background) dirtied_before = k.now_ns;
    if (k.trace.enabled("writeback_start")) trace_work(k, "writeback_start", wb, work);
    if (wb.b_io.length === 0) queue_io(bdev, work, dirtied_before);
    const progress = writeback_sb_inodes(k, bdev, work);
    total += progress;
    if (k.trace.enabled("writeback_written")) trace_work(k, "writeback_written", wb, work);
    if (progress > 0) continue;
    if (wb.b_more_io.length === 0) break;
  }
  return nr_pages >= ALL_PAGES ? total : nr_pages - work.nr_pages;
}

/** The dirty pages and inodes periodic writeback would look at. @kernel fs/fs-writeback.c get_nr_dirty_pages */
function get_nr_dirty_pages(k: Kernel): number {
  let inodes = 0;
  for (const d of k.blk.disks) inodes += d.bdi.b_dirty.length + d.bdi.wb.b_io.length + d.bdi.wb.b_more_io.length;
  return global_node_page_state(k, NR_FILE_DIRTY) + inodes;
}

/**
 * The flusher's turn for one wb: queued work, then "start all", periodic and background
 * writeback. Returns the pages written.
 * @kernel fs/fs-writeback.c wb_do_writeback, wb_check_start_all, wb_check_old_data_flush, wb_check_background_flush
 */
function wb_do_writeback(k: Kernel, bdev: block_device): number {
  const wb = bdev.bdi.wb;
  let wrote = 0;
  wb.writeback_running = true;
  try {
    for (let work = wb.work_list.shift(); work !== undefined; work = wb.work_list.shift()) {
      if (k.trace.enabled("writeback_exec")) trace_work(k, "writeback_exec", wb, work);
      wrote += wb_writeback(k, bdev, work);
    }
    if (wb.start_all_reason >= 0) {
      const reason = wb.start_all_reason;
      wb.start_all_reason = -1;
      wrote += wb_writeback(k, bdev, new_work(get_nr_dirty_pages(k), WB_SYNC_NONE, reason));
    }
    const interval = k.vm.dirty_writeback_centisecs * 10_000_000;
    if (interval > 0 && k.now_ns >= wb.last_old_flush + interval) {
      wb.last_old_flush = k.now_ns;
      const nr = get_nr_dirty_pages(k);
      if (nr > 0) wrote += wb_writeback(k, bdev, new_work(nr, WB_SYNC_NONE, WB_REASON_PERIODIC, { for_kupdate: true }));
    }
    if (wb_over_bg_thresh(k, wb)) wrote += wb_writeback(k, bdev, new_work(ALL_PAGES, WB_SYNC_NONE, WB_REASON_BACKGROUND, { for_background: true }));
  } finally {
    wb.writeback_running = false;
  }
  return wrote;
}

/**
 * wb_workfn: the writeback workqueue's worker. Runs each wb whose work is due; afterwards a wb
 * with more work runs again at once, one with dirty inodes left is re-armed for the next
 * periodic pass.
 * @kernel fs/fs-writeback.c wb_workfn
 */
export function wb_workfn_run(k: Kernel): void {
  for (const d of k.blk.disks) {
    const wb = d.bdi.wb;
    if (wb.wakeup_ns > k.now_ns) continue;
    wb.wakeup_ns = Infinity;
    const wrote = wb_do_writeback(k, d);
    if (k.trace.enabled("writeback_pages_written")) k.trace.emit("writeback_pages_written", { pages: wrote }, String(wrote));
    if (wb.work_list.length > 0 || wb.start_all_reason >= 0) wb.wakeup_ns = k.now_ns;
    else if (wb_has_dirty_io(d) && k.vm.dirty_writeback_centisecs > 0) wb_wakeup_delayed(k, wb);
  }
}

/** When the writeback worker next has work: the earliest wb wakeup. */
export function wb_workfn_next(k: Kernel): number {
  let t = Infinity;
  for (const d of k.blk.disks) if (d.bdi.wb.wakeup_ns < t) t = d.bdi.wb.wakeup_ns;
  return t;
}

/**
 * Starts the writeback worker (bdi_wq's unbound kworker) and its sysctl effects at boot.
 * @kernel mm/backing-dev.c default_bdi_init
 */
export function writeback_worker_init(k: Kernel, comm: string): kthread {
  return { comm, pid: 0, next_ns: wb_workfn_next, run: wb_workfn_run };
}

/** The dirty_writeback_centisecs handler's effect: every wb with dirty inodes runs now. @kernel mm/page-writeback.c dirty_writeback_centisecs_handler */
export function wakeup_flusher_threads_sysctl(k: Kernel): void {
  for (const d of k.blk.disks) if (wb_has_dirty_io(d)) wb_wakeup(k, d.bdi.wb);
}

// ---- sync ----

/**
 * Writes every dirty inode of the superblock's disk (those of `sb` only) with WB_SYNC_ALL and
 * waits for their pages: what sync(2) and syncfs(2) guarantee.
 * @kernel fs/fs-writeback.c sync_inodes_sb, wait_sb_inodes
 */
export function sync_inodes_sb(k: Kernel, sb: super_block): void {
  const bdev = sb.s_bdev;
  if (bdev === null) return;
  const work = new_work(ALL_PAGES, WB_SYNC_ALL, WB_REASON_SYNC, { sb_dev: sb_dev_of(sb), range_cyclic: false, for_sync: true });
  if (k.trace.enabled("writeback_queue")) trace_work(k, "writeback_queue", bdev.bdi.wb, work);
  wb_writeback(k, bdev, work);
  // wait_sb_inodes
  for (const ino of sb.s_inodes) filemap_fdatawait_range(k, ino.i_mapping, 0, Number.MAX_SAFE_INTEGER);
}

/** Writes and waits for a disk's buffer cache (its metadata blocks). @kernel block/bdev.c sync_blockdev */
export function sync_blockdev(k: Kernel, bdev: block_device): number {
  const bd = bdev.bd_inode;
  if (bd === null) return 0;
  const err = filemap_write_and_wait_range(k, bd.i_mapping, 0, Number.MAX_SAFE_INTEGER);
  bd.i_state &= ~I_DIRTY;
  if (!xa_marked(bd.i_mapping.i_pages, PAGECACHE_TAG_DIRTY)) list_del(bdev, bd);
  else bd.i_state |= I_DIRTY_PAGES;
  return err;
}

/**
 * syncfs(2) of a superblock: its inodes, then its disk's buffer cache, written and waited for.
 * @kernel fs/sync.c sync_filesystem
 */
export function sync_filesystem(k: Kernel, sb: super_block): number {
  if (sb.s_bdev === null) return 0; // tmpfs: nothing to write
  sync_inodes_sb(k, sb);
  return sync_blockdev(k, sb.s_bdev);
}

/**
 * sync(2): the flushers are woken, then every filesystem on a disk is synced and every disk's
 * buffer cache written and waited for.
 * @kernel fs/sync.c ksys_sync
 */
export function ksys_sync(k: Kernel): void {
  wakeup_flusher_threads(k, WB_REASON_SYNC);
  const sbs = [...k.vfs.super_blocks];
  for (const sb of sbs) if (sb.s_bdev !== null && (sb.s_flags & SB_RDONLY) === 0) sync_inodes_sb(k, sb);
  for (const d of k.blk.disks) sync_blockdev(k, d);
}

/**
 * fsync(2) / fdatasync(2): the file's ->fsync for the range, or -EINVAL when it has none.
 * @kernel fs/sync.c vfs_fsync_range, do_fsync
 */
export function vfs_fsync_range(k: Kernel, f: file, start: number, end: number, datasync: boolean): number {
  const fsync = f.f_op.fsync;
  if (fsync === undefined) return -errnoValues.EINVAL;
  return fsync(k, f, start, end, datasync);
}

/**
 * The fsync of a simple block filesystem's file (ext2's ext2_fsync): the file's dirty pages in
 * the range written and waited for; then the metadata blocks the file dirtied (its indirect
 * blocks, on its buffer list: sync_mapping_buffers); then, if the inode is dirty, the inode
 * itself (its inode table block, written and waited for) — for fdatasync only when something
 * data-relevant changed (I_DIRTY_DATASYNC: the size or the block map), not for timestamps alone.
 * The block bitmaps and group descriptors are not the file's: they stay dirty for the flusher.
 * Simplified: no cache flush request (blkdev_issue_flush) is counted: the model's disks have no
 * volatile write cache.
 * @kernel fs/libfs.c __generic_file_fsync, generic_file_fsync
 * @kernel fs/ext2/file.c ext2_fsync
 */
export function generic_file_fsync(k: Kernel, f: file, start: number, end: number, datasync: boolean): number {
  const ino = f.f_inode;
  const err = filemap_write_and_wait_range(k, ino.i_mapping, start, end);
  if (err < 0) return err;
  let ret = sync_mapping_buffers(k, ino.i_mapping);
  if ((ino.i_state & I_DIRTY) === 0) return ret;
  if (datasync && (ino.i_state & I_DIRTY_DATASYNC) === 0) return ret;
  const e = sync_inode_metadata(k, ino, true);
  if (ret === 0) ret = e;
  return ret;
}

/** The fsync of a file with nothing to write (tmpfs, /proc): 0. @kernel fs/libfs.c noop_fsync */
export function noop_fsync(): number {
  return 0;
}

/**
 * fsync(2) / fdatasync(2) of descriptor `fd`: -EBADF if it is not open.
 * @kernel fs/sync.c do_fsync
 */
export function do_fsync(k: Kernel, t: task_struct, fd: number, datasync: boolean): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  return vfs_fsync_range(k, f, 0, Number.MAX_SAFE_INTEGER, datasync);
}

/**
 * syncfs(2): the filesystem holding `fd`'s file. -EBADF if it is not open.
 * @kernel fs/sync.c syncfs
 */
export function ksys_syncfs(k: Kernel, t: task_struct, fd: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  return sync_filesystem(k, f.f_inode.i_sb);
}

/** The wb's dirty pages (WB_RECLAIMABLE), for tests and /sys. */
export function wb_reclaimable(ino: inode): number {
  const wb = inode_to_wb(ino);
  return wb === null ? 0 : wb.stat[WB_RECLAIMABLE];
}
