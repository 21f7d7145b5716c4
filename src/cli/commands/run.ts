/**
 * `mmsim run [FILE|NAME|-] [--seed N] [--cat PATH]… [--trace EVENT[,EVENT…]] [--json] [--quiet]
 * [--show TOOL[,TOOL…]] [--plot FILE.svg [--series free,lru,…]] [--force] [--no-color]`: runs a
 * scenario file (or a shipped scenario by name; `tour` when none is given; `-` reads it from
 * standard input) and prints its report; --plot also writes the explorer's time series of the
 * run as an SVG (src/api/plot.ts). The file is read here; parsing, running and the report are
 * the pure src/workload modules.
 *
 * Exit codes: 0 every expectation holds; 1 an expectation failed (the diff goes to stderr) or a
 * --cat file could not be read (its error goes to stderr); 2 a mistake in the scenario file or
 * the command line, on one located line (`scenario.yaml:14:9 processes[1].run[3].touch.region:
 * no mapping named "heap"`), an unknown tracepoint, or a path that is not a file.
 *
 * The report on stdout holds only simulated quantities, so it is byte-identical run to run;
 * the speed (simulated operations per real second and per CPU second over the steps, the boot
 * timed apart) and the progress bar (only on a terminal, only for runs over a second) go to
 * stderr. --trace streams ftrace lines to stdout
 * as they happen (with --quiet, only them); the progress bar is erased before each, so the two
 * never share a line on a terminal.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import type { Machine } from "../../api/index.js";
import { AccessTraceWriter, available_events, DEFAULT_PLOT_SERIES, encodeAccessHeader, formatFailures, formatReport, formatReportJson, MAX_SCENARIO_BYTES, parseScenario, PlotRecorder, plotSeriesProblem, PLOT_SERIES, startScenario, ScenarioError, WORK_BUDGET, type RunResult, type Scenario } from "../../api/index.js";
import { ReportedFailure, UsageError, type CliIo } from "../main.js";
import { colourReport, palette, useColour } from "../colour.js";
import { toolOutput, TOOL_NAMES } from "./tools.js";

/** The shipped scenarios' folder (repo/scenarios, from src/cli/commands or dist/cli/commands). */
export const SCENARIO_DIR = fileURLToPath(new URL("../../../scenarios/", import.meta.url));

