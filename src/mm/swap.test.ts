import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { checkLru } from "../sim/invariants/lru.js";
import { follow_pte } from "./memory.js";
import { F, PG_active, PG_lru, PG_referenced, PG_unevictable } from "./memmap.js";
import { folio_mark_accessed, lru_add_drain, PAGEVEC_SIZE, put_page } from "./swap.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_ACTIVE_ANON, NR_INACTIVE_ANON, NR_UNEVICTABLE, PGACTIVATE } from "./vmstat_items.js";
import { kernelOf, taskOf } from "../api/internals.js";

function machineWithPages(pages: number) {
  const m = Machine.boot({ memory: "256M" });
  const k = kernelOf(m);
  lru_add_drain(k);
  const p = m.spawn({ comm: "p" });
  const a = p.mmap(pages * 4096);
  lru_add_drain(k);
  const inactive0 = global_node_page_state(k, NR_INACTIVE_ANON);
  p.write(a, pages * 4096);
  const pfn = (i: number): number => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn;
  return { m, k, p, a, pfn, inactive0 };
}

describe("the per-CPU lru_add batch", () => {
  it("holds up to 15 new pages off the lists, each with a reference, and adds them as it fills", () => {
    const { k, pfn, inactive0 } = machineWithPages(PAGEVEC_SIZE + 3);
    // 15 filled the batch and went onto the inactive list; the last 3 wait in the batch.
    expect(global_node_page_state(k, NR_INACTIVE_ANON) - inactive0).toBe(PAGEVEC_SIZE);
    const last = pfn(PAGEVEC_SIZE + 2);
    expect(k.mem_map.flags[last] & F(PG_lru)).toBe(0);
    expect(k.mem_map._refcount[last]).toBe(2); // the mapping's and the batch's
    checkLru(k);
    lru_add_drain(k);
    expect(k.mem_map.flags[last] & F(PG_lru)).not.toBe(0);
    expect(k.mem_map._refcount[last]).toBe(1);
    expect(global_node_page_state(k, NR_INACTIVE_ANON) - inactive0).toBe(PAGEVEC_SIZE + 3);
    checkLru(k);
  });

  it("adds a batch that mixes fresh and mlocked pages page by page, each to its own list", () => {
    // Three fresh anonymous pages, then one faulted into a VM_LOCKED (onfault) mapping: the
    // batch is not one run for one list, so the per-page path applies it (lru_add_fn culls the
    // mlocked page), after the one-splice attempt has looked at it and let go.
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p" });
    const a = p.mmap(3 * 4096);
    const locked = p.mmap(4096);
    p.mlock(locked, 4096, { onFault: true });
    lru_add_drain(k);
    const inactive0 = global_node_page_state(k, NR_INACTIVE_ANON);
    const unevictable0 = global_node_page_state(k, NR_UNEVICTABLE);
    p.write(a, 3 * 4096);
    p.write(locked, 4096);
    lru_add_drain(k);
    expect(global_node_page_state(k, NR_INACTIVE_ANON) - inactive0).toBe(3);
    expect(global_node_page_state(k, NR_UNEVICTABLE) - unevictable0).toBe(1);
    const lockedPfn = follow_pte(k, taskOf(p).mm!, locked)!.pfn;
    expect(k.mem_map.flags[lockedPfn] & (F(PG_lru) | F(PG_unevictable))).toBe(F(PG_lru) | F(PG_unevictable));
    for (let i = 0; i < 3; i++) expect(k.mem_map.flags[follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn] & F(PG_lru)).not.toBe(0);
    checkLru(k);
  });

  it("keeps a page the program freed alive until the batch lets go of it", () => {
    const { k, p, a, pfn } = machineWithPages(2);
    const first = pfn(0);
    p.madvise(a, 2 * 4096, "dontneed"); // zap_page_range drains first (as 6.1's zap does)
    expect(k.mem_map._refcount[first]).toBe(0);
    expect(k.mem_map.flags[first] & F(PG_lru)).toBe(0);
    checkLru(k);
  });
});

describe("folio_mark_accessed", () => {
  it("promotes on the second use: PG_referenced first, then the activate batch", () => {
    const { k, pfn } = machineWithPages(1);
    lru_add_drain(k);
    const page = pfn(0);
    folio_mark_accessed(k, page);
    expect(k.mem_map.flags[page] & F(PG_referenced)).not.toBe(0);
    expect(k.mem_map.flags[page] & F(PG_active)).toBe(0);
    const active0 = global_node_page_state(k, NR_ACTIVE_ANON);
    folio_mark_accessed(k, page);
    lru_add_drain(k);
    expect(k.mem_map.flags[page] & F(PG_active)).not.toBe(0);
    expect(k.mem_map.flags[page] & F(PG_referenced)).toBe(0);
    expect(global_node_page_state(k, NR_ACTIVE_ANON)).toBe(active0 + 1);
    expect(k.vm_events[PGACTIVATE]).toBeGreaterThanOrEqual(1);
    checkLru(k);
  });
});

describe("put_page", () => {
  it("takes a page off its list with its last reference", () => {
    const { k, p, a, pfn } = machineWithPages(1);
    lru_add_drain(k);
    const page = pfn(0);
    expect(k.mem_map.flags[page] & F(PG_lru)).not.toBe(0);
    k.mem_map._refcount[page]++; // someone else's reference (a GUP pin, say)
    p.munmap(a, 4096);
    expect(k.mem_map.flags[page] & F(PG_lru)).not.toBe(0); // still referenced: still listed
    put_page(k, page);
    expect(k.mem_map.flags[page] & (F(PG_lru) | F(PG_active) | F(PG_unevictable))).toBe(0);
    expect(k.mem_map._refcount[page]).toBe(0);
    checkLru(k);
  });
});

describe("checkLru", () => {
  it("catches a page whose list no longer matches its flags, and a counter out of step", () => {
    const { k, pfn } = machineWithPages(4);
    lru_add_drain(k);
    const page = pfn(0);
    k.mem_map.flags[page] |= F(PG_active); // flipped behind the list's back
    expect(() => checkLru(k)).toThrow(/wrong LRU list/);
    k.mem_map.flags[page] &= ~F(PG_active);
    k.node_data[0].vm_stat[NR_INACTIVE_ANON]++;
    expect(() => checkLru(k)).toThrow(/node LRU counter/);
    k.node_data[0].vm_stat[NR_INACTIVE_ANON]--;
    checkLru(k);
  });
});
