/**
 * The per-cpu first chunk at boot: how the static per-cpu data of every possible CPU is laid
 * out in units (pcpu_build_alloc_info), allocated from memblock either embedded in the direct
 * map in 2 MiB atoms (pcpu_embed_first_chunk, x86-64's choice) or, when that allocation fails,
 * one 4 KiB page at a time (pcpu_page_first_chunk), and the boot-log lines each prints
 * (pcpu_dump_alloc_info).
 *
 * Then the run-time allocator: every per-CPU variable the kernel allocates at run time is carved
 * out of a chunk with one unit per CPU, so one offset names a copy per CPU. The first chunk's
 * dynamic area (d28672 per unit embedded, d12288 in pages) comes first (pcpu_setup_first_chunk);
 * when it is full, pcpu_create_chunk makes another: a vmalloc-range area of one unit per group
 * unit (pcpu_get_vm_areas, from the top of the vmalloc space) whose pages are allocated and
 * mapped only as allocations reach them (pcpu_populate_chunk, one page per possible CPU), plus
 * its bookkeeping (alloc_map, bound_map, md_blocks and, with memcg kmem accounting,
 * obj_cgroups), each from kmalloc or, above a page, vmalloc (pcpu_mem_zalloc). /proc/meminfo's
 * Percpu is pcpu_nr_populated * pcpu_nr_units pages. A second chunk's bookkeeping follows from
 * the unit: obj_cgroups is 8 bytes per 4-byte allocation unit, 4 MiB for a 2 MiB unit (the
 * "pcpu_create_chunk+0x167/0x1b0 pages=1024" of sl-boot-m512's vmallocinfo).
 *
 * Worked numbers (Debian's 6.1 image: static 217088 bytes, reserved 8192):
 * - Embedding: dynamic 28672, size_sum 253952 = 62 pages; alloc_size 2 MiB holds at most 8 units
 *   of 256 KiB. One CPU: upa 1, u2097152. Two: upa 2, u1048576. Four: upa 4, u524288 (the
 *   sl-boot-m1024-smp4 capture). 512 CPUs on one node: upa 8, one 128 MiB allocation. Each unit's
 *   tail past its 62 pages goes back to memblock, so every CPU keeps 248 KiB.
 * - The page fallback: dynamic PERCPU_DYNAMIC_EARLY_SIZE 12288, 58 pages per CPU
 *   ("percpu: 58 4K pages/cpu s217088 r8192 d12288").
 *
 * Simplified: the `areas` pointer array and the page fallback's `pages` array are left out of
 * the layout where they are freed again at once (one page, given back before anything else is
 * allocated); CPUs are grouped by node, which is what pcpu_cpu_distance's LOCAL_DISTANCE test
 * amounts to (a SLIT has 10 only on its diagonal). Run time: a chunk's free space is a sorted
 * list of free byte ranges searched first-fit, chunks in creation order (the kernel keeps chunks
 * in slots by their largest free area and scans bitmap blocks with hints; both find the lowest
 * fitting offset of the first chunk that has one); no reserved chunk for modules; populated
 * pages are never given back and empty chunks never destroyed (pcpu_balance_workfn's
 * depopulation and its empty-page reserve are not modelled); no memcg charging.
 * @kernel mm/percpu.c pcpu_build_alloc_info, pcpu_embed_first_chunk, pcpu_page_first_chunk
 * @kernel mm/percpu.c pcpu_dump_alloc_info, pcpu_fc_alloc, pcpu_fc_free
 * @kernel mm/percpu.c pcpu_alloc, free_percpu, pcpu_setup_first_chunk, pcpu_alloc_chunk,
 *   pcpu_mem_zalloc, pcpu_nr_pages, pcpu_chunk_populated
 * @kernel mm/percpu-vm.c pcpu_create_chunk, pcpu_populate_chunk, pcpu_alloc_pages, pcpu_get_pages
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { KERN_DEBUG, KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import { errnoValues } from "../kernel/errno.js";
import { boot_panic } from "../kernel/panic.js";
import {
  for_each_free_mem_range,
  MAX_DMA_ADDRESS,
  type Memblock,
  MEMBLOCK_ALLOC_ACCESSIBLE,
  memblock_alloc_range_nid,
  memblock_alloc_try_nid,
  memblock_phys_free,
  memblock_reserve,
  NUMA_NO_NODE,
  SMP_CACHE_BYTES,
} from "./memblock.js";
import { GFP_KERNEL, __GFP_HIGHMEM, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO, gfpflags_allow_blocking } from "./gfp.js";
import { __alloc_pages, __free_pages } from "./page_alloc.js";
import { kfree, kmalloc } from "./slab_common.js";
import { __vmalloc, pcpu_get_vm_areas, vfree } from "./vmalloc.js";
import { NO_PFN, PAGE_SIZE } from "./types.js";

/** __per_cpu_end - __per_cpu_start of Debian's 6.1 vmlinux ("s217088"). */
export const PCPU_STATIC_SIZE = 217088;
/** PERCPU_MODULE_RESERVE: room for modules' static per-cpu data ("r8192"). */
export const PERCPU_MODULE_RESERVE = 8 << 10;
/** PERCPU_DYNAMIC_RESERVE on 64-bit. */
export const PERCPU_DYNAMIC_RESERVE = 28 << 10;
/** PERCPU_FIRST_CHUNK_RESERVE = PERCPU_MODULE_RESERVE (CONFIG_MODULES=y). */
export const PERCPU_FIRST_CHUNK_RESERVE = PERCPU_MODULE_RESERVE;
/** PERCPU_DYNAMIC_EARLY_SIZE: the least dynamic space a first chunk gets. */
export const PERCPU_DYNAMIC_EARLY_SIZE = 12 << 10;
/** PCPU_MIN_UNIT_SIZE. */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** x86-64's atom_size for the embedding allocator: PMD_SIZE. */
export const PCPU_EMBED_ATOM_SIZE = 2 * 1024 * 1024;
/** cpu_map's "no CPU in this unit" (NR_CPUS). */
const NR_CPUS_UNUSED = -1;

