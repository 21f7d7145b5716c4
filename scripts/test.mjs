#!/usr/bin/env node
// Runs the whole test suite with vitest's JSON reporter and prints the plain closing line
// `tests: N passed, N failed` that CI reads. Exits non-zero on any failure or when no test ran.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";

mkdirSync("reports", { recursive: true });
const out = "reports/vitest.json";
const r = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
let passed = 0, failed = 0, skipped = 0;
try {
  const j = JSON.parse(readFileSync(out, "utf8"));
  passed = j.numPassedTests; failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
  skipped = j.numPendingTests + (j.numTodoTests ?? 0);
} catch {
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(r.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
