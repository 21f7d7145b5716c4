/**
 * Readahead (mm/readahead.c): 6.1's on-demand readahead. A read that misses the page cache
 * starts a window (page_cache_sync_ra); a read that reaches the folio marked PG_readahead — the
 * first of the window's last `async_size` pages — starts the next one before it is needed
 * (page_cache_async_ra), so a sequential reader finds its pages read. The window ramps up: from
 * get_init_ra_size (a 4 KiB read at offset 0 with the default 32-page maximum reads 4 pages,
 * marking page 1), then get_next_ra_size (×4 while small, ×2, then the maximum), and the
 * readahead that would hit its own mark at once merges the next window in. Random reads (no
 * sequential history in the cache) read just what was asked. pc-read's real numbers follow from
 * this: 4 pages after the first 4 KiB read, 316 after 1 MiB more (windows 4-11, 12-27, 28-59,
 * then 32 pages at a time, the last at 284-315), no readahead for 256 random preads.
 *
 * The window's pages are allocated and added to the page cache locked (page_cache_ra_unbounded:
 * a page already cached ends the current run), then handed to the filesystem's readahead, which
 * submits one bio per run of contiguous blocks; each page is unlocked and uptodate when its bio
 * completes. The maximum window is the file's ra_pages, from its disk's read_ahead_kb at open.
 *
 * Simplified: no large folios (page_cache_ra_order falls back to do_page_cache_ra, as it does for
 * every mapping without large-folio support, ext2's and shmem's among them), no
 * blk_cgroup_congested, no VM_HUGEPAGE mmap readahead.
 * @kernel mm/readahead.c read_pages, page_cache_ra_unbounded, do_page_cache_ra,
 *   force_page_cache_ra, get_init_ra_size, get_next_ra_size, count_history_pages,
 *   try_context_readahead, page_cache_ra_order, ondemand_readahead, page_cache_sync_ra,
 *   page_cache_async_ra, ksys_readahead
 * @kernel include/linux/pagemap.h page_cache_sync_readahead, page_cache_async_readahead
 */
import type { Kernel } from "../kernel/kernel.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import { type address_space, type file, type file_ra_state, FMODE_RANDOM, type readahead_control } from "../fs/fs.js";
import { xa_load_folio } from "../lib/xarray.js";
import { filemap_add_folio, filemap_alloc_folio, page_cache_next_miss, page_cache_prev_miss, readahead_gfp_mask } from "./filemap.js";
import { F, PG_locked, PG_readahead, PG_workingset, PG_writeback } from "./memmap.js";
import { put_page } from "./swap.js";
import { NO_PFN } from "./types.js";

const READAHEAD = F(PG_readahead);

/** The largest chunk force_page_cache_ra reads at once: 2 MiB. */
const FORCE_RA_CHUNK = (2 * 1024 * 1024) / 4096;

/** A readahead request for `mapping` starting at `index`, with room for `nr` pages. @kernel include/linux/pagemap.h DEFINE_READAHEAD */
export function readahead_control_init(k: Kernel, f: file | null, ra: file_ra_state | null, mapping: address_space, index: number): readahead_control {
  // The page array comes from page_cache_ra_unbounded (the kernel's own window lives in the page
  // cache itself; the model's is one array reused by every readahead): no allocation per window.
  return { file: f, mapping, ra, _index: index, pages: k.vfs.ra_pages, _nr_pages: 0, _workingset: false };
}

/** The disk's io_pages (max_sectors_kb in pages), or ra_pages' default for a file without one. */
function bdi_io_pages(mapping: address_space): number {
  const host = mapping.host;
  const bdev = host === null ? null : (host.i_bdev ?? host.i_sb.s_bdev);
  return bdev === null ? 32 : bdev.bdi.io_pages;
}

/**
 * Hands the pending folios of `rac` to the filesystem (a_ops->readahead, or read_folio one by
 * one), inside a memstall if any was a workingset refault; then drops the request's references
 * (readahead_folio's folio_put) and moves the request past them.
 * @kernel mm/readahead.c read_pages
 */
