/**
 * Taking pages out of the page cache on purpose (mm/truncate.c): truncation (ftruncate to a
 * smaller size, unlink's last iput, umount), which removes every folio and shadow in the range
 * — unmapping mapped folios first, cancelling the dirty accounting of dirty ones, waiting for
 * any read in flight — and invalidation (drop_caches, POSIX_FADV_DONTNEED, O_DIRECT writes),
 * which removes only what nobody uses: clean, unlocked, unmapped folios whose buffers can be
 * freed; the rest is only deactivated, to be reclaimed soon. Neither leaves shadow entries
 * (only reclaim does), and both remove the shadows they meet.
 *
 * Simplified: one pass over the range (the kernel's second pass catches folios that were locked
 * or under writeback during the first; in the model a wait brings each to rest before it is
 * removed); deactivate_file_folio moves the folio at once instead of through its per-CPU batch
 * (as madvise's deactivations in the model do); partial pages keep their data (no data).
 * @kernel mm/truncate.c truncate_inode_pages_range, truncate_inode_pages, truncate_inode_pages_final,
 *   truncate_cleanup_folio, truncate_inode_folio, truncate_folio_batch_exceptionals,
 *   mapping_evict_folio, invalidate_mapping_pages, invalidate_mapping_pagevec, truncate_pagecache,
 *   truncate_setsize, truncate_pagecache_range, invalidate_inode_pages2_range
 * @kernel mm/swap.c deactivate_file_folio, lru_deactivate_file_fn
 */
import type { Kernel } from "../kernel/kernel.js";
import { type address_space, AS_EXITING, type inode } from "../fs/fs.js";
import { XA_MAX_INDEX, XA_VALUE, xa_find, xa_load, xa_store_value } from "../lib/xarray.js";
import { __filemap_remove_folio, folio_wait_locked, filemap_remove_folio } from "./filemap.js";
import { F, PG_active, PG_dirty, PG_locked, PG_lru, PG_private, PG_reclaim, PG_referenced, PG_unevictable, PG_writeback } from "./memmap.js";
import { unmap_mapping_folio, unmap_mapping_range } from "./memory.js";
import { lru_relist } from "./mm_inline.js";
import { folio_wait_writeback } from "./page_io.js";
import { folio_account_cleaned, mapping_can_writeback } from "./page-writeback.js";
import { put_page } from "./swap.js";
import { PGDEACTIVATE, PGROTATED } from "./vmstat_items.js";

const DIRTY = F(PG_dirty);

/**
 * Readies a folio for removal by truncation: unmapped from every process, its private data
 * (buffers) invalidated, its dirty state cancelled.
 * @kernel mm/truncate.c truncate_cleanup_folio
 */
function truncate_cleanup_folio(k: Kernel, mapping: address_space, pfn: number): void {
  const mem = k.mem_map;
  if (mem.mapcount[pfn] > 0) unmap_mapping_folio(k, mapping, pfn);
  if ((mem.flags[pfn] & F(PG_private)) !== 0) mapping.a_ops.invalidate_folio?.(k, pfn);
  if ((mem.flags[pfn] & DIRTY) !== 0) {
    // folio_cancel_dirty
    mem.flags[pfn] &= ~DIRTY;
    if (mapping_can_writeback(mapping)) folio_account_cleaned(k, pfn);
  }
}

/**
 * Removes one folio from the page cache by truncation.
 * @kernel mm/truncate.c truncate_inode_folio
 */
export function truncate_inode_folio(k: Kernel, mapping: address_space, pfn: number): void {
  folio_wait_locked(k, pfn);
  if ((k.mem_map.flags[pfn] & F(PG_writeback)) !== 0) folio_wait_writeback(k, pfn);
  if (k.mem_map.mapping[pfn] !== mapping.id) return;
  truncate_cleanup_folio(k, mapping, pfn);
  filemap_remove_folio(k, pfn);
}

/**
 * Removes the folios and shadows of bytes [lstart, lend] (lend -1: to the end); folios only
 * partly in the range stay (their data would be zeroed in part).
 * @kernel mm/truncate.c truncate_inode_pages_range, truncate_folio_batch_exceptionals
 */
export function truncate_inode_pages_range(k: Kernel, mapping: address_space, lstart: number, lend: number): void {
  const xa = mapping.i_pages;
  if (xa.nr_entries === 0) return;
  const start = Math.ceil(lstart / 4096);
  const end = lend === -1 ? XA_MAX_INDEX + 1 : Math.floor((lend + 1) / 4096); // exclusive
  let index = start;
  while (index < end) {
    const i = xa_find(xa, index, end - 1);
    if (i < 0) break;
    const e = xa_load(xa, i);
    if (e === XA_VALUE) xa_store_value(xa, i, 0);
    else truncate_inode_folio(k, mapping, e - 1);
    index = i + 1;
  }
}

/** Every folio from byte `lstart` to the end. @kernel mm/truncate.c truncate_inode_pages */
export function truncate_inode_pages(k: Kernel, mapping: address_space, lstart: number): void {
  truncate_inode_pages_range(k, mapping, lstart, -1);
}

/**
 * The inode is going away: its mapping is marked exiting (reclaim leaves no shadows in it) and
 * everything in it goes.
 * @kernel mm/truncate.c truncate_inode_pages_final
 */
export function truncate_inode_pages_final(k: Kernel, mapping: address_space): void {
  mapping.flags |= AS_EXITING;
  truncate_inode_pages(k, mapping, 0);
}