/** One group of units: the CPUs that share a node (pcpu_group_info). */
export interface pcpu_group_info {
  /** Units, rounded up to whole allocations. */
  nr_units: number;
  /** CPU of each unit, NR_CPUS_UNUSED for the padding. */
  cpu_map: number[];
}

/** struct pcpu_alloc_info. */
export interface pcpu_alloc_info {
  static_size: number;
  reserved_size: number;
  dyn_size: number;
  unit_size: number;
  atom_size: number;
  alloc_size: number;
  groups: pcpu_group_info[];
}

/**
 * The units' shape: size_sum rounded to pages, the most units one atom-aligned allocation holds
 * (upa) and then the fewest allocations that waste at most a third of the CPUs' worth of units.
 * `cpuNodes[cpu]` is early_cpu_to_node; `byNode` false puts every CPU in one group (the page
 * allocator passes no distance function).
 * @kernel mm/percpu.c pcpu_build_alloc_info
 */
export function pcpu_build_alloc_info(reserved_size: number, dyn_size: number, atom_size: number, cpuNodes: readonly number[], byNode: boolean): pcpu_alloc_info {
  const static_size = PCPU_STATIC_SIZE;
  const size_sum = PFN_ALIGN(static_size + reserved_size + Math.max(dyn_size, PERCPU_DYNAMIC_EARLY_SIZE));
  dyn_size = size_sum - static_size - reserved_size;
  const min_unit_size = Math.max(size_sum, PCPU_MIN_UNIT_SIZE);
  const alloc_size = Math.ceil(min_unit_size / atom_size) * atom_size;
  let upa = Math.floor(alloc_size / min_unit_size);
  while (alloc_size % upa !== 0 || (alloc_size / upa) % PAGE_SIZE !== 0) upa--;
  const max_upa = upa;

  // Group the CPUs by proximity: a group per node, in the order of each node's first CPU.
  const nr_cpus = cpuNodes.length;
  const groupOfNode = new Map<number, number>();
  const group_cnt: number[] = [];
  const group_map = new Int32Array(nr_cpus);
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const key = byNode ? cpuNodes[cpu] : 0;
    let g = groupOfNode.get(key);
    if (g === undefined) {
      g = group_cnt.length;
      groupOfNode.set(key, g);
      group_cnt.push(0);
    }
    group_map[cpu] = g;
    group_cnt[g]++;
  }

  // Expand the unit size until at least 75% of the units allocated are used, without taking
  // more allocations than a larger upa needs.
  let last_allocs = Infinity;
  let best_upa = 0;
  for (upa = max_upa; upa > 0; upa--) {
    if (alloc_size % upa !== 0 || (alloc_size / upa) % PAGE_SIZE !== 0) continue;
    let allocs = 0;
    let wasted = 0;
    for (const cnt of group_cnt) {
      const this_allocs = Math.ceil(cnt / upa);
      allocs += this_allocs;
      wasted += this_allocs * upa - cnt;
    }
    if (wasted > Math.floor(nr_cpus / 3)) continue;
    if (allocs > last_allocs) break;
    last_allocs = allocs;
    best_upa = upa;
  }
  upa = best_upa;

  const groups: pcpu_group_info[] = group_cnt.map(() => ({ nr_units: 0, cpu_map: [] }));
  for (let cpu = 0; cpu < nr_cpus; cpu++) groups[group_map[cpu]].cpu_map.push(cpu);
  for (const gi of groups) {
    gi.nr_units = Math.ceil(gi.cpu_map.length / upa) * upa;
    while (gi.cpu_map.length < gi.nr_units) gi.cpu_map.push(NR_CPUS_UNUSED);
  }
  return { static_size, reserved_size, dyn_size, unit_size: alloc_size / upa, atom_size, alloc_size, groups };
}

