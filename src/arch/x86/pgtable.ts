/**
 * x86-64 4-level page tables: the PTE bit layout, the swap-entry encoding, vm_get_page_prot's
 * protection_map, and a pool of 512-entry tables whose backing pages come from the buddy
 * allocator (GFP_PGTABLE_USER), accounted in NR_PAGETABLE and mm->pgtables_bytes as 6.1 does.
 *
 * Storage: each table is one pool slot of 512 entries held in two typed-array columns, `ent_pfn`
 * (the frame a present entry points to, the child table's pfn for upper levels, or the swap
 * offset of a swap entry) and `ent_flags` (the 64-bit entry's flag bits folded into 32, below).
 * No bigint anywhere. An upper-level entry names its child by pfn, as the hardware does; the pool
 * finds the child's slot with `slotOf(pfn)`, one typed-array load: the column `slotPlusOne` holds
 * slot + 1 so that zero means "not a page-table page". A column filled with -1 would commit
 * 4 bytes for every page of the machine when the first process makes its first table (1 GiB and
 * 0.6-0.8 s on a 1 TiB machine); a zeroed one costs only the pages of it ever written.
 *
 * Folding the 64-bit entry into 32 flag bits: bits 0..11 are the hardware low bits verbatim
 * (_PAGE_PRESENT = 1 … _PAGE_SOFTW3 = 0x800), pte bit 63 (_PAGE_NX) is flag bit 31 (the sign bit
 * of the Int32Array column, so every load stays a small integer for the JIT) and pte bit
 * 58 (_PAGE_SOFTW4, _PAGE_DEVMAP) is flag bit 30. A swap entry keeps the 5-bit type of pte bits
 * 59..63 in flag bits 25..29 and the offset in `ent_pfn`.
 *
 * The P4D level is folded (4-level paging, no la57), so p4d_offset returns the pgd entry, as
 * include/asm-generic/pgtable-nop4d.h does.
 *
 * Accounting, as 6.1 does it (checked against w1: VmPTE 284 kB = 67 PTE + 2 PMD + 2 PUD tables):
 * - PTE tables: pte_alloc_one → pgtable_pte_page_ctor (NR_PAGETABLE +1), mm_inc_nr_ptes (+4096 B).
 * - PMD tables: pmd_alloc_one → pgtable_pmd_page_ctor (NR_PAGETABLE +1), mm_inc_nr_pmds (+4096 B).
 * - PUD tables: __pud_alloc_one → get_zeroed_page, no ctor (not in NR_PAGETABLE), mm_inc_nr_puds.
 * - PGD: _pgd_alloc, order PGD_ALLOCATION_ORDER = 1 with CONFIG_PAGE_TABLE_ISOLATION (the user
 *   and kernel copies), in neither counter.
 *
 * Simplified: the kernel half of the PGD (KERNEL_PGD_PTRS entries shared with init_mm) and the
 * PTI user copy are allocated (the order-1 block) but not modelled as entries. Page tables are
 * freed at once rather than batched through mmu_gather's tlb_remove_table. The swap offset is
 * stored plainly, not inverted (the inversion is the L1TF mitigation, invisible to the model).
 *
 * Huge leaves (PMD level, 2 MiB): a PMD entry with _PAGE_PSE maps a whole compound page, its
 * head's pfn in `ent_pfn` and the PTE-style bits in `ent_flags` (pmd_trans_huge, pmd_mkhuge).
 * Transparent huge PMDs carry a deposited PTE table (pgtable_trans_huge_deposit), allocated and
 * accounted as any PTE table (NR_PAGETABLE, pgtables_bytes) when the huge PMD is made, so a
 * later split never needs memory; the deposits hang off their PMD table's slot as the kernel
 * hangs them off the PMD table page's pmd_huge_pte, a LIFO list (`tbl_deposit`).
 * @kernel arch/x86/include/asm/pgtable_types.h _PAGE_BIT_PRESENT, PAGE_COPY, _PAGE_TABLE
 * @kernel arch/x86/include/asm/pgtable_64.h __swp_entry, __swp_type, __swp_offset
 * @kernel arch/x86/mm/pgprot.c protection_map, vm_get_page_prot
 * @kernel arch/x86/mm/pgtable.c pgd_alloc, pgd_free, ___pte_free_tlb
 * @kernel include/asm-generic/pgalloc.h pte_alloc_one, pmd_alloc_one, __pud_alloc_one
 * @kernel mm/memory.c __pte_alloc, __pmd_alloc, __pud_alloc
 * @kernel include/linux/mm.h pgtable_pte_page_ctor, pgtable_pmd_page_ctor, mm_inc_nr_ptes
 * @kernel arch/x86/include/asm/pgtable.h pmd_trans_huge, pmd_mkhuge, pmd_present, pmd_leaf
 * @kernel mm/pgtable-generic.c pgtable_trans_huge_deposit, pgtable_trans_huge_withdraw
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { mmu_gather } from "./tlb.js";
import { __GFP_ACCOUNT, __GFP_ZERO, GFP_KERNEL } from "../../mm/gfp.js";
import { __free_pages, alloc_pages } from "../../mm/page_alloc.js";
import { NO_PFN } from "../../mm/types.js";
import { __mod_node_page_state } from "../../mm/vmstat.js";
import { __mod_memcg_page_state } from "../../mm/memcontrol.js";
import { NR_PAGETABLE } from "../../mm/vmstat_items.js";

/** Page tables for the kernel's own use: zeroed. @kernel include/asm-generic/pgalloc.h GFP_PGTABLE_KERNEL */
export const GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO;
/** Page tables of user mms: zeroed and charged to the memcg (0x400dc0). @kernel include/asm-generic/pgalloc.h GFP_PGTABLE_USER */
export const GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT;

