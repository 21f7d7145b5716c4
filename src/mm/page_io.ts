/**
 * Swap I/O: writing a swap-cache page to its slot (swap_writepage) and reading one back
 * (swap_readpage), over a block-device model with a queue, so reads and writes complete
 * asynchronously on the simulated clock.
 *
 * The device model, per swap area: a request submitted at `now` starts when the device has
 * finished the transfers before it and completes `latency_ns + 4096 / bandwidth` later:
 *   start = max(now, busy_until); busy_until = start + 4096 / bandwidth;
 *   completion = start + latency_ns + 4096 / bandwidth.
 * Latency overlaps between queued requests (a virtio queue keeps many in flight) while transfers
 * serialise, so completions come in submission order and each device's in-flight requests form a
 * FIFO ring of typed arrays on its swap_info_struct (no object per I/O). The defaults (100 µs,
 * 1 GB/s: swapfile.ts VIRTIO_DISK_*) stand for a virtio disk on an SSD-backed host; a read of 8
 * clustered pages on an idle device completes the first after 104.1 µs and the last after
 * 100 + 8 × 4.096 = 132.8 µs.
 *
 * `swap_io_run(k)` completes everything whose time has come (the swap I/O kthread calls it as the
 * clock passes each completion, as the block layer's completion interrupts would fire):
 * end_swap_bio_write → folio_end_writeback, and end_swap_bio_read → uptodate and unlocked. A task
 * that needs a page still in flight (folio_wait_locked, folio_wait_writeback, a synchronous
 * swap_readpage) sleeps until it completes — schedule_timeout on the simulated clock, so kswapd
 * and the other kthreads run meanwhile — inside a PSI memstall when it waits for the read of a
 * workingset page, as folio_wait_bit_common brackets it.
 *
 * Counting as 6.1: PSWPOUT when a write is submitted (count_swpout_vm_event), PSWPIN when a read
 * is submitted, PGPGOUT and PGPGIN in sectors by submit_bio (the swap device is a block device
 * without ->rw_page, like w5's virtio disk, so every page goes through a bio); NR_WRITEBACK and NR_ZONE_WRITE_PENDING while a write is in flight (filemap.ts).
 *
 * Plugging: swap-in readahead (swap_cluster_readahead, swap_vma_readahead) runs under a block
 * plug (blk_start_plug … blk_finish_plug); its reads are held back and submitted at the unplug,
 * where the block layer merges the bios of adjacent slots of one device into one request
 * (blk_attempt_plug_merge's back merge, up to BLK_DEF_MAX_SECTORS): the request's pages transfer
 * together and complete together, so a cluster of 8 on an idle device completes all its pages
 * after 100 + 8 × 4.096 = 132.8 µs, and a task touching the cluster's pages in order waits at
 * most once. Each page still has its own bio, so PGPGIN and PSWPIN count per page as before.
 *
 * Simplified: no I/O errors, no SWP_FS_OPS (swap files go through the same block path, as they do on a filesystem
 * whose swap_activate maps the file's extents), no frontswap/zswap, no SWP_SYNCHRONOUS_IO
 * devices (zram, pmem), no iowait (TSK_IOWAIT) accounting of the sleep. Writes are not plugged
 * or merged (each page is its own request: shrink_lruvec's plug is not modelled), and a task
 * that sleeps inside a plugged section (direct reclaim during readahead's allocations) does not
 * flush the plug (sched_submit_work's blk_flush_plug): the reads wait for blk_finish_plug.
 * @kernel mm/page_io.c swap_writepage, __swap_writepage, end_swap_bio_write, swap_readpage,
 *   end_swap_bio_read, count_swpout_vm_event
 * @kernel mm/filemap.c folio_wait_locked, folio_wait_writeback, folio_wait_bit_common
 * @kernel kernel/time/timer.c schedule_timeout (the sleep)
 * @kernel block/blk-core.c blk_start_plug, blk_finish_plug
 * @kernel block/blk-merge.c blk_attempt_plug_merge
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { schedule_timeout } from "../kernel/kthread.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import { folio_end_writeback, folio_start_writeback } from "./filemap.js";
import { F, PG_locked, PG_swapcache, PG_uptodate, PG_workingset, PG_writeback } from "./memmap.js";
import { folio_free_swap, swp_swap_info, type swap_info_struct } from "./swapfile.js";
import { PGPGIN, PGPGOUT, PSWPIN, PSWPOUT } from "./vmstat_items.js";

const OP_READ = 0;
const OP_WRITE = 1;
const LOCKED = F(PG_locked);

/** bio_sectors of a one-page bio: 4096 >> 9. */
const PAGE_SECTORS = 8;

