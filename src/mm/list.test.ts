/**
 * ListLinks: list_add_run must leave exactly the links that one list_add per page leaves, on an
 * empty list and on lists that already hold pages, for runs of every length a batch can have.
 */
import { describe, expect, it } from "vitest";
import { ListLinks, newListHeads } from "./list.js";
import { NO_PFN } from "./types.js";

function walk(links: ListLinks, heads: Int32Array, h: number): number[] {
  const out: number[] = [];
  for (let p = heads[h]; p !== NO_PFN; p = links.list_next(heads, h, p)) out.push(p);
  return out;
}

describe("list_add_run", () => {
  it.each([0, 1, 2, 3, 7])("matches one list_add per page (list already holding %i pages)", (held) => {
    for (let n = 0; n <= 15; n++) {
      const a = new ListLinks(64);
      const b = new ListLinks(64);
      const ha = newListHeads(2);
      const hb = newListHeads(2);
      for (let p = 40; p < 40 + held; p++) {
        a.list_add(ha, 1, p);
        b.list_add(hb, 1, p);
      }
      const run = Int32Array.from({ length: n + 2 }, (_, i) => (i * 7) % 31); // distinct pfns 0..30
      for (let i = 1; i <= n; i++) a.list_add(ha, 1, run[i]);
      b.list_add_run(hb, 1, run, 1, n);
      expect([...hb]).toEqual([...ha]);
      expect(walk(b, hb, 1)).toEqual(walk(a, ha, 1));
      // The ring's back links too: every element's prev is the one before it, the first's the last.
      const order = walk(b, hb, 1);
      order.forEach((p, i) => {
        expect(b.prev[p]).toBe(order[(i + order.length - 1) % order.length]);
        expect(b.next[p]).toBe(a.next[p]);
        expect(b.prev[p]).toBe(a.prev[p]);
      });
    }
  });

  it("list_add_before puts an element before another, and first when that one was first", () => {
    const l = new ListLinks(16);
    const heads = newListHeads(1);
    for (const p of [3, 5, 7]) l.list_add_tail(heads, 0, p);
    l.list_add_before(heads, 0, 5, 9);
    l.list_add_before(heads, 0, 3, 1);
    const out: number[] = [];
    for (let p = heads[0]; p !== -1; p = l.list_next(heads, 0, p)) out.push(p);
    expect(out).toEqual([1, 3, 9, 5, 7]);
    expect(l.list_last_entry(heads, 0)).toBe(7);
  });
});
