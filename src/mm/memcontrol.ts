/**
 * The memory controller of cgroup v2: a mem_cgroup per cgroup that enables it, charging every
 * user page (and __GFP_ACCOUNT kernel page) to the memcg of the task it is allocated for, with
 * hierarchical page counters (memory, swap), the per-CPU charge stock, limits (memory.max with
 * reclaim then the memcg OOM killer), rstat-style statistics, memory.events, and the files of
 * /sys/fs/cgroup/<group>/memory.*.
 *
 * The memmap's `memcg` column is page->memcg_data: 0 for the root memcg (or uncharged), else
 * the memcg's id, with MEMCG_DATA_KMEM for a kernel page charged through an objcg. Every page of
 * a charged folio carries its folio's id, so a counter update on any subpage finds its memcg.
 * The root memcg is never charged (try_charge skips it) and keeps no statistics of its own:
 * its lruvecs are the nodes' (pgdat.__lruvec), and its memory.stat is derived from the global
 * counters. So a machine with no groups runs exactly the code it ran before memcgs existed.
 *
 * Statistics: a counter update goes to the memcg's pending deltas (the kernel's per-CPU
 * vmstats_percpu) and counts toward stats_flush_threshold as memcg_rstat_updated counts; a
 * reader flushes when the threshold passes num_online_cpus (mem_cgroup_flush_stats), and the
 * periodic flush (flush_memcg_stats_dwork, every FLUSH_TIME = 2 s after the root came online)
 * flushes everything. So memory.stat may lag by up to MEMCG_CHARGE_BATCH × CPUs updates, or 2 s,
 * exactly as 6.1's does. A run of first-touch faults (memory.ts anon_write_run) hands its
 * PGFAULT, PGPGIN and NR_ANON_MAPPED updates over in one step (memcg_account_fault_run) before
 * anything could flush or add updates, which leaves the same pending deltas and flush state.
 *
 * Simplified: memcg ids up to 32767 (the kernel's MEM_CGROUP_ID_MAX is 65535; the column's top
 * bit is MEMCG_DATA_KMEM); objcg byte-granular charging is not modelled (kernel pages are charged
 * whole, as __memcg_kmem_charge_page charges them); the periodic flush runs at the first read
 * after its tick and flushes what is pending at that read; no v1 files, no soft limits, no
 * thresholds or eventfd notifications, no socket or percpu accounting, no charge moving; the
 * charge is taken back in the page allocator's free path (free_pages_prepare) for every page,
 * where the kernel uncharges user folios a step earlier, in __folio_put (same counters, same
 * order relative to every other counter).
 * @kernel mm/memcontrol.c mem_cgroup_charge, __mem_cgroup_charge, charge_memcg, try_charge,
 *   try_charge_memcg, consume_stock, refill_stock, drain_stock, drain_all_stock, commit_charge,
 *   mem_cgroup_charge_statistics, memcg_rstat_updated, mem_cgroup_flush_stats,
 *   __mem_cgroup_flush_stats, flush_memcg_stats_dwork, mem_cgroup_css_rstat_flush,
 *   memcg_memory_event, mem_cgroup_margin, get_mem_cgroup_from_mm, mem_cgroup_css_alloc,
 *   mem_cgroup_css_online, mem_cgroup_css_offline, memory_stat_format, memory_current_read,
 *   memory_peak_read, memory_min_write, memory_low_write, memory_high_write, memory_max_write,
 *   memory_events_show, memory_events_local_show, memory_oom_group_write, memory_reclaim,
 *   memory_numa_stat_show,
 *   swap_current_read, swap_high_write, swap_max_write, swap_events_show,
 *   __memcg_kmem_charge_page, __memcg_kmem_uncharge_page, uncharge_folio, uncharge_batch
 * @kernel include/linux/memcontrol.h MEMCG_CHARGE_BATCH, enum memcg_stat_item, enum memcg_memory_event
 */
import { pow2 } from "../lib/bitops.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { cgroup_path, cgroup_zombie_released, nearest_memcg, task_dfl_cgroup, type cgroup } from "../kernel/cgroup/cgroup.js";
import { kstrtoint } from "../lib/kstrtox.js";
import { __GFP_HIGH, __GFP_NOFAIL, __GFP_NORETRY, __GFP_RETRY_MAYFAIL } from "../include/linux/gfp_types.js";
import { gfpflags_allow_blocking } from "./gfp.js";
import { lru_add_drain_all } from "./swap.js";
import { HZ } from "../kernel/sysctl.js";
import { schedule_timeout } from "../kernel/kthread.js";
import { psi_enqueue, psi_memstall_enter, psi_memstall_leave, psi_task_switch, TSK_ONCPU } from "../kernel/psi.js";
import { try_to_free_mem_cgroup_pages } from "./vmscan.js";
import { fatal_signal_pending, get_current, PF_EXITING } from "../kernel/sched.js";
import { out_of_memory, tsk_is_oom_victim } from "./oom_kill.js";
import { swp_offset, swp_type } from "./swapops.js";
import { F, PG_head } from "./memmap.js";
import { lru_gen_mm_link, type mm_struct } from "./mm_types.js";
import { lruvec, NR_LRU_LISTS, type pglist_data } from "./mmzone.js";
import { lru_gen_enabled, lru_gen_lists_empty } from "./lru_gen.js";
import {
  PAGE_COUNTER_MAX,
  page_counter,
  page_counter_charge,
  page_counter_memparse,
  page_counter_read,
  page_counter_set_low,
  page_counter_set_min,
  page_counter_try_charge,
  page_counter_uncharge,
} from "./page_counter.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_ANON_MAPPED,
  NR_ANON_THPS,
  NR_FILE_DIRTY,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FILE_THPS,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_KERNEL_STACK_KB,
  NR_PAGETABLE,
  NR_SECONDARY_PAGETABLE,
  NR_SHMEM,
  NR_SHMEM_THPS,
  NR_SLAB_RECLAIMABLE_B,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_SWAPCACHE,
  NR_UNEVICTABLE,
  NR_VM_EVENT_ITEMS,
  NR_VM_NODE_STAT_ITEMS,
  NR_WRITEBACK,
  PGACTIVATE,
  PGDEACTIVATE,
  PGFAULT,
  PGLAZYFREE,
  PGLAZYFREED,
  PGMAJFAULT,
  PGPGIN,
  PGPGOUT,
  PGREFILL,
  PGSCAN_DIRECT,
  PGSCAN_KSWAPD,
  PGSTEAL_DIRECT,
  PGSTEAL_KSWAPD,
  THP_COLLAPSE_ALLOC,
  THP_FAULT_ALLOC,
  WORKINGSET_ACTIVATE_ANON,
  WORKINGSET_ACTIVATE_FILE,
  WORKINGSET_NODERECLAIM,
  WORKINGSET_REFAULT_ANON,
  WORKINGSET_REFAULT_FILE,
  WORKINGSET_RESTORE_ANON,
  WORKINGSET_RESTORE_FILE,
  ZSWPIN,
  ZSWPOUT,
  vm_event_text,
} from "./vmstat_items.js";

/** Pages charged at once and kept in the per-CPU stock. @kernel include/linux/memcontrol.h MEMCG_CHARGE_BATCH */
export const MEMCG_CHARGE_BATCH = 64;
/** Charge attempts before the OOM killer (mm/internal.h MAX_RECLAIM_RETRIES). */
export const MAX_RECLAIM_RETRIES = 16;
/** Ids the memcg column holds (Simplified: 15 bits, see the header). */
export const MEM_CGROUP_ID_MAX = 0x7fff;
/** The memcg column's mark of a kernel page charged through an objcg (page->memcg_data's MEMCG_DATA_KMEM). */
export const MEMCG_DATA_KMEM = 0x8000;
/** The periodic stats flush interval, 2 * HZ (mm/memcontrol.c FLUSH_TIME), in ns. */
export const FLUSH_TIME_NS = 2e9;
/** PAGE_ALLOC_COSTLY_ORDER: charges above 2^3 pages do not retry after a partial reclaim. */
const PAGE_ALLOC_COSTLY_ORDER = 3;

// enum memcg_stat_item: after the node stat items.
export const MEMCG_SWAP = NR_VM_NODE_STAT_ITEMS;
export const MEMCG_SOCK = NR_VM_NODE_STAT_ITEMS + 1;
export const MEMCG_PERCPU_B = NR_VM_NODE_STAT_ITEMS + 2;
export const MEMCG_VMALLOC = NR_VM_NODE_STAT_ITEMS + 3;
export const MEMCG_KMEM = NR_VM_NODE_STAT_ITEMS + 4;
export const MEMCG_ZSWAP_B = NR_VM_NODE_STAT_ITEMS + 5;
export const MEMCG_ZSWAPPED = NR_VM_NODE_STAT_ITEMS + 6;
export const MEMCG_NR_STAT = NR_VM_NODE_STAT_ITEMS + 7;

// enum memcg_memory_event
export const MEMCG_LOW = 0;
export const MEMCG_HIGH = 1;
export const MEMCG_MAX = 2;
export const MEMCG_OOM = 3;
export const MEMCG_OOM_KILL = 4;
export const MEMCG_OOM_GROUP_KILL = 5;
export const MEMCG_SWAP_HIGH = 6;
export const MEMCG_SWAP_MAX = 7;
export const MEMCG_SWAP_FAIL = 8;
export const MEMCG_NR_MEMORY_EVENTS = 9;

/** try_to_free_mem_cgroup_pages' reclaim_options. */
export const MEMCG_RECLAIM_MAY_SWAP = 1 << 1;
export const MEMCG_RECLAIM_PROACTIVE = 1 << 2;

/** memory.stat's first block, in 6.1's order (memory_stats[]), with zswap and THP built in as Debian builds them. */
const memory_stats: readonly (readonly [string, number])[] = Object.freeze([
  Object.freeze(["anon", NR_ANON_MAPPED] as const),
  Object.freeze(["file", NR_FILE_PAGES] as const),
  Object.freeze(["kernel", MEMCG_KMEM] as const),
  Object.freeze(["kernel_stack", NR_KERNEL_STACK_KB] as const),
  Object.freeze(["pagetables", NR_PAGETABLE] as const),
  Object.freeze(["sec_pagetables", NR_SECONDARY_PAGETABLE] as const),
  Object.freeze(["percpu", MEMCG_PERCPU_B] as const),
  Object.freeze(["sock", MEMCG_SOCK] as const),
  Object.freeze(["vmalloc", MEMCG_VMALLOC] as const),
  Object.freeze(["shmem", NR_SHMEM] as const),
  Object.freeze(["zswap", MEMCG_ZSWAP_B] as const),
  Object.freeze(["zswapped", MEMCG_ZSWAPPED] as const),
  Object.freeze(["file_mapped", NR_FILE_MAPPED] as const),
  Object.freeze(["file_dirty", NR_FILE_DIRTY] as const),
  Object.freeze(["file_writeback", NR_WRITEBACK] as const),
  Object.freeze(["swapcached", NR_SWAPCACHE] as const),
  Object.freeze(["anon_thp", NR_ANON_THPS] as const),
  Object.freeze(["file_thp", NR_FILE_THPS] as const),
  Object.freeze(["shmem_thp", NR_SHMEM_THPS] as const),
  Object.freeze(["inactive_anon", NR_INACTIVE_ANON] as const),
  Object.freeze(["active_anon", NR_ACTIVE_ANON] as const),
  Object.freeze(["inactive_file", NR_INACTIVE_FILE] as const),
  Object.freeze(["active_file", NR_ACTIVE_FILE] as const),
  Object.freeze(["unevictable", NR_UNEVICTABLE] as const),
  Object.freeze(["slab_reclaimable", NR_SLAB_RECLAIMABLE_B] as const),
  Object.freeze(["slab_unreclaimable", NR_SLAB_UNRECLAIMABLE_B] as const),
  Object.freeze(["workingset_refault_anon", WORKINGSET_REFAULT_ANON] as const),
  Object.freeze(["workingset_refault_file", WORKINGSET_REFAULT_FILE] as const),
  Object.freeze(["workingset_activate_anon", WORKINGSET_ACTIVATE_ANON] as const),
  Object.freeze(["workingset_activate_file", WORKINGSET_ACTIVATE_FILE] as const),
  Object.freeze(["workingset_restore_anon", WORKINGSET_RESTORE_ANON] as const),
  Object.freeze(["workingset_restore_file", WORKINGSET_RESTORE_FILE] as const),
  Object.freeze(["workingset_nodereclaim", WORKINGSET_NODERECLAIM] as const),
]);

