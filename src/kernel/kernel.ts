/**
 * One simulated kernel's state: everything the C kernel keeps in globals (mem_map, node_data[],
 * vm_event_states, the sysctls, the log buffer) hangs off one object instead, so two machines can
 * run side by side in one process. Mechanisms take it (or a zone/pgdat that leads to it) as their
 * first argument. Built by start_kernel (kernel/start_kernel.ts); wrapped for users by sim/Machine.
 */
import type { MemMap } from "../mm/memmap.js";
import type { pglist_data, zone } from "../mm/mmzone.js";
import { pageblock_order } from "../mm/types.js";
import { NR_VM_EVENT_ITEMS } from "../mm/vmstat_items.js";
import { AnonVmaTable } from "../mm/mm_types.js";
import { Printk } from "./printk.js";
import { Prng } from "./random.js";
import { default_vm_sysctl, type vm_sysctl } from "./sysctl_vm.js";
import { TaskTable } from "./sched.js";
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
  nr_cpu_ids = 1;
  /** Highest pfn + 1 that has memory. */
  max_pfn = 0;

  /** Tasks by pid and the pid allocator; pid 1 is the model's init (kernel/sched.ts). */
  readonly tasks = new TaskTable();
  /** anon_vmas by id: an anonymous page's mapping column holds -id (mm/mm_types.ts). */
  readonly anon_vmas = new AnonVmaTable();
  /** vm_committed_as: pages charged by accountable mappings, Committed_AS (mm/util.c). */
  vm_committed_as = 0;

  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  /** The zone a pfn belongs to (page_zone), or undefined for a hole. */
  page_zone(pfn: number): zone | undefined {
    const zi = this.mem_map.pageblock_zone[pfn >>> pageblock_order];
    return zi === 255 ? undefined : this.zones[zi];
  }
}
