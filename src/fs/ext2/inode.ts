/**
 * ext2's inodes and their data (fs/ext2/inode.c): ext2_iget reads an inode from its inode table
 * block; ext2_get_blocks maps file blocks to disk blocks through the block map — reading each
 * indirect block through the buffer cache (marking it accessed, so busy ones turn active) — and
 * allocates blocks for writes; the address_space operations read with mpage, write through
 * buffer heads (block_write_begin / generic_write_end: blocks allocated at write time, the page
 * and its buffers dirty), and go straight to the disk for O_DIRECT; truncation and eviction free
 * the blocks.
 *
 * Metadata a write changes (a new indirect block, the group's block bitmap) is marked dirty in
 * the buffer cache, where writeback finds it; the indirect blocks also go on the file's buffer
 * list (mark_buffer_dirty_inode) for fsync, and the inode is marked dirty (I_DIRTY_SYNC |
 * I_DIRTY_DATASYNC) when its size or block map changes; ext2_write_inode copies it into its
 * inode table block.
 * Simplified: no preallocation windows (blocks come from the first free one after the file's
 * last), no xattr blocks; a write's
 * partial page is read whole (mpage_read_folio) instead of block by block.
 * @kernel fs/ext2/inode.c ext2_iget, ext2_get_blocks, ext2_get_block, ext2_alloc_branch,
 *   ext2_read_folio, ext2_readahead, ext2_write_begin, ext2_write_end, ext2_direct_IO,
 *   ext2_setsize, __ext2_truncate_blocks, ext2_evict_inode, ext2_write_inode, ext2_aops
 * @kernel fs/buffer.c block_write_begin, __block_write_begin_int, generic_write_end
 * @kernel fs/direct-io.c __blockdev_direct_IO
 */
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { blk_wait_until, END_DIRECT, REQ_OP_READ, REQ_OP_WRITE, submit_bio } from "../../block/blk.js";
import { bdev_inode } from "../../block/bdev.js";
import { __filemap_get_folio, FGP_CREAT, FGP_LOCK, FGP_WRITE, folio_wait_locked, generic_file_read_iter, generic_file_write_iter, mapping_gfp_mask } from "../../mm/filemap.js";
import { GFP_HIGHUSER_MOVABLE } from "../../mm/gfp.js";
import { F, PG_locked, PG_uptodate } from "../../mm/memmap.js";
import { filemap_dirty_folio, folio_mark_dirty } from "../../mm/page-writeback.js";
import { put_page } from "../../mm/swap.js";
import { invalidate_inode_pages2_range, truncate_inode_pages_final, truncate_setsize } from "../../mm/truncate.js";
import { NO_PFN } from "../../mm/types.js";
import { thp_get_unmapped_area } from "../../mm/mmap.js";
import type { mm_struct } from "../../mm/mm_types.js";
import { get_current } from "../../kernel/sched.js";
import { block_invalidate_folio, brelse, create_empty_buffers, __bread, __getblk, mark_buffer_dirty, mark_buffer_dirty_inode, mark_page_buffers_dirty, set_buffer_uptodate, sync_dirty_buffer, try_to_free_buffers } from "../buffer.js";
import { type address_space, type address_space_operations, type file, type file_operations, I_DIRTY, type inode, type readahead_control, S_IFMT, S_IFDIR, type super_block, type writeback_control } from "../fs.js";
import { __mark_inode_dirty, generic_file_fsync } from "../fs-writeback.js";
import { new_inode } from "../inode.js";
import { mpage_read_folio, mpage_readahead, mpage_writepages } from "../mpage.js";
import { type ext2_disk, type ext2_disk_inode, ext2_block_to_path, ext2_alloc_file_blocks_from } from "./ext2.js";
import { ext2_dir_inode_operations, ext2_file_inode_operations } from "./namei.js";

/** An ext2 instance's in-memory state. @kernel fs/ext2/ext2.h struct ext2_sb_info */
export class ext2_sb_info {
  /** The superblock's buffer and the group descriptors', held while mounted. */
  sbh = -1;
  readonly group_desc: number[] = [];
  /** The icache of this filesystem: in-memory inodes by number. */
  readonly icache = new Map<number, inode>();
  constructor(readonly disk: ext2_disk) {}
}

export function EXT2_SB(sb: super_block): ext2_sb_info {
  return sb.s_fs_info as ext2_sb_info;
}

