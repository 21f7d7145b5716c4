/**
 * The shrinker API of mm/vmscan.c (6.1): caches the kernel can rebuild (dentries, inodes, THP's
 * deferred split queue, the huge zero page) register a `shrinker` whose count_objects says how
 * many objects could be freed and whose scan_objects frees up to nr_to_scan of them. Reclaim's
 * shrink_node runs every registered shrinker once per node pass (shrink_slab), asking each for
 * its count >> priority, times 4 / seeks — 1/4096 of a cache at DEF_PRIORITY 12, twice the cache
 * at priority 0 — plus the work earlier passes left undone (nr_deferred); drop_caches=2 runs them
 * at priority 0 until a pass frees almost nothing (drop_slab).
 *
 * Why a module of its own rather than in vmscan.ts as in 6.1: the mglru and memcg work edits
 * vmscan.ts at the same time, and 6.7 moved this code out to mm/shrinker.c for the same reason
 * (it is a separate API the reclaim loop calls into). vmscan.ts's shrink_node calls shrink_slab.
 *
 * Where the kernel keeps what: shrinker_list is `k.shrinkers.shrinker_list` (registration order,
 * list_add_tail); a shrinker's nr_deferred is one counter, or one per node for a
 * SHRINKER_NUMA_AWARE shrinker on a machine with more than one node (__prealloc_shrinker sizes
 * it by nr_node_ids); the tracepoints mm_shrink_slab_start/end print in 6.1's format.
 *
 * Simplified: the memcg path (shrink_slab_memcg, memcg-aware nr_deferred per cgroup) is left out:
 * every shrinker runs in the global path, as it does for the root cgroup — the only one the model
 * has until the memcg work lands (it plugs into shrink_slab where the kernel tests
 * mem_cgroup_is_root). No shrinker_rwsem (one CPU; the contended bail-out never happens), no
 * CONFIG_SHRINKER_DEBUG (Debian's config leaves it off: shrinkers have no names or debugfs
 * files); %pS of the tracepoints prints the function name without +off/len (the model has no
 * symbol table; the kmem tracepoints' call_site does the same) and %p a stable stand-in for the
 * hashed pointer.
 * @kernel mm/vmscan.c register_shrinker, unregister_shrinker, prealloc_shrinker,
 *   register_shrinker_prepared, free_prealloced_shrinker, xchg_nr_deferred, add_nr_deferred,
 *   do_shrink_slab, shrink_slab, drop_slab, drop_slab_node
 * @kernel include/linux/shrinker.h shrinker, shrink_control
 */
import { shr } from "../lib/bitops.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { GFP_KERNEL, show_gfp_flags } from "./gfp.js";
import { SLABS_SCANNED } from "./vmstat_items.js";

/** DEFAULT_SEEKS: a good number if you don't know better (include/linux/shrinker.h). */
export const DEFAULT_SEEKS = 2;
/** SHRINK_BATCH: scan_objects is asked for at most this many unless the shrinker sets batch. */
export const SHRINK_BATCH = 128;
/** SHRINK_STOP (~0UL): scan_objects cannot make progress now. */
export const SHRINK_STOP = -1;
/** SHRINK_EMPTY (~0UL - 1): count_objects found the cache empty. */
export const SHRINK_EMPTY = -2;

export const SHRINKER_REGISTERED = 1 << 0;
export const SHRINKER_NUMA_AWARE = 1 << 1;
export const SHRINKER_MEMCG_AWARE = 1 << 2;
export const SHRINKER_NONSLAB = 1 << 3;

/** What a shrinker is asked: the allocation's GFP, the node, how many to scan. @kernel include/linux/shrinker.h shrink_control */
export class shrink_control {
  gfp_mask = 0;
  nid = 0;
  /** Objects to scan; scan_objects may lower nr_scanned to what it really looked at. */
  nr_to_scan = 0;
  nr_scanned = 0;
}

/**
 * A shrinker's code (the kernel's function pointers), a frozen table named in the snapshot
 * registry. `name` is the scan function's symbol, which mm_shrink_slab_start/end print.
 */
export interface shrinker_operations {
  readonly name: string;
  readonly count_objects: (
    k: Kernel,
    s: shrinker,
    sc: shrink_control,
  ) => number;
  readonly scan_objects: (k: Kernel, s: shrinker, sc: shrink_control) => number;
}

