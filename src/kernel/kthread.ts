/**
 * Kernel threads and the simulated clock's event loop: the threads that act on memory (kswapd per
 * node, the swap device's I/O completions, the oom_reaper) register here, and run when the clock
 * passes the time they asked for or when something wakes them.
 *
 * The model runs one CPU's worth of time. A kthread runs at a scheduling point — when the current
 * task sleeps (schedule_timeout: waiting for I/O, throttled in reclaim), when it returns from a
 * page fault with a wakeup pending (cond_resched with need_resched set: 6.1's wakeup preemption
 * lets a just-woken kswapd onto the CPU within about a millisecond), or when the machine's clock
 * is advanced between a program's steps. What a kthread does costs simulated time, which it adds
 * to the clock itself, so the task it preempted finishes later, as on a single CPU.
 *
 * Every kernel thread 6.1 starts at boot is a task with a pid, as in the kernel: kthreadd is pid
 * 2 and the rest follow in the order Debian's 6.1 creates them (boot_kthreads), so kswapd0 is
 * pid 38 on one CPU, as in the real capture, and the first user process is pid 61. The model
 * runs only some of them (kswapd, the oom_reaper, the swap completion worker); the others are
 * tasks that sleep for ever, there so the pids and /proc match.
 *
 * Simplified: no run queues or priorities between kthreads (they run in registration order when
 * due), no preemption of a kthread by a task, no per-CPU kthreads that do work. Workqueue
 * workers (kworker/…) come and go with the load in the kernel; the model creates the ones the
 * one-CPU capture shows and, for more CPUs and nodes, the ones the two-CPU and two-node
 * captures add, at fixed places, so their pids (and the later ones') can differ from a real
 * boot's by the few workers that timing moves (see boot_kthreads).
 * @kernel kernel/kthread.c kthread_run, kthreadd
 * @kernel init/main.c rest_init
 * @kernel kernel/time/timer.c schedule_timeout
 * @kernel kernel/sched/core.c __cond_resched, wake_up_process
 */
import type { Kernel } from "./kernel.js";
import { enter_lazy_tlb, switch_mm_irqs_off } from "../arch/x86/tlb.js";
import { CLONE_FILES, CLONE_FS, copy_process_objects, SIGCHLD } from "./task_objs.js";
import { totalram_pages } from "../mm/page_alloc.js";
import { global_zone_page_state } from "../mm/vmstat.js";
import { NR_FREE_PAGES } from "../mm/vmstat_items.js";
import { PF_KTHREAD, task_struct } from "./sched.js";

/** A kernel thread: when it next wants the CPU, and what it does then. */
export interface kthread {
  /** The thread's comm and pid, for trace and log context ("kswapd0"); kthread_run sets the pid. */
  readonly comm: string;
  pid: number;
  /** The simulated time at which it next wants to run (Infinity: asleep until woken). */
  next_ns(k: Kernel): number;
  /** Runs one turn. May advance k.now_ns by the work it does. */
  run(k: Kernel): void;
  /**
   * Interrupt-time work (a block device's completion handler): it runs as soon as its time has
   * come, whatever the CPU is doing — even inside reclaim — and takes no simulated time.
   */
  readonly irq?: boolean;
  /**
   * task_struct->on_cpu: set while the thread is in the middle of a turn, so a scheduling point
   * inside its own work does not re-enter it. kthread_run initialises it, so every kthread has
   * the field from boot on and the objects keep one shape.
   */
  on_cpu?: boolean;
}

/**
 * Starts a kernel thread on this machine: it runs as the boot task of its name (boot_kthreads
 * made them all, in 6.1's order), or as a new task with the next pid when boot made none.
 * @kernel kernel/kthread.c kthread_run
 */
export function kthread_run(k: Kernel, t: kthread): void {
  t.on_cpu = false;
  let task: task_struct | undefined;
  for (const x of k.tasks.byPid.values()) {
    if (x.flags & PF_KTHREAD && x.comm === t.comm) {
      task = x;
      break;
    }
  }
  t.pid = (task ?? kthread_create(k, t.comm)).pid;
  k.kthreads.push(t);
}

/**
 * A kernel thread's task: a child of kthreadd (pid 2) with no mm, PF_KTHREAD, the next pid.
 * @kernel kernel/kthread.c kthread_create_on_node, kernel/fork.c kernel_thread
 */
export function kthread_create(k: Kernel, comm: string): task_struct {
  const pid = k.tasks.alloc_pid();
  const t = new task_struct(pid, comm, 0, pid === KTHREADD_PID ? 0 : KTHREADD_PID, null, k.now_ns);
  t.flags |= PF_KTHREAD;
  // kernel_thread(…, CLONE_FS | CLONE_FILES | SIGCHLD): kthreads share kthreadd's files and fs.
  // Simplified: on a machine whose CPU count leaves too little memory for every per-CPU
  // thread's stack and objects (sim/config.ts admits 512 CPUs on 208M), the threads made once
  // less than an eighth of memory is free get none; a real boot would run out there.
  if (global_zone_page_state(k, NR_FREE_PAGES) > totalram_pages(k) / 8) copy_process_objects(k, t, CLONE_FS | CLONE_FILES | SIGCHLD);
  k.tasks.byPid.set(pid, t);
  return t;
}

