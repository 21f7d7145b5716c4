/**
 * The OOM killer's less travelled paths, each held to the 6.1 code it models: when the report
 * lists the unreclaimable slab caches (should_dump_unreclaim_slab's sum, at its boundary), a
 * victim's SIGKILL and reaper timer taken once, the reaper's choice of timer and what it leaves
 * mapped (hugetlb), a victim that exits before its timer, oom_deliver_kills' tasks that exited
 * on their own or whose code is on the stack, and oom_kill_process sparing a chosen task that is
 * already dying. Written to kill mutants `npm run mutate -- src/mm/oom_kill.ts` found surviving
 * (docs/architecture.md, "Mutation testing").
 */
import { describe, expect, it } from "vitest";
import { kernelOf, taskOf } from "../api/internals.js";
import { SIGNAL_GROUP_EXIT, TIF_MEMDIE } from "../kernel/sched.js";
import { Machine } from "../sim/machine.js";
import { ProcessKilled, type Process } from "../sim/process.js";
import { GFP_KERNEL } from "./gfp.js";
import { MMF_OOM_SKIP } from "./mm_types.js";
import {
  __oom_kill_process,
  CONSTRAINT_NONE,
  mark_oom_victim,
  oom_deliver_kills,
  oom_reaper_next,
  oom_reaper_run,
  out_of_memory,
  queue_oom_reaper,
  should_dump_unreclaim_slab,
  type oom_control,
} from "./oom_kill.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_UNEVICTABLE,
  OOM_KILL,
} from "./vmstat_items.js";
import { allocInKernelUntilOom } from "./oom_kill.testutil.js";

const MiB = 1 << 20;

function hog(p: Process, bytes: number, flags = "private|anonymous"): void {
  const a = p.mmap(bytes, { prot: "rw", flags });
  p.write(a, bytes);
}

function req(m: Machine): oom_control {
  const k = kernelOf(m);
  return { zonelist: k.node_data[0].node_zonelists, nodemask: null, memcg: null, gfp_mask: GFP_KERNEL, order: 0, totalpages: 0, constraint: CONSTRAINT_NONE, chosen: null, chosen_points: 0 };
}

