import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { checkLru } from "../sim/invariants/lru.js";
import { checkMm } from "../sim/invariants/mm.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";
import { kernelOf, taskOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE } from "../include/linux/gfp_types.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, pte_table_lookup, pte_index } from "../arch/x86/pgtable.js";
import { follow_pte } from "./memory.js";
import { F, page_content, PG_anon_exclusive, PG_head, PG_lru, PG_mlocked, PG_swapbacked } from "./memmap.js";
import { NO_PFN } from "./types.js";
import { MIGRATE_SYNC, MR_COMPACTION, MR_NUMA_MISPLACED, migrate_pages, putback_movable_pages } from "./migrate.js";
import { newListHeads } from "./list.js";
import { alloc_pages } from "./page_alloc.js";
import { lru_add_drain } from "./swap.js";
import { folio_isolate_lru } from "./vmscan.js";
import { NR_ANON_THPS, NR_ISOLATED_ANON, NR_ISOLATED_FILE, NR_MLOCK, PGMIGRATE_FAIL, PGMIGRATE_SUCCESS, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS, UNEVICTABLE_PGMLOCKED, UNEVICTABLE_PGMUNLOCKED, UNEVICTABLE_PGSTRANDED } from "./vmstat_items.js";
import type { mm_struct } from "./mm_types.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { sys_swapon } from "./swapfile.js";
import { evict } from "./swapfile.testutil.js";
import { lookup_swap_cache_pfn } from "./swap_state.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { PG_swapcache } from "./memmap.js";

/** Isolates `pfn` as isolate_migratepages_block does and puts it on list 0 of `heads`. */
function isolate(k: Kernel, heads: Int32Array, pfn: number): void {
  lru_add_drain(k);
  expect(folio_isolate_lru(k, pfn)).toBe(true);
  const z = k.page_zone(pfn)!;
  z.zone_pgdat.vm_stat[(k.mem_map.flags[pfn] & F(PG_swapbacked)) !== 0 ? NR_ISOLATED_ANON : NR_ISOLATED_FILE]++;
  k.mem_map.lru.list_add(heads, 0, pfn);
}

/** A new page from the buddy allocator, as alloc_migration_target gives one. */
const newPage = (k: Kernel): number => alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);

function pteFlags(k: Kernel, mm: mm_struct, addr: number): number {
  const t = pte_table_lookup(k, mm.pgd, addr);
  return k.pgtables.ent_flags[t * 512 + pte_index(addr)];
}

function checkAll(k: Kernel): void {
  checkBuddy(k);
  checkMm(k);
  checkLru(k);
  checkPageCache(k);
}