/** kthreadd, the parent of every kernel thread: pid 2, created by rest_init right after init. */
export const KTHREADD_PID = 2;

/** A task that ran and exited during boot (a usermode helper, a short-lived worker): only its pid is used. */
const EXITED = "";

/**
 * The kernel threads 6.1 starts at boot, in order, with EXITED for each pid a task used and
 * gave back before user space started: the one-CPU list is Debian's 6.1.192 under QEMU at
 * 512 MiB (test/realkernel/data/wk/tasks) entry for entry. Each further CPU adds its hotplug,
 * migration, softirq and worker threads at smp_init and two workers later (wk-smp2); each
 * further node its kcompactd and kswapd next to node 0's and an unbound worker of its own
 * (wk-numa2); khugepaged follows ksmd when THP is on at boot. The unbound workqueue pool's
 * number U is 2 per CPU (the per-CPU normal and highpri pools come first).
 * @kernel init/main.c rest_init, kernel_init_freeable, do_initcalls
 * @kernel kernel/smpboot.c smpboot_register_percpu_thread; kernel/workqueue.c create_worker
 */
export function boot_kthread_names(nr_cpus: number, nr_nodes: number, thp: boolean): string[] {
  const U = 2 * nr_cpus;
  const each = (n: number, f: (i: number) => string[]): string[] => Array.from({ length: n }, (_, i) => f(i)).flat();
  const cpus = (from: number, f: (c: number) => string[]): string[] => each(Math.max(0, nr_cpus - from), (i) => f(i + from));
  const nodes = (from: number, f: (n: number) => string[]): string[] => each(Math.max(0, nr_nodes - from), (i) => f(i + from));
  return [
    "kthreadd",
    "rcu_gp",
    "rcu_par_gp",
    "slub_flushwq",
    "netns",
    "kworker/0:0",
    "kworker/0:0H",
    ...nodes(1, (n) => [`kworker/u${U + n}:0`]),
    `kworker/u${U}:0`,
    "mm_percpu_wq",
    "rcu_tasks_kthread",
    "rcu_tasks_rude_kthread",
    "rcu_tasks_trace_kthread",
    "ksoftirqd/0",
    "rcu_preempt",
    "migration/0",
    "kworker/0:1",
    "cpuhp/0",
    // smp_init: each secondary CPU's threads
    ...cpus(1, (c) => [`cpuhp/${c}`, `migration/${c}`, `ksoftirqd/${c}`, `kworker/${c}:0`, `kworker/${c}:0H`]),
    ...nodes(1, (n) => [`kworker/u${U + nr_nodes + n - 1}:0`]),
    EXITED,
    ...nodes(1, () => [EXITED]),
    "kdevtmpfs",
    "inet_frag_wq",
    "kauditd",
    "khungtaskd",
    `kworker/u${U}:1`,
    "oom_reaper",
    "writeback",
    `kworker/u${U}:2`,
    ...nodes(0, (n) => [`kcompactd${n}`]),
    "ksmd",
    ...cpus(1, (c) => [`kworker/${c}:1`]),
    ...(thp ? ["khugepaged"] : []),
    "kintegrityd",
    "kblockd",
    "blkcg_punt_bio",
    "tpm_dev_wq",
    "edac-poller",
    "devfreq_wq",
    "quota_events_un",
    "kworker/0:1H",
    ...nodes(0, (n) => [`kswapd${n}`]),
    EXITED,
    EXITED,
    EXITED,
    EXITED,
    EXITED,
    "kthrotld",
    EXITED,
    "acpi_thermal_pm",
    "kworker/0:2",
    "mld",
    ...cpus(1, (c) => [`kworker/${c}:1H`]),
    "ipv6_addrconf",
    EXITED,
    EXITED,
    EXITED,
    EXITED,
    "kstrp",
    EXITED,
    EXITED,
    EXITED,
    EXITED,
    "zswap-shrink",
    `kworker/u${U + nr_nodes}:0`,
  ];
}

/**
 * Creates the boot kernel threads' tasks (boot_kthread_names), pid 2 onwards, after init (pid 1).
 * @kernel init/main.c rest_init
 */
export function boot_kthreads(k: Kernel, nr_cpus: number, nr_nodes: number, thp: boolean): void {
  for (const comm of boot_kthread_names(nr_cpus, nr_nodes, thp)) {
    if (comm === EXITED) k.tasks.alloc_pid();
    else kthread_create(k, comm);
  }
}

/** The CPU kernel threads run on (kswapd, kcompactd, khugepaged, the flusher, the OOM reaper). */
export const KTHREAD_CPU = 0;

/**
 * Runs `t` with the current-task context switched to it, on CPU KTHREAD_CPU. A kernel thread
 * has no mm: it runs lazily over the mm that CPU last loaded (enter_lazy_tlb), which keeps its
 * bit in that mm's mask. When the kthread interrupted a task's quantum on that CPU, the switch
 * back to the task loads its mm again (switch_mm_irqs_off: from lazy mode with prev == next,
 * flushing only if a flush went by; from init_mm if a flush of freed tables dropped it).
 * @kernel kernel/sched/core.c context_switch
 * @kernel arch/x86/mm/tlb.c enter_lazy_tlb
 */
