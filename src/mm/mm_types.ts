/**
 * The shapes of an address space: `mm_struct`, `vm_area_struct`, the VM_* flag bits, the rss
 * counters, the anon_vma hierarchy (enough for rmap to find every mapping of an anonymous page),
 * and the names of the VFS shapes file-backed mappings use (defined in fs/fs.ts).
 *
 * Contract with the page-table side (src/arch/x86/pgtable.ts, src/mm/memory.ts, src/mm/rmap.ts):
 * - `mm.pgd` is the handle of the root table pgtable.ts allocates (-1 before mm_alloc_pgd).
 * - `mm.rss_stat[MM_*]`, `mm.pgtables_bytes` and `mm.hiwater_rss` are updated by memory.ts.
 * - `vma.anon_vma`, the VMA's anon_vma_chain list (`vma.avc_first`/`avc_last`) and each
 *   anon_vma's list of chains (`rb_first`/`rb_last`, the kernel's rb_root), whose chains are
 *   slots in AnonVmaTable's typed columns, are maintained by the helpers at the bottom of this
 *   file (anon_vma_prepare/clone/fork, unlink_anon_vmas), which both halves use: mmap.ts when
 *   it splits and merges, fork.ts when it copies; rmap reads an anon_vma's VMAs through
 *   anon_vma_vmas.
 *
 * vm_flags: x86-64 keeps them in an unsigned long. The low 32 bits (every flag the model acts on,
 * VM_MERGEABLE = bit 31 included) live in `vm_flags` as an int32, so VM_MERGEABLE is the negative
 * number 1 << 31 and every combination of flags compares equal with `===`. The bits above 31
 * (the protection key bits 32..35 and VM_UFFD_MINOR, bit 37) live in `vm_flags_hi`, shifted
 * down by 32.
 *
 * The VMA set: 6.1 keeps VMAs in a maple tree (mm->mm_mt). Here it is lib/maple_tree.ts's
 * B+tree with the same lookup rules (find_vma, find_vma_prev, vma_lookup, the gap searches of
 * unmapped_area / unmapped_area_topdown; see mmap.ts): lookup, insert, erase and gap search in
 * O(log n), so a process near max_map_count (65530) maps and unmaps as fast as one with ten VMAs.
 *
 * Simplified: no mmap_lock / page_table_lock (the model is single-threaded), no vm_ops other
 * than what the file interface below declares, no mempolicy, no userfaultfd context, no
 * anon_vma_name (CONFIG_ANON_VMA_NAME is off in Debian's config); an anon_vma's chains are a
 * list in the order they were linked, not an interval tree.
 * @kernel include/linux/mm_types.h struct mm_struct, struct vm_area_struct
 * @kernel include/linux/mm_types_task.h enum MM_FILEPAGES..NR_MM_COUNTERS
 * @kernel include/linux/mm.h VM_NONE..VM_STACK_FLAGS
 * @kernel include/linux/rmap.h struct anon_vma, struct anon_vma_chain
 * @kernel mm/rmap.c anon_vma_alloc, anon_vma_chain_link, anon_vma_clone, anon_vma_fork, unlink_anon_vmas
 * @kernel include/linux/hash.h hash_32
 */
import { BUG_ON } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { MapleTree } from "../lib/maple_tree.js";
import type { resv_map } from "./hugetlb.js";
import { GFP_KERNEL } from "../include/linux/gfp_types.js";
import { kmem_cache_alloc, kmem_cache_free } from "./slab_common.js";
import type { lru_gen_mm_node } from "./mmzone.js";
import type { mem_cgroup } from "./memcontrol.js";

// ---------------------------------------------------------------------------------------------
// VM_* flags (include/linux/mm.h, x86-64 with Debian 6.1's config: MEM_SOFT_DIRTY=y, pkeys=y)
// ---------------------------------------------------------------------------------------------

export const VM_NONE = 0x00000000;
/** Currently readable. */
export const VM_READ = 0x00000001;
/** Currently writable. */
export const VM_WRITE = 0x00000002;
/** Currently executable. */
export const VM_EXEC = 0x00000004;
/** Shared mapping: writes go to the backing object and are seen by every mapper. */
export const VM_SHARED = 0x00000008;
/** mprotect may add PROT_READ. */
export const VM_MAYREAD = 0x00000010;
/** mprotect may add PROT_WRITE. */
export const VM_MAYWRITE = 0x00000020;
/** mprotect may add PROT_EXEC. */
export const VM_MAYEXEC = 0x00000040;
/** MAP_SHARED was asked for (stays set on a read-only shared file mapping that lost VM_SHARED). */
export const VM_MAYSHARE = 0x00000080;
/** A stack that grows down on faults below it. */
export const VM_GROWSDOWN = 0x00000100;
/** userfaultfd missing-page tracking. */
export const VM_UFFD_MISSING = 0x00000200;
/** Page ranges without struct page (remap_pfn_range). */
export const VM_PFNMAP = 0x00000400;
/** userfaultfd write-protect tracking. */
export const VM_UFFD_WP = 0x00001000;
/** mlock()ed: pages are kept resident and Unevictable. */
export const VM_LOCKED = 0x00002000;
/** Memory-mapped I/O. */
export const VM_IO = 0x00004000;
/** MADV_SEQUENTIAL. */
export const VM_SEQ_READ = 0x00008000;
/** MADV_RANDOM. */
export const VM_RAND_READ = 0x00010000;
/** MADV_DONTFORK: the child does not get this VMA. */
export const VM_DONTCOPY = 0x00020000;
/** mremap may not grow it. */
export const VM_DONTEXPAND = 0x00040000;
/** mlock2(MLOCK_ONFAULT): lock pages as they fault in, do not populate. */
export const VM_LOCKONFAULT = 0x00080000;
/** The VMA's size is charged to vm_committed_as (overcommit accounting). */
export const VM_ACCOUNT = 0x00100000;
/** MAP_NORESERVE honoured: not charged. */
export const VM_NORESERVE = 0x00200000;
/** hugetlbfs mapping. */
export const VM_HUGETLB = 0x00400000;
/** MAP_SYNC (DAX). */
export const VM_SYNC = 0x00800000;
/** Architecture flag: on x86 VM_PAT. */
export const VM_ARCH_1 = 0x01000000;
/** MADV_WIPEONFORK: the child sees zero-filled memory. */
export const VM_WIPEONFORK = 0x02000000;
/** MADV_DONTDUMP. */
export const VM_DONTDUMP = 0x04000000;
/** Not soft-dirty clean (CONFIG_MEM_SOFT_DIRTY=y): a new VMA starts soft-dirty. */
export const VM_SOFTDIRTY = 0x08000000;
/** Mixes struct-page and pfn mappings. */
export const VM_MIXEDMAP = 0x10000000;
/** MADV_HUGEPAGE. */
export const VM_HUGEPAGE = 0x20000000;
/** MADV_NOHUGEPAGE. */
export const VM_NOHUGEPAGE = 0x40000000;
/** MADV_MERGEABLE (KSM). Bit 31: negative as an int32, see the header. */
export const VM_MERGEABLE = 1 << 31;
/** x86: PAT reserves the whole VMA. */
export const VM_PAT = VM_ARCH_1;
/** No VM_GROWSUP on x86. */
export const VM_GROWSUP = VM_NONE;
/** x86 stacks grow down. */
export const VM_STACK = VM_GROWSDOWN;
/** Only on CONFIG_STACK_GROWSUP. */
export const VM_STACK_EARLY = 0;
export const VM_STACK_INCOMPLETE_SETUP = VM_RAND_READ | VM_SEQ_READ | VM_STACK_EARLY;

