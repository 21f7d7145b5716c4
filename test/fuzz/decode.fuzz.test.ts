/**
 * Robustness of `mmsim decode` against damaged input. The inputs are DERIVED from the real
 * fixtures (test/fixtures/decode, tools/realkernel): truncated, line-shuffled, lines dropped
 * or duplicated, bytes corrupted. No exception may escape, and every OOM report must say which
 * parts it could not read: a report without a trigger line lists "trigger", one without a victim
 * (and no panic) lists "victim", one without task rows lists "tasks".
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decode, explain, type DecodeResult, type OomReport } from "../../src/decode/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fx = path.join(repoRoot, "test/fixtures/decode");
const rk = path.resolve(repoRoot, "test/realkernel/data");
const texts: string[] = [
  ...readdirSync(path.join(fx, "oom")).map((f) => readFileSync(path.join(fx, "oom", f), "utf8")),
  ...readdirSync(path.join(fx, "proc")).map((f) => readFileSync(path.join(fx, "proc", f), "utf8")),
  ...["w3a/oom_report.1", "w3a/oom_report.2", "w4/oom_report.1", "w0/meminfo", "w0/zoneinfo", "w0/buddyinfo", "w0/pagetypeinfo", "w0/vmstat", "w1/proc.smaps", "w1/proc.status", "w5/swaps.holding", "w4/cg.hold24.memory.stat"].map((f) =>
    readFileSync(path.join(rk, f), "utf8"),
  ),
];

function checkReport(r: OomReport): void {
  const missing = new Set(r.missing.map((m) => m.part));
  expect(Boolean(r.trigger.comm)).toBe(!missing.has("trigger"));
  expect(Boolean(r.victim || r.selection || r.panic)).toBe(!missing.has("victim"));
  if (r.tasks.length === 0) expect(missing.has("tasks")).toBe(true);
  for (const row of r.badness.rows) expect(Number.isNaN(row.points)).toBe(false);
}

function checkResult(res: DecodeResult): void {
  expect(Array.isArray(res.missing)).toBe(true);
  expect(Array.isArray(res.warnings)).toBe(true);
  expect(typeof explain(res)).toBe("string");
  expect(() => JSON.stringify(res)).not.toThrow();
  if (res.kind === "oom-log") res.reports.forEach(checkReport);
}

const pick = fc.integer({ min: 0, max: texts.length - 1 });

describe("decode never throws on damaged real text (derived inputs)", () => {
  it("truncated at any character", () => {
    fc.assert(
      fc.property(pick, fc.double({ min: 0, max: 1, noNaN: true }), (i, frac) => {
        const t = texts[i];
        checkResult(decode(t.slice(0, Math.floor(t.length * frac))));
      }),
      { numRuns: 300, seed: 0x6d6d },
    );
  });
  it("lines shuffled, dropped and duplicated", () => {
    fc.assert(
      fc.property(pick, fc.array(fc.nat(), { maxLength: 400 }), fc.array(fc.nat(), { maxLength: 20 }), (i, order, dups) => {
        const lines = texts[i].split("\n");
        const kept = order.map((k) => lines[k % lines.length]);
        for (const d of dups) kept.splice(d % (kept.length + 1), 0, lines[d % lines.length]);
        checkResult(decode(kept.join("\n")));
      }),
      { numRuns: 200, seed: 0x6d6e },
    );
  });
  it("bytes replaced with junk, including digits and brackets", () => {
    fc.assert(
      fc.property(pick, fc.array(fc.tuple(fc.nat(), fc.constantFrom("\u0000", "[", "]", ":", "9", "-", " ", "\n", "kB", "=", "(", "é", "\r")), { maxLength: 60 }), (i, edits) => {
        const chars = [...texts[i]];
        for (const [pos, c] of edits) chars[pos % Math.max(1, chars.length)] = c;
        const t = chars.join("");
        checkResult(decode(t));
        checkResult(decode(t, { kind: "oom" }));
      }),
      { numRuns: 200, seed: 0x6d6f },
    );
  });
  it("any kind forced onto any text", () => {
    const kinds = ["oom", "meminfo", "buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat", "status", "smaps", "smaps_rollup", "swaps", "pressure", "memory.stat", "memory.events"] as const;
    fc.assert(
      fc.property(pick, fc.constantFrom(...kinds), (i, kind) => checkResult(decode(texts[i], { kind }))),
      { numRuns: 150, seed: 0x6d70 },
    );
  });
  it("arbitrary unicode and huge numbers", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: "binary" }), (s) => checkResult(decode(s))),
      { numRuns: 200, seed: 0x6d71 },
    );
    checkResult(decode("x invoked oom-killer: gfp_mask=0xffffffffffffffffff(GFP_KERNEL), order=99999999999999999999, oom_score_adj=-99999999999\n[  1] 0 1 1e309 99999999999999999999 NaN 1 2 x"));
  });
  it("a report truncated before its kill line says the victim is missing", () => {
    const t = readFileSync(path.join(rk, "w3a/oom_report.1"), "utf8");
    const cut = t.slice(0, t.indexOf("Out of memory: Killed process"));
    const res = decode(cut);
    expect(res.kind).toBe("oom-log");
    if (res.kind !== "oom-log") return;
    // The oom-kill line still names the victim; the kill line and its figures are missing.
    expect(res.reports[0].missing.map((m) => m.part)).toContain("victim");
    expect(res.reports[0].badness.agrees).toBe(true);
  });
});
