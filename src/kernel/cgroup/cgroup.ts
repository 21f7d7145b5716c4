/**
 * The cgroup v2 hierarchy, as far as the memory controller needs it: the tree under
 * /sys/fs/cgroup (mkdir, rmdir), which cgroup each task is in, moving a task by writing its pid
 * to cgroup.procs, enabling the memory controller for a cgroup's children through
 * cgroup.subtree_control, the no-internal-process rule, cgroup.events' populated, cgroup.stat's
 * descendants, and /proc/PID/cgroup.
 *
 * A css_set is a set of css pointers shared by the tasks with the same cgroups; with one
 * hierarchy and one controller it is simply the task's cgroup, which the task holds
 * (`t.cgroups`, null standing for the root). A cgroup's memory css is its mem_cgroup, made when
 * its parent's subtree_control gains `memory` (or at mkdir under such a parent) and taken
 * offline at rmdir; a memcg outlives its cgroup as a zombie while pages still charge it
 * (mm/memcontrol.ts).
 *
 * Simplified: one hierarchy, one controller (`memory`: cgroup.controllers lists only it); no
 * threaded cgroups (cgroup.type is always `domain`), no freezer, no cgroup.kill, no delegation
 * or permissions (the writer is root), no namespaces (paths are from the root), no
 * max.descendants/max.depth limits (both read `max`).
 * @kernel kernel/cgroup/cgroup.c cgroup_mkdir, cgroup_rmdir, cgroup_destroy_locked,
 *   cgroup_procs_write, cgroup_attach_task, cgroup_migrate_vet_dst, cgroup_subtree_control_write,
 *   cgroup_controllers_show, cgroup_events_show, cgroup_stat_show, proc_cgroup_show,
 *   cgroup_post_fork, cgroup_exit, cgroup_path_ns
 * @kernel kernel/sched/psi.c cgroup_move_task
 */
import { errnoValues } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { lru_gen_migrate_mm } from "../../mm/lru_gen.js";
import type { task_struct } from "../sched.js";
import { psi_cgroup_alloc, psi_task_change, type psi_group } from "../psi.js";
import {
  mem_cgroup,
  mem_cgroup_css_alloc,
  mem_cgroup_css_offline,
  mem_cgroup_css_online,
} from "../../mm/memcontrol.js";

/** The controllers the model has: bit 0 is memory (memory_cgrp_id). */
export const CGRP_SS_MEMORY = 1;
/** Names of the controllers, by bit. */
export const cgroup_subsys_name: readonly string[] = Object.freeze(["memory"]);

/** Bounds on the tree the model keeps (the kernel's are memory and the memcg id space). */
export const CGROUP_MAX_NAME = 255;

/** @kernel include/linux/cgroup-defs.h struct cgroup */
export class cgroup {
  readonly children: cgroup[] = [];
  /** Controllers enabled for the children (cgroup.subtree_control), CGRP_SS_* bits. */
  subtree_control = 0;
  /** Tasks whose css_set is this cgroup (the sum of its csets' task counts). */
  nr_procs = 0;
  /** Descendants whose subtree has a task: cgroup.events populated is nr_procs + this > 0. */
  nr_populated_children = 0;
  /** Removed by rmdir (CSS_DYING); it stays reachable from a zombie memcg until released. */
  dying = false;
  /** Its memory css, or null when its parent does not enable memory for it. */
  memcg: mem_cgroup | null = null;
  /** Its pressure group (psi_cgroup_alloc at mkdir); null for the root, whose is psi_system. */
  psi: psi_group | null = null;
  readonly level: number;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly parent: cgroup | null,
  ) {
    this.level = parent === null ? 0 : parent.level + 1;
  }
}

/** The hierarchy of one machine (cgrp_dfl_root). */
export class cgroup_root {
  readonly cgrp = new cgroup(1, "", null);
  /** The last cgroup id handed out (ids are never reused, as kernfs node ids are not). */
  last_id = 1;
  /** Live (not removed) cgroups other than the root. */
  nr_cgrps = 0;
  /** Removed cgroups whose memcg is still a zombie, by parent (cgroup.stat nr_dying_descendants). */
  nr_dying = 0;
  /**
   * The memory_recursiveprot mount option (CGRP_ROOT_MEMORY_RECURSIVE_PROT): off, as the
   * real-kernel harness mounts cgroup2 (`mount -t cgroup2 cgroup2 /sys/fs/cgroup`); systemd turns
   * it on.
   */
  memory_recursiveprot = false;
}

