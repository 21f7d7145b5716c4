/**
 * The block layer as the memory manager meets it: a `block_device` per disk with its queue
 * limits and backing_dev_info (the readahead window, read_ahead_kb), a device model that
 * completes requests on the simulated clock, submit_bio and the completion that calls each bio's
 * end_io, and the disk statistics /sys/block/<dev>/stat prints. Swap areas, the buffer cache of a
 * disk (fs/buffer.ts) and the filesystems on it (fs/ext2, fs/mpage.ts) all submit through here.
 *
 * The device model (moved here from swap's page_io.ts, unchanged): a request of `n` pages
 * submitted at `now` starts when the device has finished the transfers before it and completes
 * `latency_ns + n * 4096 / bandwidth` later:
 *   start = max(now, busy_until); busy_until = start + bytes / bandwidth;
 *   completion = start + latency_ns + bytes / bandwidth.
 * Latency overlaps between queued requests (a virtio queue keeps many in flight) while transfers
 * serialise, so requests complete in submission order and each device's in-flight requests are
 * a FIFO ring of typed arrays (completion time, submission time, op, end_io kind, page count,
 * sectors), their pages a second FIFO ring of pfns. The defaults (100 µs, 1 GB/s) stand for a
 * virtio disk on an SSD-backed host: a 32-page readahead on an idle device completes after
 * 100 + 32 × 4.096 = 231.1 µs, one swapped page after 104.1 µs.
 *
 * `blk_complete_due(k, until)` completes, in time order across devices, every request due by
 * `until`: the completion kthread (the first unbound kworker) runs it as the clock passes each
 * completion, as the completion interrupt would, and a task that waits for a page sleeps until
 * its request completes (`blk_wait_page`, schedule_timeout) and completes what is due.
 *
 * Counting as 6.1: submit_bio counts PGPGIN or PGPGOUT in 512-byte sectors (/proc/vmstat halves
 * them into kB); blk-mq counts a request's ios, sectors and nsecs when it completes
 * (blk_account_io_done), in_flight while it is out, and io_ticks as the time with requests in
 * flight (update_io_ticks), which part_stat_show prints in the kernel's 17 columns.
 *
 * Plugging (blk_start_plug / blk_finish_plug): while a task holds a plug, a read bio submitted
 * with its device sector is held on the plug instead of queued; at the outermost
 * blk_finish_plug the held bios go to their devices in submission order, each one back-merged
 * into the one before it when it is on the same device, of the same kind and starts at the
 * sector where that one ends, up to max_sectors_kb (blk_attempt_plug_merge,
 * bio_attempt_back_merge). A merged request completes all its pages together. Example: swap
 * readahead of slots 1000-1007 is one 32 KiB request; slots 1000-1003 and 1005-1007 (1004 was
 * already in the swap cache) are two.
 *
 * Simplified: only swap reads are plugged (swap_cluster_readahead and swap_vma_readahead, where
 * merging changes what a sequential reader waits for); file readahead already builds one bio
 * per contiguous run (fs/mpage.ts) and swap writes go out one page per request. A task that
 * sleeps while plugged does not flush its plug (sched_submit_work's blk_flush_plug): the model's
 * plugged sections do not sleep. No splitting at max_sectors_kb (the model's bios are at most a
 * readahead window, 128 KiB by default, and a caller splitting at larger sizes does it itself),
 * no I/O scheduler (the name is reported only), no errors, no
 * partitions, discards or flushes (their columns stay 0), nanosecond ticks shown in
 * milliseconds as the kernel shows its jiffies.
 * @kernel block/blk-core.c submit_bio, submit_bio_noacct, update_io_ticks, blk_start_plug, blk_finish_plug
 * @kernel block/blk-merge.c blk_attempt_plug_merge, bio_attempt_back_merge
 * @kernel block/blk-mq.c blk_mq_end_request, blk_account_io_done
 * @kernel block/genhd.c part_stat_show, part_inflight_show
 * @kernel block/blk-sysfs.c queue_ra_show, queue_ra_store, queue_max_sectors_show
 * @kernel include/linux/backing-dev-defs.h struct backing_dev_info
 * @kernel include/linux/blk_types.h struct block_device
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { schedule_timeout } from "../kernel/kthread.js";
import { get_current } from "../kernel/sched.js";
import { asDoubles } from "../kernel/shape.js";
import type { inode } from "../fs/fs.js";
import { PGPGIN, PGPGOUT } from "../mm/vmstat_items.js";
import { blk_end_io } from "./end_io.js";

/** enum req_op: the two the model issues. */
export const REQ_OP_READ = 0;
export const REQ_OP_WRITE = 1;

