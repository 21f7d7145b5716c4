/**
 * The memory controller's invariants, checked from scratch over the whole machine:
 * - each memcg's memory counter equals the pages whose memcg column names it (user folios and
 *   kernel pages), plus what the per-CPU stocks hold for it, plus its children's counters; the
 *   root's counter is its children's plus what objcgs reparented to it still hold (the root
 *   itself is never charged);
 * - each objcg's charged pages equal its objects' bytes, its stock bytes and nr_charged_bytes,
 *   and count in its memcg's counter;
 * - each memcg's swap counter equals the swap slots recorded for it plus its children's;
 * - no counter is negative, no page on a free list (PG_buddy) is charged (each charge went
 *   exactly once), every column names a memcg that exists;
 * - each memcg's own LRU statistics (flushed plus pending) equal its lruvecs' sizes (classic
 *   lists and, with the multi-gen LRU on, generations).
 * (Every charged page on an LRU being on its own memcg's lruvec is checkLru's.)
 * @kernel mm/memcontrol.c try_charge_memcg, uncharge_batch, commit_charge, mem_cgroup_update_lru_size
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, PG_buddy } from "../../mm/memmap.js";
import { LRU_INACTIVE_FILE, LRU_UNEVICTABLE, lru_gen_index, MAX_NR_GENS, MAX_NR_ZONES, NR_LRU_LISTS } from "../../mm/mmzone.js";
import { lru_gen_is_active } from "../../mm/lru_gen.js";
import { type mem_cgroup, MEM_CGROUP_ID_MAX, type obj_cgroup } from "../../mm/memcontrol.js";
import { OBJ_ALLOCATED } from "../../mm/slab.js";
import { obj_full_size } from "../../mm/slub.js";
import { NR_LRU_BASE } from "../../mm/mm_inline.js";

const BUDDY = F(PG_buddy);

/** Throws KernelBug with context on the first broken memcg invariant. */
export function checkMemcg(k: Kernel): void {
  const st = k.memcg;
  // With no group ever made charged, nothing can be charged: the root's counters are all there is.
  if (st.nr_memcgs === 0 && st.last_id === 0) {
    const r = st.root_mem_cgroup;
    if (r.memory.usage !== 0 || r.swap.usage !== 0) throw new KernelBug("root memcg charged with no memcg", { memory: r.memory.usage, swap: r.swap.usage });
    return;
  }
  const mem = k.mem_map;
  const byId = st.byId;
  const own = new Float64Array(byId.length);
  for (let p = 0; p < mem.max_pfn; p++) {
    const v = mem.memcg[p];
    if (v === 0) continue;
    const id = v & MEM_CGROUP_ID_MAX;
    if (byId[id] === null || byId[id] === undefined) throw new KernelBug("page charged to a memcg that does not exist", { pfn: p, id });
    if ((mem.flags[p] & BUDDY) !== 0) throw new KernelBug("free page still charged", { pfn: p, id });
    own[id]++;
  }
  for (const s of st.stock) if (s.cached !== null && s.nr_pages > 0) own[s.cached.id] += s.nr_pages;
  // Pages charged through an objcg are its memcg's (its parent's once reparented).
  if (st.kmem !== null) for (const objcg of checkObjcgs(k)) own[objcg.memcg.id] += objcg.nr_pages;
  const swapOwn = new Float64Array(byId.length);
  for (const si of k.swap.swap_info) {
    if (si === null) continue;
    for (let o = 0; o < si.swap_cgroup.length; o++) {
      const id = si.swap_cgroup[o];
      if (id === 0) continue;
      if (byId[id] === null || byId[id] === undefined) throw new KernelBug("swap slot charged to a memcg that does not exist", { type: si.type, offset: o, id });
      if (si.swap_map[o] === 0) throw new KernelBug("free swap slot still charged", { type: si.type, offset: o, id });
      swapOwn[id]++;
    }
  }
  const childMem = new Float64Array(byId.length);
  const childSwap = new Float64Array(byId.length);
  for (const m of byId) {
    if (m === null || m.parent === null) continue;
    childMem[m.parent.id] += m.memory.usage;
    childSwap[m.parent.id] += m.swap.usage;
  }
  for (const m of byId) {
    if (m === null) continue;
    if (m.memory.usage < 0 || m.swap.usage < 0) throw new KernelBug("negative memcg counter", { id: m.id, memory: m.memory.usage, swap: m.swap.usage });
    // The root's own share is only what reparented objcgs and its stock hold (its pages are uncharged).
    const want = own[m.id] + childMem[m.id];
    if (m.memory.usage !== want) throw new KernelBug("memcg memory counter differs from its pages and children", { id: m.id, usage: m.memory.usage, pages: own[m.id], children: childMem[m.id] });
    const wantSwap = (m.id === 0 ? 0 : swapOwn[m.id]) + childSwap[m.id];
    if (m.swap.usage !== wantSwap) throw new KernelBug("memcg swap counter differs from its slots and children", { id: m.id, usage: m.swap.usage, slots: swapOwn[m.id], children: childSwap[m.id] });
    if (m.id !== 0) checkLruStats(m);
  }
}

