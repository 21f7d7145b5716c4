/**
 * Parsers for the /proc files the real-kernel captures hold, shared by the fidelity tests:
 * "Key:   123 kB" lines (meminfo, status, smaps_rollup), /proc/vmstat's "name value" lines,
 * minflt from /proc/PID/stat, and the tolerance check the tests report with.
 */
import { expect } from "vitest";

/** "Key:   123 kB" lines to a map of numbers. */
export function kv(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const r = /^([A-Za-z_()]+):\s+(\d+)/.exec(line);
    if (r) m.set(r[1], Number(r[2]));
  }
  return m;
}

/** /proc/vmstat "name value" lines. */
export function vmstat(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.split(" ");
    if (k && v) m.set(k, Number(v));
  }
  return m;
}

/** A key that must be there. */
export function get(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined) throw new Error(`missing ${key}`);
  return v;
}

/** minflt, field 10 of /proc/PID/stat. */
export function statMinflt(text: string): number {
  return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[7]);
}

/** model within max(|real| * rel, abs) of real, with both in the failure message. */
export function expectWithin(label: string, model: number, real: number, rel: number, abs = 0): void {
  const tol = Math.max(Math.abs(real) * rel, abs);
  expect(Math.abs(model - real) <= tol, `${label}: model ${model} vs real ${real} (±${tol.toFixed(0)})`).toBe(true);
}
