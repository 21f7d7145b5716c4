/**
 * The comparator of `mmsim validate`: the model's side and the real guest's side of a scenario in,
 * a table of fields side by side out — each with both values, the difference, the tolerance
 * (src/validate/tolerance.ts) and whether it holds. Fields the table does not list are counted
 * but not judged. Sections, in order:
 *
 * - machine: the start files (`@start.*`): MemTotal, every zone's sizes and watermarks.
 * - each capture point of the scenario, in the order the model took them: the judged fields of
 *   meminfo, vmstat, zoneinfo, swaps, status, smaps_rollup, oom_score; the anonymous mappings of
 *   a captured maps file.
 * - end: the end files (`@end.*`) and each live process's status.
 * - processes: each one's fate; steps that expected an error: their outcome.
 * - oom: how many kills, which victims in which order, their oom_score_adj and anon-rss, and each
 *   report's structure line by line.
 * - pages: for each process alive at the end, each anonymous mapping's present-or-swapped pages
 *   (count and digest): the pages a random pattern touched are the same on both sides.
 *
 * Pure: text in, rows out.
 */
import { oomReports } from "./console.js";
import type { GuestPlan } from "./compile.js";
import type { PageSet, Side } from "./side.js";
import { OOM_RSS_TOLERANCE, ruleFor, toleranceText, within, type FileKind, type FieldRule } from "./tolerance.js";
import type { Scenario } from "../workload/schema.js";

export interface Row {
  /** "machine", "capture holding (/proc/meminfo)", "end", "processes", "oom", "pages" */
  section: string;
  item: string;
  model: string;
  real: string;
  /** model − real, for numbers */
  diff: string;
  tolerance: string;
  /** null: shown, not judged */
  ok: boolean | null;
}

export interface Comparison {
  scenario: string;
  file: string;
  rows: Row[];
  /** Fields both sides printed that the tolerance table does not judge. */
  unjudged: number;
  ok: boolean;
}