/** The on-disk inode behind a VFS inode. */
export function EXT2_I(ino: inode): ext2_disk_inode {
  return ino.i_private as ext2_disk_inode;
}

/** The superblock's disk. */
function disk_of(ino: inode): ext2_disk {
  return EXT2_SB(ino.i_sb).disk;
}

// ---- block mapping ----

/**
 * Maps file block `iblock` (and the contiguous ones after it, up to `maxblocks` and the end of
 * the indirect block holding it) to disk blocks, reading the indirect blocks through the buffer
 * cache; with `create`, allocates what is missing. out[0] the first disk block (0: a hole),
 * out[1] the count, out[2] 1 if just allocated. 0 or -ENOSPC / -EIO.
 *
 * No allocation on the read path: the path offsets come from the disk's scratch and are copied
 * into locals before the walk (a read of an indirect block may sleep, and whatever runs meanwhile
 * may walk the map too), and the held buffers (at most three: depth 4 has three indirect levels)
 * are locals, as the kernel's Indirect chain[4] lives on its stack.
 * @kernel fs/ext2/inode.c ext2_get_blocks, ext2_get_branch, ext2_alloc_branch
 */
export function ext2_get_blocks(k: Kernel, ino: inode, iblock: number, maxblocks: number, create: boolean, out: Float64Array): number {
  const disk = disk_of(ino);
  const di = EXT2_I(ino);
  const bdev = ino.i_sb.s_bdev;
  if (bdev === null) return -errnoValues.EIO;
  const depth = ext2_block_to_path(disk, iblock, disk.path_offsets, disk.path_boundary);
  const o0 = disk.path_offsets[0];
  const o1 = disk.path_offsets[1];
  const o2 = disk.path_offsets[2];
  const o3 = disk.path_offsets[3];
  const boundary = disk.path_boundary[0];
  out[0] = 0;
  out[1] = 1;
  out[2] = 0;
  if (depth === 0) return create ? -errnoValues.EFBIG : 0;
  // ext2_get_branch: walk the chain, each indirect block read (and held) through the buffer cache.
  let h1 = NO_PFN;
  let h2 = NO_PFN;
  let h3 = NO_PFN;
  let held = 0;
  let row: Int32Array = di.i_block;
  let p = row[o0];
  let hole = false;
  for (let d = 1; d < depth; d++) {
    if (p === 0) {
      hole = true;
      break;
    }
    const bh = __bread(k, bdev, p);
    if (bh === NO_PFN) {
      brelse_chain(k, h1, h2, h3);
      return -errnoValues.EIO;
    }
    if (d === 1) h1 = bh;
    else if (d === 2) h2 = bh;
    else h3 = bh;
    held = d;
    row = disk.ind.get(p) as Int32Array;
    p = row[d === 1 ? o1 : d === 2 ? o2 : o3];
  }
  if (!hole && p !== 0) {
    // ext2_get_blocks' count: the blocks after this one the same indirect block maps contiguously
    // (at most `boundary` of them), up to maxblocks.
    const last = depth === 1 ? o0 : depth === 2 ? o1 : depth === 3 ? o2 : o3;
    let count = 1;
    while (count < maxblocks && count <= boundary) {
      if (row[last + count] === p + count) count++;
      else break;
    }
    out[0] = p;
    out[1] = count;
    brelse_chain(k, h1, h2, h3);
    return 0;
  }
  if (!create) {
    brelse_chain(k, h1, h2, h3);
    return 0;
  }
  // ext2_alloc_branch: indirect blocks, then the data block, after the file's last block.
  const goal = ext2_find_goal(disk, di, iblock);
  const next = ext2_alloc_file_blocks_from(disk, di, iblock, iblock + 1, goal);
  if (next < 0) {
    brelse_chain(k, h1, h2, h3);
    return -errnoValues.ENOSPC;
  }
  ino.i_blocks = di.blocks;
  // ext2_alloc_branch: the new indirect blocks are zeroed in the buffer cache and dirty, on the
  // file's buffer list; ext2_splice_branch: so is the block the branch hangs from, and the inode
  // (its i_block or i_blocks changed). The bitmap is dirty too, but not the file's (ext2_new_blocks'
  // mark_buffer_dirty): fsync leaves it to the flusher.
  const got = ext2_map_one(disk, di, iblock);
  const mapping = bdev_inode(k, bdev).i_mapping;
  // Levels 1 … `held` of the path existed: the last of them is where the new branch is spliced
  // in (the inode itself when none did); the levels after it are new.
  const existed = held;
  let r: Int32Array = di.i_block;
  let q = r[o0];
  for (let d = 1; d < depth; d++) {
    if (d === existed) {
      // where->bh, still held from the walk
      mark_buffer_dirty_inode(k, d === 1 ? h1 : d === 2 ? h2 : h3, q, mapping, ino.i_mapping);
    } else if (d > existed) {
      const bh = __getblk(k, bdev, q);
      if (bh !== NO_PFN) {
        set_buffer_uptodate(k, Math.floor(bh / 8), bh % 8, 4096 / bdev.bd_block_size);
        mark_buffer_dirty_inode(k, bh, q, mapping, ino.i_mapping);
        brelse(k, bh);
      }
    }
    r = disk.ind.get(q) as Int32Array;
    q = r[d === 1 ? o1 : d === 2 ? o2 : o3];
  }
  brelse_chain(k, h1, h2, h3);
  __mark_inode_dirty(k, ino, I_DIRTY);
  const g = Math.floor((got - disk.first_data_block) / disk.blocks_per_group);
  const bmh = __bread(k, bdev, disk.block_bitmap_block(g));
  if (bmh !== NO_PFN) {
    mark_buffer_dirty(k, bmh, mapping);
    brelse(k, bmh);
  }
  out[0] = got;
  out[1] = 1;
  out[2] = 1;
  return 0;
}

