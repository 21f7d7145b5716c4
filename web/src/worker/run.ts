/**
 * The one place the explorer drives a scenario run. Everything else in the worker calls these two
 * functions, so moving to the steppable run (`startScenario(sc, opts)` → `run.step()`,
 * `run.runUntil(t)`) when it lands in the public API is a change to this file alone:
 *
 * - `recordRun` runs the scenario from boot to the end and calls `onPoint` at every point where
 *   the run may stop: today each clock move of the scheduler (every `Machine.advance` the runner
 *   makes between pieces of work: a syscall, a batch of page accesses), later each
 *   `run.step()`.
 * - `replayTo` runs the same scenario from boot and stops at the first such point at or after
 *   `t`, leaving the machine there for inspection. The model is deterministic, so the machine
 *   is the one the recording passed through at that point (the recording's sampling only reads:
 *   src/api/inspect.ts). Part 2 (Machine.snapshot/restore) will replay from the nearest
 *   snapshot instead of from boot: `nearestSnapshot` is the hook for it.
 *
 * Today's mechanism: `startScenario` gives the run's machine before its first step; this file
 * wraps that machine's `advance`, so the stop points stay every clock move (finer than
 * `run.step()`'s scheduler quanta), and a stop is a private exception thrown from it. The runner
 * calls `advance` only between operations, never from inside the model, so nothing of the model
 * is on the stack when the exception unwinds it: the state is exactly the state between two
 * operations.
 */
import { Machine, parseScenario, startScenario, ScenarioError, type RunResult, type Scenario } from "../../../src/api/index.js";
import type { LocatedError, RunSpec } from "./protocol.js";

class StopRun extends Error {}

/** Parses a spec's YAML and applies its sysctl overrides. Throws ScenarioError. */
export function scenarioOf(spec: RunSpec): Scenario {
  const sc = parseScenario(spec.yaml, spec.file);
  const overrides = Object.entries(spec.sysctl);
  if (overrides.length > 0) sc.machine.sysctl = { ...(sc.machine.sysctl ?? {}), ...Object.fromEntries(overrides) };
  return sc;
}

/** A ScenarioError as plain data. */
export function located(e: ScenarioError): LocatedError {
  return { file: e.file, line: e.line, col: e.col, field: e.field, message: e.detail, text: e.message };
}

/**
 * Runs the scenario to its end. `onBoot` gets the machine right after boot (to subscribe to
 * tracepoints), `onPoint` gets it at every point a replay can stop at.
 */
export function recordRun(sc: Scenario, seed: number, onBoot: (m: Machine) => void, onPoint: (m: Machine) => void): { result: RunResult; machine: Machine } {
  const run = startScenario(sc, { seed });
  const m = run.machine;
  onBoot(m);
  const advance = m.advance.bind(m);
  m.advance = (d: string | number): void => {
    onPoint(m);
    advance(d);
  };
  while (!run.done) run.step();
  return { result: run.result(), machine: m };
}

/** Where a replay starts: today always boot (null). Part 2 returns the nearest snapshot before t. */
export function nearestSnapshot(_t: number): null {
  return null;
}

/**
 * The machine at the first stop point at or after `t` (or at the end, when the run ends
 * first): `done` says which.
 */
export function replayTo(sc: Scenario, seed: number, t: number): { machine: Machine; done: boolean } {
  nearestSnapshot(t);
  const run = startScenario(sc, { seed });
  const m = run.machine;
  const advance = m.advance.bind(m);
  m.advance = (d: string | number): void => {
    if (m.now >= t) throw new StopRun();
    advance(d);
  };
  try {
    while (!run.done) run.step();
  } catch (e) {
    if (!(e instanceof StopRun)) throw e;
    return { machine: m, done: false };
  }
  return { machine: m, done: true };
}
