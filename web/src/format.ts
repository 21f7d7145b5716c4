/** Number formats of the explorer's labels. */

/** Simulated time: "12.345 ms", "1.200 s", "350 µs". */
export function fmtTime(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** Pages as a size: "1.5 MiB". */
export function fmtPages(pages: number): string {
  return fmtBytes(pages * 4096);
}

export function fmtBytes(b: number): string {
  const a = Math.abs(b);
  if (a >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (a >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (a >= 2 ** 10) return `${(b / 2 ** 10).toFixed(0)} KiB`;
  return `${b} B`;
}

export function hex(n: number): string {
  return "0x" + n.toString(16);
}

/** A user virtual address as /proc prints it (12 hex digits). */
export function fmtAddr(a: number): string {
  return a.toString(16).padStart(12, "0");
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
