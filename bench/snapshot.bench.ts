/**
 * Snapshot and restore (docs/architecture.md "Snapshots"): the time to snapshot a 64 GiB machine
 * (booted, with one process that has written 256 MiB, so most of its memmap is untouched) and
 * to restore it, the snapshot's size as a file (encodeSnapshot), and the same for `tour` snapshotted
 * mid-run (the run's own state included). Each time is the best of several identical passes by
 * the wall clock; run.ts adds the CPU-clock figure.
 */
import { readFileSync } from "node:fs";
import { encodeSnapshot, Machine, parseScenario, restoreRun, startScenario, type MachineSnapshot, type RunSnapshot } from "../src/api/index.js";
import type { Bench } from "./bench.js";
import { repoFile } from "./paths.js";

const MiB = 2 ** 20;

/** The best of `n` timed calls, in ms. */
function best(n: number, f: () => void): number {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

interface Case {
  snapMs: number;
  restoreMs: number;
  bytes: number;
}
const cache = new Map<string, Case>();

function bigMachine(): Case {
  const hit = cache.get("64G");
  if (hit) return hit;
  const m = Machine.boot({ memory: "64G" });
  const p = m.spawn({ comm: "w" });
  const a = p.mmap(256 * MiB);
  p.touch(a, 256 * MiB, { write: true });
  let snap: MachineSnapshot = m.snapshot();
  const snapMs = best(5, () => void (snap = m.snapshot()));
  const restoreMs = best(5, () => void Machine.restore(snap));
  const c = { snapMs, restoreMs, bytes: encodeSnapshot(snap).byteLength };
  cache.set("64G", c);
  return c;
}

function tourMidRun(): Case {
  const hit = cache.get("tour");
  if (hit) return hit;
  const sc = parseScenario(readFileSync(repoFile("scenarios", "tour.yaml"), "utf8"), "tour.yaml");
  const run = startScenario(sc);
  let steps = 0;
  while (!run.done) {
    run.step();
    steps++;
  }
  const mid = startScenario(sc);
  for (let i = 0; i < steps / 2; i++) mid.step();
  let snap: RunSnapshot = mid.snapshot();
  const snapMs = best(5, () => void (snap = mid.snapshot()));
  const restoreMs = best(5, () => void restoreRun(snap));
  const c = { snapMs, restoreMs, bytes: encodeSnapshot(snap).byteLength };
  cache.set("tour", c);
  return c;
}

export const benches: Bench[] = [
  { name: "snapshot: 64G machine (256M written)", unit: "ms", run: () => bigMachine().snapMs },
  { name: "snapshot: 64G machine, restore", unit: "ms", run: () => bigMachine().restoreMs },
  { name: "snapshot: 64G machine, file size", unit: "MB", run: () => bigMachine().bytes / 1e6 },
  { name: "snapshot: tour mid-run", unit: "ms", run: () => tourMidRun().snapMs },
  { name: "snapshot: tour mid-run, restore", unit: "ms", run: () => tourMidRun().restoreMs },
  { name: "snapshot: tour mid-run, file size", unit: "MB", run: () => tourMidRun().bytes / 1e6 },
];
