/**
 * The explorer's time-series charts without a browser: `mmsim run X --plot FILE.svg
 * [--series free,lru,psi,…]`. A PlotRecorder samples the machine's counters as the explorer's
 * recorder does (src/api/inspect.ts sampleCounters, at the run's clock moves: every 20 µs of
 * simulated time at first, the interval doubling every 4000 samples), and draws the chosen
 * series as the explorer's Zones and Reclaim views do — the same quantities, labels and rates
 * (per second of simulated time between consecutive samples) — stacked in one SVG document by
 * the project's one SVG writer (src/replay/svg.ts).
 */
import { stackedChartsSvg, type ChartSeries, type LineChartOptions } from "../replay/index.js";
import type { Machine } from "../sim/index.js";
import { machineLayout, sampleCounters, sampleLayout } from "./inspect.js";

/** The chart groups --series names, in the order they are drawn. */
export const PLOT_SERIES = Object.freeze(["free", "lru", "reclaim", "scan", "workingset", "psi", "swap"] as const);
export type PlotSeries = (typeof PLOT_SERIES)[number];
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
export class PlotRecorder {
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

  private v(i: number, name: string): number {
    const j = this.index[name];
    return j === undefined ? 0 : this.buf[i * this.stride + j];
  }

  private t(i: number): number {
    return this.buf[i * this.stride] / 1e9;
  }

  private line(label: string, f: (i: number) => number, extra: Partial<ChartSeries> = {}): ChartSeries {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < this.n; i++) points.push([this.t(i), f(i)]);
    return { label, points, ...extra };
  }

  /** Per second of simulated time between sample i-1 and i, of the sum of `names`. */
  private rate(names: readonly string[]): (i: number) => number {
    return (i) => {
      if (i <= 0) return 0;
      const dt = this.buf[i * this.stride] - this.buf[(i - 1) * this.stride];
      if (dt <= 0) return 0;
      let d = 0;
      for (const n of names) d += this.v(i, n) - this.v(i - 1, n);
      return (d / dt) * 1e9;
    };
  }

  /**
   * The chosen chart groups as one SVG document (see PLOT_SERIES), titled with `title`.
   * @throws RangeError for an unknown series name.
   */
  svg(series: readonly string[], title: string): string {
    const bad = plotSeriesProblem(series);
    if (bad) throw new RangeError(bad);
    const charts: Array<{ series: ChartSeries[]; opts: LineChartOptions }> = [];
    const x = "simulated time since boot (s)";
    const chart = (name: string, yLabel: string, lines: ChartSeries[], extra: Partial<LineChartOptions> = {}): void =>
      void charts.push({ series: lines, opts: { title: `${title}: ${name}`, xLabel: x, yLabel, height: 360, ...extra } });
    const want = new Set(series);
    const lay = machineLayout(this.m);
    for (const s of PLOT_SERIES) {
      if (!want.has(s)) continue;
      switch (s) {
        case "free":
          for (const z of lay.zones) {
            const key = `zone.${z.id}`;
            if (this.index[`${key}.free`] === undefined) continue;
            const wm = (w: string) => (i: number) => this.v(i, `${key}.${w}`) + this.v(i, `${key}.boost`);
            chart(`node ${z.node}, zone ${z.name}: free pages and watermarks`, "pages", [
              this.line("free", (i) => this.v(i, `${key}.free`)),
              this.line("min", wm("min"), { dashed: true, colour: "#D55E00" }),
              this.line("low", wm("low"), { dashed: true, colour: "#E69F00" }),
              this.line("high", wm("high"), { dashed: true, colour: "#009E73" }),
              this.line("boost", (i) => this.v(i, `${key}.boost`), { dashed: true, colour: "#CC79A7" }),
            ]);
          }
          break;
        case "lru":
          chart(
            "LRU lists (all nodes)",
            "pages",
            ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"].map((n) => this.line(n.replace(/^nr_/, ""), (i) => this.v(i, n))),
          );
          break;
        case "reclaim":
          chart("who reclaims: kswapd running, direct reclaim stalls", "running (1) / allocstall per s ÷ 1000", [
            ...Array.from({ length: lay.nodes }, (_, n) => this.line(`kswapd${n} running`, (i) => this.v(i, `kswapd.${n}`))),
            this.line("allocstall /s ÷ 1000", (i) => this.rate(["allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable"])(i) / 1000),
          ]);
          break;
        case "scan":
          chart(
            "scan and steal rates",
            "pages/s",
            ["pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct"].map((n) => this.line(n, this.rate([n]))),
          );
          break;
        case "workingset":
          chart("workingset: refaults and activations", "pages/s", [
            this.line("refault_anon", this.rate(["workingset_refault_anon"])),
            this.line("refault_file", this.rate(["workingset_refault_file"])),
            this.line("activate_anon", this.rate(["workingset_activate_anon"]), { dashed: true }),
          ]);
          break;
        case "psi": {
          const stall = (n: string) => (i: number) => Math.min(100, this.rate([n])(i) / 1e7);
          chart(
            "pressure stall: share of time stalled on memory (and I/O)",
            "% of time",
            [this.line("memory some", stall("psi.mem_some")), this.line("memory full", stall("psi.mem_full")), this.line("io some", stall("psi.io_some"), { dashed: true })],
            { yMin: 0, yMax: 100 },
          );
          break;
        }
        case "swap":
          chart("swap: used, and I/O (pages/s ÷ 100)", "pages", [
            this.line("swap used", (i) => this.v(i, "swap_total") - this.v(i, "swap_free")),
            this.line("swap cache", (i) => this.v(i, "nr_swapcached")),
            this.line("pswpout ÷ 100", (i) => this.rate(["pswpout"])(i) / 100),
            this.line("pswpin ÷ 100", (i) => this.rate(["pswpin"])(i) / 100),
          ]);
          break;
      }
    }
    return stackedChartsSvg(charts);
  }
}
