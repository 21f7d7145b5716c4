/** The shape every `bench/*.bench.ts` module exports as `benches`. */
export interface Bench {
  name: string;
  unit: string;
  /** Does the measurement and returns the figure in `unit`, or null when it cannot run here (say why in `note`). */
  run: () => number | null | Promise<number | null>;
  note?: string;
}
