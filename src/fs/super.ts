/**
 * Superblocks: one per filesystem instance, on the machine's list (super_blocks). A filesystem
 * without a disk gets an anonymous device number (get_anon_bdev: 0:N, which /proc/PID/maps and
 * stat show); one on a disk takes the disk's.
 *
 * Anonymous minors: the internal shm mount is 0:1 and the rootfs 0:2, as the real captures show
 * ("/dev/zero (deleted)" at 00:01, /bin/anon at 00:02); the pseudo-filesystems the real boot
 * mounts next (proc, sysfs, devtmpfs, cgroup2, debugfs…) take the numbers after them, so a
 * tmpfs mounted by a workload gets 0:24 and up here.
 * Simplified: the boot's other pseudo-filesystems are not modelled; 24 stands for their count.
 * @kernel fs/super.c alloc_super, sget, get_anon_bdev, deactivate_locked_super
 */
import type { Kernel } from "../kernel/kernel.js";
import { type block_device } from "../block/blk.js";
import { super_register_shrinker, super_unregister_shrinker } from "./dcache.js";
import { super_block, type super_operations } from "./fs.js";

/** The first anonymous minor a mount made after boot gets (see the header). */
export const FIRST_USER_ANON_MINOR = 24;

/**
 * A new superblock of filesystem type `type`, on disk `bdev` or (null) an anonymous device with
 * minor `anon_minor` (default the next free one).
 * @kernel fs/super.c alloc_super, sget_fc, get_anon_bdev
 */
export function alloc_super(k: Kernel, type: string, s_op: super_operations, bdev: block_device | null, anon_minor?: number): super_block {
  let sb: super_block;
  if (bdev !== null) {
    sb = new super_block(type, bdev.bd_major, bdev.bd_minor, s_op, bdev.disk_name);
    sb.s_bdev = bdev;
  } else {
    const v = k.vfs;
    let minor = anon_minor;
    if (minor === undefined) {
      if (v.next_anon_minor < FIRST_USER_ANON_MINOR) v.next_anon_minor = FIRST_USER_ANON_MINOR;
      minor = v.next_anon_minor++;
    }
    sb = new super_block(type, 0, minor, s_op, type);
  }
  k.vfs.super_blocks.push(sb);
  super_register_shrinker(k, sb);
  return sb;
}

/** Takes a superblock off the machine's list (umount of its last mount). @kernel fs/super.c deactivate_locked_super */
export function kill_super(k: Kernel, sb: super_block): void {
  const i = k.vfs.super_blocks.indexOf(sb);
  if (i >= 0) k.vfs.super_blocks.splice(i, 1);
  super_unregister_shrinker(k, sb);
}
