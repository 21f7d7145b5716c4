/**
 * The swap cache: the page-cache-like index from swap slot to page that lets a page be written
 * out while still mapped, found again by later faults (and by readahead), and shared by every PTE
 * holding the same entry. Also swap readahead: cluster readahead (an aligned block of
 * 2^page-cluster slots around the faulting one, for rotational devices) and VMA readahead (the
 * swap PTEs around the faulting address), with the hit-driven window of swapin_nr_pages.
 *
 * Storage: per device, `cache_pfn[offset]` (the page, or -1) and `cache_shadow[offset]` (the
 * shadow entry workingset stored when the page was evicted; 0 = none), typed arrays the size of
 * the swap area on swap_info_struct, where the kernel has an xarray per 64 MiB of swap
 * (swapper_spaces). A page in the cache has PG_swapcache and its entry in page->private, holds
 * one reference for the cache, and counts in NR_FILE_PAGES and NR_SWAPCACHE (SwapCached).
 * Beside the typed arrays, `si.swapper_spaces` are real xarrays (one per SWAP_ADDRESS_SPACE_PAGES
 * = 16384 slots, indexed by the whole offset as 6.1's are) holding a value entry wherever a slot
 * holds a page or a shadow: they carry the xa_nodes 6.1 allocates for the swap cache, each a
 * radix_tree_node object (not memcg-charged: swapper_spaces are not XA_FLAGS_ACCOUNT) and never
 * on the shadow-node list (add_to_swap_cache sets no xas update). Worked numbers: 64 MiB swapped
 * out from slot 1 on is 16 383 entries in space 0 (indices 1..16383): a root at shift 12, 4
 * middle nodes, 256 leaves = 261 objects, about 150 kB of SReclaimable (radix_tree_node is
 * SLAB_RECLAIM_ACCOUNT).
 *
 * Simplified: no large folios (THP swap), no memcg charge or swap accounting, no KSM copies, no
 * NUMA policy for readahead allocations (vma_alloc_folio takes the task's local node).
 *
 * VMA readahead keeps its state in the VMA, packed as the kernel packs it into one unsigned long
 * (vma->swap_readahead_info, copied with the VMA by vm_area_dup): the page address of the last
 * fault, the window (bits 6..11) and the hit count (bits 0..5, saturating at 63). A VMA that
 * never faulted reads as 4 (GET_SWAP_RA_VAL's `?: 4`): four hits, so its first swap-in already
 * reads a window of 8 (hits + 2 = 6, rounded up to a power of two).
 * @kernel mm/swap_state.c add_to_swap_cache, __delete_from_swap_cache, add_to_swap,
 *   delete_from_swap_cache, clear_shadow_from_swap_cache, free_swap_cache,
 *   free_page_and_swap_cache, swap_cache_get_folio, get_shadow_from_swap_cache,
 *   __read_swap_cache_async, read_swap_cache_async, __swapin_nr_pages, swapin_nr_pages,
 *   swap_cluster_readahead, swap_ra_info, swap_vma_readahead, swapin_readahead,
 *   init_swap_address_space, exit_swap_address_space
 */
import { mem_cgroup_swapin_charge_folio } from "./memcontrol.js";
import { KernelBug } from "../kernel/bug.js";
import { kstrtobool } from "../lib/kstrtox.js";
import { xa_erase, xa_store_value, xarray } from "../lib/xarray.js";
import type { Kernel } from "../kernel/kernel.js";
import { _PAGE_PRESENT, _PAGE_PROTNONE, NO_TABLE, PMD_SIZE, pte_index, pte_table_lookup } from "../arch/x86/pgtable.js";
import { __GFP_COMP } from "./gfp.js";
import { F, PG_dirty, PG_locked, PG_readahead, PG_swapbacked, PG_swapcache, PG_uptodate, PG_writeback } from "./memmap.js";
import type { vm_area_struct } from "./mm_types.js";
import { alloc_pages } from "./page_alloc.js";
import { blk_finish_plug, blk_start_plug } from "../block/blk.js";
import { swap_readpage } from "./page_io.js";
import { mod_page_node_state } from "./rmap.js";
import { folio_add_lru, lru_add_drain, put_page } from "./swap.js";
import {
  folio_alloc_swap,
  folio_free_swap,
  get_swap_device,
  put_swap_folio,
  SWAP_HAS_CACHE,
  swapcache_prepare,
  SWP_SOLIDSTATE,
  type swap_info_struct,
} from "./swapfile.js";
import { swp_entry, swp_offset, swp_type, pte_to_swp_entry } from "./swapops.js";
import { NO_PFN } from "./types.js";
import { NR_FILE_PAGES, NR_SWAPCACHE, SWAP_RA, SWAP_RA_HIT } from "./vmstat_items.js";
import { workingset_refault } from "./workingset.js";

