/**
 * Inspection of a machine's state for the explorer's views: what no /proc file gives in bulk or
 * at all. One class byte per page frame (what the page is, its buddy order or LRU list), the
 * pageblock zone and migratetype columns, one struct page decoded as dump_page prints it, the
 * rmap walk of a page (every process and address that maps it), a process's VMAs with smaps'
 * counters, the page-table walk of one address with every entry's bits decoded, the free_area
 * grid and per-CPU lists of every zone, and a sample of the counters the time-series views plot.
 *
 * Everything here only reads. It never calls a model function that changes state (no
 * find_vma, whose vmacache it would move; no pte_table_lookup, whose remembered walks it would
 * move; no /proc read, some of which fold counters as they render, as /proc/pressure does), so
 * a run that is inspected at every step produces byte for byte the run that is not
 * (inspect.test.ts checks it). The bulk fills write into arrays the caller owns and allocate
 * nothing per page.
 *
 * Unstable: this module reads the model's internals (through `kernelOf`) and follows them as
 * they change. It is for the explorer and for tests, not a stable library surface.
 *
 * Simplified: no compound pages (the model has no THP yet), so every page is described alone;
 * the flags printed are the low page-flag bits (the kernel also keeps the zone and node in the
 * upper bits of page->flags, which the model keeps per pageblock); pressure stall totals are
 * read unweighted (one CPU executes the model, so the per-CPU non-idle weights are all one).
 * @kernel mm/debug.c __dump_page (the page decoding)
 * @kernel include/trace/events/mmflags.h __def_pageflag_names
 * @kernel mm/rmap.c rmap_walk (the walk, done read-only)
 * @kernel fs/proc/task_mmu.c show_map_vma, smap_gather_stats
 * @kernel mm/vmstat.c pagetypeinfo_showfree_print (the free_area grid), zoneinfo_show_print (the pcp lists)
 * @kernel arch/x86/mm/dump_pagetables.c printk_prot (entry bits by name)
 * @kernel mm/page_owner.c __set_page_owner (the allocation time a page's age is counted from)
 * @kernel block/genhd.c part_stat_show (the per-device I/O counters, read without update_io_ticks)
 * @kernel mm/memcontrol.c memory_current_read, memory_events_show (the per-group samples)
 * @kernel include/linux/memcontrol.h page_memcg_check (a page's group, kernel pages too)
 */
import type { Machine } from "../sim/machine.js";
import type { Kernel } from "../kernel/kernel.js";
import { kernelOf } from "./internals.js";
import { compound_head, F, folio_nr_pages, page_flags, PG_active, PG_buddy, PG_lru, PG_reserved, PG_slab, PG_swapbacked, PG_swapcache, PG_tail, PG_unevictable } from "../mm/memmap.js";
import { MAX_ORDER, NO_PFN, pageblock_order } from "../mm/types.js";
import { page_pgmap } from "../mm/memremap.js";
import { MAX_NR_ZONES, ZONE_DEVICE, MIGRATE_PCPTYPES, MIGRATE_TYPES, NR_LOWORDER_PCP_LISTS, NR_PCP_LISTS, PCP_BATCH, PCP_COUNT, PCP_HIGH, PCP_STRIDE, WMARK_HIGH, WMARK_LOW, WMARK_MIN, migratetype_names, zone_names } from "../mm/mmzone.js";
import { PageBuddy, buddy_order } from "../mm/page_alloc.js";
import { deferred_nr_free } from "../mm/mm_init.js";
import {
  LEVEL_PGD,
  NO_TABLE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_NX,
  _PAGE_PCD,
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_PSE,
  _PAGE_PWT,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SPECIAL,
  _PAGE_USER,
  __swp_type,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
  type PgtablePool,
} from "../arch/x86/pgtable.js";
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, VM_LOCKED, type mm_struct, type vm_area_struct } from "../mm/mm_types.js";
import { node_stat_text, vm_event_text, NR_FREE_PAGES } from "../mm/vmstat_items.js";
import { psi_system, NR_PSI_STATES, PSI_MEM_SOME, PSI_MEM_FULL, PSI_IO_SOME } from "../kernel/psi.js";
import { swp_offset, swp_type } from "../mm/swapops.js";
import { show_map_vma, smap_gather_stats, type mem_size_stats } from "../fs/proc/task_mmu.js";
import { MEM_CGROUP_ID_MAX, MEMCG_DATA_KMEM, MEMCG_HIGH, MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL, type mem_cgroup } from "../mm/memcontrol.js";
import { PAGE_COUNTER_MAX } from "../mm/page_counter.js";
import { cgroup_path } from "../kernel/cgroup/cgroup.js";

/** What a page frame is, the low 4 bits of its class byte. */
export const PageKind = {
  /** No memory here (an e820 hole, or beyond the last zone). */
  hole: 0,
  /** Free in the buddy allocator; the high 4 bits are the order of its block. */
  free: 1,
  /** Free on a per-CPU list (pcp): allocatable without the zone lock. */
  pcp: 2,
  /** Anonymous memory (page->mapping is an anon_vma); high bits: LRU list + 1, or 0. */
  anon: 3,
  /** Page cache of a file; high bits as for anon. */
  file: 4,
  /** shmem/tmpfs (including shared anonymous memory); high bits as for anon. */
  shmem: 5,
  /** A page-table page (PGD, PUD, PMD or PTE table). */
  pagetable: 6,
  /** Slab (PG_slab, which the model sets on a slab's head page: a multi-page slab's other pages read as kernel). */
  slab: 7,
  /** Allocated by the kernel for itself (no mapping): PGDs' PTI halves, the zero page, … */
  kernel: 8,
  /** PG_reserved: memblock reservations (kernel image, firmware, boot allocations). */
  reserved: 9,
  /** A ZONE_DEVICE page (persistent memory given struct pages by memremap_pages): not RAM, never free. */
  device: 10,
} as const;
export type PageKindName = keyof typeof PageKind;
/** Names by PageKind value. */
export const PAGE_KIND_NAMES: readonly PageKindName[] = ["hole", "free", "pcp", "anon", "file", "shmem", "pagetable", "slab", "kernel", "reserved", "device"];
/** The LRU lists by index (enum lru_list), as /proc/meminfo names them. */
export const LRU_NAMES = ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"] as const;

/** The machine's fixed shape, for laying out the views. */
export interface MachineLayout {
  maxPfn: number;
  pageSize: number;
  pageblockOrder: number;
  maxOrder: number;
  nrCpus: number;
  nodes: number;
  /** Populated zones, node-major. `id` is nid * MAX_NR_ZONES + zone index (the pageblock zone byte). */
  zones: Array<{ id: number; node: number; name: string; startPfn: number; endPfn: number; present: number; managed: number }>;
  migratetypes: readonly string[];
  lruLists: readonly string[];
  kinds: readonly string[];
}

