/**
 * drop_caches=1 (fs/drop_caches.c): every inode of every filesystem gets its clean, unused page
 * cache invalidated — tmpfs pages are dirty and stay (Shmem does not move), mapped pages stay
 * (only deactivated), pages with held buffers stay (a mounted filesystem's superblock and group
 * descriptors) — and the shadows go too. The block devices' buffer caches are inodes of the bdev
 * filesystem and are dropped the same way. drop_caches=2 runs the shrinkers (drop_slab,
 * mm/shrinker.ts).
 * @kernel fs/drop_caches.c drop_pagecache_sb, drop_caches_sysctl_handler
 * @kernel fs/super.c iterate_supers
 */
import type { Kernel } from "../kernel/kernel.js";
import { registerVmSysctlEffect } from "../kernel/sysctl.js";
import { inode_add_lru } from "./dcache.js";
import { drop_slab } from "../mm/shrinker.js";
import { invalidate_mapping_pages } from "../mm/truncate.js";
import { I_FREEING, I_NEW, I_WILL_FREE, type super_block } from "./fs.js";

/**
 * Invalidates the page cache of every inode of `sb` (newest first, as s_inodes is walked).
 * @kernel fs/drop_caches.c drop_pagecache_sb
 */
export function drop_pagecache_sb(k: Kernel, sb: super_block): void {
  const inodes = [...sb.s_inodes];
  for (let i = inodes.length - 1; i >= 0; i--) {
    const ino = inodes[i];
    if ((ino.i_state & (I_FREEING | I_WILL_FREE | I_NEW)) !== 0) continue;
    if (ino.i_mapping.i_pages.nr_entries === 0) continue;
    invalidate_mapping_pages(k, ino.i_mapping, 0, 2 ** 31 - 1);
    // mm/truncate.c: an unused inode whose cache is now shrinkable joins the inode LRU.
    inode_add_lru(k, ino);
  }
}

/**
 * echo 1 > /proc/sys/vm/drop_caches: every filesystem's page cache (iterate_supers).
 * @kernel fs/drop_caches.c drop_caches_sysctl_handler
 */
export function drop_pagecache(k: Kernel): void {
  for (const sb of [...k.vfs.super_blocks]) drop_pagecache_sb(k, sb);
}

/** Boot: drop_caches' two halves become the sysctl's effects. */
export function drop_caches_init(k: Kernel): void {
  registerVmSysctlEffect(k, "drop_pagecache", drop_pagecache);
  registerVmSysctlEffect(k, "drop_slab", drop_slab);
}
