/**
 * Page isolation and alloc_contig_range (mm/page_isolation.c, CONFIG_CONTIG_ALLOC): what an
 * isolated pageblock's free pages do to the free lists and NR_FREE_PAGES, migration of movable
 * pages out of a range, and failure on unmovable ones.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { checkLru } from "../sim/invariants/lru.js";
import { checkMm } from "../sim/invariants/mm.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../include/linux/gfp_types.js";
import { __alloc_pages, __free_pages, drain_all_pages, PageBuddy } from "./page_alloc.js";
import { alloc_contig_range, free_contig_range, start_isolate_page_range, test_pages_isolated, undo_isolate_page_range } from "./page_isolation.js";
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE } from "./mmzone.js";
import { NO_PFN, pageblock_nr_pages, pageblock_order } from "./types.js";
import { F, page_content, page_owner_ts_of, PG_double_map, PG_head, PG_hugetlb, PG_lru, PG_mlocked, PG_reserved, PG_unevictable } from "./memmap.js";
import { global_node_page_state, global_zone_page_state } from "./vmstat.js";
import { HTLB_BUDDY_PGALLOC, NR_FREE_PAGES, NR_ISOLATED_ANON, PGMIGRATE_SUCCESS, THP_DEFERRED_SPLIT_PAGE, THP_FAULT_ALLOC, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS, UNEVICTABLE_PGMLOCKED, UNEVICTABLE_PGMUNLOCKED, UNEVICTABLE_PGSTRANDED } from "./vmstat_items.js";
import { lru_add_drain } from "./swap.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { meminfo_proc_show } from "../fs/proc/meminfo.js";

const MiB = 1 << 20;
const EBUSY = 16;
const ENOMEM = 12;

const nrFree = (k: Kernel): number => global_zone_page_state(k, NR_FREE_PAGES);

function meminfoKb(k: Kernel, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(meminfo_proc_show(k));
  if (m === null) throw new Error(`no ${key}`);
  return Number(m[1]);
}

/** The last pageblock of the machine's highest zone that is wholly free (a buddy block covers it). */
function freePageblock(k: Kernel): number {
  const mem = k.mem_map;
  for (let pb = (mem.max_pfn >>> pageblock_order) - 1; pb > 0; pb--) {
    const pfn = pb << pageblock_order;
    if (k.page_zone(pfn) === undefined || mem.pageblock_mt[pb] !== MIGRATE_MOVABLE) continue;
    // the head of the free block holding pfn
    for (let o = pageblock_order; o < 11; o++) {
      const h = pfn - (pfn & ((1 << o) - 1));
      if (PageBuddy(k, h) && mem.private[h] >= o) return pfn;
    }
  }
  throw new Error("no free pageblock");
}

describe("start_isolate_page_range / undo_isolate_page_range", () => {
  it("moves a pageblock's free pages to the MIGRATE_ISOLATE lists, out of NR_FREE_PAGES, and back", () => {
    const k = start_kernel({ memory: 512 * MiB });
    drain_all_pages(k, null);
    const pfn = freePageblock(k);
    const before = nrFree(k);
    expect(start_isolate_page_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, 0)).toBe(0);
    expect(k.mem_map.pageblock_mt[pfn >>> pageblock_order]).toBe(MIGRATE_ISOLATE);
    expect(k.page_zone(pfn)?.nr_isolate_pageblock).toBe(1);
    // The free pages of the pageblock (the block straddling it was split) are isolated: not
    // counted in NR_FREE_PAGES (MemFree), on the isolate list, never allocated.
    expect(nrFree(k)).toBe(before - pageblock_nr_pages);
    expect(k.mem_map.index[pfn]).toBe(MIGRATE_ISOLATE);
    checkBuddy(k);
    expect(test_pages_isolated(k, pfn, pfn + pageblock_nr_pages)).toBe(0);
    // Allocations that leave the rest of memory alone do not touch it
    const got: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const p = __alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0, 0, null);
      expect(p).not.toBe(NO_PFN);
      expect(p >= pfn && p < pfn + pageblock_nr_pages).toBe(false);
      got.push(p);
    }
    for (const p of got) __free_pages(k, p, 0);
    drain_all_pages(k, null);
    expect(nrFree(k)).toBe(before - pageblock_nr_pages);
    undo_isolate_page_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE);
    expect(k.mem_map.pageblock_mt[pfn >>> pageblock_order]).toBe(MIGRATE_MOVABLE);
    expect(k.page_zone(pfn)?.nr_isolate_pageblock).toBe(0);
    expect(nrFree(k)).toBe(before);
    checkBuddy(k);
  });

  it("pages freed into an isolated pageblock go to the isolate list, uncounted, until undone", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const p = spawnProcess(k, { comm: "user" });
    const a = p.mmap(16 * MiB, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, 16 * MiB, "nohugepage");
    p.write(a, 16 * MiB);
    lru_add_drain(k);
    const n = (16 * MiB) / 4096;
    const frames = new Set(p.pagemap(a, n).frame);
    // A pageblock holding only this process's pages (and free ones)
    const blocks = [...new Set([...frames].map((f) => f - (f & (pageblock_nr_pages - 1))))];
    const pfn = blocks.find((b) => {
      for (let i = b; i < b + pageblock_nr_pages; i++) if (!frames.has(i) && (k.mem_map._refcount[i] !== 0 || (k.mem_map.flags[i] & F(PG_reserved)) !== 0)) return false;
      return true;
    });
    if (pfn === undefined) throw new Error("no pageblock of the process's own");
    // LRU pages are movable: the pageblock can be isolated with them in it
    expect(start_isolate_page_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, 0)).toBe(0);
    expect(test_pages_isolated(k, pfn, pfn + pageblock_nr_pages)).toBe(-EBUSY);
    p.munmap(a, 16 * MiB);
    drain_all_pages(k, null);
    // Every page of the block is free now, on the isolate list (checkBuddy: each free block
    // there is on MIGRATE_ISOLATE's list, and NR_FREE_PAGES leaves them out)
    expect(test_pages_isolated(k, pfn, pfn + pageblock_nr_pages)).toBe(0);
    checkBuddy(k);
    const before = nrFree(k);
    undo_isolate_page_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE);
    expect(nrFree(k)).toBe(before + pageblock_nr_pages);
    checkBuddy(k);
  });
});

