/**
 * memory.ts's less travelled paths, each held to the 6.1 code it models (mm/memory.c):
 * do_swap_page (swap-cache hit against a major fault, folio_lock_or_retry's VM_FAULT_RETRY,
 * should_try_to_free_swap's four reasons, exclusive and shared swap PTEs, soft-dirty, the rss
 * counters), do_wp_page's reuse and copy decisions, the file fault paths (do_fault_around's
 * window, do_read_fault, do_cow_fault, do_shared_fault, wp_page_shared), zap_pte_range's
 * counters and the dirty and accessed bits it hands to file pages, and copy_page_range's
 * vma_needs_copy. Written for issue 12's mutation score (docs/architecture.md, "Mutation
 * testing"); each test builds its own small machine inside `it` (so Stryker sees its work) and
 * calls handle_mm_fault directly where the fault flags matter. Expected values come from the 6.1
 * function named beside them, never from running the model.
 */
import { describe, expect, it } from "vitest";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SWP_SOFT_DIRTY,
  _PAGE_USER,
  pte_index,
  pte_table_lookup,
  swp_entry_flags,
} from "../arch/x86/pgtable.js";
import { taskOf } from "../api/internals.js";
import { fget } from "../fs/file_table.js";
import { procWrite } from "../fs/proc/root.js";
import { xa_load_folio } from "../lib/xarray.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { checkMm } from "../sim/invariants/mm.js";
import { ext2FileSetup } from "./filemap.testutil.js";
import { fault, swapSetup } from "./memory.testutil.js";
import { spawnProcess, type Process } from "../sim/process.js";
import { F, page_content, PG_active, PG_anon_exclusive, PG_dirty, PG_locked, PG_mlocked, PG_referenced, PG_swapcache, PG_uptodate, PG_writeback } from "./memmap.js";
import {
  FAULT_FLAG_ALLOW_RETRY,
  FAULT_FLAG_KILLABLE,
  FAULT_FLAG_TRIED,
  FAULT_FLAG_USER,
  FAULT_FLAG_WRITE,
  follow_pte,
  handle_mm_fault,
  VM_FAULT_ERROR,
  VM_FAULT_MAJOR,
  VM_FAULT_NOPAGE,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  VM_FAULT_WRITE,
} from "./memory.js";
import { find_vma } from "./mmap.js";
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS } from "./mm_types.js";
import { PageAnonExclusive } from "./rmap.js";
import { lru_add_drain } from "./swap.js";
import { lookup_swap_cache_pfn } from "./swap_state.js";
import { swp_swapcount, SWP_STABLE_WRITES, vm_swap_full } from "./swapfile.js";
import { evict, pageOut, unmapToSwap } from "./swapfile.testutil.js";
import { pte_to_swp_entry } from "./swapops.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_FILE_DIRTY, PGFAULT, PGMAJFAULT, PGREUSE } from "./vmstat_items.js";

const MiB = 1 << 20;
const PAGE = 4096;
/** What arch/x86/fault.ts passes for a user read: do_user_addr_fault's first attempt. */
const USER = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
/** x86's PAGE_COPY_NOEXEC, the vm_page_prot of a private read-write mapping: no _PAGE_RW (CoW). */
const PAGE_COPY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;



/** The swap entry a swap PTE at `addr` holds (the PTE must not be present). */
function swapEntryAt(k: Kernel, p: Process, addr: number): number {
  const pte = follow_pte(k, taskOf(p).mm!, addr)!;
  expect(pte.flags & _PAGE_PRESENT).toBe(0);
  return pte_to_swp_entry(pte.flags, pte.pfn);
}

/** The page-table entry index of `addr` in `p`. */
function pteSlot(k: Kernel, p: Process, addr: number): number {
  const t = pte_table_lookup(k, taskOf(p).mm!.pgd, addr);
  return t * 512 + pte_index(addr);
}

const has = (k: Kernel, pfn: number, bit: number): boolean => (k.mem_map.flags[pfn] & F(bit)) !== 0;

