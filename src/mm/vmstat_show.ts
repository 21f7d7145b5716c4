/**
 * The /proc files mm/vmstat.c prints: buddyinfo, pagetypeinfo, zoneinfo and vmstat, rendered to
 * the character from live state (column widths from the kernel's seq_printf formats). Kept apart
 * from vmstat.ts, which holds the counter updates, so the hot-path module stays small.
 *
 * Simplified: pagetypeinfo has no "Number of mixed blocks" section, as Debian's 6.1 prints none
 * (CONFIG_PAGE_OWNER is off). zoneinfo's "node_unreclaimable" reads pgdat.kswapd_failures when a
 * reclaim model has put it there, and 0 before.
 * @kernel mm/vmstat.c frag_show, frag_show_print, walk_zones_in_node, pagetypeinfo_show,
 *   pagetypeinfo_showfree_print, pagetypeinfo_showblockcount_print, zoneinfo_show_print,
 *   is_zone_first_populated, vmstat_start, vmstat_show
 * @kernel mm/page-writeback.c global_dirty_limits, global_dirtyable_memory, domain_dirty_limits
 */
import type { Kernel } from "../kernel/kernel.js";
import {
  MAX_NR_ZONES,
  MIGRATE_TYPES,
  high_wmark_pages,
  low_wmark_pages,
  migratetype_names,
  min_wmark_pages,
  type pglist_data,
  type zone,
} from "./mmzone.js";
import { deferred_nr_free } from "./mm_init.js";
import { MAX_ORDER, NO_PFN, PAGE_SIZE, pageblock_nr_pages, pageblock_order } from "./types.js";
import {
  NR_ACTIVE_FILE,
  NR_ANON_THPS,
  NR_FILE_PMDMAPPED,
  NR_FILE_THPS,
  NR_FREE_PAGES,
  NR_INACTIVE_FILE,
  NR_SHMEM_PMDMAPPED,
  NR_SHMEM_THPS,
  NR_VM_EVENT_ITEMS,
  NR_VM_NODE_STAT_ITEMS,
  NR_VM_NUMA_EVENT_ITEMS,
  NR_VM_ZONE_STAT_ITEMS,
  PGPGIN,
  PGPGOUT,
  node_stat_text,
  numa_stat_text,
  vm_event_text,
  zone_stat_text,
} from "./vmstat_items.js";

/** Pages in a PMD-mapped THP: 2 MiB / 4 KiB = 512. */
export const HPAGE_PMD_NR = 512;
/** kswapd gives a node up as unreclaimable after this many failed runs. @kernel mm/internal.h */
export const MAX_RECLAIM_RETRIES = 16;

/** `%<w>s` / `%<w>lu`: right-aligned in at least w columns. */
function padL(v: string | number, w: number): string {
  return String(v).padStart(w);
}

/** The node items counted in base pages but printed in THPs. @kernel include/linux/mmzone.h vmstat_item_print_in_thp */
export function vmstat_item_print_in_thp(item: number): boolean {
  return (
    item === NR_ANON_THPS ||
    item === NR_FILE_THPS ||
    item === NR_SHMEM_THPS ||
    item === NR_SHMEM_PMDMAPPED ||
    item === NR_FILE_PMDMAPPED
  );
}

/** A node counter as the readers see it: the SMP kernel clamps transient negatives to 0. @kernel mm/vmstat.c node_page_state_pages */
export function node_page_state_pages(pgdat: pglist_data, item: number): number {
  const x = pgdat.vm_stat[item];
  return x < 0 ? 0 : x;
}

/** The global reserve: high watermarks plus the largest lowmem_reserve, summed per node. @kernel mm/page_alloc.c totalreserve_pages */
export function totalreserve_pages(k: Kernel): number {
  let sum = 0;
  for (const pgdat of k.node_data) sum += pgdat.totalreserve_pages;
  return sum;
}

/** The zones of a node, in index order, optionally only the populated ones. @kernel mm/vmstat.c walk_zones_in_node */
function walk_zones_in_node(pgdat: pglist_data, assert_populated: boolean, print: (z: zone) => void): void {
  for (let i = 0; i < MAX_NR_ZONES; i++) {
    const z = pgdat.node_zones[i];
    if (assert_populated && !z.populated_zone()) continue;
    print(z);
  }
}

