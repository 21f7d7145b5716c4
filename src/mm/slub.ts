/**
 * SLUB, the slab allocator Debian's 6.1 builds: caches of equal-sized objects carved out of slabs
 * (order-0..3 folios from the buddy allocator), with a per-CPU fast path.
 *
 * The shape, as mm/slub.c keeps it (see slab.ts for where each field lives):
 * - Each CPU has a slab it allocates from (c->slab) with a lockless freelist (c->freelist); the
 *   slab is "frozen" (owned by the CPU) and its own slab->freelist collects frees from elsewhere.
 *   kmem_cache_alloc takes c->freelist's first object; kmem_cache_free of an object of c->slab
 *   pushes it back. Nothing else is touched: the fast paths are three typed-array slots.
 * - When c->freelist runs dry, ___slab_alloc takes the slab's remote frees (get_freelist), then a
 *   slab from the CPU's partial list (c->partial, up to cpu_partial_slabs slabs, frozen), then
 *   from the node's partial list (get_partial_node, which also refills c->partial), then a new
 *   slab (allocate_slab: the preferred order oo without reclaim, else the minimum order with it).
 * - A free to a slab that is not the CPU's (__slab_free) goes on slab->freelist; a full slab that
 *   gets a free object is frozen onto this CPU's partial list (put_cpu_partial, which spills the
 *   list to the node when it holds cpu_partial_slabs); an empty slab on the node list is freed
 *   when the node already keeps min_partial others.
 * - Slab pages are accounted in NR_SLAB_RECLAIMABLE_B (SLAB_RECLAIM_ACCOUNT caches) or
 *   NR_SLAB_UNRECLAIMABLE_B, per node: meminfo's SReclaimable and SUnreclaim.
 * - Geometry: calculate_sizes and calculate_order, whose min_objects grows with the CPU count
 *   (4 * (fls(cpus) + 1): 8 on one CPU, 16 on four), so the objects per slab of /proc/slabinfo
 *   differ between the sl-boot-m1024 and -smp4 captures, and the model reproduces both.
 * - CONFIG_SLAB_FREELIST_RANDOM: each cache has a shuffled object order (cache_random_seq_create)
 *   and each new slab starts at a random point of it (shuffle_freelist), from the machine's slab
 *   PRNG stream.
 *
 * Simplified: no slub_debug (Debian's default: red zones, poisoning and tracking off) beyond the
 * model's exact double-free and bad-pointer checks, which raise KernelBug with the messages
 * slub_debug's free_consistency_checks prints; no pfmemalloc slabs; no SLUB_STATS; RCU-deferred
 * frees (SLAB_TYPESAFE_BY_RCU slabs, kfree_rcu) happen at once; cmpxchg retries and the tid
 * never fail on one simulated CPU at a time; get_any_partial does not skip nodes by
 * get_cycles() % 1024 (it always searches, as 1000 of 1024 cycle counts do); flush_all runs the
 * per-CPU flush inline rather than on slub_flushwq.
 * @kernel mm/slub.c slab_alloc_node, ___slab_alloc, get_freelist, get_partial, get_partial_node,
 *   get_any_partial, acquire_slab, put_cpu_partial, __unfreeze_partials, deactivate_slab,
 *   flush_slab, __flush_cpu_slab, flush_all, new_slab, allocate_slab, alloc_slab_page,
 *   shuffle_freelist, __free_slab, discard_slab, add_partial, remove_partial, do_slab_free,
 *   __slab_free, kmem_cache_alloc, kmem_cache_alloc_node, kmem_cache_free, calc_slab_order,
 *   calculate_order, calculate_sizes, set_cpu_partial, slub_set_cpu_partial, kmem_cache_open,
 *   init_kmem_cache_nodes, early_kmem_cache_node_alloc, alloc_kmem_cache_cpus, bootstrap,
 *   kmem_cache_init, __kmem_cache_alias, __kmem_cache_create, __kmem_cache_shutdown,
 *   free_partial, __kmem_cache_shrink, __kmem_cache_do_shrink, get_slabinfo, count_partial,
 *   show_slab_objects, create_unique_id, slab_out_of_memory, free_consistency_checks
 * @kernel mm/slab.h account_slab, unaccount_slab, cache_vmstat_idx
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import { fls, pow2 } from "../lib/bitops.js";
import { ___ratelimit } from "../lib/ratelimit.js";
import {
  GFP_CONSTRAINT_MASK,
  GFP_DMA,
  GFP_DMA32,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_RECLAIM_MASK,
  GFP_SLAB_BUG_MASK,
  __GFP_ACCOUNT,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RECLAIMABLE,
  __GFP_ZERO,
  format_gfp_flags,
} from "./gfp.js";
import { F, PG_head, PG_slab, PG_tail } from "./memmap.js";
import { get_obj_cgroup_from_current, mod_objcg_state, obj_cgroup_charge, obj_cgroup_uncharge, objcg_from_id } from "./memcontrol.js";
import { __alloc_pages, __free_pages, numa_node_id } from "./page_alloc.js";
import { free_percpu, __alloc_percpu } from "./percpu.js";
import { create_boot_cache, create_kmalloc_caches, kfree, kmalloc } from "./slab_common.js";
import {
  COUNTERS_FROZEN,
  COUNTERS_INUSE_MASK,
  COUNTERS_OBJECTS_SHIFT,
  DEACTIVATE_TO_HEAD,
  DEACTIVATE_TO_TAIL,
  DOWN,
  FP_NULL,
  kmem_cache,
  kmem_cache_node,
  MAX_OBJS_PER_PAGE,
  MAX_PARTIAL,
  MIN_PARTIAL,
  NUMA_NO_NODE,
  OBJ_ALLOCATED,
  PARTIAL,
  SIZEOF_VOID_P,
  SLAB_ACCOUNT,
  SLAB_CACHE_DMA,
  SLAB_CACHE_DMA32,
  SLAB_CONSISTENCY_CHECKS,
  SLAB_HWCACHE_ALIGN,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_TYPESAFE_BY_RCU,
  UP,
  slub_max_order,
  slub_min_order,
} from "./slab.js";
import { PAGE_SIZE } from "./types.js";
import { NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from "./vmstat_items.js";
import { clamp } from "../lib/math.js";

const PG_slab_mask = F(PG_slab);
const PG_tail_mask = F(PG_tail);
const PG_head_mask = F(PG_head);

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

/** Objects of `size` bytes in a slab of 2^order pages. @kernel mm/slub.c order_objects */
export function order_objects(order: number, size: number): number {
  return Math.floor((PAGE_SIZE * pow2(order)) / size);
}

/** The smallest order whose block holds `size` bytes. @kernel include/asm-generic/getorder.h get_order */
export function get_order(size: number): number {
  let order = 0;
  while (PAGE_SIZE * pow2(order) < size) order++;
  return order;
}

/**
 * The lowest order from get_order(min_objects * size) up to max_order whose leftover is at most
 * 1/fract_leftover of the slab. kmalloc-96 on one CPU: min 8 objects = 768 bytes, order 0:
 * 4096 % 96 = 64 ≤ 4096/16, so order 0 (42 objects).
 * @kernel mm/slub.c calc_slab_order
 */
export function calc_slab_order(size: number, min_objects: number, max_order: number, fract_leftover: number): number {
  const min_order = slub_min_order;
  if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE) return get_order(size * MAX_OBJS_PER_PAGE) - 1;
  let order: number;
  for (order = Math.max(min_order, get_order(min_objects * size)); order <= max_order; order++) {
    const slab_size = PAGE_SIZE * pow2(order);
    const rem = slab_size % size;
    if (rem <= slab_size / fract_leftover) break;
  }
  return order;
}