describe("do_swap_page: the swap-in, its retry and its accounting", () => {
  it("a swap-cache miss is a major fault; with FAULT_FLAG_ALLOW_RETRY alone it waits and returns VM_FAULT_RETRY, leaving the PTE", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const t = taskOf(p);
    const mm = t.mm!;
    const entry = evict(k, pfns[0]);
    const pte0 = follow_pte(k, mm, a)!;
    const maj0 = k.vm_events[PGMAJFAULT];
    const [tmaj0, tmin0] = [t.maj_flt, t.min_flt];
    // do_swap_page: swapin_readahead read it → ret = VM_FAULT_MAJOR, PGMAJFAULT; then
    // folio_lock_or_retry on a first attempt that may retry (fault_flag_allow_retry_first) waits
    // for the read and returns false → ret |= VM_FAULT_RETRY, out_release puts the lookup's page.
    expect(fault(k, p, a, USER)).toBe(VM_FAULT_MAJOR | VM_FAULT_RETRY);
    expect(k.vm_events[PGMAJFAULT] - maj0).toBe(1);
    // mm_account_fault: nothing for a fault that must retry.
    expect([t.maj_flt - tmaj0, t.min_flt - tmin0]).toEqual([0, 0]);
    expect(follow_pte(k, mm, a)).toEqual(pte0);
    expect(mm.rss_stat[MM_SWAPENTS]).toBe(1);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(0);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(page).toBeGreaterThanOrEqual(0);
    expect(has(k, page, PG_locked)).toBe(false); // the read completed while the task waited
    // Once the LRU batch lets go, the swap cache's reference is the only one left: the retry
    // path put the lookup's.
    lru_add_drain(k);
    expect(k.mem_map._refcount[page]).toBe(1);
    // The retry (FAULT_FLAG_TRIED): a swap-cache hit, no PGMAJFAULT and no VM_FAULT_MAJOR, but
    // mm_account_fault counts a fault with FAULT_FLAG_TRIED as major.
    expect(fault(k, p, a, USER | FAULT_FLAG_TRIED)).toBe(0);
    expect(k.vm_events[PGMAJFAULT] - maj0).toBe(1);
    expect([t.maj_flt - tmaj0, t.min_flt - tmin0]).toEqual([1, 0]);
    // A read fault: mk_pte(page, vm_page_prot), read-only though the entry was exclusive
    // (maybe_mkwrite only for FAULT_FLAG_WRITE); RMAP_EXCLUSIVE from pte_swp_exclusive.
    const pte = follow_pte(k, mm, a)!;
    expect(pte.pfn).toBe(page);
    expect(pte.flags >>> 0).toBe(PAGE_COPY >>> 0);
    expect(PageAnonExclusive(k, page)).toBe(true);
    expect([mm.rss_stat[MM_SWAPENTS], mm.rss_stat[MM_ANONPAGES]]).toEqual([0, 1]);
    // swap_free dropped the PTE's count; should_try_to_free_swap said no (a read, swap nearly
    // empty, nothing mlocked): the page stays in the swap cache, the slot held by the cache.
    expect(swp_swapcount(k, entry)).toBe(0);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
    expect(has(k, page, PG_locked)).toBe(false);
    // A write now: do_wp_page finds PageAnonExclusive → wp_page_reuse (PGREUSE), same page; the
    // reuse path does not touch the swap cache.
    const reuse0 = k.vm_events[PGREUSE];
    expect(fault(k, p, a, USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    const w = follow_pte(k, mm, a)!;
    expect(w.pfn).toBe(page);
    expect(w.flags & (_PAGE_RW | _PAGE_DIRTY | _PAGE_SOFT_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY | _PAGE_SOFT_DIRTY);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
    check();
  });

  it("takes the lock and maps at once without FAULT_FLAG_ALLOW_RETRY, or with FAULT_FLAG_TRIED", () => {
    for (const flags of [FAULT_FLAG_USER, USER | FAULT_FLAG_TRIED]) {
      const { k, p, a, pfns, check } = swapSetup(1);
      const t = taskOf(p);
      const entry = evict(k, pfns[0]);
      const maj0 = k.vm_events[PGMAJFAULT];
      const [tmaj0, tmin0] = [t.maj_flt, t.min_flt];
      // __folio_lock_or_retry: not a first retryable attempt → __folio_lock (waits), true.
      expect(fault(k, p, a, flags)).toBe(VM_FAULT_MAJOR);
      expect(k.vm_events[PGMAJFAULT] - maj0).toBe(1);
      expect([t.maj_flt - tmaj0, t.min_flt - tmin0]).toEqual([1, 0]);
      const page = lookup_swap_cache_pfn(k, entry);
      expect(follow_pte(k, t.mm!, a)!.pfn).toBe(page);
      expect(has(k, page, PG_locked)).toBe(false);
      check();
    }
  });

  it("a page locked by someone else: VM_FAULT_RETRY on a first attempt, no PGMAJFAULT for a cache hit", () => {
    const { k, p, a, pfns } = swapSetup(1);
    const t = taskOf(p);
    const entry = evict(k, pfns[0]);
    expect(fault(k, p, a, USER)).toBe(VM_FAULT_MAJOR | VM_FAULT_RETRY);
    const page = lookup_swap_cache_pfn(k, entry);
    // Another task holds the page lock (no I/O to wait for): a first attempt retries.
    k.mem_map.flags[page] |= F(PG_locked);
    const maj0 = k.vm_events[PGMAJFAULT];
    expect(fault(k, p, a, USER)).toBe(VM_FAULT_RETRY);
    expect(k.vm_events[PGMAJFAULT]).toBe(maj0);
    expect(follow_pte(k, t.mm!, a)!.flags & _PAGE_PRESENT).toBe(0);
    expect(has(k, page, PG_locked)).toBe(true); // not ours to unlock
    k.mem_map.flags[page] &= ~F(PG_locked);
    expect(fault(k, p, a, USER | FAULT_FLAG_TRIED)).toBe(0);
    expect(has(k, page, PG_locked)).toBe(false);
  });

  it("carries the swap PTE's soft-dirty bit into the present PTE, and only then", () => {
    for (const soft of [false, true]) {
      const { k, p, a, pfns } = swapSetup(1);
      evict(k, pfns[0]);
      const i = pteSlot(k, p, a);
      // try_to_unmap_one keeps pte_soft_dirty as pte_swp_mksoft_dirty (the test helper does not).
      if (soft) k.pgtables.ent_flags[i] |= _PAGE_SWP_SOFT_DIRTY;
      fault(k, p, a, FAULT_FLAG_USER);
      const f = follow_pte(k, taskOf(p).mm!, a)!.flags;
      // do_swap_page: `if (pte_swp_soft_dirty(vmf->orig_pte)) pte = pte_mksoft_dirty(pte);`
      expect(f & _PAGE_SOFT_DIRTY).toBe(soft ? _PAGE_SOFT_DIRTY : 0);
      expect(f & _PAGE_RW).toBe(0);
    }
  });

  it("a write fault on an exclusive entry maps writable and dirty at once; without VM_WRITE (FOLL_FORCE) dirty but read-only", () => {
    for (const writable of [true, false]) {
      const { k, p, a, pfns, check } = swapSetup(2);
      const t = taskOf(p);
      const entry = evict(k, pfns[0]);
      if (!writable) p.mprotect(a, 2 * PAGE, "r");
      const reuse0 = k.vm_events[PGREUSE];
      // exclusive: pte = maybe_mkwrite(pte_mkdirty(pte)), FAULT_FLAG_WRITE cleared, VM_FAULT_WRITE;
      // no do_wp_page after it, so no PGREUSE.
      expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_MAJOR | VM_FAULT_WRITE);
      expect(k.vm_events[PGREUSE]).toBe(reuse0);
      const pte = follow_pte(k, t.mm!, a)!;
      expect(pte.flags & (_PAGE_DIRTY | _PAGE_SOFT_DIRTY)).toBe(_PAGE_DIRTY | _PAGE_SOFT_DIRTY);
      expect(pte.flags & _PAGE_RW).toBe(writable ? _PAGE_RW : 0);
      // should_try_to_free_swap: a write with folio_ref_count == 2 (the cache's and ours, the LRU
      // batch drained first) → folio_free_swap: the slot is free, the page out of the cache.
      expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
      expect(has(k, pte.pfn, PG_swapcache)).toBe(false);
      expect(k.nr_swap_pages).toBe(k.total_swap_pages);
      expect(PageAnonExclusive(k, pte.pfn)).toBe(true);
      check();
    }
  });

  it("a write fault on an entry shared with a child maps the page read-only, then copies it (do_wp_page)", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    expect(swp_swapcount(k, entry)).toBe(2);
    const reuse0 = k.vm_events[PGREUSE];
    // Not exclusive (fork cleared the bit); refcount 2, so should_try_to_free_swap tries, but
    // folio_free_swap refuses (the child's PTE still holds the entry). The page is mapped
    // read-only and not exclusive, and the write goes on to do_wp_page, which copies (the swap
    // cache's reference is in the way of reuse): `ret |= do_wp_page(vmf)`.
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_MAJOR | VM_FAULT_WRITE);
    const cached = lookup_swap_cache_pfn(k, entry);
    expect(cached).toBeGreaterThanOrEqual(0);
    const pte = follow_pte(k, taskOf(p).mm!, a)!;
    expect(pte.pfn).not.toBe(cached);
    expect(pte.flags & _PAGE_RW).toBe(_PAGE_RW);
    expect(k.vm_events[PGREUSE]).toBe(reuse0);
    expect(k.mem_map.mapcount[cached]).toBe(0);
    expect(swp_swapcount(k, entry)).toBe(1);
    expect([taskOf(p).mm!.rss_stat[MM_ANONPAGES], taskOf(p).mm!.rss_stat[MM_SWAPENTS]]).toEqual([1, 0]);
    expect([taskOf(c).mm!.rss_stat[MM_ANONPAGES], taskOf(c).mm!.rss_stat[MM_SWAPENTS]]).toEqual([0, 1]);
    check();
    // The child's read finds the page in the cache: a minor fault, mapped read-only, not exclusive
    // (refcount: the cache's, the lookup's), and the page stays in the cache.
    const maj0 = k.vm_events[PGMAJFAULT];
    expect(fault(k, c, a, FAULT_FLAG_USER)).toBe(0);
    expect(k.vm_events[PGMAJFAULT]).toBe(maj0);
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(cached);
    expect(PageAnonExclusive(k, cached)).toBe(false);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(cached);
    check();
  });

  it("should_try_to_free_swap, write with refcount 2: a shared-looking entry left with one user is mapped writable at once", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    c.exit();
    // The child's PTE is gone: the entry's count is 1 again, but the parent's PTE lost
    // _PAGE_SWP_EXCLUSIVE at fork.
    expect(swp_swapcount(k, entry)).toBe(1);
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & 0x80).toBe(0);
    const reuse0 = k.vm_events[PGREUSE];
    // swap_free → count 0; should_try_to_free_swap: FAULT_FLAG_WRITE and folio_ref_count == 2
    // → folio_free_swap succeeds, refcount 1, so `exclusive || folio_ref_count == 1` maps it
    // writable here, without do_wp_page (no PGREUSE).
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_MAJOR | VM_FAULT_WRITE);
    expect(k.vm_events[PGREUSE]).toBe(reuse0);
    const pte = follow_pte(k, taskOf(p).mm!, a)!;
    expect(pte.flags & _PAGE_RW).toBe(_PAGE_RW);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
    expect(PageAnonExclusive(k, pte.pfn)).toBe(true);
    expect(k.mem_map._refcount[pte.pfn]).toBe(1);
    check();
  });

  it("should_try_to_free_swap, vm_swap_full: a read fault frees the slot once swap is more than half used", () => {
    // 16 pages of swap: slot 0 is the header, 15 usable. vm_swap_full: nr_swap_pages * 2 <
    // total_swap_pages.
    for (const [evicted, full] of [
      [7, false], // 8 free: 16 < 15 is false
      [8, true], // 7 free: 14 < 15
    ] as const) {
      const { k, p, a, pfns, check } = swapSetup(8, 16 * PAGE);
      expect(k.total_swap_pages).toBe(15);
      const entries = pfns.slice(0, evicted).map((x) => evict(k, x));
      expect(vm_swap_full(k)).toBe(full);
      // Without readahead's other pages in the way: the last evicted page, read on a first try.
      const addr = a + (evicted - 1) * PAGE;
      const e = entries[evicted - 1];
      fault(k, p, addr, FAULT_FLAG_USER);
      const pfn = follow_pte(k, taskOf(p).mm!, addr)!.pfn;
      expect(has(k, pfn, PG_swapcache)).toBe(!full);
      expect(lookup_swap_cache_pfn(k, e)).toBe(full ? -1 : pfn);
      check();
    }
  });

  it("should_try_to_free_swap, VM_LOCKED and PG_mlocked: a read fault frees the slot", () => {
    // A VMA locked on fault (mlock2 MLOCK_ONFAULT: no swap-in now): the read fault frees the slot.
    {
      const { k, p, a, pfns, check } = swapSetup(1);
      const entry = evict(k, pfns[0]);
      p.mlock(a, PAGE, { onFault: true });
      fault(k, p, a, FAULT_FLAG_USER);
      expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
      check();
    }
    // The parent's locked mapping mlocks the page (while the child's swap PTE keeps the slot);
    // the child's read of its unlocked mapping then finds folio_test_mlocked and frees the slot.
    {
      const { k, p, a, pfns, check } = swapSetup(1);
      const entry = evict(k, pfns[0]);
      const c = p.fork();
      p.mlock(a, PAGE, { onFault: true });
      p.read(a, PAGE);
      const page = lookup_swap_cache_pfn(k, entry);
      expect(page).toBeGreaterThanOrEqual(0); // folio_free_swap refused: the child holds the entry
      expect(has(k, page, PG_mlocked)).toBe(true);
      expect(fault(k, c, a, FAULT_FLAG_USER)).toBe(0);
      expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(page);
      expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
      expect(has(k, page, PG_swapcache)).toBe(false);
      check();
    }
    // The control: neither locked, the child's read leaves the page in the cache.
    {
      const { k, p, a, pfns } = swapSetup(1);
      const entry = evict(k, pfns[0]);
      const c = p.fork();
      p.read(a, PAGE);
      fault(k, c, a, FAULT_FLAG_USER);
      expect(lookup_swap_cache_pfn(k, entry)).toBeGreaterThanOrEqual(0);
    }
  });

  it("SWP_STABLE_WRITES: an exclusive entry whose page is still under writeback is not mapped writable", () => {
    for (const stable of [false, true]) {
      const { k, p, a, pfns } = swapSetup(1);
      const pfn = pfns[0];
      // Unmapped and being written (pageout), not yet freed: the fault finds it in the cache.
      const entry = unmapToSwap(k, pfn);
      pageOut(k, pfn);
      expect(has(k, pfn, PG_writeback)).toBe(true);
      if (stable) k.swap.swap_info[0]!.flags |= SWP_STABLE_WRITES;
      const reuse0 = k.vm_events[PGREUSE];
      expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE) & VM_FAULT_WRITE).toBe(VM_FAULT_WRITE);
      const pte = follow_pte(k, taskOf(p).mm!, a)!;
      expect(pte.flags & _PAGE_RW).toBe(_PAGE_RW);
      // Without stable writes the exclusive entry maps the page itself writable. With them,
      // exclusive = false; folio_free_swap refuses a page under writeback, so the refcount stays
      // 2 and do_wp_page copies it (its folio_free_swap refuses too).
      expect(pte.pfn === pfn).toBe(!stable);
      expect(k.vm_events[PGREUSE]).toBe(reuse0);
      expect(lookup_swap_cache_pfn(k, entry)).toBe(pfn);
    }
  });

  it("a page that is not uptodate (a failed read) is SIGBUS, and the PTE and counters stay", () => {
    const { k, p, a, pfns } = swapSetup(1);
    const mm = taskOf(p).mm!;
    const entry = evict(k, pfns[0]);
    expect(fault(k, p, a, USER)).toBe(VM_FAULT_MAJOR | VM_FAULT_RETRY);
    const page = lookup_swap_cache_pfn(k, entry);
    // end_swap_bio_read on an I/O error leaves the folio !uptodate.
    k.mem_map.flags[page] &= ~F(PG_uptodate);
    lru_add_drain(k);
    const ref = k.mem_map._refcount[page];
    const pte0 = follow_pte(k, mm, a)!;
    expect(fault(k, p, a, USER | FAULT_FLAG_TRIED)).toBe(VM_FAULT_SIGBUS);
    expect(follow_pte(k, mm, a)).toEqual(pte0);
    expect([mm.rss_stat[MM_SWAPENTS], mm.rss_stat[MM_ANONPAGES]]).toEqual([1, 0]);
    expect(has(k, page, PG_locked)).toBe(false);
    expect(k.mem_map._refcount[page]).toBe(ref);
    expect(swp_swapcount(k, entry)).toBe(1);
  });

  it("an entry of no swap area is SIGBUS; an exclusive anonymous page under a swap PTE is a KernelBug", () => {
    const { k, p, a, pfns } = swapSetup(2);
    const i = pteSlot(k, p, a + PAGE);
    const f0 = k.pgtables.ent_flags[i];
    const p0 = k.pgtables.ent_pfn[i];
    // Type 5: no area (get_swap_device fails).
    k.pgtables.ent_flags[i] = swp_entry_flags(5);
    k.pgtables.ent_pfn[i] = 1;
    expect(fault(k, p, a + PAGE, FAULT_FLAG_USER)).toBe(VM_FAULT_SIGBUS);
    k.pgtables.ent_flags[i] = f0;
    k.pgtables.ent_pfn[i] = p0;
    // BUG_ON(folio_test_anon(folio) && PageAnonExclusive(page)): the parent mapped the page
    // (not exclusive: the child shares the entry); mark it exclusive by hand.
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    p.read(a, PAGE);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(swapEntryAt(k, c, a)).toBe(entry);
    k.mem_map.flags[page] |= F(PG_anon_exclusive);
    expect(() => fault(k, c, a, FAULT_FLAG_USER)).toThrow(KernelBug);
  });
});

