/**
 * mm/swap.c: how pages get onto, move between and come off the LRU lists outside reclaim — the
 * per-CPU folio batches (lru_add, activate, lru_rotate), their drains, folio_mark_accessed's
 * two-touch promotion, folio_rotate_reclaimable for pages whose writeback finished, lru_note_cost,
 * and the release of a page's last reference (__page_cache_release before the free).
 *
 * The batches matter for what a reader sees: a page sits in a batch holding a reference (so a
 * page freed meanwhile lives on until the drain) and is counted on no list until up to 15 pages
 * later, which is why /proc/meminfo's LRU lines lag the faults by up to PAGEVEC_SIZE pages per CPU.
 *
 * Large folios (THP) bypass the batches as 6.1's folio_batch_add_and_move makes them: adding
 * one applies the batch at once. Their last reference runs the folio's destructor
 * (destroy_large_folio: a THP leaves the deferred split queue, a hugetlb page goes back to its
 * pool) before the compound page is freed.
 *
 * With the multi-gen LRU on (lru_gen.ts), folio_mark_accessed counts tiers instead
 * (folio_inc_refs) and a page added during a fault is marked active, so it joins the youngest
 * generation.
 *
 * Simplified: no lru_deactivate / lru_deactivate_file / lru_lazyfree batches (madvise moves those
 * pages at once), no lru_cache_disable(), no memcg.
 * @kernel mm/swap.c folio_add_lru, lru_add_fn, folio_batch_move_lru, folio_batch_add_and_move,
 *   lru_cache_add_inactive_or_unevictable, folio_mark_accessed, folio_activate, folio_activate_fn,
 *   __lru_cache_activate_folio, folio_rotate_reclaimable, lru_move_tail_fn, lru_add_drain,
 *   lru_add_drain_cpu, lru_add_drain_all, lru_note_cost, lru_note_cost_folio, __page_cache_release,
 *   release_pages, __folio_put, folio_inc_refs
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { compound_head, F, page_flags, LRU_REFS_MASK, LRU_REFS_PGOFF, PG_active, PG_dirty, PG_head, PG_hugetlb, PG_locked, PG_lru, PG_mlocked, PG_private, PG_referenced, PG_swapcache, PG_tail, PG_transhuge, PG_unevictable, PG_workingset, PG_writeback } from "./memmap.js";
import { folio_is_file_lru, folio_lru_list, folio_lruvec, folio_zone, lruvec_add_folio, lruvec_add_folio_run, lruvec_add_folio_tail, lruvec_del_folio, lruvec_evictable_size, parent_lruvec } from "./mm_inline.js";
import type { lruvec, pglist_data } from "./mmzone.js";
import { __free_pages } from "./page_alloc.js";
import type { vm_area_struct } from "./mm_types.js";
import { VM_LOCKED } from "./mm_types.js";
import { pageblock_order } from "./types.js";
import { mlock_new_page } from "./mlock.js";
import { free_transhuge_page } from "./huge_memory.js";
import { free_huge_page } from "./hugetlb.js";
import { lru_gen_enabled, lru_gen_in_fault } from "./lru_gen.js";
import {
  PGACTIVATE,
  PGROTATED,
  UNEVICTABLE_PGCULLED,
  UNEVICTABLE_PGRESCUED,
} from "./vmstat_items.js";

/** PAGEVEC_SIZE: pages a per-CPU batch holds before it is applied. */
export const PAGEVEC_SIZE = 15;

// Which batch: cpu_fbatches.lru_add and .activate, and lru_rotate.fbatch.
const BATCH_LRU_ADD = 0;
const BATCH_ACTIVATE = 1;
const BATCH_ROTATE = 2;
const NR_BATCHES = 3;

const LRU = F(PG_lru);
const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const REFERENCED = F(PG_referenced);
const MLOCKED = F(PG_mlocked);
const LOCKED = F(PG_locked);
const DIRTY = F(PG_dirty);
const HEAD = F(PG_head);
const COMPOUND = F(PG_head) | F(PG_tail);
const WORKINGSET = F(PG_workingset);

