/**
 * The shapes of the slab allocator: `kmem_cache` (SLUB's include/linux/slub_def.h), its per-node
 * `kmem_cache_node`, the SLAB_* cache flags, the kmalloc size classes and types, and the
 * machine's slab statics (`slab_globals`: slab_caches, kmalloc_caches[][], slab_state, the caches
 * the model's own objects come from). The mechanisms are in slub.ts (SLUB) and slab_common.ts.
 *
 * Where a slab's state lives. A slab is a folio; SLUB's `struct slab` overlays `struct page`, and
 * the model keeps the overlay: in the head page's memmap columns,
 *   slab_list (page->lru)        → mem_map.lru next/prev: the node partial lists; on a per-CPU
 *                                  partial list lru.next is slab->next and lru.prev slab->slabs
 *   slab_cache (page->mapping)   → mem_map.mapping: the cache's id (k.slab.cache_by_id)
 *   freelist (page->index)       → mem_map.index: the first free object's index, -1 for NULL
 *   counters (page->private)     → mem_map.private: inuse:16, objects:15, frozen:1, packed as the
 *                                  kernel packs them
 *   __unused (page->_mapcount)   → mem_map.mapcount: the slab's slot in its cache's free-pointer
 *                                  pool (below), so the page columns stay 34 bytes per page
 * and PG_slab in the head's flags, as __folio_set_slab sets it.
 *
 * Objects are addresses, so a kernel pointer is a number: an object of a slab at head pfn P is
 * P * 4096 + i * s->size (the direct map's address less PAGE_OFFSET), and `i` is its index. The
 * free pointer the kernel stores inside a free object (at s->offset) is kept outside it, in the
 * cache's pool `fp` (an Int16Array, `stride` = the most objects a slab of this cache holds, one
 * run of `stride` entries per slab): fp[slot * stride + i] is the index of the next free object,
 * -1 for NULL, or OBJ_ALLOCATED while the object is in use. The last is the model's own: the
 * kernel cannot tell a free object from a used one without slub_debug, the model can, and
 * reports a double free with the message slub_debug's free_consistency_checks prints.
 *
 * vmalloc addresses are numbers too, above VMALLOC_START_MODEL (vmalloc.ts), so kvfree tells them
 * from slab objects as is_vmalloc_addr does.
 *
 * @kernel include/linux/slub_def.h struct kmem_cache, struct kmem_cache_cpu
 * @kernel mm/slab.h struct slab, struct kmem_cache_node, SLAB_CORE_FLAGS, CACHE_CREATE_MASK
 * @kernel include/linux/slab.h SLAB_HWCACHE_ALIGN, KMALLOC_SHIFT_HIGH, enum kmalloc_cache_type
 * @kernel mm/slab_common.c SLAB_NEVER_MERGE, SLAB_MERGE_SAME, kmalloc_info
 */
import { kmem_driver_state } from "./slab_driver.js";
import { asDoubles } from "../kernel/shape.js";
import { Prng } from "../kernel/random.js";
import { DEFAULT_RATELIMIT_BURST, DEFAULT_RATELIMIT_INTERVAL_NS, ratelimit_state } from "../lib/ratelimit.js";
import { newListHeads } from "./list.js";

// ---------------------------------------------------------------------------------------------
// Cache flags (include/linux/slab.h; Debian's config: SLUB_DEBUG, MEMCG_KMEM, no FAILSLAB/KASAN)
// ---------------------------------------------------------------------------------------------

