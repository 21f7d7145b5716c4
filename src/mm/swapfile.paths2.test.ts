/**
 * The slot allocator's fragmented-area paths, each held to 6.1's mm/swapfile.c:
 * scan_swap_map_slots' rotational cluster countdown and first-free-run search, the look-ahead
 * after a used slot, latency_ration and scanned_many (which end a batch early), the scan: label's
 * two loops, and get_swap_pages' walk of swap_avail_head (requeue among equals, an area that is
 * full or no longer writable dropped from the list, an area whose scan finds nothing, the
 * nr_swap_pages it gives back). Each test lays an area out slot by slot inside `it` (fill it,
 * then free the slots the test wants free) and works out the slots and counters 6.1 hands out in
 * its comments. Written to kill the mutants `npm run mutate -- src/mm/swapfile.ts:560-867`
 * left (docs/architecture.md, "Mutation testing"); the file runs in a few seconds.
 */
import { describe, expect, it } from "vitest";
import { taskOf } from "../api/internals.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { F, PG_locked, PG_swapcache } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { add_to_swap } from "./swap_state.js";
import {
  COUNT_CONTINUED,
  get_swap_pages,
  put_swap_folio,
  scan_swap_map_slots,
  SWAP_HAS_CACHE,
  SWAP_MAP_BAD,
  swap_duplicate,
  swap_info_struct,
  SWP_WRITEOK,
  swapcache_prepare,
  sys_swapon,
  vm_swap_full,
} from "./swapfile.js";
import { swp_entry, swp_offset, swp_type } from "./swapops.js";

const MiB = 1 << 20;
type K = ReturnType<typeof start_kernel>;

/**
 * A machine with one area of `pages` pages (slots 1..pages-1), rotational unless `ssd`; with
 * `spare`, a second, lower-priority area of 32 MiB keeps swap under half full however full the
 * first is, so the fast scan (`k.fastPaths`, not vm_swap_full) is the one that runs.
 */
function machine(pages: number, ssd = false, fast = true, spare = false): { k: K; si: swap_info_struct } {
  const k = start_kernel({ memory: 128 * MiB });
  k.fastPaths = fast;
  expect(sys_swapon(k, k.tasks.init, ssd ? "/dev/nvme0n1" : "/dev/vda", { size: pages * 4096, rotational: !ssd })).toBe(0);
  if (spare) expect(sys_swapon(k, k.tasks.init, "/dev/vdz", { size: 32 * MiB })).toBe(0);
  const si = k.swap.swap_info[0]!;
  return { k, si };
}

/**
 * Takes every slot of area `si` (each then reads SWAP_HAS_CACHE), then frees those `free` says:
 * the rest are left with one PTE reference (swap_map 1, no cache), as a page swapped out and
 * dropped from the cache leaves them.
 */
function layout(k: K, si: swap_info_struct, free: (o: number) => boolean): void {
  const out = new Int32Array(64);
  // Only this area may be on swap_avail while it fills.
  const others = k.swap.swap_avail_head.filter((s) => s !== si);
  k.swap.swap_avail_head = [si];
  while (get_swap_pages(k, 64, out) > 0);
  expect(si.inuse_pages).toBe(si.pages);
  k.swap.swap_avail_head = others;
  for (let o = 1; o < si.max; o++) {
    const e = swp_entry(si.type, o);
    if (!free(o)) swap_duplicate(k, e);
    put_swap_folio(k, 0, e);
  }
}