describe("should_dump_unreclaim_slab", () => {
  // mm/oom_kill.c: nr_lru = the six LRU lists' pages (NR_ACTIVE_ANON … NR_ISOLATED_FILE) +
  // NR_UNEVICTABLE; return unreclaimable slab pages > nr_lru.
  const LRU = [NR_ACTIVE_ANON, NR_INACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_FILE, NR_ISOLATED_ANON, NR_ISOLATED_FILE, NR_UNEVICTABLE];

  it("counts every LRU item, on every node, and dumps only when slab is strictly larger", () => {
    const m = Machine.boot({ memory: "512M", nodes: 2 });
    const k = kernelOf(m);
    const nodes = k.node_data;
    const saved = nodes.map((p) => Float64Array.from(p.vm_stat));
    try {
      for (const item of LRU) {
        for (const p of nodes) {
          for (const i of LRU) p.vm_stat[i] = 0;
          p.vm_stat[NR_SLAB_UNRECLAIMABLE_B] = 0;
        }
        // 600 pages of this item on node 0 and 400 on node 1; slab split the other way.
        nodes[0].vm_stat[item] = 600;
        nodes[1].vm_stat[item] = 400;
        nodes[0].vm_stat[NR_SLAB_UNRECLAIMABLE_B] = 300;
        nodes[1].vm_stat[NR_SLAB_UNRECLAIMABLE_B] = 700;
        expect([item, should_dump_unreclaim_slab(k)]).toEqual([item, false]); // 1000 > 1000 is false
        nodes[1].vm_stat[NR_SLAB_UNRECLAIMABLE_B] = 701;
        expect([item, should_dump_unreclaim_slab(k)]).toEqual([item, true]);
        nodes[0].vm_stat[item] = 601;
        expect([item, should_dump_unreclaim_slab(k)]).toEqual([item, false]);
      }
    } finally {
      nodes.forEach((p, i) => p.vm_stat.set(saved[i]));
    }
  });

  it("ends a report with the unreclaimable caches when a kernel leak outweighs the LRU, and not otherwise", () => {
    const m = Machine.boot({ memory: "192M" });
    const app = m.spawn({ comm: "app" });
    hog(app, 24 * MiB);
    const drv = m.spawn({ comm: "driver" });
    expect(() => drv.kmalloc({ size: 4096, count: 100_000, leak: true })).toThrow(ProcessKilled);
    const log = m.dmesg();
    const first = log.indexOf("invoked oom-killer");
    const second = log.indexOf("invoked oom-killer", first + 1);
    expect(first).toBeGreaterThanOrEqual(0);
    // The first OOM comes while app's 24 MiB are still on the LRU: is the slab already bigger?
    const slabTable = /Unreclaimable slab info:\n.*Name {22}Used {10}Total\n((?:.*\n)+?).*Tasks state/;
    const reports = second > 0 ? [log.slice(first, second), log.slice(second)] : [log.slice(first)];
    const withTable = reports.filter((r) => r.includes("Unreclaimable slab info:"));
    expect(withTable.length).toBeGreaterThan(0);
    const rows = (slabTable.exec(withTable[0])?.[1] ?? "").trimEnd().split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] /, ""));
    // mm/slab_common.c dump_unreclaimable_slab: "%-17s %10luKB %10luKB", no SLAB_RECLAIM_ACCOUNT cache.
    for (const r of rows) {
      const [name, used, total] = /^(\S+) +(\d+)KB +(\d+)KB$/.exec(r)?.slice(1) ?? ["", "", ""];
      expect(r).toBe(`${name.padEnd(17)} ${used.padStart(10)}KB ${total.padStart(10)}KB`);
      expect(Number(used)).toBeLessThanOrEqual(Number(total));
    }
    const names = rows.map((r) => r.split(/ +/)[0]);
    expect(names).toContain("kmalloc-4k");
    for (const reclaimable of ["dentry", "radix_tree_node", "inode_cache"]) expect(names).not.toContain(reclaimable);
    // The leaking cache holds more than every other unreclaimable cache together.
    const used = rows.map((r) => Number(/ (\d+)KB /.exec(r)?.[1]));
    const leak = used[names.indexOf("kmalloc-4k")];
    expect(leak).toBeGreaterThan(used.reduce((a, b) => a + b, 0) - leak);

    // An ordinary user OOM: the LRU outweighs the slab, no table.
    const m2 = Machine.boot({ memory: "192M" });
    const u = m2.spawn({ comm: "u" });
    hog(u, 100 * MiB);
    expect(() => hog(u, 100 * MiB)).toThrow(ProcessKilled);
    expect(m2.dmesg()).toContain("invoked oom-killer");
    expect(m2.dmesg()).not.toContain("Unreclaimable slab info:");
  });
});

