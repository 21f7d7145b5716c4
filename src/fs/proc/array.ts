/**
 * /proc/PID/status, /proc/PID/stat and /proc/PID/statm, in 6.1's formats (base.ts lists them
 * among a process's files). The memory lines of status (VmPeak … VmSwap) come from task_mem and statm from
 * task_statm (fs/proc/task_mmu.c, PT's part); this file lays out everything around them.
 *
 * Worked example, w1's statm "33016 32884 163 122 0 32843 0": size = total_vm 33016 pages,
 * resident = anon + file + shmem rss, shared = file + shmem rss (162 + 1), text = the pages of
 * [start_code, end_code) = 122, lib 0, data = data_vm + stack_vm = 32843.
 *
 * Simplified: no CPU time (utime/stime are 0), one thread, no signals pending or caught except
 * SIGINT/SIGQUIT ignored as under w1's init (SigIgn 6), context-switch counts are 0, the
 * credentials are a uid (root has every capability: CapPrm 000001ffffffffff). SigQ's limit is
 * RLIMIT_SIGPENDING = max_threads / 2 with max_threads from totalram as set_max_threads does.
 * @kernel fs/proc/array.c proc_pid_status, do_task_stat, proc_pid_statm, task_state,
 *   task_cap, task_sig, render_sigset_t
 * @kernel kernel/fork.c set_max_threads
 */
import type { Kernel } from "../../kernel/kernel.js";
import { RLIMIT_RSS, type task_struct } from "../../kernel/sched.js";
import { get_mm_rss } from "../../mm/mm_types.js";
import { totalram_pages } from "../../mm/page_alloc.js";
import { task_mem, task_statm } from "./task_mmu.js";
import { PAGE_SIZE } from "../../mm/types.js";

/** task_state's letters (TASK_REPORT order): the model's idle processes sleep, as w1's does. */
function get_task_state(t: task_struct): string {
  switch (t.state) {
    case "R":
      return "R (running)";
    case "Z":
      return "Z (zombie)";
    case "X":
      return "X (dead)";
    default:
      return "S (sleeping)";
  }
}

/** %*pb of a nodemask of MAX_NUMNODES (1024) bits: 32 comma-separated 32-bit words. */
function nodemask_string(nr_nodes: number): string {
  const words: string[] = [];
  for (let w = 31; w >= 0; w--) {
    let v = 0;
    for (let b = 0; b < 32; b++) if (w * 32 + b < nr_nodes) v |= 1 << b;
    words.push((v >>> 0).toString(16).padStart(8, "0"));
  }
  return words.join(",");
}

/** proc_pid_status. */
export function proc_pid_status(k: Kernel, t: task_struct): string {
  const root = t.uid === 0;
  const ids = `${t.uid}\t${t.uid}\t${t.uid}\t${t.uid}`;
  let out = "";
  out += `Name:\t${t.comm}\n`;
  out += `Umask:\t0022\n`;
  out += `State:\t${get_task_state(t)}\n`;
  out += `Tgid:\t${t.tgid}\nNgid:\t0\nPid:\t${t.pid}\nPPid:\t${t.ppid}\nTracerPid:\t0\n`;
  out += `Uid:\t${ids}\nGid:\t${ids}\nFDSize:\t64\nGroups:\t \n`;
  out += `NStgid:\t${t.tgid}\nNSpid:\t${t.pid}\nNSpgid:\t0\nNSsid:\t0\n`;
  if (t.mm) out += task_mem(t.mm);
  out += `CoreDumping:\t0\n`;
  out += `THP_enabled:\t${t.mm ? 1 : 0}\n`;
  out += `Threads:\t1\n`;
  const max_threads = Math.floor((totalram_pages(k) * PAGE_SIZE) / (16384 * 8));
  out += `SigQ:\t0/${Math.floor(max_threads / 2)}\n`;
  out += `SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n`;
  out += `SigIgn:\t0000000000000006\nSigCgt:\t0000000000000000\n`;
  const cap = root ? "000001ffffffffff" : "0000000000000000";
  out += `CapInh:\t0000000000000000\nCapPrm:\t${cap}\nCapEff:\t${cap}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n`;
  out += `NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n`;
  out += `Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\talways enabled\n`;
  const cpus = (2 ** k.nr_cpu_ids - 1).toString(16);
  out += `Cpus_allowed:\t${cpus}\nCpus_allowed_list:\t${k.nr_cpu_ids > 1 ? `0-${k.nr_cpu_ids - 1}` : "0"}\n`;
  const nodes = Math.max(1, k.node_data.length);
  out += `Mems_allowed:\t${nodemask_string(nodes)}\nMems_allowed_list:\t${nodes > 1 ? `0-${nodes - 1}` : "0"}\n`;
  out += `voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n`;
  return out;
}

/** do_task_stat: the 52 fields of /proc/PID/stat. */
export function proc_pid_stat(k: Kernel, t: task_struct): string {
  const mm = t.mm;
  const state = get_task_state(t)[0];
  const vsize = mm ? mm.total_vm * PAGE_SIZE : 0;
  const rss = mm ? get_mm_rss(mm) : 0;
  const rsslim = t.signal.rlim_cur[RLIMIT_RSS];
  const rsslimStr = Number.isFinite(rsslim) ? String(rsslim) : "18446744073709551615";
  // start_time in clock ticks (USER_HZ = 100).
  const starttime = Math.floor(t.start_time / 1e7);
  const f: Array<string | number> = [
    t.pid,
    `(${t.comm})`,
    state,
    t.ppid,
    0, // pgrp
    0, // session
    0, // tty_nr
    -1, // tpgid
    t.flags,
    t.min_flt,
    t.signal.cmin_flt,
    t.maj_flt,
    t.signal.cmaj_flt,
    0, // utime
    0, // stime
    0, // cutime
    0, // cstime
    20, // priority
    0, // nice
    1, // num_threads
    0, // itrealvalue
    starttime,
    vsize,
    rss,
    rsslimStr,
    mm ? mm.start_code : 0,
    mm ? mm.end_code : 0,
    mm ? mm.start_stack : 0,
    0, // kstkesp
    0, // kstkeip
    0, // signal
    0, // blocked
    6, // sigignore
    0, // sigcatch
    t.state === "S" ? 1 : 0, // wchan
    0, // nswap
    0, // cnswap
    17, // exit_signal SIGCHLD
    k.cpu, // processor
    0, // rt_priority
    0, // policy
    0, // delayacct_blkio_ticks
    0, // guest_time
    0, // cguest_time
    mm ? mm.start_data : 0,
    mm ? mm.end_data : 0,
    mm ? mm.start_brk : 0,
    mm ? mm.arg_start : 0,
    mm ? mm.arg_end : 0,
    mm ? mm.env_start : 0,
    mm ? mm.env_end : 0,
    t.state === "Z" || t.state === "X" ? t.exit_code : 0,
  ];
  return f.join(" ") + "\n";
}

/** proc_pid_statm. */
export function proc_pid_statm(t: task_struct): string {
  if (!t.mm) return "0 0 0 0 0 0 0\n";
  const s = task_statm(t.mm);
  return `${s.size} ${s.resident} ${s.shared} ${s.text} 0 ${s.data} 0\n`;
}
