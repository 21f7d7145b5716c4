/**
 * Open files and file descriptors: alloc_file makes a `file` holding a reference to its inode
 * (the kernel's through its path's dentry), with its readahead state set from the backing
 * device (file_ra_state_init: the disk's ra_pages; 0 for tmpfs, whose noop_backing_dev_info has
 * no readahead); fd_install puts it in the task's table at the lowest free descriptor; the last
 * fput releases it (f_op->release) and drops the inode reference, which may evict an unlinked
 * inode — the page cache of a file unlinked while open goes at its last close.
 *
 * Simplified: no close-on-exec, no O_PATH files, no delayed fput (files are released at once),
 * RLIMIT_NOFILE is the default soft limit (1024) unless the task's limit says otherwise.
 * @kernel fs/file_table.c alloc_file, fput, __fput
 * @kernel fs/file.c get_unused_fd_flags, fd_install, close_fd, dup_fd, exit_files
 * @kernel mm/readahead.c file_ra_state_init
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { RLIMIT_NOFILE, type task_struct } from "../kernel/sched.js";
import { type dentry, file, files_struct, type inode } from "./fs.js";
import { alloc_file_object, dget, dput, free_file_object } from "./dcache.js";
import { ihold, iput } from "./inode.js";

/** The default RLIMIT_NOFILE soft limit (INR_OPEN_CUR). */
export const INR_OPEN_CUR = 1024;
/** NR_OPEN: the most descriptors a task can have whatever its limit (sysctl fs.nr_open's default). */
export const NR_OPEN_DEFAULT = 1024 * 1024;

/**
 * The readahead window a new file of `ino` starts with: its disk's ra_pages, none for a file
 * without a disk (tmpfs, whose backing_dev_info is noop_backing_dev_info).
 * @kernel mm/readahead.c file_ra_state_init
 */
export function inode_ra_pages(ino: inode): number {
  const bdev = ino.i_bdev ?? ino.i_sb.s_bdev;
  return bdev === null ? 0 : bdev.bdi.ra_pages;
}

/**
 * An open file of `ino` (a filp object), with one reference, holding one reference to the inode
 * and one to the dentry it was opened through.
 * @kernel fs/file_table.c alloc_file
 */
export function alloc_file(k: Kernel, ino: inode, path: string, d: dentry | null, f_mode: number, f_flags: number): file {
  const f = new file(ino, path, d, f_mode, f_flags);
  alloc_file_object(k, f);
  if (d !== null) dget(d);
  f.f_ra.ra_pages = inode_ra_pages(ino);
  f.f_ra.prev_pos = -1;
  ihold(ino);
  return f;
}

/** One more reference to an open file (get_file). */
export function get_file(f: file): file {
  f.f_count++;
  return f;
}

/**
 * Drops a reference; the last one releases the file: f_op->release, then the inode reference.
 * @kernel fs/file_table.c fput, __fput
 */
export function fput(k: Kernel, f: file): void {
  if (--f.f_count > 0) return;
  if (f.f_count < 0) return;
  const release = f.f_op.release;
  if (release) release(k, f);
  iput(k, f.f_inode);
  dput(k, f.f_dentry);
  free_file_object(k, f);
}

/** The task's file for descriptor `fd`, or null. @kernel fs/file.c fget */
export function fget(t: task_struct, fd: number): file | null {
  if (!Number.isInteger(fd) || fd < 0) return null;
  return t.files.fd_array[fd] ?? null;
}

/**
 * Puts `f` in the task's table at the lowest free descriptor: the descriptor, or -EMFILE past
 * RLIMIT_NOFILE. The table takes over the caller's reference.
 * @kernel fs/file.c get_unused_fd_flags, fd_install
 */
export function fd_install(t: task_struct, f: file): number {
  const a = t.files.fd_array;
  const limit = Math.min(t.signal.rlim_cur[RLIMIT_NOFILE], NR_OPEN_DEFAULT);
  let fd = 0;
  while (fd < a.length && a[fd] !== null) fd++;
  if (fd >= limit) return -errnoValues.EMFILE;
  if (fd === a.length) a.push(f);
  else a[fd] = f;
  return fd;
}

/** close(2): 0, or -EBADF for a descriptor that is not open. @kernel fs/file.c close_fd */
export function close_fd(k: Kernel, t: task_struct, fd: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const a = t.files.fd_array;
  a[fd] = null;
  while (a.length > 0 && a[a.length - 1] === null) a.pop();
  fput(k, f);
  return 0;
}

/** fork's copy of the table: the same files, one more reference each. @kernel fs/file.c dup_fd */
export function dup_fd(parent: files_struct): files_struct {
  const n = new files_struct();
  for (const f of parent.fd_array) {
    if (f !== null) f.f_count++;
    n.fd_array.push(f);
  }
  return n;
}

/** exit's close of every descriptor. @kernel fs/file.c exit_files */
export function exit_files(k: Kernel, t: task_struct): void {
  const a = t.files.fd_array;
  for (let fd = 0; fd < a.length; fd++) {
    const f = a[fd];
    if (f === null) continue;
    a[fd] = null;
    fput(k, f);
  }
  a.length = 0;
}