/** Every CPU's batches, flat: batch b of cpu c is pfns[(c * NR_BATCHES + b) * PAGEVEC_SIZE …]. */
export class cpu_fbatches {
  readonly pfns: Int32Array;
  readonly nr: Int32Array;
  constructor(readonly nr_cpus: number) {
    this.pfns = new Int32Array(nr_cpus * NR_BATCHES * PAGEVEC_SIZE);
    this.nr = new Int32Array(nr_cpus * NR_BATCHES);
  }
}

function fbatches(k: Kernel): cpu_fbatches {
  let b = k.lru_batches;
  if (b === null) {
    b = new cpu_fbatches(Math.max(1, k.nr_cpu_ids));
    k.lru_batches = b;
  }
  return b;
}

/**
 * A page joins its list: rescued from or culled to the unevictable list as its mlock state says.
 * @kernel mm/swap.c lru_add_fn
 */
function lru_add_fn(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  let f = mem.flags[pfn];
  if (f & LRU) throw new KernelBug("lru_add_fn: page already on an LRU", { pfn });
  const was_unevictable = (f & UNEVICTABLE) !== 0;
  f &= ~UNEVICTABLE;
  if ((f & MLOCKED) === 0) {
    if (was_unevictable) k.vm_events[UNEVICTABLE_PGRESCUED]++;
  } else {
    f = (f & ~ACTIVE) | UNEVICTABLE;
    if (!was_unevictable) k.vm_events[UNEVICTABLE_PGCULLED]++;
  }
  mem.flags[pfn] = f;
  lruvec_add_folio(k, pfn);
}

/** folio_activate_fn: an inactive evictable page moves to the head of its active list. */
function folio_activate_fn(k: Kernel, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  if ((f & (ACTIVE | UNEVICTABLE)) === 0) {
    lruvec_del_folio(k, pfn);
    k.mem_map.flags[pfn] |= ACTIVE;
    lruvec_add_folio(k, pfn);
    k.vm_events[PGACTIVATE]++;
  }
}

/** lru_move_tail_fn: a page whose writeback finished goes to the inactive tail, first in line for reclaim. */
function lru_move_tail_fn(k: Kernel, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  if ((f & UNEVICTABLE) === 0) {
    lruvec_del_folio(k, pfn);
    k.mem_map.flags[pfn] &= ~ACTIVE;
    lruvec_add_folio_tail(k, pfn);
    k.vm_events[PGROTATED]++;
  }
}

/**
 * Applies a batch: each page is moved (lru_add pages added; other kinds only if still on an LRU,
 * folio_test_clear_lru), then the batch's references are dropped, which frees pages whose other
 * users went away meanwhile.
 * @kernel mm/swap.c folio_batch_move_lru, release_pages
 */