/**
 * The "pcpu-alloc:" lines: the shape, then each allocation as "[group] cpu cpu … ", as many
 * allocations per line as fit in 60 columns (a power of two), CPU numbers zero-padded to the
 * width of the CPU count. Two CPUs in one allocation: "pcpu-alloc: [0] 0 1 ".
 * @kernel mm/percpu.c pcpu_dump_alloc_info
 */
export function pcpu_dump_alloc_info(k: Kernel, lvl: number, ai: pcpu_alloc_info, nr_cpus: number): void {
  const group_width = String(ai.groups.length).length;
  const cpu_width = String(nr_cpus).length;
  const empty_str = "--------".slice(0, Math.min(cpu_width, 7));
  const upa = ai.alloc_size / ai.unit_size;
  const width = upa * (cpu_width + 1) + group_width + 3;
  const apl = 2 ** Math.floor(Math.log2(Math.max(Math.floor(60 / width), 1)));
  k.log.printk(lvl, `pcpu-alloc: s${ai.static_size} r${ai.reserved_size} d${ai.dyn_size} u${ai.unit_size} alloc=${ai.alloc_size / ai.atom_size}*${ai.atom_size}`);
  let line: string | null = null;
  let alloc = 0;
  for (let group = 0; group < ai.groups.length; group++) {
    const gi = ai.groups[group];
    for (let unit = 0; unit < gi.nr_units; unit += upa, alloc++) {
      if (alloc % apl === 0) {
        if (line !== null) k.log.printk(lvl, line);
        line = "pcpu-alloc: ";
      }
      line += `[${String(group).padStart(group_width, "0")}] `;
      for (let u = unit; u < unit + upa; u++) {
        const cpu = gi.cpu_map[u];
        line += cpu === NR_CPUS_UNUSED ? `${empty_str} ` : `${String(cpu).padStart(cpu_width, "0")} `;
      }
    }
  }
  if (line !== null) k.log.printk(lvl, line);
}

/**
 * pcpu_fc_alloc: boot memory for a CPU's per-cpu data, on its node if it can be, above
 * MAX_DMA_ADDRESS if it can be (memblock_alloc_try_nid's fallbacks). -1 when nothing fits.
 * @kernel mm/percpu.c pcpu_fc_alloc
 */
function pcpu_fc_alloc(mb: Memblock, nid: number, size: number, align: number, what: string): number {
  return memblock_alloc_try_nid(mb, size, align, nid, what);
}

