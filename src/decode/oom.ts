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
import { decodeGfp, kver, zonesAllowed } from "./gfp_eras.js";
import { badnessEraFor, oom_badness, printedScore, rankTasks } from "./badness.js";
import type {
  BadnessResult,
  KernelInfo,
  MemcgInfo,
  MemoryPicture,
  OomContext,
  OomReport,
  Problem,
  TaskRow,
  ZoneReport,
  ZoneVerdict,
} from "./types.js";

const ZONE_NAMES = "DMA32|DMA|Normal|HighMem|Movable|Device";
const TRIGGER_RE = /^(.*?)\s+invoked oom-killer(?::\s*(.*))?$/;
const BANNER_RE = /^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: (.*?) (?:Kdump: \S+ )?(?:Not tainted|Tainted:)/;
const OLD_BANNER_RE = /^Pid: (\d+), comm: (.*?) (?:Not tainted|Tainted:)/;
const RELEASE_RE = /\b(\d+)\.(\d+)(?:\.\d+)?(?:[-+~.][\w.+~-]*)?\s+#/;
const CPUSET_RE = /^(.*?) cpuset=(\S*) mems_allowed=(\S+)$/;
const NODE_RE = /^Node (\d+) (active_anon:.*)$/;
const ZONE_RE = new RegExp(`^(?:Node (\\d+) )?(${ZONE_NAMES}) free:(.*)$`);
const BUDDY_RE = new RegExp(`^(?:Node (\\d+) )?(${ZONE_NAMES}): (\\d+\\*\\d+kB.*)$`);
const RESERVE_RE = /^lowmem_reserve\[\]:((?:\s+\d+)*)\s*$/;
const COUNTERS_RE = /^[a-z_]+:\s?\d+(?:\s+[a-z_]+:\s?\d+)*$/;
const KILLED_RE = /^(?:(Memory cgroup out of memory|Out of memory(?: \([a-z_]+\))?): )?Killed process (\d+)(?:, UID (\d+),)? \((.+?)\)(?=,|\s|$),?(.*)$/;
const SELECT_RE = /^(Memory cgroup out of memory|Out of memory(?: \(([a-z_]+)\))?): Kill process (\d+) \((.+?)\) score (\d+) or sacrifice child/;
const REAPED_RE = /^oom_reaper: reaped process (\d+) \((.+?)\), now anon-rss:(\d+)kB, file-rss:(\d+)kB, shmem-rss:(\d+)kB/;

/** Lines that only an OOM report prints; they open a report when its header is missing. */
function isReportBody(t: string): boolean {
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

function versionFrom(release: string): number | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return undefined;
  const maj = Number(m[1]);
  const min = Number(m[2]);
  return maj === 2 ? kver(2, min) : kver(maj, min);
}

