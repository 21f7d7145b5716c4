/**
 * Node and zone sizing at boot, the memory map's initialisation, the zonelists, and the hand-over
 * of free memory from memblock to the buddy allocator. In 6.1 all of this lives in
 * mm/page_alloc.c (and memblock_free_all in mm/memblock.c); 6.4 moved it to mm/mm_init.c, and
 * this file follows that split so page_alloc.ts stays about the allocator.
 *
 * Worked example, the 512 MiB QEMU guest (w0): memblock.memory is [1, 0x9f) and [0x100, 0x1ffe0)
 * in pfns. ZONE_DMA is [1, 4096): spanned 4095, present 4095 - 97 (the 0x9f-0xff hole) = 3998;
 * ZONE_DMA32 is [4096, 0x1ffe0): spanned = present = 126944. free_area_init_core's estimate of
 * managed pages takes off the memmap (64 + 1984 pages) and dma_reserve (158, the first MiB's RAM),
 * giving 3776 + 124960 = 128736 = "Total pages: 128736". memblock_free_all then frees what
 * memblock has not reserved, and the zones' real managed_pages are counted as blocks are freed.
 *
 * @kernel mm/page_alloc.c free_area_init, find_zone_movable_pfns_for_nodes,
 *   calculate_node_totalpages, zone_spanned_pages_in_node, zone_absent_pages_in_node,
 *   adjust_zone_range_for_zone_movable, calc_memmap_size, free_area_init_core, memmap_init,
 *   init_unavailable_range, defer_init, deferred_init_memmap, deferred_init_maxorder,
 *   deferred_free_range, build_all_zonelists, build_zonelists, find_next_best_node,
 *   nr_free_zone_pages
 * @kernel mm/memblock.c memblock_free_all, free_low_memory_core_early, __free_pages_memory
 * @kernel arch/x86/mm/init.c zone_sizes_init, memblock_find_dma_reserve
 *
 * Simplified: struct pages are not initialised one by one — memmap_init sets the per-pageblock
 * zone and migratetype columns and PG_reserved by range fills. Deferred struct page init is
 * modelled for its effect on the boot log ("available" in the Memory: line): the deferred part is
 * freed later in page_alloc_init_late, in maximal aligned blocks rather than the kernel's
 * pageblock-sized chunks (the buddy merges those into the same blocks). The model goes one step
 * further than the kernel: the blocks boot frees wait unlinked at their free list's tail, their
 * struct pages unwritten, until the allocator reaches them (the deferred_* functions at the end
 * of this file, which page_alloc.ts calls). kernelcore=mirror and
 * movable_node are not modelled. Zones and nodes are assumed to begin and end on pageblock
 * boundaries (a pageblock has one zone in MemMap).
 */
import type { Kernel } from "../kernel/kernel.js";
import { KERN_INFO } from "../kernel/printk.js";
import { boot_panic } from "../kernel/panic.js";
import { F, PG_buddy, PG_reserved } from "./memmap.js";
import { nr_free_zone_pages } from "./page_alloc.js";
import {
  for_each_free_mem_range,
  for_each_mem_pfn_range,
  MAX_NUMNODES,
  type Memblock,
  memblock_start_of_DRAM,
  PFN_DOWN,
  PFN_UP,
  STRUCT_PAGE_SIZE,
} from "./memblock.js";
import {
  deferred_tail,
  type free_area,
  MAX_NR_ZONES,
  MIGRATE_MOVABLE,
  MIGRATE_TYPES,
  type pglist_data,
  type zone,
  ZONE_DMA,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  zone_names,
} from "./mmzone.js";
import { MAX_ORDER, PAGE_SHIFT, PAGE_SIZE, PAGES_PER_SECTION, PFN_SECTION_SHIFT, pageblock_nr_pages } from "./types.js";
import { clamp } from "../lib/math.js";

/** MAX_DMA_PFN: ZONE_DMA ends at 16 MiB. */
export const MAX_DMA_PFN = (16 * 1024 * 1024) >> PAGE_SHIFT;
/** MAX_DMA32_PFN: ZONE_DMA32 ends at 4 GiB. */
export const MAX_DMA32_PFN = 2 ** (32 - PAGE_SHIFT);
/** find_next_best_node's penalty for nodes that have CPUs. */
export const PENALTY_FOR_NODE_WITH_CPUS = 1;

/** Boot-time sizing state the C code keeps in static globals of mm/page_alloc.c. */
export class mm_init_state {
  readonly arch_zone_lowest_possible_pfn = new Array<number>(MAX_NR_ZONES).fill(0);
  readonly arch_zone_highest_possible_pfn = new Array<number>(MAX_NR_ZONES).fill(0);
  /** Where ZONE_MOVABLE starts on each node, 0 when it has none. */
  zone_movable_pfn: number[] = [];
  /** The zone ZONE_MOVABLE is carved out of (the highest populated one). */
  movable_zone = 0;
  /** kernelcore= / movablecore= in pages, or as percentages (0 = not given). */
  required_kernelcore = 0;
  required_kernelcore_percent = 0;
  required_movablecore = 0;
  required_movablecore_percent = 0;
  /** Pages in the first 16 MiB that memblock had reserved (set_dma_reserve). */
  dma_reserve = 0;
  /** Sums of the managed estimates, which size the boot hash tables. */
  nr_kernel_pages = 0;
  nr_all_pages = 0;
  /**
   * True while memblock_free_all or deferred_init_memmap hands fresh memory to the buddy lists:
   * struct pages that were only initialised, never used, so __free_pages_core has nothing to
   * clear and may defer linking MAX_ORDER blocks.
   */
  fresh_memmap = false;
  /** Per node, the first pfn whose struct page init is deferred (Infinity: none). */
  first_deferred_pfn: number[] = [];
  /** The highest non-movable zone type that has memory: what mempolicies apply to. */
  policy_zone = 0;
  /** Grouping by mobility is off on tiny machines (page_group_by_mobility_disabled). */
  page_group_by_mobility_disabled = false;
  /** 128 MiB sections that have a memmap (present_section), by section number. */
  section_present: Uint8Array = new Uint8Array(0);
  /** _totalram_pages as memblock_free_all counts it (all free memory, deferred or not). */
  totalram_pages = 0;
}

