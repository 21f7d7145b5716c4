/**
 * Recomputes the OOM killer's choice from a report's task table: oom_badness for every row with
 * the totalpages of the report's constraint, the ranking select_bad_process would make, the
 * runner-up, and the oom_score_adj that would have spared the victim.
 *
 * The formula changed with the kernel, so the era matters:
 *  - before 3.8: points = (rss + swap + ptes) * 1000 / totalpages, root -30, + adj, clamped to 1..1000;
 *  - 3.8–3.13: pages; a CAP_SYS_ADMIN task's adj is lowered by 30 before `adj *= totalpages / 1000`;
 *  - 3.14–5.8: pages; CAP_SYS_ADMIN tasks lose 3% of their points ("base root bonus on current usage");
 *  - 5.9 on (6.1): points = rss + swapents + pgtables_bytes / PAGE_SIZE + adj * (totalpages / 1000),
 *    LONG_MIN for oom_score_adj -1000 ("make the calculation of oom badness more accurate").
 * Page tables: 3.x counted nr_ptes, 4.0–4.14 nr_ptes + nr_pmds, 4.15 on pgtables_bytes / PAGE_SIZE.
 *
 * totalpages per constraint (constrained_alloc, mem_cgroup_get_max):
 *  - global: totalram_pages + total_swap_pages;
 *  - memcg: memory.max + min(swap headroom, total_swap_pages) (v1 headroom = memsw.max − max);
 *  - cpuset / mempolicy: total_swap_pages + the present pages of the allowed nodes.
 *
 * @kernel mm/oom_kill.c oom_badness, constrained_alloc, oom_evaluate_task, select_bad_process
 * @kernel mm/memcontrol.c mem_cgroup_get_max
 * @kernel fs/proc/base.c proc_oom_score
 *
 * Simplified: CAP_SYS_ADMIN is taken to mean uid 0 (the table prints uids, not capabilities).
 * Tasks the kernel skips for reasons the table cannot show (MMF_OOM_SKIP after a reap, vfork
 * children, oom_task_origin) are ranked like any other; the notes say so when it could matter.
 */
import type { BadnessResult, BadnessRow, TaskRow } from "./types.js";
import { kver } from "./gfp_eras.js";

/** Which oom_badness the kernel ran. */
export type BadnessEra = "normalized" | "root-adj30" | "root-3pct" | "6.1";

/** The era for a kernel version range; when the range straddles a change the older rule is noted. */
export function badnessEraFor(range: [number, number], version?: number): { era: BadnessEra; ambiguous: boolean } {
  const pick = (v: number): BadnessEra => (v < kver(3, 8) ? "normalized" : v < kver(3, 14) ? "root-adj30" : v < kver(5, 9) ? "root-3pct" : "6.1");
  if (version !== undefined) return { era: pick(version), ambiguous: false };
  const lo = pick(range[0]);
  const hi = pick(range[1]);
  return { era: hi, ambiguous: lo !== hi };
}

/**
 * Resident pages the badness counts. A kernel patched for per-node OOM ("(NN)nrss" column,
 * "mm, oom: enable per numa node oom for CONSTRAINT_{MEMORY_POLICY,CPUSET}") ranks by that node's
 * rss instead, and says so in its table header.
 */
export function rssOf(row: TaskRow): number {
  if (row.extra) for (const [k, v] of Object.entries(row.extra)) if (/^\(\d+\)nrss$/.test(k)) return v;
  return row.rss_pages ?? 0;
}

/** Page-table pages the badness counts for a row, and whether the table printed them. */
export function ptesOf(row: TaskRow): { pages: number; known: boolean } {
  if (row.pgtables_bytes !== undefined) return { pages: Math.floor(row.pgtables_bytes / 4096), known: true };
  if (row.nr_ptes !== undefined) return { pages: row.nr_ptes + (row.nr_pmds ?? 0), known: true };
  return { pages: 0, known: false };
}

/**
 * oom_badness for one row. Returns null when the task is not eligible (oom_score_adj -1000).
 * @kernel mm/oom_kill.c oom_badness
 */
