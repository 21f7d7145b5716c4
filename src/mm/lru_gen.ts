/**
 * The multi-generational LRU (CONFIG_LRU_GEN, 6.1's MGLRU): evictable pages divided into
 * generations per lruvec, aged by walking page tables and evicted oldest generation first, with
 * tiers inside a generation for pages read through file descriptors and a PID controller over
 * refaulted/evicted ratios that decides which tiers (and which of anon and file) to protect.
 *
 * Debian's 6.1 builds it (CONFIG_LRU_GEN=y) and boots with it off (CONFIG_LRU_GEN_ENABLED is not
 * set): /sys/kernel/mm/lru_gen/enabled reads 0x0000, and writing y (or a mask) moves every
 * evictable page from the classic lists into generations (lru_gen_change_state, fill_evictable),
 * n moves them back (drain_evictable). While it is on, reclaim goes through here: shrink_lruvec
 * calls lru_gen_shrink_lruvec, kswapd's kswapd_age_node calls lru_gen_age_node, workingset
 * shadows carry generations (workingset.ts lru_gen_eviction / lru_gen_refault), and
 * folio_mark_accessed counts tiers (swap.ts folio_inc_refs).
 *
 * The kernel keeps this in mm/vmscan.c; the model keeps it in a file of its own so that the
 * classic reclaim code and this can be read (and edited) apart. The hooks into the rest are
 * narrow: mm_inline.ts (lruvec_add_folio / lruvec_del_folio call lru_gen_add_folio /
 * lru_gen_del_folio), swap.ts (folio_mark_accessed, folio_add_lru's fault activation),
 * workingset.ts, rmap.ts (folio_referenced calls lru_gen_look_around), memory.ts
 * (lru_gen_enter_fault) and vmscan.ts (the shrink_lruvec, kswapd_age_node, prepare_scan_count and
 * snapshot_refaults entries, and shrink_folio_list's check for pages the aging promoted).
 *
 * Transparent huge pages are folios of 512 pages here as in 6.1: one entry on a generation list
 * (the head), counted folio_nr_pages in nr_pages and the LRU sizes; the walk ages a huge PMD
 * through walk_pmd_range_locked and a PTE-mapped THP through its head (pfn_folio); a THP split
 * while in a generation leaves its tails on its list with its gen and refs; eviction splits
 * THPs before swap-out in shrink_folio_list, as the classic path does.
 *
 * Per-page state: gen + 1 (LRU_GEN_MASK) and the tier's refs (LRU_REFS_MASK) as the kernel packs
 * them in page->flags, but in a byte column of their own (MemMap.lru_gen_flags: the model's
 * 32-bit flags column is full). Lists are threaded through
 * mem_map.lru like every other list. One column is the model's own: `list_of` says which of an
 * lruvec's folios[] lists a page is threaded on, because the model's list_del must know the
 * list's head (the kernel's needs no head) and a page the aging promoted stays on its old list
 * until eviction sorts it ("lazily sorted", so its gen bits and its list differ).
 *
 * Memory cgroups: every memcg's lruvec on a node has generations of its own (the root memcg's
 * is the node's), each memcg has its mm list (the mms whose owners are in it: lru_gen_add_mm at
 * fork and exec, lru_gen_migrate_mm when the owner moves), a lruvec's page-table walk promotes
 * only its memcg's folios (get_pfn_folio), kswapd ages every memcg's lruvec (lru_gen_age_node)
 * and reclaim evicts each lruvec shrink_node_memcgs hands it, honouring memory.min and
 * memory.low. 6.1 has no memcg LRU (lru_gen_shrink_node and the memcg generations are 6.3's).
 *
 * Simplified: the debugfs file's memcg id is the model's id + 1 (the root shows 1 as in 6.1;
 * the model allocates ids cyclically, idr_alloc the lowest free one); one page-table walker at a time (the model runs one CPU), so mm_state.wait is never slept on and
 * nr_walkers is 0 or 1; the MMU does not model accessed bits in non-leaf PMD entries, so a PMD entry counts as young
 * (LRU_GEN_NONLEAF_YOUNG's test passes) and its PTE table is scanned — which finds exactly the
 * young PTEs a young PMD would have led to, at the cost of scanning tables the hardware would let
 * the walker skip (MM_NONLEAF_FOUND counts them); the Bloom filters and the walk's own structs
 * are not charged to memory (the kernel kzallocs 8 KiB); the Bloom filter's key is the hash of a
 * PMD entry's address in the direct map (PAGE_OFFSET + the PMD table's pfn * 4096 + index * 8),
 * as the kernel's `pmd + i`. lru_gen_shrink_node (6.3's memcg LRU) does not exist in 6.1.
 * @kernel mm/vmscan.c get_swappiness, get_nr_gens, seq_is_valid, lru_gen_add_mm, lru_gen_del_mm,
 *   get_item_key, reset_bloom_filter, update_bloom_filter, test_bloom_filter, reset_mm_stats,
 *   should_skip_mm, iterate_mm_list, iterate_mm_list_nowalk, read_ctrl_pos, reset_ctrl_pos,
 *   positive_ctrl_err, folio_update_gen, folio_inc_gen, update_batch_size, reset_batch_size,
 *   should_skip_vma, get_next_vma, get_pte_pfn, get_pfn_folio, suitable_to_scan, walk_pte_range,
 *   walk_pmd_range, walk_pmd_range_locked, get_pmd_pfn, walk_pud_range, walk_mm, set_mm_walk,
 *   clear_mm_walk, inc_min_seq, try_to_inc_min_seq, inc_max_seq, try_to_inc_max_seq, should_run_aging, age_lruvec,
 *   lru_gen_age_node, lru_gen_look_around, sort_folio, isolate_folio, scan_folios, get_tier_idx,
 *   get_type_to_scan, isolate_folios, evict_folios, get_nr_to_scan, should_abort_scan,
 *   lru_gen_shrink_lruvec, state_is_valid, fill_evictable, drain_evictable, lru_gen_change_state,
 *   show_min_ttl, store_min_ttl, show_enabled, store_enabled, lru_gen_seq_show,
 *   lru_gen_seq_show_full, run_aging, run_eviction, run_cmd, lru_gen_seq_write
 * @kernel include/linux/mm_inline.h lru_gen_enabled, lru_gen_in_fault, lru_gen_from_seq,
 *   lru_hist_from_seq, lru_tier_from_refs, folio_lru_refs, folio_lru_gen, lru_gen_is_active,
 *   lru_gen_update_size, lru_gen_add_folio, lru_gen_del_folio
 * @kernel include/linux/mm_types.h lru_gen_use_mm
 * @kernel include/linux/hash.h hash_64
 */
import { shr } from "../lib/bitops.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { errnoValues } from "../kernel/errno.js";
import { fatal_signal_pending } from "../kernel/sched.js";
import { kstrtouint } from "../lib/kstrtox.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_SPECIAL, entry_table, NO_TABLE, pgd_index, pmd_index, pmd_present, PMD_SIZE, pmd_trans_huge, pud_index, PUD_SIZE } from "../arch/x86/pgtable.js";
import { is_huge_zero_page } from "./huge_memory.js";
import { __GFP_IO } from "./gfp.js";
import {
  F,
  LRU_GEN_MASK,
  LRU_GEN_PGOFF,
  LRU_REFS_MASK,
  LRU_REFS_PGOFF,
  LRU_REFS_WIDTH,
  PG_active,
  PG_dirty,
  PG_head,
  PG_locked,
  PG_lru,
  PG_reclaim,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_tail,
  PG_unevictable,
  PG_workingset,
  PG_writeback,
  compound_head,
  folio_nr_pages,
  page_flags,
  type MemMap,
} from "./memmap.js";
import { folio_evictable, folio_lruvec, lruvec_add_folio, lruvec_add_folio_tail, lruvec_del_folio, NR_LRU_BASE, NR_ZONE_LRU_BASE } from "./mm_inline.js";
import {
  __count_memcg_events,
  __mod_memcg_page_state,
  get_mem_cgroup_from_mm,
  type mem_cgroup,
  MEM_CGROUP_ID_MAX,
  mem_cgroup_below_low,
  mem_cgroup_below_min,
  mem_cgroup_calculate_protection,
  mem_cgroup_get_nr_swap_pages,
  mem_cgroup_path,
  mem_cgroup_put,
  mem_cgroup_subtree,
} from "./memcontrol.js";
import { lru_gen_mm_link, type mm_struct, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, type vm_area_struct, VM_EXEC, VM_HUGETLB, VM_LOCKED, VM_RAND_READ, VM_READ, VM_SEQ_READ, VM_SPECIAL, VM_WRITE } from "./mm_types.js";
import {
  ANON_AND_FILE,
  BLOOM_FILTER_SHIFT,
  high_wmark_pages,
  LRU_ACTIVE,
  LRU_GEN_ANON,
  LRU_GEN_FILE,
  lru_gen_index,
  type lru_gen_mm_node,
  lru_gen_mm_walk,
  type lru_gen_struct,
  LRU_INACTIVE_FILE,
  low_wmark_pages,
  type lruvec,
  MAX_NR_GENS,
  MAX_NR_TIERS,
  MAX_NR_ZONES,
  MIN_NR_GENS,
  MM_LEAF_OLD,
  MM_LEAF_TOTAL,
  MM_LEAF_YOUNG,
  MM_NONLEAF_ADDED,
  MM_NONLEAF_FOUND,
  MM_NONLEAF_TOTAL,
  NO_PFN,
  NR_BLOOM_FILTERS,
  NR_HIST_GENS,
  NR_MM_STATS,
  type pglist_data,
  type zone,
} from "./mmzone.js";
import { folio_activate, folio_add_lru, lru_add_drain, PAGEVEC_SIZE, put_page } from "./swap.js";
import { get_nr_swap_pages } from "./swapfile.js";
import { pageblock_order } from "./types.js";
import { set_page_dirty } from "./memory.js";
import { DEF_PRIORITY, free_folio_list, move_folios_to_lru, reclaim_cost, RECLAIM_COST, reclaim_stat, type scan_control, shrink_folio_list } from "./vmscan.js";
import {
  NR_FREE_PAGES,
  PGREFILL,
  PGSCAN_ANON,
  PGSCAN_DIRECT,
  PGSCAN_KSWAPD,
  PGSCAN_SKIP_DMA,
  PGSTEAL_ANON,
  PGSTEAL_DIRECT,
  PGSTEAL_KSWAPD,
  UNEVICTABLE_PGCULLED,
  WORKINGSET_ACTIVATE_ANON,
} from "./vmstat_items.js";

// enum { LRU_GEN_CORE, LRU_GEN_MM_WALK, LRU_GEN_NONLEAF_YOUNG, NR_LRU_GEN_CAPS }
export const LRU_GEN_CORE = 0;
export const LRU_GEN_MM_WALK = 1;
export const LRU_GEN_NONLEAF_YOUNG = 2;
export const NR_LRU_GEN_CAPS = 3;
/** MIN_LRU_BATCH = BITS_PER_LONG: the eviction's batch, and the walks' minimum of pages worth an mm. */
export const MIN_LRU_BATCH = 64;
/** MAX_LRU_BATCH = MIN_LRU_BATCH * 64: at most this much work between lock drops. */
export const MAX_LRU_BATCH = MIN_LRU_BATCH * 64;
/** HZ = 250 on Debian's build: one jiffy is 4 ms. */
const JIFFY_NS = 4_000_000;
const MSEC_PER_JIFFY = 4;

/**
 * What the multi-gen LRU's own work costs in simulated time. Orders of magnitude, like
 * vmscan.ts's RECLAIM_COST: the page-table walk reads PTEs a cache line at a time (~10 ns a
 * PTE) and spends a flag update on each young one (~40 ns more); sorting a page the eviction
 * moves to another generation costs what checking one on the active list does (scan_ns).
 */
export const LRU_GEN_COST = Object.freeze({ walk_pte_ns: 10, walk_young_ns: 40 } as const);

const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const SWAPBACKED = F(PG_swapbacked);
const SWAPCACHE = F(PG_swapcache);
const REFERENCED = F(PG_referenced);
const WORKINGSET = F(PG_workingset);
const RECLAIM = F(PG_reclaim);
const DIRTY = F(PG_dirty);
const WRITEBACK = F(PG_writeback);
const LOCKED = F(PG_locked);
const LRU = F(PG_lru);
const TAIL = F(PG_tail);
const HEAD = F(PG_head);
/** LRU_REFS_FLAGS: PG_referenced and PG_workingset, the first two accesses through fds. */
const LRU_REFS_FLAGS = REFERENCED | WORKINGSET;
const GEN_SHIFT = LRU_GEN_PGOFF;
const REFS_SHIFT = LRU_REFS_PGOFF;
const NR_LISTS = MAX_NR_GENS * ANON_AND_FILE * MAX_NR_ZONES;
/** `list_of` of a page on none of an lruvec's generation lists. */
const NOT_LISTED = 255;
/** PAGE_OFFSET of x86-64's direct map without KASLR (the realkernel guests boot nokaslr). */
const PAGE_OFFSET_HI = 0xffff8880;

/**
 * MGLRU's statics of one machine: the static keys (lru_gen_caps), lru_gen_min_ttl, the mm list
 * page-table walkers iterate, and the reclaiming context's walk (current->reclaim_state->mm_walk).
 */
