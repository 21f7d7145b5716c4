import { describe, expect, it } from "vitest";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { procWrite } from "../fs/proc/root.js";
import { GFP_KERNEL, GFP_NOFS } from "./gfp.js";
import {
  DEFAULT_SEEKS,
  do_shrink_slab,
  register_shrinker,
  shrink_control,
  shrink_slab,
  shrinker,
  type shrinker_operations,
  SHRINKER_NUMA_AWARE,
  SHRINKER_REGISTERED,
  SHRINK_EMPTY,
  SHRINK_STOP,
  unregister_shrinker,
} from "./shrinker.js";
import { SLABS_SCANNED } from "./vmstat_items.js";

const MiB = 1024 * 1024;

/** A cache of `objects[nid]` objects per node whose scan frees what it is asked, recording each call. */
class FakeCache {
  readonly calls: Array<{ nid: number; nr_to_scan: number }> = [];
  stopAfter = Infinity;
  constructor(readonly objects: number[]) {}
  ops(): shrinker_operations {
    return Object.freeze({
      name: "fake_scan",
      count_objects: (_k: Kernel, _s: shrinker, sc: shrink_control) =>
        this.objects[sc.nid] === 0 ? SHRINK_EMPTY : this.objects[sc.nid],
      scan_objects: (_k: Kernel, _s: shrinker, sc: shrink_control) => {
        if (this.calls.length >= this.stopAfter) return SHRINK_STOP;
        this.calls.push({ nid: sc.nid, nr_to_scan: sc.nr_to_scan });
        const n = Math.min(sc.nr_to_scan, this.objects[sc.nid]);
        this.objects[sc.nid] -= n;
        return n;
      },
    });
  }
}

function sc(nid = 0): shrink_control {
  const c = new shrink_control();
  c.gfp_mask = GFP_KERNEL;
  c.nid = nid;
  return c;
}

describe("do_shrink_slab (mm/vmscan.c)", () => {
  it("asks for count >> priority * 4 / seeks and defers what stays under a batch", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const c = new FakeCache([100000]);
    const s = new shrinker(c.ops(), DEFAULT_SEEKS, 1024, 0, null);
    register_shrinker(k, s);
    // priority 12: delta = (100000 >> 12) * 4 / 2 = 24 * 2 = 48 < batch 1024 and < count: deferred.
    expect(do_shrink_slab(k, sc(), s, 12)).toBe(0);
    expect(c.calls).toEqual([]);
    expect(s.nr_deferred![0]).toBe(48);
    // priority 2: nr = 48, total_scan = (48 >> 2) + (100000 >> 2) * 4 / 2 = 12 + 50000 = 50012:
    // 48 batches of 1024 (49152), leaving 860 < 1024 undone; deferred = 48 + 50000 - 49152 = 896.
    const scanned0 = k.vm_events[SLABS_SCANNED];
    expect(do_shrink_slab(k, sc(), s, 2)).toBe(49152);
    expect(c.calls.length).toBe(48);
    expect(c.calls.every((x) => x.nr_to_scan === 1024)).toBe(true);
    expect(k.vm_events[SLABS_SCANNED] - scanned0).toBe(49152);
    expect(s.nr_deferred![0]).toBe(896);
  });

  it("scans a cache smaller than a batch whole once total_scan reaches its count, and caps at twice the count", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const c = new FakeCache([100]);
    const s = new shrinker(c.ops(), DEFAULT_SEEKS, 0, 0, null);
    register_shrinker(k, s);
    // priority 0: delta = 100 * 4 / 2 = 200 = 2 * count: one scan of 128 (freeing all 100); the
    // 72 left are under a batch and under the count seen at the start: deferred.
    expect(do_shrink_slab(k, sc(), s, 0)).toBe(100);
    expect(c.calls.map((x) => x.nr_to_scan)).toEqual([128]);
    expect(s.nr_deferred![0]).toBe(72);
    // A cache of 50, under a batch: at priority 0 total_scan 100 >= the count, so one call asks
    // for all 100 at once rather than nothing.
    c.objects[0] = 50;
    s.nr_deferred![0] = 0;
    expect(do_shrink_slab(k, sc(), s, 0)).toBe(50);
    expect(c.calls.slice(1).map((x) => x.nr_to_scan)).toEqual([100]);
  });

  it("seeks 0 trims half the cache whatever the priority", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const c = new FakeCache([1000]);
    const s = new shrinker(c.ops(), 0, 0, 0, null);
    register_shrinker(k, s);
    // delta = 1000 / 2 = 500: three batches of 128 (384), 116 left < 128 and < 1000: deferred.
    expect(do_shrink_slab(k, sc(), s, 12)).toBe(384);
    expect(s.nr_deferred![0]).toBe(116);
  });

  it("stops at SHRINK_STOP, keeping the undone work deferred; SHRINK_EMPTY counts as nothing", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const c = new FakeCache([10000]);
    c.stopAfter = 1;
    const s = new shrinker(c.ops(), DEFAULT_SEEKS, 0, 0, null);
    register_shrinker(k, s);
    // priority 4: delta = 625 * 2 = 1250; one batch of 128, then STOP: deferred 1250 - 128.
    expect(do_shrink_slab(k, sc(), s, 4)).toBe(128);
    expect(s.nr_deferred![0]).toBe(1122);
    const e = new FakeCache([0]);
    const se = new shrinker(e.ops(), DEFAULT_SEEKS, 0, 0, null);
    register_shrinker(k, se);
    expect(do_shrink_slab(k, sc(), se, 0)).toBe(SHRINK_EMPTY);
  });

  it("keeps nr_deferred per node for a NUMA-aware shrinker and in slot 0 otherwise", () => {
    const k = start_kernel({
      memory: 512 * MiB,
      numa: { nodes: [{ size: 256 * MiB }, { size: 256 * MiB }] },
    });
    expect(k.node_data.length).toBe(2);
    const numa = new shrinker(
      new FakeCache([100000, 100000]).ops(),
      DEFAULT_SEEKS,
      1024,
      SHRINKER_NUMA_AWARE,
      null,
    );
    const flat = new shrinker(
      new FakeCache([100000, 100000]).ops(),
      DEFAULT_SEEKS,
      1024,
      0,
      null,
    );
    register_shrinker(k, numa);
    register_shrinker(k, flat);
    expect(numa.nr_deferred!.length).toBe(2);
    expect(flat.nr_deferred!.length).toBe(1);
    do_shrink_slab(k, sc(1), numa, 12);
    do_shrink_slab(k, sc(1), flat, 12);
    expect([...numa.nr_deferred!]).toEqual([0, 48]);
    expect([...flat.nr_deferred!]).toEqual([48]);
  });

  it("prints mm_shrink_slab_start/end in 6.1's format", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const s = new shrinker(
      new FakeCache([5000]).ops(),
      DEFAULT_SEEKS,
      0,
      0,
      null,
    );
    register_shrinker(k, s);
    const seen: string[] = [];
    k.trace.on("mm_shrink_slab_start", (r) => seen.push(r.message));
    k.trace.on("mm_shrink_slab_end", (r) => seen.push(r.message));
    const c = sc();
    c.gfp_mask = GFP_NOFS;
    do_shrink_slab(k, c, s, 5);
    // delta = (5000 >> 5) * 4 / 2 = 312: two batches of 128, 56 deferred.
    expect(seen[0]).toMatch(
      /^fake_scan [0-9a-f]{16}: nid: 0 objects to shrink 0 gfp_flags GFP_NOFS cache items 5000 delta 312 total_scan 312 priority 5$/,
    );
    expect(seen[1]).toMatch(
      /^fake_scan [0-9a-f]{16}: nid: 0 unused scan count 0 new scan count 56 total_scan 56 last shrinker return val 256$/,
    );
  });
});

