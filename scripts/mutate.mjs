#!/usr/bin/env node
// `npm run mutate -- FILE[:FROM-TO]… [--force] [--concurrency N] [--tests GLOB,…]`: mutation testing (StrykerJS,
// vitest runner) of the given model files, configured in stryker.config.mjs. Reports go to
// reports/mutation/<name>.html and .json, where <name> is the first file's base name (plus its
// line range). Not part of CI; see docs/architecture.md, "Mutation testing".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { basename } from "node:path";

const files = [];
const pass = [];
let concurrency;
let tests;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--force") pass.push(a);
  else if (a === "--concurrency") concurrency = argv[++i];
  else if (a === "--tests") tests = argv[++i];
  else if (a.startsWith("-")) {
    console.error(`mutate: unknown option ${a}`);
    process.exit(2);
  } else files.push(a);
}
if (files.length === 0) {
  console.error("usage: npm run mutate -- FILE[:FROM-TO]… [--force] [--concurrency N] [--tests GLOB,…]\n" +
    "  e.g. npm run mutate -- src/mm/util.ts   or   npm run mutate -- src/mm/vmscan.ts:1-400\n" +
    "  --tests runs only those test files (a quicker, lower-bound score)");
  process.exit(2);
}
for (const f of files) {
  const path = f.replace(/:\d+(:\d+)?-\d+(:\d+)?$/, "");
  if (!existsSync(path)) {
    console.error(`mutate: no such file: ${path}`);
    process.exit(2);
  }
  if (!path.startsWith("src/") || /\.test\.ts$|\.testutil\.ts$/.test(path)) {
    console.error(`mutate: ${path} is not a model file under src/`);
    process.exit(2);
  }
}
const first = files[0];
const range = /:(\d+(?::\d+)?-\d+(?::\d+)?)$/.exec(first);
const name = basename(first.replace(/:[\d:-]+$/, ""), ".ts") + (range ? `.${range[1].replace(/:/g, "_")}` : "") +
  (files.length > 1 ? `+${files.length - 1}` : "") + (tests ? ".tests" : "");
mkdirSync("reports/mutation", { recursive: true });
const env = { ...process.env, MMSIM_MUTATE: files.join(","), MMSIM_MUTATE_NAME: name };
if (concurrency) env.MMSIM_MUTATE_CONCURRENCY = concurrency;
if (tests) env.MMSIM_MUTATE_TESTS = tests;
const r = spawnSync("npx", ["stryker", "run", "stryker.config.mjs", ...pass], { stdio: "inherit", env });
process.exit(r.status ?? 1);
