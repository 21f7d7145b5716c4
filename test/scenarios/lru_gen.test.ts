/**
 * The shipped reclaim scenarios with the multi-gen LRU on (/sys/kernel/mm/lru_gen/enabled = y
 * written right after boot, before the scenario's first step), and w5-swap so run against the
 * real kernel's mg-thrash capture (w5's workload with lru_gen on; test/realkernel/data/mg-thrash,
 * run-to-run variation in tools/realkernel/README.md).
 *
 * Each scenario's expectations were written for the classic LRU. Under MGLRU every one of them
 * must hold except those listed in DIFFERS, each with the reason 6.1's MGLRU gives a different
 * answer — and a listed one must fail, so the list says exactly what differs. The reasons are
 * then checked directly where a number says more than "differs".
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseScenario } from "../../src/workload/parse.js";
import { runScenario, type RunResult } from "../../src/workload/runner.js";
import { fieldOf } from "../../src/workload/expect.js";
import { Machine } from "../../src/sim/machine.js";

const real = (f: string): string => readFileSync(resolve("test/realkernel/data", f), "utf8");
const realField = (f: string, field: string): number => {
  const v = fieldOf(real(f), field);
  if (v === undefined) throw new Error(`${field} not in ${f}`);
  return v;
};

/** Runs a shipped scenario with lru_gen switched on right after boot; `cat` files are read at the end. */
function runWithMglru(name: string, cat: string[] = []): RunResult {
  const sc = parseScenario(readFileSync(`scenarios/${name}.yaml`), `scenarios/${name}.yaml`);
  const m = Machine.boot({ ...sc.machine, sysctl: undefined, seed: sc.seed });
  m.write("/sys/kernel/mm/lru_gen/enabled", "y");
  return runScenario(sc, { machine: m, cat });
}
function cap(r: RunResult, label: string, field: string): number {
  const c = r.captures.find((x) => x.label === label);
  const v = c ? fieldOf(c.text, field) : undefined;
  if (v === undefined) throw new Error(`${field} not in capture ${label}`);
  return v;
}

/** Expectations of the shipped scenarios that 6.1's MGLRU does not meet, by scenario and path. */
const DIFFERS: Record<string, Record<string, string>> = {
  thrash: {
    "expect[3]":
      "workingset_refault_anon ≥ 10000: lru_gen_refault counts a refault only while the page's type still has the oldest generation it was evicted from; a random thrash brings most pages back generations later",
  },
  // Every expectation holds, workingset_activate_anon ≥ 100 included, though MGLRU activates
  // nothing on refault: a refault in a fault comes back in the top tier with PG_workingset
  // (lru_gen_refault), and sort_folio protects such a page once when it reaches the oldest
  // generation, counting WORKINGSET_ACTIVATE (mm/vmscan.c sort_folio, "protected"). By the
  // capture (hot's 250 ms of random reads end at 1.85 s) stream's second pass is swapping its
  // first-pass pages back in, and those refaults age to the oldest generation: 1728 protections.
  refault: {},
  swappiness: {
    "expect[2]": "s0 exits: at vm.swappiness 0, 6.1's isolate_folios scans file only (type = LRU_GEN_FILE, one pass), so a machine with nothing but anonymous memory cannot reclaim and the OOM killer kills s0 — where the classic get_scan_count falls back to SCAN_ANON (file_is_tiny)",
    "expect[5]": "v0 pswpout: s0 is killed before its capture",
    "expect[6]": "v0 pswpin: s0 is killed before its capture",
  },
  "kswapd-watermarks": {},
  "w5-swap": {
    "expect[3]":
      "workingset_refault_anon ≥ 50000: as thrash, only refaults from the oldest generation count — the real kernel counted 87 (and 168 in another run) against 98.6k swap-ins on this workload (mg-thrash)",
  },
};