/** The most VMA readahead reads: 2^SWAP_RA_ORDER_CEILING on 64-bit. */
export const SWAP_RA_ORDER_CEILING = 5;
// vma->swap_readahead_info's fields (mm/swap_state.c): SWAP_RA_WIN_SHIFT is PAGE_SHIFT / 2.
const SWAP_RA_WIN_SHIFT = 6;
/** The hit count's bits, and the count it saturates at (SWAP_RA_HITS_MAX). */
const SWAP_RA_HITS_MASK = (1 << SWAP_RA_WIN_SHIFT) - 1;
const SWAP_RA_HITS_MAX = SWAP_RA_HITS_MASK;
/** The window's bits: below the page address, above the hits (~PAGE_MASK & ~SWAP_RA_HITS_MASK). */
const SWAP_RA_WIN_MASK = 0xfff & ~SWAP_RA_HITS_MASK;

/** SWAP_RA_VAL(addr, win, hits): the page address with the window and hits in its low 12 bits. */
export function SWAP_RA_VAL(addr: number, win: number, hits: number): number {
  // addr can exceed 2^32: page-align it arithmetically, then add the low bits.
  return Math.floor(addr / 4096) * 4096 + ((win << SWAP_RA_WIN_SHIFT) & SWAP_RA_WIN_MASK) + (hits & SWAP_RA_HITS_MASK);
}
/** The window of a readahead value. */
export function SWAP_RA_WIN(v: number): number {
  return ((v % 4096) & SWAP_RA_WIN_MASK) >> SWAP_RA_WIN_SHIFT;
}
/** The hit count of a readahead value. */
export function SWAP_RA_HITS(v: number): number {
  return (v % 4096) & SWAP_RA_HITS_MASK;
}
/** The page address of a readahead value. */
export function SWAP_RA_ADDR(v: number): number {
  return v - (v % 4096);
}
/** A VMA's readahead state, 4 (four hits) before its first swap fault. @kernel mm/swap_state.c GET_SWAP_RA_VAL */
export function GET_SWAP_RA_VAL(vma: vm_area_struct): number {
  return vma.swap_readahead_info || 4;
}

const SWAPCACHE = F(PG_swapcache);
const LOCKED = F(PG_locked);

/** SWAP_ADDRESS_SPACE_SHIFT: one swapper_space per 2^14 slots (64 MiB). */
export const SWAP_ADDRESS_SPACE_SHIFT = 14;

/**
 * Sets up the swap cache of a new area: every slot empty, no shadows, an empty xarray per
 * 64 MiB (DIV_ROUND_UP(nr_pages, SWAP_ADDRESS_SPACE_PAGES), XA_FLAGS_LOCK_IRQ only: not accounted).
 * @kernel mm/swap_state.c init_swap_address_space
 */
export function init_swap_address_space(k: Kernel, si: swap_info_struct): void {
  si.cache_pfn = new Int32Array(si.max).fill(-1);
  si.cache_shadow = new Float64Array(si.max);
  si.cache_nrpages = 0;
  const nr = Math.ceil(si.max / 2 ** SWAP_ADDRESS_SPACE_SHIFT);
  si.swapper_spaces = [];
  for (let i = 0; i < nr; i++) {
    const xa = new xarray();
    xa.node_owner = k.workingset;
    si.swapper_spaces.push(xa);
  }
}

