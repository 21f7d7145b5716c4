/**
 * Turns pasted kernel log text into message lines: strips the prefixes that dmesg, `dmesg -T`,
 * journalctl (`-k`, `-o short-precise`, `-o short-iso`), syslog files, /dev/kmsg and e-mail
 * quoting put in front of what printk printed, keeps the timestamp and printk caller id when
 * there is one, and re-joins lines a mail client or terminal wrapped.
 *
 * @kernel kernel/printk/printk.c print_time, print_caller, info_print_prefix
 * @kernel kernel/printk/printk.c devkmsg_read (the "prio,seq,usec,flags;" record prefix)
 *
 * `journalctl -o json` (and `-o json-seq`) records are read too: the message is the MESSAGE field
 * (a string, or an array of bytes when it is not valid UTF-8), the stamp _SOURCE_MONOTONIC_TIMESTAMP.
 *
 * Lines are read one at a time (LogLineSplitter), so a log of any size takes memory for one
 * line and the decision below, not for the log.
 *
 * Simplified: a wrapped line is recognised only when most lines of the paste carry a timestamp
 * prefix and the orphan does not itself look like the start of a printk line; wraps inside a
 * paste with no prefixes at all cannot be told from separate lines and are left as they are.
 * "Most lines" is decided on the first WRAP_WINDOW (4096) physical lines, then on the running
 * count, so a log longer than that is judged by what was read so far.
 */

/** One printk message line, with what the transport put around it taken off. */
export interface LogLine {
  /** Message text with prefixes and surrounding blanks removed. */
  text: string;
  /** 1-based line number in the input (first physical line when a wrap was re-joined). */
  line: number;
  /** Seconds since boot from a `[  123.456789]` stamp, when the line had one. */
  ts?: number;
  /** Wall-clock stamp as printed (`dmesg -T`, syslog, journal, ISO), when the line had one. */
  wall?: string;
  /** printk caller id (`T123` task or `C0` cpu context) when CONFIG_PRINTK_CALLER printed one. */
  caller?: string;
  /** The line began with white space after its prefix: printk continuation or indented trace. */
  indented: boolean;
  /** True when the text was assembled from more than one physical line. */
  joined: boolean;
}

const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?";
// "Jun  4 17:19:10 host kernel: " and "Jun 19 16:23:33.123456 host kernel: " (journalctl -o short-precise)
const SYSLOG_RE = new RegExp(`^${MONTH}\\s+\\d{1,2}\\s+\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?\\s+\\S+\\s+kernel:\\s?`, "i");
// "2026-07-25T14:23:17.527285+0000 host kernel: " (journalctl -o short-iso, rsyslog RFC 3339)
const ISO_RE = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+\S+\s+kernel:\s?/;
// A bare "kernel: " left by grep over syslog or by log shippers.
const KERNEL_RE = /^kernel:\s?/;
// /dev/kmsg records: "6,1234,5678901,-;text" (facility/level, sequence, usec, flags).
const KMSG_RE = /^(\d+),(\d+),(\d+),[-c+][^;]*;/;
// Console loglevel prefix "<4>".
const LEVEL_RE = /^<\d{1,2}>/;
// dmesg -x "kern  :warn  : ".
const FACLEV_RE = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news)\s*:\s*[a-z]+\s*:\s?/;
// "[ 1629.930998]" (print_time).
const STAMP_RE = /^\[\s*(\d+)\.(\d+)\]\s?/;
// "[T14021]" / "[    C0]" (print_caller, CONFIG_PRINTK_CALLER).
const CALLER_RE = /^\[\s*([TC]\d+)\]\s?/;
// dmesg -T in any locale: a bracketed stamp holding hh:mm:ss and a letter, e.g.
// "[Thu May  9 14:52:38 2024]" or "[dim. 19 avril 18:03:30 2026]". Table rows "[  pid  ]" and
// "[  38886]" never hold a colon, so they are not mistaken for it.
const WALL_RE = /^\[([^\]\n]*[A-Za-z][^\]\n]*\d\d:\d\d:\d\d[^\]\n]*)\]\s?/;
// ISO stamp in brackets: "[2026-07-25T14:23:17.527Z]".
const WALL_ISO_RE = /^\[(\d{4}-\d\d-\d\d[T ][^\]\n]*)\]:?\s?/;
// E-mail quoting: "> ", ">> ", "> >".
const QUOTE_RE = /^(?:>\s?)+/;

interface Stripped {
  text: string;
  ts?: number;
  wall?: string;
  caller?: string;
  hadPrefix: boolean;
}

/**
 * A `journalctl -o json` record (one JSON object per line; `-o json-seq` puts an RS byte first):
 * its MESSAGE and monotonic stamp, or null when the line is not such a record. MESSAGE is a
 * string, or an array of bytes when the message is not valid UTF-8 (journald's rule).
 */