/** Parses one report draft. */
function parseDraft(d: Draft): OomReport {
  const missing: Problem[] = [];
  const warnings: Problem[] = [];
  const rep: OomReport = {
    kind: "oom",
    lines: [d.start, d.end],
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
    missing,
    warnings,
  };
  const memcg: MemcgInfo = { stats: {} };
  let memcgSeen = false;
  let inMemcgStats = false;
  let inMemInfo = false;
  let tableGap = false;
  let headerSeen = false;
  let rawGfp: { mask: number; names?: string } | undefined;
  let splitComm: { comm: string; pid: number } | undefined;
  let bannerPid: number | undefined;
  const lo: Array<[number, string]> = [];
  const hi: Array<[number, string]> = [];
  const addLo = (v: number, why: string): void => void lo.push([v, why]);
  const addHi = (v: number, why: string): void => void hi.push([v, why]);

  for (const l of d.lines) {
    const t = l.text;
    let m: RegExpExecArray | null;
    if ((m = TRIGGER_RE.exec(t))) {
      // Some debug kernels print "comm:pid"; a kworker's own name ends in ":N" too.
      const comm = m[1].trim();
      const cp = /^(.*):(\d+)$/.exec(comm);
      if (cp && !comm.startsWith("kworker/")) splitComm = { comm: cp[1], pid: Number(cp[2]) };
      rep.trigger.comm = comm;
      rep.trigger.line = l.line;
      const rest = m[2] ?? "";
      const g = /gfp_mask=(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/.exec(rest);
      if (g) {
        rawGfp = { mask: parseInt(g[1], 16) };
        if (g[2] !== undefined) {
          rawGfp.names = g[2];
          addLo(kver(4, 5), "gfp_mask printed with flag names (%pGg, 4.5+)");
        } else addHi(kver(4, 4), "gfp_mask printed as bare hex (before 4.5)");
      }
      const o = /order=(-?\d+)/.exec(rest);
      if (o) rep.trigger.order = Number(o[1]);
      const a = /oom_score_adj=(-?\d+)/.exec(rest);
      if (a) rep.trigger.oom_score_adj = Number(a[1]);
      const oa = /(?:^|\s)oom_adj=(-?\d+)/.exec(rest);
      if (oa) {
        rep.trigger.oom_adj = Number(oa[1]);
        addHi(kver(3, 7), "trigger line prints oom_adj (2.6.36–3.7)");
      }
      const nm = /nodemask=(.*?),\s*order=/.exec(rest);
      if (nm) rep.trigger.nodemask = nm[1];
      continue;
    }
    if ((m = BANNER_RE.exec(t)) || (m = OLD_BANNER_RE.exec(t))) {
      bannerPid ??= Number(m[1]);
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
      continue;
    }
    if ((m = CPUSET_RE.exec(t)) && !t.includes("oom-kill:")) {
      rep.trigger.cpuset = m[2];
      rep.trigger.mems_allowed = m[3];
      addHi(kver(4, 18), "'comm cpuset=… mems_allowed=…' line (before 4.19)");
      continue;
    }
    if (t === "Mem-Info:") {
      inMemInfo = true;
      continue;
    }
    if (COUNTERS_RE.test(t) && (inMemInfo || /active_anon:\d/.test(t))) {
      Object.assign(rep.meminfo, parsePairs(t));
      continue;
    }
    if ((m = NODE_RE.exec(t))) {
      const f = parsePairs(m[2]);
      const node: OomReport["nodes"][number] = { node: Number(m[1]), fields: f };
      const u = /all_unreclaimable\? (yes|no)/.exec(t);
      if (u) node.all_unreclaimable = u[1] === "yes";
      rep.nodes.push(node);
      addLo(kver(4, 8), "per-node LRU line 'Node N active_anon:' (4.8+)");
      continue;
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
      if (f.boost !== undefined) addLo(kver(5, 0), "zone line prints boost: (watermark boosting, 5.0+)");
      if (/>$/.test(t)) warnings.push({ part: `zone:${z.name}`, message: "zone line truncated by the log transport ('>' at the end)", line: l.line });
      rep.zones.push(z);
      continue;
    }
    if ((m = RESERVE_RE.exec(t))) {
      const last = rep.zones[rep.zones.length - 1];
      const vals = m[1].trim() === "" ? [] : m[1].trim().split(/\s+/).map(Number);
      if (last && last.lowmem_reserve === undefined) last.lowmem_reserve = vals;
      else warnings.push({ part: "lowmem_reserve", message: "lowmem_reserve[] line without a zone line before it", line: l.line });
      continue;
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
      continue;
    }
    if ((m = /^(\d+) total pagecache pages/.exec(t))) { rep.totals.pagecache_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages in swap cache/.exec(t))) { rep.totals.swapcache_pages = Number(m[1]); continue; }
    if ((m = /^Free swap\s*=\s*(-?\d+)kB/.exec(t))) { rep.totals.free_swap_kB = Number(m[1]); continue; }
    if ((m = /^Total swap\s*=\s*(\d+)kB/.exec(t))) { rep.totals.total_swap_kB = Number(m[1]); continue; }
    if ((m = /^(\d+) pages (?:of )?RAM$/.exec(t))) { rep.totals.ram_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages HighMem(?:\/MovableOnly)?$/.exec(t))) { rep.totals.highmem_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) (?:pages reserved|reserved pages)$/.exec(t))) { rep.totals.reserved_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages cma reserved$/.exec(t))) { rep.totals.cma_reserved_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages hwpoisoned$/.exec(t))) { rep.totals.hwpoisoned_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages shared$/.exec(t))) { rep.totals.shared_pages = Number(m[1]); continue; }
    if ((m = /^(\d+) pages non-shared$/.exec(t))) { rep.totals.nonshared_pages = Number(m[1]); continue; }
    if ((m = /^(memory|memory\+swap|swap|kmem): usage (\d+)kB, limit (\d+)kB, failcnt (\d+)/.exec(t))) {
      memcgSeen = true;
      const u = Number(m[2]);
      const lim = Number(m[3]);
      if (m[1] === "memory") { memcg.usage_kB = u; memcg.limit_kB = lim; memcg.failcnt = Number(m[4]); }
      else if (m[1] === "swap") { memcg.swap_usage_kB = u; memcg.swap_limit_kB = lim; memcg.version = 2; }
      else if (m[1] === "memory+swap") { memcg.memsw_usage_kB = u; memcg.memsw_limit_kB = lim; memcg.version = 1; }
      else { memcg.kmem_usage_kB = u; memcg.kmem_limit_kB = lim; }
      continue;
    }
    if ((m = /^Task in (\S+) killed as a result of limit of (\S+)/.exec(t))) {
      memcgSeen = true;
      memcg.taskCgroup = m[1];
      memcg.limitCgroup = m[2];
      memcg.version = 1;
      addHi(kver(4, 18), "'Task in … killed as a result of limit of …' (before 4.19)");
      continue;
    }
    if ((m = /^Memory cgroup stats for (.*?):\s*(.*)$/.exec(t))) {
      memcgSeen = true;
      memcg.statsPath = m[1];
      if (m[2].trim() !== "") {
        // 3.x–4.x printed v1 stats inline: "cache:108KB rss:197168KB …" (kB).
        for (const [k, v] of Object.entries(parsePairs(m[2]))) memcg.stats[`${k}_kB`] = v;
        inMemcgStats = false;
      } else inMemcgStats = true;
      continue;
    }
    if (inMemcgStats && (m = /^([a-z_]+) (\d+)$/.exec(t))) {
      memcg.stats[m[1]] = Number(m[2]);
      continue;
    }
    if (t.startsWith("Tasks state (memory values in pages)")) {
      inMemcgStats = false;
      addLo(kver(4, 19), "'Tasks state (memory values in pages):' (4.19+)");
      continue;
    }
    if ((m = /^\[\s*pid\s*\]\s+(.*)$/.exec(t))) {
      inMemcgStats = false;
      headerSeen = true;
      const cols = m[1].trim().split(/\s+/);
      rep.tasksHeader = cols;
      if (cols.includes("pgtables_bytes")) addLo(kver(4, 15), "table column pgtables_bytes (4.15+)");
      if (cols.includes("nr_pmds")) { addLo(kver(4, 0), "table column nr_pmds (4.0–4.14)"); addHi(kver(4, 14), "table column nr_pmds (4.0–4.14)"); }
      else if (cols.includes("nr_ptes")) addHi(kver(3, 19), "table column nr_ptes without nr_pmds (before 4.0)");
      if (cols.includes("rss_anon")) addLo(kver(6, 8), "table columns rss_anon/rss_file/rss_shmem (6.8+)");
      if (cols.includes("oom_adj")) addHi(kver(3, 7), "table column oom_adj (before 3.8)");
      if (/^\[\s{2}pid\s{2}\]/.test(t)) addLo(kver(4, 19), "wide '[  pid  ]' column (4.19+)");
      continue;
    }
    if ((m = /^\[\s*(\d+)\]\s+(.*)$/.exec(t))) {
      const row = parseRow(Number(m[1]), m[2], rep.tasksHeader, l.line);
      if (row) rep.tasks.push(row);
      else warnings.push({ part: "tasks", message: "task table row could not be read", line: l.line });
      continue;
    }
    if ((m = /^oom-kill:(.*)$/.exec(t))) {
      rep.context = parseContext(m[1], l.line);
      addLo(kver(4, 19), "'oom-kill:constraint=…' summary line (4.19+)");
      continue;
    }
    if ((m = SELECT_RE.exec(t))) {
      rep.selection = { pid: Number(m[3]), comm: m[4], score: Number(m[5]), sacrificeChild: true, memcg: m[1].startsWith("Memory cgroup"), line: l.line };
      if (m[2] === "oom_kill_allocating_task") warnings.push({ part: "policy", message: "vm.oom_kill_allocating_task was set: the allocating task was killed without ranking", line: l.line });
      addHi(kver(5, 0), "'Kill process … or sacrifice child' (before 5.1)");
      continue;
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
      if (sr !== undefined) { v.shmem_rss_kB = sr; addLo(kver(4, 5), "victim line prints shmem-rss (4.5+)"); }
      else if (fr !== undefined) addHi(kver(4, 8), "victim line has file-rss but no shmem-rss (before 4.9)");
      // "UID:1000 pgtables:…" (5.x) or "(comm), UID 1000, total-vm:…" (RHEL 7 backport).
      const uid = f(/UID:? ?(\d+)/); if (uid !== undefined) v.uid = uid;
      const pg = f(/pgtables:(\d+)kB/); if (pg !== undefined) v.pgtables_kB = pg;
      const adj = f(/oom_score_adj:(-?\d+)/); if (adj !== undefined) v.oom_score_adj = adj;
      if (v.reason?.startsWith("Out of memory (oom_kill_allocating_task)")) warnings.push({ part: "policy", message: "vm.oom_kill_allocating_task was set", line: l.line });
      if (rep.victim) warnings.push({ part: "victim", message: `a second 'Killed process' line (pid ${v.pid}) in one report`, line: l.line });
      else rep.victim = v;
      if (tv === undefined) warnings.push({ part: "victim", message: "victim line is cut: no total-vm/rss figures", line: l.line });
      continue;
    }
    if ((m = REAPED_RE.exec(t))) {
      rep.reaped.push({ pid: Number(m[1]), comm: m[2], anon_rss_kB: Number(m[3]), file_rss_kB: Number(m[4]), shmem_rss_kB: Number(m[5]) });
      continue;
    }
    if ((m = /^Tasks in (\S+) are going to be killed due to memory\.oom\.group set/.exec(t))) { rep.oomGroup = m[1]; continue; }
    if ((m = /Kernel panic - not syncing: (.*)$/.exec(t)) || (m = /^(Out of memory and no killable processes.*)$/.exec(t))) { rep.panic = m[1]; continue; }
    if (/^(?:\.\.\.|\[\.\.\.\]|\(\.\.\.snipped\.\.\.\)|<snip>|\[\.\.\. snip \.\.\.\])$/.test(t)) {
      if (headerSeen) tableGap = true;
      warnings.push({ part: "gap", message: "lines were left out of the paste here", line: l.line });
      continue;
    }
  }
  if (memcgSeen) rep.memcg = memcg;
  if (splitComm && (bannerPid === undefined || bannerPid === splitComm.pid)) {
    rep.trigger.comm = splitComm.comm;
    rep.trigger.pid = splitComm.pid;
  } else if (bannerPid !== undefined) rep.trigger.pid = bannerPid;

  // Kernel version range from the format evidence.
  const k = rep.kernel;
  for (const [v, why] of lo) if (v > k.range[0]) { k.range[0] = v; k.evidence.push(`≥ ${fmtVer(v)}: ${why}`); }
  for (const [v, why] of hi) if (v < k.range[1]) { k.range[1] = v; k.evidence.push(`≤ ${fmtVer(v)}: ${why}`); }
  if (k.range[0] > k.range[1]) {
    warnings.push({ part: "kernel", message: `format features disagree about the kernel version (${k.evidence.join("; ")}): a vendor kernel with backports`, });
    if (k.version === undefined) k.range = [k.range[1], k.range[1]];
  }
  if (k.version !== undefined) k.evidence.unshift(`banner prints release ${k.release}`);
  k.arch = detectArch(d.lines, rep.zones);

  if (rawGfp) {
    const opts: Parameters<typeof decodeGfp>[1] = { versionRange: k.range };
    if (rawGfp.names !== undefined) opts.printedNames = rawGfp.names;
    if (k.version !== undefined) opts.version = k.version;
    rep.trigger.gfp = decodeGfp(rawGfp.mask, opts);
    if (rawGfp.names !== undefined && rawGfp.names !== "" && rep.trigger.gfp.eraBasis !== "printed-names")
      warnings.push({ part: "gfp_mask", message: `no known GFP layout prints ${rawGfp.mask.toString(16)} as '${rawGfp.names}'` });
  }
  if (rep.trigger.order !== undefined && rep.trigger.order >= 0) rep.trigger.requestBytes = 4096 * 2 ** rep.trigger.order;
  if (rep.context?.cpuset !== undefined && rep.trigger.cpuset === undefined) rep.trigger.cpuset = rep.context.cpuset;
  if (rep.context?.mems_allowed !== undefined && rep.trigger.mems_allowed === undefined) rep.trigger.mems_allowed = rep.context.mems_allowed;

  // Constraint.
  const cn = rep.context?.constraint;
  if (cn !== undefined) {
    rep.constraintName = cn;
    rep.constraint =
      cn === "CONSTRAINT_NONE" ? "global" : cn === "CONSTRAINT_MEMCG" ? "memcg" : cn === "CONSTRAINT_CPUSET" ? "cpuset" : cn === "CONSTRAINT_MEMORY_POLICY" ? "mempolicy" : rep.context?.oom_memcg ? "memcg" : cn.toLowerCase();
  } else if (memcgSeen || rep.selection?.memcg || rep.victim?.reason?.startsWith("Memory cgroup")) rep.constraint = "memcg";
  else if (rep.trigger.nodemask !== undefined && rep.trigger.nodemask !== "(null)") rep.constraint = "mempolicy";
  else if (rep.zones.length > 0 || rep.victim || rep.selection) rep.constraint = "global";
  else if (rep.trigger.comm !== undefined) {
    // Before 4.19 only memcg OOMs name their kind; a bare header without memcg lines is
    // most likely global, but the rest of the report is not there to say so.
    rep.constraint = "global";
    warnings.push({ part: "constraint", message: "assumed global: no memcg, cpuset or mempolicy lines in what is left of the report" });
  }

  // What could not be found.
  if (!rep.trigger.comm) missing.push({ part: "trigger", message: "no 'invoked oom-killer' line: the report's header is cut" });
  else if (!rawGfp) missing.push({ part: "gfp_mask", message: "the trigger line has no gfp_mask" });
  if (rep.trigger.comm && rep.trigger.order === undefined) missing.push({ part: "order", message: "the trigger line has no order" });
  if (k.version === undefined) missing.push({ part: "kernel-version", message: "no 'CPU: … Comm: …' banner with the kernel release; the version is inferred from the format" });
  if (rep.constraint !== "memcg") {
    if (Object.keys(rep.meminfo).length === 0) missing.push({ part: "meminfo", message: "no Mem-Info counters" });
    if (rep.zones.filter((z) => z.free_kB !== undefined).length === 0) missing.push({ part: "zones", message: "no per-zone watermark lines" });
    if (rep.zones.filter((z) => z.buddy).length === 0) missing.push({ part: "buddy", message: "no per-zone free-block (buddy) lines" });
    if (rep.totals.total_swap_kB === undefined) missing.push({ part: "swap", message: "no 'Total swap' line" });
    if (rep.totals.ram_pages === undefined) missing.push({ part: "ram", message: "no 'pages RAM' line" });
  } else {
    if (memcg.limit_kB === undefined) missing.push({ part: "memcg-limit", message: "no 'memory: usage …, limit …' line" });
    if (Object.keys(memcg.stats).length === 0) missing.push({ part: "memcg-stats", message: "no memory cgroup stats" });
  }
  if (!headerSeen) missing.push({ part: "tasks", message: "no task table header" });
  else if (rep.tasks.length === 0) missing.push({ part: "tasks", message: "task table header but no rows (filtered or cut)" });
  if (!rep.context && !rep.panic && k.range[1] >= kver(4, 19)) missing.push({ part: "oom-kill", message: "no 'oom-kill:constraint=…' summary line" });
  if (!rep.victim && !rep.selection && !rep.panic) missing.push({ part: "victim", message: "no 'Killed process' line" });

  analyse(rep, tableGap, headerSeen);
  return rep;
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

