/**
 * The machines mmsim boots: the one range of RAM, CPU and node counts every way in accepts
 * (`Machine.boot`, `mmsim boot`, a scenario's `machine:`), and the one check of a NUMA distance
 * matrix. Each check returns the problem in words, or null, so every caller can say it its own way
 * (a RangeError from the library, a located ScenarioError from the parser, a usage error from the
 * CLI) while the rule itself lives here once.
 *
 * Why these numbers:
 * - MIN_MEMORY 80M: the modelled kernel image occupies 16–68 MiB of physical memory (Debian's
 *   6.1 bzImage is loaded at 16 MiB, CONFIG_PHYSICAL_START) and QEMU puts the default 2.5 MiB
 *   initrd below the top of RAM, so nothing below ~71 MiB boots at all; 80M leaves room for the
 *   page tables and per-CPU areas boot allocates after them, whatever the other options.
 * - MAX_MEMORY 1T: the model's page columns are typed arrays indexed by pfn (2^28 pfns at 1 TiB).
 * - MAX_CPUS 8192: CONFIG_NR_CPUS of Debian's 6.1 build.
 * - PER_CPU_BOOT_MEMORY 1M: what each CPU after the first costs a booted machine in the model,
 *   measured as the smallest RAM on which every boot kernel thread gets its stack and task
 *   objects (kthread_create gives them none once less than an eighth of memory is free): 1 CPU
 *   boots fully from 73M, 64 CPUs from 117M, 512 from 472M, i.e. 715K a CPU from 1 to 64 and
 *   811K from 64 to 512. Each CPU's share: its per-cpu unit (62 pages embedded, 58 in the page
 *   fallback, mm/percpu.ts: 248K gone from MemTotal), the stacks of its 8 threads (idle, cpuhp,
 *   migration, ksoftirqd, four kworkers: 128K of KernelStack) with their task objects in slab
 *   (about 86K), its pageset lists, and the eighth of the extra RAM the thread rule keeps free.
 *   1M is 811K plus a quarter; MIN_MEMORY (73M needed for one CPU) has room for the first CPU.
 *   N CPUs need MIN_MEMORY + (N - 1) × 1M (64 CPUs: 143M, 512: 591M, 2048: 2127M, 8192: 8271M);
 *   the model boots each of those with every thread's objects. Below that 6.1's boot panics
 *   ("cannot initialize percpu area", "System is deadlocked on memory") or comes up with its
 *   per-CPU threads unbacked: 128M with 512 CPUs cannot boot. With this limit the embedded
 *   first chunk (256K a CPU, at most 2 GiB for 8192 CPUs) always fits in low RAM above the
 *   kernel image, so the page fallback is reached only below it (mm/percpu.test.ts).
 * - MAX_NODES 64 and MIN_NODE_MEMORY 16M: more nodes, or smaller ones, make little sense for a
 *   simulated PC (the kernel allows 1024 nodes).
 * - The first two nodes together hold at least MIN_MEMORY: QEMU gives each node the next part
 *   of RAM, and the kernel image covers 16M to 68M, so a node 1 that ends below ~76M has no
 *   2 MiB-aligned room left for its own memmap (sparse_init_nid: "memory map backing failed").
 * - Distances: the ACPI SLIT as the kernel accepts it (numa_set_distance, drivers/acpi/numa/
 *   srat.c slit_valid): 10 (LOCAL_DISTANCE) on the diagonal, 11..254 elsewhere.
 */
import { formatSize } from "./size.js";

/** Smallest RAM a machine may have: see the module comment. */
export const MIN_MEMORY = 80 * 2 ** 20;
/** Largest RAM a machine may have. */
export const MAX_MEMORY = 2 ** 40;
/** CONFIG_NR_CPUS of Debian's 6.1 build. */
export const MAX_CPUS = 8192;
/** Memory each CPU needs at boot on top of MIN_MEMORY: see the module comment. */
export const PER_CPU_BOOT_MEMORY = 2 ** 20;
/** Most NUMA nodes a machine may have. */
export const MAX_NODES = 64;
/** Smallest NUMA node. */
export const MIN_NODE_MEMORY = 16 * 2 ** 20;
/** LOCAL_DISTANCE, and the largest remote distance a SLIT entry may hold (255 means unreachable). */
export const LOCAL_DISTANCE = 10;
export const MAX_DISTANCE = 254;

/** The problem with a RAM size, or null: whole 4K pages from MIN_MEMORY to MAX_MEMORY. */
export function memoryProblem(bytes: number): string | null {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_MEMORY || bytes > MAX_MEMORY) {
    return `memory must be between ${formatSize(MIN_MEMORY)} and ${formatSize(MAX_MEMORY)}, got ${Number.isSafeInteger(bytes) ? formatSize(bytes) : String(bytes)}`;
  }
  if (bytes % 4096) return `memory must be a whole number of 4K pages, got ${bytes}`;
  return null;
}

/** The problem with a CPU count, or null. */
export function cpusProblem(n: number): string | null {
  return Number.isInteger(n) && n >= 1 && n <= MAX_CPUS ? null : `invalid cpus ${n}: expected a whole number from 1 to ${MAX_CPUS} (NR_CPUS)`;
}

/**
 * The problem with a machine's RAM for its CPU count, or null: N CPUs need MIN_MEMORY + (N - 1)
 * × PER_CPU_BOOT_MEMORY. Check memoryProblem and cpusProblem first.
 */
