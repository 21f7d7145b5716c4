/**
 * One sentence per field of the /proc and cgroup files the decoder reads, written from the 6.1
 * code that fills them (not from folklore), so `mmsim decode` can explain a dump line by line.
 *
 * @kernel fs/proc/meminfo.c meminfo_proc_show
 * @kernel fs/proc/task_mmu.c task_mem, __show_smap, show_smaps_rollup
 * @kernel mm/memcontrol.c memory_stat_format, memory_events_show
 * @kernel mm/vmstat.c vmstat_text, zoneinfo_show_print
 * @kernel Documentation/filesystems/proc.rst, Documentation/admin-guide/cgroup-v2.rst
 *
 * Simplified: /proc/vmstat has some 180 counters; the named ones below are explained one by one,
 * the rest by the family their prefix names (nr_*, pgscan_*, thp_*, …).
 */

/** /proc/meminfo, in 6.1 order, plus fields older kernels printed. */
export const MEMINFO_DOCS: Readonly<Record<string, string>> = {
  MemTotal: "RAM the kernel manages: physical memory minus firmware holes, the kernel image and memblock reservations (totalram_pages).",
  MemFree: "Pages on the buddy allocator's free lists (NR_FREE_PAGES), including per-cpu lists.",
  MemAvailable: "si_mem_available's estimate of memory a new program can get without swapping: free pages above the reserves, plus the page cache and reclaimable kernel memory that can go.",
  Buffers: "Page cache of block devices themselves (filesystem metadata read through the block device).",
  Cached: "Page cache of files, tmpfs and shared memory, minus swap cache and Buffers (NR_FILE_PAGES − swapcache − buffers). Shmem is part of it and cannot be dropped.",
  SwapCached: "Anonymous pages that are both in RAM and on swap (the swap cache); they can be dropped without writing.",
  Active: "Pages on the active LRU lists (anon + file): recently used, scanned last.",
  Inactive: "Pages on the inactive LRU lists (anon + file): the reclaim candidates.",
  "Active(anon)": "Anonymous and shmem pages on the active anon LRU.",
  "Inactive(anon)": "Anonymous and shmem pages on the inactive anon LRU; reclaimable only by swapping.",
  "Active(file)": "File page cache on the active file LRU.",
  "Inactive(file)": "File page cache on the inactive file LRU; the first pages reclaim drops or writes back.",
  Unevictable: "Pages reclaim may not touch: mlocked, ramfs, SHM_LOCKed (the unevictable LRU).",
  Mlocked: "Pages locked by mlock()/MAP_LOCKED (NR_MLOCK).",
  HighTotal: "32-bit only: RAM above the kernel's direct map (ZONE_HIGHMEM).",
  HighFree: "32-bit only: free highmem.",
  LowTotal: "32-bit only: directly mapped RAM.",
  LowFree: "32-bit only: free directly mapped RAM, what kernel allocations can use.",
  SwapTotal: "Size of all active swap areas.",
  SwapFree: "Unused swap.",
  Zswap: "Compressed size of the zswap pool.",
  Zswapped: "Uncompressed size of the pages held in zswap.",
  Dirty: "Page cache modified and not yet written back.",
  Writeback: "Pages being written back now.",
  AnonPages: "Anonymous pages mapped into user page tables (NR_ANON_MAPPED); excludes shmem.",
  Mapped: "File (and shmem) pages mapped into some process (NR_FILE_MAPPED).",
  Shmem: "tmpfs, SysV/POSIX shared memory and shared anonymous mappings (NR_SHMEM); counted in Cached.",
  KReclaimable: "Kernel memory reclaim can free under pressure: SReclaimable plus other shrinkable caches (NR_KERNEL_MISC_RECLAIMABLE).",
  Slab: "Slab allocator memory (SReclaimable + SUnreclaim).",
  SReclaimable: "Slab caches with shrinkers (dentries, inodes): can be reclaimed.",
  SUnreclaim: "Slab memory that cannot be reclaimed under pressure.",
  KernelStack: "Kernel stacks of all threads (16 KiB each on x86-64).",
  PageTables: "Memory in user page tables.",
  SecPageTables: "Secondary page tables (KVM stage-2, IOMMU).",
  NFS_Unstable: "Always 0 since 5.8; was NFS pages sent but not committed.",
  Bounce: "Bounce buffers for devices that cannot reach all RAM.",
  WritebackTmp: "Temporary buffers of FUSE writeback.",
  CommitLimit: "The ceiling on Committed_AS in vm.overcommit_memory=2: swap + RAM × overcommit_ratio% (minus hugetlb), or overcommit_kbytes.",
  Committed_AS: "Address space promised to processes (vm_committed_as): private writable mappings, whether touched or not.",
  VmallocTotal: "Size of the vmalloc address range.",
  VmallocUsed: "Pages allocated through vmalloc.",
  VmallocChunk: "Always 0 since 4.4 (largest free vmalloc range was too costly to compute).",
  Percpu: "Memory of the per-cpu allocator's chunks.",
  HardwareCorrupted: "RAM poisoned by memory failure handling.",
  AnonHugePages: "Anonymous memory backed by transparent huge pages (also in AnonPages).",
  ShmemHugePages: "Shmem/tmpfs backed by huge pages.",
  ShmemPmdMapped: "Shmem huge pages mapped with PMDs.",
  FileHugePages: "File page cache in huge pages.",
  FilePmdMapped: "File huge pages mapped with PMDs.",
  CmaTotal: "Memory reserved for the contiguous memory allocator.",
  CmaFree: "Free CMA memory (usable for movable allocations meanwhile).",
  HugePages_Total: "Size of the default hugetlb pool, in huge pages.",
  HugePages_Free: "Pool pages not allocated.",
  HugePages_Rsvd: "Pool pages promised to mappings but not yet faulted in.",
  HugePages_Surp: "Pages above nr_hugepages from nr_overcommit_hugepages.",
  Hugepagesize: "Default huge page size.",
  Hugetlb: "All hugetlb pools of every size, in kB.",
  DirectMap4k: "Kernel direct map covered by 4 KiB pages.",
  DirectMap2M: "Kernel direct map covered by 2 MiB pages.",
  DirectMap1G: "Kernel direct map covered by 1 GiB pages.",
  DirectMap4M: "32-bit non-PAE: direct map covered by 4 MiB pages.",
  MmapCopy: "No-MMU kernels only: memory copied for private mappings.",
  Quicklists: "Old kernels: page-table page caches.",
  Unaccepted: "Memory not yet accepted by a confidential-computing guest.",
};