/** Expands a node list "0-2,4" into node ids. */
export function parseNodeList(s: string | undefined): number[] | undefined {
  if (s === undefined || s === "(null)" || s.trim() === "") return undefined;
  const out: number[] = [];
  for (const part of s.split(",")) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!r) return undefined;
    const a = Number(r[1]);
    const b = r[2] !== undefined ? Number(r[2]) : a;
    for (let n = a; n <= b && out.length < 4096; n++) out.push(n);
  }
  return out;
}

/** Zone types in the order of the kernel's enum zone_type for the report's architecture. */
function zoneTypeOrder(arch: KernelInfo["arch"]): string[] {
  return arch === "i386" ? ["DMA", "Normal", "HighMem", "Movable", "Device"] : ["DMA", "DMA32", "Normal", "Movable", "Device"];
}

/** Derived figures: memory picture, zone verdicts, totalpages, badness ranking, summary. */
function analyse(rep: OomReport, tableGap: boolean, headerSeen: boolean): void {
  const pic: MemoryPicture = {};
  const mi = rep.meminfo;
  const p2k = (p: number | undefined): number | undefined => (p === undefined ? undefined : p * 4);
  const sum = (...xs: Array<number | undefined>): number | undefined => (xs.every((x) => x === undefined) ? undefined : xs.reduce<number>((a, x) => a + (x ?? 0), 0));
  if (rep.constraint === "memcg" && rep.memcg && Object.keys(rep.memcg.stats).length > 0) {
    const s = rep.memcg.stats;
    const b2k = (b: number | undefined): number | undefined => (b === undefined ? undefined : Math.floor(b / 1024));
    pic.anon_kB = b2k(s.anon) ?? s.rss_kB ?? b2k(s.rss) ?? b2k(s.total_rss);
    pic.file_kB = b2k(s.file) ?? s.cache_kB ?? b2k(s.cache) ?? b2k(s.total_cache);
    pic.shmem_kB = b2k(s.shmem) ?? s.shmem_kB;
    pic.slab_reclaimable_kB = b2k(s.slab_reclaimable);
    pic.slab_unreclaimable_kB = b2k(s.slab_unreclaimable);
    pic.pagetables_kB = b2k(s.pagetables);
    pic.unevictable_kB = b2k(s.unevictable) ?? s.unevictable_kB;
    pic.kernel_stack_kB = b2k(s.kernel_stack);
  } else {
    pic.anon_kB = p2k(sum(mi.active_anon, mi.inactive_anon));
    pic.file_kB = p2k(sum(mi.active_file, mi.inactive_file));
    pic.shmem_kB = p2k(mi.shmem);
    pic.slab_reclaimable_kB = p2k(mi.slab_reclaimable);
    pic.slab_unreclaimable_kB = p2k(mi.slab_unreclaimable);
    pic.pagetables_kB = p2k(mi.pagetables);
    pic.unevictable_kB = p2k(mi.unevictable);
    pic.free_kB = p2k(mi.free);
    pic.kernel_stack_kB = sum(...rep.nodes.map((n) => n.fields.kernel_stack));
  }
  if (rep.totals.total_swap_kB !== undefined) {
    pic.swap_total_kB = rep.totals.total_swap_kB;
    if (rep.totals.free_swap_kB !== undefined) {
      pic.swap_free_kB = rep.totals.free_swap_kB;
      pic.swap_used_kB = rep.totals.total_swap_kB - rep.totals.free_swap_kB;
    }
  }
  if (rep.totals.ram_pages !== undefined) pic.ram_pages = rep.totals.ram_pages;
  if (rep.totals.reserved_pages !== undefined) pic.reserved_pages = rep.totals.reserved_pages;
  // totalram_pages: show_mem's "pages RAM − pages reserved" (reserved = present − managed in
  // 6.1, PageReserved pages in 3.x) matches what the badness used; the zones' managed sum is
  // the fallback when those lines are cut.
  const zonesWithManaged = rep.zones.filter((z) => z.managed_kB !== undefined);
  let totalramBasis = "";
  if (rep.totals.ram_pages !== undefined && rep.totals.reserved_pages !== undefined) {
    pic.totalram_pages = rep.totals.ram_pages - rep.totals.reserved_pages;
    totalramBasis = "pages RAM − pages reserved";
  } else if (zonesWithManaged.length > 0 && zonesWithManaged.length === rep.zones.filter((z) => z.free_kB !== undefined).length) {
    pic.totalram_pages = zonesWithManaged.reduce((a, z) => a + Math.floor(z.managed_kB! / 4), 0);
    totalramBasis = "sum of zone managed";
  }
  for (const k of Object.keys(pic) as Array<keyof MemoryPicture>) if (pic[k] === undefined) delete pic[k];
  rep.picture = pic;

  rep.zoneVerdicts = zoneVerdicts(rep);

  // totalpages for the constraint.
  const notes: string[] = [];
  let totalpages: number | undefined;
  let basis = "";
  const swapPages = rep.totals.total_swap_kB !== undefined ? Math.floor(rep.totals.total_swap_kB / 4) : undefined;
  if (rep.constraint === "memcg") {
    const mc = rep.memcg;
    if (mc?.limit_kB !== undefined) {
      const limit = Math.floor(mc.limit_kB / 4);
      totalpages = limit;
      basis = `memcg limit ${mc.limit_kB}kB = ${limit} pages`;
      const unlimited = (kb: number | undefined): boolean => kb !== undefined && kb >= 2 ** 50;
      if (mc.swap_limit_kB !== undefined) {
        if (mc.swap_limit_kB === 0) basis += " + 0 swap (swap.max 0)";
        else {
          basis += unlimited(mc.swap_limit_kB) ? " + min(swap.max, total swap) (total swap not printed in a memcg report: taken as 0)" : ` + up to ${Math.floor(mc.swap_limit_kB / 4)} swap pages (swap.max, capped by total swap; taken as 0)`;
          notes.push("memcg totalpages also counts swap up to swap.max; the report does not print total swap, so it is left out");
        }
      } else if (mc.memsw_limit_kB !== undefined && !unlimited(mc.memsw_limit_kB) && mc.memsw_limit_kB > mc.limit_kB) {
        const extra = Math.floor((mc.memsw_limit_kB - mc.limit_kB) / 4);
        basis += ` + min(memsw.max − max = ${extra} pages, total swap) (total swap not printed: taken as 0)`;
        notes.push("memcg v1 totalpages adds swap headroom up to memsw.max − max, capped by total swap, which the report does not print");
      }
      if (unlimited(mc.limit_kB)) notes.push("the memcg that ran out has no memory.max of its own (limit printed as the page counter maximum)");
    } else basis = "memcg limit not printed";
  } else if (rep.constraint === "cpuset" || rep.constraint === "mempolicy") {
    const nodes = parseNodeList(rep.constraint === "mempolicy" ? (rep.context?.nodemask ?? rep.trigger.nodemask) : (rep.context?.mems_allowed ?? rep.trigger.mems_allowed));
    const present = rep.zones.filter((z) => z.present_kB !== undefined && (nodes === undefined || nodes.includes(z.node ?? 0)));
    if (nodes && present.length > 0) {
      const pres = present.reduce((a, z) => a + Math.floor(z.present_kB! / 4), 0);
      totalpages = pres + (swapPages ?? 0);
      basis = `present pages of nodes ${nodes.join(",")} (${pres}) + total swap (${swapPages ?? "not printed, 0"})`;
    } else basis = `present pages of the allowed nodes (${nodes ? nodes.join(",") : "unknown"}) + swap: zone lines not printed`;
  } else {
    if (pic.totalram_pages !== undefined) {
      totalpages = pic.totalram_pages + (swapPages ?? 0);
      basis = `totalram_pages ${pic.totalram_pages} (${totalramBasis}) + total swap ${swapPages ?? "not printed, taken as 0"}`;
      if (swapPages === undefined) notes.push("'Total swap' not in the report: totalpages leaves swap out");
    } else basis = "RAM and swap totals not printed";
  }

  // Victim/kernel pick and a cross-check with the pre-5.1 printed score, which also tells
  // whether uid 0 held CAP_SYS_ADMIN (root bonus) — containers run as uid 0 without it.
  const pick = rep.selection?.pid ?? rep.victim?.pid ?? rep.context?.pid;
  const k = rep.kernel;
  const { era, ambiguous } = badnessEraFor(k.range, k.version);
  let rootCap = rep.constraint !== "memcg";
  if (rep.selection?.score !== undefined && era !== "6.1") {
    const row = rep.tasks.find((r) => r.pid === rep.selection!.pid);
    const s = rep.selection.score;
    if (row && totalpages !== undefined) {
      const fits = (cap: boolean): boolean => {
        const b = oom_badness(row, totalpages!, era, cap);
        return b !== null && printedScore(b.points, totalpages!, era) === s;
      };
      if (fits(rootCap)) notes.push(`the printed score ${s} of pid ${row.pid} matches the recomputation with totalpages ${totalpages}`);
      else if (fits(!rootCap)) {
        rootCap = !rootCap;
        notes.push(`the printed score ${s} of pid ${row.pid} matches only ${rootCap ? "with" : "without"} the root bonus`);
      } else {
        const b = oom_badness(row, totalpages, era, rootCap);
        notes.push(`the printed score ${s} differs from the recomputed ${b ? printedScore(b.points, totalpages, era) : "?"}: swap, a limit or memory the report does not show`);
      }
    } else if (row && (row.oom_score_adj ?? 0) === 0 && era !== "normalized") {
      const b = oom_badness(row, 1_000_000, era, false);
      if (b && s > 0) {
        const lo = Math.floor((b.points * 1000) / (s + 1)) + 1;
        const hi = Math.floor((b.points * 1000) / s);
        totalpages = Math.round((lo + hi) / 2);
        basis = `back-solved from the printed score ${s} of pid ${row.pid}: ${lo}..${hi} pages`;
      }
    }
  }
  const pickInTable = pick === undefined || rep.tasks.some((r) => r.pid === pick);
  const tableComplete = headerSeen && rep.tasks.length > 0 && !tableGap && pickInTable;
  if (headerSeen && rep.tasks.length > 0 && !pickInTable) notes.push(`the kernel's pick (pid ${pick}) is not in the table: the table was cut`);
  if (tableGap) notes.push("the paste leaves lines out inside the report; the table may be incomplete");
  const laterWinsTies = era === "6.1";
  const rankIn: Parameters<typeof rankTasks>[0] = { rows: rep.tasks, totalpagesBasis: basis, era, eraAmbiguous: ambiguous, laterWinsTies, tableComplete, notes, rootCap };
  if (totalpages !== undefined) rankIn.totalpages = totalpages;
  if (pick !== undefined) rankIn.kernelPick = pick;
  const bad: BadnessResult = rankTasks(rankIn);
  // /proc/PID/oom_score always scales by the global totalpages; under another constraint the
  // ranking's totalpages differs, so the figure would mislead.
  if (rep.constraint !== "global") for (const r of bad.rows) delete r.oom_score;
  if (rep.oomGroup) bad.notes.push(`memory.oom.group is set on ${rep.oomGroup}: every task in it is killed, not only the top scorer`);
  if (rep.selection && rep.victim && rep.victim.pid !== rep.selection.pid) bad.notes.push(`pid ${rep.selection.pid} was selected but its child pid ${rep.victim.pid} was killed in its place ("or sacrifice child", before 5.1)`);
  rep.badness = bad;
  rep.summary = summarize(rep);
}