/** The vm events memory.stat lists after pgscan/pgsteal (memcg_vm_event_stat[] without PGPGIN/PGPGOUT). */
const memcg_vm_event_stat: readonly number[] = Object.freeze([
  PGSCAN_KSWAPD,
  PGSCAN_DIRECT,
  PGSTEAL_KSWAPD,
  PGSTEAL_DIRECT,
  PGFAULT,
  PGMAJFAULT,
  PGREFILL,
  PGACTIVATE,
  PGDEACTIVATE,
  PGLAZYFREE,
  PGLAZYFREED,
  ZSWPIN,
  ZSWPOUT,
  THP_FAULT_ALLOC,
  THP_COLLAPSE_ALLOC,
]);

/** The unit a stat item is shown in by memory.stat. @kernel mm/memcontrol.c memcg_page_state_unit */
function memcg_page_state_unit(item: number): number {
  switch (item) {
    case MEMCG_PERCPU_B:
    case MEMCG_ZSWAP_B:
    case NR_SLAB_RECLAIMABLE_B:
    case NR_SLAB_UNRECLAIMABLE_B:
    case WORKINGSET_REFAULT_ANON:
    case WORKINGSET_REFAULT_FILE:
    case WORKINGSET_ACTIVATE_ANON:
    case WORKINGSET_ACTIVATE_FILE:
    case WORKINGSET_RESTORE_ANON:
    case WORKINGSET_RESTORE_FILE:
    case WORKINGSET_NODERECLAIM:
      return 1;
    case NR_KERNEL_STACK_KB:
      return 1024;
    default:
      return 4096;
  }
}

/** @kernel include/linux/memcontrol.h struct mem_cgroup */
export class mem_cgroup {
  readonly memory: page_counter;
  readonly swap: page_counter;
  /** memory.events (hierarchical) and memory.events.local. */
  readonly memory_events = new Float64Array(MEMCG_NR_MEMORY_EVENTS);
  readonly memory_events_local = new Float64Array(MEMCG_NR_MEMORY_EVENTS);
  /** Flushed statistics: the subtree's (vmstats->state) and its own (state_local). */
  readonly state = new Float64Array(MEMCG_NR_STAT);
  readonly state_local = new Float64Array(MEMCG_NR_STAT);
  /** Updates not flushed yet: the sum over CPUs of vmstats_percpu->state. */
  readonly state_pending = new Float64Array(MEMCG_NR_STAT);
  readonly events = new Float64Array(NR_VM_EVENT_ITEMS);
  readonly events_local = new Float64Array(NR_VM_EVENT_ITEMS);
  readonly events_pending = new Float64Array(NR_VM_EVENT_ITEMS);
  /**
   * Per node, the node_stat_items of the subtree (lruvec_stats->state, [nid * NR_VM_NODE_STAT_ITEMS
   * + idx]) and the updates not flushed yet; null on a machine of one node.
   */
  readonly lruvec_state: Float64Array | null = null;
  readonly lruvec_state_pending: Float64Array | null = null;
  /** On the rstat updated list (cgroup_rstat_updated). */
  rstat_queued = false;
  /** memory.oom.group. */
  oom_group = false;
  /** CSS_ONLINE: false after rmdir; the memcg then lives on as a zombie while charged. */
  online = true;
  /** Freed: the last charge went after it was taken offline. */
  released = false;
  /** Per node: its lruvec (mem_cgroup_per_node.lruvec); the root's are the nodes' own. */
  readonly nodeinfo: lruvec[];
  /**
   * The multi-gen LRU's list of the mms whose owners are in this memcg (memcg->mm_list), which
   * its lruvecs' page-table walkers iterate; the root's is lru_gen_globals.mm_list.
   */
  readonly mm_list = new lru_gen_mm_link(null);
  /** Reclaim passes of this memcg that found it protected (memory.events low counted once per pass). */

  constructor(
    readonly id: number,
    readonly css: cgroup,
    readonly parent: mem_cgroup | null,
    nr_nodes: number,
  ) {
    this.memory = new page_counter(parent === null ? null : parent.memory);
    this.swap = new page_counter(parent === null ? null : parent.swap);
    this.nodeinfo = [];
    // The per-node split memory.numa_stat prints (lruvec_stats); on one node it is the memcg's
    // own statistics, so only a machine of several nodes keeps it (no cost per update on one).
    if (nr_nodes > 1) {
      this.lruvec_state = new Float64Array(nr_nodes * NR_VM_NODE_STAT_ITEMS);
      this.lruvec_state_pending = new Float64Array(nr_nodes * NR_VM_NODE_STAT_ITEMS);
    }
    for (let n = 0; n < nr_nodes; n++) {
      const lv = new lruvec();
      lv.memcg_id = id;
      lv.memcg = this;
      this.nodeinfo.push(lv);
    }
  }
}

/** One CPU's charge stock. @kernel mm/memcontrol.c struct memcg_stock_pcp */
export class memcg_stock_pcp {
  cached: mem_cgroup | null = null;
  nr_pages = 0;
}

/** memcontrol.c's statics of one machine: root_mem_cgroup, the id table, the stocks, the flush state. */
export class memcg_state {
  readonly root_mem_cgroup: mem_cgroup;
  /** mem_cgroup_idr: memcg by id (index 0 is the root). */
  readonly byId: (mem_cgroup | null)[];
  /** Non-root memcgs alive or zombie: 0 means every page is the root's and charging is skipped. */
  nr_memcgs = 0;
  /** Memcgs ever made (the id allocator's cursor). */
  last_id = 0;
  readonly stock: memcg_stock_pcp[] = [];
  /** Per CPU: updates since that CPU last added to stats_flush_threshold. */
  stats_updates: number[] = [];
  stats_flush_threshold = 0;
  /** When the periodic flush next runs (root online + FLUSH_TIME, then every FLUSH_TIME). */
  next_periodic_flush_ns = FLUSH_TIME_NS;
  /** Memcgs with pending updates (cgroup_rstat_updated's list). */
  readonly rstat_updated: mem_cgroup[] = [];
  /**
   * The root's per-node subtree totals on a machine of several nodes, [nid *
   * NR_VM_NODE_STAT_ITEMS + idx], as the flush adds every descendant's updates up to the root
   * (the root's mem_cgroup is made before the nodes are known, so it keeps no per-node copy);
   * null until the first such flush. memory.numa_stat reads the kernel-memory items
   * (is_root_kmem_item) from here; on one node root_mem_cgroup.state has them.
   */
  root_lruvec_state: Float64Array | null = null;
  /** The objcgs and obj stocks (kernel memory by the byte), made at the first accounted allocation. */
  kmem: memcg_kmem_state | null = null;
  /**
   * The remote charging scope (set_active_memcg): while set, __GFP_ACCOUNT allocations charge this
   * memcg, not current's. One for the machine: the kernel keeps it in current (or per CPU outside
   * a task), and nothing is scheduled inside a scope in the model.
   */
  active_memcg: mem_cgroup | null = null;

  constructor(rootCss: cgroup) {
    this.root_mem_cgroup = new mem_cgroup(0, rootCss, null, 0);
    this.byId = [this.root_mem_cgroup];
  }
}

// ---------------------------------------------------------------------------------------------
// The hierarchy

/** @kernel include/linux/memcontrol.h mem_cgroup_is_root */
export function mem_cgroup_is_root(memcg: mem_cgroup): boolean {
  return memcg.id === 0;
}

/** @kernel include/linux/memcontrol.h parent_mem_cgroup */
export function parent_mem_cgroup(memcg: mem_cgroup): mem_cgroup | null {
  return memcg.parent;
}

/** The memcg whose id a page's column holds (the root for 0). */
export function mem_cgroup_from_id(k: Kernel, v: number): mem_cgroup {
  const m = k.memcg.byId[v & MEM_CGROUP_ID_MAX];
  if (m === null || m === undefined) throw new KernelBug("page charged to a freed memcg", { id: v & MEM_CGROUP_ID_MAX });
  return m;
}

/** The memcg a task's charges go to. @kernel mm/memcontrol.c mem_cgroup_from_task */
export function mem_cgroup_from_task(k: Kernel, t: task_struct): mem_cgroup {
  return t.cgroups === null ? k.memcg.root_mem_cgroup : nearest_memcg(k, t.cgroups);
}

/**
 * The memcg of an mm's owner; with no mm, the current task's (a page cache insertion from a
 * read() or a kernel thread's I/O: the root for a kthread).
 * @kernel mm/memcontrol.c get_mem_cgroup_from_mm
 */
export function get_mem_cgroup_from_mm(k: Kernel, mm: mm_struct | null): mem_cgroup {
  if (k.in_kthread > 0 && mm === null) return k.memcg.root_mem_cgroup;
  const pid = mm !== null ? mm.owner : k.currentPid;
  const t = k.tasks.find(pid);
  return t === undefined ? k.memcg.root_mem_cgroup : mem_cgroup_from_task(k, t);
}

/** Whether memcg is ancestor (or self). @kernel include/linux/memcontrol.h mem_cgroup_is_descendant */
export function mem_cgroup_is_descendant(memcg: mem_cgroup, root: mem_cgroup): boolean {
  for (let m: mem_cgroup | null = memcg; m !== null; m = m.parent) if (m === root) return true;
  return false;
}

/**
 * A new memcg for a cgroup: counters under the parent's, an id (ENOSPC past MEM_CGROUP_ID_MAX:
 * null), lruvecs per node. Limits start at max, protection at 0, oom.group off.
 * @kernel mm/memcontrol.c mem_cgroup_css_alloc, mem_cgroup_alloc
 */
export function mem_cgroup_css_alloc(k: Kernel, css: cgroup, parent: mem_cgroup | null): mem_cgroup | null {
  const st = k.memcg;
  let id = -1;
  for (let i = 1; i <= MEM_CGROUP_ID_MAX; i++) {
    const cand = ((st.last_id + i - 1) % MEM_CGROUP_ID_MAX) + 1;
    if (st.byId[cand] === null || st.byId[cand] === undefined) {
      id = cand;
      break;
    }
  }
  if (id < 0) return null;
  st.last_id = id;
  const memcg = new mem_cgroup(id, css, parent ?? st.root_mem_cgroup, k.node_data.length);
  // lru_gen_init_lruvec: the generations are on when the multi-gen LRU is.
  for (const lv of memcg.nodeinfo) lv.lrugen.enabled = lru_gen_enabled(k);
  while (st.byId.length <= id) st.byId.push(null);
  st.byId[id] = memcg;
  st.nr_memcgs++;
  return memcg;
}

/** @kernel mm/memcontrol.c mem_cgroup_css_online */
export function mem_cgroup_css_online(k: Kernel, memcg: mem_cgroup): void {
  memcg.online = true;
  void k;
}

/**
 * rmdir (or the parent dropping `memory`): the memcg goes offline, its stocks are drained, and
 * it is freed at once if nothing charges it any more, else when its last charge goes.
 * @kernel mm/memcontrol.c mem_cgroup_css_offline
 */
export function mem_cgroup_css_offline(k: Kernel, memcg: mem_cgroup): void {
  memcg.online = false;
  memcg_offline_kmem(k, memcg);
  drain_all_stock(k, memcg);
  mem_cgroup_maybe_release(k, memcg);
}

/** Drops a reference to an offline memcg: freed if it was the last. @kernel include/linux/memcontrol.h mem_cgroup_put */
export function mem_cgroup_put(k: Kernel, memcg: mem_cgroup): void {
  mem_cgroup_maybe_release(k, memcg);
}

