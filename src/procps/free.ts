/**
 * free(1) from procps-ng 4.0.x, computed from /proc/meminfo text the way it computes it:
 * used = MemTotal - MemAvailable (procps 4 dropped the old total - free - buff/cache),
 * buff/cache = Buffers + Cached + SReclaimable, shared = Shmem, swap used = SwapTotal - SwapFree.
 * Columns are 12 wide after an 8-wide row label, as in the sample
 * (test/reference/tool-formats/free-k.txt); -h scales as procps's scale_size does: the
 * shortest of "%.1f" and "%ld" with a binary unit that fits in 5 characters ("8.6Mi", "648Mi").
 *
 * Simplified: no -l (low/high rows), -s/-c repetition or --committed.
 */
import { field, fixed1, parseKeyValues } from "./common.js";

export interface FreeOptions {
  /** -b 1, -k 2 (default), -m 3, -g 4, --tera 5, --peta 6: as procps's exponent. */
  exponent?: number;
  /** -h */
  human?: boolean;
  /** --si: powers of 1000 */
  si?: boolean;
  /** -w: buffers and cache in separate columns */
  wide?: boolean;
  /** -t: a Total row */
  total?: boolean;
}

/** procps free.c scale_size: one value (in kB) as a column string. */
export function scale_size(kb: number, o: FreeOptions): string {
  const base = o.si ? 1000 : 1024;
  const bytes = kb * 1024;
  if (!o.human) {
    const e = o.exponent ?? 0;
    if (e === 0) return String(Math.trunc(bytes / base));
    if (e === 1) return String(bytes);
    return String(Math.trunc(bytes / base ** (e - 1)));
  }
  if (`${bytes}B`.length <= 4) return `${bytes}B`;
  const up = ["B", "K", "M", "G", "T", "P"];
  for (let i = 1; i < up.length; i++) {
    // (float)(bytes / power(base, i)): a C float, so round through Math.fround as the tool does.
    const v = Math.fround(bytes / base ** i);
    if (o.si) {
      let s = `${fixed1(v)}${up[i]}`;
      if (s.length <= 4) return s;
      s = `${Math.trunc(bytes / base ** i)}${up[i]}`;
      if (s.length <= 4) return s;
    } else {
      let s = `${fixed1(v)}${up[i]}i`;
      if (s.length <= 5) return s;
      s = `${Math.trunc(bytes / base ** i)}${up[i]}i`;
      if (s.length <= 5) return s;
    }
  }
  return "";
}

/** free's output for a /proc/meminfo text. */
export function formatFree(meminfo: string, o: FreeOptions = {}): string {
  const kv = parseKeyValues(meminfo);
  const total = field(kv, "MemTotal");
  const free = field(kv, "MemFree");
  let avail = kv.get("MemAvailable") ?? free;
  // procps: an 'available' above 'total' means a container's distorted view: fall back to free.
  if (avail > total) avail = free;
  let used = total - avail;
  if (used < 0) used = total - free;
  const buffers = field(kv, "Buffers");
  const cached = field(kv, "Cached") + field(kv, "SReclaimable");
  const shared = field(kv, "Shmem");
  const stotal = field(kv, "SwapTotal");
  const sfree = field(kv, "SwapFree");
  const sused = stotal - sfree;
  const col = (v: number): string => " " + scale_size(v, o).padStart(11);
  const L: string[] = [];
  L.push(
    o.wide
      ? "               total        used        free      shared     buffers       cache   available"
      : "               total        used        free      shared  buff/cache   available",
  );
  let mem = "Mem:".padEnd(8) + col(total) + col(used) + col(free) + col(shared);
  mem += o.wide ? col(buffers) + col(cached) : col(buffers + cached);
  mem += col(avail);
  L.push(mem);
  L.push("Swap:".padEnd(8) + col(stotal) + col(sused) + col(sfree));
  if (o.total) L.push("Total:".padEnd(8) + col(total + stotal) + col(used + sused) + col(free + sfree));
  return L.join("\n") + "\n";
}
