import { describe, expect, it } from "vitest";
import { Prng } from "../kernel/random.js";
import {
  XA_MARK_0,
  XA_MARK_1,
  XA_VALUE,
  xa_clear_mark,
  xa_erase,
  xa_find,
  xa_find_marked,
  xa_get_mark,
  xa_load,
  xa_load_folio,
  xa_load_value,
  xa_marked,
  xa_set_mark,
  xa_store_folio,
  xa_store_value,
  XA_NODE_CACHE_MAX,
  xa_delete_leaf,
  xa_nodes_expected,
  xarray,
  type xa_node_owner,
} from "./xarray.js";

describe("xarray (lib/xarray.c as i_pages uses it)", () => {
  it("stores index 1000 in chunk 15, slot 40, and frees the chunk when it empties", () => {
    const xa = new xarray();
    expect(xa_store_folio(xa, 1000, 7)).toBe(0);
    expect(xa.chunks.get(15)?.[40]).toBe(8);
    expect(xa_load_folio(xa, 1000)).toBe(7);
    expect(xa_load_folio(xa, 999)).toBe(-1);
    xa_erase(xa, 1000);
    expect(xa.chunks.size).toBe(0);
    expect(xa.nr_entries).toBe(0);
  });

  it("puts a freed leaf in the node cache, zeroed, and the next new chunk takes it from there", () => {
    const cache: Int32Array[] = [];
    const xa = new xarray();
    xa.node_cache = cache;
    xa_store_folio(xa, 1000, 7);
    xa_set_mark(xa, 1000, XA_MARK_1);
    xa_store_value(xa, 1001, 99);
    const leaf = xa.chunks.get(15);
    xa_erase(xa, 1000);
    xa_erase(xa, 1001);
    expect(xa.chunks.size).toBe(0);
    expect(cache).toEqual([leaf]);
    expect(leaf?.every((w) => w === 0)).toBe(true);
    // A leaf for another chunk of another xarray sharing the cache: the same buffer, empty.
    const other = new xarray();
    other.node_cache = cache;
    xa_store_folio(other, 64, 3);
    expect(other.chunks.get(1)).toBe(leaf);
    expect(cache.length).toBe(0);
    expect(xa_load_folio(other, 64)).toBe(3);
    expect(xa_load_folio(other, 65)).toBe(-1);
    expect(xa_get_mark(other, 64, XA_MARK_1)).toBe(false);
  });

  it("keeps at most XA_NODE_CACHE_MAX free leaves", () => {
    const cache: Int32Array[] = [];
    const xa = new xarray();
    xa.node_cache = cache;
    const n = XA_NODE_CACHE_MAX + 3;
    for (let c = 0; c < n; c++) xa_store_folio(xa, c * 64, c);
    for (let c = 0; c < n; c++) xa_erase(xa, c * 64);
    expect(xa.chunks.size).toBe(0);
    expect(cache.length).toBe(XA_NODE_CACHE_MAX);
  });

  it("keeps a shadow as a value entry and hands it back when a folio takes the slot", () => {
    const xa = new xarray();
    const shadow = 2 ** 46 + 12345; // a 47-bit pack_shadow
    xa_store_value(xa, 5, shadow);
    expect(xa_load(xa, 5)).toBe(XA_VALUE);
    expect(xa_load_folio(xa, 5)).toBe(-1);
    expect(xa_load_value(xa, 5)).toBe(shadow);
    expect(xa_store_folio(xa, 5, 42)).toBe(shadow);
    expect(xa_load_value(xa, 5)).toBe(0);
    expect(xa_load_folio(xa, 5)).toBe(42);
    expect(xa.nr_entries).toBe(1);
  });

  it("throws KernelBug when a folio is stored over a folio (the caller's -EEXIST check)", () => {
    const xa = new xarray();
    xa_store_folio(xa, 3, 1);
    expect(() => xa_store_folio(xa, 3, 2)).toThrow(/holds a folio/);
  });

  it("finds the next entry across sparse chunks, and the next marked one", () => {
    const xa = new xarray();
    xa_store_folio(xa, 10, 1);
    xa_store_value(xa, 2 ** 30, 99);
    xa_store_folio(xa, 2 ** 30 + 5, 2);
    expect(xa_find(xa, 11, 2 ** 31 - 1)).toBe(2 ** 30);
    expect(xa_find(xa, 11, 2 ** 31 - 1, true)).toBe(2 ** 30 + 5);
    expect(xa_find(xa, 0, 9)).toBe(-1);
    expect(xa_marked(xa, XA_MARK_0)).toBe(false);
    xa_set_mark(xa, 2 ** 30 + 5, XA_MARK_0);
    xa_set_mark(xa, 10, XA_MARK_1);
    expect(xa_marked(xa, XA_MARK_0)).toBe(true);
    expect(xa_find_marked(xa, 0, 2 ** 31 - 1, XA_MARK_0)).toBe(2 ** 30 + 5);
    expect(xa_get_mark(xa, 10, XA_MARK_1)).toBe(true);
    xa_clear_mark(xa, 10, XA_MARK_1);
    expect(xa.mark_total[XA_MARK_1]).toBe(0);
    // Erasing a marked entry takes its mark with it.
    xa_erase(xa, 2 ** 30 + 5);
    expect(xa_marked(xa, XA_MARK_0)).toBe(false);
  });

  it("agrees with a Map over random stores, erases and finds", () => {
    const rng = new Prng(7);
    const xa = new xarray();
    const ref = new Map<number, { folio?: number; value?: number }>();
    for (let n = 0; n < 20000; n++) {
      const index = rng.below(4096);
      const op = rng.below(4);
      if (op === 0 && !ref.get(index)?.folio) {
        xa_store_folio(xa, index, n);
        ref.set(index, { folio: n });
      } else if (op === 1) {
        xa_store_value(xa, index, n + 1);
        ref.set(index, { value: n + 1 });
      } else if (op === 2) {
        xa_erase(xa, index);
        ref.delete(index);
      } else {
        const max = index + rng.below(300);
        let want = -1;
        for (let i = index; i <= max; i++) if (ref.has(i)) { want = i; break; }
        expect(xa_find(xa, index, max)).toBe(want);
      }
    }
    expect(xa.nr_entries).toBe(ref.size);
    for (let i = 0; i < 4096; i++) {
      const r = ref.get(i);
      expect(xa_load_folio(xa, i)).toBe(r?.folio ?? -1);
      expect(xa_load_value(xa, i)).toBe(r?.value ?? 0);
    }
  });
});

