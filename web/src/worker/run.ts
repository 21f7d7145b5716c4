/**
 * The one place the explorer drives a scenario run, on the steppable run of the public API
 * (`startScenario` → `step()`, `runUntil(t)`, `snapshot()`, `restoreRun`):
 *
 * - `recordRun` runs the scenario from boot to the end, one scheduler quantum at a time. It
 *   calls `onPoint` before every move of the simulated clock (the run's `onClock`: between
 *   operations, many per quantum, so the charts are dense) and `onSlice` after every quantum
 *   (the stop points a replay can reach exactly: the page steps between them).
 * - `Replayer` reaches any time `t` of the same run: the first stop point at or after t, which is
 *   `runUntil(t)`'s (the end of the quantum that crosses t, or t itself while every process
 *   sleeps). It keeps snapshots of the run as it goes (one per `interval` of simulated time,
 *   the interval doubling to keep at most MAX_SNAPSHOTS within SNAPSHOT_BUDGET bytes) and
 *   starts from the nearest snapshot at or before t — or goes on from where it is, when that is
 *   nearer — so scrubbing back and forth replays at most one interval of the run. The model is
 *   deterministic and `runUntil` in any steps reaches the state the straight run passes through
 *   (test/snapshot_scenarios*.test.ts, test/explorer/replayer.test.ts), so the machine it
 *   shows is the one the recording passed through.
 *
 * The work is cut into pieces of at most SLICE_MS of wall time, between which `goto` yields to
 * the worker's event loop and gives up when a newer request has made it moot: the run is then
 * left at a stop point, where the next request goes on from.
 */
import { parseScenario, restoreRun, snapshotBytes, startScenario, ScenarioError, type Machine, type RunResult, type RunSnapshot, type Scenario, type ScenarioRun } from "../../../src/api/index.js";
import type { LocatedError, RunSpec } from "./protocol.js";

/**
 * Parses a spec's YAML and applies its overrides: sysctls, and files of the scenario's own
 * `cgroups:` ("/rk/memory.max" → "48M": the group's boot-time write of that file takes the new
 * value, or is added after its others). Throws ScenarioError, also for a group the scenario does
 * not declare; a value the file refuses fails at boot as the scenario's own would.
 */
export function scenarioOf(spec: RunSpec): Scenario {
  const sc = parseScenario(spec.yaml, spec.file);
  const overrides = Object.entries(spec.sysctl);
  if (overrides.length > 0) sc.machine.sysctl = { ...(sc.machine.sysctl ?? {}), ...Object.fromEntries(overrides) };
  for (const [key, value] of Object.entries(spec.cgroup)) {
    const cut = key.lastIndexOf("/");
    const group = key.slice(0, cut);
    const name = key.slice(cut + 1);
    const cg = sc.cgroups.find((g) => g.group === group);
    if (cg === undefined) throw new ScenarioError(spec.file, 1, 1, "cgroups", `the scenario declares no group ${group} to set ${name} of`);
    const file = cg.files.find((f) => f.name === name);
    if (file !== undefined) file.value = value;
    else cg.files.push({ name, value, pos: cg.pos });
  }
  return sc;
}

/** A ScenarioError as plain data. */
export function located(e: ScenarioError): LocatedError {
  return { file: e.file, line: e.line, col: e.col, field: e.field, message: e.detail, text: e.message };
}

/**
 * Runs the scenario to its end. `onBoot` gets the machine right after boot (to subscribe to
 * tracepoints), `onPoint` gets it before every clock move, `onSlice` after every quantum.
 */
export function recordRun(sc: Scenario, seed: number, onBoot: (m: Machine) => void, onPoint: (m: Machine) => void, onSlice: (m: Machine) => void): { result: RunResult; machine: Machine } {
  let m: Machine | null = null;
  const run = startScenario(sc, { seed, onClock: () => m !== null && onPoint(m) });
  m = run.machine;
  onBoot(m);
  while (!run.done) {
    run.step();
    onSlice(m);
  }
  return { result: run.result(), machine: m };
}

/** Snapshots kept per replayer, and the bytes they may hold (their copied buffers). */
export const MAX_SNAPSHOTS = 48;
export const SNAPSHOT_BUDGET = 256 * 2 ** 20;
/** The first interval between snapshots, in simulated ns (it doubles as the store fills). */
export const FIRST_INTERVAL_NS = 1e6;
/** Longest piece of work between two looks at the worker's message queue, in wall ms. */
export const SLICE_MS = 30;

