/** docs/scenarios.md documents every step, expectation kind, machine key and shipped scenario the code has. */
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { EXPECT_KINDS, MACHINE_KEYS, MAX_COUNT, MAX_FORK_DEPTH, MAX_MEMORY, MAX_REPEAT, MAX_SCENARIO_BYTES, MAX_SCENARIO_CPUS, MAX_YAML_ALIAS_COUNT, MIN_MEMORY, STEP_KINDS, TOP_KEYS, WORK_BUDGET } from "../../src/workload/schema.js";
import { PER_CPU_BOOT_MEMORY } from "../../src/sim/config.js";
import { MAX_GENERAL_YAML_BYTES } from "../../src/workload/parse.js";

const doc = readFileSync("docs/scenarios.md", "utf8");
const row = (name: string): RegExp => new RegExp(`^\\| \`${name}\``, "m");

describe("docs/scenarios.md", () => {
  it("has a table row for every step kind and each of its keys", () => {
    for (const [kind, spec] of Object.entries(STEP_KINDS)) {
      expect(doc, kind).toMatch(row(kind));
      const line = doc.split("\n").find((l) => l.startsWith(`| \`${kind}\``)) ?? "";
      for (const key of spec.keys) expect(line, `${kind}.${key}`).toContain(`\`${key}\``);
    }
  });

  it("has a row for every expectation kind, machine key, top-level key and shipped scenario", () => {
    for (const k of Object.keys(EXPECT_KINDS)) expect(doc, k).toMatch(row(k));
    for (const k of Object.keys(MACHINE_KEYS)) expect(doc, k).toMatch(new RegExp(`^\\| (\`[a-z]+\`, )?\`${k}\``, "m"));
    for (const k of TOP_KEYS) expect(doc, k).toMatch(row(k));
    for (const f of readdirSync("scenarios").filter((x) => x.endsWith(".yaml"))) expect(doc, f).toMatch(row(f.slice(0, -5)));
  });

  it("states the limits the code enforces, with the same numbers", () => {
    const limits = doc.slice(doc.indexOf("## Limits"), doc.indexOf("## From a program"));
    const mib = (b: number): string => `${b / 2 ** 20} MiB`;
    expect(limits).toContain(`at most ${mib(MAX_SCENARIO_BYTES)} (\`MAX_SCENARIO_BYTES\`)`);
    expect(limits).toContain(`files over ${mib(MAX_GENERAL_YAML_BYTES)} must keep to plain YAML`);
    expect(limits).toContain(`at most ${MAX_YAML_ALIAS_COUNT} alias expansions`);
    expect(limits).toContain(`RAM ${MIN_MEMORY / 2 ** 20}M to ${MAX_MEMORY / 2 ** 40}T, and ${MIN_MEMORY / 2 ** 20}M + ${PER_CPU_BOOT_MEMORY / 2 ** 20}M for each CPU after the first; 1 to ${MAX_SCENARIO_CPUS} CPUs`);
    expect(limits).toContain(`\`count\` at most 10⁹, \`repeat\` at most 10⁶`);
    expect([MAX_COUNT, MAX_REPEAT]).toEqual([1e9, 1e6]);
    expect(limits).toContain(`nested at most ${MAX_FORK_DEPTH} deep`);
    expect(limits).toContain(`at most ${WORK_BUDGET.toLocaleString("en-US")} page accesses (\`WORK_BUDGET\``);
    expect(doc).toContain(`| \`memory\` | RAM, ${MIN_MEMORY / 2 ** 20}M to ${MAX_MEMORY / 2 ** 40}T in whole 4K pages`);
  });
});
