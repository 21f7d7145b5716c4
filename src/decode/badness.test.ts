import { describe, it, expect } from "vitest";
import { oom_badness, printedScore, proc_oom_score, rankTasks, badnessEraFor } from "./badness.js";
import { kver } from "./gfp_eras.js";
import type { TaskRow } from "./types.js";

const row = (pid: number, rss: number, adj = 0, uid = 1000, extra: Partial<TaskRow> = {}): TaskRow => ({ pid, name: `p${pid}`, uid, rss_pages: rss, pgtables_bytes: 8192, swapents: 0, oom_score_adj: adj, ...extra });

describe("oom_badness by era", () => {
  it("6.1: rss + swap + pgtables_bytes/PAGE_SIZE + adj * (totalpages / 1000)", () => {
    // 1000 + 2 page-table pages + 100 swap, adj 10 with totalpages 52688: 10 * 52 = 520.
    expect(oom_badness(row(1, 1000, 10, 0, { swapents: 100 }), 52688, "6.1")).toEqual({ base: 1102, adj: 520, bonus: 0, points: 1622 });
    expect(oom_badness(row(1, 1000, -1000), 52688, "6.1")).toBeNull();
    expect(oom_badness(row(1, 10, -999), 52688, "6.1")!.points).toBe(12 - 999 * 52);
  });
  it("3.14–5.8: root loses 3% of its points; never below 1", () => {
    expect(oom_badness(row(1, 1000, 0, 0), 100000, "root-3pct")!.points).toBe(1002 - 30);
    expect(oom_badness(row(1, 1000, 0, 0), 100000, "root-3pct", false)!.points).toBe(1002);
    expect(oom_badness(row(1, 1000, -999), 100000, "root-3pct")!.points).toBe(1);
  });
  it("3.8–3.13: root's adj drops by 30 before scaling", () => {
    expect(oom_badness(row(1, 10000, 0, 0), 100000, "root-adj30")!.points).toBe(10002 - 30 * 100);
    expect(oom_badness(row(1, 1000, 0, 0), 100000, "root-adj30")!.points).toBe(1);
  });
  it("before 3.8: thousandths of totalpages, root −30, clamped to 1..1000", () => {
    expect(oom_badness(row(1, 50000, 0, 1000), 100000, "normalized")!.points).toBe(500);
    expect(oom_badness(row(1, 50000, 700, 1000), 100000, "normalized")!.points).toBe(1000);
    expect(oom_badness(row(1, 100, 0, 0), 100000, "normalized")!.points).toBe(1);
  });
  it("page tables as each era's table counts them", () => {
    expect(oom_badness({ pid: 1, name: "x", rss_pages: 10, nr_ptes: 5, nr_pmds: 2 }, 1000, "6.1")!.base).toBe(17);
    expect(oom_badness({ pid: 1, name: "x", rss_pages: 10 }, 1000, "6.1")!.base).toBe(10);
  });
  it("proc_oom_score and the pre-5.1 printed score", () => {
    expect(proc_oom_score(36405, 52688)).toBe(1126);
    expect(printedScore(46303, 51200, "root-3pct")).toBe(904);
    expect(printedScore(761, 1, "normalized")).toBe(761);
  });
  it("era boundaries", () => {
    expect(badnessEraFor([0, 0], kver(6, 1)).era).toBe("6.1");
    expect(badnessEraFor([0, 0], kver(5, 8)).era).toBe("root-3pct");
    expect(badnessEraFor([0, 0], kver(3, 10)).era).toBe("root-adj30");
    expect(badnessEraFor([0, 0], kver(3, 0)).era).toBe("normalized");
    expect(badnessEraFor([kver(4, 19), kver(99, 0)])).toEqual({ era: "6.1", ambiguous: true });
  });
});

describe("rankTasks", () => {
  const base = { totalpagesBasis: "test", era: "6.1" as const, eraAmbiguous: false, tableComplete: true, rootCap: false };
  it("later rows win ties in 6.1, earlier ones in older kernels", () => {
    const rows = [row(1, 100), row(2, 100)];
    expect(rankTasks({ ...base, rows, totalpages: 10000, laterWinsTies: true }).chosen?.pid).toBe(2);
    expect(rankTasks({ ...base, rows, totalpages: 10000, laterWinsTies: false, era: "root-3pct" }).chosen?.pid).toBe(1);
  });
  it("finds the adj that would have spared the victim, honouring the tie rule", () => {
    // Victim first: 1002 + adj*10 must be ≤ 502 (the later runner-up wins a tie) → adj ≤ −50.
    const r = rankTasks({ ...base, rows: [row(1, 1000), row(2, 500)], totalpages: 10000, laterWinsTies: true, kernelPick: 1 });
    expect(r.spareAdj).toBe(-50);
    expect(r.agrees).toBe(true);
    // Victim last: it must fall strictly below, so one step more.
    const s = rankTasks({ ...base, rows: [row(2, 500), row(1, 1000)], totalpages: 10000, laterWinsTies: true });
    expect(s.spareAdj).toBe(-51);
  });
  it("flags a kernel pick the ranking does not explain", () => {
    const r = rankTasks({ ...base, rows: [row(1, 1000), row(2, 500)], totalpages: 10000, laterWinsTies: true, kernelPick: 2 });
    expect(r.agrees).toBe(false);
    expect(r.notes.join(" ")).toMatch(/oom_kill_allocating_task/);
    expect(rankTasks({ ...base, rows: [row(1, 1000, -1000)], totalpages: 10000, laterWinsTies: true }).chosen).toBeUndefined();
  });
});
