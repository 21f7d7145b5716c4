/**
 * OomLogReader's promise that a decoder bug in one report does not lose the rest of the log
 * (src/decode/oom.ts, OomLogReader.close): no real input makes the decoder throw (the fuzz tests
 * hold it to that), so this file stands in a faulty `analyse` that throws for reports whose
 * allocating task is named "boom", and checks that the reports around it are decoded and the
 * warning names the lines that were dropped.
 */
import { describe, expect, it, vi } from "vitest";
import type { OomReport } from "./types.js";
import { decodeOomLog } from "./oom.js";

// vi.mock is hoisted above the imports, so oom.ts sees the faulty analyse.
vi.mock("./oom_analyse.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("./oom_analyse.js")>();
  return {
    ...orig,
    analyse: (rep: OomReport, tableGap: boolean, headerSeen: boolean): void => {
      if (rep.trigger.comm === "boom") throw new Error("injected fault");
      orig.analyse(rep, tableGap, headerSeen);
    },
  };
});

const report = (comm: string, pid: number, t: number): string[] => [
  `[    ${t}.000000] ${comm} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
  `[    ${t}.100000] Out of memory: Killed process ${pid} (${comm}) total-vm:1000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0`,
];

describe("OomLogReader with a decoder fault", () => {
  it("keeps the reports before and after a report the decoder throws on, and warns with its lines", () => {
    const r = decodeOomLog([...report("hogA", 70, 5), ...report("boom", 71, 6), ...report("hogB", 72, 7)].join("\n"));
    expect(r.reports.map((x) => x.victim?.pid)).toEqual([70, 72]);
    // The second report is lines 3-4 of the log.
    expect(r.warnings).toEqual([{ part: "report", message: "report at lines 3-4 could not be decoded: injected fault", line: 3 }]);
    expect(r.missing).toEqual([]);
  });
});
