/**
 * Inodes' lives: made by a filesystem (new_inode, with an inode number from get_next_ino for the
 * filesystems that have no on-disk numbers), referenced (ihold) by dentries, open files and
 * mappings, and released (iput). The last reference to an inode without links — or of a
 * filesystem that keeps no unused inodes, as tmpfs's dcache-only inodes are kept by their dentry —
 * evicts it: the filesystem's evict_inode frees its pages and blocks, the inode leaves its
 * superblock's list and its address_space leaves k.vfs.mappings.
 *
 * Unused inodes of a block filesystem (links, no references) stay cached with their page cache,
 * as the icache keeps them until memory pressure, drop_caches or umount prunes them.
 *
 * Each inode is an object of its filesystem's inode cache with an LSM blob, and an unused one
 * waits on its superblock's LRU for the super shrinker (fs/dcache.ts).
 *
 * Simplified: no inode hash (inodes are found through dentries and the filesystem's own table),
 * no per-CPU batching of get_next_ino (the counter goes 1, 2, 3… per machine).
 * @kernel fs/inode.c new_inode, get_next_ino, ihold, iput, iput_final, evict, clear_inode,
 *   generic_drop_inode, empty_aops
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { truncate_inode_pages_final } from "../mm/truncate.js";
import { XA_FLAGS_ACCOUNT } from "../lib/xarray.js";
import { alloc_inode_objects, destroy_inode_objects, inode_add_lru } from "./dcache.js";
import { inode_io_list_del } from "./fs-writeback.js";
import {
  type address_space_operations,
  type file_operations,
  I_FREEING,
  inode,
  type inode_operations,
  new_mapping_id,
  type super_block,
} from "./fs.js";

/** The operations of a mapping that has none (empty_aops): the vdso's, a directory's. */
export const empty_aops: address_space_operations = Object.freeze({ name: "empty_aops" });
/** A file that supports nothing beyond what the VFS does itself. */
export const empty_fops: file_operations = Object.freeze({ name: "empty_fops" });
export const empty_iops: inode_operations = Object.freeze({ name: "empty_iops" });

/** The next inode number of a filesystem without on-disk numbers (tmpfs, the bdev pseudo-fs). @kernel fs/inode.c get_next_ino */
export function get_next_ino(k: Kernel): number {
  return ++k.vfs.last_ino;
}

/**
 * A new inode of `sb` with its address_space registered in k.vfs.mappings (a page's mapping id
 * finds it) and linked on the superblock's list; one reference, for the caller.
 * @kernel fs/inode.c new_inode
 */
export function new_inode(
  k: Kernel,
  sb: super_block,
  ino: number,
  mode: number,
  ops: { a_ops: address_space_operations; i_op: inode_operations; i_fop: file_operations },
  gfp_mask: number,
): inode {
  const i = new inode(sb, ino, mode, new_mapping_id(k), ops.a_ops, ops.i_op, ops.i_fop, gfp_mask);
  alloc_inode_objects(k, i);
  k.vfs.mappings.set(i.i_mapping.id, i.i_mapping);
  const xa = i.i_mapping.i_pages;
  xa.node_cache = k.vfs.xa_node_cache;
  // address_space_init_once: XA_FLAGS_ACCOUNT; mapping_set_update: workingset_update_node for
  // every mapping but shmem's (and DAX's, which the page cache does not hold).
  xa.xa_flags = XA_FLAGS_ACCOUNT;
  xa.update_node = !i.shmem;
  xa.mapping_id = i.i_mapping.id;
  xa.node_owner = k.workingset;
  sb.s_inodes.add(i);
  return i;
}

/** One more reference. @kernel fs/inode.c ihold */
export function ihold(i: inode): void {
  if (i.i_count <= 0) throw new KernelBug("ihold on a dead inode", { ino: i.i_ino });
  i.i_count++;
}

/**
 * Drops a reference; the last one of an inode without links evicts it (generic_drop_inode), and
 * so does the last one of an inode its filesystem does not keep unused (`keep_unused` false:
 * tmpfs's are kept by their dentries' references, never unused).
 * @kernel fs/inode.c iput, iput_final, generic_drop_inode
 */
export function iput(k: Kernel, i: inode): void {
  if (i.i_count <= 0) throw new KernelBug("iput: inode reference underflow", { ino: i.i_ino });
  if (--i.i_count > 0) return;
  if (i.i_nlink === 0 || !keeps_unused_inodes(i.i_sb)) evict(k, i);
  else inode_add_lru(k, i, true); // kept unused: onto s_inode_lru for the super shrinker
}

/** Filesystems whose unused inodes stay in the icache (block filesystems); tmpfs's do not exist unused. */
function keeps_unused_inodes(sb: super_block): boolean {
  return sb.s_bdev !== null;
}

/**
 * Frees an inode nobody references: its filesystem's evict_inode (or truncate_inode_pages_final),
 * then it leaves the superblock and the mapping table.
 * @kernel fs/inode.c evict, clear_inode
 */
export function evict(k: Kernel, i: inode): void {
  if ((i.i_state & I_FREEING) !== 0) return;
  i.i_state |= I_FREEING;
  inode_io_list_del(i);
  const evict_inode = i.i_sb.s_op.evict_inode;
  if (evict_inode) evict_inode(k, i);
  else truncate_inode_pages_final(k, i.i_mapping);
  if (i.i_mapping.nrpages !== 0) throw new KernelBug("evict: pages left in the page cache", { ino: i.i_ino, nrpages: i.i_mapping.nrpages });
  i.i_sb.s_inodes.delete(i);
  k.vfs.mappings.delete(i.i_mapping.id);
  destroy_inode_objects(k, i);
}
