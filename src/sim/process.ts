/**
 * The Process of the public API: a task with an address space, whose methods are the memory
 * syscalls (mmap, munmap, mprotect, mremap, brk, madvise, mlock family), memory access through
 * the MMU (touch/read/write/exec), fork and exit. A failed syscall throws `Errno` with the
 * kernel's errno name; an access that the kernel would answer with a signal kills the process
 * (as SIGSEGV does to a program without a handler) and throws `ProcessKilled`.
 *
 * Arguments are checked as the kernel receives them: lengths, addresses and offsets are unsigned
 * longs, so a negative number reaches the model as the register would hold it (2^64 + n) and gets
 * the kernel's answer (`p.mmap(-4096)` fails with ENOMEM, as mmap(2) does); a value no register
 * can hold (a fraction, NaN, ±Infinity, 2^64 or more) throws RangeError. What a process holds is
 * read as plain values (`status()`); the task_struct behind it is reached only through `taskOf`
 * (src/api/internals.ts), for tests and the explorer.
 *
 * @example
 * const p = m.spawn({ comm: "db" });
 * const heap = p.mmap(256 * MiB, { prot: "rw", flags: "private|anonymous" });
 * p.touch(heap, 256 * MiB, { write: true });
 * const child = p.fork();
 * child.exit();
 */
import type { Kernel } from "../kernel/kernel.js";
import { switch_mm_irqs_off } from "../arch/x86/tlb.js";
import { Errno, errnoName, errnoValues, type ErrnoName } from "../kernel/errno.js";
import { cgroup_attach_task, cgroup_lookup, cgroup_post_fork } from "../kernel/cgroup/cgroup.js";
import { do_exit } from "../kernel/exit.js";
import { copy_process_objects, kernel_clone, SIGCHLD } from "../kernel/fork.js";
import { psi_task_change, TSK_RUNNING } from "../kernel/psi.js";
import { ADDR_NO_RANDOMIZE, fatal_signal_pending, RLIMIT_AS, RLIMIT_DATA, RLIMIT_MEMLOCK, RLIMIT_STACK, task_struct } from "../kernel/sched.js";
import { pgd_alloc } from "../arch/x86/pgtable.js";
import { NO_SYSCALL, SYSCALL_NR } from "../arch/x86/dumpstack.js";
import { elf_set_pf_randomize, exec_image, staticBinaryImage, type ExecImage } from "../fs/binfmt_elf.js";
import { oom_score_adj_write } from "../fs/proc/base.js";
import { pagemap_read, type PagemapEntries, proc_pid_maps, proc_pid_smaps_rollup } from "../fs/proc/task_mmu.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, access_addrs, access_range, type AccessResult } from "../arch/x86/mmu.js";
import { get_mm_counter, get_mm_rss, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type file, type mm_struct } from "../mm/mm_types.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { do_madvise } from "../mm/madvise.js";
import { lru_gen_add_mm, lru_gen_use_mm } from "../mm/lru_gen.js";
import { KMEM_DRIVER_GFP, KMEM_DRIVER_MAX_COUNT, kmem_driver_alloc, kmem_driver_free } from "../mm/slab_driver.js";
import { type SwapAreaConfig, sys_swapoff, sys_swapon } from "../mm/swapfile.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { mem_cgroup_handle_over_high } from "../mm/memcontrol.js";
import { parseDuration } from "./duration.js";
import { parseSize } from "./size.js";
import {
  MADV_COLD,
  MADV_DODUMP,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_HUGEPAGE,
  MADV_KEEPONFORK,
  MADV_MERGEABLE,
  MADV_NOHUGEPAGE,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_POPULATE_READ,
  MADV_POPULATE_WRITE,
  MADV_RANDOM,
  MADV_REMOVE,
  MADV_SEQUENTIAL,
  MADV_UNMERGEABLE,
  MADV_WILLNEED,
  MADV_WIPEONFORK,
  MADV_COLLAPSE,
} from "../mm/madvise.js";
import { __mm_populate, mlock_faulted_range, MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT, sys_mlock2, sys_mlockall, sys_munlock, sys_munlockall } from "../mm/mlock.js";
import {
  do_munmap,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_STACK,
  MAP_SYNC,
  mm_alloc,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  sys_brk,
} from "../mm/mmap.js";
import { do_mprotect_pkey } from "../mm/mprotect.js";
import { sys_pkey_alloc, sys_pkey_free } from "../arch/x86/pkeys.js";
import { MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, sys_mremap } from "../mm/mremap.js";
import { sys_mmap } from "../mm/util.js";
import { close_fd, fget } from "../fs/file_table.js";
import { do_fsync, ksys_sync, ksys_syncfs } from "../fs/fs-writeback.js";
import { MS_ASYNC, MS_INVALIDATE, MS_SYNC, sys_msync } from "../mm/msync.js";
import { do_mkdirat, do_sys_open, do_unlinkat } from "../fs/namei.js";
import { do_sys_ftruncate, vfs_fallocate } from "../fs/open.js";
import { ksys_lseek, ksys_pread64, ksys_pwrite64, ksys_read, ksys_write } from "../fs/read_write.js";
import { do_mount, do_umount, MS_RDONLY } from "../fs/namespace.js";
import { O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY } from "../fs/fs.js";
import {
  sys_userfaultfd,
  uffd_fdget,
  type uffdio_api,
  type uffdio_fill,
  userfaultfd_api,
  type userfaultfd_ctx,
  userfaultfd_fill,
  userfaultfd_ioctl_check,
  userfaultfd_read,
  userfaultfd_register,
  userfaultfd_unregister,
  userfaultfd_wake,
  userfaultfd_writeprotect,
} from "../fs/userfaultfd.js";
import {
  UFFD_API,
  UFFD_FEATURE_EVENT_FORK,
  UFFD_FEATURE_EVENT_REMAP,
  UFFD_FEATURE_EVENT_REMOVE,
  UFFD_FEATURE_EVENT_UNMAP,
  UFFD_FEATURE_EXACT_ADDRESS,
  UFFD_FEATURE_MINOR_HUGETLBFS,
  UFFD_FEATURE_MINOR_SHMEM,
  UFFD_FEATURE_MISSING_HUGETLBFS,
  UFFD_FEATURE_MISSING_SHMEM,
  UFFD_FEATURE_PAGEFAULT_FLAG_WP,
  UFFD_FEATURE_SIGBUS,
  UFFD_FEATURE_THREAD_ID,
  UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
  UFFD_PAGEFAULT_FLAG_MINOR,
  UFFD_PAGEFAULT_FLAG_WP,
  UFFD_PAGEFAULT_FLAG_WRITE,
  UFFD_USER_MODE_ONLY,
  UFFDIO_CONTINUE_MODE_DONTWAKE,
  UFFDIO_COPY_MODE_DONTWAKE,
  UFFDIO_COPY_MODE_WP,
  UFFDIO_NAMES,
  UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_REGISTER_MODE_MISSING,
  UFFDIO_REGISTER_MODE_WP,
  UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
  UFFDIO_WRITEPROTECT_MODE_WP,
  UFFDIO_ZEROPAGE_MODE_DONTWAKE,
} from "../mm/userfaultfd.js";
import { ksys_fadvise64_64, ksys_readahead } from "../mm/fadvise.js";
import { sys_mincore } from "../mm/mincore.js";
import { F_ADD_SEALS, F_GET_SEALS, MFD_ALLOW_SEALING, MFD_CLOEXEC, MFD_HUGETLB, memfd_create, memfd_fcntl } from "../mm/memfd.js";
import { F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE } from "../mm/shmem.js";
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from "../mm/shmem.js";

import { PAGE_SIZE } from "../mm/types.js";
import { do_shmat, IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, ksys_shmctl, ksys_shmdt, ksys_shmget, SHM_EXEC, SHM_HUGETLB, SHM_NORESERVE, SHM_RDONLY, SHM_REMAP, SHM_RND } from "../ipc/shm.js";


/** A process was killed by a signal during an access (or by exit of its machine). */
export class ProcessKilled extends Error {
  override readonly name = "ProcessKilled";
  constructor(
    readonly pid: number,
    readonly signal: "SIGSEGV" | "SIGBUS" | "SIGKILL",
    readonly addr: number,
    /** siginfo's si_code: SEGV_MAPERR (1, no mapping) or SEGV_ACCERR (2, the mapping forbids the access). */
    readonly siCode: number,
  ) {
    super(`process ${pid} killed by ${signal}${addr >= 0 ? ` at 0x${addr.toString(16)}` : ""}`);
  }
}

/** PROT_* as a number or letters: "rw", "r-x", "rwx", "none". */
export type ProtSpec = number | string;
/** MAP_* as a number or names joined by "|": "private|anonymous|populate". */
export type MapFlagsSpec = number | string;

const mapNames: Record<string, number> = {
  shared: MAP_SHARED,
  private: MAP_PRIVATE,
  shared_validate: MAP_SHARED_VALIDATE,
  anonymous: MAP_ANONYMOUS,
  anon: MAP_ANONYMOUS,
  fixed: MAP_FIXED,
  fixed_noreplace: MAP_FIXED_NOREPLACE,
  populate: MAP_POPULATE,
  noreserve: MAP_NORESERVE,
  growsdown: MAP_GROWSDOWN,
  locked: MAP_LOCKED,
  nonblock: MAP_NONBLOCK,
  stack: MAP_STACK,
  hugetlb: MAP_HUGETLB,
  sync: MAP_SYNC,
};

const adviceNames: Record<string, number> = {
  normal: MADV_NORMAL,
  random: MADV_RANDOM,
  sequential: MADV_SEQUENTIAL,
  willneed: MADV_WILLNEED,
  dontneed: MADV_DONTNEED,
  free: MADV_FREE,
  remove: MADV_REMOVE,
  dontfork: MADV_DONTFORK,
  dofork: MADV_DOFORK,
  mergeable: MADV_MERGEABLE,
  unmergeable: MADV_UNMERGEABLE,
  hugepage: MADV_HUGEPAGE,
  nohugepage: MADV_NOHUGEPAGE,
  dontdump: MADV_DONTDUMP,
  dodump: MADV_DODUMP,
  wipeonfork: MADV_WIPEONFORK,
  keeponfork: MADV_KEEPONFORK,
  cold: MADV_COLD,
  pageout: MADV_PAGEOUT,
  populate_read: MADV_POPULATE_READ,
  populate_write: MADV_POPULATE_WRITE,
  dontneed_locked: MADV_DONTNEED_LOCKED,
  collapse: MADV_COLLAPSE,
};