/** Drops an area's swap cache at swapoff; it must be empty. @kernel mm/swap_state.c exit_swap_address_space */
export function exit_swap_address_space(_k: Kernel, si: swap_info_struct): void {
  if (si.cache_nrpages !== 0) throw new KernelBug("exit_swap_address_space: swap cache not empty", { type: si.type, nrpages: si.cache_nrpages });
  for (const xa of si.swapper_spaces) if (xa.nr_entries !== 0) throw new KernelBug("exit_swap_address_space: shadows left", { type: si.type, entries: xa.nr_entries });
  si.cache_pfn = new Int32Array(0);
  si.cache_shadow = new Float64Array(0);
  si.swapper_spaces = [];
}

/**
 * Slot `offset` of the swap cache has come to hold something (a page or a shadow) or nothing:
 * its swapper_space's xarray follows, making or freeing 6.1's nodes.
 * @kernel mm/swap_state.c add_to_swap_cache, __delete_from_swap_cache, clear_shadow_from_swap_cache
 */
export function swap_cache_slot_update(si: swap_info_struct, offset: number, present: boolean): void {
  const xa = si.swapper_spaces[offset >>> SWAP_ADDRESS_SPACE_SHIFT];
  if (xa === undefined) return;
  if (present) xa_store_value(xa, offset, 1);
  else xa_erase(xa, offset);
}

/** The page cached for `entry`, or -1; takes no reference (for checkers and the fast paths). */
export function lookup_swap_cache_pfn(k: Kernel, entry: number): number {
  const si = get_swap_device(k, entry);
  return si === null ? -1 : si.cache_pfn[swp_offset(entry)];
}

/**
 * Adds a locked, swap-backed page to the swap cache at `entry`: a reference for the cache,
 * PG_swapcache, page->private = entry, NR_FILE_PAGES and NR_SWAPCACHE. Returns the shadow entry
 * the slot held (0 if none), which the caller may hand to workingset_refault.
 * @kernel mm/swap_state.c add_to_swap_cache
 */
export function add_to_swap_cache(k: Kernel, pfn: number, entry: number): number {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & SWAPCACHE) !== 0) throw new KernelBug("add_to_swap_cache: page already in the swap cache", { pfn });
  if ((f & F(PG_swapbacked)) === 0) throw new KernelBug("add_to_swap_cache: page not swap-backed", { pfn });
  const si = get_swap_device(k, entry);
  if (si === null) throw new KernelBug("add_to_swap_cache: bad entry", { entry });
  const offset = swp_offset(entry);
  if (si.cache_pfn[offset] >= 0) throw new KernelBug("add_to_swap_cache: slot already cached", { entry, pfn: si.cache_pfn[offset] });
  mem._refcount[pfn]++;
  mem.flags[pfn] = f | SWAPCACHE;
  mem.private[pfn] = entry;
  const shadow = si.cache_shadow[offset];
  si.cache_shadow[offset] = 0;
  si.cache_pfn[offset] = pfn;
  si.cache_nrpages++;
  // A shadow's slot was already present in the xarray: the folio replaces it in place.
  if (shadow === 0) swap_cache_slot_update(si, offset, true);
  mod_page_node_state(k, pfn, NR_FILE_PAGES, 1);
  mod_page_node_state(k, pfn, NR_SWAPCACHE, 1);
  return shadow;
}

/**
 * Takes a page out of the swap cache, leaving `shadow` (0 = none) in its slot. The cache's
 * reference and the slot's SWAP_HAS_CACHE stay for the caller to drop.
 * @kernel mm/swap_state.c __delete_from_swap_cache
 */
