/**
 * The scenario format: what a validated scenario file is, as TypeScript types. parse.ts turns
 * YAML text into these (or a located ScenarioError); runner.ts runs them. docs/scenarios.md is
 * the user's description of the same schema; the tables here (`STEP_KINDS`, `EXPECT_KINDS`,
 * `MACHINE_KEYS`) are the single list both the parser and the docs test read.
 *
 * Growing the format: a later issue adds a step (file I/O, cgroups) by adding a member
 * to the `Step` union, a line to `STEP_KINDS`, a case to parse.ts's `parseStepBody` and one to
 * runner.ts's `execStep`. Old files keep their meaning because nothing existing changes; an
 * unknown step is an error naming the known ones, so a file written for a newer mmsim fails
 * loudly on an older one instead of half-running. `version:` (default 1) is reserved for an
 * incompatible change.
 *
 * Units: sizes are bytes after parsing ("128M" → 134217728); durations are nanoseconds of
 * simulated time ("10ms" → 10000000).
 */

import { MAX_MEMORY, MIN_MEMORY } from "../sim/index.js";

// ---------------------------------------------------------------------------------------------
// Limits. A scenario is input from anyone: its size and the work it asks for are bounded, and
// each bound is documented in docs/scenarios.md ("Limits"). The machine's own range (RAM, CPUs,
// nodes, distances) is src/sim/config.ts's, the same for the library, the CLI and scenarios.

/** Largest scenario file, in bytes (16 MiB): larger files are refused before they are parsed. */
export const MAX_SCENARIO_BYTES = 16 * 2 ** 20;
/**
 * YAML alias expansion limit, as the yaml package's maxAliasCount counts it: uses of an anchor
 * times the aliases inside it. Aliases that would multiply the document past this are refused,
 * so parsing stays proportional to the file (a "billion laughs" document expands exponentially).
 */
export const MAX_YAML_ALIAS_COUNT = 1000;
/** RAM a scenario may boot: the library's range. */
export { MIN_MEMORY, MAX_MEMORY };
/** The x86-64 user address space (TASK_SIZE, 4-level paging): no mapping can be larger. */
export const TASK_SIZE = 2 ** 47 - 4096;
/** CPUs a scenario may ask for (the library allows NR_CPUS, 8192). */
export const MAX_SCENARIO_CPUS = 256;
/** A touch's count, repeat and duration. */
export const MAX_COUNT = 1e9;
export const MAX_REPEAT = 1e6;
export const MAX_DURATION = 24 * 3600e9;
/** Forks nest at most this deep in one program. */
export const MAX_FORK_DEPTH = 8;
/**
 * Processes a scenario may make in all: its top-level ones plus every child its forks make, a
 * counted fork's children times the copies of the program it sits in (pid_max's default, 32768,
 * is far above; this bounds the model's work, about 100 kB of kernel objects and page tables each).
 */
export const MAX_PROCESSES = 10000;
/** Largest swap area a step may create: swap offsets here reach 2^26 pages. */
export const MAX_SWAP_AREA = 256 * 2 ** 30;
/** Disks a machine may have (/dev/vda … /dev/vdz), the files made on one, and a disk's size (as Machine.addDisk). */
export const MAX_DISKS = 26;
export const MAX_DISK_FILES = 4096;
export const MAX_DISK_SIZE = 2 ** 44;
/** Largest file a step may create, truncate to or address (ext2's limit with 4 KiB blocks is larger; this bounds the work). */
export const MAX_FILE_SIZE = 2 ** 40;
/** Groups a scenario's `cgroups:` may declare, and how deep one may nest. */
export const MAX_CGROUPS = 1000;
export const MAX_CGROUP_DEPTH = 16;
/** Longest path a step may name (PATH_MAX). */
export const MAX_PATH = 4096;
/**
 * The work budget of one run, in page accesses (see runner.ts estimateWork): about two minutes of
 * real time at the model's usual 5-20 million accesses a second. A scenario estimated above it is
 * refused unless the run is forced (`mmsim run --force`, RunOptions.force).
 */
export const WORK_BUDGET = 2e9;

/** Where something sits in the source file, for messages. 1-based line and column. */
export interface SourcePos {
  line: number;
  col: number;
}

