/**
 * The page cache (mm/filemap.c): folios of a file indexed by page index in its address_space's
 * i_pages, how they get there (filemap_add_folio: the cache's reference, NR_FILE_PAGES, the
 * workingset check of the shadow they replace, the lru_add batch) and leave (page_cache_delete:
 * a shadow left behind when reclaim evicts, the counters undone), lookups, waits on a folio's
 * read, and the paths that go through it: buffered reads (filemap_read), buffered writes
 * (generic_perform_write), O_DIRECT around it, and — in the fault half below — file faults
 * (filemap_fault with mmap readahead, filemap_map_pages for fault-around, filemap_page_mkwrite).
 * Writeback's start and end (folio_start_writeback, folio_end_writeback) are here too, as swap
 * uses them.
 *
 * Costs: the kernel's CPU work of a read or write (the copy) is the caller's to charge
 * (sim/cost.ts); what is modelled here is the waiting — a read that needs a page still being read
 * sleeps until its request completes (folio_wait_locked), so readahead that runs ahead of the
 * reader hides the device's latency, as on a real disk.
 *
 * Simplified: no large folios (order 0 only), no invalidate_lock, no RCU, no error paths of the
 * devices (reads always succeed), no IOCB_NOWAIT/IOCB_WAITQ (the model's reads block), no user
 * buffer (the copy cannot fault), no mtime/atime updates. Dirty pages in the range of an O_DIRECT
 * read or write are not written back first.
 * @kernel mm/filemap.c __filemap_add_folio, filemap_add_folio, filemap_unaccount_folio,
 *   page_cache_delete, __filemap_remove_folio, filemap_remove_folio, filemap_free_folio,
 *   filemap_get_folio, __filemap_get_folio, page_cache_next_miss, page_cache_prev_miss,
 *   filemap_get_read_batch, filemap_read_folio, filemap_update_page, filemap_create_folio,
 *   filemap_readahead, filemap_get_pages, filemap_read, generic_file_read_iter,
 *   generic_perform_write, __generic_file_write_iter, generic_file_write_iter, generic_write_sync,
 *   folio_wait_locked, folio_end_writeback
 * @kernel mm/page-writeback.c __folio_start_writeback, __folio_end_writeback
 * @kernel mm/internal.h acct_reclaim_writeback
 * @kernel mm/vmscan.c __acct_reclaim_writeback
 * @kernel include/linux/pagemap.h mapping_gfp_mask, readahead_gfp_mask
 */
import { mem_cgroup_charge } from "./memcontrol.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { psi_memstall_enter, psi_memstall_leave } from "../kernel/psi.js";
import { get_current } from "../kernel/sched.js";
import { blk_page_completion, blk_wait_until, REQ_OP_READ } from "../block/blk.js";
import { type address_space, type file, I_DIRTY_SYNC, O_APPEND, O_DIRECT, O_DSYNC, O_SYNC } from "../fs/fs.js";
import { __mark_inode_dirty, vfs_fsync_range } from "../fs/fs-writeback.js";
import { cond_resched } from "../kernel/kthread.js";
import { xa_chunk, xa_load, xa_load_folio, xa_store_folio, xa_store_value, XA_CHUNK_MASK, XA_CHUNK_SHIFT, XA_MAX_INDEX } from "../lib/xarray.js";
import { __GFP_COMP, __GFP_FS, __GFP_NORETRY, __GFP_NOWARN, __GFP_WRITE, GFP_KERNEL } from "./gfp.js";
import { F, PG_dirty, PG_locked, PG_readahead, PG_reclaim, PG_referenced, PG_swapbacked, PG_uptodate, PG_workingset, PG_writeback } from "./memmap.js";
import { alloc_pages } from "./page_alloc.js";
import { balance_dirty_pages_ratelimited, folio_account_cleaned, folio_mark_dirty, mapping_can_writeback } from "./page-writeback.js";
import { do_page_cache_ra, page_cache_async_ra, page_cache_async_ra_rac, page_cache_sync_ra, page_cache_sync_readahead, readahead_control_init } from "./readahead.js";
import { do_set_pte, FAULT_FLAG_ALLOW_RETRY, FAULT_FLAG_TRIED, type vm_fault, VM_FAULT_LOCKED, VM_FAULT_MAJOR, VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS } from "./memory.js";
import { VM_RAND_READ, VM_SEQ_READ } from "./mm_types.js";
import { mod_page_node_state } from "./rmap.js";
import { folio_add_lru, folio_mark_accessed, folio_rotate_reclaimable, put_page } from "./swap.js";
import { NO_PFN } from "./types.js";
import { __mod_zone_page_state } from "./vmstat.js";
import { NR_FILE_PAGES, NR_SHMEM, NR_THROTTLED_WRITTEN, NR_WRITEBACK, NR_WRITTEN, NR_ZONE_WRITE_PENDING, PGMAJFAULT } from "./vmstat_items.js";
import { workingset_refault } from "./workingset.js";

const WRITEBACK = F(PG_writeback);
const LOCKED = F(PG_locked);
const UPTODATE = F(PG_uptodate);
const READAHEAD = F(PG_readahead);

/** A page was truncated (or replaced) while the caller waited: look it up again. */
export const AOP_TRUNCATED_PAGE = 0x80001;

