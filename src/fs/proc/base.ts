/**
 * The files of every /proc/<pid>/ directory: base.c's tgid_base_stuff table, each entry a name,
 * a mode and the function that renders it from the process's task (the renderers live where the
 * kernel keeps them: status, stat and statm in array.ts, maps and smaps in task_mmu.ts,
 * oom_score and oom_score_adj here). proc_root_init registers the table at boot as a route
 * that exists only for live pids.
 * @kernel fs/proc/base.c tgid_base_stuff, proc_oom_score, oom_score_adj_read,
 *   oom_score_adj_write, __set_oom_adj
 */
import { proc_cgroup_show } from "../../kernel/cgroup/cgroup.js";
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, type task_struct } from "../../kernel/sched.js";
import { kstrtoint } from "../../lib/kstrtox.js";
import { LONG_MIN, oom_badness } from "../../mm/oom_kill.js";
import { totalram_pages } from "../../mm/page_alloc.js";
import { proc_pid_stat, proc_pid_statm, proc_pid_status } from "./array.js";
import { proc_pid_maps, proc_pid_smaps, proc_pid_smaps_rollup } from "./task_mmu.js";

/** One file of /proc/<pid>/: ONE(name, mode, show) or REG(name, mode, fops). @kernel fs/proc/base.c struct pid_entry */
export interface pid_entry {
  readonly name: string;
  readonly mode: number;
  readonly show: (k: Kernel, t: task_struct) => string;
  /** A write handler: 0 or a negative errno. */
  readonly write?: (k: Kernel, t: task_struct, data: string) => number;
}

/**
 * /proc/PID/oom_score: badness against totalram + swap, scaled into 0..2000 (0 for unkillable).
 * w3a: memA (1000 + 36405 * 1000 / 52688) * 2 / 3 = (1000 + 690) * 2 / 3 = 1126.
 * @kernel fs/proc/base.c proc_oom_score
 */
export function proc_oom_score(k: Kernel, task: task_struct): number {
  const totalpages = totalram_pages(k) + k.total_swap_pages;
  const badness = oom_badness(k, task, totalpages);
  if (badness === LONG_MIN) return 0;
  return Math.trunc(((1000 + Math.trunc((badness * 1000) / totalpages)) * 2) / 3);
}

/**
 * oom_score_adj_write: parse the first 12 bytes (PROC_NUMBUF - 1) with kstrtoint after
 * stripping whitespace, check OOM_SCORE_ADJ_MIN..MAX (EINVAL), then __set_oom_adj: lowering it
 * below oom_score_adj_min needs CAP_SYS_RESOURCE (EACCES); a privileged writer also moves the
 * minimum. Returns 0 or a negative errno.
 */
export function oom_score_adj_write(k: Kernel, t: task_struct, data: string, writerPrivileged: boolean): number {
  const buffer = data.slice(0, 12).trim();
  const v = kstrtoint(buffer);
  if (typeof v !== "number") return v.err;
  if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) return -errnoValues.EINVAL;
  if (v < t.signal.oom_score_adj_min && !writerPrivileged) return -errnoValues.EACCES;
  t.signal.oom_score_adj = v;
  if (writerPrivileged) t.signal.oom_score_adj_min = v;
  if (k.trace.enabled("oom_score_adj_update")) {
    k.trace.emit("oom_score_adj_update", { pid: t.pid, comm: t.comm, oom_score_adj: v }, `pid=${t.pid} comm=${t.comm} oom_score_adj=${v}`);
  }
  return 0;
}

/**
 * /proc/PID/io: the task's I/O counters (the model's processes are single-threaded, so the
 * task's are the thread group's).
 * @kernel fs/proc/base.c do_io_accounting
 */
export function proc_pid_io_accounting(t: task_struct): string {
  const a = t.ioac;
  return `rchar: ${a.rchar}\nwchar: ${a.wchar}\nsyscr: ${a.syscr}\nsyscw: ${a.syscw}\nread_bytes: ${a.read_bytes}\nwrite_bytes: ${a.write_bytes}\ncancelled_write_bytes: ${a.cancelled_write_bytes}\n`;
}

/**
 * The memory-related part of tgid_base_stuff, in the kernel's order. Writes to oom_score_adj
 * through /proc come from the machine's operator, a root shell (CAP_SYS_RESOURCE).
 * @kernel fs/proc/base.c tgid_base_stuff
 */
export const tgid_base_stuff: readonly pid_entry[] = Object.freeze([
  Object.freeze({ name: "status", mode: 0o444, show: proc_pid_status }),
  Object.freeze({ name: "maps", mode: 0o444, show: proc_pid_maps }),
  Object.freeze({ name: "smaps", mode: 0o444, show: proc_pid_smaps }),
  Object.freeze({ name: "smaps_rollup", mode: 0o444, show: proc_pid_smaps_rollup }),
  Object.freeze({ name: "stat", mode: 0o444, show: proc_pid_stat }),
  Object.freeze({ name: "statm", mode: 0o444, show: (_k: Kernel, t: task_struct) => proc_pid_statm(t) }),
  Object.freeze({ name: "cgroup", mode: 0o444, show: proc_cgroup_show }),
  Object.freeze({ name: "oom_score", mode: 0o444, show: (k: Kernel, t: task_struct) => `${proc_oom_score(k, t)}\n` }),
  Object.freeze({ name: "io", mode: 0o400, show: (_k: Kernel, t: task_struct) => proc_pid_io_accounting(t) }),
  Object.freeze({
    name: "oom_score_adj",
    mode: 0o644,
    show: (_k: Kernel, t: task_struct) => `${t.signal.oom_score_adj}\n`,
    write: (k: Kernel, t: task_struct, d: string) => oom_score_adj_write(k, t, d, true),
  }),
]);