function journalRecord(line: string): Stripped | null {
  const s = line.charCodeAt(0) === 0x1e ? line.slice(1) : line;
  if (!s.startsWith("{") || !s.includes('"MESSAGE"')) return null;
  let rec: unknown;
  try {
    rec = JSON.parse(s);
  } catch {
    return null;
  }
  if (typeof rec !== "object" || rec === null) return null;
  const msg: unknown = Reflect.get(rec, "MESSAGE");
  let text: string;
  if (typeof msg === "string") text = msg;
  else if (Array.isArray(msg) && msg.every((b) => typeof b === "number")) text = new TextDecoder().decode(Uint8Array.from(msg as number[]));
  else return null;
  const out: Stripped = { text: text.replace(/\n+$/, ""), hadPrefix: true };
  const mono: unknown = Reflect.get(rec, "_SOURCE_MONOTONIC_TIMESTAMP");
  if (typeof mono === "string" && /^\d+$/.test(mono)) out.ts = Number(mono) / 1e6;
  const wall: unknown = Reflect.get(rec, "__REALTIME_TIMESTAMP");
  // The record's own realtime stamp (µs since the epoch, written by journald on the machine the
  // log came from), shown as ISO text: a function of the input, not a reading of this host's clock.
  if (typeof wall === "string" && /^\d+$/.test(wall)) out.wall = isoUtc(Math.floor(Number(wall) / 1000));
  return out;
}

/**
 * Milliseconds since the epoch as ISO 8601 UTC text, "2024-05-01T12:34:56.789Z" (what
 * Date.prototype.toISOString prints), by arithmetic alone: no Date object, and no RangeError for a
 * stamp past year 275760 (a hostile log line), where the year is simply printed wider.
 * The day-to-date step is the proleptic Gregorian civil_from_days (400-year eras of 146097 days).
 */
export function isoUtc(ms: number): string {
  const days = Math.floor(ms / 86400000);
  const msOfDay = ms - days * 86400000;
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365); // [0, 399]
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365], from March 1st
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11], March = 0
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number): string => String(n).padStart(2, "0");
  const hh = Math.floor(msOfDay / 3600000);
  const mm = Math.floor(msOfDay / 60000) % 60;
  const ss = Math.floor(msOfDay / 1000) % 60;
  const yyyy = year <= 9999 ? String(year).padStart(4, "0") : `+${String(year).padStart(6, "0")}`;
  return `${yyyy}-${two(month)}-${two(day)}T${two(hh)}:${two(mm)}:${two(ss)}.${String(msOfDay % 1000).padStart(3, "0")}Z`;
}

/** Removes every transport prefix from one physical line, keeping stamp and caller id. */
function stripPrefixes(raw: string): Stripped {
  let s = raw.replace(/\r$/, "");
  const j = journalRecord(s);
  if (j) return j;
  const out: Stripped = { text: s, hadPrefix: false };
  // Quoting comes outermost (a quoted journal line is still a journal line).
  const q = QUOTE_RE.exec(s);
  if (q) s = s.slice(q[0].length);
  // Leading blanks before a prefix come from indented pastes; after the prefix they matter.
  const lead = /^\s+/.exec(s);
  const afterLead = lead ? s.slice(lead[0].length) : s;
  if (lead && (SYSLOG_RE.test(afterLead) || STAMP_RE.test(afterLead) || WALL_RE.test(afterLead) || KMSG_RE.test(afterLead))) s = afterLead;
  for (let guard = 0; guard < 8; guard++) {
    let m: RegExpExecArray | null;
    if ((m = SYSLOG_RE.exec(s)) || (m = ISO_RE.exec(s))) {
      out.wall = m[0].replace(/\s+\S+\s+kernel:\s?$/, "");
      s = s.slice(m[0].length);
      out.hadPrefix = true;
      continue;
    }
    if ((m = KMSG_RE.exec(s))) {
      out.ts = Number(m[3]) / 1e6;
      s = s.slice(m[0].length);
      out.hadPrefix = true;
      continue;
    }
    if ((m = LEVEL_RE.exec(s)) || (m = FACLEV_RE.exec(s)) || (m = KERNEL_RE.exec(s))) {
      s = s.slice(m[0].length);
      continue;
    }
    if ((m = STAMP_RE.exec(s))) {
      out.ts = Number(`${m[1]}.${m[2]}`);
      s = s.slice(m[0].length);
      out.hadPrefix = true;
      continue;
    }
    if ((m = CALLER_RE.exec(s))) {
      out.caller = m[1];
      s = s.slice(m[0].length);
      continue;
    }
    if ((m = WALL_RE.exec(s)) || (m = WALL_ISO_RE.exec(s))) {
      out.wall = m[1];
      s = s.slice(m[0].length);
      out.hadPrefix = true;
      continue;
    }
    break;
  }
  out.text = s;
  return out;
}

