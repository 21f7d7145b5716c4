/**
 * /sys/kernel/slab/: SLUB's sysfs view of its caches, read-only.
 *
 * sysfs_slab_add names a cache's directory after the cache when it is unmergeable
 * (slab_unmergeable: a constructor, a usercopy region, SLAB_NEVER_MERGE flags, or a boot cache
 * exempt from merging), else after its unique id (create_unique_id: ":A-0000152"), with a link
 * for each name merged into it (sysfs_slab_alias, its own name first). The attributes are the
 * *_show functions of mm/slub.c, printed as they print them ("%u\n", "%lu\n", "%d\n", and
 * show_slab_objects' "total N0=x" counters).
 *
 * Simplified: an alias name is a directory that reads as its link's target would (the model's
 * sysfs has no symlinks); every file is 0444 and read-only (the kernel's min_partial,
 * cpu_partial and friends are 0644, and shrink/validate are writable); the attributes below are
 * the statistics and geometry ones, not ctor, slabs_cpu_partial, usersize, destroy_by_rcu or the
 * slub_debug switches.
 * @kernel mm/slub.c sysfs_slab_add, sysfs_slab_alias, slab_size_show, align_show,
 *   object_size_show, objs_per_slab_show, order_show, min_partial_show, cpu_partial_show,
 *   aliases_show, partial_show, cpu_slabs_show, objects_show, objects_partial_show,
 *   reclaim_account_show, hwcache_align_show, cache_dma_show, slabs_show, total_objects_show
 */
import type { Kernel } from "../kernel/kernel.js";
import { SLAB_CACHE_DMA, SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT, type kmem_cache } from "./slab.js";
import { slab_unmergeable } from "./slab_common.js";
import { create_unique_id, show_slab_objects, SO_ALL, SO_CPU, SO_OBJECTS, SO_PARTIAL, SO_TOTAL } from "./slub.js";

/** A cache's directory name. @kernel mm/slub.c sysfs_slab_add */
export function sysfs_slab_dirname(s: kmem_cache): string {
  return slab_unmergeable(s) ? s.name : create_unique_id(s);
}

/** Every entry of /sys/kernel/slab: the directories, then the alias links, in cache order. */
export function sysfs_slab_entries(k: Kernel): string[] {
  const out = new Set<string>();
  for (const s of k.slab.slab_caches) out.add(sysfs_slab_dirname(s));
  for (const s of k.slab.slab_caches) if (!slab_unmergeable(s)) for (const a of s.alias_names) out.add(a);
  return [...out];
}

/** The cache behind a /sys/kernel/slab entry (a directory or a link), or null. */
export function sysfs_slab_lookup(k: Kernel, name: string): kmem_cache | null {
  for (const s of k.slab.slab_caches) if (sysfs_slab_dirname(s) === name) return s;
  for (const s of k.slab.slab_caches) if (!slab_unmergeable(s) && s.alias_names.includes(name)) return s;
  return null;
}

const bit = (s: kmem_cache, flag: number): string => `${s.flags & flag ? 1 : 0}\n`;

/** The attributes, each as its *_show prints it. */
export const slab_attrs: Readonly<Record<string, (k: Kernel, s: kmem_cache) => string>> = Object.freeze({
  object_size: (_k: Kernel, s: kmem_cache) => `${s.object_size}\n`,
  slab_size: (_k: Kernel, s: kmem_cache) => `${s.size}\n`,
  align: (_k: Kernel, s: kmem_cache) => `${s.align}\n`,
  objs_per_slab: (_k: Kernel, s: kmem_cache) => `${s.oo_objects}\n`,
  order: (_k: Kernel, s: kmem_cache) => `${s.oo_order}\n`,
  min_partial: (_k: Kernel, s: kmem_cache) => `${s.min_partial}\n`,
  cpu_partial: (_k: Kernel, s: kmem_cache) => `${s.cpu_partial}\n`,
  aliases: (_k: Kernel, s: kmem_cache) => `${s.refcount < 0 ? 0 : s.refcount - 1}\n`,
  objects: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_ALL | SO_OBJECTS),
  objects_partial: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_PARTIAL | SO_OBJECTS),
  slabs: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_ALL),
  partial: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_PARTIAL),
  cpu_slabs: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_CPU),
  total_objects: (k: Kernel, s: kmem_cache) => show_slab_objects(k, s, SO_ALL | SO_TOTAL),
  reclaim_account: (_k: Kernel, s: kmem_cache) => bit(s, SLAB_RECLAIM_ACCOUNT),
  hwcache_align: (_k: Kernel, s: kmem_cache) => bit(s, SLAB_HWCACHE_ALIGN),
  cache_dma: (_k: Kernel, s: kmem_cache) => bit(s, SLAB_CACHE_DMA),
});
