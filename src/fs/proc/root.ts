/**
 * The file tree a user reads the kernel through: /proc, /proc/sys/vm and the /sys files of mm,
 * as one table of paths to renderers and handlers per machine (k.proc). Nothing is stored
 * here: a read renders live state, a write calls the kernel's handler. The public API's
 * machine.read/write come here.
 *
 * Each file answers refused accesses as its filesystem does for root:
 * - procfs seq files (meminfo, vmstat…) open for writing (root passes the DAC check) and the
 *   write then fails with EIO, because they have no write op;
 * - sysctl files check the owner bits even for root: reading the 0200 drop_caches is EACCES;
 * - sysfs (kernfs) refuses at open: writing a 0444 attribute is EACCES.
 * A missing path is ENOENT, a directory read or written is EISDIR.
 *
 * The tree is filled at boot, as the kernel's initcalls create their files: start_kernel calls
 * proc_root_init (fs/proc/init.ts), which adds each file with registerProcFile (a fixed path) or
 * registerProcPattern (a route with parameters such as `/proc/<pid>/status`, whose values
 * registerProcParam lists). Nothing registers when a module loads, and the model's mm/ code
 * never imports this file: fs/proc reads mm, not the other way round.
 * @kernel fs/proc/generic.c proc_create_single, proc_create_seq
 * @kernel fs/proc/inode.c proc_reg_write, pde_write
 * @kernel fs/proc/proc_sysctl.c proc_sys_call_handler, test_perm
 * @kernel fs/kernfs/file.c kernfs_fop_open
 */
import { Errno, errnoName, errnoValues, type ErrnoName } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { task_struct } from "../../kernel/sched.js";

/** Which filesystem a file belongs to: it decides the errno of a refused access. */
export type ProcFs = "proc" | "sysctl" | "sysfs";

/** Route parameters, such as `{ pid: "42" }` for `/proc/<pid>/status`. */
export type ProcParams = Readonly<Record<string, string>>;

/** One file of the tree. */
export interface ProcFile {
  fs: ProcFs;
  /** Permission bits, as `ls -l` would show them (0o444, 0o644, 0o200…). */
  mode: number;
  read?(k: Kernel, params: ProcParams): string;
  /** Handles one write: 0, or a negative errno the caller gets as an Errno. */
  write?(k: Kernel, data: string, params: ProcParams): number;
}

interface Pattern {
  segs: string[];
  file: ProcFile;
}

/**
 * A filesystem mounted in the tree whose directories the user makes and removes (cgroupfs at
 * /sys/fs/cgroup, kernfs underneath): it answers lookups and listings below its mount point,
 * with paths as segments relative to it.
 */
export interface ProcMount {
  /** The file at a path under the mount, or undefined (then the path may be a directory). */
  lookup(k: Kernel, segs: readonly string[]): ProcFile | undefined;
  /** The entries of a directory under the mount, or undefined when it is none. */
  list(k: Kernel, segs: readonly string[]): string[] | undefined;
  /** mkdir(2): 0 or a negative errno. */
  mkdir(k: Kernel, segs: readonly string[]): number;
  /** rmdir(2): 0 or a negative errno. */
  rmdir(k: Kernel, segs: readonly string[]): number;
}

/** One machine's tree: its files by path, its routes, and the values of the routes' parameters. */
export class ProcTree {
  readonly files = new Map<string, ProcFile>();
  readonly patterns: Pattern[] = [];
  readonly params = new Map<string, (k: Kernel) => string[]>();
  /** Mounted filesystems by mount point (cgroupfs). */
  readonly mounts = new Map<string, ProcMount>();
}

/** Mounts a filesystem of user-made directories at `path`. */
export function registerProcMount(k: Kernel, path: string, ops: ProcMount): void {
  k.proc.mounts.set(normalize(path), ops);
}

/** The mount a path is at or under, with the path's segments below the mount point. */
function mountOf(k: Kernel, path: string): { ops: ProcMount; segs: string[] } | undefined {
  for (const [at, ops] of k.proc.mounts) {
    if (path === at) return { ops, segs: [] };
    if (path.startsWith(at + "/")) return { ops, segs: path.slice(at.length + 1).split("/") };
  }
  return undefined;
}

