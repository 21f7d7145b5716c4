/**
 * The rootfs and what the initramfs puts in it (init/initramfs.c populate_rootfs): with
 * CONFIG_TMPFS the rootfs is a tmpfs, and the initramfs is unpacked into it with write(2), so its
 * files stay resident as Shmem (and Cached), dirty, on the anon LRU, charged to Committed_AS —
 * the 6832 kB of Shmem an idle realkernel guest shows before any workload runs. Every process's
 * program image is a private mapping of one of these files (fs/binfmt_elf.ts), shared by every
 * process running it.
 *
 * The default contents are the realkernel base initramfs of the stored w0-w9 captures
 * (tools/realkernel/run.sh): /init (3 pages), busybox (Debian bookworm's busybox-static, 1982256
 * bytes), the static workload programs built with gcc -static (anon, forkcow, oompath and the
 * older frag: 680 kB each, the size of the image fs/binfmt_elf.ts maps), and the virtio, zram
 * and ext4 modules, whose sizes are not recorded: they take the rest of the 6832 kB (1708 pages),
 * 541 pages. busybox's applet symlinks take no pages; the first seven of them ([, [[, acpid,
 * add-shell, addgroup, adduser, adjtimex) take the inode numbers before /bin/anon's, 10, as in
 * w1's /proc/PID/maps.
 * @kernel init/initramfs.c populate_rootfs, unpack_to_rootfs, do_name, do_copy
 * @kernel init/do_mounts.c init_rootfs, rootfs_init_fs_context
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { shmem_fill_super } from "../mm/shmem.js";
import { d_alloc } from "./dcache.js";
import { FMODE_WRITE, type inode, S_IFDIR, S_IFLNK, S_IFREG } from "./fs.js";
import { alloc_file, fput } from "./file_table.js";
import { d_lookup, mkdir_p, path_lookup } from "./namei.js";
import { init_mount_tree } from "./namespace.js";
import { shmem_get_inode } from "../mm/shmem.js";
import { generic_perform_write } from "../mm/filemap.js";

/** One entry of an initramfs: a file of `size` bytes, a directory, or a symlink. */
export interface InitramfsEntry {
  readonly path: string;
  /** A regular file's size in bytes. */
  readonly size?: number;
  /** "dir", "symlink" (to `target`), or "file" (the default). */
  readonly type?: "file" | "dir" | "symlink";
  readonly target?: string;
}

/** A static workload program: the size of the image binfmt_elf maps (0xaa000 bytes). */
const STATIC_PROGRAM = 0xaa000;

/** The realkernel base initramfs of the stored captures (see the header): 6832 kB of pages. */
export const REALKERNEL_INITRAMFS: readonly InitramfsEntry[] = Object.freeze(
  [
    { path: "/bin", type: "dir" as const },
    ...["[", "[[", "acpid", "add-shell", "addgroup", "adduser", "adjtimex"].map((a) => ({ path: `/bin/${a}`, type: "symlink" as const, target: "busybox" })),
    { path: "/bin/anon", size: STATIC_PROGRAM },
    { path: "/bin/busybox", size: 1982256 },
    { path: "/bin/forkcow", size: STATIC_PROGRAM },
    { path: "/bin/frag", size: STATIC_PROGRAM },
    { path: "/bin/oompath", size: STATIC_PROGRAM },
    { path: "/bin/sh", type: "symlink" as const, target: "busybox" },
    { path: "/dev", type: "dir" as const },
    { path: "/init", size: 3 * 4096 },
    { path: "/lib/modules/modules.img", size: 541 * 4096 },
    { path: "/mnt", type: "dir" as const },
    { path: "/proc", type: "dir" as const },
    { path: "/sys", type: "dir" as const },
    { path: "/tmp", type: "dir" as const },
  ].map((e) => Object.freeze(e)),
);

/**
 * Makes the rootfs (a tmpfs on anonymous device 0:2, mounted at /) and unpacks `entries` into it:
 * directories, symlinks, and files written page by page as write(2) writes them.
 * @kernel init/initramfs.c populate_rootfs, unpack_to_rootfs
 * @kernel init/do_mounts.c init_rootfs
 */
export function populate_rootfs(k: Kernel, entries: readonly InitramfsEntry[]): void {
  const sb = shmem_fill_super(k, "rootfs", {}, false, 2);
  if (typeof sb === "number") throw new KernelBug("init_rootfs: no rootfs", { err: sb });
  init_mount_tree(k, sb);
  for (const e of entries) {
    const slash = e.path.lastIndexOf("/");
    const dir = mkdir_p(k, e.path.slice(0, slash) || "/");
    if (typeof dir === "number") throw new KernelBug("populate_rootfs: bad path", { path: e.path });
    const name = e.path.slice(slash + 1);
    if (d_lookup(k, dir, name) !== null) continue;
    const type = e.type ?? "file";
    const mode = type === "dir" ? S_IFDIR | 0o755 : type === "symlink" ? S_IFLNK | 0o777 : S_IFREG | 0o755;
    const ino = shmem_get_inode(k, sb, mode, type === "file" ? 0x200000 /* VM_NORESERVE */ : 0);
    if (typeof ino === "number") throw new KernelBug("populate_rootfs: no inode", { path: e.path });
    if (type === "symlink") ino.i_private = e.target ?? "";
    if (type === "dir") {
      ino.i_nlink = 2;
      (dir.d_inode as inode).i_nlink++;
    }
    d_alloc(k, dir, name, ino); // its one reference is tmpfs's pin
    if (type === "file" && (e.size ?? 0) > 0) write_file(k, ino, e.path, e.size ?? 0);
  }
}

/** do_copy: the file's bytes, written through the page cache (dirty tmpfs pages). */
function write_file(k: Kernel, ino: inode, path: string, size: number): void {
  const f = alloc_file(k, ino, path, null, FMODE_WRITE, 0);
  const n = generic_perform_write(k, f, 0, size);
  fput(k, f);
  if (n !== size) throw new KernelBug("populate_rootfs: the initramfs does not fit", { path, size, written: n });
}

/** The rootfs file at `path`, or null. */
export function rootfs_lookup(k: Kernel, path: string): inode | null {
  const r = path_lookup(k, path);
  return typeof r === "number" ? null : r.dentry.d_inode;
}
