/**
 * vmalloc: virtually contiguous kernel memory. An allocation takes a range of the 32 TiB vmalloc
 * space (alloc_vmap_area: the lowest free range that fits, first fit over the free tree, one
 * guard page after it unless VM_NO_GUARD), a `vm_struct` describing it (kmalloc), a pages array
 * (kmalloc, or vmalloc itself above a page: "vpages"), the pages (order 0, counted in
 * nr_vmalloc_pages: meminfo's VmallocUsed) and the kernel page tables that map them (a PTE page
 * per 2 MiB of the space first used, never freed, counted nowhere). vfree gives the pages back
 * at once and the range lazily: it joins the purge list, shown as "unpurged vm_area" in
 * /proc/vmallocinfo, until more than lazy_max_pages() pages wait (32 MiB times fls(CPUs)), when
 * __purge_vmap_area_lazy returns them to the free tree. Each busy range, lazily freed range and
 * free range is a `vmap_area` from the vmap_area cache, as in the kernel, so the cache's object
 * count follows the space's fragmentation.
 *
 * Addresses. A kernel virtual address in the model is a number: direct-map addresses are
 * PAGE_OFFSET-relative (pfn * 4096 + offset, below 2^46); the vmalloc space starts at
 * VMALLOC_START_MODEL = 2^47 and the module space (module_alloc: the BPF JIT's pack) above it,
 * so is_vmalloc_addr is one comparison.
 *
 * Simplified: no huge vmalloc mappings (x86-64 6.1 has no HAVE_ARCH_HUGE_VMALLOC anyway), no
 * per-CPU vmap blocks (vm_map_ram), pages come from the calling CPU's node (the kernel's bulk
 * allocator follows the task's mempolicy, interleaving at boot), the free tree is a sorted array
 * of ranges rather than an augmented rbtree (same lowest-fit answers), and a lazy purge runs at
 * once rather than from a work item.
 * @kernel mm/vmalloc.c alloc_vmap_area, __alloc_vmap_area, __get_vm_area_node,
 *   __vmalloc_node_range, __vmalloc_area_node, vfree, __vunmap, remove_vm_area,
 *   free_vmap_area_noflush, __purge_vmap_area_lazy, lazy_max_pages, vmap, pcpu_get_vm_areas,
 *   vmalloc_init, s_show, show_purge_info, show_numa_info, is_vmalloc_addr
 * @kernel mm/util.c kvmalloc_node, kvfree
 * @kernel arch/x86/include/asm/pgtable_64_types.h VMALLOC_START, VMALLOC_SIZE_TB
 */
import { flush_tlb_kernel_range } from "../arch/x86/tlb.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { fls } from "../lib/bitops.js";
import { GFP_KERNEL, GFP_RECLAIM_MASK, __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_NORETRY, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_ZERO, GFP_DMA, GFP_DMA32 } from "./gfp.js";
import { __alloc_pages, __free_pages, numa_node_id } from "./page_alloc.js";
import { kfree, kmalloc, kmem_cache_alloc_node, kmem_cache_free } from "./slab_common.js";
import { NO_PFN, PAGE_SIZE } from "./types.js";

/** The model's VMALLOC_START (the kernel's is 0xffffc90000000000 on 4-level paging). */
export const VMALLOC_START_MODEL = 2 ** 47;
/** VMALLOC_SIZE_TB_L4 = 32: the space runs to VMALLOC_START + 32 TiB. */
export const VMALLOC_SIZE = 32 * 2 ** 40;
export const VMALLOC_END_MODEL = VMALLOC_START_MODEL + VMALLOC_SIZE;
/** The module space (MODULES_VADDR..MODULES_END: 1 GiB after the kernel image to -16 MiB). */
export const MODULES_VADDR_MODEL = 2 ** 47 + 2 ** 46;
export const MODULES_LEN = 0x3f000000;
export const MODULES_END_MODEL = MODULES_VADDR_MODEL + MODULES_LEN;

