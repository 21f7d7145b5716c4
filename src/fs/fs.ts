/**
 * The VFS shapes (include/linux/fs.h and friends) as the model keeps them: super_block, inode,
 * address_space, file with its file_ra_state, dentry and vfsmount, the per-task files_struct and
 * task_io_accounting, the operations tables a filesystem provides, and the machine's VFS state
 * (`k.vfs`). docs/architecture.md, "Files and the page cache", describes how they fit.
 *
 * Operations tables (`address_space_operations`, `file_operations`, `super_operations`,
 * `inode_operations`) are frozen module-level objects of plain functions, referenced from the
 * objects as the kernel's `const struct …_operations *` are: state holds no closures. Each has a
 * `name`; src/fs/ops.ts lists them for code that maps a table to its name and back.
 *
 * Simplified: no locks (the model is single-threaded), no permissions beyond root's, no
 * namespaces, no hard links across directories' dcache (a dentry per name), no timestamps.
 * @kernel include/linux/fs.h struct super_block, struct inode, struct address_space, struct file,
 *   struct file_ra_state, struct address_space_operations, struct file_operations,
 *   struct super_operations
 * @kernel include/linux/dcache.h struct dentry
 * @kernel include/linux/mount.h struct vfsmount
 * @kernel include/linux/fdtable.h struct files_struct
 * @kernel include/linux/task_io_accounting.h struct task_io_accounting
 */
import type { Kernel } from "../kernel/kernel.js";
import type { block_device } from "../block/blk.js";
import type { mm_struct, vm_area_struct } from "../mm/mm_types.js";
import { xarray } from "../lib/xarray.js";
import type { shrinker } from "../mm/shrinker.js";
import type { vm_fault } from "../mm/memory.js";

// ---------------------------------------------------------------------------------------------
// Mode bits (include/uapi/linux/stat.h) and flags
// ---------------------------------------------------------------------------------------------

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
export const S_ISBLK = (m: number): boolean => (m & S_IFMT) === S_IFBLK;
export const S_ISLNK = (m: number): boolean => (m & S_IFMT) === S_IFLNK;

/** f_mode bits (include/linux/fs.h). */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const FMODE_LSEEK = 0x4;
export const FMODE_PREAD = 0x8;
export const FMODE_PWRITE = 0x10;
/** POSIX_FADV_RANDOM: readahead off for this file. */
export const FMODE_RANDOM = 0x1000;
/** POSIX_FADV_NOREUSE (6.1 records it and does nothing else). */
export const FMODE_NOREUSE = 0x800000;

/** open(2) flags, x86-64 values (include/uapi/asm-generic/fcntl.h). */
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const __O_SYNC = 0o4000000;
export const O_SYNC = __O_SYNC | O_DSYNC;
export const O_PATH = 0o10000000;

/** super_block s_flags. */
export const SB_RDONLY = 1;

/** inode i_state bits. */
export const I_DIRTY_SYNC = 1 << 0;
export const I_DIRTY_DATASYNC = 1 << 1;
export const I_DIRTY_PAGES = 1 << 2;
export const I_NEW = 1 << 3;
export const I_WILL_FREE = 1 << 4;
export const I_FREEING = 1 << 5;
export const I_CLEAR = 1 << 6;
/** Used since it went on the inode LRU: one more pass before prune_icache_sb frees it (dcache.ts). */
export const I_REFERENCED = 1 << 8;
export const I_DIRTY_INODE = I_DIRTY_SYNC | I_DIRTY_DATASYNC;
export const I_DIRTY = I_DIRTY_INODE | I_DIRTY_PAGES;

/** address_space flags (enum mapping_flags). */
export const AS_EIO = 1 << 0;
export const AS_ENOSPC = 1 << 1;
export const AS_UNEVICTABLE = 1 << 3;
export const AS_EXITING = 1 << 4;

/** MAX_LFS_FILESIZE, as far as a double holds it: 2^63 - 1 rounds to 2^63. */
export const MAX_LFS_FILESIZE = 2 ** 63 - 1;
/**
 * The largest file the model's page cache holds: 2^31 pages (the memmap's index column and the
 * xarray are 32-bit). tmpfs's s_maxbytes is this instead of MAX_LFS_FILESIZE.
 */
export const MODEL_MAX_FILESIZE = 2 ** 31 * 4096;

