/**
 * posix_fadvise(2) (mm/fadvise.c): NORMAL, RANDOM (readahead off: FMODE_RANDOM), SEQUENTIAL (a
 * doubled window), WILLNEED (read the range now, force_page_cache_ra), NOREUSE (recorded, no
 * effect in 6.1), DONTNEED (drop the clean, unused cached pages of the full pages of the range:
 * invalidate_mapping_pages, after draining this CPU's LRU batches, and again after draining them
 * all if some were still in a batch). A tmpfs file has no backing device (noop_backing_dev_info):
 * every advice is accepted and ignored.
 * Simplified: DONTNEED does not start writeback of the range's dirty pages first (part B's
 * __filemap_fdatawrite_range); the pages stay, as dirty pages do.
 * @kernel mm/fadvise.c generic_fadvise, vfs_fadvise, ksys_fadvise64_64
 * @kernel mm/readahead.c ksys_readahead
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { type file, FMODE_NOREUSE, FMODE_RANDOM, FMODE_READ, S_ISBLK, S_ISREG } from "../fs/fs.js";
import { fget, inode_ra_pages } from "../fs/file_table.js";
import { force_page_cache_ra, readahead_control_init } from "./readahead.js";
import { lru_add_drain, lru_add_drain_all } from "./swap.js";
import { invalidate_mapping_pages } from "./truncate.js";

export const POSIX_FADV_NORMAL = 0;
export const POSIX_FADV_RANDOM = 1;
export const POSIX_FADV_SEQUENTIAL = 2;
export const POSIX_FADV_WILLNEED = 3;
export const POSIX_FADV_DONTNEED = 4;
export const POSIX_FADV_NOREUSE = 5;

/** The model's largest page index (the xarray's). */
const MAX_INDEX = 2 ** 31 - 1;

/**
 * The advice on bytes [offset, offset + len) of `f` (len 0: to the end). 0, or -EINVAL for a
 * negative length or an unknown advice.
 * @kernel mm/fadvise.c generic_fadvise
 */
export function generic_fadvise(k: Kernel, f: file, offset: number, len: number, advice: number): number {
  const ino = f.f_inode;
  const mapping = f.f_mapping;
  if (len < 0) return -errnoValues.EINVAL;
  if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || !Number.isInteger(advice)) return -errnoValues.EINVAL;
  const bdev = ino.i_bdev ?? ino.i_sb.s_bdev;
  if (bdev === null) return 0; // noop_backing_dev_info: accepted, ignored
  const ra_pages = bdev.bdi.ra_pages;
  // endbyte, inclusive; len 0 (or an overflow) means "as much as possible".
  const endbyte = len === 0 || offset + len > 2 ** 63 ? 2 ** 63 - 1 : offset + len - 1;
  switch (advice) {
    case POSIX_FADV_NORMAL:
      f.f_ra.ra_pages = ra_pages;
      f.f_mode &= ~FMODE_RANDOM;
      break;
    case POSIX_FADV_RANDOM:
      f.f_mode |= FMODE_RANDOM;
      break;
    case POSIX_FADV_SEQUENTIAL:
      f.f_ra.ra_pages = ra_pages * 2;
      f.f_mode &= ~FMODE_RANDOM;
      break;
    case POSIX_FADV_WILLNEED: {
      // First and last PARTIAL page!
      const start_index = Math.floor(offset / 4096);
      const end_index = Math.min(Math.floor(endbyte / 4096), MAX_INDEX);
      const nrpages = end_index - start_index + 1;
      if (start_index <= MAX_INDEX) force_page_cache_ra(k, readahead_control_init(k, f, f.f_ra, mapping, start_index), nrpages);
      break;
    }
    case POSIX_FADV_NOREUSE:
      // 6.1 accepts it and does nothing (FMODE_NOREUSE came in 6.3).
      void FMODE_NOREUSE;
      break;
    case POSIX_FADV_DONTNEED: {
      // First and last FULL page!
      const start_index = Math.ceil(offset / 4096);
      let end_index = Math.floor(endbyte / 4096);
      if (endbyte % 4096 !== 4095 && endbyte !== ino.i_size - 1) {
        if (end_index === 0) break;
        end_index--;
      }
      end_index = Math.min(end_index, MAX_INDEX);
      if (end_index >= start_index) {
        lru_add_drain(k);
        const count = invalidate_mapping_pages(k, mapping, start_index, end_index);
        // Fewer than the range could have been on another CPU's batch: drain all, try again.
        if (count < end_index - start_index + 1 && k.nr_cpu_ids > 1) {
          lru_add_drain_all(k);
          invalidate_mapping_pages(k, mapping, start_index, end_index);
        }
      }
      break;
    }
  }
  return 0;
}

/** posix_fadvise64(2) on a descriptor: -EBADF, -ESPIPE (not a file), or generic_fadvise's. @kernel mm/fadvise.c ksys_fadvise64_64 */
export function ksys_fadvise64_64(k: Kernel, t: task_struct, fd: number, offset: number, len: number, advice: number): number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  if (!S_ISREG(f.f_inode.i_mode) && !S_ISBLK(f.f_inode.i_mode)) return -errnoValues.ESPIPE;
  return generic_fadvise(k, f, offset, len, advice);
}

/**
 * readahead(2): POSIX_FADV_WILLNEED on the range. -EBADF unless open for reading, -EINVAL for
 * what is not a regular file or block device.
 * @kernel mm/readahead.c ksys_readahead
 */
export function ksys_readahead(k: Kernel, t: task_struct, fd: number, offset: number, count: number): number {
  const f = fget(t, fd);
  if (f === null || (f.f_mode & FMODE_READ) === 0) return -errnoValues.EBADF;
  if (!S_ISREG(f.f_inode.i_mode) && !S_ISBLK(f.f_inode.i_mode)) return -errnoValues.EINVAL;
  if (offset < 0) return -errnoValues.EINVAL;
  void inode_ra_pages;
  return generic_fadvise(k, f, offset, count, POSIX_FADV_WILLNEED);
}