// vm_struct flags (include/linux/vmalloc.h)
/** ioremap() and friends. */
export const VM_IOREMAP = 0x00000001;
/** vmalloc(). */
export const VM_ALLOC = 0x00000002;
/** vmap()ed pages. */
export const VM_MAP = 0x00000004;
/** Suitable for remap_vmalloc_range. */
export const VM_USERMAP = 0x00000008;
/** dma_alloc_coherent. */
export const VM_DMA_COHERENT = 0x00000010;
/** vm_struct is not fully initialized. */
export const VM_UNINITIALIZED = 0x00000020;
/** Don't add a guard page. */
export const VM_NO_GUARD = 0x00000040;

/** sizeof(struct vm_struct) on x86-64 (CONFIG_HAVE_ARCH_HUGE_VMALLOC adds page_order). */
const SIZEOF_VM_STRUCT = 72;
/** A 2 MiB region of the space: one PTE page maps it. */
const PMD_SIZE = 2 << 20;

/** What a busy vmap area describes. @kernel include/linux/vmalloc.h struct vm_struct */
export interface vm_struct {
  addr: number;
  /** Bytes, the guard page included. */
  size: number;
  flags: number;
  /** The pages, by pfn. */
  pages: Int32Array;
  nr_pages: number;
  /** The pages array's own address (kmalloc'd, or vmalloc'd when over a page). */
  pages_obj: number;
  /** For ioremap: the physical address mapped (printed as phys=%pa). */
  phys_addr: number;
  /** The allocating function as %pS prints it ("kernel_clone+0xbf/0x430"). */
  caller: string;
  /** This structure's kmalloc address. */
  obj: number;
}

/** A range of the space, busy, lazily freed or free. @kernel include/linux/vmalloc.h struct vmap_area */
export interface vmap_area {
  va_start: number;
  va_end: number;
  vm: vm_struct | null;
  /** The vmap_area object from vmap_area_cachep (0 before the cache exists). */
  obj: number;
}

/**
 * The vmalloc space of one machine: busy areas by start address, lazily freed ones, the free
 * ranges (sorted, each with its vmap_area object), the PTE pages of the space, and
 * vmap_lazy_nr. nr_vmalloc_pages itself is k.nr_vmalloc_pages, which meminfo reads.
 */
export class vmalloc_state {
  readonly busy = new Map<number, vmap_area>();
  readonly purge_list: vmap_area[] = [];
  vmap_lazy_nr = 0;
  /** Free ranges, sorted by start; free_obj[i] is range i's vmap_area object. */
  readonly free_start: number[] = [];
  readonly free_end: number[] = [];
  readonly free_obj: number[] = [];
  /** PTE pages by 2 MiB region index of the model's address (vmap_pte_range's pte_alloc_kernel). */
  readonly pte_pages = new Map<number, number>();
  vmap_initialized = false;

  /** find_vm_area: the vm_struct of the busy area starting at addr. */
  find_vm_area(addr: number): vm_struct | null {
    return this.busy.get(addr)?.vm ?? null;
  }
}

/** is_vmalloc_addr. */
export function is_vmalloc_addr(addr: number): boolean {
  return addr >= VMALLOC_START_MODEL && addr < VMALLOC_END_MODEL;
}

/** A vmap_area object for a free or busy range, once the cache exists. */
function va_obj_alloc(k: Kernel, gfp: number): number {
  const c = k.slab.cachep.vmap_area_cachep;
  return c ? kmem_cache_alloc_node(k, c, gfp & GFP_RECLAIM_MASK, -1) : 0;
}

function va_obj_free(k: Kernel, obj: number): void {
  const c = k.slab.cachep.vmap_area_cachep;
  if (obj && c) kmem_cache_free(k, c, obj);
}

/**
 * vmalloc_init: the free tree covers the vmalloc and module spaces, each one vmap_area, and
 * areas registered before it (vm_area_register_early: none on x86-64) are inserted busy.
 * @kernel mm/vmalloc.c vmalloc_init, vmap_init_free_space
 */
export function vmalloc_init(k: Kernel): void {
  const v = k.vmalloc;
  v.free_start.push(VMALLOC_START_MODEL, MODULES_VADDR_MODEL);
  v.free_end.push(VMALLOC_END_MODEL, MODULES_END_MODEL);
  v.free_obj.push(va_obj_alloc(k, GFP_KERNEL), va_obj_alloc(k, GFP_KERNEL));
  v.vmap_initialized = true;
}

