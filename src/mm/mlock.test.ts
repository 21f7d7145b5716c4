import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { find_vma } from "./mmap.js";
import { follow_pte } from "./memory.js";
import { MM_ANONPAGES, VM_LOCKED, VM_LOCKONFAULT, VM_NOHUGEPAGE } from "./mm_types.js";
import { global_zone_page_state } from "./vmstat.js";
import { NR_MLOCK } from "./vmstat_items.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

const PAGE = 4096;
const boot = () => start_kernel({ memory: 256 * MiB });

describe("mlock", () => {
  it("mlock populates the range, counts Mlocked and locked_vm; munlock undoes both", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.mlock(a, 8 * PAGE);
    expect(taskOf(p).mm!.locked_vm).toBe(8);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
    expect(global_zone_page_state(k, NR_MLOCK)).toBe(8);
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_LOCKED).toBe(VM_LOCKED);
    p.munlock(a + 4 * PAGE, 4 * PAGE);
    expect(taskOf(p).mm!.locked_vm).toBe(4);
    expect(global_zone_page_state(k, NR_MLOCK)).toBe(4);
    expect(taskOf(p).mm!.map_count).toBe(2);
    p.munmap(a, 8 * PAGE);
    expect(taskOf(p).mm!.locked_vm).toBe(0);
    expect(global_zone_page_state(k, NR_MLOCK)).toBe(0);
  });

  it("mlock2(MLOCK_ONFAULT) locks without populating", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.mlock(a, 8 * PAGE, { onFault: true });
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & (VM_LOCKED | VM_LOCKONFAULT)).toBe(VM_LOCKED | VM_LOCKONFAULT);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(0);
    expect(taskOf(p).mm!.locked_vm).toBe(8);
    // Faulted pages become mlocked as they arrive.
    p.touch(a, 3 * PAGE, { write: true });
    expect(global_zone_page_state(k, NR_MLOCK)).toBe(3);
  });

  it("mlockall(MCL_CURRENT|MCL_FUTURE) locks what exists and every later mapping", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    p.mlockall("current|future");
    // Every VMA but the VM_SPECIAL ones, [vvar] (4 pages, VM_IO|VM_PFNMAP) and [vdso] (2, VM_DONTEXPAND).
    expect(taskOf(p).mm!.locked_vm).toBe(taskOf(p).mm!.total_vm - 4 - 2);
    const a = p.mmap(4 * PAGE);
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_LOCKED).toBe(VM_LOCKED);
    p.munlockall();
    expect(taskOf(p).mm!.locked_vm).toBe(0);
    expect(global_zone_page_state(k, NR_MLOCK)).toBe(0);
  });

  it("fork does not pass VM_LOCKED to the child", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE);
    p.mlock(a, 4 * PAGE);
    const c = p.fork();
    expect(find_vma(taskOf(c).mm!, a)!.vm_flags & VM_LOCKED).toBe(0);
    expect(taskOf(c).mm!.locked_vm).toBe(0);
    void k;
  });

  it("fork keeps only VM_NOHUGEPAGE of def_flags: the child's new mappings are not locked by the parent's MCL_FUTURE", () => {
    // kernel/fork.c mm_init: mm->def_flags = current->mm->def_flags & VM_INIT_DEF_MASK, and
    // include/linux/mm.h: #define VM_INIT_DEF_MASK VM_NOHUGEPAGE.
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    p.mlockall("future");
    taskOf(p).mm!.def_flags |= VM_NOHUGEPAGE; // as prctl(PR_SET_THP_DISABLE, 1) sets it
    const c = p.fork();
    expect(taskOf(c).mm!.def_flags).toBe(VM_NOHUGEPAGE);
    const a = c.mmap(4 * PAGE);
    expect(find_vma(taskOf(c).mm!, a)!.vm_flags & (VM_LOCKED | VM_NOHUGEPAGE)).toBe(VM_NOHUGEPAGE);
    void k;
  });
});