/** get_swap_pages(n): the offsets handed out. */
function take(k: K, n: number): number[] {
  const out = new Int32Array(64);
  const got = get_swap_pages(k, n, out);
  return Array.from(out.subarray(0, got), swp_offset);
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("a rotational area's cluster countdown", () => {
  it("takes a batch in a row from the first free run, counting cluster_nr down per slot", () => {
    const { k, si } = machine(1024);
    // swapon: cluster_next 1, cluster_nr 0. The first call's `!si->cluster_nr--` is true and
    // 1023 slots are free (≥ SWAPFILE_CLUSTER), so the search from lowest_bit finds 1..512:
    // cluster_next = 1, cluster_nr = 511. It took a `--latency_ration` turn at offsets 1..511:
    // 256 - (511 - 257) % 257 = 2 left. Slots 2 and 3 come by `si->cluster_nr &&
    // !si->swap_map[++offset]` with --cluster_nr (509); after slot 3 latency_ration is -1:
    // done, three slots, cluster_next 4; get_swap_pages gives the other 61 back.
    expect(take(k, 64)).toEqual([1, 2, 3]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([4, 509]);
    expect(k.nr_swap_pages).toBe(1023 - 3);
    // No search now (cluster_nr-- leaves 508): a whole batch, 63 more turns of --cluster_nr.
    expect(take(k, 64)).toEqual(range(4, 67));
    expect([si.cluster_next, si.cluster_nr]).toEqual([68, 445]);
    // One slot: cluster_nr-- (445, not 0: no search), slot 68.
    expect(take(k, 1)).toEqual([68]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([69, 444]);
    // cluster_nr 1: the call's `cluster_nr--` leaves 0, so the batch's next slots come by the
    // look-ahead (which does not count cluster_nr down); the offset is not moved on by the
    // cluster test (`si->cluster_nr && …` stops at 0), so the look-ahead starts at the slot just
    // taken and reads one slot on.
    si.cluster_nr = 1;
    expect(take(k, 3)).toEqual([69, 70, 71]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([72, 0]);
    // cluster_nr 0: the next call searches again from lowest_bit (72).
    expect(take(k, 1)).toEqual([72]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([73, 511]);
  });

  it("ends a batch at the area's highest slot: cluster_next is that slot + 1", () => {
    const { k, si } = machine(20);
    // 19 free slots, fewer than SWAPFILE_CLUSTER: no search, cluster_nr = 511, `goto checks` at
    // cluster_next. Slots 15..19; after 19 `offset >= si->highest_bit` (18 now) ends the batch
    // with offset 19, so cluster_next = 20; cluster_nr 511 - 4.
    si.cluster_next = 15;
    expect(take(k, 10)).toEqual([15, 16, 17, 18, 19]);
    // swap_range_alloc lowers highest_bit only for the top slot: 18.
    expect([si.cluster_next, si.cluster_nr, si.highest_bit]).toEqual([20, 507, 18]);
    // get_swap_pages gives back the 5 it did not hand out: 19 - 5 free.
    expect(k.nr_swap_pages).toBe(14);
    // The next call starts past highest_bit: `scan_base = offset = si->lowest_bit` (1).
    expect(take(k, 2)).toEqual([1, 2]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([3, 505]);
  });

  for (const fast of [true, false]) {
    it(`searches only when at least SWAPFILE_CLUSTER slots are free${fast ? "" : " (slot by slot)"}`, () => {
      // 1024 pages: slots 1..1023. Every other slot free (2, 4, … 1022): 511 free, no run.
      for (const extra of [false, true]) {
        const { k, si } = machine(1024, false, fast);
        layout(k, si, (o) => o % 2 === 0 || (extra && o === 1023));
        expect(k.nr_swap_pages).toBe(extra ? 512 : 511);
        si.cluster_next = 500;
        si.cluster_nr = 0;
        // 511 free: `si->pages - si->inuse_pages < SWAPFILE_CLUSTER`, cluster_nr 511 and the slot
        // at cluster_next. 512: the search from lowest_bit (2) finds no run of 512 and falls back
        // to `offset = scan_base` = lowest_bit, also with cluster_nr 511.
        expect(take(k, 1)).toEqual([extra ? 2 : 500]);
        expect([si.cluster_next, si.cluster_nr]).toEqual([extra ? 3 : 501, 511]);
      }
    });

    it(`finds the first run of exactly SWAPFILE_CLUSTER free slots, also one ending at highest_bit${fast ? "" : " (slot by slot)"}`, () => {
      // 2048 pages: slots 1..2047. Free: 100..610 (511, one short) and 700..1211 (512).
      {
        const { k, si } = machine(2048, false, fast);
        layout(k, si, (o) => (o >= 100 && o <= 610) || (o >= 700 && o <= 1211));
        expect([si.lowest_bit, si.highest_bit]).toEqual([100, 1211]);
        si.cluster_nr = 0;
        expect(take(k, 1)).toEqual([700]);
        expect([si.cluster_next, si.cluster_nr]).toEqual([701, 511]);
        // The run is the cluster: the next 511 come in a row.
        expect(take(k, 64)).toEqual(range(701, 764));
      }
      // Free: 100..610 and 1536..2047, the last 512 slots: last_in_cluster = 2047 =
      // highest_bit, still inside the loop's `last_in_cluster <= si->highest_bit`.
      {
        const { k, si } = machine(2048, false, fast);
        layout(k, si, (o) => (o >= 100 && o <= 610) || o >= 1536);
        si.cluster_nr = 0;
        expect(take(k, 1)).toEqual([1536]);
        expect([si.cluster_next, si.cluster_nr]).toEqual([1537, 511]);
      }
      // A used slot one short of the end of a run moves last_in_cluster 512 past it: free
      // 100..611 but 611 used → 612..1123 is the run (1124 used).
      {
        const { k, si } = machine(2048, false, fast);
        layout(k, si, (o) => (o >= 100 && o <= 1123 && o !== 611));
        si.cluster_nr = 0;
        expect(take(k, 1)).toEqual([612]);
      }
    });
  }
});

describe("latency_ration spent in the first-free-run search", () => {
  for (const fast of [true, false]) {
    const how = fast ? "" : " (slot by slot)";
    it(`cuts the batch that follows a search which found its run${how}`, () => {
      const { k, si } = machine(2048, false, fast);
      // Free: 1, then 250..2047. The search reads offset 1 (free), 2..249 (used: last_in_cluster
      // 249 + 512 = 761), 250..761, where offset == last_in_cluster: the run starts at 250.
      // Every offset before 761 took a `--latency_ration` turn: 760 turns from 256 leave
      // 256 - (760 - 257) % 257 = 10 (two resets, no scanned_many). Then each slot taken costs
      // one: after the 11th, -1 < 0 ends the batch (`if (n_ret) goto done`).
      layout(k, si, (o) => o === 1 || o >= 250);
      si.cluster_nr = 0;
      expect(take(k, 64)).toEqual(range(250, 260));
      expect([si.cluster_next, si.cluster_nr]).toEqual([261, 501]);
    });

    it(`cuts the batch that follows a search which found no run${how}`, () => {
      const { k, si } = machine(2048, false, fast);
      // Free: 1..300 and the even slots 302..1518 (909 free, no run of 512). highest_bit 1518:
      // the loop stops after the first used slot whose last_in_cluster passes it, 1007
      // (1007 + 512 = 1519): 1007 turns leave 256 - (1007 - 257) % 257 = 20. `offset =
      // scan_base` (lowest_bit 1), cluster_nr 511, and the batch takes 21 slots in a row.
      layout(k, si, (o) => o <= 300 || (o <= 1518 && o % 2 === 0));
      expect(k.nr_swap_pages).toBe(909);
      si.cluster_nr = 0;
      expect(take(k, 64)).toEqual(range(1, 21));
      expect([si.cluster_next, si.cluster_nr]).toEqual([22, 491]);
    });
  }
});

describe("the look-ahead after a used slot", () => {
  it("skips used slots within a batch, counting cluster_nr down only for the slot right after", () => {
    const { k, si } = machine(1024);
    layout(k, si, (o) => o !== 3 && o !== 5 && o !== 6);
    expect([si.lowest_bit, si.highest_bit]).toEqual([1, 1023]);
    si.cluster_next = 1;
    si.cluster_nr = 100;
    // cluster_nr-- → 99; 1; 2 (++offset free: 98); ++offset 3 used, look-ahead to 4; ++offset
    // 5 used, look-ahead 6 used, 7; ++offset 8 free (97). Five: done at 8.
    expect(take(k, 5)).toEqual([1, 2, 4, 7, 8]);
    expect([si.cluster_next, si.cluster_nr]).toEqual([9, 97]);
  });

  it("reads on while --latency_ration stays above 0: 254 used slots after the first, not 255", () => {
    for (const lastUsed of [254, 255]) {
      const { k, si } = machine(1024);
      // Slot 1 free, 2..lastUsed used, the rest free.
      layout(k, si, (o) => o === 1 || o > lastUsed);
      si.cluster_next = 1;
      si.cluster_nr = 100;
      // latency_ration 256; after slot 1, `--latency_ration < 0` leaves 255. ++offset 2 is used,
      // so the look-ahead (scan_limit = highest_bit) reads offset o with latency_ration
      // 256 - o after its decrement: offsets 2..255. Slot 255 is found; with 255 used the loop
      // stops at offset 256 (latency_ration 0), done: cluster_next 257, one slot.
      if (lastUsed === 254) {
        expect(take(k, 2)).toEqual([1, 255]);
        expect(si.cluster_next).toBe(256);
      } else {
        expect(take(k, 2)).toEqual([1]);
        expect(si.cluster_next).toBe(257);
        expect(k.nr_swap_pages).toBe(1023 - 254 - 1);
      }
    }
  });
});

describe("latency_ration and scanned_many after the scan", () => {
  for (const fast of [true, false]) {
    const how = fast ? "" : " (slot by slot)";
    it(`stops a batch once a scan past LATENCY_LIMIT slots set scanned_many${how}`, () => {
      for (const used of [200, 300]) {
        const { k, si } = machine(1024, false, fast);
        // 1..used used, used+1 free, used+2 used, the rest free; swap not half full.
        layout(k, si, (o) => o > used && o !== used + 2);
        expect(vm_swap_full(k)).toBe(false);
        si.cluster_next = 1;
        si.cluster_nr = 100;
        // Slot 1 is used: `goto scan`, which reads offsets 2..used+1, `used` turns of
        // `--latency_ration < 0`. 200 turns leave 56 and scanned_many false: the look-ahead
        // after used+1 (used+2 is used) finds used+3, then used+4 follows in the cluster. 300
        // turns pass 257: scanned_many, so no look-ahead: one slot, done at used+2.
        if (used === 200) {
          expect(take(k, 3)).toEqual([201, 203, 204]);
          expect(si.cluster_next).toBe(205);
        } else {
          expect(take(k, 3)).toEqual([301]);
          expect(si.cluster_next).toBe(303);
        }
      }
    });

    it(`ends a batch when --latency_ration goes below 0 after a slot${how}`, () => {
      for (const used of [255, 256]) {
        const { k, si } = machine(1024, false, fast);
        layout(k, si, (o) => o > used);
        si.cluster_next = 1;
        si.cluster_nr = 100;
        // The scan reads 2..used+1: `used` turns from 256 leave 256 - used (1 or 0), with no
        // reset, so scanned_many stays false. After slot used+1, --latency_ration: 0 goes on to
        // the next slot in the cluster, whose decrement gives -1: done (two slots); -1 at once
        // ends the batch at one slot.
        if (used === 255) {
          expect(take(k, 4)).toEqual([256, 257]);
          expect(si.cluster_next).toBe(258);
        } else {
          expect(take(k, 4)).toEqual([257]);
          expect(si.cluster_next).toBe(258);
        }
      }
    });

    it(`starts past a stale highest_bit at lowest_bit, and without a free slot returns 0 with cluster_next unmoved${how}`, () => {
      const { k, si } = machine(1024, false, fast);
      layout(k, si, (o) => o === 10 || o === 11 || o === 600);
      si.cluster_nr = 100;
      // A rotational area checks scan_base itself first (`goto checks`): 600.
      si.cluster_next = 600;
      expect(take(k, 1)).toEqual([600]);
      // swap_range_alloc lowers highest_bit by the one slot taken: 599, though 10 and 11 are the
      // only free slots left. cluster_next 601 > highest_bit: scan_base = offset = lowest_bit.
      expect([si.cluster_next, si.lowest_bit, si.highest_bit]).toEqual([601, 10, 599]);
      expect(take(k, 4)).toEqual([10, 11]);
      expect(si.cluster_next).toBe(12);
      expect(k.nr_swap_pages).toBe(0);
      // Free slots taken behind the allocator's back (swap_map set, nothing else): both of the
      // scan's loops read their whole range, `goto no_page` leaves cluster_next and returns 0.
      const m = machine(1024, false, fast);
      layout(m.k, m.si, (o) => o === 10 || o === 600);
      m.si.swap_map[10] = 1;
      m.si.swap_map[600] = 1;
      m.si.cluster_nr = 100;
      m.si.cluster_next = 300;
      const flags = m.si.flags;
      expect(scan_swap_map_slots(m.k, m.si, SWAP_HAS_CACHE, 1, new Int32Array(1))).toBe(0);
      expect([m.si.cluster_next, m.si.cluster_nr, m.si.flags]).toEqual([300, 99, flags]);
    });

    it(`wraps round to lowest_bit when nothing above scan_base is free${how}`, () => {
      const { k, si } = machine(1024, false, fast);
      // Free: 5, 7 and 900; cluster_next 800, used: the scan's first loop reads 801..900.
      layout(k, si, (o) => o === 5 || o === 7 || o === 900);
      si.cluster_nr = 100;
      si.cluster_next = 800;
      expect(take(k, 1)).toEqual([900]);
      expect([si.cluster_next, si.highest_bit]).toEqual([901, 899]);
      // From 6 (used): the first loop reads 7.
      si.cluster_next = 6;
      expect(take(k, 1)).toEqual([7]);
      // From 8 (used): the first loop reads 9..899 and finds nothing; the second from
      // lowest_bit (5) below scan_base: 5.
      expect(take(k, 1)).toEqual([5]);
      expect(si.cluster_next).toBe(6);
    });
  }
});

describe("the scan's budget, case by case", () => {
  for (const fast of [true, false]) {
    const how = fast ? "" : " (slot by slot)";
    it(`starts a scan past highest_bit at lowest_bit, so its turns count from there${how}`, () => {
      const { k, si } = machine(1024, false, fast, true);
      // Free: 100 and 356..700. Taking 100 leaves lowest_bit at 101, a used slot.
      layout(k, si, (o) => o === 100 || (o >= 356 && o <= 700));
      expect(vm_swap_full(k)).toBe(false);
      si.cluster_nr = 100;
      si.cluster_next = 100;
      expect(take(k, 1)).toEqual([100]);
      expect(si.lowest_bit).toBe(101);
      // From 800 > highest_bit: scan_base = offset = 101, used: the scan reads 102..356, 255
      // turns, 1 left: 356, then 357 in the cluster, then -1: done.
      si.cluster_next = 800;
      expect(take(k, 4)).toEqual([356, 357]);
      expect(si.cluster_next).toBe(358);
    });

    it(`stops the look-ahead at highest_bit${how}`, () => {
      const { k, si } = machine(1024, false, fast, true);
      layout(k, si, (o) => o === 10 || o === 600 || o === 700);
      expect(vm_swap_full(k)).toBe(false);
      si.cluster_nr = 100;
      si.cluster_next = 700;
      expect(take(k, 1)).toEqual([700]);
      expect(si.highest_bit).toBe(699);
      // From 500 (used): the scan reads 501..600 (100 turns, 156 left): 600 (155 after it).
      // ++offset 601 is used; the look-ahead reads 601..699 and stops past highest_bit at 700
      // (56 left), well before the budget would: done, cluster_next 701.
      si.cluster_next = 500;
      expect(take(k, 2)).toEqual([600]);
      expect(si.cluster_next).toBe(701);
    });

    it(`counts the turns of both of the scan's loops when it wraps round${how}`, () => {
      for (const base of [344, 345]) {
        const { k, si } = machine(1024, false, fast, true);
        // Free: 10..20 and 600; 600 taken first leaves highest_bit 599.
        layout(k, si, (o) => (o >= 10 && o <= 20) || o === 600);
        expect(vm_swap_full(k)).toBe(false);
        si.cluster_nr = 100;
        si.cluster_next = 600;
        expect(take(k, 1)).toEqual([600]);
        // From `base` (used): the first loop reads base+1..599 (599 - base turns), the second
        // finds 10 at its first (one turn): 600 - base in all. 256 leave 0: one slot; 255
        // leave 1: 10 and 11.
        si.cluster_next = base;
        expect(take(k, 4)).toEqual(base === 344 ? [10] : [10, 11]);
        expect(si.cluster_next).toBe(base === 344 ? 11 : 12);
      }
    });

    it(`sets scanned_many when the budget runs out in the scan's second loop${how}`, () => {
      for (const f of [300, 200]) {
        const { k, si } = machine(1024, false, fast, true);
        // Free: 5, f, f+2, f+3, 600. Taking 600 leaves highest_bit 599; taking 5 leaves
        // lowest_bit 6.
        layout(k, si, (o) => o === 5 || o === f || o === f + 2 || o === f + 3 || o === 600);
        expect(vm_swap_full(k)).toBe(false);
        si.cluster_nr = 100;
        si.cluster_next = 600;
        take(k, 1);
        si.cluster_next = 5;
        expect(take(k, 1)).toEqual([5]);
        expect([si.lowest_bit, si.highest_bit]).toEqual([6, 599]);
        // From 590: 9 turns in the first loop, then 6..f in the second. f = 300: 304 turns, the
        // reset at turn 257 (in the second loop) sets scanned_many, so after 300 (301 used) no
        // look-ahead. f = 200: 204 turns leave 52: the look-ahead finds 202, then 203 follows.
        si.cluster_next = 590;
        expect(take(k, 3)).toEqual(f === 300 ? [300] : [200, 202, 203]);
        expect(si.cluster_next).toBe(f === 300 ? 302 : 204);
      }
    });
  }

  it("reclaims a cache-only slot the scan finds once swap is half full (the slot-by-slot scan, whatever the fast paths)", () => {
    const { k, si } = machine(11);
    // Slots 1..10; slot 3 gets a swap-cache page no PTE refers to by its swap entry.
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4096);
    const pfn = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    const out = new Int32Array(1);
    expect(get_swap_pages(k, 1, out)).toBe(1);
    expect(get_swap_pages(k, 1, out)).toBe(1);
    k.mem_map.flags[pfn] |= F(PG_locked);
    expect(add_to_swap(k, pfn)).toBe(true);
    k.mem_map.flags[pfn] &= ~F(PG_locked);
    expect(swp_offset(k.mem_map.private[pfn])).toBe(3);
    for (let i = 4; i <= 10; i++) expect(get_swap_pages(k, 1, out)).toBe(1);
    // The others hold one PTE reference and no cache; 9 is free.
    for (const o of [1, 2, 4, 5, 6, 7, 8, 10]) {
      swap_duplicate(k, swp_entry(0, o));
      put_swap_folio(k, 0, swp_entry(0, o));
    }
    put_swap_folio(k, 0, swp_entry(0, 9));
    expect(vm_swap_full(k)).toBe(true);
    si.cluster_nr = 100;
    si.cluster_next = 2;
    // 2 is used: `goto scan`; swap_offset_available_and_locked takes 3 (SWAP_HAS_CACHE, swap
    // half full), the checks reclaim it (TTRS_ANYWAY) and hand it out, not the free slot 9.
    expect(take(k, 1)).toEqual([3]);
    expect(k.mem_map.flags[pfn] & F(PG_swapcache)).toBe(0);
  });
});

describe("get_swap_pages' walk of swap_avail_head", () => {
  function areas(prios: number[]): { k: K; sis: swap_info_struct[] } {
    const k = start_kernel({ memory: 128 * MiB });
    prios.forEach((priority, i) => expect(sys_swapon(k, k.tasks.init, `/dev/vd${"abcdef"[i]}`, { size: 64 * 4096, priority })).toBe(0));
    return { k, sis: prios.map((_, i) => k.swap.swap_info[i]!) };
  }
  const types = (k: K): number[] => k.swap.swap_avail_head.map((s) => s.type);

  it("drops an area no longer open for writing from the list and takes the next", () => {
    const { k, sis } = areas([5, 5, 1]);
    sis[0].flags &= ~SWP_WRITEOK;
    const out = new Int32Array(4);
    // A is requeued behind B, then found !SWP_WRITEOK: __del_from_avail_list, nextsi: B.
    expect(get_swap_pages(k, 1, out)).toBe(1);
    expect(swp_type(out[0])).toBe(1);
    expect(types(k)).toEqual([1, 2]);
    expect(k.nr_swap_pages).toBe(3 * 63 - 1);
  });

  it("drops an area whose highest_bit reads 0 from the list and takes the next", () => {
    const { k, sis } = areas([5, 1]);
    sis[0].highest_bit = 0;
    const out = new Int32Array(4);
    expect(get_swap_pages(k, 2, out)).toBe(2);
    expect([swp_type(out[0]), swp_type(out[1])]).toEqual([1, 1]);
    expect(types(k)).toEqual([1]);
  });

  it("goes on to the next area when one's scan finds no slot, and gives back what it did not hand out", () => {
    // A (priority 5) is on the list but every free slot was taken behind its back (as another
    // CPU can between swap_avail_lock and si->lock): scan_swap_map_slots returns 0, nextsi.
    const { k, sis } = areas([5, 1]);
    for (let o = 1; o < sis[0].max; o++) sis[0].swap_map[o] = 1;
    const out = new Int32Array(4);
    const before = k.nr_swap_pages;
    expect(get_swap_pages(k, 3, out)).toBe(3);
    expect(Array.from(out.subarray(0, 3), (e) => [swp_type(e), swp_offset(e)])).toEqual([[1, 1], [1, 2], [1, 3]]);
    expect(k.nr_swap_pages).toBe(before - 3);
    // A stays listed (its highest_bit is not 0).
    expect(types(k)).toEqual([0, 1]);
    // Two of priority 5, A failing: A goes behind B, B hands out and goes behind A.
    const two = areas([5, 5]);
    for (let o = 1; o < two.sis[0].max; o++) two.sis[0].swap_map[o] = 1;
    expect(get_swap_pages(two.k, 1, out)).toBe(1);
    expect(swp_type(out[0])).toBe(1);
    expect(types(two.k)).toEqual([0, 1]);
  });

  it("takes slots from one area per call and gives back the rest of n_goal", () => {
    const { k, sis } = areas([5, 1]);
    // A: 63 slots; take 61, leaving 62 and 63.
    expect(take(k, 61)).toEqual(range(1, 61));
    const before = k.nr_swap_pages;
    // n_goal 10: A hands out 62, 63 and the batch ends at its top; B is not tried (check_out).
    const out = new Int32Array(16);
    expect(get_swap_pages(k, 10, out)).toBe(2);
    expect(Array.from(out.subarray(0, 2), swp_type)).toEqual([0, 0]);
    expect(k.nr_swap_pages).toBe(before - 2);
    // A is full and off the list: B next.
    expect(types(k)).toEqual([1]);
    expect(sis[0].highest_bit).toBe(0);
    expect(take(k, 1)).toEqual([1]);
  });

  it("gives the slots back when the only area's scan finds none, and gives up on two of one priority after a turn each", () => {
    const { k, sis } = areas([5]);
    for (let o = 1; o < sis[0].max; o++) sis[0].swap_map[o] = 1;
    const out = new Int32Array(4);
    expect(get_swap_pages(k, 3, out)).toBe(0);
    expect(k.nr_swap_pages).toBe(63);
    expect(types(k)).toEqual([0]);
    // Two of one priority, both finding nothing: 6.1's plist_for_each_entry_safe would go from
    // one to the other until a slot came free on another CPU; the model's walk is bounded by the
    // areas listed when it started (a simplification) and returns 0.
    const two = areas([5, 5, 1]);
    for (const si of two.sis.slice(0, 2)) for (let o = 1; o < si.max; o++) si.swap_map[o] = 1;
    expect(get_swap_pages(two.k, 1, out)).toBe(0);
    expect(two.k.nr_swap_pages).toBe(3 * 63);
  });

  it("hands out nothing and leaves nr_swap_pages when no slot is free", () => {
    const { k } = areas([5]);
    expect(take(k, 63).length).toBe(63);
    expect(k.nr_swap_pages).toBe(0);
    expect(take(k, 1)).toEqual([]);
    expect(k.nr_swap_pages).toBe(0);
  });
});

describe("scan_swap_map_slots' checks", () => {
  it("finds no slot in an area no longer writable or full, and takes the slot at highest_bit itself", () => {
    const { k, si } = machine(64);
    const slots = new Int32Array(4);
    si.flags &= ~SWP_WRITEOK;
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 1, slots)).toBe(0);
    expect(si.inuse_pages).toBe(0);
    si.flags |= SWP_WRITEOK;
    // `offset > si->highest_bit` only: cluster_next 63 = highest_bit is taken as it is.
    si.cluster_next = 63;
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 1, slots)).toBe(1);
    expect(swp_offset(slots[0])).toBe(63);
    expect(si.cluster_next).toBe(64);
    // A full area reads highest_bit 0: `goto no_page`.
    expect(take(k, 64).length).toBe(62);
    expect(si.highest_bit).toBe(0);
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 1, slots)).toBe(0);
  });
});