/**
 * What completes a request (the bio's bi_end_io), by kind: blk_end_io (block/end_io.ts) calls the
 * function for each page of the request.
 */
export const END_SWAP_READ = 0; // end_swap_bio_read
export const END_SWAP_WRITE = 1; // end_swap_bio_write
export const END_MPAGE_READ = 2; // mpage_end_io (read): uptodate, unlock
export const END_BH_READ = 3; // end_buffer_read_sync: the page's blocks uptodate, unlock
export const END_BH_WRITE = 4; // end_buffer_write_sync / end_buffer_async_write (part B)
export const END_FOLIO_WRITE = 5; // mpage_end_io (write): folio_end_writeback (part B)
export const END_DIRECT = 6; // direct I/O: no page cache page (pfn -1)

/** The default device: a virtio disk in QEMU. */
export const VIRTIO_DISK_LATENCY_NS = 100_000;
/** 1 GB/s. */
export const VIRTIO_DISK_BANDWIDTH = 1e9;
/** VM_READAHEAD_PAGES: 128 KiB, the default read_ahead_kb. */
export const VM_READAHEAD_PAGES = 32;
/** 512-byte sectors per 4 KiB page. */
export const PAGE_SECTORS = 8;

/** A device's parameters, as a user gives them (swapon, a disk). */
export interface BlockDeviceConfig {
  /** Capacity in bytes. */
  size: number;
  /** Per-request latency in ns (default VIRTIO_DISK_LATENCY_NS). */
  latency?: number;
  /** Transfer rate in bytes per second (default VIRTIO_DISK_BANDWIDTH). */
  bandwidth?: number;
  /** A rotational disk (default true, as virtio-blk reports: /sys/block/vda/queue/rotational 1). */
  rotational?: boolean;
  /** read_ahead_kb (default 128). */
  read_ahead_kb?: number;
}

/** enum wb_stat_item: the per-wb page counters. */
export const WB_RECLAIMABLE = 0;
export const WB_WRITEBACK = 1;
export const WB_DIRTIED = 2;
export const WB_WRITTEN = 3;
export const NR_WB_STAT_ITEMS = 4;

/** INIT_BW: 100 MB/s in pages per second, a new wb's bandwidth estimate. @kernel mm/backing-dev.c INIT_BW */
export const INIT_BW = 100 << (20 - 12);

/**
 * A queued piece of writeback work (the flusher's work list; fs/fs-writeback.c's private
 * struct): how many pages, which superblock (null: all), WB_SYNC_NONE or WB_SYNC_ALL, why.
 * @kernel fs/fs-writeback.c struct wb_writeback_work
 */
export interface wb_writeback_work {
  nr_pages: number;
  sb_dev: string | null;
  sync_mode: number;
  tagged_writepages: boolean;
  for_kupdate: boolean;
  range_cyclic: boolean;
  for_background: boolean;
  for_sync: boolean;
  /** enum wb_reason (WB_REASON_*). */
  reason: number;
}

/**
 * The disk's bdi_writeback (embedded in its backing_dev_info, as bdi->wb): the inode lists the
 * flusher works through, its page counters (WB_RECLAIMABLE, WB_WRITEBACK, WB_DIRTIED,
 * WB_WRITTEN), the write-bandwidth and dirty-ratelimit estimates balance_dirty_pages paces
 * writers with, and the flusher's pending work and wakeup time (mm/page-writeback.ts,
 * fs/fs-writeback.ts keep them).
 * @kernel include/linux/backing-dev-defs.h struct bdi_writeback
 */