/**
 * The preferred slab order for objects of `size` bytes: min_objects = 4 * (fls(cpus) + 1), then
 * leftover fractions 1/16, 1/8, 1/4, fewer objects, one object, any order.
 * task_struct (6208 bytes) on one CPU: 8 objects would need order 4 > slub_max_order, so fewer:
 * 5 objects in order 3 leave 1728 bytes ≤ 32768/16, order 3 with 5 per slab (sl-boot-m512).
 * @kernel mm/slub.c calculate_order
 */
export function calculate_order(nr_cpus: number, size: number): number {
  let min_objects = 4 * (fls(nr_cpus) + 1);
  const max_objects = order_objects(slub_max_order, size);
  min_objects = Math.min(min_objects, max_objects);
  while (min_objects > 1) {
    for (let fraction = 16; fraction >= 4; fraction /= 2) {
      const order = calc_slab_order(size, min_objects, slub_max_order, fraction);
      if (order <= slub_max_order) return order;
    }
    min_objects--;
  }
  let order = calc_slab_order(size, 1, slub_max_order, 1);
  if (order <= slub_max_order) return order;
  order = calc_slab_order(size, 1, 11, 1);
  if (order < 11) return order;
  return -1;
}

/** ALIGN(x, a) for a power of two. */
export function ALIGN(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/**
 * Object layout and slab order: the object rounded up to a word; the free pointer after it when
 * the object may not be overwritten on free (a constructor, SLAB_TYPESAFE_BY_RCU, poisoning),
 * else in its middle; the size aligned; the order from calculate_order. anon_vma (96 bytes, a
 * constructor): free pointer at 96, size 104, 39 per order-0 slab.
 * @kernel mm/slub.c calculate_sizes
 */
export function calculate_sizes(k: Kernel, s: kmem_cache): boolean {
  const flags = s.flags;
  let size = ALIGN(s.object_size, SIZEOF_VOID_P);
  s.inuse = size;
  if (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON) || (flags & SLAB_RED_ZONE && s.object_size < SIZEOF_VOID_P) || s.ctor) {
    s.offset = size;
    size += SIZEOF_VOID_P;
  } else {
    s.offset = Math.floor(s.object_size / 2 / SIZEOF_VOID_P) * SIZEOF_VOID_P;
  }
  size = ALIGN(size, s.align);
  s.size = size;
  s.reciprocal_size = 1 / size;
  const order = calculate_order(k.slab.nr_cpu_ids, size);
  if (order < 0) return false;
  s.allocflags = 0;
  if (order) s.allocflags |= __GFP_COMP;
  if (s.flags & SLAB_CACHE_DMA) s.allocflags |= GFP_DMA;
  if (s.flags & SLAB_CACHE_DMA32) s.allocflags |= GFP_DMA32;
  if (s.flags & SLAB_RECLAIM_ACCOUNT) s.allocflags |= __GFP_RECLAIMABLE;
  s.oo_order = order;
  s.oo_objects = order_objects(order, size);
  s.min_order = get_order(size);
  s.min_objects = order_objects(s.min_order, size);
  return s.oo_objects > 0;
}

/**
 * cpu_partial (objects) and cpu_partial_slabs: objects / half a slab, rounded up. kmalloc-64:
 * 120 objects, 64 per slab: DIV_ROUND_UP(240, 64) = 4 slabs.
 * @kernel mm/slub.c slub_set_cpu_partial
 */
export function slub_set_cpu_partial(s: kmem_cache, nr_objects: number): void {
  s.cpu_partial = nr_objects;
  s.cpu_partial_slabs = Math.ceil((nr_objects * 2) / s.oo_objects);
}

/** How many objects a CPU's partial list keeps, by object size. @kernel mm/slub.c set_cpu_partial */
function set_cpu_partial(s: kmem_cache): void {
  let nr_objects: number;
  if (s.size >= PAGE_SIZE) nr_objects = 6;
  else if (s.size >= 1024) nr_objects = 24;
  else if (s.size >= 256) nr_objects = 52;
  else nr_objects = 120;
  slub_set_cpu_partial(s, nr_objects);
}

// ---------------------------------------------------------------------------------------------
// Slab counters and free pointers (see slab.ts for the layout)
// ---------------------------------------------------------------------------------------------

function counters(inuse: number, objects: number, frozen: boolean): number {
  return (inuse | (objects << COUNTERS_OBJECTS_SHIFT) | (frozen ? COUNTERS_FROZEN : 0)) | 0;
}

/** slab->inuse. */
export function slab_inuse(k: Kernel, pfn: number): number {
  return k.mem_map.private[pfn] & COUNTERS_INUSE_MASK;
}

/** slab->objects. */
export function slab_objects(k: Kernel, pfn: number): number {
  return (k.mem_map.private[pfn] >>> COUNTERS_OBJECTS_SHIFT) & 0x7fff;
}

/** slab->frozen. */
export function slab_frozen(k: Kernel, pfn: number): boolean {
  return k.mem_map.private[pfn] < 0;
}

/** The slab's run of free pointers in its cache's pool. */
export function slab_fpbase(k: Kernel, s: kmem_cache, pfn: number): number {
  return k.mem_map.mapcount[pfn] * s.stride;
}

/** The node a slab's pages are on. @kernel mm/slab.h slab_nid */
export function slab_nid(k: Kernel, pfn: number): number {
  const z = k.page_zone(pfn);
  if (!z) throw new KernelBug("slab in a hole", { pfn });
  return z.node;
}

/** The head page of the folio holding a kernel address: virt_to_folio. */
export function virt_to_head_pfn(k: Kernel, addr: number): number {
  let pfn = Math.floor(addr / PAGE_SIZE);
  const flags = k.mem_map.flags;
  if (pfn < 0 || pfn >= k.mem_map.max_pfn) return -1;
  while (flags[pfn] & PG_tail_mask) pfn--;
  return pfn;
}

/** The object address of index i of a slab. */
function obj_addr(s: kmem_cache, pfn: number, i: number): number {
  return pfn * PAGE_SIZE + i * s.size;
}

/** A free-pointer slot for a new slab, growing the cache's pool by doubling. */
function slot_alloc(s: kmem_cache): number {
  const free = s.free_slots;
  if (free.length) return free.pop()!;
  if ((s.nr_slots + 1) * s.stride > s.fp.length) {
    const grown = new Int16Array(Math.max(16, s.nr_slots * 2) * s.stride);
    grown.set(s.fp);
    s.fp = grown;
    if (s.objcgs.length !== 0) memcg_grow_slab_objcgs(s);
  }
  return s.nr_slots++;
}

// ---------------------------------------------------------------------------------------------
// Slab pages
// ---------------------------------------------------------------------------------------------

/** NR_SLAB_RECLAIMABLE_B or NR_SLAB_UNRECLAIMABLE_B. @kernel mm/slab.h cache_vmstat_idx */
export function cache_vmstat_idx(s: kmem_cache): number {
  return s.flags & SLAB_RECLAIM_ACCOUNT ? NR_SLAB_RECLAIMABLE_B : NR_SLAB_UNRECLAIMABLE_B;
}

