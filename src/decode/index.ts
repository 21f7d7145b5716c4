/**
 * `decode`: reads kernel text from a real system (an OOM report out of dmesg or the journal, a
 * /proc or cgroup file), auto-detects which it is, and returns a structured result (the JSON
 * schema of src/decode/types.ts) that `explain` turns into prose. Pure: no I/O, usable in a
 * browser; the CLI reads the file. Never throws on any input.
 *
 * @kernel mm/oom_kill.c, fs/proc/meminfo.c, mm/vmstat.c, fs/proc/task_mmu.c (see each reader)
 */
import { detectKind } from "./detect.js";
import { decodeOomLog } from "./oom.js";
import { decodeMeminfo } from "./meminfo.js";
import { decodeZoneinfo } from "./zoneinfo.js";
import { decodeBuddyinfo, decodePagetypeinfo } from "./buddyinfo.js";
import { decodeKeyValue, decodePressure, decodeSmaps, decodeStatus, decodeSwaps } from "./procfiles.js";
import type { DecodeKind, DecodeResult, ZoneinfoResult } from "./types.js";

export { explain, type ExplainOptions } from "./explain.js";
export { detectKind } from "./detect.js";
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
}

/** Decodes one text. */
export function decode(text: string, opts: DecodeOptions = {}): DecodeResult {
  const kind = opts.kind ?? detectKind(text);
  try {
    return decodeAs(text, kind, opts);
  } catch (e) {
    // The readers are written not to throw; this is the last line of defence for a bug.
    return { kind: "unknown", missing: [{ part: "all", message: `decoder failure: ${e instanceof Error ? e.message : String(e)}` }], warnings: [] };
  }
}

function decodeAs(text: string, kind: DecodeKind, opts: DecodeOptions): DecodeResult {
  switch (kind) {
    case "oom": {
      const r = decodeOomLog(text);
      return { kind: "oom-log", reports: r.reports, missing: r.missing, warnings: r.warnings };
    }
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
    case "unknown":
      return { kind: "unknown", missing: [{ part: "kind", message: "not recognised as an OOM log or a /proc or cgroup memory file; pass --kind" }], warnings: [] };
  }
}