// ---- PTE bits (folded into 32, see the header) ----
/** The entry maps something (a page or a lower table). */
export const _PAGE_PRESENT = 0x001;
/** Writable. */
export const _PAGE_RW = 0x002;
/** Reachable from user mode. */
export const _PAGE_USER = 0x004;
/** Page-level write-through. */
export const _PAGE_PWT = 0x008;
/** Page-level cache disable. */
export const _PAGE_PCD = 0x010;
/** Set by the MMU on any access. */
export const _PAGE_ACCESSED = 0x020;
/** Set by the MMU on a write. */
export const _PAGE_DIRTY = 0x040;
/** A huge leaf at PMD/PUD level (PAT on 4 KiB PTEs). */
export const _PAGE_PSE = 0x080;
/** Global TLB entry. */
export const _PAGE_GLOBAL = 0x100;
/** _PAGE_SOFTW1: pte_special(), a mapping with no struct page to refcount (the zero page). */
export const _PAGE_SPECIAL = 0x200;
/** _PAGE_SOFTW2: userfaultfd write-protect. */
export const _PAGE_UFFD_WP = 0x400;
/** _PAGE_SOFTW3: soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY=y in Debian). */
export const _PAGE_SOFT_DIRTY = 0x800;
/** _PAGE_GLOBAL reused on not-present entries: PROT_NONE (and NUMA hinting) entries. */
export const _PAGE_PROTNONE = _PAGE_GLOBAL;
/** pte bit 58 (_PAGE_SOFTW4), folded to bit 30: ZONE_DEVICE mappings. */
export const _PAGE_DEVMAP = 0x4000_0000;
/** pte bit 63, folded to bit 31: no execute. */
export const _PAGE_NX = 1 << 31;

/** The bits of an upper-level entry pointing to a user table: present, rw, user, accessed, dirty. */
export const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

// The page protections protection_map is made of (arch/x86/include/asm/pgtable_types.h).
/** PROT_NONE: not present, kept recognisable by _PAGE_PROTNONE. */
export const PAGE_NONE = _PAGE_ACCESSED | _PAGE_GLOBAL;
export const PAGE_SHARED = (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX);
export const PAGE_SHARED_EXEC = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
/** Private writable mappings start read-only: the first write faults and does CoW or reuse. */
export const PAGE_COPY = (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX);
export const PAGE_COPY_EXEC = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
export const PAGE_READONLY = PAGE_COPY;
export const PAGE_READONLY_EXEC = PAGE_COPY_EXEC;

// VM_* bits the protection map is indexed by (include/linux/mm.h; mm_types.ts has the full set).
const VM_READ = 0x1;
const VM_WRITE = 0x2;
const VM_EXEC = 0x4;
const VM_SHARED = 0x8;

/**
 * vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED) → the PTE protection bits.
 * @kernel arch/x86/mm/pgprot.c protection_map
 */
export const protection_map: readonly number[] = Object.freeze([
  PAGE_NONE, PAGE_READONLY, PAGE_COPY, PAGE_COPY,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_COPY_EXEC, PAGE_COPY_EXEC,
  PAGE_NONE, PAGE_READONLY, PAGE_SHARED, PAGE_SHARED,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
]);

/**
 * The PTE protection a VMA's flags call for: vma->vm_page_prot. Protection keys are not modelled.
 * @kernel arch/x86/mm/pgprot.c vm_get_page_prot
 */
export function vm_get_page_prot(vm_flags: number): number {
  return protection_map[vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)];
}

/**
 * The bits a protection change keeps from the old value (the frame, the cache mode and the
 * software and hardware state bits): pte_modify and pgprot_modify take everything else from the
 * new protection.
 * @kernel arch/x86/include/asm/pgtable_types.h _PAGE_CHG_MASK
 */
export const _PAGE_CHG_MASK = _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_DEVMAP | _PAGE_UFFD_WP;

/**
 * A new protection that keeps the old one's _PAGE_CHG_MASK bits (a driver's cache mode, say):
 * vm_pgprot_modify(oldprot, vm_flags) is pgprot_modify(oldprot, vm_get_page_prot(vm_flags)).
 * @kernel arch/x86/include/asm/pgtable.h pgprot_modify
 */
export function pgprot_modify(oldprot: number, newprot: number): number {
  return (oldprot & _PAGE_CHG_MASK) | (newprot & ~_PAGE_CHG_MASK);
}

// ---- Geometry ----
export const PTRS_PER_PTE = 512;
export const PTRS_PER_PMD = 512;
export const PTRS_PER_PUD = 512;
export const PTRS_PER_PGD = 512;
export const PMD_SHIFT = 21;
export const PUD_SHIFT = 30;
export const PGDIR_SHIFT = 39;
/** 2 MiB: the span of one PTE table. */
export const PMD_SIZE = 2 ** PMD_SHIFT;
/** 1 GiB: the span of one PMD table. */
export const PUD_SIZE = 2 ** PUD_SHIFT;
/** 512 GiB: the span of one PUD table. */
export const PGDIR_SIZE = 2 ** PGDIR_SHIFT;
/** User addresses end at TASK_SIZE_MAX = 2^47 - PAGE_SIZE; the PGD's user half is entries 0..255. */
export const USER_PGD_PTRS = 256;
/** With PTI the PGD is an order-1 block: the kernel copy and the user copy. */
export const PGD_ALLOCATION_ORDER = 1;

/** Table levels, for the pool's bookkeeping. */
export const LEVEL_PTE = 1;
export const LEVEL_PMD = 2;
export const LEVEL_PUD = 3;
export const LEVEL_PGD = 4;

/**
 * Index of `addr` in a PTE table: (addr >> 12) & 511. JavaScript's `&` takes its operand modulo
 * 2^32 after truncating toward zero, which keeps the low 9 bits of the page number exactly for any
 * address below 2^53; no 64-bit shift needed.
 */
export function pte_index(addr: number): number {
  return (addr / 4096) & 511;
}
export function pmd_index(addr: number): number {
  return (addr / PMD_SIZE) & 511;
}
export function pud_index(addr: number): number {
  return (addr / PUD_SIZE) & 511;
}
export function pgd_index(addr: number): number {
  return (addr / PGDIR_SIZE) & 511;
}

