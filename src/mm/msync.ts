/**
 * msync(2) (mm/msync.c): MS_SYNC writes the file pages of each shared file mapping in the range
 * and waits for them (vfs_fsync_range of the range, as fdatasync); MS_ASYNC does nothing since
 * 2.6.19 (dirty pages are already tracked, the flusher writes them); MS_INVALIDATE fails with
 * EBUSY on a VM_LOCKED mapping and otherwise does nothing. Holes in the range are skipped and
 * reported as ENOMEM at the end (at once for a plain MS_ASYNC).
 * @kernel mm/msync.c sys_msync
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { vfs_fsync_range } from "../fs/fs-writeback.js";
import { find_vma } from "./mmap.js";
import { type mm_struct, VM_LOCKED, VM_SHARED } from "./mm_types.js";

export const MS_ASYNC = 1;
export const MS_INVALIDATE = 2;
export const MS_SYNC = 4;

/**
 * msync of [start, start + len) in `mm`: 0 or -errno (EINVAL: unknown flags, an unaligned start,
 * MS_ASYNC with MS_SYNC; ENOMEM: the range wraps or is not all mapped; EBUSY: MS_INVALIDATE of
 * locked memory; the fsync's error).
 * @kernel mm/msync.c sys_msync
 */
export function sys_msync(k: Kernel, mm: mm_struct, start: number, len: number, flags: number): number {
  if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) !== 0) return -errnoValues.EINVAL;
  if (start % 4096 !== 0) return -errnoValues.EINVAL;
  if ((flags & MS_ASYNC) !== 0 && (flags & MS_SYNC) !== 0) return -errnoValues.EINVAL;
  len = Math.ceil(len / 4096) * 4096;
  const end = start + len;
  if (end >= 2 ** 64) return -errnoValues.ENOMEM;
  if (end === start) return 0;
  let unmapped_error = 0;
  let vma = find_vma(mm, start);
  for (;;) {
    if (vma === null) return -errnoValues.ENOMEM;
    if (start < vma.vm_start) {
      if (flags === MS_ASYNC) return -errnoValues.ENOMEM;
      start = vma.vm_start;
      if (start >= end) return -errnoValues.ENOMEM;
      unmapped_error = -errnoValues.ENOMEM;
    }
    if ((flags & MS_INVALIDATE) !== 0 && (vma.vm_flags & VM_LOCKED) !== 0) return -errnoValues.EBUSY;
    const file = vma.vm_file;
    const fstart = start - vma.vm_start + vma.vm_pgoff * 4096;
    const fend = fstart + (Math.min(end, vma.vm_end) - start) - 1;
    start = vma.vm_end;
    if ((flags & MS_SYNC) !== 0 && file !== null && (vma.vm_flags & VM_SHARED) !== 0) {
      const error = vfs_fsync_range(k, file, fstart, fend, true);
      if (error < 0) return error;
      if (start >= end) return unmapped_error;
      vma = find_vma(mm, start);
    } else {
      if (start >= end) return unmapped_error;
      vma = find_vma(mm, vma.vm_end);
    }
  }
}