describe("alloc_contig_range", () => {
  it("migrates the movable pages out of the range, contents kept, and hands it out", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const p = spawnProcess(k, { comm: "user" });
    const a = p.mmap(64 * MiB, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, 64 * MiB, "nohugepage");
    p.write(a, 64 * MiB);
    lru_add_drain(k);
    const n = (64 * MiB) / 4096;
    const frames = p.pagemap(a, n).frame;
    const tokens = Array.from(frames, (f) => page_content(k.mem_map, f));
    // A pageblock full of the process's pages
    const pfn = frames[n / 2] - (frames[n / 2] & (pageblock_nr_pages - 1));
    const mine = Array.from(frames).filter((f) => f >= pfn && f < pfn + pageblock_nr_pages).length;
    expect(mine).toBeGreaterThan(pageblock_nr_pages / 2);
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    expect(alloc_contig_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    // every page of the range is ours now: order 0, one reference each, not free
    for (let i = 0; i < pageblock_nr_pages; i++) {
      expect(k.mem_map._refcount[pfn + i]).toBe(1);
      expect(PageBuddy(k, pfn + i)).toBe(false);
    }
    expect(k.mem_map.pageblock_mt[pfn >>> pageblock_order]).toBe(MIGRATE_MOVABLE);
    // the process's pages moved elsewhere with their contents
    const after = p.pagemap(a, n).frame;
    for (let i = 0; i < n; i++) {
      expect(after[i] >= pfn && after[i] < pfn + pageblock_nr_pages).toBe(false);
      expect(page_content(k.mem_map, after[i])).toBe(tokens[i]);
    }
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(mine);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    drain_all_pages(k, null);
    const before = nrFree(k);
    free_contig_range(k, pfn, pageblock_nr_pages);
    drain_all_pages(k, null);
    expect(nrFree(k)).toBe(before + pageblock_nr_pages);
    checkBuddy(k);
  });

  it("fails with -EBUSY on a range holding an unmovable page, and leaves nothing isolated", () => {
    const k = start_kernel({ memory: 512 * MiB });
    // A kernel page (GFP_KERNEL: unmovable, off any LRU) and its pageblock
    const kp = __alloc_pages(k, GFP_KERNEL, 0, 0, null);
    const pfn = kp - (kp & (pageblock_nr_pages - 1));
    const mt = k.mem_map.pageblock_mt[pfn >>> pageblock_order];
    const before = nrFree(k);
    expect(alloc_contig_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    expect(k.mem_map.pageblock_mt[pfn >>> pageblock_order]).toBe(mt);
    expect(k.page_zone(pfn)?.nr_isolate_pageblock).toBe(0);
    expect(nrFree(k)).toBe(before);
    expect(k.mem_map._refcount[kp]).toBe(1);
    checkBuddy(k);
  });

  it("fails on reserved pages (the kernel image at the start of memory)", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const before = nrFree(k);
    const pfn = 4096; // DMA32's first pageblock
    expect(alloc_contig_range(k, pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    expect(nrFree(k)).toBe(before);
    checkBuddy(k);
  });
});

describe("runtime 1 GiB hugetlb pages (alloc_gigantic_page → alloc_contig_pages)", () => {
  it("nr_hugepages of hugepages-1048576kB migrates movable pages out of a 1 GiB range and takes it; partial success", { timeout: 120_000 }, () => {
    const G = 1024 * MiB;
    const k = start_kernel({ memory: 4 * G, gbpages: true });
    const D = "/sys/kernel/mm/hugepages/hugepages-1048576kB/";
    expect(procRead(k, D + "nr_hugepages")).toBe("0\n");
    // A process fills the first GiB; a second one then has part of its pages in the second.
    // Both touch one page per 2 MiB first, so their page tables (unmovable) are made while the
    // first GiB still has room: an unmovable page in a range would fail it (has_unmovable_pages).
    const fill = (name: string, size: number): { p: ReturnType<typeof spawnProcess>; a: number } => {
      const p = spawnProcess(k, { comm: name });
      const a = p.mmap(size, { prot: "rw", flags: "private|anonymous" });
      p.madvise(a, size, "nohugepage");
      for (let o = 0; o < size; o += 2 * MiB) p.write(a + o, 4096);
      p.write(a, size);
      return { p, a };
    };
    fill("big", 1.75 * G);
    const { p: q, a: b } = fill("small", 256 * MiB);
    lru_add_drain(k);
    const n = (256 * MiB) / 4096;
    const frames = q.pagemap(b, n).frame;
    const tokens = Array.from(frames, (f) => page_content(k.mem_map, f));
    const inGiB1 = Array.from(frames).filter((f) => f >= 262144 && f < 524288).length;
    expect(inGiB1).toBeGreaterThan(10000);
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    const free0 = meminfoKb(k, "MemFree");
    procWrite(k, D + "nr_hugepages", "3");
    // The kernel's partial success: of the 1 GiB-aligned ranges only the second GiB can be
    // emptied (pfn_range_valid_contig / has_unmovable_pages: the first holds the DMA zone's
    // edge and the kernel, the third a reserved page below the PCI hole, the fourth is the hole,
    // the fifth, above 4 GiB, boot's reserved allocations).
    expect(procRead(k, D + "nr_hugepages")).toBe("1\n");
    expect(procRead(k, D + "free_hugepages")).toBe("1\n");
    expect(meminfoKb(k, "Hugetlb")).toBe(1048576);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(inGiB1);
    const after = q.pagemap(b, n).frame;
    let moved = 0;
    let lost = 0;
    for (let i = 0; i < n; i++) {
      if (after[i] >= 262144 && after[i] < 524288) moved++;
      if (page_content(k.mem_map, after[i]) !== tokens[i]) lost++;
    }
    expect([moved, lost]).toEqual([0, 0]);
    expect(free0 - meminfoKb(k, "MemFree")).toBeGreaterThanOrEqual(1048576 - 4 * 1024);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    // garbage: the kernel's EINVAL, the pool unchanged
    expect(() => procWrite(k, D + "nr_hugepages", "lots")).toThrow(/EINVAL/);
    // shrinking gives the GiB back to the buddy allocator
    const free1 = meminfoKb(k, "MemFree");
    procWrite(k, D + "nr_hugepages", "0");
    expect(meminfoKb(k, "Hugetlb")).toBe(0);
    expect(meminfoKb(k, "MemFree") - free1).toBe(1048576);
    checkBuddy(k);
  });
});

describe("alloc_contig_range over compound pages (isolate_migratepages_block with cc->alloc_contig)", () => {
  /** A process with one 2 MiB-aligned THP written; returns it, the address and the THP's pfn. */
  function withThp(k: Kernel): { p: ReturnType<typeof spawnProcess>; a: number; head: number } {
    const p = spawnProcess(k, { comm: "thp" });
    const raw = p.mmap(4 * MiB, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    p.write(a, 2 * MiB);
    lru_add_drain(k);
    const head = p.pagemap(a, 1).frame[0];
    expect(k.mem_map.flags[head] & F(PG_head)).not.toBe(0);
    expect(k.vm_events[THP_FAULT_ALLOC]).toBe(1);
    return { p, a, head };
  }

  it("moves a PMD-mapped THP whole: thp_migration_success 1, pgmigrate_success 512, contents and stamp kept", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    const tokens = Array.from(p.pagemap(a, 512).frame, (f) => page_content(k.mem_map, f));
    const stamp = page_owner_ts_of(k.mem_map, head + 300);
    const anonHuge = meminfoKb(k, "AnonHugePages");
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(512);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([1, 0, 0]);
    // Still one huge PMD, on a new THP outside the range, every subpage's contents with it.
    const after = p.pagemap(a, 512).frame;
    const nhead = after[0];
    expect(nhead < head || nhead >= head + pageblock_nr_pages).toBe(true);
    expect(k.mem_map.flags[nhead] & F(PG_head)).not.toBe(0);
    for (let i = 0; i < 512; i++) {
      expect(after[i]).toBe(nhead + i);
      expect(page_content(k.mem_map, after[i])).toBe(tokens[i]);
    }
    expect(page_owner_ts_of(k.mem_map, nhead + 300)).toBe(stamp);
    expect(meminfoKb(k, "AnonHugePages")).toBe(anonHuge);
    // the range is ours: order-0 pages with a reference each
    for (let i = 0; i < pageblock_nr_pages; i++) expect(k.mem_map._refcount[head + i]).toBe(1);
    expect(global_node_page_state(k, NR_ISOLATED_ANON)).toBe(0);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    // the THP still works: a write faults nothing, an munmap frees it whole
    free_contig_range(k, head, pageblock_nr_pages);
    p.munmap(a, 2 * MiB);
    expect(meminfoKb(k, "AnonHugePages")).toBe(anonHuge - 2048);
    checkBuddy(k);
    checkMm(k);
  });

  it("moves a THP mapped by PTEs alone whole (its PMD split by mprotect): thp_migration_success 1, every PTE on the new THP", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    // mprotect of half the THP splits its PMD: 512 PTEs map the still-compound page.
    p.mprotect(a, MiB, "r");
    expect(k.mem_map.flags[head] & F(PG_head)).not.toBe(0);
    const before = p.pagemap(a, 512);
    const tokens = Array.from(before.frame, (f) => page_content(k.mem_map, f));
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(512);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([1, 0, 0]);
    const after = p.pagemap(a, 512);
    const nhead = after.frame[0];
    expect(nhead < head || nhead >= head + pageblock_nr_pages).toBe(true);
    expect(k.mem_map.flags[nhead] & F(PG_head)).not.toBe(0);
    for (let i = 0; i < 512; i++) {
      expect(after.frame[i]).toBe(nhead + i);
      expect(page_content(k.mem_map, after.frame[i])).toBe(tokens[i]);
    }
    expect(Array.from(after.flags)).toEqual(Array.from(before.flags));
    expect(k.mem_map._refcount[nhead]).toBe(512);
    expect(global_node_page_state(k, NR_ISOLATED_ANON)).toBe(0);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    // The read-only half is still read-only, the other half writable in place.
    p.write(a + MiB, MiB);
    expect(p.pagemap(a + MiB, 1).frame[0]).toBe(nhead + 256);
    p.munmap(a, 2 * MiB);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("moves a DoubleMap THP whole (parent's PMD, child's PTEs): both follow, AnonPages counts the child's PTE-mapped pages twice as 6.1 does", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    const c = p.fork();
    // The child's mprotect of half splits its PMD while the parent's still maps the THP
    // (compound_mapcount 2): __split_huge_pmd_locked sets PG_double_map.
    c.mprotect(a, MiB, "r");
    expect(k.mem_map.flags[head + 1] & F(PG_double_map)).not.toBe(0);
    const tokens = Array.from(p.pagemap(a, 512).frame, (f) => page_content(k.mem_map, f));
    const anon0 = meminfoKb(k, "AnonPages");
    const huge0 = meminfoKb(k, "AnonHugePages");
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(512);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([1, 0, 0]);
    const pf = p.pagemap(a, 512).frame;
    const cf = c.pagemap(a, 512).frame;
    const nhead = pf[0];
    expect(nhead < head || nhead >= head + pageblock_nr_pages).toBe(true);
    for (let i = 0; i < 512; i++) {
      expect([pf[i], cf[i]]).toEqual([nhead + i, nhead + i]);
      expect(page_content(k.mem_map, pf[i])).toBe(tokens[i]);
    }
    // remove_migration_pmd and remove_migration_pte map the new folio back through
    // page_add_anon_rmap, which never sets PG_double_map: the parent's PMD is its first compound
    // mapping (+512 in NR_ANON_MAPPED) and each of the child's 512 PTEs a subpage's first
    // mapping (+1 each). The old folio's PMD went last, with the DoubleMap counts (-512).
    expect(k.mem_map.flags[nhead + 1] & F(PG_double_map)).toBe(0);
    expect(k.mem_map.private[nhead + 1]).toBe(1);
    expect(meminfoKb(k, "AnonHugePages")).toBe(huge0);
    expect(meminfoKb(k, "AnonPages") - anon0).toBe(2048);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    // The child's exit takes its 512 PTE counts away again; the parent's munmap the rest.
    c.exit(0);
    expect(meminfoKb(k, "AnonPages")).toBe(anon0);
    checkMm(k);
    p.munmap(a, 2 * MiB);
    expect(meminfoKb(k, "AnonPages")).toBe(anon0 - 2048);
    expect(meminfoKb(k, "AnonHugePages")).toBe(huge0 - 2048);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("moves an mlocked THP whole: mlocked and unevictable on the new folio, Mlocked unchanged", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    p.mlock(a, 2 * MiB);
    lru_add_drain(k);
    expect(k.mem_map.flags[head] & F(PG_mlocked)).not.toBe(0);
    const mlocked0 = meminfoKb(k, "Mlocked");
    const unevictable0 = meminfoKb(k, "Unevictable");
    const ev0 = [k.vm_events[UNEVICTABLE_PGMLOCKED], k.vm_events[UNEVICTABLE_PGMUNLOCKED], k.vm_events[UNEVICTABLE_PGSTRANDED]];
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([1, 0, 0]);
    const nhead = p.pagemap(a, 1).frame[0];
    expect(nhead < head || nhead >= head + pageblock_nr_pages).toBe(true);
    const nf = k.mem_map.flags[nhead];
    expect([nf & F(PG_head), nf & F(PG_mlocked), nf & F(PG_unevictable), nf & F(PG_lru)]).toEqual([F(PG_head), F(PG_mlocked), F(PG_unevictable), F(PG_lru)]);
    // set_pmd_migration_entry's munlock_vma_page(compound) finds the old folio isolated and
    // unevictable (stranded, 512); remove_migration_pmd's page_add_anon_rmap mlocks the new one
    // (mlock_folio: unevictable_pgs_mlocked + 512).
    expect([k.vm_events[UNEVICTABLE_PGMLOCKED] - ev0[0], k.vm_events[UNEVICTABLE_PGMUNLOCKED] - ev0[1], k.vm_events[UNEVICTABLE_PGSTRANDED] - ev0[2]]).toEqual([512, 0, 512]);
    expect(meminfoKb(k, "Mlocked")).toBe(mlocked0);
    expect(meminfoKb(k, "Unevictable")).toBe(unevictable0);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    p.munlock(a, 2 * MiB);
    expect(meminfoKb(k, "Mlocked")).toBe(mlocked0 - 2048);
    checkLru(k);
  });

  it("moves a partly unmapped THP whole: the unmapped subpages stay unmapped, the old folio leaves the deferred split queue", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    p.munmap(a + MiB, MiB);
    expect(k.vm_events[THP_DEFERRED_SPLIT_PAGE]).toBe(1);
    const tokens = Array.from(p.pagemap(a, 256).frame, (f) => page_content(k.mem_map, f));
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([1, 0]);
    const after = p.pagemap(a, 256).frame;
    const nhead = after[0];
    for (let i = 0; i < 256; i++) {
      expect(after[i]).toBe(nhead + i);
      expect(page_content(k.mem_map, after[i])).toBe(tokens[i]);
    }
    // Only the mapped half counts (the references of 256 PTEs); the new folio is not queued (6.1).
    expect(k.mem_map._refcount[nhead]).toBe(256);
    expect(k.mem_map.mapcount[nhead + 300]).toBe(0);
    expect(k.mem_map.private[nhead + 2]).toBe(0);
    expect(k.vm_events[THP_DEFERRED_SPLIT_PAGE]).toBe(1);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("a pinned PTE-mapped THP is mapped back where it was: -EBUSY", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const { p, a, head } = withThp(k);
    p.mprotect(a, MiB, "r");
    const before = p.pagemap(a, 512);
    k.mem_map._refcount[head]++; // a pin
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    const after = p.pagemap(a, 512);
    expect(Array.from(after.frame)).toEqual(Array.from(before.frame));
    expect(Array.from(after.flags)).toEqual(Array.from(before.flags));
    expect(k.vm_events[THP_MIGRATION_SUCCESS]).toBe(0);
    k.mem_map._refcount[head]--;
    expect(global_node_page_state(k, NR_ISOLATED_ANON)).toBe(0);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });

  it("dissolves a free hugetlb page in the range: the pool keeps its size, htlb_buddy_alloc_success + 1", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4");
    const h = k.hugetlb.hstates.find((x) => x.order === pageblock_order)!;
    const old = h.hugepage_freelists[0];
    expect(old).not.toBe(NO_PFN);
    expect(k.mem_map.flags[old] & F(PG_hugetlb)).not.toBe(0);
    const allocs = k.vm_events[HTLB_BUDDY_PGALLOC];
    expect(alloc_contig_range(k, old, old + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[HTLB_BUDDY_PGALLOC] - allocs).toBe(1);
    expect([meminfoKb(k, "HugePages_Total"), meminfoKb(k, "HugePages_Free")]).toEqual([4, 4]);
    expect(k.mem_map.flags[old] & (F(PG_hugetlb) | F(PG_head))).toBe(0);
    for (let i = 0; i < pageblock_nr_pages; i++) expect(k.mem_map._refcount[old + i]).toBe(1);
    checkBuddy(k);
    free_contig_range(k, old, pageblock_nr_pages);
    checkBuddy(k);
  });

});

describe("a compound page across the range's edge (isolate_single_pageblock)", () => {
  it("a 1 GiB hugetlb page across the start: its pageblock isolated and restored, the LRU batches drained, -EBUSY (6.1's -ENOMEM from isolate_or_dissolve_huge_page)", { timeout: 60_000 }, () => {
    const G = 1024 * MiB;
    const k = start_kernel({ memory: 3 * G, gbpages: true, hugepages: [{ size: G, count: 1 }] });
    const h = k.hugetlb.hstates.find((x) => x.order === 18)!;
    const head = h.hugepage_freelists[0];
    expect(head).not.toBe(NO_PFN);
    // A page still in a per-CPU LRU batch: not on an LRU list yet.
    const p = spawnProcess(k, { comm: "batch" });
    const a = p.mmap(4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4096);
    const pfn = p.pagemap(a, 1).frame[0];
    expect(k.mem_map.flags[pfn] & F(PG_lru)).toBe(0);
    const mt = k.mem_map.pageblock_mt[head >>> pageblock_order];
    // The range starts one pageblock into the gigantic page.
    const start = head + pageblock_nr_pages;
    expect(alloc_contig_range(k, start, start + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    expect(k.mem_map.flags[pfn] & F(PG_lru)).not.toBe(0);
    expect(k.page_zone(head)?.nr_isolate_pageblock).toBe(0);
    expect(k.mem_map.pageblock_mt[head >>> pageblock_order]).toBe(mt);
    expect([h.nr_huge_pages, h.free_huge_pages, h.hugepage_freelists[0]]).toEqual([1, 1, head]);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });
});

describe("alloc_contig_range over a hugetlb page in use (folio_isolate_hugetlb, unmap_and_move_huge_page)", () => {
  const hugetlbPages = (p: ReturnType<typeof spawnProcess>): number => Number(/^HugetlbPages:\s+(\d+)/m.exec(p.readFile("/proc/self/status"))![1]);
  const pool = (k: Kernel): number[] => ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"].map((key) => meminfoKb(k, key));
  /** Each subpage's frame, pagemap flags and contents at `a`. */
  function snapshot(k: Kernel, p: ReturnType<typeof spawnProcess>, a: number): { frames: number[]; flags: number[]; tokens: number[] } {
    const m = p.pagemap(a, 512);
    return { frames: Array.from(m.frame), flags: Array.from(m.flags), tokens: Array.from(m.frame, (f) => page_content(k.mem_map, f)) };
  }
  const outside = (pfn: number, head: number): boolean => pfn < head || pfn >= head + pageblock_nr_pages;

  it("moves a private page to a free pool page, whose old copy goes back to the pool: -EBUSY as in 6.1, then dissolved by the next attempt", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "3");
    const p = spawnProcess(k, { comm: "huge" });
    // Two huge pages reserved, one touched: Free 2, Rsvd 1 (one pool page to spare).
    const a = p.mmap(4 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 4096);
    p.write(a + 8192, 4096);
    const head = p.pagemap(a, 1).frame[0];
    expect(pool(k)).toEqual([3, 2, 1, 0]);
    const before = snapshot(k, p, a);
    const usage = hugetlbPages(p);
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    const allocs = k.vm_events[HTLB_BUDDY_PGALLOC];
    // The page moves to a pool page; its old copy is freed into the pool, so the range is not
    // free (test_pages_isolated fails): 6.1's alloc_contig_range answers -EBUSY here.
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(512);
    expect([k.vm_events[THP_MIGRATION_SUCCESS], k.vm_events[THP_MIGRATION_FAIL], k.vm_events[THP_MIGRATION_SPLIT]]).toEqual([0, 0, 0]);
    expect(k.vm_events[HTLB_BUDDY_PGALLOC]).toBe(allocs);
    const after = snapshot(k, p, a);
    const nhead = after.frames[0];
    expect(outside(nhead, head)).toBe(true);
    expect(k.mem_map.flags[nhead] & F(PG_hugetlb)).not.toBe(0);
    for (let i = 0; i < 512; i++) expect(after.frames[i]).toBe(nhead + i);
    expect(after.tokens).toEqual(before.tokens);
    expect(after.flags).toEqual(before.flags);
    // The pool is as it was, the old page one of its free pages.
    expect(pool(k)).toEqual([3, 2, 1, 0]);
    expect([k.mem_map.flags[head] & F(PG_hugetlb), k.mem_map._refcount[head]]).toEqual([F(PG_hugetlb), 0]);
    expect(hugetlbPages(p)).toBe(usage);
    expect(k.mem_map._refcount[nhead]).toBe(1);
    expect(k.page_zone(head)?.nr_isolate_pageblock).toBe(0);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
    // The next attempt dissolves the free pool page (a fresh one replaces it) and succeeds.
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[HTLB_BUDDY_PGALLOC] - allocs).toBe(1);
    expect(pool(k)).toEqual([3, 2, 1, 0]);
    for (let i = 0; i < pageblock_nr_pages; i++) expect(k.mem_map._refcount[head + i]).toBe(1);
    // Still writable in place (exclusive): a write faults nothing new; the second page still
    // has its reservation; munmap gives both back.
    p.write(a, 2 * MiB);
    expect(p.pagemap(a, 1).frame[0]).toBe(nhead);
    p.write(a + 2 * MiB, 4096);
    expect(pool(k)).toEqual([3, 1, 0, 0]);
    p.munmap(a, 4 * MiB);
    expect(pool(k)).toEqual([3, 3, 0, 0]);
    free_contig_range(k, head, pageblock_nr_pages);
    checkBuddy(k);
    checkMm(k);
  });

  it("with no pool page to spare, moves it to a temporary fresh page: HugePages_* unchanged, htlb_buddy_alloc_success + 1", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "1");
    const p = spawnProcess(k, { comm: "huge" });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 2 * MiB);
    const head = p.pagemap(a, 1).frame[0];
    expect(pool(k)).toEqual([1, 0, 0, 0]);
    const before = snapshot(k, p, a);
    const allocs = k.vm_events[HTLB_BUDDY_PGALLOC];
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(k.vm_events[HTLB_BUDDY_PGALLOC] - allocs).toBe(1);
    const after = snapshot(k, p, a);
    expect(outside(after.frames[0], head)).toBe(true);
    expect(after.tokens).toEqual(before.tokens);
    expect(after.flags).toEqual(before.flags);
    // The old page, temporary now, left the pool for the buddy allocator (and the range).
    expect(pool(k)).toEqual([1, 0, 0, 0]);
    expect(k.mem_map.flags[head] & (F(PG_hugetlb) | F(PG_head))).toBe(0);
    checkBuddy(k);
    checkMm(k);
    p.munmap(a, 2 * MiB);
    expect(pool(k)).toEqual([1, 1, 0, 0]);
    free_contig_range(k, head, pageblock_nr_pages);
    checkBuddy(k);
  });

  it("moves a shared page mapped by two processes: both PMDs and the hugetlbfs page cache slot follow", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "1");
    const p = spawnProcess(k, { comm: "huge" });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "shared|anonymous|hugetlb" });
    p.write(a, 4096);
    const c = p.fork();
    c.read(a, 4096);
    const head = p.pagemap(a, 1).frame[0];
    expect(c.pagemap(a, 1).frame[0]).toBe(head);
    expect(k.mem_map._refcount[head]).toBe(3); // two mappings and the page cache
    const before = snapshot(k, p, a);
    const cbefore = snapshot(k, c, a);
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    const after = snapshot(k, p, a);
    const nhead = after.frames[0];
    expect(outside(nhead, head)).toBe(true);
    expect(snapshot(k, c, a).frames[0]).toBe(nhead);
    expect(after.tokens).toEqual(before.tokens);
    expect(after.flags).toEqual(before.flags);
    expect(snapshot(k, c, a).flags).toEqual(cbefore.flags);
    expect(k.mem_map._refcount[nhead]).toBe(3);
    expect(pool(k)).toEqual([1, 0, 0, 0]);
    checkBuddy(k);
    checkMm(k);
    // The page cache holds the new page: the child's exit and the parent's munmap leave it
    // in the file until the last one goes, then it is free in the pool.
    c.exit();
    p.munmap(a, 2 * MiB);
    expect(pool(k)).toEqual([1, 1, 0, 0]);
    free_contig_range(k, head, pageblock_nr_pages);
    checkBuddy(k);
  });

  it("moves a private page shared after fork; copy-on-write still copies it afterwards", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "1");
    const p = spawnProcess(k, { comm: "huge" });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 2 * MiB);
    const c = p.fork();
    const head = p.pagemap(a, 1).frame[0];
    const before = snapshot(k, p, a);
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    const nhead = p.pagemap(a, 1).frame[0];
    expect(outside(nhead, head)).toBe(true);
    expect(c.pagemap(a, 1).frame[0]).toBe(nhead);
    expect(snapshot(k, c, a).tokens).toEqual(before.tokens);
    expect(k.mem_map._refcount[nhead]).toBe(2);
    checkMm(k);
    procWrite(k, "/proc/sys/vm/nr_hugepages", "2");
    // The child's write copies the shared page (hugetlb_wp): its own page, the parent's stays.
    c.write(a, 4096);
    const cframe = c.pagemap(a, 1).frame[0];
    expect(cframe).not.toBe(nhead);
    expect(p.pagemap(a, 1).frame[0]).toBe(nhead);
    expect(page_content(k.mem_map, cframe + 5)).toBe(before.tokens[5]);
    checkBuddy(k);
    checkMm(k);
  });

  it("a pinned page stays: -EBUSY, still mapped where it was, the pool as before", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "1");
    const p = spawnProcess(k, { comm: "huge" });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 4096);
    const head = p.pagemap(a, 1).frame[0];
    const before = snapshot(k, p, a);
    k.mem_map._refcount[head]++; // a pin (get_user_pages) the migration must not break
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-EBUSY);
    const after = snapshot(k, p, a);
    expect(after).toEqual(before);
    expect(pool(k)).toEqual([1, 0, 0, 0]);
    expect(k.page_zone(head)?.nr_isolate_pageblock).toBe(0);
    k.mem_map._refcount[head]--;
    checkBuddy(k);
    checkMm(k);
    // Unpinned, it moves.
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(0);
    expect(outside(p.pagemap(a, 1).frame[0], head)).toBe(true);
  });

  it("no target page anywhere: -ENOMEM, the page left in place", () => {
    const k = start_kernel({ memory: 256 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "1");
    const p = spawnProcess(k, { comm: "huge" });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 4096);
    const head = p.pagemap(a, 1).frame[0];
    const before = snapshot(k, p, a);
    // Every other order-9 block taken by the kernel, so no fresh huge page can be had.
    const taken: number[] = [];
    for (;;) {
      const pfn = __alloc_pages(k, GFP_KERNEL, pageblock_order, 0, null);
      if (pfn === NO_PFN) break;
      taken.push(pfn);
    }
    expect(alloc_contig_range(k, head, head + pageblock_nr_pages, MIGRATE_MOVABLE, GFP_KERNEL)).toBe(-ENOMEM);
    expect(snapshot(k, p, a)).toEqual(before);
    expect(pool(k)).toEqual([1, 0, 0, 0]);
    expect(k.page_zone(head)?.nr_isolate_pageblock).toBe(0);
    for (const pfn of taken) __free_pages(k, pfn, pageblock_order);
    checkBuddy(k);
    checkMm(k);
  });
});

