import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { checkMm } from "../sim/invariants/mm.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { spawnProcess } from "../sim/process.js";
import { F, PG_dirty, PG_swapcache } from "./memmap.js";
import { MM_ANONPAGES, MM_SWAPENTS } from "./mm_types.js";
import { follow_pte } from "./memory.js";
import { swap_io_run } from "./page_io.js";
import { find_vma } from "./mmap.js";
import {
  add_to_swap,
  get_shadow_from_swap_cache,
  GET_SWAP_RA_VAL,
  lookup_swap_cache_pfn,
  SWAP_RA_ADDR,
  SWAP_RA_HITS,
  SWAP_RA_VAL,
  SWAP_RA_WIN,
  __swapin_nr_pages,
} from "./swap_state.js";
import { swp_swapcount, sys_swapoff, sys_swapon } from "./swapfile.js";
import { evict } from "./swapfile.testutil.js";
import { pte_to_swp_entry, swp_offset } from "./swapops.js";
import { _PAGE_PRESENT } from "../arch/x86/pgtable.js";
import { lru_add_drain } from "./swap.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_SWAPCACHE, PGFAULT, PGMAJFAULT, PSWPIN, PSWPOUT, SWAP_RA, SWAP_RA_HIT, WORKINGSET_REFAULT_ANON } from "./vmstat_items.js";
import { workingset_eviction } from "./workingset.js";
import { taskOf } from "../api/internals.js";

const MiB = 1 << 20;

