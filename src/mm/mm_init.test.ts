import { describe, expect, it } from "vitest";
import { qemu_i440fx_e820 } from "../arch/x86/e820.js";
import { setup_arch } from "../arch/x86/setup.js";
import { Kernel } from "../kernel/kernel.js";
import { DEBIAN_6_1_IMAGE } from "./memblock.js";
import { MemMap } from "./memmap.js";
import {
  __free_pages_memory,
  build_all_zonelists,
  cachePreferredZones,
  calc_memmap_size,
  free_area_init,
  memblock_find_dma_reserve,
  memblock_free_all,
  mm_init_state,
  node_fallback_order,
  zone_sizes_init_limits,
} from "./mm_init.js";
import { MAX_NR_ZONES, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, pglist_data, ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from "./mmzone.js";
import { GiB, MAX_ORDER, MiB, NO_PFN } from "./types.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { alloc_pages } from "./page_alloc.js";
import { GFP_KERNEL } from "./gfp.js";
import { PGALLOC_DMA } from "./vmstat_items.js";

/** setup_arch + free_area_init for a single-node QEMU guest, without the buddy allocator. */
function sized(memory: number, opts: { movablecore_percent?: number; kernelcore?: number } = {}): { k: Kernel; st: mm_init_state; mb: ReturnType<typeof setup_arch>["mb"] } {
  const k = new Kernel(1);
  const sa = setup_arch(k, { e820: qemu_i440fx_e820(memory), nodes: [{ size: memory, cpus: [0] }], numa: false, image: DEBIAN_6_1_IMAGE, initrd: 0x289000 }, () => {});
  const st = new mm_init_state();
  st.required_movablecore_percent = opts.movablecore_percent ?? 0;
  st.required_kernelcore = opts.kernelcore ?? 0;
  st.dma_reserve = memblock_find_dma_reserve(sa.mb);
  k.max_pfn = sa.max_pfn;
  k.mem_map = new MemMap(sa.max_pfn);
  k.node_data = [new pglist_data(0)];
  k.zones = k.node_data[0].node_zones;
  free_area_init(k, st, sa.mb, zone_sizes_init_limits(sa.max_pfn));
  return { k, st, mb: sa.mb };
}

describe("zone sizing", () => {
  it("sizes the 512 MiB guest's DMA and DMA32 as 6.1 does", () => {
    const { k, st } = sized(512 * MiB);
    const [dma, dma32] = k.node_data[0].node_zones;
    expect([dma.zone_start_pfn, dma.spanned_pages, dma.present_pages]).toEqual([1, 4095, 3998]);
    expect([dma32.zone_start_pfn, dma32.spanned_pages, dma32.present_pages]).toEqual([4096, 126944, 126944]);
    expect(st.dma_reserve).toBe(158);
    // managed estimate: present - memmap pages - dma_reserve
    expect(dma.managed_pages).toBe(3998 - 64 - 158);
    expect(dma32.managed_pages).toBe(126944 - 1984);
    expect(k.node_data[0].nr_zones).toBe(2);
  });

  it("estimates the memmap of a zone in pages, ignoring holes only when they are big", () => {
    expect(calc_memmap_size(126944, 126944)).toBe(1984);
    expect(calc_memmap_size(4095, 3998)).toBe(64);
    // DMA32 of a 4 GiB guest spans the 1 GiB PCI hole: present pages are used instead
    expect(calc_memmap_size(0xff000, 0xbefe0)).toBe(Math.ceil((0xbefe0 * 64) / 4096));
  });

  it("gives a 4 GiB guest a Normal zone above 4 GiB and counts the 3G hole as absent", () => {
    const { k } = sized(4 * GiB);
    const z = k.node_data[0].node_zones;
    expect([z[ZONE_DMA32].zone_start_pfn, z[ZONE_DMA32].spanned_pages, z[ZONE_DMA32].present_pages]).toEqual([4096, 0x100000 - 4096, 0xbffe0 - 4096]);
    expect([z[ZONE_NORMAL].zone_start_pfn, z[ZONE_NORMAL].spanned_pages, z[ZONE_NORMAL].present_pages]).toEqual([0x100000, 0x40000, 0x40000]);
    const log = k.log.dmesg();
    expect(log).toContain("  Normal   [mem 0x0000000100000000-0x000000013fffffff]");
    // the section tail at 3 GiB - 128 KiB is linked to the zone above the hole
    expect(log).toContain("On node 0, zone Normal: 32 pages in unavailable ranges");
  });

  it("carves ZONE_MOVABLE for movablecore=10% out of Normal at a MAX_ORDER-aligned start", () => {
    const { k } = sized(4 * GiB, { movablecore_percent: 10 });
    const z = k.node_data[0].node_zones;
    const mov = z[ZONE_MOVABLE];
    expect(mov.present_pages).toBeGreaterThan(0);
    expect(mov.zone_start_pfn % (1 << (MAX_ORDER - 1))).toBe(0);
    const totalPresent = z.reduce((a, x) => a + x.present_pages, 0);
    expect(mov.present_pages).toBeGreaterThanOrEqual(Math.floor(totalPresent / 10));
    expect(mov.present_pages).toBeLessThan(Math.floor(totalPresent / 10) + 1024);
    expect(z[ZONE_NORMAL].zone_end_pfn()).toBe(mov.zone_start_pfn);
    expect(k.log.dmesg()).toMatch(/Movable zone start for each node\n.* {2}Node 0: 0x0000000/);
  });

  it("puts everything above kernelcore= into ZONE_MOVABLE", () => {
    const { k } = sized(4 * GiB, { kernelcore: (3 * GiB) / 4096 });
    const z = k.node_data[0].node_zones;
    // the first 3 GiB of RAM pages stay in the kernel zones; DMA/DMA32 hold ~3 GiB already
    expect(z[ZONE_MOVABLE].spanned_pages).toBeGreaterThan(0);
    expect(z[ZONE_MOVABLE].zone_start_pfn).toBeGreaterThanOrEqual(0x100000);
  });
});

describe("memmap_init", () => {
  it("marks pageblocks MOVABLE at aligned pfns only and records their zone", () => {
    const { k } = sized(512 * MiB);
    const mm = k.mem_map;
    // pageblock 0 starts at pfn 0, a hole: it stays UNMOVABLE, as /proc/pagetypeinfo shows.
    expect(mm.pageblock_mt[0]).toBe(MIGRATE_UNMOVABLE);
    expect(mm.pageblock_mt[1]).toBe(MIGRATE_MOVABLE);
    expect(mm.pageblock_mt[255]).toBe(MIGRATE_MOVABLE);
    expect(k.page_zone(100)?.name).toBe("DMA");
    expect(k.page_zone(4096)?.name).toBe("DMA32");
    expect(k.page_zone(0x1ffdf)?.name).toBe("DMA32");
  });

  it("defers struct page init after one section of the node's last zone", () => {
    const { st } = sized(512 * MiB);
    // DMA32 starts at 4096; 32768 pages later the next section boundary is 0x10000
    expect(st.first_deferred_pfn[0]).toBe(0x10000);
  });
});

describe("memblock_free_all", () => {
  it("frees the largest aligned blocks, at most MAX_ORDER-1", () => {
    const blocks: Array<[number, number]> = [];
    __free_pages_memory(new Kernel(1), 0x9f, 0x100, (_k, pfn, order) => blocks.push([pfn, order]));
    expect(blocks).toEqual([
      [0x9f, 0],
      [0xa0, 5],
      [0xc0, 6],
    ]);
    blocks.length = 0;
    __free_pages_memory(new Kernel(1), 0x100000, 0x100000 + 3000, (_k, pfn, order) => blocks.push([pfn, order]));
    expect(blocks.map((b) => b[1])).toEqual([10, 10, 9, 8, 7, 5, 4, 3]);
  });

  it("counts deferred pages into totalram but hands only the early part to the buddy", () => {
    const { k, st, mb } = sized(512 * MiB);
    let freed = 0;
    const total = memblock_free_all(k, st, mb, (kk, pfn, order) => {
      kk.page_zone(pfn)!.managed_pages += 2 ** order;
      freed += 2 ** order;
      expect(pfn + 2 ** order).toBeLessThanOrEqual(0x10000);
    });
    expect(total).toBe(st.totalram_pages);
    expect(freed).toBeLessThan(total);
    // reserved: 65992 kB less the hash tables (769 kB of them come in start_kernel) and percpu
    let present = 0;
    for (const z of k.zones) present += z.present_pages;
    expect(present - total).toBeGreaterThan(15000);
  });
});

describe("zonelists", () => {
  it("orders nodes by distance with the tie-break and load spreading of find_next_best_node", () => {
    const d = [
      [10, 20, 20, 30],
      [20, 10, 30, 20],
      [20, 30, 10, 20],
      [30, 20, 20, 10],
    ];
    const load = [0, 0, 0, 0];
    const cpus = [true, true, true, true];
    expect(node_fallback_order(0, [0, 1, 2, 3], d, cpus, load)).toEqual([0, 1, 2, 3]);
    // at equal distance 20, node 1 is "under" node 3 and pays the +1: node 2 comes first
    expect(node_fallback_order(3, [0, 1, 2, 3], d, cpus, load)).toEqual([3, 2, 1, 0]);
  });

  it("builds the fallback list highest zone first and prints the 6.1 lines", () => {
    const { k, st } = sized(4 * GiB);
    build_all_zonelists(k, st, [[10]], [true]);
    expect(k.node_data[0].node_zonelists.map((z) => z.name)).toEqual(["Normal", "DMA32", "DMA"]);
    expect(st.policy_zone).toBe(ZONE_NORMAL);
    const log = k.log.dmesg();
    expect(log).toContain("Fallback order for Node 0: 0 \n");
    expect(log).toMatch(/Built 1 zonelists, mobility grouping on\. {2}Total pages: \d+\n/);
    expect(log).toContain("Policy zone: Normal");
  });

  it("caches each node's first zone at or below every highest_zoneidx, across nodes", () => {
    // Node 0 (0-2 GiB) holds DMA and part of DMA32; node 1 (2-6 GiB) the rest of DMA32 and
    // Normal, and no DMA: its GFP_DMA requests fall back to node 0.
    const k = start_kernel({ memory: 6 * GiB, numa: { nodes: [{ size: 2 * GiB }, { size: 4 * GiB }] } });
    expect(k.node_data[1].node_zonelists[0].name).toBe("Normal");
    for (const pgdat of k.node_data) {
      for (let hz = 0; hz < MAX_NR_ZONES; hz++) {
        const walk = pgdat.node_zonelists.find((z) => z.zone_idx <= hz);
        const zi = k.preferredZoneOf[pgdat.node_id * MAX_NR_ZONES + hz];
        expect(zi === -1 ? undefined : k.zones[zi]).toBe(walk);
      }
    }
    expect(k.zones[k.preferredZoneOf[1 * MAX_NR_ZONES + ZONE_DMA]]).toBe(k.node_data[0].node_zones[ZONE_DMA]);
    expect(k.zones[k.preferredZoneOf[1 * MAX_NR_ZONES + ZONE_DMA32]]).toBe(k.node_data[1].node_zones[ZONE_DMA32]);
  });

  it("leaves allocations to the general path while nothing is cached", () => {
    const k = start_kernel({ memory: GiB });
    k.preferredZoneOf = new Int32Array(0);
    const before = k.vm_events[PGALLOC_DMA + ZONE_DMA32];
    const pfn = alloc_pages(k, GFP_KERNEL, 0);
    expect(pfn).not.toBe(NO_PFN);
    expect(k.vm_events[PGALLOC_DMA + ZONE_DMA32]).toBe(before + 1);
    cachePreferredZones(k);
    expect(alloc_pages(k, GFP_KERNEL, 0)).not.toBe(NO_PFN);
  });
});
