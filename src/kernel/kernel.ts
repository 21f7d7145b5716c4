/**
 * One simulated kernel's state: everything the C kernel keeps in globals (mem_map, node_data[],
 * vm_event_states, the sysctls, the log buffer) hangs off one object instead, so two machines can
 * run side by side in one process. Mechanisms take it (or a zone/pgdat that leads to it) as their
 * first argument. Built by start_kernel (kernel/start_kernel.ts); wrapped for users by sim/Machine.
 */
import { shm_namespace } from "../ipc/shm.js";
import { type alloc_context, default_mm_hooks, type mm_hooks } from "../mm/alloc_hooks.js";
import { DEFAULT_RATELIMIT_BURST, DEFAULT_RATELIMIT_INTERVAL_NS, ratelimit_state } from "../lib/ratelimit.js";
import type { MemMap } from "../mm/memmap.js";
import type { cpu_fbatches } from "../mm/swap.js";
import type { pglist_data, zone } from "../mm/mmzone.js";
import type { Memblock } from "../mm/memblock.js";
import type { mm_init_state } from "../mm/mm_init.js";
import type { e820_table } from "../arch/x86/e820.js";
import type { dev_pagemap } from "../mm/memremap.js";
import type { dev_dax } from "../drivers/dax/device.js";
import type { PgtablePool } from "../arch/x86/pgtable.js";
import { thp_state } from "../mm/huge_memory.js";
import { shrinker_state } from "../mm/shrinker.js";
import { workingset_state } from "../mm/workingset.js";
import { khugepaged_state } from "../mm/khugepaged.js";
import { hugetlb_state, type hstate } from "../mm/hugetlb.js";
import { pageblock_order } from "../mm/types.js";
import { NR_VM_EVENT_ITEMS } from "../mm/vmstat_items.js";
import { AnonVmaTable, type vm_area_struct } from "../mm/mm_types.js";
import { type address_space, vfs_state } from "../fs/fs.js";
import { block_globals } from "../block/blk.js";
import { writeback_globals } from "../mm/page-writeback.js";
import { swap_globals } from "../mm/swapfile.js";
import { oom_state } from "../mm/oom_kill.js";
import { pcpu_globals } from "../mm/percpu.js";
import { slab_globals } from "../mm/slab.js";
import { vmalloc_state } from "../mm/vmalloc.js";
import { lru_gen_globals } from "../mm/lru_gen.js";
import type { AccessLog } from "./access_log.js";
import { ProcTree } from "../fs/proc/root.js";
import { Printk } from "./printk.js";
import type { VmSysctlEffect, VmSysctlEffectFn } from "./sysctl.js";
import type { psi_state } from "./psi.js";
import { Prng } from "./random.js";
import { default_vm_sysctl, type vm_sysctl } from "./sysctl_vm.js";
import { TaskTable, type task_struct } from "./sched.js";
import type { kthread } from "./kthread.js";
import { asDoubles } from "./shape.js";
import { TraceBus } from "./trace.js";
import { cgroup_root } from "./cgroup/cgroup.js";
import { memcg_state } from "../mm/memcontrol.js";
import { tlb_state } from "../arch/x86/tlb.js";

export class Kernel {
  /** Simulated time since boot, in nanoseconds. */
  now_ns = 0;
  /** The CPU the current code path runs on (pcp lists and per-cpu counters are per CPU). */
  cpu = 0;
  /** The task on whose behalf the current code path runs, for trace and log context. */
  currentPid = 0;
  currentComm = "swapper/0";

  readonly vm: vm_sysctl = default_vm_sysctl();
  /** The mechanisms sysctl writes run, registered at boot by their owners (kernel/sysctl.ts). */
  readonly sysctl_effects = new Map<VmSysctlEffect, VmSysctlEffectFn>();
  /**
   * kernel.randomize_va_space (mm/memory.c): 0 none, 1 stack/mmap/vdso, 2 also brk. 6.1's
   * default is 2, but the model boots as the realkernel guest does, with `norandmaps` on the
   * command line (disable_randmaps sets 0), so every layout is the fixed one unless a scenario
   * writes the sysctl.
   */
  randomize_va_space = 0;
  /** drop_caches_sysctl_handler's static stfu: bit 4 was written, the log line is silenced. */
  drop_caches_stfu = false;
  /**
   * The files of /proc and /sys (fs/proc/root.ts), created at boot by proc_root_init
   * (fs/proc/init.ts) as the kernel's initcalls create theirs.
   */
  readonly proc = new ProcTree();
  readonly log = new Printk(this);
  readonly trace = new TraceBus(this);
  readonly rng: Prng;
  /** vm_event_states summed over CPUs, by vm_event_item. */
  readonly vm_events = new Float64Array(NR_VM_EVENT_ITEMS);

