/**
 * A scenario's expectations, checked at the end of its run: each becomes an `ExpectResult` that
 * says what was asserted, what was expected and what the machine showed. Values are read through
 * the machine's files (/proc/meminfo, /proc/vmstat, /proc/PID/status), the captures the run
 * took, and the timeline's event counts — what a person checking a real machine could read.
 */
import type { Machine } from "../sim/index.js";
import type { CaptureResult, ExpectResult } from "./result.js";
import type { Expectation } from "./schema.js";

/** What a process expectation reads about one of the scenario's processes. */
export interface ProcessOutcome {
  /** Whether it ever started (its spawn or fork ran). */
  started: boolean;
  state: "alive" | "exited" | "killed";
  exitCode?: number;
  signal?: string;
  /** Its pid while it is alive at the end, else undefined. */
  livePid?: number;
}

/** What expectations are checked against. */
export interface CheckContext {
  m: Machine;
  /** Each name's processes: one, or every child of a counted fork (`fork: { count }`). */
  processes: ReadonlyMap<string, readonly ProcessOutcome[]>;
  captures: readonly CaptureResult[];
  eventCounts: ReadonlyMap<string, number>;
}

/** The value of `field` in /proc-style text: "Field:  123 kB" or "field 123". */
export function fieldOf(text: string, field: string): number | undefined {
  const esc = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${esc}:?\\s+(-?\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

function boundsText(e: { min?: number; max?: number; equals?: number }, unit: string): string {
  const u = unit ? ` ${unit}` : "";
  if (e.equals !== undefined) return `= ${e.equals}${u}`;
  if (e.min !== undefined && e.max !== undefined) return `${e.min}..${e.max}${u}`;
  if (e.min !== undefined) return `≥ ${e.min}${u}`;
  return `≤ ${e.max}${u}`;
}

function inBounds(v: number, e: { min?: number; max?: number; equals?: number }): boolean {
  if (e.equals !== undefined) return v === e.equals;
  return (e.min === undefined || v >= e.min) && (e.max === undefined || v <= e.max);
}

/** "kB" when the line of `field` in `text` carries that unit. */
function unitOf(text: string, field: string): string {
  return /\bkB\b/.test(new RegExp(`^${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:?.*$`, "m").exec(text)?.[0] ?? "") ? "kB" : "";
}

/**
 * A capture expectation's bounds in the captured field's unit. Plain numbers are the file's own
 * unit. A size ("48M") is kB for a field printed with kB (meminfo, status, smaps), bytes for a
 * cgroup file's (memory.stat, memory.current and the rest print bytes); any other field has no
 * size unit: null.
 */
function captureBounds(e: { min?: number; max?: number; equals?: number; sizes?: { min?: number; max?: number; equals?: number } }, unit: string, path: string): { min?: number; max?: number; equals?: number } | null {
  const sizes = e.sizes;
  if (sizes === undefined || unit === "kB") return e;
  if (!path.startsWith("/sys/fs/cgroup/")) return null;
  const out = { min: e.min, max: e.max, equals: e.equals };
  for (const k of ["min", "max", "equals"] as const) {
    const v = sizes[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Checks one expectation at the end of a run. */
export function checkExpectation(e: Expectation, c: CheckContext): ExpectResult {
  const base = { path: e.path, line: e.pos.line };
  const numeric = (what: string, v: number | undefined, unit: string, b: { min?: number; max?: number; equals?: number }, missing: string): ExpectResult => {
    const expected = boundsText(b, unit);
    if (v === undefined) return { ...base, what, ok: false, expected, actual: missing };
    return { ...base, what, ok: inBounds(v, b), expected, actual: `${Math.round(v * 1000) / 1000}${unit ? " " + unit : ""}` };
  };
  switch (e.kind) {
    case "process": {
      // A counted fork's children answer together: each of them must be in the state.
      const all = c.processes.get(e.process) ?? [];
      const what = `process ${e.process} is ${e.state}${e.signal ? ` by ${e.signal}` : ""}`;
      const expected = e.state + (e.signal ? ` by ${e.signal}` : "");
      if (all.length === 0 || all.some((p) => !p.started)) return { ...base, what, ok: false, expected, actual: "never started" };
      const tally = new Map<string, number>();
      let ok = true;
      for (const p of all) {
        const actual = p.state === "killed" ? `killed by ${p.signal ?? "a signal"}` : p.state === "exited" ? `exited(${p.exitCode ?? 0})` : "alive";
        tally.set(actual, (tally.get(actual) ?? 0) + 1);
        if (p.state !== e.state || (e.signal !== undefined && p.signal !== e.signal)) ok = false;
      }
      const actual = all.length === 1 ? [...tally.keys()][0] : [...tally].map(([a, n]) => `${n} of ${all.length} ${a}`).join(", ");
      return { ...base, what, ok, expected, actual };
    }
    case "meminfo":
      return numeric(`meminfo ${e.field}`, fieldOf(c.m.read("/proc/meminfo"), e.field), "kB", e, "no such field in /proc/meminfo");
    case "vmstat":
      return numeric(`vmstat ${e.field}`, fieldOf(c.m.read("/proc/vmstat"), e.field), "", e, "no such counter in /proc/vmstat");
    case "capture": {
      const cap = c.captures.find((x) => x.label === e.label);
      const what = `capture ${e.label} ${e.field}${e.since ? ` since ${e.since}` : ""}`;
      if (!cap) return { ...base, what, ok: false, expected: boundsText(e, ""), actual: "never captured (the step did not run)" };
      let v = fieldOf(cap.text, e.field);
      if (v !== undefined && e.since) {
        const s = c.captures.find((x) => x.label === e.since);
        const sv = s ? fieldOf(s.text, e.field) : undefined;
        v = sv === undefined ? undefined : v - sv;
      }
      const unit = unitOf(cap.text, e.field);
      const b = captureBounds(e, unit, cap.path);
      if (b === null) return { ...base, what, ok: false, expected: boundsText(e, "kB"), actual: `a size, but ${e.field} in ${cap.path} is not in kB or bytes: give a plain number` };
      return numeric(what, v, unit, b, `no field ${e.field} in ${cap.path}`);
    }
    case "capture_lines": {
      const cap = c.captures.find((x) => x.label === e.label);
      const what = `lines of ${e.label} matching /${e.matches}/`;
      if (!cap) return { ...base, what, ok: false, expected: boundsText(e, ""), actual: "never captured (the step did not run)" };
      const re = new RegExp(e.matches);
      return numeric(what, cap.text.split("\n").filter((l) => l !== "" && re.test(l)).length, "", e, "");
    }
    case "event":
      return numeric(`event ${e.event} count`, c.eventCounts.get(e.event) ?? 0, "", e, "");
    case "dmesg": {
      const log = c.m.dmesg();
      return { ...base, what: `dmesg contains "${e.contains}"`, ok: log.includes(e.contains), expected: "present", actual: log.includes(e.contains) ? "present" : "absent" };
    }
    case "status": {
      // Of a counted fork's children, the first still alive.
      const p = c.processes.get(e.process)?.find((o) => o.livePid !== undefined);
      const what = `${e.process} status ${e.field}`;
      if (p?.livePid === undefined) return { ...base, what, ok: false, expected: boundsText(e, "kB"), actual: "process not alive at the end" };
      let text: string;
      try {
        text = c.m.read(`/proc/${p.livePid}/status`);
      } catch {
        text = "";
      }
      return numeric(what, fieldOf(text, e.field), /kB/.test(new RegExp(`^${e.field}:.*$`, "m").exec(text)?.[0] ?? "") ? "kB" : "", e, `no field ${e.field} in status`);
    }
  }
}
