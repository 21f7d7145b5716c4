/**
 * Hierarchical page counters: a memory cgroup's `memory` and `swap` counters, each charging its
 * ancestors up to the root, with the limits (max, high) and the protection (min, low) and the
 * protected usage each child reports to its parent (children_min_usage, children_low_usage)
 * that effective protection is computed from.
 *
 * Single-threaded model: the kernel's atomics and the speculative charge-then-check of
 * page_counter_try_charge are plain arithmetic here, with the same outcome (a charge that takes
 * a counter over its max is taken back and failcnt counts it).
 * @kernel mm/page_counter.c propagate_protected_usage, page_counter_cancel, page_counter_charge,
 *   page_counter_try_charge, page_counter_uncharge, page_counter_set_max, page_counter_set_min,
 *   page_counter_set_low, page_counter_memparse
 * @kernel include/linux/page_counter.h struct page_counter, PAGE_COUNTER_MAX, page_counter_read
 */
import { errnoValues } from "../kernel/errno.js";
import { asDoubles } from "../kernel/shape.js";

/** LONG_MAX / PAGE_SIZE: "no limit" (printed as `max`). @kernel include/linux/page_counter.h PAGE_COUNTER_MAX */
export const PAGE_COUNTER_MAX = 2251799813685247;

/** @kernel include/linux/page_counter.h struct page_counter */
export class page_counter {
  usage = 0;
  /** Peak usage (memory.peak). */
  watermark = 0;
  failcnt = 0;
  min = 0;
  low = 0;
  high = PAGE_COUNTER_MAX;
  max = PAGE_COUNTER_MAX;
  /** Effective protection, worked out by mem_cgroup_calculate_protection before each reclaim. */
  emin = 0;
  elow = 0;
  /** min(usage, min) and min(usage, low) as last reported to the parent. */
  min_usage = 0;
  low_usage = 0;
  /** The sums of the children's min_usage and low_usage. */
  children_min_usage = 0;
  children_low_usage = 0;

  constructor(readonly parent: page_counter | null) {
    asDoubles<page_counter>(this, "usage", "watermark", "high", "max", "min", "low", "emin", "elow");
  }
}

/** @kernel include/linux/page_counter.h page_counter_read */
export function page_counter_read(c: page_counter): number {
  return c.usage;
}

/** @kernel mm/page_counter.c propagate_protected_usage */
function propagate_protected_usage(c: page_counter, usage: number): void {
  const parent = c.parent;
  if (parent === null) return;
  let prot = Math.min(usage, c.min);
  if (prot !== c.min_usage) {
    parent.children_min_usage += prot - c.min_usage;
    c.min_usage = prot;
  }
  prot = Math.min(usage, c.low);
  if (prot !== c.low_usage) {
    parent.children_low_usage += prot - c.low_usage;
    c.low_usage = prot;
  }
}

/**
 * Takes nr_pages off one counter (not its ancestors). More uncharges than charges is the
 * kernel's WARN_ONCE "page_counter underflow", after which it clamps to 0; in the model it is a
 * bug, reported by the caller's invariant checks, so the clamp is kept and counted.
 * @kernel mm/page_counter.c page_counter_cancel
 */
export function page_counter_cancel(c: page_counter, nr_pages: number): void {
  let v = c.usage - nr_pages;
  if (v < 0) v = 0;
  c.usage = v;
  propagate_protected_usage(c, v);
}

/** Charges unconditionally, up the hierarchy. @kernel mm/page_counter.c page_counter_charge */
export function page_counter_charge(counter: page_counter, nr_pages: number): void {
  for (let c: page_counter | null = counter; c !== null; c = c.parent) {
    const v = c.usage + nr_pages;
    c.usage = v;
    propagate_protected_usage(c, v);
    if (v > c.watermark) c.watermark = v;
  }
}

/**
 * Charges up the hierarchy unless that takes a counter over its max: then nothing stays charged,
 * the failing counter's failcnt counts one and it is returned. null on success.
 * @kernel mm/page_counter.c page_counter_try_charge
 */
export function page_counter_try_charge(counter: page_counter, nr_pages: number): page_counter | null {
  for (let c: page_counter | null = counter; c !== null; c = c.parent) {
    const v = c.usage + nr_pages;
    if (v > c.max) {
      c.failcnt++;
      for (let u: page_counter | null = counter; u !== c && u !== null; u = u.parent) page_counter_cancel(u, nr_pages);
      return c;
    }
    c.usage = v;
    propagate_protected_usage(c, v);
    if (v > c.watermark) c.watermark = v;
  }
  return null;
}

/** @kernel mm/page_counter.c page_counter_uncharge */
export function page_counter_uncharge(counter: page_counter, nr_pages: number): void {
  for (let c: page_counter | null = counter; c !== null; c = c.parent) page_counter_cancel(c, nr_pages);
}

/**
 * Sets max, refusing (EBUSY) a value below the current usage: memory_max_write reclaims first
 * and writes the limit with xchg instead, this is the v1 path and swap.max's.
 * @kernel mm/page_counter.c page_counter_set_max
 */
export function page_counter_set_max(c: page_counter, nr_pages: number): number {
  if (c.usage > nr_pages) return -errnoValues.EBUSY;
  c.max = nr_pages;
  return 0;
}

/** @kernel mm/page_counter.c page_counter_set_min */
export function page_counter_set_min(c: page_counter, nr_pages: number): void {
  c.min = nr_pages;
  for (let p: page_counter | null = c; p !== null; p = p.parent) propagate_protected_usage(p, p.usage);
}

/** @kernel mm/page_counter.c page_counter_set_low */
export function page_counter_set_low(c: page_counter, nr_pages: number): void {
  c.low = nr_pages;
  for (let p: page_counter | null = c; p !== null; p = p.parent) propagate_protected_usage(p, p.usage);
}

/**
 * Parses a limit as memory.max and its siblings take it: `max` (exactly, after trimming
 * whitespace) is PAGE_COUNTER_MAX, else memparse's number with an optional K/M/G/T/P/E suffix
 * (binary), rounded down to pages and capped at `max`. Anything left over is EINVAL.
 * Returns the page count, or a negative errno.
 * @kernel mm/page_counter.c page_counter_memparse
 * @kernel lib/cmdline.c memparse
 */
export function page_counter_memparse(buf: string, max: string): number {
  const s = buf.trim();
  if (s === max) return PAGE_COUNTER_MAX;
  // simple_strtoull reads no digits of an empty string and leaves end at its NUL: 0 bytes.
  if (s === "") return 0;
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kKmMgGtTpPeE]?)$/.exec(s);
  if (m === null) return -errnoValues.EINVAL;
  const base = m[1].startsWith("0x") || m[1].startsWith("0X") ? 16 : m[1].length > 1 && m[1][0] === "0" ? 8 : 10;
  let bytes = base === 16 ? parseInt(m[1].slice(2), 16) : parseInt(m[1], base);
  const shift = m[2] === "" ? 0 : "kmgtpe".indexOf(m[2].toLowerCase()) + 1;
  // memparse multiplies in 64 bits (wrapping); the model caps instead, past which min() caps anyway.
  bytes *= 2 ** (10 * shift);
  const pages = Math.floor(bytes / 4096);
  return Math.min(pages, PAGE_COUNTER_MAX);
}
