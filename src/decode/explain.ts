/**
 * Prose for a decode result: what the text says, field by field, and the derived figures people
 * ask about during an incident (why this process was killed, what MemAvailable is made of, can an
 * order-N allocation succeed, PSS vs RSS vs USS).
 *
 * @kernel mm/oom_kill.c oom_badness (the ranking shown), mm/page_alloc.c si_mem_available
 */
import type {
  BuddyinfoResult,
  DecodeResult,
  KeyValueResult,
  MeminfoResult,
  OomReport,
  PagetypeinfoResult,
  PressureResult,
  Problem,
  SmapsResult,
  SwapsResult,
  ZoneinfoResult,
} from "./types.js";
import { pidQuery } from "./oom_analyse.js";

function kb(n: number | bigint | undefined): string {
  if (n === undefined) return "?";
  if (typeof n === "bigint") return `${n} kB`;
  if (Math.abs(n) >= 10 * 1024 * 1024) return `${(n / 1048576).toFixed(1)} GiB`;
  if (Math.abs(n) >= 10 * 1024) return `${(n / 1024).toFixed(1)} MiB`;
  return `${n} kB`;
}

function problems(title: string, ps: Problem[]): string[] {
  if (ps.length === 0) return [];
  return [`${title}:`, ...ps.map((p) => `  - ${p.part}: ${p.message}${p.line !== undefined ? ` (line ${p.line})` : ""}`)];
}

function oomText(r: OomReport, i: number, n: number): string[] {
  const out: string[] = [];
  out.push(`OOM report${n > 1 ? ` ${i + 1} of ${n}` : ""} (lines ${r.lines[0]}–${r.lines[1]})`);
  const k = r.kernel;
  out.push(`  kernel: ${k.release ?? "release not printed"}; format fits ${fmt(k.range[0])} … ${k.range[1] >= 99000 ? "now" : fmt(k.range[1])}${k.arch ? `, ${k.arch}` : ""}`);
  for (const e of k.evidence) out.push(`    ${e}`);
  for (const s of r.summary) out.push(`  ${s}`);
  const g = r.trigger.gfp;
  if (g) {
    out.push(`  gfp_mask ${g.hex}: ${g.flags.join(" ")}`);
    out.push(`    layout ${g.era} (chosen from ${g.eraBasis}); ${g.canReclaim ? "may sleep and reclaim" : "may not sleep"}${g.canReclaim ? `, ${g.canIo ? "with" : "without"} I/O, ${g.canFs ? "with" : "without"} filesystem calls` : ""}`);
  }
  if (r.zoneVerdicts.length > 0) {
    out.push("  zones:");
    for (const v of r.zoneVerdicts) out.push(`    ${v.node !== undefined ? `node ${v.node} ` : ""}${v.zone.padEnd(7)} ${v.allowed ? "allowed " : "excluded"} ${v.why}`);
  }
  const b = r.badness;
  if (b.rows.length > 0) {
    out.push(`  oom_badness (${b.formula}); totalpages ${b.totalpages ?? "unknown"}: ${b.totalpagesBasis}`);
    const ranked = b.rows.filter((x) => x.rank !== undefined).sort((x, y) => (x.rank ?? 0) - (y.rank ?? 0)).slice(0, 5);
    for (const x of ranked) out.push(`    #${x.rank} pid ${x.pid} ${x.name}: ${x.base_pages} pages${x.adj_pages ? ` ${x.adj_pages > 0 ? "+" : "−"} ${Math.abs(x.adj_pages)} adj` : ""}${x.root_bonus_pages ? ` − ${x.root_bonus_pages} root` : ""} = ${x.points}${x.oom_score !== undefined ? ` (oom_score ${x.oom_score})` : ""}`);
    const excluded = b.rows.filter((x) => !x.eligible).map((x) => `${x.pid} ${x.name}`);
    if (excluded.length > 0) out.push(`    not eligible (oom_score_adj -1000): ${excluded.join(", ")}`);
  }
  for (const note of b.notes) out.push(`  note: ${note}`);
  out.push(...problems("  missing", r.missing).map((s) => `  ${s}`));
  out.push(...problems("  warnings", r.warnings).map((s) => `  ${s}`));
  return out;
}

function fmt(v: number): string {
  return `${Math.floor(v / 1000)}.${v % 1000}`;
}

