/**
 * memblock, the boot-time memory allocator: two sorted region arrays, `memory` (what RAM exists,
 * from e820) and `reserved` (what is taken), with add/reserve/free/merge, top-down allocation,
 * and the free-range walk memblock_free_all uses to hand the rest to the buddy allocator.
 *
 * It also carries the catalogue of what a Debian 6.1 x86-64 kernel reserves while it boots under
 * QEMU — the reservations themselves are made in order by setup_arch/start_kernel
 * (kernel/start_kernel.ts) with the sizes and rules below, each documented with its source.
 * Calibration: the real "Memory: …K/…K available (…, NK reserved …)" lines of
 * test/realkernel/data/w0, w0-m256, w0-m1024, w0-m2048 and w0-numa2 give reserved =
 * 61512/65992/74952/92872/73840 kB. The model's itemised reservations reproduce them exactly:
 * 632 (first MiB's 158 RAM pages) + 53248 (kernel image 0x1000000-0x4400000) + 2596 (initrd)
 * + 172/node (NODE_DATA) + 248/cpu (per-cpu first chunk) + 2048/present 128 MiB section (memmap)
 * + the dentry/inode hash tables + 136 kB of small early allocations (+4 kB per extra node).
 *
 * @kernel mm/memblock.c memblock_add_range, memblock_remove_range, memblock_reserve,
 *   memblock_phys_free, memblock_find_in_range_node, memblock_alloc_range_nid,
 *   __next_mem_range (for_each_free_mem_range), memblock_set_node, memblock_phys_mem_size
 * @kernel arch/x86/kernel/setup.c early_reserve_memory, reserve_brk
 * @kernel arch/x86/realmode/init.c reserve_real_mode
 *
 * Simplified: regions are plain objects in sorted JS arrays (boot-only, a few dozen of them);
 * flags (hotplug, mirror, nomap) are kept but only MEMBLOCK_NONE is ever used; the arrays never
 * need the kernel's doubling. Small early allocations (brk users, command-line copies, e820
 * resources, percpu and ACPI metadata) are lumped into two calibrated reservations.
 */
import { PAGE_SIZE } from "./types.js";

/** A node id for regions not bound to a node (reserved regions). */
export const MAX_NUMNODES = 1024;
export const NUMA_NO_NODE = -1;
export const MEMBLOCK_NONE = 0;
/** memblock_alloc's "anywhere below current_limit" end address. */
export const MEMBLOCK_ALLOC_ACCESSIBLE = 0;
/** The lowest address a plain memblock_alloc returns: __pa(MAX_DMA_ADDRESS) = 16 MiB. */
export const MEMBLOCK_LOW_LIMIT = 0;
export const MAX_DMA_ADDRESS = 16 * 1024 * 1024;
export const SMP_CACHE_BYTES = 64;

/** One region: [base, base + size) on node nid. */
export interface memblock_region {
  base: number;
  size: number;
  nid: number;
  flags: number;
}

/** One of the two region arrays. */
export class memblock_type {
  regions: memblock_region[] = [];
  constructor(readonly name: "memory" | "reserved") {}
  /** Sum of region sizes (memblock_type.total_size). */
  total_size(): number {
    let t = 0;
    for (const r of this.regions) t += r.size;
    return t;
  }
}

/** The allocator state (struct memblock). */
export class Memblock {
  readonly memory = new memblock_type("memory");
  readonly reserved = new memblock_type("reserved");
  /** Allocations go top-down from here (x86 never sets bottom_up). */
  bottom_up = false;
  /** Highest address an allocation may end at (memblock_set_current_limit). */
  current_limit = Number.MAX_SAFE_INTEGER;
  /** Every reservation made, with why, for the log, the docs and the tests. */
  readonly log: Array<{ what: string; base: number; size: number }> = [];
}

/** Inserts [base, base+size) and merges neighbours with the same nid and flags. */
function memblock_add_range(type: memblock_type, base: number, size: number, nid: number, flags: number): void {
  if (size <= 0) return;
  const rs = type.regions;
  // Cut out whatever already overlaps, so the new range never double-counts (add_range only
  // inserts the non-overlapping parts).
  const parts: Array<[number, number]> = [];
  let cur = base;
  const end = base + size;
  for (const r of rs) {
    const rEnd = r.base + r.size;
    if (rEnd <= cur || r.base >= end) continue;
    if (r.base > cur) parts.push([cur, r.base]);
    cur = Math.max(cur, rEnd);
  }
  if (cur < end) parts.push([cur, end]);
  for (const [a, b] of parts) rs.push({ base: a, size: b - a, nid, flags });
  memblock_merge_regions(type);
}