/** /proc/PID/status memory lines. */
export const STATUS_DOCS: Readonly<Record<string, string>> = {
  VmPeak: "Peak virtual size (total_vm high-water mark).",
  VmSize: "Virtual size: all mappings (total_vm).",
  VmLck: "Locked memory (locked_vm, mlock).",
  VmPin: "Pinned pages (pinned_vm, RDMA and the like).",
  VmHWM: "Peak resident set size.",
  VmRSS: "Resident set size: RssAnon + RssFile + RssShmem.",
  RssAnon: "Resident anonymous pages (MM_ANONPAGES).",
  RssFile: "Resident file-backed pages (MM_FILEPAGES).",
  RssShmem: "Resident shmem pages (MM_SHMEMPAGES).",
  VmData: "Private writable non-stack mappings (data_vm).",
  VmStk: "Stack mappings (stack_vm).",
  VmExe: "Text of the executable.",
  VmLib: "Executable mappings other than the program text (shared libraries).",
  VmPTE: "Page tables of this process (mm_pgtables_bytes).",
  VmSwap: "Anonymous pages of this process out on swap (MM_SWAPENTS).",
  HugetlbPages: "hugetlb pages mapped.",
  Threads: "Threads in the process.",
  voluntary_ctxt_switches: "Times the task slept of its own accord.",
  nonvoluntary_ctxt_switches: "Times the task was preempted.",
};