export class bdi_writeback {
  /** Inodes picked for this pass (b_io) and those that need another (b_more_io). */
  readonly b_io: inode[] = [];
  readonly b_more_io: inode[] = [];
  /** wb->stat[], in pages. */
  readonly stat = new Float64Array(NR_WB_STAT_ITEMS);
  /** When the bandwidth was last estimated, and the WB_DIRTIED / WB_WRITTEN counts then (ns, pages). */
  bw_time_stamp = 0;
  dirtied_stamp = 0;
  written_stamp = 0;
  /** Pages per second: the last estimate, its smoothed value, and the dirty ratelimits. */
  write_bandwidth = INIT_BW;
  avg_write_bandwidth = INIT_BW;
  dirty_ratelimit = INIT_BW;
  balanced_dirty_ratelimit = INIT_BW;
  dirty_exceeded = false;
  /** When a throttled writer last went to sleep (ns). */
  dirty_sleep = 0;
  /** kupdate: when periodic writeback last ran (ns). */
  last_old_flush = 0;
  /** The queued work items, oldest first (wb->work_list). */
  readonly work_list: wb_writeback_work[] = [];
  /** When the flusher's work is next due (the delayed dwork's timer; Infinity: not queued). */
  wakeup_ns = Infinity;
  /** WB_writeback_running: the flusher is inside wb_writeback. */
  writeback_running = false;
  /** WB_start_all: a wakeup_flusher_threads request not yet taken up. */
  start_all_reason = -1;
  constructor(now: number) {
    this.bw_time_stamp = now;
    this.last_old_flush = now;
    asDoubles<bdi_writeback>(this, "bw_time_stamp", "dirtied_stamp", "written_stamp", "dirty_sleep", "last_old_flush", "wakeup_ns");
  }
}

/**
 * A disk's backing_dev_info: the readahead window (ra_pages: read_ahead_kb / 4, io_pages:
 * max_sectors_kb / 4) and its writeback (the dirty inode list b_dirty and the bdi_writeback).
 * @kernel include/linux/backing-dev-defs.h struct backing_dev_info
 */
export class backing_dev_info {
  ra_pages = VM_READAHEAD_PAGES;
  io_pages = 1280 / 4;
  /**
   * The bdi_writeback's b_dirty list: inodes with dirty pages or metadata, in the order they were
   * first dirtied (fs/fs-writeback.ts __mark_inode_dirty adds them; the flusher walks it).
   */
  readonly b_dirty: inode[] = [];
  readonly wb: bdi_writeback;
  constructor(
    readonly name: string,
    now = 0,
  ) {
    this.wb = new bdi_writeback(now);
  }
}

/** enum stat_group: read, write, discard, flush. */
const STAT_READ = 0;
const STAT_WRITE = 1;
const NR_STAT_GROUPS = 4;

