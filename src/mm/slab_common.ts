/**
 * The slab allocator's common layer: creating and destroying caches (kmem_cache_create with
 * 6.1's merging of compatible caches, find_mergeable, and the alias names sysfs links), the
 * kmalloc size classes (kmalloc-8 … kmalloc-8k of the four types: normal, kmalloc-cg-* for
 * __GFP_ACCOUNT, kmalloc-rcl-* for __GFP_RECLAIMABLE, dma-kmalloc-* for __GFP_DMA), kmalloc and
 * kfree (large requests straight to the page allocator, counted as unreclaimable slab),
 * krealloc, ksize, the kmem tracepoints, /proc/slabinfo and the OOM report's unreclaimable slab
 * dump.
 *
 * This is the seam the rest of the model allocates kernel objects through (see
 * docs/architecture.md, "Kernel memory"): `kmem_cache_alloc(k, cache, gfp)` / `kmem_cache_free`
 * for named caches (k.slab.cachep holds the model's: task_struct, vm_area_struct, dentry…),
 * `kmalloc(k, size, gfp)` / `kfree`. An object is its address, a number; 0 is NULL.
 *
 * Simplified: the kmem tracepoints' call_site prints the calling function's name only (the
 * model has no code addresses for %pS's "+offset/size"), and their pointers unhashed (as with
 * no_hash_pointers).
 * @kernel mm/slab_common.c kmem_cache_create_usercopy, kmem_cache_create, create_cache,
 *   calculate_alignment, slab_unmergeable, find_mergeable, kmem_cache_destroy, shutdown_cache,
 *   kmem_cache_shrink, create_boot_cache, create_kmalloc_cache, new_kmalloc_cache,
 *   create_kmalloc_caches, kmalloc_slab, __do_kmalloc_node, kfree, free_large_kmalloc,
 *   __kmalloc_large_node, __ksize, krealloc, cache_show, print_slabinfo_header,
 *   dump_unreclaimable_slab
 * @kernel include/linux/slab.h kmalloc_type, kmalloc, kzalloc
 * @kernel mm/slab.h cache_from_obj, virt_to_cache, slab_ksize
 * @kernel include/trace/events/kmem.h kmalloc, kfree, kmem_cache_alloc, kmem_cache_free
 */
