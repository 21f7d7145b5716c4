/**
 * Reclaim and swap as a property: random programs of several processes on a 128M machine with
 * swap — mmap, writes and reads of random ranges, fork, exit, munmap, MADV_DONTNEED/FREE/COLD,
 * mlock, swappiness changes, time passing (kswapd, I/O completion) — so that memory runs out
 * again and again and pages travel LRU → swap cache → swap → back. After every step:
 * - checkMm: address spaces, rss and mapcounts, and (through it) checkLru: every page on exactly
 *   one LRU list or none, each list's length equal to the node and zone counters;
 * - check_swap_invariants: swap_map counts equal the PTE and swap-cache references, no swapped
 *   page both in the swap cache and free, nr_swap_pages equal to the free slots;
 * - data is never lost: a page read back after being swapped out holds a page again (the access
 *   succeeds) unless the process was OOM-killed.
 * - every operation's outcome is one 6.1 can give in that state (an OOM kill while faulting, -EAGAIN
 *   from mlock's populate, -EINVAL for madvise on the mlocked part, …), never just "some errno".
 * At the end every process exits, and every anonymous page and swap slot comes back except the
 * swap-cache pages that were under writeback when their last mapping went (reclaim frees those).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { F, PG_lru, PG_swapcache } from "../../src/mm/memmap.js";
import { MM_ANONPAGES, MM_SWAPENTS, VM_LOCKED } from "../../src/mm/mm_types.js";
import { lru_add_drain_all } from "../../src/mm/swap.js";
import { SWAP_HAS_CACHE, swapAreas } from "../../src/mm/swapfile.js";
import { shmem_nr_swapped } from "../../src/mm/shmem.js";
import { global_node_page_state, global_zone_page_state } from "../../src/mm/vmstat.js";
import { NR_ACTIVE_ANON, NR_FREE_PAGES, NR_INACTIVE_ANON, NR_UNEVICTABLE, PSWPIN, PSWPOUT } from "../../src/mm/vmstat_items.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { check_swap_invariants } from "../../src/sim/invariants/swap.js";
import { runProcOp } from "./proc_ops.js";
import { Machine } from "../../src/sim/machine.js";
import { type Process, ProcessKilled } from "../../src/sim/process.js";
import { kernelOf, taskOf } from "../../src/api/internals.js";

const MiB = 1 << 20;
const PAGE = 4096;
/** Each process maps one region of this many pages. */
const REGION_PAGES = 24576;

type Op =
  | { op: "write" | "read"; who: number; page: number; pages: number }
  | { op: "fork" | "exit" | "mlock" | "munlock"; who: number }
  | { op: "madvise"; who: number; page: number; pages: number; advice: "dontneed" | "free" | "cold" }
  | { op: "swappiness"; value: number }
  | { op: "advance"; ms: number };

const who = fc.nat({ max: 5 });
const page = fc.nat({ max: REGION_PAGES - 1 });
const pages = fc.integer({ min: 1, max: 8192 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom("write" as const, "read" as const), who, page, pages }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("fork" as const, "exit" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("mlock" as const, "munlock" as const), who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("madvise" as const), who, page, pages, advice: fc.constantFrom("dontneed" as const, "free" as const, "cold" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("swappiness" as const), value: fc.constantFrom(0, 60, 100, 200) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 50 }) }) },
);

function freePages(k: Kernel): number {
  let n = global_zone_page_state(k, NR_FREE_PAGES);
  for (const z of k.zones) for (const pcp of z.per_cpu_pageset) n += pcp.count;
  return n;
}

function check(k: Kernel): void {
  checkMm(k);
  check_swap_invariants(k);
}