// ---- Swap entries ----
/** Swap types fit in 5 bits: MAX_SWAPFILES_SHIFT = 5. */
export const SWP_TYPE_BITS = 5;
const SWP_TYPE_FLAG_SHIFT = 25;
const SWP_TYPE_FLAG_MASK = 0x1f << SWP_TYPE_FLAG_SHIFT;
/** On swap PTEs the soft-dirty bit moves to bit 1 (_PAGE_RW), since _PAGE_SOFT_DIRTY is offset space. */
export const _PAGE_SWP_SOFT_DIRTY = _PAGE_RW;
/** The swapped-out page was exclusive to this mm (PageAnonExclusive survives swap). */
export const _PAGE_SWP_EXCLUSIVE = _PAGE_PSE;

/** Flag bits of a swap PTE of `type` (its offset goes in ent_pfn). @kernel arch/x86/include/asm/pgtable_64.h __swp_entry */
export function swp_entry_flags(type: number): number {
  return (type << SWP_TYPE_FLAG_SHIFT);
}
/** The swap type of a swap PTE's flags. @kernel arch/x86/include/asm/pgtable_64.h __swp_type */
export function __swp_type(flags: number): number {
  return (flags & SWP_TYPE_FLAG_MASK) >>> SWP_TYPE_FLAG_SHIFT;
}

// ---- Entry predicates on the folded flags ----
/** pte_none: an empty entry (no page, no swap entry, no PROT_NONE marker). */
export function pte_none(flags: number, pfn: number): boolean {
  return flags === 0 && pfn === 0;
}
/** pte_present: present, or a PROT_NONE entry (which still maps a page the MMU may not use). */
export function pte_present(flags: number): boolean {
  return (flags & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
}
export function pte_write(flags: number): boolean {
  return (flags & _PAGE_RW) !== 0;
}
export function pte_dirty(flags: number): boolean {
  return (flags & _PAGE_DIRTY) !== 0;
}
export function pte_young(flags: number): boolean {
  return (flags & _PAGE_ACCESSED) !== 0;
}
export function pte_special(flags: number): boolean {
  return (flags & _PAGE_SPECIAL) !== 0;
}
export function pte_soft_dirty(flags: number): boolean {
  return (flags & _PAGE_SOFT_DIRTY) !== 0;
}
/** A not-present, non-empty entry: a swap (or migration) entry. */
export function is_swap_pte(flags: number, pfn: number): boolean {
  return !pte_none(flags, pfn) && !pte_present(flags);
}

// ---- PMD leaves ----
/**
 * A PMD entry mapping a transparent huge page (or a hugetlb page): PSE set, not a devmap entry.
 * Present or PROT_NONE alike, as the kernel's test reads only those two bits.
 * @kernel arch/x86/include/asm/pgtable.h pmd_trans_huge
 */
export function pmd_trans_huge(flags: number): boolean {
  return (flags & (_PAGE_PSE | _PAGE_DEVMAP)) === _PAGE_PSE;
}
/** A PMD that maps something: a table, a huge page, or a PROT_NONE huge page. @kernel arch/x86/include/asm/pgtable.h pmd_present */
export function pmd_present(flags: number): boolean {
  return (flags & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE)) !== 0;
}
/** A huge leaf entry at PMD level (hugetlb's pmd_huge, the walker's pmd_leaf). @kernel arch/x86/include/asm/pgtable.h pmd_leaf */
export function pmd_leaf(flags: number): boolean {
  return (flags & _PAGE_PSE) !== 0;
}
/** The PTE bits of a protection turned into a huge PMD's: _PAGE_PSE added. @kernel arch/x86/include/asm/pgtable.h pmd_mkhuge */
export function pmd_mkhuge(flags: number): number {
  return flags | _PAGE_PSE;
}

/** The caller's view of an mm for table accounting: mm_struct satisfies it. */
export interface PgtableOwner {
  /** Pool slot of the root table (NO_TABLE before pgd_alloc). */
  pgd: number;
  /** mm->pgtables_bytes: PTE, PMD and PUD tables, 4096 B each. */
  pgtables_bytes: number;
}

/** No table: an empty upper-level entry or an mm without a PGD. */
export const NO_TABLE = -1;

/** Remembered PTE-table walks per pool: 1024 regions of 2 MiB, 2 GiB of address space. */
const WALK_SLOTS = 1024;
/** Remembered PMD-table walks per pool: 64 regions of 1 GiB. */
const PMD_WALK_SLOTS = 64;

/**
 * The page-table pool of one machine: 512-entry tables in typed-array columns. Grows by doubling;
 * code holding `ent_flags`/`ent_pfn` in a local must reload them after anything that can allocate
 * a table.
 */
export class PgtablePool {
  /** Entry columns, table-major: entry `i` of table `t` is at t * 512 + i. */
  ent_pfn: Int32Array;
  ent_flags: Int32Array;
  /** Per table: the pfn of its backing page, its level, its count of non-empty entries. */
  tbl_pfn: Int32Array;
  tbl_level: Uint8Array;
  tbl_used: Uint16Array;
  /**
   * Deposited PTE tables (pmd_huge_pte): for a PMD table, the slot of the last table deposited
   * under it; for a deposited PTE table, the slot of the one deposited before it; NO_TABLE ends.
   */
  tbl_deposit: Int32Array;
  /**
   * Table slot + 1 of a page-table page, by pfn; 0 for other pages (see the header: zero means
   * empty so the column is never filled). Read it through slotOf.
   */
  readonly slotPlusOne: Int32Array;
  private freeSlots: number[] = [];
  private nextSlot = 0;
  /** Tables in use by level (index LEVEL_*), for the invariant checker. */
  readonly nr_tables = new Float64Array(5);
  /** Bumped whenever a table is freed, so cached walks know they may be stale. */
  gen = 0;
  /**
   * Remembered walks, direct-mapped by PMD number and PGD (walk_slot): slot s says PTE table
   * `walkTable[s]` covers PMD number `walkPmd[s]` under PGD `walkPgd[s]`. Valid while
   * `walkGen === gen`: freeing a table is the only way a PMD entry stops pointing at the table
   * it pointed at. Faults and sequential accesses stay in one slot; reclaim's rmap walks, which
   * visit pages in LRU order, jump between regions and need the others.
   */
  readonly walkPgd = new Int32Array(WALK_SLOTS).fill(NO_TABLE);
  readonly walkPmd = new Float64Array(WALK_SLOTS);
  readonly walkTable = new Int32Array(WALK_SLOTS);
  walkGen = 0;
  /**
   * Remembered walks down to a PMD table, the same way one level up: slot s says PMD table
   * `pmdWalkTable[s]` covers PUD number (1 GiB region) `pmdWalkPud[s]` under PGD `pmdWalkPgd[s]`,
   * valid while `pmdWalkGen === gen`. A THP region has no PTE tables to remember, and each huge
   * fault looked its PMD up four times (the MMU's two looks before and after the fault, the
   * fault's own pte_table_lookup and pmd_alloc), each a three-level descent from the PGD.
   */
  readonly pmdWalkPgd = new Int32Array(PMD_WALK_SLOTS).fill(NO_TABLE);
  readonly pmdWalkPud = new Float64Array(PMD_WALK_SLOTS);
  readonly pmdWalkTable = new Int32Array(PMD_WALK_SLOTS);
  pmdWalkGen = 0;