export class lru_gen_globals {
  /** lru_gen_caps[] as bits: BIT(LRU_GEN_CORE) is lru_gen_enabled(). All off at boot on Debian's build. */
  caps = 0;
  /** lru_gen_min_ttl, in jiffies: kswapd OOM-kills rather than evict a generation younger than this. */
  min_ttl = 0;
  /** get_mm_list(NULL): every mm that lru_gen_add_mm added, oldest first; this is its head. */
  readonly mm_list = new lru_gen_mm_link(null);
  /** current->reclaim_state->mm_walk of whoever is reclaiming now (null: none). */
  walk: lru_gen_mm_walk | null = null;
  /** The walk set_mm_walk(NULL) "allocates" for a direct reclaimer, reused (kzalloc'd in the kernel). */
  readonly direct_walk = new lru_gen_mm_walk();
  /**
   * Model-only column: for each pfn, which folios[] list of its lruvec it is threaded on
   * (lru_gen_index), NOT_LISTED otherwise. Made when MGLRU is first enabled.
   */
  list_of: Uint8Array | null = null;
  /** lru_gen_look_around's bitmap of PTEs to promote (the kernel's stack array), MIN_LRU_BATCH bits. */
  readonly look_around_bits = new Uint8Array(MIN_LRU_BATCH);
  /** Out-parameters: should_run_aging's *nr_to_scan, isolate_folios' *type_scanned, get_type_to_scan's *tier_idx, evict_folios' *need_swapping. */
  readonly out = new Float64Array(4);
  /** The eviction's local list heads (LIST_HEAD(list), LIST_HEAD(clean), free pages, scan_folios' moved). */
  readonly lists = new Int32Array(4).fill(NO_PFN);
  /**
   * walk_pmd_range's batch of PMD entries for walk_pmd_range_locked (the kernel's stack `pos` and
   * bitmap): the address of the first (-1: none), the PMD table it is in, and a bit for each of the
   * next MIN_LRU_BATCH entries.
   */
  pmd_first = -1;
  pmd_table = NO_TABLE;
  readonly pmd_bits = new Uint8Array(MIN_LRU_BATCH);
  /** walk_pmd_range's running count of PTEs seen and young ones in a PTE table (total, young). */
  readonly walk_acc = new Float64Array(2);
  /** get_nr_to_scan's *need_aging. */
  need_aging = false;
  /** The controller's two positions (struct ctrl_pos sp, pv on the kernel's stack). */
  readonly sp = new ctrl_pos();
  readonly pv = new ctrl_pos();
  /** evict_folios' struct reclaim_stat. */
  readonly stat = new reclaim_stat();
}

// ---------------------------------------------------------------------------------------------
// Shorthand helpers (include/linux/mm_inline.h)
// ---------------------------------------------------------------------------------------------

/** Is the multi-gen LRU on (the LRU_GEN_CORE static key)? @kernel include/linux/mm_inline.h lru_gen_enabled */
export function lru_gen_enabled(k: Kernel): boolean {
  return (k.lru_gen.caps & 1) !== 0;
}

/**
 * Is the current task in a page fault of a VMA the LRU applies to (not VM_SEQ_READ/RAND_READ)?
 * A kernel thread run inside the fault (kswapd at a scheduling point) is not.
 * @kernel include/linux/mm_inline.h lru_gen_in_fault
 */
export function lru_gen_in_fault(k: Kernel): boolean {
  return k.in_lru_fault && k.in_kthread === 0;
}

/** @kernel include/linux/mm_inline.h lru_gen_from_seq */
export function lru_gen_from_seq(seq: number): number {
  // MAX_NR_GENS is 4: below 2^31 the low two bits. The sequence numbers live in Float64Arrays,
  // and V8 computes `%` of such a double through a call (2.8% of an MGLRU replay's run, 7
  // December 2026); the mask is exact for a non-negative integer below 2^31.
  return seq >= 0 && seq < 0x80000000 ? seq & (MAX_NR_GENS - 1) : seq % MAX_NR_GENS;
}

/** @kernel include/linux/mm_inline.h lru_hist_from_seq */
export function lru_hist_from_seq(seq: number): number {
  return seq % NR_HIST_GENS;
}

/**
 * The tier of a page with `refs` accesses beyond the first: order_base_2(refs + 1), so refs 0 →
 * tier 0, 1 → 1, 2 and 3 → 2, 4 → 3.
 * @kernel include/linux/mm_inline.h lru_tier_from_refs
 */
export function lru_tier_from_refs(refs: number): number {
  return refs === 0 ? 0 : 32 - Math.clz32(refs);
}

/**
 * Accesses through file descriptors beyond PG_referenced: the refs field plus PG_workingset
 * (N - 1 for N > 1 accesses; 0 for N = 0 or 1).
 * @kernel include/linux/mm_inline.h folio_lru_refs
 */
export function folio_lru_refs(mem: MemMap, pfn: number): number {
  return ((mem.lru_gen_flags[pfn] & LRU_REFS_MASK) >>> REFS_SHIFT) + ((mem.flags[pfn] & WORKINGSET) !== 0 ? 1 : 0);
}

/** The generation a page is in (gen bits - 1), -1 when on none. @kernel include/linux/mm_inline.h folio_lru_gen */
export function folio_lru_gen(mem: MemMap, pfn: number): number {
  return ((mem.lru_gen_flags[pfn] & LRU_GEN_MASK) >>> GEN_SHIFT) - 1;
}

/** The two youngest generations count as "active" for /proc/vmstat and meminfo. @kernel include/linux/mm_inline.h lru_gen_is_active */
export function lru_gen_is_active(lrugen: lru_gen_struct, gen: number): boolean {
  const max_seq = lrugen.max_seq;
  return gen === lru_gen_from_seq(max_seq) || gen === lru_gen_from_seq(max_seq - 1);
}

/** max_seq - min_seq[type] + 1. @kernel mm/vmscan.c get_nr_gens */
export function get_nr_gens(lrugen: lru_gen_struct, type: number): number {
  return lrugen.max_seq - lrugen.min_seq[type] + 1;
}

/** [MIN_NR_GENS, MAX_NR_GENS] generations, file's window inside anon's. @kernel mm/vmscan.c seq_is_valid */
export function seq_is_valid(lrugen: lru_gen_struct): boolean {
  return get_nr_gens(lrugen, LRU_GEN_FILE) >= MIN_NR_GENS && get_nr_gens(lrugen, LRU_GEN_FILE) <= get_nr_gens(lrugen, LRU_GEN_ANON) && get_nr_gens(lrugen, LRU_GEN_ANON) <= MAX_NR_GENS;
}

/** jiffies on the simulated clock (HZ = 250). */
export function jiffies(k: Kernel): number {
  return Math.floor(k.now_ns / JIFFY_NS);
}

function type_of(flags: number): number {
  return (flags & SWAPBACKED) !== 0 ? LRU_GEN_ANON : LRU_GEN_FILE;
}

/** folio_zonenum: the zone index, from the pageblock's zone (nid * MAX_NR_ZONES + zone). */
function zonenum(k: Kernel, pfn: number): number {
  return k.mem_map.pageblock_zone[pfn >>> pageblock_order] % MAX_NR_ZONES;
}

/**
 * folio_mapped: a PTE maps one of its pages, or (a THP) a PMD maps it whole.
 * @kernel include/linux/mm.h folio_mapped
 */
function folio_mapped(mem: MemMap, pfn: number): boolean {
  if (mem.mapcount[pfn] > 0) return true;
  if ((mem.flags[pfn] & HEAD) === 0) return false;
  if (mem.private[pfn + 1] > 0) return true; // compound_mapcount
  const nr = folio_nr_pages(mem, pfn);
  for (let i = 1; i < nr; i++) if (mem.mapcount[pfn + i] > 0) return true;
  return false;
}

/** pfn_folio: the folio a mapped pfn belongs to (the head of a THP's subpage). */
function folio_of(mem: MemMap, pfn: number): number {
  return (page_flags(mem, pfn) & TAIL) !== 0 ? compound_head(mem, pfn) : pfn;
}

function list_of(k: Kernel): Uint8Array {
  let c = k.lru_gen.list_of;
  if (c === null) {
    c = new Uint8Array(k.mem_map.max_pfn).fill(NOT_LISTED);
    k.lru_gen.list_of = c;
  }
  return c;
}

/**
 * __update_lru_size: the node's and zone's counters of list `lru` and, for a memcg's lruvec,
 * the memcg's (__mod_lruvec_state). Unlike update_lru_size it leaves the lruvec's
 * lru_zone_size alone: the multi-gen LRU keeps its sizes in lrugen.nr_pages.
 */
function __update_lru_size(k: Kernel, lv: lruvec, z: zone, lru: number, delta: number): void {
  z.zone_pgdat.vm_stat[NR_LRU_BASE + lru] += delta;
  z.vm_stat[NR_ZONE_LRU_BASE + lru] += delta;
  if (lv.memcg_id !== 0) __mod_memcg_page_state(k, lv.memcg_id, NR_LRU_BASE + lru, delta, z.zone_pgdat.node_id);
}

/**
 * Moves a folio of `delta` pages (folio_nr_pages: 512 for a THP) between generations in nr_pages
 * and in the active/inactive counters: an addition (old_gen -1), a deletion (new_gen -1), or a
 * promotion, which may turn an inactive folio active.
 * Demotion of an active page needs isolation, so it never comes here.
 * @kernel include/linux/mm_inline.h lru_gen_update_size
 */
export function lru_gen_update_size(k: Kernel, lv: lruvec, z: zone, type: number, old_gen: number, new_gen: number, delta: number): void {
  const lrugen = lv.lrugen;
  const zi = z.zone_idx;
  const lru = type * LRU_INACTIVE_FILE;
  if (old_gen >= 0) lrugen.nr_pages[lru_gen_index(old_gen, type, zi)] -= delta;
  if (new_gen >= 0) lrugen.nr_pages[lru_gen_index(new_gen, type, zi)] += delta;
  if (old_gen < 0) {
    __update_lru_size(k, lv, z, lru_gen_is_active(lrugen, new_gen) ? lru + LRU_ACTIVE : lru, delta);
    return;
  }
  if (new_gen < 0) {
    __update_lru_size(k, lv, z, lru_gen_is_active(lrugen, old_gen) ? lru + LRU_ACTIVE : lru, -delta);
    return;
  }
  if (!lru_gen_is_active(lrugen, old_gen) && lru_gen_is_active(lrugen, new_gen)) {
    __update_lru_size(k, lv, z, lru, -delta);
    __update_lru_size(k, lv, z, lru + LRU_ACTIVE, delta);
  }
}

/**
 * Adds a page to a generation, if the multi-gen LRU holds this lruvec and the page is evictable
 * (false otherwise: the caller uses the classic lists). Which generation:
 * 1. a hot page (PG_active: freshly faulted in, or activated) goes to the youngest, max_seq;
 * 2. a page that cannot be evicted at once (anon not yet in the swap cache, or dirty or under
 *    writeback after reclaim tried it) to the second youngest;
 * 3. a page to evict first (put back by reclaim, e.g. folio_rotate_reclaimable) to the oldest;
 * 4. anything else to the second oldest, or the oldest when only MIN_NR_GENS + 1 exist.
 * PG_active is cleared: it is never set while a page is on a generation list.
 * @kernel include/linux/mm_inline.h lru_gen_add_folio
 */
export function lru_gen_add_folio(k: Kernel, lv: lruvec, z: zone, pfn: number, reclaiming: boolean): boolean {
  const lrugen = lv.lrugen;
  const flags = k.mem_map.flags;
  const f = flags[pfn];
  const gf = k.mem_map.lru_gen_flags;
  if ((gf[pfn] & LRU_GEN_MASK) !== 0) throw new KernelBug("lru_gen_add_folio: page already in a generation", { pfn, flags: f >>> 0 });
  if ((f & UNEVICTABLE) !== 0 || !lrugen.enabled) return false;
  const type = type_of(f);
  let seq: number;
  if ((f & ACTIVE) !== 0) seq = lrugen.max_seq;
  else if ((type === LRU_GEN_ANON && (f & SWAPCACHE) === 0) || ((f & RECLAIM) !== 0 && (f & (DIRTY | WRITEBACK)) !== 0)) seq = lrugen.max_seq - 1;
  else if (reclaiming || lrugen.min_seq[type] + MIN_NR_GENS >= lrugen.max_seq) seq = lrugen.min_seq[type];
  else seq = lrugen.min_seq[type] + 1;
  const gen = lru_gen_from_seq(seq);
  // set_mask_bits(&folio->flags, LRU_GEN_MASK | BIT(PG_active), flags)
  flags[pfn] = f & ~ACTIVE;
  gf[pfn] = (gf[pfn] & ~LRU_GEN_MASK) | ((gen + 1) << GEN_SHIFT);
  lru_gen_update_size(k, lv, z, type, -1, gen, folio_nr_pages(k.mem_map, pfn));
  const h = lru_gen_index(gen, type, z.zone_idx);
  // reclaiming: at the tail, for folio_rotate_reclaimable
  if (reclaiming) k.mem_map.lru.list_add_tail(lrugen.folios, h, pfn);
  else k.mem_map.lru.list_add(lrugen.folios, h, pfn);
  list_of(k)[pfn] = h;
  return true;
}

/**
 * Takes a page off its generation (false if it is on none). A page taken off for anything but
 * reclaim (migration, activation, mlock) keeps PG_active if its generation was an active one.
 * @kernel include/linux/mm_inline.h lru_gen_del_folio
 */
export function lru_gen_del_folio(k: Kernel, lv: lruvec, z: zone, pfn: number, reclaiming: boolean): boolean {
  const flags = k.mem_map.flags;
  const f = flags[pfn];
  const gen = folio_lru_gen(k.mem_map, pfn);
  if (gen < 0) return false;
  const lrugen = lv.lrugen;
  if ((f & (ACTIVE | UNEVICTABLE)) !== 0) throw new KernelBug("lru_gen_del_folio: active or unevictable page in a generation", { pfn, flags: f >>> 0 });
  // for folio_migrate_flags()
  flags[pfn] = f | (!reclaiming && lru_gen_is_active(lrugen, gen) ? ACTIVE : 0);
  k.mem_map.lru_gen_flags[pfn] &= ~LRU_GEN_MASK;
  lru_gen_update_size(k, lv, z, type_of(f), gen, -1, folio_nr_pages(k.mem_map, pfn));
  const lo = list_of(k);
  k.mem_map.lru.list_del(lrugen.folios, lo[pfn], pfn);
  lo[pfn] = NOT_LISTED;
  return true;
}

/**
 * Which of its lruvec's lrugen.folios[] lists a page is threaded on (-1: none): the model's
 * list_of column, for list surgery beside a listed page (a THP's tails joining it as it splits).
 */
export function lru_gen_folio_list(k: Kernel, pfn: number): number {
  const c = k.lru_gen.list_of;
  return c === null || c[pfn] === NOT_LISTED ? -1 : c[pfn];
}

/** Records that a page was threaded onto lrugen.folios[h] beside another (see lru_gen_folio_list). */
export function lru_gen_set_folio_list(k: Kernel, pfn: number, h: number): void {
  list_of(k)[pfn] = h;
}

/** list_move / list_move_tail of a generation page to folios[h]. */
function gen_list_move(k: Kernel, lrugen: lru_gen_struct, pfn: number, h: number, tail: boolean): void {
  const lo = list_of(k);
  const links = k.mem_map.lru;
  links.list_del(lrugen.folios, lo[pfn], pfn);
  if (tail) links.list_add_tail(lrugen.folios, h, pfn);
  else links.list_add(lrugen.folios, h, pfn);
  lo[pfn] = h;
}

// ---------------------------------------------------------------------------------------------
// The mm list
// ---------------------------------------------------------------------------------------------

