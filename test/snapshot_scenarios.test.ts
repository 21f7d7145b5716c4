/**
 * Snapshot and restore on every shipped scenario but the heaviest (see
 * snapshot_scenarios.testutil.ts for what is checked; snapshot_scenarios_heavy.test.ts has the rest).
 */
import {
  describeScenarioSnapshots,
  HEAVY,
} from "./snapshot_scenarios.testutil.js";

describeScenarioSnapshots(
  "snapshot and restore of every shipped scenario",
  (f) => !HEAVY.includes(f),
);
