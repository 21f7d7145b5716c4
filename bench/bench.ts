/** The shape every `bench/*.bench.ts` module exports as `benches`. */
export interface Bench {
  name: string;
  unit: string;
  /** Does the measurement and returns the figure in `unit`, or null when it cannot run here (say why in `note`). */
  run: () => number | null | Promise<number | null>;
  note?: string;
}

/**
 * The best of `windows` timed calls of `work(n)`, each doing `n` operations, in operations per
 * second. Every window does the same work, so the best one is the code's speed and the others
 * are this shared host's noise (it drifts by up to 2× within minutes).
 */
export function bestRate(windows: number, n: number, work: (n: number) => void): number {
  let best = 0;
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    work(n);
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}
