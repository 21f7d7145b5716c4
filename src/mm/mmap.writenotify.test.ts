/**
 * Write notification of shared writable mappings (mm/mmap.c vma_wants_writenotify,
 * vma_set_page_prot; mm/mprotect.c mprotect_fixup's try_change_writable): a MAP_SHARED,
 * PROT_WRITE mapping of a disk file gets the private, read-only vm_page_prot, so a read fault
 * maps its page read-only and the first write takes a write-protect fault (wp_page_shared:
 * page_mkwrite, then the page is dirtied and counted in Dirty at once). A tmpfs mapping has no
 * ->page_mkwrite and no writeback: its pages are mapped writable on the read fault and the write
 * needs no fault. Every expected value is read off those functions, not off the model's output.
 */
import { describe, expect, it } from "vitest";
import { _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, PAGE_COPY, PAGE_SHARED } from "../arch/x86/pgtable.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { fget } from "../fs/file_table.js";
import { xa_load_folio } from "../lib/xarray.js";
import type { Kernel } from "../kernel/kernel.js";
import { Machine } from "../sim/machine.js";
import { ext2FileSetup } from "./filemap.testutil.js";
import type { Process } from "../sim/process.js";
import { F, PG_dirty } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { find_vma, vma_wants_writenotify } from "./mmap.js";
import { global_node_page_state } from "./vmstat.js";
import { NR_FILE_DIRTY, PGFAULT, PGREUSE } from "./vmstat_items.js";

const PAGE = 4096;
const X = 0x4000_0000;

/** A machine with an ext2 disk holding /mnt/d/f (64 KiB), its first page cached, opened read-write. */
function ext2Setup() {
  const { k, p, fd } = ext2FileSetup("64K");
  p.pread(fd, PAGE, 0);
  return { k, p, fd };
}

function pteFlags(k: Kernel, p: Process, addr: number): number {
  const pte = follow_pte(k, taskOf(p).mm!, addr);
  if (pte === null) throw new Error("no PTE");
  return pte.flags;
}

function vmaAt(p: Process, addr: number) {
  const vma = find_vma(taskOf(p).mm!, addr);
  if (vma === null) throw new Error("no VMA");
  return vma;
}

describe("vma_wants_writenotify and vma_set_page_prot", () => {
  it("a shared writable ext2 mapping gets the private protection: the read fault maps read-only, the first write faults and dirties", () => {
    const { k, p, fd } = ext2Setup();
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    const vma = vmaAt(p, X);
    // generic_file_vm_ops has ->page_mkwrite: writenotify, and vm_flags without VM_SHARED pick
    // protection_map's PAGE_COPY (no _PAGE_RW).
    expect(vma_wants_writenotify(vma, vma.vm_page_prot)).toBe(true);
    expect(vma.vm_page_prot).toBe(PAGE_COPY);
    const f = fget(taskOf(p), fd)!;
    const page = xa_load_folio(f.f_mapping.i_pages, 0);
    const dirty0 = global_node_page_state(k, NR_FILE_DIRTY);
    const faults0 = k.vm_events[PGFAULT];
    p.read(X, PAGE);
    expect(k.vm_events[PGFAULT] - faults0).toBe(1);
    // do_read_fault → do_set_pte(write = false): mk_pte(page, vm_page_prot), clean, read-only.
    expect(pteFlags(k, p, X) & (_PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_PRESENT);
    expect(k.mem_map.flags[page] & F(PG_dirty)).toBe(0);
    expect(global_node_page_state(k, NR_FILE_DIRTY)).toBe(dirty0);
    const reuse0 = k.vm_events[PGREUSE];
    p.write(X, 1);
    // The write meets a read-only PTE: do_wp_page → wp_page_shared (page_mkwrite dirties the
    // folio through its mapping, wp_page_reuse counts PGREUSE and makes the PTE writable).
    expect(k.vm_events[PGFAULT] - faults0).toBe(2);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(pteFlags(k, p, X) & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(k.mem_map.flags[page] & F(PG_dirty)).not.toBe(0);
    expect(global_node_page_state(k, NR_FILE_DIRTY) - dirty0).toBe(1);
    // A second write finds the PTE writable: no fault.
    p.write(X + 8, 1);
    expect(k.vm_events[PGFAULT] - faults0).toBe(2);
  });

  it("tmpfs has no ->page_mkwrite and no writeback: PAGE_SHARED, the read fault maps writable and the write does not fault", () => {
    const m = Machine.boot({ memory: "128M" });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "w", image: null });
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.ftruncate(fd, PAGE);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    const vma = vmaAt(p, X);
    expect(vma_wants_writenotify(vma, vma.vm_page_prot)).toBe(false);
    expect(vma.vm_page_prot).toBe(PAGE_SHARED);
    const faults0 = k.vm_events[PGFAULT];
    p.read(X, PAGE);
    expect(pteFlags(k, p, X) & (_PAGE_PRESENT | _PAGE_RW)).toBe(_PAGE_PRESENT | _PAGE_RW);
    p.write(X, 1);
    expect(k.vm_events[PGFAULT] - faults0).toBe(1);
    expect(pteFlags(k, p, X) & _PAGE_DIRTY).toBe(_PAGE_DIRTY);
  });

  it("private or read-only mappings never want it: the write bit is already clear", () => {
    const { p, fd } = ext2Setup();
    p.mmap(PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    p.mmap(PAGE, { prot: "r", flags: "shared|fixed", fd, addr: X + 16 * PAGE });
    const priv = vmaAt(p, X);
    const ro = vmaAt(p, X + 16 * PAGE);
    expect(vma_wants_writenotify(priv, priv.vm_page_prot)).toBe(false);
    expect(vma_wants_writenotify(ro, ro.vm_page_prot)).toBe(false);
    expect(priv.vm_page_prot).toBe(PAGE_COPY);
  });

  it("mprotect back to PROT_WRITE: a dirty PTE is made writable at once, a clean one stays read-only (try_change_writable)", () => {
    const { k, p, fd } = ext2Setup();
    p.pread(fd, 2 * PAGE, 0);
    p.mmap(2 * PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    p.write(X, 1); // page 0: dirty and writable
    p.read(X + PAGE, 1); // page 1: mapped clean, read-only
    p.mprotect(X, 2 * PAGE, "r");
    expect(pteFlags(k, p, X) & _PAGE_RW).toBe(0);
    p.mprotect(X, 2 * PAGE, "rw");
    // mprotect_fixup: VM_SHARED, so try_change_writable = vma_wants_writenotify (true here);
    // vma_set_page_prot gives PAGE_COPY, and change_pte_range sets _PAGE_RW only where
    // can_change_pte_writable allows it: a dirty PTE of a shared mapping.
    expect(vmaAt(p, X).vm_page_prot).toBe(PAGE_COPY);
    expect(pteFlags(k, p, X) & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
    expect(pteFlags(k, p, X + PAGE) & (_PAGE_PRESENT | _PAGE_RW)).toBe(_PAGE_PRESENT);
    const faults0 = k.vm_events[PGFAULT];
    p.write(X, 1);
    expect(k.vm_events[PGFAULT]).toBe(faults0);
    p.write(X + PAGE, 1);
    expect(k.vm_events[PGFAULT] - faults0).toBe(1);
  });
});