describe("vma_merge through mlock_fixup (a second caller besides mprotect)", () => {
  // mm/mmap.c vma_merge's cases, reached from mlock_fixup when VM_LOCKED changes over a range;
  // anonymous VMAs, so vm_pgoff is the address in pages and merging needs pgoff continuity.
  const A = 0x20000000;
  function setup() {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    expect(p.mmap(12 * PAGE, { addr: A })).toBe(A);
    const vmas = (): Array<[number, number, number]> => taskOf(p).mm!.mm_mt.map((v) => [(v.vm_start - A) / PAGE, (v.vm_end - A) / PAGE, v.vm_flags & VM_LOCKED ? 1 : 0]);
    return { k, p, vmas };
  }

  it("case 6: unlocking the whole middle VMA merges it with both neighbours into one", () => {
    const { p, vmas } = setup();
    p.mlock(A + 4 * PAGE, 4 * PAGE);
    expect(vmas()).toEqual([[0, 4, 0], [4, 8, 1], [8, 12, 0]]);
    p.munlock(A + 4 * PAGE, 4 * PAGE);
    expect(vmas()).toEqual([[0, 12, 0]]);
    expect(taskOf(p).mm!.map_count).toBe(1);
    expect(find_vma(taskOf(p).mm!, A)!.vm_pgoff).toBe(A / PAGE);
  });

  it("case 7: the whole middle VMA joins the previous one when the next one differs", () => {
    const { p, vmas } = setup();
    p.mprotect(A + 8 * PAGE, 4 * PAGE, "r");
    p.mlock(A + 4 * PAGE, 4 * PAGE);
    expect(vmas()).toEqual([[0, 4, 0], [4, 8, 1], [8, 12, 0]]);
    p.munlock(A + 4 * PAGE, 4 * PAGE);
    expect(vmas()).toEqual([[0, 8, 0], [8, 12, 0]]);
    expect(taskOf(p).mm!.map_count).toBe(2);
  });

  it("case 8: the whole middle VMA joins the next one when the previous one differs (the next grows down)", () => {
    const { p, vmas } = setup();
    p.mprotect(A, 4 * PAGE, "r");
    p.mlock(A + 4 * PAGE, 4 * PAGE);
    p.munlock(A + 4 * PAGE, 4 * PAGE);
    expect(vmas()).toEqual([[0, 4, 0], [4, 12, 0]]);
    expect(find_vma(taskOf(p).mm!, A + 4 * PAGE)!.vm_pgoff).toBe(A / PAGE + 4);
  });

  it("cases 4 and 5: locking the tail of an unlocked VMA next to a locked one moves the boundary", () => {
    const { p, vmas } = setup();
    p.mlock(A + 6 * PAGE, 6 * PAGE);
    expect(vmas()).toEqual([[0, 6, 0], [6, 12, 1]]);
    p.mlock(A + 4 * PAGE, 2 * PAGE); // case 4: the locked VMA grows down over [4, 6)
    expect(vmas()).toEqual([[0, 4, 0], [4, 12, 1]]);
    expect(find_vma(taskOf(p).mm!, A + 4 * PAGE)!.vm_pgoff).toBe(A / PAGE + 4);
    p.munlock(A + 4 * PAGE, PAGE); // case 5: the unlocked VMA grows up over [4, 5)
    expect(vmas()).toEqual([[0, 5, 0], [5, 12, 1]]);
    expect(find_vma(taskOf(p).mm!, A + 5 * PAGE)!.vm_pgoff).toBe(A / PAGE + 5);
    expect(taskOf(p).mm!.locked_vm).toBe(7);
  });
});

describe("mlockall(MCL_CURRENT) across a PROT_NONE mapping", () => {
  it("populates every VMA it can, going on past one whose populate fails", () => {
    // mm/mlock.c mlockall → mm_populate → __mm_populate(0, TASK_SIZE, ignore_errors = 1): a VMA
    // whose populate fails (PROT_NONE: -EFAULT) is skipped, `continue  /* continue at next VMA */`.
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    p.mmap(4 * PAGE, { addr: 0x20000000 });
    p.mmap(4 * PAGE, { addr: 0x20004000, prot: "none" });
    p.mmap(4 * PAGE, { addr: 0x20008000, prot: "r" });
    p.mlockall("current");
    // The stack's pages, then 4 + 4: both mappings either side of the PROT_NONE one.
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBeGreaterThanOrEqual(4);
    for (const addr of [0x20000000, 0x20003000, 0x20008000, 0x2000b000]) expect(follow_pte(k, taskOf(p).mm!, addr)?.flags ?? 0, addr.toString(16)).not.toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, 0x20004000)?.flags ?? 0).toBe(0);
  });
});