export function __delete_from_swap_cache(k: Kernel, pfn: number, entry: number, shadow: number): void {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & SWAPCACHE) === 0) throw new KernelBug("__delete_from_swap_cache: page not in the swap cache", { pfn });
  if ((mem.flags[pfn] & F(PG_writeback)) !== 0) throw new KernelBug("__delete_from_swap_cache: page under writeback", { pfn });
  const si = get_swap_device(k, entry);
  if (si === null) throw new KernelBug("__delete_from_swap_cache: bad entry", { entry });
  const offset = swp_offset(entry);
  if (si.cache_pfn[offset] !== pfn) throw new KernelBug("__delete_from_swap_cache: slot holds another page", { entry, pfn, cached: si.cache_pfn[offset] });
  si.cache_pfn[offset] = -1;
  si.cache_shadow[offset] = shadow;
  si.cache_nrpages--;
  if (shadow === 0) swap_cache_slot_update(si, offset, false);
  mem.private[pfn] = 0;
  mem.flags[pfn] &= ~SWAPCACHE;
  mod_page_node_state(k, pfn, NR_FILE_PAGES, -1);
  mod_page_node_state(k, pfn, NR_SWAPCACHE, -1);
}

/**
 * Takes a page out of the swap cache for good: the slot loses SWAP_HAS_CACHE (freed if no PTE
 * holds it) and the cache's reference goes (never the last one: the caller holds its own).
 * @kernel mm/swap_state.c delete_from_swap_cache
 */
export function delete_from_swap_cache(k: Kernel, pfn: number): void {
  const entry = k.mem_map.private[pfn];
  __delete_from_swap_cache(k, pfn, entry, 0);
  put_swap_folio(k, pfn, entry);
  if (--k.mem_map._refcount[pfn] <= 0) throw new KernelBug("delete_from_swap_cache: dropped the last reference", { pfn });
}

/**
 * Gives an anonymous page a swap slot and puts it in the swap cache, dirty so reclaim writes it
 * out. False when no slot is free.
 * @kernel mm/swap_state.c add_to_swap
 */
export function add_to_swap(k: Kernel, pfn: number): boolean {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_uptodate)) === 0) throw new KernelBug("add_to_swap: page not uptodate", { pfn });
  const entry = folio_alloc_swap(k, pfn);
  if (entry === 0) return false;
  add_to_swap_cache(k, pfn, entry);
  // folio_mark_dirty: swap_dirty_folio → noop_dirty_folio, no dirty accounting for swap cache.
  mem.flags[pfn] |= F(PG_dirty);
  return true;
}

/**
 * If no one maps a swap-cache page any more, free its slot now rather than at reclaim.
 * @kernel mm/swap_state.c free_swap_cache
 */
export function free_swap_cache(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & SWAPCACHE) !== 0 && mem.mapcount[pfn] === 0 && (f & LOCKED) === 0) {
    mem.flags[pfn] = f | LOCKED;
    folio_free_swap(k, pfn);
    mem.flags[pfn] &= ~LOCKED;
  }
}

/** free_swap_cache, then drop the caller's reference. @kernel mm/swap_state.c free_page_and_swap_cache */
export function free_page_and_swap_cache(k: Kernel, pfn: number): void {
  free_swap_cache(k, pfn);
  put_page(k, pfn);
}

/** Does swapin use VMA readahead? Only while no area is on a rotational device. @kernel mm/swap_state.c swap_use_vma_readahead */
export function swap_use_vma_readahead(k: Kernel): boolean {
  const s = k.swap;
  return s.enable_vma_readahead && s.nr_rotate_swap === 0;
}

/**
 * The page cached for `entry` with a reference for the caller, or NO_PFN. A hit on a page that
 * readahead brought in (PG_readahead) counts SWAP_RA_HIT and feeds the readahead window.
 * @kernel mm/swap_state.c swap_cache_get_folio
 */