/** The cgroup a task is in (task_dfl_cgroup). */
export function task_dfl_cgroup(k: Kernel, t: task_struct): cgroup {
  return t.cgroups ?? k.cgroup.cgrp;
}

/** The path of a cgroup from the root, `/` for the root. @kernel kernel/cgroup/cgroup.c cgroup_path_ns */
export function cgroup_path(cg: cgroup): string {
  if (cg.parent === null) return "/";
  let p = "";
  for (let c: cgroup | null = cg; c !== null && c.parent !== null; c = c.parent) p = "/" + c.name + p;
  return p;
}

/** The cgroup at a path relative to /sys/fs/cgroup (segments), or undefined. */
export function cgroup_lookup(k: Kernel, segs: readonly string[]): cgroup | undefined {
  let c = k.cgroup.cgrp;
  for (const s of segs) {
    const n = c.children.find((x) => x.name === s);
    if (n === undefined) return undefined;
    c = n;
  }
  return c;
}

/** Controllers available to a cgroup: its parent's subtree_control (all, for the root). */
export function cgroup_control(cg: cgroup): number {
  return cg.parent === null ? CGRP_SS_MEMORY : cg.parent.subtree_control;
}

function populated(cg: cgroup): boolean {
  return cg.nr_procs + cg.nr_populated_children > 0;
}

/** Changes a cgroup's own task count, keeping its ancestors' populated counts (cgroup_update_populated). */
function cgroup_update_populated(cg: cgroup, delta: number): void {
  const was = populated(cg);
  cg.nr_procs += delta;
  if (populated(cg) === was) return;
  const change = was ? -1 : 1;
  for (let c = cg; c.parent !== null; c = c.parent) {
    const p = c.parent;
    const pWas = populated(p);
    p.nr_populated_children += change;
    if (populated(p) === pWas) break;
  }
}

/**
 * The child inherits its parent's css_set at fork. @kernel kernel/cgroup/cgroup.c cgroup_post_fork
 */
export function cgroup_post_fork(k: Kernel, parent: task_struct, child: task_struct): void {
  child.cgroups = parent.cgroups;
  if (child.cgroups !== null) cgroup_update_populated(child.cgroups, 1);
  void k;
}

/** The task leaves its css_set at exit. @kernel kernel/cgroup/cgroup.c cgroup_exit */
export function cgroup_exit(k: Kernel, t: task_struct): void {
  if (t.cgroups !== null) cgroup_update_populated(t.cgroups, -1);
  t.cgroups = null;
  void k;
}

/**
 * May tasks be moved into dst? Not into a cgroup that enables controllers for its children
 * (the no-internal-process rule), except the root.
 * @kernel kernel/cgroup/cgroup.c cgroup_migrate_vet_dst
 */
export function cgroup_migrate_vet_dst(dst: cgroup): number {
  if (dst.parent === null) return 0;
  if (dst.subtree_control !== 0) return -errnoValues.EBUSY;
  return 0;
}

/**
 * Moves a task into dst. Its pages stay charged where they are (v2 does not move charges); its
 * mm, if it owns one, moves to dst's memcg's multi-gen LRU mm list.
 * @kernel kernel/cgroup/cgroup.c cgroup_attach_task
 * @kernel mm/memcontrol.c mem_cgroup_attach
 */
export function cgroup_attach_task(k: Kernel, dst: cgroup, t: task_struct): number {
  const err = cgroup_migrate_vet_dst(dst);
  if (err !== 0) return err;
  const src = task_dfl_cgroup(k, t);
  if (src === dst) return 0;
  if (t.cgroups !== null) cgroup_update_populated(t.cgroups, -1);
  // cgroup_move_task: the task's pressure flags leave the old groups and enter the new ones.
  const task_flags = t.psi_flags;
  if (task_flags) psi_task_change(k, t, task_flags, 0);
  t.cgroups = dst.parent === null ? null : dst;
  if (task_flags) psi_task_change(k, t, 0, task_flags);
  if (t.cgroups !== null) cgroup_update_populated(t.cgroups, 1);
  // mem_cgroup_attach: the owner's mm moves to its new memcg's multi-gen LRU mm list
  if (t.mm !== null && t.mm.owner === t.pid) lru_gen_migrate_mm(k, t.mm);
  return 0;
}

/**
 * `echo PID > cgroup.procs`: a pid that is no task is ESRCH, a kernel thread EINVAL; 0 means
 * the writer itself, which the model does not have (EINVAL).
 * @kernel kernel/cgroup/cgroup.c cgroup_procs_write, __cgroup_procs_write, cgroup_procs_write_start
 */