/** A node owner that hands out numbered objects and records the shadow list. */
class TestOwner implements xa_node_owner {
  next = 4096;
  readonly live = new Set<number>();
  readonly list = new Set<Int32Array>();
  node_alloc(): number {
    const o = this.next;
    this.next += 576;
    this.live.add(o);
    return o;
  }
  node_free(_xa: xarray, obj: number): void {
    if (!this.live.delete(obj)) throw new Error(`double free of ${obj}`);
  }
  shadow_list(_xa: xarray, c: Int32Array, on: boolean): void {
    if (on === this.list.has(c)) throw new Error("shadow_list: no change");
    if (on) this.list.add(c);
    else this.list.delete(c);
  }
}

function tree(indices: number[]): { xa: xarray; owner: TestOwner } {
  const xa = new xarray();
  const owner = new TestOwner();
  xa.node_owner = owner;
  for (const i of indices) xa_store_folio(xa, i, i);
  return { xa, owner };
}

describe("xarray: the xa_nodes 6.1 holds (xas_create, xas_expand, xas_delete_node, xas_shrink)", () => {
  it("keeps a lone entry at index 0 in xa_head: no node", () => {
    const { xa, owner } = tree([0]);
    expect(xa.nr_nodes).toBe(0);
    expect(owner.live.size).toBe(0);
    // A shadow in its place: still the head entry.
    xa_erase(xa, 0);
    xa_store_value(xa, 0, 5);
    expect(xa.nr_nodes).toBe(0);
  });

  it("needs one leaf for indices 0..63, and for a lone entry at index 5", () => {
    expect(tree(Array.from({ length: 64 }, (_, i) => i)).xa.nr_nodes).toBe(1);
    expect(tree([5]).xa.nr_nodes).toBe(1);
    expect(tree([0, 1]).xa.nr_nodes).toBe(1);
  });

  it("builds a root over two leaves for 0 and 64, and shrinks back to xa_head when 64 goes", () => {
    const { xa, owner } = tree([0, 64]);
    expect(xa.nr_nodes).toBe(3);
    expect(owner.live.size).toBe(3);
    xa_erase(xa, 64);
    expect(xa.nr_nodes).toBe(0);
    expect(owner.live.size).toBe(0);
  });

  it("makes the chain of nodes down to a sparse index: 2^20 has a root at shift 18, then 12, 6 and the leaf", () => {
    expect(tree([2 ** 20]).xa.nr_nodes).toBe(4);
    // 4095 is the last index a two-level tree reaches; 4096 needs a third level.
    expect(tree([4095]).xa.nr_nodes).toBe(2);
    expect(tree([4096]).xa.nr_nodes).toBe(3);
    // 0 and 2^20: the root, then one node per level on each of the two paths.
    expect(tree([0, 2 ** 20]).xa.nr_nodes).toBe(1 + 2 * 3);
  });

  it("shrinks only as far as slot 0 allows", () => {
    // {1, 4096}: without 4096 the root and the middle node collapse; the leaf stays (index 1 is not 0).
    const a = tree([1, 4096]);
    expect(a.xa.nr_nodes).toBe(5);
    xa_erase(a.xa, 4096);
    expect(a.xa.nr_nodes).toBe(1);
    // {4096, 8192}: the root's slot 0 is empty, so nothing collapses: root, middle, leaf.
    const b = tree([4096, 8192]);
    xa_erase(b.xa, 8192);
    expect(b.xa.nr_nodes).toBe(3);
    expect(b.owner.live.size).toBe(3);
    xa_erase(b.xa, 4096);
    expect(b.xa.nr_nodes).toBe(0);
    expect(b.owner.live.size).toBe(0);
  });

  it("gives index 0 its leaf when a second entry joins it in the head, and takes it back after", () => {
    const { xa, owner } = tree([0]);
    xa_store_folio(xa, 1, 1);
    expect(xa.nr_nodes).toBe(1);
    expect(owner.live.size).toBe(1);
    xa_erase(xa, 1);
    expect(xa.nr_nodes).toBe(0);
    expect(owner.live.size).toBe(0);
  });

  it("counts as a fresh recount does, with one live object per node, over random stores and erases", () => {
    const rng = new Prng(11);
    const xa = new xarray();
    const owner = new TestOwner();
    xa.node_owner = owner;
    const present = new Set<number>();
    for (let n = 0; n < 20000; n++) {
      // Mostly small indices (shallow trees), sometimes far ones (growth and shrink by levels).
      const index = rng.below(8) === 0 ? rng.below(2 ** 22) : rng.below(300);
      const op = rng.below(3);
      if (op === 0 && !present.has(index)) {
        xa_store_folio(xa, index, n);
        present.add(index);
      } else if (op === 1) {
        xa_store_value(xa, index, n + 1);
        present.add(index);
      } else {
        xa_erase(xa, index);
        present.delete(index);
      }
      if (n % 97 === 0) {
        expect(xa.nr_nodes).toBe(xa_nodes_expected(xa));
        expect(owner.live.size).toBe(xa.nr_nodes);
      }
    }
    for (const i of [...present]) xa_erase(xa, i);
    expect(xa.nr_nodes).toBe(0);
    expect(owner.live.size).toBe(0);
    expect(xa.inner?.size ?? 0).toBe(0);
  });
});

