/**
 * The multi-gen LRU as a property: random programs of several processes on a 160M machine with
 * swap — writes and reads of random ranges, fork, exit, munmap, MADV_DONTNEED/FREE/COLD/PAGEOUT,
 * mlock, swappiness changes, time passing — with lru_gen switched on and off at random
 * (`enabled` = y, n, or a cap mask), the debugfs file's aging ("+") and eviction ("-") commands,
 * and min_ttl_ms changes. After every step:
 * - checkMm, and through it checkLru with its generation checks: each page on exactly one list,
 *   gen bits naming a live generation, nr_pages per generation equal to its pages, min_seq <=
 *   max_seq and a valid window, the active/inactive counters equal to the classic lists plus
 *   the generations by activeness, no list of the LRU that is off holding pages;
 * - check_swap_invariants.
 * Transparent huge pages are in it too (THP "madvise", the first 16 MiB of the first
 * region MADV_HUGEPAGE, and MADV_HUGEPAGE / MADV_COLLAPSE / the deferred split shrinker as ops), so
 * folios of 512 pages are added, aged through huge PMDs, split in their generation and split
 * before swap-out, with nr_pages counting them as 512.
 * Each run writes 64 MiB on the classic LRU before switching MGLRU on, and switches it off at
 * the end, so fill_evictable and drain_evictable always move pages. The property must exercise
 * MGLRU for real: the runs together evict pages while it is on (in more than 5 steps), add
 * generations (in more than 5 steps), and switch it with pages listed more often than the
 * forced switch on at the start of each run; and THPs sit in generations (in more than 5 steps)
 * and are split while MGLRU is on (in more than 2 steps).
 * Why 160M: the 64 MiB written first must fit in free memory, or reclaim swaps the first region
 * out (splitting its THPs, split_huge_page_to_list before add_to_swap) before MGLRU is switched
 * on, and no THP ever sits in a generation. Since the model boots the kernel's own footprint
 * (SLUB caches, vmalloc, per-CPU: Slab 14.8 MB, VmallocUsed 7.3 MB at boot) a 128M machine has
 * MemFree 50660 kB at boot — under 64 MiB — and a 160M machine 80740 kB.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import { NR_ANON_THPS, PGSTEAL_DIRECT, PGSTEAL_KSWAPD, THP_SPLIT_PAGE } from "../../src/mm/vmstat_items.js";
import { deferred_split_scan } from "../../src/mm/huge_memory.js";
import { lru_gen_enabled } from "../../src/mm/lru_gen.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { check_swap_invariants } from "../../src/sim/invariants/swap.js";
import { Machine } from "../../src/sim/machine.js";
import { type Process, ProcessKilled } from "../../src/sim/process.js";
import { kernelOf } from "../../src/api/internals.js";
import { runProcOp } from "./proc_ops.js";

const MiB = 1 << 20;
const PAGE = 4096;
const REGION_PAGES = 24576;

type Op =
  | { op: "write" | "read"; who: number; page: number; pages: number }
  | { op: "fork" | "exit" | "mlock" | "munlock"; who: number }
  | { op: "madvise"; who: number; page: number; pages: number; advice: "dontneed" | "free" | "cold" | "pageout" | "hugepage" | "collapse" }
  | { op: "deferred_split"; nr: number }
  | { op: "swappiness"; value: number }
  | { op: "advance"; ms: number }
  | { op: "enabled"; value: string }
  | { op: "age"; force: boolean; can_swap: number }
  | { op: "evict"; swappiness: number; nr: number }
  | { op: "min_ttl"; ms: number };

const who = fc.nat({ max: 5 });
const page = fc.nat({ max: REGION_PAGES - 1 });
const pages = fc.integer({ min: 1, max: 8192 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom("write" as const, "read" as const), who, page, pages }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("fork" as const, "exit" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("mlock" as const, "munlock" as const), who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("madvise" as const), who, page, pages, advice: fc.constantFrom("dontneed" as const, "free" as const, "cold" as const, "pageout" as const, "hugepage" as const, "hugepage" as const, "collapse" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deferred_split" as const), nr: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("swappiness" as const), value: fc.constantFrom(0, 1, 60, 200) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("enabled" as const), value: fc.constantFrom("y", "n", "n", "0x0001", "5", "0") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("age" as const), force: fc.boolean(), can_swap: fc.constantFrom(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("evict" as const), swappiness: fc.constantFrom(0, 60, 200), nr: fc.integer({ min: 1, max: 4096 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("min_ttl" as const), ms: fc.constantFrom(0, 0, 10, 1000) }) },
);

/** The youngest and oldest anon seqs from /sys/kernel/debug/lru_gen (node 0). */
function seqs(m: Machine): { min: number; max: number } {
  const rows = m
    .read("/sys/kernel/debug/lru_gen")
    .split("\n")
    .filter((l) => /^\s+\d+\s+\d+\s+\d+\s+\d+\s*$/.test(l))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
  return { min: rows[0], max: rows[rows.length - 1] };
}

