import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeOomLog } from "./oom.js";
import type { OomReport } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const fixtures = path.join(repoRoot, "test/fixtures/decode/oom");
const realkernel = path.resolve(repoRoot, "test/realkernel/data");
const read = (f: string): string => readFileSync(path.join(fixtures, f), "utf8");

interface Expect {
  trigger?: { comm: string; pid?: number; gfp?: number; names?: string; order?: number; adj?: number };
  constraint: string;
  victim?: { pid: number; comm: string; total_vm_kB?: number; anon_rss_kB?: number; file_rss_kB?: number; shmem_rss_kB?: number };
  selection?: { pid: number; score: number };
  contextPid?: number;
}

// Figures copied by hand from the fixture text, not from the decoder.
const CASES: Record<string, Expect[]> = {
  "rocketmq-3.10-global.log": [{ trigger: { comm: "AliYunDun", gfp: 0x201da, names: "GFP_HIGHUSER_MOVABLE|__GFP_COLD", order: 0, adj: 0 }, constraint: "global", victim: { pid: 5424, comm: "java", total_vm_kB: 147654756, anon_rss_kB: 6151080, file_rss_kB: 0 }, selection: { pid: 5424, score: 800 } }],
  "lkml-5.6-callerid-global.log": [{ trigger: { comm: "idle-priority", pid: 14021, gfp: 0x100dca, names: "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", order: 0, adj: 0 }, constraint: "global", victim: { pid: 23173, comm: "normal-priority", total_vm_kB: 4228, anon_rss_kB: 88, file_rss_kB: 0, shmem_rss_kB: 0 } }],
  "harvester-5.14-memcg-journal.log": [{ trigger: { comm: "virt-launcher", pid: 40785, gfp: 0xcc0, names: "GFP_KERNEL", order: 0, adj: 986 }, constraint: "memcg", contextPid: 39079 }],
  "harvester-5.3-memcg-dmesgT.log": [{ trigger: { comm: "CPU 11/KVM", pid: 70888, gfp: 0xcc0, names: "GFP_KERNEL", order: 0, adj: 830 }, constraint: "memcg", victim: { pid: 70870, comm: "qemu-system-x86", total_vm_kB: 73209856, anon_rss_kB: 66852088, file_rss_kB: 21948, shmem_rss_kB: 4 } }],
  "docker-4.4-memcg-v1.log": [{ trigger: { comm: "main", pid: 11345, gfp: 0x24000c0, names: "GFP_KERNEL", order: 0, adj: 0 }, constraint: "memcg", victim: { pid: 11344, comm: "main", total_vm_kB: 390360, anon_rss_kB: 183712, file_rss_kB: 1016 }, selection: { pid: 11344, score: 904 } }],
  "ltp-5.8-memcg-quoted.log": [{ trigger: { comm: "memcg_process", pid: 19289, gfp: 0xcc0, names: "GFP_KERNEL", order: 0, adj: 0 }, constraint: "memcg", victim: { pid: 19289, comm: "memcg_process", total_vm_kB: 2676, anon_rss_kB: 84, file_rss_kB: 1468, shmem_rss_kB: 4 } }],
  "lkml-4.13-nodemask-two-reports.log": [
    { trigger: { comm: "oom02", pid: 4583, gfp: 0x16080c0, names: "GFP_KERNEL|__GFP_ZERO|__GFP_NOTRACK", order: 0, adj: 0 }, constraint: "mempolicy", victim: { pid: 4578, comm: "oom02", total_vm_kB: 151104120, anon_rss_kB: 131562528, file_rss_kB: 1300, shmem_rss_kB: 0 }, selection: { pid: 4578, score: 952 } },
    { trigger: { comm: "oom02", pid: 4586, gfp: 0x16040c0, names: "GFP_KERNEL|__GFP_COMP|__GFP_NOTRACK", order: 0, adj: 0 }, constraint: "mempolicy" },
    { trigger: { comm: "oom02", pid: 4585, gfp: 0x16080c0, names: "GFP_KERNEL|__GFP_ZERO|__GFP_NOTRACK", order: 0, adj: 0 }, constraint: "mempolicy" },
  ],
  "codescout-7.0-journal-grep-swap.log": [{ trigger: { comm: "chromium", gfp: 0x140cca, names: "GFP_HIGHUSER_MOVABLE|__GFP_COMP", order: 0, adj: 200 }, constraint: "global", victim: { pid: 2621226, comm: "codescout", total_vm_kB: 176941204, anon_rss_kB: 68726128, file_rss_kB: 2708, shmem_rss_kB: 0 } }],
  "docker-2015-memcg-v1-notime.log": [{ constraint: "memcg", victim: { pid: 3897, comm: "stress", total_vm_kB: 1579488, anon_rss_kB: 1048132, file_rss_kB: 12 }, selection: { pid: 3897, score: 1001 } }],
  "centos8-4.18-messages-grep-three.log": [
    { trigger: { comm: "systemd", gfp: 0x6200ca, names: "GFP_HIGHUSER_MOVABLE", order: 0, adj: 0 }, constraint: "global", victim: { pid: 2092, comm: "node", total_vm_kB: 2546008, anon_rss_kB: 1665620, file_rss_kB: 936, shmem_rss_kB: 0 } },
    { trigger: { comm: "process reaper", gfp: 0x6200ca, names: "GFP_HIGHUSER_MOVABLE", order: 0, adj: 0 }, constraint: "global", victim: { pid: 633552, comm: "webpack", total_vm_kB: 33724164, anon_rss_kB: 1472004, file_rss_kB: 1964, shmem_rss_kB: 0 } },
    { trigger: { comm: "npm", gfp: 0x6200ca, names: "GFP_HIGHUSER_MOVABLE", order: 0, adj: 0 }, constraint: "global", victim: { pid: 11948, comm: "node", total_vm_kB: 6996560, anon_rss_kB: 2481908, file_rss_kB: 56, shmem_rss_kB: 0 } },
  ],
  "perl-3.x-dmesg-tail.log": [{ trigger: { comm: "perl", gfp: 0x280da, names: "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", order: 0, adj: 0 }, constraint: "global", victim: { pid: 18694, comm: "perl", total_vm_kB: 1972392, anon_rss_kB: 1953348, file_rss_kB: 0 }, selection: { pid: 18694, score: 246 } }],
  "rpi-6.12-arm64-swap-rss_anon.log": [{ trigger: { comm: "cron", pid: 550, gfp: 0x140cca, names: "GFP_HIGHUSER_MOVABLE|__GFP_COMP", order: 0, adj: 0 }, constraint: "global", victim: { pid: 996, comm: "python", total_vm_kB: 2991716, anon_rss_kB: 122228, file_rss_kB: 0, shmem_rss_kB: 0 } }],
  "flasherav-3.0-i386-highmem-swap.log": [{ trigger: { comm: "flasherav", pid: 2859, gfp: 0x201da, names: "GFP_HIGHUSER_MOVABLE|__GFP_COLD", order: 0, adj: 0 }, constraint: "global", victim: { pid: 2603, comm: "flasherav", total_vm_kB: 1498536, anon_rss_kB: 721784, file_rss_kB: 4228 }, selection: { pid: 2603, score: 761 } }],
  "bpf-6.16-memcg-v2-custom-constraint.log": [{ trigger: { comm: "kworker/u17:0", pid: 74, gfp: 0, order: 0, adj: 0 }, constraint: "memcg", victim: { pid: 675, comm: "test_progs", total_vm_kB: 648052, anon_rss_kB: 42848, file_rss_kB: 1028, shmem_rss_kB: 0 } }],
  "lkml-5.19-mempolicy-nrss-column.log": [{ constraint: "mempolicy", victim: { pid: 13135, comm: "a.out", total_vm_kB: 3148072, anon_rss_kB: 2697304, file_rss_kB: 1360, shmem_rss_kB: 0 } }],
  "lkml-5.8-cpuset-movable-node.log": [{ trigger: { comm: "runc:[2:INIT]", pid: 8291, gfp: 0x500cc2, names: "GFP_HIGHUSER|__GFP_ACCOUNT", order: 0, adj: 0 }, constraint: "cpuset", victim: { pid: 4100, comm: "containerd", total_vm_kB: 4077036, anon_rss_kB: 51184, file_rss_kB: 26016, shmem_rss_kB: 0 } }],
  "kind-5.x-memcg-v2-dmesgT-continuation.log": [{ constraint: "memcg", contextPid: 11638 }],
  "lkml-5.16-arm32-mailwrapped-panic.log": [{ trigger: { comm: "kworker/u2:2", pid: 29, gfp: 0xcc0, names: "GFP_KERNEL", order: 0, adj: 0 }, constraint: "global" }],
  "lkml-2019-sacrifice-child-vs-5.3-wrapped.log": [
    { constraint: "global", selection: { pid: 19961, score: 17 }, victim: { pid: 31357, comm: "sh", total_vm_kB: 5400, anon_rss_kB: 252, file_rss_kB: 4, shmem_rss_kB: 0 } },
    { constraint: "global", contextPid: 3035, victim: { pid: 3035, comm: "oomprocs", total_vm_kB: 1056800, anon_rss_kB: 8, file_rss_kB: 4, shmem_rss_kB: 0 } },
  ],
  "tidb-3.10-el7-kill-lines-indented.log": [{ constraint: "global", selection: { pid: 21945, score: 956 }, victim: { pid: 21945, comm: "tidb-server", total_vm_kB: 33027492, anon_rss_kB: 31303276, file_rss_kB: 0, shmem_rss_kB: 0 } }],
  "rhel6-2.6.32-blank-separated.log": [
    { constraint: "global", selection: { pid: 9682, score: 9 }, victim: { pid: 9682, comm: "mysqld", total_vm_kB: 47388, anon_rss_kB: 3744, file_rss_kB: 80 } },
    { trigger: { comm: "httpd", pid: 8911, gfp: 0x201da, names: "GFP_HIGHUSER_MOVABLE|__GFP_COLD", order: 0, adj: 0 }, constraint: "global" },
  ],
  "lxc-2.6.32-memcg-grep.log": [{ trigger: { comm: "java", gfp: 0xd0, names: "GFP_KERNEL", order: 0 }, constraint: "memcg", selection: { pid: 215701, score: 854 }, victim: { pid: 215701, comm: "java", total_vm_kB: 11017300, anon_rss_kB: 7152432, file_rss_kB: 1232 } }],
  "lkml-6.3-cpuset-useless-kill.log": [{ trigger: { comm: "mem_on_node0" }, constraint: "cpuset", victim: { pid: 13432, comm: "mem_on_node1" } }],
};