export function cgroup_procs_write(k: Kernel, dst: cgroup, buf: string): number {
  const s = buf.trim();
  if (!/^\+?[0-9]+$/.test(s)) return -errnoValues.EINVAL;
  const pid = Number(s.replace("+", ""));
  if (pid === 0 || !Number.isSafeInteger(pid)) return -errnoValues.EINVAL;
  const t = k.tasks.find(pid);
  if (t === undefined || t.state === "X") return -errnoValues.ESRCH;
  // PF_KTHREAD tasks cannot be moved out of the root.
  if (t.mm === null) return -errnoValues.EINVAL;
  return cgroup_attach_task(k, dst, t);
}

/** The pids of the tasks in a cgroup, as cgroup.procs lists them (pid order in the model). @kernel kernel/cgroup/cgroup.c cgroup_procs_show */
export function cgroup_procs_show(k: Kernel, cg: cgroup): string {
  let out = "";
  for (const t of k.tasks.byPid.values()) {
    if (t.pid === 1 && cg.parent === null) continue; // the model's init is no process of the guest's
    if (t.state !== "X" && task_dfl_cgroup(k, t) === cg && (t.mm !== null || cg.parent === null)) out += `${t.pid}\n`;
  }
  return out;
}

function ss_mask_show(mask: number): string {
  const names: string[] = [];
  for (let i = 0; i < cgroup_subsys_name.length; i++) if (mask & (1 << i)) names.push(cgroup_subsys_name[i]);
  return names.length ? names.join(" ") + "\n" : "\n";
}

/** @kernel kernel/cgroup/cgroup.c cgroup_controllers_show */
export function cgroup_controllers_show(cg: cgroup): string {
  return ss_mask_show(cgroup_control(cg));
}

/** @kernel kernel/cgroup/cgroup.c cgroup_subtree_control_show */
export function cgroup_subtree_control_show(cg: cgroup): string {
  return ss_mask_show(cg.subtree_control);
}

/** @kernel kernel/cgroup/cgroup.c cgroup_events_show */
export function cgroup_events_show(cg: cgroup): string {
  return `populated ${populated(cg) ? 1 : 0}\nfrozen 0\n`;
}

/** @kernel kernel/cgroup/cgroup.c cgroup_stat_show */
export function cgroup_stat_show(cg: cgroup): string {
  let live = 0;
  let dying = 0;
  const walk = (c: cgroup): void => {
    for (const ch of c.children) {
      if (ch.dying) dying++;
      else live++;
      walk(ch);
    }
  };
  walk(cg);
  return `nr_descendants ${live}\nnr_dying_descendants ${dying}\n`;
}

/** Makes the memory css of a cgroup whose parent now enables memory for it. */
function css_create_memory(k: Kernel, cg: cgroup): number {
  const parentMemcg = cg.parent === null ? null : nearest_memcg(k, cg.parent);
  const memcg = mem_cgroup_css_alloc(k, cg, parentMemcg);
  if (memcg === null) return -errnoValues.ENOSPC;
  cg.memcg = memcg;
  mem_cgroup_css_online(k, memcg);
  return 0;
}

/** The memcg charging a cgroup's tasks: its own, else its nearest ancestor's (the root's at last). */
export function nearest_memcg(k: Kernel, cg: cgroup): mem_cgroup {
  for (let c: cgroup | null = cg; c !== null; c = c.parent) if (c.memcg !== null) return c.memcg;
  return k.memcg.root_mem_cgroup;
}

/**
 * `+memory` / `-memory` (space separated, each once): enabling needs the controller in this
 * cgroup's own controllers (ENOENT), no tasks in a non-root cgroup (EBUSY, the no-internal-process
 * rule); disabling needs no child that enables it further down (EBUSY). An unknown name is EINVAL.
 * @kernel kernel/cgroup/cgroup.c cgroup_subtree_control_write, cgroup_vet_subtree_control_enable
 */