/**
 * `n` calls of pcpu_fc_alloc(PAGE_SIZE, PAGE_SIZE) on node `nid`, taken as runs: each page
 * would come from the top of the highest free range memblock_alloc_try_nid's order of tries
 * accepts (node nid above MAX_DMA_ADDRESS, any node above it, node nid from 0, any node from 0),
 * and the next from just below it while that range lasts, so one reservation of the run puts
 * every page where the page-at-a-time loop would (8192 CPUs × 58 pages in a few thousand
 * reservations instead of 475,136). Pushes each run's base and size onto `got`; returns the
 * pages obtained, fewer than `n` when memory ran out.
 */
function pcpu_fc_alloc_pages(mb: Memblock, nid: number, n: number, got: number[]): number {
  const tries: Array<[number, number]> = [[MAX_DMA_ADDRESS, nid], [MAX_DMA_ADDRESS, NUMA_NO_NODE], [0, nid], [0, NUMA_NO_NODE]];
  let done = 0;
  outer: while (done < n) {
    for (const [lo, node] of tries) {
      const free = for_each_free_mem_range(mb, node);
      for (let i = free.length - 1; i >= 0; i--) {
        const first = Math.ceil(Math.max(free[i].start, lo, PAGE_SIZE) / PAGE_SIZE);
        const end = Math.floor(Math.min(free[i].end, mb.current_limit) / PAGE_SIZE);
        if (end <= first) continue;
        const take = Math.min(n - done, end - first);
        const base = (end - take) * PAGE_SIZE;
        memblock_reserve(mb, base, take * PAGE_SIZE, "percpu pages");
        got.push(base, take * PAGE_SIZE);
        done += take;
        continue outer;
      }
    }
    break;
  }
  return done;
}

/**
 * The embedding allocator: one atom-aligned allocation per group on the group's node, each
 * unit's unused tail (and every unused unit) given back. 0, or -ENOMEM with nothing kept when a
 * group's allocation does not fit (the caller falls back to pages).
 * @kernel mm/percpu.c pcpu_embed_first_chunk
 */
export function pcpu_embed_first_chunk(k: Kernel, mb: Memblock, cpuNodes: readonly number[]): number {
  const ai = pcpu_build_alloc_info(PERCPU_FIRST_CHUNK_RESERVE, PERCPU_MODULE_RESERVE + PERCPU_DYNAMIC_RESERVE - PERCPU_FIRST_CHUNK_RESERVE, PCPU_EMBED_ATOM_SIZE, cpuNodes, true);
  const size_sum = ai.static_size + ai.reserved_size + ai.dyn_size;
  const areas: number[] = [];
  for (let group = 0; group < ai.groups.length; group++) {
    const gi = ai.groups[group];
    const nid = cpuNodes[gi.cpu_map[0]];
    const ptr = pcpu_fc_alloc(mb, nid, gi.nr_units * ai.unit_size, PCPU_EMBED_ATOM_SIZE, `percpu group ${group} (node ${nid})`);
    if (ptr < 0) {
      // out_free_areas: what was allocated goes back.
      for (let g = 0; g < areas.length; g++) memblock_phys_free(mb, areas[g], ai.groups[g].nr_units * ai.unit_size);
      return -errnoValues.ENOMEM;
    }
    areas.push(ptr);
  }
  // Copy data and free unused parts, once every group is allocated.
  for (let group = 0; group < ai.groups.length; group++) {
    const gi = ai.groups[group];
    for (let i = 0; i < gi.nr_units; i++) {
      const ptr = areas[group] + i * ai.unit_size;
      if (gi.cpu_map[i] === NR_CPUS_UNUSED) memblock_phys_free(mb, ptr, ai.unit_size);
      else if (ai.unit_size > size_sum) memblock_phys_free(mb, ptr + size_sum, ai.unit_size - size_sum);
    }
  }
  k.log.printk(KERN_INFO, `percpu: Embedded ${size_sum / PAGE_SIZE} pages/cpu s${ai.static_size} r${ai.reserved_size} d${ai.dyn_size} u${ai.unit_size}`);
  // pcpu_setup_first_chunk dumps the layout at KERN_DEBUG.
  pcpu_dump_alloc_info(k, KERN_DEBUG, ai, cpuNodes.length);
  pcpu_setup_first_chunk(k, ai);
  return 0;
}