export function oom_badness(row: TaskRow, totalpages: number, era: BadnessEra, rootCap = true): { base: number; adj: number; bonus: number; points: number } | null {
  const adjRaw = row.oom_score_adj ?? 0;
  if (adjRaw <= -1000) return null;
  const base = rssOf(row) + (row.swapents ?? 0) + ptesOf(row).pages;
  const root = rootCap && row.uid === 0;
  const unit = Math.floor(totalpages / 1000);
  switch (era) {
    case "normalized": {
      // 2.6.36–3.7: the score itself is in thousandths of totalpages.
      let p = Math.floor((base * 1000) / Math.max(1, totalpages));
      const bonus = root ? 30 : 0;
      p = p - bonus + adjRaw;
      p = p <= 0 ? 1 : Math.min(1000, p);
      return { base, adj: adjRaw, bonus, points: p };
    }
    case "root-adj30": {
      const adj = root ? adjRaw - 30 : adjRaw;
      const p = base + adj * unit;
      return { base, adj: adj * unit, bonus: root ? 30 * unit : 0, points: p > 0 ? p : 1 };
    }
    case "root-3pct": {
      const bonus = root ? Math.floor((base * 3) / 100) : 0;
      const p = base - bonus + adjRaw * unit;
      return { base, adj: adjRaw * unit, bonus, points: p > 0 ? p : 1 };
    }
    case "6.1": {
      const adj = adjRaw * unit;
      return { base, adj, bonus: 0, points: base + adj };
    }
  }
}

/**
 * The score pre-5.1 kernels printed in "Kill process P (comm) score S": chosen points scaled to
 * thousandths of totalpages (before 3.8 the points were already in that unit).
 * @kernel mm/oom_kill.c oom_kill_process (4.x), out_of_memory (3.x)
 */
export function printedScore(points: number, totalpages: number, era: BadnessEra): number {
  return era === "normalized" ? points : Math.floor((points * 1000) / Math.max(1, totalpages));
}

/** /proc/PID/oom_score for a badness value (6.1 proc_oom_score). */
export function proc_oom_score(points: number, totalpages: number): number {
  return Math.floor(((1000 + Math.trunc((points * 1000) / totalpages)) * 2) / 3);
}

export interface RankInput {
  rows: TaskRow[];
  totalpages?: number;
  totalpagesBasis: string;
  era: BadnessEra;
  eraAmbiguous: boolean;
  /** Later rows win ties (6.1 oom_evaluate_task); older kernels kept the first leader. */
  laterWinsTies: boolean;
  /** Whether uid-0 tasks are taken to hold CAP_SYS_ADMIN (root bonus, kernels before 5.9). */
  rootCap: boolean;
  /** pid the kernel selected ("Kill process" line) or killed. */
  kernelPick?: number;
  tableComplete: boolean;
  notes?: string[];
}

/**
 * Ranks the rows as select_bad_process would and compares with the kernel's pick.
 * @kernel mm/oom_kill.c select_bad_process, oom_evaluate_task
 */