/** Frees an offline memcg nothing charges any more: its id is free again. @kernel mm/memcontrol.c mem_cgroup_css_free */
function mem_cgroup_maybe_release(k: Kernel, memcg: mem_cgroup): void {
  if (memcg.online || memcg.released) return;
  if (memcg.memory.usage !== 0 || memcg.swap.usage !== 0) return;
  for (const lv of memcg.nodeinfo) {
    for (let l = 0; l < NR_LRU_LISTS; l++) if (lv.lists[l] !== -1) return;
    if (lv.lrugen.enabled && !lru_gen_lists_empty(lv)) return;
  }
  // An mm on its multi-gen LRU mm list holds a reference (lru_gen_add_mm's get_mem_cgroup_from_mm).
  if (memcg.mm_list.next !== memcg.mm_list) return;
  // css_release: the last statistics reach the parent before the memcg goes.
  __mem_cgroup_flush_stats(k);
  memcg.released = true;
  k.memcg.byId[memcg.id] = null;
  k.memcg.nr_memcgs--;
  cgroup_zombie_released(k, memcg.css);
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** @kernel mm/memcontrol.c memcg_rstat_updated */
function memcg_rstat_updated(k: Kernel, memcg: mem_cgroup, val: number): void {
  const st = k.memcg;
  if (!memcg.rstat_queued) cgroup_rstat_updated(st, memcg);
  const cpu = k.cpu;
  const u = st.stats_updates;
  // Every update of every charged page passes here (three or four per first-touch fault in a
  // memcg): the common case is the add and the store, the rest is out of line.
  if (cpu >= u.length) {
    memcg_stats_updates_grow(u, cpu);
  }
  const x = u[cpu] + (val < 0 ? -val : val);
  if (x > MEMCG_CHARGE_BATCH) memcg_stats_threshold_add(k, st, cpu, x);
  else u[cpu] = x;
}

/**
 * memcg_rstat_updated for `n` updates of ±1 in a row, in one step. One at a time, a CPU's count
 * (at most MEMCG_CHARGE_BATCH between updates) passes the batch at exactly 65, adds 65 / 64 = 1
 * to stats_flush_threshold while that is at most nr_cpu_ids, and restarts at 0; so n updates
 * from a count of x0 make ⌊(x0 + n − 65) / 65⌋ + 1 such passes when x0 + n > 64, and leave
 * (x0 + n − 65) mod 65. From 60, 10 updates: one pass, 5 left, as ten calls leave it.
 */
function memcg_rstat_updated_units(k: Kernel, memcg: mem_cgroup, n: number): void {
  const st = k.memcg;
  if (!memcg.rstat_queued) cgroup_rstat_updated(st, memcg);
  const cpu = k.cpu;
  const u = st.stats_updates;
  if (cpu >= u.length) memcg_stats_updates_grow(u, cpu);
  const x = u[cpu] + n;
  if (x <= MEMCG_CHARGE_BATCH) {
    u[cpu] = x;
    return;
  }
  const past = x - (MEMCG_CHARGE_BATCH + 1);
  const passes = 1 + Math.floor(past / (MEMCG_CHARGE_BATCH + 1));
  const cap = k.nr_cpu_ids;
  if (st.stats_flush_threshold <= cap) st.stats_flush_threshold = Math.min(st.stats_flush_threshold + passes, cap + 1);
  u[cpu] = past % (MEMCG_CHARGE_BATCH + 1);
}

/**
 * The statistics of a run of first-touch faults in memcg (memory.ts anon_write_run), handed over
 * at once: `faults` count_memcg_event_mm(PGFAULT), `charges` charge_memcg PGPGIN counts and
 * `anon` NR_ANON_MAPPED +1 updates (page_add_new_anon_rmap's __mod_lruvec_page_state) of pages
 * charged to memcg — both halves of those: the node's counter in pgdat (the machine's one node)
 * and the memcg's pending deltas, whose rstat bookkeeping is left exactly as that many calls in a
 * row leave it. The caller hands them over before anything can read them (a flush, reclaim, a
 * /proc read) or add updates of its own in between (a page freed, an LRU batch moved). Only for a
 * memcg without per-node statistics (lruvec_state_pending null: a machine of one node), where
 * NR_ANON_MAPPED has no node split.
 * @kernel mm/memcontrol.c __count_memcg_events, __mod_memcg_lruvec_state, memcg_rstat_updated
 * @kernel mm/vmstat.c __mod_node_page_state
 */
export function memcg_account_fault_run(k: Kernel, memcg: mem_cgroup, pgdat: pglist_data, faults: number, charges: number, anon: number): void {
  if (memcg.lruvec_state_pending !== null) throw new KernelBug("memcg_account_fault_run on a memcg with per-node statistics", { id: memcg.id });
  pgdat.vm_stat[NR_ANON_MAPPED] += anon;
  memcg.events_pending[PGFAULT] += faults;
  memcg.events_pending[PGPGIN] += charges;
  memcg.state_pending[NR_ANON_MAPPED] += anon;
  memcg_rstat_updated_units(k, memcg, faults + charges + anon);
}

/** Puts memcg on the list of memcgs with pending updates. @kernel kernel/cgroup/rstat.c cgroup_rstat_updated */
function cgroup_rstat_updated(st: memcg_state, memcg: mem_cgroup): void {
  memcg.rstat_queued = true;
  st.rstat_updated.push(memcg);
}

/** stats_updates gets a slot for every CPU up to `cpu`, packed (no holes), so reads stay fast. */
function memcg_stats_updates_grow(u: number[], cpu: number): void {
  while (u.length <= cpu) u.push(0);
}

/** A CPU's updates passed a batch: they count toward stats_flush_threshold (memcg_rstat_updated). */
function memcg_stats_threshold_add(k: Kernel, st: memcg_state, cpu: number, x: number): void {
  if (st.stats_flush_threshold <= k.nr_cpu_ids) st.stats_flush_threshold += Math.floor(x / MEMCG_CHARGE_BATCH);
  st.stats_updates[cpu] = 0;
}

/** A memcg counter (a node_stat_item or memcg_stat_item) of a non-root memcg. @kernel mm/memcontrol.c __mod_memcg_state */
export function __mod_memcg_state(k: Kernel, memcg: mem_cgroup, idx: number, val: number): void {
  if (memcg.id === 0) return;
  memcg.state_pending[idx] += val;
  memcg_rstat_updated(k, memcg, val);
}

/**
 * The memcg half of __mod_lruvec_page_state: a page's counter update also goes to the memcg its
 * column names. Called by the model's one node-counter helper (rmap.ts mod_page_node_state).
 * @kernel mm/memcontrol.c __mod_memcg_lruvec_state
 */
export function __mod_memcg_page_state(k: Kernel, v: number, idx: number, val: number, nid: number): void {
  const memcg = k.memcg.byId[v & MEM_CGROUP_ID_MAX];
  if (memcg === null || memcg === undefined) return;
  __mod_memcg_lruvec_state(k, memcg, nid, idx, val);
}

/** A node counter of a memcg: its own and its lruvec's on node `nid`. @kernel mm/memcontrol.c __mod_memcg_lruvec_state */
export function __mod_memcg_lruvec_state(k: Kernel, memcg: mem_cgroup, nid: number, idx: number, val: number): void {
  memcg.state_pending[idx] += val;
  const lp = memcg.lruvec_state_pending;
  if (lp !== null) lp[nid * NR_VM_NODE_STAT_ITEMS + idx] += val;
  memcg_rstat_updated(k, memcg, val);
}

/** @kernel mm/memcontrol.c __count_memcg_events */
export function __count_memcg_events(k: Kernel, memcg: mem_cgroup, idx: number, count: number): void {
  if (memcg.id === 0) return;
  memcg.events_pending[idx] += count;
  memcg_rstat_updated(k, memcg, count);
}

/** count_memcg_event_mm: an event of the memcg an mm is charged to (page faults). */
export function count_memcg_event_mm(k: Kernel, mm: mm_struct, idx: number): void {
  if (k.memcg.nr_memcgs === 0) return;
  __count_memcg_events(k, get_mem_cgroup_from_mm(k, mm), idx, 1);
}

/** count_memcg_folio_events: an event of the memcg a page is charged to. */
export function count_memcg_page_event(k: Kernel, pfn: number, idx: number, count: number): void {
  const v = k.mem_map.memcg[pfn];
  if (v === 0) return;
  const memcg = k.memcg.byId[v & MEM_CGROUP_ID_MAX];
  if (memcg !== null && memcg !== undefined) __count_memcg_events(k, memcg, idx, count);
}

/**
 * Folds every pending update into the flushed counters: a memcg's own (state_local) and its
 * and its ancestors' subtree totals (state), as the rstat flush propagates child to parent.
 * @kernel mm/memcontrol.c __mem_cgroup_flush_stats, mem_cgroup_css_rstat_flush
 */
export function __mem_cgroup_flush_stats(k: Kernel): void {
  const st = k.memcg;
  st.next_periodic_flush_ns = Math.max(st.next_periodic_flush_ns, k.now_ns + FLUSH_TIME_NS);
  for (const memcg of st.rstat_updated) {
    memcg.rstat_queued = false;
    const p = memcg.state_pending;
    for (let i = 0; i < MEMCG_NR_STAT; i++) {
      const d = p[i];
      if (d === 0) continue;
      p[i] = 0;
      memcg.state_local[i] += d;
      // Up to and including the root, as the rstat flush goes: the root's totals are read only
      // for the kernel-memory items its own tasks never charge (root_page_state).
      for (let m: mem_cgroup | null = memcg; m !== null; m = m.parent) m.state[i] += d;
    }
    const lp = memcg.lruvec_state_pending;
    if (lp !== null) {
      const root = (st.root_lruvec_state ??= new Float64Array(lp.length));
      for (let i = 0; i < lp.length; i++) {
        const d = lp[i];
        if (d === 0) continue;
        lp[i] = 0;
        for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) (m.lruvec_state as Float64Array)[i] += d;
        root[i] += d;
      }
    }
    const e = memcg.events_pending;
    for (let i = 0; i < NR_VM_EVENT_ITEMS; i++) {
      const d = e[i];
      if (d === 0) continue;
      e[i] = 0;
      memcg.events_local[i] += d;
      for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) m.events[i] += d;
    }
  }
  st.rstat_updated.length = 0;
  st.stats_flush_threshold = 0;
}

/**
 * A reader's flush: only when enough updates piled up (more than MEMCG_CHARGE_BATCH per online
 * CPU), after the periodic flush's tick has been caught up with.
 * @kernel mm/memcontrol.c mem_cgroup_flush_stats, flush_memcg_stats_dwork
 */
export function mem_cgroup_flush_stats(k: Kernel): void {
  const st = k.memcg;
  if (k.now_ns >= st.next_periodic_flush_ns) {
    __mem_cgroup_flush_stats(k);
    // The dwork requeues itself FLUSH_TIME after each run.
    while (st.next_periodic_flush_ns <= k.now_ns) st.next_periodic_flush_ns += FLUSH_TIME_NS;
    return;
  }
  if (st.stats_flush_threshold > k.nr_cpu_ids) __mem_cgroup_flush_stats(k);
}

/** @kernel mm/memcontrol.c memcg_page_state */
export function memcg_page_state(memcg: mem_cgroup, idx: number): number {
  const x = memcg.state[idx];
  return x < 0 ? 0 : x;
}

/**
 * A lruvec's node counter as reclaim's heuristics read it. For the root's lruvec, the node's
 * counter (the root's statistics are hierarchical: every memcg's pages on the node). For a memcg's,
 * the flushed statistics of its whole subtree on the node (pn->lruvec_stats.state, which
 * mem_cgroup_css_rstat_flush fills from every descendant), not its own lists: reclaim of /pod,
 * whose pages all sit in /pod/app and /pod/cache, sees their inactive file pages in
 * prepare_scan_count and trims the cache alone (noisy-neighbour: a real 6.1 scanned none of
 * /pod/app's anon, pgscan 0). Like the kernel's, the value is as of the last flush.
 * @kernel include/linux/memcontrol.h lruvec_page_state
 */
export function lruvec_page_state(lv: lruvec, pgdat: pglist_data, idx: number): number {
  if (lv.memcg_id === 0) return pgdat.vm_stat[idx];
  const memcg = lv.memcg;
  if (memcg === null) return 0;
  // one node: the memcg's own counters are the node's (mem_cgroup keeps no per-node copy then)
  const x = memcg.lruvec_state !== null ? memcg.lruvec_state[pgdat.node_id * NR_VM_NODE_STAT_ITEMS + idx] : memcg.state[idx];
  return x < 0 ? 0 : x;
}

/** @kernel mm/memcontrol.c memcg_events */
export function memcg_events(memcg: mem_cgroup, idx: number): number {
  return memcg.events[idx];
}

/** @kernel mm/memcontrol.c memcg_memory_event */
export function memcg_memory_event(memcg: mem_cgroup, event: number): void {
  memcg.memory_events_local[event]++;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) m.memory_events[event]++;
}

// ---------------------------------------------------------------------------------------------
// Charging

/** @kernel mm/memcontrol.c mem_cgroup_margin */
export function mem_cgroup_margin(memcg: mem_cgroup): number {
  const count = page_counter_read(memcg.memory);
  const limit = memcg.memory.max;
  return count < limit ? limit - count : 0;
}

function stock_of(k: Kernel): memcg_stock_pcp {
  const s = k.memcg.stock;
  let stock = s[k.cpu];
  if (stock === undefined) {
    while (s.length <= k.cpu) s.push(new memcg_stock_pcp());
    stock = s[k.cpu];
  }
  return stock;
}

/** @kernel mm/memcontrol.c consume_stock */
function consume_stock(k: Kernel, memcg: mem_cgroup, nr_pages: number): boolean {
  if (nr_pages > MEMCG_CHARGE_BATCH) return false;
  const stock = stock_of(k);
  if (stock.cached === memcg && stock.nr_pages >= nr_pages) {
    stock.nr_pages -= nr_pages;
    return true;
  }
  return false;
}