// ---------------------------------------------------------------------------------------------
// Sizing
// ---------------------------------------------------------------------------------------------

/**
 * Pages in the first 16 MiB that memblock has reserved: they stay out of ZONE_DMA's managed
 * estimate. 158 on the QEMU guests (the first MiB's RAM pages 1-0x9e).
 * @kernel arch/x86/mm/init.c memblock_find_dma_reserve
 */
export function memblock_find_dma_reserve(mb: Memblock): number {
  let nr_pages = 0;
  for (const r of for_each_mem_pfn_range(mb)) nr_pages += Math.min(r.end, MAX_DMA_PFN) - Math.min(r.start, MAX_DMA_PFN);
  let nr_free = 0;
  for (const r of for_each_free_mem_range(mb)) {
    const s = Math.min(PFN_UP(r.start), MAX_DMA_PFN);
    const e = Math.min(PFN_DOWN(r.end), MAX_DMA_PFN);
    if (s < e) nr_free += e - s;
  }
  return nr_pages - nr_free;
}

/** The per-zone upper pfn limits x86-64 passes to free_area_init. @kernel arch/x86/mm/init.c zone_sizes_init */
export function zone_sizes_init_limits(max_low_pfn: number): number[] {
  const m = new Array<number>(MAX_NR_ZONES).fill(0);
  m[ZONE_DMA] = Math.min(MAX_DMA_PFN, max_low_pfn);
  m[1] = Math.min(MAX_DMA32_PFN, max_low_pfn);
  m[ZONE_NORMAL] = max_low_pfn;
  return m;
}

/** Node pfn span from memblock. @kernel mm/page_alloc.c get_pfn_range_for_nid */
export function get_pfn_range_for_nid(mb: Memblock, nid: number): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const r of for_each_mem_pfn_range(mb, nid)) {
    start = Math.min(start, r.start);
    end = Math.max(end, r.end);
  }
  if (start === Infinity) start = 0;
  return { start, end };
}

/** Pages of RAM memblock has in [start, end) on nid (MAX_NUMNODES: any), i.e. not holes. */
function present_in_range(mb: Memblock, nid: number, start: number, end: number): number {
  let n = 0;
  for (const r of for_each_mem_pfn_range(mb, nid)) n += clamp(r.end, start, end) - clamp(r.start, start, end);
  return n;
}

/** @kernel mm/page_alloc.c find_usable_zone_for_movable */
function find_usable_zone_for_movable(st: mm_init_state): void {
  let zi = MAX_NR_ZONES - 1;
  for (; zi >= 0; zi--) {
    if (zi === ZONE_MOVABLE) continue;
    if (st.arch_zone_highest_possible_pfn[zi] > st.arch_zone_lowest_possible_pfn[zi]) break;
  }
  st.movable_zone = zi;
}

/**
 * Where ZONE_MOVABLE starts on each node for kernelcore=/movablecore=: the kernel's share is
 * spread evenly over the nodes, the rest of each node above it becomes movable, and the start
 * is rounded up to MAX_ORDER_NR_PAGES.
 * @kernel mm/page_alloc.c find_zone_movable_pfns_for_nodes
 */