/** The machine's fixed shape: memory size, zones, CPUs. */
export function machineLayout(m: Machine): MachineLayout {
  const k = kernelOf(m);
  const zones: MachineLayout["zones"] = [];
  k.zones.forEach((z, id) => {
    // unpopulated zones are left out, but for ZONE_DEVICE with a span (pmem: present 0, managed 0)
    if (z.present_pages === 0 && !(z.zone_idx === ZONE_DEVICE && z.spanned_pages > 0)) return;
    zones.push({ id, node: Math.floor(id / MAX_NR_ZONES), name: zone_names[z.zone_idx], startPfn: z.zone_start_pfn, endPfn: z.zone_end_pfn(), present: z.present_pages, managed: z.managed_pages });
  });
  return {
    maxPfn: k.mem_map.max_pfn,
    pageSize: 4096,
    pageblockOrder: pageblock_order,
    maxOrder: MAX_ORDER,
    nrCpus: k.nr_cpu_ids,
    nodes: k.node_data.length,
    zones,
    migratetypes: migratetype_names,
    lruLists: LRU_NAMES,
    kinds: PAGE_KIND_NAMES,
  };
}

const BUDDY = F(PG_buddy);
const RESERVED = F(PG_reserved);
const SLAB = F(PG_slab);
const LRU = F(PG_lru);
const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const SWAPBACKED = F(PG_swapbacked);
const TAIL_MASK = F(PG_tail);

/** The list page_lru() puts a page on: unevictable, else (anon|file) + active. @kernel include/linux/mm_inline.h folio_lru_list */
function lruOf(flags: number): number {
  if ((flags & UNEVICTABLE) !== 0) return 4;
  return ((flags & SWAPBACKED) !== 0 ? 0 : 2) + ((flags & ACTIVE) !== 0 ? 1 : 0);
}

/** The class byte of a page that is neither free in the buddy allocator nor in a hole (`f`: its flags). */
function allocatedClass(k: Kernel, pfn: number, f: number): number {
  if ((f & RESERVED) !== 0) return k.mem_map.pageblock_zone[pfn >>> pageblock_order] % MAX_NR_ZONES === ZONE_DEVICE ? PageKind.device : PageKind.reserved;
  if (k.pgtables.slotOf(pfn) !== NO_TABLE) return PageKind.pagetable;
  if ((f & SLAB) !== 0) return PageKind.slab;
  const mp = k.mem_map.mapping[pfn];
  const lru = (f & LRU) !== 0 ? (lruOf(f) + 1) << 4 : 0;
  if (mp < 0 || ((f & F(PG_swapcache)) !== 0 && mp === 0)) return PageKind.anon | lru;
  if (mp > 0) return ((f & SWAPBACKED) !== 0 ? PageKind.shmem : PageKind.file) | lru;
  return PageKind.kernel;
}

/** Calls `fn(pfn, order)` for every block on a per-CPU list (order: the block's, pageblock_order on the THP lists). */
function forEachPcpBlock(k: Kernel, fn: (pfn: number, order: number) => void): void {
  const links = k.mem_map.lru;
  for (const z of k.zones) {
    const area = z.pcp_area;
    for (let base = 0; base < area.length; base += PCP_STRIDE) {
      const heads = area.subarray(base, base + NR_PCP_LISTS);
      for (let i = 0; i < NR_PCP_LISTS; i++) {
        const order = i < NR_LOWORDER_PCP_LISTS ? Math.floor(i / MIGRATE_PCPTYPES) : pageblock_order;
        for (let p = heads[i]; p !== NO_PFN; p = links.list_next(heads, i, p)) fn(p, order);
      }
    }
  }
}

/**
 * Fills `out[pfn - from]` for pfn in [from, to) with the page's class byte: PageKind in the low 4
 * bits; the buddy order for free pages, or LRU list + 1 for pages on an LRU list, in the high 4.
 * A free block is found by its head (PageBuddy) and filled whole, so the cost is one read per
 * allocated page plus one per free block. `from` is rounded down to a MAX_ORDER block so a walk
 * never starts inside a free block.
 */
export function fillPageClasses(m: Machine, out: Uint8Array, from = 0, to = kernelOf(m).mem_map.max_pfn): void {
  const k = kernelOf(m);
  const mem = k.mem_map;
  const flagsCol = mem.flags;
  const pbZone = mem.pageblock_zone;
  to = Math.min(to, mem.max_pfn);
  const start = Math.floor(from / (1 << (MAX_ORDER - 1))) * (1 << (MAX_ORDER - 1));
  let pfn = start;
  while (pfn < to) {
    if (pbZone[pfn >>> pageblock_order] === 255) {
      const end = Math.min(to, ((pfn >>> pageblock_order) + 1) << pageblock_order);
      if (end > from) out.fill(PageKind.hole, Math.max(pfn, from) - from, end - from);
      pfn = end;
      continue;
    }
    const f = flagsCol[pfn];
    if ((f & BUDDY) !== 0 || ((pfn & 1023) === 0 && mem.nr_deferred_blocks !== 0 && PageBuddy(k, pfn))) {
      const order = (f & BUDDY) !== 0 ? mem.private[pfn] : buddy_order(k, pfn);
      const end = Math.min(to, pfn + (1 << order));
      if (end > from) out.fill(PageKind.free | (order << 4), Math.max(pfn, from) - from, end - from);
      pfn = end;
      continue;
    }
    if (pfn >= from) out[pfn - from] = allocatedClass(k, pfn, f);
    pfn++;
  }
  // Pages on the per-CPU lists look allocated from the columns (no PageBuddy), so they are
  // found from the lists themselves, which hold at most pcp->high pages per CPU and zone. An
  // entry of list pindex is a block of order pindex / MIGRATE_PCPTYPES (order_to_pindex), or
  // pageblock_order on the THP lists.
  forEachPcpBlock(k, (p, order) => {
    const lo = Math.max(p, from);
    const hi = Math.min(p + (1 << order), to);
    if (lo < hi) out.fill(PageKind.pcp, lo - from, hi - from);
  });
}

/** Kinds counted per pageblock by fillPageblockSummary: PageKind values 0 (hole) to 9 (reserved). */
export const SUMMARY_KINDS = PAGE_KIND_NAMES.length;

/**
 * The level of the page-frame pyramid that a machine too large for a byte per page is drawn
 * from: for every pageblock b, `out[b * SUMMARY_KINDS + kind]` is how many of its pages are of
 * that PageKind (0-512; `out` holds ((maxPfn + 511) >> 9) * SUMMARY_KINDS entries). The walk is
 * fillPageClasses', without writing a byte per page: a hole pageblock or a free block counts in
 * one step (a free MAX_ORDER block adds 512 to two pageblocks), an allocated page one by one, so
 * a 1 TiB machine that is mostly free (2^18 free blocks) is summarised in a few ms. Only reads.
 */
