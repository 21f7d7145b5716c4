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
 * Shadow nodes. A page cache mapping's xa_nodes are radix_tree_node slab objects
 * (`workingset_state` is the page cache's and the swap cache's xa_node_owner: xas_alloc's
 * GFP_NOWAIT | __GFP_NOWARN, with __GFP_ACCOUNT for a mapping's XA_FLAGS_ACCOUNT tree, so a
 * node is charged to the memcg of the task whose read or write made it). A leaf that comes to
 * hold only shadows goes on the shadow_nodes list_lru of its object's node and counts in
 * WORKINGSET_NODES (workingset_update_node); a folio stored into it takes it off again. The
 * "mm-shadow" shrinker (seeks 0: half the excess is asked for each pass) frees the oldest such
 * leaves with their shadows (shadow_lru_isolate: WORKINGSET_NODERECLAIM) once there are more
 * than count_shadow_nodes' limit: the lruvec's pages >> 3 — one node of 64 slots per 8 pages,
 * the worst density the kernel keeps (1/8th); e.g. 100 000 LRU pages allow 12 500 shadow nodes,
 * 800 000 shadow slots. Reclaim runs it from shrink_slab with the root memcg, so the pages are
 * the root's own (the node's LRU pages less those charged to its child memcgs; its slab counts
 * nothing, as the root has no objcg). drop_caches=2 runs it too, at priority 0: below the limit
 * it frees nothing, as on the real kernel.
 *
 * Simplified: a node's allocation that fails (GFP_NOWAIT: no memory without reclaim, or a memcg
 * at its limit) leaves the node without its object, where 6.1 retries with reclaim outside the
 * lock (xas_nomem); objects are freed at once, not after an RCU grace period; the shadow list
 * and WORKINGSET_NODES/WORKINGSET_NODERECLAIM are per node only (6.1's list_lru and counters are
 * also per memcg, so memory.stat's workingset_nodereclaim stays 0, and the shrinker only runs in
 * the global path, shrinker.ts); the classic shadows carry no memcg id and age by the node's clock
 * (the kernel's age every lruvec up the hierarchy); MGLRU's shadows carry no memcg id either:
 * lru_gen_eviction and lru_gen_refault use the folio's own memcg's lruvec, where 6.1 ignores a
 * refault charged to another memcg than the one that evicted the page (a file page read back by
 * a task of another group; a swapped page comes back to its own memcg in both).
 * @kernel mm/workingset.c pack_shadow, unpack_shadow, workingset_age_nonresident,
 *   workingset_eviction, workingset_refault, workingset_activation, workingset_init,
 *   lru_gen_eviction, lru_gen_refault, workingset_update_node, count_shadow_nodes,
 *   shadow_lru_isolate, scan_shadow_nodes
 * @kernel lib/xarray.c xas_alloc, xa_node_free
 * @kernel mm/list_lru.c list_lru_add, list_lru_del, list_lru_shrink_count, __list_lru_walk_one
 */
import type { Kernel } from "../kernel/kernel.js";
import { KernelBug } from "../kernel/bug.js";
import { fls_long, pow2, shr } from "../lib/bitops.js";
import { KERN_INFO } from "../kernel/printk.js";
import { XA_CHUNK_SHIFT, XA_FLAGS_ACCOUNT, xa_chunk_count, xa_chunk_nr_values, xa_delete_leaf, xa_leaf_obj, type xa_node_owner, type xarray } from "../lib/xarray.js";
import { inode_add_lru } from "../fs/dcache.js";
import { GFP_NOWAIT, __GFP_ACCOUNT, __GFP_NOWARN } from "./gfp.js";
import { kmem_cache_alloc, kmem_cache_free } from "./slab_common.js";
import { slab_nid, virt_to_head_pfn } from "./slub.js";
import { register_shrinker, shrinker, SHRINKER_MEMCG_AWARE, SHRINKER_NUMA_AWARE, SHRINK_EMPTY, type shrink_control, type shrinker_operations } from "./shrinker.js";
import { F, LRU_REFS_MASK, LRU_REFS_WIDTH, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
import { folio_lru_refs, lru_gen_enabled, lru_gen_in_fault, lru_hist_from_seq, lru_tier_from_refs } from "./lru_gen.js";
import { folio_lruvec } from "./mm_inline.js";
import { ANON_AND_FILE, MAX_NR_TIERS, NR_LRU_LISTS } from "./mmzone.js";
import { lruvec_page_state } from "./memcontrol.js";
import { lru_note_cost_folio } from "./swap.js";
import { mod_page_node_state } from "./rmap.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, WORKINGSET_ACTIVATE_ANON, WORKINGSET_NODERECLAIM, WORKINGSET_NODES, WORKINGSET_REFAULT_ANON, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";

/** BITS_PER_LONG - EVICTION_SHIFT on Debian's 6.1 x86-64 build. */
export const timestamp_bits = 36;
const NODES_SHIFT = 10;
const EVICTION_MASK = 2 ** timestamp_bits;
// The shifts as factors, computed once: V8 does not fold `2 ** NAME` inside a function (a call
// of Math.pow, ~80 ns, on every eviction and refault).
const NODES_SIZE = 2 ** NODES_SHIFT;
const LRU_REFS_SIZE = 2 ** LRU_REFS_WIDTH;
const PAGES_PER_SHADOW_NODE = 2 ** (XA_CHUNK_SHIFT - 3);

/**
 * Sizes the shadow timestamp granularity for this much RAM and logs it, as the boot does.
 * @kernel mm/workingset.c workingset_init
 */
export function workingset_init(k: Kernel, totalram_pages: number): void {
  const max_order = fls_long(totalram_pages - 1);
  const bucket_order = max_order > timestamp_bits ? max_order - timestamp_bits : 0;
  k.workingset_bucket_order = bucket_order;
  k.log.printk(KERN_INFO, `workingset: timestamp_bits=${timestamp_bits} max_order=${max_order} bucket_order=${bucket_order}`);
  // prealloc_shrinker, __list_lru_init(&shadow_nodes), register_shrinker_prepared
  register_shrinker(k, k.workingset.workingset_shadow_shrinker);
}

// ---------------------------------------------------------------------------------------------
// xa_nodes as slab objects, and the shadow nodes (see the header)
// ---------------------------------------------------------------------------------------------

/**
 * The page cache's and the swap cache's xa_node_owner and mm/workingset.c's statics: the
 * shadow_nodes list_lru (per node, oldest first: a Map from leaf to its xarray, in insertion
 * order, as list_lru_add appends) and the shadow shrinker.
 */
export class workingset_state implements xa_node_owner {
  /** shadow_nodes: per node id, the leaves holding only shadows, oldest first. */
  readonly shadow_nodes: Map<Int32Array, xarray>[] = [];
  /** workingset_shadow_shrinker: seeks 0 (count_objects reports only expendable nodes). */
  readonly workingset_shadow_shrinker = new shrinker(workingset_shadow_shrinker_ops, 0, 0, SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE, null);
  constructor(readonly k: Kernel) {}

  /** @kernel lib/xarray.c xas_alloc */
  node_alloc(xa: xarray): number {
    const k = this.k;
    const s = k.slab.cachep.radix_tree_node_cachep;
    if (s === null) return 0;
    const gfp = GFP_NOWAIT | __GFP_NOWARN | (xa.xa_flags & XA_FLAGS_ACCOUNT ? __GFP_ACCOUNT : 0);
    return kmem_cache_alloc(k, s, gfp, "xas_alloc");
  }

  /** @kernel lib/xarray.c xa_node_free */
  node_free(_xa: xarray, obj: number): void {
    const s = this.k.slab.cachep.radix_tree_node_cachep;
    if (s === null) throw new KernelBug("xa_node_free: radix_tree_node cache gone", { obj });
    kmem_cache_free(this.k, s, obj, "radix_tree_node_rcu_free");
  }

  /** @kernel mm/workingset.c workingset_update_node */
  shadow_list(xa: xarray, c: Int32Array, on: boolean): void {
    const k = this.k;
    const nid = obj_nid(k, xa_leaf_obj(c));
    const list = shadow_list_of(this, nid);
    if (on) list.set(c, xa);
    else list.delete(c);
    k.node_data[nid].vm_stat[WORKINGSET_NODES] += on ? 1 : -1;
  }
}

/** The node of the slab page holding object `obj` (list_lru's page_to_nid(virt_to_page())); 0 for none. */
function obj_nid(k: Kernel, obj: number): number {
  if (obj === 0) return 0;
  const pfn = virt_to_head_pfn(k, obj);
  return pfn < 0 ? 0 : slab_nid(k, pfn);
}

function shadow_list_of(ws: workingset_state, nid: number): Map<Int32Array, xarray> {
  const lists = ws.shadow_nodes;
  while (lists.length <= nid) lists.push(new Map());
  return lists[nid];
}

/**
 * The root memcg's own pages on node `nid`, as count_shadow_nodes reads them for shrink_slab's
 * sc->memcg (root_mem_cgroup in the global path): its lruvec's local LRU counts — the node's
 * LRU pages less those of its child memcgs' subtrees — and its local slab, which is 0 (the root
 * has no objcg).
 * @kernel mm/workingset.c count_shadow_nodes
 */
function root_lruvec_pages(k: Kernel, nid: number): number {
  const pgdat = k.node_data[nid];
  let pages = 0;
  for (let i = 0; i < NR_LRU_LISTS; i++) pages += pgdat.vm_stat[NR_INACTIVE_ANON + i];
  for (const memcg of k.memcg.byId) {
    if (memcg === null || memcg.parent !== k.memcg.root_mem_cgroup) continue;
    const lv = memcg.nodeinfo[nid];
    if (lv === undefined) continue;
    for (let i = 0; i < NR_LRU_LISTS; i++) pages -= lruvec_page_state(lv, pgdat, NR_INACTIVE_ANON + i);
  }
  return Math.max(pages, 0);
}

/**
 * The shadow nodes over the limit: pages >> (XA_CHUNK_SHIFT - 3), a node per 8 pages.
 * @kernel mm/workingset.c count_shadow_nodes
 */
function count_shadow_nodes(k: Kernel, _s: shrinker, sc: shrink_control): number {
  const list = k.workingset.shadow_nodes[sc.nid];
  const nodes = list === undefined ? 0 : list.size;
  if (nodes === 0) return SHRINK_EMPTY;
  const max_nodes = Math.floor(root_lruvec_pages(k, sc.nid) / PAGES_PER_SHADOW_NODE);
  return nodes <= max_nodes ? 0 : nodes - max_nodes;
}

/**
 * Frees up to nr_to_scan of the oldest shadow nodes: each comes off the list, its shadows and
 * the node go (xa_delete_node, with the parents that empties), WORKINGSET_NODERECLAIM counts it,
 * and an inode left with nothing in its page cache may join its LRU.
 * @kernel mm/workingset.c scan_shadow_nodes, shadow_lru_isolate
 * @kernel mm/list_lru.c __list_lru_walk_one
 */
function scan_shadow_nodes(k: Kernel, _s: shrinker, sc: shrink_control): number {
  const list = k.workingset.shadow_nodes[sc.nid];
  if (list === undefined) return 0;
  const pgdat = k.node_data[sc.nid];
  let nr_to_walk = sc.nr_to_scan;
  let isolated = 0;
  // LRU_REMOVED_RETRY restarts the walk from the head: always the first entry.
  while (nr_to_walk > 0 && list.size > 0) {
    nr_to_walk--;
    const [c, xa] = list.entries().next().value as [Int32Array, xarray];
    list.delete(c); // list_lru_isolate
    pgdat.vm_stat[WORKINGSET_NODES]--;
    isolated++;
    const count = xa_chunk_count(c);
    if (count === 0 || count !== xa_chunk_nr_values(c)) throw new KernelBug("shadow_lru_isolate: a listed node holds folios", { count, nr_values: xa_chunk_nr_values(c) });
    xa_delete_leaf(xa, c);
    pgdat.vm_stat[WORKINGSET_NODERECLAIM]++;
    const mapping = k.vfs.mappings.get(xa.mapping_id);
    if (mapping !== undefined && mapping.host !== null) inode_add_lru(k, mapping.host);
  }
  return isolated;
}

/** workingset_shadow_shrinker's code. */
export const workingset_shadow_shrinker_ops: shrinker_operations = Object.freeze({
  name: "scan_shadow_nodes",
  count_objects: count_shadow_nodes,
  scan_objects: scan_shadow_nodes,
});

/** @kernel mm/workingset.c pack_shadow (without the memcg id; +1 so 0 means none) */
function pack_shadow(nid: number, eviction: number, workingset: boolean): number {
  return ((eviction % EVICTION_MASK) * NODES_SIZE + nid) * 2 + (workingset ? 1 : 0) + 1;
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
  const nid = rest % NODES_SIZE;
  const eviction = Math.floor(rest / NODES_SIZE) * pow2(k.workingset_bucket_order);
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
  const token = min_seq * LRU_REFS_SIZE + Math.max(refs - 1, 0);
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
  const nid = rest % NODES_SIZE;
  const token = Math.floor(rest / NODES_SIZE);
  const z = k.page_zone(pfn);
  if (z === undefined || z.zone_pgdat.node_id !== nid) return;
  const pgdat = z.zone_pgdat;
  // mem_cgroup_lruvec(folio_memcg(folio), pgdat); see the header for the memcg id check
  const lrugen = folio_lruvec(k, pfn).lrugen;
  const min_seq = lrugen.min_seq[type];
  // (token >> LRU_REFS_WIDTH) != (min_seq & (EVICTION_MASK >> LRU_REFS_WIDTH))
  if (Math.floor(token / LRU_REFS_SIZE) !== min_seq % (EVICTION_MASK / LRU_REFS_SIZE)) return;
  const hist = lru_hist_from_seq(min_seq);
  const refs = (token % LRU_REFS_SIZE) + workingset;
  const tier = lru_tier_from_refs(refs);
  lrugen.refaulted[(hist * ANON_AND_FILE + type) * MAX_NR_TIERS + tier]++;
  pgdat.vm_stat[WORKINGSET_REFAULT_ANON + type]++;
  if (lru_gen_in_fault(k) || refs >= LRU_REFS_SIZE - 1) {
    mem.lru_gen_flags[pfn] |= LRU_REFS_MASK;
    mem.flags[pfn] |= F(PG_workingset);
    pgdat.vm_stat[WORKINGSET_RESTORE_ANON + type]++;
  }
}
