/**
 * /proc/PID/fdinfo/FD: the position, flags, mount and inode of an open file, then what its file
 * operations add (show_fdinfo) — for a userfaultfd, its pending and total faults and its API line
 * (fs/userfaultfd.ts userfaultfd_show_fdinfo).
 *
 * Simplified: the model keeps close-on-exec in f_flags (O_CLOEXEC) rather than in the descriptor
 * table, which gives the same `flags:` line; it has no mount ids, so `mnt_id:` prints
 * ANON_MNT_ID_STANDIN, a stand-in for the boot-order number of the file's mount; no file locks
 * (show_fd_locks prints nothing); no /proc/PID/fd symlinks.
 * @kernel fs/proc/fd.c seq_show, proc_fdinfo_instantiate
 */
import { Errno } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { userfaultfd_file_ctx, userfaultfd_show_fdinfo } from "../userfaultfd.js";

/** The `mnt_id:` the model prints for every file (see the header). */
export const ANON_MNT_ID_STANDIN = 15;

/**
 * The text of /proc/PID/fdinfo/FD; Errno ENOENT when that task has no such descriptor.
 * @kernel fs/proc/fd.c seq_show
 */
export function proc_fdinfo_show(k: Kernel, pid: number, fd: number): string {
  const t = k.tasks.find(pid);
  const f = t?.files.fd_array[fd] ?? null;
  if (t === undefined || f === null) throw new Errno("ENOENT", "open", `/proc/${pid}/fdinfo/${fd}`);
  let s = `pos:\t${f.f_pos}\nflags:\t0${f.f_flags.toString(8)}\nmnt_id:\t${ANON_MNT_ID_STANDIN}\nino:\t${f.f_inode.i_ino}\n`;
  const ctx = userfaultfd_file_ctx(f);
  if (ctx !== null) s += userfaultfd_show_fdinfo(ctx);
  return s;
}