function read_pages(k: Kernel, rac: readahead_control): void {
  const n = rac._nr_pages;
  if (n === 0) return;
  const pflags = rac._workingset ? psi_memstall_enter(k) : 0;
  const aops = rac.mapping.a_ops;
  if (aops.readahead) aops.readahead(k, rac);
  else if (aops.read_folio) for (let i = 0; i < n; i++) aops.read_folio(k, rac.file, rac.pages[i]);
  else for (let i = 0; i < n; i++) k.mem_map.flags[rac.pages[i]] &= ~F(PG_locked);
  // readahead_folio's folio_put: the page cache still holds each folio (no large folios here),
  // so the drop is a decrement; put_page only for one whose cache reference went meanwhile.
  const refcount = k.mem_map._refcount;
  for (let i = 0; i < n; i++) {
    const pfn = rac.pages[i];
    if (refcount[pfn] > 1) refcount[pfn]--;
    else put_page(k, pfn);
  }
  if (rac._workingset) psi_memstall_leave(k, pflags);
  rac._workingset = false;
  rac._index += n;
  rac._nr_pages = 0;
}

/**
 * Allocates and adds `nr_to_read` folios from the request's index, marking the one
 * `lookahead_size` from the end PG_readahead, and starts their reads; a page already cached (or
 * an allocation that fails) ends a run: what was gathered is read and the page skipped.
 * @kernel mm/readahead.c page_cache_ra_unbounded
 */
export function page_cache_ra_unbounded(k: Kernel, rac: readahead_control, nr_to_read: number, lookahead_size: number): void {
  const gfp = readahead_gfp_mask(rac.mapping);
  // The window's array: the kernel's reusable one, unless another readahead is filling it (none
  // does today: nothing under read_pages reads ahead), or it is too small (then it grows).
  const vfs = k.vfs;
  const shared = !vfs.ra_pages_busy;
  if (shared) {
    if (vfs.ra_pages.length < nr_to_read) vfs.ra_pages = new Int32Array(nr_to_read);
    rac.pages = vfs.ra_pages;
    vfs.ra_pages_busy = true;
  } else if (rac.pages === vfs.ra_pages || rac.pages.length < nr_to_read) {
    rac.pages = new Int32Array(Math.max(1, nr_to_read));
  }
  try {
    page_cache_ra_gather(k, rac, nr_to_read, lookahead_size, gfp);
  } finally {
    if (shared) vfs.ra_pages_busy = false;
  }
}

/** page_cache_ra_unbounded's loop over the window (the array is ready). */
function page_cache_ra_gather(k: Kernel, rac: readahead_control, nr_to_read: number, lookahead_size: number, gfp: number): void {
  const mapping = rac.mapping;
  const index = rac._index;
  for (let i = 0; i < nr_to_read; i++) {
    if (xa_load_folio(mapping.i_pages, index + i) >= 0) {
      // Page already present? Kick off the current batch of contiguous pages first.
      read_pages(k, rac);
      rac._index++;
      i = rac._index + rac._nr_pages - index - 1;
      continue;
    }
    const pfn = filemap_alloc_folio(k, gfp);
    if (pfn === NO_PFN) break;
    if (filemap_add_folio(k, mapping, pfn, index + i, gfp) < 0) {
      put_page(k, pfn);
      read_pages(k, rac);
      rac._index++;
      i = rac._index + rac._nr_pages - index - 1;
      continue;
    }
    if (i === nr_to_read - lookahead_size) k.mem_map.flags[pfn] |= READAHEAD;
    if ((k.mem_map.flags[pfn] & F(PG_workingset)) !== 0) rac._workingset = true;
    rac.pages[rac._nr_pages++] = pfn;
  }
  read_pages(k, rac);
}

/**
 * Reads a chunk of the file, never past the page holding its last byte.
 * @kernel mm/readahead.c do_page_cache_ra
 */
export function do_page_cache_ra(k: Kernel, rac: readahead_control, nr_to_read: number, lookahead_size: number): void {
  const inode = rac.mapping.host;
  if (inode === null) return;
  const isize = inode.i_size;
  if (isize === 0) return;
  const end_index = Math.floor((isize - 1) / 4096);
  if (rac._index > end_index) return;
  if (nr_to_read > end_index - rac._index) nr_to_read = end_index - rac._index + 1;
  page_cache_ra_unbounded(k, rac, nr_to_read, lookahead_size);
}