describe("the shipped reclaim scenarios with the multi-gen LRU on", () => {
  const results = new Map<string, RunResult>();
  for (const name of Object.keys(DIFFERS)) {
    it(`${name}: every expectation holds but the ones 6.1's MGLRU answers differently`, { timeout: 120_000 }, () => {
      const r = runWithMglru(name, name === "w5-swap" ? ["/sys/kernel/debug/lru_gen", "/sys/kernel/mm/lru_gen/enabled"] : []);
      results.set(name, r);
      for (const e of r.expectations) {
        const why = DIFFERS[name][e.path];
        if (why === undefined) expect(e.ok, `${name} ${e.path} ${e.what}: ${e.actual}`).toBe(true);
        else expect(e.ok, `${name} ${e.path} was expected to differ (${why}) but holds: ${e.actual}`).toBe(false);
      }
      for (const path of Object.keys(DIFFERS[name])) expect(r.expectations.map((e) => e.path)).toContain(path);
    });
  }

  it("swappiness: s0 is OOM-killed with nothing swapped out at swappiness 0, after s200 and s60 swapped as on the classic LRU", () => {
    const r = results.get("swappiness") ?? runWithMglru("swappiness");
    expect(r.processes.find((p) => p.name === "s0")?.state).toBe("killed");
    expect(r.timeline.some((e) => /Out of memory: Killed process \d+ \(s0\)/.test(e.text))).toBe(true);
  });

  it("thrash: refaults are a minority of the swap-ins (every swap-in is one on the classic LRU)", () => {
    const r = results.get("thrash") ?? runWithMglru("thrash");
    expect(cap(r, "vmstat", "workingset_refault_anon")).toBeLessThan(0.5 * cap(r, "vmstat", "pswpin"));
  });
});

/**
 * w5-swap with lru_gen on against mg-thrash (384 MiB written twice in a 256M guest with 512 MiB
 * of swap, lru_gen/enabled = y before the workload). Tolerances: the swap traffic within 10% and
 * kswapd's share within 25%, as for the classic w5 comparison (test/scenarios/realkernel.test.ts),
 * whose causes (the model's kswapd gets exactly its CFS share of the one CPU; its disk completes
 * writes later relative to the CPU than the TCG guest's) are the same with MGLRU; the real
 * mg-thrash runs differ from each other by 0.4% (swap) and 1% (pgscan_kswapd).
 */
