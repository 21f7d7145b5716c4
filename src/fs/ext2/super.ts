/**
 * Mounting an ext2 filesystem (fs/ext2/super.c): the disk's block size becomes its buffers' size
 * (set_blocksize drops the device's page cache), the superblock and the group descriptors are
 * read and held for as long as the filesystem is mounted (their page stays in Buffers through
 * drop_caches, as on the real guest), and the root inode is read. s_maxbytes is ext2_max_size.
 * Simplified: no feature checks beyond "is this ext2", no orphan cleanup, no journal, no
 * mount-time bitmap prefetch.
 * @kernel fs/ext2/super.c ext2_fill_super, ext2_put_super, ext2_max_size
 * @kernel block/bdev.c set_blocksize
 */
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { block_device } from "../../block/blk.js";
import { bdev_inode } from "../../block/bdev.js";
import { truncate_inode_pages } from "../../mm/truncate.js";
import { NO_PFN } from "../../mm/types.js";
import { __bread, brelse } from "../buffer.js";
import { d_make_root } from "../dcache.js";
import { type super_block, type super_operations } from "../fs.js";
import { alloc_super } from "../super.js";
import { ext2_disk, ext2_max_size, EXT2_ROOT_INO } from "./ext2.js";
import { EXT2_SB, ext2_evict_inode, ext2_iget, ext2_sb_info, ext2_write_inode } from "./inode.js";

/** On umount: the held superblock and descriptor buffers are released. @kernel fs/ext2/super.c ext2_put_super */
function ext2_put_super(k: Kernel, sb: super_block): void {
  const sbi = EXT2_SB(sb);
  for (const bh of sbi.group_desc) brelse(k, bh);
  sbi.group_desc.length = 0;
  if (sbi.sbh !== -1) brelse(k, sbi.sbh);
  sbi.sbh = -1;
}

export const ext2_sops: super_operations = Object.freeze({
  name: "ext2_sops",
  evict_inode: ext2_evict_inode,
  put_super: ext2_put_super,
  write_inode: ext2_write_inode,
});

/**
 * Sets the disk's buffer size; a change drops the buffer cache (kill_bdev), as its pages hold
 * buffers of the old size. @kernel block/bdev.c set_blocksize
 */
function set_blocksize(k: Kernel, bdev: block_device, size: number): void {
  if (bdev.bd_block_size === size) return;
  bdev.bd_block_size = size;
  truncate_inode_pages(k, bdev_inode(k, bdev).i_mapping, 0);
}

/**
 * Reads the filesystem on `bdev`: -EINVAL if the disk holds no ext2 image.
 * @kernel fs/ext2/super.c ext2_fill_super
 */
export function ext2_fill_super(k: Kernel, bdev: block_device, readonly: boolean): super_block | number {
  const disk = bdev.disk_data;
  if (!(disk instanceof ext2_disk)) return -errnoValues.EINVAL;
  set_blocksize(k, bdev, disk.block_size);
  const sb = alloc_super(k, "ext2", ext2_sops, bdev);
  const sbi = new ext2_sb_info(disk);
  sb.s_fs_info = sbi;
  sb.s_blocksize = disk.block_size;
  sb.s_blocksize_bits = Math.log2(disk.block_size);
  sb.s_maxbytes = ext2_max_size(disk);
  void readonly;
  sbi.sbh = __bread(k, bdev, disk.superblock_block());
  if (sbi.sbh === NO_PFN) return -errnoValues.EIO;
  for (let i = 0; i < disk.gdt_blocks; i++) sbi.group_desc.push(__bread(k, bdev, disk.superblock_block() + 1 + i));
  const root = ext2_iget(k, sb, EXT2_ROOT_INO);
  if (root === null) return -errnoValues.EINVAL;
  sb.s_root = d_make_root(k, root);
  return sb;
}