  /** struct page columns; set by start_kernel once the e820 map fixes max_pfn. */
  mem_map!: MemMap;
  /**
   * The page tables of every mm: 512-entry tables in typed-array columns, whose backing pages
   * the buddy allocator hands out (arch/x86/pgtable.ts). Made beside mem_map, since a pool slot
   * is found from its page's pfn.
   */
  pgtables!: PgtablePool;
  /** node_data[nid]. */
  node_data: pglist_data[] = [];
  /** Every zone of every node, node-major: index nid * MAX_NR_ZONES + zone_idx. */
  zones: zone[] = [];
  /**
   * first_zones_zonelist without a nodemask, worked out once per zonelist build: at
   * [nid * MAX_NR_ZONES + highest_zoneidx], the index in `zones` of the first zone of node nid's
   * zonelist at or below highest_zoneidx; -1 for none. Empty until cachePreferredZones fills it,
   * which sends every allocation down the general path. See mm_init.ts cachePreferredZones.
   */
  preferredZoneOf: Int32Array = new Int32Array(0);
  nr_cpu_ids = 1;
  /** Highest pfn + 1 that has memory. */
  max_pfn = 0;
  /**
   * zero_pfn: the shared zero page read faults on anonymous memory map (mm/memory.c). The
   * kernel's is in its image; the model takes a page from the buddy on the first such fault
   * (mm/memory.ts my_zero_pfn), so it is -1 (NO_PFN) until then.
   */
  zero_pfn = -1;
  /**
   * Test switch: false sends every allocation and free down page_alloc's general path, so the
   * equivalence tests can run a machine without the order-0 fast paths beside one with them.
   */
  fastPaths = true;
  /**
   * Test switch, set by start_kernel from BootParams: false links boot's MAX_ORDER blocks onto the
   * free lists eagerly, the kernel's own picture, which deferred linking must reproduce exactly.
   */
  deferredLinking = true;
  /** Where the page allocator's slow path calls reclaim, compaction and the OOM killer (mm/alloc_hooks.ts). */
  mmHooks: mm_hooks = default_mm_hooks();
  /** Kernel threads (kswapd, swap I/O completion, oom_reaper), in the order they run when due. */
  readonly kthreads: kthread[] = [];
  /** TIF_NEED_RESCHED: a kthread was woken and wants the CPU at the next scheduling point. */
  need_resched = false;
  /** Reclaim in progress on the current context (PF_MEMALLOC for its own allocations). */
  reclaim_depth = 0;
  /**
   * The current fault is reading a page back from swap (do_swap_page's swapin_readahead): the
   * one part of the call path an OOM report's gfp_mask cannot tell from a copy-on-write.
   */
  inSwapin = false;
  /**
   * current->in_lru_fault: the current task is in a page fault the multi-gen LRU applies to
   * (mm/memory.ts lru_gen_enter_fault / exit).
   */
  in_lru_fault = false;
  /** The multi-gen LRU's statics: its static keys, min_ttl, the mm list (mm/lru_gen.ts). */
  readonly lru_gen = new lru_gen_globals();
  /** Not kernel state: the MMU's record of page accesses while a Machine records them (access_log.ts), else null. */
  access_log: AccessLog | null = null;
  /** Depth of kthread turns on the stack (current->flags & PF_KTHREAD). */
  in_kthread = 0;
  /**
   * The task a kthread turn interrupted (rq->curr beneath it; 0: none): the model runs kernel
   * threads at scheduling points inside a task's own work, so that task's fault or syscall is
   * still on the stack below the kthread and must not be torn down by it.
   */
  kthread_interrupted_pid = 0;
  /** The per-CPU LRU folio batches (mm/swap.ts), made on first use. */
  lru_batches: cpu_fbatches | null = null;
  /**
   * __alloc_pages' alloc_context, one per nesting depth (an allocation's reclaim or OOM kill can
   * allocate in turn): the kernel's lives on the stack; reused here so the allocator's general
   * path allocates nothing (mm/page_alloc.ts).
   */
  readonly acPool: alloc_context[] = [];
  acDepth = 0;
  /** The fallback path's out-parameters: find_suitable_fallback's *can_steal, move_freepages_block's *num_movable. */
  readonly can_steal_out = new Uint8Array(1);
  readonly num_movable_out = new Int32Array(1);
  /** warn_alloc's nopage_rs: one "page allocation failure" report per 10 s. */
  readonly nopage_rs = new ratelimit_state(10e9, 1);
  /** __vm_enough_memory's pr_warn_ratelimited state: 10 messages per 5 s (mm/util.c). */
  readonly vm_enough_memory_rs = new ratelimit_state(DEFAULT_RATELIMIT_INTERVAL_NS, DEFAULT_RATELIMIT_BURST);