/**
 * /proc/buddyinfo: free blocks per order, one line per populated zone.
 * `Node 0, zone    DMA32      5      9 …` — zone name in 8 columns, each count in 6, each followed
 * by a space (so lines end in a space).
 * @kernel mm/vmstat.c frag_show, frag_show_print
 */
export function frag_show(k: Kernel): string {
  let out = "";
  for (const pgdat of k.node_data) {
    walk_zones_in_node(pgdat, true, (z) => {
      out += `Node ${pgdat.node_id}, zone ${padL(z.name, 8)} `;
      for (let order = 0; order < MAX_ORDER; order++) out += `${padL(z.free_area[order].nr_free, 6)} `;
      out += "\n";
    });
  }
  return out;
}

/**
 * Free blocks of one order and migratetype, counted by walking the list as the kernel does,
 * capped at 100000 (the kernel stops there so as not to hold zone->lock too long and prints ">").
 */
function count_free_list(k: Kernel, z: zone, order: number, mtype: number): { n: number; overflow: boolean } {
  const heads = z.free_area[order].free_list;
  const links = k.mem_map.lru;
  let n = 0;
  for (let p = heads[mtype]; p !== NO_PFN; p = links.list_next(heads, mtype, p)) {
    if (++n >= 100000) return { n, overflow: true };
  }
  // Blocks boot has not linked yet follow the linked ones (page_alloc.ts deferred_tail): counted
  // as the walk would meet them, without linking them.
  n += deferred_nr_free(z.free_area[order], mtype);
  if (n >= 100000) return { n: 100000, overflow: true };
  return { n, overflow: false };
}

/** @kernel mm/vmstat.c pagetypeinfo_showfree, pagetypeinfo_showfree_print */
function pagetypeinfo_showfree(k: Kernel, pgdat: pglist_data): string {
  let out = `${"Free pages count per migrate type at order".padEnd(43)} `;
  for (let order = 0; order < MAX_ORDER; order++) out += `${padL(order, 6)} `;
  out += "\n";
  walk_zones_in_node(pgdat, true, (z) => {
    for (let mtype = 0; mtype < MIGRATE_TYPES; mtype++) {
      out += `Node ${padL(pgdat.node_id, 4)}, zone ${padL(z.name, 8)}, type ${padL(migratetype_names[mtype], 12)} `;
      for (let order = 0; order < MAX_ORDER; order++) {
        const { n, overflow } = count_free_list(k, z, order, mtype);
        out += `${overflow ? ">" : ""}${padL(n, 6)} `;
      }
      out += "\n";
    }
  });
  return out;
}

/**
 * Pageblocks of each migratetype in a zone, stepping from zone_start_pfn by pageblock_nr_pages.
 * DMA starts at pfn 1, so it visits pfns 1, 513, … 3585: 8 blocks for 4095 spanned pages.
 * @kernel mm/vmstat.c pagetypeinfo_showblockcount_print
 */
export function pageblock_counts(k: Kernel, z: zone): number[] {
  const count = new Array<number>(MIGRATE_TYPES).fill(0);
  const end = z.zone_end_pfn();
  for (let pfn = z.zone_start_pfn; pfn < end; pfn += pageblock_nr_pages) {
    // pfn_to_online_page: no struct page past the last present section
    if (pfn >= k.max_pfn) continue;
    if (k.page_zone(pfn) !== z) continue;
    const mtype = k.mem_map.pageblock_mt[pfn >>> pageblock_order] & 7;
    if (mtype < MIGRATE_TYPES) count[mtype]++;
  }
  return count;
}

/** @kernel mm/vmstat.c pagetypeinfo_showblockcount */
function pagetypeinfo_showblockcount(k: Kernel, pgdat: pglist_data): string {
  let out = `\n${"Number of blocks type ".padEnd(23)}`;
  for (let mtype = 0; mtype < MIGRATE_TYPES; mtype++) out += `${padL(migratetype_names[mtype], 12)} `;
  out += "\n";
  walk_zones_in_node(pgdat, true, (z) => {
    out += `Node ${pgdat.node_id}, zone ${padL(z.name, 8)} `;
    for (const c of pageblock_counts(k, z)) out += `${padL(c, 12)} `;
    out += "\n";
  });
  return out;
}

