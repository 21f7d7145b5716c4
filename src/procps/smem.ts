/**
 * smem 1.5 (the Python tool): the process view (default columns PID User Command Swap USS PSS
 * RSS, sorted by RSS ascending), -t totals, -k human units and -u per-user view, from each
 * process's /proc/PID/smaps, status and cmdline as smem reads them. USS = Private_Clean +
 * Private_Dirty, PSS = Pss, RSS = Rss, Swap = Swap, each summed over the mappings; a process
 * without mappings (a kernel thread) is left out, as smem's processtotals does.
 * Layouts as in test/reference/tool-formats/smem*.txt: every column followed by one space.
 *
 * Simplified: the user name is "root" for uid 0 and the number otherwise (there is no
 * /etc/passwd to read); no -w (system view needs the kernel image size), -m, -P/-U filters or
 * percentages. smem lists itself on a real machine; no smem process runs in the model.
 */
import { commandLine, fixed1, parseSmaps, type ProcTaskFiles } from "./common.js";

export interface SmemOptions {
  /** -k: human units (108.0K, 1.8M) */
  abbreviate?: boolean;
  /** -t: a totals row */
  totals?: boolean;
  /** -u: per-user totals */
  users?: boolean;
}

interface Totals {
  pid: number;
  user: string;
  command: string;
  swap: number;
  uss: number;
  pss: number;
  rss: number;
}

/** smem's units(): bytes to "%.1f" with the largest binary unit below 1024. */
export function units(x: number): string {
  if (x === 0) return "0";
  let s = "";
  for (s of ["", "K", "M", "G", "T"]) {
    if (x < 1024) break;
    x /= 1024;
  }
  return `${fixed1(x)}${s}`;
}

function pidtotals(t: ProcTaskFiles): Totals | null {
  const maps = parseSmaps(t.smaps ?? "");
  if (maps.length === 0) return null;
  let swap = 0;
  let uss = 0;
  let pss = 0;
  let rss = 0;
  for (const m of maps) {
    const f = (k: string): number => m.fields.get(k) ?? 0;
    swap += f("Swap");
    uss += f("Private_Clean") + f("Private_Dirty");
    pss += f("Pss");
    rss += f("Rss");
  }
  const uid = Number(/^Uid:\s+(\d+)/m.exec(t.status)?.[1] ?? 0);
  return { pid: t.pid, user: uid === 0 ? "root" : String(uid), command: commandLine(t), swap, uss, pss, rss };
}

/** smem's output for the given processes. */
export function formatSmem(tasks: ProcTaskFiles[], o: SmemOptions = {}): string {
  const rows = tasks.map(pidtotals).filter((x): x is Totals => x !== null);
  const amt = (kb: number): string => (o.abbreviate ? units(kb * 1024) : String(kb));
  const a8 = (kb: number | string): string => (typeof kb === "string" ? kb : amt(kb)).padStart(8);
  const L: string[] = [];
  if (o.users) {
    const by = new Map<string, Totals & { count: number }>();
    for (const r of rows) {
      const u = by.get(r.user) ?? { ...r, swap: 0, uss: 0, pss: 0, rss: 0, count: 0 };
      u.swap += r.swap;
      u.uss += r.uss;
      u.pss += r.pss;
      u.rss += r.rss;
      u.count++;
      by.set(r.user, u);
    }
    const list = [...by.values()].sort((a, b) => a.rss - b.rss || (a.user < b.user ? -1 : 1));
    const header = `${"User".padEnd(8)} ${"Count".padStart(5)} ${a8("Swap")} ${a8("USS")} ${a8("PSS")} ${a8("RSS")} `;
    L.push(header);
    for (const u of list) L.push(`${u.user.padEnd(8)} ${String(u.count).padStart(5)} ${a8(u.swap)} ${a8(u.uss)} ${a8(u.pss)} ${a8(u.rss)} `);
    if (o.totals) {
      L.push("-".repeat(header.length));
      const sum = (k: "swap" | "uss" | "pss" | "rss"): number => list.reduce((s, u) => s + u[k], 0);
      L.push(`${String(list.length).padEnd(8)} ${String(list.reduce((s, u) => s + u.count, 0)).padStart(5)} ${a8(sum("swap"))} ${a8(sum("uss"))} ${a8(sum("pss"))} ${a8(sum("rss"))} `);
    }
    return L.join("\n") + "\n";
  }
  rows.sort((a, b) => a.rss - b.rss || a.pid - b.pid);
  const header = `${"PID".padStart(5)} ${"User".padEnd(8)} ${"Command".padEnd(27)} ${a8("Swap")} ${a8("USS")} ${a8("PSS")} ${a8("RSS")} `;
  L.push(header);
  for (const r of rows) {
    L.push(`${String(r.pid).padStart(5)} ${r.user.slice(0, 8).padEnd(8)} ${r.command.slice(0, 27).padEnd(27)} ${a8(r.swap)} ${a8(r.uss)} ${a8(r.pss)} ${a8(r.rss)} `);
  }
  if (o.totals) {
    L.push("-".repeat(header.length));
    const sum = (k: "swap" | "uss" | "pss" | "rss"): number => rows.reduce((s, r) => s + r[k], 0);
    const users = new Set(rows.map((r) => r.user)).size;
    L.push(`${String(rows.length).padStart(5)} ${String(users).padEnd(8)} ${"".padEnd(27)} ${a8(sum("swap"))} ${a8(sum("uss"))} ${a8(sum("pss"))} ${a8(sum("rss"))} `);
  }
  return L.join("\n") + "\n";
}
