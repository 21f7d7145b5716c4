import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOomLog } from "../decode/oom.js";
import { Machine } from "../sim/machine.js";
import type { Process } from "../sim/process.js";
import { ProcessKilled } from "../sim/process.js";
import { __GFP_THISNODE, GFP_KERNEL, GFP_NOFS } from "./gfp.js";
import { get_mm_rss, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, MMF_OOM_SKIP } from "./mm_types.js";
import { proc_oom_score } from "../fs/proc/base.js";
import { KernelPanic } from "../kernel/panic.js";
import { CONSTRAINT_MEMORY_POLICY, CONSTRAINT_NONE, constrained_alloc, LONG_MIN, mark_oom_victim, OOM_SCAN_ABORTED, oom_badness, type oom_control, out_of_memory, select_bad_process, tsk_is_oom_victim } from "./oom_kill.js";
import { totalram_pages } from "./page_alloc.js";
import { OOM_KILL } from "./vmstat_items.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { allocInKernelUntilOom } from "./oom_kill.testutil.js";

const MiB = 1 << 20;

function hog(p: Process, bytes: number): void {
  const a = p.mmap(bytes);
  p.write(a, bytes);
}

/** Writes `chunk`-byte pieces until the process is killed or `dmesg` shows a kill of it. */
function growUntilKilled(m: Machine, p: Process, chunk: number): "thrown" | "marked" {
  for (let i = 0; i < 100000; i++) {
    try {
      hog(p, chunk);
    } catch (e) {
      if (e instanceof ProcessKilled) return "thrown";
      throw e;
    }
    if (m.dmesg().includes(`Killed process ${p.pid} `)) return "marked";
  }
  throw new Error("never killed");
}


function req(m: Machine, gfp = GFP_KERNEL): oom_control {
  const k = kernelOf(m);
  return { zonelist: k.node_data[0].node_zonelists, nodemask: null, memcg: null, gfp_mask: gfp, order: 0, totalpages: 0, constraint: CONSTRAINT_NONE, chosen: null, chosen_points: 0 };
}

describe("oom_badness and /proc/PID/oom_score", () => {
  it("scores rss + page tables + adj * (totalpages / 1000), with C's integer division", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "a", oomScoreAdj: 300 });
    hog(p, 8 * MiB);
    const mm = taskOf(p).mm;
    if (!mm) throw new Error("no mm");
    const total = totalram_pages(k);
    const expected = get_mm_rss(mm) + Math.trunc(mm.pgtables_bytes / 4096) + 300 * Math.trunc(total / 1000);
    expect(oom_badness(k, taskOf(p), total)).toBe(expected);
    // (1000 + badness * 1000 / totalpages) * 2 / 3, truncated at each division.
    expect(m.read(`/proc/${p.pid}/oom_score`)).toBe(`${Math.trunc(((1000 + Math.trunc((expected * 1000) / total)) * 2) / 3)}\n`);
    expect(proc_oom_score(k, taskOf(p))).toBe(Number(m.read(`/proc/${p.pid}/oom_score`)));
  });

  it("reads 0 for oom_score_adj -1000 and for init, and a negative adj can bring a task below 1000", () => {
    const m = Machine.boot({ memory: "256M" });
    const never = m.spawn({ comm: "never", oomScoreAdj: -1000 });
    const low = m.spawn({ comm: "low", oomScoreAdj: -500 });
    expect(m.read(`/proc/${never.pid}/oom_score`)).toBe("0\n");
    expect(m.read("/proc/1/oom_score")).toBe("0\n");
    expect(Number(m.read(`/proc/${low.pid}/oom_score`))).toBeLessThan(400);
  });
});