export function find_zone_movable_pfns_for_nodes(st: mm_init_state, mb: Memblock, nodes: number[]): void {
  const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);
  const zmp = st.zone_movable_pfn;
  let totalpages = 0;
  for (const r of for_each_mem_pfn_range(mb)) totalpages += r.end - r.start;
  const memNodes = nodes.filter((nid) => present_in_range(mb, nid, 0, Infinity) > 0);
  let usable_nodes = memNodes.length;
  find_usable_zone_for_movable(st);

  let required_kernelcore = st.required_kernelcore;
  let required_movablecore = st.required_movablecore;
  if (st.required_kernelcore_percent) required_kernelcore = Math.floor((totalpages * 100 * st.required_kernelcore_percent) / 10000);
  if (st.required_movablecore_percent) required_movablecore = Math.floor((totalpages * 100 * st.required_movablecore_percent) / 10000);
  if (required_movablecore) {
    required_movablecore = Math.ceil(required_movablecore / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    required_movablecore = Math.min(totalpages, required_movablecore);
    const corepages = totalpages - required_movablecore;
    required_kernelcore = Math.max(required_kernelcore, corepages);
  }
  if (!required_kernelcore || required_kernelcore >= totalpages) return;

  const usable_startpfn = st.arch_zone_lowest_possible_pfn[st.movable_zone];
  for (;;) {
    let kernelcore_node = Math.floor(required_kernelcore / usable_nodes);
    for (const nid of memNodes) {
      if (required_kernelcore < kernelcore_node) kernelcore_node = Math.floor(required_kernelcore / usable_nodes);
      let kernelcore_remaining = kernelcore_node;
      for (const r of for_each_mem_pfn_range(mb, nid)) {
        let start_pfn = Math.max(r.start, zmp[nid]);
        const end_pfn = r.end;
        if (start_pfn >= end_pfn) continue;
        if (start_pfn < usable_startpfn) {
          const kernel_pages = Math.min(end_pfn, usable_startpfn) - start_pfn;
          kernelcore_remaining -= Math.min(kernel_pages, kernelcore_remaining);
          required_kernelcore -= Math.min(kernel_pages, required_kernelcore);
          if (end_pfn <= usable_startpfn) {
            zmp[nid] = end_pfn;
            continue;
          }
          start_pfn = usable_startpfn;
        }
        let size_pages = end_pfn - start_pfn;
        if (size_pages > kernelcore_remaining) size_pages = kernelcore_remaining;
        zmp[nid] = start_pfn + size_pages;
        required_kernelcore -= Math.min(required_kernelcore, size_pages);
        kernelcore_remaining -= size_pages;
        if (!kernelcore_remaining) break;
      }
    }
    usable_nodes--;
    if (usable_nodes && required_kernelcore > usable_nodes) continue;
    break;
  }
  for (const nid of nodes) {
    zmp[nid] = Math.ceil(zmp[nid] / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    const { end } = get_pfn_range_for_nid(mb, nid);
    if (zmp[nid] >= end) zmp[nid] = 0;
  }
}

/** @kernel mm/page_alloc.c adjust_zone_range_for_zone_movable */
function adjust_zone_range_for_zone_movable(
  st: mm_init_state,
  nid: number,
  zone_type: number,
  node_end_pfn: number,
  r: { start: number; end: number },
): void {
  const zmp = st.zone_movable_pfn[nid];
  if (!zmp) return;
  if (zone_type === ZONE_MOVABLE) {
    r.start = zmp;
    r.end = Math.min(node_end_pfn, st.arch_zone_highest_possible_pfn[st.movable_zone]);
  } else if (r.start < zmp && r.end > zmp) {
    r.end = zmp;
  } else if (r.start >= zmp) {
    r.start = r.end;
  }
}

/**
 * A zone's span in a node, holes included: spanned_pages and zone_start_pfn.
 * @kernel mm/page_alloc.c zone_spanned_pages_in_node
 */
export function zone_spanned_pages_in_node(
  st: mm_init_state,
  nid: number,
  zone_type: number,
  node_start_pfn: number,
  node_end_pfn: number,
): { spanned: number; start: number; end: number } {
  if (!node_start_pfn && !node_end_pfn) return { spanned: 0, start: 0, end: 0 };
  const lo = st.arch_zone_lowest_possible_pfn[zone_type];
  const hi = st.arch_zone_highest_possible_pfn[zone_type];
  const r = { start: clamp(node_start_pfn, lo, hi), end: clamp(node_end_pfn, lo, hi) };
  adjust_zone_range_for_zone_movable(st, nid, zone_type, node_end_pfn, r);
  if (r.end < node_start_pfn || r.start > node_end_pfn) return { spanned: 0, start: 0, end: 0 };
  r.end = Math.min(r.end, node_end_pfn);
  r.start = Math.max(r.start, node_start_pfn);
  return { spanned: r.end - r.start, start: r.start, end: r.end };
}

/** Holes inside a zone's span on a node. @kernel mm/page_alloc.c zone_absent_pages_in_node */
export function zone_absent_pages_in_node(
  st: mm_init_state,
  mb: Memblock,
  nid: number,
  zone_type: number,
  node_start_pfn: number,
  node_end_pfn: number,
): number {
  if (!node_start_pfn && !node_end_pfn) return 0;
  const lo = st.arch_zone_lowest_possible_pfn[zone_type];
  const hi = st.arch_zone_highest_possible_pfn[zone_type];
  const r = { start: clamp(node_start_pfn, lo, hi), end: clamp(node_end_pfn, lo, hi) };
  adjust_zone_range_for_zone_movable(st, nid, zone_type, node_end_pfn, r);
  // __absent_pages_in_range
  return r.end - r.start - present_in_range(mb, nid, r.start, r.end);
}

/** Fills each zone's zone_start_pfn, spanned_pages and present_pages. @kernel mm/page_alloc.c calculate_node_totalpages */
export function calculate_node_totalpages(st: mm_init_state, mb: Memblock, pgdat: pglist_data, node_start_pfn: number, node_end_pfn: number): void {
  let total = 0;
  let realtotal = 0;
  for (let i = 0; i < MAX_NR_ZONES; i++) {
    const z = pgdat.node_zones[i];
    const sp = zone_spanned_pages_in_node(st, pgdat.node_id, i, node_start_pfn, node_end_pfn);
    const absent = zone_absent_pages_in_node(st, mb, pgdat.node_id, i, node_start_pfn, node_end_pfn);
    const size = sp.spanned;
    z.zone_start_pfn = size ? sp.start : 0;
    z.spanned_pages = size;
    z.present_pages = size - absent;
    total += size;
    realtotal += size - absent;
  }
  pgdat.node_spanned_pages = total;
  pgdat.node_present_pages = realtotal;
}

/**
 * Pages of memmap a zone costs: spanned pages (or present ones when the zone is more than 1/16
 * holes) times 64 bytes, in pages. DMA32 of the 512 MiB guest: 126944 * 64 / 4096 = 1983.5 → 1984.
 * @kernel mm/page_alloc.c calc_memmap_size
 */
export function calc_memmap_size(spanned_pages: number, present_pages: number): number {
  let pages = spanned_pages;
  if (spanned_pages > present_pages + Math.floor(present_pages / 16)) pages = present_pages;
  return Math.ceil((pages * STRUCT_PAGE_SIZE) / PAGE_SIZE);
}

/**
 * Per-zone managed estimate (present - memmap - dma_reserve) until memblock_free_all counts the
 * real thing; also sums nr_kernel_pages/nr_all_pages and sets pgdat.nr_zones.
 * @kernel mm/page_alloc.c free_area_init_core, zone_init_internals
 */
export function free_area_init_core(st: mm_init_state, pgdat: pglist_data): void {
  pgdat.nr_zones = 0;
  for (let j = 0; j < MAX_NR_ZONES; j++) {
    const z = pgdat.node_zones[j];
    const size = z.spanned_pages;
    let freesize = z.present_pages;
    const memmap_pages = calc_memmap_size(size, freesize);
    if (freesize >= memmap_pages) freesize -= memmap_pages;
    if (j === 0 && freesize > st.dma_reserve) freesize -= st.dma_reserve;
    st.nr_kernel_pages += freesize;
    st.nr_all_pages += freesize;
    z.managed_pages = freesize;
    if (!size) continue;
    // init_currently_empty_zone
    if (j + 1 > pgdat.nr_zones) pgdat.nr_zones = j + 1;
  }
}

/** `%#018Lx` */
function hex18(x: number): string {
  return "0x" + x.toString(16).padStart(16, "0");
}

/**
 * Sizes every node and zone from memblock and the per-zone pfn limits, prints the "Zone ranges",
 * "Movable zone start", "Early memory node ranges" and "Initmem setup node" lines, then runs
 * memmap_init. Nodes must already exist in k.node_data.
 * @kernel mm/page_alloc.c free_area_init, free_area_init_node
 */
export function free_area_init(k: Kernel, st: mm_init_state, mb: Memblock, max_zone_pfn: number[]): void {
  const log = (s: string): void => k.log.printk(KERN_INFO, s);
  let start_pfn = PFN_DOWN(memblock_start_of_DRAM(mb));
  for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
    if (zi === ZONE_MOVABLE) continue;
    const end_pfn = Math.max(max_zone_pfn[zi], start_pfn);
    st.arch_zone_lowest_possible_pfn[zi] = start_pfn;
    st.arch_zone_highest_possible_pfn[zi] = end_pfn;
    start_pfn = end_pfn;
  }
  const nodes = k.node_data.map((p) => p.node_id);
  st.zone_movable_pfn = new Array<number>(nodes.length).fill(0);
  find_zone_movable_pfns_for_nodes(st, mb, nodes);

  log("Zone ranges:");
  for (let i = 0; i < MAX_NR_ZONES; i++) {
    if (i === ZONE_MOVABLE) continue;
    const lo = st.arch_zone_lowest_possible_pfn[i];
    const hi = st.arch_zone_highest_possible_pfn[i];
    const head = `  ${zone_names[i].padEnd(8)} `;
    log(lo === hi ? head + "empty" : `${head}[mem ${hex18(lo * PAGE_SIZE)}-${hex18(hi * PAGE_SIZE - 1)}]`);
  }
  log("Movable zone start for each node");
  for (const nid of nodes) if (st.zone_movable_pfn[nid]) log(`  Node ${nid}: ${hex18(st.zone_movable_pfn[nid] * PAGE_SIZE)}`);
  log("Early memory node ranges");
  for (const r of for_each_mem_pfn_range(mb))
    log(`  node ${String(r.nid).padStart(3)}: [mem ${hex18(r.start * PAGE_SIZE)}-${hex18(r.end * PAGE_SIZE - 1)}]`);

  st.first_deferred_pfn = new Array<number>(nodes.length).fill(Infinity);
  for (const pgdat of k.node_data) {
    const { start, end } = get_pfn_range_for_nid(mb, pgdat.node_id);
    pgdat.node_start_pfn = start;
    if (start !== end) log(`Initmem setup node ${pgdat.node_id} [mem ${hex18(start * PAGE_SIZE)}-${hex18(end ? end * PAGE_SIZE - 1 : 0)}]`);
    else log(`Initmem setup node ${pgdat.node_id} as memoryless`);
    calculate_node_totalpages(st, mb, pgdat, start, end);
    free_area_init_core(st, pgdat);
  }
  memmap_init(k, st, mb);
}