/** Pages from the buddy allocator, marked PG_slab. @kernel mm/slub.c alloc_slab_page */
function alloc_slab_page(k: Kernel, flags: number, node: number, order: number): number {
  const nid = node === NUMA_NO_NODE ? numa_node_id(k) : node;
  const pfn = __alloc_pages(k, flags, order, nid, null);
  if (pfn < 0) return -1;
  k.mem_map.flags[pfn] |= PG_slab_mask;
  return pfn;
}

/** Links the objects of a fresh slab in the cache's random order. @kernel mm/slub.c shuffle_freelist */
function shuffle_freelist(k: Kernel, s: kmem_cache, pfn: number, objects: number, base: number): boolean {
  const seq = s.random_seq;
  if (objects < 2 || seq === null) return false;
  const count = s.oo_objects;
  let pos = k.slab.rng.below(count);
  const next_entry = (): number => {
    let idx: number;
    do {
      idx = seq[pos];
      if (++pos >= count) pos = 0;
    } while (idx >= objects);
    return idx;
  };
  let cur = next_entry();
  k.mem_map.index[pfn] = cur;
  for (let i = 1; i < objects; i++) {
    const next = next_entry();
    s.fp[base + cur] = next;
    cur = next;
  }
  s.fp[base + cur] = FP_NULL;
  return true;
}

/**
 * A new slab: the preferred order without reclaim (nor warnings), then the minimum order with
 * the caller's flags; accounted to its node; its objects linked (shuffled). -1 when the page
 * allocator has nothing, even after its reclaim and OOM killing for the fallback.
 * @kernel mm/slub.c allocate_slab
 */
function allocate_slab(k: Kernel, s: kmem_cache, flags: number, node: number): number {
  flags |= s.allocflags;
  let order = s.oo_order;
  let objects = s.oo_objects;
  let alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
  if (alloc_gfp & __GFP_DIRECT_RECLAIM && s.oo_order > s.min_order) alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
  let pfn = alloc_slab_page(k, alloc_gfp, node, order);
  if (pfn < 0) {
    order = s.min_order;
    objects = s.min_objects;
    pfn = alloc_slab_page(k, flags, node, order);
    if (pfn < 0) return -1;
  }
  const mm = k.mem_map;
  mm.private[pfn] = counters(0, objects, false);
  // account_slab
  k.page_zone(pfn)!.zone_pgdat.vm_stat[cache_vmstat_idx(s)] += pow2(order);
  mm.mapping[pfn] = s.id;
  const slot = slot_alloc(s);
  mm.mapcount[pfn] = slot;
  const base = slot * s.stride;
  if (!shuffle_freelist(k, s, pfn, objects, base)) {
    mm.index[pfn] = 0;
    for (let i = 0; i < objects - 1; i++) s.fp[base + i] = i + 1;
    s.fp[base + objects - 1] = FP_NULL;
  }
  return pfn;
}

/** @kernel mm/slub.c new_slab */
function new_slab(k: Kernel, s: kmem_cache, flags: number, node: number): number {
  if (flags & GFP_SLAB_BUG_MASK) flags = kmalloc_fix_flags(k, flags);
  return allocate_slab(k, s, flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK), node);
}

/**
 * Strips zone bits slab pages may not have, with the kernel's complaint.
 * @kernel mm/slab_common.c kmalloc_fix_flags
 */
export function kmalloc_fix_flags(k: Kernel, flags: number): number {
  const invalid = (flags & GFP_SLAB_BUG_MASK) >>> 0;
  const fixed = (flags & ~GFP_SLAB_BUG_MASK) >>> 0;
  k.log.printk(KERN_WARNING, `Unexpected gfp: 0x${invalid.toString(16)} (${format_gfp_flags(invalid)}). Fixing up to gfp: 0x${fixed.toString(16)} (${format_gfp_flags(fixed)}). Fix your code!`);
  return fixed;
}

/**
 * The pages go back to the buddy allocator: PG_slab and the overlaid fields cleared, the
 * node's slab counter lowered, and the pages credited to reclaim when a shrinker's frees
 * emptied the slab (current->reclaim_state).
 * @kernel mm/slub.c __free_slab
 */
function __free_slab(k: Kernel, s: kmem_cache, pfn: number): void {
  const mm = k.mem_map;
  const order = mm.flags[pfn] & PG_head_mask ? mm.index[pfn + 1] : 0;
  const pages = pow2(order);
  s.free_slots.push(mm.mapcount[pfn]);
  mm.flags[pfn] &= ~PG_slab_mask;
  mm.mapping[pfn] = 0;
  mm.index[pfn] = 0;
  mm.private[pfn] = 0;
  mm.mapcount[pfn] = 0;
  mm.lru.next[pfn] = 0;
  mm.lru.prev[pfn] = 0;
  k.slab.reclaimed_slab += pages;
  k.page_zone(pfn)!.zone_pgdat.vm_stat[cache_vmstat_idx(s)] -= pages;
  __free_pages(k, pfn, order);
}

/** @kernel mm/slub.c discard_slab */
function discard_slab(k: Kernel, s: kmem_cache, pfn: number): void {
  const n = s.node[slab_nid(k, pfn)];
  n.nr_slabs--;
  n.total_objects -= slab_objects(k, pfn);
  __free_slab(k, s, pfn);
}

/** @kernel mm/slub.c inc_slabs_node */
function inc_slabs_node(s: kmem_cache, node: number, objects: number): void {
  const n = s.node[node];
  if (n) {
    n.nr_slabs++;
    n.total_objects += objects;
  }
}

// ---------------------------------------------------------------------------------------------
// Partial lists
// ---------------------------------------------------------------------------------------------

/** @kernel mm/slub.c add_partial */
function add_partial(k: Kernel, n: kmem_cache_node, pfn: number, tail: number): void {
  n.nr_partial++;
  if (tail === DEACTIVATE_TO_TAIL) k.mem_map.lru.list_add_tail(n.partial, 0, pfn);
  else k.mem_map.lru.list_add(n.partial, 0, pfn);
}

/** @kernel mm/slub.c remove_partial */
function remove_partial(k: Kernel, n: kmem_cache_node, pfn: number): void {
  k.mem_map.lru.list_del(n.partial, 0, pfn);
  n.nr_partial--;
}

/**
 * Takes a slab off the node list and freezes it: with `mode` its whole freelist goes to the
 * caller (inuse = objects), else the freelist stays for a CPU partial. Returns the freelist.
 * @kernel mm/slub.c acquire_slab
 */
function acquire_slab(k: Kernel, n: kmem_cache_node, pfn: number, mode: boolean): number {
  const mm = k.mem_map;
  const freelist = mm.index[pfn];
  const objects = slab_objects(k, pfn);
  if (mode) {
    mm.private[pfn] = counters(objects, objects, true);
    mm.index[pfn] = FP_NULL;
  } else {
    mm.private[pfn] = counters(slab_inuse(k, pfn), objects, true);
  }
  remove_partial(k, n, pfn);
  return freelist;
}

/**
 * Puts a just-frozen slab on this CPU's partial list; with `drain`, a list already holding
 * cpu_partial_slabs slabs is first moved to the node lists whole. The list is singly linked
 * through lru.next, its length kept in the head's lru.prev (slab->next, slab->slabs).
 * @kernel mm/slub.c put_cpu_partial
 */
