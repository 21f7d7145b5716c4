import { describe, expect, it } from "vitest";
import { start_kernel } from "../../kernel/start_kernel.js";
import { global_node_page_state } from "../../mm/vmstat.js";
import { NR_PAGETABLE } from "../../mm/vmstat_items.js";
import { checkMm } from "../../sim/invariants/mm.js";
import { spawnProcess } from "../../sim/process.js";
import {
  __swp_type,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
  huge_pmd_lookup,
  LEVEL_PMD,
  LEVEL_PTE,
  NO_TABLE,
  PAGE_COPY,
  PAGE_NONE,
  PAGE_SHARED,
  pgd_index,
  pmd_alloc,
  pmd_index,
  pmd_table_lookup,
  pte_index,
  pte_table_lookup,
  pud_index,
  swp_entry_flags,
  vm_get_page_prot,
} from "./pgtable.js";
import { taskOf } from "../../api/internals.js";

const MiB = 1 << 20;

describe("PTE encoding", () => {
  it("gives private writable mappings a read-only, no-execute protection (so writes fault for CoW)", () => {
    // VM_READ | VM_WRITE = 3, private: PAGE_COPY = present | user | accessed | NX.
    expect(vm_get_page_prot(0x3)).toBe(PAGE_COPY);
    expect(PAGE_COPY & _PAGE_RW).toBe(0);
    expect(PAGE_COPY & _PAGE_NX).toBe(_PAGE_NX);
    // VM_SHARED | VM_READ | VM_WRITE = 0xb: PAGE_SHARED is writable at once.
    expect(vm_get_page_prot(0xb)).toBe(PAGE_SHARED);
    expect(PAGE_SHARED & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)).toBe(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    // PROT_NONE is not present, and exec-only private maps executable.
    expect(vm_get_page_prot(0) & _PAGE_PRESENT).toBe(0);
    expect(vm_get_page_prot(0)).toBe(PAGE_NONE);
    expect(vm_get_page_prot(0x4) & _PAGE_NX).toBe(0);
  });

  it("splits a 47-bit address into the four table indexes: 0x7ffff7ff9000 → 255/511/447/505", () => {
    const a = 0x7ffff7ff9000;
    expect([pgd_index(a), pud_index(a), pmd_index(a), pte_index(a)]).toEqual([255, 511, 447, 505]);
    expect([pgd_index(0x400000), pud_index(0x400000), pmd_index(0x400000), pte_index(0x400000)]).toEqual([0, 0, 2, 0]);
  });

  it("keeps a swap entry's 5-bit type in the flag word", () => {
    for (const type of [0, 1, 7, 31]) {
      const f = swp_entry_flags(type);
      expect(f & _PAGE_PRESENT).toBe(0);
      expect(__swp_type(f)).toBe(type);
    }
  });
});

describe("page-table pages", () => {
  it("keeps a PTE table another VMA still uses and frees it with the last one (floor/ceiling)", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "pt", image: null });
    const pt0 = global_node_page_state(k, NR_PAGETABLE);
    const base = 0x10000000;
    const a = p.mmap(8 * 4096, { prot: "rw", flags: "private|anonymous|fixed", addr: base });
    const b = p.mmap(8 * 4096, { prot: "r", flags: "private|anonymous|fixed", addr: base + 16 * 4096 });
    p.write(a, 8 * 4096);
    p.read(b, 8 * 4096);
    const pool = k.pgtables;
    const ptes = pool.nr_tables[LEVEL_PTE];
    // One PTE table and one PMD table cover both VMAs.
    expect(global_node_page_state(k, NR_PAGETABLE) - pt0).toBe(2);
    p.munmap(a, 8 * 4096);
    expect(pool.nr_tables[LEVEL_PTE]).toBe(ptes);
    checkMm(k);
    p.munmap(b, 8 * 4096);
    expect(pool.nr_tables[LEVEL_PTE]).toBe(ptes - 1);
    expect(pool.nr_tables[LEVEL_PMD]).toBe(0);
    expect(global_node_page_state(k, NR_PAGETABLE)).toBe(pt0);
    expect(taskOf(p).mm?.pgtables_bytes).toBe(0);
    checkMm(k);
  });

  it("forgets remembered walks when a table is freed: a lookup after munmap finds no PMD or PTE table", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "pt", image: null });
    const base = 0x40000000; // 1 GiB-aligned: the VMA alone in its PMD table's span
    const a = p.mmap(4 * 4096, { prot: "rw", flags: "private|anonymous|fixed", addr: base });
    p.write(a, 4 * 4096);
    const pgd = taskOf(p).mm!.pgd;
    // Looked up twice: the second answer comes from the remembered walks.
    for (let n = 0; n < 2; n++) {
      expect(pmd_table_lookup(k, pgd, base)).not.toBe(NO_TABLE);
      expect(pte_table_lookup(k, pgd, base)).not.toBe(NO_TABLE);
    }
    expect(pmd_alloc(k, taskOf(p).mm!, base)).toBe(pmd_table_lookup(k, pgd, base) * 512 + pmd_index(base));
    p.munmap(a, 4 * 4096);
    // free_pgtables freed the PTE, PMD and PUD tables (nothing else maps that 512 GiB).
    expect(k.pgtables.nr_tables[LEVEL_PMD]).toBe(0);
    expect(pmd_table_lookup(k, pgd, base)).toBe(NO_TABLE);
    expect(pte_table_lookup(k, pgd, base)).toBe(NO_TABLE);
    expect(huge_pmd_lookup(k, pgd, base)).toBe(-1);
    checkMm(k);
  });

  it("grows the pool past its first 64 tables without losing entries", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const p = spawnProcess(k, { comm: "pt", image: null });
    const len = 200 * 2 * MiB; // 200 PTE tables
    const a = p.mmap(len, { prot: "rw", flags: "private|anonymous" });
    p.write(a, len);
    expect(k.pgtables.capacity).toBeGreaterThanOrEqual(200);
    expect(p.write(a, len).minflt).toBe(0);
    checkMm(k);
  });
});