/** The mm list of a memcg: its own, the root's being lru_gen_globals.mm_list. @kernel mm/vmscan.c get_mm_list */
function get_mm_list(k: Kernel, memcg: mem_cgroup | null): lru_gen_mm_link {
  return memcg === null || memcg.id === 0 ? k.lru_gen.mm_list : memcg.mm_list;
}

/** A memcg's lruvec on node nid (the node's own for the root). @kernel mm/vmscan.c get_lruvec */
function get_lruvec(k: Kernel, memcg: mem_cgroup | null, nid: number): lruvec {
  return memcg === null || memcg.id === 0 ? k.node_data[nid].__lruvec : memcg.nodeinfo[nid];
}

/** mem_cgroup_id as 6.1 numbers them: the root 1 (the model's column id + 1). @kernel include/linux/memcontrol.h mem_cgroup_id */
function mem_cgroup_id(memcg: mem_cgroup | null): number {
  return memcg === null ? 1 : memcg.id + 1;
}

/**
 * A new mm (fork, exec) joins the list page-table walkers iterate: its owner's memcg's. If a
 * walk's last iteration ended at the list's end, the new mm becomes where the next one ends, so
 * it is walked.
 * @kernel mm/vmscan.c lru_gen_add_mm
 */
export function lru_gen_add_mm(k: Kernel, mm: mm_struct): void {
  const node = mm.lru_gen.list;
  if (node.next !== node) throw new KernelBug("lru_gen_add_mm: mm already on the list");
  const memcg = get_mem_cgroup_from_mm(k, mm);
  mm.lru_gen.memcg = memcg;
  const fifo = get_mm_list(k, memcg);
  for (const pgdat of k.node_data) {
    if (pgdat.node_present_pages === 0) continue;
    const st = get_lruvec(k, memcg, pgdat.node_id).mm_state;
    // the first addition since the last iteration
    if (st.tail === fifo) st.tail = node;
  }
  node.prev = fifo.prev;
  node.next = fifo;
  fifo.prev.next = node;
  fifo.prev = node;
}

/**
 * An mm goes away (__mmput): off the list, moving any walker's place past it; if it was where the
 * current iteration continues and the last, the iteration ends (mm_state.seq + 1).
 * @kernel mm/vmscan.c lru_gen_del_mm
 */
export function lru_gen_del_mm(k: Kernel, mm: mm_struct): void {
  const node = mm.lru_gen.list;
  if (node.next === node) return;
  const memcg = mm.lru_gen.memcg;
  const fifo = get_mm_list(k, memcg);
  for (const pgdat of k.node_data) {
    const st = get_lruvec(k, memcg, pgdat.node_id).mm_state;
    if (st.tail === node) st.tail = node.next;
    if (st.head !== node) continue;
    st.head = node.next;
    if (st.head === fifo) st.seq++;
  }
  node.prev.next = node.next;
  node.next.prev = node.prev;
  node.next = node;
  node.prev = node;
  mm.lru_gen.memcg = null;
  if (memcg !== null && memcg.id !== 0) mem_cgroup_put(k, memcg);
}

/**
 * The mm's owner moved to another memcg (mem_cgroup_attach): the mm moves to that memcg's list.
 * @kernel mm/vmscan.c lru_gen_migrate_mm
 */
export function lru_gen_migrate_mm(k: Kernel, mm: mm_struct): void {
  // migration can happen before addition
  if (mm.lru_gen.memcg === null) return;
  if (get_mem_cgroup_from_mm(k, mm) === mm.lru_gen.memcg) return;
  lru_gen_del_mm(k, mm);
  lru_gen_add_mm(k, mm);
}

/**
 * The mm was switched in: every node's walker should look at it again. The model calls this when
 * a task starts a run of accesses (its MMU work), which is when the scheduler has switched it in.
 * @kernel include/linux/mm_types.h lru_gen_use_mm
 */
export function lru_gen_use_mm(mm: mm_struct): void {
  mm.lru_gen.bitmap[0] = 0xffffffff;
  mm.lru_gen.bitmap[1] = 0xffffffff;
}

// ---------------------------------------------------------------------------------------------
// Bloom filters
// ---------------------------------------------------------------------------------------------

/** The high 32 bits of the unsigned 64-bit product of two u32s. */
function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/**
 * hash_64(val, 2 * BLOOM_FILTER_SHIFT) of a 64-bit value given as two u32 halves: the top 30 bits
 * of val * GOLDEN_RATIO_64 (0x61C8864680B583EB) mod 2^64, in 32-bit pieces (no bigint in the model).
 * @kernel include/linux/hash.h hash_64
 */
export function hash_64_30(hi: number, lo: number): number {
  const bh = 0x61c88646;
  const bl = 0x80b583eb;
  const top = (mulhi32(lo >>> 0, bl) + Math.imul(hi, bl) + Math.imul(lo, bh)) >>> 0;
  return top >>> 2;
}

/** The Bloom filters' item for the PMD entry `mi` (table slot * 512 + index): its address in the direct map. */
function pmd_item_hash(k: Kernel, mi: number): number {
  const pfn = k.pgtables.tbl_pfn[mi >>> 9];
  const lo = ((pfn % 1048576) * 4096 + (mi & 511) * 8) >>> 0;
  const hi = (PAGE_OFFSET_HI + Math.floor(pfn / 1048576)) >>> 0;
  return hash_64_30(hi, lo);
}

function filter_gen_from_seq(seq: number): number {
  return seq % NR_BLOOM_FILTERS;
}

/** The filter for `seq` cleared (allocated on first use). @kernel mm/vmscan.c reset_bloom_filter */
function reset_bloom_filter(lv: lruvec, seq: number): void {
  const gen = filter_gen_from_seq(seq);
  const filter = lv.mm_state.filters[gen];
  if (filter !== null) filter.fill(0);
  else lv.mm_state.filters[gen] = new Uint32Array((1 << BLOOM_FILTER_SHIFT) / 32);
}

/** Adds the item hashed `hash` to the filter of `seq`: two bits, the hash's halves (get_item_key). @kernel mm/vmscan.c update_bloom_filter */
function update_bloom_filter(lv: lruvec, seq: number, hash: number): void {
  const filter = lv.mm_state.filters[filter_gen_from_seq(seq)];
  if (filter === null) return;
  const key0 = hash & ((1 << BLOOM_FILTER_SHIFT) - 1);
  const key1 = hash >>> BLOOM_FILTER_SHIFT;
  filter[key0 >>> 5] |= 1 << (key0 & 31);
  filter[key1 >>> 5] |= 1 << (key1 & 31);
}