/** One disk. */
export class block_device {
  /** MAJOR:MINOR (virtio-blk is 254:0, 254:16…). */
  readonly bd_major: number;
  readonly bd_minor: number;
  /** The disk's name ("vda"); /sys/block/<name> exists when `registered`. */
  readonly disk_name: string;
  readonly registered: boolean;
  /** Capacity in 512-byte sectors. */
  nr_sectors: number;
  /** The block device inode, whose page cache is the buffer cache (fs/block_dev.ts); made on first use. */
  bd_inode: inode | null = null;
  /** Who holds the device exclusively ("swap", or the filesystem mounted on it), or null. */
  bd_holder: string | null = null;
  /** The block size of its buffer heads (set_blocksize: the mounted filesystem's). */
  bd_block_size = 4096;
  /** What is written on the disk: a filesystem image (fs/ext2's), or null. The model's "platters". */
  disk_data: unknown = null;
  readonly bdi: backing_dev_info;
  // queue limits (/sys/block/<dev>/queue/*)
  max_sectors_kb = 1280;
  nr_requests = 256;
  rotational: boolean;
  // the device model
  latency_ns: number;
  bandwidth: number;
  /** When the device finishes the transfers queued so far. */
  busy_until = 0;
  // in-flight requests: a FIFO ring in completion order
  rq_time: Float64Array = new Float64Array(64);
  rq_start: Float64Array = new Float64Array(64);
  rq_op: Uint8Array = new Uint8Array(64);
  rq_end: Uint8Array = new Uint8Array(64);
  rq_nr: Int32Array = new Int32Array(64);
  rq_sectors: Int32Array = new Int32Array(64);
  rq_head = 0;
  rq_len = 0;
  // their pages, a FIFO ring in the same order (rq_nr of them per request)
  pg_pfn: Int32Array = new Int32Array(256);
  pg_head = 0;
  pg_len = 0;
  // struct disk_stats, by stat group
  readonly ios = new Float64Array(NR_STAT_GROUPS);
  readonly merges = new Float64Array(NR_STAT_GROUPS);
  readonly sectors = new Float64Array(NR_STAT_GROUPS);
  readonly nsecs = new Float64Array(NR_STAT_GROUPS);
  /** Time with requests in flight (ns), and when it was last brought up to date (bd_stamp). */
  io_ticks = 0;
  bd_stamp = 0;

  constructor(major: number, minor: number, name: string, registered: boolean, cfg: BlockDeviceConfig, now: number) {
    this.bd_major = major;
    this.bd_minor = minor;
    this.disk_name = name;
    this.registered = registered;
    this.nr_sectors = Math.floor(cfg.size / 512);
    this.rotational = cfg.rotational ?? true;
    this.latency_ns = cfg.latency ?? VIRTIO_DISK_LATENCY_NS;
    this.bandwidth = cfg.bandwidth ?? VIRTIO_DISK_BANDWIDTH;
    this.bdi = new backing_dev_info(`${major}:${minor}`, now);
    if (cfg.read_ahead_kb !== undefined) this.bdi.ra_pages = cfg.read_ahead_kb >> 2;
    this.busy_until = now;
    this.bd_stamp = now;
    // Nanosecond times: doubles from the start (kernel/shape.ts).
    asDoubles<block_device>(this, "busy_until", "io_ticks", "bd_stamp", "nr_sectors");
  }
}

/** BIO_MAX_VECS: a bio holds at most 256 pages. @kernel include/linux/bio.h BIO_MAX_VECS */
export const BIO_MAX_VECS = 256;

/**
 * A write bio being built (fs/mpage.c's struct mpage_data and its bio): its pages, its device,
 * the sector after its last page. One per machine (k.blk.wbio), reused by every writeback pass.
 * @kernel include/linux/blk_types.h struct bio
 */
export class mpage_wbio {
  readonly pages = new Int32Array(BIO_MAX_VECS);
  nr = 0;
  bdev: block_device | null = null;
  next_sector = -1;
  /** The extent get_block last mapped (mpage_data's map_bh): file blocks [ext_first, + ext_n) at ext_pblk. */
  ext_first = 0;
  ext_n = 0;
  ext_pblk = 0;
}