function pgdat_end_pfn(p: pglist_data): number {
  return p.node_start_pfn + p.node_spanned_pages;
}

/**
 * Initialises the memory map: each pageblock's zone and migratetype (MIGRATE_MOVABLE, set at
 * pageblock-aligned pfns only, so a pageblock whose first pfn is a hole stays UNMOVABLE — the
 * 512 MiB guest's DMA pageblock 0, which /proc/pagetypeinfo counts as 1 Unmovable), PG_reserved
 * on holes, where deferred init starts on each node, and the "pages in unavailable ranges" lines.
 * @kernel mm/page_alloc.c memmap_init, memmap_init_zone_range, memmap_init_range, defer_init,
 *   init_unavailable_range
 */
export function memmap_init(k: Kernel, st: mm_init_state, mb: Memblock): void {
  const mm = k.mem_map;
  const nrSections = Math.ceil(mm.max_pfn / PAGES_PER_SECTION) + 1;
  st.section_present = new Uint8Array(nrSections);
  for (const r of for_each_mem_pfn_range(mb))
    for (let s = r.start; s < r.end; s += PAGES_PER_SECTION) st.section_present[Math.floor(s / PAGES_PER_SECTION)] = 1;
  for (const r of for_each_mem_pfn_range(mb)) st.section_present[Math.floor((r.end - 1) / PAGES_PER_SECTION)] = 1;
  const pfn_valid = (pfn: number): boolean => st.section_present[Math.floor(pfn / PAGES_PER_SECTION)] === 1;

  // Zone of every pageblock inside a zone span that has a memmap (holes inside a zone's span
  // belong to it, as init_unavailable_range links them; pageblocks without a memmap stay 255).
  const blocksPerSection = PAGES_PER_SECTION / pageblock_nr_pages;
  for (const pgdat of k.node_data)
    for (const z of pgdat.node_zones) {
      if (!z.spanned_pages) continue;
      const zi = pgdat.node_id * MAX_NR_ZONES + z.zone_idx;
      const first = Math.floor(z.zone_start_pfn / pageblock_nr_pages);
      const end = Math.floor((z.zone_end_pfn() - 1) / pageblock_nr_pages) + 1;
      // one fill per section: a section has a memmap or not as a whole
      for (let b = first; b < end; ) {
        const secEnd = Math.min(end, (Math.floor(b / blocksPerSection) + 1) * blocksPerSection);
        if (pfn_valid(b * pageblock_nr_pages)) mm.pageblock_zone.fill(zi, b, secEnd);
        b = secEnd;
      }
    }

  let hole_pfn = 0;
  let zone_id = 0;
  let nid = 0;
  let end_pfn = 0;
  // defer_init's statics
  let prev_end_pfn = -1;
  let nr_initialised = 0;
  const init_unavailable_range = (spfn: number, epfn: number, zidx: number, node: number): void => {
    let pgcnt = 0;
    for (let pfn = spfn; pfn < epfn; ) {
      const pbStart = pfn - (pfn % pageblock_nr_pages);
      const pbEnd = pbStart + pageblock_nr_pages;
      if (!pfn_valid(pbStart)) {
        pfn = pbEnd;
        continue;
      }
      const e = Math.min(pbEnd, epfn);
      mm.flags.fill(F(PG_reserved), pfn, e);
      pgcnt += e - pfn;
      pfn = e;
    }
    if (pgcnt) k.log.printk(KERN_INFO, `On node ${node}, zone ${zone_names[zidx]}: ${pgcnt} pages in unavailable ranges`);
  };

  for (const r of for_each_mem_pfn_range(mb)) {
    const node = k.node_data[r.nid];
    nid = r.nid;
    end_pfn = r.end;
    for (let j = 0; j < MAX_NR_ZONES; j++) {
      const z = node.node_zones[j];
      if (!z.populated_zone()) continue;
      const zs = z.zone_start_pfn;
      const ze = z.zone_end_pfn();
      const s = clamp(r.start, zs, ze);
      const e = clamp(r.end, zs, ze);
      zone_id = j;
      if (s >= e) continue;
      // memmap_init_range(MEMINIT_EARLY): migratetype at aligned pfns; defer_init may stop it
      // (the deferred part gets the same migratetype later, in deferred_init_pages).
      let stop = e;
      if (ze >= pgdat_end_pfn(node)) {
        if (prev_end_pfn !== ze) {
          prev_end_pfn = ze;
          nr_initialised = 0;
        }
        if (st.first_deferred_pfn[nid] !== Infinity) stop = s;
        else {
          // first pfn p with nr_initialised + (p - s + 1) > PAGES_PER_SECTION and section aligned
          const p0 = s + PAGES_PER_SECTION - nr_initialised;
          const p = Math.ceil(p0 / PAGES_PER_SECTION) * PAGES_PER_SECTION;
          if (p < e) {
            st.first_deferred_pfn[nid] = p;
            stop = p;
          }
          nr_initialised += stop - s;
        }
      }
      set_movable_pageblocks(k, s, e);
      if (hole_pfn < s) init_unavailable_range(hole_pfn, s, j, nid);
      hole_pfn = e;
    }
  }
  const sectionEnd = Math.ceil(end_pfn / PAGES_PER_SECTION) * PAGES_PER_SECTION;
  if (hole_pfn < sectionEnd) init_unavailable_range(hole_pfn, sectionEnd, zone_id, nid);
}