// fgf_t flags of __filemap_get_folio (include/linux/pagemap.h).
export const FGP_ACCESSED = 0x1;
export const FGP_LOCK = 0x2;
export const FGP_CREAT = 0x4;
export const FGP_WRITE = 0x8;
export const FGP_NOFS = 0x10;
export const FGP_NOWAIT = 0x20;
export const FGP_FOR_MMAP = 0x40;

/** The folio batch of a read: PAGEVEC_SIZE (15) folios at most, as struct folio_batch holds. */
export const FOLIO_BATCH_SIZE = 15; // PAGEVEC_SIZE (a literal: an import read at module evaluation is undefined inside an import cycle)

/** Adds `delta` to a zone counter of the zone holding `pfn`. */
function mod_page_zone_state(k: Kernel, pfn: number, item: number, delta: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("page in a hole", { pfn });
  __mod_zone_page_state(z, item, delta);
}

/** The GFP mask the mapping's page cache allocations use. @kernel include/linux/pagemap.h mapping_gfp_mask */
export function mapping_gfp_mask(mapping: address_space): number {
  return mapping.gfp_mask;
}

/**
 * Readahead may fail quietly: the mapping's mask plus __GFP_NORETRY | __GFP_NOWARN, and without
 * __GFP_FS (page_cache_ra_unbounded runs under memalloc_nofs_save).
 * @kernel include/linux/pagemap.h readahead_gfp_mask
 */
