import { kernel_clone } from "./fork.js";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Kernel } from "./kernel.js";
import { task_struct } from "./sched.js";
import {
  calc_load,
  calc_load_n,
  EXP_10s,
  EXP_300s,
  EXP_60s,
  FIXED_1,
  fixed_power_int,
  PSI_CPU,
  PSI_IO,
  PSI_MEM,
  psi_dequeue,
  psi_enqueue,
  psi_memstall_enter,
  psi_memstall_leave,
  psi_period,
  psi_show,
  psi_system,
  psi_task_change,
  psi_task_switch,
  psi_write,
  TSK_IOWAIT,
  TSK_MEMSTALL,
  TSK_MEMSTALL_RUNNING,
  TSK_ONCPU,
  TSK_RUNNING,
} from "./psi.js";
import { Machine } from "../sim/machine.js";
import { runScenario } from "../workload/runner.js";
import { parseScenario } from "../workload/parse.js";
import { kernelOf, taskOf } from "../api/internals.js";

const MS = 1e6;
const S = 1e9;

/** A bare kernel (psi needs only the clock, the task table and the log) with one task. */
function setup(nr_cpus = 1): { k: Kernel; t: task_struct } {
  const k = new Kernel(1);
  k.nr_cpu_ids = nr_cpus;
  const t = new task_struct(2, "stall", 0, 1, null, 0);
  k.tasks.byPid.set(2, t);
  k.currentPid = 2;
  return { k, t };
}

/** The numbers of one line of a pressure file. */
function line(text: string, which: "some" | "full"): { avg10: string; avg60: string; avg300: string; total: number } {
  const m = new RegExp(`^${which} avg10=(\\S+) avg60=(\\S+) avg300=(\\S+) total=(\\d+)$`, "m").exec(text);
  if (!m) throw new Error(`no ${which} line in ${text}`);
  return { avg10: m[1], avg60: m[2], avg300: m[3], total: Number(m[4]) };
}

/** LOAD_INT.LOAD_FRAC of a fixed-point average. */
function pct(x: number): string {
  return `${Math.floor(x / FIXED_1)}.${String(Math.floor(((x % FIXED_1) * 100) / FIXED_1)).padStart(2, "0")}`;
}

describe("fixed-point averaging (loadavg.h, loadavg.c)", () => {
  it("calc_load rounds up when rising and down when falling", () => {
    // 100% into an empty avg10: (0*1677 + 204800*(2048-1677) + 2047) / 2048 = 37100.99 -> 37100
    expect(calc_load(0, EXP_10s, 100 * FIXED_1)).toBe(37100);
    // falling: 37100*1677/2048 = 30379.1 -> 30379
    expect(calc_load(37100, EXP_10s, 0)).toBe(30379);
  });

  it("fixed_power_int squares with rounding; calc_load_n decays n periods at once", () => {
    expect(fixed_power_int(EXP_10s, 11, 0)).toBe(2048);
    expect(fixed_power_int(EXP_10s, 11, 1)).toBe(1677);
    // 1677^2 = 2812329; (2812329 + 1024) >> 11 = 1373
    expect(fixed_power_int(EXP_10s, 11, 2)).toBe(1373);
    // 37100 * 1373 / 2048 = 24872.2 -> 24872
    expect(calc_load_n(37100, EXP_10s, 0, 2)).toBe(24872);
  });
});

describe("/proc/pressure text (psi_show)", () => {
  it("an idle machine shows zeroes in the exact format of a real 6.1 capture", () => {
    const m = Machine.boot({ memory: "256M" });
    m.advance("30s");
    const want = readFileSync(new URL("../../test/realkernel/data/w0/pressure/memory", import.meta.url), "utf8");
    expect(m.read("/proc/pressure/memory")).toBe(want);
    expect(m.read("/proc/pressure/io")).toBe(want);
    expect(m.read("/proc/pressure/cpu")).toBe(want);
    expect(m.list("/proc/pressure").sort()).toEqual(["cpu", "io", "memory"]);
  });

  it("accepts valid triggers and rejects bad ones as psi_trigger_create does", () => {
    expect(psi_write("some 150000 1000000", true)).toBe(0);
    expect(psi_write("full 50000 2000000\n", false)).toBe(0);
    expect(psi_write("some 150000 1000000", false)).toBe(-22); // unprivileged: 2 s multiples only
    expect(psi_write("some 150000 400000", true)).toBe(-22); // window below 500 ms
    expect(psi_write("some 0 1000000", true)).toBe(-22); // no threshold
    expect(psi_write("some 2000000 1000000", true)).toBe(-22); // threshold above the window
    expect(psi_write("avg 1 1000000", true)).toBe(-22);
    const m = Machine.boot({ memory: "256M" });
    m.write("/proc/pressure/memory", "some 150000 1000000");
    expect(() => m.write("/proc/pressure/memory", "bogus")).toThrow(/EINVAL/);
  });
});

