/**
 * `slabtop -o` (procps-ng 4.0.x, src/slabtop.c over library/slabinfo.c), computed from
 * /proc/slabinfo text the way the tool computes it (parse_slabinfo20):
 * - per cache: cache_size = num_slabs * pagesperslab * page_size (the upper bound: it ignores
 *   slab order fallbacks, as slabtop's own comment says); use = (unsigned)(100 * ((float)
 *   active_objs / num_objs)), a C float, truncated; 0 for an empty cache;
 * - summary: objects, slabs and caches summed (a cache is "active" when num_objs != 0),
 *   active/total size = Σ active_objs·objsize / Σ num_objs·objsize, min and max objsize over all
 *   caches (empty ones too), average = total size / total objects in integer division.
 * Printed as print_summary, print_headings ("%-78s") and print_details
 * ("%6u %6u %3u%% %7.2fK %6u %8u %9luK %-23s"), every cache (no screen height with -o).
 *
 * Sort (-s, set_sort_stuff; the letter is case-insensitive, an unknown letter means the default):
 *   a active objects, b objects per slab, c cache size, l slabs, v active slabs (not shown),
 *   n name (the only ascending one), o objects (the default), p pages per slab (not shown),
 *   s object size, u utilization; all others descending.
 * Ties keep /proc/slabinfo's order: procps sorts with glibc's qsort, which is a stable merge
 * sort for arrays this small. Simplified: only the one-shot -o form (no -d delay, no curses
 * screen); page_size is x86-64's 4096.
 */
import { fixed1, fixedN, rjust } from "./common.js";

export interface SlabtopOptions {
  /** -s: one of a b c l v n o p s u (case-insensitive); anything else sorts by objects. */
  sort?: string;
}

/** One /proc/slabinfo row as slabtop reads it (slabs_node). */
interface SlabNode {
  name: string;
  nr_active_objs: number;
  nr_objs: number;
  obj_size: number;
  objs_per_slab: number;
  pages_per_slab: number;
  nr_active_slabs: number;
  nr_slabs: number;
  cache_size: number;
  use: number;
}

/** getpagesize() on x86-64. */
const PAGE_SIZE = 4096;

/** The sort letters slabtop's -s accepts (set_sort_stuff), each with its key. */
const SORT_KEYS: Readonly<Record<string, (n: SlabNode) => number>> = Object.freeze({
  o: (n: SlabNode) => n.nr_objs,
  a: (n: SlabNode) => n.nr_active_objs,
  s: (n: SlabNode) => n.obj_size,
  b: (n: SlabNode) => n.objs_per_slab,
  p: (n: SlabNode) => n.pages_per_slab,
  l: (n: SlabNode) => n.nr_slabs,
  v: (n: SlabNode) => n.nr_active_slabs,
  c: (n: SlabNode) => n.cache_size,
  u: (n: SlabNode) => n.use,
});

/** The letters -s takes, as slabtop's usage lists them. */
export const SLABTOP_SORT_LETTERS = "abclvnopsu";

/** "slabinfo - version: 2.x" rows → nodes; lines that do not scan (header, comments) are skipped. */
function parseSlabinfo(text: string): SlabNode[] {
  const out: SlabNode[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.startsWith("slabinfo")) continue;
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*:\s*tunables\s+\d+\s+\d+\s+\d+\s*:\s*slabdata\s+(\d+)\s+(\d+)/.exec(line);
    if (!m) continue;
    const nr_active_objs = Number(m[2]);
    const nr_objs = Number(m[3]);
    const pages_per_slab = Number(m[6]);
    const nr_slabs = Number(m[8]);
    out.push({
      name: m[1],
      nr_active_objs,
      nr_objs,
      obj_size: Number(m[4]),
      objs_per_slab: Number(m[5]),
      pages_per_slab,
      nr_active_slabs: Number(m[7]),
      nr_slabs,
      cache_size: nr_slabs * pages_per_slab * PAGE_SIZE,
      // (unsigned int)(100 * ((float)nr_active_objs / nr_objs)): float arithmetic, truncated.
      use: nr_objs ? Math.trunc(Math.fround(100 * Math.fround(Math.fround(nr_active_objs) / Math.fround(nr_objs)))) : 0,
    });
  }
  return out;
}

/** printf("%.1f", 100.0 * a / b): glibc prints 0.0/0.0 (x86's default NaN, sign set) as "-nan". */
function pct(a: number, b: number): string {
  return b === 0 ? (a === 0 ? "-nan" : "inf") : fixed1((100 * a) / b);
}

/** slabtop -o's output for a /proc/slabinfo text. */
export function formatSlabtop(slabinfo: string, o: SlabtopOptions = {}): string {
  const nodes = parseSlabinfo(slabinfo);
  let objs = 0, aobjs = 0, slabs = 0, aslabs = 0, acaches = 0, total = 0, active = 0;
  let min = nodes.length ? Infinity : 0x7fffffff; // INT_MAX when there is no cache at all
  let max = 0;
  for (const n of nodes) {
    min = Math.min(min, n.obj_size);
    max = Math.max(max, n.obj_size);
    if (n.nr_objs) acaches++;
    objs += n.nr_objs;
    aobjs += n.nr_active_objs;
    slabs += n.nr_slabs;
    aslabs += n.nr_active_slabs;
    total += n.nr_objs * n.obj_size;
    active += n.nr_active_objs * n.obj_size;
  }
  const avg = objs ? Math.trunc(total / objs) : 0;
  const k2 = (bytes: number): string => `${fixedN(bytes / 1024, 2)}K`;
  const label = (s: string): string => ` ${s.padEnd(35)}: `;
  const L: string[] = [
    `${label("Active / Total Objects (% used)")}${aobjs} / ${objs} (${pct(aobjs, objs)}%)`,
    `${label("Active / Total Slabs (% used)")}${aslabs} / ${slabs} (${pct(aslabs, slabs)}%)`,
    `${label("Active / Total Caches (% used)")}${acaches} / ${nodes.length} (${pct(acaches, nodes.length)}%)`,
    `${label("Active / Total Size (% used)")}${k2(active)} / ${k2(total)} (${pct(active, total)}%)`,
    `${label("Minimum / Average / Maximum Object")}${k2(min)} / ${k2(avg)} / ${k2(max)}`,
    "",
    "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME".padEnd(78),
  ];
  const letter = (o.sort ?? "o").charAt(0).toLowerCase();
  const sorted = nodes.slice();
  if (letter === "n") sorted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  else {
    const key = SORT_KEYS[letter] ?? SORT_KEYS.o;
    sorted.sort((a, b) => key(b) - key(a));
  }
  for (const n of sorted) {
    L.push(
      `${rjust(n.nr_objs, 6)} ${rjust(n.nr_active_objs, 6)} ${rjust(n.use, 3)}% ${rjust(fixedN(n.obj_size / 1024, 2), 7)}K ` +
        `${rjust(n.nr_slabs, 6)} ${rjust(n.objs_per_slab, 8)} ${rjust(Math.trunc(n.cache_size / 1024), 9)}K ${n.name.padEnd(23)}`,
    );
  }
  return L.join("\n") + "\n";
}