/** Might the item be in the filter of `seq`? Yes when there is no filter. @kernel mm/vmscan.c test_bloom_filter */
function test_bloom_filter(lv: lruvec, seq: number, hash: number): boolean {
  const filter = lv.mm_state.filters[filter_gen_from_seq(seq)];
  if (filter === null) return true;
  const key0 = hash & ((1 << BLOOM_FILTER_SHIFT) - 1);
  const key1 = hash >>> BLOOM_FILTER_SHIFT;
  return (filter[key0 >>> 5] & (1 << (key0 & 31))) !== 0 && (filter[key1 >>> 5] & (1 << (key1 & 31))) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Iterating the mm list
// ---------------------------------------------------------------------------------------------

/** Adds a walk's statistics to the lruvec's. @kernel mm/vmscan.c reset_mm_stats */
function reset_mm_stats(lv: lruvec, walk: lru_gen_mm_walk | null, last: boolean): void {
  const st = lv.mm_state;
  if (walk !== null) {
    const hist = lru_hist_from_seq(walk.max_seq);
    for (let i = 0; i < NR_MM_STATS; i++) {
      st.stats[hist * NR_MM_STATS + i] += walk.mm_stats[i];
      walk.mm_stats[i] = 0;
    }
  }
  if (NR_HIST_GENS > 1 && last) {
    const hist = lru_hist_from_seq(st.seq + 1);
    for (let i = 0; i < NR_MM_STATS; i++) st.stats[hist * NR_MM_STATS + i] = 0;
  }
}

/**
 * Skip an mm that has not run since this node's walker last looked (unless forced), or has too
 * few pages of the kinds this walk ages to be worth it.
 * @kernel mm/vmscan.c should_skip_mm
 */
function should_skip_mm(mm: mm_struct, walk: lru_gen_mm_walk, nid: number): boolean {
  const key = nid % 64;
  const word = key >>> 5;
  const bit = 1 << (key & 31);
  const bitmap = mm.lru_gen.bitmap;
  if (!walk.force_scan && (bitmap[word] & bit) === 0) return true;
  bitmap[word] &= ~bit;
  let size = 0;
  for (let type = walk.can_swap ? 0 : 1; type < ANON_AND_FILE; type++) {
    size += type ? mm.rss_stat[MM_FILEPAGES] : mm.rss_stat[MM_ANONPAGES] + mm.rss_stat[MM_SHMEMPAGES];
  }
  if (size < MIN_LRU_BATCH) return true;
  return mm.mm_users <= 0; // !mmget_not_zero(mm)
}

/**
 * The next mm for this walker to walk (into iter[0], null when there is none), and whether this
 * walker finished the iteration for walk.max_seq (it is the last one out). The first walker of an
 * iteration clears the Bloom filter of the next generation, which this iteration fills.
 * @kernel mm/vmscan.c iterate_mm_list
 */
function iterate_mm_list(k: Kernel, lv: lruvec, walk: lru_gen_mm_walk, iter: { mm: mm_struct | null }, nid: number): boolean {
  let first = false;
  let last = true;
  let mm: mm_struct | null = null;
  const fifo = get_mm_list(k, lv.memcg);
  const st = lv.mm_state;
  done: {
    if (walk.max_seq <= st.seq) {
      if (iter.mm === null) last = false;
      break done;
    }
    if (st.nr_walkers === 0) {
      st.head = fifo.next;
      first = true;
    }
    while (mm === null && st.head !== fifo && st.head !== null) {
      const node: lru_gen_mm_node = st.head;
      mm = node.mm as mm_struct;
      st.head = node.next;
      // force scan for those added after the last iteration
      if (st.tail === null || st.tail === node) {
        st.tail = st.head;
        walk.force_scan = true;
      }
      if (should_skip_mm(mm, walk, nid)) mm = null;
    }
    if (st.head === fifo) st.seq++;
  }
  if (iter.mm !== null && mm === null) st.nr_walkers--;
  if (iter.mm === null && mm !== null) st.nr_walkers++;
  if (st.nr_walkers) last = false;
  if (iter.mm !== null || last) reset_mm_stats(lv, walk, last);
  if (mm !== null && first) reset_bloom_filter(lv, walk.max_seq + 1);
  iter.mm = mm;
  return last;
}

/**
 * Finishes an iteration without walking (no walker is in the middle of one): the aging then
 * relies on the rmap's look-around alone.
 * @kernel mm/vmscan.c iterate_mm_list_nowalk
 */
function iterate_mm_list_nowalk(lv: lruvec, max_seq: number): boolean {
  const st = lv.mm_state;
  if (max_seq > st.seq && st.nr_walkers === 0) {
    st.seq++;
    reset_mm_stats(lv, null, true);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The refault feedback loop (a PID controller: P is refaulted/(evicted+protected) of a tier in
// the generation being evicted, I its moving average over earlier generations, no D)
// ---------------------------------------------------------------------------------------------

/** @kernel mm/vmscan.c struct ctrl_pos */
export class ctrl_pos {
  refaulted = 0;
  total = 0;
  gain = 0;
}

/** @kernel mm/vmscan.c read_ctrl_pos */
function read_ctrl_pos(lrugen: lru_gen_struct, type: number, tier: number, gain: number, pos: ctrl_pos): void {
  const hist = lru_hist_from_seq(lrugen.min_seq[type]);
  const ti = type * MAX_NR_TIERS + tier;
  const hi = (hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier;
  pos.refaulted = lrugen.avg_refaulted[ti] + lrugen.refaulted[hi];
  pos.total = lrugen.avg_total[ti] + lrugen.evicted[hi];
  if (tier) pos.total += lrugen.protected[(hist * ANON_AND_FILE + type) * (MAX_NR_TIERS - 1) + tier - 1];
  pos.gain = gain;
}

/**
 * carryover: a generation leaves (min_seq moves), folding its counts into the moving averages
 * with smoothing factor 1/2 (and clearing them when there is one history slot); otherwise a new
 * generation arrives and, with more history slots, its slot is cleared.
 * @kernel mm/vmscan.c reset_ctrl_pos
 */
function reset_ctrl_pos(lrugen: lru_gen_struct, type: number, carryover: boolean): void {
  const clear = carryover ? NR_HIST_GENS === 1 : NR_HIST_GENS > 1;
  const seq = carryover ? lrugen.min_seq[type] : lrugen.max_seq + 1;
  if (!carryover && !clear) return;
  const hist = lru_hist_from_seq(seq);
  for (let tier = 0; tier < MAX_NR_TIERS; tier++) {
    const ti = type * MAX_NR_TIERS + tier;
    const hi = (hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier;
    const pi = (hist * ANON_AND_FILE + type) * (MAX_NR_TIERS - 1) + tier - 1;
    if (carryover) {
      lrugen.avg_refaulted[ti] = Math.floor((lrugen.avg_refaulted[ti] + lrugen.refaulted[hi]) / 2);
      let sum = lrugen.avg_total[ti] + lrugen.evicted[hi];
      if (tier) sum += lrugen.protected[pi];
      lrugen.avg_total[ti] = Math.floor(sum / 2);
    }
    if (clear) {
      lrugen.refaulted[hi] = 0;
      lrugen.evicted[hi] = 0;
      if (tier) lrugen.protected[pi] = 0;
    }
  }
}

/**
 * True when the process variable has few refaults or a lower refaulted/total than the setpoint
 * (with the gains weighing each side).
 * @kernel mm/vmscan.c positive_ctrl_err
 */
function positive_ctrl_err(sp: ctrl_pos, pv: ctrl_pos): boolean {
  return pv.refaulted < MIN_LRU_BATCH || pv.refaulted * (sp.total + MIN_LRU_BATCH) * sp.gain <= (sp.refaulted + 1) * pv.total * pv.gain;
}

// ---------------------------------------------------------------------------------------------
// The aging
// ---------------------------------------------------------------------------------------------

/**
 * Promotes a page the aging found young to generation `gen` (clearing its tier); a page isolated
 * meanwhile (no gen bits) gets PG_referenced instead, for shrink_folio_list. Returns the old gen.
 * The page stays on its list: eviction sorts it later.
 * @kernel mm/vmscan.c folio_update_gen
 */
export function folio_update_gen(k: Kernel, pfn: number, gen: number): number {
  const flags = k.mem_map.flags;
  const gf = k.mem_map.lru_gen_flags;
  const old = gf[pfn];
  if ((old & LRU_GEN_MASK) === 0) {
    flags[pfn] |= REFERENCED;
    return -1;
  }
  flags[pfn] &= ~LRU_REFS_FLAGS;
  gf[pfn] = (gen + 1) << GEN_SHIFT;
  return ((old & LRU_GEN_MASK) >>> GEN_SHIFT) - 1;
}

/**
 * Moves a page of the oldest generation one generation up (min_seq + 1), clearing its tier —
 * unless the aging already promoted it, whose gen then stands. `reclaiming` marks it PG_reclaim
 * for folio_end_writeback. The caller moves it on the lists.
 * @kernel mm/vmscan.c folio_inc_gen
 */
export function folio_inc_gen(k: Kernel, lv: lruvec, z: zone, pfn: number, reclaiming: boolean): number {
  const flags = k.mem_map.flags;
  const f = flags[pfn];
  const type = type_of(f);
  const lrugen = lv.lrugen;
  const old_gen = lru_gen_from_seq(lrugen.min_seq[type]);
  const gf = k.mem_map.lru_gen_flags;
  if ((gf[pfn] & LRU_GEN_MASK) === 0) throw new KernelBug("folio_inc_gen: page in no generation", { pfn });
  let new_gen = folio_lru_gen(k.mem_map, pfn);
  // folio_update_gen() has promoted this page?
  if (new_gen >= 0 && new_gen !== old_gen) return new_gen;
  new_gen = (old_gen + 1) % MAX_NR_GENS;
  flags[pfn] = (f & ~LRU_REFS_FLAGS) | (reclaiming ? RECLAIM : 0);
  gf[pfn] = (new_gen + 1) << GEN_SHIFT;
  lru_gen_update_size(k, lv, z, type, old_gen, new_gen, folio_nr_pages(k.mem_map, pfn));
  return new_gen;
}

/** A promotion the walk batches instead of applying at once. @kernel mm/vmscan.c update_batch_size */
function update_batch_size(walk: lru_gen_mm_walk, type: number, zi: number, old_gen: number, new_gen: number, delta: number): void {
  walk.batched++;
  walk.nr_pages[lru_gen_index(old_gen, type, zi)] -= delta;
  walk.nr_pages[lru_gen_index(new_gen, type, zi)] += delta;
}

/** Applies a walk's batched promotions to nr_pages and the LRU counters. @kernel mm/vmscan.c reset_batch_size */
export function reset_batch_size(k: Kernel, lv: lruvec, pgdat: pglist_data, walk: lru_gen_mm_walk): void {
  const lrugen = lv.lrugen;
  walk.batched = 0;
  for (let gen = 0; gen < MAX_NR_GENS; gen++) {
    for (let type = 0; type < ANON_AND_FILE; type++) {
      for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
        const idx = lru_gen_index(gen, type, zi);
        const delta = walk.nr_pages[idx];
        if (!delta) continue;
        walk.nr_pages[idx] = 0;
        lrugen.nr_pages[idx] += delta;
        const lru = type * LRU_INACTIVE_FILE + (lru_gen_is_active(lrugen, gen) ? LRU_ACTIVE : 0);
        __update_lru_size(k, lv, pgdat.node_zones[zi], lru, delta);
      }
    }
  }
}

/**
 * VMAs the walk leaves alone: inaccessible, hugetlb, mlocked, special, sequentially or randomly
 * read ones, and anonymous and shmem memory when the walk may not swap.
 * @kernel mm/vmscan.c should_skip_vma
 */
function should_skip_vma(vma: vm_area_struct, walk: lru_gen_mm_walk): boolean {
  const f = vma.vm_flags;
  if ((f & (VM_READ | VM_WRITE | VM_EXEC)) === 0) return true; // !vma_is_accessible
  if ((f & VM_HUGETLB) !== 0) return true;
  if ((f & (VM_LOCKED | VM_SPECIAL | VM_SEQ_READ | VM_RAND_READ)) !== 0) return true;
  const file = vma.vm_file;
  if (file === null) return !walk.can_swap; // vma_is_anonymous
  if (file.f_inode.shmem) return !walk.can_swap; // shmem_mapping
  return false; // a regular file's mapping has read_folio
}

/** Adds `ns` of reclaim work to the clock (interrupt completions due meanwhile run). */
function walk_cost(k: Kernel, scanned: number, young: number): void {
  if (scanned) reclaim_cost(k, scanned * LRU_GEN_COST.walk_pte_ns + young * LRU_GEN_COST.walk_young_ns);
}

/**
 * Ages the PTEs of one PTE table in [a, b): clears each young one's accessed bit and promotes its
 * page to the walk's max_seq (batched), propagating a dirty PTE to its page. Counts what it saw
 * into `acc` (total, young) for suitable_to_scan.
 * @kernel mm/vmscan.c walk_pte_range, get_pte_pfn, get_pfn_folio
 */
function walk_pte_range(k: Kernel, walk: lru_gen_mm_walk, pgdat: pglist_data, table: number, a: number, b: number, acc: Float64Array): void {
  const pool = k.pgtables;
  const ent_flags = pool.ent_flags;
  const ent_pfn = pool.ent_pfn;
  const mem = k.mem_map;
  const mflags = mem.flags;
  const blockZone = mem.pageblock_zone;
  const new_gen = lru_gen_from_seq(walk.max_seq);
  const nid = pgdat.node_id;
  const can_swap = walk.can_swap;
  const stats = walk.mm_stats;
  const memcgCol = mem.memcg;
  const memcg_id = walk.lruvec === null ? 0 : walk.lruvec.memcg_id;
  const base = table * 512 + pmd_pte_index(a);
  const n = (b - a) / 4096;
  let total = 0;
  let young = 0;
  let old = 0;
  for (let j = 0; j < n; j++) {
    total++;
    const i = base + j;
    const f = ent_flags[i];
    // get_pte_pfn: present and not the zero page (special)
    if ((f & _PAGE_PRESENT) === 0 || (f & _PAGE_SPECIAL) !== 0) continue;
    if ((f & _PAGE_ACCESSED) === 0) {
      old++;
      continue;
    }
    const pfn = ent_pfn[i];
    // get_pfn_folio: this node's folio (the head of a PTE-mapped THP); anon only when the walk
    // may swap
    const zi = blockZone[pfn >>> pageblock_order];
    if (zi === 255 || Math.floor(zi / MAX_NR_ZONES) !== nid) continue;
    const folio = (page_flags(mem, pfn) & TAIL) !== 0 ? compound_head(mem, pfn) : pfn;
    // get_pfn_folio: only the walked lruvec's memcg's folios (folio_memcg_rcu(folio) != memcg)
    if ((memcgCol[folio] & MEM_CGROUP_ID_MAX) !== memcg_id) continue;
    const pf = mflags[folio];
    if ((pf & SWAPBACKED) !== 0 && !can_swap) continue;
    ent_flags[i] = f & ~_PAGE_ACCESSED;
    young++;
    if ((f & _PAGE_DIRTY) !== 0) folio_mark_dirty_young(k, folio, pf);
    // A THP's later young PTEs find it promoted already (old_gen === new_gen).
    const old_gen = folio_update_gen(k, folio, new_gen);
    if (old_gen >= 0 && old_gen !== new_gen) update_batch_size(walk, type_of(pf), zi % MAX_NR_ZONES, old_gen, new_gen, folio_nr_pages(mem, folio));
  }
  stats[MM_LEAF_TOTAL] += total;
  stats[MM_LEAF_OLD] += old;
  stats[MM_LEAF_YOUNG] += young;
  acc[0] += total;
  acc[1] += young;
  walk_cost(k, total, young);
}

/**
 * A young entry found dirty dirties its folio — unless it is an anonymous folio not yet in the
 * swap cache (swap-out will find it dirty anyway): the walkers' `pte_dirty && !folio_test_dirty
 * && !(anon && swapbacked && !swapcache)` test before folio_mark_dirty.
 */
function folio_mark_dirty_young(k: Kernel, folio: number, pf: number): void {
  if ((pf & DIRTY) === 0 && !(k.mem_map.mapping[folio] < 0 && (pf & SWAPBACKED) !== 0 && (pf & SWAPCACHE) === 0)) set_page_dirty(k, folio);
}

/** The PTE index of an address (pte_index), for a start inside one PMD. */
function pmd_pte_index(a: number): number {
  return Math.floor(a / 4096) % 512;
}

/** suitable if the average number of young PTEs per cache line (8 PTEs) is ≥ 1. @kernel mm/vmscan.c suitable_to_scan */
function suitable_to_scan(total: number, young: number): boolean {
  return young * 8 >= total;
}

/** The node of a page (-1 in a hole), from its pageblock's zone. */
function pfn_nid(k: Kernel, pfn: number): number {
  const zi = k.mem_map.pageblock_zone[pfn >>> pageblock_order];
  return zi === 255 ? -1 : Math.floor(zi / MAX_NR_ZONES);
}

/**
 * Ages the young huge PMDs of a pass over one PMD table, batched as 6.1 batches them to take
 * the PMD lock once: the first entry's address opens a batch, each later one within
 * MIN_LRU_BATCH entries of it sets a bit, and the batch is done — each entry tested and cleared,
 * its THP promoted to max_seq (512 pages batched) and dirtied from a dirty PMD — when an entry
 * further away comes (that entry first, then the batch) or the range ends (`next` -1). Non-leaf entries join the batch under LRU_GEN_NONLEAF_YOUNG; the model has no
 * accessed bit in them to clear (see the header).
 * @kernel mm/vmscan.c walk_pmd_range_locked, get_pmd_pfn
 */
function walk_pmd_range_locked(k: Kernel, walk: lru_gen_mm_walk, pgdat: pglist_data, pmdTable: number, next: number): void {
  const g = k.lru_gen;
  const bits = g.pmd_bits;
  // try to batch at most 1+MIN_LRU_BATCH+1 entries
  if (g.pmd_first === -1) {
    g.pmd_first = next;
    g.pmd_table = pmdTable;
    return;
  }
  let i = next === -1 ? 0 : pmd_index(next) - pmd_index(g.pmd_first);
  if (i && i <= MIN_LRU_BATCH) {
    bits[i - 1] = 1;
    return;
  }
  const pool = k.pgtables;
  const ent_flags = pool.ent_flags;
  const mem = k.mem_map;
  const base = g.pmd_table * 512 + pmd_index(g.pmd_first);
  const new_gen = lru_gen_from_seq(walk.max_seq);
  do {
    const mi = base + i;
    const f = ent_flags[mi];
    const pfn = pool.ent_pfn[mi];
    // get_pmd_pfn, then !pmd_trans_huge (a table: nothing to clear here), get_pfn_folio and
    // pmdp_test_and_clear_young
    if (pmd_present(f) && pmd_trans_huge(f) && !is_huge_zero_page(k, pfn) && pfn_nid(k, pfn) === pgdat.node_id && (mem.memcg[pfn] & MEM_CGROUP_ID_MAX) === (walk.lruvec === null ? 0 : walk.lruvec.memcg_id) && (f & _PAGE_ACCESSED) !== 0) {
      const pf = mem.flags[pfn];
      if ((pf & SWAPBACKED) === 0 || walk.can_swap) {
        ent_flags[mi] = f & ~_PAGE_ACCESSED;
        walk.mm_stats[MM_LEAF_YOUNG]++;
        walk_cost(k, 1, 1);
        if ((f & _PAGE_DIRTY) !== 0) folio_mark_dirty_young(k, pfn, pf);
        const old_gen = folio_update_gen(k, pfn, new_gen);
        if (old_gen >= 0 && old_gen !== new_gen) update_batch_size(walk, type_of(pf), zonenum(k, pfn), old_gen, new_gen, folio_nr_pages(mem, pfn));
      }
    }
    if (i > MIN_LRU_BATCH) {
      // the far entry that closed the batch went first; now the batch from its start
      i = 0;
    } else {
      // find_next_bit(bitmap, MIN_LRU_BATCH, i) + 1
      let j = i;
      while (j < MIN_LRU_BATCH && bits[j] === 0) j++;
      i = j + 1;
    }
  } while (i <= MIN_LRU_BATCH);
  g.pmd_first = -1;
  g.pmd_table = NO_TABLE;
  bits.fill(0);
}

/**
 * Walks one mm's page tables from walk.next_addr: each VMA the walk does not skip, PMD by PMD,
 * testing each PMD entry against the Bloom filter of max_seq (which the previous iteration filled
 * with the PMD entries whose tables had enough young PTEs) and scanning the PTE tables that pass;
 * a PTE table shared by several VMAs is finished in one visit (get_next_vma), as the kernel does
 * to avoid zigzags. Returns false when done, true to be called again after its batch is applied
 * (the kernel's -EAGAIN every MAX_LRU_BATCH promotions, at a PUD boundary).
 * @kernel mm/vmscan.c walk_pud_range, walk_pmd_range, get_next_vma
 */
function walk_page_range_lru_gen(k: Kernel, lv: lruvec, pgdat: pglist_data, mm: mm_struct, walk: lru_gen_mm_walk, acc: Float64Array): boolean {
  const vmas = mm.mm_mt;
  const pool = k.pgtables;
  const stats = walk.mm_stats;
  const pgd = mm.pgd;
  if (pgd === NO_TABLE) return false;
  // Addresses below `addr` are done: a PMD (or an empty PUD) handled in one VMA's walk covers
  // the parts of the VMAs after it that share it, as get_next_vma continues into them.
  let addr = walk.next_addr;
  // The VMAs from the first ending above addr (mt_find), in address order (mt_next); the walk
  // changes no VMA, so the tree holds still under it.
  for (let vma = vmas.mt_find(addr); vma !== null; vma = vmas.mt_next(vma)) {
    if (vma.vm_end <= addr || should_skip_vma(vma, walk)) continue;
    let a = Math.max(addr, vma.vm_start);
    while (a < vma.vm_end) {
      const pudEnd = Math.floor(a / PUD_SIZE) * PUD_SIZE + PUD_SIZE;
      const pud = entry_table(pool, pgd * 512 + pgd_index(a));
      const pmdTable = pud === NO_TABLE ? NO_TABLE : entry_table(pool, pud * 512 + pud_index(a));
      let next: number;
      if (pmdTable === NO_TABLE) {
        // walk_pud_range: !pud_present, skipped whole and not counted
        next = Math.min(vma.vm_end, pudEnd);
        if (next === vma.vm_end && next < pudEnd) addr = pudEnd;
      } else {
        const pmdEnd = Math.floor(a / PMD_SIZE) * PMD_SIZE + PMD_SIZE;
        next = Math.min(vma.vm_end, pmdEnd);
        const mi = pmdTable * 512 + pmd_index(a);
        const table = entry_table(pool, mi);
        if (table === NO_TABLE) {
          // !pmd_present, the huge zero page, or a THP's huge PMD: a leaf
          stats[MM_LEAF_TOTAL]++;
          const pf = pool.ent_flags[mi];
          if (pmd_present(pf) && pmd_trans_huge(pf) && !is_huge_zero_page(k, pool.ent_pfn[mi])) {
            if ((pf & _PAGE_ACCESSED) === 0) stats[MM_LEAF_OLD]++;
            // try to avoid unnecessary memory loads: another node's page is left alone
            else if (pfn_nid(k, pool.ent_pfn[mi]) === pgdat.node_id) walk_pmd_range_locked(k, walk, pgdat, pmdTable, a);
          }
        } else {
          stats[MM_NONLEAF_TOTAL]++;
          // LRU_GEN_NONLEAF_YOUNG: the PMD entry counts as young (see the header), and joins the
          // batch whose lock pass would clear its accessed bit.
          if ((k.lru_gen.caps & (1 << LRU_GEN_NONLEAF_YOUNG)) !== 0) walk_pmd_range_locked(k, walk, pgdat, pmdTable, a);
          const hash = pmd_item_hash(k, mi);
          if (walk.force_scan || test_bloom_filter(lv, walk.max_seq, hash)) {
            stats[MM_NONLEAF_FOUND]++;
            acc[0] = 0;
            acc[1] = 0;
            walk_pte_range(k, walk, pgdat, table, a, next, acc);
            // get_next_vma(PMD_MASK, PAGE_SIZE): finish the PTE table in the VMAs after this one
            if (next === vma.vm_end && next < pmdEnd) {
              for (let w = vmas.mt_next(vma); w !== null && w.vm_start < pmdEnd; w = vmas.mt_next(w)) {
                if (!should_skip_vma(w, walk)) walk_pte_range(k, walk, pgdat, table, w.vm_start, Math.min(w.vm_end, pmdEnd), acc);
              }
            }
            if (suitable_to_scan(acc[0], acc[1])) {
              stats[MM_NONLEAF_ADDED]++;
              // carry over to the next generation
              update_bloom_filter(lv, walk.max_seq + 1, hash);
            }
          }
        }
        if (next === vma.vm_end && next < pmdEnd) addr = pmdEnd;
      }
      a = next;
      if (a % PUD_SIZE === 0 || a === vma.vm_end) {
        // the end of walk_pmd_range: the batched PMD entries' lock pass
        walk_pmd_range_locked(k, walk, pgdat, NO_TABLE, -1);
        // walk_pud_range: after each PUD entry, stop once MAX_LRU_BATCH promotions are batched,
        // to go on from the next PUD boundary
        if (walk.batched >= MAX_LRU_BATCH) {
          walk.next_addr = Math.max(Math.floor((a - 1) / PUD_SIZE) * PUD_SIZE + PUD_SIZE, vma.vm_start);
          return true;
        }
      }
    }
    if (addr < vma.vm_end) addr = vma.vm_end;
  }
  return false;
}

/**
 * Walks one mm for the aging, applying the batched promotions each time the walk pauses.
 * @kernel mm/vmscan.c walk_mm
 */
function walk_mm(k: Kernel, lv: lruvec, pgdat: pglist_data, mm: mm_struct, walk: lru_gen_mm_walk): void {
  walk.next_addr = 0; // FIRST_USER_ADDRESS
  const acc = k.lru_gen.walk_acc;
  let again: boolean;
  do {
    again = walk_page_range_lru_gen(k, lv, pgdat, mm, walk, acc);
    if (walk.batched) reset_batch_size(k, lv, pgdat, walk);
  } while (again);
}

/**
 * The reclaiming context's walk: kswapd's own (pgdat->mm_walk) for kswapd, or one "allocated" for
 * a direct reclaimer that asks with no pgdat; otherwise whatever it already has.
 * @kernel mm/vmscan.c set_mm_walk
 */
function set_mm_walk(k: Kernel, pgdat: pglist_data | null, kswapd: boolean): lru_gen_mm_walk | null {
  const g = k.lru_gen;
  let walk = g.walk;
  if (pgdat !== null && kswapd) walk = pgdat.mm_walk;
  else if (pgdat === null && walk === null) {
    walk = g.direct_walk;
    walk.nr_pages.fill(0);
    walk.mm_stats.fill(0);
    walk.batched = 0;
  }
  g.walk = walk;
  return walk;
}

// ---------------------------------------------------------------------------------------------
// Generations: min_seq and max_seq
// ---------------------------------------------------------------------------------------------

/**
 * Retires the oldest generation of `type` when the window is full: its pages move up one
 * generation (to min_seq + 1), at most MAX_LRU_BATCH per call (false: call again).
 * @kernel mm/vmscan.c inc_min_seq
 */
function inc_min_seq(k: Kernel, lv: lruvec, pgdat: pglist_data, type: number, can_swap: boolean): boolean {
  const lrugen = lv.lrugen;
  const old_gen = lru_gen_from_seq(lrugen.min_seq[type]);
  if (!(type === LRU_GEN_ANON && !can_swap)) {
    let remaining = MAX_LRU_BATCH;
    const links = k.mem_map.lru;
    // prevent cold/hot inversion if force_scan is true
    for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
      const h = lru_gen_index(old_gen, type, zi);
      const z = pgdat.node_zones[zi];
      while (lrugen.folios[h] !== NO_PFN) {
        const pfn = links.prev[lrugen.folios[h]];
        const new_gen = folio_inc_gen(k, lv, z, pfn, false);
        gen_list_move(k, lrugen, pfn, lru_gen_index(new_gen, type, zi), true);
        if (!--remaining) return false;
      }
    }
  }
  reset_ctrl_pos(lrugen, type, true);
  lrugen.min_seq[type]++;
  return true;
}

/**
 * Moves min_seq past generations that have emptied (anon no further than file while swap is
 * possible, so both age together). True if any min_seq moved.
 * @kernel mm/vmscan.c try_to_inc_min_seq
 */
function try_to_inc_min_seq(lv: lruvec, can_swap: boolean): boolean {
  const lrugen = lv.lrugen;
  let success = false;
  const min_seq0 = lrugen.min_seq[0];
  const min_seq1 = lrugen.min_seq[1];
  const min_seq = [min_seq0, min_seq1];
  for (let type = can_swap ? 0 : 1; type < ANON_AND_FILE; type++) {
    next: while (min_seq[type] + MIN_NR_GENS <= lrugen.max_seq) {
      const gen = lru_gen_from_seq(min_seq[type]);
      for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
        if (lrugen.folios[lru_gen_index(gen, type, zi)] !== NO_PFN) break next;
      }
      min_seq[type]++;
    }
  }
  if (can_swap) {
    min_seq[LRU_GEN_ANON] = Math.min(min_seq[LRU_GEN_ANON], min_seq[LRU_GEN_FILE]);
    min_seq[LRU_GEN_FILE] = Math.max(min_seq[LRU_GEN_ANON], lrugen.min_seq[LRU_GEN_FILE]);
  }
  for (let type = can_swap ? 0 : 1; type < ANON_AND_FILE; type++) {
    if (min_seq[type] === lrugen.min_seq[type]) continue;
    reset_ctrl_pos(lrugen, type, true);
    lrugen.min_seq[type] = min_seq[type];
    success = true;
  }
  return success;
}

/**
 * A new youngest generation: retire the oldest of a type whose window is full, shift the
 * active/inactive counters (max_seq - 1 becomes inactive; the new max_seq, empty unless swap is
 * constrained, active), stamp its birth and publish max_seq + 1.
 * @kernel mm/vmscan.c inc_max_seq
 */
function inc_max_seq(k: Kernel, lv: lruvec, pgdat: pglist_data, can_swap: boolean, force_scan: boolean): void {
  const lrugen = lv.lrugen;
  if (!seq_is_valid(lrugen)) throw new KernelBug("inc_max_seq: invalid generations", { max_seq: lrugen.max_seq, min_anon: lrugen.min_seq[0], min_file: lrugen.min_seq[1] });
  for (let type = ANON_AND_FILE - 1; type >= 0; type--) {
    if (get_nr_gens(lrugen, type) !== MAX_NR_GENS) continue;
    if (!force_scan && (type === LRU_GEN_FILE || can_swap)) {
      // VM_WARN_ON_ONCE in the kernel: the aging runs only when fewer than MAX_NR_GENS exist
    }
    while (!inc_min_seq(k, lv, pgdat, type, can_swap)) {
      // cond_resched(); goto restart: the model keeps going in the same call
    }
  }
  const prev = lru_gen_from_seq(lrugen.max_seq - 1);
  const next = lru_gen_from_seq(lrugen.max_seq + 1);
  for (let type = 0; type < ANON_AND_FILE; type++) {
    for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
      const lru = type * LRU_INACTIVE_FILE;
      const delta = lrugen.nr_pages[lru_gen_index(prev, type, zi)] - lrugen.nr_pages[lru_gen_index(next, type, zi)];
      if (!delta) continue;
      __update_lru_size(k, lv, pgdat.node_zones[zi], lru, delta);
      __update_lru_size(k, lv, pgdat.node_zones[zi], lru + LRU_ACTIVE, -delta);
    }
  }
  for (let type = 0; type < ANON_AND_FILE; type++) reset_ctrl_pos(lrugen, type, false);
  lrugen.timestamps[next] = jiffies(k);
  lrugen.max_seq++;
}

/**
 * The aging: walk every mm that ran since the last walk (or none, without LRU_GEN_MM_WALK), then
 * add a generation. Only the walker that finishes the iteration for max_seq increments it; the
 * others report whether someone else did.
 * @kernel mm/vmscan.c try_to_inc_max_seq
 */
export function try_to_inc_max_seq(k: Kernel, lv: lruvec, pgdat: pglist_data, max_seq: number, sc: scan_control, can_swap: boolean, force_scan: boolean): boolean {
  const lrugen = lv.lrugen;
  let success: boolean;
  done: {
    // see the comment in iterate_mm_list()
    if (max_seq <= lv.mm_state.seq) {
      success = false;
      break done;
    }
    // x86 sets the accessed bit in hardware (arch_has_hw_pte_young): walk if the cap allows
    if (!force_scan && (k.lru_gen.caps & (1 << LRU_GEN_MM_WALK)) === 0) {
      success = iterate_mm_list_nowalk(lv, max_seq);
      break done;
    }
    const walk = set_mm_walk(k, null, sc.kswapd);
    if (walk === null) {
      success = iterate_mm_list_nowalk(lv, max_seq);
      break done;
    }
    walk.lruvec = lv;
    walk.max_seq = max_seq;
    walk.can_swap = can_swap;
    walk.force_scan = force_scan;
    const iter = { mm: null as mm_struct | null };
    do {
      success = iterate_mm_list(k, lv, walk, iter, pgdat.node_id);
      if (iter.mm !== null) walk_mm(k, lv, pgdat, iter.mm, walk);
    } while (iter.mm !== null);
  }
  if (!success) {
    // The kernel waits (wait_event_killable on mm_state.wait) at priority <= DEF_PRIORITY - 2
    // for the walker in the middle of the iteration; the model runs one walker at a time, so
    // there is none to wait for.
    return max_seq < lrugen.max_seq;
  }
  inc_max_seq(k, lv, pgdat, can_swap, force_scan);
  return true;
}

/**
 * Whether the aging should add a generation before the eviction goes on: fewer than
 * MIN_NR_GENS + 1 generations, or exactly that many with too many young pages (over 1/2) or too
 * few old ones (under 1/4). Sets out[0] to the pages to scan at this priority (total >> priority).
 * @kernel mm/vmscan.c should_run_aging
 */
function should_run_aging(lv: lruvec, max_seq: number, min_seq0: number, min_seq1: number, sc: scan_control, can_swap: boolean, out: Float64Array): boolean {
  const lrugen = lv.lrugen;
  let old = 0;
  let young = 0;
  let total = 0;
  for (let type = can_swap ? 0 : 1; type < ANON_AND_FILE; type++) {
    for (let seq = type ? min_seq1 : min_seq0; seq <= max_seq; seq++) {
      const gen = lru_gen_from_seq(seq);
      let size = 0;
      for (let zi = 0; zi < MAX_NR_ZONES; zi++) size += Math.max(lrugen.nr_pages[lru_gen_index(gen, type, zi)], 0);
      total += size;
      if (seq === max_seq) young += size;
      else if (seq + MIN_NR_GENS === max_seq) old += size;
    }
  }
  // try to scrape all its memory if this memcg was deleted
  out[0] = lv.memcg === null || lv.memcg.online ? shr(total, sc.priority) : total;
  const min_seq = can_swap ? min_seq0 : min_seq1;
  if (min_seq + MIN_NR_GENS > max_seq) return true;
  if (min_seq + MIN_NR_GENS < max_seq) return false;
  if (young * MIN_NR_GENS > total) return true;
  if (old * (MIN_NR_GENS + 2) < total) return true;
  return false;
}

/**
 * 0 when the lruvec's memcg can swap fewer than MIN_LRU_BATCH more pages (free slots, or what
 * its and its ancestors' memory.swap.max leave: anon cannot be evicted), vm.swappiness
 * otherwise (cgroup v2 has no per-memcg swappiness file; the model's classic reclaim uses
 * vm.swappiness for every memcg too).
 * @kernel mm/vmscan.c get_swappiness
 */
export function get_swappiness(k: Kernel, lv: lruvec | null): number {
  const memcg = lv === null ? null : lv.memcg;
  const nr_swap = memcg === null ? get_nr_swap_pages(k) : mem_cgroup_get_nr_swap_pages(k, memcg);
  if (nr_swap < MIN_LRU_BATCH) return 0;
  return k.vm.swappiness;
}

/**
 * kswapd's aging of one lruvec: add a generation if should_run_aging says so — unless min_ttl
 * protects the oldest generation (born less than min_ttl ago), in which case false.
 * @kernel mm/vmscan.c age_lruvec
 */
function age_lruvec(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, min_ttl: number): boolean {
  const swappiness = get_swappiness(k, lv);
  const lrugen = lv.lrugen;
  const max_seq = lrugen.max_seq;
  const min0 = lrugen.min_seq[0];
  const min1 = lrugen.min_seq[1];
  const memcg = lv.memcg;
  if (memcg !== null) {
    mem_cgroup_calculate_protection(k, null, memcg);
    if (mem_cgroup_below_min(null, memcg)) return false;
  }
  const out = k.lru_gen.out;
  const need_aging = should_run_aging(lv, max_seq, min0, min1, sc, swappiness !== 0, out);
  const nr_to_scan = out[0];
  if (min_ttl) {
    const gen = lru_gen_from_seq(min1);
    const birth = lrugen.timestamps[gen];
    // time_is_after_jiffies(birth + min_ttl)
    if (jiffies(k) < birth + min_ttl) return false;
    // the size is likely too small to be helpful
    if (!nr_to_scan && sc.priority !== DEF_PRIORITY) return false;
  }
  if (need_aging) try_to_inc_max_seq(k, lv, pgdat, max_seq, sc, swappiness !== 0, false);
  return true;
}

/**
 * kswapd's aging pass over the node (kswapd_age_node with MGLRU on), every memcg's lruvec in
 * mem_cgroup_iter's order (the root first, then each subtree in pre-order): skipped on alternate calls
 * while the eviction finds enough to evict without it (memcgs_need_aging); and if min_ttl protects
 * every generation (and this is not for a high-order allocation), the OOM killer is invoked — the
 * working set of the last min_ttl cannot be kept otherwise.
 * @kernel mm/vmscan.c lru_gen_age_node
 */
export function lru_gen_age_node(k: Kernel, pgdat: pglist_data, sc: scan_control): void {
  const min_ttl = k.lru_gen.min_ttl;
  sc.last_reclaimed = sc.nr_reclaimed;
  if (!sc.memcgs_need_aging) {
    sc.memcgs_need_aging = true;
    return;
  }
  const saved = k.lru_gen.walk;
  let success: boolean;
  try {
    set_mm_walk(k, pgdat, sc.kswapd);
    success = age_lruvec(k, pgdat.__lruvec, pgdat, sc, min_ttl);
    if (k.memcg.nr_memcgs !== 0) {
      const memcgs = mem_cgroup_subtree(k, null);
      for (let i = 1; i < memcgs.length; i++) if (age_lruvec(k, memcgs[i].nodeinfo[pgdat.node_id], pgdat, sc, min_ttl)) success = true;
    }
  } finally {
    k.lru_gen.walk = saved; // clear_mm_walk
  }
  // check the order to exclude compaction-induced reclaim
  if (success || !min_ttl || sc.order) return;
  k.mmHooks.out_of_memory(k, { zonelist: [], nodemask: null, memcg: null, gfp_mask: sc.gfp_mask, order: 0 });
}

// ---------------------------------------------------------------------------------------------
// The rmap's look-around
// ---------------------------------------------------------------------------------------------

/**
 * Reclaim's rmap walk found a young PTE (folio_referenced): scan up to MIN_LRU_BATCH PTEs around
 * it in the same PTE table and VMA, clear the young ones and promote their pages to max_seq — a
 * handful directly with folio_activate, otherwise by gen bits (batched in the reclaimer's walk if
 * it has one) — and, if young PTEs were dense, add the PMD entry to the current Bloom filter so
 * the next page-table walk visits it: the feedback from eviction to aging.
 * @kernel mm/vmscan.c lru_gen_look_around
 */
export function lru_gen_look_around(k: Kernel, pfn: number, vma: vm_area_struct, address: number, pte: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) return;
  const pgdat = z.zone_pgdat;
  // the lruvec of the folio's memcg on its node
  const lv = folio_lruvec(k, folio_of(k.mem_map, pfn));
  const memcg_id = lv.memcg_id;
  const g = k.lru_gen;
  // avoid taking the LRU lock under the PTL when possible
  const walk = g.walk;
  const pool = k.pgtables;
  const ent_flags = pool.ent_flags;
  const ent_pfn = pool.ent_pfn;
  const mem = k.mem_map;
  const mflags = mem.flags;
  const blockZone = mem.pageblock_zone;
  let start = Math.max(Math.floor(address / PMD_SIZE) * PMD_SIZE, vma.vm_start);
  let end = Math.min(Math.floor(address / PMD_SIZE) * PMD_SIZE + PMD_SIZE - 1, vma.vm_end - 1) + 1;
  const span = MIN_LRU_BATCH * 4096;
  if (end - start > span) {
    if (address - start < span / 2) end = start + span;
    else if (end - address < span / 2) start = end - span;
    else {
      start = address - span / 2;
      end = address + span / 2;
    }
  }
  const base = pte - (address - start) / 4096;
  const can_swap = walk === null || walk.can_swap;
  const bitmap = g.look_around_bits;
  bitmap.fill(0);
  let young = 0;
  let nbits = 0;
  let new_gen = lru_gen_from_seq(lv.lrugen.max_seq);
  const n = (end - start) / 4096;
  for (let i = 0; i < n; i++) {
    const e = base + i;
    const f = ent_flags[e];
    if ((f & _PAGE_PRESENT) === 0 || (f & _PAGE_SPECIAL) !== 0) continue;
    if ((f & _PAGE_ACCESSED) === 0) continue;
    const pp = ent_pfn[e];
    const zi = blockZone[pp >>> pageblock_order];
    if (zi === 255 || Math.floor(zi / MAX_NR_ZONES) !== pgdat.node_id) continue;
    // get_pfn_folio: the head of a PTE-mapped THP, of the same memcg
    const p = (page_flags(mem, pp) & TAIL) !== 0 ? compound_head(mem, pp) : pp;
    if ((mem.memcg[p] & MEM_CGROUP_ID_MAX) !== memcg_id) continue;
    const pf = mflags[p];
    if ((pf & SWAPBACKED) !== 0 && !can_swap) continue;
    ent_flags[e] = f & ~_PAGE_ACCESSED;
    young++;
    if ((f & _PAGE_DIRTY) !== 0) folio_mark_dirty_young(k, p, pf);
    const old_gen = folio_lru_gen(mem, p);
    if (old_gen < 0) mflags[p] |= REFERENCED;
    else if (old_gen !== new_gen) {
      bitmap[i] = 1;
      nbits++;
    }
  }
  // feedback from rmap walkers to page table walkers
  if (suitable_to_scan(n, young)) {
    const mi = pmd_entry_of(k, vma.vm_mm, address);
    if (mi >= 0) update_bloom_filter(lv, lv.lrugen.max_seq, pmd_item_hash(k, mi));
  }
  // pfn_folio(pte_pfn(pte[i])) again: a THP's PTEs all lead to its head.
  if (walk === null && nbits < PAGEVEC_SIZE) {
    for (let i = 0; i < n; i++) if (bitmap[i]) folio_activate(k, folio_of(mem, ent_pfn[base + i]));
    return;
  }
  if (walk === null) new_gen = lru_gen_from_seq(lv.lrugen.max_seq);
  for (let i = 0; i < n; i++) {
    if (!bitmap[i]) continue;
    const p = folio_of(mem, ent_pfn[base + i]);
    const old_gen = folio_update_gen(k, p, new_gen);
    if (old_gen < 0 || old_gen === new_gen) continue;
    const pz = blockZone[p >>> pageblock_order] % MAX_NR_ZONES;
    const type = type_of(mflags[p]);
    const delta = folio_nr_pages(mem, p);
    if (walk !== null) update_batch_size(walk, type, pz, old_gen, new_gen, delta);
    else lru_gen_update_size(k, lv, pgdat.node_zones[pz], type, old_gen, new_gen, delta);
  }
}

/** The PMD entry (table slot * 512 + index) covering `addr` in `mm`, or -1. */
function pmd_entry_of(k: Kernel, mm: mm_struct, addr: number): number {
  const pool = k.pgtables;
  if (mm.pgd === NO_TABLE) return -1;
  const pud = entry_table(pool, mm.pgd * 512 + pgd_index(addr));
  if (pud === NO_TABLE) return -1;
  const pmd = entry_table(pool, pud * 512 + pud_index(addr));
  return pmd === NO_TABLE ? -1 : pmd * 512 + pmd_index(addr);
}

// ---------------------------------------------------------------------------------------------
// The eviction
// ---------------------------------------------------------------------------------------------

/**
 * Decides about a page at the tail of the oldest generation without isolating it: true when it
 * was moved elsewhere — culled to the unevictable list, a dirty lazyfree page back to anon,
 * promoted by the aging (to the head of its gen's list), protected by its tier (up one
 * generation, counted as protected and as a workingset activation), of a zone this reclaim may
 * not take, or under writeback — false when it should be isolated and reclaimed.
 * @kernel mm/vmscan.c sort_folio
 */
function sort_folio(k: Kernel, lv: lruvec, z: zone, pfn: number, sc: scan_control, tier_idx: number): boolean {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  const gen = folio_lru_gen(mem, pfn);
  const type = type_of(f);
  const zi = z.zone_idx;
  const delta = folio_nr_pages(mem, pfn);
  const refs = folio_lru_refs(mem, pfn);
  const tier = lru_tier_from_refs(refs);
  const lrugen = lv.lrugen;
  // unevictable
  if (!folio_evictable(k, pfn)) {
    lru_gen_del_folio(k, lv, z, pfn, true);
    mem.flags[pfn] |= UNEVICTABLE;
    lruvec_add_folio(k, pfn);
    k.vm_events[UNEVICTABLE_PGCULLED] += delta;
    return true;
  }
  // dirty lazyfree
  if (type === LRU_GEN_FILE && mem.mapping[pfn] < 0 && (f & DIRTY) !== 0) {
    lru_gen_del_folio(k, lv, z, pfn, true);
    mem.flags[pfn] |= SWAPBACKED;
    lruvec_add_folio_tail(k, pfn);
    return true;
  }
  // promoted
  if (gen !== lru_gen_from_seq(lrugen.min_seq[type])) {
    gen_list_move(k, lrugen, pfn, lru_gen_index(gen, type, zi), false);
    return true;
  }
  // protected
  if (tier > tier_idx || refs === 1 << LRU_REFS_WIDTH) {
    const hist = lru_hist_from_seq(lrugen.min_seq[type]);
    const ng = folio_inc_gen(k, lv, z, pfn, false);
    gen_list_move(k, lrugen, pfn, lru_gen_index(ng, type, zi), true);
    lrugen.protected[(hist * ANON_AND_FILE + type) * (MAX_NR_TIERS - 1) + tier - 1] += delta;
    z.zone_pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON + type] += delta;
    return true;
  }
  // ineligible
  if (zi > sc.reclaim_idx) {
    const ng = folio_inc_gen(k, lv, z, pfn, false);
    gen_list_move(k, lrugen, pfn, lru_gen_index(ng, type, zi), true);
    return true;
  }
  // waiting for writeback
  if ((f & (LOCKED | WRITEBACK)) !== 0 || (type === LRU_GEN_FILE && (f & DIRTY) !== 0)) {
    const ng = folio_inc_gen(k, lv, z, pfn, true);
    gen_list_move(k, lrugen, pfn, lru_gen_index(ng, type, zi), false);
    return true;
  }
  return false;
}

