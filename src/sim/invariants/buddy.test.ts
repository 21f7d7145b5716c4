import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../../mm/gfp.js";
import { F, PG_buddy } from "../../mm/memmap.js";
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, ZONE_DMA32 } from "../../mm/mmzone.js";
import { alloc_pages } from "../../mm/page_alloc.js";
import { freeRange, makeTestMachine } from "../../mm/page_alloc.testutil.js";
import { NR_FREE_PAGES } from "../../mm/vmstat_items.js";
import { checkBuddy } from "./buddy.js";

describe("checkBuddy", () => {
  it("accepts a freshly booted machine and one with pages on the pcp lists", () => {
    const k = makeTestMachine();
    checkBuddy(k);
    alloc_pages(k, GFP_KERNEL, 0);
    expect(k.zones[ZONE_DMA32].per_cpu_pageset[0].count).toBeGreaterThan(0);
    checkBuddy(k);
  });

  it("catches nr_free disagreeing with the lists", () => {
    const k = makeTestMachine();
    k.zones[ZONE_DMA32].free_area[3].nr_free++;
    expect(() => checkBuddy(k)).toThrow(/nr_free differs/);
  });

  it("catches NR_FREE_PAGES disagreeing with the lists", () => {
    const k = makeTestMachine();
    k.zones[ZONE_DMA32].vm_stat[NR_FREE_PAGES] -= 1;
    expect(() => checkBuddy(k)).toThrow(/NR_FREE_PAGES differs/);
  });

  it("catches two free buddies of the same order", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    // Bypass merging: put 4096 and 4097 on the order-0 list by hand.
    const z = k.zones[ZONE_DMA32];
    for (const p of [4096, 4097]) {
      k.mem_map.lru.list_add(z.free_area[0].free_list, MIGRATE_MOVABLE, p);
      k.mem_map.flags[p] |= F(PG_buddy);
      k.mem_map.index[p] = MIGRATE_MOVABLE;
      z.free_area[0].nr_free++;
      z.vm_stat[NR_FREE_PAGES]++;
    }
    expect(() => checkBuddy(k)).toThrow(/buddies both free/);
  });

  it("catches a misaligned block and overlapping blocks", () => {
    const k = makeTestMachine({ free: false, pcp: false });
    const z = k.zones[ZONE_DMA32];
    freeRange(k, 4096, 4100); // order 2 at 4096
    k.mem_map.lru.list_add(z.free_area[0].free_list, MIGRATE_MOVABLE, 4098);
    k.mem_map.flags[4098] |= F(PG_buddy);
    k.mem_map.index[4098] = MIGRATE_MOVABLE;
    z.free_area[0].nr_free++;
    expect(() => checkBuddy(k)).toThrow(/overlap/);
    const k2 = makeTestMachine({ free: false, pcp: false });
    freeRange(k2, 4097, 4098);
    k2.mem_map.private[4097] = 1;
    const z2 = k2.zones[ZONE_DMA32];
    z2.free_area[0].nr_free--;
    z2.free_area[1].nr_free++;
    k2.mem_map.lru.list_move(z2.free_area[0].free_list, MIGRATE_MOVABLE, z2.free_area[1].free_list, MIGRATE_MOVABLE, 4097);
    z2.vm_stat[NR_FREE_PAGES]++;
    expect(() => checkBuddy(k2)).toThrow(/not aligned/);
  });

  it("catches a free page with a reference, a stray PG_buddy and a wrong pcp count", () => {
    const k = makeTestMachine();
    const head = k.zones[ZONE_DMA32].free_area[10].free_list[MIGRATE_MOVABLE];
    k.mem_map._refcount[head + 5] = 1;
    expect(() => checkBuddy(k)).toThrow(/free page with a reference/);
    const k2 = makeTestMachine();
    const p = alloc_pages(k2, GFP_KERNEL, 0);
    k2.mem_map.flags[p] |= F(PG_buddy);
    expect(() => checkBuddy(k2)).toThrow(/PG_buddy on a page that heads no free block/);
    const k3 = makeTestMachine();
    alloc_pages(k3, GFP_KERNEL, 0);
    k3.zones[ZONE_DMA32].per_cpu_pageset[0].count++;
    expect(() => checkBuddy(k3)).toThrow(/pcp->count differs/);
  });

  it("catches a block whose remembered list is not the list it is on", () => {
    const k = makeTestMachine();
    const head = k.zones[ZONE_DMA32].free_area[10].free_list[MIGRATE_MOVABLE];
    k.mem_map.index[head] = MIGRATE_UNMOVABLE;
    expect(() => checkBuddy(k)).toThrow(/remembered list/);
  });
});
