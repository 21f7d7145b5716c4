/**
 * Reads OOM-killer reports out of kernel logs of any vintage (3.x to 6.x, global, cpuset,
 * mempolicy and memory-cgroup OOMs, cgroup v1 and v2) and explains them: what allocation
 * triggered the kill, why it could not be served (watermarks, lowmem_reserve, free blocks, or the
 * memcg limit), what memory held, and why the victim was chosen, with oom_badness recomputed.
 *
 * A report is the run of lines from "X invoked oom-killer" to the kill (and its oom_reaper
 * line). Logs are messy, so a report may also start at any line only an OOM report prints (a
 * table header, "Task in … killed as a result of limit of …", "oom-kill:…") when its header was
 * cut; each report lists the parts it could not find in `missing`.
 *
 * @kernel mm/oom_kill.c dump_header, dump_tasks, dump_task, dump_oom_summary, __oom_kill_process, oom_kill_process, oom_reap_task_mm
 * @kernel mm/page_alloc.c __show_free_areas (show_mem), show_migration_types, __zone_watermark_ok
 * @kernel mm/memcontrol.c mem_cgroup_print_oom_context, mem_cgroup_print_oom_meminfo, mem_cgroup_print_oom_group
 * @kernel lib/show_mem.c __show_mem
 *
 * Simplified: pages are taken to be 4 KiB (true of every x86 report and of most arm64 ones).
 * The watermark check ignores ALLOC_HIGH/ALLOC_HARDER/CMA adjustments and highatomic reserves,
 * which the report does not say were in play; the verdict names the plain min and high marks.
 */
import { LogLineSplitter, type LogLine } from "./lines.js";
import { DraftState, finishDraft, isReportBody, KILLED_RE, parseLine, TRIGGER_RE } from "./oom_sections.js";
import { analyse } from "./oom_analyse.js";
import type { OomReport, Problem } from "./types.js";

export { parseNodeList } from "./oom_analyse.js";

/** The most OOM reports one log is decoded into; later ones are counted in a warning. */
export const MAX_REPORTS = 1000;
/** The most lines one report keeps (a task table of 200,000 processes); the rest are dropped. */
export const MAX_REPORT_LINES = 200_000;
/**
 * Lines kept after a report's kill line (its oom_reaper and panic lines come there, among other
 * messages): past this many the report is closed, so a long log after an OOM is not held.
 */
export const MAX_TAIL_LINES = 10_000;

interface Draft {
  start: number;
  end: number;
  lines: LogLine[];
  /** The victim was printed: a new body line starts a new report. */
  done: boolean;
  /** Lines read after the kill line. */
  tail: number;
  /** Lines dropped over MAX_REPORT_LINES. */
  dropped: number;
}

/** Parses one report draft: its lines section by section, then the derived figures. */
function parseDraft(d: Draft): OomReport {
  const s = new DraftState(d.start, d.end);
  for (const l of d.lines) parseLine(l, s);
  finishDraft(s, d.lines);
  if (d.dropped > 0) s.rep.warnings.push({ part: "report", message: `the report is longer than ${MAX_REPORT_LINES} lines: ${d.dropped} lines after that were not read`, line: d.start });
  analyse(s.rep, s.tableGap, s.headerSeen);
  return s.rep;
}

/**
 * Finds and decodes the OOM reports in a log fed one message line at a time: a report is the
 * run of lines from its trigger (or, when the header was cut, its first line only a report
 * prints) to the next report; each is decoded as soon as the next begins, so memory holds one
 * report's lines and the decoded results. Never throws.
 */
export class OomLogReader {
  readonly reports: OomReport[] = [];
  readonly warnings: Problem[] = [];
  private cur: Draft | null = null;
  private skipped = 0;

  /** One message line (from LogLineSplitter). */
  push(l: LogLine): void {
    const t = l.text;
    const trig = TRIGGER_RE.test(t);
    const body = !trig && isReportBody(t);
    let cur = this.cur;
    if (trig || (body && (!cur || cur.done))) {
      // A report already finished (victim printed) and a new body line arrives: a new report
      // whose header was cut. The oom_reaper lines that follow a kill still belong to it.
      this.close();
      cur = this.cur = { start: l.line, end: l.line, lines: [], done: false, tail: 0, dropped: 0 };
    }
    if (!cur) return;
    if (cur.done && ++cur.tail > MAX_TAIL_LINES) {
      this.close();
      return;
    }
    if (cur.lines.length >= MAX_REPORT_LINES) {
      cur.dropped++;
      return;
    }
    cur.lines.push(l);
    cur.end = l.line;
    if (KILLED_RE.test(t) || /no killable processes/.test(t)) cur.done = true;
  }

  /** The log ended. */
  end(): { reports: OomReport[]; missing: Problem[]; warnings: Problem[] } {
    this.close();
    if (this.skipped > 0) this.warnings.push({ part: "report", message: `${this.skipped} more OOM reports after the first ${MAX_REPORTS} were not decoded` });
    const missing: Problem[] = this.reports.length === 0 ? [{ part: "report", message: "no OOM report found (no 'invoked oom-killer', task table, or 'Killed process' line)" }] : [];
    return { reports: this.reports, missing, warnings: this.warnings };
  }

  private close(): void {
    const d = this.cur;
    this.cur = null;
    if (!d) return;
    if (this.reports.length >= MAX_REPORTS) {
      this.skipped++;
      return;
    }
    try {
      this.reports.push(parseDraft(d));
    } catch (e) {
      // A parser bug must not lose the rest of the log; say which lines were dropped.
      this.warnings.push({ part: "report", message: `report at lines ${d.start}-${d.end} could not be decoded: ${e instanceof Error ? e.message : String(e)}`, line: d.start });
    }
  }
}

/**
 * Finds and decodes every OOM report in a log. Never throws.
 * @param text the log (dmesg, journalctl, syslog, /dev/kmsg, pasted mail)
 */
export function decodeOomLog(text: string): { reports: OomReport[]; missing: Problem[]; warnings: Problem[] } {
  const reader = new OomLogReader();
  const sp = new LogLineSplitter((l) => reader.push(l));
  for (const raw of text.split(/\r?\n/)) sp.push(raw);
  sp.end();
  return reader.end();
}
