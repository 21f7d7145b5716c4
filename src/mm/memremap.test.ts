/**
 * ZONE_DEVICE struct pages (mm/memremap.c memremap_pages, mm/page_alloc.c memmap_init_zone_device)
 * and what a machine with legacy pmem shows of them: the boot log, /proc/zoneinfo, /proc/meminfo.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { F, PG_reserved } from "./memmap.js";
import { dev_pagemap, is_zone_device_page, MEMORY_DEVICE_GENERIC, MEMORY_DEVICE_PRIVATE, memremap_pages, page_pgmap } from "./memremap.js";
import { MIGRATE_MOVABLE, ZONE_DEVICE } from "./mmzone.js";
import { GiB, MiB } from "./types.js";

const field = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1]);

describe("memremap_pages over legacy pmem (memmap=512M!1G)", () => {
  it("prints the user-defined e820 map and memmap_init_zone_device's line", () => {
    const m = Machine.boot({ memmap: "512M!1G" });
    const log = m.logRecords().map((r) => r.text);
    const i = log.indexOf("user-defined physical RAM map:");
    expect(i).toBeGreaterThan(log.indexOf("BIOS-provided physical RAM map:"));
    expect(log).toContain("user: [mem 0x0000000040000000-0x000000005fffffff] persistent (type 12)");
    expect(log).toContain("memmap_init_zone_device initialised 131072 pages in 0ms");
    expect(Machine.boot().logRecords().some((r) => r.text.startsWith("user"))).toBe(false);
  });

  it("is not RAM: MemTotal unchanged; its 8 MiB of struct pages come out of MemFree", () => {
    const plain = Machine.boot().read("/proc/meminfo");
    const pmem = Machine.boot({ memmap: "512M!1G" }).read("/proc/meminfo");
    expect(field(pmem, "MemTotal")).toBe(field(plain, "MemTotal"));
    // 131072 pages × 64 bytes = 8 MiB, four order-9 blocks from the buddy allocator
    expect(field(plain, "MemFree") - field(pmem, "MemFree")).toBe(8192);
  });

  it("spans ZONE_DEVICE without populating it: zoneinfo's short form with the span", () => {
    const z = Machine.boot({ memmap: "512M!1G" }).read("/proc/zoneinfo");
    const dev = z.slice(z.indexOf("Node 0, zone   Device"));
    expect(dev).toBe(
      "Node 0, zone   Device\n  pages free     0\n        boost    0\n        min      0\n        low      0\n        high     0\n" +
        "        spanned  131072\n        present  0\n        managed  0\n        cma      0\n        protection: (0, 0, 0, 0, 0)\n",
    );
  });

  it("initialises each struct page as __init_zone_device_page: reserved, refcount 1, zone Device, its pgmap", () => {
    const k = kernelOf(Machine.boot({ memmap: "512M!1G" }));
    const mem = k.mem_map;
    expect(mem.max_pfn).toBe(0x60000);
    for (const pfn of [0x40000, 0x4abcd, 0x5ffff]) {
      expect(is_zone_device_page(k, pfn)).toBe(true);
      expect(mem.flags[pfn]).toBe(F(PG_reserved));
      expect(mem._refcount[pfn]).toBe(1);
      expect(mem.mapcount[pfn]).toBe(0);
      expect(mem.pageblock_mt[pfn >>> 9]).toBe(MIGRATE_MOVABLE);
      expect(page_pgmap(k, pfn)?.type).toBe(MEMORY_DEVICE_GENERIC);
    }
    expect(is_zone_device_page(k, 0x3ffff)).toBe(false);
    expect(k.node_data[0].node_zones[ZONE_DEVICE].zone_start_pfn).toBe(0x40000);
    expect(k.dev_pagemaps[0].ref).toBe(131072);
  });

  it("refuses what pagemap_range refuses, and MEMORY_DEVICE_PRIVATE pages start at refcount 0", () => {
    const k = start_kernel({ memmap: ["64M!1G", "64M!2G"] });
    const n = k.dev_pagemaps.length;
    // not subsection (2 MiB) aligned; over System RAM; over another pgmap
    expect(memremap_pages(k, new dev_pagemap(90, GiB + 4096, GiB + 4 * MiB, MEMORY_DEVICE_GENERIC, 0))).toBe(-22);
    expect(memremap_pages(k, new dev_pagemap(91, 256 * MiB, 258 * MiB, MEMORY_DEVICE_GENERIC, 0))).toBe(-22);
    expect(memremap_pages(k, new dev_pagemap(92, GiB, GiB + 2 * MiB, MEMORY_DEVICE_GENERIC, 0))).toBe(-16);
    expect(k.dev_pagemaps.length).toBe(n);
    // two ranges: one zone spanning both, the hole between them included
    const z = k.node_data[0].node_zones[ZONE_DEVICE];
    expect([z.zone_start_pfn, z.spanned_pages]).toEqual([GiB / 4096, (GiB + 64 * MiB) / 4096]);
    // a device-private range in the hole between them (inside the memmap's columns)
    const priv = new dev_pagemap(93, GiB + 128 * MiB, GiB + 132 * MiB, MEMORY_DEVICE_PRIVATE, 0);
    expect(memremap_pages(k, priv)).toBe(0);
    expect(k.mem_map._refcount[(GiB + 128 * MiB) / 4096]).toBe(0);
    expect(k.mem_map._refcount[GiB / 4096]).toBe(1);
  });
});
