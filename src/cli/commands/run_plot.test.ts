import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../main.js";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "mmsim-plot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mmsim run --plot", () => {
  it("writes the chosen charts as one SVG, and the report is the run's without it", async () => {
    const file = join(dir, "k.svg");
    const r = await cli(["run", "kswapd-watermarks", "--plot", file, "--series", "free,lru", "--series", "psi"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^wrote free, lru, psi \([\d,]+ samples\) to .*k\.svg$/m);
    const plain = await cli(["run", "kswapd-watermarks"]);
    expect(r.out).toBe(plain.out);
    const svg = readFileSync(file, "utf8");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // One chart per populated zone (DMA, DMA32 on this 512 MiB machine), then LRU and PSI.
    const titles = [...svg.matchAll(/font-weight="bold">([^<]*)</g)].map((m) => m[1]);
    expect(titles).toEqual([
      "kswapd-watermarks: Node 0, zone DMA: free pages and watermarks",
      "kswapd-watermarks: Node 0, zone DMA32: free pages and watermarks",
      "kswapd-watermarks: LRU lists (all nodes)",
      "kswapd-watermarks: pressure stall: share of time stalled on memory (and I/O)",
    ]);
    // Each chart clips to its own plot area.
    expect(new Set([...svg.matchAll(/<clipPath id="(\w+)"/g)].map((m) => m[1])).size).toBe(4);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    // Deterministic: the same run draws the same bytes.
    const again = join(dir, "k2.svg");
    await cli(["run", "kswapd-watermarks", "--plot", again, "--series", "free,lru,psi", "--quiet"]);
    expect(readFileSync(again, "utf8")).toBe(svg);
  });

  it("draws free, lru, psi and swap by default", async () => {
    const file = join(dir, "w.svg");
    const r = await cli(["run", "oom-badness", "--plot", file, "--quiet"]);
    expect(r.code).toBe(0);
    const svg = readFileSync(file, "utf8");
    for (const t of ["free pages and watermarks", "LRU lists", "pressure stall", "swap: used"]) expect(svg).toContain(t);
    expect(svg).not.toContain("scan and steal");
  });

  it("refuses an unknown series, and --series without --plot, with exit 2", async () => {
    const bad = await cli(["run", "tour", "--plot", join(dir, "x.svg"), "--series", "free,bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--series: unknown series "bogus": expected free, lru, reclaim, scan, workingset, psi, swap, blk');
    const alone = await cli(["run", "tour", "--series", "lru"]);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain("--series chooses what --plot draws");
    const nowhere = await cli(["run", "mmap-merge", "--plot", join(dir, "no", "such", "dir.svg"), "--quiet"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toContain("cannot write");
  });
});
