/**
 * /proc/PID/{maps,smaps,smaps_rollup} rendered from live VMAs and page tables, /proc/PID/pagemap
 * entries as values, and the memory lines of /proc/PID/status (task_mem) and statm (task_statm).
 * Output is byte-for-byte 6.1's: the header's 72-column padding (25 + 6 * sizeof(void *) - 1),
 * SEQ_PUT_DEC's 8-wide kB fields, VmFlags mnemonics in bit order.
 *
 * Pss as 6.1 computes it (smaps_account): a page with page_count 1 adds its full size; otherwise
 * each page adds (PAGE_SIZE << PSS_SHIFT) / mapcount, summed in fixed point and shifted down by
 * PSS_SHIFT = 12 only when printed, so a page mapped 3 times adds 4096 * 4096 / 3 = 5592405.
 * A page is "private" when its mapcount is below 2, dirty when the PTE or the page is dirty, and
 * referenced when the PTE is young or the page has PG_referenced.
 *
 * Huge mappings: a PMD-mapped THP counts its 512 pages at once (AnonHugePages), a PTE-mapped
 * subpage reads its head's kind and references and its own page_mapcount; hugetlb pages count
 * in Shared/Private_Hugetlb only, and status's HugetlbPages is mm->hugetlb_usage.
 *
 * Simplified: no file or shmem THP (ShmemPmdMapped/FilePmdMapped read 0; THPeligible follows
 * hugepage_vma_check for anonymous VMAs, 0 for files), Swap counts swap PTEs at a full page each
 * and SwapPss divides each by its swap count (swp_swapcount), as smaps_pte_entry does,
 * no ProtectionKey line (qemu64 has no PKU, like the reference machine), no anon_vma_name.
 * @kernel fs/proc/task_mmu.c show_map_vma, show_vma_header_prefix, show_smap, __show_smap,
 *   show_smaps_rollup, smaps_account, smaps_page_accumulate, smaps_pte_entry,
 *   show_smap_vma_flags, pagemap_read, pte_to_pagemap_entry, pagemap_pte_hole, task_mem,
 *   task_statm
 */
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_SOFT_DIRTY, _PAGE_SPECIAL, _PAGE_UFFD_WP, __swp_type, huge_pmd_lookup, NO_TABLE, pmd_leaf, pmd_offset, pte_index, pte_table_lookup, PMD_SIZE } from "../../arch/x86/pgtable.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { task_struct } from "../../kernel/sched.js";
import { compound_head, F, page_flags, PG_dirty, PG_head, PG_referenced, PG_swapbacked, PG_tail } from "../../mm/memmap.js";
import { linear_page_index, page_mapcount, PageAnon } from "../../mm/rmap.js";
import { shmem_partial_swap_usage, shmem_swap_usage } from "../../mm/shmem.js";
import type { address_space } from "../fs.js";
import { hstate_vma, huge_page_size, hugetlb_report_usage } from "../../mm/hugetlb.js";
import { swp_swapcount } from "../../mm/swapfile.js";
import { pte_to_swp_entry } from "../../mm/swapops.js";
import {
  get_mm_counter,
  MM_ANONPAGES,
  MM_FILEPAGES,
  MM_SHMEMPAGES,
  MM_SWAPENTS,
  type mm_struct,
  type vm_area_struct,
  VM_EXEC,
  VM_HUGEPAGE,
  VM_HUGETLB,
  VM_LOCKED,
  VM_MAYSHARE,
  VM_NOHUGEPAGE,
  VM_READ,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_SPECIAL,
  VM_STACK_INCOMPLETE_SETUP,
  VM_WRITE,
} from "../../mm/mm_types.js";
import { hugepage_flags_always, hugepage_flags_enabled, is_huge_zero_page } from "../../mm/huge_memory.js";

const PSS_SHIFT = 12;

/** seq_put_decimal_ull_width: `prefix` then `v` right-aligned in `width` columns. */
function dec(prefix: string, v: number, width = 8): string {
  return prefix + String(v).padStart(width, " ");
}

/** seq_put_hex_ll with a minimum width. */
function hex(v: number, width: number): string {
  return v.toString(16).padStart(width, "0");
}

/**
 * The first columns of a maps line, through the trailing space after the inode.
 * @kernel fs/proc/task_mmu.c show_vma_header_prefix
 */