// ---------------------------------------------------------------------------------------------
// Operations tables
// ---------------------------------------------------------------------------------------------

/** The readahead request a_ops->readahead serves: the locked, new folios of one window, in order. */
export interface readahead_control {
  readonly file: file | null;
  readonly mapping: address_space;
  readonly ra: file_ra_state | null;
  /** The index of the first folio. */
  _index: number;
  /** The folios (pfns) to read, in index order: `pages[0 .. _nr_pages)` (page_cache_ra_unbounded provides the array). */
  pages: Int32Array;
  _nr_pages: number;
  /** Some folio of the window was workingset (the read counts as a memory stall). */
  _workingset: boolean;
}

/**
 * What a filesystem does for its page cache (address_space_operations). Every function gets the
 * Kernel first, as every mechanism here does.
 */
export interface address_space_operations {
  readonly name: string;
  /** Starts reading a locked, !uptodate folio; the completion unlocks it. 0 or -errno. */
  readonly read_folio?: (k: Kernel, f: file | null, pfn: number) => number;
  /** Starts reading the folios of `rac` (each locked); their completions unlock them. */
  readonly readahead?: (k: Kernel, rac: readahead_control) => void;
  /**
   * Prepares folio `index` for a write of `len` bytes at `pos` (reading it first if the write is
   * partial and it is not uptodate): the pfn with a reference, or -errno.
   */
  readonly write_begin?: (k: Kernel, f: file, mapping: address_space, pos: number, len: number) => number;
  /** The write of `copied` bytes at `pos` into folio `pfn` is done: dirty it, grow i_size. Returns copied. */
  readonly write_end?: (k: Kernel, f: file, mapping: address_space, pos: number, len: number, copied: number, pfn: number) => number;
  /** Marks a folio dirty (and its buffers): true if it was clean. */
  readonly dirty_folio?: (k: Kernel, mapping: address_space, pfn: number) => boolean;
  /** Frees the folio's private data (buffer heads) so it can be removed: true on success. */
  readonly release_folio?: (k: Kernel, pfn: number) => boolean;
  /** A folio leaves the page cache by truncation: drop its private data. */
  readonly invalidate_folio?: (k: Kernel, pfn: number) => void;
  /**
   * Writes the mapping's dirty folios back as `wbc` asks (mpage_writepages, blkdev_writepages):
   * starts their writeback and submits the bios; 0 or -errno. wbc.nr_to_write counts down.
   */
  readonly writepages?: (k: Kernel, mapping: address_space, wbc: writeback_control) => number;
  /**
   * Writes one locked, dirty folio for reclaim's pageout (only shmem has one in the model:
   * shmem_writepage, to swap): 0, or AOP_WRITEPAGE_ACTIVATE with the folio redirtied.
   */
  readonly writepage?: (k: Kernel, mapping: address_space, pfn: number, wbc: writeback_control) => number;
  /**
   * O_DIRECT: `count` bytes at `pos` straight between the disk and the caller, waiting for the
   * I/O; bytes done or -errno. A mapping without it refuses O_DIRECT opens (EINVAL).
   */
  readonly direct_IO?: (k: Kernel, f: file, write: boolean, pos: number, count: number) => number;
}

/** ->writepage's answer: keep the folio (redirtied) and activate it. @kernel include/linux/fs.h AOP_WRITEPAGE_ACTIVATE */
export const AOP_WRITEPAGE_ACTIVATE = 0x80000;

/** enum writeback_sync_modes: don't wait on anything, or wait on every page. */
export const WB_SYNC_NONE = 0;
export const WB_SYNC_ALL = 1;

/**
 * What a writeback pass asks of ->writepages: how many pages (counted down as they go), which
 * range, whether to wait (WB_SYNC_ALL: data integrity) and who asks.
 * @kernel include/linux/writeback.h struct writeback_control
 */
export interface writeback_control {
  nr_to_write: number;
  pages_skipped: number;
  /** Byte range [range_start, range_end] (inclusive), unless range_cyclic. */
  range_start: number;
  range_end: number;
  sync_mode: number;
  for_kupdate: boolean;
  for_background: boolean;
  tagged_writepages: boolean;
  for_reclaim: boolean;
  range_cyclic: boolean;
  for_sync: boolean;
}