/** Takes [start, start + size) out of free range i, splitting it (a new vmap_area when in the middle). */
function clip_free_range(k: Kernel, i: number, start: number, size: number, gfp: number): void {
  const v = k.vmalloc;
  const s = v.free_start[i];
  const e = v.free_end[i];
  const end = start + size;
  if (s === start && e === end) {
    va_obj_free(k, v.free_obj[i]);
    v.free_start.splice(i, 1);
    v.free_end.splice(i, 1);
    v.free_obj.splice(i, 1);
  } else if (s === start) {
    v.free_start[i] = end;
  } else if (e === end) {
    v.free_end[i] = start;
  } else {
    // NE_FIT_TYPE: the free range splits in two; the right part needs a vmap_area of its own.
    v.free_end[i] = start;
    v.free_start.splice(i + 1, 0, end);
    v.free_end.splice(i + 1, 0, e);
    v.free_obj.splice(i + 1, 0, va_obj_alloc(k, gfp));
  }
}

/**
 * The lowest aligned start of a free range holding `size` bytes within [vstart, vend), or -1.
 * @kernel mm/vmalloc.c __alloc_vmap_area, find_vmap_lowest_match
 */
function __alloc_vmap_area(k: Kernel, size: number, align: number, vstart: number, vend: number, gfp: number): number {
  const v = k.vmalloc;
  for (let i = 0; i < v.free_start.length; i++) {
    const lo = Math.max(v.free_start[i], vstart);
    const start = Math.ceil(lo / align) * align;
    if (start + size > Math.min(v.free_end[i], vend)) continue;
    clip_free_range(k, i, start, size, gfp);
    return start;
  }
  return -1;
}

/** Puts [start, end) back in the free tree, merging with its neighbours. @kernel mm/vmalloc.c merge_or_add_vmap_area */
function merge_free_range(k: Kernel, start: number, end: number, obj: number): void {
  const v = k.vmalloc;
  let i = 0;
  while (i < v.free_start.length && v.free_start[i] < start) i++;
  const left = i > 0 && v.free_end[i - 1] === start;
  const right = i < v.free_start.length && v.free_start[i] === end;
  if (left && right) {
    v.free_end[i - 1] = v.free_end[i];
    va_obj_free(k, v.free_obj[i]);
    va_obj_free(k, obj);
    v.free_start.splice(i, 1);
    v.free_end.splice(i, 1);
    v.free_obj.splice(i, 1);
  } else if (left) {
    v.free_end[i - 1] = end;
    va_obj_free(k, obj);
  } else if (right) {
    v.free_start[i] = start;
    va_obj_free(k, obj);
  } else {
    v.free_start.splice(i, 0, start);
    v.free_end.splice(i, 0, end);
    v.free_obj.splice(i, 0, obj);
  }
}

/**
 * A busy vmap area of `size` bytes, or null when the space is exhausted even after purging the
 * lazily freed areas (the kernel then warns "vmap allocation for size N failed").
 * @kernel mm/vmalloc.c alloc_vmap_area
 */
export function alloc_vmap_area(k: Kernel, size: number, align: number, vstart: number, vend: number, gfp: number): vmap_area | null {
  const v = k.vmalloc;
  if (!size || size % PAGE_SIZE || (align & (align - 1)) !== 0) throw new KernelBug("alloc_vmap_area: bad size or alignment", { size, align });
  if (!v.vmap_initialized) return null;
  const obj = va_obj_alloc(k, gfp);
  if (k.slab.cachep.vmap_area_cachep && !obj) return null;
  let addr = __alloc_vmap_area(k, size, align, vstart, vend, gfp);
  if (addr < 0) {
    purge_vmap_area_lazy(k);
    addr = __alloc_vmap_area(k, size, align, vstart, vend, gfp);
  }
  if (addr < 0) {
    va_obj_free(k, obj);
    return null;
  }
  const va: vmap_area = { va_start: addr, va_end: addr + size, vm: null, obj };
  v.busy.set(addr, va);
  return va;
}

/**
 * Returns the lazily freed areas to the free tree.
 * @kernel mm/vmalloc.c __purge_vmap_area_lazy, purge_vmap_area_lazy
 */
