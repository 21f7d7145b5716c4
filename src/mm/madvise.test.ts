import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { _PAGE_DIRTY } from "../arch/x86/pgtable.js";
import { find_vma } from "./mmap.js";
import { MM_ANONPAGES, MM_SHMEMPAGES, VM_DONTCOPY, VM_HUGEPAGE, VM_NOHUGEPAGE, VM_WIPEONFORK } from "./mm_types.js";
import { follow_pte } from "./memory.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_ANON_MAPPED } from "./vmstat_items.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

const PAGE = 4096;
const boot = () => start_kernel({ memory: 256 * MiB });

describe("madvise", () => {
  it("MADV_DONTNEED drops the pages: rss and AnonPages fall, the next read maps the zero page", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(16 * PAGE);
    p.touch(a, 16 * PAGE, { write: true });
    const anon = global_node_page_state(k, NR_ANON_MAPPED);
    p.madvise(a, 8 * PAGE, "dontneed");
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
    expect(global_node_page_state(k, NR_ANON_MAPPED)).toBe(anon - 8);
    expect(taskOf(p).mm!.map_count).toBe(1); // the VMA stays
  });

  it("MADV_FREE cleans the PTEs of pages only this process maps", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE);
    p.touch(a, 4 * PAGE, { write: true });
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & _PAGE_DIRTY).toBe(_PAGE_DIRTY);
    p.madvise(a, 4 * PAGE, "free");
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & _PAGE_DIRTY).toBe(0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(4); // still resident until reclaim wants them
  });

  it("flag advice splits the VMA and sets the flag only on the range", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.madvise(a + 4 * PAGE, 4 * PAGE, "hugepage");
    expect(taskOf(p).mm!.map_count).toBe(2);
    expect(find_vma(taskOf(p).mm!, a + 4 * PAGE)!.vm_flags & VM_HUGEPAGE).toBe(VM_HUGEPAGE);
    p.madvise(a + 4 * PAGE, 4 * PAGE, "nohugepage");
    expect(find_vma(taskOf(p).mm!, a + 4 * PAGE)!.vm_flags & (VM_HUGEPAGE | VM_NOHUGEPAGE)).toBe(VM_NOHUGEPAGE);
  });

  it("MADV_DONTFORK keeps the range out of the child; MADV_WIPEONFORK gives the child zeroes", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE, { addr: 0x20000000 });
    const b = p.mmap(4 * PAGE, { addr: 0x30000000 });
    p.touch(a, 4 * PAGE, { write: true });
    p.touch(b, 4 * PAGE, { write: true });
    p.madvise(a, 4 * PAGE, "dontfork");
    p.madvise(b, 4 * PAGE, "wipeonfork");
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_DONTCOPY).toBe(VM_DONTCOPY);
    expect(find_vma(taskOf(p).mm!, b)!.vm_flags & VM_WIPEONFORK).toBe(VM_WIPEONFORK);
    const c = p.fork();
    expect(find_vma(taskOf(c).mm!, a)?.vm_start === a).toBe(false);
    expect(find_vma(taskOf(c).mm!, b)!.vm_start).toBe(b);
    expect(taskOf(c).mm!.rss_stat[MM_ANONPAGES]).toBe(0);
    expect(follow_pte(k, taskOf(c).mm!, b)?.flags ?? 0).toBe(0);
  });

  it("MADV_POPULATE_WRITE faults the range in without touching it from user space", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.madvise(a, 8 * PAGE, "populate_write");
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
  });
});

describe("MADV_POPULATE_READ past the end of a shared anonymous mapping's file", () => {
  it("faults in the pages up to i_size, then fails with EFAULT at the first page past it", () => {
    // A shared anonymous mapping is a shmem file the size it was mapped with (shmem_zero_setup);
    // mremap grows the mapping but not the file. mm/madvise.c madvise_populate calls
    // faultin_vma_page_range until the range is done: the pages before i_size fault in, the first
    // page past it faults VM_FAULT_SIGBUS (shmem_get_folio_gfp: index >= i_size), which
    // __get_user_pages reports as -EFAULT, and madvise_populate returns -EFAULT.
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(2 * PAGE, { addr: 0x20000000, flags: "shared|anonymous" });
    expect(p.mremap(a, 2 * PAGE, 4 * PAGE)).toBe(a); // grown in place: 4 pages over a 2-page file
    expect(() => p.madvise(a, 4 * PAGE, "populate_read")).toThrow(/EFAULT/);
    expect(taskOf(p).mm!.rss_stat[MM_SHMEMPAGES]).toBe(2);
    expect(() => p.read(a + 2 * PAGE, PAGE)).toThrow(/SIGBUS/);
  });
});

