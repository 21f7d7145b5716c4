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
 * packed as 6.1's pack_shadow packs them, without the memcg id (the model has no memcgs), plus
 * one so that 0 can mean "no shadow". Debian's 6.1 (NODES_SHIFT 10, MEM_CGROUP_ID_SHIFT 16) has
 * timestamp_bits = 64 - (2 + 1 + 10 + 16) + 1 = 36, so below 2^36 pages of RAM bucket_order is 0
 * and a timestamp is an exact page count: 36 + 10 + 1 = 47 bits, exact in a double.
 *
 * Simplified: no shadow-node shrinker (WORKINGSET_NODES stays 0, shadows are kept until their
 * slot is reused or freed), no memcg, no MGLRU (lru_gen_eviction/refault).
 * @kernel mm/workingset.c pack_shadow, unpack_shadow, workingset_age_nonresident,
 *   workingset_eviction, workingset_refault, workingset_activation, workingset_init
 */
import type { Kernel } from "../kernel/kernel.js";
import { fls_long } from "../lib/bitops.js";
import { KERN_INFO } from "../kernel/printk.js";
import { F, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
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
  const pgdat = z.zone_pgdat;
  const eviction = Math.floor(pgdat.__lruvec.nonresident_age / 2 ** k.workingset_bucket_order);
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
  const mem = k.mem_map;
  const file = (mem.flags[pfn] & F(PG_swapbacked)) === 0;
  const v = shadow - 1;
  const workingset = v % 2 === 1;
  const rest = Math.floor(v / 2);
  const nid = rest % 2 ** NODES_SHIFT;
  const eviction = Math.floor(rest / 2 ** NODES_SHIFT) * 2 ** k.workingset_bucket_order;
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