function zoneVerdicts(rep: OomReport): ZoneVerdict[] {
  const out: ZoneVerdict[] = [];
  if (rep.constraint === "memcg") return out;
  const gfp = rep.trigger.gfp;
  const order = Math.max(0, rep.trigger.order ?? 0);
  const names = [...new Set(rep.zones.map((z) => z.name))];
  const allowedNames = gfp ? zonesAllowed(gfp.highestZone, names) : names;
  const types = zoneTypeOrder(rep.kernel.arch);
  // highest_zoneidx: the zone type the mask reaches, in the kernel's enum (lowmem_reserve index).
  let classIdx: number | undefined;
  if (gfp) {
    const hz = gfp.highestZone === "HighMem" && rep.kernel.arch !== "i386" ? "Normal" : gfp.highestZone === "DMA32" && rep.kernel.arch === "i386" ? "Normal" : gfp.highestZone;
    classIdx = types.indexOf(hz);
  }
  const nodeLimit =
    rep.constraint === "cpuset"
      ? parseNodeList(rep.context?.mems_allowed ?? rep.trigger.mems_allowed)
      : rep.constraint === "mempolicy"
        ? parseNodeList(rep.context?.nodemask ?? rep.trigger.nodemask)
        : undefined;
  for (const z of rep.zones) {
    if (z.free_kB === undefined && !z.buddy) continue;
    const v: ZoneVerdict = { zone: z.name, allowed: allowedNames.includes(z.name), why: "" };
    if (z.node !== undefined) v.node = z.node;
    if (nodeLimit && !nodeLimit.includes(z.node ?? 0)) {
      v.allowed = false;
      v.why = `node ${z.node ?? 0} is outside the allowed nodes ${nodeLimit.join(",")}`;
      out.push(v);
      continue;
    }
    const free = z.free_kB ?? z.buddy?.total_kB;
    if (free !== undefined) v.free_kB = free;
    if (z.min_kB !== undefined) v.min_kB = z.min_kB;
    if (z.high_kB !== undefined) v.high_kB = z.high_kB;
    const reservePages = classIdx !== undefined && z.lowmem_reserve ? z.lowmem_reserve[classIdx] : undefined;
    if (reservePages !== undefined) v.reserve_kB = reservePages * 4;
    if (z.buddy) {
      let blocks = 0;
      for (let o = order; o < z.buddy.counts.length; o++) blocks += z.buddy.counts[o];
      v.blocksAtOrder = blocks;
    }
    if (!v.allowed) {
      v.why = gfp ? `${gfp.names || gfp.hex} may not use ${z.name} (highest zone ${zoneLabel(gfp.highestZone, rep.kernel.arch)})` : "not allowed";
      out.push(v);
      continue;
    }
    const res = v.reserve_kB ?? 0;
    // __zone_watermark_ok: free - (2^order - 1) pages must exceed mark + lowmem_reserve.
    const usable = free !== undefined ? free - ((1 << order) - 1) * 4 : undefined;
    if (usable !== undefined && v.min_kB !== undefined) v.aboveMin = usable > v.min_kB + res;
    if (usable !== undefined && v.high_kB !== undefined) v.aboveHigh = usable > v.high_kB + res;
    const parts: string[] = [];
    if (v.aboveMin === false) {
      parts.push(res > 0 && usable !== undefined && v.min_kB !== undefined && usable > v.min_kB
        ? `free ${free}kB is above min ${v.min_kB}kB, but lowmem_reserve[${classIdx}] holds back ${res}kB of this zone from allocations that may also use ${types[classIdx ?? 2] ?? "a higher zone"}`
        : `free ${free}kB ≤ min ${v.min_kB}kB${res ? ` + lowmem_reserve ${res}kB` : ""}: below the min watermark`);
    } else if (v.aboveMin === true && v.aboveHigh === false) {
      parts.push(`free ${free}kB is above min ${v.min_kB}kB${res ? ` + reserve ${res}kB` : ""} but not above high ${v.high_kB}kB, the mark the last attempt before the OOM kill uses`);
    } else if (v.aboveHigh === true) {
      parts.push(`free ${free}kB is above the high watermark now (memory freed after the failure, or per-cpu/atomic reserves)`);
    }
    if (order > 0 && v.blocksAtOrder !== undefined) {
      parts.push(v.blocksAtOrder === 0 ? `no free block of order ≥ ${order} (${4 << order}kB): fragmented` : `${v.blocksAtOrder} free block(s) of order ≥ ${order}`);
    }
    if (z.all_unreclaimable) parts.push("reclaim gave up on it (all_unreclaimable)");
    v.why = parts.join("; ") || "no watermark figures printed";
    out.push(v);
  }
  return out;
}

