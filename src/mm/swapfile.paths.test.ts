/**
 * swapfile.ts's less travelled paths, each held to the 6.1 code it models (mm/swapfile.c):
 * __swap_duplicate's errnos and the swap_map bytes it leaves, COUNT_CONTINUED on the way up and
 * down, free_swap_and_cache's and __try_to_reclaim_swap's choices, folio_free_swap's refusals,
 * swapon's argument checks and priorities, swapoff's priority shuffle and what it leaves behind,
 * try_to_unuse and unuse_pte, and swap_show's columns. Written to kill mutants
 * `npm run mutate -- src/mm/swapfile.ts` found surviving (docs/architecture.md, "Mutation
 * testing"); each test builds its own small machine inside `it` and runs in well under a second.
 */
import { describe, expect, it } from "vitest";
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_SOFT_DIRTY, _PAGE_SWP_SOFT_DIRTY, pte_index, pte_table_lookup } from "../arch/x86/pgtable.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { blk_add_disk, blk_lookup_path } from "../block/blk.js";
import { procRead } from "../fs/proc/root.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { Machine } from "../sim/machine.js";
import { spawnProcess, type Process } from "../sim/process.js";
import { F, PG_anon_exclusive, PG_dirty, PG_locked, PG_swapcache, PG_writeback } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { folio_wait_writeback } from "./page_io.js";
import { add_to_swap, GET_SWAP_RA_VAL, lookup_swap_cache_pfn, SWAP_RA_ADDR } from "./swap_state.js";
import { find_vma } from "./mmap.js";
import {
  COUNT_CONTINUED,
  folio_alloc_swap,
  folio_free_swap,
  free_swap_and_cache,
  get_nr_swap_pages,
  get_swap_pages,
  get_swap_device,
  put_swap_folio,
  si_swapinfo,
  SWAP_HAS_CACHE,
  SWAP_MAP_BAD,
  SWAP_MAP_MAX,
  swap_duplicate,
  swap_free,
  swapAreas,
  swapcache_prepare,
  SWP_CONTINUED,
  SWP_SOLIDSTATE,
  SWP_USED,
  SWP_WRITEOK,
  swp_swapcount,
  sys_swapoff,
  sys_swapon,
  total_swapcache_pages,
  vm_swap_full,
  __swap_count,
  __try_to_reclaim_swap,
  TTRS_ANYWAY,
  TTRS_FULL,
  TTRS_UNMAPPED,
} from "./swapfile.js";
import { evict, pageOut, unmapToSwap } from "./swapfile.testutil.js";
import { swp_entry, swp_offset } from "./swapops.js";

const MiB = 1 << 20;

function boot(memory = 128 * MiB, cpus = 1) {
  const k = start_kernel({ memory, cpus });
  return { k, root: k.tasks.init };
}
type K = ReturnType<typeof boot>["k"];

function mapByte(k: K, entry: number): number {
  const si = k.swap.swap_info[entry >>> 26];
  if (!si) throw new Error("no area");
  return si.swap_map[swp_offset(entry)];
}

