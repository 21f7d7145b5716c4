import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { task_struct } from "../kernel/sched.js";
import { errnoValues } from "../kernel/errno.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { spawnProcess } from "../sim/process.js";
import { follow_pte } from "./memory.js";
import {
  COUNT_CONTINUED,
  folio_alloc_swap,
  free_swap_and_cache,
  get_swap_pages,
  LATENCY_LIMIT,
  put_swap_folio,
  ration_after,
  SWAP_HAS_CACHE,
  SWAP_MAP_MAX,
  swap_duplicate,
  swap_free,
  swapcache_prepare,
  swp_swapcount,
  sys_swapoff,
  sys_swapon,
  vm_swap_full,
  __swap_count,
} from "./swapfile.js";
import { swp_entry, swp_offset, swp_type } from "./swapops.js";
import { lookup_swap_cache_pfn } from "./swap_state.js";
import { evict } from "./swapfile.testutil.js";
import { taskOf } from "../api/internals.js";

const MiB = 1 << 20;
const W5 = fileURLToPath(new URL("../../test/realkernel/data/w5", import.meta.url));

function boot(memory = 256 * MiB) {
  const k = start_kernel({ memory });
  const root = k.tasks.init;
  return { k, root };
}

function slot(k: ReturnType<typeof boot>["k"], entry: number): number {
  const si = k.swap.swap_info[swp_type(entry)];
  if (!si) throw new Error("no area");
  return si.swap_map[swp_offset(entry)];
}

describe("swp_entry", () => {
  it("packs 5 type bits above 26 offset bits into a positive int32", () => {
    const e = swp_entry(21, (1 << 26) - 1);
    expect(e).toBeGreaterThan(0);
    expect(e | 0).toBe(e);
    expect(swp_type(e)).toBe(21);
    expect(swp_offset(e)).toBe((1 << 26) - 1);
    expect(swp_entry(1, 7)).toBe(67108871);
  });
});

describe("swapon and /proc/swaps", () => {
  it("prints w5's /proc/swaps for a 512 MiB partition at the default priority -2", () => {
    const { k, root } = boot();
    // mkswap on w5's 512 MiB disk: "size = 536866816 bytes" = 131071 pages + the header page.
    expect(sys_swapon(k, root, "/dev/vda", { size: 512 * MiB })).toBe(0);
    const real = readFileSync(`${W5}/swaps.before`, "utf8");
    expect(procRead(k, "/proc/swaps")).toBe(real);
    expect(k.total_swap_pages).toBe(131071);
    expect(k.nr_swap_pages).toBe(131071);
    expect(k.log.dmesg()).toContain("Adding 524284k swap on /dev/vda.  Priority:-2 extents:1 across:524284k FS");
    expect(procRead(k, "/proc/meminfo")).toMatch(/SwapTotal:\s+524284 kB\nSwapFree:\s+524284 kB/);
  });

  it("reports Used as the slots in use, and a file with its extra tab", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/swapfile", { size: 64 * MiB, kind: "file", priority: 5 });
    const out = new Int32Array(64);
    expect(get_swap_pages(k, 3, out)).toBe(3);
    expect(procRead(k, "/proc/swaps").split("\n")[1]).toBe("/swapfile                               file\t\t65532\t\t12\t\t5");
  });

  it("gives later areas -3, -4 … and moves them up when an earlier default-priority area goes", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 16 * MiB });
    sys_swapon(k, root, "/dev/vdb", { size: 16 * MiB });
    sys_swapon(k, root, "/dev/vdc", { size: 16 * MiB });
    expect(k.swap.swap_active_head.map((s) => s.prio)).toEqual([-2, -3, -4]);
    expect(sys_swapoff(k, root, "/dev/vda")).toBe(0);
    expect(k.swap.swap_active_head.map((s) => [s.swap_file, s.prio])).toEqual([["/dev/vdb", -2], ["/dev/vdc", -3]]);
    sys_swapon(k, root, "/dev/vdd", { size: 16 * MiB });
    expect(k.swap.swap_info[0]?.swap_file).toBe("/dev/vdd"); // type 0 is reused
    expect(k.swap.swap_info[0]?.prio).toBe(-4);
  });

  it("fails with the kernel's errnos", () => {
    const { k, root } = boot();
    const user = new task_struct(99, "user", 1000, 1, root.mm, 0);
    expect(sys_swapon(k, user, "/dev/vda", { size: 16 * MiB })).toBe(-errnoValues.EPERM);
    expect(sys_swapon(k, root, "/dev/vda", { size: 4 * 4096 })).toBe(-errnoValues.EINVAL);
    expect(sys_swapon(k, root, "/dev/vda", { size: 16 * MiB, priority: 40000 })).toBe(-errnoValues.EINVAL);
    expect(sys_swapon(k, root, "/dev/vda", { size: 16 * MiB })).toBe(0);
    expect(sys_swapon(k, root, "/dev/vda", { size: 16 * MiB })).toBe(-errnoValues.EBUSY);
    expect(sys_swapoff(k, user, "/dev/vda")).toBe(-errnoValues.EPERM);
    expect(sys_swapoff(k, root, "/dev/nope")).toBe(-errnoValues.EINVAL);
    for (let i = 1; i < 22; i++) expect(sys_swapon(k, root, `/dev/x${i}`, { size: 1 * MiB })).toBe(0);
    expect(sys_swapon(k, root, "/dev/x22", { size: 1 * MiB })).toBe(-errnoValues.EPERM); // MAX_SWAPFILES
  });
});

