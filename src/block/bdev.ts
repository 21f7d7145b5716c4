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
import { filemap_dirty_folio, write_cache_pages } from "../mm/page-writeback.js";
import { mpage_add_write, mpage_write_submit } from "../fs/mpage.js";
import type { address_space, writeback_control } from "../fs/fs.js";
import type { block_device } from "./blk.js";

/** The bdev pseudo-filesystem's operations: its inodes are never evicted by the VFS. */
export const bdev_sops: super_operations = Object.freeze({ name: "bdev_sops" });

/**
 * Writes the buffer cache's dirty pages: page `index` of the device is at sector index × 8, so
 * neighbouring dirty metadata pages go out in one bio.
 * Simplified: a page is written whole, not buffer by buffer (block_write_full_page submits each
 * dirty buffer on its own; with 4 KiB blocks, as on disks of 512 MiB and more, the two agree).
 * @kernel block/fops.c blkdev_writepages
 * @kernel fs/buffer.c block_write_full_page, __block_write_full_page
 */
export function blkdev_writepages(k: Kernel, mapping: address_space, wbc: writeback_control): number {
  const bdev = mapping.host?.i_bdev ?? null;
  if (bdev === null) return 0;
  const b = k.blk.wbio;
  const ret = write_cache_pages(k, mapping, wbc, (kk, m, pfn) => {
    mpage_add_write(kk, b, bdev, m, pfn, kk.mem_map.index[pfn] * 8);
    return 0;
  });
  mpage_write_submit(k, b);
  return ret;
}

/**
 * The buffer cache's address_space operations: buffers are freed for reclaim and truncation;
 * dirty pages are written back whole (blkdev_writepages).
 * @kernel block/fops.c def_blk_aops
 */
export const def_blk_aops: address_space_operations = Object.freeze({
  name: "def_blk_aops",
  dirty_folio: filemap_dirty_folio,
  writepages: blkdev_writepages,
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