/** A process with `n` anonymous pages written; their pfns. */
function anonPages(k: K, n: number): { p: Process; a: number; pfns: number[] } {
  const p = spawnProcess(k, { comm: "t", image: null });
  const a = p.mmap(n * 4096, { prot: "rw", flags: "private|anonymous" });
  p.write(a, n * 4096);
  const pfns = Array.from({ length: n }, (_, i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
  return { p, a, pfns };
}

/** The page-table slot of `addr` in `p`. */
function pteSlot(k: K, p: Process, addr: number): number {
  const t = pte_table_lookup(k, taskOf(p).mm!.pgd, addr);
  return t * 512 + pte_index(addr);
}

describe("__swap_duplicate, through swapcache_prepare and swap_duplicate", () => {
  it("returns 6.1's errnos: -EINVAL without an area, -ENOENT for a free or bad slot, -EEXIST when cached", () => {
    const { k, root } = boot();
    expect(sys_swapon(k, root, "/dev/vda", { size: 4 * MiB })).toBe(0);
    expect(sys_swapon(k, root, "/dev/vdb", { size: 4 * MiB })).toBe(0);
    const si = k.swap.swap_info[0]!;
    // get_swap_device fails (entry 0, a type with no area, an offset at or past max): -EINVAL.
    expect(swapcache_prepare(k, 0)).toBe(-errnoValues.EINVAL);
    expect(swapcache_prepare(k, swp_entry(3, 1))).toBe(-errnoValues.EINVAL);
    expect(swapcache_prepare(k, swp_entry(0, si.max))).toBe(-errnoValues.EINVAL);
    expect(get_swap_device(k, swp_entry(0, si.max))).toBe(null);
    expect(get_swap_device(k, swp_entry(0, si.max - 1))).toBe(si);
    // The last slot is free: no users remaining.
    expect(swapcache_prepare(k, swp_entry(0, si.max - 1))).toBe(-errnoValues.ENOENT);
    expect(mapByte(k, swp_entry(0, si.max - 1))).toBe(0);
    // The header of area 1 (area 0's is entry 0, the null entry): swap_count(count) ==
    // SWAP_MAP_BAD, for either usage; the byte is left alone, also with the cache bit beside it.
    const hdr = swp_entry(1, 0);
    expect(swapcache_prepare(k, hdr)).toBe(-errnoValues.ENOENT);
    expect(swap_duplicate(k, hdr)).toBe(0);
    expect(k.swap.swap_info[1]!.swap_map[0]).toBe(SWAP_MAP_BAD);
    k.swap.swap_info[1]!.swap_map[0] = SWAP_MAP_BAD | SWAP_HAS_CACHE;
    expect(swapcache_prepare(k, hdr)).toBe(-errnoValues.ENOENT);
    swap_duplicate(k, hdr);
    expect(k.swap.swap_info[1]!.swap_map[0]).toBe(SWAP_MAP_BAD | SWAP_HAS_CACHE);
    k.swap.swap_info[1]!.swap_map[0] = SWAP_MAP_BAD;
    // A slot add_to_swap took (SWAP_HAS_CACHE): someone else added the cache.
    const e = folio_alloc_swap(k, 0);
    expect(swapcache_prepare(k, e)).toBe(-errnoValues.EEXIST);
    expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE);
    // One PTE reference, then the cache lets go: the slot reads 1; swapcache_prepare sets the
    // cache bit once (0x41), then says -EEXIST.
    expect(swap_duplicate(k, e)).toBe(0);
    expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE | 1);
    put_swap_folio(k, 0, e);
    expect(mapByte(k, e)).toBe(1);
    expect(swapcache_prepare(k, e)).toBe(0);
    expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE | 1);
    expect(swapcache_prepare(k, e)).toBe(-errnoValues.EEXIST);
    // After swapoff every entry of the area is invalid.
    put_swap_folio(k, 0, e);
    swap_free(k, e);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(swapcache_prepare(k, e)).toBe(-errnoValues.EINVAL);
    expect(get_swap_device(k, e)).toBe(null);
    expect(__swap_count(k, e)).toBe(0);
    expect(swp_swapcount(k, e)).toBe(0);
  });

  it("carries a count past SWAP_MAP_MAX into the continuation and borrows it back on the way down", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const si = k.swap.swap_info[0]!;
    const e = folio_alloc_swap(k, 0);
    expect(si.flags & SWP_CONTINUED).toBe(0);
    // 62 references fill the byte: 0x3e | SWAP_HAS_CACHE.
    for (let i = 0; i < SWAP_MAP_MAX; i++) swap_duplicate(k, e);
    expect(mapByte(k, e)).toBe(SWAP_MAP_MAX | SWAP_HAS_CACHE);
    expect(si.flags & SWP_CONTINUED).toBe(0);
    // The 63rd: swap_count_continued carries one (SWAP_MAP_MAX + 1 = 63 references) and the
    // byte restarts at COUNT_CONTINUED; the area is marked SWP_CONTINUED.
    swap_duplicate(k, e);
    expect(mapByte(k, e)).toBe(COUNT_CONTINUED | SWAP_HAS_CACHE);
    expect(si.flags & SWP_CONTINUED).toBe(SWP_CONTINUED);
    expect(swp_swapcount(k, e)).toBe(63);
    expect(__swap_count(k, e)).toBe(0);
    swap_duplicate(k, e);
    expect(mapByte(k, e)).toBe(COUNT_CONTINUED | SWAP_HAS_CACHE | 1);
    expect(swp_swapcount(k, e)).toBe(64);
    expect(__swap_count(k, e)).toBe(1);
    // Up to a second carry: 63 * 2 = 126.
    for (let i = 64; i < 126; i++) swap_duplicate(k, e);
    expect(mapByte(k, e)).toBe(COUNT_CONTINUED | SWAP_HAS_CACHE);
    expect(swp_swapcount(k, e)).toBe(126);
    // Down: count == COUNT_CONTINUED borrows; a continuation left gives SWAP_MAP_MAX |
    // COUNT_CONTINUED (125 = 62 + 63), the last one gives plain SWAP_MAP_MAX.
    swap_free(k, e);
    expect(mapByte(k, e)).toBe(SWAP_MAP_MAX | COUNT_CONTINUED | SWAP_HAS_CACHE);
    expect(swp_swapcount(k, e)).toBe(125);
    for (let i = 125; i > 63; i--) swap_free(k, e);
    expect(mapByte(k, e)).toBe(COUNT_CONTINUED | SWAP_HAS_CACHE);
    swap_free(k, e);
    expect(mapByte(k, e)).toBe(SWAP_MAP_MAX | SWAP_HAS_CACHE);
    expect(si.swap_cont.size).toBe(0);
    expect(swp_swapcount(k, e)).toBe(62);
    for (let i = 0; i < 62; i++) swap_free(k, e);
    expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE);
    // A count of 0 cannot drop further, and a slot without the cache cannot lose it.
    expect(() => swap_free(k, e)).toThrow(KernelBug);
    expect(() => swap_free(k, e)).toThrow(`swap_free: count underflow {"type":0,"offset":${swp_offset(e)}}`);
    put_swap_folio(k, 0, e);
    expect(mapByte(k, e)).toBe(0);
    expect(() => swap_free(k, swp_entry(5, 1))).toThrow(KernelBug);
    expect(() => swap_free(k, swp_entry(5, 1))).toThrow(`swap_free: bad entry {"entry":${swp_entry(5, 1)}}`);
    // A slot a PTE holds but no cache page: the cache cannot let go of it.
    const e2 = folio_alloc_swap(k, 0);
    swap_duplicate(k, e2);
    put_swap_folio(k, 0, e2);
    expect(mapByte(k, e2)).toBe(1);
    expect(() => put_swap_folio(k, 0, e2)).toThrow(KernelBug);
    expect(() => put_swap_folio(k, 0, e2)).toThrow(`put_swap_folio: slot not cached {"type":0,"offset":${swp_offset(e2)}}`);
    // put_swap_folio of an entry of no area does nothing (_swap_info_get fails).
    const free = k.nr_swap_pages;
    put_swap_folio(k, 0, swp_entry(5, 1));
    expect(k.nr_swap_pages).toBe(free);
  });
});

