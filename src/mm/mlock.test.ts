import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { find_vma } from "./mmap.js";
import { MM_ANONPAGES, VM_LOCKED, VM_LOCKONFAULT } from "./mm_types.js";
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
});