describe("xarray: the shadow-node list (workingset_update_node)", () => {
  it("lists a leaf once it holds only value entries, and unlists it when a folio comes back", () => {
    const { xa, owner } = tree([64, 65]);
    xa.update_node = true;
    xa_store_value(xa, 64, 7);
    expect(owner.list.size).toBe(0);
    xa_store_value(xa, 65, 8);
    const leaf = xa.chunks.get(1) as Int32Array;
    expect([...owner.list]).toEqual([leaf]);
    xa_store_folio(xa, 65, 3);
    expect(owner.list.size).toBe(0);
    xa_store_value(xa, 65, 9);
    xa_erase(xa, 64);
    xa_erase(xa, 65);
    // Freed: off the list first.
    expect(owner.list.size).toBe(0);
    expect(owner.live.size).toBe(0);
  });

  it("never lists the head entry (no node) nor a mapping without the update (shmem)", () => {
    const head = tree([0]);
    head.xa.update_node = true;
    xa_store_value(head.xa, 0, 1);
    expect(head.owner.list.size).toBe(0);
    const shmem = tree([64]);
    xa_store_value(shmem.xa, 64, 1);
    expect(shmem.owner.list.size).toBe(0);
  });

  it("deletes a shadow-only leaf whole, and the parents it leaves empty", () => {
    const { xa, owner } = tree([3, 4096, 4097]);
    xa.update_node = true;
    xa_store_value(xa, 4096, 1);
    xa_store_value(xa, 4097, 2);
    expect(xa.nr_nodes).toBe(5);
    const leaf = [...owner.list][0];
    owner.list.delete(leaf); // list_lru_isolate
    xa_delete_leaf(xa, leaf);
    // 3 alone: the root and middle node collapse into the leaf of index 3.
    expect(xa.nr_nodes).toBe(1);
    expect(owner.live.size).toBe(1);
    expect(xa.nr_entries).toBe(1);
    expect(xa_load_value(xa, 4096)).toBe(0);
  });
});