/** The block layer's statics: every disk, in creation order (the completion scan's order). */
export class block_globals {
  readonly disks: block_device[] = [];
  /** The next virtio-blk minor: 16 per disk (vda 254:0, vdb 254:16). */
  next_minor = 0;
  /**
   * The current task's plug (current->plug): nesting depth, and the bios held on it, in
   * submission order, as parallel columns (device, op, end_io kind, first sector, sectors, page
   * count) with their pages in plug_pfn. Reused from plug to plug, so a plugged section
   * allocates nothing once the columns are big enough.
   */
  plug_depth = 0;
  plug_len = 0;
  plug_dev: block_device[] = [];
  plug_op: Uint8Array = new Uint8Array(32);
  plug_end: Uint8Array = new Uint8Array(32);
  plug_sector: Float64Array = new Float64Array(32);
  plug_sectors: Int32Array = new Int32Array(32);
  plug_nr: Int32Array = new Int32Array(32);
  plug_pfn: Int32Array = new Int32Array(32);
  plug_pages = 0;
  /** The write bio writeback builds (fs/mpage.ts mpage_writepages). */
  readonly wbio = new mpage_wbio();
  /** A one-entry page list for one-block bios (a bio_vec on the kernel's stack), reused. */
  readonly bio_page = new Int32Array(1);
  /** The one-entry page list holding `v`. */
  bio_one(v: number): Int32Array {
    this.bio_page[0] = v;
    return this.bio_page;
  }
}

/** The disk named `name` ("vda"), or null. */
export function blk_lookup(k: Kernel, name: string): block_device | null {
  for (const d of k.blk.disks) if (d.disk_name === name) return d;
  return null;
}

/**
 * Adds a disk: virtio-blk's major 254, minors 16 apart. A `/dev/<name>` path names a disk that
 * appears in /sys/block; anything else (a swap file) gets a device model of its own that sysfs
 * does not show.
 * @kernel drivers/block/virtio_blk.c virtblk_probe
 * @kernel block/genhd.c device_add_disk
 */
export function blk_add_disk(k: Kernel, path: string, cfg: BlockDeviceConfig): block_device {
  const m = /^\/dev\/([a-z]+[0-9]*)$/.exec(path);
  const name = m ? m[1] : path;
  const minor = k.blk.next_minor;
  k.blk.next_minor += 16;
  const d = new block_device(254, minor, name, m !== null, cfg, k.now_ns);
  k.blk.disks.push(d);
  return d;
}

/** The disk a path names (/dev/vda → vda), or null. */
export function blk_lookup_path(k: Kernel, path: string): block_device | null {
  const m = /^\/dev\/([a-z]+[0-9]*)$/.exec(path);
  return blk_lookup(k, m ? m[1] : path);
}

/** Time with requests in flight up to `now` (update_io_ticks). @kernel block/blk-core.c update_io_ticks */
function update_io_ticks(d: block_device, now: number): void {
  if (now > d.bd_stamp) {
    if (d.rq_len > 0) d.io_ticks += now - d.bd_stamp;
    d.bd_stamp = now;
  }
}

/**
 * Submits a bio of `n` pages (pfns[start..start+n), -1 for a direct I/O page the page cache
 * does not hold) covering `sectors` 512-byte sectors, completed by end_io kind `end`. Counts
 * PGPGIN or PGPGOUT. A read given its device position `sector` while the task holds a plug is
 * held there until blk_finish_plug (returns -1: its completion time is not known yet);
 * otherwise it is queued as a request of its own and the completion time is returned.
 * @kernel block/blk-core.c submit_bio
 */
export function submit_bio(k: Kernel, d: block_device, op: number, pfns: ArrayLike<number>, start: number, n: number, sectors: number, end: number, sector = -1): number {
  if (op === REQ_OP_READ) {
    k.vm_events[PGPGIN] += sectors;
    // task_io_account_read: the reader caused these bytes to be read (readahead included).
    const t = get_current(k);
    if (t !== undefined) t.ioac.read_bytes += sectors * 512;
  } else {
    k.vm_events[PGPGOUT] += sectors;
  }
  if (sector >= 0 && op === REQ_OP_READ && k.blk.plug_depth > 0) {
    plug_add(k.blk, d, op, pfns, start, n, sectors, end, sector);
    return -1;
  }
  return blk_queue_request(k, d, op, pfns, start, n, sectors, end);
}