/** Shipped scenario names, sorted. */
export function shippedScenarios(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The most standard input `mmsim run -` reads as a scenario (shipped ones are a few kB). */
export const MAX_STDIN_SCENARIO = 16 * 1024 * 1024;

/**
 * Reads and parses a scenario: FILE if it exists, else the shipped scenario of that name.
 * @throws ScenarioError for a bad file; UsageError when there is no such file or scenario, or
 * the path is a directory; Error (exit 1) when the file exists but cannot be read.
 */
export function loadScenario(ref: string): Scenario {
  let path = ref;
  if (!existsSync(path)) {
    const shipped = join(SCENARIO_DIR, `${ref.replace(/\.ya?ml$/, "")}.yaml`);
    if (!/[/\\]/.test(ref) && existsSync(shipped)) path = shipped;
    else throw new UsageError(`no scenario file or shipped scenario named "${ref}" (mmsim scenarios lists the shipped ones)`);
  }
  if (statSync(path).isDirectory()) throw new UsageError(`"${ref}" is a directory, not a scenario file`);
  // Shipped scenarios are named in messages as scenarios/NAME.yaml, files as the user typed them.
  const label = path === ref ? ref : `scenarios/${ref.replace(/\.ya?ml$/, "")}.yaml`;
  return parseScenario(readBounded(path, label), label);
}

/**
 * The file's bytes, reading no more than MAX_SCENARIO_BYTES + 1 of them: a larger file (or an
 * endless one such as /dev/zero) is refused without being read whole.
 */
function readBounded(path: string, label: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new Error(`cannot read "${label}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(2 ** 20, MAX_SCENARIO_BYTES + 1 - total));
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (total > MAX_SCENARIO_BYTES) throw new ScenarioError(label, 1, 1, "", `the file is too large: more than the ${MAX_SCENARIO_BYTES / 2 ** 20} MiB a scenario may have`);
    }
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  } finally {
    closeSync(fd);
  }
}

/** Reads a scenario from standard input (`mmsim run -`), named "<stdin>" in messages. */
export async function loadScenarioFromStdin(io: CliIo): Promise<Scenario> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of io.stdin ?? []) {
    const b = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    n += b.byteLength;
    if (n > MAX_STDIN_SCENARIO) throw new UsageError(`standard input holds more than ${MAX_STDIN_SCENARIO / 1024 / 1024} MiB: not a scenario`);
    parts.push(b);
  }
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const b of parts) {
    bytes.set(b, at);
    at += b.byteLength;
  }
  return parseScenario(bytes, "<stdin>");
}

/** The tracepoints --trace accepts: the model's available_events by name, or "*". */
export function traceEventNames(): string[] {
  return available_events.map(([, e]) => e);
}

/** Checks --trace's names (an unknown one is a usage error listing the valid ones). */
function checkTraceNames(names: string[]): void {
  const valid = new Set(traceEventNames());
  for (const n of names) {
    if (n === "*" || valid.has(n)) continue;
    throw new UsageError(`unknown tracepoint "${n}" for --trace: expected * or one of ${[...valid].sort().join(", ")}`);
  }
}

/** A ScenarioError as the CLI reports it: the located line itself, exit code 2. */
export function scenarioFailure(io: CliIo, e: ScenarioError): never {
  io.err(`${e.message}\n`);
  throw new CommanderError(2, "mmsim.scenarioError", e.message);
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError("seed must be a whole number from 0 to 4294967295");
  return Number(v);
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
}

/** A one-line progress bar on stderr, drawn only on a terminal and only after the first second. */
class ProgressBar {
  private readonly start = Date.now();
  private shown = false;
  constructor(
    private readonly write: (s: string) => void,
    private readonly delayMs = 1000,
  ) {}
  update(f: number): void {
    if (Date.now() - this.start < this.delayMs) return;
    const w = 30;
    const n = Math.round(f * w);
    this.write(`\r[${"#".repeat(n)}${".".repeat(w - n)}] ${(f * 100).toFixed(0).padStart(3)}%`);
    this.shown = true;
  }
  /** Erases the bar (before a trace line, and at the end); the next update draws it again. */
  erase(): void {
    if (this.shown) this.write(`\r${" ".repeat(40)}\r`);
    this.shown = false;
  }
}

export interface RunCommandOptions {
  seed?: number;
  cat: string[];
  trace: string[];
  json?: boolean;
  quiet?: boolean;
  show: string[];
  plot?: string;
  series: string[];
  force?: boolean;
  color?: boolean;
  recordAccesses?: string;
}

/**
 * Runs a scenario for the CLI: returns the result and the machine it ran on (ScenarioRun.machine).
 * `progress` draws the bar with that writer (the caller passes stderr's when it is a terminal).
 */
export function runForCli(
  sc: Scenario,
  opts: {
    seed?: number;
    cat?: string[];
    trace?: string[];
    onTrace?: (l: string) => void;
    progress?: (s: string) => void;
    progressDelayMs?: number;
    force?: boolean;
    plot?: boolean;
    /** Receives the page accesses of the run, drained after each step (--record-accesses). */
    record?: AccessTraceWriter;
  },
): { result: RunResult; machine: Machine; wallMs: number; cpuMs: number; bootWallMs: number; bootCpuMs: number; plot: PlotRecorder | null } {
  const bar = opts.progress ? new ProgressBar(opts.progress, opts.progressDelayMs) : null;
  const onTrace = opts.onTrace;
  // This process's CPU time beside the wall clock: on a shared host the wall clock also counts
  // the time other tenants had the CPU. (performance.now, not Date.now: a tenth of a second
  // run needs sub-millisecond resolution.)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let plot: PlotRecorder | null = null;
  try {
    const run = startScenario(sc, {
      seed: opts.seed,
      cat: opts.cat,
      trace: opts.trace,
      onTrace: onTrace && bar ? (l) => (bar.erase(), onTrace(l)) : onTrace,
      onProgress: bar ? (f) => bar.update(f) : undefined,
      onClock: opts.plot ? () => plot?.sample() : undefined,
      force: opts.force,
    });
    if (opts.plot) plot = new PlotRecorder(run.machine);
    // The speed line's figures time the steps alone, from the first quantum to the last, as the
    // bench rows time only the work they name (`vm: first-touch faults` times access_range on a
    // booted kernel); the boot before them is timed and reported on its own.
    const rec = opts.record;
    if (rec) run.machine.recordAccesses();
    const add = rec ? (page: number, space: number, write: boolean, file: boolean): void => rec.add(page, space, write, file) : null;
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    while (!run.done) {
      run.step();
      if (add) run.machine.takeAccesses(add);
    }
    const c2 = process.cpuUsage();
    const t2 = performance.now();
    plot?.take();
    const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000;
    return { result: run.result(), machine: run.machine, wallMs: t2 - t1, cpuMs: cpuMs(c1, c2), bootWallMs: t1 - t0, bootCpuMs: cpuMs(c0, c1), plot };
  } finally {
    bar?.erase();
  }
}

/** The runner's line for a --cat file it could not read ("cat: PATH: No such file or directory"). */
const CAT_ERROR = /^cat: [^\n]*\n$/;

/** Adds the `run` subcommand. */
export function registerRun(program: Command, io: CliIo): void {
  program
    .command("run")
    .description("run a scenario (a file, or a shipped one by name; default tour) and print what the kernel did")
    .argument("[scenario]", "scenario file, the name of a shipped scenario (mmsim scenarios), or - for standard input", "tour")
    .option("--seed <n>", "seed of the machine's PRNG (default: the scenario's seed)", parseSeed)
    .option("--cat <path>", "print this /proc or /sys file at the end (repeatable)", collect, [])
    .option("--trace <events>", "stream these tracepoints in ftrace text format (comma-separated, repeatable; * for all)", collect, [])
    .option("--json", "print the report as JSON")
    .option("--quiet", "print nothing but failures (and --trace lines)")
    .option("--show <tools>", `print tools' views at the end: ${TOOL_NAMES.join(", ")} (pmap:NAME for one process)`, collect, [])
    .option("--plot <file>", "write the run's time series (the explorer's charts) to this SVG file")
    .option("--series <names>", `the charts --plot draws (comma-separated): ${PLOT_SERIES.join(", ")}; default ${DEFAULT_PLOT_SERIES.join(",")}`, collect, [])
    .option("--record-accesses <file>", "write the page accesses the scenario's processes make through the MMU to this file, in the recorded-access format mmsim replay --format mmsim reads")
    .option("--force", `run even when the scenario's estimated work is above the budget (${WORK_BUDGET.toLocaleString("en-US")} page accesses, minutes of real time)`)
    .option("--no-color", "no colour, even on a terminal (NO_COLOR in the environment does the same)")
    .action(async (ref: string, o: RunCommandOptions) => {
      for (const t of o.show) {
        if (!TOOL_NAMES.includes(t.split(":")[0])) throw new UsageError(`unknown tool "${t}" for --show: expected ${TOOL_NAMES.join(", ")}`);
      }
      checkTraceNames(o.trace);
      if (o.series.length && o.plot === undefined) throw new UsageError("--series chooses what --plot draws: give --plot FILE.svg too");
      const series = o.series.length ? o.series.flatMap((x) => x.split(",")).map((x) => x.trim()) : [...DEFAULT_PLOT_SERIES];
      const badSeries = plotSeriesProblem(series);
      if (badSeries) throw new UsageError(`--series: ${badSeries}`);
      let sc: Scenario;
      try {
        sc = ref === "-" ? await loadScenarioFromStdin(io) : loadScenario(ref);
      } catch (e) {
        if (e instanceof ScenarioError) scenarioFailure(io, e);
        throw e;
      }
      const traceLines: string[] = [];
      const onTrace = o.trace.length ? (line: string): void => (o.json ? void traceLines.push(line) : io.out(line + "\n")) : undefined;
      const progress = !o.quiet && !o.json && io.tty?.stderr ? (t: string): void => io.err(t) : undefined;
      let run: ReturnType<typeof runForCli>;
      let recFd = -1;
      let record: AccessTraceWriter | undefined;
      if (o.recordAccesses !== undefined) {
        try {
          recFd = openSync(o.recordAccesses, "w");
          writeSync(recFd, encodeAccessHeader(0));
        } catch (e) {
          throw new UsageError(`--record-accesses: cannot write ${o.recordAccesses}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        const fd = recFd;
        record = new AccessTraceWriter((b) => void writeSync(fd, b), 65536);
      }
      try {
        run = runForCli(sc, { seed: o.seed, cat: o.cat, trace: o.trace, onTrace, progress, force: o.force, plot: o.plot !== undefined, record });
        if (record) {
          // The count goes into the header once known.
          record.flush();
          const header = encodeAccessHeader(record.records);
          writeSync(recFd, header, 0, header.length, 0);
        }
      } catch (e) {
        if (e instanceof ScenarioError) scenarioFailure(io, e);
        throw e;
      } finally {
        if (recFd >= 0) closeSync(recFd);
      }
      if (record && !o.quiet && !o.json) io.err(`wrote ${record.records.toLocaleString("en-US")} page accesses to ${o.recordAccesses}\n`);
      const { result, machine, wallMs, cpuMs, bootWallMs, bootCpuMs } = run;
      if (o.plot !== undefined && run.plot) {
        try {
          writeFileSync(o.plot, run.plot.svg(series, result.scenario.name));
        } catch (e) {
          throw new UsageError(`--plot: cannot write ${o.plot}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        if (!o.quiet && !o.json) io.err(`wrote ${series.join(", ")} (${run.plot.count.toLocaleString("en-US")} samples) to ${o.plot}\n`);
      }
      const names = new Map(result.processes.map((p) => [p.name, p.pid]));
      const tools = o.show.map((t) => ({ tool: t, text: toolOutput(machine, t, {}, names) }));
      if (o.json) {
        io.out(formatReportJson(o.trace.length || tools.length ? { ...result, ...(o.trace.length ? { trace: traceLines } : {}), ...(tools.length ? { tools } : {}) } : result));
      } else if (!o.quiet) {
        const pal = palette(useColour(o.color, io.tty?.stdout, io.env ?? {}));
        io.out(colourReport(formatReport(result), pal));
        for (const t of tools) io.out(`\n$ ${toolCommand(t.tool)}\n${t.text}`);
      }
      if (!o.quiet && !o.json) {
        const rate = (ms: number): string => (ms > 0 ? Math.round((result.ops * 1000) / ms) : 0).toLocaleString("en-US");
        io.err(
          `ran ${result.ops.toLocaleString("en-US")} simulated operations in ${(wallMs / 1000).toFixed(2)} s of real time, ${(cpuMs / 1000).toFixed(2)} s of CPU time (${rate(wallMs)} operations/s real, ${rate(cpuMs)} per CPU second), after a boot of ${(bootWallMs / 1000).toFixed(2)} s real, ${(bootCpuMs / 1000).toFixed(2)} s CPU\n`,
        );
      }
      // A --cat of a file the machine does not have (or refuses) is the kernel's refusal, as
      // for boot --cat: the runner put cat's error in the report; it goes to stderr, exit 1.
      const catErrors = result.files.filter((f) => CAT_ERROR.test(f.text));
      for (const f of catErrors) io.err(f.text);
      if (!result.ok) {
        io.err(formatFailures(result));
        const bad = result.expectations.filter((e) => !e.ok).length;
        throw new Error(`${bad} of ${result.expectations.length} expectations failed`);
      }
      if (catErrors.length) throw new ReportedFailure(`${catErrors.length} --cat files could not be read`);
    });
}

function toolCommand(t: string): string {
  const [name, arg] = t.split(":");
  return name === "pmap" ? `pmap -x ${arg ?? "(each process)"}` : name;
}
