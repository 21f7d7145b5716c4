/**
 * ZONE_DEVICE: struct pages for memory that is not System RAM (here persistent memory), made by
 * memremap_pages so the range can be mapped and addressed like RAM without the page allocator
 * ever owning it.
 *
 * memremap_pages(pgmap, nid) → pagemap_range: arch_add_memory populates the vmemmap (the struct
 * pages of the range, 64 bytes each, in RAM when there is no altmap), move_pfn_range_to_zone grows
 * ZONE_DEVICE's span (resize_zone_range, resize_pgdat_range: spanned only — a device page is never
 * present nor managed, so the zone stays unpopulated and /proc/zoneinfo prints it in its short
 * form with the span), then memmap_init_zone_device initialises each page: zone Device, node,
 * PG_reserved, page->pgmap, refcount 1 for MEMORY_DEVICE_FS_DAX / GENERIC (0 only for PRIVATE and
 * COHERENT, which their driver's allocator raises), the pageblocks MIGRATE_MOVABLE, and prints
 * "memmap_init_zone_device initialised N pages in 0ms".
 *
 * Worked numbers: memmap=512M!1G gives pfns [0x40000, 0x60000), 131072 pages, whose struct pages
 * are 131072 × 64 B = 8 MiB of RAM: vmemmap_populate takes them as four 2 MiB (order-9) blocks
 * from the buddy allocator (vmemmap_populate_hugepages, one per 128 MiB section), unaccounted in
 * /proc/meminfo but gone from MemFree; MemTotal does not change (the range is not RAM).
 *
 * Simplified: the vmemmap's own page-table pages are not allocated; a range not 2 MiB
 * (subsection) aligned is refused with -EINVAL as check_pfn_span does (its WARN not printed);
 * the pgmap's percpu_ref is a count (pgmap.ref); no memunmap_pages (the model never unbinds).
 * In the model the struct page columns already cover the range (start_kernel sizes mem_map past
 * max_pfn to the end of every PRAM range), so "populating" them is the RAM taken and the fields
 * written.
 * @kernel mm/memremap.c memremap_pages, pagemap_range, devm_memremap_pages
 * @kernel mm/page_alloc.c memmap_init_zone_device, __init_zone_device_page
 * @kernel mm/memory_hotplug.c move_pfn_range_to_zone, resize_zone_range, resize_pgdat_range, check_pfn_span
 * @kernel arch/x86/mm/init_64.c vmemmap_populate
 */
import type { Kernel } from "../kernel/kernel.js";
import { KERN_INFO } from "../kernel/printk.js";
import { GFP_KERNEL, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_ZERO } from "../include/linux/gfp_types.js";
import { E820_TYPE_RAM } from "../arch/x86/e820.js";
import { F, PG_reserved } from "./memmap.js";
import { MAX_NR_ZONES, MIGRATE_MOVABLE, ZONE_DEVICE } from "./mmzone.js";
import { alloc_pages } from "./page_alloc.js";
import { PAGE_SIZE, pageblock_order } from "./types.js";

/** enum memory_type (include/linux/memremap.h). */
export const MEMORY_DEVICE_PRIVATE = 1;
export const MEMORY_DEVICE_COHERENT = 2;
export const MEMORY_DEVICE_FS_DAX = 3;
export const MEMORY_DEVICE_GENERIC = 4;
export const MEMORY_DEVICE_PCI_P2PDMA = 5;

/** sizeof(struct page) on x86-64. */
export const STRUCT_PAGE_SIZE = 64;
/** SUBSECTION_SIZE: 2 MiB, the smallest hotplug granule (check_pfn_span's alignment). */
export const SUBSECTION_SIZE = 2 * 1024 * 1024;

/** struct dev_pagemap: one device range with struct pages. */
export class dev_pagemap {
  /** Every pgmap of the machine gets an id; page->pgmap is kept as it (MemMap.private, see memmap_init_zone_device). */
  constructor(
    readonly id: number,
    /** range.start, range.end + 1 (bytes). */
    readonly start: number,
    readonly end: number,
    readonly type: number,
    /** The node it was added to. */
    readonly nid: number,
  ) {}
  /** percpu_ref: the references its pages hold (one per page while idle, as 6.1 takes them). */
  ref = 0;
  /** The buddy blocks holding its struct pages (vmemmap), as [pfn, order] pairs. */
  readonly vmemmap: Array<[number, number]> = [];
  get start_pfn(): number {
    return this.start / PAGE_SIZE;
  }
  get nr_pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }
}

/**
 * vmemmap_populate for [start_pfn, start_pfn + nr): 2 MiB (order-9) blocks for each whole 2 MiB of
 * struct pages, single pages for a smaller rest (vmemmap_populate_basepages). Returns false when the
 * allocator fails (the caller gives -ENOMEM).
 */
