import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_RW, pte_offset_map } from "../arch/x86/pgtable.js";
import { FMODE_READ, type file, VM_ACCOUNT, VM_MAYWRITE, VM_READ, VM_WRITE } from "./mm_types.js";
import { shmem_file_setup } from "./shmem.js";
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

describe("mprotect's errors part-way through a range (do_mprotect_pkey applies it VMA by VMA)", () => {
  // mm/mprotect.c do_mprotect_pkey: each VMA is fixed up in turn; the loop stops with -EACCES at
  // a VMA whose VM_MAY* bits forbid the new protection ((newflags & ~(newflags >> 4)) &
  // VM_ACCESS_FLAGS) or with -ENOMEM where the next VMA does not start where the last ended, and
  // the VMAs before keep their new protection.
  const A = 0x20000000;
  /** A shmem file opened read-only (f_mode FMODE_READ). */
  function readOnlyFile(k: ReturnType<typeof boot>): file {
    const f = shmem_file_setup(k, null, "ro", 16 * PAGE, 0) as file;
    return { ...f, f_mode: FMODE_READ };
  }

  it("EACCES at a shared mapping of a read-only file, after the writable VMA before it changed", () => {
    // do_mmap: MAP_SHARED of a file without FMODE_WRITE clears VM_MAYWRITE (and VM_SHARED).
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    p.mmap(4 * PAGE, { addr: A, prot: "r" });
    p.mmap(4 * PAGE, { addr: A + 4 * PAGE, prot: "r", flags: "shared|fixed", file: readOnlyFile(k) });
    expect(find_vma(taskOf(p).mm!, A + 4 * PAGE)!.vm_flags & VM_MAYWRITE).toBe(0);
    expect(() => p.mprotect(A, 8 * PAGE, "rw")).toThrow(/EACCES/);
    expect(find_vma(taskOf(p).mm!, A)!.vm_flags & VM_WRITE).toBe(VM_WRITE);
    expect(find_vma(taskOf(p).mm!, A + 4 * PAGE)!.vm_flags & VM_WRITE).toBe(0);
  });

  it("allows PROT_WRITE on a private mapping of the same read-only file (VM_MAYWRITE stays)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    p.mmap(4 * PAGE, { addr: A, prot: "r", flags: "private|fixed", file: readOnlyFile(k) });
    expect(find_vma(taskOf(p).mm!, A)!.vm_flags & VM_MAYWRITE).toBe(VM_MAYWRITE);
    p.mprotect(A, 4 * PAGE, "rw");
    expect(find_vma(taskOf(p).mm!, A)!.vm_flags & VM_WRITE).toBe(VM_WRITE);
  });

  it("ENOMEM at a hole, after the VMA before it changed; the VMA after the hole is untouched", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    p.mmap(4 * PAGE, { addr: A, prot: "r" });
    p.mmap(4 * PAGE, { addr: A + 8 * PAGE, prot: "r" });
    expect(() => p.mprotect(A, 12 * PAGE, "rw")).toThrow(/ENOMEM/);
    expect(find_vma(taskOf(p).mm!, A)!.vm_flags & VM_WRITE).toBe(VM_WRITE);
    expect(find_vma(taskOf(p).mm!, A + 8 * PAGE)!.vm_flags & VM_WRITE).toBe(0);
    // A range starting in the hole fails before changing anything (vma->vm_start > start).
    expect(() => p.mprotect(A + 4 * PAGE, 8 * PAGE, "none")).toThrow(/ENOMEM/);
    expect(find_vma(taskOf(p).mm!, A + 8 * PAGE)!.vm_flags & VM_READ).toBe(VM_READ);
  });
});