export function fillPageblockSummary(m: Machine, out: Uint16Array): void {
  const k = kernelOf(m);
  const mem = k.mem_map;
  const flagsCol = mem.flags;
  const pbZone = mem.pageblock_zone;
  const max = mem.max_pfn;
  const K = SUMMARY_KINDS;
  out.fill(0);
  /** Adds the run [pfn, end) of one kind, pageblock by pageblock. */
  const addRun = (pfn: number, end: number, kind: number): void => {
    while (pfn < end) {
      const b = pfn >>> pageblock_order;
      const stop = Math.min(end, (b + 1) << pageblock_order);
      out[b * K + kind] += stop - pfn;
      pfn = stop;
    }
  };
  let pfn = 0;
  while (pfn < max) {
    const b = pfn >>> pageblock_order;
    if (pbZone[b] === 255) {
      const end = Math.min(max, (b + 1) << pageblock_order);
      out[b * K + PageKind.hole] += end - pfn;
      pfn = end;
      continue;
    }
    const f = flagsCol[pfn];
    if ((f & BUDDY) !== 0 || ((pfn & 1023) === 0 && mem.nr_deferred_blocks !== 0 && PageBuddy(k, pfn))) {
      const order = (f & BUDDY) !== 0 ? mem.private[pfn] : buddy_order(k, pfn);
      const end = Math.min(max, pfn + (1 << order));
      addRun(pfn, end, PageKind.free);
      pfn = end;
      continue;
    }
    out[b * K + (allocatedClass(k, pfn, f) & 15)]++;
    pfn++;
  }
  // Per-CPU free pages were counted by what they look like (allocated): move them to pcp.
  forEachPcpBlock(k, (p, order) => {
    for (let q = p, e = Math.min(max, p + (1 << order)); q < e; q++) {
      const i = (q >>> pageblock_order) * K;
      out[i + (allocatedClass(k, q, flagsCol[q]) & 15)]--;
      out[i + PageKind.pcp]++;
    }
  });
}

/**
 * Copies the pageblock columns: `zone[b]` is nid * MAX_NR_ZONES + zone index of pageblock b
 * (255 for a hole) and `mt[b]` its migratetype. Both hold (maxPfn + 511) >> 9 entries.
 */
export function fillPageblocks(m: Machine, zone: Uint8Array, mt: Uint8Array): void {
  const mem = kernelOf(m).mem_map;
  zone.set(mem.pageblock_zone.subarray(0, zone.length));
  mt.set(mem.pageblock_mt.subarray(0, mt.length));
}

/** Which process maps each page: `owners[i]` is the pid whose index + 1 a page's byte holds. */
export interface OwnerLegend {
  /** pids by owner byte - 1; byte 255 means "mapped by several processes", 0 "by none". */
  pids: number[];
  comms: string[];
}

/**
 * Fills `out[pfn]` with the owner of each mapped page: 1 + the index of the first process (in
 * pid order) whose page tables map it, 255 when several processes map it (shared after fork,
 * shmem), 0 when no process maps it. Walks every process's page tables once: the cost is the
 * mapped pages, not the machine. At most 254 processes are told apart; later ones count as 254.
 */
export function fillPageOwners(m: Machine, out: Uint8Array): OwnerLegend {
  const k = kernelOf(m);
  out.fill(0);
  const pool = k.pgtables;
  const legend: OwnerLegend = { pids: [], comms: [] };
  for (const t of k.tasks.all()) {
    const mm = t.mm;
    if (mm === null || mm.pgd === NO_TABLE) continue;
    const id = Math.min(254, legend.pids.length + 1);
    legend.pids.push(t.pid);
    legend.comms.push(t.comm);
    forEachPte(pool, mm.pgd, (flags, pfn) => {
      if ((flags & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0 || (flags & _PAGE_SPECIAL) !== 0) return;
      if (pfn >= out.length) return;
      const cur = out[pfn];
      out[pfn] = cur === 0 || cur === id ? id : 255;
    });
  }
  return legend;
}

/** Visits every non-empty PTE under a PGD (user half), in address order. */
function forEachPte(pool: PgtablePool, pgd: number, visit: (flags: number, pfn: number, addr: number) => void): void {
  const walk = (t: number, level: number, base: number): void => {
    const span = 2 ** (12 + 9 * (level - 1));
    const n = level === LEVEL_PGD ? 256 : 512;
    for (let i = 0; i < n; i++) {
      const e = t * 512 + i;
      const fl = pool.ent_flags[e];
      const pf = pool.ent_pfn[e];
      if (fl === 0 && pf === 0) continue;
      const addr = base + i * span;
      if (level === 1) visit(fl, pf, addr);
      else if ((fl & _PAGE_PRESENT) !== 0) {
        const child = pool.slotOf(pf);
        if (child !== NO_TABLE) walk(child, level - 1, addr);
      }
    }
  };
  walk(pgd, LEVEL_PGD, 0);
}

/** One struct page, decoded. */
export interface PageInfo {
  pfn: number;
  kind: PageKindName;
  /** dump_page's lines: "page:… refcount:1 mapcount:1 mapping:… index:0x… pfn:0x…" and "anon flags: 0x…(…)". */
  dump: string[];
  flags: string[];
  flagsValue: number;
  refcount: number;
  mapcount: number;
  /** The buddy order of the free block this page lies in (free pages), else null. */
  order: number | null;
  /** The head of that free block. */
  blockHead: number | null;
  /** page->mapping: "anon_vma N", "address_space N", or null. */
  mapping: string | null;
  index: number;
  zone: string | null;
  node: number | null;
  migratetype: string;
  lru: string | null;
  /** page->private: the swap entry of a swap-cache page (type:offset), else null. */
  swap: string | null;
  /** page->memcg_data as the model keeps it: the memcg id (with MEMCG_DATA_KMEM, 0x8000, for a kernel page), 0 when not charged. */
  memcg: number;
  /**
   * The cgroup path of the memcg the page is charged to ("/rk"), as page_memcg() finds it; null
   * when the page is charged to no group (the root memcg is never charged, so its pages and
   * uncharged ones alike read null).
   */
  memcgPath: string | null;
  /** Charged as kernel memory (__GFP_ACCOUNT: a page table), not as a user folio. */
  memcgKmem: boolean;
  /**
   * A ZONE_DEVICE page's page->pgmap: its type and range and the device it backs
   * ("MEMORY_DEVICE_GENERIC [mem 0x40000000-0x5fffffff] dax0.0"), else null.
   */
  pgmap: string | null;
}

/** __def_pageflag_names, in the kernel's print order, with the model's two extra bits last. */
const PAGEFLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0, "locked"], [7, "waiters"], [8, "error"], [1, "referenced"], [2, "uptodate"], [3, "dirty"], [4, "lru"], [5, "active"],
  [6, "workingset"], [9, "slab"], [10, "owner_priv_1"], [11, "arch_1"], [12, "reserved"], [13, "private"], [14, "private_2"],
  [15, "writeback"], [16, "head"], [17, "mappedtodisk"], [18, "reclaim"], [19, "swapbacked"], [20, "unevictable"],
  [21, "mlocked"], [22, "uncached"], [23, "hwpoison"], [24, "arch_2"],
];

/** The free block (head, order) a pfn lies in, or null: the aligned heads of each order, smallest first. */
function freeBlockOf(k: Kernel, pfn: number): { head: number; order: number } | null {
  for (let order = 0; order < MAX_ORDER; order++) {
    const head = pfn - (pfn % (1 << order));
    if (PageBuddy(k, head) && buddy_order(k, head) >= order) {
      const o = buddy_order(k, head);
      if (pfn < head + (1 << o)) return { head, order: o };
    }
  }
  return null;
}

