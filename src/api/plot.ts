/**
 * The explorer's time-series charts without a browser: `mmsim run X --plot FILE.svg
 * [--series free,lru,psi,…]`. A PlotRecorder samples the machine's counters as the explorer's
 * recorder does (src/api/inspect.ts sampleCounters, at the run's clock moves: every 20 µs of
 * simulated time at first, the interval doubling every 4000 samples), and draws the chosen
 * series from the chart definitions the explorer's Zones and Reclaim views draw
 * (src/api/charts.ts: the same quantities, labels, colours and rates per second of simulated time
 * between consecutive samples), stacked in one SVG document by the project's one SVG writer
 * (src/replay/svg.ts).
 */
import { stackedChartsSvg, type ChartSeries, type LineChartOptions } from "../replay/index.js";
import type { Machine } from "../sim/index.js";
import { CHART_GROUPS, chartDefs, type ChartGroup, type SampleSource } from "./charts.js";
import { blockDevices, machineLayout, memcgs, sampleCounters, sampleLayout } from "./inspect.js";

/** The chart groups --series names, in the order they are drawn (src/api/charts.ts). */
export const PLOT_SERIES = CHART_GROUPS;
export type PlotSeries = ChartGroup;
/** What --plot draws without --series. */
export const DEFAULT_PLOT_SERIES: readonly PlotSeries[] = Object.freeze(["free", "lru", "psi", "swap"] as const);
/** Most samples a recorder keeps: past it, every other one is dropped and the interval doubles. */
export const MAX_PLOT_SAMPLES = 100_000;

/** A --series list's mistake, or undefined: unknown names are named with the known ones. */
export function plotSeriesProblem(names: readonly string[]): string | undefined {
  const bad = names.filter((n) => !(PLOT_SERIES as readonly string[]).includes(n));
  if (names.length === 0) return "no series named: expected some of " + PLOT_SERIES.join(", ");
  return bad.length ? `unknown series ${bad.map((b) => `"${b}"`).join(", ")}: expected ${PLOT_SERIES.join(", ")}` : undefined;
}

/** Samples a machine's counters as a run goes, and draws them. */
export class PlotRecorder implements SampleSource {
  private readonly names: string[];
  private readonly index: Record<string, number>;
  private readonly stride: number;
  private buf: Float64Array;
  private n = 0;
  private interval = 20_000;
  private nextAt = 0;
  private sinceDoubling = 0;

  constructor(private readonly m: Machine) {
    const sl = sampleLayout(m);
    this.names = sl.names;
    this.index = sl.index;
    this.stride = sl.names.length;
    this.buf = new Float64Array(this.stride * 1024);
  }

  /** Takes a sample if one is due (call it at every clock move: RunOptions.onClock). */
  sample(): void {
    if (this.m.now < this.nextAt) return;
    this.take();
    this.nextAt = this.m.now + this.interval;
  }

  /** Takes a sample now, due or not (the run's end). */
  take(): void {
    if ((this.n + 1) * this.stride > this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    sampleCounters(this.m, this.buf, this.n * this.stride);
    this.n++;
    // Dense at first, sparser as the run goes on, as the explorer's recorder samples.
    if (++this.sinceDoubling === 4000) {
      this.sinceDoubling = 0;
      this.interval *= 2;
    }
    if (this.n >= MAX_PLOT_SAMPLES) this.thin();
  }

  /** Samples taken so far. */
  get count(): number {
    return this.n;
  }

  private thin(): void {
    const st = this.stride;
    let k = 0;
    for (let i = 0; i < this.n; i += 2, k++) this.buf.copyWithin(k * st, i * st, i * st + st);
    this.n = k;
    this.interval *= 2;
  }

  /** Simulated ns of sample i. */
  time(i: number): number {
    return this.buf[i * this.stride];
  }

  /** Counter `name` at sample i (0 for a name the machine does not sample). */
  value(i: number, name: string): number {
    const j = this.index[name];
    return j === undefined ? 0 : this.buf[i * this.stride + j];
  }

  /**
   * The chosen chart groups as one SVG document (see PLOT_SERIES), titled with `title`.
   * @throws RangeError for an unknown series name.
   */
  svg(series: readonly string[], title: string): string {
    const bad = plotSeriesProblem(series);
    if (bad) throw new RangeError(bad);
    const charts = chartDefs({ ...machineLayout(this.m), disks: blockDevices(this.m), memcgs: memcgs(this.m) }, series as readonly PlotSeries[]).map((c) => ({
      series: c.lines.map((l): ChartSeries => {
        const points: Array<[number, number]> = [];
        for (let i = 0; i < this.n; i++) points.push([this.time(i) / 1e9, l.value(this, i)]);
        return { label: l.label, points, colour: l.colour, ...(l.style ? { dashed: true } : {}) };
      }),
      opts: { title: `${title}: ${c.title}`, xLabel: "simulated time since boot (s)", yLabel: c.yLabel, height: 360, ...(c.yMin !== undefined ? { yMin: c.yMin } : {}), ...(c.yMax !== undefined ? { yMax: c.yMax } : {}) } satisfies LineChartOptions,
    }));
    return stackedChartsSvg(charts);
  }
}