/** High flags, in `vm_flags_hi` (bit n of the kernel's vm_flags is bit n - 32 here). */
export const VM_PKEY_SHIFT = 32;
export const VM_PKEY_BIT0_HI = 1 << 0;
export const VM_PKEY_BIT1_HI = 1 << 1;
export const VM_PKEY_BIT2_HI = 1 << 2;
export const VM_PKEY_BIT3_HI = 1 << 3;
/** VM_UFFD_MINOR (bit 37; CONFIG_HAVE_ARCH_USERFAULTFD_MINOR=y). */
export const VM_UFFD_MINOR_HI = 1 << 5;

/** x86-64 VM_DATA_DEFAULT_FLAGS = VM_DATA_FLAGS_TSK_EXEC (exec only with READ_IMPLIES_EXEC). */
export const VM_DATA_FLAGS_NON_EXEC = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
export const VM_DATA_FLAGS_EXEC = VM_DATA_FLAGS_NON_EXEC | VM_EXEC;
export const VM_DATA_DEFAULT_FLAGS = VM_DATA_FLAGS_NON_EXEC;
export const VM_STACK_DEFAULT_FLAGS = VM_DATA_DEFAULT_FLAGS;
/** The initial stack VMA's flags before setup_arg_pages adds VM_STACK_INCOMPLETE_SETUP. */
export const VM_STACK_FLAGS = VM_STACK | VM_STACK_DEFAULT_FLAGS | VM_ACCOUNT;

/** Flags that block merging across VMAs that differ only in them (mm.h). */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
/** The mlock flags (VM_LOCKED_MASK). */
export const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
/** Flags that do not prevent merging (is_mergeable_vma ignores VM_SOFTDIRTY). */
export const VM_IGNORE_MERGE = VM_SOFTDIRTY;

// ---------------------------------------------------------------------------------------------
// rss counters
// ---------------------------------------------------------------------------------------------

/** Resident file-mapping pages. */
export const MM_FILEPAGES = 0;
/** Resident anonymous pages. */
export const MM_ANONPAGES = 1;
/** Anonymous swap entries. */
export const MM_SWAPENTS = 2;
/** Resident shared-memory (shmem/tmpfs/shared anon) pages. */
export const MM_SHMEMPAGES = 3;
export const NR_MM_COUNTERS = 4;

// ---------------------------------------------------------------------------------------------
// Files: the VFS shapes live in fs/fs.ts (include/linux/fs.h); mm code names them from here too.
// ---------------------------------------------------------------------------------------------

export { FMODE_READ, FMODE_WRITE } from "../fs/fs.js";
export type { address_space, file, inode } from "../fs/fs.js";
import type { file } from "../fs/fs.js";
import type { userfaultfd_ctx } from "../fs/userfaultfd.js";

// ---------------------------------------------------------------------------------------------
// anon_vma
// ---------------------------------------------------------------------------------------------

/** The end of a list of anon_vma_chain slots (AnonVmaTable's columns): no chain. */
export const NO_AVC = -1;

/**
 * The anonymous-memory reverse map root a VMA's private pages point to. A forked child's VMA
 * gets its own anon_vma whose parent is the parent's, and is chained to every anon_vma up the
 * hierarchy (anon_vma_chain), so rmap walking a page's anon_vma reaches every VMA that can map
 * it: parent, children and their children.
 */
export class anon_vma {
  // Declared without initializers and set once in the constructor (see vm_area_struct): a fork
  // makes one per anonymous VMA, so the object is built in one step with a stable hidden class.
  /**
   * Identity; page->mapping stores -id for anonymous pages (the PAGE_MAPPING_ANON encoding).
   * Never reused: an object AnonVmaTable hands out again gets a new id, so a page still naming
   * a freed anon_vma finds none, as the kernel's SLAB_TYPESAFE_BY_RCU readers find it dead.
   */
  declare id: number;
  declare root: anon_vma;
  declare parent: anon_vma;
  /** References that keep it alive without a VMA. */
  declare refcount: number;
  /** Child anon_vmas whose parent is this one, itself included. */
  declare num_children: number;
  /** VMAs whose ->anon_vma is this one. */
  declare num_active_vmas: number;
  /**
   * The kernel's rb_root, the interval tree of the anon_vma_chains that link VMAs to this
   * anon_vma: here the first and last of a list of chain slots in AnonVmaTable's columns
   * (avc_rb_next/avc_rb_prev), in the order the VMAs were chained (anon_vma_vmas reads it).
   * Simplified: a list, not an interval tree; rmap checks each VMA's range itself.
   */
  declare rb_first: number;
  declare rb_last: number;
  /**
   * The VMAs of the rb list as an array, made by anon_vma_vmas when rmap first asks and dropped
   * (null) whenever a chain is linked or unlinked: reclaim walks the same anon_vmas again and
   * again between forks and exits, and takes the array each time without making one.
   */
  declare rmap_vmas: vm_area_struct[] | null;
  /** The anon_vma object itself, from anon_vma_cachep (0 when made without the slab). */
  declare obj: number;