/**
 * Takes a page off its generation for reclaim, with a reference — unless this reclaim may not
 * unmap it or write it (no __GFP_IO for a dirty or swap-less anon page). A page not referenced
 * since it was last isolated loses its tier; PG_reclaim and PG_referenced are cleared for
 * shrink_folio_list, which then sees only what the rmap walk finds.
 * @kernel mm/vmscan.c isolate_folio
 */
function isolate_folio(k: Kernel, lv: lruvec, z: zone, pfn: number, sc: scan_control): boolean {
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  // unmapping inhibited
  if (!sc.may_unmap && folio_mapped(mem, pfn)) return false;
  // swapping inhibited
  if (!(sc.may_writepage && (sc.gfp_mask & __GFP_IO) !== 0) && ((f & DIRTY) !== 0 || (mem.mapping[pfn] < 0 && (f & SWAPCACHE) === 0))) return false;
  // raced with release_pages()
  if (mem._refcount[pfn] <= 0) return false;
  // raced with another isolation
  if ((f & LRU) === 0) return false;
  mem._refcount[pfn]++;
  let nf = f & ~LRU;
  // see the comment on MAX_NR_TIERS
  if ((nf & REFERENCED) === 0) {
    nf &= ~LRU_REFS_FLAGS;
    mem.lru_gen_flags[pfn] &= ~LRU_REFS_MASK;
  }
  // for shrink_folio_list()
  nf &= ~(RECLAIM | REFERENCED);
  mem.flags[pfn] = nf;
  lru_gen_del_folio(k, lv, z, pfn, true);
  return true;
}

