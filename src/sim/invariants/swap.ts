/**
 * The swap invariants, checked from scratch: every swap_map count equals the references the
 * page tables and the swap cache hold, and the totals agree with the slots.
 *
 * For every swap area in use:
 * - slot 0 is SWAP_MAP_BAD; every other slot's count (continuation included) equals the swap
 *   PTEs holding its entry, across every page table of the machine;
 * - SWAP_HAS_CACHE is set exactly on slots whose page is in the swap cache; a slot with neither
 *   count nor cache is 0;
 * - the swapper_spaces' xarrays hold an entry exactly where a slot holds a page or a shadow, and
 *   the xa_nodes 6.1's trees hold for those entries;
 * - each cached page has PG_swapcache, page->private = its entry, a reference, and is not free
 *   (PG_buddy or refcount 0): no swapped page is both in the swap cache and freed;
 * - a tmpfs page on swap is a value entry in its file's i_pages holding one reference on its
 *   slot (6.1's SWAP_MAP_SHMEM, a count of 1 here), counted with the PTEs' references;
 * - inuse_pages counts the slots in use; every free slot lies in [lowest_bit, highest_bit];
 *   an area is on swap_avail exactly when it is writable and not full;
 * - the swap cache's nrpages counts its pages.
 * Globally: nr_swap_pages equals the free slots of the writable areas, total_swap_pages their
 * sizes, NR_SWAPCACHE the swap-cache pages, and every PG_swapcache page in memory is in a cache
 * slot; no swap PTE names an area that is not in use.
 * @kernel mm/swapfile.c swap_map (what swapoff's try_to_unuse relies on), include/linux/swap.h
 */
import { LEVEL_PTE, _PAGE_PRESENT, _PAGE_PROTNONE } from "../../arch/x86/pgtable.js";
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, PG_buddy, PG_swapcache } from "../../mm/memmap.js";
import { SWAP_HAS_CACHE, SWAP_MAP_BAD, SWP_USED, SWP_WRITEOK } from "../../mm/swapfile.js";
import { pte_to_swp_entry, swp_entry, swp_offset, swp_type } from "../../mm/swapops.js";
import { global_node_page_state } from "../../mm/vmstat.js";
import { XA_CHUNK_SIZE, XA_VALUE, xa_load, xa_nodes_expected } from "../../lib/xarray.js";
import { SWAP_ADDRESS_SPACE_SHIFT } from "../../mm/swap_state.js";
import { NR_SWAPCACHE } from "../../mm/vmstat_items.js";

function fail(msg: string, ctx: Record<string, unknown>): never {
  throw new KernelBug(`check_swap_invariants: ${msg}`, ctx);
}