  constructor(id: number, obj: number) {
    this.id = id;
    this.root = this;
    this.parent = this;
    this.refcount = 1;
    this.num_children = 0;
    this.num_active_vmas = 0;
    this.rb_first = NO_AVC;
    this.rb_last = NO_AVC;
    this.rmap_vmas = null;
    this.obj = obj;
  }
}

// ---------------------------------------------------------------------------------------------
// vm_area_struct
// ---------------------------------------------------------------------------------------------

/** One mapping: [vm_start, vm_end) of an address space with one set of flags and backing. */
export class vm_area_struct {
  // Every field is declared without an initializer and set once in the constructor, in this
  // order: V8 then builds the object in the constructor alone (field initializers would run as a
  // separate <instance_members_initializer> call on every mmap), and no numeric field is first
  // defined as `undefined`, which would give it the generic tagged representation and box a new
  // heap number on every store of an address above 2^30.
  /** First address. */
  declare vm_start: number;
  /** First address after the end. */
  declare vm_end: number;
  /** The address space it belongs to. */
  declare vm_mm: mm_struct;
  /** Low 32 bits of vm_flags (int32; see the header). */
  declare vm_flags: number;
  /** vm_flags bits 32..63, shifted down by 32 (protection keys, VM_UFFD_MINOR). */
  declare vm_flags_hi: number;
  /** The PTE protection bits vm_get_page_prot derives from vm_flags (PT's _PAGE_* bits). */
  declare vm_page_prot: number;
  /** Offset in the file (or vm_start >> PAGE_SHIFT for anonymous memory), in pages. */
  declare vm_pgoff: number;
  /** The mapped file, or null for anonymous memory. */
  declare vm_file: file | null;
  /** The anon_vma private pages of this VMA point to (null until the first anonymous fault). */
  declare anon_vma: anon_vma | null;
  /**
   * vma->anon_vma_chain: the anon_vma_chain slots (AnonVmaTable's columns) linking this VMA to
   * every anon_vma it is chained to (its own and its ancestors'), first to last through
   * avc_same_next/avc_same_prev in the order they were linked; NO_AVC when it has none.
   */
  declare avc_first: number;
  declare avc_last: number;
  /** Name given by the kernel for special mappings ("[heap]", "[stack]", "[vdso]") or null. */
  declare specialName: string | null;
  /** VMA swap readahead's last fault, window and hits, packed (mm/swap_state.ts SWAP_RA_VAL); 0 before any. */
  declare swap_readahead_info: number;
  /** vm_private_data: a private hugetlb mapping's reservation map (mm/hugetlb.ts), else null. */
  declare vm_private_data: resv_map | null;
  /** This VMA's vm_area_struct object (vm_area_cachep), 0 when made without the slab. */
  declare obj: number;
  /** vm_userfaultfd_ctx.ctx: the userfaultfd this VMA is registered with (fs/userfaultfd.ts), or null. */
  declare vm_userfaultfd_ctx: userfaultfd_ctx | null;

  constructor(mm: mm_struct, vm_start: number, vm_end: number, vm_flags: number, vm_pgoff: number) {
    this.vm_start = vm_start;
    this.vm_end = vm_end;
    this.vm_mm = mm;
    this.vm_flags = vm_flags | 0;
    this.vm_flags_hi = 0;
    this.vm_page_prot = 0;
    this.vm_pgoff = vm_pgoff;
    this.vm_file = null;
    this.anon_vma = null;
    this.avc_first = NO_AVC;
    this.avc_last = NO_AVC;
    this.specialName = null;
    this.swap_readahead_info = 0;
    this.vm_private_data = null;
    this.obj = 0;
    this.vm_userfaultfd_ctx = null;
  }
}

/** Pages the VMA spans. */
export function vma_pages(vma: vm_area_struct): number {
  return (vma.vm_end - vma.vm_start) / 4096;
}