describe("swapoff when memory is short", () => {
  it("fails with ENOMEM under strict overcommit when the area's pages would not fit, leaving it on", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 64 * MiB });
    const p = spawnProcess(k, { comm: "admin" });
    procWrite(k, "/proc/sys/vm/overcommit_memory", "2");
    procWrite(k, "/proc/sys/vm/overcommit_ratio", "0");
    const committed = k.vm_committed_as;
    expect(sys_swapoff(k, taskOf(p), "/dev/vda")).toBe(-errnoValues.ENOMEM);
    expect(k.vm_committed_as).toBe(committed);
    expect(k.total_swap_pages).toBe(16383);
    expect(procRead(k, "/proc/swaps")).toContain("/dev/vda ");
    procWrite(k, "/proc/sys/vm/overcommit_memory", "0");
    expect(sys_swapoff(k, taskOf(p), "/dev/vda")).toBe(0);
  });
});

describe("slot allocation", () => {
  it("hands out a rotational area's slots in order, then the first free 512-slot run from the bottom", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 64 * MiB });
    const e: number[] = [];
    for (let i = 0; i < 1024; i++) e.push(folio_alloc_swap(k, 0));
    expect(e.map(swp_offset)).toEqual(Array.from({ length: 1024 }, (_, i) => i + 1));
    for (let o = 100; o <= 700; o++) put_swap_folio(k, 0, swp_entry(0, o));
    // the second cluster is used up: the next search starts at lowest_bit and finds 100..611 free
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(100);
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(101);
  });

  it("fills an SSD's clusters from free_clusters, which 6.1 lists 32 apart", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/nvme0n1", { size: 512 * MiB, rotational: false });
    const first = folio_alloc_swap(k, 0);
    expect(swp_offset(first)).toBe(32 * 512);
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(32 * 512 + 1);
    for (let i = 2; i < 512; i++) folio_alloc_swap(k, 0);
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(64 * 512); // the next free cluster
  });

  it("uses the higher priority first and takes turns between equal ones", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/a", { size: 4 * MiB, priority: 1 });
    sys_swapon(k, root, "/dev/b", { size: 4 * MiB, priority: 1 });
    sys_swapon(k, root, "/dev/c", { size: 4 * MiB, priority: 9 });
    expect(swp_type(folio_alloc_swap(k, 0))).toBe(2);
    // fill /dev/c: 1023 slots
    for (let i = 1; i < 1023; i++) expect(swp_type(folio_alloc_swap(k, 0))).toBe(2);
    const types = Array.from({ length: 4 }, () => swp_type(folio_alloc_swap(k, 0)));
    expect(types).toEqual([0, 1, 0, 1]);
  });

  it("runs out: no entry, nr_swap_pages 0, and vm_swap_full", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 10 * 4096 });
    expect(vm_swap_full(k)).toBe(false);
    for (let i = 0; i < 9; i++) expect(folio_alloc_swap(k, 0)).not.toBe(0);
    expect(folio_alloc_swap(k, 0)).toBe(0);
    expect(k.nr_swap_pages).toBe(0);
    expect(vm_swap_full(k)).toBe(true);
    put_swap_folio(k, 0, swp_entry(0, 5));
    expect(k.nr_swap_pages).toBe(1);
    expect(swp_offset(folio_alloc_swap(k, 0))).toBe(5);
  });
});

