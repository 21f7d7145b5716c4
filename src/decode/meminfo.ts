/**
 * Reads /proc/meminfo of any kernel (and a node's /sys/devices/system/node/nodeN/meminfo), explains each field, recomputes MemAvailable as 6.1's
 * si_mem_available does (showing its terms), and shows used / buff/cache / available as
 * procps-ng 4 `free` computes them.
 *
 * @kernel fs/proc/meminfo.c meminfo_proc_show
 * @kernel mm/page_alloc.c si_mem_available, calculate_totalreserve_pages
 *
 * si_mem_available needs two figures meminfo does not print: the sum of the zones' low
 * watermarks and totalreserve_pages. Given a /proc/zoneinfo (decodeZoneinfo) they are exact;
 * without one they are taken as 0, which makes the computed value an upper bound, and the
 * difference from the printed MemAvailable says how large they were.
 *
 * procps-ng 4 (sysinfo/meminfo.c, 4.0.1 and later): used = MemTotal − MemAvailable (falling back
 * to MemTotal − MemFree when that is negative or MemAvailable is absent), buff/cache = Buffers +
 * Cached + SReclaimable, shared = Shmem.
 */
import { MEMINFO_DOCS } from "./fielddocs.js";
import type { FieldDoc, MeminfoResult, Problem, ZoneinfoResult } from "./types.js";

/** Parses "Key:   123 kB" lines. */
export function parseMeminfoFields(text: string, warnings: Problem[]): Record<string, number> {
  const fields: Record<string, number> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    // /sys/devices/system/node/nodeN/meminfo prefixes each line with "Node N ".
    const m = /^(?:Node \d+ )?([A-Za-z][\w()]*):\s+(-?\d+)(?:\s*kB)?\s*$/.exec(l);
    if (!m) {
      warnings.push({ part: "line", message: `not a meminfo line: '${l.slice(0, 60)}'`, line: i + 1 });
      return;
    }
    fields[m[1]] = Number(m[2]);
  });
  return fields;
}

/**
 * si_mem_available over meminfo fields (kB); `wmarkLowKb` and `totalreserveKb` from zoneinfo.
 * @kernel mm/page_alloc.c si_mem_available
 */
export function si_mem_available(f: Record<string, number>, wmarkLowKb: number, totalreserveKb: number): { kB: number; terms: Record<string, number> } {
  const free = f.MemFree ?? 0;
  const pagecache = (f["Active(file)"] ?? 0) + (f["Inactive(file)"] ?? 0);
  // KReclaimable = SReclaimable + NR_KERNEL_MISC_RECLAIMABLE (4.20+); older kernels only SReclaimable.
  const reclaimable = f.KReclaimable ?? f.SReclaimable ?? 0;
  // Integer halving in kB equals the kernel's halving in pages (kB values are multiples of 4).
  const keepCache = Math.min(Math.floor(pagecache / 8) * 4, wmarkLowKb);
  const keepReclaim = Math.min(Math.floor(reclaimable / 8) * 4, wmarkLowKb);
  let avail = free - totalreserveKb + (pagecache - keepCache) + (reclaimable - keepReclaim);
  if (avail < 0) avail = 0;
  return {
    kB: avail,
    terms: {
      MemFree: free,
      totalreserve: -totalreserveKb,
      pagecache,
      pagecache_kept: -keepCache,
      reclaimable,
      reclaimable_kept: -keepReclaim,
      wmark_low: wmarkLowKb,
    },
  };
}

/** procps-ng 4 `free` figures (kB). */
export function procpsFree(f: Record<string, number>): NonNullable<MeminfoResult["free"]> {
  const total = f.MemTotal ?? 0;
  const free = f.MemFree ?? 0;
  let available = f.MemAvailable ?? 0;
  if (available === 0) available = free;
  if (available > total) available = free; // procps: lxc containers show host values
  let used = total - available;
  if (used < 0) used = total - free;
  const swapTotal = f.SwapTotal ?? 0;
  const swapFree = f.SwapFree ?? 0;
  return {
    total,
    used,
    free,
    shared: f.Shmem ?? 0,
    buff_cache: (f.Buffers ?? 0) + (f.Cached ?? 0) + (f.SReclaimable ?? 0),
    available,
    swap_total: swapTotal,
    swap_used: swapFree < swapTotal ? swapTotal - swapFree : 0,
    swap_free: swapFree,
  };
}

/**
 * Decodes /proc/meminfo text. Never throws.
 * @param zoneinfo an already decoded /proc/zoneinfo of the same moment, for exact MemAvailable
 */
export function decodeMeminfo(text: string, zoneinfo?: ZoneinfoResult): MeminfoResult {
  const missing: Problem[] = [];
  const warnings: Problem[] = [];
  const fields = parseMeminfoFields(text, warnings);
  const docs: FieldDoc[] = Object.entries(fields).map(([key, value]) => {
    const d: FieldDoc = { key, value, unit: key.startsWith("HugePages_") ? "pages" : "kB" };
    const meaning = MEMINFO_DOCS[key];
    if (meaning) d.meaning = meaning;
    return d;
  });
  for (const k of ["MemTotal", "MemFree", "Cached", "SwapTotal"]) if (fields[k] === undefined) missing.push({ part: k, message: `no ${k} line` });
  const res: MeminfoResult = { kind: "meminfo", fields, docs, missing, warnings };
  if (fields.MemFree !== undefined && (fields["Active(file)"] !== undefined || fields.SReclaimable !== undefined)) {
    const known = zoneinfo?.wmark_low_pages !== undefined && zoneinfo.totalreserve_pages !== undefined;
    const wl = known ? zoneinfo!.wmark_low_pages! * 4 : 0;
    const tr = known ? zoneinfo!.totalreserve_pages! * 4 : 0;
    const { kB, terms } = si_mem_available(fields, wl, tr);
    const mem: NonNullable<MeminfoResult["memAvailable"]> = {
      computed_kB: kB,
      terms,
      watermarksKnown: known,
      note: known
        ? "computed with the low watermarks and totalreserve_pages of the zoneinfo given"
        : "zone watermarks unknown (pass /proc/zoneinfo): taken as 0, so this is an upper bound",
    };
    if (fields.MemAvailable !== undefined) {
      mem.printed_kB = fields.MemAvailable;
      if (!known && fields.MemAvailable <= kB) mem.note += `; the printed value is ${kB - fields.MemAvailable} kB lower, which is totalreserve plus the kept cache`;
      if (known && Math.abs(fields.MemAvailable - kB) > 4) warnings.push({ part: "MemAvailable", message: `printed ${fields.MemAvailable} kB, recomputed ${kB} kB: files read at different moments?` });
    } else mem.note += "; this kernel (before 3.14) does not print MemAvailable";
    res.memAvailable = mem;
  }
  if (fields.MemTotal !== undefined) res.free = procpsFree(fields);
  return res;
}