/**
 * consume_stock for one page when this CPU's stock holds memcg's charge: true, and the page is
 * charged; false with nothing changed (no stock yet, another memcg's, or an empty one), and the
 * caller goes through try_charge_memcg, whose first step is the same test.
 * @kernel mm/memcontrol.c consume_stock
 */
export function consume_stock_page(k: Kernel, memcg: mem_cgroup): boolean {
  const stock = k.memcg.stock[k.cpu];
  if (stock === undefined || stock.cached !== memcg || stock.nr_pages < 1) return false;
  stock.nr_pages--;
  return true;
}

/** @kernel mm/memcontrol.c drain_stock */
function drain_stock(k: Kernel, stock: memcg_stock_pcp): void {
  const old = stock.cached;
  if (old === null) return;
  if (stock.nr_pages) {
    page_counter_uncharge(old.memory, stock.nr_pages);
    stock.nr_pages = 0;
  }
  stock.cached = null;
  mem_cgroup_maybe_release(k, old);
}

/** @kernel mm/memcontrol.c refill_stock, __refill_stock */
function refill_stock(k: Kernel, memcg: mem_cgroup, nr_pages: number): void {
  const stock = stock_of(k);
  if (stock.cached !== memcg) {
    drain_stock(k, stock);
    stock.cached = memcg;
  }
  stock.nr_pages += nr_pages;
  if (stock.nr_pages > MEMCG_CHARGE_BATCH) drain_stock(k, stock);
}

/** Drains every CPU's stock that caches a memcg of root's subtree. @kernel mm/memcontrol.c drain_all_stock */
export function drain_all_stock(k: Kernel, root: mem_cgroup): void {
  drain_all_obj_stock(k, root);
  for (const stock of k.memcg.stock) {
    if (stock.cached !== null && mem_cgroup_is_descendant(stock.cached, root)) drain_stock(k, stock);
  }
}

/**
 * Charges nr_pages to memcg: from the stock, else a batch of MEMCG_CHARGE_BATCH from the page
 * counters (the rest refilling the stock), else reclaim in the memcg over its limit and retry,
 * MAX_RECLAIM_RETRIES times, then the memcg OOM killer. 0, or -ENOMEM.
 * @kernel mm/memcontrol.c try_charge_memcg
 */
export function try_charge_memcg(k: Kernel, memcg: mem_cgroup, gfp_mask: number, nr_pages: number): number {
  let batch = Math.max(MEMCG_CHARGE_BATCH, nr_pages);
  let nr_retries = MAX_RECLAIM_RETRIES;
  let passed_oom = false;
  let drained = false;
  let raised_max_event = false;
  for (;;) {
    // retry:
    if (consume_stock(k, memcg, nr_pages)) return 0;
    const fail = page_counter_try_charge(memcg.memory, batch);
    if (fail === null) {
      // done_restock
      if (batch > nr_pages) refill_stock(k, memcg, batch - nr_pages);
      note_over_high(k, memcg, batch, gfp_mask);
      return 0;
    }
    const mem_over_limit = memcg_of_counter(k, fail, memcg);
    if (batch > nr_pages) {
      batch = nr_pages;
      continue;
    }
    let nomem = false;
    // PF_MEMALLOC (reclaim allocating): force the charge rather than recurse into reclaim.
    if ((k.mmHooks.current_flags(k) & PF_MEMALLOC_) !== 0) nomem = false;
    else if (!gfpflags_allow_blocking(gfp_mask)) nomem = true;
    else {
      memcg_memory_event(mem_over_limit, MEMCG_MAX);
      raised_max_event = true;
      const nr_reclaimed = try_to_free_mem_cgroup_pages(k, mem_over_limit, nr_pages, gfp_mask, MEMCG_RECLAIM_MAY_SWAP);
      if (mem_cgroup_margin(mem_over_limit) >= nr_pages) continue;
      if (!drained) {
        drain_all_stock(k, mem_over_limit);
        drained = true;
        continue;
      }
      if (gfp_mask & __GFP_NORETRY) nomem = true;
      else if (nr_reclaimed && nr_pages <= 1 << PAGE_ALLOC_COSTLY_ORDER) continue;
      else if (nr_retries-- > 0) continue;
      else if (gfp_mask & __GFP_RETRY_MAYFAIL) nomem = true;
      else if (passed_oom && task_is_dying(k)) nomem = true;
      else if (mem_cgroup_oom(k, mem_over_limit, gfp_mask, order_of(nr_pages))) {
        passed_oom = true;
        nr_retries = MAX_RECLAIM_RETRIES;
        continue;
      } else nomem = true;
    }
    if (nomem && !(gfp_mask & (__GFP_NOFAIL | __GFP_HIGH))) return -errnoValues.ENOMEM;
    // force:
    if (!raised_max_event) memcg_memory_event(mem_over_limit, MEMCG_MAX);
    page_counter_charge(memcg.memory, nr_pages);
    return 0;
  }
}

/** PF_MEMALLOC (include/linux/sched.h). */
const PF_MEMALLOC_ = 0x00000800;

function order_of(nr_pages: number): number {
  let o = 0;
  while (1 << o < nr_pages) o++;
  return o;
}

/** mem_cgroup_from_counter: the memcg whose memory counter failed (an ancestor of memcg, or memcg). */
function memcg_of_counter(k: Kernel, c: page_counter, memcg: mem_cgroup): mem_cgroup {
  for (let m: mem_cgroup | null = memcg; m !== null; m = m.parent) if (m.memory === c || m.swap === c) return m;
  void k;
  throw new KernelBug("page counter of no ancestor", { id: memcg.id });
}

/** The memcg and its pages: the column of every page of the folio names it. @kernel mm/memcontrol.c commit_charge */
function commit_charge(k: Kernel, pfn: number, nr: number, v: number): void {
  if (nr === 1) k.mem_map.memcg[pfn] = v;
  else k.mem_map.memcg.fill(v, pfn, pfn + nr);
}

/**
 * Charges a newly allocated folio (a page, or a THP head) to the memcg of mm's owner (of the
 * current task when mm is null): 0, or -ENOMEM when the memcg cannot make room (the caller
 * frees the folio and fails the fault or the insertion).
 * @kernel mm/memcontrol.c __mem_cgroup_charge, charge_memcg, try_charge, mem_cgroup_charge_statistics
 * @kernel include/linux/memcontrol.h mem_cgroup_charge
 */
export function mem_cgroup_charge(k: Kernel, pfn: number, mm: mm_struct | null, gfp: number): number {
  if (k.memcg.nr_memcgs === 0) return 0;
  const memcg = get_mem_cgroup_from_mm(k, mm);
  if (memcg.id === 0) return 0;
  return charge_memcg(k, pfn, memcg, gfp);
}

/** @kernel mm/memcontrol.c charge_memcg */
export function charge_memcg(k: Kernel, pfn: number, memcg: mem_cgroup, gfp: number): number {
  const mem = k.mem_map;
  const nr = (mem.flags[pfn] & HEAD) !== 0 ? pow2(mem.index[pfn + 1]) : 1;
  // try_charge_memcg's first step, consume_stock, written out for the page a fault charges: 63
  // charges in 64 end here (the stock is refilled MEMCG_CHARGE_BATCH at a time), and the call
  // and the retry loop's set-up cost the first-touch fault in a memcg more than the check does
  // (issue 15). Anything else (no stock yet, another memcg's stock, an empty one) goes the whole way.
  if (nr !== 1 || !consume_stock_page(k, memcg)) {
    const ret = try_charge_memcg(k, memcg, gfp, nr);
    if (ret !== 0) return ret;
  }
  commit_charge(k, pfn, nr, memcg.id);
  // mem_cgroup_charge_statistics: one PGPGIN per charge, whatever its size.
  __count_memcg_events(k, memcg, PGPGIN, 1);
  return 0;
}

const HEAD = F(PG_head);

/**
 * Starts (or ends, given the value it returned) a remote charging scope: __GFP_ACCOUNT
 * allocations until then charge `memcg`. Returns the scope it replaces.
 * @kernel include/linux/sched/mm.h set_active_memcg
 */
export function set_active_memcg(k: Kernel, memcg: mem_cgroup | null): mem_cgroup | null {
  const old = k.memcg.active_memcg;
  k.memcg.active_memcg = memcg;
  return old;
}

/** The memcg a page is charged to (the root for an uncharged one). @kernel include/linux/memcontrol.h page_memcg */
export function page_memcg(k: Kernel, pfn: number): mem_cgroup {
  return mem_cgroup_from_id(k, k.mem_map.memcg[pfn]);
}

/**
 * A kernel page allocated with __GFP_ACCOUNT: charged to the current task's memcg as kmem
 * (MEMCG_KMEM), marked MEMCG_DATA_KMEM. 0, or -ENOMEM (the allocator then frees the page and
 * fails the allocation).
 * @kernel mm/memcontrol.c __memcg_kmem_charge_page, obj_cgroup_charge_pages, memcg_account_kmem
 */
export function __memcg_kmem_charge_page(k: Kernel, pfn: number, gfp: number, order: number): number {
  // get_obj_cgroup_from_current: a remote charging scope's memcg, else (not in a kthread) current's.
  const active = k.memcg.active_memcg;
  if (active === null && k.in_kthread > 0) return 0;
  const memcg = active ?? get_mem_cgroup_from_mm(k, null);
  if (memcg.id === 0) return 0;
  const nr = 1 << order;
  const ret = try_charge_memcg(k, memcg, gfp, nr);
  if (ret !== 0) return ret;
  __mod_memcg_state(k, memcg, MEMCG_KMEM, nr);
  commit_charge(k, pfn, nr, memcg.id | MEMCG_DATA_KMEM);
  return 0;
}

/**
 * A kernel page's charge goes back (obj_cgroup_uncharge_pages: MEMCG_KMEM down, the pages to the
 * stock of an online memcg, off the counters of an offline one) and its column is cleared; a
 * zombie memcg whose last charge this was is freed. A page not charged as kernel memory is left
 * alone (folio_memcg_kmem). Called where the page is freed, and by kernel stacks at exit
 * (exit_task_stack_account), whose pages stay allocated in the CPU's stack cache.
 * @kernel mm/memcontrol.c __memcg_kmem_uncharge_page, obj_cgroup_uncharge_pages
 */
export function __memcg_kmem_uncharge_page(k: Kernel, pfn: number, order: number): void {
  const mem = k.mem_map;
  const v = mem.memcg[pfn];
  if ((v & MEMCG_DATA_KMEM) === 0) return;
  const memcg = mem_cgroup_from_id(k, v);
  const nr = pow2(order);
  mem.memcg.fill(0, pfn, pfn + nr);
  __mod_memcg_state(k, memcg, MEMCG_KMEM, -nr);
  if (memcg.online) refill_stock(k, memcg, nr);
  else page_counter_uncharge(memcg.memory, nr);
  if (!memcg.online) mem_cgroup_maybe_release(k, memcg);
}

/**
 * A charged page leaves the allocator's hands: its charge goes (a kernel page's to the stock, as
 * obj_cgroup_uncharge_pages refills it; a user folio's off the counters, with one PGPGOUT), its
 * column is cleared, and a zombie memcg whose last charge this was is freed.
 * @kernel mm/memcontrol.c uncharge_folio, uncharge_batch, __memcg_kmem_uncharge_page
 */
export function mem_cgroup_uncharge_at_free(k: Kernel, pfn: number, order: number): void {
  const mem = k.mem_map;
  const v = mem.memcg[pfn];
  if ((v & MEMCG_DATA_KMEM) !== 0) {
    __memcg_kmem_uncharge_page(k, pfn, order);
    return;
  }
  const memcg = mem_cgroup_from_id(k, v);
  const nr = pow2(order);
  mem.memcg.fill(0, pfn, pfn + nr);
  page_counter_uncharge(memcg.memory, nr);
  __count_memcg_events(k, memcg, PGPGOUT, 1);
  if (!memcg.online) mem_cgroup_maybe_release(k, memcg);
}

// ---------------------------------------------------------------------------------------------
// Files

function tunable(v: number): string {
  return v === PAGE_COUNTER_MAX ? "max\n" : `${v * 4096}\n`;
}