export function purge_vmap_area_lazy(k: Kernel): void {
  const v = k.vmalloc;
  // __purge_vmap_area_lazy: one flush_tlb_kernel_range over the span of every area purged.
  if (v.purge_list.length !== 0) {
    let start = Infinity;
    let end = 0;
    for (const va of v.purge_list) {
      if (va.va_start < start) start = va.va_start;
      if (va.va_end > end) end = va.va_end;
    }
    flush_tlb_kernel_range(k, start, end);
  }
  for (const va of v.purge_list) merge_free_range(k, va.va_start, va.va_end, va.obj);
  v.purge_list.length = 0;
  v.vmap_lazy_nr = 0;
}

/** 32 MiB of lazily freed space per fls(online CPUs). @kernel mm/vmalloc.c lazy_max_pages */
export function lazy_max_pages(k: Kernel): number {
  return fls(k.nr_cpu_ids) * ((32 * 1024 * 1024) / PAGE_SIZE);
}

/**
 * A busy area leaves the busy tree for the purge list (merging with lazily freed neighbours);
 * past lazy_max_pages the list is purged.
 * @kernel mm/vmalloc.c free_vmap_area_noflush, merge_or_add_vmap_area
 */
function free_vmap_area_noflush(k: Kernel, va: vmap_area): void {
  const v = k.vmalloc;
  v.busy.delete(va.va_start);
  v.vmap_lazy_nr += (va.va_end - va.va_start) / PAGE_SIZE;
  let i = 0;
  while (i < v.purge_list.length && v.purge_list[i].va_start < va.va_start) i++;
  const prev = i > 0 ? v.purge_list[i - 1] : null;
  const next = i < v.purge_list.length ? v.purge_list[i] : null;
  if (prev && prev.va_end === va.va_start) {
    prev.va_end = va.va_end;
    va_obj_free(k, va.obj);
    if (next && next.va_start === prev.va_end) {
      prev.va_end = next.va_end;
      va_obj_free(k, next.obj);
      v.purge_list.splice(i, 1);
    }
  } else if (next && next.va_start === va.va_end) {
    next.va_start = va.va_start;
    va_obj_free(k, va.obj);
  } else {
    v.purge_list.splice(i, 0, { va_start: va.va_start, va_end: va.va_end, vm: null, obj: va.obj });
  }
  if (v.vmap_lazy_nr > lazy_max_pages(k)) purge_vmap_area_lazy(k);
}

/**
 * A vm_struct over a fresh vmap area of `size` bytes (plus a guard page unless VM_NO_GUARD), or
 * null. The structure is kzalloc'd (72 bytes with HAVE_ARCH_HUGE_VMALLOC's page_order:
 * kmalloc-96, one per forked task's stack in sl-fork).
 * @kernel mm/vmalloc.c __get_vm_area_node, setup_vmalloc_vm
 */
export function __get_vm_area_node(k: Kernel, size: number, align: number, flags: number, start: number, end: number, gfp: number, caller: string): vm_struct | null {
  size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  if (!size) return null;
  const obj = kmalloc(k, SIZEOF_VM_STRUCT, (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO);
  if (!obj) return null;
  if (!(flags & VM_NO_GUARD)) size += PAGE_SIZE;
  const va = alloc_vmap_area(k, size, align, start, end, gfp);
  if (!va) {
    kfree(k, obj);
    return null;
  }
  const area: vm_struct = { addr: va.va_start, size, flags, pages: new Int32Array(0), nr_pages: 0, pages_obj: 0, phys_addr: 0, caller, obj };
  va.vm = area;
  return area;
}

/** get_vm_area_size: the area less its guard page. */
function get_vm_area_size(area: vm_struct): number {
  return area.flags & VM_NO_GUARD ? area.size : area.size - PAGE_SIZE;
}

/**
 * Maps pages at [addr, addr + size): the PTE pages of the 2 MiB regions first used.
 * Returns false when a page table page cannot be had.
 * @kernel mm/vmalloc.c vmap_pages_range, vmap_pte_range
 * @kernel include/linux/mm.h pte_alloc_kernel
 */
function vmap_pages_range(k: Kernel, addr: number, size: number): boolean {
  const v = k.vmalloc;
  for (let r = Math.floor(addr / PMD_SIZE); r * PMD_SIZE < addr + size; r++) {
    if (v.pte_pages.has(r)) continue;
    const pfn = __alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 0, numa_node_id(k), null);
    if (pfn === NO_PFN) return false;
    v.pte_pages.set(r, pfn);
  }
  return true;
}

