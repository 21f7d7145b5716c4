/**
 * SLUB against the real kernel and against its own invariants:
 * - after boot, /proc/slabinfo has the real kernel's cache names, object sizes, objects per slab
 *   and pages per slab (test/realkernel/data/sl-boot-*: 1, 2 and 4 CPUs and two NUMA nodes,
 *   where calculate_order's min_objects differs), every one of them exactly;
 * - random kmalloc/kfree/kmem_cache_alloc/kmem_cache_free sequences keep every object in exactly
 *   one place and the counters equal to the slabs (sim/invariants/slab.ts), and the node slab
 *   counters equal the slab pages plus the large kmallocs;
 * - a double free, a pointer the cache never gave and a cache destroyed with live objects raise
 *   KernelBug with the messages 6.1 prints.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { start_kernel, type BootParams } from "../kernel/start_kernel.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { check_slab_invariants } from "../sim/invariants/slab.js";
import { GFP_KERNEL, GFP_KERNEL_ACCOUNT, __GFP_RECLAIMABLE } from "./gfp.js";
import { kfree, kmalloc, kmem_cache_alloc, kmem_cache_create, kmem_cache_destroy, kmem_cache_free, slabinfo_show } from "./slab_common.js";
import { SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT, type kmem_cache } from "./slab.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from "./vmstat_items.js";
import { get_order } from "./slub.js";
import { MiB } from "./types.js";

const dataDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../test/realkernel/data");

interface Row {
  objsize: number;
  objperslab: number;
  pagesperslab: number;
}

function parseSlabinfo(text: string): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const line of text.split("\n").slice(2)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    out.set(f[0], { objsize: Number(f[3]), objperslab: Number(f[4]), pagesperslab: Number(f[5]) });
  }
  return out;
}

const captures: Array<{ w: string; params: BootParams }> = [
  { w: "sl-boot-m1024", params: { memory: 1024 * MiB } },
  { w: "sl-boot-m1024-smp2", params: { memory: 1024 * MiB, cpus: 2 } },
  { w: "sl-boot-m1024-smp4", params: { memory: 1024 * MiB, cpus: 4 } },
  { w: "sl-boot-numa2", params: { memory: 1024 * MiB, cpus: 2, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } } },
];

describe("/proc/slabinfo after boot against the real kernel", () => {
  for (const { w, params } of captures) {
    it(`${w}: the same caches, object sizes, objects per slab and pages per slab`, () => {
      const k = start_kernel(params);
      const model = parseSlabinfo(slabinfo_show(k));
      const real = parseSlabinfo(fs.readFileSync(path.join(dataDir, w, "slabinfo"), "utf8"));
      expect(model.size).toBeGreaterThan(100);
      expect([...model.keys()].sort()).toEqual([...real.keys()].sort());
      for (const [name, row] of model) expect(row, name).toEqual(real.get(name));
    });
  }
});

/** The node slab counters, in pages (reclaimable, unreclaimable). */
function counters(k: Kernel): [number, number] {
  return [global_node_page_state(k, NR_SLAB_RECLAIMABLE_B), global_node_page_state(k, NR_SLAB_UNRECLAIMABLE_B)];
}

/** The slab pages the checker found, summed over nodes. */
function checked(k: Kernel): [number, number] {
  const p = check_slab_invariants(k);
  return [p.reclaimable.reduce((a, b) => a + b, 0), p.unreclaimable.reduce((a, b) => a + b, 0)];
}

