import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildApiReport, reportPath } from "../scripts/api-report.js";

describe("public API report", () => {
  it("docs/api-report.md matches src/api/index.ts (run `npm run api-report` after an intended change)", () => {
    expect(readFileSync(reportPath, "utf8")).toBe(buildApiReport());
  }, 60_000);

  it("hands out no kernel object: no Kernel, task_struct, mm_struct or TraceBus in any exported type", () => {
    const report = readFileSync(reportPath, "utf8");
    for (const internal of ["Kernel", "task_struct", "mm_struct", "TraceBus", "pglist_data", "vm_area_struct", "kernelOf", "taskOf"]) {
      expect(report, internal).not.toMatch(new RegExp(`\\b${internal}\\b`));
    }
  });

  it("keeps the escape hatch out of the package entry: src/api/index.ts does not re-export internals.ts", () => {
    expect(readFileSync("src/api/index.ts", "utf8")).not.toMatch(/from "\.\/internals\.js"/);
  });
});
