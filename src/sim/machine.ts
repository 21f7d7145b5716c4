/**
 * A simulated machine: one booted Kernel and the handles users hold on it. This is the engine
 * side of the public API — it turns people's configuration ("512M", "vm.swappiness") into boot
 * parameters and sysctl writes, and routes reads and writes to the kernel's own files.
 */
import { run_kthreads_until } from "../kernel/kthread.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel, type BootParams } from "../kernel/start_kernel.js";
import type { TraceBus } from "../kernel/trace.js";
import { procList, procRead, procWrite } from "../fs/proc/root.js";
import type { ThpMode } from "../mm/huge_memory.js";
import { parseDuration } from "./duration.js";
import { spawnProcess, type Process, type SpawnOptions, type SwaponOptions, toSwapAreaConfig } from "./process.js";
import { sys_swapon } from "../mm/swapfile.js";
import { Errno, errnoName } from "../kernel/errno.js";
import { parseSize } from "./size.js";

/** A NUMA node as a user describes it. */
export interface NodeConfig {
  /** Memory of this node: bytes or a size string ("512M"). */
  size: string | number;
  /** CPUs on this node; default one CPU per node, in node order. */
  cpus?: number[];
}

/** What to boot. Every field is optional; the defaults are the realkernel QEMU guest's. */
export interface MachineConfig {
  /** RAM: bytes or a size string. Default "512M". */
  memory?: string | number;
  /** CPUs. Default 1 (or one per NUMA node). */
  cpus?: number;
  /** NUMA: a node count (memory split evenly) or explicit nodes. Default: no NUMA (one node). */
  nodes?: number | NodeConfig[];
  /** SLIT distances between nodes (node × node), default 10 local and 20 remote. */
  distance?: number[][];
  /** transparent_hugepage= mode; default 6.1's rule (always, but never below 512 MiB of RAM). */
  thp?: ThpMode;
  /** kernelcore= / movablecore=: a size or "N%". */
  kernelcore?: string | number;
  movablecore?: string | number;
  /** initrd size (default the realkernel initramfs, 2596 KiB); 0 for none. */
  initrd?: string | number;
  /** Sysctls written after boot, as `sysctl -w` would: { "vm.swappiness": 100 }. */
  sysctl?: Record<string, string | number | number[]>;
  /** Seed of the machine's PRNG. Default 1. */
  seed?: number;
  /**
   * Swap areas enabled at boot, as an init script's swapon would: one or several, each a size
   * and options; paths default to /dev/vda, /dev/vdb, … Example: `{ size: "512M" }` is w5's.
   */
  swap?: SwapAreaSpec | SwapAreaSpec[];
}

/** A swap area in MachineConfig: swapon's options and the device path. */
export interface SwapAreaSpec extends SwaponOptions {
  /** Default /dev/vda for the first area, /dev/vdb for the second, … */
  path?: string;
}

export class Machine {
  private constructor(
    /** The kernel state: for tests, tools and readers of the model, not for casual use. */
    readonly kernel: Kernel,
  ) {}

  /**
   * Boots a machine.
   * @example
   * const m = Machine.boot({ memory: "1G", cpus: 2 });
   * m.read("/proc/buddyinfo");
   * @throws RangeError for a bad size or count, Errno for a rejected sysctl value or swap area.
   */
  static boot(config: MachineConfig = {}): Machine {
    const m = new Machine(start_kernel(toBootParams(config)));
    for (const [key, value] of Object.entries(config.sysctl ?? {})) {
      m.write(sysctlPath(key), Array.isArray(value) ? value.join(" ") : String(value));
    }
    const areas = config.swap === undefined ? [] : Array.isArray(config.swap) ? config.swap : [config.swap];
    areas.forEach((a, n) => {
      const path = a.path ?? `/dev/vd${String.fromCharCode(97 + n)}`;
      const ret = sys_swapon(m.kernel, m.kernel.tasks.init, path, toSwapAreaConfig(a));
      if (ret < 0) throw new Errno(errnoName(ret) ?? "EINVAL", "swapon", path);
    });
    return m;
  }

