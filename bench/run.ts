/**
 * `npm run bench` (compiled by tsc into build/ and run by plain node, so hot paths are measured
 * as users run them — tsx's module interop turns every imported constant into a getter call): runs every `bench/*.bench.ts` module's `benches` and prints a table, or with
 * `--json` one object `{ "results": [ { "name", "value", "unit", "cpu_value", "cpu_s", "wall_s" } ] }`
 * for tools. `--filter TEXT` keeps the rows whose name contains TEXT. Benchmarks time with
 * performance.now(); they are never run as tests, because a timing threshold in a test fails on
 * a loaded machine.
 *
 * Every row is reported by two clocks. `value` is the row's figure as it measures it, by the
 * wall clock. `cpu_value` is the same figure by this process's CPU time (process.cpuUsage, user +
 * system, with the child processes the native rows run), which other tenants of the shared host
 * cannot inflate: exact for rows timed by
 * bestRate (the best window by CPU time), and for the others the wall figure scaled by the row's
 * CPU/wall ratio (rates × wall/CPU, times × CPU/wall; ratios and sizes have none). `cpu_s` and
 * `wall_s` are what the whole row took, set-up included, by each clock. The host: row says how
 * fast the host runs plain JavaScript right now.
 *
 * Each module runs in a child node process of its own, so what the JIT learnt from one module's
 * code paths cannot slow another's: run in one process after the boot rows (which free and link
 * a 1 TiB machine's memory through the same allocator functions), the pcp row measured 19–27 M
 * pairs/s instead of its 28–31 M alone. Rows of one module share a process (their model/native
 * ratios reuse the module's figures).
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpuSeconds, rowCpuFigure, type Bench } from "./bench.js";

interface Result {
  name: string;
  value: number | null;
  unit: string;
  /** The figure by the CPU clock (see the header); null when the unit has no clock in it. */
  cpu_value: number | null;
  /** The whole row's CPU and wall time, in seconds. */
  cpu_s: number;
  wall_s: number;
  note?: string;
}

/** The figure by the CPU clock: bestRate's own, else the wall figure scaled by the row's CPU share. */
function cpuFigure(value: number | null, unit: string, cpu: number, wall: number): number | null {
  if (value === null) return null;
  if (rowCpuFigure.value !== null) return rowCpuFigure.value;
  // A row that reuses figures an earlier row measured (a ratio, a cached pass) ran too briefly
  // for its own clocks to mean anything.
  if (cpu <= 0 || wall < 0.05) return null;
  if (unit.endsWith("/s")) return value * (wall / cpu);
  if (unit === "ms" || unit === "s") return value * (cpu / wall);
  return null;
}

const args = process.argv.slice(2);
const json = args.includes("--json");
const fi = args.indexOf("--filter");
const filter = fi >= 0 ? args[fi + 1] : undefined;
const ci = args.indexOf("--module");
const childModule = ci >= 0 ? args[ci + 1] : undefined;

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one module's rows in this process and returns their results. */
async function runModule(file: string): Promise<Result[]> {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { benches?: Bench[] };
  const out: Result[] = [];
  for (const b of mod.benches ?? []) {
    if (filter && !b.name.includes(filter)) continue;
    if (!json) process.stderr.write(`running ${b.name} …\n`);
    rowCpuFigure.value = null;
    const c0 = cpuSeconds();
    const t0 = performance.now();
    const value = await b.run();
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - c0;
    const cv = cpuFigure(value, b.unit, cpu, wall);
    out.push({
      name: b.name,
      value: value === null ? null : round(value),
      unit: b.unit,
      cpu_value: cv === null ? null : round(cv),
      cpu_s: round(cpu),
      wall_s: round(wall),
      ...(b.note ? { note: b.note } : {}),
    });
  }
  return out;
}

if (childModule !== undefined) {
  // A child: one module's rows, as JSON on stdout for the parent.
  const rows = JSON.stringify(await runModule(childModule)) + "\n";
  // Exit once the rows are written: a module whose clean-up runs in its last row (the explorer's
  // browser and server) would otherwise keep this child alive when --filter skips that row, and
  // the parent would wait for it forever.
  process.stdout.write(rows, () => process.exit(0));
} else {
  const files = readdirSync(here).filter((f) => /\.bench\.[jt]s$/.test(f)).sort();
  const results: Result[] = [];
  for (const f of files) {
    const childArgs = [fileURLToPath(import.meta.url), "--module", f, ...(filter ? ["--filter", filter] : []), ...(json ? ["--json"] : [])];
    const stdout = execFileSync(process.execPath, childArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
    results.push(...(JSON.parse(stdout) as Result[]));
  }
  if (json) {
    process.stdout.write(JSON.stringify({ results }, null, 2) + "\n");
  } else {
    const w = Math.max(...results.map((r) => r.name.length), 4);
    const u = Math.max(...results.map((r) => r.unit.length), 4);
    const num = (v: number | null): string => (v === null ? "n/a" : v.toLocaleString("en-US"));
    const lines = [
      `${"name".padEnd(w)}  ${"value (wall)".padStart(14)}  ${"value (CPU)".padStart(14)}  ${"unit".padEnd(u)}  ${"row CPU s".padStart(9)}  ${"row wall s".padStart(10)}`,
      `${"-".repeat(w)}  ${"-".repeat(14)}  ${"-".repeat(14)}  ${"-".repeat(u)}  ${"-".repeat(9)}  ${"-".repeat(10)}`,
    ];
    for (const r of results) {
      lines.push(
        `${r.name.padEnd(w)}  ${num(r.value).padStart(14)}  ${(r.cpu_value === null ? "—" : num(r.cpu_value)).padStart(14)}  ${r.unit.padEnd(u)}  ${r.cpu_s.toFixed(2).padStart(9)}  ${r.wall_s.toFixed(2).padStart(10)}${r.note ? `  (${r.note})` : ""}`,
      );
    }
    process.stdout.write(lines.join("\n") + "\n");
  }
}

function round(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}
