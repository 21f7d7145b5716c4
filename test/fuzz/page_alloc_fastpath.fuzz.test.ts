/**
 * The allocator's fast paths (page_alloc.ts rmqueue_pcplist_fast, free_unref_page_fast) must do exactly what the general path does: two machines, one with the
 * fast paths switched off (test-only), run the same random alloc/free sequence and must hand out
 * the same pfns, emit the same trace events, and end with the same event and zone counters and the
 * same /proc files.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../../src/kernel/kernel.js";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { formatTraceLine } from "../../src/kernel/trace.js";
import {
  __GFP_COMP,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  __GFP_THISNODE,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
} from "../../src/mm/gfp.js";
import { F, PG_head } from "../../src/mm/memmap.js";
import {
  __alloc_pages,
  __free_pages,
  alloc_pages,
  drain_all_pages,
  put_page,
} from "../../src/mm/page_alloc.js";
import { MiB, NO_PFN } from "../../src/mm/types.js";
import {
  frag_show,
  pagetypeinfo_show,
  vmstat_show,
  zoneinfo_show,
} from "../../src/mm/vmstat_show.js";
import { checkBuddy } from "../../src/sim/invariants/buddy.js";

const GFPS = [
  GFP_KERNEL | __GFP_NORETRY,
  GFP_HIGHUSER_MOVABLE | __GFP_NORETRY,
  GFP_ATOMIC,
  GFP_NOWAIT,
  GFP_KERNEL | __GFP_RECLAIMABLE | __GFP_NORETRY,
  GFP_DMA | __GFP_NORETRY,
  GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NORETRY,
  GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY,
];

type Op =
  | { kind: "alloc"; gfp: number; order: number; cpu: number; nid: number }
  | { kind: "free"; pick: number; cpu: number }
  | { kind: "drain" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("alloc" as const),
      gfp: fc.constantFrom(...GFPS),
      order: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 10 }) },
      ),
      cpu: fc.integer({ min: 0, max: 1 }),
      nid: fc.integer({ min: -1, max: 1 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("free" as const),
      pick: fc.nat(),
      cpu: fc.integer({ min: 0, max: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drain" as const) }) },
);

// Small NUMA machines reach the fallback and failure paths quickly, but their pcp batch is 1; the
// 1 GiB machine refills 63 pages at a time, so the order of a refilled list is tested too.
function boot(big: boolean): Kernel {
  if (big) return start_kernel({ memory: 1024 * MiB });
  return start_kernel({
    memory: 96 * MiB,
    numa: { nodes: [{ size: 64 * MiB }, { size: 32 * MiB }] },
  });
}

function state(k: Kernel): string {
  const zones = k.zones.map(
    (z) =>
      `${[...z.vm_stat].join(",")}|${[...z.vm_numa_event].join(",")}|${z.per_cpu_pageset.map((p) => `${p.count}/${p.free_factor}`).join(",")}`,
  );
  return [
    frag_show(k),
    pagetypeinfo_show(k),
    zoneinfo_show(k),
    vmstat_show(k),
    [...k.vm_events].join(","),
    ...zones,
  ].join("\n");
}

describe("page allocator fast paths", () => {
  // Traced, every event must match; untraced, the paths that step aside for tracing
  // (rmqueue_bulk_order0_fast) run too, and the pfns and final state must match.
  it.each([
    { traced: true, big: false },
    { traced: false, big: false },
    { traced: false, big: true },
  ])("behave exactly as the general path under random alloc/free sequences (traced: $traced, 1 GiB: $big)", ({ traced, big }) => {
    const reached = { fastFailures: 0, traced: 0 };
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 500, size: "max" }),
        (ops) => {
          const machines = [boot(big), boot(big)];
          // The second machine runs without the order-0 fast paths: every effect must still match.
          machines[1].fastPaths = false;
          const traces: string[][] = [[], []];
          if (traced)
            machines.forEach((k, m) =>
              k.trace.on("*", (r) => void traces[m].push(formatTraceLine(r))),
            );
          const held: Array<
            Array<{ pfn: number; order: number; compound: boolean }>
          > = [[], []];
          ops.forEach((op, i) => {
            const got = machines.map((k, m) => {
              switch (op.kind) {
                case "alloc": {
                  k.cpu = op.cpu;
                  const gfp = op.gfp | __GFP_NOWARN;
                  const pfn =
                    op.nid < 0 || op.nid >= k.node_data.length
                      ? alloc_pages(k, gfp, op.order)
                      : __alloc_pages(k, gfp, op.order, op.nid, null);
                  if (pfn !== NO_PFN)
                    held[m].push({
                      pfn,
                      order: op.order,
                      compound: (k.mem_map.flags[pfn] & F(PG_head)) !== 0,
                    });
                  return pfn;
                }
                case "free": {
                  if (!held[m].length) return 0;
                  k.cpu = op.cpu;
                  const [h] = held[m].splice(op.pick % held[m].length, 1);
                  if (h.compound) put_page(k, h.pfn);
                  else __free_pages(k, h.pfn, h.order);
                  return h.pfn;
                }
                case "drain":
                  drain_all_pages(k, null);
                  return 0;
              }
            });
            expect(got[0], `op ${i} ${op.kind}`).toBe(got[1]);
            if (op.kind === "alloc" && got[0] === NO_PFN)
              reached.fastFailures++;
          });

          expect(traces[0]).toEqual(traces[1]);
          reached.traced += traces[0].length;
          expect(state(machines[0])).toBe(state(machines[1]));
          checkBuddy(machines[0]);
        },
      ),
      { numRuns: 20, seed: 20261122 },
    );
    if (!big) expect(reached.fastFailures).toBeGreaterThan(0);
    if (traced) expect(reached.traced).toBeGreaterThan(0);
  });
});
