/**
 * The counter enums of 6.1 and their /proc/vmstat names, in the kernel's order.
 * Generated once from include/linux/mmzone.h, include/linux/vm_event_item.h and mm/vmstat.c
 * vmstat_text[], with the CONFIG_* choices of Debian's 6.1 build (checked line by line against
 * test/realkernel/data/w0/vmstat). The values are array indexes into the per-zone, per-node
 * and global counter columns.
 * @kernel mm/vmstat.c vmstat_text
 */

// enum zone_stat_item (include/linux/mmzone.h), with CONFIG_ZSMALLOC
export const NR_FREE_PAGES = 0;
export const NR_ZONE_INACTIVE_ANON = 1;
export const NR_ZONE_ACTIVE_ANON = 2;
export const NR_ZONE_INACTIVE_FILE = 3;
export const NR_ZONE_ACTIVE_FILE = 4;
export const NR_ZONE_UNEVICTABLE = 5;
export const NR_ZONE_WRITE_PENDING = 6;
export const NR_MLOCK = 7;
export const NR_BOUNCE = 8;
export const NR_ZSPAGES = 9;
export const NR_FREE_CMA_PAGES = 10;
export const zone_stat_text = Object.freeze([
  "nr_free_pages",
  "nr_zone_inactive_anon",
  "nr_zone_active_anon",
  "nr_zone_inactive_file",
  "nr_zone_active_file",
  "nr_zone_unevictable",
  "nr_zone_write_pending",
  "nr_mlock",
  "nr_bounce",
  "nr_zspages",
  "nr_free_cma",
] as const);

export const NR_VM_ZONE_STAT_ITEMS = 11;

// enum numa_stat_item (include/linux/mmzone.h), CONFIG_NUMA
export const NUMA_HIT = 0;
export const NUMA_MISS = 1;
export const NUMA_FOREIGN = 2;
export const NUMA_INTERLEAVE_HIT = 3;
export const NUMA_LOCAL = 4;
export const NUMA_OTHER = 5;
export const numa_stat_text = Object.freeze([
  "numa_hit",
  "numa_miss",
  "numa_foreign",
  "numa_interleave",
  "numa_local",
  "numa_other",
] as const);

export const NR_VM_NUMA_EVENT_ITEMS = 6;

