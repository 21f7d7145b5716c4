import { describe, expect, it } from "vitest";
import { copy_page_content, fresh_page_contents, MemMap, page_content, set_page_content } from "./memmap.js";

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