/**
 * An invalidation that could not remove the folio hints it is no longer wanted: an unmapped one
 * moves to the inactive list — to the head with PG_reclaim if dirty or under writeback, else to
 * the tail (PGROTATED) — losing PG_active (PGDEACTIVATE) and PG_referenced.
 * @kernel mm/swap.c deactivate_file_folio, lru_deactivate_file_fn
 */
function deactivate_file_folio(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & (F(PG_unevictable) | F(PG_lru))) !== F(PG_lru)) return;
  if (mem.mapcount[pfn] > 0) return;
  const active = (f & F(PG_active)) !== 0;
  const cleared = f & ~(F(PG_active) | F(PG_referenced));
  if ((f & (F(PG_writeback) | DIRTY)) !== 0) {
    lru_relist(k, pfn, cleared | F(PG_reclaim));
  } else {
    lru_relist(k, pfn, cleared, true);
    k.vm_events[PGROTATED]++;
  }
  if (active) k.vm_events[PGDEACTIVATE]++;
}

/**
 * Removes a folio nobody uses: not dirty or under writeback, no reference but the cache's and
 * the caller's (and its buffers'), buffers freeable. 1 if it went, 0 if not.
 * @kernel mm/truncate.c mapping_evict_folio
 */
export function mapping_evict_folio(k: Kernel, mapping: address_space, pfn: number): number {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & (DIRTY | F(PG_writeback))) !== 0) return 0;
  const priv = (f & F(PG_private)) !== 0 ? 1 : 0;
  // the cache's reference, the caller's lookup one, and the buffers'
  if (mem._refcount[pfn] > 1 + priv + 1) return 0;
  if (priv) {
    const release = mapping.a_ops.release_folio;
    if (!release || !release(k, pfn)) return 0;
  }
  // remove_mapping → __remove_mapping(reclaimed = false): no shadow.
  if (mem._refcount[pfn] !== 2 || (mem.flags[pfn] & DIRTY) !== 0) return 0;
  __filemap_remove_folio(k, pfn, 0);
  mem._refcount[pfn]--; // the cache's reference
  return 1;
}

/**
 * Drops the clean, unused folios (and the shadows) of page indexes [start, end]; what cannot go
 * is deactivated. Returns how many entries went.
 * @kernel mm/truncate.c invalidate_mapping_pages, invalidate_mapping_pagevec
 */
export function invalidate_mapping_pages(k: Kernel, mapping: address_space, start: number, end: number): number {
  const xa = mapping.i_pages;
  const mem = k.mem_map;
  let count = 0;
  let index = start;
  const last = Math.min(end, XA_MAX_INDEX);
  while (index <= last) {
    const i = xa_find(xa, index, last);
    if (i < 0) break;
    index = i + 1;
    const e = xa_load(xa, i);
    if (e === XA_VALUE) {
      // invalidate_exceptional_entry: a shadow goes (shmem's swap entries stay).
      if (mapping.host === null || !mapping.host.shmem) {
        xa_store_value(xa, i, 0);
        count++;
      }
      continue;
    }
    const pfn = e - 1;
    // find_lock_entries takes a reference and the lock: a folio under I/O is skipped.
    if ((mem.flags[pfn] & F(PG_locked)) !== 0) continue;
    mem._refcount[pfn]++;
    const ret = mapping_evict_folio(k, mapping, pfn);
    if (ret === 0) deactivate_file_folio(k, pfn);
    count += ret;
    put_page(k, pfn);
  }
  return count;
}

/**
 * Removes every folio of [start, end] whatever its state (O_DIRECT writes): mapped ones are
 * unmapped first (not the private copies), dirty ones cancelled. Returns 0.
 * @kernel mm/truncate.c invalidate_inode_pages2_range
 */
export function invalidate_inode_pages2_range(k: Kernel, mapping: address_space, start: number, end: number): number {
  const xa = mapping.i_pages;
  let index = start;
  while (index <= end) {
    const i = xa_find(xa, index, end);
    if (i < 0) break;
    index = i + 1;
    const e = xa_load(xa, i);
    if (e === XA_VALUE) {
      if (mapping.host === null || !mapping.host.shmem) xa_store_value(xa, i, 0);
      continue;
    }
    const pfn = e - 1;
    if (k.mem_map.mapcount[pfn] > 0) unmap_mapping_range(k, mapping, i * 4096, 4096, false);
    truncate_inode_folio(k, mapping, pfn);
  }
  return 0;
}

/**
 * The file shrank (or grew) to `newsize`: the mappings lose their pages past it (private copies
 * included), then the page cache does.
 * @kernel mm/truncate.c truncate_pagecache, truncate_setsize
 */
export function truncate_setsize(k: Kernel, ino: inode, newsize: number): void {
  const oldsize = ino.i_size;
  ino.i_size = newsize;
  if (newsize >= oldsize) return;
  const holebegin = Math.ceil(newsize / 4096) * 4096;
  unmap_mapping_range(k, ino.i_mapping, holebegin, 0, true);
  truncate_inode_pages(k, ino.i_mapping, newsize);
  unmap_mapping_range(k, ino.i_mapping, holebegin, 0, true);
}

/** Bytes [lstart, lend] of a file are punched out (fallocate PUNCH_HOLE). @kernel mm/truncate.c truncate_pagecache_range */
export function truncate_pagecache_range(k: Kernel, ino: inode, lstart: number, lend: number): void {
  const unmap_start = Math.ceil(lstart / 4096) * 4096;
  const unmap_end = Math.floor((lend + 1) / 4096) * 4096 - 1;
  if (unmap_end > unmap_start) unmap_mapping_range(k, ino.i_mapping, unmap_start, 1 + unmap_end - unmap_start, false);
  truncate_inode_pages_range(k, ino.i_mapping, lstart, lend);
}
