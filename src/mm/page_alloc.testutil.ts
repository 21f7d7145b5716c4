/**
 * Small hand-built machines for allocator tests: one node, ZONE_DMA [1, 4096) and ZONE_DMA32
 * [4096, nrPages), every pageblock MIGRATE_MOVABLE as memmap_init leaves it, watermarks set by
 * hand, memory handed to the buddy lists as memblock_free_all does (maximal aligned blocks through
 * __free_pages_core), pcp lists sized by setup_per_cpu_pageset.
 */
import { PgtablePool } from "../arch/x86/pgtable.js";
import { Kernel } from "../kernel/kernel.js";
import { MemMap } from "./memmap.js";
import { MAX_NR_ZONES, MIGRATE_MOVABLE, pglist_data, WMARK_HIGH, WMARK_LOW, WMARK_MIN, ZONE_DMA, ZONE_DMA32, zone } from "./mmzone.js";
import { __free_pages_core, setup_per_cpu_pageset } from "./page_alloc.js";
import { cachePreferredZones } from "./mm_init.js";
import { MAX_ORDER, pageblock_order } from "./types.js";

export interface TestMachineOptions {
  /** Total pfns (DMA32 ends here). Default 16384 (64 MiB). */
  nrPages?: number;
  cpus?: number;
  /** min watermark of DMA32; low = min * 5/4, high = min * 3/2. Default 128. */
  minDma32?: number;
  /** Set up per-cpu pagesets. Default true. */
  pcp?: boolean;
  /** Free memory into the buddy lists. Default true. */
  free?: boolean;
  seed?: number;
}

export function makeTestMachine(o: TestMachineOptions = {}): Kernel {
  const nrPages = o.nrPages ?? 16384;
  const k = new Kernel(o.seed ?? 1);
  k.nr_cpu_ids = o.cpus ?? 1;
  k.cpu_to_node = new Array<number>(k.nr_cpu_ids).fill(0);
  k.max_pfn = nrPages;
  k.mem_map = new MemMap(nrPages);
  k.pgtables = new PgtablePool(nrPages);
  const pgdat = new pglist_data(0);
  k.node_data = [pgdat];
  k.zones = pgdat.node_zones;
  const dma = pgdat.node_zones[ZONE_DMA];
  const dma32 = pgdat.node_zones[ZONE_DMA32];
  dma.zone_start_pfn = 0;
  dma.spanned_pages = 4096;
  dma.present_pages = 4095;
  dma32.zone_start_pfn = 4096;
  dma32.spanned_pages = nrPages - 4096;
  dma32.present_pages = nrPages - 4096;
  pgdat.nr_zones = ZONE_DMA32 + 1;
  pgdat.node_zonelists = [dma32, dma];
  cachePreferredZones(k);
  for (let b = 0; b < nrPages >>> pageblock_order; b++) {
    k.mem_map.pageblock_zone[b] = (b << pageblock_order) < 4096 ? ZONE_DMA : ZONE_DMA32;
    k.mem_map.pageblock_mt[b] = MIGRATE_MOVABLE;
  }
  const min = o.minDma32 ?? 128;
  setWmarks(dma, 8);
  setWmarks(dma32, min);
  dma.lowmem_reserve[ZONE_DMA32] = 64;
  for (let i = ZONE_DMA32 + 1; i < MAX_NR_ZONES; i++) dma.lowmem_reserve[i] = 64;
  if (o.free ?? true) {
    freeRange(k, 1, 4096);
    freeRange(k, 4096, nrPages);
  }
  if (o.pcp ?? true) setup_per_cpu_pageset(k);
  return k;
}

function setWmarks(z: zone, min: number): void {
  z._watermark[WMARK_MIN] = min;
  z._watermark[WMARK_LOW] = min + (min >> 2);
  z._watermark[WMARK_HIGH] = min + (min >> 1);
}

/** Frees [start, end) in maximal aligned blocks, as __free_pages_memory does at boot. */
export function freeRange(k: Kernel, start: number, end: number): void {
  let pfn = start;
  while (pfn < end) {
    let order = Math.min(MAX_ORDER - 1, pfn === 0 ? MAX_ORDER - 1 : 31 - Math.clz32(pfn & -pfn));
    while (pfn + (1 << order) > end) order--;
    __free_pages_core(k, pfn, order);
    pfn += 1 << order;
  }
}