/** @kernel mm/memcontrol.c memory_current_read */
export function memory_current_read(memcg: mem_cgroup): string {
  return `${page_counter_read(memcg.memory) * 4096}\n`;
}
/** @kernel mm/memcontrol.c memory_peak_read */
export function memory_peak_read(memcg: mem_cgroup): string {
  return `${memcg.memory.watermark * 4096}\n`;
}
/** @kernel mm/memcontrol.c memory_min_show, memory_low_show, memory_high_show, memory_max_show */
export function memory_tunable_show(memcg: mem_cgroup, which: "min" | "low" | "high" | "max" | "swap.high" | "swap.max"): string {
  switch (which) {
    case "min":
      return tunable(memcg.memory.min);
    case "low":
      return tunable(memcg.memory.low);
    case "high":
      return tunable(memcg.memory.high);
    case "max":
      return tunable(memcg.memory.max);
    case "swap.high":
      return tunable(memcg.swap.high);
    case "swap.max":
      return tunable(memcg.swap.max);
  }
}

/** @kernel mm/memcontrol.c __memory_events_show, memory_events_show, memory_events_local_show */
export function memory_events_show(memcg: mem_cgroup, local: boolean): string {
  const e = local ? memcg.memory_events_local : memcg.memory_events;
  return `low ${e[MEMCG_LOW]}\nhigh ${e[MEMCG_HIGH]}\nmax ${e[MEMCG_MAX]}\noom ${e[MEMCG_OOM]}\noom_kill ${e[MEMCG_OOM_KILL]}\noom_group_kill ${e[MEMCG_OOM_GROUP_KILL]}\n`;
}

/** @kernel mm/memcontrol.c swap_events_show */
export function swap_events_show(memcg: mem_cgroup): string {
  const e = memcg.memory_events;
  return `high ${e[MEMCG_SWAP_HIGH]}\nmax ${e[MEMCG_SWAP_MAX]}\nfail ${e[MEMCG_SWAP_FAIL]}\n`;
}

/** @kernel mm/memcontrol.c swap_current_read */
export function swap_current_read(memcg: mem_cgroup): string {
  return `${page_counter_read(memcg.swap) * 4096}\n`;
}

/** @kernel mm/memcontrol.c memory_oom_group_show */
export function memory_oom_group_show(memcg: mem_cgroup): string {
  return `${memcg.oom_group ? 1 : 0}\n`;
}

/** @kernel mm/memcontrol.c memory_oom_group_write */
export function memory_oom_group_write(memcg: mem_cgroup, buf: string): number {
  const s = buf.trim();
  if (s === "") return -errnoValues.EINVAL;
  const v = kstrtoint(s);
  if (typeof v !== "number") return v.err;
  if (v !== 0 && v !== 1) return -errnoValues.EINVAL;
  memcg.oom_group = v === 1;
  return 0;
}

/** @kernel mm/memcontrol.c memory_min_write */
export function memory_min_write(memcg: mem_cgroup, buf: string): number {
  const v = page_counter_memparse(buf, "max");
  if (v < 0) return v;
  page_counter_set_min(memcg.memory, v);
  return 0;
}

/** @kernel mm/memcontrol.c memory_low_write */
export function memory_low_write(memcg: mem_cgroup, buf: string): number {
  const v = page_counter_memparse(buf, "max");
  if (v < 0) return v;
  page_counter_set_low(memcg.memory, v);
  return 0;
}

/**
 * memory.max: the new limit takes effect at once; then, while usage is above it, drain the stocks,
 * reclaim (MAX_RECLAIM_RETRIES passes that reclaim nothing), then the OOM killer until it finds
 * nothing to kill.
 * @kernel mm/memcontrol.c memory_max_write
 */
export function memory_max_write(k: Kernel, memcg: mem_cgroup, buf: string): number {
  const max = page_counter_memparse(buf, "max");
  if (max < 0) return max;
  memcg.memory.max = max;
  let nr_reclaims = MAX_RECLAIM_RETRIES;
  let drained = false;
  for (;;) {
    const nr_pages = page_counter_read(memcg.memory);
    if (nr_pages <= max) break;
    if (!drained) {
      drain_all_stock(k, memcg);
      drained = true;
      continue;
    }
    if (nr_reclaims) {
      if (!try_to_free_mem_cgroup_pages(k, memcg, nr_pages - max, GFP_KERNEL_, MEMCG_RECLAIM_MAY_SWAP)) nr_reclaims--;
      continue;
    }
    memcg_memory_event(memcg, MEMCG_OOM);
    if (!mem_cgroup_out_of_memory(k, memcg, GFP_KERNEL_, 0)) break;
  }
  return 0;
}

/** GFP_KERNEL (0xcc0). */
const GFP_KERNEL_ = 0xcc0;

/**
 * memory.high: set the limit, then reclaim down to it (MAX_RECLAIM_RETRIES passes that reclaim
 * nothing at most); the write never OOM-kills.
 * @kernel mm/memcontrol.c memory_high_write
 */
export function memory_high_write(k: Kernel, memcg: mem_cgroup, buf: string): number {
  const high = page_counter_memparse(buf, "max");
  if (high < 0) return high;
  memcg.memory.high = high;
  let nr_retries = MAX_RECLAIM_RETRIES;
  let drained = false;
  for (;;) {
    const nr_pages = page_counter_read(memcg.memory);
    if (nr_pages <= high) break;
    if (!drained) {
      drain_all_stock(k, memcg);
      drained = true;
      continue;
    }
    const reclaimed = try_to_free_mem_cgroup_pages(k, memcg, nr_pages - high, GFP_KERNEL_, MEMCG_RECLAIM_MAY_SWAP);
    if (!reclaimed && !nr_retries--) break;
  }
  return 0;
}

/** memory.swap.max: set at once (swap is not reclaimed to meet it). @kernel mm/memcontrol.c swap_max_write */
export function swap_max_write(memcg: mem_cgroup, buf: string): number {
  const v = page_counter_memparse(buf, "max");
  if (v < 0) return v;
  memcg.swap.max = v;
  return 0;
}

/** @kernel mm/memcontrol.c swap_high_write */
export function swap_high_write(memcg: mem_cgroup, buf: string): number {
  const v = page_counter_memparse(buf, "max");
  if (v < 0) return v;
  memcg.swap.high = v;
  return 0;
}

/**
 * memory.reclaim: reclaim the amount written (no `max`: memparse with "" as the unlimited word),
 * EAGAIN after MAX_RECLAIM_RETRIES passes that reclaim nothing.
 * @kernel mm/memcontrol.c memory_reclaim
 */
export function memory_reclaim(k: Kernel, memcg: mem_cgroup, buf: string): number {
  const nr_to_reclaim = page_counter_memparse(buf, "");
  if (nr_to_reclaim < 0) return nr_to_reclaim;
  let nr_retries = MAX_RECLAIM_RETRIES;
  let nr_reclaimed = 0;
  while (nr_reclaimed < nr_to_reclaim) {
    if (!nr_retries) lru_add_drain_all(k);
    const reclaimed = try_to_free_mem_cgroup_pages(k, memcg, nr_to_reclaim - nr_reclaimed, GFP_KERNEL_, MEMCG_RECLAIM_MAY_SWAP | MEMCG_RECLAIM_PROACTIVE);
    if (!reclaimed && !nr_retries--) return -errnoValues.EAGAIN;
    nr_reclaimed += reclaimed;
  }
  return 0;
}

/**
 * memory.stat items that only charged kernel memory moves. 6.1 charges no kernel memory to the
 * root: get_obj_cgroup_from_current stops below it, so a root task's kernel stack, page table,
 * slab object, per-CPU or vmalloc area has no memcg (page_memcg NULL: only the node counter
 * moves) and the root's figures are its descendants' sum. A real 6.1 guest whose tasks all sit
 * in the root prints `kernel 0`, `kernel_stack 0`, `slab 0` there (w0-m2048's
 * cgroup_root.memory.stat) while meminfo shows 14.9 MB of Slab.
 */
function is_root_kmem_item(item: number): boolean {
  switch (item) {
    case MEMCG_KMEM:
    case NR_KERNEL_STACK_KB:
    case NR_PAGETABLE:
    case NR_SECONDARY_PAGETABLE:
    case MEMCG_PERCPU_B:
    case MEMCG_SOCK:
    case MEMCG_VMALLOC:
    case MEMCG_ZSWAP_B:
    case MEMCG_ZSWAPPED:
    case NR_SLAB_RECLAIMABLE_B:
    case NR_SLAB_UNRECLAIMABLE_B:
      return true;
    default:
      return false;
  }
}

/**
 * A stat item as memory.stat prints it. The root's: its subtree's kernel memory (see
 * is_root_kmem_item), and for the rest the global counters (every user page is charged, to the
 * root when to nothing else, so its hierarchical figures are the machine's).
 * @kernel mm/memcontrol.c memcg_page_state_output
 */
function memcg_page_state_output(k: Kernel, memcg: mem_cgroup, item: number): number {
  if (memcg.id !== 0 || is_root_kmem_item(item)) return memcg_page_state(memcg, item) * memcg_page_state_unit(item);
  return root_page_state(k, item) * memcg_page_state_unit(item);
}

function root_page_state(k: Kernel, item: number): number {
  if (item >= NR_VM_NODE_STAT_ITEMS) return 0;
  let sum = 0;
  for (const pgdat of k.node_data) sum += pgdat.vm_stat[item];
  return sum;
}

function memcg_events_output(k: Kernel, memcg: mem_cgroup, idx: number): number {
  return memcg.id === 0 ? k.vm_events[idx] : memcg_events(memcg, idx);
}

/**
 * memory.stat: every 6.1 key in order, after a flush if one is due.
 * @kernel mm/memcontrol.c memory_stat_format, memory_stat_show
 */
export function memory_stat_format(k: Kernel, memcg: mem_cgroup): string {
  mem_cgroup_flush_stats(k);
  let s = "";
  for (const [name, idx] of memory_stats) {
    let size = memcg_page_state_output(k, memcg, idx);
    s += `${name} ${size}\n`;
    if (idx === NR_SLAB_UNRECLAIMABLE_B) {
      size += memcg_page_state_output(k, memcg, NR_SLAB_RECLAIMABLE_B);
      s += `slab ${size}\n`;
    }
  }
  s += `pgscan ${memcg_events_output(k, memcg, PGSCAN_KSWAPD) + memcg_events_output(k, memcg, PGSCAN_DIRECT)}\n`;
  s += `pgsteal ${memcg_events_output(k, memcg, PGSTEAL_KSWAPD) + memcg_events_output(k, memcg, PGSTEAL_DIRECT)}\n`;
  for (const ev of memcg_vm_event_stat) s += `${vm_event_text[ev]} ${memcg_events_output(k, memcg, ev)}\n`;
  return s;
}

/**
 * memory.numa_stat: memory.stat's node_stat_item keys, in its order, each with its value on
 * every node with memory (" N0=… N1=…"), after a flush if one is due. The root's come from each
 * node's counters (as its memory.stat comes from the global ones).
 * @kernel mm/memcontrol.c memory_numa_stat_show, lruvec_page_state_output
 */
export function memory_numa_stat_show(k: Kernel, memcg: mem_cgroup): string {
  mem_cgroup_flush_stats(k);
  let s = "";
  for (const [name, idx] of memory_stats) {
    if (idx >= NR_VM_NODE_STAT_ITEMS) continue;
    s += name;
    const unit = memcg_page_state_unit(idx);
    for (const pgdat of k.node_data) {
      if (!pgdat.node_zones.some((z) => z.populated_zone())) continue;
      const nid = pgdat.node_id;
      let x: number;
      if (memcg.id === 0 && is_root_kmem_item(idx)) x = root_kmem_node_state(k, nid, idx);
      else if (memcg.id === 0) x = pgdat.vm_stat[idx];
      else if (memcg.lruvec_state !== null) x = memcg.lruvec_state[nid * NR_VM_NODE_STAT_ITEMS + idx];
      else x = memcg.state[idx];
      s += ` N${nid}=${(x < 0 ? 0 : x) * unit}`;
    }
    s += "\n";
  }
  return s;
}

/** The root's subtree total of a kernel-memory node item on node `nid` (memory.numa_stat). */
function root_kmem_node_state(k: Kernel, nid: number, idx: number): number {
  if (k.node_data.length === 1) return k.memcg.root_mem_cgroup.state[idx];
  const r = k.memcg.root_lruvec_state;
  return r === null ? 0 : r[nid * NR_VM_NODE_STAT_ITEMS + idx];
}

/** The cgroup path of a memcg (pr_cont_cgroup_path). */
export function mem_cgroup_path(memcg: mem_cgroup): string {
  return cgroup_path(memcg.css);
}

/** The memcg a task is charged to, for the OOM report's task_memcg. @kernel mm/memcontrol.c mem_cgroup_print_oom_context */
export function task_memcg_path(k: Kernel, t: task_struct): string {
  return cgroup_path(task_dfl_cgroup(k, t));
}

