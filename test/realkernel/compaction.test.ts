/**
 * Compaction against a real 6.1 kernel: test/realkernel/data/hp-compact (Debian 6.1.192 under
 * QEMU, 1 GiB, one CPU). The workload (tools/realkernel/guest/init-ext wl_hp_compact): 576 MiB
 * mapped with MADV_NOHUGEPAGE and written, every other page freed with MADV_DONTNEED (one page
 * per call), /proc/sys/vm/compact_memory written twice, the mapping unmapped; buddyinfo and
 * vmstat at each step.
 *
 * Tolerances (tools/realkernel/README.md: two runs of this workload agree on buddyinfo after the
 * frees within 2 blocks and are identical after compaction):
 * - the touch takes 142 free order-10 blocks on the real kernel: within 2 blocks;
 * - the frees leave 60367 free order-0 pages in the buddy lists: within 1%. The other freed
 *   pages (about 13300) wait on the per-CPU list (pcp high is 13857 on this zone, as the real
 *   zoneinfo of a 1 GiB guest shows), and how many depends on where the last nr_pcp_free flush
 *   fell, whose size grows with free_factor up to high - batch;
 * - pgmigrate_fail is 1 after each compact_memory on the real kernel: the last migration batch of
 *   a run whose scanners meet runs out of target pages (-ENOMEM counts the folio that met it):
 *   exact; compact_stall/fail/success and the compact_daemon_* counters stay 0: exact.
 *
 * Not reproduced (the `it.fails` case below, and docs/fidelity/compaction.md): what the first
 * compact_memory achieves. The real run migrates 30679 pages and leaves 114 free order-10 blocks;
 * the model migrates a few hundred. On both, the free scanner comes down from the zone's end
 * through the upper halves of the free order-10 blocks (scanned, nothing isolated, so its stride
 * doubles to 32) and reaches the top of the half-freed region, whose freed pages still sit on the
 * per-CPU list; at a stride of 32 it then misses every free page of the alternating blocks below
 * (they are all at odd pfns). It succeeds only if the migrations before it got there freed enough
 * pages to push the pcp list over its high mark, flushing the old free pages into the buddy
 * lists first: 13857 - 13311 = about 550 migrations. The model gets there after about 350
 * (mm_compaction_isolate_freepages shows where). The likely difference, not proven: the real
 * zone's touched step shows about 800 more pages in free blocks of order 5 to 9 than the model's
 * (2112 against 1312), which would give the real run those migrations if they lie above the
 * region; where they lie comes from boot, which the model lays out differently. Not a missing
 * drain: 6.1's compact_memory path (compact_nodes → compact_node → compact_zone, order -1)
 * drains only the LRU batches, never the pcp free lists (docs/fidelity/compaction.md).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { spawnProcess } from "../../src/sim/process.js";
import { procRead, procWrite } from "../../src/fs/proc/root.js";
import { checkBuddy } from "../../src/sim/invariants/buddy.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { checkLru } from "../../src/sim/invariants/lru.js";
import { expectWithin } from "./procfmt.js";
import { extfrag_zone_line } from "../../src/mm/compaction.js";
import { pglist_data, zone, zone_names } from "../../src/mm/mmzone.js";

const MiB = 1 << 20;
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const data = (f: string): string => readFileSync(path.resolve(repoRoot, "test/realkernel/data/hp-compact", f), "utf8");

/** The DMA32 line of a buddyinfo text, as numbers by order. */
function dma32(buddyinfo: string): number[] {
  const line = buddyinfo.split("\n").find((l) => l.includes("DMA32"));
  if (line === undefined) throw new Error("no DMA32 line");
  return line.trim().split(/\s+/).slice(4).map(Number);
}

/** A vmstat text as a map. */
function vmstat(text: string): Map<string, number> {
  return new Map(text.trim().split("\n").map((l) => {
    const [key, v] = l.split(" ");
    return [key, Number(v)] as [string, number];
  }));
}

const STEPS = ["before", "touched", "frag", "compacted", "compacted2", "unmapped"] as const;
type Step = (typeof STEPS)[number];