/** Sorts and merges adjacent regions of the same node and flags. @kernel mm/memblock.c memblock_merge_regions */
function memblock_merge_regions(type: memblock_type): void {
  const rs = type.regions.sort((a, b) => a.base - b.base);
  const out: memblock_region[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && last.base + last.size === r.base && last.nid === r.nid && last.flags === r.flags) last.size += r.size;
    else out.push({ ...r });
  }
  type.regions = out;
}

/** Removes [base, base+size) from a region array, splitting regions. @kernel mm/memblock.c memblock_remove_range */
function memblock_remove_range(type: memblock_type, base: number, size: number): void {
  const end = base + size;
  const out: memblock_region[] = [];
  for (const r of type.regions) {
    const rEnd = r.base + r.size;
    if (rEnd <= base || r.base >= end) {
      out.push(r);
      continue;
    }
    if (r.base < base) out.push({ ...r, size: base - r.base });
    if (rEnd > end) out.push({ ...r, base: end, size: rEnd - end });
  }
  type.regions = out;
}

/** Adds RAM [base, base+size) on node nid. */
export function memblock_add(mb: Memblock, base: number, size: number, nid = MAX_NUMNODES): void {
  memblock_add_range(mb.memory, base, size, nid, MEMBLOCK_NONE);
}
/** Removes RAM from the memory array. */
export function memblock_remove(mb: Memblock, base: number, size: number): void {
  memblock_remove_range(mb.memory, base, size);
}
/** Marks [base, base+size) reserved; `what` names the user for the boot log and tests. */
export function memblock_reserve(mb: Memblock, base: number, size: number, what = "reserve"): void {
  memblock_add_range(mb.reserved, base, size, MAX_NUMNODES, MEMBLOCK_NONE);
  mb.log.push({ what, base, size });
}
/** Gives a reservation back to memblock (before memblock_free_all). @kernel mm/memblock.c memblock_phys_free */
export function memblock_phys_free(mb: Memblock, base: number, size: number): void {
  memblock_remove_range(mb.reserved, base, size);
}

/**
 * Binds [base, base+size) of memory to node nid, splitting regions at the boundaries.
 * @kernel mm/memblock.c memblock_set_node
 */
export function memblock_set_node(mb: Memblock, base: number, size: number, nid: number): void {
  const end = base + size;
  const out: memblock_region[] = [];
  for (const r of mb.memory.regions) {
    const rEnd = r.base + r.size;
    if (rEnd <= base || r.base >= end) {
      out.push(r);
      continue;
    }
    if (r.base < base) out.push({ ...r, size: base - r.base });
    const a = Math.max(r.base, base);
    const b = Math.min(rEnd, end);
    out.push({ ...r, base: a, size: b - a, nid });
    if (rEnd > end) out.push({ ...r, base: end, size: rEnd - end });
  }
  mb.memory.regions = out;
  memblock_merge_regions(mb.memory);
}

/** Bytes of RAM memblock knows. @kernel mm/memblock.c memblock_phys_mem_size */
export function memblock_phys_mem_size(mb: Memblock): number {
  return mb.memory.total_size();
}
/** Bytes reserved. @kernel mm/memblock.c memblock_reserved_size */
export function memblock_reserved_size(mb: Memblock): number {
  return mb.reserved.total_size();
}
/** Lowest RAM address. @kernel mm/memblock.c memblock_start_of_DRAM */
export function memblock_start_of_DRAM(mb: Memblock): number {
  return mb.memory.regions[0].base;
}
/** One past the highest RAM address. @kernel mm/memblock.c memblock_end_of_DRAM */
export function memblock_end_of_DRAM(mb: Memblock): number {
  const r = mb.memory.regions[mb.memory.regions.length - 1];
  return r.base + r.size;
}

/** PFN_UP/PFN_DOWN: whole pages inside a byte range. */
export const PFN_UP = (x: number): number => Math.ceil(x / PAGE_SIZE);
export const PFN_DOWN = (x: number): number => Math.floor(x / PAGE_SIZE);

/**
 * The memory regions as page ranges (only whole pages count), optionally of one node.
 * The 512 MiB guest gives [1, 0x9f) and [0x100, 0x1ffe0) on node 0.
 * @kernel mm/memblock.c for_each_mem_pfn_range (__next_mem_pfn_range)
 */
