/**
 * The mount table: the rootfs at boot (init_mount_tree), mount(2) of a tmpfs or of a block
 * filesystem on a disk, umount(2), and /proc/mounts.
 *
 * A block filesystem mounted on a disk claims it (bd_holder): swapon of that disk, or a second
 * mount of it, is EBUSY. Unmounting drops every cached inode of the filesystem with its page
 * cache, and the disk's buffer cache once nothing holds the disk (kill_bdev).
 * Simplified: one mount per filesystem instance (no bind mounts, no mounting the same disk
 * twice), no mount propagation, no remount; umount is EBUSY while any open file or mapping of
 * the filesystem exists (the kernel's mnt_count check).
 * @kernel fs/namespace.c init_mount_tree, do_new_mount, path_mount, do_umount, show_vfsmnt
 * @kernel fs/super.c generic_shutdown_super, kill_block_super, kill_litter_super
 * @kernel block/bdev.c kill_bdev
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { blk_lookup_path } from "../block/blk.js";
import { shmem_fill_super } from "../mm/shmem.js";
import { truncate_inode_pages } from "../mm/truncate.js";
import { ext2_fill_super } from "./ext2/super.js";
import { S_ISDIR, SB_RDONLY, type super_block, vfsmount } from "./fs.js";
import { shrink_dcache_for_umount } from "./dcache.js";
import { evict } from "./inode.js";
import { path_lookup } from "./namei.js";
import { kill_super } from "./super.js";

/** MS_RDONLY: mount(2)'s read-only flag. */
export const MS_RDONLY = 1;

/** The options a mount may carry (tmpfs's, and a block filesystem's read-only flag). */
export interface mount_options {
  size?: number | string;
  nr_inodes?: number;
  huge?: string;
}

/** The root mount: the rootfs (a tmpfs) at "/". @kernel fs/namespace.c init_mount_tree */
export function init_mount_tree(k: Kernel, sb: super_block): void {
  const root = sb.s_root;
  if (root === null) return;
  k.vfs.mounts.push(new vfsmount(sb, root, null, "/", "rw"));
  k.vfs.root = root;
  k.vfs.rootfs_sb = sb;
}

/**
 * mount(2): a new tmpfs ("tmpfs") or a block filesystem ("ext2", also accepted as "ext4", which
 * mounts ext2 images as the real captures did) from `source` (/dev/vda) on directory `target`.
 * 0 or -errno: ENOENT (no target, no such disk), ENOTDIR, ENOTBLK, ENODEV (an unknown type),
 * EBUSY (the target is a mountpoint, the disk is claimed), EINVAL (bad options, no filesystem).
 * @kernel fs/namespace.c do_new_mount, path_mount
 */
export function do_mount(k: Kernel, source: string, target: string, fstype: string, flags: number, opts: mount_options): number {
  const where = path_lookup(k, target);
  if (typeof where === "number") return where;
  const d = where.dentry;
  if (d.d_inode === null || !S_ISDIR(d.d_inode.i_mode)) return -errnoValues.ENOTDIR;
  if (d.d_mounted !== null || k.vfs.mounts.some((m) => m.mnt_root === d && m.mnt_mountpoint !== null)) return -errnoValues.EBUSY;
  let sb: super_block | number;
  let shown: string;
  if (fstype === "tmpfs") {
    sb = shmem_fill_super(k, "tmpfs", opts, false);
    if (typeof sb === "number") return sb;
    const o = (sb.s_fs_info as { opts: string }).opts;
    shown = `${(flags & MS_RDONLY) !== 0 ? "ro" : "rw"},relatime${o ? "," + o : ""}`;
  } else if (fstype === "ext2" || fstype === "ext4") {
    const bdev = blk_lookup_path(k, source);
    if (bdev === null) return source.startsWith("/dev/") ? -errnoValues.ENOENT : -errnoValues.ENOTBLK;
    if (bdev.bd_holder !== null) return -errnoValues.EBUSY;
    sb = ext2_fill_super(k, bdev, (flags & MS_RDONLY) !== 0);
    if (typeof sb === "number") return sb;
    bdev.bd_holder = `${fstype}:${target}`;
    shown = (flags & MS_RDONLY) !== 0 ? "ro,relatime" : "rw,relatime";
  } else {
    return -errnoValues.ENODEV;
  }
  if ((flags & MS_RDONLY) !== 0) sb.s_flags |= SB_RDONLY;
  const root = sb.s_root;
  if (root === null) return -errnoValues.EINVAL;
  const mnt = new vfsmount(sb, root, d, where.path, shown);
  d.d_mounted = mnt;
  k.vfs.mounts.push(mnt);
  return 0;
}

