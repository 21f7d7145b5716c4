/**
 * A simulated machine: one booted Kernel and the handles users hold on it. This is the engine
 * side of the public API — it turns people's configuration ("512M", "vm.swappiness") into boot
 * parameters and sysctl writes, routes reads and writes to the kernel's own files, and hands out
 * what the kernel knows as plain values (`info()`, `forks`, `logRecords()`), never the kernel's
 * own objects. The one way to the Kernel behind a Machine is `kernelOf` (re-exported by
 * src/api/internals.ts for tests and the explorer, and used by the rest of src/sim).
 */
import { run_kthreads_until } from "../kernel/kthread.js";
import type { Kernel } from "../kernel/kernel.js";
import { ACCESS_LOG_FILE, ACCESS_LOG_WRITE, AccessLog } from "../kernel/access_log.js";
import { start_kernel, type BootParams } from "../kernel/start_kernel.js";
import type { TraceListener } from "../kernel/trace.js";
import { procList, procMkdir, procRead, procRmdir, procWrite } from "../fs/proc/root.js";
import type { ThpMode } from "../mm/huge_memory.js";
import { MAX_NR_ZONES, zone_names } from "../mm/mmzone.js";
import { parseDuration } from "./duration.js";
import { processHandle, spawnProcess, type Process, type SpawnOptions, type SwaponOptions, toSwapAreaConfig } from "./process.js";
import { sys_swapon } from "../mm/swapfile.js";
import { blk_add_disk, blk_lookup_path, type BlockDeviceConfig } from "../block/blk.js";
import { mkfs_ext2 } from "../fs/ext2/ext2.js";
import { Errno, errnoName } from "../kernel/errno.js";
import { formatSize, parseSize } from "./size.js";
import { cpuMemoryProblem, cpusProblem, distanceProblem, MIN_NODE_MEMORY, memmapProblem, memoryProblem, nodeCountProblem, nodeLayoutProblem, nodeSizeProblem } from "./config.js";
import { restoreGraph, snapshotGraph, type GraphSnapshot } from "./snapshot.js";
import { machineRegistry } from "./snapshot_registry.js";

/**
 * A machine's state as plain data (see Machine.snapshot): it survives structuredClone and
 * postMessage, and encodeSnapshot/decodeSnapshot turn it into bytes for a file and back.
 */
export type MachineSnapshot = GraphSnapshot;

/** A disk as Machine.addDisk takes it. */
export interface DiskOptions {
  /** Capacity: bytes or a size string ("96M"). */
  size: number | string;
  /** Per-request latency: ns or a duration ("100us"). Default 100 µs. */
  latency?: number | string;
  /** Transfer rate, bytes per second (or a size string). Default 1 GB/s. */
  bandwidth?: number | string;
  /** /sys/block/<dev>/queue/rotational. Default true, as virtio-blk reports. */
  rotational?: boolean;
  /** /sys/block/<dev>/queue/read_ahead_kb. Default 128. */
  readAheadKb?: number;
  /** An ext2 filesystem on the disk, made with these files (mke2fs -d); `size` omitted makes a directory. */
  ext2?: { blockSize?: number; files?: Array<{ path: string; size?: number | string }> };
}

/** A NUMA node as a user describes it. */
export interface NodeConfig {
  /** Memory of this node: bytes or a size string ("512M"), at least 16M, in whole 2M blocks. */
  size: string | number;
  /** CPUs on this node; default one CPU per node, in node order. */
  cpus?: number[];
}