function put_cpu_partial(k: Kernel, s: kmem_cache, pfn: number, drain: boolean): void {
  const lru = k.mem_map.lru;
  const cpu = k.cpu;
  let oldslab = s.cpu_partial_head[cpu];
  let to_unfreeze = -1;
  let slabs = 0;
  if (oldslab >= 0) {
    if (drain && lru.prev[oldslab] >= s.cpu_partial_slabs) {
      to_unfreeze = oldslab;
      oldslab = -1;
    } else {
      slabs = lru.prev[oldslab];
    }
  }
  slabs++;
  lru.prev[pfn] = slabs;
  lru.next[pfn] = oldslab;
  s.cpu_partial_head[cpu] = pfn;
  if (to_unfreeze >= 0) __unfreeze_partials(k, s, to_unfreeze);
}

/**
 * Unfreezes a chain of CPU partial slabs onto their node lists (tail); empty ones beyond the
 * node's min_partial are freed.
 * @kernel mm/slub.c __unfreeze_partials
 */
function __unfreeze_partials(k: Kernel, s: kmem_cache, partial_slab: number): void {
  const mm = k.mem_map;
  let to_discard = -1;
  while (partial_slab >= 0) {
    const pfn = partial_slab;
    partial_slab = mm.lru.next[pfn];
    const n = s.node[slab_nid(k, pfn)];
    const inuse = slab_inuse(k, pfn);
    mm.private[pfn] = counters(inuse, slab_objects(k, pfn), false);
    if (!inuse && n.nr_partial >= s.min_partial) {
      mm.lru.next[pfn] = to_discard;
      to_discard = pfn;
    } else {
      add_partial(k, n, pfn, DEACTIVATE_TO_TAIL);
    }
  }
  while (to_discard >= 0) {
    const pfn = to_discard;
    to_discard = mm.lru.next[pfn];
    discard_slab(k, s, pfn);
  }
}

/** @kernel mm/slub.c unfreeze_partials_cpu */
function unfreeze_partials_cpu(k: Kernel, s: kmem_cache, cpu: number): void {
  const head = s.cpu_partial_head[cpu];
  s.cpu_partial_head[cpu] = -1;
  if (head >= 0) __unfreeze_partials(k, s, head);
}

/**
 * Gives a CPU slab back: the CPU's freelist is spliced in front of the slab's own, the slab
 * unfrozen, and put on the node's partial list (at the tail if it had remote frees), freed if
 * empty and the node has min_partial others, or left on no list when full.
 * @kernel mm/slub.c deactivate_slab
 */
function deactivate_slab(k: Kernel, s: kmem_cache, pfn: number, freelist: number): void {
  const mm = k.mem_map;
  const n = s.node[slab_nid(k, pfn)];
  const base = slab_fpbase(k, s, pfn);
  const old_freelist = mm.index[pfn];
  const tail = old_freelist >= 0 ? DEACTIVATE_TO_TAIL : DEACTIVATE_TO_HEAD;
  // Stage one: count the CPU's free objects and find the last.
  let free_delta = 0;
  let freelist_tail = -1;
  for (let iter = freelist; iter >= 0; iter = s.fp[base + iter]) {
    freelist_tail = iter;
    free_delta++;
  }
  // Stage two: splice and unfreeze.
  let inuse = slab_inuse(k, pfn);
  let new_freelist = old_freelist;
  if (freelist_tail >= 0) {
    inuse -= free_delta;
    s.fp[base + freelist_tail] = old_freelist;
    new_freelist = freelist;
  }
  mm.index[pfn] = new_freelist;
  mm.private[pfn] = counters(inuse, slab_objects(k, pfn), false);
  if (!inuse && n.nr_partial >= s.min_partial) discard_slab(k, s, pfn);
  else if (new_freelist >= 0) add_partial(k, n, pfn, tail);
  // else M_FULL_NOLIST: a full slab is on no list without SLAB_STORE_USER
}

/** Drops a CPU's slab (deactivating it) and unfreezes its partial list. @kernel mm/slub.c __flush_cpu_slab */
export function __flush_cpu_slab(k: Kernel, s: kmem_cache, cpu: number): void {
  const pfn = s.cpu_slab[cpu];
  const freelist = s.cpu_freelist[cpu];
  s.cpu_slab[cpu] = -1;
  s.cpu_freelist[cpu] = -1;
  if (pfn >= 0) deactivate_slab(k, s, pfn, freelist);
  unfreeze_partials_cpu(k, s, cpu);
}

/** Every CPU's slab and partial list back to the nodes. @kernel mm/slub.c flush_all */
export function flush_all(k: Kernel, s: kmem_cache): void {
  for (let cpu = 0; cpu < s.cpu_slab.length; cpu++) {
    if (s.cpu_slab[cpu] >= 0 || s.cpu_partial_head[cpu] >= 0) __flush_cpu_slab(k, s, cpu);
  }
}

/**
 * Takes partial slabs from a node: the first becomes the caller's (its freelist returned, the
 * slab in pc_slab), the next fill the CPU's partial list up to half of cpu_partial_slabs.
 * -1 when the node has none.
 * @kernel mm/slub.c get_partial_node
 */
function get_partial_node(k: Kernel, s: kmem_cache, n: kmem_cache_node | undefined, pc_slab: Int32Array): number {
  if (!n || !n.nr_partial) return -1;
  const lru = k.mem_map.lru;
  let object = -1;
  let partial_slabs = 0;
  let pfn = n.partial[0];
  while (pfn >= 0) {
    const next = lru.list_next(n.partial, 0, pfn);
    const t = acquire_slab(k, n, pfn, object < 0);
    if (object < 0) {
      pc_slab[0] = pfn;
      object = t;
    } else {
      put_cpu_partial(k, s, pfn, false);
      partial_slabs++;
    }
    if (partial_slabs > Math.floor(s.cpu_partial_slabs / 2)) break;
    pfn = next;
  }
  return object;
}

/** Partial slabs of other nodes, nearest first, from nodes keeping more than min_partial. @kernel mm/slub.c get_any_partial */
function get_any_partial(k: Kernel, s: kmem_cache, pc_slab: Int32Array): number {
  if (!s.remote_node_defrag_ratio || s.node.length < 2) return -1;
  const here = numa_node_id(k);
  const order = s.node.map((_, nid) => nid).sort((a, b) => (k.numa_distance[here]?.[a] ?? 0) - (k.numa_distance[here]?.[b] ?? 0) || a - b);
  for (const nid of order) {
    const n = s.node[nid];
    if (n && n.nr_partial > s.min_partial) {
      const object = get_partial_node(k, s, n, pc_slab);
      if (object >= 0) return object;
    }
  }
  return -1;
}

/** @kernel mm/slub.c get_partial */
function get_partial(k: Kernel, s: kmem_cache, node: number, pc_slab: Int32Array): number {
  const searchnode = node === NUMA_NO_NODE ? numa_node_id(k) : node;
  const object = get_partial_node(k, s, s.node[searchnode], pc_slab);
  if (object >= 0 || node !== NUMA_NO_NODE) return object;
  return get_any_partial(k, s, pc_slab);
}

/**
 * The CPU slab's remote frees become the CPU's freelist; the slab stays frozen if there were
 * any, else it is unfrozen (full, on no list). @kernel mm/slub.c get_freelist
 */
function get_freelist(k: Kernel, pfn: number): number {
  const mm = k.mem_map;
  const freelist = mm.index[pfn];
  const objects = slab_objects(k, pfn);
  mm.index[pfn] = FP_NULL;
  mm.private[pfn] = counters(objects, objects, freelist >= 0);
  return freelist;
}