function meminfoText(r: MeminfoResult): string[] {
  const out: string[] = ["/proc/meminfo"];
  for (const d of r.docs) out.push(`  ${(d.key + ":").padEnd(18)} ${String(d.value).padStart(12)} ${d.unit.padEnd(5)} ${d.meaning ?? ""}`);
  const m = r.memAvailable;
  if (m) {
    const t = m.terms;
    out.push(`  MemAvailable recomputed (si_mem_available): ${m.computed_kB} kB${m.printed_kB !== undefined ? `, printed ${m.printed_kB} kB${m.printed_kB === m.computed_kB ? " (equal)" : ""}` : ""}`);
    out.push(`    = MemFree ${t.MemFree} − totalreserve ${-t.totalreserve} + pagecache ${t.pagecache} − kept ${-t.pagecache_kept} + reclaimable ${t.reclaimable} − kept ${-t.reclaimable_kept} (kB; kept = min(half, wmark_low ${t.wmark_low}))`);
    out.push(`    ${m.note}`);
  }
  const f = r.free;
  if (f) {
    out.push("  as `free` (procps-ng 4) shows it, in kB:");
    // free's own layout, indented: an 8-wide row label, then columns of " %11s" (procps-ng 4).
    const row = (label: string, xs: number[]): string => `    ${label.padEnd(8)}${xs.map((x) => ` ${String(x).padStart(11)}`).join("")}`;
    out.push("                   total        used        free      shared  buff/cache   available");
    out.push(row("Mem:", [f.total, f.used, f.free, f.shared, f.buff_cache, f.available]));
    out.push(row("Swap:", [f.swap_total, f.swap_used, f.swap_free]));
    out.push("    used = total − available; buff/cache = Buffers + Cached + SReclaimable");
  }
  return out;
}

function buddyText(r: BuddyinfoResult): string[] {
  const out: string[] = ["/proc/buddyinfo: free blocks per order (block of order N = 2^N pages)"];
  for (const z of r.zones) {
    out.push(`  node ${z.node} ${z.zone}: ${z.free_pages} free pages (${kb(z.free_pages * 4)}), largest free block order ${z.largestFreeOrder} (${z.largestFreeOrder >= 0 ? kb(4 << z.largestFreeOrder) : "none"})`);
    out.push(`    order:           ${z.counts.map((_, o) => String(o).padStart(7)).join("")}`);
    out.push(`    free blocks:     ${z.counts.map((c) => String(c).padStart(7)).join("")}`);
    out.push(`    unusable index:  ${z.unusable.map((u) => (u / 1000).toFixed(3).padStart(7)).join("")}`);
    out.push(`    frag index:      ${z.fragmentation.map((u) => (u / 1000).toFixed(3).padStart(7)).join("")}`);
    if (z.watermarkOk) {
      out.push(`    ok at min mark:  ${z.watermarkOk.min.map((b) => (b ? "yes" : "no").padStart(7)).join("")}`);
      out.push(`    ok at low mark:  ${z.watermarkOk.low.map((b) => (b ? "yes" : "no").padStart(7)).join("")}`);
      const lastLow = z.watermarkOk.low.lastIndexOf(true);
      const lastMin = z.watermarkOk.min.lastIndexOf(true);
      out.push(`    an order-N allocation using this zone succeeds now without waking kswapd for N ≤ ${lastLow}, and without direct reclaim for N ≤ ${lastMin} (lowmem_reserve of higher-zone allocations not counted)`);
    } else out.push(`    an order-N request can be served from the free lists now for N ≤ ${z.largestFreeOrder} (before watermarks: pass --zoneinfo); frag index −1 means "would succeed", near 0 "no memory", near 1 "fragmented"`);
  }
  return out;
}

function pagetypeText(r: PagetypeinfoResult): string[] {
  const out: string[] = [`/proc/pagetypeinfo: pageblock order ${r.pageblockOrder ?? "?"} (${r.pagesPerBlock ?? "?"} pages per block)`];
  for (const z of r.freePagesByType) out.push(`  node ${z.node} ${z.zone} free pages by migratetype: ${Object.entries(z.byType).map(([t, v]) => `${t} ${v}`).join(", ")}`);
  for (const b of r.blocks) out.push(`  node ${b.node} ${b.zone} pageblocks: ${Object.entries(b.byType).map(([t, v]) => `${t} ${v}`).join(", ")}`);
  out.push("  Unmovable or Reclaimable pageblocks scattered through a zone are what keep compaction from building large free blocks.");
  return out;
}

function zoneinfoText(r: ZoneinfoResult): string[] {
  const out: string[] = ["/proc/zoneinfo"];
  for (const z of r.zones) {
    out.push(`  node ${z.node} ${z.zone}: free ${z.free ?? "?"} pages, min ${z.min ?? "?"} low ${z.low ?? "?"} high ${z.high ?? "?"}, managed ${z.managed ?? "?"}${z.protection ? `, protection (lowmem_reserve) ${z.protection.join("/")}` : ""}`);
    if (z.free !== undefined && z.min !== undefined && z.low !== undefined) {
      out.push(`    ${z.free <= z.min ? "below min: allocations enter direct reclaim" : z.free <= z.low ? "below low: kswapd is woken" : "above low: no reclaim needed"}`);
    }
  }
  if (r.wmark_low_pages !== undefined) out.push(`  sum of low watermarks ${r.wmark_low_pages} pages; totalreserve_pages ${r.totalreserve_pages ?? "unknown"} (what si_mem_available subtracts)`);
  return out;
}

