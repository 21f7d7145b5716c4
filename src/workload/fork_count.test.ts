/**
 * The counted fork (`fork: { name, count, run }`, issue 16's slab-growth): N children under one
 * name, waited for together, checked together by a process expectation; the file's processes
 * bounded with nested counts multiplying; the work estimate counting every child's program; and
 * a capture on a `wait` step taken when the wait is over.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { scenarioError } from "./parse.testutil.js";
import { estimateWork, runScenario } from "./runner.js";
import { fieldOf } from "./expect.js";

const head = "machine: { memory: 256M }\nprocesses:\n  - name: p\n    run:\n";

/** /proc/slabinfo's active_objs of a cache in a capture. */
function active(text: string, cache: string): number {
  const line = text.split("\n").find((l) => l.startsWith(cache + " "));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

describe("fork count: parsing", () => {
  it("defaults to one child and reads a count", () => {
    const sc = parseScenario(head + "      - fork: { name: a }\n      - fork: { name: b, count: 20, run: [ { sleep: 1s } ] }\n", "s.yaml");
    const steps = sc.processes[0].run;
    expect(steps.map((s) => (s.kind === "fork" ? s.count : -1))).toEqual([1, 20]);
  });

  it("refuses a count outside 1..MAX_PROCESSES, located", () => {
    expect(scenarioError(head + "      - fork: { name: a, count: 0 }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.fork\.count: /);
    expect(scenarioError(head + "      - fork: { name: a, count: 10001 }\n")).toMatch(/fork\.count/);
    expect(scenarioError(head + "      - fork: { name: a, count: many }\n")).toMatch(/fork\.count/);
  });

  it("multiplies nested counts against the file's limit of processes", () => {
    // 100 children that each fork 99: 100 + 9900 + the parent = 10001 processes.
    const nested = (n: number): string => head + `      - fork:\n          name: a\n          count: 100\n          run:\n            - fork: { name: b, count: ${n} }\n`;
    expect(scenarioError(nested(98))).toBe("parsed");
    expect(scenarioError(nested(99))).toMatch(/^s\.yaml:9:\d+ processes\[0\]\.run\[0\]\.fork\.run\[0\]\.fork\.count: the scenario would make 10001 processes/);
  });

  it("counts every child's program in the work estimate", () => {
    const sc = parseScenario(head + "      - mmap: { name: m, size: 1M }\n      - fork: { name: a, count: 50, run: [ { touch: { region: m } } ] }\n", "s.yaml");
    // mmap 1, then 50 × (the fork 1 + a 256-page touch)
    expect(estimateWork(sc).total).toBe(1 + 50 * (1 + 256));
  });
});

describe("fork count: running", () => {
  const text =
    head +
    "      - capture: { label: before, path: /proc/slabinfo }\n" +
    "      - fork: { name: kid, count: 40, run: [ { sleep: 1s }, exit ] }\n" +
    "      - sleep: 10ms\n" +
    "        capture: { label: forked, path: /proc/slabinfo }\n" +
    "      - wait: kid\n" +
    "        capture: { label: reaped, path: /proc/meminfo }\n" +
    "expect:\n" +
    "  - process: kid\n" +
    "    state: exited\n";

  it("forks every child, waits for all of them, and checks them together", () => {
    const r = runScenario(parseScenario(text, "s.yaml"));
    const kids = r.processes.filter((p) => p.name === "kid");
    expect(kids).toHaveLength(40);
    expect(new Set(kids.map((p) => p.pid)).size).toBe(40);
    expect(kids.every((p) => p.state === "exited")).toBe(true);
    const cap = (l: string): string => r.captures.find((c) => c.label === l)?.text ?? "";
    expect(active(cap("forked"), "task_struct") - active(cap("before"), "task_struct")).toBeGreaterThanOrEqual(40);
    // The capture on the wait is taken once every child has gone: their stacks are back.
    expect(fieldOf(cap("reaped"), "KernelStack")).toBe(736);
    expect(r.expectations.map((e) => [e.ok, e.actual])).toEqual([[true, "40 of 40 exited(0)"]]);
  });

  it("reports each child of a group that did not end", () => {
    const r = runScenario(parseScenario(text.replace("[ { sleep: 1s }, exit ]", "[ { sleep: 1s } ]"), "s.yaml"));
    // The children hold their memory to the end: the wait never ends, and the expectation fails.
    expect(r.expectations[0].ok).toBe(false);
    expect(r.expectations[0].actual).toBe("40 of 40 alive");
    expect(r.timeline.some((e) => e.event === "still_waiting")).toBe(true);
  });
});
