/**
 * Copy-on-write as a property: over random sequences of fork, read, write, MADV_DONTNEED and exit
 * on one private anonymous region shared down a process tree, after every step
 * - a page a process has just written is its own: mapcount 1, PageAnonExclusive, writable PTE;
 * - a read never allocates a page (it maps the zero page or shares what is there);
 * - NR_ANON_MAPPED equals the distinct anonymous pages mapped, and checkMm holds;
 * and at the end, when every process has exited, every page is back in the free lists.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { _PAGE_RW } from "../../src/arch/x86/pgtable.js";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { follow_pte, is_zero_pfn } from "../../src/mm/memory.js";
import { PageAnonExclusive } from "../../src/mm/rmap.js";
import { global_node_page_state, global_zone_page_state } from "../../src/mm/vmstat.js";
import { NR_ANON_MAPPED, NR_FREE_PAGES, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, PGALLOC_DMA, PGALLOC_MOVABLE } from "../../src/mm/vmstat_items.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { type Process, spawnProcess } from "../../src/sim/process.js";
import { taskOf } from "../../src/api/internals.js";

const PAGES = 16;

/**
 * Pages nothing live holds: free on the buddy lists (NR_FREE_PAGES) and every per-cpu list,
 * slab pages (the reaped tasks' objects went back to their slabs, which SLUB keeps), and the
 * kernel stacks fork.c keeps cached per CPU for the next fork (four pages each), and the page
 * tables of the vmalloc space those stacks were mapped in (kept once made, as the kernel's).
 */
function freePages(k: Kernel): number {
  let n = global_zone_page_state(k, NR_FREE_PAGES);
  for (const z of k.zones) for (const pcp of z.per_cpu_pageset) n += pcp.count;
  n += global_node_page_state(k, NR_SLAB_RECLAIMABLE_B) + global_node_page_state(k, NR_SLAB_UNRECLAIMABLE_B);
  return n + 4 * k.cached_stacks.filter((s) => s !== 0).length + k.vmalloc.pte_pages.size;
}

/** Pages handed out so far (the PGALLOC_* events). */
function allocated(k: Kernel): number {
  let n = 0;
  for (let z = PGALLOC_DMA; z <= PGALLOC_MOVABLE; z++) n += k.vm_events[z];
  return n;
}

type Op =
  | { op: "fork"; who: number }
  | { op: "write"; who: number; page: number; n: number }
  | { op: "read"; who: number; page: number; n: number }
  | { op: "dontneed"; who: number; page: number; n: number }
  | { op: "exit"; who: number };

const who = fc.nat({ max: 7 });
const page = fc.nat({ max: PAGES - 1 });
const n = fc.integer({ min: 1, max: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("fork" as const), who }),
  fc.record({ op: fc.constant("write" as const), who, page, n }),
  fc.record({ op: fc.constant("read" as const), who, page, n }),
  fc.record({ op: fc.constant("dontneed" as const), who, page, n }),
  fc.record({ op: fc.constant("exit" as const), who }),
);

describe("copy-on-write over a random process tree", () => {
  it("keeps written pages private, reads allocation-free and the counters exact", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const k = start_kernel({ memory: 128 * 1024 * 1024 });
        const free0 = freePages(k);
        const root = spawnProcess(k, { comm: "cow", image: null });
        const a = root.mmap(PAGES * 4096, { prot: "rw", flags: "private|anonymous" });
        const procs: Process[] = [root];
        for (const o of ops) {
          const live = procs.filter((p) => p.alive);
          if (live.length === 0) break;
          const p = live[o.who % live.length];
          if (o.op === "fork") {
            if (live.length < 8) procs.push(p.fork());
          } else if (o.op === "exit") {
            p.exit();
          } else {
            const cnt = Math.min(o.n, PAGES - o.page);
            const addr = a + o.page * 4096;
            if (o.op === "write") {
              p.write(addr, cnt * 4096);
              for (let i = 0; i < cnt; i++) {
                const pte = follow_pte(k, taskOf(p).mm!, addr + i * 4096);
                expect(pte).not.toBeNull();
                const pfn = pte!.pfn;
                expect(k.mem_map.mapcount[pfn]).toBe(1);
                expect(PageAnonExclusive(k, pfn)).toBe(true);
                expect(pte!.flags & _PAGE_RW).toBe(_PAGE_RW);
              }
            } else if (o.op === "read") {
              const before = allocated(k);
              p.read(addr, cnt * 4096);
              // Only page tables (PUD, PMD, PTE) and the zero page, once, may be allocated by a read.
              expect(allocated(k) - before).toBeLessThanOrEqual(4);
              for (let i = 0; i < cnt; i++) {
                const pte = follow_pte(k, taskOf(p).mm!, addr + i * 4096);
                if (pte && is_zero_pfn(k, pte.pfn)) expect(pte.flags & _PAGE_RW).toBe(0);
              }
            } else {
              p.madvise(addr, cnt * 4096, "dontneed");
            }
          }
          checkMm(k);
        }
        // Distinct anonymous pages mapped = NR_ANON_MAPPED (checkMm counts them too; here from the PTEs of the region).
        const distinct = new Set<number>();
        for (const p of procs) {
          const pmm = taskOf(p).mm;
          if (!p.alive || !pmm) continue;
          for (let i = 0; i < PAGES; i++) {
            const pte = follow_pte(k, pmm, a + i * 4096);
            if (pte && pte.flags !== 0 && !is_zero_pfn(k, pte.pfn)) distinct.add(pte.pfn);
          }
        }
        expect(global_node_page_state(k, NR_ANON_MAPPED)).toBe(distinct.size);
        for (const p of procs) p.exit();
        checkMm(k);
        // Everything but the zero page (if one was ever needed) is free again.
        const zero = ops.some((o) => o.op === "read") ? 1 : 0;
        expect(free0 - freePages(k)).toBeLessThanOrEqual(zero);
      }),
      { numRuns: 40, seed: 3 },
    );
  });
});