export function readahead_gfp_mask(mapping: address_space): number {
  return (mapping.gfp_mask | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_FS;
}

/** A page for the page cache (filemap_alloc_folio → folio_alloc, which adds __GFP_COMP). @kernel mm/filemap.c filemap_alloc_folio */
export function filemap_alloc_folio(k: Kernel, gfp: number): number {
  return alloc_pages(k, gfp | __GFP_COMP, 0);
}

/** Emits mm_filemap_add_to_page_cache / mm_filemap_delete_from_page_cache. */
function trace_filemap(k: Kernel, event: string, mapping: address_space, pfn: number, index: number): void {
  const host = mapping.host;
  const major = host === null ? 0 : host.i_sb.s_dev_major;
  const minor = host === null ? 0 : host.i_sb.s_dev_minor;
  const ino = host === null ? 0 : host.i_ino;
  k.trace.emit(
    event,
    { dev: `${major}:${minor}`, ino, pfn, ofs: index * 4096, order: 0 },
    `dev ${major}:${minor} ino ${ino.toString(16)} pfn=0x${pfn.toString(16)} ofs=${index * 4096} order=0`,
  );
}

// ---------------------------------------------------------------------------------------------
// Into and out of the page cache
// ---------------------------------------------------------------------------------------------

/**
 * Inserts a new folio at `index`: the cache takes a reference, page->mapping and index are set,
 * NR_FILE_PAGES counts it. Returns 0 with the replaced shadow (0 if none) in `shadow_out[0]`, or
 * -EEXIST when a folio is already there.
 * @kernel mm/filemap.c __filemap_add_folio
 */
export function __filemap_add_folio(k: Kernel, mapping: address_space, pfn: number, index: number, shadow_out: Float64Array | null): number {
  if (index < 0 || index > XA_MAX_INDEX) return -errnoValues.EFBIG;
  const xa = mapping.i_pages;
  const e = xa_load(xa, index);
  if (e > 0) return -errnoValues.EEXIST;
  const mem = k.mem_map;
  mem._refcount[pfn]++;
  mem.mapping[pfn] = mapping.id;
  mem.index[pfn] = index;
  const shadow = xa_store_folio(xa, index, pfn);
  if (shadow_out !== null) shadow_out[0] = shadow;
  mapping.nrpages++;
  mod_page_node_state(k, pfn, NR_FILE_PAGES, 1);
  if (k.trace.pageEvents && k.trace.enabled("mm_filemap_add_to_page_cache")) trace_filemap(k, "mm_filemap_add_to_page_cache", mapping, pfn, index);
  return 0;
}

/**
 * Adds a new, locked folio to the page cache and to the LRU (through the lru_add batch). A shadow
 * left by the folio's eviction makes this a refault, which workingset_refault may activate —
 * unless the folio is added for a write (__GFP_WRITE), whose data will replace the old anyway.
 * 0 or -EEXIST.
 * @kernel mm/filemap.c filemap_add_folio
 */
export function filemap_add_folio(k: Kernel, mapping: address_space, pfn: number, index: number, gfp: number): number {
  const mem = k.mem_map;
  mem.flags[pfn] |= LOCKED;
  const shadow = k.vfs.shadow_out;
  shadow[0] = 0;
  // __filemap_add_folio's mem_cgroup_charge(folio, NULL, gfp): the current task's memcg.
  if (k.memcg.nr_memcgs !== 0) {
    const err = mem_cgroup_charge(k, pfn, null, gfp);
    if (err !== 0) {
      mem.flags[pfn] &= ~LOCKED;
      return err;
    }
  }
  const ret = __filemap_add_folio(k, mapping, pfn, index, shadow);
  if (ret !== 0) {
    mem.flags[pfn] &= ~LOCKED;
    return ret;
  }
  if ((gfp & __GFP_WRITE) === 0 && shadow[0] !== 0) workingset_refault(k, pfn, shadow[0]);
  folio_add_lru(k, pfn);
  return 0;
}

/**
 * The counters of a folio leaving the page cache: NR_FILE_PAGES, NR_SHMEM for a tmpfs folio,
 * and the dirty accounting of a dirty one that was never written (folio_account_cleaned).
 * @kernel mm/filemap.c filemap_unaccount_folio
 */
function filemap_unaccount_folio(k: Kernel, mapping: address_space, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  mod_page_node_state(k, pfn, NR_FILE_PAGES, -1);
  if ((f & F(PG_swapbacked)) !== 0) mod_page_node_state(k, pfn, NR_SHMEM, -1);
  if ((f & F(PG_dirty)) !== 0 && mapping_can_writeback(mapping)) folio_account_cleaned(k, pfn);
}

/**
 * Takes a folio out of i_pages, leaving `shadow` in its slot (0: nothing), and undoes its
 * accounting; page->mapping is cleared (the index stays, as truncation relies on it). The
 * cache's reference is the caller's to drop.
 * @kernel mm/filemap.c __filemap_remove_folio, page_cache_delete
 */
export function __filemap_remove_folio(k: Kernel, pfn: number, shadow: number): void {
  const mem = k.mem_map;
  const mapping = k.vfs.mappings.get(mem.mapping[pfn]);
  if (mapping === undefined) throw new KernelBug("__filemap_remove_folio: folio of no mapping", { pfn, mapping: mem.mapping[pfn] });
  const index = mem.index[pfn];
  if (xa_load_folio(mapping.i_pages, index) !== pfn) throw new KernelBug("__filemap_remove_folio: folio not at its index", { pfn, index });
  if (k.trace.pageEvents && k.trace.enabled("mm_filemap_delete_from_page_cache")) trace_filemap(k, "mm_filemap_delete_from_page_cache", mapping, pfn, index);
  filemap_unaccount_folio(k, mapping, pfn);
  xa_store_value(mapping.i_pages, index, shadow);
  mapping.nrpages--;
  mem.mapping[pfn] = 0;
}

/**
 * Removes a folio from the page cache (truncation, invalidation) and drops the cache's reference.
 * @kernel mm/filemap.c filemap_remove_folio, filemap_free_folio
 */
export function filemap_remove_folio(k: Kernel, pfn: number): void {
  __filemap_remove_folio(k, pfn, 0);
  put_page(k, pfn);
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

/**
 * The folio at `index` with a reference for the caller, or NO_PFN (nothing, or a shadow).
 * @kernel mm/filemap.c filemap_get_folio
 */
export function filemap_get_folio(k: Kernel, mapping: address_space, index: number): number {
  const pfn = xa_load_folio(mapping.i_pages, index);
  if (pfn < 0) return NO_PFN;
  k.mem_map._refcount[pfn]++;
  return pfn;
}

/**
 * The folio at `index`, with a reference: with FGP_CREAT a new one is allocated and added on a
 * miss (FGP_WRITE adds __GFP_WRITE: no refault activation); FGP_ACCESSED marks it accessed.
 * The model's lock (FGP_LOCK) is a wait for any read in flight. NO_PFN on a miss without
 * FGP_CREAT, or when the allocation fails.
 * @kernel mm/filemap.c __filemap_get_folio
 */
export function __filemap_get_folio(k: Kernel, mapping: address_space, index: number, fgp: number, gfp: number): number {
  let pfn = filemap_get_folio(k, mapping, index);
  if (pfn !== NO_PFN) {
    if ((fgp & FGP_LOCK) !== 0) folio_wait_locked(k, pfn);
    if ((fgp & FGP_ACCESSED) !== 0) folio_mark_accessed(k, pfn);
    return pfn;
  }
  if ((fgp & FGP_CREAT) === 0) return NO_PFN;
  if ((fgp & FGP_WRITE) !== 0) gfp |= __GFP_WRITE;
  if ((fgp & FGP_NOFS) !== 0) gfp &= ~__GFP_FS;
  pfn = filemap_alloc_folio(k, gfp);
  if (pfn === NO_PFN) return NO_PFN;
  // A fresh folio is referenced by the caller's use (__folio_set_referenced for FGP_ACCESSED).
  if ((fgp & FGP_ACCESSED) !== 0) k.mem_map.flags[pfn] |= F(PG_referenced);
  const err = filemap_add_folio(k, mapping, pfn, index, gfp & GFP_KERNEL);
  if (err !== 0) {
    put_page(k, pfn);
    return err === -errnoValues.EEXIST ? __filemap_get_folio(k, mapping, index, fgp & ~FGP_CREAT, gfp) : NO_PFN;
  }
  // The model's page lock stands only for I/O in flight: the caller gets the new folio unlocked
  // (a caller that reads it locks it again around the read).
  k.mem_map.flags[pfn] &= ~LOCKED;
  return pfn;
}

/**
 * The first index at or after `index` (looking at most `max_scan` slots, `index` included) that
 * holds no folio. If every slot looked at holds one, 6.1 returns the last index looked at,
 * `index + max_scan - 1` (6.4 changed it to the one after); the readahead heuristics see that.
 * @kernel mm/filemap.c page_cache_next_miss
 */
export function page_cache_next_miss(mapping: address_space, index: number, max_scan: number): number {
  const xa = mapping.i_pages;
  let i = index;
  for (let n = 0; n < max_scan; n++) {
    if (i > XA_MAX_INDEX) return i;
    if (n > 0) i++;
    const c = xa_chunk(xa, i >>> XA_CHUNK_SHIFT);
    if (c === null || c[i & XA_CHUNK_MASK] <= 0) return i;
  }
  return i;
}

/**
 * The first index at or before `index` (at most `max_scan` slots) that holds no folio, or, if all
 * do, the last index looked at (`index - max_scan + 1`); wraps to -1 (ULONG_MAX) below 0.
 * @kernel mm/filemap.c page_cache_prev_miss
 */
export function page_cache_prev_miss(mapping: address_space, index: number, max_scan: number): number {
  const xa = mapping.i_pages;
  let i = index;
  for (let n = 0; n < max_scan; n++) {
    if (n > 0) i--;
    if (i < 0) return i;
    const c = xa_chunk(xa, i >>> XA_CHUNK_SHIFT);
    if (c === null || c[i & XA_CHUNK_MASK] <= 0) return i;
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Waiting for a folio's I/O
// ---------------------------------------------------------------------------------------------

/**
 * Waits until a locked folio is unlocked. In the model a folio stays locked only while a read of
 * it is in flight (readahead, read_folio, swap-in), so the task sleeps until that request
 * completes — inside a PSI memstall when the folio is a workingset page being refaulted, as
 * folio_wait_bit_common brackets it. A folio locked with no read in flight is left as it is.
 * @kernel mm/filemap.c folio_wait_locked, folio_wait_bit_common
 */
export function folio_wait_locked(k: Kernel, pfn: number): void {
  if ((k.mem_map.flags[pfn] & LOCKED) === 0) return;
  const done = blk_page_completion(k, pfn, REQ_OP_READ);
  if (done < 0) return;
  const memstall = (k.mem_map.flags[pfn] & F(PG_workingset)) !== 0;
  const pflags = memstall ? psi_memstall_enter(k) : 0;
  blk_wait_until(k, done);
  if (memstall) psi_memstall_leave(k, pflags);
}

// ---------------------------------------------------------------------------------------------
// Buffered reads
// ---------------------------------------------------------------------------------------------

/**
 * Collects up to FOLIO_BATCH_SIZE consecutive cached folios from `index` to `max` into the
 * kernel's read batch (each with a reference), stopping after one that is not uptodate or
 * carries PG_readahead, and at the first gap or shadow. Returns how many.
 * @kernel mm/filemap.c filemap_get_read_batch
 */
function filemap_get_read_batch(k: Kernel, mapping: address_space, index: number, max: number, fbatch: Int32Array): number {
  const xa = mapping.i_pages;
  const mem = k.mem_map;
  const flags = mem.flags;
  const refcount = mem._refcount;
  let nr = 0;
  let c: Int32Array | null = null;
  let cnr = -1;
  for (let i = index; i <= max && nr < FOLIO_BATCH_SIZE; i++) {
    const want = i >>> XA_CHUNK_SHIFT;
    if (want !== cnr) {
      c = xa_chunk(xa, want);
      cnr = want;
    }
    if (c === null) break;
    const e = c[i & XA_CHUNK_MASK];
    if (e <= 0) break;
    const pfn = e - 1;
    refcount[pfn]++;
    fbatch[nr++] = pfn;
    const f = flags[pfn];
    if ((f & UPTODATE) === 0 || (f & READAHEAD) !== 0) break;
  }
  return nr;
}

/**
 * Reads a locked folio with the filesystem's read_folio and waits for it; 0, or -EIO if it did
 * not come uptodate.
 * @kernel mm/filemap.c filemap_read_folio
 */
export function filemap_read_folio(k: Kernel, f: file | null, mapping: address_space, pfn: number): number {
  const mem = k.mem_map;
  const workingset = (mem.flags[pfn] & F(PG_workingset)) !== 0;
  const pflags = workingset ? psi_memstall_enter(k) : 0;
  const read_folio = mapping.a_ops.read_folio;
  const error = read_folio ? read_folio(k, f, pfn) : -errnoValues.EINVAL;
  if (workingset) psi_memstall_leave(k, pflags);
  if (error) return error;
  folio_wait_locked(k, pfn);
  if ((mem.flags[pfn] & UPTODATE) !== 0) return 0;
  return -errnoValues.EIO;
}

/**
 * A folio of the batch is not uptodate: if a read of it is in flight, wait for it and have the
 * caller look again (AOP_TRUNCATED_PAGE, as folio_put_wait_locked does); otherwise read it now.
 * @kernel mm/filemap.c filemap_update_page
 */
function filemap_update_page(k: Kernel, f: file, mapping: address_space, pfn: number): number {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & LOCKED) !== 0) {
    folio_wait_locked(k, pfn);
    put_page(k, pfn);
    return AOP_TRUNCATED_PAGE;
  }
  if (mem.mapping[pfn] !== mapping.id) {
    put_page(k, pfn);
    return AOP_TRUNCATED_PAGE;
  }
  if ((mem.flags[pfn] & UPTODATE) !== 0) return 0;
  mem.flags[pfn] |= LOCKED;
  return filemap_read_folio(k, f, mapping, pfn);
}

/**
 * Nothing is cached at `index` and readahead brought nothing (it was off, or memory ran out): a
 * folio is allocated, added and read synchronously. 0 (the folio is in fbatch[0]), -ENOMEM, or
 * AOP_TRUNCATED_PAGE if someone added one meanwhile.
 * @kernel mm/filemap.c filemap_create_folio
 */
function filemap_create_folio(k: Kernel, f: file, mapping: address_space, index: number, fbatch: Int32Array): number {
  const pfn = filemap_alloc_folio(k, mapping_gfp_mask(mapping));
  if (pfn === NO_PFN) return -errnoValues.ENOMEM;
  let error = filemap_add_folio(k, mapping, pfn, index, mapping_gfp_mask(mapping) & GFP_KERNEL);
  if (error === -errnoValues.EEXIST) error = AOP_TRUNCATED_PAGE;
  if (error === 0) error = filemap_read_folio(k, f, mapping, pfn);
  if (error !== 0) {
    put_page(k, pfn);
    return error;
  }
  fbatch[0] = pfn;
  return 0;
}

/**
 * Fills the read batch for a read of `count` bytes at `pos`: cached folios, else synchronous
 * readahead, else one folio read now; asynchronous readahead when the last folio carries
 * PG_readahead; a wait when it is still being read. Returns the number of folios, or -errno.
 * @kernel mm/filemap.c filemap_get_pages, filemap_readahead
 */
function filemap_get_pages(k: Kernel, f: file, pos: number, count: number, fbatch: Int32Array): number {
  const mapping = f.f_mapping;
  const ra = f.f_ra;
  const index = Math.floor(pos / 4096);
  // "last_index" is the index of the page beyond the end of the read
  const last_index = Math.ceil((pos + count) / 4096);
  for (let guard = 0; guard < 1000; guard++) {
    let nr = filemap_get_read_batch(k, mapping, index, last_index - 1, fbatch);
    if (nr === 0) {
      page_cache_sync_readahead(k, mapping, ra, f, index, last_index - index);
      nr = filemap_get_read_batch(k, mapping, index, last_index - 1, fbatch);
    }
    if (nr === 0) {
      const err = filemap_create_folio(k, f, mapping, index, fbatch);
      if (err === AOP_TRUNCATED_PAGE) continue;
      return err < 0 ? err : 1;
    }
    const pfn = fbatch[nr - 1];
    if ((k.mem_map.flags[pfn] & READAHEAD) !== 0) {
      // filemap_readahead: the async readahead, as for a folio at its index.
      page_cache_async_ra(k, mapping, ra, f, k.mem_map.index[pfn], pfn, last_index - k.mem_map.index[pfn]);
    }
    if ((k.mem_map.flags[pfn] & UPTODATE) === 0) {
      const err = filemap_update_page(k, f, mapping, pfn);
      if (err !== 0) {
        if (err < 0) put_page(k, pfn);
        if (--nr > 0) return nr;
        if (err === AOP_TRUNCATED_PAGE) continue;
        return err;
      }
    }
    return nr;
  }
  throw new KernelBug("filemap_get_pages: no progress", { index });
}

/**
 * Reads `count` bytes at `pos` of `f` through the page cache: the bytes read (possibly short at
 * end of file), or -errno if nothing could be read. Updates f_ra.prev_pos; the caller moves
 * f_pos. Marks each folio accessed (once per folio for reads that stay in it).
 * @kernel mm/filemap.c filemap_read
 */
export function filemap_read(k: Kernel, f: file, pos: number, count: number): number {
  const mapping = f.f_mapping;
  const inode = mapping.host;
  if (inode === null) return -errnoValues.EINVAL;
  const ra = f.f_ra;
  const maxbytes = inode.i_sb.s_maxbytes;
  if (pos >= maxbytes) return 0;
  if (count === 0) return 0;
  let remaining = Math.min(count, maxbytes - pos);
  const fbatch = k.vfs.fbatch;
  const mem = k.mem_map;
  let already_read = 0;
  let error = 0;
  let isize = 0;
  do {
    if (pos >= inode.i_size) break;
    const nr = filemap_get_pages(k, f, pos, remaining, fbatch);
    if (nr < 0) {
      error = nr;
      break;
    }
    isize = inode.i_size;
    if (pos < isize) {
      const end_offset = Math.min(isize, pos + remaining);
      // When a read accesses the same folio several times, only mark it accessed the first time.
      if (Math.floor(pos / 4096) !== Math.floor((ra.prev_pos - 1) / 4096)) folio_mark_accessed(k, fbatch[0]);
      for (let i = 0; i < nr; i++) {
        const pfn = fbatch[i];
        if (end_offset < mem.index[pfn] * 4096) break;
        if (i > 0) folio_mark_accessed(k, pfn);
        const offset = pos % 4096;
        const bytes = Math.min(end_offset - pos, 4096 - offset);
        already_read += bytes;
        pos += bytes;
        remaining -= bytes;
        ra.prev_pos = pos;
      }
    }
    const refcount = mem._refcount;
    for (let i = 0; i < nr; i++) {
      const pfn = fbatch[i];
      if (refcount[pfn] > 1) refcount[pfn]--;
      else put_page(k, pfn);
    }
  } while (remaining > 0 && pos < isize && error === 0);
  return already_read !== 0 ? already_read : error;
}

/**
 * read(2) of a page-cache file: O_DIRECT goes to the filesystem's direct_IO, everything else
 * through filemap_read.
 * @kernel mm/filemap.c generic_file_read_iter
 */
export function generic_file_read_iter(k: Kernel, f: file, pos: number, count: number): number {
  if (count === 0) return 0;
  if ((f.f_flags & O_DIRECT) !== 0) {
    const dio = f.f_mapping.a_ops.direct_IO;
    if (!dio) return -errnoValues.EINVAL;
    const size = f.f_inode.i_size;
    if (pos >= size) return 0;
    return dio(k, f, false, pos, Math.min(count, size - pos));
  }
  return filemap_read(k, f, pos, count);
}

// ---------------------------------------------------------------------------------------------
// Buffered writes
// ---------------------------------------------------------------------------------------------

/**
 * Writes `count` bytes at `pos` through the page cache: per page, the filesystem's write_begin
 * (find or create the folio, read it first if the write is partial and it is not uptodate), the
 * copy, write_end (dirty it, grow i_size); after each page the writer is throttled
 * (balance_dirty_pages_ratelimited: part B's). Returns the bytes written, or -errno if none were.
 * @kernel mm/filemap.c generic_perform_write
 */
export function generic_perform_write(k: Kernel, f: file, pos: number, count: number): number {
  const mapping = f.f_mapping;
  const a_ops = mapping.a_ops;
  const write_begin = a_ops.write_begin;
  const write_end = a_ops.write_end;
  if (!write_begin || !write_end) return -errnoValues.EINVAL;
  let written = 0;
  while (count > 0) {
    const offset = pos % 4096;
    const bytes = Math.min(4096 - offset, count);
    const pfn = write_begin(k, f, mapping, pos, bytes);
    if (pfn < 0) return written !== 0 ? written : pfn;
    const copied = write_end(k, f, mapping, pos, bytes, bytes, pfn);
    if (copied < 0) return written !== 0 ? written : copied;
    pos += copied;
    written += copied;
    count -= copied;
    // cond_resched: a flusher the throttle woke gets the CPU here
    if (k.need_resched) cond_resched(k);
    balance_dirty_pages_ratelimited(k, mapping);
  }
  return written;
}

/**
 * The write checks of write(2): an append starts at i_size; past s_maxbytes is EFBIG (and a write
 * crossing it is cut short). Returns the position, or -errno; `count_out[0]` gets the count.
 * @kernel fs/read_write.c generic_write_checks, generic_write_check_limits
 */
export function generic_write_checks(f: file, pos: number, count: number, count_out: Float64Array): number {
  if ((f.f_flags & O_APPEND) !== 0) pos = f.f_inode.i_size;
  const max = f.f_inode.i_sb.s_maxbytes;
  if (pos >= max) return count === 0 ? pos : -errnoValues.EFBIG;
  count_out[0] = Math.min(count, max - pos);
  return pos;
}

/**
 * write(2) of a page-cache file: O_DIRECT through the filesystem's direct_IO (then the range's
 * cached pages are invalidated), otherwise generic_perform_write.
 * @kernel mm/filemap.c __generic_file_write_iter, generic_file_write_iter
 * @kernel fs/inode.c file_update_time, generic_update_time
 */
export function generic_file_write_iter(k: Kernel, f: file, pos: number, count: number): number {
  if (count === 0) return 0;
  // file_modified → file_update_time: the new mtime dirties the inode (I_DIRTY_SYNC, no lazytime).
  // The model keeps no timestamps, so every write counts as moving mtime.
  __mark_inode_dirty(k, f.f_inode, I_DIRTY_SYNC);
  if ((f.f_flags & O_DIRECT) !== 0) {
    const dio = f.f_mapping.a_ops.direct_IO;
    if (!dio) return -errnoValues.EINVAL;
    return dio(k, f, true, pos, count);
  }
  const ret = generic_perform_write(k, f, pos, count);
  // generic_write_sync: O_SYNC / O_DSYNC writes are written and waited for before returning
  if (ret > 0 && (f.f_flags & (O_DSYNC | O_SYNC)) !== 0) {
    const err = vfs_fsync_range(k, f, pos, pos + ret - 1, (f.f_flags & O_SYNC) !== O_SYNC);
    if (err < 0) return err;
  }
  return ret;
}

/** The reader's counters: read(2) bytes and calls (rchar, syscr), kept by vfs_read. @kernel fs/read_write.c add_rchar */
export function add_rchar(k: Kernel, bytes: number): void {
  const t = get_current(k);
  if (t !== undefined) t.ioac.rchar += bytes;
}

// ---------------------------------------------------------------------------------------------
// Writeback start and end (swap's, and part B's for files)
// ---------------------------------------------------------------------------------------------

/**
 * Marks a page under writeback; false if it already was.
 * @kernel mm/page-writeback.c __folio_start_writeback
 */
export function folio_start_writeback(k: Kernel, pfn: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & WRITEBACK) !== 0) return false;
  mem.flags[pfn] |= WRITEBACK;
  mod_page_node_state(k, pfn, NR_WRITEBACK, 1);
  mod_page_zone_state(k, pfn, NR_ZONE_WRITE_PENDING, 1);
  return true;
}

