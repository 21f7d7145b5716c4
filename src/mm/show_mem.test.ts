import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { __show_mem, show_migration_types, SHOW_MEM_FILTER_NODES } from "./show_mem.js";
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, ZONE_MOVABLE } from "./mmzone.js";
import { NR_FREE_PAGES } from "./vmstat_items.js";
import { procRead } from "../fs/proc/root.js";

const MiB = 1 << 20;

describe("__show_mem", () => {
  const k = start_kernel({ memory: 256 * MiB });
  const lines = __show_mem(k, SHOW_MEM_FILTER_NODES, null, ZONE_MOVABLE);

  it("prints the 6.1 block in order: globals, node, zones with lowmem_reserve, buddy lines, hugepages, cache, swap, totals", () => {
    const shape = lines.map((l) => l.replace(/ .*/, "").replace(/\d+/g, "N"));
    expect(shape).toEqual([
      "Mem-Info:",
      "active_anon:N",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "Node",
      "Node",
      "lowmem_reserve[]:",
      "Node",
      "lowmem_reserve[]:",
      "Node",
      "Node",
      "Node",
      "N",
      "N",
      "Free",
      "Total",
      "N",
      "N",
      "N",
      "N",
    ]);
    expect(lines[2]).toMatch(/^ active_file:\d+ inactive_file:\d+ isolated_file:\d+$/);
    expect(lines[8]).toMatch(/^ free:\d+ free_pcp:\d+ free_cma:0$/);
  });

  it("gives the real w3a machine's RAM, reserved and lowmem_reserve numbers (256 MiB QEMU)", () => {
    expect(lines).toContain("65406 pages RAM");
    expect(lines).toContain("12718 pages reserved");
    expect(lines).toContain("0 pages HighMem/MovableOnly");
    expect(lines).toContain("lowmem_reserve[]: 0 180 180 180 180");
    expect(lines).toContain("lowmem_reserve[]: 0 0 0 0 0");
    expect(lines).toContain("Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB");
    expect(lines).toContain("Free swap  = 0kB");
    expect(lines.find((l) => l.startsWith("Node 0 DMA32 free:"))).toMatch(/ present:245632kB managed:195392kB /);
  });

  it("sums each buddy line to the zone's free pages and names only orders that have blocks", () => {
    for (const z of k.zones.filter((zz) => zz.populated_zone())) {
      const line = lines.find((l) => l.startsWith(`Node 0 ${z.name}: `));
      if (!line) throw new Error(`no buddy line for ${z.name}`);
      expect(line.endsWith(`= ${z.vm_stat[NR_FREE_PAGES] * 4}kB`)).toBe(true);
      for (const m of line.matchAll(/(\d+)\*(\d+)kB( \([UMEHI]+\))?/g)) expect(m[3] !== undefined).toBe(m[1] !== "0");
    }
  });

  it("leaves out nodes outside the nodemask when filtering", () => {
    const two = start_kernel({ memory: 1024 * MiB, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    const only1 = __show_mem(two, SHOW_MEM_FILTER_NODES, [1], ZONE_MOVABLE);
    expect(only1.some((l) => l.startsWith("Node 0 "))).toBe(false);
    expect(only1.some((l) => l.startsWith("Node 1 DMA32 free:"))).toBe(true);
    expect(__show_mem(two, 0, [1], ZONE_MOVABLE).some((l) => l.startsWith("Node 0 DMA free:"))).toBe(true);
  });
});

describe("all_unreclaimable?", () => {
  it("says yes once kswapd has failed MAX_RECLAIM_RETRIES (16) times in a row on the node", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const node = (): string => __show_mem(k, SHOW_MEM_FILTER_NODES, null, ZONE_MOVABLE).find((l) => l.startsWith("Node 0 active_anon:"))!;
    expect(node()).toMatch(/ all_unreclaimable\? no$/);
    k.node_data[0].kswapd_failures = 15;
    expect(node()).toMatch(/ all_unreclaimable\? no$/);
    k.node_data[0].kswapd_failures = 16;
    expect(node()).toMatch(/ all_unreclaimable\? yes$/);
  });
});

describe("show_migration_types", () => {
  it("prints the letters of the migratetypes with free blocks, in enum order", () => {
    expect(show_migration_types((1 << MIGRATE_UNMOVABLE) | (1 << MIGRATE_MOVABLE))).toBe("(UM) ");
    expect(show_migration_types((1 << MIGRATE_RECLAIMABLE) | (1 << MIGRATE_UNMOVABLE))).toBe("(UE) ");
  });
});

describe("the zone lines' watermarks include watermark_boost", () => {
  it("prints boost and min/low/high as min_wmark_pages etc. (base + boost), as __show_free_areas and zoneinfo do", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const z = k.zones.find((x) => x.name === "DMA32")!;
    const base = [...z._watermark].slice(0, 3);
    z.watermark_boost = 512; // two pageblocks' worth, as boost_watermark adds after fallbacks
    const line = __show_mem(k, SHOW_MEM_FILTER_NODES, null, ZONE_MOVABLE).find((l) => l.startsWith("Node 0 DMA32 free:"))!;
    expect(line).toContain(` boost:${512 * 4}kB min:${(base[0] + 512) * 4}kB low:${(base[1] + 512) * 4}kB high:${(base[2] + 512) * 4}kB `);
    const zi = /Node 0, zone\s+DMA32[\s\S]*?boost\s+(\d+)\s+min\s+(\d+)\s+low\s+(\d+)\s+high\s+(\d+)/.exec(procRead(k, "/proc/zoneinfo"))!;
    expect(zi.slice(1).map(Number)).toEqual([512, base[0] + 512, base[1] + 512, base[2] + 512]);
  });
});
