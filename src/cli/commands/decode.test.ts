import { describe, it, expect } from "vitest";
import { Command, CommanderError } from "commander";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { registerDecode } from "./decode.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const rk = path.resolve(repoRoot, "test/realkernel/data");

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command("mmsim").exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerDecode(program, { out: (s) => (out += s), err: (s) => (err += s) });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  await program.parseAsync(["decode", ...args], { from: "user" });
  return { out, err };
}

describe("mmsim decode", () => {
  it("explains an OOM report in prose", async () => {
    const { out } = await run([path.join(rk, "w3a/oom_report.1")]);
    expect(out).toMatch(/memC \(pid 115\) asked for an order-0 block/);
    expect(out).toMatch(/#1 pid 89 memA: 10405 pages \+ 26000 adj = 36405/);
    expect(out).toMatch(/An oom_score_adj of 156 or lower would have spared pid 89/);
  });
  it("prints the JSON schema's result with --json", async () => {
    const { out } = await run(["--json", path.join(rk, "w4/oom_report.1")]);
    const r = JSON.parse(out) as { kind: string; reports: Array<{ constraint: string; victim: { pid: number } }> };
    expect(r.kind).toBe("oom-log");
    expect(r.reports[0]).toMatchObject({ constraint: "memcg", victim: { pid: 116 } });
  });
  it("uses --zoneinfo for an exact MemAvailable and honours --kind", async () => {
    const { out } = await run([path.join(rk, "w0/meminfo"), "--zoneinfo", path.join(rk, "w0/zoneinfo")]);
    expect(out).toMatch(/MemAvailable recomputed \(si_mem_available\): 433612 kB, printed 433612 kB \(equal\)/);
    const forced = await run(["--kind", "buddyinfo", "--json", path.join(rk, "w0/buddyinfo")]);
    expect(JSON.parse(forced.out).kind).toBe("buddyinfo");
  });
  it("--pid says what oom_score_adj would have spared or doomed a task", async () => {
    const victim = await run([path.join(rk, "w3a/oom_report.1"), "--pid", "89"]);
    expect(victim.out).toMatch(/pid 89 \(memA\) was the top scorer \(36405 points\); oom_score_adj 156 or lower would have spared it/);
    // memB: 15563 pages; it beats memA (36405) at adj ≥ 400 (15563 + 400*52 = 36363 < 36405; 401 → 36415).
    const other = await run([path.join(rk, "w3a/oom_report.1"), "--pid", "92"]);
    expect(other.out).toMatch(/pid 92 \(memB\) ranked #3 with 15563 points; it would have been chosen at oom_score_adj 401 or higher/);
    await expect(run([path.join(rk, "w3a/oom_report.1"), "--pid", "x"])).rejects.toBeInstanceOf(CommanderError);
  });
  it("refuses an unknown --kind and a missing file as usage errors", async () => {
    await expect(run(["--kind", "nonsense", path.join(rk, "w0/meminfo")])).rejects.toBeInstanceOf(CommanderError);
    await expect(run([path.join(rk, "does-not-exist")])).rejects.toThrow(/^no such file: /);
  });
});
