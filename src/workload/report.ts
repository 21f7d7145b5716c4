/**
 * The report of a run, as text for people and JSON for tools. Both come from the same
 * RunResult and hold only simulated quantities, so the same scenario and seed print the same
 * bytes; wall-clock speed (operations per real second) is the CLI's to add, on stderr.
 */
import { print_time } from "../sim/index.js";
import { fmtNs, type RunResult } from "./result.js";

export interface ReportOptions {
  /** Leave out the captured files' text (their labels stay). */
  brief?: boolean;
}

function group(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** The human report. */
export function formatReport(r: RunResult, opts: ReportOptions = {}): string {
  const L: string[] = [];
  L.push(`mmsim run ${r.scenario.name}${r.scenario.description ? ` — ${r.scenario.description}` : ""}`);
  L.push(`file ${r.scenario.file}, seed ${r.scenario.seed}`);
  L.push("");
  L.push("Machine");
  const mc = r.machine;
  L.push(`  MemTotal ${group(mc.memory_kb)} kB, ${mc.cpus} CPU${mc.cpus === 1 ? "" : "s"}, ${mc.nodes} node${mc.nodes === 1 ? "" : "s"}, THP ${mc.thp || "n/a"}`);
  for (const z of mc.zones) {
    L.push(`  Node ${z.node}, zone ${z.zone.padEnd(8)} present ${String(z.present_pages).padStart(9)} pages, managed ${String(z.managed_pages).padStart(9)}`);
  }
  for (const [k, v] of Object.entries(mc.sysctl)) L.push(`  sysctl ${k} = ${v}`);
  L.push("");
  L.push("Timeline (seconds since boot; who; what happened — the kernel function that acted)");
  if (r.timeline.length === 0) L.push("  (nothing happened)");
  const whoW = Math.min(20, Math.max(6, ...r.timeline.map((e) => e.who.length)));
  for (const e of r.timeline) {
    L.push(`  ${print_time(e.t_ns)} ${e.who.padEnd(whoW)} ${e.text}${e.where ? ` — ${e.where}` : ""}`);
  }
  if (r.timeline_dropped) L.push(`  … ${group(r.timeline_dropped)} more entries not shown`);
  L.push("");
  L.push("Processes");
  if (r.processes.length === 0) L.push("  (none)");
  else {
    const nameW = Math.max(4, ...r.processes.map((p) => p.name.length));
    L.push(`  ${"NAME".padEnd(nameW)}   PID  PPID STATE            RSS kB    ANON kB    VIRT kB     HWM kB    MINFLT MAJFLT`);
    for (const p of r.processes) {
      const st = p.state === "killed" ? `killed ${p.signal ?? ""}`.trim() : p.state === "exited" ? `exited(${p.exit_code ?? 0})` : "alive";
      L.push(
        `  ${p.name.padEnd(nameW)} ${String(p.pid).padStart(5)} ${String(p.ppid).padStart(5)} ${st.padEnd(14)} ${String(p.rss_kb).padStart(10)} ${String(p.anon_kb).padStart(10)} ${String(p.vm_kb).padStart(10)} ${String(p.hwm_kb).padStart(10)} ${String(p.minflt).padStart(9)} ${String(p.majflt).padStart(6)}`,
      );
      if (p.error) L.push(`  ${" ".repeat(nameW)}   ${p.error}`);
    }
  }
  const renamed = r.processes.filter((p) => p.comm !== undefined);
  if (renamed.length) {
    // fork(2) copies comm: until it execs, a child is its parent's name to the kernel.
    const byComm = new Map<string, string[]>();
    for (const p of renamed) byComm.set(p.comm as string, [...(byComm.get(p.comm as string) ?? []), p.name]);
    const says = [...byComm].map(([comm, names]) => `${names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0]} "${comm}"`).join("; ");
    L.push(`  NAME is the scenario's name. A forked child keeps its parent's comm, so the kernel (/proc/PID/status, dmesg, traces) calls ${says}.`);
  }
  if (r.captures.length) {
    L.push("");
    L.push("Captured files");
    for (const c of r.captures) {
      L.push(`  --- ${c.label}: ${c.path} at ${print_time(c.t_ns)} by ${c.by}`);
      if (!opts.brief) for (const line of c.text.replace(/\n$/, "").split("\n")) L.push(`  ${line}`);
    }
  }
  for (const f of r.files) {
    L.push("");
    L.push(`--- ${f.path} (at the end)`);
    L.push(f.text.replace(/\n$/, ""));
  }
  L.push("");
  L.push("Expectations");
  if (r.expectations.length === 0) L.push("  (none)");
  for (const e of r.expectations) {
    L.push(e.ok ? `  ok    ${e.what}: ${e.actual}` : `  FAIL  ${e.what}: expected ${e.expected}, got ${e.actual}  (${r.scenario.file}:${e.line} ${e.path})`);
  }
  const nok = r.expectations.filter((e) => e.ok).length;
  L.push("");
  L.push(`${nok} of ${r.expectations.length} expectations hold. ${group(r.ops)} simulated operations in ${fmtNs(r.sim_ns)} of simulated time.`);
  return L.join("\n") + "\n";
}

/** The same report for tools: stable key order, every timeline entry kept. */
export function formatReportJson(r: RunResult): string {
  return JSON.stringify(r, null, 2) + "\n";
}

/** A failed expectation as a diff-like block, for stderr. */
export function formatFailures(r: RunResult): string {
  const bad = r.expectations.filter((e) => !e.ok);
  if (!bad.length) return "";
  return bad.map((e) => `${r.scenario.file}:${e.line} ${e.path}: ${e.what}\n  - expected ${e.expected}\n  + got      ${e.actual}\n`).join("");
}