/**
 * Writeback of a page finished: PG_writeback clears, the counters move to NR_WRITTEN, and a page
 * reclaim had tagged (PG_reclaim) goes to the tail of its inactive list for the next scan to free.
 * @kernel mm/filemap.c folio_end_writeback
 * @kernel mm/page-writeback.c __folio_end_writeback
 */
export function folio_end_writeback(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & WRITEBACK) === 0) throw new KernelBug("folio_end_writeback: page not under writeback", { pfn });
  if ((mem.flags[pfn] & F(PG_reclaim)) !== 0) {
    mem.flags[pfn] &= ~F(PG_reclaim);
    folio_rotate_reclaimable(k, pfn);
  }
  // folio_get / folio_put around the end: the page may be freed by the put if every other user
  // let go while it was under writeback.
  mem._refcount[pfn]++;
  mem.flags[pfn] &= ~WRITEBACK;
  mod_page_node_state(k, pfn, NR_WRITEBACK, -1);
  mod_page_zone_state(k, pfn, NR_ZONE_WRITE_PENDING, -1);
  mod_page_node_state(k, pfn, NR_WRITTEN, 1);
  // acct_reclaim_writeback: reclaimers throttled on writeback (reclaim_throttle) count the pages
  // written while they sleep, and wake once SWAP_CLUSTER_MAX each have been
  const z = k.page_zone(pfn);
  if (z !== undefined && z.zone_pgdat.nr_writeback_throttled > 0) z.zone_pgdat.vm_stat[NR_THROTTLED_WRITTEN]++;
  put_page(k, pfn);
}