// ---------------------------------------------------------------------------------------------
// File mappings
// ---------------------------------------------------------------------------------------------

/** A PTE-table-aligned address (2 MiB: pte_index 0) well away from everything else. */
const X = 0x4000_0000;

/** A machine with an ext2 disk holding /mnt/d/f (1 MiB, 256 pages), opened read-write. */
const fileSetup = () => ext2FileSetup();

/** Reads the first `pages` pages of the file through the descriptor: they are cached, uptodate. */
function cache(p: Process, fd: number, pages: number): void {
  p.pread(fd, pages * PAGE, 0);
}

/** Which of `n` pages from `base` have a present PTE. */
function presentPages(k: Kernel, p: Process, base: number, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    const pte = follow_pte(k, taskOf(p).mm!, base + j * PAGE);
    if (pte !== null && (pte.flags & _PAGE_PRESENT) !== 0) out.push(j);
  }
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, j) => from + j);

describe("do_read_fault and do_fault_around", () => {
  it("maps the aligned fault_around_bytes window (16 pages) of cached pages around a read fault", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 256);
    const a = p.mmap(64 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X });
    expect(a).toBe(X);
    const maj0 = k.vm_events[PGMAJFAULT];
    // do_fault_around: address & ~(16 * 4096 - 1) = X + 16 pages; pgoff 20 - 4 = 16 to 31.
    // filemap_map_pages mapped the faulting page: VM_FAULT_NOPAGE, no ->fault.
    expect(fault(k, p, X + 20 * PAGE, USER)).toBe(VM_FAULT_NOPAGE);
    expect(presentPages(k, p, X, 64)).toEqual(range(16, 32));
    expect(taskOf(p).mm!.rss_stat[MM_FILEPAGES]).toBe(16);
    expect(k.vm_events[PGMAJFAULT]).toBe(maj0);
    // Read-only, young (x86 maps prefaulted PTEs young), clean: the VMA's vm_page_prot.
    expect(follow_pte(k, taskOf(p).mm!, X + 31 * PAGE)!.flags >>> 0).toBe(PAGE_COPY >>> 0);
    checkMm(k);
  });

  it("starts the window at an unaligned vm_start and still takes 16 pages from there", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 256);
    // The VMA starts 3 pages into the aligned block: address = max(X, X + 3 pages), off = 2,
    // start_pgoff = 2 - 2 = 0, end_pgoff = min(0 - 3 + 511, 32 - 1, 0 + 15) = 15.
    p.mmap(32 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X + 3 * PAGE });
    fault(k, p, X + 5 * PAGE, USER);
    expect(presentPages(k, p, X + 3 * PAGE, 32)).toEqual(range(0, 16));
    expect(follow_pte(k, taskOf(p).mm!, X + 3 * PAGE)!.pfn).toBe(lookupPage(k, p, fd, 0));
    checkMm(k);
  });

  it("clips the window to the end of the VMA and to the end of the PTE table", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 256);
    // A 4-page VMA: end_pgoff = min(511, 4 + 0 - 1, 15) = 3.
    p.mmap(4 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X });
    fault(k, p, X + PAGE, USER);
    expect(presentPages(k, p, X, 4)).toEqual([0, 1, 2, 3]);
    // A VMA from pte_index 500 across the table's end: address = X + 500 pages (vm_start beats
    // the aligned X + 496), off = 5, start_pgoff 0, end_pgoff = 0 - 500 + 511 = 11: pages 500-511
    // of the table, none past it.
    const b = X + 4 * MiB;
    p.mmap(64 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: b + 500 * PAGE });
    fault(k, p, b + 505 * PAGE, USER);
    expect(presentPages(k, p, b + 500 * PAGE, 64)).toEqual(range(0, 12));
    // pgoff of the VMA counts: offset 8 pages, the same fault maps file pages 8..19.
    const c = X + 8 * MiB;
    p.mmap(16 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: c, offset: 8 * PAGE });
    fault(k, p, c + 2 * PAGE, USER);
    expect(presentPages(k, p, c, 16)).toEqual(range(0, 16));
    expect(follow_pte(k, taskOf(p).mm!, c)!.pfn).toBe(lookupPage(k, p, fd, 8));
    expect(follow_pte(k, taskOf(p).mm!, c + 15 * PAGE)!.pfn).toBe(lookupPage(k, p, fd, 23));
    checkMm(k);
  });

  it("reads a page that is not cached with ->fault (a major fault) and maps only it", () => {
    const { k, p, fd } = fileSetup();
    p.mmap(256 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X });
    const maj0 = k.vm_events[PGMAJFAULT];
    const t = taskOf(p);
    const tmaj0 = t.maj_flt;
    // Nothing cached: do_fault_around maps nothing (ret 0), so __do_fault → filemap_fault reads
    // page 200 (PGMAJFAULT, VM_FAULT_MAJOR, its read-around cached but not mapped) and
    // finish_fault maps it alone. No FAULT_FLAG_ALLOW_RETRY: filemap_fault waits for the read.
    const ret = fault(k, p, X + 200 * PAGE, FAULT_FLAG_USER);
    expect(ret & (VM_FAULT_MAJOR | VM_FAULT_ERROR | VM_FAULT_RETRY)).toBe(VM_FAULT_MAJOR);
    expect(k.vm_events[PGMAJFAULT] - maj0).toBe(1);
    expect(t.maj_flt - tmaj0).toBe(1);
    expect(presentPages(k, p, X, 256)).toEqual([200]);
    expect(t.mm!.rss_stat[MM_FILEPAGES]).toBe(1);
    const page = lookupPage(k, p, fd, 200);
    expect(follow_pte(k, t.mm!, X + 200 * PAGE)!.pfn).toBe(page);
    expect(k.mem_map.mapcount[page]).toBe(1);
    expect(lookupPage(k, p, fd, 201)).toBeGreaterThanOrEqual(0); // read around, not mapped
    checkMm(k);
  });
});

