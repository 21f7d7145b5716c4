/**
 * The LRU lists' invariants, checked from scratch over the whole machine — what 6.1's
 * CONFIG_DEBUG_VM checks piecemeal (VM_BUG_ON_FOLIO in lruvec_add_folio, folio_add_lru,
 * isolate_lru_folios, move_folios_to_lru):
 * - every page on a node's list `lru` is on the lruvec of the memcg its column names (the node's
 *   own for the root), each lruvec's per-zone sizes (lru_zone_size) match its lists; it has PG_lru, belongs to that node, and has the flags that
 *   name that list (folio_lru_list); it is never on two lists (or twice on one);
 * - every page with PG_lru is on a list (no PG_lru page is lost), holds a reference, and is not
 *   free (PG_buddy);
 * - the pages on each list, counted per zone (a compound head counts folio_nr_pages), equal
 *   NR_ZONE_<lru> of that zone, and per node NR_<lru> of the node (update_lru_size kept them in
 *   step); a tail page is never on a list (its folio is, through the head);
 * - no page is both PG_active and PG_unevictable;
 * - pages in the per-CPU batches hold the reference the batch took, and an lru_add batch's pages
 *   are not yet PG_lru.
 * And the multi-gen LRU's (mm/lru_gen.ts), whatever its state:
 * - min_seq[type] <= max_seq, and the window is valid (seq_is_valid: 2..4 generations, file's
 *   inside anon's);
 * - each page on a generation list folios[gen][type][zone] is on exactly one list (of any kind),
 *   has PG_lru and gen bits, is neither PG_active nor PG_unevictable, is of that type and zone and
 *   of this node, and the model's list_of column names that list; its gen bits (which the aging
 *   may have moved ahead of the list: the lists are sorted lazily) name a live generation;
 * - nr_pages[gen][type][zone] equals the pages whose gen bits say gen, of that type and zone;
 * - the active and inactive counters count generation pages by whether their generation is one
 *   of the two youngest (lru_gen_is_active), plus the classic lists' pages;
 * - with the multi-gen LRU on, the classic evictable lists are empty, and with it off every
 *   generation list is (state_is_valid); no page has gen bits but is on no generation list;
 * - no walk holds batched promotions between operations (clear_mm_walk's check).
 * @kernel include/linux/mm_inline.h lruvec_add_folio, lruvec_del_folio, update_lru_size,
 *   lru_gen_add_folio, lru_gen_del_folio, lru_gen_update_size
 * @kernel mm/vmscan.c seq_is_valid, state_is_valid, clear_mm_walk
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, folio_nr_pages, LRU_GEN_MASK, page_flags, PG_active, PG_buddy, PG_lru, PG_swapbacked, PG_tail, PG_unevictable } from "../../mm/memmap.js";
import { folio_lru_list, NR_LRU_BASE, NR_ZONE_LRU_BASE } from "../../mm/mm_inline.js";
import { folio_lru_gen, lru_gen_from_seq, lru_gen_is_active, seq_is_valid, state_is_valid } from "../../mm/lru_gen.js";
import { ANON_AND_FILE, lru_gen_index, LRU_INACTIVE_FILE, LRU_ACTIVE, MAX_NR_GENS, MAX_NR_ZONES, NO_PFN, NR_LRU_LISTS, type lruvec, type pglist_data } from "../../mm/mmzone.js";
import { MEM_CGROUP_ID_MAX } from "../../mm/memcontrol.js";
import { PAGEVEC_SIZE } from "../../mm/swap.js";

const LRU = F(PG_lru);
const ACTIVE = F(PG_active);
const UNEVICTABLE = F(PG_unevictable);
const BUDDY = F(PG_buddy);

/** Throws KernelBug with context on the first broken LRU invariant. */
export function checkLru(k: Kernel): void {
  const mem = k.mem_map;
  const links = mem.lru;
  const seen = new Uint8Array(mem.max_pfn);
  for (const pgdat of k.node_data) {
    const perZone = new Float64Array(MAX_NR_ZONES * NR_LRU_LISTS);
    // Every memcg's lruvec on this node (the root's is the node's own): each page on the lruvec
    // its memcg column names, each lruvec's lru_zone_size equal to its lists.
    const lruvecs: lruvec[] = [pgdat.__lruvec];
    for (const memcg of k.memcg.byId) if (memcg !== null && memcg.id !== 0) lruvecs.push(memcg.nodeinfo[pgdat.node_id]);
    for (const lv of lruvecs) {
      const lists = lv.lists;
      const own = new Float64Array(MAX_NR_ZONES * NR_LRU_LISTS);
      for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
        let n = 0;
        for (let p = lists[lru]; p !== NO_PFN; p = links.list_next(lists, lru, p)) {
          if (++n > mem.max_pfn) throw new KernelBug("LRU list does not end", { nid: pgdat.node_id, lru });
          if (seen[p]) throw new KernelBug("page on two LRU lists", { pfn: p, lru });
          seen[p] = 1;
          const f = mem.flags[p];
          if ((f & LRU) === 0) throw new KernelBug("page on an LRU list without PG_lru", { pfn: p, lru, flags: f });
          if ((page_flags(mem, p) & F(PG_tail)) !== 0) throw new KernelBug("tail page on an LRU list", { pfn: p, lru });
          if (folio_lru_list(f) !== lru) throw new KernelBug("page on the wrong LRU list", { pfn: p, lru, belongs: folio_lru_list(f), flags: f });
          const z = k.page_zone(p);
          if (z === undefined || z.zone_pgdat !== pgdat) throw new KernelBug("page on another node's LRU", { pfn: p, nid: pgdat.node_id });
          if ((mem.memcg[p] & MEM_CGROUP_ID_MAX) !== lv.memcg_id) throw new KernelBug("page on another memcg's lruvec", { pfn: p, memcg: mem.memcg[p], lruvec: lv.memcg_id });
          perZone[z.zone_idx * NR_LRU_LISTS + lru] += folio_nr_pages(mem, p);
          own[z.zone_idx * NR_LRU_LISTS + lru] += folio_nr_pages(mem, p);
        }
      }
      for (let i = 0; i < own.length; i++) {
        if (own[i] !== lv.lru_zone_size[i]) throw new KernelBug("lruvec size differs from its lists", { nid: pgdat.node_id, memcg: lv.memcg_id, zone: Math.floor(i / NR_LRU_LISTS), lru: i % NR_LRU_LISTS, counted: own[i], size: lv.lru_zone_size[i] });
      }
    }
    for (const lv of lruvecs) checkGenerations(k, pgdat, lv, seen, perZone);
    for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
      let node = 0;
      for (let zid = 0; zid < MAX_NR_ZONES; zid++) {
        const c = perZone[zid * NR_LRU_LISTS + lru];
        node += c;
        const stat = pgdat.node_zones[zid].vm_stat[NR_ZONE_LRU_BASE + lru];
        if (stat !== c) throw new KernelBug("zone LRU counter differs from its list", { nid: pgdat.node_id, zone: zid, lru, counted: c, stat });
      }
      const stat = pgdat.vm_stat[NR_LRU_BASE + lru];
      if (stat !== node) throw new KernelBug("node LRU counter differs from its list", { nid: pgdat.node_id, lru, counted: node, stat });
    }
  }
  for (let p = 0; p < mem.max_pfn; p++) {
    const f = mem.flags[p];
    if ((f & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE)) throw new KernelBug("page both active and unevictable", { pfn: p, flags: f });
    if ((mem.lru_gen_flags[p] & LRU_GEN_MASK) !== 0 && !seen[p]) throw new KernelBug("page with gen bits on no generation list", { pfn: p, flags: f >>> 0 });
    if ((f & LRU) === 0) continue;
    if (!seen[p]) throw new KernelBug("PG_lru page on no LRU list", { pfn: p, flags: f });
    if (f & BUDDY || mem._refcount[p] <= 0) throw new KernelBug("free page on an LRU list", { pfn: p, refcount: mem._refcount[p] });
  }
  const b = k.lru_batches;
  if (b !== null) {
    for (let slot = 0; slot < b.nr.length; slot++) {
      for (let i = 0; i < b.nr[slot]; i++) {
        const p = b.pfns[slot * PAGEVEC_SIZE + i];
        if (mem._refcount[p] <= 0) throw new KernelBug("page in an LRU batch without a reference", { pfn: p, slot });
        if (slot % 3 === 0 && mem.flags[p] & LRU) throw new KernelBug("page in the lru_add batch already on an LRU", { pfn: p });
      }
    }
  }
}

