import { describe, it, expect } from "vitest";
import { parseScenario } from "./parse.js";
import { estimateWork, runScenario, startScenario, type RunResult } from "./runner.js";
import { kernelOf } from "../api/internals.js";
import { formatReport, formatReportJson } from "./report.js";
import { ScenarioError } from "./schema.js";
import { COST } from "../sim/cost.js";
import { do_exit } from "../kernel/exit.js";

function run(yaml: string, seed?: number): RunResult {
  return runScenario(parseScenario(`machine: { memory: 256M }\n${yaml}`, "t.yaml"), { seed });
}

const at = (r: RunResult, who: string, event: string): number => {
  const e = r.timeline.find((x) => x.who.startsWith(who + "[") && x.event === event);
  if (!e) throw new Error(`no ${event} for ${who}`);
  return e.t_ns;
};

describe("the scenario scheduler", () => {
  it("interleaves two busy processes in time slices, so their long touches end together", () => {
    const r = run(`processes:
  - name: a
    run:
      - mmap: { name: m, size: 32M }
      - touch: { region: m }
  - name: b
    run:
      - mmap: { name: m, size: 32M }
      - touch: { region: m }
`);
    const ta = at(r, "a", "touch");
    const tb = at(r, "b", "touch");
    // each touch is 8192 faults ≈ 5.8 ms of work; run back to back the first would end at half the total
    expect(Math.abs(ta - tb)).toBeLessThanOrEqual(COST.timeslice_ns);
    const work = 8192 * (COST.minor_fault_ns + COST.access_ns);
    expect(Math.min(ta, tb) - at(r, "a", "spawn")).toBeGreaterThan(1.5 * work - COST.timeslice_ns);
  });

  it("lets a sleeping process's time go to others, and wakes it when its sleep ends", () => {
    const r = run(`processes:
  - name: sleeper
    run:
      - sleep: 10ms
      - mmap: { name: m, size: 4K }
  - name: worker
    run:
      - mmap: { name: m, size: 16M }
      - touch: { region: m }
`);
    expect(at(r, "worker", "touch")).toBeLessThan(at(r, "sleeper", "mmap"));
    expect(at(r, "sleeper", "mmap") - at(r, "sleeper", "spawn")).toBeGreaterThanOrEqual(10e6);
  });

  it("ends a process with exit(1) when a syscall fails unexpectedly, and runs nothing after", () => {
    const r = run(`processes:
  - name: p
    run:
      - sysctl: { vm.overcommit_memory: 2 }
      - mmap: { name: big, size: 1G }
      - mmap: { name: small, size: 4K }
`);
    const p = r.processes[0];
    expect(p.state).toBe("exited");
    expect(p.exit_code).toBe(1);
    expect(p.error).toBe("mmap big (1G) failed: ENOMEM (t.yaml:6)");
    expect(r.timeline.some((e) => e.text.startsWith("mmap small"))).toBe(false);
  });

  it("counts a step that should have failed but succeeded as a failed expectation", () => {
    const r = run(`processes:
  - name: p
    run:
      - mmap: { name: m, size: 4K }
        expect_error: ENOMEM
`);
    expect(r.ok).toBe(false);
    expect(r.expectations[0]).toMatchObject({ ok: false, expected: "ENOMEM", actual: "success", line: 5 });
  });

  it("names a write or swapoff step by its place in the file, not by the file it names (issue 20)", () => {
    const r = run(`processes:
  - name: p
    run:
      - mmap: { name: m, size: 4K }
      - write: { path: /proc/sys/vm/swappiness, value: 10 }
        expect_error: EINVAL
      - swapoff: /dev/vda
        expect_error: EINVAL
`);
    // the write succeeds (expected EINVAL); swapoff of a device never swapped on fails with EINVAL
    expect(r.expectations.map((e) => [e.path, e.actual])).toEqual([["processes[0].run[1]", "success"]]);
    const sc = parseScenario(`machine: { memory: 256M }\nprocesses:\n  - name: p\n    run:\n      - write: { path: /proc/sys/vm/swappiness, value: 10 }\n`, "t.yaml");
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "write", path: "processes[0].run[0]", file: "/proc/sys/vm/swappiness" });
  });

  it("kills a process that writes to PROT_NONE memory with SIGSEGV", () => {
    const r = run(`processes:
  - name: p
    run:
      - mmap: { name: m, size: 8K, prot: none }
      - touch: { region: m }
      - mmap: { name: never, size: 4K }
expect:
  - process: p
    state: killed
    signal: SIGSEGV
`);
    expect(r.ok).toBe(true);
    expect(r.timeline.find((e) => e.event === "killed")?.text).toMatch(/^killed by SIGSEGV at 0x/);
  });

  it("notices when the kernel kills a process that is only holding its memory", () => {
    const sc = parseScenario(`processes:
  - name: holder
    run:
      - mmap: { name: m, size: 1M }
  - name: killer
    run:
      - sleep: 1ms
      - oom_score_adj: 10
`);
    // Stand in for the OOM killer: when killer acts, kill the holder (whose program has ended) as
    // oom_kill_process would, from outside the runner.
    const run = startScenario(sc);
    const m = run.machine;
    m.trace.on("oom_score_adj_update", () => {
      const k = kernelOf(m);
      const t = [...k.tasks.byPid.values()].find((x) => x.comm === "holder");
      if (t && t.state !== "X" && t.state !== "Z") {
        do_exit(k, t, 9);
        t.killedBy = 9;
      }
    });
    while (!run.done) run.step();
    const r = run.result();
    expect(r.processes.find((p) => p.name === "holder")).toMatchObject({ state: "killed", signal: "SIGKILL", rss_kb: 0 });
    expect(r.timeline.some((e) => e.event === "killed" && e.who.startsWith("holder["))).toBe(true);
  });

  it("kills with SIGSEGV from a random-pattern touch too, at the first bad page", () => {
    const r = run(`processes:
  - name: p
    run:
      - mmap: { name: m, size: 64K }
      - mprotect: { region: m, offset: 32K, length: 32K, prot: r }
      - touch: { region: m, pattern: random, count: 1000 }
`);
    expect(r.processes[0]).toMatchObject({ state: "killed", signal: "SIGSEGV" });
    const hexAt = (event: string): number => parseInt(/at 0x([0-9a-f]+)/.exec(r.timeline.find((e) => e.event === event)?.text ?? "")?.[1] ?? "", 16);
    const addr = hexAt("killed");
    const base = hexAt("mmap");
    expect(addr - base).toBeGreaterThanOrEqual(32768);
    expect(addr - base).toBeLessThan(65536);
  });

  it("runs a parent's step after wait only once the child has exited", () => {
    const r = run(`processes:
  - name: parent
    run:
      - fork:
          name: child
          run:
            - sleep: 5ms
            - exit: 3
      - wait: child
      - mmap: { name: after, size: 4K }
`);
    expect(at(r, "parent", "mmap")).toBeGreaterThanOrEqual(at(r, "child", "exit"));
    expect(r.processes.find((p) => p.name === "child")).toMatchObject({ state: "exited", exit_code: 3 });
  });

  it("stops a runaway scenario at its time limit and says so", () => {
    const r = run(`time_limit: 20ms
processes:
  - name: p
    run:
      - mmap: { name: m, size: 1M }
      - touch: { region: m, pattern: random, duration: 1h }
`);
    expect(r.timeline.at(-1)?.event).toBe("time_limit");
    expect(r.sim_ns).toBeLessThan(20e6 + 2 * COST.timeslice_ns);
  });

  it("does not sleep past the time limit", () => {
    const r = run(`time_limit: 50ms
processes:
  - name: p
    run:
      - sleep: 2h
      - mmap: { name: m, size: 4K }
`);
    expect(r.sim_ns).toBeLessThanOrEqual(50e6 + COST.fork_ns);
    expect(r.timeline.some((e) => e.event === "mmap")).toBe(false);
    expect(r.timeline.at(-1)?.event).toBe("time_limit");
  });

  it("gives the same report for the same seed, and a different random walk for another seed", () => {
    const y = `processes:
  - name: p
    run:
      - mmap: { name: m, size: 64M }
      - touch: { region: m, pattern: random, count: 2000 }
`;
    const a = run(y, 7);
    expect(formatReportJson(run(y, 7))).toBe(formatReportJson(a));
    expect(formatReport(run(y, 7))).toBe(formatReport(a));
    const b = run(y, 8);
    expect(b.processes[0].rss_kb).not.toBe(a.processes[0].rss_kb);
  });

  it("puts the kernel's own tracepoints on the timeline with the function that emitted them", () => {
    const r = run(`processes:
  - name: p
    run:
      - oom_score_adj: 500
`);
    const e = r.timeline.find((x) => x.event === "oom_score_adj_update");
    expect(e).toMatchObject({ text: "oom_score_adj of p set to 500", where: "__set_oom_adj(), fs/proc/base.c" });
  });

  it("reports a failed numeric expectation with what it expected and what it got", () => {
    const r = run(`processes:
  - name: p
    run:
      - mmap: { name: m, size: 4M }
      - touch: { region: m }
        capture: { label: s, path: /proc/self/status }
expect:
  - capture: s
    field: RssAnon
    min: 8M
`);
    expect(r.ok).toBe(false);
    expect(r.expectations[0]).toMatchObject({ what: "capture s RssAnon", expected: "≥ 8192 kB", ok: false });
    expect(r.expectations[0].actual).toMatch(/^\d+ kB$/);
  });

  it("turns a sysctl the kernel rejects at boot into a located ScenarioError", () => {
    expect(() => runScenario(parseScenario("machine:\n  sysctl:\n    vm.swappiness: 300\n", "b.yaml"))).toThrow(
      new ScenarioError("b.yaml", 3, 20, "machine.sysctl.vm.swappiness", 'the kernel refused "300" (EINVAL)'),
    );
  });
});

