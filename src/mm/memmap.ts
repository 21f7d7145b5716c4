/**
 * struct page, split into columns indexed by pfn (structure of arrays). Each column is one field
 * of the kernel's struct page/folio; a page's identity is its pfn, never an object.
 *
 * Simplified: the kernel keeps the buddy "page type" in _mapcount's upper bits and the zone and
 * node in page->flags' upper bits. Here PG_buddy is a flag bit of its own, and the zone is looked
 * up per pageblock (zones and nodes begin and end on pageblock boundaries on x86-64 PCs), which
 * keeps `flags` free for the real page flags.
 * @kernel include/linux/mm_types.h struct page, struct folio
 * @kernel include/linux/page-flags.h enum pageflags
 */
import { KernelBug } from "../kernel/bug.js";
import { pow2 } from "../lib/bitops.js";
import { ListLinks } from "./list.js";
import { pageblock_order } from "./types.js";

// enum pageflags, bit numbers as Debian 6.1 x86-64 builds them (ARCH_USES_PG_UNCACHED,
// MEMORY_FAILURE, 64BIT; no PAGE_IDLE_FLAG, no KASAN_HW_TAGS).
export const PG_locked = 0;
export const PG_referenced = 1;
export const PG_uptodate = 2;
export const PG_dirty = 3;
export const PG_lru = 4;
export const PG_active = 5;
export const PG_workingset = 6;
export const PG_waiters = 7;
export const PG_error = 8;
export const PG_slab = 9;
export const PG_owner_priv_1 = 10;
export const PG_arch_1 = 11;
export const PG_reserved = 12;
export const PG_private = 13;
export const PG_private_2 = 14;
export const PG_writeback = 15;
export const PG_head = 16;
export const PG_mappedtodisk = 17;
export const PG_reclaim = 18;
export const PG_swapbacked = 19;
export const PG_unevictable = 20;
export const PG_mlocked = 21;
export const PG_uncached = 22;
export const PG_hwpoison = 23;
export const PG_arch_2 = 24;
export const __NR_PAGEFLAGS = 25;
export const PG_readahead = PG_reclaim;
export const PG_anon_exclusive = PG_mappedtodisk;
export const PG_swapcache = PG_owner_priv_1;
/** Simplified: the kernel's PageBuddy() is a page_type in _mapcount; here it is bit 25. */
export const PG_buddy = 25;
/** Simplified: compound tail pages; the kernel marks them by compound_head's low bit. */
export const PG_tail = 26;
/**
 * Simplified: a hugetlb folio's head. The kernel tells one by page[1].compound_dtor ==
 * HUGETLB_PAGE_DTOR (folio_test_hugetlb); here it is bit 27 of the head's flags.
 */
export const PG_hugetlb = 27;
/**
 * Simplified: a transparent huge page's head (prep_transhuge_page: compound_dtor ==
 * TRANSHUGE_PAGE_DTOR, whose destructor takes it off the deferred split queue); bit 28.
 */
export const PG_transhuge = 28;
/**
 * Not a kernel flag: on a compound head, "the head's content token stands for every subpage's"
 * (MemMap.content_rel): clear_huge_page gave the folio fresh contents, subpage i the head's
 * token + i, and the tails' own entries are stale. Set by fresh_page_contents over a whole
 * folio; cleared, the tails written out first, by content_materialize (before any subpage's
 * contents are written one by one, and by __split_huge_page as the folio dissolves). Bit 29.
 */
export const PG_uniform_content = 29;
/**
 * PG_double_map, on the first tail page (PF_SECOND): the THP is mapped by a PMD and, somewhere,
 * by PTEs too, so every subpage's _mapcount carries one extra count (mm/huge_memory.c
 * __split_huge_pmd_locked). The kernel aliases it to PG_workingset.
 */
export const PG_double_map = PG_workingset;