/**
 * MIGRATE_MOVABLE for every pageblock whose first pfn lies in [s, e) (memmap_init_range for the
 * initialised part, deferred_init_pages for the rest: both mark at pageblock-aligned pfns).
 */
function set_movable_pageblocks(k: Kernel, s: number, e: number): void {
  const first = Math.ceil(s / pageblock_nr_pages);
  const last = Math.ceil(e / pageblock_nr_pages);
  if (first < last) k.mem_map.pageblock_mt.fill(MIGRATE_MOVABLE, first, last);
}

// ---------------------------------------------------------------------------------------------
// Zonelists
// ---------------------------------------------------------------------------------------------

/**
 * Nodes in the order node `local` falls back to them: itself, then by distance, preferring
 * higher-numbered and CPU-less nodes at equal distance and spreading load (node_load).
 * @kernel mm/page_alloc.c build_zonelists, find_next_best_node
 */
export function node_fallback_order(
  local: number,
  memNodes: number[],
  distance: number[][],
  hasCpus: boolean[],
  node_load: number[],
): number[] {
  const used = new Set<number>();
  const order: number[] = [];
  let prev = local;
  for (;;) {
    let best = -1;
    if (!used.has(local)) best = local;
    else {
      let min_val = Infinity;
      for (const n of memNodes) {
        if (used.has(n)) continue;
        let val = distance[local][n];
        val += n < local ? 1 : 0;
        if (hasCpus[n]) val += PENALTY_FOR_NODE_WITH_CPUS;
        val *= MAX_NUMNODES;
        val += node_load[n];
        if (val < min_val) {
          min_val = val;
          best = n;
        }
      }
    }
    if (best < 0) break;
    used.add(best);
    if (distance[local][best] !== distance[local][prev]) node_load[best] += 1;
    order.push(best);
    prev = best;
  }
  return order;
}