describe("the timeline's words for kernel events", () => {
  it("names the zone, the order and the acting function when kswapd is woken", () => {
    const sc = parseScenario(`processes:
  - name: p
    run:
      - oom_score_adj: 1
`);
    // Emit the tracepoints as vmscan.c and oom_kill.c do, to check the words the report uses.
    const run = startScenario(sc);
    const m = run.machine;
    m.trace.on("oom_score_adj_update", () => {
      kernelOf(m).trace.emit("mm_vmscan_wakeup_kswapd", { nid: 0, zid: 1, order: 0, gfp_flags: "GFP_HIGHUSER_MOVABLE" }, "nid=0 order=0 gfp_flags=GFP_HIGHUSER_MOVABLE");
      kernelOf(m).trace.emit("mm_vmscan_wakeup_kswapd", { nid: 0, zid: 0, order: 0, gfp_flags: "none" }, "nid=0 order=0 gfp_flags=none");
      kernelOf(m).trace.emit("mark_victim", { pid: 2, comm: "p", anon_rss: 1024, oom_score_adj: 1 }, "pid=2");
    });
    while (!run.done) run.step();
    const r = run.result();
    const kw = r.timeline.find((e) => e.event === "mm_vmscan_wakeup_kswapd");
    expect(kw?.text).toBe("woke kswapd0: the zones an allocation may use (up to zone DMA32) are below their low watermark (order 0, GFP_HIGHUSER_MOVABLE)");
    // rmqueue's wakeup for a boosted zone passes no GFP flags (shown as "none").
    expect(r.timeline.filter((e) => e.event === "mm_vmscan_wakeup_kswapd")[1]?.text).toBe("woke kswapd0: zone DMA's watermark was boosted (an allocation fell back to another migratetype's pageblock)");
    expect(kw?.where).toBe("wakeup_kswapd(), mm/vmscan.c");
    expect(r.timeline.find((e) => e.event === "mark_victim")?.text).toBe("OOM killer chose p (pid 2) as its victim: anon-rss 1024kB, oom_score_adj 1");
  });
});