/**
 * Submits one page's bio: counts PGPGIN or PGPGOUT in 512-byte sectors, as submit_bio does for
 * every read and write bio (/proc/vmstat halves them into kB: a swapped page is pgpgin or pgpgout
 * 4), and queues it on the area's device as a request of its own — or, for a read under a plug,
 * holds it for blk_finish_plug.
 * @kernel block/blk-core.c submit_bio
 */
function submit_bio(k: Kernel, si: swap_info_struct, pfn: number, op: number): void {
  k.vm_events[op === OP_READ ? PGPGIN : PGPGOUT] += PAGE_SECTORS;
  const g = k.swap;
  if (op === OP_READ && g.plug_depth > 0) {
    if (g.plug_len === g.plug_pfn.length) {
      const a = new Int32Array(g.plug_len * 2);
      a.set(g.plug_pfn);
      g.plug_pfn = a;
    }
    g.plug_pfn[g.plug_len++] = pfn;
    return;
  }
  ring_push(si, queue_request(k, si, 1), pfn, op);
}

/**
 * Puts a request of `n` pages on the area's device: it starts when the device has finished the
 * transfers before it and completes, every page at once, after the latency and its n transfers
 *   start = max(now, busy_until); busy_until = start + n × 4096 / bandwidth;
 *   completion = start + latency_ns + n × 4096 / bandwidth.
 * Returns the completion time.
 */
function queue_request(k: Kernel, si: swap_info_struct, n: number): number {
  const xfer = (4096 / si.bandwidth) * 1e9;
  const start = Math.max(k.now_ns, si.busy_until);
  si.busy_until = start + n * xfer;
  return start + si.latency_ns + n * xfer;
}

/** Adds one page's I/O, completing at `done`, to the end of the area's in-flight ring. */
function ring_push(si: swap_info_struct, done: number, pfn: number, op: number): void {
  if (si.io_len === si.io_time.length) grow_ring(si);
  const at = (si.io_head + si.io_len) % si.io_time.length;
  si.io_time[at] = done;
  si.io_pfn[at] = pfn;
  si.io_op[at] = op;
  si.io_len++;
}

/** BLK_DEF_MAX_SECTORS (2560 sectors, 1280 KiB) in pages: the largest request a merge makes. */
const MAX_REQUEST_PAGES = 2560 / PAGE_SECTORS;

/**
 * The task starts batching its I/O (current->plug); plugs nest, the outermost one counts.
 * @kernel block/blk-core.c blk_start_plug
 */
export function blk_start_plug(k: Kernel): void {
  k.swap.plug_depth++;
}

/**
 * The outermost plug ends: its reads go to their devices, the bios of adjacent slots of one
 * device merged into one request (each back merge needs the next slot of the same area).
 * Example: a cluster read of slots 1000–1007 is one 32 KiB request; slots 1000–1003 and
 * 1005–1007 (1004 was already in the swap cache) are two.
 * @kernel block/blk-core.c blk_finish_plug, blk_flush_plug
 * @kernel block/blk-merge.c blk_attempt_plug_merge, bio_attempt_back_merge
 */