describe("reclaim and swap under random pressure", () => {
  it("keep the LRU lists, swap_map and page accounting exact, and give everything back at exit", () => {
    // How many generated programs pushed pages to swap and read them back: the property must
    // actually exercise reclaim, not just pass on programs that never fill memory.
    let swappedOut = 0;
    let swappedIn = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 25 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const m = Machine.boot({ memory: "160M", seed });
        const k = kernelOf(m);
        const init = m.spawn({ comm: "init" });
        init.swapon("/dev/vda", { size: 64 * MiB });
        lru_add_drain_all(k);
        const lru0 = global_node_page_state(k, NR_INACTIVE_ANON) + global_node_page_state(k, NR_ACTIVE_ANON) + global_node_page_state(k, NR_UNEVICTABLE);
        const procs: Array<{ p: Process; base: number } | null> = [];
        const first = m.spawn({ comm: "p0" });
        procs.push({ p: first, base: first.mmap(REGION_PAGES * PAGE, { prot: "rw", flags: "private|anonymous" }) });
        // 96 MiB written at once on a machine with 80 MiB free (160M less the kernel's own memory):
        // reclaim and swap start at once.
        first.write(procs[0]?.base ?? 0, REGION_PAGES * PAGE);
        for (const o of ops) {
          const slot = "who" in o ? procs[o.who % Math.max(1, procs.length)] : null;
          // What 6.1 may answer, decided from the state before the operation runs.
          let allowed = ["ok"];
          if (o.op === "write" || o.op === "read") allowed = ["ok", "SIGKILL"]; // an OOM kill while faulting
          if (o.op === "fork") allowed = ["ok", "ENOMEM", "SIGKILL"]; // dup_mmap's allocations
          // mlock of 64 mapped rw pages: populate can run out of memory (-ENOMEM, which
          // __mlock_posix_error_return makes -EAGAIN) or be OOM-killed.
          if (o.op === "mlock") allowed = ["ok", "EAGAIN", "SIGKILL"];
          if (o.op === "madvise" && slot && slot.p.alive) {
            // DONTNEED, FREE and COLD all refuse a VM_LOCKED VMA with -EINVAL
            // (madvise_dontneed_free_valid_vma, can_madv_lru_vma); the region is otherwise mapped.
            const start = slot.base + o.page * PAGE;
            const end = start + Math.min(o.pages, REGION_PAGES - o.page) * PAGE;
            const locked = (taskOf(slot.p).mm?.mm_mt ?? []).some((v) => v.vm_start < end && v.vm_end > start && (v.vm_flags & VM_LOCKED) !== 0);
            allowed = [locked ? "EINVAL" : "ok"];
          }
          let got = "ok";
          try {
            switch (o.op) {
              case "write":
              case "read":
              case "fork":
              case "exit": {
                const r = runProcOp(o, slot, procs, REGION_PAGES, 4);
                if (r) expect(r.touched).toBe(r.asked);
                break;
              }
              case "mlock":
                if (slot && slot.p.alive) slot.p.mlock(slot.base, 64 * PAGE);
                break;
              case "munlock":
                if (slot && slot.p.alive) slot.p.munlock(slot.base, REGION_PAGES * PAGE);
                break;
              case "madvise":
                if (slot && slot.p.alive) slot.p.madvise(slot.base + o.page * PAGE, Math.min(o.pages, REGION_PAGES - o.page) * PAGE, o.advice);
                break;
              case "swappiness":
                m.write("/proc/sys/vm/swappiness", String(o.value));
                break;
              case "advance":
                m.advance(o.ms * 1_000_000);
                break;
            }
          } catch (e) {
            // An OOM kill (a process killed by the OOM killer while it faults) and a refused
            // syscall are outcomes; anything else — a KernelBug above all — fails the property.
            if (!(e instanceof ProcessKilled) && !(e instanceof Errno)) throw e;
            got = e instanceof Errno ? e.code : e.signal;
          }
          expect(allowed, `${JSON.stringify(o)} gave ${got}`).toContain(got);
          check(k);
        }
        for (const s of procs) if (s && s.p.alive) s.p.exit(0);
        m.advance(10_000_000);
        lru_add_drain_all(k);
        check(k);
        // Every anonymous page of the programs is gone but init's and those the swap cache still
        // holds unmapped (pages whose writeback was in flight when their last PTE went, and readahead
        // pages nobody mapped: 6.1 leaves both to reclaim), and the only swap slots PTEs still name are init's (its own pages may have been swapped out).
        // Swap-cache pages include tmpfs pages on their way out (mapping 0 once shmem_writepage ran).
        let anonOnLru = 0;
        let cachedOnly = 0;
        const mem = k.mem_map;
        for (let pfn = 0; pfn < mem.max_pfn; pfn++) {
          if (!(mem.flags[pfn] & F(PG_lru))) continue;
          // Swap-cache pages: unmapped ones, and readahead pages never mapped (mapping 0).
          if (mem.mapcount[pfn] === 0 && mem.flags[pfn] & F(PG_swapcache)) cachedOnly++;
          else if (mem.mapping[pfn] < 0) anonOnLru++;
        }
        expect(anonOnLru).toBe(taskOf(init).mm?.rss_stat[MM_ANONPAGES]);
        // The PTE references left on swap are init's own swapped-out pages.
        const si = swapAreas(k)[0];
        let ptes = 0;
        for (let o = 1; o < si.max; o++) ptes += si.swap_map[o] & ~SWAP_HAS_CACHE;
        // ...and the initramfs's tmpfs pages reclaim swapped out (one reference each, shmem's).
        expect(ptes - shmem_nr_swapped(k)).toBe(taskOf(init).mm?.rss_stat[MM_SWAPENTS]);
        expect(cachedOnly).toBeLessThanOrEqual(k.total_swap_pages - k.nr_swap_pages);
        expect(lru0).toBeGreaterThan(0);
        expect(freePages(k)).toBeGreaterThan(0);
        if (k.vm_events[PSWPOUT] > 0) swappedOut++;
        if (k.vm_events[PSWPIN] > 0) swappedIn++;
      }),
      { numRuns: 12, seed: 42 },
    );
    expect(swappedOut).toBeGreaterThan(3);
    expect(swappedIn).toBeGreaterThan(1);
  }, 300_000);
});