describe("an SSD area with no free cluster", () => {
  it("scans from the slot after the CPU's scan base, not the base itself, and wraps round", () => {
    // 1024 pages: clusters 0 (header) and 1. Every slot used but 100, 101, 700: no free cluster,
    // so scan_swap_map_try_ssd_cluster fails and `goto scan` reads from ++offset.
    const { k, si } = machine(1024, true);
    layout(k, si, (o) => o === 100 || o === 101 || o === 700);
    expect(si.free_head).toBe(-1);
    si.cluster_next_cpu[0] = 100;
    expect(take(k, 1)).toEqual([101]);
    // set_cluster_next(102): the same 16384-slot trunk, so 102.
    expect(si.cluster_next_cpu[0]).toBe(102);
    expect(take(k, 1)).toEqual([700]);
    // From 701: nothing above (highest_bit is now 100), then lowest_bit 100 < scan_base.
    expect(take(k, 1)).toEqual([100]);
    expect(take(k, 1)).toEqual([]);
  });

  it("takes a batch through the look-ahead when the scan found its first slot", () => {
    const { k, si } = machine(1024, true);
    layout(k, si, (o) => o >= 300 && o <= 310 && o !== 302);
    si.cluster_next_cpu[0] = 299;
    // The scan reads 300: found. Then no cluster to try (none free): the look-ahead from 300
    // (used now) finds 301; then 302 used, 303 ….
    expect(take(k, 4)).toEqual([300, 301, 303, 304]);
    expect(si.cluster_next_cpu[0]).toBe(305);
  });

  it("never reads the scan base itself, also in the fast scan", () => {
    // The spare area keeps swap under half full: the fast scan, which must not read the base
    // either: next_free_slot up to scan_base - 1.
    const { k, si } = machine(1024, true, true, true);
    layout(k, si, (o) => o === 700);
    expect(vm_swap_full(k)).toBe(false);
    si.cluster_next_cpu[0] = 700;
    const slots = new Int32Array(4);
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 1, slots)).toBe(0);
    si.cluster_next_cpu[0] = 698;
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 1, slots)).toBe(1);
    expect(swp_offset(slots[0])).toBe(700);
  });

  it("never reads the scan base itself, and marks the slot with the caller's usage", () => {
    const { k, si } = machine(1024, true);
    layout(k, si, (o) => o === 50 || o === 51);
    si.cluster_next_cpu[0] = 10;
    const slots = new Int32Array(4);
    expect(scan_swap_map_slots(k, si, 1, 1, slots)).toBe(1);
    expect(swp_offset(slots[0])).toBe(50);
    expect(si.swap_map[50]).toBe(1);
    // cluster_next_cpu is 51 now, the one free slot: the first loop starts at 52, the second
    // stops below 51 (`while (offset < scan_base)`), so no slot.
    expect(si.cluster_next_cpu[0]).toBe(51);
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 2, slots)).toBe(0);
    expect(si.cluster_next_cpu[0]).toBe(51);
    si.cluster_next_cpu[0] = 10;
    expect(scan_swap_map_slots(k, si, SWAP_HAS_CACHE, 2, slots)).toBe(1);
    expect(swp_offset(slots[0])).toBe(51);
    expect(si.swap_map[51]).toBe(SWAP_HAS_CACHE);
  });
});

describe("__swap_duplicate on a byte past SWAP_MAP_MAX", () => {
  it("leaves COUNT_CONTINUED | 0x3f (6.1's SWAP_MAP_SHMEM) alone for a PTE reference: -EINVAL, which swap_duplicate drops", () => {
    const { k, si } = machine(64);
    const e = take(k, 1)[0];
    // swap_count(0xbf) is not SWAP_MAP_BAD, and (count & ~COUNT_CONTINUED) = 0x3f > SWAP_MAP_MAX:
    // err = -EINVAL, and the byte written back is the one read.
    si.swap_map[e] = COUNT_CONTINUED | SWAP_MAP_BAD;
    expect(swap_duplicate(k, swp_entry(0, e))).toBe(0);
    expect(si.swap_map[e]).toBe(COUNT_CONTINUED | SWAP_MAP_BAD);
    expect(si.swap_cont.get(e)).toBe(undefined);
    // For the cache: a count and no cache bit, so SWAP_HAS_CACHE is added.
    expect(swapcache_prepare(k, swp_entry(0, e))).toBe(0);
    expect(si.swap_map[e]).toBe(COUNT_CONTINUED | SWAP_MAP_BAD | SWAP_HAS_CACHE);
  });
});
