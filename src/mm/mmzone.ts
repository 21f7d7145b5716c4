/**
 * The shapes of physical memory: nodes (pglist_data), their zones, the buddy free_area and the
 * per-CPU page lists. Fields keep the kernel's names; the mechanisms that fill and use them live in
 * mm_init.ts (sizing at boot), page_alloc.ts (the allocator) and watermark.ts (reserves).
 * @kernel include/linux/mmzone.h struct zone, struct pglist_data, struct free_area,
 *   struct per_cpu_pages, enum zone_type, enum migratetype, enum zone_watermarks
 */
import type { mem_cgroup } from "./memcontrol.js";
import { asDoubles } from "../kernel/shape.js";
import { newListHeads } from "./list.js";
import type { kswapd_thread } from "./vmscan.js";
import type { kcompactd_thread } from "./compaction.js";
import { MAX_ORDER, NO_PFN } from "./types.js";
import { NR_VM_NODE_STAT_ITEMS, NR_VM_NUMA_EVENT_ITEMS, NR_VM_ZONE_STAT_ITEMS } from "./vmstat_items.js";

// enum zone_type: Debian 6.1 x86-64 has ZONE_DMA, ZONE_DMA32 and ZONE_DEVICE, no HIGHMEM.
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
export const ZONE_DEVICE = 4;
export const MAX_NR_ZONES = 5;
export const zone_names = Object.freeze(["DMA", "DMA32", "Normal", "Movable", "Device"] as const);

// enum migratetype (no CMA in Debian's build, MEMORY_ISOLATION on) and migratetype_names: the
// shared tables of src/include/linux/mmzone.ts. MIGRATE_PCPTYPES: the types that have pcp lists.
export { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_PCPTYPES, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_TYPES, migratetype_names } from "../include/linux/mmzone.js";
import { MIGRATE_PCPTYPES, MIGRATE_TYPES } from "../include/linux/mmzone.js";

// enum zone_watermarks
export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;
export const NR_WMARK = 4;

// enum zone_flags: bit numbers in zone.flags.
/** The zone's watermark was boosted by a fragmenting fallback; cleared when kswapd is woken. */
export const ZONE_BOOSTED_WATERMARK = 0;
/** kswapd may be scanning the zone: pcp lists hold fewer pages meanwhile. */
export const ZONE_RECLAIM_ACTIVE = 1;

/**
 * pcp lists: one per (order <= PAGE_ALLOC_COSTLY_ORDER, pcp migratetype), plus NR_PCP_THP lists
 * for pageblock_order: 3 * 4 + 2 = 14.
 */
export const NR_PCP_THP = 2;
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (3 + 1);
export const NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP;

/** The buddy lists of one order in one zone. */
export class free_area {
  /** First pfn of each migratetype's list (see list.ts), NO_PFN when empty. */
  readonly free_list = newListHeads(MIGRATE_TYPES);
  /** Free blocks of this order, all migratetypes together. */
  nr_free = 0;
  /**
   * For free_area[MAX_ORDER - 1] after boot: the unlinked tail of each migratetype's list
   * (deferred_tail, mm_init.ts), null until boot defers a block here.
   */
  deferred: deferred_tail[] | null = null;
}

/**
 * MAX_ORDER-1 blocks handed to the buddy lists at boot whose struct page (head flags, private,
 * index, lru) has not been written yet. The kernel defers struct page init so that boot does not
 * touch every struct page of a large machine; the model goes one step further and keeps fresh boot
 * blocks as runs at the tail of their free list, counted in nr_free, NR_FREE_PAGES and
 * managed_pages exactly as if linked. Boot frees append at the tail in pfn order, so
 * "explicit list, then the runs in order" is exactly the eager list. A block is linked (its head
 * written and appended to the explicit list) when a head read finds the explicit list empty, and
 * every run of a zone is linked before anything walks the pfns (move_freepages) or the lists
 * (checkBuddy). Nothing observable differs: allocation order, counters and /proc are the same.
 * The functions are in mm_init.ts.
 * @kernel mm/page_alloc.c deferred_init_memmap, deferred_init_maxorder, deferred_free_range
 */
export class deferred_tail {
  /** Runs of consecutive blocks, [start[i], end[i]) in pfns, from index `first` on. */
  readonly start: number[] = [];
  readonly end: number[] = [];
  first = 0;
  /** Unlinked blocks on this list. */
  nr = 0;
}