export function blk_finish_plug(k: Kernel): void {
  const g = k.swap;
  if (g.plug_depth === 0) throw new KernelBug("blk_finish_plug: no plug", {});
  if (--g.plug_depth > 0) return;
  const pfns = g.plug_pfn;
  const n = g.plug_len;
  g.plug_len = 0;
  const priv = k.mem_map.private;
  for (let i = 0; i < n; ) {
    const si = swp_swap_info(k, priv[pfns[i]]);
    if (si === null) throw new KernelBug("blk_finish_plug: no swap area", { pfn: pfns[i] });
    let j = i + 1;
    while (j < n && j - i < MAX_REQUEST_PAGES && priv[pfns[j]] === priv[pfns[j - 1]] + 1 && swp_swap_info(k, priv[pfns[j]]) === si) j++;
    const done = queue_request(k, si, j - i);
    for (; i < j; i++) ring_push(si, done, pfns[i], OP_READ);
  }
}

/** Doubles the ring, unrolling it from its head. */
function grow_ring(si: swap_info_struct): void {
  const cap = si.io_time.length;
  const t = new Float64Array(cap * 2);
  const p = new Int32Array(cap * 2);
  const o = new Uint8Array(cap * 2);
  for (let n = 0; n < si.io_len; n++) {
    const j = (si.io_head + n) % cap;
    t[n] = si.io_time[j];
    p[n] = si.io_pfn[j];
    o[n] = si.io_op[j];
  }
  si.io_time = t;
  si.io_pfn = p;
  si.io_op = o;
  si.io_head = 0;
}

/** A read finished: the page is uptodate and unlocked. @kernel mm/page_io.c end_swap_bio_read */
function end_swap_bio_read(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  mem.flags[pfn] = (mem.flags[pfn] | F(PG_uptodate)) & ~LOCKED;
}

/** A write finished. @kernel mm/page_io.c end_swap_bio_write */
function end_swap_bio_write(k: Kernel, pfn: number): void {
  folio_end_writeback(k, pfn);
}

function complete(k: Kernel, pfn: number, op: number): void {
  if (op === OP_READ) end_swap_bio_read(k, pfn);
  else end_swap_bio_write(k, pfn);
}

/**
 * Completes, in time order across devices, every request whose completion time is not after
 * k.now_ns. Returns how many completed. (The block layer's completion interrupts; the swap I/O
 * kthread calls it as the clock passes each completion.)
 */
export function swap_io_run(k: Kernel): number {
  return swap_io_run_until(k, k.now_ns);
}

/** Completes every request due by `until`, in time order across devices. */
function swap_io_run_until(k: Kernel, until: number): number {
  const areas = k.swap.swap_info;
  let n = 0;
  for (;;) {
    let best: swap_info_struct | null = null;
    let bestT = Infinity;
    for (const si of areas) {
      if (si === null || si.io_len === 0) continue;
      const t = si.io_time[si.io_head];
      if (t <= until && t < bestT) {
        best = si;
        bestT = t;
      }
    }
    if (best === null) return n;
    const h = best.io_head;
    const pfn = best.io_pfn[h];
    const op = best.io_op[h];
    best.io_head = (h + 1) % best.io_time.length;
    best.io_len--;
    complete(k, pfn, op);
    n++;
  }
}

/** Requests in flight on every area, for tests and the scenario report. */
export function swap_io_inflight(k: Kernel): number {
  let n = 0;
  for (const si of k.swap.swap_info) if (si !== null) n += si.io_len;
  return n;
}

/**
 * The earliest pending completion time across devices, or Infinity: when the next swap_io_run
 * has work (for a runner that wants to step time to it).
 */
export function swap_io_next(k: Kernel): number {
  let t = Infinity;
  for (const si of k.swap.swap_info) if (si !== null && si.io_len > 0) t = Math.min(t, si.io_time[si.io_head]);
  return t;
}

/**
 * The task sleeps until the in-flight request `op` on `pfn` completes: the clock moves on to its
 * completion (schedule_timeout: kthreads due meanwhile run, the swap I/O one completing this
 * request and those before it), inside a PSI memstall for the read of a workingset page. The
 * scan from the head stops at the request, and what it passes completes during the sleep, so
 * waiting costs O(1) per request overall. False if no such request is in flight.
 * @kernel mm/filemap.c folio_wait_bit_common
 */