describe("select_bad_process", () => {
  it("picks the later of two tasks with equal badness: only a strictly lower score is skipped", () => {
    // mm/oom_kill.c oom_evaluate_task: `if (points == LONG_MIN || points < oc->chosen_points)
    // goto next;` — an equal score falls through to `select:` and replaces the earlier choice.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const first = m.spawn({ comm: "first" });
    const second = m.spawn({ comm: "second" });
    hog(first, 4 * MiB);
    hog(second, 4 * MiB);
    const oc = req(m);
    constrained_alloc(k, oc);
    const score = oom_badness(k, taskOf(first), oc.totalpages);
    expect(oom_badness(k, taskOf(second), oc.totalpages)).toBe(score); // the precondition: a tie
    select_bad_process(k, oc);
    expect(oc.chosen).toBe(taskOf(second));
    expect(oc.chosen_points).toBe(score);
    // One page more for the first breaks the tie its way.
    first.write(first.mmap(4096), 4096);
    select_bad_process(k, oc);
    expect(oc.chosen).toBe(taskOf(first));
    expect(oc.chosen_points).toBeGreaterThan(score);
  });

  it("goes on past a lower score to a higher one later in the list", () => {
    // oom_evaluate_task returns 0 (`goto next`) for a lower score: select_bad_process's loop
    // only stops when it returns 1 (a victim already on its way out).
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const [a, b, c] = ["a", "b", "c"].map((comm) => m.spawn({ comm }));
    hog(a, 2 * MiB);
    hog(b, MiB);
    hog(c, 8 * MiB);
    const oc = req(m);
    constrained_alloc(k, oc);
    select_bad_process(k, oc);
    expect(oc.chosen).toBe(taskOf(c));
  });

  it("aborts the scan at a marked victim, unless its mm was reaped (MMF_OOM_SKIP) or the request is sysrq's", () => {
    // mm/oom_kill.c oom_evaluate_task: `if (!is_sysrq_oom(oc) && tsk_is_oom_victim(task))`:
    // MMF_OOM_SKIP on signal->oom_mm → `goto next`, else `goto abort` (oc->chosen = (void *)-1UL,
    // return 1). is_sysrq_oom is `oc->order == -1`.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const victim = m.spawn({ comm: "victim" });
    const big = m.spawn({ comm: "big" });
    hog(victim, MiB);
    hog(big, 8 * MiB);
    mark_oom_victim(k, taskOf(victim));
    const oc = req(m);
    constrained_alloc(k, oc);
    select_bad_process(k, oc);
    expect(oc.chosen).toBe(OOM_SCAN_ABORTED);
    const sysrq = { ...req(m), order: -1 };
    constrained_alloc(k, sysrq);
    select_bad_process(k, sysrq);
    expect(sysrq.chosen).toBe(taskOf(big));
    taskOf(victim).mm!.flags |= 1 << MMF_OOM_SKIP;
    const again = req(m);
    constrained_alloc(k, again);
    select_bad_process(k, again);
    expect(again.chosen).toBe(taskOf(big));
  });

  it("counts swapped-out pages: rss + swap entries + page tables", () => {
    // oom_badness: points = get_mm_rss(p->mm) + get_mm_counter(p->mm, MM_SWAPENTS) +
    // mm_pgtables_bytes(p->mm) / PAGE_SIZE.
    const m = Machine.boot({ memory: "160M", swap: { size: "64M" } }); // 160M: the kernel holds its boot memory
    const k = kernelOf(m);
    const p = m.spawn({ comm: "swapped" });
    hog(p, 96 * MiB);
    const mm = taskOf(p).mm!;
    const swapents = mm.rss_stat[MM_SWAPENTS];
    expect(swapents).toBeGreaterThan(1000); // the precondition: much of it is in swap
    const total = totalram_pages(k) + k.total_swap_pages;
    expect(oom_badness(k, taskOf(p), total)).toBe(get_mm_rss(mm) + swapents + Math.trunc(mm.pgtables_bytes / 4096));
  });

  it("gives a task that has exited (no mm left) LONG_MIN", () => {
    // oom_badness: `p = find_lock_task_mm(p); if (!p) return LONG_MIN;`
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "gone" });
    hog(p, MiB);
    const t = taskOf(p);
    p.exit();
    expect(t.mm).toBe(null);
    expect(oom_badness(k, t, totalram_pages(k))).toBe(LONG_MIN);
  });
});