export function swap_cache_get_folio(k: Kernel, entry: number, vma: vm_area_struct | null, addr: number): number {
  const si = get_swap_device(k, entry);
  if (si === null) return NO_PFN;
  const pfn = si.cache_pfn[swp_offset(entry)];
  if (pfn < 0) return NO_PFN;
  const mem = k.mem_map;
  mem._refcount[pfn]++;
  const vma_ra = swap_use_vma_readahead(k);
  const readahead = (mem.flags[pfn] & F(PG_readahead)) !== 0;
  if (readahead) mem.flags[pfn] &= ~F(PG_readahead);
  const s = k.swap;
  if (vma !== null && vma_ra) {
    const ra_val = GET_SWAP_RA_VAL(vma);
    let hits = SWAP_RA_HITS(ra_val);
    if (readahead) hits = Math.min(hits + 1, SWAP_RA_HITS_MAX);
    vma.swap_readahead_info = SWAP_RA_VAL(addr, SWAP_RA_WIN(ra_val), hits);
  }
  if (readahead) {
    k.vm_events[SWAP_RA_HIT]++;
    if (vma === null || !vma_ra) s.swapin_readahead_hits++;
  }
  return pfn;
}

/** The shadow entry left in `entry`'s slot, 0 if none. @kernel mm/swap_state.c get_shadow_from_swap_cache */
export function get_shadow_from_swap_cache(k: Kernel, entry: number): number {
  const si = get_swap_device(k, entry);
  if (si === null) return 0;
  const o = swp_offset(entry);
  return si.cache_pfn[o] < 0 ? si.cache_shadow[o] : 0;
}

/**
 * The page for `entry` from the swap cache, or a new locked page added to the cache (and to the
 * LRU) ready to be read, with a reference for the caller; NO_PFN when the slot is no longer in
 * use or memory is short. A shadow in the slot goes to workingset_refault. `new_page_allocated[0]`
 * says whether the page is new (and so must be read): the kernel's `bool *new_page_allocated`.
 * @kernel mm/swap_state.c __read_swap_cache_async
 */
export function __read_swap_cache_async(k: Kernel, entry: number, gfp: number, _vma: vm_area_struct | null, _addr: number, new_page_allocated: Uint8Array): number {
  new_page_allocated[0] = 0;
  const si = get_swap_device(k, entry);
  if (si === null) return NO_PFN;
  const offset = swp_offset(entry);
  const cached = si.cache_pfn[offset];
  if (cached >= 0) {
    k.mem_map._refcount[cached]++;
    return cached;
  }
  // Skip readahead of unused slots (swap_slot_cache_enabled is true outside swapoff's window).
  if ((si.swap_map[offset] & ~SWAP_HAS_CACHE) === 0) return NO_PFN;
  const pfn = alloc_pages(k, gfp | __GFP_COMP, 0);
  if (pfn === NO_PFN) return NO_PFN;
  // mem_cgroup_swapin_charge_folio (charged before the slot is claimed, where the kernel charges
  // just after: single-threaded, nothing can come between).
  if (k.memcg.nr_memcgs !== 0 && mem_cgroup_swapin_charge_folio(k, pfn, null, gfp, entry) !== 0) {
    put_page(k, pfn);
    return NO_PFN;
  }
  if (swapcache_prepare(k, entry) !== 0) {
    // Someone else's read holds SWAP_HAS_CACHE without a page yet: impossible single-threaded
    // unless the slot was freed meanwhile.
    put_page(k, pfn);
    return NO_PFN;
  }
  const mem = k.mem_map;
  mem.flags[pfn] |= LOCKED | F(PG_swapbacked);
  const shadow = add_to_swap_cache(k, pfn, entry);
  if (shadow !== 0) workingset_refault(k, pfn, shadow);
  folio_add_lru(k, pfn);
  new_page_allocated[0] = 1;
  return pfn;
}

/**
 * __read_swap_cache_async, then start the read if the page is new. `do_poll` makes the read
 * synchronous: the task waits for it (and is charged the wait) before this returns.
 * @kernel mm/swap_state.c read_swap_cache_async
 */
export function read_swap_cache_async(k: Kernel, entry: number, gfp: number, vma: vm_area_struct | null, addr: number, do_poll: boolean): number {
  const page_was_allocated = k.swap.new_page_allocated;
  const pfn = __read_swap_cache_async(k, entry, gfp, vma, addr, page_was_allocated);
  if (page_was_allocated[0]) swap_readpage(k, pfn, do_poll);
  return pfn;
}

