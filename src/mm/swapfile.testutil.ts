/**
 * Test helpers for swap: what shrink_folio_list does to one anonymous page, step by step, so swap
 * tests need not depend on reclaim's choices: add_to_swap, try_to_unmap (each PTE becomes the
 * swap entry, swap_duplicate per PTE), pageout (swap_writepage), and once the write completed,
 * __remove_mapping (the page leaves the swap cache with a shadow and is freed).
 */
import { set_pte_at, _PAGE_DIRTY } from "../arch/x86/pgtable.js";
import type { Kernel } from "../kernel/kernel.js";
import { F, PG_anon_exclusive, PG_dirty, PG_locked, PG_swapcache, PG_writeback } from "./memmap.js";
import { MM_ANONPAGES, MM_SWAPENTS } from "./mm_types.js";
import { folio_wait_writeback, swap_writepage } from "./page_io.js";
import { page_remove_rmap, rmap_walk } from "./rmap.js";
import { lru_add_drain, put_page } from "./swap.js";
import { __delete_from_swap_cache, add_to_swap } from "./swap_state.js";
import { put_swap_folio, swap_duplicate } from "./swapfile.js";
import { swp_entry_to_pte_flags, swp_offset } from "./swapops.js";

/** Puts a mapped anonymous page in the swap cache and replaces its PTEs by the entry. Returns the entry or 0. */
export function unmapToSwap(k: Kernel, pfn: number): number {
  lru_add_drain(k);
  const mem = k.mem_map;
  mem.flags[pfn] |= F(PG_locked);
  // A page swapped in and still in the swap cache keeps its slot (shrink_folio_list skips
  // add_to_swap for it).
  if ((mem.flags[pfn] & F(PG_swapcache)) === 0 && !add_to_swap(k, pfn)) {
    mem.flags[pfn] &= ~F(PG_locked);
    return 0;
  }
  const entry = mem.private[pfn];
  const pool = k.pgtables;
  rmap_walk(k, pfn, (vma, _addr, i) => {
    if ((pool.ent_flags[i] & _PAGE_DIRTY) !== 0) mem.flags[pfn] |= F(PG_dirty);
    swap_duplicate(k, entry);
    const excl = (mem.flags[pfn] & F(PG_anon_exclusive)) !== 0;
    set_pte_at(pool, i, swp_offset(entry), swp_entry_to_pte_flags(entry, excl));
    vma.vm_mm.rss_stat[MM_ANONPAGES]--;
    vma.vm_mm.rss_stat[MM_SWAPENTS]++;
    page_remove_rmap(k, pfn);
    mem._refcount[pfn]--;
    return true;
  });
  mem.flags[pfn] &= ~F(PG_anon_exclusive);
  return entry;
}

/** pageout: the page is written (asynchronously); it stays locked-free and under writeback. */
export function pageOut(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  mem.flags[pfn] &= ~F(PG_dirty);
  swap_writepage(k, pfn);
}

/** __remove_mapping for a clean swap-cache page: shadow left in the slot, page freed. */
export function removeMapping(k: Kernel, pfn: number, shadow = 0): void {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_writeback)) !== 0) throw new Error("still under writeback");
  const entry = mem.private[pfn];
  __delete_from_swap_cache(k, pfn, entry, shadow);
  put_swap_folio(k, pfn, entry);
  mem.flags[pfn] &= ~F(PG_locked);
  put_page(k, pfn); // the cache's reference
}

/** The whole eviction of one page: unmap, write, wait for the write, free. */
export function evict(k: Kernel, pfn: number, shadow = 0): number {
  const entry = unmapToSwap(k, pfn);
  if (entry === 0) return 0;
  pageOut(k, pfn);
  // reclaim would come back once the write completed: sleep until it has
  folio_wait_writeback(k, pfn);
  removeMapping(k, pfn, shadow);
  return entry;
}

