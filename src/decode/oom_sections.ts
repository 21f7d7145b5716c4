/**
 * The sections of one OOM report, line by line: each parser below recognises the lines of one
 * part of the report (the header, show_mem, the memory cgroup, the task table, the kill) and
 * records what they say in the draft's state; finishDraft then settles the kernel version range,
 * decodes the gfp_mask in its era's layout, names the constraint, and lists what is missing.
 * oom_analyse.ts derives the figures from the result.
 *
 * @kernel mm/oom_kill.c dump_header, dump_tasks, dump_task, dump_oom_summary, __oom_kill_process, oom_kill_process, oom_reap_task_mm
 * @kernel mm/page_alloc.c __show_free_areas (show_mem), show_migration_types
 * @kernel mm/memcontrol.c mem_cgroup_print_oom_context, mem_cgroup_print_oom_meminfo, mem_cgroup_print_oom_group
 * @kernel lib/show_mem.c __show_mem
 */
import type { LogLine } from "./lines.js";
import { decodeGfp, kver } from "./gfp_eras.js";
import type { KernelInfo, MemcgInfo, OomContext, OomReport, TaskRow, ZoneReport } from "./types.js";

const ZONE_NAMES = "DMA32|DMA|Normal|HighMem|Movable|Device";
export const TRIGGER_RE = /^(.*?)\s+invoked oom-killer(?::\s*(.*))?$/;
const BANNER_RE = /^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: (.*?) (?:Kdump: \S+ )?(?:Not tainted|Tainted:)/;
const OLD_BANNER_RE = /^Pid: (\d+), comm: (.*?) (?:Not tainted|Tainted:)/;
const RELEASE_RE = /\b(\d+)\.(\d+)(?:\.\d+)?(?:[-+~.][\w.+~-]*)?\s+#/;
const CPUSET_RE = /^(.*?) cpuset=(\S*) mems_allowed=(\S+)$/;
const NODE_RE = /^Node (\d+) (active_anon:.*)$/;
const ZONE_RE = new RegExp(`^(?:Node (\\d+) )?(${ZONE_NAMES}) free:(.*)$`);
const BUDDY_RE = new RegExp(`^(?:Node (\\d+) )?(${ZONE_NAMES}): (\\d+\\*\\d+kB.*)$`);
const RESERVE_RE = /^lowmem_reserve\[\]:((?:\s+\d+)*)\s*$/;
const COUNTERS_RE = /^[a-z_]+:\s?\d+(?:\s+[a-z_]+:\s?\d+)*$/;
export const KILLED_RE = /^(?:(Memory cgroup out of memory|Out of memory(?: \([a-z_]+\))?): )?Killed process (\d+)(?:, UID (\d+),)? \((.+?)\)(?=,|\s|$),?(.*)$/;
const SELECT_RE = /^(Memory cgroup out of memory|Out of memory(?: \(([a-z_]+)\))?): Kill process (\d+) \((.+?)\) score (\d+) or sacrifice child/;
const REAPED_RE = /^oom_reaper: reaped process (\d+) \((.+?)\), now anon-rss:(\d+)kB, file-rss:(\d+)kB, shmem-rss:(\d+)kB/;

/** Lines that only an OOM report prints; they open a report when its header is missing. */
export function isReportBody(t: string): boolean {
  return (
    t === "Mem-Info:" ||
    t.startsWith("Tasks state (memory values in pages)") ||
    /^\[\s*pid\s*\]/.test(t) ||
    t.startsWith("oom-kill:") ||
    /^Task in \S+ killed as a result of limit of/.test(t) ||
    /^memory: usage \d+kB, limit \d+kB/.test(t) ||
    /^Memory cgroup stats for /.test(t) ||
    SELECT_RE.test(t) ||
    KILLED_RE.test(t)
  );
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** key:value pairs of a show_mem line, values in the unit printed (kB stays kB). */
function parsePairs(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = /([A-Za-z_][\w()]*):\s?(\d+)\s?(?:[kK]B)?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out[m[1]] = Number(m[2]);
  return out;
}


function versionFrom(release: string): number | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return undefined;
  const maj = Number(m[1]);
  const min = Number(m[2]);
  return maj === 2 ? kver(2, min) : kver(maj, min);
}

