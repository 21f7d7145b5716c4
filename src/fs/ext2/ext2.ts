/**
 * The ext2 disk format as the model keeps it on a simulated disk (`block_device.disk_data`): the
 * geometry mke2fs chooses, the block groups' metadata (superblock backups, group descriptors,
 * reserved GDT blocks, bitmaps, inode tables), the block bitmap, the inodes with their block maps
 * (12 direct pointers, then single, double and triple indirect blocks), the indirect blocks'
 * contents and the directories' entries. File contents are not stored: a block is where it is,
 * not what it holds.
 *
 * `mkfs_ext2` makes an image as `mke2fs -t ext2 -d DIR` does: with mke2fs.conf's defaults a
 * filesystem under 512 MiB is "small" (1 KiB blocks, an inode per 4 KiB, 128-byte inodes),
 * larger ones 4 KiB blocks, an inode per 16 KiB, 256-byte inodes; 8 × block size blocks per
 * group; sparse_super (backups in groups 0, 1 and powers of 3, 5 and 7) and resize_inode
 * (reserved GDT blocks after the descriptors). Each file's blocks are allocated in order from
 * the first free block, its indirect blocks taken just before the data they map, as libext2fs
 * and ext2's own allocator both do: with 1 KiB blocks a 64 MiB file has 257 indirect blocks
 * spread through its data (w6: Buffers grows by about 1 MB when it is read), with 4 KiB blocks
 * 16 (pc-read: +68 kB).
 *
 * Simplified: no extended attributes, htree directories, orphan lists or per-group free counts
 * beyond the block bitmap; directory entries take a fixed 16 + name bytes, rounded to 4; inode
 * numbers are allocated lowest first from 12.
 * @kernel fs/ext2/ext2.h struct ext2_inode, struct ext2_group_desc, EXT2_NDIR_BLOCKS,
 *   EXT2_IND_BLOCK, EXT2_DIND_BLOCK, EXT2_TIND_BLOCK
 */

/** 12 direct block pointers, then the single, double and triple indirect ones. */
export const EXT2_NDIR_BLOCKS = 12;
export const EXT2_IND_BLOCK = 12;
export const EXT2_DIND_BLOCK = 13;
export const EXT2_TIND_BLOCK = 14;
export const EXT2_N_BLOCKS = 15;
/** The root directory's inode, and the first inode files get (after lost+found, 11). */
export const EXT2_ROOT_INO = 2;
export const EXT2_GOOD_OLD_FIRST_INO = 11;
/** Size of a group descriptor. */
const GD_SIZE = 32;

/** One on-disk inode. */
export class ext2_disk_inode {
  mode = 0;
  size = 0;
  links = 0;
  /** i_block[15]: direct, IND, DIND, TIND. 0 = hole. */
  readonly i_block = new Int32Array(EXT2_N_BLOCKS);
  /** i_blocks: 512-byte sectors allocated (data and indirect blocks). */
  blocks = 0;
  /** A directory's entries (name → inode number), in the order they were added. */
  dir: Map<string, number> | null = null;
}

/** A whole ext2 filesystem image. */
export class ext2_disk {
  readonly block_size: number;
  readonly blocks_count: number;
  /** 1 with 1 KiB blocks (block 0 is the boot block), else 0. */
  readonly first_data_block: number;
  readonly blocks_per_group: number;
  readonly groups_count: number;
  readonly inodes_per_group: number;
  readonly inode_size: number;
  readonly gdt_blocks: number;
  readonly reserved_gdt_blocks: number;
  /** Inode table blocks per group. */
  readonly itb_per_group: number;
  /** One bit per block: in use. */
  readonly block_bitmap: Uint32Array;
  free_blocks: number;
  readonly inodes = new Map<number, ext2_disk_inode>();
  /** Contents of indirect blocks: the block numbers they hold. */
  readonly ind = new Map<number, Int32Array>();
  /**
   * Scratch for ext2_block_to_path's offsets (the kernel's `int offsets[4]` on the caller's
   * stack) and its boundary: one walk at a time uses them, and a walk that may sleep (a read of an
   * indirect block) copies them into locals first, so a nested walk cannot disturb it.
   */
  readonly path_offsets = new Int32Array(4);
  readonly path_boundary = new Int32Array(1);
  /** The next inode number to try when allocating. */
  next_ino = EXT2_GOOD_OLD_FIRST_INO + 1;