function setup(opts: { rotational?: boolean; pages?: number } = {}) {
  const k = start_kernel({ memory: 256 * MiB });
  const root = k.tasks.init;
  expect(sys_swapon(k, root, "/dev/vda", { size: 64 * MiB, rotational: opts.rotational })).toBe(0);
  const p = spawnProcess(k, { comm: "swapper", image: null });
  const n = opts.pages ?? 16;
  const a = p.mmap(n * 4096, { prot: "rw", flags: "private|anonymous" });
  p.write(a, n * 4096);
  lru_add_drain(k);
  const pfns = Array.from({ length: n }, (_, i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
  const check = () => {
    check_swap_invariants(k);
    checkMm(k);
  };
  return { k, root, p, a, pfns, check };
}

describe("the swap cache", () => {
  it("add_to_swap gives a page a slot, PG_swapcache, private = entry, a reference and SwapCached", () => {
    const { k, pfns, check } = setup();
    const pfn = pfns[0];
    const ref = k.mem_map._refcount[pfn];
    k.mem_map.flags[pfn] |= 1; // PG_locked, as shrink_folio_list holds it
    expect(add_to_swap(k, pfn)).toBe(true);
    k.mem_map.flags[pfn] &= ~1;
    const entry = k.mem_map.private[pfn];
    expect(swp_offset(entry)).toBe(1);
    expect(k.mem_map.flags[pfn] & F(PG_swapcache)).not.toBe(0);
    expect(k.mem_map.flags[pfn] & F(PG_dirty)).not.toBe(0);
    expect(k.mem_map._refcount[pfn]).toBe(ref + 1);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(pfn);
    expect(global_node_page_state(k, NR_SWAPCACHE)).toBe(1);
    expect(procRead(k, "/proc/meminfo")).toMatch(/SwapCached:\s+4 kB/);
    check();
  });

  it("keeps the shadow an evicted page leaves, until the slot is freed", () => {
    const { k, p, a, pfns, check } = setup({ pages: 1 });
    const entry = evict(k, pfns[0], 12345);
    expect(get_shadow_from_swap_cache(k, entry)).toBe(12345);
    check();
    p.munmap(a, 4096);
    expect(get_shadow_from_swap_cache(k, entry)).toBe(0);
    expect(k.nr_swap_pages).toBe(k.total_swap_pages);
    check();
  });
});

describe("swapper_spaces: the xa_nodes of the swap cache", () => {
  it("holds 6.1's nodes for the slots with a page or a shadow: 100 slots from 1 on are a root over two leaves", () => {
    const { k, p, a, pfns, check } = setup({ pages: 100 });
    const si = k.swap.swap_info[0]!;
    // 64 MiB of swap: one swapper_space (SWAP_ADDRESS_SPACE_PAGES 16384 slots).
    expect(si.swapper_spaces.length).toBe(1);
    const xa = si.swapper_spaces[0];
    for (const pfn of pfns.slice(0, 63)) evict(k, pfn, 7);
    // Slots 1..63: one leaf (slot 0, the header, is never used).
    expect(xa.nr_entries).toBe(63);
    expect(xa.nr_nodes).toBe(1);
    for (const pfn of pfns.slice(63)) evict(k, pfn, 7);
    // Slots 1..100 are shadows now: indices 64..100 need a second leaf, and a root over both.
    expect(xa.nr_entries).toBe(100);
    expect(xa.nr_nodes).toBe(3);
    check();
    // The slots freed, the shadows go (clear_shadow_from_swap_cache), and every node with them.
    p.munmap(a, 100 * 4096);
    expect(xa.nr_entries).toBe(0);
    expect(xa.nr_nodes).toBe(0);
    check();
  });

  it("keeps one xarray per 64 MiB of swap, and none after swapoff", () => {
    const k = start_kernel({ memory: 256 * MiB });
    expect(sys_swapon(k, k.tasks.init, "/dev/vdb", { size: 200 * MiB })).toBe(0);
    const si = k.swap.swap_info[0]!;
    // 51200 slots: DIV_ROUND_UP(51200, 16384) = 4 spaces.
    expect(si.swapper_spaces.length).toBe(4);
    expect(sys_swapoff(k, k.tasks.init, "/dev/vdb")).toBe(0);
    expect(si.swapper_spaces.length).toBe(0);
  });
});

describe("refaults", () => {
  it("hands the slot's shadow to workingset_refault when the page is read back", () => {
    const { k, p, a, pfns, check } = setup({ pages: 1 });
    const shadow = workingset_eviction(k, pfns[0]);
    evict(k, pfns[0], shadow);
    const before = global_node_page_state(k, WORKINGSET_REFAULT_ANON); // a node counter in 6.1
    p.read(a, 4096);
    expect(global_node_page_state(k, WORKINGSET_REFAULT_ANON) - before).toBe(1);
    check();
  });
});

describe("do_swap_page", () => {
  it("reads a swapped page back with cluster readahead: a major fault that waits, retries, and maps it", () => {
    const { k, p, a, pfns, check } = setup();
    for (const pfn of pfns) evict(k, pfn);
    check();
    expect(taskOf(p).mm!.rss_stat[MM_SWAPENTS]).toBe(16);
    expect(k.vm_events[PSWPOUT]).toBe(16);
    const ev0 = Float64Array.from(k.vm_events);
    const maj0 = taskOf(p).maj_flt;
    k.now_ns += 1e9; // the device is idle
    const t0 = k.now_ns;
    p.read(a, 4096);
    // swapin_readahead_hits starts at 4: 4 + 2 → 8 pages, the aligned block 0..7 minus the header.
    expect(k.vm_events[PSWPIN] - ev0[PSWPIN]).toBe(7);
    expect(k.vm_events[SWAP_RA] - ev0[SWAP_RA]).toBe(6);
    expect(k.vm_events[PGMAJFAULT] - ev0[PGMAJFAULT]).toBe(1);
    // folio_lock_or_retry: the first attempt waits for the read and retries; two PGFAULTs, one maj_flt.
    expect(k.vm_events[PGFAULT] - ev0[PGFAULT]).toBe(2);
    expect(taskOf(p).maj_flt - maj0).toBe(1);
    // The cluster's seven reads went out under one plug, merged into one request (slots 1–7 are
    // adjacent): the task slept until it completed, 100 µs + 7 × 4096 B at 1 GB/s.
    expect(k.now_ns - t0).toBe(100_000 + 7 * 4096);
    expect(taskOf(p).mm!.rss_stat[MM_SWAPENTS]).toBe(15);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(1);
    check();
    // The next page was read ahead in the same request: a swap-cache hit (SWAP_RA_HIT), already
    // uptodate and unlocked, so the fault neither waits nor retries.
    const pgf1 = k.vm_events[PGFAULT];
    p.read(a + 4096, 4096);
    expect(k.vm_events[SWAP_RA_HIT] - ev0[SWAP_RA_HIT]).toBe(1);
    expect(k.vm_events[PSWPIN] - ev0[PSWPIN]).toBe(7);
    expect(k.vm_events[PGFAULT] - pgf1).toBe(1);
    expect(k.now_ns - t0).toBe(100_000 + 7 * 4096);
    k.now_ns += 1e6;
    swap_io_run(k);
    const maj1 = taskOf(p).maj_flt;
    p.read(a + 2 * 4096, 4096); // read ahead and completed: a minor fault
    expect(taskOf(p).maj_flt).toBe(maj1);
    check();
  });

  it("maps a write fault on an exclusive swap entry writable and frees the slot", () => {
    const { k, p, a, pfns, check } = setup({ pages: 1 });
    const entry = evict(k, pfns[0]);
    p.write(a, 4096);
    const pte = follow_pte(k, taskOf(p).mm!, a)!;
    expect(pte.flags & 0x2).toBe(0x2); // _PAGE_RW
    expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
    expect(swp_swapcount(k, entry)).toBe(0);
    expect(k.nr_swap_pages).toBe(k.total_swap_pages);
    check();
  });

  it("shares a swap entry across fork (no longer exclusive) and frees it when both are gone", () => {
    const { k, p, a, pfns, check } = setup({ pages: 1 });
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    expect(swp_swapcount(k, entry)).toBe(2);
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & 0x80).toBe(0); // _PAGE_SWP_EXCLUSIVE cleared
    expect(taskOf(c).mm!.rss_stat[MM_SWAPENTS]).toBe(1);
    check();
    c.read(a, 4096);
    expect(swp_swapcount(k, entry)).toBe(1);
    expect(lookup_swap_cache_pfn(k, entry)).not.toBe(-1);
    check();
    p.exit();
    check();
    c.exit();
    check();
    expect(k.nr_swap_pages).toBe(k.total_swap_pages);
    expect(global_node_page_state(k, NR_SWAPCACHE)).toBe(0);
  });

  it("uses VMA readahead when every area is an SSD, starting from GET_SWAP_RA_VAL's four hits", () => {
    const { k, p, a, pfns, check } = setup({ rotational: false, pages: 8 });
    for (const pfn of pfns) evict(k, pfn);
    const ev0 = Float64Array.from(k.vm_events);
    const d = (item: number): number => k.vm_events[item] - ev0[item];
    // A VMA without history reads as 4 hits: hits + 2 = 6, rounded up to a window of 8 around
    // page 0, [-3, 5), clamped to the VMA: pages 0-4, four of them read ahead.
    p.read(a, 4096);
    expect([d(PSWPIN), d(SWAP_RA)]).toEqual([5, 4]);
    // Page 1 came in by readahead: a swap-cache hit, no I/O.
    p.read(a + 4096, 4096);
    expect([d(PSWPIN), d(SWAP_RA_HIT)]).toEqual([5, 1]);
    // Page 5: one hit, so hits + 2 = 3 → 4, and at least half the last window (8 / 2): four
    // pages around it, [4, 8); page 4 is already cached, so 5, 6 and 7 are read.
    p.read(a + 5 * 4096, 4096);
    expect([d(PSWPIN), d(SWAP_RA)]).toEqual([8, 6]);
    check();
  });

  it("packs the VMA's readahead state as the kernel does and copies it with the VMA", () => {
    const v = SWAP_RA_VAL(0x7f0000123456, 8, 70);
    expect([SWAP_RA_ADDR(v), SWAP_RA_WIN(v), SWAP_RA_HITS(v)]).toEqual([0x7f0000123000, 8, 70 & 63]);
    const { k, p, a, pfns } = setup({ rotational: false, pages: 8 });
    for (const pfn of pfns) evict(k, pfn);
    const vma = find_vma(taskOf(p).mm!, a)!;
    expect(GET_SWAP_RA_VAL(vma)).toBe(4); // never faulted: four hits, no window
    p.read(a, 4096);
    expect(vma.swap_readahead_info).toBe(SWAP_RA_VAL(a, 8, 0));
    expect(find_vma(taskOf(p.fork()).mm!, a)!.swap_readahead_info).toBe(vma.swap_readahead_info); // vm_area_dup: *new = *orig
  });
});

describe("backward-sequential swap-in", () => {
  it("__swapin_nr_pages opens a window of 2 for a fault one slot below the previous, as for one above", () => {
    // mm/swap_state.c __swapin_nr_pages: with no hits, pages = 2 unless
    // `offset != prev_offset + 1 && offset != prev_offset - 1`.
    expect(__swapin_nr_pages(41, 40, 0, 8, 0)).toBe(2);
    expect(__swapin_nr_pages(41, 42, 0, 8, 0)).toBe(2);
    expect(__swapin_nr_pages(41, 39, 0, 8, 0)).toBe(1);
    expect(__swapin_nr_pages(41, 41, 0, 8, 0)).toBe(1);
  });

  it("VMA readahead reads the page below a fault that walks down the mapping", () => {
    // swap_ra_info: win = 2 (the previous fault was one page above), and for pfn == fpfn + 1 the
    // window is [fpfn - win + 1, fpfn + 1): the faulting page and the one below it.
    const { k, p, a, pfns, check } = setup({ rotational: false, pages: 8 });
    for (const pfn of pfns) evict(k, pfn);
    // A VMA never faulted reads as GET_SWAP_RA_VAL's 4 hits (a window of 8), so the history a
    // walk down leaves is set by hand: the last fault was at page 5 with a window of 1 and no hits
    // (what swap_ra_info stores, SWAP_RA_VAL(faddr, win, 0), after a lone fault whose
    // `prev_win / 2` floor has run down to 0).
    find_vma(taskOf(p).mm!, a)!.swap_readahead_info = SWAP_RA_VAL(a + 5 * 4096, 1, 0);
    const ev0 = Float64Array.from(k.vm_events);
    p.read(a + 4 * 4096, 4096); // one page down: pages 3 and 4
    expect(k.vm_events[PSWPIN] - ev0[PSWPIN]).toBe(2);
    expect(k.vm_events[SWAP_RA] - ev0[SWAP_RA]).toBe(1);
    // Page 3 is still a swap PTE, its page read ahead into the swap cache; page 2 was not read.
    const entry = (addr: number): number => {
      const pte = follow_pte(k, taskOf(p).mm!, addr)!;
      expect(pte.flags & _PAGE_PRESENT).toBe(0);
      return pte_to_swp_entry(pte.flags, pte.pfn);
    };
    expect(lookup_swap_cache_pfn(k, entry(a + 3 * 4096))).toBeGreaterThanOrEqual(0);
    expect(lookup_swap_cache_pfn(k, entry(a + 2 * 4096))).toBe(-1);
    check();
  });
});

describe("/proc views of swapped memory", () => {
  it("shows VmSwap in status and Swap / SwapPss (shared after fork) in smaps_rollup", () => {
    const { k, p, pfns, check } = setup({ pages: 4 });
    for (const pfn of pfns) evict(k, pfn);
    expect(procRead(k, `/proc/${p.pid}/status`)).toMatch(/VmSwap:\s+16 kB/);
    expect(p.smapsRollup()).toMatch(/\nSwap:\s+16 kB\nSwapPss:\s+16 kB/);
    const c = p.fork();
    expect(p.smapsRollup()).toMatch(/\nSwap:\s+16 kB\nSwapPss:\s+8 kB/);
    expect(procRead(k, `/proc/${c.pid}/status`)).toMatch(/VmSwap:\s+16 kB/);
    expect(procRead(k, "/proc/swaps")).toContain("\t16\t\t-2\n");
    check();
  });
});

describe("swapoff", () => {
  it("brings every swapped page back before the area goes", () => {
    const { k, root, p, a, pfns, check } = setup({ pages: 8 });
    for (const pfn of pfns) evict(k, pfn);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(taskOf(p).mm!.rss_stat[MM_SWAPENTS]).toBe(0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
    expect(k.total_swap_pages).toBe(0);
    expect(procRead(k, "/proc/swaps")).toBe("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    expect(k.swap.swap_avail_head.length).toBe(0);
    check();
    const r = p.read(a, 8 * 4096);
    expect(r.majflt).toBe(0);
  });
});

describe("/sys/kernel/mm/swap/vma_ra_enabled", () => {
  it("reads true, takes kstrtobool's spellings, and turns VMA readahead off", () => {
    const { k, p, a, pfns } = setup({ rotational: false, pages: 8 });
    expect(procRead(k, "/sys/kernel/mm/swap/vma_ra_enabled")).toBe("true\n");
    procWrite(k, "/sys/kernel/mm/swap/vma_ra_enabled", "off\n");
    expect(procRead(k, "/sys/kernel/mm/swap/vma_ra_enabled")).toBe("false\n");
    expect(() => procWrite(k, "/sys/kernel/mm/swap/vma_ra_enabled", "maybe")).toThrow(/EINVAL/);
    for (const pfn of pfns) evict(k, pfn);
    const ev0 = k.vm_events[PSWPIN];
    // Cluster readahead now: hits start at 4, so the aligned 8 slots 16384..16391 the SSD's
    // first cluster gave these pages.
    p.read(a, 4096);
    expect(k.vm_events[PSWPIN] - ev0).toBe(8);
  });
});

describe("__swapin_nr_pages", () => {
  it("sizes the window from hits, adjacency and the previous window", () => {
    expect(__swapin_nr_pages(40, 41, 0, 8, 0)).toBe(2);
    expect(__swapin_nr_pages(40, 50, 0, 8, 0)).toBe(1);
    expect(__swapin_nr_pages(40, 50, 3, 8, 0)).toBe(8);
    expect(__swapin_nr_pages(40, 50, 1, 8, 0)).toBe(4);
    expect(__swapin_nr_pages(40, 50, 0, 8, 8)).toBe(4);
    expect(__swapin_nr_pages(40, 50, 9, 8, 0)).toBe(8);
  });
});