  /** Tasks by pid and the pid allocator; pid 1 is the model's init (kernel/sched.ts). */
  readonly tasks = new TaskTable();
  /** anon_vmas by id: an anonymous page's mapping column holds -id (mm/mm_types.ts). */
  readonly anon_vmas = new AnonVmaTable();
  /**
   * Freed vm_area_structs whose JS objects vm_area_alloc hands out again (mm/mm_types.ts), as
   * vm_area_cachep hands out a freed object's memory: not state (a snapshot leaves it out).
   */
  vm_area_pool: vm_area_struct[] = [];
  /**
   * mm/workingset.c's bucket_order: shadow entries count evictions in buckets of
   * 2^bucket_order, 0 unless RAM exceeds 2^36 pages (set by workingset_init).
   */
  workingset_bucket_order = 0;
  /** mm/workingset.c's shadow_nodes and shadow shrinker; the xa_node_owner of every page cache and swap cache xarray. */
  readonly workingset: workingset_state = new workingset_state(this);
  /**
   * The VFS: live address_spaces by id (a file page's mapping column holds its id, and rmap finds
   * the file's mappings through it), the super_blocks, the mount table, the rootfs, the internal
   * shm mount, get_next_ino's counter (fs/fs.ts vfs_state).
   */
  readonly vfs = new vfs_state();
  /** System V shared memory's namespace: its limits and segments (ipc/shm.ts). */
  readonly ipc_shm = new shm_namespace();
  /** The block layer: the disks and their in-flight requests (block/blk.ts). */
  readonly blk = new block_globals();
  /** Writeback's statics: the global wb_domain's dirty_limit, ratelimit_pages (mm/page-writeback.ts). */
  readonly wbg = new writeback_globals();
  /** The vdso's text page and its mapping, made at the first exec (arch/x86/entry/vdso/vma.c vdso_image_64). */
  vdso_pfn = -1;
  vdso_mapping: address_space | null = null;
  /** vm_committed_as: pages charged by accountable mappings, Committed_AS (mm/util.c). */
  vm_committed_as = 0;

  /** Pressure stall information: psi_system and its bookkeeping (kernel/psi.ts; psi_init at boot). */
  psi: psi_state | null = null;
  /** The OOM killer's statics: victims in flight, the reaper's queue, oom_rs, a panic (mm/oom_kill.ts). */
  readonly oom = new oom_state();
  /** The slab allocator's statics: slab_caches, kmalloc_caches, the model's cache pointers (mm/slab.ts). */
  readonly slab: slab_globals;
  /**
   * fork.c's per-CPU cached_stacks: NR_CACHED_STACKS kernel stack addresses per CPU (index
   * cpu * 2 + i), 0 for an empty slot (kernel/fork.ts).
   */
  readonly cached_stacks: number[] = [];
  /** The idle tasks of CPUs 1.. (fork_idle): no pid, only their kernel objects (kernel/footprint.ts). */
  readonly idle_tasks: task_struct[] = [];
  /** The per-CPU allocator's chunks (mm/percpu.ts). */
  readonly percpu = new pcpu_globals();
  /** The vmalloc space: busy, lazily freed and free areas (mm/vmalloc.ts). */
  readonly vmalloc = new vmalloc_state();
  /** The TLB's per-CPU state, the flush ceiling and reclaim's flush batch (arch/x86/tlb.ts). */
  readonly tlb = new tlb_state();
  /** The statics of swapfile.c and swap_state.c: swap_info[], the priority lists, readahead's (mm/swapfile.ts). */
  readonly swap = new swap_globals();
  /** total_swap_pages / nr_swap_pages: swap capacity and free swap, in pages (kept by mm/swapfile.ts). */
  total_swap_pages = 0;
  nr_swap_pages = 0;

