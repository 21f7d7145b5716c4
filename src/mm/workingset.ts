/**
 * Workingset detection: when reclaim evicts a page it leaves a shadow entry in the page's slot
 * (the swap cache slot for anon pages, the page cache slot for file pages) stamped with the
 * lruvec's nonresident_age clock. When the page faults back in, the refault distance — how many
 * evictions and activations happened meanwhile — tells whether it would have stayed resident had
 * the active list given up that much room: if the distance fits in the workingset, the page comes
 * back active (workingset_activate), and if it was part of the workingset when evicted,
 * workingset_restore counts it and its reclaim cost is charged (lru_note_cost).
 *
 * A shadow is a plain number here: the eviction timestamp, the node and the workingset bit
 * packed as 6.1's pack_shadow packs them, without the memcg id (see below), plus
 * one so that 0 can mean "no shadow". Debian's 6.1 (NODES_SHIFT 10, MEM_CGROUP_ID_SHIFT 16) has
 * timestamp_bits = 64 - (2 + 1 + 10 + 16) + 1 = 36, so below 2^36 pages of RAM bucket_order is 0
 * and a timestamp is an exact page count: 36 + 10 + 1 = 47 bits, exact in a double.
 *
 * With the multi-gen LRU on, a shadow carries a token instead: the evicted page's min_seq and its
 * tier's refs (lru_gen_eviction), and a refault counts only if the page's type still has the same
 * oldest generation — a refault from the generation being evicted now (lru_gen_refault). That is
 * why the real mg-thrash run shows 87 workingset_refault_anon against 98.6k swap-ins.
 *
 * Simplified: no shadow-node shrinker (WORKINGSET_NODES stays 0, shadows are kept until their
 * slot is reused or freed); the classic shadows carry no memcg id and age by the node's clock
 * (the kernel's age every lruvec up the hierarchy); MGLRU's shadows carry no memcg id either:
 * lru_gen_eviction and lru_gen_refault use the folio's own memcg's lruvec, where 6.1 ignores a
 * refault charged to another memcg than the one that evicted the page (a file page read back by
 * a task of another group; a swapped page comes back to its own memcg in both).
 * @kernel mm/workingset.c pack_shadow, unpack_shadow, workingset_age_nonresident,
 *   workingset_eviction, workingset_refault, workingset_activation, workingset_init,
 *   lru_gen_eviction, lru_gen_refault
 */
