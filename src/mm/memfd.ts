/**
 * memfd_create(2) and file sealing (mm/memfd.c): an anonymous tmpfs file on the internal mount,
 * named "memfd:NAME" (its /proc/PID/maps path "/memfd:NAME (deleted)"), and fcntl's
 * F_ADD_SEALS / F_GET_SEALS on any tmpfs file. Seals only add: F_SEAL_SEAL (no more seals),
 * F_SEAL_SHRINK and F_SEAL_GROW (ftruncate and fallocate may not change the size that way),
 * F_SEAL_WRITE (no write(2), no shared writable mapping — adding it fails with EBUSY while one
 * exists) and F_SEAL_FUTURE_WRITE (no new writes or shared writable mappings; existing mappings
 * keep writing). The checks sit where 6.1 has them, in mm/shmem.ts (shmem_write_begin,
 * shmem_setattr, shmem_fallocate, shmem_mmap).
 *
 * Simplified: memfd_wait_for_pins (waiting up to ~150 ms for pages with extra references —
 * GUP pins of in-flight DMA — before F_SEAL_WRITE) has nothing to wait for: the model takes no
 * long-term pins, so only mapping_deny_writable's EBUSY is possible. MFD_HUGETLB (a hugetlbfs
 * memfd) is refused with EINVAL, as a kernel without CONFIG_HUGETLBFS refuses it.
 * @kernel mm/memfd.c memfd_create, memfd_add_seals, memfd_get_seals, memfd_fcntl
 * @kernel include/linux/fs.h mapping_deny_writable
 */
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { errnoValues } from "../kernel/errno.js";
import { fd_install, fput } from "../fs/file_table.js";
import { FMODE_WRITE, O_LARGEFILE, O_RDWR, type file } from "../fs/fs.js";
import { VM_NORESERVE } from "./mm_types.js";
import { F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, SHMEM_I, shmem_file_setup, shmem_file_operations } from "./shmem.js";

/** memfd_create flags (include/uapi/linux/memfd.h). */
export const MFD_CLOEXEC = 0x0001;
export const MFD_ALLOW_SEALING = 0x0002;
export const MFD_HUGETLB = 0x0004;
/** fcntl commands (include/uapi/linux/fcntl.h: F_LINUX_SPECIFIC_BASE 1024 + 9, + 10). */
export const F_ADD_SEALS = 1033;
export const F_GET_SEALS = 1034;
/** Every seal there is. */
export const F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
/** NAME_MAX (255) less "memfd:". */
export const MFD_NAME_MAX_LEN = 255 - 6;

/** The file's seals, if it is a tmpfs file (memfd_file_seals_ptr), else null. */
function memfd_file_seals(f: file): { seals: number } | null {
  return f.f_op === shmem_file_operations ? SHMEM_I(f.f_inode) : null;
}

/**
 * memfd_create(2): the new descriptor, or -EINVAL (unknown flags, a name longer than 249 bytes,
 * MFD_HUGETLB), -EFAULT (a NUL inside the name, as strnlen_user would stop there), -EMFILE.
 * @kernel mm/memfd.c SYSCALL_DEFINE2(memfd_create)
 */
export function memfd_create(k: Kernel, t: task_struct, name: string, flags: number): number {
  if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING) || flags & MFD_HUGETLB) return -errnoValues.EINVAL;
  if (new TextEncoder().encode(name).length > MFD_NAME_MAX_LEN) return -errnoValues.EINVAL;
  if (name.includes("\0")) return -errnoValues.EFAULT;
  const f = shmem_file_setup(k, t, `memfd:${name}`, 0, VM_NORESERVE);
  if (typeof f === "number") return f;
  f.f_flags |= O_RDWR | O_LARGEFILE;
  const info = SHMEM_I(f.f_inode);
  if (flags & MFD_ALLOW_SEALING) info.seals &= ~F_SEAL_SEAL;
  const fd = fd_install(t, f);
  if (fd < 0) fput(k, f);
  return fd;
}

/**
 * F_ADD_SEALS: 0, or -EPERM (the file is not open for writing, or sealed with F_SEAL_SEAL),
 * -EINVAL (an unknown seal, not a tmpfs file), -EBUSY (F_SEAL_WRITE while a shared writable
 * mapping exists).
 * @kernel mm/memfd.c memfd_add_seals
 */
export function memfd_add_seals(f: file, seals: number): number {
  if (!(f.f_mode & FMODE_WRITE)) return -errnoValues.EPERM;
  if (seals & ~F_ALL_SEALS) return -errnoValues.EINVAL;
  const info = memfd_file_seals(f);
  if (info === null) return -errnoValues.EINVAL;
  if (info.seals & F_SEAL_SEAL) return -errnoValues.EPERM;
  if (seals & F_SEAL_WRITE && !(info.seals & F_SEAL_WRITE)) {
    // mapping_deny_writable: only while no shared mapping may write; then none may be made.
    const mapping = f.f_inode.i_mapping;
    if (mapping.i_mmap_writable > 0) return -errnoValues.EBUSY;
    mapping.i_mmap_writable--;
  }
  info.seals |= seals;
  return 0;
}

/** F_GET_SEALS: the seals, or -EINVAL for a file that is not tmpfs. @kernel mm/memfd.c memfd_get_seals */
export function memfd_get_seals(f: file): number {
  const info = memfd_file_seals(f);
  return info === null ? -errnoValues.EINVAL : info.seals;
}

/**
 * fcntl(2)'s seal commands: F_ADD_SEALS with `arg` the seals (above 2^32-1: -EINVAL), F_GET_SEALS.
 * @kernel mm/memfd.c memfd_fcntl
 */
export function memfd_fcntl(f: file, cmd: number, arg: number): number {
  if (cmd === F_ADD_SEALS) return arg > 0xffffffff || arg < 0 ? -errnoValues.EINVAL : memfd_add_seals(f, arg);
  if (cmd === F_GET_SEALS) return memfd_get_seals(f);
  return -errnoValues.EINVAL;
}