function run_one(k: Kernel, t: kthread): void {
  const pid = k.currentPid;
  const comm = k.currentComm;
  const cpu = k.cpu;
  const interrupted = k.kthread_interrupted_pid;
  const outer = k.in_kthread === 0;
  if (outer) {
    k.kthread_interrupted_pid = pid;
    k.cpu = KTHREAD_CPU;
    enter_lazy_tlb(k);
  }
  k.currentPid = t.pid;
  k.currentComm = t.comm;
  k.in_kthread++;
  try {
    t.run(k);
  } finally {
    k.in_kthread--;
    k.kthread_interrupted_pid = interrupted;
    k.currentPid = pid;
    k.currentComm = comm;
    if (outer) {
      // Back to the task whose quantum on this CPU the kthread interrupted: its mm again.
      if (cpu === KTHREAD_CPU && k.tlb.quantum_cpu === KTHREAD_CPU) {
        const mm = k.tasks.find(pid)?.mm ?? null;
        if (mm !== null && (k.tlb.is_lazy[cpu] !== 0 || k.tlb.loaded_mm[cpu] !== mm)) switch_mm_irqs_off(k, mm);
      }
      k.cpu = cpu;
    }
  }
}

/**
 * Runs, in time order, every kthread event due up to `until`, moving the clock to each as it
 * goes; the clock ends at `until` (or later, if the last kthread's work ran past it).
 * A kthread already running (a nested scheduling point inside its own work) is not re-entered.
 */
export function run_kthreads_until(k: Kernel, until: number): void {
  // A flag on each kthread rather than a Set of running ones: this loop runs once per swap I/O
  // completion and kswapd turn (~500k times in the thrash benchmark), and V8 shrinks a Set's
  // table with a runtime call each time a delete empties it, which cost ~20% of a thrash.
  // Bounded: each turn either runs a kthread whose time has come (which moves its next_ns on)
  // or stops; the guard catches a kthread that keeps asking for "now" without making progress.
  for (let guard = 0; guard < 1_000_000; guard++) {
    let best: kthread | null = null;
    let bestNs = Infinity;
    for (const t of k.kthreads) {
      if (t.on_cpu === true) continue;
      const ns = t.next_ns(k);
      if (ns < bestNs) {
        bestNs = ns;
        best = t;
      }
    }
    // Events that fell due while an earlier kthread's work moved the clock run too.
    if (best === null || bestNs > Math.max(until, k.now_ns)) break;
    if (bestNs > k.now_ns) k.now_ns = bestNs;
    best.on_cpu = true;
    try {
      run_one(k, best);
    } finally {
      best.on_cpu = false;
    }
  }
  if (k.now_ns < until) k.now_ns = until;
}

/**
 * Completion interrupts: runs the interrupt-time work (irq kthreads) due by now. Called as
 * simulated time passes inside long kernel work (reclaim), where no scheduling point comes, so
 * that I/O submitted earlier completes while the CPU is busy, as it does on real hardware.
 */
export function run_irqs(k: Kernel): void {
  for (const t of k.kthreads) {
    if (t.irq !== true || t.on_cpu === true) continue;
    if (t.next_ns(k) > k.now_ns) continue;
    t.on_cpu = true;
    try {
      t.run(k);
    } finally {
      t.on_cpu = false;
    }
  }
}

/**
 * The current task sleeps for `ns` (I/O wait, reclaim throttling): the clock moves on and the
 * kthreads due meanwhile run. Returns the time actually slept.
 * @kernel kernel/time/timer.c schedule_timeout
 */
export function schedule_timeout(k: Kernel, ns: number): number {
  const start = k.now_ns;
  run_kthreads_until(k, start + Math.max(0, ns));
  return k.now_ns - start;
}

/**
 * The scheduler tick's test, made at a voluntary scheduling point inside long kernel work (the
 * allocator's reclaim retries): a kernel thread whose turn has come while the task kept the CPU
 * — woken but made to wait for its fair share (kswapd's fair_at), or still runnable after a turn
 * that left its node unbalanced — is owed the CPU, so need_resched is set and the cond_resched
 * that follows runs it.
 * @kernel kernel/sched/fair.c check_preempt_tick
 */
export function check_preempt_tick(k: Kernel): void {
  for (const t of k.kthreads) {
    if (t.irq === true || t.on_cpu === true) continue;
    if (t.next_ns(k) <= k.now_ns) {
      k.need_resched = true;
      return;
    }
  }
}

/**
 * A scheduling point on the way back to user space: if a wakeup asked for the CPU, the woken
 * kthreads run now.
 * @kernel kernel/sched/core.c __cond_resched
 */
export function cond_resched(k: Kernel): void {
  if (!k.need_resched) return;
  k.need_resched = false;
  run_kthreads_until(k, k.now_ns);
}
