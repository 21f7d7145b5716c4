/**
 * The OOM killer's paths that src/mm/oom_kill.test.ts leaves to files whose work runs outside any
 * test (test/realkernel/oom.test.ts's w3a run) or does not reach: every line of w3a's reports, a
 * memory-cgroup OOM beside a bigger task outside the group, the victim counter and TIF_MEMDIE,
 * task_will_free_mem(current) on a sysrq OOM, and the oom_reaper leaving shared memory alone.
 * Written to kill the mutants `npm run mutate -- src/mm/oom_kill.ts` found surviving
 * (docs/architecture.md, "Mutation testing"); each test states the 6.1 code it holds the model to.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kernelOf, taskOf } from "../api/internals.js";
import { TIF_MEMDIE } from "../kernel/sched.js";
import { Machine } from "../sim/machine.js";
import { type Process, ProcessKilled } from "../sim/process.js";
import { GFP_KERNEL } from "./gfp.js";
import { CONSTRAINT_NONE, type oom_control, out_of_memory } from "./oom_kill.js";
import { OOM_KILL } from "./vmstat_items.js";
import { oomReports } from "../validate/console.js";
import { allocInKernelUntilOom } from "./oom_kill.testutil.js";

const MiB = 1 << 20;
const CG = "/sys/fs/cgroup";

function hog(p: Process, bytes: number, flags = "private|anonymous"): void {
  const a = p.mmap(bytes, { prot: "rw", flags });
  p.write(a, bytes);
}


function req(m: Machine, order = 0): oom_control {
  const k = kernelOf(m);
  return { zonelist: k.node_data[0].node_zonelists, nodemask: null, memcg: null, gfp_mask: GFP_KERNEL, order, totalpages: 0, constraint: CONSTRAINT_NONE, chosen: null, chosen_points: 0 };
}

describe("a memory-cgroup OOM", () => {
  it("chooses among the group's tasks only, lists only them, and counts the kill in the group's memory.events", () => {
    // mm/oom_kill.c select_bad_process: `if (is_memcg_oom(oc)) mem_cgroup_scan_tasks(oc->memcg,
    // oom_evaluate_task, oc)`; dump_tasks likewise scans only the memcg; __oom_kill_process:
    // memcg_memory_event_mm(mm, MEMCG_OOM_KILL) on the victim's memcg.
    const m = Machine.boot({ memory: "256M" });
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/rk`);
    m.write(`${CG}/rk/memory.max`, "16M");
    const big = m.spawn({ comm: "big" });
    hog(big, 64 * MiB); // the biggest task of the machine, outside the group
    const small = m.spawn({ comm: "small", cgroup: "/rk" });
    expect(() => hog(small, 32 * MiB)).toThrow(ProcessKilled);
    expect(big.alive).toBe(true);
    const log = m.dmesg();
    expect(log).toMatch(new RegExp(`Memory cgroup out of memory: Killed process ${small.pid} \\(small\\)`));
    const table = log.slice(log.lastIndexOf("Tasks state (memory values in pages):"));
    const rows = [...table.matchAll(/^\[\s*\d+\.\d+\] \[\s*(\d+)\]/gm)].map((x) => Number(x[1]));
    expect(rows).toEqual([small.pid]);
    expect(/^oom_kill (\d+)$/m.exec(m.read(`${CG}/rk/memory.events`))?.[1]).toBe("1");
  });
});

describe("the victims in flight", () => {
  it("marks a victim once (TIF_MEMDIE, oom_victims 1) and unmarks it when it exits", () => {
    // mark_oom_victim: `if (test_and_set_tsk_thread_flag(tsk, TIF_MEMDIE)) return; …
    // atomic_inc(&oom_victims);` exit_oom_victim: clear_thread_flag(TIF_MEMDIE);
    // atomic_dec_return(&oom_victims).
    const m = Machine.boot({ memory: "160M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    const q = m.spawn({ comm: "q" }); // spawned first: a spawn lets a pending victim run and exit
    allocInKernelUntilOom(m, p); // killed inside the kernel: marked, still alive
    const t = taskOf(p);
    expect(t.thread_flags & (1 << TIF_MEMDIE)).not.toBe(0);
    expect(k.oom.oom_victims).toBe(1);
    // Its own next OOM entry (task_will_free_mem(current)) marks it again: no second count.
    k.currentPid = p.pid;
    k.currentComm = p.comm;
    expect(out_of_memory(k, req(m))).toBe(true);
    expect(k.oom.oom_victims).toBe(1);
    // Another task's OOM entry lets the sleeping victim exit, and kills nobody else.
    const kills = k.vm_events[OOM_KILL];
    k.currentPid = q.pid;
    k.currentComm = q.comm;
    expect(out_of_memory(k, req(m))).toBe(true);
    expect(p.alive).toBe(false);
    expect(k.vm_events[OOM_KILL]).toBe(kills);
    expect(t.thread_flags & (1 << TIF_MEMDIE)).toBe(0);
    expect(k.oom.oom_victims).toBe(0);
  });

  it("lets a dying current task take the reserves on a sysrq OOM too, without a report or a kill", () => {
    // out_of_memory: `if (task_will_free_mem(current)) { mark_oom_victim(current);
    // queue_oom_reaper(current); return true; }` comes before the sysrq check that would let
    // select_bad_process look past a victim (is_sysrq_oom in oom_evaluate_task): with it gone,
    // the dying task itself would be chosen and the report printed again.
    const m = Machine.boot({ memory: "160M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "hog" });
    hog(p, 64 * MiB);
    allocInKernelUntilOom(m, p);
    const kills = k.vm_events[OOM_KILL];
    const headers = m.dmesg().match(/invoked oom-killer/g)?.length;
    k.currentPid = p.pid;
    k.currentComm = p.comm;
    expect(out_of_memory(k, req(m, -1))).toBe(true);
    expect(k.vm_events[OOM_KILL]).toBe(kills);
    expect(m.dmesg().match(/invoked oom-killer/g)?.length).toBe(headers);
  });
});

describe("the oom_reaper", () => {
  it("strips private memory and leaves a shared mapping's pages", () => {
    // __oom_reap_task_mm: `if (vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED))` unmap;
    // a MAP_SHARED|MAP_ANONYMOUS mapping is shmem (not vma_is_anonymous) and shared: kept, so
    // the reaper's line still shows its 8 MiB as shmem-rss (rss counters << (PAGE_SHIFT - 10)).
    const m = Machine.boot({ memory: "160M" });
    const p = m.spawn({ comm: "hog" });
    hog(p, 8 * MiB, "shared|anonymous");
    hog(p, 48 * MiB);
    allocInKernelUntilOom(m, p);
    m.advance("2s");
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${p.pid} \\(hog\\), now anon-rss:0kB, file-rss:0kB, shmem-rss:8192kB\n`));
  });
});


describe("w3a's two reports, every line, inside a test", () => {
  // test/realkernel/oom.test.ts compares the same run with the real reports, but does its work in
  // the describe body, where a mutant is not switched on yet (docs/architecture.md, "Mutation
  // testing"): this runs w3a (256 MiB, no swap; memA 40 MiB adj 500, memB 60 MiB, memC 1 MiB at a
  // time; /init's usleep helper at adj -1000) inside `it` and holds every line of both reports to
  // the real one's shape (numbers and hex masked, runs of spaces folded), and the lines that
  // depend on no measured size to the real text exactly. Sizes are realkernel/oom.test.ts's to
  // compare, with its tolerances.
  const stripTime = (text: string): string[] => text.trimEnd().split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
  const shape = (l: string): string =>
    l
      .replace(/ \([UMEHCI]+\)/g, "")
      .replace(/all_unreclaimable\? (yes|no)/, "all_unreclaimable? B")
      .replace(/\b0x[0-9a-f]+\b/g, "N")
      .replace(/\b[0-9a-f]{16}\b/g, "N")
      .replace(/\b(?:[0-9a-f]{2} )+[0-9a-f]{2}\b/g, "N")
      .replace(/\d+/g, "N")
      .replace(/ +/g, " ");
  const reportsOf = (dmesg: string): string[][] => oomReports(dmesg).map(stripTime);
  const real = [1, 2].map((n) => stripTime(readFileSync(new URL(`../../test/realkernel/data/w3a/oom_report.${n}`, import.meta.url), "utf8")));

  it("prints both reports with the real reports' lines, and their fixed lines as the real kernel does", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const spawnAt = (pid: number, comm: string, adj: number): Process => {
      k.tasks.last_pid = pid - 1;
      return m.spawn({ comm, oomScoreAdj: adj });
    };
    const mapTouch = (p: Process, bytes: number): void => {
      const a = p.mmap(bytes, { prot: "rw", flags: "private|anonymous" });
      p.madvise(a, bytes, "nohugepage");
      p.write(a, bytes);
    };
    mapTouch(spawnAt(89, "memA", 500), 40 * MiB);
    mapTouch(spawnAt(92, "memB", 0), 60 * MiB);
    const C = spawnAt(115, "memC", 0);
    spawnAt(119, "usleep", -1000);
    expect(() => {
      for (let i = 0; i < 1024; i++) mapTouch(C, MiB);
    }).toThrow(ProcessKilled);
    const model = reportsOf(m.dmesg());
    expect(model.length).toBe(2);
    for (let r = 0; r < 2; r++) {
      expect(model[r].map(shape), `report ${r + 1}`).toEqual(real[r].map(shape));
      // The lines no measured size enters: the trigger, the stack banner, the task table's header
      // and its rows' pid, uid, tgid, swapents, adj and name, the summary, the kill line's head.
      const fixed = (lines: string[]): string[] =>
        lines.flatMap((l) => {
          if (/^(memC invoked oom-killer|CPU: |Hardware name:|Call Trace:|Tasks state|\[ {2}pid {2}\]|oom-kill:)/.test(l)) return [l];
          const row = /^\[\s*(\d+)\]\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+(\d+)\s+(-?\d+) (\S+)$/.exec(l);
          if (row) return [row.slice(1).join(" ")];
          const kill = /^(Out of memory: Killed process \d+ \(\S+\)) /.exec(l);
          return kill ? [kill[1]] : [];
        });
      expect(fixed(model[r]), `report ${r + 1}`).toEqual(fixed(real[r]));
    }
  });
});
