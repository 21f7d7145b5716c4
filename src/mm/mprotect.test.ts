import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_RW, pte_offset_map } from "../arch/x86/pgtable.js";
import { VM_ACCOUNT, VM_READ, VM_WRITE } from "./mm_types.js";
import { find_vma } from "./mmap.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

const PAGE = 4096;
const boot = () => start_kernel({ memory: 256 * MiB });

function pte(k: ReturnType<typeof boot>, p: ReturnType<typeof spawnProcess>, addr: number): number {
  const i = pte_offset_map(k, taskOf(p).mm!.pgd, addr);
  return i < 0 ? 0 : k.pgtables.ent_flags[i];
}

describe("mprotect", () => {
  it("splits the middle of a VMA out and merges it back when the protection is restored (vma_merge case 1)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.mprotect(a + 2 * PAGE, 2 * PAGE, "r");
    expect(taskOf(p).mm!.map_count).toBe(3);
    expect(find_vma(taskOf(p).mm!, a + 2 * PAGE)!.vm_flags & (VM_READ | VM_WRITE)).toBe(VM_READ);
    p.mprotect(a + 2 * PAGE, 2 * PAGE, "rw");
    expect(taskOf(p).mm!.map_count).toBe(1);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 8 * PAGE);
  });

  it("moves a boundary between neighbours without a new VMA (vma_merge cases 4 and 5)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * PAGE);
    p.mprotect(a + 4 * PAGE, 4 * PAGE, "r"); // [rw 4][r 4]
    p.mprotect(a + 2 * PAGE, 2 * PAGE, "r"); // case 4: the read-only VMA grows down
    expect(taskOf(p).mm!.map_count).toBe(2);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 2 * PAGE);
    p.mprotect(a + 2 * PAGE, PAGE, "rw"); // case 5: the writable VMA grows up
    expect(taskOf(p).mm!.map_count).toBe(2);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 3 * PAGE);
    expect(find_vma(taskOf(p).mm!, a + 3 * PAGE)!.vm_pgoff).toBe((a + 3 * PAGE) / PAGE);
  });

  it("rewrites present PTEs: PROT_NONE hides them, and restoring write makes exclusive dirty pages writable again", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(4 * PAGE);
    p.touch(a, 4 * PAGE, { write: true });
    expect(pte(k, p, a) & _PAGE_RW).toBe(_PAGE_RW);
    p.mprotect(a, 4 * PAGE, "none");
    expect(pte(k, p, a) & _PAGE_PRESENT).toBe(0);
    expect(pte(k, p, a) & _PAGE_PROTNONE).toBe(_PAGE_PROTNONE);
    p.mprotect(a, 4 * PAGE, "rw");
    // can_change_pte_writable: anonymous, PageAnonExclusive and dirty → writable without a fault.
    expect(pte(k, p, a) & _PAGE_RW).toBe(_PAGE_RW);
    const flt = taskOf(p).min_flt;
    p.touch(a, 4 * PAGE, { write: true });
    expect(taskOf(p).min_flt).toBe(flt);
  });

  it("charges Committed_AS once when a private read-only mapping first becomes writable", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const c0 = k.vm_committed_as;
    const a = p.mmap(4 * PAGE, { prot: "r" });
    expect(k.vm_committed_as).toBe(c0);
    p.mprotect(a, 4 * PAGE, "rw");
    expect(k.vm_committed_as).toBe(c0 + 4);
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    p.mprotect(a, 4 * PAGE, "r"); // cannot reduce the commit (the VMA keeps VM_ACCOUNT)
    p.mprotect(a, 4 * PAGE, "rw");
    expect(k.vm_committed_as).toBe(c0 + 4);
    p.munmap(a, 4 * PAGE);
    expect(k.vm_committed_as).toBe(c0);
  });

  it("keeps data_vm in step as a mapping turns writable and back", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const d0 = taskOf(p).mm!.data_vm;
    const a = p.mmap(4 * PAGE, { prot: "r" });
    expect(taskOf(p).mm!.data_vm).toBe(d0);
    p.mprotect(a, 2 * PAGE, "rw");
    expect(taskOf(p).mm!.data_vm).toBe(d0 + 2);
  });
});
