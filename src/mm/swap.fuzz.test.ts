/**
 * Random sequences of the operations that create, share and drop swap entries — write faults,
 * evictions to swap, swap-in by reads and writes, fork, munmap, exit, time passing, swapoff and
 * swapon — with the swap and address-space invariant checkers after every step.
 */
import { describe, expect, it } from "vitest";
import { Prng } from "../kernel/random.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { checkMm } from "../sim/invariants/mm.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { type Process, spawnProcess } from "../sim/process.js";
import { F, PG_locked, PG_writeback } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { swap_io_run } from "./page_io.js";
import { lru_add_drain } from "./swap.js";
import { sys_swapoff, sys_swapon } from "./swapfile.js";
import { evict } from "./swapfile.testutil.js";
import { taskOf } from "../api/internals.js";

const MiB = 2 ** 20;

interface Region {
  p: Process;
  addr: number;
  pages: number;
}

function run(seed: number, steps: number): { evicted: number; swapins: number } {
  const rng = new Prng(seed);
  const k = start_kernel({ memory: 96 * MiB });
  const root = k.tasks.init;
  const ssd = seed % 2 === 1;
  expect(sys_swapon(k, root, "/dev/vda", { size: 8 * MiB, rotational: !ssd })).toBe(0);
  expect(sys_swapon(k, root, "/dev/vdb", { size: 4 * MiB, priority: seed % 3 === 0 ? 7 : undefined })).toBe(0);
  const procs: Process[] = [spawnProcess(k, { comm: "f0", image: null })];
  const regions: Region[] = [];
  let evicted = 0;
  const swapins0 = k.vm_events[2];
  const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)];
  const live = (): Process[] => procs.filter((p) => p.alive);
  for (let s = 0; s < steps; s++) {
    const op = rng.below(100);
    const ps = live();
    if (op < 12 || ps.length === 0) {
      const p = ps.length === 0 || rng.below(4) === 0 ? spawnProcess(k, { comm: `f${procs.length}`, image: null }) : pick(ps);
      if (!procs.includes(p)) procs.push(p);
      const pages = 1 + rng.below(24);
      const addr = p.mmap(pages * 4096);
      regions.push({ p, addr, pages });
      p.write(addr, pages * 4096);
    } else if (op < 45) {
      // evict a random mapped anonymous page
      const rs = regions.filter((r) => r.p.alive);
      if (rs.length === 0) continue;
      const r = pick(rs);
      const a = r.addr + rng.below(r.pages) * 4096;
      lru_add_drain(k);
      const pte = follow_pte(k, taskOf(r.p).mm!, a);
      if (pte === null || (pte.flags & 1) === 0 || (pte.flags & 0x200) !== 0) continue;
      const f = k.mem_map.flags[pte.pfn];
      if ((f & (F(PG_locked) | F(PG_writeback))) !== 0 || k.mem_map.mapping[pte.pfn] >= 0) continue;
      if (evict(k, pte.pfn) !== 0) evicted++;
    } else if (op < 70) {
      const rs = regions.filter((r) => r.p.alive);
      if (rs.length === 0) continue;
      const r = pick(rs);
      const first = rng.below(r.pages);
      const n = 1 + rng.below(r.pages - first);
      if (rng.below(2) === 0) r.p.read(r.addr + first * 4096, n * 4096);
      else r.p.write(r.addr + first * 4096, n * 4096);
    } else if (op < 78 && ps.length < 6) {
      const p = pick(ps);
      const c = p.fork();
      procs.push(c);
      for (const r of regions.filter((x) => x.p === p)) regions.push({ p: c, addr: r.addr, pages: r.pages });
    } else if (op < 84) {
      const rs = regions.filter((r) => r.p.alive);
      if (rs.length === 0) continue;
      const r = pick(rs);
      r.p.munmap(r.addr, r.pages * 4096);
      regions.splice(regions.indexOf(r), 1);
    } else if (op < 89 && ps.length > 1) {
      pick(ps).exit();
    } else if (op < 96) {
      k.now_ns += rng.below(300_000);
      swap_io_run(k);
    } else {
      // Both areas are always on and memory is plentiful (a few MiB mapped of 96): 6.1's swapoff
      // can only succeed here (mm/swapfile.c: -EINVAL is for a path that is not an active area,
      // -ENOMEM for __vm_enough_memory or try_to_unuse running out of memory).
      const dev = rng.below(2) === 0 ? "/dev/vda" : "/dev/vdb";
      expect(sys_swapoff(k, root, dev)).toBe(0);
      expect(sys_swapon(k, root, dev, { size: 4 * MiB })).toBe(0);
    }
    try {
      check_swap_invariants(k);
      checkMm(k);
    } catch (e) {
      throw new Error(`seed ${seed} step ${s} op ${op}: ${(e as Error).message}`);
    }
  }
  return { evicted, swapins: k.vm_events[2] - swapins0 };
}

describe("swap under random operations", () => {
  it("keeps swap_map counts, the swap cache and the totals consistent", () => {
    let evicted = 0;
    let swapins = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = run(seed, 120);
      evicted += r.evicted;
      swapins += r.swapins;
    }
    // The runs did swap: many evictions and reads back.
    expect(evicted).toBeGreaterThan(200);
    expect(swapins).toBeGreaterThan(100);
  }, 300_000);
});