/**
 * The page allocator of the first chunk: every CPU's unit_pages pages one at a time on its
 * node, mapped into vmalloc space. 0, or -ENOMEM (the pages given back) when one does not fit.
 * @kernel mm/percpu.c pcpu_page_first_chunk
 */
export function pcpu_page_first_chunk(k: Kernel, mb: Memblock, cpuNodes: readonly number[]): number {
  const ai = pcpu_build_alloc_info(PERCPU_FIRST_CHUNK_RESERVE, 0, PAGE_SIZE, cpuNodes, false);
  const unit_pages = ai.unit_size / PAGE_SIZE;
  const nr_cpus = cpuNodes.length;
  // The struct page pointer array lives while the pages are mapped, then goes back.
  const pages_size = PFN_ALIGN(unit_pages * nr_cpus * 8);
  const pages = memblock_alloc_range_nid(mb, pages_size, SMP_CACHE_BYTES, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, false, "percpu page array");
  if (pages < 0) boot_panic(k, `pcpu_page_first_chunk: Failed to allocate ${pages_size} bytes`);
  // The pages as runs [base, bytes, base, bytes, …], for giving them back on failure.
  const got: number[] = [];
  let rc = 0;
  for (const cpu of ai.groups[0].cpu_map) {
    if (cpu === NR_CPUS_UNUSED) continue;
    if (pcpu_fc_alloc_pages(mb, cpuNodes[cpu], unit_pages, got) < unit_pages) {
      k.log.printk(KERN_WARNING, `percpu: failed to allocate 4K page for cpu${cpu}`);
      for (let i = 0; i < got.length; i += 2) memblock_phys_free(mb, got[i], got[i + 1]);
      rc = -errnoValues.ENOMEM;
      break;
    }
  }
  if (rc === 0) {
    k.log.printk(KERN_INFO, `percpu: ${unit_pages} 4K pages/cpu s${ai.static_size} r${ai.reserved_size} d${ai.dyn_size}`);
    pcpu_dump_alloc_info(k, KERN_DEBUG, ai, nr_cpus);
    pcpu_setup_first_chunk(k, ai);
  }
  memblock_phys_free(mb, pages, pages_size);
  return rc;
}

