/**
 * The part of shmem (tmpfs) that mapping needs before the page cache exists: unlinked shmem
 * files (__shmem_file_setup) with their size charged to Committed_AS unless VM_NORESERVE
 * (shmem_acct_size), shared anonymous memory as such a file named "dev/zero"
 * (shmem_zero_setup), and shmem_mmap. A file's pages live in its address_space.i_pages, filled by
 * the fault path (memory.ts's do_fault calls shmem_get_page) and by write(2) (shmem_write_page);
 * they leave, and the file's size is unaccounted, when the last reference goes
 * (shmem_evict_inode → shmem_truncate_pages, shmem_unacct_size).
 *
 * Simplified: no tmpfs mount, size limits, swap or huge pages yet (the tmpfs issue extends this
 * file); inode numbers count up from 1 per machine (k.last_ino).
 * @kernel mm/shmem.c __shmem_file_setup, shmem_zero_setup, shmem_mmap, shmem_acct_size,
 *   shmem_unacct_size, shmem_evict_inode, shmem_get_folio_gfp, shmem_add_to_page_cache,
 *   shmem_write_begin, shmem_write_end, shmem_truncate_range, shmem_undo_range
 */
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { errnoValues } from "../kernel/errno.js";
import { FMODE_READ, FMODE_WRITE, type address_space, type file, type inode, type vm_area_struct, VM_NORESERVE } from "./mm_types.js";
import { security_vm_enough_memory_mm, vm_unacct_memory } from "./util.js";
import { KernelBug } from "../kernel/bug.js";
import { __GFP_ZERO, GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { F, PG_dirty, PG_swapbacked, PG_uptodate } from "./memmap.js";
import { alloc_pages } from "./page_alloc.js";
import { mod_page_node_state } from "./rmap.js";
import { folio_add_lru, get_page, put_page } from "./swap.js";
import { NO_PFN } from "./types.js";
import { NR_FILE_PAGES, NR_SHMEM } from "./vmstat_items.js";
import { PAGE_SIZE } from "./types.js";


/**
 * A fresh inode number (get_next_ino) and address_space id (page->mapping of a file page is
 * this positive id): the machine's counters k.last_ino and k.last_mapping_id, both from 1.
 * @kernel fs/inode.c get_next_ino
 */
export function new_mapping_id(k: Kernel): { ino: number; mapping: number } {
  return { ino: ++k.last_ino, mapping: ++k.last_mapping_id };
}

/** The address_space a file page's mapping id names. */
export function mapping_by_id(k: Kernel, id: number): address_space | undefined {
  return k.shmem_mappings.get(id);
}

/** Every live shmem address_space of a machine (the superblock's inode list), for checkers. */
export function shmem_mappings(k: Kernel): IterableIterator<address_space> {
  return k.shmem_mappings.values();
}

/** VM_ACCT: bytes to pages, rounded up. */
function VM_ACCT(size: number): number {
  return Math.ceil(size / PAGE_SIZE);
}

/** shmem_mmap: any mapping of a shmem file is allowed. */
function shmem_mmap(): number {
  return 0;
}

/**
 * __shmem_file_setup: an unlinked shmem file of `size` bytes, charged to Committed_AS unless
 * flags has VM_NORESERVE. Returns the file or a negative errno.
 */
export function shmem_file_setup(k: Kernel, t: task_struct | null, name: string, size: number, flags: number): file | number {
  if (size < 0 || size > 2 ** 63) return -errnoValues.EINVAL;
  const acct = !(flags & VM_NORESERVE);
  if (acct && t && t.mm && security_vm_enough_memory_mm(k, t, t.mm, VM_ACCT(size))) return -errnoValues.ENOMEM;
  const ids = new_mapping_id(k);
  const mapping: address_space = { id: ids.mapping, i_pages: new Map(), i_mmap_writable: 0, i_mmap: new Set() };
  k.shmem_mappings.set(mapping.id, mapping);
  const charged = acct && t !== null && t.mm !== null ? VM_ACCT(size) : 0;
  const ino: inode = { i_ino: ids.ino, i_dev: { major: 0, minor: 1 }, i_size: size, i_mapping: mapping, shmem: true, shmem_charged: charged };
  return {
    f_inode: ino,
    f_mode: FMODE_READ | FMODE_WRITE,
    f_path: `/${name} (deleted)`,
    f_count: 1,
    f_op: shmem_file_operations,
  };
}

/**
 * The last fput of a shmem file: shmem_evict_inode — the pages leave the page cache (freed unless
 * still mapped) and the size is unaccounted (shmem_unacct_size).
 * @kernel mm/shmem.c shmem_evict_inode, shmem_unacct_size
 */
export function shmem_release(k: Kernel, f: file): void {
  const ino = f.f_inode;
  shmem_truncate_pages(k, ino.i_mapping);
  if (ino.shmem_charged) vm_unacct_memory(k, ino.shmem_charged);
  k.shmem_mappings.delete(ino.i_mapping.id);
}

/**
 * shmem_file_operations: one shared table of named functions, as the kernel's is one const
 * struct, so a file holds data and a machine's snapshot names the table (src/sim/snapshot_registry.ts).
 */
export const shmem_file_operations: file["f_op"] = Object.freeze({ mmap: shmem_mmap, release: shmem_release });

/**
 * shmem_zero_setup: back a shared anonymous VMA with a "dev/zero" shmem file of its size.
 * 0 or -ENOMEM (overcommit refused the size).
 */
export function shmem_zero_setup(k: Kernel, t: task_struct, vma: vm_area_struct): number {
  const f = shmem_file_setup(k, t, "dev/zero", vma.vm_end - vma.vm_start, vma.vm_flags);
  if (typeof f === "number") return f;
  vma.vm_file = f;
  return 0;
}

// ---- The page cache of a shmem file (what shmem_fault and write(2) fill) ----

/**
 * The page at `index` of a shmem file, allocated (zeroed, swap-backed, uptodate) and added to the
 * page cache on a miss. Returns the pfn with one extra reference for the caller, or NO_PFN.
 * @kernel mm/shmem.c shmem_get_folio_gfp, shmem_add_to_page_cache
 */
export function shmem_get_page(k: Kernel, vma: vm_area_struct, index: number): number {
  const file = vma.vm_file;
  if (file === null) throw new KernelBug("shmem fault without a file");
  const as = file.f_inode.i_mapping;
  let pfn = as.i_pages.get(index);
  if (pfn === undefined) {
    const fresh = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
    if (fresh === NO_PFN) return NO_PFN;
    add_to_shmem_cache(k, as, index, fresh);
    pfn = fresh;
  }
  get_page(k, pfn);
  return pfn;
}

/**
 * A page written into a shmem file through write(2) rather than a mapping: added to the page
 * cache like shmem_fault adds it, and dirty, as tmpfs pages written by a program (or unpacked
 * from an initramfs) are. Returns the pfn (the page cache holds its only reference) or NO_PFN.
 * The seam the tmpfs issue's write path builds on.
 * @kernel mm/shmem.c shmem_write_begin (SGP_WRITE), shmem_write_end (set_page_dirty)
 */
export function shmem_write_page(k: Kernel, f: file, index: number): number {
  const as = f.f_inode.i_mapping;
  const have = as.i_pages.get(index);
  if (have !== undefined) {
    k.mem_map.flags[have] |= F(PG_dirty);
    return have;
  }
  const pfn = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
  if (pfn === NO_PFN) return NO_PFN;
  add_to_shmem_cache(k, as, index, pfn);
  k.mem_map.flags[pfn] |= F(PG_dirty);
  return pfn;
}

/** shmem_add_to_page_cache for a new page: cache reference, NR_FILE_PAGES and NR_SHMEM. */
function add_to_shmem_cache(k: Kernel, as: address_space, index: number, pfn: number): void {
  const mem = k.mem_map;
  mem.flags[pfn] |= F(PG_swapbacked) | F(PG_uptodate);
  mem.mapping[pfn] = as.id;
  mem.index[pfn] = index | 0;
  as.i_pages.set(index, pfn);
  mod_page_node_state(k, pfn, NR_FILE_PAGES, 1);
  mod_page_node_state(k, pfn, NR_SHMEM, 1);
  folio_add_lru(k, pfn);
}

/**
 * Drops every page of a shmem file from the page cache, freeing those no mapping still holds:
 * what shmem_evict_inode does when the last reference to an unlinked file goes (the file's
 * release hook, below).
 * @kernel mm/shmem.c shmem_evict_inode, shmem_truncate_range, shmem_undo_range
 */
export function shmem_truncate_pages(k: Kernel, as: address_space): void {
  for (const pfn of as.i_pages.values()) {
    mod_page_node_state(k, pfn, NR_FILE_PAGES, -1);
    mod_page_node_state(k, pfn, NR_SHMEM, -1);
    if (k.mem_map.mapcount[pfn] === 0) k.mem_map.mapping[pfn] = 0;
    put_page(k, pfn);
  }
  as.i_pages.clear();
}