/** A node has memory (N_MEMORY) when one of its zones has present pages. */
function node_has_memory(pgdat: pglist_data): boolean {
  return pgdat.node_zones.some((z) => z.populated_zone());
}

/**
 * /proc/pagetypeinfo: the header, free counts per migratetype and order, pageblock counts.
 * Each node prints its own header block; a memoryless node prints nothing.
 * @kernel mm/vmstat.c pagetypeinfo_show
 */
export function pagetypeinfo_show(k: Kernel): string {
  let out = "";
  for (const pgdat of k.node_data) {
    if (!node_has_memory(pgdat)) continue;
    out += `Page block order: ${pageblock_order}\n`;
    out += `Pages per block:  ${pageblock_nr_pages}\n`;
    out += "\n";
    out += pagetypeinfo_showfree(k, pgdat);
    out += pagetypeinfo_showblockcount(k, pgdat);
  }
  return out;
}

/** @kernel mm/vmstat.c is_zone_first_populated */
function is_zone_first_populated(pgdat: pglist_data, z: zone): boolean {
  for (const c of pgdat.node_zones) if (c.populated_zone()) return c === z;
  return false;
}

/** `%-12s %lu`, the stat line format of zoneinfo: names shorter than 12 columns are padded. */
function statLine(name: string, v: number): string {
  return `\n      ${name.padEnd(12)} ${v}`;
}

/** kswapd_failures once reclaim exists; the field is not part of pglist_data yet. */
function kswapd_failures(pgdat: pglist_data): number {
  return (pgdat as pglist_data & { kswapd_failures?: number }).kswapd_failures ?? 0;
}

/** @kernel mm/vmstat.c zoneinfo_show_print */
function zoneinfo_show_print(k: Kernel, pgdat: pglist_data, z: zone): string {
  let out = `Node ${pgdat.node_id}, zone ${padL(z.name, 8)}`;
  if (is_zone_first_populated(pgdat, z)) {
    out += "\n  per-node stats";
    for (let i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
      let pages = node_page_state_pages(pgdat, i);
      if (vmstat_item_print_in_thp(i)) pages = Math.floor(pages / HPAGE_PMD_NR);
      out += statLine(node_stat_text[i], pages);
    }
  }
  out +=
    `\n  pages free     ${z.vm_stat[NR_FREE_PAGES]}` +
    `\n        boost    ${z.watermark_boost}` +
    `\n        min      ${min_wmark_pages(z)}` +
    `\n        low      ${low_wmark_pages(z)}` +
    `\n        high     ${high_wmark_pages(z)}` +
    `\n        spanned  ${z.spanned_pages}` +
    `\n        present  ${z.present_pages}` +
    `\n        managed  ${z.managed_pages}` +
    // no CONFIG_CMA: zone_cma_pages() is 0
    `\n        cma      0`;
  out += `\n        protection: (${z.lowmem_reserve[0]}`;
  for (let i = 1; i < MAX_NR_ZONES; i++) out += `, ${z.lowmem_reserve[i]}`;
  out += ")";
  // An unpopulated zone shows only its watermarks and protection: nothing else is useful.
  if (!z.populated_zone()) return out + "\n";
  for (let i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++) out += statLine(zone_stat_text[i], z.vm_stat[i]);
  for (let i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++) out += statLine(numa_stat_text[i], z.vm_numa_event[i]);
  out += "\n  pagesets";
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++) {
    const pcp = z.per_cpu_pageset[cpu];
    out +=
      `\n    cpu: ${cpu}` +
      `\n              count: ${pcp ? pcp.count : 0}` +
      `\n              high:  ${pcp ? pcp.high : 0}` +
      `\n              batch: ${pcp ? pcp.batch : 0}`;
    out += `\n  vm stats threshold: ${z.stat_threshold}`;
  }
  out +=
    `\n  node_unreclaimable:  ${kswapd_failures(pgdat) >= MAX_RECLAIM_RETRIES ? 1 : 0}` +
    `\n  start_pfn:           ${z.zone_start_pfn}`;
  return out + "\n";
}

