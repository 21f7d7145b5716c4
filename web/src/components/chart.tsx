/**
 * A uPlot time series over the recorded samples, with the cursor drawn as a line, optional
 * horizontal marks (watermarks are series of their own) and event ticks on the time axis.
 * Clicking the plot moves time there.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useSession } from "../hooks.js";
import { fmtPages, fmtTime } from "../format.js";
import type { ChartDef, ChartUnit, SampleSource } from "../../../src/api/charts.js";
import type { Session } from "../session.js";

export interface SeriesSpec {
  label: string;
  colour: string;
  /** Values per sample index. */
  values: (i: number) => number;
  dash?: number[];
  fill?: string;
  width?: number;
}

export interface ChartProps {
  title: string;
  series: SeriesSpec[];
  height?: number;
  unit?: (v: number) => string;
  /** Event times to tick on the axis, with their colour. */
  marks?: Array<{ t: number; colour: string }>;
  testid?: string;
  /** Upper end of the y axis (auto when absent). */
  yMax?: number;
}

/** Samples kept per chart: long runs are thinned (every k-th sample) to this many points. */
const MAX_POINTS = 4000;

export function Chart({ title, series, height = 180, unit, marks, testid, yMax }: ChartProps) {
  const s = useSession();
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  /** Whether the plot holds data yet: uPlot cannot draw its axes before. */
  const ready = useRef(false);
  const tRef = useRef(s.t);
  const marksRef = useRef(marks);
  tRef.current = s.t;
  marksRef.current = marks;
  const n = s.nSamples;

  // (Re)build when the series set, theme or size changes.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const dark = s.theme === "dark";
    const axis = { stroke: dark ? "#8a94a0" : "#66707b", grid: { stroke: dark ? "#1d242c" : "#eceef0", width: 1 }, ticks: { stroke: dark ? "#242c35" : "#dcdfe3", width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      title,
      scales: { x: { time: false }, ...(yMax !== undefined ? { y: { range: [0, yMax] as uPlot.Range.MinMax } } : {}) },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { ...axis, values: (_u, vals) => vals.map((v) => fmtTime(v)) },
        { ...axis, size: 78, values: (_u, vals) => vals.map((v) => (unit ? unit(v) : String(v))) },
      ],
      series: [{ label: "t", value: (_u, v) => (v === null ? "" : fmtTime(v)) }, ...series.map((sp) => ({ label: sp.label, stroke: sp.colour, width: sp.width ?? 1.5, dash: sp.dash, fill: sp.fill, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? "" : unit ? unit(v) : String(Math.round(v * 100) / 100)) }))],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { top, height: h } = u.bbox;
            for (const m of marksRef.current ?? []) {
              const x = Math.round(u.valToPos(m.t, "x", true));
              ctx.strokeStyle = m.colour;
              ctx.lineWidth = 1;
              ctx.beginPath();
              ctx.moveTo(x + 0.5, top);
              ctx.lineTo(x + 0.5, top + 6 * devicePixelRatio);
              ctx.stroke();
            }
            const x = Math.round(u.valToPos(tRef.current, "x", true));
            ctx.strokeStyle = dark ? "#F0E442" : "#b8860b";
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
          },
        ],
      },
    };
    const u = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, el);
    plot.current = u;
    ready.current = false;
    u.over.addEventListener("click", (e) => {
      const r = u.over.getBoundingClientRect();
      s.pause();
      s.seek(u.posToVal(e.clientX - r.left, "x"));
    });
    const ro = new ResizeObserver(() => {
      if (ready.current) u.setSize({ width: Math.max(200, el.clientWidth), height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [series.map((x) => x.label).join("|"), s.theme, height, title, yMax]);

  // New samples: refill the data (thinned).
  useEffect(() => {
    const u = plot.current;
    // uPlot cannot place axis ticks on a single x value: wait for two samples.
    if (!u || n < 2) return;
    const step = Math.max(1, Math.ceil(n / MAX_POINTS));
    const m = Math.ceil(n / step);
    const xs = new Float64Array(m);
    // A value that is not a number (memory.max while unlimited) is a gap: null to uPlot.
    const ys = series.map(() => new Array<number | null>(m));
    for (let k = 0, i = 0; i < n; i += step, k++) {
      xs[k] = s.samples[i * s.stride];
      for (let j = 0; j < series.length; j++) {
        const v = series[j].values(i);
        ys[j][k] = Number.isFinite(v) ? v : null;
      }
    }
    u.setData([xs, ...ys] as unknown as uPlot.AlignedData);
    ready.current = true;
  }, [n, plot.current, series.map((x) => x.label).join("|")]);

  // The cursor moved: redraw only.
  useEffect(() => {
    if (ready.current) plot.current?.redraw(false, false);
  }, [s.t]);

  return <div class="chart" ref={ref} data-testid={testid} />;
}

/** The session's recorded samples as the chart definitions read them (src/api/charts.ts). */
export function sessionSamples(s: Session): SampleSource {
  return { count: s.nSamples, time: (i) => s.samples[i * s.stride], value: (i, name) => s.value(i, name) };
}

/** A chart definition's lines as uPlot series over the session's samples: main lines wider and shaded. */
export function chartSeries(def: ChartDef, s: Session): SeriesSpec[] {
  const src = sessionSamples(s);
  return def.lines.map((l) => ({
    label: l.label,
    colour: l.colour,
    values: (i: number) => l.value(src, i),
    ...(l.style === "dashed" ? { dash: [4, 3] } : l.style === "dotted" ? { dash: [1, 3] } : {}),
    ...(l.main ? { width: 2, fill: `${l.colour}24` } : {}),
  }));
}

const perSecond = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M/s` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k/s` : `${Math.round(v)}/s`);

/** How a chart definition's unit reads on the axis and in the legend (undefined: plain numbers). */
export function unitFormat(unit: ChartUnit): ((v: number) => string) | undefined {
  if (unit === "pages") return (v) => fmtPages(v);
  if (unit === "perSecond") return perSecond;
  if (unit === "percent") return (v) => `${v.toFixed(0)}%`;
  return undefined;
}