function vmemmap_populate(k: Kernel, pgmap: dev_pagemap, nr: number): boolean {
  const gfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_ZERO;
  let bytes = nr * STRUCT_PAGE_SIZE;
  while (bytes > 0) {
    const order = bytes >= 2 * 1024 * 1024 ? 9 : 0;
    const pfn = alloc_pages(k, gfp, order);
    if (pfn < 0) return false;
    pgmap.vmemmap.push([pfn, order]);
    bytes -= PAGE_SIZE << order;
  }
  return true;
}

/**
 * memremap_pages: gives [pgmap.start, pgmap.end) struct pages in ZONE_DEVICE of pgmap.nid.
 * 0, or -EINVAL (not subsection-aligned, overlapping RAM or another pgmap), -ENOMEM.
 * Afterwards every page of the range has refcount 1, PG_reserved, zone Device, and its pgmap.
 */
export function memremap_pages(k: Kernel, pgmap: dev_pagemap): number {
  const start_pfn = pgmap.start_pfn;
  const nr = pgmap.nr_pages;
  // check_pfn_span: ZONE_DEVICE ranges must be subsection aligned.
  if (pgmap.start % SUBSECTION_SIZE !== 0 || pgmap.end % SUBSECTION_SIZE !== 0 || nr <= 0) return -22;
  if (start_pfn + nr > k.mem_map.max_pfn) return -22;
  // pagemap_range: region_intersects(System RAM) must be REGION_DISJOINT, and pgmap_array must
  // not hold the range already.
  if (k.e820?.entries.some((e) => e.type === E820_TYPE_RAM && e.addr < pgmap.end && pgmap.start < e.addr + e.size)) return -22;
  for (const other of k.dev_pagemaps) if (other.start < pgmap.end && pgmap.start < other.end) return -16;
  if (!vmemmap_populate(k, pgmap, nr)) return -12;
  const pgdat = k.node_data[pgmap.nid];
  const zone = pgdat.node_zones[ZONE_DEVICE];
  // move_pfn_range_to_zone → resize_zone_range / resize_pgdat_range: span only.
  const zend = Math.max(zone.spanned_pages ? zone.zone_end_pfn() : 0, start_pfn + nr);
  if (zone.spanned_pages === 0 || start_pfn < zone.zone_start_pfn) zone.zone_start_pfn = start_pfn;
  zone.spanned_pages = zend - zone.zone_start_pfn;
  const nend = Math.max(pgdat.node_start_pfn + pgdat.node_spanned_pages, start_pfn + nr);
  pgdat.node_spanned_pages = nend - pgdat.node_start_pfn;
  memmap_init_zone_device(k, pgmap);
  pgmap.ref += nr;
  k.dev_pagemaps.push(pgmap);
  return 0;
}

/**
 * memmap_init_zone_device: each page's struct page as __init_zone_device_page leaves it. A
 * ZONE_DEVICE page's lru union holds pgmap and zone_device_data; the model keeps the pgmap's id in
 * the `private` column (nothing else of a device page lives there), leaving mapping/index for
 * dax_set_mapping. Zone and node: the pageblock_zone column.
 */
export function memmap_init_zone_device(k: Kernel, pgmap: dev_pagemap): void {
  const mem = k.mem_map;
  const start = pgmap.start_pfn;
  const end = start + pgmap.nr_pages;
  const refcount = pgmap.type === MEMORY_DEVICE_PRIVATE || pgmap.type === MEMORY_DEVICE_COHERENT ? 0 : 1;
  mem.flags.fill(F(PG_reserved), start, end);
  mem._refcount.fill(refcount, start, end);
  mem.mapcount.fill(0, start, end);
  mem.private.fill(pgmap.id, start, end);
  mem.mapping.fill(0, start, end);
  mem.index.fill(0, start, end);
  mem.memcg.fill(0, start, end);
  for (let b = start >>> pageblock_order; b < (end + (1 << pageblock_order) - 1) >>> pageblock_order; b++) {
    mem.pageblock_zone[b] = pgmap.nid * MAX_NR_ZONES + ZONE_DEVICE;
    mem.pageblock_mt[b] = MIGRATE_MOVABLE;
  }
  k.log.printk(KERN_INFO, `memmap_init_zone_device initialised ${pgmap.nr_pages} pages in 0ms`);
}

/** is_zone_device_page: the page's zone is ZONE_DEVICE. @kernel include/linux/mm.h is_zone_device_page */
export function is_zone_device_page(k: Kernel, pfn: number): boolean {
  if (pfn >= k.mem_map.max_pfn) return false;
  const z = k.mem_map.pageblock_zone[pfn >>> pageblock_order];
  return z !== 255 && z % MAX_NR_ZONES === ZONE_DEVICE;
}

/** The pgmap of a ZONE_DEVICE page (page->pgmap), or undefined. */
export function page_pgmap(k: Kernel, pfn: number): dev_pagemap | undefined {
  if (!is_zone_device_page(k, pfn)) return undefined;
  const id = k.mem_map.private[pfn];
  return k.dev_pagemaps.find((p) => p.id === id);
}
