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
  xarray,
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
