import { describe, expect, it } from "vitest";
import { compound_head, copy_page_content, F, fresh_page_contents, MemMap, page_content, page_flags, page_owner_ts_of, PageCompound, PageTail, PG_head, PG_tail, PG_uniform_content, set_page_content } from "./memmap.js";
import { Machine } from "../sim/machine.js";
import { kernelOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { checkMm } from "../sim/invariants/mm.js";
import { checkBuddy } from "../sim/invariants/buddy.js";
import { split_huge_page } from "./huge_memory.js";
import { __alloc_pages, __free_pages } from "./page_alloc.js";
import { GFP_KERNEL, __GFP_COMP } from "../include/linux/gfp_types.js";
import { NO_PFN, pageblock_order } from "./types.js";
import { fillPageAges } from "../api/inspect.js";

describe("content tokens (MemMap.content_rel)", () => {
  it("reads back what was set, 0 as no contents, at any pfn", () => {
    const mem = new MemMap(4096);
    expect(page_content(mem, 7)).toBe(0);
    set_page_content(mem, 7, 2 ** 31 + 5);
    set_page_content(mem, 4095, 2 ** 32 - 1);
    expect(page_content(mem, 7)).toBe(2 ** 31 + 5);
    expect(page_content(mem, 4095)).toBe(2 ** 32 - 1);
    set_page_content(mem, 7, 0);
    expect(page_content(mem, 7)).toBe(0);
  });

  it("a copy carries the source's token to another pfn, below or above it", () => {
    const mem = new MemMap(4096);
    set_page_content(mem, 1000, 2 ** 31 + 77);
    copy_page_content(mem, 3, 1000);
    copy_page_content(mem, 4000, 1000);
    expect(page_content(mem, 3)).toBe(2 ** 31 + 77);
    expect(page_content(mem, 4000)).toBe(2 ** 31 + 77);
    copy_page_content(mem, 1000, 5); // from a page with no contents
    expect(page_content(mem, 1000)).toBe(0);
  });

  it("fresh contents for a block: the next tokens in page order, one per page, the sequence advanced", () => {
    const mem = new MemMap(4096);
    const seq = { content_seq: 2 ** 31 };
    fresh_page_contents(mem, seq, 512, 512);
    expect(seq.content_seq).toBe(2 ** 31 + 512);
    expect(page_content(mem, 512)).toBe(2 ** 31 + 1);
    expect(page_content(mem, 700)).toBe(2 ** 31 + 189);
    expect(page_content(mem, 1023)).toBe(2 ** 31 + 512);
    expect(page_content(mem, 1024)).toBe(0);
    // a page split off and copied elsewhere keeps its own token
    copy_page_content(mem, 5, 700);
    expect(page_content(mem, 5)).toBe(2 ** 31 + 189);
  });
});

describe("a compound head's fields standing for its tails (issue 17: a THP fault writes no tail's memmap word)", () => {
  const MiB = 1 << 20;
  /** A machine whose process `p` has one written THP at `a`; the THP's head pfn. */
  function thp(): { m: Machine; k: Kernel; p: ReturnType<Machine["spawn"]>; a: number; head: number } {
    const m = Machine.boot({ memory: "1G" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "thp" });
    const raw = p.mmap(4 * MiB);
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    m.advance("5ms");
    p.write(a, 2 * MiB);
    const head = p.pagemap(a, 1).frame[0];
    expect(PageCompound(k.mem_map, head)).toBe(true);
    return { m, k, p, a, head };
  }

  it("tails read as the per-tail columns did: PG_tail, compound_head, page_owner stamp, content token", () => {
    const { k, head } = thp();
    const mem = k.mem_map;
    const stamp = mem.page_owner_ts[head];
    const token = page_content(mem, head);
    expect(stamp).toBeGreaterThan(1);
    for (let i = 1; i < 512; i++) {
      const t = head + i;
      expect(PageTail(mem, t)).toBe(true);
      expect(page_flags(mem, t) & F(PG_tail)).not.toBe(0);
      expect(compound_head(mem, t)).toBe(head);
      expect(page_owner_ts_of(mem, t)).toBe(stamp);
      expect(page_content(mem, t)).toBe(token + i);
    }
    expect(PageTail(mem, head)).toBe(false);
    expect(PageTail(mem, head + 512)).toBe(false);
    // what the fault wrote: the head's words and one pageblock byte, no tail's flags word
    expect(mem.pageblock_thp[head >>> pageblock_order]).toBe(1);
    expect(mem.flags[head + 300] & F(PG_tail)).toBe(0);
    expect(mem.flags[head] & F(PG_uniform_content)).not.toBe(0);
    checkMm(k);
  });

  it("a single subpage's contents written out leaves the others' tokens as they were", () => {
    const { k, head } = thp();
    const mem = k.mem_map;
    const token = page_content(mem, head);
    set_page_content(mem, head + 7, 2 ** 31 + 3);
    expect(mem.flags[head] & F(PG_uniform_content)).toBe(0);
    expect(page_content(mem, head + 7)).toBe(2 ** 31 + 3);
    for (const i of [0, 1, 6, 8, 511]) expect(page_content(mem, head + i)).toBe(token + i);
  });

  it("split_huge_page writes each tail's own words: flags without PG_tail, the stamp, the token", () => {
    const { k, p, a, head } = thp();
    const mem = k.mem_map;
    const stamp = mem.page_owner_ts[head];
    const token = page_content(mem, head);
    p.mprotect(a, MiB, "r"); // the PMD split: PTE-mapped, still compound
    expect(PageTail(mem, head + 1)).toBe(true);
    mem._refcount[head]++; // the caller's reference
    expect(split_huge_page(k, head)).toBe(0);
    mem._refcount[head]--;
    expect(mem.pageblock_thp[head >>> pageblock_order]).toBe(0);
    for (let i = 0; i < 512; i++) {
      const t = head + i;
      expect(page_flags(mem, t) & (F(PG_tail) | F(PG_head))).toBe(0);
      expect(compound_head(mem, t)).toBe(t);
      expect(mem.page_owner_ts[t]).toBe(stamp);
      expect(page_content(mem, t)).toBe(token + i);
    }
    expect(p.pagemap(a, 512).frame[300]).toBe(head + 300);
    checkMm(k);
    checkBuddy(k);
  });

  it("freeing the THP ends its implied tails; a page-cache page there later is no tail", () => {
    const { k, p, a, head } = thp();
    const mem = k.mem_map;
    p.munmap(a, 2 * MiB);
    expect(mem.pageblock_thp[head >>> pageblock_order]).toBe(0);
    expect(page_flags(mem, head + 9)).toBe(0);
    checkBuddy(k);
    checkMm(k);
  });

  it("smaller compound pages (slab orders) keep PG_tail stored in each tail", () => {
    const k = kernelOf(Machine.boot({ memory: "256M" }));
    const pfn = __alloc_pages(k, GFP_KERNEL | __GFP_COMP, 3, 0, null);
    expect(pfn).not.toBe(NO_PFN);
    expect(k.mem_map.pageblock_thp[pfn >>> pageblock_order]).toBe(0);
    for (let i = 1; i < 8; i++) expect(k.mem_map.flags[pfn + i] & F(PG_tail)).not.toBe(0);
    expect(compound_head(k.mem_map, pfn + 5)).toBe(pfn);
    __free_pages(k, pfn, 3);
    checkBuddy(k);
  });

  it("the explorer's page ages read a tail's allocation time through its head", () => {
    const { m, head } = thp();
    m.advance("2s");
    const ages = new Uint8Array(kernelOf(m).mem_map.max_pfn);
    fillPageAges(m, ages);
    expect(ages[head]).toBeGreaterThan(1);
    for (let i = 1; i < 512; i++) expect(ages[head + i]).toBe(ages[head]);
  });
});
