/**
 * The kernel log buffer that dmesg reads: each record has the simulated time it was printed at
 * and its log level, and prints as `[    0.000000] text` the way dmesg shows it by default.
 * @kernel kernel/printk/printk.c vprintk_store, print_time
 */
export const KERN_EMERG = 0;
export const KERN_ALERT = 1;
export const KERN_CRIT = 2;
export const KERN_ERR = 3;
export const KERN_WARNING = 4;
export const KERN_NOTICE = 5;
export const KERN_INFO = 6;
export const KERN_DEBUG = 7;

export interface LogRecord {
  /** Simulated time in nanoseconds since boot. */
  readonly ts_nsec: number;
  readonly level: number;
  readonly text: string;
}

export class Printk {
  readonly records: LogRecord[] = [];

  /** `clock` is the Kernel: records are stamped with its now_ns (a field, so the log stays data). */
  constructor(private readonly clock: { readonly now_ns: number }) {}

  /** Logs one line (or several: each line of `text` becomes a record, as printk does). */
  printk(level: number, text: string): void {
    const ts = this.clock.now_ns;
    for (const line of text.split("\n")) this.records.push({ ts_nsec: ts, level, text: line });
  }

  /** The log as `dmesg` prints it. */
  dmesg(): string {
    let out = "";
    for (const r of this.records) out += `${print_time(r.ts_nsec)} ${r.text}\n`;
    return out;
  }
}

/** `[%5lu.%06lu]`: seconds padded to 5 columns, then microseconds. */
export function print_time(ts_nsec: number): string {
  const sec = Math.floor(ts_nsec / 1e9);
  const usec = Math.floor((ts_nsec % 1e9) / 1e3);
  return `[${String(sec).padStart(5)}.${String(usec).padStart(6, "0")}]`;
}