function folio_batch_move_lru(k: Kernel, b: cpu_fbatches, slot: number): void {
  const mem = k.mem_map;
  const n = b.nr[slot];
  const base = slot * PAGEVEC_SIZE;
  const kind = slot % NR_BATCHES;
  b.nr[slot] = 0;
  const flags = mem.flags;
  if (kind === BATCH_LRU_ADD && lru_add_run(k, b.pfns, base, n)) {
    folio_batch_release(k, b, base, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const pfn = b.pfns[base + i];
    if (kind === BATCH_LRU_ADD) {
      // lru_add_fn's common case, an evictable page never culled: straight onto its list.
      if ((flags[pfn] & (LRU | UNEVICTABLE | MLOCKED)) === 0) lruvec_add_folio(k, pfn);
      else lru_add_fn(k, pfn);
    } else {
      if ((mem.flags[pfn] & LRU) === 0) continue;
      mem.flags[pfn] &= ~LRU;
      if (kind === BATCH_ACTIVATE) folio_activate_fn(k, pfn);
      else lru_move_tail_fn(k, pfn);
    }
    mem.flags[pfn] |= LRU;
  }
  folio_batch_release(k, b, base, n);
}

/** release_pages: the batch's references go; only a page whose last one it was is freed. @kernel mm/swap.c release_pages */
function folio_batch_release(k: Kernel, b: cpu_fbatches, base: number, n: number): void {
  const refcount = k.mem_map._refcount;
  for (let i = 0; i < n; i++) {
    const pfn = b.pfns[base + i];
    if (refcount[pfn] > 1) refcount[pfn]--;
    else put_page(k, pfn);
  }
}

/**
 * The lru_add batch's commonest form, fresh pages of one zone never culled or rescued (lru_add_fn
 * does nothing to them but lruvec_add_folio) and bound for one list: added in one splice, then
 * PG_lru set on each, as folio_batch_move_lru's loop would. False, changing nothing, for any
 * other batch. Fifteen ring insertions through lruvec_add_folio were a sixth of a first-touch
 * fault; with the splice, first-touch faults run 1.2× faster.
 * @kernel mm/swap.c folio_batch_move_lru, lru_add_fn
 */
function lru_add_run(k: Kernel, pfns: Int32Array, base: number, n: number): boolean {
  if (n === 0) return true;
  // With MGLRU each page goes to a generation of its own choosing: the per-page path.
  if (lru_gen_enabled(k)) return false;
  const mem = k.mem_map;
  const flags = mem.flags;
  const blockZone = mem.pageblock_zone;
  const f0 = flags[pfns[base]];
  const zi = blockZone[pfns[base] >>> pageblock_order];
  const lru = folio_lru_list(f0);
  const memcgCol = mem.memcg;
  const cg = memcgCol[pfns[base]];
  // PG_lru goes on as each page passes the test, so a page queued twice (a bug the per-page
  // path reports) fails it the second time; a failure takes the marks off again.
  for (let i = 0; i < n; i++) {
    const pfn = pfns[base + i];
    const f = flags[pfn];
    if ((f & (LRU | UNEVICTABLE | MLOCKED | HEAD)) !== 0 || folio_lru_list(f) !== lru || blockZone[pfn >>> pageblock_order] !== zi || memcgCol[pfn] !== cg) {
      for (let j = 0; j < i; j++) flags[pfns[base + j]] &= ~LRU;
      return false;
    }
    flags[pfn] = f | LRU;
  }
  lruvec_add_folio_run(k, folio_zone(k, pfns[base]), lru, pfns, base, n);
  return true;
}

/** Adds a referenced page to this CPU's batch of `kind`, applying the batch once it is full or the folio is large. */
function folio_batch_add_and_move(k: Kernel, pfn: number, kind: number): void {
  const b = fbatches(k);
  const slot = k.cpu * NR_BATCHES + kind;
  const n = b.nr[slot];
  b.pfns[slot * PAGEVEC_SIZE + n] = pfn;
  b.nr[slot] = n + 1;
  if (n + 1 === PAGEVEC_SIZE || (k.mem_map.flags[pfn] & HEAD) !== 0) folio_batch_move_lru(k, b, slot);
}

/**
 * A new page (fault, swap-in, page cache) enters the LRU through this CPU's lru_add batch.
 * @kernel mm/swap.c folio_add_lru
 */
export function folio_add_lru(k: Kernel, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  if (f & LRU) throw new KernelBug("folio_add_lru: page already on an LRU", { pfn });
  if ((f & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE)) throw new KernelBug("folio_add_lru: active and unevictable", { pfn });
  // see the comment in lru_gen_add_folio(): a page faulted in is hot
  if ((f & UNEVICTABLE) === 0 && lru_gen_enabled(k) && lru_gen_in_fault(k) && k.reclaim_depth === 0) k.mem_map.flags[pfn] = f | ACTIVE;
  k.mem_map._refcount[pfn]++;
  folio_batch_add_and_move(k, pfn, BATCH_LRU_ADD);
}

/**
 * An isolated page goes back to the LRU: through the lru_add batch, then the isolation's
 * reference is dropped.
 * @kernel mm/swap.c folio_putback_lru
 */
export function folio_putback_lru(k: Kernel, pfn: number): void {
  folio_add_lru(k, pfn);
  put_page(k, pfn);
}

/**
 * How many more pages folio_add_lru_new takes on this CPU before one fills its batch and moves
 * the batch onto the LRU lists (with the LRU-size statistics of its pages) inside the call: 0
 * when the next one does, or when the batches are not made yet. For a caller holding statistics
 * back (memory.ts anon_write_run). PAGEVEC_SIZE 15, 9 queued: 5 more go in quietly.
 */
export function lru_add_room(k: Kernel): number {
  const b = k.lru_batches;
  if (b === null) return 0;
  const room = PAGEVEC_SIZE - 1 - b.nr[k.cpu * NR_BATCHES + BATCH_LRU_ADD];
  return room > 0 ? room : 0;
}

/**
 * folio_add_lru for a page the caller has just allocated and set up (a fresh anonymous page of a
 * VMA without VM_LOCKED, as anon_write_run makes them): the same batch step without the checks
 * a page of unknown history needs.
 */
export function folio_add_lru_new(k: Kernel, pfn: number): void {
  if (lru_gen_enabled(k) && lru_gen_in_fault(k) && k.reclaim_depth === 0) k.mem_map.flags[pfn] |= ACTIVE;
  k.mem_map._refcount[pfn]++;
  const b = k.lru_batches ?? fbatches(k);
  const slot = k.cpu * NR_BATCHES; // BATCH_LRU_ADD
  const n = b.nr[slot];
  b.pfns[slot * PAGEVEC_SIZE + n] = pfn;
  b.nr[slot] = n + 1;
  if (n + 1 === PAGEVEC_SIZE) folio_batch_move_lru(k, b, slot);
}

/**
 * The fault path's add: a page faulted into a VM_LOCKED VMA is mlocked first, so lru_add_fn
 * culls it to the unevictable list (mlock_new_folio's counting).
 * @kernel mm/swap.c lru_cache_add_inactive_or_unevictable
 * @kernel mm/mlock.c mlock_new_folio
 */
export function lru_cache_add_inactive_or_unevictable(k: Kernel, pfn: number, vma: vm_area_struct): void {
  if ((vma.vm_flags & VM_LOCKED) !== 0) mlock_new_page(k, pfn);
  folio_add_lru(k, pfn);
}

/**
 * Queues an LRU page for activation.
 * @kernel mm/swap.c folio_activate
 */
export function folio_activate(k: Kernel, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  if ((f & LRU) !== 0 && (f & (ACTIVE | UNEVICTABLE)) === 0) {
    k.mem_map._refcount[pfn]++;
    folio_batch_add_and_move(k, pfn, BATCH_ACTIVATE);
  }
}

/**
 * A page still in this CPU's lru_add batch is marked active there, so the drain adds it to the
 * active list directly.
 * @kernel mm/swap.c __lru_cache_activate_folio
 */
function __lru_cache_activate_folio(k: Kernel, pfn: number): void {
  const b = fbatches(k);
  const slot = k.cpu * NR_BATCHES + BATCH_LRU_ADD;
  const base = slot * PAGEVEC_SIZE;
  for (let i = b.nr[slot] - 1; i >= 0; i--) {
    if (b.pfns[base + i] === pfn) {
      k.mem_map.flags[pfn] |= ACTIVE;
      return;
    }
  }
}

/**
 * The second use of a page sets it active: the first sets PG_referenced, the second activates
 * an inactive page (and ages the workingset clock, workingset_activation).
 * @kernel mm/swap.c folio_mark_accessed
 */
export function folio_mark_accessed(k: Kernel, pfn: number): void {
  if (lru_gen_enabled(k)) {
    folio_inc_refs(k, pfn);
    return;
  }
  const mem = k.mem_map;
  const f = mem.flags[pfn];
  if ((f & REFERENCED) === 0) {
    mem.flags[pfn] = f | REFERENCED;
  } else if (f & UNEVICTABLE) {
    // The unevictable list is never rotated: marking its pages does nothing.
  } else if ((f & ACTIVE) === 0) {
    if (f & LRU) folio_activate(k, pfn);
    else __lru_cache_activate_folio(k, pfn);
    mem.flags[pfn] &= ~REFERENCED;
    // workingset_age_nonresident: the clock of the root's lruvec, which counts the whole node's
    // (Simplified: the model keeps one workingset clock per node, see workingset.ts).
    folio_zone(k, pfn).zone_pgdat.__lruvec.nonresident_age++;
  }
}

/**
 * MGLRU's folio_mark_accessed: each access through a file descriptor moves the page up a tier —
 * PG_referenced, then PG_workingset, then the refs counter up to its maximum.
 * @kernel mm/swap.c folio_inc_refs
 */
function folio_inc_refs(k: Kernel, pfn: number): void {
  const flags = k.mem_map.flags;
  const f = flags[pfn];
  if (f & UNEVICTABLE) return;
  if ((f & REFERENCED) === 0) {
    flags[pfn] = f | REFERENCED;
    return;
  }
  if ((f & WORKINGSET) === 0) {
    flags[pfn] = f | WORKINGSET;
    return;
  }
  // see the comment on MAX_NR_TIERS
  const gf = k.mem_map.lru_gen_flags;
  if ((gf[pfn] & LRU_REFS_MASK) === LRU_REFS_MASK) return;
  gf[pfn] += 1 << LRU_REFS_PGOFF;
}

/**
 * Writeback finished on a page reclaim wanted (PG_reclaim): move it to the inactive tail so the
 * next scan frees it, unless something made it busy again.
 * @kernel mm/swap.c folio_rotate_reclaimable
 */
export function folio_rotate_reclaimable(k: Kernel, pfn: number): void {
  const f = k.mem_map.flags[pfn];
  if ((f & (LOCKED | DIRTY | UNEVICTABLE)) === 0 && (f & LRU) !== 0) {
    k.mem_map._refcount[pfn]++;
    folio_batch_add_and_move(k, pfn, BATCH_ROTATE);
  }
}

/**
 * Applies this CPU's batches now (reclaim and munmap do before looking at the lists).
 * @kernel mm/swap.c lru_add_drain, lru_add_drain_cpu
 */
export function lru_add_drain(k: Kernel): void {
  lru_add_drain_cpu(k, k.cpu);
}

export function lru_add_drain_cpu(k: Kernel, cpu: number): void {
  const b = k.lru_batches;
  if (b === null) return;
  const base = cpu * NR_BATCHES;
  if (b.nr[base] === 0 && b.nr[base + 1] === 0 && b.nr[base + 2] === 0) return;
  for (let kind = 0; kind < NR_BATCHES; kind++) {
    const slot = cpu * NR_BATCHES + kind;
    if (b.nr[slot] > 0) folio_batch_move_lru(k, b, slot);
  }
}

/** Every CPU's batches (the kernel schedules work on each CPU). @kernel mm/swap.c lru_add_drain_all */
export function lru_add_drain_all(k: Kernel): void {
  const b = k.lru_batches;
  if (b === null) return;
  for (let cpu = 0; cpu < b.nr_cpus; cpu++) lru_add_drain_cpu(k, cpu);
}

/**
 * Records what reclaim paid (pages written out, or refaulted) for anon or file, decaying both
 * once they exceed a quarter of the LRU: get_scan_count turns the ratio into scan pressure.
 * @kernel mm/swap.c lru_note_cost
 */
export function lru_note_cost(k: Kernel, lv: lruvec, pgdat: pglist_data, file: boolean, nr_pages: number): void {
  // do { … } while ((lruvec = parent_lruvec(lruvec))): a memcg's cost counts in its ancestors' too.
  for (let l: lruvec | null = lv; l !== null; l = parent_lruvec(k, l, pgdat)) {
    if (file) l.file_cost += nr_pages;
    else l.anon_cost += nr_pages;
    const lrusize = lruvec_evictable_size(l, pgdat);
    if (l.file_cost + l.anon_cost > Math.floor(lrusize / 4)) {
      l.file_cost = Math.floor(l.file_cost / 2);
      l.anon_cost = Math.floor(l.anon_cost / 2);
    }
  }
}

/** @kernel mm/swap.c lru_note_cost_folio */
export function lru_note_cost_folio(k: Kernel, pfn: number): void {
  const z = k.page_zone(pfn);
  if (z === undefined) return;
  lru_note_cost(k, folio_lruvec(k, pfn), z.zone_pgdat, folio_is_file_lru(k.mem_map.flags[pfn]), 1);
}

/**
 * The flags a released page keeps for free_pages_prepare: PG_mlocked, which it counts off
 * NR_MLOCK, and the ones whose presence at free is a bug it reports (locked, swap cache,
 * writeback, private). Every other state bit goes, as the kernel's flag reset at free does.
 */
const KEPT_AT_RELEASE = MLOCKED | LOCKED | F(PG_swapcache) | F(PG_writeback) | F(PG_private);

/** get_page: one more reference to a page someone already holds (its folio's, for a compound page). @kernel include/linux/mm.h get_page */
export function get_page(k: Kernel, pfn: number): void {
  k.mem_map._refcount[compound_head(k.mem_map, pfn)]++;
}

/**
 * Drops a reference. The last one takes the page off its LRU (__page_cache_release) and frees it;
 * page->mapping and index are cleared and the state bits dropped, as free_pages_prepare does.
 * A page still on an LRU, in the swap cache or under writeback at that point is a model bug, and
 * the allocator's free check says so.
 * @kernel include/linux/mm.h put_page, folio_put
 * @kernel mm/swap.c __folio_put, __page_cache_release
 */
export function put_page(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  if ((page_flags(mem, pfn) & COMPOUND) !== 0) {
    folio_put_large(k, compound_head(mem, pfn));
    return;
  }
  if (mem._refcount[pfn] === 1) {
    if (mem.mapcount[pfn] !== 0) throw new KernelBug("freeing a mapped page", { pfn, mapcount: mem.mapcount[pfn] });
    const f = mem.flags[pfn];
    if (f & LRU) {
      lruvec_del_folio(k, pfn);
      mem.flags[pfn] = f & ~LRU;
    }
    mem.mapping[pfn] = 0;
    mem.index[pfn] = 0;
    mem.flags[pfn] &= KEPT_AT_RELEASE;
  }
  __free_pages(k, pfn, 0);
}

/**
 * Drops a reference to a large folio (`head`); the last one takes it off its LRU and runs its
 * destructor, which frees it. A mapped folio (PTEs or PMDs) at that point is a model bug.
 * @kernel mm/swap.c __folio_put_large, destroy_large_folio, __page_cache_release
 */
function folio_put_large(k: Kernel, head: number): void {
  const mem = k.mem_map;
  const ref = mem._refcount[head];
  if (ref > 1) {
    mem._refcount[head] = ref - 1;
    return;
  }
  if (ref !== 1) throw new KernelBug("folio_put: refcount underflow", { pfn: head });
  if (mem.mapcount[head] !== 0 || mem.private[head + 1] !== 0) throw new KernelBug("freeing a mapped folio", { pfn: head, mapcount: mem.mapcount[head], compound_mapcount: mem.private[head + 1] });
  const f = mem.flags[head];
  if ((f & F(PG_hugetlb)) !== 0) {
    free_huge_page(k, head);
    return;
  }
  if (f & LRU) {
    lruvec_del_folio(k, head);
    mem.flags[head] = f & ~LRU;
  }
  mem.mapping[head] = 0;
  mem.index[head] = 0;
  mem.flags[head] &= KEPT_AT_RELEASE | HEAD | F(PG_transhuge);
  if ((mem.flags[head] & F(PG_transhuge)) !== 0) free_transhuge_page(k, head);
  else __free_pages(k, head, mem.index[head + 1]);
}