/** The machine to boot: everything Machine.boot takes, plus sysctls. */
export interface MachineSpec {
  memory?: number;
  cpus?: number;
  nodes?: number | Array<{ size: number; cpus?: number[] }>;
  distance?: number[][];
  thp?: "always" | "madvise" | "never";
  kernelcore?: string | number;
  movablecore?: string | number;
  initrd?: number;
  /** `memmap=SIZE!START` values: legacy persistent memory, each a /dev/daxN.0 (Machine.boot's memmap). */
  memmap?: string[];
  sysctl?: Record<string, string | number | number[]>;
  /** Disks attached at boot (Machine.addDisk), for swap or the ext2 filesystem. */
  disks?: DiskSpec[];
}

// ---- Files and the page cache (issue 14: machine disks and the file steps) -------------------

/** A disk of `machine.disks`: a virtio disk, optionally holding an ext2 filesystem with files. */
export interface DiskSpec {
  pos: SourcePos;
  /** "machine.disks[0]" */
  path: string;
  /** /dev/vda */
  dev: string;
  /** Bytes. */
  size: number;
  /** ns per request */
  latency?: number;
  /** bytes per second */
  bandwidth?: number;
  rotational?: boolean;
  read_ahead_kb?: number;
  /** mke2fs -t ext2 -d: an ext2 filesystem with these files (paths relative to its root). */
  fs?: "ext2";
  block_size?: 1024 | 2048 | 4096;
  files: Array<{ path: string; size?: number }>;
}

/** What a `file:` step does to its file. */
export type FileOp = "create" | "read" | "write" | "truncate" | "unlink" | "fadvise" | "fsync" | "fdatasync";

/** A `file:` step: one program's use of a file (open, the operation, close). */
export interface FileStepSpec {
  kind: "file";
  op: FileOp;
  /** The file (the YAML key `path:`). */
  file: string;
  /** create: bytes written; truncate: the new size. */
  size?: number;
  /** The byte window of read, write and fadvise (length undefined: to the end of the file). */
  offset: number;
  length?: number;
  /** Bytes per read or write call. */
  bs: number;
  /** Which blocks of `bs` bytes of the window are read or written, in what order. */
  pattern: PatternSpec;
  /** Calls per pass (default one per block of the window). */
  count?: number;
  repeat: number;
  /** fadvise's advice: normal, random, sequential, willneed, dontneed, noreuse. */
  advice?: string;
  /** O_DIRECT: the I/O bypasses the page cache. */
  direct: boolean;
  /** Pages a pass covers as far as the file says (for progress and the work budget). */
  window_pages: number;
}

// ---- end of files and the page cache --------------------------------------------------------

/** Access kinds of a touch: load, store, or instruction fetch. */
export type AccessKind = "read" | "write" | "exec";

/** Which pages a touch visits, in what order. */
export type PatternSpec =
  | { kind: "sequential" }
  | { kind: "random" }
  /** Every `stride` bytes (page-rounded), wrapping with an offset of one page per pass. */
  | { kind: "stride"; stride: number }
  /** Zipf over the pages with exponent `alpha` (> 0): page 0 is the hottest. */
  | { kind: "zipf"; alpha: number };

interface StepBase {
  /** Where the step's action key sits in the file (for runtime messages). */
  pos: SourcePos;
  /** "processes[0].run[3]" */
  path: string;
  /** The step must fail with this errno ("ENOMEM"); success is then an expectation failure. */
  expect_error?: string;
  /** Files to capture right after the step: label → path. */
  capture?: CaptureSpec[];
}

export interface CaptureSpec {
  label: string;
  /** /proc or /sys path; "/proc/self/…" means the capturing process. */
  path: string;
}

/** A region argument: a named mapping, with an optional byte window inside it. */
export interface RegionRef {
  region: string;
  offset: number;
  /** undefined = to the end of the mapping */
  length?: number;
}