describe("migrate_pages", () => {
  it("moves an anonymous page shared by parent and child: both PTEs follow it, the data goes with it", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(4 * 4096);
    p.write(a, 4 * 4096);
    const c = p.fork();
    const mmP = taskOf(p).mm!;
    const mmC = taskOf(c).mm!;
    const old = follow_pte(k, mmP, a + 4096)!.pfn;
    const token = page_content(k.mem_map, old);
    expect(follow_pte(k, mmC, a + 4096)!.pfn).toBe(old);
    const heads = newListHeads(1);
    isolate(k, heads, old);
    const ok0 = k.vm_events[PGMIGRATE_SUCCESS];
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
    expect(nr[0]).toBe(1);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - ok0).toBe(1);
    const moved = follow_pte(k, mmP, a + 4096)!.pfn;
    expect(moved).not.toBe(old);
    expect(follow_pte(k, mmC, a + 4096)!.pfn).toBe(moved);
    expect(page_content(k.mem_map, moved)).toBe(token);
    expect(k.mem_map.mapcount[moved]).toBe(2);
    // Two mappings and the LRU batch's reference until it drains.
    lru_add_drain(k);
    expect(k.mem_map._refcount[moved]).toBe(2);
    expect(k.mem_map.flags[moved] & F(PG_lru)).not.toBe(0);
    // The fork left both PTEs read-only (shared): still read-only, so a write copies.
    expect(pteFlags(k, mmP, a + 4096) & _PAGE_RW).toBe(0);
    expect(k.page_zone(old)!.zone_pgdat.vm_stat[NR_ISOLATED_ANON]).toBe(0);
    checkAll(k);
    c.write(a + 4096, 1);
    expect(follow_pte(k, mmC, a + 4096)!.pfn).not.toBe(moved);
    expect(page_content(k.mem_map, follow_pte(k, mmC, a + 4096)!.pfn)).toBe(token);
    checkAll(k);
  });

  it("keeps an exclusive page writable and exclusive, and its young and dirty bits", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(2 * 4096);
    p.write(a, 2 * 4096);
    const mm = taskOf(p).mm!;
    const old = follow_pte(k, mm, a)!.pfn;
    const before = pteFlags(k, mm, a);
    expect(before & (_PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED)).toBe(_PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
    const heads = newListHeads(1);
    isolate(k, heads, old);
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
    const moved = follow_pte(k, mm, a)!.pfn;
    expect(pteFlags(k, mm, a) & (_PAGE_RW | _PAGE_ACCESSED)).toBe(_PAGE_RW | _PAGE_ACCESSED);
    expect(k.mem_map.flags[moved] & F(PG_anon_exclusive)).not.toBe(0);
    checkAll(k);
  });

  it("fails a page someone else holds (a pin): ten tries, pgmigrate_fail 1, the page stays mapped", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(4096);
    p.write(a, 4096);
    const mm = taskOf(p).mm!;
    const old = follow_pte(k, mm, a)!.pfn;
    const heads = newListHeads(1);
    isolate(k, heads, old);
    k.mem_map._refcount[old]++; // a get_user_pages pin
    const fail0 = k.vm_events[PGMIGRATE_FAIL];
    const free0 = k.zones[1].vm_stat[0];
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(1);
    expect(nr[0]).toBe(0);
    expect(k.vm_events[PGMIGRATE_FAIL] - fail0).toBe(1);
    expect(heads[0]).toBe(old);
    expect(follow_pte(k, mm, a)!.pfn).toBe(old);
    expect(pteFlags(k, mm, a) & _PAGE_RW).not.toBe(0);
    // The new pages it took were given back.
    expect(k.zones[1].vm_stat[0]).toBeGreaterThanOrEqual(free0 - 64);
    k.mem_map._refcount[old]--;
    checkMm(k);
  });

  it("moves an mlocked page and keeps it mlocked (NR_MLOCK unchanged)", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(4096);
    p.mlock(a, 4096);
    const mm = taskOf(p).mm!;
    const old = follow_pte(k, mm, a)!.pfn;
    const mlock0 = k.page_zone(old)!.vm_stat[NR_MLOCK];
    const ev0 = [k.vm_events[UNEVICTABLE_PGMLOCKED], k.vm_events[UNEVICTABLE_PGMUNLOCKED], k.vm_events[UNEVICTABLE_PGSTRANDED]];
    const heads = newListHeads(1);
    isolate(k, heads, old);
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
    const moved = follow_pte(k, mm, a)!.pfn;
    expect(moved).not.toBe(old);
    expect(k.mem_map.flags[moved] & F(PG_mlocked)).not.toBe(0);
    // try_to_migrate's munlock finds the old page isolated and still unevictable: __munlock_page
    // counts it stranded, not munlocked; the new page's mapping mlocks it (mlock_folio).
    expect([k.vm_events[UNEVICTABLE_PGMLOCKED], k.vm_events[UNEVICTABLE_PGMUNLOCKED], k.vm_events[UNEVICTABLE_PGSTRANDED]]).toEqual([ev0[0] + 1, ev0[1], ev0[2] + 1]);
    lru_add_drain(k);
    expect(k.page_zone(moved)!.vm_stat[NR_MLOCK] + (k.page_zone(old) === k.page_zone(moved) ? 0 : mlock0)).toBe(mlock0);
    checkAll(k);
  });

  it("moves a shmem page-cache folio: the page cache slot and both mappings follow", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(2 * 4096, { prot: "rw", flags: "shared|anonymous" });
    p.write(a, 2 * 4096);
    const c = p.fork();
    // fork copies no PTEs of a shared mapping (it refaults them): the child maps it by reading.
    c.read(a, 4096);
    const mm = taskOf(p).mm!;
    const old = follow_pte(k, mm, a)!.pfn;
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(old);
    const token = page_content(k.mem_map, old);
    const heads = newListHeads(1);
    isolate(k, heads, old);
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
    const moved = follow_pte(k, mm, a)!.pfn;
    expect(moved).not.toBe(old);
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(moved);
    expect(page_content(k.mem_map, moved)).toBe(token);
    checkAll(k);
  });

  it("moves a swap-cache page: the swap cache slot and the entry follow it", () => {
    const k = start_kernel({ memory: 256 * 1024 * 1024 });
    expect(sys_swapon(k, k.tasks.init, "/dev/vda", { size: 64 * 1024 * 1024 })).toBe(0);
    const p = spawnProcess(k, { comm: "swapper", image: null });
    const a = p.mmap(4 * 4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4 * 4096);
    const mm = taskOf(p).mm!;
    const first = follow_pte(k, mm, a)!.pfn;
    const token = page_content(k.mem_map, first);
    const entry = evict(k, first);
    expect(entry).not.toBe(0);
    p.read(a, 4096); // swap-in: mapped and still in the swap cache
    const old = follow_pte(k, mm, a)!.pfn;
    expect(k.mem_map.flags[old] & F(PG_swapcache)).not.toBe(0);
    const heads = newListHeads(1);
    isolate(k, heads, old);
    const nr = new Int32Array(1);
    expect(migrate_pages(k, heads, 0, newPage, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
    const moved = follow_pte(k, mm, a)!.pfn;
    expect(moved).not.toBe(old);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(moved);
    expect(k.mem_map.private[moved]).toBe(entry);
    expect(k.mem_map.flags[old] & F(PG_swapcache)).toBe(0);
    expect(page_content(k.mem_map, moved)).toBe(token);
    check_swap_invariants(k);
    checkAll(k);
  });

  describe("a THP whose migration target cannot be had (-ENOMEM)", () => {
    /** A 1 GiB machine (THP always) with one written THP, isolated on list 0 as alloc_contig's scanner isolates it. */
    function isolatedThp(): { k: Kernel; heads: Int32Array; head: number; read: () => number[]; frames: () => number[] } {
      const m = Machine.boot({ memory: "1G" });
      const k = kernelOf(m);
      const p = m.spawn({ comm: "p" });
      const raw = p.mmap(4 << 20);
      const a = Math.ceil(raw / (2 << 20)) * (2 << 20);
      p.write(a, 2 << 20);
      lru_add_drain(k);
      const head = p.pagemap(a, 1).frame[0];
      expect(k.mem_map.flags[head] & F(PG_head)).not.toBe(0);
      const heads = newListHeads(1);
      expect(folio_isolate_lru(k, head)).toBe(true);
      k.page_zone(head)!.zone_pgdat.vm_stat[NR_ISOLATED_ANON] += 512;
      k.mem_map.lru.list_add(heads, 0, head);
      const read = (): number[] => Array.from(p.pagemap(a, 512).frame, (f) => page_content(k.mem_map, f));
      const frames = (): number[] => Array.from(p.pagemap(a, 512).frame);
      return { k, heads, head, read, frames };
    }
    /** alloc_migration_target when no huge page is free: order 0 only. */
    const noHuge = (k: Kernel, src: number): number => ((k.mem_map.flags[src] & F(PG_head)) !== 0 ? NO_PFN : newPage(k));

    it("splits it and migrates its 512 pages: thp_migration_fail 1, thp_migration_split 1, pgmigrate_success 512", () => {
      const { k, heads, head, read, frames } = isolatedThp();
      const tokens = read();
      const nr = new Int32Array(1);
      const fail0 = k.vm_events[PGMIGRATE_FAIL];
      expect(migrate_pages(k, heads, 0, noHuge, null, null, MIGRATE_SYNC, MR_COMPACTION, nr)).toBe(0);
      // every page moved (a later one may land on a frame an earlier one left: nothing isolates it)
      expect(frames().filter((f, i) => f === head + i)).toEqual([]);
      expect(nr[0]).toBe(512);
      expect(k.vm_events[PGMIGRATE_FAIL]).toBe(fail0);
      expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([0, 1, 1]);
      expect(heads[0]).toBe(NO_PFN);
      expect(read()).toEqual(tokens);
      expect(k.page_zone(head)!.zone_pgdat.vm_stat[NR_ISOLATED_ANON]).toBe(0);
      expect(k.page_zone(head)!.zone_pgdat.vm_stat[NR_ANON_THPS]).toBe(0);
      checkAll(k);
    });

    it("for NUMA balancing (MR_NUMA_MISPLACED, no split) gives up with -ENOMEM: pgmigrate_fail 512, the THP stays", () => {
      const { k, heads, head, read, frames } = isolatedThp();
      const tokens = read();
      const nr = new Int32Array(1);
      const fail0 = k.vm_events[PGMIGRATE_FAIL];
      expect(migrate_pages(k, heads, 0, noHuge, null, null, MIGRATE_SYNC, MR_NUMA_MISPLACED, nr)).toBe(-12);
      expect(frames()[7]).toBe(head + 7);
      expect(nr[0]).toBe(0);
      expect(k.vm_events[PGMIGRATE_FAIL] - fail0).toBe(512);
      expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([0, 1, 0]);
      expect(heads[0]).toBe(head);
      putback_movable_pages(k, heads, 0);
      expect(read()).toEqual(tokens);
      expect(k.mem_map.flags[head] & F(PG_head)).not.toBe(0);
      checkAll(k);
    });
  });
});