// Parsed specs by their text: a program calling mmap in a loop with "rw" and "private|anonymous"
// would otherwise split, lowercase and regex-match the same strings every call (a few µs each).
const protCache = new Map<string, number>();
const mapFlagsCache = new Map<string, number>();

/** Parses "rw" / "r-x" / "none" / "read|write" into PROT_* bits. */
export function parseProt(p: ProtSpec): number {
  if (typeof p === "number") return p;
  const hit = protCache.get(p);
  if (hit !== undefined) return hit;
  const v = parseProtText(p);
  if (protCache.size >= 256) protCache.clear(); // bounded: specs are few in practice
  protCache.set(p, v);
  return v;
}

function parseProtText(p: string): number {
  const s = p.toLowerCase().trim();
  if (s === "none" || s === "" || s === "---") return PROT_NONE;
  if (s.includes("|")) {
    let v = 0;
    for (const part of s.split("|")) v |= parseProt(part);
    return v;
  }
  const named: Record<string, number> = { read: PROT_READ, write: PROT_WRITE, exec: PROT_EXEC, growsdown: PROT_GROWSDOWN, growsup: PROT_GROWSUP };
  if (named[s] !== undefined) return named[s];
  let v = 0;
  for (const c of s) {
    if (c === "r") v |= PROT_READ;
    else if (c === "w") v |= PROT_WRITE;
    else if (c === "x") v |= PROT_EXEC;
    else if (c !== "-") throw new TypeError(`bad protection "${p}": use letters r, w, x or "none"`);
  }
  return v;
}

/** Parses "private|anonymous|populate" into MAP_* bits. */
export function parseMapFlags(f: MapFlagsSpec): number {
  if (typeof f === "number") return f;
  const hit = mapFlagsCache.get(f);
  if (hit !== undefined) return hit;
  let v = 0;
  for (const part of f.toLowerCase().split(/[|,\s]+/)) {
    if (!part) continue;
    const bit = mapNames[part.replace(/^map_/, "")];
    if (bit === undefined) throw new TypeError(`unknown mmap flag "${part}"`);
    v |= bit;
  }
  if (mapFlagsCache.size >= 256) mapFlagsCache.clear();
  mapFlagsCache.set(f, v);
  return v;
}

/** Parses an madvise advice name ("dontneed", "MADV_FREE") or number. */
export function parseAdvice(a: number | string): number {
  if (typeof a === "number") return a;
  const v = adviceNames[a.toLowerCase().replace(/^madv_/, "")];
  if (v === undefined) throw new TypeError(`unknown madvise advice "${a}"`);
  return v;
}

/** Parses msync(2) flags: "sync", "async", optionally "|invalidate" (names of MS_*), or the bits. */
export function parseMsyncFlags(flags: string | number): number {
  if (typeof flags === "number") return intArg(flags, "flags", 0, 2 ** 31 - 1);
  let fl = 0;
  for (const raw of flags.split("|")) {
    const v = ({ sync: MS_SYNC, async: MS_ASYNC, invalidate: MS_INVALIDATE } as Record<string, number>)[raw.trim().toLowerCase()];
    if (v === undefined) throw new TypeError(`unknown msync flag "${raw}": expected sync, async or invalidate`);
    fl |= v;
  }
  return fl;
}

/** Throws Errno for a negative kernel return. */
function check(ret: number, syscall: string): number {
  if (ret < 0) {
    const name: ErrnoName = errnoName(ret) ?? "EINVAL";
    throw new Errno(name, syscall);
  }
  return ret;
}

/** 2^64: one past the largest unsigned long. */
const ULONG_LIMIT = 2 ** 64;

/**
 * An unsigned long syscall argument as the kernel receives it: a whole number, a negative one
 * read as its two's complement (-4096 → 2^64 - 4096, which every length check then refuses as
 * the kernel's does). Throws RangeError for what no register holds.
 */
function ulong(v: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v >= ULONG_LIMIT || v < -(2 ** 63)) {
    throw new RangeError(`invalid ${what} ${String(v)}: expected a whole number (an unsigned long)`);
  }
  return v < 0 ? ULONG_LIMIT + v : v;
}

/** A whole number in [min, max] that is not a syscall's unsigned long (a count, a pkey). */
function intArg(v: number, what: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`invalid ${what} ${String(v)}: expected a whole number from ${min} to ${max}`);
  return v;
}

/** An address the MMU can be asked to touch: a user address, 0 to 2^64 - 1, length ≥ 0. */
function accessRange(addr: number, length: number): void {
  if (typeof addr !== "number" || !Number.isInteger(addr) || addr < 0 || addr >= ULONG_LIMIT) throw new RangeError(`invalid address ${String(addr)}: expected a whole number from 0 to 2^64 - 1`);
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length >= ULONG_LIMIT) throw new RangeError(`invalid length ${String(length)}: expected a whole number of bytes ≥ 0`);
}

/** A file descriptor argument (an int): a negative or huge one reaches the kernel as EBADF's. */
function fdArg(fd: number): number {
  if (typeof fd !== "number" || !Number.isInteger(fd)) throw new RangeError(`invalid file descriptor ${String(fd)}: expected a whole number`);
  return fd < 0 || fd > 2 ** 31 - 1 ? -1 : fd;
}

/** A loff_t (signed 64-bit offset or length): whole, |v| < 2^63; a negative one reaches the kernel, which refuses it. */
function loffArg(v: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || Math.abs(v) >= 2 ** 63) throw new RangeError(`invalid offset ${String(v)}: expected a whole number of bytes`);
  return v;
}

const OPEN_MODS: Readonly<Record<string, number>> = Object.freeze({
  create: O_CREAT,
  creat: O_CREAT,
  excl: O_EXCL,
  trunc: O_TRUNC,
  append: O_APPEND,
  direct: O_DIRECT,
  sync: O_SYNC,
  dsync: O_DSYNC,
  nofollow: O_NOFOLLOW,
  directory: O_DIRECTORY,
  nonblock: O_NONBLOCK,
});

/** "r", "w", "rw" (also "rdonly", "wronly", "rdwr") with "|"-joined modifiers, or O_* bits. */
export function parseOpenFlags(f: string | number): number {
  if (typeof f === "number") return intArg(f, "flags", 0, 2 ** 31 - 1);
  let v = -1;
  let mods = 0;
  for (const raw of f.toLowerCase().split(/[|,\s]+/)) {
    const part = raw.replace(/^o_/, "");
    if (!part) continue;
    if (part === "r" || part === "rdonly") v = O_RDONLY;
    else if (part === "w" || part === "wronly") v = O_WRONLY;
    else if (part === "rw" || part === "rdwr" || part === "r+") v = O_RDWR;
    else if (OPEN_MODS[part] !== undefined) mods |= OPEN_MODS[part];
    else throw new TypeError(`unknown open flag "${raw}": expected r, w or rw with create, excl, trunc, append, direct, sync, nofollow, directory`);
  }
  return (v < 0 ? O_RDONLY : v) | mods;
}

/** fallocate's mode: "", "keep_size", "punch_hole|keep_size". */
function parseFallocMode(m: string): number {
  let v = 0;
  for (const part of m.toLowerCase().split(/[|,\s]+/)) {
    const p = part.replace(/^falloc_fl_/, "");
    if (!p) continue;
    if (p === "keep_size") v |= FALLOC_FL_KEEP_SIZE;
    else if (p === "punch_hole") v |= FALLOC_FL_PUNCH_HOLE;
    else throw new TypeError(`unknown fallocate mode "${part}": expected keep_size or punch_hole`);
  }
  return v;
}

const FADVICE: Readonly<Record<string, number>> = Object.freeze({ normal: 0, random: 1, sequential: 2, willneed: 3, dontneed: 4, noreuse: 5 });

/** A mount as Process.mount takes it. */
export interface MountOptions {
  /** "tmpfs" or "ext2" ("ext4" mounts an ext2 disk as the real captures did). */
  fstype: "tmpfs" | "ext2" | "ext4";
  /** The disk for ext2 ("/dev/vda", added with Machine.addDisk). */
  source?: string;
  /** tmpfs size=: bytes, a size string ("64M") or a percentage of RAM ("50%"). Default half of RAM. */
  size?: number | string;
  /** tmpfs nr_inodes=. Default half of RAM's pages. */
  nrInodes?: number;
  /** tmpfs huge= (recorded): never, always, within_size, advise. */
  huge?: string;
  /** Mount read-only. */
  readonly?: boolean;
}

/** A signal's name, as the report and the API say it. */
function signalName(sig: number): string {
  return sig === 9 ? "SIGKILL" : sig === 11 ? "SIGSEGV" : sig === 7 ? "SIGBUS" : `signal ${sig}`;
}

/**
 * What a process holds and has done, as plain values: /proc/PID/status's memory lines (in kB,
 * as it prints them) and its fault counters. The memory lines read 0 once it has exited.
 */
export interface ProcessStatus {
  pid: number;
  /** The parent's pid (init, 1, for a process spawned from the machine). */
  ppid: number;
  /** The command name the kernel keeps (a forked child keeps its parent's until it execs). */
  comm: string;
  alive: boolean;
  /** The signal that ended it ("SIGKILL", "SIGSEGV", "SIGBUS"), or null if none did. */
  killedBy: string | null;
  /** VmSize: total mapped (total_vm). */
  vmSizeKb: number;
  /** VmHWM: the resident peak. */
  vmHwmKb: number;
  /** VmRSS: resident now (RssAnon + RssFile + RssShmem). */
  vmRssKb: number;
  rssAnonKb: number;
  rssFileKb: number;
  rssShmemKb: number;
  /** VmSwap: its pages on swap. */
  vmSwapKb: number;
  /** VmLck: mlocked (locked_vm). */
  vmLckKb: number;
  /** Minor and major faults taken (/proc/PID/stat's minflt, majflt). */
  minflt: number;
  majflt: number;
  /** The initial program break (start_brk) and the current one (brk); 0 once exited. */
  startBrk: number;
  brk: number;
}

