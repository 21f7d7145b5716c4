/**
 * The explorer's time-series charts as data: which sampled counters each chart draws, how (a
 * value, or a rate per second of simulated time between two consecutive samples), under which
 * title, label and colour. The explorer's Zones and Reclaim views (web/src/views) and
 * `mmsim run --plot` (plot.ts, through src/replay/svg.ts) both draw these definitions, so the
 * two show the same quantities by construction.
 *
 * Model-free: it reads samples through `SampleSource` (the names are src/api/inspect.ts
 * sampleLayout's) and imports nothing, so the explorer's page, which runs no model code, may
 * import it.
 */

/** The Okabe–Ito palette (distinguishable with the common colour-vision deficiencies). */
export const OKABE_ITO = Object.freeze({
  orange: "#E69F00",
  sky: "#56B4E9",
  green: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  grey: "#999999",
} as const);

/** LRU list colours, in LRU_NAMES order: inactive lighter, active deeper; unevictable purple. */
export const LRU_COLOURS = Object.freeze([OKABE_ITO.sky, OKABE_ITO.blue, "#7fd1b9", OKABE_ITO.green, OKABE_ITO.purple]);

/** The chart groups, in the order they are drawn (`--series` names them). */
export const CHART_GROUPS = Object.freeze(["free", "lru", "reclaim", "scan", "workingset", "psi", "swap", "blk", "memcg"] as const);
export type ChartGroup = (typeof CHART_GROUPS)[number];

/** Recorded samples: `count` of them, each a time (simulated ns) and named counters. */
export interface SampleSource {
  readonly count: number;
  /** Simulated ns of sample i. */
  time(i: number): number;
  /** Counter `name` at sample i (0 for a name the machine does not sample). */
  value(i: number, name: string): number;
}

/** One line of a chart. */
export interface ChartLine {
  readonly label: string;
  readonly colour: string;
  /** Solid (absent), dashed (a threshold, a secondary quantity) or dotted. */
  readonly style?: "dashed" | "dotted";
  /** The chart's main quantity: drawn wider, with the area under it shaded. */
  readonly main?: boolean;
  readonly value: (s: SampleSource, i: number) => number;
}

/** How a chart's values read: pages, a rate per second, a percentage, or a plain number. */
export type ChartUnit = "pages" | "perSecond" | "percent" | "plain";

/** One chart. */
export interface ChartDef {
  readonly group: ChartGroup;
  /** Unique among a machine's charts: `zone.<id>` for a zone's, else the group. */
  readonly key: string;
  readonly title: string;
  readonly yLabel: string;
  readonly unit: ChartUnit;
  readonly lines: readonly ChartLine[];
  /** A fixed y range, when the quantity has one (percentages). */
  readonly yMin?: number;
  readonly yMax?: number;
}

/** The machine's shape the charts depend on (MachineLayout's fields). */
export interface ChartLayout {
  readonly nodes: number;
  readonly zones: ReadonlyArray<{ readonly id: number; readonly node: number; readonly name: string }>;
  /**
   * The block devices and their sample slots (inspect.ts blockDevices; devices appear as the run
   * goes: a swapon adds one). Absent or empty: no "blk" charts.
   */
  readonly disks?: ReadonlyArray<{ readonly slot: number; readonly name: string; readonly sysfs: boolean; readonly holder: string | null }>;
  /** The memory cgroups and their sample slots (inspect.ts memcgs). Absent or empty: no "memcg" charts. */
  readonly memcgs?: ReadonlyArray<{ readonly slot: number; readonly path: string }>;
}

/**
 * The change of the sum of `names` from sample i-1 to i, per second of simulated time between
 * them (0 at the first sample and between two samples at the same time).
 */
export function sampleRate(s: SampleSource, names: readonly string[], i: number): number {
  if (i <= 0) return 0;
  const dt = s.time(i) - s.time(i - 1);
  if (dt <= 0) return 0;
  let d = 0;
  for (const n of names) d += s.value(i, n) - s.value(i - 1, n);
  return (d / dt) * 1e9;
}

