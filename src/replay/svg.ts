/**
 * A small SVG line-chart writer, pure and deterministic (same data, same bytes): series of
 * (x, y) points with axes, ticks, axis labels, a title and a legend. Linear or log-10 axes.
 * `mmsim replay --plot` draws miss-ratio curves with it and `mmsim run --plot` the explorer's
 * time series (src/api/plot.ts, stacked with stackedChartsSvg); nothing in it knows about caches
 * or kernels. It is the project's one SVG writer.
 *
 * Colours are the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies); past eight series the colours repeat with a dash pattern.
 */

/** One line on the chart. */
export interface ChartSeries {
  label: string;
  /** (x, y) points, drawn in the order given; non-finite points (and x ≤ 0 on a log axis) are skipped. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw a dot at each point (for series measured at a few sizes). */
  markers?: boolean;
  /** Draw the line dashed. */
  dashed?: boolean;
  /** A CSS colour instead of the next one of the palette. */
  colour?: string;
}

/** Axes, labels and size. */
export interface LineChartOptions {
  title?: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Pixels; default 760 × 460. */
  width?: number;
  height?: number;
}

const PALETTE = Object.freeze(["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]);
const DASHES = Object.freeze(["", "6 3", "2 3", "8 3 2 3"]);

/** The chart as a standalone SVG document. */
export function lineChartSvg(series: readonly ChartSeries[], opts: LineChartOptions): string {
  return chartElements(series, opts, "plot").join("\n") + "\n";
}

/**
 * Several charts stacked top to bottom in one SVG document (`mmsim run --plot`): each is the
 * chart lineChartSvg draws, placed at its offset, with clip-path ids of its own.
 */
export function stackedChartsSvg(charts: ReadonlyArray<{ series: readonly ChartSeries[]; opts: LineChartOptions }>): string {
  const W = Math.max(1, ...charts.map((c) => c.opts.width ?? 760));
  const H = charts.reduce((a, c) => a + (c.opts.height ?? 460), 0);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  let y = 0;
  charts.forEach((c, i) => {
    const el = chartElements(c.series, c.opts, `plot${i}`);
    // The chart's own <svg> becomes a nested one at its offset (no xmlns, which it inherits).
    el[0] = el[0].replace(/^<svg xmlns="[^"]*" /, `<svg x="0" y="${y}" `);
    out.push(...el);
    y += c.opts.height ?? 460;
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** The lines of one chart's SVG document; `clipId` names its clip path. */
function chartElements(series: readonly ChartSeries[], opts: LineChartOptions, clipId: string): string[] {
  const W = opts.width ?? 760;
  const H = opts.height ?? 460;
  const legendW = series.length > 0 ? 190 : 0;
  const left = 70;
  const right = W - 20 - legendW;
  const top = opts.title ? 40 : 16;
  const bottom = H - 50;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!usable(x, opts.xLog) || !usable(y, opts.yLog)) continue;
      xs.push(x);
      ys.push(y);
    }
  }
  const xAxis = axis(opts.xMin ?? min(xs, opts.xLog ? 1 : 0), opts.xMax ?? max(xs, 1), opts.xLog === true, opts.xMin !== undefined, opts.xMax !== undefined);
  const yAxis = axis(opts.yMin ?? (opts.yLog ? min(ys, 1) : Math.min(0, min(ys, 0))), opts.yMax ?? max(ys, 1), opts.yLog === true, true, opts.yMax !== undefined);
  const px = (x: number): number => left + (right - left) * xAxis.frac(x);
  const py = (y: number): number => bottom - (bottom - top) * yAxis.frac(y);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${n(W / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`);
  // Grid and ticks.
  for (const t of xAxis.ticks) {
    const x = n(px(t));
    out.push(`<line x1="${x}" y1="${n(top)}" x2="${x}" y2="${n(bottom)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${n(bottom + 16)}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  for (const t of yAxis.ticks) {
    const y = n(py(t));
    out.push(`<line x1="${n(left)}" y1="${y}" x2="${n(right)}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${n(left - 6)}" y="${n(py(t) + 4)}" text-anchor="end">${esc(fmt(t))}</text>`);
  }
  out.push(`<rect x="${n(left)}" y="${n(top)}" width="${n(right - left)}" height="${n(bottom - top)}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${n((left + right) / 2)}" y="${n(H - 12)}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text x="16" y="${n((top + bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${n((top + bottom) / 2)})">${esc(opts.yLabel)}</text>`);
  // Series, clipped to the plot area.
  out.push(`<clipPath id="${clipId}"><rect x="${n(left)}" y="${n(top)}" width="${n(right - left)}" height="${n(bottom - top)}"/></clipPath>`);
  let next = 0;
  series.forEach((s, i) => {
    // Series with a colour of their own do not use up a palette entry.
    const k = s.colour === undefined ? next++ : 0;
    const colour = s.colour ?? PALETTE[k % PALETTE.length];
    const dash = s.dashed ? "6 3" : DASHES[Math.floor(k / PALETTE.length) % DASHES.length];
    const pts = s.points.filter(([x, y]) => usable(x, opts.xLog) && usable(y, opts.yLog));
    const g: string[] = [];
    if (pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k === 0 ? "M" : "L"}${n(px(x))},${n(py(y))}`).join(" ");
      g.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    }
    if (s.markers || pts.length === 1) for (const [x, y] of pts) g.push(`<circle cx="${n(px(x))}" cy="${n(py(y))}" r="3" fill="${colour}"/>`);
    out.push(`<g clip-path="url(#${clipId})">${g.join("")}</g>`);
    // Legend entry.
    const ly = top + 10 + i * 18;
    const lx = W - legendW;
    out.push(`<line x1="${n(lx)}" y1="${n(ly)}" x2="${n(lx + 24)}" y2="${n(ly)}" stroke="${colour}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    if (s.markers) out.push(`<circle cx="${n(lx + 12)}" cy="${n(ly)}" r="3" fill="${colour}"/>`);
    out.push(`<text x="${n(lx + 30)}" y="${n(ly + 4)}">${esc(s.label)}</text>`);
  });
  out.push(`</svg>`);
  return out;
}

interface Axis {
  ticks: number[];
  frac(v: number): number;
}

/** A linear axis over "nice" bounds, or a log-10 axis over whole decades. */
function axis(lo: number, hi: number, log: boolean, keepLo: boolean, keepHi: boolean): Axis {
  if (log) {
    let a = Math.floor(Math.log10(lo) + 1e-9);
    let b = Math.ceil(Math.log10(hi) - 1e-9);
    if (keepLo) a = Math.log10(lo);
    if (keepHi) b = Math.log10(hi);
    if (b <= a) b = a + 1;
    const ticks: number[] = [];
    const decades = b - a;
    for (let e = Math.ceil(a - 1e-9); e <= b + 1e-9; e++) {
      for (const m of decades <= 2 ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e;
        const lv = Math.log10(v);
        if (lv >= a - 1e-9 && lv <= b + 1e-9) ticks.push(v);
      }
    }
    return { ticks, frac: (v) => (Math.log10(v) - a) / (b - a) };
  }
  if (hi <= lo) hi = lo + 1;
  const step = niceStep((hi - lo) / 5);
  const a = keepLo ? lo : Math.floor(lo / step + 1e-9) * step;
  const b = keepHi ? hi : Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(a / step - 1e-9) * step; v <= b + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return { ticks, frac: (v) => (v - a) / (b - a) };
}

function niceStep(raw: number): number {
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

function usable(v: number, log: boolean | undefined): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

function min(vs: number[], dflt: number): number {
  return vs.length ? vs.reduce((a, b) => Math.min(a, b)) : dflt;
}

function max(vs: number[], dflt: number): number {
  return vs.length ? vs.reduce((a, b) => Math.max(a, b)) : dflt;
}

/** A coordinate with at most two decimals, no trailing zeros. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A tick label: 1500 → 1.5k, 2000000 → 2M, 0.25 → 0.25. */
function fmt(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number): string => String(Math.round(x * 1000) / 1000);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