describe("a victim's kill and its reaper timer", () => {
  it("queues a reaper timer once per mm and sends SIGKILL once (a second kill of the same task adds neither)", () => {
    // queue_oom_reaper: `if (test_and_set_bit(MMF_OOM_REAP_QUEUED, &tsk->signal->oom_mm->flags)) return;`
    // do_send_sig_info(SIGKILL) on a task already killed: the signal is already pending.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "victim" });
    hog(p, 8 * MiB);
    const t = taskOf(p);
    k.currentPid = 0;
    __oom_kill_process(k, t, "Out of memory");
    __oom_kill_process(k, t, "Out of memory");
    expect(k.vm_events[OOM_KILL]).toBe(2); // 6.1 counts each call (an oom.group kill repeats the victim)
    expect(k.oom.timers.filter((x) => x.tsk === t).length).toBe(1);
    expect(k.oom.pending.filter((x) => x === t).length).toBe(1);
    expect(t.signal.flags & SIGNAL_GROUP_EXIT).not.toBe(0);
  });

  it("wakes for the earliest timer among several, and reaps each when its own timer expires", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const a = m.spawn({ comm: "a" });
    const b = m.spawn({ comm: "b" });
    hog(a, 4 * MiB);
    hog(b, 4 * MiB);
    const [ta, tb] = [taskOf(a), taskOf(b)];
    expect(oom_reaper_next(k)).toBe(Infinity);
    mark_oom_victim(k, tb);
    queue_oom_reaper(k, tb);
    const tbExpires = k.now_ns + 2e9;
    m.advance("500ms");
    mark_oom_victim(k, ta);
    queue_oom_reaper(k, ta);
    // b's timer (queued first) is the earlier one, whichever order the list holds them in.
    expect(oom_reaper_next(k)).toBe(tbExpires);
    k.now_ns = tbExpires;
    oom_reaper_run(k);
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${b.pid} \\(b\\)`));
    expect(m.dmesg()).not.toMatch(new RegExp(`reaped process ${a.pid} `));
    expect(oom_reaper_next(k)).toBe(tbExpires + 0.5e9);
  });

  it("does not reap a victim that exited before its timer, and marks its mm skipped", () => {
    // oom_reaper: `if (test_bit(MMF_OOM_SKIP, &mm->flags))` nothing to do (exit_mmap set it); a
    // task that exited has no mm users left.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "gone" });
    hog(p, 4 * MiB);
    const t = taskOf(p);
    const mm = t.mm!;
    const events: string[] = [];
    for (const ev of ["wake_reaper", "start_task_reaping", "finish_task_reaping", "skip_task_reaping"]) m.trace.on(ev, (e) => events.push(`${ev} ${e.message}`));
    mark_oom_victim(k, t);
    queue_oom_reaper(k, t);
    p.exit(0);
    k.now_ns += 3e9;
    oom_reaper_run(k);
    // wake_oom_reaper: "The victim managed to terminate on its own - see exit_mmap": the timer
    // returns before trace_wake_reaper, so the reaper never even skips it.
    expect(events).toEqual([]);
    expect(m.dmesg()).not.toContain("oom_reaper: reaped process");
    expect(mm.flags & (1 << MMF_OOM_SKIP)).not.toBe(0);
    expect(k.oom.timers.length).toBe(0);
  });

  it("leaves a victim's hugetlb mapping to its exit (VM_HUGETLB is skipped)", () => {
    // __oom_reap_task_mm: `if (vma->vm_flags & (VM_HUGETLB|VM_PFNMAP)) continue;`
    const m = Machine.boot({ memory: "192M" });
    m.write("/proc/sys/vm/nr_hugepages", "8\n");
    const p = m.spawn({ comm: "huge" });
    hog(p, 4 * MiB, "private|anonymous|hugetlb");
    hog(p, 48 * MiB);
    const free = (): string => /HugePages_Free:\s+(\d+)/.exec(m.read("/proc/meminfo"))?.[1] ?? "";
    expect(free()).toBe("6");
    allocInKernelUntilOom(m, p);
    m.advance("2s");
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${p.pid} \\(huge\\), now anon-rss:0kB`));
    expect(free()).toBe("6");
  });
});

describe("oom_deliver_kills", () => {
  it("drops a pending victim that already exited, and leaves the one whose fault a kernel thread interrupted", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const a = m.spawn({ comm: "a" });
    const b = m.spawn({ comm: "b" });
    const c = m.spawn({ comm: "c" });
    const [ta, tb, tc] = [taskOf(a), taskOf(b), taskOf(c)];
    for (const t of [ta, tb, tc]) mark_oom_victim(k, t);
    expect(k.oom.oom_victims).toBe(3);
    a.exit(0); // exited on its own with its SIGKILL still queued: state X
    k.oom.pending.push(ta, tb);
    k.currentPid = 0;
    k.in_kthread = 1;
    k.kthread_interrupted_pid = tb.pid;
    try {
      // a is only taken off the list (it exited by itself: nothing exits here), b stays.
      expect(oom_deliver_kills(k)).toBe(false);
      expect(k.oom.pending).toEqual([tb]);
      k.oom.pending.push(tc);
      expect(oom_deliver_kills(k)).toBe(true); // c exits here
    } finally {
      k.in_kthread = 0;
      k.kthread_interrupted_pid = 0;
    }
    expect(k.oom.pending).toEqual([tb]);
    expect(ta.thread_flags & (1 << TIF_MEMDIE)).toBe(0);
    expect(tc.thread_flags & (1 << TIF_MEMDIE)).toBe(0);
    expect(tb.thread_flags & (1 << TIF_MEMDIE)).not.toBe(0);
    expect(k.oom.oom_victims).toBe(1);
    expect(c.alive).toBe(false);
    expect(b.alive).toBe(true);
    // Outside the kernel thread, b's exit is delivered too.
    expect(oom_deliver_kills(k)).toBe(true);
    expect(k.oom.pending).toEqual([]);
    expect(b.alive).toBe(false);
  });
});

