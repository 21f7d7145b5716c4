/**
 * The hugetlb pools, as far as the model has them: the default (2 MiB) hstate's counters on the
 * Kernel (k.default_hstate, the HugePages_* lines), which stay 0 until a pool can be filled
 * (vm.nr_hugepages calls the set_max_huge_pages effect, which nothing registers yet).
 * @kernel mm/hugetlb.c hugetlb_total_pages
 * @kernel include/linux/hugetlb.h pages_per_huge_page
 */
import type { Kernel } from "../kernel/kernel.js";

/** pages_per_huge_page(&default_hstate): 512 base pages in a 2 MiB page. */
export const HPAGE_NR = 512;

/** Pages held by the huge page pools, in base pages. @kernel mm/hugetlb.c hugetlb_total_pages */
export function hugetlb_total_pages(k: Kernel): number {
  return k.default_hstate.nr_huge_pages * HPAGE_NR;
}
