/**
 * The slab allocator's invariants, checked from scratch over every live cache: what SLUB's
 * validate_slab_cache (the sysfs `validate` file with slub_debug) checks, plus the model's own
 * bookkeeping, gathered into one walk for tests and fuzzing.
 *
 * For every cache and every slab page of it (PG_slab with slab->slab_cache = the cache):
 * - the slab is in exactly one place: one CPU's slab (c->slab, frozen), one CPU's partial list
 *   (frozen), its node's partial list (not frozen, some object free) or on no list (full: not
 *   frozen, no free object);
 * - every object index is in exactly one place: allocated, on the slab's own freelist, or (for a
 *   CPU slab) on that CPU's lockless freelist; no freelist has a cycle or an index out of range;
 * - slab->inuse = objects less those on slab->freelist (a CPU freelist's objects count as in
 *   use, as in SLUB);
 * - each node's nr_slabs, total_objects and nr_partial equal what the walk found, and each
 *   CPU partial list's head holds the list's length (slab->slabs);
 * - no two slabs share a free-pointer slot, and no live slab's slot is on the free-slot stack.
 * Returns the slab pages found per node, reclaimable and unreclaimable, for the caller to hold
 * against NR_SLAB_RECLAIMABLE_B / NR_SLAB_UNRECLAIMABLE_B (which also count large kmallocs).
 * @kernel mm/slub.c validate_slab_cache, validate_slab, on_freelist, check_slab
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, PG_head, PG_slab } from "../../mm/memmap.js";
import { FP_NULL, OBJ_ALLOCATED, SLAB_RECLAIM_ACCOUNT, type kmem_cache } from "../../mm/slab.js";
import { slab_fpbase, slab_frozen, slab_inuse, slab_nid, slab_objects } from "../../mm/slub.js";
import { NO_PFN } from "../../mm/types.js";

function fail(s: kmem_cache, msg: string, ctx: Record<string, unknown> = {}): never {
  throw new KernelBug(`check_slab_invariants: ${s.name}: ${msg}`, ctx);
}

/** Where a slab was found. */
const NOWHERE = 0;
const CPU_SLAB = 1;
const CPU_PARTIAL = 2;
const NODE_PARTIAL = 3;
const FULL = 4;

/** Slab pages per node found by check_slab_invariants. */
export interface SlabPages {
  reclaimable: number[];
  unreclaimable: number[];
}

/**
 * Walks a freelist chain from `head`, marking each index in `mark` with `tag`; fails on a
 * cycle, an index out of range, an allocated object or one already on another list.
 */
function walk(s: kmem_cache, fp: Int16Array, base: number, head: number, objects: number, mark: Uint8Array, tag: number, pfn: number): number {
  let n = 0;
  for (let i = head; i !== FP_NULL; i = fp[base + i]) {
    if (i < 0 || i >= objects) fail(s, "freelist index out of range", { pfn, i, objects });
    if (mark[i] !== 0) fail(s, "object on two freelists (or a cycle)", { pfn, i });
    if (fp[base + i] === OBJ_ALLOCATED) fail(s, "allocated object on a freelist", { pfn, i });
    mark[i] = tag;
    if (++n > objects) fail(s, "freelist longer than the slab", { pfn });
  }
  return n;
}

