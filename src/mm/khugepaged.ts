/**
 * khugepaged's part in the reserves: while THP is enabled and khugepaged runs, min_free_kbytes
 * is raised so that each zone up to Normal keeps free pageblocks for huge page allocations
 * (w0-m1024: 512 pages * 2 zones * (2 + 3 * 3) = 11264 pages = 45056 kB). khugepaged itself
 * (scanning for collapses) comes with the THP issue; its running state is k.thp.
 * @kernel mm/khugepaged.c set_recommended_min_free_kbytes, start_stop_khugepaged,
 *   khugepaged_min_free_kbytes_update
 */
import type { Kernel } from "../kernel/kernel.js";
import { KERN_INFO } from "../kernel/printk.js";
import { hugepage_flags_enabled } from "./huge_memory.js";
import { MIGRATE_PCPTYPES, ZONE_NORMAL } from "./mmzone.js";
import { nr_free_buffer_pages } from "./page_alloc.js";
import { PAGE_SHIFT, pageblock_nr_pages } from "./types.js";
import { calculate_min_free_kbytes, setup_per_zone_wmarks } from "./watermark.js";

/**
 * With THP enabled, min_free_kbytes is raised so that each zone up to Normal keeps 2 free
 * pageblocks plus 3x3 for migratetype fallbacks, but at most 5% of lowmem.
 * @kernel mm/khugepaged.c set_recommended_min_free_kbytes
 */
export function set_recommended_min_free_kbytes(k: Kernel): void {
  if (!hugepage_flags_enabled(k)) {
    calculate_min_free_kbytes(k);
  } else {
    let nr_zones = 0;
    for (const z of k.zones) {
      if (!z.populated_zone()) continue;
      // ZONE_MOVABLE holds only movable pages: nothing to defragment for (gfp_zone(GFP_USER)).
      if (z.zone_idx > ZONE_NORMAL) continue;
      nr_zones++;
    }
    let recommended_min = pageblock_nr_pages * nr_zones * 2;
    recommended_min += pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    recommended_min = Math.min(recommended_min, Math.floor(nr_free_buffer_pages(k) / 20));
    recommended_min <<= PAGE_SHIFT - 10;
    if (recommended_min > k.vm.min_free_kbytes) {
      if (k.user_min_free_kbytes >= 0)
        k.log.printk(
          KERN_INFO,
          `raising min_free_kbytes from ${k.vm.min_free_kbytes} to ${recommended_min} to help transparent hugepage allocations`,
        );
      k.vm.min_free_kbytes = recommended_min;
    }
  }
  setup_per_zone_wmarks(k);
}

/**
 * Starts or stops khugepaged to match the THP mode, then resets min_free_kbytes to what that
 * mode recommends. Called by hugepage_init and by writes to the THP "enabled" file.
 * @kernel mm/khugepaged.c start_stop_khugepaged
 */
export function start_stop_khugepaged(k: Kernel): void {
  k.thp.khugepaged_running = hugepage_flags_enabled(k);
  set_recommended_min_free_kbytes(k);
}

/** After init_per_zone_wmark_min: keep khugepaged's raise if it runs. @kernel mm/khugepaged.c khugepaged_min_free_kbytes_update */
export function khugepaged_min_free_kbytes_update(k: Kernel): void {
  if (hugepage_flags_enabled(k) && k.thp.khugepaged_running) set_recommended_min_free_kbytes(k);
}