  constructor(size: number, blockSize?: number) {
    const small = size < 512 * 2 ** 20;
    const bs = blockSize ?? (small ? 1024 : 4096);
    this.block_size = bs;
    this.blocks_count = Math.floor(size / bs);
    this.first_data_block = bs === 1024 ? 1 : 0;
    this.blocks_per_group = 8 * bs;
    this.groups_count = Math.max(1, Math.ceil((this.blocks_count - this.first_data_block) / this.blocks_per_group));
    this.inode_size = small ? 128 : 256;
    const ratio = small ? 4096 : 16384;
    const inodes_per_block = bs / this.inode_size;
    const want = Math.max(16, Math.floor(size / ratio));
    this.inodes_per_group = Math.ceil(Math.ceil(want / this.groups_count) / inodes_per_block) * inodes_per_block;
    this.itb_per_group = (this.inodes_per_group * this.inode_size) / bs;
    this.gdt_blocks = Math.ceil((this.groups_count * GD_SIZE) / bs);
    // resize_inode: room to grow 1024× (to 2^32 blocks at most), at most a block's worth of pointers.
    const max_blocks = Math.min(this.blocks_count * 1024, 2 ** 32 - 1);
    const rsv_groups = Math.ceil(max_blocks / this.blocks_per_group);
    this.reserved_gdt_blocks = Math.max(0, Math.min(Math.ceil(rsv_groups / (bs / GD_SIZE)) - this.gdt_blocks, bs / 4));
    this.block_bitmap = new Uint32Array(Math.ceil(this.blocks_count / 32));
    this.free_blocks = this.blocks_count;
    for (let b = 0; b < this.first_data_block; b++) this.set_used(b);
    for (let g = 0; g < this.groups_count; g++) {
      const first = this.group_first_block(g);
      const meta = this.group_meta_blocks(g);
      for (let b = first; b < first + meta && b < this.blocks_count; b++) this.set_used(b);
    }
    // The blocks past the last full group's end that the last group does not cover stay free.
  }

  /** Does group `g` hold a superblock backup (sparse_super)? @kernel fs/ext2/balloc.c ext2_group_sparse */
  has_super(g: number): boolean {
    if (g <= 1) return true;
    for (const p of [3, 5, 7]) {
      let n = p;
      while (n < g) n *= p;
      if (n === g) return true;
    }
    return false;
  }

  group_first_block(g: number): number {
    return this.first_data_block + g * this.blocks_per_group;
  }

  /** Blocks at the start of group `g` taken by metadata. */
  group_meta_blocks(g: number): number {
    const sb = this.has_super(g) ? 1 + this.gdt_blocks + this.reserved_gdt_blocks : 0;
    return sb + 2 + this.itb_per_group;
  }

  /** The group's block bitmap block. */
  block_bitmap_block(g: number): number {
    return this.group_first_block(g) + (this.has_super(g) ? 1 + this.gdt_blocks + this.reserved_gdt_blocks : 0);
  }

  /** The group's inode bitmap block. */
  inode_bitmap_block(g: number): number {
    return this.block_bitmap_block(g) + 1;
  }

  /** The block of the inode table holding inode `ino`. */
  inode_block(ino: number): number {
    const g = Math.floor((ino - 1) / this.inodes_per_group);
    const idx = (ino - 1) % this.inodes_per_group;
    return this.block_bitmap_block(g) + 2 + Math.floor((idx * this.inode_size) / this.block_size);
  }

  /** The group descriptor block and the superblock, as the mount reads them. */
  superblock_block(): number {
    return this.block_size === 1024 ? 1 : 0;
  }

  is_used(b: number): boolean {
    return (this.block_bitmap[b >>> 5] & (1 << (b & 31))) !== 0;
  }

  set_used(b: number): void {
    if (!this.is_used(b)) {
      this.block_bitmap[b >>> 5] |= 1 << (b & 31);
      this.free_blocks--;
    }
  }

  set_free(b: number): void {
    if (this.is_used(b)) {
      this.block_bitmap[b >>> 5] &= ~(1 << (b & 31));
      this.free_blocks++;
    }
  }

  /** The first free block at or after `goal` (wrapping), marked used; 0 when the disk is full. */
  alloc_block(goal: number): number {
    if (this.free_blocks === 0) return 0;
    const n = this.blocks_count;
    if (goal < this.first_data_block || goal >= n) goal = this.first_data_block;
    for (let i = 0; i < n; i++) {
      const b = goal + i < n ? goal + i : goal + i - n + this.first_data_block;
      if (b >= n) continue;
      // skip whole used words quickly
      if ((b & 31) === 0 && this.block_bitmap[b >>> 5] === 0xffffffff) {
        i += 31;
        continue;
      }
      if (!this.is_used(b)) {
        this.set_used(b);
        return b;
      }
    }
    return 0;
  }

  /** Pointers per indirect block. */
  get apb(): number {
    return this.block_size / 4;
  }

