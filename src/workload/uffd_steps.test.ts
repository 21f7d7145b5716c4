/**
 * The userfaultfd steps (issue 18): `userfaultfd` (the fd, its registration and a handler thread
 * on the scheduler) and `uffdio` — parsed with their defaults, bad arguments refused with located
 * messages, and run: the faulting process sleeps until its handler answers, each policy answers
 * as it says, a process without a handler never wakes, close wakes everyone, and the handler
 * thread is no process of the report.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { scenarioError } from "./parse.testutil.js";
import { runScenario } from "./runner.js";

const head = "machine: { memory: 256M }\nprocesses:\n  - name: g\n    run:\n      - mmap: { name: ram, size: 64K }\n";

describe("userfaultfd and uffdio steps: parsing", () => {
  it("reads them with their defaults", () => {
    const sc = parseScenario(head + "      - userfaultfd: { region: ram }\n      - uffdio: { op: writeprotect, region: ram, length: 8K }\n      - uffdio: { op: close }\n", "s.yaml");
    const [, u, w, c] = sc.processes[0].run;
    expect(u).toMatchObject({ kind: "userfaultfd", region: "ram", offset: 0, mode: "missing", handler: "copy", latency: 100_000, pages: 1, flags: "cloexec|nonblock", features: "" });
    expect(w).toMatchObject({ kind: "uffdio", op: "writeprotect", region: "ram", length: 8192 });
    expect(c).toMatchObject({ kind: "uffdio", op: "close" });
  });

  it("refuses bad words, handler settings without a handler, and a range on close, each located", () => {
    expect(scenarioError(head + "      - userfaultfd: { region: ram, mode: missed }\n")).toMatch(/^s\.yaml:6:\d+ processes\[0\]\.run\[1\]\.userfaultfd\.mode: unknown word "missed": expected missing, wp, minor/);
    expect(scenarioError(head + "      - userfaultfd: { region: ram, mode: \"|\" }\n")).toMatch(/userfaultfd\.mode: expected one or more of missing, wp, minor/);
    expect(scenarioError(head + "      - userfaultfd: { region: ram, features: sigbus|fast }\n")).toMatch(/userfaultfd\.features: unknown word "fast"/);
    expect(scenarioError(head + "      - userfaultfd: { region: ram, handler: none, latency: 1ms }\n")).toMatch(/userfaultfd\.latency: latency and pages are the handler thread's/);
    expect(scenarioError(head + "      - userfaultfd: { region: ram, pages: 513 }\n")).toMatch(/userfaultfd\.pages/);
    expect(scenarioError(head + "      - userfaultfd: { region: heap }\n")).toMatch(/userfaultfd\.region/);
    expect(scenarioError(head + "      - uffdio: { op: close, region: ram }\n")).toMatch(/uffdio\.region: op: close takes no range/);
    expect(scenarioError(head + "      - uffdio: { op: writeprotect }\n")).toMatch(/uffdio\.region/);
    expect(scenarioError(head + "      - uffdio: { op: flush, region: ram }\n")).toMatch(/uffdio\.op/);
  });
});

/** Runs `steps` after the mmap of ram (64K, 16 pages) in process g; the result. */
function run(steps: string, extra = ""): ReturnType<typeof runScenario> {
  return runScenario(parseScenario(head + steps + extra, "s.yaml"));
}

describe("userfaultfd and uffdio steps: running", () => {
  it("copy: each first touch waits for its handler, which answers after the latency", () => {
    const r = run("      - userfaultfd: { region: ram, latency: 1ms }\n      - touch: { region: ram, access: write }\n");
    const handled = r.timeline.filter((e) => e.event === "uffd_handled");
    expect(handled).toHaveLength(16);
    expect(handled[0].text).toMatch(/^write fault at 0x[0-9a-f]+: UFFDIO_COPY 0x[0-9a-f]+, woke g$/);
    const touch = r.timeline.find((e) => e.event === "touch");
    expect(touch?.text).toMatch(/16 accesses, 16 page faults, 16 of them handled by its userfaultfd/);
    // 16 faults, each answered a millisecond after it was read: the touch took at least 16 ms.
    expect(Number(/in ([\d.]+)ms/.exec(touch?.text ?? "")?.[1])).toBeGreaterThanOrEqual(16);
    const g = r.processes.find((p) => p.name === "g");
    expect(g).toMatchObject({ state: "alive", majflt: 16 });
    // The handler thread is not a process of the report.
    expect(r.processes.map((p) => p.name)).toEqual(["g"]);
  });

  it("copy of several pages per fault: fewer faults", () => {
    const r = run("      - userfaultfd: { region: ram, pages: 4 }\n      - touch: { region: ram, access: write }\n");
    expect(r.timeline.filter((e) => e.event === "uffd_handled")).toHaveLength(4);
    expect(r.timeline.filter((e) => e.event === "uffd_handled")[0].text).toMatch(/UFFDIO_COPY 0x[0-9a-f]+ \(4 pages\)/);
    expect(r.processes[0].majflt).toBe(4);
  });

  it("zeropage answers read faults with the zero page: no anonymous memory", () => {
    const r = run("      - userfaultfd: { region: ram, handler: zeropage }\n      - touch: { region: ram, access: read }\n");
    expect(r.timeline.filter((e) => e.event === "uffd_handled")[0].text).toMatch(/^read fault at .*: UFFDIO_ZEROPAGE/);
    expect(r.processes[0].anon_kb).toBeLessThan(64);
  });

  it("without a handler the process sleeps to the end; closing the uffd from elsewhere is impossible, so it stays", () => {
    const r = run("      - userfaultfd: { region: ram, handler: none }\n      - touch: { region: ram, access: write }\n      - exit: 0\n");
    expect(r.processes[0].state).toBe("alive");
    expect(r.timeline.find((e) => e.event === "still_waiting")?.text).toMatch(/still waiting for userfaultfd/);
  });

  it("a write-protect pass: each write to a protected page is answered by lifting its protection", () => {
    const r = run(
      "      - userfaultfd: { region: ram, mode: wp }\n      - touch: { region: ram, access: write }\n      - uffdio: { op: writeprotect, region: ram, length: 16K }\n      - touch: { region: ram, access: write }\n",
    );
    const handled = r.timeline.filter((e) => e.event === "uffd_handled");
    expect(handled).toHaveLength(4);
    expect(handled[0].text).toMatch(/^write-protect fault at .*: UFFDIO_WRITEPROTECT \(0\)/);
  });

  it("unregister and close: the range's faults are plain again and the handler thread is idle", () => {
    const r = run("      - userfaultfd: { region: ram }\n      - uffdio: { op: unregister, region: ram, offset: 32K }\n      - uffdio: { op: close }\n      - touch: { region: ram, access: write }\n");
    expect(r.timeline.filter((e) => e.event === "uffd_handled")).toHaveLength(0);
    expect(r.processes[0]).toMatchObject({ state: "alive", majflt: 0 });
  });

  it("a uffdio step without a userfaultfd fails the program", () => {
    const r = run("      - uffdio: { op: wake, region: ram }\n");
    expect(r.processes[0]).toMatchObject({ state: "exited", exit_code: 1 });
    expect(r.processes[0].error).toMatch(/no userfaultfd/);
  });
});
