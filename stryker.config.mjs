/* global process */
// StrykerJS configuration for `npm run mutate -- FILE…` (scripts/mutate.mjs). Mutation testing
// is not part of CI: on this project's 2-vCPU host a model file takes tens of minutes to hours.
// docs/architecture.md ("Mutation testing") says how to run it and lists the scores measured.
//
// scripts/mutate.mjs passes the files (each optionally with a Stryker line range,
// `src/mm/vmscan.ts:400-650`) in MMSIM_MUTATE and a short name for the reports in
// MMSIM_MUTATE_NAME; run directly (`npx stryker run`), this file mutates src/mm/util.ts.
const files = (process.env.MMSIM_MUTATE ?? "src/mm/util.ts").split(",").filter(Boolean);
const name = process.env.MMSIM_MUTATE_NAME ?? "util";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts", related: true },
  // Each mutant runs only the tests that executed its code during the dry run.
  coverageAnalysis: "perTest",
  // Many test files boot a machine in a describe body or beforeAll, outside any single test, so
  // Stryker sees most model code as "static" (reached outside a test) and would run the whole
  // suite for each such mutant (~1 min each here). With ignoreStatic, a mutant also reached
  // inside tests runs just those tests; one reached only outside tests is reported "Ignored"
  // and left out of the score (docs/architecture.md gives the counts).
  ignoreStatic: true,
  mutate: files,
  // Two workers: the host has two vCPUs shared with other work.
  concurrency: Number(process.env.MMSIM_MUTATE_CONCURRENCY ?? 2),
  // The suite's slow files (fuzzers, scenarios) run for seconds; a shared host is noisy.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 30,
  // Results are kept per target, so a second run after adding tests only re-tests what the new
  // tests cover or what the code change touched (`--force` to redo everything).
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: "reports/stryker-tmp",
  cleanTempDir: true,
};