/** One registered shrinker. `owner` is what the kernel reaches by container_of (a super_block). @kernel include/linux/shrinker.h shrinker */
export class shrinker {
  flags: number;
  /** objs pending delete, per node (or [0] alone); null until prealloc_shrinker. */
  nr_deferred: Float64Array | null = null;
  /** The stand-in for the shrinker's hashed address (%p). */
  id = 0;
  constructor(
    readonly ops: shrinker_operations,
    readonly seeks: number,
    /** reclaim batch size, 0 = SHRINK_BATCH */
    readonly batch: number,
    flags: number,
    readonly owner: object | null,
  ) {
    this.flags = flags;
  }
}

/** shrinker_list and its companions, per machine. */
export class shrinker_state {
  /** Registered shrinkers, oldest first (list_add_tail). */
  readonly shrinker_list: shrinker[] = [];
  /** The next shrinker's %p stand-in. */
  next_id = 1;
  /** shrink_slab's on-stack shrink_control, reused (no allocation per call). */
  readonly sc = new shrink_control();
}

/**
 * Sizes nr_deferred: one counter per node for a NUMA-aware shrinker, else one.
 * @kernel mm/vmscan.c prealloc_shrinker
 */
export function prealloc_shrinker(k: Kernel, s: shrinker): number {
  const nr_node_ids = k.node_data.length;
  s.nr_deferred = new Float64Array(
    s.flags & SHRINKER_NUMA_AWARE ? Math.max(1, nr_node_ids) : 1,
  );
  if (s.id === 0) s.id = k.shrinkers.next_id++;
  return 0;
}

/** Puts a prepared shrinker on the list. @kernel mm/vmscan.c register_shrinker_prepared */
export function register_shrinker_prepared(k: Kernel, s: shrinker): void {
  if (s.flags & SHRINKER_REGISTERED)
    throw new KernelBug("register_shrinker: shrinker registered twice", {
      name: s.ops.name,
    });
  k.shrinkers.shrinker_list.push(s);
  s.flags |= SHRINKER_REGISTERED;
}

/** @kernel mm/vmscan.c free_prealloced_shrinker */
export function free_prealloced_shrinker(s: shrinker): void {
  s.nr_deferred = null;
}

/** prealloc_shrinker + register_shrinker_prepared; 0. @kernel mm/vmscan.c register_shrinker */
export function register_shrinker(k: Kernel, s: shrinker): number {
  const err = prealloc_shrinker(k, s);
  if (err) return err;
  register_shrinker_prepared(k, s);
  return 0;
}

/** Takes a shrinker off the list (a no-op for one never registered). @kernel mm/vmscan.c unregister_shrinker */
export function unregister_shrinker(k: Kernel, s: shrinker): void {
  if ((s.flags & SHRINKER_REGISTERED) === 0) return;
  const list = k.shrinkers.shrinker_list;
  list.splice(list.indexOf(s), 1);
  s.flags &= ~SHRINKER_REGISTERED;
  s.nr_deferred = null;
}

/** The nr_deferred slot of node `nid` (0 for a shrinker that is not NUMA-aware). */
function deferred_idx(s: shrinker, nid: number): number {
  return s.flags & SHRINKER_NUMA_AWARE &&
    s.nr_deferred !== null &&
    nid < s.nr_deferred.length
    ? nid
    : 0;
}

/** The %p stand-in: a stable 16-digit value per shrinker (the kernel prints a hashed pointer). */
function shrinker_ptr(s: shrinker): string {
  return ((0x9e3779b1 * s.id) >>> 0).toString(16).padStart(16, "0");
}

/**
 * One shrinker's turn: the work asked of it is its object count shifted right by the priority,
 * times 4 / seeks (half the count for seeks 0), plus the deferred work of earlier turns shifted
 * by the priority, at most twice the count. It scans in batches while a whole batch (or the whole
 * count, when memory is so tight that total_scan exceeds it) is due, counting slabs_scanned;
 * the rest is deferred, capped at twice the count. Returns the objects freed, or SHRINK_EMPTY.
 *
 * Worked case: 100000 unused dentries and inodes, vfs_cache_pressure 100: count 100000. At
 * priority 12, delta = (100000 >> 12) * 4 / 2 = 48, below the super shrinker's batch of 1024 and
 * the count, so nothing is scanned and 48 is deferred; the next pass adds 48 more. At priority 0
 * (drop_caches) delta = 200000, total_scan = min(200000, 200000): 195 batches of 1024 and the
 * last 320 — every dentry goes.
 * @kernel mm/vmscan.c do_shrink_slab, xchg_nr_deferred, add_nr_deferred
 */
