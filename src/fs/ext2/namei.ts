/**
 * ext2 directories (fs/ext2/namei.c, dir.c): lookup reads a directory's blocks through the
 * buffer cache until it finds the name (so a cold lookup costs block reads and leaves Buffers
 * pages behind), create and mkdir allocate an inode (its group's inode bitmap block dirty) and
 * add an entry (the directory block dirty, a new block when the last is full), unlink removes
 * the entry and a link.
 * Simplified: entries are found by position in the directory's entry list (each takes its
 * rec_len), no htree, no rename, no rmdir.
 * @kernel fs/ext2/namei.c ext2_lookup, ext2_create, ext2_mkdir, ext2_unlink
 * @kernel fs/ext2/dir.c ext2_inode_by_name, ext2_add_link, ext2_delete_entry
 * @kernel fs/ext2/ialloc.c ext2_new_inode
 */
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { type inode, type inode_operations, S_IFDIR, S_IFMT, S_IFREG } from "../fs.js";
import { ext2_disk_inode, ext2_rec_len } from "./ext2.js";
import { EXT2_I, EXT2_SB, ext2_alloc_block_for, ext2_dirty_block, ext2_iget, ext2_read_block, ext2_setsize } from "./inode.js";

/** The directory blocks to read to find entry number `pos` (bytes before it, "." and ".." first). */
function dir_block_of(dir: inode, name: string): number {
  const di = EXT2_I(dir);
  let off = 24;
  for (const n of (di.dir as Map<string, number>).keys()) {
    if (n === name) return Math.floor(off / dir.i_sb.s_blocksize);
    off += ext2_rec_len(n);
  }
  return Math.ceil(di.size / dir.i_sb.s_blocksize) - 1;
}

/** The disk block of a directory's block `b`. */
function dir_disk_block(dir: inode, b: number): number {
  const disk = EXT2_SB(dir.i_sb).disk;
  const di = EXT2_I(dir);
  if (b < 12) return di.i_block[b];
  const ind = disk.ind.get(di.i_block[12]);
  return ind === undefined ? 0 : ind[b - 12];
}

/**
 * lookup: reads the directory's blocks in order until the one holding `name` (all of them if
 * it is not there), then the inode.
 * @kernel fs/ext2/namei.c ext2_lookup
 * @kernel fs/ext2/dir.c ext2_find_entry
 */
function ext2_lookup(k: Kernel, dir: inode, name: string): inode | null {
  const di = EXT2_I(dir);
  const ino = (di.dir as Map<string, number>).get(name);
  const last = ino === undefined ? Math.ceil(di.size / dir.i_sb.s_blocksize) - 1 : dir_block_of(dir, name);
  for (let b = 0; b <= last; b++) ext2_read_block(k, dir.i_sb, dir_disk_block(dir, b));
  if (ino === undefined) return null;
  return ext2_iget(k, dir.i_sb, ino);
}

/**
 * Adds entry `name` → `ino` to a directory: the block it lands in is dirtied; a directory whose
 * blocks are full grows by one.
 * @kernel fs/ext2/dir.c ext2_add_link
 */
function ext2_add_link(k: Kernel, dir: inode, name: string, ino: number): number {
  const di = EXT2_I(dir);
  const bs = dir.i_sb.s_blocksize;
  let used = 24;
  for (const n of (di.dir as Map<string, number>).keys()) used += ext2_rec_len(n);
  const nblocks = Math.ceil(di.size / bs);
  if (used + ext2_rec_len(name) > nblocks * bs) {
    const got = ext2_alloc_block_for(k, dir, nblocks);
    if (got < 0) return got;
    di.size = (nblocks + 1) * bs;
    dir.i_size = di.size;
  }
  (di.dir as Map<string, number>).set(name, ino);
  ext2_dirty_block(k, dir.i_sb, dir_disk_block(dir, Math.floor(used / bs)));
  return 0;
}

/**
 * A new inode (regular file, or directory with its first block) named `name` in `dir`: its
 * group's inode bitmap is dirtied. -ENOSPC when no inode or block is left.
 * @kernel fs/ext2/namei.c ext2_create, ext2_mkdir
 * @kernel fs/ext2/ialloc.c ext2_new_inode
 */
function ext2_create(k: Kernel, dir: inode, name: string, mode: number): inode | number {
  const sb = dir.i_sb;
  const disk = EXT2_SB(sb).disk;
  const ino = disk.alloc_ino();
  if (ino === 0) return -errnoValues.ENOSPC;
  const isdir = (mode & S_IFMT) === S_IFDIR;
  const di = new ext2_disk_inode();
  di.mode = isdir ? mode : (mode & ~S_IFMT) | S_IFREG;
  di.links = isdir ? 2 : 1;
  if (isdir) di.dir = new Map();
  disk.inodes.set(ino, di);
  ext2_dirty_block(k, sb, disk.inode_bitmap_block(Math.floor((ino - 1) / disk.inodes_per_group)));
  const err = ext2_add_link(k, dir, name, ino);
  if (err < 0) {
    disk.free_ino(ino);
    return err;
  }
  const i = ext2_iget(k, sb, ino);
  if (i === null) return -errnoValues.EIO;
  if (isdir) {
    const got = ext2_alloc_block_for(k, i, 0);
    if (got < 0) return got;
    di.size = sb.s_blocksize;
    i.i_size = di.size;
    EXT2_I(dir).links++;
    dir.i_nlink = EXT2_I(dir).links;
  }
  return i;
}

/**
 * unlink: the entry goes (its block dirtied) and the inode loses a link.
 * @kernel fs/ext2/namei.c ext2_unlink
 * @kernel fs/ext2/dir.c ext2_delete_entry
 */
function ext2_unlink(k: Kernel, dir: inode, name: string, victim: inode): number {
  const di = EXT2_I(dir);
  ext2_dirty_block(k, dir.i_sb, dir_disk_block(dir, dir_block_of(dir, name)));
  (di.dir as Map<string, number>).delete(name);
  const vi = EXT2_I(victim);
  vi.links = Math.max(0, vi.links - 1);
  victim.i_nlink = vi.links;
  return 0;
}

export const ext2_dir_inode_operations: inode_operations = Object.freeze({
  name: "ext2_dir_inode_operations",
  lookup: ext2_lookup,
  create: ext2_create,
  unlink: ext2_unlink,
});

export const ext2_file_inode_operations: inode_operations = Object.freeze({
  name: "ext2_file_inode_operations",
  setsize: ext2_setsize,
});