describe("free_swap_and_cache and __try_to_reclaim_swap", () => {
  it("returns false for an entry of no area and refuses a free slot", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    expect(free_swap_and_cache(k, swp_entry(2, 1))).toBe(false);
    expect(free_swap_and_cache(k, 0)).toBe(false);
    expect(() => free_swap_and_cache(k, swp_entry(0, 7))).toThrow(KernelBug);
    expect(() => free_swap_and_cache(k, swp_entry(0, 7))).toThrow(`free_swap_and_cache: free slot {"entry":${swp_entry(0, 7)}}`);
  });

  it("frees an unmapped swap-cache page once its last PTE goes, unless its lock is held", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const { pfns } = anonPages(k, 2);
    const mem = k.mem_map;
    const entries: number[] = [];
    for (const pfn of pfns) {
      // Swapped out and written, still in the swap cache (reclaim has not come back to it).
      const e = unmapToSwap(k, pfn);
      pageOut(k, pfn);
      folio_wait_writeback(k, pfn);
      entries.push(e);
    }
    const free = k.nr_swap_pages;
    // Page 0 locked (as shrink_folio_list holds it): folio_trylock fails, the cache keeps it.
    mem.flags[pfns[0]] |= F(PG_locked);
    expect(free_swap_and_cache(k, entries[0])).toBe(true);
    expect(mapByte(k, entries[0])).toBe(SWAP_HAS_CACHE);
    expect(lookup_swap_cache_pfn(k, entries[0])).toBe(pfns[0]);
    // Page 1 unlocked and mapped by no one: TTRS_UNMAPPED frees slot and cache page.
    expect(free_swap_and_cache(k, entries[1])).toBe(true);
    expect(mapByte(k, entries[1])).toBe(0);
    expect(lookup_swap_cache_pfn(k, entries[1])).toBe(-1);
    expect(k.nr_swap_pages).toBe(free + 1);
    // __try_to_reclaim_swap itself: nothing cached at a slot gives 0; page 0 once unlocked goes
    // with TTRS_ANYWAY.
    const si = k.swap.swap_info[0]!;
    expect(__try_to_reclaim_swap(k, si, swp_offset(entries[1]), TTRS_ANYWAY)).toBe(0);
    expect(__try_to_reclaim_swap(k, si, swp_offset(entries[0]), TTRS_ANYWAY)).toBe(0); // still locked
    mem.flags[pfns[0]] &= ~F(PG_locked);
    // Unmapped and unlocked, but the flags do not ask for that (no TTRS_UNMAPPED) and swap is
    // not half full (TTRS_FULL): kept.
    expect(vm_swap_full(k)).toBe(false);
    expect(__try_to_reclaim_swap(k, si, swp_offset(entries[0]), 0)).toBe(0);
    expect(__try_to_reclaim_swap(k, si, swp_offset(entries[0]), TTRS_FULL)).toBe(0);
    expect(__try_to_reclaim_swap(k, si, swp_offset(entries[0]), TTRS_ANYWAY)).toBe(1);
    expect(mapByte(k, entries[0])).toBe(0);
    expect(k.nr_swap_pages).toBe(free + 2);
  });

  it("keeps a mapped swap-cache page unless swap is more than half full (TTRS_FULL)", () => {
    // Two areas of 10 pages (9 slots each). A page read back in by one process of a fork pair
    // stays in the swap cache (a read fault, swap not full) and mapped; the other's PTE still
    // holds the entry. When that one goes, the slot is cache-only: free_swap_and_cache frees
    // it only if vm_swap_full (nr_swap_pages * 2 < total_swap_pages).
    for (const full of [false, true]) {
      const { k, root } = boot();
      sys_swapon(k, root, "/dev/vda", { size: 10 * 4096 });
      const { p, a, pfns } = anonPages(k, 1);
      const c = p.fork();
      const e = evict(k, pfns[0]);
      expect(mapByte(k, e)).toBe(2);
      p.read(a, 4096);
      const pfn = follow_pte(k, taskOf(p).mm!, a)!.pfn;
      expect(lookup_swap_cache_pfn(k, e)).toBe(pfn);
      expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE | 1);
      const si = k.swap.swap_info[0]!;
      // Flags without a reason to free do nothing, whatever the page's state.
      expect(__try_to_reclaim_swap(k, si, swp_offset(e), 0)).toBe(0);
      expect(__try_to_reclaim_swap(k, si, swp_offset(e), TTRS_UNMAPPED)).toBe(0); // mapped
      expect(__try_to_reclaim_swap(k, si, swp_offset(e), TTRS_FULL)).toBe(0); // 1 of 9 used
      // 9 slots, 1 in use: take 4 more for 5 used, 4 free: 4 * 2 < 9, half full.
      const held: number[] = [];
      if (full) for (let i = 0; i < 4; i++) held.push(folio_alloc_swap(k, 0));
      expect(vm_swap_full(k)).toBe(full);
      // Half full or not, TTRS_UNMAPPED alone keeps a mapped page.
      expect(__try_to_reclaim_swap(k, si, swp_offset(e), TTRS_UNMAPPED)).toBe(0);
      c.exit();
      expect(lookup_swap_cache_pfn(k, e)).toBe(full ? -1 : pfn);
      expect(mapByte(k, e)).toBe(full ? 0 : SWAP_HAS_CACHE);
      expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(pfn);
      if (full) expect(k.mem_map.flags[pfn] & F(PG_swapcache)).toBe(0);
    }
  });
});

describe("vm_swap_full", () => {
  it("is true only when fewer than half the slots are free, strictly", () => {
    const { k, root } = boot();
    // 11 pages: 10 slots.
    sys_swapon(k, root, "/dev/vda", { size: 11 * 4096 });
    expect(k.total_swap_pages).toBe(10);
    for (let i = 0; i < 5; i++) folio_alloc_swap(k, 0);
    expect(get_nr_swap_pages(k)).toBe(5);
    expect(vm_swap_full(k)).toBe(false); // 5 * 2 = 10, not < 10
    folio_alloc_swap(k, 0);
    expect(vm_swap_full(k)).toBe(true); // 4 * 2 < 10
    expect(si_swapinfo(k)).toEqual({ freeswap: 4, totalswap: 10 });
  });
});

describe("folio_free_swap", () => {
  it("frees the slot of a swap-cache page no PTE refers to, and refuses the others", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const { pfns } = anonPages(k, 1);
    const pfn = pfns[0];
    const mem = k.mem_map;
    // Not in the swap cache.
    expect(folio_free_swap(k, pfn)).toBe(false);
    const e = unmapToSwap(k, pfn);
    // Swapped (the PTE holds the entry): refused.
    expect(mapByte(k, e)).toBe(SWAP_HAS_CACHE | 1);
    expect(folio_free_swap(k, pfn)).toBe(false);
    pageOut(k, pfn);
    swap_free(k, e); // the PTE's reference gone (as zap would, without the reclaim)
    mem._refcount[pfn]++; // the caller's folio_get: the cache's reference is not the last
    // Under writeback: refused.
    expect(mem.flags[pfn] & F(PG_writeback)).not.toBe(0);
    expect(folio_free_swap(k, pfn)).toBe(false);
    folio_wait_writeback(k, pfn);
    expect(mem.flags[pfn] & F(PG_dirty)).toBe(0);
    expect(folio_free_swap(k, pfn)).toBe(true);
    // Out of the cache, dirty again (its only copy is in memory now), the slot free.
    expect(mem.flags[pfn] & F(PG_swapcache)).toBe(0);
    expect(mem.flags[pfn] & F(PG_dirty)).not.toBe(0);
    expect(mapByte(k, e)).toBe(0);
    expect(total_swapcache_pages(k)).toBe(0);
  });
});