export function for_each_mem_pfn_range(mb: Memblock, nid: number = MAX_NUMNODES): Array<{ start: number; end: number; nid: number }> {
  const out: Array<{ start: number; end: number; nid: number }> = [];
  for (const r of mb.memory.regions) {
    const s = PFN_UP(r.base);
    const e = PFN_DOWN(r.base + r.size);
    if (s >= e) continue;
    if (nid !== MAX_NUMNODES && nid !== NUMA_NO_NODE && r.nid !== nid) continue;
    out.push({ start: s, end: e, nid: r.nid });
  }
  return out;
}

/**
 * Free ranges: memory minus reserved, in bytes, ascending, each within one memory region (so
 * with that region's node). @kernel mm/memblock.c __next_mem_range (for_each_free_mem_range)
 */
export function for_each_free_mem_range(mb: Memblock, nid: number = NUMA_NO_NODE): Array<{ start: number; end: number; nid: number }> {
  const out: Array<{ start: number; end: number; nid: number }> = [];
  const res = mb.reserved.regions;
  let ri = 0;
  for (const m of mb.memory.regions) {
    if (nid !== NUMA_NO_NODE && nid !== MAX_NUMNODES && m.nid !== nid) continue;
    const mEnd = m.base + m.size;
    let cur = m.base;
    while (ri < res.length && res[ri].base + res[ri].size <= cur) ri++;
    let j = ri;
    while (cur < mEnd) {
      if (j >= res.length || res[j].base >= mEnd) {
        out.push({ start: cur, end: mEnd, nid: m.nid });
        break;
      }
      const r = res[j];
      if (r.base > cur) out.push({ start: cur, end: r.base, nid: m.nid });
      cur = Math.max(cur, r.base + r.size);
      j++;
    }
  }
  return out;
}

/**
 * Finds a free, aligned [cand, cand+size) inside [start, end), top-down (the highest fit), on
 * node nid (NUMA_NO_NODE: any). Returns -1 when nothing fits.
 * @kernel mm/memblock.c memblock_find_in_range_node, __memblock_find_range_top_down
 */
export function memblock_find_in_range_node(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
): number {
  if (end === MEMBLOCK_ALLOC_ACCESSIBLE || end > mb.current_limit) end = mb.current_limit;
  start = Math.max(start, PAGE_SIZE);
  const free = for_each_free_mem_range(mb, nid);
  for (let i = free.length - 1; i >= 0; i--) {
    const thisStart = Math.max(free[i].start, start);
    const thisEnd = Math.min(free[i].end, end);
    if (thisEnd < size) continue;
    const cand = Math.floor((thisEnd - size) / align) * align;
    if (cand >= thisStart) return cand;
  }
  return -1;
}

/**
 * Allocates and reserves size bytes: on node nid if possible, else anywhere (unless exact_nid).
 * Returns the physical address, or -1.
 * @kernel mm/memblock.c memblock_alloc_range_nid
 */
export function memblock_alloc_range_nid(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
  exact_nid: boolean,
  what: string,
): number {
  let found = memblock_find_in_range_node(mb, size, align, start, end, nid);
  if (found < 0 && nid !== NUMA_NO_NODE && !exact_nid) found = memblock_find_in_range_node(mb, size, align, start, end, NUMA_NO_NODE);
  if (found < 0) return -1;
  memblock_reserve(mb, found, size, what);
  return found;
}

/** memblock_alloc_try_nid: anywhere above 16 MiB if possible, preferring node nid. */
export function memblock_alloc_try_nid(mb: Memblock, size: number, align: number, nid: number, what: string): number {
  let p = memblock_alloc_range_nid(mb, size, align, MAX_DMA_ADDRESS, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false, what);
  // The kernel retries from address 0 when nothing fits above MAX_DMA_ADDRESS.
  if (p < 0) p = memblock_alloc_range_nid(mb, size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false, what);
  return p;
}

// ---------------------------------------------------------------------------------------------
// What Debian 6.1 reserves at boot: the kernel image and the rules for everything else.
// ---------------------------------------------------------------------------------------------

/**
 * The kernel image, as Debian's 6.1.0-56-amd64 vmlinux lays it out (nokaslr: loaded at
 * CONFIG_PHYSICAL_START = 16 MiB). The five sizes are what mem_init_print_info prints ("14343K
 * kernel code, 2338K rwdata, 9132K rodata, 2824K init, 17344K bss"); the addresses are w0's
 * /proc/iomem ("Kernel code 01000000-01e01d31 … Kernel bss 03310000-043fffff"); the gaps are the
 * later "Freeing unused …" lines. All in bytes.
 */