/** What the section parsers learn from a report's lines, before the report is settled. */
export class DraftState {
  readonly rep: OomReport;
  readonly memcg: MemcgInfo = { stats: {} };
  memcgSeen = false;
  inMemcgStats = false;
  inMemInfo = false;
  /** The paste leaves lines out inside the report (after the task table header). */
  tableGap = false;
  headerSeen = false;
  rawGfp: { mask: number; names?: string } | undefined = undefined;
  splitComm: { comm: string; pid: number } | undefined = undefined;
  bannerPid: number | undefined = undefined;
  /** Format evidence: the oldest (lo) and newest (hi) kernel each feature allows, and why. */
  readonly lo: Array<[number, string]> = [];
  readonly hi: Array<[number, string]> = [];

  constructor(start: number, end: number) {
    this.rep = {
      kind: "oom",
      lines: [start, end],
      kernel: { range: [kver(2, 6), kver(99, 0)], evidence: [] },
      trigger: {},
      constraint: "unknown",
      meminfo: {},
      nodes: [],
      zones: [],
      totals: {},
      tasks: [],
      reaped: [],
      picture: {},
      zoneVerdicts: [],
      badness: { totalpagesBasis: "", formula: "", rows: [], notes: [], tableComplete: false },
      summary: [],
      missing: [],
      warnings: [],
    };
  }

  addLo(v: number, why: string): void {
    this.lo.push([v, why]);
  }

  addHi(v: number, why: string): void {
    this.hi.push([v, why]);
  }
}