/**
 * /proc/zoneinfo: every zone of every node, populated or not (lowmem_reserve_ratio acts on all
 * zones, so all are shown). The node's own counters print once, before its first populated zone.
 * @kernel mm/vmstat.c zoneinfo_show
 */
export function zoneinfo_show(k: Kernel): string {
  let out = "";
  for (const pgdat of k.node_data) walk_zones_in_node(pgdat, false, (z) => (out += zoneinfo_show_print(k, pgdat, z)));
  return out;
}

/**
 * Memory the dirty limits are a share of: free pages above the reserves plus the file LRU, plus 1
 * so it is never 0. No highmem on x86-64. @kernel mm/page-writeback.c global_dirtyable_memory
 */
export function global_dirtyable_memory(k: Kernel): number {
  let x = 0;
  for (const z of k.zones) x += z.vm_stat[NR_FREE_PAGES];
  x -= Math.min(x, totalreserve_pages(k));
  for (const pgdat of k.node_data) x += node_page_state_pages(pgdat, NR_INACTIVE_FILE) + node_page_state_pages(pgdat, NR_ACTIVE_FILE);
  return x + 1;
}

/**
 * The global background and foreground dirty thresholds in pages. Ratios are scaled to
 * per-PAGE_SIZE first: w0 has 107046 dirtyable pages, ratio 20 → 819/4096 → 21403, ratio 10 →
 * 409/4096 → 10688, as its /proc/vmstat shows.
 * Simplified: the rt_task bonus does not apply (the reader is never an RT task).
 * @kernel mm/page-writeback.c global_dirty_limits, domain_dirty_limits
 */
export function global_dirty_limits(k: Kernel): { background: number; dirty: number } {
  const avail = global_dirtyable_memory(k);
  const ratio = Math.floor((k.vm.dirty_ratio * PAGE_SIZE) / 100);
  const bg_ratio = Math.floor((k.vm.dirty_background_ratio * PAGE_SIZE) / 100);
  let thresh = k.vm.dirty_bytes
    ? Math.ceil(k.vm.dirty_bytes / PAGE_SIZE)
    : Math.floor((ratio * avail) / PAGE_SIZE);
  let bg_thresh = k.vm.dirty_background_bytes
    ? Math.ceil(k.vm.dirty_background_bytes / PAGE_SIZE)
    : Math.floor((bg_ratio * avail) / PAGE_SIZE);
  if (thresh > 0xffffffff) thresh = 0xffffffff;
  if (bg_thresh >= thresh) bg_thresh = Math.floor(thresh / 2);
  return { background: bg_thresh, dirty: thresh };
}

/**
 * /proc/vmstat: zone items, NUMA events, node items (THP items in THPs, slab items in pages),
 * the two dirty thresholds, the event counters (pgpgin/pgpgout counted in 512-byte sectors and
 * printed in kB), and the deprecated `nr_unstable 0` the kernel keeps for old tools.
 * @kernel mm/vmstat.c vmstat_start, vmstat_show
 */
export function vmstat_show(k: Kernel): string {
  const lines: string[] = [];
  for (let i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++) {
    let v = 0;
    for (const z of k.zones) v += z.vm_stat[i];
    lines.push(`${zone_stat_text[i]} ${v < 0 ? 0 : v}`);
  }
  for (let i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++) {
    let v = 0;
    for (const z of k.zones) v += z.vm_numa_event[i];
    lines.push(`${numa_stat_text[i]} ${v}`);
  }
  for (let i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
    let v = 0;
    for (const pgdat of k.node_data) v += pgdat.vm_stat[i];
    if (v < 0) v = 0;
    if (vmstat_item_print_in_thp(i)) v = Math.floor(v / HPAGE_PMD_NR);
    lines.push(`${node_stat_text[i]} ${v}`);
  }
  const { background, dirty } = global_dirty_limits(k);
  lines.push(`nr_dirty_threshold ${dirty}`, `nr_dirty_background_threshold ${background}`);
  for (let i = 0; i < NR_VM_EVENT_ITEMS; i++) {
    let v = k.vm_events[i];
    if (i === PGPGIN || i === PGPGOUT) v = Math.floor(v / 2);
    lines.push(`${vm_event_text[i]} ${v}`);
  }
  lines.push("nr_unstable 0");
  return lines.join("\n") + "\n";
}