/** vma_is_accessible: any of read, write, exec. @kernel include/linux/mm.h vma_is_accessible */
export function vma_is_accessible(vma: vm_area_struct): boolean {
  return (vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
}

/** Anonymous memory: no file behind it (vma_is_anonymous: no vm_ops). */
export function vma_is_anonymous(vma: vm_area_struct): boolean {
  return vma.vm_file === null;
}

/**
 * Does the VMA's vm_ops have ->page_mkwrite (`vma->vm_ops && vma->vm_ops->page_mkwrite`)? The
 * model keeps no vm_ops table; the file implies it: a page cache file of a disk filesystem has
 * generic_file_vm_ops (filemap_page_mkwrite); shmem_vm_ops, hugetlb_vm_ops, a driver's
 * fault-only vm_ops (device-dax) and anonymous memory have none.
 */
export function vma_has_page_mkwrite(vma: vm_area_struct): boolean {
  const file = vma.vm_file;
  return file !== null && !file.f_inode.shmem && (vma.vm_flags & VM_HUGETLB) === 0 && file.f_op.fault === undefined;
}

/** Shared anonymous or tmpfs: backed by shmem. */
export function vma_is_shmem(vma: vm_area_struct): boolean {
  return vma.vm_file !== null && vma.vm_file.f_inode.shmem;
}

/**
 * A new VMA, its vm_area_struct from vm_area_cachep (GFP_KERNEL). When the slab has no page for
 * it (only an OOM victim's allocation fails so) the VMA is still made, without its object:
 * callers that can fail with ENOMEM check `obj`.
 * @kernel kernel/fork.c vm_area_alloc
 */
export function vm_area_alloc(k: Kernel, mm: mm_struct, vm_start: number, vm_end: number, vm_flags: number, vm_pgoff: number): vm_area_struct {
  const pool = k.vm_area_pool;
  const v = pool.length !== 0 ? vm_area_init(pool.pop()!, mm, vm_start, vm_end, vm_flags, vm_pgoff) : new vm_area_struct(mm, vm_start, vm_end, vm_flags, vm_pgoff);
  const c = k.slab.cachep.vm_area_cachep;
  if (c) v.obj = kmem_cache_alloc(k, c, GFP_KERNEL, "vm_area_alloc");
  return v;
}

/**
 * Freed VMAs kept for vm_area_alloc to hand out again. A fork+exit of a 100-VMA process made
 * and dropped 100 objects of ~220 bytes (four of their fields are doubles, each boxed): ~22 KB
 * of the ~47 KB a fork allocated, and the constructor's and the scavenger's time. Above this
 * many, freed ones are left to the collector (a process of 65530 VMAs exiting would otherwise
 * pin ~14 MB).
 */
const VM_AREA_POOL_MAX = 4096;

/**
 * A freed VMA made new: the constructor's fields, in its order, on an object of its hidden
 * class (mm_types.test.ts checks that a reused VMA equals a new one field for field).
 */
function vm_area_init(v: vm_area_struct, mm: mm_struct, vm_start: number, vm_end: number, vm_flags: number, vm_pgoff: number): vm_area_struct {
  v.vm_start = vm_start;
  v.vm_end = vm_end;
  v.vm_mm = mm;
  v.vm_flags = vm_flags | 0;
  v.vm_flags_hi = 0;
  v.vm_page_prot = 0;
  v.vm_pgoff = vm_pgoff;
  v.vm_file = null;
  v.anon_vma = null;
  v.avc_first = NO_AVC;
  v.avc_last = NO_AVC;
  v.specialName = null;
  v.swap_readahead_info = 0;
  v.vm_private_data = null;
  v.obj = 0;
  v.vm_userfaultfd_ctx = null;
  return v;
}

/**
 * A VMA's vm_area_struct goes back to vm_area_cachep, and its JS object to the kernel's pool for
 * the next vm_area_alloc: as in the kernel, a VMA is not looked at once freed (its fields stay
 * readable until the next allocation, which callers that read them after the free rely on).
 * @kernel kernel/fork.c vm_area_free
 */
export function vm_area_free(k: Kernel, vma: vm_area_struct): void {
  const c = k.slab.cachep.vm_area_cachep;
  if (vma.obj === 0 || !c) return;
  kmem_cache_free(k, c, vma.obj, "vm_area_free");
  vma.obj = 0;
  // Only a VMA whose object was just freed: a second vm_area_free of it (obj already 0) must not
  // put it in the pool twice, where two allocations would get the one object.
  const pool = k.vm_area_pool;
  if (pool.length < VM_AREA_POOL_MAX) pool.push(vma);
}

/**
 * Copy of a VMA for split and fork: same fields, no anon_vma chain yet, its own vm_area_struct.
 * @kernel kernel/fork.c vm_area_dup
 */
export function vm_area_dup(k: Kernel, orig: vm_area_struct, mm: mm_struct = orig.vm_mm): vm_area_struct {
  const n = vm_area_alloc(k, mm, orig.vm_start, orig.vm_end, orig.vm_flags, orig.vm_pgoff);
  n.vm_flags_hi = orig.vm_flags_hi;
  n.vm_page_prot = orig.vm_page_prot;
  n.vm_file = orig.vm_file;
  if (n.vm_file) n.vm_file.f_count++;
  n.anon_vma = orig.anon_vma;
  n.specialName = orig.specialName;
  // *new = *orig: the userfaultfd context too (dup_mmap then asks dup_userfaultfd).
  n.vm_userfaultfd_ctx = orig.vm_userfaultfd_ctx;
  // *new = *orig: the readahead state comes along, and a hugetlb reservation map (its users
  // take a reference: hugetlb_vm_op_open).
  n.swap_readahead_info = orig.swap_readahead_info;
  n.vm_private_data = orig.vm_private_data;
  if (n.vm_private_data !== null) n.vm_private_data.refs++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// mm_struct
// ---------------------------------------------------------------------------------------------

/** 47-bit user address space minus the guard page: TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE. */
export const TASK_SIZE = 2 ** 47 - 4096;

/** MMF_* bits in mm->flags that the model uses (include/linux/sched/coredump.h). */
export const MMF_HAS_PINNED = 27;
export const MMF_OOM_SKIP = 21;
export const MMF_UNSTABLE = 22;

/** What vm_unmapped_area searches for. @kernel include/linux/mm.h struct vm_unmapped_area_info */
export interface vm_unmapped_area_info {
  topdown: boolean;
  length: number;
  low_limit: number;
  high_limit: number;
  align_mask: number;
  align_offset: number;
}

/** One address space. */
/** mm->lru_gen.list: a struct list_head that knows its mm (null for the list's own head). */
export class lru_gen_mm_link implements lru_gen_mm_node {
  next: lru_gen_mm_node = this;
  prev: lru_gen_mm_node = this;
  constructor(readonly mm: mm_struct | null) {}
}

export class mm_struct {
  /** The VMAs in address order (the maple tree mm_mt; see the header). */
  readonly mm_mt = new MapleTree<vm_area_struct>();
  /** Root page table handle (pgtable.ts), -1 when none is allocated yet. */
  pgd = -1;
  /** Base of top-down mmap allocations (below the stack and its gap). */
  mmap_base = 0;
  /** Base of bottom-up allocations (TASK_UNMAPPED_BASE + rnd), the top-down search's fallback. */
  mmap_legacy_base = 0;
  /** Which get_unmapped_area the mm uses: top-down (default) or legacy bottom-up. */
  topdown = true;
  /** Top of the user address space for this mm. */
  task_size = TASK_SIZE;
  start_code = 0;
  end_code = 0;
  start_data = 0;
  end_data = 0;
  /** Start of the heap (end of bss, page aligned), fixed at exec. */
  start_brk = 0;
  /** Current program break (unaligned, as the user set it). */
  brk = 0;
  /** Top of the initial stack. */
  start_stack = 0;
  arg_start = 0;
  arg_end = 0;
  env_start = 0;
  env_end = 0;
  /** Pages mapped, over every VMA. */
  total_vm = 0;
  /** Pages with VM_LOCKED. */
  locked_vm = 0;
  /** Pages pinned long-term (FOLL_LONGTERM); the model never pins. */
  pinned_vm = 0;
  /** Private writable, non-stack pages (VM_WRITE & ~VM_SHARED & ~VM_STACK). */
  data_vm = 0;
  /** Executable, non-writable pages (VM_EXEC & ~VM_WRITE & ~VM_STACK). */
  exec_vm = 0;
  /** Stack pages (VM_STACK). */
  stack_vm = 0;
  /** rss_stat.count[MM_FILEPAGES..MM_SHMEMPAGES], in pages. */
  readonly rss_stat = new Float64Array(NR_MM_COUNTERS);
  /** High-water mark of resident pages (updated when rss falls, and read with max(…)). */
  hiwater_rss = 0;
  /** High-water mark of total_vm. */
  hiwater_vm = 0;
  /** Bytes of page-table pages (PTE, PMD, PUD tables; the pgd counted by the arch). */
  pgtables_bytes = 0;
  /** Flags every new VMA gets (VM_LOCKED after mlockall(MCL_FUTURE)). */
  def_flags = 0;
  /** Number of VMAs. */
  map_count = 0;
  /** Tasks sharing this mm (threads, vfork). */
  mm_users = 1;
  /** References to the struct itself (mm_users counts as one). */
  mm_count = 1;
  /** MMF_* bits. */
  flags = 0;
  /** Base pages of hugetlb mappings faulted in (mm->hugetlb_usage, status's HugetlbPages). */
  hugetlb_usage = 0;
  /**
   * mm->context.pkey_allocation_map and execute_only_pkey (arch/x86/pkeys.ts): both 0 on the
   * model's CPU, which has no PKU (init_new_context sets 1 and -1 only with OSPKE).
   */
  pkey_allocation_map = 0;
  execute_only_pkey = 0;
  /** The task that owns this mm, for /proc and the OOM killer (pid; 0 = none). */
  owner = 0;
  /**
   * mm->lru_gen (CONFIG_LRU_GEN): the link on the multi-gen LRU's mm list that page-table walkers
   * iterate (empty, i.e. self-linked, until lru_gen_add_mm), and the bitmap of nodes (bit
   * nid % 64, in two 32-bit words) whose walkers have not looked since this mm last ran: set
   * whole by lru_gen_use_mm when it is switched in, each node's bit cleared by its walker; and
   * the memcg whose mm list holds it (mm->lru_gen.memcg, set by lru_gen_add_mm, null off the list).
   * @kernel include/linux/mm_types.h lru_gen_init_mm, lru_gen_use_mm
   */
  readonly lru_gen: { list: lru_gen_mm_link; bitmap: Uint32Array; memcg: mem_cgroup | null } = { list: new lru_gen_mm_link(this), bitmap: new Uint32Array(2), memcg: null };
  /**
   * mm_cpumask(mm): the CPUs that may hold this mm's translations, set and cleared by
   * switch_mm_irqs_off (arch/x86/tlb.ts), 8 words of 32 bits (the model's NR_CPUS, 256).
   */
  readonly cpu_bitmap = new Uint32Array(8);
  /** mm->context: tlb_gen, the flush generation each flush of this mm moves on (arch/x86/tlb.ts). */
  readonly context = { tlb_gen: 0 };
  /** The last VMA found (vmacache; kept only as a fast path, never for semantics). */
  cache: vm_area_struct | null = null;
  /**
   * do_align_munmap's detached VMAs (the kernel's mt_detach tree on its stack), one array reused
   * so a munmap allocates nothing; empty between calls.
   */
  readonly detached: vm_area_struct[] = [];
  /** This mm's mm_struct object (mm_cachep) and its maple tree's root node (maple_node_cache); 0 without the slab. */
  obj = 0;
  mt_root = 0;
  /** get_unmapped_area's search request (a local of the kernel's), filled per search. */
  readonly unmapped_info: vm_unmapped_area_info = { topdown: true, length: 0, low_limit: 0, high_limit: 0, align_mask: 0, align_offset: 0 };

  constructor() {
    // Addresses and page counts: doubles from the start (kernel/shape.ts's asDoubles, written out
    // because a fork makes an mm and the helper's keyed stores took ~1 µs of it), so the first
    // process's layout or the first fork does not replace every mm's hidden class mid-run.
    this.mmap_base = this.mmap_legacy_base = this.start_code = this.end_code = this.start_data = this.end_data = this.start_brk = this.brk = this.start_stack = this.arg_start = this.arg_end = this.env_start = this.env_end = this.total_vm = this.locked_vm = this.pinned_vm = this.data_vm = this.exec_vm = this.stack_vm = this.hiwater_rss = this.hiwater_vm = this.pgtables_bytes = this.obj = this.mt_root = 0.5;
    this.mmap_base = this.mmap_legacy_base = this.start_code = this.end_code = this.start_data = this.end_data = this.start_brk = this.brk = this.start_stack = this.arg_start = this.arg_end = this.env_start = this.env_end = this.total_vm = this.locked_vm = this.pinned_vm = this.data_vm = this.exec_vm = this.stack_vm = this.hiwater_rss = this.hiwater_vm = this.pgtables_bytes = this.obj = this.mt_root = 0;
  }
}

/**
 * An mm's own objects: the mm_struct (mm_cachep) and its maple tree's root node
 * (maple_node_cache). False when the slab has no memory for them.
 * Simplified: the maple tree is one node; a tree of more than a node's VMAs does not allocate
 * its further nodes (sl-fork's processes of about ten VMAs each hold one, as here).
 * @kernel kernel/fork.c allocate_mm
 * @kernel lib/maple_tree.c mas_alloc_nodes
 */
export function allocate_mm(k: Kernel, mm: mm_struct): boolean {
  const c = k.slab.cachep.mm_cachep;
  const m = k.slab.cachep.maple_node_cache;
  if (!c || !m) return true;
  mm.obj = kmem_cache_alloc(k, c, GFP_KERNEL, "allocate_mm");
  if (!mm.obj) return false;
  mm.mt_root = kmem_cache_alloc(k, m, GFP_KERNEL, "mas_alloc_nodes");
  if (!mm.mt_root) {
    free_mm(k, mm);
    return false;
  }
  return true;
}

/** The mm_struct and its maple tree node go back. @kernel kernel/fork.c free_mm */
export function free_mm(k: Kernel, mm: mm_struct): void {
  const c = k.slab.cachep.mm_cachep;
  const m = k.slab.cachep.maple_node_cache;
  if (mm.mt_root && m) kmem_cache_free(k, m, mm.mt_root, "mt_destroy_walk");
  if (mm.obj && c) kmem_cache_free(k, c, mm.obj, "__mmdrop");
  mm.mt_root = 0;
  mm.obj = 0;
}

/** get_mm_counter. */
export function get_mm_counter(mm: mm_struct, member: number): number {
  return mm.rss_stat[member];
}

/** add_mm_counter. */
export function add_mm_counter(mm: mm_struct, member: number, value: number): void {
  mm.rss_stat[member] += value;
}

/** get_mm_rss: file + anon + shmem resident pages. */
export function get_mm_rss(mm: mm_struct): number {
  return mm.rss_stat[MM_FILEPAGES] + mm.rss_stat[MM_ANONPAGES] + mm.rss_stat[MM_SHMEMPAGES];
}

/** get_mm_hiwater_rss: the peak, including the current value. */
export function get_mm_hiwater_rss(mm: mm_struct): number {
  return Math.max(mm.hiwater_rss, get_mm_rss(mm));
}

/** get_mm_hiwater_vm. */
export function get_mm_hiwater_vm(mm: mm_struct): number {
  return Math.max(mm.hiwater_vm, mm.total_vm);
}

/** update_hiwater_rss: called before rss drops (zap, exit) so the peak is kept. */
export function update_hiwater_rss(mm: mm_struct): void {
  const rss = get_mm_rss(mm);
  if (mm.hiwater_rss < rss) mm.hiwater_rss = rss;
}

/** update_hiwater_vm: called before total_vm drops. */
export function update_hiwater_vm(mm: mm_struct): void {
  if (mm.hiwater_vm < mm.total_vm) mm.hiwater_vm = mm.total_vm;
}

/** mm_pgtables_bytes. */
export function mm_pgtables_bytes(mm: mm_struct): number {
  return mm.pgtables_bytes;
}

// ---------------------------------------------------------------------------------------------
// anon_vma lifecycle (mm/rmap.c), shared by mmap.ts (split/merge/unmap) and fork.ts
// ---------------------------------------------------------------------------------------------

/** Chain slots the table starts with; the columns double when they fill. */
const AVC_INITIAL = 256;
/** Slots of the anon_vma hash the table starts with (a power of two); it doubles when half full. */
const AV_HASH_INITIAL = 256;

/** Freed anon_vma objects AnonVmaTable keeps for reuse (see its pool). */
const AV_POOL_MAX = 4096;

/** include/linux/hash.h: 2^32 / φ, rounded to an odd number. */
const GOLDEN_RATIO_32 = 0x61c88647;

/**
 * The top `bits` bits of val * GOLDEN_RATIO_32: consecutive values land far apart.
 * @kernel include/linux/hash.h hash_32
 */
function hash_32(val: number, bits: number): number {
  return Math.imul(val, GOLDEN_RATIO_32) >>> (32 - bits);
}

/**
 * The anon_vma registry (page->mapping = -id resolves through it; one per Kernel) and the
 * anon_vma_chain objects, as columns indexed by chain slot. A chain links one VMA to one
 * anon_vma and sits on two lists, as the kernel's struct anon_vma_chain does: the VMA's
 * (same_vma: avc_same_next/avc_same_prev, from vma.avc_first) and the anon_vma's (rb: from
 * av.rb_first). A fork of a process with 50 anonymous VMAs makes 100 chains and frees them at
 * exit; as slots in typed columns they cost no object, array or Set each.
 */
export class AnonVmaTable {
  private nextId = 1;
  /**
   * The anon_vmas by id: an open-addressing hash table (linear probing, deletion by shifting
   * back, so no tombstones), not a Map: a Map whose keys only grow spends ~160 ns a set+delete
   * on its holes, and a fork of 50 anonymous VMAs makes and frees 50 anon_vmas. Kept at most
   * half full. The slot is the id's Fibonacci hash (the top bits of id * 2^32/φ): ids come in
   * sequence, and taken as they are (id & mask) a fork's 50 would sit in one run of 50 slots,
   * which every delete would scan to its end.
   */
  private ht_key = new Int32Array(AV_HASH_INITIAL);
  private ht_val: (anon_vma | null)[] = new Array<anon_vma | null>(AV_HASH_INITIAL).fill(null);
  /** log2(slots): how many of the product's top bits the hash keeps. */
  private ht_bits = Math.log2(AV_HASH_INITIAL);
  /** Live anon_vmas. */
  nr_anon_vmas = 0;
  /**
   * The machine, whose anon_vma and anon_vma_chain caches the objects come from (set by the
   * Kernel; null in tables made on their own, whose objects then have no slab memory).
   */
  k: Kernel | null = null;
  /** avc->vma of each chain slot (null when the slot is free). */
  avc_vma: (vm_area_struct | null)[] = new Array<vm_area_struct | null>(AVC_INITIAL).fill(null);
  /** avc->anon_vma of each chain slot (null when the slot is free). */
  avc_anon_vma: (anon_vma | null)[] = new Array<anon_vma | null>(AVC_INITIAL).fill(null);
  /** The chain's own object (anon_vma_chain_cachep), 0 without the slab. */
  avc_obj = new Float64Array(AVC_INITIAL);
  /** The VMA's list (same_vma); a free slot's next free slot in avc_same_next. */
  avc_same_next = new Int32Array(AVC_INITIAL).fill(NO_AVC);
  avc_same_prev = new Int32Array(AVC_INITIAL).fill(NO_AVC);
  /** The anon_vma's list (its rb_root). */
  avc_rb_next = new Int32Array(AVC_INITIAL).fill(NO_AVC);
  avc_rb_prev = new Int32Array(AVC_INITIAL).fill(NO_AVC);
  /** First free chain slot, NO_AVC when every slot is used. */
  avc_free = NO_AVC;
  /** Slots handed out so far (the ones above are free without being on the free list). */
  avc_used = 0;

  /**
   * Freed anon_vmas whose JS objects alloc hands out again (with a new id), as anon_vma_cachep
   * hands out a freed object's memory: a fork of 50 anonymous VMAs made and dropped 50 objects
   * (~115 bytes each). Not state: a snapshot leaves it out. At most AV_POOL_MAX.
   */
  pool: anon_vma[] = [];

  /** anon_vma_alloc: a new root with one reference (from its first VMA's chain). */
  alloc(): anon_vma {
    const k = this.k;
    const c = k?.slab.cachep.anon_vma_cachep;
    const obj = k && c ? kmem_cache_alloc(k, c, GFP_KERNEL, "anon_vma_alloc") : 0;
    const pool = this.pool;
    let av: anon_vma;
    if (pool.length !== 0) {
      // The constructor's fields, in its order (mm_types.test.ts compares with a new one).
      av = pool.pop()!;
      av.id = this.nextId++;
      av.root = av;
      av.parent = av;
      av.refcount = 1;
      av.num_children = 0;
      av.num_active_vmas = 0;
      av.rb_first = NO_AVC;
      av.rb_last = NO_AVC;
      av.rmap_vmas = null;
      av.obj = obj;
    } else {
      av = new anon_vma(this.nextId++, obj);
    }
    this.hash_add(av);
    return av;
  }

  /** The anon_vma an anonymous page's mapping id names. */
  get(id: number): anon_vma | undefined {
    const keys = this.ht_key;
    const mask = keys.length - 1;
    for (let i = hash_32(id, this.ht_bits); ; i = (i + 1) & mask) {
      const key = keys[i];
      if (key === id) return this.ht_val[i]!;
      if (key === 0) return undefined;
    }
  }

  private hash_add(av: anon_vma): void {
    if ((this.nr_anon_vmas + 1) * 2 > this.ht_key.length) this.hash_grow();
    const keys = this.ht_key;
    const mask = keys.length - 1;
    let i = hash_32(av.id, this.ht_bits);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = av.id;
    this.ht_val[i] = av;
    this.nr_anon_vmas++;
  }

  /** Takes id out, moving back each later entry of its run that may fill the hole (Knuth's Algorithm R). */
  private hash_del(id: number): void {
    const keys = this.ht_key;
    const vals = this.ht_val;
    const mask = keys.length - 1;
    const bits = this.ht_bits;
    let i = hash_32(id, bits);
    while (keys[i] !== id) {
      BUG_ON(keys[i] === 0, "put_anon_vma: anon_vma not in the table", { id });
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = hash_32(keys[j], bits);
      // The entry at j stays unless the hole i lies cyclically in [home, j).
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = keys[j];
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = 0;
    vals[i] = null;
    this.nr_anon_vmas--;
  }

  private hash_grow(): void {
    const oldKeys = this.ht_key;
    const oldVals = this.ht_val;
    const n = oldKeys.length * 2;
    this.ht_key = new Int32Array(n);
    this.ht_bits++;
    this.ht_val = new Array<anon_vma | null>(n).fill(null);
    this.nr_anon_vmas = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.hash_add(oldVals[i]!);
  }

  /** put_anon_vma: drops a reference; the last one frees it and its parent's reference. */
  put(av: anon_vma): void {
    let cur: anon_vma | null = av;
    while (cur) {
      cur.refcount--;
      BUG_ON(cur.refcount < 0, "anon_vma refcount underflow", { id: cur.id });
      if (cur.refcount > 0) return;
      this.hash_del(cur.id);
      // anon_vma_free
      const c = this.k?.slab.cachep.anon_vma_cachep;
      if (cur.obj && c) kmem_cache_free(this.k!, c, cur.obj, "__put_anon_vma");
      cur.obj = 0;
      const parent: anon_vma = cur.parent;
      // Into the pool, holding nothing: its root and parent may be freed and reused later.
      cur.root = cur.parent = cur;
      cur.rmap_vmas = null;
      if (this.pool.length < AV_POOL_MAX) this.pool.push(cur);
      if (parent === cur) return;
      parent.num_children--;
      cur = parent;
    }
  }

  /** A free chain slot (the columns doubled when none is left). */
  avc_get(): number {
    let a = this.avc_free;
    if (a !== NO_AVC) {
      this.avc_free = this.avc_same_next[a];
      return a;
    }
    a = this.avc_used++;
    if (a === this.avc_obj.length) this.grow();
    return a;
  }

  /** A chain slot back on the free list. */
  avc_put(a: number): void {
    this.avc_vma[a] = null;
    this.avc_anon_vma[a] = null;
    this.avc_obj[a] = 0;
    this.avc_rb_next[a] = NO_AVC;
    this.avc_rb_prev[a] = NO_AVC;
    this.avc_same_prev[a] = NO_AVC;
    this.avc_same_next[a] = this.avc_free;
    this.avc_free = a;
  }

  private grow(): void {
    const n = this.avc_obj.length * 2;
    const i32 = (old: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const a = new Int32Array(n).fill(NO_AVC);
      a.set(old);
      return a;
    };
    this.avc_same_next = i32(this.avc_same_next);
    this.avc_same_prev = i32(this.avc_same_prev);
    this.avc_rb_next = i32(this.avc_rb_next);
    this.avc_rb_prev = i32(this.avc_rb_prev);
    const obj = new Float64Array(n);
    obj.set(this.avc_obj);
    this.avc_obj = obj;
    for (let i = this.avc_vma.length; i < n; i++) {
      this.avc_vma.push(null);
      this.avc_anon_vma.push(null);
    }
  }
}

/**
 * The VMAs chained to `av`, in the order they were chained: what rmap walks for a page of it.
 * The array is kept on the anon_vma until its chains change; a change makes a new one and
 * leaves this one as it was, so a walk's visitor may change the chains it came from. Callers
 * only read it.
 * @kernel mm/rmap.c rmap_walk_anon
 */
export function anon_vma_vmas(table: AnonVmaTable, av: anon_vma): readonly vm_area_struct[] {
  const kept = av.rmap_vmas;
  if (kept !== null) return kept;
  const out: vm_area_struct[] = [];
  const vmas = table.avc_vma;
  const next = table.avc_rb_next;
  for (let a = av.rb_first; a !== NO_AVC; a = next[a]) out.push(vmas[a]!);
  av.rmap_vmas = out;
  return out;
}

/** The anon_vmas `vma` is chained to, oldest link first (tests and checks; not a hot path). */
export function vma_anon_vmas(table: AnonVmaTable, vma: vm_area_struct): anon_vma[] {
  const out: anon_vma[] = [];
  for (let a = vma.avc_first; a !== NO_AVC; a = table.avc_same_next[a]) out.push(table.avc_anon_vma[a]!);
  return out;
}

/** list_is_singular(&vma->anon_vma_chain): chained to exactly one anon_vma. */
export function anon_vma_chain_singular(vma: vm_area_struct): boolean {
  return vma.avc_first !== NO_AVC && vma.avc_first === vma.avc_last;
}

/** An anon_vma_chain object, or 0 (no slab, or none to be had). @kernel mm/rmap.c anon_vma_chain_alloc */
function anon_vma_chain_alloc(table: AnonVmaTable): number {
  const k = table.k;
  const c = k?.slab.cachep.anon_vma_chain_cachep;
  return k && c ? kmem_cache_alloc(k, c, GFP_KERNEL, "anon_vma_chain_alloc") : 0;
}

/**
 * Links a VMA to an anon_vma through a new anon_vma_chain: at the end of the VMA's list and of
 * the anon_vma's.
 * @kernel mm/rmap.c anon_vma_chain_link
 */
function anon_vma_chain_link(table: AnonVmaTable, vma: vm_area_struct, av: anon_vma): void {
  const obj = anon_vma_chain_alloc(table);
  const a = table.avc_get();
  table.avc_vma[a] = vma;
  table.avc_anon_vma[a] = av;
  table.avc_obj[a] = obj;
  // same_vma
  const last = vma.avc_last;
  table.avc_same_prev[a] = last;
  table.avc_same_next[a] = NO_AVC;
  if (last === NO_AVC) vma.avc_first = a;
  else table.avc_same_next[last] = a;
  vma.avc_last = a;
  // the anon_vma's rb_root
  const rlast = av.rb_last;
  table.avc_rb_prev[a] = rlast;
  table.avc_rb_next[a] = NO_AVC;
  if (rlast === NO_AVC) av.rb_first = a;
  else table.avc_rb_next[rlast] = a;
  av.rb_last = a;
  av.rmap_vmas = null;
}

/**
 * anon_vma_prepare: give the VMA an anon_vma before its first anonymous page. 6.1 first tries
 * to reuse a neighbour's (find_mergeable_anon_vma) so adjacent VMAs stay mergeable.
 */
export function anon_vma_prepare(
  table: AnonVmaTable,
  vma: vm_area_struct,
  neighbour: anon_vma | null = null,
): anon_vma {
  if (vma.anon_vma) return vma.anon_vma;
  let av = neighbour;
  if (av) {
    av.refcount++;
  } else {
    av = table.alloc();
    av.num_children++; // self-parent counts itself
  }
  // Simplified: a reused neighbour's anon_vma is taken with its own reference, not via the root.
  anon_vma_chain_link(table, vma, av);
  vma.anon_vma = av;
  av.num_active_vmas++;
  return av;
}

/**
 * anon_vma_clone: chain `dst` to every anon_vma `src` is chained to (split, merge, fork).
 * On split both halves share src's anon_vma.
 */
export function anon_vma_clone(table: AnonVmaTable, dst: vm_area_struct, src: vm_area_struct): void {
  // The columns are read afresh each step: a link may have grown them.
  for (let a = src.avc_first; a !== NO_AVC; a = table.avc_same_next[a]) {
    const av = table.avc_anon_vma[a]!;
    av.refcount++;
    anon_vma_chain_link(table, dst, av);
  }
  dst.anon_vma = src.anon_vma;
  if (dst.anon_vma) dst.anon_vma.num_active_vmas++;
}

/**
 * anon_vma_fork: the child VMA is chained to the parent's hierarchy (anon_vma_clone) and gets
 * a fresh anon_vma of its own whose parent is the parent VMA's, so pages the child later
 * allocates are only found through the child's side of the tree.
 */
export function anon_vma_fork(table: AnonVmaTable, vma: vm_area_struct, pvma: vm_area_struct): void {
  if (!pvma.anon_vma) return;
  vma.anon_vma = null;
  for (let a = pvma.avc_first; a !== NO_AVC; a = table.avc_same_next[a]) {
    const pav = table.avc_anon_vma[a]!;
    pav.refcount++;
    anon_vma_chain_link(table, vma, pav);
  }
  const av = table.alloc();
  av.root = pvma.anon_vma.root;
  av.parent = pvma.anon_vma;
  av.parent.num_children++;
  av.parent.refcount++; // the child anon_vma pins its parent (get_anon_vma(anon_vma->root))
  av.num_children = 1;
  anon_vma_chain_link(table, vma, av);
  vma.anon_vma = av;
  av.num_active_vmas++;
}

/** unlink_anon_vmas: unchain a VMA that is going away, dropping its references. */
export function unlink_anon_vmas(table: AnonVmaTable, vma: vm_area_struct): void {
  // Most VMAs an munmap or exit removes never had an anonymous page: nothing to unchain.
  if (vma.avc_last === NO_AVC && vma.anon_vma === null) return;
  if (vma.anon_vma) vma.anon_vma.num_active_vmas--;
  // Release leaf-first so parents outlive children, as the kernel's reverse walk does.
  const k = table.k;
  const c = k?.slab.cachep.anon_vma_chain_cachep;
  const rb_next = table.avc_rb_next;
  const rb_prev = table.avc_rb_prev;
  let a = vma.avc_last;
  while (a !== NO_AVC) {
    const prev = table.avc_same_prev[a];
    const av = table.avc_anon_vma[a]!;
    // off the anon_vma's rb_root
    const n = rb_next[a];
    const p = rb_prev[a];
    if (p === NO_AVC) av.rb_first = n;
    else rb_next[p] = n;
    if (n === NO_AVC) av.rb_last = p;
    else rb_prev[n] = p;
    av.rmap_vmas = null;
    // anon_vma_chain_free
    const obj = table.avc_obj[a];
    if (obj && c) kmem_cache_free(k!, c, obj, "unlink_anon_vmas");
    table.avc_put(a);
    table.put(av);
    a = prev;
  }
  vma.avc_first = NO_AVC;
  vma.avc_last = NO_AVC;
  vma.anon_vma = null;
}