/** What to boot. Every field is optional; the defaults are the realkernel QEMU guest's. */
export interface MachineConfig {
  /** RAM: bytes or a size string, 80M to 1T (MIN_MEMORY..MAX_MEMORY), whole pages. Default "512M". */
  memory?: string | number;
  /** CPUs, 1 to 8192. Default 1 (or one per NUMA node). */
  cpus?: number;
  /** NUMA: a node count 1..64 (memory split evenly) or explicit nodes. Default: no NUMA (one node). */
  nodes?: number | NodeConfig[];
  /** SLIT distances between nodes (node × node: 10 on the diagonal, 11..254 elsewhere); default 10 local and 20 remote. */
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
  /** Seed of the machine's PRNG, 0 to 2^32-1. Default 1. */
  seed?: number;
  /**
   * `memmap=SIZE!START` kernel parameters: legacy persistent memory (e820 type 12) at START, e.g.
   * "512M!1G" (4K to 64G, ending at or below 1T). Each 2 MiB-aligned range becomes /dev/daxN.0, a
   * device-dax device of the range less its 2 MiB info block, with ZONE_DEVICE struct pages; an
   * unaligned one is only an e820 entry. Over RAM it takes that RAM away, as 6.1 does.
   */
  memmap?: string | string[];
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

/** A zone as the machine booted it (/proc/zoneinfo's present and managed counts). */
export interface ZoneInfo {
  node: number;
  /** "DMA", "DMA32", "Normal", "Movable". */
  zone: string;
  presentPages: number;
  managedPages: number;
}

/** What the machine is: its CPUs, nodes and populated zones. */
export interface MachineInfo {
  cpus: number;
  nodes: number;
  /** Populated zones, node by node, lowest first. */
  zones: ZoneInfo[];
}

/** One line of the kernel log: when it was printed, at what level (0 KERN_EMERG .. 7 KERN_DEBUG), and its text. */
export interface LogEntry {
  readonly ts_nsec: number;
  readonly level: number;
  readonly text: string;
}

/** Tracepoints as the API offers them: listen to an event by its kernel name, or to all with "*". */
export interface Tracepoints {
  /** Listens; returns the function that stops listening. */
  on(event: string, fn: TraceListener): () => void;
}

export class Machine {
  private constructor(
    /** The kernel state: reach it with kernelOf (src/api/internals.ts), not from outside the engine. */
    private readonly kernel: Kernel,
  ) {}