/** The header: the trigger line ("X invoked oom-killer: gfp_mask=…, order=…"), dump_stack's banner with the release, and the pre-4.19 cpuset line. */
function parseHeader(t: string, l: LogLine, s: DraftState): boolean {
  const rep = s.rep;
  let m: RegExpExecArray | null;
  if ((m = TRIGGER_RE.exec(t))) {
    // Some debug kernels print "comm:pid"; a kworker's own name ends in ":N" too.
    const comm = m[1].trim();
    const cp = /^(.*):(\d+)$/.exec(comm);
    if (cp && !comm.startsWith("kworker/")) s.splitComm = { comm: cp[1], pid: Number(cp[2]) };
    rep.trigger.comm = comm;
    rep.trigger.line = l.line;
    const rest = m[2] ?? "";
    const g = /gfp_mask=(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/.exec(rest);
    if (g) {
      s.rawGfp = { mask: parseInt(g[1], 16) };
      if (g[2] !== undefined) {
        s.rawGfp.names = g[2];
        s.addLo(kver(4, 5), "gfp_mask printed with flag names (%pGg, 4.5+)");
      } else s.addHi(kver(4, 4), "gfp_mask printed as bare hex (before 4.5)");
    }
    const o = /order=(-?\d+)/.exec(rest);
    if (o) rep.trigger.order = Number(o[1]);
    const a = /oom_score_adj=(-?\d+)/.exec(rest);
    if (a) rep.trigger.oom_score_adj = Number(a[1]);
    const oa = /(?:^|\s)oom_adj=(-?\d+)/.exec(rest);
    if (oa) {
      rep.trigger.oom_adj = Number(oa[1]);
      s.addHi(kver(3, 7), "trigger line prints oom_adj (2.6.36–3.7)");
    }
    const nm = /nodemask=(.*?),\s*order=/.exec(rest);
    if (nm) rep.trigger.nodemask = nm[1];
    return true;
  }
  if ((m = BANNER_RE.exec(t)) || (m = OLD_BANNER_RE.exec(t))) {
    s.bannerPid ??= Number(m[1]);
    if (rep.trigger.comm === undefined) rep.trigger.comm = m[2];
    const r = RELEASE_RE.exec(t);
    if (r) {
      const rel = /(\d+\.\d+\S*)\s+#/.exec(t);
      if (rel) {
        rep.kernel.release = rel[1];
        const v = versionFrom(rel[1]);
        if (v !== undefined) rep.kernel.version = v;
      }
    }
    return true;
  }
  if ((m = CPUSET_RE.exec(t)) && !t.includes("oom-kill:")) {
    rep.trigger.cpuset = m[2];
    rep.trigger.mems_allowed = m[3];
    s.addHi(kver(4, 18), "'comm cpuset=… mems_allowed=…' line (before 4.19)");
    return true;
  }
  return false;
}

/** show_mem: the Mem-Info counters, the per-node and per-zone lines, lowmem_reserve[], the buddy lines and the page totals. */
function parseShowMem(t: string, l: LogLine, s: DraftState): boolean {
  const rep = s.rep;
  const warnings = s.rep.warnings;
  let m: RegExpExecArray | null;
  if (t === "Mem-Info:") {
    s.inMemInfo = true;
    return true;
  }
  if (COUNTERS_RE.test(t) && (s.inMemInfo || /active_anon:\d/.test(t))) {
    Object.assign(rep.meminfo, parsePairs(t));
    return true;
  }
  if ((m = NODE_RE.exec(t))) {
    const f = parsePairs(m[2]);
    const node: OomReport["nodes"][number] = { node: Number(m[1]), fields: f };
    const u = /all_unreclaimable\? (yes|no)/.exec(t);
    if (u) node.all_unreclaimable = u[1] === "yes";
    rep.nodes.push(node);
    s.addLo(kver(4, 8), "per-node LRU line 'Node N active_anon:' (4.8+)");
    return true;
  }
  if ((m = ZONE_RE.exec(t))) {
    const f = parsePairs(`free:${m[3]}`);
    const z: ZoneReport = { name: m[2], fields: f };
    if (m[1] !== undefined) z.node = Number(m[1]);
    z.free_kB = f.free;
    if (f.min !== undefined) z.min_kB = f.min;
    if (f.low !== undefined) z.low_kB = f.low;
    if (f.high !== undefined) z.high_kB = f.high;
    if (f.managed !== undefined) z.managed_kB = f.managed;
    if (f.present !== undefined) z.present_kB = f.present;
    const u = /all_unreclaimable\? (yes|no)/.exec(t);
    if (u) z.all_unreclaimable = u[1] === "yes";
    if (f.boost !== undefined) s.addLo(kver(5, 0), "zone line prints boost: (watermark boosting, 5.0+)");
    if (/>$/.test(t)) warnings.push({ part: `zone:${z.name}`, message: "zone line truncated by the log transport ('>' at the end)", line: l.line });
    rep.zones.push(z);
    return true;
  }
  if ((m = RESERVE_RE.exec(t))) {
    const last = rep.zones[rep.zones.length - 1];
    const vals = m[1].trim() === "" ? [] : m[1].trim().split(/\s+/).map(Number);
    if (last && last.lowmem_reserve === undefined) last.lowmem_reserve = vals;
    else warnings.push({ part: "lowmem_reserve", message: "lowmem_reserve[] line without a zone line before it", line: l.line });
    return true;
  }
  if ((m = BUDDY_RE.exec(t))) {
    const node = m[1] !== undefined ? Number(m[1]) : undefined;
    const z = rep.zones.find((x) => x.name === m![2] && x.node === node && !x.buddy) ?? rep.zones.find((x) => x.name === m![2] && !x.buddy);
    const counts: number[] = [];
    const types: string[] = [];
    const sizes: number[] = [];
    const re = /(\d+)\*(\d+)kB(?:\s+\(([A-Z]*)\))?/g;
    let b: RegExpExecArray | null;
    while ((b = re.exec(m[3]))) {
      counts.push(Number(b[1]));
      sizes.push(Number(b[2]));
      types.push(b[3] ?? "");
    }
    const tot = /=\s*(\d+)kB\s*$/.exec(m[3]);
    const buddy: NonNullable<ZoneReport["buddy"]> = { counts, types, blockSize_kB: sizes };
    if (tot) buddy.total_kB = Number(tot[1]);
    else warnings.push({ part: `buddy:${m[2]}`, message: "buddy line has no '= NkB' total: probably cut", line: l.line });
    if (z) z.buddy = buddy;
    else {
      const nz: ZoneReport = { name: m[2], fields: {}, buddy };
      if (node !== undefined) nz.node = node;
      rep.zones.push(nz);
    }
    return true;
  }
  if ((m = /^(\d+) total pagecache pages/.exec(t))) { rep.totals.pagecache_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages in swap cache/.exec(t))) { rep.totals.swapcache_pages = Number(m[1]); return true; }
  if ((m = /^Free swap\s*=\s*(-?\d+)kB/.exec(t))) { rep.totals.free_swap_kB = Number(m[1]); return true; }
  if ((m = /^Total swap\s*=\s*(\d+)kB/.exec(t))) { rep.totals.total_swap_kB = Number(m[1]); return true; }
  if ((m = /^(\d+) pages (?:of )?RAM$/.exec(t))) { rep.totals.ram_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages HighMem(?:\/MovableOnly)?$/.exec(t))) { rep.totals.highmem_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) (?:pages reserved|reserved pages)$/.exec(t))) { rep.totals.reserved_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages cma reserved$/.exec(t))) { rep.totals.cma_reserved_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages hwpoisoned$/.exec(t))) { rep.totals.hwpoisoned_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages shared$/.exec(t))) { rep.totals.shared_pages = Number(m[1]); return true; }
  if ((m = /^(\d+) pages non-shared$/.exec(t))) { rep.totals.nonshared_pages = Number(m[1]); return true; }
  return false;
}