describe("swapon's arguments", () => {
  it("takes priorities 0..32767 or -1 for the default, and refuses the rest with -EINVAL", () => {
    const { k, root } = boot();
    const ok = (path: string, priority: number | undefined): number => sys_swapon(k, root, path, { size: 1 * MiB, priority });
    expect(ok("/dev/a", 32768)).toBe(-errnoValues.EINVAL);
    expect(ok("/dev/a", -2)).toBe(-errnoValues.EINVAL);
    expect(ok("/dev/a", 1.5)).toBe(-errnoValues.EINVAL);
    expect(ok("/dev/a", Number.NaN)).toBe(-errnoValues.EINVAL);
    expect(k.swap.swap_info.length).toBe(0);
    expect(ok("/dev/a", 32767)).toBe(0);
    expect(ok("/dev/b", 0)).toBe(0);
    expect(ok("/dev/c", -1)).toBe(0);
    expect(ok("/dev/d", undefined)).toBe(0);
    expect(k.swap.swap_active_head.map((s) => [s.swap_file, s.prio])).toEqual([["/dev/a", 32767], ["/dev/b", 0], ["/dev/c", -2], ["/dev/d", -3]]);
    expect(procRead(k, "/proc/swaps").split("\n")[2]).toMatch(/\t0$/);
  });

  it("refuses a size that is not a finite count of at least 10 pages", () => {
    const { k, root } = boot();
    for (const size of [Number.NaN, Number.POSITIVE_INFINITY, -4096, 10 * 4096 - 1]) {
      expect(sys_swapon(k, root, "/dev/vda", { size })).toBe(-errnoValues.EINVAL);
    }
    expect(k.swap.swap_info.length).toBe(0);
    // mkswap's least: 10 pages, 9 slots; the partial page past them is not used.
    expect(sys_swapon(k, root, "/dev/vda", { size: 10 * 4096 + 4095 })).toBe(0);
    expect(k.total_swap_pages).toBe(9);
    expect(k.swap.swap_info[0]!.max).toBe(10);
  });

  it("refuses a disk a filesystem holds, and reuses a disk the machine has", () => {
    const { k, root } = boot();
    const d = blk_add_disk(k, "/dev/vdb", { size: 8 * MiB });
    d.bd_holder = "ext2:/mnt"; // as do_mount leaves it
    expect(sys_swapon(k, root, "/dev/vdb", { size: 8 * MiB })).toBe(-errnoValues.EBUSY);
    d.bd_holder = null;
    // A disk swap already holds, under another path that names it (vdb for /dev/vdb): 6.1's
    // exclusive open (blkdev_get_by_dev with FMODE_EXCL) refuses a second holder.
    expect(sys_swapon(k, root, "/dev/vdb", { size: 8 * MiB })).toBe(0);
    expect(sys_swapon(k, root, "vdb", { size: 8 * MiB })).toBe(-errnoValues.EBUSY);
    expect(sys_swapoff(k, root, "/dev/vdb")).toBe(0);
    d.busy_until = 0;
    k.now_ns = 5_000_000;
    expect(sys_swapon(k, root, "/dev/vdb", { size: 8 * MiB, latency: 123, bandwidth: 456 })).toBe(0);
    const si = k.swap.swap_info[0]!;
    expect(si.bdev).toBe(d);
    expect(d.bd_holder).toBe("swap");
    expect([d.latency_ns, d.bandwidth, d.busy_until]).toEqual([123, 456, 5_000_000]);
    // A path the machine has no disk for: a new disk with the area's model.
    expect(sys_swapon(k, root, "/dev/vdc", { size: 8 * MiB, latency: 789, bandwidth: 1011, rotational: false })).toBe(0);
    const c = blk_lookup_path(k, "/dev/vdc")!;
    expect(k.swap.swap_info[1]!.bdev).toBe(c);
    expect([c.latency_ns, c.bandwidth, c.bd_holder]).toEqual([789, 1011, "swap"]);
    // swapoff lets the disk go: a filesystem could claim it again.
    expect(sys_swapoff(k, root, "/dev/vdb")).toBe(0);
    expect(blk_lookup_path(k, "/dev/vdb")!.bd_holder).toBe(null);
  });

  it("sets up an SSD's cluster allocator and says SS in its message", () => {
    const { k, root } = boot();
    // 1000 pages: clusters 0 (header + 511) and 1 (488 slots, the rest past the end).
    expect(sys_swapon(k, root, "/dev/nvme0n1", { size: 1000 * 4096, rotational: false })).toBe(0);
    const si = k.swap.swap_info[0]!;
    expect(si.flags & SWP_SOLIDSTATE).toBe(SWP_SOLIDSTATE);
    expect(k.swap.nr_rotate_swap).toBe(0);
    expect(k.log.dmesg()).toContain("Adding 3996k swap on /dev/nvme0n1.  Priority:-2 extents:1 across:3996k SSFS");
    // Neither cluster is free: each holds a slot in use (the header) or past the end.
    expect(Array.from(si.cluster_info!)).toEqual([1, 24]);
    expect(si.free_head).toBe(-1);
    // Every slot is handed out exactly once, then none.
    const seen = new Set<number>();
    for (;;) {
      const e = folio_alloc_swap(k, 0);
      if (e === 0) break;
      seen.add(swp_offset(e));
    }
    expect(seen.size).toBe(999);
    expect(Math.min(...seen)).toBe(1);
    expect(Math.max(...seen)).toBe(999);
    expect(Array.from(si.cluster_info!)).toEqual([512, 512]);
    // swapoff of an SSD area leaves nr_rotate_swap alone; of a rotational one it drops it.
    sys_swapon(k, root, "/dev/vda", { size: 1 * MiB });
    expect(k.swap.nr_rotate_swap).toBe(1);
    for (const o of seen) put_swap_folio(k, 0, swp_entry(0, o));
    expect(sys_swapoff(k, root, "/dev/nvme0n1")).toBe(0);
    expect(k.swap.nr_rotate_swap).toBe(1);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(k.swap.nr_rotate_swap).toBe(0);
  });
});