/** PFN_ALIGN: up to a whole page. */
function PFN_ALIGN(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

// ---------------------------------------------------------------------------------------------
// The run-time allocator
// ---------------------------------------------------------------------------------------------

/** Allocations are made in 4-byte units. @kernel include/linux/percpu.h PCPU_MIN_ALLOC_SIZE */
export const PCPU_MIN_ALLOC_SIZE = 4;
/** pcpu_chunk_nr_blocks: one bitmap block (struct pcpu_block_md, 32 bytes) per page of a unit. */
const PCPU_BLOCK_MD_SIZE = 32;

/** One chunk: its free byte ranges, its live allocations and which of its pages are populated. */
export interface pcpu_chunk {
  /** Position in k.percpu.chunks; a percpu pointer is (index + 1) * 2^32 + offset. */
  readonly index: number;
  /** The first chunk is all populated and never grows. */
  readonly first: boolean;
  /** Sorted [start, end) byte ranges free for allocation. */
  readonly free_start: number[];
  readonly free_end: number[];
  /** Live allocations: offset → size. */
  readonly allocs: Map<number, number>;
  /** populated[page]: that page of every unit is backed (pcpu_chunk_populated). */
  readonly populated: Uint8Array;
  /** The backing pages, unit-major: pages[unit * unit_pages + page] (pcpu_get_pages' array). */
  readonly pages: Int32Array;
  /** The vmalloc areas and kmalloc objects its bookkeeping took (freed with the chunk). */
  readonly meta: number[];
}

/** The per-CPU allocator's statics of one machine. */
export class pcpu_globals {
  ai: pcpu_alloc_info | null = null;
  readonly chunks: pcpu_chunk[] = [];
  /** pcpu_nr_populated: pages populated per unit, over every chunk. */
  pcpu_nr_populated = 0;
  pcpu_nr_units = 1;
  pcpu_unit_pages = 0;
  /** pcpu_get_pages' static array (kmalloc'd or vmalloc'd once, at the first populate). */
  pages_array = 0;
  /** The address and size of the vm areas each further chunk maps (pcpu_get_vm_areas). */
  readonly vm_areas = new Map<number, number[]>();
}

function new_chunk(k: Kernel, first: boolean, unit_pages: number): pcpu_chunk {
  const pc = k.percpu;
  return {
    index: pc.chunks.length,
    first,
    free_start: [],
    free_end: [],
    allocs: new Map(),
    populated: new Uint8Array(unit_pages),
    pages: new Int32Array(first ? 0 : unit_pages * k.nr_cpu_ids).fill(NO_PFN),
    meta: [],
  };
}

/**
 * The first chunk: its dynamic area is what allocations may use; all of its pages (static,
 * reserved and dynamic: 62 per unit) are populated from the start, being memblock memory.
 * @kernel mm/percpu.c pcpu_setup_first_chunk, pcpu_alloc_first_chunk
 */
export function pcpu_setup_first_chunk(k: Kernel, ai: pcpu_alloc_info): void {
  const pc = k.percpu;
  pc.ai = ai;
  // Every unit counts, the padding of a group's last allocation too (pcpu_nr_units).
  pc.pcpu_nr_units = ai.groups.reduce((a, g) => a + g.nr_units, 0);
  pc.pcpu_unit_pages = ai.unit_size / PAGE_SIZE;
  const map_end = ai.static_size + ai.reserved_size + ai.dyn_size;
  const first = new_chunk(k, true, map_end / PAGE_SIZE);
  first.free_start.push(ai.static_size + ai.reserved_size);
  first.free_end.push(map_end);
  first.populated.fill(1);
  pc.chunks.push(first);
  pc.pcpu_nr_populated = map_end / PAGE_SIZE;
  k.pcpu_nr_pages = pcpu_nr_pages(k);
}

/** A percpu pointer: the chunk and the offset in its units. */
function pcpu_ptr(chunk: pcpu_chunk, off: number): number {
  return (chunk.index + 1) * 2 ** 32 + off;
}

/** First fit of `size` bytes aligned to `align` among a chunk's free ranges; -1 for none. */
function pcpu_find_block_fit(chunk: pcpu_chunk, size: number, align: number): number {
  for (let i = 0; i < chunk.free_start.length; i++) {
    const off = Math.ceil(chunk.free_start[i] / align) * align;
    if (off + size <= chunk.free_end[i]) return off;
  }
  return -1;
}

/** Takes [off, off + size) out of the chunk's free ranges. @kernel mm/percpu.c pcpu_alloc_area */
function pcpu_alloc_area(chunk: pcpu_chunk, off: number, size: number): void {
  const i = chunk.free_start.findIndex((s, j) => s <= off && off + size <= chunk.free_end[j]);
  if (i < 0) throw new KernelBug("pcpu_alloc_area: no free range holds the area", { off, size });
  const s = chunk.free_start[i];
  const e = chunk.free_end[i];
  const parts: number[] = [];
  if (s < off) parts.push(s, off);
  if (off + size < e) parts.push(off + size, e);
  chunk.free_start.splice(i, 1, ...parts.filter((_, j) => j % 2 === 0));
  chunk.free_end.splice(i, 1, ...parts.filter((_, j) => j % 2 === 1));
  chunk.allocs.set(off, size);
}

/** Gives [off, off + size) back, merging with its neighbours. @kernel mm/percpu.c pcpu_free_area */
function pcpu_free_area(chunk: pcpu_chunk, off: number): number {
  const size = chunk.allocs.get(off);
  if (size === undefined) throw new KernelBug("free_percpu: not an allocation of this chunk", { chunk: chunk.index, off });
  chunk.allocs.delete(off);
  let i = 0;
  while (i < chunk.free_start.length && chunk.free_start[i] < off) i++;
  chunk.free_start.splice(i, 0, off);
  chunk.free_end.splice(i, 0, off + size);
  if (i + 1 < chunk.free_start.length && chunk.free_end[i] === chunk.free_start[i + 1]) {
    chunk.free_end[i] = chunk.free_end[i + 1];
    chunk.free_start.splice(i + 1, 1);
    chunk.free_end.splice(i + 1, 1);
  }
  if (i > 0 && chunk.free_end[i - 1] === chunk.free_start[i]) {
    chunk.free_end[i - 1] = chunk.free_end[i];
    chunk.free_start.splice(i, 1);
    chunk.free_end.splice(i, 1);
  }
  return size;
}

/**
 * kzalloc below a page, vmalloc above: the chunk bookkeeping's allocator. Returns the address
 * or 0. @kernel mm/percpu.c pcpu_mem_zalloc
 */
function pcpu_mem_zalloc(k: Kernel, size: number, gfp: number, caller: string): number {
  if (size <= PAGE_SIZE) return kmalloc(k, size, gfp | __GFP_ZERO);
  return __vmalloc(k, size, gfp | __GFP_ZERO, caller);
}

/** vfree or kfree, whichever pcpu_mem_zalloc used. @kernel mm/percpu.c pcpu_mem_free */
function pcpu_mem_free(k: Kernel, addr: number): void {
  if (k.vmalloc.find_vm_area(addr)) vfree(k, addr);
  else kfree(k, addr);
}

/**
 * A new chunk: its bookkeeping (the chunk structure with its populated bitmap, alloc_map,
 * bound_map, md_blocks and obj_cgroups; the call sites as sl-boot's vmallocinfo names them),
 * then the vm areas its units will be mapped in. Null when memory runs out.
 * @kernel mm/percpu-vm.c pcpu_create_chunk
 * @kernel mm/percpu.c pcpu_alloc_chunk
 */
function pcpu_create_chunk(k: Kernel, gfp: number): pcpu_chunk | null {
  const pc = k.percpu;
  const ai = pc.ai;
  if (!ai) return null;
  const chunk = new_chunk(k, false, pc.pcpu_unit_pages);
  const region_bits = ai.unit_size / PCPU_MIN_ALLOC_SIZE;
  // The chunk structure and its populated bitmap; an 8 KiB one in every capture (see the header).
  const sizes: Array<[number, string]> = [
    [2 * PAGE_SIZE, "pcpu_create_chunk+0x167/0x1b0"],
    [Math.ceil(region_bits / 64) * 8, "pcpu_create_chunk+0x4e/0x1b0"],
    [Math.ceil((region_bits + 1) / 64) * 8, "pcpu_create_chunk+0x75/0x1b0"],
    [(ai.unit_size / PAGE_SIZE) * PCPU_BLOCK_MD_SIZE, "pcpu_create_chunk+0x92/0x1b0"],
    [region_bits * 8, "pcpu_create_chunk+0x167/0x1b0"],
  ];
  for (const [size, caller] of sizes) {
    const p = pcpu_mem_zalloc(k, size, gfp, caller);
    if (!p) {
      for (const q of chunk.meta) pcpu_mem_free(k, q);
      return null;
    }
    chunk.meta.push(p);
  }
  const areas = pcpu_get_vm_areas(k, ai.groups.map((g) => g.nr_units * ai.unit_size));
  if (!areas) {
    for (const q of chunk.meta) pcpu_mem_free(k, q);
    return null;
  }
  pc.vm_areas.set(chunk.index, areas);
  chunk.free_start.push(0);
  chunk.free_end.push(ai.unit_size);
  pc.chunks.push(chunk);
  return chunk;
}

/**
 * Backs pages [rs, re) of every unit: one page per unit per page index, on the unit's CPU's
 * node. The first call also makes pcpu_get_pages' array (kmalloc, or vmalloc when it is over
 * a page: "pcpu_populate_chunk+0x378/0x3a0 pages=2" on two 2 MiB units). 0 or -ENOMEM.
 * @kernel mm/percpu-vm.c pcpu_populate_chunk, pcpu_alloc_pages, pcpu_get_pages
 */
function pcpu_populate_chunk(k: Kernel, chunk: pcpu_chunk, rs: number, re: number, gfp: number): number {
  const pc = k.percpu;
  if (!pc.pages_array) {
    pc.pages_array = pcpu_mem_zalloc(k, pc.pcpu_nr_units * pc.pcpu_unit_pages * 8, GFP_KERNEL, "pcpu_populate_chunk+0x378/0x3a0");
    if (!pc.pages_array) return -12;
  }
  // for_each_possible_cpu: a padding unit gets no pages.
  let unit = 0;
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++, unit++) {
    const nid = k.cpu_to_node[cpu] ?? 0;
    for (let i = rs; i < re; i++) {
      const pfn = __alloc_pages(k, gfp | __GFP_HIGHMEM, 0, nid, null);
      if (pfn === NO_PFN) {
        // Give back what this populate took, unit by unit, as pcpu_alloc_pages' error path.
        for (let u = 0; u <= unit; u++) {
          for (let j = rs; j < re; j++) {
            const p = chunk.pages[u * pc.pcpu_unit_pages + j];
            if (p !== NO_PFN) __free_pages(k, p, 0);
            chunk.pages[u * pc.pcpu_unit_pages + j] = NO_PFN;
          }
        }
        return -12;
      }
      chunk.pages[unit * pc.pcpu_unit_pages + i] = pfn;
    }
  }
  for (let i = rs; i < re; i++) chunk.populated[i] = 1;
  pc.pcpu_nr_populated += re - rs;
  k.pcpu_nr_pages = pcpu_nr_pages(k);
  return 0;
}