describe("oom_kill_process", () => {
  it("gives a chosen task that is already dying the reserves and the reaper, without a kill or a report", () => {
    // oom_kill_process: `if (task_will_free_mem(victim)) { mark_oom_victim(victim);
    // queue_oom_reaper(victim); return; }` — here the chosen task has a fatal signal pending
    // while another task is the one allocating.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const big = m.spawn({ comm: "big" });
    hog(big, 64 * MiB);
    const small = m.spawn({ comm: "small" });
    const tb = taskOf(big);
    tb.signal.flags |= SIGNAL_GROUP_EXIT;
    k.currentPid = small.pid;
    k.currentComm = small.comm;
    const kills = k.vm_events[OOM_KILL];
    expect(out_of_memory(k, req(m))).toBe(true);
    expect(k.vm_events[OOM_KILL]).toBe(kills);
    expect(m.dmesg()).not.toContain("invoked oom-killer");
    expect(tb.thread_flags & (1 << TIF_MEMDIE)).not.toBe(0);
    expect(k.oom.timers.map((x) => x.tsk)).toEqual([tb]);
  });
});

describe("a memory-cgroup OOM's badness", () => {
  it("weighs oom_score_adj by the group's limit (totalpages = memory.max in pages), not by the machine's", () => {
    // constrained_alloc: `oc->totalpages = mem_cgroup_get_max(oc->memcg) ?: 1;` and oom_badness:
    // `adj *= totalpages / 1000`. At memory.max 40M (10240 pages) an adj of 500 is worth 5000
    // pages, more than big's 20 MiB (5120 pages) minus small's 8 MiB (2048): small is chosen.
    // Weighed by the machine's 256M (≈ 60 k pages) it would still be small; weighed by 1 page
    // (totalpages lost) it would be big.
    const m = Machine.boot({ memory: "256M" });
    const CG = "/sys/fs/cgroup";
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/g`);
    m.write(`${CG}/g/memory.max`, "40M");
    const big = m.spawn({ comm: "big", cgroup: "/g" });
    hog(big, 20 * MiB);
    const small = m.spawn({ comm: "small", cgroup: "/g" });
    small.setOomScoreAdj(500);
    hog(small, 8 * MiB);
    const third = m.spawn({ comm: "third", cgroup: "/g" });
    expect(() => hog(third, 16 * MiB)).not.toThrow();
    expect(m.dmesg()).toMatch(new RegExp(`Memory cgroup out of memory: Killed process ${small.pid} \\(small\\)`));
    expect(big.alive).toBe(true);
  });
});

describe("a reaped victim that allocates again", () => {
  it("is not taken for one that will free its memory: the OOM killer picks another task", () => {
    // task_will_free_mem: `if (test_bit(MMF_OOM_SKIP, &mm->flags)) return false;` — the reaper
    // has stripped it (MMF_OOM_SKIP), so its exit frees nothing more; its next OOM entry must
    // not just mark it again and retry (which would livelock), but select another victim, past
    // it (oom_evaluate_task skips a victim whose mm has MMF_OOM_SKIP).
    const m = Machine.boot({ memory: "192M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "hog" });
    hog(p, 48 * MiB);
    const q = m.spawn({ comm: "other" });
    hog(q, 24 * MiB);
    allocInKernelUntilOom(m, p);
    m.advance("2s");
    expect(m.dmesg()).toMatch(new RegExp(`oom_reaper: reaped process ${p.pid} \\(hog\\)`));
    const kills = k.vm_events[OOM_KILL];
    k.currentPid = p.pid;
    k.currentComm = p.comm;
    expect(out_of_memory(k, req(m))).toBe(true);
    expect(k.vm_events[OOM_KILL]).toBe(kills + 1);
    expect(m.dmesg()).toMatch(new RegExp(`Out of memory: Killed process ${q.pid} \\(other\\)`));
  });
});
