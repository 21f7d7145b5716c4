/**
 * The values behind /proc/sys/vm, one machine's worth, with 6.1's defaults (checked against
 * test/realkernel/data/w0/sys_vm.all). min_free_kbytes and user/admin reserves are computed
 * at boot; the rest start as compiled in. The proc handlers that read and write them, with the
 * kernel's range checks and side effects, live in kernel/sysctl.ts.
 * @kernel kernel/sysctl.c vm_table
 */
export interface vm_sysctl {
  admin_reserve_kbytes: number;
  compact_unevictable_allowed: number;
  compaction_proactiveness: number;
  dirty_background_bytes: number;
  dirty_background_ratio: number;
  dirty_bytes: number;
  dirty_expire_centisecs: number;
  dirty_ratio: number;
  dirty_writeback_centisecs: number;
  dirtytime_expire_seconds: number;
  extfrag_threshold: number;
  hugetlb_optimize_vmemmap: number;
  hugetlb_shm_group: number;
  laptop_mode: number;
  legacy_va_layout: number;
  /** One ratio per zone type (DMA, DMA32, Normal, Movable, Device). */
  lowmem_reserve_ratio: number[];
  max_map_count: number;
  memory_failure_early_kill: number;
  memory_failure_recovery: number;
  min_free_kbytes: number;
  min_slab_ratio: number;
  min_unmapped_ratio: number;
  mmap_min_addr: number;
  mmap_rnd_bits: number;
  mmap_rnd_compat_bits: number;
  nr_hugepages: number;
  nr_hugepages_mempolicy: number;
  nr_overcommit_hugepages: number;
  numa_stat: number;
  numa_zonelist_order: string;
  oom_dump_tasks: number;
  oom_kill_allocating_task: number;
  overcommit_kbytes: number;
  overcommit_memory: number;
  overcommit_ratio: number;
  "page-cluster": number;
  page_lock_unfairness: number;
  panic_on_oom: number;
  percpu_pagelist_high_fraction: number;
  stat_interval: number;
  swappiness: number;
  unprivileged_userfaultfd: number;
  user_reserve_kbytes: number;
  vfs_cache_pressure: number;
  watermark_boost_factor: number;
  watermark_scale_factor: number;
  zone_reclaim_mode: number;
}

export function default_vm_sysctl(): vm_sysctl {
  return {
    admin_reserve_kbytes: 8192,
    compact_unevictable_allowed: 1,
    compaction_proactiveness: 20,
    dirty_background_bytes: 0,
    dirty_background_ratio: 10,
    dirty_bytes: 0,
    dirty_expire_centisecs: 3000,
    dirty_ratio: 20,
    dirty_writeback_centisecs: 500,
    dirtytime_expire_seconds: 43200,
    extfrag_threshold: 500,
    hugetlb_optimize_vmemmap: 0,
    hugetlb_shm_group: 0,
    laptop_mode: 0,
    legacy_va_layout: 0,
    lowmem_reserve_ratio: [256, 256, 32, 0, 0],
    max_map_count: 65530,
    memory_failure_early_kill: 0,
    memory_failure_recovery: 1,
    min_free_kbytes: 1024,
    min_slab_ratio: 5,
    min_unmapped_ratio: 1,
    mmap_min_addr: 65536,
    mmap_rnd_bits: 28,
    mmap_rnd_compat_bits: 8,
    nr_hugepages: 0,
    nr_hugepages_mempolicy: 0,
    nr_overcommit_hugepages: 0,
    numa_stat: 1,
    numa_zonelist_order: "Node",
    oom_dump_tasks: 1,
    oom_kill_allocating_task: 0,
    overcommit_kbytes: 0,
    overcommit_memory: 0,
    overcommit_ratio: 50,
    "page-cluster": 3,
    page_lock_unfairness: 5,
    panic_on_oom: 0,
    percpu_pagelist_high_fraction: 0,
    stat_interval: 1,
    swappiness: 60,
    unprivileged_userfaultfd: 0,
    user_reserve_kbytes: 131072,
    vfs_cache_pressure: 100,
    watermark_boost_factor: 15000,
    watermark_scale_factor: 10,
    zone_reclaim_mode: 0,
  };
}