interface Kept {
  t: number;
  snap: RunSnapshot;
  bytes: number;
}

/** Where a replay started, for the page's status line and the tests. */
export interface ReplayStats {
  /** "continued": went on from where it was; "snapshot": restored the one at `from`; "boot". */
  start: "continued" | "snapshot" | "boot";
  from: number;
  snapshots: number;
  snapshotBytes: number;
}

/** A run that can be moved to any time of it, with the snapshots it keeps on the way. */
export class Replayer {
  private run: ScenarioRun | null = null;
  private readonly kept: Kept[] = [];
  private interval = FIRST_INTERVAL_NS;
  lastStats: ReplayStats = { start: "boot", from: 0, snapshots: 0, snapshotBytes: 0 };

  constructor(
    private readonly sc: Scenario,
    private readonly seed: number,
  ) {}

  /** The run where it stands (booted on first use). */
  current(): ScenarioRun {
    if (this.run === null) {
      this.run = startScenario(this.sc, { seed: this.seed });
      this.keep(this.run);
    }
    return this.run;
  }

  /** The kept snapshot nearest before or at t, or null. */
  nearestSnapshot(t: number): Kept | null {
    let best: Kept | null = null;
    for (const k of this.kept) if (k.t <= t && (best === null || k.t > best.t)) best = k;
    return best;
  }

  /**
   * Moves the run to the first stop point at or after t (or to its end). Between pieces of at
   * most SLICE_MS it awaits `pause()` and gives up when `stale()` says so, returning false.
   */
  async goto(t: number, stale: () => boolean = () => false, pause: () => Promise<void> = () => Promise.resolve()): Promise<boolean> {
    const near = this.nearestSnapshot(t);
    const here = this.run;
    if (here !== null && here.now <= t && (near === null || here.now >= near.t)) {
      this.lastStats = { ...this.stats(), start: "continued", from: here.now };
    } else if (near !== null) {
      this.run = restoreRun(near.snap);
      this.lastStats = { ...this.stats(), start: "snapshot", from: near.t };
    } else {
      this.run = null;
      this.lastStats = { ...this.stats(), start: "boot", from: 0 };
    }
    const run = this.current();
    let sliceStart = performance.now();
    while (!run.done && run.now < t) {
      const next = this.nextSnapshotAt(run.now);
      run.runUntil(Math.min(t, next));
      if (run.now >= next && !run.done) this.keep(run);
      if (performance.now() - sliceStart > SLICE_MS) {
        await pause();
        if (stale()) return false;
        sliceStart = performance.now();
      }
    }
    return true;
  }

  /** The machine at the run's current stop point. */
  get machine(): Machine {
    return this.current().machine;
  }

  get done(): boolean {
    return this.current().done;
  }

  stats(): ReplayStats {
    return { ...this.lastStats, snapshots: this.kept.length, snapshotBytes: this.kept.reduce((a, k) => a + k.bytes, 0) };
  }

  /** The time the next snapshot is due after `now`: one interval after the last one kept before it. */
  private nextSnapshotAt(now: number): number {
    let last = -Infinity;
    let after = Infinity;
    for (const k of this.kept) {
      if (k.t <= now) last = Math.max(last, k.t);
      else after = Math.min(after, k.t);
    }
    const due = last + this.interval;
    // Past a kept snapshot already ahead, the next one is due only after it.
    return due >= after ? after + this.interval : due;
  }

  private keep(run: ScenarioRun): void {
    if (this.kept.some((k) => k.t === run.now)) return;
    const snap = run.snapshot();
    this.kept.push({ t: run.now, snap, bytes: snapshotBytes(snap) });
    this.kept.sort((a, b) => a.t - b.t);
    // Over budget: keep boot's and every other one, and space the next ones twice as far.
    while (this.kept.length > MAX_SNAPSHOTS || (this.kept.length > 2 && this.kept.reduce((a, k) => a + k.bytes, 0) > SNAPSHOT_BUDGET)) {
      const thinned = this.kept.filter((_, i) => i === 0 || i % 2 === 0);
      this.kept.length = 0;
      this.kept.push(...thinned);
      this.interval *= 2;
    }
  }
}
