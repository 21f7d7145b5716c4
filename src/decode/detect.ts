/**
 * Tells what a pasted text is from its content alone: an OOM log or one of the /proc and cgroup
 * files the decoder reads. The first distinctive line wins; /proc files are recognised by their
 * headers or field names, logs by the lines only an OOM report prints.
 *
 * Simplified: a memory.stat of cgroup v1 (cache/rss/…) is read as memory.stat too; a mixed paste
 * (meminfo followed by a log) is detected by its first recognisable part only.
 */
import type { DecodeKind } from "./types.js";

/** The kind of `text`, or "unknown". */
export function detectKind(text: string): DecodeKind {
  const head = text.slice(0, 200_000);
  if (/invoked oom-killer|Killed process \d+|oom-kill:constraint=|Out of memory: Kill process|Memory cgroup out of memory|^\s*(?:\S.*\s)?\[\s*pid\s*\]\s+uid\s+tgid/m.test(head)) return "oom";
  if (/^\s*(?:Node \d+ )?(?:MemTotal|MemFree):\s+\d+\s*kB/m.test(head)) return "meminfo";
  if (/^\s*Page block order:|^\s*Free pages count per migrate type|^\s*Node\s+\d+, zone\s+\S+, type\s/m.test(head)) return "pagetypeinfo";
  if (/^\s*Node \d+, zone\s+\S+\s*\n\s*(?:per-node stats|pages free)/m.test(head)) return "zoneinfo";
  if (/^\s*Node \d+, zone\s+\S+(?:\s+\d+){3,}\s*$/m.test(head)) return "buddyinfo";
  if (/^\s*(?:some|full) avg10=[\d.]+ avg60=/m.test(head)) return "pressure";
  if (/^\s*Filename\s+Type\s+Size\s+Used\s+Priority/m.test(head)) return "swaps";
  if (/\[rollup\]/.test(head)) return "smaps_rollup";
  if (/^[0-9a-f]+-[0-9a-f]+\s+[-r][-w][-x][sp]\s/m.test(head) && /^\s*Pss:\s+\d+/m.test(head)) return "smaps";
  if (/^\s*Pss:\s+\d+\s*kB/m.test(head) && /^\s*Rss:\s+\d+\s*kB/m.test(head)) return "smaps_rollup";
  if (/^\s*(?:Name|VmRSS|VmPeak|Tgid):\s/m.test(head) && /^\s*(?:VmRSS|Pid|State):/m.test(head)) return "status";
  if (/^\s*nr_free_pages \d+$/m.test(head) && /^\s*pgfault \d+$/m.test(head)) return "vmstat";
  if (/^\s*nr_free_pages \d+$/m.test(head)) return "vmstat";
  if (/^\s*oom_kill \d+$/m.test(head) && /^\s*(?:low|high|max|oom) \d+$/m.test(head) && !/^\s*anon \d+$/m.test(head)) return "memory.events";
  if (/^\s*(?:anon|file|cache|rss|total_rss|inactive_anon) \d+$/m.test(head)) return "memory.stat";
  return "unknown";
}