/** Releases the indirect blocks ext2_get_branch held (NO_PFN: a level not reached). */
function brelse_chain(k: Kernel, h1: number, h2: number, h3: number): void {
  if (h1 !== NO_PFN) brelse(k, h1);
  if (h2 !== NO_PFN) brelse(k, h2);
  if (h3 !== NO_PFN) brelse(k, h3);
}

/** The disk block of file block `iblock` by the model's own walk (no buffer cache, no sleep), 0 for a hole. */
function ext2_map_one(disk: ext2_disk, di: ext2_disk_inode, iblock: number): number {
  const offsets = disk.path_offsets;
  const depth = ext2_block_to_path(disk, iblock, offsets, null);
  let row: Int32Array = di.i_block;
  let p = row[offsets[0]];
  for (let d = 1; d < depth && p !== 0; d++) {
    row = disk.ind.get(p) as Int32Array;
    p = row[offsets[d]];
  }
  return p;
}

/** Where to allocate a file's next block: after the block before it, as ext2_find_goal prefers. @kernel fs/ext2/inode.c ext2_find_goal */
function ext2_find_goal(disk: ext2_disk, di: ext2_disk_inode, iblock: number): number {
  for (let b = iblock - 1; b >= 0 && b >= iblock - 16; b--) {
    const p = ext2_map_one(disk, di, b);
    if (p !== 0) return p + 1;
  }
  return disk.first_data_block;
}

/** get_block for mpage and the write path. @kernel fs/ext2/inode.c ext2_get_block */
export const ext2_get_block = ext2_get_blocks;

// ---- address_space operations ----

function ext2_read_folio(k: Kernel, f: file | null, pfn: number): number {
  return mpage_read_folio(k, f, pfn, ext2_get_block);
}

function ext2_readahead(k: Kernel, rac: readahead_control): void {
  mpage_readahead(k, rac, ext2_get_block);
}

/**
 * Prepares page `pos >> 12` for a write of `len` bytes: the page (created on a miss), its
 * buffers attached, its blocks allocated (-ENOSPC when the disk is full), and — when the write
 * does not cover it, it is not uptodate and it has data on disk — read first.
 * @kernel fs/ext2/inode.c ext2_write_begin
 * @kernel fs/buffer.c block_write_begin, __block_write_begin_int
 */
