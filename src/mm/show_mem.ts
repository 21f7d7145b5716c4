/**
 * show_mem: the "Mem-Info:" block the OOM killer (and sysrq-m, and warn_alloc) prints — the
 * global page counts, one line per node, one line per zone with its watermarks and
 * lowmem_reserve[], the buddy free lists per order with the migratetypes that have blocks
 * ("1*4kB (M)"), hugepages per node, the page cache, swap, and the RAM/reserved page totals.
 *
 * Returned as the list of lines printk would log (each printk with embedded newlines logs its
 * lines at one timestamp, so callers print them one by one or joined).
 *
 * @kernel lib/show_mem.c __show_mem
 * @kernel mm/page_alloc.c __show_free_areas, show_migration_types, show_mem_node_skip, node_has_managed_zones
 * @kernel mm/hugetlb.c hugetlb_show_meminfo_node
 * @kernel mm/swap_state.c show_swap_cache_info
 *
 * "all_unreclaimable?" is yes once kswapd has failed MAX_RECLAIM_RETRIES (16) balance_pgdat runs
 * in a row on the node (pgdat->kswapd_failures), as in the real w3a report and its reproduction.
 *
 * Simplified: only the 2 MiB hstate exists (QEMU's default CPU has no
 * 1 GiB pages), as in the real w3a report. CONFIG_CMA is off in Debian's config, so no
 * "pages cma reserved" line; CONFIG_MEMORY_FAILURE is on, so "pages hwpoisoned" is printed.
 */
import type { Kernel } from "../kernel/kernel.js";
import { high_wmark_pages, low_wmark_pages, MAX_NR_ZONES, MIGRATE_TYPES, min_wmark_pages, type pglist_data, type zone } from "./mmzone.js";
import { deferred_nr_free } from "./mm_init.js";
import { MAX_RECLAIM_RETRIES } from "./vmscan.js";
import { K, MAX_ORDER, NO_PFN } from "./types.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_ANON_THPS,
  NR_BOUNCE,
  NR_FILE_DIRTY,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FREE_CMA_PAGES,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  NR_KERNEL_MISC_RECLAIMABLE,
  NR_KERNEL_STACK_KB,
  NR_MLOCK,
  NR_PAGETABLE,
  NR_SECONDARY_PAGETABLE,
  NR_SHMEM,
  NR_SHMEM_PMDMAPPED,
  NR_SHMEM_THPS,
  NR_SLAB_RECLAIMABLE_B,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_SWAPCACHE,
  NR_UNEVICTABLE,
  NR_WRITEBACK,
  NR_WRITEBACK_TEMP,
  NR_ZONE_ACTIVE_ANON,
  NR_ZONE_ACTIVE_FILE,
  NR_ZONE_INACTIVE_ANON,
  NR_ZONE_INACTIVE_FILE,
  NR_ZONE_UNEVICTABLE,
  NR_ZONE_WRITE_PENDING,
} from "./vmstat_items.js";
import { global_node_page_state, global_zone_page_state } from "./vmstat.js";

/** SHOW_MEM_FILTER_NODES: only nodes the nodemask (or current's cpuset) allows. */
export const SHOW_MEM_FILTER_NODES = 0x0001;


/** Migratetype letters in enum order: Unmovable, Movable, Reclaimable, HighAtomic, (CMA off), Isolate. */
const MIGRATE_LETTERS = Object.freeze(["U", "M", "E", "H", "I"]);

/** show_migration_types: "(UM) " for a types mask with Unmovable and Movable blocks. */
export function show_migration_types(types: number): string {
  let s = "";
  for (let i = 0; i < MIGRATE_TYPES; i++) if (types & (1 << i)) s += MIGRATE_LETTERS[i] ?? "";
  return `(${s}) `;
}

/** show_mem_node_skip: with SHOW_MEM_FILTER_NODES, nodes outside the mask (null: current's mems_allowed, every node here). */
function show_mem_node_skip(filter: number, nid: number, nodemask: readonly number[] | null): boolean {
  if (!(filter & SHOW_MEM_FILTER_NODES)) return false;
  if (nodemask === null) return false;
  return !nodemask.includes(nid);
}

function node_has_managed_zones(pgdat: pglist_data, max_zone_idx: number): boolean {
  for (let i = 0; i <= max_zone_idx && i < MAX_NR_ZONES; i++) if (pgdat.node_zones[i].managed_pages) return true;
  return false;
}

function zone_free_pcp(z: zone): number {
  let n = 0;
  for (const pcp of z.per_cpu_pageset) n += pcp.count;
  return n;
}

