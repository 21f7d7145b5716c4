/**
 * One simulated kernel's state: everything the C kernel keeps in globals (mem_map, node_data[],
 * vm_event_states, the sysctls, the log buffer) hangs off one object instead, so two machines can
 * run side by side in one process. Mechanisms take it (or a zone/pgdat that leads to it) as their
 * first argument. Built by start_kernel (kernel/start_kernel.ts); wrapped for users by sim/Machine.
 */
import { default_mm_hooks, type mm_hooks, ratelimit_state } from "../mm/alloc_hooks.js";
import type { MemMap } from "../mm/memmap.js";
import type { cpu_fbatches } from "../mm/swap.js";
import type { pglist_data, zone } from "../mm/mmzone.js";
import type { Memblock } from "../mm/memblock.js";
import type { mm_init_state } from "../mm/mm_init.js";
import type { e820_table } from "../arch/x86/e820.js";
import { thp_state } from "../mm/huge_memory.js";
import { pageblock_order } from "../mm/types.js";
import { NR_VM_EVENT_ITEMS } from "../mm/vmstat_items.js";
import { AnonVmaTable } from "../mm/mm_types.js";
import { Printk } from "./printk.js";
import { Prng } from "./random.js";
import { default_vm_sysctl, type vm_sysctl } from "./sysctl_vm.js";
import { TaskTable } from "./sched.js";
import type { kthread } from "./kthread.js";
import { asDoubles } from "./shape.js";
import { TraceBus } from "./trace.js";

export class Kernel {
  /** Simulated time since boot, in nanoseconds. */
  now_ns = 0;
  /** The CPU the current code path runs on (pcp lists and per-cpu counters are per CPU). */
  cpu = 0;
  /** The task on whose behalf the current code path runs, for trace and log context. */
  currentPid = 0;
  currentComm = "swapper/0";

  readonly vm: vm_sysctl = default_vm_sysctl();
  readonly log = new Printk(() => this.now_ns);
  readonly trace = new TraceBus({
    now: () => this.now_ns,
    cpu: () => this.cpu,
    pid: () => this.currentPid,
    comm: () => this.currentComm,
  });
  readonly rng: Prng;
  /** vm_event_states summed over CPUs, by vm_event_item. */
  readonly vm_events = new Float64Array(NR_VM_EVENT_ITEMS);

  /** struct page columns; set by start_kernel once the e820 map fixes max_pfn. */
  mem_map!: MemMap;
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
  /** Depth of kthread turns on the stack (current->flags & PF_KTHREAD). */
  in_kthread = 0;
  /** The per-CPU LRU folio batches (mm/swap.ts), made on first use. */
  lru_batches: cpu_fbatches | null = null;
  /** warn_alloc's nopage_rs: one "page allocation failure" report per 10 s. */
  readonly nopage_rs = new ratelimit_state(10e9, 1);

  /** Tasks by pid and the pid allocator; pid 1 is the model's init (kernel/sched.ts). */
  readonly tasks = new TaskTable();
  /** anon_vmas by id: an anonymous page's mapping column holds -id (mm/mm_types.ts). */
  readonly anon_vmas = new AnonVmaTable();
  /** vm_committed_as: pages charged by accountable mappings, Committed_AS (mm/util.c). */
  vm_committed_as = 0;

  /** total_swap_pages / nr_swap_pages: swap capacity and free swap, in pages (kept by mm/swapfile.ts). */
  total_swap_pages = 0;
  nr_swap_pages = 0;

  // Counters /proc/meminfo reads whose mechanisms come in later issues; each stays 0 (the truth
  // for a model without that mechanism) until its owner maintains it.
  /** Pages in the block devices' page caches, Buffers (block/bdev.c nr_blockdev_pages). */
  nr_blockdev_pages = 0;
  /** Pages backing vmalloc areas, VmallocUsed (mm/vmalloc.c vmalloc_nr_pages). */
  nr_vmalloc_pages = 0;
  /** Populated pages of the per-cpu allocator, Percpu (mm/percpu.c pcpu_nr_pages). */
  pcpu_nr_pages = 0;
  /** Pages taken offline by memory-failure handling, HardwareCorrupted (mm/memory-failure.c). */
  num_poisoned_pages = 0;
  /** zswap_pool_total_size (bytes) and zswap_stored_pages (mm/zswap.c). */
  zswap_pool_total_size = 0;
  zswap_stored_pages = 0;
  /** The default (2 MiB) hstate's counters, the HugePages_* lines (mm/hugetlb.c default_hstate). */
  readonly default_hstate = { nr_huge_pages: 0, free_huge_pages: 0, resv_huge_pages: 0, surplus_huge_pages: 0 };
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
  /** memblock as boot left it (the kernel discards it after boot; kept here for inspection). */
  memblock: Memblock | null = null;
  /** Boot-time sizing statics of mm/page_alloc.c (arch zone limits, dma_reserve, deferred pfns). */
  mm_init: mm_init_state | null = null;
  /** Transparent hugepage flags and khugepaged's state (mm/huge_memory.ts). */
  readonly thp = new thp_state();

  constructor(seed: number) {
    this.rng = new Prng(seed);
    // Nanoseconds and page counts computed from byte sizes: doubles from the start (see shape.ts).
    asDoubles<Kernel>(this, "now_ns", "vm_committed_as", "total_swap_pages", "nr_swap_pages", "nr_blockdev_pages", "nr_vmalloc_pages", "pcpu_nr_pages");
  }

  /** The zone a pfn belongs to (page_zone), or undefined for a hole. */
  page_zone(pfn: number): zone | undefined {
    const zi = this.mem_map.pageblock_zone[pfn >>> pageblock_order];
    return zi === 255 ? undefined : this.zones[zi];
  }
}