/** What a file does for its syscalls (file_operations): only what the model needs. */
export interface file_operations {
  readonly name: string;
  readonly read_iter?: (k: Kernel, f: file, pos: number, count: number) => number;
  readonly write_iter?: (k: Kernel, f: file, pos: number, count: number) => number;
  /** Checks (and adjusts) a new mapping of the file: 0 or -errno (shmem_mmap, generic_file_mmap, hugetlbfs_file_mmap). */
  readonly mmap?: (f: file, vma: vm_area_struct, k: Kernel) => number;
  /** Where a new mapping of the file goes (thp_get_unmapped_area): an address or -errno. */
  readonly get_unmapped_area?: (mm: mm_struct, f: file | null, addr: number, len: number, pgoff: number, flags: number) => number;
  /** fallocate(2): 0 or -errno. */
  readonly fallocate?: (k: Kernel, f: file, mode: number, offset: number, len: number) => number;
  /** fsync(2)/fdatasync(2) of [start, end]: 0 or -errno. */
  readonly fsync?: (k: Kernel, f: file, start: number, end: number, datasync: boolean) => number;
  /** The last reference to the open file goes (fput → __fput → release). */
  readonly release?: (k: Kernel, f: file) => void;
  /**
   * The vm_ops->fault the file's mmap installs, for a mapping whose faults are not the page
   * cache's (device-dax's dev_dax_fault): a vm_fault_t. Unset for every page-cache file.
   */
  readonly fault?: (k: Kernel, vmf: vm_fault) => number;
}

/** What an inode's directory and size operations are (inode_operations): only the model's. */
export interface inode_operations {
  readonly name: string;
  /** Looks `name` up in directory `dir`: the inode (with a reference) or null. */
  readonly lookup?: (k: Kernel, dir: inode, name: string) => inode | null;
  /** Creates a regular file (or, with S_IFDIR, a directory) `name` in `dir`: the inode or -errno. */
  readonly create?: (k: Kernel, dir: inode, name: string, mode: number) => inode | number;
  /** Removes the name `name` from `dir` (the inode loses a link): 0 or -errno. */
  readonly unlink?: (k: Kernel, dir: inode, name: string, victim: inode) => number;
  /** Changes the size (truncate): 0 or -errno. */
  readonly setsize?: (k: Kernel, ino: inode, size: number) => number;
}

/** What a filesystem does with its inodes (super_operations). */
export interface super_operations {
  readonly name: string;
  /** The last reference to an unlinked (or dropped) inode went: free its pages and blocks. */
  readonly evict_inode?: (k: Kernel, ino: inode) => void;
  /** The filesystem is unmounted. */
  readonly put_super?: (k: Kernel, sb: super_block) => void;
  /** Writes the inode's own metadata (its on-disk inode) into the buffer cache; `sync`: to the disk, waited for. 0 or -errno. */
  readonly write_inode?: (k: Kernel, ino: inode, sync: boolean) => number;
}

// ---------------------------------------------------------------------------------------------
// The objects
// ---------------------------------------------------------------------------------------------

/** One mounted (or internal) filesystem instance. */
export class super_block {
  /** s_dev as major:minor (tmpfs instances take anonymous devices 0:N; a disk's fs its disk's). */
  readonly s_dev_major: number;
  readonly s_dev_minor: number;
  /** The file_system_type's name: "tmpfs", "ext2", "bdev", "rootfs". */
  readonly s_type: string;
  s_blocksize = 4096;
  s_blocksize_bits = 12;
  s_maxbytes = MODEL_MAX_FILESIZE;
  s_flags = 0;
  /** The disk, for a block filesystem. */
  s_bdev: block_device | null = null;
  readonly s_op: super_operations;
  /** Every inode of this instance (sb->s_inodes), for drop_caches and umount. */
  readonly s_inodes = new Set<inode>();
  /** The filesystem's own state (shmem_sb_info, ext2_sb_info). */
  s_fs_info: unknown = null;
  /** The root directory's dentry (null until mounted). */
  s_root: dentry | null = null;
  /** s_id: the device name ("vda", "tmpfs"). */
  readonly s_id: string;
  /** s_dentry_lru: unused dentries per node, oldest first (a list_lru; fs/dcache.ts). */
  readonly s_dentry_lru: Array<Set<dentry>> = [];
  /** s_inode_lru: unused inodes per node, oldest first (a list_lru; fs/dcache.ts). */
  readonly s_inode_lru: Array<Set<inode>> = [];
  /** s_shrink: the superblock's shrinker (super_cache_count/scan), registered by alloc_super. */
  s_shrink: shrinker | null = null;
  constructor(type: string, major: number, minor: number, s_op: super_operations, id: string) {
    this.s_type = type;
    this.s_dev_major = major;
    this.s_dev_minor = minor;
    this.s_op = s_op;
    this.s_id = id;
  }
}