/** Holds a bio on the plug. */
function plug_add(g: block_globals, d: block_device, op: number, pfns: ArrayLike<number>, start: number, n: number, sectors: number, end: number, sector: number): void {
  if (g.plug_len === g.plug_op.length) {
    const cap = g.plug_len * 2;
    const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    g.plug_op = grow(g.plug_op, (c) => new Uint8Array(c));
    g.plug_end = grow(g.plug_end, (c) => new Uint8Array(c));
    g.plug_sector = grow(g.plug_sector, (c) => new Float64Array(c));
    g.plug_sectors = grow(g.plug_sectors, (c) => new Int32Array(c));
    g.plug_nr = grow(g.plug_nr, (c) => new Int32Array(c));
  }
  while (g.plug_pages + n > g.plug_pfn.length) {
    const b = new Int32Array(g.plug_pfn.length * 2);
    b.set(g.plug_pfn);
    g.plug_pfn = b;
  }
  const i = g.plug_len++;
  g.plug_dev[i] = d;
  g.plug_op[i] = op;
  g.plug_end[i] = end;
  g.plug_sector[i] = sector;
  g.plug_sectors[i] = sectors;
  g.plug_nr[i] = n;
  for (let j = 0; j < n; j++) g.plug_pfn[g.plug_pages + j] = pfns[start + j];
  g.plug_pages += n;
}

/**
 * The task starts batching its I/O (current->plug); plugs nest, the outermost one counts.
 * @kernel block/blk-core.c blk_start_plug
 */
export function blk_start_plug(k: Kernel): void {
  k.blk.plug_depth++;
}

/**
 * The outermost plug ends: the held bios go to their devices in submission order, each merged
 * into the request before it when that one is on the same device and of the same kind and ends
 * at the sector where it starts, up to the device's max_sectors_kb.
 * @kernel block/blk-core.c blk_finish_plug, blk_flush_plug
 * @kernel block/blk-merge.c blk_attempt_plug_merge, bio_attempt_back_merge
 */
export function blk_finish_plug(k: Kernel): void {
  const g = k.blk;
  if (g.plug_depth === 0) throw new KernelBug("blk_finish_plug: no plug", {});
  if (--g.plug_depth > 0) return;
  const n = g.plug_len;
  g.plug_len = 0;
  g.plug_pages = 0;
  let page = 0;
  for (let i = 0; i < n; ) {
    const d = g.plug_dev[i];
    const op = g.plug_op[i];
    const end = g.plug_end[i];
    const maxSectors = d.max_sectors_kb * 2;
    let sectors = g.plug_sectors[i];
    let pages = g.plug_nr[i];
    let j = i + 1;
    while (
      j < n &&
      g.plug_dev[j] === d &&
      g.plug_op[j] === op &&
      g.plug_end[j] === end &&
      g.plug_sector[j] === g.plug_sector[j - 1] + g.plug_sectors[j - 1] &&
      sectors + g.plug_sectors[j] <= maxSectors
    ) {
      d.merges[op === REQ_OP_READ ? STAT_READ : STAT_WRITE]++;
      sectors += g.plug_sectors[j];
      pages += g.plug_nr[j];
      j++;
    }
    blk_queue_request(k, d, op, g.plug_pfn, page, pages, sectors, end);
    page += pages;
    i = j;
  }
}

/**
 * Puts a request on `d`'s queue: it starts when the device has finished the transfers queued
 * before it and completes latency_ns + its transfer time later. Returns the completion time.
 */
function blk_queue_request(k: Kernel, d: block_device, op: number, pfns: ArrayLike<number>, start: number, n: number, sectors: number, end: number): number {
  const now = k.now_ns;
  update_io_ticks(d, now);
  const xfer = ((sectors * 512) / d.bandwidth) * 1e9;
  const begin = Math.max(now, d.busy_until);
  d.busy_until = begin + xfer;
  const done = begin + d.latency_ns + xfer;
  if (d.rq_len === d.rq_time.length) grow_rq(d);
  const at = (d.rq_head + d.rq_len) % d.rq_time.length;
  d.rq_time[at] = done;
  d.rq_start[at] = now;
  d.rq_op[at] = op;
  d.rq_end[at] = end;
  d.rq_nr[at] = n;
  d.rq_sectors[at] = sectors;
  d.rq_len++;
  while (d.pg_len + n > d.pg_pfn.length) grow_pg(d);
  const ring = d.pg_pfn;
  const cap = ring.length;
  // The pages go on after the ring's last one, wrapping at its end (a compare, not a % a page).
  let at_pg = (d.pg_head + d.pg_len) % cap;
  for (let i = 0; i < n; i++) {
    ring[at_pg] = pfns[start + i];
    if (++at_pg === cap) at_pg = 0;
  }
  d.pg_len += n;
  return done;
}

