/**
 * mincore(2) (mm/mincore.c): which pages of a range of the caller's address space are resident.
 * A present PTE is; an empty one in a file mapping asks the page cache (an uptodate folio at its
 * index is resident: a page read but not mapped counts, which is how rkx's mincore of a file
 * mapped for the purpose shows what readahead brought in); a swap entry asks the swap cache; an
 * empty one in anonymous memory is not.
 * Simplified: every file mapping passes can_do_mincore (the caller is root); no THP (no huge
 * PMD to report whole).
 * @kernel mm/mincore.c sys_mincore, do_mincore, mincore_pte_range, mincore_unmapped_range,
 *   __mincore_unmapped_range, mincore_page
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { _PAGE_PRESENT, _PAGE_PROTNONE, NO_TABLE, pte_index, pte_table_lookup } from "../arch/x86/pgtable.js";
import type { address_space } from "../fs/fs.js";
import { xa_load_folio } from "../lib/xarray.js";
import { F, PG_uptodate } from "./memmap.js";
import { find_vma } from "./mmap.js";
import type { vm_area_struct } from "./mm_types.js";
import { linear_page_index } from "./rmap.js";
import { lookup_swap_cache_pfn } from "./swap_state.js";
import { pte_to_swp_entry } from "./swapops.js";

/** An uptodate folio at `index` of `mapping`? @kernel mm/mincore.c mincore_page */
function mincore_page(k: Kernel, mapping: address_space, index: number): number {
  const pfn = xa_load_folio(mapping.i_pages, index);
  return pfn >= 0 && (k.mem_map.flags[pfn] & F(PG_uptodate)) !== 0 ? 1 : 0;
}

/** One VMA's part of the range [addr, end): vec[off ..]. @kernel mm/mincore.c do_mincore */
function do_mincore_vma(k: Kernel, vma: vm_area_struct, addr: number, end: number, vec: Uint8Array, off: number): void {
  const mm = vma.vm_mm;
  const pool = k.pgtables;
  const mapping = vma.vm_file === null ? null : vma.vm_file.f_mapping;
  for (let a = addr; a < end; a += 4096, off++) {
    const t = mm.pgd === NO_TABLE ? NO_TABLE : pte_table_lookup(k, mm.pgd, a);
    const i = t === NO_TABLE ? -1 : t * 512 + pte_index(a);
    const f = i < 0 ? 0 : pool.ent_flags[i];
    const p = i < 0 ? 0 : pool.ent_pfn[i];
    if (f === 0 && p === 0) {
      vec[off] = mapping === null ? 0 : mincore_page(k, mapping, linear_page_index(vma, a));
    } else if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) {
      vec[off] = 1;
    } else {
      // a swap entry: in the swap cache?
      const pfn = lookup_swap_cache_pfn(k, pte_to_swp_entry(f, p));
      vec[off] = pfn >= 0 && (k.mem_map.flags[pfn] & F(PG_uptodate)) !== 0 ? 1 : 0;
    }
  }
}

/**
 * mincore(2): one byte per page of [start, start + len), 1 if resident. -EINVAL for an unaligned
 * start, -ENOMEM for a range that is not all mapped.
 * @kernel mm/mincore.c sys_mincore
 */
export function sys_mincore(k: Kernel, t: task_struct, start: number, len: number): Uint8Array | number {
  if (start % 4096 !== 0) return -errnoValues.EINVAL;
  const mm = t.mm;
  if (mm === null) return -errnoValues.ENOMEM;
  if (start + len > mm.task_size) return -errnoValues.ENOMEM;
  const pages = Math.ceil(len / 4096);
  const vec = new Uint8Array(pages);
  let addr = start;
  let off = 0;
  while (off < pages) {
    const vma = find_vma(mm, addr);
    if (vma === null || addr < vma.vm_start) return -errnoValues.ENOMEM;
    const end = Math.min(vma.vm_end, start + pages * 4096);
    do_mincore_vma(k, vma, addr, end, vec, off);
    off += (end - addr) / 4096;
    addr = end;
  }
  return vec;
}