/**
 * Backs an area with pages: the pages array, then one order-0 page per page of the area.
 * Returns the address or 0 (after freeing what it took).
 * @kernel mm/vmalloc.c __vmalloc_area_node, vm_area_alloc_pages
 */
function __vmalloc_area_node(k: Kernel, area: vm_struct, gfp_mask: number, node: number): number {
  const nested_gfp = (gfp_mask & GFP_RECLAIM_MASK) | __GFP_ZERO;
  const size = get_vm_area_size(area);
  const nr_small_pages = size / PAGE_SIZE;
  const array_size = nr_small_pages * 8;
  gfp_mask |= __GFP_NOWARN;
  if (!(gfp_mask & (GFP_DMA | GFP_DMA32))) gfp_mask |= __GFP_HIGHMEM;
  area.pages_obj = array_size > PAGE_SIZE ? __vmalloc_node(k, array_size, 1, nested_gfp, node, area.caller) : kmalloc(k, array_size, nested_gfp);
  if (!area.pages_obj) {
    free_vm_area(k, area);
    return 0;
  }
  area.pages = new Int32Array(nr_small_pages);
  const nid = node < 0 ? numa_node_id(k) : node;
  for (let i = 0; i < nr_small_pages; i++) {
    const pfn = __alloc_pages(k, gfp_mask, 0, nid, null);
    if (pfn === NO_PFN) break;
    area.pages[area.nr_pages++] = pfn;
  }
  k.nr_vmalloc_pages += area.nr_pages;
  if (area.nr_pages !== nr_small_pages || !vmap_pages_range(k, area.addr, size)) {
    __vunmap(k, area.addr);
    return 0;
  }
  area.flags &= ~VM_UNINITIALIZED;
  return area.addr;
}

/**
 * Allocates `size` bytes of virtually contiguous memory in [start, end), returning its address
 * or 0. Refuses sizes beyond totalram_pages() (the kernel warns "vmalloc error: size N,
 * exceeds total pages").
 * @kernel mm/vmalloc.c __vmalloc_node_range
 */
export function __vmalloc_node_range(k: Kernel, size: number, align: number, start: number, end: number, gfp_mask: number, vm_flags: number, node: number, caller: string): number {
  if (!size) return 0;
  let totalram = 0;
  for (const z of k.zones) totalram += z.managed_pages;
  if (size / PAGE_SIZE > totalram) return 0;
  const area = __get_vm_area_node(k, size, align, VM_ALLOC | VM_UNINITIALIZED | vm_flags, start, end, gfp_mask, caller);
  if (!area) return 0;
  return __vmalloc_area_node(k, area, gfp_mask, node);
}

/** __vmalloc_node: in the vmalloc space, any node. @kernel mm/vmalloc.c __vmalloc_node */
export function __vmalloc_node(k: Kernel, size: number, align: number, gfp: number, node: number, caller: string): number {
  return __vmalloc_node_range(k, size, align, VMALLOC_START_MODEL, VMALLOC_END_MODEL, gfp, 0, node, caller);
}

/** __vmalloc(size, gfp). @kernel mm/vmalloc.c __vmalloc */
export function __vmalloc(k: Kernel, size: number, gfp: number, caller: string): number {
  return __vmalloc_node(k, size, 1, gfp, -1, caller);
}

/** vmalloc(size): GFP_KERNEL. @kernel mm/vmalloc.c vmalloc */
export function vmalloc(k: Kernel, size: number, caller: string): number {
  return __vmalloc_node(k, size, 1, GFP_KERNEL, -1, caller);
}

/** vzalloc(size). @kernel mm/vmalloc.c vzalloc */
export function vzalloc(k: Kernel, size: number, caller: string): number {
  return __vmalloc_node(k, size, 1, GFP_KERNEL | __GFP_ZERO, -1, caller);
}