/** The populated zones in for_each_populated_zone order (node-major, zone index ascending). */
function populated_zones(k: Kernel): zone[] {
  return k.zones.filter((z) => z.populated_zone());
}

/**
 * __show_free_areas: everything from "active_anon:" to the swap lines.
 * @kernel mm/page_alloc.c __show_free_areas
 */
export function __show_free_areas(k: Kernel, filter: number, nodemask: readonly number[] | null, max_zone_idx: number): string[] {
  const out: string[] = [];
  const zones = populated_zones(k).filter((z) => z.zone_idx <= max_zone_idx && !show_mem_node_skip(filter, z.node, nodemask));
  let free_pcp = 0;
  for (const z of zones) free_pcp += zone_free_pcp(z);
  const g = (item: number): number => global_node_page_state(k, item);
  out.push(
    `active_anon:${g(NR_ACTIVE_ANON)} inactive_anon:${g(NR_INACTIVE_ANON)} isolated_anon:${g(NR_ISOLATED_ANON)}`,
    ` active_file:${g(NR_ACTIVE_FILE)} inactive_file:${g(NR_INACTIVE_FILE)} isolated_file:${g(NR_ISOLATED_FILE)}`,
    ` unevictable:${g(NR_UNEVICTABLE)} dirty:${g(NR_FILE_DIRTY)} writeback:${g(NR_WRITEBACK)}`,
    ` slab_reclaimable:${g(NR_SLAB_RECLAIMABLE_B)} slab_unreclaimable:${g(NR_SLAB_UNRECLAIMABLE_B)}`,
    ` mapped:${g(NR_FILE_MAPPED)} shmem:${g(NR_SHMEM)} pagetables:${g(NR_PAGETABLE)}`,
    ` sec_pagetables:${g(NR_SECONDARY_PAGETABLE)} bounce:${global_zone_page_state(k, NR_BOUNCE)}`,
    ` kernel_misc_reclaimable:${g(NR_KERNEL_MISC_RECLAIMABLE)}`,
    ` free:${global_zone_page_state(k, NR_FREE_PAGES)} free_pcp:${free_pcp} free_cma:${global_zone_page_state(k, NR_FREE_CMA_PAGES)}`,
  );

  for (const pgdat of k.node_data) {
    if (show_mem_node_skip(filter, pgdat.node_id, nodemask)) continue;
    if (!node_has_managed_zones(pgdat, max_zone_idx)) continue;
    const n = (item: number): number => pgdat.vm_stat[item];
    out.push(
      `Node ${pgdat.node_id}` +
        ` active_anon:${K(n(NR_ACTIVE_ANON))}kB` +
        ` inactive_anon:${K(n(NR_INACTIVE_ANON))}kB` +
        ` active_file:${K(n(NR_ACTIVE_FILE))}kB` +
        ` inactive_file:${K(n(NR_INACTIVE_FILE))}kB` +
        ` unevictable:${K(n(NR_UNEVICTABLE))}kB` +
        ` isolated(anon):${K(n(NR_ISOLATED_ANON))}kB` +
        ` isolated(file):${K(n(NR_ISOLATED_FILE))}kB` +
        ` mapped:${K(n(NR_FILE_MAPPED))}kB` +
        ` dirty:${K(n(NR_FILE_DIRTY))}kB` +
        ` writeback:${K(n(NR_WRITEBACK))}kB` +
        ` shmem:${K(n(NR_SHMEM))}kB` +
        ` shmem_thp: ${K(n(NR_SHMEM_THPS))}kB` +
        ` shmem_pmdmapped: ${K(n(NR_SHMEM_PMDMAPPED))}kB` +
        ` anon_thp: ${K(n(NR_ANON_THPS))}kB` +
        ` writeback_tmp:${K(n(NR_WRITEBACK_TEMP))}kB` +
        ` kernel_stack:${n(NR_KERNEL_STACK_KB)}kB` +
        ` pagetables:${K(n(NR_PAGETABLE))}kB` +
        ` sec_pagetables:${K(n(NR_SECONDARY_PAGETABLE))}kB` +
        ` all_unreclaimable? ${pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES ? "yes" : "no"}`,
    );
  }

  for (const z of zones) {
    const s = (item: number): number => z.vm_stat[item];
    const pcp = zone_free_pcp(z);
    const local = z.per_cpu_pageset[k.cpu]?.count ?? 0;
    out.push(
      `Node ${z.node} ${z.name}` +
        ` free:${K(s(NR_FREE_PAGES))}kB` +
        ` boost:${K(z.watermark_boost)}kB` +
        ` min:${K(min_wmark_pages(z))}kB` +
        ` low:${K(low_wmark_pages(z))}kB` +
        ` high:${K(high_wmark_pages(z))}kB` +
        ` reserved_highatomic:${K(z.nr_reserved_highatomic)}KB` +
        ` active_anon:${K(s(NR_ZONE_ACTIVE_ANON))}kB` +
        ` inactive_anon:${K(s(NR_ZONE_INACTIVE_ANON))}kB` +
        ` active_file:${K(s(NR_ZONE_ACTIVE_FILE))}kB` +
        ` inactive_file:${K(s(NR_ZONE_INACTIVE_FILE))}kB` +
        ` unevictable:${K(s(NR_ZONE_UNEVICTABLE))}kB` +
        ` writepending:${K(s(NR_ZONE_WRITE_PENDING))}kB` +
        ` present:${K(z.present_pages)}kB` +
        ` managed:${K(z.managed_pages)}kB` +
        ` mlocked:${K(s(NR_MLOCK))}kB` +
        ` bounce:${K(s(NR_BOUNCE))}kB` +
        ` free_pcp:${K(pcp)}kB` +
        ` local_pcp:${K(local)}kB` +
        ` free_cma:${K(s(NR_FREE_CMA_PAGES))}kB`,
    );
    let lr = "lowmem_reserve[]:";
    for (let i = 0; i < MAX_NR_ZONES; i++) lr += ` ${z.lowmem_reserve[i]}`;
    out.push(lr);
  }

  for (const z of zones) {
    let line = `Node ${z.node} ${z.name}: `;
    let total = 0;
    for (let order = 0; order < MAX_ORDER; order++) {
      const area = z.free_area[order];
      const nr = area.nr_free;
      total += nr * 2 ** order;
      let types = 0;
      // free_area_empty: the explicit list and the not-yet-linked boot blocks (page_alloc.ts).
      for (let t = 0; t < MIGRATE_TYPES; t++) if (area.free_list[t] !== NO_PFN || deferred_nr_free(area, t) !== 0) types |= 1 << t;
      line += `${nr}*${K(2 ** order)}kB `;
      if (nr) line += show_migration_types(types);
    }
    out.push(`${line}= ${K(total)}kB`);
  }

  for (const pgdat of k.node_data) {
    if (show_mem_node_skip(filter, pgdat.node_id, nodemask)) continue;
    out.push(...hugetlb_show_meminfo_node(k, pgdat.node_id));
  }

  out.push(`${global_node_page_state(k, NR_FILE_PAGES)} total pagecache pages`);
  out.push(...show_swap_cache_info(k));
  return out;
}