  // Counters /proc/meminfo reads whose mechanisms come in later issues; each stays 0 (the truth
  // for a model without that mechanism) until its owner maintains it.
  /** Pages backing vmalloc areas, VmallocUsed (mm/vmalloc.c vmalloc_nr_pages; kept by mm/vmalloc.ts). */
  nr_vmalloc_pages = 0;
  /** Populated pages of the per-cpu allocator times its units, Percpu (mm/percpu.c pcpu_nr_pages; kept by mm/percpu.ts). */
  pcpu_nr_pages = 0;
  /** Pages taken offline by memory-failure handling, HardwareCorrupted (mm/memory-failure.c). */
  num_poisoned_pages = 0;
  /** zswap_pool_total_size (bytes) and zswap_stored_pages (mm/zswap.c). */
  zswap_pool_total_size = 0;
  zswap_stored_pages = 0;
  /** The hugetlb pools, one hstate per size (mm/hugetlb.ts); hugetlb_init sizes them at boot. */
  readonly hugetlb = new hugetlb_state();
  /** min_free_kbytes as the user last wrote it, -1 before any write (mm/page_alloc.c user_min_free_kbytes). */
  user_min_free_kbytes = -1;
  /**
   * node_distance(a, b) as the firmware's SLIT gives it, numa_distance[a][b]; empty means the
   * kernel's defaults, LOCAL_DISTANCE 10 and REMOTE_DISTANCE 20 (include/linux/topology.h).
   */
  numa_distance: number[][] = [];
  /** cpu_to_node(cpu); empty means every CPU is on node 0. */
  cpu_to_node: number[] = [];

  // Boot state (kernel/start_kernel.ts).
  /** The firmware memory map after setup_arch's edits (arch/x86/kernel/e820.c e820_table). */
  e820: e820_table | null = null;
  /** mm/memremap.c's pgmap_array: every ZONE_DEVICE range (mm/memremap.ts), in the order added. */
  readonly dev_pagemaps: dev_pagemap[] = [];
  /** The device-dax instances (drivers/dax/device.ts), /dev/daxN.0 in order. */
  readonly dev_daxes: dev_dax[] = [];
  /** memblock as boot left it (the kernel discards it after boot; kept here for inspection). */
  memblock: Memblock | null = null;
  /** Boot-time sizing statics of mm/page_alloc.c (arch zone limits, dma_reserve, deferred pfns). */
  mm_init: mm_init_state | null = null;
  /** Transparent hugepage flags and the huge zero page (mm/huge_memory.ts). */
  readonly thp = new thp_state();
  /** The registered shrinkers (mm/vmscan.c shrinker_list): shrinker.ts. */
  readonly shrinkers = new shrinker_state();
  /** khugepaged's tunables, counters and scan cursor (mm/khugepaged.ts). */
  readonly khugepaged = new khugepaged_state();
  /**
   * The last content token handed out (MemMap.content_rel): a page filled from nothing gets the
   * next. From 2^31, above every pfn, so no token is stored as 0 (see content_rel).
   */
  content_seq = 2 ** 31;

  /** The cgroup v2 hierarchy (kernel/cgroup/cgroup.ts cgrp_dfl_root). */
  readonly cgroup = new cgroup_root();
  /** The memory controller's statics: root_mem_cgroup, the memcgs by id, the charge stocks, rstat (mm/memcontrol.ts). */
  readonly memcg: memcg_state;

  constructor(seed: number) {
    this.rng = new Prng(seed);
    this.slab = new slab_globals(seed);
    this.anon_vmas.k = this;
    this.memcg = new memcg_state(this.cgroup.cgrp);
    // Nanoseconds and page counts computed from byte sizes: doubles from the start (see shape.ts).
    asDoubles<Kernel>(this, "now_ns", "vm_committed_as", "total_swap_pages", "nr_swap_pages", "nr_vmalloc_pages", "pcpu_nr_pages");
  }

  /** The default (2 MiB) hstate, the HugePages_* lines (mm/hugetlb.c default_hstate). */
  get default_hstate(): hstate {
    return this.hugetlb.hstates[this.hugetlb.default_hstate_idx];
  }

  /** The zone a pfn belongs to (page_zone), or undefined for a hole. */
  page_zone(pfn: number): zone | undefined {
    const zi = this.mem_map.pageblock_zone[pfn >>> pageblock_order];
    return zi === 255 ? undefined : this.zones[zi];
  }
}