function check(rep: OomReport, e: Expect): void {
  expect(rep.constraint).toBe(e.constraint);
  if (e.trigger) {
    expect(rep.trigger.comm).toBe(e.trigger.comm);
    if (e.trigger.pid !== undefined) expect(rep.trigger.pid).toBe(e.trigger.pid);
    if (e.trigger.gfp !== undefined) expect(rep.trigger.gfp?.mask).toBe(e.trigger.gfp);
    if (e.trigger.names !== undefined) expect(rep.trigger.gfp?.names).toBe(e.trigger.names);
    if (e.trigger.order !== undefined) expect(rep.trigger.order).toBe(e.trigger.order);
    if (e.trigger.adj !== undefined) expect(rep.trigger.oom_score_adj).toBe(e.trigger.adj);
  } else expect(rep.missing.map((m) => m.part)).toContain("trigger");
  if (e.victim) {
    const v = rep.victim!;
    expect(v.pid).toBe(e.victim.pid);
    expect(v.comm).toBe(e.victim.comm);
    for (const k of ["total_vm_kB", "anon_rss_kB", "file_rss_kB", "shmem_rss_kB"] as const) if (e.victim[k] !== undefined) expect(v[k]).toBe(e.victim[k]);
  }
  if (e.selection) expect({ pid: rep.selection?.pid, score: rep.selection?.score }).toEqual(e.selection);
  if (e.contextPid !== undefined) expect(rep.context?.pid).toBe(e.contextPid);
}