// enum node_stat_item (include/linux/mmzone.h), CONFIG_SWAP and CONFIG_NUMA_BALANCING, no SHADOW_CALL_STACK
export const NR_INACTIVE_ANON = 0;
export const NR_ACTIVE_ANON = 1;
export const NR_INACTIVE_FILE = 2;
export const NR_ACTIVE_FILE = 3;
export const NR_UNEVICTABLE = 4;
export const NR_SLAB_RECLAIMABLE_B = 5;
export const NR_SLAB_UNRECLAIMABLE_B = 6;
export const NR_ISOLATED_ANON = 7;
export const NR_ISOLATED_FILE = 8;
export const WORKINGSET_NODES = 9;
export const WORKINGSET_REFAULT_ANON = 10;
export const WORKINGSET_REFAULT_FILE = 11;
export const WORKINGSET_ACTIVATE_ANON = 12;
export const WORKINGSET_ACTIVATE_FILE = 13;
export const WORKINGSET_RESTORE_ANON = 14;
export const WORKINGSET_RESTORE_FILE = 15;
export const WORKINGSET_NODERECLAIM = 16;
export const NR_ANON_MAPPED = 17;
export const NR_FILE_MAPPED = 18;
export const NR_FILE_PAGES = 19;
export const NR_FILE_DIRTY = 20;
export const NR_WRITEBACK = 21;
export const NR_WRITEBACK_TEMP = 22;
export const NR_SHMEM = 23;
export const NR_SHMEM_THPS = 24;
export const NR_SHMEM_PMDMAPPED = 25;
export const NR_FILE_THPS = 26;
export const NR_FILE_PMDMAPPED = 27;
export const NR_ANON_THPS = 28;
export const NR_VMSCAN_WRITE = 29;
export const NR_VMSCAN_IMMEDIATE = 30;
export const NR_DIRTIED = 31;
export const NR_WRITTEN = 32;
export const NR_THROTTLED_WRITTEN = 33;
export const NR_KERNEL_MISC_RECLAIMABLE = 34;
export const NR_FOLL_PIN_ACQUIRED = 35;
export const NR_FOLL_PIN_RELEASED = 36;
export const NR_KERNEL_STACK_KB = 37;
export const NR_PAGETABLE = 38;
export const NR_SECONDARY_PAGETABLE = 39;
export const NR_SWAPCACHE = 40;
export const PGPROMOTE_SUCCESS = 41;
export const PGPROMOTE_CANDIDATE = 42;
export const node_stat_text = Object.freeze([
  "nr_inactive_anon",
  "nr_active_anon",
  "nr_inactive_file",
  "nr_active_file",
  "nr_unevictable",
  "nr_slab_reclaimable",
  "nr_slab_unreclaimable",
  "nr_isolated_anon",
  "nr_isolated_file",
  "workingset_nodes",
  "workingset_refault_anon",
  "workingset_refault_file",
  "workingset_activate_anon",
  "workingset_activate_file",
  "workingset_restore_anon",
  "workingset_restore_file",
  "workingset_nodereclaim",
  "nr_anon_pages",
  "nr_mapped",
  "nr_file_pages",
  "nr_dirty",
  "nr_writeback",
  "nr_writeback_temp",
  "nr_shmem",
  "nr_shmem_hugepages",
  "nr_shmem_pmdmapped",
  "nr_file_hugepages",
  "nr_file_pmdmapped",
  "nr_anon_transparent_hugepages",
  "nr_vmscan_write",
  "nr_vmscan_immediate_reclaim",
  "nr_dirtied",
  "nr_written",
  "nr_throttled_written",
  "nr_kernel_misc_reclaimable",
  "nr_foll_pin_acquired",
  "nr_foll_pin_released",
  "nr_kernel_stack",
  "nr_page_table_pages",
  "nr_sec_page_table_pages",
  "nr_swapcached",
  "pgpromote_success",
  "pgpromote_candidate",
] as const);

export const NR_VM_NODE_STAT_ITEMS = 43;