export function cpuMemoryProblem(bytes: number, cpus: number): string | null {
  const need = MIN_MEMORY + (cpus - 1) * PER_CPU_BOOT_MEMORY;
  if (bytes >= need) return null;
  return `${cpus} CPUs need at least ${formatSize(need)} of memory (${formatSize(MIN_MEMORY)} + ${formatSize(PER_CPU_BOOT_MEMORY)} per CPU after the first, for the per-cpu areas, kernel threads and pagesets each CPU adds), got ${formatSize(bytes)}`;
}

/** The problem with a node count, or null. */
export function nodeCountProblem(n: number): string | null {
  return Number.isInteger(n) && n >= 1 && n <= MAX_NODES ? null : `invalid nodes ${n}: expected a whole number from 1 to ${MAX_NODES}`;
}

/** The problem with one node's RAM, or null: at least MIN_NODE_MEMORY, in whole 2M blocks. */
export function nodeSizeProblem(bytes: number): string | null {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_NODE_MEMORY) return `each node needs at least ${formatSize(MIN_NODE_MEMORY)}, got ${Number.isSafeInteger(bytes) ? formatSize(bytes) : String(bytes)}`;
  if (bytes % (2 * 2 ** 20)) return `node sizes must be whole 2M blocks, got ${formatSize(bytes)}`;
  return null;
}

/**
 * The problem with the nodes' sizes in order (QEMU's -numa node,memdev=… of each), or null:
 * nodes 0 and 1 together hold at least MIN_MEMORY (see the module comment).
 */
export function nodeLayoutProblem(sizes: readonly number[]): string | null {
  if (sizes.length < 2 || sizes[0] + sizes[1] >= MIN_MEMORY) return null;
  return `nodes 0 and 1 together need at least ${formatSize(MIN_MEMORY)} (the kernel image occupies 16M to 68M of node 0's and node 1's memory), got ${formatSize(sizes[0])} + ${formatSize(sizes[1])}`;
}

/** Where a distance matrix is wrong: the row and column (for a located message) and what. */
export interface DistanceProblem {
  /** The row at fault, or -1 for the matrix as a whole. */
  row: number;
  /** The entry at fault, or -1 for the row as a whole. */
  col: number;
  message: string;
}

/**
 * Checks a node distance matrix (the SLIT) for `nodes` nodes: square, nodes × nodes, whole
 * numbers, LOCAL_DISTANCE on the diagonal and 11..254 elsewhere. Returns the first problem or
 * null. The kernel would also accept an asymmetric matrix, and so does this.
 * @kernel drivers/acpi/numa/srat.c slit_valid
 */
export function distanceProblem(matrix: unknown, nodes: number): DistanceProblem | null {
  if (!Array.isArray(matrix)) return { row: -1, col: -1, message: `the distance matrix must be a list of ${nodes} rows` };
  if (matrix.length !== nodes) return { row: -1, col: -1, message: `the distance matrix must be ${nodes}x${nodes} (one row per node), got ${matrix.length} row${matrix.length === 1 ? "" : "s"}` };
  for (let i = 0; i < nodes; i++) {
    const r: unknown = matrix[i];
    if (!Array.isArray(r) || r.length !== nodes) {
      return { row: i, col: -1, message: `the distance matrix must be ${nodes}x${nodes}: row ${i} has ${Array.isArray(r) ? r.length : 0} entr${Array.isArray(r) && r.length === 1 ? "y" : "ies"}` };
    }
    for (let j = 0; j < nodes; j++) {
      const d: unknown = r[j];
      if (typeof d !== "number" || !Number.isInteger(d)) return { row: i, col: j, message: `distance ${i}->${j} must be a whole number, got ${String(d)}` };
      if (i === j ? d !== LOCAL_DISTANCE : d <= LOCAL_DISTANCE || d > MAX_DISTANCE) {
        return { row: i, col: j, message: `distance ${i}->${j} must be ${i === j ? `${LOCAL_DISTANCE} (a node's distance to itself)` : `${LOCAL_DISTANCE + 1} to ${MAX_DISTANCE}`}, got ${d}` };
      }
    }
  }
  return null;
}

/** The largest legacy pmem range a machine takes (its struct pages are columns of the memmap). */
export const MAX_PMEM = 64 * 2 ** 30;

/**
 * A `memmap=` value's problem, or null: the SIZE!START form only (legacy persistent memory, the
 * one the model implements; sizes as "512M"), 4K to 64G (MAX_PMEM), ending at or below 1T. An
 * unaligned range is allowed, as 6.1 allows it (an e820 entry, but no device-dax device).
 */
export function memmapProblem(s: string): string | null {
  const m = /^([0-9]+)([KMGT]?)!([0-9]+)([KMGT]?)$/.exec(s);
  if (m === null) return `invalid memmap "${s}": expected SIZE!START (legacy persistent memory), e.g. 512M!1G; the other memmap= forms are not modelled`;
  const unit = (u: string): number => 2 ** ({ "": 0, K: 10, M: 20, G: 30, T: 40 } as Record<string, number>)[u];
  const size = Number(m[1]) * unit(m[2]);
  const start = Number(m[3]) * unit(m[4]);
  if (size < 4096 || size > MAX_PMEM) return `invalid memmap "${s}": the size must be 4K to 64G`;
  if (start + size > 2 ** 40) return `invalid memmap "${s}": the range must end at or below 1T`;
  return null;
}