// The multi-gen LRU's fields in page->flags (include/linux/page-flags-layout.h, mmzone.h). On
// Debian's 6.1 build LRU_GEN_WIDTH = order_base_2(MAX_NR_GENS + 1) = 3 and LRU_REFS_WIDTH =
// min(MAX_NR_TIERS - 2, 64 - NR_PAGEFLAGS 25 - ZONES 3 - LRU_GEN 3 - SECTIONS 0 - NODES 10 -
// KASAN 0 - LAST_CPUPID 21) = min(2, 2) = 2, refs just below gen in the upper word.
// Simplified: the model's 32-bit flags column has no five bits left (27 and 28 are the model's
// PG_hugetlb and PG_transhuge), so the two fields live in a byte column of their own,
// MemMap.lru_gen_flags: gen + 1 in bits 0..2, refs in bits 3..4. Same widths, same values.
/** gen + 1 of a page on a multi-gen LRU list (0: on none), in MemMap.lru_gen_flags. */
export const LRU_GEN_PGOFF = 0;
export const LRU_GEN_WIDTH = 3;
/** The tier's extra accesses through file descriptors (folio_inc_refs), in MemMap.lru_gen_flags. */
export const LRU_REFS_PGOFF = 3;
export const LRU_REFS_WIDTH = 2;
/** ((BIT(LRU_GEN_WIDTH) - 1) << LRU_GEN_PGOFF) */
export const LRU_GEN_MASK = ((1 << LRU_GEN_WIDTH) - 1) << LRU_GEN_PGOFF;
/** ((BIT(LRU_REFS_WIDTH) - 1) << LRU_REFS_PGOFF) */
export const LRU_REFS_MASK = ((1 << LRU_REFS_WIDTH) - 1) << LRU_REFS_PGOFF;

/** Bit masks for the flag numbers above: `flags[pfn] & F(PG_lru)`. */
export const F = (bit: number): number => (1 << bit) >>> 0;

/** The largest compound page: a 1 GiB hugetlb page, order PUD_SHIFT - PAGE_SHIFT = 18. */
export const MAX_FOLIO_ORDER = 18;

/**
 * The page columns of one machine: every field a later mechanism needs, allocated once at boot.
 * Bytes per page: flags 4, lru_gen_flags 1, _refcount 4, mapcount 4, private 4, lru 8, mapping 4,
 * index 4, memcg 2, content 4, page_owner_ts 4 = 43 (plus 4 bytes per pageblock).
 *
 * Compound pages (THP, hugetlb) keep their fields where the kernel's struct page keeps them,
 * as far as the columns allow: PG_head on the head, PG_tail on the rest; page[1] holds the
 * order (index, compound_order) and the number of PMD mappings (private, compound_mapcount in
 * page_mapcount's convention: 0 = none); page[2]'s lru links thread the node's deferred split
 * queue (the kernel's page[2].deferred_list), with page[2].private = 1 while it is queued (the
 * kernel's !list_empty). A tail's own mapcount column is its PTE mappings (_mapcount + 1); its
 * mapping column is 0 (the kernel's TAIL_MAPPING): PageAnon and the index are the head's.
 * compound_head finds the head from the alignment of compound pages (no column).
 */