// ---------------------------------------------------------------------------------------------
// File faults: ->fault, ->map_pages, ->page_mkwrite of page cache files
// ---------------------------------------------------------------------------------------------

/** do_sync_mmap_readahead stops reading around once misses outnumber hits by this much. */
export const MMAP_LOTSAMISS = 100;

/**
 * First try of a fault that may retry (fault_flag_allow_retry_first): the fault may drop the
 * mmap lock for I/O and return VM_FAULT_RETRY, as maybe_unlock_mmap_for_io lets it.
 * @kernel mm/internal.h maybe_unlock_mmap_for_io
 */
function allow_retry_first(flags: number): boolean {
  return (flags & (FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_TRIED)) === FAULT_FLAG_ALLOW_RETRY;
}

/**
 * A fault found nothing cached: read around it (a window of ra_pages centred on it, the last
 * quarter marked for async readahead), sequentially for VM_SEQ_READ, not at all for
 * VM_RAND_READ or once misses outnumber hits by MMAP_LOTSAMISS. Returns whether it dropped the
 * mmap lock for I/O (the fault then retries).
 * @kernel mm/filemap.c do_sync_mmap_readahead
 */
function do_sync_mmap_readahead(k: Kernel, vmf: vm_fault): boolean {
  const f = vmf.vma.vm_file as file;
  const ra = f.f_ra;
  const mapping = f.f_mapping;
  const vm_flags = vmf.vma.vm_flags;
  if ((vm_flags & VM_RAND_READ) !== 0) return false;
  if (!ra.ra_pages) return false;
  const fpin = allow_retry_first(vmf.flags);
  if ((vm_flags & VM_SEQ_READ) !== 0) {
    page_cache_sync_ra(k, readahead_control_init(k, f, ra, mapping, vmf.pgoff), ra.ra_pages);
    return fpin;
  }
  if (ra.mmap_miss < MMAP_LOTSAMISS * 10) ra.mmap_miss++;
  if (ra.mmap_miss > MMAP_LOTSAMISS) return false;
  // mmap read-around
  ra.start = Math.max(0, vmf.pgoff - Math.floor(ra.ra_pages / 2));
  ra.size = ra.ra_pages;
  ra.async_size = Math.floor(ra.ra_pages / 4);
  const rac = readahead_control_init(k, f, ra, mapping, ra.start);
  // page_cache_ra_order's fallback (no large folios here)
  do_page_cache_ra(k, rac, ra.size, ra.async_size);
  return fpin;
}