const hex = (n: number): string => "0x" + n.toString(16);

/**
 * One page's struct page fields decoded, as dump_page prints them, plus where it lies (zone,
 * pageblock migratetype) and what it is. Throws RangeError for a pfn outside the memory map.
 */
export function describePage(m: Machine, pfn: number): PageInfo {
  const k = kernelOf(m);
  const mem = k.mem_map;
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.max_pfn) throw new RangeError(`pfn ${pfn} is outside the memory map (0..${mem.max_pfn - 1})`);
  const cls = new Uint8Array(1);
  fillPageClasses(m, cls, pfn, pfn + 1);
  const kind = PAGE_KIND_NAMES[cls[0] & 15];
  const fv = mem.flags[pfn] & ((1 << 25) - 1);
  const flags = PAGEFLAG_NAMES.filter(([bit]) => (fv & (1 << bit)) !== 0).map(([, n]) => n);
  const block = kind === "free" ? freeBlockOf(k, pfn) : null;
  if (block !== null && block.head === pfn) flags.push("buddy");
  const zi = mem.pageblock_zone[pfn >>> pageblock_order];
  const mp = mem.mapping[pfn];
  const mapping = mp < 0 ? `anon_vma ${-mp}` : mp > 0 ? `address_space ${mp}` : null;
  const refcount = mem._refcount[pfn];
  const mapcount = mem.mapcount[pfn];
  const index = mem.index[pfn] >>> 0;
  const isSwapCache = (mem.flags[pfn] & F(PG_swapcache)) !== 0 && (mem.flags[pfn] & SWAPBACKED) !== 0;
  const swapEntry = isSwapCache ? mem.private[pfn] >>> 0 : null;
  const dump = [
    `page:${hex(pfn)} refcount:${refcount} mapcount:${mapcount} mapping:${mp === 0 ? "0000000000000000" : mapping} index:${hex(index)} pfn:${hex(pfn)}`,
    `${mp < 0 ? "anon " : ""}flags: ${hex(fv)}(${flags.filter((f) => f !== "buddy").join("|")})`,
  ];
  if (mem.memcg[pfn] !== 0) dump.splice(1, 0, `memcg:${hex(mem.memcg[pfn])}`);
  const f = mem.flags[pfn];
  return {
    pfn,
    kind,
    dump,
    flags,
    flagsValue: fv,
    refcount,
    mapcount,
    order: block?.order ?? null,
    blockHead: block?.head ?? null,
    mapping,
    index,
    zone: zi === 255 ? null : zone_names[zi % MAX_NR_ZONES],
    node: zi === 255 ? null : Math.floor(zi / MAX_NR_ZONES),
    migratetype: migratetype_names[mem.pageblock_mt[pfn >>> pageblock_order]] ?? String(mem.pageblock_mt[pfn >>> pageblock_order]),
    lru: (f & LRU) !== 0 ? LRU_NAMES[lruOf(f)] : null,
    swap: swapEntry === null ? null : `${swp_type(swapEntry)}:${hex(swp_offset(swapEntry))}`,
    memcg: mem.memcg[pfn],
    memcgPath: memcgPathOf(k, mem.memcg[pfn]),
    memcgKmem: (mem.memcg[pfn] & MEMCG_DATA_KMEM) !== 0,
    pgmap: pgmapOf(k, pfn),
  };
}

const MEMORY_TYPE_NAMES = ["", "MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_COHERENT", "MEMORY_DEVICE_FS_DAX", "MEMORY_DEVICE_GENERIC", "MEMORY_DEVICE_PCI_P2PDMA"];

/** describePage's pgmap line for a ZONE_DEVICE page. */
function pgmapOf(k: Kernel, pfn: number): string | null {
  const pg = page_pgmap(k, pfn);
  if (pg === undefined) return null;
  const dev = k.dev_daxes.find((d) => d.pgmap === pg);
  return `${MEMORY_TYPE_NAMES[pg.type]} [mem ${hex(pg.start)}-${hex(pg.end - 1)}]${dev ? ` ${dev.name}` : ""}`;
}

/** The cgroup path of the memcg a memcg column value names, or null for 0 (not charged). */
function memcgPathOf(k: Kernel, v: number): string | null {
  const id = v & MEM_CGROUP_ID_MAX;
  if (id === 0) return null;
  const memcg = k.memcg.byId[id];
  // A column naming a freed memcg is a model bug the invariants catch; the inspector only reads.
  return memcg === null || memcg === undefined ? `(memcg ${id}, freed)` : cgroup_path(memcg.css);
}

/** Which memory cgroup each page is charged to: `paths[i]` is the group whose byte is i + 1. */
export interface MemcgLegend {
  /** memcg ids by byte - 1; byte 0 means "charged to no group" (the root's, or uncharged). */
  ids: number[];
  /** Their cgroup paths ("/rk"). */
  paths: string[];
}

/**
 * Fills `out[pfn]` with the memory cgroup each page is charged to (page->memcg_data, user folios
 * and __GFP_ACCOUNT kernel pages alike): 0 for none, else 1 + the group's index in the legend (groups
 * in order of first appearance by pfn). At most 254 groups are told apart; later ones count as
 * 255. One read of the memcg column per page; allocates a 64 KiB id table per call, nothing per page.
 */
export function fillPageMemcgs(m: Machine, out: Uint8Array): MemcgLegend {
  const k = kernelOf(m);
  const col = k.mem_map.memcg;
  const n = Math.min(out.length, k.mem_map.max_pfn);
  const byteOf = new Uint8Array(MEM_CGROUP_ID_MAX + 1);
  const legend: MemcgLegend = { ids: [], paths: [] };
  for (let pfn = 0; pfn < n; pfn++) {
    const id = col[pfn] & MEM_CGROUP_ID_MAX;
    if (id === 0) {
      out[pfn] = 0;
      continue;
    }
    let b = byteOf[id];
    if (b === 0) {
      b = legend.ids.length < 254 ? legend.ids.length + 1 : 255;
      byteOf[id] = b;
      if (b !== 255) {
        legend.ids.push(id);
        legend.paths.push(memcgPathOf(k, id) ?? "/");
      }
    }
    out[pfn] = b;
  }
  out.fill(0, n);
  return legend;
}

/** Memory cgroups sampled per slot (see memcgs). */
export const MAX_SAMPLED_MEMCGS = 4;
/** The per-group values sampled, in order (see sampleLayout). */
export const MEMCG_SAMPLE_FIELDS = ["current", "max", "high", "swap", "ev.max", "ev.high", "ev.oom", "ev.oom_kill"] as const;

/** A memory cgroup as the explorer lists it. */
export interface MemcgInfo {
  /** Its slot in the counter samples ("memcg.<slot>.…"), or -1 past MAX_SAMPLED_MEMCGS. */
  slot: number;
  id: number;
  /** Its cgroup path ("/rk"). */
  path: string;
  /** False once removed (rmdir) while pages still charge it: a zombie. */
  online: boolean;
}