function wait_for_request(k: Kernel, pfn: number, op: number): boolean {
  const si = swp_swap_info(k, k.mem_map.private[pfn]);
  if (si === null) return false;
  const cap = si.io_time.length;
  for (let n = 0; n < si.io_len; n++) {
    const j = (si.io_head + n) % cap;
    if (si.io_pfn[j] !== pfn || si.io_op[j] !== op) continue;
    const done = si.io_time[j];
    const memstall = op === OP_READ && (k.mem_map.flags[pfn] & F(PG_workingset)) !== 0;
    const pflags = memstall ? psi_memstall_enter(k) : 0;
    if (done > k.now_ns) schedule_timeout(k, done - k.now_ns);
    // The completion kthread may not have run (a wait inside a kthread's own turn): complete
    // what is due now.
    swap_io_run_until(k, Math.max(k.now_ns, done));
    if (memstall) psi_memstall_leave(k, pflags);
    return true;
  }
  return false;
}

/**
 * Waits until a page being read from swap is unlocked (do_swap_page's folio_lock, swapoff).
 * A page locked for any other reason cannot be waited for in the single-threaded model and is
 * left as it is.
 * @kernel mm/filemap.c folio_wait_locked, __folio_lock
 */
export function folio_wait_locked(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & LOCKED) === 0 || (mem.flags[pfn] & F(PG_swapcache)) === 0) return;
  wait_for_request(k, pfn, OP_READ);
}

/** Waits for a page's writeback to finish. @kernel mm/page-writeback.c folio_wait_writeback */
export function folio_wait_writeback(k: Kernel, pfn: number): void {
  if ((k.mem_map.flags[pfn] & F(PG_writeback)) === 0) return;
  if (!wait_for_request(k, pfn, OP_WRITE)) throw new KernelBug("folio_wait_writeback: no write in flight", { pfn });
}

/**
 * Writes a dirty swap-cache page to its slot, or frees the slot instead if nothing references
 * it any more. The page is unlocked either way; it stays PG_writeback until the write completes.
 * Returns 0 (AOP_WRITEPAGE_ACTIVATE is never returned).
 * @kernel mm/page_io.c swap_writepage
 */
export function swap_writepage(k: Kernel, pfn: number): number {
  const mem = k.mem_map;
  if (folio_free_swap(k, pfn)) {
    mem.flags[pfn] &= ~LOCKED;
    return 0;
  }
  return __swap_writepage(k, pfn);
}

/**
 * Submits the write: PSWPOUT, PG_writeback, unlock.
 * @kernel mm/page_io.c __swap_writepage
 */
export function __swap_writepage(k: Kernel, pfn: number): number {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_swapcache)) === 0) throw new KernelBug("__swap_writepage: page not in the swap cache", { pfn });
  const si = swp_swap_info(k, mem.private[pfn]);
  if (si === null) throw new KernelBug("__swap_writepage: no swap area", { pfn });
  k.vm_events[PSWPOUT]++;
  folio_start_writeback(k, pfn);
  mem.flags[pfn] &= ~LOCKED;
  submit_bio(k, si, pfn, OP_WRITE);
  return 0;
}

/**
 * Starts reading a locked, not-uptodate swap-cache page from its slot (PSWPIN). With
 * `synchronous` the caller sleeps here until it completes (do_poll); otherwise it completes at
 * its time on the clock, or when someone waits on the page lock. Returns the time the task slept
 * here (0 for an asynchronous read).
 * @kernel mm/page_io.c swap_readpage
 */
export function swap_readpage(k: Kernel, pfn: number, synchronous: boolean): number {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & LOCKED) === 0) throw new KernelBug("swap_readpage: page not locked", { pfn });
  if ((f & F(PG_uptodate)) !== 0) throw new KernelBug("swap_readpage: page already uptodate", { pfn });
  const si = swp_swap_info(k, mem.private[pfn]);
  if (si === null) throw new KernelBug("swap_readpage: no swap area", { pfn });
  k.vm_events[PSWPIN]++;
  submit_bio(k, si, pfn, OP_READ);
  if (!synchronous) return 0;
  const before = k.now_ns;
  wait_for_request(k, pfn, OP_READ);
  return k.now_ns - before;
}