  /**
   * `initialTables` defaults to one PTE table per 512 pages of the machine (plus 64 for the upper
   * levels), up to 65536 tables (256 MiB of columns). The columns are zeroed typed arrays, which
   * the host commits only where written, so a large capacity costs nothing until tables are
   * used; growing by doubling instead copied every column at each step (big-touch's 4 GiB, 2056
   * tables, grew six times: about a tenth of the run's CPU time).
   */
  constructor(max_pfn: number, initialTables = Math.min(Math.ceil(max_pfn / 512) + 64, 1 << 16)) {
    this.ent_pfn = new Int32Array(initialTables * 512);
    this.ent_flags = new Int32Array(initialTables * 512);
    this.tbl_pfn = new Int32Array(initialTables).fill(NO_PFN);
    this.tbl_level = new Uint8Array(initialTables);
    this.tbl_used = new Uint16Array(initialTables);
    this.tbl_deposit = new Int32Array(initialTables).fill(NO_TABLE);
    this.slotPlusOne = new Int32Array(max_pfn);
  }

  /** The table slot of page-table page `pfn`, or NO_TABLE (-1) for any other page. */
  slotOf(pfn: number): number {
    return this.slotPlusOne[pfn] - 1;
  }

  get capacity(): number {
    return this.tbl_level.length;
  }

  /** A zeroed slot bound to `pfn` (the zeroing is __GFP_ZERO's). */
  takeSlot(pfn: number, level: number): number {
    let t = this.freeSlots.pop();
    if (t === undefined) {
      if (this.nextSlot === this.capacity) this.grow();
      t = this.nextSlot++;
    }
    this.tbl_pfn[t] = pfn;
    this.tbl_level[t] = level;
    this.tbl_used[t] = 0;
    this.tbl_deposit[t] = NO_TABLE;
    this.slotPlusOne[pfn] = t + 1;
    this.nr_tables[level]++;
    return t;
  }

  releaseSlot(t: number): void {
    this.gen++;
    const base = t * 512;
    this.ent_pfn.fill(0, base, base + 512);
    this.ent_flags.fill(0, base, base + 512);
    this.slotPlusOne[this.tbl_pfn[t]] = 0;
    this.nr_tables[this.tbl_level[t]]--;
    this.tbl_pfn[t] = NO_PFN;
    this.tbl_level[t] = 0;
    this.tbl_used[t] = 0;
    this.tbl_deposit[t] = NO_TABLE;
    this.freeSlots.push(t);
  }

  /** Slots currently bound to a table, for walkers that check every table. */
  *liveSlots(): Generator<number> {
    for (let t = 0; t < this.nextSlot; t++) if (this.tbl_level[t] !== 0) yield t;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const ep = new Int32Array(cap * 512);
    ep.set(this.ent_pfn);
    const ef = new Int32Array(cap * 512);
    ef.set(this.ent_flags);
    const tp = new Int32Array(cap).fill(NO_PFN);
    tp.set(this.tbl_pfn);
    const tl = new Uint8Array(cap);
    tl.set(this.tbl_level);
    const tu = new Uint16Array(cap);
    tu.set(this.tbl_used);
    const td = new Int32Array(cap).fill(NO_TABLE);
    td.set(this.tbl_deposit);
    this.tbl_deposit = td;
    this.ent_pfn = ep;
    this.ent_flags = ef;
    this.tbl_pfn = tp;
    this.tbl_level = tl;
    this.tbl_used = tu;
  }
}

/** Adds `delta` to NR_PAGETABLE of the node holding `pfn`. */
function mod_pagetable_stat(k: Kernel, pfn: number, delta: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("page-table page in a hole", { pfn });
  __mod_node_page_state(z.zone_pgdat, NR_PAGETABLE, delta);
  // mod_lruvec_page_state: a table charged to a memcg (__GFP_ACCOUNT) counts in its pagetables.
  const v = k.mem_map.memcg[pfn];
  if (v !== 0) __mod_memcg_page_state(k, v, NR_PAGETABLE, delta, z.zone_pgdat.node_id);
}

/** One table page from the buddy, bound to a pool slot; NO_TABLE when the allocation fails. */
function alloc_table(k: Kernel, mm: PgtableOwner, level: number): number {
  const pfn = alloc_pages(k, GFP_PGTABLE_USER, 0);
  if (pfn === NO_PFN) return NO_TABLE;
  const t = k.pgtables.takeSlot(pfn, level);
  // pgtable_pte_page_ctor / pgtable_pmd_page_ctor count the page; PUD pages have no ctor.
  if (level === LEVEL_PTE || level === LEVEL_PMD) mod_pagetable_stat(k, pfn, 1);
  mm.pgtables_bytes += PTRS_PER_PTE * 8;
  return t;
}

