/**
 * Reads /proc/buddyinfo and /proc/pagetypeinfo and computes, per zone and order, the two indices
 * debugfs extfrag/ prints: the unusable free space index (how much free memory sits in blocks
 * too small for the order) and the fragmentation index (whether a failing allocation fails for
 * lack of memory, near 0, or of contiguity, near 1000), and whether an order-N allocation could
 * be served from the free lists now.
 *
 * @kernel mm/vmstat.c frag_show_print, pagetypeinfo_showfree_print, pagetypeinfo_showblockcount_print
 * @kernel mm/vmstat.c fill_contig_page_info, __fragmentation_index, unusable_free_index
 *
 * Simplified: "can be served now" looks at free blocks only, before watermarks; the zone's
 * watermark check (min + lowmem_reserve) needs /proc/zoneinfo.
 */
import { migratetype_names } from "../include/linux/mmzone.js";
import type { BuddyZone, BuddyinfoResult, PagetypeinfoResult, Problem, ZoneinfoResult } from "./types.js";

interface ContigInfo {
  free_pages: number;
  free_blocks_total: number;
  free_blocks_suitable: number;
}

/** @kernel mm/vmstat.c fill_contig_page_info */
export function fill_contig_page_info(counts: readonly number[], suitable_order: number): ContigInfo {
  const info: ContigInfo = { free_pages: 0, free_blocks_total: 0, free_blocks_suitable: 0 };
  for (let order = 0; order < counts.length; order++) {
    const blocks = counts[order];
    info.free_blocks_total += blocks;
    info.free_pages += blocks * 2 ** order;
    if (order >= suitable_order) info.free_blocks_suitable += blocks * 2 ** (order - suitable_order);
  }
  return info;
}

/**
 * -1000 when an order-`order` block exists; else 0 (no free memory at all) to 1000 (plenty of
 * memory, all in smaller pieces). debugfs extfrag_index prints it divided by 1000.
 * @kernel mm/vmstat.c __fragmentation_index
 */
export function __fragmentation_index(order: number, info: ContigInfo): number {
  const requested = 2 ** order;
  if (!info.free_blocks_total) return 0;
  if (info.free_blocks_suitable) return -1000;
  return 1000 - Math.floor((1000 + Math.floor((info.free_pages * 1000) / requested)) / info.free_blocks_total);
}

/**
 * Thousandths of free memory in blocks smaller than the order (1000 when nothing is free).
 * @kernel mm/vmstat.c unusable_free_index
 */
export function unusable_free_index(order: number, info: ContigInfo): number {
  if (info.free_pages === 0) return 1000;
  return Math.floor(((info.free_pages - info.free_blocks_suitable * 2 ** order) * 1000) / info.free_pages);
}

/** Per-order indices for a zone's free-block counts. */
export function zoneIndices(counts: readonly number[]): { unusable: number[]; fragmentation: number[]; largestFreeOrder: number; free_pages: number } {
  const unusable: number[] = [];
  const fragmentation: number[] = [];
  for (let o = 0; o < counts.length; o++) {
    const info = fill_contig_page_info(counts, o);
    unusable.push(unusable_free_index(o, info));
    fragmentation.push(__fragmentation_index(o, info));
  }
  let largest = -1;
  counts.forEach((c, o) => { if (c > 0) largest = o; });
  return { unusable, fragmentation, largestFreeOrder: largest, free_pages: fill_contig_page_info(counts, 0).free_pages };
}

/**
 * __zone_watermark_ok for each order: free pages minus the (2^order − 1) the request would leave
 * unusable must exceed the mark, and (for order > 0) a block of at least that order must exist.
 * @kernel mm/page_alloc.c __zone_watermark_ok
 */
export function watermarkOkPerOrder(counts: readonly number[], mark: number, reserve = 0): boolean[] {
  const free = fill_contig_page_info(counts, 0).free_pages;
  return counts.map((_, order) => {
    if (free - (2 ** order - 1) <= mark + reserve) return false;
    if (order === 0) return true;
    for (let o = order; o < counts.length; o++) if (counts[o] > 0) return true;
    return false;
  });
}

