/**
 * Readers the procps and smem formatters share: /proc text in, numbers out. They read the
 * files as the tools do (by field name, ignoring what they do not know), so they work on the
 * simulated machine's files and on dumps from a real one alike.
 */

/** "Key:   123 kB" lines (meminfo, status, smaps) or "key 123" lines (vmstat) → map of numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z0-9_()]+):?\s+(-?\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** A field that must be there: the tools print 0 for what the kernel does not report. */
export function field(kv: Map<string, number>, name: string): number {
  return kv.get(name) ?? 0;
}

/** One line of /proc/PID/maps. */
export interface MapsLine {
  start: number;
  end: number;
  perms: string;
  offset: number;
  dev: string;
  inode: number;
  name: string;
}

/** Parses /proc/PID/maps (or the header lines of smaps). */
export function parseMaps(text: string): MapsLine[] {
  const out: MapsLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+([rwxsp-]{4})\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$/.exec(line);
    if (m) out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), dev: m[5], inode: Number(m[6]), name: m[7] });
  }
  return out;
}

/** /proc/PID/smaps: each mapping's header and its "Field: N kB" lines. */
export interface SmapsEntry extends MapsLine {
  fields: Map<string, number>;
  /** The VmFlags line's two-letter flags ("rd wr mr mw me ac"). */
  vmflags: string[];
}

export function parseSmaps(text: string): SmapsEntry[] {
  const out: SmapsEntry[] = [];
  let cur: SmapsEntry | null = null;
  for (const line of text.split("\n")) {
    const h = parseMaps(line);
    if (h.length) {
      cur = { ...h[0], fields: new Map(), vmflags: [] };
      out.push(cur);
      continue;
    }
    if (cur && line.startsWith("VmFlags:")) {
      cur.vmflags = line.slice(8).trim().split(/\s+/);
      continue;
    }
    const m = /^([A-Za-z_]+):\s+(\d+)/.exec(line);
    if (m && cur) cur.fields.set(m[1], Number(m[2]));
  }
  return out;
}

/** The files one process contributes to pmap and smem. */
export interface ProcTaskFiles {
  pid: number;
  /** /proc/PID/status (Name, Uid). */
  status: string;
  maps?: string;
  smaps?: string;
  /** /proc/PID/cmdline with its NULs; empty for a process without one. */
  cmdline?: string;
}

/** The command line as ps shows it: NULs to spaces, trailing ones dropped; comm when empty. */
export function commandLine(t: ProcTaskFiles): string {
  const c = (t.cmdline ?? "").replace(/\0+$/, "").replace(/\0/g, " ");
  if (c) return c;
  return /^Name:\s*(.*)$/m.exec(t.status)?.[1] ?? "";
}

/** C's printf("%Nlu"), right-aligned. */
export function rjust(v: number | string, w: number): string {
  return String(v).padStart(w);
}

/**
 * "%.Nf" as glibc's printf and Python's % print it: correctly rounded, and an exact binary tie
 * goes to the even digit (1.25 → "1.2" at N=1, 0.125 → "0.12" at N=2), where JavaScript's
 * toFixed rounds it up ("1.3", "0.13").
 */
export function fixedN(v: number, digits: number): string {
  const t = v * 10 ** digits;
  if (Number.isFinite(t) && !Number.isInteger(t) && Number.isInteger(t * 2)) {
    const lo = Math.floor(t);
    const n = lo % 2 === 0 ? lo : lo + 1;
    const s = String(Math.abs(n)).padStart(digits + 1, "0");
    return `${n < 0 ? "-" : ""}${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return v.toFixed(digits);
}

/** "%.1f" (see fixedN). */
export function fixed1(v: number): string {
  return fixedN(v, 1);
}