function header_prefix(start: number, end: number, flags: number, pgoff: number, major: number, minor: number, ino: number): string {
  return (
    hex(start, 8) +
    "-" +
    hex(end, 8) +
    " " +
    ((flags & VM_READ) !== 0 ? "r" : "-") +
    ((flags & VM_WRITE) !== 0 ? "w" : "-") +
    ((flags & VM_EXEC) !== 0 ? "x" : "-") +
    ((flags & VM_MAYSHARE) !== 0 ? "s" : "p") +
    " " +
    hex(pgoff, 8) +
    " " +
    hex(major, 2) +
    ":" +
    hex(minor, 2) +
    " " +
    String(ino) +
    " "
  );
}

/** seq_pad(m, ' '): pad to column 72, then one space. */
function pad(line: string): string {
  return line.padEnd(25 + 8 * 6 - 1, " ") + " ";
}

/**
 * The name maps prints for a VMA: the file path, a special mapping's name, [heap], [stack], or
 * nothing.
 */
function vma_name(vma: vm_area_struct): string | null {
  if (vma.vm_file !== null) return vma.vm_file.f_path;
  if (vma.specialName !== null) return vma.specialName;
  const mm = vma.vm_mm;
  if (vma.vm_start <= mm.brk && vma.vm_end >= mm.start_brk) return "[heap]";
  if (vma.vm_start <= mm.start_stack && vma.vm_end >= mm.start_stack) return "[stack]";
  return null;
}

/**
 * One /proc/PID/maps line, with its newline.
 * @kernel fs/proc/task_mmu.c show_map_vma
 */
export function show_map_vma(vma: vm_area_struct): string {
  const f = vma.vm_file;
  const line = header_prefix(
    vma.vm_start,
    vma.vm_end,
    vma.vm_flags,
    f !== null ? vma.vm_pgoff * 4096 : 0,
    f !== null ? f.f_inode.i_dev.major : 0,
    f !== null ? f.f_inode.i_dev.minor : 0,
    f !== null ? f.f_inode.i_ino : 0,
  );
  const name = vma_name(vma);
  return (name === null ? line : pad(line) + name) + "\n";
}

/** /proc/PID/maps. */
export function proc_pid_maps(_k: Kernel, t: task_struct): string {
  if (t.mm === null) return "";
  let out = "";
  for (const vma of t.mm.mm_mt) out += show_map_vma(vma);
  return out;
}

/** struct mem_size_stats: bytes, and Pss sums in bytes << PSS_SHIFT. */
export interface mem_size_stats {
  resident: number;
  shared_clean: number;
  shared_dirty: number;
  private_clean: number;
  private_dirty: number;
  referenced: number;
  anonymous: number;
  lazyfree: number;
  swap: number;
  pss: number;
  pss_anon: number;
  pss_file: number;
  pss_shmem: number;
  pss_dirty: number;
  pss_locked: number;
  swap_pss: number;
  anonymous_thp: number;
  shared_hugetlb: number;
  private_hugetlb: number;
}

function new_mss(): mem_size_stats {
  return {
    resident: 0, shared_clean: 0, shared_dirty: 0, private_clean: 0, private_dirty: 0, referenced: 0,
    anonymous: 0, lazyfree: 0, swap: 0, pss: 0, pss_anon: 0, pss_file: 0, pss_shmem: 0, pss_dirty: 0,
    pss_locked: 0, swap_pss: 0, anonymous_thp: 0, shared_hugetlb: 0, private_hugetlb: 0,
  };
}

/**
 * Adds `nr` pages headed by `page` (one PTE-mapped page, or a PMD-mapped THP's 512) to `mss`:
 * sizes by the folio's kind, then Pss page by page unless the folio has one reference.
 * @kernel fs/proc/task_mmu.c smaps_account, smaps_page_accumulate
 */
