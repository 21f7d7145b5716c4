import { describe, expect, it } from "vitest";
import { Kernel } from "./kernel.js";
import { cond_resched, kthread_run, run_irqs, run_kthreads_until, schedule_timeout, type kthread } from "./kthread.js";

/** A kthread that wants the CPU at the times in `at`, records when it ran, and works `cost` ns. */
function timed(name: string, at: number[], log: string[], cost = 0, irq = false): kthread {
  return {
    comm: name,
    pid: 0,
    irq,
    next_ns: () => (at.length ? at[0] : Infinity),
    run: (k) => {
      log.push(`${name}@${k.now_ns}`);
      at.shift();
      k.now_ns += cost;
    },
  };
}

describe("kernel threads on the simulated clock", () => {
  it("runs due kthreads in time order as the clock advances, and ends at the target time", () => {
    const k = new Kernel(1);
    const log: string[] = [];
    kthread_run(k, timed("a", [300, 900], log));
    kthread_run(k, timed("b", [100, 500], log));
    run_kthreads_until(k, 600);
    expect(log).toEqual(["b@100", "a@300", "b@500"]);
    expect(k.now_ns).toBe(600);
    run_kthreads_until(k, 1000);
    expect(log).toEqual(["b@100", "a@300", "b@500", "a@900"]);
  });

  it("lets a kthread's work move the clock, and runs what fell due meanwhile", () => {
    const k = new Kernel(1);
    const log: string[] = [];
    kthread_run(k, timed("slow", [10], log, 1000));
    kthread_run(k, timed("late", [500], log));
    run_kthreads_until(k, 20);
    // slow ran at 10 and worked until 1010: late, due at 500, runs then.
    expect(log).toEqual(["slow@10", "late@1010"]);
    expect(k.now_ns).toBe(1010);
  });

  it("schedule_timeout sleeps the caller and returns the time that passed", () => {
    const k = new Kernel(1);
    const log: string[] = [];
    kthread_run(k, timed("io", [50], log, 0, true));
    expect(schedule_timeout(k, 200)).toBe(200);
    expect(log).toEqual(["io@50"]);
  });

  it("cond_resched runs woken kthreads only when need_resched is set", () => {
    const k = new Kernel(1);
    const log: string[] = [];
    const now: number[] = [0];
    kthread_run(k, timed("kswapd", now, log));
    k.now_ns = 5;
    cond_resched(k);
    expect(log).toEqual([]);
    k.need_resched = true;
    cond_resched(k);
    expect(log).toEqual(["kswapd@5"]);
    expect(k.need_resched).toBe(false);
  });

  it("run_irqs runs only interrupt-time work that is due, leaving other kthreads for a scheduling point", () => {
    const k = new Kernel(1);
    const log: string[] = [];
    kthread_run(k, timed("kswapd", [0], log));
    kthread_run(k, timed("io", [10, 30], log, 0, true));
    k.now_ns = 20;
    run_irqs(k);
    expect(log).toEqual(["io@20"]);
  });

  it("does not re-enter a kthread from a scheduling point inside its own work", () => {
    const k = new Kernel(1);
    let depth = 0;
    let maxDepth = 0;
    let runs = 0;
    kthread_run(k, {
      comm: "self",
      pid: 0,
      next_ns: () => (runs < 3 ? k.now_ns : Infinity),
      run: (kk) => {
        runs++;
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        schedule_timeout(kk, 10); // sleeps inside its turn: must not run itself again
        depth--;
      },
    });
    run_kthreads_until(k, 0);
    expect(maxDepth).toBe(1);
    expect(runs).toBe(3);
  });
});
