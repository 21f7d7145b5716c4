/**
 * Snapshot and restore on the heaviest shipped scenarios (see snapshot_scenarios.testutil.ts),
 * in a file of their own so vitest runs them beside the others.
 */
import {
  describeScenarioSnapshots,
  HEAVY,
} from "./snapshot_scenarios.testutil.js";

describeScenarioSnapshots(
  "snapshot and restore of the heaviest shipped scenarios",
  (f) => HEAVY.includes(f),
);