describe("memory stalls", () => {
  it("a task stalled from boot: avg10 18.11 after the first period, 32.94 after the second, total exact", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false); // arms the averaging work: jiffy 0 + 501, rounded up to 504 (2.016 s)
    psi_task_switch(k, null, t, false);
    const flags = psi_memstall_enter(k);
    expect(t.psi_flags).toBe(TSK_RUNNING | TSK_ONCPU | TSK_MEMSTALL | TSK_MEMSTALL_RUNNING);
    // The first sample at 2.016 s: 2.016 s stalled of a 2.016 s period = 100%.
    // avg10 = 37100 = 18.11, avg60 = (204800*67 + 2047)/2048 = 6700 = 3.27, avg300 = 1400 = 0.68
    k.now_ns = 2016 * MS;
    let text = psi_show(k, PSI_MEM);
    expect(text).toBe(
      "some avg10=18.11 avg60=3.27 avg300=0.68 total=2016000\n" + "full avg10=18.11 avg60=3.27 avg300=0.68 total=2016000\n",
    );
    // The work re-armed for nsecs_to_jiffies(4.008 s - 2.016 s) + 1 = 499 jiffies: jiffy 1003,
    // rounded up to 1008 (4.032 s). avg10 = (37100*1677 + 204800*371 + 2047)/2048 = 67480 = 32.94
    k.now_ns = 4032 * MS;
    text = psi_show(k, PSI_MEM);
    expect(line(text, "some").avg10).toBe("32.94");
    expect(line(text, "some").total).toBe(4032000);
    // Between samples a read folds the total but leaves the averages alone.
    k.now_ns = 5000 * MS;
    text = psi_show(k, PSI_MEM);
    expect(line(text, "some")).toEqual({ avg10: "32.94", avg60: line(text, "some").avg60, avg300: line(text, "some").avg300, total: 5000000 });
    psi_memstall_leave(k, flags);
    expect(t.psi_flags).toBe(TSK_RUNNING | TSK_ONCPU);
    k.now_ns = 20 * S;
    expect(line(psi_show(k, PSI_MEM), "some").total).toBe(5000000);
  });

  it("the first sample waits for the timer wheel's 8-jiffy bucket (2.016 s, not 2.004 s)", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    const f = psi_memstall_enter(k);
    k.now_ns = 2010 * MS;
    psi_memstall_leave(k, f);
    // Sampled at 2.016 s: 2.010 of 2.016 s = 99.7% -> 99; avg10 = (99*2048*371 + 2047)/2048 = 36729
    // = 17.93. Sampled at 2.004 s it would have been 100% and 18.11.
    k.now_ns = 2100 * MS;
    expect(line(psi_show(k, PSI_MEM), "some").avg10).toBe("17.93");
  });

  it("a stall longer than the u32 buckets hold (4.29 s) still totals exactly", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    const f = psi_memstall_enter(k);
    k.now_ns = 20 * S + 123456;
    psi_memstall_leave(k, f);
    k.now_ns = 21 * S;
    expect(line(psi_show(k, PSI_MEM), "full").total).toBe(20000123);
  });

  it("nested memstall sections count once", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    const outer = psi_memstall_enter(k);
    k.now_ns = 100 * MS;
    const inner = psi_memstall_enter(k);
    expect(inner).toBe(1);
    k.now_ns = 200 * MS;
    psi_memstall_leave(k, inner);
    expect(t.in_memstall).toBe(true);
    k.now_ns = 300 * MS;
    psi_memstall_leave(k, outer);
    k.now_ns = 1 * S;
    expect(line(psi_show(k, PSI_MEM), "some").total).toBe(300000);
    expect(k.log.records.length).toBe(0); // no psi bug reports
  });

  it("stalled half of every 8 ms: each sample is exactly 50%, and avg10 follows calc_load by hand", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    // Samples fall on 8-jiffy (32 ms) timer-wheel boundaries, so each period holds whole 8 ms cycles.
    let flags = 0;
    const show: string[] = [];
    for (let ms = 0; ms < 60000; ms += 4) {
      k.now_ns = ms * MS;
      if (ms % 8 === 0) flags = psi_memstall_enter(k);
      else psi_memstall_leave(k, flags);
      if (ms % 10000 === 0) show.push(psi_show(k, PSI_MEM));
    }
    k.now_ns = 60 * S;
    psi_memstall_leave(k, flags);
    const text = psi_show(k, PSI_MEM);
    expect(line(text, "some").total).toBe(30000000); // 30 s of 60 s, to the microsecond
    // Full as well: the only running task is the stalled one.
    expect(line(text, "full").total).toBe(30000000);
    // Samples so far: work at 2.016 s and then once per 2.004 s on average; count them and apply
    // a_{n+1} = calc_load(a_n, EXP, 50 * FIXED_1) that many times.
    const g = psi_system(k);
    const samples = Math.round((g.avg_next_update - psi_period) / psi_period);
    let a10 = 0;
    let a60 = 0;
    let a300 = 0;
    for (let i = 0; i < samples; i++) {
      a10 = calc_load(a10, EXP_10s, 50 * FIXED_1);
      a60 = calc_load(a60, EXP_60s, 50 * FIXED_1);
      a300 = calc_load(a300, EXP_300s, 50 * FIXED_1);
    }
    expect(samples).toBe(29);
    expect(line(text, "some")).toEqual({ avg10: pct(a10), avg60: pct(a60), avg300: pct(a300), total: 30000000 });
    // 29 samples of 50% from zero: 50 * (1 - (1677/2048)^29) = 49.84, which the recurrence gives too
    expect(line(text, "some").avg10).toBe("49.84");
  });

  it("stalled 1 s of every 2 s: avg10 converges to the stalled share (49-51% as samples straddle)", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    for (let s = 0; s < 120; s += 2) {
      k.now_ns = s * S;
      const f = psi_memstall_enter(k);
      k.now_ns = (s + 1) * S;
      psi_memstall_leave(k, f);
    }
    k.now_ns = 120 * S;
    const some = line(psi_show(k, PSI_MEM), "some");
    expect(some.total).toBe(60000000);
    expect(Number(some.avg10)).toBeGreaterThanOrEqual(45);
    expect(Number(some.avg10)).toBeLessThanOrEqual(55);
    // avg60 after 120 s of 50%: 50 * (1 - (1981/2048)^~60) = 43.4 ± sampling
    expect(Number(some.avg60)).toBeGreaterThan(40);
    expect(Number(some.avg60)).toBeLessThan(47);
  });

  it("an idle spell stops the clock; the next sample decays the averages over the missed periods", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    const f = psi_memstall_enter(k);
    k.now_ns = 2016 * MS;
    expect(line(psi_show(k, PSI_MEM), "some").avg10).toBe("18.11");
    psi_memstall_leave(k, f);
    psi_task_switch(k, t, null, true); // the task sleeps: nothing is non-idle now
    expect(t.psi_flags).toBe(0);
    // The work at 4.032 s sees no busy task and stops. It sampled 0% for 2.016..4.032:
    // avg10 = 37100*1677/2048 = 30379 (14.83).
    k.now_ns = 30 * S;
    // A read at 30 s: avg_next_update was 6.012 s; missed = floor((30 - 6.012) / 2.004) = 11,
    // so 11 zero periods (calc_load_n) and one zero sample: 30379 -> decayed 12 times.
    let want = calc_load_n(30379, EXP_10s, 0, 11);
    want = calc_load(want, EXP_10s, 0);
    expect(line(psi_show(k, PSI_MEM), "some")).toMatchObject({ avg10: pct(want), total: 2016000 });
  });

  it("full needs every running task stalled; a second runnable task makes it some-only", () => {
    const { k, t } = setup();
    const u = new task_struct(3, "busy", 0, 1, null, 0);
    k.tasks.byPid.set(3, u);
    psi_enqueue(k, t, false);
    psi_enqueue(k, u, false);
    psi_task_switch(k, null, t, false);
    const f = psi_memstall_enter(k);
    k.now_ns = 1 * S;
    // t leaves the CPU still stalled (preempted, not sleeping); u runs productively.
    psi_task_switch(k, t, u, false);
    k.now_ns = 3 * S;
    psi_task_switch(k, u, t, false);
    psi_memstall_leave(k, f);
    const text = psi_show(k, PSI_MEM);
    expect(line(text, "some").total).toBe(3000000);
    // full: 0..1 s only (t on the CPU reclaiming while u waits still counts as full: in_memstall oncpu)
    expect(line(text, "full").total).toBe(1000000);
    // CPU some: two runnable tasks, one CPU, the whole 3 s
    expect(line(psi_show(k, PSI_CPU), "some").total).toBe(3000000);
    expect(line(psi_show(k, PSI_CPU), "full").total).toBe(0); // undefined system-wide
  });

  it("kernel threads count like any task; only pid 0 is never accounted", () => {
    const { k } = setup();
    k.currentPid = 0; // swapper context (the model's kernel threads until they are tasks)
    const f = psi_memstall_enter(k);
    k.now_ns = 5 * S;
    psi_memstall_leave(k, f);
    expect(line(psi_show(k, PSI_MEM), "some").total).toBe(0);
  });
});