describe("OOM reports from public sources", () => {
  it("has an expectation for every fixture file", () => {
    expect(readdirSync(fixtures).filter((f) => f.endsWith(".log")).sort()).toEqual(Object.keys(CASES).sort());
  });
  for (const [file, exps] of Object.entries(CASES)) {
    it(`${file}: extracts trigger, gfp_mask, order, constraint and victim exactly`, () => {
      const { reports } = decodeOomLog(read(file));
      expect(reports.length).toBe(exps.length);
      reports.forEach((r, i) => check(r, exps[i]));
    });
  }
  it("recomputed badness agrees with the kernel wherever the task table is complete", () => {
    let complete = 0;
    for (const file of Object.keys(CASES)) {
      for (const r of decodeOomLog(read(file)).reports) {
        if (!r.badness.tableComplete || (!r.victim && !r.selection && r.context?.pid === undefined)) continue;
        complete++;
        expect(r.badness.agrees, `${file} lines ${r.lines.join("-")}: ${r.badness.notes.join("; ")}`).toBe(true);
      }
    }
    expect(complete).toBeGreaterThanOrEqual(10);
  });
  it("checks the printed pre-5.1 score against the recomputed points (memcg containers get no root bonus)", () => {
    const r = decodeOomLog(read("docker-4.4-memcg-v1.log")).reports[0];
    // main: rss 46185 + nr_ptes 113 + nr_pmds 5 = 46303 pages; 46303*1000/51200 = 904.
    expect(r.badness.totalpages).toBe(51200);
    expect(r.badness.chosen).toEqual({ pid: 11344, name: "main", points: 46303 });
    expect(r.badness.notes.join(" ")).toMatch(/printed score 904 .* matches/);
  });
  it("tells a cut table from a complete one", () => {
    const r = decodeOomLog(read("flasherav-3.0-i386-highmem-swap.log")).reports[0];
    expect(r.badness.tableComplete).toBe(false);
    expect(r.badness.notes.join(" ")).toMatch(/not in the table/);
    const g = decodeOomLog(read("centos8-4.18-messages-grep-three.log")).reports[0];
    expect(g.missing.map((m) => m.part)).toEqual(expect.arrayContaining(["tasks", "meminfo", "zones", "kernel-version"]));
  });
  it("explains why the allocation failed per zone: lowmem_reserve on DMA/DMA32, min on Normal (3.10)", () => {
    const r = decodeOomLog(read("rocketmq-3.10-global.log")).reports[0];
    const by = Object.fromEntries(r.zoneVerdicts.map((v) => [v.zone, v]));
    // DMA: 15900 > 132 + 7792*4 is false; Normal: 36200 < 43192.
    expect(by.DMA.reserve_kB).toBe(7792 * 4);
    expect(by.DMA.aboveMin).toBe(false);
    expect(by.DMA32.reserve_kB).toBe(4990 * 4);
    expect(by.Normal.aboveMin).toBe(false);
    expect(by.Normal.reserve_kB).toBe(0);
  });
  it("sees that GFP_HIGHUSER cannot use a movable-only cpuset node", () => {
    const r = decodeOomLog(read("lkml-5.8-cpuset-movable-node.log")).reports[0];
    expect(r.trigger.gfp?.highestZone).toBe("HighMem");
    expect(r.zoneVerdicts).toEqual([expect.objectContaining({ zone: "Movable", node: 4, allowed: false })]);
  });
  it("re-joins lines a terminal wrapped and reads quoted mail", () => {
    const r = decodeOomLog(read("docker-4.4-memcg-v1.log")).reports[0];
    expect(r.memcg?.stats.inactive_file_kB).toBe(88);
    const q = decodeOomLog(read("ltp-5.8-memcg-quoted.log")).reports[0];
    expect(q.memcg?.limit_kB).toBe(132);
  });
  it("reads memcg v2 stats printed as dmesg -T continuation lines", () => {
    const r = decodeOomLog(read("kind-5.x-memcg-v2-dmesgT-continuation.log")).reports[0];
    expect(r.memcg?.stats).toMatchObject({ anon: 314535936, file: 0, pgscan: 32927525, thp_collapse_alloc: 0 });
    expect(Object.keys(r.memcg!.stats).length).toBe(39);
    expect(r.badness.chosen?.pid).toBe(11638);
  });
  it("re-joins a mail-wrapped report and reports the panic when no task is killable", () => {
    const r = decodeOomLog(read("lkml-5.16-arm32-mailwrapped-panic.log")).reports[0];
    expect(r.kernel.release).toBe("5.16.0-00095-g721fb891ad0b");
    expect(r.tasksHeader).toEqual(["uid", "tgid", "total_vm", "rss", "pgtables_bytes", "swapents", "oom_score_adj", "name"]);
    expect(r.panic).toBe("System is deadlocked on memory");
    expect(r.zones[0]).toMatchObject({ name: "Normal", free_kB: 0, min_kB: 2780 });
    expect(r.zones[0].buddy?.counts.slice(0, 13)).toEqual([5, 5, 10, 9, 5, 7, 7, 4, 2, 4, 5, 2, 5]);
    expect(r.warnings.map((w) => w.part)).toContain("buddy:Normal");
    expect(r.missing.map((m) => m.part)).not.toContain("victim");
  });
  it("reads the uid of every kill-line layout", () => {
    expect(decodeOomLog(read("tidb-3.10-el7-kill-lines-indented.log")).reports[0].victim?.uid).toBe(1000);
    expect(decodeOomLog(read("rhel6-2.6.32-blank-separated.log")).reports[0].victim?.uid).toBe(27);
    expect(decodeOomLog(read("lxc-2.6.32-memcg-grep.log")).reports[0].victim?.uid).toBe(679);
    expect(decodeOomLog(read("lkml-5.6-callerid-global.log")).reports[0].victim?.uid).toBe(0);
  });
  it("tells the selected parent from the child sacrificed in its place (before 5.1)", () => {
    const [old, now] = decodeOomLog(read("lkml-2019-sacrifice-child-vs-5.3-wrapped.log")).reports;
    expect(old.badness.notes.join(" ")).toMatch(/pid 19961 was selected but its child pid 31357 was killed/);
    expect(now.reaped).toEqual([{ pid: 3035, comm: "oomprocs", anon_rss_kB: 0, file_rss_kB: 0, shmem_rss_kB: 0 }]);
  });
  it("ranks by the per-node rss column of a patched kernel", () => {
    const r = decodeOomLog(read("lkml-5.19-mempolicy-nrss-column.log")).reports[0];
    expect(r.badness.chosen?.pid).toBe(13135);
  });
});