/** Hands out the first object of a CPU freelist whose slab is `pfn`. */
function load_freelist(s: kmem_cache, cpu: number, pfn: number, freelist: number): number {
  const base = s.cpu_fpbase[cpu];
  s.cpu_freelist[cpu] = s.fp[base + freelist];
  s.fp[base + freelist] = OBJ_ALLOCATED;
  return obj_addr(s, pfn, freelist);
}

/** Installs `pfn` as the CPU slab. */
function set_cpu_slab(k: Kernel, s: kmem_cache, cpu: number, pfn: number): void {
  s.cpu_slab[cpu] = pfn;
  s.cpu_fpbase[cpu] = pfn >= 0 ? slab_fpbase(k, s, pfn) : 0;
}

/**
 * The slow path: refill the CPU's freelist from its slab's remote frees, its partial list, a
 * node's partial list, or a new slab. Returns the object's address or 0.
 * @kernel mm/slub.c ___slab_alloc
 */
function ___slab_alloc(k: Kernel, s: kmem_cache, gfpflags: number, node: number): number {
  const cpu = k.cpu;
  const pc_slab = k.slab.pc_slab;
  let pfn = s.cpu_slab[cpu];
  let freelist: number;
  // The labels of the kernel's function become a small state machine.
  let state: "redo" | "new_slab" = pfn < 0 ? "new_slab" : "redo";
  for (;;) {
    if (state === "redo") {
      if (node !== NUMA_NO_NODE && slab_nid(k, pfn) !== node) {
        // node mismatch: deactivate and start over
        freelist = s.cpu_freelist[cpu];
        set_cpu_slab(k, s, cpu, -1);
        s.cpu_freelist[cpu] = -1;
        deactivate_slab(k, s, pfn, freelist);
        state = "new_slab";
        continue;
      }
      freelist = s.cpu_freelist[cpu];
      if (freelist >= 0) return load_freelist(s, cpu, pfn, freelist);
      freelist = get_freelist(k, pfn);
      if (freelist < 0) {
        set_cpu_slab(k, s, cpu, -1);
        state = "new_slab";
        continue;
      }
      return load_freelist(s, cpu, pfn, freelist);
    }
    // new_slab:
    const partial = s.cpu_partial_head[cpu];
    if (partial >= 0) {
      pfn = partial;
      set_cpu_slab(k, s, cpu, pfn);
      s.cpu_partial_head[cpu] = k.mem_map.lru.next[pfn];
      state = "redo";
      continue;
    }
    // new_objects:
    freelist = get_partial(k, s, node, pc_slab);
    if (freelist >= 0) {
      pfn = pc_slab[0];
    } else {
      pfn = new_slab(k, s, gfpflags, node);
      if (pfn < 0) {
        slab_out_of_memory(k, s, gfpflags, node);
        return 0;
      }
      const mm = k.mem_map;
      const objects = slab_objects(k, pfn);
      freelist = mm.index[pfn];
      mm.index[pfn] = FP_NULL;
      mm.private[pfn] = counters(objects, objects, true);
      inc_slabs_node(s, slab_nid(k, pfn), objects);
    }
    // retry_load_slab: the allocation may have slept in reclaim, whose frees can have
    // installed a CPU slab meanwhile.
    const cur = s.cpu_slab[cpu];
    if (cur >= 0) {
      const flush_freelist = s.cpu_freelist[cpu];
      set_cpu_slab(k, s, cpu, -1);
      s.cpu_freelist[cpu] = -1;
      deactivate_slab(k, s, cur, flush_freelist);
    }
    set_cpu_slab(k, s, cpu, pfn);
    return load_freelist(s, cpu, pfn, freelist);
  }
}

/**
 * The "SLUB: Unable to allocate memory" report, rate limited, unless __GFP_NOWARN.
 * @kernel mm/slub.c slab_out_of_memory
 */
function slab_out_of_memory(k: Kernel, s: kmem_cache, gfpflags: number, nid: number): void {
  if (gfpflags & __GFP_NOWARN) return;
  if (!___ratelimit(k, k.slab.slub_oom_rs, "slab_out_of_memory")) return;
  k.log.printk(KERN_WARNING, `SLUB: Unable to allocate memory on node ${nid}, gfp=0x${(gfpflags >>> 0).toString(16)}(${format_gfp_flags(gfpflags)})`);
  k.log.printk(KERN_WARNING, `  cache: ${s.name}, object size: ${s.object_size}, buffer size: ${s.size}, default order: ${s.oo_order}, min order: ${s.min_order}`);
  s.node.forEach((n, node) => {
    const nr_free = count_partial(k, n, (pfn) => slab_objects(k, pfn) - slab_inuse(k, pfn));
    k.log.printk(KERN_WARNING, `  node ${node}: slabs: ${n.nr_slabs}, objs: ${n.total_objects}, free: ${nr_free}`);
  });
}

/**
 * Allocates one object: the CPU freelist's first, or the slow path's. Returns its address or 0.
 * No allocation, no call on the fast path: a freelist slot, the free pointer and the mark.
 * @kernel mm/slub.c slab_alloc_node
 */
export function slab_alloc_node(k: Kernel, s: kmem_cache, gfpflags: number, node: number): number {
  // memcg_kmem_enabled: a non-root memcg exists; then accounted objects take the hooks.
  if (k.memcg.nr_memcgs !== 0 && ((gfpflags & __GFP_ACCOUNT) !== 0 || (s.flags & SLAB_ACCOUNT) !== 0)) return slab_alloc_node_account(k, s, gfpflags, node);
  return slab_alloc_node_fast(k, s, gfpflags, node);
}

/** slab_alloc_node's object without the memcg hooks: the CPU freelist's first, or the slow path's. */
function slab_alloc_node_fast(k: Kernel, s: kmem_cache, gfpflags: number, node: number): number {
  const cpu = k.cpu;
  const object = s.cpu_freelist[cpu];
  const pfn = s.cpu_slab[cpu];
  if (object < 0 || pfn < 0 || (node !== NUMA_NO_NODE && slab_nid(k, pfn) !== node)) return ___slab_alloc(k, s, gfpflags, node);
  const base = s.cpu_fpbase[cpu];
  const fp = s.fp;
  s.cpu_freelist[cpu] = fp[base + object];
  fp[base + object] = OBJ_ALLOCATED;
  return pfn * PAGE_SIZE + object * s.size;
}

// ---------------------------------------------------------------------------------------------
// Free
// ---------------------------------------------------------------------------------------------

/**
 * The slow free: onto slab->freelist; a full slab that gets its first free object is frozen
 * onto this CPU's partial list; an empty unfrozen slab is freed when its node keeps
 * min_partial others.
 * @kernel mm/slub.c __slab_free
 */
function __slab_free(k: Kernel, s: kmem_cache, pfn: number, idx: number, base: number): void {
  const mm = k.mem_map;
  const prior = mm.index[pfn];
  const c = mm.private[pfn];
  const was_frozen = c < 0;
  const inuse = (c & COUNTERS_INUSE_MASK) - 1;
  const objects = (c >>> COUNTERS_OBJECTS_SHIFT) & 0x7fff;
  s.fp[base + idx] = prior;
  mm.index[pfn] = idx;
  let frozen = was_frozen;
  let n: kmem_cache_node | null = null;
  if ((!inuse || prior < 0) && !was_frozen) {
    // kmem_cache_has_cpu_partial: a full slab (no prior freelist) is frozen for this CPU.
    if (prior < 0) frozen = true;
    else n = s.node[slab_nid(k, pfn)];
  }
  mm.private[pfn] = counters(inuse, objects, frozen);
  if (n === null) {
    if (!was_frozen && frozen) put_cpu_partial(k, s, pfn, true);
    return;
  }
  if (!inuse && n.nr_partial >= s.min_partial) {
    // slab_empty: it was on the partial list (prior was set)
    remove_partial(k, n, pfn);
    discard_slab(k, s, pfn);
  }
}

