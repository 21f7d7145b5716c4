#!/usr/bin/env node
// Runs the whole test suite — vitest (unit, property, fuzz, fidelity) with its JSON reporter, then
// the explorer's browser tests (scripts/browser-tests.mjs, headless chromium) — and prints the
// plain closing line `tests: N passed, N failed` that CI reads, both counted together. Exits
// non-zero on any failure or when no test ran. Arguments go to vitest; with any argument (a
// filter, a file) the browser tests are skipped unless MMSIM_BROWSER=1. MMSIM_BROWSER=0 skips them.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

mkdirSync("reports", { recursive: true });
const out = "reports/vitest.json";
const args = process.argv.slice(2);
const r = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...args],
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
let browserStatus = 0;
const browser = process.env.MMSIM_BROWSER ?? (args.length === 0 ? "1" : "0");
if (browser === "1") {
  rmSync("reports/browser.json", { force: true });
  const b = spawnSync("node", ["scripts/browser-tests.mjs"], { stdio: "inherit" });
  browserStatus = b.status ?? 1;
  try {
    const j = JSON.parse(readFileSync("reports/browser.json", "utf8"));
    passed += j.passed;
    failed += j.failed;
  } catch {
    failed += 1;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(r.status !== 0 || browserStatus !== 0 || failed > 0 || passed === 0 ? 1 : 0);