/**
 * A fault found its page cached: one miss fewer, and if the page carries PG_readahead the next
 * window is read. Returns whether it dropped the mmap lock for that I/O.
 * @kernel mm/filemap.c do_async_mmap_readahead
 */
function do_async_mmap_readahead(k: Kernel, vmf: vm_fault, pfn: number): boolean {
  const f = vmf.vma.vm_file as file;
  const ra = f.f_ra;
  if ((vmf.vma.vm_flags & VM_RAND_READ) !== 0 || !ra.ra_pages) return false;
  if (ra.mmap_miss) ra.mmap_miss--;
  if ((k.mem_map.flags[pfn] & READAHEAD) !== 0) {
    const fpin = allow_retry_first(vmf.flags);
    page_cache_async_ra_rac(k, readahead_control_init(k, f, ra, f.f_mapping, vmf.pgoff), pfn, ra.ra_pages);
    return fpin;
  }
  return false;
}

/**
 * ->fault of a page cache file: the folio at the fault's offset, read if needed. A miss counts a
 * major fault (PGMAJFAULT) and reads around it; a fault that dropped the mmap lock for readahead
 * I/O waits for the folio and returns VM_FAULT_RETRY (the retry finds it ready and maps it, and
 * mm_account_fault counts the retried fault as major for the task — pc-mmap's 259 major faults
 * for the task against one pgmajfault). SIGBUS past EOF. Sets vmf.page (with a reference).
 * @kernel mm/filemap.c filemap_fault, lock_folio_maybe_drop_mmap
 */
