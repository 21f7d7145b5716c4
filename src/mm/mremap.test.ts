import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { Errno } from "../kernel/errno.js";
import { spawnProcess } from "../sim/process.js";
import { find_vma } from "./mmap.js";
import { MM_ANONPAGES } from "./mm_types.js";
import { follow_pte } from "./memory.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

const PAGE = 4096;
const boot = () => start_kernel({ memory: 256 * MiB });

describe("mremap", () => {
  it("grows in place when the next pages are free, merging the extension", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE, { addr: 0x20000000 });
    expect(p.mremap(a, 4 * PAGE, 8 * PAGE)).toBe(a);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 8 * PAGE);
    expect(taskOf(p).mm!.map_count).toBe(1);
  });

  it("shrinks in place by unmapping the tail", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    const c = k.vm_committed_as;
    expect(p.mremap(a, 8 * PAGE, 2 * PAGE)).toBe(a);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 2 * PAGE);
    expect(k.vm_committed_as).toBe(c - 6);
  });

  it("moves with MREMAP_MAYMOVE, carrying the pages (same frames, same rss, no new faults)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE, { addr: 0x20000000 });
    p.mmap(PAGE, { addr: a + 4 * PAGE, prot: "r" }); // block growth in place
    p.touch(a, 4 * PAGE, { write: true });
    const pfn0 = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    const rss = taskOf(p).mm!.rss_stat[MM_ANONPAGES];
    const c = k.vm_committed_as;
    expect(() => p.mremap(a, 4 * PAGE, 8 * PAGE)).toThrow(Errno);
    const b = p.mremap(a, 4 * PAGE, 8 * PAGE, { mayMove: true });
    expect(b).not.toBe(a);
    expect(find_vma(taskOf(p).mm!, a)?.vm_start).not.toBe(a);
    expect(follow_pte(k, taskOf(p).mm!, b)!.pfn).toBe(pfn0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(rss);
    expect(k.vm_committed_as).toBe(c + 4);
    const flt = taskOf(p).min_flt;
    p.touch(b, 4 * PAGE, { write: true });
    expect(taskOf(p).min_flt).toBe(flt);
  });

  it("MREMAP_FIXED replaces what was at the destination", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(2 * PAGE, { addr: 0x20000000 });
    const d = p.mmap(4 * PAGE, { addr: 0x30000000, prot: "r" });
    p.touch(a, 2 * PAGE, { write: true });
    expect(p.mremap(a, 2 * PAGE, 2 * PAGE, { fixed: d })).toBe(d);
    expect(find_vma(taskOf(p).mm!, d)!.vm_end).toBe(d + 2 * PAGE);
    expect(find_vma(taskOf(p).mm!, d + 2 * PAGE)!.vm_start).toBe(d + 2 * PAGE);
    expect(follow_pte(k, taskOf(p).mm!, d)!.flags).not.toBe(0);
  });

  it("MREMAP_DONTUNMAP leaves the old range mapped but empty", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(2 * PAGE, { addr: 0x20000000 });
    p.touch(a, 2 * PAGE, { write: true });
    const b = p.mremap(a, 2 * PAGE, 2 * PAGE, { mayMove: true, dontUnmap: true });
    expect(find_vma(taskOf(p).mm!, a)!.vm_start).toBe(a);
    expect(follow_pte(k, taskOf(p).mm!, a)?.flags ?? 0).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, b)!.flags).not.toBe(0);
  });

  it("MREMAP_FIXED accepts a destination that touches the source on either side, and refuses one page of overlap", () => {
    // mm/mremap.c mremap_to: `if (addr + old_len > new_addr && new_addr + new_len > addr) goto out;`
    // (-EINVAL): ranges that only meet at an edge do not overlap.
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE, { addr: 0x20000000 });
    p.touch(a, 4 * PAGE, { write: true });
    const pfn0 = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    // Just above: new_addr == addr + old_len.
    expect(p.mremap(a, 4 * PAGE, 4 * PAGE, { fixed: a + 4 * PAGE })).toBe(a + 4 * PAGE);
    expect(follow_pte(k, taskOf(p).mm!, a + 4 * PAGE)!.pfn).toBe(pfn0);
    expect(find_vma(taskOf(p).mm!, a)!.vm_start).toBe(a + 4 * PAGE); // nothing left at a
    // Just below: new_addr + new_len == addr.
    const b = a + 4 * PAGE;
    expect(p.mremap(b, 4 * PAGE, 4 * PAGE, { fixed: b - 4 * PAGE })).toBe(b - 4 * PAGE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(pfn0);
    // One page of overlap either way is EINVAL, and the mapping stays where it was.
    expect(() => p.mremap(a, 4 * PAGE, 4 * PAGE, { fixed: a + 3 * PAGE })).toThrow(/EINVAL/);
    expect(() => p.mremap(a, 4 * PAGE, 4 * PAGE, { fixed: a - 3 * PAGE })).toThrow(/EINVAL/);
    expect(find_vma(taskOf(p).mm!, a)!.vm_start).toBe(a);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 4 * PAGE);
  });
});
