/**
 * `mmsim free|vmstat|pmap PID|smem|slabtop|cgtop [--scenario NAME]`: runs a scenario (default `tour`) and
 * prints the simulated machine's state at the end as procps and smem would, computed from the
 * machine's /proc text by src/procps. `mmsim run X --show free,vmstat,pmap:NAME,smem` prints
 * the same views after a report.
 * `mmsim cgtop` is a systemd-cgtop-style table of the memory cgroups (src/procps/cgtop.ts).
 * `mmsim slabtop` is `slabtop -o` (one shot: the simulated machine has no terminal to redraw);
 * `-s C` takes slabtop's sort letters a b c l v n o p s u, and `-o`/`--once` is accepted.
 */
import { Command, InvalidArgumentError } from "commander";
import { formatCgtop, formatFree, formatPmap, formatSlabtop, formatSmem, formatVmstat, ScenarioError, simulatedStat, type CgtopGroup, type Machine, type ProcTaskFiles } from "../../api/index.js";
import { UsageError, type CliIo } from "../main.js";
import { loadScenario, runForCli, scenarioFailure } from "./run.js";

export const TOOL_NAMES = ["free", "vmstat", "pmap", "smem", "slabtop", "cgtop"];

function tryRead(m: Machine, path: string): string | undefined {
  try {
    return m.read(path);
  } catch {
    return undefined;
  }
}

/** The processes with an address space, as /proc lists them. */
export function taskFiles(m: Machine): ProcTaskFiles[] {
  const out: ProcTaskFiles[] = [];
  for (const e of m.list("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const status = tryRead(m, `/proc/${e}/status`);
    if (status === undefined) continue;
    out.push({ pid: Number(e), status, maps: tryRead(m, `/proc/${e}/maps`), smaps: tryRead(m, `/proc/${e}/smaps`), cmdline: tryRead(m, `/proc/${e}/cmdline`) });
  }
  return out;
}

function findTask(m: Machine, who: string, names?: ReadonlyMap<string, number>): ProcTaskFiles {
  const tasks = taskFiles(m);
  // A scenario's process names first (a forked child keeps its parent's comm), then comm.
  const pid = /^\d+$/.test(who) ? Number(who) : names?.get(who);
  const t = pid !== undefined ? tasks.find((x) => x.pid === pid) : tasks.find((x) => /^Name:\s*(.*)$/m.exec(x.status)?.[1] === who);
  if (!t) throw new UsageError(`no process ${who} on the machine at the end of the run (processes: ${tasks.map((x) => `${x.pid} ${/^Name:\s*(.*)$/m.exec(x.status)?.[1] ?? ""}`).join(", ")})`);
  return t;
}

function isDir(m: Machine, path: string): boolean {
  try {
    m.list(path);
    return true;
  } catch {
    return false;
  }
}

/** Every cgroup under /sys/fs/cgroup (the root first, then depth first), with the files cgtop shows. */
export function cgroupFiles(m: Machine): CgtopGroup[] {
  const out: CgtopGroup[] = [];
  const walk = (dir: string, path: string): void => {
    const names = m.list(dir);
    const f = (n: string): string | undefined => (names.includes(n) ? tryRead(m, `${dir}/${n}`) : undefined);
    out.push({ path, procs: f("cgroup.procs"), current: f("memory.current"), high: f("memory.high"), max: f("memory.max"), swapCurrent: f("memory.swap.current"), events: f("memory.events"), pressure: f("memory.pressure") });
    // The children: the entries that list as directories (every file's name has a dot).
    for (const n of names) if (isDir(m, `${dir}/${n}`)) walk(`${dir}/${n}`, path === "/" ? `/${n}` : `${path}/${n}`);
  };
  walk("/sys/fs/cgroup", "/");
  return out;
}

/** MemTotal − MemAvailable, bytes: the root's Memory in cgtop. */
function rootMemory(m: Machine): number {
  const mi = m.read("/proc/meminfo");
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, "m").exec(mi)?.[1] ?? 0);
  return (kb("MemTotal") - kb("MemAvailable")) * 1024;
}

export interface ToolFlags {
  wide?: boolean;
  human?: boolean;
  exponent?: number;
  total?: boolean;
  active?: boolean;
  stats?: boolean;
  extended?: boolean;
  abbreviate?: boolean;
  users?: boolean;
  /** slabtop -s: the sort letter. */
  sort?: string;
}

/**
 * One tool's view of the machine: "free", "vmstat", "smem", "slabtop", "pmap" (every process) or
 * "pmap:NAME|PID"; `names` maps the scenario's process names to pids.
 */