// ---------------------------------------------------------------------------------------------
// Over the limit: the memcg OOM killer

/** task_is_dying: current has a fatal signal pending or is exiting. @kernel mm/memcontrol.c task_is_dying */
export function task_is_dying(k: Kernel): boolean {
  const cur = get_current(k);
  if (cur === undefined) return false;
  return tsk_is_oom_victim(cur) || fatal_signal_pending(cur) || (cur.flags & PF_EXITING) !== 0;
}

/**
 * memory.max + the swap the memcg may use (up to swap.max, capped by the swap there is), the
 * totalpages the OOM badness of its tasks is measured against (1 at least).
 * @kernel mm/memcontrol.c mem_cgroup_get_max
 */
export function mem_cgroup_get_max(k: Kernel, memcg: mem_cgroup): number {
  let max = memcg.memory.max;
  if (k.vm.swappiness) max += Math.min(memcg.swap.max, k.total_swap_pages);
  return max;
}

/**
 * The tasks charged to a memcg's subtree, memcg by memcg in pre-order (mem_cgroup_iter), each
 * memcg's tasks in pid order; stops when fn returns true.
 * @kernel mm/memcontrol.c mem_cgroup_scan_tasks
 */
export function mem_cgroup_scan_tasks(k: Kernel, memcg: mem_cgroup, fn: (t: task_struct) => boolean): void {
  const tasks = k.tasks.all();
  for (const m of mem_cgroup_subtree(k, memcg)) {
    for (const t of tasks) {
      if (t.state === "X" || mem_cgroup_from_task(k, t) !== m) continue;
      if (fn(t)) return;
    }
  }
}

/**
 * The head of the memcg OOM report: the counters' usage, limit and failcnt, then memory.stat
 * under "Memory cgroup stats for /path:". The stat block is one printk record; the log prints
 * it with a syslog prefix per line into a 1024-byte buffer (record_print_text), so the lines
 * past that are dropped: 6.1's report stops at workingset_activate_anon (w4, mc-swap-max).
 * @kernel mm/memcontrol.c mem_cgroup_print_oom_meminfo
 * @kernel kernel/printk/printk.c record_print_text
 */
export function mem_cgroup_print_oom_meminfo(k: Kernel, memcg: mem_cgroup): string[] {
  const out = [
    `memory: usage ${page_counter_read(memcg.memory) * 4}kB, limit ${memcg.memory.max * 4}kB, failcnt ${memcg.memory.failcnt}`,
    `swap: usage ${page_counter_read(memcg.swap) * 4}kB, limit ${memcg.swap.max * 4}kB, failcnt ${memcg.swap.failcnt}`,
    `Memory cgroup stats for ${mem_cgroup_path(memcg)}:`,
  ];
  const lines = memory_stat_format(k, memcg).split("\n");
  lines.pop();
  // "<6>[sssss.uuuuuu] ": the syslog prefix, whose time field widens past 99999 s.
  const prefix_len = 3 + `[${String(Math.floor(k.now_ns / 1e9)).padStart(5)}.000000] `.length;
  let len = 0;
  for (const l of lines) {
    if (len + prefix_len + l.length + 1 + 1 > PRINTK_CONSOLE_LOG_MAX) break;
    len += prefix_len + l.length + 1;
    out.push(l);
  }
  return out;
}

/** CONSOLE_LOG_MAX (kernel/printk/printk.c): a formatted record's buffer, prefixes included. */
const PRINTK_CONSOLE_LOG_MAX = 1024;

/**
 * The group to kill with the victim: the highest ancestor of its memcg (up to the OOMing memcg)
 * with memory.oom.group set; null for none.
 * @kernel mm/memcontrol.c mem_cgroup_get_oom_group
 */
export function mem_cgroup_get_oom_group(k: Kernel, victim: task_struct, oom_domain: mem_cgroup | null): mem_cgroup | null {
  if (oom_domain === null) oom_domain = k.memcg.root_mem_cgroup;
  const memcg = mem_cgroup_from_task(k, victim);
  if (mem_cgroup_is_root(memcg)) return null;
  if (!mem_cgroup_is_descendant(memcg, oom_domain)) return null;
  let oom_group: mem_cgroup | null = null;
  for (let m: mem_cgroup | null = memcg; m !== null && !mem_cgroup_is_root(m); m = m.parent) {
    if (m.oom_group) oom_group = m;
    if (m === oom_domain) break;
  }
  return oom_group;
}

/**
 * The OOM killer for a memcg: nothing to do if the charge fits again, else kill in the group.
 * Returns whether it made progress (a victim, or the current task is dying anyway).
 * @kernel mm/memcontrol.c mem_cgroup_out_of_memory
 */
export function mem_cgroup_out_of_memory(k: Kernel, memcg: mem_cgroup, gfp_mask: number, order: number): boolean {
  if (mem_cgroup_margin(memcg) >= 1 << order) return true;
  return task_is_dying(k) || out_of_memory(k, { zonelist: [], nodemask: null, memcg, gfp_mask, order });
}

/**
 * A charge over memory.max that reclaim could not fit: count the OOM and run the killer (only
 * for charges up to PAGE_ALLOC_COSTLY_ORDER; larger ones fail and fall back).
 * @kernel mm/memcontrol.c mem_cgroup_oom
 */
export function mem_cgroup_oom(k: Kernel, memcg: mem_cgroup, gfp_mask: number, order: number): boolean {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return false;
  memcg_memory_event(memcg, MEMCG_OOM);
  return mem_cgroup_out_of_memory(k, memcg, gfp_mask, order);
}

/**
 * done_restock's check: every ancestor over memory.high (or swap.high) makes the current task
 * owe reclaim on its way back to user space (current->memcg_nr_pages_over_high).
 * @kernel mm/memcontrol.c try_charge_memcg
 */
function note_over_high(k: Kernel, memcg: mem_cgroup, batch: number, gfp_mask: number): void {
  // Not in a task (a kthread charging: the model has no high_work, see mem_cgroup_handle_over_high).
  if (k.in_kthread !== 0) return;
  const cur = get_current(k);
  if (cur === undefined) return;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) {
    if (page_counter_read(m.memory) > m.memory.high || page_counter_read(m.swap) > m.swap.high) {
      cur.memcg_nr_pages_over_high += batch;
      break;
    }
  }
  // A task that piled up more than a batch over high pays now, inside the charge, when it may block.
  if (cur.memcg_nr_pages_over_high > MEMCG_CHARGE_BATCH && (k.mmHooks.current_flags(k) & PF_MEMALLOC_) === 0 && gfpflags_allow_blocking(gfp_mask)) {
    mem_cgroup_handle_over_high(k, cur, gfp_mask);
  }
}

// ---------------------------------------------------------------------------------------------
// memory.high: reclaim and throttling on the way back to user space

/** The most one return to user sleeps for memory.high: 2 s (MEMCG_MAX_HIGH_DELAY_JIFFIES). */
export const MEMCG_MAX_HIGH_DELAY_JIFFIES = 2 * HZ;
/** Extra precision bits of the overage ratio. */
export const MEMCG_DELAY_PRECISION_SHIFT = 20;
/** Bits the squared overage is scaled down by, into jiffies. */
export const MEMCG_DELAY_SCALING_SHIFT = 14;
/** Pages a retry of mem_cgroup_handle_over_high reclaims (SWAP_CLUSTER_MAX). */
const SWAP_CLUSTER_MAX_ = 32;
const U64_MASK = (1n << 64n) - 1n;

/**
 * Reclaim in memcg and each ancestor below the root that is over memory.high (MEMCG_HIGH
 * counted for each), nr_pages each, as a memory stall. Returns the pages reclaimed.
 * @kernel mm/memcontrol.c reclaim_high
 */
function reclaim_high(k: Kernel, memcg: mem_cgroup, nr_pages: number, gfp_mask: number): number {
  let nr_reclaimed = 0;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) {
    if (page_counter_read(m.memory) <= m.memory.high) continue;
    memcg_memory_event(m, MEMCG_HIGH);
    const pflags = psi_memstall_enter(k);
    try {
      nr_reclaimed += try_to_free_mem_cgroup_pages(k, m, nr_pages, gfp_mask, MEMCG_RECLAIM_MAY_SWAP);
    } finally {
      psi_memstall_leave(k, pflags);
    }
  }
  return nr_reclaimed;
}

/**
 * How far usage is over high, as a fraction with MEMCG_DELAY_PRECISION_SHIFT bits
 * ((usage - high) << 20) / high, 0 when not over; high 0 counts as 1 page.
 * Worked: usage 8448 pages over high 8192 (33 MiB over 32 MiB): (256 << 20) / 8192 = 32768.
 * @kernel mm/memcontrol.c calculate_overage
 */
export function calculate_overage(usage: number, high: number): number {
  if (usage <= high) return 0;
  const h = Math.max(high, 1);
  return Math.floor(((usage - h) * 2 ** MEMCG_DELAY_PRECISION_SHIFT) / h);
}

/** The largest memory overage of memcg and its ancestors below the root. @kernel mm/memcontrol.c mem_find_max_overage */
function mem_find_max_overage(memcg: mem_cgroup): number {
  let max_overage = 0;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) {
    max_overage = Math.max(max_overage, calculate_overage(page_counter_read(m.memory), m.memory.high));
  }
  return max_overage;
}

/** The largest swap overage, counting MEMCG_SWAP_HIGH in each group over swap.high. @kernel mm/memcontrol.c swap_find_max_overage */
function swap_find_max_overage(memcg: mem_cgroup): number {
  let max_overage = 0;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) {
    const overage = calculate_overage(page_counter_read(m.swap), m.swap.high);
    if (overage) memcg_memory_event(m, MEMCG_SWAP_HIGH);
    max_overage = Math.max(max_overage, overage);
  }
  return max_overage;
}

/**
 * The jiffies a task that charged nr_pages over high sleeps: overage² × HZ >> 20 >> 14 (u64
 * arithmetic, wrapping as the kernel's does past 2^64), times nr_pages / MEMCG_CHARGE_BATCH.
 * Worked, HZ = 250: 33 MiB in a 32 MiB group, overage 32768: 32768² × 250 >> 34 = 15 jiffies
 * for a batch of 64 pages (60 ms).
 * @kernel mm/memcontrol.c calculate_high_delay
 */
export function calculate_high_delay(nr_pages: number, max_overage: number): number {
  if (!max_overage) return 0;
  const o = BigInt(max_overage);
  let penalty = (o * o * BigInt(HZ)) & U64_MASK;
  penalty >>= BigInt(MEMCG_DELAY_PRECISION_SHIFT);
  penalty >>= BigInt(MEMCG_DELAY_SCALING_SHIFT);
  return Number(((penalty * BigInt(nr_pages)) & U64_MASK) / BigInt(MEMCG_CHARGE_BATCH));
}

/**
 * The return to user space of a task that charged pages over memory.high
 * (current->memcg_nr_pages_over_high, set by try_charge_memcg): reclaim nr_pages in every group
 * over high, then, while reclaim cannot keep up, sleep calculate_high_delay's penalty on the
 * simulated clock (at most 2 s; none when it is 1/100 s or less), retrying reclaim
 * (SWAP_CLUSTER_MAX) first while it makes progress or retries are left.
 * Simplified: the sleep is schedule_timeout's on the simulated clock (no timer-wheel rounding;
 * nothing interrupts it, as no signal can arrive while the model's task sleeps); no high_work
 * for charges made outside a task (a kthread's charges never throttle).
 * @kernel mm/memcontrol.c mem_cgroup_handle_over_high
 * @kernel include/linux/resume_user_mode.h resume_user_mode_work
 */
export function mem_cgroup_handle_over_high(k: Kernel, t: task_struct, gfp_mask: number): void {
  const nr_pages = t.memcg_nr_pages_over_high;
  if (nr_pages === 0) return;
  t.memcg_nr_pages_over_high = 0;
  if (k.memcg.nr_memcgs === 0 || t.mm === null) return;
  const memcg = get_mem_cgroup_from_mm(k, t.mm);
  if (memcg.id === 0) return;
  let nr_retries = MAX_RECLAIM_RETRIES;
  let in_retry = false;
  for (;;) {
    const nr_reclaimed = reclaim_high(k, memcg, in_retry ? SWAP_CLUSTER_MAX_ : nr_pages, gfp_mask);
    let penalty_jiffies = calculate_high_delay(nr_pages, mem_find_max_overage(memcg));
    penalty_jiffies += calculate_high_delay(nr_pages, swap_find_max_overage(memcg));
    penalty_jiffies = Math.min(penalty_jiffies, MEMCG_MAX_HIGH_DELAY_JIFFIES);
    if (penalty_jiffies <= Math.floor(HZ / 100)) return;
    if (nr_reclaimed || nr_retries-- > 0) {
      in_retry = true;
      continue;
    }
    const pflags = psi_memstall_enter(k);
    try {
      schedule_timeout_killable(k, penalty_jiffies * NSEC_PER_JIFFY);
    } finally {
      psi_memstall_leave(k, pflags);
    }
    return;
  }
}