describe("the multi-gen LRU under random pressure and random switching", () => {
  it("keeps every generation list, nr_pages, min_seq/max_seq and the LRU counters exact", () => {
    let evictedOn = 0;
    let aged = 0;
    let switchedWithPages = 0;
    let thpsOn = 0;
    let splitsOn = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 25 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const m = Machine.boot({ memory: "160M", seed });
        const k = kernelOf(m);
        const init = m.spawn({ comm: "init" });
        init.swapon("/dev/vda", { size: 64 * MiB });
        m.write("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
        const procs: Array<{ p: Process; base: number }> = [];
        const first = m.spawn({ comm: "p0" });
        procs.push({ p: first, base: first.mmap(REGION_PAGES * PAGE, { prot: "rw", flags: "private|anonymous" }) });
        // 64 MiB written on the classic LRU, the first 16 MiB of it in THPs (where aligned; while
        // memory is free, as the model has no compaction to make huge pages later), then every
        // listed folio moves into generations.
        first.madvise(procs[0].base, 4096 * PAGE, "hugepage");
        first.write(procs[0].base, 16384 * PAGE);
        m.write("/sys/kernel/mm/lru_gen/enabled", "y");
        switchedWithPages++;
        checkMm(k);
        for (const o of ops) {
          const slot = "who" in o ? procs[o.who % procs.length] : null;
          const stolen = k.vm_events[PGSTEAL_KSWAPD] + k.vm_events[PGSTEAL_DIRECT];
          const wasOn = lru_gen_enabled(k);
          const max0 = seqs(m).max;
          const splits0 = k.vm_events[THP_SPLIT_PAGE];
          try {
            switch (o.op) {
              case "write":
              case "read":
              case "fork":
              case "exit":
                runProcOp(o, slot, procs, REGION_PAGES, 4);
                break;
              case "mlock":
                if (slot && slot.p.alive) slot.p.mlock(slot.base, 64 * PAGE);
                break;
              case "munlock":
                if (slot && slot.p.alive) slot.p.munlock(slot.base, REGION_PAGES * PAGE);
                break;
              case "madvise":
                if (slot && slot.p.alive) slot.p.madvise(slot.base + o.page * PAGE, Math.min(o.pages, REGION_PAGES - o.page) * PAGE, o.advice);
                break;
              case "deferred_split":
                deferred_split_scan(k, k.node_data[0], o.nr);
                break;
              case "swappiness":
                m.write("/proc/sys/vm/swappiness", String(o.value));
                break;
              case "advance":
                m.advance(o.ms * 1_000_000);
                break;
              case "enabled": {
                const vm = m.read("/proc/vmstat");
                const listed = Number(/nr_inactive_anon (\d+)/.exec(vm)?.[1] ?? 0) + Number(/nr_active_anon (\d+)/.exec(vm)?.[1] ?? 0);
                m.write("/sys/kernel/mm/lru_gen/enabled", o.value);
                if (listed > 0 && wasOn !== lru_gen_enabled(k)) switchedWithPages++;
                break;
              }
              case "age":
                m.write("/sys/kernel/debug/lru_gen", `+ 1 0 ${seqs(m).max} ${o.can_swap} ${o.force ? 1 : 0}`);
                break;
              case "evict": {
                const s = seqs(m);
                m.write("/sys/kernel/debug/lru_gen", `- 1 0 ${s.min} ${o.swappiness} ${o.nr}`);
                break;
              }
              case "min_ttl":
                m.write("/sys/kernel/mm/lru_gen/min_ttl_ms", String(o.ms));
                break;
            }
          } catch (e) {
            // OOM kills and refused writes (EINVAL for an eviction of too young a generation,
            // ERANGE for aging past MAX_NR_GENS) are outcomes; a KernelBug fails the property.
            if (!(e instanceof ProcessKilled) && !(e instanceof Errno)) throw e;
          }
          checkMm(k);
          check_swap_invariants(k);
          if (wasOn && lru_gen_enabled(k) && k.vm_events[PGSTEAL_KSWAPD] + k.vm_events[PGSTEAL_DIRECT] > stolen) evictedOn++;
          if (lru_gen_enabled(k) && seqs(m).max > max0) aged++;
          if (lru_gen_enabled(k) && k.node_data[0].vm_stat[NR_ANON_THPS] > 0) thpsOn++;
          if (wasOn && lru_gen_enabled(k) && k.vm_events[THP_SPLIT_PAGE] > splits0) splitsOn++;
        }
        // and back to the classic lists, whatever is listed now
        m.write("/sys/kernel/mm/lru_gen/enabled", "n");
        checkMm(k);
        for (const s of procs) if (s.p.alive) s.p.exit(0);
        m.advance(10_000_000);
        checkMm(k);
        check_swap_invariants(k);
      }),
      { numRuns: 24, seed: 19 },
    );
    expect(evictedOn).toBeGreaterThan(5);
    expect(aged).toBeGreaterThan(5);
    expect(switchedWithPages).toBeGreaterThan(24);
    expect(thpsOn).toBeGreaterThan(5);
    expect(splitsOn).toBeGreaterThan(2);
  }, 300_000);
});