/** `mkdir PATH` on a mounted filesystem. Throws Errno: ENOENT for no parent, EEXIST, EPERM outside a mount. */
export function procMkdir(k: Kernel, path: string): void {
  const p = normalize(path);
  const m = mountOf(k, p);
  if (m === undefined || m.segs.length === 0) {
    if (lookup(k, p) || children(k, p)) throw new Errno("EEXIST", "mkdir", p);
    throw new Errno(children(k, p.slice(0, p.lastIndexOf("/")) || "/") ? "EPERM" : "ENOENT", "mkdir", p);
  }
  const rc = m.ops.mkdir(k, m.segs);
  if (rc < 0) throw new Errno(errnoName(rc) ?? "EINVAL", "mkdir", p);
}

/** `rmdir PATH` on a mounted filesystem. Throws Errno: ENOENT, ENOTDIR, EBUSY, EPERM outside a mount. */
export function procRmdir(k: Kernel, path: string): void {
  const p = normalize(path);
  const m = mountOf(k, p);
  if (m === undefined || m.segs.length === 0) {
    if (lookup(k, p)) throw new Errno("ENOTDIR", "rmdir", p);
    if (children(k, p)) throw new Errno(m === undefined ? "EPERM" : "EBUSY", "rmdir", p);
    throw new Errno("ENOENT", "rmdir", p);
  }
  const rc = m.ops.rmdir(k, m.segs);
  if (rc < 0) throw new Errno(errnoName(rc) ?? "EINVAL", "rmdir", p);
}

/** Adds (or replaces) a file at a fixed path. */
export function registerProcFile(k: Kernel, path: string, file: ProcFile): void {
  k.proc.files.set(normalize(path), file);
}

/**
 * Adds a file whose path has parameters in angle brackets, as `/proc/<pid>/status`. A read of
 * /proc/42/status calls `read(k, { pid: "42" })`; the file exists only for values the
 * parameter's lister (registerProcParam) returns, as /proc/<pid> exists only for live pids.
 */
export function registerProcPattern(k: Kernel, pattern: string, file: ProcFile): void {
  const patterns = k.proc.patterns;
  const segs = normalize(pattern).split("/").slice(1);
  const same = patterns.findIndex((p) => p.segs.join("/") === segs.join("/"));
  if (same >= 0) patterns[same] = { segs, file };
  else patterns.push({ segs, file });
}

/**
 * A file of every /proc/<pid>/ directory, rendered from that pid's task: one entry of base.c's
 * tgid_base_stuff table (`ONE("status", S_IRUGO, proc_pid_status)`). The route exists only for
 * live pids, so `show` always gets a task.
 * @kernel fs/proc/base.c tgid_base_stuff, pid_entry, ONE, REG
 */
export function registerPidEntry(
  k: Kernel,
  name: string,
  mode: number,
  show: (k: Kernel, t: task_struct) => string,
  write?: (k: Kernel, t: task_struct, data: string) => number,
): void {
  const task = (k: Kernel, p: ProcParams): task_struct | undefined => k.tasks.find(Number(p.pid));
  registerProcPattern(k, `/proc/<pid>/${name}`, {
    fs: "proc",
    mode,
    read: (k, p) => {
      const t = task(k, p);
      return t ? show(k, t) : "";
    },
    ...(write && {
      write: (k: Kernel, data: string, p: ProcParams): number => {
        const t = task(k, p);
        return t ? write(k, t, data) : -errnoValues.ESRCH;
      },
    }),
  });
}

/** Says which values a route parameter takes on a machine, for lookups and listings. */
export function registerProcParam(k: Kernel, name: string, list: (k: Kernel) => string[]): void {
  k.proc.params.set(name, list);
}

function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return "/" + parts.join("/");
}

function isParam(seg: string): string | undefined {
  return seg.startsWith("<") && seg.endsWith(">") ? seg.slice(1, -1) : undefined;
}

function paramValues(k: Kernel, name: string): string[] {
  return k.proc.params.get(name)?.(k) ?? [];
}

/** Matches a concrete path against the patterns: the file and its parameters, or undefined. */
function matchPattern(k: Kernel, path: string): { file: ProcFile; params: ProcParams } | undefined {
  const segs = path.split("/").slice(1);
  for (const p of k.proc.patterns) {
    if (p.segs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const name = isParam(p.segs[i]);
      if (name === undefined) ok = p.segs[i] === segs[i];
      else if (paramValues(k, name).includes(segs[i])) params[name] = segs[i];
      else ok = false;
    }
    if (ok) return { file: p.file, params };
  }
  return undefined;
}