describe("w5-swap with MGLRU against the real mg-thrash", () => {
  const r = runWithMglru("w5-swap", ["/sys/kernel/debug/lru_gen", "/sys/kernel/mm/lru_gen/enabled"]);
  /** The real runs: the first capture and its reruns (test/realkernel/data/README.md). */
  const RUNS = ["mg-thrash", "mg-thrash-run2", "mg-thrash-run3", "mg-thrash-run4", "mg-thrash-run5"];
  const ratio = (field: string): number => cap(r, "vmstat", field) / realField("mg-thrash/vmstat.holding", field);
  const file = (path: string): string => r.files.find((f) => f.path === path)?.text ?? "";

  it("swaps in and out as much as the real kernel (pswpin, pswpout, pgmajfault within 10%)", () => {
    for (const f of ["pswpin", "pswpout", "pgmajfault"]) {
      expect(ratio(f), f).toBeGreaterThan(0.9);
      expect(ratio(f), f).toBeLessThan(1.1);
    }
  });

  it("splits reclaim between kswapd and direct reclaim as the guest does (kswapd within 25%, direct within 2x)", () => {
    for (const [f, lo, hi] of [
      ["pgscan_kswapd", 0.75, 1.25],
      ["pgsteal_kswapd", 0.75, 1.25],
      ["pgscan_direct", 0.5, 2],
      ["pgsteal_direct", 0.5, 2],
    ] as const) {
      expect(ratio(f), f).toBeGreaterThan(lo);
      expect(ratio(f), f).toBeLessThan(hi);
    }
  });

  it("counts next to no refaults: under 0.5% of the swap-ins (real: 87 to 213 of 98.6k in five runs)", () => {
    // The five real runs' counts (87, 213, 88, 205, 180) differ by 2.4x: a timing-dependent handful of
    // pages whose oldest generation had not moved on yet. The bound is over twice the largest
    // real share (0.22%).
    for (const run of RUNS) expect(realField(`${run}/vmstat.holding`, "workingset_refault_anon"), run).toBeLessThan(0.005 * realField(`${run}/vmstat.holding`, "pswpin"));
    expect(cap(r, "vmstat", "workingset_refault_anon")).toBeLessThan(0.005 * cap(r, "vmstat", "pswpin"));
    // and its restores are a subset (a refault in a fault is a restore)
    expect(cap(r, "vmstat", "workingset_restore_anon")).toBeLessThanOrEqual(cap(r, "vmstat", "workingset_refault_anon"));
  });

  it("protects no page by its tier: anonymous pages read only through page tables have none (real: 566 to 2629 in five runs, the init shell's tmpfs pages)", () => {
    // In the guest the protected pages are the initramfs's tmpfs pages (swap-backed, so anon to
    // MGLRU) that /init's polling shell reads through file descriptors: folio_mark_accessed
    // moves them up the tiers, and sort_folio protects them (WORKINGSET_ACTIVATE) each time they
    // reach the oldest generation. The model runs no shell between the steps.
    for (const run of RUNS) expect(realField(`${run}/vmstat.holding`, "workingset_activate_anon"), run).toBeGreaterThan(0);
    expect(cap(r, "vmstat", "workingset_activate_anon")).toBe(0);
  });

  // The five real runs (mg-thrash and its reruns, test/realkernel/data/README.md) end with the
  // same max_seq, 21, but not with the same number of generations: 4, 4, 3, 3, 3. The workload's
  // steady state alternates between three generations (the oldest being evicted) and four (the
  // aging added one while the oldest still held pages); the holding capture falls in either.
  const genRows = (t: string): number[][] =>
    t
      .split("\n")
      .filter((l) => /^ +\d+ +\d+ +\d+ +\d+ $/.test(l))
      .map((l) => l.trim().split(/ +/).map(Number));
  const model = genRows(file("/sys/kernel/debug/lru_gen"));
  const realMaxSeq = (run: string): number => {
    const g = genRows(real(`${run}/lru_gen.holding`));
    return g[g.length - 1][0];
  };

  it("ends as the real kernel does: one memcg, one node, three or four generations (the five real runs: 4, 4, 3, 3, 3), older ones older", () => {
    expect(file("/sys/kernel/mm/lru_gen/enabled")).toBe(real("mg-thrash/lru_gen.enabled"));
    for (const run of RUNS) {
      expect(file("/sys/kernel/debug/lru_gen").split("\n").slice(0, 2)).toEqual(real(`${run}/lru_gen.holding`).split("\n").slice(0, 2));
      expect(genRows(real(`${run}/lru_gen.holding`)).length, run).toBeGreaterThanOrEqual(3);
      expect(genRows(real(`${run}/lru_gen.holding`)).length, run).toBeLessThanOrEqual(4);
    }
    expect(RUNS.map((run) => genRows(real(`${run}/lru_gen.holding`)).length)).toEqual([4, 4, 3, 3, 3]);
    expect(model.length).toBeGreaterThanOrEqual(3);
    expect(model.length).toBeLessThanOrEqual(4);
    // older generations are older: the ages (ms) grow from max_seq down to min_seq
    for (let i = 1; i < model.length; i++) expect(model[i - 1][1]).toBeGreaterThanOrEqual(model[i][1]);
  });

  it("the real kernel's max_seq repeats: 21 in all five runs", () => {
    expect(RUNS.map(realMaxSeq)).toEqual([21, 21, 21, 21, 21]);
  });

  // KNOWN GAP (docs/fidelity/reclaim.md, "Against the real kernel (mg-thrash)"): on the mglru
  // branch the model added three generations more than the real kernel (max_seq 24 against 21);
  // on the merged tree of 2026-12-07 (rootfs tmpfs swappable, kcompactd, the slab shrinkers) it
  // ends at 23, within this test's 2, with pgrefill still 148k. Its extra agings come
  // from folios sort_folio finds still under swap writeback in the oldest generation (156k of its
  // pgrefill 175k, against the real runs' whole pgrefill of 21.2k-43.8k): those leave the oldest
  // generation without being evicted, so it falls under a quarter of the pages sooner and
  // should_run_aging adds a generation. Measured (/sys/block/vda/stat; mg-thrash-run5 captured
  // /proc/diskstats and /proc/uptime): a model swap write waits 38 ms on average in a 3.7 s run,
  // a real one 17 ms in an 84 s run — the TCG guest's CPU is ~20x slower against its disk, so its
  // writeback ends long before reclaim comes back to the page. With the model's writeback
  // instant (a 2-16 GB/s device) max_seq ends at 18, so the model's walk and look-around also
  // promote fewer pages than the real kernel's (pgrefill 4-6k then). (The model matched before
  // the boot footprint only because its LRU was 16% larger than the real one: 51.5k pages
  // against 44.5k.) The writeback cause is not fixed: the max_seq check holds at its edge.
  it("ends with max_seq within 2 of the real 21 (the model: 23; see the comment)", () => {
    expect(Math.abs(model[model.length - 1][0] - realMaxSeq("mg-thrash"))).toBeLessThanOrEqual(2);
  });
});
