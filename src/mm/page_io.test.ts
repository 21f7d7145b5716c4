import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { spawnProcess } from "../sim/process.js";
import { F, PG_locked, PG_reclaim, PG_uptodate, PG_writeback } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { blk_finish_plug, blk_start_plug } from "../block/blk.js";
import { folio_wait_locked, swap_io_inflight, swap_io_next, swap_io_run, swap_readpage } from "./page_io.js";
import { __read_swap_cache_async } from "./swap_state.js";
import { sys_swapon } from "./swapfile.js";
import { pageOut, removeMapping, unmapToSwap } from "./swapfile.testutil.js";
import { lru_add_drain } from "./swap.js";
import { global_node_page_state, global_zone_page_state } from "./vmstat.js";
import { NR_WRITEBACK, NR_WRITTEN, NR_ZONE_WRITE_PENDING, PSWPIN, PSWPOUT } from "./vmstat_items.js";
import { GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { taskOf } from "../api/internals.js";

const MiB = 1 << 20;

function setup(n: number, dev: { latency?: number; bandwidth?: number } = {}) {
  const k = start_kernel({ memory: 256 * MiB });
  expect(sys_swapon(k, k.tasks.init, "/dev/vda", { size: 16 * MiB, ...dev })).toBe(0);
  const p = spawnProcess(k, { comm: "io", image: null });
  const a = p.mmap(n * 4096, { prot: "rw", flags: "private|anonymous" });
  p.write(a, n * 4096);
  lru_add_drain(k);
  const pfns = Array.from({ length: n }, (_, i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
  return { k, p, a, pfns };
}

describe("swap_writepage", () => {
  it("counts PSWPOUT and NR_WRITEBACK at submission and completes after latency + 4096/bandwidth", () => {
    const { k, pfns } = setup(1);
    const pfn = pfns[0];
    unmapToSwap(k, pfn);
    const t0 = k.now_ns;
    pageOut(k, pfn);
    expect(k.vm_events[PSWPOUT]).toBe(1);
    expect(k.mem_map.flags[pfn] & F(PG_writeback)).not.toBe(0);
    expect(k.mem_map.flags[pfn] & F(PG_locked)).toBe(0);
    expect(global_node_page_state(k, NR_WRITEBACK)).toBe(1);
    expect(global_zone_page_state(k, NR_ZONE_WRITE_PENDING)).toBe(1);
    expect(swap_io_next(k)).toBe(t0 + 100_000 + 4096);
    k.now_ns = t0 + 100_000 + 4095;
    expect(swap_io_run(k)).toBe(0);
    k.now_ns++;
    expect(swap_io_run(k)).toBe(1);
    expect(k.mem_map.flags[pfn] & F(PG_writeback)).toBe(0);
    expect(global_node_page_state(k, NR_WRITEBACK)).toBe(0);
    expect(global_zone_page_state(k, NR_ZONE_WRITE_PENDING)).toBe(0);
    expect(global_node_page_state(k, NR_WRITTEN)).toBe(1);
    removeMapping(k, pfn);
    check_swap_invariants(k);
  });

  it("queues transfers behind each other while latencies overlap", () => {
    const { k, pfns } = setup(4, { latency: 1_000_000, bandwidth: 4096e6 });
    for (const pfn of pfns) unmapToSwap(k, pfn);
    for (const pfn of pfns) pageOut(k, pfn);
    // 1 µs per page at 4096 MB/s: completions 1 ms + 1, 2, 3, 4 µs after now.
    expect(swap_io_inflight(k)).toBe(4);
    expect(swap_io_next(k)).toBe(k.now_ns + 1_001_000);
    k.now_ns += 1_002_000;
    expect(swap_io_run(k)).toBe(2);
    k.now_ns += 2_000;
    expect(swap_io_run(k)).toBe(2);
  });

  it("ends writeback of a page reclaim tagged by rotating it (PG_reclaim cleared)", () => {
    const { k, pfns } = setup(1);
    const pfn = pfns[0];
    unmapToSwap(k, pfn);
    pageOut(k, pfn);
    k.mem_map.flags[pfn] |= F(PG_reclaim);
    k.now_ns += 1e6;
    swap_io_run(k);
    expect(k.mem_map.flags[pfn] & F(PG_reclaim)).toBe(0);
  });
});

describe("swap_readpage", () => {
  it("leaves an asynchronous read locked until it completes, and a waiter sleeps for the rest of it", () => {
    const { k, pfns } = setup(1);
    const pfn = pfns[0];
    const entry = unmapToSwap(k, pfn);
    pageOut(k, pfn);
    k.now_ns += 1e6;
    swap_io_run(k);
    removeMapping(k, pfn);
    const t0 = k.now_ns;
    const allocated = new Uint8Array(1);
    const page = __read_swap_cache_async(k, entry, GFP_HIGHUSER_MOVABLE, null, 0, allocated);
    expect(allocated[0]).toBe(1);
    expect(swap_readpage(k, page, false)).toBe(0);
    expect(k.vm_events[PSWPIN]).toBe(1);
    expect(k.mem_map.flags[page] & F(PG_locked)).not.toBe(0);
    expect(k.mem_map.flags[page] & F(PG_uptodate)).toBe(0);
    k.now_ns = t0 + 30_000;
    folio_wait_locked(k, page);
    expect(k.now_ns).toBe(t0 + 100_000 + 4096); // slept until the read completed
    expect(k.mem_map.flags[page] & F(PG_locked)).toBe(0);
    expect(k.mem_map.flags[page] & F(PG_uptodate)).not.toBe(0);
    // the completed request is not completed again
    k.now_ns += 1e6;
    expect(swap_io_run(k)).toBe(0);
  });

  it("holds reads under a plug and merges adjacent slots into one request that completes together", () => {
    const { k, pfns } = setup(4);
    const entries = pfns.map((pfn) => unmapToSwap(k, pfn));
    for (const pfn of pfns) pageOut(k, pfn);
    k.now_ns += 1e6;
    swap_io_run(k);
    for (const pfn of pfns) removeMapping(k, pfn);
    // four adjacent slots; read the first two and the last, as a cluster read finds slot 2 cached
    expect(entries.map((e) => e - entries[0])).toEqual([0, 1, 2, 3]);
    k.now_ns += 1e9; // the device is idle
    const t0 = k.now_ns;
    const pages: number[] = [];
    blk_start_plug(k);
    for (const i of [0, 1, 3]) {
      const page = __read_swap_cache_async(k, entries[i], GFP_HIGHUSER_MOVABLE, null, 0, new Uint8Array(1));
      swap_readpage(k, page, false);
      pages.push(page);
    }
    expect(swap_io_inflight(k)).toBe(0); // held by the plug
    expect(k.vm_events[PSWPIN]).toBe(3); // counted per page at submission
    blk_finish_plug(k);
    // slots 0–1: one 8 KiB request, both pages done at 100 µs + 2 × 4096 ns; slot 3 is another
    // request behind it on the device: two requests in flight (the block layer counts requests)
    expect(swap_io_inflight(k)).toBe(2);
    expect(k.swap.swap_info[0]?.bdev.merges[0]).toBe(1); // the "read merges" column of /sys/block/<dev>/stat
    expect(swap_io_next(k)).toBe(t0 + 100_000 + 2 * 4096);
    k.now_ns = t0 + 100_000 + 2 * 4096;
    expect(swap_io_run(k)).toBe(1);
    expect(pages.map((pg) => k.mem_map.flags[pg] & F(PG_locked))).toEqual([0, 0, F(PG_locked)]);
    expect(swap_io_next(k)).toBe(t0 + 2 * 4096 + 100_000 + 4096);
  });

  it("waits in place for a synchronous read", () => {
    const { k, pfns } = setup(1);
    const pfn = pfns[0];
    const entry = unmapToSwap(k, pfn);
    pageOut(k, pfn);
    k.now_ns += 1e6;
    swap_io_run(k);
    removeMapping(k, pfn);
    const page = __read_swap_cache_async(k, entry, GFP_HIGHUSER_MOVABLE, null, 0, new Uint8Array(1));
    k.now_ns += 1e9; // the device is idle
    expect(swap_readpage(k, page, true)).toBe(100_000 + 4096);
    expect(k.mem_map.flags[page] & F(PG_uptodate)).not.toBe(0);
    expect(swap_io_inflight(k)).toBe(0);
  });
});

describe("pgpgin and pgpgout (vmstat bi/bo)", () => {
  const field = (text: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, "m").exec(text)![1]);

  it("count every swap bio in sectors, shown in kB: 4 per page swapped, as in the real w5 capture", () => {
    // The real kernel (test/realkernel/data/w5, a swap partition on virtio-blk): every page
    // swapped in or out is one 8-sector bio, so pgpgin/pgpgout rise by exactly 4 per pswpin/pswpout.
    const real = (f: string): string => readFileSync(`test/realkernel/data/w5/${f}`, "utf8");
    const before = real("vmstat.before");
    const after = real("vmstat.afterexit");
    expect(field(after, "pgpgin") - field(before, "pgpgin")).toBe(4 * (field(after, "pswpin") - field(before, "pswpin")));
    expect(field(after, "pgpgout") - field(before, "pgpgout")).toBe(4 * (field(after, "pswpout") - field(before, "pswpout")));

    // The model: 320 MiB written twice on 256 MiB with swap, as w5 does with 384.
    const m = Machine.boot({ memory: "256M", swap: { size: "512M" } });
    const p = m.spawn({ comm: "anon" });
    const a = p.mmap(320 * MiB);
    for (let pass = 0; pass < 2; pass++) p.write(a, 320 * MiB);
    m.advance("100ms");
    const v = m.read("/proc/vmstat");
    expect(field(v, "pswpin")).toBeGreaterThan(1000);
    expect(field(v, "pswpout")).toBeGreaterThan(1000);
    expect(field(v, "pgpgin")).toBe(4 * field(v, "pswpin"));
    expect(field(v, "pgpgout")).toBe(4 * field(v, "pswpout"));
  });
});