/**
 * Where a pageset's numbers sit in its slice of zone.pcp_area, after the list heads: one CPU's
 * whole pageset is then one run of 18 int32s (72 bytes), and the order-0 fast paths reach
 * count, high, batch and free_factor through the array they already hold for the list head,
 * without loading the per_cpu_pages object.
 */
export const PCP_COUNT = NR_PCP_LISTS;
export const PCP_HIGH = NR_PCP_LISTS + 1;
export const PCP_BATCH = NR_PCP_LISTS + 2;
export const PCP_FREE_FACTOR = NR_PCP_LISTS + 3;
/** int32s per CPU in zone.pcp_area: the list heads by pindex, then the four numbers. */
export const PCP_STRIDE = NR_PCP_LISTS + 4;

/**
 * One CPU's cache of free pages for one zone. Its list heads and numbers live in the zone's
 * pcp_area (see PCP_STRIDE); this object is the named view the rest of the model reads them
 * through, and its accessors compile to the same array loads the fast paths make.
 * @kernel include/linux/mmzone.h struct per_cpu_pages
 */
export class per_cpu_pages {
  constructor(
    /** The list heads by pindex, then the numbers: a view of the zone's pcp_area (zone_pagesets_alloc). */
    readonly lists: Int32Array,
  ) {}

  /** Pages on all the lists, in base pages. */
  get count(): number {
    return this.lists[PCP_COUNT];
  }
  set count(v: number) {
    this.lists[PCP_COUNT] = v;
  }
  get high(): number {
    return this.lists[PCP_HIGH];
  }
  set high(v: number) {
    this.lists[PCP_HIGH] = v;
  }
  get batch(): number {
    return this.lists[PCP_BATCH];
  }
  set batch(v: number) {
    this.lists[PCP_BATCH] = v;
  }
  /** Scales the free batch up while a CPU frees without allocating. */
  get free_factor(): number {
    return this.lists[PCP_FREE_FACTOR];
  }
  set free_factor(v: number) {
    this.lists[PCP_FREE_FACTOR] = v;
  }
}

/**
 * Gives a zone one pageset per CPU (none for 0), their list heads and numbers views of one fresh
 * zone.pcp_area (the order-0 fast paths read them from there, so a pageset made any other way
 * would not be seen by them). The caller sets high and batch.
 * @kernel mm/page_alloc.c setup_zone_pageset (zone->per_cpu_pageset = alloc_percpu(...))
 */
export function zone_pagesets_alloc(z: zone, nr_cpus: number): per_cpu_pages[] {
  z.pcp_area = newListHeads(nr_cpus * PCP_STRIDE);
  for (let cpu = 0; cpu < nr_cpus; cpu++) z.pcp_area.fill(0, cpu * PCP_STRIDE + PCP_COUNT, (cpu + 1) * PCP_STRIDE);
  z.per_cpu_pageset = Array.from({ length: nr_cpus }, (_, cpu) => new per_cpu_pages(z.pcp_area.subarray(cpu * PCP_STRIDE, (cpu + 1) * PCP_STRIDE)));
  return z.per_cpu_pageset;
}

export class zone {
  /** min/low/high/promo watermarks before boosting; read them through the wmark_pages helpers. */
  readonly _watermark = new Float64Array(NR_WMARK);
  watermark_boost = 0;
  nr_reserved_highatomic = 0;
  /** enum zone_flags bits (1 << ZONE_BOOSTED_WATERMARK …). */
  flags = 0;
  /** Pages this zone keeps back from allocations that could have used a higher zone. */
  readonly lowmem_reserve = new Float64Array(MAX_NR_ZONES);
  zone_start_pfn = 0;
  /** zone_end_pfn - zone_start_pfn, holes included. */
  spanned_pages = 0;
  /** Physical pages in the span: spanned minus holes. */
  present_pages = 0;
  /** Pages the buddy allocator manages: present minus memblock-reserved ones. */
  managed_pages = 0;
  /** per-CPU lists, indexed by cpu. */
  per_cpu_pageset: per_cpu_pages[] = [];
  /**
   * Every CPU's struct per_cpu_pages of this zone in one array, PCP_STRIDE int32s per CPU: the
   * list heads by pindex, then count, high, batch and free_factor. Each pageset's `lists` is a
   * view of its part. The order-0 fast paths work on this array alone: a list head is three
   * dependent loads from the zone instead of six through per_cpu_pageset[cpu].lists (those
   * were the slowest lines of an alloc+free pair), and the numbers share its cache line.
   */
  pcp_area: Int32Array = new Int32Array(0);
  pageset_high = 0;
  pageset_batch = 0;
  readonly free_area: free_area[] = Array.from({ length: MAX_ORDER }, () => new free_area());
  nr_isolate_pageblock = 0;
  /** zone->vm_stat, in pages. */
  readonly vm_stat = new Float64Array(NR_VM_ZONE_STAT_ITEMS);
  /** zone->vm_numa_event (numa_hit etc). */
  readonly vm_numa_event = new Float64Array(NR_VM_NUMA_EVENT_ITEMS);
  /** The per-cpu stat threshold zoneinfo prints ("vm stats threshold"). */
  stat_threshold = 0;