describe("runner: a kernel panic halts the machine", () => {
  it("reports panic_on_oom's panic in the timeline and the result, and stops scheduling", () => {
    const sc = parseScenario(
      `machine:
  memory: 256M
  sysctl:
    vm.panic_on_oom: 1
processes:
  - name: hog
    run:
      - mmap: { name: big, size: 205M }
      - touch: { region: big, access: write }
      - sleep: 1s
`,
      "panic.yaml",
    );
    const r = runScenario(sc);
    expect(r.panic).toBe("Out of memory: system-wide panic_on_oom is enabled");
    const last = r.timeline[r.timeline.length - 1];
    expect(last.event).toBe("panic");
    expect(last.where).toBe("panic(), kernel/panic.c");
    expect(r.timeline.some((e) => e.text.includes("invoked oom-killer"))).toBe(true);
    // The sleep after the touch never ran: the machine stopped at the panic.
    expect(r.sim_ns).toBeLessThan(1e9);
  });
});

describe("a run driven a quantum at a time (startScenario)", () => {
  const yaml = `machine: { memory: 256M }
processes:
  - name: a
    run:
      - mmap: { name: m, size: 16M }
      - touch: { region: m, pattern: random, count: 20000 }
      - sleep: 30ms
      - mmap: { name: n, size: 4K }
  - name: b
    run:
      - mmap: { name: m, size: 8M }
      - touch: { region: m }
expect:
  - process: a
    state: alive
`;

  it("ends with the very result runScenario gives", () => {
    const sc = parseScenario(yaml, "s.yaml");
    const run = startScenario(sc);
    let steps = 0;
    while (!run.done) {
      run.step();
      steps++;
    }
    expect(steps).toBeGreaterThan(3);
    expect(formatReportJson(run.result())).toBe(formatReportJson(runScenario(sc)));
    expect(run.result()).toBe(run.result());
  });

  it("stops runUntil at the time asked for, idling no further, and gives the same result in the end", () => {
    const sc = parseScenario(yaml, "s.yaml");
    const run = startScenario(sc);
    const t0 = run.now;
    run.runUntil(t0 + 20e6);
    // a sleeps until about 30 ms in and b is done: the CPU idles up to 20 ms, not to a's wake-up.
    expect(run.now).toBe(t0 + 20e6);
    expect(run.done).toBe(false);
    expect(() => run.result()).toThrow(/has not finished/);
    run.runUntil(Infinity);
    expect(run.done).toBe(true);
    expect(formatReportJson(run.result())).toBe(formatReportJson(runScenario(sc)));
  });
});

