/**
 * The README's main command, end to end: `npx mmsim …` against the built dist/, as a newcomer
 * runs it. npx starts the bin through a shim, which is exactly where a CLI that checks its own
 * path against argv[1] silently does nothing — so this runs the real thing, not runCli.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the mmsim executable through npx", () => {
  beforeAll(() => {
    // `npm ci` builds dist/ through `prepare` (which also makes bin.js executable); rebuild the same
    // way so the test sees this tree's code.
    execFileSync("npm", ["run", "-s", "build"], { cwd: repo, stdio: "pipe" });
  }, 120_000);

  it("prints the shipped scenarios and exits 0", () => {
    const r = spawnSync("npx", ["mmsim", "scenarios"], { cwd: repo, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tour\s+/m);
    expect(r.stdout).toMatch(/^oom-badness\s+/m);
  }, 60_000);

  it("runs the tour, the README's main command", () => {
    const r = spawnSync("npx", ["mmsim", "run"], { cwd: repo, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^mmsim run tour — /);
    expect(r.stdout).toMatch(/expectations hold/);
  }, 60_000);

  it("answers a usage error with one line and exit code 2", () => {
    const r = spawnSync("npx", ["mmsim", "boot", "--memory", "12Q"], { cwd: repo, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    expect(r.stdout).toBe("");
  }, 60_000);
});
