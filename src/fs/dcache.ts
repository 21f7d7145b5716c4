/**
 * The dentry and inode caches as the slab and the shrinkers see them: each dentry is an object
 * of the dentry cache (with a kmalloc'd external name past 31 bytes), each inode an object of its
 * filesystem's inode cache (shmem_inode_cache, ext4_inode_cache, bdev_cache, inode_cache) with an
 * LSM blob from lsm_inode_cache, each open file an object of filp. Unused dentries and inodes sit
 * on their superblock's per-node LRUs (s_dentry_lru, s_inode_lru); the superblock's shrinker
 * (super_cache_count/super_cache_scan) prunes them in proportion, under memory pressure and on
 * drop_caches=2, scaled by vfs_cache_pressure.
 *
 * Lives and references, as fs/dcache.c keeps them (d_lockref.count = d_count):
 * - a dentry is referenced by each hashed child (d_parent), each open file (f_path), its
 *   superblock if it is the root, and on tmpfs by the pin shmem_mknod takes (tmpfs dentries are
 *   the files: never unused while linked);
 * - the last dput of a hashed dentry keeps it (retain_dentry): onto the LRU if it is not there,
 *   else DCACHE_REFERENCED (LRU membership is lazy: a dentry taken again stays on the list until
 *   a prune finds it in use);
 * - unlink of a dentry nothing else holds leaves it negative (d_delete), counted in
 *   nr_dentry_negative and kept until pruned; one still open is unhashed and dies at its last dput;
 * - killing a dentry (__dentry_kill) drops its inode (iput) and its parent reference; an inode of
 *   a disk filesystem with links then sits unused on s_inode_lru until pruned (evict frees it).
 *
 * Worked numbers (sl-dcache, 512 MiB, ext2 through Debian's ext4 driver): 100000 empty files
 * created and closed leave 100000 unused dentries on the LRU, each holding its inode; one
 * drop_caches=2 pass asks the super shrinker for count * 2 (priority 0) in batches of 1024, each
 * split between the caches: dentries = 1024 * 100000 / 100001 = 1023 + 1 scanned, inodes 0 + 1.
 * The killed dentries' inodes join s_inode_lru, and drop_slab repeats while a pass frees more than
 * 1, 2, 4… objects, so both caches empty: the capture drops 100002 dentries and 99942 inodes.
 *
 * Simplified: no dentry hash (names are found through d_subdirs), no RCU walk, no d_op; a failed
 * lookup leaves no negative dentry (only unlink does); a dentry made by a lookup goes on the LRU
 * at once, not at the end of the syscall that looked it up (a file opened by that call is then
 * marked referenced at its close: one more rotation before a prune frees it); the inode LRU's
 * page-cache steal is counted in pginodesteal whoever reclaims (kswapd_inodesteal stays 0) and
 * puts the inode back referenced as LRU_RETRY's second visit would; a slab allocation that fails
 * leaves the dentry, inode or file without its object (the model's VFS objects cannot fail to
 * exist); no memcg-aware list_lru (the root's lists only); mountpoints are kept as in use.
 * @kernel fs/dcache.c __d_alloc, d_alloc, d_make_root, dput, retain_dentry, d_instantiate, d_lru_add, d_lru_del,
 *   d_delete, __dentry_kill, dentry_unlink_inode, dentry_lru_isolate, shrink_dentry_list,
 *   prune_dcache_sb, get_nr_dentry, proc_nr_dentry, dentry_stat_t
 * @kernel fs/libfs.c always_delete_dentry
 * @kernel fs/inode.c alloc_inode, destroy_inode, inode_add_lru, __inode_add_lru,
 *   inode_lru_list_del, inode_lru_isolate, prune_icache_sb, dispose_list, proc_nr_inodes,
 *   get_nr_inodes, get_nr_inodes_unused
 * @kernel fs/super.c super_cache_count, super_cache_scan, alloc_super
 * @kernel fs/file_table.c alloc_empty_file, file_free
 * @kernel include/linux/pagemap.h mapping_shrinkable
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { mult_frac } from "../lib/math.js";
import { __GFP_FS, GFP_KERNEL, GFP_NOFS } from "../mm/gfp.js";
import {
  SLAB_ACCOUNT,
  SLAB_MEM_SPREAD,
  SLAB_RECLAIM_ACCOUNT,
  type kmem_cache,
} from "../mm/slab.js";
import {
  kfree,
  kmalloc,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
} from "../mm/slab_common.js";
import {
  DEFAULT_SEEKS,
  register_shrinker,
  shrink_control,
  shrinker,
  SHRINKER_MEMCG_AWARE,
  SHRINKER_NUMA_AWARE,
  SHRINK_EMPTY,
  SHRINK_STOP,
  type shrinker_operations,
  unregister_shrinker,
} from "../mm/shrinker.js";
import { slab_nid, virt_to_head_pfn } from "../mm/slub.js";
import { invalidate_mapping_pages } from "../mm/truncate.js";
import { PGINODESTEAL } from "../mm/vmstat_items.js";
import { xa_load_folio } from "../lib/xarray.js";
import { evict, iput } from "./inode.js";
import {
  dentry,
  type file,
  I_DIRTY,
  I_FREEING,
  I_REFERENCED,
  I_WILL_FREE,
  type inode,
  type super_block,
} from "./fs.js";

/** DNAME_INLINE_LEN on x86-64: names up to 31 bytes live in the dentry itself. */
export const DNAME_INLINE_LEN = 32;
/** offsetof(struct external_name, name[1]): the kmalloc of a long name is this plus its length. */
const EXTERNAL_NAME_BASE = 17;
/** dentry_stat.age_limit: 45 seconds, printed and never used. */
const DENTRY_AGE_LIMIT = 45;
/** The super shrinker's batch (s_shrink.batch = 1024 in alloc_super). */
const SUPER_SHRINK_BATCH = 1024;