function ext2_write_begin(k: Kernel, _f: file, mapping: address_space, pos: number, len: number): number {
  const ino = mapping.host as inode;
  const index = Math.floor(pos / 4096);
  const pfn = __filemap_get_folio(k, mapping, index, FGP_LOCK | FGP_WRITE | FGP_CREAT, mapping_gfp_mask(mapping));
  if (pfn === NO_PFN) return -errnoValues.ENOMEM;
  const mem = k.mem_map;
  const bs = ino.i_sb.s_blocksize;
  const bpp = 4096 / bs;
  const out = k.vfs.map_out;
  const first = index * bpp;
  // __block_write_begin_int: the page's buffers first (create_page_buffers), then each block mapped.
  create_empty_buffers(k, pfn, bpp);
  let on_disk = false;
  for (let b = 0; b < bpp; b++) {
    const bstart = index * 4096 + b * bs;
    if (bstart >= pos + len || bstart + bs <= pos) {
      // outside the write: does the page hold data there?
      if (bstart < ino.i_size) {
        const e = ext2_get_blocks(k, ino, first + b, 1, false, out);
        if (e === 0 && out[0] !== 0) on_disk = true;
      }
      continue;
    }
    const err = ext2_get_blocks(k, ino, first + b, 1, true, out);
    if (err < 0) {
      put_page(k, pfn);
      return err;
    }
  }
  const full = pos % 4096 === 0 && len === 4096;
  if ((mem.flags[pfn] & F(PG_uptodate)) === 0 && !full && on_disk) {
    mem.flags[pfn] |= F(PG_locked);
    ext2_read_folio(k, null, pfn);
    folio_wait_locked(k, pfn);
  }
  return pfn;
}

/**
 * The write is done: the page and its buffers are uptodate and dirty (the dirty accounting:
 * NR_FILE_DIRTY, the task's write_bytes), i_size covers it, the caller's reference goes.
 * @kernel fs/ext2/inode.c ext2_write_end
 * @kernel fs/buffer.c generic_write_end, block_write_end, __block_commit_write
 */
function ext2_write_end(k: Kernel, _f: file, mapping: address_space, pos: number, _len: number, copied: number, pfn: number): number {
  const ino = mapping.host as inode;
  const bpp = 4096 / ino.i_sb.s_blocksize;
  const mem = k.mem_map;
  for (let b = 0; b < bpp; b++) set_buffer_uptodate(k, pfn, b, bpp);
  mem.flags[pfn] |= F(PG_uptodate);
  mark_page_buffers_dirty(k, pfn, bpp);
  folio_mark_dirty(k, mapping, pfn);
  put_page(k, pfn);
  // generic_write_end: a new size is the inode's metadata (I_DIRTY_DATASYNC: fdatasync writes it)
  if (pos + copied > ino.i_size) {
    ino.i_size = pos + copied;
    __mark_inode_dirty(k, ino, I_DIRTY);
  }
  return copied;
}

/**
 * O_DIRECT on ext2: the range's blocks are read or written with bios of their own, bypassing the
 * page cache (after its copies of the range are dropped: invalidate_inode_pages2_range), and the
 * task waits for them. Holes read as zeros; a write allocates. -EINVAL unless the offset and
 * length are multiples of the 512-byte logical block. Returns the bytes done.
 * @kernel fs/ext2/inode.c ext2_direct_IO
 * @kernel fs/direct-io.c __blockdev_direct_IO, dio_bio_submit
 */
function ext2_direct_IO(k: Kernel, f: file, write: boolean, pos: number, count: number): number {
  const ino = f.f_inode;
  const bdev = ino.i_sb.s_bdev;
  if (bdev === null) return -errnoValues.EINVAL;
  if (pos % 512 !== 0 || count % 512 !== 0) return -errnoValues.EINVAL;
  const bs = ino.i_sb.s_blocksize;
  const mapping = ino.i_mapping;
  const first_page = Math.floor(pos / 4096);
  const last_page = Math.floor((pos + count - 1) / 4096);
  invalidate_inode_pages2_range(k, mapping, first_page, last_page);
  const out = k.vfs.map_out;
  let done = 0;
  let last = k.now_ns;
  let b = Math.floor(pos / bs);
  const end = Math.ceil((pos + count) / bs);
  while (b < end) {
    const err = ext2_get_blocks(k, ino, b, end - b, write, out);
    if (err < 0) return done > 0 ? done : err;
    const n = Math.max(1, Math.min(out[1], end - b));
    if (out[0] !== 0) {
      const sectors = (n * bs) / 512;
      const pages = new Int32Array(Math.max(1, Math.ceil((n * bs) / 4096))).fill(-1);
      last = Math.max(last, submit_bio(k, bdev, write ? REQ_OP_WRITE : REQ_OP_READ, pages, 0, pages.length, sectors, END_DIRECT));
      if (write) {
        const t = get_current(k);
        if (t !== undefined) t.ioac.write_bytes += n * bs; // dio_bio_submit's task_io_account_write
      }
    }
    done += n * bs;
    b += n;
  }
  blk_wait_until(k, last);
  done = Math.min(done, count);
  if (write) {
    if (pos + done > ino.i_size) {
      ino.i_size = pos + done;
      __mark_inode_dirty(k, ino, I_DIRTY); // dio_complete
    }
    ino.i_blocks = EXT2_I(ino).blocks;
    invalidate_inode_pages2_range(k, mapping, first_page, last_page);
  }
  return done;
}