/** The memory cgroup part: usage and limits, the v1 "Task in … killed as a result of limit of …" line and the stats dump. */
function parseMemcg(t: string, _l: LogLine, s: DraftState): boolean {
  let m: RegExpExecArray | null;
  if ((m = /^(memory|memory\+swap|swap|kmem): usage (\d+)kB, limit (\d+)kB, failcnt (\d+)/.exec(t))) {
    s.memcgSeen = true;
    const u = Number(m[2]);
    const lim = Number(m[3]);
    if (m[1] === "memory") { s.memcg.usage_kB = u; s.memcg.limit_kB = lim; s.memcg.failcnt = Number(m[4]); }
    else if (m[1] === "swap") { s.memcg.swap_usage_kB = u; s.memcg.swap_limit_kB = lim; s.memcg.version = 2; }
    else if (m[1] === "memory+swap") { s.memcg.memsw_usage_kB = u; s.memcg.memsw_limit_kB = lim; s.memcg.version = 1; }
    else { s.memcg.kmem_usage_kB = u; s.memcg.kmem_limit_kB = lim; }
    return true;
  }
  if ((m = /^Task in (\S+) killed as a result of limit of (\S+)/.exec(t))) {
    s.memcgSeen = true;
    s.memcg.taskCgroup = m[1];
    s.memcg.limitCgroup = m[2];
    s.memcg.version = 1;
    s.addHi(kver(4, 18), "'Task in … killed as a result of limit of …' (before 4.19)");
    return true;
  }
  if ((m = /^Memory cgroup stats for (.*?):\s*(.*)$/.exec(t))) {
    s.memcgSeen = true;
    s.memcg.statsPath = m[1];
    if (m[2].trim() !== "") {
      // 3.x–4.x printed v1 stats inline: "cache:108KB rss:197168KB …" (kB).
      for (const [k, v] of Object.entries(parsePairs(m[2]))) s.memcg.stats[`${k}_kB`] = v;
      s.inMemcgStats = false;
    } else s.inMemcgStats = true;
    return true;
  }
  if (s.inMemcgStats && (m = /^([a-z_]+) (\d+)$/.exec(t))) {
    s.memcg.stats[m[1]] = Number(m[2]);
    return true;
  }
  return false;
}

