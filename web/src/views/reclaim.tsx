/**
 * View 4, reclaim and swap: the five LRU lists over time, kswapd's activity and direct reclaim
 * (allocation stalls), scan and steal rates of both, workingset refaults, pressure stall
 * information (the share of time some or all tasks stalled on memory), swap used and the swap
 * I/O rates, and each block device's I/O (/sys/block/<dev>/stat's reads, writes, sectors and merges:
 * the swap device's traffic). A scenario with memory cgroups shows each group's memory.current against
 * its memory.max and memory.high, and its memory.events, first (the first four groups).
 * Rates are per second of simulated time between consecutive samples.
 */
import { useSession } from "../hooks.js";
import { fmtPages } from "../format.js";
import { Chart, chartSeries, unitFormat } from "../components/chart.js";
import { OKABE_ITO } from "../palette.js";
import { chartDefs } from "../../../src/api/charts.js";

/** The test id each chart has (the browser tests find the PSI chart by it). */
const TESTIDS: Record<string, string> = { lru: "chart-lru", psi: "chart-psi", "blk.0": "chart-blk", "memcg.0": "chart-memcg", "memcg.0.events": "chart-memcg-events" };

export function ReclaimView() {
  const s = useSession();
  if (!s.layout || s.nSamples === 0) return <div class="empty">Booting the machine…</div>;
  const kswapdMarks = s.events.filter((e) => e.event === "mm_vmscan_kswapd_wake" || e.event === "mm_vmscan_direct_reclaim_begin").map((e) => ({ t: e.t, colour: e.event === "mm_vmscan_kswapd_wake" ? OKABE_ITO.sky : OKABE_ITO.vermillion }));
  // The charts `mmsim run --plot` draws too (src/api/charts.ts).
  const lay = { ...s.layout, disks: s.disks, memcgs: s.memcgs };
  const defs = [...chartDefs(lay, ["memcg"]), ...chartDefs(lay, ["lru", "reclaim", "scan", "workingset", "psi", "swap", "blk"])];
  const oomMarks = s.events.filter((e) => e.event === "oom_kill" || e.event === "mark_victim").map((e) => ({ t: e.t, colour: OKABE_ITO.vermillion }));
  const at = s.sampleAt(s.t);
  const groups = s.memcgs.filter((g) => g.slot >= 0);
  const limit = (v: number): string => (Number.isFinite(v) ? fmtPages(v) : "max");
  return (
    <div class="grid2">
      {groups.length > 0 && (
        <div class="panel wide" data-testid="memcg-summary">
          <h3>memory cgroups at the cursor</h3>
          <table class="kv">
            <tbody>
              {groups.map((g) => {
                const v = (f: string): number => s.value(at, `memcg.${g.slot}.${f}`);
                return (
                  <tr key={g.id} data-memcg={g.path}>
                    <th>{g.path}{g.online ? "" : " (removed)"}</th>
                    <td>
                      memory.current {fmtPages(v("current"))} · max {limit(v("max"))} · high {limit(v("high"))} · swap {fmtPages(v("swap"))} · memory.events: max <b>{v("ev.max")}</b>, high <b>{v("ev.high")}</b>, oom <b>{v("ev.oom")}</b>, oom_kill <b data-field="oom_kill">{v("ev.oom_kill")}</b>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {s.memcgs.length > groups.length && <p class="hint">{s.memcgs.length - groups.length} more groups are not sampled (the first four are).</p>}
        </div>
      )}
      {defs.map((d) => (
        <div class="panel" key={d.key}>
          <Chart title={d.title} unit={unitFormat(d.unit)} series={chartSeries(d, s)} marks={d.group === "reclaim" ? kswapdMarks : d.group === "memcg" ? oomMarks : undefined} testid={TESTIDS[d.key]} />
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