/**
 * The readahead window: hits + 2 rounded up to a power of two (at least 4), capped at
 * max_pages; with no hits, 1 unless the fault is next to the previous one; never below half the
 * previous window. Worked: 3 hits → 5 → 8 pages; 0 hits at offset 41 after 40 → 2.
 * @kernel mm/swap_state.c __swapin_nr_pages
 */
export function __swapin_nr_pages(prev_offset: number, offset: number, hits: number, max_pages: number, prev_win: number): number {
  let pages = hits + 2;
  if (pages === 2) {
    if (offset !== prev_offset + 1 && offset !== prev_offset - 1) pages = 1;
  } else {
    let roundup = 4;
    while (roundup < pages) roundup <<= 1;
    pages = roundup;
  }
  if (pages > max_pages) pages = max_pages;
  const last_ra = Math.floor(prev_win / 2);
  if (pages < last_ra) pages = last_ra;
  return pages;
}

/** Cluster readahead's window, from the global hit count. @kernel mm/swap_state.c swapin_nr_pages */
export function swapin_nr_pages(k: Kernel, offset: number): number {
  const s = k.swap;
  const max_pages = 1 << k.vm["page-cluster"];
  if (max_pages <= 1) return 1;
  const hits = s.swapin_readahead_hits;
  s.swapin_readahead_hits = 0;
  const pages = __swapin_nr_pages(s.prev_offset, offset, hits, max_pages, s.last_readahead_pages);
  if (!hits) s.prev_offset = offset;
  s.last_readahead_pages = pages;
  return pages;
}

/**
 * Reads the aligned block of slots around `entry` (the window swapin_nr_pages gives), marking
 * the extra pages PG_readahead and counting SWAP_RA, then returns the page for `entry` with a
 * reference. Slot 0, the header, is never read.
 * @kernel mm/swap_state.c swap_cluster_readahead
 */
export function swap_cluster_readahead(k: Kernel, entry: number, gfp: number, vma: vm_area_struct | null, addr: number): number {
  const entry_offset = swp_offset(entry);
  const si = get_swap_device(k, entry);
  if (si === null) return NO_PFN;
  const mask = swapin_nr_pages(k, entry_offset) - 1;
  let do_poll = true;
  if (mask !== 0) {
    do_poll = false;
    let start_offset = entry_offset & ~mask;
    let end_offset = entry_offset | mask;
    if (start_offset === 0) start_offset++;
    if (end_offset >= si.max) end_offset = si.max - 1;
    const type = swp_type(entry);
    const page_allocated = k.swap.new_page_allocated;
    blk_start_plug(k);
    try {
      for (let offset = start_offset; offset <= end_offset; offset++) {
        const pfn = __read_swap_cache_async(k, swp_entry(type, offset), gfp, vma, addr, page_allocated);
        if (pfn === NO_PFN) continue;
        if (page_allocated[0]) {
          swap_readpage(k, pfn, false);
          if (offset !== entry_offset) {
            k.mem_map.flags[pfn] |= F(PG_readahead);
            k.vm_events[SWAP_RA]++;
          }
        }
        put_page(k, pfn);
      }
    } finally {
      blk_finish_plug(k); // the cluster's reads go to the device, merged into one request
    }
    lru_add_drain(k); // push the new pages onto the LRU now
  }
  return read_swap_cache_async(k, entry, gfp, vma, addr, do_poll);
}

/**
 * VMA readahead: the window (from this VMA's hit history) over the PTEs around the fault,
 * clamped to the VMA and the PTE table; every swap entry there is read.
 * @kernel mm/swap_state.c swap_ra_info, swap_vma_readahead, swap_ra_clamp_pfn
 */