/** dump_tasks: the table header (whose columns date the kernel) and its rows. */
function parseTasks(t: string, l: LogLine, s: DraftState): boolean {
  const rep = s.rep;
  const warnings = s.rep.warnings;
  let m: RegExpExecArray | null;
  if (t.startsWith("Tasks state (memory values in pages)")) {
    s.inMemcgStats = false;
    s.addLo(kver(4, 19), "'Tasks state (memory values in pages):' (4.19+)");
    return true;
  }
  if ((m = /^\[\s*pid\s*\]\s+(.*)$/.exec(t))) {
    s.inMemcgStats = false;
    s.headerSeen = true;
    const cols = m[1].trim().split(/\s+/);
    rep.tasksHeader = cols;
    if (cols.includes("pgtables_bytes")) s.addLo(kver(4, 15), "table column pgtables_bytes (4.15+)");
    if (cols.includes("nr_pmds")) { s.addLo(kver(4, 0), "table column nr_pmds (4.0–4.14)"); s.addHi(kver(4, 14), "table column nr_pmds (4.0–4.14)"); }
    else if (cols.includes("nr_ptes")) s.addHi(kver(3, 19), "table column nr_ptes without nr_pmds (before 4.0)");
    if (cols.includes("rss_anon")) s.addLo(kver(6, 8), "table columns rss_anon/rss_file/rss_shmem (6.8+)");
    if (cols.includes("oom_adj")) s.addHi(kver(3, 7), "table column oom_adj (before 3.8)");
    if (/^\[\s{2}pid\s{2}\]/.test(t)) s.addLo(kver(4, 19), "wide '[  pid  ]' column (4.19+)");
    return true;
  }
  if ((m = /^\[\s*(\d+)\]\s+(.*)$/.exec(t))) {
    const row = parseRow(Number(m[1]), m[2], rep.tasksHeader, l.line);
    if (row) rep.tasks.push(row);
    else warnings.push({ part: "tasks", message: "task table row could not be read", line: l.line });
    return true;
  }
  return false;
}

/** The end: the oom-kill: summary, the selection and kill lines, the oom_reaper, memory.oom.group, the panic, and gaps in the paste. */
function parseKill(t: string, l: LogLine, s: DraftState): boolean {
  const rep = s.rep;
  const warnings = s.rep.warnings;
  let m: RegExpExecArray | null;
  if ((m = /^oom-kill:(.*)$/.exec(t))) {
    rep.context = parseContext(m[1], l.line);
    s.addLo(kver(4, 19), "'oom-kill:constraint=…' summary line (4.19+)");
    return true;
  }
  if ((m = SELECT_RE.exec(t))) {
    rep.selection = { pid: Number(m[3]), comm: m[4], score: Number(m[5]), sacrificeChild: true, memcg: m[1].startsWith("Memory cgroup"), line: l.line };
    if (m[2] === "oom_kill_allocating_task") warnings.push({ part: "policy", message: "vm.oom_kill_allocating_task was set: the allocating task was killed without ranking", line: l.line });
    s.addHi(kver(5, 0), "'Kill process … or sacrifice child' (before 5.1)");
    return true;
  }
  if ((m = KILLED_RE.exec(t))) {
    const v: NonNullable<OomReport["victim"]> = { pid: Number(m[2]), comm: m[4], line: l.line };
    if (m[1] !== undefined) v.reason = m[1];
    if (m[3] !== undefined) v.uid = Number(m[3]);
    const rest = m[5];
    const f = (re: RegExp): number | undefined => num(re.exec(rest)?.[1]);
    const tv = f(/total-vm:(\d+)kB/); if (tv !== undefined) v.total_vm_kB = tv;
    const ar = f(/anon-rss:(\d+)kB/); if (ar !== undefined) v.anon_rss_kB = ar;
    const fr = f(/file-rss:(\d+)k?B?/); if (fr !== undefined) v.file_rss_kB = fr;
    const sr = f(/shmem-rss:(\d+)kB/);
    if (sr !== undefined) { v.shmem_rss_kB = sr; s.addLo(kver(4, 5), "victim line prints shmem-rss (4.5+)"); }
    else if (fr !== undefined) s.addHi(kver(4, 8), "victim line has file-rss but no shmem-rss (before 4.9)");
    // "UID:1000 pgtables:…" (5.x) or "(comm), UID 1000, total-vm:…" (RHEL 7 backport).
    const uid = f(/UID:? ?(\d+)/); if (uid !== undefined) v.uid = uid;
    const pg = f(/pgtables:(\d+)kB/); if (pg !== undefined) v.pgtables_kB = pg;
    const adj = f(/oom_score_adj:(-?\d+)/); if (adj !== undefined) v.oom_score_adj = adj;
    if (v.reason?.startsWith("Out of memory (oom_kill_allocating_task)")) warnings.push({ part: "policy", message: "vm.oom_kill_allocating_task was set", line: l.line });
    if (rep.victim) warnings.push({ part: "victim", message: `a second 'Killed process' line (pid ${v.pid}) in one report`, line: l.line });
    else rep.victim = v;
    if (tv === undefined) warnings.push({ part: "victim", message: "victim line is cut: no total-vm/rss figures", line: l.line });
    return true;
  }
  if ((m = REAPED_RE.exec(t))) {
    rep.reaped.push({ pid: Number(m[1]), comm: m[2], anon_rss_kB: Number(m[3]), file_rss_kB: Number(m[4]), shmem_rss_kB: Number(m[5]) });
    return true;
  }
  if ((m = /^Tasks in (\S+) are going to be killed due to memory\.oom\.group set/.exec(t))) { rep.oomGroup = m[1]; return true; }
  if ((m = /Kernel panic - not syncing: (.*)$/.exec(t)) || (m = /^(Out of memory and no killable processes.*)$/.exec(t))) { rep.panic = m[1]; return true; }
  if (/^(?:\.\.\.|\[\.\.\.\]|\(\.\.\.snipped\.\.\.\)|<snip>|\[\.\.\. snip \.\.\.\])$/.test(t)) {
    if (s.headerSeen) s.tableGap = true;
    warnings.push({ part: "gap", message: "lines were left out of the paste here", line: l.line });
    return true;
  }
  return false;
}
/** The section parsers in the order they are tried: the first that recognises a line takes it. */
const SECTIONS: ReadonlyArray<(t: string, l: LogLine, s: DraftState) => boolean> = [parseHeader, parseShowMem, parseMemcg, parseTasks, parseKill];