export function filemap_fault(k: Kernel, vmf: vm_fault): number {
  const f = vmf.vma.vm_file as file;
  const mapping = f.f_mapping;
  const inode = mapping.host;
  if (inode === null) return VM_FAULT_SIGBUS;
  const index = vmf.pgoff;
  if (index >= Math.ceil(inode.i_size / 4096)) return VM_FAULT_SIGBUS;
  const mem = k.mem_map;
  let ret = 0;
  let fpin = false;
  let pfn = filemap_get_folio(k, mapping, index);
  if (pfn !== NO_PFN) {
    // We found the page, so try async readahead before waiting for the lock.
    if ((vmf.flags & FAULT_FLAG_TRIED) === 0) fpin = do_async_mmap_readahead(k, vmf, pfn);
  } else {
    // No page in the page cache at all.
    k.vm_events[PGMAJFAULT]++;
    ret = VM_FAULT_MAJOR;
    fpin = do_sync_mmap_readahead(k, vmf);
    pfn = __filemap_get_folio(k, mapping, index, FGP_CREAT | FGP_FOR_MMAP, mapping_gfp_mask(mapping));
    if (pfn === NO_PFN) return fpin ? ret | VM_FAULT_RETRY : VM_FAULT_OOM;
  }
  for (let guard = 0; guard < 8; guard++) {
    // lock_folio_maybe_drop_mmap: a folio still being read is waited for (the lock dropped first
    // on a first try, so the fault will retry).
    if ((mem.flags[pfn] & LOCKED) !== 0) {
      if (allow_retry_first(vmf.flags)) fpin = true;
      folio_wait_locked(k, pfn);
    }
    if (mem.mapping[pfn] !== mapping.id) {
      // truncated meanwhile
      put_page(k, pfn);
      pfn = __filemap_get_folio(k, mapping, index, FGP_CREAT | FGP_FOR_MMAP, mapping_gfp_mask(mapping));
      if (pfn === NO_PFN) return VM_FAULT_OOM;
      continue;
    }
    if ((mem.flags[pfn] & UPTODATE) === 0) {
      // page_not_uptodate: read it synchronously, then look again.
      if (allow_retry_first(vmf.flags)) fpin = true;
      mem.flags[pfn] |= LOCKED;
      const error = filemap_read_folio(k, f, mapping, pfn);
      if (error !== 0) {
        put_page(k, pfn);
        return VM_FAULT_SIGBUS;
      }
      continue;
    }
    if (fpin) {
      put_page(k, pfn);
      return ret | VM_FAULT_RETRY;
    }
    // Found the page and have a reference on it: recheck i_size.
    if (index >= Math.ceil(inode.i_size / 4096)) {
      put_page(k, pfn);
      return VM_FAULT_SIGBUS;
    }
    vmf.page = pfn;
    return ret | VM_FAULT_LOCKED;
  }
  throw new KernelBug("filemap_fault: no progress", { index });
}