/** DEBUG: perform (expensive) checks on alloc/free. */
export const SLAB_CONSISTENCY_CHECKS = 0x00000100;
/** DEBUG: red zone objects in a cache. */
export const SLAB_RED_ZONE = 0x00000400;
/** DEBUG: poison objects. */
export const SLAB_POISON = 0x00000800;
/** A kmalloc cache (create_kmalloc_cache sets it). */
export const SLAB_KMALLOC = 0x00001000;
/** Align objects on cache lines. */
export const SLAB_HWCACHE_ALIGN = 0x00002000;
/** Use GFP_DMA memory. */
export const SLAB_CACHE_DMA = 0x00004000;
/** Use GFP_DMA32 memory. */
export const SLAB_CACHE_DMA32 = 0x00008000;
/** DEBUG: store the last owner for bug hunting. */
export const SLAB_STORE_USER = 0x00010000;
/** Objects are reclaimable: slab pages count in NR_SLAB_RECLAIMABLE_B (SReclaimable). */
export const SLAB_RECLAIM_ACCOUNT = 0x00020000;
/** Panic if kmem_cache_create() fails. */
export const SLAB_PANIC = 0x00040000;
/** Defer freeing slabs to RCU; the object stays a valid one of this type until then. */
export const SLAB_TYPESAFE_BY_RCU = 0x00080000;
/** Spread some memory over the cpuset. */
export const SLAB_MEM_SPREAD = 0x00100000;
/** Trace allocations and frees. */
export const SLAB_TRACE = 0x00200000;
/** Avoid kmemleak tracing. */
export const SLAB_NOLEAKTRACE = 0x00800000;
/** Fault injection mark: 0 without CONFIG_FAILSLAB (Debian). */
export const SLAB_FAILSLAB = 0;
/** Account to memcg (CONFIG_MEMCG_KMEM). */
export const SLAB_ACCOUNT = 0x04000000;
/** Slab created with SLAB_NO_USER_FLAGS: slub_debug does not apply. */
export const SLAB_NO_USER_FLAGS = 0x10000000;

/** Flags that keep a cache from ever being merged. @kernel mm/slab_common.c SLAB_NEVER_MERGE */
export const SLAB_NEVER_MERGE = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB;
/** Flags two caches must agree on to merge. @kernel mm/slab_common.c SLAB_MERGE_SAME */
export const SLAB_MERGE_SAME = SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT;
/** @kernel mm/slab.h SLAB_CORE_FLAGS (SLAB_DEBUG_OBJECTS is 0 without CONFIG_DEBUG_OBJECTS) */
export const SLAB_CORE_FLAGS = SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU;
/** @kernel mm/slab.h SLAB_DEBUG_FLAGS (CONFIG_SLUB_DEBUG) */
export const SLAB_DEBUG_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS;
/** @kernel mm/slab.h SLAB_CACHE_FLAGS (SLUB; SLAB_TEMPORARY is SLAB_RECLAIM_ACCOUNT) */
export const SLAB_CACHE_FLAGS = SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT | SLAB_NO_USER_FLAGS;
/** @kernel mm/slab.h CACHE_CREATE_MASK */
export const CACHE_CREATE_MASK = SLAB_CORE_FLAGS | SLAB_DEBUG_FLAGS | SLAB_CACHE_FLAGS;
/** @kernel mm/slab.h SLAB_FLAGS_PERMITTED */
export const SLAB_FLAGS_PERMITTED = SLAB_CORE_FLAGS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS | SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT | SLAB_KMALLOC | SLAB_NO_USER_FLAGS;

// ---------------------------------------------------------------------------------------------
// Sizes and limits
// ---------------------------------------------------------------------------------------------

/** cache_line_size() on the QEMU guests (x86 L1_CACHE_BYTES with CONFIG_X86_L1_CACHE_SHIFT=6). */
export const CACHE_LINE_SIZE = 64;
/** ARCH_KMALLOC_MINALIGN = __alignof__(unsigned long long); also arch_slab_minalign(). */
export const ARCH_KMALLOC_MINALIGN = 8;
/** sizeof(void *): objects and free pointers are word aligned. */
export const SIZEOF_VOID_P = 8;
/** The smallest kmalloc cache is kmalloc-8: KMALLOC_SHIFT_LOW = 3. */
export const KMALLOC_SHIFT_LOW = 3;
/** The largest kmalloc cache is kmalloc-8k: KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1. */
export const KMALLOC_SHIFT_HIGH = 13;
/** KMALLOC_SHIFT_MAX = MAX_ORDER + PAGE_SHIFT - 1: kmalloc's largest request is 4 MiB. */
export const KMALLOC_SHIFT_MAX = 22;
/** Requests above this go straight to the page allocator (kmalloc_large). */
export const KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH;
/** KMALLOC_MAX_SIZE: 4 MiB. */
export const KMALLOC_MAX_SIZE = 2 ** KMALLOC_SHIFT_MAX;
/** kmalloc(0) returns this, a pointer that faults when used; kfree accepts it. */
export const ZERO_SIZE_PTR = 16;
/** slub_max_order: PAGE_ALLOC_COSTLY_ORDER. */
export const slub_max_order = 3;
/** slub_min_order (no slub_min_order= on the command line). */
export const slub_min_order = 0;
/** MIN_PARTIAL and MAX_PARTIAL bound min_partial. @kernel mm/slub.c MIN_PARTIAL, MAX_PARTIAL */
export const MIN_PARTIAL = 5;
export const MAX_PARTIAL = 10;
/** slab.objects is 15 bits. @kernel mm/slub.c MAX_OBJS_PER_PAGE */
export const MAX_OBJS_PER_PAGE = 32767;
/** get_partial_node and friends: no node preference. */
export const NUMA_NO_NODE = -1;
/** deactivate_slab's choice of end of the node partial list. @kernel mm/slub.c */
export const DEACTIVATE_TO_HEAD = 0;
export const DEACTIVATE_TO_TAIL = 1;

