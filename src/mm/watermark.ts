/**
 * The reserves the allocator keeps: min_free_kbytes, each zone's min/low/high/promo watermarks,
 * watermark boosting, lowmem_reserve (the "protection" array in /proc/zoneinfo), and
 * totalreserve_pages. These are mm/page_alloc.c functions, gathered here so page_alloc.ts stays
 * about allocating; khugepaged's raise of min_free_kbytes when THP is enabled is in khugepaged.ts.
 *
 * Worked example, the 1 GiB QEMU guest (w0-m1024): at postcore_initcall time the zones manage
 * 3840 + 239445 = 243285 pages, so min_free_kbytes = int_sqrt(243285 * 4 * 16) = 3945. THP is on
 * (RAM >= 512 MiB), so khugepaged raises it to 512 pages * 2 zones * (2 + 3 * 3) = 11264 pages =
 * 45056 kB. pages_min = 11264 is shared by managed size: DMA32 gets 11264 * 239445 / 243285 =
 * 11086; low = min + max(11086 / 4, 239445 * 10 / 10000) = 11086 + 2771 = 13857, high = 16628 —
 * w0-m1024/zoneinfo's numbers.
 *
 * @kernel mm/page_alloc.c calculate_min_free_kbytes, init_per_zone_wmark_min,
 *   __setup_per_zone_wmarks, setup_per_zone_wmarks, setup_per_zone_lowmem_reserve,
 *   calculate_totalreserve_pages, boost_watermark, min_free_kbytes_sysctl_handler,
 *   watermark_scale_factor_sysctl_handler, lowmem_reserve_ratio_sysctl_handler
 * @kernel mm/vmstat.c refresh_zone_stat_thresholds
 *
 * Simplified: no highmem branch (x86-64 has none); pgdat min_unmapped_pages/min_slab_pages
 * (setup_min_unmapped_ratio, setup_min_slab_ratio) are not kept yet; refresh_zone_stat_thresholds
 * sets only the per-zone threshold, not percpu_drift_mark.
 */
import type { Kernel } from "../kernel/kernel.js";
import { clamp, int_sqrt, mult_frac } from "../lib/math.js";
import { KERN_WARNING } from "../kernel/printk.js";
import { registerVmSysctlEffect } from "../kernel/sysctl.js";
import { khugepaged_min_free_kbytes_update } from "./khugepaged.js";
import { high_wmark_pages, MAX_NR_ZONES, WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO, type zone } from "./mmzone.js";
import { nr_free_buffer_pages, zone_pcp_update } from "./page_alloc.js";
import { PAGE_SHIFT, pageblock_nr_pages } from "./types.js";
import { calculate_normal_threshold } from "./vmstat.js";

/**
 * min_free_kbytes = sqrt(16 * lowmem kB), clamped to [128, 262144], unless the user set a larger
 * value. lowmem is nr_free_buffer_pages(): managed pages above the high watermark in DMA..Normal.
 * @kernel mm/page_alloc.c calculate_min_free_kbytes
 */
export function calculate_min_free_kbytes(k: Kernel): void {
  const lowmem_kbytes = nr_free_buffer_pages(k) * (4096 >> 10);
  const new_min_free_kbytes = int_sqrt(lowmem_kbytes * 16);
  if (new_min_free_kbytes > k.user_min_free_kbytes) k.vm.min_free_kbytes = clamp(new_min_free_kbytes, 128, 262144);
  else
    k.log.printk(
      KERN_WARNING,
      `min_free_kbytes is not updated to ${new_min_free_kbytes} because user defined value ${k.user_min_free_kbytes} is preferred`,
    );
}

/**
 * Spreads pages_min = min_free_kbytes / 4 over the zones by managed size; low and high sit
 * max(min/4, managed * watermark_scale_factor / 10000) apart; boost is cleared.
 * @kernel mm/page_alloc.c __setup_per_zone_wmarks
 */
