import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildApiReport, reportPath } from "../scripts/api-report.js";

describe("public API report", () => {
  it("docs/api-report.md matches src/api/index.ts (run `npm run api-report` after an intended change)", () => {
    expect(readFileSync(reportPath, "utf8")).toBe(buildApiReport());
  }, 60_000);
});