function smaps_account(k: Kernel, mss: mem_size_stats, page: number, nr: number, young: boolean, dirty: boolean, locked: boolean): void {
  const mem = k.mem_map;
  // PageAnon, PageSwapBacked, page_count of a subpage read its head.
  const head = (page_flags(mem, page) & COMPOUND) !== 0 ? compound_head(mem, page) : page;
  const anon = mem.mapping[head] < 0;
  const hflags = mem.flags[head];
  const size = nr * 4096;
  if (anon) {
    mss.anonymous += size;
    if ((hflags & SWAPBACKED) === 0 && !dirty && (hflags & DIRTY) === 0) mss.lazyfree += size;
  }
  mss.resident += size;
  if (young || (mem.flags[page] & REF) !== 0) mss.referenced += size;
  if (mem._refcount[head] === 1) {
    smaps_page_accumulate(mss, anon, hflags, size, size * 4096, dirty || (mem.flags[page] & DIRTY) !== 0, locked, true);
    return;
  }
  for (let i = 0; i < nr; i++) {
    const p = page + i;
    const mapcount = nr === 1 && head === page ? mem.mapcount[p] : page_mapcount(k, p);
    const pss = mapcount >= 2 ? Math.floor((4096 * 4096) / mapcount) : 4096 * 4096;
    smaps_page_accumulate(mss, anon, hflags, 4096, pss, dirty || (mem.flags[p] & DIRTY) !== 0, locked, mapcount < 2);
  }
}

/** @kernel fs/proc/task_mmu.c smaps_page_accumulate */
function smaps_page_accumulate(mss: mem_size_stats, anon: boolean, hflags: number, size: number, pss: number, dirty: boolean, locked: boolean, priv: boolean): void {
  mss.pss += pss;
  if (anon) mss.pss_anon += pss;
  else if ((hflags & SWAPBACKED) !== 0) mss.pss_shmem += pss;
  else mss.pss_file += pss;
  if (locked) mss.pss_locked += pss;
  if (dirty) {
    mss.pss_dirty += pss;
    if (priv) mss.private_dirty += size;
    else mss.shared_dirty += size;
  } else if (priv) {
    mss.private_clean += size;
  } else {
    mss.shared_clean += size;
  }
}

const SWAPBACKED = F(PG_swapbacked);
const DIRTY = F(PG_dirty);
const REF = F(PG_referenced);
const COMPOUND = F(PG_head) | F(PG_tail);

/**
 * Adds one VMA's pages to `mss`, walking its PTEs and huge PMDs (a hugetlb VMA's huge entries
 * count only in Shared_Hugetlb / Private_Hugetlb, as smaps_hugetlb_range does, not in Rss).
 * Simplified: the huge zero page counts nothing (vm_normal_page_pmd returns NULL for it, as here).
 * A tmpfs VMA's swapped pages (value entries in its file, no swap PTEs) count in Swap, not
 * SwapPss: all of its file's swap for a shared or read-only mapping (shmem_swap_usage), and for a
 * private writable one only the entries behind its empty PTEs (smaps_shmem_walk_ops' pte_hole:
 * its CoW copies are its own).
 * @kernel fs/proc/task_mmu.c smap_gather_stats, smaps_pte_entry, smaps_pmd_entry, smaps_hugetlb_range,
 *   smaps_pte_hole, smaps_pte_hole_lookup
 */
