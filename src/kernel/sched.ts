/**
 * Tasks: the part of task_struct and signal_struct the memory manager reads (pid, comm,
 * credentials, the mm, fault counters, rlimits, oom_score_adj), and the task table with 6.1's
 * pid allocation: pids are handed out cyclically from the last one given, from 1 up to pid_max
 * (32768 with one CPU), and wrap around to RESERVED_PIDS (300) like idr_alloc_cyclic in alloc_pid.
 *
 * The model's pid 1 is `init`, created by the task table itself: a task with no mm of its own
 * (it stands for the kernel's init before it execs), which adopts orphans and reaps them. Boot
 * then gives kthreadd pid 2 and the kernel threads the pids after it (kthread.ts
 * boot_kthreads), so the first process a user spawns gets pid 61 on one CPU.
 * It is not in the OOM killer's sight (oom_unkillable_task: is_global_init).
 *
 * Simplified: one thread per process (tgid = pid), no scheduler state beyond running / zombie /
 * dead, no namespaces, credentials are a uid with root holding every capability.
 * @kernel include/linux/sched.h struct task_struct
 * @kernel include/linux/sched/signal.h struct signal_struct
 * @kernel kernel/pid.c alloc_pid, pid_max, RESERVED_PIDS
 * @kernel include/uapi/asm-generic/resource.h RLIMIT_*
 */
import type { cgroup } from "./cgroup/cgroup.js";
import type { mm_struct } from "../mm/mm_types.js";
import type { Kernel } from "./kernel.js";
import { files_struct, task_io_accounting } from "../fs/fs.js";
import type { task_objs } from "./task_objs.js";
import type { userfaultfd_wait_queue } from "../fs/userfaultfd.js";

/** PID_MAX_DEFAULT (0x8000); pid_idr_init keeps it at one CPU (PIDS_PER_CPU_DEFAULT = 1024). */
export const PID_MAX_DEFAULT = 0x8000;
/** Pids below this are not reused after the counter wraps. */
export const RESERVED_PIDS = 300;
/** PID_MAX_LIMIT on 64-bit: 4 * 1024 * 1024. */
export const PID_MAX_LIMIT = 4 * 1024 * 1024;
/** PIDS_PER_CPU_DEFAULT: pid_max grows by this many per possible CPU. */
export const PIDS_PER_CPU_DEFAULT = 1024;

/** OOM_SCORE_ADJ_MIN: never kill. */
export const OOM_SCORE_ADJ_MIN = -1000;
/** OOM_SCORE_ADJ_MAX. */
export const OOM_SCORE_ADJ_MAX = 1000;

// Resource limits (asm-generic/resource.h numbering).
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIM_NLIMITS = 16;
/** RLIM_INFINITY (~0UL): any value at or above 2^63 behaves as infinity in the model. */
export const RLIM_INFINITY = Number.POSITIVE_INFINITY;
/** MLOCK_LIMIT: 8 MiB since 5.16 (include/uapi/linux/resource.h). */
export const MLOCK_LIMIT = 8 * 1024 * 1024;
/** _STK_LIM: 8 MiB default stack rlimit. */
export const _STK_LIM = 8 * 1024 * 1024;

/** Task states the model distinguishes (TASK_RUNNING, EXIT_ZOMBIE, EXIT_DEAD). */
export type TaskState = "R" | "S" | "Z" | "X";

/** TIF_MEMDIE: thread_info flag of a task terminating because the OOM killer chose it. */
export const TIF_MEMDIE = 20;
/** signal->flags: a group exit (SIGKILL) is in progress. */
export const SIGNAL_GROUP_EXIT = 0x00000004;

/** PF_* task flags used by mm. */
export const PF_EXITING = 0x00000004;
export const PF_RANDOMIZE = 0x00400000;
export const PF_KTHREAD = 0x00200000;
/** personality flag: no address-space randomisation (setarch -R). @kernel include/uapi/linux/personality.h */
export const ADDR_NO_RANDOMIZE = 0x0040000;

