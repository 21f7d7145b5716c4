/**
 * Random sequences of faults, frees, forks, copy-on-write, THP faults, hugetlb mappings (private
 * and shared), exits, single-page migrations, whole compactions and alloc_contig_range, with the buddy, address-space and LRU checkers after every
 * step and a content check: every page a process wrote keeps the identity token it was given
 * (memmap.ts content), wherever migration moved it. A migration that lost a page's data, swapped
 * two pages or left a PTE on the old frame fails here.
 */
import { describe, expect, it } from "vitest";
import { Prng } from "../kernel/random.js";
import { start_kernel } from "../kernel/start_kernel.js";
import type { Kernel } from "../kernel/kernel.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { checkLru } from "../sim/invariants/lru.js";
import { checkMm } from "../sim/invariants/mm.js";
import { type Process, spawnProcess } from "../sim/process.js";
import { taskOf } from "../api/internals.js";
import { procWrite } from "../fs/proc/root.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../include/linux/gfp_types.js";
import { F, page_content, PG_hugetlb, PG_lru, PG_swapbacked, PG_head, PG_tail, PG_transhuge } from "./memmap.js";
import { MIGRATE_SYNC, MR_COMPACTION, migrate_pages, putback_movable_pages } from "./migrate.js";
import { newListHeads } from "./list.js";
import { alloc_pages, drain_all_pages } from "./page_alloc.js";
import { lru_add_drain } from "./swap.js";
import { folio_isolate_lru } from "./vmscan.js";
import { NR_ISOLATED_ANON, NR_ISOLATED_FILE, PGMIGRATE_SUCCESS, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS } from "./vmstat_items.js";
import { alloc_contig_range, free_contig_range } from "./page_isolation.js";
import { MIGRATE_MOVABLE } from "./mmzone.js";
import { pageblock_nr_pages, pageblock_order } from "./types.js";

const MiB = 2 ** 20;

interface Region {
  p: Process;
  addr: number;
  pages: number;
  shared: boolean;
  /** A MAP_HUGETLB mapping (2 MiB pages from the pool). */
  hugetlb: boolean;
}

/** Every written page's token, by process and address. */
type Tokens = Map<Process, Map<number, number>>;

function record(k: Kernel, tokens: Tokens, p: Process, addr: number, pages: number): void {
  let m = tokens.get(p);
  if (m === undefined) tokens.set(p, (m = new Map()));
  // pagemap, not follow_pte: a THP's pages are mapped by a huge PMD, which follow_pte does not walk.
  const frames = p.pagemap(addr, pages).frame;
  for (let i = 0; i < pages; i++) if (frames[i] !== 0) m.set(addr + i * 4096, page_content(k.mem_map, frames[i]));
}

/** The frame mapping `a` in `p` (a PTE or a huge PMD), or 0 for none. */
function frameOf(p: Process, a: number): number {
  return p.pagemap(a, 1).frame[0];
}

function verify(k: Kernel, tokens: Tokens): number {
  let n = 0;
  for (const [p, m] of tokens) {
    if (!p.alive) continue;
    for (const [a, token] of m) {
      const pfn = frameOf(p, a);
      if (pfn === 0) throw new Error(`page at ${a.toString(16)} of ${taskOf(p).comm} lost its mapping`);
      if (page_content(k.mem_map, pfn) !== token) throw new Error(`page at ${a.toString(16)} of ${taskOf(p).comm}: token ${page_content(k.mem_map, pfn)}, wrote ${token}`);
      n++;
    }
  }
  return n;
}