/** Does any open file or mapping of a task use filesystem `sb`? */
function sb_busy(k: Kernel, sb: super_block): boolean {
  for (const t of k.tasks.byPid.values()) {
    for (const f of t.files.fd_array) if (f !== null && f.f_inode.i_sb === sb) return true;
    const mm = t.mm;
    if (mm === null) continue;
    for (const v of mm.mm_mt) if (v.vm_file !== null && v.vm_file.f_inode.i_sb === sb) return true;
  }
  for (const m of k.vfs.mounts) if (m.mnt_sb !== sb && m.mnt_mountpoint !== null && inside(m.mnt_mountpoint, sb)) return true;
  return false;
}

/** Is dentry `d` on filesystem `sb` (a mount on top of it keeps `sb` busy)? */
function inside(d: { d_inode: { i_sb: super_block } | null }, sb: super_block): boolean {
  return d.d_inode !== null && d.d_inode.i_sb === sb;
}

/**
 * umount(2): the filesystem mounted at `target` goes, with its cached inodes and their pages;
 * a disk's buffer cache is dropped with its claim. 0 or -EINVAL (not a mountpoint), -EBUSY.
 * @kernel fs/namespace.c do_umount
 * @kernel fs/super.c generic_shutdown_super
 * @kernel block/bdev.c kill_bdev
 */
export function do_umount(k: Kernel, target: string): number {
  const where = path_lookup(k, target);
  if (typeof where === "number") return where;
  const i = k.vfs.mounts.findIndex((m) => m.mnt_root === where.dentry && m.mnt_mountpoint !== null);
  if (i < 0) return -errnoValues.EINVAL;
  const mnt = k.vfs.mounts[i];
  const sb = mnt.mnt_sb;
  if (sb_busy(k, sb)) return -errnoValues.EBUSY;
  k.vfs.mounts.splice(i, 1);
  if (mnt.mnt_mountpoint !== null) mnt.mnt_mountpoint.d_mounted = null;
  // generic_shutdown_super: every dentry (shrink_dcache_for_umount) and inode (evict_inodes)
  // goes, then the filesystem's put_super.
  shrink_dcache_for_umount(k, sb);
  for (const ino of [...sb.s_inodes]) evict(k, ino);
  sb.s_op.put_super?.(k, sb);
  const bdev = sb.s_bdev;
  if (bdev !== null) {
    bdev.bd_holder = null;
    // blkdev_put → blkdev_flush_mapping → kill_bdev: the buffer cache goes.
    if (bdev.bd_inode !== null) truncate_inode_pages(k, bdev.bd_inode.i_mapping, 0);
  }
  kill_super(k, sb);
  return 0;
}

/**
 * /proc/mounts: one line per mount, "device mountpoint type options 0 0".
 * @kernel fs/proc_namespace.c show_vfsmnt
 */
export function mounts_show(k: Kernel): string {
  let s = "";
  for (const m of k.vfs.mounts) {
    const sb = m.mnt_sb;
    const dev = sb.s_bdev !== null ? `/dev/${sb.s_bdev.disk_name}` : sb.s_type === "rootfs" ? "rootfs" : "tmpfs";
    s += `${dev} ${m.mnt_path} ${sb.s_type} ${m.mnt_opts} 0 0\n`;
  }
  return s;
}