export function __setup_per_zone_wmarks(k: Kernel): void {
  const pages_min = k.vm.min_free_kbytes >> (PAGE_SHIFT - 10);
  let lowmem_pages = 0;
  for (const z of k.zones) lowmem_pages += z.managed_pages;
  for (const z of k.zones) {
    const managed = z.managed_pages;
    // do_div by zero cannot happen in the kernel (lowmem_pages > 0 once memory exists)
    const tmp = lowmem_pages ? Math.floor((pages_min * managed) / lowmem_pages) : 0;
    z._watermark[WMARK_MIN] = tmp;
    const gap = Math.max(Math.floor(tmp / 4), mult_frac(managed, k.vm.watermark_scale_factor, 10000));
    z.watermark_boost = 0;
    z._watermark[WMARK_LOW] = z._watermark[WMARK_MIN] + gap;
    z._watermark[WMARK_HIGH] = z._watermark[WMARK_LOW] + gap;
    z._watermark[WMARK_PROMO] = z._watermark[WMARK_HIGH] + gap;
  }
  calculate_totalreserve_pages(k);
}

/**
 * Recomputes the watermarks (min_free_kbytes or watermark_scale_factor changed, or memory did),
 * then the pcp high/batch limits, which depend on them.
 * @kernel mm/page_alloc.c setup_per_zone_wmarks
 */
export function setup_per_zone_wmarks(k: Kernel): void {
  __setup_per_zone_wmarks(k);
  for (const z of k.zones) if (z.per_cpu_pageset.length) zone_pcp_update(k, z, 0);
}

/**
 * Each zone keeps back (managed pages of all higher zones on the node) / ratio[zone] from
 * allocations that could have used those higher zones. w0's DMA when this ran at boot: DMA32
 * managed 110613 pages (before the initrd and init frees), / 256 = 432, so zoneinfo shows
 * protection: (0, 432, 432, 432, 432) although DMA32 ends up managing 113264.
 * @kernel mm/page_alloc.c setup_per_zone_lowmem_reserve
 */
export function setup_per_zone_lowmem_reserve(k: Kernel): void {
  const ratios = k.vm.lowmem_reserve_ratio;
  for (const pgdat of k.node_data) {
    for (let i = 0; i < MAX_NR_ZONES - 1; i++) {
      const z = pgdat.node_zones[i];
      const ratio = ratios[i];
      const clear = !ratio || !z.managed_pages;
      let managed = 0;
      for (let j = i + 1; j < MAX_NR_ZONES; j++) {
        managed += pgdat.node_zones[j].managed_pages;
        z.lowmem_reserve[j] = clear ? 0 : Math.floor(managed / ratio);
      }
    }
  }
  calculate_totalreserve_pages(k);
}

/**
 * Per node: for each zone, its largest lowmem_reserve plus its high watermark, capped at its
 * managed pages — what dirty limits and MemAvailable treat as unavailable.
 * @kernel mm/page_alloc.c calculate_totalreserve_pages
 */
export function calculate_totalreserve_pages(k: Kernel): number {
  let reserve = 0;
  for (const pgdat of k.node_data) {
    pgdat.totalreserve_pages = 0;
    for (let i = 0; i < MAX_NR_ZONES; i++) {
      const z = pgdat.node_zones[i];
      let max = 0;
      for (let j = i; j < MAX_NR_ZONES; j++) if (z.lowmem_reserve[j] > max) max = z.lowmem_reserve[j];
      max += high_wmark_pages(z);
      if (max > z.managed_pages) max = z.managed_pages;
      pgdat.totalreserve_pages += max;
      reserve += max;
    }
  }
  return reserve;
}

/**
 * The per-cpu counter thresholds, recomputed when zone sizes or CPUs change.
 * @kernel mm/vmstat.c refresh_zone_stat_thresholds
 */
export function refresh_zone_stat_thresholds(k: Kernel, nr_online_cpus: number): void {
  for (const z of k.zones) z.stat_threshold = z.managed_pages ? calculate_normal_threshold(z, nr_online_cpus) : 0;
}