/** Reads one line of a report into the draft; lines no section recognises are skipped. */
export function parseLine(l: LogLine, s: DraftState): void {
  const t = l.text;
  for (const p of SECTIONS) if (p(t, l, s)) return;
}

/** The allocating task: the trigger line names it, the banner gives its pid (and a "comm:pid" trigger is split). */
function settleIdentity(s: DraftState): void {
  const rep = s.rep;
  if (s.splitComm && (s.bannerPid === undefined || s.bannerPid === s.splitComm.pid)) {
    rep.trigger.comm = s.splitComm.comm;
    rep.trigger.pid = s.splitComm.pid;
  } else if (s.bannerPid !== undefined) rep.trigger.pid = s.bannerPid;
}

/** The kernel version range the format evidence allows, and the architecture. */
function settleKernel(s: DraftState, lines: LogLine[]): void {
  const rep = s.rep;
  const warnings = rep.warnings;
  // Kernel version range from the format evidence.
  const k = rep.kernel;
  for (const [v, why] of s.lo) if (v > k.range[0]) { k.range[0] = v; k.evidence.push(`≥ ${fmtVer(v)}: ${why}`); }
  for (const [v, why] of s.hi) if (v < k.range[1]) { k.range[1] = v; k.evidence.push(`≤ ${fmtVer(v)}: ${why}`); }
  if (k.range[0] > k.range[1]) {
    warnings.push({ part: "kernel", message: `format features disagree about the kernel version (${k.evidence.join("; ")}): a vendor kernel with backports`, });
    if (k.version === undefined) k.range = [k.range[1], k.range[1]];
  }
  if (k.version !== undefined) k.evidence.unshift(`banner prints release ${k.release}`);
  k.arch = detectArch(lines, rep.zones);
}

/** The gfp_mask in the layout of the report's era, the request size, and the cpuset from the summary line. */
function settleTrigger(s: DraftState): void {
  const rep = s.rep;
  const warnings = rep.warnings;
  const k = rep.kernel;
  if (s.rawGfp) {
    const opts: Parameters<typeof decodeGfp>[1] = { versionRange: k.range };
    if (s.rawGfp.names !== undefined) opts.printedNames = s.rawGfp.names;
    if (k.version !== undefined) opts.version = k.version;
    rep.trigger.gfp = decodeGfp(s.rawGfp.mask, opts);
    if (s.rawGfp.names !== undefined && s.rawGfp.names !== "" && rep.trigger.gfp.eraBasis !== "printed-names")
      warnings.push({ part: "gfp_mask", message: `no known GFP layout prints ${s.rawGfp.mask.toString(16)} as '${s.rawGfp.names}'` });
  }
  if (rep.trigger.order !== undefined && rep.trigger.order >= 0) rep.trigger.requestBytes = 4096 * 2 ** rep.trigger.order;
  if (rep.context?.cpuset !== undefined && rep.trigger.cpuset === undefined) rep.trigger.cpuset = rep.context.cpuset;
  if (rep.context?.mems_allowed !== undefined && rep.trigger.mems_allowed === undefined) rep.trigger.mems_allowed = rep.context.mems_allowed;
}