/** The non-root memcgs that exist (online or zombie), by id: the sample slots' order. */
function memcgList(k: Kernel, limit = Infinity): mem_cgroup[] {
  const out: mem_cgroup[] = [];
  const byId = k.memcg.byId;
  for (let id = 1; id < byId.length && out.length < limit; id++) {
    const mc = byId[id];
    if (mc !== null && mc !== undefined) out.push(mc);
  }
  return out;
}

/** The machine's memory cgroups other than the root, by id (the sample slots' order while none is removed). */
export function memcgs(m: Machine): MemcgInfo[] {
  return memcgList(kernelOf(m)).map((mc, i) => ({ slot: i < MAX_SAMPLED_MEMCGS ? i : -1, id: mc.id, path: cgroup_path(mc.css), online: mc.online }));
}

/** One mapping of a page found by the rmap walk. */
export interface RmapEntry {
  pid: number;
  comm: string;
  /** The virtual address that maps the page. */
  address: number;
  vmaStart: number;
  vmaEnd: number;
  /** The mapping PTE's bits decoded. */
  pte: string[];
}

/**
 * Every process and virtual address that maps `pfn`, as rmap_walk finds them: the VMAs chained to
 * the page's anon_vma (which includes every forked child's) or the file's i_mmap, keeping those
 * whose PTE at vma_address(page) maps this pfn. Read-only: unlike folio_referenced it clears no
 * accessed bit.
 */
export function rmapOf(m: Machine, pfn: number): RmapEntry[] {
  const k = kernelOf(m);
  const mem = k.mem_map;
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.max_pfn) return [];
  const out: RmapEntry[] = [];
  // The candidate VMAs are those of every live mm; the anon_vma/i_mmap filter is the PTE check
  // itself (a VMA maps the page exactly when its PTE at vma_address holds this pfn).
  const pool = k.pgtables;
  for (const t of k.tasks.all()) {
    const mm = t.mm;
    if (mm === null || mm.pgd === NO_TABLE) continue;
    for (const vma of mm.mm_mt) {
      const off = (mem.index[pfn] - (vma.vm_pgoff | 0)) | 0;
      const addr = vma.vm_start + off * 4096;
      if (off < 0 || addr >= vma.vm_end) continue;
      const e = pteEntry(pool, mm.pgd, addr);
      if (e === null) continue;
      if ((pool.ent_flags[e] & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0 && pool.ent_pfn[e] === pfn) {
        out.push({ pid: t.pid, comm: t.comm, address: addr, vmaStart: vma.vm_start, vmaEnd: vma.vm_end, pte: entryBits(pool.ent_flags[e], 1) });
      }
    }
  }
  return out;
}

/** The entry index (into the pool's columns) of the PTE for addr, or null when a table is missing. */
function pteEntry(pool: PgtablePool, pgd: number, addr: number): number | null {
  let t = pgd;
  for (const idx of [pgd_index(addr), pud_index(addr), pmd_index(addr)]) {
    const e = t * 512 + idx;
    if ((pool.ent_flags[e] & _PAGE_PRESENT) === 0) return null;
    t = pool.slotOf(pool.ent_pfn[e]);
    if (t === NO_TABLE) return null;
  }
  return t * 512 + pte_index(addr);
}