/** Throws KernelBug with context on the first broken slab invariant; returns the slab pages. */
export function check_slab_invariants(k: Kernel): SlabPages {
  const mm = k.mem_map;
  const nodes = k.node_data.length;
  const out: SlabPages = { reclaimable: new Array<number>(nodes).fill(0), unreclaimable: new Array<number>(nodes).fill(0) };
  const slabMask = F(PG_slab);
  const headMask = F(PG_head);
  // The slab pages of every cache, found from the memory map (not from the lists).
  const byCache = new Map<number, number[]>();
  for (let pfn = 0; pfn < mm.max_pfn; pfn++) {
    if (!(mm.flags[pfn] & slabMask)) continue;
    const id = mm.mapping[pfn];
    const s = k.slab.cache_by_id[id];
    if (!s || !s.live) throw new KernelBug("check_slab_invariants: slab page of no live cache", { pfn, id });
    let list = byCache.get(id);
    if (!list) byCache.set(id, (list = []));
    list.push(pfn);
  }
  for (const s of k.slab.slab_caches) {
    const slabs = byCache.get(s.id) ?? [];
    byCache.delete(s.id);
    const where = new Map<number, number>();
    for (const pfn of slabs) where.set(pfn, NOWHERE);
    const place = (pfn: number, w: number): void => {
      const prev = where.get(pfn);
      if (prev === undefined) fail(s, "list holds a page that is not a slab of this cache", { pfn, w });
      if (prev !== NOWHERE) fail(s, "slab in two places", { pfn, prev, w });
      where.set(pfn, w);
    };
    // CPU slabs and CPU partial lists.
    const cpuOf = new Map<number, number>();
    for (let cpu = 0; cpu < s.cpu_slab.length; cpu++) {
      const pfn = s.cpu_slab[cpu];
      if (pfn >= 0) {
        place(pfn, CPU_SLAB);
        cpuOf.set(pfn, cpu);
        if (!slab_frozen(k, pfn)) fail(s, "CPU slab not frozen", { pfn, cpu });
        if (s.cpu_fpbase[cpu] !== slab_fpbase(k, s, pfn)) fail(s, "cpu_fpbase out of step with the CPU slab", { pfn, cpu });
      } else if (s.cpu_freelist[cpu] >= 0) fail(s, "CPU freelist without a CPU slab", { cpu });
      const head = s.cpu_partial_head[cpu];
      let len = 0;
      for (let p = head; p >= 0; p = mm.lru.next[p]) {
        place(p, CPU_PARTIAL);
        if (!slab_frozen(k, p)) fail(s, "CPU partial slab not frozen", { pfn: p, cpu });
        if (++len > slabs.length) fail(s, "CPU partial list cycle", { cpu });
      }
      if (head >= 0 && mm.lru.prev[head] !== len) fail(s, "CPU partial list length (slab->slabs) wrong", { cpu, recorded: mm.lru.prev[head], len });
    }
    // Node partial lists.
    s.node.forEach((n, nid) => {
      let len = 0;
      for (let p = n.partial[0]; p !== NO_PFN; p = mm.lru.list_next(n.partial, 0, p)) {
        place(p, NODE_PARTIAL);
        if (slab_frozen(k, p)) fail(s, "node partial slab frozen", { pfn: p });
        if (slab_nid(k, p) !== nid) fail(s, "slab on another node's partial list", { pfn: p, nid });
        if (++len > slabs.length) fail(s, "node partial list cycle", { nid });
      }
      if (len !== n.nr_partial) fail(s, "nr_partial differs from the list", { nid, nr_partial: n.nr_partial, len });
    });
    // Every slab's objects.
    const nr_slabs = new Array<number>(s.node.length).fill(0);
    const total = new Array<number>(s.node.length).fill(0);
    const slots = new Set<number>();
    const freeSlots = new Set(s.free_slots);
    for (const pfn of slabs) {
      let w = where.get(pfn)!;
      const objects = slab_objects(k, pfn);
      if (objects < 1 || objects > s.oo_objects) fail(s, "slab->objects out of range", { pfn, objects });
      const slot = mm.mapcount[pfn];
      if (slots.has(slot) || freeSlots.has(slot) || slot < 0 || slot >= s.nr_slots) fail(s, "free-pointer slot shared or free", { pfn, slot });
      slots.add(slot);
      const base = slot * s.stride;
      const mark = new Uint8Array(objects);
      const onSlab = walk(s, s.fp, base, mk(mm.index[pfn]), objects, mark, 1, pfn);
      if (w === CPU_SLAB) walk(s, s.fp, base, s.cpu_freelist[cpuOf.get(pfn)!], objects, mark, 2, pfn);
      for (let i = 0; i < objects; i++) {
        const allocated = s.fp[base + i] === OBJ_ALLOCATED;
        if (allocated === (mark[i] !== 0)) fail(s, allocated ? "allocated object on a freelist" : "free object on no freelist", { pfn, i });
      }
      if (slab_inuse(k, pfn) !== objects - onSlab) fail(s, "slab->inuse differs from its freelist", { pfn, inuse: slab_inuse(k, pfn), objects, onSlab });
      if (w === NOWHERE) {
        if (slab_frozen(k, pfn)) fail(s, "frozen slab owned by no CPU", { pfn });
        if (onSlab !== 0) fail(s, "slab with free objects on no list", { pfn, onSlab });
        w = FULL;
      }
      const nid = slab_nid(k, pfn);
      nr_slabs[nid]++;
      total[nid] += objects;
      const pages = mm.flags[pfn] & headMask ? 2 ** mm.index[pfn + 1] : 1;
      if (s.flags & SLAB_RECLAIM_ACCOUNT) out.reclaimable[nid] += pages;
      else out.unreclaimable[nid] += pages;
    }
    s.node.forEach((n, nid) => {
      if (n.nr_slabs !== nr_slabs[nid] || n.total_objects !== total[nid]) {
        fail(s, "node counters differ from the slabs", { nid, nr_slabs: n.nr_slabs, found: nr_slabs[nid], total_objects: n.total_objects, objects: total[nid] });
      }
    });
  }
  for (const [id, pfns] of byCache) throw new KernelBug("check_slab_invariants: slab pages of a cache not on slab_caches", { id, pfns: pfns.length });
  return out;
}

/** A freelist head as stored (slab->freelist is FP_NULL when empty). */
function mk(head: number): number {
  return head < 0 ? FP_NULL : head;
}
