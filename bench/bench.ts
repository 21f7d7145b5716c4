/**
 * The shape of a benchmark row and the timing helpers the rows share. Every row is reported by
 * two clocks (bench/run.ts): the wall clock its figure is measured with, and this process's CPU
 * time (process.cpuUsage, user + system), which a shared host's other tenants cannot inflate.
 */

/** The shape every `bench/*.bench.ts` module exports as `benches`. */
export interface Bench {
  name: string;
  unit: string;
  /** Does the measurement and returns the figure in `unit`, or null when it cannot run here (say why in `note`). */
  run: () => number | null | Promise<number | null>;
  note?: string;
}

import { readFileSync } from "node:fs";

/**
 * CPU time so far (user + system), in seconds: this process's (process.cpuUsage, to the
 * microsecond) plus that of the child processes it has waited for (the native rows' C programs:
 * /proc/self/stat's cutime and cstime, in USER_HZ = 100 ticks per second; 0 where there is no /proc).
 */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6 + childCpuSeconds();
}

function childCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): cutime is field 16, cstime field 17.
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The CPU-clock figure of the row being run, when its helper measured one directly (bestRate
 * does, per window); run.ts clears it before each row and reads it after.
 */
export const rowCpuFigure: { value: number | null } = { value: null };

/**
 * The best of `windows` timed calls of `work(n)`, each doing `n` operations, in operations per
 * second of wall-clock time. Every window does the same work, so the best one is the code's speed
 * and the others are this shared host's noise (it drifts by up to 2× within minutes). The best
 * window by CPU time is kept too, as the row's CPU-clock figure.
 */
export function bestRate(windows: number, n: number, work: (n: number) => void): number {
  let best = 0;
  let bestCpu = 0;
  for (let w = 0; w < windows; w++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    work(n);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - c0;
    best = Math.max(best, n / wall);
    // process.cpuUsage has microsecond resolution: a window shorter than that has no CPU figure.
    if (cpu > 0) bestCpu = Math.max(bestCpu, n / cpu);
  }
  rowCpuFigure.value = bestCpu > 0 ? bestCpu : null;
  return best;
}