import { KernelBug } from "../kernel/bug.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { KernelPanic } from "../kernel/panic.js";
import { KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import { fls, pow2 } from "../lib/bitops.js";
import { GFP_KERNEL, __GFP_ACCOUNT, __GFP_COMP, __GFP_DMA, __GFP_RECLAIMABLE, __GFP_ZERO, show_gfp_flags } from "./gfp.js";
import { F, PG_buddy, PG_head, PG_lru, PG_slab } from "./memmap.js";
import { __alloc_pages, __free_pages, numa_node_id } from "./page_alloc.js";
import {
  ARCH_KMALLOC_MINALIGN,
  CACHE_CREATE_MASK,
  CACHE_LINE_SIZE,
  FULL,
  kmalloc_info,
  kmalloc_type_prefix,
  KMALLOC_CGROUP,
  KMALLOC_DMA,
  KMALLOC_MAX_CACHE_SIZE,
  KMALLOC_NORMAL,
  KMALLOC_RECLAIM,
  KMALLOC_SHIFT_HIGH,
  KMALLOC_SHIFT_LOW,
  kmem_cache,
  NR_KMALLOC_TYPES,
  NUMA_NO_NODE,
  SIZEOF_VOID_P,
  size_index,
  SLAB_ACCOUNT,
  SLAB_CACHE_DMA,
  SLAB_FLAGS_PERMITTED,
  SLAB_HWCACHE_ALIGN,
  SLAB_KMALLOC,
  SLAB_MERGE_SAME,
  SLAB_NEVER_MERGE,
  SLAB_PANIC,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
  SLAB_TYPESAFE_BY_RCU,
  UP,
  ZERO_SIZE_PTR,
} from "./slab.js";
import { ALIGN, create_unique_id, __kmem_cache_release, __kmem_cache_shrink, __kmem_cache_shutdown, get_order, get_slabinfo, kmem_cache_open, kptr, slab_alloc_node, slab_free, virt_to_head_pfn } from "./slub.js";
import { PAGE_SIZE } from "./types.js";
import { NR_SLAB_UNRECLAIMABLE_B } from "./vmstat_items.js";

const PG_slab_mask = F(PG_slab);

// ---------------------------------------------------------------------------------------------
// Cache creation
// ---------------------------------------------------------------------------------------------

/**
 * The objects' alignment: cache lines for SLAB_HWCACHE_ALIGN (halved while the object fits in
 * half a line: a 24-byte object gets 32), at least arch_slab_minalign(), a multiple of a word.
 * @kernel mm/slab_common.c calculate_alignment
 */
export function calculate_alignment(flags: number, align: number, size: number): number {
  if (flags & SLAB_HWCACHE_ALIGN) {
    let ralign = CACHE_LINE_SIZE;
    while (size <= ralign / 2) ralign /= 2;
    align = Math.max(align, ralign);
  }
  align = Math.max(align, ARCH_KMALLOC_MINALIGN);
  return ALIGN(align, SIZEOF_VOID_P);
}

/** A cache others may never merge into. @kernel mm/slab_common.c slab_unmergeable */
export function slab_unmergeable(s: kmem_cache): boolean {
  if (s.flags & SLAB_NEVER_MERGE) return true;
  if (s.ctor) return true;
  if (s.usersize) return true;
  return s.refcount < 0;
}

/**
 * The oldest live cache a new one of this size, alignment and flags can share: same
 * merge-relevant flags, same size within a word, compatible alignment, neither side with a
 * constructor, a usercopy region or debug flags.
 * @kernel mm/slab_common.c find_mergeable
 */
export function find_mergeable(k: Kernel, size: number, align: number, flags: number, ctor: string): kmem_cache | null {
  if (ctor) return null;
  size = ALIGN(size, SIZEOF_VOID_P);
  align = calculate_alignment(flags, align, size);
  size = ALIGN(size, align);
  if (flags & SLAB_NEVER_MERGE) return null;
  for (const s of k.slab.slab_caches) {
    if (slab_unmergeable(s)) continue;
    if (size > s.size) continue;
    if ((flags & SLAB_MERGE_SAME) !== (s.flags & SLAB_MERGE_SAME)) continue;
    if ((s.size & ~(align - 1)) !== s.size) continue;
    if (s.size - size >= SIZEOF_VOID_P) continue;
    return s;
  }
  return null;
}

/**
 * A new name for an existing compatible cache: one more reference, the larger object size, a
 * sysfs link. @kernel mm/slub.c __kmem_cache_alias, sysfs_slab_alias
 */
function __kmem_cache_alias(k: Kernel, name: string, size: number, align: number, flags: number, ctor: string): kmem_cache | null {
  const s = find_mergeable(k, size, align, flags, ctor);
  if (s) {
    s.alias_names.push(name);
    s.refcount++;
    s.object_size = Math.max(s.object_size, size);
    s.inuse = Math.max(s.inuse, ALIGN(size, SIZEOF_VOID_P));
  }
  return s;
}

/** A cache's id slot: what its slab pages' mapping column holds. */
function register_cache(k: Kernel, s: kmem_cache): void {
  const ids = k.slab.cache_by_id;
  let id = ids.indexOf(null, 1);
  if (id < 0) id = ids.length;
  s.id = id;
  ids[id] = s;
}

/**
 * A new cache: its struct from the kmem_cache cache, its geometry, nodes and CPU structures.
 * Returns the cache or a negative errno. @kernel mm/slab_common.c create_cache
 */
function create_cache(k: Kernel, name: string, object_size: number, align: number, flags: number, useroffset: number, usersize: number, ctor: string): kmem_cache | number {
  if (useroffset + usersize > object_size) useroffset = usersize = 0;
  const kc = k.slab.cachep.kmem_cache!;
  const obj = kmem_cache_alloc(k, kc, GFP_KERNEL | __GFP_ZERO);
  if (!obj) return -errnoValues.ENOMEM;
  const s = new kmem_cache();
  s.obj = obj;
  s.name = name;
  s.size = s.object_size = object_size;
  s.align = align;
  s.ctor = ctor;
  s.useroffset = useroffset;
  s.usersize = usersize;
  register_cache(k, s);
  s.alias_names.push(name);
  const err = kmem_cache_open(k, s, flags);
  if (err) {
    k.slab.cache_by_id[s.id] = null;
    kmem_cache_free(k, kc, obj);
    return err;
  }
  s.refcount = 1;
  k.slab.slab_caches.push(s);
  return s;
}

/** What kmem_cache_create is told about a cache. */
export interface kmem_cache_args {
  /** Bytes of one object. */
  size: number;
  /** Required alignment (0: a word). */
  align?: number;
  /** SLAB_* flags. */
  flags?: number;
  /** The usercopy region (kmem_cache_create_usercopy), which makes the cache unmergeable. */
  useroffset?: number;
  usersize?: number;
  /** The constructor's name ("anon_vma_ctor"): a constructor keeps the free pointer outside the object and the cache unmergeable. */
  ctor?: string;
}

/**
 * Creates a cache, or finds a compatible one to merge into. Returns the cache or null (the
 * kernel logs "kmem_cache_create(name) failed with error N"); with SLAB_PANIC a failure panics.
 * @kernel mm/slab_common.c kmem_cache_create_usercopy, kmem_cache_create
 */
export function kmem_cache_create(k: Kernel, name: string, a: kmem_cache_args): kmem_cache | null {
  let flags = a.flags ?? 0;
  let useroffset = a.useroffset ?? 0;
  let usersize = a.usersize ?? 0;
  const ctor = a.ctor ?? "";
  const align = a.align ?? 0;
  let err = 0;
  let s: kmem_cache | null = null;
  if (flags & ~SLAB_FLAGS_PERMITTED) err = -errnoValues.EINVAL;
  else {
    flags &= CACHE_CREATE_MASK;
    if ((!usersize && useroffset) || a.size < usersize || a.size - usersize < useroffset) usersize = useroffset = 0;
    if (!usersize) s = __kmem_cache_alias(k, name, a.size, align, flags, ctor);
    if (!s) {
      const r = create_cache(k, name, a.size, calculate_alignment(flags, align, a.size), flags, useroffset, usersize, ctor);
      if (typeof r === "number") err = r;
      else s = r;
    }
  }
  if (err) {
    if (flags & SLAB_PANIC) throw new KernelPanic(`kmem_cache_create_usercopy: Failed to create slab '${name}'. Error ${err}`);
    k.log.printk(KERN_WARNING, `kmem_cache_create_usercopy(${name}) failed with error ${err}`);
    return null;
  }
  return s;
}

/**
 * Drops a reference to a cache; the last one frees its empty slabs and the cache. A cache that
 * still has objects is a bug in its user: the kernel reports it ("Objects remaining in … on
 * __kmem_cache_shutdown()", then WARNs "kmem_cache_destroy X: Slab cache still has objects")
 * and keeps the cache; the model raises it as a KernelBug.
 * @kernel mm/slab_common.c kmem_cache_destroy, shutdown_cache, slab_kmem_cache_release
 */
export function kmem_cache_destroy(k: Kernel, s: kmem_cache | null): void {
  if (!s) return;
  if (--s.refcount) return;
  if (__kmem_cache_shutdown(k, s) !== 0) {
    s.refcount++;
    throw new KernelBug(`BUG ${s.name} (Not tainted): Objects remaining in ${s.name} on __kmem_cache_shutdown(); kmem_cache_destroy ${s.name}: Slab cache still has objects`);
  }
  const sg = k.slab;
  sg.slab_caches.splice(sg.slab_caches.indexOf(s), 1);
  __kmem_cache_release(k, s);
  sg.cache_by_id[s.id] = null;
  s.live = false;
  if (s.obj) kmem_cache_free(k, sg.cachep.kmem_cache!, s.obj);
}

/** Frees a cache's empty slabs. @kernel mm/slab_common.c kmem_cache_shrink */
export function kmem_cache_shrink(k: Kernel, s: kmem_cache): number {
  return __kmem_cache_shrink(k, s);
}

/**
 * The boot caches (kmem_cache_node, kmem_cache and the kmalloc caches) are set up before slab
 * can allocate their structures: natural alignment for power-of-two sizes, exempt from merging.
 * @kernel mm/slab_common.c create_boot_cache
 */
export function create_boot_cache(k: Kernel, s: kmem_cache, name: string, size: number, flags: number, useroffset: number, usersize: number): void {
  s.name = name;
  s.size = s.object_size = size;
  let align = ARCH_KMALLOC_MINALIGN;
  if ((size & (size - 1)) === 0) align = Math.max(align, size);
  s.align = calculate_alignment(flags, align, size);
  s.useroffset = useroffset;
  s.usersize = usersize;
  if (!s.id) register_cache(k, s);
  if (!s.alias_names.length) s.alias_names.push(name);
  const err = kmem_cache_open(k, s, flags);
  if (err) throw new KernelPanic(`Creation of kmalloc slab ${name} size=${size} failed. Reason ${err}`);
  s.refcount = -1;
}

/** @kernel mm/slab_common.c create_kmalloc_cache */
function create_kmalloc_cache(k: Kernel, name: string, size: number, flags: number, useroffset: number, usersize: number): kmem_cache {
  const obj = kmem_cache_alloc(k, k.slab.cachep.kmem_cache!, GFP_KERNEL | __GFP_ZERO);
  const s = new kmem_cache();
  s.obj = obj;
  create_boot_cache(k, s, name, size, flags | SLAB_KMALLOC, useroffset, usersize);
  k.slab.slab_caches.push(s);
  s.refcount = 1;
  return s;
}

/**
 * One kmalloc cache: kmalloc-rcl-* are SLAB_RECLAIM_ACCOUNT, kmalloc-cg-* SLAB_ACCOUNT,
 * dma-kmalloc-* SLAB_CACHE_DMA; every one has a usercopy region of its whole size, and the
 * normal ones are also exempt from merging (refcount -1, with MEMCG_KMEM).
 * @kernel mm/slab_common.c new_kmalloc_cache
 */
function new_kmalloc_cache(k: Kernel, idx: number, type: number, flags: number): void {
  if (type === KMALLOC_RECLAIM) flags |= SLAB_RECLAIM_ACCOUNT;
  else if (type === KMALLOC_CGROUP) flags |= SLAB_ACCOUNT;
  else if (type === KMALLOC_DMA) flags |= SLAB_CACHE_DMA;
  const info = kmalloc_info[idx];
  const s = create_kmalloc_cache(k, kmalloc_type_prefix[type] + info.short, info.size, flags, 0, info.size);
  k.slab.kmalloc_caches[type][idx] = s;
  if (type === KMALLOC_NORMAL) s.refcount = -1;
}

/**
 * Every kmalloc cache, type by type, in size order with 96 after 64 and 192 after 128: the
 * order /proc/slabinfo lists them in (newest first). @kernel mm/slab_common.c create_kmalloc_caches
 */
export function create_kmalloc_caches(k: Kernel, flags: number): void {
  const caches = k.slab.kmalloc_caches;
  for (let type = KMALLOC_NORMAL; type < NR_KMALLOC_TYPES; type++) {
    for (let i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++) {
      if (!caches[type][i]) new_kmalloc_cache(k, i, type, flags);
      if (i === 6 && !caches[type][1]) new_kmalloc_cache(k, 1, type, flags);
      if (i === 7 && !caches[type][2]) new_kmalloc_cache(k, 2, type, flags);
    }
  }
  k.slab.slab_state = UP;
}

// ---------------------------------------------------------------------------------------------
// Object allocation
// ---------------------------------------------------------------------------------------------

/** The kmem_cache_alloc tracepoint. */
function trace_kmem_cache_alloc(k: Kernel, call_site: string, ptr: number, s: kmem_cache, gfp: number, node: number): void {
  if (!k.trace.enabled("kmem_cache_alloc")) return;
  const accounted = (gfp & __GFP_ACCOUNT) !== 0 || (s.flags & SLAB_ACCOUNT) !== 0;
  k.trace.emit(
    "kmem_cache_alloc",
    { call_site, ptr, bytes_req: s.object_size, bytes_alloc: s.size, gfp_flags: gfp, node },
    `call_site=${call_site} ptr=${ptr ? kptr(ptr) : "0000000000000000"} bytes_req=${s.object_size} bytes_alloc=${s.size} gfp_flags=${show_gfp_flags(gfp)} node=${node} accounted=${accounted}`,
  );
}

/** The kmem_cache_free tracepoint. */
function trace_kmem_cache_free(k: Kernel, call_site: string, ptr: number, s: kmem_cache): void {
  if (!k.trace.enabled("kmem_cache_free")) return;
  k.trace.emit("kmem_cache_free", { call_site, ptr, name: s.name }, `call_site=${call_site} ptr=${kptr(ptr)} name=${s.name}`);
}

/** The kmalloc tracepoint (accounted: __GFP_ACCOUNT, as 6.1's TP_printk computes it). */
function trace_kmalloc(k: Kernel, call_site: string, ptr: number, bytes_req: number, bytes_alloc: number, gfp: number, node: number): void {
  if (!k.trace.enabled("kmalloc")) return;
  k.trace.emit(
    "kmalloc",
    { call_site, ptr, bytes_req, bytes_alloc, gfp_flags: gfp, node },
    `call_site=${call_site} ptr=${ptr ? kptr(ptr) : "0000000000000000"} bytes_req=${bytes_req} bytes_alloc=${bytes_alloc} gfp_flags=${show_gfp_flags(gfp)} node=${node} accounted=${(gfp & __GFP_ACCOUNT) !== 0}`,
  );
}

/** The kfree tracepoint. */
function trace_kfree(k: Kernel, call_site: string, ptr: number): void {
  if (!k.trace.enabled("kfree")) return;
  k.trace.emit("kfree", { call_site, ptr }, `call_site=${call_site} ptr=${ptr <= ZERO_SIZE_PTR ? ptr.toString(16).padStart(16, "0") : kptr(ptr)}`);
}

/**
 * An object of cache `s`, or 0. `call_site` names the caller for the tracepoint.
 * @kernel mm/slub.c kmem_cache_alloc
 */
export function kmem_cache_alloc(k: Kernel, s: kmem_cache, gfp: number, call_site = "kmem_cache_alloc"): number {
  const ret = slab_alloc_node(k, s, gfp, NUMA_NO_NODE);
  if (k.trace.active) trace_kmem_cache_alloc(k, call_site, ret, s, gfp, NUMA_NO_NODE);
  return ret;
}

/** An object of cache `s` from node `node` (NUMA_NO_NODE: any). @kernel mm/slub.c kmem_cache_alloc_node */
export function kmem_cache_alloc_node(k: Kernel, s: kmem_cache, gfp: number, node: number, call_site = "kmem_cache_alloc_node"): number {
  const ret = slab_alloc_node(k, s, gfp, node);
  if (k.trace.active) trace_kmem_cache_alloc(k, call_site, ret, s, gfp, node);
  return ret;
}

/** kmem_cache_zalloc. @kernel include/linux/slab.h kmem_cache_zalloc */
export function kmem_cache_zalloc(k: Kernel, s: kmem_cache, gfp: number, call_site = "kmem_cache_zalloc"): number {
  return kmem_cache_alloc(k, s, gfp | __GFP_ZERO, call_site);
}

/**
 * Checks that object x is of cache s and returns its slab's head pfn. With
 * CONFIG_SLAB_FREELIST_HARDENED the kernel checks:
 * not a slab page ("virt_to_cache: Object is not a Slab page!") or another cache's object
 * ("cache_from_obj: Wrong slab cache. X but object is from Y") are WARNs there; in the model
 * they are KernelBugs, as the object cannot be freed correctly.
 * @kernel mm/slab.h cache_from_obj, virt_to_cache
 */
function cache_from_obj(k: Kernel, s: kmem_cache, x: number): number {
  const pfn = virt_to_head_pfn(k, x);
  if (pfn < 0 || !(k.mem_map.flags[pfn] & PG_slab_mask)) throw new KernelBug(`virt_to_cache: Object is not a Slab page! (0x${kptr(x)})`);
  const cachep = k.slab.cache_by_id[k.mem_map.mapping[pfn]];
  if (!cachep) throw new KernelBug(`virt_to_cache: Object is not a Slab page! (0x${kptr(x)})`);
  if (cachep !== s) throw new KernelBug(`cache_from_obj: Wrong slab cache. ${s.name} but object is from ${cachep.name}`);
  // The cache is s (checked above); the slab's head page goes back, with no object made per free.
  return pfn;
}

/** Frees an object of cache `s`. @kernel mm/slub.c kmem_cache_free */
export function kmem_cache_free(k: Kernel, s: kmem_cache, x: number, call_site = "kmem_cache_free"): void {
  const pfn = cache_from_obj(k, s, x);
  if (k.trace.active) trace_kmem_cache_free(k, call_site, x, s);
  slab_free(k, s, pfn, x);
}

/**
 * The kmalloc type of a GFP mask: __GFP_DMA, then __GFP_RECLAIMABLE, then __GFP_ACCOUNT.
 * @kernel include/linux/slab.h kmalloc_type
 */
export function kmalloc_type(flags: number): number {
  if ((flags & (__GFP_RECLAIMABLE | __GFP_DMA | __GFP_ACCOUNT)) === 0) return KMALLOC_NORMAL;
  if (flags & __GFP_DMA) return KMALLOC_DMA;
  if (flags & __GFP_RECLAIMABLE) return KMALLOC_RECLAIM;
  return KMALLOC_CGROUP;
}

/**
 * The kmalloc cache for a request of `size` bytes (1..8192): size_index below 193 bytes
 * (65..96 to kmalloc-96, 129..192 to kmalloc-192), fls(size - 1) above: 200 bytes → 2^8.
 * @kernel mm/slab_common.c kmalloc_slab
 */
export function kmalloc_slab(k: Kernel, size: number, flags: number): kmem_cache | null {
  const index = size <= 192 ? size_index[(size - 1) >>> 3] : fls(size - 1);
  return k.slab.kmalloc_caches[kmalloc_type(flags)][index];
}

/**
 * Pages straight from the buddy allocator for requests above kmalloc-8k, as one compound
 * allocation counted as unreclaimable slab. 0 when there are none (orders above 10 never are).
 * @kernel mm/slab_common.c __kmalloc_large_node
 */
function __kmalloc_large_node(k: Kernel, size: number, flags: number, node: number): number {
  const order = get_order(size);
  const pfn = __alloc_pages(k, flags | __GFP_COMP, order, node === NUMA_NO_NODE ? numa_node_id(k) : node, null);
  if (pfn < 0) return 0;
  k.page_zone(pfn)!.zone_pgdat.vm_stat[NR_SLAB_UNRECLAIMABLE_B] += pow2(order);
  return pfn * PAGE_SIZE;
}

/**
 * kmalloc: `size` bytes from the kmalloc cache of its size and type, or pages above 8 KiB;
 * ZERO_SIZE_PTR for 0 bytes; 0 when out of memory.
 * @kernel mm/slab_common.c __do_kmalloc_node
 * @kernel include/linux/slab.h kmalloc
 */
export function kmalloc(k: Kernel, size: number, flags: number, call_site = "__kmalloc"): number {
  if (size > KMALLOC_MAX_CACHE_SIZE) {
    const ret = __kmalloc_large_node(k, size, flags, NUMA_NO_NODE);
    if (k.trace.active) trace_kmalloc(k, call_site, ret, size, PAGE_SIZE * pow2(get_order(size)), flags, NUMA_NO_NODE);
    return ret;
  }
  if (size === 0) return ZERO_SIZE_PTR;
  const s = kmalloc_slab(k, size, flags)!;
  const ret = slab_alloc_node(k, s, flags, NUMA_NO_NODE);
  if (k.trace.active) trace_kmalloc(k, call_site, ret, size, s.size, flags, NUMA_NO_NODE);
  return ret;
}

/** kzalloc: kmalloc with __GFP_ZERO. @kernel include/linux/slab.h kzalloc */
export function kzalloc(k: Kernel, size: number, flags: number, call_site = "__kmalloc"): number {
  return kmalloc(k, size, flags | __GFP_ZERO, call_site);
}

/**
 * The pages of a large kmalloc go back. A page that is not a compound head is no kmalloc
 * allocation: the kernel WARNs ("object pointer: 0x…") and frees it anyway, corrupting whoever
 * owns it; the model raises a KernelBug instead.
 * @kernel mm/slab_common.c free_large_kmalloc
 */
function free_large_kmalloc(k: Kernel, pfn: number, object: number): void {
  const mm = k.mem_map;
  const f = mm.flags[pfn];
  if (!(f & F(PG_head)) || f & (F(PG_buddy) | F(PG_lru)) || mm.mapping[pfn] !== 0 || mm._refcount[pfn] !== 1 || object !== pfn * PAGE_SIZE) {
    throw new KernelBug(`kfree: object pointer: 0x${kptr(object)} is not a kmalloc allocation`, { pfn });
  }
  const order = mm.index[pfn + 1];
  k.page_zone(pfn)!.zone_pgdat.vm_stat[NR_SLAB_UNRECLAIMABLE_B] -= pow2(order);
  __free_pages(k, pfn, order);
}

/**
 * Frees what kmalloc returned: NULL and ZERO_SIZE_PTR are fine; a slab object goes back to its
 * cache (whichever kmalloc cache it came from), a large allocation to the page allocator.
 * @kernel mm/slab_common.c kfree
 */
export function kfree(k: Kernel, object: number, call_site = "kfree"): void {
  if (k.trace.active) trace_kfree(k, call_site, object);
  if (object <= ZERO_SIZE_PTR) return;
  const pfn = virt_to_head_pfn(k, object);
  if (pfn < 0) throw new KernelBug(`kfree: object pointer: 0x${object.toString(16)} is not a kernel address`);
  if (!(k.mem_map.flags[pfn] & PG_slab_mask)) {
    free_large_kmalloc(k, pfn, object);
    return;
  }
  const s = k.slab.cache_by_id[k.mem_map.mapping[pfn]]!;
  slab_free(k, s, pfn, object);
}

/** Bytes an object may use: its cache's full object slot. @kernel mm/slab.h slab_ksize */
function slab_ksize(s: kmem_cache): number {
  if (s.flags & (SLAB_RED_ZONE | SLAB_POISON)) return s.object_size;
  if (s.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER)) return s.inuse;
  return s.size;
}