/** Writes a file's dirty pages back in as few bios as its layout allows. @kernel fs/ext2/inode.c ext2_writepages */
function ext2_writepages(k: Kernel, mapping: address_space, wbc: writeback_control): number {
  return mpage_writepages(k, mapping, wbc, ext2_get_block);
}

export const ext2_aops: address_space_operations = Object.freeze({
  name: "ext2_aops",
  read_folio: ext2_read_folio,
  readahead: ext2_readahead,
  write_begin: ext2_write_begin,
  write_end: ext2_write_end,
  dirty_folio: filemap_dirty_folio,
  release_folio: try_to_free_buffers,
  invalidate_folio: block_invalidate_folio,
  direct_IO: ext2_direct_IO,
  writepages: ext2_writepages,
});

/** generic_file_mmap: any mapping is allowed; faults go to filemap_fault. @kernel mm/filemap.c generic_file_mmap */
function generic_file_mmap(): number {
  return 0;
}

export const ext2_file_operations: file_operations = Object.freeze({
  name: "ext2_file_operations",
  read_iter: generic_file_read_iter,
  write_iter: generic_file_write_iter,
  mmap: generic_file_mmap,
  // A closure, not the function itself: read at call time, so the import cycle's evaluation order
  // cannot leave it undefined in the frozen table.
  get_unmapped_area: (mm: mm_struct, f: file | null, addr: number, len: number, pgoff: number, flags: number): number => thp_get_unmapped_area(mm, f, addr, len, pgoff, flags),
  fsync: generic_file_fsync,
});

export const ext2_dir_operations: file_operations = Object.freeze({ name: "ext2_dir_operations" });

// ---- inodes ----

/**
 * The in-memory inode of `ino` (from the icache, else read from its inode table block through
 * the buffer cache), with a reference for the caller; null if the disk has no such inode.
 * @kernel fs/ext2/inode.c ext2_iget
 */
export function ext2_iget(k: Kernel, sb: super_block, ino: number): inode | null {
  const sbi = EXT2_SB(sb);
  const cached = sbi.icache.get(ino);
  if (cached !== undefined) {
    cached.i_count++;
    return cached;
  }
  const di = sbi.disk.inodes.get(ino);
  if (di === undefined) return null;
  const bdev = sb.s_bdev;
  if (bdev !== null) {
    const bh = __bread(k, bdev, sbi.disk.inode_block(ino));
    brelse(k, bh);
  }
  const dir = (di.mode & S_IFMT) === S_IFDIR;
  const i = new_inode(k, sb, ino, di.mode, { a_ops: ext2_aops, i_op: dir ? ext2_dir_inode_operations : ext2_file_inode_operations, i_fop: dir ? ext2_dir_operations : ext2_file_operations }, GFP_HIGHUSER_MOVABLE);
  i.i_private = di;
  i.i_size = di.size;
  i.i_nlink = di.links;
  i.i_blocks = di.blocks;
  sbi.icache.set(ino, i);
  return i;
}

/**
 * Frees the blocks of file blocks [from, end) and the indirect blocks left empty.
 * @kernel fs/ext2/inode.c __ext2_truncate_blocks, ext2_free_branches
 */
