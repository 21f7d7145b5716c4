/**
 * Swap I/O: writing a swap-cache page to its slot (swap_writepage) and reading one back
 * (swap_readpage), through the block layer (src/block/blk.ts): each page is a one-page bio on
 * the area's block device, so reads and writes complete asynchronously on the simulated clock,
 * in submission order, `latency + 4096 / bandwidth` after they start (the device model is
 * described there). The defaults (100 µs, 1 GB/s: block/blk.ts VIRTIO_DISK_*) stand for a
 * virtio disk on an SSD-backed host; a read of 8 clustered pages on an idle device completes the
 * first after 104.1 µs and the last after 100 + 8 × 4.096 = 132.8 µs.
 *
 * Completion (`swap_io_run`, the block layer's blk_complete_due: the completion kthread calls it
 * as the clock passes each completion, as the completion interrupts would fire) runs
 * end_swap_bio_write → folio_end_writeback, and end_swap_bio_read → uptodate and unlocked. A
 * task that needs a page still in flight (folio_wait_locked, folio_wait_writeback, a synchronous
 * swap_readpage) sleeps until it completes — schedule_timeout on the simulated clock, so kswapd
 * and the other kthreads run meanwhile — inside a PSI memstall when it waits for the read of a
 * workingset page, as folio_wait_bit_common brackets it.
 *
 * Counting as 6.1: PSWPOUT when a write is submitted (count_swpout_vm_event), PSWPIN when a read
 * is submitted, PGPGOUT and PGPGIN in sectors by submit_bio (the swap device is a block device
 * without ->rw_page, like w5's virtio disk, so every page goes through a bio); NR_WRITEBACK and
 * NR_ZONE_WRITE_PENDING while a write is in flight (filemap.ts).
 *
 * Swap readahead plugs (swap_state.ts): its reads reach the block layer with their sectors,
 * and adjacent slots merge into one request that completes together (block/blk.ts), so a
 * sequential reader finds the whole cluster uptodate at once instead of faulting again on
 * pages still in flight.
 *
 * Simplified: swap writes are not plugged (one request per page), no I/O errors, no SWP_FS_OPS (swap files go through the same block path, as they do on a filesystem
 * whose swap_activate maps the file's extents), no frontswap/zswap, no SWP_SYNCHRONOUS_IO
 * devices (zram, pmem), no iowait (TSK_IOWAIT) accounting of the sleep.
 * @kernel mm/page_io.c swap_writepage, __swap_writepage, end_swap_bio_write, swap_readpage,
 *   end_swap_bio_read, count_swpout_vm_event
 * @kernel mm/filemap.c folio_wait_locked, folio_wait_writeback, folio_wait_bit_common
 * @kernel kernel/time/timer.c schedule_timeout (the sleep)
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import { blk_complete_due, blk_inflight, blk_next_completion, blk_page_completion, blk_wait_until, END_SWAP_READ, END_SWAP_WRITE, PAGE_SECTORS, REQ_OP_READ, REQ_OP_WRITE, submit_bio } from "../block/blk.js";
import { folio_end_writeback, folio_start_writeback } from "./filemap.js";
import { F, PG_locked, PG_swapcache, PG_uptodate, PG_workingset, PG_writeback } from "./memmap.js";
import { folio_free_swap, swp_swap_info } from "./swapfile.js";
import { swp_offset } from "./swapops.js";
import { PSWPIN, PSWPOUT } from "./vmstat_items.js";

const LOCKED = F(PG_locked);

/** A read finished: the page is uptodate and unlocked. @kernel mm/page_io.c end_swap_bio_read */
export function end_swap_bio_read(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  mem.flags[pfn] = (mem.flags[pfn] | F(PG_uptodate)) & ~LOCKED;
}

/** A write finished. @kernel mm/page_io.c end_swap_bio_write */
export function end_swap_bio_write(k: Kernel, pfn: number): void {
  folio_end_writeback(k, pfn);
}

/**
 * Completes, in time order across devices, every request whose completion time is not after
 * k.now_ns. Returns how many completed. (The block layer's completion; the completion kthread
 * calls it as the clock passes each completion.)
 */
export function swap_io_run(k: Kernel): number {
  return blk_complete_due(k, k.now_ns);
}

/** Requests in flight on every device, for tests and the scenario report. */
export function swap_io_inflight(k: Kernel): number {
  return blk_inflight(k);
}

/**
 * The earliest pending completion time across devices, or Infinity: when the next swap_io_run
 * has work (for a runner that wants to step time to it).
 */
export function swap_io_next(k: Kernel): number {
  return blk_next_completion(k);
}

/**
 * The task sleeps until the in-flight request `op` on `pfn` completes, inside a PSI memstall for
 * the read of a workingset page. False if no such request is in flight.
 * @kernel mm/filemap.c folio_wait_bit_common
 */
function wait_for_request(k: Kernel, pfn: number, op: number): boolean {
  const done = blk_page_completion(k, pfn, op);
  if (done < 0) return false;
  const memstall = op === REQ_OP_READ && (k.mem_map.flags[pfn] & F(PG_workingset)) !== 0;
  const pflags = memstall ? psi_memstall_enter(k) : 0;
  blk_wait_until(k, done);
  if (memstall) psi_memstall_leave(k, pflags);
  return true;
}

export { folio_wait_locked } from "./filemap.js";

/** Waits for a page's writeback to finish. @kernel mm/page-writeback.c folio_wait_writeback */
export function folio_wait_writeback(k: Kernel, pfn: number): void {
  if ((k.mem_map.flags[pfn] & F(PG_writeback)) === 0) return;
  if (!wait_for_request(k, pfn, REQ_OP_WRITE)) throw new KernelBug("folio_wait_writeback: no write in flight", { pfn });
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
  submit_bio(k, si.bdev, REQ_OP_WRITE, k.blk.bio_one(pfn), 0, 1, PAGE_SECTORS, END_SWAP_WRITE);
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
  // An asynchronous read gives the block layer its sector (slot × 8 on the swap device), so
  // under swap readahead's plug adjacent slots merge into one request (block/blk.ts).
  submit_bio(k, si.bdev, REQ_OP_READ, k.blk.bio_one(pfn), 0, 1, PAGE_SECTORS, END_SWAP_READ, synchronous ? -1 : swp_offset(mem.private[pfn]) * PAGE_SECTORS);
  if (!synchronous) return 0;
  const before = k.now_ns;
  wait_for_request(k, pfn, REQ_OP_READ);
  return k.now_ns - before;
}
