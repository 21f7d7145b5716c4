/**
 * Readers for the smaller /proc and cgroup files: /proc/vmstat, /proc/PID/status, smaps and
 * smaps_rollup (with RSS, PSS and USS), /proc/swaps, /proc/pressure/memory, and cgroup v2
 * memory.stat and memory.events.
 *
 * @kernel mm/vmstat.c vmstat_show
 * @kernel fs/proc/array.c proc_pid_status; fs/proc/task_mmu.c task_mem, show_smap, show_smaps_rollup
 * @kernel mm/swapfile.c swap_show
 * @kernel kernel/sched/psi.c psi_show
 * @kernel mm/memcontrol.c memory_stat_format, memory_events_show
 *
 * Simplified: USS is Private_Clean + Private_Dirty (+ Private_Hugetlb), the usual definition; the
 * kernel has no USS field of its own.
 */
import { MEMCG_DOCS, SMAPS_DOCS, STATUS_DOCS, vmstatDoc } from "./fielddocs.js";
import type { FieldDoc, KeyValueResult, PressureResult, Problem, SmapsResult, StatusResult, SwapsResult, U64 } from "./types.js";

/**
 * A decimal the kernel printed as u64 (or s64): a number when it fits a double exactly, else a
 * bigint with every digit.
 */
export function parseU64(digits: string): U64 {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BigInt(digits);
}

/**
 * "key value" per line (vmstat, memory.stat, memory.events). The values are u64 where the
 * kernel prints them so (vm events %lu, memory_stat_format %llu, memory.events %lu): see U64.
 */
export function decodeKeyValue(text: string, kind: "vmstat" | "memory.stat" | "memory.events"): KeyValueResult {
  const warnings: Problem[] = [];
  const missing: Problem[] = [];
  const fields: Record<string, U64> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    const m = /^([A-Za-z_][\w.]*)\s+(-?\d+)$/.exec(l);
    if (!m) warnings.push({ part: "line", message: `not a 'key value' line: '${l.slice(0, 60)}'`, line: i + 1 });
    else fields[m[1]] = parseU64(m[2]);
  });
  if (Object.keys(fields).length === 0) missing.push({ part: "fields", message: "no 'key value' lines" });
  const docs: FieldDoc[] = Object.entries(fields).map(([key, value]) => {
    const unit: FieldDoc["unit"] =
      kind === "vmstat" ? (key.startsWith("nr_") ? (key === "nr_kernel_stack" ? "kB" : "pages") : "count") : kind === "memory.events" || /^(pg|workingset_|thp_)/.test(key) ? "count" : "bytes";
    const d: FieldDoc = { key, value, unit };
    const meaning = kind === "vmstat" ? vmstatDoc(key) : MEMCG_DOCS[key];
    if (meaning) d.meaning = meaning;
    return d;
  });
  return { kind, fields, strings: {}, docs, missing, warnings };
}

/** /proc/PID/status: numbers (kB fields as kB) and the string fields. */
export function decodeStatus(text: string): StatusResult {
  const warnings: Problem[] = [];
  const missing: Problem[] = [];
  const fields: Record<string, number> = {};
  const strings: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.replace(/\s+$/, "");
    if (l.trim() === "") return;
    const m = /^([A-Za-z_][\w]*):\s*(.*)$/.exec(l);
    if (!m) {
      warnings.push({ part: "line", message: `not a 'Key: value' line: '${l.slice(0, 60)}'`, line: i + 1 });
      return;
    }
    const v = m[2].trim();
    const n = /^(-?\d+)(?:\s*kB)?$/.exec(v);
    if (n) fields[m[1]] = Number(n[1]);
    else strings[m[1]] = v;
  });
  for (const k of ["VmRSS", "RssAnon"]) if (fields[k] === undefined) missing.push({ part: k, message: `no ${k} (a kernel thread, or a status of an exited task)` });
  const docs: FieldDoc[] = Object.entries(fields)
    .filter(([k]) => STATUS_DOCS[k] !== undefined)
    .map(([key, value]) => ({ key, value, unit: /^(Vm|Rss|Hugetlb)/.test(key) ? "kB" : "count", meaning: STATUS_DOCS[key] }));
  return { kind: "status", fields, strings, docs, missing, warnings };
}