export function ext2_truncate_blocks(k: Kernel, ino: inode, from: number): void {
  const disk = disk_of(ino);
  const di = EXT2_I(ino);
  const bs = disk.block_size;
  const apb = disk.apb;
  const free = (b: number): void => {
    if (b === 0) return;
    disk.set_free(b);
    di.blocks -= bs / 512;
  };
  const drop = (b: number, level: number, first: number, span: number): boolean => {
    // Frees the entries of indirect block b (a subtree of `span` blocks per entry) at or after
    // file block `first` (relative to the subtree); true if the block became empty.
    const t = disk.ind.get(b);
    if (t === undefined) return true;
    let empty = true;
    for (let e = 0; e < apb; e++) {
      const start = e * span;
      if (t[e] === 0) continue;
      if (start + span <= first) {
        empty = false;
        continue;
      }
      if (level === 1) {
        free(t[e]);
        t[e] = 0;
      } else if (drop(t[e], level - 1, Math.max(0, first - start), span / apb)) {
        disk.ind.delete(t[e]);
        free(t[e]);
        t[e] = 0;
      } else {
        empty = false;
      }
    }
    return empty;
  };
  for (let i = Math.max(0, from); i < 12; i++) {
    free(di.i_block[i]);
    di.i_block[i] = 0;
  }
  let base = 12;
  for (let level = 1; level <= 3; level++) {
    const span = apb ** level;
    const root = di.i_block[11 + level];
    if (root !== 0 && from < base + span) {
      if (drop(root, level, Math.max(0, from - base), span / apb)) {
        disk.ind.delete(root);
        free(root);
        di.i_block[11 + level] = 0;
      }
    }
    base += span;
  }
  ino.i_blocks = di.blocks;
}

/**
 * A new size (ftruncate): the page cache past it goes (truncate_setsize), then the blocks.
 * @kernel fs/ext2/inode.c ext2_setsize
 */
export function ext2_setsize(k: Kernel, ino: inode, size: number): number {
  if (size > ino.i_sb.s_maxbytes) return -errnoValues.EFBIG;
  truncate_setsize(k, ino, size);
  const di = EXT2_I(ino);
  di.size = size;
  ext2_truncate_blocks(k, ino, Math.ceil(size / ino.i_sb.s_blocksize));
  __mark_inode_dirty(k, ino, I_DIRTY);
  return 0;
}

/**
 * The last reference to an ext2 inode went: its pages go; an unlinked one's blocks and inode
 * are freed too.
 * @kernel fs/ext2/inode.c ext2_evict_inode
 */
export function ext2_evict_inode(k: Kernel, ino: inode): void {
  truncate_inode_pages_final(k, ino.i_mapping);
  ino.i_mapping.private_list = null; // invalidate_inode_buffers
  const sbi = EXT2_SB(ino.i_sb);
  sbi.icache.delete(ino.i_ino);
  if (ino.i_nlink === 0) {
    ext2_truncate_blocks(k, ino, 0);
    sbi.disk.free_ino(ino.i_ino);
  }
}

/**
 * Writes the in-memory inode into its inode table block in the buffer cache (the block dirty);
 * for data integrity (`sync`: WB_SYNC_ALL) the block goes to the disk at once and is waited for.
 * @kernel fs/ext2/inode.c ext2_write_inode, __ext2_write_inode, ext2_get_inode
 */
export function ext2_write_inode(k: Kernel, ino: inode, sync: boolean): number {
  const bdev = ino.i_sb.s_bdev;
  if (bdev === null) return 0;
  const sbi = EXT2_SB(ino.i_sb);
  const di = EXT2_I(ino);
  di.size = ino.i_size;
  const block = sbi.disk.inode_block(ino.i_ino);
  const bh = __bread(k, bdev, block);
  if (bh === NO_PFN) return -errnoValues.EIO;
  mark_buffer_dirty(k, bh, bdev_inode(k, bdev).i_mapping);
  const err = sync ? sync_dirty_buffer(k, bdev, block) : 0;
  brelse(k, bh);
  return err;
}

/** ext2_get_blocks with create, exported for directory growth (namei.ts). */
export function ext2_alloc_block_for(k: Kernel, ino: inode, iblock: number): number {
  const out = new Float64Array(3);
  const err = ext2_get_blocks(k, ino, iblock, 1, true, out);
  return err < 0 ? err : out[0];
}

/** Marks a metadata block dirty in the buffer cache (read first if it is not there). */
export function ext2_dirty_block(k: Kernel, sb: super_block, block: number): void {
  const bdev = sb.s_bdev;
  if (bdev === null || block === 0) return;
  const bh = __bread(k, bdev, block);
  if (bh === NO_PFN) return;
  mark_buffer_dirty(k, bh, bdev_inode(k, bdev).i_mapping);
  brelse(k, bh);
}

/** Reads a metadata block through the buffer cache (touching it) and lets it go. */
export function ext2_read_block(k: Kernel, sb: super_block, block: number): void {
  const bdev = sb.s_bdev;
  if (bdev === null || block === 0) return;
  brelse(k, __bread(k, bdev, block));
}