  /** A new inode number (lowest free from 12), or 0 when none is left. */
  alloc_ino(): number {
    const max = this.inodes_per_group * this.groups_count;
    for (let ino = this.next_ino; ino <= max; ino++) {
      if (!this.inodes.has(ino)) {
        this.next_ino = ino + 1;
        return ino;
      }
    }
    return 0;
  }

  free_ino(ino: number): void {
    this.inodes.delete(ino);
    if (ino < this.next_ino && ino > EXT2_GOOD_OLD_FIRST_INO) this.next_ino = ino;
  }
}

/**
 * The path of file block `iblock` through the block map: the offset at each level into
 * `offsets`, the depth returned (0: beyond the triple-indirect block), and into `boundary[0]`
 * (the kernel's `int *boundary`) how many blocks after this one the same indirect block (or the
 * inode's direct slots) still maps. With 4 KiB blocks (apb 1024), block 12 is [EXT2_IND_BLOCK, 0]
 * at depth 2 with boundary 1023; block 1036 is [EXT2_DIND_BLOCK, 0, 0] at depth 3.
 * @kernel fs/ext2/inode.c ext2_block_to_path
 */
export function ext2_block_to_path(disk: ext2_disk, iblock: number, offsets: Int32Array, boundary: Int32Array | null): number {
  const apb = disk.apb;
  let depth = 0;
  let final = 0;
  if (iblock < EXT2_NDIR_BLOCKS) {
    offsets[0] = iblock;
    final = EXT2_NDIR_BLOCKS;
    depth = 1;
  } else if ((iblock -= EXT2_NDIR_BLOCKS) < apb) {
    offsets[0] = EXT2_IND_BLOCK;
    offsets[1] = iblock;
    final = apb;
    depth = 2;
  } else if ((iblock -= apb) < apb * apb) {
    offsets[0] = EXT2_DIND_BLOCK;
    offsets[1] = Math.floor(iblock / apb);
    offsets[2] = iblock % apb;
    final = apb;
    depth = 3;
  } else if ((iblock -= apb * apb) < apb * apb * apb) {
    offsets[0] = EXT2_TIND_BLOCK;
    offsets[1] = Math.floor(iblock / (apb * apb));
    offsets[2] = Math.floor(iblock / apb) % apb;
    offsets[3] = iblock % apb;
    final = apb;
    depth = 4;
  }
  if (boundary !== null) boundary[0] = depth === 0 ? 0 : final - 1 - offsets[depth - 1];
  return depth;
}

/** The largest file size the block map reaches (ext2_max_size, capped by i_blocks' 2^32 sectors). @kernel fs/ext2/super.c ext2_max_size */
export function ext2_max_size(disk: ext2_disk): number {
  const apb = disk.apb;
  const blocks = EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
  const meta = 1 + 1 + apb + 1 + apb + apb * apb;
  const by_iblocks = Math.floor((2 ** 32 - 1) / (disk.block_size / 512)) - meta;
  return Math.min(blocks, by_iblocks) * disk.block_size;
}

/**
 * Allocates the blocks of a file of `size` bytes for inode `di`, in order from `goal`, each
 * indirect block just before the first data block it maps. Returns the block after the last one
 * allocated (the next goal), or -1 when the disk filled up.
 */
export function ext2_alloc_file_blocks(disk: ext2_disk, di: ext2_disk_inode, size: number, goal: number): number {
  return ext2_alloc_file_blocks_from(disk, di, 0, Math.ceil(size / disk.block_size), goal);
}

/** A file or directory to put on a new image (mke2fs -d's source tree). */
export interface Ext2ImageFile {
  /** Path inside the filesystem ("file64", "/dir/f"). */
  path: string;
  /** Bytes (a regular file); omitted for a directory. */
  size?: number;
  dir?: boolean;
}

/** The entry size of a directory entry (ext2_dir_entry_2: 8 bytes + the name, 4-aligned). */
export function ext2_rec_len(name: string): number {
  return (8 + name.length + 3) & ~3;
}

/**
 * A directory's data blocks for its entries (at least one), allocated from `goal`. Returns the
 * next goal or -1.
 */
export function ext2_alloc_dir_blocks(disk: ext2_disk, di: ext2_disk_inode, goal: number): number {
  let bytes = 12 + 12; // "." and ".."
  for (const name of (di.dir as Map<string, number>).keys()) bytes += ext2_rec_len(name);
  const want = Math.max(1, Math.ceil(bytes / disk.block_size));
  const have = Math.ceil(di.size / disk.block_size);
  if (want <= have) return goal;
  const g = ext2_alloc_file_blocks_from(disk, di, have, want, goal);
  di.size = want * disk.block_size;
  return g;
}

