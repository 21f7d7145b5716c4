/**
 * The machine's snapshot registry: every class whose instances a Machine's object graph may hold,
 * and every function or shared constant its state may point to, each under a stable name
 * (src/sim/snapshot.ts explains what the serializer does with them).
 *
 * The functions are the kernel's code that boot installs in a machine's tables — the allocator's
 * seams (k.mmHooks), the kernel threads' entry points (k.kthreads), the sysctl effects
 * (k.sysctl_effects), shmem's file operations — like the function pointers of a hibernation
 * image, named rather than copied. The /proc and /sys tree (k.proc) holds only such handlers, made
 * as closures by proc_root_init: it is not copied at all, but rebuilt on restore by running
 * proc_root_init again, as boot made it. Tracepoint listeners are the user's, not the machine's
 * state: a restored machine has none.
 *
 * A subsystem that adds a class or stores a new function in state adds it here; the test that
 * snapshots every shipped scenario (src/sim/snapshot.test.ts) fails until it does.
 */
import { Kernel } from "../kernel/kernel.js";
import { AccessLog } from "../kernel/access_log.js";
import { Printk } from "../kernel/printk.js";
import { psi_group, psi_state } from "../kernel/psi.js";
import { Prng } from "../kernel/random.js";
import { task_struct, TaskTable } from "../kernel/sched.js";
import { TraceBus } from "../kernel/trace.js";
import { PgtablePool } from "../arch/x86/pgtable.js";
import { flush_tlb_info, mmu_gather, tlb_state } from "../arch/x86/tlb.js";
import { proc_root_init } from "../fs/proc/init.js";
import { ProcTree } from "../fs/proc/root.js";
import { MapleNode, MapleTree } from "../lib/maple_tree.js";
import { ratelimit_state } from "../lib/ratelimit.js";
import {
  default_zone_reclaimable_pages,
  no_compaction_defer_reset,
  no_compaction_zonelist_suitable,
  no_current_flags,
  no_node_reclaim,
  no_out_of_memory,
  no_try_to_compact_pages,
  no_try_to_free_pages,
  no_tsk_is_oom_victim,
  no_wakeup_kswapd,
} from "../mm/alloc_hooks.js";
import { deferred_split_shrinker_ops, huge_zero_page_shrinker_ops, thp_state } from "../mm/huge_memory.js";
import { drop_slab, shrink_control, shrinker, shrinker_state } from "../mm/shrinker.js";
import { kmem_driver_batch, kmem_driver_state } from "../mm/slab_driver.js";
import { deferred_split } from "../mm/mmzone.js";
import { compact_nodes_effect, compaction_defer_reset, compaction_proactiveness_effect, compaction_zonelist_suitable, kcompactd_thread, try_to_compact_pages } from "../mm/compaction.js";
import { hstate, hugetlb_state, hugetlb_sysctl_set_max_huge_pages, hugetlbfs_file_operations, hugetlbfs_inode, hugetlbfs_ops } from "../mm/hugetlb.js";
import { khugepaged_state, khugepaged_thread } from "../mm/khugepaged.js";
import { ListLinks } from "../mm/list.js";
import { Memblock, memblock_type } from "../mm/memblock.js";
import { MemMap } from "../mm/memmap.js";
import { mm_init_state } from "../mm/mm_init.js";
import {
  AnonVmaTable,
  anon_vma,
  lru_gen_mm_link,
  mm_struct,
  vm_area_struct,
} from "../mm/mm_types.js";
import { ctrl_pos, lru_gen_globals } from "../mm/lru_gen.js";
import {
  deferred_tail,
  free_area,
  lru_gen_mm_state,
  lru_gen_mm_walk,
  lru_gen_struct,
  lruvec,
  per_cpu_pages,
  pglist_data,
  zone,
} from "../mm/mmzone.js";
import {
  current_is_oom_victim,
  oom_reaper_next,
  oom_reaper_run,
  oom_state,
  out_of_memory,
} from "../mm/oom_kill.js";
import { swap_io_next, swap_io_run } from "../mm/page_io.js";
import { pcpu_globals } from "../mm/percpu.js";
import { kmem_cache, kmem_cache_node, slab_cacheps, slab_globals } from "../mm/slab.js";
import { vmalloc_state } from "../mm/vmalloc.js";
import { task_objs } from "../kernel/task_objs.js";
import { shmem_file_operations } from "../mm/shmem.js";
import { dev_pagemap } from "../mm/memremap.js";
import { dax_fops, dev_dax } from "../drivers/dax/device.js";
import { cpu_fbatches } from "../mm/swap.js";
import { swap_globals, swap_info_struct } from "../mm/swapfile.js";
import {
  kswapd_thread,
  reclaim_current_flags,
  reclaim_stat,
  scan_control,
  try_to_free_pages,
  wakeup_kswapd,
  zone_reclaimable_pages,
} from "../mm/vmscan.js";
import {
  setup_per_zone_lowmem_reserve,
  setup_per_zone_wmarks,
  zone_pcp_update_populated,
} from "../mm/watermark.js";
import { def_blk_aops, bdev_sops } from "../block/bdev.js";
import { backing_dev_info, bdi_writeback, block_device, block_globals, mpage_wbio } from "../block/blk.js";
import { dirty_throttle_control, writeback_globals, writeback_set_ratelimit_effect } from "../mm/page-writeback.js";
import { wakeup_flusher_threads_sysctl, wb_workfn_next, wb_workfn_run } from "../fs/fs-writeback.js";
import { drop_pagecache } from "../fs/drop_caches.js";
import { ext2_disk, ext2_disk_inode } from "../fs/ext2/ext2.js";
import { ext2_aops, ext2_dir_operations, ext2_file_operations, ext2_sb_info } from "../fs/ext2/inode.js";
import { ext2_dir_inode_operations, ext2_file_inode_operations } from "../fs/ext2/namei.js";
import { ext2_sops } from "../fs/ext2/super.js";
import { super_shrinker_ops } from "../fs/dcache.js";
import { address_space, dentry, file, file_ra_state, files_struct, inode, super_block, task_io_accounting, vfs_state, vfsmount } from "../fs/fs.js";
import { empty_aops, empty_fops, empty_iops } from "../fs/inode.js";
import { anon_inodefs_ops, uffd_msg, userfaultfd_ctx, userfaultfd_fops, userfaultfd_wait_queue } from "../fs/userfaultfd.js";
import { xarray } from "../lib/xarray.js";
import { workingset_shadow_shrinker_ops, workingset_state } from "../mm/workingset.js";
import { shmem_aops, shmem_dir_inode_operations, shmem_dir_operations, shmem_inode_info, shmem_inode_operations, shmem_ops, shmem_sb_info } from "../mm/shmem.js";
import { shm_file_operations, shm_namespace, shmid_kernel } from "../ipc/shm.js";
import { Machine } from "./machine.js";
import { cgroup, cgroup_root } from "../kernel/cgroup/cgroup.js";
import { mem_cgroup, memcg_kmem_state, memcg_state, memcg_stock_pcp, obj_cgroup, obj_stock_pcp } from "../mm/memcontrol.js";
import { page_counter } from "../mm/page_counter.js";
import { Process } from "./process.js";
import type { SnapshotRegistry } from "./snapshot.js";