// enum vm_event_item (include/linux/vm_event_item.h) as Debian 6.1's config builds it
export const PGPGIN = 0;
export const PGPGOUT = 1;
export const PSWPIN = 2;
export const PSWPOUT = 3;
export const PGALLOC_DMA = 4;
export const PGALLOC_DMA32 = 5;
export const PGALLOC_NORMAL = 6;
export const PGALLOC_MOVABLE = 7;
export const PGALLOC_DEVICE = 8;
export const ALLOCSTALL_DMA = 9;
export const ALLOCSTALL_DMA32 = 10;
export const ALLOCSTALL_NORMAL = 11;
export const ALLOCSTALL_MOVABLE = 12;
export const ALLOCSTALL_DEVICE = 13;
export const PGSCAN_SKIP_DMA = 14;
export const PGSCAN_SKIP_DMA32 = 15;
export const PGSCAN_SKIP_NORMAL = 16;
export const PGSCAN_SKIP_MOVABLE = 17;
export const PGSCAN_SKIP_DEVICE = 18;
export const PGFREE = 19;
export const PGACTIVATE = 20;
export const PGDEACTIVATE = 21;
export const PGLAZYFREE = 22;
export const PGFAULT = 23;
export const PGMAJFAULT = 24;
export const PGLAZYFREED = 25;
export const PGREFILL = 26;
export const PGREUSE = 27;
export const PGSTEAL_KSWAPD = 28;
export const PGSTEAL_DIRECT = 29;
export const PGDEMOTE_KSWAPD = 30;
export const PGDEMOTE_DIRECT = 31;
export const PGSCAN_KSWAPD = 32;
export const PGSCAN_DIRECT = 33;
export const PGSCAN_DIRECT_THROTTLE = 34;
export const PGSCAN_ANON = 35;
export const PGSCAN_FILE = 36;
export const PGSTEAL_ANON = 37;
export const PGSTEAL_FILE = 38;
export const PGSCAN_ZONE_RECLAIM_FAILED = 39;
export const PGINODESTEAL = 40;
export const SLABS_SCANNED = 41;
export const KSWAPD_INODESTEAL = 42;
export const KSWAPD_LOW_WMARK_HIT_QUICKLY = 43;
export const KSWAPD_HIGH_WMARK_HIT_QUICKLY = 44;
export const PAGEOUTRUN = 45;
export const PGROTATED = 46;
export const DROP_PAGECACHE = 47;
export const DROP_SLAB = 48;
export const OOM_KILL = 49;
export const NUMA_PTE_UPDATES = 50;
export const NUMA_HUGE_PTE_UPDATES = 51;
export const NUMA_HINT_FAULTS = 52;
export const NUMA_HINT_FAULTS_LOCAL = 53;
export const NUMA_PAGE_MIGRATE = 54;
export const PGMIGRATE_SUCCESS = 55;
export const PGMIGRATE_FAIL = 56;
export const THP_MIGRATION_SUCCESS = 57;
export const THP_MIGRATION_FAIL = 58;
export const THP_MIGRATION_SPLIT = 59;
export const COMPACTMIGRATE_SCANNED = 60;
export const COMPACTFREE_SCANNED = 61;
export const COMPACTISOLATED = 62;
export const COMPACTSTALL = 63;
export const COMPACTFAIL = 64;
export const COMPACTSUCCESS = 65;
export const KCOMPACTD_WAKE = 66;
export const KCOMPACTD_MIGRATE_SCANNED = 67;
export const KCOMPACTD_FREE_SCANNED = 68;
export const HTLB_BUDDY_PGALLOC = 69;
export const HTLB_BUDDY_PGALLOC_FAIL = 70;
export const UNEVICTABLE_PGCULLED = 71;
export const UNEVICTABLE_PGSCANNED = 72;
export const UNEVICTABLE_PGRESCUED = 73;
export const UNEVICTABLE_PGMLOCKED = 74;
export const UNEVICTABLE_PGMUNLOCKED = 75;
export const UNEVICTABLE_PGCLEARED = 76;
export const UNEVICTABLE_PGSTRANDED = 77;
export const THP_FAULT_ALLOC = 78;
export const THP_FAULT_FALLBACK = 79;
export const THP_FAULT_FALLBACK_CHARGE = 80;
export const THP_COLLAPSE_ALLOC = 81;
export const THP_COLLAPSE_ALLOC_FAILED = 82;
export const THP_FILE_ALLOC = 83;
export const THP_FILE_FALLBACK = 84;
export const THP_FILE_FALLBACK_CHARGE = 85;
export const THP_FILE_MAPPED = 86;
export const THP_SPLIT_PAGE = 87;
export const THP_SPLIT_PAGE_FAILED = 88;
export const THP_DEFERRED_SPLIT_PAGE = 89;
export const THP_SPLIT_PMD = 90;
export const THP_SCAN_EXCEED_NONE_PTE = 91;
export const THP_SCAN_EXCEED_SWAP_PTE = 92;
export const THP_SCAN_EXCEED_SHARED_PTE = 93;
export const THP_SPLIT_PUD = 94;
export const THP_ZERO_PAGE_ALLOC = 95;
export const THP_ZERO_PAGE_ALLOC_FAILED = 96;
export const THP_SWPOUT = 97;
export const THP_SWPOUT_FALLBACK = 98;
export const BALLOON_INFLATE = 99;
export const BALLOON_DEFLATE = 100;
export const BALLOON_MIGRATE = 101;
export const SWAP_RA = 102;
export const SWAP_RA_HIT = 103;
export const KSM_SWPIN_COPY = 104;
export const COW_KSM = 105;
export const ZSWPIN = 106;
export const ZSWPOUT = 107;
export const DIRECT_MAP_LEVEL2_SPLIT = 108;
export const DIRECT_MAP_LEVEL3_SPLIT = 109;
export const vm_event_text = Object.freeze([
  "pgpgin",
  "pgpgout",
  "pswpin",
  "pswpout",
  "pgalloc_dma",
  "pgalloc_dma32",
  "pgalloc_normal",
  "pgalloc_movable",
  "pgalloc_device",
  "allocstall_dma",
  "allocstall_dma32",
  "allocstall_normal",
  "allocstall_movable",
  "allocstall_device",
  "pgskip_dma",
  "pgskip_dma32",
  "pgskip_normal",
  "pgskip_movable",
  "pgskip_device",
  "pgfree",
  "pgactivate",
  "pgdeactivate",
  "pglazyfree",
  "pgfault",
  "pgmajfault",
  "pglazyfreed",
  "pgrefill",
  "pgreuse",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "pgdemote_kswapd",
  "pgdemote_direct",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgscan_direct_throttle",
  "pgscan_anon",
  "pgscan_file",
  "pgsteal_anon",
  "pgsteal_file",
  "zone_reclaim_failed",
  "pginodesteal",
  "slabs_scanned",
  "kswapd_inodesteal",
  "kswapd_low_wmark_hit_quickly",
  "kswapd_high_wmark_hit_quickly",
  "pageoutrun",
  "pgrotated",
  "drop_pagecache",
  "drop_slab",
  "oom_kill",
  "numa_pte_updates",
  "numa_huge_pte_updates",
  "numa_hint_faults",
  "numa_hint_faults_local",
  "numa_pages_migrated",
  "pgmigrate_success",
  "pgmigrate_fail",
  "thp_migration_success",
  "thp_migration_fail",
  "thp_migration_split",
  "compact_migrate_scanned",
  "compact_free_scanned",
  "compact_isolated",
  "compact_stall",
  "compact_fail",
  "compact_success",
  "compact_daemon_wake",
  "compact_daemon_migrate_scanned",
  "compact_daemon_free_scanned",
  "htlb_buddy_alloc_success",
  "htlb_buddy_alloc_fail",
  "unevictable_pgs_culled",
  "unevictable_pgs_scanned",
  "unevictable_pgs_rescued",
  "unevictable_pgs_mlocked",
  "unevictable_pgs_munlocked",
  "unevictable_pgs_cleared",
  "unevictable_pgs_stranded",
  "thp_fault_alloc",
  "thp_fault_fallback",
  "thp_fault_fallback_charge",
  "thp_collapse_alloc",
  "thp_collapse_alloc_failed",
  "thp_file_alloc",
  "thp_file_fallback",
  "thp_file_fallback_charge",
  "thp_file_mapped",
  "thp_split_page",
  "thp_split_page_failed",
  "thp_deferred_split_page",
  "thp_split_pmd",
  "thp_scan_exceed_none_pte",
  "thp_scan_exceed_swap_pte",
  "thp_scan_exceed_share_pte",
  "thp_split_pud",
  "thp_zero_page_alloc",
  "thp_zero_page_alloc_failed",
  "thp_swpout",
  "thp_swpout_fallback",
  "balloon_inflate",
  "balloon_deflate",
  "balloon_migrate",
  "swap_ra",
  "swap_ra_hit",
  "ksm_swpin_copy",
  "cow_ksm",
  "zswpin",
  "zswpout",
  "direct_map_level2_splits",
  "direct_map_level3_splits",
] as const);

export const NR_VM_EVENT_ITEMS = 110;