/** Returns a table page to the buddy, undoing alloc_table's accounting. */
function free_table(k: Kernel, mm: PgtableOwner, t: number): void {
  const pool = k.pgtables;
  const pfn = pool.tbl_pfn[t];
  const level = pool.tbl_level[t];
  if (level === LEVEL_PTE || level === LEVEL_PMD) mod_pagetable_stat(k, pfn, -1);
  mm.pgtables_bytes -= PTRS_PER_PTE * 8;
  pool.releaseSlot(t);
  __free_pages(k, pfn, 0);
}

/**
 * Allocates an mm's PGD: an order-1 block (user + PTI copy), in neither NR_PAGETABLE nor
 * pgtables_bytes. Returns false when the allocation fails (fork then fails with ENOMEM).
 * @kernel arch/x86/mm/pgtable.c pgd_alloc, _pgd_alloc
 */
export function pgd_alloc(k: Kernel, mm: PgtableOwner): boolean {
  const pfn = alloc_pages(k, GFP_PGTABLE_USER, PGD_ALLOCATION_ORDER);
  if (pfn === NO_PFN) return false;
  mm.pgd = k.pgtables.takeSlot(pfn, LEVEL_PGD);
  return true;
}

/**
 * Frees the PGD once free_pgtables has emptied it.
 * @kernel arch/x86/mm/pgtable.c pgd_free
 */
export function pgd_free(k: Kernel, mm: PgtableOwner): void {
  if (mm.pgd === NO_TABLE) return;
  const pool = k.pgtables;
  const t = mm.pgd;
  if (pool.tbl_used[t] !== 0) throw new KernelBug("pgd_free: PGD still has entries", { used: pool.tbl_used[t] });
  const pfn = pool.tbl_pfn[t];
  pool.releaseSlot(t);
  __free_pages(k, pfn, PGD_ALLOCATION_ORDER);
  mm.pgd = NO_TABLE;
}

/** The child table an upper-level entry points to, or NO_TABLE (none, or a huge leaf). */
export function entry_table(pool: PgtablePool, i: number): number {
  return (pool.ent_flags[i] & (_PAGE_PRESENT | _PAGE_PSE)) !== _PAGE_PRESENT ? NO_TABLE : pool.slotOf(pool.ent_pfn[i]);
}

/** Points upper-level entry `i` at table `child`: pgd_populate / pud_populate / pmd_populate. */
function populate(pool: PgtablePool, parent: number, i: number, child: number): void {
  pool.ent_pfn[i] = pool.tbl_pfn[child];
  pool.ent_flags[i] = _PAGE_TABLE;
  pool.tbl_used[parent]++;
}

/**
 * Points PMD entry `i`, which holds a huge leaf or nothing, at PTE table `child` (a split turns
 * a huge PMD into a table of PTEs this way). The non-empty count of the PMD table is kept.
 * @kernel include/asm-generic/pgalloc.h pmd_populate
 */
export function pmd_populate(pool: PgtablePool, i: number, child: number): void {
  const wasEmpty = pool.ent_flags[i] === 0 && pool.ent_pfn[i] === 0;
  pool.ent_pfn[i] = pool.tbl_pfn[child];
  pool.ent_flags[i] = _PAGE_TABLE;
  if (wasEmpty) pool.tbl_used[i >>> 9]++;
}

/**
 * Detaches the PTE table PMD entry `i` points to, leaving the entry empty, and returns the
 * table's slot (NO_TABLE if there was none). The remembered walks are dropped, since the table
 * lives on elsewhere (khugepaged deposits it under the huge PMD that replaces it).
 * @kernel mm/pgtable-generic.c pmdp_collapse_flush
 */
export function pmdp_collapse_flush(pool: PgtablePool, i: number): number {
  const t = entry_table(pool, i);
  if (t === NO_TABLE) return NO_TABLE;
  pte_clear(pool, i);
  pool.gen++;
  return t;
}

/**
 * Hangs PTE table `pgtable` under the PMD table holding entry `pmdi`, for the huge PMD there to
 * use when it is split. LIFO, as the generic code's list.
 * @kernel mm/pgtable-generic.c pgtable_trans_huge_deposit
 */
export function pgtable_trans_huge_deposit(pool: PgtablePool, pmdi: number, pgtable: number): void {
  const pmdT = pmdi >>> 9;
  pool.tbl_deposit[pgtable] = pool.tbl_deposit[pmdT];
  pool.tbl_deposit[pmdT] = pgtable;
}

/**
 * Takes back a PTE table deposited under the PMD table holding entry `pmdi`; a huge PMD without
 * its deposit is a model bug.
 * @kernel mm/pgtable-generic.c pgtable_trans_huge_withdraw
 */
export function pgtable_trans_huge_withdraw(pool: PgtablePool, pmdi: number): number {
  const pmdT = pmdi >>> 9;
  const t = pool.tbl_deposit[pmdT];
  if (t === NO_TABLE) throw new KernelBug("pgtable_trans_huge_withdraw: no deposited table", { pmdT });
  pool.tbl_deposit[pmdT] = pool.tbl_deposit[t];
  pool.tbl_deposit[t] = NO_TABLE;
  return t;
}

/**
 * A PTE table for a huge PMD's deposit: allocated and accounted as __pte_alloc would (the page
 * from GFP_PGTABLE_USER, NR_PAGETABLE and mm_inc_nr_ptes), not yet in any entry. NO_TABLE when
 * the allocation fails.
 * @kernel include/asm-generic/pgalloc.h pte_alloc_one
 */
export function pte_alloc_one(k: Kernel, mm: PgtableOwner): number {
  return alloc_table(k, mm, LEVEL_PTE);
}

/** Frees a PTE table no entry points to (a withdrawn deposit): pte_free + mm_dec_nr_ptes. @kernel include/asm-generic/pgalloc.h pte_free */
export function pte_free(k: Kernel, mm: PgtableOwner, t: number): void {
  if (k.pgtables.tbl_used[t] !== 0) throw new KernelBug("pte_free: table still has entries", { used: k.pgtables.tbl_used[t] });
  free_table(k, mm, t);
}

/**
 * The index of `addr`'s PMD entry (PMD table * 512 + pmd_index), or -1 when the PUD or PMD
 * table is missing. A lookup: allocates nothing.
 * @kernel include/linux/pgtable.h pmd_offset
 */