export type Step =
  /** `file` and `offset`: a file mapping of that file from that byte (issue 14). */
  | (StepBase & { kind: "mmap"; name: string; size: number; prot: string; flags: string; addr?: number; file?: string; offset?: number })
  | (StepBase & { kind: "munmap" } & RegionRef)
  | (StepBase & { kind: "mprotect"; prot: string } & RegionRef)
  | (StepBase & { kind: "mremap"; region: string; size: number; may_move: boolean })
  | (StepBase & { kind: "brk"; grow: number; name?: string })
  | (StepBase & { kind: "madvise"; advice: string } & RegionRef)
  | (StepBase & { kind: "mlock"; on_fault: boolean } & RegionRef)
  | (StepBase & { kind: "munlock" } & RegionRef)
  | (StepBase & {
      kind: "touch";
      access: AccessKind;
      pattern: PatternSpec;
      /** Accesses per pass: default one per page of the window. */
      count?: number;
      /** Passes over the window (default 1)… */
      repeat: number;
      /** …or keep going until this much simulated time has passed. */
      duration?: number;
      /** Pages in the window as the file describes it (for progress estimates). */
      window_pages: number;
    } & RegionRef)
  /** `count` children (1 without it), all under `name`, each running `run`. */
  | (StepBase & { kind: "fork"; name: string; count: number; oom_score_adj?: number; cpu?: number; run: Step[] })
  | (StepBase & { kind: "exit"; code: number })
  | (StepBase & { kind: "sleep"; duration: number })
  | (StepBase & { kind: "oom_score_adj"; value: number })
  /** `file` is the YAML key `path:` (StepBase.path is the step's own place in the file). */
  | (StepBase & { kind: "write"; file: string; value: string })
  | (StepBase & { kind: "sysctl"; key: string; value: string })
  | (StepBase & { kind: "capture_only" })
  | (StepBase & { kind: "wait"; process: string })
  | (StepBase & {
      kind: "swapon";
      /** Device or file path, as /proc/swaps shows it (the YAML key `path:`). */
      file: string;
      /** Bytes. */
      size: number;
      priority?: number;
      type: "partition" | "file";
      rotational: boolean;
      /** ns */
      latency?: number;
      /** bytes per second */
      bandwidth?: number;
    })
  | (StepBase & { kind: "swapoff"; file: string })
  // ---- Files and the page cache (issue 14) ----
  | (StepBase & {
      kind: "mount";
      /** The mountpoint (YAML `path:`), made as mkdir -p would. */
      target: string;
      fstype: "tmpfs" | "ext2";
      /** ext2: the disk (/dev/vda). */
      source?: string;
      /** tmpfs size=: bytes or "N%". */
      size?: number | string;
      nr_inodes?: number;
      huge?: string;
      readonly: boolean;
    })
  | (StepBase & FileStepSpec)
  | (StepBase & { kind: "drop_caches"; value: 1 | 2 | 3 })
  /** sync(2): every filesystem's dirty pages and metadata written, and waited for. */
  | (StepBase & { kind: "sync" })
  /** msync(2) of a mapping's window; `flags` as Process.msync takes them ("sync", "async|invalidate"…). */
  | (StepBase & { kind: "msync"; flags: string } & RegionRef)
  /** echo 1 > /proc/sys/vm/compact_memory (node null: every node) or nodeN/compact. */
  | (StepBase & { kind: "compact"; node: number | null })
  /** Kernel memory through the model's driver (mm/slab_driver.ts): count objects of size bytes (kmalloc) or of a named cache. */
  | (StepBase & { kind: "kmalloc"; size: number; cache: string | null; count: number; gfp: string; leak: boolean })
  /** Frees the newest count (null: all) objects the driver holds for the process. */
  | (StepBase & { kind: "kfree"; count: number | null })
  /** Creates count empty files dir/f000000… (open O_CREAT|O_EXCL, close), as rkx's mkfiles. */
  | (StepBase & { kind: "mkfiles"; dir: string; count: number })
  /** memfd_create, ftruncate to size, F_ADD_SEALS, mmap as region `name`, close. */
  | (StepBase & { kind: "memfd"; name: string; size: number; seals: string; prot: string; flags: string })
  /**
   * System V shared memory: shmget (key, or IPC_PRIVATE), shmat as region `name` (munmap of the
   * region detaches it), IPC_RMID at once when `rmid` (the segment goes at its last detach).
   */
  | (StepBase & { kind: "shm"; name: string; key: number; size: number; create: string; mode: number; rdonly: boolean; rmid: boolean })
  // ---- end of files and the page cache ----
  /** Moves this process into a group of `cgroups:` (its pid written to the group's cgroup.procs). */
  | (StepBase & { kind: "cgroup"; group: string })
  /**
   * userfaultfd(2) with `flags`, UFFDIO_API with `features`, UFFDIO_REGISTER of the region in
   * `mode`, and (handler not "none") a handler thread of the process that reads the faults and
   * answers each after `latency`: copy (UFFDIO_COPY of `pages` pages from its staging buffer),
   * zeropage (UFFDIO_ZEROPAGE) or wake (UFFDIO_WAKE only); write-protect faults are answered by
   * lifting the protection of the page (UFFDIO_WRITEPROTECT without MODE_WP).
   */
  | (StepBase & { kind: "userfaultfd"; flags: string; features: string; mode: string; handler: "copy" | "zeropage" | "wake" | "none"; latency: number; pages: number } & RegionRef)
  /** An ioctl on the process's userfaultfd over the region: writeprotect, unprotect, wake, unregister; or close the uffd. */
  | (StepBase & { kind: "uffdio"; op: "writeprotect" | "unprotect" | "wake" | "unregister" | "close"; region: string; offset: number; length?: number });