/** The real size of an allocation. @kernel mm/slab_common.c __ksize */
export function ksize(k: Kernel, object: number): number {
  if (object === ZERO_SIZE_PTR) return 0;
  const pfn = virt_to_head_pfn(k, object);
  if (!(k.mem_map.flags[pfn] & PG_slab_mask)) {
    const order = k.mem_map.flags[pfn] & F(PG_head) ? k.mem_map.index[pfn + 1] : 0;
    return PAGE_SIZE * pow2(order);
  }
  return slab_ksize(k.slab.cache_by_id[k.mem_map.mapping[pfn]]!);
}

/**
 * Resizes an allocation: kept when it still fits (ksize), else a new kmalloc and the old one
 * freed; size 0 frees and returns ZERO_SIZE_PTR. 0 when out of memory (the old one stays).
 * @kernel mm/slab_common.c krealloc, __do_krealloc
 */
export function krealloc(k: Kernel, p: number, new_size: number, flags: number): number {
  if (!new_size) {
    kfree(k, p);
    return ZERO_SIZE_PTR;
  }
  const ks = p > ZERO_SIZE_PTR ? ksize(k, p) : 0;
  if (ks >= new_size) return p;
  const ret = kmalloc(k, new_size, flags, "krealloc");
  if (ret && p > ZERO_SIZE_PTR) kfree(k, p);
  return ret;
}

