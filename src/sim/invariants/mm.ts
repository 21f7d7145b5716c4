/**
 * The address-space invariant checker, run by property tests after every step: it recomputes from
 * the page tables what the counters claim, and throws KernelBug on the first disagreement.
 *
 * Checked, per mm: VMAs sorted, page aligned, non-empty and non-overlapping, map_count equal to
 * their number, a userfaultfd context exactly on the VMAs with VM_UFFD_* flags (one of this mm's); every non-empty PTE inside a VMA; rss_stat[MM_ANONPAGES/FILEPAGES/SHMEMPAGES/
 * SWAPENTS] equal to the PTEs actually mapping each kind; pgtables_bytes equal to the PUD, PMD and
 * PTE tables reachable from its PGD; each table's non-empty count right. Globally: every mapped
 * page's mapcount equal to the PTEs mapping it, its refcount at least that, no mapped page free
 * (PG_buddy or refcount 0), NR_ANON_MAPPED / NR_FILE_MAPPED equal to the pages mapped at least
 * once, NR_PAGETABLE equal to the PTE and PMD tables in use, and every pool table owned by exactly
 * one mm.
 *
 * Huge pages: a huge PMD lies inside one VMA and maps a live compound head of its VMA's kind
 * (hugetlb or THP); each THP PMD has one deposited PTE table (owned by the mm, counted in
 * pgtables_bytes); compound_mapcount equals the PMDs mapping the head, each subpage's mapcount
 * its PTEs (plus one under DoubleMap), the head's refcount at least all its mappings;
 * NR_ANON_THPS equals the PMD-mapped anonymous THPs' pages and NR_ANON_MAPPED counts a THP's
 * pages as 6.1's rmap does: all of them once for its PMDs, and each PTE-mapped subpage once
 * more unless PG_double_map stands for those PTEs (which it does except after migration mapped
 * a THP back by both). Hugetlb pages count in no rss counter and no NR_*_MAPPED. A
 * pageblock marked MemMap.pageblock_thp is exactly one pageblock-order compound page, whose tails
 * store no PG_tail, and every such page is marked.
 * @kernel mm/debug.c dump_mm (what is worth checking), kernel/fork.c check_mm
 */
import {
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_SPECIAL,
  entry_table,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  NO_TABLE,
  PGDIR_SIZE,
  pmd_leaf,
  PMD_SIZE,
  PUD_SIZE,
} from "../../arch/x86/pgtable.js";
import { checkLru } from "./lru.js";
import { checkMemcg } from "./memcg.js";
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { compound_head, F, folio_nr_pages, page_flags, PG_buddy, PG_double_map, PG_head, PG_hugetlb, PG_swapbacked, PG_tail } from "../../mm/memmap.js";
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type mm_struct, VM_HUGETLB } from "../../mm/mm_types.js";
import { is_huge_zero_page } from "../../mm/huge_memory.js";
import { userfaultfd_armed } from "../../mm/userfaultfd.js";
import { global_node_page_state } from "../../mm/vmstat.js";
import { NR_ANON_MAPPED, NR_ANON_THPS, NR_FILE_MAPPED, NR_PAGETABLE } from "../../mm/vmstat_items.js";
import { NO_PFN, pageblock_order } from "../../mm/types.js";
import { HPG_migratable, HPG_temporary } from "../../mm/hugetlb.js";

function fail(msg: string, ctx: Record<string, unknown>): never {
  throw new KernelBug(`checkMm: ${msg}`, ctx);
}

/** Checks one mm's VMA set. */
function checkVmas(mm: mm_struct, pid: number): void {
  const v = mm.mm_mt;
  v.mt_validate(); // the tree itself: order, pivots, gaps, count (KernelBug otherwise)
  if (v.length !== mm.map_count) fail("map_count differs from the VMA count", { pid, map_count: mm.map_count, vmas: v.length });
  let prevEnd = 0;
  for (const vma of v) {
    if (vma.vm_start % 4096 !== 0 || vma.vm_end % 4096 !== 0) fail("unaligned VMA", { pid, start: vma.vm_start, end: vma.vm_end });
    if (vma.vm_start >= vma.vm_end) fail("empty VMA", { pid, start: vma.vm_start });
    if (vma.vm_start < prevEnd) fail("VMAs overlap or are unsorted", { pid, start: vma.vm_start, prevEnd });
    if (vma.vm_mm !== mm) fail("VMA points to another mm", { pid, start: vma.vm_start });
    // userfaultfd_register's BUG_ON: a context exactly when some VM_UFFD_* flag, and of this mm.
    const ctx = vma.vm_userfaultfd_ctx;
    if ((ctx !== null) !== userfaultfd_armed(vma)) fail("VMA's userfaultfd context and VM_UFFD_* flags disagree", { pid, start: vma.vm_start, flags: vma.vm_flags });
    if (ctx !== null && (ctx.mm !== mm || ctx.released)) fail("VMA registered with a userfaultfd of another mm, or released", { pid, start: vma.vm_start });
    prevEnd = vma.vm_end;
  }
}