describe("swapoff", () => {
  it("moves default priorities up only when the area leaving had one", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/a", { size: 1 * MiB, priority: 0 });
    sys_swapon(k, root, "/dev/b", { size: 1 * MiB });
    sys_swapon(k, root, "/dev/c", { size: 1 * MiB, priority: 5 });
    expect(sys_swapoff(k, root, "/dev/a")).toBe(0);
    expect(sys_swapoff(k, root, "/dev/c")).toBe(0);
    // least_priority unchanged: the next default is -3.
    sys_swapon(k, root, "/dev/d", { size: 1 * MiB });
    expect(k.swap.swap_active_head.map((s) => [s.swap_file, s.prio])).toEqual([["/dev/b", -2], ["/dev/d", -3]]);
    // Only areas after the one leaving move up: b leaves, d becomes -2, and the next is -3.
    sys_swapon(k, root, "/dev/e", { size: 1 * MiB, priority: 7 });
    expect(sys_swapoff(k, root, "/dev/b")).toBe(0);
    expect(k.swap.swap_active_head.map((s) => [s.swap_file, s.prio])).toEqual([["/dev/e", 7], ["/dev/d", -2]]);
    sys_swapon(k, root, "/dev/f", { size: 1 * MiB });
    expect(k.swap.swap_active_head.map((s) => s.prio)).toEqual([7, -2, -3]);
  });

  it("leaves nothing of the area: no entries, no /proc/swaps line, not in swapAreas", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/a", { size: 1 * MiB });
    sys_swapon(k, root, "/dev/b", { size: 1 * MiB });
    expect(swapAreas(k).map((s) => s.swap_file)).toEqual(["/dev/a", "/dev/b"]);
    expect(sys_swapoff(k, root, "/dev/a")).toBe(0);
    expect(sys_swapoff(k, root, "/dev/a")).toBe(-errnoValues.EINVAL);
    const si = k.swap.swap_info[0]!;
    expect([si.flags, si.swap_file, si.swap_map.length, si.cluster_info, si.highest_bit]).toEqual([0, "", 0, null, 0]);
    expect(swapAreas(k).map((s) => s.swap_file)).toEqual(["/dev/b"]);
    expect(procRead(k, "/proc/swaps").split("\n").filter(Boolean).length).toBe(2);
    expect(k.total_swap_pages).toBe(255);
    expect(k.swap.swap_avail_head.map((s) => s.swap_file)).toEqual(["/dev/b"]);
  });
});

describe("try_to_unuse", () => {
  it("maps every page back old, with the swap PTE's soft-dirty and exclusive bits, across page tables", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    // Pages 6 MiB apart: two page tables, and PMD ranges without one between them.
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * MiB, { prot: "rw", flags: "private|anonymous" });
    const addrs = [a, a + 4096, a + 6 * MiB];
    for (const x of [...addrs, a + 8192]) p.write(x, 4096);
    const mm = taskOf(p).mm!;
    // One page swapped to vda: swapoff of vdb must leave its PTE alone.
    const other = evict(k, follow_pte(k, mm, a + 8192)!.pfn);
    expect(other >>> 26).toBe(0);
    sys_swapon(k, root, "/dev/vdb", { size: 4 * MiB, priority: 1 });
    const pfns = addrs.map((x) => follow_pte(k, mm, x)!.pfn);
    const entries = pfns.map((pfn) => evict(k, pfn)); // all on vdb, the higher priority
    expect(entries.every((e) => e >>> 26 === 1)).toBe(true);
    // Mark the first swap PTE soft-dirty.
    const pool = k.pgtables;
    pool.ent_flags[pteSlot(k, p, a)] |= _PAGE_SWP_SOFT_DIRTY;
    expect(sys_swapoff(k, root, "/dev/vdb")).toBe(0);
    for (const x of addrs) {
      const pte = follow_pte(k, mm, x)!;
      expect(pte.flags & _PAGE_PRESENT).toBe(_PAGE_PRESENT);
      expect(pte.flags & _PAGE_ACCESSED).toBe(0); // pte_mkold
      expect(k.mem_map.flags[pte.pfn] & F(PG_anon_exclusive)).not.toBe(0); // the swap PTE was exclusive
      expect(k.mem_map.flags[pte.pfn] & F(PG_swapcache)).toBe(0);
    }
    expect(follow_pte(k, mm, a)!.flags & _PAGE_SOFT_DIRTY).toBe(_PAGE_SOFT_DIRTY);
    expect(follow_pte(k, mm, a + 4096)!.flags & _PAGE_SOFT_DIRTY).toBe(0);
    expect(follow_pte(k, mm, a + 8192)!.flags & _PAGE_PRESENT).toBe(0);
    expect(mapByte(k, other)).toBe(1);
  });

  it("frees slots held only by the swap cache, mapped or not", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const { p, a, pfns } = anonPages(k, 2);
    const c = p.fork();
    // Page 0: swapped out, read back by p (cached and mapped), c's reference dropped by hand.
    const e0 = evict(k, pfns[0]);
    p.read(a, 4096);
    // Page 1: swapped out, written, still cached; both PTEs zapped while it was locked.
    const e1 = unmapToSwap(k, pfns[1]);
    pageOut(k, pfns[1]);
    folio_wait_writeback(k, pfns[1]);
    k.mem_map.flags[pfns[1]] |= F(PG_locked);
    c.munmap(a + 4096, 4096);
    p.munmap(a + 4096, 4096);
    k.mem_map.flags[pfns[1]] &= ~F(PG_locked);
    c.exit();
    expect(mapByte(k, e0)).toBe(SWAP_HAS_CACHE);
    expect(mapByte(k, e1)).toBe(SWAP_HAS_CACHE);
    expect(total_swapcache_pages(k)).toBe(2);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(total_swapcache_pages(k)).toBe(0);
    expect(k.swap.swap_info[0]!.inuse_pages).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & _PAGE_PRESENT).toBe(_PAGE_PRESENT);
  });
});

describe("/proc/swaps (swap_show)", () => {
  it("pads the path to 40 columns, at least one space, and drops the extra tab from 10,000,000 KiB", () => {
    const { k, root } = boot();
    const p38 = "/dev/" + "x".repeat(33);
    const p39 = "/dev/" + "y".repeat(34);
    const p45 = "/dev/" + "z".repeat(40);
    const p40 = "/dev/" + "w".repeat(35);
    sys_swapon(k, root, p38, { size: 1 * MiB, priority: 3 });
    sys_swapon(k, root, p39, { size: 1 * MiB, priority: 2 });
    // 2,500,001 pages: 2,500,000 slots = 10,000,000 KiB, which gets no extra tab.
    sys_swapon(k, root, p45, { size: 2_500_001 * 4096, priority: 1 });
    sys_swapon(k, root, p40, { size: 1 * MiB, priority: 0 });
    const si = k.swap.swap_info[2]!;
    si.inuse_pages = 2_499_999; // 9,999,996 KiB used: still the extra tab (a count, read as is)
    const lines = procRead(k, "/proc/swaps").split("\n");
    expect(lines[1]).toBe(p38 + "  partition\t1020\t\t0\t\t3");
    expect(lines[2]).toBe(p39 + " partition\t1020\t\t0\t\t2");
    expect(lines[3]).toBe(p45 + " partition\t10000000\t9999996\t\t1");
    expect(lines[4]).toBe(p40 + " partition\t1020\t\t0\t\t0");
    si.inuse_pages = 2_500_000;
    expect(procRead(k, "/proc/swaps").split("\n")[3]).toBe(p45 + " partition\t10000000\t10000000\t1");
    si.inuse_pages = 0;
  });
});