export function swap_vma_readahead(k: Kernel, fentry: number, gfp: number, vma: vm_area_struct, faddr: number): number {
  const max_win = 1 << Math.min(k.vm["page-cluster"], SWAP_RA_ORDER_CEILING);
  let win = 1;
  let start = 0;
  let end = 0;
  if (max_win !== 1) {
    const fpfn = Math.floor(faddr / 4096);
    const ra_val = GET_SWAP_RA_VAL(vma);
    const pfn = SWAP_RA_ADDR(ra_val) / 4096;
    win = __swapin_nr_pages(pfn, fpfn, SWAP_RA_HITS(ra_val), max_win, SWAP_RA_WIN(ra_val));
    vma.swap_readahead_info = SWAP_RA_VAL(faddr, win, 0);
    if (win !== 1) {
      let lpfn: number;
      let rpfn: number;
      if (fpfn === pfn + 1) {
        lpfn = fpfn;
        rpfn = fpfn + win;
      } else if (pfn === fpfn + 1) {
        lpfn = fpfn - win + 1;
        rpfn = fpfn + 1;
      } else {
        const left = Math.floor((win - 1) / 2);
        lpfn = fpfn - left;
        rpfn = fpfn + win - left;
      }
      const pmdStart = Math.floor(faddr / PMD_SIZE) * (PMD_SIZE / 4096);
      start = Math.max(lpfn, vma.vm_start / 4096, pmdStart);
      end = Math.min(rpfn, vma.vm_end / 4096, pmdStart + 512);
    }
  }
  if (win !== 1) {
    const table = pte_table_lookup(k, vma.vm_mm.pgd, faddr);
    blk_start_plug(k);
    try {
      if (table !== NO_TABLE) {
        const pool = k.pgtables;
        const page_allocated = k.swap.new_page_allocated;
        for (let vpn = start; vpn < end; vpn++) {
          const i = table * 512 + pte_index(vpn * 4096);
          const f = pool.ent_flags[i];
          const p = pool.ent_pfn[i];
          if ((f === 0 && p === 0) || (f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) continue; // is_swap_pte
          const pfn = __read_swap_cache_async(k, pte_to_swp_entry(f, p), gfp, vma, faddr, page_allocated);
          if (pfn === NO_PFN) continue;
          if (page_allocated[0]) {
            swap_readpage(k, pfn, false);
            if (vpn * 4096 !== Math.floor(faddr / 4096) * 4096) {
              k.mem_map.flags[pfn] |= F(PG_readahead);
              k.vm_events[SWAP_RA]++;
            }
          }
          put_page(k, pfn);
        }
      }
    } finally {
      blk_finish_plug(k);
    }
    lru_add_drain(k);
  }
  return read_swap_cache_async(k, fentry, gfp, vma, faddr, win === 1);
}

/**
 * Swap-in with readahead: VMA-based unless any area is rotational (6.1 turns VMA readahead off
 * while nr_rotate_swap is non-zero), cluster-based otherwise.
 * @kernel mm/swap_state.c swapin_readahead
 */
export function swapin_readahead(k: Kernel, entry: number, gfp: number, vma: vm_area_struct, addr: number): number {
  return swap_use_vma_readahead(k) ? swap_vma_readahead(k, entry, gfp, vma, addr) : swap_cluster_readahead(k, entry, gfp, vma, addr);
}

/** Is this area an SSD (for callers choosing I/O paths)? */
export function swap_is_solidstate(si: swap_info_struct): boolean {
  return (si.flags & SWP_SOLIDSTATE) !== 0;
}

/** /sys/kernel/mm/swap/vma_ra_enabled, read. @kernel mm/swap_state.c vma_ra_enabled_show */
export function vma_ra_enabled_show(k: Kernel): string {
  return k.swap.enable_vma_readahead ? "true\n" : "false\n";
}

/** /sys/kernel/mm/swap/vma_ra_enabled, written: kstrtobool, else -EINVAL. @kernel mm/swap_state.c vma_ra_enabled_store */
export function vma_ra_enabled_store(k: Kernel, buf: string): number {
  const v = kstrtobool(buf);
  if (v === null) return -22;
  k.swap.enable_vma_readahead = v;
  return 0;
}
