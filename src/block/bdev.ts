/**
 * The block device inode (block/bdev.c): each disk has an inode on the "bdev" pseudo-filesystem
 * whose page cache is the disk's buffer cache (fs/buffer.ts reads metadata blocks into it).
 * /proc/meminfo's Buffers is the sum of these mappings' pages (nr_blockdev_pages).
 * @kernel block/bdev.c bdev_alloc, nr_blockdev_pages, bdev_cache_init
 * @kernel block/fops.c def_blk_aops
 */
import type { Kernel } from "../kernel/kernel.js";
import type { address_space_operations, inode, super_operations } from "../fs/fs.js";
import { S_IFBLK } from "../fs/fs.js";
import { empty_fops, empty_iops, get_next_ino, new_inode } from "../fs/inode.js";
import { alloc_super } from "../fs/super.js";
import { block_invalidate_folio, try_to_free_buffers } from "../fs/buffer.js";
import { GFP_USER } from "../mm/gfp.js";
import { filemap_dirty_folio } from "../mm/page-writeback.js";
import type { block_device } from "./blk.js";

/** The bdev pseudo-filesystem's operations: its inodes are never evicted by the VFS. */
export const bdev_sops: super_operations = Object.freeze({ name: "bdev_sops" });

/**
 * The buffer cache's address_space operations: buffers are freed for reclaim and truncation;
 * whole-page reads and writes of the device (part B's writeback) go through buffer heads.
 * @kernel block/fops.c def_blk_aops
 */
export const def_blk_aops: address_space_operations = Object.freeze({
  name: "def_blk_aops",
  dirty_folio: filemap_dirty_folio,
  release_folio: try_to_free_buffers,
  invalidate_folio: block_invalidate_folio,
});

/**
 * The disk's block device inode, made on first use on the bdev pseudo-filesystem (anonymous
 * device 0:0, as bdev_cache_init's kern_mount): S_IFBLK, its mapping's mask GFP_USER.
 * @kernel block/bdev.c bdev_alloc
 */
export function bdev_inode(k: Kernel, bdev: block_device): inode {
  if (bdev.bd_inode !== null) return bdev.bd_inode;
  let sb = k.vfs.bdev_sb;
  if (sb === null) {
    sb = alloc_super(k, "bdev", bdev_sops, null, 0);
    k.vfs.bdev_sb = sb;
  }
  const ino = new_inode(k, sb, get_next_ino(k), S_IFBLK | 0o600, { a_ops: def_blk_aops, i_op: empty_iops, i_fop: empty_fops }, GFP_USER);
  ino.i_bdev = bdev;
  ino.i_size = bdev.nr_sectors * 512;
  bdev.bd_inode = ino;
  return ino;
}

/** Pages of every disk's buffer cache: Buffers. @kernel block/bdev.c nr_blockdev_pages */
export function nr_blockdev_pages(k: Kernel): number {
  let n = 0;
  for (const d of k.blk.disks) if (d.bd_inode !== null) n += d.bd_inode.i_mapping.nrpages;
  return n;
}