  // Compaction's per-zone state (mm/compaction.ts), as CONFIG_COMPACTION adds it to struct zone.
  /** Where the free scanner restarts: a pageblock start (0 = not set yet; compact_zone fixes it). */
  compact_cached_free_pfn = 0;
  /** Where the migration scanner restarts, for async [0] and sync [1] compaction. */
  readonly compact_cached_migrate_pfn = new Float64Array(2);
  /** The restart points __reset_isolation_suitable found: a scan from here covers the zone. */
  compact_init_migrate_pfn = 0;
  compact_init_free_pfn = 0;
  /** compaction_deferred's back-off: attempts skipped since the last failure, and log2 of the limit. */
  compact_considered = 0;
  compact_defer_shift = 0;
  /** The lowest order that failed since the last success (orders below it are not deferred). */
  compact_order_failed = 0;
  /** A direct compaction met the scanners: kswapd clears the skip bits when it goes to sleep. */
  compact_blockskip_flush = false;

  /** zone->node (CONFIG_NUMA): the node id, read by zone_statistics on every allocation. */
  readonly node: number;

  constructor(
    readonly zone_pgdat: pglist_data,
    /** enum zone_type of this zone. */
    readonly zone_idx: number,
  ) {
    this.node = zone_pgdat.node_id;
    // Page counts computed from watermarks and byte sizes: doubles from the start (kernel/shape.ts),
    // so a boost or a reserve set mid-run does not replace every zone's hidden class.
    asDoubles<zone>(this, "watermark_boost", "nr_reserved_highatomic", "spanned_pages", "present_pages", "managed_pages");
  }

  get name(): string {
    return zone_names[this.zone_idx];
  }
  zone_end_pfn(): number {
    return this.zone_start_pfn + this.spanned_pages;
  }
  populated_zone(): boolean {
    return this.present_pages !== 0;
  }
  managed_zone(): boolean {
    return this.managed_pages !== 0;
  }
  zone_spans_pfn(pfn: number): boolean {
    return this.zone_start_pfn <= pfn && pfn < this.zone_end_pfn();
  }
}

// enum lru_list (include/linux/mmzone.h): the order of the node_stat_item LRU counters.
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const LRU_UNEVICTABLE = 4;
export const NR_LRU_LISTS = 5;
/** LRU_ACTIVE and LRU_FILE: offsets, so inactive + LRU_ACTIVE is the matching active list. */
export const LRU_ACTIVE = 1;
export const LRU_FILE = 2;

// lruvec->flags and pgdat->flags bits (enum lruvec_flags, enum pgdat_flags).
export const LRUVEC_CONGESTED = 1 << 0;
export const PGDAT_DIRTY = 1 << 0;
export const PGDAT_WRITEBACK = 1 << 1;
export const PGDAT_RECLAIM_LOCKED = 1 << 2;