/**
 * Scans the oldest generation of `type`, zones from reclaim_idx down (and round), sorting pages
 * that need no reclaim and isolating up to MIN_LRU_BATCH onto local list `list` of g.lists.
 * Returns the pages scanned, or 0 when it isolated nothing and could go on (so the caller tries
 * the other type or gives up rather than spin).
 * @kernel mm/vmscan.c scan_folios
 */
function scan_folios(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, type: number, tier: number, lists: Int32Array, list: number): number {
  const lrugen = lv.lrugen;
  if (get_nr_gens(lrugen, type) === MIN_NR_GENS) return 0;
  const links = k.mem_map.lru;
  const gen = lru_gen_from_seq(lrugen.min_seq[type]);
  let sorted = 0;
  let scanned = 0;
  let isolated = 0;
  let remaining = MAX_LRU_BATCH;
  const MOVED = 3;
  for (let i = MAX_NR_ZONES; i > 0; i--) {
    let skipped = 0;
    const zi = (sc.reclaim_idx + i) % MAX_NR_ZONES;
    const h = lru_gen_index(gen, type, zi);
    const z = pgdat.node_zones[zi];
    lists[MOVED] = NO_PFN;
    while (lrugen.folios[h] !== NO_PFN) {
      const pfn = links.prev[lrugen.folios[h]];
      // counted in pages: a THP is 512 of each
      const delta = folio_nr_pages(k.mem_map, pfn);
      scanned += delta;
      if (sort_folio(k, lv, z, pfn, sc, tier)) sorted += delta;
      else if (isolate_folio(k, lv, z, pfn, sc)) {
        links.list_add(lists, list, pfn);
        isolated += delta;
      } else {
        // list_move(&folio->lru, &moved): still on this gen list as far as list_of says
        links.list_move(lrugen.folios, h, lists, MOVED, pfn);
        skipped += delta;
      }
      if (!--remaining || Math.max(isolated, skipped) >= MIN_LRU_BATCH) break;
    }
    if (skipped) {
      links.list_splice(lists, MOVED, lrugen.folios, h);
      k.vm_events[PGSCAN_SKIP_DMA + zi] += skipped;
    }
    if (!remaining || isolated >= MIN_LRU_BATCH) break;
  }
  const item = sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT;
  if (sc.target_mem_cgroup === null) {
    // !cgroup_reclaim(sc)
    k.vm_events[item] += isolated;
    k.vm_events[PGREFILL] += sorted;
  }
  if (lv.memcg !== null) {
    __count_memcg_events(k, lv.memcg, item, isolated);
    __count_memcg_events(k, lv.memcg, PGREFILL, sorted);
  }
  k.vm_events[PGSCAN_ANON + type] += isolated;
  if (sorted) reclaim_cost(k, sorted * RECLAIM_COST.scan_ns);
  // There might not be eligible pages due to reclaim_idx, may_unmap and may_writepage. Check
  // the remaining to prevent livelock if it's not making progress.
  return isolated || !remaining ? scanned : 0;
}