/** An entry's bits by name, as dump_pagetables' printk_prot names them ("USR RW x ACC DIRTY …"). */
function entryBits(flags: number, level: number): string[] {
  if (flags === 0) return [];
  if ((flags & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) return ["swap", `type ${__swp_type(flags)}`];
  const bits: string[] = [];
  if ((flags & _PAGE_PRESENT) !== 0) bits.push("present");
  else bits.push("protnone");
  bits.push((flags & _PAGE_RW) !== 0 ? "RW" : "ro");
  bits.push((flags & _PAGE_USER) !== 0 ? "USR" : "kernel");
  if ((flags & _PAGE_PWT) !== 0) bits.push("PWT");
  if ((flags & _PAGE_PCD) !== 0) bits.push("PCD");
  if ((flags & _PAGE_ACCESSED) !== 0) bits.push("ACC");
  if ((flags & _PAGE_DIRTY) !== 0) bits.push("DIRTY");
  if ((flags & _PAGE_PSE) !== 0) bits.push(level === 1 ? "PAT" : "PSE");
  if ((flags & _PAGE_GLOBAL) !== 0 && (flags & _PAGE_PRESENT) !== 0) bits.push("GLB");
  if ((flags & _PAGE_SPECIAL) !== 0) bits.push("special");
  if ((flags & _PAGE_SOFT_DIRTY) !== 0) bits.push("soft-dirty");
  bits.push((flags & _PAGE_NX) !== 0 ? "NX" : "x");
  return bits;
}

/** One level of a page-table walk. */
export interface WalkLevel {
  level: "PGD" | "PUD" | "PMD" | "PTE";
  /** The index of the entry in its table (9 bits of the address). */
  index: number;
  /** The pfn of the table page this entry lies in. */
  tablePfn: number;
  /** The entry's pfn field: the next table's page, the mapped page, or a swap offset. */
  entryPfn: number;
  /** The entry as the hardware would hold it (flags folded into 32 bits, see pgtable.ts). */
  entryFlags: number;
  bits: string[];
  present: boolean;
}

/** A page-table walk: PGD → PUD → PMD → PTE, and where it ends. */
export interface PageWalk {
  pid: number;
  address: number;
  /** The VMA the address lies in, as /proc/PID/maps prints it, or null. */
  vma: string | null;
  levels: WalkLevel[];
  /** "mapped" (a page), "swap" (a swap entry), "none" (an empty entry: the first touch faults), "no table" (an upper level is empty), "no mm". */
  result: "mapped" | "swap" | "none" | "no table" | "no mm";
  pfn: number | null;
  /** The swap entry "type:offset" of a swapped-out page. */
  swap: string | null;
  page: PageInfo | null;
}

/** Walks `pid`'s page tables for `address`, the way the MMU does (pgd_offset … pte_offset_map). Null for an unknown pid. */
export function pageWalk(m: Machine, pid: number, address: number): PageWalk | null {
  const k = kernelOf(m);
  const t = k.tasks.find(pid);
  if (t === undefined) return null;
  const mm = t.mm;
  const walk: PageWalk = { pid, address, vma: null, levels: [], result: "no mm", pfn: null, swap: null, page: null };
  if (mm === null || mm.pgd === NO_TABLE || !Number.isFinite(address) || address < 0 || address >= 2 ** 47) return walk;
  const vma = vmaAt(mm, address);
  walk.vma = vma === null ? null : show_map_vma(vma).trimEnd();
  const pool = k.pgtables;
  const names = ["PGD", "PUD", "PMD", "PTE"] as const;
  const idx = [pgd_index(address), pud_index(address), pmd_index(address), pte_index(address)];
  let table = mm.pgd;
  for (let l = 0; l < 4; l++) {
    const e = table * 512 + idx[l];
    const flags = pool.ent_flags[e];
    const pfn = pool.ent_pfn[e];
    const present = (flags & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
    walk.levels.push({ level: names[l], index: idx[l], tablePfn: pool.tbl_pfn[table], entryPfn: pfn, entryFlags: flags, bits: entryBits(flags, 4 - l), present });
    if (l < 3) {
      if ((flags & _PAGE_PRESENT) === 0) {
        walk.result = "no table";
        return walk;
      }
      table = pool.slotOf(pfn);
      if (table === NO_TABLE) {
        walk.result = "no table";
        return walk;
      }
    } else if (flags === 0 && pfn === 0) walk.result = "none";
    else if (!present) {
      walk.result = "swap";
      walk.swap = `${__swp_type(flags)}:${hex(pfn)}`;
    } else {
      walk.result = "mapped";
      walk.pfn = pfn;
      if ((flags & _PAGE_SPECIAL) === 0 || pfn < k.mem_map.max_pfn) walk.page = describePage(m, pfn);
    }
  }
  return walk;
}

/** The VMA containing addr, by a walk of the VMA tree (vma_lookup without find_vma's cache). */
function vmaAt(mm: mm_struct, addr: number): vm_area_struct | null {
  const v = mm.mm_mt.mt_find(addr);
  return v !== null && v.vm_start <= addr ? v : null;
}

/**
 * Page age classes (fillPageAges): 0 = no age (a hole, or free); 1 = allocated before the
 * first stamp (a boot-time reservation: memblock, the kernel image); 2 + i = allocated between
 * AGE_EDGES_NS[i - 1] and AGE_EDGES_NS[i] ago (decades from 100 µs to 10 s).
 */
export const AGE_EDGES_NS = Object.freeze([1e5, 1e6, 1e7, 1e8, 1e9, 1e10]);
/** Names of the age classes by value. */
export const AGE_CLASS_NAMES: readonly string[] = Object.freeze(["free", "since boot", "< 100 µs", "100 µs – 1 ms", "1 – 10 ms", "10 – 100 ms", "0.1 – 1 s", "1 – 10 s", "≥ 10 s"]);

/**
 * Fills `out[pfn]` with every page's age class: how long ago the page was allocated, from
 * page_owner's allocation time (MemMap.page_owner_ts, stamped by __set_page_owner). The
 * model records no access time (an access only sets the PTE's accessed bit and
 * PG_referenced), so age here is time since allocation; free pages have none. A free
 * block is found by its head and filled whole, as fillPageClasses does.
 */
export function fillPageAges(m: Machine, out: Uint8Array): void {
  const k = kernelOf(m);
  const mem = k.mem_map;
  fillPageClasses(m, out);
  const ts = mem.page_owner_ts;
  const nowUs = Math.floor(k.now_ns / 1000) + 1;
  const edges = AGE_EDGES_NS.map((e) => e / 1000);
  const n = mem.max_pfn;
  let lastHead = 0;
  let lastEnd = 0;
  for (let pfn = 0; pfn < n; pfn++) {
    const kind = out[pfn] & 15;
    if (kind <= PageKind.pcp) {
      out[pfn] = 0;
      continue;
    }
    // A compound page's tails read their head's stamp (page_owner_ts_of); the head of the
    // last compound page met is kept, so a 512-page THP costs one compound_head, not 511.
    let t: number;
    if ((page_flags(mem, pfn) & TAIL_MASK) === 0) t = ts[pfn];
    else {
      if (pfn >= lastEnd) {
        lastHead = compound_head(mem, pfn);
        lastEnd = lastHead + folio_nr_pages(mem, lastHead);
      }
      t = ts[lastHead];
    }
    if (t === 0) {
      out[pfn] = 1;
      continue;
    }
    const age = nowUs - t;
    let c = 0;
    while (c < edges.length && age >= edges[c]) c++;
    out[pfn] = 2 + c;
  }
}

/** A process as the views list it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** Pages. */
  rss: number;
  anon: number;
  file: number;
  shmem: number;
  swap: number;
  /** Pages mapped (total_vm). */
  vm: number;
  pgtablesBytes: number;
  oomScoreAdj: number;
  minflt: number;
  majflt: number;
  vmas: number;
}

/** The live processes (with an mm), in pid order. */
export function processes(m: Machine): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const t of kernelOf(m).tasks.all()) {
    const mm = t.mm;
    if (mm === null) continue;
    const r = mm.rss_stat;
    out.push({
      pid: t.pid,
      ppid: t.ppid,
      comm: t.comm,
      rss: r[MM_ANONPAGES] + r[MM_FILEPAGES] + r[MM_SHMEMPAGES],
      anon: r[MM_ANONPAGES],
      file: r[MM_FILEPAGES],
      shmem: r[MM_SHMEMPAGES],
      swap: r[MM_SWAPENTS],
      vm: mm.total_vm,
      pgtablesBytes: mm.pgtables_bytes,
      oomScoreAdj: t.signal.oom_score_adj,
      minflt: t.min_flt,
      majflt: t.maj_flt,
      vmas: mm.mm_mt.length,
    });
  }
  return out;
}

/** One VMA with the smaps counters pmap -X shows. Sizes in kB. */
export interface VmaInfo {
  start: number;
  end: number;
  /** The /proc/PID/maps line. */
  line: string;
  perms: string;
  name: string;
  sizeKb: number;
  rssKb: number;
  pssKb: number;
  anonKb: number;
  swapKb: number;
  dirtyKb: number;
  lockedKb: number;
}

/** smaps' counters of one VMA, gathered as /proc/PID/smaps does, with its maps line. */
function gatherVma(k: Kernel, vma: vm_area_struct): { mss: mem_size_stats; line: string; fields: string[] } {
  const mss: mem_size_stats = { resident: 0, shared_clean: 0, shared_dirty: 0, private_clean: 0, private_dirty: 0, referenced: 0, anonymous: 0, lazyfree: 0, swap: 0, pss: 0, pss_anon: 0, pss_file: 0, pss_shmem: 0, pss_dirty: 0, pss_locked: 0, swap_pss: 0, anonymous_thp: 0, shared_hugetlb: 0, private_hugetlb: 0 };
  smap_gather_stats(k, vma, mss);
  const line = show_map_vma(vma).slice(0, -1);
  return { mss, line, fields: line.split(/\s+/) };
}

/**
 * A process's VMAs in address order with smaps' counters, null for an unknown pid or one without
 * an mm. smap_gather_stats walks the PTEs (remembering walks as any walker does, which changes no
 * result).
 */
export function processVmas(m: Machine, pid: number): VmaInfo[] | null {
  const k = kernelOf(m);
  const t = k.tasks.find(pid);
  if (t === undefined || t.mm === null) return null;
  return t.mm.mm_mt.map((vma) => {
    const { mss, line, fields } = gatherVma(k, vma);
    return {
      start: vma.vm_start,
      end: vma.vm_end,
      line,
      perms: fields[1] ?? "",
      name: fields.slice(5).join(" "),
      sizeKb: (vma.vm_end - vma.vm_start) / 1024,
      rssKb: Math.floor(mss.resident / 1024),
      pssKb: Math.floor(mss.pss / 4096 / 1024),
      anonKb: Math.floor(mss.anonymous / 1024),
      swapKb: Math.floor(mss.swap / 1024),
      dirtyKb: Math.floor((mss.private_dirty + mss.shared_dirty) / 1024),
      lockedKb: (vma.vm_flags & VM_LOCKED) !== 0 ? Math.floor(mss.pss_locked / 4096 / 1024) : 0,
    };
  });
}

