/**
 * Scenario runner speed: simulated operations (page accesses plus steps) per real second for
 * the shipped `big-touch` scenario (4 GiB written on an 8 GiB machine: 2048 huge-page faults under
 * THP always, and again booted with THP never, one fault per 4 KiB page)
 * and for `tour` (mixed sequential, zipf, random and stride patterns across five processes).
 * Timed from the first step to the text report; boot (about half a second for 8 GiB) is done
 * before the clock starts. Best of two runs; tour gets one warm-up run first.
 *
 * The `mmsim run big-touch` row is the figure the CLI prints, measured as a user gets it: a fresh
 * node process per run (build/src/cli/bin.js, so with the CLI's V8 settings and a cold JIT),
 * its speed line read back from stderr. The CLI times the steps alone (its boot is on the line
 * apart), as `vm: first-touch faults` times only access_range. Best of five processes, by each
 * clock; the CPU figure is the process's own (process.cpuUsage over the steps).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Machine } from "../src/sim/machine.js";
import { parseScenario } from "../src/workload/parse.js";
import { runScenario } from "../src/workload/runner.js";
import { formatReport } from "../src/workload/report.js";
import { rowCpuFigure, type Bench } from "./bench.js";
import { repoFile } from "./paths.js";

function opsPerSecond(name: string, runs: number, thp?: "never"): number {
  const file = repoFile("scenarios", `${name}.yaml`);
  const parsed = parseScenario(readFileSync(file, "utf8"), `scenarios/${name}.yaml`);
  // THP "never": every fault maps 4 KiB (the row the scenario measured before THP existed).
  const sc = thp === undefined ? parsed : { ...parsed, machine: { ...parsed.machine, thp }, expect: [] };
  let best = 0;
  for (let i = 0; i < runs; i++) {
    const m = Machine.boot({ ...sc.machine, sysctl: undefined, seed: sc.seed });
    const t0 = performance.now();
    const r = runScenario(sc, { machine: m });
    formatReport(r);
    const t = performance.now() - t0;
    if (!r.ok) throw new Error(`${name}: expectations failed`);
    best = Math.max(best, r.ops / (t / 1000));
  }
  return best;
}

/** The speed line of `mmsim run NAME` in a fresh process: best operations/s by the wall clock (returned) and by CPU time (the row's CPU figure). */
function cliOpsPerSecond(name: string, runs: number): number {
  const bin = repoFile("build", "src", "cli", "bin.js");
  let bestWall = 0;
  let bestCpu = 0;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [bin, "run", repoFile("scenarios", `${name}.yaml`)], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
    const m = /\(([\d,]+) operations\/s real, ([\d,]+) per CPU second\)/.exec(r.stderr);
    if (r.status !== 0 || m === null) throw new Error(`mmsim run ${name}: exit ${r.status}: ${r.stderr}`);
    bestWall = Math.max(bestWall, Number(m[1].replaceAll(",", "")));
    bestCpu = Math.max(bestCpu, Number(m[2].replaceAll(",", "")));
  }
  rowCpuFigure.value = bestCpu;
  return bestWall;
}

export const benches: Bench[] = [
  { name: "scenario: mmsim run big-touch, fresh process (the CLI's speed line)", unit: "sim ops/s", run: () => cliOpsPerSecond("big-touch", 5) },
  { name: "scenario big-touch (4 GiB on 8 GiB)", unit: "sim ops/s", run: () => opsPerSecond("big-touch", 2) },
  { name: "scenario big-touch, THP never (4 KiB faults)", unit: "sim ops/s", run: () => opsPerSecond("big-touch", 2, "never") },
  { name: "scenario tour", unit: "sim ops/s", run: () => (opsPerSecond("tour", 1), opsPerSecond("tour", 2)) },
];