// The multi-gen LRU's dimensions (include/linux/mmzone.h).
/** Generations the eviction needs: a page's accessed bit is checked twice before it is evicted. */
export const MIN_NR_GENS = 2;
/** Generations an lruvec may hold: max_seq - min_seq + 1 is in [MIN_NR_GENS, MAX_NR_GENS]. */
export const MAX_NR_GENS = 4;
/** Tiers per generation: a page read N times through file descriptors is in tier order_base_2(N). */
export const MAX_NR_TIERS = 4;
/** !CONFIG_LRU_GEN_STATS in Debian's build: one generation of history. */
export const NR_HIST_GENS = 1;
/** ANON_AND_FILE: lrugen arrays have an anon and a file half (LRU_GEN_ANON 0, LRU_GEN_FILE 1). */
export const ANON_AND_FILE = 2;
export const LRU_GEN_ANON = 0;
export const LRU_GEN_FILE = 1;
/** enum { MM_LEAF_TOTAL, … }: the page-table walk's statistics. */
export const MM_LEAF_TOTAL = 0;
export const MM_LEAF_OLD = 1;
export const MM_LEAF_YOUNG = 2;
export const MM_NONLEAF_TOTAL = 3;
export const MM_NONLEAF_FOUND = 4;
export const MM_NONLEAF_ADDED = 5;
export const NR_MM_STATS = 6;
/** Double-buffered Bloom filters of PMD entries worth walking. */
export const NR_BLOOM_FILTERS = 2;
/** m = 2^15 bits per filter. */
export const BLOOM_FILTER_SHIFT = 15;

/** The index of folios[gen][type][zone] / nr_pages[gen][type][zone] in their flat arrays. */
export function lru_gen_index(gen: number, type: number, zone: number): number {
  return (gen * ANON_AND_FILE + type) * MAX_NR_ZONES + zone;
}

/**
 * An lruvec's generations: max_seq (the youngest) and min_seq per type (the oldest); a seq's
 * lists are folios[seq % MAX_NR_GENS][type][zone], threaded through mem_map.lru like the classic
 * lists. The sizes are "eventually consistent" in the kernel (a page-table walk batches its
 * moves); the model applies each walk's batch when the walk of an mm ends, as the kernel does.
 * nr_pages, evicted, refaulted and the averages are page counts: doubles.
 * @kernel include/linux/mmzone.h struct lru_gen_struct
 */
export class lru_gen_struct {
  /** The aging increments the youngest generation number. */
  max_seq = 0;
  /** The eviction increments the oldest generation numbers, [LRU_GEN_ANON], [LRU_GEN_FILE]. */
  readonly min_seq = new Float64Array(ANON_AND_FILE);
  /** The birth time of each generation, in jiffies. */
  readonly timestamps = new Float64Array(MAX_NR_GENS);
  /** The lists, lazily sorted on eviction: first pfn of folios[gen][type][zone] (lru_gen_index). */
  readonly folios = newListHeads(MAX_NR_GENS * ANON_AND_FILE * MAX_NR_ZONES);
  /** The lists' sizes, by lru_gen_index. */
  readonly nr_pages = new Float64Array(MAX_NR_GENS * ANON_AND_FILE * MAX_NR_ZONES);
  /** Exponential moving averages of refaulted and evicted+protected, [type * MAX_NR_TIERS + tier]. */
  readonly avg_refaulted = new Float64Array(ANON_AND_FILE * MAX_NR_TIERS);
  readonly avg_total = new Float64Array(ANON_AND_FILE * MAX_NR_TIERS);
  /** [hist][type][tier - 1]: pages sort_folio protected (the first tier needs none). */
  readonly protected = new Float64Array(NR_HIST_GENS * ANON_AND_FILE * (MAX_NR_TIERS - 1));
  /** [hist][type][tier]: pages evicted, and refaults of pages evicted from the current min_seq. */
  readonly evicted = new Float64Array(NR_HIST_GENS * ANON_AND_FILE * MAX_NR_TIERS);
  readonly refaulted = new Float64Array(NR_HIST_GENS * ANON_AND_FILE * MAX_NR_TIERS);
  /** Whether the multi-gen LRU holds this lruvec's evictable pages (lru_gen_change_state). */
  enabled = false;
}

/**
 * The page-table walkers' place in the mm list, and their Bloom filters.
 * @kernel include/linux/mmzone.h struct lru_gen_mm_state
 */
export class lru_gen_mm_state {
  /** Set to max_seq after each iteration of the mm list. */
  seq = 0;
  /** Where the current iteration continues (inclusive): a node of k.lru_gen.mm_list, or null. */
  head: lru_gen_mm_node | null = null;
  /** Where the last iteration ended (exclusive). */
  tail: lru_gen_mm_node | null = null;
  /** Bloom filters flip after each iteration: BIT(BLOOM_FILTER_SHIFT) bits each, allocated on first use. */
  readonly filters: (Uint32Array | null)[] = [null, null];
  /** [hist][MM_*]: the walks' statistics, for lru_gen_full. */
  readonly stats = new Float64Array(NR_HIST_GENS * NR_MM_STATS);
  /** Page-table walkers in the middle of an iteration (0 or 1: the model runs one at a time). */
  nr_walkers = 0;
}