describe("an area's users", () => {
  it("counts swap-cache pages only on areas in use, and lists only areas open for writing", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const { pfns } = anonPages(k, 3);
    for (const pfn of pfns) unmapToSwap(k, pfn);
    expect(total_swapcache_pages(k)).toBe(3);
    const si = k.swap.swap_info[0]!;
    si.flags &= ~SWP_USED;
    expect(total_swapcache_pages(k)).toBe(0);
    si.flags |= SWP_USED;
    si.flags &= ~SWP_WRITEOK;
    expect(swapAreas(k)).toEqual([]);
    si.flags |= SWP_WRITEOK;
    expect(swapAreas(k)).toEqual([si]);
  });
});

describe("slot allocation's bookkeeping", () => {
  it("moves lowest_bit and highest_bit as swap_range_alloc and swap_range_free do, and the full area leaves swap_avail", () => {
    const { k, root } = boot();
    // 20 pages: slots 1..19.
    sys_swapon(k, root, "/dev/vda", { size: 20 * 4096 });
    const si = k.swap.swap_info[0]!;
    expect([si.lowest_bit, si.highest_bit]).toEqual([1, 19]);
    const out = new Int32Array(64);
    // Batches: n_goal = min(n_goal, SWAP_BATCH, nr_swap_pages).
    expect(get_swap_pages(k, 5, out)).toBe(5);
    expect(Array.from(out.subarray(0, 5), swp_offset)).toEqual([1, 2, 3, 4, 5]);
    expect([si.lowest_bit, si.highest_bit, si.inuse_pages]).toEqual([6, 19, 5]);
    expect(k.nr_swap_pages).toBe(14);
    // Asking for more than is free hands out what is free; highest_bit drops with the top slot,
    // and a full area reads lowest_bit = max, highest_bit = 0 and leaves swap_avail.
    expect(get_swap_pages(k, 100, out)).toBe(14);
    expect(Array.from(out.subarray(0, 14), swp_offset)).toEqual(Array.from({ length: 14 }, (_, i) => i + 6));
    expect([si.lowest_bit, si.highest_bit, si.inuse_pages]).toEqual([20, 0, 19]);
    expect(k.swap.swap_avail_head).toEqual([]);
    expect(k.nr_swap_pages).toBe(0);
    expect(get_swap_pages(k, 1, out)).toBe(0);
    expect(folio_alloc_swap(k, 0)).toBe(0);
    // Frees widen the bounds; the first brings the area back to swap_avail.
    put_swap_folio(k, 0, swp_entry(0, 7));
    expect([si.lowest_bit, si.highest_bit]).toEqual([7, 7]);
    expect(k.swap.swap_avail_head).toEqual([si]);
    put_swap_folio(k, 0, swp_entry(0, 3));
    expect([si.lowest_bit, si.highest_bit]).toEqual([3, 7]);
    put_swap_folio(k, 0, swp_entry(0, 12));
    expect([si.lowest_bit, si.highest_bit]).toEqual([3, 12]);
    put_swap_folio(k, 0, swp_entry(0, 5));
    expect([si.lowest_bit, si.highest_bit, si.inuse_pages]).toEqual([3, 12, 15]);
    expect(k.nr_swap_pages).toBe(4);
    // Taking the slot at lowest_bit moves it up by one; the one at highest_bit moves that down.
    si.cluster_next = 3;
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(3);
    expect([si.lowest_bit, si.highest_bit]).toEqual([4, 12]);
    si.cluster_next = 12;
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(12);
    expect([si.lowest_bit, si.highest_bit]).toEqual([4, 11]);
  });

  it("does not put an area being swapped off back on swap_avail when its slots come free", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 10 * 4096 });
    const { pfns } = anonPages(k, 9);
    for (const pfn of pfns) evict(k, pfn);
    const si = k.swap.swap_info[0]!;
    expect(si.highest_bit).toBe(0);
    expect(k.swap.swap_avail_head).toEqual([]);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(k.swap.swap_avail_head).toEqual([]);
    expect(si.inuse_pages).toBe(0);
  });

  it("reuses a cache-only slot at the scan's position once swap is half full (TTRS_ANYWAY), unless the page is locked", () => {
    for (const locked of [false, true]) {
      const { k, root } = boot();
      // 11 pages: slots 1..10. Slot 3 gets a swap-cache page, the others bare entries.
      sys_swapon(k, root, "/dev/vda", { size: 11 * 4096 });
      const { pfns } = anonPages(k, 1);
      const pfn = pfns[0];
      const mem = k.mem_map;
      folio_alloc_swap(k, 0);
      folio_alloc_swap(k, 0);
      mem.flags[pfn] |= F(PG_locked);
      expect(add_to_swap(k, pfn)).toBe(true);
      mem.flags[pfn] &= ~F(PG_locked);
      expect(swp_offset(mem.private[pfn])).toBe(3);
      for (let i = 4; i <= 10; i++) folio_alloc_swap(k, 0);
      put_swap_folio(k, 0, swp_entry(0, 2));
      put_swap_folio(k, 0, swp_entry(0, 9));
      expect(vm_swap_full(k)).toBe(true); // 2 free of 10
      // The scan starts past highest_bit (9), so at lowest_bit: slot 2, and lowest_bit is 3 now.
      expect(swp_offset(folio_alloc_swap(k, 0))).toBe(2);
      // Next from 3: a cache-only slot while swap is half full is reclaimed and handed out.
      if (locked) mem.flags[pfn] |= F(PG_locked);
      expect(swp_offset(folio_alloc_swap(k, 0))).toBe(locked ? 9 : 3);
      expect(mem.flags[pfn] & F(PG_swapcache)).toBe(locked ? F(PG_swapcache) : 0);
    }
  });

  it("does not reuse a cache-only slot while swap is less than half full", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 11 * 4096 });
    const { pfns } = anonPages(k, 1);
    const mem = k.mem_map;
    mem.flags[pfns[0]] |= F(PG_locked);
    add_to_swap(k, pfns[0]); // slot 1
    mem.flags[pfns[0]] &= ~F(PG_locked);
    const si = k.swap.swap_info[0]!;
    si.cluster_next = 1;
    expect(vm_swap_full(k)).toBe(false);
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(2);
    expect(mem.flags[pfns[0]] & F(PG_swapcache)).toBe(F(PG_swapcache));
  });
});