/** One VMA's Rss, Pss and Swap in kB, as its /proc/PID/smaps entry prints them. */
export interface VmaUsage {
  start: number;
  end: number;
  /** The maps line's pathname column ("[heap]", a file, "" for anonymous memory). */
  name: string;
  rssKb: number;
  pssKb: number;
  swapKb: number;
}

/** Every live process's VMAs with their Rss, Pss and Swap: a sample of the address spaces over time. */
export interface ProcessVmaUsage {
  pid: number;
  comm: string;
  vmas: VmaUsage[];
}

/**
 * Rss, Pss and Swap of every VMA of every live process, in pid then address order: the numbers
 * /proc/PID/smaps prints (smap_gather_stats, the same walk processVmas and smaps make), for the
 * explorer to sample over the run. Only reads (the walks it remembers change no result). Cost:
 * one PTE read per mapped page of every process.
 */
export function vmaUsage(m: Machine): ProcessVmaUsage[] {
  const k = kernelOf(m);
  const out: ProcessVmaUsage[] = [];
  for (const t of k.tasks.all()) {
    const mm = t.mm;
    if (mm === null) continue;
    const vmas = mm.mm_mt.map((vma): VmaUsage => {
      const { mss, fields } = gatherVma(k, vma);
      return { start: vma.vm_start, end: vma.vm_end, name: fields.slice(5).join(" "), rssKb: Math.floor(mss.resident / 1024), pssKb: Math.floor(mss.pss / 4096 / 1024), swapKb: Math.floor(mss.swap / 1024) };
    });
    out.push({ pid: t.pid, comm: t.comm, vmas });
  }
  return out;
}

/** One zone's allocator state: the free_area grid and the per-CPU lists. */
export interface ZoneDetail {
  id: number;
  node: number;
  name: string;
  managed: number;
  free: number;
  min: number;
  low: number;
  high: number;
  boost: number;
  /** freeByType[order][migratetype]: free blocks on each list, as /proc/pagetypeinfo counts them. */
  freeByType: number[][];
  /** nr_free per order (every migratetype). */
  nrFree: number[];
  /** Per CPU: pages on its pcp lists (count), high, batch, and pages per list (by pindex). */
  pcp: Array<{ cpu: number; count: number; high: number; batch: number; lists: number[] }>;
}