/**
 * Builds every node's fallback zonelist (its managed zones highest first, then the next nodes'),
 * prints "Fallback order for Node N: …", "Built N zonelists, mobility grouping on.  Total
 * pages: N" and "Policy zone: X".
 * @kernel mm/page_alloc.c build_all_zonelists, __build_all_zonelists, build_zonerefs_node
 */
export function build_all_zonelists(k: Kernel, st: mm_init_state, distance: number[][], hasCpus: boolean[]): void {
  const node_load = new Array<number>(k.node_data.length).fill(0);
  const memNodes = k.node_data.filter((p) => p.node_present_pages > 0).map((p) => p.node_id);
  for (const pgdat of k.node_data) {
    const order = node_fallback_order(pgdat.node_id, memNodes, distance, hasCpus, node_load);
    const list: zone[] = [];
    for (const nid of order) {
      const node = k.node_data[nid];
      for (let zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
        const z = node.node_zones[zt];
        if (z.managed_zone()) {
          list.push(z);
          if (zt > st.policy_zone && zt !== ZONE_MOVABLE) st.policy_zone = zt;
        }
      }
    }
    pgdat.node_zonelists = list;
    k.log.printk(KERN_INFO, `Fallback order for Node ${pgdat.node_id}: ${order.map((n) => `${n} `).join("")}`);
  }
  cachePreferredZones(k);
  const vm_total_pages = nr_free_zone_pages(k, ZONE_MOVABLE);
  st.page_group_by_mobility_disabled = vm_total_pages < pageblock_nr_pages * MIGRATE_TYPES;
  const online = k.node_data.filter((p) => p.node_present_pages > 0).length;
  k.log.printk(
    KERN_INFO,
    `Built ${online} zonelists, mobility grouping ${st.page_group_by_mobility_disabled ? "off" : "on"}.  Total pages: ${vm_total_pages}`,
  );
  k.log.printk(KERN_INFO, `Policy zone: ${zone_names[st.policy_zone]}`);
}

/**
 * Fills k.preferredZoneOf from the zonelists as they stand; whoever builds or replaces a
 * zonelist calls it. The kernel's zonelist walk reads each zoneref's zone_idx in place, one
 * load per zone; here each step is an object's field behind two more loads, and that chain was
 * the slowest part of an order-0 allocation, so the fast path looks its first zone up here
 * (six dependent loads and a loop become three).
 */
export function cachePreferredZones(k: Kernel): void {
  const table = new Int32Array(k.node_data.length * MAX_NR_ZONES).fill(-1);
  for (const pgdat of k.node_data) {
    for (let highest_zoneidx = 0; highest_zoneidx < MAX_NR_ZONES; highest_zoneidx++) {
      const z = pgdat.node_zonelists.find((zz) => zz.zone_idx <= highest_zoneidx);
      if (z !== undefined) table[pgdat.node_id * MAX_NR_ZONES + highest_zoneidx] = k.zones.indexOf(z);
    }
  }
  k.preferredZoneOf = table;
}

/** The node of the running CPU (numa_node_id()). */
export function cpu_to_node(k: Kernel): number {
  const map = k.cpu_to_node;
  return map && map.length > k.cpu ? map[k.cpu] : 0;
}

// ---------------------------------------------------------------------------------------------
// memblock → buddy
// ---------------------------------------------------------------------------------------------

/** The allocator's entry for boot frees (page_alloc.ts __free_pages_core). */
export type FreePagesCore = (k: Kernel, pfn: number, order: number) => void;

/** Lowest set bit of a pfn (__ffs), for pfns beyond 2^31 too; only orders up to MAX_ORDER matter. */
function ffs(x: number): number {
  let n = 0;
  while (x % 2 === 0 && n < MAX_ORDER) {
    x /= 2;
    n++;
  }
  return n;
}

/**
 * Frees [start, end) as the largest naturally aligned blocks, at most MAX_ORDER-1: pfns
 * 0x9f..0x100 would go as 1+32+64 pages. Blocks in a node's deferred part are skipped
 * (memblock_free_pages: early_page_uninitialised) when `skipDeferred` is given.
 * @kernel mm/memblock.c __free_pages_memory
 */
export function __free_pages_memory(
  k: Kernel,
  start: number,
  end: number,
  free_core: FreePagesCore,
  skipDeferred?: (pfn: number) => boolean,
): void {
  const maxBlock = 1 << (MAX_ORDER - 1);
  while (start < end) {
    let order: number;
    // Fast path: the interior of a large range is all MAX_ORDER-1 blocks.
    if (start % maxBlock === 0 && start + maxBlock <= end) order = MAX_ORDER - 1;
    else {
      order = Math.min(MAX_ORDER - 1, ffs(start));
      while (start + 2 ** order > end) order--;
    }
    if (!skipDeferred || !skipDeferred(start)) free_core(k, start, order);
    start += 2 ** order;
  }
}

/**
 * Hands all free memblock memory to the buddy allocator: zones' managed_pages restart at 0 and
 * grow as __free_pages_core frees each block; pages of reserved ranges get PG_reserved. Returns
 * the pages counted into totalram (deferred ones included, as the kernel counts them).
 * @kernel mm/memblock.c memblock_free_all, reset_all_zones_managed_pages,
 *   free_low_memory_core_early, memmap_init_reserved_pages, __free_memory_core
 * @kernel mm/page_alloc.c memblock_free_pages, early_page_uninitialised
 */