export type StepKind = Step["kind"];

export interface ProcessSpec {
  pos: SourcePos;
  path: string;
  name: string;
  oom_score_adj: number;
  /** Simulated time at which it starts (default 0). */
  start: number;
  /** The cgroup it starts in ("/hs", a group of `cgroups:`); default the root. */
  cgroup?: string;
  /** Its user id (default 0, root): a non-zero uid has no capabilities (CAP_SYS_RAWIO, …). */
  uid?: number;
  /** The CPU it runs on (0 to cpus - 1; default 0). */
  cpu?: number;
  run: Step[];
}

/** A group of `cgroups:`: made at boot (mkdir -p, memory enabled on the way), then its files written in order. */
export interface CgroupSpec {
  pos: SourcePos;
  /** "cgroups[0]" */
  path: string;
  /** "/hs/a": under /sys/fs/cgroup. */
  group: string;
  files: Array<{ name: string; value: string; pos: SourcePos }>;
}

/** The files a group of `cgroups:` may set at boot (memory.reclaim and cgroup.procs are steps' business). */
export const CGROUP_FILES = ["memory.min", "memory.low", "memory.high", "memory.max", "memory.swap.high", "memory.swap.max", "memory.oom.group"] as const;

/** A numeric bound check on a value that expect: reads. */
export interface Bounds {
  min?: number;
  max?: number;
  equals?: number;
}

export type Expectation = { pos: SourcePos; path: string } & (
  | { kind: "process"; process: string; state: "alive" | "killed" | "exited"; signal?: string }
  | ({ kind: "meminfo"; field: string } & Bounds)
  | ({ kind: "vmstat"; field: string } & Bounds)
  | ({
      kind: "capture";
      label: string;
      field: string;
      since?: string;
      /**
       * The bounds given as sizes ("48M"), in bytes: the captured field's own unit decides what
       * they mean (kB for a field printed with kB, bytes for a cgroup memory file's); the plain
       * Bounds hold them in kB.
       */
      sizes?: Bounds;
    } & Bounds)
  /** How many lines of a captured file match a regular expression (mappings in maps, …). */
  | ({ kind: "capture_lines"; label: string; matches: string } & Bounds)
  | ({ kind: "event"; event: string } & Bounds)
  | { kind: "dmesg"; contains: string }
  | ({ kind: "status"; process: string; field: string } & Bounds)
);

export interface Scenario {
  /** The file name used in messages. */
  file: string;
  version: 1;
  name: string;
  description: string;
  seed: number;
  machine: MachineSpec;
  /** Memory cgroups made at boot, parents before children. */
  cgroups: CgroupSpec[];
  processes: ProcessSpec[];
  expect: Expectation[];
  /** A cap on simulated time (default 1 h): a runaway duration loop stops here. */
  time_limit: number;
  /** Where each machine sysctl's value sits in the file, for the runner's message when the kernel refuses it. */
  sysctl_pos: Record<string, SourcePos>;
}

/** Every top-level key. */
export const TOP_KEYS = ["version", "name", "description", "seed", "machine", "cgroups", "processes", "expect", "time_limit"] as const;