/** Doubles the request ring, unrolling it from its head. */
function grow_rq(d: block_device): void {
  const cap = d.rq_time.length;
  const t = new Float64Array(cap * 2);
  const s = new Float64Array(cap * 2);
  const o = new Uint8Array(cap * 2);
  const e = new Uint8Array(cap * 2);
  const n = new Int32Array(cap * 2);
  const sec = new Int32Array(cap * 2);
  for (let i = 0; i < d.rq_len; i++) {
    const j = (d.rq_head + i) % cap;
    t[i] = d.rq_time[j];
    s[i] = d.rq_start[j];
    o[i] = d.rq_op[j];
    e[i] = d.rq_end[j];
    n[i] = d.rq_nr[j];
    sec[i] = d.rq_sectors[j];
  }
  d.rq_time = t;
  d.rq_start = s;
  d.rq_op = o;
  d.rq_end = e;
  d.rq_nr = n;
  d.rq_sectors = sec;
  d.rq_head = 0;
}

function grow_pg(d: block_device): void {
  const cap = d.pg_pfn.length;
  const p = new Int32Array(cap * 2);
  for (let i = 0; i < d.pg_len; i++) p[i] = d.pg_pfn[(d.pg_head + i) % cap];
  d.pg_pfn = p;
  d.pg_head = 0;
}

/** Completes the request at the head of `d`'s ring: its pages' end_io, then the statistics. */
function complete_head(k: Kernel, d: block_device): void {
  const h = d.rq_head;
  const done = d.rq_time[h];
  const op = d.rq_op[h];
  const end = d.rq_end[h];
  const n = d.rq_nr[h];
  update_io_ticks(d, done);
  d.rq_head = (h + 1) % d.rq_time.length;
  d.rq_len--;
  const grp = op === REQ_OP_READ ? STAT_READ : STAT_WRITE;
  d.ios[grp]++;
  d.sectors[grp] += d.rq_sectors[h];
  d.nsecs[grp] += done - d.rq_start[h];
  // Each page leaves the ring before its end_io runs, so I/O an end_io queued could only reuse
  // the slots already read.
  for (let i = 0; i < n; i++) {
    const ring = d.pg_pfn;
    const h = d.pg_head;
    const pfn = ring[h];
    d.pg_head = h + 1 === ring.length ? 0 : h + 1;
    d.pg_len--;
    blk_end_io(k, end, pfn, i === n - 1);
  }
}

/**
 * Completes, in time order across devices, every request whose completion time is not after
 * `until`. Returns how many completed.
 * @kernel block/blk-mq.c blk_mq_end_request
 */
export function blk_complete_due(k: Kernel, until: number): number {
  const disks = k.blk.disks;
  let n = 0;
  for (;;) {
    let best: block_device | null = null;
    let bestT = Infinity;
    for (let i = 0; i < disks.length; i++) {
      const d = disks[i];
      if (d.rq_len === 0) continue;
      const t = d.rq_time[d.rq_head];
      if (t <= until && t < bestT) {
        best = d;
        bestT = t;
      }
    }
    if (best === null) return n;
    complete_head(k, best);
    n++;
  }
}

/** The earliest pending completion time across devices, or Infinity. */
export function blk_next_completion(k: Kernel): number {
  let t = Infinity;
  for (const d of k.blk.disks) if (d.rq_len > 0 && d.rq_time[d.rq_head] < t) t = d.rq_time[d.rq_head];
  return t;
}