/**
 * The postcore_initcall that sets min_free_kbytes and everything derived from it.
 * @kernel mm/page_alloc.c init_per_zone_wmark_min
 */
export function init_per_zone_wmark_min(k: Kernel, nr_online_cpus: number): void {
  calculate_min_free_kbytes(k);
  setup_per_zone_wmarks(k);
  refresh_zone_stat_thresholds(k, nr_online_cpus);
  setup_per_zone_lowmem_reserve(k);
  khugepaged_min_free_kbytes_update(k);
}

/**
 * A fragmentation event (a fallback that steals from another migratetype) boosts the zone's
 * watermarks by a pageblock, up to watermark_boost_factor/10000 of the high watermark, so
 * kswapd reclaims a little extra and compaction gets room. Returns whether it boosted.
 * @kernel mm/page_alloc.c boost_watermark
 */
export function boost_watermark(k: Kernel, z: zone): boolean {
  const factor = k.vm.watermark_boost_factor;
  if (!factor) return false;
  // Tiny zones (kdump kernels) would go OOM at once.
  if (pageblock_nr_pages * 4 > z.managed_pages) return false;
  let max_boost = mult_frac(z._watermark[WMARK_HIGH], factor, 10000);
  if (!max_boost) return false;
  max_boost = Math.max(pageblock_nr_pages, max_boost);
  z.watermark_boost = Math.min(z.watermark_boost + pageblock_nr_pages, max_boost);
  return true;
}

/**
 * After a write to vm.min_free_kbytes (sysctl.ts stores it and user_min_free_kbytes).
 * @kernel mm/page_alloc.c min_free_kbytes_sysctl_handler
 */
export function min_free_kbytes_sysctl_handler(k: Kernel): void {
  setup_per_zone_wmarks(k);
}

/** After a write to vm.lowmem_reserve_ratio: ratios below 1 become 0. @kernel mm/page_alloc.c lowmem_reserve_ratio_sysctl_handler */
export function lowmem_reserve_ratio_sysctl_handler(k: Kernel): void {
  const r = k.vm.lowmem_reserve_ratio;
  for (let i = 0; i < r.length; i++) if (r[i] < 1) r[i] = 0;
  setup_per_zone_lowmem_reserve(k);
}

/**
 * The page allocator's sysctl handlers take effect at boot, as the vm table is set up (6.1's
 * vm_table in kernel/sysctl.c names these mm/page_alloc.c handlers): min_free_kbytes and
 * watermark_scale_factor rerun setup_per_zone_wmarks, lowmem_reserve_ratio reruns
 * setup_per_zone_lowmem_reserve, and percpu_pagelist_high_fraction runs
 * zone_set_pageset_high_and_batch(zone, 0) on every populated zone, so pcp high follows the
 * fraction (or the low watermark again at 0).
 * @kernel mm/page_alloc.c min_free_kbytes_sysctl_handler, watermark_scale_factor_sysctl_handler,
 *   lowmem_reserve_ratio_sysctl_handler, percpu_pagelist_high_fraction_sysctl_handler
 */
export function page_alloc_sysctl_init(k: Kernel): void {
  // Named module functions, not closures: the machine's effects table stays data a snapshot names.
  registerVmSysctlEffect(k, "setup_per_zone_wmarks", setup_per_zone_wmarks);
  registerVmSysctlEffect(k, "setup_per_zone_lowmem_reserve", setup_per_zone_lowmem_reserve);
  registerVmSysctlEffect(k, "zone_pcp_update", zone_pcp_update_populated);
}

/** percpu_pagelist_high_fraction_sysctl_handler's loop: zone_pcp_update on every populated zone. */
export function zone_pcp_update_populated(k: Kernel): void {
  for (const z of k.zones) if (z.populated_zone()) zone_pcp_update(k, z, 0);
}