export const DCACHE_REFERENCED = 1 << 6;
export const DCACHE_LRU_LIST = 1 << 19;
export const DCACHE_SHRINK_LIST = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Slab objects
// ---------------------------------------------------------------------------------------------

/** The node of the slab page holding object `obj` (list_lru's page_to_nid(virt_to_page())); 0 for none. */
function obj_nid(k: Kernel, obj: number): number {
  if (obj === 0) return 0;
  const pfn = virt_to_head_pfn(k, obj);
  return pfn < 0 ? 0 : slab_nid(k, pfn);
}

/**
 * The inode cache a filesystem's alloc_inode takes from, created on first use for a filesystem
 * whose module 6.1 loads on first mount (ext4, which Debian's kernel uses for ext2: its
 * init_inodecache makes ext4_inode_cache, object 1184 bytes, ctor init_once — 1192 with the free
 * pointer, 13 per order-2 slab, as sl-dcache's slabinfo shows).
 * @kernel fs/ext4/super.c init_inodecache
 */
function inode_cache_of(
  k: Kernel,
  sb: super_block,
): { cache: kmem_cache | null; gfp: number } {
  const c = k.slab.cachep;
  switch (sb.s_type) {
    case "tmpfs":
    case "rootfs":
      return { cache: c.shmem_inode_cachep, gfp: GFP_KERNEL };
    case "ext2": {
      let s =
        k.slab.slab_caches.find((x) => x.name === "ext4_inode_cache") ?? null;
      if (s === null && k.slab.slab_caches.length > 0) {
        s = kmem_cache_create(k, "ext4_inode_cache", {
          size: 1184,
          flags: SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | SLAB_ACCOUNT,
          useroffset: 0,
          usersize: 60,
          ctor: "init_once",
        });
      }
      return { cache: s, gfp: GFP_NOFS };
    }
    case "bdev":
      return {
        cache: k.slab.slab_caches.find((x) => x.name === "bdev_cache") ?? null,
        gfp: GFP_KERNEL,
      };
    case "hugetlbfs":
      return {
        cache:
          k.slab.slab_caches.find((x) => x.name === "hugetlbfs_inode_cache") ??
          null,
        gfp: GFP_KERNEL,
      };
    default:
      return { cache: c.inode_cachep, gfp: GFP_KERNEL };
  }
}

/**
 * An inode's objects: the filesystem's inode cache and the LSM blob (security_inode_alloc).
 * @kernel fs/inode.c alloc_inode
 */