export function pmd_offset(k: Kernel, pgd: number, addr: number): number {
  const t = pmd_table_lookup(k, pgd, addr);
  return t === NO_TABLE ? -1 : t * 512 + pmd_index(addr);
}

/**
 * The index of `addr`'s PMD entry, allocating the PUD and PMD tables on the way as
 * __handle_mm_fault's pud_alloc and pmd_alloc do; -1 on allocation failure.
 * @kernel mm/memory.c __pud_alloc, __pmd_alloc
 */
export function pmd_alloc(k: Kernel, mm: PgtableOwner, addr: number): number {
  const pool = k.pgtables;
  const pgd = mm.pgd;
  if (pgd === NO_TABLE) throw new KernelBug("pmd_alloc: mm has no pgd");
  const known = pmd_table_walk(pool, pgd, addr);
  if (known !== NO_TABLE) return known * 512 + pmd_index(addr);
  const gi = pgd * 512 + pgd_index(addr);
  let pud = entry_table(pool, gi);
  if (pud === NO_TABLE) {
    pud = alloc_table(k, mm, LEVEL_PUD);
    if (pud === NO_TABLE) return -1;
    populate(pool, pgd, gi, pud);
  }
  const ui = pud * 512 + pud_index(addr);
  let pmd = entry_table(pool, ui);
  if (pmd === NO_TABLE) {
    pmd = alloc_table(k, mm, LEVEL_PMD);
    if (pmd === NO_TABLE) return -1;
    populate(pool, pud, ui, pmd);
  }
  return pmd * 512 + pmd_index(addr);
}

/**
 * The PTE table covering `addr`, or NO_TABLE when some level is missing. A lookup: allocates
 * nothing. @kernel mm/pagewalk.c walk_pgd_range (the descent), include/linux/pgtable.h pmd_offset
 */
export function pte_table_lookup(k: Kernel, pgd: number, addr: number): number {
  if (pgd === NO_TABLE) return NO_TABLE;
  const pool = k.pgtables;
  // Answer from a remembered walk while no table has been freed since (a TLB-like shortcut; the
  // result is the same). Kept small so V8 inlines it: a call boxes the address (a double above
  // 2^31), 16 bytes an access.
  const pmdNr = Math.floor(addr / PMD_SIZE);
  const t = remembered_walk(pool, pgd, pmdNr);
  return t !== NO_TABLE ? t : pte_table_walk(pool, pgd, addr, pmdNr);
}

/**
 * The remembered-walk slot of PMD number `pmdNr` under `pgd`: the PMD number's low bits mixed
 * with a hash of the PGD. By PMD number alone a parent and its child, whose VMAs sit at the same
 * addresses, took the same slot, and fork's copy_page_range (parent's table, then child's, per
 * VMA) walked both mms' four levels for each VMA. One mm's consecutive PMDs still take distinct
 * slots (an XOR with a constant permutes them).
 */
function walk_slot(pgd: number, pmdNr: number): number {
  // The hash's top 10 bits: log2(WALK_SLOTS).
  return (pmdNr ^ (Math.imul(pgd, 0x9e3779b1) >>> 22)) & (WALK_SLOTS - 1);
}

/** The remembered PMD-walk slot of PUD number `pudNr` under `pgd`: walk_slot's mix one level up. */
function pmd_walk_slot(pgd: number, pudNr: number): number {
  // The hash's top 6 bits: log2(PMD_WALK_SLOTS).
  return (pudNr ^ (Math.imul(pgd, 0x9e3779b1) >>> 26)) & (PMD_WALK_SLOTS - 1);
}

/** The PTE table a remembered walk gives for PMD number `pmdNr` under `pgd`, or NO_TABLE. */
function remembered_walk(pool: PgtablePool, pgd: number, pmdNr: number): number {
  const s = walk_slot(pgd, pmdNr);
  return pool.walkGen === pool.gen && pool.walkPgd[s] === pgd && pool.walkPmd[s] === pmdNr ? pool.walkTable[s] : NO_TABLE;
}

/** pte_table_lookup's descent when no remembered walk answers. */
function pte_table_walk(pool: PgtablePool, pgd: number, addr: number, pmdNr: number): number {
  const pmd = pmd_table_walk(pool, pgd, addr);
  if (pmd === NO_TABLE) return NO_TABLE;
  const t = entry_table(pool, pmd * 512 + pmd_index(addr));
  if (t !== NO_TABLE) remember_walk(pool, pgd, pmdNr, t);
  return t;
}

function remember_walk(pool: PgtablePool, pgd: number, pmdNr: number, t: number): void {
  if (pool.walkGen !== pool.gen) {
    pool.walkPgd.fill(NO_TABLE);
    pool.walkGen = pool.gen;
  }
  const s = walk_slot(pgd, pmdNr);
  pool.walkPgd[s] = pgd;
  pool.walkPmd[s] = pmdNr;
  pool.walkTable[s] = t;
}

/**
 * The index of the huge leaf (a PMD with _PAGE_PSE: a THP or a hugetlb page) mapping `addr`, or
 * -1 when `addr` is mapped through a PTE table or not at all. The MMU's second look when no PTE
 * table covers an address.
 */
export function huge_pmd_lookup(k: Kernel, pgd: number, addr: number): number {
  const t = pmd_table_lookup(k, pgd, addr);
  if (t === NO_TABLE) return -1;
  const i = t * 512 + pmd_index(addr);
  return (k.pgtables.ent_flags[i] & _PAGE_PSE) !== 0 ? i : -1;
}

/** The PMD table covering `addr`, or NO_TABLE. */
export function pmd_table_lookup(k: Kernel, pgd: number, addr: number): number {
  if (pgd === NO_TABLE) return NO_TABLE;
  return pmd_table_walk(k.pgtables, pgd, addr);
}

