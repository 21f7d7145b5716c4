/**
 * View 4, reclaim and swap: the five LRU lists over time, kswapd's activity and direct reclaim
 * (allocation stalls), scan and steal rates of both, workingset refaults, pressure stall
 * information (the share of time some or all tasks stalled on memory), swap used and the swap
 * I/O rates, and each block device's I/O (/sys/block/<dev>/stat's reads, writes, sectors and merges:
 * the swap device's traffic). Rates are per second of simulated time between consecutive samples.
 */
import { useSession } from "../hooks.js";
import { Chart, chartSeries, unitFormat } from "../components/chart.js";
import { OKABE_ITO } from "../palette.js";
import { chartDefs } from "../../../src/api/charts.js";

/** The test id each chart has (the browser tests find the PSI chart by it). */
const TESTIDS: Record<string, string> = { lru: "chart-lru", psi: "chart-psi", "blk.0": "chart-blk" };

export function ReclaimView() {
  const s = useSession();
  if (!s.layout || s.nSamples === 0) return <div class="empty">Booting the machine…</div>;
  const kswapdMarks = s.events.filter((e) => e.event === "mm_vmscan_kswapd_wake" || e.event === "mm_vmscan_direct_reclaim_begin").map((e) => ({ t: e.t, colour: e.event === "mm_vmscan_kswapd_wake" ? OKABE_ITO.sky : OKABE_ITO.vermillion }));
  // The charts `mmsim run --plot` draws too (src/api/charts.ts).
  const defs = chartDefs({ ...s.layout, disks: s.disks }, ["lru", "reclaim", "scan", "workingset", "psi", "swap", "blk"]);
  return (
    <div class="grid2">
      {defs.map((d) => (
        <div class="panel" key={d.key}>
          <Chart title={d.title} unit={unitFormat(d.unit)} series={chartSeries(d, s)} marks={d.group === "reclaim" ? kswapdMarks : undefined} testid={TESTIDS[d.key]} />
          {d.group === "swap" && <p class="hint">pswpin/pswpout are the machine's pages; each device's own traffic is in its chart below.</p>}
        </div>
      ))}
      {s.disks.length === 0 && (
        <div class="panel">
          <p class="dim" data-testid="no-disks">No block device yet: per-device I/O appears once a disk or a swap area exists (a swapon adds one).</p>
        </div>
      )}
    </div>
  );
}