export function memblock_free_all(k: Kernel, st: mm_init_state, mb: Memblock, free_core: FreePagesCore): number {
  for (const z of k.zones) z.managed_pages = 0;
  const flags = k.mem_map.flags;
  for (const r of mb.reserved.regions) {
    const s = PFN_DOWN(r.base);
    const e = Math.min(PFN_UP(r.base + r.size), k.mem_map.max_pfn);
    if (s < e) flags.fill(F(PG_reserved), s, e);
  }
  const max_low_pfn = k.max_pfn;
  let count = 0;
  st.fresh_memmap = true;
  for (const r of for_each_free_mem_range(mb)) {
    const s = PFN_UP(r.start);
    const e = Math.min(PFN_DOWN(r.end), max_low_pfn);
    if (s >= e) continue;
    const first = st.first_deferred_pfn[r.nid] ?? Infinity;
    __free_pages_memory(k, s, e, free_core, (pfn) => pfn >= first);
    count += e - s;
  }
  st.fresh_memmap = false;
  st.totalram_pages += count;
  return count;
}

/**
 * Frees the deferred part of every node (pfns from first_deferred_pfn on that memblock left
 * free), zone by zone, and returns the pages freed per node. Runs in page_alloc_init_late after
 * the secondary CPUs are up; "node N deferred pages initialised in Nms".
 * @kernel mm/page_alloc.c page_alloc_init_late, deferred_init_memmap, deferred_init_maxorder
 */
export function deferred_init_memmap(k: Kernel, st: mm_init_state, mb: Memblock, free_core: FreePagesCore): number[] {
  const freed = new Array<number>(k.node_data.length).fill(0);
  st.fresh_memmap = true;
  for (const pgdat of k.node_data) {
    const nid = pgdat.node_id;
    const first = st.first_deferred_pfn[nid];
    if (first === Infinity) continue;
    for (const r of for_each_free_mem_range(mb, nid)) {
      let s = Math.max(PFN_UP(r.start), first);
      const e = Math.min(PFN_DOWN(r.end), k.max_pfn);
      for (const z of pgdat.node_zones) {
        if (!z.spanned_pages) continue;
        const zs = Math.max(s, z.zone_start_pfn);
        const ze = Math.min(e, z.zone_end_pfn());
        if (zs >= ze) continue;
        __free_pages_memory(k, zs, ze, free_core);
        freed[nid] += ze - zs;
      }
      s = e;
    }
    st.first_deferred_pfn[nid] = Infinity;
  }
  st.fresh_memmap = false;
  return freed;
}

/** Section number of a pfn. */
export function pfn_to_section_nr(pfn: number): number {
  return Math.floor(pfn / 2 ** PFN_SECTION_SHIFT);
}

// ---------------------------------------------------------------------------------------------
// Deferred linking of boot MAX_ORDER blocks (the model of CONFIG_DEFERRED_STRUCT_PAGE_INIT):
// boot's free blocks wait, unlinked, at the tail of their free list (free_area.deferred, see
// deferred_tail in mmzone.ts) until the allocator reaches them; page_alloc.ts calls these.
// ---------------------------------------------------------------------------------------------

/** Pages in a MAX_ORDER - 1 block. */
const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);

/** Unlinked blocks at the tail of one free list (0 for orders below MAX_ORDER - 1). */
export function deferred_nr_free(area: free_area, mt: number): number {
  const tails = area.deferred;
  return tails === null ? 0 : tails[mt].nr;
}

/** Appends a block at the tail of a list that has an unlinked tail (or for a fresh boot block). */
export function deferred_append(k: Kernel, area: free_area, mt: number, pfn: number): void {
  let tails = area.deferred;
  if (tails === null) {
    tails = Array.from({ length: MIGRATE_TYPES }, () => new deferred_tail());
    area.deferred = tails;
  }
  const t = tails[mt];
  const last = t.end.length - 1;
  if (last >= t.first && t.end[last] === pfn) t.end[last] = pfn + MAX_ORDER_NR_PAGES;
  else {
    t.start.push(pfn);
    t.end.push(pfn + MAX_ORDER_NR_PAGES);
  }
  t.nr++;
  k.mem_map.nr_deferred_blocks++;
}

/** Links the first unlinked block of a list at the tail of its explicit part. Returns its pfn. */
export function deferred_link_first(k: Kernel, area: free_area, mt: number, t: deferred_tail): number {
  const pfn = t.start[t.first];
  t.start[t.first] = pfn + MAX_ORDER_NR_PAGES;
  if (t.start[t.first] === t.end[t.first]) t.first++;
  if (--t.nr === 0) {
    t.start.length = 0;
    t.end.length = 0;
    t.first = 0;
  }
  const mm = k.mem_map;
  mm.nr_deferred_blocks--;
  // set_buddy_order and add_to_free_list_tail, as the eager boot free did
  mm.private[pfn] = MAX_ORDER - 1;
  mm.flags[pfn] |= F(PG_buddy);
  mm.lru.list_add_tail(area.free_list, mt, pfn);
  mm.index[pfn] = mt;
  return pfn;
}

/** Links every deferred block of a zone, list by list in order. */
export function deferred_link_zone(k: Kernel, z: zone): void {
  const area = z.free_area[MAX_ORDER - 1];
  const tails = area.deferred;
  if (tails === null) return;
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
    const t = tails[mt];
    while (t.nr) deferred_link_first(k, area, mt, t);
  }
}