describe("shrink_slab, register/unregister, drop_slab", () => {
  it("runs the registered shrinkers in registration order, the THP pair first, and skips unregistered ones", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const names = k.shrinkers.shrinker_list.map((s) => s.ops.name);
    // hugepage_init registers thp-zero, then thp-deferred_split.
    expect(names.indexOf("shrink_huge_zero_page_scan")).toBeLessThan(
      names.indexOf("deferred_split_scan"),
    );
    const a = new FakeCache([300]);
    const sa = new shrinker(a.ops(), DEFAULT_SEEKS, 0, 0, null);
    register_shrinker(k, sa);
    expect(sa.flags & SHRINKER_REGISTERED).toBeTruthy();
    expect(shrink_slab(k, GFP_KERNEL, 0, 0)).toBe(300);
    unregister_shrinker(k, sa);
    expect(sa.flags & SHRINKER_REGISTERED).toBe(0);
    a.objects[0] = 300;
    expect(shrink_slab(k, GFP_KERNEL, 0, 0)).toBe(0);
    unregister_shrinker(k, sa); // twice: a no-op, as the kernel's
    expect(() => register_shrinker(k, k.thp.deferred_split_shrinker)).toThrow(
      /registered twice/,
    );
  });

  it("drop_caches=2 repeats each node's pass at priority 0 while it frees more than 2, 4, 8, ...", () => {
    const k = start_kernel({ memory: 256 * MiB });
    // 10000 objects: each pass may scan at most 2 * count; a scan frees what it is asked, so the
    // first pass frees everything, the second finds SHRINK_EMPTY (0 <= 1 >> 1): two passes.
    const c = new FakeCache([10000]);
    let counts = 0;
    const ops = c.ops();
    const s = new shrinker(
      Object.freeze({
        ...ops,
        count_objects: (kk: Kernel, ss: shrinker, scc: shrink_control) => (
          counts++,
          ops.count_objects(kk, ss, scc)
        ),
      }),
      DEFAULT_SEEKS,
      0,
      0,
      null,
    );
    register_shrinker(k, s);
    procWrite(k, "/proc/sys/vm/drop_caches", "2");
    expect(c.objects[0]).toBe(0);
    expect(counts).toBe(2);
  });
});