/** BUG(): the report slub_debug's checks print, as a KernelBug. */
function slab_bug(s: kmem_cache, what: string, ctx: Record<string, unknown>): KernelBug {
  return new KernelBug(`BUG ${s.name} (Not tainted): ${what}`, ctx);
}

/** The direct map address as %px prints it. */
export function kptr(addr: number): string {
  return "ffff88" + (0x8000000000 + addr).toString(16).padStart(10, "0");
}

/**
 * Frees one object of cache `s` in slab `pfn`: to the CPU freelist when the slab is this
 * CPU's (the fast path), else __slab_free. An address that is not an object of the slab, or an
 * object that is already free, raises the report slub_debug's free_consistency_checks prints.
 * @kernel mm/slub.c slab_free, do_slab_free, free_consistency_checks
 */
export function slab_free(k: Kernel, s: kmem_cache, pfn: number, addr: number): void {
  const mm = k.mem_map;
  const size = s.size;
  const off = addr - pfn * PAGE_SIZE;
  // obj_to_index: the kernel multiplies by reciprocal_size rather than divide. Here a double's
  // 1/size, rounded to the nearest index: for an object's own offset (idx * size, below 2^20)
  // the product is within 2^-40 of idx; any other offset fails the check below whichever index
  // it rounds to, as it failed the division's.
  const idx = (off * s.reciprocal_size + 0.5) | 0;
  if (idx * size !== off || idx >= ((mm.private[pfn] >>> COUNTERS_OBJECTS_SHIFT) & 0x7fff) || off < 0) {
    throw slab_bug(s, `Invalid object pointer 0x${kptr(addr)}`, { pfn });
  }
  const base = mm.mapcount[pfn] * s.stride;
  const fp = s.fp;
  if (fp[base + idx] !== OBJ_ALLOCATED) throw slab_bug(s, "Object already free", { object: `0x${kptr(addr)}`, pfn });
  if (s.objcgs.length !== 0 && s.objcgs[base + idx] !== 0) memcg_slab_free_hook(k, s, pfn, base + idx);
  const cpu = k.cpu;
  if (pfn === s.cpu_slab[cpu]) {
    fp[base + idx] = s.cpu_freelist[cpu];
    s.cpu_freelist[cpu] = idx;
    return;
  }
  __slab_free(k, s, pfn, idx, base);
}

// ---------------------------------------------------------------------------------------------
// Cache creation and destruction
// ---------------------------------------------------------------------------------------------

/** Empties the node lists' free slabs of a cache being destroyed; live ones are reported. @kernel mm/slub.c free_partial */
function free_partial(k: Kernel, s: kmem_cache, n: kmem_cache_node): void {
  const lru = k.mem_map.lru;
  let pfn = n.partial[0];
  while (pfn >= 0) {
    const next = lru.list_next(n.partial, 0, pfn);
    if (!slab_inuse(k, pfn)) {
      remove_partial(k, n, pfn);
      discard_slab(k, s, pfn);
    }
    pfn = next;
  }
}

/**
 * Frees every slab of a cache; 1 when objects remain (the caller then refuses to destroy it).
 * @kernel mm/slub.c __kmem_cache_shutdown
 */
export function __kmem_cache_shutdown(k: Kernel, s: kmem_cache): number {
  flush_all(k, s);
  for (const n of s.node) {
    free_partial(k, s, n);
    if (n.nr_partial || n.nr_slabs) return 1;
  }
  return 0;
}

/**
 * kmem_cache_shrink: flush the CPUs, free the empty partial slabs, and sort the rest so the
 * fullest come first. Returns 1 if slabs remain.
 * @kernel mm/slub.c __kmem_cache_shrink, __kmem_cache_do_shrink
 */
export function __kmem_cache_shrink(k: Kernel, s: kmem_cache): number {
  flush_all(k, s);
  const lru = k.mem_map.lru;
  let ret = 0;
  for (const n of s.node) {
    const keep: Array<[number, number]> = [];
    for (let pfn = n.partial[0]; pfn >= 0; pfn = lru.list_next(n.partial, 0, pfn)) keep.push([pfn, slab_objects(k, pfn) - slab_inuse(k, pfn)]);
    for (const [pfn] of keep) remove_partial(k, n, pfn);
    // Empty slabs are discarded; the others return ordered by free objects (promote[] buckets
    // for up to SHRINK_PROMOTE_MAX = 32 free, the rest after them in their old order).
    const rest = keep.filter(([pfn, free]) => free !== slab_objects(k, pfn));
    for (const [pfn, free] of keep) if (free === slab_objects(k, pfn)) discard_slab(k, s, pfn);
    const promoted = rest.filter(([, free]) => free <= 32).sort((a, b) => a[1] - b[1]);
    const others = rest.filter(([, free]) => free > 32);
    for (const [pfn] of [...promoted, ...others]) add_partial(k, n, pfn, DEACTIVATE_TO_TAIL);
    if (n.nr_slabs) ret = 1;
  }
  return ret;
}

/** The free objects of a node's partial slabs, or another count of them. @kernel mm/slub.c count_partial */
export function count_partial(k: Kernel, n: kmem_cache_node, get_count: (pfn: number) => number): number {
  const lru = k.mem_map.lru;
  let x = 0;
  for (let pfn = n.partial[0]; pfn >= 0; pfn = lru.list_next(n.partial, 0, pfn)) x += get_count(pfn);
  return x;
}

/**
 * One node structure per node from the kmem_cache_node cache; while slab is DOWN (the first
 * cache, kmem_cache_node itself) the node's first slab is made by hand and its first object is
 * the node structure (early_kmem_cache_node_alloc).
 * @kernel mm/slub.c init_kmem_cache_nodes, early_kmem_cache_node_alloc
 */
function init_kmem_cache_nodes(k: Kernel, s: kmem_cache): boolean {
  const sg = k.slab;
  for (let node = 0; node < sg.nr_node_ids; node++) {
    if (sg.slab_state === DOWN) {
      const kcn = s; // the kmem_cache_node cache
      const pfn = new_slab(k, kcn, GFP_NOWAIT, node);
      if (pfn < 0) throw new KernelBug("early_kmem_cache_node_alloc: no slab");
      const n = new kmem_cache_node();
      s.node[node] = n;
      const mm = k.mem_map;
      const first = mm.index[pfn];
      const base = slab_fpbase(k, kcn, pfn);
      mm.index[pfn] = kcn.fp[base + first];
      kcn.fp[base + first] = OBJ_ALLOCATED;
      n.obj = obj_addr(kcn, pfn, first);
      mm.private[pfn] = counters(1, slab_objects(k, pfn), false);
      inc_slabs_node(kcn, node, slab_objects(k, pfn));
      n.nr_partial++;
      mm.lru.list_add(n.partial, 0, pfn);
      continue;
    }
    const kcn = sg.cachep.kmem_cache_node!;
    const obj = slab_alloc_node(k, kcn, GFP_KERNEL, node);
    if (!obj) {
      free_kmem_cache_nodes(k, s);
      return false;
    }
    const n = new kmem_cache_node();
    n.obj = obj;
    s.node[node] = n;
  }
  return true;
}