export function alloc_inode_objects(k: Kernel, i: inode): void {
  const { cache, gfp } = inode_cache_of(k, i.i_sb);
  if (cache !== null) i.i_obj = kmem_cache_alloc(k, cache, gfp, "alloc_inode");
  const lsm = k.slab.cachep.lsm_inode_cache;
  if (lsm !== null)
    i.i_security = kmem_cache_alloc(k, lsm, gfp, "security_inode_alloc");
  k.vfs.nr_inodes++;
}

/** Frees an evicted inode's objects. @kernel fs/inode.c destroy_inode, free_inode_nonrcu */
export function destroy_inode_objects(k: Kernel, i: inode): void {
  inode_lru_list_del(k, i);
  if (i.i_obj !== 0) {
    const { cache } = inode_cache_of(k, i.i_sb);
    if (cache === null)
      throw new KernelBug("destroy_inode: inode cache gone", { ino: i.i_ino });
    kmem_cache_free(k, cache, i.i_obj, "free_inode_nonrcu");
    i.i_obj = 0;
  }
  const lsm = k.slab.cachep.lsm_inode_cache;
  if (i.i_security !== 0 && lsm !== null)
    kmem_cache_free(k, lsm, i.i_security, "security_inode_free");
  i.i_security = 0;
  k.vfs.nr_inodes--;
}

/** A file's filp object. @kernel fs/file_table.c alloc_empty_file */
export function alloc_file_object(k: Kernel, f: file): void {
  const s = k.slab.cachep.filp_cachep;
  if (s !== null)
    f.f_obj = kmem_cache_alloc(k, s, GFP_KERNEL, "alloc_empty_file");
}

/** @kernel fs/file_table.c file_free */
export function free_file_object(k: Kernel, f: file): void {
  const s = k.slab.cachep.filp_cachep;
  if (f.f_obj !== 0 && s !== null)
    kmem_cache_free(k, s, f.f_obj, "file_free_rcu");
  f.f_obj = 0;
}

// ---------------------------------------------------------------------------------------------
// Dentries
// ---------------------------------------------------------------------------------------------

/**
 * A new dentry `name` under `parent` naming `ino` (null: negative), with one reference (the
 * caller's), hashed in the parent's children; the parent gains a reference.
 * @kernel fs/dcache.c __d_alloc, d_alloc, d_add
 */
export function d_alloc(
  k: Kernel,
  parent: dentry | null,
  name: string,
  ino: inode | null,
): dentry {
  // A parent being allocated under is held (the walk's reference) across the allocations, whose
  // reclaim may run the superblock's shrinker.
  if (parent !== null) parent.d_count++;
  const d = new dentry(name, parent, ino);
  const s = k.slab.cachep.dentry_cache;
  if (s !== null) d.d_obj = kmem_cache_alloc(k, s, GFP_KERNEL, "__d_alloc");
  if (name.length > DNAME_INLINE_LEN - 1)
    d.d_extname = kmalloc(
      k,
      EXTERNAL_NAME_BASE + name.length,
      GFP_KERNEL,
      "__d_alloc",
    );
  d.d_count = 1;
  k.vfs.nr_dentry++;
  if (ino === null) k.vfs.nr_dentry_negative++;
  if (parent !== null) parent.d_subdirs.set(name, d); // the child keeps the reference taken above
  return d;
}

/** The root dentry of a new superblock, held by it. @kernel fs/dcache.c d_make_root */
export function d_make_root(k: Kernel, ino: inode): dentry {
  return d_alloc(k, null, "/", ino);
}

/** One more reference. @kernel include/linux/dcache.h dget */
export function dget(d: dentry): dentry {
  d.d_count++;
  return d;
}

/** Is it in its parent's children (d_hashed)? A root always is. */
function d_hashed(d: dentry): boolean {
  return d.d_parent === null || d.d_parent.d_subdirs.get(d.d_name) === d;
}

/** The superblock a dentry belongs to (the filesystem of its parent directory, or of its inode). */
function d_sb(d: dentry): super_block | null {
  if (d.d_inode !== null) return d.d_inode.i_sb;
  const p = d.d_parent;
  return p !== null && p.d_inode !== null ? p.d_inode.i_sb : null;
}