describe("a forked child's names", () => {
  it("reports the kernel's comm (the parent's) beside the scenario's name, and says which is which", () => {
    const r = run(`processes:
  - name: parent
    run:
      - fork:
          name: kid
          run:
            - capture: { label: st, path: /proc/self/status }
      - wait: kid
`);
    const kid = r.processes.find((p) => p.name === "kid");
    expect(kid?.comm).toBe("parent");
    expect(r.processes.find((p) => p.name === "parent")?.comm).toBeUndefined();
    expect(/^Name:\s+(\S+)$/m.exec(r.captures[0].text)?.[1]).toBe("parent");
    expect(formatReport(r)).toContain(`NAME is the scenario's name. A forked child keeps its parent's comm, so the kernel (/proc/PID/status, dmesg, traces) calls kid "parent".`);
  });
});

describe("the work budget", () => {
  const sc = (touch: string): ReturnType<typeof parseScenario> =>
    parseScenario(`machine: { memory: 256M }\nprocesses:\n  - name: p\n    run:\n      - mmap: { name: m, size: 4M }\n      - touch: { region: m, ${touch} }\n`, "b.yaml");

  it("refuses, before booting, a run estimated above WORK_BUDGET, at its heaviest touch", () => {
    // Before: count 1e9 with repeat 1e6, or a duration of 24h, ran for hours without a word.
    expect(() => startScenario(sc("count: 1000000000, repeat: 1000000"))).toThrow(
      new ScenarioError("b.yaml", 6, 9, "processes[0].run[1].touch", "the run is estimated at 360,000,000,000 page accesses, above the budget of 2,000,000,000 (a few minutes of real time at the model's 5-20 million accesses a second): lower count, repeat or duration, or run it anyway with --force"),
    );
    // A duration touch counts what fits in its time at one page-table hit each (10 ns), and no
    // run outlasts its time limit (1 h by default): 3.6e11 accesses at most.
    expect(() => startScenario(sc("pattern: random, duration: 24h"))).toThrow(/estimated at 360,000,000,000 page accesses/);
    expect(() => startScenario(sc("pattern: random, duration: 19s"))).not.toThrow();
    expect(() => startScenario(sc("pattern: random, duration: 21s"))).toThrow(/estimated at 2,100,000,001 page accesses/);
    expect(estimateWork(sc("count: 1000, repeat: 3")).total).toBe(3001);
  });

  it("runs it anyway when forced", () => {
    const run = startScenario(sc("count: 1000000000, repeat: 1000000"), { force: true });
    expect(run.done).toBe(false);
  });
});

describe("a scenario run keeps the page fast paths", () => {
  const yaml = `machine: { memory: 256M }
processes:
  - name: p
    run:
      - mmap: { name: m, size: 16M }
      - touch: { region: m }
      - touch: { region: m, pattern: random, count: 3000 }
      - munmap: { region: m }
`;

  it("listens to its timeline's events without switching the per-page paths to tracing", () => {
    // Before: any listener set trace.active, which sent every fault and refill down the general path.
    const run = startScenario(parseScenario(yaml, "f.yaml"));
    const trace = kernelOf(run.machine).trace;
    expect(trace.active).toBe(true);
    expect(trace.pageEvents).toBe(false);
    // A per-page event, or every event, turns them on; stopping turns them off again.
    const off = run.machine.trace.on("mm_page_alloc", () => {});
    expect(trace.pageEvents).toBe(true);
    off();
    expect(trace.pageEvents).toBe(false);
    const offAll = run.machine.trace.on("*", () => {});
    expect(trace.pageEvents).toBe(true);
    offAll();
    expect(trace.pageEvents).toBe(false);
  });

  it("gives the same result on the general paths, which --trace page_fault_user takes", () => {
    const sc = parseScenario(yaml, "f.yaml");
    const fast = runScenario(sc);
    let faults = 0;
    const slow = runScenario(sc, { trace: ["page_fault_user"], onTrace: () => void faults++ });
    expect(formatReportJson(slow)).toBe(formatReportJson(fast));
    expect(faults).toBeGreaterThanOrEqual(4096);
  });
});