export class MemMap {
  /** page->flags: PG_* bits. */
  readonly flags: Uint32Array;
  /** page->_refcount (0 for a free page). */
  readonly _refcount: Int32Array;
  /**
   * page_mapcount(): the kernel's _mapcount + 1, so 0 means unmapped and the zero fill of a
   * fresh column is already correct.
   */
  readonly mapcount: Int32Array;
  /** page->private: the buddy order of a free block's head, or a swap entry for swap cache. */
  readonly private: Int32Array;
  /**
   * page->flags' multi-gen LRU fields (LRU_GEN_MASK, LRU_REFS_MASK above): a column of their own
   * because the 32-bit flags column is full. Cleared when the page is freed, as
   * PAGE_FLAGS_CHECK_AT_PREP clears them.
   */
  readonly lru_gen_flags: Uint8Array;
  /** page->lru links, shared by the free, pcp and LRU lists. */
  readonly lru: ListLinks;
  /** page->mapping as an id into the owner's table (0 = none; anon mappings have their own ids). */
  readonly mapping: Int32Array;
  /** page->index: the page offset in its mapping. */
  readonly index: Int32Array;
  /** page->memcg_data as a memcg id (0 = root/uncharged). */
  readonly memcg: Uint16Array;
  /**
   * Not a kernel field: an identity token for the page's contents, so tests can prove that
   * migration, copy-on-write copies and collapses carry data where it belongs. A page filled
   * from nothing (a zeroed anonymous page) gets a fresh token (Kernel.content_seq); a copy takes
   * its source's token; 0 means "no contents" (a free page, the zero page). Read and written
   * through page_content / set_page_content / copy_page_content: the column holds the token
   * minus the pfn (mod 2^32), so the 512 consecutive tokens clear_huge_page gives a THP are one
   * fill (issue 17: 512 single stores were a quarter of a THP fault). Tokens start at 2^31
   * (Kernel.content_seq) and pfns stay below it, so no token is stored as 0.
   */
  readonly content_rel: Uint32Array;
  /**
   * page_owner's allocation time (struct page_owner's ts_nsec, set by __set_page_owner), kept
   * compact: µs of simulated time + 1, saturating at 2^32 - 1 (71 minutes); 0 = not allocated
   * since boot (free at boot, or a memblock reservation). Every page of a plain block gets the
   * stamp, as __set_page_owner_handle does; of a compound page only the head, whose stamp
   * stands for its tails' (read a page's through page_owner_ts_of; a tail's own entry is stale
   * until __split_huge_page writes it). The kernel keeps it only when booted with
   * page_owner=on and prints it in /sys/kernel/debug/page_owner; the model always keeps it and
   * prints it nowhere: it is the explorer's page age (src/api/inspect.ts fillPageAges).
   */
  readonly page_owner_ts: Uint32Array;
  /** The migratetype of each pageblock (pageblock_flags' low 3 bits), by pfn >> pageblock_order. */
  readonly pageblock_mt: Uint8Array;
  /** PB_migrate_skip of each pageblock (compaction's skip hint), by pfn >> pageblock_order. */
  readonly pageblock_skip: Uint8Array;
  /** Which zone each pageblock belongs to, as nid * MAX_NR_ZONES + zone_idx; 255 = a hole. */
  readonly pageblock_zone: Uint8Array;
  /**
   * Not a kernel field: 1 when the pageblock is one compound page of pageblock order (a THP, a
   * 2 MiB hugetlb page, the huge zero page) whose 511 tails' PG_tail is not stored in their
   * flags word but implied (issue 17: the 2 KiB fill of PG_tail was a tenth of a THP fault).
   * Read a page's flags for PG_tail through page_flags / PageTail / compound_head, never
   * `flags[pfn] & F(PG_tail)` alone. Set by prep_new_page; cleared, the tails' words then
   * written, by free_pages_prepare and __split_huge_page.
   */
  readonly pageblock_thp: Uint8Array;
  /**
   * Free MAX_ORDER-1 blocks whose head has not been written yet (deferred linking, see
   * page_alloc.ts deferred_tail): 0 means every free block is linked, the common test.
   */
  nr_deferred_blocks = 0;

  constructor(readonly max_pfn: number) {
    this.flags = new Uint32Array(max_pfn);
    this._refcount = new Int32Array(max_pfn);
    this.mapcount = new Int32Array(max_pfn);
    this.private = new Int32Array(max_pfn);
    this.lru_gen_flags = new Uint8Array(max_pfn);
    this.lru = new ListLinks(max_pfn);
    this.mapping = new Int32Array(max_pfn);
    this.index = new Int32Array(max_pfn);
    this.memcg = new Uint16Array(max_pfn);
    this.content_rel = new Uint32Array(max_pfn);
    this.page_owner_ts = new Uint32Array(max_pfn);
    const nrBlocks = (max_pfn + (1 << pageblock_order) - 1) >>> pageblock_order;
    this.pageblock_mt = new Uint8Array(nrBlocks);
    this.pageblock_skip = new Uint8Array(nrBlocks);
    this.pageblock_zone = new Uint8Array(nrBlocks).fill(255);
    this.pageblock_thp = new Uint8Array(nrBlocks);
  }

  /** Bytes the columns occupy per simulated page (declared size, whether or not committed). */
  bytesPerPage(): number {
    return 4 + 1 + 4 + 4 + 4 + 8 + 4 + 4 + 2 + 4 + 4 + 4 / (1 << pageblock_order);
  }
}