/** The free-pointer pool's mark for an object in use (the model's own, see the header). */
export const OBJ_ALLOCATED = -2;
/** The free-pointer pool's NULL. */
export const FP_NULL = -1;

/** The counters word: inuse in bits 0-15, objects in 16-30, frozen in 31 (struct slab). */
export const COUNTERS_INUSE_MASK = 0xffff;
export const COUNTERS_OBJECTS_SHIFT = 16;
export const COUNTERS_FROZEN = 1 << 31;

// ---------------------------------------------------------------------------------------------
// kmalloc classes
// ---------------------------------------------------------------------------------------------

/** enum kmalloc_cache_type with CONFIG_ZONE_DMA and CONFIG_MEMCG_KMEM. */
export const KMALLOC_NORMAL = 0;
export const KMALLOC_CGROUP = 1;
export const KMALLOC_RECLAIM = 2;
export const KMALLOC_DMA = 3;
export const NR_KMALLOC_TYPES = 4;

/** The name prefix of each kmalloc type's caches. @kernel mm/slab_common.c INIT_KMALLOC_INFO */
export const kmalloc_type_prefix: readonly string[] = Object.freeze(["kmalloc-", "kmalloc-cg-", "kmalloc-rcl-", "dma-kmalloc-"]);

/**
 * kmalloc_info[]: the size and short name of each kmalloc index (0 is kmalloc(0); 1 and 2 are
 * the 96 and 192 byte caches; n ≥ 3 is 2^n bytes).
 * @kernel mm/slab_common.c kmalloc_info
 */
export const kmalloc_info: ReadonlyArray<{ readonly size: number; readonly short: string }> = Object.freeze(
  [
    [0, "0"],
    [96, "96"],
    [192, "192"],
    [8, "8"],
    [16, "16"],
    [32, "32"],
    [64, "64"],
    [128, "128"],
    [256, "256"],
    [512, "512"],
    [1024, "1k"],
    [2048, "2k"],
    [4096, "4k"],
    [8192, "8k"],
  ].map(([size, short]) => Object.freeze({ size: size as number, short: short as string })),
);

/**
 * size_index[(bytes - 1) / 8]: the kmalloc index for requests up to 192 bytes (above that it is
 * fls(size - 1)). 65..96 bytes go to kmalloc-96 (index 1), 129..192 to kmalloc-192 (index 2).
 * @kernel mm/slab_common.c size_index
 */
export const size_index: readonly number[] = Object.freeze([3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2]);

// ---------------------------------------------------------------------------------------------
// kmem_cache and kmem_cache_node
// ---------------------------------------------------------------------------------------------

/**
 * A node's share of a cache: its partial slabs (threaded through the slabs' lru columns) and,
 * with CONFIG_SLUB_DEBUG, its slab and object counts, which /proc/slabinfo and sysfs read.
 * @kernel mm/slab.h struct kmem_cache_node
 */
export class kmem_cache_node {
  /** Slabs on `partial`. */
  nr_partial = 0;
  /** The partial list's head (one slot): its first slab's head pfn, or -1. */
  readonly partial: Int32Array = newListHeads(1);
  /** Every slab of the cache on this node: cpu slabs, cpu partials, node partials and full ones. */
  nr_slabs = 0;
  /** Objects those slabs hold, used or free. */
  total_objects = 0;
  /** The kmem_cache_node object itself, from the kmem_cache_node cache (0 for the boot caches' static ones). */
  obj = 0;
}