function lru_list<T>(lists: Array<Set<T>>, nid: number): Set<T> {
  while (lists.length <= nid) lists.push(new Set<T>());
  return lists[nid];
}

/** @kernel fs/dcache.c d_lru_add */
function d_lru_add(k: Kernel, d: dentry): void {
  const sb = d_sb(d);
  if (sb === null) return;
  d.d_flags |= DCACHE_LRU_LIST;
  d.d_lru_nid = obj_nid(k, d.d_obj);
  lru_list(sb.s_dentry_lru, d.d_lru_nid).add(d);
}

/** @kernel fs/dcache.c d_lru_del */
function d_lru_del(d: dentry): void {
  if ((d.d_flags & DCACHE_LRU_LIST) === 0) return;
  d.d_flags &= ~DCACHE_LRU_LIST;
  const sb = d_sb(d);
  if (sb !== null) sb.s_dentry_lru[d.d_lru_nid]?.delete(d);
}

/**
 * Drops a reference. The last one of a hashed dentry keeps it as LRU fodder (onto the LRU, or
 * DCACHE_REFERENCED when it is on it already); of an unhashed one kills it, and its parent's
 * reference goes the same way.
 * @kernel fs/dcache.c dput, retain_dentry
 */
export function dput(k: Kernel, d: dentry | null): void {
  while (d !== null) {
    if (d.d_count <= 0)
      throw new KernelBug("dput: dentry reference underflow", {
        name: d.d_name,
      });
    if (--d.d_count > 0) return;
    // tmpfs's dentry operations delete a dentry at its last reference (always_delete_dentry).
    if (
      d_hashed(d) &&
      !(d.d_inode?.shmem ?? d.d_parent?.d_inode?.shmem ?? false)
    ) {
      if ((d.d_flags & DCACHE_LRU_LIST) === 0) d_lru_add(k, d);
      else d.d_flags |= DCACHE_REFERENCED;
      return;
    }
    d = dentry_kill(k, d);
  }
}

/**
 * Frees a dentry nobody holds: off the LRU and out of its parent, its inode released, its
 * objects freed. Returns its parent, whose reference the caller still has to drop.
 * @kernel fs/dcache.c __dentry_kill, dentry_unlink_inode, dentry_free
 */
function dentry_kill(k: Kernel, d: dentry): dentry | null {
  d_lru_del(d);
  const parent = d.d_parent;
  if (parent !== null && parent.d_subdirs.get(d.d_name) === d)
    parent.d_subdirs.delete(d.d_name);
  const ino = d.d_inode;
  if (ino !== null) {
    d.d_inode = null;
    iput(k, ino);
  } else {
    k.vfs.nr_dentry_negative--;
  }
  const s = k.slab.cachep.dentry_cache;
  if (d.d_obj !== 0 && s !== null) kmem_cache_free(k, s, d.d_obj, "__d_free");
  if (d.d_extname !== 0) kfree(k, d.d_extname, "__d_free_external");
  d.d_obj = d.d_extname = 0;
  k.vfs.nr_dentry--;
  return parent;
}

/**
 * The name goes (unlink): a dentry only the caller holds turns negative and stays cached; one
 * still held elsewhere (an open file) is unhashed and dies at its last dput. Either way the
 * dentry's inode reference goes now or then. Consumes the caller's reference.
 * @kernel fs/dcache.c d_delete
 */
export function d_delete(k: Kernel, d: dentry): void {
  if (d.d_count === 1 && d.d_inode !== null) {
    const ino = d.d_inode;
    d.d_inode = null;
    k.vfs.nr_dentry_negative++;
    iput(k, ino);
  } else if (d.d_parent !== null && d.d_parent.d_subdirs.get(d.d_name) === d) {
    d.d_parent.d_subdirs.delete(d.d_name);
    // An unhashed child no longer counts for its parent's children, but keeps its reference to
    // the parent until it is killed (dentry_kill drops it).
    d_lru_del(d);
  }
  dput(k, d);
}

