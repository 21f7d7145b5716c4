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
import { splitLogLines, type LogLine } from "./lines.js";
import { DraftState, finishDraft, isReportBody, KILLED_RE, parseLine, TRIGGER_RE } from "./oom_sections.js";
import { analyse } from "./oom_analyse.js";
import type { OomReport, Problem } from "./types.js";

export { parseNodeList } from "./oom_analyse.js";

interface Draft {
  start: number;
  end: number;
  lines: LogLine[];
}

/** Splits a log into report drafts. */
function segment(lines: LogLine[]): Draft[] {
  const drafts: Draft[] = [];
  let cur: Draft | null = null;
  let curDone = false;
  for (const l of lines) {
    const t = l.text;
    const trig = TRIGGER_RE.test(t);
    const body = !trig && isReportBody(t);
    if (trig || (body && (!cur || curDone))) {
      // A report already finished (victim printed) and a new body line arrives: a new report
      // whose header was cut. The oom_reaper lines that follow a kill still belong to it.
      cur = { start: l.line, end: l.line, lines: [] };
      drafts.push(cur);
      curDone = false;
    }
    if (!cur) continue;
    cur.lines.push(l);
    cur.end = l.line;
    if (KILLED_RE.test(t) || /no killable processes/.test(t)) curDone = true;
  }
  return drafts;
}

/** Parses one report draft: its lines section by section, then the derived figures. */
function parseDraft(d: Draft): OomReport {
  const s = new DraftState(d.start, d.end);
  for (const l of d.lines) parseLine(l, s);
  finishDraft(s, d.lines);
  analyse(s.rep, s.tableGap, s.headerSeen);
  return s.rep;
}

/**
 * Finds and decodes every OOM report in a log. Never throws.
 * @param text the log (dmesg, journalctl, syslog, /dev/kmsg, pasted mail)
 */
export function decodeOomLog(text: string): { reports: OomReport[]; missing: Problem[]; warnings: Problem[] } {
  const lines = splitLogLines(text);
  const drafts = segment(lines);
  const reports: OomReport[] = [];
  const warnings: Problem[] = [];
  for (const d of drafts) {
    try {
      reports.push(parseDraft(d));
    } catch (e) {
      // A parser bug must not lose the rest of the log; say which lines were dropped.
      warnings.push({ part: "report", message: `report at lines ${d.start}-${d.end} could not be decoded: ${e instanceof Error ? e.message : String(e)}`, line: d.start });
    }
  }
  const missing: Problem[] = reports.length === 0 ? [{ part: "report", message: "no OOM report found (no 'invoked oom-killer', task table, or 'Killed process' line)" }] : [];
  return { reports, missing, warnings };
}