/**
 * One link of the mm list page-table walkers iterate (struct list_head in mm->lru_gen.list, or
 * the list's head itself, whose `mm` is null). mm_types.ts's mm_struct holds one.
 */
export interface lru_gen_mm_node {
  next: lru_gen_mm_node;
  prev: lru_gen_mm_node;
  readonly mm: object | null;
}

/**
 * A page-table walk in progress: the lruvec aged, the max_seq it ages for, and the generation
 * moves and statistics it batches until reset_batch_size.
 * @kernel include/linux/mmzone.h struct lru_gen_mm_walk
 */
export class lru_gen_mm_walk {
  lruvec: lruvec | null = null;
  /** The unstable max_seq from lru_gen_struct. */
  max_seq = 0;
  /** The next address within an mm to scan. */
  next_addr = 0;
  /** Batched moves of promoted pages, by lru_gen_index. */
  readonly nr_pages = new Float64Array(MAX_NR_GENS * ANON_AND_FILE * MAX_NR_ZONES);
  readonly mm_stats = new Float64Array(NR_MM_STATS);
  /** Total batched items. */
  batched = 0;
  can_swap = false;
  force_scan = false;
}

/**
 * A node's LRU lists (the root memcg's lruvec: the model has no memory cgroups yet, so every
 * page of a node is on this one). The list sizes live in the node's and zones' vm_stat
 * (NR_INACTIVE_ANON…, NR_ZONE_INACTIVE_ANON…), which is where 6.1's lruvec_page_state and
 * lruvec_lru_size read them for the root.
 * @kernel include/linux/mmzone.h struct lruvec
 */
export class lruvec {
  /** lists[lru]: the first pfn of each list (a ring through mem_map.lru; NO_PFN when empty). */
  readonly lists = new Int32Array(NR_LRU_LISTS).fill(NO_PFN);
  /** Reclaim cost of each type, decayed by lru_note_cost (get_scan_count's anon/file balance). */
  anon_cost = 0;
  file_cost = 0;
  /** Pages evicted or activated: the clock workingset shadows are stamped with. */
  nonresident_age = 0;
  /** WORKINGSET_ACTIVATE_{ANON,FILE} at the last reclaim cycle (snapshot_refaults). */
  readonly refaults = new Float64Array(2);
  /** LRUVEC_CONGESTED. */
  flags = 0;
  /** The memcg whose lruvec this is (lruvec_memcg): its id, 0 for the root's (the node's own). */
  memcg_id = 0;
  /** That memcg; null for the root's lruvec. */
  memcg: mem_cgroup | null = null;
  /**
   * The pages on each list, per zone: mem_cgroup_per_node.lru_zone_size[zid][lru] (at
   * zid * NR_LRU_LISTS + lru). For the root's lruvec they are only the root's pages; the node's
   * and zones' vm_stat counters are the sums over every memcg's lruvec.
   */
  readonly lru_zone_size = new Float64Array(MAX_NR_ZONES * NR_LRU_LISTS);
  /**
   * The multi-gen LRU (CONFIG_LRU_GEN, mm/lru_gen.ts): Debian 6.1 builds it but boots with it
   * off, so its lists stay empty and the classic ones above hold every page until
   * /sys/kernel/mm/lru_gen/enabled is written (lru_gen_change_state moves them across).
   */
  readonly lrugen = new lru_gen_struct();
  /** To iterate the mm list for page-table walks. */
  readonly mm_state = new lru_gen_mm_state();

  constructor() {
    lru_gen_init_lruvec(this);
  }
}

/**
 * A fresh lruvec's generations: max_seq = MIN_NR_GENS + 1, so seqs 0..3 exist (all empty), each
 * born now (at boot: jiffies 0); mm_state.seq = MIN_NR_GENS. lrugen.enabled follows
 * lru_gen_enabled(), false at boot on Debian's build (the Kernel turns it on later if asked).
 * @kernel mm/vmscan.c lru_gen_init_lruvec
 */
