/**
 * hugetlb: the persistent pools of huge pages (one hstate per size, 2 MiB by default), filled
 * from the buddy allocator by writes to nr_hugepages and grown past it by surplus pages up to
 * nr_overcommit_hugepages; reservations taken at mmap time (HugePages_Rsvd) so later faults
 * cannot fail; the hugetlbfs files MAP_HUGETLB maps ("/anon_hugepage (deleted)"); hugetlb faults,
 * copy-on-write of private pages after fork, unmapping, and the meminfo, status, smaps and sysfs
 * views.
 *
 * Worked numbers from hp-hugetlb (1 GiB guest): nr_hugepages=64 takes 64 order-9 blocks; a 32
 * MiB private mapping reserves 16 pages (Rsvd 16); touching half uses 8 (Free 56, Rsvd 8); all,
 * 16 (Free 48, Rsvd 0). With nr_overcommit_hugepages=16 a 160 MiB (80 page) mapping needs 16
 * more than the pool has: gather_surplus_pages allocates them at mmap time (Total 80, Surp 16,
 * Rsvd 80). nr_hugepages=100000 allocates until the buddy allocator gives up: 436 pages on 1 GiB.
 *
 * Pool pages are compound heads with PG_hugetlb (the kernel's HUGETLB_PAGE_DTOR), on their
 * node's free list (hugepage_freelists, through the head's lru links) with refcount 0, or on
 * the active list while in use. A mapping is a PMD leaf (_PAGE_PSE) pointing to the head; its
 * mapcount is the head's compound_mapcount. Private pages are anonymous (their anon_vma in the
 * head's mapping); shared ones live in the hugetlbfs inode's page cache.
 *
 * Reservations: a private mapping's resv_map records the huge pages already faulted (consumed),
 * so its remaining reservation is its size less those; a shared mapping's lives in the inode
 * and counts the pages reserved by any mapping of the file. hugetlb_acct_memory moves
 * resv_huge_pages, gathering surplus pages when the free pool is short.
 *
 * fs/hugetlbfs/inode.c's parts (hugetlb_file_setup, hugetlbfs_file_mmap, the inode's release)
 * are here, beside the pools they use; the VFS shapes (inode, file) come from fs/fs.ts.
 *
 * Gigantic (1 GiB) pages need a CPU with gbpages (qemu64 has none, as in the captures:
 * "unsupported" is logged); with it the 1 GiB hstate exists (gigantic_pages_init), its pool
 * comes from the boot command line (hugepagesz=1G hugepages=N, from memblock) or grows at run
 * time through nr_hugepages (alloc_contig_pages: page_isolation.ts).
 * Simplified: gigantic pages cannot be mapped (PUD leaves are not modelled). No
 * hugetlbfs mounts or subpools (the internal mount's subpool has no limits), no SHM_HUGETLB (no
 * SysV shm in the model), no hugetlb cgroup, no PMD sharing, no vmemmap optimisation, no
 * demotion, no memory policies (pages come round-robin from the nodes with memory). Migration
 * of a page in use happens only for alloc_contig_range (isolate_or_dissolve_huge_page here,
 * unmap_and_move_huge_page in migrate.ts); no move_pages, mbind or memory offlining.
 * @kernel mm/hugetlb.c hugetlb_total_pages, set_max_huge_pages, alloc_pool_huge_page,
 *   alloc_fresh_huge_page, alloc_buddy_huge_page, alloc_gigantic_page, prep_compound_gigantic_page,
 *   prep_new_huge_page, adjust_pool_surplus,
 *   remove_pool_huge_page, remove_hugetlb_page, update_and_free_page, enqueue_huge_page,
 *   dequeue_huge_page_nodemask, free_huge_page, alloc_surplus_huge_page, gather_surplus_pages,
 *   return_unused_surplus_pages, hugetlb_acct_memory, hugetlb_reserve_pages,
 *   hugetlb_unreserve_pages, hugetlb_vm_op_close, hugetlb_vm_op_split, alloc_huge_page,
 *   hugetlb_fault, hugetlb_no_page, hugetlb_wp, make_huge_pte, __unmap_hugepage_range,
 *   copy_hugetlb_page_range, hugetlb_report_meminfo, hugetlb_report_node_meminfo,
 *   hugetlb_report_usage, folio_isolate_hugetlb, folio_putback_hugetlb, move_hugetlb_state,
 *   __nr_hugepages_store_common, hugetlb_overcommit_handler,
 *   nr_hugepages_show, free_hugepages_show, resv_hugepages_show, surplus_hugepages_show,
 *   hugepagesz_setup, hugepages_setup, hugetlb_hstate_alloc_pages
 * @kernel fs/hugetlbfs/inode.c hugetlb_file_setup, hugetlbfs_file_mmap, hugetlbfs_evict_inode,
 *   remove_inode_hugepages
 * @kernel arch/x86/mm/hugetlbpage.c hugetlb_get_unmapped_area, hugetlb_get_unmapped_area_topdown
 * @kernel include/linux/hugetlb.h pages_per_huge_page
 */