export function cgroup_subtree_control_write(k: Kernel, cg: cgroup, buf: string): number {
  let enable = 0;
  let disable = 0;
  for (const tok of buf.trim().split(/\s+/)) {
    if (tok === "") continue;
    const i = cgroup_subsys_name.indexOf(tok.slice(1));
    if (i < 0 || (tok[0] !== "+" && tok[0] !== "-")) return -errnoValues.EINVAL;
    if (tok[0] === "+") {
      enable |= 1 << i;
      disable &= ~(1 << i);
    } else {
      disable |= 1 << i;
      enable &= ~(1 << i);
    }
  }
  enable &= ~cg.subtree_control;
  disable &= cg.subtree_control;
  if (!enable && !disable) return 0;
  if (enable & ~cgroup_control(cg)) return -errnoValues.ENOENT;
  if (enable && cg.parent !== null && cg.nr_procs > 0) return -errnoValues.EBUSY;
  if (disable) for (const ch of cg.children) if (!ch.dying && ch.subtree_control & disable) return -errnoValues.EBUSY;
  if (enable & CGRP_SS_MEMORY) {
    cg.subtree_control |= CGRP_SS_MEMORY;
    for (const ch of cg.children) {
      if (ch.dying || ch.memcg !== null) continue;
      const err = css_create_memory(k, ch);
      if (err !== 0) return err;
    }
  }
  if (disable & CGRP_SS_MEMORY) {
    cg.subtree_control &= ~CGRP_SS_MEMORY;
    for (const ch of cg.children) {
      if (ch.dying || ch.memcg === null) continue;
      mem_cgroup_css_offline(k, ch.memcg);
      ch.memcg = null;
    }
  }
  return 0;
}

/** Names kernfs refuses: empty, `.`, `..`, with a `/` or a newline, or too long. */
function bad_name(name: string): boolean {
  return name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\n") || name.length > CGROUP_MAX_NAME;
}

/**
 * mkdir under a cgroup: EEXIST for a name taken, the child's memory css made when the parent
 * enables memory for its children.
 * @kernel kernel/cgroup/cgroup.c cgroup_mkdir, cgroup_create
 */
export function cgroup_mkdir(k: Kernel, parent: cgroup, name: string): number {
  if (bad_name(name)) return -errnoValues.EINVAL;
  if (parent.children.some((c) => c.name === name && !c.dying)) return -errnoValues.EEXIST;
  // A file of the parent with this name also takes it.
  if (name.startsWith("cgroup.") || name.startsWith("memory.")) return -errnoValues.EEXIST;
  const root = k.cgroup;
  const cg = new cgroup(++root.last_id, name, parent);
  // psi_cgroup_alloc (cgroup_create): the group's pressure, its parent's group above it
  cg.psi = psi_cgroup_alloc(k, parent.psi);
  if (parent.subtree_control & CGRP_SS_MEMORY) {
    const err = css_create_memory(k, cg);
    if (err !== 0) return err;
  }
  parent.children.push(cg);
  root.nr_cgrps++;
  return 0;
}

/**
 * rmdir: EBUSY while the cgroup has tasks or live children. The cgroup goes; its memcg is taken
 * offline and lingers as a zombie while pages still charge it.
 * @kernel kernel/cgroup/cgroup.c cgroup_rmdir, cgroup_destroy_locked
 */
export function cgroup_rmdir(k: Kernel, cg: cgroup): number {
  if (cg.parent === null) return -errnoValues.EBUSY;
  if (populated(cg)) return -errnoValues.EBUSY;
  if (cg.children.some((c) => !c.dying)) return -errnoValues.EBUSY;
  cg.dying = true;
  k.cgroup.nr_cgrps--;
  if (cg.memcg !== null) {
    mem_cgroup_css_offline(k, cg.memcg);
    // Still charged: the memcg (and so the dying cgroup) stays until its last page goes.
    if (cg.memcg.released) cgroup_release(k, cg);
    else k.cgroup.nr_dying++;
  } else {
    cgroup_release(k, cg);
  }
  return 0;
}

/** The last reference to a removed cgroup went: it leaves its parent's list. @kernel kernel/cgroup/cgroup.c css_release_work_fn */
export function cgroup_release(k: Kernel, cg: cgroup): void {
  const p = cg.parent;
  if (p === null) return;
  const i = p.children.indexOf(cg);
  if (i >= 0) p.children.splice(i, 1);
  void k;
}

/** A dying cgroup's zombie memcg was freed. */
export function cgroup_zombie_released(k: Kernel, cg: cgroup): void {
  if (!cg.dying) return;
  k.cgroup.nr_dying--;
  cgroup_release(k, cg);
}

/** `0::/path`: the v2 line of /proc/PID/cgroup. @kernel kernel/cgroup/cgroup.c proc_cgroup_show */
export function proc_cgroup_show(k: Kernel, t: task_struct): string {
  return `0::${cgroup_path(task_dfl_cgroup(k, t))}\n`;
}