/** @kernel mm/slub.c free_kmem_cache_nodes */
function free_kmem_cache_nodes(k: Kernel, s: kmem_cache): void {
  const kcn = k.slab.cachep.kmem_cache_node;
  for (const n of s.node) if (n && n.obj && kcn) kmem_cache_free_simple(k, kcn, n.obj);
  s.node = [];
}

/** kmem_cache_free without the checks against the cache (internal objects). */
function kmem_cache_free_simple(k: Kernel, s: kmem_cache, addr: number): void {
  const pfn = virt_to_head_pfn(k, addr);
  slab_free(k, s, pfn, addr);
}

/** The kmem_cache_cpu structures: 32 bytes per CPU, 16-byte aligned. @kernel mm/slub.c alloc_kmem_cache_cpus */
function alloc_kmem_cache_cpus(k: Kernel, s: kmem_cache): boolean {
  const nr = k.slab.nr_cpu_ids;
  s.cpu_slab_pcpu = __alloc_percpu(k, 32, 2 * SIZEOF_VOID_P);
  if (!s.cpu_slab_pcpu) return false;
  s.cpu_freelist = new Int32Array(nr).fill(-1);
  s.cpu_slab = new Int32Array(nr).fill(-1);
  s.cpu_fpbase = new Int32Array(nr);
  s.cpu_partial_head = new Int32Array(nr).fill(-1);
  return true;
}

/**
 * Fills in a cache's geometry, partial-list limits, node and CPU structures. 0 or -EINVAL.
 * min_partial = clamp(ilog2(size) / 2, 5, 10): 5 for anything up to 1 KiB, 6 for task_struct.
 * @kernel mm/slub.c kmem_cache_open
 */
export function kmem_cache_open(k: Kernel, s: kmem_cache, flags: number): number {
  s.flags = flags;
  if (!calculate_sizes(k, s)) return -22;
  s.min_partial = clamp(Math.floor(Math.floor(Math.log2(s.size)) / 2), MIN_PARTIAL, MAX_PARTIAL);
  set_cpu_partial(s);
  s.stride = s.oo_objects;
  if (k.slab.slab_state >= UP && !init_cache_random_seq(k, s)) return -22;
  if (!init_kmem_cache_nodes(k, s)) return -22;
  if (alloc_kmem_cache_cpus(k, s)) return 0;
  __kmem_cache_release(k, s);
  return -22;
}

/**
 * The cache's shuffled object order: a kcalloc'd array of oo_objects entries, Fisher-Yates over
 * the slab PRNG (prandom seeded from get_random_long). Caches of fewer than 2 objects per
 * slab have none. False when the array cannot be allocated.
 * @kernel mm/slub.c init_cache_random_seq
 * @kernel mm/slab_common.c cache_random_seq_create, freelist_randomize
 */
export function init_cache_random_seq(k: Kernel, s: kmem_cache): boolean {
  const count = s.oo_objects;
  if (s.random_seq || count < 2) return true;
  const obj = kmalloc(k, count * 4, GFP_KERNEL | __GFP_ZERO);
  if (!obj) return false;
  const list = new Int16Array(count);
  for (let i = 0; i < count; i++) list[i] = i;
  const rng = k.slab.rng;
  for (let i = count - 1; i > 0; i--) {
    const rand = rng.get_random_u32() % (i + 1);
    const t = list[i];
    list[i] = list[rand];
    list[rand] = t;
  }
  s.random_seq = list;
  s.random_seq_obj = obj;
  return true;
}

/** The random sequence, CPU structures and nodes go. @kernel mm/slub.c __kmem_cache_release */
export function __kmem_cache_release(k: Kernel, s: kmem_cache): void {
  if (s.random_seq_obj) kfree(k, s.random_seq_obj);
  s.random_seq = null;
  s.random_seq_obj = 0;
  free_percpu(k, s.cpu_slab_pcpu);
  s.cpu_slab_pcpu = 0;
  free_kmem_cache_nodes(k, s);
}

/**
 * The caches sysfs shows: an unmergeable cache under its name, a mergeable one under a unique
 * id of its merge-relevant flags and size (":A-0000152" for vm_area_struct: SLAB_ACCOUNT, 152
 * bytes), with its names as links. @kernel mm/slub.c create_unique_id
 */
export function create_unique_id(s: kmem_cache): string {
  let p = ":";
  if (s.flags & SLAB_CACHE_DMA) p += "d";
  if (s.flags & SLAB_CACHE_DMA32) p += "D";
  if (s.flags & SLAB_RECLAIM_ACCOUNT) p += "a";
  if (s.flags & SLAB_CONSISTENCY_CHECKS) p += "F";
  if (s.flags & SLAB_ACCOUNT) p += "A";
  if (p.length > 1) p += "-";
  return p + String(s.size).padStart(7, "0");
}

// ---------------------------------------------------------------------------------------------
// /proc/slabinfo and /sys/kernel/slab
// ---------------------------------------------------------------------------------------------

/** What /proc/slabinfo reports of a cache. @kernel mm/slab.h struct slabinfo */
export interface slabinfo {
  active_objs: number;
  num_objs: number;
  active_slabs: number;
  num_slabs: number;
  objects_per_slab: number;
  cache_order: number;
}

/**
 * Objects and slabs from the node counters; "active" objects are all but the free ones on the
 * node partial lists (objects free on CPU slabs and CPU partials count as active, as in SLUB).
 * @kernel mm/slub.c get_slabinfo
 */
export function get_slabinfo(k: Kernel, s: kmem_cache): slabinfo {
  let nr_slabs = 0;
  let nr_objs = 0;
  let nr_free = 0;
  for (const n of s.node) {
    nr_slabs += n.nr_slabs;
    nr_objs += n.total_objects;
    nr_free += count_partial(k, n, (pfn) => slab_objects(k, pfn) - slab_inuse(k, pfn));
  }
  return { active_objs: nr_objs - nr_free, num_objs: nr_objs, active_slabs: nr_slabs, num_slabs: nr_slabs, objects_per_slab: s.oo_objects, cache_order: s.oo_order };
}

/** show_slab_objects' selectors. */
export const SO_ALL = 1;
export const SO_PARTIAL = 2;
export const SO_CPU = 4;
export const SO_OBJECTS = 8;
export const SO_TOTAL = 16;

/**
 * A sysfs counter: the total, then " N<node>=<count>" per node with a non-zero count.
 * `objects`: SO_ALL|SO_OBJECTS (all objects less the node partials' free ones); `slabs`: SO_ALL;
 * `partial`: SO_PARTIAL; `cpu_slabs`: SO_CPU (CPU slabs, plus each CPU partial list's length).
 * @kernel mm/slub.c show_slab_objects
 */