export interface MmapOptions {
  prot?: ProtSpec;
  flags?: MapFlagsSpec;
  /** Hint (or, with MAP_FIXED, the exact address). */
  addr?: number;
  /** A file to map, by descriptor (open it first): MAP_SHARED or MAP_PRIVATE. */
  fd?: number;
  /** A kernel file object to map (internal callers; prefer `fd`). */
  file?: file | null;
  /** Byte offset in the file (page aligned). */
  offset?: number;
}

export interface SpawnOptions {
  /** Command name (comm, 15 characters at most). */
  comm?: string;
  name?: string;
  uid?: number;
  oomScoreAdj?: number;
  /** Parent pid (default init, 1). */
  ppid?: number;
  /**
   * The program image: "static" (default) maps the rootfs's /bin/anon, the static binary every
   * real workload ran (memA, memB… were symlinks to it), shared by every process running it;
   * null an empty address space.
   */
  image?: ExecImage | "static" | null;
  /**
   * false runs the program as `setarch -R` does (personality ADDR_NO_RANDOMIZE): a fixed layout
   * whatever kernel.randomize_va_space says. Default true: the layout is randomised, from the
   * machine's seed, when kernel.randomize_va_space is non-zero (0 unless written: the model
   * boots with norandmaps, as the realkernel guest).
   */
  randomize?: boolean;
  /** Resource limits in bytes (Infinity for unlimited). */
  rlimits?: { stack?: number; memlock?: number; as?: number; data?: number };
  /**
   * The cgroup to start in, a path under /sys/fs/cgroup ("/rk"); default the parent's. The task
   * joins it before exec, as `echo $$ > cgroup.procs; exec prog` does.
   */
  cgroup?: string;
}

/** A swap area as swapon takes it. */
export interface SwaponOptions {
  /** Size of the device or file: bytes or a size string ("512M"). The first page is the header. */
  size: number | string;
  /** Priority 0..32767; default the kernel's next negative one (-2, -3, …). */
  priority?: number;
  /** "partition" (a block device, the default) or "file", as /proc/swaps shows it. */
  kind?: "partition" | "file";
  /** false for an SSD (cluster allocation, VMA readahead); default true, like w5's virtio disk. */
  rotational?: boolean;
  /** Per-request device latency: nanoseconds or a duration string ("100us"). Default 100 µs. */
  latency?: number | string;
  /** Device transfer rate in bytes per second (or a size string per second, "1G"). Default 1 GB/s. */
  bandwidth?: number | string;
}

/**
 * Turns user units into the kernel's swapon parameters. A priority outside 0..32767 is the
 * kernel's to refuse (EINVAL); a device that cannot be (another kind, no bandwidth) is RangeError.
 */
export function toSwapAreaConfig(o: SwaponOptions): SwapAreaConfig {
  const cfg: SwapAreaConfig = { size: parseSize(o.size) };
  if (o.priority !== undefined) cfg.priority = o.priority;
  if (o.kind !== undefined) {
    if (o.kind !== "partition" && o.kind !== "file") throw new RangeError(`invalid swap kind "${String(o.kind)}": expected partition or file`);
    cfg.kind = o.kind;
  }
  if (o.rotational !== undefined) cfg.rotational = o.rotational;
  if (o.latency !== undefined) cfg.latency = parseDuration(o.latency);
  if (o.bandwidth !== undefined) {
    cfg.bandwidth = parseSize(o.bandwidth);
    if (cfg.bandwidth === 0) throw new RangeError("invalid bandwidth 0: a device moves at least a byte a second");
  }
  return cfg;
}

/** What a touch did (faults counted, pages accessed). */
export type TouchResult = AccessResult;

/** A process of the simulated machine. */
export class Process {
  constructor(
    private readonly k: Kernel,
    /** The task: reach it with taskOf (src/api/internals.ts), not from outside the engine. */
    private readonly task: task_struct,
  ) {}

  get pid(): number {
    return this.task.pid;
  }
  /** The command name the kernel keeps (comm): a forked child keeps its parent's. */
  get comm(): string {
    return this.task.comm;
  }
  /** Still running (not exited or killed). */
  get alive(): boolean {
    return this.task.state !== "X" && this.task.state !== "Z";
  }

  /** Its memory and fault counters now, as plain values. */
  status(): ProcessStatus {
    const t = this.task;
    const mm = this.alive ? t.mm : null;
    const kb = (pages: number): number => pages * (PAGE_SIZE / 1024);
    const rss = mm ? get_mm_rss(mm) : 0;
    return {
      pid: t.pid,
      ppid: t.ppid,
      comm: t.comm,
      alive: this.alive,
      killedBy: t.killedBy ? signalName(t.killedBy) : null,
      vmSizeKb: mm ? kb(mm.total_vm) : 0,
      vmHwmKb: mm ? kb(Math.max(mm.hiwater_rss, rss)) : 0,
      vmRssKb: kb(rss),
      rssAnonKb: mm ? kb(get_mm_counter(mm, MM_ANONPAGES)) : 0,
      rssFileKb: mm ? kb(get_mm_counter(mm, MM_FILEPAGES)) : 0,
      rssShmemKb: mm ? kb(get_mm_counter(mm, MM_SHMEMPAGES)) : 0,
      vmSwapKb: mm ? kb(get_mm_counter(mm, MM_SWAPENTS)) : 0,
      vmLckKb: mm ? kb(mm.locked_vm) : 0,
      minflt: t.min_flt,
      majflt: t.maj_flt,
      startBrk: mm ? mm.start_brk : 0,
      brk: mm ? mm.brk : 0,
    };
  }

  /**
   * The return to user mode after a syscall (exit_to_user_mode_loop → get_signal): a SIGKILL that
   * arrived during it — the OOM killer chose this task while the syscall faulted pages in for
   * MAP_POPULATE, MADV_POPULATE_*, mlock or a locked brk, and the populate loop stopped with
   * -EINTR (mm/gup.c __get_user_pages) — kills the task before it sees the return value: do_exit
   * frees its memory (exit_mmap) and the OOM reaper finds nothing left (MMF_OOM_SKIP).
   * @throws ProcessKilled (SIGKILL) as above, else Errno for a negative return.
   */
  private syscallExit(ret: number, syscall: string): number {
    if (this.alive && fatal_signal_pending(this.task)) {
      do_exit(this.k, this.task, 9);
      this.task.killedBy = 9;
      throw new ProcessKilled(this.pid, "SIGKILL", -1, 0);
    }
    // resume_user_mode_work: pages the syscall charged over memory.high are paid for here.
    if (this.alive && this.task.memcg_nr_pages_over_high !== 0) mem_cgroup_handle_over_high(this.k, this.task, GFP_KERNEL);
    return check(ret, syscall);
  }

  /** `nr`: the syscall's number when the caller knows it (a user access passes NO_SYSCALL: no name lookup per batch). */
  private enter(syscall: string, nr: number = SYSCALL_NR[syscall] ?? NO_SYSCALL): mm_struct {
    if (!this.alive || !this.task.mm) throw new Errno("ESRCH", syscall, `process ${this.pid} has exited`);
    this.k.currentPid = this.task.pid;
    this.k.currentComm = this.task.comm;
    // The entry's regs->orig_ax: a syscall's number, -1 for a user access (a fault's entry).
    this.task.orig_ax = nr;
    return this.task.mm;
  }

  /**
   * mmap(2): returns the address. Anonymous private read-write memory by default.
   * @throws Errno as mmap(2) fails (ENOMEM, EINVAL, EEXIST, EPERM, …); RangeError for a length,
   *   address or offset that is not a whole number; TypeError for unknown prot or flags.
   */
  mmap(length: number, opts: MmapOptions = {}): number {
    const len = ulong(length, "length");
    const addr = ulong(opts.addr ?? 0, "address");
    const off = ulong(opts.offset ?? 0, "offset");
    const prot = parseProt(opts.prot ?? "rw");
    const byFd = opts.fd !== undefined;
    const flags = parseMapFlags(opts.flags ?? (opts.file || byFd ? "private" : "private|anonymous"));
    this.enter("mmap");
    let f = opts.file ?? null;
    if (byFd) {
      f = fget(this.task, fdArg(opts.fd as number));
      if (f === null && (flags & MAP_ANONYMOUS) === 0) throw new Errno("EBADF", "mmap");
    }
    return this.syscallExit(sys_mmap(this.k, this.task, addr, len, prot, flags, f, off), "mmap");
  }

