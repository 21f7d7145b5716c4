/**
 * The README's main command, end to end: `npm start` (the tour) against the built dist/, and the
 * executable started through a symlink, as npx, npm link and global installs start it. A CLI that
 * compared its own path with process.argv[1] did nothing behind a symlink; tsc emits the bin
 * without the executable bit — both once broke the README's command, so this runs the real thing.
 * The same build also answers what test/import_first.test.ts cannot: whether every compiled
 * module can be the first a plain Node program imports (no top-level read of a binding from its
 * own import cycle, which vitest's runner turns into `undefined` instead of a TDZ error).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const link = path.join(mkdtempSync(path.join(tmpdir(), "mmsim-bin-")), "mmsim");

describe("the mmsim executable", () => {
  beforeAll(() => {
    // `npm ci` builds dist/ through `prepare` (which also makes bin.js executable); rebuild the same
    // way so the test sees this tree's code.
    execFileSync("npm", ["run", "-s", "build"], { cwd: repo, stdio: "pipe" });
    symlinkSync(path.join(repo, "dist/cli/bin.js"), link);
    // The build is not under test; on a 2-core host shared with other jobs it has taken over 120 s.
  }, 300_000);

  it("npm start runs the tour, the README's main command", () => {
    const r = spawnSync("npm", ["start", "--silent"], { cwd: repo, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^mmsim run tour — /);
    expect(r.stdout).toMatch(/expectations hold/);
  }, 60_000);

  it("runs when started through a symlink, by its shebang", () => {
    const r = spawnSync(link, ["scenarios"], { cwd: tmpdir(), encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tour\s+/m);
    expect(r.stdout).toMatch(/^oom-badness\s+/m);
  }, 60_000);

  it("answers a usage error with one line and exit code 2", () => {
    const r = spawnSync(link, ["boot", "--memory", "12Q"], { cwd: tmpdir(), encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*"12Q".*\n$/);
    expect(r.stdout).toBe("");
  }, 60_000);

  it("imports every compiled module first, in a fresh plain-Node module graph", async () => {
    // Each module goes into its own worker thread (its own module map), as a library user's
    // program that imports only it. dist/web is the browser bundle; bin.js runs the CLI on import.
    const dist = path.join(repo, "dist");
    const files = (readdirSync(dist, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".js") && !f.startsWith("web") && f !== path.join("cli", "bin.js"))
      .map((f) => path.join(dist, f));
    const importFirst = (file: string): Promise<string | null> =>
      new Promise((resolve) => {
        const w = new Worker(`import(${JSON.stringify(pathToFileURL(file).href)}).then(() => process.exit(0))`, { eval: true, stdout: true, stderr: true });
        w.on("error", (e: Error) => resolve(`${path.relative(dist, file)}: ${e.message}`));
        w.on("exit", (code) => resolve(code === 0 ? null : `${path.relative(dist, file)}: exit ${code}`));
      });
    const failed: string[] = [];
    for (let i = 0; i < files.length; i += 2) {
      for (const r of await Promise.all(files.slice(i, i + 2).map(importFirst))) if (r !== null) failed.push(r);
    }
    expect(files.length).toBeGreaterThan(200);
    expect(failed).toEqual([]);
  }, 300_000);
});