/** Every machine: key, with its one-line meaning (docs/scenarios.md lists the same). */
export const MACHINE_KEYS: Record<string, string> = {
  memory: "RAM size (default 512M)",
  cpus: "CPU count (default 1)",
  nodes: "NUMA nodes: a count, or a list of {size, cpus}",
  distance: "SLIT distance matrix",
  thp: "transparent_hugepage= always | madvise | never",
  kernelcore: "kernelcore= size or N%",
  movablecore: "movablecore= size or N%",
  initrd: "initrd size (default 2596K; 0 for none)",
  memmap: "memmap=SIZE!START legacy persistent memory, e.g. 512M!1G, or a list of them: each a /dev/daxN.0 device-dax device",
  sysctl: "sysctls written after boot: { vm.swappiness: 100 }",
  disks: "disks attached at boot: a list of {path, size, latency, bandwidth, rotational, read_ahead_kb, fs: ext2, block_size, files: [{path, size}]}",
};

/** Every step, with its keys (required first) and a one-line meaning. */
export const STEP_KINDS: Record<string, { keys: string[]; required: string[]; doc: string }> = {
  mmap: { keys: ["name", "size", "prot", "flags", "addr", "file", "offset"], required: ["name", "size"], doc: "map memory and name the mapping (file: PATH maps that file, from offset)" },
  munmap: { keys: ["region", "offset", "length"], required: ["region"], doc: "unmap a mapping or part of it" },
  mprotect: { keys: ["region", "offset", "length", "prot"], required: ["region", "prot"], doc: "change protection" },
  mremap: { keys: ["region", "size", "may_move"], required: ["region", "size"], doc: "resize a mapping (MREMAP_MAYMOVE with may_move)" },
  brk: { keys: ["grow", "name"], required: ["grow"], doc: "move the program break by grow bytes; name the heap" },
  madvise: { keys: ["region", "offset", "length", "advice"], required: ["region", "advice"], doc: "madvise(2) advice on a region" },
  mlock: { keys: ["region", "offset", "length", "on_fault"], required: ["region"], doc: "mlock/mlock2(MLOCK_ONFAULT)" },
  munlock: { keys: ["region", "offset", "length"], required: ["region"], doc: "munlock" },
  touch: {
    keys: ["region", "offset", "length", "access", "pattern", "stride", "alpha", "count", "repeat", "duration"],
    required: ["region"],
    doc: "access pages through the MMU with a pattern",
  },
  fork: { keys: ["name", "count", "oom_score_adj", "cpu", "run"], required: ["name"], doc: "fork a child (or count children) that runs its own program" },
  exit: { keys: ["code"], required: [], doc: "exit (the value may be the code itself: exit: 0)" },
  sleep: { keys: [], required: [], doc: "let simulated time pass: sleep: 10ms" },
  oom_score_adj: { keys: [], required: [], doc: "write /proc/self/oom_score_adj: oom_score_adj: 500" },
  write: { keys: ["path", "value"], required: ["path", "value"], doc: "write a /proc or /sys file" },
  sysctl: { keys: [], required: [], doc: "sysctl -w: { vm.overcommit_memory: 2 }" },
  capture: { keys: ["label", "path"], required: ["label", "path"], doc: "capture a file under a label now (or a list of them)" },
  wait: { keys: [], required: [], doc: "wait until the named process (often a forked child) has exited" },
  swapon: {
    keys: ["path", "size", "priority", "type", "rotational", "latency", "bandwidth"],
    required: ["path", "size"],
    doc: "create and enable a swap area (mkswap + swapon): size, priority, type partition|file, rotational, latency, bandwidth",
  },
  swapoff: { keys: [], required: [], doc: "swap everything in the area back in and disable it: swapoff: /dev/vda" },
  // ---- Files and the page cache (issue 14) ----
  mount: {
    keys: ["path", "type", "device", "size", "nr_inodes", "huge", "readonly"],
    required: ["path", "type"],
    doc: "mount a tmpfs (size, nr_inodes, huge) or the ext2 filesystem of a machine disk (device) on path, made as mkdir -p would",
  },
  file: {
    keys: ["path", "op", "size", "offset", "length", "bs", "pattern", "stride", "alpha", "count", "repeat", "advice", "direct"],
    required: ["path", "op"],
    doc: "open a file, do op (create with size, read, write, truncate to size, unlink, fadvise advice, fsync, fdatasync) on a window with a pattern of bs-byte calls, close it",
  },
  drop_caches: { keys: [], required: [], doc: "echo N > /proc/sys/vm/drop_caches: drop_caches: 3" },
  sync: { keys: [], required: [], doc: "sync(2): write every dirty page and the disks' metadata and wait for them: - sync" },
  msync: { keys: ["region", "offset", "length", "flags"], required: ["region"], doc: "msync(2) of a mapping or a window of it: flags sync (MS_SYNC, the default), async (MS_ASYNC), invalidate (MS_INVALIDATE), joined by |" },
  compact: { keys: [], required: [], doc: "compact memory: compact: all (/proc/sys/vm/compact_memory) or compact: N (/sys/devices/system/node/nodeN/compact)" },
  memfd: {
    keys: ["name", "size", "seals", "prot", "flags"],
    required: ["name", "size"],
    doc: "memfd_create (sealable when seals are given), ftruncate to size, F_ADD_SEALS seals, mmap it as mapping name, close",
  },
  shm: {
    keys: ["name", "key", "size", "create", "mode", "rdonly", "rmid"],
    required: ["name", "size"],
    doc: "System V shared memory: shmget key (a number, or private: the default) of size with create (creat, creat|excl, none) and mode, shmat it as mapping name (rdonly: SHM_RDONLY; munmap detaches), shmctl IPC_RMID at once when rmid",
  },
  // ---- end of files and the page cache ----
  cgroup: { keys: [], required: [], doc: "move this process into a group of cgroups: (echo $$ > cgroup.procs): cgroup: /hs" },
  // ---- userfaultfd (issue 18) ----
  userfaultfd: {
    keys: ["region", "offset", "length", "mode", "handler", "latency", "pages", "flags", "features"],
    required: ["region"],
    doc: "userfaultfd(2) (flags: cloexec|nonblock, the default), UFFDIO_API (features), UFFDIO_REGISTER of the region in mode (missing, wp, minor joined by |; default missing), and a handler thread: copy (default; UFFDIO_COPY of pages pages per fault), zeropage, wake or none, taking latency (default 100us) per fault",
  },
  uffdio: { keys: ["op", "region", "offset", "length"], required: ["op"], doc: "an ioctl on the process's userfaultfd over the region: op writeprotect (UFFDIO_WRITEPROTECT MODE_WP), unprotect, wake, unregister; or op close (close the uffd: no region)" },
  // ---- Kernel memory (issue 16) ----
  kmalloc: {
    keys: ["size", "cache", "count", "gfp", "leak"],
    required: ["count"],
    doc: "kernel memory through a driver: count objects of size bytes from kmalloc, or of cache (made with that object size on first use); gfp GFP_KERNEL (default), GFP_KERNEL_ACCOUNT, GFP_NOFS, GFP_NOIO, GFP_NOWAIT, GFP_ATOMIC; held until kfree or exit, or leak: true (never freed)",
  },
  kfree: { keys: ["count"], required: [], doc: "give back the newest count objects the driver holds for this process (all without count)" },
  mkfiles: { keys: ["path", "count"], required: ["path", "count"], doc: "create count empty files path/f000000, f000001, … (open O_CREAT|O_EXCL, close): a dentry and an inode each" },
};

/** Keys any step may carry beside its action key. */
export const STEP_COMMON_KEYS = ["expect_error", "capture"] as const;

export const EXPECT_KINDS: Record<string, string> = {
  process: "{process: NAME, state: alive|killed|exited, signal?: SIGKILL}",
  meminfo: "{meminfo: FIELD, min/max/equals}: /proc/meminfo at the end (numbers in kB, or sizes)",
  vmstat: "{vmstat: COUNTER, min/max/equals}: /proc/vmstat at the end",
  capture:
    "{capture: LABEL, field: NAME, since?: LABEL, min/max/equals}: a field of a captured file (minus the same field in `since`); or {capture: LABEL, matches: REGEX, min/max/equals}: how many of its lines match (default min 1)",
  event: "{event: NAME, min/max/equals}: how many times a timeline event or tracepoint was seen (default min 1)",
  dmesg: "{dmesg: TEXT}: the kernel log contains TEXT",
  status: "{status: PROCESS, field: NAME, min/max/equals}: /proc/PID/status of a live process at the end",
};

/** A human's mistake in a scenario: one line, located. The CLI prints `message` and exits 2. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    /** "processes[1].run[3].touch.region", or "" for the document */
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col} ${field ? field + ": " : ""}${detail}`);
  }
}