export function smap_gather_stats(k: Kernel, vma: vm_area_struct, mss: mem_size_stats): void {
  const mm = vma.vm_mm;
  let shmem_holes: address_space | null = null;
  if (vma.vm_file !== null && vma.vm_file.f_inode.shmem) {
    const shmem_swapped = shmem_swap_usage(vma);
    if (!shmem_swapped || (vma.vm_flags & VM_SHARED) !== 0 || (vma.vm_flags & VM_WRITE) === 0) mss.swap += shmem_swapped;
    else shmem_holes = vma.vm_file.f_mapping;
  }
  // smaps_pte_hole: the swap entries of the file behind [addr, end) of the VMA.
  const hole = (addr: number, end: number): void => {
    if (shmem_holes !== null) mss.swap += shmem_partial_swap_usage(shmem_holes, linear_page_index(vma, addr), linear_page_index(vma, end));
  };
  if (mm.pgd === NO_TABLE) {
    hole(vma.vm_start, vma.vm_end);
    return;
  }
  const pool = k.pgtables;
  const locked = (vma.vm_flags & VM_LOCKED) !== 0;
  const hugetlb = (vma.vm_flags & VM_HUGETLB) !== 0;
  for (let a = vma.vm_start; a < vma.vm_end; ) {
    const next = Math.min(vma.vm_end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    const t = pte_table_lookup(k, mm.pgd, a);
    if (t === NO_TABLE) {
      const pmdi = pmd_offset(k, mm.pgd, a);
      const f = pmdi < 0 ? 0 : pool.ent_flags[pmdi];
      if (!pmd_leaf(f)) hole(a, next);
      else if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) {
        const page = pool.ent_pfn[pmdi];
        if (hugetlb) {
          if (page_mapcount(k, page) >= 2) mss.shared_hugetlb += PMD_SIZE;
          else mss.private_hugetlb += PMD_SIZE;
        } else if (!is_huge_zero_page(k, page)) {
          if (k.mem_map.mapping[page] < 0) mss.anonymous_thp += PMD_SIZE;
          smaps_account(k, mss, page, PMD_SIZE / 4096, (f & _PAGE_ACCESSED) !== 0, (f & _PAGE_DIRTY) !== 0, locked);
        }
      }
    } else if (pool.tbl_used[t] === 0) {
      hole(a, next);
    } else {
      const j0 = pte_index(a);
      const j1 = j0 + (next - a) / 4096;
      for (let j = j0; j < j1; j++) {
        const i = t * 512 + j;
        const f = pool.ent_flags[i];
        if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
          if (f === 0 && pool.ent_pfn[i] === 0) {
            if (shmem_holes !== null) hole(a + (j - j0) * 4096, a + (j - j0 + 1) * 4096);
          } else {
            mss.swap += 4096;
            // An entry shared after fork counts 1/mapcount to each (swp_swapcount).
            const mapcount = swp_swapcount(k, pte_to_swp_entry(f, pool.ent_pfn[i]));
            mss.swap_pss += mapcount >= 2 ? Math.floor((4096 << PSS_SHIFT) / mapcount) : 4096 << PSS_SHIFT;
          }
          continue;
        }
        if ((f & _PAGE_SPECIAL) !== 0) continue; // vm_normal_page: none (zero page)
        smaps_account(k, mss, pool.ent_pfn[i], 1, (f & _PAGE_ACCESSED) !== 0, (f & _PAGE_DIRTY) !== 0, locked);
      }
    }
    a = next;
  }
}

/**
 * The counter block of smaps and smaps_rollup.
 * @kernel fs/proc/task_mmu.c __show_smap
 */
function __show_smap(mss: mem_size_stats, rollup: boolean): string {
  const kb = (b: number): number => Math.floor(b / 1024);
  const pss = (v: number): number => kb(Math.floor(v / 4096));
  let s = dec("Rss:            ", kb(mss.resident));
  s += dec(" kB\nPss:            ", pss(mss.pss));
  s += dec(" kB\nPss_Dirty:      ", pss(mss.pss_dirty));
  if (rollup) {
    s += dec(" kB\nPss_Anon:       ", pss(mss.pss_anon));
    s += dec(" kB\nPss_File:       ", pss(mss.pss_file));
    s += dec(" kB\nPss_Shmem:      ", pss(mss.pss_shmem));
  }
  s += dec(" kB\nShared_Clean:   ", kb(mss.shared_clean));
  s += dec(" kB\nShared_Dirty:   ", kb(mss.shared_dirty));
  s += dec(" kB\nPrivate_Clean:  ", kb(mss.private_clean));
  s += dec(" kB\nPrivate_Dirty:  ", kb(mss.private_dirty));
  s += dec(" kB\nReferenced:     ", kb(mss.referenced));
  s += dec(" kB\nAnonymous:      ", kb(mss.anonymous));
  s += dec(" kB\nLazyFree:       ", kb(mss.lazyfree));
  s += dec(" kB\nAnonHugePages:  ", kb(mss.anonymous_thp));
  s += dec(" kB\nShmemPmdMapped: ", 0);
  s += dec(" kB\nFilePmdMapped:  ", 0);
  s += dec(" kB\nShared_Hugetlb: ", kb(mss.shared_hugetlb));
  s += dec(" kB\nPrivate_Hugetlb: ", kb(mss.private_hugetlb), 7);
  s += dec(" kB\nSwap:           ", kb(mss.swap));
  s += dec(" kB\nSwapPss:        ", pss(mss.swap_pss));
  s += dec(" kB\nLocked:         ", pss(mss.pss_locked));
  return s + " kB\n";
}