describe("OOM reports of the real 6.1 kernel (tools/realkernel)", () => {
  const w3a = (n: number): OomReport => decodeOomLog(readFileSync(path.join(realkernel, `w3a/oom_report.${n}`), "utf8")).reports[0];
  it("w3a report 1: global OOM, memA killed for its oom_score_adj 500, badness as the kernel's", () => {
    const r = w3a(1);
    expect(r.kernel.version).toBe(6001);
    expect(r.trigger).toMatchObject({ comm: "memC", pid: 115, order: 0, oom_score_adj: 0 });
    expect(r.trigger.gfp?.names).toBe("GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO");
    expect(r.constraint).toBe("global");
    expect(r.victim).toMatchObject({ pid: 89, comm: "memA", anon_rss_kB: 40860, file_rss_kB: 4, shmem_rss_kB: 648, pgtables_kB: 108, oom_score_adj: 500 });
    // totalram 65406 − 12718 = 52688 pages, no swap; memA 10378 + 110592/4096 + 500*52 = 36405.
    expect(r.badness.totalpages).toBe(52688);
    expect(r.badness.chosen).toEqual({ pid: 89, name: "memA", points: 36405 });
    expect(r.badness.runnerUp).toEqual({ pid: 115, name: "memC", points: 18539 });
    expect(r.badness.agrees).toBe(true);
    expect(r.badness.spareAdj).toBe(156);
    // /proc/89/oom_score read while A and B held memory was 1126 (w3a/A.AB.oom_score).
    const memA = r.badness.rows.find((x) => x.pid === 89)!;
    expect(memA.oom_score).toBe(Number(readFileSync(path.join(realkernel, "w3a/A.AB.oom_score"), "utf8").trim()));
    expect(r.missing).toEqual([]);
  });
  it("w3a report 2 decodes with the same completeness", () => {
    const r = w3a(2);
    expect(r.badness.tableComplete).toBe(true);
    expect(r.badness.agrees).toBe(true);
    expect(r.victim?.pid).toBe(r.badness.chosen?.pid);
  });
  it("w4: memcg v2 OOM in /rk with the multi-line memory.stat dump", () => {
    const r = decodeOomLog(readFileSync(path.join(realkernel, "w4/oom_report.1"), "utf8")).reports[0];
    expect(r.constraint).toBe("memcg");
    expect(r.context?.oom_memcg).toBe("/rk");
    expect(r.memcg).toMatchObject({ usage_kB: 32768, limit_kB: 32768, failcnt: 50, statsPath: "/rk", version: 2 });
    expect(r.memcg?.stats.anon).toBe(33431552);
    expect(r.memcg?.stats.workingset_activate_anon).toBe(0);
    expect(r.victim).toMatchObject({ pid: 116, comm: "memcgtouch", anon_rss_kB: 32412, file_rss_kB: 4, shmem_rss_kB: 648 });
    expect(r.badness.totalpages).toBe(8192);
    expect(r.badness.agrees).toBe(true);
  });
  it("finds each report in a whole console log", () => {
    const log = readFileSync(path.join(realkernel, "w3a/dmesg"), "utf8");
    const { reports } = decodeOomLog(log);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.every((r) => r.victim !== undefined)).toBe(true);
  });
});