/** The constraint: printed on the oom-kill: line since 4.19, else inferred from the memcg, nodemask and zone lines. */
function settleConstraint(s: DraftState): void {
  const rep = s.rep;
  const warnings = rep.warnings;
  // Constraint.
  const cn = rep.context?.constraint;
  if (cn !== undefined) {
    rep.constraintName = cn;
    rep.constraint =
      cn === "CONSTRAINT_NONE" ? "global" : cn === "CONSTRAINT_MEMCG" ? "memcg" : cn === "CONSTRAINT_CPUSET" ? "cpuset" : cn === "CONSTRAINT_MEMORY_POLICY" ? "mempolicy" : rep.context?.oom_memcg ? "memcg" : cn.toLowerCase();
  } else if (s.memcgSeen || rep.selection?.memcg || rep.victim?.reason?.startsWith("Memory cgroup")) rep.constraint = "memcg";
  else if (rep.trigger.nodemask !== undefined && rep.trigger.nodemask !== "(null)") rep.constraint = "mempolicy";
  else if (rep.zones.length > 0 || rep.victim || rep.selection) rep.constraint = "global";
  else if (rep.trigger.comm !== undefined) {
    // Before 4.19 only memcg OOMs name their kind; a bare header without memcg lines is
    // most likely global, but the rest of the report is not there to say so.
    rep.constraint = "global";
    warnings.push({ part: "constraint", message: "assumed global: no memcg, cpuset or mempolicy lines in what is left of the report" });
  }
}

/** The parts of a report the paste does not have. */
function listMissing(s: DraftState): void {
  const rep = s.rep;
  const missing = rep.missing;
  const k = rep.kernel;
  // What could not be found.
  if (!rep.trigger.comm) missing.push({ part: "trigger", message: "no 'invoked oom-killer' line: the report's header is cut" });
  else if (!s.rawGfp) missing.push({ part: "gfp_mask", message: "the trigger line has no gfp_mask" });
  if (rep.trigger.comm && rep.trigger.order === undefined) missing.push({ part: "order", message: "the trigger line has no order" });
  if (k.version === undefined) missing.push({ part: "kernel-version", message: "no 'CPU: … Comm: …' banner with the kernel release; the version is inferred from the format" });
  if (rep.constraint !== "memcg") {
    if (Object.keys(rep.meminfo).length === 0) missing.push({ part: "meminfo", message: "no Mem-Info counters" });
    if (rep.zones.filter((z) => z.free_kB !== undefined).length === 0) missing.push({ part: "zones", message: "no per-zone watermark lines" });
    if (rep.zones.filter((z) => z.buddy).length === 0) missing.push({ part: "buddy", message: "no per-zone free-block (buddy) lines" });
    if (rep.totals.total_swap_kB === undefined) missing.push({ part: "swap", message: "no 'Total swap' line" });
    if (rep.totals.ram_pages === undefined) missing.push({ part: "ram", message: "no 'pages RAM' line" });
  } else {
    if (s.memcg.limit_kB === undefined) missing.push({ part: "memcg-limit", message: "no 'memory: usage …, limit …' line" });
    if (Object.keys(s.memcg.stats).length === 0) missing.push({ part: "memcg-stats", message: "no memory cgroup stats" });
  }
  if (!s.headerSeen) missing.push({ part: "tasks", message: "no task table header" });
  else if (rep.tasks.length === 0) missing.push({ part: "tasks", message: "task table header but no rows (filtered or cut)" });
  if (!rep.context && !rep.panic && k.range[1] >= kver(4, 19)) missing.push({ part: "oom-kill", message: "no 'oom-kill:constraint=…' summary line" });
  if (!rep.victim && !rep.selection && !rep.panic) missing.push({ part: "victim", message: "no 'Killed process' line" });
}

/** Settles a draft once all its lines are read; oom_analyse.ts derives the figures afterwards. */
export function finishDraft(s: DraftState, lines: LogLine[]): void {
  if (s.memcgSeen) s.rep.memcg = s.memcg;
  settleIdentity(s);
  settleKernel(s, lines);
  settleTrigger(s);
  settleConstraint(s);
  listMissing(s);
}

