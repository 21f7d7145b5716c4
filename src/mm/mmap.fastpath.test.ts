/**
 * mmap.ts's fast paths (mmap_anon_fast for private anonymous mmap without a hint, munmap_vma_fast
 * for the munmap of one whole anonymous VMA) must do exactly
 * what the general path does: two machines, one with Kernel.fastPaths off, run the same random
 * sequence of mmap/munmap/mprotect/touch/mremap under tight limits (overcommit never, small
 * RLIMIT_AS and max_map_count, a raised mmap_min_addr), and after every step return the same value
 * and hold the same VMAs, counters and Committed_AS.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../kernel/kernel.js";
import { RLIMIT_AS } from "../kernel/sched.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { checkMm } from "../sim/invariants/mm.js";
import {
  do_mmap,
  do_munmap,
  type DoMmapResult,
  MAP_ANONYMOUS,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "./mmap.js";
import { vma_anon_vmas } from "./mm_types.js";
import { do_mprotect_pkey } from "./mprotect.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

type Op =
  | { kind: "mmap"; pages: number; prot: number; odd: number }
  | { kind: "munmap"; pick: number; from: number; pages: number; whole: boolean }
  | { kind: "mprotect"; pick: number; prot: number }
  | { kind: "touch"; pick: number }
  | { kind: "limits"; as: number; maxMap: number; overcommit: number; minAddr: number };

const PROTS = [PROT_READ | PROT_WRITE, PROT_READ, 0, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("mmap" as const),
      pages: fc.integer({ min: 1, max: 64 }),
      prot: fc.integer({ min: 0, max: PROTS.length - 1 }),
      // 0..5: the fast path's exact request; 6: MAP_NORESERVE; 7: shared (both general).
      odd: fc.integer({ min: 0, max: 7 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("munmap" as const),
      pick: fc.nat(),
      from: fc.integer({ min: 0, max: 3 }),
      pages: fc.integer({ min: 0, max: 80 }),
      // The whole VMA holding the picked address (munmap_vma_fast's case).
      whole: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mprotect" as const), pick: fc.nat(), prot: fc.integer({ min: 0, max: PROTS.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("touch" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("limits" as const),
      as: fc.constantFrom(Infinity, 16 * MiB, 40 * MiB),
      maxMap: fc.constantFrom(65530, 14, 20),
      overcommit: fc.constantFrom(0, 1, 2),
      minAddr: fc.constantFrom(65536, 2 ** 46),
    }),
  },
);

interface Machine {
  k: Kernel;
  p: ReturnType<typeof spawnProcess>;
  /** Addresses mmap returned, for munmap/mprotect/touch to pick from. */
  maps: number[];
}

function boot(fast: boolean): Machine {
  const k = start_kernel({ memory: 256 * MiB });
  k.fastPaths = fast;
  const p = spawnProcess(k, { comm: "fp" });
  return { k, p, maps: [] };
}

/** Runs one op on one machine; returns what the syscall returned (a number or an errno code). */
function step(m: Machine, op: Op): number {
  const { k, p } = m;
  const t = taskOf(p);
  const mm = t.mm!;
  switch (op.kind) {
    case "mmap": {
      const out: DoMmapResult = { addr: 0, populate: 0 };
      const flags = op.odd === 6 ? MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE : op.odd === 7 ? MAP_SHARED | MAP_ANONYMOUS : MAP_PRIVATE | MAP_ANONYMOUS;
      const a = do_mmap(k, t, null, 0, op.pages * 4096 - (op.odd === 1 ? 100 : 0), PROTS[op.prot], flags, 0, out);
      if (a >= 0) m.maps.push(a);
      return a;
    }
    case "munmap": {
      if (m.maps.length === 0) return 0;
      const base = m.maps[op.pick % m.maps.length];
      const vma = op.whole ? mm.mm_mt.find((v) => v.vm_start <= base && base < v.vm_end) : undefined;
      if (vma) return do_munmap(k, mm, vma.vm_start, vma.vm_end - vma.vm_start);
      return do_munmap(k, mm, base + op.from * 4096, op.pages * 4096);
    }
    case "mprotect": {
      if (m.maps.length === 0) return 0;
      const base = m.maps[op.pick % m.maps.length];
      return do_mprotect_pkey(k, t, base, 4096, PROTS[op.prot], -1);
    }
    case "touch": {
      if (m.maps.length === 0) return 0;
      const base = m.maps[op.pick % m.maps.length];
      const vma = mm.mm_mt.find((v) => v.vm_start <= base && base < v.vm_end);
      if (!vma || !(vma.vm_flags & 2)) return 0;
      return p.write(base, 4096).minflt;
    }
    case "limits":
      t.signal.rlim_cur[RLIMIT_AS] = op.as;
      k.vm.max_map_count = op.maxMap;
      k.vm.overcommit_memory = op.overcommit;
      k.vm.mmap_min_addr = op.minAddr;
      return 0;
  }
}

/** Everything the two paths must agree on. */
function state(m: Machine): unknown {
  const mm = taskOf(m.p).mm!;
  return {
    vmas: mm.mm_mt.map((v) => [v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff, v.vm_page_prot, v.anon_vma !== null, vma_anon_vmas(m.k.anon_vmas, v).length]),
    counters: [mm.map_count, mm.total_vm, mm.data_vm, mm.exec_vm, mm.stack_vm, mm.locked_vm, mm.hiwater_vm],
    committed: m.k.vm_committed_as,
    cache: mm.cache === null ? null : mm.cache.vm_start,
  };
}

describe("mmap fast paths", () => {
  it("give the general path's results, VMAs and counters after every step", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const fast = boot(true);
        const slow = boot(false);
        for (const op of ops) {
          const a = step(fast, op);
          const b = step(slow, op);
          expect(a).toBe(b);
          expect(state(fast)).toEqual(state(slow));
          checkMm(fast.k);
        }
      }),
      { numRuns: 60, seed: 0x3f1 },
    );
  });

  it("takes the fast path for the common request (the machine without it differs only in speed)", () => {
    const m = boot(true);
    const mm = taskOf(m.p).mm!;
    const before = mm.map_count;
    const out: DoMmapResult = { addr: 0, populate: 0 };
    const a = do_mmap(m.k, taskOf(m.p), null, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, out);
    // Right below [vvar], as the general top-down search puts it.
    expect(a).toBe(mm.mm_mt.find((v) => v.specialName === "[vvar]")!.vm_start - 4096);
    expect(mm.map_count).toBe(before + 1);
    expect(do_munmap(m.k, mm, a, 4096)).toBe(0);
    expect(mm.map_count).toBe(before);
  });
});