/**
 * Readahead of exactly what was asked, up to the device's optimal size, in 2 MiB chunks, without
 * touching the readahead state (FMODE_RANDOM files, readahead(2), POSIX_FADV_WILLNEED).
 * @kernel mm/readahead.c force_page_cache_ra
 */
export function force_page_cache_ra(k: Kernel, rac: readahead_control, nr_to_read: number): void {
  const aops = rac.mapping.a_ops;
  if (!aops.read_folio && !aops.readahead) return;
  let index = rac._index;
  const max_pages = Math.max(bdi_io_pages(rac.mapping), rac.ra === null ? 0 : rac.ra.ra_pages);
  nr_to_read = Math.min(nr_to_read, max_pages);
  while (nr_to_read > 0) {
    const this_chunk = Math.min(FORCE_RA_CHUNK, nr_to_read);
    rac._index = index;
    do_page_cache_ra(k, rac, this_chunk, 0);
    index += this_chunk;
    nr_to_read -= this_chunk;
  }
}

/** roundup_pow_of_two. */
function roundup_pow_of_two(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The first window for a read of `size` pages: rounded up to a power of two, then ×4 if at most
 * max/32, ×2 if at most max/4, else max. With max 32: 1-2 pages → 4 and 8… (1 → 4), 3-4 → 8,
 * 5-8 → 16, more → 32.
 * @kernel mm/readahead.c get_init_ra_size
 */
export function get_init_ra_size(size: number, max: number): number {
  let newsize = roundup_pow_of_two(size);
  if (newsize <= Math.floor(max / 32)) newsize *= 4;
  else if (newsize <= Math.floor(max / 4)) newsize *= 2;
  else newsize = max;
  return newsize;
}

/** The next window: ×4 below max/16, ×2 up to max/2, else max. @kernel mm/readahead.c get_next_ra_size */
export function get_next_ra_size(ra: file_ra_state, max: number): number {
  const cur = ra.size;
  if (cur < Math.floor(max / 16)) return 4 * cur;
  if (cur <= Math.floor(max / 2)) return 2 * cur;
  return max;
}

/** Contiguously cached pages just before `index` (at most `max`). @kernel mm/readahead.c count_history_pages */
function count_history_pages(mapping: address_space, index: number, max: number): number {
  const head = page_cache_prev_miss(mapping, index - 1, max);
  return index - 1 - head;
}

/**
 * A miss with enough cached history before it to be a sequential stream: the window is that
 * history (doubled when it goes back to the file's start) plus the request.
 * @kernel mm/readahead.c try_context_readahead
 */
function try_context_readahead(mapping: address_space, ra: file_ra_state, index: number, req_size: number, max: number): boolean {
  let size = count_history_pages(mapping, index, max);
  if (size <= req_size) return false;
  if (size >= index) size *= 2;
  ra.start = index;
  ra.size = Math.min(size + req_size, max);
  ra.async_size = 1;
  return true;
}

/**
 * The readahead decision, for a miss (`folio` NO_PFN) or a hit on a PG_readahead folio.
 * @kernel mm/readahead.c ondemand_readahead
 */
function ondemand_readahead(k: Kernel, rac: readahead_control, folio: number, req_size: number): void {
  const ra = rac.ra as file_ra_state;
  let max_pages = ra.ra_pages;
  const index = rac._index;
  // If the request exceeds the readahead window, allow the read to be up to the optimal hardware IO size.
  const io_pages = bdi_io_pages(rac.mapping);
  if (req_size > max_pages && io_pages > max_pages) max_pages = Math.min(req_size, io_pages);
  readit: {
    initial: {
      // start of file
      if (index === 0) break initial;
      // It's the expected callback index, assume sequential access: ramp up and push forward.
      const expected = ra.start + ra.size - ra.async_size;
      if (index === expected || index === ra.start + ra.size) {
        ra.start += ra.size;
        ra.size = Math.max(ra.size, get_next_ra_size(ra, max_pages));
        ra.async_size = ra.size;
        break readit;
      }
      // Hit a marked folio without valid readahead state (interleaved reads): query the cache.
      if (folio !== NO_PFN) {
        const start = page_cache_next_miss(rac.mapping, index + 1, max_pages);
        if (!start || start - index > max_pages) return;
        ra.start = start;
        ra.size = start - index; // old async_size
        ra.size += req_size;
        ra.size = get_next_ra_size(ra, max_pages);
        ra.async_size = ra.size;
        break readit;
      }
      // oversize read
      if (req_size > max_pages) break initial;
      // sequential cache miss: (index - prev_index) is 1 or 0 (an unaligned read)
      const prev_index = ra.prev_pos < 0 ? 2 ** 52 - 1 : Math.floor(ra.prev_pos / 4096);
      if (index - prev_index <= 1 && index - prev_index >= 0) break initial;
      // Query the page cache for the traces a sequential stream leaves behind.
      if (try_context_readahead(rac.mapping, ra, index, req_size, max_pages)) break readit;
      // standalone, small random read: read as is, and do not pollute the readahead state.
      do_page_cache_ra(k, rac, req_size, 0);
      return;
    }
    ra.start = index;
    ra.size = get_init_ra_size(req_size, max_pages);
    ra.async_size = ra.size > req_size ? ra.size - req_size : ra.size;
  }
  // Will this read hit the readahead marker made by itself? If so, trigger the marker hit now
  // and merge the next readahead window into the current one.
  if (index === ra.start && ra.size === ra.async_size) {
    const add_pages = get_next_ra_size(ra, max_pages);
    if (ra.size + add_pages <= max_pages) {
      ra.async_size = add_pages;
      ra.size += add_pages;
    } else {
      ra.size = max_pages;
      ra.async_size = max_pages >> 1;
    }
  }
  rac._index = ra.start;
  // page_cache_ra_order: no large folios for these mappings, so its fallback.
  do_page_cache_ra(k, rac, ra.size, ra.async_size);
}

/**
 * Readahead for a read of `req_count` pages that missed the cache at the request's index:
 * FMODE_RANDOM files (and disks with readahead off, which read the one page) read just the
 * request; others go through ondemand_readahead.
 * @kernel mm/readahead.c page_cache_sync_ra
 */
export function page_cache_sync_ra(k: Kernel, rac: readahead_control, req_count: number): void {
  const f = rac.file;
  let do_forced_ra = f !== null && (f.f_mode & FMODE_RANDOM) !== 0;
  const ra = rac.ra;
  if (ra === null || !ra.ra_pages) {
    if (f === null) return;
    req_count = 1;
    do_forced_ra = true;
  }
  if (do_forced_ra) {
    force_page_cache_ra(k, rac, req_count);
    return;
  }
  ondemand_readahead(k, rac, NO_PFN, req_count);
}

/**
 * A read reached `folio`, which carries PG_readahead: clear the mark and read the next window.
 * Nothing for a file without readahead, or for a folio under writeback (PG_readahead shares its
 * bit with PG_reclaim).
 * @kernel mm/readahead.c page_cache_async_ra
 */
export function page_cache_async_ra_rac(k: Kernel, rac: readahead_control, folio: number, req_count: number): void {
  const ra = rac.ra;
  if (ra === null || !ra.ra_pages) return;
  const mem = k.mem_map;
  if ((mem.flags[folio] & F(PG_writeback)) !== 0) return;
  mem.flags[folio] &= ~READAHEAD;
  ondemand_readahead(k, rac, folio, req_count);
}

/** page_cache_sync_readahead: DEFINE_READAHEAD at `index`, then page_cache_sync_ra. @kernel include/linux/pagemap.h page_cache_sync_readahead */
export function page_cache_sync_readahead(k: Kernel, mapping: address_space, ra: file_ra_state, f: file | null, index: number, req_count: number): void {
  page_cache_sync_ra(k, readahead_control_init(k, f, ra, mapping, index), req_count);
}

/** page_cache_async_readahead at `index` for `folio`. @kernel include/linux/pagemap.h page_cache_async_readahead */
export function page_cache_async_ra(k: Kernel, mapping: address_space, ra: file_ra_state, f: file | null, index: number, folio: number, req_count: number): void {
  page_cache_async_ra_rac(k, readahead_control_init(k, f, ra, mapping, index), folio, req_count);
}