/**
 * The registry of a Machine's graph. A function, not a module constant, because machine.ts and
 * this file import each other: the table is built when a snapshot is taken or restored, never at
 * import time.
 */
export function machineRegistry(): SnapshotRegistry {
  return Object.freeze({
    classes: Object.freeze({
      // The engine's handles.
      Machine: Object.freeze({ ctor: Machine }),
      Process: Object.freeze({ ctor: Process }),
      // kernel/
      Kernel: Object.freeze({
        ctor: Kernel,
        // The /proc tree's handlers are code: rebuilt as boot built them.
        afterRestore: (k: Kernel) => proc_root_init(k),
        // Freed VMAs kept for reuse (mm_types.ts vm_area_alloc) are not state.
        reset: Object.freeze({ vm_area_pool: () => [] }),
      }),
      Printk: Object.freeze({ ctor: Printk }),
      TraceBus: Object.freeze({
        ctor: TraceBus,
        // Listeners are the user's: a restored machine starts with none.
        reset: Object.freeze({
          listeners: () => new Map(),
          all: () => [],
          active: () => false,
          pageEvents: () => false,
        }),
      }),
      Prng: Object.freeze({ ctor: Prng }),
      TaskTable: Object.freeze({ ctor: TaskTable }),
      task_struct: Object.freeze({ ctor: task_struct }),
      psi_group: Object.freeze({ ctor: psi_group }),
      psi_state: Object.freeze({ ctor: psi_state }),
      ratelimit_state: Object.freeze({ ctor: ratelimit_state }),
      MapleTree: Object.freeze({ ctor: MapleTree }),
      MapleNode: Object.freeze({ ctor: MapleNode }),
      // mm/lru_gen.ts (the multi-gen LRU's statics, per-node state and mm list links)
      lru_gen_globals: Object.freeze({ ctor: lru_gen_globals }),
      AccessLog: Object.freeze({ ctor: AccessLog }),
      ctrl_pos: Object.freeze({ ctor: ctrl_pos }),
      lru_gen_struct: Object.freeze({ ctor: lru_gen_struct }),
      lru_gen_mm_state: Object.freeze({ ctor: lru_gen_mm_state }),
      lru_gen_mm_walk: Object.freeze({ ctor: lru_gen_mm_walk }),
      lru_gen_mm_link: Object.freeze({ ctor: lru_gen_mm_link }),
      ProcTree: Object.freeze({
        ctor: ProcTree,
        reset: Object.freeze({
          files: () => new Map(),
          patterns: () => [],
          params: () => new Map(),
          mounts: () => new Map(),
        }),
      }),
      // mm/memremap.ts and drivers/dax/device.ts: ZONE_DEVICE ranges and their device-dax files
      dev_pagemap: Object.freeze({ ctor: dev_pagemap }),
      dev_dax: Object.freeze({ ctor: dev_dax }),
      // arch/x86
      PgtablePool: Object.freeze({ ctor: PgtablePool }),
      // mm/
      MemMap: Object.freeze({ ctor: MemMap }),
      ListLinks: Object.freeze({ ctor: ListLinks }),
      Memblock: Object.freeze({ ctor: Memblock }),
      memblock_type: Object.freeze({ ctor: memblock_type }),
      mm_init_state: Object.freeze({ ctor: mm_init_state }),
      pglist_data: Object.freeze({ ctor: pglist_data }),
      zone: Object.freeze({ ctor: zone }),
      free_area: Object.freeze({ ctor: free_area }),
      deferred_tail: Object.freeze({ ctor: deferred_tail }),
      per_cpu_pages: Object.freeze({ ctor: per_cpu_pages }),
      lruvec: Object.freeze({ ctor: lruvec }),
      cpu_fbatches: Object.freeze({ ctor: cpu_fbatches }),
      mm_struct: Object.freeze({ ctor: mm_struct }),
      vm_area_struct: Object.freeze({ ctor: vm_area_struct }),
      // Its pool holds freed anon_vma objects for reuse, not state.
      AnonVmaTable: Object.freeze({ ctor: AnonVmaTable, reset: Object.freeze({ pool: () => [] }) }),
      // rmap_vmas is a cache of the rb list, not state: rebuilt on the first rmap walk after restore
      anon_vma: Object.freeze({ ctor: anon_vma, reset: Object.freeze({ rmap_vmas: () => null }) }),
      oom_state: Object.freeze({ ctor: oom_state }),
      thp_state: Object.freeze({ ctor: thp_state }),
      shrinker: Object.freeze({ ctor: shrinker }),
      kmem_driver_state: Object.freeze({ ctor: kmem_driver_state }),
      kmem_driver_batch: Object.freeze({ ctor: kmem_driver_batch }),
      shrinker_state: Object.freeze({ ctor: shrinker_state }),
      shrink_control: Object.freeze({ ctor: shrink_control }),
      deferred_split: Object.freeze({ ctor: deferred_split }),
      khugepaged_state: Object.freeze({ ctor: khugepaged_state }),
      khugepaged_thread: Object.freeze({ ctor: khugepaged_thread }),
      hstate: Object.freeze({ ctor: hstate }),
      hugetlb_state: Object.freeze({ ctor: hugetlb_state }),
      hugetlbfs_inode: Object.freeze({ ctor: hugetlbfs_inode }),
      swap_globals: Object.freeze({ ctor: swap_globals }),
      swap_info_struct: Object.freeze({ ctor: swap_info_struct }),
      kswapd_thread: Object.freeze({ ctor: kswapd_thread }),
      kcompactd_thread: Object.freeze({ ctor: kcompactd_thread }),
      scan_control: Object.freeze({ ctor: scan_control }),
      // mm/ slab, vmalloc and per-cpu allocators; kernel/task_objs: a task's kernel objects.
      slab_globals: Object.freeze({ ctor: slab_globals }),
      slab_cacheps: Object.freeze({ ctor: slab_cacheps }),
      kmem_cache: Object.freeze({ ctor: kmem_cache }),
      kmem_cache_node: Object.freeze({ ctor: kmem_cache_node }),
      vmalloc_state: Object.freeze({ ctor: vmalloc_state }),
      pcpu_globals: Object.freeze({ ctor: pcpu_globals }),
      // arch/x86/tlb: the TLB's per-CPU state, its flush info and the mmu_gathers.
      tlb_state: Object.freeze({ ctor: tlb_state }),
      flush_tlb_info: Object.freeze({ ctor: flush_tlb_info }),
      mmu_gather: Object.freeze({ ctor: mmu_gather }),
      task_objs: Object.freeze({ ctor: task_objs }),
      // kernel/cgroup, mm/memcontrol, mm/page_counter
      cgroup: Object.freeze({ ctor: cgroup }),
      cgroup_root: Object.freeze({ ctor: cgroup_root }),
      mem_cgroup: Object.freeze({ ctor: mem_cgroup }),
      memcg_state: Object.freeze({ ctor: memcg_state }),
      memcg_stock_pcp: Object.freeze({ ctor: memcg_stock_pcp }),
      obj_cgroup: Object.freeze({ ctor: obj_cgroup }),
      obj_stock_pcp: Object.freeze({ ctor: obj_stock_pcp }),
      memcg_kmem_state: Object.freeze({ ctor: memcg_kmem_state }),
      page_counter: Object.freeze({ ctor: page_counter }),
      reclaim_stat: Object.freeze({ ctor: reclaim_stat }),
      // fs/, block/ and lib/xarray: the page cache's structures.
      super_block: Object.freeze({ ctor: super_block }),
      address_space: Object.freeze({ ctor: address_space }),
      inode: Object.freeze({ ctor: inode }),
      file_ra_state: Object.freeze({ ctor: file_ra_state }),
      file: Object.freeze({ ctor: file }),
      dentry: Object.freeze({ ctor: dentry }),
      vfsmount: Object.freeze({ ctor: vfsmount }),
      files_struct: Object.freeze({ ctor: files_struct }),
      task_io_accounting: Object.freeze({ ctor: task_io_accounting }),
      vfs_state: Object.freeze({ ctor: vfs_state }),
      ext2_sb_info: Object.freeze({ ctor: ext2_sb_info }),
      ext2_disk_inode: Object.freeze({ ctor: ext2_disk_inode }),
      ext2_disk: Object.freeze({ ctor: ext2_disk }),
      backing_dev_info: Object.freeze({ ctor: backing_dev_info }),
      bdi_writeback: Object.freeze({ ctor: bdi_writeback }),
      mpage_wbio: Object.freeze({ ctor: mpage_wbio }),
      writeback_globals: Object.freeze({ ctor: writeback_globals }),
      dirty_throttle_control: Object.freeze({ ctor: dirty_throttle_control }),
      block_device: Object.freeze({ ctor: block_device }),
      block_globals: Object.freeze({ ctor: block_globals }),
      xarray: Object.freeze({ ctor: xarray }),
      workingset_state: Object.freeze({ ctor: workingset_state }),
      shmem_sb_info: Object.freeze({ ctor: shmem_sb_info }),
      shmem_inode_info: Object.freeze({ ctor: shmem_inode_info }),
      // ipc/
      shm_namespace: Object.freeze({ ctor: shm_namespace }),
      shmid_kernel: Object.freeze({ ctor: shmid_kernel }),
      // fs/userfaultfd.ts
      userfaultfd_ctx: Object.freeze({ ctor: userfaultfd_ctx }),
      userfaultfd_wait_queue: Object.freeze({ ctor: userfaultfd_wait_queue }),
      uffd_msg: Object.freeze({ ctor: uffd_msg }),
    }),
    values: Object.freeze({
      // k.mmHooks: the defaults, then what oom_init and kswapd_init install.
      no_wakeup_kswapd,
      no_try_to_free_pages,
      no_try_to_compact_pages,
      no_compaction_zonelist_suitable,
      no_compaction_defer_reset,
      no_out_of_memory,
      no_node_reclaim,
      no_current_flags,
      no_tsk_is_oom_victim,
      default_zone_reclaimable_pages,
      out_of_memory,
      current_is_oom_victim,
      wakeup_kswapd,
      try_to_free_pages,
      zone_reclaimable_pages,
      reclaim_current_flags,
      // compaction_init's.
      try_to_compact_pages,
      compaction_zonelist_suitable,
      compaction_defer_reset,
      // k.kthreads' entry points (kswapd_thread's are its methods).
      oom_reaper_next,
      oom_reaper_run,
      swap_io_next,
      swap_io_run,
      // the writeback worker (page_writeback_init) and its sysctl effects
      wb_workfn_next,
      wb_workfn_run,
      writeback_set_ratelimit_effect,
      wakeup_flusher_threads_sysctl,
      // k.sysctl_effects (page_alloc_sysctl_init).
      setup_per_zone_wmarks,
      setup_per_zone_lowmem_reserve,
      zone_pcp_update_populated,
      // The sysctl effects the page cache registers (drop_caches_sysctl_init).
      drop_pagecache,
      // drop_caches' slab half (drop_slab runs the registered shrinkers).
      drop_slab,
      // The shrinkers' code (their tables of function pointers).
      huge_zero_page_shrinker_ops,
      deferred_split_shrinker_ops,
      super_shrinker_ops,
      workingset_shadow_shrinker_ops,
      // hugetlb_init's (vm.nr_hugepages).
      hugetlb_sysctl_set_max_huge_pages,
      // compaction_sysctl_init's (vm.compact_memory).
      compact_nodes_effect,
      compaction_proactiveness_effect,
      // The operations tables (const struct *_operations in the kernel): named, never copied.
      shmem_file_operations,
      shm_file_operations,
      dax_fops,
      shmem_aops,
      shmem_inode_operations,
      shmem_dir_inode_operations,
      shmem_dir_operations,
      shmem_ops,
      hugetlbfs_ops,
      hugetlbfs_file_operations,
      ext2_aops,
      ext2_file_operations,
      ext2_dir_operations,
      ext2_dir_inode_operations,
      ext2_file_inode_operations,
      ext2_sops,
      def_blk_aops,
      bdev_sops,
      empty_aops,
      empty_fops,
      empty_iops,
      userfaultfd_fops,
      anon_inodefs_ops,
    }),
  });
}