/**
 * Each objcg's charged pages are exactly the bytes of its objects (obj_full_size each, found in
 * the caches' objcgs columns), what the obj stocks hold for it and its nr_charged_bytes: every
 * charge and uncharge went through the stock by the byte. Returns the live objcgs.
 */
function checkObjcgs(k: Kernel): obj_cgroup[] {
  const kmem = k.memcg.kmem;
  if (kmem === null) return [];
  const bytes = new Float64Array(kmem.objcgs.length);
  for (const s of k.slab.slab_caches) {
    const col = s.objcgs;
    for (let i = 0; i < col.length; i++) {
      const id = col[i];
      if (id === 0) continue;
      if (kmem.objcgs[id] === null || kmem.objcgs[id] === undefined) throw new KernelBug("slab object charged to no objcg", { cache: s.name, id });
      if (s.fp[i] !== OBJ_ALLOCATED) throw new KernelBug("free slab object still charged", { cache: s.name, id });
      bytes[id] += obj_full_size(s);
    }
  }
  for (const stock of kmem.stock) if (stock.cached_objcg !== null) bytes[stock.cached_objcg.id] += stock.nr_bytes;
  const out: obj_cgroup[] = [];
  for (const objcg of kmem.objcgs) {
    if (objcg === null) continue;
    const want = bytes[objcg.id] + objcg.nr_charged_bytes;
    if (objcg.nr_pages * 4096 !== want || objcg.nr_charged_bytes < 0) throw new KernelBug("objcg charge differs from its objects and stocks", { id: objcg.id, pages: objcg.nr_pages, bytes: want });
    out.push(objcg);
  }
  return out;
}

/**
 * The memcg's LRU statistics against its lruvecs: the classic lists' sizes (lru_zone_size) plus,
 * with the multi-gen LRU on, its generations' nr_pages on the active or inactive counter their
 * generation says (the multi-gen LRU keeps no lru_zone_size, as in 6.1).
 */
function checkLruStats(m: mem_cgroup): void {
  for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
    let pages = 0;
    for (const lv of m.nodeinfo) {
      for (let zid = 0; zid < MAX_NR_ZONES; zid++) pages += lv.lru_zone_size[zid * NR_LRU_LISTS + lru];
      if (!lv.lrugen.enabled || lru === LRU_UNEVICTABLE) continue;
      const type = lru >= LRU_INACTIVE_FILE ? 1 : 0;
      const active = lru % 2 === 1;
      for (let gen = 0; gen < MAX_NR_GENS; gen++) {
        if (lru_gen_is_active(lv.lrugen, gen) !== active) continue;
        for (let zid = 0; zid < MAX_NR_ZONES; zid++) pages += lv.lrugen.nr_pages[lru_gen_index(gen, type, zid)];
      }
    }
    const stat = m.state_local[NR_LRU_BASE + lru] + m.state_pending[NR_LRU_BASE + lru];
    if (stat !== pages) throw new KernelBug("memcg LRU statistic differs from its lruvecs", { id: m.id, lru, stat, pages });
  }
}
