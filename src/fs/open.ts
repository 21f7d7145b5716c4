/**
 * Size changes and space allocation on open files: truncate(2)/ftruncate(2) (do_truncate →
 * the filesystem's setattr, which shrinks the page cache and frees blocks past the new size) and
 * fallocate(2).
 * @kernel fs/open.c do_truncate, do_sys_ftruncate, vfs_fallocate
 * @kernel fs/attr.c inode_newsize_ok
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { FMODE_WRITE, type inode, S_ISDIR, S_ISREG, SB_RDONLY } from "./fs.js";
import { fget } from "./file_table.js";

/**
 * Sets a file's size: -EFBIG past the filesystem's s_maxbytes (inode_newsize_ok), else the
 * filesystem's setsize (which frees the pages and blocks past a smaller size).
 * @kernel fs/open.c do_truncate
 * @kernel fs/attr.c inode_newsize_ok
 */
export function do_truncate(k: Kernel, ino: inode, length: number): number {
  if (length < 0) return -errnoValues.EINVAL;
  if (length > ino.i_sb.s_maxbytes) return -errnoValues.EFBIG;
  const setsize = ino.i_op.setsize;
  if (!setsize) return -errnoValues.EPERM;
  return setsize(k, ino, length);
}

/**
 * ftruncate(2): -EBADF for a descriptor not open, -EINVAL for a negative length or a file not
 * open for writing or not regular, -EFBIG past s_maxbytes.
 * @kernel fs/open.c do_sys_ftruncate
 */
export function do_sys_ftruncate(k: Kernel, t: task_struct, fd: number, length: number): number {
  if (length < 0) return -errnoValues.EINVAL;
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  if (!S_ISREG(f.f_inode.i_mode) || (f.f_mode & FMODE_WRITE) === 0) return -errnoValues.EINVAL;
  if ((f.f_inode.i_sb.s_flags & SB_RDONLY) !== 0) return -errnoValues.EROFS;
  return do_truncate(k, f.f_inode, length);
}

/**
 * fallocate(2): -EINVAL for a negative offset or a length ≤ 0, -EBADF unless open for writing,
 * -EISDIR for a directory, -ENODEV for what is not a regular file, -EFBIG past s_maxbytes,
 * -EOPNOTSUPP where the filesystem has no fallocate.
 * @kernel fs/open.c vfs_fallocate
 */
export function vfs_fallocate(k: Kernel, t: task_struct, fd: number, mode: number, offset: number, len: number): number {
  if (offset < 0 || len <= 0) return -errnoValues.EINVAL;
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  if ((f.f_mode & FMODE_WRITE) === 0) return -errnoValues.EBADF;
  const ino = f.f_inode;
  if (S_ISDIR(ino.i_mode)) return -errnoValues.EISDIR;
  if (!S_ISREG(ino.i_mode)) return -errnoValues.ENODEV;
  if (offset + len > ino.i_sb.s_maxbytes) return -errnoValues.EFBIG;
  const fallocate = f.f_op.fallocate;
  if (!fallocate) return -errnoValues.EOPNOTSUPP;
  return fallocate(k, f, mode, offset, len);
}
