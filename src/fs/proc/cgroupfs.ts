/**
 * cgroupfs: the cgroup v2 hierarchy mounted at /sys/fs/cgroup, as kernfs shows it. Each cgroup
 * is a directory of its core files (cgroup_base_files) and, when its parent enables the memory
 * controller for it, the memory controller's (memory_files, swap_files); the root has the few
 * memory files that are not CFTYPE_NOT_ON_ROOT. mkdir and rmdir make and remove cgroups. The
 * files' handlers live with their kernel code (kernel/cgroup/cgroup.ts, mm/memcontrol.ts); this
 * file wires them, as fs/proc/init.ts does for /proc.
 *
 * Simplified: the core files modelled are cgroup.procs, cgroup.threads (the same list: one
 * thread per process), cgroup.type, cgroup.controllers, cgroup.subtree_control, cgroup.events
 * cgroup.stat and the pressure files (io, memory, cpu: each group's own psi_group); not
 * cgroup.max.*, cgroup.freeze, cgroup.kill, cgroup.pressure, irq.pressure (no
 * CONFIG_IRQ_TIME_ACCOUNTING) or cpu.stat; of the memory files, not the zswap files.
 * @kernel kernel/cgroup/cgroup.c cgroup_base_files, cgroup_mkdir, cgroup_rmdir, cgroup_addrm_files
 * @kernel mm/memcontrol.c memory_files, swap_files
 */
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import {
  type cgroup,
  cgroup_controllers_show,
  cgroup_events_show,
  cgroup_lookup,
  cgroup_mkdir,
  cgroup_procs_show,
  cgroup_procs_write,
  cgroup_rmdir,
  cgroup_stat_show,
  cgroup_subtree_control_show,
  cgroup_subtree_control_write,
} from "../../kernel/cgroup/cgroup.js";
import { PSI_CPU, PSI_IO, PSI_MEM, psi_show, psi_write } from "../../kernel/psi.js";
import {
  type mem_cgroup,
  memory_current_read,
  memory_events_show,
  memory_high_write,
  memory_low_write,
  memory_max_write,
  memory_min_write,
  memory_oom_group_show,
  memory_oom_group_write,
  memory_peak_read,
  memory_reclaim,
  memory_stat_format,
  memory_numa_stat_show,
  memory_tunable_show,
  swap_current_read,
  swap_events_show,
  swap_high_write,
  swap_max_write,
} from "../../mm/memcontrol.js";
import { type ProcFile, registerProcMount } from "./root.js";

/** Where cgroup2 is mounted. */
export const CGROUP_MOUNT = "/sys/fs/cgroup";

interface cftype {
  readonly name: string;
  readonly mode: number;
  /** CFTYPE_NOT_ON_ROOT / CFTYPE_ONLY_ON_ROOT. */
  readonly where: "all" | "not_root" | "root";
  /** Needs the memory css. */
  readonly memory: boolean;
  readonly read: (k: Kernel, cg: cgroup, memcg: mem_cgroup) => string;
  readonly write?: (k: Kernel, cg: cgroup, memcg: mem_cgroup, data: string) => number;
}