/** Links every deferred block of the machine (for walks over all pfns, such as checkBuddy). */
export function deferred_link_all(k: Kernel): void {
  if (k.mem_map.nr_deferred_blocks === 0) return;
  for (const z of k.zones) deferred_link_zone(k, z);
}

/** Whether pfn heads a deferred (not yet linked) free block. */
export function deferred_block_at(k: Kernel, pfn: number): boolean {
  if (k.mem_map.nr_deferred_blocks === 0 || (pfn & (MAX_ORDER_NR_PAGES - 1)) !== 0) return false;
  const z = k.page_zone(pfn);
  if (z === undefined) return false;
  const tails = z.free_area[MAX_ORDER - 1].deferred;
  if (tails === null) return false;
  for (const t of tails) for (let i = t.first; i < t.start.length; i++) if (t.start[i] <= pfn && pfn < t.end[i]) return true;
  return false;
}

/** Whether any deferred block of zone z lies in [start_pfn, end_pfn]. */
export function deferred_in_range(k: Kernel, z: zone, start_pfn: number, end_pfn: number): boolean {
  if (k.mem_map.nr_deferred_blocks === 0) return false;
  const tails = z.free_area[MAX_ORDER - 1].deferred;
  if (tails === null) return false;
  for (const t of tails) for (let i = t.first; i < t.start.length; i++) if (t.start[i] <= end_pfn && start_pfn < t.end[i]) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Boot hash tables
// ---------------------------------------------------------------------------------------------

/** alloc_large_system_hash's flags. @kernel include/linux/memblock.h HASH_EARLY, HASH_SMALL, HASH_ZERO */
export const HASH_EARLY = 0x00000001;
export const HASH_SMALL = 0x00000002;
export const HASH_ZERO = 0x00000004;
/** Above 64 GiB of kernel pages, each 4× more memory adds one to the scale. @kernel mm/page_alloc.c ADAPT_SCALE_BASE */
const ADAPT_SCALE_NPAGES = (64 * 2 ** 30) / PAGE_SIZE;
const ADAPT_SCALE_SHIFT = 2;

/** Where a boot hash table's memory comes from (memblock early, then the buddy allocator or vmalloc). */
export interface HashTableMemory {
  /** HASH_EARLY: a memblock allocation of this many bytes. */
  memblock(bytes: number): boolean;
  /** hashdist (more than one node with memory): vmalloc; else pages (alloc_pages_exact). */
  vmalloc(bytes: number): boolean;
  pages(bytes: number): boolean;
}

/**
 * A boot hash table sized from memory: one bucket per 2^scale bytes of kernel pages (rounded up
 * to a MiB, the scale growing by one per 4× above 64 GiB unless a high_limit is set), at least a
 * page, a power of two, within [low_limit, high_limit or 1/16 of memory]. Early tables come from
 * memblock; later ones from vmalloc when hashdist spreads them over the nodes, else from the page
 * allocator ("linear"); a table that cannot be had is halved until it can. Returns log2 of the
 * entries. "TCP established hash table entries: 4096 (order: 3, 32768 bytes, linear)" on 512 MiB:
 * 115456 kernel pages >> (17 - 12) = 3608 → 4096 entries of 8 bytes.
 * @kernel mm/page_alloc.c alloc_large_system_hash
 */
export function alloc_large_system_hash(
  k: Kernel,
  tablename: string,
  bucketsize: number,
  numentries: number,
  scale: number,
  flags: number,
  low_limit: number,
  high_limit: number,
  mem: HashTableMemory,
  hashdist: boolean,
): number {
  const st = k.mm_init!;
  let max = high_limit;
  if (!numentries) {
    numentries = Math.ceil(st.nr_kernel_pages / 256) * 256;
    if (!high_limit) for (let adapt = ADAPT_SCALE_NPAGES; adapt < numentries; adapt *= 2 ** ADAPT_SCALE_SHIFT) scale++;
    numentries = scale > PAGE_SHIFT ? Math.floor(numentries / 2 ** (scale - PAGE_SHIFT)) : numentries * 2 ** (PAGE_SHIFT - scale);
    if (numentries * bucketsize < PAGE_SIZE) numentries = PAGE_SIZE / bucketsize;
  }
  numentries = 2 ** Math.ceil(Math.log2(numentries));
  if (max === 0) max = Math.floor((st.nr_all_pages * PAGE_SIZE) / 16 / bucketsize);
  max = Math.min(max, 0x80000000);
  if (numentries < low_limit) numentries = low_limit;
  if (numentries > max) numentries = max;
  let log2qty = Math.floor(Math.log2(numentries));
  let size: number;
  let virt: boolean;
  let ok: boolean;
  do {
    size = bucketsize * 2 ** log2qty;
    virt = false;
    if (flags & HASH_EARLY) ok = mem.memblock(size);
    else if (Math.ceil(Math.log2(Math.max(1, size / PAGE_SIZE))) >= MAX_ORDER || hashdist) {
      ok = mem.vmalloc(size);
      virt = true;
    } else ok = mem.pages(size);
  } while (!ok && size > PAGE_SIZE && --log2qty);
  if (!ok) boot_panic(k, `Failed to allocate ${tablename} hash table`);
  const order = Math.max(0, Math.ceil(Math.log2(size / PAGE_SIZE)));
  k.log.printk(KERN_INFO, `${tablename} hash table entries: ${2 ** log2qty} (order: ${order}, ${size} bytes, ${virt ? "vmalloc" : "linear"})`);
  return log2qty;
}