function kb(n: number | undefined): string {
  if (n === undefined) return "?";
  if (n >= 10 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 10 * 1024) return `${(n / 1024).toFixed(1)} MiB`;
  return `${n} kB`;
}

/** The highest zone as this machine names it: __GFP_HIGHMEM means Normal on 64-bit. */
function zoneLabel(z: string, arch: KernelInfo["arch"]): string {
  return z === "HighMem" && arch !== "i386" ? "Normal (no HighMem on 64-bit)" : z;
}

function summarize(rep: OomReport): string[] {
  const out: string[] = [];
  const t = rep.trigger;
  if (t.comm) {
    const g = t.gfp;
    out.push(
      `${t.comm}${t.pid !== undefined ? ` (pid ${t.pid})` : ""} asked for ${t.order !== undefined ? `an order-${t.order} block (${kb(((t.requestBytes ?? 4096) / 1024) | 0)})` : "memory"}` +
        (g ? ` with gfp_mask ${g.hex} = ${g.names || "(no flags)"} [${g.era} layout], zones up to ${zoneLabel(g.highestZone, rep.kernel.arch)}, from ${g.migratetype} pageblocks` : "") +
        (t.oom_score_adj !== undefined ? `, itself at oom_score_adj ${t.oom_score_adj}` : "") + ".",
    );
  } else out.push("The report's header (the trigger line) is missing.");
  switch (rep.constraint) {
    case "memcg": {
      const m = rep.memcg;
      out.push(
        `Memory cgroup OOM in ${rep.context?.oom_memcg ?? m?.limitCgroup ?? m?.statsPath ?? "an unnamed cgroup"}` +
          (m?.usage_kB !== undefined ? `: usage ${kb(m.usage_kB)} reached the limit ${m.limit_kB !== undefined && m.limit_kB < 2 ** 50 ? kb(m.limit_kB) : "(max)"}, failcnt ${m.failcnt}` : "") +
          ". The host may have had free memory; only this group's limit counted.",
      );
      break;
    }
    case "cpuset":
      out.push(`cpuset OOM: the task may only use nodes ${rep.context?.mems_allowed ?? rep.trigger.mems_allowed ?? "?"} (cpuset ${rep.context?.cpuset ?? rep.trigger.cpuset ?? "?"}).`);
      break;
    case "mempolicy":
      out.push(`mempolicy OOM: the allocation was bound to nodes ${rep.context?.nodemask ?? rep.trigger.nodemask ?? "?"}.`);
      break;
    case "global":
      out.push("Global OOM: the whole machine ran out of memory the allocation could use.");
      break;
    default:
      out.push(`Constraint ${rep.constraintName ?? "unknown"}.`);
  }
  const bad = rep.zoneVerdicts.filter((v) => v.allowed);
  if (rep.zoneVerdicts.length > 0 && bad.length === 0)
    out.push("No zone the report shows may serve this allocation (mask or node limits): reclaim cannot help, and killing a task frees only memory this allocation cannot use.");
  if (bad.length > 0) out.push(`Allowed zones: ${bad.map((v) => `${v.node !== undefined ? `node ${v.node} ` : ""}${v.zone}: ${v.why}`).join(" | ")}.`);
  const p = rep.picture;
  const parts: string[] = [];
  if (p.anon_kB !== undefined) parts.push(`anon ${kb(p.anon_kB)}`);
  if (p.file_kB !== undefined) parts.push(`file ${kb(p.file_kB)}`);
  if (p.shmem_kB !== undefined) parts.push(`shmem ${kb(p.shmem_kB)}`);
  if (p.slab_unreclaimable_kB !== undefined) parts.push(`unreclaimable slab ${kb(p.slab_unreclaimable_kB)}`);
  if (p.pagetables_kB !== undefined) parts.push(`page tables ${kb(p.pagetables_kB)}`);
  if (p.swap_total_kB !== undefined) parts.push(p.swap_total_kB === 0 ? "no swap" : `swap ${kb(p.swap_used_kB)} used of ${kb(p.swap_total_kB)}`);
  if (parts.length > 0) out.push(`Memory: ${parts.join(", ")}.`);
  const b = rep.badness;
  const v = rep.victim;
  if (v) out.push(`Killed pid ${v.pid} (${v.comm ?? "?"}): anon-rss ${kb(v.anon_rss_kB)}, file-rss ${kb(v.file_rss_kB)}, shmem-rss ${kb(v.shmem_rss_kB)}${v.oom_score_adj !== undefined ? `, oom_score_adj ${v.oom_score_adj}` : ""}.`);
  else if (rep.panic) out.push(`No victim: ${rep.panic}.`);
  if (b.chosen) {
    out.push(
      `Recomputed oom_badness${b.totalpages !== undefined ? ` (totalpages ${b.totalpages})` : ""}: pid ${b.chosen.pid} (${b.chosen.name}) scores ${b.chosen.points}` +
        (b.runnerUp ? `, runner-up pid ${b.runnerUp.pid} (${b.runnerUp.name}) ${b.runnerUp.points}` : "") +
        (b.agrees === true ? "; this matches the kernel's choice." : b.agrees === false ? "; the kernel chose differently (see notes)." : "."),
    );
    if (b.spareAdj !== undefined) out.push(`An oom_score_adj of ${b.spareAdj} or lower would have spared pid ${b.chosen.pid}; the runner-up would have gone instead.`);
  }
  return out;
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