describe("slot allocation's free-run search speed-ups", () => {
  /**
   * Two machines with swap of `size`, the second with the model's fast paths off
   * (k.fastPaths = false: the search reads every slot), and a seeded LCG for the random sequence
   * both must agree on.
   */
  function twins(size: number, seed: number) {
    const a = boot();
    const b = boot();
    b.k.fastPaths = false;
    for (const m of [a, b]) sys_swapon(m.k, m.root, "/dev/vda", { size });
    let x = seed;
    const rng = (): number => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
    return { a, b, rng };
  }

  it("hand out the same slots as 6.1's slot-by-slot scan, over random fragmentation", () => {
    // One random sequence of allocations and frees; the machines must agree entry by entry.
    const { a, b, rng } = twins(16 * MiB, 12345);
    const held: number[] = [];
    for (let step = 0; step < 40000; step++) {
      if (held.length && rng() < 0.45) {
        const i = Math.floor(rng() * held.length);
        const e = held[i];
        held[i] = held[held.length - 1];
        held.pop();
        put_swap_folio(a.k, 0, e);
        put_swap_folio(b.k, 0, e);
      } else {
        const ea = folio_alloc_swap(a.k, 0);
        const eb = folio_alloc_swap(b.k, 0);
        expect(ea).toBe(eb);
        if (ea !== 0) held.push(ea);
      }
    }
    expect(held.length).toBeGreaterThan(1000);
  });

  it("hand out the same batches as the slot-by-slot scan when free slots are sparse and requests ask for many", () => {
    // Sparse free slots make the SCAN state read long stretches (past whole blocks in use, and
    // past LATENCY_LIMIT, which sets scanned_many and shortens the look-on for the next slot of
    // a batch); multi-slot requests (get_swap_pages with n > 1) then depend on that budget.
    const { a, b, rng } = twins(64 * MiB, 777);
    const held: number[] = [];
    const outA = new Int32Array(64);
    const outB = new Int32Array(64);
    const take = (n: number): number => {
      const na = get_swap_pages(a.k, n, outA);
      const nb = get_swap_pages(b.k, n, outB);
      expect(na).toBe(nb);
      expect(Array.from(outA.subarray(0, na))).toEqual(Array.from(outB.subarray(0, nb)));
      for (let i = 0; i < na; i++) held.push(outA[i]);
      return na;
    };
    const drop = (i: number): void => {
      const e = held[i];
      held[i] = held[held.length - 1];
      held.pop();
      put_swap_folio(a.k, 0, e);
      put_swap_folio(b.k, 0, e);
    };
    let batches = 0;
    for (let round = 0; round < 9; round++) {
      // Fill up, then keep a band of 30% of the area in use — in the middle, or at the bottom —
      // and free 85% of the slots outside it at random: swap is then under half full (where the
      // fast scan applies), no 512-slot run is free, so every allocation scans, some across the
      // whole band (past LATENCY_LIMIT) and some wrapping round to lowest_bit. Then allocate in
      // batches, with the odd free.
      // A third pattern keeps the top 30% in use and starts the scan inside it with highest_bit
      // left stale at the top (as allocating the highest free slot leaves it), so the scan finds
      // nothing above and wraps round to lowest_bit.
      while (take(64) > 0);
      const lo = [0.35, 0, 0.7][round % 3];
      for (let i = held.length - 1; i >= 0; i--) {
        const o = swp_offset(held[i]) / 16384;
        if ((o < lo || o >= lo + 0.3) && rng() < 0.85) drop(i);
      }
      if (lo === 0.7) {
        for (const m of [a, b]) {
          const si = m.k.swap.swap_info[0];
          if (si) {
            si.highest_bit = si.max - 1;
            si.cluster_next = Math.floor(16384 * 0.8);
          }
        }
      }
      expect(vm_swap_full(a.k)).toBe(false);
      for (let step = 0; step < 150; step++) {
        if (rng() < 0.3 && held.length) drop(Math.floor(rng() * held.length));
        else if (take(1 + Math.floor(rng() * 24)) > 1) batches++;
      }
      expect(vm_swap_full(a.k)).toBe(false);
    }
    expect(batches).toBeGreaterThan(100);
  });

  it("work out the scan's cond_resched budget as the slot-by-slot loop leaves it", () => {
    for (let r0 = 0; r0 <= LATENCY_LIMIT; r0 += r0 < 4 || r0 > LATENCY_LIMIT - 4 ? 1 : 37) {
      for (const many0 of [false, true]) {
        let r = r0;
        let many = many0;
        for (let steps = 0; steps <= 3 * LATENCY_LIMIT + 10; steps++) {
          expect([ration_after(r0, steps), many0 || steps > r0]).toEqual([r, many]);
          if (--r < 0) {
            r = LATENCY_LIMIT;
            many = true;
          }
        }
      }
    }
  });

  it("find a free run that starts right after whole runs of used slots", () => {
    const order: number[][] = [];
    for (const fast of [true, false]) {
      const { k, root } = boot();
      k.fastPaths = fast;
      sys_swapon(k, root, "/dev/vda", { size: 16 * MiB });
      while (folio_alloc_swap(k, 0) !== 0);
      // One free slot low down (so the search starts there), then full blocks, then 512 free.
      put_swap_folio(k, 0, swp_entry(0, 5));
      for (let o = 1024; o < 1024 + 512; o++) put_swap_folio(k, 0, swp_entry(0, o));
      // The current cluster's budget is spent: the next allocation searches from lowest_bit.
      const si = k.swap.swap_info[0];
      if (si) si.cluster_nr = 0;
      order.push(Array.from({ length: 513 }, () => swp_offset(folio_alloc_swap(k, 0))));
    }
    expect(order[0]).toEqual(order[1]);
    // The search found the run at 1024 past three whole blocks in use, before the lone slot 5.
    expect(order[0].slice(0, 3)).toEqual([1024, 1025, 1026]);
  });

  it("find a free run that starts inside a block and runs on far past the cluster", () => {
    // The fast search stops reading once it has SWAPFILE_CLUSTER slots (as the kernel's loop
    // does); its answer must still be the slot-by-slot loop's: the stretch's first slot.
    const order: number[][] = [];
    for (const fast of [true, false]) {
      const { k, root } = boot();
      k.fastPaths = fast;
      sys_swapon(k, root, "/dev/vda", { size: 16 * MiB });
      while (folio_alloc_swap(k, 0) !== 0);
      for (let o = 700; o < 3000; o++) put_swap_folio(k, 0, swp_entry(0, o));
      const si = k.swap.swap_info[0];
      if (si) si.cluster_nr = 0;
      order.push(Array.from({ length: 600 }, () => swp_offset(folio_alloc_swap(k, 0))));
    }
    expect(order[0]).toEqual(order[1]);
    expect(order[0].slice(0, 2)).toEqual([700, 701]);
  });
});