/** Which kind of file a path is, for the tolerance table. */
export function fileKind(path: string): FileKind | "maps" | "other" {
  if (path === "/proc/meminfo") return "meminfo";
  if (path === "/proc/vmstat") return "vmstat";
  if (path === "/proc/zoneinfo") return "zoneinfo";
  if (path === "/proc/swaps") return "swaps";
  const last = path.split("/").pop() ?? "";
  if (/^\/proc\/[^/]+\//.test(path) && ["status", "smaps_rollup", "oom_score", "maps"].includes(last)) return last as FileKind | "maps";
  if (path.startsWith("/sys/fs/cgroup/")) {
    if (last === "memory.events" || last === "memory.events.local") return "memcg_events";
    if (last === "memory.stat") return "memcg_stat";
    if (last === "memory.current") return "memcg_current";
  }
  return "other";
}

/** Field → value of a "Name:  123 kB" or "name 123" file; zoneinfo and swaps have their own keys. */
export function fieldsOf(kind: FileKind, text: string): Map<string, number | string> {
  const out = new Map<string, number | string>();
  if (kind === "zoneinfo") {
    // "Node 0, zone   DMA32" opens a zone; its sizes and watermarks come before "pagesets", then
    // each CPU's list: "count:" pages on it, "high:", "batch:"
    let zone = "";
    let inPcp = false;
    for (const l of text.split("\n")) {
      const z = /^Node (\d+), zone\s+(\S+)/.exec(l);
      if (z) {
        zone = `node${z[1]} ${z[2]}`;
        inPcp = false;
        continue;
      }
      if (!zone) continue;
      if (/^\s+pagesets/.test(l)) {
        inPcp = true;
        continue;
      }
      if (inPcp) {
        const c = /^\s+(count|high|batch):\s+(\d+)/.exec(l);
        if (c) {
          const key = `${zone} pcp_${c[1]}`;
          out.set(key, ((out.get(key) as number | undefined) ?? 0) + Number(c[2]));
        }
        continue;
      }
      const free = /^\s+pages free\s+(\d+)/.exec(l);
      if (free) out.set(`${zone} free`, Number(free[1]));
      const p = /^\s+protection: \((.*)\)/.exec(l);
      if (p) out.set(`${zone} protection`, p[1].replace(/\s+/g, ""));
      const f = /^\s+(spanned|present|managed|min|low|high|boost)\s+(\d+)\s*$/.exec(l);
      if (f) out.set(`${zone} ${f[1]}`, Number(f[2]));
    }
    // zoneinfo prints the watermarks with the current boost added (min_wmark_pages); the boost
    // comes and goes with fragmentation events, so the watermarks are compared without it
    for (const w of ["min", "low", "high"]) {
      for (const [key, v] of [...out]) {
        if (!key.endsWith(` ${w}`)) continue;
        const boost = out.get(`${key.slice(0, -w.length)}boost`);
        if (typeof boost === "number" && typeof v === "number") out.set(key, v - boost);
      }
    }
    for (const [key, v] of [...out]) {
      if (!key.endsWith(" free")) continue;
      const zoneKey = key.slice(0, -" free".length);
      out.set(`${zoneKey} free+pcp`, (v as number) + ((out.get(`${zoneKey} pcp_count`) as number | undefined) ?? 0));
    }
    return out;
  }
  if (kind === "swaps") {
    for (const l of text.split("\n").slice(1)) {
      const m = /^(\S+)\s+\S+\s+(\d+)\s+(\d+)\s+(-?\d+)/.exec(l);
      if (m) {
        out.set(`${m[1]} Size`, Number(m[2]));
        out.set(`${m[1]} Used`, Number(m[3]));
        out.set(`${m[1]} Priority`, Number(m[4]));
      }
    }
    return out;
  }
  if (kind === "oom_score" || kind === "memcg_current") {
    const v = Number(text.trim());
    if (text.trim() !== "" && Number.isFinite(v)) out.set(kind === "oom_score" ? "oom_score" : "memory.current", v);
    return out;
  }
  for (const l of text.split("\n")) {
    const m = /^([A-Za-z_()0-9]+):?\s+(-?\d+)(?: kB)?\s*$/.exec(l);
    if (m) out.set(m[1], Number(m[2]));
  }
  // swap in use: SwapFree alone moves by the whole area at swapon
  const total = out.get("SwapTotal");
  const free = out.get("SwapFree");
  if (kind === "meminfo" && typeof total === "number" && typeof free === "number") out.set("SwapUsed", total - free);
  return out;
}

/** The field name the tolerance table knows, from a key of fieldsOf (zoneinfo and swaps keys carry a prefix). */
function baseField(kind: FileKind, key: string): string {
  return kind === "zoneinfo" || kind === "swaps" ? key.split(" ").pop() ?? key : key;
}

function num(v: number | string | undefined): string {
  return v === undefined ? "—" : typeof v === "number" ? String(v) : v;
}

function signed(v: number): string {
  return v > 0 ? `+${v}` : String(v);
}

/** Rows for one file read at one point on both sides. */
/** Fields boot fixes: shown once, in the machine section. */
const FIXED_AFTER_BOOT = new Set(["MemTotal"]);

/**
 * Twice the per-CPU lists' capacity, Σ over zones and CPUs of pcp high + batch, in pages, from a
 * zoneinfo text (the slack of the `pcp` tolerances).
 */
export function pcpSlackPages(zoneinfo: string | undefined): number {
  if (zoneinfo === undefined) return 0;
  let n = 0;
  for (const [k, v] of fieldsOf("zoneinfo", zoneinfo)) if (/ pcp_(high|batch)$/.test(k)) n += v as number;
  return 2 * n;
}

/** Where fileRows puts its rows, and the run's per-CPU list slack (pages). */
interface RowSink {
  rows: Row[];
  pcpSlack: number;
  /** The real kernel's slab change since the start, in pages, where it is known (the end). */
  slabSlack: number;
}

function fileRows(section: string, kind: FileKind, model: string, real: string, base: { model?: string; real?: string }, sink: RowSink, onlyChanging = true): number {
  const rows = sink.rows;
  const fm = fieldsOf(kind, model);
  const fr = fieldsOf(kind, real);
  const bm = base.model !== undefined ? fieldsOf(kind, base.model) : undefined;
  const br = base.real !== undefined ? fieldsOf(kind, base.real) : undefined;
  let unjudged = 0;
  const keys = [...new Set([...fm.keys(), ...fr.keys()])];
  // zones that are empty on both sides (Normal and Movable below 4 GiB, Device) say nothing
  const emptyZone = (key: string): boolean => kind === "zoneinfo" && fm.get(`${key.split(" ").slice(0, 2).join(" ")} spanned`) === 0 && fr.get(`${key.split(" ").slice(0, 2).join(" ")} spanned`) === 0;
  for (const key of keys) {
    const rule: FieldRule | undefined = ruleFor(kind, baseField(kind, key));
    if (!rule || emptyZone(key) || (onlyChanging && rule.mode === "abs" && FIXED_AFTER_BOOT.has(key))) {
      if (fm.has(key) && fr.has(key)) unjudged++;
      continue;
    }
    let m = fm.get(key);
    let r = fr.get(key);
    let label = key;
    if (rule.mode === "delta") {
      if (!bm || !br) continue; // no start file to measure the change from
      const m0 = bm.get(key);
      const r0 = br.get(key);
      m = typeof m === "number" && typeof m0 === "number" ? m - m0 : undefined;
      r = typeof r === "number" && typeof r0 === "number" ? r - r0 : undefined;
      label = `Δ${key}`;
    }
    if (m === undefined || r === undefined) {
      rows.push({ section, item: label, model: num(m), real: num(r), diff: "", tolerance: toleranceText(rule.tol, rule.unit), ok: false });
      continue;
    }
    const numeric = typeof m === "number" && typeof r === "number";
    const scale = rule.unit === "kB" ? 4 : 1;
    // The real side's major faults in the same span, for a rule that allows a retry per each.
    const maj = fr.get("pgmajfault");
    const maj0 = br?.get("pgmajfault");
    const retry = rule.mode === "delta" && typeof maj === "number" && typeof maj0 === "number" ? Math.max(0, maj - maj0) : 0;
    const slacks = { pcp: sink.pcpSlack * scale, slab: sink.slabSlack * scale, retry };
    const ok = numeric ? within(rule.tol, m as number, r as number, slacks.pcp, slacks.slab, slacks.retry) : m === r;
    const show = (v: number | string): string => (typeof v === "number" && rule.mode === "delta" ? signed(v) : String(v));
    rows.push({ section, item: label, model: show(m), real: show(r), diff: numeric ? signed((m as number) - (r as number)) : m === r ? "" : "differs", tolerance: toleranceText(rule.tol, rule.unit, rule.tol.kind === "rel" && (rule.tol.pcp || rule.tol.slab || rule.tol.retry) ? slacks : undefined), ok });
  }
  return unjudged;
}

/** A maps file's anonymous mmap lines (no name, above the program image): "start-end perms". */
export function anonMappings(maps: string): string[] {
  const out: string[] = [];
  for (const l of maps.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(l);
    if (!m || m[4] !== "0" || m[5] !== "") continue;
    if (parseInt(m[1], 16) < 0x1000000) continue; // the image's bss and the like
    out.push(`${m[1]}-${m[2]} ${m[3]}`);
  }
  return out;
}

function isAnonSet(p: PageSet): boolean {
  return p.start >= 0x1000000 && /^\S+ \S{4} \S+ \S+ 0\s*$/.test(p.line);
}

/** "Killed process 89 (memA) total-vm:…, anon-rss:40860kB, … oom_score_adj:500" lines, in order. */
export function oomKills(dmesg: string): Array<{ comm: string; anonRssKb: number; adj: number }> {
  const out: Array<{ comm: string; anonRssKb: number; adj: number }> = [];
  for (const l of dmesg.split("\n")) {
    const m = /Killed process \d+ \((.*?)\) .*anon-rss:(\d+)kB.*oom_score_adj:(-?\d+)/.exec(l);
    if (m) out.push({ comm: m[1], anonRssKb: Number(m[2]), adj: Number(m[3]) });
  }
  return out;
}

/**
 * A report line's structure: timestamps dropped, numbers (decimal and hex) masked, the buddy
 * lines' migratetype letters and all_unreclaimable's yes/no masked; names stay.
 */
export function oomLineShape(line: string): string {
  return line
    .replace(/^\[\s*\d+\.\d+\] ?/, "")
    .replace(/ \([UMEHCI]+\)/g, "")
    .replace(/all_unreclaimable\? (yes|no)/, "all_unreclaimable? B")
    .replace(/<[0-9a-f]{2}>/g, "<N>")
    .replace(/\b0x[0-9a-f]+\b/g, "N")
    .replace(/\b[0-9a-f]{16}\b/g, "N")
    .replace(/\b(?:[0-9a-f]{2} )+[0-9a-f]{2}\b/g, "N")
    .replace(/\d+/g, "N")
    .replace(/ +/g, " ");
}

/** A report's lines without the call trace and register dump (which name code, not memory state). */
export function oomStructure(report: string): string[] {
  const out: string[] = [];
  let inTrace = false;
  for (const raw of report.split("\n")) {
    const l = raw.replace(/^\[\s*\d+\.\d+\] ?/, "");
    if (l === "") continue;
    if (l.startsWith("Call Trace:")) {
      out.push("Call Trace:");
      inTrace = true;
      continue;
    }
    if (inTrace) {
      if (l.startsWith("Mem-Info:")) inTrace = false;
      else continue;
    }
    out.push(oomLineShape(l));
  }
  return out;
}

/** Compares the two sides of a scenario. */
export function compareSides(sc: Scenario, plan: GuestPlan, model: Side, real: Side): Comparison {
  const rows: Row[] = [];
  const sink: RowSink = { rows, pcpSlack: pcpSlackPages(real.captures.get(plan.atStart.find((a) => a.path === "/proc/zoneinfo")?.label ?? "")), slabSlack: 0 };
  let unjudged = 0;
  const bothText = (label: string): { m?: string; r?: string } => ({ m: model.captures.get(label), r: real.captures.get(label) });
  const missing = (section: string, label: string, m?: string, r?: string): void => {
    rows.push({ section, item: `capture ${label}`, model: m === undefined ? "missing" : "taken", real: r === undefined ? "missing" : "taken", diff: "", tolerance: "exact", ok: false });
  };

  // machine: the start files
  for (const a of plan.atStart) {
    const kind = fileKind(a.path);
    if (kind === "maps" || kind === "other") continue;
    const { m, r } = bothText(a.label);
    if (m === undefined || r === undefined) {
      missing("machine", a.label, m, r);
      continue;
    }
    unjudged += fileRows("machine", kind, m, r, {}, sink, false);
  }
  const startOf = (path: string): { model?: string; real?: string } => {
    const s = plan.atStart.find((a) => a.path === path);
    return s ? { model: model.captures.get(s.label), real: real.captures.get(s.label) } : {};
  };

  // the scenario's captures, in the order the model took them (then any only the guest has)
  const paths = new Map<string, string>();
  const walkCaps = (steps: Scenario["processes"][number]["run"]): void => {
    for (const s of steps) {
      for (const c of s.capture ?? []) paths.set(c.label, c.path);
      if (s.kind === "fork") walkCaps(s.run);
    }
  };
  sc.processes.forEach((p) => walkCaps(p.run));
  const labels = [...model.captures.keys(), ...real.captures.keys()].filter((l, i, a) => paths.has(l) && a.indexOf(l) === i);
  for (const label of labels) {
    const path = paths.get(label) as string;
    const kind = fileKind(path);
    const section = `capture ${label} (${path})`;
    const { m, r } = bothText(label);
    if (m === undefined || r === undefined) {
      missing(section, label, m, r);
      continue;
    }
    if (kind === "maps") {
      const am = anonMappings(m);
      const ar = anonMappings(r);
      const same = am.join(" ") === ar.join(" ");
      rows.push({ section, item: "anonymous mappings", model: am.join(", ") || "none", real: ar.join(", ") || "none", diff: same ? "" : "differs", tolerance: "exact", ok: same });
      continue;
    }
    if (kind === "other") {
      unjudged++;
      continue;
    }
    unjudged += fileRows(section, kind, m, r, kind === "meminfo" || kind === "vmstat" || kind === "zoneinfo" ? startOf(path) : {}, sink);
  }

  // end: the end files and each live process's status. meminfo and zoneinfo are read together
  // there, so what one side holds for reasons the other does not model is known: the real
  // kernel's slab and kernel stacks, the model's shmem copies of each process's program image
  const field = (side: Side, label: string | undefined, name: string): number => {
    const t = label !== undefined ? side.captures.get(label) : undefined;
    const v = t !== undefined ? fieldsOf("meminfo", t).get(name) : undefined;
    return typeof v === "number" ? v : 0;
  };
  const mi0 = plan.atStart.find((a) => a.path === "/proc/meminfo")?.label;
  const mi1 = plan.atEnd.find((a) => a.path === "/proc/meminfo")?.label;
  const change = (side: Side, name: string): number => Math.abs(field(side, mi1, name) - field(side, mi0, name));
  sink.slabSlack = Math.ceil((change(real, "Slab") + change(real, "KernelStack") + change(model, "Shmem")) / 4);
  for (const a of plan.atEnd) {
    const kind = fileKind(a.path);
    if (kind === "maps" || kind === "other") continue;
    const { m, r } = bothText(a.label);
    if (m === undefined || r === undefined) {
      missing("end", a.label, m, r);
      continue;
    }
    unjudged += fileRows(`end (${a.path})`, kind, m, r, kind === "meminfo" || kind === "vmstat" || kind === "zoneinfo" ? startOf(a.path) : {}, sink);
  }
  for (const p of model.processes) {
    const label = `@end.status.${p.name}`;
    const { m, r } = bothText(label);
    if (m !== undefined && r !== undefined) unjudged += fileRows(`end (${p.name} status)`, "status", m, r, {}, sink);
  }

  // processes and steps
  const fate = (p: Side["processes"][number] | undefined): string =>
    !p ? "never started" : p.state === "killed" ? `killed (${p.signal ?? "signal"})` : p.state === "exited" ? `exited (${p.code ?? 0})` : p.state === "never_started" ? "never started" : "alive";
  const names = [...new Set([...model.processes.map((p) => p.name), ...real.processes.map((p) => p.name)])];
  for (const n of names) {
    const a = fate(model.processes.find((p) => p.name === n));
    const b = fate(real.processes.find((p) => p.name === n));
    rows.push({ section: "processes", item: n, model: a, real: b, diff: "", tolerance: "exact", ok: a === b });
  }
  for (const [path, want] of model.expectedErrors) {
    const got = real.expectedErrors.get(path) ?? "did not run";
    rows.push({ section: "steps with expect_error", item: path, model: want, real: got, diff: "", tolerance: "exact", ok: want === got });
  }
  if (model.panic !== undefined || real.panic !== undefined) {
    rows.push({ section: "processes", item: "kernel panic", model: model.panic ?? "none", real: real.panic ?? "none", diff: "", tolerance: "exact", ok: (model.panic !== undefined) === (real.panic !== undefined) });
  }

  // OOM
  const km = oomKills(model.dmesg);
  const kr = oomKills(real.dmesg);
  if (km.length || kr.length) {
    rows.push({ section: "oom", item: "kills", model: String(km.length), real: String(kr.length), diff: signed(km.length - kr.length), tolerance: "exact", ok: km.length === kr.length });
    for (let i = 0; i < Math.max(km.length, kr.length); i++) {
      const a = km[i];
      const b = kr[i];
      rows.push({ section: "oom", item: `victim ${i + 1}`, model: a ? `${a.comm} (adj ${a.adj})` : "—", real: b ? `${b.comm} (adj ${b.adj})` : "—", diff: "", tolerance: "exact", ok: !!a && !!b && a.comm === b.comm && a.adj === b.adj });
      if (a && b) {
        const t = OOM_RSS_TOLERANCE;
        rows.push({ section: "oom", item: `victim ${i + 1} anon-rss kB`, model: String(a.anonRssKb), real: String(b.anonRssKb), diff: signed(a.anonRssKb - b.anonRssKb), tolerance: toleranceText(t, "kB"), ok: within(t, a.anonRssKb, b.anonRssKb) });
      }
    }
    const rm = oomReports(model.dmesg);
    const rr = oomReports(real.dmesg);
    for (let i = 0; i < Math.min(rm.length, rr.length); i++) {
      const a = oomStructure(rm[i]);
      const b = oomStructure(rr[i]);
      let first = -1;
      let differing = Math.abs(a.length - b.length);
      for (let j = 0; j < Math.min(a.length, b.length); j++) {
        if (a[j] !== b[j]) {
          differing++;
          if (first < 0) first = j;
        }
      }
      if (first < 0 && a.length !== b.length) first = Math.min(a.length, b.length);
      rows.push({
        section: "oom",
        item: `report ${i + 1} structure`,
        model: `${a.length} lines`,
        real: `${b.length} lines`,
        diff: differing ? `${differing} lines differ, first: model "${a[first] ?? "(end)"}" real "${b[first] ?? "(end)"}"` : "",
        tolerance: "exact",
        ok: differing === 0,
      });
    }
  }

  // pages of every anonymous mapping both sides have, for processes alive at the end
  for (const [name, sets] of model.pages) {
    const other = real.pages.get(name);
    if (!other) continue;
    for (const s of sets.filter(isAnonSet)) {
      const o = other.find((x) => x.start === s.start && x.end === s.end);
      const range = `${s.start.toString(16)}-${s.end.toString(16)}`;
      if (!o) {
        rows.push({ section: "pages", item: `${name} ${range}`, model: `${s.present + s.swapped} pages`, real: "no such mapping", diff: "", tolerance: "exact", ok: false });
        continue;
      }
      const a = s.present + s.swapped;
      const b = o.present + o.swapped;
      const ok = a === b && s.digest === o.digest;
      rows.push({ section: "pages", item: `${name} ${range} touched pages`, model: `${a} (#${s.digest.toString(16)})`, real: `${b} (#${o.digest.toString(16)})`, diff: a === b ? (ok ? "" : "same count, other pages") : signed(a - b), tolerance: "exact", ok });
    }
    for (const o of other.filter(isAnonSet)) {
      if (!sets.some((s) => s.start === o.start && s.end === o.end)) rows.push({ section: "pages", item: `${name} ${o.start.toString(16)}-${o.end.toString(16)}`, model: "no such mapping", real: `${o.present + o.swapped} pages`, diff: "", tolerance: "exact", ok: false });
    }
  }
  return { scenario: sc.name, file: sc.file, rows, unjudged, ok: rows.every((r) => r.ok !== false) };
}

export interface FormatOptions {
  kernel?: string;
  notes?: string[];
  timing?: { guestWallSeconds: number; guestCpuSeconds: number; modelWallSeconds: number; modelCpuSeconds: number };
}

/** The side-by-side table for people. */
export function formatComparison(c: Comparison, o: FormatOptions = {}): string {
  const L: string[] = [];
  L.push(`mmsim validate ${c.scenario} (${c.file}): the model against ${o.kernel ?? "a real Linux 6.1"}`);
  for (const n of o.notes ?? []) L.push(`note: ${n}`);
  const w = {
    item: Math.min(56, Math.max(5, ...c.rows.map((r) => r.item.length))),
    model: Math.min(30, Math.max(5, ...c.rows.map((r) => r.model.length))),
    real: Math.min(30, Math.max(4, ...c.rows.map((r) => r.real.length))),
    diff: Math.min(14, Math.max(4, ...c.rows.map((r) => r.diff.length))),
    tol: Math.max(9, ...c.rows.map((r) => r.tolerance.length)),
  };
  let section = "";
  for (const r of c.rows) {
    if (r.section !== section) {
      section = r.section;
      L.push("");
      L.push(section);
      L.push(`  ${"field".padEnd(w.item)}  ${"model".padStart(w.model)}  ${"real".padStart(w.real)}  ${"diff".padStart(w.diff)}  ${"tolerance".padEnd(w.tol)}  ok`);
    }
    const mark = r.ok === null ? "" : r.ok ? "yes" : "NO";
    L.push(`  ${r.item.padEnd(w.item)}  ${r.model.padStart(w.model)}  ${r.real.padStart(w.real)}  ${r.diff.padStart(w.diff)}  ${r.tolerance.padEnd(w.tol)}  ${mark}`);
  }
  const judged = c.rows.filter((r) => r.ok !== null);
  const bad = judged.filter((r) => r.ok === false);
  L.push("");
  L.push(`${judged.length - bad.length} of ${judged.length} judged fields agree${bad.length ? `; ${bad.length} do not` : ""} (${c.unjudged} more fields shown by both sides are not judged: docs/validate.md)`);
  L.push(c.ok ? "AGREE" : "DISAGREE");
  return L.join("\n") + "\n";
}

/** The comparison as JSON (rows, verdict, and the run's facts). */
export function formatComparisonJson(c: Comparison, o: FormatOptions = {}): string {
  return JSON.stringify({ ...c, ...(o.kernel ? { kernel: o.kernel } : {}), notes: o.notes ?? [], ...(o.timing ? { timing: o.timing } : {}) }, null, 2) + "\n";
}