/**
 * One slab cache. The per-CPU `kmem_cache_cpu`s are typed arrays indexed by CPU (freelist,
 * slab, partial), so the allocation fast path reads three array slots.
 * @kernel include/linux/slub_def.h struct kmem_cache, struct kmem_cache_cpu
 */
export class kmem_cache {
  /** Position in k.slab.cache_by_id: what a slab page's mapping column holds (slab->slab_cache). */
  id = 0;
  /** The name /proc/slabinfo shows: the first cache created with these properties. */
  name = "";
  flags = 0;
  /** The size of an object without metadata (the largest of the merged caches'). */
  object_size = 0;
  /** The size of an object including metadata: the stride between objects. */
  size = 0;
  /**
   * reciprocal_value(size), what obj_to_index multiplies an offset by instead of dividing
   * (here the double 1 / size; see slab_free). Set with size by calculate_sizes.
   */
  reciprocal_size = 0;
  /** Free pointer offset (where the kernel keeps it: inside the object unless ctor/RCU). */
  offset = 0;
  /** Offset to metadata: the object size rounded up to a word. */
  inuse = 0;
  align = 0;
  /** The constructor's name, as sysfs `ctor` prints it, or "" for none. */
  ctor = "";
  useroffset = 0;
  usersize = 0;
  /** Aliases + 1; -1 exempts a boot cache from merging. */
  refcount = 1;
  /** oo: the preferred slab order and the objects it holds. */
  oo_order = 0;
  oo_objects = 0;
  /** min: the fallback when the preferred order cannot be had. */
  min_order = 0;
  min_objects = 0;
  /** GFP bits every slab allocation of this cache adds (__GFP_COMP, GFP_DMA, __GFP_RECLAIMABLE). */
  allocflags = 0;
  /** Empty slabs kept on a node's partial list rather than freed. */
  min_partial = 0;
  /** Objects (cpu_partial) and slabs (cpu_partial_slabs) a CPU's partial list may hold. */
  cpu_partial = 0;
  cpu_partial_slabs = 0;
  /** remote_node_defrag_ratio (1000 = sysfs 100). */
  remote_node_defrag_ratio = 1000;
  /** CONFIG_SLAB_FREELIST_RANDOM: the shuffled order of a slab's objects, or null (< 2 objects). */
  random_seq: Int16Array | null = null;
  /** The kmalloc'd random_seq array's address (freed with the cache). */
  random_seq_obj = 0;

  // kmem_cache_cpu, one slot per possible CPU
  /** c->freelist: the next free object of the CPU slab, as its index, or -1. */
  cpu_freelist: Int32Array = new Int32Array(0);
  /** c->slab: the CPU slab's head pfn, or -1. */
  cpu_slab: Int32Array = new Int32Array(0);
  /** The CPU slab's run in `fp` (slot * stride), kept beside c->slab so the fast path loads one slot. */
  cpu_fpbase: Int32Array = new Int32Array(0);
  /** c->partial: the first slab of the CPU's partial list, or -1. */
  cpu_partial_head: Int32Array = new Int32Array(0);
  /** The percpu allocation of the kmem_cache_cpu structures (alloc_kmem_cache_cpus). */
  cpu_slab_pcpu = 0;

  /** node[nid]. */
  node: kmem_cache_node[] = [];

  /** The free pointers (see the header): stride entries per slab slot. */
  fp: Int16Array = new Int16Array(0);
  /**
   * slab->memcg_data's objcgs vector, laid out as `fp`: the id of the obj_cgroup an object is
   * charged to (memcontrol.ts), 0 for none. Empty until the cache's first accounted object.
   */
  objcgs: Int32Array = new Int32Array(0);
  stride = 0;
  /** Slots of the pool no slab holds, as a stack; `nr_slots` is the pool's size in slots. */
  free_slots: number[] = [];
  nr_slots = 0;

  /** Every name sysfs links to this cache (aliases included), first the cache's own. */
  readonly alias_names: string[] = [];
  /** The kmem_cache object this structure lives in (from the kmem_cache cache; 0 for the two boot caches). */
  obj = 0;
  /** False once kmem_cache_destroy has released it. */
  live = true;

