/**
 * read(2), write(2), pread64(2), pwrite64(2) and lseek(2) on descriptors: the checks the kernel
 * makes before the filesystem's read_iter/write_iter (the descriptor's mode, a directory, the
 * position, MAX_RW_COUNT) and the task's I/O counters (/proc/PID/io's rchar, wchar, syscr,
 * syscw). read_bytes and write_bytes are counted where the I/O is (submit_bio, the dirtying).
 * @kernel fs/read_write.c ksys_read, ksys_write, ksys_pread64, ksys_pwrite64, vfs_read, vfs_write,
 *   rw_verify_area, generic_file_llseek, vfs_setpos, ksys_lseek
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { type file, FMODE_READ, FMODE_WRITE, O_APPEND, S_ISDIR } from "./fs.js";
import { fget } from "./file_table.js";

/** The most one read or write transfers: INT_MAX rounded down to a page (0x7ffff000). */
export const MAX_RW_COUNT = 0x7ffff000;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** A position and count the file can take: -EINVAL for a negative position or an overflow. @kernel fs/read_write.c rw_verify_area */
function rw_verify_area(pos: number, count: number): number {
  if (pos < 0) return -errnoValues.EINVAL;
  if (pos + count > 2 ** 63) return -errnoValues.EINVAL;
  return 0;
}

/**
 * The body of read(2) and pread64(2): `count` bytes at `pos`. Returns the bytes read or -errno
 * (EBADF not open for reading, EISDIR a directory, EINVAL a bad position).
 * @kernel fs/read_write.c vfs_read
 */
export function vfs_read(k: Kernel, t: task_struct, f: file, pos: number, count: number): number {
  if ((f.f_mode & FMODE_READ) === 0) return -errnoValues.EBADF;
  if (S_ISDIR(f.f_inode.i_mode)) return -errnoValues.EISDIR;
  const read_iter = f.f_op.read_iter;
  if (!read_iter) return -errnoValues.EINVAL;
  const err = rw_verify_area(pos, count);
  if (err) return err;
  count = Math.min(count, MAX_RW_COUNT);
  const ret = read_iter(k, f, pos, count);
  if (ret > 0) t.ioac.rchar += ret;
  t.ioac.syscr++;
  return ret;
}

/**
 * The body of write(2) and pwrite64(2). Returns the bytes written or -errno (EBADF not open for
 * writing, EFBIG past the filesystem's limit, ENOSPC…).
 * @kernel fs/read_write.c vfs_write
 */
export function vfs_write(k: Kernel, t: task_struct, f: file, pos: number, count: number): number {
  if ((f.f_mode & FMODE_WRITE) === 0) return -errnoValues.EBADF;
  const write_iter = f.f_op.write_iter;
  if (!write_iter) return -errnoValues.EINVAL;
  const err = rw_verify_area(pos, count);
  if (err) return err;
  count = Math.min(count, MAX_RW_COUNT);
  const ret = write_iter(k, f, pos, count);
  if (ret > 0) t.ioac.wchar += ret;
  t.ioac.syscw++;
  return ret;
}

/** read(2): at f_pos, which moves on. @kernel fs/read_write.c ksys_read */
export function ksys_read(k: Kernel, t: task_struct, fd: number, count: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const ret = vfs_read(k, t, f, f.f_pos, count);
  if (ret > 0) f.f_pos += ret;
  return ret;
}

/**
 * write(2): at f_pos (at the end for O_APPEND, where write_iter puts it), which moves on.
 * @kernel fs/read_write.c ksys_write
 */
export function ksys_write(k: Kernel, t: task_struct, fd: number, count: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const pos = (f.f_flags & O_APPEND) !== 0 ? f.f_inode.i_size : f.f_pos;
  const ret = vfs_write(k, t, f, pos, count);
  if (ret > 0) f.f_pos = pos + ret;
  return ret;
}

/** pread64(2): at `pos`; f_pos stays. -EINVAL for a negative position. @kernel fs/read_write.c ksys_pread64 */
export function ksys_pread64(k: Kernel, t: task_struct, fd: number, count: number, pos: number): number {
  if (pos < 0) return -errnoValues.EINVAL;
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  return vfs_read(k, t, f, pos, count);
}

/** pwrite64(2): at `pos` (O_APPEND still appends, as Linux does); f_pos stays. @kernel fs/read_write.c ksys_pwrite64 */
export function ksys_pwrite64(k: Kernel, t: task_struct, fd: number, count: number, pos: number): number {
  if (pos < 0) return -errnoValues.EINVAL;
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  return vfs_write(k, t, f, (f.f_flags & O_APPEND) !== 0 ? f.f_inode.i_size : pos, count);
}

/**
 * lseek(2): SEEK_SET, SEEK_CUR, SEEK_END (SEEK_DATA/SEEK_HOLE treat the file as all data, as
 * generic_file_llseek does). The new position, or -EINVAL (negative, past s_maxbytes, a bad
 * whence), -ENXIO (SEEK_DATA/HOLE past the end), -EBADF.
 * @kernel fs/read_write.c ksys_lseek, generic_file_llseek_size, vfs_setpos
 */
export function ksys_lseek(t: task_struct, fd: number, offset: number, whence: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const size = f.f_inode.i_size;
  let pos: number;
  switch (whence) {
    case SEEK_SET:
      pos = offset;
      break;
    case SEEK_CUR:
      pos = f.f_pos + offset;
      break;
    case SEEK_END:
      pos = size + offset;
      break;
    case SEEK_DATA:
      if (offset < 0 || offset >= size) return -errnoValues.ENXIO;
      pos = offset;
      break;
    case SEEK_HOLE:
      if (offset < 0 || offset >= size) return -errnoValues.ENXIO;
      pos = size;
      break;
    default:
      return -errnoValues.EINVAL;
  }
  if (pos < 0 || pos > f.f_inode.i_sb.s_maxbytes) return -errnoValues.EINVAL;
  // vfs_setpos: the position moves; the readahead state stays (only f_version is reset).
  if (pos !== f.f_pos) f.f_pos = pos;
  return pos;
}