/** VmFlags mnemonics by bit (x86-64: VM_ARCH_1 is VM_PAT, "ar"; VM_LOCKONFAULT, bit 19, has none). */
const mnemonics: Readonly<Record<number, string>> = Object.freeze({
  0: "rd", 1: "wr", 2: "ex", 3: "sh", 4: "mr", 5: "mw", 6: "me", 7: "ms", 8: "gd", 9: "um", 10: "pf",
  12: "uw", 13: "lo", 14: "io", 15: "sr", 16: "rr", 17: "dc", 18: "de", 20: "ac", 21: "nr", 22: "ht",
  23: "sf", 24: "ar", 25: "wf", 26: "dd", 27: "sd", 28: "mm", 29: "hg", 30: "nh", 31: "mg",
});

/**
 * The VmFlags line.
 * @kernel fs/proc/task_mmu.c show_smap_vma_flags
 */
export function show_smap_vma_flags(vma: vm_area_struct): string {
  let s = "VmFlags: ";
  for (let i = 0; i < 32; i++) {
    const m = mnemonics[i];
    if (m !== undefined && (vma.vm_flags & (1 << i)) !== 0) s += m + " ";
  }
  // VM_UFFD_MINOR is bit 37 (bit 5 of vm_flags_hi); the pkey bits print nothing.
  if ((vma.vm_flags_hi & (1 << 5)) !== 0) s += "ui ";
  return s + "\n";
}

/**
 * Could THP back this VMA (smaps' THPeligible): not NOHUGEPAGE or special, a whole aligned 2 MiB
 * range inside it, THP enabled for it by sysfs, and anonymous (shmem files follow their mount's
 * huge= option, which is "never" without a tmpfs mount option; regular-file THP needs the page
 * cache issue). An anonymous VMA without an anon_vma yet still counts, as smaps asks.
 * @kernel mm/huge_memory.c hugepage_vma_check (smaps = true, in_pf = false, enforce_sysfs = true)
 * @kernel include/linux/huge_mm.h transhuge_vma_suitable
 */
export function thp_eligible(k: Kernel, vma: vm_area_struct): boolean {
  const flags = vma.vm_flags;
  if ((flags & VM_NOHUGEPAGE) !== 0) return false;
  if ((flags & (VM_SPECIAL | VM_HUGETLB)) !== 0) return false; // VM_NO_KHUGEPAGED
  const HPAGE = 2 * 1024 * 1024;
  if (vma.vm_file !== null && ((vma.vm_start / 4096 - vma.vm_pgoff) % 512 + 512) % 512 !== 0) return false;
  const haddr = Math.floor((vma.vm_end - HPAGE) / HPAGE) * HPAGE;
  if (haddr < vma.vm_start || haddr + HPAGE > vma.vm_end) return false;
  if (vma.vm_file !== null) return false; // shmem huge=never; no file THP yet
  if (!hugepage_flags_enabled(k) || ((flags & VM_HUGEPAGE) === 0 && !hugepage_flags_always(k))) return false;
  if ((flags & VM_STACK_INCOMPLETE_SETUP) === VM_STACK_INCOMPLETE_SETUP) return false; // vma_is_temporary_stack
  return true;
}

/**
 * One VMA's /proc/PID/smaps block.
 * @kernel fs/proc/task_mmu.c show_smap
 */
export function show_smap(k: Kernel, vma: vm_area_struct): string {
  const mss = new_mss();
  smap_gather_stats(k, vma, mss);
  let s = show_map_vma(vma);
  // vma_kernel_pagesize / vma_mmu_pagesize: the hstate's size for a hugetlb VMA.
  const pagesize = (vma.vm_flags & VM_HUGETLB) !== 0 ? huge_page_size(hstate_vma(k, vma)) / 1024 : 4;
  s += dec("Size:           ", (vma.vm_end - vma.vm_start) / 1024);
  s += dec(" kB\nKernelPageSize: ", pagesize);
  s += dec(" kB\nMMUPageSize:    ", pagesize);
  s += " kB\n";
  s += __show_smap(mss, false);
  s += `THPeligible:    ${thp_eligible(k, vma) ? 1 : 0}\n`;
  s += show_smap_vma_flags(vma);
  return s;
}

/** /proc/PID/smaps. */
export function proc_pid_smaps(k: Kernel, t: task_struct): string {
  if (t.mm === null) return "";
  let out = "";
  for (const vma of t.mm.mm_mt) out += show_smap(k, vma);
  return out;
}