  /** munmap(2). @throws Errno EINVAL as munmap(2); RangeError for a non-whole address or length. */
  munmap(addr: number, length: number): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const mm = this.enter("munmap");
    this.syscallExit(do_munmap(this.k, mm, a, len), "munmap");
  }

  /** mprotect(2). @throws Errno (EINVAL, ENOMEM, EACCES) as mprotect(2); RangeError, TypeError for bad arguments. */
  mprotect(addr: number, length: number, prot: ProtSpec): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const p = parseProt(prot);
    this.enter("mprotect");
    this.syscallExit(do_mprotect_pkey(this.k, this.task, a, len, p, -1), "mprotect");
  }

  /**
   * pkey_mprotect(2). The model's CPU has no PKU: every key but -1 (plain mprotect) is EINVAL.
   * @throws Errno as pkey_mprotect(2); RangeError for bad arguments.
   */
  pkeyMprotect(addr: number, length: number, prot: ProtSpec, pkey: number): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const p = parseProt(prot);
    const key = intArg(pkey, "pkey", -(2 ** 31), 2 ** 31 - 1);
    this.enter("pkey_mprotect");
    this.syscallExit(do_mprotect_pkey(this.k, this.task, a, len, p, key), "pkey_mprotect");
  }

  /**
   * pkey_alloc(2): the key. On the model's CPU (no PKU) the first call fails with EINVAL and every
   * later one with ENOSPC, as 6.1 answers there (see src/arch/x86/pkeys.ts).
   * @throws Errno EINVAL, ENOSPC; RangeError for bad arguments.
   */
  pkeyAlloc(flags = 0, accessRights = 0): number {
    const f = ulong(flags, "flags");
    const a = ulong(accessRights, "access_rights");
    const mm = this.enter("pkey_alloc");
    return this.syscallExit(sys_pkey_alloc(mm, f, a), "pkey_alloc");
  }

  /** pkey_free(2). @throws Errno EINVAL for a key not allocated (every key, without PKU). */
  pkeyFree(pkey: number): void {
    const key = intArg(pkey, "pkey", -(2 ** 31), 2 ** 31 - 1);
    const mm = this.enter("pkey_free");
    this.syscallExit(sys_pkey_free(mm, key), "pkey_free");
  }

  /**
   * mremap(2): returns the (possibly new) address.
   * @throws Errno (EINVAL, ENOMEM, EFAULT, …) as mremap(2); RangeError for non-whole arguments.
   */
  mremap(addr: number, oldLength: number, newLength: number, opts: { mayMove?: boolean; fixed?: number; dontUnmap?: boolean } | number = {}, newAddr = 0): number {
    let flags: number;
    if (typeof opts === "number") flags = intArg(opts, "flags", 0, 2 ** 32 - 1);
    else {
      flags = (opts.mayMove ? MREMAP_MAYMOVE : 0) | (opts.fixed !== undefined ? MREMAP_FIXED | MREMAP_MAYMOVE : 0) | (opts.dontUnmap ? MREMAP_DONTUNMAP : 0);
      if (opts.fixed !== undefined) newAddr = opts.fixed;
    }
    const a = ulong(addr, "address");
    const oldLen = ulong(oldLength, "old length");
    const newLen = ulong(newLength, "new length");
    const na = ulong(newAddr, "new address");
    this.enter("mremap");
    const res = { populateAddr: 0, populateLen: 0 };
    return this.syscallExit(sys_mremap(this.k, this.task, a, oldLen, newLen, flags, na, res), "mremap");
  }

  /** brk(2): sets the break and returns the new one (or the old one if the kernel refused, as brk does). brk() reads it. */
  brk(addr = 0): number {
    const a = ulong(addr, "address");
    this.enter("brk");
    const res = { brk: 0, populateStart: 0, populateLen: 0 };
    const r = sys_brk(this.k, this.task, a, res);
    if (res.populateLen) __mm_populate(this.k, this.task, res.populateStart, res.populateLen, true);
    return this.syscallExit(r, "brk");
  }

  /** sbrk(3) as glibc builds it on brk: returns the old break; ENOMEM if the kernel refused. */
  sbrk(increment: number): number {
    intArg(increment, "increment", -(2 ** 53), 2 ** 53);
    const mm = this.enter("brk");
    const old = mm.brk;
    if (increment === 0) return old;
    const r = this.brk(old + increment);
    if (r !== old + increment) throw new Errno("ENOMEM", "brk");
    return old;
  }

  /** madvise(2). */
  madvise(addr: number, length: number, advice: number | string): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const adv = parseAdvice(advice);
    this.enter("madvise");
    this.syscallExit(do_madvise(this.k, this.task, a, len, adv), "madvise");
  }

  /** mlock(2), or mlock2(2) with { onFault: true }. */
  mlock(addr: number, length: number, opts: { onFault?: boolean } = {}): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    this.enter("mlock");
    this.syscallExit(sys_mlock2(this.k, this.task, a, len, opts.onFault ? MLOCK_ONFAULT : 0), opts.onFault ? "mlock2" : "mlock");
  }

  /** mlock2(2) with raw flags. */
  mlock2(addr: number, length: number, flags: number): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const f = intArg(flags, "flags", 0, 2 ** 32 - 1);
    this.enter("mlock2");
    this.syscallExit(sys_mlock2(this.k, this.task, a, len, f), "mlock2");
  }

  /** munlock(2). */
  munlock(addr: number, length: number): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    this.enter("munlock");
    this.syscallExit(sys_munlock(this.k, this.task, a, len), "munlock");
  }

  /** mlockall(2): "current", "future", "current|future|onfault" or MCL_* bits. */
  mlockall(flags: number | string): void {
    this.enter("mlockall");
    let f = 0;
    if (typeof flags === "number") f = intArg(flags, "flags", 0, 2 ** 32 - 1);
    else
      for (const p of flags.toLowerCase().split(/[|,\s]+/)) {
        const n = p.replace(/^mcl_/, "");
        if (n === "current") f |= MCL_CURRENT;
        else if (n === "future") f |= MCL_FUTURE;
        else if (n === "onfault") f |= MCL_ONFAULT;
        else if (n) throw new TypeError(`unknown mlockall flag "${p}"`);
      }
    this.syscallExit(sys_mlockall(this.k, this.task, f), "mlockall");
  }

  /** munlockall(2). */
  munlockall(): void {
    this.enter("munlockall");
    this.syscallExit(sys_munlockall(this.k, this.task), "munlockall");
  }

  /**
   * Accesses every page of [addr, addr + length) through the MMU: reads by default, writes with
   * { write: true }, instruction fetches with { exec: true }. Faults are taken and counted as the
   * kernel counts them. A SIGSEGV or SIGBUS kills the process and throws ProcessKilled.
   * @throws ProcessKilled as above; Errno ESRCH once the process has exited; RangeError for an
   *   address or length that is not a whole, non-negative number below 2^64.
   */
  touch(addr: number, length: number, opts: { write?: boolean; exec?: boolean } = {}): TouchResult {
    accessRange(addr, length);
    this.enter("touch", NO_SYSCALL);
    const kind = opts.write ? ACCESS_WRITE : opts.exec ? ACCESS_EXEC : ACCESS_READ;
    const r = access_range(this.k, this.task, addr, length, kind);
    // Simplified: the model's fault path does not mlock a page faulted into a VM_LOCKED VMA
    // (6.1's mlock_new_folio); this pass over the range does it before the program goes on.
    if (this.task.mm) mlock_faulted_range(this.k, this.task.mm, Math.floor(addr / PAGE_SIZE) * PAGE_SIZE, addr + length);
    return this.deliver(r);
  }

  /**
   * Accesses the pages at `addrs[0..count)` in that order, one access each, through the MMU — the
   * way a program's loads and stores land when it walks a hash table or follows a random pattern.
   * Faults, counting, mlock of faulted pages in VM_LOCKED mappings and signals are exactly as in
   * `touch`; `addrs` is only read, so a caller can refill one buffer batch after batch.
   * @example
   * const a = new Float64Array(256);
   * for (let i = 0; i < a.length; i++) a[i] = heap + ((i * 7919) % 1024) * 4096;
   * p.touchAddrs(a, a.length, { write: true });
   * @throws ProcessKilled, Errno ESRCH and RangeError as `touch` (RangeError also for a count
   *   larger than the buffer).
   */
  touchAddrs(addrs: ArrayLike<number>, count: number = addrs.length, opts: { write?: boolean; exec?: boolean } = {}): TouchResult {
    intArg(count, "count", 0, addrs.length);
    this.enter("touch", NO_SYSCALL);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const a = addrs[i];
      if (!(a >= 0 && a < ULONG_LIMIT) || a !== Math.floor(a)) throw new RangeError(`invalid address ${String(a)} at index ${i}: expected a whole number from 0 to 2^64 - 1`);
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    const kind = opts.write ? ACCESS_WRITE : opts.exec ? ACCESS_EXEC : ACCESS_READ;
    const r = access_addrs(this.k, this.task, addrs, kind, count);
    // As in touch: the pages this batch faulted in are mlocked if their VMA is VM_LOCKED. Only a
    // batch that faulted can have brought one in, so a batch of hits skips the pass.
    if (this.task.mm && r.minflt + r.majflt > 0) mlock_faulted_range(this.k, this.task.mm, Math.floor(lo / PAGE_SIZE) * PAGE_SIZE, hi + 1);
    return this.deliver(r);
  }

  /** Delivers the signal an access ended with, as the return to user mode would: the process dies. */
  private deliver(r: AccessResult): TouchResult {
    if (r.signal !== null) {
      const sig = r.signal === "OOM" ? "SIGKILL" : r.signal;
      const signo = sig === "SIGSEGV" ? 11 : sig === "SIGBUS" ? 7 : 9;
      do_exit(this.k, this.task, signo);
      this.task.killedBy = signo;
      throw new ProcessKilled(this.pid, sig, r.addr, r.si_code);
    }
    return r;
  }

  /** Reads [addr, addr + length). */
  read(addr: number, length: number): TouchResult {
    return this.touch(addr, length);
  }

  /** Writes [addr, addr + length). */
  write(addr: number, length: number): TouchResult {
    return this.touch(addr, length, { write: true });
  }

  /**
   * /proc/PID/pagemap for `npages` pages from `addr`: each page's frame (pfn, or swap entry) and
   * the top 16 flag bits (PM_PRESENT, PM_SWAP, PM_FILE, PM_MMAP_EXCLUSIVE, PM_SOFT_DIRTY). Frames
   * read 0 for readers without CAP_SYS_ADMIN, as since 4.2: pass `showPfn: false` to see that.
   */
  pagemap(addr: number, npages: number, opts: { showPfn?: boolean } = {}): PagemapEntries {
    accessRange(addr, 0);
    intArg(npages, "npages", 0, MAX_PAGEMAP_PAGES);
    this.enter("read");
    return pagemap_read(this.k, this.task, addr, npages, opts.showPfn ?? true);
  }

  /** /proc/PID/maps, as text. */
  maps(): string {
    this.enter("read");
    return proc_pid_maps(this.k, this.task);
  }

  /** /proc/PID/smaps_rollup, as text. */
  smapsRollup(): string {
    this.enter("read");
    return proc_pid_smaps_rollup(this.k, this.task);
  }

  /** fork(2): a child with a copy-on-write copy of the address space. */
  fork(): Process {
    this.enter("fork");
    const c = kernel_clone(this.k, this.task);
    if (typeof c === "number") this.syscallExit(c, "fork");
    const child = c as task_struct;
    child.flags |= PF_FORKNOEXEC;
    // kernel_clone made the child runnable (wake_up_new_task); through this API it waits for a
    // call, like its parent, so it leaves the run queue (the runner enqueues it when it runs).
    if (child.psi_flags & TSK_RUNNING) psi_task_change(this.k, child, TSK_RUNNING, 0);
    return new Process(this.k, child);
  }

  /** exit(2): the address space goes; the parent reaps at once. Only the low 8 bits of `code` count, as in the kernel. */
  exit(code = 0): void {
    intArg(code, "exit code", -(2 ** 31), 2 ** 31 - 1);
    if (!this.alive) return;
    this.enter("exit");
    do_exit(this.k, this.task, (code & 0xff) << 8);
  }

  /** kill -9: the process exits by SIGKILL. */
  kill(): void {
    if (!this.alive) return;
    do_exit(this.k, this.task, 9);
    this.task.killedBy = 9;
  }

  /**
   * Reads a /proc or /sys file as this process (the kernel's `current`): /proc/self/ is its own
   * directory. Throws Errno (ENOENT, EACCES, …) as read(2) would, ESRCH once it has exited.
   */
  readFile(path: string): string {
    this.enter("read");
    return procRead(this.k, path.replace(/^\/proc\/self\//, `/proc/${this.pid}/`));
  }

  /**
   * Writes a /proc or /sys file as this process: the handler sees it as `current`, so what it
   * logs names this process (drop_caches: "db (2): drop_caches: 3"). Throws Errno as write(2).
   */
  writeFile(path: string, data: string): void {
    this.enter("write");
    procWrite(this.k, path.replace(/^\/proc\/self\//, `/proc/${this.pid}/`), data);
  }

  /** Writes /proc/PID/oom_score_adj as the process itself (-EACCES below its minimum unless root). */
  setOomScoreAdj(value: number): void {
    this.enter("write");
    check(oom_score_adj_write(this.k, this.task, String(value), this.task.uid === 0), "write");
  }

  get oomScoreAdj(): number {
    return this.task.signal.oom_score_adj;
  }

  /**
   * swapon(2): makes a swap area of `opts.size` (bytes or a size string) at `path` — the model
   * creates the device or file and enables it, as mkswap + swapon would. Throws Errno: EPERM
   * unless root (or with MAX_SWAPFILES areas on), EBUSY for a path already swapped on, EINVAL
   * for a bad size or priority.
   * @example p.swapon("/dev/vda", { size: "512M" }); // priority -2, as 6.1 gives the first area
   */
  swapon(path: string, opts: SwaponOptions): void {
    this.enter("swapon");
    this.syscallExit(sys_swapon(this.k, this.task, path, toSwapAreaConfig(opts)), "swapon");
  }

  /** swapoff(2): swaps everything in the area back in, then removes it. Throws EPERM, EINVAL, ENOMEM. */
  swapoff(path: string): void {
    this.enter("swapoff");
    this.syscallExit(sys_swapoff(this.k, this.task, path), "swapoff");
  }

  // ---- Files (src/fs: the VFS, tmpfs, ext2) ----

  /**
   * open(2): returns the descriptor (the lowest free one). `flags` is an access mode — "r", "w"
   * or "rw" — optionally with "|"-joined modifiers (create, excl, trunc, append, direct, sync,
   * nofollow, directory), or the O_* bits as a number; `mode` is for a created file.
   * @example const fd = p.open("/mnt/t/data", "w|create|trunc");
   * @throws Errno as open(2): ENOENT, EEXIST, EISDIR, ENOTDIR, EROFS, EINVAL (O_DIRECT on tmpfs),
   *   EMFILE, ENOSPC (no inode left), ENAMETOOLONG, ELOOP; TypeError for an unknown flag name.
   */
  open(path: string, flags: string | number = "r", mode = 0o644): number {
    if (typeof path !== "string") throw new TypeError("path must be a string");
    const f = parseOpenFlags(flags);
    this.enter("open");
    return this.syscallExit(do_sys_open(this.k, this.task, path, f, intArg(mode, "mode", 0, 0o7777)), "open");
  }

  /** close(2). @throws Errno EBADF for a descriptor that is not open. */
  close(fd: number): void {
    this.enter("close");
    this.syscallExit(close_fd(this.k, this.task, fdArg(fd)), "close");
  }

  /**
   * read(2) of `count` bytes at the descriptor's position, which moves on: returns the bytes
   * read (0 at end of file). Reads go through the page cache (readahead, waits for the disk) or,
   * with O_DIRECT, straight to the disk.
   * @throws Errno EBADF (not open for reading), EISDIR, EINVAL; RangeError for a bad count.
   */
  readFd(fd: number, count: number): number {
    const n = ulong(count, "count");
    this.enter("read");
    return this.syscallExit(ksys_read(this.k, this.task, fdArg(fd), n), "read");
  }

  /**
   * write(2) of `count` bytes at the descriptor's position (at the end with O_APPEND): returns
   * the bytes written, which may be fewer when the filesystem fills up.
   * @throws Errno EBADF (not open for writing), ENOSPC (nothing could be written), EFBIG.
   */
  writeFd(fd: number, count: number): number {
    const n = ulong(count, "count");
    this.enter("write");
    return this.syscallExit(ksys_write(this.k, this.task, fdArg(fd), n), "write");
  }

  /** pread64(2): `count` bytes at `offset`; the position stays. @throws Errno as readFd, EINVAL for a negative offset. */
  pread(fd: number, count: number, offset: number): number {
    const n = ulong(count, "count");
    const off = loffArg(offset);
    this.enter("pread64");
    return this.syscallExit(ksys_pread64(this.k, this.task, fdArg(fd), n, off), "pread64");
  }

  /** pwrite64(2): `count` bytes at `offset`; the position stays. @throws Errno as writeFd, EINVAL for a negative offset. */
  pwrite(fd: number, count: number, offset: number): number {
    const n = ulong(count, "count");
    const off = loffArg(offset);
    this.enter("pwrite64");
    return this.syscallExit(ksys_pwrite64(this.k, this.task, fdArg(fd), n, off), "pwrite64");
  }

  /** lseek(2): returns the new position. `whence` "set", "cur", "end" (or 0, 1, 2, 3 SEEK_DATA, 4 SEEK_HOLE). @throws Errno EINVAL, EBADF, ENXIO. */
  lseek(fd: number, offset: number, whence: "set" | "cur" | "end" | number = "set"): number {
    const w = typeof whence === "number" ? whence : ({ set: 0, cur: 1, end: 2 } as const)[whence];
    if (w === undefined) throw new TypeError(`unknown whence "${String(whence)}": expected set, cur or end`);
    const off = loffArg(offset);
    this.enter("lseek");
    return this.syscallExit(ksys_lseek(this.task, fdArg(fd), off, w), "lseek");
  }

  /** ftruncate(2): the file's new size (pages past it leave the page cache and every mapping). @throws Errno EBADF, EINVAL, EFBIG, EROFS. */
  ftruncate(fd: number, length: number): void {
    const len = loffArg(length);
    this.enter("ftruncate");
    this.syscallExit(do_sys_ftruncate(this.k, this.task, fdArg(fd), len), "ftruncate");
  }

  /** unlink(2): the page cache goes when the last descriptor or mapping of the file goes. @throws Errno ENOENT, EISDIR, EROFS, EBUSY. */
  unlink(path: string): void {
    this.enter("unlink");
    this.syscallExit(do_unlinkat(this.k, path), "unlink");
  }

  /** mkdir(2). @throws Errno EEXIST, ENOENT, ENOTDIR, EROFS, ENOSPC. */
  mkdir(path: string, mode = 0o755): void {
    this.enter("mkdir");
    this.syscallExit(do_mkdirat(this.k, path, intArg(mode, "mode", 0, 0o7777)), "mkdir");
  }

  /**
   * fallocate(2): "" or "keep_size" allocates the range; "punch_hole|keep_size" frees it.
   * @throws Errno EBADF, EINVAL, EOPNOTSUPP (ext2 has no fallocate), ENOSPC, EFBIG.
   */
  fallocate(fd: number, offset: number, length: number, mode: string | number = 0): void {
    const m = typeof mode === "number" ? mode : parseFallocMode(mode);
    const off = loffArg(offset);
    const len = loffArg(length);
    this.enter("fallocate");
    this.syscallExit(vfs_fallocate(this.k, this.task, fdArg(fd), m, off, len), "fallocate");
  }

  /** readahead(2): starts reading the range into the page cache. @throws Errno EBADF, EINVAL. */
  readahead(fd: number, offset: number, count: number): void {
    const off = loffArg(offset);
    const n = ulong(count, "count");
    this.enter("readahead");
    this.syscallExit(ksys_readahead(this.k, this.task, fdArg(fd), off, n), "readahead");
  }

  /**
   * posix_fadvise(2): "normal", "random", "sequential", "willneed", "dontneed", "noreuse" (or
   * POSIX_FADV_* numbers); length 0 means to the end. @throws Errno EBADF, EINVAL, ESPIPE.
   */
  fadvise(fd: number, offset: number, length: number, advice: string | number): void {
    const a = typeof advice === "number" ? advice : FADVICE[advice.toLowerCase().replace(/^posix_fadv_/, "")];
    if (a === undefined) throw new TypeError(`unknown fadvise advice "${String(advice)}": expected normal, random, sequential, willneed, dontneed or noreuse`);
    const off = loffArg(offset);
    const len = loffArg(length);
    this.enter("fadvise64");
    this.syscallExit(ksys_fadvise64_64(this.k, this.task, fdArg(fd), off, len, a), "fadvise64");
  }

  /**
   * mincore(2): one entry per page of [addr, addr + length), 1 if resident (for a file mapping, an
   * uptodate page in the page cache counts, mapped or not). @throws Errno EINVAL (unaligned),
   * ENOMEM (a hole in the range).
   */
  mincore(addr: number, length: number): Uint8Array {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    this.enter("mincore");
    const r = sys_mincore(this.k, this.task, a, len);
    if (typeof r === "number") this.syscallExit(r, "mincore");
    return r as Uint8Array;
  }

  /**
   * fsync(2): writes the file's dirty pages (and, on ext2, the disk's dirty metadata) and waits
   * for them. @throws Errno EBADF, EINVAL (a file with no fsync, such as a /proc file).
   */
  fsync(fd: number): void {
    this.enter("fsync");
    this.syscallExit(do_fsync(this.k, this.task, fdArg(fd), false), "fsync");
  }

  /** fdatasync(2): as fsync. @throws Errno EBADF, EINVAL. */
  fdatasync(fd: number): void {
    this.enter("fdatasync");
    this.syscallExit(do_fsync(this.k, this.task, fdArg(fd), true), "fdatasync");
  }

  /** sync(2): every filesystem's dirty pages and every disk's metadata written, and waited for. */
  sync(): void {
    this.enter("sync");
    ksys_sync(this.k);
    this.syscallExit(0, "sync");
  }

  /** syncfs(2): the filesystem holding the descriptor's file. @throws Errno EBADF. */
  syncfs(fd: number): void {
    this.enter("syncfs");
    this.syscallExit(ksys_syncfs(this.k, this.task, fdArg(fd)), "syncfs");
  }

  /**
   * Kernel memory on the task's behalf (the model's kernel-allocation driver, mm/slab_driver.ts):
   * `count` objects of `size` bytes from kmalloc, or of the named cache (made with that object
   * size on first use), allocated with `gfp` ("GFP_KERNEL", "GFP_KERNEL_ACCOUNT", "GFP_NOFS",
   * "GFP_NOIO", "GFP_NOWAIT", "GFP_ATOMIC"). Held for the task and freed at its exit, or with
   * `leak` never freed. Stops early when an allocation fails or the task is OOM-killed.
   * @returns how many objects were made.
   * @throws Errno EINVAL (a size kmalloc cannot serve: 0 or above 4 MiB; a count above 2^24; an
   *   unknown GFP), ENOMEM (not even one object), or the task's death (ProcessKilled).
   */
  kmalloc(opts: { size?: number; cache?: string; count: number; gfp?: string; leak?: boolean }): number {
    const gfp = KMEM_DRIVER_GFP[opts.gfp ?? "GFP_KERNEL"];
    const count = opts.count;
    if (gfp === undefined || !Number.isInteger(count) || count < 0 || count > KMEM_DRIVER_MAX_COUNT) throw new Errno("EINVAL", "ioctl");
    this.enter("ioctl");
    return this.syscallExit(kmem_driver_alloc(this.k, this.task, { size: opts.size ?? 0, cache: opts.cache ?? null, count, gfp, leak: opts.leak === true }), "ioctl");
  }

  /** Frees the newest `count` objects the driver holds for the task (all without a count); returns how many. */
  kfree(count?: number): number {
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) throw new Errno("EINVAL", "ioctl");
    this.enter("ioctl");
    return this.syscallExit(kmem_driver_free(this.k, this.task, count ?? -1), "ioctl");
  }

  /**
   * memfd_create(2): a descriptor of a new anonymous tmpfs file (no size yet: ftruncate or write
   * it). `flags`: "cloexec", "allow_sealing" joined by "|" (or MFD_* bits); without
   * allow_sealing the file is sealed against seals (F_SEAL_SEAL).
   * @example const fd = p.memfdCreate("buf", "allow_sealing"); p.ftruncate(fd, 1 << 20); p.addSeals(fd, "shrink|grow");
   * @throws Errno EINVAL (a name over 249 bytes, unknown flags, hugetlb: not modelled), EFAULT (a NUL in the name), EMFILE.
   */
  memfdCreate(name: string, flags: string | number = 0): number {
    if (typeof name !== "string") throw new TypeError("name must be a string");
    const f = typeof flags === "number" ? flags : parseWords(flags, MFD_FLAGS, "memfd_create flag");
    this.enter("memfd_create");
    return this.syscallExit(memfd_create(this.k, this.task, name, f), "memfd_create");
  }

  // ---- userfaultfd (fs/userfaultfd.ts, mm/userfaultfd.ts) ----

  /**
   * userfaultfd(2): a descriptor for handling this process's page faults itself. `flags`:
   * "cloexec", "nonblock", "user_mode_only" joined by "|" (or the bits). Then UFFDIO_API
   * (`uffdApi`) before anything else.
   * @example
   * const uffd = p.userfaultfd("nonblock");
   * p.uffdApi(uffd);
   * p.uffdRegister(uffd, heap, 1 << 20, "missing");
   * @throws Errno EPERM (not root, without user_mode_only, while vm.unprivileged_userfaultfd is
   *   0), EINVAL (unknown flag bits), EMFILE; TypeError for an unknown flag name.
   */
  userfaultfd(flags: string | number = 0): number {
    const f = typeof flags === "number" ? flags : parseWords(flags, UFFD_FLAGS, "userfaultfd flag");
    this.enter("userfaultfd");
    return this.syscallExit(sys_userfaultfd(this.k, this.task, f), "userfaultfd");
  }

  /** The userfaultfd context of `fd` for an ioctl, initialized unless `api`. */
  private uffdCtx(fd: number, api = false): userfaultfd_ctx {
    this.enter("ioctl");
    const ctx = uffd_fdget(this.task, fdArg(fd));
    if (typeof ctx === "number") {
      this.syscallExit(ctx, "ioctl");
      throw new Errno("EBADF", "ioctl");
    }
    if (!api) this.syscallExit(userfaultfd_ioctl_check(ctx), "ioctl");
    return ctx;
  }

  /**
   * ioctl(UFFDIO_API): enables `features` (names such as "sigbus", "thread_id",
   * "exact_address", "missing_shmem", "minor_shmem", "pagefault_flag_wp", joined by "|", or the
   * UFFD_FEATURE_* bits) and answers every feature the kernel has and the fd's ioctls.
   * @throws Errno EINVAL (unknown features, done already), EPERM ("event_fork" without root).
   */
  uffdApi(fd: number, features: string | number = 0): { features: number; ioctls: string[] } {
    const f = typeof features === "number" ? features : parseWords(features, UFFD_FEATURES, "userfaultfd feature");
    const ctx = this.uffdCtx(fd, true);
    const out: uffdio_api = { features: 0, ioctls: [] };
    this.syscallExit(userfaultfd_api(this.task, ctx, UFFD_API, f, out), "ioctl");
    return { features: out.features, ioctls: out.ioctls.map((n) => UFFDIO_NAMES[n]) };
  }

  /**
   * ioctl(UFFDIO_REGISTER): arms [addr, addr + length) in `mode` ("missing", "wp", "minor"
   * joined by "|"). Returns the ioctls the range supports.
   * @throws Errno EINVAL (bad range or mode, no VMA there, a VMA that cannot be registered),
   *   EPERM (a VMA that may not be written), EBUSY (registered with another uffd), ENOMEM.
   */
  uffdRegister(fd: number, addr: number, length: number, mode: string | number): string[] {
    const mo = typeof mode === "number" ? mode : parseWords(mode, UFFD_REGISTER_MODES, "userfaultfd register mode");
    const ctx = this.uffdCtx(fd);
    const ioctls: number[] = [];
    this.syscallExit(userfaultfd_register(this.k, ctx, ulong(addr, "address"), ulong(length, "length"), mo, ioctls), "ioctl");
    return ioctls.map((n) => UFFDIO_NAMES[n]);
  }

  /** ioctl(UFFDIO_UNREGISTER) of [addr, addr + length). @throws Errno EINVAL, ENOMEM. */
  uffdUnregister(fd: number, addr: number, length: number): void {
    const ctx = this.uffdCtx(fd);
    this.syscallExit(userfaultfd_unregister(this.k, ctx, ulong(addr, "address"), ulong(length, "length")), "ioctl");
  }

  /**
   * read(2) of a userfaultfd: up to `max` fault messages, oldest first. None pending: EAGAIN on
   * a "nonblock" descriptor; an empty list on a blocking one (the model cannot sleep in read:
   * call again once a fault has come).
   * @throws Errno EINVAL (before uffdApi), EAGAIN, EBADF.
   */
  uffdRead(fd: number, max = 64): UffdMessage[] {
    intArg(max, "max", 1, 2 ** 20);
    this.enter("read");
    const r = userfaultfd_read(this.task, fdArg(fd), max);
    if (typeof r === "number") {
      this.syscallExit(r, "read");
      return [];
    }
    return r.map((m) => ({ event: "pagefault", address: m.address, write: (m.flags & UFFD_PAGEFAULT_FLAG_WRITE) !== 0, wp: (m.flags & UFFD_PAGEFAULT_FLAG_WP) !== 0, minor: (m.flags & UFFD_PAGEFAULT_FLAG_MINOR) !== 0, ptid: m.ptid }));
  }

  /** Fault messages waiting to be read on the uffd (fdinfo's `pending`). @throws Errno EBADF, ENOTTY. */
  uffdPending(fd: number): number {
    const ctx = this.uffdCtx(fd, true);
    return ctx.fault_pending_wqh.length;
  }

  /** A fill ioctl: the bytes filled, Errno for the ioctl's error (a partial fill: EAGAIN). */
  private uffdFill(fd: number, kind: "copy" | "zeropage" | "continue", dst: number, src: number, length: number, mode: number): number {
    const ctx = this.uffdCtx(fd);
    const out: uffdio_fill = { ret: 0, bytes: 0 };
    userfaultfd_fill(this.k, ctx, kind, ulong(dst, "address"), src, ulong(length, "length"), mode, out);
    if (out.ret === -errnoValues.EAGAIN && out.bytes > 0) throw new Errno("EAGAIN", "ioctl", `${out.bytes} of ${length} bytes filled`);
    this.syscallExit(out.ret, "ioctl");
    return out.bytes;
  }

  /**
   * ioctl(UFFDIO_COPY): fills [dst, dst + length) with copies of the pages at `src` and wakes the
   * faults waiting there (unless mode has "dontwake"; "wp" maps them write-protected).
   * @throws Errno ENOENT (not one registered VMA), EEXIST (a page is there already), EINVAL,
   *   EFAULT (a source outside every readable VMA), ENOMEM, EAGAIN (a partial copy).
   */
  uffdCopy(fd: number, dst: number, src: number, length: number, mode: string | number = 0): number {
    const mo = typeof mode === "number" ? mode : parseWords(mode, UFFD_COPY_MODES, "UFFDIO_COPY mode");
    return this.uffdFill(fd, "copy", dst, ulong(src, "source address"), length, mo);
  }

  /** ioctl(UFFDIO_ZEROPAGE): maps the zero page over [start, start + length) and wakes the waiters ("dontwake" not to). @throws Errno as uffdCopy. */
  uffdZeropage(fd: number, start: number, length: number, mode: string | number = 0): number {
    const mo = typeof mode === "number" ? mode : parseWords(mode, { dontwake: UFFDIO_ZEROPAGE_MODE_DONTWAKE }, "UFFDIO_ZEROPAGE mode");
    return this.uffdFill(fd, "zeropage", start, 0, length, mo);
  }

  /** ioctl(UFFDIO_CONTINUE): maps the pages already in a shmem file over a MINOR range. @throws Errno as uffdCopy (EFAULT: no page in the file). */
  uffdContinue(fd: number, start: number, length: number, mode: string | number = 0): number {
    const mo = typeof mode === "number" ? mode : parseWords(mode, { dontwake: UFFDIO_CONTINUE_MODE_DONTWAKE }, "UFFDIO_CONTINUE mode");
    return this.uffdFill(fd, "continue", start, 0, length, mo);
  }

  /** ioctl(UFFDIO_WAKE): wakes the faults waiting in [start, start + length). @throws Errno EINVAL. */
  uffdWake(fd: number, start: number, length: number): void {
    const ctx = this.uffdCtx(fd);
    this.syscallExit(userfaultfd_wake(ctx, ulong(start, "address"), ulong(length, "length")), "ioctl");
  }

  /**
   * ioctl(UFFDIO_WRITEPROTECT): `mode` "wp" write-protects the present pages of [start,
   * start + length) (writes then go to the uffd); "" lifts it and wakes the waiters there
   * ("dontwake" not to).
   * @throws Errno ENOENT (not one WP-registered VMA), EINVAL ("wp|dontwake", bad range).
   */
  uffdWriteprotect(fd: number, start: number, length: number, mode: string | number): void {
    const mo = typeof mode === "number" ? mode : parseWords(mode, { wp: UFFDIO_WRITEPROTECT_MODE_WP, dontwake: UFFDIO_WRITEPROTECT_MODE_DONTWAKE }, "UFFDIO_WRITEPROTECT mode");
    const ctx = this.uffdCtx(fd);
    this.syscallExit(userfaultfd_writeprotect(this.k, ctx, ulong(start, "address"), ulong(length, "length"), mo), "ioctl");
  }

  /**
   * Where the process sleeps in handle_userfault: the faulting address while it waits for a
   * fill or UFFDIO_WAKE, null when it does not wait (it may run: a woken fault is retried at its
   * next access).
   */
  get userfaultWait(): number | null {
    const w = this.task.uffd_wait;
    return w !== null && !w.waken ? w.real_address : null;
  }

  /**
   * shmget(2): the id of System V shared memory segment `key` ("private" or 0 for IPC_PRIVATE),
   * made if asked: `flags` "creat", "excl", "noreserve" joined by "|" (IPC_CREAT, IPC_EXCL,
   * SHM_NORESERVE), with the segment's permission bits `mode` (default 0600); a number is the
   * whole shmflg (permission bits included) and `mode` is then ignored.
   * @example const id = p.shmget("private", 1 << 20, "creat"); const a = p.shmat(id); p.touch(a, 1 << 20, { write: true });
   * @throws Errno EINVAL (size 0, above kernel.shmmax, or above an existing segment's size;
   *   "hugetlb": not modelled), ENOENT (no segment and no "creat"), EEXIST ("creat|excl" on an
   *   existing key), EACCES, ENOSPC (kernel.shmall or kernel.shmmni reached), ENOMEM (overcommit).
   */
  shmget(key: number | "private", size: number, flags: string | number = 0, mode = 0o600): number {
    const k = key === "private" ? IPC_PRIVATE : intArg(key, "key", -(2 ** 31), 2 ** 32 - 1) | 0;
    const len = ulong(size, "size");
    const shmflg = typeof flags === "number" ? flags : parseWords(flags, SHMGET_FLAGS, "shmget flag") | (intArg(mode, "mode", 0, 0o777) & 0o777);
    this.enter("shmget");
    return this.syscallExit(ksys_shmget(this.k, this.task, k, len, shmflg), "shmget");
  }

  /**
   * shmat(2): attaches segment `shmid` and returns its address: where mmap chooses, or at
   * `opts.addr` (page-aligned, or rounded down with "rnd"); `opts.flags` "rdonly", "rnd",
   * "remap", "exec" joined by "|" (SHM_* bits).
   * @throws Errno EINVAL (a bad id, an unaligned address, an address range already mapped
   *   without "remap"), EIDRM, EACCES, ENOMEM.
   */
  shmat(shmid: number, opts: { addr?: number; flags?: string | number } = {}): number {
    const id = intArg(shmid, "shmid", -(2 ** 31), 2 ** 31 - 1);
    const addr = ulong(opts.addr ?? 0, "address");
    const f = opts.flags === undefined ? 0 : typeof opts.flags === "number" ? opts.flags : parseWords(opts.flags, SHMAT_FLAGS, "shmat flag");
    this.enter("shmat");
    return this.syscallExit(do_shmat(this.k, this.task, id, addr, f), "shmat");
  }

  /** shmdt(2): detaches the segment attached at `addr`. @throws Errno EINVAL (no attach there). */
  shmdt(addr: number): void {
    const a = ulong(addr, "address");
    this.enter("shmdt");
    this.syscallExit(ksys_shmdt(this.k, this.task, a), "shmdt");
  }

  /**
   * shmctl(2): "stat" (IPC_STAT) returns the segment's shmid_ds (nattch, size, pids, times,
   * owner and mode); "rmid" (IPC_RMID) removes it — now if nothing is attached, else at the last
   * detach (its key is free at once) — and returns null.
   * @throws Errno EINVAL (a bad id or command), EACCES, EPERM (rmid by another user).
   */
  shmctl(shmid: number, cmd: "stat" | "rmid"): ShmidDs | null {
    const id = intArg(shmid, "shmid", -(2 ** 31), 2 ** 31 - 1);
    const c = cmd === "stat" ? IPC_STAT : cmd === "rmid" ? IPC_RMID : -1;
    if (c < 0) throw new TypeError(`unknown shmctl command "${String(cmd)}": expected stat, rmid`);
    this.enter("shmctl");
    const r = ksys_shmctl(this.k, this.task, id, c);
    if (typeof r === "number") {
      this.syscallExit(r, "shmctl");
      return null;
    }
    return {
      key: r.key,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      cuid: r.cuid,
      cgid: r.cgid,
      size: r.shm_segsz,
      atime: r.shm_atime,
      dtime: r.shm_dtime,
      ctime: r.shm_ctime,
      cpid: r.shm_cpid,
      lpid: r.shm_lpid,
      nattch: r.shm_nattch,
    };
  }

  /**
   * fcntl(fd, F_ADD_SEALS): seals "seal", "shrink", "grow", "write", "future_write" joined by "|"
   * (or F_SEAL_* bits). Seals only add. @throws Errno EBADF, EPERM (not open for writing, or
   * F_SEAL_SEAL), EINVAL (not a tmpfs file, an unknown seal), EBUSY (write while a shared
   * writable mapping exists).
   */
  addSeals(fd: number, seals: string | number): void {
    const v = typeof seals === "number" ? seals : parseWords(seals, SEALS, "seal");
    this.enter("fcntl");
    const f = fget(this.task, fdArg(fd));
    if (f === null) throw new Errno("EBADF", "fcntl");
    this.syscallExit(memfd_fcntl(f, F_ADD_SEALS, v), "fcntl");
  }

  /** fcntl(fd, F_GET_SEALS): the F_SEAL_* bits. @throws Errno EBADF, EINVAL (not a tmpfs file). */
  getSeals(fd: number): number {
    this.enter("fcntl");
    const f = fget(this.task, fdArg(fd));
    if (f === null) throw new Errno("EBADF", "fcntl");
    return this.syscallExit(memfd_fcntl(f, F_GET_SEALS, 0), "fcntl");
  }

  /**
   * msync(2) of [addr, addr + length): `flags` "sync", "async", optionally "|invalidate" (or the
   * MS_* bits). MS_SYNC writes the shared file mappings' dirty pages in the range and waits.
   * @throws Errno EINVAL (bad flags, unaligned address), ENOMEM (a hole in the range), EBUSY
   *   (MS_INVALIDATE of locked memory); TypeError for an unknown flag name.
   */
  msync(addr: number, length: number, flags: string | number = "sync"): void {
    const a = ulong(addr, "address");
    const len = ulong(length, "length");
    const fl = parseMsyncFlags(flags);
    const mm = this.enter("msync");
    this.syscallExit(sys_msync(this.k, mm, a, len, fl), "msync");
  }

  /** fstat(2)'s size fields: the file's size, its 512-byte blocks, inode number and device. @throws Errno EBADF. */
  fstat(fd: number): { size: number; blocks: number; ino: number; dev: string } {
    this.enter("fstat");
    const f = fget(this.task, fdArg(fd));
    if (f === null) throw new Errno("EBADF", "fstat");
    const i = f.f_inode;
    return { size: i.i_size, blocks: i.i_blocks, ino: i.i_ino, dev: `${i.i_sb.s_dev_major}:${i.i_sb.s_dev_minor}` };
  }

  /**
   * mount(2) of a tmpfs (`{ fstype: "tmpfs", size, nrInodes, huge }`) or of the ext2 filesystem on
   * a disk the machine has (`{ fstype: "ext2", source: "/dev/vda", readonly }`) on directory
   * `target`. @throws Errno ENOENT, ENOTDIR, EBUSY, ENODEV, EINVAL, EPERM (not root).
   */
  mount(target: string, opts: MountOptions): void {
    this.enter("mount");
    if (this.task.uid !== 0) throw new Errno("EPERM", "mount");
    const fstype = opts.fstype;
    const o = { ...(opts.size !== undefined ? { size: typeof opts.size === "string" && opts.size.trim().endsWith("%") ? opts.size.trim() : parseSize(opts.size) } : {}), ...(opts.nrInodes !== undefined ? { nr_inodes: opts.nrInodes } : {}), ...(opts.huge !== undefined ? { huge: opts.huge } : {}) };
    this.syscallExit(do_mount(this.k, opts.source ?? fstype, target, fstype, opts.readonly ? MS_RDONLY : 0, o), "mount");
  }

  /** umount(2). @throws Errno EINVAL (not a mountpoint), EBUSY (files open or mapped), EPERM. */
  umount(target: string): void {
    this.enter("umount");
    if (this.task.uid !== 0) throw new Errno("EPERM", "umount");
    this.syscallExit(do_umount(this.k, target), "umount");
  }

  /** setrlimit(2) for the memory limits, in bytes. */
  setRlimit(which: "stack" | "memlock" | "as" | "data", bytes: number): void {
    const limits: Record<string, number> = { stack: RLIMIT_STACK, memlock: RLIMIT_MEMLOCK, as: RLIMIT_AS, data: RLIMIT_DATA };
    const r = Object.hasOwn(limits, which) ? limits[which] : undefined;
    if (r === undefined) throw new RangeError(`unknown resource limit "${String(which)}": expected stack, memlock, as or data`);
    if (typeof bytes !== "number" || !(bytes === Infinity || (Number.isInteger(bytes) && bytes >= 0))) throw new RangeError(`invalid limit ${String(bytes)}: expected bytes ≥ 0 or Infinity`);
    if (bytes > this.task.signal.rlim_max[r] && this.task.uid !== 0) throw new Errno("EPERM", "setrlimit");
    this.task.signal.rlim_cur[r] = bytes;
    if (bytes > this.task.signal.rlim_max[r]) this.task.signal.rlim_max[r] = bytes;
  }
}

/** shmget's and shmat's flag names. */
const SHMGET_FLAGS: Readonly<Record<string, number>> = Object.freeze({ creat: IPC_CREAT, excl: IPC_EXCL, noreserve: SHM_NORESERVE, hugetlb: SHM_HUGETLB });
const SHMAT_FLAGS: Readonly<Record<string, number>> = Object.freeze({ rdonly: SHM_RDONLY, rnd: SHM_RND, remap: SHM_REMAP, exec: SHM_EXEC });

/** What shmctl "stat" returns: IPC_STAT's struct shmid_ds (times in seconds of simulated time). */
/** A userfaultfd message as `uffdRead` returns it (struct uffd_msg of a UFFD_EVENT_PAGEFAULT). */
export interface UffdMessage {
  event: "pagefault";
  /** The faulting address, page aligned (exact with the "exact_address" feature). */
  address: number;
  /** UFFD_PAGEFAULT_FLAG_WRITE: a write fault. */
  write: boolean;
  /** UFFD_PAGEFAULT_FLAG_WP: a write to a write-protected page. */
  wp: boolean;
  /** UFFD_PAGEFAULT_FLAG_MINOR: a page in the file, none in the page table. */
  minor: boolean;
  /** The faulting thread with the "thread_id" feature, else 0. */
  ptid: number;
}

export interface ShmidDs {
  key: number;
  mode: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  size: number;
  atime: number;
  dtime: number;
  ctime: number;
  cpid: number;
  lpid: number;
  nattch: number;
}

/** memfd_create's flag names. */
const MFD_FLAGS: Readonly<Record<string, number>> = Object.freeze({ cloexec: MFD_CLOEXEC, allow_sealing: MFD_ALLOW_SEALING, hugetlb: MFD_HUGETLB });
/** The seal names F_ADD_SEALS takes. */
const SEALS: Readonly<Record<string, number>> = Object.freeze({ seal: F_SEAL_SEAL, shrink: F_SEAL_SHRINK, grow: F_SEAL_GROW, write: F_SEAL_WRITE, future_write: F_SEAL_FUTURE_WRITE });

/** userfaultfd(2)'s flag names. */
const UFFD_FLAGS: Readonly<Record<string, number>> = Object.freeze({ cloexec: O_CLOEXEC, nonblock: O_NONBLOCK, user_mode_only: UFFD_USER_MODE_ONLY });
/** UFFDIO_API's feature names (UFFD_FEATURE_* in lower case). */
const UFFD_FEATURES: Readonly<Record<string, number>> = Object.freeze({
  pagefault_flag_wp: UFFD_FEATURE_PAGEFAULT_FLAG_WP,
  event_fork: UFFD_FEATURE_EVENT_FORK,
  event_remap: UFFD_FEATURE_EVENT_REMAP,
  event_remove: UFFD_FEATURE_EVENT_REMOVE,
  missing_hugetlbfs: UFFD_FEATURE_MISSING_HUGETLBFS,
  missing_shmem: UFFD_FEATURE_MISSING_SHMEM,
  event_unmap: UFFD_FEATURE_EVENT_UNMAP,
  sigbus: UFFD_FEATURE_SIGBUS,
  thread_id: UFFD_FEATURE_THREAD_ID,
  minor_hugetlbfs: UFFD_FEATURE_MINOR_HUGETLBFS,
  minor_shmem: UFFD_FEATURE_MINOR_SHMEM,
  exact_address: UFFD_FEATURE_EXACT_ADDRESS,
  wp_hugetlbfs_shmem: UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
});
/** UFFDIO_REGISTER's mode names. */
const UFFD_REGISTER_MODES: Readonly<Record<string, number>> = Object.freeze({ missing: UFFDIO_REGISTER_MODE_MISSING, wp: UFFDIO_REGISTER_MODE_WP, minor: UFFDIO_REGISTER_MODE_MINOR });
/** UFFDIO_COPY's mode names. */
const UFFD_COPY_MODES: Readonly<Record<string, number>> = Object.freeze({ dontwake: UFFDIO_COPY_MODE_DONTWAKE, wp: UFFDIO_COPY_MODE_WP });

/** "a|b" of known words into their bits; TypeError naming the unknown one. */
function parseWords(text: string, words: Readonly<Record<string, number>>, what: string): number {
  let v = 0;
  for (const w of String(text).toLowerCase().split(/[|,\s]+/).filter((x) => x !== "")) {
    const b = Object.hasOwn(words, w.replace(/^(mfd_|f_seal_)/, "")) ? words[w.replace(/^(mfd_|f_seal_)/, "")] : undefined;
    if (b === undefined) throw new TypeError(`unknown ${what} "${w}": expected ${Object.keys(words).join(", ")}`);
    v |= b;
  }
  return v;
}

/** The task behind a Process: the engine's own way in, re-exported for tests and the explorer by src/api/internals.ts. */
/** A Process handle on an existing task (Machine.process). */
export function processHandle(k: Kernel, t: task_struct): Process {
  return new Process(k, t);
}

export function taskOf(p: Process): task_struct {
  return p["task"];
}

/** Most pages one pagemap() call reads: 2^22 pages (16 GiB of address space, 32 MiB of entries). */
export const MAX_PAGEMAP_PAGES = 2 ** 22;

/** PF_FORKNOEXEC: forked but has not exec'd (w2's child shows flags 64). */
const PF_FORKNOEXEC = 0x00000040;

/**
 * Creates a process: a task (pid from the pid allocator, parent init), a fresh address space
 * with the x86-64 layout and, unless `image: null`, a static program image mapped and started.
 */
export function spawnProcess(k: Kernel, opts: SpawnOptions = {}): Process {
  const comm = opts.comm ?? opts.name ?? "proc";
  if (typeof comm !== "string" || comm === "") throw new RangeError("comm must be a non-empty string (the kernel keeps 15 characters)");
  const ppid = opts.ppid ?? 1;
  if (!Number.isInteger(ppid) || k.tasks.find(ppid) === undefined) throw new RangeError(`invalid ppid ${String(ppid)}: no such process`);
  if (opts.uid !== undefined) intArg(opts.uid, "uid", 0, 2 ** 32 - 2);
  // The write to /proc/PID/oom_score_adj below would refuse it too, but only once the task exists.
  if (opts.oomScoreAdj !== undefined && !(Number.isInteger(opts.oomScoreAdj) && opts.oomScoreAdj >= -1000 && opts.oomScoreAdj <= 1000)) throw new Errno("EINVAL", "write", `oom_score_adj ${String(opts.oomScoreAdj)}: expected -1000 to 1000`);
  for (const [name, v] of Object.entries(opts.rlimits ?? {})) {
    if (!["stack", "memlock", "as", "data"].includes(name)) throw new RangeError(`unknown resource limit "${name}": expected stack, memlock, as or data`);
    if (typeof v !== "number" || !(v === Infinity || (Number.isInteger(v) && v >= 0))) throw new RangeError(`invalid ${name} limit ${String(v)}: expected bytes ≥ 0 or Infinity`);
  }
  const pid = k.tasks.alloc_pid();
  if (pid < 0) throw new Errno("EAGAIN", "fork");
  const t = new task_struct(pid, comm, opts.uid ?? 0, ppid, null, k.now_ns);
  // The spawner's fork: the child's task_struct, stack, cred, files, fs, signal, sighand, pid.
  if (copy_process_objects(k, t, SIGCHLD) !== 0) throw new Errno("ENOMEM", "fork");
  const rl = opts.rlimits ?? {};
  if (rl.stack !== undefined) t.signal.rlim_cur[RLIMIT_STACK] = rl.stack;
  if (rl.memlock !== undefined) t.signal.rlim_cur[RLIMIT_MEMLOCK] = t.signal.rlim_max[RLIMIT_MEMLOCK] = rl.memlock;
  if (rl.as !== undefined) t.signal.rlim_cur[RLIMIT_AS] = rl.as;
  if (rl.data !== undefined) t.signal.rlim_cur[RLIMIT_DATA] = rl.data;
  // exec's allocations (bprm_mm_init's mm and pgd) are made by the new task itself.
  k.currentPid = pid;
  k.currentComm = t.comm;
  if (opts.randomize === false) t.personality |= ADDR_NO_RANDOMIZE;
  elf_set_pf_randomize(k, t);
  const mm = mm_alloc(k, t);
  if (!pgd_alloc(k, mm)) throw new Errno("ENOMEM", "execve");
  mm.owner = pid;
  t.mm = mm;
  // exec_mmap: the new mm joins the multi-gen LRU's mm list, and has just been switched in
  // (activate_mm: switch_mm_irqs_off on the CPU exec runs on).
  lru_gen_add_mm(k, mm);
  lru_gen_use_mm(mm);
  switch_mm_irqs_off(k, mm);
  k.tasks.byPid.set(pid, t);
  const parent = k.tasks.find(ppid);
  parent?.children.add(pid);
  if (parent) cgroup_post_fork(k, parent, t);
  if (opts.cgroup !== undefined) {
    const segs = opts.cgroup.split("/").filter((s) => s !== "");
    const cg = cgroup_lookup(k, segs);
    const rc = cg === undefined || cg.dying ? -errnoValues.ENOENT : cgroup_attach_task(k, cg, t);
    if (rc < 0) {
      do_exit(k, t, 0);
      throw new Errno(errnoName(rc) ?? "EINVAL", "write", `/sys/fs/cgroup${opts.cgroup}/cgroup.procs`);
    }
  }
  // Not enqueued for pressure accounting: a process driven through this API sleeps between
  // calls (as if blocked in pause()); the scenario runner enqueues the one it runs.
  if (opts.oomScoreAdj !== undefined) {
    // Set by the spawner (root) before exec, as a shell writing /proc/PID/oom_score_adj does.
    check(oom_score_adj_write(k, t, String(opts.oomScoreAdj), true), "write");
  }
  const image = opts.image === undefined || opts.image === "static" ? staticBinaryImage("/bin/anon") : opts.image;
  if (image) {
    k.currentPid = pid;
    k.currentComm = t.comm;
    const r = exec_image(k, t, image);
    if (r < 0) {
      do_exit(k, t, 0);
      check(r, "execve");
    }
  }
  return new Process(k, t);
}
