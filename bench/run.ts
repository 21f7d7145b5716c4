/**
 * `npm run bench` (compiled by tsc into build/ and run by plain node, so hot paths are measured
 * as users run them — tsx's module interop turns every imported constant into a getter call): runs every `bench/*.bench.ts` module's `benches` and prints a table, or with
 * `--json` one object `{ "results": [ { "name", "value", "unit" } ] }` for tools. `--filter TEXT`
 * keeps the rows whose name contains TEXT. Benchmarks time with performance.now(); they are never
 * run as tests, because a timing threshold in a test fails on a loaded machine.
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
import type { Bench } from "./bench.js";

interface Result {
  name: string;
  value: number | null;
  unit: string;
  note?: string;
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
    const value = await b.run();
    out.push({ name: b.name, value: value === null ? null : round(value), unit: b.unit, ...(b.note ? { note: b.note } : {}) });
  }
  return out;
}

if (childModule !== undefined) {
  // A child: one module's rows, as JSON on stdout for the parent.
  process.stdout.write(JSON.stringify(await runModule(childModule)) + "\n");
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
    const lines = [`${"name".padEnd(w)}  ${"value".padStart(14)}  unit`, `${"-".repeat(w)}  ${"-".repeat(14)}  ----`];
    for (const r of results) {
      const v = r.value === null ? "n/a" : r.value.toLocaleString("en-US");
      lines.push(`${r.name.padEnd(w)}  ${v.padStart(14)}  ${r.unit}${r.note ? `  (${r.note})` : ""}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
  }
}

function round(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}