/** The summed stats of every VMA, as smaps_rollup gathers them. */
export function smaps_rollup_stats(k: Kernel, mm: mm_struct): mem_size_stats {
  const mss = new_mss();
  for (const vma of mm.mm_mt) smap_gather_stats(k, vma, mss);
  return mss;
}

/**
 * /proc/PID/smaps_rollup: one header spanning the first VMA's start to the last VMA's end, then
 * the summed counters with the Pss split by kind.
 * @kernel fs/proc/task_mmu.c show_smaps_rollup
 */
export function proc_pid_smaps_rollup(k: Kernel, t: task_struct): string {
  const mm = t.mm;
  if (mm === null || mm.mm_mt.length === 0) return "";
  const mss = smaps_rollup_stats(k, mm);
  const first = mm.mm_mt.first()!;
  const last = mm.mm_mt.last()!;
  return pad(header_prefix(first.vm_start, last.vm_end, 0, 0, 0, 0, 0)) + "[rollup]\n" + __show_smap(mss, true);
}

/**
 * The Vm* and Rss* lines of /proc/PID/status (and HugetlbPages).
 * @kernel fs/proc/task_mmu.c task_mem
 * @kernel mm/hugetlb.c hugetlb_report_usage
 */
export function task_mem(mm: mm_struct): string {
  const K = (pages: number): number => pages * 4;
  const anon = get_mm_counter(mm, MM_ANONPAGES);
  const file = get_mm_counter(mm, MM_FILEPAGES);
  const shmem = get_mm_counter(mm, MM_SHMEMPAGES);
  const total_vm = mm.total_vm;
  const hiwater_vm = Math.max(total_vm, mm.hiwater_vm);
  const total_rss = anon + file + shmem;
  const hiwater_rss = Math.max(total_rss, mm.hiwater_rss);
  // Executable areas split between text (the program's code) and libraries.
  const codeStart = Math.floor(mm.start_code / 4096) * 4096;
  const codeEnd = Math.ceil(mm.end_code / 4096) * 4096;
  const text = Math.min(codeEnd - codeStart, mm.exec_vm * 4096);
  const lib = mm.exec_vm * 4096 - text;
  const swap = get_mm_counter(mm, MM_SWAPENTS);
  let s = dec("VmPeak:\t", K(hiwater_vm));
  s += dec(" kB\nVmSize:\t", K(total_vm));
  s += dec(" kB\nVmLck:\t", K(mm.locked_vm));
  s += dec(" kB\nVmPin:\t", K(mm.pinned_vm));
  s += dec(" kB\nVmHWM:\t", K(hiwater_rss));
  s += dec(" kB\nVmRSS:\t", K(total_rss));
  s += dec(" kB\nRssAnon:\t", K(anon));
  s += dec(" kB\nRssFile:\t", K(file));
  s += dec(" kB\nRssShmem:\t", K(shmem));
  s += dec(" kB\nVmData:\t", K(mm.data_vm));
  s += dec(" kB\nVmStk:\t", K(mm.stack_vm));
  s += dec(" kB\nVmExe:\t", text / 1024);
  s += dec(" kB\nVmLib:\t", lib / 1024);
  s += dec(" kB\nVmPTE:\t", Math.floor(mm.pgtables_bytes / 1024));
  s += dec(" kB\nVmSwap:\t", K(swap));
  s += " kB\n";
  s += hugetlb_report_usage(mm);
  return s;
}

/** /proc/PID/statm's fields, in pages. */
export interface statm {
  size: number;
  resident: number;
  shared: number;
  text: number;
  data: number;
}

/**
 * The numbers behind /proc/PID/statm: size, resident, shared (file + shmem), text, data (+stack).
 * @kernel fs/proc/task_mmu.c task_statm
 */
export function task_statm(mm: mm_struct): statm {
  const shared = get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_SHMEMPAGES);
  const text = (Math.ceil(mm.end_code / 4096) * 4096 - Math.floor(mm.start_code / 4096) * 4096) / 4096;
  return {
    size: mm.total_vm,
    resident: shared + get_mm_counter(mm, MM_ANONPAGES),
    shared,
    text,
    data: mm.data_vm + mm.stack_vm,
  };
}

