/**
 * pmap(1) from procps-ng 4.0.x, default and -x formats, from /proc/PID/maps and
 * /proc/PID/smaps text. A mapping is named by its file's basename; one without a file is
 * "  [ anon ]" — the heap and [vdso] too, as pmap's mapping_name only tells the stack apart —
 * and the stack "  [ stack ]". Mode is r, w, x, then s for a shared mapping, then R for
 * MAP_NORESERVE (VmFlags "nr" in smaps). -x adds RSS and Dirty (Shared_Dirty + Private_Dirty)
 * from smaps. Layouts as in test/reference/tool-formats/pmap-x.txt.
 *
 * Simplified: pmap finds the stack by /proc/PID/stat's start_stack; here the "[stack]" name in
 * maps says it (the same mapping). No -X/-XX, -d, -p, -q or -A.
 */
import { commandLine, parseMaps, parseSmaps, rjust, type ProcTaskFiles } from "./common.js";

export interface PmapOptions {
  /** -x: extended format */
  extended?: boolean;
}

function mappingName(name: string): string {
  const slash = name.lastIndexOf("/");
  if (slash >= 0) return slash === name.length - 1 ? "/" : name.slice(slash + 1);
  return name === "[stack]" ? "  [ stack ]" : "  [ anon ]";
}

function hex16(v: number): string {
  return v.toString(16).padStart(16, "0");
}

/** pmap's output for one process. */
export function formatPmap(t: ProcTaskFiles, o: PmapOptions = {}): string {
  const L: string[] = [`${t.pid}:   ${commandLine(t)}`];
  const smaps = t.smaps !== undefined ? parseSmaps(t.smaps) : [];
  const maps = t.maps !== undefined ? parseMaps(t.maps) : smaps;
  const byStart = new Map(smaps.map((s) => [s.start, s]));
  const mode = (perms: string, start: number): string => {
    const nr = byStart.get(start)?.vmflags.includes("nr") ?? false;
    return `${perms[0] === "r" ? "r" : "-"}${perms[1] === "w" ? "w" : "-"}${perms[2] === "x" ? "x" : "-"}${perms[3] === "s" ? "s" : "-"}${nr ? "R" : "-"}`;
  };
  if (o.extended) {
    L.push("Address           Kbytes     RSS   Dirty Mode  Mapping");
    let tk = 0;
    let tr = 0;
    let td = 0;
    for (const m of maps) {
      const kb = (m.end - m.start) / 1024;
      const s = byStart.get(m.start);
      const rss = s?.fields.get("Rss") ?? 0;
      const dirty = (s?.fields.get("Shared_Dirty") ?? 0) + (s?.fields.get("Private_Dirty") ?? 0);
      tk += kb;
      tr += rss;
      td += dirty;
      L.push(`${hex16(m.start)} ${rjust(kb, 7)} ${rjust(rss, 7)} ${rjust(dirty, 7)} ${mode(m.perms, m.start)} ${mappingName(m.name)}`);
    }
    L.push("---------------- ------- ------- ------- ");
    L.push(`total kB         ${rjust(tk, 7)} ${rjust(tr, 7)} ${rjust(td, 7)}`);
  } else {
    let tk = 0;
    for (const m of maps) {
      const kb = (m.end - m.start) / 1024;
      tk += kb;
      L.push(`${hex16(m.start)} ${rjust(kb, 6)}K ${mode(m.perms, m.start)} ${mappingName(m.name)}`);
    }
    L.push(` total ${rjust(tk, 16)}K`);
  }
  return L.join("\n") + "\n";
}