describe("swap_map counts", () => {
  it("counts PTE references beside SWAP_HAS_CACHE, with continuation past SWAP_MAP_MAX", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const e = folio_alloc_swap(k, 0);
    expect(slot(k, e)).toBe(SWAP_HAS_CACHE);
    for (let i = 0; i < 100; i++) expect(swap_duplicate(k, e)).toBe(0);
    expect(swp_swapcount(k, e)).toBe(100);
    expect(slot(k, e) & COUNT_CONTINUED).toBe(COUNT_CONTINUED);
    expect(__swap_count(k, e)).toBe(100 - (SWAP_MAP_MAX + 1));
    for (let i = 0; i < 100; i++) swap_free(k, e);
    expect(slot(k, e)).toBe(SWAP_HAS_CACHE);
    put_swap_folio(k, 0, e);
    expect(slot(k, e)).toBe(0);
    expect(k.nr_swap_pages).toBe(1023);
    // 6.1's swap_duplicate drops __swap_duplicate's -ENOENT for a free slot (it returns only a
    // continuation's failure); the slot stays free. swapcache_prepare returns it.
    expect(swap_duplicate(k, e)).toBe(0);
    expect(slot(k, e)).toBe(0);
    expect(swapcache_prepare(k, e)).toBe(-errnoValues.ENOENT);
  });
});

describe("swapping a page out and freeing it", () => {
  it("frees the slot when the last PTE is zapped and no cache page holds it", () => {
    const { k, root } = boot();
    sys_swapon(k, root, "/dev/vda", { size: 4 * MiB });
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4096);
    const pfn = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    const entry = evict(k, pfn);
    expect(entry).not.toBe(0);
    expect(slot(k, entry)).toBe(1);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
    expect(free_swap_and_cache(k, entry)).toBe(true);
    expect(slot(k, entry)).toBe(0);
    expect(k.nr_swap_pages).toBe(1023);
  });
});
