/**
 * tmpfs (mm/shmem.c): files that live only in the page cache. A tmpfs mount (`shmem_fill_super`)
 * has a block limit (size=, default half of RAM) and an inode limit (nr_inodes=, default half of
 * RAM's pages), both enforced with ENOSPC; huge= is recorded (huge pages are not modelled). Its
 * pages are swap-backed (PG_swapbacked): they count in NR_SHMEM as well as NR_FILE_PAGES, live on
 * the anon LRU lists, and are dirty from the moment they are written (tmpfs has no backing store
 * to clean them against, and its noop_backing_dev_info does no writeback accounting, so they never
 * count in Dirty). A regular tmpfs file is VM_NORESERVE: each block is charged to Committed_AS as
 * it is allocated (shmem_acct_block) and refused with ENOSPC when overcommit refuses it.
 *
 * The same filesystem serves the kernel's own uses: the internal mount (shm_mnt) behind
 * MAP_SHARED|MAP_ANONYMOUS (shmem_zero_setup: a "dev/zero" file of the mapping's size, charged
 * whole unless MAP_NORESERVE), and the rootfs the initramfs unpacks into (fs/initramfs.ts). A
 * tmpfs directory is its dentries (the dcache is the directory): lookup finds nothing the dcache
 * does not have.
 *
 * Reads go through shmem_file_read_iter (a hole reads as zeros without allocating), writes through
 * generic_perform_write with shmem_write_begin/end, faults through shmem_fault (a hole is
 * allocated zeroed), and the last reference to an unlinked inode frees its pages
 * (shmem_evict_inode → shmem_truncate_range) and, for a file charged whole, its Committed_AS.
 *
 * Swap: under reclaim a tmpfs folio goes to swap as 6.1's does (pageout → shmem_writepage): it
 * gets a slot and enters the swap cache, the slot's entry replaces it in the file's i_pages as a
 * value entry (shmem_delete_from_page_cache: NR_SHMEM and nrpages drop, info->swapped rises), and
 * it is written like an anonymous page; once written, reclaim frees it from the swap cache. A
 * lookup that meets the value entry (fault, read, write, fallocate) swaps it back in
 * (shmem_swapin_folio: the swap cache, else swap_cluster_readahead; a fault that had to read it
 * is major), truncation and unlink free the entries (shmem_free_swap → free_swap_and_cache), and
 * swapoff brings every entry of the area back (shmem_unuse). info->alloced counts the pages in
 * the cache and on swap, and pages that left behind its back (clean ones dropped by drop_caches
 * or fadvise) until shmem_recalc_inode finds them.
 *
 * Simplified: the shmem's swap slots hold an ordinary count of 1 where 6.1 writes
 * SWAP_MAP_SHMEM (0xbf: the same "one owner, not a PTE" for every path the model has); no
 * shmem_swaplist (shmem_unuse walks every tmpfs mapping); no swapin-error entries (the model's
 * reads do not fail); no fallocate in progress to leave unswapped (shmem_falloc); no huge pages,
 * no xattrs, no per-CPU inode-number
 * batches (inode numbers count up per mount from the root's 1; the internal mount's from the
 * machine's get_next_ino), no fallocate reservations beyond allocating the pages.
 * @kernel mm/shmem.c shmem_fill_super, shmem_parse_one, shmem_default_max_blocks,
 *   shmem_default_max_inodes, shmem_reserve_inode, shmem_free_inode, shmem_get_inode,
 *   shmem_acct_size, shmem_unacct_size, shmem_acct_block, shmem_inode_acct_block,
 *   shmem_inode_unacct_blocks, shmem_alloc_and_acct_folio, shmem_add_to_page_cache,
 *   shmem_get_folio_gfp, shmem_fault, shmem_write_begin, shmem_write_end, shmem_file_read_iter,
 *   shmem_setattr, shmem_fallocate, shmem_undo_range, shmem_truncate_range, shmem_evict_inode,
 *   shmem_mknod, shmem_create, shmem_mkdir, shmem_unlink, shmem_mmap, __shmem_file_setup,
 *   shmem_file_setup, shmem_zero_setup, shmem_writepage, shmem_delete_from_page_cache,
 *   shmem_swapin_folio, shmem_swapin, shmem_confirm_swap, shmem_recalc_inode, shmem_free_swap,
 *   shmem_unuse, shmem_unuse_inode, shmem_swap_usage, shmem_partial_swap_usage
 * @kernel mm/swapfile.c swap_shmem_alloc
 */