function fmtVer(v: number): string {
  return `${Math.floor(v / 1000)}.${v % 1000}`;
}

function detectArch(lines: LogLine[], zones: ZoneReport[]): KernelInfo["arch"] {
  if (zones.some((z) => z.name === "HighMem")) return "i386";
  for (const l of lines) {
    if (/^RIP: |x86_64|amd64/.test(l.text)) return "x86_64";
    if (/el0t?_|do_mem_abort|aarch64|arm64/.test(l.text)) return "arm64";
    if (/^\[<c[0-9a-f]{7}>\]/.test(l.text)) return "i386";
  }
  if (zones.some((z) => z.name === "DMA32")) return "x86_64";
  return undefined;
}

/** Parses one dump_task row against the header's column names. */
function parseRow(pid: number, rest: string, header: string[] | undefined, line: number): TaskRow | null {
  const cols = header ?? ["uid", "tgid", "total_vm", "rss", "pgtables_bytes", "swapents", "oom_score_adj", "name"];
  const numericCols = cols.slice(0, -1);
  const toks = rest.trim().split(/\s+/);
  if (toks.length < numericCols.length + 1) {
    // A cut row: read what is there, name unknown.
    if (toks.length < 2) return null;
  }
  const row: TaskRow = { pid, name: "", line };
  const extra: Record<string, number> = {};
  let i = 0;
  for (; i < numericCols.length && i < toks.length; i++) {
    const v = Number(toks[i]);
    if (!Number.isFinite(v)) return null;
    const c = numericCols[i];
    switch (c) {
      case "uid": row.uid = v; break;
      case "tgid": row.tgid = v; break;
      case "total_vm": row.total_vm_pages = v; break;
      case "rss": row.rss_pages = v; break;
      case "rss_anon": row.rss_anon_pages = v; break;
      case "rss_file": row.rss_file_pages = v; break;
      case "rss_shmem": row.rss_shmem_pages = v; break;
      case "pgtables_bytes": row.pgtables_bytes = v; break;
      case "nr_ptes": row.nr_ptes = v; break;
      case "nr_pmds": row.nr_pmds = v; break;
      case "swapents": row.swapents = v; break;
      case "oom_score_adj": row.oom_score_adj = v; break;
      case "oom_adj": row.oom_adj = v; break;
      default: extra[c] = v;
    }
  }
  row.name = toks.slice(i).join(" ");
  if (Object.keys(extra).length > 0) row.extra = extra;
  return row;
}

const CONTEXT_KEYS = ["constraint", "nodemask", "cpuset", "mems_allowed", "global_oom", "oom_memcg", "task_memcg", "task", "pid", "uid"];

/** Parses the 4.19+ "oom-kill:constraint=…,nodemask=…,…" line; values may hold commas (node lists). */
function parseContext(s: string, line: number): OomContext {
  const ctx: OomContext = { line };
  const re = new RegExp(`(?:^|,)\\s*(${CONTEXT_KEYS.join("|")})(?:=|(?=,|$))`, "g");
  const marks: Array<{ key: string; start: number; valStart: number }> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) marks.push({ key: m[1], start: m.index, valStart: m.index + m[0].length });
  for (let i = 0; i < marks.length; i++) {
    const end = i + 1 < marks.length ? marks[i + 1].start : s.length;
    const val = s.slice(marks[i].valStart, end).trim();
    switch (marks[i].key) {
      case "constraint": ctx.constraint = val; break;
      case "nodemask": ctx.nodemask = val; break;
      case "cpuset": ctx.cpuset = val; break;
      case "mems_allowed": ctx.mems_allowed = val; break;
      case "global_oom": ctx.global_oom = true; break;
      case "oom_memcg": ctx.oom_memcg = val; break;
      case "task_memcg": ctx.task_memcg = val; break;
      case "task": ctx.task = val; break;
      case "pid": { const n = Number(val); if (Number.isFinite(n)) ctx.pid = n; break; }
      case "uid": { const n = Number(val); if (Number.isFinite(n)) ctx.uid = n; break; }
    }
  }
  return ctx;
}

