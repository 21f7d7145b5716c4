/**
 * `decode`: reads kernel text from a real system (an OOM report out of dmesg or the journal, a
 * /proc or cgroup file), auto-detects which it is, and returns a structured result (the JSON
 * schema of src/decode/types.ts) that `explain` turns into prose. Pure: no I/O, usable in a
 * browser; the CLI reads the file. Never throws on any input.
 *
 * Input of any size is read as a stream (DecodeStream: text pushed in chunks), in bounded memory:
 * a line is cut at MAX_LINE_CHARS, a log keeps one OOM report's lines at a time and at most
 * MAX_REPORTS decoded reports, and a /proc or cgroup file is read up to MAX_FILE_CHARS. The
 * kind is detected from the first DETECT_CHARS characters (or given); a text whose start is not
 * recognised is searched for OOM reports to its end.
 *
 * @kernel mm/oom_kill.c, fs/proc/meminfo.c, mm/vmstat.c, fs/proc/task_mmu.c (see each reader)
 */
import { detectKind } from "./detect.js";
import { OomLogReader } from "./oom.js";
import { LogLineSplitter } from "./lines.js";
import { pidQuery } from "./oom_analyse.js";
import { decodeMeminfo } from "./meminfo.js";
import { decodeZoneinfo } from "./zoneinfo.js";
import { decodeBuddyinfo, decodePagetypeinfo } from "./buddyinfo.js";
import { decodeKeyValue, decodePressure, decodeSmaps, decodeStatus, decodeSwaps } from "./procfiles.js";
import type { DecodeKind, DecodeResult, ZoneinfoResult } from "./types.js";

export { explain, type ExplainOptions } from "./explain.js";
export { detectKind } from "./detect.js";
export { MAX_REPORTS, MAX_REPORT_LINES } from "./oom.js";
export { toJson } from "./json.js";
export type * from "./types.js";

/** Kinds `decode` accepts in `opts.kind` (the CLI's --kind). */
export const DECODE_KINDS: readonly DecodeKind[] = [
  "oom", "meminfo", "buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat", "status", "smaps", "smaps_rollup", "swaps", "pressure", "memory.stat", "memory.events",
];

export interface DecodeOptions {
  /** Skip detection and read the text as this kind. */
  kind?: DecodeKind;
  /** A /proc/zoneinfo of the same moment: meminfo's exact MemAvailable, buddyinfo's watermark checks. */
  zoneinfoText?: string;
  /** For OOM reports: where this pid stood, in each report's `pidQuery` (the CLI's --pid). */
  pid?: number;
}

/** Characters of the input the kind is detected from (detectKind reads this much). */
export const DETECT_CHARS = 200_000;
/** A line longer than this is cut (the rest of it is skipped) and counted in a warning. */
export const MAX_LINE_CHARS = 64 * 1024;
/** A /proc or cgroup file longer than this is read up to here, with a warning. */
export const MAX_FILE_CHARS = 64 * 1024 * 1024;

/**
 * Decodes a text pushed in chunks of any size (a file or a pipe read piece by piece), in memory
 * bounded whatever the input's size (see the header). `end()` returns the result.
 */
export class DecodeStream {
  private readonly opts: DecodeOptions;
  /** Text before the kind is known (at most DETECT_CHARS). */
  private head: string[] = [];
  private headChars = 0;
  private kind: DecodeKind | undefined;
  /** The end of the last line pushed, not yet ended by a newline. */
  private partial = "";
  /** The current line passed MAX_LINE_CHARS: the rest of it is skipped. */
  private skipping = false;
  private longLines = 0;
  private lines: LogLineSplitter | null = null;
  private reader: OomLogReader | null = null;
  private file: string[] = [];
  private fileChars = 0;
  private fileCut = false;

  constructor(opts: DecodeOptions = {}) {
    this.opts = opts;
    this.kind = opts.kind;
    if (this.kind !== undefined) this.start();
  }

  /** The kind being read: given, or detected once DETECT_CHARS are in (undefined before). */
  get detected(): DecodeKind | undefined {
    return this.kind;
  }

  /** Feeds the next piece of the text. */
  push(chunk: string): this {
    if (this.kind === undefined) {
      this.head.push(chunk);
      this.headChars += chunk.length;
      if (this.headChars >= DETECT_CHARS) this.detect();
      return this;
    }
    this.feed(chunk);
    return this;
  }

  /** The text ended: the decoded result. Never throws. */
  end(): DecodeResult {
    if (this.kind === undefined) this.detect();
    try {
      return this.finish();
    } catch (e) {
      // The readers are written not to throw; this is the last line of defence for a bug.
      return { kind: "unknown", missing: [{ part: "all", message: `decoder failure: ${e instanceof Error ? e.message : String(e)}` }], warnings: [] };
    }
  }

  private detect(): void {
    const head = this.head.join("");
    this.head = [];
    this.kind = detectKind(head);
    this.start();
    this.feed(head);
  }

