/** A small SVG line chart over arbitrary (x, y) points, with the cursor; for series recorded per map frame. */
import { useSession } from "../hooks.js";

export function Sparkline({ xs, series, height = 90, unit }: { xs: number[]; series: Array<{ label: string; colour: string; ys: number[] }>; height?: number; unit: (v: number) => string }) {
  const s = useSession();
  const w = 600;
  if (xs.length < 2) return <p class="dim">not enough recorded points yet</p>;
  const x0 = xs[0];
  const x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const max = Math.max(1, ...series.flatMap((sr) => sr.ys));
  const px = (x: number): number => ((x - x0) / (x1 - x0)) * w;
  const py = (y: number): number => height - 4 - (y / max) * (height - 12);
  return (
    <div>
      <svg viewBox={`0 0 ${w} ${height}`} preserveAspectRatio="none" style={{ width: "100%", height: `${height}px`, display: "block" }}>
        {series.map((sr) => (
          <polyline key={sr.label} fill="none" stroke={sr.colour} stroke-width="1.5" vector-effect="non-scaling-stroke" points={xs.map((x, i) => `${px(x).toFixed(1)},${py(sr.ys[i]).toFixed(1)}`).join(" ")} />
        ))}
        <line x1={px(s.t)} x2={px(s.t)} y1={0} y2={height} stroke="var(--cursor)" stroke-width="1.5" vector-effect="non-scaling-stroke" />
      </svg>
      <div class="small dim">
        {series.map((sr) => (
          <span key={sr.label} style={{ marginRight: 12 }}>
            <i style={{ display: "inline-block", width: 10, height: 2, background: sr.colour, verticalAlign: "middle", marginRight: 4 }} />
            {sr.label}
          </span>
        ))}
        <span>max {unit(max)}</span>
      </div>
    </div>
  );
}