/** Every populated zone's free_area grid and pcp lists. Counts list entries (pagetypeinfo_showfree_print), never moves them. */
export function zoneDetails(m: Machine): ZoneDetail[] {
  const k = kernelOf(m);
  const links = k.mem_map.lru;
  const out: ZoneDetail[] = [];
  k.zones.forEach((z, id) => {
    if (z.present_pages === 0) return;
    const freeByType: number[][] = [];
    const nrFree: number[] = [];
    for (let order = 0; order < MAX_ORDER; order++) {
      const area = z.free_area[order];
      const row: number[] = [];
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        let n = 0;
        for (let p = area.free_list[mt]; p !== NO_PFN; p = links.list_next(area.free_list, mt, p)) n++;
        row.push(n + (order === MAX_ORDER - 1 ? deferred_nr_free(area, mt) : 0));
      }
      freeByType.push(row);
      nrFree.push(area.nr_free);
    }
    const pcp: ZoneDetail["pcp"] = [];
    for (let cpu = 0; cpu * PCP_STRIDE < z.pcp_area.length; cpu++) {
      const base = cpu * PCP_STRIDE;
      const lists: number[] = [];
      for (let i = 0; i < NR_PCP_LISTS; i++) {
        let n = 0;
        const heads = z.pcp_area.subarray(base, base + NR_PCP_LISTS);
        for (let p = heads[i]; p !== NO_PFN; p = links.list_next(heads, i, p)) n++;
        lists.push(n);
      }
      pcp.push({ cpu, count: z.pcp_area[base + PCP_COUNT], high: z.pcp_area[base + PCP_HIGH], batch: z.pcp_area[base + PCP_BATCH], lists });
    }
    out.push({
      id,
      node: Math.floor(id / MAX_NR_ZONES),
      name: zone_names[z.zone_idx],
      managed: z.managed_pages,
      free: z.vm_stat[NR_FREE_PAGES],
      min: z._watermark[WMARK_MIN],
      low: z._watermark[WMARK_LOW],
      high: z._watermark[WMARK_HIGH],
      boost: z.watermark_boost,
      freeByType,
      nrFree,
      pcp,
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Counter samples for the time-series views
// ---------------------------------------------------------------------------------------------

/** vm_event counters sampled (cumulative: the views plot their rates). */
const SAMPLED_EVENTS = [
  "pgfault", "pgmajfault", "pswpin", "pswpout", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct",
  "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable", "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgfree",
  "pgactivate", "pgdeactivate", "pgrefill", "oom_kill", "compact_stall", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
] as const;
/** Node counters sampled, summed over nodes. */
const SAMPLED_NODE = [
  "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable", "nr_anon_pages", "nr_mapped", "nr_file_pages",
  "nr_shmem", "nr_page_table_pages", "nr_swapcached", "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon", "workingset_activate_file",
] as const;

/**
 * Block devices sampled per slot (k.blk.disks in creation order; a device is never removed, so a
 * slot keeps its device once it has one). A machine with more sees the first ones only.
 */
export const MAX_SAMPLED_DISKS = 4;
/** The /sys/block/<dev>/stat columns sampled per device, in order (read then write group). */
export const DISK_STAT_FIELDS = ["rd_ios", "rd_merges", "rd_sectors", "wr_ios", "wr_merges", "wr_sectors"] as const;
/** The block layer's stat groups (block/blk.ts STAT_READ, STAT_WRITE: enum stat_group). */
const STAT_READ = 0;
const STAT_WRITE = 1;

/** A block device as the explorer lists it: its sample slot and what it is. */
export interface BlockDeviceInfo {
  /** Its slot in the counter samples ("blk.<slot>.…"), or -1 past MAX_SAMPLED_DISKS. */
  slot: number;
  /** The disk name ("vda"), or a swap file's path. */
  name: string;
  /** Shown in /sys/block (a disk); false for a swap file's own device model. */
  sysfs: boolean;
  /** Holder: "swap" while a swap area is on it. */
  holder: string | null;
}

/** The machine's block devices in creation order (the sample slots' order). */
export function blockDevices(m: Machine): BlockDeviceInfo[] {
  return kernelOf(m).blk.disks.map((d, i) => ({ slot: i < MAX_SAMPLED_DISKS ? i : -1, name: d.disk_name, sysfs: d.registered, holder: d.bd_holder }));
}

/** The order of the values `sampleCounters` writes. */
export interface SampleLayout {
  names: string[];
  /** Index of each name in a sample. */
  index: Record<string, number>;
}

/**
 * The sample layout of a machine: "t" (ns); per populated zone "zone.<id>.free|min|low|high|boost";
 * "kswapd.<nid>" (1 while running or runnable); the vm events and node counters above under their
 * /proc/vmstat names; "swap_total" and "swap_free" (pages); "psi.mem_some", "psi.mem_full",
 * "psi.io_some" (ns of stall since boot); "blk.count" (block devices so far) and, for each of
 * MAX_SAMPLED_DISKS slots, "blk.<slot>.rd_ios|rd_merges|rd_sectors|wr_ios|wr_merges|wr_sectors"
 * (/sys/block/<dev>/stat's first columns, cumulative; 0 while the slot has no device yet);
 * "memcg.count" and "memcg.last" (non-root memcgs alive or zombie, and the last id made: the
 * list `memcgs` gives changed when either does) and, for each of MAX_SAMPLED_MEMCGS slots,
 * "memcg.<slot>.current|max|high|swap" (memory.current, memory.max, memory.high, memory.swap.current,
 * in pages; max and high NaN while unlimited) and "memcg.<slot>.ev.max|ev.high|ev.oom|ev.oom_kill"
 * (memory.events, hierarchical, cumulative); 0 while the slot has no group.
 */
export function sampleLayout(m: Machine): SampleLayout {
  const k = kernelOf(m);
  const names = ["t"];
  k.zones.forEach((z, id) => {
    if (z.present_pages === 0) return;
    for (const w of ["free", "min", "low", "high", "boost"]) names.push(`zone.${id}.${w}`);
  });
  k.node_data.forEach((_, nid) => names.push(`kswapd.${nid}`));
  names.push(...SAMPLED_EVENTS, ...SAMPLED_NODE, "swap_total", "swap_free", "psi.mem_some", "psi.mem_full", "psi.io_some", "blk.count");
  for (let d = 0; d < MAX_SAMPLED_DISKS; d++) for (const f of DISK_STAT_FIELDS) names.push(`blk.${d}.${f}`);
  names.push("memcg.count", "memcg.last");
  for (let g = 0; g < MAX_SAMPLED_MEMCGS; g++) for (const f of MEMCG_SAMPLE_FIELDS) names.push(`memcg.${g}.${f}`);
  const index: Record<string, number> = {};
  names.forEach((n, i) => (index[n] = i));
  return { names, index };
}

const eventIdx = SAMPLED_EVENTS.map((n) => vm_event_text.indexOf(n));
const nodeIdx = SAMPLED_NODE.map((n) => node_stat_text.indexOf(n));
for (const [i, n] of eventIdx.entries()) if (n < 0) throw new Error(`inspect: no vm event ${SAMPLED_EVENTS[i]}`);
for (const [i, n] of nodeIdx.entries()) if (n < 0) throw new Error(`inspect: no node counter ${SAMPLED_NODE[i]}`);

/** Stall time of one PSI state so far: the folded total plus what each CPU has not folded yet, plus the running stretch. */
function psiStall(k: Kernel, s: number): number {
  const g = psi_system(k);
  let v = g.total[s];
  for (let cpu = 0; cpu < g.nr_cpus; cpu++) {
    v += (g.times[cpu * NR_PSI_STATES + s] - g.times_prev[cpu * NR_PSI_STATES + s]) >>> 0;
    if ((g.state_mask[cpu] & (1 << s)) !== 0) v += Math.max(0, k.now_ns - g.state_start[cpu]);
  }
  return v;
}

/**
 * Writes one sample into `out` (at least sampleLayout(m).names.length long, from `offset`) in
 * the layout's order. Allocates nothing; reads typed arrays and fields only.
 */
export function sampleCounters(m: Machine, out: Float64Array, offset = 0): void {
  const k = kernelOf(m);
  let i = offset;
  out[i++] = k.now_ns;
  const zones = k.zones;
  for (let id = 0; id < zones.length; id++) {
    const z = zones[id];
    if (z.present_pages === 0) continue;
    out[i++] = z.vm_stat[NR_FREE_PAGES];
    out[i++] = z._watermark[WMARK_MIN];
    out[i++] = z._watermark[WMARK_LOW];
    out[i++] = z._watermark[WMARK_HIGH];
    out[i++] = z.watermark_boost;
  }
  for (const pg of k.node_data) {
    const t = pg.kswapd;
    // vmscan.ts' KSWAPD_RUNNABLE (2): woken and not yet balanced; on_cpu: in the middle of a turn.
    out[i++] = t !== null && (t.state === 2 || t.on_cpu) ? 1 : 0;
  }
  const ev = k.vm_events;
  for (let j = 0; j < eventIdx.length; j++) out[i++] = ev[eventIdx[j]];
  for (let j = 0; j < nodeIdx.length; j++) {
    let v = 0;
    for (const pg of k.node_data) v += pg.vm_stat[nodeIdx[j]];
    out[i++] = v;
  }
  out[i++] = k.total_swap_pages;
  out[i++] = k.nr_swap_pages;
  out[i++] = psiStall(k, PSI_MEM_SOME);
  out[i++] = psiStall(k, PSI_MEM_FULL);
  out[i++] = psiStall(k, PSI_IO_SOME);
  // part_stat_show's ios, merges and sectors, read from the disk_stats without its
  // update_io_ticks (which would move io_ticks: reading must change nothing).
  const disks = k.blk.disks;
  out[i++] = disks.length;
  for (let d = 0; d < MAX_SAMPLED_DISKS; d++) {
    const b = d < disks.length ? disks[d] : null;
    out[i++] = b === null ? 0 : b.ios[STAT_READ];
    out[i++] = b === null ? 0 : b.merges[STAT_READ];
    out[i++] = b === null ? 0 : b.sectors[STAT_READ];
    out[i++] = b === null ? 0 : b.ios[STAT_WRITE];
    out[i++] = b === null ? 0 : b.merges[STAT_WRITE];
    out[i++] = b === null ? 0 : b.sectors[STAT_WRITE];
  }
  // memory.current, memory.max/high, memory.swap.current and memory.events of the first groups.
  const st = k.memcg;
  out[i++] = st.nr_memcgs;
  out[i++] = st.last_id;
  const byId = st.byId;
  let id = 1;
  for (let g = 0; g < MAX_SAMPLED_MEMCGS; g++) {
    let mc: mem_cgroup | null = null;
    // No work at all on a machine without groups (nr_memcgs 0): the id table is then [root].
    while (st.nr_memcgs !== 0 && id < byId.length && mc === null) mc = byId[id++] ?? null;
    if (mc === null) {
      for (let f = 0; f < MEMCG_SAMPLE_FIELDS.length; f++) out[i++] = 0;
      continue;
    }
    out[i++] = mc.memory.usage;
    out[i++] = mc.memory.max >= PAGE_COUNTER_MAX ? NaN : mc.memory.max;
    out[i++] = mc.memory.high >= PAGE_COUNTER_MAX ? NaN : mc.memory.high;
    out[i++] = mc.swap.usage;
    const ev = mc.memory_events;
    out[i++] = ev[MEMCG_MAX];
    out[i++] = ev[MEMCG_HIGH];
    out[i++] = ev[MEMCG_OOM];
    out[i++] = ev[MEMCG_OOM_KILL];
  }
}