/** The page cache of one inode. */
export class address_space {
  /** The positive id a page's mapping column holds (k.vfs.mappings finds it); anon pages hold -anon_vma.id. */
  readonly id: number;
  /** The inode that owns the mapping (null for the vdso's pseudo-mapping). */
  readonly host: inode | null;
  /** The page cache index: folios and shadows by page index (lib/xarray.ts). */
  readonly i_pages = new xarray();
  /** Folios in i_pages. */
  nrpages = 0;
  /** Every VMA mapping this file (the i_mmap interval tree), for file rmap. */
  readonly i_mmap = new Set<vm_area_struct>();
  /** Shared mappings that may write (VM_SHARED and VM_MAYWRITE), or negative once F_SEAL_WRITE denies them (i_mmap_writable). */
  i_mmap_writable = 0;
  a_ops: address_space_operations;
  /** The GFP mask page cache allocations use (mapping_gfp_mask). */
  gfp_mask: number;
  /** AS_* flags. */
  flags = 0;
  /** Part B: where writeback resumes (range_cyclic). */
  writeback_index = 0;
  /**
   * The metadata blocks (numbers on the host's disk) this file's writes dirtied
   * (mark_buffer_dirty_inode: the indirect blocks of its block map), for fsync's
   * sync_mapping_buffers; null while there are none.
   */
  private_list: number[] | null = null;
  constructor(id: number, host: inode | null, a_ops: address_space_operations, gfp_mask: number) {
    this.id = id;
    this.host = host;
    this.a_ops = a_ops;
    this.gfp_mask = gfp_mask;
  }
}

/** One file (or directory, or device) of a filesystem. */
export class inode {
  /** The inode number (newseg sets a SysV segment's to its shmid, as ipc/shm.c does). */
  i_ino: number;
  i_mode: number;
  i_nlink = 1;
  /** Size in bytes. */
  i_size = 0;
  /** 512-byte blocks allocated (i_blocks), as stat(2) reports them. */
  i_blocks = 0;
  readonly i_sb: super_block;
  /** References: open files, the dentry that names it, the filesystem's own. */
  i_count = 1;
  /** I_* state bits (I_DIRTY_PAGES, I_FREEING…). */
  i_state = 0;
  /** Part B: when it was first dirtied (jiffies in the kernel; ns here), for dirty_expire. */
  dirtied_when = 0;
  /** Which of its disk's writeback lists holds it: none, b_dirty, b_io, b_more_io (fs-writeback.ts IO_LIST_*). */
  i_io_list = 0;
  /** Its page cache (the kernel's i_data, which i_mapping points to). */
  readonly i_mapping: address_space;
  i_op: inode_operations;
  i_fop: file_operations;
  /** The filesystem's per-inode data (ext2_inode_info's block map, shmem_inode_info, a symlink target). */
  i_private: unknown = null;
  /** For a block device inode, its disk. */
  i_bdev: block_device | null = null;
  /** A tmpfs/shmem inode (its superblock is tmpfs or the rootfs): its pages are swap-backed and count in Shmem and MM_SHMEMPAGES. */
  readonly shmem: boolean;
  /** The inode's slab object (alloc_inode: the filesystem's inode cache), 0 if none. */
  i_obj = 0;
  /** Its LSM blob (security_inode_alloc: lsm_inode_cache), 0 if none. */
  i_security = 0;
  /** The node of the s_inode_lru list holding it, or -1 (i_lru empty). */
  i_lru_nid = -1;
  constructor(sb: super_block, ino: number, mode: number, mapping_id: number, a_ops: address_space_operations, i_op: inode_operations, i_fop: file_operations, gfp_mask: number) {
    this.i_sb = sb;
    this.shmem = sb.s_type === "tmpfs" || sb.s_type === "rootfs";
    this.i_ino = ino;
    this.i_mode = mode;
    this.i_op = i_op;
    this.i_fop = i_fop;
    this.i_mapping = new address_space(mapping_id, this, a_ops, gfp_mask);
  }
  /** /proc/PID/maps' device: the superblock's. */
  get i_dev(): { major: number; minor: number } {
    return { major: this.i_sb.s_dev_major, minor: this.i_sb.s_dev_minor };
  }
}