/** Isolates and migrates up to `n` random LRU pages of the zone, as a migration caller would. */
function migrateRandom(k: Kernel, rng: Prng, n: number): number {
  lru_add_drain(k);
  const heads = newListHeads(1);
  const z = k.node_data[0].node_zones[1];
  const mem = k.mem_map;
  for (let tries = 0, got = 0; tries < 50 * n && got < n; tries++) {
    const pfn = z.zone_start_pfn + rng.below(z.spanned_pages);
    if ((mem.flags[pfn] & F(PG_lru)) === 0 || (mem.flags[pfn] & (F(PG_head) | F(PG_tail))) !== 0) continue;
    if (!folio_isolate_lru(k, pfn)) continue;
    z.zone_pgdat.vm_stat[(mem.flags[pfn] & F(PG_swapbacked)) !== 0 ? NR_ISOLATED_ANON : NR_ISOLATED_FILE]++;
    mem.lru.list_add(heads, 0, pfn);
    got++;
  }
  const nr = new Int32Array(1);
  migrate_pages(k, heads, 0, (kk) => alloc_pages(kk, GFP_HIGHUSER_MOVABLE, 0), null, null, MIGRATE_SYNC, MR_COMPACTION, nr);
  putback_movable_pages(k, heads, 0);
  return nr[0];
}