export function show_slab_objects(k: Kernel, s: kmem_cache, flags: number): string {
  const nodes = new Array<number>(k.slab.nr_node_ids).fill(0);
  let total = 0;
  if (flags & SO_CPU) {
    for (let cpu = 0; cpu < s.cpu_slab.length; cpu++) {
      const pfn = s.cpu_slab[cpu];
      if (pfn >= 0) {
        const x = flags & SO_TOTAL ? slab_objects(k, pfn) : flags & SO_OBJECTS ? slab_inuse(k, pfn) : 1;
        total += x;
        nodes[slab_nid(k, pfn)] += x;
      }
      const partial = s.cpu_partial_head[cpu];
      if (partial >= 0 && !(flags & (SO_TOTAL | SO_OBJECTS))) {
        const x = k.mem_map.lru.prev[partial];
        total += x;
        nodes[slab_nid(k, partial)] += x;
      }
    }
  }
  if (flags & SO_ALL) {
    s.node.forEach((n, node) => {
      const x = flags & SO_TOTAL ? n.total_objects : flags & SO_OBJECTS ? n.total_objects - count_partial(k, n, (pfn) => slab_objects(k, pfn) - slab_inuse(k, pfn)) : n.nr_slabs;
      total += x;
      nodes[node] += x;
    });
  } else if (flags & SO_PARTIAL) {
    s.node.forEach((n, node) => {
      const x = flags & SO_TOTAL ? count_partial(k, n, (pfn) => slab_objects(k, pfn)) : flags & SO_OBJECTS ? count_partial(k, n, (pfn) => slab_inuse(k, pfn)) : n.nr_partial;
      total += x;
      nodes[node] += x;
    });
  }
  let out = String(total);
  nodes.forEach((x, node) => {
    if (x) out += ` N${node}=${x}`;
  });
  return out + "\n";
}

/** Which of a slab page's objects are allocated: for checkers and inspectors, not hot paths. */
export function slab_object_allocated(k: Kernel, s: kmem_cache, pfn: number, idx: number): boolean {
  return s.fp[slab_fpbase(k, s, pfn) + idx] === OBJ_ALLOCATED;
}

/** The slab's head pfn of an object address, or -1 if it is not in a slab page. @kernel mm/slab.h virt_to_slab */
export function virt_to_slab(k: Kernel, addr: number): number {
  const pfn = virt_to_head_pfn(k, addr);
  if (pfn < 0 || !(k.mem_map.flags[pfn] & PG_slab_mask)) return -1;
  return pfn;
}

/** flush_slab for the current CPU. @kernel mm/slub.c flush_slab */
export function flush_slab(k: Kernel, s: kmem_cache): void {
  const cpu = k.cpu;
  const pfn = s.cpu_slab[cpu];
  const freelist = s.cpu_freelist[cpu];
  set_cpu_slab(k, s, cpu, -1);
  s.cpu_freelist[cpu] = -1;
  if (pfn >= 0) deactivate_slab(k, s, pfn, freelist);
}

// ---------------------------------------------------------------------------------------------
// Boot
// ---------------------------------------------------------------------------------------------

/**
 * A boot cache gets its struct from kmem_cache once that cache exists: the static copy's CPU
 * slab is flushed and the cache joins slab_caches. @kernel mm/slub.c bootstrap
 */
function bootstrap(k: Kernel, s: kmem_cache): void {
  s.obj = slab_alloc_node(k, k.slab.cachep.kmem_cache!, GFP_NOWAIT | __GFP_ZERO, NUMA_NO_NODE);
  __flush_cpu_slab(k, s, k.cpu);
  k.slab.slab_caches.push(s);
}

/** sizeof(struct kmem_cache_node) with CONFIG_SLUB_DEBUG: lock, nr_partial, partial, nr_slabs, total_objects, full. */
export const KMEM_CACHE_NODE_SIZE = 64;
/** offsetof(struct kmem_cache, node): the node pointers follow, one per possible node. */
export const KMEM_CACHE_SIZE_BASE = 216;

/**
 * The slab allocator's bootstrap: kmem_cache_node (whose first slab holds its own node
 * structure), kmem_cache, both moved into objects of kmem_cache, then the kmalloc caches and
 * every existing cache's random freelist order.
 * "SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=1, Nodes=1".
 * @kernel mm/slub.c kmem_cache_init
 * @kernel mm/slub.c init_freelist_randomization
 */
export function kmem_cache_init(k: Kernel): void {
  const sg = k.slab;
  sg.nr_cpu_ids = k.nr_cpu_ids;
  sg.nr_node_ids = k.node_data.length;
  const kcn = new kmem_cache();
  const kc = new kmem_cache();
  sg.cachep.kmem_cache_node = kcn;
  sg.cachep.kmem_cache = kc;
  create_boot_cache(k, kcn, "kmem_cache_node", KMEM_CACHE_NODE_SIZE, SLAB_HWCACHE_ALIGN, 0, 0);
  sg.slab_state = PARTIAL;
  create_boot_cache(k, kc, "kmem_cache", KMEM_CACHE_SIZE_BASE + sg.nr_node_ids * SIZEOF_VOID_P, SLAB_HWCACHE_ALIGN, 0, 0);
  bootstrap(k, kc);
  bootstrap(k, kcn);
  create_kmalloc_caches(k, 0);
  for (const s of sg.slab_caches) init_cache_random_seq(k, s);
  k.log.printk(KERN_INFO, `SLUB: HWalign=64, Order=${slub_min_order}-${slub_max_order}, MinObjects=0, CPUs=${sg.nr_cpu_ids}, Nodes=${sg.nr_node_ids}`);
}

// ---------------------------------------------------------------------------------------------
// The memcg hooks of accounted objects (mm/memcontrol.ts, "Kernel memory by the byte")
// ---------------------------------------------------------------------------------------------

/** obj_full_size: the object's slot and its objcg pointer. @kernel mm/slab.h obj_full_size */
export function obj_full_size(s: kmem_cache): number {
  return s.size + 8;
}

/** The objcgs column grown to the free pointers' pool. */
function memcg_grow_slab_objcgs(s: kmem_cache): void {
  if (s.objcgs.length >= s.fp.length) return;
  const grown = new Int32Array(s.fp.length);
  grown.set(s.objcgs);
  s.objcgs = grown;
}

/**
 * An accounted object: obj_full_size charged to the current task's objcg first (none: an
 * ordinary allocation; a charge the memcg refuses: no object), then the object, recorded in its
 * slab's objcgs column with its slab statistics; a failed allocation gives the charge back.
 * @kernel mm/slab.h memcg_slab_pre_alloc_hook, memcg_slab_post_alloc_hook
 */
function slab_alloc_node_account(k: Kernel, s: kmem_cache, gfpflags: number, node: number): number {
  const objcg = get_obj_cgroup_from_current(k);
  if (objcg === null) return slab_alloc_node_fast(k, s, gfpflags, node);
  const size = obj_full_size(s);
  if (obj_cgroup_charge(k, objcg, gfpflags, size) !== 0) return 0;
  const x = slab_alloc_node_fast(k, s, gfpflags, node);
  if (x === 0) {
    obj_cgroup_uncharge(k, objcg, size);
    return 0;
  }
  if (s.objcgs.length === 0) s.objcgs = new Int32Array(s.fp.length);
  else memcg_grow_slab_objcgs(s);
  const pfn = virt_to_head_pfn(k, x);
  const off = slab_fpbase(k, s, pfn) + (x - pfn * PAGE_SIZE) / s.size;
  s.objcgs[off] = objcg.id;
  mod_objcg_state(k, objcg, slab_nid(k, pfn), cache_vmstat_idx(s), size);
  return x;
}

/** An accounted object's charge and slab statistics go back. @kernel mm/slab.h memcg_slab_free_hook */
function memcg_slab_free_hook(k: Kernel, s: kmem_cache, pfn: number, off: number): void {
  const objcg = objcg_from_id(k, s.objcgs[off]);
  s.objcgs[off] = 0;
  const size = obj_full_size(s);
  obj_cgroup_uncharge(k, objcg, size);
  mod_objcg_state(k, objcg, slab_nid(k, pfn), cache_vmstat_idx(s), -size);
}