export function lru_gen_init_lruvec(lv: lruvec): void {
  const lrugen = lv.lrugen;
  lrugen.max_seq = MIN_NR_GENS + 1;
  lrugen.enabled = false;
  for (let i = 0; i <= MIN_NR_GENS + 1; i++) lrugen.timestamps[i] = 0;
  lrugen.folios.fill(NO_PFN);
  lv.mm_state.seq = MIN_NR_GENS;
}

/**
 * A node's queue of partly unmapped THPs, waiting for the deferred split shrinker, threaded
 * through each THP's page[2].lru (mm/huge_memory.ts).
 * @kernel include/linux/mmzone.h struct deferred_split
 */
export class deferred_split {
  /** The list head: the first queued THP's page[2] (NO_PFN when empty). */
  readonly split_queue = new Int32Array(1).fill(NO_PFN);
  split_queue_len = 0;
}

/** A node's memory: its zones, its node-level counters, its LRU lists and its kswapd. */
export class pglist_data {
  readonly node_zones: zone[];
  /** Zones that may hold pages: the highest populated zone index + 1. */
  nr_zones = 0;
  node_start_pfn = 0;
  node_present_pages = 0;
  node_spanned_pages = 0;
  /** Pages reserved by watermarks and lowmem_reserve, for dirty limits and MemAvailable. */
  totalreserve_pages = 0;
  /** pgdat->vm_stat, by node_stat_item. */
  readonly vm_stat = new Float64Array(NR_VM_NODE_STAT_ITEMS);
  /**
   * The zones an allocation preferring this node tries, in order (ZONELIST_FALLBACK): this node's
   * zones from highest to lowest, then other nodes' by distance. Built by build_zonelists;
   * whoever replaces it calls cachePreferredZones (mm_init.ts), which the fast path reads.
   */
  node_zonelists: zone[] = [];
  /** The node's LRU lists (the root memcg's lruvec). */
  readonly __lruvec = new lruvec();
  /** PGDAT_DIRTY / PGDAT_WRITEBACK, which kswapd sets when reclaim meets dirty or writeback pages. */
  flags = 0;

  // kswapd's wait state (mm/vmscan.c): what it was woken for, and how often it failed.
  /** The highest order an allocation woke kswapd for since it last ran. */
  kswapd_order = 0;
  /** The highest zone index it was woken for; MAX_NR_ZONES when nobody has woken it. */
  kswapd_highest_zoneidx = MAX_NR_ZONES;
  /** balance_pgdat runs that reclaimed nothing; at MAX_RECLAIM_RETRIES kswapd gives the node up. */
  kswapd_failures = 0;
  /** The node's kswapd (pgdat->kswapd), started by kswapd_init. */
  kswapd: kswapd_thread | null = null;
  /** The node's kcompactd (pgdat->kcompactd, with its wait state), started by kcompactd_init. */
  kcompactd: kcompactd_thread | null = null;
  /** NR_THROTTLED_WRITTEN when the first reclaimer was throttled on writeback. */
  nr_reclaim_start = 0;
  nr_writeback_throttled = 0;
  /** THPs waiting to be split (mm/huge_memory.ts deferred_split_huge_page). */
  readonly deferred_split_queue = new deferred_split();
  /** kswapd's page-table walk state for the multi-gen LRU (pgdat->mm_walk). */
  readonly mm_walk = new lru_gen_mm_walk();

  constructor(readonly node_id: number) {
    this.node_zones = Array.from({ length: MAX_NR_ZONES }, (_, i) => new zone(this, i));
    asDoubles<pglist_data>(this, "totalreserve_pages", "nr_reclaim_start", "node_present_pages", "node_spanned_pages");
  }
}

export function zone_idx(z: zone): number {
  return z.zone_idx;
}

export { NO_PFN };

/** The watermark in force: the base value plus any boost. @kernel include/linux/mmzone.h wmark_pages */
export function wmark_pages(z: zone, i: number): number {
  return z._watermark[i] + z.watermark_boost;
}
export function min_wmark_pages(z: zone): number {
  return z._watermark[WMARK_MIN] + z.watermark_boost;
}
export function low_wmark_pages(z: zone): number {
  return z._watermark[WMARK_LOW] + z.watermark_boost;
}
export function high_wmark_pages(z: zone): number {
  return z._watermark[WMARK_HIGH] + z.watermark_boost;
}