describe("an SSD's clusters", () => {
  it("gives each CPU a cluster of its own and drops one that came free while it was this CPU's", () => {
    const { k, root } = boot(128 * MiB, 2);
    sys_swapon(k, root, "/dev/nvme0n1", { size: 512 * MiB, rotational: false });
    // free_clusters as setup_swap_map_and_extents lists 256 clusters: 32 apart (0 holds the
    // header): 32, 64, … 224, 1, 33, …
    k.cpu = 0;
    const a0 = folio_alloc_swap(k, 0);
    k.cpu = 1;
    const b0 = folio_alloc_swap(k, 0);
    k.cpu = 0;
    const a1 = folio_alloc_swap(k, 0);
    expect([a0, b0, a1].map(swp_offset)).toEqual([32 * 512, 64 * 512, 32 * 512 + 1]);
    // CPU 1's cluster comes free again (its one slot freed): it goes to the tail of
    // free_clusters; CPU 1's next slot would be in it, a free cluster not at the head: the
    // conflict check drops it and CPU 1 takes the head, cluster 96.
    put_swap_folio(k, 0, b0);
    const si = k.swap.swap_info[0]!;
    expect(si.free_head).toBe(96);
    expect(si.free_tail).toBe(64);
    k.cpu = 1;
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(96 * 512);
    k.cpu = 0;
  });

  it("frees a cluster whose slots all come free and hands it out again in list order", () => {
    const { k, root } = boot();
    // 2048 pages: clusters 0..3, listed 1, 2, 3 (0 holds the header).
    sys_swapon(k, root, "/dev/nvme0n1", { size: 2048 * 4096, rotational: false });
    const si = k.swap.swap_info[0]!;
    expect([si.free_head, si.free_tail]).toEqual([1, 3]);
    const first = Array.from({ length: 512 }, () => swp_offset(folio_alloc_swap(k, 0)));
    expect(first[0]).toBe(512);
    expect(first[511]).toBe(1023);
    expect(si.cluster_info![1]).toBe(512);
    expect([si.free_head, si.free_tail]).toEqual([2, 3]);
    for (const o of first) put_swap_folio(k, 0, swp_entry(0, o));
    // Cluster 1 is free again, behind 3.
    expect(si.cluster_info![1]).toBe(0);
    expect([si.free_head, si.free_tail]).toEqual([2, 1]);
    expect(si.cluster_next_link[3]).toBe(1);
    expect(si.cluster_prev_link[1]).toBe(3);
    // CPU 0's cluster 1 is free and not the head: it moves on to 2.
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(1024);
    expect([si.free_head, si.free_tail]).toEqual([3, 1]);
    expect(si.cluster_prev_link[3]).toBe(-1);
  });
});

describe("swap.max", () => {
  it("gives a memcg at memory.swap.max no slot, and hands the slot back", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    m.spawn({ comm: "sh" }).swapon("/dev/vda", { size: "16M" });
    m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    m.mkdir("/sys/fs/cgroup/s");
    m.write("/sys/fs/cgroup/s/memory.swap.max", "8K");
    const p = m.spawn({ comm: "t", cgroup: "/s" });
    const a = p.mmap(3 * 4096);
    p.write(a, 3 * 4096);
    const pfns = [0, 1, 2].map((i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
    const free = k.nr_swap_pages;
    const e = pfns.map((pfn) => folio_alloc_swap(k, pfn));
    expect(e[0]).not.toBe(0);
    expect(e[1]).not.toBe(0);
    expect(e[2]).toBe(0);
    expect(k.nr_swap_pages).toBe(free - 2);
    expect(k.swap.swap_info[0]!.inuse_pages).toBe(2);
    expect(m.read("/sys/fs/cgroup/s/memory.swap.current").trim()).toBe("8192");
    // Freeing a charged slot uncharges it (mem_cgroup_uncharge_swap).
    put_swap_folio(k, pfns[0], e[0]);
    expect(m.read("/sys/fs/cgroup/s/memory.swap.current").trim()).toBe("4096");
    expect(k.swap.swap_info[0]!.swap_cgroup[swp_offset(e[0])]).toBe(0);
  });
});

describe("more of swapon and swapoff", () => {
  it("starts an SSD's scan after the CPU's cluster_next_cpu, 1 + a random offset below highest_bit, when no cluster is free", () => {
    const { k, root } = boot(128 * MiB, 2);
    // 1000 pages: neither cluster is free (see above), so every allocation scans.
    sys_swapon(k, root, "/dev/nvme0n1", { size: 1000 * 4096, rotational: false });
    const si = k.swap.swap_info[0]!;
    for (const cpu of [0, 1]) {
      const base = si.cluster_next_cpu[cpu];
      expect(base).toBeGreaterThanOrEqual(1);
      expect(base).toBeLessThanOrEqual(999);
      k.cpu = cpu;
      // scan_swap_map_try_ssd_cluster fails, so `goto scan`: `while (++offset <= highest_bit)`
      // from scan_base, the slot after the base (or, past the top, lowest_bit).
      const want = base < si.highest_bit ? base + 1 : si.lowest_bit;
      if (si.swap_map[want] === 0) expect(swp_offset(folio_alloc_swap(k, 0))).toBe(want);
    }
    k.cpu = 0;
  });

  it("keeps the admin reserve for swapoff's commit check: the caller is CAP_SYS_ADMIN", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 1 * MiB });
    const p = spawnProcess(k, { comm: "admin", image: null });
    // overcommit_memory 2, ratio 100: CommitLimit = RAM + swap; an admin reserve larger than
    // all of it would refuse the 255 pages if swapoff's caller were not CAP_SYS_ADMIN.
    k.vm.overcommit_memory = 2;
    k.vm.overcommit_ratio = 100;
    k.vm.admin_reserve_kbytes = 1 << 30;
    expect(sys_swapoff(k, taskOf(p), "/dev/vda")).toBe(0);
  });

  it("swaps back shared, non-exclusive entries of every mm and leaves PROT_NONE pages as they are", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const { p, a, pfns } = anonPages(k, 2);
    // A second VMA, PROT_NONE, with a present page (_PAGE_PROTNONE, not _PAGE_PRESENT).
    const b = p.mmap(4096, { prot: "rw", flags: "private|anonymous" });
    p.write(b, 4096);
    p.mprotect(b, 4096, "none");
    const c = p.fork();
    const shared = evict(k, pfns[0]); // both PTEs: type 0, not exclusive
    expect(mapByte(k, shared)).toBe(2);
    // A third VMA in the child with a page of its own.
    const d = c.mmap(4096, { prot: "rw", flags: "private|anonymous" });
    c.write(d, 4096);
    const own = evict(k, follow_pte(k, taskOf(c).mm!, d)!.pfn);
    const bpte = follow_pte(k, taskOf(p).mm!, b)!;
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    for (const [q, x] of [[p, a], [c, a], [c, d]] as const) {
      const pte = follow_pte(k, taskOf(q).mm!, x)!;
      expect(pte.flags & _PAGE_PRESENT).toBe(_PAGE_PRESENT);
    }
    // The shared page is one page mapped twice, not exclusive to either.
    const pp = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(pp);
    expect(k.mem_map.flags[pp] & F(PG_anon_exclusive)).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, b)).toEqual(bpte);
    expect(own).not.toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, a + 4096)!.pfn).toBe(pfns[1]);
  });
});

