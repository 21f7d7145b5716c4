import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { anon_vma, anon_vma_chain_singular, AnonVmaTable, anon_vma_clone, anon_vma_fork, anon_vma_prepare, anon_vma_vmas, mm_struct, unlink_anon_vmas, vm_area_alloc, vm_area_free, vm_area_struct, vma_anon_vmas, VM_READ, VM_WRITE } from "./mm_types.js";
import { MiB } from "./types.js";

/** A small deterministic generator (the test's own; the model's PRNG is the machine's). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe("AnonVmaTable's anon_vma lookup by id", () => {
  it("finds every live anon_vma and none of the freed ones through 20 000 random allocs and puts, across growth", () => {
    const t = new AnonVmaTable();
    const live = new Map<number, anon_vma>();
    const freed: number[] = [];
    const rnd = lcg(7);
    for (let step = 0; step < 20_000; step++) {
      // Drift up to ~1500 live (the table starts with 256 slots and doubles at half full), then down.
      const grow = step < 10_000 ? 0.6 : 0.4;
      if (live.size === 0 || rnd() < grow) {
        const av = t.alloc();
        live.set(av.id, av);
      } else {
        const ids = [...live.keys()];
        const id = ids[Math.floor(rnd() * ids.length)];
        t.put(live.get(id)!);
        live.delete(id);
        freed.push(id);
      }
      if (step % 997 === 0) {
        for (const [id, av] of live) expect(t.get(id)).toBe(av);
        for (const id of freed.slice(-200)) expect(t.get(id)).toBeUndefined();
      }
    }
    expect(t.nr_anon_vmas).toBe(live.size);
    for (const [id, av] of live) expect(t.get(id)).toBe(av);
    for (const id of freed) expect(t.get(id)).toBeUndefined();
  });
});

describe("anon_vma chains", () => {
  const vma = (mm: mm_struct, i: number): vm_area_struct => new vm_area_struct(mm, i * 8192, i * 8192 + 8192, 0, i * 2);

  it("chains a forked child's VMA to the parent's anon_vma and its own, parent's first, and rmap sees both", () => {
    const t = new AnonVmaTable();
    const pmm = new mm_struct();
    const cmm = new mm_struct();
    const p = vma(pmm, 1);
    const root = anon_vma_prepare(t, p);
    const c = vma(cmm, 1);
    anon_vma_fork(t, c, p);
    expect(c.anon_vma).not.toBe(root);
    expect(c.anon_vma!.parent).toBe(root);
    expect(vma_anon_vmas(t, c)).toEqual([root, c.anon_vma]);
    expect(anon_vma_chain_singular(c)).toBe(false);
    // The order rmap walks in is the order the VMAs were chained: parent, then child.
    expect(anon_vma_vmas(t, root)).toEqual([p, c]);
    expect(anon_vma_vmas(t, c.anon_vma!)).toEqual([c]);
    // root: its own VMA's chain, the child's chain and the child anon_vma's pin.
    expect(root.refcount).toBe(3);
    unlink_anon_vmas(t, c);
    expect(anon_vma_vmas(t, root)).toEqual([p]);
    expect(root.refcount).toBe(1);
    expect(t.nr_anon_vmas).toBe(1);
    expect(vma_anon_vmas(t, c)).toEqual([]);
  });

  it("keeps each anon_vma's VMAs in chaining order when VMAs in the middle go (the order a Set kept)", () => {
    const t = new AnonVmaTable();
    const mm = new mm_struct();
    const first = vma(mm, 0);
    const av = anon_vma_prepare(t, first);
    const clones: vm_area_struct[] = [first];
    for (let i = 1; i < 8; i++) {
      const v = vma(mm, i);
      anon_vma_clone(t, v, first);
      clones.push(v);
    }
    // rmap's array, kept on the anon_vma, must follow every unlink and link after it.
    const before = anon_vma_vmas(t, av);
    expect(before).toEqual(clones);
    unlink_anon_vmas(t, clones[3]);
    expect(anon_vma_vmas(t, av)).not.toContain(clones[3]);
    expect(before).toEqual(clones);
    unlink_anon_vmas(t, clones[0]);
    unlink_anon_vmas(t, clones[7]);
    const again = vma(mm, 9);
    anon_vma_clone(t, again, clones[1]);
    expect(anon_vma_vmas(t, av)).toEqual([clones[1], clones[2], clones[4], clones[5], clones[6], again]);
    expect(av.refcount).toBe(6);
  });

  it("frees a child's chains newest first, so a grandchild's anon_vma goes before its parents", () => {
    const t = new AnonVmaTable();
    const a = vma(new mm_struct(), 1);
    anon_vma_prepare(t, a);
    const b = vma(new mm_struct(), 1);
    anon_vma_fork(t, b, a);
    const c = vma(new mm_struct(), 1);
    anon_vma_fork(t, c, b);
    expect(vma_anon_vmas(t, c).map((x) => x.id)).toEqual([1, 2, 3]);
    const order: number[] = [];
    const put = t.put.bind(t);
    t.put = (x: anon_vma): void => {
      order.push(x.id);
      put(x);
    };
    unlink_anon_vmas(t, c);
    expect(order).toEqual([3, 2, 1]);
    expect(t.get(3)).toBeUndefined();
    expect(t.get(2)).toBe(b.anon_vma);
  });
});

describe("vm_area_alloc's reuse of freed VMAs", () => {
  it("hands out a freed VMA made new: every field equal to a fresh one's, the slab object fresh", () => {
    const k = start_kernel({ memory: 128 * MiB });
    const mm = new mm_struct();
    const other = new mm_struct();
    const old = vm_area_alloc(k, other, 0x7000_0000_0000, 0x7000_0000_4000, VM_READ | VM_WRITE, 0x7_0000_0000);
    // Dirty every field, as a VMA's life would.
    old.vm_flags_hi = 3;
    old.vm_page_prot = 0x25;
    old.avc_first = old.avc_last = 7;
    old.specialName = "[heap]";
    old.swap_readahead_info = 99;
    const oldObj = old.obj;
    vm_area_free(k, old);
    expect(k.vm_area_pool).toEqual([old]);
    const fresh = new vm_area_struct(mm, 0x1000, 0x3000, VM_READ, 1);
    const reused = vm_area_alloc(k, mm, 0x1000, 0x3000, VM_READ, 1);
    expect(reused).toBe(old);
    expect(k.vm_area_pool).toEqual([]);
    // The slab's LIFO freelist gives the same object back; the JS object carries no other state.
    expect(reused.obj).toBe(oldObj);
    expect(Object.keys(reused)).toEqual(Object.keys(fresh));
    expect({ ...reused, obj: 0 }).toEqual({ ...fresh });
  });

  it("pools a VMA once however often it is freed, and not one whose object the slab never gave", () => {
    const k = start_kernel({ memory: 128 * MiB });
    const mm = new mm_struct();
    const v = vm_area_alloc(k, mm, 0x1000, 0x2000, VM_READ, 1);
    vm_area_free(k, v);
    vm_area_free(k, v);
    expect(k.vm_area_pool.length).toBe(1);
    const noObj = new vm_area_struct(mm, 0x1000, 0x2000, VM_READ, 1);
    vm_area_free(k, noObj);
    expect(k.vm_area_pool.length).toBe(1);
    // Two allocations then get two objects.
    expect(vm_area_alloc(k, mm, 0, 4096, 0, 0)).not.toBe(vm_area_alloc(k, mm, 0, 4096, 0, 0));
  });
});

describe("AnonVmaTable's reuse of freed anon_vma objects", () => {
  it("hands a freed anon_vma out again as a new one: a new id, every field as a fresh one's, the old id dead", () => {
    const t = new AnonVmaTable();
    const root = t.alloc();
    const child = t.alloc();
    child.root = root;
    child.parent = root;
    root.refcount++;
    root.num_children = 2;
    child.num_active_vmas = 3;
    child.rb_first = child.rb_last = 5;
    const oldId = child.id;
    t.put(child);
    expect(t.get(oldId)).toBeUndefined();
    // The freed child lets go of its parent: the root is back to its own reference.
    expect(root.refcount).toBe(1);
    expect(root.num_children).toBe(1);
    const again = t.alloc();
    expect(again).toBe(child);
    expect(again.id).toBeGreaterThan(oldId);
    expect(t.get(again.id)).toBe(again);
    expect(t.get(oldId)).toBeUndefined();
    const fresh = new anon_vma(again.id, 0);
    expect(Object.keys(again)).toEqual(Object.keys(fresh));
    expect(again.root).toBe(again);
    expect(again.parent).toBe(again);
    expect({ ...again, root: null, parent: null }).toEqual({ ...fresh, root: null, parent: null });
  });
});
