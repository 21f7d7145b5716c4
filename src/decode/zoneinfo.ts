/**
 * Reads /proc/zoneinfo (any kernel since 2.6; the per-node stats block from 4.8) and derives the
 * two reserves meminfo does not print: the sum of low watermarks and totalreserve_pages.
 *
 * @kernel mm/vmstat.c zoneinfo_show_print
 * @kernel mm/page_alloc.c calculate_totalreserve_pages, si_mem_available
 *
 * Simplified: totalreserve_pages is recomputed from the zones as printed now, using high − boost
 * (the kernel computed it when the watermarks were last set, before any boost). A zoneinfo cut
 * with `grep -A4` keeps only free/min/low/high; the reserves are then left unknown.
 */
import type { Problem, ZoneinfoResult, ZoneinfoZone } from "./types.js";

/** Decodes /proc/zoneinfo text. Never throws. */
export function decodeZoneinfo(text: string): ZoneinfoResult {
  const missing: Problem[] = [];
  const warnings: Problem[] = [];
  const zones: ZoneinfoZone[] = [];
  const nodeStats: ZoneinfoResult["nodeStats"] = [];
  let cur: ZoneinfoZone | null = null;
  let inNodeStats: { node: number; fields: Record<string, number> } | null = null;
  // After "pagesets" come per-cpu "count:/high:/batch:" lines that must not overwrite the
  // zone's own high watermark.
  let inPagesets = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (l === "" || l === "--") return;
    let m: RegExpExecArray | null;
    if ((m = /^Node (\d+), zone\s+(\S+)/.exec(l))) {
      cur = { node: Number(m[1]), zone: m[2], fields: {} };
      zones.push(cur);
      inNodeStats = null;
      inPagesets = false;
      return;
    }
    if (!cur) {
      warnings.push({ part: "line", message: `text before the first 'Node N, zone' header: '${l.slice(0, 50)}'`, line: i + 1 });
      return;
    }
    const z: ZoneinfoZone = cur;
    if (l === "pagesets") {
      inPagesets = true;
      return;
    }
    if (inPagesets && !/^(node_unreclaimable|start_pfn|vm stats threshold):/.test(l)) return;
    if (l === "per-node stats") {
      inNodeStats = { node: z.node, fields: {} };
      nodeStats.push(inNodeStats);
      return;
    }
    if ((m = /^protection: \(([\d,\s]*)\)/.exec(l))) {
      z.protection = m[1].split(",").map((s) => Number(s.trim())).filter((n) => Number.isFinite(n));
      return;
    }
    if ((m = /^pages free\s+(\d+)/.exec(l))) {
      inNodeStats = null;
      z.free = Number(m[1]);
      z.fields.free = z.free;
      return;
    }
    if ((m = /^([a-z_][\w ]*?):?\s+(-?\d+)$/.exec(l))) {
      const k = m[1];
      const v = Number(m[2]);
      // The per-node block comes first under the first zone of each node and ends at "pages free".
      if (inNodeStats) inNodeStats.fields[k] = v;
      else {
        z.fields[k] = v;
        if (k === "min") z.min = v;
        else if (k === "low") z.low = v;
        else if (k === "high") z.high = v;
        else if (k === "managed") z.managed = v;
        else if (k === "present") z.present = v;
      }
      return;
    }
    // pagesets / cpu: / count: lines and the like carry per-cpu detail the decoder does not use.
  });
  if (zones.length === 0) missing.push({ part: "zones", message: "no 'Node N, zone NAME' header" });
  const res: ZoneinfoResult = { kind: "zoneinfo", zones, nodeStats, missing, warnings };
  const populated = zones.filter((z) => z.low !== undefined);
  if (populated.length > 0) res.wmark_low_pages = populated.reduce((a, z) => a + (z.low ?? 0), 0);
  if (zones.length > 0 && zones.every((z) => z.high !== undefined && z.managed !== undefined && z.protection !== undefined)) {
    let reserve = 0;
    for (const z of zones) {
      // max(lowmem_reserve[j] for j >= i) + high, capped at managed (calculate_totalreserve_pages).
      const idx = zones.filter((o) => o.node === z.node).indexOf(z);
      const prot = z.protection!.slice(idx);
      let max = prot.length > 0 ? Math.max(0, ...prot) : 0;
      max += (z.high ?? 0) - (z.fields.boost ?? 0);
      if (max > (z.managed ?? 0)) max = z.managed ?? 0;
      reserve += max;
    }
    res.totalreserve_pages = reserve;
  } else if (zones.length > 0) missing.push({ part: "totalreserve", message: "managed/high/protection not printed for every zone: totalreserve_pages unknown" });
  return res;
}