/**
 * module_alloc: the module space, for code (the BPF JIT's pack allocator uses it).
 * @kernel arch/x86/kernel/module.c module_alloc
 */
export function module_alloc(k: Kernel, size: number, caller: string): number {
  return __vmalloc_node_range(k, size, 1, MODULES_VADDR_MODEL, MODULES_END_MODEL, GFP_KERNEL, 0, -1, caller);
}

/**
 * Maps pages someone else owns (vmap: `VM_MAP`) or device memory (ioremap: `VM_IOREMAP`, with
 * the physical address it maps) at a fresh area; nothing is allocated but the range and the
 * page tables. Returns the address or 0.
 * @kernel mm/vmalloc.c vmap
 * @kernel arch/x86/mm/ioremap.c __ioremap_caller
 */
export function vmap_range(k: Kernel, size: number, flags: number, phys_addr: number, caller: string): number {
  const area = __get_vm_area_node(k, size, 1, flags, VMALLOC_START_MODEL, VMALLOC_END_MODEL, GFP_KERNEL, caller);
  if (!area) return 0;
  area.phys_addr = phys_addr;
  if (!vmap_pages_range(k, area.addr, get_vm_area_size(area))) {
    remove_vm_area(k, area.addr);
    kfree(k, area.obj);
    return 0;
  }
  return area.addr;
}

/**
 * Detaches the area at addr and frees its range lazily; returns its vm_struct.
 * @kernel mm/vmalloc.c remove_vm_area, free_unmap_vmap_area
 */
export function remove_vm_area(k: Kernel, addr: number): vm_struct | null {
  const va = k.vmalloc.busy.get(addr);
  if (!va || !va.vm) return null;
  const vm = va.vm;
  va.vm = null;
  free_vmap_area_noflush(k, va);
  return vm;
}

/** An area that never got its pages: range and structure go. @kernel mm/vmalloc.c free_vm_area */
function free_vm_area(k: Kernel, area: vm_struct): void {
  remove_vm_area(k, area.addr);
  kfree(k, area.obj);
}

/**
 * Frees the area at addr: its range (lazily), its pages, its pages array and the vm_struct.
 * A bad address is the kernel's WARN "Trying to vfree() nonexistent vm area".
 * @kernel mm/vmalloc.c vfree, __vunmap
 */
export function __vunmap(k: Kernel, addr: number): void {
  if (!addr) return;
  const area = remove_vm_area(k, addr);
  if (!area) throw new KernelBug(`Trying to vfree() nonexistent vm area (${addr.toString(16)})`);
  for (let i = 0; i < area.nr_pages; i++) __free_pages(k, area.pages[i], 0);
  k.nr_vmalloc_pages -= area.nr_pages;
  if (area.pages_obj) kvfree(k, area.pages_obj);
  kfree(k, area.obj);
}

/** vfree(addr): NULL is fine. @kernel mm/vmalloc.c vfree */
export function vfree(k: Kernel, addr: number): void {
  __vunmap(k, addr);
}

/**
 * kmalloc first, vmalloc when that fails for a size over a page: kmalloc is tried without
 * retrying hard (__GFP_NOWARN, and __GFP_NORETRY unless the caller asked __GFP_RETRY_MAYFAIL)
 * so the fallback is not held up by reclaim. Returns the address or 0.
 * @kernel mm/util.c kvmalloc_node
 */
export function kvmalloc(k: Kernel, size: number, flags: number, caller: string): number {
  let kmalloc_flags = flags;
  if (size > PAGE_SIZE) {
    kmalloc_flags |= __GFP_NOWARN;
    if (!(kmalloc_flags & __GFP_RETRY_MAYFAIL)) kmalloc_flags |= __GFP_NORETRY;
  }
  const ret = kmalloc(k, size, kmalloc_flags);
  if (ret || size <= PAGE_SIZE) return ret;
  // vmalloc can't do GFP_DMA/DMA32 or more than INT_MAX bytes.
  if (flags & (__GFP_DMA | __GFP_DMA32) || size > 0x7fffffff) return 0;
  return __vmalloc_node(k, size, 1, flags, -1, caller);
}