export function rankTasks(inp: RankInput): BadnessResult {
  const notes = [...(inp.notes ?? [])];
  const formula =
    inp.era === "6.1"
      ? "points = rss + swapents + pgtables_bytes/4096 + oom_score_adj*(totalpages/1000) (5.9 and later, as 6.1)"
      : inp.era === "root-3pct"
        ? "points = rss + swapents + page-table pages − 3% for root + oom_score_adj*(totalpages/1000), at least 1 (3.14–5.8)"
        : inp.era === "root-adj30"
          ? "points = rss + swapents + nr_ptes + (oom_score_adj − 30 for root)*(totalpages/1000), at least 1 (3.8–3.13)"
          : "points = (rss + swap + ptes)*1000/totalpages − 30 for root + oom_score_adj, clamped to 1..1000 (before 3.8)";
  const res: BadnessResult = { totalpagesBasis: inp.totalpagesBasis, formula, rows: [], notes, tableComplete: inp.tableComplete };
  if (inp.totalpages !== undefined) res.totalpages = inp.totalpages;
  if (inp.rows.length === 0) {
    notes.push("no task table: the ranking cannot be recomputed (vm.oom_dump_tasks=0, a rate-limited report, or a cut log)");
    return res;
  }
  if (inp.eraAmbiguous) notes.push("the kernel version is not printed and the format spans two badness formulas; the newer one is used");
  if (inp.rows.some((r) => r.extra && Object.keys(r.extra).some((k) => /nrss$/.test(k)))) notes.push("the table has a per-node '(NN)nrss' column: this patched kernel ranks by that node's rss, and so does the recomputation");
  if (inp.era !== "6.1") notes.push(inp.rootCap ? "uid 0 tasks are taken to hold CAP_SYS_ADMIN and get the root bonus" : "uid 0 tasks are taken to lack CAP_SYS_ADMIN (containers drop it): no root bonus");
  if (inp.rows.some((r) => !ptesOf(r).known)) notes.push("this table does not print page-table sizes; they are counted as 0");
  const tp = inp.totalpages ?? 0;
  if (inp.totalpages === undefined) {
    notes.push("totalpages unknown: oom_score_adj cannot be scaled, so only rows with equal oom_score_adj compare exactly");
  }
  const rows: BadnessRow[] = inp.rows.map((r) => {
    const b = oom_badness(r, Math.max(tp, 1), inp.era, inp.rootCap);
    if (!b) return { pid: r.pid, name: r.name, base_pages: 0, adj_pages: 0, root_bonus_pages: 0, points: Number.NEGATIVE_INFINITY, eligible: false };
    const row: BadnessRow = { pid: r.pid, name: r.name, base_pages: b.base, adj_pages: b.adj, root_bonus_pages: b.bonus, points: b.points, eligible: true };
    if (inp.totalpages !== undefined && inp.era === "6.1") row.oom_score = proc_oom_score(b.points, inp.totalpages);
    return row;
  });
  // Selection order: walk the table, keep the best; ties resolved as the kernel of the era did.
  let best = -1;
  for (let i = 0; i < rows.length; i++) {
    if (!rows[i].eligible) continue;
    if (best < 0 || rows[i].points > rows[best].points || (inp.laterWinsTies && rows[i].points === rows[best].points)) best = i;
  }
  const order = rows.map((r, i) => i).filter((i) => rows[i].eligible).sort((a, b) => rows[b].points - rows[a].points || (inp.laterWinsTies ? b - a : a - b));
  order.forEach((idx, k) => (rows[idx].rank = k + 1));
  res.rows = rows;
  if (best < 0) {
    notes.push("no eligible task in the table (all at oom_score_adj -1000): the kernel panics or kills nothing");
    return res;
  }
  const c = rows[best];
  res.chosen = { pid: c.pid, name: c.name, points: c.points };
  const second = order.find((i) => i !== best);
  if (second !== undefined) {
    const s = rows[second];
    res.runnerUp = { pid: s.pid, name: s.name, points: s.points };
    const ties = order.filter((i) => rows[i].points === c.points);
    if (ties.length > 1) notes.push(`tie at ${c.points} points between pids ${ties.map((i) => rows[i].pid).join(", ")}; which one the kernel takes depends on its tie rule`);
    // Largest adj for the chosen row that leaves it strictly below (or, if the runner-up comes
    // later and later rows win ties, not above) the runner-up.
    const r = inp.rows[best];
    const runnerLater = second > best;
    const spares = (adj: number): boolean => {
      const b = oom_badness({ ...r, oom_score_adj: adj }, Math.max(tp, 1), inp.era, inp.rootCap);
      if (!b) return true;
      if (b.points < s.points) return true;
      return b.points === s.points && (inp.laterWinsTies ? runnerLater : !runnerLater);
    };
    let lo = -1000;
    let hi = r.oom_score_adj ?? 0;
    if (!spares(hi)) {
      // Binary search the boundary in [-1000, hi): spares(-1000) is always true.
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (spares(mid)) lo = mid;
        else hi = mid;
      }
      res.spareAdj = lo;
    }
  }
  // Per row, the oom_score_adj at which the choice flips (binary search; the winner is
  // monotone in one task's adj).
  const winnerWith = (i: number, adj: number): number => {
    let w = -1;
    let wp = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < rows.length; j++) {
      let p: number;
      if (j === i) {
        const b = oom_badness({ ...inp.rows[j], oom_score_adj: adj }, Math.max(tp, 1), inp.era, inp.rootCap);
        if (!b) continue;
        p = b.points;
      } else {
        if (!rows[j].eligible) continue;
        p = rows[j].points;
      }
      if (w < 0 || p > wp || (inp.laterWinsTies && p === wp)) {
        w = j;
        wp = p;
      }
    }
    return w;
  };
  if (rows.length <= 2000) {
    rows.forEach((r, i) => {
      if (i === best) {
        if (res.spareAdj !== undefined) r.pivotAdj = res.spareAdj;
        return;
      }
      if (winnerWith(i, 1000) !== i) return;
      let lo = -1000;
      let hi = 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (winnerWith(i, mid) === i) hi = mid;
        else lo = mid;
      }
      r.pivotAdj = hi;
    });
  }
  if (inp.kernelPick !== undefined) {
    const pickRow = rows.find((r) => r.pid === inp.kernelPick);
    if (!pickRow) {
      res.agrees = false;
      notes.push(`the kernel picked pid ${inp.kernelPick}, which is not in the table (a thread's pid, a cut table, or a child sacrificed for its parent)`);
    } else {
      const tied = pickRow.eligible && pickRow.points === c.points;
      res.agrees = pickRow.pid === c.pid || tied;
      if (!res.agrees) {
        notes.push(
          `the kernel picked pid ${pickRow.pid} (${pickRow.points === Number.NEGATIVE_INFINITY ? "ineligible" : `${pickRow.points} points`}) but pid ${c.pid} scores higher: ` +
            "vm.oom_kill_allocating_task, memory.oom.group, an oom_task_origin task, a victim already being reaped, or a table that does not match the kernel's view",
        );
      }
    }
  }
  return res;
}
