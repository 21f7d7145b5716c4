/**
 * View 2, zones and the allocator: each zone's free pages against its min/low/high watermarks
 * (and the boost a fragmenting fallback adds) over simulated time, with fallbacks, allocation
 * failures and kswapd wake-ups ticked on the time axis; the free_area grid (order × migratetype,
 * as /proc/pagetypeinfo counts it) and each CPU's pcp lists at the cursor.
 */
import { useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { Chart, chartSeries } from "../components/chart.js";
import { chartDefs } from "../../../src/api/charts.js";
import { MT_COLOURS, OKABE_ITO } from "../palette.js";
import { fmtPages, fmtTime } from "../format.js";

const unitPages = (v: number): string => fmtPages(v);

export function ZonesView() {
  const s = useSession();
  const [near, setNear] = useState(true);
  const layout = s.layout;
  const fr = s.frameAt(s.t);
  if (!layout || !fr) return <div class="empty">Booting the machine…</div>;
  /** With "near the watermarks", each chart's y axis ends at 4 × the zone's highest high (+ boost) of the run. */
  const yMaxOf = (key: string): number | undefined => {
    if (!near) return undefined;
    let m = 0;
    for (let i = 0; i < s.nSamples; i++) m = Math.max(m, s.value(i, `${key}.high`) + s.value(i, `${key}.boost`));
    return m > 0 ? m * 4 : undefined;
  };
  // Each zone's free pages and watermarks: the charts `mmsim run --plot --series free` draws (src/api/charts.ts).
  const freeCharts = chartDefs(layout, ["free"]);
  const marks = s.events
    .filter((e) => e.event === "mm_page_alloc_extfrag" || e.event === "alloc_failure" || e.event === "mm_vmscan_wakeup_kswapd")
    .map((e) => ({ t: e.t, colour: e.event === "alloc_failure" ? OKABE_ITO.vermillion : e.event === "mm_page_alloc_extfrag" ? OKABE_ITO.orange : OKABE_ITO.sky }));
  return (
    <div>
      <div class="toolbar">
        <label class="field">
          <input type="checkbox" checked={near} onChange={(e) => setNear((e.currentTarget as HTMLInputElement).checked)} data-testid="near-watermarks" />
          <span>y axis near the watermarks</span>
        </label>
        <span class="dim small">(off: the whole range of free memory)</span>
      </div>
    <div class="grid2">
      {layout.zones.map((z) => {
        const d = fr.frame.zones.find((x) => x.id === z.id);
        const key = `zone.${z.id}`;
        const def = freeCharts.find((c) => c.key === key);
        return (
          <div class="panel" key={z.id} data-testid={`zone-${z.name}`}>
            {def && <Chart title={def.title} unit={unitPages} marks={marks} yMax={yMaxOf(key)} series={chartSeries(def, s)} />}
            <p class="hint">
              Ticks on top: <span style={{ color: OKABE_ITO.sky }}>kswapd woken</span>, <span style={{ color: OKABE_ITO.orange }}>migratetype fallback</span>, <span style={{ color: OKABE_ITO.vermillion }}>allocation failure</span>. Watermarks include the boost (wmark_pages).
            </p>
            {d && (
              <>
                <h4>
                  free_area at {fmtTime(fr.frame.t)}
                  {fr.exact ? "" : " (recorded map)"} — free blocks by order and migratetype, as /proc/pagetypeinfo
                </h4>
                <table class="data heat" data-testid={`freearea-${z.name}`}>
                  <thead>
                    <tr>
                      <th class="l">order</th>
                      {d.nrFree.map((_, o) => (
                        <th key={o}>{o}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {layout.migratetypes.map((mt, m) => {
                      const max = Math.max(1, ...d.freeByType.map((r) => r[m]));
                      return (
                        <tr key={mt}>
                          <td class="l">
                            <i style={{ display: "inline-block", width: 8, height: 8, background: MT_COLOURS[m], marginRight: 6 }} />
                            {mt}
                          </td>
                          {d.freeByType.map((row, o) => (
                            <td key={o} style={{ background: row[m] ? `color-mix(in srgb, ${MT_COLOURS[m]} ${Math.round(12 + 50 * Math.sqrt(row[m] / max))}%, transparent)` : undefined }}>
                              {row[m]}
                            </td>
                          ))}
                        </tr>
                      );
                    })}
                    <tr>
                      <td class="l dim">nr_free</td>
                      {d.nrFree.map((n, o) => (
                        <td key={o} class="dim">
                          {n}
                        </td>
                      ))}
                    </tr>
                  </tbody>
                </table>
                <h4>per-CPU lists (pcp): pages waiting to be handed out without the zone lock; lists by pindex: orders 0–3 × Unmovable, Movable, Reclaimable, then the two THP lists</h4>
                <table class="data">
                  <thead>
                    <tr>
                      <th class="l">cpu</th>
                      <th>count</th>
                      <th>high</th>
                      <th>batch</th>
                      <th class="l">entries per list</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.pcp.map((c) => (
                      <tr key={c.cpu}>
                        <td class="l">{c.cpu}</td>
                        <td>{c.count}</td>
                        <td>{c.high}</td>
                        <td>{c.batch}</td>
                        <td class="l mono">{c.lists.join(" ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p class="hint">
                  free {fmtPages(d.free)} · min {fmtPages(d.min)} · low {fmtPages(d.low)} · high {fmtPages(d.high)} · boost {fmtPages(d.boost)} · managed {fmtPages(d.managed)}
                </p>
              </>
            )}
          </div>
        );
      })}
    </div>
    </div>
  );
}