/** struct signal_struct: per-process state shared by its threads. */
export interface signal_struct {
  /** /proc/PID/oom_score_adj, OOM_SCORE_ADJ_MIN..MAX. */
  oom_score_adj: number;
  /** The lowest value an unprivileged writer may set (raised by CAP_SYS_RESOURCE writers). */
  oom_score_adj_min: number;
  /**
   * rlim[RLIMIT_*].rlim_cur, in bytes (or counts). Plain arrays, not Float64Arrays: a typed
   * array over 64 bytes gets a buffer outside V8's heap, which costs about a microsecond to
   * make and free, and every fork makes a task.
   */
  readonly rlim_cur: number[];
  /** rlim[RLIMIT_*].rlim_max. */
  readonly rlim_max: number[];
  /** Minor and major faults of reaped children (cmin_flt, cmaj_flt). */
  cmin_flt: number;
  cmaj_flt: number;
  /** The largest RSS ever seen among this process and its reaped children (maxrss, pages). */
  maxrss: number;
  /** SIGNAL_* flags: SIGNAL_GROUP_EXIT once a fatal signal is sent. */
  flags: number;
  /** The mm the OOM killer found when it marked this process its victim (tsk_is_oom_victim). */
  oom_mm: mm_struct | null;
}

/** A task (one process here). */
export class task_struct {
  readonly pid: number;
  readonly tgid: number;
  /** Command name, at most TASK_COMM_LEN - 1 = 15 characters. */
  comm: string;
  uid: number;
  /** Its address space, or null for kernel threads and after exit_mm. */
  mm: mm_struct | null;
  flags = 0;
  /** thread_info.flags: TIF_* bits (TIF_MEMDIE). */
  thread_flags = 0;
  /** Between its syscalls a model process waits, as the real workloads sleep when sampled. */
  state: TaskState = "S";
  /** Exit status as wait() reports it ((code << 8) | signal). */
  exit_code = 0;
  /** Minor faults (no I/O) counted by the fault handler. */
  min_flt = 0;
  /** Major faults (I/O: swap-in, file read). */
  maj_flt = 0;
  /** Parent task's pid (real_parent). */
  ppid: number;
  readonly children = new Set<number>();
  readonly signal: signal_struct;
  /** Simulated ns at fork (start_time). */
  readonly start_time: number;
  /** READ_IMPLIES_EXEC personality bit (mmap of PROT_READ adds PROT_EXEC). */
  personality = 0;
  /** The signal that killed it, if any (SIGKILL = 9, SIGSEGV = 11). */
  killedBy = 0;
  /** TSK_* pressure-stall flags (kernel/psi.ts). */
  psi_flags = 0;
  /** Inside a psi_memstall_enter/leave section. */
  in_memstall = false;
  /** Sleeping in io_schedule: the sleep counts as an I/O stall. */
  in_iowait = false;
  /**
   * task_pt_regs(task)->orig_ax: the system call the task is in (its x86-64 number), -1 while
   * it runs in user mode or takes a page fault (the exception entry stores -1). The OOM report's
   * call trace and register dump show the entry it names (arch/x86/dumpstack.ts).
   */
  orig_ax = -1;
  /** Its open files (files_struct): fd → file. */
  files = new files_struct();
  /** Its I/O counters, /proc/PID/io (task_io_accounting). */
  readonly ioac = new task_io_accounting();
  /**
   * Its css_set: the cgroup it is in, null for the root (kernel/cgroup/cgroup.ts). Inherited at
   * fork, changed by a write to cgroup.procs.
   */
  cgroups: cgroup | null = null;
  /** Pages charged over memory.high since the last return to user (mem_cgroup_handle_over_high). */
  memcg_nr_pages_over_high = 0;
  /** Pages this task dirtied since its last balance_dirty_pages (current->nr_dirtied; part B throttles on it). */
  nr_dirtied = 0;
  /** How many it may dirty before the next balance_dirty_pages (nr_dirtied_pause; 32 at fork). */
  nr_dirtied_pause = 32;
  /** When balance_dirty_pages last let it go (jiffies; current->dirty_paused_when). */
  dirty_paused_when = 0;
  /** The kernel objects copy_process gave the task (kernel/fork.ts task_objs), null for tasks made without them. */
  kobj: task_objs | null = null;
  /**
   * The fault this task sleeps on in handle_userfault (fs/userfaultfd.ts), until it has retried
   * it; null otherwise. `waken` on it says a fill or UFFDIO_WAKE has woken it.
   */
  uffd_wait: userfaultfd_wait_queue | null = null;

