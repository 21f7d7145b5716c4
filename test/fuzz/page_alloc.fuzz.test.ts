/**
 * Random alloc/free sequences of mixed orders, GFP masks, migratetypes and CPUs against the buddy
 * invariants (src/sim/invariants/buddy.ts) and page conservation: free + pcp + allocated pages
 * always equal the managed pages.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  __GFP_COMP,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_TRANSHUGE_LIGHT,
} from "../../src/mm/gfp.js";
import { F, PG_head } from "../../src/mm/memmap.js";
import { __free_pages, alloc_pages, drain_all_pages, put_page, split_page, totalram_pages } from "../../src/mm/page_alloc.js";
import { makeTestMachine } from "../../src/mm/page_alloc.testutil.js";
import { NO_PFN } from "../../src/mm/types.js";
import { NR_FREE_PAGES } from "../../src/mm/vmstat_items.js";
import { checkBuddy } from "../../src/sim/invariants/buddy.js";

const GFPS = [
  GFP_KERNEL,
  GFP_HIGHUSER_MOVABLE,
  GFP_ATOMIC,
  GFP_NOWAIT,
  GFP_KERNEL | __GFP_RECLAIMABLE,
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE | __GFP_COMP,
  GFP_TRANSHUGE_LIGHT | __GFP_COMP,
  GFP_KERNEL | __GFP_NORETRY,
];

type Op =
  | { kind: "alloc"; gfp: number; order: number; cpu: number }
  | { kind: "free"; pick: number; cpu: number }
  | { kind: "split"; pick: number }
  | { kind: "drain" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("alloc" as const),
      gfp: fc.constantFrom(...GFPS),
      order: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.constant(9) }),
      cpu: fc.integer({ min: 0, max: 1 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("split" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drain" as const) }) },
);

function pcpPages(k: ReturnType<typeof makeTestMachine>): number {
  let n = 0;
  for (const z of k.zones) for (const pcp of z.per_cpu_pageset) n += pcp.count;
  return n;
}

describe("page allocator under random operation sequences", () => {
  it("keeps the buddy invariants and conserves pages", () => {
    // What the sequences reached, summed over all runs, so the test shows it exercised the paths.
    const reached = { extfrag: 0, failures: 0, highatomic: 0, slowpath: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 300, size: "max" }), fc.boolean(), (ops, tight) => {
        // A small machine (16 MiB) so sequences reach exhaustion, fallbacks and the slow path.
        const k = makeTestMachine({ nrPages: 8192, cpus: 2, minDma32: tight ? 1024 : 16 });
        // Tight: DMA keeps most of itself back too, so DMA32 pressure reaches the slow path.
        if (tight) for (let w = 0; w < 3; w++) k.zones[0]._watermark[w] = 2048 + 256 * w;
        // A 16 MiB zone gets batch 1 (zone_batchsize); give the pcp lists real batches, as a
        // larger zone (or percpu_pagelist_high_fraction) would, so bulk refills and spills run.
        for (const z of k.zones) for (const pcp of z.per_cpu_pageset) [pcp.batch, pcp.high] = tight ? [15, 96] : [7, 40];
        const held: Array<{ pfn: number; order: number; compound: boolean }> = [];
        const total = totalram_pages(k);
        k.trace.on("mm_page_alloc_extfrag", () => void reached.extfrag++);
        k.mmHooks.wakeup_kswapd = () => void reached.slowpath++;
        let allocated = 0;
        ops.forEach((op, i) => {
          switch (op.kind) {
            case "alloc": {
              k.cpu = op.cpu;
              const pfn = alloc_pages(k, op.gfp | __GFP_NOWARN, op.order);
              if (pfn === NO_PFN) reached.failures++;
              if (k.zones[1].nr_reserved_highatomic) reached.highatomic++;
              if (pfn !== NO_PFN) {
                expect(pfn % (1 << op.order)).toBe(0);
                expect(k.mem_map._refcount[pfn]).toBe(1);
                held.push({ pfn, order: op.order, compound: (k.mem_map.flags[pfn] & F(PG_head)) !== 0 });
                allocated += 1 << op.order;
              }
              break;
            }
            case "free": {
              if (!held.length) break;
              k.cpu = op.cpu;
              const [h] = held.splice(op.pick % held.length, 1);
              if (h.compound) put_page(k, h.pfn);
              else __free_pages(k, h.pfn, h.order);
              allocated -= 1 << h.order;
              break;
            }
            case "split": {
              const idx = held.findIndex((h) => !h.compound && h.order > 0);
              if (idx < 0) break;
              const [h] = held.splice(idx, 1);
              split_page(k, h.pfn, h.order);
              for (let j = 0; j < 1 << h.order; j++) held.push({ pfn: h.pfn + j, order: 0, compound: false });
              break;
            }
            case "drain":
              drain_all_pages(k, null);
              break;
          }
          if (i % 25 === 0) checkBuddy(k);
        });
        checkBuddy(k);
        let free = 0;
        for (const z of k.zones) free += z.vm_stat[NR_FREE_PAGES];
        expect(free + pcpPages(k) + allocated).toBe(total);
        // Everything back: the machine returns to its boot state of fully merged blocks.
        for (const h of held) if (h.compound) put_page(k, h.pfn);
        else __free_pages(k, h.pfn, h.order);
        drain_all_pages(k, null);
        checkBuddy(k);
        let free2 = 0;
        for (const z of k.zones) free2 += z.vm_stat[NR_FREE_PAGES];
        expect(free2).toBe(total);
        // …and every page merged back into pageblock-sized or larger blocks.
        for (const z of k.zones) for (let o = 0; o < 9; o++) if (z.zone_idx === 1) expect(z.free_area[o].nr_free).toBe(0);
      }),
      { numRuns: 60, seed: 20261122 },
    );
    expect(reached.extfrag).toBeGreaterThan(0);
    expect(reached.failures).toBeGreaterThan(0);
    expect(reached.highatomic).toBeGreaterThan(0);
    expect(reached.slowpath).toBeGreaterThan(0);
  });
});
