/**
 * View 4, reclaim and swap: the five LRU lists over time, kswapd's activity and direct reclaim
 * (allocation stalls), scan and steal rates of both, workingset refaults, pressure stall
 * information (the share of time some or all tasks stalled on memory), swap used and the swap
 * I/O rates. Rates are per second of simulated time between consecutive samples.
 */
import { useSession } from "../hooks.js";
import { Chart, type SeriesSpec } from "../components/chart.js";
import { LRU_COLOURS, OKABE_ITO } from "../palette.js";
import { fmtPages } from "../format.js";
import type { Session } from "../session.js";

function rate(s: Session, names: string[]): (i: number) => number {
  return (i) => {
    if (i <= 0) return 0;
    const dt = s.samples[i * s.stride] - s.samples[(i - 1) * s.stride];
    if (dt <= 0) return 0;
    let d = 0;
    for (const n of names) d += s.value(i, n) - s.value(i - 1, n);
    return (d / dt) * 1e9;
  };
}

const perSec = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M/s` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k/s` : `${Math.round(v)}/s`);
const pct = (v: number): string => `${v.toFixed(0)}%`;

export function ReclaimView() {
  const s = useSession();
  if (!s.layout || s.nSamples === 0) return <div class="empty">Booting the machine…</div>;
  const v = (name: string) => (i: number) => s.value(i, name);
  const kswapdMarks = s.events.filter((e) => e.event === "mm_vmscan_kswapd_wake" || e.event === "mm_vmscan_direct_reclaim_begin").map((e) => ({ t: e.t, colour: e.event === "mm_vmscan_kswapd_wake" ? OKABE_ITO.sky : OKABE_ITO.vermillion }));
  const nodes = Array.from({ length: s.layout.nodes }, (_, n) => n);
  const lru: SeriesSpec[] = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"].map((n, i) => ({ label: n.replace(/^nr_/, ""), colour: LRU_COLOURS[i], values: v(n), width: 1.8 }));
  const stall = (name: string) => (i: number) => Math.min(100, rate(s, [name])(i) / 1e7);
  return (
    <div class="grid2">
      <div class="panel">
        <Chart title="LRU lists (all nodes)" unit={fmtPages} series={lru} testid="chart-lru" />
      </div>
      <div class="panel">
        <Chart
          title="who reclaims: kswapd running, direct reclaim stalls"
          marks={kswapdMarks}
          series={[
            ...nodes.map((n) => ({ label: `kswapd${n} running`, colour: OKABE_ITO.sky, values: v(`kswapd.${n}`), fill: "rgba(86,180,233,0.18)" })),
            { label: "allocstall /s ÷ 1000", colour: OKABE_ITO.vermillion, values: (i: number) => rate(s, ["allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable"])(i) / 1000 },
          ]}
        />
      </div>
      <div class="panel">
        <Chart
          title="scan and steal rates (pages/s)"
          unit={perSec}
          series={[
            { label: "pgscan_kswapd", colour: OKABE_ITO.sky, values: rate(s, ["pgscan_kswapd"]) },
            { label: "pgsteal_kswapd", colour: OKABE_ITO.blue, values: rate(s, ["pgsteal_kswapd"]) },
            { label: "pgscan_direct", colour: OKABE_ITO.orange, values: rate(s, ["pgscan_direct"]) },
            { label: "pgsteal_direct", colour: OKABE_ITO.vermillion, values: rate(s, ["pgsteal_direct"]) },
          ]}
        />
      </div>
      <div class="panel">
        <Chart
          title="workingset: refaults and activations (pages/s)"
          unit={perSec}
          series={[
            { label: "refault_anon", colour: OKABE_ITO.blue, values: rate(s, ["workingset_refault_anon"]) },
            { label: "refault_file", colour: OKABE_ITO.green, values: rate(s, ["workingset_refault_file"]) },
            { label: "activate_anon", colour: OKABE_ITO.sky, values: rate(s, ["workingset_activate_anon"]), dash: [4, 3] },
          ]}
        />
      </div>
      <div class="panel">
        <Chart
          title="pressure stall: share of time stalled on memory (and I/O)"
          unit={pct}
          testid="chart-psi"
          series={[
            { label: "memory some", colour: OKABE_ITO.orange, values: stall("psi.mem_some") },
            { label: "memory full", colour: OKABE_ITO.vermillion, values: stall("psi.mem_full") },
            { label: "io some", colour: OKABE_ITO.purple, values: stall("psi.io_some"), dash: [4, 3] },
          ]}
        />
      </div>
      <div class="panel">
        <Chart
          title="swap: used, and I/O (pages/s ÷ 100)"
          unit={fmtPages}
          series={[
            { label: "swap used", colour: OKABE_ITO.purple, values: (i) => s.value(i, "swap_total") - s.value(i, "swap_free"), width: 2, fill: "rgba(204,121,167,0.15)" },
            { label: "swap cache", colour: OKABE_ITO.yellow, values: v("nr_swapcached") },
            { label: "pswpout ÷ 100", colour: OKABE_ITO.vermillion, values: (i) => rate(s, ["pswpout"])(i) / 100 },
            { label: "pswpin ÷ 100", colour: OKABE_ITO.green, values: (i) => rate(s, ["pswpin"])(i) / 100 },
          ]}
        />
        <p class="hint">Simplified: the swap I/O rates are the machine's (pswpin/pswpout), not per device.</p>
      </div>
    </div>
  );
}
