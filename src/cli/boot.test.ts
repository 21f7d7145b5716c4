import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bootConfig, parseNumaSpec } from "./commands/boot.js";
import { runCli } from "./main.js";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("mmsim boot: options", () => {
  it("documents every option in --help", async () => {
    const r = await run("boot", "--help");
    expect(r.code).toBe(0);
    for (const o of ["--memory", "--cpus", "--nodes", "--numa", "--thp", "--cat", "--write", "--json", "--seed"]) expect(r.out).toContain(o);
  });

  it.each([
    [["--memory", "12Q"], "--memory"],
    [["--memory", "1K"], "between"],
    [["--cpus", "0"], "--cpus"],
    [["--cpus", "two"], "whole number"],
    [["--nodes", "0"], "--nodes"],
    [["--thp", "sometimes"], "--thp"],
    [["--numa", "512M,xyz"], "invalid size"],
    [["--numa", "512M,512M:10,20/20"], "2x2"],
    [["--numa", "512M,512M:10,5/5,10"], "11 to 254"],
    [["--nodes", "2", "--numa", "512M,512M"], "cannot be used together"],
    [["--memory", "1G", "--numa", "256M,256M"], "does not match"],
    [["--bogus"], "unknown option"],
  ])("refuses %j with a one-line error and exit code 2", async (args, msg) => {
    const r = await run("boot", ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toContain(msg);
  });

  it("parses a NUMA spec with and without distances", () => {
    expect(parseNumaSpec("512M,512M")).toEqual({ sizes: [2 ** 29, 2 ** 29] });
    expect(parseNumaSpec("256M,768M:10,21/21,10")).toEqual({ sizes: [2 ** 28, 3 * 2 ** 28], distance: [[10, 21], [21, 10]] });
  });

  it("passes --nodes as a count and --numa as explicit nodes with their distances", () => {
    const base = { cpus: 2, seed: 1, write: [], cat: [] };
    expect(bootConfig({ ...base, memory: 2 ** 30, nodes: 2 })).toMatchObject({ memory: 2 ** 30, nodes: 2, cpus: 2 });
    expect(bootConfig({ ...base, numa: { sizes: [2 ** 28, 2 ** 29], distance: [[10, 21], [21, 10]] } })).toMatchObject({
      memory: 3 * 2 ** 28,
      nodes: [{ size: 2 ** 28 }, { size: 2 ** 29 }],
      distance: [[10, 21], [21, 10]],
    });
  });
});

describe("mmsim boot: running", () => {
  it("prints the boot log without --cat", async () => {
    const r = await run("boot", "--memory", "256M");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\[ {4}0\.000000\] /);
    // QEMU's map for -m 256M, as the real w0-m256 boot log shows it
    expect(r.out).toContain("BIOS-e820: [mem 0x0000000000100000-0x000000000ffdffff] usable\n");
    expect(r.out).toMatch(/\] Memory: \d+K\/\d+K available/);
  });

  it("prints files exactly as they read, in order", async () => {
    const r = await run("boot", "--cat", "/proc/sys/vm/swappiness", "--cat", "/proc/sys/vm/lowmem_reserve_ratio");
    expect(r.code).toBe(0);
    expect(r.out).toBe("60\n256\t256\t32\t0\t0\n");
  });

  it("applies --write before --cat and reports a refused write with exit code 1", async () => {
    const ok = await run("boot", "--write", "/proc/sys/vm/swappiness=100", "--cat", "/proc/sys/vm/swappiness");
    expect(ok.out).toBe("100\n");
    const bad = await run("boot", "--write", "/proc/sys/vm/swappiness=300");
    expect(bad.code).toBe(1);
    expect(bad.err).toBe("error: write /proc/sys/vm/swappiness: Invalid argument (EINVAL)\n");
    const missing = await run("boot", "--cat", "/proc/nonesuch");
    expect(missing.code).toBe(1);
    expect(missing.err).toBe("error: cat /proc/nonesuch: No such file or directory (ENOENT)\n");
  });

  it("prints one JSON object with the config, the log and the files", async () => {
    const r = await run("boot", "--memory", "1G", "--json", "--cat", "/proc/meminfo");
    const j = JSON.parse(r.out) as { config: { memory: number }; dmesg: string; files: Record<string, string> };
    expect(j.config.memory).toBe(2 ** 30);
    expect(j.dmesg.length).toBeGreaterThan(0);
    expect(j.files["/proc/meminfo"]).toMatch(/^MemTotal: +\d+ kB\n/);
  });
});

describe("mmsim through its entry point", () => {
  it("exits 2 with one line on stderr for a bad size, and 0 with files on stdout", () => {
    const tsx = path.join(repo, "node_modules/.bin/tsx");
    const bad = spawnSync(tsx, ["src/cli/bin.ts", "boot", "--memory", "12Q"], { cwd: repo, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    const out = execFileSync(tsx, ["src/cli/bin.ts", "boot", "--cat", "/proc/sys/vm/watermark_scale_factor"], { cwd: repo, encoding: "utf8" });
    expect(out).toBe("10\n");
  }, 30000);
});