/**
 * Per-open-file readahead state, field for field the kernel's.
 * @kernel include/linux/fs.h struct file_ra_state
 */
export class file_ra_state {
  /** Where the last readahead window starts. */
  start = 0;
  /** Its size in pages. */
  size = 0;
  /** Start the next readahead when this many pages of the window are left (the PG_readahead mark). */
  async_size = 0;
  /** The maximum window (the bdi's ra_pages at open). */
  ra_pages = 0;
  /** Cache misses of mmap accesses (do_sync_mmap_readahead stops read-around above MMAP_LOTSAMISS). */
  mmap_miss = 0;
  /** The byte after the last read (-1: none yet). */
  prev_pos = -1;
}

/** An open file. */
export class file {
  readonly f_inode: inode;
  readonly f_mapping: address_space;
  /** The path /proc/PID/maps prints ("/bin/anon", "/dev/zero (deleted)"). */
  f_path: string;
  /** The dentry the file was opened through (null for internal files). */
  readonly f_dentry: dentry | null;
  f_mode: number;
  /** The open(2) flags kept for I/O (O_APPEND, O_DIRECT, O_SYNC, O_NONBLOCK…). */
  f_flags: number;
  /** The file position read(2), write(2) and lseek(2) move. */
  f_pos = 0;
  readonly f_ra = new file_ra_state();
  f_op: file_operations;
  /** get_file/fput reference count. */
  f_count = 1;
  /** The filp slab object (alloc_empty_file), 0 if none. */
  f_obj = 0;
  /** The file's own object (a userfaultfd's context: fs/userfaultfd.ts), null for most files. */
  private_data: object | null = null;
  constructor(ino: inode, path: string, d: dentry | null, mode: number, flags: number) {
    this.f_inode = ino;
    this.f_mapping = ino.i_mapping;
    this.f_path = path;
    this.f_dentry = d;
    this.f_mode = mode;
    this.f_flags = flags;
    this.f_op = ino.i_fop;
  }
}

/** A name in a directory (the dcache entry). */
export class dentry {
  readonly d_name: string;
  readonly d_parent: dentry | null;
  /** The inode it names (null for a negative dentry: a name unlinked while nothing held it). */
  d_inode: inode | null;
  /** d_lockref.count: children, open files, the superblock's root, tmpfs's pin (fs/dcache.ts). */
  d_count = 0;
  /** DCACHE_* flags (DCACHE_REFERENCED, DCACHE_LRU_LIST, DCACHE_SHRINK_LIST). */
  d_flags = 0;
  /** The dentry's slab object (dentry_cache) and its external name (kmalloc), 0 if none. */
  d_obj = 0;
  d_extname = 0;
  /** The node of the s_dentry_lru list holding it, while DCACHE_LRU_LIST. */
  d_lru_nid = 0;
  /** Children by name: the directory's cached entries (for tmpfs, its whole contents). */
  readonly d_subdirs = new Map<string, dentry>();
  /** The filesystem mounted on this dentry, if any (d_mountpoint). */
  d_mounted: vfsmount | null = null;
  constructor(name: string, parent: dentry | null, ino: inode | null) {
    this.d_name = name;
    this.d_parent = parent;
    this.d_inode = ino;
  }
}

/** A mounted filesystem: where it is mounted and its root. */
export class vfsmount {
  constructor(
    readonly mnt_sb: super_block,
    readonly mnt_root: dentry,
    /** The dentry it covers (null for the root mount). */
    readonly mnt_mountpoint: dentry | null,
    /** The path it is mounted at, as /proc/mounts shows it. */
    readonly mnt_path: string,
    /** The mount options as given, for /proc/mounts. */
    readonly mnt_opts: string,
  ) {}
}

/** A task's open files: fd → file, the lowest free descriptor first. @kernel include/linux/fdtable.h struct files_struct */
export class files_struct {
  readonly fd_array: Array<file | null> = [];
}