// ---- pagemap ----
/** Bits of a pagemap entry's top 16 bits (entry >> 48), the `flags` column of pagemap_read. */
export const PM_SOFT_DIRTY = 1 << 7; // bit 55
export const PM_MMAP_EXCLUSIVE = 1 << 8; // bit 56
export const PM_UFFD_WP = 1 << 9; // bit 57
export const PM_FILE = 1 << 13; // bit 61
export const PM_SWAP = 1 << 14; // bit 62
export const PM_PRESENT = 1 << 15; // bit 63

/** pagemap entries: the frame (pfn, or swap type | offset << 5) and the top 16 flag bits. */
export interface PagemapEntries {
  frame: Float64Array;
  flags: Uint16Array;
}

/**
 * What /proc/PID/pagemap holds for `npages` pages from `start`, as values (the 64-bit entries
 * split so no bigint is needed). `show_pfn` is false for readers without CAP_SYS_ADMIN, whose
 * frames read 0 (since 4.2).
 * @kernel fs/proc/task_mmu.c pagemap_read, pte_to_pagemap_entry, pagemap_pte_hole, pagemap_pmd_range,
 *   pagemap_hugetlb_range
 */
export function pagemap_read(k: Kernel, t: task_struct, start: number, npages: number, show_pfn = true): PagemapEntries {
  const out: PagemapEntries = { frame: new Float64Array(npages), flags: new Uint16Array(npages) };
  const mm = t.mm;
  if (mm === null) return out;
  const pool = k.pgtables;
  let vi = 0;
  const vmas = mm.mm_mt.toArray();
  for (let n = 0; n < npages; n++) {
    const addr = Math.floor(start / 4096) * 4096 + n * 4096;
    while (vi < vmas.length && vmas[vi].vm_end <= addr) vi++;
    const vma = vi < vmas.length && vmas[vi].vm_start <= addr ? vmas[vi] : null;
    if (vma === null) continue;
    let flags = (vma.vm_flags & VM_SOFTDIRTY) !== 0 ? PM_SOFT_DIRTY : 0;
    const tb = pte_table_lookup(k, mm.pgd, addr);
    const hi = tb === NO_TABLE ? huge_pmd_lookup(k, mm.pgd, addr) : -1;
    if (hi >= 0) {
      // A huge leaf: pagemap_pmd_range's THP branch or pagemap_hugetlb_range. Every 4 KiB of it
      // reads the leaf's flags and its own subpage's frame. The huge zero page is not anonymous
      // (PM_FILE, as 6.1 reports it) and has no mapcount.
      const f = pool.ent_flags[hi];
      const p = pool.ent_pfn[hi];
      if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) {
        const hugetlb = (vma.vm_flags & VM_HUGETLB) !== 0;
        flags |= PM_PRESENT;
        if (!hugetlb && (f & _PAGE_SOFT_DIRTY) !== 0) flags |= PM_SOFT_DIRTY;
        if ((f & _PAGE_UFFD_WP) !== 0) flags |= PM_UFFD_WP;
        if (show_pfn) out.frame[n] = p + (addr % PMD_SIZE) / 4096;
        if (!PageAnon(k, p)) flags |= PM_FILE;
        if (!is_huge_zero_page(k, p) && page_mapcount(k, p) === 1) flags |= PM_MMAP_EXCLUSIVE;
      }
    } else if (tb !== NO_TABLE) {
      const i = tb * 512 + pte_index(addr);
      const f = pool.ent_flags[i];
      const p = pool.ent_pfn[i];
      if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) {
        flags |= PM_PRESENT;
        if (show_pfn) out.frame[n] = p;
        if ((f & _PAGE_SOFT_DIRTY) !== 0) flags |= PM_SOFT_DIRTY;
        if ((f & _PAGE_UFFD_WP) !== 0) flags |= PM_UFFD_WP;
        if ((f & _PAGE_SPECIAL) === 0) {
          if (!PageAnon(k, p)) flags |= PM_FILE;
          // page_mapcount: a subpage of a THP also counts the PMD mappings of its head.
          if (page_mapcount(k, p) === 1) flags |= PM_MMAP_EXCLUSIVE;
        }
      } else if (f !== 0 || p !== 0) {
        flags |= PM_SWAP;
        if (show_pfn) out.frame[n] = __swp_type(f) + p * 32;
        if ((f & 0x2) !== 0) flags |= PM_SOFT_DIRTY; // _PAGE_SWP_SOFT_DIRTY
      }
    }
    out.flags[n] = flags;
  }
  return out;
}