/** smaps / smaps_rollup fields. */
export const SMAPS_DOCS: Readonly<Record<string, string>> = {
  Size: "Size of the mapping.",
  KernelPageSize: "Page size the kernel uses for it.",
  MMUPageSize: "Page size the MMU uses for it.",
  Rss: "Resident pages of the mapping, shared or not.",
  Pss: "Proportional set size: each resident page divided by the number of processes mapping it.",
  Pss_Dirty: "Pss of dirty pages.",
  Pss_Anon: "Pss of anonymous pages.",
  Pss_File: "Pss of file pages.",
  Pss_Shmem: "Pss of shmem pages.",
  Shared_Clean: "Resident clean pages mapped by more than one process.",
  Shared_Dirty: "Resident dirty pages mapped by more than one process.",
  Private_Clean: "Resident clean pages only this process maps.",
  Private_Dirty: "Resident dirty pages only this process maps (Private_* sum to USS).",
  Referenced: "Pages marked accessed.",
  Anonymous: "Anonymous pages, including CoW copies of file pages.",
  LazyFree: "MADV_FREE pages reclaim may drop without writing.",
  AnonHugePages: "Anonymous memory in transparent huge pages.",
  ShmemPmdMapped: "Shmem mapped with huge pages.",
  FilePmdMapped: "File pages mapped with huge pages.",
  Shared_Hugetlb: "hugetlb pages shared with other processes.",
  Private_Hugetlb: "hugetlb pages private to this process.",
  Swap: "Anonymous pages of the mapping out on swap.",
  SwapPss: "Proportional share of swap (swap entries shared after fork count fractionally).",
  Locked: "Pages mlocked in the mapping.",
  THPeligible: "1 when the mapping may use transparent huge pages.",
  ProtectionKey: "Memory protection key.",
};

/** cgroup v2 memory.stat (6.1) and memory.events. */
export const MEMCG_DOCS: Readonly<Record<string, string>> = {
  anon: "Anonymous memory (bytes), including shmem-less private mappings.",
  file: "Page cache charged to the group (bytes), including tmpfs and shmem.",
  kernel: "All kernel memory charged (bytes): stacks, page tables, slab, percpu, vmalloc, sock.",
  kernel_stack: "Kernel stacks (bytes).",
  pagetables: "Page tables (bytes).",
  sec_pagetables: "Secondary page tables (bytes).",
  percpu: "Per-cpu allocations (bytes).",
  sock: "Network buffers (bytes).",
  vmalloc: "vmalloc memory (bytes).",
  shmem: "shmem/tmpfs (bytes), part of file.",
  zswap: "zswap pool (bytes).",
  zswapped: "Uncompressed size of pages in zswap (bytes).",
  file_mapped: "Page cache mapped by processes (bytes).",
  file_dirty: "Dirty page cache (bytes).",
  file_writeback: "Page cache under writeback (bytes).",
  swapcached: "Swap cache (bytes).",
  anon_thp: "Anonymous THP (bytes).",
  file_thp: "File THP (bytes).",
  shmem_thp: "shmem THP (bytes).",
  inactive_anon: "Inactive anon LRU (bytes).",
  active_anon: "Active anon LRU (bytes).",
  inactive_file: "Inactive file LRU (bytes).",
  active_file: "Active file LRU (bytes).",
  unevictable: "Unevictable LRU (bytes).",
  slab_reclaimable: "Reclaimable slab (bytes).",
  slab_unreclaimable: "Unreclaimable slab (bytes).",
  slab: "All slab (bytes).",
  workingset_refault_anon: "Anon pages faulted back in soon after reclaim evicted them.",
  workingset_refault_file: "File pages read back in soon after reclaim evicted them (thrashing signal).",
  workingset_activate_anon: "Refaulted anon pages activated at once.",
  workingset_activate_file: "Refaulted file pages activated at once.",
  workingset_restore_anon: "Refaulted anon pages that had been part of the workingset.",
  workingset_restore_file: "Refaulted file pages that had been part of the workingset.",
  workingset_nodereclaim: "Shadow-entry nodes reclaimed.",
  pgscan: "Pages scanned by reclaim in this group.",
  pgsteal: "Pages reclaimed in this group.",
  pgfault: "Page faults.",
  pgmajfault: "Major page faults (I/O).",
  low: "memory.events: times usage was reclaimed below memory.low under pressure.",
  high: "memory.events: times usage crossed memory.high and the tasks were throttled into reclaim.",
  max: "memory.events: times an allocation hit memory.max and direct reclaim ran.",
  oom: "memory.events: times the group reached its limit and reclaim could not free enough (an OOM was declared).",
  oom_kill: "memory.events: processes in the group the OOM killer killed.",
  oom_group_kill: "memory.events: times memory.oom.group killed the whole group.",
};