import { pow2 } from "../lib/bitops.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, _PAGE_SOFT_DIRTY, NO_TABLE, pmd_alloc, pmd_leaf, pmd_mkhuge, pmd_offset, pte_clear, set_pte_at } from "../arch/x86/pgtable.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { file, type file_operations, FMODE_READ, FMODE_WRITE, inode, new_mapping_id, S_IFREG, super_block, type super_operations } from "../fs/fs.js";
import { empty_aops, empty_iops } from "../fs/inode.js";
import { KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import { registerVmSysctlEffect } from "../kernel/sysctl.js";
import { kstrtoul10 } from "../lib/kstrtox.js";
import { __GFP_COMP, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { copy_page_content, F, fresh_page_contents, PG_anon_exclusive, PG_dirty, PG_head, PG_hugetlb, PG_tail, PG_uptodate } from "./memmap.js";
import { type mm_struct, type vm_area_struct, VM_DONTEXPAND, VM_HUGETLB, VM_MAYSHARE, VM_NORESERVE, VM_SHARED, VM_WRITE } from "./mm_types.js";
import { NO_PFN } from "./mmzone.js";
import { __alloc_pages, __free_pages } from "./page_alloc.js";
import { alloc_contig_pages } from "./page_isolation.js";
import { fault_anon_vma_prepare } from "./memory.js";
import { vm_unmapped_area_aligned } from "./mmap.js";
import { type Memblock, memblock_alloc_try_nid } from "./memblock.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./types.js";
import { HTLB_BUDDY_PGALLOC, HTLB_BUDDY_PGALLOC_FAIL } from "./vmstat_items.js";

const { EINVAL, ENOMEM, ENOSPC } = errnoValues;

/** pages_per_huge_page(&default_hstate): 512 base pages in a 2 MiB page. */
export const HPAGE_NR = 512;
/** HUGETLB_PAGE_ORDER on x86-64: 2 MiB pages. */
export const HUGETLB_PAGE_ORDER = 9;
/** A gigantic (1 GiB, PUD) page's order. */
export const PUD_ORDER = 18;

// vm_fault_t bits (include/linux/mm_types.h).
const VM_FAULT_OOM = 0x000001;
const VM_FAULT_SIGBUS = 0x000002;
const FAULT_FLAG_WRITE = 1 << 0;

const HUGETLB = F(PG_hugetlb);
const HEAD = F(PG_head);

/**
 * The hugetlb page flags (enum hugetlb_page_flags) the kernel keeps in the head's page->private:
 * HPG_migratable (bit 1: in use and mapped, so alloc_contig_range may isolate it) and
 * HPG_temporary (bit 2: a page allocated for a migration beyond the pool, freed to the buddy
 * allocator at its last reference). Simplified: HPG_restore_reserve stays in page[2].private.
 */
export const HPG_migratable = 1 << 1;
export const HPG_temporary = 1 << 2;

/**
 * One huge page size's pool.
 * @kernel include/linux/hugetlb.h struct hstate
 */
export class hstate {
  /** huge_page_order. */
  readonly order: number;
  /** The sysfs directory name: hugepages-2048kB. */
  readonly name: string;
  max_huge_pages = 0;
  nr_huge_pages = 0;
  free_huge_pages = 0;
  resv_huge_pages = 0;
  surplus_huge_pages = 0;
  nr_overcommit_huge_pages = 0;
  readonly nr_huge_pages_node: Float64Array;
  readonly free_huge_pages_node: Float64Array;
  readonly surplus_huge_pages_node: Float64Array;
  /** Per node, the free pool pages (through the heads' lru links). */
  readonly hugepage_freelists: Int32Array;
  /** Pages in use (hugepage_activelist). */
  readonly hugepage_activelist = new Int32Array(1).fill(NO_PFN);
  next_nid_to_alloc = 0;
  next_nid_to_free = 0;

  constructor(order: number, nr_nodes: number) {
    this.order = order;
    this.name = `hugepages-${(PAGE_SIZE << order) / 1024}kB`;
    this.nr_huge_pages_node = new Float64Array(nr_nodes);
    this.free_huge_pages_node = new Float64Array(nr_nodes);
    this.surplus_huge_pages_node = new Float64Array(nr_nodes);
    this.hugepage_freelists = new Int32Array(nr_nodes).fill(NO_PFN);
  }
}

/** pages_per_huge_page. */
export function pages_per_huge_page(h: hstate): number {
  return pow2(h.order);
}
/** huge_page_size in bytes. */
export function huge_page_size(h: hstate): number {
  return PAGE_SIZE * pow2(h.order);
}
/** A gigantic page: above MAX_ORDER, so never from the buddy allocator's free lists. @kernel include/linux/hugetlb.h hstate_is_gigantic */
export function hstate_is_gigantic(h: hstate): boolean {
  return h.order >= 11;
}
/** The pages no longer surplus: nr_huge_pages - surplus. @kernel mm/hugetlb.c persistent_huge_pages */
export function persistent_huge_pages(h: hstate): number {
  return h.nr_huge_pages - h.surplus_huge_pages;
}

/**
 * The machine's hugetlb state: hstates[] (the default 2 MiB one first), and the reservation
 * maps of private mappings, keyed by the resv_map objects VMAs point at.
 */
export class hugetlb_state {
  /** The default hstate (one node until hugetlb_init sizes the per-node arrays) and any others. */
  readonly hstates: hstate[] = [new hstate(HUGETLB_PAGE_ORDER, 1)];
  /** hstates[default_hstate_idx] is default_hstate. */
  default_hstate_idx = 0;
  /** Whether the CPU has 1 GiB pages (X86_FEATURE_GBPAGES); qemu64 has not. */
  gbpages = false;
  /** The internal hugetlbfs mount's superblock (hugetlbfs_vfsmount), made at the first MAP_HUGETLB. */
  mnt: super_block | null = null;
  /**
   * Its live inodes by mapping id, so a shared huge page's mapping column finds its file
   * (page->mapping, for migration's rmap walk). Not k.vfs.mappings: the page-cache checker and
   * drop_caches walk those, and a hugetlbfs inode's i_pages stays empty (see hugetlbfs_inode).
   */
  readonly inodes = new Map<number, hugetlbfs_inode>();
}

/**
 * The reservation map of a private mapping (HPAGE_RESV_OWNER): which of its huge pages, by
 * index in the file, have been faulted (their reservation consumed). Shared by the VMAs a split
 * makes of one mapping, as the kernel shares the resv_map.
 * @kernel mm/hugetlb.c struct resv_map
 */
export interface resv_map {
  /** 1 where the page at that file index has consumed its reservation. */
  consumed: Uint8Array;
  /** VMAs referring to it (kref). */
  refs: number;
}

/**
 * A hugetlbfs inode: the inode, its hstate, and for shared mappings the reserved indexes and the
 * huge pages. Simplified: the huge pages are kept by huge page index in `huge_pages`, not in
 * i_pages (the page cache's xarray of base-page folios, which reclaim, the page-cache checker and
 * drop_caches walk; hugetlb pages are never on the LRU nor reclaimed), so i_mapping stays empty.
 */
export class hugetlbfs_inode extends inode {
  readonly hstate: hstate;
  /** The shared reservation map (inode_resv_map): 1 where an index holds a reservation or a page. */
  readonly resv: Uint8Array;
  /** The file's huge pages by huge page index (the kernel's i_pages of a hugetlbfs inode). */
  readonly huge_pages = new Map<number, number>();
  constructor(sb: super_block, ino: number, mapping_id: number, size: number, h: hstate) {
    super(sb, ino, S_IFREG | 0o600, mapping_id, empty_aops, empty_iops, hugetlbfs_file_operations, 0);
    this.i_size = size;
    this.i_nlink = 0; // unlinked: the last fput evicts it
    this.hstate = h;
    this.resv = new Uint8Array(Math.ceil(size / huge_page_size(h)));
  }
}

/** The default hstate. */
export function default_hstate(k: Kernel): hstate {
  return k.hugetlb.hstates[k.hugetlb.default_hstate_idx];
}

/** The 1 GiB hstate (a gbpages CPU has it from boot: gigantic_pages_init). */
export function gigantic_hstate(k: Kernel): hstate {
  const h = k.hugetlb.hstates.find((x) => x.order === PUD_ORDER);
  if (h === undefined) throw new KernelBug("no gigantic hstate");
  return h;
}

/** Pages held by the huge page pools, in base pages. @kernel mm/hugetlb.c hugetlb_total_pages */
export function hugetlb_total_pages(k: Kernel): number {
  let n = 0;
  for (const h of k.hugetlb.hstates) n += h.nr_huge_pages * pages_per_huge_page(h);
  return n;
}

/** The hstate of a hugetlbfs file. @kernel include/linux/hugetlb.h hstate_file, hstate_inode */
export function hstate_file(f: file): hstate {
  return (f.f_inode as hugetlbfs_inode).hstate;
}

/** The hstate of a hugetlb VMA (its file's). @kernel include/linux/hugetlb.h hstate_vma */
export function hstate_vma(k: Kernel, vma: vm_area_struct): hstate {
  const f = vma.vm_file;
  return f !== null && "hstate" in f.f_inode ? (f.f_inode as hugetlbfs_inode).hstate : default_hstate(k);
}

/** vma_hugecache_offset: the huge page index of `address` in the file. */
function vma_hugecache_offset(h: hstate, vma: vm_area_struct, address: number): number {
  return Math.floor(((address - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff) / pages_per_huge_page(h));
}

// ---------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------

/** The nodes with memory, in order. */
function nodes_with_memory(k: Kernel): number[] {
  const out: number[] = [];
  for (const p of k.node_data) if (p.node_present_pages > 0) out.push(p.node_id);
  return out;
}

/** The next node to allocate on, round-robin (for_each_node_mask_to_alloc). */
function next_node_to_alloc(k: Kernel, h: hstate, nodes: number[]): number {
  const nid = nodes.includes(h.next_nid_to_alloc) ? h.next_nid_to_alloc : nodes[0];
  const i = nodes.indexOf(nid);
  h.next_nid_to_alloc = nodes[(i + 1) % nodes.length];
  return nid;
}

/** The next node to free from, round-robin (for_each_node_mask_to_free). */
function next_node_to_free(k: Kernel, h: hstate, nodes: number[]): number {
  const nid = nodes.includes(h.next_nid_to_free) ? h.next_nid_to_free : nodes[0];
  const i = nodes.indexOf(nid);
  h.next_nid_to_free = nodes[(i + 1) % nodes.length];
  return nid;
}

/** The node of a page. */
function page_to_nid(k: Kernel, pfn: number): number {
  const z = k.page_zone(pfn);
  if (z === undefined) throw new KernelBug("hugetlb page in a hole", { pfn });
  return z.node;
}

/**
 * htlb_alloc_mask: 2 MiB pages can migrate on x86-64, so they come from movable memory
 * (GFP_HIGHUSER_MOVABLE); gigantic ones would not.
 * @kernel include/linux/hugetlb.h htlb_alloc_mask
 */
function htlb_alloc_mask(h: hstate): number {
  return hstate_is_gigantic(h) ? GFP_HIGHUSER_MOVABLE & ~0x08 : GFP_HIGHUSER_MOVABLE;
}

/**
 * A fresh huge page from the buddy allocator: compound, no warning, trying hard
 * (__GFP_RETRY_MAYFAIL: reclaim and compaction, never the OOM killer) unless the node failed
 * before in this resize (node_alloc_noretry); htlb_buddy_alloc_success or _fail.
 * @kernel mm/hugetlb.c alloc_buddy_huge_page, alloc_fresh_huge_page, prep_new_huge_page
 */
function alloc_fresh_huge_page(k: Kernel, h: hstate, gfp_mask: number, nid: number, noretry: Uint8Array | null): number {
  if (hstate_is_gigantic(h)) {
    const pfn = alloc_gigantic_page(k, h, gfp_mask, nid);
    if (pfn === NO_PFN) return NO_PFN;
    prep_compound_gigantic_page(k, pfn, h.order);
    h.nr_huge_pages++;
    h.nr_huge_pages_node[page_to_nid(k, pfn)]++;
    return pfn;
  }
  let gfp = gfp_mask | __GFP_COMP | __GFP_NOWARN;
  const try_hard = noretry === null || noretry[nid] === 0;
  if (try_hard) gfp |= __GFP_RETRY_MAYFAIL;
  const pfn = __alloc_pages(k, gfp, h.order, nid, null);
  if (pfn === NO_PFN) {
    k.vm_events[HTLB_BUDDY_PGALLOC_FAIL]++;
    if (noretry !== null && try_hard) noretry[nid] = 1;
    return NO_PFN;
  }
  k.vm_events[HTLB_BUDDY_PGALLOC]++;
  if (noretry !== null && !try_hard) noretry[nid] = 0;
  // page_ref_freeze(page, 1): a pool page has no references; prep_new_huge_page counts it.
  const mem = k.mem_map;
  mem._refcount[pfn] = 0;
  mem.flags[pfn] |= HUGETLB;
  h.nr_huge_pages++;
  h.nr_huge_pages_node[nid]++;
  return pfn;
}

/**
 * A gigantic page at run time: 2^18 contiguous pages from alloc_contig_pages (CONFIG_CONTIG_ALLOC;
 * no CMA area on Debian's default command line), the first 1 GiB-aligned range of the node's
 * zones that alloc_contig_range can empty. Not counted in htlb_buddy_alloc_*.
 * @kernel mm/hugetlb.c alloc_gigantic_page
 */
function alloc_gigantic_page(k: Kernel, h: hstate, gfp_mask: number, nid: number): number {
  return alloc_contig_pages(k, pages_per_huge_page(h), gfp_mask, nid, null);
}

/**
 * Makes the 2^order order-0 pages alloc_contig_range handed out (one reference each) one
 * compound hugetlb page with no references: the head PG_head | PG_hugetlb, the tails PG_tail
 * with their references frozen at 0, the order in page[1].
 * @kernel mm/hugetlb.c prep_compound_gigantic_page, __prep_compound_gigantic_page
 */
function prep_compound_gigantic_page(k: Kernel, pfn: number, order: number): void {
  const mem = k.mem_map;
  const nr = pow2(order);
  mem.flags[pfn] = HEAD | HUGETLB;
  mem._refcount[pfn] = 0;
  mem.flags.fill(F(PG_tail), pfn + 1, pfn + nr);
  mem._refcount.fill(0, pfn + 1, pfn + nr);
  mem.private.fill(0, pfn + 1, pfn + nr);
  mem.index.fill(0, pfn + 1, pfn + nr);
  mem.index[pfn + 1] = order;
}

/** Puts a free page on its node's free list. @kernel mm/hugetlb.c enqueue_huge_page */
function enqueue_huge_page(k: Kernel, h: hstate, pfn: number): void {
  const nid = page_to_nid(k, pfn);
  k.mem_map.lru.list_add(h.hugepage_freelists, nid, pfn);
  h.free_huge_pages++;
  h.free_huge_pages_node[nid]++;
}

/**
 * Takes a pool page out of the pool (off the free list), the counters with it, before it goes
 * back to the buddy allocator.
 * @kernel mm/hugetlb.c remove_hugetlb_page
 */
function remove_hugetlb_page(k: Kernel, h: hstate, pfn: number, adjust_surplus: boolean, wasFree: boolean): void {
  const nid = page_to_nid(k, pfn);
  if (wasFree) {
    k.mem_map.lru.list_del(h.hugepage_freelists, nid, pfn);
    h.free_huge_pages--;
    h.free_huge_pages_node[nid]--;
  } else {
    k.mem_map.lru.list_del(h.hugepage_activelist, 0, pfn);
  }
  if (adjust_surplus) {
    h.surplus_huge_pages--;
    h.surplus_huge_pages_node[nid]--;
  }
  h.nr_huge_pages--;
  h.nr_huge_pages_node[nid]--;
}

/** Gives a page removed from the pool back to the buddy allocator. @kernel mm/hugetlb.c update_and_free_page, __update_and_free_page */
function update_and_free_page(k: Kernel, h: hstate, pfn: number): void {
  const mem = k.mem_map;
  // __update_and_free_page clears PG_dirty among others (a migrated page's folio_mark_dirty).
  mem.flags[pfn] &= ~(HUGETLB | F(PG_anon_exclusive) | F(PG_uptodate) | F(PG_dirty));
  mem.private[pfn] = 0; // the hugetlb page flags
  mem.mapping[pfn] = 0;
  mem._refcount[pfn] = 1;
  if (hstate_is_gigantic(h)) {
    // free_gigantic_page: a boot-time gigantic page goes back page by page (free_contig_range).
    free_gigantic_page(k, pfn, h.order);
    return;
  }
  __free_pages(k, pfn, h.order);
}

/** A gigantic page's 2^order pages returned as MAX_ORDER - 1 blocks. @kernel mm/hugetlb.c free_gigantic_page */
function free_gigantic_page(k: Kernel, pfn: number, order: number): void {
  const mem = k.mem_map;
  const nr = pow2(order);
  for (let i = 1; i < nr; i++) {
    mem.flags[pfn + i] = 0;
    mem.index[pfn + i] = 0;
    mem.private[pfn + i] = 0;
  }
  mem.flags[pfn] &= ~HEAD;
  mem.private[pfn + 1] = 0;
  for (let p = pfn; p < pfn + nr; p += 1024) {
    mem._refcount[p] = 1;
    __free_pages(k, p, 10);
  }
}

/**
 * Takes one free page off the pool, from the next node in turn that has one (and, with
 * acct_surplus, whose surplus count allows it). NO_PFN if none.
 * @kernel mm/hugetlb.c remove_pool_huge_page
 */
function remove_pool_huge_page(k: Kernel, h: hstate, acct_surplus: boolean): number {
  const nodes = nodes_with_memory(k);
  for (let n = 0; n < nodes.length; n++) {
    const nid = next_node_to_free(k, h, nodes);
    if ((!acct_surplus || h.surplus_huge_pages_node[nid]) && h.hugepage_freelists[nid] !== NO_PFN) {
      const pfn = h.hugepage_freelists[nid];
      remove_hugetlb_page(k, h, pfn, acct_surplus, true);
      return pfn;
    }
  }
  return NO_PFN;
}

/**
 * Adds one fresh page to the pool, from the next node in turn that can give one.
 * @kernel mm/hugetlb.c alloc_pool_huge_page
 */
function alloc_pool_huge_page(k: Kernel, h: hstate, noretry: Uint8Array): boolean {
  const nodes = nodes_with_memory(k);
  const gfp = htlb_alloc_mask(h) | __GFP_THISNODE;
  for (let n = 0; n < nodes.length; n++) {
    const nid = next_node_to_alloc(k, h, nodes);
    const pfn = alloc_fresh_huge_page(k, h, gfp, nid, noretry);
    if (pfn !== NO_PFN) {
      // free_huge_page: into the pool (a fresh page is not surplus, consumed no reservation).
      enqueue_huge_page(k, h, pfn);
      return true;
    }
  }
  return false;
}

/** Moves one page in or out of surplus state. @kernel mm/hugetlb.c adjust_pool_surplus */
function adjust_pool_surplus(k: Kernel, h: hstate, delta: number): boolean {
  const nodes = nodes_with_memory(k);
  for (let n = 0; n < nodes.length; n++) {
    const nid = delta < 0 ? next_node_to_alloc(k, h, nodes) : next_node_to_free(k, h, nodes);
    if (delta < 0 ? h.surplus_huge_pages_node[nid] > 0 : h.surplus_huge_pages_node[nid] < h.nr_huge_pages_node[nid]) {
      h.surplus_huge_pages += delta;
      h.surplus_huge_pages_node[nid] += delta;
      return true;
    }
  }
  return false;
}

/**
 * Resizes the persistent pool to `count`: surplus pages become persistent first, then fresh
 * pages are allocated one at a time until one cannot be (the kernel's partial success: the
 * pool keeps what it got); shrinking frees free pages (keeping enough for the reservations)
 * and turns in-use ones surplus.
 * @kernel mm/hugetlb.c set_max_huge_pages
 */
export function set_max_huge_pages(k: Kernel, h: hstate, count: number, nid: number): number {
  if (nid >= 0) {
    const old = count;
    count += h.nr_huge_pages - h.nr_huge_pages_node[nid];
    if (count < old) count = Number.MAX_SAFE_INTEGER;
  }
  // Gigantic pages grow at run time through alloc_contig_pages (CONFIG_CONTIG_ALLOC), one
  // 1 GiB range at a time until none can be emptied: the partial success of a fragmented machine.
  while (h.surplus_huge_pages && count > persistent_huge_pages(h)) {
    if (!adjust_pool_surplus(k, h, -1)) break;
  }
  const noretry = new Uint8Array(k.node_data.length);
  while (count > persistent_huge_pages(h)) {
    if (!alloc_pool_huge_page(k, h, noretry)) break;
  }
  let min_count = h.resv_huge_pages + h.nr_huge_pages - h.free_huge_pages;
  min_count = Math.max(count, min_count);
  while (min_count < persistent_huge_pages(h)) {
    const pfn = remove_pool_huge_page(k, h, false);
    if (pfn === NO_PFN) break;
    update_and_free_page(k, h, pfn);
  }
  while (count < persistent_huge_pages(h)) {
    if (!adjust_pool_surplus(k, h, 1)) break;
  }
  h.max_huge_pages = persistent_huge_pages(h);
  return 0;
}

/**
 * A surplus page for a reservation or a fault, within nr_overcommit_hugepages. NO_PFN when the
 * overcommit is used up or the buddy allocator has no 2 MiB block.
 * @kernel mm/hugetlb.c alloc_surplus_huge_page
 */
function alloc_surplus_huge_page(k: Kernel, h: hstate): number {
  if (hstate_is_gigantic(h)) return NO_PFN;
  if (h.surplus_huge_pages >= h.nr_overcommit_huge_pages) return NO_PFN;
  const nodes = nodes_with_memory(k);
  const nid = nodes[0];
  const pfn = alloc_fresh_huge_page(k, h, htlb_alloc_mask(h), nid, null);
  if (pfn === NO_PFN) return NO_PFN;
  const pnid = page_to_nid(k, pfn);
  h.surplus_huge_pages++;
  h.surplus_huge_pages_node[pnid]++;
  return pfn;
}

/**
 * Makes sure `delta` more pages can be reserved: with too few free pages, surplus pages are
 * allocated into the pool (all or nothing). 0 or -ENOMEM.
 * @kernel mm/hugetlb.c gather_surplus_pages
 */
function gather_surplus_pages(k: Kernel, h: hstate, delta: number): number {
  let needed = h.resv_huge_pages + delta - h.free_huge_pages;
  if (needed <= 0) {
    h.resv_huge_pages += delta;
    return 0;
  }
  const got: number[] = [];
  for (let i = 0; i < needed; i++) {
    const pfn = alloc_surplus_huge_page(k, h);
    if (pfn === NO_PFN) break;
    got.push(pfn);
  }
  needed = h.resv_huge_pages + delta - (h.free_huge_pages + got.length);
  if (needed > 0) {
    // Not enough: every page allocated goes back (free_huge_page of a surplus page).
    for (const pfn of got) {
      const nid = page_to_nid(k, pfn);
      h.surplus_huge_pages--;
      h.surplus_huge_pages_node[nid]--;
      h.nr_huge_pages--;
      h.nr_huge_pages_node[nid]--;
      update_and_free_page(k, h, pfn);
    }
    return -ENOMEM;
  }
  h.resv_huge_pages += delta;
  for (const pfn of got) enqueue_huge_page(k, h, pfn);
  return 0;
}

/**
 * Gives back `unused` reservations and frees as many surplus pages as that allows.
 * @kernel mm/hugetlb.c return_unused_surplus_pages
 */
function return_unused_surplus_pages(k: Kernel, h: hstate, unused: number): void {
  h.resv_huge_pages -= unused;
  if (hstate_is_gigantic(h)) return;
  let nr_pages = Math.min(unused, h.surplus_huge_pages);
  while (nr_pages-- > 0) {
    const pfn = remove_pool_huge_page(k, h, true);
    if (pfn === NO_PFN) break;
    update_and_free_page(k, h, pfn);
  }
}

/**
 * Reserves (delta > 0) or unreserves huge pages in the global pool. -ENOMEM when the pool and
 * the overcommit cannot cover it.
 * @kernel mm/hugetlb.c hugetlb_acct_memory, allowed_mems_nr
 */
function hugetlb_acct_memory(k: Kernel, h: hstate, delta: number): number {
  if (!delta) return 0;
  if (delta > 0) {
    if (gather_surplus_pages(k, h, delta) < 0) return -ENOMEM;
    let allowed = 0;
    for (let nid = 0; nid < h.free_huge_pages_node.length; nid++) allowed += h.free_huge_pages_node[nid];
    if (delta > allowed) {
      return_unused_surplus_pages(k, h, delta);
      return -ENOMEM;
    }
    return 0;
  }
  return_unused_surplus_pages(k, h, -delta);
  return 0;
}

/**
 * A page's last reference: back on its node's free list, or, for a surplus page, back to the
 * buddy allocator. A page that consumed a reservation it had not yet handed to a mapping gives
 * the reservation back (HPageRestoreReserve).
 * @kernel mm/hugetlb.c free_huge_page
 */
export function free_huge_page(k: Kernel, head: number): void {
  const mem = k.mem_map;
  const h = hstate_of_page(k, head);
  if (h === null) throw new KernelBug("free_huge_page: no hstate for the page's order", { pfn: head });
  const nid = page_to_nid(k, head);
  mem.flags[head] &= ~F(PG_anon_exclusive);
  mem.mapping[head] = 0;
  mem.index[head] = 0;
  mem._refcount[head] = 0;
  if (mem.private[head + 2] !== 0) {
    // HPageRestoreReserve (kept in page[2].private here).
    mem.private[head + 2] = 0;
    h.resv_huge_pages++;
  }
  mem.private[head] &= ~HPG_migratable; // folio_clear_hugetlb_migratable
  if ((mem.private[head] & HPG_temporary) !== 0) {
    // A page a migration allocated beyond the pool (or the old page it replaced): not surplus,
    // it leaves the pool and goes back to the buddy allocator.
    remove_hugetlb_page(k, h, head, false, false);
    update_and_free_page(k, h, head);
    return;
  }
  mem.lru.list_del(h.hugepage_activelist, 0, head);
  if (h.surplus_huge_pages_node[nid] > 0) {
    h.surplus_huge_pages--;
    h.surplus_huge_pages_node[nid]--;
    h.nr_huge_pages--;
    h.nr_huge_pages_node[nid]--;
    update_and_free_page(k, h, head);
    return;
  }
  enqueue_huge_page(k, h, head);
}

/** The hstate of a hugetlb page, by its order. */
function hstate_of_page(k: Kernel, head: number): hstate | null {
  const order = k.mem_map.index[head + 1];
  for (const h of k.hugetlb.hstates) if (h.order === order) return h;
  return null;
}

/**
 * alloc_contig_range met hugetlb page `head` in its range: a page in use and migratable is
 * isolated onto list `list_idx` of `heads` (folio_isolate_hugetlb), for migrate_pages to move;
 * a free pool page is replaced (alloc_and_dissolve_huge_page) and goes back to the buddy
 * allocator, into the range's isolated free lists; 0 then. A gigantic page is -ENOMEM
 * (alloc_contig_range would depend on itself); a page in use that cannot be isolated (not yet
 * mapped, or isolated already) is -EBUSY.
 * @kernel mm/hugetlb.c isolate_or_dissolve_huge_page
 */
export function isolate_or_dissolve_huge_page(k: Kernel, head: number, heads: Int32Array, list_idx: number): number {
  const mem = k.mem_map;
  if ((mem.flags[head] & HEAD) === 0 || (mem.flags[head] & HUGETLB) === 0) return 0;
  const h = hstate_of_page(k, head);
  if (h === null) throw new KernelBug("isolate_or_dissolve_huge_page: hugetlb page of no hstate", { pfn: head });
  if (hstate_is_gigantic(h)) return -errnoValues.ENOMEM;
  if (mem._refcount[head] !== 0) return folio_isolate_hugetlb(k, head, heads, list_idx);
  return alloc_and_dissolve_huge_page(k, h, head);
}

/**
 * Isolates a hugetlb page in use for migration: off the active list onto list `list_idx` of
 * `heads`, not migratable meanwhile, with a reference of its own. -EBUSY unless it is a
 * migratable hugetlb head with references.
 * @kernel mm/hugetlb.c folio_isolate_hugetlb
 */
export function folio_isolate_hugetlb(k: Kernel, head: number, heads: Int32Array, list_idx: number): number {
  const mem = k.mem_map;
  if ((mem.flags[head] & (HEAD | HUGETLB)) !== (HEAD | HUGETLB) || (mem.private[head] & HPG_migratable) === 0 || mem._refcount[head] === 0) {
    return -errnoValues.EBUSY;
  }
  mem._refcount[head]++;
  mem.private[head] &= ~HPG_migratable;
  mem.lru.list_del(hstate_of_page(k, head)!.hugepage_activelist, 0, head);
  mem.lru.list_add_tail(heads, list_idx, head);
  return 0;
}

/**
 * Un-isolates a hugetlb page: migratable again, back on the active list, the isolation's
 * reference dropped (the last one frees it: a migrated page's old copy).
 * @kernel mm/hugetlb.c folio_putback_hugetlb
 */
export function folio_putback_hugetlb(k: Kernel, head: number): void {
  const mem = k.mem_map;
  mem.private[head] |= HPG_migratable;
  mem.lru.list_add_tail(hstate_of_page(k, head)!.hugepage_activelist, 0, head);
  put_huge_page(k, head);
}

/** Whether `pfn` is the head of a hugetlb page (PageHeadHuge). */
export function PageHeadHuge(k: Kernel, pfn: number): boolean {
  return (k.mem_map.flags[pfn] & (HEAD | HUGETLB)) === (HEAD | HUGETLB);
}

/**
 * The target of a hugetlb page's migration (alloc_migration_target's hugetlb branch): a free
 * pool page beyond the reservations, `nid`'s first (dequeue_huge_page_nodemask), else a fresh
 * page from the buddy allocator that is not counted surplus but marked temporary
 * (alloc_migrate_huge_page): HugePages_Total is one more until the old page, which takes over
 * the temporary mark (move_hugetlb_state), is freed. The page has one reference; NO_PFN if none.
 * Simplified: the fresh page goes on the active list at once (6.1 puts it there in
 * move_hugetlb_state; nothing can see the difference).
 * @kernel mm/hugetlb.c alloc_huge_page_nodemask, available_huge_pages, dequeue_huge_page_nodemask,
 *   dequeue_huge_page_node_exact, alloc_migrate_huge_page
 * @kernel include/linux/hugetlb.h htlb_modify_alloc_mask
 */
export function alloc_huge_page_nodemask(k: Kernel, src: number, nid: number, gfp_mask: number): number {
  const h = hstate_of_page(k, src);
  if (h === null) throw new KernelBug("alloc_huge_page_nodemask: hugetlb page of no hstate", { pfn: src });
  const mem = k.mem_map;
  if (h.free_huge_pages - h.resv_huge_pages > 0) {
    // The preferred node, then the others (its zonelist's order).
    const nodes = nodes_with_memory(k);
    const order = [nid, ...nodes.filter((n) => n !== nid)];
    for (const n of order) {
      const pfn = h.hugepage_freelists[n];
      if (pfn === NO_PFN) continue;
      mem.lru.list_del(h.hugepage_freelists, n, pfn);
      mem.lru.list_add(h.hugepage_activelist, 0, pfn);
      mem._refcount[pfn] = 1;
      h.free_huge_pages--;
      h.free_huge_pages_node[n]--;
      return pfn;
    }
  }
  if (hstate_is_gigantic(h)) return NO_PFN;
  // htlb_modify_alloc_mask: the hstate's mask with the caller's __GFP_THISNODE and __GFP_NOWARN.
  const gfp = htlb_alloc_mask(h) | (gfp_mask & (__GFP_THISNODE | __GFP_NOWARN));
  const pfn = alloc_fresh_huge_page(k, h, gfp, nid, null);
  if (pfn === NO_PFN) return NO_PFN;
  mem._refcount[pfn] = 1; // set_page_refcounted
  mem.private[pfn] |= HPG_temporary;
  mem.lru.list_add(h.hugepage_activelist, 0, pfn);
  return pfn;
}

/**
 * A migrated hugetlb page's state moves to its new page: a temporary new page makes the old one
 * temporary instead (it is the one to leave the pool), with the per-node surplus count when
 * they are on different nodes; the new page becomes migratable.
 * @kernel mm/hugetlb.c move_hugetlb_state
 */
export function move_hugetlb_state(k: Kernel, oldpage: number, newpage: number): void {
  const mem = k.mem_map;
  const h = hstate_of_page(k, oldpage)!;
  if ((mem.private[newpage] & HPG_temporary) !== 0) {
    mem.private[oldpage] |= HPG_temporary;
    mem.private[newpage] &= ~HPG_temporary;
    const old_nid = page_to_nid(k, oldpage);
    const new_nid = page_to_nid(k, newpage);
    if (new_nid !== old_nid && h.surplus_huge_pages_node[old_nid] > 0) {
      h.surplus_huge_pages_node[old_nid]--;
      h.surplus_huge_pages_node[new_nid]++;
    }
  }
  mem.private[newpage] |= HPG_migratable;
}

/**
 * A shared (hugetlbfs) page's place in its file moves to `dst` (hugetlbfs_migrate_folio →
 * migrate_huge_page_move_mapping): -EAGAIN unless only the page cache and the isolation hold it;
 * the page cache's reference moves with the slot.
 * @kernel fs/hugetlbfs/inode.c hugetlbfs_migrate_folio
 * @kernel mm/migrate.c migrate_huge_page_move_mapping
 */
export function migrate_huge_page_move_mapping(k: Kernel, dst: number, src: number): number {
  const mem = k.mem_map;
  if (mem._refcount[src] !== 2) return -errnoValues.EAGAIN;
  const hino = hugetlb_page_inode(k, src);
  if (hino === undefined) throw new KernelBug("hugetlb page cache page without its hugetlbfs inode", { pfn: src });
  const idx = mem.index[src] / pages_per_huge_page(hstate_of_page(k, src)!);
  if (hino.huge_pages.get(idx) !== src) throw new KernelBug("hugetlbfs inode does not hold the page at its index", { pfn: src, idx });
  mem.index[dst] = mem.index[src];
  mem.mapping[dst] = mem.mapping[src];
  mem._refcount[dst]++;
  hino.huge_pages.set(idx, dst);
  mem._refcount[src]--;
  return 0;
}

/**
 * Replaces free pool page `old` by a fresh one from the buddy allocator on the same node
 * (__GFP_THISNODE; htlb_buddy_alloc_success or _fail), which takes its place on the free list,
 * and frees `old` to the buddy allocator: HugePages_Total and _Free unchanged. -ENOMEM when no
 * fresh page could be had.
 * @kernel mm/hugetlb.c alloc_and_dissolve_huge_page, alloc_buddy_huge_page, __prep_new_huge_page
 */
function alloc_and_dissolve_huge_page(k: Kernel, h: hstate, old: number): number {
  const nid = page_to_nid(k, old);
  const pfn = alloc_fresh_huge_page(k, h, htlb_alloc_mask(h) | __GFP_THISNODE, nid, null);
  if (pfn === NO_PFN) return -errnoValues.ENOMEM;
  // alloc_fresh_huge_page counted the new page (__prep_account_new_huge_page); the old one
  // leaves the pool's counts and its free list, the new one joins the list.
  remove_hugetlb_page(k, h, old, false, true);
  enqueue_huge_page(k, h, pfn);
  update_and_free_page(k, h, old);
  return 0;
}

/**
 * A page for a fault at `addr`: from the free pool — consuming the mapping's reservation when
 * it has one (vma_has_reserves), else only if free pages exceed the reservations — or a fresh
 * surplus page. -ENOSPC when there is none (the fault then fails with SIGBUS).
 * @kernel mm/hugetlb.c alloc_huge_page, dequeue_huge_page_vma, vma_has_reserves
 */
function alloc_huge_page(k: Kernel, h: hstate, vma: vm_area_struct, idx: number): number {
  const has_reserve = vma_has_reserves(k, vma, idx);
  const mem = k.mem_map;
  let pfn = NO_PFN;
  if (has_reserve || h.free_huge_pages - h.resv_huge_pages > 0) {
    // dequeue_huge_page_nodemask: this node's list first, then the others.
    const nodes = nodes_with_memory(k);
    for (const nid of nodes) {
      if (h.hugepage_freelists[nid] === NO_PFN) continue;
      pfn = h.hugepage_freelists[nid];
      mem.lru.list_del(h.hugepage_freelists, nid, pfn);
      h.free_huge_pages--;
      h.free_huge_pages_node[nid]--;
      break;
    }
  }
  if (pfn === NO_PFN) {
    pfn = alloc_surplus_huge_page(k, h);
    if (pfn === NO_PFN) return -ENOSPC;
  }
  if (has_reserve) {
    mem.private[pfn + 2] = 1; // SetHPageRestoreReserve
    h.resv_huge_pages--;
  }
  mem.lru.list_add(h.hugepage_activelist, 0, pfn);
  mem._refcount[pfn] = 1;
  vma_commit_reservation(k, vma, idx);
  return pfn;
}

/** Does `vma` hold an unconsumed reservation for huge page `idx`? @kernel mm/hugetlb.c vma_has_reserves */
function vma_has_reserves(k: Kernel, vma: vm_area_struct, idx: number): boolean {
  if ((vma.vm_flags & VM_NORESERVE) !== 0) return false;
  const f = vma.vm_file;
  if ((vma.vm_flags & VM_MAYSHARE) !== 0) {
    // A shared mapping's reservation is the inode's, until a page is in the page cache.
    return f !== null && "resv" in f.f_inode && (f.f_inode as hugetlbfs_inode).resv[idx] === 1 && !(f.f_inode as hugetlbfs_inode).huge_pages.has(idx);
  }
  const map = vma.vm_private_data;
  return map !== null && map.consumed[idx] === 0;
}

/** Records a private mapping's reservation as consumed. @kernel mm/hugetlb.c vma_commit_reservation */
function vma_commit_reservation(_k: Kernel, vma: vm_area_struct, idx: number): void {
  if ((vma.vm_flags & VM_MAYSHARE) !== 0) return;
  const map = vma.vm_private_data;
  if (map !== null && idx < map.consumed.length) map.consumed[idx] = 1;
}

// ---------------------------------------------------------------------------------------------
// Reservations at mmap and munmap
// ---------------------------------------------------------------------------------------------

/**
 * Reserves the huge pages of [from, to) (huge page indexes) for a new mapping: a private one
 * reserves its whole size (its own resv_map), a shared one the indexes of the file not yet
 * reserved. False when the pool (with overcommit) cannot cover them.
 * @kernel mm/hugetlb.c hugetlb_reserve_pages
 */
export function hugetlb_reserve_pages(k: Kernel, ino: hugetlbfs_inode, from: number, to: number, vma: vm_area_struct | null, vm_flags: number): boolean {
  if (from > to) return false;
  if ((vm_flags & VM_NORESERVE) !== 0) return true;
  const h = ino.hstate;
  let chg: number;
  if (vma === null || (vma.vm_flags & VM_MAYSHARE) !== 0) {
    chg = 0;
    for (let i = from; i < to; i++) if (ino.resv[i] === 0) chg++;
  } else {
    chg = to - from;
    vma.vm_private_data = { consumed: new Uint8Array(to), refs: 1 };
  }
  if (hugetlb_acct_memory(k, h, chg) < 0) {
    if (vma !== null && (vma.vm_flags & VM_MAYSHARE) === 0) vma.vm_private_data = null;
    return false;
  }
  if (vma === null || (vma.vm_flags & VM_MAYSHARE) !== 0) for (let i = from; i < to; i++) ino.resv[i] = 1;
  return true;
}

/**
 * A private hugetlb VMA goes away: the reservations it did not consume go back.
 * @kernel mm/hugetlb.c hugetlb_vm_op_close
 */
export function hugetlb_vm_op_close(k: Kernel, vma: vm_area_struct): void {
  const map = vma.vm_private_data;
  if (map === null || (vma.vm_flags & VM_MAYSHARE) !== 0) return;
  const h = hstate_vma(k, vma);
  const start = vma_hugecache_offset(h, vma, vma.vm_start);
  const end = vma_hugecache_offset(h, vma, vma.vm_end);
  let reserve = 0;
  for (let i = start; i < end; i++) if (i >= map.consumed.length || map.consumed[i] === 0) reserve++;
  map.refs--;
  vma.vm_private_data = null;
  if (reserve) hugetlb_acct_memory(k, h, -reserve);
}

/** A new VMA shares its origin's reservation map (vm_area_dup, split). @kernel mm/hugetlb.c hugetlb_vm_op_open */
export function hugetlb_vm_op_open(vma: vm_area_struct): void {
  if (vma.vm_private_data !== null) vma.vm_private_data.refs++;
}

/** A hugetlb VMA may only be split at a huge page boundary. @kernel mm/hugetlb.c hugetlb_vm_op_split */
export function hugetlb_vm_op_split(k: Kernel, vma: vm_area_struct, addr: number): number {
  return addr % huge_page_size(hstate_vma(k, vma)) !== 0 ? -EINVAL : 0;
}

// ---------------------------------------------------------------------------------------------
// hugetlbfs files
// ---------------------------------------------------------------------------------------------

/** The internal hugetlbfs mount's device: 0:15 in the captures' maps (/anon_hugepage (deleted)). */
const HUGETLBFS_DEV = Object.freeze({ major: 0, minor: 15 });

/**
 * hugetlbfs_file_mmap: VM_HUGETLB | VM_DONTEXPAND, the offset and length huge-page aligned,
 * and the mapping's reservation (hugetlb_reserve_pages), ENOMEM if it cannot be had.
 * @kernel fs/hugetlbfs/inode.c hugetlbfs_file_mmap
 */
function hugetlbfs_file_mmap(k: Kernel, f: file, vma: vm_area_struct): number {
  const ino = f.f_inode as hugetlbfs_inode;
  const h = ino.hstate;
  vma.vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
  if (vma.vm_pgoff % pages_per_huge_page(h) !== 0) return -EINVAL;
  const len = vma.vm_end - vma.vm_start + vma.vm_pgoff * PAGE_SIZE;
  if (len > ino.i_size && (vma.vm_flags & VM_MAYSHARE) !== 0) ino.i_size = len;
  const from = vma.vm_pgoff / pages_per_huge_page(h);
  const to = len / huge_page_size(h);
  if (!hugetlb_reserve_pages(k, ino, from, to, vma, vma.vm_flags)) return -ENOMEM;
  return 0;
}

/**
 * The last reference to a hugetlbfs file: its page cache pages go back to the pool and the
 * reservations no page used are returned.
 * @kernel fs/hugetlbfs/inode.c hugetlbfs_evict_inode, remove_inode_hugepages, hugetlb_unreserve_pages
 */
function hugetlbfs_release(k: Kernel, f: file): void {
  const ino = f.f_inode as hugetlbfs_inode;
  const h = ino.hstate;
  const pages = ino.huge_pages;
  let freed = 0;
  for (const [idx, pfn] of pages) {
    pages.delete(idx);
    freed++;
    const mem = k.mem_map;
    if (--mem._refcount[pfn] === 0) free_huge_page(k, pfn);
  }
  let reserved = 0;
  for (let i = 0; i < ino.resv.length; i++) if (ino.resv[i]) reserved++;
  ino.resv.fill(0);
  // hugetlb_unreserve_pages: what was reserved but never backed by a page.
  const unused = reserved - freed;
  if (unused > 0) hugetlb_acct_memory(k, h, -unused);
  k.hugetlb.inodes.delete(ino.i_mapping.id);
}

/** The hugetlbfs inode a shared huge page belongs to (folio_mapping's host), or undefined. */
export function hugetlb_page_inode(k: Kernel, head: number): hugetlbfs_inode | undefined {
  const id = k.mem_map.mapping[head];
  return id > 0 ? k.hugetlb.inodes.get(id) : undefined;
}

/**
 * An unlinked file on the internal hugetlbfs mount, for MAP_HUGETLB: its own inode number, size
 * `size`, no reservation yet (VM_NORESERVE: the mmap takes them).
 * @kernel fs/hugetlbfs/inode.c hugetlb_file_setup
 */
export function hugetlb_file_setup(k: Kernel, size: number, h: hstate): file {
  const hs = k.hugetlb;
  if (hs.mnt === null) hs.mnt = new super_block("hugetlbfs", HUGETLBFS_DEV.major, HUGETLBFS_DEV.minor, hugetlbfs_ops, "hugetlbfs");
  const ino = new hugetlbfs_inode(hs.mnt, ++k.vfs.last_ino, new_mapping_id(k), size, h);
  hs.inodes.set(ino.i_mapping.id, ino);
  return new file(ino, "/anon_hugepage (deleted)", null, FMODE_READ | FMODE_WRITE, 0);
}

/**
 * The hugetlbfs superblock's operations: eviction has nothing left to do, since the file's
 * release gave its pages and reservations back (hugetlbfs_release).
 */
export const hugetlbfs_ops: super_operations = Object.freeze({
  name: "hugetlbfs_ops",
  evict_inode: (): void => {},
});

/** The hugetlbfs file operations: mmap, release, and the huge-page-aligned address search. */
export const hugetlbfs_file_operations: file_operations = Object.freeze({
  name: "hugetlbfs_file_operations",
  mmap: (f: file, vma: vm_area_struct, k: Kernel): number => hugetlbfs_file_mmap(k, f, vma),
  release: (k: Kernel, f: file): void => hugetlbfs_release(k, f),
  get_unmapped_area: (mm: mm_struct, f: file | null, addr: number, len: number, pgoff: number, flags: number): number =>
    hugetlb_get_unmapped_area(mm, f as file, addr, len, pgoff, flags),
});

/** Is this a hugetlbfs file? @kernel include/linux/hugetlb.h is_file_hugepages */
export function is_file_hugepages(f: file | null): boolean {
  return f !== null && f.f_op === hugetlbfs_file_operations;
}

/**
 * The address of a hugetlb mapping: huge-page aligned (the length too), top-down below
 * mmap_base like any other; MAP_FIXED must be aligned already.
 * @kernel arch/x86/mm/hugetlbpage.c hugetlb_get_unmapped_area, hugetlb_get_unmapped_area_topdown
 */
function hugetlb_get_unmapped_area(mm: mm_struct, f: file, addr: number, len: number, _pgoff: number, flags: number): number {
  const h = (f.f_inode as hugetlbfs_inode).hstate;
  const size = huge_page_size(h);
  if (len % size !== 0) return -EINVAL;
  if (flags & 0x10 /* MAP_FIXED */) {
    if (addr % size !== 0) return -EINVAL;
    return addr;
  }
  return vm_unmapped_area_aligned(mm, addr - (addr % size), len, size);
}

// ---------------------------------------------------------------------------------------------
// Faults and unmapping
// ---------------------------------------------------------------------------------------------

/** make_huge_pte: young, writable and dirty only where asked (shared writable mappings). */
function make_huge_pte(vma: vm_area_struct, writable: boolean): number {
  let entry = vma.vm_page_prot;
  if (writable) entry |= _PAGE_RW | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
  else entry &= ~_PAGE_RW;
  return pmd_mkhuge(entry | _PAGE_ACCESSED);
}

/**
 * A fault in a hugetlb VMA: the huge PTE (a PMD leaf for 2 MiB pages) is filled by
 * hugetlb_no_page, or a write to a read-only private page goes to hugetlb_wp; otherwise the
 * entry is made young (and dirty for a write).
 * @kernel mm/hugetlb.c hugetlb_fault
 */
export function hugetlb_fault(k: Kernel, vma: vm_area_struct, address: number, flags: number): number {
  const h = hstate_vma(k, vma);
  if (hstate_is_gigantic(h)) return VM_FAULT_SIGBUS;
  const mm = vma.vm_mm;
  if (mm.pgd === NO_TABLE) throw new KernelBug("hugetlb_fault: mm without pgd");
  const haddr = address - (address % huge_page_size(h));
  const pmdi = pmd_alloc(k, mm, haddr);
  if (pmdi < 0) return VM_FAULT_OOM;
  const pool = k.pgtables;
  const f = pool.ent_flags[pmdi];
  if (f === 0 && pool.ent_pfn[pmdi] === 0) return hugetlb_no_page(k, h, vma, haddr, pmdi, flags);
  if (!pmd_leaf(f)) throw new KernelBug("hugetlb_fault: a PTE table under a hugetlb VMA", { address });
  if ((flags & FAULT_FLAG_WRITE) !== 0 && (f & _PAGE_RW) === 0) return hugetlb_wp(k, h, vma, haddr, pmdi);
  pool.ent_flags[pmdi] = f | _PAGE_ACCESSED | ((flags & FAULT_FLAG_WRITE) !== 0 ? _PAGE_DIRTY | _PAGE_SOFT_DIRTY : 0);
  return 0;
}

/**
 * The first fault on a huge page of the mapping: a shared one finds the page in the file's page
 * cache or adds a new one; a private one gets an anonymous page of its own (a write then makes
 * it writable at once). Beyond the file: SIGBUS; no page: SIGBUS (the pool is out).
 * @kernel mm/hugetlb.c hugetlb_no_page
 */
function hugetlb_no_page(k: Kernel, h: hstate, vma: vm_area_struct, haddr: number, pmdi: number, flags: number): number {
  const f = vma.vm_file;
  if (f === null) return VM_FAULT_SIGBUS;
  const ino = f.f_inode as hugetlbfs_inode;
  const mem = k.mem_map;
  const idx = vma_hugecache_offset(h, vma, haddr);
  const shared = (vma.vm_flags & VM_MAYSHARE) !== 0;
  let page = shared ? (ino.huge_pages.get(idx) ?? NO_PFN) : NO_PFN;
  const new_page = page === NO_PFN;
  if (!new_page) {
    mem._refcount[page]++;
  } else {
    if (idx >= Math.ceil(ino.i_size / huge_page_size(h))) return VM_FAULT_SIGBUS;
    const r = alloc_huge_page(k, h, vma, idx);
    if (r < 0) return r === -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
    page = r;
    // clear_huge_page
    fresh_page_contents(mem, k, page, pages_per_huge_page(h));
    mem.flags[page] |= F(PG_uptodate);
    if (shared) {
      // huge_add_to_page_cache: the page cache's reference; the reservation is now the page.
      ino.huge_pages.set(idx, page);
      mem.mapping[page] = ino.i_mapping.id;
      mem.index[page] = idx * pages_per_huge_page(h);
      mem._refcount[page]++;
      mem.private[page + 2] = 0;
    } else {
      fault_anon_vma_prepare(k, vma);
    }
  }
  const pool = k.pgtables;
  if (!shared) {
    // ClearHPageRestoreReserve; hugepage_add_new_anon_rmap: compound mapcount 1, exclusive.
    mem.private[page + 2] = 0;
    const av = vma.anon_vma;
    if (av === null) throw new KernelBug("hugetlb_no_page: private mapping without anon_vma");
    mem.mapping[page] = -av.id;
    mem.index[page] = ((haddr - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff) | 0;
    mem.flags[page] |= F(PG_anon_exclusive);
    mem.private[page + 1] = 1;
  } else {
    mem.private[page + 1]++; // page_dup_file_rmap(page, true)
  }
  const writable = (vma.vm_flags & (VM_WRITE | VM_SHARED)) === (VM_WRITE | VM_SHARED);
  set_pte_at(pool, pmdi, page, make_huge_pte(vma, writable));
  // Only a newly allocated page becomes migratable here (a page cache one already is).
  if (new_page) mem.private[page] |= HPG_migratable;
  vma.vm_mm.hugetlb_usage += pages_per_huge_page(h);
  if ((flags & FAULT_FLAG_WRITE) !== 0 && (vma.vm_flags & VM_SHARED) === 0) return hugetlb_wp(k, h, vma, haddr, pmdi);
  return 0;
}

/**
 * A write to a read-only private huge page: reused in place when only this mapping has it
 * (exclusive, or mapped once), else copied into a new huge page (the pool must have one).
 * @kernel mm/hugetlb.c hugetlb_wp
 */
function hugetlb_wp(k: Kernel, h: hstate, vma: vm_area_struct, haddr: number, pmdi: number): number {
  const pool = k.pgtables;
  const mem = k.mem_map;
  const old = pool.ent_pfn[pmdi];
  if (mem.private[old + 1] === 1 && mem.mapping[old] < 0) {
    const av = vma.anon_vma;
    if (av !== null && (mem.flags[old] & F(PG_anon_exclusive)) === 0) {
      mem.mapping[old] = -av.id; // page_move_anon_rmap
      mem.flags[old] |= F(PG_anon_exclusive);
    }
    pool.ent_flags[pmdi] |= _PAGE_RW | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_ACCESSED; // set_huge_ptep_writable
    return 0;
  }
  const idx = vma_hugecache_offset(h, vma, haddr);
  const r = alloc_huge_page(k, h, vma, idx);
  if (r < 0) return r === -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
  const page = r;
  for (let i = 0; i < pages_per_huge_page(h); i++) copy_page_content(mem, page + i, old + i);
  mem.private[page] |= HPG_migratable; // SetHPageMigratable(new_page)
  mem.flags[page] |= F(PG_uptodate);
  fault_anon_vma_prepare(k, vma);
  const av = vma.anon_vma;
  if (av === null) throw new KernelBug("hugetlb_wp: no anon_vma");
  mem.private[page + 2] = 0;
  mem.mapping[page] = -av.id;
  mem.index[page] = ((haddr - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff) | 0;
  mem.flags[page] |= F(PG_anon_exclusive);
  mem.private[page + 1] = 1;
  // The old page loses this mapping and its reference.
  mem.private[old + 1]--;
  pool.ent_pfn[pmdi] = page;
  pool.ent_flags[pmdi] = make_huge_pte(vma, true);
  put_huge_page(k, old);
  return 0;
}

/** Drops a reference to a hugetlb page; the last one returns it to the pool (folio_put). */
export function put_huge_page(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  const ref = --mem._refcount[pfn];
  if (ref < 0) throw new KernelBug("hugetlb page refcount underflow", { pfn });
  if (ref === 0) free_huge_page(k, pfn);
}

/**
 * Unmaps the huge pages of [start, end) of a hugetlb VMA: each entry cleared, the page's
 * mapping and reference dropped, hugetlb_usage down.
 * @kernel mm/hugetlb.c __unmap_hugepage_range
 */
export function __unmap_hugepage_range(k: Kernel, vma: vm_area_struct, start: number, end: number): void {
  const h = hstate_vma(k, vma);
  const size = huge_page_size(h);
  const mm = vma.vm_mm;
  const pool = k.pgtables;
  const mem = k.mem_map;
  for (let a = start - (start % size); a < end; a += size) {
    const pmdi = pmd_offset(k, mm.pgd, a);
    if (pmdi < 0) continue;
    const f = pool.ent_flags[pmdi];
    if (f === 0 && pool.ent_pfn[pmdi] === 0) continue;
    const page = pool.ent_pfn[pmdi];
    pte_clear(pool, pmdi);
    if ((f & _PAGE_DIRTY) !== 0 && mem.mapping[page] > 0) {
      // set_page_dirty on a shared page: the page cache keeps the data.
    }
    mem.private[page + 1]--;
    mm.hugetlb_usage -= pages_per_huge_page(h);
    put_huge_page(k, page);
  }
}

/**
 * fork's copy of a hugetlb VMA: shared pages are mapped again; private ones too, write-protected
 * on both sides (copy-on-write through hugetlb_wp), losing their exclusive mark.
 * @kernel mm/hugetlb.c copy_hugetlb_page_range
 */
export function copy_hugetlb_page_range(k: Kernel, dst: vm_area_struct, src: vm_area_struct): number {
  const h = hstate_vma(k, src);
  const size = huge_page_size(h);
  const pool = k.pgtables;
  const mem = k.mem_map;
  const cow = (src.vm_flags & (VM_SHARED | 0x20)) === 0x20;
  for (let a = src.vm_start; a < src.vm_end; a += size) {
    const spmdi = pmd_offset(k, src.vm_mm.pgd, a);
    if (spmdi < 0) continue;
    let f = pool.ent_flags[spmdi];
    const page = pool.ent_pfn[spmdi];
    if (f === 0 && page === 0) continue;
    const dpmdi = pmd_alloc(k, dst.vm_mm, a);
    if (dpmdi < 0) return -ENOMEM;
    mem._refcount[page]++;
    mem.private[page + 1]++;
    mem.flags[page] &= ~F(PG_anon_exclusive);
    if (cow) {
      f &= ~_PAGE_RW;
      pool.ent_flags[spmdi] = f;
    }
    set_pte_at(pool, dpmdi, page, f);
    dst.vm_mm.hugetlb_usage += pages_per_huge_page(h);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// /proc and /sys
// ---------------------------------------------------------------------------------------------

/**
 * meminfo's HugePages_* block (the default hstate) and the Hugetlb line (every pool).
 * @kernel mm/hugetlb.c hugetlb_report_meminfo
 */
export function hugetlb_report_meminfo(k: Kernel): string {
  let total = 0;
  let s = "";
  k.hugetlb.hstates.forEach((h, i) => {
    total += huge_page_size(h) * h.nr_huge_pages;
    if (i === k.hugetlb.default_hstate_idx) {
      s +=
        `HugePages_Total:   ${String(h.nr_huge_pages).padStart(5)}\n` +
        `HugePages_Free:    ${String(h.free_huge_pages).padStart(5)}\n` +
        `HugePages_Rsvd:    ${String(h.resv_huge_pages).padStart(5)}\n` +
        `HugePages_Surp:    ${String(h.surplus_huge_pages).padStart(5)}\n` +
        `Hugepagesize:   ${String(huge_page_size(h) / 1024).padStart(8)} kB\n`;
    }
  });
  return s + `Hugetlb:        ${String(total / 1024).padStart(8)} kB\n`;
}

/** The per-node meminfo lines. @kernel mm/hugetlb.c hugetlb_report_node_meminfo */
export function hugetlb_report_node_meminfo(k: Kernel, nid: number): string {
  const h = default_hstate(k);
  return (
    `Node ${nid} HugePages_Total: ${String(h.nr_huge_pages_node[nid] ?? 0).padStart(5)}\n` +
    `Node ${nid} HugePages_Free:  ${String(h.free_huge_pages_node[nid] ?? 0).padStart(5)}\n` +
    `Node ${nid} HugePages_Surp:  ${String(h.surplus_huge_pages_node[nid] ?? 0).padStart(5)}\n`
  );
}

/** status's HugetlbPages line. @kernel mm/hugetlb.c hugetlb_report_usage */
export function hugetlb_report_usage(mm: mm_struct): string {
  return `HugetlbPages:\t${String(mm.hugetlb_usage << (PAGE_SHIFT - 10)).padStart(8)} kB\n`;
}

/** The files of one /sys/kernel/mm/hugepages/hugepages-NkB directory. */
export const hstate_attrs: readonly string[] = Object.freeze([
  "free_hugepages",
  "nr_hugepages",
  "nr_hugepages_mempolicy",
  "nr_overcommit_hugepages",
  "resv_hugepages",
  "surplus_hugepages",
]);

/**
 * Reads one hstate attribute (nid -1: the global one, else the node's).
 * @kernel mm/hugetlb.c nr_hugepages_show_common, free_hugepages_show, resv_hugepages_show,
 *   surplus_hugepages_show, nr_overcommit_hugepages_show
 */
export function hstate_attr_show(h: hstate, name: string, nid: number): string {
  switch (name) {
    case "nr_hugepages":
    case "nr_hugepages_mempolicy":
      return `${nid < 0 ? h.nr_huge_pages : h.nr_huge_pages_node[nid]}\n`;
    case "free_hugepages":
      return `${nid < 0 ? h.free_huge_pages : h.free_huge_pages_node[nid]}\n`;
    case "resv_hugepages":
      return `${h.resv_huge_pages}\n`;
    case "surplus_hugepages":
      return `${nid < 0 ? h.surplus_huge_pages : h.surplus_huge_pages_node[nid]}\n`;
    case "nr_overcommit_hugepages":
      return `${h.nr_overcommit_huge_pages}\n`;
  }
  return "";
}

/**
 * Writes one hstate attribute: nr_hugepages resizes the pool (kstrtoul, -EINVAL on garbage),
 * nr_overcommit_hugepages sets the surplus limit (-EINVAL for gigantic pages).
 * @kernel mm/hugetlb.c __nr_hugepages_store_common, nr_hugepages_store_common,
 *   nr_overcommit_hugepages_store
 */
export function hstate_attr_store(k: Kernel, h: hstate, name: string, buf: string, nid: number): number {
  if (name === "nr_overcommit_hugepages" && hstate_is_gigantic(h)) return -EINVAL;
  // kstrtoul's own answer: -EINVAL for garbage, -ERANGE past 2^64 - 1.
  const v = kstrtoul10(buf);
  if (typeof v !== "number") return v.err;
  if (name === "nr_hugepages" || name === "nr_hugepages_mempolicy") return set_max_huge_pages(k, h, v, nid);
  if (name === "nr_overcommit_hugepages") {
    h.nr_overcommit_huge_pages = v;
    return 0;
  }
  return -EINVAL;
}

// ---------------------------------------------------------------------------------------------
// Boot
// ---------------------------------------------------------------------------------------------

/**
 * hugetlb's boot: the default 2 MiB hstate, a 1 GiB one when the command line asks and the CPU
 * has gbpages, boot-time pools (hugepages=N after hugepagesz=), and the vm table's
 * set_max_huge_pages effect. Gigantic pages are taken from memblock before the buddy allocator
 * sees them (`alloc` is memblock's allocator: a pfn or NO_PFN); 2 MiB ones from the buddy.
 * @kernel mm/hugetlb.c hugetlb_init, hugetlb_add_hstate, hugepagesz_setup, hugepages_setup,
 *   hugetlb_hstate_alloc_pages, alloc_bootmem_huge_page, gather_bootmem_prealloc
 */
export function hugetlb_init(k: Kernel, cmdline: readonly { size: number; count: number }[]): void {
  const nr_nodes = k.node_data.length;
  const hs = k.hugetlb.hstates;
  hs.length = 0;
  hs.push(new hstate(HUGETLB_PAGE_ORDER, nr_nodes));
  k.hugetlb.default_hstate_idx = 0;
  for (const req of cmdline) {
    if (req.size === 2 * 1024 * 1024) continue;
    if (req.size !== 1024 * 1024 * 1024 || !k.hugetlb.gbpages) {
      k.log.printk(KERN_WARNING, `HugeTLB: unsupported hugepagesz=${req.size >= 1 << 30 ? `${req.size / 2 ** 30}G` : `${req.size / 1024}K`}`);
      continue;
    }
    if (!hs.some((h) => h.order === PUD_ORDER)) hs.push(new hstate(PUD_ORDER, nr_nodes));
  }
  // gigantic_pages_init (arch/x86): with CONFIG_CONTIG_ALLOC a CPU with gbpages always has the
  // 1 GiB hstate, its pool grown at run time by nr_hugepages.
  if (k.hugetlb.gbpages && !hs.some((h) => h.order === PUD_ORDER)) hs.push(new hstate(PUD_ORDER, nr_nodes));
  registerVmSysctlEffect(k, "set_max_huge_pages", hugetlb_sysctl_set_max_huge_pages);
}

/** vm.nr_hugepages' effect: resize the default pool. @kernel mm/hugetlb.c hugetlb_sysctl_handler_common */
export function hugetlb_sysctl_set_max_huge_pages(k: Kernel, count: number): void {
  set_max_huge_pages(k, default_hstate(k), count, -1);
}

/**
 * The boot-time pools of 2 MiB pages (hugepages=N): allocated from the buddy allocator as
 * nr_hugepages would, after mem_init. Logs hugetlb_init's "registered" line per hstate.
 * @kernel mm/hugetlb.c hugetlb_hstate_alloc_pages, report_hugepages
 */
export function hugetlb_boot_pools(k: Kernel, cmdline: readonly { size: number; count: number }[]): void {
  for (const req of cmdline) {
    const h = k.hugetlb.hstates.find((x) => huge_page_size(x) === req.size);
    if (h === undefined || hstate_is_gigantic(h)) continue;
    set_max_huge_pages(k, h, req.count, -1);
    if (h.nr_huge_pages < req.count) k.log.printk(KERN_WARNING, `HugeTLB: allocating ${req.count} of page size ${huge_page_size(h) / 1024 / 1024}.00 MiB failed.  Only allocated ${h.nr_huge_pages} hugepages.`);
  }
  for (const h of k.hugetlb.hstates) {
    const sz = huge_page_size(h) >= 1 << 30 ? `${huge_page_size(h) / 2 ** 30}.00 GiB` : `${huge_page_size(h) / 2 ** 20}.00 MiB`;
    k.log.printk(KERN_INFO, `HugeTLB: registered ${sz} page size, pre-allocated ${h.nr_huge_pages} pages`);
  }
}

/**
 * hugepages=N after hugepagesz=1G: N gigantic pages taken from memblock, 1 GiB aligned, before
 * the buddy allocator is given the rest. Without gbpages (the captures' qemu64 CPU) the size is
 * unsupported and nothing is taken. Returns the pfns, for gather_bootmem_gigantic.
 * @kernel mm/hugetlb.c alloc_bootmem_huge_page, __alloc_bootmem_huge_page
 */
export function hugetlb_alloc_bootmem_gigantic(k: Kernel, mb: Memblock, cmdline: readonly { size: number; count: number }[]): number[] {
  const out: number[] = [];
  if (!k.hugetlb.gbpages) return out;
  for (const req of cmdline) {
    if (req.size !== 2 ** 30) continue;
    for (let i = 0; i < req.count; i++) {
      const addr = memblock_alloc_try_nid(mb, 2 ** 30, 2 ** 30, 0, "gigantic page");
      if (addr < 0) break;
      out.push(addr / PAGE_SIZE);
    }
  }
  return out;
}

/**
 * A boot-time gigantic page (taken from memblock at `pfn`): made a compound hugetlb page and
 * put in the pool.
 * @kernel mm/hugetlb.c gather_bootmem_prealloc, prep_compound_gigantic_page
 */
export function gather_bootmem_gigantic(k: Kernel, pfn: number): void {
  const h = k.hugetlb.hstates.find((x) => x.order === PUD_ORDER);
  if (h === undefined) throw new KernelBug("gather_bootmem_gigantic without a gigantic hstate");
  const mem = k.mem_map;
  const nr = 2 ** PUD_ORDER;
  mem.flags[pfn] = HEAD | HUGETLB;
  for (let i = 1; i < nr; i++) {
    mem.flags[pfn + i] = F(PG_tail);
    mem._refcount[pfn + i] = 0;
  }
  mem.index[pfn + 1] = PUD_ORDER;
  mem._refcount[pfn] = 0;
  const nid = page_to_nid(k, pfn);
  h.nr_huge_pages++;
  h.nr_huge_pages_node[nid]++;
  h.max_huge_pages++;
  enqueue_huge_page(k, h, pfn);
  // adjust_managed_page_count: the page was reserved memory; it now counts as managed.
  const z = k.page_zone(pfn);
  if (z !== undefined) z.managed_pages += nr;
}
