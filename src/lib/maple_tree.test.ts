/**
 * The tree against a sorted array on random sequences of inserts, erases, in-place boundary moves,
 * lookups and gap searches (a fixed seed per run), with mt_validate after every step. The array's
 * gap searches are the linear walks mmap.ts made over its sorted array before the tree, written
 * from the maple tree's contract (the lowest / highest free [a, a + size) inside [low, high)).
 */
import { describe, expect, it } from "vitest";
import { KernelBug } from "../kernel/bug.js";
import { MapleTree, type MapleRange } from "./maple_tree.js";

class R implements MapleRange {
  constructor(
    public vm_start: number,
    public vm_end: number,
  ) {}
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** First index with vm_end > addr. */
function index(a: R[], addr: number): number {
  let i = 0;
  while (i < a.length && a[i].vm_end <= addr) i++;
  return i;
}

/** Reference mas_empty_area: [gap start, index of the entry above] or null. */
function refUp(a: R[], low: number, high: number, length: number): [number, number] | null {
  let i = index(a, low);
  let gapStart = low;
  for (; ; i++) {
    const next = i < a.length ? a[i] : null;
    const gapEnd = next ? Math.min(next.vm_start, high) : high;
    if (next && next.vm_start <= gapStart) {
      gapStart = Math.max(gapStart, next.vm_end);
      continue;
    }
    if (gapEnd - gapStart >= length) return [gapStart, i];
    if (!next || next.vm_start >= high) return null;
    gapStart = Math.max(gapStart, next.vm_end);
  }
}

/** Reference mas_empty_area_rev: [gap end, index of the entry above] or null. */
function refDown(a: R[], low: number, high: number, length: number): [number, number] | null {
  let i = index(a, high - 1);
  let gapEnd = high;
  if (i < a.length && a[i].vm_start < gapEnd) gapEnd = a[i].vm_start;
  while (gapEnd > low) {
    const prev = i > 0 ? a[i - 1] : null;
    const gapStart = Math.max(prev ? prev.vm_end : 0, low);
    if (gapEnd - gapStart >= length) return [gapEnd, i];
    if (!prev) break;
    i--;
    gapEnd = Math.min(gapEnd, prev.vm_start);
  }
  return null;
}

/**
 * Random operations against the array. With `prefill`, the tree starts with that many entries
 * stored in address order by mas_store_append (dup_mmap's bulk store), checked after each.
 */
function run(seed: number, steps: number, space: number, maxLen: number, prefill = 0): void {
  const rand = rng(seed);
  const r = (n: number): number => Math.floor(rand() * n);
  const t = new MapleTree<R>();
  const a: R[] = [];
  let at = 0;
  for (let i = 0; i < prefill; i++) {
    const s = at + r(3) * r(maxLen);
    const v = new R(s, s + 1 + r(maxLen));
    t.mas_store_append(v);
    a.push(v);
    at = v.vm_end;
    t.mt_validate();
    expect(t.length).toBe(a.length);
  }
  if (prefill > 0) expect(t.toArray()).toEqual(a);
  for (let step = 0; step < steps; step++) {
    const op = r(100);
    const ctx = `seed ${seed} step ${step} op ${op}`;
    if (op < 40) {
      // Insert a random free range (the space is in pages).
      const s = r(space);
      const len = 1 + r(maxLen);
      const i = index(a, s);
      const e = Math.min(s + len, i < a.length ? Math.max(a[i].vm_start, s) : s + len);
      if ((i < a.length && a[i].vm_start <= s) || e <= s) continue;
      const v = new R(s, e);
      t.mtree_insert(v);
      a.splice(i, 0, v);
    } else if (op < 65 && a.length > 0) {
      const i = r(a.length);
      t.mtree_erase(a[i]);
      a.splice(i, 1);
    } else if (op < 75 && a.length > 0) {
      // Move a boundary in place into a neighbouring gap, then re-store (vma_expand, brk, stack).
      const i = r(a.length);
      const v = a[i];
      if (r(2) === 0) {
        const lo = i > 0 ? a[i - 1].vm_end : 0;
        v.vm_start = lo + r(v.vm_end - lo);
      } else {
        const hi = i + 1 < a.length ? a[i + 1].vm_start : space + maxLen;
        v.vm_end = v.vm_start + 1 + r(hi - v.vm_start);
      }
      t.mt_store_gaps(v);
    } else if (op < 85) {
      const addr = r(space + maxLen);
      const i = index(a, addr);
      expect(t.mt_find(addr), ctx).toBe(i < a.length ? a[i] : null);
      if (i < a.length) {
        expect(t.mt_prev(a[i]), ctx).toBe(i > 0 ? a[i - 1] : null);
        expect(t.mt_next(a[i]), ctx).toBe(i + 1 < a.length ? a[i + 1] : null);
      } else {
        expect(t.mt_prev(null), ctx).toBe(a.length > 0 ? a[a.length - 1] : null);
      }
    } else {
      let low = r(space + maxLen);
      let high = r(space + maxLen + 1);
      if (r(4) !== 0 && high < low) [low, high] = [high, low];
      const size = 1 + r(maxLen * 2);
      const up = refUp(a, low, high, size);
      expect(t.mas_empty_area(low, high, size), `${ctx} up ${low} ${high} ${size}`).toBe(up === null ? -1 : 0);
      if (up !== null) {
        expect([t.mas_index, t.mas_last], ctx).toEqual([up[0], up[0] + size - 1]);
        expect(t.above, ctx).toBe(up[1] < a.length ? a[up[1]] : null);
      }
      const down = refDown(a, low, high, size);
      expect(t.mas_empty_area_rev(low, high, size), `${ctx} down ${low} ${high} ${size}`).toBe(down === null ? -1 : 0);
      if (down !== null) {
        expect([t.mas_index, t.mas_last], ctx).toEqual([down[0] - size, down[0] - 1]);
        expect(t.above, ctx).toBe(down[1] < a.length ? a[down[1]] : null);
      }
    }
    t.mt_validate();
    expect(t.length, ctx).toBe(a.length);
  }
  expect(t.toArray()).toEqual(a);
  expect([...t]).toEqual(a);
}

describe("MapleTree against a sorted array", () => {
  it("agrees on lookups, neighbours and gap searches in a small, crowded space", () => {
    for (let seed = 1; seed <= 20; seed++) run(seed, 600, 200, 6);
  });
  it("agrees with thousands of entries (several levels of nodes)", () => {
    for (let seed = 100; seed <= 102; seed++) run(seed, 8_000, 30_000, 8);
  });
  it("agrees when it grows large, then shrinks back (merges and root collapse)", () => {
    const t = new MapleTree<R>();
    const a: R[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = new R(i * 4, i * 4 + 2 + (i % 2));
      t.mtree_insert(v);
      a.push(v);
    }
    t.mt_validate();
    const rand = rng(7);
    while (a.length > 0) {
      const i = Math.floor(rand() * a.length);
      t.mtree_erase(a[i]);
      a.splice(i, 1);
      if (a.length % 97 === 0) {
        t.mt_validate();
        expect(t.toArray()).toEqual(a);
        const down = refDown(a, 0, 30_000, 3);
        expect(t.mas_empty_area_rev(0, 30_000, 3)).toBe(down === null ? -1 : 0);
        if (down !== null) expect(t.mas_last).toBe(down[0] - 1);
      }
    }
    t.mt_validate();
    expect(t.length).toBe(0);
    expect(t.mt_find(0)).toBe(null);
  });
  it("mas_store_append builds a whole tree (one leaf, then new leaves and levels) that then agrees", () => {
    // 1, 16 and 17 entries: the root leaf, full, then its first sibling; 300 and 600: two and
    // three levels; then inserts, erases, moves and searches on the tree the appends built.
    for (const [seed, prefill] of [[31, 1], [32, 16], [33, 17], [34, 300], [35, 600]]) {
      run(seed, 800, prefill * 8 + 200, 6, prefill);
    }
  });
  it("mas_store_append of an entry not above the last one takes the checked insert", () => {
    const t = new MapleTree<R>();
    const v = [new R(10, 20), new R(30, 40)];
    for (const x of v) t.mas_store_append(x);
    const mid = new R(22, 28); // below the last entry: inserted in its place
    t.mas_store_append(mid);
    expect(t.toArray()).toEqual([v[0], mid, v[1]]);
    expect(() => t.mas_store_append(new R(35, 45))).toThrow(KernelBug); // overlaps [30, 40)
    expect(() => t.mas_store_append(new R(50, 50))).toThrow(KernelBug); // empty
    t.mt_validate();
  });
  it("refuses overlapping inserts and erases of absent entries with KernelBug", () => {
    const t = new MapleTree<R>();
    t.mtree_insert(new R(10, 20));
    expect(() => t.mtree_insert(new R(15, 25))).toThrow(KernelBug);
    expect(() => t.mtree_insert(new R(5, 11))).toThrow(KernelBug);
    expect(() => t.mtree_insert(new R(30, 30))).toThrow(KernelBug);
    expect(() => t.mtree_erase(new R(10, 20))).toThrow(KernelBug);
    t.mt_validate();
  });
  it("mt_validate throws KernelBug on a stale gap or a broken order", () => {
    // 40 entries: more than one leaf, so the gaps are kept (a tree that is one leaf keeps none).
    const t = new MapleTree<R>();
    const v: R[] = [];
    for (let i = 0; i < 40; i++) v.push(new R(100 * i + 10, 100 * i + 20));
    v[20].vm_end = 100 * 20 + 90; // a gap of 20 above it, the others 90
    for (const x of v) t.mtree_insert(x);
    t.mt_validate();
    v[20].vm_end = 100 * 20 + 20; // moved without mt_store_gaps: its successor's gap grew to 90
    expect(() => t.mt_validate()).toThrow(/gap is stale/);
    t.mt_store_gaps(v[20]);
    t.mt_validate();
    v[20].vm_end = 100 * 21 + 15; // overlaps its successor
    expect(() => t.mt_validate()).toThrow(/overlap/);
  });
  it("a tree that is one leaf searches gaps from its entries, and keeps them once it splits", () => {
    const t = new MapleTree<R>();
    const v = [new R(10, 20), new R(50, 60), new R(70, 80), new R(100, 110)];
    for (const x of v) t.mtree_insert(x);
    v[1].vm_start = 35; // an in-place move: one leaf needs no store before the next search
    t.mt_validate();
    // [60, 70) is too small for 12: the search goes down to [20, 35) (it was [20, 50)).
    expect(t.mas_empty_area_rev(0, 70, 12)).toBe(0);
    expect([t.mas_index, t.mas_last, t.above]).toEqual([23, 34, v[1]]);
    // Up from 36 (inside v[1]): [60, 70) is too small for 15, [80, 100) below v[3] is not.
    expect(t.mas_empty_area(36, 200, 15)).toBe(0);
    expect([t.mas_index, t.mas_last, t.above]).toEqual([80, 94, v[3]]);
    // Thirteen more make seventeen: the leaf splits and every gap is computed and kept.
    for (let i = 0; i < 13; i++) {
      const x = new R(200 + 10 * i, 205 + 10 * i);
      t.mtree_insert(x);
      v.push(x);
    }
    t.mt_validate();
    expect(t.length).toBe(17);
    expect(t.mas_empty_area_rev(0, 1000, 300)).toBe(0);
    expect([t.mas_last, t.above]).toEqual([999, null]);
    expect(t.mas_empty_area_rev(0, 70, 12)).toBe(0);
    expect([t.mas_index, t.mas_last, t.above]).toEqual([23, 34, v[1]]);
    expect(t.mas_empty_area(36, 200, 15)).toBe(0);
    expect([t.mas_index, t.above]).toEqual([80, v[3]]);
  });
});
