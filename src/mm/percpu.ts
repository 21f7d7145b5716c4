/**
 * The per-cpu first chunk at boot: how the static per-cpu data of every possible CPU is laid
 * out in units (pcpu_build_alloc_info), allocated from memblock either embedded in the direct
 * map in 2 MiB atoms (pcpu_embed_first_chunk, x86-64's choice) or, when that allocation fails,
 * one 4 KiB page at a time (pcpu_page_first_chunk), and the boot-log lines each prints
 * (pcpu_dump_alloc_info).
 *
 * Scope: the boot half of mm/percpu.c only (setup_per_cpu_areas' first chunk, called from
 * arch/x86/setup.ts). The run-time allocator — pcpu_alloc / free_percpu, the first chunk's
 * dynamic area (d28672 per unit embedded, d12288 in pages) and the chunks created after it, the
 * Percpu line of /proc/meminfo — is not modelled here yet; it belongs in this same module, after
 * the first-chunk code, and the names exported below (constants, pcpu_alloc_info,
 * pcpu_build_alloc_info, pcpu_dump_alloc_info, pcpu_embed_first_chunk, pcpu_page_first_chunk)
 * are kept stable for it.
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
 * amounts to (a SLIT has 10 only on its diagonal).
 * @kernel mm/percpu.c pcpu_build_alloc_info, pcpu_embed_first_chunk, pcpu_page_first_chunk
 * @kernel mm/percpu.c pcpu_dump_alloc_info, pcpu_fc_alloc, pcpu_fc_free
 */
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
import { PAGE_SIZE } from "./types.js";

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
  }
  memblock_phys_free(mb, pages, pages_size);
  return rc;
}

/** PFN_ALIGN: up to a whole page. */
function PFN_ALIGN(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}