// ---------------------------------------------------------------------------------------------
// /proc/slabinfo and the OOM report
// ---------------------------------------------------------------------------------------------

/** /proc/slabinfo's two header lines. @kernel mm/slab_common.c print_slabinfo_header */
export const SLABINFO_HEADER =
  "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

/**
 * /proc/slabinfo: the header, then every cache, newest first (slab_caches is a list_add'ed
 * list). SLUB has no tunables or shared arrays: those columns are 0.
 * @kernel mm/slab_common.c slab_show, cache_show
 */
export function slabinfo_show(k: Kernel): string {
  let out = SLABINFO_HEADER;
  const caches = k.slab.slab_caches;
  for (let i = caches.length - 1; i >= 0; i--) {
    const s = caches[i];
    const si = get_slabinfo(k, s);
    out +=
      `${s.name.padEnd(17)} ${String(si.active_objs).padStart(6)} ${String(si.num_objs).padStart(6)} ${String(s.size).padStart(6)} ${String(si.objects_per_slab).padStart(4)} ${String(2 ** si.cache_order).padStart(4)}` +
      ` : tunables ${"0".padStart(4)} ${"0".padStart(4)} ${"0".padStart(4)} : slabdata ${String(si.active_slabs).padStart(6)} ${String(si.num_slabs).padStart(6)} ${"0".padStart(6)}\n`;
  }
  return out;
}