  /** Sets up the reader for the kind: a log reader line by line, or a file buffer. */
  private start(): void {
    if (this.kind === "oom" || this.kind === "unknown") {
      const reader = new OomLogReader();
      this.reader = reader;
      this.lines = new LogLineSplitter((l) => reader.push(l));
    }
  }

  private feed(chunk: string): void {
    if (!this.lines) {
      // A /proc or cgroup file: kept whole, up to the cap.
      if (this.fileChars + chunk.length > MAX_FILE_CHARS) {
        chunk = chunk.slice(0, Math.max(0, MAX_FILE_CHARS - this.fileChars));
        this.fileCut = true;
      }
      if (chunk.length > 0) this.file.push(chunk);
      this.fileChars += chunk.length;
      return;
    }
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", from);
      const piece = nl < 0 ? chunk.slice(from) : chunk.slice(from, nl);
      if (!this.skipping) {
        if (this.partial.length + piece.length > MAX_LINE_CHARS) {
          this.partial += piece.slice(0, MAX_LINE_CHARS - this.partial.length);
          this.skipping = true;
          this.longLines++;
        } else this.partial += piece;
      }
      if (nl < 0) return;
      this.line();
      from = nl + 1;
    }
  }

  /** The partial line is complete. */
  private line(): void {
    const raw = this.partial.endsWith("\r") ? this.partial.slice(0, -1) : this.partial;
    this.partial = "";
    this.skipping = false;
    this.lines?.push(raw);
  }

  private finish(): DecodeResult {
    const kind = this.kind ?? "unknown";
    if (this.lines && this.reader) {
      this.line();
      this.lines.end();
      const r = this.reader.end();
      const warnings = [...r.warnings];
      if (this.longLines > 0) warnings.push({ part: "line", message: `${this.longLines} lines longer than ${MAX_LINE_CHARS} characters were cut there` });
      if (kind === "unknown" && r.reports.length === 0) return { kind: "unknown", missing: [{ part: "kind", message: "not recognised as an OOM log or a /proc or cgroup memory file; pass --kind" }], warnings };
      const pid = this.opts.pid;
      if (pid !== undefined) for (const rep of r.reports) rep.pidQuery = pidQuery(rep, pid);
      return { kind: "oom-log", reports: r.reports, missing: r.missing, warnings };
    }
    const res = decodeAs(this.file.join(""), kind, this.opts);
    if (this.fileCut) res.warnings.push({ part: "input", message: `the input is longer than ${MAX_FILE_CHARS} characters: only that much was read` });
    return res;
  }
}

/**
 * Whether the decoder found what it read the input as: some OOM report in a log, some field of
 * a /proc or cgroup file. False for "unknown", and for a --kind reader that found nothing (the
 * CLI's exit code 1).
 */
export function recognised(r: DecodeResult): boolean {
  switch (r.kind) {
    case "unknown": return false;
    case "oom-log": return r.reports.length > 0;
    case "meminfo": return Object.keys(r.fields).length > 0;
    case "zoneinfo":
    case "buddyinfo":
      return r.zones.length > 0;
    case "pagetypeinfo": return r.free.length > 0 || r.blocks.length > 0;
    case "vmstat":
    case "memory.stat":
    case "memory.events":
    case "status":
      return Object.keys(r.fields).length > 0;
    case "smaps":
    case "smaps_rollup":
      return r.vmas.length > 0 || !r.missing.some((p) => p.part === "Pss");
    case "swaps": return !r.missing.some((p) => p.part === "header");
    case "pressure": return r.some !== undefined || r.full !== undefined;
  }
}

/** Decodes one text. */
export function decode(text: string, opts: DecodeOptions = {}): DecodeResult {
  return new DecodeStream(opts).push(text).end();
}

function decodeAs(text: string, kind: DecodeKind, opts: DecodeOptions): DecodeResult {
  switch (kind) {
    case "meminfo": {
      let zi: ZoneinfoResult | undefined;
      if (opts.zoneinfoText !== undefined) zi = decodeZoneinfo(opts.zoneinfoText);
      return decodeMeminfo(text, zi);
    }
    case "zoneinfo": return decodeZoneinfo(text);
    case "buddyinfo": return decodeBuddyinfo(text, opts.zoneinfoText !== undefined ? decodeZoneinfo(opts.zoneinfoText) : undefined);
    case "pagetypeinfo": return decodePagetypeinfo(text);
    case "vmstat":
    case "memory.stat":
    case "memory.events":
      return decodeKeyValue(text, kind);
    case "status": return decodeStatus(text);
    case "smaps":
    case "smaps_rollup":
      return decodeSmaps(text);
    case "swaps": return decodeSwaps(text);
    case "pressure": return decodePressure(text);
    case "oom":
    case "unknown":
      // Logs are read line by line by DecodeStream; these kinds never reach here.
      throw new Error(`decodeAs(${kind}): a log kind`);
  }
}
