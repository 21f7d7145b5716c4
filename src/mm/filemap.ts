/**
 * The writeback side of a page's life that swap needs: starting writeback (PG_writeback,
 * NR_WRITEBACK, NR_ZONE_WRITE_PENDING) and ending it (the same undone, NR_WRITTEN, and the
 * rotation of pages reclaim is waiting for).
 *
 * Simplified: only mappings without writeback tags (the swap cache) are modelled, so there is no
 * per-bdi accounting (WB_WRITEBACK, wb_writeout_inc), no xarray tags and no waiters to wake; the
 * page cache of regular files arrives with its own issue. acct_reclaim_writeback (reclaim
 * throttling) is not modelled.
 * @kernel mm/filemap.c folio_end_writeback
 * @kernel mm/page-writeback.c __folio_start_writeback, __folio_end_writeback
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { F, PG_reclaim, PG_writeback } from "./memmap.js";
import { mod_page_node_state } from "./rmap.js";
import { folio_rotate_reclaimable, put_page } from "./swap.js";
import { __mod_zone_page_state } from "./vmstat.js";
import { NR_WRITEBACK, NR_WRITTEN, NR_ZONE_WRITE_PENDING } from "./vmstat_items.js";

const WRITEBACK = F(PG_writeback);

/** Adds `delta` to a zone counter of the zone holding `pfn`. */
function mod_page_zone_state(k: Kernel, pfn: number, item: number, delta: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("page in a hole", { pfn });
  __mod_zone_page_state(z, item, delta);
}

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
  put_page(k, pfn);
}