describe("a runtime 1 GiB hugetlb page over THPs", () => {
  it("nr_hugepages=1 moves the THPs out of the second GiB whole (thp_migration_success) and takes it", { timeout: 120_000 }, () => {
    const G = 1024 * MiB;
    const k = start_kernel({ memory: 4 * G, gbpages: true });
    const D = "/sys/kernel/mm/hugepages/hugepages-1048576kB/";
    // THP "always" (a 4 GiB machine): a process writes 2.25 GiB of 2 MiB-aligned memory, all
    // THPs, which fill memory above 4 GiB and then reach down into the second GiB (the only
    // 1 GiB-aligned range that can be emptied, as in the test above).
    const p = spawnProcess(k, { comm: "thp" });
    const raw = p.mmap(2.25 * G + 2 * MiB, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    p.write(a, 2.25 * G);
    lru_add_drain(k);
    const n = (2.25 * G) / 4096;
    const frames = p.pagemap(a, n).frame;
    const inGiB1 = Array.from(frames).filter((f) => f >= 262144 && f < 524288).length;
    expect(inGiB1).toBeGreaterThan(100 * 512);
    const tokens = Array.from(frames, (f) => page_content(k.mem_map, f));
    const thps = k.vm_events[THP_MIGRATION_SUCCESS];
    const migrated = k.vm_events[PGMIGRATE_SUCCESS];
    procWrite(k, D + "nr_hugepages", "1");
    expect(procRead(k, D + "nr_hugepages")).toBe("1\n");
    const moved = k.vm_events[THP_MIGRATION_SUCCESS] - thps;
    expect(moved * 512).toBe(inGiB1);
    expect(k.vm_events[PGMIGRATE_SUCCESS] - migrated).toBe(inGiB1);
    const after = p.pagemap(a, n).frame;
    let left = 0;
    let lost = 0;
    for (let i = 0; i < n; i++) {
      if (after[i] >= 262144 && after[i] < 524288) left++;
      if (page_content(k.mem_map, after[i]) !== tokens[i]) lost++;
    }
    expect([left, lost]).toEqual([0, 0]);
    expect(meminfoKb(k, "AnonHugePages")).toBe(2.25 * 1024 * 1024);
    checkBuddy(k);
    checkMm(k);
    checkLru(k);
  });
});