/** Allocates file blocks [from, to) of inode `di` (appending). */
export function ext2_alloc_file_blocks_from(disk: ext2_disk, di: ext2_disk_inode, from: number, to: number, goal: number): number {
  const offsets = disk.path_offsets;
  const apb = disk.apb;
  for (let iblock = from; iblock < to; iblock++) {
    const depth = ext2_block_to_path(disk, iblock, offsets, null);
    if (depth === 0) return -1;
    let table: Int32Array | null = null;
    for (let d = 0; d < depth - 1; d++) {
      const cur: Int32Array = d === 0 ? di.i_block : (table as Int32Array);
      let b = cur[offsets[d]];
      if (b === 0) {
        b = disk.alloc_block(goal);
        if (b === 0) return -1;
        goal = b + 1;
        cur[offsets[d]] = b;
        disk.ind.set(b, new Int32Array(apb));
        di.blocks += disk.block_size / 512;
      }
      table = disk.ind.get(b) as Int32Array;
    }
    const row = depth === 1 ? di.i_block : (table as Int32Array);
    if (row[offsets[depth - 1]] !== 0) continue;
    const b = disk.alloc_block(goal);
    if (b === 0) return -1;
    goal = b + 1;
    row[offsets[depth - 1]] = b;
    di.blocks += disk.block_size / 512;
  }
  return goal;
}

/**
 * An ext2 image of `size` bytes holding `files` (mke2fs -t ext2 -d): the root directory,
 * lost+found, then each file in the order given, its blocks contiguous from the first free one.
 * Throws RangeError when they do not fit.
 */
export function mkfs_ext2(size: number, files: readonly Ext2ImageFile[] = [], blockSize?: number): ext2_disk {
  const disk = new ext2_disk(size, blockSize);
  let goal = 0;
  const mkdir = (ino: number, parent: number): ext2_disk_inode => {
    const di = new ext2_disk_inode();
    di.mode = 0o040755;
    di.links = 2;
    di.dir = new Map();
    disk.inodes.set(ino, di);
    void parent;
    return di;
  };
  const root = mkdir(EXT2_ROOT_INO, EXT2_ROOT_INO);
  root.links = 3;
  const lf = mkdir(EXT2_GOOD_OLD_FIRST_INO, EXT2_ROOT_INO);
  (root.dir as Map<string, number>).set("lost+found", EXT2_GOOD_OLD_FIRST_INO);
  goal = ext2_alloc_dir_blocks(disk, root, goal);
  // mke2fs gives lost+found 16 KiB (at least 4 blocks) so fsck need not allocate.
  goal = ext2_alloc_file_blocks_from(disk, lf, 0, Math.max(4, 16384 / disk.block_size), goal);
  lf.size = Math.max(4, 16384 / disk.block_size) * disk.block_size;
  const dirs = new Map<string, number>([["", EXT2_ROOT_INO]]);
  const ensureDir = (path: string): number => {
    const have = dirs.get(path);
    if (have !== undefined) return have;
    const slash = path.lastIndexOf("/");
    const parent = ensureDir(path.slice(0, Math.max(0, slash)));
    const ino = disk.alloc_ino();
    if (ino === 0) throw new RangeError(`ext2 image: no inode left for ${path}`);
    const di = mkdir(ino, parent);
    const pd = disk.inodes.get(parent) as ext2_disk_inode;
    (pd.dir as Map<string, number>).set(path.slice(slash + 1), ino);
    pd.links++;
    dirs.set(path, ino);
    goal = ext2_alloc_dir_blocks(disk, di, goal);
    if (goal < 0) throw new RangeError("ext2 image: the files do not fit");
    return ino;
  };
  for (const f of files) {
    const path = f.path.replace(/^\/+/, "").replace(/\/+$/, "");
    if (path === "") continue;
    if (f.dir) {
      ensureDir(path);
      continue;
    }
    const slash = path.lastIndexOf("/");
    const parent = ensureDir(path.slice(0, Math.max(0, slash)));
    const ino = disk.alloc_ino();
    if (ino === 0) throw new RangeError(`ext2 image: no inode left for ${path}`);
    const di = new ext2_disk_inode();
    di.mode = 0o100644;
    di.links = 1;
    di.size = f.size ?? 0;
    disk.inodes.set(ino, di);
    ((disk.inodes.get(parent) as ext2_disk_inode).dir as Map<string, number>).set(path.slice(slash + 1), ino);
    goal = ext2_alloc_file_blocks(disk, di, di.size, goal);
    if (goal < 0) throw new RangeError(`ext2 image: ${path} (${f.size} bytes) does not fit on ${size} bytes`);
  }
  for (const di of disk.inodes.values()) if (di.dir) goal = Math.max(goal, ext2_alloc_dir_blocks(disk, di, goal));
  return disk;
}