const value = (name: string) => (s: SampleSource, i: number) => s.value(i, name);
const rate = (...names: string[]) => (s: SampleSource, i: number) => sampleRate(s, names, i);
const scaled = (f: (s: SampleSource, i: number) => number, by: number) => (s: SampleSource, i: number) => f(s, i) / by;
/** A PSI total (stalled ns) as the share of time stalled: ns per s ÷ 1e7 = %, at most 100. */
const stall = (name: string) => (s: SampleSource, i: number) => Math.min(100, sampleRate(s, [name], i) / 1e7);

/** The charts of `groups` (in CHART_GROUPS order) for a machine of this layout. */
export function chartDefs(layout: ChartLayout, groups: readonly ChartGroup[] = CHART_GROUPS): ChartDef[] {
  const want = new Set(groups);
  const out: ChartDef[] = [];
  for (const group of CHART_GROUPS) if (want.has(group)) out.push(...groupCharts(group, layout));
  return out;
}

function groupCharts(group: ChartGroup, layout: ChartLayout): ChartDef[] {
  switch (group) {
    case "free":
      // Watermarks as wmark_pages reads them: the zone's min/low/high plus its boost.
      return layout.zones.map((z) => {
        const key = `zone.${z.id}`;
        const wm = (w: string) => (s: SampleSource, i: number) => s.value(i, `${key}.${w}`) + s.value(i, `${key}.boost`);
        return {
          group,
          key,
          title: `Node ${z.node}, zone ${z.name}: free pages and watermarks`,
          yLabel: "pages",
          unit: "pages",
          lines: [
            { label: "free", colour: OKABE_ITO.blue, main: true, value: value(`${key}.free`) },
            { label: "min", colour: OKABE_ITO.vermillion, style: "dashed", value: wm("min") },
            { label: "low", colour: OKABE_ITO.orange, style: "dashed", value: wm("low") },
            { label: "high", colour: OKABE_ITO.green, style: "dashed", value: wm("high") },
            { label: "boost", colour: OKABE_ITO.purple, style: "dotted", value: value(`${key}.boost`) },
          ],
        };
      });
    case "lru":
      return [
        {
          group,
          key: group,
          title: "LRU lists (all nodes)",
          yLabel: "pages",
          unit: "pages",
          lines: ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"].map((n, k) => ({ label: n.replace(/^nr_/, ""), colour: LRU_COLOURS[k], value: value(n) })),
        },
      ];
    case "reclaim":
      return [
        {
          group,
          key: group,
          title: "who reclaims: kswapd running, direct reclaim stalls",
          yLabel: "running (1) / allocstall per s ÷ 1000",
          unit: "plain",
          lines: [
            ...Array.from({ length: layout.nodes }, (_, n): ChartLine => ({ label: `kswapd${n} running`, colour: OKABE_ITO.sky, main: true, value: value(`kswapd.${n}`) })),
            { label: "allocstall /s ÷ 1000", colour: OKABE_ITO.vermillion, value: scaled(rate("allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable"), 1000) },
          ],
        },
      ];
    case "scan":
      return [
        {
          group,
          key: group,
          title: "scan and steal rates (pages/s)",
          yLabel: "pages/s",
          unit: "perSecond",
          lines: [
            { label: "pgscan_kswapd", colour: OKABE_ITO.sky, value: rate("pgscan_kswapd") },
            { label: "pgsteal_kswapd", colour: OKABE_ITO.blue, value: rate("pgsteal_kswapd") },
            { label: "pgscan_direct", colour: OKABE_ITO.orange, value: rate("pgscan_direct") },
            { label: "pgsteal_direct", colour: OKABE_ITO.vermillion, value: rate("pgsteal_direct") },
          ],
        },
      ];
    case "workingset":
      return [
        {
          group,
          key: group,
          title: "workingset: refaults and activations (pages/s)",
          yLabel: "pages/s",
          unit: "perSecond",
          lines: [
            { label: "refault_anon", colour: OKABE_ITO.blue, value: rate("workingset_refault_anon") },
            { label: "refault_file", colour: OKABE_ITO.green, value: rate("workingset_refault_file") },
            { label: "activate_anon", colour: OKABE_ITO.sky, style: "dashed", value: rate("workingset_activate_anon") },
          ],
        },
      ];
    case "psi":
      return [
        {
          group,
          key: group,
          title: "pressure stall: share of time stalled on memory (and I/O)",
          yLabel: "% of time",
          unit: "percent",
          yMin: 0,
          yMax: 100,
          lines: [
            { label: "memory some", colour: OKABE_ITO.orange, value: stall("psi.mem_some") },
            { label: "memory full", colour: OKABE_ITO.vermillion, value: stall("psi.mem_full") },
            { label: "io some", colour: OKABE_ITO.purple, style: "dashed", value: stall("psi.io_some") },
          ],
        },
      ];
    case "swap":
      return [
        {
          group,
          key: group,
          title: "swap: used, and I/O (pages/s ÷ 100)",
          yLabel: "pages",
          unit: "pages",
          lines: [
            { label: "swap used", colour: OKABE_ITO.purple, main: true, value: (s, i) => s.value(i, "swap_total") - s.value(i, "swap_free") },
            { label: "swap cache", colour: OKABE_ITO.yellow, value: value("nr_swapcached") },
            { label: "pswpout ÷ 100", colour: OKABE_ITO.vermillion, value: scaled(rate("pswpout"), 100) },
            { label: "pswpin ÷ 100", colour: OKABE_ITO.green, value: scaled(rate("pswpin"), 100) },
          ],
        },
      ];
    case "blk":
      // One chart per sampled device: /sys/block/<dev>/stat's read and write columns as rates.
      // A sector is 512 bytes: kB/s = sectors/s ÷ 2.
      return (layout.disks ?? [])
        .filter((d) => d.slot >= 0)
        .map((d): ChartDef => {
          const f = (name: string) => `blk.${d.slot}.${name}`;
          const what = d.holder === "swap" ? "swap device" : "block device";
          return {
            group,
            key: `blk.${d.slot}`,
            title: `${what} ${d.name}: I/O (${d.sysfs ? `/sys/block/${d.name}/stat` : "a swap file's device, not in /sys/block"})`,
            yLabel: "kB/s, requests/s",
            unit: "perSecond",
            lines: [
              { label: "read kB/s", colour: OKABE_ITO.green, main: true, value: scaled(rate(f("rd_sectors")), 2) },
              { label: "written kB/s", colour: OKABE_ITO.vermillion, main: true, value: scaled(rate(f("wr_sectors")), 2) },
              { label: "read requests/s", colour: OKABE_ITO.sky, style: "dashed", value: rate(f("rd_ios")) },
              { label: "write requests/s", colour: OKABE_ITO.orange, style: "dashed", value: rate(f("wr_ios")) },
              { label: "merged reads/s", colour: OKABE_ITO.purple, style: "dotted", value: rate(f("rd_merges")) },
            ],
          };
        });
    case "memcg":
      // Two charts per sampled group: its usage against its limits (max and high are NaN, so
      // not drawn, while unlimited), and memory.events' counts so far.
      return (layout.memcgs ?? [])
        .filter((g) => g.slot >= 0)
        .flatMap((g): ChartDef[] => {
          const f = (name: string) => `memcg.${g.slot}.${name}`;
          return [
            {
              group,
              key: `memcg.${g.slot}`,
              title: `memory cgroup ${g.path}: memory.current against memory.max and memory.high`,
              yLabel: "pages",
              unit: "pages",
              lines: [
                { label: "memory.current", colour: OKABE_ITO.blue, main: true, value: value(f("current")) },
                { label: "memory.max", colour: OKABE_ITO.vermillion, style: "dashed", value: value(f("max")) },
                { label: "memory.high", colour: OKABE_ITO.orange, style: "dashed", value: value(f("high")) },
                { label: "memory.swap.current", colour: OKABE_ITO.purple, style: "dotted", value: value(f("swap")) },
              ],
            },
            {
              group,
              key: `memcg.${g.slot}.events`,
              title: `memory cgroup ${g.path}: memory.events so far`,
              yLabel: "events",
              unit: "plain",
              lines: [
                { label: "max", colour: OKABE_ITO.vermillion, main: true, value: value(f("ev.max")) },
                { label: "high", colour: OKABE_ITO.orange, value: value(f("ev.high")) },
                { label: "oom", colour: OKABE_ITO.purple, style: "dashed", value: value(f("ev.oom")) },
                { label: "oom_kill", colour: OKABE_ITO.blue, style: "dashed", value: value(f("ev.oom_kill")) },
              ],
            },
          ];
        });
  }
}