import type { Kernel } from "../kernel/kernel.js";
import { fls_long, pow2, shr } from "../lib/bitops.js";
import { KERN_INFO } from "../kernel/printk.js";
import { F, LRU_REFS_MASK, LRU_REFS_WIDTH, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
import { folio_lru_refs, lru_gen_enabled, lru_gen_in_fault, lru_hist_from_seq, lru_tier_from_refs } from "./lru_gen.js";
import { folio_lruvec } from "./mm_inline.js";
import { ANON_AND_FILE, MAX_NR_TIERS } from "./mmzone.js";
import { lru_note_cost_folio } from "./swap.js";
import { mod_page_node_state } from "./rmap.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, WORKINGSET_ACTIVATE_ANON, WORKINGSET_REFAULT_ANON, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";

/** BITS_PER_LONG - EVICTION_SHIFT on Debian's 6.1 x86-64 build. */
export const timestamp_bits = 36;
const NODES_SHIFT = 10;
const EVICTION_MASK = 2 ** timestamp_bits;

/**
 * Sizes the shadow timestamp granularity for this much RAM and logs it, as the boot does.
 * @kernel mm/workingset.c workingset_init
 */
export function workingset_init(k: Kernel, totalram_pages: number): void {
  const max_order = fls_long(totalram_pages - 1);
  const bucket_order = max_order > timestamp_bits ? max_order - timestamp_bits : 0;
  k.workingset_bucket_order = bucket_order;
  k.log.printk(KERN_INFO, `workingset: timestamp_bits=${timestamp_bits} max_order=${max_order} bucket_order=${bucket_order}`);
}

/** @kernel mm/workingset.c pack_shadow (without the memcg id; +1 so 0 means none) */
function pack_shadow(nid: number, eviction: number, workingset: boolean): number {
  return ((eviction % EVICTION_MASK) * 2 ** NODES_SHIFT + nid) * 2 + (workingset ? 1 : 0) + 1;
}

/** The lruvec clock advances: pages were evicted or activated. @kernel mm/workingset.c workingset_age_nonresident */
export function workingset_age_nonresident(k: Kernel, nid: number, nr_pages: number): void {
  k.node_data[nid].__lruvec.nonresident_age += nr_pages;
}

/**
 * The shadow of a page reclaim is evicting (off the LRU, no references left): the lruvec's clock
 * now, then the clock ticks for this eviction.
 * @kernel mm/workingset.c workingset_eviction
 */
export function workingset_eviction(k: Kernel, pfn: number): number {
  const z = k.page_zone(pfn);
  if (z === undefined) return 0;
  if (lru_gen_enabled(k)) return lru_gen_eviction(k, pfn, z.zone_pgdat.node_id);
  const pgdat = z.zone_pgdat;
  const eviction = shr(pgdat.__lruvec.nonresident_age, k.workingset_bucket_order);
  pgdat.__lruvec.nonresident_age += 1;
  return pack_shadow(pgdat.node_id, eviction, (k.mem_map.flags[pfn] & F(PG_workingset)) !== 0);
}

/**
 * A page read back in for a slot that held `shadow`: count the refault, and activate the page if
 * its refault distance fits in the workingset (set PG_active before it joins the LRU, so the
 * caller's folio_add_lru puts it on the active list).
 * @kernel mm/workingset.c workingset_refault
 */
export function workingset_refault(k: Kernel, pfn: number, shadow: number): void {
  if (shadow <= 0) return;
  if (lru_gen_enabled(k)) {
    lru_gen_refault(k, pfn, shadow);
    return;
  }
  const mem = k.mem_map;
  const file = (mem.flags[pfn] & F(PG_swapbacked)) === 0;
  const v = shadow - 1;
  const workingset = v % 2 === 1;
  const rest = Math.floor(v / 2);
  const nid = rest % 2 ** NODES_SHIFT;
  const eviction = Math.floor(rest / 2 ** NODES_SHIFT) * pow2(k.workingset_bucket_order);
  const eviction_pgdat = k.node_data[nid];
  if (eviction_pgdat === undefined) return;
  const refault = eviction_pgdat.__lruvec.nonresident_age;
  // (refault - eviction) & EVICTION_MASK: the clock may have wrapped since.
  const refault_distance = (((refault - eviction) % EVICTION_MASK) + EVICTION_MASK) % EVICTION_MASK;

  const z = k.page_zone(pfn);
  if (z === undefined) return;
  const pgdat = z.zone_pgdat;
  const ft = file ? 1 : 0;
  // mod_lruvec_state: the node's counter and the memcg's the page is charged to.
  mod_page_node_state(k, pfn, WORKINGSET_REFAULT_ANON + ft, 1);

  // Compare against everything that could have made room: the active file list, the inactive
  // file list for anon refaults, and the anon lists when swap could take anon.
  const es = eviction_pgdat.vm_stat;
  let workingset_size = es[NR_ACTIVE_FILE];
  if (!file) workingset_size += es[NR_INACTIVE_FILE];
  if (k.nr_swap_pages > 0) {
    workingset_size += es[NR_ACTIVE_ANON];
    if (file) workingset_size += es[NR_INACTIVE_ANON];
  }
  if (refault_distance > workingset_size) return;

  mem.flags[pfn] |= F(PG_active);
  pgdat.__lruvec.nonresident_age += 1;
  mod_page_node_state(k, pfn, WORKINGSET_ACTIVATE_ANON + ft, 1);
  if (workingset) {
    mem.flags[pfn] |= F(PG_workingset);
    lru_note_cost_folio(k, pfn);
    mod_page_node_state(k, pfn, WORKINGSET_RESTORE_ANON + ft, 1);
  }
}

/**
 * MGLRU's shadow: token = (min_seq of the page's type << LRU_REFS_WIDTH) | (refs - 1, at least 0),
 * the workingset bit meaning refs > 0; the page counts as evicted from its tier.
 * @kernel mm/workingset.c lru_gen_eviction
 */
function lru_gen_eviction(k: Kernel, pfn: number, nid: number): number {
  const f = k.mem_map.flags[pfn];
  const type = (f & F(PG_swapbacked)) === 0 ? 1 : 0;
  const refs = folio_lru_refs(k.mem_map, pfn);
  const tier = lru_tier_from_refs(refs);
  // mem_cgroup_lruvec(folio_memcg(folio), pgdat)
  const lrugen = folio_lruvec(k, pfn).lrugen;
  const min_seq = lrugen.min_seq[type];
  const token = min_seq * 2 ** LRU_REFS_WIDTH + Math.max(refs - 1, 0);
  const hist = lru_hist_from_seq(min_seq);
  lrugen.evicted[(hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier]++;
  return pack_shadow(nid, token, refs !== 0);
}

/**
 * MGLRU's refault: counted (refaulted[tier], WORKINGSET_REFAULT) only when the page's type still
 * has the oldest generation it was evicted from. Pages faulted back through page tables, or read
 * often enough through file descriptors that sort_folio would have protected them, are stalls:
 * they come back in the top tier (all refs bits and PG_workingset) and count as restores.
 * @kernel mm/workingset.c lru_gen_refault
 */
function lru_gen_refault(k: Kernel, pfn: number, shadow: number): void {
  const mem = k.mem_map;
  const type = (mem.flags[pfn] & F(PG_swapbacked)) === 0 ? 1 : 0;
  const v = shadow - 1;
  const workingset = v % 2 === 1 ? 1 : 0;
  const rest = Math.floor(v / 2);
  const nid = rest % 2 ** NODES_SHIFT;
  const token = Math.floor(rest / 2 ** NODES_SHIFT);
  const z = k.page_zone(pfn);
  if (z === undefined || z.zone_pgdat.node_id !== nid) return;
  const pgdat = z.zone_pgdat;
  // mem_cgroup_lruvec(folio_memcg(folio), pgdat); see the header for the memcg id check
  const lrugen = folio_lruvec(k, pfn).lrugen;
  const min_seq = lrugen.min_seq[type];
  // (token >> LRU_REFS_WIDTH) != (min_seq & (EVICTION_MASK >> LRU_REFS_WIDTH))
  if (Math.floor(token / 2 ** LRU_REFS_WIDTH) !== min_seq % (EVICTION_MASK / 2 ** LRU_REFS_WIDTH)) return;
  const hist = lru_hist_from_seq(min_seq);
  const refs = (token % 2 ** LRU_REFS_WIDTH) + workingset;
  const tier = lru_tier_from_refs(refs);
  lrugen.refaulted[(hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier]++;
  pgdat.vm_stat[WORKINGSET_REFAULT_ANON + type]++;
  if (lru_gen_in_fault(k) || refs >= 2 ** LRU_REFS_WIDTH - 1) {
    mem.lru_gen_flags[pfn] |= LRU_REFS_MASK;
    mem.flags[pfn] |= F(PG_workingset);
    pgdat.vm_stat[WORKINGSET_RESTORE_ANON + type]++;
  }
}