export interface KernelImage {
  /** __pa(_text). */
  phys_start: number;
  /** __end_of_kernel_reserve - _text: what early_reserve_memory reserves (text through bss). */
  reserve_size: number;
  /** _etext - _stext. */
  code: number;
  /** _edata - _sdata. */
  rwdata: number;
  /** __end_rodata - __start_rodata. */
  rodata: number;
  /** __init_end - __init_begin (freed by free_initmem). */
  init: number;
  /** __bss_stop - __bss_start. */
  bss: number;
  /** PFN_ALIGN(_etext) .. __start_rodata (freed by mark_rodata_ro). */
  text_rodata_gap: number;
  /** PFN_ALIGN(__end_rodata) .. _sdata (freed by mark_rodata_ro). */
  rodata_data_gap: number;
  /** The unused part of .bss..decrypted (freed by mem_encrypt_free_decrypted_mem). */
  decrypted_unused: number;
  /** __smp_locks .. __smp_locks_end, freed once alternatives are applied on a UP boot. */
  smp_alternatives: number;
}

/** Debian 6.1.0-56-amd64 (6.1.192-2), from w0's dmesg and iomem. */
export const DEBIAN_6_1_IMAGE: Readonly<KernelImage> = Object.freeze({
  phys_start: 0x1000000,
  reserve_size: 0x4400000 - 0x1000000,
  code: 14343 * 1024,
  rwdata: 2338 * 1024,
  rodata: 9132 * 1024,
  init: 2824 * 1024,
  bss: 17344 * 1024,
  text_rodata_gap: 2040 * 1024,
  rodata_data_gap: 1108 * 1024,
  decrypted_unused: 2036 * 1024,
  smp_alternatives: 36 * 1024,
});

/** Addresses of the later-freed parts of the image, derived from the sizes (w0's iomem layout). */
export function kernel_image_layout(img: KernelImage): {
  text_end: number;
  rodata_start: number;
  rodata_end: number;
  sdata: number;
  bss_start: number;
  end: number;
} {
  // _text is 2 MiB aligned; text, rodata and data each start on a 2 MiB boundary (the gaps
  // between them are what mark_rodata_ro frees).
  const text_end = img.phys_start + Math.ceil(img.code / PAGE_SIZE) * PAGE_SIZE;
  const rodata_start = text_end + img.text_rodata_gap;
  const rodata_end = rodata_start + img.rodata;
  const sdata = rodata_end + img.rodata_data_gap;
  const end = img.phys_start + img.reserve_size;
  const bss_start = end - img.bss;
  return { text_end, rodata_start, rodata_end, sdata, bss_start, end };
}

/** sizeof(pg_data_t) rounded to pages, as "NODE_DATA(0) allocated [mem 0x1fd2c000-0x1fd56fff]" shows: 172 KiB. */
export const NODE_DATA_SIZE = 0x2b000;
/** struct page is 64 bytes: a 128 MiB section's memmap is 2 MiB. */
export const STRUCT_PAGE_SIZE = 64;
/**
 * The used part of the brk area right after the kernel image (reserve_brk): the 6 early
 * page-table pages (INIT_PGT_BUF_SIZE) plus dmi/setup_data users. 17 pages: with the 64 vmalloc
 * PUD pages mem_init preallocates, this puts the "available" figure of every w0 variant on the
 * real one (51887 pages single-node, 84655 with two nodes).
 */
export const BRK_USED = 17 * PAGE_SIZE;
/** INIT_PGT_BUF_SIZE in pages: brk's buffer for the first direct-map page tables (arch/x86/setup.ts init_mem_mapping). */
export const INIT_PGT_BUF_PAGES = 6;
/**
 * Other small early allocations placed top-down (mem_section roots, vmemmap page tables,
 * command-line copies, e820 resources, percpu metadata): 136 kB in total together with brk on
 * every single-node w0 variant, so 17 pages once brk's 17 are counted. 4 of them are node-local
 * (node 0's mem_section root and vmemmap PMD/PUD pages, sparse's node-0 usemap); 13 are plain
 * memblock_alloc calls that land at the top of memory, which on w0-numa2 is node 1: that split
 * reproduces both nodes' managed counts there exactly.
 */
export const EARLY_SMALL_ALLOCS_NODE0 = 4 * PAGE_SIZE;
export const EARLY_SMALL_ALLOCS_ANY = 13 * PAGE_SIZE;
/** sparse_init's per-node usemap (mem_section_usage) allocation: one page per extra node. */
export const SPARSE_USAGE_PER_EXTRA_NODE = PAGE_SIZE;
/** swiotlb on machines with RAM above 4 GiB: 64 MiB bounce buffer + 32768 slots * 24 bytes. */
export const IO_TLB_DEFAULT_SIZE = 64 * 1024 * 1024;
export const IO_TLB_SLOTS_SIZE = (IO_TLB_DEFAULT_SIZE >> 11) * 24;