/** Named /proc/vmstat counters; families handled by `vmstatDoc`. */
const VMSTAT_DOCS: Readonly<Record<string, string>> = {
  nr_free_pages: "Free pages (as MemFree, in pages).",
  nr_zone_inactive_anon: "Inactive anon LRU pages, zone view.",
  nr_zone_active_anon: "Active anon LRU pages, zone view.",
  nr_zone_inactive_file: "Inactive file LRU pages, zone view.",
  nr_zone_active_file: "Active file LRU pages, zone view.",
  nr_mlock: "mlocked pages.",
  nr_file_pages: "Page cache pages including swap cache and shmem.",
  nr_anon_pages: "Mapped anonymous pages.",
  nr_mapped: "Mapped file pages.",
  nr_shmem: "shmem pages.",
  nr_dirty: "Dirty page cache pages.",
  nr_writeback: "Pages under writeback.",
  nr_kernel_stack: "Kernel stacks, in kB (despite the nr_ prefix).",
  nr_page_table_pages: "Page-table pages.",
  nr_slab_reclaimable: "Reclaimable slab pages.",
  nr_slab_unreclaimable: "Unreclaimable slab pages.",
  pgfault: "Page faults of all kinds.",
  pgmajfault: "Faults that had to read from disk or swap.",
  pgpgin: "KiB read from block devices.",
  pgpgout: "KiB written to block devices.",
  pswpin: "Pages swapped in.",
  pswpout: "Pages swapped out.",
  pgfree: "Pages freed.",
  pgactivate: "Pages moved to an active list.",
  pgdeactivate: "Pages moved to an inactive list.",
  pgsteal_kswapd: "Pages reclaimed by kswapd.",
  pgsteal_direct: "Pages reclaimed by allocating tasks (direct reclaim stalls).",
  pgscan_kswapd: "Pages scanned by kswapd.",
  pgscan_direct: "Pages scanned in direct reclaim.",
  allocstall_normal: "Direct reclaim entries for Normal-zone allocations.",
  oom_kill: "OOM kills since boot.",
  compact_stall: "Direct compaction attempts.",
  compact_fail: "Direct compaction attempts that failed.",
  compact_success: "Direct compaction attempts that succeeded.",
  kswapd_low_wmark_hit_quickly: "kswapd found the node balanced at the low watermark soon after sleeping.",
  kswapd_high_wmark_hit_quickly: "kswapd balanced at the high watermark quickly.",
  workingset_refault_file: "File refaults: pages read back soon after eviction (thrashing).",
  workingset_refault_anon: "Anon refaults: pages swapped back in soon after eviction.",
  thp_fault_alloc: "Huge pages allocated at fault time.",
  thp_fault_fallback: "THP faults that fell back to small pages.",
  drop_pagecache: "Writes of 1 or 3 to drop_caches.",
  drop_slab: "Writes of 2 or 3 to drop_caches.",
};

/** A sentence for a /proc/vmstat counter. */
export function vmstatDoc(key: string): string {
  const named = VMSTAT_DOCS[key];
  if (named) return named;
  if (/^pgalloc_/.test(key)) return `Pages allocated from the ${key.slice(8)} zone.`;
  if (/^allocstall_/.test(key)) return `Direct reclaim entries for ${key.slice(11)}-zone allocations.`;
  if (/^pgscan_/.test(key)) return "Pages scanned by reclaim (this path or list).";
  if (/^pgsteal_/.test(key)) return "Pages reclaimed (this path or list).";
  if (/^pgrefill/.test(key)) return "Active pages scanned for deactivation.";
  if (/^thp_/.test(key)) return "Transparent huge page event counter.";
  if (/^compact_/.test(key)) return "Compaction event counter.";
  if (/^numa_/.test(key)) return "NUMA placement event counter.";
  if (/^workingset_/.test(key)) return "Refault (workingset) counter.";
  if (/^nr_/.test(key)) return "Current number of pages in this state.";
  if (/^unevictable_|^htlb_|^balloon_|^swap_ra|^direct_map|^zone_reclaim|^slabs_scanned|^kswapd_|^pageoutrun|^pginodesteal|^pglazyfree/.test(key)) return "Event counter since boot.";
  return "Counter from mm/vmstat.c vmstat_text.";
}