/**
 * The last tier of `type` to evict: the first tier whose refaulted/total exceeds tier 0's (with
 * a gain of 2 against 1 for margin) is protected, and every tier above it.
 * @kernel mm/vmscan.c get_tier_idx
 */
function get_tier_idx(lrugen: lru_gen_struct, type: number, sp: ctrl_pos, pv: ctrl_pos): number {
  read_ctrl_pos(lrugen, type, 0, 1, sp);
  let tier: number;
  for (tier = 1; tier < MAX_NR_TIERS; tier++) {
    read_ctrl_pos(lrugen, type, tier, 2, pv);
    if (!positive_ctrl_err(sp, pv)) break;
  }
  return tier - 1;
}

/**
 * Anon or file: compares the first tiers of the two (weighted by swappiness and 200 -
 * swappiness), and the tiers of the chosen type against the other's first, for the last tier to
 * evict (into out[2]).
 * @kernel mm/vmscan.c get_type_to_scan
 */
function get_type_to_scan(lrugen: lru_gen_struct, swappiness: number, out: Float64Array, sp: ctrl_pos, pv: ctrl_pos): number {
  const gain0 = swappiness;
  const gain1 = 200 - swappiness;
  read_ctrl_pos(lrugen, LRU_GEN_ANON, 0, gain0, sp);
  read_ctrl_pos(lrugen, LRU_GEN_FILE, 0, gain1, pv);
  const type = positive_ctrl_err(sp, pv) ? 1 : 0;
  read_ctrl_pos(lrugen, type ? 0 : 1, 0, type ? gain0 : gain1, sp);
  let tier: number;
  for (tier = 1; tier < MAX_NR_TIERS; tier++) {
    read_ctrl_pos(lrugen, type, tier, type ? gain1 : gain0, pv);
    if (!positive_ctrl_err(sp, pv)) break;
  }
  out[2] = tier - 1;
  return type;
}

/**
 * Picks the type to evict (the obvious choice first: file with swappiness 0, anon if its oldest
 * generation is older, file/anon at swappiness 1/200; else the controller) and scans it, falling
 * back to the other type when nothing could be isolated. The type scanned goes to out[1].
 * @kernel mm/vmscan.c isolate_folios
 */
function isolate_folios(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, swappiness: number, lists: Int32Array, list: number): number {
  const lrugen = lv.lrugen;
  const out = k.lru_gen.out;
  const sp = k.lru_gen.sp;
  const pv = k.lru_gen.pv;
  let type: number;
  let tier = -1;
  if (!swappiness) type = LRU_GEN_FILE;
  else if (lrugen.min_seq[LRU_GEN_ANON] < lrugen.min_seq[LRU_GEN_FILE]) type = LRU_GEN_ANON;
  else if (swappiness === 1) type = LRU_GEN_FILE;
  else if (swappiness === 200) type = LRU_GEN_ANON;
  else {
    type = get_type_to_scan(lrugen, swappiness, out, sp, pv);
    tier = out[2];
  }
  let scanned = 0;
  for (let i = swappiness ? 0 : 1; i < ANON_AND_FILE; i++) {
    if (tier < 0) tier = get_tier_idx(lrugen, type, sp, pv);
    scanned = scan_folios(k, lv, pgdat, sc, type, tier, lists, list);
    if (scanned) break;
    type = type ? 0 : 1;
    tier = -1;
  }
  out[1] = type;
  return scanned;
}

/**
 * One eviction batch: isolate from the oldest generation, move min_seq past emptied generations,
 * reclaim the batch with shrink_folio_list, put the rest back (those rejected for being active,
 * referenced, mapped, locked, dirty or under writeback go to the youngest generation, not the
 * oldest), and retry once the clean ones that may have missed folio_rotate_reclaimable.
 * Returns the pages scanned. out[3] becomes 1 when anon was evicted (need_swapping).
 * @kernel mm/vmscan.c evict_folios
 */
export function evict_folios(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, swappiness: number): number {
  const g = k.lru_gen;
  const lists = g.lists;
  const LIST = 0;
  const CLEAN = 1;
  const FREE = 2;
  lists[LIST] = lists[CLEAN] = lists[FREE] = NO_PFN;
  const mem = k.mem_map;
  const links = mem.lru;
  let scanned = isolate_folios(k, lv, pgdat, sc, swappiness, lists, LIST);
  const type = g.out[1];
  scanned += try_to_inc_min_seq(lv, swappiness !== 0) ? 1 : 0;
  if (get_nr_gens(lv.lrugen, swappiness ? 0 : 1) === MIN_NR_GENS) scanned = 0;
  if (lists[LIST] === NO_PFN) return scanned;
  let skip_retry = false;
  const stat = g.stat;
  for (;;) {
    const reclaimed = shrink_folio_list(k, lists, LIST, pgdat, sc, stat, false);
    sc.nr_reclaimed += reclaimed;
    // list_for_each_entry_safe_reverse: from the tail to the head
    for (let p = links.list_last_entry(lists, LIST); p !== NO_PFN; ) {
      const prev = p === lists[LIST] ? NO_PFN : links.prev[p];
      const f = mem.flags[p];
      if (!folio_evictable(k, p)) {
        links.list_del(lists, LIST, p);
        // folio_putback_lru
        folio_add_lru(k, p);
        put_page(k, p);
      } else if ((f & RECLAIM) !== 0 && (f & (DIRTY | WRITEBACK)) !== 0) {
        // restore LRU_REFS_FLAGS cleared by isolate_folio()
        if ((f & WORKINGSET) !== 0) mem.flags[p] = f | REFERENCED;
      } else if (skip_retry || (f & (ACTIVE | REFERENCED | LOCKED | DIRTY | WRITEBACK)) !== 0 || folio_mapped(mem, p)) {
        // don't add rejected folios to the oldest generation
        mem.flags[p] = (f & ~LRU_REFS_FLAGS) | ACTIVE;
        mem.lru_gen_flags[p] &= ~LRU_REFS_MASK;
      } else {
        // retry folios that may have missed folio_rotate_reclaimable()
        links.list_move(lists, LIST, lists, CLEAN, p);
      }
      p = prev;
    }
    move_folios_to_lru(k, lists, LIST, FREE);
    const walk = g.walk;
    if (walk !== null && walk.batched) reset_batch_size(k, lv, pgdat, walk);
    const item = sc.kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT;
    if (sc.target_mem_cgroup === null) k.vm_events[item] += reclaimed; // !cgroup_reclaim(sc)
    if (lv.memcg !== null) __count_memcg_events(k, lv.memcg, item, reclaimed);
    k.vm_events[PGSTEAL_ANON + type] += reclaimed;
    free_folio_list(k, lists, FREE);
    links.list_splice(lists, CLEAN, lists, LIST);
    if (lists[LIST] === NO_PFN) break;
    skip_retry = true;
  }
  if (type === LRU_GEN_ANON) g.out[3] = 1;
  return scanned;
}

/**
 * How many pages to scan at this priority, aging first when should_run_aging asks for it —
 * except at DEF_PRIORITY, and except in kswapd, which leaves it to lru_gen_age_node. 0: stop.
 * *need_aging goes to k.lru_gen.need_aging.
 * @kernel mm/vmscan.c get_nr_to_scan
 */
function get_nr_to_scan(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control, can_swap: boolean): number {
  const lrugen = lv.lrugen;
  const max_seq = lrugen.max_seq;
  const min0 = lrugen.min_seq[0];
  const min1 = lrugen.min_seq[1];
  const g = k.lru_gen;
  const memcg = lv.memcg;
  if (memcg !== null && (mem_cgroup_below_min(sc.target_mem_cgroup, memcg) || (mem_cgroup_below_low(sc.target_mem_cgroup, memcg) && !sc.memcg_low_reclaim))) return 0;
  const need_aging = should_run_aging(lv, max_seq, min0, min1, sc, can_swap, g.out);
  g.need_aging = need_aging;
  const nr_to_scan = g.out[0];
  if (!need_aging) return nr_to_scan;
  // skip the aging path at the default priority
  if (sc.priority !== DEF_PRIORITY) {
    // leave the work to lru_gen_age_node()
    if (sc.kswapd) return 0;
    if (try_to_inc_max_seq(k, lv, pgdat, max_seq, sc, can_swap, false)) return nr_to_scan;
  }
  return (can_swap ? min0 : min1) + MIN_NR_GENS <= max_seq ? nr_to_scan : 0;
}

/**
 * Stop scanning? Direct reclaim ages each lruvec at most once, stops once it has what it came for
 * after swapping, and lets a task with SIGKILL pending go; kswapd goes on until it has reclaimed
 * nr_to_reclaim this round. Below DEF_PRIORITY - 2, stop once every eligible zone is above its
 * watermark (high for kswapd, low for direct reclaim).
 * @kernel mm/vmscan.c should_abort_scan
 */
function should_abort_scan(k: Kernel, lv: lruvec, pgdat: pglist_data, seq: number, sc: scan_control, need_swapping: boolean): boolean {
  const max_seq = lv.lrugen.max_seq;
  if (!sc.kswapd) {
    // age each memcg at most once to ensure fairness
    if (max_seq - seq > 1) return true;
    // over-swapping can increase allocation latency
    if (sc.nr_reclaimed >= sc.nr_to_reclaim && need_swapping) return true;
    // give this thread a chance to exit and free its memory
    const cur = k.tasks.find(k.currentPid);
    if (cur !== undefined && fatal_signal_pending(cur)) {
      sc.nr_reclaimed += MIN_LRU_BATCH;
      return true;
    }
    if (sc.target_mem_cgroup !== null) return false; // cgroup_reclaim(sc)
  } else if (sc.nr_reclaimed - sc.last_reclaimed < sc.nr_to_reclaim) return false;
  // keep scanning at low priorities to ensure fairness
  if (sc.priority > DEF_PRIORITY - 2) return false;
  for (let i = 0; i <= sc.reclaim_idx && i < MAX_NR_ZONES; i++) {
    const z = pgdat.node_zones[i];
    if (!z.managed_zone()) continue;
    const wmark = sc.kswapd ? high_wmark_pages(z) : low_wmark_pages(z);
    if (wmark > z.vm_stat[NR_FREE_PAGES]) return false;
  }
  sc.nr_reclaimed += MIN_LRU_BATCH;
  return true;
}

/**
 * Reclaim of one lruvec with the multi-gen LRU on (shrink_lruvec's MGLRU branch): evict batches
 * from the oldest generations until this priority's share (total >> priority) is scanned or
 * should_abort_scan says stop, aging as get_nr_to_scan asks.
 * @kernel mm/vmscan.c lru_gen_shrink_lruvec
 */
export function lru_gen_shrink_lruvec(k: Kernel, lv: lruvec, pgdat: pglist_data, sc: scan_control): void {
  const g = k.lru_gen;
  g.need_aging = false;
  let scanned = 0;
  const reclaimed = sc.nr_reclaimed;
  const max_seq = lv.lrugen.max_seq;
  lru_add_drain(k);
  const saved = g.walk;
  try {
    set_mm_walk(k, pgdat, sc.kswapd);
    g.out[3] = 0; // need_swapping
    for (;;) {
      let swappiness: number;
      if (sc.may_swap) swappiness = get_swappiness(k, lv);
      else if (sc.target_mem_cgroup === null && get_swappiness(k, lv)) swappiness = 1; // !cgroup_reclaim(sc)
      else swappiness = 0;
      const nr_to_scan = get_nr_to_scan(k, lv, pgdat, sc, swappiness !== 0);
      if (!nr_to_scan) return;
      const delta = evict_folios(k, lv, pgdat, sc, swappiness);
      if (!delta) return;
      scanned += delta;
      if (scanned >= nr_to_scan) break;
      if (should_abort_scan(k, lv, pgdat, max_seq, sc, g.out[3] !== 0)) break;
    }
    // see the comment in lru_gen_age_node()
    if (sc.nr_reclaimed - reclaimed >= MIN_LRU_BATCH && !g.need_aging) sc.memcgs_need_aging = false;
  } finally {
    g.walk = saved; // clear_mm_walk
  }
}

// ---------------------------------------------------------------------------------------------
// State change
// ---------------------------------------------------------------------------------------------

/** With MGLRU on, the classic evictable lists are empty; off, every generation list is. @kernel mm/vmscan.c state_is_valid */
export function state_is_valid(lv: lruvec): boolean {
  if (lv.lrugen.enabled) {
    for (let lru = 0; lru < 4; lru++) if (lv.lists[lru] !== NO_PFN) return false;
  } else {
    for (let h = 0; h < NR_LISTS; h++) if (lv.lrugen.folios[h] !== NO_PFN) return false;
  }
  return true;
}

/** Moves every page of the classic evictable lists into generations, tail first. @kernel mm/vmscan.c fill_evictable */
function fill_evictable(k: Kernel, lv: lruvec, pgdat: pglist_data): void {
  const links = k.mem_map.lru;
  for (let lru = 0; lru < 4; lru++) {
    while (lv.lists[lru] !== NO_PFN) {
      const pfn = links.prev[lv.lists[lru]];
      lruvec_del_folio(k, pfn);
      const z = pgdat.node_zones[zonenum(k, pfn)];
      if (!lru_gen_add_folio(k, lv, z, pfn, false)) throw new KernelBug("fill_evictable: page refused by lru_gen_add_folio", { pfn });
    }
  }
}

/** Moves every generation page back to the classic lists, by gen, type and zone. @kernel mm/vmscan.c drain_evictable */
function drain_evictable(k: Kernel, lv: lruvec, pgdat: pglist_data): void {
  const links = k.mem_map.lru;
  for (let h = 0; h < NR_LISTS; h++) {
    while (lv.lrugen.folios[h] !== NO_PFN) {
      const pfn = links.prev[lv.lrugen.folios[h]];
      lru_gen_del_folio(k, lv, pgdat.node_zones[h % MAX_NR_ZONES], pfn, false);
      lruvec_add_folio(k, pfn);
    }
  }
}