describe("random slab traffic keeps the invariants", () => {
  const k = start_kernel({ memory: 256 * MiB, cpus: 2 });
  // Boot's own large kmallocs are in the unreclaimable counter but in no slab.
  const [r0, u0] = counters(k);
  const [cr0, cu0] = checked(k);
  const bootLarge = u0 - cu0;
  expect(r0).toBe(cr0);
  const own: kmem_cache[] = [
    kmem_cache_create(k, "test_obj_a", { size: 200, flags: SLAB_HWCACHE_ALIGN })!,
    kmem_cache_create(k, "test_obj_r", { size: 1000, flags: SLAB_RECLAIM_ACCOUNT })!,
  ];
  const gfps = [GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_KERNEL | __GFP_RECLAIMABLE];
  type Op = { kind: "kmalloc"; size: number; gfp: number; cpu: number } | { kind: "cache"; c: number; cpu: number } | { kind: "free"; pick: number; cpu: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("kmalloc" as const), size: fc.oneof(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 20000 })), gfp: fc.integer({ min: 0, max: 2 }), cpu: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant("cache" as const), c: fc.integer({ min: 0, max: 1 }), cpu: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant("free" as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: 1 }) }),
  );

  it("every object in one place, counters equal to the slabs, across CPUs", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        // Each run starts from the state the last one left: live objects from it are freed first.
        const live: Array<{ addr: number; cache: kmem_cache | null; large: number }> = [];
        let large = 0;
        for (const o of ops) {
          k.cpu = o.cpu;
          if (o.kind === "kmalloc") {
            const addr = kmalloc(k, o.size, gfps[o.gfp]);
            expect(addr).toBeGreaterThan(0);
            const pages = o.size > 8192 ? 2 ** get_order(o.size) : 0;
            large += pages;
            live.push({ addr, cache: null, large: pages });
          } else if (o.kind === "cache") {
            const addr = kmem_cache_alloc(k, own[o.c], GFP_KERNEL);
            expect(addr).toBeGreaterThan(0);
            live.push({ addr, cache: own[o.c], large: 0 });
          } else if (live.length) {
            const [x] = live.splice(o.pick % live.length, 1);
            if (x.cache) kmem_cache_free(k, x.cache, x.addr);
            else kfree(k, x.addr);
            large -= x.large;
          }
        }
        const [r, u] = counters(k);
        const [cr, cu] = checked(k);
        expect(r).toBe(cr);
        expect(u).toBe(cu + bootLarge + large);
        for (const x of live) {
          k.cpu = 0;
          if (x.cache) kmem_cache_free(k, x.cache, x.addr);
          else kfree(k, x.addr);
        }
        k.cpu = 0;
        checked(k);
      }),
      { numRuns: 60, seed: 16 },
    );
  });

  it("gives the slabs back: kmem_cache_destroy of the emptied caches leaves the boot counters", () => {
    k.cpu = 0;
    for (const c of own) kmem_cache_destroy(k, c);
    const [cr, cu] = checked(k);
    const [r, u] = counters(k);
    expect(r).toBe(cr);
    expect(u).toBe(cu + bootLarge);
    expect(k.slab.slab_caches.some((s) => s.name.startsWith("test_obj"))).toBe(false);
    void r0;
  });
});

describe("bad frees are kernel bugs with 6.1's messages", () => {
  const k = start_kernel({ memory: 256 * MiB });
  it("a double kfree: 'Object already free'", () => {
    const p = kmalloc(k, 64, GFP_KERNEL);
    kfree(k, p);
    expect(() => kfree(k, p)).toThrow(KernelBug);
    expect(() => kfree(k, p)).toThrow(/^BUG kmalloc-64 \(Not tainted\): Object already free/);
  });
  it("a pointer into the middle of an object: 'Invalid object pointer'", () => {
    const p = kmalloc(k, 64, GFP_KERNEL);
    expect(() => kfree(k, p + 8)).toThrow(/^BUG kmalloc-64 \(Not tainted\): Invalid object pointer 0xffff88/);
    // Offsets that round (obj_to_index's reciprocal) to the next or the same object's index.
    expect(() => kfree(k, p + 63)).toThrow(/Invalid object pointer/);
    expect(() => kfree(k, p + 33)).toThrow(/Invalid object pointer/);
    expect(() => kfree(k, p + 1)).toThrow(/Invalid object pointer/);
    kfree(k, p);
  });
  it("frees every object of a 104-byte cache (anon_vma's size: 1/104 is inexact) by its index", () => {
    const c = kmem_cache_create(k, "test_recip", { size: 96, flags: 0, ctor: "test_ctor" })!;
    const objs: number[] = [];
    for (let i = 0; i < 200; i++) objs.push(kmem_cache_alloc(k, c, GFP_KERNEL));
    expect(c.size).toBe(104);
    for (const o of objs) kmem_cache_free(k, c, o);
    for (const o of objs) expect(() => kmem_cache_free(k, c, o)).toThrow(/Object already free/);
  });
  it("an object freed to the wrong cache: cache_from_obj's 'Wrong slab cache'", () => {
    const a = kmem_cache_create(k, "test_wrong_a", { size: 72, flags: 0, ctor: "test_ctor" })!;
    const b = kmem_cache_create(k, "test_wrong_b", { size: 320, flags: 0, ctor: "test_ctor" })!;
    const p = kmem_cache_alloc(k, a, GFP_KERNEL);
    expect(() => kmem_cache_free(k, b, p)).toThrow(/^cache_from_obj: Wrong slab cache\. test_wrong_b but object is from /);
    kmem_cache_free(k, a, p);
  });
  it("a cache destroyed with live objects: 'kmem_cache_destroy …: Slab cache still has objects'", () => {
    const c = kmem_cache_create(k, "test_live", { size: 4000, flags: 0, ctor: "test_ctor" })!;
    kmem_cache_alloc(k, c, GFP_KERNEL);
    expect(() => kmem_cache_destroy(k, c)).toThrow(/kmem_cache_destroy test_live: Slab cache still has objects/);
  });
  it("a page that is no kmalloc allocation", () => {
    expect(() => kfree(k, 0x1000 * 5000 + 24)).toThrow(KernelBug);
  });
});
