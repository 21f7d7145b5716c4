/**
 * Time travel on every shipped scenario (the test files snapshot_scenarios*.test.ts use this): a run snapshotted mid-way, copied as a Web Worker's
 * postMessage would copy it (structuredClone), restored and run to the end gives byte for byte
 * the report (timeline, captures, the /proc files read at the end, expectations), the trace
 * lines and the kernel log of the run that was never interrupted.
 *
 * Snapshots are taken during one straight run at steps 1, 2, 4, 8, … and every 8th step, and at
 * its end; the run is restored from the last power of two (past the middle), from a step near
 * the end and, on the short scenarios, from step 1, and stepped to the end each time. Every snapshot taken is also the walk the brief asks
 * for: snapshotGraph throws on an unregistered class, a function the registry does not name, a
 * getter, a WeakMap… anywhere in the machine or the run. And each restored run's own snapshot
 * encodes to the same bytes as the one it came from: nothing is lost or added in a round trip.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  available_events,
  encodeSnapshot,
  formatReportJson,
  parseScenario,
  restoreRun,
  startScenario,
  type RunSnapshot,
  type ScenarioRun,
} from "../src/api/index.js";

const dir = fileURLToPath(new URL("../scenarios/", import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** Every tracepoint but the per-page ones (those would cost more than the runs themselves). */
const PER_PAGE = new Set([
  "page_fault_user",
  "mm_page_alloc",
  "mm_page_free",
  "mm_page_alloc_zone_locked",
  "mm_page_pcpu_drain",
]);
const TRACE = available_events
  .map(([, e]) => e)
  .filter((e) => !PER_PAGE.has(e));
/** Read at the end of every run, so the report carries them. */
const CAT = [
  "/proc/meminfo",
  "/proc/vmstat",
  "/proc/zoneinfo",
  "/proc/buddyinfo",
  "/proc/pagetypeinfo",
  "/proc/swaps",
  "/proc/pressure/memory",
];

interface Point {
  step: number;
  snap: RunSnapshot;
  /** Trace lines the straight run had printed when the snapshot was taken. */
  lines: number;
}

/** Steps a run to the end; its trace lines go to `lines`. */
function finish(run: ScenarioRun): void {
  while (!run.done) run.step();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The heaviest scenarios, tested in a file of their own (snapshot_scenarios_heavy.test.ts) so
 * vitest runs the two halves on both cores; snapshot_scenarios.test.ts takes every other one.
 */
export const HEAVY = Object.freeze([
  "refault.yaml",
  "swappiness.yaml",
  "w5-swap.yaml",
]);

/** Declares the test of each shipped scenario `pick` accepts. */
export function describeScenarioSnapshots(
  title: string,
  pick: (file: string) => boolean,
): void {
  describe(title, () => {
    it("has scenarios to test", () =>
      expect(names.filter(pick).length).toBeGreaterThan(0));

    for (const file of names.filter(pick)) {
      it(
        `${file}: restored mid-run, it ends byte for byte as the straight run`,
        { timeout: 120_000 },
        () => {
          const sc = parseScenario(readFileSync(dir + file, "utf8"), file);
          const lines: string[] = [];
          const run = startScenario(sc, {
            trace: TRACE,
            onTrace: (l) => lines.push(l),
            cat: CAT,
          });
          // Snapshots at steps 1, 2, 4, 8… (the last is past the middle of the run), and every 8th
          // step, of which the last few are kept (one lands near the end, whatever the length).
          const points: Point[] = [];
          const recent: Point[] = [];
          let step = 0;
          const t0 = process.cpuUsage();
          while (!run.done) {
            run.step();
            step++;
            if ((step & (step - 1)) === 0)
              points.push({ step, snap: run.snapshot(), lines: lines.length });
            else if (step % 8 === 0 && !run.done) {
              recent.push({ step, snap: run.snapshot(), lines: lines.length });
              if (recent.length > 2) recent.shift();
            }
          }
          const cpuMs =
            (process.cpuUsage(t0).user + process.cpuUsage(t0).system) / 1000;
          const report = formatReportJson(run.result());
          const dmesg = run.machine.dmesg();
          const endSnap = run.snapshot();

          // The end state restores to the same result, and takes no step.
          const ended = restoreRun(structuredClone(endSnap));
          expect(ended.done).toBe(true);
          expect(formatReportJson(ended.result())).toBe(report);

          // Restored from: the last power of two (mid-run), a step near the end, and step 1 of a short run.
          const chosen = points
            .filter((p) => p.step > 0 && !(p.step === step && run.done))
            .slice(-1);
          if (recent[0]) chosen.push(recent[0]);
          if (cpuMs < 1500 && points[0] && !chosen.includes(points[0]))
            chosen.unshift(points[0]);
          expect(chosen.length).toBeGreaterThan(0);
          for (const p of chosen) {
            const tail: string[] = [];
            const r = restoreRun(structuredClone(p.snap), {
              onTrace: (l) => tail.push(l),
            });
            expect(r.done, `step ${p.step}`).toBe(false);
            // A round trip loses nothing: the restored run snapshots to the same bytes.
            expect(
              sameBytes(encodeSnapshot(r.snapshot()), encodeSnapshot(p.snap)),
              `step ${p.step}: snapshot of the restored run`,
            ).toBe(true);
            finish(r);
            expect(
              formatReportJson(r.result()),
              `report after a restore at step ${p.step}`,
            ).toBe(report);
            expect(
              tail.join("\n"),
              `trace after a restore at step ${p.step}`,
            ).toBe(lines.slice(p.lines).join("\n"));
            expect(
              r.machine.dmesg(),
              `dmesg after a restore at step ${p.step}`,
            ).toBe(dmesg);
          }
        },
      );
    }
  });
}