/**
 * ->map_pages of a page cache file (fault-around): maps every cached folio of page indexes
 * [start_pgoff, end_pgoff] (clipped to EOF) that is uptodate, unlocked and not marked
 * PG_readahead into its empty PTE, young; each mapped page takes one off mmap_miss. Returns
 * VM_FAULT_NOPAGE if the faulting page itself was mapped.
 * @kernel mm/filemap.c filemap_map_pages, next_uptodate_page
 */
export function filemap_map_pages(k: Kernel, vmf: vm_fault, start_pgoff: number, end_pgoff: number): number {
  const vma = vmf.vma;
  const f = vma.vm_file as file;
  const mapping = f.f_mapping;
  const inode = mapping.host;
  if (inode === null) return 0;
  const file_end = Math.ceil(inode.i_size / 4096) - 1;
  if (end_pgoff > file_end) end_pgoff = file_end;
  const mem = k.mem_map;
  const flags = mem.flags;
  const pool = k.pgtables;
  const xa = mapping.i_pages;
  let mmap_miss = f.f_ra.mmap_miss;
  let ret = 0;
  const base = vmf.pte - ((vmf.address / 4096) & 511);
  for (let index = start_pgoff; index <= end_pgoff; index++) {
    const pfn = xa_load_folio(xa, index);
    if (pfn < 0) continue;
    const pf = flags[pfn];
    if ((pf & (LOCKED | UPTODATE | READAHEAD)) !== UPTODATE) continue;
    const addr = vma.vm_start + (index - vma.vm_pgoff) * 4096;
    const j = base + ((addr / 4096) & 511);
    if (mmap_miss > 0) mmap_miss--;
    if (pool.ent_flags[j] !== 0 || pool.ent_pfn[j] !== 0) continue;
    if (addr === vmf.address) ret = VM_FAULT_NOPAGE;
    mem._refcount[pfn]++;
    do_set_pte(k, vma, addr, j, pfn, false);
  }
  f.f_ra.mmap_miss = mmap_miss;
  return ret;
}

/**
 * ->page_mkwrite of a page cache file: the folio is dirtied before its PTE becomes writable (so
 * writeback sees it), or VM_FAULT_NOPAGE if it was truncated meanwhile.
 * @kernel mm/filemap.c filemap_page_mkwrite
 */
export function filemap_page_mkwrite(k: Kernel, vmf: vm_fault): number {
  const mapping = (vmf.vma.vm_file as file).f_mapping;
  const pfn = vmf.page;
  folio_wait_locked(k, pfn);
  if (k.mem_map.mapping[pfn] !== mapping.id) return VM_FAULT_NOPAGE;
  folio_mark_dirty(k, mapping, pfn);
  return VM_FAULT_LOCKED;
}
