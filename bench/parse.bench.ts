/**
 * Scenario parsing speed and memory: a generated 10 MB scenario (one process, 80,000 rounds of
 * mmap, touch and munmap of a 4K region, 240,000 steps) parsed from its UTF-8 bytes, as
 * `mmsim run FILE` does. Issue 20's target: 10 MB in at most 2 s and 300 MB. Rows: the rate by
 * the wall clock and by this process's CPU time (best of three each), and the process's peak
 * resident memory after the first parse (run.ts gives each module a process of its own, so
 * nothing else has grown it), generated text included.
 */
import { parseScenario } from "../src/workload/parse.js";
import type { Bench } from "./bench.js";

function generated(rounds: number): Uint8Array {
  const lines = ["machine: { memory: 256M }", "processes:", "  - name: p0", "    run:"];
  for (let i = 0; i < rounds; i++) {
    lines.push(`      - mmap: { name: m${i}, size: 4K }`, `      - touch: { region: m${i}, access: write }`, `      - munmap: { region: m${i} }`);
  }
  lines.push("expect:", "  - process: p0", "    state: alive", "");
  return new TextEncoder().encode(lines.join("\n"));
}

let measured: { wall: number; cpu: number; rss: number } | null = null;

function measure(): { wall: number; cpu: number; rss: number } {
  if (measured) return measured;
  const bytes = generated(80_000);
  let wall = 0;
  let cpu = 0;
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const sc = parseScenario(bytes, "generated.yaml");
    const t = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (sc.processes[0].run.length !== 240_000) throw new Error("generated scenario misread");
    wall = Math.max(wall, bytes.length / 1e6 / t);
    cpu = Math.max(cpu, bytes.length / 1e6 / ((c.user + c.system) / 1e6));
    // The peak of the first parse alone: later ones add what the collector has not yet freed.
    if (i === 0) rss = process.resourceUsage().maxRSS / 1024;
  }
  measured = { wall, cpu, rss };
  return measured;
}

export const benches: Bench[] = [
  { name: "scenario parse: 10 MB generated scenario (wall clock)", unit: "MB/s", run: () => measure().wall },
  { name: "scenario parse: 10 MB generated scenario (CPU time)", unit: "MB/s", run: () => measure().cpu },
  { name: "scenario parse: 10 MB generated scenario, peak RSS", unit: "MB", run: () => measure().rss },
];
