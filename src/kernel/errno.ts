/**
 * The kernel's errno values (x86-64 numbering) and the Errno error the public API throws when a
 * simulated syscall fails, shaped like node:fs errors (`code: "ENOMEM"`).
 * @kernel include/uapi/asm-generic/errno-base.h
 * @kernel include/uapi/asm-generic/errno.h
 */
export const errnoValues = Object.freeze({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17,
  EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33,
  ERANGE: 34, ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, EIDRM: 43, EOVERFLOW: 75, EOPNOTSUPP: 95,
} as const);

export type ErrnoName = keyof typeof errnoValues;

/** A failed simulated syscall or file write: `code` is the errno name the kernel returns. */
export class Errno extends Error {
  override readonly name = "Errno";
  readonly errno: number;
  constructor(
    readonly code: ErrnoName,
    readonly syscall: string,
    detail?: string,
  ) {
    super(`${syscall}: ${code}${detail ? ` (${detail})` : ""}`);
    this.errno = errnoValues[code];
  }
}

/** Kernel-style return: 0 on success or a negative errno, for code paths that mirror C. */
export function errnoName(negErr: number): ErrnoName | undefined {
  for (const [k, v] of Object.entries(errnoValues)) if (v === -negErr) return k as ErrnoName;
  return undefined;
}