  constructor(pid: number, comm: string, uid: number, ppid: number, mm: mm_struct | null, now: number) {
    this.pid = pid;
    this.tgid = pid;
    this.comm = comm.slice(0, 15);
    this.uid = uid;
    this.ppid = ppid;
    this.mm = mm;
    this.start_time = now;
    const rlim_cur = new Array<number>(RLIM_NLIMITS).fill(RLIM_INFINITY);
    const rlim_max = new Array<number>(RLIM_NLIMITS).fill(RLIM_INFINITY);
    rlim_cur[RLIMIT_STACK] = _STK_LIM;
    rlim_cur[RLIMIT_MEMLOCK] = MLOCK_LIMIT;
    rlim_max[RLIMIT_MEMLOCK] = MLOCK_LIMIT;
    rlim_cur[RLIMIT_CORE] = 0;
    rlim_cur[RLIMIT_NOFILE] = 1024;
    rlim_max[RLIMIT_NOFILE] = 4096;
    this.signal = {
      oom_score_adj: 0,
      oom_score_adj_min: 0,
      rlim_cur,
      rlim_max,
      cmin_flt: 0,
      cmaj_flt: 0,
      maxrss: 0,
      flags: 0,
      oom_mm: null,
    };
  }
}

/**
 * A fatal signal is pending: SIGKILL was sent (SIGNAL_GROUP_EXIT) and the task has not exited.
 * The model sends no other fatal signal to a live task.
 * @kernel include/linux/sched/signal.h fatal_signal_pending
 */
export function fatal_signal_pending(p: task_struct): boolean {
  return (p.signal.flags & SIGNAL_GROUP_EXIT) !== 0;
}

/** `current`: the task the running code acts for (k.currentPid), if it is a task of the table. @kernel arch/x86/include/asm/current.h get_current */
export function get_current(k: Kernel): task_struct | undefined {
  return k.tasks.find(k.currentPid);
}

/** rlimit(): the current soft limit. */
export function rlimit(t: task_struct, limit: number): number {
  return t.signal.rlim_cur[limit];
}

/** capable(CAP_*): root holds every capability in the model. */
export function capable(t: task_struct): boolean {
  return t.uid === 0;
}

/**
 * pid_idr_init: pid_max grows to 1024 per possible CPU beyond 32 CPUs (the boot kernel threads
 * alone take five pids per CPU), up to PID_MAX_LIMIT.
 * @kernel kernel/pid.c pid_idr_init
 */
export function pid_idr_init(tasks: TaskTable, nr_possible_cpus: number): void {
  tasks.pid_max = Math.min(PID_MAX_LIMIT, Math.max(tasks.pid_max, PIDS_PER_CPU_DEFAULT * nr_possible_cpus));
}

/** The task table: tasks by pid and the cyclic pid allocator. */
export class TaskTable {
  readonly byPid = new Map<number, task_struct>();
  /** pid_max (kernel.pid_max). */
  pid_max = PID_MAX_DEFAULT;
  /** The last pid handed out (idr_alloc_cyclic's next starts after it). */
  last_pid = 0;
  /** init (pid 1), created with the table. */
  readonly init: task_struct;

  constructor() {
    this.init = new task_struct(this.alloc_pid(), "init", 0, 0, null, 0);
    this.byPid.set(1, this.init);
  }

  /**
   * alloc_pid: the next free pid after the last one given, wrapping to RESERVED_PIDS at
   * pid_max; -1 (EAGAIN) when every pid is taken.
   */
  alloc_pid(): number {
    const min = this.last_pid === 0 ? 1 : RESERVED_PIDS;
    let pid = this.last_pid + 1;
    for (let tries = 0; tries < this.pid_max; tries++) {
      if (pid >= this.pid_max) pid = min;
      if (!this.byPid.has(pid)) {
        this.last_pid = pid;
        return pid;
      }
      pid++;
    }
    return -1;
  }

  /** find_task_by_vpid. */
  find(pid: number): task_struct | undefined {
    return this.byPid.get(pid);
  }

  /** Tasks in pid order (for_each_process walks the task list in creation order). */
  all(): task_struct[] {
    return [...this.byPid.values()];
  }
}
