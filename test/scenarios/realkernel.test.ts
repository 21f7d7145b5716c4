/**
 * The shipped scenarios that mirror realkernel workloads, against what the real Linux 6.1 guest
 * reported (test/realkernel/data). Each comparison states its tolerance and why.
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseScenario } from "../../src/workload/parse.js";
import { runScenario, type RunResult } from "../../src/workload/runner.js";
import { fieldOf } from "../../src/workload/expect.js";

const real = (f: string): string => readFileSync(resolve("test/realkernel/data", f), "utf8");
const realField = (f: string, field: string): number => {
  const v = fieldOf(real(f), field);
  if (v === undefined) throw new Error(`${field} not in ${f}`);
  return v;
};
const realDelta = (w: string, from: string, to: string, field: string): number => realField(`${w}/${to}`, field) - realField(`${w}/${from}`, field);

function runShipped(name: string): RunResult {
  return runScenario(parseScenario(readFileSync(`scenarios/${name}.yaml`), `scenarios/${name}.yaml`));
}
function cap(r: RunResult, label: string, field: string): number {
  const c = r.captures.find((x) => x.label === label);
  const v = c ? fieldOf(c.text, field) : undefined;
  if (v === undefined) throw new Error(`${field} not in capture ${label}`);
  return v;
}
const capDelta = (r: RunResult, from: string, to: string, field: string): number => cap(r, to, field) - cap(r, from, field);

describe("anon-touch against w1 (128 MiB written, 512M guest)", () => {
  const r = runShipped("anon-touch");

  it("grows AnonPages by the buffer plus the program's own pages: 131124 kB real", () => {
    const want = realDelta("w1", "meminfo.before", "meminfo.holding", "AnonPages");
    expect(want).toBe(131124);
    // within 2 pages: the model's static image dirties one page less than the real binary
    expect(Math.abs(capDelta(r, "before", "holding", "AnonPages") - want)).toBeLessThanOrEqual(8);
  });

  it("grows PageTables by the tables that map 128 MiB: 280 kB real", () => {
    const want = realDelta("w1", "meminfo.before", "meminfo.holding", "PageTables");
    expect(Math.abs(capDelta(r, "before", "holding", "PageTables") - want)).toBeLessThanOrEqual(8);
  });

  it("matches the process's smaps_rollup Rss and Anonymous (131772 / 131124 kB real)", () => {
    for (const f of ["Rss", "Anonymous", "Private_Dirty"]) {
      const want = realField("w1/proc.smaps_rollup", f);
      expect(Math.abs(cap(r, "smaps_rollup", f) - want), f).toBeLessThanOrEqual(0.005 * want);
    }
  });

  it("takes one fault per page written: pgfault grows by 32768 plus a few (33371 real, /init's helpers included)", () => {
    const d = capDelta(r, "vmstat.before", "vmstat.holding", "pgfault");
    expect(d).toBeGreaterThanOrEqual(32768);
    expect(d).toBeLessThanOrEqual(realDelta("w1", "vmstat.before", "vmstat.holding", "pgfault"));
  });
});

describe("fork-cow against w2 (32 MiB written, fork, child writes 16 MiB)", () => {
  const r = runShipped("fork-cow");

  it("grows AnonPages by 32 MiB shared plus 16 MiB copied: 49252 kB real", () => {
    const want = realDelta("w2", "meminfo.before", "meminfo.holding", "AnonPages");
    expect(Math.abs(capDelta(r, "before", "holding", "AnonPages") - want)).toBeLessThanOrEqual(0.005 * want);
  });

  it("splits each side's dirty memory into the shared and the copied half as 6.1 does", () => {
    for (const who of ["parent", "child"]) {
      const shared = realField(`w2/${who}.smaps_rollup`, "Shared_Dirty");
      const priv = realField(`w2/${who}.smaps_rollup`, "Private_Dirty");
      // 4%: in the real guest the child runs code, faulting in (and sharing) ~0.5 MB of the
      // binary's pages that the model's child, which executes nothing, leaves unmapped
      expect(Math.abs(cap(r, `${who}.rollup`, "Shared_Dirty") - shared), `${who} Shared_Dirty`).toBeLessThanOrEqual(0.04 * shared);
      expect(Math.abs(cap(r, `${who}.rollup`, "Private_Dirty") - priv), `${who} Private_Dirty`).toBeLessThanOrEqual(0.04 * priv);
    }
    const parentDirty = realField("w2/parent.smaps_rollup", "Shared_Dirty") + realField("w2/parent.smaps_rollup", "Private_Dirty");
    expect(Math.abs(cap(r, "parent.rollup", "Shared_Dirty") + cap(r, "parent.rollup", "Private_Dirty") - parentDirty)).toBeLessThanOrEqual(0.005 * parentDirty);
  });
});

describe("overcommit against w9 (512M, no swap)", () => {
  const r = runShipped("overcommit");

  it("reports the real CommitLimit for mode 2 at ratio 50 and 100", () => {
    expect(cap(r, "mode2.ratio50", "CommitLimit")).toBe(realField("w9/overcommit.mode2.ratio50", "CommitLimit"));
    expect(cap(r, "mode2.ratio100", "CommitLimit")).toBe(realField("w9/overcommit.mode2.ratio100", "CommitLimit"));
  });

  it("accepts and refuses the sizes the real kernel did, at each boundary", () => {
    // the scenario maps the last accepted and the first refused size of each real probe
    const verdict = (f: string, mib: number): string => new RegExp(`^mmap ${mib} MiB: (\\S+)`, "m").exec(real(`w9/${f}`))?.[1] ?? "?";
    expect([verdict("overcommit.mode0.ratio50", 448), verdict("overcommit.mode0.ratio50", 512)]).toEqual(["ok", "FAILED"]);
    expect(verdict("overcommit.mode1.ratio50", 1048576)).toBe("ok");
    expect([verdict("overcommit.mode2.ratio50", 192), verdict("overcommit.mode2.ratio50", 256)]).toEqual(["ok", "FAILED"]);
    expect([verdict("overcommit.mode2.ratio100", 448), verdict("overcommit.mode2.ratio100", 512)]).toEqual(["ok", "FAILED"]);
    const mmaps = r.timeline.filter((e) => e.event === "mmap" || e.event === "expected_error").map((e) => `${/^mmap (\w+)/.exec(e.text)?.[1]} ${e.event === "mmap" ? "ok" : "FAILED"}`);
    expect(mmaps).toEqual(["m448 ok", "m512 FAILED", "huge ok", "m192 ok", "m256 FAILED", "m448b ok", "m512b FAILED"]);
    expect(r.processes[0].state).toBe("alive");
  });
});

/**
 * w5-swap against w5 (384 MiB written twice in a 256M guest with 512 MiB of swap on a virtio
 * disk). The issue asks for the direction and rough size of each counter; the figures at the
 * time of writing, model / real: pswpin 98322 / 98615, pswpout 146649 / 153453, refaults
 * 98322 / 98615, pgmajfault 12296 / 12613, pgscan_kswapd 385676 / 390533, pgsteal_kswapd
 * 107776 / 134667, pgscan_direct 135066 / 93156, pgsteal_direct 38053 / 18866, allocstall
 * 914 / 361, pgactivate 7221 / 1107, SwapFree 330904 / 303784 kB. Direct reclaim takes twice the
 * real share: the model's kswapd gets exactly half the CPU while the task competes (CFS between
 * two tasks), where the real guest's kswapd got more. The model activates more pages met under
 * writeback: its disk completes writes slower relative to the CPU than the TCG guest's, whose
 * emulated CPU is slow and whose disk is a host file with cache=unsafe.
 */