/**
 * The penalty sleep: the task leaves the CPU asleep (for PSI: TSK_RUNNING and, memstalled,
 * TSK_MEMSTALL_RUNNING cleared on its groups, so a group whose one task sleeps here is in FULL
 * and its averaging clock stops), the clock moves on, and it wakes and runs again. A task the
 * scenario runner has not put on the CPU (a library-API call) has no switch to make.
 * @kernel kernel/time/timer.c schedule_timeout_killable
 */
function schedule_timeout_killable(k: Kernel, ns: number): void {
  const t = k.tasks.find(k.currentPid);
  if (t === undefined || !(t.psi_flags & TSK_ONCPU)) {
    schedule_timeout(k, ns);
    return;
  }
  psi_task_switch(k, t, null, true);
  try {
    schedule_timeout(k, ns);
  } finally {
    psi_enqueue(k, t, true);
    psi_task_switch(k, null, t, false);
  }
}

/** Nanoseconds per jiffy at HZ. */
const NSEC_PER_JIFFY = 1_000_000_000 / HZ;

// ---------------------------------------------------------------------------------------------
// Reclaim's walk and protection

/**
 * Every memcg of root's subtree in mem_cgroup_iter's order (pre-order, root first), worked out in
 * one walk of the tree: what a full mem_cgroup_iter loop visits (zombies included: their pages
 * are still on their lruvecs), at O(groups) per loop.
 * Simplified: no per-node reclaim cookie (every walk starts at root).
 * @kernel mm/memcontrol.c mem_cgroup_iter
 */
export function mem_cgroup_subtree(k: Kernel, root: mem_cgroup | null): mem_cgroup[] {
  const r = root ?? k.memcg.root_mem_cgroup;
  const out: mem_cgroup[] = [r];
  const walk = (cg: cgroup): void => {
    for (const ch of cg.children) {
      if (ch.memcg !== null && !ch.memcg.released) out.push(ch.memcg);
      walk(ch);
    }
  };
  walk(r.css);
  return out;
}

/**
 * The protection a memcg is entitled to: its own setting, capped by its usage, and — when its
 * siblings together claim more than the parent's effective protection — its share of that;
 * with memory_recursiveprot, also a share of what the parent's protection leaves unclaimed.
 * @kernel mm/memcontrol.c effective_protection
 */
export function effective_protection(k: Kernel, usage: number, parent_usage: number, setting: number, parent_effective: number, siblings_protected: number): number {
  const prot = Math.min(usage, setting);
  if (siblings_protected > parent_effective) return Math.floor((prot * parent_effective) / siblings_protected);
  let ep = prot;
  if (!k.cgroup.memory_recursiveprot) return ep;
  if (parent_effective > siblings_protected && parent_usage > siblings_protected && usage > prot) {
    const unclaimed = Math.floor(((parent_effective - siblings_protected) * (usage - prot)) / (parent_usage - siblings_protected));
    ep += unclaimed;
  }
  return ep;
}

/**
 * Works out memory.emin and memory.elow of memcg for a reclaim aimed at root (null: global):
 * top-level children of root get their own settings, deeper ones effective_protection of their
 * parent's effective values (computed first: mem_cgroup_iter is pre-order).
 * @kernel mm/memcontrol.c mem_cgroup_calculate_protection
 */
export function mem_cgroup_calculate_protection(k: Kernel, root: mem_cgroup | null, memcg: mem_cgroup): void {
  const r = root ?? k.memcg.root_mem_cgroup;
  if (memcg === r) return;
  const usage = page_counter_read(memcg.memory);
  if (!usage) return;
  const parent = memcg.parent;
  if (parent === null) return;
  if (parent === r) {
    memcg.memory.emin = memcg.memory.min;
    memcg.memory.elow = memcg.memory.low;
    return;
  }
  const parent_usage = page_counter_read(parent.memory);
  memcg.memory.emin = effective_protection(k, usage, parent_usage, memcg.memory.min, parent.memory.emin, parent.memory.children_min_usage);
  memcg.memory.elow = effective_protection(k, usage, parent_usage, memcg.memory.low, parent.memory.elow, parent.memory.children_low_usage);
}

/** [emin, elow] for get_scan_count; none for the reclaim's own target. @kernel include/linux/memcontrol.h mem_cgroup_protection */
export function mem_cgroup_protection(root: mem_cgroup | null, memcg: mem_cgroup): readonly [number, number] {
  if (root === memcg) return NO_PROTECTION;
  return [memcg.memory.emin, memcg.memory.elow];
}
const NO_PROTECTION: readonly [number, number] = Object.freeze([0, 0] as const);

/** @kernel include/linux/memcontrol.h mem_cgroup_below_low */
export function mem_cgroup_below_low(target: mem_cgroup | null, memcg: mem_cgroup): boolean {
  if (memcg.id === 0 || memcg === target) return false;
  return memcg.memory.elow >= page_counter_read(memcg.memory);
}

/** @kernel include/linux/memcontrol.h mem_cgroup_below_min */
export function mem_cgroup_below_min(target: mem_cgroup | null, memcg: mem_cgroup): boolean {
  if (memcg.id === 0 || memcg === target) return false;
  return memcg.memory.emin >= page_counter_read(memcg.memory);
}

/**
 * A page read in from swap is charged to the memcg that owned the swap entry (its swap_cgroup
 * record), or, when that memcg is gone, to the mm's (the current task's).
 * @kernel mm/memcontrol.c mem_cgroup_swapin_charge_folio
 */
export function mem_cgroup_swapin_charge_folio(k: Kernel, pfn: number, mm: mm_struct | null, gfp: number, entry: number): number {
  if (k.memcg.nr_memcgs === 0) return 0;
  const id = lookup_swap_cgroup_id(k, entry);
  let memcg = id !== 0 ? k.memcg.byId[id] : null;
  if (memcg === null || memcg === undefined || !memcg.online) memcg = get_mem_cgroup_from_mm(k, mm);
  if (memcg.id === 0) return 0;
  return charge_memcg(k, pfn, memcg, gfp);
}

/** The memcg id a swap entry is charged to (0: none). @kernel mm/swap_cgroup.c lookup_swap_cgroup_id */
export function lookup_swap_cgroup_id(k: Kernel, entry: number): number {
  const si = k.swap.swap_info[swp_type(entry)];
  if (si === undefined || si === null) return 0;
  return si.swap_cgroup[swp_offset(entry)] ?? 0;
}

/**
 * A page of a memcg gets a swap slot: the memcg's swap counter is charged (MEMCG_SWAP_MAX and
 * MEMCG_SWAP_FAIL events and -ENOMEM at memory.swap.max) and the slot records the memcg.
 * @kernel mm/memcontrol.c __mem_cgroup_try_charge_swap
 */
export function mem_cgroup_try_charge_swap(k: Kernel, pfn: number, entry: number): number {
  const v = k.mem_map.memcg[pfn];
  if (v === 0 || (v & MEMCG_DATA_KMEM) !== 0) return 0;
  const memcg = mem_cgroup_from_id(k, v);
  const nr = (k.mem_map.flags[pfn] & HEAD) !== 0 ? pow2(k.mem_map.index[pfn + 1]) : 1;
  const fail = page_counter_try_charge(memcg.swap, nr);
  if (fail !== null) {
    memcg_memory_event(memcg, MEMCG_SWAP_MAX);
    memcg_memory_event(memcg, MEMCG_SWAP_FAIL);
    return -errnoValues.ENOMEM;
  }
  const si = k.swap.swap_info[swp_type(entry)];
  if (si !== undefined && si !== null) si.swap_cgroup.fill(memcg.id, swp_offset(entry), swp_offset(entry) + nr);
  __mod_memcg_state(k, memcg, MEMCG_SWAP, nr);
  return 0;
}

/** A charged swap slot is freed. @kernel mm/memcontrol.c __mem_cgroup_uncharge_swap */
export function mem_cgroup_uncharge_swap(k: Kernel, si: { swap_cgroup: Uint16Array }, offset: number): void {
  const id = si.swap_cgroup[offset];
  si.swap_cgroup[offset] = 0;
  const memcg = k.memcg.byId[id];
  if (memcg === null || memcg === undefined) return;
  page_counter_uncharge(memcg.swap, 1);
  __mod_memcg_state(k, memcg, MEMCG_SWAP, -1);
  if (!memcg.online) mem_cgroup_maybe_release(k, memcg);
}

/**
 * Swap a memcg may still use: the least headroom under swap.max of it and its ancestors, and
 * the free swap there is.
 * @kernel mm/memcontrol.c mem_cgroup_get_nr_swap_pages
 */
export function mem_cgroup_get_nr_swap_pages(k: Kernel, memcg: mem_cgroup): number {
  let nr_swap_pages = k.nr_swap_pages;
  for (let m: mem_cgroup | null = memcg; m !== null && m.id !== 0; m = m.parent) nr_swap_pages = Math.min(nr_swap_pages, m.swap.max - page_counter_read(m.swap));
  return nr_swap_pages;
}

/** The memcg an mm's faults count against, or null for the root (whose events are the global ones). */
export function memcg_event_counters(k: Kernel, mm: mm_struct): mem_cgroup | null {
  const memcg = get_mem_cgroup_from_mm(k, mm);
  return memcg.id === 0 ? null : memcg;
}

/** count_memcg_event_mm(mm, PGFAULT) for a memcg already looked up. */
export function memcg_count_fault(k: Kernel, memcg: mem_cgroup): void {
  memcg.events_pending[PGFAULT]++;
  memcg_rstat_updated(k, memcg, 1);
}

// ---------------------------------------------------------------------------------------------
// Kernel memory by the byte: obj_cgroup charging of slab objects (issues 15 and 16)
//
// A SLAB_ACCOUNT cache's object, or a kmalloc(__GFP_ACCOUNT) one (kmalloc-cg-*), is charged to
// the obj_cgroup of the allocating task's memcg, obj_full_size bytes (the object's slot plus the
// 8-byte objcg pointer of the slab's objcgs vector): whole pages from the memcg's counters
// (try_charge_memcg, MEMCG_KMEM), the rest kept as bytes in the per-CPU obj stock, which hands
// them out to the next objects and takes freed objects' bytes back, giving whole pages back when
// it holds more than one. The slab statistics of memory.stat (slab_reclaimable,
// slab_unreclaimable) move by obj_full_size per object, batched in the stock until they pass a
// page or the stock changes objcg or node (mod_objcg_state). An rmdir'd memcg's objcgs point to
// its parent from then on (memcg_reparent_objcgs): what its objects free uncharges the parent.
//
// The object's objcg is its cache's `objcgs` column (slab.ts), indexed like the free pointers;
// it holds the objcg's id in `kmem.objcgs`.
//
// Simplified: the objcgs vector is not allocated from kmalloc (memcg_alloc_slab_cgroups' kcalloc
// of 8 bytes per object of the slab is left out of slabinfo); an objcg lives as long as the
// machine (no percpu_ref, no obj_cgroup_release: a reparented one stays in the table); at
// reparenting the dying memcg's own counter gives up what its objcgs still hold (6.1 leaves that
// charge with the zombie, which is freed regardless), so the model's zombie can be released;
// no per-node (lruvec) slab statistics, so memory.numa_stat has no slab lines; no list_lru
// per memcg (memcg_list_lru_alloc).
// @kernel mm/memcontrol.c get_obj_cgroup_from_current, __get_obj_cgroup_from_memcg,
//   obj_cgroup_charge, obj_cgroup_uncharge, obj_cgroup_charge_pages, obj_cgroup_uncharge_pages,
//   memcg_account_kmem, consume_obj_stock, refill_obj_stock, drain_obj_stock,
//   obj_stock_flush_required, mod_objcg_state, mod_objcg_mlstate, memcg_reparent_objcgs,
//   memcg_online_kmem, memcg_offline_kmem
// @kernel mm/slab.h memcg_slab_pre_alloc_hook, memcg_slab_post_alloc_hook, memcg_slab_free_hook,
//   obj_full_size
// ---------------------------------------------------------------------------------------------

const PAGE_SIZE_ = 4096;