/**
 * Allocates `size` bytes aligned to `align` in every CPU's unit; returns the percpu pointer, or
 * 0 when it cannot (a bad size or alignment, a non-blocking caller with no room, no memory for
 * a new chunk or its pages).
 * @kernel mm/percpu.c pcpu_alloc
 */
export function pcpu_alloc(k: Kernel, size: number, align: number, gfp: number): number {
  const pcpu_gfp = gfp & (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
  const is_atomic = !gfpflags_allow_blocking(gfp);
  if (align < PCPU_MIN_ALLOC_SIZE) align = PCPU_MIN_ALLOC_SIZE;
  size = Math.ceil(size / PCPU_MIN_ALLOC_SIZE) * PCPU_MIN_ALLOC_SIZE;
  if (!size || size > PCPU_MIN_UNIT_SIZE || align > PAGE_SIZE || (align & (align - 1)) !== 0) return 0;
  const pc = k.percpu;
  for (;;) {
    for (const chunk of pc.chunks) {
      const off = pcpu_find_block_fit(chunk, size, align);
      if (off < 0) continue;
      pcpu_alloc_area(chunk, off, size);
      if (!is_atomic && !chunk.first) {
        const rs = Math.floor(off / PAGE_SIZE);
        const page_end = Math.ceil((off + size) / PAGE_SIZE);
        for (let i = rs; i < page_end; i++) {
          if (chunk.populated[i]) continue;
          let j = i;
          while (j < page_end && !chunk.populated[j]) j++;
          if (pcpu_populate_chunk(k, chunk, i, j, pcpu_gfp) !== 0) {
            pcpu_free_area(chunk, off);
            return 0;
          }
          i = j;
        }
      }
      return pcpu_ptr(chunk, off);
    }
    if (is_atomic) return 0;
    if (!pcpu_create_chunk(k, pcpu_gfp)) return 0;
  }
}

/** alloc_percpu(): GFP_KERNEL. @kernel mm/percpu.c __alloc_percpu */
export function __alloc_percpu(k: Kernel, size: number, align: number): number {
  return pcpu_alloc(k, size, align, GFP_KERNEL);
}

/**
 * Frees a percpu allocation. Its pages stay populated (the kernel's balance work depopulates
 * fully free pages later: not modelled).
 * @kernel mm/percpu.c free_percpu
 */
export function free_percpu(k: Kernel, ptr: number): void {
  if (!ptr) return;
  const index = Math.floor(ptr / 2 ** 32) - 1;
  const chunk = k.percpu.chunks[index];
  if (!chunk) throw new KernelBug("free_percpu: not a percpu pointer", { ptr });
  pcpu_free_area(chunk, ptr - (index + 1) * 2 ** 32);
}

/** Percpu in /proc/meminfo, in pages (kept in k.pcpu_nr_pages, which meminfo reads). @kernel mm/percpu.c pcpu_nr_pages */
export function pcpu_nr_pages(k: Kernel): number {
  return k.percpu.pcpu_nr_populated * k.percpu.pcpu_nr_units;
}