/**
 * One line per hstate for a node. Simplified: the model's only hstate is the default 2 MiB one,
 * whose pool is kept globally; it is shown on node 0 and as empty on other nodes.
 * @kernel mm/hugetlb.c hugetlb_show_meminfo_node
 */
export function hugetlb_show_meminfo_node(k: Kernel, nid: number): string[] {
  const h = k.default_hstate;
  const total = nid === 0 ? h.nr_huge_pages : 0;
  const free = nid === 0 ? h.free_huge_pages : 0;
  const surp = nid === 0 ? h.surplus_huge_pages : 0;
  return [`Node ${nid} hugepages_total=${total} hugepages_free=${free} hugepages_surp=${surp} hugepages_size=2048kB`];
}

/** @kernel mm/swap_state.c show_swap_cache_info */
export function show_swap_cache_info(k: Kernel): string[] {
  return [
    `${global_node_page_state(k, NR_SWAPCACHE)} pages in swap cache`,
    `Free swap  = ${K(k.nr_swap_pages)}kB`,
    `Total swap = ${K(k.total_swap_pages)}kB`,
  ];
}

/**
 * __show_mem: "Mem-Info:", the free areas, then RAM, highmem and reserved page totals over the
 * populated zones (present pages, and present minus managed for reserved) and hwpoisoned pages.
 * @kernel lib/show_mem.c __show_mem
 */
export function __show_mem(k: Kernel, filter: number, nodemask: readonly number[] | null, max_zone_idx: number): string[] {
  const out = ["Mem-Info:", ...__show_free_areas(k, filter, nodemask, max_zone_idx)];
  let total = 0;
  let reserved = 0;
  for (const pgdat of k.node_data) {
    for (const z of pgdat.node_zones) {
      if (!z.populated_zone()) continue;
      total += z.present_pages;
      reserved += z.present_pages - z.managed_pages;
    }
  }
  // x86-64 has no highmem (is_highmem_idx is false for every zone), so this is always 0.
  out.push(`${total} pages RAM`, "0 pages HighMem/MovableOnly", `${reserved} pages reserved`, `${k.num_poisoned_pages} pages hwpoisoned`);
  return out;
}