// Lines that begin a printk record of their own even without a prefix; a line that does not
// look like one of these, in a paste where most lines have prefixes, is a wrapped tail.
const LINE_START_RE =
  /^(?:\[|\.\.\.|\(\.\.\.|<snip>|Node \d|lowmem_reserve|Mem-Info|Tasks state|oom-kill:|Out of memory|Memory cgroup|Killed process|Call Trace|CPU:|Hardware name|Free swap|Total swap|\d+ (?:total pagecache|pages)|memory:|memory\+swap:|swap:|kmem:|Task in|oom_reaper|Kernel panic|[A-Za-z0-9_.:\-/ ]{1,40} invoked oom-killer)/;

/** Physical lines over which the paste's share of prefixed lines is first judged. */
export const WRAP_WINDOW = 4096;

/**
 * Turns physical lines, pushed one at a time, into message lines, re-joining wrapped ones. A
 * message line is handed to `emit` once the next physical line shows it is not continued, so
 * memory holds one pending line (and the first WRAP_WINDOW stripped lines, until the wrap rule
 * is decided). Never throws.
 */
export class LogLineSplitter {
  private readonly emit: (l: LogLine) => void;
  /** Stripped lines held until the first WRAP_WINDOW are seen (or the input ends). */
  private window: Array<{ s: Stripped; raw: number; no: number }> | null = [];
  private nonEmpty = 0;
  private prefixed = 0;
  private lineNo = 0;
  private prevRawLen = 0;
  private pending: LogLine | null = null;
  /** The previous physical line was prefixed, or was itself a wrapped tail of one. */
  private chainOpen = false;

  constructor(emit: (l: LogLine) => void) {
    this.emit = emit;
  }

  /** One physical line, without its newline. */
  push(raw: string): void {
    const s = stripPrefixes(raw);
    this.lineNo++;
    if (s.text.trim() !== "") {
      this.nonEmpty++;
      if (s.hadPrefix) this.prefixed++;
    }
    if (this.window) {
      this.window.push({ s, raw: raw.length, no: this.lineNo });
      if (this.window.length >= WRAP_WINDOW) this.flushWindow();
      return;
    }
    this.take(s, raw.length, this.lineNo);
  }

  /** The input ended: emits what is pending. */
  end(): void {
    this.flushWindow();
    if (this.pending) this.emit(this.pending);
    this.pending = null;
  }

  private flushWindow(): void {
    const w = this.window;
    if (!w) return;
    this.window = null;
    for (const x of w) this.take(x.s, x.raw, x.no);
  }

  private take(s: Stripped, rawLen: number, no: number): void {
    const prevRawLen = this.prevRawLen;
    this.prevRawLen = rawLen;
    const body = s.text;
    if (body.trim() === "") {
      this.chainOpen = false;
      return;
    }
    // Only re-join wraps when at least half the paste is prefixed, so a clean /proc-style paste
    // with no stamps is never glued together.
    const joinWraps = this.nonEmpty >= 4 && this.prefixed * 2 >= this.nonEmpty;
    const trimmed = body.trim();
    const prev = this.pending;
    // Also join a line that directly follows a prefixed line and reads like the rest of a
    // sentence (lower case, digit or parenthesis first): a mail client wrapped a log quoted in
    // prose, where the paste as a whole is mostly unprefixed.
    const localWrap = this.chainOpen && /^[a-z0-9(]/.test(trimmed);
    if ((joinWraps || localWrap) && !s.hadPrefix && prev && !LINE_START_RE.test(trimmed) && !/^\s/.test(body)) {
      // A terminal cuts long lines at its width, even inside a word ("inacti" + "ve_file:88KB"):
      // join those without a space. Mail clients wrap at a space (~72–80 columns) and drop it:
      // join with one, as for a cut between fields ("high:36376kB" + "active_anon:…").
      const cutInWord = prevRawLen >= 120 && /[A-Za-z_]$/.test(prev.text) && !/(?:kB|KB|yes|no)$/.test(prev.text);
      prev.text = cutInWord ? prev.text + trimmed : `${prev.text} ${trimmed}`;
      prev.joined = true;
      this.chainOpen = true;
      return;
    }
    this.chainOpen = s.hadPrefix;
    const line: LogLine = { text: trimmed, line: no, indented: /^\s/.test(body), joined: false };
    if (s.ts !== undefined) line.ts = s.ts;
    if (s.wall !== undefined) line.wall = s.wall;
    if (s.caller !== undefined) line.caller = s.caller;
    if (prev) this.emit(prev);
    this.pending = line;
  }
}

/**
 * Splits `input` into message lines. Never throws: any text yields some lines, possibly empty.
 * @param input the pasted log, any line endings
 */
export function splitLogLines(input: string): LogLine[] {
  const out: LogLine[] = [];
  const sp = new LogLineSplitter((l) => void out.push(l));
  for (const raw of input.split(/\r?\n/)) sp.push(raw);
  sp.end();
  return out;
}