const HEAD = 1 << PG_head;
const TAIL = 1 << PG_tail;

const UNIFORM = 1 << PG_uniform_content;

/**
 * The stored content word (token − pfn) of page `pfn`: its own, or, for a tail of a folio whose
 * head carries PG_uniform_content, the head's (consecutive tokens store as one number).
 */
function content_rel_of(mem: MemMap, pfn: number): number {
  if ((page_flags(mem, pfn) & TAIL) !== 0) {
    const h = compound_head(mem, pfn);
    if ((mem.flags[h] & UNIFORM) !== 0) return mem.content_rel[h];
  }
  return mem.content_rel[pfn];
}

/**
 * Writes the tails' content words of the folio `pfn` belongs to, if its head's stood for them
 * (PG_uniform_content), and clears the mark: after this every subpage's entry is its own. A
 * fill of nr − 1 words, done where the kernel writes each subpage anyway (a copy into one
 * subpage, a split) and never on a THP fault.
 */
export function content_materialize(mem: MemMap, pfn: number): void {
  const f = page_flags(mem, pfn);
  if ((f & (HEAD | TAIL)) === 0) return;
  const h = (f & TAIL) !== 0 ? compound_head(mem, pfn) : pfn;
  if ((mem.flags[h] & UNIFORM) === 0) return;
  mem.content_rel.fill(mem.content_rel[h], h + 1, h + pow2(mem.index[h + 1]));
  mem.flags[h] &= ~UNIFORM;
}

/** The content token of page `pfn` (MemMap.content_rel), 0 for none. */
export function page_content(mem: MemMap, pfn: number): number {
  const r = content_rel_of(mem, pfn);
  return r === 0 ? 0 : (r + pfn) >>> 0;
}

/** Gives page `pfn` the content token `token` (0: no contents). */
export function set_page_content(mem: MemMap, pfn: number, token: number): void {
  content_materialize(mem, pfn);
  mem.content_rel[pfn] = token === 0 ? 0 : (token - pfn) >>> 0;
}

/**
 * set_page_content for a page just allocated at order 0 (a fault's new page), which belongs to
 * no compound page: nothing to write out first, one store. The first-touch fault path calls it
 * per page (content_materialize's test there cost the 4 KiB first-touch row 5%).
 */
export function set_new_page_content(mem: MemMap, pfn: number, token: number): void {
  mem.content_rel[pfn] = token === 0 ? 0 : (token - pfn) >>> 0;
}

/** copy_page_content into a page just allocated at order 0 (a CoW copy); `src` may be a THP's subpage. */
export function copy_new_page_content(mem: MemMap, dst: number, src: number): void {
  const r = content_rel_of(mem, src);
  mem.content_rel[dst] = r === 0 ? 0 : (r + src - dst) >>> 0;
}

/** Page `dst` gets the contents of page `src` (a copy: the same token). */
export function copy_page_content(mem: MemMap, dst: number, src: number): void {
  const r = content_rel_of(mem, src);
  content_materialize(mem, dst);
  mem.content_rel[dst] = r === 0 ? 0 : (r + src - dst) >>> 0;
}

/**
 * The nr pages of folio `dst` get the contents of folio `src` page by page (folio_copy): a source
 * whose head stands for its tails (PG_uniform_content) is copied as one word and the mark, the
 * rest word by word.
 */
export function copy_folio_content(mem: MemMap, dst: number, src: number, nr: number): void {
  if ((mem.flags[src] & UNIFORM) !== 0 && (mem.flags[dst] & HEAD) !== 0 && pow2(mem.index[dst + 1]) === nr) {
    const r = mem.content_rel[src];
    mem.content_rel[dst] = r === 0 ? 0 : (r + src - dst) >>> 0;
    mem.flags[dst] |= UNIFORM;
    return;
  }
  for (let i = 0; i < nr; i++) copy_page_content(mem, dst + i, src + i);
}