export function toolOutput(m: Machine, spec: string, f: ToolFlags = {}, names?: ReadonlyMap<string, number>): string {
  const [tool, arg] = spec.split(":");
  switch (tool) {
    case "free":
      return formatFree(m.read("/proc/meminfo"), f);
    case "vmstat": {
      const stat = tryRead(m, "/proc/stat") ?? simulatedStat(m.now, m.info().cpus, m.forks, 1);
      return formatVmstat({ meminfo: m.read("/proc/meminfo"), vmstat: m.read("/proc/vmstat"), stat }, f);
    }
    case "smem":
      return formatSmem(taskFiles(m), { totals: f.total, abbreviate: f.abbreviate, users: f.users });
    case "slabtop":
      return formatSlabtop(m.read("/proc/slabinfo"), { sort: f.sort });
    case "cgtop":
      return formatCgtop(cgroupFiles(m), { rootMemory: rootMemory(m) });
    case "pmap": {
      const tasks = arg ? [findTask(m, arg, names)] : taskFiles(m).filter((t) => (t.maps ?? "") !== "");
      return tasks.map((t) => formatPmap(t, { extended: f.extended ?? true })).join("");
    }
  }
  throw new UsageError(`unknown tool "${tool}"`);
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError("seed must be a whole number from 0 to 4294967295");
  return Number(v);
}

/** Runs --scenario quietly and hands the machine to `show`. */
function atEndOf(io: CliIo, ref: string, seed: number | undefined, show: (m: Machine, names: ReadonlyMap<string, number>) => string): void {
  try {
    const sc = loadScenario(ref);
    const { machine, result } = runForCli(sc, { seed });
    io.out(show(machine, new Map(result.processes.map((p) => [p.name, p.pid]))));
  } catch (e) {
    if (e instanceof ScenarioError) scenarioFailure(io, e);
    throw e;
  }
}

/** Adds `free`, `vmstat`, `pmap`, `smem`, `slabtop` and `cgtop`. */
export function registerTools(program: Command, io: CliIo): void {
  const common = (c: Command): Command =>
    c.option("--scenario <name>", "the scenario whose end state to show (a file or a shipped name)", "tour").option("--seed <n>", "seed of the run", parseSeed);
  common(
    program
      .command("free")
      .description("free(1) of the simulated machine at the end of a scenario")
      // -h is free's --human, as in procps: help is --help only.
      .helpOption("--help", "display help for command")
      .option("-b, --bytes", "bytes")
      .option("-k, --kibi", "KiB (default)")
      .option("-m, --mebi", "MiB")
      .option("-g, --gibi", "GiB")
      .option("-h, --human", "human units")
      .option("-w, --wide", "buffers and cache in separate columns")
      .option("-t, --total", "a Total row"),
  ).action((o: { bytes?: boolean; kibi?: boolean; mebi?: boolean; gibi?: boolean; human?: boolean; wide?: boolean; total?: boolean; scenario: string; seed?: number }) => {
    const exponent = o.bytes ? 1 : o.mebi ? 3 : o.gibi ? 4 : o.kibi ? 2 : 0;
    atEndOf(io, o.scenario, o.seed, (m) => toolOutput(m, "free", { exponent, human: o.human, wide: o.wide, total: o.total }));
  });
  common(
    program
      .command("vmstat")
      .description("vmstat(8) of the simulated machine at the end of a scenario (averages since boot)")
      .option("-a, --active", "inactive/active memory")
      .option("-w, --wide", "wide columns")
      .option("-s, --stats", "event counters and memory statistics"),
  ).action((o: { active?: boolean; wide?: boolean; stats?: boolean; scenario: string; seed?: number }) => {
    atEndOf(io, o.scenario, o.seed, (m) => toolOutput(m, "vmstat", o));
  });
  common(
    program
      .command("pmap")
      .description("pmap(1) of a simulated process (a pid or a process name) at the end of a scenario")
      .argument("<pid>", "pid or process name")
      .option("-x, --extended", "extended format (RSS, Dirty)"),
  ).action((pid: string, o: { extended?: boolean; scenario: string; seed?: number }) => {
    atEndOf(io, o.scenario, o.seed, (m, names) => toolOutput(m, `pmap:${pid}`, { extended: o.extended ?? false }, names));
  });
  common(
    program
      .command("smem")
      .description("smem of the simulated machine's processes at the end of a scenario")
      .option("-t, --totals", "a totals row")
      .option("-k, --abbreviate", "human units")
      .option("-u, --userview", "per-user totals"),
  ).action((o: { totals?: boolean; abbreviate?: boolean; userview?: boolean; scenario: string; seed?: number }) => {
    atEndOf(io, o.scenario, o.seed, (m) => toolOutput(m, "smem", { total: o.totals, abbreviate: o.abbreviate, users: o.userview }));
  });
  common(
    program
      .command("slabtop")
      .description("slabtop -o of the simulated machine's slab caches at the end of a scenario")
      .option("-o, --once", "display once, then exit (always so here)")
      .option("-s, --sort <char>", "sort by a: active objects, b: objects per slab, c: cache size, l: slabs, v: active slabs, n: name, o: objects (the default), p: pages per slab, s: object size, u: utilization"),
  ).action((o: { once?: boolean; sort?: string; scenario: string; seed?: number }) => {
    atEndOf(io, o.scenario, o.seed, (m) => toolOutput(m, "slabtop", { sort: o.sort }));
  });
  common(
    program
      .command("cgtop")
      .description("a systemd-cgtop-style table of the memory cgroups at the end of a scenario (memory, limits, swap, events, pressure)"),
  ).action((o: { scenario: string; seed?: number }) => {
    atEndOf(io, o.scenario, o.seed, (m) => toolOutput(m, "cgtop"));
  });
}