/** The PMD table covering `addr` under `pgd` (not NO_TABLE), from a remembered walk when one answers. */
function pmd_table_walk(pool: PgtablePool, pgd: number, addr: number): number {
  const pudNr = Math.floor(addr / PUD_SIZE);
  const s = pmd_walk_slot(pgd, pudNr);
  if (pool.pmdWalkGen === pool.gen && pool.pmdWalkPgd[s] === pgd && pool.pmdWalkPud[s] === pudNr) return pool.pmdWalkTable[s];
  const pud = entry_table(pool, pgd * 512 + pgd_index(addr));
  if (pud === NO_TABLE) return NO_TABLE;
  const pmd = entry_table(pool, pud * 512 + pud_index(addr));
  if (pmd === NO_TABLE) return NO_TABLE;
  if (pool.pmdWalkGen !== pool.gen) {
    pool.pmdWalkPgd.fill(NO_TABLE);
    pool.pmdWalkGen = pool.gen;
  }
  pool.pmdWalkPgd[s] = pgd;
  pool.pmdWalkPud[s] = pudNr;
  pool.pmdWalkTable[s] = pmd;
  return pmd;
}

/**
 * The PTE table covering `addr`, allocating the PUD, PMD and PTE tables on the way as
 * __handle_mm_fault does (p4d_alloc is a no-op with the P4D folded). NO_TABLE on allocation
 * failure (the fault then returns VM_FAULT_OOM).
 * @kernel mm/memory.c __pud_alloc, __pmd_alloc, __pte_alloc
 */
export function pte_alloc_table(k: Kernel, mm: PgtableOwner, addr: number): number {
  const pool = k.pgtables;
  const pgd = mm.pgd;
  if (pgd === NO_TABLE) throw new KernelBug("pte_alloc_table: mm has no pgd");
  const pmdNr = Math.floor(addr / PMD_SIZE);
  const remembered = remembered_walk(pool, pgd, pmdNr);
  if (remembered !== NO_TABLE) return remembered;
  const gi = pgd * 512 + pgd_index(addr);
  let pud = entry_table(pool, gi);
  if (pud === NO_TABLE) {
    pud = alloc_table(k, mm, LEVEL_PUD);
    if (pud === NO_TABLE) return NO_TABLE;
    populate(pool, pgd, gi, pud);
  }
  const ui = pud * 512 + pud_index(addr);
  let pmd = entry_table(pool, ui);
  if (pmd === NO_TABLE) {
    pmd = alloc_table(k, mm, LEVEL_PMD);
    if (pmd === NO_TABLE) return NO_TABLE;
    populate(pool, pud, ui, pmd);
  }
  const mi = pmd * 512 + pmd_index(addr);
  let pte = entry_table(pool, mi);
  if (pte === NO_TABLE) {
    // pte_alloc leaves a huge PMD alone; a caller that asks for PTEs under one has a bug.
    if (pool.ent_flags[mi] !== 0 || pool.ent_pfn[mi] !== 0) throw new KernelBug("pte_alloc: PTEs asked for under a huge PMD", { addr });
    pte = alloc_table(k, mm, LEVEL_PTE);
    if (pte === NO_TABLE) return NO_TABLE;
    populate(pool, pmd, mi, pte);
  }
  remember_walk(pool, pgd, pmdNr, pte);
  return pte;
}

/**
 * The global entry index of `addr`'s PTE (table * 512 + pte_index), allocating tables as needed;
 * -1 on allocation failure. The walker API for callers outside memory.ts.
 * @kernel include/linux/mm.h pte_alloc_map
 */
export function pte_alloc_map(k: Kernel, mm: PgtableOwner, addr: number): number {
  const t = pte_alloc_table(k, mm, addr);
  return t === NO_TABLE ? -1 : t * 512 + pte_index(addr);
}

/** The entry index of `addr`'s PTE, or -1 when no PTE table covers it. @kernel include/linux/pgtable.h pte_offset_map */
export function pte_offset_map(k: Kernel, pgd: number, addr: number): number {
  const t = pte_table_lookup(k, pgd, addr);
  return t === NO_TABLE ? -1 : t * 512 + pte_index(addr);
}

/**
 * Writes a PTE, keeping the table's non-empty count. `set_pte_at` for a new entry, also used to
 * replace one (pte_clear, then set).
 * @kernel arch/x86/include/asm/pgtable.h set_pte_at
 */
export function set_pte_at(pool: PgtablePool, i: number, pfn: number, flags: number): void {
  const wasEmpty = pool.ent_flags[i] === 0 && pool.ent_pfn[i] === 0;
  const isEmpty = flags === 0 && pfn === 0;
  pool.ent_pfn[i] = pfn;
  pool.ent_flags[i] = flags;
  if (wasEmpty !== isEmpty) pool.tbl_used[i >>> 9] += isEmpty ? -1 : 1;
}

/** Empties a PTE. @kernel arch/x86/include/asm/pgtable.h pte_clear, ptep_get_and_clear */
export function pte_clear(pool: PgtablePool, i: number): void {
  if (pool.ent_flags[i] === 0 && pool.ent_pfn[i] === 0) return;
  pool.ent_pfn[i] = 0;
  pool.ent_flags[i] = 0;
  pool.tbl_used[i >>> 9]--;
}

/**
 * Calls `fn(addr, entryIndex)` for every present PTE in [start, end), skipping whole tables that
 * are missing. For callers that are not hot (mprotect, mremap, /proc walkers); the fault, zap and
 * fork paths use their own loops over the columns.
 * @kernel mm/pagewalk.c walk_page_range
 */
export function walk_present_ptes(
  k: Kernel,
  pgd: number,
  start: number,
  end: number,
  fn: (addr: number, i: number) => void,
): void {
  const pool = k.pgtables;
  let addr = start;
  while (addr < end) {
    const next = Math.min(end, (Math.floor(addr / PMD_SIZE) + 1) * PMD_SIZE);
    const t = pte_table_lookup(k, pgd, addr);
    if (t !== NO_TABLE) {
      const base = t * 512;
      const first = pte_index(addr);
      const n = (next - addr) / 4096;
      for (let j = 0; j < n; j++) {
        const i = base + first + j;
        if (pte_present(pool.ent_flags[i])) fn(addr + j * 4096, i);
      }
    }
    addr = next;
  }
}