/**
 * Pages [pfn, pfn + nr) filled from nothing, in order: the next nr tokens of content_seq, the
 * first to `pfn`. As stored (token − pfn) they are all the same number: one fill, or, when the
 * range is exactly one compound page, one store on its head marked PG_uniform_content (issue 17:
 * a THP fault writes O(1) memmap words; the fill was a tenth of the fault).
 */
export function fresh_page_contents(mem: MemMap, seq: { content_seq: number }, pfn: number, nr: number): void {
  const first = seq.content_seq + 1;
  const rel = (first - pfn) >>> 0;
  const f = mem.flags[pfn];
  if ((f & HEAD) !== 0 && nr > 1 && pow2(mem.index[pfn + 1]) === nr) {
    mem.content_rel[pfn] = rel;
    mem.flags[pfn] = f | UNIFORM;
  } else {
    content_materialize(mem, pfn);
    if (nr > 1) content_materialize(mem, pfn + nr - 1);
    mem.content_rel.fill(rel, pfn, pfn + nr);
  }
  seq.content_seq = first + nr - 1;
}
const PB_MASK = (1 << pageblock_order) - 1;

/**
 * page->flags of `pfn` as the kernel's page-flag tests see it: the stored word, plus PG_tail for
 * a tail of a pageblock-order compound page, whose PG_tail is implied (MemMap.pageblock_thp)
 * rather than stored. Every test of PG_tail (or of PG_head | PG_tail) reads through this.
 * @kernel include/linux/page-flags.h PageTail, PageCompound
 */
export function page_flags(mem: MemMap, pfn: number): number {
  const f = mem.flags[pfn];
  return (pfn & PB_MASK) !== 0 && mem.pageblock_thp[pfn >>> pageblock_order] !== 0 ? f | TAIL : f;
}

/** PageTail. @kernel include/linux/page-flags.h PageTail */
export function PageTail(mem: MemMap, pfn: number): boolean {
  return (page_flags(mem, pfn) & TAIL) !== 0;
}

/** PageCompound: a head or a tail page. @kernel include/linux/page-flags.h PageCompound */
export function PageCompound(mem: MemMap, pfn: number): boolean {
  return (page_flags(mem, pfn) & (HEAD | TAIL)) !== 0;
}

/**
 * The head of the compound page `pfn` belongs to (pfn itself for any other page). Compound
 * pages are naturally aligned, so the head is `pfn` rounded down to the first power of two at
 * which a head whose order covers pfn sits. A tail with no such head is a model bug.
 * @kernel include/linux/page-flags.h compound_head, page_folio
 */
export function compound_head(mem: MemMap, pfn: number): number {
  if ((page_flags(mem, pfn) & TAIL) === 0) return pfn;
  const flags = mem.flags;
  for (let o = 1; o <= MAX_FOLIO_ORDER; o++) {
    const h = pfn - (pfn & ((1 << o) - 1));
    if ((flags[h] & HEAD) !== 0 && h + pow2(mem.index[h + 1]) > pfn) return h;
  }
  throw new KernelBug("compound_head: tail page without a head", { pfn });
}

/**
 * page_owner's allocation time of page `pfn` (MemMap.page_owner_ts): a compound page's tails read
 * their head's stamp, which stands for theirs while the page is compound (set_page_owner in
 * page_alloc.ts stamps only the head; __split_huge_page copies it into each tail).
 * @kernel mm/page_owner.c __set_page_owner_handle, split_page_owner
 */
export function page_owner_ts_of(mem: MemMap, pfn: number): number {
  return mem.page_owner_ts[(page_flags(mem, pfn) & TAIL) === 0 ? pfn : compound_head(mem, pfn)];
}

/** Pages in the folio headed by `head`: 2^order for a compound head, else 1. @kernel include/linux/mm.h folio_nr_pages */
export function folio_nr_pages(mem: MemMap, head: number): number {
  return (mem.flags[head] & HEAD) !== 0 ? pow2(mem.index[head + 1]) : 1;
}

/** compound_mapcount: the PMD (or PUD) mappings of a compound page's head, 0 for none. @kernel include/linux/mm.h compound_mapcount */
export function compound_mapcount(mem: MemMap, head: number): number {
  return mem.private[head + 1];
}