/**
 * Turns the multi-gen LRU on or off: flips the LRU_GEN_CORE key and, for every lruvec, moves
 * the evictable pages across (pages still in a per-CPU batch join whichever side is on when the
 * batch drains, as in the kernel).
 * @kernel mm/vmscan.c lru_gen_change_state
 */
export function lru_gen_change_state(k: Kernel, enabled: boolean): void {
  if (enabled === lru_gen_enabled(k)) return;
  if (enabled) k.lru_gen.caps |= 1 << LRU_GEN_CORE;
  else k.lru_gen.caps &= ~(1 << LRU_GEN_CORE);
  // mem_cgroup_iter(NULL, …): every memcg, a zombie included (css_tryget succeeds on it)
  for (const memcg of k.memcg.nr_memcgs === 0 ? [null] : mem_cgroup_subtree(k, null)) {
    for (const pgdat of k.node_data) {
      const lv = get_lruvec(k, memcg, pgdat.node_id);
      if (!seq_is_valid(lv.lrugen) || !state_is_valid(lv)) throw new KernelBug("lru_gen_change_state: lruvec in an invalid state", { nid: pgdat.node_id, memcg: mem_cgroup_id(memcg) });
      lv.lrugen.enabled = enabled;
      if (enabled) fill_evictable(k, lv, pgdat);
      else drain_evictable(k, lv, pgdat);
    }
  }
}

/** Are all of the lruvec's generation lists empty (what a memcg must be before it is freed)? */
export function lru_gen_lists_empty(lv: lruvec): boolean {
  for (let h = 0; h < NR_LISTS; h++) if (lv.lrugen.folios[h] !== NO_PFN) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// sysfs: /sys/kernel/mm/lru_gen/{enabled,min_ttl_ms}
// ---------------------------------------------------------------------------------------------

/** min_ttl_ms: jiffies_to_msecs(lru_gen_min_ttl). @kernel mm/vmscan.c show_min_ttl */
export function show_min_ttl(k: Kernel): string {
  return `${k.lru_gen.min_ttl * MSEC_PER_JIFFY}\n`;
}

/** min_ttl_ms = msecs: msecs_to_jiffies rounds up to whole jiffies (1001 ms → 251 → 1004). @kernel mm/vmscan.c store_min_ttl */
export function store_min_ttl(k: Kernel, buf: string): number {
  const msecs = kstrtouint(buf);
  if (typeof msecs !== "number") return -errnoValues.EINVAL;
  k.lru_gen.min_ttl = Math.ceil(msecs / MSEC_PER_JIFFY);
  return 0;
}

/**
 * enabled: the caps as "0x%04x": LRU_GEN_CORE, LRU_GEN_MM_WALK (x86 sets accessed bits in
 * hardware), LRU_GEN_NONLEAF_YOUNG (and in non-leaf PMD entries, outside Xen PV).
 * @kernel mm/vmscan.c show_enabled
 */
export function show_enabled(k: Kernel): string {
  const caps = k.lru_gen.caps & ((1 << NR_LRU_GEN_CAPS) - 1);
  return `0x${caps.toString(16).padStart(4, "0")}\n`;
}

/**
 * enabled = y (all caps), n (none), or a mask (kstrtouint, base 0): each cap is set or cleared;
 * LRU_GEN_CORE through lru_gen_change_state, which moves the pages.
 * @kernel mm/vmscan.c store_enabled
 */
export function store_enabled(k: Kernel, buf: string): number {
  const c = buf.charAt(0).toLowerCase();
  let caps: number;
  if (c === "n") caps = 0;
  else if (c === "y") caps = -1;
  else {
    const v = kstrtouint(buf);
    if (typeof v !== "number") return -errnoValues.EINVAL;
    caps = v;
  }
  for (let i = 0; i < NR_LRU_GEN_CAPS; i++) {
    const on = (caps & (1 << i)) !== 0;
    if (i === LRU_GEN_CORE) lru_gen_change_state(k, on);
    else if (on) k.lru_gen.caps |= 1 << i;
    else k.lru_gen.caps &= ~(1 << i);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// debugfs: /sys/kernel/debug/lru_gen (rw) and lru_gen_full (ro)
// ---------------------------------------------------------------------------------------------

function u10(n: number): string {
  return String(n).padStart(10);
}

/** The tiers' counters and the walk statistics under one generation (the full file only). @kernel mm/vmscan.c lru_gen_seq_show_full */
function lru_gen_seq_show_full(lv: lruvec, max_seq: number, min_seq: Float64Array, seq: number): string {
  const lrugen = lv.lrugen;
  const hist = lru_hist_from_seq(seq);
  let out = "";
  for (let tier = 0; tier < MAX_NR_TIERS; tier++) {
    out += `            ${u10(tier)}`;
    for (let type = 0; type < ANON_AND_FILE; type++) {
      let s = "   ";
      const n = [0, 0, 0];
      const hi = (hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier;
      if (seq === max_seq) {
        s = "RT ";
        n[0] = lrugen.avg_refaulted[type * MAX_NR_TIERS + tier];
        n[1] = lrugen.avg_total[type * MAX_NR_TIERS + tier];
      } else if (seq === min_seq[type] || NR_HIST_GENS > 1) {
        s = "rep";
        n[0] = lrugen.refaulted[hi];
        n[1] = lrugen.evicted[hi];
        if (tier) n[2] = lrugen.protected[(hist * ANON_AND_FILE + type) * (MAX_NR_TIERS - 1) + tier - 1];
      }
      for (let i = 0; i < 3; i++) out += ` ${u10(n[i])}${s[i]}`;
    }
    out += "\n";
  }
  out += "                      ";
  for (let i = 0; i < NR_MM_STATS; i++) {
    let s = "      ";
    let n = 0;
    if (seq === max_seq && NR_HIST_GENS === 1) {
      s = "LOYNFA";
      n = lv.mm_state.stats[hist * NR_MM_STATS + i];
    } else if (seq !== max_seq && NR_HIST_GENS > 1) {
      s = "loynfa";
      n = lv.mm_state.stats[hist * NR_MM_STATS + i];
    }
    out += ` ${u10(n)}${s[i]}`;
  }
  return out + "\n";
}

/**
 * /sys/kernel/debug/lru_gen (full: lru_gen_full): per memcg and node, each generation's seq, age
 * in ms and anon and file pages; the full file from max_seq - 3 with the tiers and walk stats.
 * The memcgs in mem_cgroup_iter's order, each with its path from the cgroup root.
 * @kernel mm/vmscan.c lru_gen_seq_show, lru_gen_seq_start, lru_gen_seq_next
 */
export function lru_gen_seq_show(k: Kernel, full: boolean): string {
  let out = "";
  for (const memcg of k.memcg.nr_memcgs === 0 ? [null] : mem_cgroup_subtree(k, null)) out += lru_gen_seq_show_memcg(k, memcg, full);
  return out;
}

/** One memcg's part of the debugfs file: its line, then each node with memory. */
function lru_gen_seq_show_memcg(k: Kernel, memcg: mem_cgroup | null, full: boolean): string {
  let out = "";
  let first = true;
  for (const pgdat of k.node_data) {
    if (pgdat.node_present_pages === 0) continue;
    const lv = get_lruvec(k, memcg, pgdat.node_id);
    const lrugen = lv.lrugen;
    const max_seq = lrugen.max_seq;
    const min_seq = lrugen.min_seq;
    // the first memory node: "memcg %5hu %s" with the cgroup's path
    if (first) out += `memcg ${String(mem_cgroup_id(memcg) & 0xffff).padStart(5)} ${memcg === null || memcg.id === 0 ? "/" : mem_cgroup_path(memcg)}\n`;
    first = false;
    out += ` node ${String(pgdat.node_id).padStart(5)}\n`;
    let seq = !full ? min_seq[LRU_GEN_ANON] : max_seq >= MAX_NR_GENS ? max_seq - MAX_NR_GENS + 1 : 0;
    const now = jiffies(k);
    for (; seq <= max_seq; seq++) {
      const gen = lru_gen_from_seq(seq);
      const birth = lrugen.timestamps[gen];
      // jiffies_to_msecs(jiffies - birth), an unsigned int
      out += ` ${u10(seq)} ${u10(((now - birth) * MSEC_PER_JIFFY) % 4294967296)}`;
      for (let type = 0; type < ANON_AND_FILE; type++) {
        let size = 0;
        const mark = full && seq < min_seq[type] ? "x" : " ";
        for (let zi = 0; zi < MAX_NR_ZONES; zi++) size += Math.max(lrugen.nr_pages[lru_gen_index(gen, type, zi)], 0);
        out += ` ${u10(size)}${mark}`;
      }
      out += "\n";
      if (full) out += lru_gen_seq_show_full(lv, max_seq, min_seq, seq);
    }
  }
  return out;
}

/** The scan_control lru_gen_seq_write runs commands with. */
export interface lru_gen_cmd_control {
  /** A fresh scan_control (may_writepage, may_unmap, may_swap, reclaim_idx MAX_NR_ZONES - 1, GFP_KERNEL). */
  sc: scan_control;
}

/**
 * "+ memcg_id node_id seq [can_swap [force_scan]]": add a generation if seq is max_seq (a no-op
 * if it is older); -ERANGE when MAX_NR_GENS would be exceeded without force_scan.
 * @kernel mm/vmscan.c run_aging
 */
function run_aging(k: Kernel, lv: lruvec, pgdat: pglist_data, seq: number, sc: scan_control, can_swap: boolean, force_scan: boolean): number {
  const max_seq = lv.lrugen.max_seq;
  const min_seq = lv.lrugen.min_seq;
  if (seq < max_seq) return 0;
  if (seq > max_seq) return -errnoValues.EINVAL;
  if (!force_scan && min_seq[can_swap ? 0 : 1] + MAX_NR_GENS - 1 <= max_seq) return -errnoValues.ERANGE;
  try_to_inc_max_seq(k, lv, pgdat, max_seq, sc, can_swap, force_scan);
  return 0;
}

/**
 * "- memcg_id node_id seq [swappiness [nr_to_reclaim]]": evict generations up to seq, until
 * nr_to_reclaim pages are reclaimed or nothing more can be.
 * @kernel mm/vmscan.c run_eviction
 */
function run_eviction(k: Kernel, lv: lruvec, pgdat: pglist_data, seq: number, sc: scan_control, swappiness: number, nr_to_reclaim: number): number {
  if (seq + MIN_NR_GENS > lv.lrugen.max_seq) return -errnoValues.EINVAL;
  sc.nr_reclaimed = 0;
  for (;;) {
    if (seq < lv.lrugen.min_seq[swappiness ? 0 : 1]) return 0;
    if (sc.nr_reclaimed >= nr_to_reclaim) return 0;
    if (!evict_folios(k, lv, pgdat, sc, swappiness)) return 0;
  }
}

/** @kernel mm/vmscan.c run_cmd */
function run_cmd(k: Kernel, cmd: string, memcg_id: number, nid: number, seq: number, sc: scan_control, swappiness: number, opt: number): number {
  const pgdat = k.node_data[nid];
  if (nid < 0 || pgdat === undefined || pgdat.node_present_pages === 0) return -errnoValues.EINVAL;
  // mem_cgroup_from_id (6.1's ids: the root 1, the model's column id + 1); a freed one is gone
  let memcg: mem_cgroup | null = null;
  if (memcg_id !== 1) {
    const m = memcg_id >= 2 ? k.memcg.byId[memcg_id - 1] : undefined;
    if (m === null || m === undefined || m.released) return -errnoValues.EINVAL;
    memcg = m;
  }
  const lv = get_lruvec(k, memcg, nid);
  if (swappiness < 0) swappiness = get_swappiness(k, lv);
  else if (swappiness > 200) return -errnoValues.EINVAL;
  if (cmd === "+") return run_aging(k, lv, pgdat, seq, sc, swappiness !== 0, opt !== 0);
  if (cmd === "-") return run_eviction(k, lv, pgdat, seq, sc, swappiness, opt < 0 ? Infinity : opt);
  return -errnoValues.EINVAL;
}

/**
 * Parses one command as sscanf(cur, "%c %u %u %lu %n %u %n %lu %n") does: a command character,
 * three unsigned numbers, then up to two optional ones; anything left over is an error. Absent
 * options are -1 (swappiness: the default; opt: force_scan on / no reclaim limit).
 */
function parse_cmd(cur: string): { cmd: string; memcg_id: number; nid: number; seq: number; swappiness: number; opt: number } | null {
  const cmd = cur.charAt(0);
  const rest = cur.slice(1).trim();
  const toks = rest === "" ? [] : rest.split(/\s+/);
  if (toks.length < 3 || toks.length > 5) return null;
  const nums: number[] = [];
  for (const t of toks) {
    // %u / %lu: an optional sign, then decimal digits
    const m = /^([+-]?)(\d+)$/.exec(t);
    if (!m) return null;
    let v = Number(m[2]);
    if (m[1] === "-") v = -v;
    nums.push(v);
  }
  if (nums[0] < 0 || nums[1] < 0 || nums[2] < 0) return null;
  return { cmd, memcg_id: nums[0], nid: nums[1], seq: nums[2], swappiness: nums.length > 3 ? nums[3] : -1, opt: nums.length > 4 ? nums[4] : -1 };
}

/**
 * Writing the debugfs file runs aging and eviction commands, separated by ",", ";" or newlines.
 * The first failing command's errno is the write's.
 * @kernel mm/vmscan.c lru_gen_seq_write
 */
export function lru_gen_seq_write(k: Kernel, buf: string, sc: scan_control): number {
  let err = -errnoValues.EINVAL;
  const saved = k.lru_gen.walk;
  k.reclaim_depth++; // memalloc_noreclaim_save
  try {
    set_mm_walk(k, null, false);
    for (const raw of buf.split(/[,;\n]/)) {
      const cur = raw.replace(/^\s+/, "");
      if (cur === "") continue;
      const c = parse_cmd(cur);
      if (c === null) {
        err = -errnoValues.EINVAL;
        break;
      }
      err = run_cmd(k, c.cmd, c.memcg_id, c.nid, c.seq, sc, c.swappiness, c.opt);
      if (err) break;
    }
  } finally {
    k.reclaim_depth--;
    k.lru_gen.walk = saved;
  }
  return err;
}