  /**
   * Boots a machine.
   * @example
   * const m = Machine.boot({ memory: "1G", cpus: 2 });
   * m.read("/proc/buddyinfo");
   * @throws RangeError for a size, count, distance matrix or mode outside the documented range
   *   (see MachineConfig), Errno for a rejected sysctl value or swap area.
   */
  static boot(config: MachineConfig = {}): Machine {
    if (config === null || typeof config !== "object") throw new TypeError("Machine.boot takes a configuration object");
    const m = new Machine(start_kernel(toBootParams(config)));
    if (config.sysctl !== undefined && (config.sysctl === null || typeof config.sysctl !== "object")) throw new TypeError("sysctl must be an object of name: value");
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
   * The machine's whole state as plain data: every object reachable from its kernel, typed arrays
   * copied sparsely (all-zero chunks skipped). `Machine.restore` continues from it; the original
   * machine is untouched and may go on. Tracepoint listeners are not state: the snapshot leaves
   * them out and a restored machine starts with none.
   * @example
   * const snap = m.snapshot();
   * const again = Machine.restore(structuredClone(snap)); // continues exactly as m would
   * @throws SnapshotError when the state holds something the snapshot registry does not name
   *   (a model defect: state must be data; src/sim/snapshot_registry.ts).
   */
  snapshot(): MachineSnapshot {
    return snapshotGraph(this, machineRegistry(), "machine");
  }

  /**
   * A new machine in the state a snapshot recorded: reading, stepping or advancing it gives
   * byte for byte what the snapshotted machine would have given from that point. Static, since
   * it builds a new machine; the snapshot is not consumed and may be restored again.
   * @throws SnapshotError for a snapshot of another format version or another build of the
   *   model, of a scenario run rather than a machine, or a malformed one.
   */
  static restore(snapshot: MachineSnapshot): Machine {
    const m = restoreGraph(snapshot, machineRegistry(), "machine");
    if (!(m instanceof Machine)) throw new TypeError("the snapshot's root is not a machine");
    return m;
  }

  /** A handle on the live process `pid` (for a restored machine's processes), or undefined. */
  process(pid: number): Process | undefined {
    const t = this.kernel.tasks.find(pid);
    return t && t.mm !== null && t.state !== "X" && t.state !== "Z" ? processHandle(this.kernel, t) : undefined;
  }

  /**
   * Starts a process with a fresh address space and (by default) a static program image, as
   * init would fork and exec it.
   * @example
   * const db = m.spawn({ comm: "db", oomScoreAdj: 500 });
   * const heap = db.mmap(256 * 2 ** 20);
   * db.touch(heap, 256 * 2 ** 20, { write: true });
   * @throws Errno EAGAIN when the pid space is full, ENOMEM when exec finds no memory, EINVAL for
   *   an oomScoreAdj outside -1000..1000; RangeError for a uid, ppid or rlimit that cannot be.
   */
  spawn(opts: SpawnOptions = {}): Process {
    return spawnProcess(this.kernel, opts);
  }

  /**
   * Attaches a disk (a virtio-blk device, as QEMU's `-drive if=virtio`) at `path` ("/dev/vda"),
   * optionally holding an ext2 filesystem made as `mke2fs -t ext2 -d` would make it (block size
   * 1 KiB below 512 MiB, else 4 KiB) with the given files, each laid out contiguously.
   * @example
   * m.addDisk("/dev/vda", { size: "96M", ext2: { files: [{ path: "file64", size: "64M" }] } });
   * p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
   * @throws RangeError for a bad size or device parameter, or files that do not fit; Errno EEXIST
   *   for a path that already names a disk.
   */
  addDisk(path: string, opts: DiskOptions): void {
    if (typeof path !== "string" || !/^\/dev\/[a-z]+[0-9]*$/.test(path)) throw new RangeError(`invalid disk path "${String(path)}": expected /dev/NAME (e.g. /dev/vda)`);
    if (blk_lookup_path(this.kernel, path) !== null) throw new Errno("EEXIST", "addDisk", path);
    const size = parseSize(opts.size);
    if (size < 64 * 1024 || size > 2 ** 44) throw new RangeError(`invalid disk size ${size}: expected 64K to 16T`);
    const cfg: BlockDeviceConfig = { size };
    if (opts.latency !== undefined) cfg.latency = parseDuration(opts.latency);
    if (opts.bandwidth !== undefined) {
      cfg.bandwidth = parseSize(opts.bandwidth);
      if (cfg.bandwidth === 0) throw new RangeError("invalid bandwidth 0: a device moves at least a byte a second");
    }
    if (opts.rotational !== undefined) cfg.rotational = opts.rotational;
    if (opts.readAheadKb !== undefined) {
      if (!Number.isInteger(opts.readAheadKb) || opts.readAheadKb < 0 || opts.readAheadKb > 2 ** 20) throw new RangeError(`invalid readAheadKb ${opts.readAheadKb}: expected 0 to 1048576`);
      cfg.read_ahead_kb = opts.readAheadKb;
    }
    let image = null;
    if (opts.ext2 !== undefined) {
      const bs = opts.ext2.blockSize;
      if (bs !== undefined && bs !== 1024 && bs !== 2048 && bs !== 4096) throw new RangeError(`invalid ext2 block size ${bs}: expected 1024, 2048 or 4096`);
      image = mkfs_ext2(size, (opts.ext2.files ?? []).map((f) => ({ path: f.path, ...(f.size !== undefined ? { size: parseSize(f.size) } : { dir: true }) })), bs);
    }
    const d = blk_add_disk(this.kernel, path, cfg);
    d.disk_data = image;
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

  /** mkdir of a directory of a filesystem that has them: a cgroup under /sys/fs/cgroup. Throws Errno (EEXIST, ENOENT, …). */
  mkdir(path: string): void {
    procMkdir(this.kernel, path);
  }

  /** rmdir of a cgroup under /sys/fs/cgroup. Throws Errno (EBUSY for one with tasks or children, ENOENT, …). */
  rmdir(path: string): void {
    procRmdir(this.kernel, path);
  }

  /** The kernel log, as `dmesg` prints it. */
  dmesg(): string {
    return this.kernel.log.dmesg();
  }

  /** How many lines the kernel log holds (grows as the kernel prints). */
  get logCount(): number {
    return this.kernel.log.records.length;
  }

  /**
   * The kernel log's lines from index `from` on (0 = since boot): `m.logRecords(seen)` gives what
   * is new. @throws RangeError for a negative or fractional index.
   */
  logRecords(from = 0): LogEntry[] {
    if (!Number.isInteger(from) || from < 0) throw new RangeError(`invalid log index ${from}: expected a whole number ≥ 0`);
    return this.kernel.log.records.slice(from);
  }

  /** Tracepoints: `m.trace.on("mm_page_alloc", (e) => …)`. */
  get trace(): Tracepoints {
    return this.kernel.trace;
  }

  /** Simulated time since boot, in nanoseconds. */
  get now(): number {
    return this.kernel.now_ns;
  }

  /** Processes created since boot, counted as the pid allocator hands out pids (/proc/stat's processes). */
  get forks(): number {
    return this.kernel.tasks.last_pid;
  }

  /** The CPUs, nodes and populated zones the machine booted with. */
  info(): MachineInfo {
    const k = this.kernel;
    const zones: ZoneInfo[] = [];
    k.zones.forEach((z, i) => {
      if (z.present_pages) zones.push({ node: Math.floor(i / MAX_NR_ZONES), zone: zone_names[i % MAX_NR_ZONES], presentPages: z.present_pages, managedPages: z.managed_pages });
    });
    return { cpus: k.nr_cpu_ids, nodes: k.node_data.length, zones };
  }

  /**
   * Lets simulated time pass ("100ms", or nanoseconds): the kernel threads run as their times
   * come — swap I/O completes, kswapd reclaims when woken, the oom_reaper reaps victims whose
   * grace period (2 s) has run out.
   * @throws RangeError for a negative or malformed duration.
   */
  advance(duration: string | number): void {
    run_kthreads_until(this.kernel, this.kernel.now_ns + parseDuration(duration));
  }

  /**
   * Starts (or, with false, stops) recording the page accesses the machine's tasks make through
   * the MMU, for `takeAccesses` (what `mmsim run --record-accesses` writes).
   */
  recordAccesses(on = true): void {
    this.kernel.access_log = on ? (this.kernel.access_log ?? new AccessLog()) : null;
  }

  /**
   * Hands every access recorded since the last call to `visit`, in order, and forgets them:
   * `page` is a virtual page number with the pid as `space`, or (file true) the page's index in
   * its file with the inode number as `space`. Returns how many there were.
   */
  takeAccesses(visit: (page: number, space: number, write: boolean, file: boolean) => void): number {
    const log = this.kernel.access_log;
    if (log === null) return 0;
    const n = log.n;
    for (let i = 0; i < n; i++) visit(log.page[i], log.space[i], (log.flags[i] & ACCESS_LOG_WRITE) !== 0, (log.flags[i] & ACCESS_LOG_FILE) !== 0);
    log.n = 0;
    return n;
  }
}

/**
 * The Kernel behind a Machine: the engine's own way in (src/sim), re-exported for tests and the
 * explorer by src/api/internals.ts. Not part of the stable API.
 */
export function kernelOf(m: Machine): Kernel {
  return m["kernel"];
}

/** "vm.swappiness" or "vm/swappiness" → "/proc/sys/vm/swappiness", as sysctl(8) maps names. */
export function sysctlPath(key: string): string {
  return "/proc/sys/" + key.replace(/^\/?proc\/sys\//, "").replace(/\./g, "/");
}

/** Checks `memmap` values (sim/config.ts memmapProblem): a list of SIZE!START strings. */
function memmapArg(v: string | string[]): string[] {
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list)) throw new TypeError('memmap must be a string or a list of strings ("512M!1G")');
  return list.map((s) => {
    if (typeof s !== "string") throw new TypeError(`memmap value ${String(s)} must be a string like "512M!1G"`);
    const bad = memmapProblem(s);
    if (bad) throw new RangeError(bad);
    return s;
  });
}

function toBootParams(c: MachineConfig): BootParams {
  const memory = c.memory === undefined ? undefined : parseSize(c.memory);
  if (memory !== undefined) {
    const bad = memoryProblem(memory);
    if (bad) throw new RangeError(bad);
  }
  if (c.cpus !== undefined) {
    const bad = cpusProblem(c.cpus);
    if (bad) throw new RangeError(bad);
  }
  if (c.seed !== undefined && (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 2 ** 32 - 1)) throw new RangeError(`invalid seed ${c.seed}: expected a whole number from 0 to 4294967295`);
  const p: BootParams = { memory, cpus: c.cpus, thp: c.thp, seed: c.seed };
  if (c.memmap !== undefined) p.memmap = memmapArg(c.memmap);
  if (c.thp !== undefined && !["always", "madvise", "never"].includes(c.thp)) throw new RangeError(`invalid thp "${String(c.thp)}": expected always, madvise or never`);
  if (c.kernelcore !== undefined) p.kernelcore = coreArg(c.kernelcore, "kernelcore");
  if (c.movablecore !== undefined) p.movablecore = coreArg(c.movablecore, "movablecore");
  if (c.initrd !== undefined) p.initrd = parseSize(c.initrd);
  if (c.nodes === undefined && c.distance !== undefined) throw new RangeError("distance needs nodes: a one-node machine has no distance matrix");
  if (c.nodes !== undefined) {
    const total = memory ?? 512 * 2 ** 20;
    let nodes: Array<{ size: number; cpus?: number[] }>;
    if (typeof c.nodes === "number") {
      const n = c.nodes;
      const bad = nodeCountProblem(n);
      if (bad) throw new RangeError(bad);
      // Split as QEMU users usually do: equal sizes, 2 MiB-aligned, the remainder on the last node.
      const each = Math.floor(total / n / (2 * 2 ** 20)) * 2 * 2 ** 20;
      if (each < MIN_NODE_MEMORY) throw new RangeError(`${formatSize(total)} split over ${n} nodes leaves less than ${formatSize(MIN_NODE_MEMORY)} per node`);
      nodes = Array.from({ length: n }, (_, i) => ({ size: i === n - 1 ? total - each * (n - 1) : each }));
    } else {
      if (!Array.isArray(c.nodes)) throw new TypeError("nodes must be a count or a list of { size, cpus }");
      const bad = nodeCountProblem(c.nodes.length);
      if (bad) throw new RangeError(bad);
      nodes = c.nodes.map((n) => ({ size: parseSize(n.size), cpus: n.cpus }));
      for (const n of nodes) {
        const badSize = nodeSizeProblem(n.size);
        if (badSize) throw new RangeError(badSize);
        for (const cpu of n.cpus ?? []) {
          if (!Number.isInteger(cpu) || cpu < 0 || cpu >= (c.cpus ?? nodes.length)) throw new RangeError(`invalid cpu ${cpu} in nodes: expected 0 to ${(c.cpus ?? nodes.length) - 1}`);
        }
      }
      const sum = nodes.reduce((a, n) => a + n.size, 0);
      if (memory === undefined) {
        const badSum = memoryProblem(sum);
        if (badSum) throw new RangeError(badSum);
        p.memory = sum;
      } else if (sum !== memory) throw new RangeError(`the nodes' sizes add up to ${sum} bytes, not the ${memory} bytes of memory`);
    }
    const badLayout = nodeLayoutProblem(nodes.map((n) => n.size));
    if (badLayout) throw new RangeError(badLayout);
    if (c.distance !== undefined) {
      const bad = distanceProblem(c.distance, nodes.length);
      if (bad) throw new RangeError(bad.message);
    }
    p.numa = { nodes, distance: c.distance };
  }
  const bad = cpuMemoryProblem(p.memory ?? 512 * 2 ** 20, p.cpus ?? 1);
  if (bad) throw new RangeError(bad);
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