/** smaps or smaps_rollup, with RSS/PSS/USS. */
export function decodeSmaps(text: string): SmapsResult {
  const warnings: Problem[] = [];
  const missing: Problem[] = [];
  const vmas: SmapsResult["vmas"] = [];
  let cur: SmapsResult["vmas"][number] | null = null;
  let rollup = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    let m: RegExpExecArray | null;
    if ((m = /^([0-9a-f]+)-([0-9a-f]+)\s+([-rwxsp]{4})\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(l))) {
      cur = { start: m[1], end: m[2], perms: m[3], path: m[4].trim(), fields: {} };
      if (cur.path === "[rollup]") rollup = true;
      vmas.push(cur);
      return;
    }
    if ((m = /^([A-Za-z_]\w*):\s+(-?\d+)(?:\s*kB)?$/.exec(l))) {
      if (!cur) {
        // A rollup pasted without its header line still decodes.
        cur = { start: "0", end: "0", perms: "----", path: "[rollup]", fields: {} };
        rollup = true;
        vmas.push(cur);
      }
      cur.fields[m[1]] = Number(m[2]);
      return;
    }
    if (/^(VmFlags|THPeligible|ProtectionKey):/.test(l)) return;
    warnings.push({ part: "line", message: `not an smaps line: '${l.slice(0, 60)}'`, line: i + 1 });
  });
  const totals: Record<string, number> = {};
  for (const v of vmas) for (const [k, n] of Object.entries(v.fields)) totals[k] = (totals[k] ?? 0) + n;
  if (vmas.length === 0) missing.push({ part: "vmas", message: "no mapping header or fields" });
  if (totals.Pss === undefined) missing.push({ part: "Pss", message: "no Pss lines" });
  const res: SmapsResult = {
    kind: rollup ? "smaps_rollup" : "smaps",
    vmas,
    totals,
    rss_kB: totals.Rss ?? 0,
    pss_kB: totals.Pss ?? 0,
    uss_kB: (totals.Private_Clean ?? 0) + (totals.Private_Dirty ?? 0) + (totals.Private_Hugetlb ?? 0),
    swap_kB: totals.Swap ?? 0,
    missing,
    warnings,
  };
  if (totals.SwapPss !== undefined) res.swap_pss_kB = totals.SwapPss;
  return res;
}

/** Sentences for smaps fields (exported for the explainer). */
export { SMAPS_DOCS };

/** /proc/swaps. */
export function decodeSwaps(text: string): SwapsResult {
  const warnings: Problem[] = [];
  const missing: Problem[] = [];
  const devices: SwapsResult["devices"] = [];
  let header = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    if (/^Filename\s+Type\s+Size\s+Used\s+Priority/.test(l)) { header = true; return; }
    // Filenames may contain spaces (swap files); the last four fields are fixed.
    const m = /^(.*\S)\s+(partition|file|\S+)\s+(\d+)\s+(\d+)\s+(-?\d+)$/.exec(l);
    if (!m) { warnings.push({ part: "line", message: `not a swaps line: '${l.slice(0, 60)}'`, line: i + 1 }); return; }
    devices.push({ filename: m[1].replace(/\\040/g, " "), type: m[2], size_kB: Number(m[3]), used_kB: Number(m[4]), priority: Number(m[5]) });
  });
  if (!header) missing.push({ part: "header", message: "no 'Filename Type Size Used Priority' header" });
  return {
    kind: "swaps",
    devices,
    total_kB: devices.reduce((a, d) => a + d.size_kB, 0),
    used_kB: devices.reduce((a, d) => a + d.used_kB, 0),
    missing,
    warnings,
  };
}

/** /proc/pressure/memory (or a cgroup's memory.pressure). */
export function decodePressure(text: string): PressureResult {
  const warnings: Problem[] = [];
  const missing: Problem[] = [];
  const res: PressureResult = { kind: "pressure", missing, warnings };
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "") return;
    const m = /^(some|full)\s+avg10=([\d.]+)\s+avg60=([\d.]+)\s+avg300=([\d.]+)(?:\s+total=(\d+))?$/.exec(l);
    if (!m) { warnings.push({ part: "line", message: `not a PSI line: '${l.slice(0, 60)}'`, line: i + 1 }); return; }
    const v: NonNullable<PressureResult["some"]> = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]) };
    if (m[5] !== undefined) v.total_us = Number(m[5]);
    else warnings.push({ part: m[1], message: "no total= field (an older or vendor format)", line: i + 1 });
    if (m[1] === "some") res.some = v;
    else res.full = v;
  });
  if (!res.some) missing.push({ part: "some", message: "no 'some' line" });
  if (!res.full) missing.push({ part: "full", message: "no 'full' line" });
  return res;
}