/** Throws KernelBug with context on the first broken swap invariant. */
export function check_swap_invariants(k: Kernel): void {
  const s = k.swap;
  const pool = k.pgtables;
  const mem = k.mem_map;
  // References from PTEs, per area and offset.
  const refs = s.swap_info.map((si) => (si !== null && (si.flags & SWP_USED) !== 0 ? new Uint32Array(si.max) : null));
  for (const t of pool.liveSlots()) {
    if (pool.tbl_level[t] !== LEVEL_PTE) continue;
    const base = t * 512;
    for (let j = 0; j < 512; j++) {
      const f = pool.ent_flags[base + j];
      const p = pool.ent_pfn[base + j];
      if ((f === 0 && p === 0) || (f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) continue;
      const entry = pte_to_swp_entry(f, p);
      const r = refs[swp_type(entry)];
      if (!r || swp_offset(entry) >= r.length || swp_offset(entry) === 0) fail("swap PTE names no slot in use", { entry, table: t, j });
      r[swp_offset(entry)]++;
    }
  }
  // tmpfs pages on swap: their value entries (shmem_writepage's swap_shmem_alloc).
  for (const mapping of k.vfs.mappings.values()) {
    if (mapping.host === null || !mapping.host.shmem) continue;
    for (const [nr, c] of mapping.i_pages.chunks) {
      const values = mapping.i_pages.values.get(nr);
      for (let j = 0; j < XA_CHUNK_SIZE; j++) {
        if (c[j] !== XA_VALUE) continue;
        const entry = values === undefined ? 0 : values[j];
        const r = refs[swp_type(entry)];
        if (!r || swp_offset(entry) >= r.length || swp_offset(entry) === 0) fail("tmpfs swap entry names no slot in use", { entry, mapping: mapping.id, index: nr * XA_CHUNK_SIZE + j });
        r[swp_offset(entry)]++;
      }
    }
  }
  let free = 0;
  let total = 0;
  let cached = 0;
  for (const si of s.swap_info) {
    if (si === null || (si.flags & SWP_USED) === 0) continue;
    const r = refs[si.type] as Uint32Array;
    if (si.swap_map[0] !== SWAP_MAP_BAD) fail("header slot not SWAP_MAP_BAD", { type: si.type });
    let inuse = 0;
    let nrpages = 0;
    let present = 0;
    for (let o = 1; o < si.max; o++) {
      const m = si.swap_map[o];
      const pfn = si.cache_pfn[o];
      if (pfn >= 0 || si.cache_shadow[o] !== 0) {
        present++;
        if (xa_load(si.swapper_spaces[o >>> SWAP_ADDRESS_SPACE_SHIFT], o) === 0) fail("swap cache slot missing from its swapper_space", { type: si.type, offset: o });
      }
      const count = si.count(o);
      if (count !== r[o]) fail("swap_map count differs from the PTEs holding the entry", { type: si.type, offset: o, count, ptes: r[o] });
      if ((m & SWAP_HAS_CACHE) !== 0 !== pfn >= 0) fail("SWAP_HAS_CACHE differs from the swap cache", { type: si.type, offset: o, map: m, pfn });
      if (m !== 0) inuse++;
      else if (o < si.lowest_bit || o > si.highest_bit) fail("free slot outside lowest_bit..highest_bit", { type: si.type, offset: o, lowest: si.lowest_bit, highest: si.highest_bit });
      if (pfn >= 0) {
        nrpages++;
        const entry = swp_entry(si.type, o);
        if ((mem.flags[pfn] & F(PG_swapcache)) === 0) fail("swap-cache page without PG_swapcache", { pfn, entry });
        if (mem.private[pfn] !== entry) fail("swap-cache page's private is not its entry", { pfn, entry, private: mem.private[pfn] });
        if (mem._refcount[pfn] <= 0 || (mem.flags[pfn] & F(PG_buddy)) !== 0) fail("swap-cache page is free", { pfn, entry, refcount: mem._refcount[pfn] });
      }
    }
    if (inuse !== si.inuse_pages) fail("inuse_pages differs from the slots in use", { type: si.type, inuse_pages: si.inuse_pages, counted: inuse });
    if (nrpages !== si.cache_nrpages) fail("swap cache nrpages differs from its pages", { type: si.type, nrpages: si.cache_nrpages, counted: nrpages });
    // swapper_spaces: an entry per page or shadow, and the xa_nodes 6.1's trees hold for them.
    let entries = 0;
    for (const xa of si.swapper_spaces) {
      entries += xa.nr_entries;
      if (xa.nr_nodes !== xa_nodes_expected(xa)) fail("swapper_space's xa_node count differs from its tree's", { type: si.type, nr_nodes: xa.nr_nodes, expected: xa_nodes_expected(xa) });
    }
    if (entries !== present) fail("swapper_spaces hold other entries than the swap cache's pages and shadows", { type: si.type, entries, present });
    cached += nrpages;
    const writable = (si.flags & SWP_WRITEOK) !== 0;
    const listed = s.swap_avail_head.includes(si);
    if (listed !== (writable && si.inuse_pages < si.pages)) fail("swap_avail membership wrong", { type: si.type, listed, inuse: si.inuse_pages, pages: si.pages });
    if (writable) {
      free += si.pages - si.inuse_pages;
      total += si.pages;
    }
  }
  if (free !== k.nr_swap_pages) fail("nr_swap_pages differs from the free slots", { nr_swap_pages: k.nr_swap_pages, free });
  if (total !== k.total_swap_pages) fail("total_swap_pages differs from the areas' sizes", { total_swap_pages: k.total_swap_pages, total });
  const stat = global_node_page_state(k, NR_SWAPCACHE);
  if (stat !== cached) fail("NR_SWAPCACHE differs from the swap-cache pages", { NR_SWAPCACHE: stat, cached });
  let flagged = 0;
  for (let pfn = 0; pfn < k.max_pfn; pfn++) if ((mem.flags[pfn] & F(PG_swapcache)) !== 0) flagged++;
  if (flagged !== cached) fail("PG_swapcache pages outside the swap cache", { flagged, cached });
}
