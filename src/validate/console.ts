/**
 * The console parser of `mmsim validate`: a guest's serial console log in, its captures, events,
 * kernel log and OOM reports out. It reads the realkernel harness's logs too
 * (test/realkernel/data/<w>/console.log), and splits them exactly as that harness's `run.sh`
 * did: a capture is every line between a "@@RK-BEGIN label@@" line and the next
 * "@@RK-END label@@" marker, each line with its newline, and the text before an END marker on
 * the marker's own line without one (a file that did not end in a newline). Carriage returns at
 * line ends (the tty's ONLCR) are dropped.
 *
 * mmguest's own lines: "@@RK-START name@@" and "@@RK-DONE name@@" open and close the run;
 * "@@RK-EV <virtual ns> <wall µs> <kind> key=value ...@@" records what happened (values
 * percent-encoded, as labels in markers are). Anything else (the boot's own output, a panic's
 * messages, garbage) is counted, and a kernel panic or oops line is kept.
 *
 * Robust to garbage and truncation: a capture without its END marker is kept with
 * `complete: false`; a malformed marker is reported in `malformed`; bytes that are not UTF-8
 * decode as U+FFFD in the caller; a line is cut at MAX_LINE characters. Nothing throws.
 */
import { decodeValue } from "./compile.js";

/** Longest console line kept whole (a runaway guest can print one endless line). */
export const MAX_LINE = 1 << 20;

export interface ConsoleCapture {
  label: string;
  text: string;
  /** false: the log ended (or another BEGIN came) before the END marker. */
  complete: boolean;
  /** 1-based line of the BEGIN marker. */
  line: number;
}

export interface ConsoleEvent {
  /** Virtual ns of the guest's clock (see docs/validate.md). */
  vt_ns: number;
  wall_us: number;
  kind: string;
  fields: Record<string, string>;
  line: number;
}

export interface ParsedConsole {
  /** The name in "@@RK-START name@@", if the run started. */
  started?: string;
  /** The name in "@@RK-DONE name@@", if the run finished. */
  done?: string;
  captures: ConsoleCapture[];
  events: ConsoleEvent[];
  /** The first "Kernel panic - not syncing: …" message. */
  panic?: string;
  /** Oops, BUG and general protection fault lines. */
  oops: string[];
  /** Lines outside any marker (boot output, kernel messages on the console). */
  otherLines: number;
  /** Marker-like lines that could not be read (up to 20). */
  malformed: string[];
}

const BEGIN = /@@RK-BEGIN ([^@\n]+)@@/;
const END = /@@RK-END ([^@\n]+)@@/;
const START = /@@RK-START ([^@\n]*)@@/;
const DONE = /@@RK-DONE ([^@\n]*)@@/;
const EV = /^@@RK-EV (-?\d+) (-?\d+) ([a-z_]+)((?: [A-Za-z_]+=[^ @]*)*)@@$/;
const PANIC = /Kernel panic - not syncing: ?(.*)$/;
const OOPS = /\b(BUG: |Oops: |general protection fault|kernel BUG at)/;

/** Splits a console log. Never throws. */
export function parseConsole(log: string): ParsedConsole {
  const out: ParsedConsole = { captures: [], events: [], oops: [], otherLines: 0, malformed: [] };
  const bad = (l: string): void => {
    if (out.malformed.length < 20) out.malformed.push(l.slice(0, 200));
  };
  let cur: { label: string; parts: string[]; line: number } | null = null;
  const lines = log.split("\n");
  // a final line without "\n" is still a line (a truncated log)
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (l.length > MAX_LINE) l = l.slice(0, MAX_LINE);
    if (l.endsWith("\r")) l = l.slice(0, -1);
    const lineNo = i + 1;
    if (cur) {
      const e = END.exec(l);
      if (e) {
        const pre = l.slice(0, e.index);
        if (decodeValue(e[1]) !== cur.label) bad(l);
        out.captures.push({ label: cur.label, text: cur.parts.join("") + pre, complete: true, line: cur.line });
        cur = null;
        continue;
      }
      // the kernel can print over a capture (a panic while a file is printed): keep it visible
      const p = PANIC.exec(l);
      if (p && out.panic === undefined) out.panic = p[1].trim();
      cur.parts.push(l + "\n");
      continue;
    }
    const b = BEGIN.exec(l);
    if (b) {
      cur = { label: decodeValue(b[1]), parts: [], line: lineNo };
      continue;
    }
    if (l.includes("@@RK-")) {
      const s = START.exec(l);
      const d = DONE.exec(l);
      const ev = EV.exec(l);
      if (s) out.started = decodeValue(s[1]);
      else if (d) out.done = decodeValue(d[1]);
      else if (ev) out.events.push(parseEvent(ev, lineNo));
      else if (!END.test(l)) bad(l);
      continue;
    }
    out.otherLines++;
    const p = PANIC.exec(l);
    if (p && out.panic === undefined) out.panic = p[1].trim();
    if (OOPS.test(l) && out.oops.length < 20) out.oops.push(l.slice(0, 300));
  }
  if (cur) out.captures.push({ label: cur.label, text: cur.parts.join(""), complete: false, line: cur.line });
  return out;
}

function parseEvent(m: RegExpExecArray, line: number): ConsoleEvent {
  const fields: Record<string, string> = {};
  for (const kv of m[4].trim().split(" ")) {
    if (!kv) continue;
    const eq = kv.indexOf("=");
    fields[kv.slice(0, eq)] = decodeValue(kv.slice(eq + 1));
  }
  return { vt_ns: Number(m[1]), wall_us: Number(m[2]), kind: m[3], fields, line };
}

/** The last capture with this label (a label is unique in a scenario; the last one wins otherwise). */
export function captureText(c: ParsedConsole, label: string): string | undefined {
  for (let i = c.captures.length - 1; i >= 0; i--) if (c.captures[i].label === label) return c.captures[i].text;
  return undefined;
}

/**
 * The OOM reports in a kernel log, each from its "invoked oom-killer:" line through its
 * "Killed process" line, as the realkernel harness cut them (oom_report.N). A report cut short
 * by the end of the log is kept as far as it goes.
 */
export function oomReports(dmesg: string): string[] {
  const out: string[] = [];
  let cur: string[] | null = null;
  for (const l of dmesg.split("\n")) {
    if (l.includes("invoked oom-killer:")) {
      if (cur) out.push(cur.join("\n") + "\n");
      cur = [];
    }
    if (cur) {
      cur.push(l);
      if (l.includes("Killed process")) {
        out.push(cur.join("\n") + "\n");
        cur = null;
      }
    }
  }
  while (cur && cur.length && cur[cur.length - 1] === "") cur.pop();
  if (cur && cur.length) out.push(cur.join("\n") + "\n");
  return out;
}