export function do_shrink_slab(
  k: Kernel,
  shrinkctl: shrink_control,
  s: shrinker,
  priority: number,
): number {
  const batch_size = s.batch ? s.batch : SHRINK_BATCH;
  const freeable = s.ops.count_objects(k, s, shrinkctl);
  if (freeable === 0 || freeable === SHRINK_EMPTY) return freeable;
  const deferred = s.nr_deferred;
  if (deferred === null)
    throw new KernelBug("do_shrink_slab: shrinker without nr_deferred", {
      name: s.ops.name,
    });
  const di = deferred_idx(s, shrinkctl.nid);
  // xchg_nr_deferred: take the carried-over work and zero it.
  const nr = deferred[di];
  deferred[di] = 0;
  let delta: number;
  if (s.seeks) delta = Math.floor(((freeable >> priority) * 4) / s.seeks);
  else delta = Math.floor(freeable / 2);
  let total_scan = shr(nr, priority) + delta;
  total_scan = Math.min(total_scan, 2 * freeable);
  const tracing = k.trace.active;
  if (tracing && k.trace.enabled("mm_shrink_slab_start")) {
    k.trace.emit(
      "mm_shrink_slab_start",
      {
        shrink: s.ops.name,
        nid: shrinkctl.nid,
        nr_objects_to_shrink: nr,
        cache_items: freeable,
        delta,
        total_scan,
        priority,
      },
      `${s.ops.name} ${shrinker_ptr(s)}: nid: ${shrinkctl.nid} objects to shrink ${nr} gfp_flags ${show_gfp_flags(shrinkctl.gfp_mask)} cache items ${freeable} delta ${delta} total_scan ${total_scan} priority ${priority}`,
    );
  }
  let freed = 0;
  let scanned = 0;
  while (total_scan >= batch_size || total_scan >= freeable) {
    const nr_to_scan = Math.min(batch_size, total_scan);
    shrinkctl.nr_to_scan = nr_to_scan;
    shrinkctl.nr_scanned = nr_to_scan;
    const ret = s.ops.scan_objects(k, s, shrinkctl);
    if (ret === SHRINK_STOP) break;
    freed += ret;
    k.vm_events[SLABS_SCANNED] += shrinkctl.nr_scanned;
    total_scan -= shrinkctl.nr_scanned;
    scanned += shrinkctl.nr_scanned;
  }
  // The deferred work grows by the new work not done and shrinks by old work done now.
  let next_deferred = Math.max(nr + delta - scanned, 0);
  next_deferred = Math.min(next_deferred, 2 * freeable);
  // add_nr_deferred: only a positive count is added back (to the zero xchg left).
  if (next_deferred > 0) deferred[di] += next_deferred;
  const new_nr = deferred[di];
  if (tracing && k.trace.enabled("mm_shrink_slab_end")) {
    k.trace.emit(
      "mm_shrink_slab_end",
      {
        shrink: s.ops.name,
        nid: shrinkctl.nid,
        unused_scan: nr,
        new_scan: new_nr,
        total_scan,
        retval: freed,
      },
      `${s.ops.name} ${shrinker_ptr(s)}: nid: ${shrinkctl.nid} unused scan count ${nr} new scan count ${new_nr} total_scan ${total_scan} last shrinker return val ${freed}`,
    );
  }
  return freed;
}

/**
 * Every registered shrinker once for node `nid` at `priority`; the objects freed (SHRINK_EMPTY
 * counts as 0).
 * Simplified: the global path only (see the header): a non-root memcg would take
 * shrink_slab_memcg.
 * @kernel mm/vmscan.c shrink_slab
 */
export function shrink_slab(
  k: Kernel,
  gfp_mask: number,
  nid: number,
  priority: number,
): number {
  const list = k.shrinkers.shrinker_list;
  const sc = k.shrinkers.sc;
  let freed = 0;
  for (let i = 0; i < list.length; i++) {
    sc.gfp_mask = gfp_mask;
    sc.nid = nid;
    sc.nr_to_scan = 0;
    sc.nr_scanned = 0;
    let ret = do_shrink_slab(k, sc, list[i], priority);
    if (ret === SHRINK_EMPTY) ret = 0;
    freed += ret;
  }
  return freed;
}

/**
 * drop_caches' slab half (echo 2 or 3): each node in turn, every shrinker at priority 0, again
 * while a pass frees more than 2, 4, 8, … objects (freed >> shift++ > 1).
 * @kernel mm/vmscan.c drop_slab, drop_slab_node
 */
export function drop_slab(k: Kernel): void {
  for (const pgdat of k.node_data) {
    const nid = pgdat.node_id;
    let shift = 0;
    let freed: number;
    do {
      freed = shrink_slab(k, GFP_KERNEL, nid, 0);
    } while (shr(freed, shift++) > 1);
  }
}