import { noop_fsync } from "../fs/fs-writeback.js";
import { mem_cgroup_charge } from "./memcontrol.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { errnoValues } from "../kernel/errno.js";
import { KernelBug } from "../kernel/bug.js";
import {
  AOP_WRITEPAGE_ACTIVATE,
  type address_space,
  type address_space_operations,
  type file,
  type file_operations,
  FMODE_READ,
  FMODE_WRITE,
  type inode,
  type inode_operations,
  MODEL_MAX_FILESIZE,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  type super_block,
  type super_operations,
  type writeback_control,
} from "../fs/fs.js";
import { d_make_root } from "../fs/dcache.js";
import { alloc_file } from "../fs/file_table.js";
import { new_inode } from "../fs/inode.js";
import { alloc_super } from "../fs/super.js";
import { XA_VALUE, xa_find, xa_load, xa_load_folio, xa_load_value, XA_MAX_INDEX, xa_store_folio, xa_store_value } from "../lib/xarray.js";
import { __GFP_COMP, GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { F, PG_locked, PG_referenced, PG_swapbacked, PG_swapcache, PG_uptodate } from "./memmap.js";
import { type vm_area_struct, VM_LOCKED, VM_MAYWRITE, VM_NORESERVE, VM_SHARED, VM_UFFD_MINOR_HI, VM_UFFD_MISSING, VM_WRITE } from "./mm_types.js";
import { handle_userfault } from "../fs/userfaultfd.js";

/** File seals (include/uapi/linux/fcntl.h), the memfd interface's (mm/memfd.ts). */
export const F_SEAL_SEAL = 0x0001;
export const F_SEAL_SHRINK = 0x0002;
export const F_SEAL_GROW = 0x0004;
export const F_SEAL_WRITE = 0x0008;
export const F_SEAL_FUTURE_WRITE = 0x0010;
import { alloc_pages, totalram_pages } from "./page_alloc.js";
import { noop_dirty_folio, folio_mark_dirty } from "./page-writeback.js";
import { mod_page_node_state } from "./rmap.js";
import { folio_add_lru, folio_mark_accessed, put_page } from "./swap.js";
import { NO_PFN, PAGE_SIZE } from "./types.js";
import { security_vm_enough_memory_mm, vm_unacct_memory } from "./util.js";
import { NR_FILE_PAGES, NR_SHMEM, PGMAJFAULT } from "./vmstat_items.js";
import { folio_wait_locked, folio_wait_writeback, swap_writepage } from "./page_io.js";
import { add_to_swap_cache, delete_from_swap_cache, lookup_swap_cache_pfn, swap_cluster_readahead, swap_cache_get_folio } from "./swap_state.js";
import { folio_alloc_swap, free_swap_and_cache, swap_duplicate, swap_free } from "./swapfile.js";
import { swp_type } from "./swapops.js";
import { generic_file_write_iter } from "./filemap.js";
import { truncate_inode_folio } from "./truncate.js";
import { unmap_mapping_range, VM_FAULT_LOCKED, VM_FAULT_MAJOR, VM_FAULT_OOM, VM_FAULT_SIGBUS, type vm_fault } from "./memory.js";

/** BLOCKS_PER_PAGE: 512-byte blocks in a page, what i_blocks counts. */
const BLOCKS_PER_PAGE = PAGE_SIZE / 512;

/** enum sgp_type: what shmem_get_folio may do on a hole. */
export const SGP_READ = 0; // don't allocate: the caller zero-fills
export const SGP_NOALLOC = 1; // don't allocate: fail
export const SGP_CACHE = 2; // allocate a zeroed page (within i_size)
export const SGP_WRITE = 3; // allocate, leave it !uptodate for write_end
export const SGP_FALLOC = 4; // allocate beyond i_size (fallocate)

/** The huge= mount option's values (SHMEM_HUGE_*): recorded, not modelled. */
export const SHMEM_HUGE_NAMES = Object.freeze(["never", "always", "within_size", "advise", "deny", "force"] as const);

/** A tmpfs instance's limits and usage. @kernel include/linux/shmem_fs.h struct shmem_sb_info */
export class shmem_sb_info {
  /** size= in pages; 0 = unlimited (the internal mount). */
  max_blocks = 0;
  /** Pages in use (percpu used_blocks). */
  used_blocks = 0;
  /** nr_inodes=; 0 = unlimited. */
  max_inodes = 0;
  free_inodes = 0;
  /** huge= (SHMEM_HUGE_NEVER = 0). */
  huge = 0;
  /** The next inode number of this instance. */
  next_ino = 1;
  /** A kernel-internal mount (shm_mnt): no limits, inode numbers from get_next_ino. */
  kernmount = false;
  /** The mount options as given, for /proc/mounts. */
  opts = "";
}

/** A tmpfs inode's own state. @kernel include/linux/shmem_fs.h struct shmem_inode_info */
export class shmem_inode_info {
  /** VM_NORESERVE (charged per block) or 0 (charged whole at setup). */
  flags = 0;
  /** Pages allocated to the file: in the page cache or on swap. */
  alloced = 0;
  /** Pages on swap: value entries (swap entries) in i_pages. */
  swapped = 0;
  /** F_SEAL_*: every tmpfs inode starts sealed against sealing (F_SEAL_SEAL); memfd_create with MFD_ALLOW_SEALING clears it (mm/memfd.ts). */
  seals = F_SEAL_SEAL;
  /** For a file charged whole (!VM_NORESERVE): the pages charged to Committed_AS. */
  acct_pages = 0;
}

/** Mount options of a tmpfs. */
export interface shmem_options {
  /** size= in bytes, or a percentage of RAM ("50%"). */
  size?: number | string;
  nr_inodes?: number;
  huge?: string;
}

function SHMEM_SB(sb: super_block): shmem_sb_info {
  return sb.s_fs_info as shmem_sb_info;
}

export function SHMEM_I(ino: inode): shmem_inode_info {
  return ino.i_private as shmem_inode_info;
}

/** VM_ACCT: bytes to pages, rounded up. */
function VM_ACCT(size: number): number {
  return Math.ceil(size / PAGE_SIZE);
}

/** Half of RAM, the default size= of a tmpfs. @kernel mm/shmem.c shmem_default_max_blocks */
export function shmem_default_max_blocks(k: Kernel): number {
  return Math.floor(totalram_pages(k) / 2);
}

/** Half of RAM's pages (lowmem; no highmem on x86-64), the default nr_inodes=. @kernel mm/shmem.c shmem_default_max_inodes */
export function shmem_default_max_inodes(k: Kernel): number {
  return Math.floor(totalram_pages(k) / 2);
}

// ---- accounting ----

/** A file charged whole: its size goes to Committed_AS at setup (0 or -ENOMEM). @kernel mm/shmem.c shmem_acct_size */
function shmem_acct_size(k: Kernel, t: task_struct | null, flags: number, size: number): number {
  if ((flags & VM_NORESERVE) !== 0 || t === null || t.mm === null) return 0;
  return security_vm_enough_memory_mm(k, t, t.mm, VM_ACCT(size));
}

/**
 * A VM_NORESERVE file's new pages are charged as they are allocated; a page over the mount's
 * size= (or refused by overcommit) is ENOSPC.
 * @kernel mm/shmem.c shmem_acct_block, shmem_inode_acct_block
 */
function shmem_inode_acct_block(k: Kernel, ino: inode, pages: number): boolean {
  const info = SHMEM_I(ino);
  const sbinfo = SHMEM_SB(ino.i_sb);
  if ((info.flags & VM_NORESERVE) !== 0) {
    const t = k.tasks.find(k.currentPid);
    if (t !== undefined && t.mm !== null) {
      if (security_vm_enough_memory_mm(k, t, t.mm, pages) !== 0) return false;
    } else {
      k.vm_committed_as += pages;
    }
  }
  if (sbinfo.max_blocks) {
    if (sbinfo.used_blocks > sbinfo.max_blocks - pages) {
      if ((info.flags & VM_NORESERVE) !== 0) vm_unacct_memory(k, pages);
      return false;
    }
    sbinfo.used_blocks += pages;
  }
  return true;
}

/** Pages leave the file: their block charge goes. @kernel mm/shmem.c shmem_inode_unacct_blocks */
function shmem_inode_unacct_blocks(k: Kernel, ino: inode, pages: number): void {
  const info = SHMEM_I(ino);
  const sbinfo = SHMEM_SB(ino.i_sb);
  if (sbinfo.max_blocks) sbinfo.used_blocks -= pages;
  if ((info.flags & VM_NORESERVE) !== 0) vm_unacct_memory(k, pages);
}

/** One inode of the mount's nr_inodes: 0 or -ENOSPC. @kernel mm/shmem.c shmem_reserve_inode */
function shmem_reserve_inode(sb: super_block): number {
  const sbinfo = SHMEM_SB(sb);
  if (sbinfo.max_inodes) {
    if (sbinfo.free_inodes === 0) return -errnoValues.ENOSPC;
    sbinfo.free_inodes--;
  }
  return 0;
}

/** @kernel mm/shmem.c shmem_free_inode */
function shmem_free_inode(sb: super_block): void {
  const sbinfo = SHMEM_SB(sb);
  if (sbinfo.max_inodes) sbinfo.free_inodes++;
}

// ---- operations tables ----

export const shmem_aops: address_space_operations = Object.freeze({
  name: "shmem_aops",
  write_begin: shmem_write_begin,
  write_end: shmem_write_end,
  dirty_folio: noop_dirty_folio,
  writepage: shmem_writepage,
});

export const shmem_file_operations: file_operations = Object.freeze({
  name: "shmem_file_operations",
  read_iter: shmem_file_read_iter,
  write_iter: generic_file_write_iter,
  mmap: shmem_mmap,
  fallocate: shmem_fallocate,
  fsync: noop_fsync,
});

export const shmem_inode_operations: inode_operations = Object.freeze({
  name: "shmem_inode_operations",
  setsize: shmem_setsize,
});

export const shmem_dir_inode_operations: inode_operations = Object.freeze({
  name: "shmem_dir_inode_operations",
  lookup: (): inode | null => null, // simple_lookup: the dcache holds every entry
  create: shmem_create,
  unlink: shmem_unlink,
});

export const shmem_dir_operations: file_operations = Object.freeze({ name: "simple_dir_operations" });

export const shmem_ops: super_operations = Object.freeze({
  name: "shmem_ops",
  evict_inode: shmem_evict_inode,
});

// ---- instances and inodes ----

/**
 * A new tmpfs instance with its root directory (inode 1 for a user mount): the limits from the
 * options (defaults half of RAM and of its pages; a kernel-internal mount has none). Returns the
 * superblock or -EINVAL for an option the kernel rejects.
 * @kernel mm/shmem.c shmem_fill_super, shmem_parse_one
 */
export function shmem_fill_super(k: Kernel, type: string, opts: shmem_options, kernmount: boolean, anon_minor?: number): super_block | number {
  const sbinfo = new shmem_sb_info();
  sbinfo.kernmount = kernmount;
  if (!kernmount) {
    sbinfo.max_blocks = shmem_default_max_blocks(k);
    sbinfo.max_inodes = shmem_default_max_inodes(k);
  }
  const parts: string[] = [];
  if (opts.size !== undefined) {
    const sz = opts.size;
    let pages: number;
    if (typeof sz === "string" && sz.endsWith("%")) {
      const pct = Number(sz.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0) return -errnoValues.EINVAL;
      pages = Math.floor((totalram_pages(k) * pct) / 100);
    } else {
      const bytes = typeof sz === "number" ? sz : Number(sz);
      if (!Number.isFinite(bytes) || bytes < 0) return -errnoValues.EINVAL;
      pages = Math.ceil(bytes / PAGE_SIZE);
    }
    sbinfo.max_blocks = pages;
    parts.push(`size=${pages * 4}k`);
  }
  if (opts.nr_inodes !== undefined) {
    if (!Number.isInteger(opts.nr_inodes) || opts.nr_inodes < 0) return -errnoValues.EINVAL;
    sbinfo.max_inodes = opts.nr_inodes;
    parts.push(`nr_inodes=${opts.nr_inodes}`);
  }
  if (opts.huge !== undefined) {
    const h = SHMEM_HUGE_NAMES.indexOf(opts.huge as (typeof SHMEM_HUGE_NAMES)[number]);
    // deny and force are only for the internal mount's sysfs knob.
    if (h < 0 || h > 3) return -errnoValues.EINVAL;
    sbinfo.huge = h;
    parts.push(`huge=${opts.huge}`);
  }
  sbinfo.free_inodes = sbinfo.max_inodes;
  sbinfo.opts = parts.join(",");
  const sb = alloc_super(k, type, shmem_ops, null, anon_minor);
  sb.s_fs_info = sbinfo;
  sb.s_maxbytes = MODEL_MAX_FILESIZE;
  const root = shmem_get_inode(k, sb, S_IFDIR | 0o1777, 0);
  if (typeof root === "number") return root;
  sb.s_root = d_make_root(k, root);
  return sb;
}

/**
 * A new tmpfs inode (regular file or directory) with one reference (its dentry's or its file's),
 * or -ENOSPC past nr_inodes. `flags` VM_NORESERVE makes a file charged per block.
 * @kernel mm/shmem.c shmem_get_inode
 */
export function shmem_get_inode(k: Kernel, sb: super_block, mode: number, flags: number, ino?: number): inode | number {
  const err = shmem_reserve_inode(sb);
  if (err) return err;
  const sbinfo = SHMEM_SB(sb);
  const i_ino = ino ?? (sbinfo.kernmount ? ++k.vfs.last_ino : sbinfo.next_ino++);
  if (ino !== undefined && ino >= sbinfo.next_ino) sbinfo.next_ino = ino + 1;
  const dir = (mode & S_IFMT) === S_IFDIR;
  const i = new_inode(k, sb, i_ino, mode, { a_ops: shmem_aops, i_op: dir ? shmem_dir_inode_operations : shmem_inode_operations, i_fop: dir ? shmem_dir_operations : shmem_file_operations }, GFP_HIGHUSER_MOVABLE);
  const info = new shmem_inode_info();
  info.flags = flags & VM_NORESERVE;
  i.i_private = info;
  if (dir) i.i_nlink = 2;
  return i;
}

/** A regular file `name` in tmpfs directory `dir` (the VFS makes its dentry). @kernel mm/shmem.c shmem_create, shmem_mknod */
function shmem_create(k: Kernel, dir: inode, _name: string, mode: number): inode | number {
  return shmem_get_inode(k, dir.i_sb, (mode & S_IFMT) === 0 ? mode | S_IFREG : mode, VM_NORESERVE);
}

/** The name goes: one link less; the VFS drops the dentry's reference. @kernel mm/shmem.c shmem_unlink */
function shmem_unlink(_k: Kernel, _dir: inode, _name: string, victim: inode): number {
  victim.i_nlink = Math.max(0, victim.i_nlink - ((victim.i_mode & S_IFMT) === S_IFDIR ? 2 : 1));
  return 0;
}

/**
 * The last reference to a tmpfs inode went: its pages leave (freed unless still mapped), its
 * blocks and, for a file charged whole, its size are unaccounted, and its inode is given back.
 * @kernel mm/shmem.c shmem_evict_inode
 */
function shmem_evict_inode(k: Kernel, ino: inode): void {
  const info = SHMEM_I(ino);
  if ((ino.i_mode & S_IFMT) === S_IFREG) {
    shmem_truncate_range(k, ino, 0, -1);
    if (info.acct_pages) vm_unacct_memory(k, info.acct_pages);
    info.acct_pages = 0;
  }
  shmem_free_inode(ino.i_sb);
}

// ---- the page cache of a tmpfs file ----

/**
 * shmem_add_to_page_cache: a new, locked, swap-backed folio at `index` in place of `expected`
 * (0: a hole; a swap entry: the value entry a swapped-in folio replaces): the cache's reference,
 * NR_FILE_PAGES and NR_SHMEM. 0 or -EEXIST when the slot holds something else.
 * @kernel mm/shmem.c shmem_add_to_page_cache
 */
function shmem_add_to_page_cache(k: Kernel, mapping: address_space, pfn: number, index: number, expected: number): number {
  const e = xa_load(mapping.i_pages, index);
  if (expected === 0 ? e !== 0 : e !== XA_VALUE || xa_load_value(mapping.i_pages, index) !== expected) return -errnoValues.EEXIST;
  const mem = k.mem_map;
  // mem_cgroup_charge(folio, charge_mm, gfp): to the faulting mm's memcg, else the writer's.
  // Simplified: the model passes no charge_mm, so a fault charges the current task's memcg,
  // which is the faulting task's.
  if (k.memcg.nr_memcgs !== 0 && (mem.flags[pfn] & F(PG_swapcache)) === 0) {
    const err = mem_cgroup_charge(k, pfn, null, mapping.gfp_mask);
    if (err !== 0) return err;
  }
  mem._refcount[pfn]++;
  mem.mapping[pfn] = mapping.id;
  mem.index[pfn] = index | 0;
  // xas_store of the folio over the hole or the swap entry (shmem leaves no shadows).
  xa_store_folio(mapping.i_pages, index, pfn);
  mapping.nrpages++;
  mod_page_node_state(k, pfn, NR_FILE_PAGES, 1);
  mod_page_node_state(k, pfn, NR_SHMEM, 1);
  return 0;
}

/**
 * The folio at `index` of a tmpfs file, allocated on a hole (except SGP_READ, which returns
 * NO_PFN for the caller to read zeros, and SGP_NOALLOC): returned with a reference for the
 * caller, or a negative errno (-EINVAL past EOF for SGP_READ/SGP_CACHE, -ENOSPC when the mount
 * or overcommit refuses the page, -ENOMEM).
 * @kernel mm/shmem.c shmem_get_folio_gfp, shmem_alloc_and_acct_folio
 */
export function shmem_get_folio_gfp(k: Kernel, ino: inode, index: number, sgp: number): number {
  if (index > XA_MAX_INDEX) return -errnoValues.EFBIG;
  if (sgp <= SGP_CACHE && index * PAGE_SIZE >= ino.i_size) return -errnoValues.EINVAL;
  const mapping = ino.i_mapping;
  const mem = k.mem_map;
  let pfn = xa_load_folio(mapping.i_pages, index);
  if (pfn >= 0) {
    mem._refcount[pfn]++;
    if (sgp === SGP_WRITE) folio_mark_accessed(k, pfn);
    if ((mem.flags[pfn] & F(PG_uptodate)) === 0 && sgp !== SGP_READ && sgp !== SGP_WRITE) mem.flags[pfn] |= F(PG_uptodate);
    return pfn;
  }
  if (xa_load(mapping.i_pages, index) === XA_VALUE) {
    // Swapped out: read it back (shmem_swapin_folio), whatever sgp asked.
    for (;;) {
      const r = shmem_swapin_folio(k, ino, index, sgp);
      if (r !== -errnoValues.EEXIST) return r;
      // Raced (cannot, single-threaded, but as the kernel does): look again.
      pfn = xa_load_folio(mapping.i_pages, index);
      if (pfn >= 0) {
        mem._refcount[pfn]++;
        return pfn;
      }
      if (xa_load(mapping.i_pages, index) !== XA_VALUE) break;
    }
  }
  if (sgp === SGP_READ) return NO_PFN;
  if (sgp === SGP_NOALLOC) return -errnoValues.ENOENT;
  // shmem_alloc_and_acct_folio
  if (!shmem_inode_acct_block(k, ino, 1)) return -errnoValues.ENOSPC;
  pfn = alloc_pages(k, mapping.gfp_mask | __GFP_COMP, 0);
  if (pfn === NO_PFN) {
    shmem_inode_unacct_blocks(k, ino, 1);
    return -errnoValues.ENOMEM;
  }
  mem.flags[pfn] |= F(PG_swapbacked);
  if (sgp === SGP_WRITE) mem.flags[pfn] |= F(PG_referenced);
  const err = shmem_add_to_page_cache(k, mapping, pfn, index, 0);
  if (err) {
    shmem_inode_unacct_blocks(k, ino, 1);
    put_page(k, pfn);
    return err;
  }
  folio_add_lru(k, pfn);
  SHMEM_I(ino).alloced++;
  ino.i_blocks += BLOCKS_PER_PAGE;
  shmem_recalc_inode(k, ino);
  // clear: a page for any use but a write is zeroed and uptodate now.
  if (sgp !== SGP_WRITE) mem.flags[pfn] |= F(PG_uptodate);
  return pfn;
}

/**
 * ->fault of a tmpfs mapping: the folio, allocated zeroed on a hole; SIGBUS past EOF, OOM when
 * no page can be had (a full mount also answers SIGBUS, as vmf_error(-ENOSPC) does).
 * @kernel mm/shmem.c shmem_fault
 */
export function shmem_fault(k: Kernel, vmf: vm_fault): number {
  const ino = (vmf.vma.vm_file as file).f_inode;
  const xa = ino.i_mapping.i_pages;
  // shmem_get_folio_gfp's userfaultfd checks (one flag-word test when the VMA is not armed): a
  // page (or swap entry) in the file of a MINOR range, or a hole (within i_size) of a MISSING
  // range, goes to userland.
  if ((vmf.vma.vm_flags & VM_UFFD_MISSING) !== 0 || (vmf.vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0) {
    const inFile = xa_load(xa, vmf.pgoff) !== 0;
    if (inFile && (vmf.vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0) return handle_userfault(k, vmf.vma, vmf.address, vmf.flags, "minor");
    if (!inFile && vmf.pgoff * PAGE_SIZE < ino.i_size && (vmf.vma.vm_flags & VM_UFFD_MISSING) !== 0) return handle_userfault(k, vmf.vma, vmf.address, vmf.flags, "missing");
  }
  // shmem_swapin_folio's fault_type: a swapped page not found in the swap cache is read from the
  // device, a major fault (VM_FAULT_MAJOR, PGMAJFAULT).
  let ret = VM_FAULT_LOCKED;
  if (xa_load(xa, vmf.pgoff) === XA_VALUE && vmf.pgoff * PAGE_SIZE < ino.i_size && lookup_swap_cache_pfn(k, xa_load_value(xa, vmf.pgoff)) < 0) {
    ret |= VM_FAULT_MAJOR;
    k.vm_events[PGMAJFAULT]++;
  }
  const r = shmem_get_folio_gfp(k, ino, vmf.pgoff, SGP_CACHE);
  if (r === -errnoValues.ENOMEM) return VM_FAULT_OOM;
  if (r < 0) return VM_FAULT_SIGBUS;
  vmf.page = r;
  return ret;
}

/**
 * write_begin of tmpfs: the folio for the write (allocated, !uptodate, on a hole), or -errno.
 * @kernel mm/shmem.c shmem_write_begin
 */
function shmem_write_begin(k: Kernel, _f: file, mapping: address_space, pos: number, len: number): number {
  const ino = mapping.host as inode;
  const info = SHMEM_I(ino);
  if (info.seals & (F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
    if (info.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) return -errnoValues.EPERM;
    if (info.seals & F_SEAL_GROW && pos + len > ino.i_size) return -errnoValues.EPERM;
  }
  return shmem_get_folio_gfp(k, ino, Math.floor(pos / PAGE_SIZE), SGP_WRITE);
}

/**
 * write_end of tmpfs: i_size grows to cover the write, the folio is uptodate (the rest zeroed)
 * and dirty, and the caller's reference goes.
 * @kernel mm/shmem.c shmem_write_end
 */
function shmem_write_end(k: Kernel, _f: file, mapping: address_space, pos: number, _len: number, copied: number, pfn: number): number {
  const ino = mapping.host as inode;
  if (pos + copied > ino.i_size) ino.i_size = pos + copied;
  k.mem_map.flags[pfn] |= F(PG_uptodate);
  folio_mark_dirty(k, mapping, pfn);
  put_page(k, pfn);
  return copied;
}

/**
 * read(2) of a tmpfs file: each page from the cache (marked accessed), holes read as zeros
 * without allocating. Returns the bytes read.
 * @kernel mm/shmem.c shmem_file_read_iter
 */
function shmem_file_read_iter(k: Kernel, f: file, pos: number, count: number): number {
  const ino = f.f_inode;
  let read = 0;
  const ra = f.f_ra;
  while (count > 0) {
    const isize = ino.i_size;
    if (pos >= isize) break;
    const index = Math.floor(pos / PAGE_SIZE);
    const offset = pos % PAGE_SIZE;
    const pfn = shmem_get_folio_gfp(k, ino, index, SGP_READ);
    if (pfn < 0 && pfn !== NO_PFN) return read !== 0 ? read : pfn;
    const nr = Math.min(PAGE_SIZE - offset, isize - pos, count);
    if (pfn >= 0) {
      // Mark the folio accessed if we read its beginning (as shmem_file_read_iter does).
      if (offset === 0) folio_mark_accessed(k, pfn);
      put_page(k, pfn);
    }
    read += nr;
    pos += nr;
    count -= nr;
    ra.prev_pos = pos;
  }
  return read;
}

/**
 * shmem_mmap: a write-sealed file (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE) takes no new shared
 * writable mapping (EPERM); its shared read-only mappings lose VM_MAYWRITE, so mprotect cannot
 * make them writable and they do not count as writable mappings (do_mmap's is_readonly_sealed);
 * a shared mapping that may write, of a file whose writable mappings are denied (F_SEAL_WRITE:
 * i_mmap_writable negative), is refused as mmap_region's mapping_map_writable refuses it.
 * @kernel mm/shmem.c shmem_mmap
 * @kernel include/linux/mm.h seal_check_write, is_readonly_sealed, is_shared_maywrite
 * @kernel include/linux/fs.h mapping_map_writable
 */
function shmem_mmap(f: file, vma: vm_area_struct): number {
  const seals = SHMEM_I(f.f_inode).seals;
  if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
    if (vma.vm_flags & VM_SHARED && vma.vm_flags & VM_WRITE) return -errnoValues.EPERM;
    if (vma.vm_flags & VM_SHARED) vma.vm_flags &= ~VM_MAYWRITE;
  }
  if ((vma.vm_flags & (VM_SHARED | VM_MAYWRITE)) === (VM_SHARED | VM_MAYWRITE) && f.f_inode.i_mapping.i_mmap_writable < 0) return -errnoValues.EPERM;
  return 0;
}

/**
 * Frees the pages of bytes [lstart, lend] (lend -1: the rest) of a tmpfs file: folios leave the
 * page cache (mapped ones are unmapped first), swap entries free their slots (shmem_free_swap),
 * and shmem_recalc_inode unaccounts the blocks of both.
 * @kernel mm/shmem.c shmem_truncate_range, shmem_undo_range, shmem_free_swap
 */
export function shmem_truncate_range(k: Kernel, ino: inode, lstart: number, lend: number): void {
  const mapping = ino.i_mapping;
  const xa = mapping.i_pages;
  const start = Math.ceil(lstart / PAGE_SIZE);
  const end = lend === -1 ? XA_MAX_INDEX : Math.floor((lend + 1) / PAGE_SIZE) - 1;
  let nr_swaps_freed = 0;
  let index = start;
  while (index <= end) {
    const i = xa_find(xa, index, end);
    if (i < 0) break;
    index = i + 1;
    if (xa_load(xa, i) === XA_VALUE) {
      // shmem_free_swap: the entry leaves i_pages, its slot is freed (with a swap-cache copy
      // nobody maps).
      const entry = xa_load_value(xa, i);
      xa_store_value(xa, i, 0);
      free_swap_and_cache(k, entry);
      nr_swaps_freed++;
      continue;
    }
    truncate_inode_folio(k, mapping, xa_load_folio(xa, i));
  }
  SHMEM_I(ino).swapped -= nr_swaps_freed;
  shmem_recalc_inode(k, ino);
}

/**
 * Pages that left the file behind its back (truncated folios, freed swap entries) are
 * unaccounted: alloced − swapped − nrpages of them.
 * @kernel mm/shmem.c shmem_recalc_inode
 */
function shmem_recalc_inode(k: Kernel, ino: inode): void {
  const info = SHMEM_I(ino);
  const freed = info.alloced - info.swapped - ino.i_mapping.nrpages;
  if (freed > 0) {
    info.alloced -= freed;
    ino.i_blocks -= freed * BLOCKS_PER_PAGE;
    shmem_inode_unacct_blocks(k, ino, freed);
  }
}

// ---- swap ----

/**
 * Reclaim's pageout of a tmpfs folio (locked, unmapped, just cleaned): unless the file is locked
 * in memory (SHM_LOCK's VM_LOCKED), there is no swap or this is not reclaim, it gets a swap slot,
 * enters the swap cache, gives its index to the slot's entry (shmem_delete_from_page_cache) and
 * is written. Otherwise it is redirtied and reclaim activates it (AOP_WRITEPAGE_ACTIVATE).
 * Worked example: a 4-page file with page 2 swapped out to slot 7 of area 0 has i_pages
 * {0: folio, 1: folio, 2: value swp_entry(0, 7), 3: folio}, nrpages 3, swapped 1, alloced 4;
 * Shmem shows 12 kB, and the folio sits in the swap cache (SwapCached 4 kB) until reclaim frees
 * it once the write completes.
 * @kernel mm/shmem.c shmem_writepage, shmem_delete_from_page_cache
 * @kernel mm/swapfile.c swap_shmem_alloc
 */
function shmem_writepage(k: Kernel, mapping: address_space, pfn: number, wbc: writeback_control): number {
  const mem = k.mem_map;
  const ino = mapping.host as inode;
  const info = SHMEM_I(ino);
  redirty: {
    if (info.flags & VM_LOCKED) break redirty;
    if (k.total_swap_pages === 0) break redirty;
    if (!wbc.for_reclaim) break redirty;
    // A fallocated folio not yet written: zeroed and uptodate now (no fallocate is in progress
    // between operations in the model).
    if ((mem.flags[pfn] & F(PG_uptodate)) === 0) mem.flags[pfn] |= F(PG_uptodate);
    const swap = folio_alloc_swap(k, pfn);
    if (swap === 0) break redirty;
    const index = mem.index[pfn];
    add_to_swap_cache(k, pfn, swap);
    shmem_recalc_inode(k, ino);
    info.swapped++;
    swap_duplicate(k, swap); // swap_shmem_alloc (see Simplified)
    // shmem_delete_from_page_cache: the entry takes the folio's slot.
    xa_store_value(mapping.i_pages, index, swap);
    mem.mapping[pfn] = 0;
    mapping.nrpages--;
    mod_page_node_state(k, pfn, NR_FILE_PAGES, -1);
    mod_page_node_state(k, pfn, NR_SHMEM, -1);
    if (--mem._refcount[pfn] <= 0) throw new KernelBug("shmem_delete_from_page_cache: dropped the last reference", { pfn });
    if (mem.mapcount[pfn] > 0) throw new KernelBug("shmem_writepage: folio still mapped", { pfn, mapcount: mem.mapcount[pfn] });
    swap_writepage(k, pfn);
    return 0;
  }
  folio_mark_dirty(k, mapping, pfn);
  return AOP_WRITEPAGE_ACTIVATE;
}

/**
 * The value entry at `index` still names `swap` (nobody swapped it in or truncated it meanwhile).
 * @kernel mm/shmem.c shmem_confirm_swap
 */
function shmem_confirm_swap(mapping: address_space, index: number, swap: number): boolean {
  return xa_load(mapping.i_pages, index) === XA_VALUE && xa_load_value(mapping.i_pages, index) === swap;
}

/**
 * Swaps the page of a value entry back in: from the swap cache, or read with cluster readahead
 * (shmem_swapin: the swap device's neighbouring slots too); waits for the read and any write,
 * puts the folio back in i_pages in place of the entry, takes it out of the swap cache, dirty,
 * and drops the entry's slot reference. Returns the folio with a reference for the caller, or
 * -ENOMEM (no page), -EEXIST (the entry changed), -EIO (not uptodate).
 * @kernel mm/shmem.c shmem_swapin_folio, shmem_swapin
 */
function shmem_swapin_folio(k: Kernel, ino: inode, index: number, sgp: number): number {
  const mapping = ino.i_mapping;
  const info = SHMEM_I(ino);
  const mem = k.mem_map;
  const swap = xa_load_value(mapping.i_pages, index);
  let pfn = swap_cache_get_folio(k, swap, null, 0);
  if (pfn === NO_PFN) {
    // shmem_swapin → swap_cluster_readahead (shmem uses no VMA readahead).
    pfn = swap_cluster_readahead(k, swap, mapping.gfp_mask, null, 0);
    if (pfn === NO_PFN) return shmem_confirm_swap(mapping, index, swap) ? -errnoValues.ENOMEM : -errnoValues.EEXIST;
  }
  folio_wait_locked(k, pfn); // folio_lock: the read completes first
  mem.flags[pfn] |= F(PG_locked);
  let error = 0;
  if ((mem.flags[pfn] & F(PG_swapcache)) === 0 || mem.private[pfn] !== swap || !shmem_confirm_swap(mapping, index, swap)) error = -errnoValues.EEXIST;
  else if ((mem.flags[pfn] & F(PG_uptodate)) === 0) error = -errnoValues.EIO;
  else {
    folio_wait_writeback(k, pfn);
    error = shmem_add_to_page_cache(k, mapping, pfn, index, swap);
  }
  if (error) {
    mem.flags[pfn] &= ~F(PG_locked);
    put_page(k, pfn);
    return error;
  }
  info.swapped--;
  shmem_recalc_inode(k, ino);
  if (sgp === SGP_WRITE) folio_mark_accessed(k, pfn);
  delete_from_swap_cache(k, pfn);
  folio_mark_dirty(k, mapping, pfn);
  swap_free(k, swap);
  mem.flags[pfn] &= ~F(PG_locked);
  return pfn;
}

/**
 * swapoff's first step: every tmpfs page on swap area `type` is swapped back in. 0 or -ENOMEM.
 * @kernel mm/shmem.c shmem_unuse, shmem_unuse_inode, shmem_find_swap_entries
 */
export function shmem_unuse(k: Kernel, type: number): number {
  for (const mapping of shmem_mappings(k)) {
    const ino = mapping.host as inode;
    if (SHMEM_I(ino).swapped === 0) continue;
    const xa = mapping.i_pages;
    for (let i = xa_find(xa, 0, XA_MAX_INDEX); i >= 0; i = xa_find(xa, i + 1, XA_MAX_INDEX)) {
      if (xa_load(xa, i) !== XA_VALUE || swp_type(xa_load_value(xa, i)) !== type) continue;
      const r = shmem_swapin_folio(k, ino, i, SGP_CACHE);
      if (r === -errnoValues.EEXIST) continue;
      if (r < 0) return r;
      put_page(k, r);
    }
  }
  return 0;
}

/**
 * Swap entries of a tmpfs file among page indexes [start, end), in bytes.
 * @kernel mm/shmem.c shmem_partial_swap_usage
 */
export function shmem_partial_swap_usage(mapping: address_space, start: number, end: number): number {
  const xa = mapping.i_pages;
  let swapped = 0;
  if (end <= start) return 0;
  for (let i = xa_find(xa, start, end - 1); i >= 0; i = xa_find(xa, i + 1, end - 1)) if (xa_load(xa, i) === XA_VALUE) swapped++;
  return swapped * PAGE_SIZE;
}

/**
 * The bytes of a tmpfs file's swap a VMA maps: info->swapped when it maps the whole file from
 * offset 0, else the entries in its range.
 * @kernel mm/shmem.c shmem_swap_usage
 */
export function shmem_swap_usage(vma: vm_area_struct): number {
  const ino = (vma.vm_file as file).f_inode;
  const swapped = SHMEM_I(ino).swapped;
  if (!swapped) return 0;
  if (!vma.vm_pgoff && vma.vm_end - vma.vm_start >= ino.i_size) return swapped * PAGE_SIZE;
  return shmem_partial_swap_usage(ino.i_mapping, vma.vm_pgoff, vma.vm_pgoff + (vma.vm_end - vma.vm_start) / PAGE_SIZE);
}

/** A tmpfs file's new size (ftruncate): pages past it go. @kernel mm/shmem.c shmem_setattr */
function shmem_setsize(k: Kernel, ino: inode, size: number): number {
  if (size > ino.i_sb.s_maxbytes) return -errnoValues.EFBIG;
  const old = ino.i_size;
  const seals = SHMEM_I(ino).seals;
  if ((size < old && seals & F_SEAL_SHRINK) || (size > old && seals & F_SEAL_GROW)) return -errnoValues.EPERM;
  ino.i_size = size;
  if (size < old) {
    const holebegin = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    unmap_mapping_range(k, ino.i_mapping, holebegin, 0, true);
    shmem_truncate_range(k, ino, size, -1);
  }
  return 0;
}

/** fallocate(2) modes. */
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;

/**
 * fallocate on tmpfs: allocates the pages of the range (holes only), growing i_size unless
 * KEEP_SIZE; PUNCH_HOLE (with KEEP_SIZE) frees them. 0 or -errno (ENOSPC: the range is left
 * partly allocated, as the kernel undoes only what it allocated — here kept).
 * @kernel mm/shmem.c shmem_fallocate
 */
function shmem_fallocate(k: Kernel, f: file, mode: number, offset: number, len: number): number {
  const ino = f.f_inode;
  if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) !== 0) return -errnoValues.EOPNOTSUPP;
  const seals = SHMEM_I(ino).seals;
  if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
    if ((mode & FALLOC_FL_KEEP_SIZE) === 0) return -errnoValues.EOPNOTSUPP;
    // A write seal protects the contents: no hole may be punched.
    if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) return -errnoValues.EPERM;
    const unmap_start = Math.ceil(offset / PAGE_SIZE) * PAGE_SIZE;
    const unmap_end = Math.floor((offset + len) / PAGE_SIZE) * PAGE_SIZE - 1;
    if (unmap_end > unmap_start) unmap_mapping_range(k, ino.i_mapping, unmap_start, 1 + unmap_end - unmap_start, false);
    shmem_truncate_range(k, ino, offset, offset + len - 1);
    return 0;
  }
  if (offset + len > ino.i_sb.s_maxbytes) return -errnoValues.EFBIG;
  if (seals & F_SEAL_GROW && offset + len > ino.i_size) return -errnoValues.EPERM;
  const start = Math.floor(offset / PAGE_SIZE);
  const end = Math.ceil((offset + len) / PAGE_SIZE);
  for (let index = start; index < end; index++) {
    const pfn = shmem_get_folio_gfp(k, ino, index, SGP_FALLOC);
    if (pfn < 0) return pfn;
    put_page(k, pfn);
  }
  if ((mode & FALLOC_FL_KEEP_SIZE) === 0 && offset + len > ino.i_size) ino.i_size = offset + len;
  return 0;
}