/** The multi-gen LRU's lists and counters of one lruvec of a node (see the header); adds its pages to perZone. */
function checkGenerations(k: Kernel, pgdat: pglist_data, lv: lruvec, seen: Uint8Array, perZone: Float64Array): void {
  const mem = k.mem_map;
  const links = mem.lru;
  const lrugen = lv.lrugen;
  const nid = pgdat.node_id;
  const ctx = { nid, max_seq: lrugen.max_seq, min_anon: lrugen.min_seq[0], min_file: lrugen.min_seq[1] };
  for (let type = 0; type < ANON_AND_FILE; type++) {
    if (lrugen.min_seq[type] > lrugen.max_seq) throw new KernelBug("min_seq above max_seq", ctx);
  }
  if (!seq_is_valid(lrugen)) throw new KernelBug("invalid generation window (seq_is_valid)", ctx);
  if (!state_is_valid(lv)) throw new KernelBug("pages on the lists of the LRU that is off (state_is_valid)", { ...ctx, enabled: lrugen.enabled });
  for (const w of [pgdat.mm_walk, k.lru_gen.direct_walk]) {
    if (w.batched !== 0 || w.nr_pages.some((x) => x !== 0)) throw new KernelBug("a page-table walk holds batched promotions", ctx);
  }
  const listOf = k.lru_gen.list_of;
  const counted = new Float64Array(lrugen.nr_pages.length);
  for (let gen = 0; gen < MAX_NR_GENS; gen++) {
    for (let type = 0; type < ANON_AND_FILE; type++) {
      for (let zi = 0; zi < MAX_NR_ZONES; zi++) {
        const h = lru_gen_index(gen, type, zi);
        let n = 0;
        for (let p = lrugen.folios[h]; p !== NO_PFN; p = links.list_next(lrugen.folios, h, p)) {
          const at = { pfn: p, gen, type, zone: zi, nid };
          if (++n > mem.max_pfn) throw new KernelBug("generation list does not end", at);
          if (seen[p]) throw new KernelBug("page on two lists (a generation list and another)", at);
          seen[p] = 1;
          const f = mem.flags[p];
          if ((f & LRU) === 0) throw new KernelBug("page on a generation list without PG_lru", { ...at, flags: f >>> 0 });
          if ((f & (ACTIVE | UNEVICTABLE)) !== 0) throw new KernelBug("active or unevictable page on a generation list", { ...at, flags: f >>> 0 });
          if (((f & F(PG_swapbacked)) === 0 ? 1 : 0) !== type) throw new KernelBug("page on the other type's generation list", { ...at, flags: f >>> 0 });
          const z = k.page_zone(p);
          if (z === undefined || z.zone_pgdat !== pgdat || z.zone_idx !== zi) throw new KernelBug("page on another zone's or node's generation list", at);
          if (listOf === null || listOf[p] !== h) throw new KernelBug("list_of does not name the page's generation list", { ...at, list_of: listOf?.[p] });
          if ((page_flags(mem, p) & F(PG_tail)) !== 0) throw new KernelBug("tail page on a generation list", { ...at, flags: f >>> 0 });
          if ((mem.memcg[p] & MEM_CGROUP_ID_MAX) !== lv.memcg_id) throw new KernelBug("page on another memcg's generation list", { ...at, memcg: mem.memcg[p], lruvec: lv.memcg_id });
          const g = folio_lru_gen(mem, p);
          if (g < 0) throw new KernelBug("page on a generation list without gen bits", at);
          // a live generation of this type: min_seq[type] <= seq <= max_seq
          const live = (g - lru_gen_from_seq(lrugen.min_seq[type]) + MAX_NR_GENS) % MAX_NR_GENS < lrugen.max_seq - lrugen.min_seq[type] + 1;
          if (!live) throw new KernelBug("page in a generation outside min_seq..max_seq", { ...at, flag_gen: g, ...ctx });
          // a THP counts folio_nr_pages (512), as lru_gen_update_size adds it
          const nr = folio_nr_pages(mem, p);
          counted[lru_gen_index(g, type, zi)] += nr;
          perZone[zi * NR_LRU_LISTS + type * LRU_INACTIVE_FILE + (lru_gen_is_active(lrugen, g) ? LRU_ACTIVE : 0)] += nr;
        }
      }
    }
  }
  for (let i = 0; i < counted.length; i++) {
    if (counted[i] !== lrugen.nr_pages[i]) {
      throw new KernelBug("nr_pages of a generation differs from its pages", { nid, gen: Math.floor(i / (ANON_AND_FILE * MAX_NR_ZONES)), type: Math.floor(i / MAX_NR_ZONES) % ANON_AND_FILE, zone: i % MAX_NR_ZONES, nr_pages: lrugen.nr_pages[i], counted: counted[i] });
    }
  }
}