const cftypes: readonly cftype[] = Object.freeze([
  Object.freeze<cftype>({ name: "cgroup.type", mode: 0o644, where: "not_root", memory: false, read: () => "domain\n", write: (_k, _c, _m, d) => (d.trim() === "threaded" ? -errnoValues.EOPNOTSUPP : -errnoValues.EINVAL) }),
  Object.freeze<cftype>({ name: "cgroup.procs", mode: 0o644, where: "all", memory: false, read: (k, cg) => cgroup_procs_show(k, cg), write: (k, cg, _m, d) => cgroup_procs_write(k, cg, d) }),
  Object.freeze<cftype>({ name: "cgroup.threads", mode: 0o644, where: "all", memory: false, read: (k, cg) => cgroup_procs_show(k, cg), write: (k, cg, _m, d) => cgroup_procs_write(k, cg, d) }),
  Object.freeze<cftype>({ name: "cgroup.controllers", mode: 0o444, where: "all", memory: false, read: (_k, cg) => cgroup_controllers_show(cg) }),
  Object.freeze<cftype>({ name: "cgroup.subtree_control", mode: 0o644, where: "all", memory: false, read: (_k, cg) => cgroup_subtree_control_show(cg), write: (k, cg, _m, d) => cgroup_subtree_control_write(k, cg, d) }),
  Object.freeze<cftype>({ name: "cgroup.events", mode: 0o444, where: "not_root", memory: false, read: (_k, cg) => cgroup_events_show(cg) }),
  Object.freeze<cftype>({ name: "cgroup.stat", mode: 0o444, where: "all", memory: false, read: (_k, cg) => cgroup_stat_show(cg) }),
  // cgroup_base_files' pressure files, the group's psi_group (the root's is psi_system, as
  // /proc/pressure/*). They are core files: every cgroup has them, memory controller or not.
  Object.freeze<cftype>({ name: "io.pressure", mode: 0o644, where: "all", memory: false, read: (k, cg) => psi_show(k, PSI_IO, cg.psi), write: (_k, _c, _m, d) => psi_write(d, true) }),
  Object.freeze<cftype>({ name: "memory.pressure", mode: 0o644, where: "all", memory: false, read: (k, cg) => psi_show(k, PSI_MEM, cg.psi), write: (_k, _c, _m, d) => psi_write(d, true) }),
  Object.freeze<cftype>({ name: "cpu.pressure", mode: 0o644, where: "all", memory: false, read: (k, cg) => psi_show(k, PSI_CPU, cg.psi), write: (_k, _c, _m, d) => psi_write(d, true) }),
  Object.freeze<cftype>({ name: "memory.current", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => memory_current_read(m) }),
  Object.freeze<cftype>({ name: "memory.min", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "min"), write: (_k, _c, m, d) => memory_min_write(m, d) }),
  Object.freeze<cftype>({ name: "memory.low", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "low"), write: (_k, _c, m, d) => memory_low_write(m, d) }),
  Object.freeze<cftype>({ name: "memory.high", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "high"), write: (k, _c, m, d) => memory_high_write(k, m, d) }),
  Object.freeze<cftype>({ name: "memory.max", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "max"), write: (k, _c, m, d) => memory_max_write(k, m, d) }),
  Object.freeze<cftype>({ name: "memory.events", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => memory_events_show(m, false) }),
  Object.freeze<cftype>({ name: "memory.events.local", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => memory_events_show(m, true) }),
  Object.freeze<cftype>({ name: "memory.stat", mode: 0o444, where: "all", memory: true, read: (k, _c, m) => memory_stat_format(k, m) }),
  Object.freeze<cftype>({ name: "memory.numa_stat", mode: 0o444, where: "all", memory: true, read: (k, _c, m) => memory_numa_stat_show(k, m) }),
  Object.freeze<cftype>({ name: "memory.oom.group", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_oom_group_show(m), write: (_k, _c, m, d) => memory_oom_group_write(m, d) }),
  Object.freeze<cftype>({ name: "memory.reclaim", mode: 0o200, where: "all", memory: true, read: () => "", write: (k, _c, m, d) => memory_reclaim(k, m, d) }),
  Object.freeze<cftype>({ name: "memory.peak", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => memory_peak_read(m) }),
  Object.freeze<cftype>({ name: "memory.swap.current", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => swap_current_read(m) }),
  Object.freeze<cftype>({ name: "memory.swap.high", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "swap.high"), write: (_k, _c, m, d) => swap_high_write(m, d) }),
  Object.freeze<cftype>({ name: "memory.swap.max", mode: 0o644, where: "not_root", memory: true, read: (_k, _c, m) => memory_tunable_show(m, "swap.max"), write: (_k, _c, m, d) => swap_max_write(m, d) }),
  Object.freeze<cftype>({ name: "memory.swap.events", mode: 0o444, where: "not_root", memory: true, read: (_k, _c, m) => swap_events_show(m) }),
] satisfies cftype[]);

/** The files a cgroup has: the core ones, the memory ones when it has a memory css. */
function cgroup_files(cg: cgroup): cftype[] {
  const root = cg.parent === null;
  return cftypes.filter((c) => (c.where === "all" || (c.where === "root") === root) && (!c.memory || root || cg.memcg !== null));
}

function live_children(cg: cgroup): cgroup[] {
  return cg.children.filter((c) => !c.dying);
}

function dir_of(k: Kernel, segs: readonly string[]): cgroup | undefined {
  const cg = cgroup_lookup(k, segs);
  return cg === undefined || cg.dying ? undefined : cg;
}

function cgroupfs_lookup(k: Kernel, segs: readonly string[]): ProcFile | undefined {
  if (segs.length === 0) return undefined;
  const cg = dir_of(k, segs.slice(0, -1));
  if (cg === undefined) return undefined;
  const name = segs[segs.length - 1];
  const c = cgroup_files(cg).find((f) => f.name === name);
  if (c === undefined) return undefined;
  const memcgOf = (kk: Kernel): mem_cgroup => cg.memcg ?? kk.memcg.root_mem_cgroup;
  const write = c.write;
  return {
    fs: "sysfs",
    mode: c.mode,
    read: (kk) => c.read(kk, cg, memcgOf(kk)),
    ...(write && { write: (kk: Kernel, data: string) => (cg.dying ? -errnoValues.ENODEV : write(kk, cg, memcgOf(kk), data)) }),
  };
}

function cgroupfs_list(k: Kernel, segs: readonly string[]): string[] | undefined {
  const cg = dir_of(k, segs);
  if (cg === undefined) return undefined;
  return [...cgroup_files(cg).map((c) => c.name), ...live_children(cg).map((c) => c.name)];
}

function cgroupfs_mkdir(k: Kernel, segs: readonly string[]): number {
  const parent = dir_of(k, segs.slice(0, -1));
  if (parent === undefined) return -errnoValues.ENOENT;
  return cgroup_mkdir(k, parent, segs[segs.length - 1]);
}

function cgroupfs_rmdir(k: Kernel, segs: readonly string[]): number {
  const cg = dir_of(k, segs);
  if (cg === undefined) return cgroupfs_lookup(k, segs) !== undefined ? -errnoValues.ENOTDIR : -errnoValues.ENOENT;
  return cgroup_rmdir(k, cg);
}

/**
 * Mounts cgroup2 at /sys/fs/cgroup (the model's init does it at boot, as systemd does).
 * @kernel kernel/cgroup/cgroup.c cgroup_init
 */
export function cgroupfs_init(k: Kernel): void {
  registerProcMount(k, CGROUP_MOUNT, { lookup: cgroupfs_lookup, list: cgroupfs_list, mkdir: cgroupfs_mkdir, rmdir: cgroupfs_rmdir });
}