function kvText(r: KeyValueResult): string[] {
  const out: string[] = [r.kind === "status" ? "/proc/PID/status (memory lines)" : r.kind === "vmstat" ? "/proc/vmstat" : `cgroup ${r.kind}`];
  for (const d of r.docs) out.push(`  ${d.key.padEnd(28)} ${String(d.value).padStart(14)} ${d.unit.padEnd(6)} ${d.meaning ?? ""}`);
  if (r.kind === "status" && r.fields.VmRSS !== undefined) out.push(`  VmRSS ${kb(r.fields.VmRSS)} = anon ${kb(r.fields.RssAnon)} + file ${kb(r.fields.RssFile)} + shmem ${kb(r.fields.RssShmem)}; swapped out ${kb(r.fields.VmSwap)}`);
  return out;
}

function smapsText(r: SmapsResult): string[] {
  const out: string[] = [`${r.kind === "smaps" ? `/proc/PID/smaps (${r.vmas.length} mappings)` : "/proc/PID/smaps_rollup"}`];
  out.push(`  RSS ${kb(r.rss_kB)}: every resident page, shared ones counted in full`);
  out.push(`  PSS ${kb(r.pss_kB)}: shared pages divided among the processes mapping them (sums to the real total across processes)`);
  out.push(`  USS ${kb(r.uss_kB)}: pages only this process maps (Private_Clean + Private_Dirty): what killing it frees`);
  out.push(`  swap ${kb(r.swap_kB)}${r.swap_pss_kB !== undefined ? `, proportional ${kb(r.swap_pss_kB)}` : ""}`);
  return out;
}

function swapsText(r: SwapsResult): string[] {
  const out: string[] = ["/proc/swaps"];
  for (const d of r.devices) out.push(`  ${d.filename} (${d.type}, priority ${d.priority}): ${kb(d.used_kB)} used of ${kb(d.size_kB)}`);
  out.push(`  total ${kb(r.used_kB)} used of ${kb(r.total_kB)}; higher priority areas fill first, equal priorities round-robin`);
  return out;
}

function pressureText(r: PressureResult): string[] {
  const out: string[] = ["memory pressure (PSI)"];
  if (r.some) out.push(`  some: at least one task stalled on memory ${r.some.avg10}% of the last 10 s (${r.some.avg60}% / 60 s, ${r.some.avg300}% / 300 s)${r.some.total_us !== undefined ? `, ${r.some.total_us} µs in all` : ""}`);
  if (r.full) out.push(`  full: all non-idle tasks stalled at once ${r.full.avg10}% of the last 10 s (${r.full.avg60}% / 60 s, ${r.full.avg300}% / 300 s): time the machine did no work`);
  return out;
}

/** Options for `explain`. */
export interface ExplainOptions {
  /** Say what oom_score_adj would have spared (or doomed) this pid in each OOM report. */
  pid?: number;
}

function pidText(r: OomReport, pid: number): string[] {
  return [`  ${(r.pidQuery?.pid === pid ? r.pidQuery : pidQuery(r, pid)).text}`];
}

/** Human text for a decode result. */
export function explain(r: DecodeResult, opts: ExplainOptions = {}): string {
  let out: string[];
  switch (r.kind) {
    case "oom-log":
      out = r.reports.length === 0 ? ["No OOM report found."] : r.reports.flatMap((rep, i) => {
              const pid = opts.pid ?? rep.pidQuery?.pid;
              return [...oomText(rep, i, r.reports.length), ...(pid !== undefined ? pidText(rep, pid) : []), ""];
            });
      out.push(...problems("log", [...r.missing, ...r.warnings]));
      return out.join("\n");
    case "meminfo": out = meminfoText(r); break;
    case "buddyinfo": out = buddyText(r); break;
    case "pagetypeinfo": out = pagetypeText(r); break;
    case "zoneinfo": out = zoneinfoText(r); break;
    case "vmstat":
    case "memory.stat":
    case "memory.events":
    case "status":
      out = kvText(r); break;
    case "smaps":
    case "smaps_rollup":
      out = smapsText(r); break;
    case "swaps": out = swapsText(r); break;
    case "pressure": out = pressureText(r); break;
    case "unknown": out = ["Unrecognised input."]; break;
  }
  out.push(...problems("missing", r.missing), ...problems("warnings", r.warnings));
  return out.join("\n");
}