/** A negative dentry gets an inode (d_instantiate): a create over an unlinked name. @kernel fs/dcache.c d_instantiate */
export function d_instantiate(k: Kernel, d: dentry, ino: inode): void {
  if (d.d_inode !== null)
    throw new KernelBug("d_instantiate: dentry is positive", {
      name: d.d_name,
    });
  d.d_inode = ino;
  k.vfs.nr_dentry_negative--;
}

/** A cache hit that the walk's final dput marks referenced (lookup_fast, then path_put). */
export function d_touch(d: dentry): void {
  if (d.d_count === 0 && (d.d_flags & DCACHE_LRU_LIST) !== 0)
    d.d_flags |= DCACHE_REFERENCED;
}

/** Mountpoints and mount roots are in use whatever their count (the model keeps no mount references). */
function d_in_use(d: dentry): boolean {
  return d.d_count > 0 || d.d_mounted !== null;
}

/**
 * Walks up to nr_to_walk unused dentries of `sb`'s node list from the oldest: in-use ones leave
 * the list, referenced ones lose the mark and go to the tail, the rest are killed — with each
 * parent whose last reference that was. Returns the dentries taken off the list.
 * @kernel fs/dcache.c prune_dcache_sb, dentry_lru_isolate, shrink_dentry_list
 */
export function prune_dcache_sb(
  k: Kernel,
  sb: super_block,
  nid: number,
  nr_to_walk: number,
): number {
  const lru = sb.s_dentry_lru[nid];
  if (lru === undefined) return 0;
  const dispose: dentry[] = [];
  let isolated = 0;
  for (const d of lru) {
    if (nr_to_walk-- <= 0) break;
    if (d_in_use(d)) {
      lru.delete(d);
      d.d_flags &= ~DCACHE_LRU_LIST;
      isolated++;
      continue;
    }
    if (d.d_flags & DCACHE_REFERENCED) {
      d.d_flags &= ~DCACHE_REFERENCED;
      lru.delete(d);
      lru.add(d); // LRU_ROTATE: the Set's iteration meets it again at the tail, as list_move_tail
      continue;
    }
    lru.delete(d);
    d.d_flags = (d.d_flags & ~DCACHE_LRU_LIST) | DCACHE_SHRINK_LIST;
    dispose.push(d);
    isolated++;
  }
  shrink_dentry_list(k, dispose);
  return isolated;
}

/**
 * Kills a dispose list; each parent loses the child's reference and, left unreferenced, joins
 * the list (__dput_to_list).
 * @kernel fs/dcache.c shrink_dentry_list, __dput_to_list
 */
