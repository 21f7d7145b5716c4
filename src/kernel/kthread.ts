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
 * Simplified: no run queues or priorities between kthreads (they run in registration order when
 * due), no preemption of a kthread by a task, no per-CPU kthreads.
 * @kernel kernel/kthread.c kthread_run
 * @kernel kernel/time/timer.c schedule_timeout
 * @kernel kernel/sched/core.c __cond_resched, wake_up_process
 */
import type { Kernel } from "./kernel.js";

/** A kernel thread: when it next wants the CPU, and what it does then. */
export interface kthread {
  /** The thread's comm and pid, for trace and log context ("kswapd0"). */
  readonly comm: string;
  readonly pid: number;
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

/** Starts a kernel thread on this machine. @kernel kernel/kthread.c kthread_run */
export function kthread_run(k: Kernel, t: kthread): void {
  t.on_cpu = false;
  k.kthreads.push(t);
}

/** Runs `t` with the current-task context switched to it. */
function run_one(k: Kernel, t: kthread): void {
  const pid = k.currentPid;
  const comm = k.currentComm;
  k.currentPid = t.pid;
  k.currentComm = t.comm;
  k.in_kthread++;
  try {
    t.run(k);
  } finally {
    k.in_kthread--;
    k.currentPid = pid;
    k.currentComm = comm;
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
 * A scheduling point on the way back to user space: if a wakeup asked for the CPU, the woken
 * kthreads run now.
 * @kernel kernel/sched/core.c __cond_resched
 */
export function cond_resched(k: Kernel): void {
  if (!k.need_resched) return;
  k.need_resched = false;
  run_kthreads_until(k, k.now_ns);
}
