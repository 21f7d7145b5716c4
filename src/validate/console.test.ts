import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { captureText, MAX_LINE, oomReports, parseConsole } from "./console.js";

const DATA = fileURLToPath(new URL("../../test/realkernel/data/", import.meta.url));
/** Every stored capture set made by a harness (it has a console.log). */
const sets = readdirSync(DATA).filter((w) => statSync(join(DATA, w)).isDirectory() && existsSync(join(DATA, w, "console.log")));

describe("parseConsole on the stored real-kernel console logs", () => {
  it("finds stored sets to read", () => {
    expect(sets.length).toBeGreaterThanOrEqual(13);
  });

  for (const w of sets) {
    it(`${w}: splits every capture exactly as the stored files, start to done`, () => {
      const log = readFileSync(join(DATA, w, "console.log"), "latin1");
      const c = parseConsole(log);
      expect(c.started).toBeDefined();
      expect(c.done).toBe(c.started);
      expect(c.malformed).toEqual([]);
      expect(c.captures.length).toBeGreaterThan(0);
      for (const cap of c.captures) {
        // a validate capture stores "@label" as "label"; the realkernel harness used the label
        const file = cap.label === "@dmesg" ? "dmesg" : cap.label.replace(/^@/, "").replace(/[^A-Za-z0-9._/-]/g, "_");
        expect(cap.complete, cap.label).toBe(true);
        expect(cap.text, `${w}/${file}`).toBe(readFileSync(join(DATA, w, file), "latin1"));
      }
      // the boot's own lines are there and counted, none of them a panic
      expect(c.otherLines).toBeGreaterThan(100);
      expect(c.panic).toBeUndefined();
    });
  }

  it("cuts the OOM reports out of a kernel log as the harness did (w3a: 2, w4: 1)", () => {
    for (const [w, n] of [["w3a", 2], ["w4", 1]] as const) {
      const dmesg = captureText(parseConsole(readFileSync(join(DATA, w, "console.log"), "latin1")), "dmesg") as string;
      const reps = oomReports(dmesg);
      expect(reps.length).toBe(n);
      reps.forEach((r, i) => expect(r).toBe(readFileSync(join(DATA, w, `oom_report.${i + 1}`), "latin1")));
    }
  });
});

describe("parseConsole on bad and cut-off logs", () => {
  it("keeps a capture whose END never came, marked incomplete, and notes no DONE", () => {
    const c = parseConsole("@@RK-START x@@\r\n@@RK-BEGIN meminfo@@\r\nMemTotal: 1 kB\r\nMemFr");
    expect(c.started).toBe("x");
    expect(c.done).toBeUndefined();
    expect(c.captures).toEqual([{ label: "meminfo", text: "MemTotal: 1 kB\nMemFr\n", complete: false, line: 2 }]);
  });

  it("takes the text before an END marker on the same line as a file without a final newline", () => {
    const c = parseConsole("@@RK-BEGIN oom_score@@\n863@@RK-END oom_score@@\n");
    expect(c.captures[0].text).toBe("863");
  });

  it("decodes percent-encoded labels and event values", () => {
    const c = parseConsole("@@RK-BEGIN %40start.meminfo@@\nx\n@@RK-END %40start.meminfo@@\n@@RK-EV 5 7 step proc=my%20proc at=processes[0].run[1] result=ENOMEM@@\n");
    expect(c.captures[0].label).toBe("@start.meminfo");
    expect(c.events).toEqual([{ vt_ns: 5, wall_us: 7, kind: "step", fields: { proc: "my proc", at: "processes[0].run[1]", result: "ENOMEM" }, line: 4 }]);
  });

  it("finds a kernel panic on the console, inside a capture or outside", () => {
    expect(parseConsole("[ 1.0] Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled\n").panic).toBe("Out of memory: system-wide panic_on_oom is enabled");
    expect(parseConsole("@@RK-BEGIN a@@\nKernel panic - not syncing: VFS: Unable to mount root fs\n").panic).toBe("VFS: Unable to mount root fs");
  });

  it("survives garbage: binary bytes, broken markers, an endless line, an empty log", () => {
    const junk = "\u0000\u00ff\u00fe@@RK-\n@@RK-BEGIN @@\n@@RK-EV x y z@@\n" + "A".repeat(MAX_LINE + 10) + "\n@@RK-DONE@@\n";
    const c = parseConsole(junk);
    // "@@RK-", "@@RK-BEGIN @@", the event without numbers, "@@RK-DONE@@" without its space
    expect(c.malformed.length).toBe(4);
    expect(c.captures).toEqual([]);
    expect(c.done).toBeUndefined();
    expect(parseConsole("")).toEqual({ captures: [], events: [], oops: [], otherLines: 0, malformed: [] });
  });

  it("keeps only the first 20 malformed lines", () => {
    expect(parseConsole("@@RK-junk\n".repeat(100)).malformed.length).toBe(20);
  });

  it("keeps a report cut short by the end of the log", () => {
    expect(oomReports("a invoked oom-killer: gfp_mask=0x0\nMem-Info:\n")).toEqual(["a invoked oom-killer: gfp_mask=0x0\nMem-Info:\n"]);
  });
});
