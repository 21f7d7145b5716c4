/**
 * OomLogReader's bounds and its own messages (src/decode/oom.ts): which lines a report keeps
 * after its kill line (MAX_TAIL_LINES), how many lines one report keeps (MAX_REPORT_LINES), how
 * many reports a log keeps (MAX_REPORTS), and the exact problems it reports — each limit checked
 * on both sides of its edge, so an off-by-one in the reader fails here.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { decodeOomLog, MAX_REPORT_LINES, MAX_REPORTS, MAX_TAIL_LINES } from "./oom.js";

const TRIGGER = "[    5.000000] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0";
const KILL = "[    5.100000] Out of memory: Killed process 77 (hog) total-vm:1000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0";
const REAPER = "[    5.200000] oom_reaper: reaped process 77 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB";
const noise = (n: number): string[] => Array.from({ length: n }, (_, i) => `[    5.150000] eth0: link up ${i}`);

describe("OomLogReader", () => {
  it("reports nothing missing and no warnings for a whole real report", () => {
    const r = decodeOomLog(readFileSync("test/realkernel/data/w3a/oom_report.1", "utf8"));
    expect(r.reports).toHaveLength(1);
    expect(r.missing).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it("says exactly what is missing in a log without a report", () => {
    const r = decodeOomLog(noise(3).join("\n"));
    expect(r.reports).toEqual([]);
    expect(r.missing).toEqual([{ part: "report", message: "no OOM report found (no 'invoked oom-killer', task table, or 'Killed process' line)" }]);
    expect(r.warnings).toEqual([]);
  });

  it(`keeps the oom_reaper line ${MAX_TAIL_LINES} lines after the kill, and not one line later`, () => {
    // The reaper line is the tail's MAX_TAIL_LINES-th line: still the report's.
    const inside = decodeOomLog([TRIGGER, KILL, ...noise(MAX_TAIL_LINES - 1), REAPER].join("\n"));
    expect(inside.reports).toHaveLength(1);
    expect(inside.reports[0].reaped).toEqual([{ pid: 77, comm: "hog", anon_rss_kB: 0, file_rss_kB: 0, shmem_rss_kB: 0 }]);
    // One line later the report was closed: the reaper line belongs to no report.
    const outside = decodeOomLog([TRIGGER, KILL, ...noise(MAX_TAIL_LINES), REAPER].join("\n"));
    expect(outside.reports).toHaveLength(1);
    expect(outside.reports[0].reaped).toEqual([]);
  });

  it(`keeps ${MAX_REPORT_LINES} lines of one report and counts the dropped ones exactly`, () => {
    // The trigger plus MAX_REPORT_LINES + 4 more lines: MAX_REPORT_LINES kept, 5 dropped.
    const r = decodeOomLog([TRIGGER, ...noise(MAX_REPORT_LINES + 4)].join("\n"));
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0].warnings).toContainEqual({
      part: "report",
      message: `the report is longer than ${MAX_REPORT_LINES} lines: 5 lines after that were not read`,
      line: 1,
    });
    // Exactly MAX_REPORT_LINES lines: nothing dropped, no such warning.
    const full = decodeOomLog([TRIGGER, ...noise(MAX_REPORT_LINES - 1)].join("\n"));
    expect(full.reports[0].warnings.filter((w) => w.message.startsWith("the report is longer"))).toEqual([]);
  });

  it(`keeps ${MAX_REPORTS} reports and warns about the rest with the reader's own problem`, () => {
    const one = (i: number): string => `${TRIGGER}\n${KILL.replace("process 77", `process ${i + 2}`)}`;
    const r = decodeOomLog(Array.from({ length: MAX_REPORTS + 2 }, (_, i) => one(i)).join("\n"));
    expect(r.reports).toHaveLength(MAX_REPORTS);
    expect(r.warnings).toEqual([{ part: "report", message: `2 more OOM reports after the first ${MAX_REPORTS} were not decoded` }]);
    const exact = decodeOomLog(Array.from({ length: MAX_REPORTS }, (_, i) => one(i)).join("\n"));
    expect(exact.reports).toHaveLength(MAX_REPORTS);
    expect(exact.warnings).toEqual([]);
  });
});