/** @kernel include/linux/memcontrol.h struct obj_cgroup */
export class obj_cgroup {
  /** Bytes charged but not used, flushed from a stock (nr_charged_bytes). */
  nr_charged_bytes = 0;
  /** The model's: pages charged through this objcg and not given back (what its objects and stocks hold). */
  nr_pages = 0;
  constructor(
    readonly id: number,
    public memcg: mem_cgroup,
  ) {}
}

/** The obj half of one CPU's memcg_stock_pcp. @kernel mm/memcontrol.c struct memcg_stock_pcp */
export class obj_stock_pcp {
  cached_objcg: obj_cgroup | null = null;
  /** The node of the cached slab statistics, or -1. */
  cached_pgdat = -1;
  nr_bytes = 0;
  nr_slab_reclaimable_b = 0;
  nr_slab_unreclaimable_b = 0;
}

/** The objcgs of one machine: by id (what a slab object's objcgs entry holds), each memcg's own, the stocks. */
export class memcg_kmem_state {
  /** objcgs[id]; id 0 is "no objcg". */
  readonly objcgs: (obj_cgroup | null)[] = [null];
  /** memcg->objcg, by memcg id: null before the first use and after rmdir. */
  readonly byMemcg: (obj_cgroup | null)[] = [];
  readonly stock: obj_stock_pcp[] = [];
}

function kmem_state(k: Kernel): memcg_kmem_state {
  let st = k.memcg.kmem;
  if (st === null) st = k.memcg.kmem = new memcg_kmem_state();
  return st;
}

function obj_stock_of(k: Kernel): obj_stock_pcp {
  const s = kmem_state(k).stock;
  while (s.length <= k.cpu) s.push(new obj_stock_pcp());
  return s[k.cpu];
}

/** A memcg's objcg, made at its first accounted allocation (6.1 makes it at css online). @kernel mm/memcontrol.c memcg_online_kmem */
function memcg_objcg(k: Kernel, memcg: mem_cgroup): obj_cgroup | null {
  if (!memcg.online) return null;
  const st = kmem_state(k);
  let objcg = st.byMemcg[memcg.id];
  if (objcg === null || objcg === undefined) {
    objcg = new obj_cgroup(st.objcgs.length, memcg);
    st.objcgs.push(objcg);
    while (st.byMemcg.length <= memcg.id) st.byMemcg.push(null);
    st.byMemcg[memcg.id] = objcg;
  }
  return objcg;
}

/**
 * The objcg the current task's kernel allocations are charged to: its memcg's, or the nearest
 * online ancestor's; none for the root, a kernel thread or a task without an mm.
 * @kernel mm/memcontrol.c get_obj_cgroup_from_current, __get_obj_cgroup_from_memcg, memcg_kmem_bypass
 */
export function get_obj_cgroup_from_current(k: Kernel): obj_cgroup | null {
  // memcg_kmem_bypass: remote charging is allowed from any context; without it, a kthread or a
  // task without an mm charges nothing.
  let from: mem_cgroup | null = k.memcg.active_memcg;
  if (from === null) {
    if (k.in_kthread > 0) return null;
    const t = k.tasks.find(k.currentPid);
    if (t === undefined || t.mm === null) return null;
    from = mem_cgroup_from_task(k, t);
  }
  for (let memcg: mem_cgroup | null = from; memcg !== null && memcg.id !== 0; memcg = memcg.parent) {
    const objcg = memcg_objcg(k, memcg);
    if (objcg !== null) return objcg;
  }
  return null;
}

/** MEMCG_KMEM (memory.stat's `kernel`). @kernel mm/memcontrol.c memcg_account_kmem */
function memcg_account_kmem(k: Kernel, memcg: mem_cgroup, nr_pages: number): void {
  __mod_memcg_state(k, memcg, MEMCG_KMEM, nr_pages);
}

/** @kernel mm/memcontrol.c obj_cgroup_charge_pages */
function obj_cgroup_charge_pages(k: Kernel, objcg: obj_cgroup, gfp: number, nr_pages: number): number {
  const memcg = objcg.memcg;
  const ret = try_charge_memcg(k, memcg, gfp, nr_pages);
  if (ret !== 0) return ret;
  memcg_account_kmem(k, memcg, nr_pages);
  objcg.nr_pages += nr_pages;
  return 0;
}

/** @kernel mm/memcontrol.c obj_cgroup_uncharge_pages */
function obj_cgroup_uncharge_pages(k: Kernel, objcg: obj_cgroup, nr_pages: number): void {
  const memcg = objcg.memcg;
  memcg_account_kmem(k, memcg, -nr_pages);
  objcg.nr_pages -= nr_pages;
  refill_stock(k, memcg, nr_pages);
}

/**
 * The slab statistics of an objcg's memcg on node `nid` (the memcg half of mod_lruvec_state: the
 * memcg's counter and its lruvec's on that node, which memory.numa_stat prints).
 * @kernel mm/memcontrol.c mod_objcg_mlstate
 */
function mod_objcg_mlstate(k: Kernel, objcg: obj_cgroup, nid: number, idx: number, nr: number): void {
  __mod_memcg_lruvec_state(k, objcg.memcg, nid, idx, nr);
}

/** @kernel mm/memcontrol.c drain_obj_stock */
function drain_obj_stock(k: Kernel, stock: obj_stock_pcp): void {
  const old = stock.cached_objcg;
  if (old === null) return;
  if (stock.nr_bytes) {
    const nr_pages = Math.floor(stock.nr_bytes / PAGE_SIZE_);
    const nr_bytes = stock.nr_bytes % PAGE_SIZE_;
    if (nr_pages) {
      memcg_account_kmem(k, old.memcg, -nr_pages);
      old.nr_pages -= nr_pages;
      refill_stock(k, old.memcg, nr_pages);
    }
    // The leftover is flushed to the centralized per-objcg value.
    old.nr_charged_bytes += nr_bytes;
    stock.nr_bytes = 0;
  }
  // Flush the vmstat data in current stock
  if (stock.nr_slab_reclaimable_b) {
    mod_objcg_mlstate(k, old, stock.cached_pgdat, NR_SLAB_RECLAIMABLE_B, stock.nr_slab_reclaimable_b);
    stock.nr_slab_reclaimable_b = 0;
  }
  if (stock.nr_slab_unreclaimable_b) {
    mod_objcg_mlstate(k, old, stock.cached_pgdat, NR_SLAB_UNRECLAIMABLE_B, stock.nr_slab_unreclaimable_b);
    stock.nr_slab_unreclaimable_b = 0;
  }
  stock.cached_pgdat = -1;
  stock.cached_objcg = null;
}

/** A stock made to cache objcg: the old one drained, the objcg's leftover bytes taken in. */
function obj_stock_switch(k: Kernel, stock: obj_stock_pcp, objcg: obj_cgroup): void {
  drain_obj_stock(k, stock);
  stock.cached_objcg = objcg;
  stock.nr_bytes = objcg.nr_charged_bytes;
  objcg.nr_charged_bytes = 0;
}

/** @kernel mm/memcontrol.c consume_obj_stock */
function consume_obj_stock(k: Kernel, objcg: obj_cgroup, nr_bytes: number): boolean {
  const stock = obj_stock_of(k);
  if (objcg === stock.cached_objcg && stock.nr_bytes >= nr_bytes) {
    stock.nr_bytes -= nr_bytes;
    return true;
  }
  return false;
}

/** @kernel mm/memcontrol.c refill_obj_stock */
function refill_obj_stock(k: Kernel, objcg: obj_cgroup, nr_bytes: number, allow_uncharge: boolean): void {
  const stock = obj_stock_of(k);
  if (stock.cached_objcg !== objcg) {
    obj_stock_switch(k, stock, objcg);
    stock.cached_pgdat = -1;
    allow_uncharge = true; // Allow uncharge when objcg changes
  }
  stock.nr_bytes += nr_bytes;
  let nr_pages = 0;
  if (allow_uncharge && stock.nr_bytes > PAGE_SIZE_) {
    nr_pages = Math.floor(stock.nr_bytes / PAGE_SIZE_);
    stock.nr_bytes %= PAGE_SIZE_;
  }
  if (nr_pages) obj_cgroup_uncharge_pages(k, objcg, nr_pages);
}

/**
 * Charges `size` bytes to objcg: from the stock's bytes, else whole pages (the rest of the last
 * one to the stock, which may then exceed a page rather than uncharge right after charging).
 * 0, or -ENOMEM.
 * @kernel mm/memcontrol.c obj_cgroup_charge
 */
export function obj_cgroup_charge(k: Kernel, objcg: obj_cgroup, gfp: number, size: number): number {
  if (consume_obj_stock(k, objcg, size)) return 0;
  let nr_pages = Math.floor(size / PAGE_SIZE_);
  const nr_bytes = size % PAGE_SIZE_;
  if (nr_bytes) nr_pages += 1;
  const ret = obj_cgroup_charge_pages(k, objcg, gfp, nr_pages);
  if (!ret && nr_bytes) refill_obj_stock(k, objcg, PAGE_SIZE_ - nr_bytes, false);
  return ret;
}

/** @kernel mm/memcontrol.c obj_cgroup_uncharge */
export function obj_cgroup_uncharge(k: Kernel, objcg: obj_cgroup, size: number): void {
  refill_obj_stock(k, objcg, size, true);
}

/**
 * An object's slab statistics, cached in the stock until they pass a page, or the stock changes
 * objcg or node.
 * @kernel mm/memcontrol.c mod_objcg_state
 */
export function mod_objcg_state(k: Kernel, objcg: obj_cgroup, nid: number, idx: number, nr: number): void {
  const stock = obj_stock_of(k);
  if (stock.cached_objcg !== objcg) {
    obj_stock_switch(k, stock, objcg);
    stock.cached_pgdat = nid;
  } else if (stock.cached_pgdat !== nid) {
    // Flush the existing cached vmstat data
    if (stock.nr_slab_reclaimable_b) {
      mod_objcg_mlstate(k, objcg, stock.cached_pgdat, NR_SLAB_RECLAIMABLE_B, stock.nr_slab_reclaimable_b);
      stock.nr_slab_reclaimable_b = 0;
    }
    if (stock.nr_slab_unreclaimable_b) {
      mod_objcg_mlstate(k, objcg, stock.cached_pgdat, NR_SLAB_UNRECLAIMABLE_B, stock.nr_slab_unreclaimable_b);
      stock.nr_slab_unreclaimable_b = 0;
    }
    stock.cached_pgdat = nid;
  }
  const rcl = idx === NR_SLAB_RECLAIMABLE_B;
  let bytes = rcl ? stock.nr_slab_reclaimable_b : stock.nr_slab_unreclaimable_b;
  // Even for large object >= PAGE_SIZE, the vmstat data will still be cached locally at least
  // once before pushing it out.
  if (!bytes) {
    bytes = nr;
    nr = 0;
  } else {
    bytes += nr;
    if (Math.abs(bytes) > PAGE_SIZE_) {
      nr = bytes;
      bytes = 0;
    } else nr = 0;
  }
  if (rcl) stock.nr_slab_reclaimable_b = bytes;
  else stock.nr_slab_unreclaimable_b = bytes;
  if (nr) mod_objcg_mlstate(k, objcg, nid, idx, nr);
}

/** The objcg of an id a slab object's objcgs entry holds. */
export function objcg_from_id(k: Kernel, id: number): obj_cgroup {
  const objcg = kmem_state(k).objcgs[id];
  if (objcg === null || objcg === undefined) throw new KernelBug("slab object charged to no objcg", { id });
  return objcg;
}

/** Drains every CPU's obj stock caching an objcg of root's subtree. @kernel mm/memcontrol.c drain_all_stock, obj_stock_flush_required */
export function drain_all_obj_stock(k: Kernel, root: mem_cgroup): void {
  const st = k.memcg.kmem;
  if (st === null) return;
  for (const stock of st.stock) {
    const objcg = stock.cached_objcg;
    if (objcg !== null && mem_cgroup_is_descendant(objcg.memcg, root)) drain_obj_stock(k, stock);
  }
}

/**
 * rmdir: the memcg's objcg, and those already reparented to it, now charge its parent; the
 * dying memcg's own counter gives up what they hold (see the section's header).
 * @kernel mm/memcontrol.c memcg_offline_kmem, memcg_reparent_objcgs
 */
export function memcg_offline_kmem(k: Kernel, memcg: mem_cgroup): void {
  const st = k.memcg.kmem;
  const parent = memcg.parent;
  if (st === null || parent === null) return;
  if (memcg.id < st.byMemcg.length) st.byMemcg[memcg.id] = null;
  let held = 0;
  for (const objcg of st.objcgs) {
    if (objcg === null || objcg.memcg !== memcg) continue;
    objcg.memcg = parent;
    held += objcg.nr_pages;
  }
  memcg.memory.usage -= held;
}