// ---- the internal mount: shared anonymous memory ----

/** The internal tmpfs (shm_mnt), made on first use: anonymous device 0:1, no limits. @kernel mm/shmem.c shmem_init */
export function shm_mnt(k: Kernel): super_block {
  let sb = k.vfs.shm_sb;
  if (sb === null) {
    const r = shmem_fill_super(k, "tmpfs", {}, true, 1);
    if (typeof r === "number") throw new KernelBug("shmem_init: the internal mount failed", { err: r });
    sb = r;
    k.vfs.shm_sb = sb;
  }
  return sb;
}

/**
 * __shmem_file_setup: an unlinked tmpfs file of `size` bytes on the internal mount, charged to
 * Committed_AS unless `flags` has VM_NORESERVE. Returns the open file or a negative errno.
 * @kernel mm/shmem.c __shmem_file_setup, shmem_file_setup
 */
export function shmem_file_setup(k: Kernel, t: task_struct | null, name: string, size: number, flags: number): file | number {
  if (size < 0 || size > MODEL_MAX_FILESIZE) return -errnoValues.EINVAL;
  const sb = shm_mnt(k);
  if (shmem_acct_size(k, t, flags, size)) return -errnoValues.ENOMEM;
  const acct = (flags & VM_NORESERVE) === 0 && t !== null && t.mm !== null ? VM_ACCT(size) : 0;
  const ino = shmem_get_inode(k, sb, S_IFREG | 0o777, flags);
  if (typeof ino === "number") {
    if (acct) vm_unacct_memory(k, acct);
    return ino;
  }
  SHMEM_I(ino).acct_pages = acct;
  ino.i_nlink = 0; // clear_nlink: the file has no name
  ino.i_size = size;
  const f = alloc_file(k, ino, `/${name} (deleted)`, null, FMODE_READ | FMODE_WRITE, 0);
  // alloc_file took a reference for the file; the one shmem_get_inode gave is the file's too.
  ino.i_count--;
  return f;
}

/**
 * shmem_zero_setup: back a shared anonymous VMA with a "dev/zero" tmpfs file of its size.
 * 0 or -ENOMEM (overcommit refused the size).
 * @kernel mm/shmem.c shmem_zero_setup
 */
export function shmem_zero_setup(k: Kernel, t: task_struct, vma: vm_area_struct): number {
  const f = shmem_file_setup(k, t, "dev/zero", vma.vm_end - vma.vm_start, vma.vm_flags);
  if (typeof f === "number") return f;
  vma.vm_file = f;
  return 0;
}

/** Every tmpfs address_space of a machine (the mappings of tmpfs inodes), for checkers. */
export function shmem_mappings(k: Kernel): address_space[] {
  const out: address_space[] = [];
  for (const m of k.vfs.mappings.values()) if (m.host !== null && m.host.shmem) out.push(m);
  return out;
}

/** Pages of every tmpfs file on swap (info->swapped summed), for checkers and tests. */
export function shmem_nr_swapped(k: Kernel): number {
  let n = 0;
  for (const m of shmem_mappings(k)) if ((m.host as inode).i_private instanceof shmem_inode_info) n += SHMEM_I(m.host as inode).swapped;
  return n;
}