/**
 * Frees the page tables of [addr, end) that nothing in [floor, ceiling) outside the range still
 * needs, mirroring the kernel's rounding: a table goes only when its whole span lies between floor
 * and ceiling, so a table shared with a neighbouring VMA stays. The caller has zapped every PTE in
 * the range; a table that still maps something is a KernelBug. ceiling 0 is the top of the address
 * space (USER_PGTABLES_CEILING), where the kernel relies on unsigned wrap-around.
 * With a gather (`tlb`), each table freed is recorded as pte_free_tlb, pmd_free_tlb and
 * pud_free_tlb record it: freed_tables, and the range grows by one page at the address the table
 * was freed for (so a munmap that frees a PTE table flushes from the table's first address).
 * @kernel mm/memory.c free_pgd_range, free_p4d_range, free_pud_range, free_pmd_range, free_pte_range
 * @kernel include/asm-generic/tlb.h pte_free_tlb, pmd_free_tlb, pud_free_tlb
 */
export function free_pgd_range(
  k: Kernel,
  mm: PgtableOwner,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
  tlb: mmu_gather | null = null,
): void {
  if (mm.pgd === NO_TABLE) return;
  addr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
  if (addr < floor) addr += PMD_SIZE;
  let ceil = ceiling === 0 ? Infinity : ceiling;
  if (ceiling !== 0) {
    ceil = Math.floor(ceiling / PMD_SIZE) * PMD_SIZE;
    if (ceil === 0) return;
  }
  if (end > ceil) end -= PMD_SIZE;
  if (addr >= end) return;
  const pool = k.pgtables;
  let a = addr;
  do {
    const next = Math.min((Math.floor(a / PGDIR_SIZE) + 1) * PGDIR_SIZE, end);
    const gi = mm.pgd * 512 + pgd_index(a);
    if (entry_table(pool, gi) !== NO_TABLE) free_pud_range(k, mm, gi, a, next, floor, ceiling, tlb);
    a = next;
  } while (a !== end);
}

/** The upper-level rule shared by free_pmd_range/free_pud_range: may the table spanning `span` from start go? */
function upper_table_freeable(start: number, end: number, floor: number, ceiling: number, span: number): boolean {
  start = Math.floor(start / span) * span;
  if (start < floor) return false;
  if (ceiling !== 0) {
    const c = Math.floor(ceiling / span) * span;
    if (c === 0) return false;
    if (end > c) return false;
  }
  return true;
}

/** Frees the PMD tables under PGD entry `gi` for [addr, end), then the PUD table if allowed. */
function free_pud_range(k: Kernel, mm: PgtableOwner, gi: number, addr: number, end: number, floor: number, ceiling: number, tlb: mmu_gather | null): void {
  const pool = k.pgtables;
  const pudT = entry_table(pool, gi);
  const start = addr;
  let a = addr;
  do {
    const next = Math.min((Math.floor(a / PUD_SIZE) + 1) * PUD_SIZE, end);
    const ui = pudT * 512 + pud_index(a);
    if (entry_table(pool, ui) !== NO_TABLE) free_pmd_range(k, mm, ui, a, next, floor, ceiling, tlb);
    a = next;
  } while (a !== end);
  // The P4D level is folded: the PUD table's span is a PGD entry's, 512 GiB.
  if (!upper_table_freeable(start, end, floor, ceiling, PGDIR_SIZE)) return;
  if (tlb !== null) table_freed(tlb, Math.floor(start / PGDIR_SIZE) * PGDIR_SIZE, 2);
  release_entry(k, mm, gi, pudT);
}

/** Frees the PTE tables under PUD entry `ui` for [addr, end), then the PMD table if allowed. */
function free_pmd_range(k: Kernel, mm: PgtableOwner, ui: number, addr: number, end: number, floor: number, ceiling: number, tlb: mmu_gather | null): void {
  const pool = k.pgtables;
  const pmdT = entry_table(pool, ui);
  const start = addr;
  let a = addr;
  do {
    const next = Math.min((Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE, end);
    const mi = pmdT * 512 + pmd_index(a);
    const pteT = entry_table(pool, mi);
    if (pteT !== NO_TABLE) {
      // free_pte_range: pte_free_tlb(tlb, token, addr).
      if (tlb !== null) table_freed(tlb, a, 0);
      release_entry(k, mm, mi, pteT);
    }
    a = next;
  } while (a !== end);
  if (!upper_table_freeable(start, end, floor, ceiling, PUD_SIZE)) return;
  if (tlb !== null) table_freed(tlb, Math.floor(start / PUD_SIZE) * PUD_SIZE, 1);
  release_entry(k, mm, ui, pmdT);
}

/**
 * pte_free_tlb (level 0), pmd_free_tlb (1), pud_free_tlb (2): the gather's range grows by one
 * page at `address` (tlb_flush_pmd_range, _pud_, _p4d_), the level above is marked cleared and
 * freed_tables is set. Written here on the gather's fields, not through mm/mmu_gather.ts, so
 * this file needs only the type.
 */
function table_freed(tlb: mmu_gather, address: number, level: number): void {
  if (address < tlb.start) tlb.start = address;
  if (address + 4096 > tlb.end) tlb.end = address + 4096;
  // TLB_FREED_TABLES (1) and the level above's cleared bit: TLB_CLEARED_PMDS (4), _PUDS (8),
  // _P4DS (16). Literals: this file cannot read tlb.ts's constants at load (an import cycle).
  tlb.cleared |= 1 | (4 << level);
}

/** Clears the upper-level entry `i` and frees its (empty) table `t`: pmd_clear + pte_free_tlb. */
function release_entry(k: Kernel, mm: PgtableOwner, i: number, t: number): void {
  const pool = k.pgtables;
  if (pool.tbl_used[t] !== 0) {
    throw new KernelBug("free_pgtables: freeing a page table that still has entries", {
      level: pool.tbl_level[t],
      used: pool.tbl_used[t],
    });
  }
  if (pool.tbl_deposit[t] !== NO_TABLE) throw new KernelBug("free_pgtables: a PMD table still holds a deposited PTE table", { table: t });
  pte_clear(pool, i);
  free_table(k, mm, t);
}
