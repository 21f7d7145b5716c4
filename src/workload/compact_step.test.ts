/**
 * The compact step: `compact: all` writes /proc/sys/vm/compact_memory, `compact: N` writes
 * /sys/devices/system/node/nodeN/compact; bad values are refused where they stand, and a node
 * the machine lacks fails as the write would (ENOENT).
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./runner.js";
import { scenarioError } from "./parse.testutil.js";

const head = "machine: { memory: 256M, sysctl: { vm.compaction_proactiveness: 0 } }\nprocesses:\n  - name: sh\n    run:\n";

const err = scenarioError;

describe("compact step", () => {
  it("reads compact: all and compact: N", () => {
    const r = parseScenario(head + "      - compact: all\n      - compact: 0\n", "s.yaml").processes[0].run;
    expect(r[0]).toMatchObject({ kind: "compact", node: null });
    expect(r[1]).toMatchObject({ kind: "compact", node: 0 });
  });

  it("refuses anything else with the file, line and field", () => {
    expect(err(head + "      - compact: some\n")).toMatch(/s\.yaml:5.*processes\[0\]\.run\[0\]\.compact.*expected all or a node number, got/);
    expect(err(head + "      - compact: -1\n")).toMatch(/processes\[0\]\.run\[0\]\.compact.*-1 is out of range/);
    expect(err(head + "      - compact: 1.5\n")).toMatch(/expected a whole number/);
  });

  it("compacts a half-freed region and names sysctl_compaction_handler in the timeline", () => {
    const sc = parseScenario(
      head +
        "      - mmap: { name: b, size: 64M }\n" +
        "      - madvise: { region: b, advice: nohugepage }\n" +
        "      - touch: { region: b, access: write }\n" +
        "      - fork: { name: c, run: [{ sleep: 1s }, { exit: 0 }] }\n" +
        "      - touch: { region: b, access: write, pattern: stride, stride: 8K, count: 8192 }\n" +
        "      - wait: c\n" +
        "      - capture: { label: v0, path: /proc/vmstat }\n" +
        "      - compact: all\n" +
        "        capture: { label: v1, path: /proc/vmstat }\n" +
        "      - compact: 0\n" +
        "expect:\n  - capture: v1\n    field: pgmigrate_success\n    since: v0\n    min: 1000\n",
      "s.yaml",
    );
    const res = runScenario(sc);
    expect(res.expectations.every((e) => e.ok)).toBe(true);
    const entries = res.timeline.filter((e) => e.event === "compact");
    expect(entries.map((e) => e.where)).toEqual(["sysctl_compaction_handler(), mm/compaction.c", "sysctl_compaction_handler(), mm/compaction.c"]);
    expect(entries[0].text).toMatch(/^echo 1 > \/proc\/sys\/vm\/compact_memory: \d+ pages migrated$/);
    expect(entries[1].text).toMatch(/^echo 1 > \/sys\/devices\/system\/node\/node0\/compact: \d+ pages migrated$/);
  });

  it("fails a node the machine lacks as the write does (ENOENT): the process exits 1, naming the step", () => {
    const res = runScenario(parseScenario(head + "      - compact: 3\n", "s.yaml"));
    expect(res.processes[0]).toMatchObject({ state: "exited", exit_code: 1, error: "compact failed: ENOENT (s.yaml:5)" });
  });
});
