import { describe, expect, it } from "vitest";
import { decodeOomLog } from "../decode/oom.js";
import { Machine } from "../sim/machine.js";
import type { Process } from "../sim/process.js";
import { ProcessKilled } from "../sim/process.js";
import { GFP_KERNEL, GFP_NOFS } from "./gfp.js";
import { get_mm_rss, MM_ANONPAGES } from "./mm_types.js";
import { proc_oom_score } from "../fs/proc/base.js";
import { KernelPanic } from "../kernel/panic.js";
import { CONSTRAINT_MEMORY_POLICY, CONSTRAINT_NONE, constrained_alloc, oom_badness, type oom_control, out_of_memory, tsk_is_oom_victim } from "./oom_kill.js";
import { alloc_pages, totalram_pages } from "./page_alloc.js";
import { NO_PFN } from "./types.js";
import { OOM_KILL } from "./vmstat_items.js";
import { kernelOf, taskOf } from "../api/internals.js";

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

/**
 * Allocates kernel pages on `p`'s behalf (as a syscall in its context would) until the OOM killer
 * has run: the task is then inside the kernel, not returning to user mode, so a kill leaves it
 * marked but alive — the case the oom_reaper exists for.
 */
function allocInKernelUntilOom(m: Machine, p: Process): void {
  const k = kernelOf(m);
  const kills = k.vm_events[OOM_KILL];
  const saved = [k.currentPid, k.currentComm] as const;
  k.currentPid = p.pid;
  k.currentComm = p.comm;
  try {
    for (let i = 0; i < 1_000_000 && k.vm_events[OOM_KILL] === kills; i++) {
      if (alloc_pages(k, GFP_KERNEL, 0) === NO_PFN) break;
    }
  } finally {
    [k.currentPid, k.currentComm] = saved;
  }
  if (k.vm_events[OOM_KILL] === kills) throw new Error("the OOM killer never ran");
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

describe("out_of_memory", () => {
  it("kills the task with the highest badness, not the allocating one, which goes on", () => {
    const m = Machine.boot({ memory: "128M" });
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
    const m = Machine.boot({ memory: "128M" });
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
    const m = Machine.boot({ memory: "128M", sysctl: { "vm.panic_on_oom": 1 } });
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
    const m = Machine.boot({ memory: "128M", sysctl: { "vm.oom_kill_allocating_task": 1, "vm.oom_dump_tasks": 0 } });
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
    const m = Machine.boot({ memory: "128M" });
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
    const m = Machine.boot({ memory: "128M" });
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
    const m = Machine.boot({ memory: "128M" });
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
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ comm: "p" });
    hog(p, 4 * MiB);
    expect(out_of_memory(kernelOf(m), req(m, GFP_NOFS))).toBe(true);
    expect(p.alive).toBe(true);
    expect(m.dmesg()).not.toMatch(/invoked oom-killer/);
  });

  it("emits the mark_victim tracepoint in 6.1's format", () => {
    const m = Machine.boot({ memory: "128M" });
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