/** Requests in flight on every device. */
export function blk_inflight(k: Kernel): number {
  let n = 0;
  for (const d of k.blk.disks) n += d.rq_len;
  return n;
}

/**
 * The completion time of the in-flight request holding page `pfn` for `op` on any device, or -1.
 * The scan stops at the request; what it passes completes before it, so a waiter that sleeps
 * to it pays O(1) per request overall.
 */
export function blk_page_completion(k: Kernel, pfn: number, op: number): number {
  for (const d of k.blk.disks) {
    if (d.rq_len === 0) continue;
    const rcap = d.rq_time.length;
    const ring = d.pg_pfn;
    const pcap = ring.length;
    let p = d.pg_head;
    let j = d.rq_head;
    for (let r = 0; r < d.rq_len; r++) {
      const n = d.rq_nr[j];
      if (d.rq_op[j] === op) {
        let q = p;
        for (let i = 0; i < n; i++) {
          if (ring[q] === pfn) return d.rq_time[j];
          if (++q === pcap) q = 0;
        }
      }
      p = (p + n) % pcap;
      if (++j === rcap) j = 0;
    }
  }
  return -1;
}

/**
 * The task sleeps until the clock reaches `done` (schedule_timeout: the kthreads due meanwhile
 * run, the completion worker among them), then completes whatever is due by then — the
 * completion kthread may not have run if the wait is inside a kthread's own turn.
 */
export function blk_wait_until(k: Kernel, done: number): void {
  if (done > k.now_ns) schedule_timeout(k, done - k.now_ns);
  blk_complete_due(k, Math.max(k.now_ns, done));
}

/**
 * Waits for the request holding `pfn` for `op` to complete. False if no such request is in
 * flight.
 * @kernel mm/filemap.c folio_wait_bit_common
 */
export function blk_wait_page(k: Kernel, pfn: number, op: number): boolean {
  const done = blk_page_completion(k, pfn, op);
  if (done < 0) return false;
  blk_wait_until(k, done);
  return true;
}

/**
 * /sys/block/<dev>/stat: the 17 columns of part_stat_show (times in ms).
 * @kernel block/genhd.c part_stat_show
 */
export function part_stat_show(k: Kernel, d: block_device): string {
  if (d.rq_len > 0) update_io_ticks(d, k.now_ns);
  const f = (v: number): string => String(Math.floor(v)).padStart(8);
  const ms = (ns: number): number => Math.floor(ns / 1e6);
  const inflight = d.rq_len;
  const cols = [
    d.ios[STAT_READ],
    d.merges[STAT_READ],
    d.sectors[STAT_READ],
    ms(d.nsecs[STAT_READ]),
    d.ios[STAT_WRITE],
    d.merges[STAT_WRITE],
    d.sectors[STAT_WRITE],
    ms(d.nsecs[STAT_WRITE]),
    inflight,
    ms(d.io_ticks),
    ms(d.nsecs[0] + d.nsecs[1] + d.nsecs[2] + d.nsecs[3]),
    d.ios[2],
    d.merges[2],
    d.sectors[2],
    ms(d.nsecs[2]),
    d.ios[3],
    ms(d.nsecs[3]),
  ];
  return cols.map(f).join(" ") + "\n";
}

/** /sys/block/<dev>/queue/read_ahead_kb. @kernel block/blk-sysfs.c queue_ra_show */
export function queue_ra_show(d: block_device): string {
  return `${d.bdi.ra_pages << 2}\n`;
}

/** Writing read_ahead_kb sets the bdi's ra_pages: 0 or a negative errno. @kernel block/blk-sysfs.c queue_ra_store */
export function queue_ra_store(d: block_device, buf: string): number {
  const t = buf.trim();
  if (!/^\d+$/.test(t)) return -22;
  const v = Number(t);
  if (v > 2 ** 32 - 1) return -22;
  d.bdi.ra_pages = Math.floor(v / 4);
  return 0;
}