  constructor() {
    asDoubles<kmem_cache>(this, "obj", "random_seq_obj");
  }
}

/** slab_state: how far kmem_cache_init has come. @kernel mm/slab.h enum slab_state */
export const DOWN = 0;
export const PARTIAL = 1;
export const PARTIAL_NODE = 2;
export const UP = 3;
export const FULL = 4;

/**
 * The caches the model's own objects come from, found once they exist (the kernel's
 * `task_struct_cachep`, `vm_area_cachep`… statics). Null until 6.1 would have created them.
 */
export class slab_cacheps {
  kmem_cache: kmem_cache | null = null;
  kmem_cache_node: kmem_cache | null = null;
  vmap_area_cachep: kmem_cache | null = null;
  task_struct_cachep: kmem_cache | null = null;
  mm_cachep: kmem_cache | null = null;
  vm_area_cachep: kmem_cache | null = null;
  anon_vma_cachep: kmem_cache | null = null;
  anon_vma_chain_cachep: kmem_cache | null = null;
  sighand_cachep: kmem_cache | null = null;
  signal_cachep: kmem_cache | null = null;
  files_cachep: kmem_cache | null = null;
  fs_cachep: kmem_cache | null = null;
  cred_jar: kmem_cache | null = null;
  pid_cachep: kmem_cache | null = null;
  names_cachep: kmem_cache | null = null;
  dentry_cache: kmem_cache | null = null;
  inode_cachep: kmem_cache | null = null;
  shmem_inode_cachep: kmem_cache | null = null;
  radix_tree_node_cachep: kmem_cache | null = null;
  maple_node_cache: kmem_cache | null = null;
  lsm_inode_cache: kmem_cache | null = null;
  filp_cachep: kmem_cache | null = null;
  bh_cachep: kmem_cache | null = null;
}

/**
 * The slab allocator's statics of one machine: the cache list in creation order (slab_caches,
 * which the kernel keeps newest first: /proc/slabinfo reverses this), the caches by id (what a
 * slab page's mapping holds), the kmalloc array, slab_state, and the PRNG of freelist
 * randomization (its own stream, so the slab's draws do not move the machine's other random
 * choices).
 * @kernel mm/slab_common.c slab_caches, kmalloc_caches, slab_state
 */
export class slab_globals {
  /** Live caches, oldest first. */
  readonly slab_caches: kmem_cache[] = [];
  /** Caches by id; id 0 is unused (mapping 0 is "no mapping"). */
  readonly cache_by_id: Array<kmem_cache | null> = [null];
  /** kmalloc_caches[type][index]. */
  readonly kmalloc_caches: Array<Array<kmem_cache | null>> = Array.from({ length: NR_KMALLOC_TYPES }, () => new Array<kmem_cache | null>(KMALLOC_SHIFT_HIGH + 1).fill(null));
  slab_state = DOWN;
  /** The caches the model's objects come from (see slab_cacheps). */
  readonly cachep = new slab_cacheps();
  /** get_random_long()'s stand-in for freelist randomization and shuffle_freelist's start. */
  readonly rng: Prng;
  /** `slub_min_objects` is 0: calculate_order derives min_objects from the CPU count. */
  nr_cpu_ids = 1;
  nr_node_ids = 1;
  /** get_partial's partial_context.slab out-parameter (the kernel's is on the stack). */
  readonly pc_slab = new Int32Array(1);
  /**
   * current->reclaim_state->reclaimed_slab: pages of slabs freed; shrink_node credits what a
   * reclaim pass's shrinkers freed to sc->nr_reclaimed and resets it.
   */
  reclaimed_slab = 0;
  /** The kernel-allocation driver's objects (slab_driver.ts). */
  readonly driver = new kmem_driver_state();
  /** slab_out_of_memory's slub_oom_rs. */
  readonly slub_oom_rs = new ratelimit_state(DEFAULT_RATELIMIT_INTERVAL_NS, DEFAULT_RATELIMIT_BURST);

  constructor(seed: number) {
    // A stream of its own: the slab's draws (one per new slab) never shift the machine's PRNG.
    this.rng = new Prng((seed ^ 0x51ab51ab) >>> 0);
  }
}