describe("w5-swap against w5 (384 MiB written twice in 256M with 512M of swap)", () => {
  const r = runShipped("w5-swap");
  const ratio = (field: string): number => cap(r, "vmstat", field) / realField("w5/vmstat.holding", field);

  it("swaps in and out about as much as the real kernel (pswpin, pswpout, pgmajfault within 10%)", () => {
    for (const f of ["pswpin", "pswpout", "pgmajfault"]) {
      expect(ratio(f), f).toBeGreaterThan(0.9);
      expect(ratio(f), f).toBeLessThan(1.1);
    }
  });

  it("refaults every swap-in against its shadow, and activates next to none (distance > workingset)", () => {
    expect(cap(r, "vmstat", "workingset_refault_anon")).toBe(cap(r, "vmstat", "pswpin"));
    expect(realField("w5/vmstat.holding", "workingset_refault_anon")).toBe(realField("w5/vmstat.holding", "pswpin"));
    expect(cap(r, "vmstat", "workingset_activate_anon")).toBeLessThan(0.01 * cap(r, "vmstat", "workingset_refault_anon"));
  });

  it("splits reclaim between kswapd and direct reclaim as the 1-CPU guest does: kswapd does most", () => {
    for (const [f, lo, hi] of [
      ["pgscan_kswapd", 0.75, 1.25],
      ["pgsteal_kswapd", 0.75, 1.25],
      ["pgscan_direct", 0.5, 2],
      ["pgsteal_direct", 0.5, 2.5],
    ] as const) {
      expect(ratio(f), f).toBeGreaterThan(lo);
      expect(ratio(f), f).toBeLessThan(hi);
    }
    expect(cap(r, "vmstat", "pgsteal_kswapd")).toBeGreaterThan(2 * cap(r, "vmstat", "pgsteal_direct"));
  });

  it("ends with the swap use and free memory of the real run (SwapFree within 10%, MemFree near the watermarks)", () => {
    // The model keeps more slots in use (more pages still in the swap cache as well as on swap).
    const swapFree = realField("w5/meminfo.holding", "SwapFree");
    expect(Math.abs(cap(r, "meminfo", "SwapFree") - swapFree)).toBeLessThan(0.1 * swapFree);
    expect(cap(r, "meminfo", "MemFree")).toBeLessThan(4 * realField("w5/meminfo.holding", "MemFree"));
  });
});
