/** docs/scenarios.md documents every step, expectation kind, machine key and shipped scenario the code has. */
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { EXPECT_KINDS, MACHINE_KEYS, STEP_KINDS, TOP_KEYS } from "../../src/workload/schema.js";

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
});
