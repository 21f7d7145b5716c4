import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { set_recommended_min_free_kbytes } from "./khugepaged.js";
import { int_sqrt } from "../lib/math.js";
import { setup_transparent_hugepage } from "./huge_memory.js";
import { pglist_data, WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO } from "./mmzone.js";
import {
  boost_watermark,
  calculate_min_free_kbytes,
  calculate_totalreserve_pages,
  lowmem_reserve_ratio_sysctl_handler,
  setup_per_zone_lowmem_reserve,
  setup_per_zone_wmarks,
} from "./watermark.js";

/** One node with DMA and DMA32 managing the given pages; the zonelist is DMA32, DMA. */
function machine(dma: number, dma32: number): Kernel {
  const k = new Kernel(1);
  const p = new pglist_data(0);
  k.node_data = [p];
  k.zones = p.node_zones;
  p.node_zones[0].managed_pages = p.node_zones[0].present_pages = dma;
  p.node_zones[1].managed_pages = p.node_zones[1].present_pages = dma32;
  p.node_zonelists = [p.node_zones[1], p.node_zones[0]];
  return k;
}

describe("min_free_kbytes and watermarks", () => {
  it("give w0's numbers for w0's managed counts at postcore time", () => {
    // 3840 + 110613 managed pages before the initrd and init frees
    const k = machine(3840, 110613);
    calculate_min_free_kbytes(k);
    expect(k.vm.min_free_kbytes).toBe(2706);
    setup_per_zone_wmarks(k);
    const [dma, dma32] = k.zones;
    expect([dma._watermark[WMARK_MIN], dma._watermark[WMARK_LOW], dma._watermark[WMARK_HIGH]]).toEqual([22, 27, 32]);
    expect([dma32._watermark[WMARK_MIN], dma32._watermark[WMARK_LOW], dma32._watermark[WMARK_HIGH], dma32._watermark[WMARK_PROMO]]).toEqual([
      653, 816, 979, 1142,
    ]);
  });

  it("clamps min_free_kbytes to [128, 262144] and keeps a larger user value", () => {
    const tiny = machine(50, 150);
    calculate_min_free_kbytes(tiny);
    expect(tiny.vm.min_free_kbytes).toBe(128);
    const huge = machine(3840, 2 ** 30);
    calculate_min_free_kbytes(huge);
    expect(huge.vm.min_free_kbytes).toBe(262144);
    const user = machine(3840, 110613);
    user.user_min_free_kbytes = 10000;
    user.vm.min_free_kbytes = 10000;
    calculate_min_free_kbytes(user);
    expect(user.vm.min_free_kbytes).toBe(10000);
    expect(user.log.dmesg()).toContain("min_free_kbytes is not updated to 2706 because user defined value 10000 is preferred");
  });

  it("uses watermark_scale_factor when it exceeds a quarter of min", () => {
    const k = machine(3840, 110613);
    k.vm.min_free_kbytes = 2706;
    k.vm.watermark_scale_factor = 1000; // 10% of managed
    setup_per_zone_wmarks(k);
    const dma32 = k.zones[1];
    expect(dma32._watermark[WMARK_LOW] - dma32._watermark[WMARK_MIN]).toBe(11061);
  });
});

describe("lowmem_reserve and totalreserve_pages", () => {
  it("protects DMA by the higher zones' managed pages / ratio", () => {
    const k = machine(3840, 113264);
    setup_per_zone_lowmem_reserve(k);
    expect(Array.from(k.zones[0].lowmem_reserve)).toEqual([0, 442, 442, 442, 442]);
    expect(Array.from(k.zones[1].lowmem_reserve)).toEqual([0, 0, 0, 0, 0]);
    k.vm.lowmem_reserve_ratio[0] = -5;
    lowmem_reserve_ratio_sysctl_handler(k);
    expect(k.vm.lowmem_reserve_ratio[0]).toBe(0);
    expect(Array.from(k.zones[0].lowmem_reserve)).toEqual([0, 0, 0, 0, 0]);
  });

  it("sums each zone's largest reserve plus its high watermark, capped at managed", () => {
    const k = machine(3840, 113264);
    k.vm.min_free_kbytes = 2706;
    setup_per_zone_wmarks(k);
    setup_per_zone_lowmem_reserve(k);
    const dma = k.zones[0];
    const dma32 = k.zones[1];
    const expected = Math.min(3840, 442 + dma._watermark[WMARK_HIGH]) + dma32._watermark[WMARK_HIGH];
    expect(calculate_totalreserve_pages(k)).toBe(expected);
    expect(k.node_data[0].totalreserve_pages).toBe(expected);
  });
});

describe("boost_watermark", () => {
  it("raises the boost a pageblock at a time up to 150% of high", () => {
    const k = machine(3840, 113264);
    k.vm.min_free_kbytes = 2706;
    setup_per_zone_wmarks(k);
    const z = k.zones[1];
    const max = Math.max(512, Math.floor((z._watermark[WMARK_HIGH] * 15000) / 10000));
    expect(boost_watermark(k, z)).toBe(true);
    expect(z.watermark_boost).toBe(512);
    for (let i = 0; i < 10; i++) boost_watermark(k, z);
    expect(z.watermark_boost).toBe(max);
  });

  it("does not boost tiny zones or with the factor at 0", () => {
    const k = machine(1000, 113264);
    k.vm.min_free_kbytes = 2706;
    setup_per_zone_wmarks(k);
    expect(boost_watermark(k, k.zones[0])).toBe(false);
    k.vm.watermark_boost_factor = 0;
    expect(boost_watermark(k, k.zones[1])).toBe(false);
  });
});

describe("khugepaged's recommended min_free_kbytes", () => {
  it("needs 11 pageblocks per zone, capped at 5% of lowmem", () => {
    const k = machine(3840, 239445);
    calculate_min_free_kbytes(k);
    setup_per_zone_wmarks(k);
    set_recommended_min_free_kbytes(k);
    expect(k.vm.min_free_kbytes).toBe(45056);
    expect(k.zones[1]._watermark[WMARK_MIN]).toBe(11086);
    const small = machine(3840, 100000);
    calculate_min_free_kbytes(small);
    setup_per_zone_wmarks(small);
    set_recommended_min_free_kbytes(small);
    expect(small.vm.min_free_kbytes).toBeLessThan(45056);
    expect(small.vm.min_free_kbytes % 4).toBe(0);
  });

  it("recomputes the plain value when THP is off", () => {
    const k = machine(3840, 239445);
    setup_transparent_hugepage(k, "never");
    k.vm.min_free_kbytes = 45056;
    set_recommended_min_free_kbytes(k);
    expect(k.vm.min_free_kbytes).toBe(int_sqrt(243285 * 4 * 16));
  });
});
