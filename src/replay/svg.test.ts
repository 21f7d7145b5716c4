import { describe, expect, it } from "vitest";
import { lineChartSvg } from "./svg.js";

describe("lineChartSvg", () => {
  const chart = lineChartSvg(
    [
      { label: "a <b> & \"c\"", points: [[1, 0], [10, 0.5], [100, 1]] },
      { label: "dots", points: [[10, 0.25]], markers: true },
      { label: "skipped", points: [[0, 0.5], [Number.NaN, 1]] },
    ],
    { title: "T", xLabel: "size", yLabel: "miss ratio", xLog: true, yMin: 0, yMax: 1 },
  );

  it("maps the data onto the plot area: log x over whole decades, linear y", () => {
    // Plot area: x 70 … 550 (760 wide, 20 margin, 190 legend), y 40 … 410; x from 10^0 to 10^2.
    expect(chart).toContain('<path d="M70,410 L310,225 L550,40"');
    expect(chart).toContain('<circle cx="310" cy="317.5" r="3"');
  });

  it("labels decades and nice linear ticks, and escapes text", () => {
    for (const t of [">1<", ">10<", ">100<", ">0<", ">0.2<", ">0.4<", ">1<"]) expect(chart).toContain(t);
    expect(chart).toContain("a &lt;b&gt; &amp; &quot;c&quot;");
    expect(chart).not.toContain("<b>");
  });

  it("skips points a log axis or NaN cannot place, and is a closed SVG document", () => {
    expect(chart.match(/<path /g)).toHaveLength(1);
    expect(chart.startsWith("<svg ")).toBe(true);
    expect(chart.trimEnd().endsWith("</svg>")).toBe(true);
    expect(chart.match(/<g /g)?.length).toBe(chart.match(/<\/g>/g)?.length);
    expect(chart).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("is the same bytes for the same data", () => {
    const again = lineChartSvg(
      [
        { label: "a <b> & \"c\"", points: [[1, 0], [10, 0.5], [100, 1]] },
        { label: "dots", points: [[10, 0.25]], markers: true },
        { label: "skipped", points: [[0, 0.5], [Number.NaN, 1]] },
      ],
      { title: "T", xLabel: "size", yLabel: "miss ratio", xLog: true, yMin: 0, yMax: 1 },
    );
    expect(again).toBe(chart);
  });

  it("draws an empty chart without data", () => {
    const empty = lineChartSvg([], { xLabel: "x", yLabel: "y" });
    expect(empty).toContain("</svg>");
    expect(empty).not.toMatch(/NaN|Infinity/);
  });
});