describe("io stalls and task lifetime", () => {
  it("TSK_IOWAIT via psi_task_change is io some, and full while nothing runs", () => {
    const { k, t } = setup();
    psi_task_change(k, t, 0, TSK_IOWAIT);
    k.now_ns = 500 * MS;
    psi_task_change(k, t, TSK_IOWAIT, 0);
    const text = psi_show(k, PSI_IO);
    expect(line(text, "some").total).toBe(500000);
    expect(line(text, "full").total).toBe(500000);
  });

  it("psi_dequeue at exit clears every flag; an inconsistent change is reported once", () => {
    const { k, t } = setup();
    psi_enqueue(k, t, false);
    psi_task_switch(k, null, t, false);
    psi_dequeue(k, t, false);
    expect(t.psi_flags).toBe(0);
    expect(psi_system(k).tasks.every((n) => n === 0)).toBe(true);
    psi_task_change(k, t, TSK_RUNNING, 0);
    psi_task_change(k, t, TSK_RUNNING, 0);
    const errs = k.log.records.filter((r) => r.text.startsWith("psi:"));
    expect(errs.map((r) => r.text)).toEqual(["psi: inconsistent task state! task=2:stall cpu=0 psi_flags=0 clear=4 set=0"]);
  });

  it("machine tasks: kernel_clone makes the child runnable; a library-API process sleeps between calls", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "a" });
    expect(taskOf(p).psi_flags).toBe(0);
    const c = p.fork();
    expect(taskOf(c).psi_flags).toBe(0);
    c.exit(0);
    expect(taskOf(c).psi_flags).toBe(0);
    // Idle library processes put no pressure on the CPU while time passes.
    m.advance("5s");
    expect(m.read("/proc/pressure/cpu")).toMatch(/^some avg10=0\.00 /);
    const child = kernel_clone(kernelOf(m), taskOf(p));
    if (typeof child === "number") throw new Error(`kernel_clone failed: ${child}`);
    expect(child.psi_flags).toBe(TSK_RUNNING); // wake_up_new_task
    expect(psi_system(kernelOf(m)).tasks[2]).toBe(1);
  });

  it("the scenario runner: a process that sleeps half the time shows no CPU pressure; two busy ones do", () => {
    const sleepy = parseScenario(
      `name: psi-sleep
machine: { memory: 256M }
processes:
  - name: a
    run:
      - mmap: { name: buf, size: 4M }
      - touch: { region: buf, pattern: sequential, repeat: 4 }
      - sleep: 10s
`,
      "psi-sleep.yaml",
    );
    const r = runScenario(sleepy, { cat: ["/proc/pressure/cpu", "/proc/pressure/memory"] });
    expect(r.files[0].text).toMatch(/^some avg10=0\.00 avg60=0\.00 avg300=0\.00 total=0\n/);
    const busy = parseScenario(
      `name: psi-busy
machine: { memory: 256M }
processes:
  - name: a
    run:
      - mmap: { name: buf, size: 4M }
      - touch: { region: buf, pattern: sequential, duration: 200ms }
  - name: b
    run:
      - mmap: { name: buf, size: 4M }
      - touch: { region: buf, pattern: sequential, duration: 200ms }
`,
      "psi-busy.yaml",
    );
    const rb = runScenario(busy, { cat: ["/proc/pressure/cpu"] });
    expect(line(rb.files[0].text, "some").total).toBeGreaterThan(300000);
  });
});

// keep the import of PSI_IO etc. honest
void PSI_IO;