/**
 * Implied tails (MemMap.pageblock_thp): a marked pageblock is one compound page of pageblock
 * order whose tails store no PG_tail; every compound page of that order is marked.
 */
function checkImpliedTails(k: Kernel): void {
  const mem = k.mem_map;
  const HEAD = F(PG_head);
  const TAIL = F(PG_tail);
  const nr = 1 << pageblock_order;
  for (let pb = 0; pb < mem.pageblock_thp.length; pb++) {
    const h = pb << pageblock_order;
    const isThpHead = h + 1 < mem.max_pfn && (mem.flags[h] & HEAD) !== 0 && mem.index[h + 1] === pageblock_order;
    if (mem.pageblock_thp[pb] === 0) {
      if (isThpHead) fail("pageblock-order compound page without implied tails", { pfn: h });
      continue;
    }
    if (!isThpHead) fail("implied tails in a pageblock that is no pageblock-order compound page", { pfn: h, flags: mem.flags[h] >>> 0 });
    for (let i = 1; i < nr; i++) if ((mem.flags[h + i] & TAIL) !== 0) fail("stored PG_tail in an implied-tails pageblock", { pfn: h + i, head: h });
  }
}

/** Runs every check over the address spaces of the machine's tasks; throws KernelBug on the first failure. */
export function checkMm(k: Kernel): void {
  checkImpliedTails(k);
  const pool = k.pgtables;
  const mem = k.mem_map;
  const seen = new Int32Array(k.max_pfn);
  const touched: number[] = [];
  /** PMD mappings per compound head, and the heads met (by PMD, or through a PTE-mapped subpage). */
  const pmdSeen = new Int32Array(k.max_pfn);
  const heads: number[] = [];
  const headMark = new Uint8Array(k.max_pfn);
  const HEAD = F(PG_head);
  const HUGETLB = F(PG_hugetlb);
  const COMPOUND = F(PG_head) | F(PG_tail);
  const DOUBLE_MAP = F(PG_double_map);
  const owned = new Set<number>();
  const mms = new Set<mm_struct>();
  for (const t of k.tasks.all()) if (t.mm !== null) mms.add(t.mm);
  const SWAPBACKED = F(PG_swapbacked);
  const BUDDY = F(PG_buddy);

  for (const mm of mms) {
    const pid = mm.owner;
    checkVmas(mm, pid);
    const rss = new Float64Array(4);
    let tables = 0;
    if (mm.pgd !== NO_TABLE) {
      if (pool.tbl_level[mm.pgd] !== LEVEL_PGD) fail("mm.pgd is not a PGD", { pid });
      owned.add(mm.pgd);
      const vmas = mm.mm_mt.toArray();
      let vi = 0;
      const countUsed = (t: number): void => {
        let n = 0;
        for (let j = 0; j < 512; j++) if (pool.ent_flags[t * 512 + j] !== 0 || pool.ent_pfn[t * 512 + j] !== 0) n++;
        if (n !== pool.tbl_used[t]) fail("table's non-empty count is wrong", { pid, level: pool.tbl_level[t], counted: n, recorded: pool.tbl_used[t] });
      };
      countUsed(mm.pgd);
      for (let g = 0; g < 512; g++) {
        const pud = entry_table(pool, mm.pgd * 512 + g);
        if (pud === NO_TABLE) continue;
        if (owned.has(pud)) fail("page table reachable twice", { pid, table: pud });
        owned.add(pud);
        tables++;
        countUsed(pud);
        for (let u = 0; u < 512; u++) {
          const pmd = entry_table(pool, pud * 512 + u);
          if (pmd === NO_TABLE) continue;
          if (pool.tbl_level[pmd] !== LEVEL_PMD) fail("PUD entry does not point to a PMD table", { pid });
          if (owned.has(pmd)) fail("page table reachable twice", { pid, table: pmd });
          owned.add(pmd);
          tables++;
          countUsed(pmd);
          // Deposited PTE tables (one per huge THP PMD) belong to this mm too.
          let deposits = 0;
          for (let d = pool.tbl_deposit[pmd]; d !== NO_TABLE; d = pool.tbl_deposit[d]) {
            if (owned.has(d)) fail("deposited table reachable twice", { pid, table: d });
            if (pool.tbl_level[d] !== LEVEL_PTE || pool.tbl_used[d] !== 0) fail("deposited table is not an empty PTE table", { pid, table: d });
            owned.add(d);
            tables++;
            deposits++;
          }
          let thpLeaves = 0;
          for (let m = 0; m < 512; m++) {
            const pmdf = pool.ent_flags[pmd * 512 + m];
            if (pmd_leaf(pmdf)) {
              // A huge leaf: a THP (or the huge zero page) with its deposit, or a hugetlb page.
              const addr = g * PGDIR_SIZE + u * PUD_SIZE + m * PMD_SIZE;
              const vma = mm.mm_mt.find((v) => v.vm_start <= addr && addr + PMD_SIZE <= v.vm_end);
              if (vma === undefined) fail("huge PMD not inside one VMA", { pid, addr });
              const p = pool.ent_pfn[pmd * 512 + m];
              const hugetlb = (vma.vm_flags & VM_HUGETLB) !== 0;
              if (!hugetlb) thpLeaves++;
              if (is_huge_zero_page(k, p)) continue;
              if ((mem.flags[p] & HEAD) === 0 || (mem.flags[p] & BUDDY) !== 0 || mem._refcount[p] <= 0) fail("huge PMD maps no live compound page", { pid, addr, pfn: p });
              if (hugetlb !== ((mem.flags[p] & HUGETLB) !== 0)) fail("huge PMD's page kind differs from its VMA's", { pid, addr, pfn: p });
              pmdSeen[p]++;
              if (headMark[p] === 0) {
                headMark[p] = 1;
                heads.push(p);
              }
              if (!hugetlb) rss[mem.mapping[p] < 0 ? MM_ANONPAGES : MM_FILEPAGES] += PMD_SIZE / 4096;
              continue;
            }
            const pte = entry_table(pool, pmd * 512 + m);
            if (pte === NO_TABLE) continue;
            if (pool.tbl_level[pte] !== LEVEL_PTE) fail("PMD entry does not point to a PTE table", { pid });
            if (owned.has(pte)) fail("page table reachable twice", { pid, table: pte });
            owned.add(pte);
            tables++;
            countUsed(pte);
            const base = g * PGDIR_SIZE + u * PUD_SIZE + m * PMD_SIZE;
            for (let j = 0; j < 512; j++) {
              const i = pte * 512 + j;
              const f = pool.ent_flags[i];
              const p = pool.ent_pfn[i];
              if (f === 0 && p === 0) continue;
              const addr = base + j * 4096;
              while (vi < vmas.length && vmas[vi].vm_end <= addr) vi = vi + 1;
              if (vi >= vmas.length || vmas[vi].vm_start > addr) {
                // The VMA cursor only moves forward; restart it for out-of-order tables.
                vi = 0;
                while (vi < vmas.length && vmas[vi].vm_end <= addr) vi++;
                if (vi >= vmas.length || vmas[vi].vm_start > addr) fail("PTE outside every VMA", { pid, addr });
              }
              if ((f & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
                rss[MM_SWAPENTS]++;
                continue;
              }
              if ((f & _PAGE_SPECIAL) !== 0) continue;
              if (p < 0 || p >= k.max_pfn) fail("PTE maps a pfn beyond memory", { pid, addr, pfn: p });
              const ph = (page_flags(mem, p) & COMPOUND) !== 0 ? compound_head(mem, p) : p;
              if ((mem.flags[p] & BUDDY) !== 0 || mem._refcount[ph] <= 0) fail("a mapped page is free", { pid, addr, pfn: p });
              if (seen[p]++ === 0) touched.push(p);
              rss[mem.mapping[ph] < 0 ? MM_ANONPAGES : (mem.flags[ph] & SWAPBACKED) !== 0 ? MM_SHMEMPAGES : MM_FILEPAGES]++;
            }
          }
          if (deposits !== thpLeaves) fail("deposited tables differ from the THP PMDs", { pid, deposits, thpLeaves });
        }
      }
    }
    for (const c of [MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES]) {
      if (rss[c] !== mm.rss_stat[c]) fail("rss counter differs from the pages mapped", { pid, counter: c, counted: rss[c], recorded: mm.rss_stat[c] });
    }
    if (tables * 4096 !== mm.pgtables_bytes) fail("pgtables_bytes differs from the tables reachable", { pid, tables, pgtables_bytes: mm.pgtables_bytes });
  }

  let anonMapped = 0;
  let fileMapped = 0;
  // Compound pages: the head's refcount covers every PMD and PTE mapping of the folio; each
  // subpage's mapcount is its PTE mappings plus one while PMD and PTE mappings coexist
  // (DoubleMap); compound_mapcount is the PMD mappings.
  const refs = new Map<number, number>();
  for (const p of touched) {
    if ((page_flags(mem, p) & COMPOUND) === 0) continue;
    const h = compound_head(mem, p);
    if (headMark[h] === 0) {
      headMark[h] = 1;
      heads.push(h);
    }
    refs.set(h, (refs.get(h) ?? 0) + seen[p]);
  }
  let anonThps = 0;
  for (const h of heads) {
    if (mem.private[h + 1] !== pmdSeen[h]) fail("compound_mapcount differs from the PMDs mapping the page", { pfn: h, compound_mapcount: mem.private[h + 1], pmds: pmdSeen[h] });
    const nr = folio_nr_pages(mem, h);
    const hugetlb = (mem.flags[h] & HUGETLB) !== 0;
    const mapped = pmdSeen[h] + (refs.get(h) ?? 0);
    if (mem._refcount[h] < mapped) fail("compound refcount below its mappings", { pfn: h, refcount: mem._refcount[h], mappings: mapped });
    if (hugetlb) {
      // A hugetlb page's references are its mappings and, for a shared one, its file's; a
      // mapped page is migratable (alloc_contig_range may isolate it).
      const cached = mem.mapping[h] > 0 ? 1 : 0;
      if (mem._refcount[h] !== mapped + cached) fail("hugetlb refcount differs from its mappings and page cache", { pfn: h, refcount: mem._refcount[h], mappings: mapped, cached });
      if ((mem.private[h] & HPG_migratable) === 0) fail("mapped hugetlb page not migratable", { pfn: h });
      continue;
    }
    const double = (mem.flags[h + 1] & DOUBLE_MAP) !== 0 ? 1 : 0;
    if (pmdSeen[h] !== 0 && mem.mapping[h] < 0) anonThps += nr;
    for (let i = 0; i < nr; i++) {
      const q = h + i;
      if (mem.mapcount[q] !== seen[q] + double) fail("subpage mapcount differs from its PTEs (+ DoubleMap)", { pfn: q, mapcount: mem.mapcount[q], ptes: seen[q], double });
      if (mem.mapping[h] < 0) {
        // NR_ANON_MAPPED as 6.1's rmap counts it: 512 for the first PMD, and one for each
        // subpage's first PTE unless PG_double_map holds those counts (a split PMD's PTEs while
        // other PMDs map it). A folio that migration maps again by PMDs and PTEs has no
        // DoubleMap: its PTE-mapped subpages count twice (migrate.ts unmap_and_move_thp).
        if (pmdSeen[h] !== 0) anonMapped++;
        if (seen[q] !== 0 && (double === 0 || pmdSeen[h] === 0)) anonMapped++;
      } else if (pmdSeen[h] !== 0 || seen[q] !== 0) fileMapped++;
    }
  }
  for (const p of touched) {
    if ((page_flags(mem, p) & COMPOUND) !== 0) continue;
    if (mem.mapcount[p] !== seen[p]) fail("mapcount differs from the PTEs mapping the page", { pfn: p, mapcount: mem.mapcount[p], ptes: seen[p] });
    if (mem._refcount[p] < seen[p]) fail("refcount below mapcount", { pfn: p, refcount: mem._refcount[p], ptes: seen[p] });
    if (mem.mapping[p] < 0) anonMapped++;
    else fileMapped++;
  }
  const nrThps = global_node_page_state(k, NR_ANON_THPS);
  if (nrThps !== anonThps) fail("NR_ANON_THPS differs from the PMD-mapped anonymous THPs", { counted: anonThps, recorded: nrThps });
  const nrAnon = global_node_page_state(k, NR_ANON_MAPPED);
  if (nrAnon !== anonMapped) fail("NR_ANON_MAPPED differs from the anonymous pages mapped", { counted: anonMapped, recorded: nrAnon });
  const nrFile = global_node_page_state(k, NR_FILE_MAPPED);
  if (nrFile !== fileMapped) fail("NR_FILE_MAPPED differs from the file pages mapped", { counted: fileMapped, recorded: nrFile });
  const nrPt = global_node_page_state(k, NR_PAGETABLE);
  const live = pool.nr_tables[LEVEL_PTE] + pool.nr_tables[LEVEL_PMD];
  if (nrPt !== live) fail("NR_PAGETABLE differs from the PTE and PMD tables in use", { counted: live, recorded: nrPt });
  let total = 0;
  for (let l = 1; l <= 4; l++) total += pool.nr_tables[l];
  if (total !== owned.size) fail("page tables in the pool that no mm owns (leaked)", { pool: total, owned: owned.size });
  checkHugetlbPools(k);
  // The pages the address spaces map are also the LRU's: its lists must agree with their counters.
  checkLru(k);
  checkMemcg(k);
}

/**
 * The hugetlb pools: each node's free list holds free_huge_pages_node pages, each a hugetlb head
 * of the hstate's order with no references and no migration state; the active list holds the
 * pages in use (references, not temporary: a temporary page exists only inside a migration);
 * together they are nr_huge_pages; the surplus counts add up. Every hugetlbfs file's pages are
 * live hugetlb pages naming that file.
 */
export function checkHugetlbPools(k: Kernel): void {
  const mem = k.mem_map;
  const HUGETLB_HEAD = F(PG_head) | F(PG_hugetlb);
  for (const h of k.hugetlb.hstates) {
    let free = 0;
    let surplus = 0;
    for (let nid = 0; nid < h.free_huge_pages_node.length; nid++) {
      let n = 0;
      for (let p = h.hugepage_freelists[nid]; p !== NO_PFN; p = mem.lru.list_next(h.hugepage_freelists, nid, p)) {
        if ((mem.flags[p] & HUGETLB_HEAD) !== HUGETLB_HEAD || mem.index[p + 1] !== h.order) fail("hugetlb free list holds no hugetlb page of its size", { pfn: p, order: h.order });
        if (mem._refcount[p] !== 0 || (mem.private[p] & (HPG_migratable | HPG_temporary)) !== 0) fail("free hugetlb page in use or migrating", { pfn: p, refcount: mem._refcount[p] });
        n++;
      }
      if (n !== h.free_huge_pages_node[nid]) fail("free_huge_pages_node differs from the free list", { nid, counted: n, recorded: h.free_huge_pages_node[nid] });
      free += n;
      surplus += h.surplus_huge_pages_node[nid];
    }
    if (free !== h.free_huge_pages) fail("free_huge_pages differs from the free lists", { counted: free, recorded: h.free_huge_pages });
    if (surplus !== h.surplus_huge_pages) fail("surplus_huge_pages differs from the per-node counts", { counted: surplus, recorded: h.surplus_huge_pages });
    let active = 0;
    for (let p = h.hugepage_activelist[0]; p !== NO_PFN; p = mem.lru.list_next(h.hugepage_activelist, 0, p)) {
      if ((mem.flags[p] & HUGETLB_HEAD) !== HUGETLB_HEAD || mem.index[p + 1] !== h.order) fail("hugetlb active list holds no hugetlb page of its size", { pfn: p, order: h.order });
      if (mem._refcount[p] <= 0 || (mem.private[p] & HPG_temporary) !== 0) fail("hugetlb page on the active list free or temporary", { pfn: p, refcount: mem._refcount[p] });
      active++;
    }
    if (free + active !== h.nr_huge_pages) fail("nr_huge_pages differs from the free and active lists", { free, active, recorded: h.nr_huge_pages });
  }
  for (const [id, ino] of k.hugetlb.inodes) {
    for (const [idx, p] of ino.huge_pages) {
      if ((mem.flags[p] & HUGETLB_HEAD) !== HUGETLB_HEAD || mem._refcount[p] <= 0 || mem.mapping[p] !== id || mem.index[p] !== idx * 2 ** ino.hstate.order) {
        fail("hugetlbfs page cache holds a page that is not its own", { mapping: id, idx, pfn: p });
      }
    }
  }
}