/** The page cache page of the file behind `fd` at `index` (NO_PFN if none). */
function lookupPage(k: Kernel, p: Process, fd: number, index: number): number {
  const f = fget(taskOf(p), fd);
  if (f === null) throw new Error("no file");
  return xa_load_folio(f.f_mapping.i_pages, index);
}

describe("do_cow_fault, do_shared_fault and wp_page_shared", () => {
  it("a private write copies the file page into a new anonymous page; the page cache page stays unmapped", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 1);
    const t = taskOf(p);
    p.mmap(4 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    const file = lookupPage(k, p, fd, 0);
    const ref = k.mem_map._refcount[file];
    expect(fault(k, p, X, USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    const pte = follow_pte(k, t.mm!, X)!;
    expect(pte.pfn).not.toBe(file);
    expect(pte.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(page_content(k.mem_map, pte.pfn)).toBe(page_content(k.mem_map, file));
    expect([t.mm!.rss_stat[MM_ANONPAGES], t.mm!.rss_stat[MM_FILEPAGES]]).toEqual([1, 0]);
    expect(k.mem_map.mapcount[file]).toBe(0);
    // ->fault's reference went back (do_cow_fault's put_page(vmf->page)).
    expect(k.mem_map._refcount[file]).toBe(ref);
    expect(find_vma(t.mm!, X)!.anon_vma).not.toBeNull();
    expect(has(k, file, PG_dirty)).toBe(false);
    checkMm(k);
  });

  it("a private write to a mapped file page copies it (wp_page_copy): MM_FILEPAGES becomes MM_ANONPAGES", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 1);
    const t = taskOf(p);
    p.mmap(PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    fault(k, p, X, USER);
    const file = lookupPage(k, p, fd, 0);
    expect(follow_pte(k, t.mm!, X)!.pfn).toBe(file);
    expect(t.mm!.rss_stat[MM_FILEPAGES]).toBe(1);
    const reuse0 = k.vm_events[PGREUSE];
    expect(fault(k, p, X, USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    const pte = follow_pte(k, t.mm!, X)!;
    expect(pte.pfn).not.toBe(file);
    expect([t.mm!.rss_stat[MM_ANONPAGES], t.mm!.rss_stat[MM_FILEPAGES]]).toEqual([1, 0]);
    expect(k.mem_map.mapcount[file]).toBe(0);
    expect(page_content(k.mem_map, pte.pfn)).toBe(page_content(k.mem_map, file));
    expect(k.vm_events[PGREUSE]).toBe(reuse0);
    checkMm(k);
  });

  it("a shared write maps the page cache page writable and dirties it through page_mkwrite", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 1);
    const t = taskOf(p);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    const file = lookupPage(k, p, fd, 0);
    const dirty0 = global_node_page_state(k, NR_FILE_DIRTY);
    expect(fault(k, p, X, USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    const pte = follow_pte(k, t.mm!, X)!;
    expect(pte.pfn).toBe(file);
    expect(pte.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(has(k, file, PG_dirty)).toBe(true);
    expect(global_node_page_state(k, NR_FILE_DIRTY) - dirty0).toBe(1);
    expect([t.mm!.rss_stat[MM_ANONPAGES], t.mm!.rss_stat[MM_FILEPAGES]]).toEqual([0, 1]);
    expect(k.mem_map.mapcount[file]).toBe(1);
    checkMm(k);
  });

  it("after writeback write-protected the PTE (folio_mkclean), the next write goes through wp_page_shared", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 1);
    const t = taskOf(p);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    fault(k, p, X, USER | FAULT_FLAG_WRITE);
    const file = lookupPage(k, p, fd, 0);
    // fsync: writeback's folio_clear_dirty_for_io → folio_mkclean write-protects and cleans the PTE.
    p.fsync(fd);
    expect(follow_pte(k, t.mm!, X)!.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(0);
    expect(has(k, file, PG_dirty)).toBe(false);
    const reuse0 = k.vm_events[PGREUSE];
    const dirty0 = global_node_page_state(k, NR_FILE_DIRTY);
    // do_wp_page: not anonymous, VM_WRITE|VM_SHARED → wp_page_shared: do_page_mkwrite, then
    // wp_page_reuse (PGREUSE) and fault_dirty_shared_page; VM_FAULT_WRITE.
    expect(fault(k, p, X, USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    const pte = follow_pte(k, t.mm!, X)!;
    expect(pte.pfn).toBe(file);
    expect(pte.flags & (_PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED)).toBe(_PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(has(k, file, PG_dirty)).toBe(true);
    expect(global_node_page_state(k, NR_FILE_DIRTY) - dirty0).toBe(1);
    expect([t.mm!.rss_stat[MM_ANONPAGES], t.mm!.rss_stat[MM_FILEPAGES]]).toEqual([0, 1]);
    checkMm(k);
  });

  it("shmem: a shared write fault dirties the page without page_mkwrite; MM_SHMEMPAGES counts it", () => {
    const { k, p } = fileSetup();
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.ftruncate(fd, 4 * PAGE);
    const t = taskOf(p);
    p.mmap(4 * PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    expect(fault(k, p, X, USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    const pte = follow_pte(k, t.mm!, X)!;
    expect(pte.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(has(k, pte.pfn, PG_dirty)).toBe(true);
    expect([t.mm!.rss_stat[MM_SHMEMPAGES], t.mm!.rss_stat[MM_FILEPAGES], t.mm!.rss_stat[MM_ANONPAGES]]).toEqual([1, 0, 0]);
    // A read fault on another page: shmem has no write-notify, so the PTE is writable at once,
    // and clean; the page is not dirty.
    fault(k, p, X + PAGE, USER);
    const r = follow_pte(k, t.mm!, X + PAGE)!;
    expect(r.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW);
    expect(has(k, r.pfn, PG_dirty)).toBe(false);
    checkMm(k);
    // The CPU writes through the writable PTE (no fault: the MMU sets _PAGE_DIRTY); zap_pte_range
    // then hands the PTE's dirty bit to the page (set_page_dirty) as it unmaps it.
    p.write(X + PAGE, PAGE);
    expect(has(k, r.pfn, PG_dirty)).toBe(false);
    p.munmap(X, 4 * PAGE);
    expect(has(k, r.pfn, PG_dirty)).toBe(true);
    expect(t.mm!.rss_stat[MM_SHMEMPAGES]).toBe(0);
  });
});

describe("do_wp_page on anonymous pages: reuse or copy", () => {
  it("reuses a page whose only other reference is the swap cache: folio_free_swap, page_move_anon_rmap, PGREUSE", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    p.fork().exit();
    // The parent's read: not exclusive (fork cleared the entry's bit), the page stays in the cache.
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(page);
    expect(PageAnonExclusive(k, page)).toBe(false);
    const reuse0 = k.vm_events[PGREUSE];
    // do_wp_page: refcount ≤ 3; lru_add_drain (the page sits in an LRU batch); refcount 2 ≤ 1 +
    // folio_test_swapcache; trylock; folio_free_swap; refcount 1 → reuse.
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(page);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(PageAnonExclusive(k, page)).toBe(true);
    expect(has(k, page, PG_swapcache)).toBe(false);
    expect(k.nr_swap_pages).toBe(k.total_swap_pages);
    check();
  });

  it("copies instead when the page is held by someone else, or locked (folio_trylock fails)", () => {
    // Held: after the child's exit the parent's page has one mapping and one reference, and is
    // not exclusive (fork's page_try_dup_anon_rmap cleared it); one more reference (a GUP pin's)
    // makes folio_ref_count 2 > 1 + 0 → copy.
    {
      const { k, p, a, pfns } = swapSetup(1);
      const page = pfns[0];
      p.fork().exit();
      expect(PageAnonExclusive(k, page)).toBe(false);
      expect(k.mem_map._refcount[page]).toBe(1);
      k.mem_map._refcount[page]++;
      const reuse0 = k.vm_events[PGREUSE];
      expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
      const pte = follow_pte(k, taskOf(p).mm!, a)!;
      expect(pte.pfn).not.toBe(page);
      expect(page_content(k.mem_map, pte.pfn)).toBe(page_content(k.mem_map, page));
      expect(k.vm_events[PGREUSE]).toBe(reuse0);
      expect(k.mem_map.mapcount[page]).toBe(0);
      expect(k.mem_map._refcount[page]).toBe(1); // only the extra reference is left
      expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(1);
    }
    // Locked: the swap-cache case of the previous test, with the folio lock held elsewhere.
    {
      const { k, p, a, pfns, check } = swapSetup(1);
      const entry = evict(k, pfns[0]);
      p.fork().exit();
      fault(k, p, a, FAULT_FLAG_USER);
      const page = lookup_swap_cache_pfn(k, entry);
      k.mem_map.flags[page] |= F(PG_locked);
      const reuse0 = k.vm_events[PGREUSE];
      expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
      k.mem_map.flags[page] &= ~F(PG_locked);
      const pte = follow_pte(k, taskOf(p).mm!, a)!;
      expect(pte.pfn).not.toBe(page);
      expect(k.vm_events[PGREUSE]).toBe(reuse0);
      // folio_free_swap was not reached: the page and its slot stay in the swap cache.
      expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
      expect(k.mem_map.mapcount[page]).toBe(0);
      check();
    }
  });

  it("reuses a page left with one reference after fork; a zero-page PTE is copied into a zeroed page", () => {
    const { k, p, a, pfns, check } = swapSetup(2);
    const page = pfns[0];
    p.fork().exit();
    const reuse0 = k.vm_events[PGREUSE];
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(page);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(PageAnonExclusive(k, page)).toBe(true);
    // The zero page: vm_normal_page is NULL, a private mapping → wp_page_copy of a zeroed page.
    const b = p.mmap(PAGE, { prot: "rw", flags: "private|anonymous" });
    fault(k, p, b, FAULT_FLAG_USER);
    const zero = follow_pte(k, taskOf(p).mm!, b)!.pfn;
    expect(zero).toBe(k.zero_pfn);
    const anon0 = taskOf(p).mm!.rss_stat[MM_ANONPAGES];
    expect(fault(k, p, b, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    const n = follow_pte(k, taskOf(p).mm!, b)!;
    expect(n.pfn).not.toBe(zero);
    expect(n.flags & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES] - anon0).toBe(1);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(PageAnonExclusive(k, n.pfn)).toBe(true);
    check();
  });
});

describe("zap_pte_range and unmap_single_vma", () => {
  it("a zap inside a VMA drops just its pages: rss, mapcounts, swap entries and their slots", () => {
    const { k, p, a, pfns, check } = swapSetup(8);
    const mm = taskOf(p).mm!;
    const e2 = evict(k, pfns[2]);
    const e5 = evict(k, pfns[5]);
    expect([mm.rss_stat[MM_ANONPAGES], mm.rss_stat[MM_SWAPENTS]]).toEqual([6, 2]);
    const free0 = k.nr_swap_pages;
    // MADV_DONTNEED on pages 1-3: page 1 and 3 present, page 2 a swap entry (free_swap_and_cache).
    p.madvise(a + PAGE, 3 * PAGE, "dontneed");
    expect([mm.rss_stat[MM_ANONPAGES], mm.rss_stat[MM_SWAPENTS]]).toEqual([4, 1]);
    expect(k.nr_swap_pages - free0).toBe(1);
    expect(swp_swapcount(k, e2)).toBe(0);
    expect(swp_swapcount(k, e5)).toBe(1);
    expect(presentPages(k, p, a, 8)).toEqual([0, 4, 6, 7]);
    expect(k.mem_map._refcount[pfns[1]]).toBe(0);
    expect(k.mem_map._refcount[pfns[0]]).toBe(1);
    check();
  });

  it("an unmapped swap-cache page gives its slot back at once (free_pages_and_swap_cache)", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(page);
    expect(k.nr_swap_pages).toBe(k.total_swap_pages - 1); // the cache holds the slot
    p.munmap(a, PAGE);
    expect(has(k, page, PG_swapcache)).toBe(false);
    expect(k.nr_swap_pages).toBe(k.total_swap_pages);
    check();
  });

  it("a young file PTE counts as a use when zapped (mark_page_accessed), unless the VMA is VM_SEQ_READ", () => {
    for (const seq of [false, true]) {
      const { k, p, fd } = fileSetup();
      cache(p, fd, 16);
      lru_add_drain(k);
      p.mmap(16 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X });
      if (seq) p.madvise(X, 16 * PAGE, "sequential");
      fault(k, p, X, USER); // fault-around maps pages 0-15, young
      const page = lookupPage(k, p, fd, 5);
      expect(follow_pte(k, taskOf(p).mm!, X + 5 * PAGE)!.flags & _PAGE_ACCESSED).toBe(_PAGE_ACCESSED);
      // pread marked it accessed once (PG_referenced); a second mark_page_accessed activates it.
      const ref0 = has(k, page, PG_referenced);
      const active0 = has(k, page, PG_active);
      expect([ref0, active0]).toEqual([true, false]);
      p.munmap(X, 16 * PAGE);
      lru_add_drain(k);
      expect(has(k, page, PG_active)).toBe(!seq);
      expect(k.mem_map.mapcount[page]).toBe(0);
      expect(taskOf(p).mm!.rss_stat[MM_FILEPAGES]).toBe(0);
    }
  });
});

describe("copy_page_range: what fork copies (vma_needs_copy)", () => {
  it("skips a file mapping without an anon_vma, and copies one that has CoW pages, file pages too", () => {
    const { k, p, fd } = fileSetup();
    cache(p, fd, 16);
    p.mmap(16 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    p.mmap(16 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X + 2 * MiB });
    fault(k, p, X, USER); // file pages 0-15 mapped, no anon_vma
    fault(k, p, X + 2 * MiB, USER);
    fault(k, p, X + 2 * MiB, USER | FAULT_FLAG_WRITE); // one CoW page: anon_vma
    const mm = taskOf(p).mm!;
    expect(find_vma(mm, X)!.anon_vma).toBeNull();
    expect([mm.rss_stat[MM_FILEPAGES], mm.rss_stat[MM_ANONPAGES]]).toEqual([31, 1]);
    const c = p.fork();
    const cm = taskOf(c).mm!;
    // vma_needs_copy: no anon_vma (and not PFNMAP/MIXEDMAP/HUGETLB) → the child refaults.
    expect(presentPages(k, c, X, 16)).toEqual([]);
    // The second VMA is copied whole: 15 file PTEs (MM_FILEPAGES) and the anonymous one.
    expect(presentPages(k, c, X + 2 * MiB, 16)).toEqual(range(0, 16));
    expect([cm.rss_stat[MM_FILEPAGES], cm.rss_stat[MM_ANONPAGES]]).toEqual([15, 1]);
    // copy_present_pte: the child's PTEs are old; the CoW page lost write permission on both
    // sides and its exclusivity; the file page's mapcount is 2.
    const cp = follow_pte(k, cm, X + 2 * MiB)!;
    const pp = follow_pte(k, mm, X + 2 * MiB)!;
    expect(cp.pfn).toBe(pp.pfn);
    expect(cp.flags & (_PAGE_ACCESSED | _PAGE_RW)).toBe(0);
    expect(pp.flags & _PAGE_RW).toBe(0);
    expect(pp.flags & _PAGE_ACCESSED).toBe(_PAGE_ACCESSED);
    expect(PageAnonExclusive(k, pp.pfn)).toBe(false);
    expect(k.mem_map.mapcount[lookupPage(k, p, fd, 1)]).toBe(3); // the parent's two VMAs, the child's copy
    checkMm(k);
  });

  it("copies a shared hugetlb mapping (VM_HUGETLB), though it has no anon_vma", () => {
    const k = start_kernel({ memory: 128 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "2");
    const p = spawnProcess(k, { comm: "h", image: null });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "shared|anonymous|hugetlb" });
    p.write(a, PAGE);
    expect(find_vma(taskOf(p).mm!, a)!.anon_vma).toBeNull();
    const c = p.fork();
    // vma_needs_copy: `if (src_vma->vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP)) return
    // true;` → copy_hugetlb_page_range maps the page in the child too (page_dup_file_rmap,
    // hugetlb_count_add): HugetlbPages 2048 kB on both sides, the same page.
    const huge = (q: Process): string => /^HugetlbPages:.*$/m.exec(q.readFile("/proc/self/status"))![0];
    expect(huge(c)).toBe(huge(p));
    expect(huge(c)).toMatch(/\s2048 kB$/);
    expect(c.pagemap(a, 1).frame[0]).toBe(p.pagemap(a, 1).frame[0]);
  });

  it("does not copy a shared anonymous (shmem) mapping, which has no anon_vma", () => {
    const { k, p } = fileSetup();
    // A shared anonymous mapping (shmem) gets no anon_vma: not copied at all.
    const s = p.mmap(4 * PAGE, { prot: "rw", flags: "shared|anonymous" });
    p.write(s, 4 * PAGE);
    const c = p.fork();
    expect(presentPages(k, c, s, 4)).toEqual([]);
    expect(taskOf(c).mm!.rss_stat[MM_SHMEMPAGES]).toBe(0);
    expect(taskOf(p).mm!.rss_stat[MM_SHMEMPAGES]).toBe(4);
    checkMm(k);
  });
});

describe("unmap_mapping_range: truncation and hole punching", () => {
  /** A tmpfs file of 16 written pages, mapped private at X, all 16 read-faulted, page `cow` written (a CoW copy). */
  function shmemFile(cow: number[]) {
    const { k, p } = fileSetup();
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.pwrite(fd, 16 * PAGE, 0);
    p.mmap(16 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    fault(k, p, X, USER); // fault-around: pages 0-15
    for (const j of cow) fault(k, p, X + j * PAGE, USER | FAULT_FLAG_WRITE);
    return { k, p, fd };
  }

  it("a punched hole unmaps the file's pages in it and leaves the private copies (even_cows false)", () => {
    const { k, p, fd } = shmemFile([5]);
    const mm = taskOf(p).mm!;
    expect(presentPages(k, p, X, 16)).toEqual(range(0, 16));
    expect([mm.rss_stat[MM_SHMEMPAGES], mm.rss_stat[MM_ANONPAGES]]).toEqual([15, 1]);
    // shmem_fallocate(PUNCH_HOLE): unmap_mapping_range(mapping, 4 pages, 4 pages, 0); the
    // zap_details' single-folio check leaves pages that are not the file's (the CoW copy).
    p.fallocate(fd, 4 * PAGE, 4 * PAGE, "punch_hole|keep_size");
    expect(presentPages(k, p, X, 16)).toEqual([0, 1, 2, 3, 5, ...range(8, 16)]);
    expect([mm.rss_stat[MM_SHMEMPAGES], mm.rss_stat[MM_ANONPAGES]]).toEqual([12, 1]);
    checkMm(k);
  });

  it("truncation unmaps from the first whole page past the new size, private copies included", () => {
    const { k, p, fd } = shmemFile([12]);
    const mm = taskOf(p).mm!;
    // A second VMA from file page 8 (pgoff 8): zap_file_vma clips the hole to its pages.
    p.mmap(8 * PAGE, { prot: "r", flags: "private|fixed", fd, addr: X + 2 * MiB, offset: 8 * PAGE });
    fault(k, p, X + 2 * MiB, USER);
    expect(presentPages(k, p, X + 2 * MiB, 8)).toEqual(range(0, 8));
    // truncate_pagecache: holebegin = round_up(10 pages + 100, PAGE_SIZE) = 11 pages;
    // unmap_mapping_range(mapping, holebegin, 0, 1): everything from page 11 on, the CoW copy
    // of page 12 too. Page 10 (partly inside the new size) stays mapped.
    p.ftruncate(fd, 10 * PAGE + 100);
    expect(presentPages(k, p, X, 16)).toEqual(range(0, 11));
    expect(presentPages(k, p, X + 2 * MiB, 8)).toEqual([0, 1, 2]);
    expect([mm.rss_stat[MM_SHMEMPAGES], mm.rss_stat[MM_ANONPAGES]]).toEqual([14, 0]);
    checkMm(k);
  });
});

describe("handle_mm_fault's other entries", () => {
  it("a fault on a present PTE only marks it young (read) or young and dirty (write)", () => {
    const { k, p, a } = swapSetup(1);
    const i = pteSlot(k, p, a);
    const pool = k.pgtables;
    pool.ent_flags[i] &= ~(_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY);
    const f0 = pool.ent_flags[i];
    // handle_pte_fault's spurious fault: pte_mkyoung, and pte_mkdirty for a write to a writable PTE.
    expect(fault(k, p, a, FAULT_FLAG_USER)).toBe(0);
    expect(pool.ent_flags[i]).toBe(f0 | _PAGE_ACCESSED);
    pool.ent_flags[i] = f0;
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(0);
    expect(pool.ent_flags[i]).toBe(f0 | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY);
  });

  it("a forced write (FOLL_FORCE) to a read-only private VMA gets a page that is neither writable nor dirty", () => {
    const { k, p } = swapSetup(1);
    const b = p.mmap(PAGE, { prot: "r", flags: "private|anonymous" });
    // do_anonymous_page: `if (vma->vm_flags & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry));`
    expect(fault(k, p, b, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(0);
    const pte = follow_pte(k, taskOf(p).mm!, b)!;
    expect(pte.pfn).not.toBe(k.zero_pfn);
    expect(pte.flags >>> 0).toBe(PAGE_COPY >>> 0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(2);
  });

  it("counts PGFAULT for every call, min_flt/maj_flt only for a task and only when the fault succeeded", () => {
    const { k, p, a } = swapSetup(2);
    const t = taskOf(p);
    const vma = find_vma(t.mm!, a)!;
    const [min0, maj0, pgf0] = [t.min_flt, t.maj_flt, k.vm_events[PGFAULT]];
    // No task to charge (t null): PGFAULT only.
    const b = a + PAGE;
    const i = pteSlot(k, p, b);
    k.pgtables.ent_flags[i] &= ~_PAGE_ACCESSED;
    expect(handle_mm_fault(k, null, vma, b, FAULT_FLAG_USER)).toBe(0);
    expect([t.min_flt - min0, t.maj_flt - maj0, k.vm_events[PGFAULT] - pgf0]).toEqual([0, 0, 1]);
    // VM_FAULT_SIGBUS (an entry of no swap area): mm_account_fault counts nothing for the task.
    const f0 = k.pgtables.ent_flags[i];
    const p0 = k.pgtables.ent_pfn[i];
    k.pgtables.ent_flags[i] = swp_entry_flags(7);
    k.pgtables.ent_pfn[i] = 3;
    expect(fault(k, p, b, FAULT_FLAG_USER)).toBe(VM_FAULT_SIGBUS);
    expect([t.min_flt - min0, t.maj_flt - maj0, k.vm_events[PGFAULT] - pgf0]).toEqual([0, 0, 2]);
    k.pgtables.ent_flags[i] = f0;
    k.pgtables.ent_pfn[i] = p0;
    // A successful minor fault: min_flt.
    expect(fault(k, p, b, FAULT_FLAG_USER)).toBe(0);
    expect([t.min_flt - min0, t.maj_flt - maj0, k.vm_events[PGFAULT] - pgf0]).toEqual([1, 0, 3]);
  });
});
