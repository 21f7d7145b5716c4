/**
 * Basic units shared by the whole model.
 * @kernel arch/x86/include/asm/page_types.h PAGE_SHIFT
 * @kernel include/linux/mmzone.h MAX_ORDER, pageblock_order
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = ~(PAGE_SIZE - 1);

/** Orders 0..10: the largest buddy block is 2^10 pages = 4 MiB (x86-64 default). */
export const MAX_ORDER = 11;
export const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);
/** x86-64 has HUGETLB_PAGE, so pageblock_order = HUGETLB_PAGE_ORDER = 9 (2 MiB). */
export const pageblock_order = 9;
export const pageblock_nr_pages = 1 << pageblock_order;
/** Orders above this are "costly": the allocator tries less hard for them. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** 128 MiB memory sections (x86-64 SECTION_SIZE_BITS = 27). */
export const PFN_SECTION_SHIFT = 27 - PAGE_SHIFT;
export const PAGES_PER_SECTION = 1 << PFN_SECTION_SHIFT;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** No pfn: the end of an intrusive list, or a failed allocation. */
export const NO_PFN = -1;

/** Pages to kB, the unit /proc/meminfo and zoneinfo speak: K(x) = x << (PAGE_SHIFT - 10). */
export function K(pages: number): number {
  return pages * (PAGE_SIZE / 1024);
}