  /**
   * Starts a process with a fresh address space and (by default) a static program image, as
   * init would fork and exec it.
   * @example
   * const db = m.spawn({ comm: "db", oomScoreAdj: 500 });
   * const heap = db.mmap(256 * 2 ** 20);
   * db.touch(heap, 256 * 2 ** 20, { write: true });
   */
  spawn(opts: SpawnOptions = {}): Process {
    return spawnProcess(this.kernel, opts);
  }

  /** Reads a /proc or /sys file as the kernel renders it now. Throws Errno (ENOENT, EACCES, …). */
  read(path: string): string {
    return procRead(this.kernel, path);
  }

  /** Writes a /proc or /sys file; the kernel's handler runs. Throws Errno (EINVAL, EACCES, …). */
  write(path: string, data: string): void {
    procWrite(this.kernel, path, data);
  }

  /** The entries of a /proc or /sys directory. */
  list(dir: string): string[] {
    return procList(this.kernel, dir);
  }

  /** The kernel log, as `dmesg` prints it. */
  dmesg(): string {
    return this.kernel.log.dmesg();
  }

  /** Tracepoints: `m.trace.on("mm_page_alloc", (e) => …)`. */
  get trace(): TraceBus {
    return this.kernel.trace;
  }

  /** Simulated time since boot, in nanoseconds. */
  get now(): number {
    return this.kernel.now_ns;
  }

  /**
   * Lets simulated time pass ("100ms", or nanoseconds): the kernel threads run as their times
   * come — swap I/O completes, kswapd reclaims when woken, the oom_reaper reaps victims whose
   * grace period (2 s) has run out.
   */
  advance(duration: string | number): void {
    run_kthreads_until(this.kernel, this.kernel.now_ns + parseDuration(duration));
  }
}

/** "vm.swappiness" or "vm/swappiness" → "/proc/sys/vm/swappiness", as sysctl(8) maps names. */
export function sysctlPath(key: string): string {
  return "/proc/sys/" + key.replace(/^\/?proc\/sys\//, "").replace(/\./g, "/");
}

function toBootParams(c: MachineConfig): BootParams {
  const memory = c.memory === undefined ? undefined : parseSize(c.memory);
  if (memory !== undefined && memory < 16 * 2 ** 20) throw new RangeError(`memory ${c.memory} is too small: mmsim boots machines of 16M or more`);
  if (c.cpus !== undefined && (!Number.isInteger(c.cpus) || c.cpus < 1 || c.cpus > 8192)) {
    throw new RangeError(`invalid cpus ${c.cpus}: expected a whole number from 1 to 8192 (NR_CPUS)`);
  }
  const p: BootParams = { memory, cpus: c.cpus, thp: c.thp, seed: c.seed };
  if (c.thp !== undefined && !["always", "madvise", "never"].includes(c.thp)) throw new RangeError(`invalid thp "${String(c.thp)}": expected always, madvise or never`);
  if (c.kernelcore !== undefined) p.kernelcore = coreArg(c.kernelcore, "kernelcore");
  if (c.movablecore !== undefined) p.movablecore = coreArg(c.movablecore, "movablecore");
  if (c.initrd !== undefined) p.initrd = parseSize(c.initrd);
  if (c.nodes !== undefined) {
    const total = memory ?? 512 * 2 ** 20;
    let nodes: Array<{ size: number; cpus?: number[] }>;
    if (typeof c.nodes === "number") {
      const n = c.nodes;
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`invalid nodes ${n}: expected a whole number from 1 to 64`);
      // Split as QEMU users usually do: equal sizes, 2 MiB-aligned, the remainder on the last node.
      const each = Math.floor(total / n / (2 * 2 ** 20)) * 2 * 2 ** 20;
      nodes = Array.from({ length: n }, (_, i) => ({ size: i === n - 1 ? total - each * (n - 1) : each }));
    } else {
      nodes = c.nodes.map((n) => ({ size: parseSize(n.size), cpus: n.cpus }));
      if (memory === undefined) p.memory = nodes.reduce((a, n) => a + n.size, 0);
    }
    p.numa = { nodes, distance: c.distance };
  }
  return p;
}

function coreArg(v: string | number, name: string): string | number {
  if (typeof v === "string" && /^\d+(\.\d+)?%$/.test(v.trim())) return v.trim();
  try {
    return parseSize(v);
  } catch {
    throw new RangeError(`invalid ${name} "${v}": expected a size (e.g. 256M) or a percentage (e.g. 25%)`);
  }
}