/** Decodes /proc/buddyinfo. Never throws. */
export function decodeBuddyinfo(text: string, zoneinfo?: ZoneinfoResult): BuddyinfoResult {
  const missing: Problem[] = [];
  const warnings: Problem[] = [];
  const zones: BuddyZone[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    const m = /^Node (\d+), zone\s+(\S+)((?:\s+\d+)*)\s*$/.exec(l);
    if (!m) {
      warnings.push({ part: "line", message: `not a buddyinfo line: '${l.slice(0, 60)}'`, line: i + 1 });
      return;
    }
    const counts = m[3].trim() === "" ? [] : m[3].trim().split(/\s+/).map(Number);
    if (counts.length !== 11) warnings.push({ part: `zone:${m[2]}`, message: `${counts.length} orders (MAX_ORDER 11 on x86-64; other configs differ or the line is cut)`, line: i + 1 });
    const idx = zoneIndices(counts);
    const bz: BuddyZone = { node: Number(m[1]), zone: m[2], counts, ...idx };
    const zi = zoneinfo?.zones.find((z) => z.node === bz.node && z.zone === bz.zone);
    if (zi?.min !== undefined && zi.low !== undefined) bz.watermarkOk = { min: watermarkOkPerOrder(counts, zi.min), low: watermarkOkPerOrder(counts, zi.low) };
    zones.push(bz);
  });
  if (zones.length === 0) missing.push({ part: "zones", message: "no 'Node N, zone NAME counts…' line" });
  return { kind: "buddyinfo", zones, missing, warnings };
}

/** Decodes /proc/pagetypeinfo (free blocks per migratetype and pageblock counts). Never throws. */
export function decodePagetypeinfo(text: string): PagetypeinfoResult {
  const missing: Problem[] = [];
  const warnings: Problem[] = [];
  const res: PagetypeinfoResult = { kind: "pagetypeinfo", free: [], blocks: [], freePagesByType: [], missing, warnings };
  let blockTypes: string[] | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    let m: RegExpExecArray | null;
    if ((m = /^Page block order:\s*(\d+)/.exec(l))) { res.pageblockOrder = Number(m[1]); return; }
    if ((m = /^Pages per block:\s*(\d+)/.exec(l))) { res.pagesPerBlock = Number(m[1]); return; }
    if (l.startsWith("Free pages count per migrate type")) return;
    if ((m = /^Number of blocks type\s+(.*)$/.exec(l))) { blockTypes = m[1].trim().split(/\s+/); return; }
    if ((m = /^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)((?:\s+\d+)*)\s*$/.exec(l))) {
      const counts = m[4].trim() === "" ? [] : m[4].trim().split(/\s+/).map(Number);
      res.free.push({ node: Number(m[1]), zone: m[2], type: m[3], counts });
      return;
    }
    if ((m = /^Node (\d+), zone\s+(\S+)((?:\s+\d+)*)\s*$/.exec(l)) && blockTypes) {
      const vals = m[3].trim().split(/\s+/).map(Number);
      const byType: Record<string, number> = {};
      blockTypes.forEach((t, k) => { if (vals[k] !== undefined) byType[t] = vals[k]; });
      res.blocks.push({ node: Number(m[1]), zone: m[2], byType });
      return;
    }
    warnings.push({ part: "line", message: `not a pagetypeinfo line: '${l.slice(0, 60)}'`, line: i + 1 });
  });
  const byZone = new Map<string, { node: number; zone: string; byType: Record<string, number> }>();
  for (const f of res.free) {
    const key = `${f.node}/${f.zone}`;
    let e = byZone.get(key);
    if (!e) { e = { node: f.node, zone: f.zone, byType: {} }; byZone.set(key, e); }
    e.byType[f.type] = f.counts.reduce((a, c, o) => a + c * 2 ** o, 0);
  }
  res.freePagesByType = [...byZone.values()];
  if (res.free.length === 0) missing.push({ part: "free", message: "no per-migratetype free counts" });
  if (res.blocks.length === 0) missing.push({ part: "blocks", message: "no 'Number of blocks type' table" });
  const known = new Set<string>([...migratetype_names, "CMA", "Reserve", "<NULL>"]);
  for (const f of res.free) if (!known.has(f.type)) warnings.push({ part: "type", message: `unknown migratetype '${f.type}'` });
  return res;
}