/** kfree or vfree, whichever kvmalloc used. @kernel mm/util.c kvfree */
export function kvfree(k: Kernel, addr: number): void {
  if (is_vmalloc_addr(addr)) vfree(k, addr);
  else kfree(k, addr);
}

/**
 * The percpu allocator's areas for a new chunk: one per CPU group, of the group's size, taken
 * from the top of the vmalloc space downwards (the kernel fits them below the highest free
 * address so chunks do not fragment the space vmalloc uses from the bottom). Returns their
 * addresses or null.
 * @kernel mm/vmalloc.c pcpu_get_vm_areas
 */
export function pcpu_get_vm_areas(k: Kernel, sizes: number[]): number[] | null {
  const v = k.vmalloc;
  const out: number[] = [];
  for (const size of sizes) {
    let placed = -1;
    for (let i = v.free_start.length - 1; i >= 0 && placed < 0; i--) {
      const end = Math.min(v.free_end[i], VMALLOC_END_MODEL);
      const start = Math.floor((end - size) / (2 << 20)) * (2 << 20);
      if (start < v.free_start[i] || end <= VMALLOC_START_MODEL) continue;
      const obj = va_obj_alloc(k, GFP_KERNEL);
      clip_free_range(k, i, start, size, GFP_KERNEL);
      const vmObj = kmalloc(k, SIZEOF_VM_STRUCT, GFP_KERNEL | __GFP_ZERO);
      const va: vmap_area = { va_start: start, va_end: start + size, vm: null, obj };
      va.vm = { addr: start, size, flags: VM_ALLOC, pages: new Int32Array(0), nr_pages: 0, pages_obj: 0, phys_addr: 0, caller: "pcpu_get_vm_areas+0x0/0x1080", obj: vmObj };
      v.busy.set(start, va);
      placed = start;
    }
    if (placed < 0) return null;
    out.push(placed);
  }
  return out;
}

/** "%7ld" and the flags, pages and NUMA counts of one busy area, as s_show prints it. */
function vm_line(k: Kernel, v: vm_struct): string {
  let s = `0x(____ptrval____)-0x(____ptrval____) ${String(v.size).padStart(7)}`;
  if (v.caller) s += ` ${v.caller}`;
  if (v.nr_pages) s += ` pages=${v.nr_pages}`;
  if (v.phys_addr) s += ` phys=0x${v.phys_addr.toString(16).padStart(16, "0")}`;
  if (v.flags & VM_IOREMAP) s += " ioremap";
  if (v.flags & VM_ALLOC) s += " vmalloc";
  if (v.flags & VM_MAP) s += " vmap";
  if (v.flags & VM_USERMAP) s += " user";
  if (v.flags & VM_DMA_COHERENT) s += " dma-coherent";
  if (is_vmalloc_addr(v.pages_obj)) s += " vpages";
  if (!(v.flags & VM_UNINITIALIZED) && v.nr_pages) {
    const counters = new Array<number>(k.node_data.length).fill(0);
    for (let i = 0; i < v.nr_pages; i++) counters[k.page_zone(v.pages[i])?.node ?? 0]++;
    counters.forEach((c, nid) => {
      if (c) s += ` N${nid}=${c}`;
    });
  }
  return s + "\n";
}

/**
 * /proc/vmallocinfo: every busy area by address (the pointers print as the capture shows them,
 * "(____ptrval____)"), then the lazily freed ones as "unpurged vm_area".
 * @kernel mm/vmalloc.c s_show, show_purge_info, show_numa_info
 */
export function vmallocinfo_show(k: Kernel): string {
  const v = k.vmalloc;
  let out = "";
  for (const start of [...v.busy.keys()].sort((a, b) => a - b)) {
    const va = v.busy.get(start)!;
    if (!va.vm) out += `0x(____ptrval____)-0x(____ptrval____) ${String(va.va_end - va.va_start).padStart(7)} vm_map_ram\n`;
    else out += vm_line(k, va.vm);
  }
  for (const va of v.purge_list) out += `0x(____ptrval____)-0x(____ptrval____) ${String(va.va_end - va.va_start).padStart(7)} unpurged vm_area\n`;
  return out;
}