describe("get_swap_pages' batches", () => {
  it("hands out at most SWAP_BATCH (64) entries a call, in a row on a rotational area", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const out = new Int32Array(128);
    // The first call searches for a free cluster and spends 511 turns of latency_ration on it
    // (swapfile.paths2.test.ts); one slot, then a call that finds the cluster under way.
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(1);
    expect(get_swap_pages(k, 100, out)).toBe(64);
    expect(Array.from(out.subarray(0, 64), swp_offset)).toEqual(Array.from({ length: 64 }, (_, i) => i + 2));
    expect(k.nr_swap_pages).toBe(1023 - 65);
  });

  it("runs on into the next free cluster when an SSD's per-CPU cluster fills mid-batch", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/nvme0n1", { size: 512 * MiB, rotational: false });
    for (let i = 0; i < 510; i++) folio_alloc_swap(k, 0);
    const out = new Int32Array(8);
    // Cluster 32 (slots 16384..16895) has 2 left; the batch takes them, then cluster 64's first.
    expect(get_swap_pages(k, 5, out)).toBe(5);
    expect(Array.from(out.subarray(0, 5), swp_offset)).toEqual([16894, 16895, 32768, 32769, 32770]);
  });
});

describe("set_cluster_next and the priority lists", () => {
  it("moves an SSD CPU's scan base to a random swapper_space trunk when an allocation crosses into another", () => {
    const { k, root } = boot();
    // 512 MiB: 131072 slots, eight trunks of 16384 (SWAP_ADDRESS_SPACE_PAGES).
    sys_swapon(k, root, "/dev/nvme0n1", { size: 512 * MiB, rotational: false });
    const si = k.swap.swap_info[0]!;
    let crossings = 0;
    let awayFromFirst = 0;
    for (let n = 0; n < 4 * 512; n++) {
      const prev = si.cluster_next_cpu[0];
      const offset = swp_offset(folio_alloc_swap(k, 0));
      const next = si.cluster_next_cpu[0];
      if (prev >>> 14 === (offset + 1) >>> 14) {
        expect([n, next]).toEqual([n, offset + 1]);
      } else {
        // next = max(ALIGN_DOWN(lowest_bit + prandom_u32_max(highest_bit - lowest_bit + 1),
        // SWAP_ADDRESS_SPACE_PAGES), lowest_bit): a trunk's first slot, or lowest_bit.
        crossings++;
        expect(next === si.lowest_bit || (next % 16384 === 0 && next > si.lowest_bit && next <= si.highest_bit)).toBe(true);
        if (next >= 16384) awayFromFirst++;
      }
    }
    // Clusters 32, 64, 96, 128 lie in trunks 1..4, so the scan base crosses trunks; the random
    // trunk is trunk 0 with probability 1/8 each time, so not every time.
    expect(crossings).toBeGreaterThan(0);
    expect(awayFromFirst).toBeGreaterThan(0);
  });

  it("takes turns among three areas of one priority, after the higher one, new equals last", () => {
    const { k, root } = boot();
    for (const d of ["/dev/a", "/dev/b", "/dev/c"]) sys_swapon(k, root, d, { size: 1 * MiB, priority: 3 });
    sys_swapon(k, root, "/dev/d", { size: 1 * MiB, priority: 2 });
    expect(k.swap.swap_active_head.map((s) => s.type)).toEqual([0, 1, 2, 3]);
    const types = Array.from({ length: 7 }, () => folio_alloc_swap(k, 0) >>> 26);
    expect(types).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(k.swap.swap_avail_head.map((s) => s.type)).toEqual([1, 2, 0, 3]);
  });
});

describe("unuse_pte_range's walk", () => {
  it("reads only swap PTEs: VMA readahead's address is the last swap PTE's, not a none PTE's after it", () => {
    const { k, root } = boot();
    // An SSD: no rotational area, so swapin_readahead is VMA readahead.
    sys_swapon(k, root, "/dev/nvme0n1", { size: 4 * MiB, rotational: false });
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(16 * 4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4 * 4096);
    const mm = taskOf(p).mm!;
    for (let i = 0; i < 4; i++) evict(k, follow_pte(k, mm, a + i * 4096)!.pfn);
    expect(sys_swapoff(k, root, "/dev/nvme0n1")).toBe(0);
    // 6.1: each swap PTE walked sets vma->swap_readahead_info's address (swap_cache_get_folio on
    // a hit, swap_vma_readahead on a miss); the 12 none PTEs after them are skipped.
    expect(SWAP_RA_ADDR(GET_SWAP_RA_VAL(find_vma(mm, a)!))).toBe(a + 3 * 4096);
    for (let i = 0; i < 4; i++) expect(follow_pte(k, mm, a + i * 4096)!.flags & _PAGE_PRESENT).toBe(_PAGE_PRESENT);
  });
});
