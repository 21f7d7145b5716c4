/**
 * A driver that allocates kernel memory on a task's behalf: what a scenario's `kmalloc` and
 * `kfree` steps drive (issue 16's kernel-allocation steps). Each request allocates `count`
 * objects with the given GFP — of a kmalloc size (kmalloc: a size class, or the page allocator
 * past 8 KiB) or of a named cache (kmem_cache_create with that object size on first use, merged
 * into a compatible cache as kmem_cache_create merges) — and the driver keeps them for the task:
 * `kfree` gives back the newest, and the task's exit gives back the rest (as a device's release
 * frees what an open file held), unless the request leaked them: leaked objects are never freed,
 * the unreclaimable slab a buggy driver leaves behind (SUnreclaim grows until the OOM killer has
 * nothing left to kill).
 *
 * 6.1 has no such driver: this is the model's stand-in for any kernel code allocating on a task's
 * behalf; the allocations themselves are the kernel's (slab_common.ts) with their tracepoints,
 * reclaim, OOM kills and accounting.
 * @kernel mm/slab_common.c kmalloc, kfree, kmem_cache_create
 * @kernel mm/slub.c kmem_cache_alloc, kmem_cache_free
 */
import type { Kernel } from "../kernel/kernel.js";
import {
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
} from "./gfp.js";
import { fatal_signal_pending, type task_struct } from "../kernel/sched.js";
import { type kmem_cache, KMALLOC_MAX_SIZE } from "./slab.js";
import {
  kfree,
  kmalloc,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
} from "./slab_common.js";

/** One request's objects: the cache (null: kmalloc) and the object addresses, oldest first. */
export class kmem_driver_batch {
  readonly objs: number[] = [];
  constructor(readonly cache: kmem_cache | null) {}
}

/** What the driver holds: per task (pid) its batches, and what leaked. */
export class kmem_driver_state {
  readonly held = new Map<number, kmem_driver_batch[]>();
  /** The caches requests named, by the name they gave (a merged cache answers to its alias). */
  readonly caches = new Map<string, kmem_cache>();
  /** Leaked objects: never freed. */
  nr_leaked = 0;
}

/** What a request asks for. */
export interface kmem_driver_request {
  /** Object size in bytes (kmalloc's, or the new cache's object size). */
  size: number;
  /** A cache name, or null for kmalloc. */
  cache: string | null;
  count: number;
  gfp: number;
  leak: boolean;
}

/** The GFP masks a request may name (include/linux/gfp_types.h). */
export const KMEM_DRIVER_GFP: Readonly<Record<string, number>> = Object.freeze({
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
  GFP_ATOMIC,
});

/** Their names, for the scenario step's check. */
export const KMALLOC_GFP_NAMES: readonly string[] = Object.freeze(
  Object.keys(KMEM_DRIVER_GFP),
);

/** The most objects one request may ask for (the step's documented bound). */
export const KMEM_DRIVER_MAX_COUNT = 1 << 24;

/**
 * Allocates the request's objects one by one until all are made, an allocation fails, or the task
 * is killed (an OOM kill of the requester ends the loop, as a fatal signal ends a driver's loop).
 * Returns how many were made; -EINVAL for a size kmalloc cannot serve or a new cache without a
 * size, -ENOMEM when not even the first could be made.
 */
export function kmem_driver_alloc(
  k: Kernel,
  t: task_struct,
  req: kmem_driver_request,
): number {
  let cache: kmem_cache | null = null;
  if (req.cache !== null) {
    cache =
      k.slab.driver.caches.get(req.cache) ??
      k.slab.slab_caches.find((s) => s.name === req.cache) ??
      null;
    if (cache === null) {
      if (!(req.size > 0) || req.size > KMALLOC_MAX_SIZE) return -22;
      cache = kmem_cache_create(k, req.cache, { size: req.size });
      if (cache === null) return -12;
      k.slab.driver.caches.set(req.cache, cache);
    }
  } else if (!(req.size > 0) || req.size > KMALLOC_MAX_SIZE) {
    return -22;
  }
  const batch = new kmem_driver_batch(cache);
  let made = 0;
  for (; made < req.count; made++) {
    if (fatal_signal_pending(t)) break;
    const p =
      cache !== null
        ? kmem_cache_alloc(k, cache, req.gfp, "kmem_driver_ioctl")
        : kmalloc(k, req.size, req.gfp, "kmem_driver_ioctl");
    if (p === 0) break;
    batch.objs.push(p);
  }
  if (req.leak) k.slab.driver.nr_leaked += made;
  else if (made > 0) {
    const list = k.slab.driver.held.get(t.pid);
    if (list) list.push(batch);
    else k.slab.driver.held.set(t.pid, [batch]);
  }
  return made === 0 && req.count > 0 ? -12 : made;
}

/** Frees one object of a batch. */
function free_one(k: Kernel, b: kmem_driver_batch, p: number): void {
  if (b.cache !== null) kmem_cache_free(k, b.cache, p, "kmem_driver_release");
  else kfree(k, p, "kmem_driver_release");
}

/** Frees the task's newest `count` held objects (all with -1); returns how many went. */
export function kmem_driver_free(
  k: Kernel,
  t: task_struct,
  count: number,
): number {
  const list = k.slab.driver.held.get(t.pid);
  if (!list) return 0;
  let freed = 0;
  while (list.length > 0 && (count < 0 || freed < count)) {
    const b = list[list.length - 1];
    const p = b.objs.pop();
    if (p === undefined) {
      list.pop();
      continue;
    }
    free_one(k, b, p);
    freed++;
  }
  if (list.every((b) => b.objs.length === 0)) k.slab.driver.held.delete(t.pid);
  return freed;
}

/** The task exits: everything it held (not leaked) goes back. */
export function kmem_driver_release(k: Kernel, t: task_struct): void {
  if (k.slab.driver.held.has(t.pid)) kmem_driver_free(k, t, -1);
}
