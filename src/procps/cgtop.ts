/**
 * A `systemd-cgtop`-style table of the memory cgroups at one instant, computed from the cgroup
 * files' text (pure: the caller reads them). systemd-cgtop's columns come first — Control Group,
 * Tasks, %CPU, Memory, Input/s, Output/s — then the memory controller's: memory.high,
 * memory.max, memory.swap.current, memory.events (low, high, max, oom, oom_kill) and
 * memory.pressure's some and full avg10.
 *
 * One row per group in path order (as `systemd-cgtop --order=path`), the root first as "/";
 * Tasks counts cgroup.procs; sizes are printed in the style of systemd's format_bytes (IEC units,
 * one decimal, "123B" below 1K); a value a group lacks is "-". Simplified: one shot (no
 * refresh); the model has no CPU or io controller, so %CPU, Input/s and Output/s are always "-";
 * the root, which has no memory.current, shows MemTotal − MemAvailable of /proc/meminfo as its
 * Memory, and no limits or events.
 */
import { rjust } from "./common.js";

/** One group's files as read at the end of a run; undefined for a file the group lacks. */
export interface CgtopGroup {
  /** "/" for the root, else "/a/b". */
  path: string;
  procs?: string;
  current?: string;
  high?: string;
  max?: string;
  swapCurrent?: string;
  events?: string;
  pressure?: string;
}

export interface CgtopOptions {
  /** The root's Memory, bytes (MemTotal − MemAvailable). */
  rootMemory?: number;
}

/**
 * systemd's format_bytes (FORMAT_BYTES_USE_IEC | FORMAT_BYTES_BELOW_POINT): the largest IEC unit
 * not above the value, with one truncated decimal; bytes below 1K as "NB".
 */
export function formatBytesIec(t: number): string {
  const units = ["E", "P", "T", "G", "M", "K"];
  for (let i = 0; i < units.length; i++) {
    const factor = 2 ** (10 * (6 - i));
    if (t >= factor) {
      const whole = Math.floor(t / factor);
      const tenth = Math.floor(((t % factor) * 10) / factor);
      return `${whole}.${tenth}${units[i]}`;
    }
  }
  return `${t}B`;
}

function limit(text: string | undefined): string {
  if (text === undefined) return "-";
  const v = text.trim();
  return v === "max" ? "max" : formatBytesIec(Number(v));
}

function keyed(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of (text ?? "").trim().split("\n")) {
    const [k, v] = l.split(" ");
    if (k) out.set(k, v);
  }
  return out;
}

/** memory.pressure's avg10 of the some and full lines. */
function avg10(text: string | undefined): [string, string] {
  if (text === undefined) return ["-", "-"];
  const some = /^some avg10=([\d.]+)/m.exec(text)?.[1] ?? "-";
  const full = /^full avg10=([\d.]+)/m.exec(text)?.[1] ?? "-";
  return [some, full];
}

const HEAD: readonly (readonly [string, number])[] = Object.freeze([
  ["Tasks", 6],
  ["%CPU", 6],
  ["Memory", 8],
  ["Input/s", 8],
  ["Output/s", 9],
  ["High", 8],
  ["Max", 8],
  ["Swap", 8],
  ["low", 6],
  ["high", 6],
  ["max", 6],
  ["oom", 4],
  ["kill", 5],
  ["Some10", 7],
  ["Full10", 7],
] as const);

/** The table, header first, then one row per group (the root first, the rest in path order). */
export function formatCgtop(groups: readonly CgtopGroup[], opts: CgtopOptions = {}): string {
  const sorted = [...groups].sort((a, b) => (a.path === "/" ? -1 : b.path === "/" ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max("Control Group".length, ...sorted.map((g) => g.path.length)) + 1;
  let out = "Control Group".padEnd(width);
  for (const [h, w] of HEAD) out += rjust(h, w);
  out += "\n";
  for (const g of sorted) {
    const root = g.path === "/";
    const tasks = g.procs === undefined ? "-" : String(g.procs.split("\n").filter((l) => l !== "").length);
    const memory = root ? (opts.rootMemory === undefined ? "-" : formatBytesIec(opts.rootMemory)) : g.current === undefined ? "-" : formatBytesIec(Number(g.current.trim()));
    const ev = keyed(g.events);
    const e = (k: string): string => (g.events === undefined ? "-" : (ev.get(k) ?? "-"));
    const [some, full] = avg10(g.pressure);
    const cells = [tasks, "-", memory, "-", "-", limit(g.high), limit(g.max), g.swapCurrent === undefined ? "-" : formatBytesIec(Number(g.swapCurrent.trim())), e("low"), e("high"), e("max"), e("oom"), e("oom_kill"), some, full];
    out += g.path.padEnd(width);
    cells.forEach((c, i) => (out += rjust(c, HEAD[i][1])));
    out += "\n";
  }
  return out;
}