// 160M machines: about 80 MiB free once the kernel holds its own boot memory (slab, stacks,
// per-cpu and vmalloc areas, the rootfs), which is what these scenarios were sized for.
describe("out_of_memory", () => {
  it("kills the task with the highest badness, not the allocating one, which goes on", () => {
    const m = Machine.boot({ memory: "160M" });
    const big = m.spawn({ comm: "big" });
    hog(big, 60 * MiB);
    const grower = m.spawn({ comm: "grower" });
    const before = kernelOf(m).vm_events[OOM_KILL];
    for (let i = 0; i < 200 && big.alive; i++) hog(grower, MiB);
    expect(big.alive).toBe(false);
    expect(taskOf(big).exit_code).toBe(9);
    expect(grower.alive).toBe(true);
    expect(kernelOf(m).vm_events[OOM_KILL]).toBe(before + 1);
    expect(m.dmesg()).toMatch(/grower invoked oom-killer: gfp_mask=0x140dca\(GFP_HIGHUSER_MOVABLE\|__GFP_COMP\|__GFP_ZERO\), order=0, oom_score_adj=0/);
    expect(m.dmesg()).toMatch(new RegExp(`oom-kill:constraint=CONSTRAINT_NONE,nodemask=\\(null\\),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=big,pid=${big.pid},uid=0`));
    expect(m.dmesg()).toMatch(new RegExp(`Out of memory: Killed process ${big.pid} \\(big\\) total-vm:\\d+kB, anon-rss:\\d+kB, file-rss:\\d+kB, shmem-rss:\\d+kB, UID:0 pgtables:\\d+kB oom_score_adj:0`));
    // The victim exited by itself (its exit_mmap set MMF_OOM_SKIP): the reaper has nothing to say.
    m.advance("3s");
    expect(m.dmesg()).not.toMatch(/oom_reaper:/);
  });

  it("never picks an oom_score_adj -1000 task, and panics when nothing else is left", () => {
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "shielded", oomScoreAdj: -1000 });
    let err: unknown = null;
    try {
      for (let i = 0; i < 200; i++) hog(p, MiB);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelPanic);
    expect(p.alive).toBe(true);
    const log = m.dmesg();
    expect(log).toMatch(/Out of memory and no killable processes\.\.\./);
    expect(log).toMatch(/Kernel panic - not syncing: System is deadlocked on memory\n/);
    expect(log).toMatch(/---\[ end Kernel panic - not syncing: System is deadlocked on memory \]---/);
    // The machine is halted: the next OOM throws again without printing another report.
    const lines = log.split("\n").length;
    expect(() => out_of_memory(kernelOf(m), req(m))).toThrow(KernelPanic);
    expect(m.dmesg().split("\n").length).toBe(lines);
  });

  it("panics at once with vm.panic_on_oom=1, after the report header without a victim", () => {
    const m = Machine.boot({ memory: "160M", sysctl: { "vm.panic_on_oom": 1 } });
    const p = m.spawn({ comm: "hog" });
    expect(() => {
      for (let i = 0; i < 200; i++) hog(p, MiB);
    }).toThrow(/Out of memory: system-wide panic_on_oom is enabled/);
    expect(m.dmesg()).toMatch(/hog invoked oom-killer/);
    expect(m.dmesg()).not.toMatch(/oom-kill:constraint/);
    expect(m.dmesg()).toMatch(/Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled/);
    // The decoder reads it as a report that ended in a panic, with no victim.
    const dec = decodeOomLog(m.dmesg()).reports;
    expect(dec).toHaveLength(1);
    expect(dec[0].trigger.comm).toBe("hog");
    expect(dec[0].victim).toBeUndefined();
    expect(dec[0].panic).toMatch(/panic_on_oom is enabled/);
  });

  it("kills the allocating task with vm.oom_kill_allocating_task, and omits the task table with vm.oom_dump_tasks=0", () => {
    const m = Machine.boot({ memory: "160M", sysctl: { "vm.oom_kill_allocating_task": 1, "vm.oom_dump_tasks": 0 } });
    const big = m.spawn({ comm: "big" });
    hog(big, 60 * MiB);
    const small = m.spawn({ comm: "small" });
    const how = growUntilKilled(m, small, MiB);
    expect(["thrown", "marked"]).toContain(how);
    expect(big.alive).toBe(true);
    expect(m.dmesg()).toMatch(new RegExp(`Out of memory \\(oom_kill_allocating_task\\): Killed process ${small.pid} \\(small\\)`));
    expect(m.dmesg()).not.toMatch(/Tasks state/);
  });

  it("lets a task killed during its own page fault finish the fault from the reserves, then die with SIGKILL", () => {
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "hog" });
    expect(growUntilKilled(m, p, 16 * 4096)).toBe("thrown");
    expect(p.alive).toBe(false);
    expect(taskOf(p).killedBy).toBe(9);
    // fatal_signal_pending stops the access at the fault that chose it: no allocation failure after.
    expect(m.dmesg()).not.toMatch(/page allocation failure/);
  });

  // Issue 20: the victim inside MAP_POPULATE, MADV_POPULATE_WRITE or mlock was printed as killed
  // but kept running with its memory. 6.1's __get_user_pages stops at the pending SIGKILL
  // (-EINTR), the syscall returns, and the task dies on its way back to user mode.
  const populateKills: Array<[string, (p: Process, len: number) => void]> = [
    ["MAP_POPULATE", (p, len) => void p.mmap(len, { flags: "private|anonymous|populate" })],
    ["MADV_POPULATE_WRITE", (p, len) => p.madvise(p.mmap(len), len, "populate_write")],
    ["mlock", (p, len) => p.mlock(p.mmap(len), len)],
  ];
  for (const [what, populate] of populateKills) {
    it(`kills a victim chosen inside ${what}'s populate on its return to user mode, and its memory goes`, () => {
      const m = Machine.boot({ memory: "128M" });
      const k = kernelOf(m);
      m.write("/proc/sys/vm/overcommit_memory", "1");
      const p = m.spawn({ comm: "p" });
      const free0 = Number(/MemFree:\s+(\d+)/.exec(m.read("/proc/meminfo"))![1]);
      let thrown: unknown = null;
      try {
        populate(p, 160 * MiB);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ProcessKilled);
      expect((thrown as ProcessKilled).signal).toBe("SIGKILL");
      expect(m.dmesg()).toMatch(new RegExp(`Killed process ${p.pid} \\(p\\)`));
      expect(k.vm_events[OOM_KILL]).toBe(1);
      expect(p.alive).toBe(false);
      expect(taskOf(p).killedBy).toBe(9);
      expect(taskOf(p).mm).toBeNull();
      // exit_mmap gave the memory back: free is back within a few MiB of where it started
      // (page tables' and pcp lists' pages aside), not ~100 MiB short.
      const free1 = Number(/MemFree:\s+(\d+)/.exec(m.read("/proc/meminfo"))![1]);
      expect(free0 - free1).toBeLessThan(4096);
      // the reaper finds the mm gone (MMF_OOM_SKIP from exit_mmap): nothing to reap
      m.advance("3s");
      expect(m.dmesg()).not.toMatch(/oom_reaper: reaped/);
    });
  }

  it("lets a killed task stuck in the kernel use the reserves, and the oom_reaper strips it 2 s later", () => {
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    allocInKernelUntilOom(m, p);
    expect(p.alive).toBe(true);
    expect(tsk_is_oom_victim(taskOf(p))).toBe(true);
    const anon = taskOf(p).mm?.rss_stat[MM_ANONPAGES] ?? 0;
    expect(anon).toBeGreaterThan(1000);
    m.advance("1999ms");
    expect(m.dmesg()).not.toMatch(/oom_reaper:/);
    m.advance("1ms");
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${p.pid} \\(hog\\), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB`));
    expect(taskOf(p).mm?.rss_stat[MM_ANONPAGES]).toBe(0);
  });

  it("makes a killed task that left the CPU exit when another task next runs into the OOM killer, without a second kill", () => {
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    allocInKernelUntilOom(m, p);
    expect(p.alive).toBe(true);
    const other = m.spawn({ comm: "other" });
    const kills = kernelOf(m).vm_events[OOM_KILL];
    hog(other, 4 * MiB);
    expect(p.alive).toBe(false);
    expect(kernelOf(m).vm_events[OOM_KILL]).toBe(kills);
  });

  it("spends simulated time in the reclaim retries before an OOM kill, and kswapd runs in between", () => {
    const m = Machine.boot({ memory: "256M" });
    const ev: Array<{ name: string; ts: number; msg: string }> = [];
    for (const name of ["mm_vmscan_direct_reclaim_begin", "mm_vmscan_direct_reclaim_end", "mm_vmscan_kswapd_wake", "mark_victim"])
      m.trace.on(name, (e) => ev.push({ name, ts: e.ts_nsec, msg: e.message }));
    const p = m.spawn({ comm: "leak" });
    growUntilKilled(m, p, 4 * MiB);
    const kill = ev.findIndex((e) => e.name === "mark_victim");
    expect(kill).toBeGreaterThan(0);
    // The allocation that ended in the kill: the run of direct reclaims that freed nothing just
    // before it (should_reclaim_retry's no-progress loops).
    let first = kill;
    for (let i = kill - 1; i >= 0; i--) {
      if (ev[i].name === "mm_vmscan_direct_reclaim_end" && ev[i].msg !== "nr_reclaimed=0") break;
      if (ev[i].name === "mm_vmscan_direct_reclaim_begin") first = i;
    }
    const futile = ev.slice(first, kill).filter((e) => e.name === "mm_vmscan_direct_reclaim_begin").length;
    expect(futile).toBeGreaterThan(1);
    // 6.1 runs shrink_node for each of them (the priority loop, the shrinker walk) and gives up
    // the CPU at each scheduling point: the kill comes later than the first futile reclaim, and
    // kswapd, woken by the same allocation, runs at a time strictly in between.
    expect(ev[kill].ts).toBeGreaterThan(ev[first].ts);
    expect(ev.slice(first, kill).some((e) => e.name === "mm_vmscan_kswapd_wake" && e.ts > ev[first].ts && e.ts < ev[kill].ts)).toBe(true);
  });

  it("does not kill for an allocation without __GFP_FS (no compensation for IO-less reclaim)", () => {
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "p" });
    hog(p, 4 * MiB);
    expect(out_of_memory(kernelOf(m), req(m, GFP_NOFS))).toBe(true);
    expect(p.alive).toBe(true);
    expect(m.dmesg()).not.toMatch(/invoked oom-killer/);
  });

  it("emits the mark_victim tracepoint in 6.1's format", () => {
    const m = Machine.boot({ memory: "160M" });
    const big = m.spawn({ comm: "big" });
    hog(big, 60 * MiB);
    const msgs: string[] = [];
    m.trace.on("mark_victim", (e) => msgs.push(e.message));
    const g = m.spawn({ comm: "g" });
    for (let i = 0; i < 200 && big.alive; i++) hog(g, MiB);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(new RegExp(`^pid=${big.pid} comm=big total-vm=\\d+kB anon-rss=\\d+kB file-rss:\\d+kB shmem-rss:\\d+kB uid=0 pgtables=\\d+kB oom_score_adj=0$`));
  });

  it("counts only a mempolicy's nodes for a nodemask that leaves out a node with memory", () => {
    const m = Machine.boot({ memory: "1G", nodes: 2 });
    const k = kernelOf(m);
    const oc = req(m);
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_NONE);
    expect(oc.totalpages).toBe(totalram_pages(k));
    oc.nodemask = [1];
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_MEMORY_POLICY);
    expect(oc.totalpages).toBe(k.node_data[1].node_present_pages);
  });
});

describe("the OOM report and kill, line by line against 6.1", () => {
  const realReport = (): string[] =>
    readFileSync(new URL("../../test/realkernel/data/w3a/oom_report.1", import.meta.url), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
  /** The model's first report: from "invoked oom-killer" to "Killed process". */
  const firstReport = (m: Machine): string[] => {
    const lines = m.dmesg().split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
    const from = lines.findIndex((l) => l.includes("invoked oom-killer"));
    const to = lines.findIndex((l, i) => i > from && l.includes("Killed process"));
    return lines.slice(from, to + 1);
  };

  it("prints dump_stack's block (call trace, user registers, <TASK> markers) as w3a's real report, RAX/RDI the buffer being written", () => {
    // lib/dump_stack.c dump_stack_lvl, arch/x86/kernel/dumpstack.c show_trace_log_lvl: a user-mode
    // page fault's trace, then the user registers (show_regs' user part) between <TASK> markers.
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ comm: "memC" });
    let last = 0;
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        last = p.mmap(MiB);
        p.write(last, MiB);
      }
    }).toThrow(ProcessKilled);
    const model = firstReport(m);
    const real = realReport();
    const block = (r: string[]): string[] => r.slice(r.findIndex((l) => l.startsWith("Hardware name:")), r.indexOf(" </TASK>") + 1);
    const strip = (l: string): string => l.replace(/^(RAX|RDX): .*$/, "$1 …");
    expect(block(model).map(strip)).toEqual(block(real).map(strip));
    // RAX and RDI hold the address being written: the start of the newest anonymous mapping, the
    // lowest one above the heap (mmap is top-down, and each 1 MiB merged into the VMA above it).
    const hex = last.toString(16).padStart(16, "0");
    expect(model).toContain(`RAX: ${hex} RBX: 0000000000000047 RCX: 00000000000000bd`);
    expect(model).toContain(`RDX: 00000000000bc000 RSI: 0000000000100000 RDI: ${hex}`);
    expect(model[1]).toMatch(new RegExp(`^CPU: 0 PID: ${p.pid} Comm: memC Not tainted 6\\.1\\.0-56-amd64 #1  Debian 6\\.1\\.192-2$`));
  });

  it("prints the report header at most 10 times per 5 s (DEFAULT_RATELIMIT_BURST), the kill line every time", () => {
    // mm/oom_kill.c oom_kill_process: `if (__ratelimit(&oom_rs)) dump_header(oc, victim);` with
    // oom_rs = DEFINE_RATELIMIT_STATE(…, DEFAULT_RATELIMIT_INTERVAL = 5 * HZ, DEFAULT_RATELIMIT_BURST
    // = 10); __oom_kill_process prints "Out of memory: Killed process …" unconditionally.
    const m = Machine.boot({ memory: "128M" });
    const victims: Process[] = [];
    for (let i = 0; i < 12; i++) {
      const v = m.spawn({ comm: `v${i}`, oomScoreAdj: 1000 });
      hog(v, 4 * MiB);
      victims.push(v);
    }
    const t0 = kernelOf(m).now_ns;
    const g = m.spawn({ comm: "grower" });
    const outcome = growUntilKilled(m, g, MiB);
    expect(kernelOf(m).now_ns - t0).toBeLessThan(5e9);
    expect(outcome).toBe("thrown");
    expect(victims.every((v) => !v.alive)).toBe(true);
    const log = m.dmesg();
    expect(log.match(/Out of memory: Killed process/g)?.length).toBe(13);
    expect(log.match(/invoked oom-killer/g)?.length).toBe(10);
  });

  it("fills the mark_victim tracepoint with the victim's sizes in kB at the moment it is marked", () => {
    // include/trace/events/oom.h mark_victim: total_vm, anon/file/shmem rss << (PAGE_SHIFT - 10),
    // pgtables = mm_pgtables_bytes(mm) >> 10, uid, oom_score_adj.
    const m = Machine.boot({ memory: "128M" });
    const big = m.spawn({ comm: "big", oomScoreAdj: 500 });
    hog(big, 40 * MiB);
    const mm = taskOf(big).mm!;
    const expected = `pid=${big.pid} comm=big total-vm=${mm.total_vm * 4}kB anon-rss=${mm.rss_stat[MM_ANONPAGES] * 4}kB file-rss:${mm.rss_stat[MM_FILEPAGES] * 4}kB shmem-rss:${mm.rss_stat[MM_SHMEMPAGES] * 4}kB uid=0 pgtables=${mm.pgtables_bytes >> 10}kB oom_score_adj=500`;
    const msgs: string[] = [];
    m.trace.on("mark_victim", (e) => msgs.push(e.message));
    const g = m.spawn({ comm: "g" });
    for (let i = 0; i < 200 && big.alive; i++) hog(g, MiB);
    expect(msgs).toEqual([expected]);
  });

  it("reaps a victim stuck in the kernel with the tracepoints and the line 6.1 prints, and skips it afterwards", () => {
    // mm/oom_kill.c wake_oom_reaper → trace_wake_reaper; oom_reap_task_mm: trace_start_task_reaping,
    // __oom_reap_task_mm, pr_info("oom_reaper: reaped process …"), trace_finish_task_reaping; then
    // MMF_OOM_SKIP, so the next OOM does not wait for it (oom_evaluate_task) but picks another.
    const m = Machine.boot({ memory: "160M" });
    const events: string[] = [];
    for (const ev of ["wake_reaper", "start_task_reaping", "finish_task_reaping", "skip_task_reaping"]) m.trace.on(ev, (e) => events.push(`${ev} ${e.message}`));
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    allocInKernelUntilOom(m, p);
    m.advance("2s");
    expect(events).toEqual([`wake_reaper pid=${p.pid}`, `start_task_reaping pid=${p.pid}`, `finish_task_reaping pid=${p.pid}`]);
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${p.pid} \\(hog\\), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n`));
    // The reaped victim no longer holds up the next OOM: another task is chosen and killed.
    const q = m.spawn({ comm: "next" });
    hog(q, 16 * MiB);
    const kills = kernelOf(m).vm_events[OOM_KILL];
    allocInKernelUntilOom(m, q);
    expect(kernelOf(m).vm_events[OOM_KILL]).toBe(kills + 1);
    expect(m.dmesg()).toMatch(new RegExp(`Killed process ${q.pid} \\(next\\)`));
  });

  it("scores against totalram + swap: the swap area raises every adj's weight and lowers oom_score", () => {
    // fs/proc/base.c proc_oom_score: totalpages = totalram_pages() + total_swap_pages;
    // points = (1000 + oom_badness(task, totalpages) * 1000 / totalpages) * 2 / 3, where oom_badness
    // adds adj * (totalpages / 1000) (C integer division throughout).
    const m = Machine.boot({ memory: "256M", swap: { size: "256M" } });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p", oomScoreAdj: 300 });
    hog(p, 16 * MiB);
    const total = totalram_pages(k) + k.total_swap_pages;
    expect(k.total_swap_pages).toBe(65535);
    const mm = taskOf(p).mm!;
    const badness = get_mm_rss(mm) + mm.rss_stat[MM_SWAPENTS] + Math.trunc(mm.pgtables_bytes / 4096) + 300 * Math.trunc(total / 1000);
    expect(oom_badness(k, taskOf(p), total)).toBe(badness);
    expect(proc_oom_score(k, taskOf(p))).toBe(Math.trunc(((1000 + Math.trunc((badness * 1000) / total)) * 2) / 3));
    expect(Number(m.read(`/proc/${p.pid}/oom_score`))).toBe(proc_oom_score(k, taskOf(p)));
  });

  it("constrains only a nodemask that leaves out a node with memory, and counts swap in every constraint's total", () => {
    // mm/oom_kill.c constrained_alloc: totalram + swap by default; __GFP_THISNODE or an empty
    // zonelist: CONSTRAINT_NONE; a nodemask that is not a superset of N_MEMORY: swap plus the
    // mask's nodes' present pages, CONSTRAINT_MEMORY_POLICY.
    const m = Machine.boot({ memory: "1G", nodes: 2, swap: { size: "64M" } });
    const k = kernelOf(m);
    const all = totalram_pages(k) + k.total_swap_pages;
    const oc = req(m);
    oc.nodemask = [0, 1];
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_NONE);
    expect(oc.totalpages).toBe(all);
    oc.nodemask = [1];
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_MEMORY_POLICY);
    expect(oc.totalpages).toBe(k.total_swap_pages + k.node_data[1].node_present_pages);
    oc.gfp_mask = GFP_KERNEL | __GFP_THISNODE;
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_NONE);
    expect(oc.totalpages).toBe(all);
    oc.gfp_mask = GFP_KERNEL;
    oc.zonelist = [];
    expect(constrained_alloc(k, oc)).toBe(CONSTRAINT_NONE);
  });

  it("lets a dying current task take the reserves instead of killing again (task_will_free_mem(current))", () => {
    // mm/oom_kill.c out_of_memory: `if (task_will_free_mem(current)) { mark_oom_victim(current);
    // queue_oom_reaper(current); return true; }` — before any report or kill.
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    allocInKernelUntilOom(m, p); // killed, still in the kernel: SIGKILL pending
    const kills = kernelOf(m).vm_events[OOM_KILL];
    const headers = m.dmesg().match(/invoked oom-killer/g)?.length;
    const k = kernelOf(m);
    k.currentPid = p.pid;
    k.currentComm = p.comm;
    expect(out_of_memory(k, req(m))).toBe(true);
    expect(k.vm_events[OOM_KILL]).toBe(kills);
    expect(m.dmesg().match(/invoked oom-killer/g)?.length).toBe(headers);
  });

  it("panics for a mempolicy OOM only with panic_on_oom=2, and never for a sysrq one", () => {
    // check_panic_on_oom: panic_on_oom == 1 only affects CONSTRAINT_NONE; 2 is "compulsory";
    // is_sysrq_oom (order == -1) never panics.
    for (const v of [1, 2]) {
      const m = Machine.boot({ memory: "1G", nodes: 2, sysctl: { "vm.panic_on_oom": v } });
      const p = m.spawn({ comm: "p" });
      hog(p, 8 * MiB);
      const oc = req(m);
      oc.nodemask = [1];
      if (v === 1) {
        expect(out_of_memory(kernelOf(m), oc)).toBe(true);
        expect(m.dmesg()).toMatch(/oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,/);
        expect(m.dmesg()).toMatch(new RegExp(`Out of memory: Killed process ${p.pid} \\(p\\)`));
      } else {
        expect(() => out_of_memory(kernelOf(m), oc)).toThrow(/Out of memory: compulsory panic_on_oom is enabled/);
      }
    }
    const m = Machine.boot({ memory: "128M", sysctl: { "vm.panic_on_oom": 2 } });
    const sysrq = req(m);
    sysrq.order = -1;
    expect(out_of_memory(kernelOf(m), sysrq)).toBe(false); // nothing killable but init: no victim, no panic
    expect(m.dmesg()).toMatch(/Out of memory and no killable processes\.\.\./);
    expect(m.dmesg()).not.toMatch(/Kernel panic/);
  });

  it("forgets a nodemask that does not constrain (nodemask=(null) in the summary)", () => {
    // out_of_memory: `if (oc->constraint != CONSTRAINT_MEMORY_POLICY) oc->nodemask = NULL;`
    const m = Machine.boot({ memory: "1G", nodes: 2 });
    const p = m.spawn({ comm: "p" });
    hog(p, 8 * MiB);
    const oc = req(m);
    oc.nodemask = [0, 1];
    expect(out_of_memory(kernelOf(m), oc)).toBe(true);
    expect(m.dmesg()).toMatch(new RegExp(`oom-kill:constraint=CONSTRAINT_NONE,nodemask=\\(null\\),.*task=p,pid=${p.pid},`));
  });

  it("does not kill the allocating task under oom_kill_allocating_task when its oom_score_adj is -1000", () => {
    // out_of_memory: the allocating task is taken only if current->signal->oom_score_adj !=
    // OOM_SCORE_ADJ_MIN (and it is killable); otherwise select_bad_process chooses.
    const m = Machine.boot({ memory: "160M", sysctl: { "vm.oom_kill_allocating_task": 1 } });
    const big = m.spawn({ comm: "big" });
    hog(big, 60 * MiB);
    const shielded = m.spawn({ comm: "shielded", oomScoreAdj: -1000 });
    for (let i = 0; i < 200 && big.alive; i++) hog(shielded, MiB);
    expect(big.alive).toBe(false);
    expect(shielded.alive).toBe(true);
    expect(m.dmesg()).toMatch(new RegExp(`Out of memory: Killed process ${big.pid} \\(big\\)`));
    expect(m.dmesg()).not.toMatch(/oom_kill_allocating_task/);
  });

  it("prints panic()'s stack as the kernel unwinds it from out_of_memory: panic's frames, then the fault's below out_of_memory", () => {
    // kernel/panic.c panic: pr_emerg("Kernel panic - not syncing: %s"), dump_stack() — whose
    // innermost frames are dump_stack_lvl, panic and out_of_memory.cold, above the same callers
    // (__alloc_pages_slowpath … asm_exc_page_fault) as a report's trace — then "Kernel Offset:
    // disabled" (no KASLR: nokaslr) and "---[ end Kernel panic - not syncing: %s ]---".
    const m = Machine.boot({ memory: "128M", sysctl: { "vm.panic_on_oom": 1 } });
    const p = m.spawn({ comm: "hog" });
    expect(() => {
      for (let i = 0; i < 200; i++) hog(p, MiB);
    }).toThrow(KernelPanic);
    const lines = m.dmesg().split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
    const at = lines.indexOf("Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled");
    expect(at).toBeGreaterThan(0);
    const trace = realFaultTrace();
    const after = lines.slice(at + 1);
    const from = after.indexOf(" <TASK>");
    const to = after.indexOf(" </TASK>");
    const frames = after.slice(from + 1, after.findIndex((l) => l.startsWith("RIP: ")));
    // panic+0x118/0x2f4 is the captured frame (wo-pte's "System is deadlocked on memory" panic);
    // out_of_memory.cold+0x67 is check_panic_on_oom's panic call's return address in the same
    // Debian 6.1.192 vmlinux (src/arch/x86/dumpstack.ts says how its offsets were taken).
    expect(frames).toEqual([" dump_stack_lvl+0x44/0x5c", " panic+0x118/0x2f4", " out_of_memory.cold+0x67/0x7e", ...trace.slice(4)]);
    expect(after[to + 1]).toBe("Kernel Offset: disabled");
    expect(after[to + 2]).toBe("---[ end Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled ]---");
  });
});

/** The frames of w3a's real report 1, between " <TASK>" and the registers. */
function realFaultTrace(): string[] {
  const lines = readFileSync(new URL("../../test/realkernel/data/w3a/oom_report.1", import.meta.url), "utf8")
    .split("\n")
    .map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
  return lines.slice(lines.indexOf(" <TASK>") + 1, lines.findIndex((l) => l.startsWith("RIP: ")));
}