function shrink_dentry_list(k: Kernel, dispose: dentry[]): void {
  for (let i = 0; i < dispose.length; i++) {
    const d = dispose[i];
    d.d_flags &= ~DCACHE_SHRINK_LIST;
    if (d_in_use(d)) continue; // taken again meanwhile: it stays
    const parent = dentry_kill(k, d);
    if (parent === null) continue;
    if (parent.d_count <= 0)
      throw new KernelBug("shrink_dentry_list: parent reference underflow", {
        name: parent.d_name,
      });
    if (parent.d_flags & DCACHE_SHRINK_LIST) {
      parent.d_count--;
      continue;
    }
    d_lru_del(parent);
    if (--parent.d_count === 0 && parent.d_mounted === null) {
      parent.d_flags |= DCACHE_SHRINK_LIST;
      dispose.push(parent);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unused inodes
// ---------------------------------------------------------------------------------------------

/**
 * Whether an inode's page cache lets it sit on the LRU: none, or a single page at index 0 (the
 * xarray's head is the folio itself, no node).
 * @kernel include/linux/pagemap.h mapping_shrinkable
 */
function mapping_shrinkable(i: inode): boolean {
  const xa = i.i_mapping.i_pages;
  if (xa.nr_entries === 0) return true;
  return xa.nr_entries === 1 && xa_load_folio(xa, 0) >= 0;
}

/**
 * An unused, clean inode joins its superblock's LRU; with `rotate`, one already there is marked
 * referenced instead.
 * @kernel fs/inode.c __inode_add_lru, inode_add_lru
 */
export function inode_add_lru(k: Kernel, i: inode, rotate = false): void {
  if (i.i_state & (I_DIRTY | I_FREEING | I_WILL_FREE)) return;
  if (i.i_count !== 0) return;
  if (!mapping_shrinkable(i)) return;
  if (i.i_lru_nid >= 0) {
    if (rotate) i.i_state |= I_REFERENCED;
    return;
  }
  i.i_lru_nid = obj_nid(k, i.i_obj);
  lru_list(i.i_sb.s_inode_lru, i.i_lru_nid).add(i);
}

/** @kernel fs/inode.c inode_lru_list_del */
export function inode_lru_list_del(_k: Kernel, i: inode): void {
  if (i.i_lru_nid < 0) return;
  i.i_sb.s_inode_lru[i.i_lru_nid]?.delete(i);
  i.i_lru_nid = -1;
}

/**
 * Walks up to nr_to_walk unused inodes of `sb`'s node list: in-use or dirty ones leave it,
 * referenced ones rotate, ones with page cache have it invalidated (pginodesteal) and rotate,
 * the rest are evicted. Returns the inodes taken off the list.
 * @kernel fs/inode.c prune_icache_sb, inode_lru_isolate, dispose_list
 */
export function prune_icache_sb(
  k: Kernel,
  sb: super_block,
  nid: number,
  nr_to_walk: number,
): number {
  const lru = sb.s_inode_lru[nid];
  if (lru === undefined) return 0;
  const freeable: inode[] = [];
  let isolated = 0;
  for (const i of lru) {
    if (nr_to_walk-- <= 0) break;
    if (i.i_count !== 0 || (i.i_state & ~I_REFERENCED) !== 0) {
      lru.delete(i);
      i.i_lru_nid = -1;
      isolated++;
      continue;
    }
    if (i.i_state & I_REFERENCED) {
      i.i_state &= ~I_REFERENCED;
      lru.delete(i);
      lru.add(i);
      continue;
    }
    if (i.i_mapping.i_pages.nr_entries !== 0) {
      const reap = invalidate_mapping_pages(k, i.i_mapping, 0, 2 ** 31 - 1);
      k.vm_events[PGINODESTEAL] += reap;
      i.i_state |= I_REFERENCED; // iput's __inode_add_lru(rotate) of the retried inode
      lru.delete(i);
      lru.add(i);
      continue;
    }
    lru.delete(i);
    i.i_lru_nid = -1;
    freeable.push(i);
    isolated++;
  }
  for (const i of freeable) evict(k, i);
  return isolated;
}

// ---------------------------------------------------------------------------------------------
// The superblock's shrinker
// ---------------------------------------------------------------------------------------------

function lru_count<T>(lists: Array<Set<T>>, nid: number): number {
  return lists[nid]?.size ?? 0;
}

/** sysctl_vfs_cache_pressure's scaling of a count. @kernel include/linux/dcache.h vfs_pressure_ratio */
function vfs_pressure_ratio(k: Kernel, val: number): number {
  return mult_frac(val, k.vm.vfs_cache_pressure, 100);
}

/**
 * The superblock shrinker: counts the node's unused dentries and inodes (scaled by
 * vfs_cache_pressure); a scan splits nr_to_scan between them in proportion and prunes each
 * (+1), refusing (SHRINK_STOP) an allocation that may not enter the filesystem (no __GFP_FS).
 * @kernel fs/super.c super_cache_count, super_cache_scan
 */
export const super_shrinker_ops: shrinker_operations = Object.freeze({
  name: "super_cache_scan",
  count_objects: (k: Kernel, s: shrinker, sc: shrink_control): number => {
    const sb = s.owner as super_block;
    const total =
      lru_count(sb.s_dentry_lru, sc.nid) + lru_count(sb.s_inode_lru, sc.nid);
    if (total === 0) return SHRINK_EMPTY;
    return vfs_pressure_ratio(k, total);
  },
  scan_objects: (k: Kernel, s: shrinker, sc: shrink_control): number => {
    if ((sc.gfp_mask & __GFP_FS) === 0) return SHRINK_STOP;
    const sb = s.owner as super_block;
    const inodes = lru_count(sb.s_inode_lru, sc.nid);
    const dentries = lru_count(sb.s_dentry_lru, sc.nid);
    const total_objects = dentries + inodes + 1;
    const d = mult_frac(sc.nr_to_scan, dentries, total_objects);
    const i = mult_frac(sc.nr_to_scan, inodes, total_objects);
    let freed = prune_dcache_sb(k, sb, sc.nid, d + 1);
    freed += prune_icache_sb(k, sb, sc.nid, i + 1);
    return freed;
  },
});

/**
 * alloc_super's shrinker: seeks DEFAULT_SEEKS, batch 1024, NUMA- and memcg-aware, registered
 * (sget_fc's register_shrinker_prepared) as the superblock goes live.
 * @kernel fs/super.c alloc_super, sget_fc
 */
export function super_register_shrinker(k: Kernel, sb: super_block): void {
  const s = new shrinker(
    super_shrinker_ops,
    DEFAULT_SEEKS,
    SUPER_SHRINK_BATCH,
    SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE,
    sb,
  );
  sb.s_shrink = s;
  register_shrinker(k, s);
}

/** deactivate_locked_super's unregister_shrinker. */
export function super_unregister_shrinker(k: Kernel, sb: super_block): void {
  if (sb.s_shrink !== null) unregister_shrinker(k, sb.s_shrink);
  sb.s_shrink = null;
}

// ---------------------------------------------------------------------------------------------
// /proc/sys/fs
// ---------------------------------------------------------------------------------------------

/** Unused dentries: every superblock's LRUs. */
function nr_dentry_unused(k: Kernel): number {
  let n = 0;
  for (const sb of k.vfs.super_blocks)
    for (const l of sb.s_dentry_lru) n += l.size;
  return n;
}

/** Unused inodes: every superblock's LRUs. @kernel fs/inode.c get_nr_inodes_unused */
function nr_inodes_unused(k: Kernel): number {
  let n = 0;
  for (const sb of k.vfs.super_blocks)
    for (const l of sb.s_inode_lru) n += l.size;
  return n;
}

/**
 * /proc/sys/fs/dentry-state: nr_dentry, nr_unused, age_limit, want_pages, nr_negative, dummy —
 * proc_doulongvec_minmax's tab-separated longs.
 * @kernel fs/dcache.c proc_nr_dentry
 */
export function dentry_state_show(k: Kernel): string {
  return (
    [
      k.vfs.nr_dentry,
      nr_dentry_unused(k),
      DENTRY_AGE_LIMIT,
      0,
      k.vfs.nr_dentry_negative,
      0,
    ].join("\t") + "\n"
  );
}

/** /proc/sys/fs/inode-nr: nr_inodes, nr_unused. @kernel fs/inode.c proc_nr_inodes */
export function inode_nr_show(k: Kernel): string {
  return `${k.vfs.nr_inodes}\t${nr_inodes_unused(k)}\n`;
}

/** /proc/sys/fs/inode-state: nr_inodes, nr_unused and five dummies. @kernel fs/inode.c proc_nr_inodes */
export function inode_state_show(k: Kernel): string {
  return (
    [k.vfs.nr_inodes, nr_inodes_unused(k), 0, 0, 0, 0, 0].join("\t") + "\n"
  );
}

/**
 * umount's dentry sweep: every dentry of the superblock goes, children first, whatever holds it
 * (do_umount has checked nothing is open); evict_inodes then takes the inodes.
 * @kernel fs/dcache.c shrink_dcache_for_umount, do_one_tree
 */
export function shrink_dcache_for_umount(k: Kernel, sb: super_block): void {
  const root = sb.s_root;
  if (root === null) return;
  const s = k.slab.cachep.dentry_cache;
  const stack: dentry[] = [root];
  const order: dentry[] = [];
  while (stack.length > 0) {
    const d = stack.pop() as dentry;
    order.push(d);
    for (const c of d.d_subdirs.values()) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const d = order[i];
    d_lru_del(d);
    if (d.d_inode === null) k.vfs.nr_dentry_negative--;
    if (d.d_obj !== 0 && s !== null) kmem_cache_free(k, s, d.d_obj, "__d_free");
    if (d.d_extname !== 0) kfree(k, d.d_extname, "__d_free_external");
    d.d_obj = d.d_extname = 0;
    d.d_subdirs.clear();
    d.d_count = 0;
    k.vfs.nr_dentry--;
  }
  sb.s_root = null;
}