function run(seed: number, steps: number): { moved: number; checked: number; contig: number; thp: number; hugetlbMoved: number } {
  const rng = new Prng(seed);
  const k = start_kernel({ memory: 128 * MiB });
  procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", seed % 2 === 0 ? "always" : "madvise");
  // A few hugetlb pages, and surplus ones for copy-on-write after fork.
  procWrite(k, "/proc/sys/vm/nr_hugepages", "4");
  procWrite(k, "/proc/sys/vm/nr_overcommit_hugepages", "2");
  const procs: Process[] = [spawnProcess(k, { comm: "f0", image: null })];
  const regions: Region[] = [];
  const tokens: Tokens = new Map();
  const moved0 = k.vm_events[PGMIGRATE_SUCCESS];
  const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)];
  const live = (): Process[] => procs.filter((p) => p.alive);
  let checked = 0;
  let contig = 0;
  let hugetlbMoved = 0;
  for (let s = 0; s < steps; s++) {
    const op = rng.below(100);
    const ps = live();
    if (op < 20 || ps.length === 0) {
      const p = ps.length === 0 || rng.below(4) === 0 ? spawnProcess(k, { comm: `f${procs.length}`, image: null }) : pick(ps);
      if (!procs.includes(p)) procs.push(p);
      const hugetlb = rng.below(6) === 0;
      const huge = !hugetlb && rng.below(4) === 0;
      const pages = hugetlb ? 512 : huge ? 1024 : 1 + rng.below(600);
      const shared = !huge && rng.below(hugetlb ? 2 : 5) === 0;
      let addr: number;
      try {
        addr = p.mmap(pages * 4096, { prot: "rw", flags: `${shared ? "shared" : "private"}|anonymous${hugetlb ? "|hugetlb" : ""}` });
      } catch {
        continue; // no huge page left to reserve: ENOMEM
      }
      if (huge) p.madvise(addr, pages * 4096, "hugepage");
      regions.push({ p, addr, pages, shared, hugetlb });
      p.write(addr, pages * 4096);
      record(k, tokens, p, addr, pages);
    } else if (op < 35) {
      // Free every other page of part of a region: fragmentation.
      const rs = regions.filter((r) => r.p.alive && !r.hugetlb);
      if (rs.length === 0) continue;
      const r = pick(rs);
      const from = rng.below(r.pages);
      const m = tokens.get(r.p);
      for (let i = from; i < Math.min(r.pages, from + 64); i += 2) {
        r.p.madvise(r.addr + i * 4096, 4096, "dontneed");
        m?.delete(r.addr + i * 4096);
      }
    } else if (op < 45) {
      const p = pick(ps);
      if (procs.length > 12) continue;
      const c = p.fork();
      procs.push(c);
      const m = tokens.get(p);
      // A shared mapping's pages are not copied by fork: the child's map starts empty for them.
      const shared = new Set(regions.filter((r) => r.p === p && r.shared).flatMap((r) => Array.from({ length: r.pages }, (_, i) => r.addr + i * 4096)));
      if (m !== undefined) tokens.set(c, new Map([...m].filter(([a]) => !shared.has(a))));
      for (const r of regions.filter((rr) => rr.p === p)) regions.push({ p: c, addr: r.addr, pages: r.pages, shared: r.shared, hugetlb: r.hugetlb });
    } else if (op < 55) {
      // Copy-on-write: a write keeps the data identity (the copy takes its source's token).
      const rs = regions.filter((r) => r.p.alive);
      if (rs.length === 0) continue;
      const r = pick(rs);
      const i = rng.below(r.pages);
      const a = r.addr + i * 4096;
      r.p.write(a, 4096);
      if (!tokens.get(r.p)?.has(a)) record(k, tokens, r.p, a, 1);
    } else if (op < 62) {
      const p = pick(ps);
      if (p === procs[0]) continue;
      p.exit();
    } else if (op < 80) {
      migrateRandom(k, rng, 1 + rng.below(64));
    } else if (op < 85) {
      if (rng.below(2) === 0) drain_all_pages(k, null);
      procWrite(k, "/proc/sys/vm/compact_memory", "1\n");
    } else if (op < 90) {
      // alloc_contig_range over a random pageblock of the zone: THPs in it move whole or split
      // (thp_migration_*); when it succeeds the range is given straight back.
      // Half the time the pageblock of a THP, if there is one.
      const z = k.node_data[0].node_zones[1];
      // A hugetlb page in use there is isolated and migrated (unmap_and_move_huge_page).
      const thpHeads: number[] = [];
      const hugetlbHeads: number[] = [];
      const mem = k.mem_map;
      for (let q = z.zone_start_pfn; q < z.zone_start_pfn + z.spanned_pages; q += pageblock_nr_pages) {
        if ((mem.flags[q] & F(PG_transhuge)) !== 0) thpHeads.push(q);
        if ((mem.flags[q] & F(PG_hugetlb)) !== 0 && mem._refcount[q] > 0) hugetlbHeads.push(q);
      }
      const pb = (z.zone_start_pfn >>> pageblock_order) + 1 + rng.below((z.spanned_pages >>> pageblock_order) - 2);
      const which = rng.below(3);
      const pfn = which === 0 && thpHeads.length > 0 ? pick(thpHeads) : which === 1 && hugetlbHeads.length > 0 ? pick(hugetlbHeads) : pb << pageblock_order;
      const hugetlbInUse = (mem.flags[pfn] & F(PG_hugetlb)) !== 0 && mem._refcount[pfn] > 0;
      const migrated = k.vm_events[PGMIGRATE_SUCCESS];
      const r = alloc_contig_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL);
      // Moved off the range (pgmigrate_success + 512 at least), whether or not the old copy
      // went back to the pool and kept the range busy.
      if (hugetlbInUse && k.vm_events[PGMIGRATE_SUCCESS] - migrated >= 512 && !((mem.flags[pfn] & F(PG_hugetlb)) !== 0 && mem._refcount[pfn] > 0)) hugetlbMoved++;
      if (r === 0) {
        contig++;
        free_contig_range(k, pfn, pageblock_nr_pages);
      }
    } else {
      const rs = regions.filter((r) => r.p.alive);
      if (rs.length === 0) continue;
      const r = pick(rs);
      r.p.munmap(r.addr, r.pages * 4096);
      const m = tokens.get(r.p);
      for (let i = 0; i < r.pages; i++) m?.delete(r.addr + i * 4096);
      regions.splice(regions.indexOf(r), 1);
    }
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    checked += verify(k, tokens);
  }
  return { moved: k.vm_events[PGMIGRATE_SUCCESS] - moved0, checked, contig, thp: k.vm_events[THP_MIGRATION_SUCCESS] + k.vm_events[THP_MIGRATION_SPLIT], hugetlbMoved };
}

describe("compaction and migration under random workloads", () => {
  let contigs = 0;
  let thps = 0;
  let hugetlbs = 0;
  for (const seed of [1, 2, 3, 4]) {
    it(`keeps every page's data and every invariant (seed ${seed})`, () => {
      const { moved, checked, contig, thp, hugetlbMoved } = run(seed, 120);
      expect(moved).toBeGreaterThan(100);
      expect(checked).toBeGreaterThan(1000);
      contigs += contig;
      thps += thp;
      hugetlbs += hugetlbMoved;
    });
  }
  it("took contiguous ranges and moved or split THPs and moved hugetlb pages in use out of them across the seeds", () => {
    expect(contigs).toBeGreaterThan(0);
    expect(thps).toBeGreaterThan(0);
    expect(hugetlbs).toBeGreaterThan(0);
  });
});