describe("hp-compact: a half-freed 576 MiB region and compact_memory", () => {
  const k = start_kernel({ memory: 1024 * MiB });
  const model = new Map<Step, { buddy: number[]; vm: Map<string, number> }>();
  const snap = (s: Step): void => void model.set(s, { buddy: dma32(procRead(k, "/proc/buddyinfo")), vm: vmstat(procRead(k, "/proc/vmstat")) });
  snap("before");
  const p = spawnProcess(k, { comm: "rkx" });
  const len = 576 * MiB;
  const a = p.mmap(len, { prot: "rw", flags: "private|anonymous" });
  p.madvise(a, len, "nohugepage");
  p.write(a, len);
  snap("touched");
  // punch:0:1:1: keep one page, free one, one madvise per freed page.
  for (let o = 4096; o < len; o += 8192) p.madvise(a + o, 4096, "dontneed");
  snap("frag");
  procWrite(k, "/proc/sys/vm/compact_memory", "1\n");
  snap("compacted");
  checkBuddy(k);
  checkMm(k);
  checkLru(k);
  procWrite(k, "/proc/sys/vm/compact_memory", "1\n");
  snap("compacted2");
  p.munmap(a, len);
  snap("unmapped");
  const real = new Map(STEPS.map((s) => [s, { buddy: dma32(data(`buddyinfo.${s}`)), vm: vmstat(data(`vmstat.${s}`)) }] as const));
  const m = (s: Step) => model.get(s)!;
  const r = (s: Step) => real.get(s)!;

  it("takes the real number of free order-10 blocks for the 576 MiB touch (within 2)", () => {
    expectWithin("order-10 blocks taken", m("before").buddy[10] - m("touched").buddy[10], r("before").buddy[10] - r("touched").buddy[10], 0, 2);
  });

  it("leaves the real number of free order-0 pages after the frees (within 1%), nothing in between", () => {
    expectWithin("order-0 free after the frees", m("frag").buddy[0], r("frag").buddy[0], 0.01);
    // Every other page freed: no freed page finds a free buddy, so orders 1-9 do not grow.
    for (let o = 1; o < 10; o++) expect(m("frag").buddy[o]).toBeLessThanOrEqual(m("touched").buddy[o] + 1);
  });

  it("counts one failed migration per compact_memory run (the last batch finds no target) and no stalls", () => {
    for (const s of ["compacted", "compacted2"] as const) {
      expect(m(s).vm.get("pgmigrate_fail")).toBe(r(s).vm.get("pgmigrate_fail"));
      for (const key of ["compact_stall", "compact_fail", "compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned"]) {
        expect(m(s).vm.get(key), key).toBe(r(s).vm.get(key));
      }
    }
    // Every isolated page is either a migration source or a free target: at least twice the moves.
    const moved = m("compacted2").vm.get("pgmigrate_success")!;
    expect(m("compacted2").vm.get("compact_isolated")!).toBeGreaterThanOrEqual(2 * moved);
  });

  it.fails("migrates what the real first compact_memory does (30679 pages, 114 order-10 blocks; see the header)", () => {
    expectWithin("pgmigrate_success", m("compacted").vm.get("pgmigrate_success")!, r("compacted").vm.get("pgmigrate_success")!, 0.1);
    expectWithin("order-10 blocks after compaction", m("compacted").buddy[10], r("compacted").buddy[10], 0, 4);
  });
});

describe("/sys/kernel/debug/extfrag: the indexes 6.1 prints for the capture's own free lists", () => {
  /** A zone whose free lists hold a buddyinfo line's counts (the index math reads only nr_free). */
  const zoneOf = (line: string): zone => {
    const f = line.trim().split(/\s+/);
    const z = new zone(new pglist_data(Number(f[1].replace(",", ""))), zone_names.indexOf(f[3] as (typeof zone_names)[number]));
    f.slice(4).forEach((n, order) => (z.free_area[order].nr_free = Number(n)));
    return z;
  };

  it.each(STEPS)("prints extfrag_index and unusable_index of step %s byte for byte from its buddyinfo", (step) => {
    const lines = data(`buddyinfo.${step}`).split("\n").filter((l) => l.startsWith("Node"));
    expect(lines.length).toBe(2);
    const zones = lines.map(zoneOf);
    expect(zones.map((z) => extfrag_zone_line(0, z, false)).join("")).toBe(data(`extfrag_index.${step}`));
    expect(zones.map((z) => extfrag_zone_line(0, z, true)).join("")).toBe(data(`unusable_index.${step}`));
  });

  it("reads both files on a booted machine, one line per populated zone", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    expect(procRead(k, "/sys/kernel/debug/extfrag/extfrag_index")).toMatch(/^Node 0, zone {6}DMA( -?\d\.\d{3}){11} \nNode 0, zone {4}DMA32( -?\d\.\d{3}){11} \n$/);
    expect(procRead(k, "/sys/kernel/debug/extfrag/unusable_index")).toMatch(/^Node 0, zone {6}DMA( \d\.\d{3}){11} \nNode 0, zone {4}DMA32( \d\.\d{3}){11} \n$/);
    expect(() => procWrite(k, "/sys/kernel/debug/extfrag/extfrag_index", "1")).toThrow(/EACCES/);
  });
});