/**
 * A task's I/O counters, /proc/PID/io.
 * @kernel include/linux/task_io_accounting.h struct task_io_accounting
 */
export class task_io_accounting {
  /** Bytes read by read(2) and friends (from the cache or not). */
  rchar = 0;
  wchar = 0;
  /** read/write syscalls. */
  syscr = 0;
  syscw = 0;
  /** Bytes this task caused to be read from storage (readahead included). */
  read_bytes = 0;
  /** Bytes it caused to be written (dirtied pages of block-backed files). */
  write_bytes = 0;
  /** Dirty bytes it truncated away before they were written. */
  cancelled_write_bytes = 0;
}

/** The machine's VFS state: what the kernel keeps in fs/ globals. */
export class vfs_state {
  /** Live address_spaces by id: a page's mapping column → its mapping (rmap, reclaim, checkers). */
  readonly mappings = new Map<number, address_space>();
  /** Every super_block (the super_blocks list): mounted ones and the internal ones. */
  readonly super_blocks: super_block[] = [];
  /** The mount table, in mount order. */
  readonly mounts: vfsmount[] = [];
  /** The root of the path namespace (the rootfs's root dentry). */
  root: dentry | null = null;
  /** The internal tmpfs behind shared anonymous memory (shm_mnt), made on first use. */
  shm_sb: super_block | null = null;
  /** The rootfs (the initramfs tmpfs). */
  rootfs_sb: super_block | null = null;
  /** The block devices' pseudo-filesystem (bdev), whose inodes hold the buffer cache. */
  bdev_sb: super_block | null = null;
  /**
   * The buffer_head objects (slab addresses in bh_cachep) of the pages with buffers attached: what
   * each block's struct buffer_head is in the kernel, so the slab holds one object per block as
   * 6.1's does. By chunk of BH_CHUNK_PAGES pages (pfn >>> 9), each a Float64Array of 8 slots a page
   * (by block in the page) and, last, the count of its objects; a chunk goes when it empties
   * (fs/buffer.ts). Typed chunks, not a Map by buffer: a map entry's boxed address cost 0.7 µs a
   * page written.
   */
  readonly bh_chunks = new Map<number, Float64Array>();
  /** anon_inode_inode: the inode every anon_inode file shares (fs/userfaultfd.ts makes it on first use). */
  anon_inode: inode | null = null;
  /** nr_dentry and nr_dentry_negative (fs/dcache.c; /proc/sys/fs/dentry-state), with the boot's stand-ins. */
  nr_dentry = 0;
  nr_dentry_negative = 0;
  /** nr_inodes (fs/inode.c; inode-nr, inode-state), with the boot's stand-ins. */
  nr_inodes = 0;
  /** get_next_ino's counter (fs/inode.c last_ino), and the address_space id counter. */
  last_ino = 0;
  last_mapping_id = 0;
  /** The next anonymous device minor (get_anon_bdev): tmpfs instances are 0:N. */
  next_anon_minor = 0;
  /** filemap_read's folio batch (a struct folio_batch on the kernel's stack), reused by every read. */
  readonly fbatch = new Int32Array(15);
  /** filemap_add_folio's `void **shadowp` out-parameter. */
  readonly shadow_out = new Float64Array(1);
  /** generic_write_checks' count out-parameter. */
  readonly count_out = new Float64Array(1);
  /** get_block's mapped extent (first disk block, count, new): the buffer_head map_bh of mpage. */
  readonly map_out = new Float64Array(3);
  /**
   * The readahead window's page array (the folios page_cache_ra_unbounded gathers for read_pages),
   * reused by every readahead rather than made per window; `ra_pages_busy` while one is filling it.
   */
  ra_pages = new Int32Array(32);
  ra_pages_busy = false;
  /**
   * Free xarray leaves, shared by every mapping's i_pages (lib/xarray.ts node_cache): the part of
   * radix_tree_node_cachep the model keeps, so a page cache emptied and refilled (drop_caches, a
   * cold read) reuses its leaves instead of making new ones.
   */
  readonly xa_node_cache: Int32Array[] = [];
}

/** A fresh address_space id. */
export function new_mapping_id(k: Kernel): number {
  return ++k.vfs.last_mapping_id;
}

/** The address_space a file page's mapping id names. */
export function mapping_by_id(k: Kernel, id: number): address_space | undefined {
  return k.vfs.mappings.get(id);
}
