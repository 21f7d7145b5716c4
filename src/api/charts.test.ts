import { describe, expect, it } from "vitest";
import { CHART_GROUPS, chartDefs, sampleRate, type SampleSource } from "./charts.js";

/** Samples at the given times (ns) with the given counters. */
function source(times: number[], counters: Record<string, number[]>): SampleSource {
  return { count: times.length, time: (i) => times[i], value: (i, n) => counters[n]?.[i] ?? 0 };
}

const layout = {
  nodes: 2,
  zones: [{ id: 1, node: 0, name: "DMA32" }, { id: 2, node: 0, name: "Normal" }, { id: 7, node: 1, name: "Normal" }],
  disks: [{ slot: 0, name: "vda", sysfs: true, holder: "swap" }, { slot: 1, name: "/swapfile", sysfs: false, holder: null }, { slot: -1, name: "vdz", sysfs: true, holder: null }],
  memcgs: [{ slot: 0, path: "/rk" }, { slot: -1, path: "/late" }],
};

describe("chart definitions", () => {
  it("rates are per second of simulated time between two samples, 0 at the first and over no time", () => {
    // 3000 pages scanned in 0.5 s, then 0 in 0 s.
    const s = source([1e9, 1.5e9, 1.5e9], { pgscan_kswapd: [1000, 4000, 4000], pgscan_direct: [0, 500, 900] });
    expect(sampleRate(s, ["pgscan_kswapd"], 0)).toBe(0);
    expect(sampleRate(s, ["pgscan_kswapd"], 1)).toBe(6000);
    expect(sampleRate(s, ["pgscan_kswapd", "pgscan_direct"], 1)).toBe(7000);
    expect(sampleRate(s, ["pgscan_direct"], 2)).toBe(0);
  });

  it("PSI is the share of time stalled, capped at 100 %; watermarks include the boost; swap used is total - free", () => {
    // 250 ms of some-stall in 1 s: 25 %; 3 s of full-stall in 1 s (several tasks' totals) is capped.
    const s = source([0, 1e9], {
      "psi.mem_some": [0, 250e6],
      "psi.mem_full": [0, 3e9],
      "zone.2.min": [100, 100],
      "zone.2.boost": [0, 40],
      swap_total: [1000, 1000],
      swap_free: [1000, 600],
    });
    const [psi] = chartDefs(layout, ["psi"]);
    expect(psi.lines.map((l) => [l.label, l.value(s, 1)])).toEqual([
      ["memory some", 25],
      ["memory full", 100],
      ["io some", 0],
    ]);
    const normal = chartDefs(layout, ["free"]).find((c) => c.key === "zone.2");
    expect(normal?.lines.find((l) => l.label === "min")?.value(s, 1)).toBe(140);
    const [swap] = chartDefs(layout, ["swap"]);
    expect(swap.lines[0].value(s, 1)).toBe(400);
  });

  it("block devices: one chart per sampled device, sectors as kB/s (512-byte sectors)", () => {
    // 2048 sectors written in 0.5 s: 1 MiB in half a second, 2048 kB/s; 16 requests, 32 per s.
    const s = source([0, 0.5e9], { "blk.0.wr_sectors": [0, 2048], "blk.0.wr_ios": [0, 16], "blk.0.rd_sectors": [8, 8] });
    const defs = chartDefs(layout, ["blk"]);
    expect(defs.map((d) => d.key)).toEqual(["blk.0", "blk.1"]);
    expect(defs[0].title).toBe("swap device vda: I/O (/sys/block/vda/stat)");
    expect(defs[1].title).toContain("not in /sys/block");
    expect(defs[0].lines.map((l) => [l.label, l.value(s, 1)])).toEqual([
      ["read kB/s", 0],
      ["written kB/s", 2048],
      ["read requests/s", 0],
      ["write requests/s", 32],
      ["merged reads/s", 0],
    ]);
    expect(chartDefs({ nodes: 1, zones: [] }, ["blk"])).toEqual([]);
  });

  it("memory cgroups: per sampled group its usage against max and high (gaps while unlimited), and memory.events", () => {
    const s = source([0, 1e9], { "memcg.0.current": [100, 8192], "memcg.0.max": [8192, 8192], "memcg.0.high": [NaN, NaN], "memcg.0.ev.oom_kill": [0, 1], "memcg.0.ev.max": [0, 35] });
    const defs = chartDefs(layout, ["memcg"]);
    expect(defs.map((d) => d.key)).toEqual(["memcg.0", "memcg.0.events"]);
    expect(defs[0].title).toBe("memory cgroup /rk: memory.current against memory.max and memory.high");
    expect(defs[0].lines.map((l) => [l.label, l.value(s, 1)])).toEqual([
      ["memory.current", 8192],
      ["memory.max", 8192],
      ["memory.high", NaN],
      ["memory.swap.current", 0],
    ]);
    expect(defs[1].lines.map((l) => [l.label, l.value(s, 1)])).toEqual([
      ["max", 35],
      ["high", 0],
      ["oom", 0],
      ["oom_kill", 1],
    ]);
    expect(chartDefs({ nodes: 1, zones: [] }, ["memcg"])).toEqual([]);
  });

  it("one chart per populated zone, one kswapd line per node, in CHART_GROUPS order whatever the order asked", () => {
    const defs = chartDefs(layout, ["swap", "free", "reclaim"]);
    expect(defs.map((d) => d.key)).toEqual(["zone.1", "zone.2", "zone.7", "reclaim", "swap"]);
    expect(defs[2].title).toBe("Node 1, zone Normal: free pages and watermarks");
    expect(defs[3].lines.map((l) => l.label)).toEqual(["kswapd0 running", "kswapd1 running", "allocstall /s ÷ 1000"]);
    const all = chartDefs(layout);
    expect(new Set(all.map((d) => d.key)).size).toBe(all.length);
    expect([...new Set(all.map((d) => d.group))]).toEqual([...CHART_GROUPS]);
  });
});