/**
 * The OOM report's table of unreclaimable caches (printed when unreclaimable slab exceeds the
 * pages on the LRU lists): used and total kB of every cache with objects.
 * @kernel mm/slab_common.c dump_unreclaimable_slab
 */
export function dump_unreclaimable_slab(k: Kernel): void {
  k.log.printk(KERN_INFO, "Unreclaimable slab info:");
  k.log.printk(KERN_INFO, "Name                      Used          Total");
  const caches = k.slab.slab_caches;
  for (let i = caches.length - 1; i >= 0; i--) {
    const s = caches[i];
    if (s.flags & SLAB_RECLAIM_ACCOUNT) continue;
    const si = get_slabinfo(k, s);
    if (si.num_objs > 0) {
      k.log.printk(KERN_INFO, `${s.name.padEnd(17)} ${String(Math.floor((si.active_objs * s.size) / 1024)).padStart(10)}KB ${String(Math.floor((si.num_objs * s.size) / 1024)).padStart(10)}KB`);
    }
  }
}

/** The name sysfs gives a cache's directory. @kernel mm/slub.c sysfs_slab_add */
export function sysfs_slab_dirname(s: kmem_cache): string {
  return slab_unmergeable(s) ? s.name : create_unique_id(s);
}

/** slab_state reaches FULL when slab_sysfs_init has registered the caches. @kernel mm/slub.c slab_sysfs_init */
export function slab_sysfs_init(k: Kernel): void {
  k.slab.slab_state = FULL;
}
