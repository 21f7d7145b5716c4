/**
 * Dirty pages: marking a page cache folio dirty and the accounting that goes with it
 * (NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING, NR_DIRTIED, the task's write_bytes and nr_dirtied, the
 * PAGECACHE_TAG_DIRTY mark, the inode's dirty state), its undoing when a dirty folio is
 * truncated (folio_account_cleaned: cancelled_write_bytes), and the writer's throttle.
 *
 * Only mappings that can write back account their dirty pages (mapping_can_writeback: a disk's
 * backing_dev_info has BDI_CAP_WRITEBACK); tmpfs folios are dirty but never counted in Dirty,
 * as on the real kernel (noop_dirty_folio).
 *
 * PART A: `balance_dirty_pages_ratelimited` is a no-op here — the writer is never throttled and
 * Dirty grows without bound; part B replaces it with 6.1's balance_dirty_pages (dirty limits,
 * the pause on the simulated clock) and adds the flusher, writeback and its completion.
 * @kernel mm/page-writeback.c folio_account_dirtied, folio_account_cleaned, __folio_mark_dirty,
 *   filemap_dirty_folio, folio_mark_dirty, noop_dirty_folio, balance_dirty_pages_ratelimited
 */
import type { Kernel } from "../kernel/kernel.js";
import { get_current } from "../kernel/sched.js";
import { type address_space, I_DIRTY_PAGES } from "../fs/fs.js";
import { __mark_inode_dirty } from "../fs/fs-writeback.js";
import { XA_MARK_0, xa_set_mark } from "../lib/xarray.js";
import { F, PG_dirty, PG_reclaim } from "./memmap.js";
import { mod_page_node_state } from "./rmap.js";
import { __mod_zone_page_state } from "./vmstat.js";
import { NR_DIRTIED, NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING } from "./vmstat_items.js";

/** PAGECACHE_TAG_DIRTY: the xarray mark of dirty folios (XA_MARK_0). */
export const PAGECACHE_TAG_DIRTY = XA_MARK_0;
/** PAGECACHE_TAG_WRITEBACK (XA_MARK_1). */
export const PAGECACHE_TAG_WRITEBACK = 1;
/** PAGECACHE_TAG_TOWRITE (XA_MARK_2). */
export const PAGECACHE_TAG_TOWRITE = 2;

/** Does the mapping's backing device write back (BDI_CAP_WRITEBACK)? A disk's does; tmpfs's does not. @kernel include/linux/backing-dev.h mapping_can_writeback */
export function mapping_can_writeback(mapping: address_space): boolean {
  const host = mapping.host;
  if (host === null) return false;
  return (host.i_bdev ?? host.i_sb.s_bdev) !== null;
}

/**
 * The accounting of a folio becoming dirty.
 * @kernel mm/page-writeback.c folio_account_dirtied
 */
function folio_account_dirtied(k: Kernel, pfn: number, mapping: address_space): void {
  if (!mapping_can_writeback(mapping)) return;
  mod_page_node_state(k, pfn, NR_FILE_DIRTY, 1);
  const z = k.page_zone(pfn);
  if (z !== undefined) __mod_zone_page_state(z, NR_ZONE_WRITE_PENDING, 1);
  mod_page_node_state(k, pfn, NR_DIRTIED, 1);
  const t = get_current(k);
  if (t !== undefined) {
    t.ioac.write_bytes += 4096; // task_io_account_write
    t.nr_dirtied++;
  }
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
 * Called by every writer after it dirtied pages of `mapping`.
 * PART A: a no-op. Part B replaces it with 6.1's: once the task has dirtied nr_dirtied_pause
 * pages (or the per-CPU ratelimit), balance_dirty_pages compares the global and bdi dirty
 * counts with the limits (vm.dirty_ratio, dirty_background_ratio, dirty_bytes,
 * dirty_background_bytes over the dirtyable memory), wakes the flusher above the background
 * threshold, and pauses the writer on the simulated clock above the freerun ceiling.
 * @kernel mm/page-writeback.c balance_dirty_pages_ratelimited
 */
export function balance_dirty_pages_ratelimited(_k: Kernel, _mapping: address_space): void {
  // Part B: balance_dirty_pages_ratelimited_flags(mapping, 0).
}