/** The names directly under `dir` on this machine, or undefined when dir is no directory. */
function children(k: Kernel, dir: string): Set<string> | undefined {
  const m = mountOf(k, dir);
  if (m !== undefined) {
    const names = m.ops.list(k, m.segs);
    return names === undefined ? undefined : new Set(names);
  }
  const prefix = dir === "/" ? "/" : dir + "/";
  const out = new Set<string>();
  let isDir = dir === "/";
  // Mount points are directories of their parents.
  for (const at of k.proc.mounts.keys()) {
    if (!at.startsWith(prefix)) continue;
    isDir = true;
    out.add(at.slice(prefix.length).split("/")[0]);
  }
  for (const path of k.proc.files.keys()) {
    if (!path.startsWith(prefix)) continue;
    isDir = true;
    out.add(path.slice(prefix.length).split("/")[0]);
  }
  const dsegs = dir === "/" ? [] : dir.split("/").slice(1);
  for (const p of k.proc.patterns) {
    if (p.segs.length <= dsegs.length) continue;
    let ok = true;
    for (let i = 0; i < dsegs.length && ok; i++) {
      const name = isParam(p.segs[i]);
      ok = name === undefined ? p.segs[i] === dsegs[i] : paramValues(k, name).includes(dsegs[i]);
    }
    if (!ok) continue;
    const next = p.segs[dsegs.length];
    const name = isParam(next);
    const vals = name === undefined ? [next] : paramValues(k, name);
    if (vals.length) isDir = true;
    for (const v of vals) out.add(v);
  }
  return isDir ? out : undefined;
}

function lookup(k: Kernel, path: string): { file: ProcFile; params: ProcParams } | undefined {
  const m = mountOf(k, path);
  if (m !== undefined) {
    const mf = m.ops.lookup(k, m.segs);
    return mf === undefined ? undefined : { file: mf, params: {} };
  }
  const f = k.proc.files.get(path);
  if (f) return { file: f, params: {} };
  return matchPattern(k, path);
}

/**
 * What `cat PATH` prints. Throws Errno: ENOENT for a missing path, EISDIR for a directory,
 * EACCES for a file root may not read (a 0200 sysctl).
 */
export function procRead(k: Kernel, path: string): string {
  const p = normalize(path);
  const hit = lookup(k, p);
  if (!hit) {
    if (children(k, p)) throw new Errno("EISDIR", "read", p);
    throw new Errno("ENOENT", "open", p);
  }
  const { file, params } = hit;
  // root still needs the owner's read bit on sysctl and sysfs files
  if (file.fs !== "proc" && !(file.mode & 0o400)) throw new Errno("EACCES", "open", p);
  if (!file.read) throw new Errno("EACCES", "open", p);
  return file.read(k, params);
}

/**
 * `echo DATA > PATH` (one write() of the whole text). Throws Errno: ENOENT, EISDIR, EACCES for
 * a read-only sysctl or sysfs file, EIO for a procfs file without a write op, or the handler's
 * errno (EINVAL for a bad or out-of-range value).
 */
export function procWrite(k: Kernel, path: string, data: string): void {
  const p = normalize(path);
  const hit = lookup(k, p);
  if (!hit) {
    if (children(k, p)) throw new Errno("EISDIR", "open", p);
    throw new Errno("ENOENT", "open", p);
  }
  const { file, params } = hit;
  if (file.fs === "proc") {
    if (!file.write) throw new Errno("EIO", "write", p);
  } else if (!(file.mode & 0o200) || !file.write) {
    throw new Errno("EACCES", "open", p);
  }
  const rc = file.write!(k, data, params);
  if (rc < 0) {
    const code: ErrnoName = errnoName(rc) ?? "EINVAL";
    throw new Errno(code, "write", p);
  }
}

/** The entries of a directory, sorted as `ls` sorts them. Throws ENOENT or ENOTDIR. */
export function procList(k: Kernel, dir: string): string[] {
  const p = normalize(dir);
  const c = children(k, p);
  if (!c) {
    if (lookup(k, p)) throw new Errno("ENOTDIR", "opendir", p);
    throw new Errno("ENOENT", "opendir", p);
  }
  return [...c].sort((a, b) => {
    // numeric names (pids, node numbers) in numeric order, like ls -v
    const na = Number(a);
    const nb = Number(b);
    if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
