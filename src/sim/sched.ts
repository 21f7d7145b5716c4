/**
 * The deterministic scheduler programs run on: one run queue ordered by (ready time, then the
 * order the entities were created), one CPU, the simulated clock.
 *
 * The chosen entity runs one quantum — whatever its owner's `run` callback does: one step of a
 * program, or up to one time slice of a long touch (src/sim/cost.ts) — and the clock advances by
 * what that work cost. An entity that has just run has the latest ready time, so busy ones take
 * turns round-robin, as CFS would give two CPU-bound tasks alternate slices; a sleeping one is
 * ready again when its sleep ends; if every one sleeps the clock jumps forward (the CPU idles).
 * Every clock move goes through Machine.advance, so kernel threads get their turn at the same
 * points.
 *
 * Around each quantum the scheduler does what the kernel's context switch does for the model:
 * the task becomes `current` (trace lines and log messages name it), and pressure stall
 * accounting sees it enqueued and on the CPU, then off the CPU — asleep if it now waits, sleeps
 * or has finished its program (a program holding its memory in pause()). An entity whose process
 * does not exist yet runs its quantum as init (pid 1), which forks it, as a shell would.
 *
 * CPU placement (opt-in): an entity may name its CPU (`cpu`, default 0). During its quanta that
 * CPU is smp_processor_id() (k.cpu: its per-CPU lists, counters and stocks are that CPU's), and
 * the quantum starts with context_switch's switch_mm_irqs_off, which loads its mm there (mask
 * bits, and a flush when the CPU held another mm or a stale copy of this one: arch/x86/tlb.ts).
 * The CPU keeps that mm loaded until another task runs there or a flush IPI of freed page tables
 * finds it lazy. Kernel threads run on CPU 0 (kernel/kthread.ts), lazily over whatever mm CPU 0
 * last loaded. Between quanta k.cpu is 0 again.
 *
 * Simplified: one run queue and one clock: entities on different CPUs still take turns, never
 * run at the same simulated instant (a CPU is only where a task's work is accounted and its
 * translations live); no migration between CPUs; no preemption inside a quantum; no priorities
 * or nice values.
 * @kernel kernel/sched/fair.c sched_slice (the time slice the quanta approximate)
 * @kernel kernel/sched/core.c context_switch (current, switch_mm_irqs_off, and psi_sched_switch around it)
 */
import { psi_enqueue, psi_task_switch, TSK_ONCPU, TSK_RUNNING } from "../kernel/psi.js";
import { switch_mm_irqs_off } from "../arch/x86/tlb.js";
import { kernelOf, type Machine } from "./machine.js";
import { taskOf, type Process } from "./process.js";

/** What the scheduler runs: its owner keeps these fields up to date between quanta. */
export interface Runnable {
  /** Simulated time (ns since boot) from which it may run. */
  readyAt: number;
  /** Creation order, set by `add`: of two entities ready at once the older runs first. */
  order: number;
  /** Finished: never picked again. */
  done: boolean;
  /** Set while it waits for something else (the name of what, for messages): not picked. */
  waitingFor?: string;
  /** The process it drives, once it exists (null before its first quantum creates it). */
  proc: Process | null;
  /** The CPU its quanta run on (default 0). */
  cpu?: number;
}

export class Scheduler<T extends Runnable> {
  /** Every entity, in creation order. */
  readonly entities: T[] = [];
  private nextOrder = 0;
  /**
   * Called before every move of the clock the scheduler makes (the owner's callback, not state:
   * a snapshot leaves it out). It may read the machine, never change it.
   */
  beforeSpend: ((now: number) => void) | undefined = undefined;

  constructor(private readonly m: Machine) {}

  /** Adds an entity to the run queue; it runs once its readyAt has come. */
  add(e: T): T {
    e.order = this.nextOrder++;
    this.entities.push(e);
    return e;
  }

  /** The entity to run next: the earliest ready, the oldest of a tie; null when none can run. */
  pickNext(): T | null {
    let next: T | null = null;
    for (const e of this.entities) {
      if (e.done || e.waitingFor !== undefined) continue;
      if (!next || e.readyAt < next.readyAt || (e.readyAt === next.readyAt && e.order < next.order)) next = e;
    }
    return next;
  }

  /** Lets simulated time pass (kernel threads run meanwhile). */
  spend(ns: number): void {
    if (ns > 0) {
      this.beforeSpend?.(this.m.now);
      this.m.advance(ns);
    }
  }

  /** Idles the CPU until `e` is ready, but never past `limitNs`; false when the limit is reached. */
  idleUntilReady(e: T, limitNs: number): boolean {
    const now = this.m.now;
    if (e.readyAt > now) this.spend(Math.min(e.readyAt, limitNs) - now);
    return this.m.now < limitNs;
  }

  /**
   * Runs one quantum of `e`: switches its task in (pressure accounting, `current`), calls `run`,
   * and switches it out, asleep unless it is ready to run again at once. An exception from `run`
   * (a kernel panic) propagates with the task still on the CPU, as a halted machine leaves it.
   */
  runQuantum(e: T, run: () => void): void {
    const k = kernelOf(this.m);
    const task = e.proc?.alive ? taskOf(e.proc) : null;
    k.cpu = e.cpu ?? 0;
    k.tlb.quantum_cpu = k.cpu;
    if (task) {
      // context_switch: the task's mm is loaded on its CPU (a no-op when it already is).
      if (task.mm !== null) switch_mm_irqs_off(k, task.mm);
      // The picked task wakes if it slept (sleep, wait) and is on the CPU for its quantum.
      if (!(task.psi_flags & TSK_RUNNING)) psi_enqueue(k, task, true);
      psi_task_switch(k, null, task, false);
      k.currentPid = task.pid;
      k.currentComm = task.comm;
    } else if (e.proc === null) {
      // Not started yet: init runs, to fork and exec it.
      k.currentPid = k.tasks.init.pid;
      k.currentComm = k.tasks.init.comm;
    }
    run();
    if (task && task.psi_flags & TSK_ONCPU) psi_task_switch(k, task, null, e.done || e.waitingFor !== undefined || e.readyAt > k.now_ns);
    k.cpu = 0;
    k.tlb.quantum_cpu = -1;
  }
}
