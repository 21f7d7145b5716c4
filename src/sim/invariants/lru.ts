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
 * @kernel include/linux/mm_inline.h lruvec_add_folio, lruvec_del_folio, update_lru_size
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, folio_nr_pages, PG_active, PG_buddy, PG_lru, PG_tail, PG_unevictable } from "../../mm/memmap.js";
import { folio_lru_list, NR_LRU_BASE, NR_ZONE_LRU_BASE } from "../../mm/mm_inline.js";
import { type lruvec, MAX_NR_ZONES, NO_PFN, NR_LRU_LISTS } from "../../mm/mmzone.js";
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
          if ((f & F(PG_tail)) !== 0) throw new KernelBug("tail page on an LRU list", { pfn: p, lru });
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
