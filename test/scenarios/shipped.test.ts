/**
 * Every shipped scenario runs through the CLI, its expectations hold (exit 0), and a second run
 * prints the same bytes, as text and as JSON.
 */
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { runCli } from "../../src/cli/main.js";

const names = readdirSync("scenarios")
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -5))
  .sort();

/** Scenarios that take seconds: their JSON report is not run twice more. */
const HEAVY = new Set(["big-touch", "w5-swap", "thrash", "refault", "swappiness"]);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("shipped scenarios", () => {
  it("include the ones issue 4 asks for", () => {
    for (const n of ["tour", "buddy-split-merge", "anon-touch", "demand-paging", "fork-cow", "mmap-merge", "overcommit", "big-touch"]) expect(names).toContain(n);
    // and the memory-pressure issue's
    for (const n of ["thrash", "kswapd-watermarks", "swappiness", "refault", "oom-badness", "w5-swap"]) expect(names).toContain(n);
  });

  for (const name of names) {
    it(`${name}: every expectation holds and two runs print the same bytes`, { timeout: 120_000 }, async () => {
      const a = await run(["run", name]);
      expect(a.err, a.err).not.toMatch(/FAIL|error:/);
      expect(a.code).toBe(0);
      expect(a.out).toMatch(/^(\d+) of \1 expectations hold\./m);
      expect(a.out).not.toMatch(/^0 of 0 expectations/m);
      // the wall-clock speed goes to stderr, so stdout stays byte-identical
      expect(a.err).toMatch(/^ran [\d,]+ simulated operations in [\d.]+ s of real time, [\d.]+ s of CPU time \([\d,]+ operations\/s real, [\d,]+ per CPU second\), after a boot of [\d.]+ s real, [\d.]+ s CPU\n$/);
      if (name === "big-touch") expect(a.err).toMatch(/^ran 1,048,578 simulated operations/);
      const b = await run(["run", name]);
      expect(b.out).toBe(a.out);
      // The long runs (memory pressure, swap) are checked for byte-identical text only.
      if (!HEAVY.has(name)) {
        const j1 = await run(["run", name, "--json"]);
        const j2 = await run(["run", name, "--json"]);
        expect(j1.out).toBe(j2.out);
        expect((JSON.parse(j1.out) as { ok: boolean }).ok).toBe(true);
      }
    });
  }

  it("mmsim scenarios lists each with its description", async () => {
    const r = await run(["scenarios"]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(names);
    for (const l of lines) expect(l.split(/\s{2,}/)[1]?.length ?? 0).toBeGreaterThan(20);
  });

  it("runs tour when no scenario is named", async () => {
    const r = await run(["run", "--quiet"]);
    expect(r.code).toBe(0);
    const t = await run(["run"]);
    expect(t.out).toMatch(/^mmsim run tour — /);
  });
});
