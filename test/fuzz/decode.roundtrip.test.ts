/**
 * Round trip: the /proc files the simulator prints decode back to the state that produced them.
 * Random machines (memory size, CPUs, NUMA nodes, kernelcore) are booted, their /proc/meminfo,
 * buddyinfo, pagetypeinfo, zoneinfo and vmstat read through procRead, and each decoded result is
 * compared with the kernel's own structures: free_area[].nr_free per zone and order, watermarks,
 * managed/present pages, global counters, and MemAvailable recomputed by the decoder from
 * meminfo + zoneinfo against the value the simulator printed.
 *
 * Machines below 96 MiB are left out: Debian's kernel image occupies 16-68 MiB, so a smaller
 * guest cannot boot (Machine.boot says so with a RangeError).
 *
 * The simulator's own OOM reports round-trip in test/realkernel/oom.test.ts (the w3a
 * reproduction decodes back to its trigger, victims, constraint, totalpages and ranking).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { procRead } from "../../src/fs/proc/root.js";
import { global_zone_page_state } from "../../src/mm/vmstat.js";
import { NR_FREE_PAGES } from "../../src/mm/vmstat_items.js";
import { min_wmark_pages, low_wmark_pages, high_wmark_pages } from "../../src/mm/mmzone.js";
import { decode } from "../../src/decode/index.js";

const MiB = 1024 * 1024;

const machine = fc.record({
  memMiB: fc.integer({ min: 96, max: 1536 }).map((m) => m - (m % 2)),
  cpus: fc.integer({ min: 1, max: 4 }),
  numa: fc.boolean(),
});

describe("simulator /proc output decodes back to the kernel state", () => {
  it("meminfo, buddyinfo, pagetypeinfo, zoneinfo and vmstat of random machines", () => {
    fc.assert(
      fc.property(machine, ({ memMiB, cpus, numa }) => {
        const half = (memMiB / 2) * MiB;
        const k = start_kernel(
          numa && memMiB >= 256 ? { memory: memMiB * MiB, cpus: Math.max(cpus, 2), numa: { nodes: [{ size: half }, { size: memMiB * MiB - half }] } } : { memory: memMiB * MiB, cpus },
        );
        const zoneinfoText = procRead(k, "/proc/zoneinfo");
        const mem = decode(procRead(k, "/proc/meminfo"), { zoneinfoText });
        expect(mem.kind).toBe("meminfo");
        if (mem.kind !== "meminfo") return;
        expect(mem.warnings).toEqual([]);
        expect(mem.fields.MemFree).toBe(global_zone_page_state(k, NR_FREE_PAGES) * 4);
        expect(mem.fields.MemTotal).toBe(k.zones.reduce((a, z) => a + z.managed_pages, 0) * 4);
        expect(mem.memAvailable?.watermarksKnown).toBe(true);
        expect(mem.memAvailable?.computed_kB).toBe(mem.fields.MemAvailable);

        const populated = k.zones.filter((z) => z.present_pages > 0);
        const buddy = decode(procRead(k, "/proc/buddyinfo"));
        expect(buddy.kind).toBe("buddyinfo");
        if (buddy.kind !== "buddyinfo") return;
        expect(buddy.warnings).toEqual([]);
        expect(buddy.zones.map((z) => `${z.node}/${z.zone}`)).toEqual(populated.map((z) => `${z.node}/${z.name}`));
        buddy.zones.forEach((bz, i) => expect(bz.counts).toEqual(populated[i].free_area.map((a) => a.nr_free)));

        const pti = decode(procRead(k, "/proc/pagetypeinfo"));
        expect(pti.kind).toBe("pagetypeinfo");
        if (pti.kind !== "pagetypeinfo") return;
        expect(pti.warnings).toEqual([]);
        expect(pti.pageblockOrder).toBe(9);
        for (const z of populated) {
          const byType = pti.freePagesByType.find((e) => e.node === z.node && e.zone === z.name)!;
          const total = Object.values(byType.byType).reduce((a, x) => a + x, 0);
          expect(total).toBe(z.free_area.reduce((a, fa, o) => a + fa.nr_free * 2 ** o, 0));
        }

        const zi = decode(zoneinfoText);
        expect(zi.kind).toBe("zoneinfo");
        if (zi.kind !== "zoneinfo") return;
        expect(zi.warnings).toEqual([]);
        for (const z of k.zones) {
          const d = zi.zones.find((e) => e.node === z.node && e.zone === z.name);
          if (!d) continue;
          expect({ min: d.min, low: d.low, high: d.high, managed: d.managed, present: d.present }).toEqual({
            min: min_wmark_pages(z),
            low: low_wmark_pages(z),
            high: high_wmark_pages(z),
            managed: z.managed_pages,
            present: z.present_pages,
          });
          expect(d.protection).toEqual([...z.lowmem_reserve]);
        }

        const vm = decode(procRead(k, "/proc/vmstat"));
        expect(vm.kind).toBe("vmstat");
        if (vm.kind !== "vmstat") return;
        expect(vm.warnings).toEqual([]);
        expect(vm.fields.nr_free_pages).toBe(global_zone_page_state(k, NR_FREE_PAGES));
      }),
      { numRuns: 20, seed: 0x6d6d73 },
    );
  }, 120_000);
});
